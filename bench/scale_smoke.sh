#!/usr/bin/env bash
# A smoke run (seconds) of the GDELT-shaped tools, so they cannot rot:
# dyad-scalegen --shape=gdelt makes two small databases, dyad-query-bench
# reads both and prints the ratio, dyad-import-bench imports a few thousand
# rows through the RPC, twice. It checks that they ran and that what they
# printed adds up (every row created, then unchanged; the dyad counted as
# generated; a ratio for each query), never how fast.
#
# usage: scale_smoke.sh   (DYAD_BUILD_DIR in the environment)
set -euo pipefail
bin=${DYAD_BUILD_DIR:?set DYAD_BUILD_DIR to the build directory}/bin
dir=$(mktemp -d /tmp/dyad-scale-smoke.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "scale smoke: $*" >&2; exit 1; }

"$bin/dyad-scalegen" --db="$dir/small.db" --events=2000 --shape=gdelt --batch=500 >"$dir/gen1" 2>/dev/null
"$bin/dyad-scalegen" --db="$dir/large.db" --events=20000 --shape=gdelt --batch=5000 >"$dir/gen2" 2>/dev/null
grep -q '"created":2000,"rejected":0' "$dir/gen1" || fail "small database: $(cat "$dir/gen1")"
grep -q '"created":20000,"rejected":0' "$dir/gen2" || fail "large database: $(cat "$dir/gen2")"

"$bin/dyad-query-bench" --dbs="$dir/small.db,$dir/large.db" --calls=20 >"$dir/query" 2>/dev/null ||
  fail "dyad-query-bench failed: $(cat "$dir/query")"
cat "$dir/query"
# Each database's dyad counted the same from the monthly totals and event
# by event, and a tenth of the generated rows (or a few more) are AZE-GEO.
counts() { sed -nE "s/^  $1 .*\(([0-9]+) events\)$/\1/p" "$dir/query" | tr '\n' ' '; }
read -r month_small month_large <<<"$(counts 'CountEvents ten years by month ')"
read -r kind_small kind_large <<<"$(counts 'CountEvents ten years by month and kind')"
[ "$month_small" = "$kind_small" ] && [ "$month_large" = "$kind_large" ] ||
  fail "monthly totals ($month_small, $month_large) and events ($kind_small, $kind_large) disagree"
[ "$month_small" -ge 200 ] && [ "$month_small" -lt 300 ] && [ "$month_large" -ge 2000 ] &&
  [ "$month_large" -lt 3000 ] || fail "AZE-GEO counted $month_small and $month_large times"
[ "$(grep -cE '^  .* [0-9.]+x$' "$dir/query")" = 3 ] || fail "expected a p50 ratio for each of 3 queries"

"$bin/dyad-import-bench" --rows=4000 --batch=1000 --db="$dir/import.db" >"$dir/import" 2>/dev/null ||
  fail "dyad-import-bench failed: $(cat "$dir/import")"
cat "$dir/import"
grep -q '^import: 4000 rows .* created 4000 updated 0 unchanged 0 rejected 0' "$dir/import" ||
  fail "the import did not create every row"
grep -q '^same rows again: 4000 rows .* created 0 updated 0 unchanged 4000 rejected 0' "$dir/import" ||
  fail "the second import did not find every row unchanged"
grep -qE 'server CPU [0-9.]+ s' "$dir/import" || fail "no server CPU figure"
grep -qE '= [0-9]+ bytes/event' "$dir/import" || fail "no bytes/event figure"
echo "scale smoke: ok (AZE-GEO $month_small and $month_large)"

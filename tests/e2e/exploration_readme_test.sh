#!/usr/bin/env bash
# Runs the README's exploration block verbatim against a suite started here
# (three backends and the gateway on free loopback ports): every command must
# succeed, and the answers must hold what they promise.
set -euo pipefail
build=$1
top=$2
cd "$top"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
start() {  # name args...: starts a server in the background; its port lands in $port
  local name=$1; shift
  "$@" --port=0 --host=127.0.0.1 >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  for _ in $(seq 1 300); do grep -q "serving " "$work/$name.log" && break; sleep 0.1; done
  port=$(sed -n 's/.*serving .* port=\([0-9]*\).*/\1/p' "$work/$name.log" | head -1)
  [ -n "$port" ] || { echo "$name did not start"; cat "$work/$name.log"; exit 1; }
}
port=
start events "$build/bin/dyad-events" --db=:memory: --plugins="$build/plugins"; ev=$port
start economics "$build/bin/dyad-economics" --db=:memory: --plugins="$build/plugins"; ec=$port
start institutions "$build/bin/dyad-institutions" --db=:memory: --plugins="$build/plugins"; in=$port
start gateway "$build/bin/dyad-gateway" --events=127.0.0.1:$ev --economics=127.0.0.1:$ec \
  --institutions=127.0.0.1:$in; gw=$port
# The block between the markers, as the README shows it.
sed -n '/<!-- exploration:begin -->/,/<!-- exploration:end -->/p' README.md \
  | sed '1,2d;$d' | sed '$d' > "$work/block.sh"
echo "--- running the README block against 127.0.0.1:$gw"
GW=127.0.0.1:$gw BUF="$top/tools/node_modules/.bin/buf" bash -e "$work/block.sh" > "$work/out.txt"
out=$(cat "$work/out.txt")
for needle in "dyad.gateway.v1.RelationsGateway" "SERVING" '"milestones"' '"entries"' \
              '"indicators"' '"factors"' '"hits"' '"checks"' '"sources"' '"code": "OK"' \
              '"intensity"'; do
  grep -q -- "$needle" <<<"$out" || { echo "missing $needle in the output"; head -50 "$work/out.txt"; exit 1; }
done
echo "ok: $(grep -c '' "$work/out.txt") lines of answers"

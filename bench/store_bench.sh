#!/usr/bin/env bash
# Issue 12's figures: dyad-store-bench against SQLite and a throw-away
# PostgreSQL 15 (tests/testing/pg.sh, with fsync on so that commits cost
# what they cost in production, and PostgreSQL's default shared_buffers of
# 128MB rather than the tests' 16MB), in one run. Extra arguments go to
# dyad-store-bench (--rows, --pool_size, --calls, ...). Prints the bench's
# table and the PostgreSQL server's own memory (postmaster and backends).
#   bench/store_bench.sh --rows=200000
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${DYAD_BUILD_DIR:-$here/build}
# DYAD_STORE_BENCH: another build's binary, to compare two builds.
bin=${DYAD_STORE_BENCH:-$build/bin/dyad-store-bench}
dir=$(mktemp -d /tmp/dyad-store-bench-pg-XXXXXX)
trap 'bash "$here/tests/testing/pg.sh" stop "$dir"' EXIT
DYAD_PG_OPTIONS="-c fsync=on -c shared_buffers=${DYAD_PG_SHARED_BUFFERS:-128MB}" \
  bash "$here/tests/testing/pg.sh" start "$dir" >/dev/null
uri="postgresql:///postgres?host=$dir&port=$(cat "$dir/port")&user=dyad"
"$bin" --pg="$uri" --pg_pid="$(cat "$dir/pid")" "$@" &
bench=$!
# The PostgreSQL server's resident memory near the end of the run (the
# postmaster and every backend; shared buffers are counted once per process
# that touched them, so this overstates).
peak=0
pid=$(cat "$dir/pid")
while kill -0 "$bench" 2>/dev/null; do
  kb=$( (ps -o rss= -p "$pid"; ps -o rss= --ppid "$pid") | awk '{s+=$1} END {print s+0}')
  [ "$kb" -gt "$peak" ] && peak=$kb
  sleep 1
done
wait "$bench"
echo
echo "PostgreSQL server (postmaster + backends, shared_buffers ${DYAD_PG_SHARED_BUFFERS:-128MB}, fsync on): peak RSS sum $((peak / 1024)) MiB"

#!/usr/bin/env bash
# Uncached ListEvents, this build against another dyad-events binary, side by
# side in one run (the machine's throughput drifts, so only figures taken
# together compare):
#   - per round: the empty handler (ceiling), the same with a 25 KB reply,
#     then ListEvents AZE-CHN 2010-2019 on each binary (32 in flight), as
#     ratios to the ceiling and to the 25 KB reply;
#   - then the server CPU per call of each (utime+stime from /proc around a
#     3 s slice at 8 in flight), which a loaded machine disturbs least.
#
#   bench/listevents_ab.sh /path/to/old/dyad-events      (ROUNDS=3, DURATION=2s)
#
# Build first (scripts/build.sh). Prints one line per round and per slice.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
b="${DYAD_BUILD_DIR:-$here/build}/bin"
plugins="${DYAD_BUILD_DIR:-$here/build}/plugins"
base="${1:?usage: bench/listevents_ab.sh OTHER_DYAD_EVENTS_BINARY}"
rounds="${ROUNDS:-3}"; duration="${DURATION:-2s}"
work=$(mktemp -d /tmp/dyad-ab.XXXXXX); pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
start() {  # LOG BINARY ARGS... -> PORT, PID
  local log=$1; shift
  "$@" --port=0 --host=127.0.0.1 2>"$log" &
  PID=$!; pids+=("$PID")
  for _ in $(seq 1 600); do grep -q "serving " "$log" && break; sleep 0.05; done
  PORT=$(sed -n 's/.*serving .* port=\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$PORT" ] || { echo "no serving line:"; cat "$log"; exit 1; }
}
start "$work/e.log" "$b/dyad-bench-empty"; empty=$PORT
start "$work/e25.log" "$b/dyad-bench-empty" --reply_bytes=25160; empty25=$PORT
start "$work/new.log" "$b/dyad-events" --db=:memory: --plugins="$plugins" --result_cache_entries=0
new=$PORT; new_pid=$PID
start "$work/old.log" "$base" --db=:memory: --plugins="$plugins" --result_cache_entries=0
old=$PORT; old_pid=$PID
req='{"countries":["AZE","CHN"],"period":{"start":{"year":2010},"end":{"year":2019}}}'
get='{"name":"events/x"}'
rps() {  # port method request concurrency duration [flags] -> "ok rps"
  "$b/dyad-load" --target="127.0.0.1:$1" --method="$2" --request="$3" --concurrency="$4" \
    --duration="$5" --warmup="${WARMUP:-1s}" --label=ab "${@:6}" |
    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ok"], d["rps"])'
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  c=$(rps "$empty" /dyad.events.v1.EventService/GetEvent "$get" 32 "$duration" | cut -d' ' -f2)
  x=$(rps "$empty25" /dyad.events.v1.EventService/GetEvent "$get" 32 "$duration" \
      --min_response_bytes=25000 | cut -d' ' -f2)
  n=$(rps "$new" /dyad.events.v1.EventService/ListEvents "$req" 32 "$duration" \
      --min_response_bytes=1000 | cut -d' ' -f2)
  o=$(rps "$old" /dyad.events.v1.EventService/ListEvents "$req" 32 "$duration" \
      --min_response_bytes=1000 | cut -d' ' -f2)
  /usr/bin/python3 -c "c,x,n,o=$c,$x,$n,$o
print('round $r: ceiling %.0f req/s, 25 KB reply %.2f; this build %.3f (%.2f of the 25 KB reply), other %.3f (%.2f)' % (c, x/c, n/c, n/x, o/c, o/x))"
done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
for r in $(seq 1 "$rounds"); do
  for which in this other; do
    if [ "$which" = this ]; then port=$new; pid=$new_pid; else port=$old; pid=$old_pid; fi
    t0=$(ticks "$pid")
    # No warm-up here: every call the CPU ticks cover is counted.
    calls=$(WARMUP=0s rps "$port" /dyad.events.v1.EventService/ListEvents "$req" 8 3s \
            --min_response_bytes=1000 | cut -d' ' -f1)
    t1=$(ticks "$pid")
    /usr/bin/python3 -c "print('cpu round $r, $which build: %d calls, %.0f us of server CPU per call' % ($calls, ($t1 - $t0) / $hz * 1e6 / max($calls, 1)))"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

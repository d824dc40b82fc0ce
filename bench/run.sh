#!/usr/bin/env bash
# Dyad benchmark harness: starts the real binaries on loopback, drives them
# with dyad-load (closed loop, counting only calls that really succeeded),
# and prints requests/s and latency percentiles, each as a ratio to the empty
# handler measured in the same run; then how ListEvents latency grows from
# 1k to 1M events, start-up time and RSS.
#
#   bench/run.sh            full run (about 6-8 minutes on 2 cores)
#   bench/run.sh --smoke    seconds: keeps the harness from rotting (CI)
#
# Environment: DYAD_BUILD_DIR (default build/), BENCH_DURATION (2s per
# slice), BENCH_ROUNDS (3), BENCH_CONCURRENCY (32), BENCH_SCALES
# ("1000 10000 100000 1000000"), BENCH_RESULTS (a file to keep the raw JSON
# lines in; tests/unit/bench_smoke_test.sh checks the figures from it),
# BENCH_ONLY=gateway (GetEvent and the gateway cases only, no scale runs:
# about a minute), BENCH_BUILD=0 (measure the binaries in DYAD_BUILD_DIR as
# they are, e.g. another checkout's build, without building).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYAD_BUILD_DIR:-$here/build}"
smoke=0
[ "${1:-}" = "--smoke" ] && smoke=1
duration="${BENCH_DURATION:-2s}"
warmup=1s
rounds="${BENCH_ROUNDS:-3}"
concurrency="${BENCH_CONCURRENCY:-32}"
scales="${BENCH_SCALES:-1000 10000 100000 1000000}"
only="${BENCH_ONLY:-}"
if [ $smoke -eq 1 ]; then
  duration=300ms; warmup=100ms; rounds=1; scales="1000 5000"
elif [ "${BENCH_BUILD:-1}" != 0 ]; then
  "$here/scripts/build.sh" >/dev/null
fi
[ "$only" = gateway ] && scales=""
bin="$build/bin"
needed="dyad-load dyad-bench-empty dyad-events"
[ -n "$scales" ] && needed="$needed dyad-scalegen"
for b in $needed; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b: build first (scripts/build.sh)"; exit 1; }
done
work=$(mktemp -d /tmp/dyad-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
results="$work/results.jsonl"
: > "$results"

now_ms() { date +%s%3N; }

# start NAME LOGFILE ARGS... → sets PORT and PID; records start-up time.
start() {
  local name=$1 log=$2; shift 2
  local t0; t0=$(now_ms)
  "$@" --port=0 --host=127.0.0.1 2>"$log" &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 1 600); do
    grep -q "serving " "$log" && break
    kill -0 "$PID" 2>/dev/null || { echo "$name failed to start:"; cat "$log"; exit 1; }
    sleep 0.05
  done
  PORT=$(sed -n 's/.*serving .* port=\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$PORT" ] || { echo "$name: no serving line"; cat "$log"; exit 1; }
  local rss; rss=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
  echo "{\"kind\":\"startup\",\"label\":\"$name\",\"ms\":$(( $(now_ms) - t0 )),\"rss_kb\":$rss}" >> "$results"
}

# One load run of dyad-load, appended to the results as a JSON line.
load_once() {  # label port method request [extra dyad-load flags]
  local label=$1 port=$2 method=$3 request=$4; shift 4
  "$bin/dyad-load" --target="127.0.0.1:$port" --method="$method" --request="$request" \
    --duration="$duration" --warmup="$warmup" --concurrency="$concurrency" --label="$label" "$@" \
    | sed 's/^{/{"kind":"load",/' >> "$results"
}

# A case, measured in `rounds` slices, each right after a slice of the
# ceiling (the empty handler): this machine's throughput drifts by tens of
# percent within minutes, so each slice's ratio pairs two runs made seconds
# apart, and the report takes the median over the rounds.
load() {  # label port method request [extra dyad-load flags]
  for _ in $(seq 1 "$rounds"); do
    load_once "ceiling" "$empty_port" /dyad.events.v1.EventService/GetEvent '{"name":"events/x"}'
    load_once "$@"
  done
}

plugins="$build/plugins"
start empty "$work/empty.log" "$bin/dyad-bench-empty"; empty_port=$PORT
# The same empty handler with a reply as large as the ListEvents page below
# (25 KB): what sending such a payload costs on this stack.
start "empty, 25 KB reply" "$work/empty-25k.log" "$bin/dyad-bench-empty" --reply_bytes=25160
empty25_port=$PORT
start events "$work/events.log" "$bin/dyad-events" --db=:memory: --plugins="$plugins"; events_port=$PORT
start "events, cache off" "$work/events-nocache.log" "$bin/dyad-events" --db=:memory: \
  --plugins="$plugins" --result_cache_entries=0; nocache_port=$PORT
have_econ=0; have_inst=0; have_gw=0
if [ -x "$bin/dyad-economics" ]; then
  start economics "$work/economics.log" "$bin/dyad-economics" --db=:memory: --plugins="$plugins"
  econ_port=$PORT; have_econ=1
fi
if [ -x "$bin/dyad-institutions" ]; then
  start institutions "$work/institutions.log" "$bin/dyad-institutions" --db=:memory: --plugins="$plugins"
  inst_port=$PORT; have_inst=1
fi
if [ -x "$bin/dyad-gateway" ] && [ $have_econ -eq 1 ] && [ $have_inst -eq 1 ]; then
  start gateway "$work/gateway.log" "$bin/dyad-gateway" --events="127.0.0.1:$events_port" \
    --economics="127.0.0.1:$econ_port" --institutions="127.0.0.1:$inst_port"
  gw_port=$PORT; have_gw=1
  start "gateway, answer cache 1s" "$work/gateway-cached.log" "$bin/dyad-gateway" \
    --events="127.0.0.1:$events_port" --economics="127.0.0.1:$econ_port" \
    --institutions="127.0.0.1:$inst_port" --answer_cache_ttl=1s
  gw_cached_port=$PORT
fi

dyad='"countries":["AZE","CHN"]'
load "GetEvent" "$events_port" /dyad.events.v1.EventService/GetEvent \
  '{"name":"events/aze-chn-joint-statement-2015"}' --min_response_bytes=100
if [ "$only" != gateway ]; then
load "empty handler, 25 KB reply" "$empty25_port" /dyad.events.v1.EventService/GetEvent \
  '{"name":"events/x"}' --min_response_bytes=25000
load "ListEvents AZE-CHN 2010-2019" "$events_port" /dyad.events.v1.EventService/ListEvents \
  "{$dyad,\"period\":{\"start\":{\"year\":2010},\"end\":{\"year\":2019}}}" --min_response_bytes=1000
load "ListEvents, result cache off" "$nocache_port" /dyad.events.v1.EventService/ListEvents \
  "{$dyad,\"period\":{\"start\":{\"year\":2010},\"end\":{\"year\":2019}}}" --min_response_bytes=1000
if [ $have_econ -eq 1 ]; then
  load "GetSeries trade.turnover" "$econ_port" /dyad.economics.v1.EconomicsService/GetSeries \
    '{"indicator":"trade.turnover","reporter":"AZE","partner":"CHN"}' --min_response_bytes=200
fi
if [ $have_inst -eq 1 ]; then
  load "ListInstitutions" "$inst_port" /dyad.institutions.v1.InstitutionService/ListInstitutions \
    '{"countries":["AZE"]}' --min_response_bytes=200
fi
fi  # not only the gateway
if [ $have_gw -eq 1 ]; then
  load "gateway GetYearInReview 2019" "$gw_port" /dyad.gateway.v1.RelationsGateway/GetYearInReview \
    "{$dyad,\"year\":2019}" --min_response_bytes=500
  load "gateway GetTimeline" "$gw_port" /dyad.gateway.v1.RelationsGateway/GetTimeline \
    "{$dyad}" --min_response_bytes=500
  load "gateway GetYearInReview, answer cache 1s" "$gw_cached_port" \
    /dyad.gateway.v1.RelationsGateway/GetYearInReview "{$dyad,\"year\":2019}" --min_response_bytes=500
  load "gateway GetTimeline, answer cache 1s" "$gw_cached_port" \
    /dyad.gateway.v1.RelationsGateway/GetTimeline "{$dyad}" --min_response_bytes=500
fi

# Cross-check the load generator once against h2load (gRPC framing by hand):
# h2load counts any HTTP 200 as success, so compare the bytes it received.
if command -v h2load >/dev/null && [ $smoke -eq 0 ] && [ "$only" != gateway ]; then
  /usr/bin/python3 - "$work/get.bin" <<'PY'
import struct, sys
name = b"events/aze-chn-joint-statement-2015"
msg = b"\x0a" + bytes([len(name)]) + name          # GetEventRequest{name}
open(sys.argv[1], "wb").write(b"\x00" + struct.pack(">I", len(msg)) + msg)
PY
  n=20000
  out=$(h2load -n $n -c 2 -m 16 -H 'content-type: application/grpc' -H 'te: trailers' \
        -d "$work/get.bin" "http://127.0.0.1:$events_port/dyad.events.v1.EventService/GetEvent" 2>&1)
  rps=$(sed -n 's/.*finished in .*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
  ok=$(sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p' <<<"$out")
  data=$(sed -n 's/.*traffic: .* (\([0-9]*\)) total, .* (\([0-9]*\)) headers.*data \(.*\)$/\2/p' <<<"$out")
  echo "{\"kind\":\"h2load\",\"label\":\"GetEvent via h2load\",\"rps\":${rps:-0},\"ok_2xx\":${ok:-0},\"requests\":$n}" >> "$results"
fi

# Scale: ListEvents latency (one call at a time, result cache off so every
# call runs the query) as the table grows.
for n in $scales; do
  db="$work/scale-$n.db"
  gen=$("$bin/dyad-scalegen" --db="$db" --events="$n")
  start "events with $n synthetic" "$work/scale-$n.log" "$bin/dyad-events" --db="$db" --plugins="$plugins" \
    --result_cache_entries=0
  port=$PORT
  "$bin/dyad-load" --target="127.0.0.1:$port" --method=/dyad.events.v1.EventService/ListEvents \
    --request="{$dyad,\"period\":{\"start\":{\"year\":2010},\"end\":{\"year\":2019}}}" \
    --duration="$duration" --warmup="$warmup" --concurrency=1 --min_response_bytes=1000 \
    --label="$n" | sed "s/^{/{\"kind\":\"scale\",\"gen\":$gen,/" >> "$results"
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
done

[ -n "${BENCH_RESULTS:-}" ] && cp "$results" "$BENCH_RESULTS"
/usr/bin/python3 "$here/bench/report.py" "$results"

#!/usr/bin/env bash
# Memory under a flood: starts the three backends (curated data, in-memory
# databases) and the gateway on free loopback ports, floods one gateway
# method with h2load (50 connections x 100 streams each for a few seconds,
# far more calls at once than --max_in_flight admits), several times in a
# row, and prints after each flood the peak (VmHWM) and current (VmRSS)
# resident memory of all four processes, and how many calls really
# succeeded. h2load counts every HTTP 200 as a success, and a refused gRPC
# call (RESOURCE_EXHAUSTED) is an HTTP 200 with no body, so successes are
# counted from the reply bytes received: data bytes / size of one reply.
#
#   bench/flood.sh                       5 floods of 5 s on GetOverview
#   FLOODS=1 FLOOD_SECONDS=3 bench/flood.sh
#   GATEWAY_FLAGS="--max_in_flight=0" bench/flood.sh    no admission limit
#   BACKEND_FLAGS="--max_in_flight=0" bench/flood.sh
#
# Environment: DYAD_BUILD_DIR (build/), FLOODS (5), FLOOD_SECONDS (5),
# FLOOD_CLIENTS (50), FLOOD_STREAMS (100), FLOOD_METHOD (GetOverview; or
# GetTimeline, GetYearInReview), GATEWAY_FLAGS, BACKEND_FLAGS.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYAD_BUILD_DIR:-$here/build}"
bin="$build/bin"
floods="${FLOODS:-5}"
seconds="${FLOOD_SECONDS:-5}"
clients="${FLOOD_CLIENTS:-50}"
streams="${FLOOD_STREAMS:-100}"
method="${FLOOD_METHOD:-GetOverview}"
read -r -a gateway_flags <<<"${GATEWAY_FLAGS:-}"
read -r -a backend_flags <<<"${BACKEND_FLAGS:-}"
command -v h2load >/dev/null || { echo "h2load not found (apt-get install nghttp2-client)"; exit 1; }
for b in dyad-events dyad-economics dyad-institutions dyad-gateway; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b: build first"; exit 1; }
done
work=$(mktemp -d /tmp/dyad-flood.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start() {  # name args... → PORT, PID
  local name=$1; shift
  "$@" --port=0 --host=127.0.0.1 2>"$work/$name.log" &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 1 600); do
    grep -q "serving " "$work/$name.log" && break
    kill -0 "$PID" 2>/dev/null || { echo "$name failed to start:"; cat "$work/$name.log"; exit 1; }
    sleep 0.05
  done
  PORT=$(sed -n 's/.*serving .* port=\([0-9]*\).*/\1/p' "$work/$name.log" | head -1)
  [ -n "$PORT" ] || { echo "$name: no serving line"; cat "$work/$name.log"; exit 1; }
}

plugins="$build/plugins"
start events "$bin/dyad-events" --db=:memory: --plugins="$plugins" "${backend_flags[@]}"
ev_pid=$PID; ev_port=$PORT
start economics "$bin/dyad-economics" --db=:memory: --plugins="$plugins" "${backend_flags[@]}"
ec_pid=$PID; ec_port=$PORT
start institutions "$bin/dyad-institutions" --db=:memory: --plugins="$plugins" "${backend_flags[@]}"
in_pid=$PID; in_port=$PORT
start gateway "$bin/dyad-gateway" --events="127.0.0.1:$ev_port" --economics="127.0.0.1:$ec_port" \
  --institutions="127.0.0.1:$in_port" "${gateway_flags[@]}"
gw_pid=$PID; gw_port=$PORT

# The request, framed for gRPC by hand (countries AZE, CHN; year 2019 for
# GetYearInReview).
/usr/bin/python3 - "$work/req.bin" "$method" <<'PY'
import struct, sys
msg = b"".join(b"\x0a\x03" + c for c in (b"AZE", b"CHN"))   # countries (field 1)
if sys.argv[2] == "GetYearInReview":
    msg += b"\x10\xe3\x0f"                                   # year (field 2) = 2019
open(sys.argv[1], "wb").write(b"\x00" + struct.pack(">I", len(msg)) + msg)
PY
url="http://127.0.0.1:$gw_port/dyad.gateway.v1.RelationsGateway/$method"
h2() { h2load -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/req.bin" "$@" "$url" 2>&1; }
data_bytes() { sed -n 's/.*traffic: .*headers (space savings [^)]*), [0-9.A-Za-z]* (\([0-9]*\)) data.*/\1/p'; }

# The size of one whole reply: one call alone.
one=$(h2 -n 1 -c 1 -m 1)
reply=$(data_bytes <<<"$one")
[ -n "$reply" ] && [ "$reply" -gt 100 ] || { echo "one call failed:"; echo "$one"; exit 1; }

mem() {  # pid → "hwm/rss MiB"
  awk '/VmHWM/ {h=$2} /VmRSS/ {r=$2} /Threads/ {t=$2} END {printf "%d/%d/%dt", h/1024, r/1024, t}' "/proc/$1/status"
}
report() {  # label
  printf '%-14s gateway %-14s events %-14s economics %-14s institutions %-14s (VmHWM/VmRSS MiB/threads)\n' \
    "$1" "$(mem $gw_pid)" "$(mem $ev_pid)" "$(mem $ec_pid)" "$(mem $in_pid)"
}
echo "flood: $method, $clients connections x $streams streams, ${seconds}s each; reply $reply bytes;" \
  "gateway flags: ${GATEWAY_FLAGS:-(defaults)}; backend flags: ${BACKEND_FLAGS:-(defaults)}"
report "idle"
for i in $(seq 1 "$floods"); do
  out=$(h2 -c "$clients" -m "$streams" -D "$seconds")
  [ -n "${FLOOD_LOG:-}" ] && echo "$out" >> "$FLOOD_LOG"
  done_n=$(sed -n 's/^requests: \([0-9]*\) total, [0-9]* started, \([0-9]*\) done.*/\2/p' <<<"$out")
  bytes=$(data_bytes <<<"$out")
  ok=$(( ${bytes:-0} / reply ))
  echo "flood $i: ${done_n:-?} calls answered, ~$ok whole replies (the rest refused: RESOURCE_EXHAUSTED)"
  sleep 1
  report "after flood $i"
done
# Still answering after the floods?
after=$(h2 -n 1 -c 1 -m 1)
[ "$(data_bytes <<<"$after")" = "$reply" ] && echo "after the floods: one call answered whole" \
  || { echo "after the floods: the call failed"; echo "$after"; exit 1; }

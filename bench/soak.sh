#!/usr/bin/env bash
# Dyad soak test: starts the four real binaries (dyad-events, dyad-economics,
# dyad-institutions with the curated plugins, dyad-gateway in front of them)
# on free loopback ports with a fresh data directory and a write token, runs
# dyad-soak against them (mixed valid and hostile traffic, see
# bench/soak.cc), then stops them gracefully and checks each exited 0.
# Exit status non-zero when a process died or exited badly, a memory limit
# was hit, or an acknowledged write could not be read back.
#
#   bench/soak.sh                    10 minutes (docs/reliability.md)
#   bench/soak.sh --duration=1m      any duration dyad-soak accepts
#   bench/soak.sh --smoke            seconds, small hostile sizes (ctest, label bench)
#   bench/soak.sh --flood=96 ...     other flags go to dyad-soak
#
# Environment: DYAD_BUILD_DIR (default build/); SOAK_JSON, a file to keep
# the figures as JSON; SOAK_KEEP=1 keeps the work directory (databases,
# server logs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYAD_BUILD_DIR:-$here/build}"
bin="$build/bin"
duration=10m
extra=()
for arg in "$@"; do
  case "$arg" in
    --smoke)
      duration=5s
      # Every hostile shape still goes out, at sizes a CI machine shrugs off.
      extra+=(--oversized_bytes=200000 --huge_list=5000 --nesting=5000 --flood=16
              --progress_every=0 --verify_timeout=60s --min_available_mib=256) ;;
    --duration=*) duration="${arg#--duration=}" ;;
    *) extra+=("$arg") ;;
  esac
done
for b in dyad-soak dyad-events dyad-economics dyad-institutions dyad-gateway; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b: build first (scripts/build.sh)"; exit 1; }
done

# The seconds in a duration like 90s, 10m, 1h or 1m30s (the outer guard
# only; dyad-soak bounds itself).
seconds() {
  local d=$1 total=0 n unit
  while [[ $d =~ ^([0-9]+)(h|m|s)(.*)$ ]]; do
    n=${BASH_REMATCH[1]}; unit=${BASH_REMATCH[2]}; d=${BASH_REMATCH[3]}
    case $unit in h) total=$((total + n * 3600)) ;; m) total=$((total + n * 60)) ;;
                  s) total=$((total + n)) ;; esac
  done
  [ -z "$d" ] && [ $total -gt 0 ] && echo $total || echo 3600
}

work=$(mktemp -d /tmp/dyad-soak.XXXXXX)
names=()
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${SOAK_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/write-token")

# start NAME ARGS... → sets PORT; the log is $work/NAME.log.
start() {
  local name=$1; shift
  local log="$work/$name.log"
  "$@" --port=0 --host=127.0.0.1 2>"$log" &
  local pid=$!
  names+=("$name"); pids+=("$pid")
  for _ in $(seq 1 600); do
    grep -q "serving " "$log" && break
    kill -0 "$pid" 2>/dev/null || { echo "$name failed to start:"; cat "$log"; exit 1; }
    sleep 0.05
  done
  PORT=$(sed -n 's/.*serving .* port=\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$PORT" ] || { echo "$name: no serving line"; cat "$log"; exit 1; }
}

backend=(--plugins="$build/plugins" --write_token_file="$work/write-token")
start events "$bin/dyad-events" --db="$work/events.db" "${backend[@]}"; ev=$PORT
start economics "$bin/dyad-economics" --db="$work/economics.db" "${backend[@]}"; ec=$PORT
start institutions "$bin/dyad-institutions" --db="$work/institutions.db" "${backend[@]}"; in=$PORT
start gateway "$bin/dyad-gateway" --events="127.0.0.1:$ev" --economics="127.0.0.1:$ec" \
  --institutions="127.0.0.1:$in"; gw=$PORT
pid_list=""
for i in "${!names[@]}"; do pid_list+="${pid_list:+,}${names[$i]}=${pids[$i]}"; done

# Outer guard: the run, the drain, the read-back (dyad-soak's own bounds)
# and a margin.
guard=$(( $(seconds "$duration") + 600 ))
status=0
timeout --kill-after=10s "${guard}s" "$bin/dyad-soak" \
  --events="127.0.0.1:$ev" --economics="127.0.0.1:$ec" --institutions="127.0.0.1:$in" \
  --gateway="127.0.0.1:$gw" --write_token_file="$work/write-token" --pids="$pid_list" \
  --duration="$duration" --json="$work/soak.json" "${extra[@]}" || status=$?
[ -n "${SOAK_JSON:-}" ] && [ -s "$work/soak.json" ] && cp "$work/soak.json" "$SOAK_JSON"

# Every server must still run, then stop cleanly on SIGTERM.
for i in "${!names[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "FAIL: ${names[$i]} is not running at the end; its log ends:"
    tail -5 "$work/${names[$i]}.log"
    status=1
  fi
done
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for i in "${!names[@]}"; do
  for _ in $(seq 1 300); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "FAIL: ${names[$i]} still running 30s after SIGTERM; killed"
    kill -KILL "${pids[$i]}" 2>/dev/null || true
    status=1
  fi
  code=0
  wait "${pids[$i]}" 2>/dev/null || code=$?
  if [ $code -ne 0 ]; then
    echo "FAIL: ${names[$i]} exited $code on SIGTERM; its log ends:"
    tail -5 "$work/${names[$i]}.log"
    status=1
  fi
done
pids=()
if [ $status -ne 0 ]; then echo "soak: FAIL"; else echo "soak: PASS"; fi
exit $status

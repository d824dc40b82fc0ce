#!/usr/bin/env bash
# Sets up, builds and starts the Dyad suite locally with the curated data,
# waits until each process reports SERVING, prints where they listen, and
# stops them cleanly on Ctrl-C.
#
# Environment: DYAD_DATA_DIR (default ./.dyad-data) holds the databases and
# the write token; DYAD_EVENTS_PORT (50051).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYAD_BUILD_DIR:-$here/build}"
data="${DYAD_DATA_DIR:-$here/.dyad-data}"
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
mkdir -p "$data"
if [ ! -s "$data/write-token" ]; then
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$data/write-token"
  chmod 600 "$data/write-token"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped"
}
trap stop INT TERM EXIT

start() {  # name binary port extra-args...
  local name=$1 bin=$2 port=$3; shift 3
  "$build/bin/$bin" --port="$port" --host=127.0.0.1 "$@" 2> >(sed -u "s/^/[$name] /" >&2) &
  pids+=($!)
}

start events dyad-events "${DYAD_EVENTS_PORT:-50051}" --db="$data/events.db" \
  --plugins="$build/plugins" --write_token_file="$data/write-token"

buf="$here/tools/node_modules/.bin/buf"
wait_healthy() {  # port service
  for _ in $(seq 1 100); do
    if "$buf" curl --protocol grpc --http2-prior-knowledge -d "{\"service\":\"$2\"}" \
        "http://127.0.0.1:$1/grpc.health.v1.Health/Check" 2>/dev/null | grep -q SERVING; then
      return 0
    fi
    sleep 0.2
  done
  echo "$2 on port $1 did not become healthy" >&2
  return 1
}
wait_healthy "${DYAD_EVENTS_PORT:-50051}" dyad.events.v1.EventService

cat <<MSG

Dyad is up (Ctrl-C stops it):
  events   127.0.0.1:${DYAD_EVENTS_PORT:-50051}   dyad.events.v1.EventService
Write token: $data/write-token
Try: $buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:${DYAD_EVENTS_PORT:-50051}
MSG
wait -n "${pids[@]}"

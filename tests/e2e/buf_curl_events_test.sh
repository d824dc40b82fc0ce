#!/usr/bin/env bash
# buf curl through server reflection only (no .proto files given): lists the
# service, calls ListEvents for AZE/CHN in 2015, and checks health.
set -euo pipefail
build=$1
buf=$2
log=$(mktemp)
"$build/bin/dyad-events" --port=0 --host=127.0.0.1 --plugins="$build/plugins" --db=:memory: \
  2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
  grep -q "serving " "$log" && break
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/.*serving .* port=\([0-9]*\).*/\1/p' "$log" | head -1)
[ -n "$port" ] || { echo "no serving line"; cat "$log"; exit 1; }
addr="http://127.0.0.1:$port"

echo "--- list"
services=$("$buf" curl --protocol grpc --http2-prior-knowledge --list-services "$addr")
echo "$services"
grep -qx "dyad.events.v1.EventService" <<<"$services"

echo "--- describe"
methods=$("$buf" curl --protocol grpc --http2-prior-knowledge --list-methods "$addr")
grep -q "dyad.events.v1.EventService/ListEvents" <<<"$methods"

echo "--- ListEvents 2015"
out=$("$buf" curl --protocol grpc --http2-prior-knowledge \
  -d '{"countries":["AZE","CHN"],"period":{"start":{"year":2015},"end":{"year":2015}}}' \
  "$addr/dyad.events.v1.EventService/ListEvents")
echo "$out" | head -40
grep -q '"citations"' <<<"$out"
grep -q '"year": 2015' <<<"$out"

echo "--- bad input"
if err=$("$buf" curl --protocol grpc --http2-prior-knowledge -d '{"pageSize":-1}' \
    "$addr/dyad.events.v1.EventService/ListEvents" 2>&1); then
  echo "expected an error"; exit 1
fi
grep -qi "invalid_argument" <<<"$err"
grep -q "page_size" <<<"$err"

echo "--- health"
health=$("$buf" curl --protocol grpc --http2-prior-knowledge \
  --schema /usr/share/grpc-proto/grpc/health/v1/health.proto \
  -d '{"service":"dyad.events.v1.EventService"}' "$addr/grpc.health.v1.Health/Check")
grep -q SERVING <<<"$health"
echo "ok"

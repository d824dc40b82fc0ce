#!/usr/bin/env bash
# buf curl through server reflection only (no .proto files given): lists the
# service, calls every method, checks errors and health.
set -euo pipefail
build=$1
buf=$2
log=$(mktemp)
"$build/bin/dyad-institutions" --port=0 --host=127.0.0.1 --plugins="$build/plugins" --db=:memory: \
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
grep -qx "dyad.institutions.v1.InstitutionService" <<<"$services"

echo "--- describe"
methods=$("$buf" curl --protocol grpc --http2-prior-knowledge --list-methods "$addr")
grep -q "dyad.institutions.v1.InstitutionService/ListMemberships" <<<"$methods"

call() {  # method body
  "$buf" curl --protocol grpc --http2-prior-knowledge -d "$2" \
    "$addr/dyad.institutions.v1.InstitutionService/$1"
}
echo "--- every method"
out=$(call ListInstitutions '{"countries":["AZE","CHN"]}'); grep -q '"citations"' <<<"$out"
out=$(call GetInstitution '{"name":"institutions/aiib"}'); grep -q '"displayName"' <<<"$out"
out=$(call ListInstitutionKinds '{}'); grep -q '"kinds"' <<<"$out"
out=$(call ListMemberships '{"country":"AZE"}'); grep -q '"organization": "institutions/aiib"' <<<"$out"
out=$(call ListSources '{}'); grep -q '"jafarli"' <<<"$out"
if out=$(call CreateInstitution '{"institution":{"displayName":"X","kind":"economy.bank"}}' 2>&1); then
  echo "write without a token succeeded"; exit 1
fi
grep -qi "unauthenticated" <<<"$out"

echo "--- bad input"
if err=$("$buf" curl --protocol grpc --http2-prior-knowledge -d '{"pageSize":-1}' \
    "$addr/dyad.institutions.v1.InstitutionService/ListInstitutions" 2>&1); then
  echo "expected an error"; exit 1
fi
grep -qi "invalid_argument" <<<"$err"
grep -q "page_size" <<<"$err"

echo "--- health"
health=$("$buf" curl --protocol grpc --http2-prior-knowledge \
  --schema /usr/share/grpc-proto/grpc/health/v1/health.proto \
  -d '{"service":"dyad.institutions.v1.InstitutionService"}' "$addr/grpc.health.v1.Health/Check")
grep -q SERVING <<<"$health"
echo "ok"

#!/usr/bin/env bash
# buf curl through server reflection only (no .proto files, no --schema):
# lists the service, calls every InstitutionService method over the curated
# plugins, checks error codes and the write token, and health.
set -euo pipefail
build=$1
buf=$2
log=$(mktemp)
DYAD_WRITE_TOKEN=buf-curl-token "$build/bin/dyad-institutions" --port=0 --host=127.0.0.1 \
  --plugins="$build/plugins" --db=:memory: 2>"$log" &
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
svc=dyad.institutions.v1.InstitutionService
curl_() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }
call() { curl_ -d "$2" "$addr/$svc/$1"; }  # method body
# fails() method body code: the call must fail with that code.
# A transport failure (unavailable: the connection, not the server's answer)
# is tried again, twice at most, so a loaded machine does not fail the test.
fails() {
  local err attempt
  for attempt in 1 2 3; do
    if err=$(call "$1" "$2" 2>&1); then echo "$1 $2: expected $3, got success"; exit 1; fi
    if [ "$3" = unavailable ] || ! grep -q '"code": "unavailable"' <<<"$err"; then break; fi
    echo "$1 $2: unavailable (attempt $attempt), trying again: $err" >&2
    sleep 0.5
  done
  grep -q "\"code\": \"$3\"" <<<"$err" || { echo "$1 $2: expected $3, got: $err"; exit 1; }
  echo "$err"
}

echo "--- list services and methods"
services=$(curl_ --list-services "$addr")
echo "$services"
grep -qx "$svc" <<<"$services"
methods=$(curl_ --list-methods "$addr")
for m in GetInstitution ListInstitutions ListInstitutionKinds ListMemberships CreateInstitution \
         ListSources; do
  grep -qx "$svc/$m" <<<"$methods" || { echo "method $m not listed"; exit 1; }
done

echo "--- ListInstitutionKinds"
out=$(call ListInstitutionKinds '{"domain":"education_culture"}')
grep -q '"id": "education.confucius_institute"' <<<"$out"

echo "--- ListInstitutions: the Confucius institutes the documents name, in founding order"
out=$(call ListInstitutions \
  '{"kinds":["education.confucius_institute","education.confucius_branch","education.confucius_center"]}')
echo "$out" | grep -E '"name"|"totalSize"'
names=$(grep -o '"name": "institutions/[^"]*"' <<<"$out")
expected='"name": "institutions/confucius-institute-bsu"
"name": "institutions/confucius-institute-bsu-khazar-branch"
"name": "institutions/confucius-institute-aul"
"name": "institutions/confucius-center-university-of-azerbaijan"'
[ "$names" = "$expected" ] || {
  echo "unexpected Confucius institutes: $names"; exit 1; }
grep -q '"totalSize": 4' <<<"$out"
out=$(call ListInstitutions '{"countries":["AZE","CHN"],"city":"BAKU","founded":{"start":{"year":2011}},"query":"confucius","pageSize":1}')
grep -q '"citations"' <<<"$out"
grep -q '"name": "institutions/confucius-institute-bsu"' <<<"$out"
grep -q '"totalSize": 1' <<<"$out"

echo "--- GetInstitution"
out=$(call GetInstitution '{"name":"institutions/confucius-institute-bsu-khazar-branch"}')
grep -q '"parent": "institutions/confucius-institute-bsu"' <<<"$out"

echo "--- ListMemberships"
out=$(call ListMemberships '{"country":"AZE"}')
echo "$out" | grep -E '"organization"|"role"'
grep -q '"organization": "institutions/aiib"' <<<"$out"
grep -q '"organizationDisplayName"' <<<"$out"
out=$(call ListMemberships '{"organization":"institutions/aiib"}')
grep -q '"country": "CHN"' <<<"$out"

echo "--- ListSources"
out=$(call ListSources '{}')
grep -q '"id": "jafarli"' <<<"$out"

echo "--- CreateInstitution needs the write token"
body='{"institution":{"displayName":"Buf Curl Test Centre","kind":"education.confucius_center","hostCountry":"AZE","city":"Baku","founded":{"year":2024},"parent":"institutions/confucius-institute-bsu","citations":[{"sourceId":"jafarli","locator":"p29"}]},"institutionId":"buf-curl-centre"}'
fails CreateInstitution "$body" unauthenticated >/dev/null
if err=$(curl_ -H "Authorization: Bearer wrong" -d "$body" "$addr/$svc/CreateInstitution" 2>&1); then
  echo "write with a wrong token succeeded"; exit 1
fi
grep -q '"code": "unauthenticated"' <<<"$err"
out=$(curl_ -H "Authorization: Bearer buf-curl-token" -d "$body" "$addr/$svc/CreateInstitution")
grep -q '"name": "institutions/buf-curl-centre"' <<<"$out"
out=$(call GetInstitution '{"name":"institutions/buf-curl-centre"}')
grep -q '"displayName": "Buf Curl Test Centre"' <<<"$out"
if err=$(curl_ -H "Authorization: Bearer buf-curl-token" -d "$body" "$addr/$svc/CreateInstitution" 2>&1); then
  echo "second create with the same id succeeded"; exit 1
fi
grep -q '"code": "already_exists"' <<<"$err"

echo "--- bad input names the field"
# fails_naming method body code text: fails with that code, and the message
# names `text` (every mismatch is printed, never swallowed by a pipe).
fails_naming() {
  local out
  out=$(fails "$1" "$2" "$3") || { echo "$out"; exit 1; }
  grep -qF -- "$4" <<<"$out" || { echo "$1 $2: the error does not name $4: $out"; exit 1; }
}
fails_naming ListInstitutions '{"pageSize":-1}' invalid_argument page_size
fails_naming ListInstitutions '{"countries":["XXX"]}' invalid_argument 'countries[0]'
fails_naming ListInstitutions '{"founded":{"start":{"year":2012,"month":13}}}' invalid_argument \
  founded.start.month
fails_naming ListInstitutions '{"pageToken":"nope"}' invalid_argument page_token
fails_naming ListMemberships '{"organization":"aiib"}' invalid_argument organization
fails_naming GetInstitution '{"name":"aiib"}' invalid_argument name
fails_naming GetInstitution '{"name":"institutions/none"}' not_found 'institutions/none'

echo "--- health, described by reflection too"
health=$(curl_ -d "{\"service\":\"$svc\"}" "$addr/grpc.health.v1.Health/Check")
grep -q SERVING <<<"$health"
echo "ok"

#!/usr/bin/env bash
# buf curl through server reflection only (no .proto files given): lists the
# service and calls every EconomicsService method against the real plugins,
# then checks health.
set -euo pipefail
build=$1
buf=$2
log=$(mktemp)
DYAD_WRITE_TOKEN=curl-token "$build/bin/dyad-economics" --port=0 --host=127.0.0.1 \
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
svc="$addr/dyad.economics.v1.EconomicsService"
call() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

echo "--- list"
services=$(call --list-services "$addr")
echo "$services"
grep -qx "dyad.economics.v1.EconomicsService" <<<"$services"

echo "--- describe"
methods=$(call --list-methods "$addr")
for m in ListIndicators GetSeries ListObservations RecordObservation ListSources; do
  grep -q "dyad.economics.v1.EconomicsService/$m" <<<"$methods"
done

echo "--- ListIndicators"
out=$(call -d '{}' "$svc/ListIndicators")
grep -q '"id": "trade.turnover"' <<<"$out"
grep -q '"plugin": "economy"' <<<"$out"

echo "--- GetSeries trade.turnover AZE/CHN"
out=$(call -d '{"indicator":"trade.turnover","reporter":"AZE","partner":"CHN"}' "$svc/GetSeries")
echo "$out" | head -30
for y in 2007 2015 2016 2017 2018 2019 2020 2024; do grep -q "\"year\": $y" <<<"$out"; done
grep -q '"rule": "most-precise-consistent"' <<<"$out"
grep -q '"changePercent"' <<<"$out"

echo "--- GetSeries investment.stock CHN/AZE (disputed, to date)"
out=$(call -d '{"indicator":"investment.stock","reporter":"CHN","partner":"AZE"}' "$svc/GetSeries")
grep -q '"disputed": true' <<<"$out"
grep -q '"asOf"' <<<"$out"

echo "--- GetSeries trade.balance (derived)"
out=$(call -d '{"indicator":"trade.balance","reporter":"AZE","partner":"CHN"}' "$svc/GetSeries")
grep -q '"rule": "derived:economy"' <<<"$out"

echo "--- ListObservations"
out=$(call -d '{"indicator":"trade.turnover","countries":["CHN","AZE"],"pageSize":3}' \
  "$svc/ListObservations")
grep -q '"citations"' <<<"$out"
grep -q '"nextPageToken"' <<<"$out"
grep -q '"totalSize"' <<<"$out"

echo "--- ListSources"
out=$(call -d '{}' "$svc/ListSources")
grep -q '"id": "jafarli"' <<<"$out"

echo "--- RecordObservation"
obs='{"observation":{"indicator":"trade.turnover","reporter":"AZE","partner":"CHN","period":{"year":2021},"value":{"value":1900000000,"unit":"USD","qualifier":"QUALIFIER_APPROXIMATE","precision":100000000},"citations":[{"sourceId":"jafarli","locator":"p8"}]},"observationId":"curl-2021"}'
if err=$(call -d "$obs" "$svc/RecordObservation" 2>&1); then
  echo "expected unauthenticated"; exit 1
fi
grep -qi "unauthenticated" <<<"$err"
out=$(call -H "Authorization: Bearer curl-token" -d "$obs" "$svc/RecordObservation")
grep -q '"name": "observations/curl-2021"' <<<"$out"

echo "--- bad input"
if err=$(call -d '{"pageSize":-1}' "$svc/ListObservations" 2>&1); then
  echo "expected an error"; exit 1
fi
grep -qi "invalid_argument" <<<"$err"
grep -q "page_size" <<<"$err"
if err=$(call -d '{"indicator":"no.such","reporter":"AZE"}' "$svc/GetSeries" 2>&1); then
  echo "expected an error"; exit 1
fi
grep -qi "not_found" <<<"$err"
grep -q "no.such" <<<"$err"

echo "--- health"
health=$(call --schema /usr/share/grpc-proto/grpc/health/v1/health.proto \
  -d '{"service":"dyad.economics.v1.EconomicsService"}' "$addr/grpc.health.v1.Health/Check")
grep -q SERVING <<<"$health"
echo "ok"

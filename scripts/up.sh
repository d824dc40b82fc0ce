#!/usr/bin/env bash
# Sets up, builds and starts the Dyad suite locally with the curated data:
# the three backends, the gateway and dyad-web (the explorer page and
# JSON/gRPC-Web over HTTP) on loopback. Waits until each reports SERVING on
# its health service (dyad-web: /healthz), prints where they listen (and the
# explorer's URL), and stops them cleanly (SIGTERM, graceful) on Ctrl-C.
#
#   scripts/up.sh              the backends on SQLite files in DYAD_DATA_DIR
#   scripts/up.sh --postgres   the backends on one throw-away PostgreSQL 15:
#                              tests/testing/pg.sh starts it (initdb into a
#                              temporary directory, as the unprivileged user
#                              dyadpg when run as root, a free loopback port);
#                              Ctrl-C stops it and removes its data
#   --no-build                 skip install-deps.sh and the builds (use what
#                              is built; for the smoke test)
#
# Environment: DYAD_DATA_DIR (default ./.dyad-data) holds the databases and
# the write token; DYAD_GATEWAY_PORT (50050), DYAD_EVENTS_PORT (50051),
# DYAD_ECONOMICS_PORT (50052), DYAD_INSTITUTIONS_PORT (50053),
# DYAD_WEB_PORT (8080). With --postgres, DYAD_UP_SQLITE_BACKENDS (e.g.
# "events") keeps the named backends on SQLite.
set -euo pipefail
postgres=0
build_first=1
for arg in "$@"; do
  case "$arg" in
    --postgres) postgres=1 ;;
    --no-build) build_first=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "up.sh: unknown argument $arg (--postgres, --no-build)" >&2; exit 2 ;;
  esac
done
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYAD_BUILD_DIR:-$here/build}"
data="${DYAD_DATA_DIR:-$here/.dyad-data}"
gw_port="${DYAD_GATEWAY_PORT:-50050}"
ev_port="${DYAD_EVENTS_PORT:-50051}"
ec_port="${DYAD_ECONOMICS_PORT:-50052}"
in_port="${DYAD_INSTITUTIONS_PORT:-50053}"
web_port="${DYAD_WEB_PORT:-8080}"
if [ $build_first -eq 1 ]; then
  "$here/scripts/install-deps.sh"
  "$here/scripts/build.sh"
fi
# The explorer: npm ci (first time), generated code, esbuild -> web/dist.
have_web=0
if [ $build_first -eq 0 ]; then
  [ -f "$here/web/dist/server.js" ] && command -v node >/dev/null && have_web=1
elif [ -x "$build/bin/dyad-gateway" ]; then
  rc=0
  "$here/web/scripts/build.sh" --no-check || rc=$?
  if [ $rc -eq 0 ]; then have_web=1; elif [ $rc -ne 77 ]; then exit $rc; fi
fi
mkdir -p "$data"
if [ ! -s "$data/write-token" ]; then
  (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$data/write-token")
fi

pids=()
pg_dir=""
stop() {
  trap - INT TERM EXIT
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$pg_dir" ]; then
    "$here/tests/testing/pg.sh" stop "$pg_dir" || true
    echo "PostgreSQL stopped, its data removed"
  fi
  echo "stopped"
}
trap stop INT TERM EXIT

# Each backend's --db (and the password file for PostgreSQL).
declare -A db_args
for svc in events economics institutions; do db_args[$svc]="--db=$data/$svc.db"; done
if [ $postgres -eq 1 ]; then
  "$here/tests/testing/pg.sh" available
  pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/dyad-up-pg.XXXXXX")"
  pg_uri="$("$here/tests/testing/pg.sh" start "$pg_dir")"
  for svc in events economics institutions; do
    case " ${DYAD_UP_SQLITE_BACKENDS:-} " in *" $svc "*) continue ;; esac
    db_args[$svc]="--db=$pg_uri --db_password_file=$pg_dir/password"
  done
  echo "PostgreSQL 15 at $pg_uri (data in $pg_dir, removed on Ctrl-C)"
fi

start() {  # label binary port args...
  local label=$1 bin=$2 port=$3; shift 3
  "$build/bin/$bin" --port="$port" --host=127.0.0.1 "$@" 2> >(sed -u "s/^/[$label] /" >&2) &
  pids+=($!)
}
backend_args=(--plugins="$build/plugins" --write_token_file="$data/write-token")
# shellcheck disable=SC2086  # db_args holds one or two words, no spaces inside
start events dyad-events "$ev_port" ${db_args[events]} "${backend_args[@]}"
# shellcheck disable=SC2086
start economics dyad-economics "$ec_port" ${db_args[economics]} "${backend_args[@]}"
# shellcheck disable=SC2086
start institutions dyad-institutions "$in_port" ${db_args[institutions]} "${backend_args[@]}"
have_gateway=0
if [ -x "$build/bin/dyad-gateway" ]; then
  start gateway dyad-gateway "$gw_port" --events="127.0.0.1:$ev_port" \
    --economics="127.0.0.1:$ec_port" --institutions="127.0.0.1:$in_port"
  have_gateway=1
fi
if [ $have_web -eq 1 ]; then
  node "$here/web/dist/server.js" --port="$web_port" --host=127.0.0.1 --gateway="127.0.0.1:$gw_port" \
    --events="127.0.0.1:$ev_port" --economics="127.0.0.1:$ec_port" --institutions="127.0.0.1:$in_port" \
    2> >(sed -u "s/^/[web] /" >&2) &
  pids+=($!)
fi

buf="$here/tools/node_modules/.bin/buf"
wait_healthy() {  # port service
  for _ in $(seq 1 150); do
    if "$buf" curl --protocol grpc --http2-prior-knowledge -d "{\"service\":\"$2\"}" \
        "http://127.0.0.1:$1/grpc.health.v1.Health/Check" 2>/dev/null | grep -q '"SERVING"'; then
      return 0
    fi
    sleep 0.2
  done
  echo "$2 on port $1 did not become healthy" >&2
  return 1
}
wait_healthy "$ev_port" dyad.events.v1.EventService
wait_healthy "$ec_port" dyad.economics.v1.EconomicsService
wait_healthy "$in_port" dyad.institutions.v1.InstitutionService
[ $have_gateway -eq 0 ] || wait_healthy "$gw_port" dyad.gateway.v1.RelationsGateway
if [ $have_web -eq 1 ]; then
  web_ok() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$web_port/healthz"; }
  for _ in $(seq 1 150); do web_ok && break; sleep 0.2; done
  web_ok || { echo "dyad-web on port $web_port did not become healthy" >&2; exit 1; }
fi

cat <<MSG

Dyad is up with the curated data$( [ $postgres -eq 1 ] && echo " on PostgreSQL ($pg_uri)") (Ctrl-C stops it):
$( [ $have_web -eq 1 ] && echo "  explorer       http://127.0.0.1:$web_port/?a=AZE&b=CHN   (JSON/gRPC-Web: POST http://127.0.0.1:$web_port/<service>/<method>)" || echo "  (no explorer: node/npm missing, see web/README.md)")
$( [ $have_gateway -eq 1 ] && echo "  gateway        127.0.0.1:$gw_port   dyad.gateway.v1.RelationsGateway" || echo "  (no dyad-gateway in this build)")
  events         127.0.0.1:$ev_port   dyad.events.v1.EventService
  economics      127.0.0.1:$ec_port   dyad.economics.v1.EconomicsService
  institutions   127.0.0.1:$in_port   dyad.institutions.v1.InstitutionService
Write token: $data/write-token
Try:  $build/bin/dyad events --from 2019 --to 2019
      $build/bin/dyad series trade.turnover
      $buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:$gw_port
$( [ $have_web -eq 1 ] && echo "      curl -sS -X POST http://127.0.0.1:$web_port/dyad.gateway.v1.RelationsGateway/GetOverview -H 'Content-Type: application/json' -d '{\"countries\":[\"AZE\",\"CHN\"]}'")
MSG
wait -n "${pids[@]}" || true
# Ctrl-C reaches the servers too (one process group) and they stop on their
# own; only a server that ended while the others still run is news.
for pid in "${pids[@]}"; do
  if kill -0 "$pid" 2>/dev/null; then
    echo "a process exited; stopping the others" >&2
    break
  fi
done

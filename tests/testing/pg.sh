#!/usr/bin/env bash
# A throw-away PostgreSQL 15 for tests and local runs.
#   pg.sh start DIR   initdb into DIR/data, start postgres on a Unix socket in
#                     DIR and on a free 127.0.0.1 port; prints a libpq URI
#                     (database "postgres", user "dyad", password in DIR/password)
#   pg.sh stop DIR    stops that postmaster (by the pid it recorded) and removes DIR
#   pg.sh halt DIR    stops it, keeping its data (an outage, for tests)
#   pg.sh resume DIR  starts it again on the same port and socket
#   pg.sh available   exit 0 when PostgreSQL 15 is installed, 77 otherwise
# PostgreSQL refuses to run as root: as root, the server runs as the system
# user dyadpg (created when missing); otherwise as the current user.
set -euo pipefail
bin=${DYAD_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}; dir=${2:-}

available() { [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ]; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u dyadpg -- "$@"; else "$@"; fi
}

# fsync=off: the cluster is thrown away, and no test crashes PostgreSQL
# itself (replicas are killed, the database is only stopped cleanly).
# DYAD_PG_OPTIONS adds (or overrides) server settings, e.g. for benchmarks
# "-c fsync=on -c shared_buffers=256MB".
start_server() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $(cat "$dir/port") -k $dir -c max_connections=200 -c shared_buffers=16MB -c fsync=off ${DYAD_PG_OPTIONS:-}" \
    >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  head -1 "$dir/data/postmaster.pid" > "$dir/pid"
}

# Signals our postmaster (the pid it recorded) and waits for it to go.
stop_server() {
  local sig=$1 pid
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  if kill "-$sig" "$pid" 2>/dev/null; then
    for _ in $(seq 1 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pid"
}

case "$cmd" in
  available)
    available || { echo "PostgreSQL 15 not installed ($bin/initdb missing): scripts/install-deps.sh installs it" >&2; exit 77; }
    ;;
  start)
    [ -n "$dir" ] || { echo "usage: pg.sh start DIR" >&2; exit 2; }
    available || { echo "PostgreSQL 15 not installed ($bin/initdb missing)" >&2; exit 77; }
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      id dyadpg >/dev/null 2>&1 ||
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dyadpg
      chown dyadpg "$dir"
    fi
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/password"
    chmod 644 "$dir/password"
    as_pg "$bin/initdb" -D "$dir/data" -U dyad --pwfile="$dir/password" -E UTF8 --no-sync \
      --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$dir" > "$dir/socket_dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    echo "$port" > "$dir/port"
    start_server
    echo "postgresql://dyad@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -n "$dir" ] && [ -d "$dir" ] || exit 0
    stop_server QUIT  # immediate: the data is thrown away
    rm -rf "$dir"
    ;;
  halt)
    stop_server INT  # fast shutdown: clients are disconnected, data kept
    ;;
  resume)
    start_server
    ;;
  *) echo "usage: pg.sh start|stop|halt|resume DIR | available" >&2; exit 2 ;;
esac

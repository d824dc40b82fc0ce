#!/usr/bin/env bash
# Export throughput (docs/performance.md, docs/export.md): N synthetic
# events (dyad-scalegen, records as API writes make them) in a SQLite
# database, served by the real dyad-events, exported to CSV through the
# CLI (`dyad export events --any-country --format csv --out FILE`). Prints
# rows/s and MB/s, and the server's RSS idle (after start-up and one small
# call) and at its peak during the export (sampled every 50 ms), whose
# ratio should stay below 2 (flow control: the server holds one batch per
# call, whatever the size of the export).
#
#   bench/export_bench.sh [--events N] [--keep DIR] [--smoke]
#
# --smoke: 20,000 events, checks that the figures are printed and every
# row arrived (not how fast). DYAD_BUILD_DIR names the build (default
# ./build). Without --keep the database is made in a temporary directory
# and removed; with --keep DIR it is made once and reused.
set -euo pipefail
build=${DYAD_BUILD_DIR:-$(cd "$(dirname "$0")/.." && pwd)/build}
bin=$build/bin
events=1000000
keep=""
smoke=0
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --smoke) smoke=1; events=20000; shift ;;
    *) echo "usage: $0 [--events N] [--keep DIR] [--smoke]" >&2; exit 2 ;;
  esac
done
fail() { echo "export bench: $*" >&2; exit 1; }

if [ -n "$keep" ]; then
  dir=$keep
  mkdir -p "$dir"
else
  dir=$(mktemp -d /tmp/dyad-export-bench.XXXXXX)
fi
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -z "$keep" ]; then rm -rf "$dir"; else rm -f "$dir/out.csv"; fi
}
trap cleanup EXIT

db=$dir/events-$events.db
if [ ! -s "$db" ]; then
  echo "generating $events events into $db" >&2
  "$bin/dyad-scalegen" --db="$db" --events="$events" --batch=50000 >/dev/null
fi

"$bin/dyad-events" --port=0 --host=127.0.0.1 --db="$db" --plugins="$build/plugins" \
  --log_level=warn 2>"$dir/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(sed -nE 's/.*serving .* port=([0-9]+).*/\1/p' "$dir/server.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  # --log_level=warn hides the serving line on some builds: ask again at info.
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  "$bin/dyad-events" --port=0 --host=127.0.0.1 --db="$db" --plugins="$build/plugins" \
    2>"$dir/server.log" &
  server_pid=$!
  for _ in $(seq 1 300); do
    port=$(sed -nE 's/.*serving .* port=([0-9]+).*/\1/p' "$dir/server.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
fi
[ -n "$port" ] || fail "dyad-events did not start: $(tail -3 "$dir/server.log")"
target=127.0.0.1:$port
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"; }

# Idle: started, one small read served.
"$bin/dyad" --events "$target" events --countries AZE,CHN --from 2015 --to 2015 >/dev/null
sleep 0.5
idle=$(rss)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

"$bin/dyad" --events "$target" export events --any-country --format csv --out "$dir/out.csv" \
  --no-progress &
cli=$!
peak=$idle
start=$(date +%s.%N)
while kill -0 "$cli" 2>/dev/null; do
  r=$(rss)
  [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.05
done
wait "$cli" || fail "dyad export failed"
end=$(date +%s.%N)

load=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$dir/out.csv" "$events" "$start" "$end" "$idle" "$peak" "$load_before / $load" <<'PY'
import csv, os, sys
path, events = sys.argv[1], int(sys.argv[2])
size = os.path.getsize(path)
names = set()
rows = 0
with open(path, newline="") as f:
    reader = csv.reader(f)
    next(reader)
    for rec in reader:
        rows += 1
        names.add(rec[0])
secs = float(sys.argv[4]) - float(sys.argv[3])
idle, peak = int(sys.argv[5]), int(sys.argv[6])
print(f"export: {rows} rows, {size / 1e6:.1f} MB of CSV in {secs:.2f} s")
print(f"throughput: {rows / secs:.0f} rows/s, {size / 1e6 / secs:.1f} MB/s")
print(f"server RSS: idle {idle / 1024:.1f} MiB, peak during export {peak / 1024:.1f} MiB "
      f"({peak / idle:.2f}x idle)")
print(f"load average (1, 5, 15 min) before / after: {sys.argv[7]}")
# Every generated row (and the curated ones the plugins add) arrived once.
if rows < events:
    sys.exit(f"export bench: only {rows} rows for {events} events")
if len(names) != rows:
    sys.exit(f"export bench: {rows - len(names)} rows written twice")
PY
if [ "$smoke" = 1 ]; then echo "export bench smoke: ok"; fi

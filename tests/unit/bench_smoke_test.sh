#!/usr/bin/env bash
# bench/run.sh --smoke, then a check that the figures it printed are sane:
# every case ran with calls that succeeded and none that failed, latency
# percentiles ordered and bounded, one scale row per table size with the
# rows really generated, start-up times and resident memory of every server
# plausible, and the report table listing each case. A harness that runs
# but measures nothing (no calls, zero rates, a missing case) fails.
#
# usage: bench_smoke_test.sh SOURCE_DIR   (DYAD_BUILD_DIR in the environment)
set -euo pipefail
src=$1
results=$(mktemp /tmp/dyad-bench-smoke.XXXXXX)
report=$(mktemp /tmp/dyad-bench-report.XXXXXX)
trap 'rm -f "$results" "$report"' EXIT
BENCH_RESULTS="$results" bash "$src/bench/run.sh" --smoke | tee "$report"
/usr/bin/python3 - "$results" "$report" "${DYAD_BUILD_DIR:-$src/build}" <<'PY'
import json, os, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
report = open(sys.argv[2]).read()
bindir = os.path.join(sys.argv[3], "bin")
problems = []

def check(cond, what):
    if not cond:
        problems.append(what)

loads = [r for r in rows if r["kind"] == "load"]
labels = {r["label"] for r in loads}
expected = {"ceiling", "GetEvent", "empty handler, 25 KB reply", "ListEvents AZE-CHN 2010-2019",
            "ListEvents, result cache off"}
if os.access(os.path.join(bindir, "dyad-economics"), os.X_OK):
    expected.add("GetSeries trade.turnover")
if os.access(os.path.join(bindir, "dyad-institutions"), os.X_OK):
    expected.add("ListInstitutions")
if os.access(os.path.join(bindir, "dyad-gateway"), os.X_OK):
    expected |= {"gateway GetYearInReview 2019", "gateway GetTimeline",
                 "gateway GetYearInReview, answer cache 1s", "gateway GetTimeline, answer cache 1s"}
check(expected <= labels, f"cases missing from the results: {sorted(expected - labels)}")
for r in loads:
    l = r["label"]
    check(r["ok"] > 0, f"{l}: no successful call")
    check(r["failed"] == 0, f"{l}: {r['failed']} failed calls, first: {r['first_error']}")
    check(r["rps"] > 0, f"{l}: rate {r['rps']}")
    check(0 < r["p50_us"] <= r["p90_us"] <= r["p99_us"] <= r["max_us"],
          f"{l}: percentiles out of order: {r['p50_us']} {r['p90_us']} {r['p99_us']} {r['max_us']}")
    check(r["p50_us"] < 1_000_000, f"{l}: median latency {r['p50_us']} us, over a second")
    # The ceiling is the empty handler: its replies are empty on purpose.
    check(l == "ceiling" or r["response_bytes"] > 0, f"{l}: no response bytes")
    check(l == "ceiling" or l in report, f"{l}: not in the printed table")

scale = [r for r in rows if r["kind"] == "scale"]
check([r["gen"]["events"] for r in scale] == [1000, 5000],
      f"scale rows: {[r.get('gen') for r in scale]} (expected 1000 and 5000 events)")
for r in scale:
    check(r["label"] == str(r["gen"]["events"]), f"scale row label {r['label']} vs {r['gen']}")
    check(r["ok"] > 0 and r["failed"] == 0 and r["rps"] > 0,
          f"scale {r['label']}: ok={r['ok']} failed={r['failed']} rps={r['rps']}")
    check(0 < r["p50_us"] <= r["p99_us"], f"scale {r['label']}: p50 {r['p50_us']} p99 {r['p99_us']}")

starts = [r for r in rows if r["kind"] == "startup"]
check(len(starts) >= 4 + len(scale), f"only {len(starts)} start-up rows")
for r in starts:
    check(0 < r["ms"] < 60_000, f"start-up of {r['label']}: {r['ms']} ms")
    check(1024 < r["rss_kb"] < 4 << 20, f"RSS of {r['label']}: {r['rss_kb']} kB")

check("Throughput" in report and "Start-up" in report, "the report table was not printed")
if problems:
    print("bench smoke figures are not sane:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print(f"bench smoke figures checked: {len(loads)} load runs, {len(scale)} scale runs, "
      f"{len(starts)} start-ups")
PY

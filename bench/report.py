#!/usr/bin/env python3
"""Prints the benchmark table from bench/run.sh's JSON lines."""
import json
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
loads = [r for r in rows if r["kind"] == "load"]
# Each case is preceded by a run of the empty handler (the ceiling); its
# ratio is to that run.
cases = []
ceiling = None
for r in loads:
    if r["label"] == "ceiling":
        ceiling = r
    else:
        cases.append((r, ceiling))

print("Throughput (closed loop, only successful calls counted)")
print(f"{'call':42} {'req/s':>9} {'ceiling':>9} {'x ceiling':>9} {'p50 ms':>8} {'p90 ms':>8} "
      f"{'p99 ms':>8} {'failed':>7}")
for r, c in cases:
    base = c["rps"] if c and c["rps"] else None
    ratio = f"{r['rps'] / base:.2f}" if base else "-"
    print(f"{r['label']:42} {r['rps']:9.0f} {base or 0:9.0f} {ratio:>9} {r['p50_us']/1000:8.2f} "
          f"{r['p90_us']/1000:8.2f} {r['p99_us']/1000:8.2f} {r['failed']:7d}")
ceilings = [c["rps"] for r, c in cases if c]
if ceilings:
    print(f"ceiling (empty handler) across the run: {min(ceilings):.0f}..{max(ceilings):.0f} req/s")
single = next((r for r, _ in cases if r["label"] == "GetEvent"), None)
for label in ("gateway GetYearInReview 2019", "gateway GetYearInReview, answer cache 1s"):
    gw = next((r for r, _ in cases if r["label"] == label), None)
    if gw and single:
        print(f"{label} / single backend call (GetEvent): {gw['rps'] / single['rps']:.2f}")
for r in rows:
    if r["kind"] == "h2load":
        print(f"check: h2load GetEvent {r['rps']:.0f} req/s, {r['ok_2xx']} of {r['requests']} HTTP 2xx")
scale = [r for r in rows if r["kind"] == "scale"]
if scale:
    print("\nListEvents AZE-CHN 2010-2019 as the table grows (one call at a time)")
    print(f"{'events':>9} {'gen s':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x 1st p50':>9}")
    first = scale[0]["p50_us"] or 1
    for r in scale:
        print(f"{r['gen']['events']:9d} {r['gen']['seconds']:7.1f} {r['rps']:8.0f} "
              f"{r['p50_us']/1000:8.3f} {r['p99_us']/1000:8.3f} {r['p50_us']/first:9.2f}")
starts = [r for r in rows if r["kind"] == "startup"]
if starts:
    print("\nStart-up (exec to serving line) and resident memory")
    for r in starts:
        print(f"{r['label']:42} {r['ms']:6d} ms {r['rss_kb']/1024:8.1f} MiB")
failed = sum(r.get("failed", 0) for r in loads + scale)
ok = all(r.get("ok", 1) > 0 for r in loads + scale)
sys.exit(0 if ok else 1)

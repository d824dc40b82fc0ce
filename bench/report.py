#!/usr/bin/env python3
"""Prints the benchmark table from bench/run.sh's JSON lines."""
import json
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
loads = [r for r in rows if r["kind"] == "load"]
# Each case is measured in rounds, each slice right after a slice of the
# empty handler (the ceiling); a round's ratio is to its own ceiling slice.
# The table gives the median over the rounds.
def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

cases = {}  # label -> list of (case row, ceiling row), in order of first appearance
ceiling = None
for r in loads:
    if r["label"] == "ceiling":
        ceiling = r
    else:
        cases.setdefault(r["label"], []).append((r, ceiling))

print("Throughput (closed loop, only successful calls counted; median of rounds)")
print(f"{'call':42} {'req/s':>9} {'ceiling':>9} {'x ceiling':>9} {'spread':>11} {'p50 ms':>8} "
      f"{'p99 ms':>8} {'failed':>7}")
summary = {}
for label, runs in cases.items():
    ratios = [r["rps"] / c["rps"] for r, c in runs if c and c["rps"]]
    ratio = median(ratios) if ratios else None
    summary[label] = median([r["rps"] for r, _ in runs])
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else "-"
    print(f"{label:42} {summary[label]:9.0f} {median([c['rps'] for _, c in runs if c]):9.0f} "
          f"{(f'{ratio:.2f}' if ratio is not None else '-'):>9} {spread:>11} "
          f"{median([r['p50_us'] for r, _ in runs])/1000:8.2f} "
          f"{median([r['p99_us'] for r, _ in runs])/1000:8.2f} "
          f"{sum(r['failed'] for r, _ in runs):7d}")
all_ceilings = [c["rps"] for runs in cases.values() for _, c in runs if c]
if all_ceilings:
    print(f"ceiling (empty handler) across the run: {min(all_ceilings):.0f}..{max(all_ceilings):.0f} req/s")
for label in ("gateway GetYearInReview 2019", "gateway GetYearInReview, answer cache 1s"):
    if label in summary and "GetEvent" in summary:
        print(f"{label} / single backend call (GetEvent): {summary[label] / summary['GetEvent']:.2f}")
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

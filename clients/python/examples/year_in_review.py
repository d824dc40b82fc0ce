#!/usr/bin/python3
"""A year of Azerbaijan-China relations, every line with its citations.

1. The events of --events-year (default 2015) between the two countries,
   straight from the events service, page by page (--page-size).
2. When the gateway answers: its GetYearInReview for --year (default 2019):
   events, institutions founded, and figures with their change on the year
   before, plus which backends answered.

    ./scripts/up.sh                                  # in another terminal
    python3 clients/python/examples/year_in_review.py          # with dyad-client installed
    /usr/bin/python3 clients/python/examples/year_in_review.py --events 127.0.0.1:50051 --year 2016

Targets: --target (gateway; $DYAD_TARGET, else 127.0.0.1:50050) and --events
($DYAD_EVENTS_TARGET, else 127.0.0.1:50051). Exit status: 0 on success, 1 when
the events service fails (the gateway part is optional and only reported).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

try:
    import dyad_client as dc  # installed: pip install ./clients/python
except ImportError:  # a checkout: the source, with the stubs CMake generated into build/python
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import dyad_client as dc


def cites(citations) -> str:
    return "; ".join(f"{c.source_id} {c.locator}".strip() for c in citations) or "(none)"


def amount(q) -> str:
    if q.as_written:
        return f"{q.as_written} ({q.unit})" if q.unit else q.as_written
    if q.unit == "percent":
        return f"{q.value:g}%"
    return f"{q.value:,.0f} {q.unit}".strip()


def when(e) -> str:
    s = dc.format_partial_date(e.date)
    if e.end_date.year:
        s += " – " + dc.format_partial_date(e.end_date)
    return s


def print_events(dyad: dc.DyadClient, countries, year: int, page_size: int) -> None:
    pages = dyad.iter_events(countries=countries, period=year, page_size=page_size)
    events = list(pages)
    print(f"Events of {year} between {' and '.join(countries)} "
          f"(events service at {dyad.targets['events']}): {len(events)} "
          f"in {pages.pages} page(s) of {page_size}")
    for e in events:
        precision = dc.precision(e.date).name.lower()
        print(f"  {when(e)} · {e.title}")
        print(f"      kind {e.kind}; date known to the {precision}; cites {cites(e.citations)}")
        if e.HasField("amount"):
            print(f"      amount {amount(e.amount)}")


def print_year_in_review(dyad: dc.DyadClient, countries, year: int) -> None:
    r = dyad.gateway.GetYearInReview(dc.pb.gateway.GetYearInReviewRequest(countries=countries, year=year))
    print(f"\nYear in review {r.year} (gateway at {dyad.targets['gateway']})")
    print("  backends: " + ", ".join(f"{p.part} {p.code}" + (f" ({p.message})" if p.message else "")
                                      for p in r.parts))
    print(f"  events ({len(r.events)}):")
    for e in r.events:
        print(f"    {when(e)} · {e.title}  [{cites(e.citations)}]")
    print(f"  institutions founded ({len(r.institutions_founded)}):")
    for i in r.institutions_founded:
        print(f"    {dc.format_partial_date(i.founded)} · {i.display_name}  [{cites(i.citations)}]")
    print(f"  figures ({len(r.indicators)}):")
    for v in r.indicators:
        p = v.point
        line = f"    {v.indicator.id:<26} {amount(p.value)}"
        if p.HasField("change_percent"):
            line += f", {p.change_percent:+.1f}% on {year - 1}"
            if v.HasField("previous"):
                line += f" ({amount(v.previous.value)})"
        if p.disputed:
            line += ", DISPUTED"
        line += f"  rule {p.rule}" if p.rule else ""
        obs = "; ".join(cites(o.citations) for o in p.observations)
        print(line + (f"  [{obs}]" if obs else ""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", help="gateway (default $DYAD_TARGET or 127.0.0.1:50050)")
    ap.add_argument("--events", help="events service (default $DYAD_EVENTS_TARGET or 127.0.0.1:50051)")
    ap.add_argument("--countries", default="AZE,CHN", help="ISO alpha-3 codes, comma-separated")
    ap.add_argument("--events-year", type=int, default=2015)
    ap.add_argument("--year", type=int, default=2019, help="year for the gateway's review")
    ap.add_argument("--page-size", type=int, default=5)
    args = ap.parse_args(argv)
    countries = [c.strip().upper() for c in args.countries.split(",") if c.strip()]
    events = args.events or os.environ.get("DYAD_EVENTS_TARGET") or "127.0.0.1:50051"

    with dc.connect(args.target, events=events, timeout=10) as dyad:
        try:
            print_events(dyad, countries, args.events_year, args.page_size)
        except dc.DyadError as e:
            print(f"events service at {dyad.targets['events']}: {e}", file=sys.stderr)
            return 1
        try:
            dyad.health("dyad.gateway.v1.RelationsGateway")
        except dc.DyadError as e:
            print(f"\nGateway at {dyad.targets['gateway']} not available ({e.code_name}): "
                  "year in review skipped.")
            return 0
        try:
            print_year_in_review(dyad, countries, args.year)
        except dc.DyadError as e:
            print(f"gateway at {dyad.targets['gateway']}: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""DataFrames (frames.py) and quantity intervals: from built messages, then
from the real servers' answers."""

import datetime
import math
import sys
import unittest
from unittest import mock

import harness
import dyad_client as dc

try:
    import pandas as pd
except ImportError:  # a failure, not a skip: scripts/install-deps.sh installs it
    pd = None

DYAD = ["AZE", "CHN"]
Q = dc.pb.type_quantity.Quantity
PD = dc.pb.type_date.PartialDate
CITE = dc.pb.type_citation.Citation


def setUpModule():
    if pd is None:
        raise AssertionError("pandas missing: apt-get install python3-pandas (scripts/install-deps.sh)")


class IntervalTest(unittest.TestCase):
    """The examples of proto/dyad/type/v1/quantity.proto."""

    def test_rule(self):
        M = 1e6
        cases = [
            (Q(value=1310 * M, precision=M, qualifier=Q.QUALIFIER_EXACT), (1309.5 * M, 1310.5 * M, False, False)),
            (Q(value=120, qualifier=Q.QUALIFIER_APPROXIMATE), (110, 130, False, False)),
            (Q(value=800 * M, qualifier=Q.QUALIFIER_AT_LEAST), (800 * M, 900 * M, False, True)),
            (Q(value=1300 * M, qualifier=Q.QUALIFIER_AT_MOST), (1200 * M, 1300 * M, True, False)),
            (Q(value=300000, upper=400000, precision=100000, qualifier=Q.QUALIFIER_RANGE),
             (250000, 450000, False, False)),
            (Q(value=400000, upper=300000, qualifier=Q.QUALIFIER_RANGE), (300000, 400000, False, False)),
            (Q(value=0, qualifier=Q.QUALIFIER_AT_LEAST), (0, math.inf, False, True)),
            (Q(value=561 * M), (561 * M, 561 * M, False, False)),
        ]
        for q, want in cases:
            got = dc.interval(q)
            self.assertAlmostEqual(got.low, want[0], delta=1e-6 * max(1, abs(want[0])), msg=q)
            self.assertAlmostEqual(got.high, want[1], delta=1e-6 * max(1, abs(want[1])), msg=q)
            self.assertEqual((got.low_open, got.high_open), want[2:], q)

    def test_last_digit_place(self):
        from dyad_client.quantities import last_digit_place
        for v, s in [(1.3e9, 1e8), (1432e6, 1e6), (120, 10), (66.7, 0.1), (0.25, 0.01), (0, 0)]:
            self.assertAlmostEqual(last_digit_place(v), s, delta=s * 1e-9, msg=v)


class BuiltFramesTest(unittest.TestCase):
    def test_event_dates_quantity_citations(self):
        e = dc.pb.event.Event(
            name="events/x", kind="diplomacy.visit.state", title="A visit", countries=DYAD,
            date=PD(year=2011, month=4), end_date=PD(year=2011, month=5, day=2),
            amount=Q(value=2.2e9, unit="USD", precision=1e8, as_written="$2.2 billion"),
            citations=[CITE(source_id="jafarli", locator="p12"), CITE(source_id="jafarli", locator="p13"),
                       CITE(source_id="valiyev")],
            tags=["a", "b"])
        df = dc.events_frame([e, dc.pb.event.Event(name="events/bare")])
        self.assertEqual(len(df), 2)
        row = df.iloc[0]
        self.assertEqual(row["date"], "2011-04")
        self.assertEqual(row["date_precision"], "month")
        self.assertEqual(row["date_start"], pd.Timestamp("2011-04-01"))
        self.assertEqual(row["date_end"], pd.Timestamp("2011-04-30"), "the span's last day, not a made-up day")
        self.assertEqual(row["end_date_precision"], "day")
        self.assertEqual(row["end_date_start"], row["end_date_end"])
        self.assertEqual(row["amount"], 2.2e9)
        self.assertEqual(row["amount_unit"], "USD")
        self.assertEqual(row["amount_qualifier"], "exact")
        self.assertAlmostEqual(row["amount_low"], 2.15e9)
        self.assertAlmostEqual(row["amount_high"], 2.25e9)
        self.assertEqual(row["amount_as_written"], "$2.2 billion")
        self.assertEqual(row["citations"], "jafarli p12; jafarli p13; valiyev")
        self.assertEqual(row["source_ids"], ["jafarli", "valiyev"])
        self.assertEqual(row["countries"], DYAD)
        self.assertEqual(row["tags"], ["a", "b"])
        self.assertIsNone(row["coded_dataset"], "no coded measures: None, not empty strings")

        bare = df.iloc[1]
        self.assertIsNone(bare["date"])
        self.assertTrue(pd.isna(bare["date_start"]) and pd.isna(bare["date_end"]))
        self.assertTrue(math.isnan(bare["amount"]), "no amount is NaN, never 0")
        self.assertEqual(str(df["date_start"].dtype), "datetime64[ns]")
        self.assertEqual(str(df["amount"].dtype), "float64")

    def test_empty_frames_keep_their_columns(self):
        self.assertIn("date_precision", dc.events_frame([]).columns)
        self.assertIn("founded_start", dc.institutions_frame([]).columns)
        self.assertIn("value_high", dc.observations_frame([]).columns)
        series = dc.series_frame(dc.pb.economics.Series(indicator="trade.turnover"))
        self.assertEqual(len(series), 0)
        self.assertIn("change_percent", series.columns)
        self.assertEqual(len(dc.to_dataframe([]).columns), 0)

    def test_dates_outside_pandas_range_stay_dates(self):
        i = dc.pb.institutions.Institution(name="institutions/old", founded=PD(year=1500))
        df = dc.institutions_frame([i])
        self.assertEqual(df.iloc[0]["founded_start"], datetime.date(1500, 1, 1))
        self.assertEqual(df.iloc[0]["founded_end"], datetime.date(1500, 12, 31))

    def test_to_dataframe_dispatch(self):
        ev = dc.pb.event.Event(name="events/a", date=PD(year=2015))
        self.assertEqual(list(dc.to_dataframe(ev)["name"]), ["events/a"])
        resp = dc.pb.events.ListEventsResponse(events=[ev, ev])
        self.assertEqual(len(dc.to_dataframe(resp)), 2)
        with self.assertRaises(TypeError):
            dc.to_dataframe([ev, dc.pb.institutions.Institution(name="institutions/b")])
        with self.assertRaises(TypeError):
            dc.to_dataframe(dc.pb.type_date.PartialDate(year=1))

    def test_without_pandas_the_error_says_how_to_get_it(self):
        with mock.patch.dict(sys.modules, {"pandas": None}):
            with self.assertRaises(ImportError) as cm:
                dc.events_frame([])
        self.assertIn("dyad-client[pandas]", str(cm.exception))


class ServerFramesTest(unittest.TestCase):
    """Frames of real answers agree with the messages they flatten."""

    suite = harness.Suite()

    @classmethod
    def setUpClass(cls):
        reason = harness.skip_reason(*harness.BACKENDS)
        if reason:
            raise unittest.SkipTest(reason)
        try:
            for b in harness.BACKENDS:
                cls.suite.start_backend(b)
        except BaseException:
            cls.suite.stop()
            raise
        cls.dyad = dc.connect(events=cls.suite.target("events"),
                              economics=cls.suite.target("economics"),
                              institutions=cls.suite.target("institutions"), timeout=15)

    @classmethod
    def tearDownClass(cls):
        cls.dyad.close()
        cls.suite.stop()

    def test_events(self):
        events = list(self.dyad.iter_events(countries=DYAD))
        pages = self.dyad.iter_events(countries=DYAD, page_size=7)
        df = pages.to_dataframe()
        self.assertEqual(len(df), len(events))
        self.assertEqual(len(df), pages.total_size)
        self.assertEqual(list(df["name"]), [e.name for e in events])
        for e, (_, row) in zip(events, df.iterrows()):
            self.assertEqual(row["date"], dc.iso_partial_date(e.date))
            self.assertEqual(row["date_precision"], dc.precision(e.date).name.lower())
            first, last = dc.date_span(e.date)
            self.assertEqual((row["date_start"].date(), row["date_end"].date()), (first, last))
            self.assertEqual(row["source_ids"], list(dict.fromkeys(c.source_id for c in e.citations)))
        self.assertGreater(df["date_precision"].nunique(), 1, "curated data mixes precisions")
        self.assertTrue(df["amount"].notna().any(), "some events state an amount")
        long = dc.citations_frame(events)
        self.assertEqual(len(long), sum(len(e.citations) for e in events))
        self.assertEqual(set(long["name"]), {e.name for e in events if e.citations})

    def test_observations_and_series(self):
        obs = list(self.dyad.iter_observations(indicator="trade.turnover", countries=DYAD))
        df = self.dyad.iter_observations(indicator="trade.turnover", countries=DYAD,
                                         page_size=3).to_dataframe()
        self.assertEqual(list(df["name"]), [o.name for o in obs])
        for o, (_, row) in zip(obs, df.iterrows()):
            iv = dc.interval(o.value)
            self.assertEqual((row["value"], row["value_low"], row["value_high"]),
                             (o.value.value, iv.low, iv.high))
            self.assertEqual(row["value_unit"], o.value.unit)

        series = self.dyad.economics.GetSeries(dc.pb.economics.GetSeriesRequest(
            indicator="trade.turnover", reporter="AZE", partner="CHN"))
        sf = dc.to_dataframe(series)
        self.assertEqual(len(sf), len(series.points))
        self.assertGreater(len(sf), 3)
        self.assertEqual(list(sf["disputed"]), [p.disputed for p in series.points])
        self.assertEqual(list(sf["observations"]), [len(p.observations) for p in series.points])
        changes = [p.change_percent if p.HasField("change_percent") else None for p in series.points]
        for got, want in zip(sf["change_percent"], changes):
            if want is None:
                self.assertTrue(math.isnan(got))
            else:
                self.assertAlmostEqual(got, want)
        self.assertEqual(set(sf["indicator"]), {"trade.turnover"})
        self.assertTrue(sf["period_start"].is_monotonic_increasing)

    def test_institutions(self):
        inst = list(self.dyad.iter_institutions(countries=DYAD))
        df = self.dyad.iter_institutions(countries=DYAD, page_size=2).to_dataframe()
        self.assertEqual(list(df["name"]), [i.name for i in inst])
        self.assertTrue(df["founded_start"].notna().any())
        for i, (_, row) in zip(inst, df.iterrows()):
            self.assertEqual(row["founded"], dc.iso_partial_date(i.founded) or None)
            self.assertEqual(row["status"], dc.pb.institutions.Institution.Status.Name(i.status)
                             .removeprefix("STATUS_").lower() if i.status else None)


if __name__ == "__main__":
    unittest.main()

"""The client against a real dyad-gateway in front of the three real backends.

Skipped, naming what is missing, until dyad-gateway, dyad-economics and
dyad-institutions are built.
"""

import math
import unittest

import grpc

import harness
import dyad_client as dc

suite = harness.Suite()
DYAD = ["AZE", "CHN"]


def setUpModule():
    reason = harness.skip_reason("gateway", *harness.BACKENDS)
    if reason:
        raise unittest.SkipTest("gateway tests: " + reason)
    try:
        suite.start_all()
    except BaseException:
        suite.stop()  # tearDownModule does not run when setUpModule fails
        raise


def tearDownModule():
    suite.stop()


def _codes(parts):
    return {p.part: p.code for p in parts}


class GatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dyad = dc.connect(suite.target("gateway"), timeout=15)

    @classmethod
    def tearDownClass(cls):
        cls.dyad.close()

    def assertAllOk(self, parts):
        self.assertTrue(parts, "a composed reply carries parts")
        for p in parts:
            self.assertEqual(p.code, "OK", f"{p.part}: {p.message}")

    def test_health(self):
        self.dyad.wait_ready(10)
        self.assertEqual(self.dyad.health("dyad.gateway.v1.RelationsGateway"), "SERVING")

    def test_year_in_review_2019(self):
        r = self.dyad.gateway.GetYearInReview(dc.pb.gateway.GetYearInReviewRequest(countries=DYAD, year=2019))
        self.assertEqual(r.year, 2019)
        self.assertAllOk(r.parts)
        self.assertEqual(set(_codes(r.parts)), {"events", "economics", "institutions"})
        self.assertTrue(r.events, "the curated data has AZE-CHN events in 2019")
        for e in r.events:
            self.assertTrue(e.citations, e.name)
            first, _ = dc.date_span(e.date)
            _, last = dc.date_span(e.end_date if e.end_date.year else e.date)
            self.assertLessEqual(first.year, 2019, e.name)
            self.assertGreaterEqual(last.year, 2019, e.name)
        keys = [dc.sort_key(e.date) for e in r.events]
        self.assertEqual(keys, sorted(keys), "events oldest first")
        for i in r.institutions_founded:
            self.assertEqual(i.founded.year, 2019, i.name)

    def test_overview(self):
        r = self.dyad.gateway.GetOverview(dc.pb.gateway.GetOverviewRequest(countries=DYAD))
        self.assertAllOk(r.parts)
        self.assertTrue(r.milestones)
        for m in r.milestones:
            self.assertTrue(m.citations, m.name)
        self.assertTrue(r.events_by_domain)

    def test_timeline_paginated_by_two(self):
        period = dc.date_range(2014, 2016)
        whole = self.dyad.gateway.GetTimeline(dc.pb.gateway.GetTimelineRequest(
            countries=DYAD, period=period, page_size=500))
        self.assertAllOk(whole.parts)
        self.assertGreater(len(whole.entries), 4)
        self.assertFalse(whole.next_page_token)
        pages = self.dyad.iter_timeline(countries=DYAD, period=(2014, 2016), page_size=2)
        entries = list(pages)
        self.assertEqual([e.SerializeToString(deterministic=True) for e in entries],
                         [e.SerializeToString(deterministic=True) for e in whole.entries])
        self.assertEqual(pages.pages, math.ceil(len(whole.entries) / 2))
        self.assertAllOk(pages.parts)
        keys = [dc.sort_key(e.date) for e in entries]
        self.assertEqual(keys, sorted(keys), "chronological")
        self.assertTrue({e.WhichOneof("record") for e in entries} >= {"event"})

    def test_search(self):
        r = self.dyad.gateway.Search(dc.pb.gateway.SearchRequest(query="Baku", page_size=5))
        self.assertAllOk(r.parts)
        self.assertTrue(r.hits)
        self.assertLessEqual(len(r.hits), 5)
        scores = [h.score for h in r.hits]
        self.assertEqual(scores, sorted(scores, reverse=True), "best first")

    def test_sources_and_discrepancies(self):
        sources = self.dyad.gateway.ListSources(dc.pb.gateway.ListSourcesRequest())
        self.assertTrue(sources.sources)
        ids = {s.id for s in sources.sources}
        self.assertIn("jafarli", ids)
        d = self.dyad.gateway.ListDiscrepancies(dc.pb.gateway.ListDiscrepanciesRequest(countries=DYAD))
        self.assertAllOk(d.parts)
        # Chinese investment stock: the sources' figures disagree.
        self.assertTrue(any(x.subject.startswith("investment.stock CHN") for x in d.discrepancies),
                        [x.subject for x in d.discrepancies])
        self.assertTrue(d.checks)
        for disc in d.discrepancies:
            for claim in disc.claims:
                for c in claim.citations:
                    self.assertIn(c.source_id, ids)

    def test_explain_change(self):
        r = self.dyad.gateway.ExplainChange(dc.pb.gateway.ExplainChangeRequest(
            indicator="trade.turnover", countries=DYAD, year=2019))
        self.assertAllOk(r.parts)
        self.assertEqual(r.indicator.id, "trade.turnover")
        # The curated turnover: 1,310 million in 2018, 2,184 million in 2019.
        self.assertTrue(r.HasField("change_percent"))
        self.assertAlmostEqual(r.change_percent, 66.7, delta=0.05)
        self.assertEqual(r.current.period.year, 2019)
        self.assertEqual(r.previous.period.year, 2018)
        self.assertAlmostEqual(r.current.value.value, 2184e6, delta=1e6)
        self.assertAlmostEqual(r.previous.value.value, 1310e6, delta=1e6)
        self.assertEqual((r.window.start.year, r.window.end.year), (2018, 2019))
        self.assertGreaterEqual(len(r.factors), 5)
        scores = [f.score for f in r.factors]
        self.assertEqual(scores, sorted(scores, reverse=True))
        # The ten deals worth $821 million signed at the April 2019 forum first.
        top = r.factors[0]
        self.assertEqual(top.event.kind, "economy.deal.signed")
        self.assertEqual((top.event.date.year, top.event.date.month), (2019, 4))
        self.assertIn("821", top.event.title)
        source_ids = {s.id for s in self.dyad.gateway.ListSources(
            dc.pb.gateway.ListSourcesRequest()).sources}
        for f in r.factors:
            self.assertTrue(f.reason, f)
            self.assertTrue(f.citations, f.reason)
            for c in f.citations:
                self.assertIn(c.source_id, source_ids)
                self.assertTrue(c.locator, c.source_id)

    def test_invalid_argument_from_gateway(self):
        with self.assertRaises(dc.DyadError) as cm:
            list(self.dyad.iter_timeline(countries=DYAD, page_size=-1))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        with self.assertRaises(dc.DyadError) as cm:
            self.dyad.gateway.GetYearInReview(dc.pb.gateway.GetYearInReviewRequest(countries=DYAD, year=0))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


class PartialAnswerTest(unittest.TestCase):
    """A gateway whose institutions backend is down still answers, and says so."""

    @classmethod
    def setUpClass(cls):
        cls.down = harness.Suite()
        cls.down.start_gateway(suite.target("events"), suite.target("economics"),
                               f"127.0.0.1:{harness.unused_port()}")
        cls.dyad = dc.connect(cls.down.target("gateway"), timeout=30)

    @classmethod
    def tearDownClass(cls):
        cls.dyad.close()
        cls.down.stop()

    def test_year_in_review_with_one_backend_down(self):
        r = self.dyad.gateway.GetYearInReview(dc.pb.gateway.GetYearInReviewRequest(countries=DYAD, year=2019))
        codes = _codes(r.parts)
        self.assertEqual(codes.get("events"), "OK")
        self.assertNotEqual(codes.get("institutions", "OK"), "OK")
        self.assertTrue(r.events)
        self.assertFalse(r.institutions_founded)


if __name__ == "__main__":
    unittest.main()

"""The client against real dyad-economics and dyad-institutions servers.

Each class is skipped, naming the missing binary, until that server is built.
"""

import math
import unittest

import grpc

import harness
import dyad_client as dc

suite = harness.Suite()


def tearDownModule():
    suite.stop()


def _start(name):
    reason = harness.skip_reason(name)
    if reason:
        raise unittest.SkipTest(reason)
    if name not in suite.servers:
        suite.start_backend(name)
    return suite.target(name)


class EconomicsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dyad = dc.connect(economics=_start("economics"), timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.dyad.close()

    def test_health(self):
        self.assertEqual(self.dyad.health("dyad.economics.v1.EconomicsService"), "SERVING")

    def test_observations_paginated_by_two(self):
        everything = self.dyad.economics.ListObservations(
            dc.pb.economics.ListObservationsRequest(countries=["AZE", "CHN"], page_size=500))
        self.assertGreater(everything.total_size, 4)
        pages = self.dyad.iter_observations(countries=["AZE", "CHN"], page_size=2)
        names = [o.name for o in pages]
        self.assertEqual(names, [o.name for o in everything.observations])
        self.assertEqual(pages.pages, math.ceil(everything.total_size / 2))
        self.assertEqual(pages.total_size, everything.total_size)

    def test_observations_carry_citations_and_a_date(self):
        for o in self.dyad.iter_observations(indicator="trade.turnover", countries=["AZE", "CHN"]):
            self.assertTrue(o.citations, o.name)
            self.assertTrue(o.period.year or o.as_of.year, o.name)
            self.assertEqual(o.indicator, "trade.turnover")

    def test_series_turnover(self):
        series = self.dyad.economics.GetSeries(dc.pb.economics.GetSeriesRequest(
            indicator="trade.turnover", reporter="AZE", partner="CHN"))
        dated = [p for p in series.points if p.period.year]
        self.assertTrue(dated)
        keys = [dc.sort_key(p.period) for p in dated]
        self.assertEqual(keys, sorted(keys))
        with_obs = [p for p in dated if p.observations]
        self.assertTrue(with_obs)

    def test_unknown_indicator_is_not_found(self):
        with self.assertRaises(dc.DyadError) as cm:
            self.dyad.economics.GetSeries(dc.pb.economics.GetSeriesRequest(
                indicator="no.such.indicator", reporter="AZE", partner="CHN"))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_negative_page_size_is_invalid_argument(self):
        with self.assertRaises(dc.DyadError) as cm:
            list(self.dyad.iter_observations(page_size=-1))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


class InstitutionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dyad = dc.connect(institutions=_start("institutions"), timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.dyad.close()

    def test_health(self):
        self.assertEqual(self.dyad.health("dyad.institutions.v1.InstitutionService"), "SERVING")

    def test_institutions_paginated_by_two(self):
        everything = self.dyad.institutions.ListInstitutions(
            dc.pb.institutions.ListInstitutionsRequest(page_size=500))
        self.assertGreater(everything.total_size, 4)
        pages = self.dyad.iter_institutions(page_size=2)
        names = [i.name for i in pages]
        self.assertEqual(names, [i.name for i in everything.institutions])
        self.assertEqual(pages.pages, math.ceil(everything.total_size / 2))

    def test_founded_filter_and_round_trip(self):
        founded = list(self.dyad.iter_institutions(founded=(2000, 2030), page_size=3))
        self.assertTrue(founded)
        lo, hi = dc.date_span(dc.parse_partial_date("2000"))[0], dc.date_span(dc.parse_partial_date("2030"))[1]
        for i in founded:
            self.assertTrue(i.citations, i.name)
            self.assertTrue(dc.overlaps(i.founded, lo, hi), i.name)
        got = self.dyad.institutions.GetInstitution(
            dc.pb.institutions.GetInstitutionRequest(name=founded[0].name))
        self.assertEqual(got.name, founded[0].name)

    def test_not_found_and_invalid(self):
        with self.assertRaises(dc.DyadError) as cm:
            self.dyad.institutions.GetInstitution(
                dc.pb.institutions.GetInstitutionRequest(name="institutions/no-such-thing"))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(dc.DyadError) as cm:
            list(self.dyad.iter_institutions(page_size=-1))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


if __name__ == "__main__":
    unittest.main()

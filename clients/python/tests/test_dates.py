"""Partial dates <-> datetime.date (no server)."""

import collections
import datetime
import unittest

import harness  # noqa: F401  (puts clients/python on sys.path)
import dyad_client as dc
from dyad_client import Precision, PartialDateError

PD = dc.pb.type_date.PartialDate
D = datetime.date


class PrecisionTest(unittest.TestCase):
    def test_precision(self):
        self.assertEqual(dc.precision(PD()), Precision.NONE)
        self.assertEqual(dc.precision(PD(year=1994)), Precision.YEAR)
        self.assertEqual(dc.precision(PD(year=2011, month=4)), Precision.MONTH)
        self.assertEqual(dc.precision(PD(year=1991, month=12, day=27)), Precision.DAY)
        self.assertEqual(dc.precision(None), Precision.NONE)

    def test_duck_typed_input(self):
        T = collections.namedtuple("T", "year month day")
        self.assertEqual(dc.date_span(T(2016, 2, 0)), (D(2016, 2, 1), D(2016, 2, 29)))


class SpanTest(unittest.TestCase):
    def test_year(self):
        self.assertEqual(dc.date_span(PD(year=1994)), (D(1994, 1, 1), D(1994, 12, 31)))

    def test_month_lengths(self):
        self.assertEqual(dc.date_span(PD(year=2011, month=4)), (D(2011, 4, 1), D(2011, 4, 30)))
        self.assertEqual(dc.date_span(PD(year=2016, month=2)), (D(2016, 2, 1), D(2016, 2, 29)))
        self.assertEqual(dc.date_span(PD(year=2015, month=2)), (D(2015, 2, 1), D(2015, 2, 28)))
        self.assertEqual(dc.date_span(PD(year=1900, month=2))[1], D(1900, 2, 28))
        self.assertEqual(dc.date_span(PD(year=2000, month=2))[1], D(2000, 2, 29))
        self.assertEqual(dc.date_span(PD(year=2015, month=12))[1], D(2015, 12, 31))

    def test_day(self):
        self.assertEqual(dc.date_span(PD(year=1991, month=12, day=27)), (D(1991, 12, 27),) * 2)

    def test_extremes(self):
        self.assertEqual(dc.date_span(PD(year=1)), (D(1, 1, 1), D(1, 12, 31)))
        self.assertEqual(dc.date_span(PD(year=9999, month=12))[1], D(9999, 12, 31))

    def test_unknown_and_invalid_raise(self):
        for bad in [PD(), PD(year=10000), PD(year=-1), PD(year=2015, month=13),
                    PD(year=2015, day=3), PD(year=2015, month=2, day=29),
                    PD(year=2015, month=4, day=31), PD(month=4), PD(year=2015, month=1, day=-1)]:
            with self.subTest(bad=str(bad)), self.assertRaises(PartialDateError):
                dc.date_span(bad)

    def test_error_is_value_error(self):
        self.assertTrue(issubclass(PartialDateError, ValueError))


class ToDateTest(unittest.TestCase):
    def test_full_date(self):
        self.assertEqual(dc.to_date(PD(year=1991, month=12, day=27)), D(1991, 12, 27))

    def test_partial_raises_by_default(self):
        with self.assertRaisesRegex(PartialDateError, "only known to the year"):
            dc.to_date(PD(year=2015))
        with self.assertRaisesRegex(PartialDateError, "only known to the month"):
            dc.to_date(PD(year=2011, month=4))

    def test_allow_partial_gives_span_start(self):
        self.assertEqual(dc.to_date(PD(year=2015), allow_partial=True), D(2015, 1, 1))
        self.assertEqual(dc.to_date(PD(year=2011, month=4), allow_partial=True), D(2011, 4, 1))

    def test_unknown_always_raises(self):
        with self.assertRaises(PartialDateError):
            dc.to_date(PD(), allow_partial=True)


class FromDateTest(unittest.TestCase):
    def test_precisions(self):
        d = D(2015, 7, 3)
        self.assertEqual(dc.from_date(d), PD(year=2015, month=7, day=3))
        self.assertEqual(dc.from_date(d, Precision.DAY), PD(year=2015, month=7, day=3))
        self.assertEqual(dc.from_date(d, "month"), PD(year=2015, month=7))
        self.assertEqual(dc.from_date(d, "YEAR"), PD(year=2015))

    def test_datetime_is_taken_by_date(self):
        self.assertEqual(dc.from_date(datetime.datetime(2019, 4, 25, 23, 59), "day"),
                         PD(year=2019, month=4, day=25))

    def test_bad_precision(self):
        with self.assertRaises(ValueError):
            dc.from_date(D(2015, 1, 1), "week")
        with self.assertRaises(ValueError):
            dc.from_date(D(2015, 1, 1), Precision.NONE)

    def test_round_trip(self):
        for d in [D(1991, 12, 27), D(2016, 2, 29), D(1, 1, 1), D(9999, 12, 31)]:
            self.assertEqual(dc.to_date(dc.from_date(d)), d)
            first, last = dc.date_span(dc.from_date(d, "month"))
            self.assertTrue(first <= d <= last)
            first, last = dc.date_span(dc.from_date(d, "year"))
            self.assertTrue(first <= d <= last)


class TextTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(dc.parse_partial_date("2015"), PD(year=2015))
        self.assertEqual(dc.parse_partial_date("2011-04"), PD(year=2011, month=4))
        self.assertEqual(dc.parse_partial_date(" 1991-12-27 "), PD(year=1991, month=12, day=27))
        for bad in ["", "15-", "2015-13", "2015-02-30", "0000", "April 2011", "2015/04"]:
            with self.subTest(bad=bad), self.assertRaises(PartialDateError):
                dc.parse_partial_date(bad)

    def test_format(self):
        self.assertEqual(dc.format_partial_date(PD(year=1994)), "1994")
        self.assertEqual(dc.format_partial_date(PD(year=2011, month=4)), "April 2011")
        self.assertEqual(dc.format_partial_date(PD(year=1991, month=12, day=27)), "27 December 1991")
        self.assertEqual(dc.format_partial_date(PD()), "")
        self.assertEqual(dc.iso_partial_date(PD(year=2011, month=4)), "2011-04")
        self.assertEqual(dc.iso_partial_date(PD(year=1991, month=12, day=7)), "1991-12-07")
        self.assertEqual(dc.iso_partial_date(PD()), "")


class RangeTest(unittest.TestCase):
    def test_forms(self):
        r = dc.date_range(2015, 2015)
        self.assertEqual((r.start, r.end), (PD(year=2015), PD(year=2015)))
        r = dc.date_range("2011-04", D(2011, 6, 30))
        self.assertEqual((r.start, r.end), (PD(year=2011, month=4), PD(year=2011, month=6, day=30)))
        r = dc.date_range(None, 1994)
        self.assertFalse(r.HasField("start"))
        self.assertEqual(r.end, PD(year=1994))

    def test_end_before_start(self):
        with self.assertRaises(PartialDateError):
            dc.date_range(2016, 2015)
        # Same span start and end at different precision is fine: 2015 .. March 2015.
        dc.date_range(2015, "2015-03")

    def test_bool_rejected(self):
        with self.assertRaises(TypeError):
            dc.date_range(True)


class OrderAndOverlapTest(unittest.TestCase):
    def test_less_precise_first(self):
        dates = [PD(year=2015, month=1, day=1), PD(year=2014, month=12), PD(year=2015),
                 PD(year=2015, month=1), PD()]
        self.assertEqual(sorted(dates, key=dc.sort_key),
                         [PD(), PD(year=2014, month=12), PD(year=2015), PD(year=2015, month=1),
                          PD(year=2015, month=1, day=1)])

    def test_overlaps(self):
        self.assertTrue(dc.overlaps(PD(year=1994), D(1994, 3, 1), D(1994, 6, 30)))
        self.assertTrue(dc.overlaps(PD(year=2011, month=4), D(2011, 1, 1), D(2011, 12, 31)))
        self.assertFalse(dc.overlaps(PD(year=2011, month=4), D(2011, 5, 1), None))
        self.assertTrue(dc.overlaps(PD(year=2011, month=4), None, D(2011, 4, 1)))


if __name__ == "__main__":
    unittest.main()

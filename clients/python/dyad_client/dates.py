"""Partial dates <-> datetime.date, without inventing precision.

A ``dyad.type.v1.PartialDate`` is a date known only as precisely as its
source gives it: ``{year: 1994}``, ``{year: 2011, month: 4}`` or
``{year: 1991, month: 12, day: 27}``; a 0 field is unknown. It stands for the
*span of days* it covers ("1994" is 1994-01-01..1994-12-31), see
proto/dyad/type/v1/date.proto.

So a partial date is not a ``datetime.date``:

* ``date_span(pd)`` gives the honest answer: ``(first_day, last_day)``.
* ``to_date(pd)`` returns a ``date`` only when the day is known and raises
  ``PartialDateError`` otherwise. With ``allow_partial=True`` it returns the
  *first day of the span* instead (``{year: 2011, month: 4}`` -> 2011-04-01);
  that day is a bound, not the date of the record, so check
  ``precision(pd)`` before showing it to anyone.
* ``from_date(d, precision)`` keeps only the fields ``precision`` allows: it
  is how you state "in 2015" from a ``date`` you hold.

The functions taking a partial date accept anything with integer ``year``,
``month`` and ``day`` attributes (the generated message, or a namedtuple).
Those returning one return ``dyad.type.v1.PartialDate`` messages.
"""

from __future__ import annotations

import calendar
import datetime
import enum
import re
from typing import Any, Optional, Tuple, Union

__all__ = [
    "Precision",
    "PartialDateError",
    "precision",
    "validate",
    "date_span",
    "to_date",
    "from_date",
    "parse_partial_date",
    "format_partial_date",
    "iso_partial_date",
    "date_range",
    "sort_key",
    "overlaps",
]


class Precision(enum.IntEnum):
    """How precisely a partial date is known. Ordered: YEAR < MONTH < DAY."""

    NONE = 0  # year 0: the whole date is unknown
    YEAR = 1
    MONTH = 2
    DAY = 3


class PartialDateError(ValueError):
    """A partial date is invalid, unknown, or less precise than asked."""


def _fields(pd: Any) -> Tuple[int, int, int]:
    if pd is None:
        return 0, 0, 0
    return int(getattr(pd, "year", 0)), int(getattr(pd, "month", 0)), int(getattr(pd, "day", 0))


def validate(pd: Any) -> None:
    """Raises PartialDateError unless ``pd`` is valid per date.proto.

    Unknown (year 0, with month and day 0) is valid. Otherwise: year 1..9999,
    month 0..12, day 0..31 only when the month is set, and the day must exist
    in that month (February 29 only in leap years).
    """
    y, m, d = _fields(pd)
    if y == 0:
        if m or d:
            raise PartialDateError(f"month/day set without a year: {y}-{m}-{d}")
        return
    if not 1 <= y <= 9999:
        raise PartialDateError(f"year must be 1..9999, got {y}")
    if not 0 <= m <= 12:
        raise PartialDateError(f"month must be 0..12, got {m}")
    if d and not m:
        raise PartialDateError(f"day {d} given without a month")
    if d < 0 or (m and d > calendar.monthrange(y, m)[1]):
        raise PartialDateError(f"day {d} does not exist in {y}-{m:02d}")


def precision(pd: Any) -> Precision:
    """Precision of a valid partial date; NONE when unknown (year 0)."""
    y, m, d = _fields(pd)
    if y == 0:
        return Precision.NONE
    if m == 0:
        return Precision.YEAR
    if d == 0:
        return Precision.MONTH
    return Precision.DAY


def date_span(pd: Any) -> Tuple[datetime.date, datetime.date]:
    """First and last day of the span a known partial date covers.

    ``{year: 1994}`` -> (1994-01-01, 1994-12-31); ``{2011, 4}`` ->
    (2011-04-01, 2011-04-30); a full date -> (that day, that day).
    Raises PartialDateError when the date is unknown (year 0) or invalid.
    """
    validate(pd)
    y, m, d = _fields(pd)
    p = precision(pd)
    if p is Precision.NONE:
        raise PartialDateError("date is unknown (year 0): it has no span")
    if p is Precision.YEAR:
        return datetime.date(y, 1, 1), datetime.date(y, 12, 31)
    if p is Precision.MONTH:
        return datetime.date(y, m, 1), datetime.date(y, m, calendar.monthrange(y, m)[1])
    day = datetime.date(y, m, d)
    return day, day


def to_date(pd: Any, *, allow_partial: bool = False) -> datetime.date:
    """The ``datetime.date`` of a partial date known to the day.

    Raises PartialDateError when the day is not known, unless
    ``allow_partial`` is true: then returns the FIRST DAY OF THE SPAN
    (``{year: 2015}`` -> 2015-01-01), which is a bound, not the record's date.
    Unknown (year 0) and invalid dates always raise.
    """
    first, _ = date_span(pd)
    if precision(pd) is not Precision.DAY and not allow_partial:
        raise PartialDateError(
            f"{iso_partial_date(pd)} is only known to the {precision(pd).name.lower()}; "
            "use date_span(), or to_date(..., allow_partial=True) for the span start"
        )
    return first


def _precision_arg(p: Union[Precision, str, int]) -> Precision:
    if isinstance(p, str):
        try:
            return Precision[p.upper()]
        except KeyError:
            raise ValueError(f"precision must be year, month or day, got {p!r}") from None
    return Precision(p)


def from_date(d: datetime.date, precision: Union[Precision, str] = Precision.DAY):
    """A PartialDate holding ``d`` to ``precision`` ("year", "month", "day").

    ``from_date(date(2015, 7, 3), "year")`` is ``{year: 2015}``: the month and
    day are dropped, never kept as if known. A ``datetime.datetime`` is taken
    by its calendar date.
    """
    from ._gen import date_pb2

    p = _precision_arg(precision)
    if p is Precision.NONE:
        raise ValueError("precision NONE: use an unset PartialDate for an unknown date")
    if isinstance(d, datetime.datetime):
        d = d.date()
    return date_pb2.PartialDate(
        year=d.year,
        month=d.month if p >= Precision.MONTH else 0,
        day=d.day if p >= Precision.DAY else 0,
    )


_ISO = re.compile(r"^(\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(text: str):
    """Parses "2015", "2015-04" or "2015-04-27" into a validated PartialDate."""
    from ._gen import date_pb2

    m = _ISO.match(text.strip())
    if not m:
        raise PartialDateError(f"not a partial date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
    pd = date_pb2.PartialDate(year=int(m[1]), month=int(m[2] or 0), day=int(m[3] or 0))
    if pd.year == 0:
        raise PartialDateError(f"year must be 1..9999: {text!r}")
    validate(pd)
    return pd


def iso_partial_date(pd: Any) -> str:
    """ISO 8601 at the known precision: "2015", "2015-04", "2015-04-27"; "" if unknown."""
    y, m, d = _fields(pd)
    p = precision(pd)
    if p is Precision.NONE:
        return ""
    if p is Precision.YEAR:
        return f"{y:04d}"
    if p is Precision.MONTH:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def format_partial_date(pd: Any) -> str:
    """Human form, as the C++ CLI writes it: "1994", "April 2011",
    "27 December 1991"; "" when unknown."""
    y, m, d = _fields(pd)
    p = precision(pd)
    if p is Precision.NONE:
        return ""
    if p is Precision.YEAR:
        return str(y)
    if p is Precision.MONTH:
        return f"{calendar.month_name[m]} {y}"
    return f"{d} {calendar.month_name[m]} {y}"


DateLike = Union[None, int, str, datetime.date, Any]


def _coerce(v: DateLike):
    from ._gen import date_pb2

    if v is None:
        return None
    if isinstance(v, date_pb2.PartialDate):
        validate(v)
        return v
    if isinstance(v, bool):
        raise TypeError("a bool is not a date")
    if isinstance(v, int):
        return parse_partial_date(str(v))
    if isinstance(v, str):
        return parse_partial_date(v)
    if isinstance(v, datetime.date):
        return from_date(v, Precision.DAY)
    y, m, d = _fields(v)
    pd = date_pb2.PartialDate(year=y, month=m, day=d)
    validate(pd)
    return pd


def date_range(start: DateLike = None, end: DateLike = None):
    """A DateRange from two partial-date-likes; either side may be None (open).

    Each side is a PartialDate, a year (2015), a string ("2015", "2015-04",
    "2015-04-27") or a ``datetime.date`` (taken to the day).
    ``date_range(2015, 2015)`` is the whole of 2015: the start covers from the
    first day of its span, the end to the last day of its span.
    """
    from ._gen import date_pb2

    s, e = _coerce(start), _coerce(end)
    if s is not None and e is not None and date_span(e)[1] < date_span(s)[0]:
        raise PartialDateError(
            f"end {iso_partial_date(e)} comes before start {iso_partial_date(s)}"
        )
    r = date_pb2.DateRange()
    if s is not None:
        r.start.CopyFrom(s)
    if e is not None:
        r.end.CopyFrom(e)
    return r


def sort_key(pd: Any) -> Tuple[int, int]:
    """Key implementing the proto's ordering rule: by the first day of the
    span, then less precise first ("2015" < "January 2015" < "1 January 2015").
    Unknown dates sort first."""
    if precision(pd) is Precision.NONE:
        return (0, 0)
    return (date_span(pd)[0].toordinal(), int(precision(pd)))


def overlaps(pd: Any, start: Optional[datetime.date], end: Optional[datetime.date]) -> bool:
    """True when the span of ``pd`` overlaps [start, end] (None: unbounded),
    the matching rule the services use for periods."""
    first, last = date_span(pd)
    return (start is None or last >= start) and (end is None or first <= end)

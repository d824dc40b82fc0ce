"""The interval a sourced figure stands for (proto/dyad/type/v1/quantity.proto).

A ``Quantity`` is a figure as a source writes it: "about 120", "over 800
million", "300,000-400,000". The interval rule, with p = precision and
s = the place value of the last non-zero digit of the value:

  EXACT (and UNSPECIFIED)  [v - p/2, v + p/2]
  APPROXIMATE              [v - s, v + s]
  AT_LEAST                 [v, v + s)
  AT_MOST                  (v - s, v]
  RANGE                    [v - p/2, upper + p/2]

``interval(q)`` computes it exactly as the economics service does when it
reconciles figures (services/economics/reconcile.cc), so a DataFrame's
``value_low``/``value_high`` columns agree with the service's ``disputed``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

__all__ = ["Interval", "interval", "last_digit_place", "qualifier_name"]


class Interval(NamedTuple):
    """A real interval; an open end excludes its bound (±inf ends are open)."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False


def last_digit_place(value: float) -> float:
    """Place value of the last non-zero digit of ``value`` as written in
    decimal: 1.3e9 -> 1e8, 1432e6 -> 1e6, 120 -> 10, 66.7 -> 0.1; 0 for 0."""
    if not math.isfinite(value) or value == 0:
        return 0.0
    v = abs(value)
    k = math.floor(math.log10(v)) + 1
    for _ in range(18):
        q = v / 10.0**k if k >= 0 else v * 10.0**-k
        r = round(q)
        if r != 0 and abs(q - r) <= max(1e-9, abs(q) * 1e-12):
            return 10.0**k if k >= 0 else 1.0 / 10.0**-k
        k -= 1
    return 10.0 ** (k + 1) if k + 1 >= 0 else 1.0 / 10.0 ** -(k + 1)


# Quantity.Qualifier numbers (stable: the proto only adds).
_APPROXIMATE, _AT_LEAST, _AT_MOST, _RANGE = 2, 3, 4, 5


def interval(q: Any) -> Interval:
    """The interval a ``dyad.type.v1.Quantity`` stands for (rule above).

    When the rule needs s and the value is 0, the stated precision stands in
    for s; when that is 0 too, APPROXIMATE is a point and AT_LEAST / AT_MOST
    are unbounded on their open side. A RANGE given upside down is read the
    right way round.
    """
    v = float(q.value)
    p = abs(float(q.precision)) if math.isfinite(q.precision) else 0.0
    s = last_digit_place(v) or p
    qual = int(q.qualifier)
    if qual == _APPROXIMATE:
        return Interval(v - s, v + s)
    if qual == _AT_LEAST:
        return Interval(v, v + s, False, True) if s > 0 else Interval(v, math.inf, False, True)
    if qual == _AT_MOST:
        return Interval(v - s, v, True, False) if s > 0 else Interval(-math.inf, v, True, False)
    if qual == _RANGE:
        a, b = sorted((v, float(q.upper)))
        return Interval(a - p / 2, b + p / 2)
    return Interval(v - p / 2, v + p / 2)


def qualifier_name(q: Any) -> str:
    """"exact", "approximate", "at_least", "at_most", "range" ("" when unset)."""
    enum = q.DESCRIPTOR.fields_by_name["qualifier"].enum_type
    value = enum.values_by_number.get(int(q.qualifier))
    if value is None or value.number == 0:
        return ""
    return value.name[len("QUALIFIER_"):].lower()

"""pandas DataFrames of events, observations, series and institutions.

pandas is optional (``pip install 'dyad-client[pandas]'``, or Debian's
``python3-pandas``); it is imported only when a frame is made.

One row per record (per point for a series). Nested values are flattened
into plain columns, never guessed:

* a partial date ``X`` becomes ``X`` (ISO text at its known precision:
  "2015", "2015-04", "2015-04-27"; None when unknown), ``X_precision``
  ("year", "month", "day"; None), and ``X_start``/``X_end``, the first and
  last day of the span it stands for. "2015" is 2015-01-01..2015-12-31, so
  filter with the span, not with a made-up day. ``X_start``/``X_end`` are
  ``datetime64`` columns (NaT when unknown) unless a date falls outside
  pandas' range (years 1678..2261), then ``datetime.date`` objects;
* a quantity ``Q`` becomes ``Q`` (the figure), ``Q_unit``, ``Q_qualifier``
  ("exact", "approximate", "at_least", "at_most", "range"), ``Q_upper``
  (RANGE only), ``Q_precision``, ``Q_as_written`` and ``Q_low``/``Q_high``,
  the interval the figure stands for (quantities.interval, the rule the
  economics service reconciles with); NaN/None when the record has none;
* citations become ``citations`` ("jafarli p12; valiyev p6") and
  ``source_ids`` (a list, each source once); ``citations_frame()`` gives one
  row per citation instead (source, locator, note, URL, dataset row), keyed
  by the record's ``name``;
* repeated strings (countries, tags, partners) stay lists (``df.explode``).
"""

from __future__ import annotations

import datetime
import math
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional

from . import dates, quantities

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = [
    "citations_frame",
    "events_frame",
    "institutions_frame",
    "observations_frame",
    "series_frame",
    "timeline_frame",
    "to_dataframe",
]

Row = Dict[str, Any]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "dyad_client DataFrames need pandas: pip install 'dyad-client[pandas]' "
            "(or apt-get install python3-pandas)") from None
    return pandas


# -- flattening -----------------------------------------------------------------


def _has(msg: Any, field: str) -> bool:
    return msg is not None and msg.HasField(field)


def _date(prefix: str, pd: Any) -> Row:
    p = dates.precision(pd) if pd is not None else dates.Precision.NONE
    if p is dates.Precision.NONE:
        return {prefix: None, f"{prefix}_precision": None,
                f"{prefix}_start": None, f"{prefix}_end": None}
    first, last = dates.date_span(pd)
    return {prefix: dates.iso_partial_date(pd), f"{prefix}_precision": p.name.lower(),
            f"{prefix}_start": first, f"{prefix}_end": last}


_QUANTITY_COLUMNS = ("", "_unit", "_qualifier", "_upper", "_precision", "_as_written", "_low",
                     "_high")
# Float columns whatever the rows hold (an empty frame, or no record with one).
_FLOAT_COLUMNS = {f"{prefix}{suffix}" for prefix in ("amount", "value")
                  for suffix in ("", "_upper", "_precision", "_low", "_high")} | {"change_percent"}
_BOOL_COLUMNS = {"disputed", "derived"}


def _quantity(prefix: str, q: Any) -> Row:
    if q is None:
        return {f"{prefix}{c}": None for c in _QUANTITY_COLUMNS}
    iv = quantities.interval(q)
    qualifier = quantities.qualifier_name(q)
    return {
        prefix: q.value,
        f"{prefix}_unit": q.unit or None,
        f"{prefix}_qualifier": qualifier or "exact",
        f"{prefix}_upper": q.upper if qualifier == "range" else math.nan,
        f"{prefix}_precision": q.precision,
        f"{prefix}_as_written": q.as_written or None,
        f"{prefix}_low": iv.low,
        f"{prefix}_high": iv.high,
    }


def _citations(citations: Iterable[Any]) -> Row:
    cs = list(citations)
    return {
        "citations": "; ".join(f"{c.source_id} {c.locator}".strip() for c in cs),
        "source_ids": list(dict.fromkeys(c.source_id for c in cs if c.source_id)),
    }


def _enum(msg: Any, field: str, strip: str) -> Optional[str]:
    value = msg.DESCRIPTOR.fields_by_name[field].enum_type.values_by_number.get(getattr(msg, field))
    if value is None or value.number == 0:
        return None
    name: str = value.name
    return name[len(strip):].lower() if name.startswith(strip) else name.lower()


def _scalars(prefix: str, msg: Any, present: bool) -> Row:
    """Every singular scalar field of ``msg`` as prefix_field; None when the
    message or an optional field is absent (never a zero standing in)."""
    out: Row = {}
    for f in msg.DESCRIPTOR.fields:
        if f.label == f.LABEL_REPEATED or f.message_type is not None:
            continue
        has_presence = getattr(f, "has_presence", f.containing_oneof is not None)
        if not present or (has_presence and not msg.HasField(f.name)):
            out[f"{prefix}_{f.name}"] = None
        elif f.enum_type is not None:
            out[f"{prefix}_{f.name}"] = f.enum_type.values_by_number[getattr(msg, f.name)].name
        else:
            out[f"{prefix}_{f.name}"] = getattr(msg, f.name)
    return out


# -- rows per record type -----------------------------------------------------------


def _event_row(e: Any) -> Row:
    row: Row = {"name": e.name, "kind": e.kind, "domain": e.domain, "title": e.title,
                "summary": e.summary}
    row.update(_date("date", e.date if _has(e, "date") else None))
    row.update(_date("end_date", e.end_date if _has(e, "end_date") else None))
    row["countries"] = list(e.countries)
    row["participants"] = [p.name for p in e.participants]
    row["location"] = e.location.name or None if _has(e, "location") else None
    row["location_country"] = e.location.country or None if _has(e, "location") else None
    row.update(_quantity("amount", e.amount if _has(e, "amount") else None))
    row.update(_citations(e.citations))
    row["origin"] = _enum(e, "origin", "ORIGIN_")
    row["plugin"] = e.plugin or None
    row["fact"] = e.fact or None
    row["tags"] = list(e.tags)
    row.update(_scalars("coded", e.coded, _has(e, "coded")))
    return row


def _observation_row(o: Any) -> Row:
    row: Row = {"name": o.name, "indicator": o.indicator, "reporter": o.reporter,
                "partner": o.partner, "commodity": o.commodity or None}
    row.update(_date("period", o.period if _has(o, "period") else None))
    row.update(_date("as_of", o.as_of if _has(o, "as_of") else None))
    row.update(_quantity("value", o.value if _has(o, "value") else None))
    row["origin"] = _enum(o, "origin", "ORIGIN_")
    row["plugin"] = o.plugin or None
    row.update(_citations(o.citations))
    return row


def _institution_row(i: Any) -> Row:
    row: Row = {"name": i.name, "display_name": i.display_name, "kind": i.kind,
                "host_country": i.host_country or None, "city": i.city or None}
    row.update(_date("founded", i.founded if _has(i, "founded") else None))
    row["status"] = _enum(i, "status", "STATUS_")
    row.update(_date("closed", i.closed if _has(i, "closed") else None))
    row["countries"] = list(i.countries)
    row["partners"] = list(i.partners)
    row["parent"] = i.parent or None
    row["description"] = i.description
    row["external_ids"] = [f"{x.scheme}:{x.id}" for x in i.external_ids]
    row["plugin"] = i.plugin or None
    row["fact"] = i.fact or None
    row.update(_citations(i.citations))
    return row


def _point_rows(series: Any) -> List[Row]:
    head = {"indicator": series.indicator, "reporter": series.reporter, "partner": series.partner,
            "commodity": series.commodity or None, "unit": series.unit or None}
    rows = []
    for p in series.points:
        row = dict(head)
        row.update(_date("period", p.period if _has(p, "period") else None))
        row.update(_date("as_of", p.as_of if _has(p, "as_of") else None))
        row.update(_quantity("value", p.value if _has(p, "value") else None))
        row["disputed"] = p.disputed
        row["change_percent"] = p.change_percent if p.HasField("change_percent") else math.nan
        row["rule"] = p.rule or None
        row["derived"] = p.derived
        row["derivation"] = p.derivation or None
        row["observations"] = len(p.observations)
        row.update(_citations(p.citations))
        rows.append(row)
    return rows


def _timeline_row(t: Any) -> Row:
    row: Row = {}
    row.update(_date("date", t.date if _has(t, "date") else None))
    which = t.WhichOneof("record")
    row.update({"title": t.title, "domain": t.domain, "record_type": which,
                "record_name": getattr(t, which).name if which else None})
    return row


# Column order of an empty frame: the keys of a row made from an empty message.
def _columns(row_of: Callable[[Any], Row], message_class: Any) -> List[str]:
    return list(row_of(message_class()).keys())


def _frame(rows: List[Row], columns: List[str]) -> "pandas.DataFrame":
    pd = _pandas()
    df = pd.DataFrame.from_records(rows, columns=columns)
    for col in columns:
        if col.endswith(("_start", "_end")) and col[: col.rfind("_")] + "_precision" in df.columns:
            df[col] = _as_datetime(pd, df[col])
        elif col in _FLOAT_COLUMNS:
            df[col] = df[col].astype("float64")
        elif col in _BOOL_COLUMNS:
            df[col] = df[col].astype("bool")
    return df


def _as_datetime(pd: Any, column: Any) -> Any:
    lo, hi = pd.Timestamp.min.date(), pd.Timestamp.max.date()
    values = [v for v in column if isinstance(v, datetime.date)]
    if all(lo < v < hi for v in values):
        return pd.to_datetime(column)
    return column  # a date outside pandas' range: keep datetime.date objects


def _messages(records: Any) -> List[Any]:
    return list(records)


def events_frame(events: Iterable[Any]) -> "pandas.DataFrame":
    """One row per ``dyad.events.v1.Event`` (see the module doc for columns)."""
    from ._gen import event_pb2
    return _frame([_event_row(e) for e in _messages(events)], _columns(_event_row, event_pb2.Event))


def observations_frame(observations: Iterable[Any]) -> "pandas.DataFrame":
    """One row per ``dyad.economics.v1.Observation``."""
    from ._gen import economics_pb2
    return _frame([_observation_row(o) for o in _messages(observations)],
                  _columns(_observation_row, economics_pb2.Observation))


def institutions_frame(institutions: Iterable[Any]) -> "pandas.DataFrame":
    """One row per ``dyad.institutions.v1.Institution``."""
    from ._gen import institutions_pb2
    return _frame([_institution_row(i) for i in _messages(institutions)],
                  _columns(_institution_row, institutions_pb2.Institution))


def series_frame(series: Any) -> "pandas.DataFrame":
    """One row per point of a ``dyad.economics.v1.Series`` (GetSeries), the
    series' indicator, countries and unit repeated on every row."""
    from ._gen import economics_pb2
    empty = economics_pb2.Series(points=[economics_pb2.SeriesPoint()])
    return _frame(_point_rows(series), list(_point_rows(empty)[0].keys()))


def timeline_frame(entries: Iterable[Any]) -> "pandas.DataFrame":
    """One row per gateway ``TimelineEntry``: date columns, title, domain,
    record_type ("event", "institution", "observation") and record_name."""
    from ._gen import gateway_pb2
    return _frame([_timeline_row(t) for t in _messages(entries)],
                  _columns(_timeline_row, gateway_pb2.TimelineEntry))


def citations_frame(records: Any) -> "pandas.DataFrame":
    """One row per citation of each record (events, observations,
    institutions: keyed by ``name``; a Series: by the point's ``period``):
    source_id, locator, note, url, row_file, row_line, row_upstream_id."""
    rows: List[Row] = []

    def add(key: Dict[str, Any], citations: Iterable[Any]) -> None:
        for c in citations:
            has_row = c.HasField("row")
            rows.append({**key, "source_id": c.source_id, "locator": c.locator or None,
                         "note": c.note or None, "url": c.url or None,
                         "row_file": c.row.file or None if has_row else None,
                         "row_line": c.row.line if has_row and c.row.line else None,
                         "row_upstream_id": c.row.upstream_id or None if has_row else None})

    columns = ["source_id", "locator", "note", "url", "row_file", "row_line", "row_upstream_id"]
    if _full_name(records) == "dyad.economics.v1.Series":
        for p in records.points:
            add({"period": dates.iso_partial_date(p.period)}, p.citations)
        return _pandas().DataFrame.from_records(rows, columns=["period"] + columns)
    for r in _items(records):
        add({"name": r.name}, r.citations)
    return _pandas().DataFrame.from_records(rows, columns=["name"] + columns)


# -- one entry point ------------------------------------------------------------

_BY_TYPE: Dict[str, Callable[[Iterable[Any]], "pandas.DataFrame"]] = {
    "dyad.events.v1.Event": events_frame,
    "dyad.economics.v1.Observation": observations_frame,
    "dyad.institutions.v1.Institution": institutions_frame,
    "dyad.gateway.v1.TimelineEntry": timeline_frame,
}
# List responses: the repeated field holding the records.
_LIST_FIELDS = ("events", "observations", "institutions", "entries")


def _full_name(obj: Any) -> Optional[str]:
    d = getattr(obj, "DESCRIPTOR", None)
    return getattr(d, "full_name", None)


def _items(obj: Any) -> Iterable[Any]:
    """Records of a List response, a single record, or an iterable of them."""
    name = _full_name(obj)
    if name in _BY_TYPE:
        return [obj]
    if name is not None:
        for f in _LIST_FIELDS:
            if f in obj.DESCRIPTOR.fields_by_name:
                return list(getattr(obj, f))
        raise TypeError(f"no DataFrame for a {name}")
    return obj


def to_dataframe(obj: Any) -> "pandas.DataFrame":
    """A DataFrame of whatever holds Dyad records:

    * a ``Series`` (GetSeries) -> series_frame;
    * a List response (ListEventsResponse, ListObservationsResponse,
      ListInstitutionsResponse, GetTimelineResponse) or a single record;
    * an iterable of Event, Observation, Institution or TimelineEntry
      messages, e.g. ``list(dyad.iter_events(...))`` (``Pages.to_dataframe()``
      does this for you, and knows the columns even when nothing matched).

    An empty iterable gives an empty frame without columns.
    """
    if _full_name(obj) == "dyad.economics.v1.Series":
        return series_frame(obj)
    items = list(_items(obj))
    if not items:
        return _pandas().DataFrame()
    kinds = {_full_name(i) for i in items}
    if len(kinds) != 1 or next(iter(kinds)) not in _BY_TYPE:
        raise TypeError(f"no DataFrame for items of types {sorted(map(str, kinds))}")
    return _BY_TYPE[kinds.pop() or ""](items)

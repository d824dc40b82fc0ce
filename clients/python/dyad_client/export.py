"""Streaming export (ExportEvents, docs/export.md): rows, records and
DataFrames from one server-streaming call, resumed after a broken
connection; and ``read_export_csv``, which reads a ``dyad export ... --format
csv`` file back into the same DataFrame.

The rows are the rows of ``frames.events_frame`` (the columns
docs/export.md lists): partial dates as text, precision, first and last
day; quantities as value, unit, qualifier, upper, precision, as written,
low and high; citations as "source locator; ..." plus the source ids.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional

import grpc

from . import frames
from .errors import DyadError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["Export", "read_export_csv"]

#: New calls after a broken connection, in a row without a message between.
MAX_RETRIES = 5

# Broken connections surface as these; the server answers them to no valid export.
_RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)


class Export:
    """One export: iterate for row dicts; ``records()`` for messages.

    Attributes, kept up to date while reading:
      resume_token:    position after the last message read ("" before any);
      estimated_total: matches when the export started (None before the
                       first message);
      rows:            records read so far;
      retries:         new calls made after a broken connection.
    """

    def __init__(self, call: Callable[..., Any], request: Any, field: str,
                 row_of: Callable[[Any], Dict[str, Any]],
                 frame: Callable[[Iterable[Any]], "pandas.DataFrame"],
                 resume_token: str = "", timeout: Optional[float] = None):
        self._call = call
        self._request = request
        self._field = field
        self._row_of = row_of
        self._frame = frame
        self._timeout = timeout
        self._deadline = time.monotonic() + timeout if timeout else None
        self.resume_token = resume_token
        self.estimated_total: Optional[int] = None
        self.rows = 0
        self.retries = 0
        self._started = False

    def messages(self) -> Iterator[Any]:
        """The stream's messages, resumed after a broken connection."""
        if self._started:
            raise RuntimeError("an Export is read once; start another (resume_token= continues)")
        self._started = True
        attempt = 0
        name = self._request.DESCRIPTOR.full_name  # dyad.events.v1.ExportEventsRequest
        method = name[: -len("Request")] if name.endswith("Request") else name
        while True:
            request = type(self._request)()
            request.CopyFrom(self._request)
            request.resume_token = self.resume_token
            timeout = None
            if self._deadline is not None:
                timeout = max(0.0, self._deadline - time.monotonic())
            try:
                for message in self._call(request, timeout=timeout,
                                          wait_for_ready=attempt > 0 or None):
                    if self.estimated_total is None:
                        self.estimated_total = message.estimated_total
                    records = getattr(message, self._field)
                    self.rows += len(records)
                    yield message
                    # Only once the caller took the whole message is it done.
                    self.resume_token = message.resume_token
                    attempt = 0
                return
            except grpc.RpcError as e:
                if e.code() not in _RETRYABLE or attempt >= MAX_RETRIES:
                    raise DyadError.from_rpc_error(e, method) from e
                attempt += 1
                self.retries += 1
                time.sleep(0.1 * 2**attempt)

    def records(self) -> Iterator[Any]:
        """The records (Event messages), in the server's order."""
        for message in self.messages():
            yield from getattr(message, self._field)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        for record in self.records():
            yield self._row_of(record)

    def dataframes(self, rows_per_frame: int = 100_000) -> Iterator["pandas.DataFrame"]:
        """DataFrames of at most ``rows_per_frame`` rows each, as they come."""
        batch: List[Any] = []
        for record in self.records():
            batch.append(record)
            if len(batch) >= rows_per_frame:
                yield self._frame(batch)
                batch = []
        if batch:
            yield self._frame(batch)

    def to_dataframe(self) -> "pandas.DataFrame":
        """Every record in one DataFrame (``events_frame``'s columns)."""
        return self._frame(list(self.records()))


# -- CSV back into a frame ----------------------------------------------------------

_LIST_COLUMNS = {"countries", "participants", "tags", "source_ids", "partners", "external_ids"}
# Text every record has (kept "" when empty, as the frames keep it).
_PLAIN_TEXT = {"name", "kind", "domain", "title", "summary", "display_name", "description",
               "indicator", "reporter", "partner", "citations"}
_INT_COLUMNS = {"coded_quad_class", "coded_num_mentions", "coded_num_sources",
                "coded_num_articles"}
_FLOAT_SUFFIXES = ("", "_upper", "_precision", "_low", "_high")
_CODED_FLOATS = {"coded_goldstein", "coded_avg_tone", "coded_intensity"}


def _columns_of(what: str) -> List[str]:
    from ._gen import economics_pb2, event_pb2, institutions_pb2
    row_of, cls = {
        "events": (frames._event_row, event_pb2.Event),
        "observations": (frames._observation_row, economics_pb2.Observation),
        "institutions": (frames._institution_row, institutions_pb2.Institution),
    }[what]
    return frames._columns(row_of, cls)


def read_export_csv(path: Any, what: str = "events") -> "pandas.DataFrame":
    """A ``dyad export <what> --format csv`` file as the DataFrame
    ``events_frame`` (``observations_frame``, ``institutions_frame``) makes
    of the same records: lists split on ";", numbers and dates typed, an
    empty cell None (NaN in float columns, NaT in date columns)."""
    pd = frames._pandas()
    columns = _columns_of(what)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    if list(raw.columns) != columns:
        raise ValueError(f"{path}: not a dyad export of {what} (columns {list(raw.columns)[:5]}...)")
    quantity = next((q for q in ("amount", "value") if f"{q}_qualifier" in columns), None)
    float_columns = {f"{quantity}{s}" for s in _FLOAT_SUFFIXES} if quantity else set()
    rows: List[Dict[str, Any]] = []
    for rec in raw.to_dict("records"):
        row: Dict[str, Any] = {}
        # An event's coded measures: all None when it has none, else each
        # value (its quad class is always written then).
        coded = bool(rec.get("coded_quad_class"))
        for col in columns:
            v = rec[col]
            if col.startswith("coded_") and not coded:
                row[col] = None
                continue
            if col in _LIST_COLUMNS:
                row[col] = v.split(";") if v else []
            elif col in float_columns or col in _CODED_FLOATS:
                row[col] = float(v) if v else (None if col in _CODED_FLOATS else float("nan"))
            elif col in _INT_COLUMNS:
                row[col] = int(v) if v else None
            elif col == "coded_root_event":
                row[col] = {"true": True, "false": False}.get(v)
            elif col.endswith(("_start", "_end")) and f"{col[:col.rfind('_')]}_precision" in rec:
                row[col] = _day(v)
            elif col in _PLAIN_TEXT or col.startswith("coded_"):
                row[col] = v
            else:
                row[col] = v or None
        rows.append(row)
    return frames._frame(rows, columns)


def _day(text: str) -> Any:
    import datetime
    return datetime.date.fromisoformat(text) if text else None

"""Python client for Dyad: typed gRPC stubs plus a small convenience layer.

    import dyad_client
    with dyad_client.connect() as dyad:          # $DYAD_TARGET or 127.0.0.1:50050
        for e in dyad.iter_events(countries=["AZE", "CHN"], period=2015):
            print(dyad_client.format_partial_date(e.date), e.title)
        df = dyad.iter_events(countries=["AZE", "CHN"]).to_dataframe()   # pandas

``dyad_client.aio.connect()`` is the same over grpc.aio (``await``,
``async for``). The protobuf/gRPC modules (the ``dyad`` package) are
generated from proto/ when the package is built (``pip install
./clients/python``) and installed beside it; in a source checkout they are
found in build/python instead. Message classes are re-exported as
``dyad_client.pb`` (e.g. ``dyad_client.pb.events.ListEventsRequest``).
"""

from types import SimpleNamespace as _NS

from . import _gen
from ._version import __version__
from .client import DEFAULT_TARGET, DyadClient, Pages, connect
from .dates import (
    PartialDateError,
    Precision,
    date_range,
    date_span,
    format_partial_date,
    from_date,
    iso_partial_date,
    overlaps,
    parse_partial_date,
    precision,
    sort_key,
    to_date,
    validate,
)
from .errors import DyadError
from .frames import (
    citations_frame,
    events_frame,
    institutions_frame,
    observations_frame,
    series_frame,
    timeline_frame,
    to_dataframe,
)
from .export import Export, read_export_csv
from .quantities import Interval, interval
from . import aio  # noqa: E402  (needs the names above)

#: Generated message modules, by short name.
pb = _NS(
    type_date=_gen.date_pb2,
    type_citation=_gen.citation_pb2,
    type_actor=_gen.actor_pb2,
    type_quantity=_gen.quantity_pb2,
    event=_gen.event_pb2,
    events=_gen.event_service_pb2,
    economics=_gen.economics_pb2,
    institutions=_gen.institutions_pb2,
    gateway=_gen.gateway_pb2,
)

__all__ = [
    "DEFAULT_TARGET",
    "DyadClient",
    "DyadError",
    "Export",
    "Interval",
    "Pages",
    "PartialDateError",
    "Precision",
    "__version__",
    "aio",
    "citations_frame",
    "connect",
    "events_frame",
    "institutions_frame",
    "interval",
    "observations_frame",
    "series_frame",
    "timeline_frame",
    "to_dataframe",
    "date_range",
    "date_span",
    "format_partial_date",
    "from_date",
    "iso_partial_date",
    "overlaps",
    "parse_partial_date",
    "pb",
    "read_export_csv",
    "precision",
    "sort_key",
    "to_date",
    "validate",
]

"""connect() and DyadClient: channels, typed stubs, pagination, errors."""

from __future__ import annotations

import collections
import os
from typing import (TYPE_CHECKING, Any, Callable, Dict, Generic, Iterable, Iterator, List,
                    Optional, Sequence, Tuple, TypeVar)

import grpc

from . import _health, dates, export, frames
from ._gen import (
    date_pb2,
    economics_pb2,
    economics_pb2_grpc,
    event_pb2,
    event_service_pb2,
    event_service_pb2_grpc,
    gateway_pb2,
    gateway_pb2_grpc,
    institutions_pb2,
    institutions_pb2_grpc,
)
from .errors import DyadError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["DEFAULT_TARGET", "DyadClient", "Pages", "connect"]

#: The gateway's default address (DESIGN.md: RelationsGateway on :50050).
DEFAULT_TARGET = "127.0.0.1:50050"

T = TypeVar("T")


class _CallDetails(
    collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
    ),
    grpc.ClientCallDetails,
):
    pass


class _Outcome:
    """Wraps a call outcome so that result() raises DyadError, not RpcError."""

    def __init__(self, inner: Any, method: str):
        self._inner = inner
        self._method = method

    def result(self, timeout: Optional[float] = None) -> Any:
        try:
            return self._inner.result(timeout)
        except grpc.RpcError as e:
            raise DyadError.from_rpc_error(e, self._method) from e

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        e = self._inner.exception(timeout)
        if isinstance(e, grpc.RpcError):
            return DyadError.from_rpc_error(e, self._method)
        return e

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Interceptor(grpc.UnaryUnaryClientInterceptor, grpc.StreamUnaryClientInterceptor,
                   grpc.UnaryStreamClientInterceptor):
    """Adds the default deadline and metadata; maps failures to DyadError
    (unary calls, and the client-streaming imports). Server-streaming calls
    (the exports) get the metadata but no default deadline: they last as
    long as the data; export.py maps their failures."""

    def __init__(self, timeout: Optional[float], metadata: Sequence[Tuple[str, str]]):
        self._timeout = timeout
        self._metadata = list(metadata)

    def _details(self, details: grpc.ClientCallDetails) -> Tuple[str, _CallDetails]:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        metadata = list(details.metadata or []) + self._metadata
        return method, _CallDetails(
            details.method,
            details.timeout if details.timeout is not None else self._timeout,
            metadata or None,
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation: Any, details: grpc.ClientCallDetails,
                              request: Any) -> Any:
        method, new = self._details(details)
        return _Outcome(continuation(new, request), method)

    def intercept_stream_unary(self, continuation: Any, details: grpc.ClientCallDetails,
                               request_iterator: Any) -> Any:
        method, new = self._details(details)
        return _Outcome(continuation(new, request_iterator), method)

    def intercept_unary_stream(self, continuation: Any, details: grpc.ClientCallDetails,
                               request: Any) -> Any:
        metadata = list(details.metadata or []) + self._metadata
        return continuation(_CallDetails(details.method, details.timeout, metadata or None,
                                         details.credentials, details.wait_for_ready,
                                         details.compression), request)


class Pages(Generic[T]):
    """Iterator over the items of a paginated List method, page after page.

    Follows ``next_page_token`` until it is empty, fetching each page when
    the previous one is used up. While (and after) iterating:

      total_size: the server's ``total_size`` of the first page (None when
                  the method has none, e.g. GetTimeline).
      pages:      pages fetched so far.
      parts:      the gateway's ``parts`` of the last page (empty for the
                  backends): which backend answered how.

    ``to_dataframe()`` reads the remaining items into a pandas DataFrame
    (frames.py: partial dates, quantities and citations flattened).
    """

    def __init__(self, call: Callable[..., Any], request: Any, field: str, timeout: Optional[float],
                 frame: Optional[Callable[[Iterable[Any]], "pandas.DataFrame"]] = None):
        self._call = call
        self._request = request
        self._field = field
        self._timeout = timeout
        self._frame = frame
        self.total_size: Optional[int] = None
        self.pages = 0
        self.parts: List[Any] = []
        self._it = self._generate()

    def _generate(self) -> Iterator[T]:
        request = type(self._request)()
        request.CopyFrom(self._request)
        while True:
            response = self._call(request, timeout=self._timeout)
            self.pages += 1
            if self.pages == 1 and "total_size" in response.DESCRIPTOR.fields_by_name:
                self.total_size = response.total_size
            if "parts" in response.DESCRIPTOR.fields_by_name:
                self.parts = list(response.parts)
            yield from getattr(response, self._field)
            if not response.next_page_token:
                return
            if response.next_page_token == request.page_token:
                raise DyadError(grpc.StatusCode.INTERNAL,
                                "server returned the same page token twice", None)
            request.page_token = response.next_page_token

    def __iter__(self) -> "Pages[T]":
        return self

    def __next__(self) -> T:
        return next(self._it)

    def to_dataframe(self) -> "pandas.DataFrame":
        """The items not yet iterated (all of them, on a fresh iterator),
        fetched page after page, as a DataFrame (needs pandas)."""
        items = list(self)
        return self._frame(items) if self._frame else frames.to_dataframe(items)


def _period(value: Any) -> Optional[date_pb2.DateRange]:
    """A DateRange from a DateRange, a (start, end) pair or one date-like."""
    if value is None:
        return None
    if isinstance(value, date_pb2.DateRange):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return dates.date_range(*value)
    return dates.date_range(value, value)


def _request(cls: Any, request: Any, fields: Dict[str, Any], date_fields: Iterable[str]) -> Any:
    if request is not None and fields:
        raise TypeError("give either request= or keyword filters, not both")
    if request is not None:
        return request
    for f in date_fields:
        if f in fields:
            fields[f] = _period(fields[f])
    return cls(**{k: v for k, v in fields.items() if v is not None})


_SERVICE_OF: Dict[str, str] = {
    "dyad.events.v1.EventService": "events",
    "dyad.economics.v1.EconomicsService": "economics",
    "dyad.institutions.v1.InstitutionService": "institutions",
    "dyad.gateway.v1.RelationsGateway": "gateway",
}


class DyadClient:
    """Typed stubs for the gateway and the three services, plus helpers.

    Attributes (generated stubs; calls raise DyadError on failure):
      gateway:      dyad.gateway.v1.RelationsGatewayStub
      events:       dyad.events.v1.EventServiceStub
      economics:    dyad.economics.v1.EconomicsServiceStub
      institutions: dyad.institutions.v1.InstitutionServiceStub
      targets:      {"gateway": ..., "events": ..., ...} as connected.

    Use connect() to make one; close() (or a ``with`` block) when done.
    """

    def __init__(self, targets: Dict[str, str], channels: Dict[str, grpc.Channel],
                 timeout: Optional[float]):
        self.targets = dict(targets)
        self._channels = channels  # by target
        self.timeout = timeout
        ch = lambda part: channels[targets[part]]  # noqa: E731
        self.gateway = gateway_pb2_grpc.RelationsGatewayStub(ch("gateway"))
        self.events = event_service_pb2_grpc.EventServiceStub(ch("events"))
        self.economics = economics_pb2_grpc.EconomicsServiceStub(ch("economics"))
        self.institutions = institutions_pb2_grpc.InstitutionServiceStub(ch("institutions"))
        self._health = {
            part: ch(part).unary_unary(
                _health.CHECK_METHOD,
                request_serializer=_health.HealthCheckRequest.SerializeToString,
                response_deserializer=_health.HealthCheckResponse.FromString,
            )
            for part in targets
        }

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        for c in self._channels.values():
            c.close()

    def __enter__(self) -> "DyadClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def wait_ready(self, timeout: float = 10.0, parts: Sequence[str] = ("gateway",)) -> None:
        """Blocks until the channels of ``parts`` are connected; raises
        DyadError(UNAVAILABLE) after ``timeout`` seconds."""
        for part in parts:
            try:
                grpc.channel_ready_future(self._channels[self.targets[part]]).result(timeout=timeout)
            except grpc.FutureTimeoutError:
                raise DyadError(grpc.StatusCode.UNAVAILABLE,
                                f"{part} at {self.targets[part]} not reachable within {timeout}s") from None

    def health(self, service: str = "", *, part: Optional[str] = None) -> str:
        """grpc.health.v1 status of ``service`` ("SERVING", "NOT_SERVING"...).

        The process asked is the one serving that service name
        ("dyad.events.v1.EventService" -> events target); "" asks the
        gateway's process about itself unless ``part`` says otherwise.
        Raises DyadError(NOT_FOUND) for a service the process does not know.
        """
        asked = part or _SERVICE_OF.get(service) or "gateway"
        response = self._health[asked](_health.HealthCheckRequest(service=service), timeout=self.timeout)
        return _health.status_name(response)

    # -- pagination ------------------------------------------------------------

    def iter_events(self, *, request: Optional[event_service_pb2.ListEventsRequest] = None,
                    timeout: Optional[float] = None,
                    **filters: Any) -> "Pages[event_pb2.Event]":
        """Events matching ``filters`` (ListEventsRequest fields: countries,
        period, kinds, domains, query, page_size), oldest first, across pages.

        ``period`` may be a DateRange, a (start, end) pair or one date-like
        (2015 means the whole of 2015); see dates.date_range.
        """
        req = _request(event_service_pb2.ListEventsRequest, request, filters, ["period"])
        return Pages(self.events.ListEvents, req, "events", timeout or self.timeout,
                     frames.events_frame)

    def iter_observations(self, *,
                          request: Optional[economics_pb2.ListObservationsRequest] = None,
                          timeout: Optional[float] = None,
                          **filters: Any) -> "Pages[economics_pb2.Observation]":
        """Sourced figures (ListObservationsRequest fields: indicator,
        countries, period, page_size) across pages."""
        req = _request(economics_pb2.ListObservationsRequest, request, filters, ["period"])
        return Pages(self.economics.ListObservations, req, "observations",
                     timeout or self.timeout, frames.observations_frame)

    def iter_institutions(self, *,
                          request: Optional[institutions_pb2.ListInstitutionsRequest] = None,
                          timeout: Optional[float] = None,
                          **filters: Any) -> "Pages[institutions_pb2.Institution]":
        """Institutions (ListInstitutionsRequest fields: kinds, countries,
        host_country, city, founded, query, page_size) across pages."""
        req = _request(institutions_pb2.ListInstitutionsRequest, request, filters, ["founded"])
        return Pages(self.institutions.ListInstitutions, req, "institutions",
                     timeout or self.timeout, frames.institutions_frame)

    def iter_timeline(self, *, request: Optional[gateway_pb2.GetTimelineRequest] = None,
                      timeout: Optional[float] = None,
                      **filters: Any) -> "Pages[gateway_pb2.TimelineEntry]":
        """The gateway's chronological stream (GetTimelineRequest fields:
        countries, period, domains, page_size) across pages. ``.parts`` of
        the returned iterator tells whether a backend was missing."""
        req = _request(gateway_pb2.GetTimelineRequest, request, filters, ["period"])
        return Pages(self.gateway.GetTimeline, req, "entries", timeout or self.timeout,
                     frames.timeline_frame)


    # -- streaming export (export.py) ---------------------------------------------

    def export_events(self, *, request: Optional[Any] = None, resume_token: str = "",
                      timeout: Optional[float] = None, **filters: Any) -> "export.Export":
        """Every event matching ``filters`` (ListEvents' filters: countries,
        period, kinds, domains, query, origin), streamed by ExportEvents with
        no page cap. Iterating yields one dict per event with the columns of
        ``events_frame`` (docs/export.md); ``.records()`` yields the Event
        messages, ``.dataframes(n)`` DataFrames of n rows, ``.to_dataframe()``
        one frame. A broken connection is resumed from the last whole
        message; ``.resume_token`` is the position after the last message
        read (pass it as ``resume_token=`` to continue later).
        ``timeout``: a deadline for the whole export (default none)."""
        req = _request(event_service_pb2.ExportEventsRequest, request, filters, ["period"])
        return export.Export(self.events.ExportEvents, req, "events", frames._event_row,
                             frames.events_frame, resume_token, timeout)

    def export_events_dataframe(self, **kwargs: Any) -> "pandas.DataFrame":
        """``export_events(**kwargs).to_dataframe()``: one DataFrame of every
        matching event, as ``events_frame`` makes it."""
        return self.export_events(**kwargs).to_dataframe()

    def export_observations(self, *, request: Optional[Any] = None, resume_token: str = "",
                            timeout: Optional[float] = None, **filters: Any) -> "export.Export":
        """Every observation matching ListObservations' filters (indicator,
        countries, period, origin, commodity), as export_events streams
        events; rows have ``observations_frame``'s columns."""
        req = _request(economics_pb2.ExportObservationsRequest, request, filters, ["period"])
        return export.Export(self.economics.ExportObservations, req, "observations",
                             frames._observation_row, frames.observations_frame, resume_token,
                             timeout)

    def export_observations_dataframe(self, **kwargs: Any) -> "pandas.DataFrame":
        """``export_observations(**kwargs).to_dataframe()``."""
        return self.export_observations(**kwargs).to_dataframe()

    def export_institutions(self, *, request: Optional[Any] = None, resume_token: str = "",
                            timeout: Optional[float] = None, **filters: Any) -> "export.Export":
        """Every institution matching ListInstitutions' filters (kinds,
        countries, host_country, city, founded, query), as export_events
        streams events; rows have ``institutions_frame``'s columns."""
        req = _request(institutions_pb2.ExportInstitutionsRequest, request, filters, ["founded"])
        return export.Export(self.institutions.ExportInstitutions, req, "institutions",
                             frames._institution_row, frames.institutions_frame, resume_token,
                             timeout)

    def export_institutions_dataframe(self, **kwargs: Any) -> "pandas.DataFrame":
        """``export_institutions(**kwargs).to_dataframe()``."""
        return self.export_institutions(**kwargs).to_dataframe()


def connect(
    target: Optional[str] = None,
    *,
    events: Optional[str] = None,
    economics: Optional[str] = None,
    institutions: Optional[str] = None,
    timeout: Optional[float] = 10.0,
    token: Optional[str] = None,
    credentials: Optional[grpc.ChannelCredentials] = None,
    options: Sequence[Tuple[str, Any]] = (),
) -> DyadClient:
    """Connects to a Dyad suite (lazily: no call is made here).

    target:    the gateway, "host:port" or any gRPC target ("dns:///gw:50050").
               Default: $DYAD_TARGET, else 127.0.0.1:50050.
    events, economics, institutions:
               the backends, for their own stubs; each defaults to
               $DYAD_EVENTS_TARGET / $DYAD_ECONOMICS_TARGET /
               $DYAD_INSTITUTIONS_TARGET, else to ``target`` (so
               connect("127.0.0.1:50051").events talks to an events server).
    timeout:   default deadline in seconds for every call (None: none); a
               call's own ``timeout=`` wins.
    token:     sent as "authorization: Bearer <token>" on every call: the
               write token (CreateEvent, RecordObservation, CreateInstitution;
               it opens reads too), or the read token of a server whose reads
               are closed (--read_token_file).
    credentials: channel credentials for TLS; default plaintext.
    options:   extra gRPC channel options.
    """
    gateway = target or os.environ.get("DYAD_TARGET") or DEFAULT_TARGET
    targets = {
        "gateway": gateway,
        "events": events or os.environ.get("DYAD_EVENTS_TARGET") or gateway,
        "economics": economics or os.environ.get("DYAD_ECONOMICS_TARGET") or gateway,
        "institutions": institutions or os.environ.get("DYAD_INSTITUTIONS_TARGET") or gateway,
    }
    metadata = [("authorization", f"Bearer {token}")] if token else []
    interceptor = _Interceptor(timeout, metadata)
    channels: Dict[str, grpc.Channel] = {}
    for t in dict.fromkeys(targets.values()):
        raw = (grpc.secure_channel(t, credentials, options=list(options)) if credentials
               else grpc.insecure_channel(t, options=list(options)))
        channels[t] = grpc.intercept_channel(raw, interceptor)
    return DyadClient(targets, channels, timeout)

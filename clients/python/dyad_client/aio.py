"""The asyncio client (grpc.aio), beside the blocking one in client.py.

    import asyncio
    import dyad_client as dc

    async def main() -> None:
        async with dc.aio.connect() as dyad:       # $DYAD_TARGET or 127.0.0.1:50050
            review = await dyad.gateway.GetYearInReview(
                dc.pb.gateway.GetYearInReviewRequest(countries=["AZE", "CHN"], year=2019))
            async for e in dyad.iter_events(countries=["AZE", "CHN"], period=2015):
                print(dc.format_partial_date(e.date), e.title)

    asyncio.run(main())

The same targets, environment variables, default deadline and token as
``dyad_client.connect``. Every stub method returns the grpc.aio call object
(``await`` it for the response; ``cancel()``, ``initial_metadata()`` and the
rest work as usual); awaiting a failed call raises ``DyadError``, which is a
``grpc.RpcError`` like the ``grpc.aio.AioRpcError`` it replaces (kept as
``__cause__``). Make the client inside a running event loop, as grpc.aio
channels belong to the loop that creates them.
"""

from __future__ import annotations

import asyncio
import os
from typing import (TYPE_CHECKING, Any, AsyncIterator, Callable, Dict, Generator,
                    Generic, Iterable, List, Optional, Sequence, Tuple, TypeVar)

import grpc
import grpc.aio

from . import _health, frames
from ._gen import (
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
from .client import DEFAULT_TARGET, _SERVICE_OF, _request
from .errors import DyadError

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["AsyncDyadClient", "AsyncPages", "connect"]

T = TypeVar("T")
Metadata = Sequence[Tuple[str, str]]


class _Call:
    """A grpc.aio call whose ``await`` raises DyadError instead of AioRpcError;
    every other attribute is the call's own."""

    def __init__(self, call: Any, method: str):
        self._call = call
        self._method = method

    def __await__(self) -> Generator[Any, None, Any]:
        try:
            return (yield from self._call.__await__())
        except grpc.RpcError as e:
            raise DyadError.from_rpc_error(e, self._method) from e

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)


class _Method:
    """One stub method: adds the default deadline and the token, wraps the call."""

    def __init__(self, inner: Callable[..., Any], method: str, timeout: Optional[float],
                 metadata: Metadata):
        self._inner = inner
        self._method = method
        self._timeout = timeout
        self._metadata = list(metadata)

    def __call__(self, request: Any, *, timeout: Optional[float] = None,
                 metadata: Optional[Metadata] = None, **kwargs: Any) -> Any:
        md = list(metadata or []) + self._metadata
        call = self._inner(request, timeout=timeout if timeout is not None else self._timeout,
                           metadata=md or None, **kwargs)
        return _Call(call, self._method)


class _Stub:
    """A generated stub (``RelationsGatewayStub``...) on a grpc.aio channel,
    every method wrapped by _Method."""

    def __init__(self, stub_class: Any, service: str, channel: grpc.aio.Channel,
                 timeout: Optional[float], metadata: Metadata):
        stub = stub_class(channel)
        self._service = service
        for name, inner in vars(stub).items():
            setattr(self, name, _Method(inner, f"/{service}/{name}", timeout, metadata))

    def __repr__(self) -> str:
        return f"<async stub {self._service}>"


class AsyncPages(Generic[T]):
    """Async iterator over the items of a paginated List method, page after
    page (``async for``); ``total_size``, ``pages`` and ``parts`` as in
    ``Pages``; ``await all()`` for a list, ``await to_dataframe()`` for a
    DataFrame of the items not yet iterated."""

    def __init__(self, call: Callable[..., Any], request: Any, field: str,
                 timeout: Optional[float],
                 frame: Callable[[Iterable[Any]], "pandas.DataFrame"]):
        self._call = call
        self._request = request
        self._field = field
        self._timeout = timeout
        self._frame = frame
        self.total_size: Optional[int] = None
        self.pages = 0
        self.parts: List[Any] = []
        self._it = self._generate()

    async def _generate(self) -> AsyncIterator[T]:
        request = type(self._request)()
        request.CopyFrom(self._request)
        while True:
            response = await self._call(request, timeout=self._timeout)
            self.pages += 1
            if self.pages == 1 and "total_size" in response.DESCRIPTOR.fields_by_name:
                self.total_size = response.total_size
            if "parts" in response.DESCRIPTOR.fields_by_name:
                self.parts = list(response.parts)
            for item in getattr(response, self._field):
                yield item
            if not response.next_page_token:
                return
            if response.next_page_token == request.page_token:
                raise DyadError(grpc.StatusCode.INTERNAL,
                                "server returned the same page token twice", None)
            request.page_token = response.next_page_token

    def __aiter__(self) -> "AsyncPages[T]":
        return self

    async def __anext__(self) -> T:
        return await self._it.__anext__()

    async def all(self) -> List[T]:
        """Every remaining item of every page."""
        return [item async for item in self]

    async def to_dataframe(self) -> "pandas.DataFrame":
        """The remaining items as a DataFrame (needs pandas)."""
        return self._frame(await self.all())


class AsyncDyadClient:
    """Async stubs for the gateway and the three services, plus helpers.

    ``gateway``, ``events``, ``economics``, ``institutions``: the generated
    stubs' methods, each returning an awaitable grpc.aio call. Use
    ``dyad_client.aio.connect()`` to make one, ``await close()`` (or
    ``async with``) when done.
    """

    gateway: Any
    events: Any
    economics: Any
    institutions: Any

    def __init__(self, targets: Dict[str, str], channels: Dict[str, grpc.aio.Channel],
                 timeout: Optional[float], metadata: Metadata):
        self.targets = dict(targets)
        self._channels = channels  # by target
        self.timeout = timeout

        def stub(cls: Any, service: str, part: str) -> _Stub:
            return _Stub(cls, service, channels[targets[part]], timeout, metadata)

        self.gateway = stub(gateway_pb2_grpc.RelationsGatewayStub,
                            "dyad.gateway.v1.RelationsGateway", "gateway")
        self.events = stub(event_service_pb2_grpc.EventServiceStub,
                           "dyad.events.v1.EventService", "events")
        self.economics = stub(economics_pb2_grpc.EconomicsServiceStub,
                              "dyad.economics.v1.EconomicsService", "economics")
        self.institutions = stub(institutions_pb2_grpc.InstitutionServiceStub,
                                 "dyad.institutions.v1.InstitutionService", "institutions")
        self._health = {
            part: _Method(channels[targets[part]].unary_unary(
                _health.CHECK_METHOD,
                request_serializer=_health.HealthCheckRequest.SerializeToString,
                response_deserializer=_health.HealthCheckResponse.FromString,
            ), _health.CHECK_METHOD, timeout, metadata)
            for part in targets
        }

    async def close(self, grace: Optional[float] = None) -> None:
        for c in self._channels.values():
            await c.close(grace)

    async def __aenter__(self) -> "AsyncDyadClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def wait_ready(self, timeout: float = 10.0, parts: Sequence[str] = ("gateway",)) -> None:
        """Waits until the channels of ``parts`` are connected; raises
        DyadError(UNAVAILABLE) after ``timeout`` seconds."""
        for part in parts:
            try:
                await asyncio.wait_for(self._channels[self.targets[part]].channel_ready(), timeout)
            except asyncio.TimeoutError:
                raise DyadError(grpc.StatusCode.UNAVAILABLE,
                                f"{part} at {self.targets[part]} not reachable within {timeout}s") from None

    async def health(self, service: str = "", *, part: Optional[str] = None) -> str:
        """grpc.health.v1 status of ``service`` ("SERVING", ...), asked of the
        process serving it (see DyadClient.health)."""
        asked = part or _SERVICE_OF.get(service) or "gateway"
        response = await self._health[asked](_health.HealthCheckRequest(service=service))
        return _health.status_name(response)

    def iter_events(self, *, request: Optional[event_service_pb2.ListEventsRequest] = None,
                    timeout: Optional[float] = None,
                    **filters: Any) -> "AsyncPages[event_pb2.Event]":
        """As DyadClient.iter_events, for ``async for``."""
        req = _request(event_service_pb2.ListEventsRequest, request, filters, ["period"])
        return AsyncPages(self.events.ListEvents, req, "events", timeout or self.timeout,
                          frames.events_frame)

    def iter_observations(self, *,
                          request: Optional[economics_pb2.ListObservationsRequest] = None,
                          timeout: Optional[float] = None,
                          **filters: Any) -> "AsyncPages[economics_pb2.Observation]":
        """As DyadClient.iter_observations, for ``async for``."""
        req = _request(economics_pb2.ListObservationsRequest, request, filters, ["period"])
        return AsyncPages(self.economics.ListObservations, req, "observations",
                          timeout or self.timeout, frames.observations_frame)

    def iter_institutions(self, *,
                          request: Optional[institutions_pb2.ListInstitutionsRequest] = None,
                          timeout: Optional[float] = None,
                          **filters: Any) -> "AsyncPages[institutions_pb2.Institution]":
        """As DyadClient.iter_institutions, for ``async for``."""
        req = _request(institutions_pb2.ListInstitutionsRequest, request, filters, ["founded"])
        return AsyncPages(self.institutions.ListInstitutions, req, "institutions",
                          timeout or self.timeout, frames.institutions_frame)

    def iter_timeline(self, *, request: Optional[gateway_pb2.GetTimelineRequest] = None,
                      timeout: Optional[float] = None,
                      **filters: Any) -> "AsyncPages[gateway_pb2.TimelineEntry]":
        """As DyadClient.iter_timeline, for ``async for``."""
        req = _request(gateway_pb2.GetTimelineRequest, request, filters, ["period"])
        return AsyncPages(self.gateway.GetTimeline, req, "entries", timeout or self.timeout,
                          frames.timeline_frame)


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
) -> AsyncDyadClient:
    """An asyncio client; arguments as ``dyad_client.connect``. No call is
    made here; use ``async with`` (or ``await client.close()``)."""
    gateway = target or os.environ.get("DYAD_TARGET") or DEFAULT_TARGET
    targets = {
        "gateway": gateway,
        "events": events or os.environ.get("DYAD_EVENTS_TARGET") or gateway,
        "economics": economics or os.environ.get("DYAD_ECONOMICS_TARGET") or gateway,
        "institutions": institutions or os.environ.get("DYAD_INSTITUTIONS_TARGET") or gateway,
    }
    metadata = [("authorization", f"Bearer {token}")] if token else []
    channels: Dict[str, grpc.aio.Channel] = {}
    for t in dict.fromkeys(targets.values()):
        channels[t] = (grpc.aio.secure_channel(t, credentials, options=list(options)) if credentials
                       else grpc.aio.insecure_channel(t, options=list(options)))
    return AsyncDyadClient(targets, channels, timeout, metadata)


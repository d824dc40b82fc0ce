"""DyadError: every failed call, with its gRPC code and the server's message."""

from __future__ import annotations

from typing import Optional, Tuple

import grpc

__all__ = ["DyadError"]

Metadata = Tuple[Tuple[str, "str | bytes"], ...]


class DyadError(grpc.RpcError):
    """A call to a Dyad service failed.

    It is a ``grpc.RpcError``, so code written for plain gRPC stubs
    (``except grpc.RpcError as e: e.code(), e.details()``) keeps working, and
    it has the same accessors as the errors grpcio raises:

      code():              the ``grpc.StatusCode`` (``StatusCode.INVALID_ARGUMENT``)
      details():           the server's message ("page_size: must not be negative, got -1")
      trailing_metadata(), initial_metadata(): as received (empty when unknown)

    plus, for convenience:

      code_name: the canonical name ("INVALID_ARGUMENT"), the string the
                 gateway reports in a ``Part``
      message:   the same text as details()
      method:    "/dyad.events.v1.EventService/ListEvents" when known

    The original ``grpc.RpcError`` (or ``grpc.aio.AioRpcError``) is kept as
    ``__cause__``.
    """

    def __init__(self, code: grpc.StatusCode, message: str, method: Optional[str] = None, *,
                 trailing_metadata: Metadata = (), initial_metadata: Metadata = ()):
        self._code = code
        self.message = message
        self.method = method
        self._trailing = tuple(trailing_metadata or ())
        self._initial = tuple(initial_metadata or ())
        super().__init__(str(self))

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self.message

    def trailing_metadata(self) -> Metadata:
        return self._trailing

    def initial_metadata(self) -> Metadata:
        return self._initial

    @property
    def code_name(self) -> str:
        return self._code.name

    def __str__(self) -> str:
        where = f" ({self.method})" if self.method else ""
        return f"{self._code.name}: {self.message}{where}"

    def __repr__(self) -> str:
        return f"DyadError({self._code.name}, {self.message!r})"

    @classmethod
    def from_rpc_error(cls, err: BaseException, method: Optional[str] = None) -> "DyadError":
        """The DyadError for a failure raised by grpcio (sync or asyncio)."""
        if isinstance(err, DyadError):
            return err
        code = _call(err, "code")
        if not isinstance(code, grpc.StatusCode):
            code = grpc.StatusCode.UNKNOWN
        return cls(code, _call(err, "details") or "", method,
                   trailing_metadata=_call(err, "trailing_metadata") or (),
                   initial_metadata=_call(err, "initial_metadata") or ())


def _call(err: BaseException, name: str):
    fn = getattr(err, name, None)
    if not callable(fn):
        return None
    try:
        return fn()
    except Exception:  # an RpcError that is not a finished Call
        return None

"""DyadError: every failed call, with its gRPC code and the server's message."""

from __future__ import annotations

from typing import Optional

import grpc

__all__ = ["DyadError"]


class DyadError(Exception):
    """A call to a Dyad service failed.

    Attributes:
      code:    the ``grpc.StatusCode`` (e.g. ``grpc.StatusCode.INVALID_ARGUMENT``).
      message: the server's message, e.g. "page_size: must not be negative, got -1".
      method:  the full method name, "/dyad.events.v1.EventService/ListEvents",
               when known.

    ``code_name`` is the canonical name ("INVALID_ARGUMENT"), the same string
    the gateway reports in a ``Part``. The original ``grpc.RpcError`` is kept
    as ``__cause__``.
    """

    def __init__(self, code: grpc.StatusCode, message: str, method: Optional[str] = None):
        self.code = code
        self.message = message
        self.method = method
        super().__init__(str(self))

    @property
    def code_name(self) -> str:
        return self.code.name

    def __str__(self) -> str:
        where = f" ({self.method})" if self.method else ""
        return f"{self.code.name}: {self.message}{where}"

    def __repr__(self) -> str:
        return f"DyadError({self.code.name}, {self.message!r})"

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError, method: Optional[str] = None) -> "DyadError":
        code = err.code() if callable(getattr(err, "code", None)) else None
        details = err.details() if callable(getattr(err, "details", None)) else None
        if not isinstance(code, grpc.StatusCode):
            code = grpc.StatusCode.UNKNOWN
        return cls(code, details or "", method)

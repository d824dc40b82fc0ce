"""Finds the generated protobuf/gRPC modules (build/python by default).

The stubs are generated at build time by clients/python/generate.sh, not
checked in. They are looked up, in order, on the current sys.path, then in
$DYAD_PYTHON_GEN, $DYAD_BUILD_DIR/python and <repo>/build/python.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parents[3]


def _candidates() -> list[Path]:
    out = []
    if os.environ.get("DYAD_PYTHON_GEN"):
        out.append(Path(os.environ["DYAD_PYTHON_GEN"]))
    if os.environ.get("DYAD_BUILD_DIR"):
        out.append(Path(os.environ["DYAD_BUILD_DIR"]) / "python")
    out.append(_REPO / "build" / "python")
    return out


def _find() -> None:
    try:
        importlib.import_module("dyad.type.v1.date_pb2")
        return
    except ImportError:
        pass
    tried = []
    for c in _candidates():
        tried.append(str(c))
        if (c / "dyad" / "type" / "v1" / "date_pb2.py").is_file():
            sys.path.insert(0, str(c))
            for name in [m for m in sys.modules if m == "dyad" or m.startswith("dyad.")]:
                del sys.modules[name]  # a failed partial import must not stick
            importlib.invalidate_caches()
            return
    raise ImportError(
        "dyad_client: generated stubs not found (looked on sys.path and in "
        + ", ".join(tried)
        + "). Run clients/python/generate.sh, or set DYAD_PYTHON_GEN to its output."
    )


_find()

from dyad.type.v1 import actor_pb2, citation_pb2, date_pb2, quantity_pb2  # noqa: E402
from dyad.events.v1 import event_pb2, event_service_pb2, event_service_pb2_grpc  # noqa: E402
from dyad.economics.v1 import economics_pb2, economics_pb2_grpc  # noqa: E402
from dyad.institutions.v1 import institutions_pb2, institutions_pb2_grpc  # noqa: E402
from dyad.gateway.v1 import gateway_pb2, gateway_pb2_grpc  # noqa: E402

__all__ = [
    "actor_pb2",
    "citation_pb2",
    "date_pb2",
    "quantity_pb2",
    "event_pb2",
    "event_service_pb2",
    "event_service_pb2_grpc",
    "economics_pb2",
    "economics_pb2_grpc",
    "institutions_pb2",
    "institutions_pb2_grpc",
    "gateway_pb2",
    "gateway_pb2_grpc",
]

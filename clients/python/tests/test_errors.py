"""DyadError and connect() pieces that need no server."""

import importlib
import os
import sys
import types
import unittest
from unittest import mock

import grpc

import harness  # noqa: F401
import dyad_client as dc


class FakeRpcError(grpc.RpcError, grpc.Call):
    def __init__(self, code, details):
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return (("retry-after", "1"),) if self._code else None

    # grpc.Call's other abstract methods, unused here.
    def initial_metadata(self): return None
    def is_active(self): return False
    def time_remaining(self): return None
    def cancel(self): return False
    def add_callback(self, callback): return False


class DyadErrorTest(unittest.TestCase):
    def test_from_rpc_error(self):
        e = dc.DyadError.from_rpc_error(
            FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "page_size: must not be negative"),
            "/dyad.events.v1.EventService/ListEvents")
        self.assertIsInstance(e, grpc.RpcError)
        self.assertEqual(e.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(e.details(), "page_size: must not be negative")
        self.assertEqual(e.trailing_metadata(), (("retry-after", "1"),))
        self.assertEqual(e.initial_metadata(), ())
        self.assertEqual(e.code_name, "INVALID_ARGUMENT")
        self.assertEqual(e.message, "page_size: must not be negative")
        self.assertEqual(str(e), "INVALID_ARGUMENT: page_size: must not be negative "
                                 "(/dyad.events.v1.EventService/ListEvents)")
        self.assertIn("INVALID_ARGUMENT", repr(e))

    def test_missing_code_is_unknown(self):
        e = dc.DyadError.from_rpc_error(FakeRpcError(None, None))
        self.assertEqual(e.code(), grpc.StatusCode.UNKNOWN)
        self.assertEqual(e.details(), "")
        self.assertEqual(e.trailing_metadata(), ())
        self.assertEqual(str(e), "UNKNOWN: ")


    def test_caught_as_plain_grpc_error(self):
        """Code written for grpcio's own errors handles a DyadError unchanged."""
        try:
            raise dc.DyadError(grpc.StatusCode.NOT_FOUND, "events/x not found")
        except grpc.RpcError as e:
            self.assertEqual((e.code(), e.details()), (grpc.StatusCode.NOT_FOUND, "events/x not found"))

    def test_from_dyad_error_is_itself(self):
        e = dc.DyadError(grpc.StatusCode.INTERNAL, "x")
        self.assertIs(dc.DyadError.from_rpc_error(e), e)


class HealthMessagesTest(unittest.TestCase):
    """health() uses grpc_health.v1's messages when grpcio-health-checking is
    installed (Debian has no package of it: the builtin ones otherwise)."""

    def tearDown(self):
        importlib.reload(dc._health)

    def test_standard_messages_preferred(self):
        class Req: pass  # noqa: E701
        class Resp: pass  # noqa: E701
        health_pb2 = types.ModuleType("grpc_health.v1.health_pb2")
        health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse = Req, Resp
        fake = {"grpc_health": types.ModuleType("grpc_health"),
                "grpc_health.v1": types.ModuleType("grpc_health.v1"),
                "grpc_health.v1.health_pb2": health_pb2}
        fake["grpc_health"].v1 = fake["grpc_health.v1"]
        fake["grpc_health.v1"].health_pb2 = health_pb2
        with mock.patch.dict(sys.modules, fake):
            importlib.reload(dc._health)
            self.assertEqual(dc._health.SOURCE, "grpc_health")
            self.assertIs(dc._health.HealthCheckRequest, Req)
            self.assertIs(dc._health.HealthCheckResponse, Resp)

    def test_builtin_messages_otherwise(self):
        with mock.patch.dict(sys.modules, {"grpc_health": None}):
            importlib.reload(dc._health)
            self.assertEqual(dc._health.SOURCE, "builtin")
            req = dc._health.HealthCheckRequest(service="dyad.events.v1.EventService")
            self.assertEqual(req.DESCRIPTOR.full_name, "grpc.health.v1.HealthCheckRequest")
            resp = dc._health.HealthCheckResponse.FromString(b"\x08\x01")
            self.assertEqual(dc._health.status_name(resp), "SERVING")


class ConnectTest(unittest.TestCase):
    def test_targets(self):
        with mock.patch.dict(os.environ, {"DYAD_TARGET": "", "DYAD_EVENTS_TARGET": "ev:2"}):
            with dc.connect() as c:
                self.assertEqual(c.targets, {"gateway": dc.DEFAULT_TARGET, "events": "ev:2",
                                             "economics": dc.DEFAULT_TARGET,
                                             "institutions": dc.DEFAULT_TARGET})
            with dc.connect("gw:1", economics="ec:3") as c:
                self.assertEqual(c.targets["gateway"], "gw:1")
                self.assertEqual(c.targets["economics"], "ec:3")
                self.assertEqual(c.targets["institutions"], "gw:1")


if __name__ == "__main__":
    unittest.main()

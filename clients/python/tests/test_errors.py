"""DyadError and connect() pieces that need no server."""

import os
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

    # grpc.Call's other abstract methods, unused here.
    def initial_metadata(self): return None
    def trailing_metadata(self): return None
    def is_active(self): return False
    def time_remaining(self): return None
    def cancel(self): return False
    def add_callback(self, callback): return False


class DyadErrorTest(unittest.TestCase):
    def test_from_rpc_error(self):
        e = dc.DyadError.from_rpc_error(
            FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "page_size: must not be negative"),
            "/dyad.events.v1.EventService/ListEvents")
        self.assertEqual(e.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(e.code_name, "INVALID_ARGUMENT")
        self.assertEqual(e.message, "page_size: must not be negative")
        self.assertEqual(str(e), "INVALID_ARGUMENT: page_size: must not be negative "
                                 "(/dyad.events.v1.EventService/ListEvents)")
        self.assertIn("INVALID_ARGUMENT", repr(e))

    def test_missing_code_is_unknown(self):
        e = dc.DyadError.from_rpc_error(FakeRpcError(None, None))
        self.assertEqual(e.code, grpc.StatusCode.UNKNOWN)
        self.assertEqual(e.message, "")
        self.assertEqual(str(e), "UNKNOWN: ")


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

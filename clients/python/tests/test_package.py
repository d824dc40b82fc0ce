"""The installed distribution: what `pip install ./clients/python` put where.

run_tests.sh installs the package into a fresh virtual environment (and a
built wheel into another) and sets $DYAD_EXPECT_INSTALLED to that
environment's prefix; these tests then check that the code under test is
the installed copy, stubs and typing markers included, and that it talks to
a real server. Without the variable (a run from a checkout) they are skipped.
"""

import importlib.metadata
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

import harness
import dyad_client as dc
import dyad

EXPECT = os.environ.get("DYAD_EXPECT_INSTALLED")
suite = harness.Suite()


def setUpModule():
    if not EXPECT:
        raise unittest.SkipTest("not an installed run (run_tests.sh sets DYAD_EXPECT_INSTALLED)")


def tearDownModule():
    suite.stop()


def site_packages() -> Path:
    return Path(dc.__file__).resolve().parents[1]


class InstalledTest(unittest.TestCase):
    def test_imported_from_the_environment_not_the_checkout(self):
        prefix = Path(EXPECT).resolve()
        self.assertEqual(Path(sys.prefix).resolve(), prefix)
        for module in (dc, dyad, dc._gen.event_service_pb2):
            path = Path(module.__file__).resolve()
            self.assertTrue(path.is_relative_to(prefix), f"{module.__name__} from {path}")
            self.assertIn("site-packages", path.parts)
            self.assertFalse(path.is_relative_to(harness.REPO / "clients" / "python"),
                             f"{module.__name__} from the source tree")

    def test_metadata(self):
        self.assertEqual(importlib.metadata.version("dyad-client"), dc.__version__)
        requires = importlib.metadata.requires("dyad-client") or []
        names = {re.match(r"[A-Za-z0-9_.-]+", r).group() for r in requires}
        self.assertTrue({"grpcio", "protobuf", "pandas", "grpcio-health-checking"} <= names, names)
        self.assertTrue(any(re.search(r"extra == .pandas.", r) for r in requires), requires)

    def test_stubs_and_typing_markers_are_in_the_distribution(self):
        files = {str(f) for f in importlib.metadata.files("dyad-client") or []}
        for f in ["dyad_client/py.typed", "dyad_client/aio.py", "dyad_client/frames.py",
                  "dyad/py.typed",
                  "dyad/events/v1/event_service_pb2.py", "dyad/events/v1/event_service_pb2.pyi",
                  "dyad/events/v1/event_service_pb2_grpc.py",
                  "dyad/gateway/v1/gateway_pb2_grpc.py", "dyad/type/v1/date_pb2.pyi",
                  "dyad/economics/v1/__init__.py"]:
            self.assertIn(f, files)
            self.assertTrue((site_packages() / f).is_file(), f)
        self.assertFalse(any(f.startswith(("tests/", "examples/")) for f in files), files)

    def test_generated_messages_are_the_protos(self):
        self.assertEqual(dc.pb.events.ListEventsRequest.DESCRIPTOR.full_name,
                         "dyad.events.v1.ListEventsRequest")
        self.assertIn("GetYearInReview",
                      dc.pb.gateway.DESCRIPTOR.services_by_name["RelationsGateway"].methods_by_name)

    def test_calls_a_real_server(self):
        reason = harness.skip_reason("events")
        if reason:
            self.skipTest(reason)
        server = suite.start_backend("events")
        with dc.connect(server.target, timeout=10) as dyad:
            self.assertEqual(dyad.health("dyad.events.v1.EventService"), "SERVING")
            events = list(dyad.iter_events(countries=["AZE", "CHN"], period=2015, page_size=2))
            self.assertGreater(len(events), 2)
            self.assertTrue(all(e.citations for e in events))

    def test_a_fresh_interpreter_imports_it_from_any_directory(self):
        out = subprocess.run(
            [sys.executable, "-c", "import dyad_client, dyad.gateway.v1.gateway_pb2 as g; "
             "print(dyad_client.__version__, g.DESCRIPTOR.package)"],
            cwd="/", capture_output=True, text=True, timeout=60,
            env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DYAD_PYTHON_GEN",
                                                                  "DYAD_BUILD_DIR")})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.split(), [dc.__version__, "dyad.gateway.v1"])


if __name__ == "__main__":
    unittest.main()

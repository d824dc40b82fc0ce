"""examples/year_in_review.py prints real answers against real servers."""

import os
import subprocess
import sys
import unittest

import harness

EXAMPLE = harness.REPO / "clients" / "python" / "examples" / "year_in_review.py"
suite = harness.Suite()


def setUpModule():
    reason = harness.skip_reason("events")
    if reason:
        raise unittest.SkipTest(reason)
    suite.start_backend("events")


def tearDownModule():
    suite.stop()


def run(*args, python=None):
    p = subprocess.run([python or sys.executable, str(EXAMPLE), *args], capture_output=True,
                       text=True, timeout=120, env={**os.environ, "DYAD_TARGET": ""})
    return p.returncode, p.stdout, p.stderr


class ExampleTest(unittest.TestCase):
    def test_events_of_2015_with_citations(self):
        down = f"127.0.0.1:{harness.unused_port()}"
        code, out, err = run("--events", suite.target("events"), "--target", down, "--page-size", "2")
        self.assertEqual(code, 0, err)
        self.assertIn("Events of 2015 between AZE and CHN", out)
        self.assertIn("December 2015", out)
        self.assertIn("cites ", out)
        self.assertIn("date known to the month", out, "precision shown, never invented")
        self.assertIn("not available (UNAVAILABLE): year in review skipped", out)

    @unittest.skipUnless(os.environ.get("DYAD_SOURCE_PYTHON"), "run_tests.sh sets DYAD_SOURCE_PYTHON")
    def test_from_a_checkout_without_installing(self):
        """/usr/bin/python3 (no dyad-client installed) runs the example from the
        source tree, with the stubs CMake generated into build/python."""
        python = os.environ["DYAD_SOURCE_PYTHON"]
        probe = subprocess.run([python, "-c", "import dyad_client"], capture_output=True, cwd="/")
        if probe.returncode == 0:
            self.skipTest(f"dyad-client is installed for {python}")
        code, out, err = run("--events", suite.target("events"), "--target",
                             f"127.0.0.1:{harness.unused_port()}", python=python)
        self.assertEqual(code, 0, err)
        self.assertIn("Events of 2015 between AZE and CHN", out)

    def test_events_service_down_fails(self):
        down = f"127.0.0.1:{harness.unused_port()}"
        code, _, err = run("--events", down, "--target", down)
        self.assertEqual(code, 1)
        self.assertIn("UNAVAILABLE", err)

    @unittest.skipIf(harness.skip_reason("gateway", *harness.BACKENDS),
                     harness.skip_reason("gateway", *harness.BACKENDS))
    def test_year_in_review_2019_through_the_gateway(self):
        full = harness.Suite()
        try:
            full.start_all()
            code, out, err = run("--events", full.target("events"), "--target", full.target("gateway"))
        finally:
            full.stop()
        self.assertEqual(code, 0, err)
        self.assertIn("Year in review 2019", out)
        backends = next(l for l in out.splitlines() if l.strip().startswith("backends:"))
        for part in harness.BACKENDS:
            self.assertIn(f"{part} OK", backends)


if __name__ == "__main__":
    unittest.main()

"""Type checkers see the package's signatures (py.typed, .pyi of the messages).

Runs mypy (Debian's `mypy` package) on the importable dyad_client and on a
user's snippet, as an editor would: iterators yield typed messages, fields
have their types, a field used as the wrong type is an error.
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

SNIPPET = textwrap.dedent('''\
    import dyad_client as dc
    from dyad.events.v1 import event_pb2

    def sync() -> None:
        with dc.connect() as dyad:
            pages = dyad.iter_events(countries=["AZE", "CHN"], period=2015)
            reveal_type(pages)
            for e in pages:
                reveal_type(e.title)
                reveal_type(e.date)

    async def asynchronous() -> None:
        async with dc.aio.connect() as dyad:
            async for o in dyad.iter_observations(indicator="trade.turnover"):
                reveal_type(o.value.value)
            reveal_type(await dyad.health(""))

    def wrong(e: event_pb2.Event) -> int:
        return e.title
''')


def mypy(*args: str, cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary",
                           "--ignore-missing-imports", "--cache-dir", os.path.join(cwd, ".mypy"),
                           *args], cwd=cwd, capture_output=True, text=True, timeout=300)


class TypingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.environ.get("DYAD_EXPECT_INSTALLED"):
            raise unittest.SkipTest("checks the installed package (run_tests.sh)")
        probe = subprocess.run([sys.executable, "-c", "import mypy"], capture_output=True)
        if probe.returncode != 0:
            raise AssertionError("mypy missing: apt-get install mypy (scripts/install-deps.sh)")
        cls.tmp = tempfile.TemporaryDirectory(prefix="dyad-typing-")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_package_checks_clean(self):
        # grpc, protobuf and pandas ship no types (Debian has no stubs): Any.
        r = mypy("--disable-error-code=import", "-p", "dyad_client", cwd=self.tmp.name)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_user_code_sees_message_types(self):
        Path(self.tmp.name, "snippet.py").write_text(SNIPPET)
        r = mypy("snippet.py", cwd=self.tmp.name)
        out = r.stdout
        self.assertIn('Revealed type is "dyad_client.client.Pages[dyad.events.v1.event_pb2.Event]"', out)
        self.assertIn('Revealed type is "builtins.str"', out)
        self.assertIn('Revealed type is "dyad.type.v1.date_pb2.PartialDate"', out)
        self.assertIn('Revealed type is "builtins.float"', out)
        self.assertRegex(out, r'snippet.py:19: error: Incompatible return value type '
                              r'\(got "str", expected "int"\)')
        self.assertEqual(out.count("error:"), 1, out)


if __name__ == "__main__":
    unittest.main()

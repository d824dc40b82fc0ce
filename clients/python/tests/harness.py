"""Starts the real Dyad binaries on free ports for the client tests.

Each server runs with --port=0 --host=127.0.0.1 and an in-memory database;
the harness waits for its "serving ... port=N" log line, and stops it by its
own pid (SIGTERM, then SIGKILL after a grace period). Nothing else is ever
signalled.

The build directory is $DYAD_BUILD_DIR, else <repo>/build.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(__file__).resolve().parents[3]
# The client: the installed package (run_tests.sh installs it into a fresh
# venv and runs these tests with that venv's python); else, in a checkout,
# the source (clients/python) with the stubs in build/python.
try:
    import dyad_client  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "clients" / "python"))
BUILD = Path(os.environ.get("DYAD_BUILD_DIR") or REPO / "build")
BACKENDS = ("events", "economics", "institutions")
_PORT = re.compile(r"serving .* port=(\d+)")


def binary(name: str) -> Optional[Path]:
    """Path of build/bin/dyad-<name> when it exists and is executable."""
    p = BUILD / "bin" / f"dyad-{name}"
    return p if p.is_file() and os.access(p, os.X_OK) else None


def missing(*names: str) -> List[str]:
    return [f"dyad-{n}" for n in names if binary(n) is None]


def required() -> set:
    """Binaries the build tree defines ($DYAD_REQUIRED_BINARIES, set by
    tests/cmake/clients.cmake): missing one of those is a failure, not a skip."""
    return {n.strip() for n in os.environ.get("DYAD_REQUIRED_BINARIES", "").split(",") if n.strip()}


def skip_reason(*names: str) -> Optional[str]:
    """None when every dyad-<name> is built; else why to skip. Raises when a
    missing one is required (defined by the tree but not built)."""
    gone = [n for n in names if binary(n) is None]
    if not gone:
        return None
    must = [f"dyad-{n}" for n in gone if n in required()]
    if must:
        raise RuntimeError(f"{', '.join(must)} missing from {BUILD / 'bin'} although the build "
                           "defines it: build first (ninja -C build)")
    return f"needs {', '.join('dyad-' + n for n in gone)} (not built in {BUILD / 'bin'})"


def unused_port() -> int:
    """A port nothing listens on (bound then released), for "backend down"."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, argv: List[str], timeout: float = 30.0,
                 env: Optional[Dict[str, str]] = None):
        self.name = name
        self._log = tempfile.NamedTemporaryFile(prefix=f"dyad-{name}-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        self.port = self._wait_serving(timeout)
        self.target = f"127.0.0.1:{self.port}"

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def _wait_serving(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = _PORT.search(self.log())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                raise RuntimeError(f"dyad-{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dyad-{self.name}: no serving line within {timeout}s:\n{self.log()}")

    def stop(self, grace: float = 15.0) -> Optional[int]:
        """SIGTERM by pid, wait, SIGKILL by pid if it lingers."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        try:
            os.unlink(self._log.name)
        except FileNotFoundError:
            pass
        return self.proc.returncode


class Suite:
    """A set of running servers; stop() stops them all (gateway first)."""

    def __init__(self) -> None:
        self.servers: Dict[str, Server] = {}

    def start_backend(self, name: str, env: Optional[Dict[str, str]] = None) -> Server:
        exe = binary(name)
        if exe is None:
            raise FileNotFoundError(f"dyad-{name} is not built in {BUILD / 'bin'}")
        s = Server(name, [str(exe), "--port=0", "--host=127.0.0.1", "--db=:memory:",
                          f"--plugins={BUILD / 'plugins'}", "--shutdown_grace=2s"], env=env)
        self.servers[name] = s
        return s

    def start_gateway(self, events: str, economics: str, institutions: str) -> Server:
        exe = binary("gateway")
        if exe is None:
            raise FileNotFoundError(f"dyad-gateway is not built in {BUILD / 'bin'}")
        s = Server("gateway", [str(exe), "--port=0", "--host=127.0.0.1",
                               f"--events={events}", f"--economics={economics}",
                               f"--institutions={institutions}"])
        self.servers["gateway"] = s
        return s

    def start_all(self) -> None:
        """The three backends, then the gateway in front of them."""
        for b in BACKENDS:
            self.start_backend(b)
        self.start_gateway(*(self.target(b) for b in BACKENDS))

    def target(self, name: str) -> str:
        return self.servers[name].target

    def stop(self) -> None:
        for name in sorted(self.servers, key=lambda n: n != "gateway"):
            self.servers[name].stop()
        self.servers.clear()

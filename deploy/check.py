#!/usr/bin/python3
"""Structural check of Dyad's deployment files (deploy/).

Renders a Kustomize overlay offline and checks the manifests against each
other, against deploy/docker/Dockerfile and against the real binaries of a
build tree:

  * every Deployment runs one of the four servers (by image name) with gRPC
    readiness, liveness (and startup) probes whose port is the container port
    and the DYAD_PORT of its configuration, and whose `service` is the health
    name that binary reports in its "serving" log line;
  * every DYAD_* variable a container gets is a flag of that binary, as its
    own `--help` lists them (a renamed flag fails the check), and the binary,
    started with that configuration, comes up, answers grpc.health.v1 Check
    for the probe's service with SERVING, refuses or accepts a write (an
    empty one, so nothing is stored) as the manifests intend, and stops
    cleanly on SIGTERM;
  * Services' target ports are container ports, the backends' Services are
    headless (port = targetPort = containerPort), the gateway's targets name
    those Services and ports;
  * securityContext (non-root, read-only root, no privilege escalation, no
    capabilities, seccomp RuntimeDefault), writable /data and /tmp volumes,
    resources, preStop pause and terminationGracePeriodSeconds > preStop +
    DYAD_SHUTDOWN_GRACE + 1s;
  * NetworkPolicies let only the gateway's pods reach the backends (and the
    gateway reach them and DNS), a PodDisruptionBudget per server, the
    gateway's HorizontalPodAutoscaler;
  * the database: DYAD_DB is SQLite (a file on a writable volume, or
    :memory:) or a PostgreSQL URI; a URI carries no password and comes from
    a Secret, the password is a file from a mounted Secret
    (DYAD_DB_PASSWORD_FILE), never an argument or an environment value
    (PGPASSWORD), and the backend's egress policy lets it reach the database
    port; prod runs every backend on PostgreSQL, dev keeps SQLite;
  * the write policy: a backend with a write token runs exactly one replica
    unless its database is PostgreSQL (each replica would have its own
    SQLite file), and several writing replicas on one PostgreSQL keep no
    per-replica result cache (DYAD_RESULT_CACHE_ENTRIES=0);
  * the Dockerfile: a target per server with the right ENTRYPOINT, EXPOSE and
    user, every source folder the top-level CMakeLists.txt needs, and a
    runtime package for every shared library the binaries, plugins and
    libdyad_proto.so link (readelf + dpkg -S on the build tree);
  * the web front (dyad-web, web/dist/server.js run by Node): its Deployment
    keeps the pod promises above, probes /healthz over HTTP on its DYAD_PORT,
    sets only flags that `server.js --help` lists, names the gateway's and
    the backends' Services as its targets, and started with the rendered
    configuration answers /healthz with 200 and stops cleanly on SIGTERM;
    its NetworkPolicy lets it reach exactly what it forwards to, whose
    policies let it in; a Service and a PodDisruptionBudget select it; every
    Ingress routes to its Service's port; the Dockerfile's dyad-web target
    runs server.js with Debian's nodejs as a non-root user.

Usage (from anywhere; paths default to this repository):
  check.py --render-only dev                    render, parse, print a summary
  check.py --build-dir build dev prod           render and check
  check.py --build-dir build --rendered f.yaml --profile prod
  check.py --build-dir build --self-test dev prod   each deliberate break of
                                                the manifests must be caught

Exit status: 0 ok, 1 problems found (one line each), 77 when kubectl (or
kustomize) is not installed.
"""

import argparse
import copy
import hashlib
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import base64

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.stderr.write("check.py: needs PyYAML for /usr/bin/python3 (Debian: python3-yaml, "
                     "installed by scripts/install-deps.sh)\n")
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
SKIP = 77

# The process contract (../shared/DESIGN.md, "Contract: processes"): binary,
# health/service name, default port, and a write method (called with an empty
# request to see whether writes are open: auth is checked before the request
# is validated, so nothing is ever written). The binaries themselves are
# asked too; a disagreement is reported.
SERVERS = {
    "dyad-events": ("dyad.events.v1.EventService", 50051, "CreateEvent"),
    "dyad-economics": ("dyad.economics.v1.EconomicsService", 50052, "RecordObservation"),
    "dyad-institutions": ("dyad.institutions.v1.InstitutionService", 50053, "CreateInstitution"),
    "dyad-gateway": ("dyad.gateway.v1.RelationsGateway", 50050, None),
}
GATEWAY = "dyad-gateway"
BACKENDS = ["dyad-events", "dyad-economics", "dyad-institutions"]
# The gateway flag that names each backend's target.
TARGET_FLAGS = {"DYAD_EVENTS": "dyad-events", "DYAD_ECONOMICS": "dyad-economics",
                "DYAD_INSTITUTIONS": "dyad-institutions"}
# The web front: not a gRPC server but a Node script (web/dist/server.js,
# built by web/scripts/build.sh) with the servers' flag conventions; its
# probe is HTTP. The targets it forwards to, by flag.
WEB = "dyad-web"
WEB_HEALTH_PATH = "/healthz"
WEB_TARGET_FLAGS = {"DYAD_GATEWAY": "dyad-gateway", "DYAD_EVENTS": "dyad-events",
                    "DYAD_ECONOMICS": "dyad-economics", "DYAD_INSTITUTIONS": "dyad-institutions"}
# Packages of debian:12-slim itself (Priority: required), not listed again.
BASE_PACKAGES = {"libc6", "libgcc-s1"}
SERVER_MARGIN_SECONDS = 1  # ServerRunner::Shutdown waits until grace + 1s


# ---------------------------------------------------------------- helpers

def parse_duration(text):
    """absl::Duration text (10s, 1m30s, 500ms, 1.5h, 0) -> seconds."""
    text = str(text).strip()
    if text in ("0", "-0", "+0"):
        return 0.0
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    m = re.fullmatch(r"([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|ms|s|m|h))+", text)
    if not m:
        raise ValueError("not a duration: %r" % text)
    total = 0.0
    for num, unit in re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|ms|s|m|h)", text):
        total += float(num) * units[unit]
    return -total if text.startswith("-") else total


def parse_quantity(q):
    """Kubernetes quantity -> float (cores or bytes)."""
    s = str(q).strip()
    suffixes = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
                "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
                "P": 1e15, "E": 1e18}
    for suf in sorted(suffixes, key=len, reverse=True):
        if s.endswith(suf) and re.fullmatch(r"[0-9.]+", s[:-len(suf)] or "x"):
            return float(s[:-len(suf)]) * suffixes[suf]
    if re.fullmatch(r"[0-9.]+(e[0-9]+)?", s):
        return float(s)
    raise ValueError("not a quantity: %r" % q)


def selects(selector, labels):
    """A LabelSelector (matchLabels / matchExpressions) against labels."""
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and labels.get(key) in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def image_basename(image):
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def image_tag(image):
    if "@" in image:
        return "@" + image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def sleep_seconds(prestop):
    """Seconds a preStop handler pauses, or None when it is not a pause."""
    if not prestop:
        return None
    if "sleep" in prestop:  # the native sleep action (Kubernetes 1.29+)
        return float(prestop["sleep"].get("seconds", 0))
    cmd = (prestop.get("exec") or {}).get("command") or []
    if len(cmd) == 2 and os.path.basename(cmd[0]) == "sleep":
        return float(cmd[1])
    if len(cmd) == 3 and os.path.basename(cmd[0]) in ("sh", "bash") and cmd[1] == "-c":
        m = re.fullmatch(r"\s*sleep\s+(\d+(?:\.\d+)?)\s*", cmd[2])
        if m:
            return float(m.group(1))
    return None


# ------------------------------------------------------------- rendering

def find_renderer(kubectl):
    if kubectl and shutil.which(kubectl):
        return [shutil.which(kubectl), "kustomize"]
    if shutil.which("kubectl"):
        return [shutil.which("kubectl"), "kustomize"]
    if shutil.which("kustomize"):
        return [shutil.which("kustomize"), "build"]
    return None


def render(overlay_dir, kubectl=None):
    """Renders offline: no cluster (empty kubeconfig) and no network (a proxy
    that refuses), so a remote base or a cluster lookup fails the render."""
    cmd = find_renderer(kubectl)
    if cmd is None:
        print("SKIP: neither kubectl nor kustomize is installed")
        sys.exit(SKIP)
    with tempfile.NamedTemporaryFile("w", suffix=".kubeconfig") as kc:
        env = dict(os.environ, KUBECONFIG=kc.name, HTTP_PROXY="http://127.0.0.1:9",
                   HTTPS_PROXY="http://127.0.0.1:9", http_proxy="http://127.0.0.1:9",
                   https_proxy="http://127.0.0.1:9", NO_PROXY="", no_proxy="")
        p = subprocess.run(cmd + [overlay_dir], capture_output=True, text=True, env=env,
                           timeout=120)
    if p.returncode != 0:
        raise RuntimeError("%s %s failed:\n%s" % (" ".join(cmd), overlay_dir, p.stderr.strip()))
    return p.stdout


def load_docs(text):
    return [d for d in yaml.safe_load_all(text) if d]


# ------------------------------------------------------------- binaries

class Binaries:
    """Flags, defaults and a live start of each server binary of a build."""

    def __init__(self, build_dir, source_dir=SOURCE_DIR):
        self.build_dir = os.path.abspath(build_dir)
        self.source_dir = os.path.abspath(source_dir)
        self._flags = {}
        self._runs = {}
        self._allowlist = None
        self.tmp = tempfile.mkdtemp(prefix="dyad-deploy-check-")
        # What a mounted token Secret holds in these runs.
        self.token = secrets.token_hex(16)

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, binary):
        return os.path.join(self.build_dir, "bin", binary)

    def web_command(self):
        """[node, web/dist/server.js]: how the web front runs here."""
        node = shutil.which("node")
        script = os.path.join(self.source_dir, "web", "dist", "server.js")
        if node is None:
            raise RuntimeError("node is not installed: the web front (%s) cannot be checked" % WEB)
        if not os.path.isfile(script):
            raise RuntimeError("%s is not built (web/scripts/build.sh; ctest builds it in "
                               "web_build)" % script)
        return [node, script]

    def flags(self, binary):
        """{flag name: default text} from `<binary> --help` (Dyad's own flags)."""
        if binary not in self._flags:
            if binary == WEB:
                cmd = self.web_command()
                exe = " ".join(cmd)
            else:
                exe = self.path(binary)
                if not os.access(exe, os.X_OK):
                    raise RuntimeError("%s is not built (build the tree first: scripts/build.sh)"
                                       % exe)
                cmd = [exe]
            p = subprocess.run(cmd + ["--help"], capture_output=True, text=True, timeout=30,
                               env={"PATH": "/usr/bin:/bin"})
            found = re.findall(r"^\s+--([A-Za-z0-9_]+) \((.*?)\);\s+default: (.*?);\s*$",
                               p.stdout, re.M | re.S)
            flags = {name: default.strip().strip('"') for name, _, default in found}
            if "port" not in flags:
                raise RuntimeError("%s --help listed no --port flag; output:\n%s"
                                   % (exe, p.stdout[:2000]))
            self._flags[binary] = flags
        return self._flags[binary]

    def allowlist(self):
        """sha256sum of build/plugins/*.so, as the image build writes it."""
        if self._allowlist is None:
            lines = []
            pdir = os.path.join(self.build_dir, "plugins")
            for name in sorted(os.listdir(pdir)):
                if name.endswith(".so"):
                    with open(os.path.join(pdir, name), "rb") as f:
                        lines.append("%s  %s\n" % (hashlib.sha256(f.read()).hexdigest(), name))
            self._allowlist = os.path.join(self.tmp, "plugins.sha256")
            with open(self._allowlist, "w") as f:
                f.writelines(lines)
        return self._allowlist

    def run(self, binary, env, health_service, grace_seconds, write_method=None):
        """Starts `binary` with `env` (already mapped to local paths) on a free
        loopback port, checks health, calls `write_method` (a full method
        name) with an empty request without and with self.token, sends
        SIGTERM. Returns a dict with `error` (None when all went well),
        `service`, `write` (the two status codes) and `log`."""
        key = (binary, tuple(sorted(env.items())), health_service, write_method)
        if key in self._runs:
            return self._runs[key]
        full_env = {"PATH": "/usr/bin:/bin", "HOME": self.tmp}
        full_env.update(env)
        full_env["DYAD_PORT"] = "0"
        full_env["DYAD_HOST"] = "127.0.0.1"
        # A metrics endpoint on any free port (-1) rather than the fixed one.
        metrics = full_env.get("DYAD_METRICS_PORT", "0") not in ("", "0")
        if metrics:
            full_env["DYAD_METRICS_PORT"] = "-1"
        result = {"error": None, "service": None, "log": "", "port": None, "write": None}
        proc = subprocess.Popen([self.path(binary)], env=full_env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd=self.tmp)
        lines = []
        serving = threading.Event()

        def reader():
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if is_serving_line(line):
                    serving.set()
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            deadline = time.monotonic() + 30
            while not serving.is_set() and proc.poll() is None and time.monotonic() < deadline:
                serving.wait(0.05)
            if not serving.is_set():
                t.join(2)
                result["error"] = ("did not start (%s); its log:\n    %s" % (
                    "exit code %s" % proc.returncode if proc.poll() is not None
                    else "no 'serving' line within 30s", "\n    ".join(lines[-15:])))
                return result
            line = next(l for l in lines if is_serving_line(l))
            fields = log_fields(line)
            result["service"] = fields.get("service")
            result["port"] = fields.get("port")
            if result["port"] is None:
                result["error"] = "its serving line has no port=: %s" % line
                return result
            status = health_check(result["port"], health_service)
            if status != "SERVING":
                result["error"] = ("grpc.health.v1.Health/Check(service=%r) answered %s, not "
                                   "SERVING (what the kubelet's gRPC probe needs)"
                                   % (health_service, status))
            if metrics and result["error"] is None:
                result["error"] = check_metrics_endpoint(lines)
            if write_method:
                result["write"] = (call_empty(result["port"], write_method, None),
                                   call_empty(result["port"], write_method, self.token))
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=grace_seconds + 5)
                if rc != 0 and result["error"] is None:
                    result["error"] = "exited %d after SIGTERM" % rc
            except subprocess.TimeoutExpired:
                if result["error"] is None:
                    result["error"] = "still running %.0fs after SIGTERM" % (grace_seconds + 5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            t.join(2)
            result["log"] = "\n".join(lines)
            self._runs[key] = result
        return result


    def run_web(self, env, probe_path, grace_seconds):
        """Starts the web front with `env` on a free loopback port, GETs
        `probe_path`, sends SIGTERM. Returns {error, status, log}."""
        key = (WEB, tuple(sorted(env.items())), probe_path)
        if key in self._runs:
            return self._runs[key]
        full_env = {"PATH": "/usr/bin:/bin", "HOME": self.tmp}
        full_env.update(env)
        full_env["DYAD_PORT"] = "0"
        full_env["DYAD_HOST"] = "127.0.0.1"
        result = {"error": None, "status": None, "log": ""}
        proc = subprocess.Popen(self.web_command(), env=full_env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd=self.tmp)
        lines = []
        serving = threading.Event()

        def reader():
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if " serving " in line:
                    serving.set()
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            deadline = time.monotonic() + 30
            while not serving.is_set() and proc.poll() is None and time.monotonic() < deadline:
                serving.wait(0.05)
            if not serving.is_set():
                t.join(2)
                result["error"] = ("did not start (%s); its log:\n    %s" % (
                    "exit code %s" % proc.returncode if proc.poll() is not None
                    else "no 'serving' line within 30s", "\n    ".join(lines[-15:])))
                return result
            m_port = re.search(r"\bport=(\d+)", next(l for l in lines if " serving " in l))
            if not m_port:
                result["error"] = "its serving line has no port="
                return result
            try:
                with urllib.request.urlopen("http://127.0.0.1:%s%s" % (m_port.group(1), probe_path),
                                            timeout=10) as r:
                    result["status"] = r.status
            except urllib.error.HTTPError as e:
                result["status"] = e.code
            except OSError as e:
                result["status"] = str(e)
            if result["status"] != 200:
                result["error"] = ("GET %s answered %s, not 200 (what the kubelet's httpGet probe "
                                   "needs)" % (probe_path, result["status"]))
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=grace_seconds + 5)
                if rc != 0 and result["error"] is None:
                    result["error"] = "exited %d after SIGTERM" % rc
            except subprocess.TimeoutExpired:
                if result["error"] is None:
                    result["error"] = "still running %.0fs after SIGTERM" % (grace_seconds + 5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            t.join(2)
            result["log"] = "\n".join(lines)
            self._runs[key] = result
        return result


def health_check(port, service):
    """grpc.health.v1.Health/Check with hand-encoded protobuf (field 1 string
    in, field 1 enum out), as the kubelet's gRPC probe sends it."""
    try:
        import grpc
    except ImportError:
        return "UNCHECKED (python3-grpcio missing; scripts/install-deps.sh installs it)"
    name = service.encode()
    req = b"\x0a" + _varint(len(name)) + name if name else b""
    try:
        with grpc.insecure_channel("127.0.0.1:%d" % port) as ch:
            call = ch.unary_unary("/grpc.health.v1.Health/Check")
            resp = call(req, timeout=10)
    except grpc.RpcError as e:  # NOT_FOUND for an unknown service name
        return "%s (%s)" % (e.code().name, e.details())
    status = 0
    if len(resp) >= 2 and resp[0] == 0x08:
        status = resp[1]
    return {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}.get(status,
                                                                                 str(status))


def call_empty(port, method, token):
    """The status code name of `method` called with an empty request (and
    `Bearer <token>` when given)."""
    import grpc
    metadata = [("authorization", "Bearer " + token)] if token else None
    try:
        with grpc.insecure_channel("127.0.0.1:%d" % port) as ch:
            ch.unary_unary(method)(b"", timeout=10, metadata=metadata)
    except grpc.RpcError as e:
        return e.code().name
    return "OK"


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


# ------------------------------------------------------------ Dockerfile

class Dockerfile:
    def __init__(self, text):
        self.text = text
        self.stages = {}  # name -> dict(parent, env, user, expose, entrypoint, copies)
        self.order = []
        current = None
        logical = []
        buf = ""
        for raw in text.splitlines():
            line = raw.strip()
            if not buf and (not line or line.startswith("#")):
                continue
            if buf and line.startswith("#"):
                continue  # comment lines inside a continuation are dropped
            if line.endswith("\\"):
                buf += line[:-1] + " "
                continue
            logical.append(buf + line)
            buf = ""
        for inst in logical:
            word, _, rest = inst.partition(" ")
            word = word.upper()
            rest = rest.strip()
            if word == "FROM":
                parts = rest.split()
                name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else parts[0]
                current = {"name": name, "parent": parts[0], "env": {}, "user": None,
                           "expose": [], "entrypoint": None, "copies": [], "runs": [],
                           "args": []}
                self.stages[name] = current
                self.order.append(name)
            elif current is None:
                continue
            elif word == "ENV":
                toks = shlex.split(rest)
                if toks and "=" not in toks[0]:
                    current["env"][toks[0]] = " ".join(toks[1:])
                else:
                    for tok in toks:
                        k, _, v = tok.partition("=")
                        current["env"][k] = v
            elif word == "ARG":
                current["args"].append(rest.split("=", 1)[0].strip())
            elif word == "USER":
                current["user"] = rest
            elif word == "EXPOSE":
                current["expose"] += [int(p.split("/")[0]) for p in rest.split()]
            elif word == "ENTRYPOINT":
                current["entrypoint"] = yaml.safe_load(rest)
            elif word == "COPY":
                toks = [t for t in shlex.split(rest) if not t.startswith("--")]
                from_stage = re.search(r"--from=(\S+)", rest)
                current["copies"].append((from_stage.group(1) if from_stage else None,
                                          toks[:-1], toks[-1]))
            elif word == "RUN":
                current["runs"].append(rest)

    def chain(self, name):
        out = []
        while name in self.stages:
            out.append(self.stages[name])
            name = self.stages[name]["parent"]
        return out  # the stage first, then its ancestors

    def env(self, name):
        env = {}
        for st in reversed(self.chain(name)):
            env.update(st["env"])
        return env

    def user(self, name):
        for st in self.chain(name):
            if st["user"]:
                return st["user"]
        return None

    def runtime_packages(self):
        m = re.search(r"# runtime-packages:begin(.*?)# runtime-packages:end", self.text, re.S)
        if not m:
            return None
        block = m.group(1).replace("\\\n", " ")
        pkgs = set()
        for cmd in re.split(r";|&&", block):
            toks = cmd.split()
            if "apt-get" in toks and "install" in toks:
                for tok in toks[toks.index("install") + 1:]:
                    if not tok.startswith("-"):
                        pkgs.add(tok)
        return pkgs


def cmake_source_dirs(cmakelists_text):
    """Folders the top-level CMakeLists.txt needs with tests and fuzzing off:
    add_subdirectory() outside if(DYAD_BUILD_TESTS|DYAD_FUZZ), and the folders
    of include()d files."""
    dirs = set()
    stack = []
    for line in cmakelists_text.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"if\s*\((.*)\)", line, re.I)
        if m:
            stack.append(m.group(1))
            continue
        if re.match(r"endif\s*\(", line, re.I):
            if stack:
                stack.pop()
            continue
        if any(re.search(r"\bDYAD_(BUILD_TESTS|FUZZ)\b", c) for c in stack):
            continue
        m = re.match(r"add_subdirectory\s*\(\s*([^\s)]+)", line, re.I)
        if m:
            dirs.add(m.group(1))
        m = re.match(r"include\s*\(\s*([^\s)]+/[^\s)]+)\)", line, re.I)
        if m:
            dirs.add(os.path.dirname(m.group(1)))
    out = set()
    for d in dirs:
        for prefix in ("${CMAKE_SOURCE_DIR}/", "${CMAKE_CURRENT_SOURCE_DIR}/",
                       "${PROJECT_SOURCE_DIR}/"):
            if d.startswith(prefix):
                d = d[len(prefix):]
        if d and not d.startswith("/") and "${" not in d:
            out.add(d.strip("/"))
    return out


def check_dockerfile(df, ctx, errors):
    """The Dockerfile against the manifests, CMake and the built libraries."""
    copied = set()
    build_stage = None
    for name in df.order:
        st = df.stages[name]
        for from_stage, srcs, _ in st["copies"]:
            if from_stage is None:
                build_stage = build_stage or name
                copied.update(s.strip("/").rstrip("/") for s in srcs)
    with open(os.path.join(ctx["source_dir"], "CMakeLists.txt")) as f:
        needed = cmake_source_dirs(f.read())
    for d in sorted(needed):
        if d not in copied:
            errors.append("Dockerfile: the build stage does not COPY %s/, which the top-level "
                          "CMakeLists.txt adds" % d)
    if "CMakeLists.txt" not in copied:
        errors.append("Dockerfile: the build stage does not COPY CMakeLists.txt")

    for binary, dep in ctx["deployments"].items():
        if binary == WEB:
            check_web_dockerfile(df, dep, ctx, errors)
            continue
        if binary not in df.stages:
            errors.append("Dockerfile: no target stage %r for the image %s" % (binary, binary))
            continue
        ep = df.stages[binary]["entrypoint"]
        if not ep or os.path.basename(ep[0]) != binary:
            errors.append("Dockerfile: target %s: ENTRYPOINT %r does not run %s"
                          % (binary, ep, binary))
        exposed = df.stages[binary]["expose"]
        port = dep.get("dyad_port")
        if port is not None and port not in exposed:
            errors.append("Dockerfile: target %s EXPOSEs %s, the manifests' DYAD_PORT is %d"
                          % (binary, exposed or "nothing", port))
        user = df.user(binary)
        uid = (user or "").split(":")[0]
        if not uid.isdigit() or uid == "0":
            errors.append("Dockerfile: target %s: USER %r is not a numeric non-root uid"
                          % (binary, user))
        elif dep.get("run_as_user") is not None and int(uid) != dep["run_as_user"]:
            errors.append("Dockerfile: target %s runs as uid %s, the Deployment's runAsUser is %s"
                          % (binary, uid, dep["run_as_user"]))
        image_env = df.env(binary)
        for st in df.chain(binary):
            if st["runs"] or st["name"] == binary:
                for a in st["args"]:
                    if a.startswith("DYAD_"):
                        errors.append("Dockerfile: stage %s: ARG %s is in the environment of "
                                      "its RUN steps, where the servers read DYAD_<FLAG> "
                                      "(abseil's own --flagfile, --fromenv... too)"
                                      % (st["name"], a))
        if ctx.get("binaries"):
            flags = ctx["binaries"].flags(binary)
            for k in sorted(image_env):
                if k.startswith("DYAD_") and k[5:].lower() not in flags:
                    errors.append("Dockerfile: target %s sets ENV %s, not a flag of %s"
                                  % (binary, k, binary))
        # Paths the configuration points into the image must be the image's.
        for k in ("DYAD_PLUGINS", "DYAD_PLUGIN_ALLOWLIST"):
            v = dep.get("env", {}).get(k)
            if v and not dep["mounted"](v) and image_env.get(k) != v:
                errors.append("%s: %s=%s is neither on a volume nor the image's path (%s)"
                              % (dep["where"], k, v, image_env.get(k)))

    pkgs = df.runtime_packages()
    if pkgs is None:
        errors.append("Dockerfile: no '# runtime-packages:begin/end' block")
    elif ctx.get("binaries"):
        for lib, pkg, users in needed_packages(ctx["binaries"].build_dir):
            if pkg is None:
                errors.append("Dockerfile: cannot find the Debian package of %s (needed by %s)"
                              % (lib, ", ".join(users)))
            elif pkg not in pkgs and pkg not in BASE_PACKAGES:
                errors.append("Dockerfile: runtime stage lacks %s (for %s, needed by %s)"
                              % (pkg, lib, ", ".join(sorted(users))))

    deps = subprocess.run(["bash", os.path.join(HERE, "docker", "debs.sh"),
                           os.path.join(ctx["source_dir"], "scripts", "install-deps.sh")],
                          capture_output=True, text=True)
    listed = set(deps.stdout.split())
    for must in ("cmake", "ninja-build", "libgrpc++-dev", "protobuf-compiler-grpc",
                 "libsqlite3-dev", "libspdlog-dev"):
        if must not in listed:
            errors.append("deploy/docker/debs.sh: the build packages read from "
                          "scripts/install-deps.sh lack %s (%s)" % (must, deps.stderr.strip()))


def check_web_dockerfile(df, dep, ctx, errors):
    """The dyad-web target: Debian's nodejs runs the bundled server.js, as a
    numeric non-root user, exposing the manifests' port, with only image
    defaults that are flags of the web front."""
    if WEB not in df.stages:
        errors.append("Dockerfile: no target stage %r for the image %s" % (WEB, WEB))
        return
    st = df.stages[WEB]
    ep = st["entrypoint"] or []
    copied = []  # paths the stage's COPY --from instructions write
    for frm, srcs, dst in st["copies"]:
        if frm:
            copied += [dst + os.path.basename(src.rstrip("/")) for src in srcs] \
                if dst.endswith("/") else [dst]
    if len(ep) != 2 or os.path.basename(ep[0]) not in ("node", "nodejs") or \
            not ep[1].endswith("server.js"):
        errors.append("Dockerfile: target %s: ENTRYPOINT %r does not run node .../server.js"
                      % (WEB, ep))
    elif ep[1] not in copied:
        errors.append("Dockerfile: target %s: ENTRYPOINT runs %s, which no COPY --from puts there"
                      % (WEB, ep[1]))
    port = dep.get("dyad_port")
    if port is not None and port not in st["expose"]:
        errors.append("Dockerfile: target %s EXPOSEs %s, the manifests' DYAD_PORT is %d"
                      % (WEB, st["expose"] or "nothing", port))
    uid = (df.user(WEB) or "").split(":")[0]
    if not uid.isdigit() or uid == "0":
        errors.append("Dockerfile: target %s: USER %r is not a numeric non-root uid"
                      % (WEB, df.user(WEB)))
    elif dep.get("run_as_user") is not None and int(uid) != dep["run_as_user"]:
        errors.append("Dockerfile: target %s runs as uid %s, the Deployment's runAsUser is %s"
                      % (WEB, uid, dep["run_as_user"]))
    for a in st["args"]:
        if a.startswith("DYAD_"):
            errors.append("Dockerfile: stage %s: ARG %s is in the environment of its RUN steps, "
                          "where the web front reads DYAD_<FLAG>" % (WEB, a))
    if ctx.get("binaries"):
        flags = ctx["binaries"].flags(WEB)
        for k in sorted(df.env(WEB)):
            if k.startswith("DYAD_") and k[5:].lower() not in flags:
                errors.append("Dockerfile: target %s sets ENV %s, not a flag of %s" % (WEB, k, WEB))
    m = re.search(r"# web-packages:begin(.*?)# web-packages:end", df.text, re.S)
    if not m or not re.search(r"\bnodejs\b", m.group(1)):
        errors.append("Dockerfile: target %s installs no nodejs (a '# web-packages:begin/end' "
                      "block)" % WEB)


_needed_cache = {}


def needed_packages(build_dir):
    """[(soname, package, users)] for the DT_NEEDED entries of the servers,
    libdyad_proto.so and the plugins (libdyad_proto.so itself excluded)."""
    if build_dir in _needed_cache:
        return _needed_cache[build_dir]
    files = [os.path.join(build_dir, "bin", b) for b in SERVERS]
    files.append(os.path.join(build_dir, "lib", "libdyad_proto.so"))
    pdir = os.path.join(build_dir, "plugins")
    files += [os.path.join(pdir, n) for n in sorted(os.listdir(pdir)) if n.endswith(".so")]
    users = {}
    for f in files:
        out = subprocess.run(["readelf", "-d", f], capture_output=True, text=True).stdout
        for so in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out):
            if so != "libdyad_proto.so":
                users.setdefault(so, set()).add(os.path.basename(f))
    # Where the loader finds each library on this (Debian 12) machine.
    paths = {}
    for f in files:
        out = subprocess.run(["ldd", f], capture_output=True, text=True).stdout
        for so, path in re.findall(r"^\s*(\S+) => (/\S+)", out, re.M):
            paths.setdefault(so, path)
        for path in re.findall(r"^\s*(/\S+) \(0x", out, re.M):  # the loader itself
            paths.setdefault(os.path.basename(path), path)
    result = []
    for so, who in sorted(users.items()):
        path = paths.get(so)
        pkg = None
        if path:
            candidates = [path, os.path.realpath(path)]
            if path.startswith("/lib"):
                candidates.append("/usr" + path)
            for c in candidates:
                p = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
                if p.returncode == 0:
                    pkg = p.stdout.split(":", 1)[0].strip()
                    break
        result.append((so, pkg, who))
    _needed_cache[build_dir] = result
    return result


# ------------------------------------------------------------ manifests

def is_postgres_uri(db):
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def uri_has_password(uri):
    """Whether a libpq URI (or any text holding one) carries a password: in
    the user info (user:password@) or as a password= parameter."""
    if re.search(r"postgres(?:ql)?://[^/@?#\s]*:[^/@?#\s]*@", uri):
        return True
    return bool(re.search(r"(?:^|[?&\s])password=", uri, re.I))


def secret_value(secret, key):
    """A key of a rendered Secret (data is base64, stringData plain), or None."""
    if key in (secret.get("stringData") or {}):
        return str(secret["stringData"][key])
    data = secret.get("data") or {}
    if key in data:
        try:
            return base64.b64decode(str(data[key]).replace("\n", "")).decode()
        except (ValueError, UnicodeDecodeError):
            return None
    return None


def resolve_env(container, configmaps, where, errors, secrets=None, sources=None):
    """The container's environment as Kubernetes builds it: envFrom sources in
    order (later wins), then env (wins over envFrom). `sources`, when given,
    records where each variable came from ("configmap", "value", "secret")."""
    env = {}
    if sources is None:
        sources = {}
    for src in container.get("envFrom") or []:
        prefix = src.get("prefix", "")
        if "configMapRef" in src:
            name = src["configMapRef"].get("name")
            cm = configmaps.get(name)
            if cm is None:
                errors.append("%s: envFrom ConfigMap %s does not exist" % (where, name))
                continue
            for k, v in (cm.get("data") or {}).items():
                env[prefix + k] = str(v)
                sources[prefix + k] = "configmap"
        elif "secretRef" in src:
            errors.append("%s: envFrom secretRef: secrets go in files (a token in the "
                          "environment leaks into /proc and crash reports)" % where)
    for e in container.get("env") or []:
        name = e.get("name")
        if name == "PGPASSWORD":
            errors.append("%s: env PGPASSWORD: the database password goes in a file from a "
                          "Secret (DYAD_DB_PASSWORD_FILE), never in the environment" % where)
        if "value" in e:
            env[name] = str(e["value"])
            sources[name] = "value"
        elif "valueFrom" in e:
            vf = e["valueFrom"]
            if "configMapKeyRef" in vf:
                ref = vf["configMapKeyRef"]
                cm = configmaps.get(ref.get("name"))
                if cm is None or ref.get("key") not in (cm.get("data") or {}):
                    errors.append("%s: env %s: ConfigMap key %s/%s missing"
                                  % (where, name, ref.get("name"), ref.get("key")))
                else:
                    env[name] = str(cm["data"][ref["key"]])
                    sources[name] = "configmap"
            elif "secretKeyRef" in vf and name == "DYAD_DB":
                # The connection URI (no password) may come from a Secret;
                # it is checked like any other value when the overlay renders
                # that Secret.
                ref = vf["secretKeyRef"]
                secret = (secrets or {}).get(ref.get("name"))
                value = secret_value(secret, ref.get("key")) if secret else None
                if value is None:
                    errors.append("%s: env DYAD_DB: Secret key %s/%s is not in the rendered "
                                  "manifests, so the database cannot be checked"
                                  % (where, ref.get("name"), ref.get("key")))
                    value = "<secret>"
                env[name] = value.strip()
                sources[name] = "secret"
            elif "secretKeyRef" in vf and name.startswith("DYAD_"):
                errors.append("%s: env %s comes from a Secret: tokens go in files "
                              "(--write_token_file), never in the environment" % (where, name))
                env[name] = "<secret>"
            else:
                env[name] = "<from field>"
        else:
            env[name] = ""
    return env


def container_ports(container):
    return {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}


def resolve_port(port, container):
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    return container_ports(container).get(port)


def check_pod(where, pod, c, env, flags, info, errors):
    """What every Dyad pod promises, a server's or the web front's: a preStop
    pause and a grace period that covers it and DYAD_SHUTDOWN_GRACE, the
    restricted security context, and resources. Returns the shutdown grace
    in seconds; records runAsUser in `info`."""
    # --- shutdown: preStop pause, grace period > pause + shutdown_grace + margin.
    pause = sleep_seconds((c.get("lifecycle") or {}).get("preStop"))
    if pause is None:
        errors.append("%s: no preStop pause (sleep) before SIGTERM" % where)
        pause = 0
    grace_text = env.get("DYAD_SHUTDOWN_GRACE") or (flags or {}).get("shutdown_grace", "10s")
    try:
        grace = parse_duration(grace_text)
    except ValueError:
        errors.append("%s: DYAD_SHUTDOWN_GRACE=%r is not a duration" % (where, grace_text))
        grace = 0
    tgps = pod.get("terminationGracePeriodSeconds", 30)
    if not tgps > pause + grace + SERVER_MARGIN_SECONDS:
        errors.append("%s: terminationGracePeriodSeconds=%s is not more than preStop %gs + "
                      "shutdown_grace %gs + %ds: SIGKILL would cut calls in flight"
                      % (where, tgps, pause, grace, SERVER_MARGIN_SECONDS))

    # --- security.
    psc = pod.get("securityContext") or {}
    csc = c.get("securityContext") or {}

    def eff(key):
        return csc.get(key, psc.get(key))
    if eff("runAsNonRoot") is not True:
        errors.append("%s: runAsNonRoot is not true" % where)
    uid = eff("runAsUser")
    if not isinstance(uid, int) or uid == 0:
        errors.append("%s: runAsUser %r is not a numeric non-root uid" % (where, uid))
    info["run_as_user"] = uid if isinstance(uid, int) else None
    if csc.get("readOnlyRootFilesystem") is not True:
        errors.append("%s: readOnlyRootFilesystem is not true" % where)
    if csc.get("allowPrivilegeEscalation") is not False:
        errors.append("%s: allowPrivilegeEscalation is not false" % where)
    if csc.get("privileged"):
        errors.append("%s: privileged" % where)
    caps = csc.get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or []) or caps.get("add"):
        errors.append("%s: capabilities must drop ALL and add none (%r)" % (where, caps))
    if (eff("seccompProfile") or {}).get("type") != "RuntimeDefault":
        errors.append("%s: seccompProfile is not RuntimeDefault" % where)
    if pod.get("automountServiceAccountToken") is not False:
        errors.append("%s: automountServiceAccountToken is not false (no API access needed)"
                      % where)
    if pod.get("enableServiceLinks") is not False:
        errors.append("%s: enableServiceLinks is not false: Service links inject "
                      "DYAD_<SERVICE>_PORT=tcp://... variables into the environment every "
                      "flag is read from" % where)
    if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
        errors.append("%s: uses the host's namespaces" % where)

    # --- resources.
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in (res.get(kind) or {}):
                errors.append("%s: no resources.%s.%s" % (where, kind, r))
    for r in ("cpu", "memory"):
        try:
            if r in (res.get("requests") or {}) and r in (res.get("limits") or {}) and \
                    parse_quantity(res["requests"][r]) > parse_quantity(res["limits"][r]):
                errors.append("%s: %s request above its limit" % (where, r))
        except ValueError as e:
            errors.append("%s: %s" % (where, e))

    return grace


def is_serving_line(line):
    """The "serving" line of a server, in either --log_format."""
    return " serving " in line or '"msg":"serving"' in line


def log_fields(line):
    """`service` (the gRPC service) and `port` of a serving line, text or JSON."""
    line = line.strip()
    if line.startswith("{"):
        import json
        try:
            obj = json.loads(line)
        except ValueError:
            return {}
        port = obj.get("port")
        return {"service": obj.get("grpc_service"),
                "port": port if isinstance(port, int) else None}
    m_service = re.search(r"\bservice=(\S+)", line)
    m_port = re.search(r"\bport=(\d+)", line)
    return {"service": m_service.group(1) if m_service else None,
            "port": int(m_port.group(1)) if m_port else None}


def check_metrics_endpoint(lines):
    """GETs the /metrics a server logged ("metrics address=host:port", text or
    JSON) after the health check: None when it counts that call, else the
    problem."""
    port = None
    for l in lines:
        m = (re.search(r'"msg":"metrics","address":"[^"]*:(\d+)"', l)
             or re.search(r"\bmetrics address=\S*:(\d+)", l))
        if m:
            port = int(m.group(1))
            break
    if port is None:
        return "DYAD_METRICS_PORT is set but it logged no 'metrics address=' line"
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
            body = r.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        return "its metrics endpoint (port %d) did not answer: %s" % (port, e)
    if not re.search(r'^grpc_server_handled_total\{grpc_code="OK",grpc_method="Check",'
                     r'grpc_service="grpc.health.v1.Health",grpc_type="unary"\} [1-9]',
                     body, re.M):
        return "its /metrics does not count the health check just made"
    return None


def check_deployment(dep, configmaps, hpas, ctx, errors):
    """One Deployment: its container, configuration, probes, shutdown, security,
    resources, volumes, write token, and a live start of its binary. Returns
    what the checks across objects need, or None."""
    binaries = ctx.get("binaries")
    name = dep["metadata"]["name"]
    where = "Deployment %s" % name
    spec = dep.get("spec") or {}
    tmpl = spec.get("template") or {}
    pod = tmpl.get("spec") or {}
    pod_labels = (tmpl.get("metadata") or {}).get("labels") or {}
    if not selects(spec.get("selector"), pod_labels):
        errors.append("%s: selector does not match its pod labels" % where)
    servers = [c for c in pod.get("containers") or []
               if image_basename(c.get("image", "")) in SERVERS]
    if len(servers) != 1:
        errors.append("%s: expected one container running a Dyad image (%s), found %d"
                      % (where, ", ".join(list(SERVERS) + [WEB]), len(servers)))
        return None
    c = servers[0]
    binary = image_basename(c["image"])
    where = "Deployment %s (%s)" % (name, binary)
    if pod_labels.get("app.kubernetes.io/name") != binary:
        errors.append("%s: pod label app.kubernetes.io/name=%r, expected %r"
                      % (where, pod_labels.get("app.kubernetes.io/name"), binary))
    service_name, _, write_method = SERVERS[binary]
    tag = image_tag(c["image"])
    if tag in ("", "latest"):
        errors.append("%s: image %r has no fixed tag or digest" % (where, c["image"]))

    sources = {}
    env = resolve_env(c, configmaps, where, errors, ctx.get("secrets"), sources)
    for arg in (c.get("command") or []) + (c.get("args") or []):
        if uri_has_password(str(arg)) or "password" in str(arg).lower() and \
                not str(arg).startswith("--db_password_file"):
            errors.append("%s: a password on the command line (%s...): it shows in ps and the "
                          "pod spec; use DYAD_DB_PASSWORD_FILE" % (where, str(arg)[:12]))
    hpa = [h for h in hpas
           if (h["spec"].get("scaleTargetRef") or {}).get("kind") == "Deployment"
           and (h["spec"].get("scaleTargetRef") or {}).get("name") == name]
    mounts = {m["mountPath"].rstrip("/"): m for m in c.get("volumeMounts") or []}
    volumes = {v["name"]: v for v in pod.get("volumes") or []}

    def mount_of(path):
        """The longest mountPath holding `path`, or None."""
        path = path.rstrip("/")
        best = None
        for mp in mounts:
            if path == mp or path.startswith(mp + "/"):
                if best is None or len(mp) > len(best):
                    best = mp
        return best

    info = {"name": name, "binary": binary, "env": env, "where": where, "pod": pod,
            "container": c, "labels": pod_labels, "hpa": hpa,
            "mounted": lambda p: mount_of(p) is not None,
            "replicas": spec.get("replicas")}

    # --- flags: every DYAD_* is a flag of this binary.
    flags = binaries.flags(binary) if binaries else None
    for k in sorted(env):
        if not k.startswith("DYAD_"):
            continue
        if k in ("DYAD_WRITE_TOKEN", "DYAD_READ_TOKEN"):
            errors.append("%s: %s puts a token in the environment; mount it as a file and "
                          "set DYAD_%s_FILE" % (where, k, k[5:]))
            continue
        if flags is not None and k[5:].lower() not in flags:
            errors.append("%s: %s is not a flag of %s (its flags: %s)"
                          % (where, k, binary, ", ".join(sorted(flags))))
        if k[5:] != k[5:].upper():
            errors.append("%s: %s: the servers read DYAD_<UPPERCASE FLAG>" % (where, k))
    if env.get("DYAD_TLS_CERT_FILE"):
        errors.append("%s: TLS is on, but Kubernetes gRPC probes speak plaintext only"
                      % where)

    # --- port: DYAD_PORT = containerPort = probe ports.
    port = None
    try:
        port = int(env["DYAD_PORT"])
    except KeyError:
        errors.append("%s: no DYAD_PORT in its configuration (the probes need a fixed port)"
                      % where)
    except ValueError:
        errors.append("%s: DYAD_PORT=%r is not a number" % (where, env["DYAD_PORT"]))
    info["dyad_port"] = port
    cports = [p.get("containerPort") for p in c.get("ports") or []]
    if port is not None and port not in cports:
        errors.append("%s: DYAD_PORT=%d but the container ports are %s" % (where, port, cports))
    # --- metrics: DYAD_METRICS_PORT = container port "metrics" = the scrape
    # annotation (docs/operations.md).
    if env.get("DYAD_METRICS_PORT", "0") not in ("", "0"):
        mport = env["DYAD_METRICS_PORT"]
        named = container_ports(c).get("metrics")
        if str(named) != mport:
            errors.append("%s: DYAD_METRICS_PORT=%s but the container port named metrics is %s"
                          % (where, mport, named))
        ann = (tmpl.get("metadata") or {}).get("annotations") or {}
        if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != mport:
            errors.append("%s: DYAD_METRICS_PORT=%s but the pod's prometheus.io/scrape and "
                          "prometheus.io/port annotations are %r and %r"
                          % (where, mport, ann.get("prometheus.io/scrape"),
                             ann.get("prometheus.io/port")))
    for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = c.get(probe_name)
        if probe is None:
            if probe_name != "startupProbe":
                errors.append("%s: no %s" % (where, probe_name))
            continue
        grpc = probe.get("grpc")
        if grpc is None:
            errors.append("%s: %s is not a grpc probe (%s)"
                          % (where, probe_name, ", ".join(k for k in probe if k != "grpc")))
            continue
        if grpc.get("port") != port or grpc.get("port") not in cports:
            errors.append("%s: %s grpc.port=%s, but DYAD_PORT=%s and containerPort %s"
                          % (where, probe_name, grpc.get("port"), port, cports))
        # On PostgreSQL, liveness may ask the server-wide status: a database
        # outage makes the service NOT_SERVING, and restarting would not help.
        server_wide_ok = (probe_name == "livenessProbe" and binary in BACKENDS
                          and is_postgres_uri(env.get("DYAD_DB")))
        if grpc.get("service") != service_name and \
                not (server_wide_ok and grpc.get("service") in (None, "")):
            errors.append("%s: %s grpc.service=%r, but %s serves %r"
                          % (where, probe_name, grpc.get("service"), binary, service_name))

    grace = info["grace"] = check_pod(where, pod, c, env, flags, info, errors)

    # --- writable places: /tmp always, the database's folder for backends.
    def writable_volume(path):
        mp = mount_of(path)
        if mp is None:
            return None
        m = mounts[mp]
        v = volumes.get(m.get("name"), {})
        if m.get("readOnly") or not ("emptyDir" in v or "persistentVolumeClaim" in v
                                     or "ephemeral" in v):
            return None
        return v
    if writable_volume("/tmp") is None:
        errors.append("%s: /tmp is not a writable emptyDir (the root filesystem is "
                      "read-only)" % where)
    db = env.get("DYAD_DB")
    info["postgres"] = binary in BACKENDS and is_postgres_uri(db)
    info["db_source"] = sources.get("DYAD_DB")
    if binary in BACKENDS:
        if not db:
            errors.append("%s: no DYAD_DB" % where)
        elif info["postgres"]:
            if uri_has_password(db):
                errors.append("%s: DYAD_DB has a password in it: the URI is shown in logs "
                              "(masked) and pod specs; put the password in a Secret mounted "
                              "as DYAD_DB_PASSWORD_FILE" % where)
            if not env.get("DYAD_DB_PASSWORD_FILE"):
                errors.append("%s: DYAD_DB is PostgreSQL but there is no "
                              "DYAD_DB_PASSWORD_FILE (a file from a mounted Secret)" % where)
        elif db == "<secret>":
            pass
        elif db != ":memory:":
            v = writable_volume(os.path.dirname(db))
            if v is None:
                errors.append("%s: DYAD_DB=%s is not on a writable volume" % (where, db))
            elif "persistentVolumeClaim" in v and \
                    (spec.get("strategy") or {}).get("type") != "Recreate":
                errors.append("%s: a database on a PersistentVolumeClaim needs strategy "
                              "Recreate (two pods must never open one SQLite file)" % where)

    # --- the write token: a file from a Secret, readable by the pod only.
    token_file = env.get("DYAD_WRITE_TOKEN_FILE")
    info["writes"] = bool(token_file)
    for k in ("DYAD_WRITE_TOKEN_FILE", "DYAD_READ_TOKEN_FILE", "DYAD_DB_PASSWORD_FILE"):
        path = env.get(k)
        if not path:
            continue
        mp = mount_of(path)
        vol = volumes.get(mounts[mp].get("name"), {}) if mp else {}
        secret = vol.get("secret")
        if secret is None:
            errors.append("%s: %s=%s is not in a mounted Secret" % (where, k, path))
            continue
        if not mounts[mp].get("readOnly"):
            errors.append("%s: the Secret volume at %s is not readOnly" % (where, mp))
        rel = os.path.relpath(path, mp)
        items = secret.get("items")
        mode = secret.get("defaultMode", 0o644)
        if items is not None:
            item = [i for i in items if i.get("path") == rel]
            if not item:
                errors.append("%s: %s=%s: the Secret volume has no item at %s"
                              % (where, k, path, rel))
            else:
                mode = item[0].get("mode", mode)
        if mode & 0o007:
            errors.append("%s: %s is readable by every user (mode %o)" % (where, path, mode))

    # --- write policy: one replica when writes are on, unless the replicas
    # share one PostgreSQL database.
    if info["writes"]:
        replicas = spec.get("replicas", 1)
        several = replicas != 1 or hpa
        cache = env.get("DYAD_RESULT_CACHE_ENTRIES") or (flags or {}).get(
            "result_cache_entries", "1024")
        if several and info["postgres"] and str(cache).strip() != "0":
            errors.append("%s: several replicas write to one database with a result cache "
                          "each (DYAD_RESULT_CACHE_ENTRIES=%s): a write through one replica "
                          "does not clear the others' caches; set it to 0"
                          % (where, cache))
        if several and not info["postgres"]:
            errors.append("%s: writes are on (DYAD_WRITE_TOKEN_FILE) with %s: each replica "
                          "has its own SQLite database, so writes would diverge; share one "
                          "PostgreSQL database (DYAD_DB=postgresql://...), run one replica, "
                          "or no write token (see deploy/README.md)"
                          % (where, "an autoscaler" if hpa else "%s replicas" % replicas))

    # --- dynamic: the binary accepts this configuration and serves.
    if binaries:
        local = {}
        image_env = ctx["dockerfile"].env(binary) if ctx.get("dockerfile") else {}
        for k, v in env.items():
            if not k.startswith("DYAD_"):
                continue
            if k == "DYAD_DB" and v != ":memory:":
                # A PostgreSQL URI starts the binary on a local SQLite file:
                # this run checks flags, health and the write policy; the
                # database engine itself is tested by ctest -L postgres.
                base = "%s.db" % binary if is_postgres_uri(v) else os.path.basename(v)
                v = os.path.join(binaries.tmp, "%s-%s" % (name, base))
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(v + suffix):
                        os.unlink(v + suffix)
            elif k == "DYAD_PLUGINS" and v == image_env.get(k):
                v = os.path.join(binaries.build_dir, "plugins")
            elif k == "DYAD_PLUGIN_ALLOWLIST" and v == image_env.get(k):
                v = binaries.allowlist()
            elif k in ("DYAD_WRITE_TOKEN_FILE", "DYAD_READ_TOKEN_FILE",
                       "DYAD_DB_PASSWORD_FILE") and mount_of(v):
                v = os.path.join(binaries.tmp, k.lower())
                with open(v, "w") as f:
                    f.write(binaries.token + "\n")
                os.chmod(v, 0o600)
            local[k] = v
        run = binaries.run(binary, local, service_name, grace,
                           "/%s/%s" % (service_name, write_method) if write_method else None)
        if run["error"]:
            errors.append("%s: %s started with this configuration %s"
                          % (where, binary, run["error"]))
        else:
            if run["service"] != service_name:
                errors.append("%s: %s says it serves %r, the probes ask for %r"
                              % (where, binary, run["service"], service_name))
            # A write without a token is UNAUTHENTICATED either way; with one it
            # is PERMISSION_DENIED when writes are off, and passes auth (to
            # INVALID_ARGUMENT: the record is empty) when they are on.
            if run["write"]:
                without, with_token = run["write"]
                expected = ("UNAUTHENTICATED",
                            "INVALID_ARGUMENT" if info["writes"] else "PERMISSION_DENIED")
                if (without, with_token) != expected:
                    errors.append("%s: %s %s answered %s without the token and %s with it, "
                                  "expected %s and %s (writes %s in the manifests)"
                                  % (where, binary, write_method, without, with_token,
                                     expected[0], expected[1],
                                     "on" if info["writes"] else "off"))
    return info


def check_web_deployment(dep, configmaps, hpas, ctx, errors):
    """The web front's Deployment: its container and configuration (every
    DYAD_* a flag of server.js), HTTP probes of /healthz on DYAD_PORT, the pod
    promises (check_pod), a writable /tmp, and a live start of server.js with
    the rendered configuration. Returns the info the checks across objects
    need, or None."""
    binaries = ctx.get("binaries")
    name = dep["metadata"]["name"]
    spec = dep.get("spec") or {}
    tmpl = spec.get("template") or {}
    pod = tmpl.get("spec") or {}
    pod_labels = (tmpl.get("metadata") or {}).get("labels") or {}
    where = "Deployment %s (%s)" % (name, WEB)
    if not selects(spec.get("selector"), pod_labels):
        errors.append("%s: selector does not match its pod labels" % where)
    ctrs = [c for c in pod.get("containers") or [] if image_basename(c.get("image", "")) == WEB]
    if len(ctrs) != 1:
        errors.append("%s: expected one container running the %s image, found %d"
                      % (where, WEB, len(ctrs)))
        return None
    c = ctrs[0]
    if pod_labels.get("app.kubernetes.io/name") != WEB:
        errors.append("%s: pod label app.kubernetes.io/name=%r, expected %r"
                      % (where, pod_labels.get("app.kubernetes.io/name"), WEB))
    if image_tag(c["image"]) in ("", "latest"):
        errors.append("%s: image %r has no fixed tag or digest" % (where, c["image"]))
    env = resolve_env(c, configmaps, where, errors)
    hpa = [h for h in hpas
           if (h["spec"].get("scaleTargetRef") or {}).get("kind") == "Deployment"
           and (h["spec"].get("scaleTargetRef") or {}).get("name") == name]
    info = {"name": name, "binary": WEB, "env": env, "where": where, "pod": pod,
            "container": c, "labels": pod_labels, "hpa": hpa, "writes": False,
            "mounted": lambda p: False, "replicas": spec.get("replicas")}

    flags = binaries.flags(WEB) if binaries else None
    for k in sorted(env):
        if not k.startswith("DYAD_"):
            continue
        if flags is not None and k[5:].lower() not in flags:
            errors.append("%s: %s is not a flag of %s (its flags: %s)"
                          % (where, k, WEB, ", ".join(sorted(flags))))
        if k[5:] != k[5:].upper():
            errors.append("%s: %s: the web front reads DYAD_<UPPERCASE FLAG>" % (where, k))

    port = None
    try:
        port = int(env["DYAD_PORT"])
    except KeyError:
        errors.append("%s: no DYAD_PORT in its configuration (the probes need a fixed port)"
                      % where)
    except ValueError:
        errors.append("%s: DYAD_PORT=%r is not a number" % (where, env["DYAD_PORT"]))
    info["dyad_port"] = port
    cports = [p.get("containerPort") for p in c.get("ports") or []]
    if port is not None and port not in cports:
        errors.append("%s: DYAD_PORT=%d but the container ports are %s" % (where, port, cports))
    for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = c.get(probe_name)
        if probe is None:
            if probe_name != "startupProbe":
                errors.append("%s: no %s" % (where, probe_name))
            continue
        get = probe.get("httpGet")
        if get is None:
            errors.append("%s: %s is not an httpGet probe of %s (%s)"
                          % (where, probe_name, WEB_HEALTH_PATH, ", ".join(probe)))
            continue
        if get.get("path") != WEB_HEALTH_PATH:
            errors.append("%s: %s httpGet path %r, but %s answers health on %s"
                          % (where, probe_name, get.get("path"), WEB, WEB_HEALTH_PATH))
        pport = resolve_port(get.get("port"), c)
        if pport != port or pport not in cports:
            errors.append("%s: %s httpGet port=%s, but DYAD_PORT=%s and containerPort %s"
                          % (where, probe_name, get.get("port"), port, cports))
        if get.get("scheme", "HTTP") != "HTTP":
            errors.append("%s: %s scheme %s: the web front speaks plain HTTP"
                          % (where, probe_name, get.get("scheme")))

    grace = info["grace"] = check_pod(where, pod, c, env, flags, info, errors)

    mounts = {m["mountPath"].rstrip("/"): m for m in c.get("volumeMounts") or []}
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    tmp = mounts.get("/tmp")
    if tmp is None or tmp.get("readOnly") or "emptyDir" not in volumes.get(tmp.get("name"), {}):
        errors.append("%s: /tmp is not a writable emptyDir (the root filesystem is read-only)"
                      % where)

    if binaries:
        local = {k: v for k, v in env.items() if k.startswith("DYAD_")}
        run = binaries.run_web(local, WEB_HEALTH_PATH, grace)
        if run["error"]:
            errors.append("%s: server.js started with this configuration %s" % (where, run["error"]))
    return info


def check_ingresses(by_kind, services, service_of, errors):
    """Every Ingress routes to a port of a Service that selects the web front
    (the one HTTP/1.1 server; gRPC goes to the gateway's Service directly)."""
    for ing in by_kind.get("Ingress", []):
        iname = ing["metadata"]["name"]
        spec = ing.get("spec") or {}
        backends = []
        if spec.get("defaultBackend"):
            backends.append(spec["defaultBackend"])
        for rule in spec.get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                if not path.get("pathType"):
                    errors.append("Ingress %s: path %r has no pathType" % (iname, path.get("path")))
                backends.append(path.get("backend") or {})
        if not backends:
            errors.append("Ingress %s: routes nowhere" % iname)
        for b in backends:
            ref = b.get("service") or {}
            sname = ref.get("name")
            sport = ref.get("port") or {}
            where = "Ingress %s: backend %s:%s" % (iname, sname, sport.get("number", sport.get("name")))
            svc = [x for x in services if x["metadata"]["name"] == sname]
            if not svc:
                errors.append("%s: there is no Service %s" % (where, sname))
                continue
            if svc[0] not in service_of.get(WEB, []):
                errors.append("%s: Service %s does not select the pods of %s" % (where, sname, WEB))
                continue
            ports = svc[0]["spec"].get("ports") or []
            if "number" in sport and sport["number"] not in [p.get("port") for p in ports]:
                errors.append("%s: Service %s has no port %s" % (where, sname, sport["number"]))
            elif "name" in sport and sport["name"] not in [p.get("name") for p in ports]:
                errors.append("%s: Service %s has no port named %s" % (where, sname, sport["name"]))
            elif not sport:
                errors.append("%s: names no port" % where)


def check_services(by_kind, deployments, errors):
    """Services select one server each; target ports are container ports;
    the backends' are headless, the gateway's a ClusterIP."""
    services = by_kind.get("Service", [])
    service_of = {}
    for svc in services:
        sname = svc["metadata"]["name"]
        sel = svc["spec"].get("selector")
        targets = [i for i in deployments.values() if sel and selects({"matchLabels": sel},
                                                                       i["labels"])]
        if len(targets) != 1:
            errors.append("Service %s selects %d Dyad Deployments" % (sname, len(targets)))
            continue
        info = targets[0]
        where = "Service %s" % sname
        service_of.setdefault(info["binary"], []).append(svc)
        headless = svc["spec"].get("clusterIP") == "None"
        for p in svc["spec"].get("ports") or []:
            tp = p.get("targetPort", p.get("port"))
            cport = resolve_port(tp, info["container"])
            if cport is None or cport not in [x.get("containerPort")
                                              for x in info["container"].get("ports") or []]:
                errors.append("%s: targetPort %r is not a container port of %s"
                              % (where, tp, info["name"]))
            elif headless and p.get("port") != cport:
                errors.append("%s: headless, so clients dial the pods at port %s, but the "
                              "container listens on %s" % (where, p.get("port"), cport))
        if info["binary"] in BACKENDS:
            if not headless:
                errors.append("%s: not headless (clusterIP: None): a ClusterIP pins each of the "
                              "gateway's HTTP/2 connections to one pod" % where)
            if svc["spec"].get("publishNotReadyAddresses"):
                errors.append("%s: publishNotReadyAddresses would send calls to pods that "
                              "are not ready" % where)
        elif headless or svc["spec"].get("type", "ClusterIP") != "ClusterIP":
            errors.append("%s: %s's Service should be a plain ClusterIP" % (where, info["binary"]))
    for b in list(SERVERS) + [WEB]:
        if b in deployments and b not in service_of:
            errors.append("no Service selects the pods of %s" % b)
    return services, service_of


def check_gateway_targets(gw, services, service_of, deployments, namespace, errors,
                          flag_map=None):
    """The gateway's DYAD_EVENTS/ECONOMICS/INSTITUTIONS name the backends'
    Services (in this namespace) and their ports; with `flag_map`, another
    Deployment's target flags (the web front's DYAD_GATEWAY, ...)."""
    for flag, backend in (flag_map or TARGET_FLAGS).items():
        target = gw["env"].get(flag)
        where = "Deployment %s: %s=%s" % (gw["name"], flag, target)
        if not target:
            errors.append("Deployment %s: no %s (the default 127.0.0.1 target is wrong in a "
                          "cluster)" % (gw["name"], flag))
            continue
        m = re.fullmatch(r"(?:dns:(?://[^/]*/)?)?([A-Za-z0-9.-]+):(\d+)", target)
        if not m or re.fullmatch(r"[0-9.]+", m.group(1)):
            errors.append("%s: not a dns name of a Service with a port" % where)
            continue
        host, tport = m.group(1), int(m.group(2))
        parts = host.split(".")
        if len(parts) > 1 and parts[1] != namespace:
            errors.append("%s: names namespace %s, the objects are in %s"
                          % (where, parts[1], namespace))
        if len(parts) > 2 and parts[2] != "svc":
            errors.append("%s: not a Service name (<name>.<namespace>.svc...)" % where)
        svc = [s for s in services if s["metadata"]["name"] == parts[0]]
        if not svc:
            errors.append("%s: there is no Service %s" % (where, parts[0]))
            continue
        svc = svc[0]
        if svc not in service_of.get(backend, []):
            errors.append("%s: Service %s does not select the pods of %s"
                          % (where, parts[0], backend))
            continue
        if tport not in [p.get("port") for p in svc["spec"].get("ports") or []]:
            errors.append("%s: Service %s has no port %d" % (where, parts[0], tport))
        if backend in deployments and deployments[backend].get("dyad_port") != tport:
            errors.append("%s: %s listens on %s" % (where, backend,
                                                    deployments[backend].get("dyad_port")))


def policies_for(netpols, info, direction):
    """The NetworkPolicies that select `info`'s pods for `direction`."""
    out = []
    for np_ in netpols:
        spec = np_["spec"]
        types = spec.get("policyTypes") or (["Ingress"] + (["Egress"] if "egress" in spec
                                                          else []))
        if direction in types and selects(spec.get("podSelector"), info["labels"]):
            out.append(np_)
    return out


def port_allowed(rule_ports, port, container, protocol="TCP"):
    """Whether a NetworkPolicy rule's ports admit `port`."""
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        if "port" not in p:
            return True
        lo = resolve_port(p["port"], container)
        hi = p.get("endPort", lo)
        if lo is not None and lo <= port <= hi:
            return True
    return False


def ingress_allows(netpols, src, dst, port):
    """Whether the NetworkPolicies let `src`'s pods reach `dst`'s pods on
    `port` (no policy selecting `dst` for Ingress: everything may)."""
    pols = policies_for(netpols, dst, "Ingress")
    if not pols:
        return True
    for np_ in pols:
        for rule in np_["spec"].get("ingress") or []:
            peers = rule.get("from")
            if peers and not any(set(p) == {"podSelector"} and selects(p["podSelector"], src["labels"])
                                 for p in peers):
                continue
            if port_allowed(rule.get("ports"), port, dst["container"]):
                return True
    return False


def egress_allows(netpols, src, dst, port):
    """Whether `src`'s egress policies (if any) let it reach `dst` on `port`."""
    pols = policies_for(netpols, src, "Egress")
    if not pols:
        return True
    rules = [r for np_ in pols for r in np_["spec"].get("egress") or []]
    return any((not r.get("to") or any(set(peer) == {"podSelector"} and
                                       selects(peer["podSelector"], dst["labels"])
                                       for peer in r["to"]))
               and port_allowed(r.get("ports"), port, dst["container"]) for r in rules)


def check_web_network(netpols, deployments, web, errors):
    """The web front's port is open; it reaches what it forwards to (its
    egress, their ingress) and DNS."""
    pols = policies_for(netpols, web, "Ingress")
    if pols and not any(port_allowed(r.get("ports"), web["dyad_port"] or -1, web["container"])
                        for np_ in pols for r in np_["spec"].get("ingress") or []):
        errors.append("NetworkPolicy for %s: its port %s is closed to clients"
                      % (WEB, web["dyad_port"]))
    for flag, target in WEB_TARGET_FLAGS.items():
        dst = deployments.get(target)
        if not dst or not web["env"].get(flag) or dst.get("dyad_port") is None:
            continue
        if not egress_allows(netpols, web, dst, dst["dyad_port"]):
            errors.append("NetworkPolicy for %s: egress to %s port %s is not allowed (it forwards "
                          "there: %s)" % (WEB, target, dst["dyad_port"], flag))
        if not ingress_allows(netpols, web, dst, dst["dyad_port"]):
            errors.append("NetworkPolicy for %s: the web front's pods may not reach port %s (it "
                          "forwards there: %s)" % (target, dst["dyad_port"], flag))
    epols = policies_for(netpols, web, "Egress")
    if epols and not any(port_allowed(r.get("ports"), 53, {}, "UDP")
                         for np_ in epols for r in np_["spec"].get("egress") or []):
        errors.append("NetworkPolicy for %s: egress to DNS (UDP 53) is not allowed" % WEB)


def check_database_egress(netpols, deployments, errors):
    """A backend on PostgreSQL reaches the database port (and DNS, when the
    host is a name) through its egress policies."""
    for b in BACKENDS:
        info = deployments.get(b)
        if not info or not info.get("postgres"):
            continue
        pols = policies_for(netpols, info, "Egress")
        if not pols:
            continue
        try:
            parts = urllib.parse.urlsplit(info["env"]["DYAD_DB"])
            port = parts.port or 5432
        except ValueError:
            parts, port = None, 5432
        rules = [r for np_ in pols for r in np_["spec"].get("egress") or []]
        if not any(port_allowed(r.get("ports"), port, {}) for r in rules):
            errors.append("NetworkPolicy for %s: egress to the database port %d is not allowed "
                          "(DYAD_DB is PostgreSQL)" % (b, port))
        host = parts.hostname if parts else None
        if host and not re.match(r"^[0-9.:]+$", host) and \
                not any(port_allowed(r.get("ports"), 53, {}, "UDP") for r in rules):
            errors.append("NetworkPolicy for %s: egress to DNS (UDP 53) is not allowed, so the "
                          "database host %s cannot resolve" % (b, host))


def is_scrape_rule(rule, info):
    """An ingress rule that admits the server's metrics port only (never its
    gRPC port): Prometheus' way in, from a namespace of its own."""
    try:
        mport = int(info["env"].get("DYAD_METRICS_PORT", "0"))
    except ValueError:
        return False
    ports = rule.get("ports") or []
    return (mport > 0 and ports and all(p.get("port") in (mport, "metrics") for p in ports)
            and not port_allowed(ports, info["dyad_port"] or -1, info["container"]))


def check_network_policies(by_kind, deployments, gw, errors):
    """Only the gateway's pods (and the web front's, which forwards the read
    methods) reach a backend; the gateway's port is open and, when its egress
    is restricted, the backends and DNS stay reachable."""
    netpols = by_kind.get("NetworkPolicy", [])
    check_database_egress(netpols, deployments, errors)
    web = deployments.get(WEB)
    if web:
        check_web_network(netpols, deployments, web, errors)
    if gw:
        for b in BACKENDS:
            info = deployments.get(b)
            if not info:
                continue
            pols = policies_for(netpols, info, "Ingress")
            where = "NetworkPolicy for %s" % b
            if not pols:
                errors.append("%s: none selects its pods, so every pod can reach it" % where)
                continue
            gateway_allowed = False
            for np_ in pols:
                for rule in np_["spec"].get("ingress") or []:
                    peers = rule.get("from")
                    if not peers:
                        errors.append("%s %s: an ingress rule without `from` lets every "
                                      "source in" % (where, np_["metadata"]["name"]))
                        continue
                    if is_scrape_rule(rule, info):
                        for peer in peers:
                            ns = peer.get("namespaceSelector") or {}
                            if set(peer) != {"namespaceSelector"} or not (
                                    ns.get("matchLabels") or ns.get("matchExpressions")):
                                errors.append("%s %s: the metrics port is open to %s; name the "
                                              "monitoring namespace by label"
                                              % (where, np_["metadata"]["name"], peer))
                        continue
                    for peer in peers:
                        ps = peer.get("podSelector")
                        others = [i["binary"] for i in deployments.values()
                                  if i["binary"] not in (GATEWAY, WEB) and ps is not None
                                  and selects(ps, i["labels"])]
                        callers = [i for i in (gw, web) if i and ps is not None
                                   and selects(ps, i["labels"])]
                        if set(peer) - {"podSelector"} or ps is None or others or \
                                not callers or \
                                not (ps.get("matchLabels") or ps.get("matchExpressions")):
                            errors.append("%s %s: ingress from %s: only the gateway's pods may "
                                          "reach a backend (and the web front's, which forwards "
                                          "reads)" % (where, np_["metadata"]["name"], peer))
                        elif port_allowed(rule.get("ports"), info["dyad_port"] or -1,
                                          info["container"]) and gw in callers:
                            gateway_allowed = True
            if not gateway_allowed:
                errors.append("%s: the gateway's pods may not reach port %s"
                              % (where, info["dyad_port"]))
        # The gateway: its port open, and (when egress is restricted) the
        # backends and DNS reachable.
        pols = policies_for(netpols, gw, "Ingress")
        if pols and not any(port_allowed(r.get("ports"), gw["dyad_port"] or -1, gw["container"])
                            for np_ in pols for r in np_["spec"].get("ingress") or []):
            errors.append("NetworkPolicy for %s: its port %s is closed to clients"
                          % (GATEWAY, gw["dyad_port"]))
        epols = policies_for(netpols, gw, "Egress")
        if epols:
            rules = [r for np_ in epols for r in np_["spec"].get("egress") or []]
            for b in BACKENDS:
                info = deployments.get(b)
                if not info:
                    continue
                ok = any((not r.get("to") or any(
                    set(peer) == {"podSelector"} and selects(peer["podSelector"], info["labels"])
                    for peer in r["to"])) and port_allowed(r.get("ports"), info["dyad_port"] or -1,
                                                            info["container"])
                    for r in rules)
                if not ok:
                    errors.append("NetworkPolicy for %s: egress to %s port %s is not allowed"
                                  % (GATEWAY, b, info["dyad_port"]))
            if not any(port_allowed(r.get("ports"), 53, {}, "UDP") for r in rules):
                errors.append("NetworkPolicy for %s: egress to DNS (UDP 53) is not allowed, so "
                              "dns:/// targets cannot resolve" % GATEWAY)


def check_budgets_and_autoscaler(by_kind, deployments, gw, errors):
    """One PodDisruptionBudget per server that never blocks a drain; the
    gateway's autoscaler (autoscaling/v2) owns its replica count."""
    pdbs = by_kind.get("PodDisruptionBudget", [])
    for b, info in deployments.items():
        mine = [p for p in pdbs if selects(p["spec"].get("selector"), info["labels"])]
        if len(mine) != 1:
            errors.append("Deployment %s: %d PodDisruptionBudgets select its pods, expected 1"
                          % (info["name"], len(mine)))
            continue
        spec = mine[0]["spec"]
        replicas = info["replicas"] if info["replicas"] is not None else 1
        if info["hpa"]:
            replicas = info["hpa"][0]["spec"].get("minReplicas", 1)
        if "minAvailable" in spec and isinstance(spec["minAvailable"], int) and \
                spec["minAvailable"] >= replicas:
            errors.append("PodDisruptionBudget %s: minAvailable %d with %d replicas blocks every "
                          "node drain" % (mine[0]["metadata"]["name"], spec["minAvailable"],
                                          replicas))
        if spec.get("maxUnavailable") in (0, "0%"):
            errors.append("PodDisruptionBudget %s: maxUnavailable 0 blocks every node drain"
                          % mine[0]["metadata"]["name"])
    if gw:
        if not gw["hpa"]:
            errors.append("no HorizontalPodAutoscaler scales Deployment %s" % gw["name"])
        else:
            h = gw["hpa"][0]
            if h.get("apiVersion") != "autoscaling/v2":
                errors.append("HorizontalPodAutoscaler %s: apiVersion %s, expected autoscaling/v2"
                              % (h["metadata"]["name"], h.get("apiVersion")))
            mn, mx = h["spec"].get("minReplicas", 1), h["spec"].get("maxReplicas", 0)
            if mx < mn:
                errors.append("HorizontalPodAutoscaler %s: maxReplicas < minReplicas"
                              % h["metadata"]["name"])
            if gw["replicas"] is not None:
                errors.append("Deployment %s sets replicas: %s while an autoscaler owns the count "
                              "(every apply would reset it)" % (gw["name"], gw["replicas"]))
            for m in h["spec"].get("metrics") or []:
                r = (m.get("resource") or {})
                if (r.get("target") or {}).get("type") == "Utilization":
                    req = ((gw["container"].get("resources") or {}).get("requests") or {})
                    if r.get("name") not in req:
                        errors.append("HorizontalPodAutoscaler %s: %s utilisation needs a %s "
                                      "request" % (h["metadata"]["name"], r.get("name"),
                                                   r.get("name")))


def check_profile(profile, deployments, gw, errors):
    """What each environment promises: prod runs several replicas of each
    backend on one PostgreSQL database (URI from a Secret), dev one of each
    on SQLite."""
    if profile == "prod":
        for b in BACKENDS:
            info = deployments.get(b)
            if info and (info["replicas"] or 1) < 2:
                errors.append("prod: Deployment %s has %s replica(s), expected at least 2"
                              % (info["name"], info["replicas"] or 1))
            if info and not info["postgres"]:
                errors.append("prod: Deployment %s keeps its data in SQLite (DYAD_DB=%s); prod "
                              "backends share one PostgreSQL database (a postgresql:// URI)"
                              % (info["name"], info["env"].get("DYAD_DB")))
            elif info and info["db_source"] != "secret":
                errors.append("prod: Deployment %s: DYAD_DB is not from a Secret (it comes from "
                              "a %s); the connection belongs to the operator's Secret"
                              % (info["name"], info["db_source"]))
        if gw and gw["hpa"] and gw["hpa"][0]["spec"].get("minReplicas", 1) < 2:
            errors.append("prod: the gateway's autoscaler allows fewer than 2 replicas")
        web = deployments.get(WEB)
        if web and not web["hpa"] and (web["replicas"] or 1) < 2:
            errors.append("prod: Deployment %s has %s replica(s), expected at least 2"
                          % (web["name"], web["replicas"] or 1))
    elif profile == "dev":
        for b in BACKENDS:
            info = deployments.get(b)
            if info and (info["replicas"] or 1) != 1:
                errors.append("dev: Deployment %s has %s replicas, expected 1"
                              % (info["name"], info["replicas"]))
            if info and info["postgres"]:
                errors.append("dev: Deployment %s runs on PostgreSQL; dev keeps SQLite (no "
                              "database server to run)" % info["name"])
        if gw and gw["hpa"] and gw["hpa"][0]["spec"].get("minReplicas", 1) != 1:
            errors.append("dev: the gateway's autoscaler should start at 1 replica")


def check_manifests(docs, ctx, errors):
    """All checks of the rendered objects; problems are appended to `errors`."""
    profile = ctx.get("profile")
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d.get("kind"), []).append(d)
    configmaps = {d["metadata"]["name"]: d for d in by_kind.get("ConfigMap", [])}
    ctx["secrets"] = {d["metadata"]["name"]: d for d in by_kind.get("Secret", [])}
    namespaces = {d.get("metadata", {}).get("namespace") for d in docs
                  if d.get("kind") not in ("Namespace",)}
    if len(namespaces) != 1:
        errors.append("objects are spread over namespaces %s" % sorted(map(str, namespaces)))
    namespace = sorted(map(str, namespaces))[0]
    ns_objs = by_kind.get("Namespace", [])
    for ns in ns_objs:
        labels = ns["metadata"].get("labels") or {}
        if labels.get("pod-security.kubernetes.io/enforce") != "restricted":
            errors.append("Namespace %s does not enforce the restricted Pod Security Standard"
                          % ns["metadata"]["name"])

    for d in docs:
        labels = d.get("metadata", {}).get("labels") or {}
        for key in ("app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"):
            if d.get("kind") != "Namespace" and key not in labels:
                errors.append("%s %s: no label %s" % (d.get("kind"), d["metadata"].get("name"),
                                                      key))

    deployments = {}  # binary -> info
    hpas = by_kind.get("HorizontalPodAutoscaler", [])
    for dep in by_kind.get("Deployment", []):
        images = [image_basename(c.get("image", ""))
                  for c in ((dep.get("spec") or {}).get("template") or {}).get("spec", {}).get(
                      "containers") or []]
        if WEB in images:
            info = check_web_deployment(dep, configmaps, hpas, ctx, errors)
        else:
            info = check_deployment(dep, configmaps, hpas, ctx, errors)
        if info is None:
            continue
        if info["binary"] in deployments:
            errors.append("%s: a second Deployment runs %s" % (info["where"], info["binary"]))
        deployments[info["binary"]] = info
    for b in list(SERVERS) + [WEB]:
        if b not in deployments:
            errors.append("no Deployment runs %s" % b)
    ctx["deployments"] = deployments

    gw = deployments.get(GATEWAY)
    services, service_of = check_services(by_kind, deployments, errors)
    if gw:
        check_gateway_targets(gw, services, service_of, deployments, namespace, errors)
    if deployments.get(WEB):
        check_gateway_targets(deployments[WEB], services, service_of, deployments, namespace,
                              errors, WEB_TARGET_FLAGS)
    check_ingresses(by_kind, services, service_of, errors)
    check_network_policies(by_kind, deployments, gw, errors)
    check_budgets_and_autoscaler(by_kind, deployments, gw, errors)
    check_profile(profile, deployments, gw, errors)


def check(docs, ctx):
    errors = []
    check_manifests(docs, ctx, errors)
    if ctx.get("dockerfile"):
        check_dockerfile(ctx["dockerfile"], ctx, errors)
    return errors


# ------------------------------------------------------------- self-test

def _dep(docs, name):
    return next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name)


def _ctr(docs, name):
    return _dep(docs, name)["spec"]["template"]["spec"]["containers"][0]


def _obj(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def _cm(docs, prefix):
    return next(d for d in docs if d["kind"] == "ConfigMap"
                and d["metadata"]["name"].startswith(prefix))


def _drop(docs, kind, name):
    return [d for d in docs if not (d["kind"] == kind and d["metadata"]["name"] == name)]


def _add_env(docs, dep, name, value):
    _ctr(docs, dep).setdefault("env", []).append({"name": name, "value": value})
    return docs


def _set_sqlite_db(docs, dep, path):
    """Moves `dep` to SQLite at `path` (prod's URI from a Secret dropped)."""
    c = _ctr(docs, dep)
    c["env"] = [e for e in c.get("env") or [] if e.get("name") != "DYAD_DB"]
    _cm(docs, dep + "-config")["data"]["DYAD_DB"] = path
    return docs


def _writes_on_three(docs, dep):
    _set_sqlite_db(docs, dep, "/tmp/%s.db" % dep[5:])
    _dep(docs, dep)["spec"]["replicas"] = 3
    _cm(docs, "dyad-backends")["data"]["DYAD_WRITE_TOKEN_FILE"] = \
        "/var/run/secrets/dyad/write-token/token"
    c = _ctr(docs, dep)
    pod = _dep(docs, dep)["spec"]["template"]["spec"]
    if not any(v["name"] == "write-token" for v in pod["volumes"]):
        c.setdefault("volumeMounts", []).append(
            {"name": "write-token", "mountPath": "/var/run/secrets/dyad/write-token",
             "readOnly": True})
        pod["volumes"].append({"name": "write-token", "secret": {
            "secretName": "dyad-write-token", "defaultMode": 0o440}})
    return docs


def _db_secret(docs):
    return next(d for d in docs if d["kind"] == "Secret"
                and d["metadata"]["name"].startswith("dyad-db"))


def _set_db_uri(docs, uri):
    _db_secret(docs)["data"]["uri"] = base64.b64encode(uri.encode()).decode()
    return docs


def _db_volume(docs, dep):
    return next(v for v in _dep(docs, dep)["spec"]["template"]["spec"]["volumes"]
                if v["name"] == "db-password")


# Each mutation breaks one promise; the check must name it. (description,
# function(docs) -> docs, or (docs, dockerfile text), substring expected in
# one of the errors).
MUTATIONS = [
    ("readiness probe on another port",
     lambda d: (_ctr(d, "dyad-events")["readinessProbe"]["grpc"].update(port=50052), d)[1],
     "readinessProbe grpc.port=50052"),
    ("liveness probe asks for a wrong service name",
     lambda d: (_ctr(d, "dyad-economics")["livenessProbe"]["grpc"].update(
         service="dyad.economics.v1.Economics"), d)[1],
     "livenessProbe grpc.service='dyad.economics.v1.Economics'"),
    ("startup probe asks for the server-wide status",
     lambda d: (_ctr(d, "dyad-gateway")["startupProbe"]["grpc"].pop("service"), d)[1],
     "startupProbe grpc.service=None"),
    ("no readiness probe", lambda d: (_ctr(d, "dyad-gateway").pop("readinessProbe"), d)[1],
     "no readinessProbe"),
    ("liveness probe over TCP instead of gRPC",
     lambda d: (_ctr(d, "dyad-institutions").update(
         livenessProbe={"tcpSocket": {"port": 50053}}), d)[1],
     "livenessProbe is not a grpc probe"),
    ("DYAD_PORT differs from the container port and the probes",
     lambda d: (_cm(d, "dyad-events-config")["data"].update(DYAD_PORT="50061"), d)[1],
     "DYAD_PORT=50061 but the container ports are [50051, 9090]"),
    ("container port moved, probes and config not",
     lambda d: (_ctr(d, "dyad-events")["ports"][0].update(containerPort=50061), d)[1],
     "grpc.port=50051, but DYAD_PORT=50051 and containerPort [50061, 9090]"),
    ("scrape annotation on another port than the metrics endpoint",
     lambda d: (_dep(d, "dyad-gateway")["spec"]["template"]["metadata"]["annotations"].update(
         {"prometheus.io/port": "9091"}), d)[1],
     "prometheus.io/port annotations are 'true' and '9091'"),
    ("metrics container port gone",
     lambda d: (_ctr(d, "dyad-institutions").update(
         ports=[p for p in _ctr(d, "dyad-institutions")["ports"] if p["name"] != "metrics"]),
         d)[1],
     "DYAD_METRICS_PORT=9090 but the container port named metrics is None"),
    ("the monitoring rule also opens a backend's gRPC port",
     lambda d: (_obj(d, "NetworkPolicy", "dyad-events")["spec"]["ingress"][1]["ports"].append(
         {"protocol": "TCP", "port": 50051}), d)[1],
     "only the gateway's pods may reach a backend"),
    ("the metrics port open to every namespace",
     lambda d: (_obj(d, "NetworkPolicy", "dyad-economics")["spec"]["ingress"][1]["from"][0]
                .update(namespaceSelector={}), d)[1],
     "the metrics port is open to"),
    ("a misspelt flag", lambda d: _add_env(d, "dyad-economics", "DYAD_LOGLEVEL", "debug"),
     "DYAD_LOGLEVEL is not a flag of dyad-economics"),
    ("a backend flag given to the gateway",
     lambda d: _add_env(d, "dyad-gateway", "DYAD_PLUGINS", "/opt/dyad/plugins"),
     "DYAD_PLUGINS is not a flag of dyad-gateway"),
    ("a lower-case flag variable", lambda d: _add_env(d, "dyad-events", "DYAD_log_level", "info"),
     "DYAD_log_level: the servers read DYAD_<UPPERCASE FLAG>"),
    ("a value the binary refuses",
     lambda d: (_cm(d, "dyad-common")["data"].update(DYAD_LOG_LEVEL="verbose"), d)[1],
     "started with this configuration did not start"),
    ("the write token in the environment",
     lambda d: _add_env(d, "dyad-events", "DYAD_WRITE_TOKEN", "hunter2"),
     "DYAD_WRITE_TOKEN puts a token in the environment"),
    ("backend Service not headless",
     lambda d: (_obj(d, "Service", "dyad-events")["spec"].pop("clusterIP"), d)[1],
     "Service dyad-events: not headless"),
    ("Service targetPort is not a container port",
     lambda d: (_obj(d, "Service", "dyad-institutions")["spec"]["ports"][0].update(
         targetPort=50099), d)[1],
     "Service dyad-institutions: targetPort 50099 is not a container port"),
    ("gateway Service targets a port name the container lacks",
     lambda d: (_obj(d, "Service", "dyad-gateway")["spec"]["ports"][0].update(
         targetPort="http"), d)[1],
     "Service dyad-gateway: targetPort 'http'"),
    ("headless Service port differs from the container port",
     lambda d: (_obj(d, "Service", "dyad-economics")["spec"]["ports"][0].update(port=80), d)[1],
     "headless, so clients dial the pods at port 80"),
    ("gateway target names no Service",
     lambda d: (_cm(d, "dyad-gateway-config")["data"].update(
         DYAD_ECONOMICS="dns:///dyad-economic:50052"), d)[1],
     "there is no Service dyad-economic"),
    ("gateway target on the wrong port",
     lambda d: (_cm(d, "dyad-gateway-config")["data"].update(
         DYAD_INSTITUTIONS="dns:///dyad-institutions:50054"), d)[1],
     "Service dyad-institutions has no port 50054"),
    ("gateway target swapped to another backend",
     lambda d: (_cm(d, "dyad-gateway-config")["data"].update(
         DYAD_EVENTS="dns:///dyad-economics:50052"), d)[1],
     "Service dyad-economics does not select the pods of dyad-events"),
    ("gateway target left at loopback",
     lambda d: (_cm(d, "dyad-gateway-config")["data"].update(DYAD_EVENTS="127.0.0.1:50051"),
                d)[1],
     "not a dns name of a Service"),
    ("writable root filesystem",
     lambda d: (_ctr(d, "dyad-events")["securityContext"].update(
         readOnlyRootFilesystem=False), d)[1],
     "readOnlyRootFilesystem is not true"),
    ("privilege escalation allowed",
     lambda d: (_ctr(d, "dyad-gateway")["securityContext"].pop("allowPrivilegeEscalation"),
                d)[1],
     "allowPrivilegeEscalation is not false"),
    ("capabilities kept",
     lambda d: (_ctr(d, "dyad-economics")["securityContext"].pop("capabilities"), d)[1],
     "capabilities must drop ALL"),
    ("may run as root",
     lambda d: (_ctr(d, "dyad-events")["securityContext"].pop("runAsNonRoot"),
                _dep(d, "dyad-events")["spec"]["template"]["spec"]["securityContext"].pop(
                    "runAsNonRoot"), d)[2],
     "runAsNonRoot is not true"),
    ("no seccomp profile",
     lambda d: (_ctr(d, "dyad-institutions")["securityContext"].pop("seccompProfile"),
                _dep(d, "dyad-institutions")["spec"]["template"]["spec"]["securityContext"].pop(
                    "seccompProfile"), d)[2],
     "seccompProfile is not RuntimeDefault"),
    ("Service links on",
     lambda d: (_dep(d, "dyad-gateway")["spec"]["template"]["spec"].pop("enableServiceLinks"),
                d)[1],
     "enableServiceLinks is not false"),
    ("no preStop pause", lambda d: (_ctr(d, "dyad-events").pop("lifecycle"), d)[1],
     "no preStop pause"),
    ("grace period shorter than pause + shutdown grace",
     lambda d: (_dep(d, "dyad-economics")["spec"]["template"]["spec"].update(
         terminationGracePeriodSeconds=12), d)[1],
     "terminationGracePeriodSeconds=12 is not more than"),
    ("shutdown grace raised without the grace period",
     lambda d: (_cm(d, "dyad-common")["data"].update(DYAD_SHUTDOWN_GRACE="1m"), d)[1],
     "shutdown_grace 60s"),
    ("no memory limit",
     lambda d: (_ctr(d, "dyad-institutions")["resources"]["limits"].pop("memory"), d)[1],
     "no resources.limits.memory"),
    ("no /tmp volume",
     lambda d: (_ctr(d, "dyad-gateway").update(volumeMounts=[]), d)[1],
     "/tmp is not a writable emptyDir"),
    ("database on the read-only root",
     lambda d: _set_sqlite_db(d, "dyad-events", "/var/lib/dyad/events.db"),
     "DYAD_DB=/var/lib/dyad/events.db is not on a writable volume"),
    ("image without a tag",
     lambda d: (_ctr(d, "dyad-events").update(image="dyad-events:latest"), d)[1],
     "has no fixed tag or digest"),
    ("backend NetworkPolicy gone", lambda d: _drop(d, "NetworkPolicy", "dyad-events"),
     "NetworkPolicy for dyad-events: none selects its pods"),
    ("backend open to every pod",
     lambda d: (_obj(d, "NetworkPolicy", "dyad-economics")["spec"]["ingress"][0].update(
         **{"from": [{"podSelector": {}}]}), d)[1],
     "only the gateway's pods may reach a backend"),
    ("backend open to a namespace",
     lambda d: (_obj(d, "NetworkPolicy", "dyad-institutions")["spec"]["ingress"][0][
         "from"].append({"namespaceSelector": {}}), d)[1],
     "only the gateway's pods may reach a backend"),
    ("gateway may not call a backend",
     lambda d: (_obj(d, "NetworkPolicy", "dyad-gateway")["spec"].update(
         egress=_obj(d, "NetworkPolicy", "dyad-gateway")["spec"]["egress"][1:]), d)[1],
     "egress to dyad-events port 50051 is not allowed"),
    ("PodDisruptionBudget gone", lambda d: _drop(d, "PodDisruptionBudget", "dyad-institutions"),
     "0 PodDisruptionBudgets select its pods"),
    ("autoscaler gone", lambda d: _drop(d, "HorizontalPodAutoscaler", "dyad-gateway"),
     "no HorizontalPodAutoscaler scales"),
    ("replicas fixed beside the autoscaler",
     lambda d: (_dep(d, "dyad-gateway")["spec"].update(replicas=2), d)[1],
     "sets replicas: 2 while an autoscaler owns the count"),
    ("writes on several replicas, each with its own SQLite file",
     lambda d: _writes_on_three(d, "dyad-events"),
     "writes are on (DYAD_WRITE_TOKEN_FILE) with 3 replicas"),
    ("the database password on the command line",
     lambda d: (_ctr(d, "dyad-institutions").update(
         args=["--db=postgresql://dyad:hunter2@db/dyad"]), d)[1],
     "a password on the command line"),
    ("the database password in the environment",
     lambda d: _add_env(d, "dyad-economics", "PGPASSWORD", "hunter2"),
     "env PGPASSWORD: the database password goes in a file"),
    # The web front.
    ("web readiness probe asks another path",
     lambda d: (_ctr(d, "dyad-web")["readinessProbe"]["httpGet"].update(path="/health"), d)[1],
     "readinessProbe httpGet path '/health'"),
    ("web liveness probe on another port",
     lambda d: (_ctr(d, "dyad-web")["livenessProbe"]["httpGet"].update(port=9090), d)[1],
     "livenessProbe httpGet port=9090"),
    ("web liveness probe over gRPC",
     lambda d: (_ctr(d, "dyad-web").update(livenessProbe={"grpc": {"port": 8080}}), d)[1],
     "livenessProbe is not an httpGet probe"),
    ("a misspelt web flag", lambda d: _add_env(d, "dyad-web", "DYAD_GATEWAYS", "x:1"),
     "DYAD_GATEWAYS is not a flag of dyad-web"),
    ("a server flag given to the web front",
     lambda d: _add_env(d, "dyad-web", "DYAD_LOG_LEVEL", "info"),
     "DYAD_LOG_LEVEL is not a flag of dyad-web"),
    ("a value the web front refuses",
     lambda d: (_cm(d, "dyad-web-config")["data"].update(DYAD_DEFAULT_TIMEOUT="soon"), d)[1],
     "server.js started with this configuration did not start"),
    ("web target names no Service",
     lambda d: (_cm(d, "dyad-web-config")["data"].update(DYAD_GATEWAY="dns:///dyad-gw:50050"),
                d)[1],
     "DYAD_GATEWAY=dns:///dyad-gw:50050: there is no Service dyad-gw"),
    ("web target on the wrong port",
     lambda d: (_cm(d, "dyad-web-config")["data"].update(
         DYAD_ECONOMICS="dns:///dyad-economics:50051"), d)[1],
     "Service dyad-economics has no port 50051"),
    ("web front may not call the gateway",
     lambda d: (_obj(d, "NetworkPolicy", "dyad-web")["spec"].update(
         egress=_obj(d, "NetworkPolicy", "dyad-web")["spec"]["egress"][1:]), d)[1],
     "NetworkPolicy for dyad-web: egress to dyad-gateway port 50050 is not allowed"),
    ("a backend closed to the web front",
     lambda d: (_obj(d, "NetworkPolicy", "dyad-institutions")["spec"]["ingress"][0][
         "from"].pop(1), d)[1],
     "NetworkPolicy for dyad-institutions: the web front's pods may not reach port 50053"),
    ("web front's root filesystem writable",
     lambda d: (_ctr(d, "dyad-web")["securityContext"].update(readOnlyRootFilesystem=False),
                d)[1],
     "Deployment dyad-web (dyad-web): readOnlyRootFilesystem is not true"),
    ("web front Deployment gone", lambda d: _drop(d, "Deployment", "dyad-web"),
     "no Deployment runs dyad-web"),
    ("web Service gone", lambda d: _drop(d, "Service", "dyad-web"),
     "no Service selects the pods of dyad-web"),
    ("web PodDisruptionBudget gone", lambda d: _drop(d, "PodDisruptionBudget", "dyad-web"),
     "Deployment dyad-web: 0 PodDisruptionBudgets select its pods"),
    ("Ingress to a port the Service lacks",
     lambda d: (_obj(d, "Ingress", "dyad-web")["spec"]["rules"][0]["http"]["paths"][0][
         "backend"]["service"].update(port={"number": 80}), d)[1],
     "Service dyad-web has no port 80"),
    ("Ingress to the gateway's gRPC Service",
     lambda d: (_obj(d, "Ingress", "dyad-web")["spec"]["rules"][0]["http"]["paths"][0][
         "backend"]["service"].update(name="dyad-gateway"), d)[1],
     "Service dyad-gateway does not select the pods of dyad-web"),
    ("Dockerfile web target exposes another port",
     lambda d, df: (d, df.replace("EXPOSE 8080", "EXPOSE 9090")),
     "target dyad-web EXPOSEs [9090]"),
    ("Dockerfile web target without nodejs",
     lambda d, df: (d, df.replace("      nodejs; \\\n", "      ca-certificates; \\\n")),
     "target dyad-web installs no nodejs"),
    ("Dockerfile web target runs a script it does not copy",
     lambda d, df: (d, df.replace('"/opt/dyad/web/server.js"]', '"/opt/dyad/server.js"]')),
     "ENTRYPOINT runs /opt/dyad/server.js, which no COPY --from puts there"),
    ("Dockerfile lacks a runtime library",
     lambda d, df: (d, df.replace("      libfmt9 \\\n", "")),
     "runtime stage lacks libfmt9"),
    ("Dockerfile exposes another port",
     lambda d, df: (d, df.replace("EXPOSE 50052", "EXPOSE 8080")),
     "target dyad-economics EXPOSEs [8080]"),
    ("Dockerfile no longer copies a source folder",
     lambda d, df: (d, df.replace("COPY bench/ bench/\n", "")),
     "does not COPY bench/"),
    ("Dockerfile sets an image default that is not a flag",
     lambda d, df: (d, df.replace("    DYAD_DB=/data/events.db", "    DYAD_DATABASE=/data/events.db")),
     "sets ENV DYAD_DATABASE, not a flag of dyad-events"),
    ("Dockerfile build argument read as a flag",
     lambda d, df: (d, df.replace("ARG IMAGE_VERSION=dev", "ARG DYAD_VERSION=dev", 1)),
     "ARG DYAD_VERSION is in the environment of its RUN steps"),
]

PROFILE_MUTATIONS = {
    "prod": [("a backend back on SQLite in prod",
              lambda d: _set_sqlite_db(d, "dyad-economics", "/tmp/economics.db"),
              "prod: Deployment dyad-economics keeps its data in SQLite"),
             ("the database password in the URI",
              lambda d: _set_db_uri(d, "postgresql://dyad:hunter2@dyad-postgres:5432/dyad"),
              "DYAD_DB has a password in it"),
             ("the database password as a URI parameter",
              lambda d: _set_db_uri(d, "postgresql://dyad@dyad-postgres/dyad?password=hunter2"),
              "DYAD_DB has a password in it"),
             ("no database password file",
              lambda d: (_cm(d, "dyad-backends")["data"].pop("DYAD_DB_PASSWORD_FILE"), d)[1],
              "there is no DYAD_DB_PASSWORD_FILE"),
             ("the database password file on an emptyDir",
              lambda d: (_db_volume(d, "dyad-events").pop("secret"),
                         _db_volume(d, "dyad-events").update(emptyDir={}), d)[2],
              "DYAD_DB_PASSWORD_FILE=/var/run/secrets/dyad/db/password is not in a mounted "
              "Secret"),
             ("the database password file readable by everyone",
              lambda d: (_db_volume(d, "dyad-institutions")["secret"].update(defaultMode=0o644),
                         d)[1],
              "/var/run/secrets/dyad/db/password is readable by every user"),
             ("the database URI as a literal, not from a Secret",
              lambda d: (_ctr(d, "dyad-events").update(env=[
                  {"name": "DYAD_DB", "value": "postgresql://dyad@dyad-postgres/dyad"}]), d)[1],
              "prod: Deployment dyad-events: DYAD_DB is not from a Secret"),
             ("the URI's Secret not rendered",
              lambda d: _drop(d, "Secret", _db_secret(d)["metadata"]["name"]),
              "Secret key dyad-db-"),
             ("several writing replicas with a result cache each",
              lambda d: (_cm(d, "dyad-backends")["data"].update(DYAD_RESULT_CACHE_ENTRIES="1024"),
                         d)[1],
              "does not clear the others' caches"),
             ("a backend that may not reach the database",
              lambda d: (_obj(d, "NetworkPolicy", "dyad-economics")["spec"].update(egress=[]),
                         d)[1],
              "NetworkPolicy for dyad-economics: egress to the database port 5432"),
             ("a backend that may not resolve the database's name",
              lambda d: (_obj(d, "NetworkPolicy", "dyad-events")["spec"]["egress"].pop(1), d)[1],
              "the database host dyad-postgres cannot resolve"),
             ("a single backend replica in prod",
              lambda d: (_dep(d, "dyad-economics")["spec"].update(replicas=1), d)[1],
              "prod: Deployment dyad-economics has 1 replica(s)"),
             ("a single web front in prod",
              lambda d: (_dep(d, "dyad-web")["spec"].update(replicas=1), d)[1],
              "prod: Deployment dyad-web has 1 replica(s)")],
    "dev": [("a dev backend on PostgreSQL",
             lambda d: (_cm(d, "dyad-institutions-config")["data"].update(
                 DYAD_DB="postgresql://dyad@localhost/dyad"), d)[1],
             "dev: Deployment dyad-institutions runs on PostgreSQL"),
            ("the write token is world-readable",
             lambda d: (next(v for v in _dep(d, "dyad-events")["spec"]["template"]["spec"][
                 "volumes"] if v["name"] == "write-token")["secret"].update(defaultMode=0o644),
                 d)[1],
             "is readable by every user (mode 644)")],
}


def self_test(docs, dockerfile_text, ctx, label):
    """Runs every mutation on a copy; each must fail with its message."""
    base_errors = check(copy.deepcopy(docs), dict(ctx, dockerfile=Dockerfile(dockerfile_text)))
    if base_errors:
        print("%s: the unmodified manifests already fail:" % label)
        for e in base_errors:
            print("  " + e)
        return False
    ok = True
    muts = MUTATIONS + PROFILE_MUTATIONS.get(ctx.get("profile"), [])
    for desc, fn, expected in muts:
        d = copy.deepcopy(docs)
        df = dockerfile_text
        if fn.__code__.co_argcount == 2:
            d, df = fn(d, df)
            if df == dockerfile_text:
                print("FAIL %s: %s: the mutation did not apply to the Dockerfile" % (label, desc))
                ok = False
                continue
        else:
            d = fn(d)
        errors = check(d, dict(ctx, dockerfile=Dockerfile(df)))
        hit = [e for e in errors if expected in e]
        if hit:
            print("caught %s: %s\n    -> %s" % (label, desc, hit[0].splitlines()[0]))
        else:
            ok = False
            print("FAIL %s: %s: expected an error containing %r, got:%s"
                  % (label, desc, expected, "".join("\n    " + e for e in errors) or " none"))
    print("%s: %d mutations, %s" % (label, len(muts), "all caught" if ok else "SOME MISSED"))
    return ok


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overlays", nargs="*", help="overlay names (dev, prod) or directories")
    ap.add_argument("--build-dir", help="build tree with bin/dyad-* and plugins/")
    ap.add_argument("--source-dir", default=SOURCE_DIR)
    ap.add_argument("--kubectl", help="kubectl to render with (default: from PATH)")
    ap.add_argument("--rendered", help="check this rendered YAML instead of rendering")
    ap.add_argument("--profile", choices=["dev", "prod", "none"],
                    help="environment promises to check (default: the overlay's name)")
    ap.add_argument("--render-only", action="store_true")
    ap.add_argument("--self-test", action="store_true",
                    help="check that deliberate breaks of the manifests are caught")
    ap.add_argument("--out-dir", help="write the rendered YAML here (default: BUILD/deploy)")
    args = ap.parse_args()

    with open(os.path.join(args.source_dir, "deploy", "docker", "Dockerfile")) as f:
        dockerfile_text = f.read()
    inputs = []  # (label, profile, yaml text)
    if args.rendered:
        with open(args.rendered) as f:
            inputs.append((args.rendered, args.profile, f.read()))
    for o in args.overlays:
        path = o if os.path.isdir(o) else os.path.join(args.source_dir, "deploy", "k8s",
                                                       "overlays", o)
        label = os.path.basename(os.path.normpath(path))
        try:
            text = render(path, args.kubectl)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print("FAIL %s: %s" % (label, e))
            return 1
        profile = args.profile or (label if label in ("dev", "prod") else None)
        inputs.append((label, profile, text))
    if not inputs:
        ap.error("name an overlay or --rendered FILE")

    if args.render_only:
        for label, _, text in inputs:
            docs = load_docs(text)
            kinds = {}
            for d in docs:
                kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
            print("%s: rendered %d objects: %s" % (label, len(docs), ", ".join(
                "%d %s" % (n, k) for k, n in sorted(kinds.items()))))
        return 0

    if not args.build_dir:
        ap.error("--build-dir is required to check (the binaries list their flags)")
    binaries = Binaries(args.build_dir, args.source_dir)
    out_dir = args.out_dir or os.path.join(binaries.build_dir, "deploy")
    ok = True
    try:
        for label, profile, text in inputs:
            if not args.self_test and os.path.isdir(os.path.dirname(out_dir)):
                os.makedirs(out_dir, exist_ok=True)
                with open(os.path.join(out_dir, "rendered-%s.yaml" % label), "w") as f:
                    f.write(text)
            docs = load_docs(text)
            ctx = {"binaries": binaries, "profile": profile if profile != "none" else None,
                   "source_dir": args.source_dir}
            if args.self_test:
                ok = self_test(docs, dockerfile_text, ctx, label) and ok
                continue
            ctx["dockerfile"] = Dockerfile(dockerfile_text)
            try:
                errors = check(docs, ctx)
            except RuntimeError as e:
                errors = [str(e)]
            if errors:
                ok = False
                print("%s: %d problem(s):" % (label, len(errors)))
                for e in errors:
                    print("  " + e)
            else:
                deps = sorted(ctx.get("deployments", {}))
                writers = sorted(b for b, i in ctx["deployments"].items() if i["writes"])
                print("%s: ok (%d objects; %s each started with its rendered configuration, "
                      "answered its probe's health check with SERVING, %s, and stopped on "
                      "SIGTERM)" % (label, len(docs), ", ".join(deps),
                                    "writes open with the token on " + ", ".join(writers)
                                    if writers else "every backend refused writes"))
    finally:
        binaries.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

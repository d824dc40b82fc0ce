#!/usr/bin/python3
"""scripts/up.sh --postgres, as a person runs it: it starts a throw-away
PostgreSQL and the suite on it, the `dyad` CLI gets an answer through the
gateway, and Ctrl-C (SIGINT to the process group, as a terminal sends it)
stops every server, then PostgreSQL, and removes its data.

Usage: up_postgres_smoke_test.py SOURCE_DIR BUILD_DIR
Exit 77 (skipped) when PostgreSQL 15 or the tools up.sh uses are missing.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def main():
    source, build = sys.argv[1], sys.argv[2]
    pg_sh = os.path.join(source, "tests", "testing", "pg.sh")
    if subprocess.run(["bash", pg_sh, "available"], capture_output=True).returncode != 0:
        print("skipped: PostgreSQL 15 is not installed")
        return SKIP
    if not os.access(os.path.join(source, "tools", "node_modules", ".bin", "buf"), os.X_OK):
        print("skipped: tools/node_modules/.bin/buf missing (scripts/install-deps.sh)")
        return SKIP
    env = dict(os.environ)
    # A dyad-events built before its PostgreSQL store refuses a URI at once
    # ("cannot use PostgreSQL yet"): keep it on SQLite then.
    probe = subprocess.run([os.path.join(build, "bin", "dyad-events"),
                            "--db=postgresql://127.0.0.1:1/none", "--port=0",
                            "--host=127.0.0.1"], capture_output=True, text=True, timeout=60)
    if "cannot use PostgreSQL" in probe.stdout + probe.stderr:
        env["DYAD_UP_SQLITE_BACKENDS"] = "events"
        print("note: this dyad-events has no PostgreSQL store yet; it stays on SQLite")
    gw, ev, ec, inst, web = free_ports(5)
    data = tempfile.mkdtemp(prefix="dyad-up-smoke-")
    env.update(DYAD_BUILD_DIR=build, DYAD_DATA_DIR=data, DYAD_GATEWAY_PORT=str(gw),
               DYAD_EVENTS_PORT=str(ev), DYAD_ECONOMICS_PORT=str(ec),
               DYAD_INSTITUTIONS_PORT=str(inst), DYAD_WEB_PORT=str(web))
    log_path = os.path.join(data, "up.log")
    log = open(log_path, "w")
    up = subprocess.Popen(
        ["bash", os.path.join(source, "scripts", "up.sh"), "--postgres", "--no-build"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    pgid = up.pid
    failures = []

    def text():
        with open(log_path) as f:
            return f.read()
    try:
        deadline = time.monotonic() + 180
        while "Dyad is up" not in text() and up.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        if "Dyad is up" not in text():
            print(text()[-4000:])
            print("FAIL: up.sh --postgres did not come up")
            return 1
        m = re.search(r"data in (\S+), removed on Ctrl-C", text())
        pg_dir = m.group(1) if m else None
        if not pg_dir or not os.path.isdir(pg_dir):
            failures.append("no PostgreSQL data directory announced")
        for svc in ("economics", "institutions") + (
                () if env.get("DYAD_UP_SQLITE_BACKENDS") else ("events",)):
            if not re.search(r"\[%s\].*store PostgreSQL postgresql://" % svc, text()):
                failures.append("dyad-%s is not on PostgreSQL" % svc)
        password = open(os.path.join(pg_dir, "password")).read().strip() if pg_dir else ""
        if password and password in text():
            failures.append("the PostgreSQL password appears in the logs")
        # One question through the gateway with the CLI.
        # (--strict: exit 3 if any backend's part of the answer failed.)
        q = subprocess.run([os.path.join(build, "bin", "dyad"), "--target",
                            "127.0.0.1:%d" % gw, "--strict", "year", "2018"],
                           capture_output=True, text=True, timeout=60)
        print("$ dyad --strict year 2018\n" + q.stdout[:1500] + q.stderr[:500])
        if q.returncode != 0 or "Trade turnover" not in q.stdout:
            failures.append("dyad --strict year 2018 through the gateway: exit %d, no "
                            "Trade turnover figure in its answer" % q.returncode)
    finally:
        # Ctrl-C: SIGINT to the whole process group.
        try:
            os.killpg(pgid, signal.SIGINT)
        except ProcessLookupError:
            pass
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            failures.append("up.sh still running 60s after SIGINT")
            os.killpg(pgid, signal.SIGKILL)
            up.wait()
        log.close()
    out = text()
    if "PostgreSQL stopped, its data removed" not in out:
        failures.append("up.sh did not report stopping PostgreSQL")
    if pg_dir and os.path.exists(pg_dir):
        failures.append("PostgreSQL's directory %s is still there" % pg_dir)
    time.sleep(1)
    try:
        os.killpg(pgid, 0)
        failures.append("processes of up.sh's group are still running")
    except ProcessLookupError:
        pass
    print(out[-2500:])
    subprocess.run(["rm", "-rf", data])
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok: up.sh --postgres started the suite on PostgreSQL, answered through the "
              "gateway, and stopped everything on Ctrl-C")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

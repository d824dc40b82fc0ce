#!/usr/bin/python3
"""Structural check of the import Job example (deploy/k8s/jobs/import).

Renders the Job's Kustomization and the dev overlay offline and checks them
against each other, against deploy/docker/Dockerfile and against the real
`dyad` binary of a build tree:

  * the Job runs the dyad-cli image, restricted (non-root as the image's
    USER, read-only root, no privilege escalation, no capabilities, seccomp
    RuntimeDefault), with a memory limit, a retry budget (imports are
    idempotent, so a retry is safe) and a deadline;
  * its `dyad` command line: every global option is one `dyad --help` lists,
    `import` and the dataset word are accepted, every import option is one
    `dyad import --help` lists (a renamed flag fails the check);
  * the --events/--economics targets are the dev overlay's Services and
    ports, in the same namespace;
  * --write_token_file is in a mounted Secret volume of the Secret the dev
    backends read their token from, under the same key;
  * the files it imports are on the volume the fetch step writes;
  * a NetworkPolicy admits the Job's pods to the events and economics pods
    on those ports (the base policies admit only the gateway);
  * the Dockerfile's dyad-cli target runs dyad as a numeric non-root user
    and installs a package for every shared library the built `dyad` links,
    and build-images.sh builds it.

Usage:
  check_import_job.py --build-dir build            check
  check_import_job.py --build-dir build --self-test    every deliberate break is caught

Exit status: 0 ok, 1 problems (one line each), 77 when kubectl (or kustomize)
is not installed.
"""

import argparse
import copy
import importlib.util
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("dyad_deploy_check", os.path.join(HERE, "check.py"))
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

JOB_DIR = os.path.join("deploy", "k8s", "jobs", "import")
DEV_DIR = os.path.join("deploy", "k8s", "overlays", "dev")
# The backends `dyad import` writes to, by the global option naming each.
TARGETS = {"--events": "dyad-events", "--economics": "dyad-economics"}


def help_options(text):
    return set(re.findall(r"(--[a-z][a-z0-9_-]*)", text))


class Cli:
    """What the built `dyad` accepts, from its own --help."""

    def __init__(self, build_dir):
        self.exe = os.path.join(build_dir, "bin", "dyad")
        if not os.access(self.exe, os.X_OK):
            raise RuntimeError("%s is not built (scripts/build.sh)" % self.exe)
        self.global_help = self._help(["--help"])
        self.import_help = self._help(["import", "--help"])
        self.global_options = help_options(self.global_help)
        self.import_options = help_options(self.import_help)

    def _help(self, args):
        p = subprocess.run([self.exe] + args, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("%s %s exited %d: %s" % (self.exe, " ".join(args), p.returncode,
                                                        p.stderr.strip()))
        return p.stdout


def dyad_command(container):
    """The words of the `dyad` invocation in a container's command/args
    (a `sh -c` script is split with shell rules), or None."""
    words = list(container.get("command") or []) + list(container.get("args") or [])
    if len(words) >= 3 and os.path.basename(words[0]) in ("sh", "bash") and \
            words[1].startswith("-") and "c" in words[1]:
        words = shlex.split(words[2])
    for i, w in enumerate(words):
        if os.path.basename(w) == "dyad":
            return words[i + 1:]
    return None


def env_value(container, name, configmaps):
    for e in container.get("env") or []:
        if e.get("name") == name and "value" in e:
            return e["value"]
    for src in container.get("envFrom") or []:
        ref = (src.get("configMapRef") or {}).get("name")
        if ref in configmaps and name in configmaps[ref]:
            return configmaps[ref][name]
    return None


def mount_for(container, path):
    """The volumeMount whose mountPath holds `path` (longest match)."""
    best = None
    for m in container.get("volumeMounts") or []:
        mp = m["mountPath"].rstrip("/")
        if path == mp or path.startswith(mp + "/"):
            if best is None or len(mp) > len(best["mountPath"]):
                best = m
    return best


def check_job(job_docs, dev_docs, df, cli, build_dir, errors):
    jobs = [d for d in job_docs if d.get("kind") == "Job"]
    if len(jobs) != 1:
        errors.append("jobs/import: expected one Job, found %d" % len(jobs))
        return
    job = jobs[0]
    ns = job["metadata"].get("namespace")
    dev_ns = next((d["metadata"]["name"] for d in dev_docs if d.get("kind") == "Namespace"), None)
    if ns != dev_ns:
        errors.append("Job: namespace %r is not the dev overlay's %r, where backends take writes"
                      % (ns, dev_ns))
    spec = job["spec"]
    if not spec.get("backoffLimit"):
        errors.append("Job: no backoffLimit > 0 (an import is idempotent; let it retry)")
    if not spec.get("activeDeadlineSeconds"):
        errors.append("Job: no activeDeadlineSeconds (a stuck import would hold its pod forever)")
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels") or {}
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        errors.append("Job: restartPolicy %r" % pod.get("restartPolicy"))
    psc = pod.get("securityContext") or {}
    cli_user = (df.user("dyad-cli") or "").split(":")[0] if "dyad-cli" in df.stages else ""
    if not psc.get("runAsNonRoot"):
        errors.append("Job: pod securityContext lacks runAsNonRoot")
    if cli_user.isdigit() and psc.get("runAsUser") != int(cli_user):
        errors.append("Job: runAsUser %r is not the dyad-cli image's USER %s"
                      % (psc.get("runAsUser"), cli_user))
    if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        errors.append("Job: pod seccompProfile is not RuntimeDefault")

    configmaps = {d["metadata"]["name"]: d.get("data") or {}
                  for d in job_docs if d.get("kind") == "ConfigMap"}
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    containers = pod.get("containers") or []
    inits = pod.get("initContainers") or []
    for c in inits + containers:
        where = "Job container %s" % c["name"]
        if check.image_basename(c.get("image", "")) != "dyad-cli":
            errors.append("%s: image %r is not dyad-cli" % (where, c.get("image")))
        sc = c.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False:
            errors.append("%s: allowPrivilegeEscalation is not false" % where)
        if sc.get("readOnlyRootFilesystem") is not True:
            errors.append("%s: readOnlyRootFilesystem is not true" % where)
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            errors.append("%s: capabilities do not drop ALL" % where)
        if not ((c.get("resources") or {}).get("limits") or {}).get("memory"):
            errors.append("%s: no memory limit" % where)

    runs = [(c, dyad_command(c)) for c in containers]
    runs = [(c, w) for c, w in runs if w is not None]
    if len(runs) != 1:
        errors.append("Job: expected one container running dyad, found %d" % len(runs))
        return
    c, words = runs[0]
    where = "Job container %s" % c["name"]
    # Global options, then `import`, the dataset, import options and files.
    i, targets = 0, {}
    while i < len(words) and words[i].startswith("--"):
        opt = words[i].split("=", 1)[0]
        if opt not in cli.global_options:
            errors.append("%s: `dyad %s`: not a global option of dyad (dyad --help)"
                          % (where, opt))
        value = words[i].split("=", 1)[1] if "=" in words[i] else (
            words[i + 1] if i + 1 < len(words) else "")
        if opt in TARGETS:
            targets[opt] = value
        i += 1 if "=" in words[i] else 2
    if i >= len(words) or words[i] != "import":
        errors.append("%s: the dyad command is not `import`: %s" % (where, " ".join(words)))
        return
    i += 1
    dataset = words[i] if i < len(words) else ""
    m = re.fullmatch(r"\$\{?([A-Z_][A-Z0-9_]*)\}?", dataset)
    if m:
        dataset = env_value(c, m.group(1), configmaps) or ""
    if dataset not in ("gdelt", "icews", "comtrade", "wdi"):
        errors.append("%s: dataset %r is none of gdelt, icews, comtrade, wdi" % (where, dataset))
    elif not re.search(r"\b%s\b" % dataset, cli.import_help):
        errors.append("%s: `dyad import --help` does not name the dataset %r" % (where, dataset))
    i += 1
    token_file, files = None, []
    value_options = {"--write_token_file", "--max_errors", "--batch", "--layout", "--format"}
    while i < len(words):
        w = words[i]
        if w.startswith("--"):
            opt = w.split("=", 1)[0]
            if opt not in cli.import_options:
                errors.append("%s: `dyad import %s`: not an option of dyad import "
                              "(dyad import --help)" % (where, opt))
            takes_value = "=" not in w and opt in value_options
            value = w.split("=", 1)[1] if "=" in w else (words[i + 1] if takes_value and
                                                         i + 1 < len(words) else None)
            if opt == "--write_token_file":
                token_file = value
            i += 2 if takes_value else 1
        else:
            files.append(w)
            i += 1

    # Targets: the dev overlay's Services, on their ports.
    services = {d["metadata"]["name"]: d for d in dev_docs if d.get("kind") == "Service"}
    for opt, svc_name in TARGETS.items():
        target = targets.get(opt)
        if not target:
            errors.append("%s: no %s target (the default 127.0.0.1 is not a Service)"
                          % (where, opt))
            continue
        host, _, port = target.rpartition(":")
        host = host.split(".")[0]
        svc = services.get(host)
        if svc is None or host != svc_name:
            errors.append("%s: %s %s names no Service %s of the dev overlay"
                          % (where, opt, target, svc_name))
            continue
        ports = {p.get("port") for p in svc["spec"].get("ports") or []}
        if not port.isdigit() or int(port) not in ports:
            errors.append("%s: %s %s: Service %s serves port(s) %s"
                          % (where, opt, target, host, sorted(ports)))

    # The token: a mounted Secret, the one the dev backends read.
    dev_secrets = set()
    for d in dev_docs:
        if d.get("kind") == "Deployment":
            for v in d["spec"]["template"]["spec"].get("volumes") or []:
                if "secret" in v:
                    dev_secrets.add((v["secret"]["secretName"],
                                     tuple((it["key"], it["path"])
                                           for it in v["secret"].get("items") or [])))
    if not token_file:
        errors.append("%s: no --write_token_file (writes need the backends' token)" % where)
    else:
        m = mount_for(c, token_file)
        vol = volumes.get(m["name"]) if m else None
        if not vol or "secret" not in vol:
            errors.append("%s: --write_token_file %s is on no Secret volume" % (where, token_file))
        else:
            sec = vol["secret"]
            items = {it["path"]: it["key"] for it in sec.get("items") or []}
            rel = os.path.relpath(token_file, m["mountPath"])
            key = items.get(rel, rel if not items else None)
            if not any(name == sec["secretName"] and any(k == key for k, _ in its)
                       for name, its in dev_secrets):
                errors.append("%s: --write_token_file reads Secret %s key %s, not the dev "
                              "backends' write token %s" % (where, sec["secretName"], key,
                                                            sorted(n for n, _ in dev_secrets)))

    # The files: on the volume the fetch step writes.
    if not files:
        errors.append("%s: dyad import is given no files" % where)
    fetch_volumes = {m["name"] for ic in inits for m in ic.get("volumeMounts") or []
                     if not m.get("readOnly")}
    for f in files:
        m = mount_for(c, f)
        if not m or m["name"] not in fetch_volumes:
            errors.append("%s: %s is on no volume an init container writes" % (where, f))

    # Network: some policy admits the Job's pods to each backend's port.
    pols = [d for d in job_docs + dev_docs if d.get("kind") == "NetworkPolicy"]
    for opt, svc_name in TARGETS.items():
        dep = next((d for d in dev_docs if d.get("kind") == "Deployment" and
                    d["metadata"]["name"] == svc_name), None)
        if dep is None:
            continue
        pod_labels = dep["spec"]["template"]["metadata"].get("labels") or {}
        port = check.SERVERS[svc_name][1]
        admitted = False
        for p in pols:
            if p["metadata"].get("namespace") != ns or \
                    not check.selects(p["spec"].get("podSelector"), pod_labels):
                continue
            for rule in p["spec"].get("ingress") or []:
                peers = rule.get("from") or []
                ports = rule.get("ports")
                port_ok = ports is None or any(pp.get("port") == port for pp in ports)
                peer_ok = not peers or any(
                    "podSelector" in pe and "namespaceSelector" not in pe and
                    check.selects(pe["podSelector"], labels) for pe in peers)
                admitted = admitted or (port_ok and peer_ok)
        if not admitted:
            errors.append("NetworkPolicy: no policy admits the Job's pods to %s on port %d"
                          % (svc_name, port))

    # The image.
    if "dyad-cli" not in df.stages:
        errors.append("Dockerfile: no target stage dyad-cli")
        return
    ep = df.stages["dyad-cli"]["entrypoint"]
    if not ep or os.path.basename(ep[0]) != "dyad":
        errors.append("Dockerfile: target dyad-cli: ENTRYPOINT %r does not run dyad" % (ep,))
    if not cli_user.isdigit() or cli_user == "0":
        errors.append("Dockerfile: target dyad-cli: USER %r is not a numeric non-root uid"
                      % df.user("dyad-cli"))
    m = re.search(r"# cli-packages:begin(.*?)# cli-packages:end", df.text, re.S)
    pkgs = set(df.runtime_packages() or [])
    if not m:
        errors.append("Dockerfile: no '# cli-packages:begin/end' block")
    else:
        pkgs |= set(re.findall(r"^\s+([a-z0-9][a-z0-9.+-]+)\s*(?:\\|;)", m.group(1), re.M))
    for so, pkg in linked_packages(os.path.join(build_dir, "bin", "dyad")):
        if pkg is None:
            errors.append("Dockerfile: cannot find the Debian package of %s (needed by dyad)" % so)
        elif pkg not in pkgs and pkg not in check.BASE_PACKAGES:
            errors.append("Dockerfile: dyad-cli lacks %s (for %s, needed by dyad)" % (pkg, so))
    with open(os.path.join(SOURCE, "deploy", "docker", "build-images.sh")) as f:
        if not re.search(r"for svc in [^;]*\bcli\b", f.read()):
            errors.append("deploy/docker/build-images.sh does not build dyad-cli")


_linked = {}


def linked_packages(exe):
    """[(soname, package)] for the DT_NEEDED entries of `exe` (dpkg -S is
    slow: asked once per run, the self-test reuses the answer)."""
    if exe not in _linked:
        _linked[exe] = _linked_packages(exe)
    return _linked[exe]


def _linked_packages(exe):
    out = subprocess.run(["readelf", "-d", exe], capture_output=True, text=True).stdout
    needed = [s for s in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
              if s != "libdyad_proto.so"]
    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    paths = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
    result = []
    for so in needed:
        pkg = None
        path = paths.get(so)
        for cand in ([path, os.path.realpath(path)] + (["/usr" + path]
                     if path.startswith("/lib") else [])) if path else []:
            p = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True)
            if p.returncode == 0:
                pkg = p.stdout.split(":", 1)[0].strip()
                break
        result.append((so, pkg))
    return result


def run_checks(job_docs, dev_docs, df_text, cli, build_dir):
    errors = []
    check_job(job_docs, dev_docs, check.Dockerfile(df_text), cli, build_dir, errors)
    return errors


def _job(docs):
    return next(d for d in docs if d.get("kind") == "Job")


def _main_container(docs):
    return _job(docs)["spec"]["template"]["spec"]["containers"][0]


def _edit_script(docs, old, new):
    c = _main_container(docs)
    c["command"][-1] = c["command"][-1].replace(old, new)


BREAKS = [
    ("a renamed import flag", lambda j, d, f: (_edit_script(j, "--write_token_file",
                                                            "--token_file"), f)[1]),
    ("a wrong events port", lambda j, d, f: (_edit_script(j, "dyad-events:50051",
                                                          "dyad-events:50052"), f)[1]),
    ("no network policy", lambda j, d, f: (j.remove(next(x for x in j if x.get("kind") ==
                                                          "NetworkPolicy")), f)[1]),
    ("another image", lambda j, d, f: (_main_container(j).__setitem__("image", "dyad-events"),
                                       f)[1]),
    ("root in the image", lambda j, d, f: f.replace("USER 65532:65532\nENTRYPOINT "
                                                    "[\"/opt/dyad/bin/dyad\"]",
                                                    "USER 0\nENTRYPOINT [\"/opt/dyad/bin/dyad\"]")),
    ("no libarchive in the image", lambda j, d, f: f.replace("      libarchive13 \\\n", "")),
    ("another Secret", lambda j, d, f: (next(v for v in _job(j)["spec"]["template"]["spec"]
                                             ["volumes"] if "secret" in v)["secret"]
                                        .__setitem__("secretName", "other"), f)[1]),
]


SOURCE = os.path.dirname(HERE)


def main():
    global SOURCE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-dir", default=SOURCE)
    ap.add_argument("--kubectl")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    SOURCE = os.path.abspath(a.source_dir)
    job_docs = check.load_docs(check.render(os.path.join(SOURCE, JOB_DIR), a.kubectl))
    dev_docs = check.load_docs(check.render(os.path.join(SOURCE, DEV_DIR), a.kubectl))
    with open(os.path.join(SOURCE, "deploy", "docker", "Dockerfile")) as f:
        df_text = f.read()
    cli = Cli(os.path.abspath(a.build_dir))
    errors = run_checks(job_docs, dev_docs, df_text, cli, a.build_dir)
    for e in errors:
        print("FAIL:", e)
    if errors:
        return 1
    print("ok: the import Job (%s) agrees with the dev overlay, the Dockerfile and `dyad`"
          % JOB_DIR)
    if a.self_test:
        missed = []
        for name, brk in BREAKS:
            j, d = copy.deepcopy(job_docs), copy.deepcopy(dev_docs)
            f = brk(j, d, df_text)
            if f == df_text and name in ("root in the image", "no libarchive in the image"):
                missed.append("%s: the break did not apply to the Dockerfile" % name)
                continue
            errs = run_checks(j, d, f, cli, a.build_dir)
            if errs:
                print("caught %-28s %s" % (name + ":", errs[0]))
            else:
                missed.append(name)
        for m in missed:
            print("FAIL: break not caught:", m)
        return 1 if missed else 0
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print("FAIL:", e)
        sys.exit(1)

"""Build hooks of dyad-client (metadata: pyproject.toml).

The protobuf and gRPC modules (the ``dyad`` package: dyad.events.v1...) are
generated from the .proto files whenever the package is built, with protoc
and Debian's grpc_python_plugin (never grpcio-tools), straight into the build
directory, so a wheel and an install carry them and the source tree stays
free of generated code. The .proto files are found in $DYAD_PROTO_ROOT, else
./proto (an sdist carries them there), else ../../proto (the repository).
"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py
from setuptools.command.sdist import sdist as _sdist

HERE = Path(__file__).resolve().parent


def proto_root() -> Path:
    candidates = [os.environ.get("DYAD_PROTO_ROOT"), HERE / "proto", HERE.parent.parent / "proto"]
    for c in candidates:
        if c and (Path(c) / "dyad").is_dir():
            return Path(c).resolve()
    raise SystemExit("dyad-client: no proto/dyad found (looked in $DYAD_PROTO_ROOT, "
                     f"{HERE / 'proto'}, {HERE.parent.parent / 'proto'}): build from a Dyad "
                     "checkout or an sdist, or set DYAD_PROTO_ROOT")


def tool(env: str, name: str, package: str) -> str:
    path = os.environ.get(env) or shutil.which(name) or f"/usr/bin/{name}"
    if not os.access(path, os.X_OK):
        raise SystemExit(f"dyad-client: {name} not found (apt-get install {package}, "
                         f"or set {env})")
    return path


def generate(out: Path) -> None:
    """protoc --python_out --pyi_out --grpc_python_out for every proto/dyad/**.proto."""
    root = proto_root()
    protoc = tool("PROTOC", "protoc", "protobuf-compiler")
    plugin = tool("GRPC_PYTHON_PLUGIN", "grpc_python_plugin", "protobuf-compiler-grpc")
    protos = sorted(p.relative_to(root).as_posix() for p in (root / "dyad").rglob("*.proto"))
    shutil.rmtree(out / "dyad", ignore_errors=True)  # no module of a deleted proto survives
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([protoc, "-I", ".", f"--python_out={out}", f"--pyi_out={out}",
                    f"--grpc_python_out={out}", f"--plugin=protoc-gen-grpc_python={plugin}",
                    *protos], cwd=root, check=True)
    # Regular packages (not namespace packages), so `dyad` cannot be merged
    # with an unrelated directory of that name; py.typed: the .pyi files count.
    for d in [out / "dyad", *(p for p in (out / "dyad").rglob("*") if p.is_dir())]:
        (d / "__init__.py").touch()
    (out / "dyad" / "py.typed").touch()
    print(f"dyad-client: generated {len(protos)} protos from {root} into {out}")


class build_py(_build_py):
    def run(self) -> None:
        super().run()
        if not self.dry_run:
            generate(Path(self.build_lib).resolve())


class sdist(_sdist):
    def make_release_tree(self, base_dir: str, files) -> None:
        super().make_release_tree(base_dir, files)
        dest = Path(base_dir) / "proto" / "dyad"
        shutil.copytree(proto_root() / "dyad", dest, dirs_exist_ok=True)


# Packages here rather than in [tool.setuptools] (still "beta" in setuptools 66).
setup(
    packages=["dyad_client"],
    package_data={"dyad_client": ["py.typed"]},
    cmdclass={"build_py": build_py, "sdist": sdist},
)

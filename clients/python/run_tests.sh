#!/usr/bin/env bash
# Installs the Python client as a user would and runs its tests against the
# real binaries in BUILD/bin:
#
#   1. copies the committed sources it needs (clients/python, proto) into
#      BUILD/python-package/src, as a fresh clone would have them;
#   2. `pip install --no-index --no-build-isolation './clients/python[pandas]'`
#      there into a fresh venv (--system-site-packages: Debian's grpcio,
#      protobuf, pandas, setuptools and wheel; --no-index: PyPI is never asked);
#   3. builds an sdist of the same tree and a wheel from that sdist
#      (BUILD/python-package/dist/), and installs the wheel alone into a
#      second fresh venv;
#   4. runs every test (unittest) with the first venv's python, from outside
#      the source tree, and test_package (installed files, a real call) with
#      the second's. Stubs for running from a checkout are also generated
#      into BUILD/python (the example's test runs it that way too).
#
#   clients/python/run_tests.sh [BUILD_DIR] [unittest args...]
#
# Exit 77 (ctest SKIP_RETURN_CODE) only when a tool is missing: /usr/bin/python3
# with grpcio, protobuf and venv, protoc, or grpc_python_plugin. Anything else
# that goes wrong (pandas missing included: scripts/install-deps.sh installs it)
# is a failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-${DYAD_BUILD_DIR:-$repo/build}}" && pwd)"
shift || true
python="${DYAD_PYTHON:-/usr/bin/python3}"

if [ ! -x "$python" ]; then
  echo "SKIP: $python not found (apt-get install python3 python3-grpcio python3-protobuf)"; exit 77
fi
if ! "$python" -c 'import grpc, google.protobuf' 2>/dev/null; then
  echo "SKIP: $python lacks grpc/protobuf (apt-get install python3-grpcio python3-protobuf)"; exit 77
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  echo "SKIP: $python cannot make virtual environments (apt-get install python3-venv)"; exit 77
fi

"$here/generate.sh" "$build/python"   # exits 77 itself when protoc or the plugin is missing

pkg="$build/python-package"
rm -rf "$pkg"
mkdir -p "$pkg/src"

echo "--- sources (as a fresh clone has them)"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Committed and new files, never ignored ones (build/, *.egg-info, caches).
  git -C "$repo" ls-files -z --cached --others --exclude-standard -- clients/python proto |
    (cd "$repo" && xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh) |
    tar -C "$repo" --null -T - -cf - | tar -C "$pkg/src" -xf -
else
  tar -C "$repo" --exclude=build --exclude='*.egg-info' --exclude=__pycache__ \
    -cf - clients/python proto | tar -C "$pkg/src" -xf -
fi

# pip: only the command line counts (--isolated ignores PIP_* variables and
# config files, e.g. extra --find-links), and it never looks at an index.
pip_offline=(-m pip --isolated --no-input --disable-pip-version-check)

echo "--- pip install ./clients/python[pandas] into a fresh venv"
"$python" -m venv --system-site-packages "$pkg/venv"
(cd "$pkg/src" && "$pkg/venv/bin/python" "${pip_offline[@]}" install --no-index \
  --no-build-isolation './clients/python[pandas]')

echo "--- an sdist (it carries the .proto files), a wheel built from it, the wheel alone into another fresh venv"
# What `python -m build` does (python3-build is not needed): sdist, then the
# wheel from the unpacked sdist, where ../../proto does not exist.
(cd "$pkg/src/clients/python" && "$pkg/venv/bin/python" -c \
  'import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])' "$pkg/dist")
"$pkg/venv/bin/python" "${pip_offline[@]}" wheel --no-index --no-build-isolation --no-deps \
  -w "$pkg/dist" "$pkg/dist"/dyad-client-*.tar.gz
"$python" -m venv --system-site-packages "$pkg/venv-wheel"
"$pkg/venv-wheel/bin/python" "${pip_offline[@]}" install --no-index "$pkg/dist"/dyad_client-*.whl

export DYAD_BUILD_DIR="$build"
export PYTHONDONTWRITEBYTECODE=1
unset DYAD_TARGET DYAD_EVENTS_TARGET DYAD_ECONOMICS_TARGET DYAD_INSTITUTIONS_TARGET
unset DYAD_PYTHON_GEN PYTHONPATH
cd "$pkg"   # not clients/python: `import dyad_client` must find the installed copy

echo "--- tests with the wheel's venv: test_package"
DYAD_EXPECT_INSTALLED="$pkg/venv-wheel" \
  "$pkg/venv-wheel/bin/python" -m unittest discover -s "$here/tests" -t "$here/tests" \
  -p test_package.py -v

echo "--- every test with the pip-installed venv"
DYAD_EXPECT_INSTALLED="$pkg/venv" DYAD_SOURCE_PYTHON="$python" \
  exec "$pkg/venv/bin/python" -m unittest discover -s "$here/tests" -t "$here/tests" -v "$@"

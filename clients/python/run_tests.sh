#!/usr/bin/env bash
# Generates the stubs into BUILD/python and runs the Python client tests
# (unittest) against the real binaries in BUILD/bin.
#
#   clients/python/run_tests.sh [BUILD_DIR] [unittest args...]
#
# Exit 77 (ctest SKIP_RETURN_CODE) only when a tool is missing: /usr/bin/python3
# with grpcio and protobuf, protoc, or grpc_python_plugin. Anything else that
# goes wrong is a failure.
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

"$here/generate.sh" "$build/python"   # exits 77 itself when protoc or the plugin is missing

export DYAD_BUILD_DIR="$build" DYAD_PYTHON_GEN="$build/python"
export PYTHONDONTWRITEBYTECODE=1
unset DYAD_TARGET DYAD_EVENTS_TARGET DYAD_ECONOMICS_TARGET DYAD_INSTITUTIONS_TARGET
cd "$here"
exec "$python" -m unittest discover -s tests -t tests -v "$@"

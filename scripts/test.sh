#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then ctest (unit, gRPC,
# end-to-end, lint). Extra arguments go to ctest (e.g. -L unit, -R Events).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DYAD_BUILD_DIR:-$here/build}"
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j "${DYAD_TEST_JOBS:-2}" --timeout 300 "$@"

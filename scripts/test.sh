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
# Fuzz smoke run: each libFuzzer target for a bounded time (clang build in
# build-fuzz/). Skipped when extra ctest arguments narrow the run, or with
# DYAD_FUZZ_SECONDS=0.
if [ $# -eq 0 ] && [ "${DYAD_FUZZ_SECONDS:-15}" != "0" ]; then
  rc=0
  "$here/tests/fuzz/run.sh" "${DYAD_FUZZ_SECONDS:-15}" || rc=$?
  [ $rc -eq 0 ] || [ $rc -eq 77 ] || exit $rc
fi

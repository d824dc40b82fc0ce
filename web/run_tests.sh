#!/usr/bin/env bash
# The web tests: dyad-web's HTTP surface (test/http.test.ts: the README's curl
# example, every method over JSON and gRPC-Web, errors, deadlines, partial
# answers, CORS) and the explorer in Debian's chromium (test/explorer.test.ts),
# against the real binaries of BUILD_DIR/bin on free ports.
#
#   web/run_tests.sh [--no-build] [BUILD_DIR] [http|explorer]...
#
# Builds first (scripts/build.sh: npm ci when the lock changed, generate, tsc,
# esbuild) unless --no-build (ctest builds once, in the web_build test, and
# runs the two suites after it). Screenshots go to $DYAD_WEB_ARTIFACTS, else
# BUILD_DIR/web-artifacts.
#
# Exit 77 (ctest: skipped) only when a tool is missing: node >= 20, npm,
# protoc, or (for the explorer) chromium. Everything else that goes wrong fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build_first=1
if [ "${1:-}" = "--no-build" ]; then build_first=0; shift; fi
build="$(cd "${1:-${DYAD_BUILD_DIR:-$repo/build}}" && pwd)"
shift || true
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(http explorer)

for tool in node npm protoc; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not found (scripts/install-deps.sh installs it)"; exit 77; }
done
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || { echo "SKIP: node $major is too old for the tests (need >= 20; the server itself runs on 18)"; exit 77; }
export DYAD_CHROMIUM="${DYAD_CHROMIUM:-/usr/bin/chromium}"
if [[ " ${suites[*]} " == *" explorer "* ]] && [ ! -x "$DYAD_CHROMIUM" ]; then
  echo "SKIP: $DYAD_CHROMIUM not found (Debian package chromium; scripts/install-deps.sh installs it)"
  exit 77
fi

if [ $build_first -eq 1 ]; then
  bash "$here/scripts/build.sh"
fi
files=()
for s in "${suites[@]}"; do
  f="$here/dist/test/$s.test.js"
  [ -f "$f" ] || { echo "no $f: build first (web/scripts/build.sh)"; exit 1; }
  files+=("$f")
done

# Never let a browser download start; playwright-core drives $DYAD_CHROMIUM.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
unset DYAD_PORT DYAD_HOST DYAD_GATEWAY DYAD_EVENTS DYAD_ECONOMICS DYAD_INSTITUTIONS DYAD_CORS_ORIGINS
export DYAD_BUILD_DIR="$build"
export DYAD_WEB_ARTIFACTS="${DYAD_WEB_ARTIFACTS:-$build/web-artifacts}"
cd "$here"
exec node --test --test-reporter=spec --test-concurrency=1 "${files[@]}"

#!/usr/bin/env bash
# Installs the pinned toolchain (npm ci, only when package-lock.json changed),
# generates the TypeScript code from proto/, type-checks and compiles with
# tsc, and runs the tests with node's built-in runner against the real
# binaries in BUILD/bin.
#
#   clients/typescript/run_tests.sh [BUILD_DIR] [extra node --test args...]
#
# Exit 77 (ctest SKIP_RETURN_CODE) only when a tool is missing: node >= 20,
# npm, or protoc. Anything else that goes wrong (npm ci included) fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-${DYAD_BUILD_DIR:-$repo/build}}" && pwd)"
shift || true

for tool in node npm protoc; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not found"; exit 77; }
done
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || { echo "SKIP: node $major is too old (need >= 20)"; exit 77; }

cd "$here"
stamp=node_modules/.dyad-lock.sha256
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "--- npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

echo "--- generate"
bash scripts/generate.sh
echo "--- tsc"
rm -rf dist
node_modules/.bin/tsc -p .
echo "--- node --test"
unset DYAD_TARGET DYAD_EVENTS_TARGET DYAD_ECONOMICS_TARGET DYAD_INSTITUTIONS_TARGET
export DYAD_BUILD_DIR="$build"
exec node --test --test-reporter=spec "$@" dist/test/*.test.js

#!/usr/bin/env bash
# Builds web/ from a fresh clone in seconds:
#   1. npm ci, only when package.json or package-lock.json changed (their
#      hash is kept in node_modules/.dyad-lock.sha256); no browser is ever
#      downloaded (playwright-core drives Debian's chromium);
#   2. src/gen: TypeScript from proto/ by clients/typescript/scripts/generate.sh
#      (protoc + this package's protoc-gen-es);
#   3. tsc --noEmit: the server, the page and the tests type-check;
#   4. esbuild (scripts/bundle.mjs):
#        dist/server.js        the HTTP front, one file, no node_modules needed
#        dist/public/          the explorer page: index.html, app.js, app.css
#        dist/test/*.test.js   the browser and curl tests
#
#   web/scripts/build.sh [--no-check | --deps-only]
#     --no-check   skips tsc (scripts/up.sh, the image)
#     --deps-only  step 1 only (the image's cached npm ci layer)
#
# Exits 77 when node >= 18.14, npm or protoc is missing. Concurrent runs
# (a test and scripts/up.sh) wait for each other.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
check=1
deps_only=0
case "${1:-}" in
  --no-check) check=0 ;;
  --deps-only) deps_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--no-check | --deps-only]" >&2; exit 2 ;;
esac

for tool in node npm protoc; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not found (scripts/install-deps.sh installs it)"; exit 77; }
done
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>18||(a===18&&b>=14)?0:1)' \
  || { echo "SKIP: node $(node --version) is too old (need >= 18.14)"; exit 77; }

cd "$here"
exec 9>"$here/.build.lock"
flock 9

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
stamp=node_modules/.dyad-lock.sha256
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "--- npm ci (web)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
[ $deps_only -eq 0 ] || exit 0

PROTOC_GEN_ES="$here/node_modules/.bin/protoc-gen-es" \
  bash "$repo/clients/typescript/scripts/generate.sh" "$here/src/gen"
if [ $check -eq 1 ]; then
  echo "--- tsc --noEmit (web)"
  node_modules/.bin/tsc -p .
fi
echo "--- esbuild (web)"
node scripts/bundle.mjs

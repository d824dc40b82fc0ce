#!/usr/bin/env bash
# Installs every Debian and npm dependency Dyad needs. Idempotent and non-interactive.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

debs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  protobuf-compiler libprotobuf-dev libprotoc-dev
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc grpc-proto
  libabsl-dev libsqlite3-dev sqlite3 libspdlog-dev libfmt-dev libre2-dev
  prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcsv-dev libarchive-dev
  libpq-dev
  nghttp2-client curl python3-grpcio python3-protobuf python3-yaml
  openssl libssl-dev clang libclang-rt-14-dev
)
# Node.js: the machine's own (nodesource ships npm inside nodejs); Debian's only if absent.
command -v npm >/dev/null 2>&1 || debs+=(nodejs npm)
# The browser of the web tests (web/run_tests.sh drives it with playwright-core;
# nothing is ever downloaded). Outside the list above on purpose: that list is
# also the image's build stage (deploy/docker/debs.sh), which needs no browser.
debs+=(chromium)
# The Python client as a package (clients/python/run_tests.sh): venv and pip
# to install it offline, setuptools and wheel to build it, pandas for its
# DataFrames, mypy to check its types. Test-only, so not in the image's list.
debs+=(python3-venv python3-pip python3-setuptools python3-wheel python3-pandas mypy)
# PostgreSQL 15 for the store tests (tests/testing/pg.sh starts a private
# server); the image's build stage needs only libpq-dev, above.
debs+=(postgresql-15 postgresql-contrib)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm tools (buf) live in the repository's own node_modules under tools/.
if [ ! -x "$here/tools/node_modules/.bin/buf" ]; then
  (cd "$here/tools" && npm ci --no-audit --no-fund --loglevel=error)
fi

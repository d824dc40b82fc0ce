#!/usr/bin/env bash
# Generates the Python protobuf and gRPC stubs for every proto under proto/dyad
# into OUT (default: <repo>/build/python), for Debian's python3-protobuf and
# python3-grpcio. Uses protoc and Debian's grpc_python_plugin, never
# grpcio-tools. Writes to a temporary directory and swaps it in, so a reader
# never sees half a tree.
#
#   clients/python/generate.sh [OUT]
#
# Exits 77 when protoc or grpc_python_plugin is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-${DYAD_BUILD_DIR:-$repo/build}/python}"
protoc="${PROTOC:-protoc}"
plugin="${GRPC_PYTHON_PLUGIN:-/usr/bin/grpc_python_plugin}"

command -v "$protoc" >/dev/null || { echo "generate.sh: protoc not found" >&2; exit 77; }
[ -x "$plugin" ] || { echo "generate.sh: $plugin not found (apt-get install protobuf-compiler-grpc)" >&2; exit 77; }

mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d "$(dirname "$out")/.python-gen.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

cd "$repo/proto"
mapfile -t protos < <(find dyad -name '*.proto' | LC_ALL=C sort)
"$protoc" -I . \
  --python_out="$tmp" --pyi_out="$tmp" \
  --grpc_python_out="$tmp" --plugin=protoc-gen-grpc_python="$plugin" \
  "${protos[@]}"

# Regular packages (not namespace packages), so `dyad` cannot be shadowed by
# an unrelated directory of the same name elsewhere on sys.path.
find "$tmp/dyad" -type d -exec touch {}/__init__.py \;

old="$out.old.$$"
[ -e "$out" ] && mv "$out" "$old"
mv "$tmp" "$out"
rm -rf "$old"
trap - EXIT
echo "generated ${#protos[@]} protos into $out"

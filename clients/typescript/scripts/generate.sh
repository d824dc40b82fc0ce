#!/usr/bin/env bash
# Generates TypeScript messages and service descriptors (protoc-gen-es v2)
# for every proto under proto/dyad, plus grpc.health.v1 from Debian's
# /usr/share/grpc-proto, into src/gen/ (not checked in). Needs protoc and
# node_modules (npm ci). Writes to a temporary directory and swaps it in.
#
#   generate.sh [OUT_DIR]   default OUT_DIR: clients/typescript/src/gen
#
# Another package (web/) generates its own copy with the same options:
# OUT_DIR names its folder and $PROTOC_GEN_ES its own plugin.
#
# Exits 77 when protoc or protoc-gen-es is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
protoc="${PROTOC:-protoc}"
plugin="${PROTOC_GEN_ES:-$here/node_modules/.bin/protoc-gen-es}"
grpc_proto="${GRPC_PROTO_DIR:-/usr/share/grpc-proto}"

command -v "$protoc" >/dev/null || { echo "generate.sh: protoc not found" >&2; exit 77; }
[ -x "$plugin" ] || { echo "generate.sh: $plugin missing: run npm ci in $(dirname "$(dirname "$(dirname "$plugin")")")" >&2; exit 77; }
[ -f "$grpc_proto/grpc/health/v1/health.proto" ] || {
  echo "generate.sh: $grpc_proto/grpc/health/v1/health.proto missing (apt-get install grpc-proto)" >&2; exit 77; }

out="${1:-$here/src/gen}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
tmp="$(mktemp -d "$(dirname "$out")/.gen.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cd "$repo/proto"
mapfile -t protos < <(find dyad -name '*.proto' | LC_ALL=C sort)
"$protoc" -I . -I "$grpc_proto" \
  --plugin=protoc-gen-es="$plugin" \
  --es_out="$tmp" --es_opt=target=ts,import_extension=js \
  "${protos[@]}" grpc/health/v1/health.proto
old="$out.old.$$"
[ -e "$out" ] && mv "$out" "$old"
mv "$tmp" "$out"
rm -rf "$old"
trap - EXIT
echo "generated $((${#protos[@]} + 1)) protos into $out"

#!/usr/bin/env bash
# Every plugin links the one shared proto library instead of carrying its own
# copy of generated code (two copies abort with "File already exists in
# database"), and exports only dyad_plugin_entry.
set -euo pipefail
dir=$1
shopt -s nullglob
plugins=("$dir"/*.so)
[ ${#plugins[@]} -gt 0 ] || { echo "no plugins in $dir"; exit 1; }
fail=0
for p in "${plugins[@]}"; do
  # (No `grep -q` in pipes: with pipefail an early exit would fail the writer.)
  symbols=$(nm -C "$p")
  if grep -q "descriptor_table_" <<<"$symbols"; then
    echo "FAIL: $p embeds generated proto code"; fail=1
  fi
  exported=$(nm -D --defined-only "$p" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v '^_' || true)
  if [ "$exported" != "dyad_plugin_entry" ]; then
    echo "FAIL: $p exports more than dyad_plugin_entry:"; echo "$exported"; fail=1
  fi
  deps=$(ldd "$p")
  grep -q libdyad_proto <<<"$deps" || { echo "FAIL: $p does not link libdyad_proto"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok: ${#plugins[@]} plugins"
exit $fail

#!/usr/bin/env bash
# Fails when any run of 12+ words is shared with a seed document.
top=$1
tool="$top/../shared/tools/seed-overlap"
if [ ! -x "$tool" ]; then
  echo "SKIP: $tool not found (../shared absent)"; exit 77
fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" "$tool" --repo "$top"

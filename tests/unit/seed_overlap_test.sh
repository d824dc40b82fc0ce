#!/usr/bin/env bash
# Fails when a run of 12+ words is shared with a seed document, except the
# reviewed names listed in seed_overlap_allowed.txt. Skipped (exit 77) when
# ../shared is absent.
set -uo pipefail
top=$1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tool="$top/../shared/tools/seed-overlap"
if [ ! -f "$tool" ]; then
  echo "SKIP: $tool not found (../shared absent)"; exit 77
fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
out=$("$python" "$tool" --repo "$top")
allowed=$(grep -v '^#' "$here/seed_overlap_allowed.txt" | sed '/^$/d')
fail=0
while IFS= read -r line; do
  case "$line" in
    *": "*" words shared with "*)
      ok=0
      while IFS= read -r phrase; do
        [ -n "$phrase" ] && [[ "$line" == *"$phrase"* ]] && ok=1
      done <<<"$allowed"
      if [ $ok -eq 1 ]; then echo "allowed: $line"; else echo "COPIED: $line"; fail=1; fi
      ;;
  esac
done <<<"$out"
[ $fail -eq 0 ] && echo "no copied sentences"
exit $fail

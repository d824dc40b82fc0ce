#!/usr/bin/env bash
# Fails when a run of 12+ words is shared with a seed document, except the
# reviewed names listed in seed_overlap_allowed.txt. Skipped (exit 77) when
# ../shared is absent. The tool itself failing (a crash, a missing seeds
# directory, an output it does not normally print) fails the test too: its
# exit status is 0 with no hit, or 1 with hit lines and a matching count.
set -euo pipefail
top=$1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tool="$top/../shared/tools/seed-overlap"
if [ ! -f "$tool" ]; then
  echo "SKIP: $tool not found (../shared absent)"; exit 77
fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
status=0
out=$("$python" "$tool" --repo "$top" 2>&1) || status=$?
hits=$(grep -c ': [0-9]* words shared with ' <<<"$out" || true)
summary=$(sed -n 's/^\([0-9]*\) run(s) of [0-9]*+ words shared with the source documents$/\1/p' <<<"$out")
case "$status" in
  0)
    if [ "$hits" -ne 0 ] || [ -n "$(sed '/^$/d' <<<"$out")" ]; then
      echo "FAIL: seed-overlap exited 0 but printed:"; echo "$out"; exit 1
    fi ;;
  1)
    if [ "$hits" -eq 0 ] || [ "$summary" != "$hits" ]; then
      echo "FAIL: seed-overlap failed (exit 1, $hits hit lines, summary '${summary}'):"
      echo "$out"; exit 1
    fi ;;
  *)
    echo "FAIL: seed-overlap exited $status:"; echo "$out"; exit 1 ;;
esac
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
[ $fail -eq 0 ] && echo "no copied sentences ($hits reviewed names allowed)"
exit $fail

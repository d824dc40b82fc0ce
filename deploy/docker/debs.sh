#!/usr/bin/env bash
# Prints the Debian packages that scripts/install-deps.sh installs (its
# `debs=( ... )` list), one per line. The image's build stage installs exactly
# these, so the container builds with the same toolchain as a developer's
# machine and CI, and a package added there reaches the image too.
#
#   deploy/docker/debs.sh scripts/install-deps.sh
set -euo pipefail
script="${1:?usage: debs.sh path/to/install-deps.sh}"
block="$(sed -n '/^debs=(/,/^)/p' "$script")"
if [ -z "$block" ]; then
  echo "debs.sh: no 'debs=( ... )' list found in $script" >&2
  exit 1
fi
debs=()
eval "$block"
if [ "${#debs[@]}" -eq 0 ]; then
  echo "debs.sh: the debs list in $script is empty" >&2
  exit 1
fi
printf '%s\n' "${debs[@]}"

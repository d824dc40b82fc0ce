#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and
# runs each for a bounded time over its corpus (tests/fuzz/corpus/<target>).
# The requests target also builds the shapes that found the hardening bugs
# (large unknown fields, huge repeated fields, deep nesting, invalid UTF-8;
# see fuzz_requests.cc); ctest replays both corpora without libFuzzer
# (fuzz_corpus_requests, fuzz_corpus_bundle).
#   tests/fuzz/run.sh [SECONDS]   (default 20 per target)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-20}"
build="${DYAD_FUZZ_BUILD_DIR:-$here/build-fuzz}"
if ! command -v clang++ >/dev/null; then
  echo "SKIP: clang++ not installed"; exit 77
fi
CC=clang CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDYAD_FUZZ=ON -DDYAD_BUILD_TESTS=OFF \
  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j "$(nproc)" --target dyad_fuzz_requests dyad_fuzz_bundle
status=0
for t in requests bundle; do
  corpus="$here/tests/fuzz/corpus/$t"
  work=$(mktemp -d)
  echo "== fuzz $t for ${seconds}s"
  # New inputs go to a scratch directory; the committed corpus stays as is.
  # Inputs up to 64 KiB (large unknown fields and repeated fields need room),
  # and one slower than 10 s counts as a failure (a request that ties a
  # server up is a bug too).
  if ! ASAN_OPTIONS=detect_leaks=0 "$build/bin/dyad_fuzz_$t" -max_total_time="$seconds" \
       -max_len=65536 -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$work/" \
       "$work" "$corpus" 2>"$work/log"; then
    tail -40 "$work/log"; status=1
  else
    grep -E "^#[0-9]+.*(DONE|pulse)" "$work/log" | tail -1 || true
    echo "no crash"
  fi
  rm -rf "$work"
done
exit $status

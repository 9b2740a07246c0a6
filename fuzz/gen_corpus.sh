#!/usr/bin/env bash
# Regenerates the seed corpora fuzz/corpus/<target>/ with fuzz_gen_corpus
# (gen_corpus.cc), built in build-fuzz (run fuzz/run.sh once first, or set
# FUZZ_BUILD_DIR). Deterministic: the same engine gives the same files.
# fuzz/corpus/fuzz_cli holds hand-written seeds (small dumps) and is kept.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
cmake --build "$BUILD" -j "$(nproc)" --target fuzz_gen_corpus
rm -rf "$ROOT/fuzz/corpus/fuzz_api" "$ROOT/fuzz/corpus/fuzz_files" \
  "$ROOT/fuzz/corpus/fuzz_abi"
"$BUILD/fuzz/fuzz_gen_corpus" "$ROOT/fuzz/corpus"
find "$ROOT/fuzz/corpus" -type f | sort

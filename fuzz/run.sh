#!/usr/bin/env bash
# fuzz/run.sh — builds the libFuzzer targets (build-fuzz, clang, ASan+UBSan,
# ccache if present), replays every seed corpus and regression input, then
# fuzzes each target for a fixed time. Last line: "N passed, M failed";
# exit status non-zero on any failure. A target passes when neither its
# replay nor its timed run found anything.
#
#   fuzz/run.sh                          CI budget: 40 s per target
#   FUZZ_SECONDS=3600 fuzz/run.sh        an hour per target
#   SHALE_RELIABILITY_SCALE=5 fuzz/run.sh   5 x the budget
#   FUZZ_TARGETS="fuzz_api" fuzz/run.sh  only some targets
#   FUZZ_OUT=DIR                         where logs, the working corpora and
#                                        new reproducers go (default: a new
#                                        /tmp/shale-fuzz-run.XXXXXX)
#   FUZZ_BUILD_DIR=DIR                   build directory (default build-fuzz)
#
# New crashes are written to $FUZZ_OUT/crashes/<target>/ (the log names
# them); minimise one with
#   build-fuzz/fuzz/<target> -minimize_crash=1 -runs=10000 FILE
# and commit it under fuzz/regressions/<target>/ with the fix.
set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SCALE=${SHALE_RELIABILITY_SCALE:-1}
SECONDS_EACH=$(( ${FUZZ_SECONDS:-40} * SCALE ))
TARGETS=${FUZZ_TARGETS:-"fuzz_api fuzz_files fuzz_abi fuzz_cli"}
OUT=${FUZZ_OUT:-$(mktemp -d /tmp/shale-fuzz-run.XXXXXX)}
mkdir -p "$OUT"

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache
            -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# -O1 and line tables: quicker to build than RelWithDebInfo, and without
# NDEBUG so the engine's asserts are checked too.
t0=$(date +%s)
echo "== configure + build $BUILD"
if ! CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DSHALE_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_C_FLAGS_FUZZ="-O1 -gline-tables-only" \
      -DCMAKE_CXX_FLAGS_FUZZ="-O1 -gline-tables-only" \
      -DSHALE_BUILD_TESTS=OFF -DSHALE_BUILD_EXAMPLES=OFF \
      -DSHALE_BUILD_BENCH=OFF "${launcher[@]}" >"$OUT/configure.log" 2>&1 ||
   ! cmake --build "$BUILD" -j "$(nproc)" --target $TARGETS \
      >"$OUT/build.log" 2>&1; then
  tail -40 "$OUT/configure.log" "$OUT/build.log" 2>/dev/null
  echo "build failed (logs in $OUT)"
  echo "0 passed, $(echo $TARGETS | wc -w) failed"
  exit 1
fi
t1=$(date +%s)
echo "build: $((t1 - t0)) s"

# The dbs the fuzzers create live on a tmpfs when there is one.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export SHALE_FUZZ_DIR=$(mktemp -d /dev/shm/shale-fuzz.XXXXXX)
else
  export SHALE_FUZZ_DIR=$OUT/scratch
  mkdir -p "$SHALE_FUZZ_DIR"
fi
trap 'rm -rf "$SHALE_FUZZ_DIR"' EXIT

passed=0
failed=0
summary=()
for t in $TARGETS; do
  bin=$BUILD/fuzz/$t
  crashes=$OUT/crashes/$t
  work=$OUT/corpus/$t
  mkdir -p "$crashes" "$work"
  cp "$ROOT/fuzz/corpus/$t/"* "$work/" 2>/dev/null
  common=(-timeout=20 -rss_limit_mb=2560 -artifact_prefix="$crashes/")

  # 1. Replay: every committed input once.
  inputs=("$ROOT/fuzz/corpus/$t")
  [ -d "$ROOT/fuzz/regressions/$t" ] && inputs+=("$ROOT/fuzz/regressions/$t")
  n_inputs=$(find "${inputs[@]}" -type f | wc -l)
  "$bin" "${common[@]}" -runs=0 "${inputs[@]}" >"$OUT/$t.replay.log" 2>&1
  replay_rc=$?

  # 2. Timed run on a copy of the corpus (the committed one stays as is).
  "$bin" "${common[@]}" -max_total_time="$SECONDS_EACH" \
      -print_final_stats=1 "$work" >"$OUT/$t.fuzz.log" 2>&1
  fuzz_rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
            "$OUT/$t.fuzz.log" | tail -1)

  if [ $replay_rc -eq 0 ] && [ $fuzz_rc -eq 0 ]; then
    passed=$((passed + 1))
    verdict=passed
  else
    failed=$((failed + 1))
    verdict=FAILED
    [ $replay_rc -ne 0 ] && tail -30 "$OUT/$t.replay.log"
    [ $fuzz_rc -ne 0 ] && tail -30 "$OUT/$t.fuzz.log"
    echo "$t: reproducers in $crashes:"
    ls -1 "$crashes"
  fi
  line="$t: $verdict; replayed $n_inputs inputs (rc $replay_rc); fuzzed ${SECONDS_EACH} s: ${execs:-?} executions (rc $fuzz_rc)"
  echo "$line"
  summary+=("$line")
done
t2=$(date +%s)

echo "== summary (logs, corpora and any reproducers in $OUT)"
printf '%s\n' "${summary[@]}"
echo "build $((t1 - t0)) s, replay + fuzzing $((t2 - t1)) s"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

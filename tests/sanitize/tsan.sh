#!/usr/bin/env bash
# tsan.sh — builds the library and the concurrency tests with ThreadSanitizer
# in build-tsan and runs the tests that use threads (the engine's background
# flushes and compactions run in all of them). Any TSan report fails the run.
#
# Usage: tests/sanitize/tsan.sh [build-dir]     (default <repo>/build-tsan)
# Environment: SHALE_RELIABILITY_SCALE=N repeats every test N times;
#   SHALE_TSAN_JOBS (default 2) build parallelism; CC/CXX pick the compiler.
# Last line: "N passed, M failed"; the exit status is non-zero on a failure.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build-tsan}
scale=${SHALE_RELIABILITY_SCALE:-1}
jobs=${SHALE_TSAN_JOBS:-2}
case $scale in '' | *[!0-9]* | 0)
  echo "tsan.sh: SHALE_RELIABILITY_SCALE must be a positive integer, got '$scale'" >&2
  exit 2 ;;
esac

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

t0=$(date +%s)
mkdir -p "$build"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSHALE_SANITIZE=thread -DSHALE_BUILD_TESTS=ON -DSHALE_BUILD_EXAMPLES=OFF \
  -DSHALE_BUILD_BENCH=OFF "${launcher[@]}" >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; echo "0 passed, 1 failed"; exit 1; }
# Only the library, the test executables holding the threaded tests and
# the process-kill suite (2-4 writer threads against background work).
if ! nice cmake --build "$build" -j"$jobs" \
  --target shale shale_core_tests shale_capi_tests shale_table_tests shale_process_kill_test >"$build/build.log" 2>&1; then
  tail -50 "$build/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi
t1=$(date +%s)
echo "tsan.sh: build took $((t1 - t0)) s"

# halt_on_error: the first report fails the test (exit 66). The suppression
# file lists only documented false positives outside the engine.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$repo/tests/sanitize/tsan.supp ${TSAN_OPTIONS:-}"

# TSan needs its fixed shadow layout; on kernels with many mmap random bits
# it aborts with "unexpected memory mapping": run without ASLR then.
run=()
if ! "$build/tests/core/shale_core_tests" --gtest_list_tests >/dev/null 2>&1; then
  run=(setarch "$(uname -m)" -R)
  echo "tsan.sh: running with ASLR disabled (setarch -R)"
fi

# Every test that starts threads or races with the engine's own threads.
core_filter='Epoch.*:DBConcurrency.*:Lsm.*:ChangeFeedTest.*:SkipListTest.ConcurrentReadersDuringWrites:Backup.*:Verify.ConcurrentFlushesAndCompactionsAreNotCorruption:BackgroundError.*:Jobs.*'
capi_filter='IterBorrowTest.*:DbTest.ManyThreadsPutGet:DbTest.TwoThreadsOnOneIteratorGetBusy:DbTest.BusyIsReportedForConcurrentBatchUse:DbTest.CloseWaitsForCallsInFlight:DbTest.CloseRacingWithWriters:DbTest.IteratorsAndSnapshotsFromManyThreads:DbTest.*Subscri*:Logger.*:JobsTest.*:Jobs.*:IterTest.*:IterManyTest.*:LastError.IsPerThread:Maintenance*.*'

passed=0
failed=0
run_suite() { # name binary filter [repeat]
  local name=$1 bin=$2 filter=$3 repeat=${4:-$scale} log="$build/tsan-$1.log"
  local t=$(date +%s)
  if "${run[@]}" "$bin" --gtest_filter="$filter" --gtest_repeat="$repeat" \
    >"$log" 2>&1 && ! grep -q 'WARNING: ThreadSanitizer' "$log"; then
    echo "tsan.sh: $name ok ($(($(date +%s) - t)) s, $(grep -c '^\[       OK \]' "$log" || true) tests ok; log $log)"
  else
    echo "tsan.sh: $name FAILED ($(($(date +%s) - t)) s); log $log:"
    grep -E -A40 'WARNING: ThreadSanitizer|FAILED|Failure' "$log" | head -120
  fi
  # Per-test figures from gtest's own lines.
  local ok bad
  ok=$(grep -c '^\[       OK \]' "$log" || true)
  bad=$(grep -cE '^\[  FAILED  \] .* \([0-9]+ ms\)$' "$log" || true)
  # A TSan halt kills the process mid-test: count it as a failure.
  if grep -q 'WARNING: ThreadSanitizer' "$log" || ! grep -q '^\[  PASSED  \]' "$log"; then
    [ "$bad" -eq 0 ] && bad=1
  fi
  passed=$((passed + ok))
  failed=$((failed + bad))
}
run_suite core "$build/tests/core/shale_core_tests" "$core_filter"
run_suite capi "$build/tests/capi/shale_capi_tests" "$capi_filter"
# The lock-free caches: readers, inserts and evictions at once.
run_suite table "$build/tests/table/shale_table_tests" 'BlockCacheTest.*:TableCacheTest.*'
# The writer children are forked from a single-threaded parent, so TSan
# follows them (a report there fails the child, which the parent reports).
# It scales its cycles by SHALE_RELIABILITY_SCALE itself: no repeat.
export SHALE_KILL_CYCLES=${SHALE_KILL_CYCLES:-25}
run_suite process_kill "$build/tests/crash/shale_process_kill_test" '*' 1
echo "tsan.sh: tests took $(($(date +%s) - t1)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

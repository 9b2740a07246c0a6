#!/usr/bin/env bash
# tests/sanitize/python_asan.sh — the Python misuse suites against an
# ASan+UBSan build of libshale, with the sanitizer runtime preloaded into
# the (uninstrumented) Python interpreter.
#
#   tests/sanitize/python_asan.sh [--all] [-- extra pytest args]
#
# 1. configures ./build-hm-asan (-DSHALE_SANITIZE=address,undefined) and
#    builds only the `shale` library target;
# 2. runs python_tests/test_misuse_*.py (--all: every python_tests suite)
#    with LD_PRELOAD of the libasan/libubsan that match the compiler that
#    built the library (`$CXX -print-file-name=libasan.so`);
# 3. counts sanitizer reports in the log files: every AddressSanitizer or
#    UBSan report is a failure, and so is every LeakSanitizer leak whose
#    allocation was made by libshale (see "Leaks" below);
# 4. self-check: a child that leaks one libshale-owned value on purpose must
#    be reported, or the leak detection is considered broken (a failure).
# Last line: "N passed, M failed" (pytest's counts, plus one failure per
# sanitizer report, plus the self-check); exits non-zero if M > 0.
#
# Leaks. detect_leaks=1, but CPython does not free everything at exit, and
# LSan suppressions cannot single those out: a `leak:` pattern matches if ANY
# frame of the stack matches, and every allocation made by libshale has
# python3 frames below it (it was called from Python), so suppressing python3
# would hide the library's leaks too. Instead LSan reports everything to the
# log files (exitcode=0 for leaks only; memory errors abort, see
# abort_on_error) and this script attributes each leak to whoever called the
# allocator: the first frame above malloc/new that is not in the sanitizer
# runtime, libstdc++ or libc. If that frame is in libshale.so (a shale_* or
# shale:: function) the leak is the library's and fails the run; if it is in
# python3, libffi or another module, it is the interpreter's own and is
# only counted. An object a Python callback allocates while libshale calls it
# is thus the interpreter's (its allocator caller is Python code). With
# PYTHONMALLOC=malloc the interpreter itself leaves no leak records in
# practice; forked children leave by os._exit, so no leak check runs there.
#
# Environment: SHALE_RELIABILITY_SCALE (as for every suite), JOBS (build
# parallelism, default 2), BUILD_DIR (default ./build-hm-asan).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build-hm-asan}
jobs=${JOBS:-2}
all=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --all) all=1 ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "python_asan.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

t0=$SECONDS
fail() { echo "python_asan.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# --- 1. the sanitized library ------------------------------------------------
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
mkdir -p "$build"
# An ASan+UBSan build dir that exists already (scripts/test passes
# build-asan) is used as it is configured; otherwise configure one.
if ! grep -q '^SHALE_SANITIZE:STRING=address,undefined$' "$build/CMakeCache.txt" 2>/dev/null; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHALE_BUILD_TESTS=OFF \
    -DSHALE_SANITIZE=address,undefined "${launcher[@]}" >"$build/configure.log" 2>&1 ||
    fail "cmake configure failed (see $build/configure.log)"
fi
nice cmake --build "$build" -j"$jobs" --target shale >"$build/python-asan-build.log" 2>&1 ||
  { tail -30 "$build/python-asan-build.log" >&2; fail "building libshale failed"; }
lib=$build/lib/libshale.so.1
[ -e "$lib" ] || fail "no $lib after the build"
build_s=$((SECONDS - t0))

# --- 2. the runtime that matches the compiler that built it -------------------
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
asan_rt=$("${cxx:-c++}" -print-file-name=libasan.so)
ubsan_rt=$("${cxx:-c++}" -print-file-name=libubsan.so)
[ -e "$asan_rt" ] || fail "$cxx has no libasan.so ($asan_rt)"
ldd "$lib" | grep -q libasan || fail "$lib is not linked against libasan (not a sanitized build?)"
preload=$asan_rt
[ -e "$ubsan_rt" ] && preload="$preload:$ubsan_rt"

logs=$(mktemp -d /tmp/shale-pyasan.XXXXXX)
export SHALE_LIBRARY=$lib
export PYTHONPATH=$root/python${PYTHONPATH:+:$PYTHONPATH}
export PYTHONMALLOC=malloc # every Python allocation through malloc: ASan sees them all
# Forked children leave with os._exit (test_misuse_fork.py): under this
# GCC's ASan, a child forked while parent threads are in malloc can hang in
# its exit-time leak check, and its "leaks" would be the parent threads'
# objects (referenced only from stacks that do not exist in the child).
export SHALE_FORK_CHILD_OS_EXIT=1
# Memory errors abort (non-zero, whatever exitcode says); leaks only log.
asan_opts="detect_leaks=1:exitcode=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0"
ubsan_opts="print_stacktrace=1:halt_on_error=1:abort_on_error=1"
san_env() { # san_env LOGDIR: the environment of a sanitized python
  echo "LD_PRELOAD=$preload"
  echo "ASAN_OPTIONS=$asan_opts:log_path=$1/asan"
  echo "UBSAN_OPTIONS=$ubsan_opts:log_path=$1/ubsan"
}
mapfile -t suite_env < <(san_env "$logs")
mapfile -t canary_env < <(san_env "$logs/canary")

# --- 3. the suites ------------------------------------------------------------
if [ "$all" -eq 1 ]; then
  # test_leaks runs valgrind, which cannot run under a preloaded ASan.
  targets=(python_tests --deselect python_tests/test_leaks.py::test_no_definite_leaks_in_libshale)
else
  targets=("$root"/python_tests/test_misuse_*.py)
fi
cd "$root" || exit 1
t1=$SECONDS
env "${suite_env[@]}" /usr/bin/python3 -m pytest -q -p no:cacheprovider "${targets[@]}" "${extra[@]}" \
  2>&1 | tee "$logs/pytest.log"
rc=${PIPESTATUS[0]}
line=$(grep -E '(passed|failed|error).* in [0-9.]+s' "$logs/pytest.log" | tail -n 1)
passed=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
failed=$(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0}')
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
suite_s=$((SECONDS - t1))

# --- 4. self-check: a deliberate libshale leak must be seen --------------------
mkdir -p "$logs/canary"
env "${canary_env[@]}" /usr/bin/python3 - "$logs/canary-db" <<'EOF' >"$logs/canary.out" 2>&1
import ctypes, sys, shale
from shale._lib import lib
db = shale.open(sys.argv[1], sync="none")
db[b"canary"] = b"c" * 4099
v, n = ctypes.c_void_p(), ctypes.c_size_t()
assert lib.shale_db_get(db._handle(), None, b"canary", 6, ctypes.byref(v), ctypes.byref(n)) == 0
v.value = None  # the only copy of the pointer is gone: never passed to shale_free
db.close()  # so a 4099-byte leak in libshale that LSan must report
EOF

# --- 5. the reports ----------------------------------------------------------
/usr/bin/python3 - "$logs" <<'EOF'
import glob, os, re, sys
logs = sys.argv[1]
# Frames of the allocator and the runtime, skipped to find who allocated.
RUNTIME = re.compile(r"libasan|libubsan|libstdc\+\+|libc\.so|libgcc|ld-linux|"
                     r"\b(malloc|calloc|realloc|free|operator new|posix_memalign|"
                     r"aligned_alloc|strdup|strndup|__interceptor_\w+)\b")
# libshale's code: its module, its functions, or its sources (paths are
# relative to the build directory: ../../src/..., ../../capi/...).
LIBSHALE = re.compile(r"libshale\.so|\bshale_\w+|shale::|(\.\./)+(src|capi)/")

def scan(pattern):
    errors, lib_leaks, other = [], [], 0
    for path in sorted(glob.glob(pattern)):
        text = open(path, errors="replace").read()
        for m in re.finditer(r"^.*(ERROR: AddressSanitizer|runtime error:).*$", text, re.M):
            errors.append("%s: %s" % (os.path.basename(path), m.group(0)[:300]))
        for block in re.split(r"\n(?=(?:Direct|Indirect) leak of )", text):
            m = re.match(r"(Direct|Indirect) leak of (\d+)", block)
            if not m:
                continue
            frames = re.findall(r"^\s*#\d+ (0x[0-9a-f]+) in (.*)$", block, re.M)
            pc = next((p for p, f in frames if not RUNTIME.search(f)), None)
            # the allocator's caller, with the frames inlined into it (same pc)
            caller = " ".join(f for p, f in frames if p == pc)
            if LIBSHALE.search(caller):
                lib_leaks.append((path, int(m.group(2)), block.split("\n\n")[0]))
            else:
                other += 1
    return errors, lib_leaks, other

errors, leaks, other = scan(os.path.join(logs, "[au]*san.*"))
c_errors, c_leaks, _ = scan(os.path.join(logs, "canary", "*san.*"))
canary_ok = not c_errors and any(size == 4099 for _, size, _ in c_leaks)
for e in errors[:20]:
    print("SANITIZER:", e)
for path, size, block in leaks[:10]:
    print("LIBSHALE LEAK (%s):\n%s\n" % (os.path.basename(path), block[:3000]))
print("sanitizer reports: %d ASan/UBSan errors, %d libshale leaks, %d interpreter-owned leak "
      "records (not failures); self-check leak %s"
      % (len(errors), len(leaks), other, "seen" if canary_ok else "NOT seen"))
with open(os.path.join(logs, "verdict"), "w") as f:
    f.write("%d %d %d\n" % (len(errors), len(leaks), 1 if canary_ok else 0))
EOF
read -r n_err n_leak canary_ok <"$logs/verdict" || { n_err=1; n_leak=0; canary_ok=0; }
bad=$((failed + n_err + n_leak))
if [ "$canary_ok" -eq 1 ]; then passed=$((passed + 1)); else bad=$((bad + 1)); cat "$logs/canary.out"; fi
echo "python-asan: build ${build_s}s, suites ${suite_s}s, total $((SECONDS - t0))s; logs in $logs"
[ "$bad" -eq 0 ] && rm -rf "$logs"
echo "$passed passed, $bad failed"
[ "$bad" -eq 0 ]

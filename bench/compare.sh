#!/usr/bin/env bash
# bench/compare.sh — shale beside LevelDB, RocksDB, LMDB and SQLite, in one run.
#
#   bench/compare.sh [--quick | --full-size] [--no-install] [--out DIR] [--db-dir DIR]
#                    [--suites c,python,ruby,ffi] [--docs | --no-docs] [-h]
#
# On a fresh Debian 12 machine (as root, or with sudo) it first installs what
# is missing, with apt-get only (the peers' libraries, their Python modules,
# matplotlib, Ruby with ruby-ffi). Then it
#   1. builds ./build-bench (Release; targets shale, shale_compare,
#      ffi_overhead),
#   2. runs each suite, writing JSON Lines into the results directory
#      (default bench/results/<UTC time>/, ignored by git) and its human
#      output into <suite>.log beside them:
#        c       build-bench/bench/compare/shale_compare   (c.jsonl)
#        python  bench/py_compare.py                       (python.jsonl)
#        ruby    bench/rb_bench.rb                         (ruby.jsonl)
#        ffi     build-bench/bench/ffi_overhead            (ffi.jsonl)
#   3. runs bench/report.py on it: Markdown tables, the targets check and
#      PNG charts. A full run also writes them into docs/performance.md
#      (between the compare markers) and docs/img/; a --quick run does not,
#      unless --docs is given (--no-docs: never).
# Sizes: the full mode runs the C comparison on 300,000 keys x 3 runs
# (about 10 minutes in all on a 2-core VM); --full-size runs it on
# 1,000,000 keys x 3 runs (about 40 minutes: SQLite's and LMDB's random
# fills dominate); --quick uses 100,000 keys x 1 run (about 1 minute).
# A suite that fails or is missing does not stop the others; the report
# says "not run" for it, and the script exits non-zero at the end.
#
# --db-dir: where the benches create their databases (default a fresh
# directory under ${TMPDIR:-/var/tmp}, removed at the end; not a tmpfs, or
# fsync means nothing); its file system is named in the report.
# Environment: JOBS (build parallelism, default nproc); COMPARE_C_ARGS,
# COMPARE_PY_ARGS, COMPARE_RB_ARGS, COMPARE_FFI_ARGS: extra flags for one
# bench, e.g. COMPARE_C_ARGS='--num=300000 --runs=5' (split on spaces;
# recorded in the report's command line).
set -uo pipefail
{ # Parsed whole before it runs: editing this file mid-run cannot derail it.

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$(pwd)

quick=0 full_size=0 install=1 out='' db_dir='' docs='' suites=c,python,ruby,ffi
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --full-size) full_size=1 ;;
    --no-install) install=0 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --out=*) out=${1#--out=} ;;
    --db-dir) db_dir=${2:?--db-dir needs a directory}; shift ;;
    --db-dir=*) db_dir=${1#--db-dir=} ;;
    --suites) suites=${2:?--suites needs a list}; shift ;;
    --suites=*) suites=${1#--suites=} ;;
    --docs) docs=1 ;;
    --no-docs) docs=0 ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
      exit 0
      ;;
    *)
      echo "bench/compare.sh: unknown argument '$1' (try --help)" >&2
      exit 2
      ;;
  esac
  shift
done
[ -z "$docs" ] && docs=$((1 - quick))
quick_flag=()
[ "$quick" -eq 1 ] && quick_flag=(--quick)
# Extra flags per bench, split on spaces (no quoting inside).
read -r -a c_args <<<"${COMPARE_C_ARGS:-}"
read -r -a py_args <<<"${COMPARE_PY_ARGS:-}"
read -r -a rb_args <<<"${COMPARE_RB_ARGS:-}"
read -r -a ffi_args <<<"${COMPARE_FFI_ARGS:-}"
extra_env=''
for v in COMPARE_C_ARGS COMPARE_PY_ARGS COMPARE_RB_ARGS COMPARE_FFI_ARGS; do
  [ -n "${!v:-}" ] && extra_env+="$v='${!v}' "
done

jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
py=/usr/bin/python3 # Debian's, where python3-plyvel/lmdb/matplotlib live
build=$root/build-bench
start_all=$SECONDS

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

# ---------------------------------------------------------------------------
# 0. Packages
# ---------------------------------------------------------------------------
packages=(build-essential cmake pkg-config libleveldb-dev librocksdb-dev
  liblmdb-dev libsqlite3-dev python3 python3-plyvel python3-lmdb
  python3-matplotlib python3-gdbm ruby ruby-ffi)
if [ "$install" -eq 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing missing packages: ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null; then
        sudo=(sudo)
      else
        echo "bench/compare.sh: need root (or sudo) to install: ${missing[*]}" \
          "(or --no-install)" >&2
        exit 1
      fi
    fi
    "${sudo[@]}" apt-get update -q &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${missing[@]}" || {
      echo "bench/compare.sh: apt-get failed" >&2
      exit 1
    }
  fi
fi

# ---------------------------------------------------------------------------
# Results directory, database directory, bookkeeping
# ---------------------------------------------------------------------------
if [ -z "$out" ]; then
  out=$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$root/bench/results"
  # The results stay out of git: the directory ignores itself.
  [ -f "$root/bench/results/.gitignore" ] || echo '*' >"$root/bench/results/.gitignore"
fi
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
if [ -z "$db_dir" ]; then
  db_dir=$(mktemp -d "${TMPDIR:-/var/tmp}/shale-compare.XXXXXX") || exit 1
  trap 'rm -rf "$db_dir"' EXIT
else
  mkdir -p "$db_dir" || exit 1
fi
db_dir=$(cd "$db_dir" && pwd)
: >"$out/steps.tsv"
status=0

# step NAME STATUS SECONDS: one line of steps.tsv (report.py prints them).
step() {
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$out/steps.tsv"
  case "$2" in 0 | not-selected) ;; *) status=1 ;; esac
}

# want NAME: is the suite selected (--suites)? Records it if not.
want() {
  [[ ",$suites," == *",$1,"* ]] && return 0
  step "$1" not-selected 0
  return 1
}

# run_suite NAME JSONL CMD...: runs one bench (its JSON Lines into
# $out/JSONL, its human output into $out/NAME.log) in its own db directory.
run_suite() {
  local name=$1 jsonl=$2 t0=$SECONDS rc
  shift 2
  say "$name: $*"
  rm -rf "${db_dir:?}/$name" && mkdir -p "$db_dir/$name"
  rm -f "$out/$jsonl" # some benches append: an old --out must not mix in
  TMPDIR=$db_dir/$name "$@" 2>&1 | tee "$out/$name.log"
  rc=${PIPESTATUS[0]}
  rm -rf "${db_dir:?}/$name"
  [ -s "$out/$jsonl" ] || { [ "$rc" -eq 0 ] && rc=no-output; }
  step "$name" "$rc" $((SECONDS - t0))
}

# ---------------------------------------------------------------------------
# 1. Build
# ---------------------------------------------------------------------------
say "configure $build (Release)"
t0=$SECONDS
launcher=()
command -v ccache >/dev/null &&
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
built=()
if cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DSHALE_BUILD_BENCH=ON -DSHALE_BUILD_TESTS=OFF -DSHALE_BUILD_EXAMPLES=OFF \
  "${launcher[@]}" >"$out/build.log" 2>&1; then
  # One target at a time: a bench that does not build leaves the others.
  for target in shale shale_compare ffi_overhead; do
    say "build $target (-j$jobs)"
    if cmake --build "$build" -j"$jobs" --target "$target" >>"$out/build.log" 2>&1; then
      built+=("$target")
    else
      grep -E 'error|Error' "$out/build.log" | tail -n 10 >&2
      echo "bench/compare.sh: $target did not build (see $out/build.log)" >&2
      status=1
    fi
  done
else
  tail -n 15 "$out/build.log" >&2
  echo "bench/compare.sh: cmake configure failed (see $out/build.log)" >&2
  status=1
fi
printf 'build\t%s\t%s\n' "$([ ${#built[@]} -eq 3 ] && echo 0 || echo 1)" \
  $((SECONDS - t0)) >>"$out/steps.tsv"
has() { [[ " ${built[*]} " == *" $1 "* ]]; }
# The machine, compiler and commit, for the report's header.
"$py" "$root/bench/report.py" "$out" --record-env --build-dir "$build" \
  --db-dir "$db_dir" --command "${extra_env}bench/compare.sh${args[*]:+ ${args[*]}}" \
  "${quick_flag[@]}"
lib=$build/lib/libshale.so.1

# ---------------------------------------------------------------------------
# 2. The suites
# ---------------------------------------------------------------------------
# The C comparison's size (later flags in COMPARE_C_ARGS override it).
c_size=()
[ "$quick" -eq 0 ] && [ "$full_size" -eq 0 ] && c_size=(--num=300000)
if want c; then
  if has shale_compare; then
    run_suite c c.jsonl "$build/bench/compare/shale_compare" \
      --out="$out/c.jsonl" --dir="$db_dir/c" "${quick_flag[@]}" \
      "${c_size[@]}" "${c_args[@]}"
  else
    step c not-built 0
  fi
fi
if want python; then
  if has shale; then
    run_suite python python.jsonl env SHALE_LIBRARY="$lib" \
      PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}" \
      "$py" "$root/bench/py_compare.py" --out "$out/python.jsonl" \
      --dir "$db_dir/python" "${quick_flag[@]}" "${py_args[@]}"
  else
    step python not-built 0
  fi
fi
if want ruby; then
  if ! has shale; then
    step ruby not-built 0
  elif [ ! -f "$root/bench/rb_bench.rb" ]; then
    step ruby no-bench/rb_bench.rb 0
  else
    run_suite ruby ruby.jsonl env SHALE_LIBRARY="$lib" \
      ruby -I "$root/ruby/lib" "$root/bench/rb_bench.rb" \
      --out "$out/ruby.jsonl" "${quick_flag[@]}" "${rb_args[@]}"
  fi
fi
if want ffi; then
  if has ffi_overhead; then
    run_suite ffi ffi.jsonl "$build/bench/ffi_overhead" \
      --out "$out/ffi.jsonl" --db "$db_dir/ffi/db" "${quick_flag[@]}" "${ffi_args[@]}"
  else
    step ffi not-built 0
  fi
fi

# ---------------------------------------------------------------------------
# 3. The report
# ---------------------------------------------------------------------------
docs_flag=()
[ "$docs" -eq 1 ] && docs_flag=(--write-docs)
say "report ($((SECONDS - start_all))s so far)"
"$py" "$root/bench/report.py" "$out" "${docs_flag[@]}" || status=1
say "done in $((SECONDS - start_all))s: results in $out" \
  "$([ "$docs" -eq 1 ] && echo '; docs/performance.md and docs/img/ updated')"
exit "$status"
}

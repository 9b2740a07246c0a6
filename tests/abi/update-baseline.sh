#!/usr/bin/env bash
# update-baseline.sh — records the ABI of a build as the committed baseline:
#   tests/abi/symbols.txt        the exported dynamic symbols, sorted
#   tests/abi/libshale.abi       abidw's description of libshale.so.1
#                                (exported functions, public types)
#   tests/abi/struct_layout.txt  sizes and offsets of the public structs
#                                (this machine's architecture)
# Run it when a version adds functions or struct fields, after the abi_*
# tests have told you the change is an addition; review `git diff
# tests/abi` and commit it with the change. It refuses a sanitizer build
# (the baseline describes the library as shipped) and a library that does
# not export exactly what include/shale.h declares (unless --force).
#
# usage: tests/abi/update-baseline.sh [--force] BUILD_DIR
set -euo pipefail

force=0
if [ "${1:-}" = --force ]; then
  force=1
  shift
fi
if [ $# -ne 1 ] || [ ! -f "$1/CMakeCache.txt" ]; then
  echo "usage: $0 [--force] BUILD_DIR   (a configured shale build tree)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

sanitize=$(sed -n 's/^SHALE_SANITIZE:[A-Z]*=//p' "$build/CMakeCache.txt")
if [ -n "$sanitize" ]; then
  echo "$build is a sanitizer build ($sanitize): use a plain one" >&2
  exit 1
fi

echo "== building libshale and shale_struct_layout in $build"
cmake --build "$build" --target shale shale_struct_layout -j"$(nproc)" >/dev/null
lib=$build/lib/libshale.so.1
layout=$(find "$build" -type f -name shale_struct_layout -perm -u+x | head -n 1)
[ -f "$lib" ] && [ -n "$layout" ] || {
  echo "$lib or shale_struct_layout not found" >&2
  exit 1
}

echo "== checking that the library exports what shale.h declares"
if ! /usr/bin/python3 "$root/tests/c/abi_check.py" exports "$lib" \
  "$root/include/shale.h"; then
  if [ "$force" -eq 0 ]; then
    echo "refusing to record a baseline that disagrees with shale.h" \
      "(--force to record it anyway)" >&2
    exit 1
  fi
  echo "--force: recording it anyway" >&2
fi

echo "== writing tests/abi/symbols.txt"
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' |
  LC_ALL=C sort -u >"$here/symbols.txt"
echo "== writing tests/abi/libshale.abi"
/usr/bin/python3 "$here/abi_diff.py" dump "$lib" "$root/include" \
  "$here/libshale.abi"
echo "== writing tests/abi/struct_layout.txt"
{
  echo "# arch: $(uname -m)"
  echo "# written by tests/abi/update-baseline.sh; checked by layout_check.py"
  "$layout"
} >"$here/struct_layout.txt"

echo "== done: $(wc -l <"$here/symbols.txt") symbols"
git -C "$root" diff --stat -- tests/abi || true

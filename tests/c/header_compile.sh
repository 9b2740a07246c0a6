#!/usr/bin/env bash
# header_compile.sh — one entry of the header matrix: compiles header_use.c
# against include/shale.h with COMPILER in language LANG (c or c++) and
# standard STD under strict warnings, then (mode run) links it with the
# library and runs it.
#
# usage: header_compile.sh run|compile COMPILER c|c++ STD SOURCE INCLUDE_DIR LIB
#   compile: stop after compiling to an object (sanitizer builds, where a
#   program not built with the library's sanitizer runtime cannot load it).
set -euo pipefail

if [ $# -ne 7 ]; then
  echo "usage: $0 run|compile COMPILER c|c++ STD SOURCE INCLUDE_DIR LIB" >&2
  exit 2
fi
mode=$1 compiler=$2 lang=$3 std=$4 source=$5 include=$6 lib=$7

if ! command -v "$compiler" >/dev/null 2>&1; then
  echo "FAILED: $compiler not found (install the Debian package" \
    "$([ "${compiler#clang}" != "$compiler" ] && echo clang || echo build-essential))"
  exit 1
fi

# The flags a careful user builds with; a header that warns under them
# breaks that user's -Werror build.
flags=(-std="$std" -Wall -Wextra -pedantic -Werror -Wundef -Wshadow
  -Wconversion -Wsign-conversion -Wcast-qual)
if [ "$lang" = c ]; then
  flags+=(-Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition)
else
  flags+=(-Wold-style-cast)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shale-header.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "$compiler -x $lang ${flags[*]} -I$include -c $(basename "$source")"
"$compiler" -x "$lang" "${flags[@]}" -I"$include" -c "$source" -o "$tmp/use.o"
if [ "$mode" = compile ]; then
  echo "header matrix $compiler $std: OK (compiled)"
  exit 0
fi
libdir=$(cd "$(dirname "$lib")" && pwd)
"$compiler" "$tmp/use.o" -o "$tmp/use" -L"$libdir" -Wl,-rpath,"$libdir" \
  -l:"$(basename "$lib")"
"$tmp/use"
echo "header matrix $compiler $std: OK"

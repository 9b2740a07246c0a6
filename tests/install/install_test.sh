#!/usr/bin/env bash
# install_test.sh — installs a build of shale into a temporary prefix and
# uses it the ways a user would:
#   (a) pkg-config + the shared library,
#   (b) pkg-config --static + libshale.a, linked by the C compiler,
#   (c) a C++ program (the same source as C++), via pkg-config,
#   (d) a CMake project with find_package(shale VERSION) linking
#       shale::shale and shale::shale_static; the found version must be
#       the header's, and asking for the next minor or the next major
#       version must fail,
# after checking what was installed: the shale tool (it must find the
# installed library on its own and round-trip a key), the header
# (identical to include/shale.h), pkg-config file (its version the header's), CMake package, libshale.a,
# the SONAME chain libshale.so -> libshale.so.1 -> libshale.so.X.Y.Z and
# that only shale_* symbols are exported. Every program is run.
#
# usage: install_test.sh BUILD_DIR C_COMPILER CXX_COMPILER CMAKE [SANITIZE]
#   SANITIZE: the build's SHALE_SANITIZE value (e.g. address,undefined), so
#   the programs built here are instrumented like the library.
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: $0 BUILD_DIR C_COMPILER CXX_COMPILER CMAKE [SANITIZE]" >&2
  exit 2
fi
build=$1
cc=$2
cxx=$3
cmake=$4
sanitize=${5:-}
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shale-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

san_flags=()
if [ -n "$sanitize" ]; then
  san_flags=("-fsanitize=$sanitize" -fno-omit-frame-pointer)
fi

step() { printf '== %s\n' "$*"; }
die() {
  printf 'FAILED: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------
step "cmake --install $build --prefix $prefix"
if ! "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log" >&2
  die "cmake --install failed"
fi

pc=$(find "$prefix" -path '*/pkgconfig/shale.pc' | head -n 1)
[ -n "$pc" ] || die "shale.pc was not installed"
libdir=$(dirname "$(dirname "$pc")")
header=$(find "$prefix" -name shale.h | head -n 1)
[ -n "$header" ] || die "shale.h was not installed"
config=$(find "$prefix" -name shaleConfig.cmake | head -n 1)
[ -n "$config" ] || die "shaleConfig.cmake was not installed"
[ -f "$(dirname "$config")/shaleConfigVersion.cmake" ] ||
  die "shaleConfigVersion.cmake was not installed"
[ -f "$libdir/libshale.a" ] || die "libshale.a is not in $libdir"
cmp -s "$header" "$here/../../include/shale.h" ||
  die "the installed shale.h differs from include/shale.h"
echo "installed: ${header#"$prefix"/}, ${pc#"$prefix"/}, ${config#"$prefix"/}"

# ---------------------------------------------------------------------------
step "SONAME chain"
version=$(sed -n 's/^#define SHALE_VERSION_STRING "\(.*\)"$/\1/p' "$header")
abi=$(sed -n 's/^#define SHALE_ABI_VERSION \([0-9]*\)$/\1/p' "$header")
[ -n "$version" ] && [ -n "$abi" ] || die "cannot read the version from $header"
IFS=. read -r major minor _ <<<"$version"
next_minor=$major.$((minor + 1))
next_major=$((major + 1)).0
real=libshale.so.$version
soname=libshale.so.$abi
[ -L "$libdir/libshale.so" ] || die "libshale.so is not a symlink"
[ "$(readlink "$libdir/libshale.so")" = "$soname" ] ||
  die "libshale.so -> $(readlink "$libdir/libshale.so"), expected $soname"
[ -L "$libdir/$soname" ] || die "$soname is not a symlink"
[ "$(readlink "$libdir/$soname")" = "$real" ] ||
  die "$soname -> $(readlink "$libdir/$soname"), expected $real"
[ -f "$libdir/$real" ] && [ ! -L "$libdir/$real" ] || die "$real is not a file"
dt_soname=$(readelf -d "$libdir/$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$dt_soname" = "$soname" ] || die "DT_SONAME of $real is '$dt_soname', expected $soname"
echo "libshale.so -> $soname -> $real (SONAME $dt_soname)"

step "exported symbols"
# Defined dynamic symbols, minus version-node names (type A); all must be shale_*.
others=$(nm -D --defined-only "$libdir/$real" | awk '$2 != "A" { print $3 }' |
  sed 's/@.*//' | grep -v '^shale_' || true)
[ -z "$others" ] || die "libshale.so exports non-shale symbols: $(echo "$others" | head -n 10 | tr '\n' ' ')"
echo "$(nm -D --defined-only "$libdir/$real" | grep -c ' shale_') shale_* symbols, nothing else"

# ---------------------------------------------------------------------------
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
step "pkg-config (PKG_CONFIG_PATH=$libdir/pkgconfig)"
[ "$(pkg-config --modversion shale)" = "$version" ] ||
  die "pkg-config --modversion shale: '$(pkg-config --modversion shale)', expected $version"
pkg-config --print-errors --exists "shale >= $version" ||
  die "pkg-config --exists 'shale >= $version' failed"
if pkg-config --exists "shale >= $next_minor"; then
  die "pkg-config says shale >= $next_minor exists; installed is $version"
fi
pc_includedir=$(pkg-config --variable=includedir shale)
[ -f "$pc_includedir/shale.h" ] ||
  die "shale.pc's includedir '$pc_includedir' has no shale.h (is the .pc file relocatable?)"
pc_libdir=$(pkg-config --variable=libdir shale)
[ -f "$pc_libdir/$soname" ] ||
  die "shale.pc's libdir '$pc_libdir' has no $soname (is the .pc file relocatable?)"
# shellcheck disable=SC2207
cflags=($(pkg-config --cflags shale))
# shellcheck disable=SC2207
libs=($(pkg-config --libs shale))
# shellcheck disable=SC2207
static_libs=($(pkg-config --static --libs shale))
# shellcheck disable=SC2207
cflags_libs=($(pkg-config --cflags --libs shale))
echo "cflags: ${cflags[*]}"
echo "libs: ${libs[*]}"
echo "static libs: ${static_libs[*]}"
echo "cflags + libs: ${cflags_libs[*]}"

step "(a) C program, shared library, via pkg-config --cflags --libs"
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror "${san_flags[@]}" \
  "$here/consumer.c" "${cflags_libs[@]}" -o "$tmp/consumer_shared" ||
  die "compiling against the installed shared library"
# (Capture first: `ldd | grep -q` can fail under pipefail when grep exits early.)
resolved=$(LD_LIBRARY_PATH="$libdir" ldd "$tmp/consumer_shared")
grep -q "$libdir/$soname" <<<"$resolved" ||
  die "consumer_shared does not resolve $soname from $libdir: $resolved"
LD_LIBRARY_PATH="$libdir" "$tmp/consumer_shared" "$tmp/db-shared" ||
  die "consumer_shared failed"

step "the shale command-line tool, installed with the library"
tool=$prefix/bin/shale
[ -x "$tool" ] || die "bin/shale was not installed"
# Without LD_LIBRARY_PATH: the tool finds the installed library itself.
resolved=$(env -u LD_LIBRARY_PATH ldd "$tool" | awk -v so="$soname" '$1 == so { print $3 }')
[ -n "$resolved" ] && [ "$(realpath "$resolved")" = "$(realpath "$libdir/$soname")" ] ||
  die "bin/shale resolves $soname to '$resolved', not the one in $libdir"
env -u LD_LIBRARY_PATH "$tool" --version | grep -q "^shale $version " ||
  die "shale --version does not report $version"
env -u LD_LIBRARY_PATH "$tool" put "$tmp/db-tool" 'tool\x00key' value ||
  die "shale put failed"
[ "$(env -u LD_LIBRARY_PATH "$tool" get "$tmp/db-tool" 'tool\x00key')" = value ] ||
  die "shale get did not read back what shale put wrote"

step "(b) C program, libshale.a, via pkg-config --static"
# Same flags, with -lshale spelled -l:libshale.a so the linker takes the
# archive rather than the .so next to it.
static_libs=("${static_libs[@]/#-lshale/-l:libshale.a}")
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror "${san_flags[@]}" \
  "$here/consumer.c" "${cflags[@]}" "${static_libs[@]}" -o "$tmp/consumer_static" ||
  die "linking statically with: ${static_libs[*]}"
if readelf -d "$tmp/consumer_static" | grep NEEDED | grep libshale; then
  die "consumer_static still depends on libshale.so"
fi
env -u LD_LIBRARY_PATH "$tmp/consumer_static" "$tmp/db-static" ||
  die "consumer_static failed"

step "(c) C++ program, shared library, via pkg-config"
"$cxx" -x c++ -std=c++17 -Wall -Wextra -pedantic -Werror "${san_flags[@]}" \
  "$here/consumer.c" -x none "${cflags[@]}" "${libs[@]}" \
  -o "$tmp/consumer_cxx" || die "compiling consumer.c as C++"
LD_LIBRARY_PATH="$libdir" "$tmp/consumer_cxx" "$tmp/db-cxx" ||
  die "consumer_cxx failed"

step "(d) CMake project with find_package(shale $version)"
mkdir -p "$tmp/project"
cp "$here/consumer.c" "$tmp/project/"
cat >"$tmp/project/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(shale_consumer LANGUAGES C)
find_package(shale ${SHALE_WANTED} REQUIRED)
message(STATUS "found shale ${shale_VERSION}")
if(NOT shale_VERSION VERSION_EQUAL SHALE_WANTED)
  message(FATAL_ERROR "found shale ${shale_VERSION}, expected ${SHALE_WANTED}")
endif()
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE shale::shale)
add_executable(consumer_static consumer.c)
target_link_libraries(consumer_static PRIVATE shale::shale_static)
EOF
cmake_flags=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc"
  -DCMAKE_BUILD_TYPE=Release -DSHALE_WANTED="$version")
if [ -n "$sanitize" ]; then
  cmake_flags+=(-DCMAKE_C_FLAGS="${san_flags[*]}"
    -DCMAKE_EXE_LINKER_FLAGS="${san_flags[*]}")
fi
if ! "$cmake" -S "$tmp/project" -B "$tmp/project/build" "${cmake_flags[@]}" \
  >"$tmp/configure.log" 2>&1; then
  cat "$tmp/configure.log" >&2
  die "configuring a project that does find_package(shale)"
fi
if ! "$cmake" --build "$tmp/project/build" >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  die "building a project that links shale::shale and shale::shale_static"
fi
# The build tree's RPATH points at the installed library: no LD_LIBRARY_PATH.
env -u LD_LIBRARY_PATH "$tmp/project/build/consumer" "$tmp/db-cmake" ||
  die "the find_package(shale) program failed"
env -u LD_LIBRARY_PATH "$tmp/project/build/consumer_static" "$tmp/db-cmake-static" ||
  die "the find_package(shale) static program failed"

for wanted in "$next_minor" "$next_major"; do
  step "find_package(shale $wanted) must fail ($version is installed)"
  if "$cmake" -S "$tmp/project" -B "$tmp/project/build-$wanted" \
    "${cmake_flags[@]}" -DSHALE_WANTED="$wanted" >"$tmp/configure-$wanted.log" 2>&1; then
    die "find_package(shale $wanted) succeeded with shale $version installed"
  fi
  # (CMake wraps its message: compare with the lines joined; captured first
  # so that grep -q closing the pipe early cannot fail it under pipefail.)
  joined=$(tr -s ' \n' '  ' <"$tmp/configure-$wanted.log")
  grep -q "compatible with requested version \"$wanted\"" <<<"$joined" || {
    cat "$tmp/configure-$wanted.log" >&2
    die "find_package(shale $wanted) failed for another reason than the version"
  }
  echo "refused, as it should be"
done

echo "install test: OK"

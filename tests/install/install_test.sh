#!/usr/bin/env bash
# install_test.sh — installs a build of shale into a temporary prefix and
# uses it the three ways a user would:
#   (a) pkg-config + the shared library,
#   (b) pkg-config --static + libshale.a, linked by the C compiler,
#   (c) a CMake project with find_package(shale) linking shale::shale
#       (and shale::shale_static),
# after checking what was installed: header, pkg-config file, CMake package,
# libshale.a, the SONAME chain libshale.so -> libshale.so.1 -> libshale.so.X.Y.Z
# and that only shale_* symbols are exported.
#
# usage: install_test.sh BUILD_DIR C_COMPILER CMAKE [SANITIZE]
#   SANITIZE: the build's SHALE_SANITIZE value (e.g. address,undefined), so
#   the programs built here are instrumented like the library.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 BUILD_DIR C_COMPILER CMAKE [SANITIZE]" >&2
  exit 2
fi
build=$1
cc=$2
cmake=$3
sanitize=${4:-}
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
echo "installed: ${header#"$prefix"/}, ${pc#"$prefix"/}, ${config#"$prefix"/}"

# ---------------------------------------------------------------------------
step "SONAME chain"
version=$(sed -n 's/^#define SHALE_VERSION_STRING "\(.*\)"$/\1/p' "$header")
abi=$(sed -n 's/^#define SHALE_ABI_VERSION \([0-9]*\)$/\1/p' "$header")
[ -n "$version" ] && [ -n "$abi" ] || die "cannot read the version from $header"
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
echo "cflags: ${cflags[*]}"
echo "libs: ${libs[*]}"
echo "static libs: ${static_libs[*]}"

step "(a) C program, shared library, via pkg-config"
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror "${san_flags[@]}" \
  "$here/consumer.c" "${cflags[@]}" "${libs[@]}" -o "$tmp/consumer_shared" ||
  die "compiling against the installed shared library"
# (Capture first: `ldd | grep -q` can fail under pipefail when grep exits early.)
resolved=$(LD_LIBRARY_PATH="$libdir" ldd "$tmp/consumer_shared")
grep -q "$libdir/$soname" <<<"$resolved" ||
  die "consumer_shared does not resolve $soname from $libdir: $resolved"
LD_LIBRARY_PATH="$libdir" "$tmp/consumer_shared" "$tmp/db-shared" ||
  die "consumer_shared failed"

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

step "(c) CMake project with find_package(shale)"
mkdir -p "$tmp/project"
cp "$here/consumer.c" "$tmp/project/"
cat >"$tmp/project/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(shale_consumer LANGUAGES C)
find_package(shale 0.1 REQUIRED)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE shale::shale)
add_executable(consumer_static consumer.c)
target_link_libraries(consumer_static PRIVATE shale::shale_static)
EOF
cmake_flags=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc"
  -DCMAKE_BUILD_TYPE=Release)
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

echo "install test: OK"

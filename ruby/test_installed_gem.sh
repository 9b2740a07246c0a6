#!/bin/sh
# Runs the Ruby binding's tests against the installed gem, as a user has it:
# libshale installed with `cmake --install BUILD` into a temporary prefix,
# the gem built from shale.gemspec and installed with `gem install
# --user-install --local` (which records where pkg-config said libshale is),
# then every test file with no -Ilib and no SHALE_LIBRARY, LD_LIBRARY_PATH
# or RUBYLIB: `require "shale"` goes through RubyGems to the installed gem,
# and the gem to the installed library (test/helper.rb checks both).
#
#   ruby/test_installed_gem.sh [BUILD_DIR]     # default: <repo>/build
#
# Extra arguments after BUILD_DIR go to minitest. Exits non-zero on failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
[ $# -gt 0 ] && shift
build=$(cd "$build" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shale-gem-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

lib=$(SHALE_BUILD_DIR=$build ruby -I"$here/test" -rgem_install -e \
  'r = GemInstall.install_all(ARGV[0]); puts r[:lib]' "$tmp")
echo "ruby/test_installed_gem.sh: libshale installed at $lib, gem installed under $tmp/home"

cd "$here"
rc=0
env -u SHALE_LIBRARY -u LD_LIBRARY_PATH -u RUBYLIB -u RUBYOPT -u GEM_HOME -u GEM_PATH \
  -u XDG_DATA_HOME HOME="$tmp/home" SHALE_BUILD_DIR="$build" SHALE_TEST_INSTALLED_LIBRARY="$lib" \
  ruby -w -Itest -e 'Dir["test/test_*.rb"].sort.each { |f| require File.expand_path(f) }' -- "$@" || rc=$?
exit "$rc"

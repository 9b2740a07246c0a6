#!/bin/sh
# Runs the Ruby binding's tests (minitest, from Debian's ruby-minitest).
# Uses the library named by $SHALE_LIBRARY, else the usual search (see
# lib/shale/native.rb). Extra arguments go to minitest (e.g. -v, -n /lock/).
# Exits non-zero if anything fails.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
exec ruby -w -Ilib -Itest -e 'Dir["test/test_*.rb"].sort.each { |f| require File.expand_path(f) }' -- "$@"

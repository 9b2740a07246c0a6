#!/usr/bin/env bash
# abi_selftest.sh — proves that abi_diff.py passes additions and fails
# breaks, on a tiny library (selftest/fake.h) built in variants: version 1
# is the baseline (dumped with `abi_diff.py dump`, as update-baseline.sh
# does for libshale), the variant is checked against it with
# `abi_diff.py check`, as the abi_baseline test does for libshale.
#
# usage: abi_selftest.sh C_COMPILER CASE
#   CASE (expected outcome): same, added_function, appended_field (pass);
#   removed_function, renamed_function, field_type, inserted_field,
#   param_type (fail).
# Prints "abi selftest CASE: OK" when the checker's verdict is the expected
# one.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 C_COMPILER CASE" >&2
  exit 2
fi
cc=$1
case_name=$2
here=$(cd "$(dirname "$0")" && pwd)

case "$case_name" in
  same) variant=0 expect=pass ;;
  added_function) variant=1 expect=pass ;;
  appended_field) variant=2 expect=pass ;;
  removed_function) variant=3 expect=fail ;;
  field_type) variant=4 expect=fail ;;
  inserted_field) variant=5 expect=fail ;;
  param_type) variant=6 expect=fail ;;
  renamed_function) variant=7 expect=fail ;;
  *)
    echo "abi_selftest.sh: unknown case '$case_name'" >&2
    exit 2
    ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shale-abi-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

build() { # build VARIANT OUT
  "$cc" -g -O1 -shared -fPIC -fvisibility=hidden -DFAKE_VARIANT="$1" \
    -I"$here/selftest" "$here/selftest/fake.c" -o "$2" \
    -Wl,-soname,libshale_fake.so.1
}
build 0 "$tmp/base.so"
build "$variant" "$tmp/variant.so"
/usr/bin/python3 "$here/abi_diff.py" dump "$tmp/base.so" "$here/selftest" \
  "$tmp/base.abi"

set +e
/usr/bin/python3 "$here/abi_diff.py" check "$tmp/base.abi" "$tmp/variant.so" \
  "$here/selftest"
rc=$?
set -e
echo "abi_diff.py check: exit status $rc (expected: $expect)"
case "$expect:$rc" in
  pass:0 | fail:1) echo "abi selftest $case_name: OK" ;;
  *)
    echo "abi selftest $case_name: FAILED: the checker's verdict is wrong"
    exit 1
    ;;
esac

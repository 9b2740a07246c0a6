#!/bin/sh
# Runs the Rust crates' tests: cargo test --offline for the whole workspace
# (shale-sys: bindings freshness and struct layouts; shale: the safe API,
# its integration tests and doc-tests). Extra arguments go to cargo test.
#
#   rust/test.sh                                   # against <repo>/build/lib
#   SHALE_LIB_DIR=/path/to/lib rust/test.sh        # against another build
#
# Needs cargo (on PATH or in ~/.cargo/bin), a built libshale, bindgen and
# rustfmt (for the bindings check) and cc (for the layout check). Prints
# cargo's "test result:" lines; exits non-zero if anything failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
CARGO=${CARGO:-}
if [ -z "$CARGO" ]; then
    if command -v cargo >/dev/null 2>&1; then CARGO=cargo
    elif [ -x "$HOME/.cargo/bin/cargo" ]; then CARGO=$HOME/.cargo/bin/cargo
    else echo "rust/test.sh: cargo not found (PATH or ~/.cargo/bin)" >&2; exit 127
    fi
fi
# rustfmt lives next to cargo in a rustup install; regenerate.sh looks there too.
PATH=$PATH:$(dirname "$(command -v "$CARGO")")
export PATH

if [ -n "${SHALE_LIB_DIR:-}" ]; then
    echo "rust/test.sh: libshale from SHALE_LIB_DIR=$SHALE_LIB_DIR"
    export SHALE_LIB_DIR
else
    echo "rust/test.sh: libshale from $(cd "$here/.." && pwd)/build/lib (set SHALE_LIB_DIR to change)"
fi

cd "$here"
exec "$CARGO" test --offline --workspace --no-fail-fast "$@"

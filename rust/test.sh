#!/bin/sh
# Runs the Rust crates' checks and tests for the whole workspace:
#   1. cargo clippy --offline --workspace --all-targets -- -D warnings
#      (the crates, their tests and the tour example, i.e. the guide's code);
#   2. cargo test --offline (shale-sys: bindings freshness and struct
#      layouts; shale: the safe API, its integration tests — among them a
#      fresh cargo project outside the tree built with no environment
#      variable — and doc-tests). Extra arguments go to cargo test.
#
#   rust/test.sh                                   # against <repo>/build/lib
#   SHALE_LIB_DIR=/path/to/lib rust/test.sh        # against another build
#
# Without SHALE_LIB_DIR and without <repo>/build/lib, shale-sys finds an
# installed libshale or builds it from the sources (see shale-sys/build.rs).
# Needs cargo with clippy (on PATH or in ~/.cargo/bin), cmake, a built
# libshale, bindgen and rustfmt (for the bindings check) and cc (for the
# layout check). Prints cargo's "test result:" lines; exits non-zero if
# anything failed.
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

repo_lib=$(cd "$here/.." && pwd)/build/lib
if [ -z "${SHALE_LIB_DIR:-}" ] && [ -e "$repo_lib/libshale.so.1" ]; then
    SHALE_LIB_DIR=$repo_lib
fi
if [ -n "${SHALE_LIB_DIR:-}" ]; then
    echo "rust/test.sh: libshale from SHALE_LIB_DIR=$SHALE_LIB_DIR"
    export SHALE_LIB_DIR
else
    echo "rust/test.sh: no $repo_lib: shale-sys finds or builds libshale (set SHALE_LIB_DIR to choose)"
fi

cd "$here"
if ! "$CARGO" clippy --version >/dev/null 2>&1; then
    echo "rust/test.sh: cargo clippy is missing (rustup component add clippy)" >&2
    exit 1
fi
echo "rust/test.sh: cargo clippy --offline --workspace --all-targets -- -D warnings"
"$CARGO" clippy --offline --workspace --all-targets -- -D warnings
exec "$CARGO" test --offline --workspace --no-fail-fast "$@"

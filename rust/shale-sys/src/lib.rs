//! Raw FFI declarations of `libshale.so.1`, the C API of shale.
//!
//! Everything in [`bindings`](self) is generated from `include/shale.h` by
//! `regenerate.sh` (bindgen) and checked against the header by
//! `tests/bindings_fresh.rs`; struct layouts are checked against the C
//! compiler by `tests/layout.rs`. The header's comments are the documentation
//! of every item here: ownership, status codes, threads.
//!
//! Use the safe `shale` crate instead unless you need the raw calls.

#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]
#![allow(clippy::all)]

mod bindings;
pub use bindings::*;

// Macros bindgen cannot translate (they contain casts); their values are
// checked against the C compiler by tests/layout.rs.

/// `SHALE_MAX_KEY_SIZE`: the largest key, in bytes (64 KiB).
pub const SHALE_MAX_KEY_SIZE: usize = 65536;
/// `SHALE_MAX_VALUE_SIZE`: the largest value, in bytes (256 MiB).
pub const SHALE_MAX_VALUE_SIZE: usize = 256 * 1024 * 1024;
/// `SHALE_MAX_BATCH_SIZE`: the largest write batch, in bytes (1 GiB).
pub const SHALE_MAX_BATCH_SIZE: usize = 1024 * 1024 * 1024;
/// `SHALE_MISSING`: the `value_lens` entry of a key that has no value
/// (`shale_db_get_many`).
pub const SHALE_MISSING: usize = usize::MAX;

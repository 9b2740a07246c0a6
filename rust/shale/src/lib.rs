//! Safe Rust bindings to **shale**, an embedded, crash-safe, ordered
//! key-value store (`libshale.so.1`).
//!
//! - [`Db`] — open a directory, `get`/`put`/`delete`/`contains`, the
//!   one-call `get_many`/`put_many`/`delete_many`, [`WriteBatch`]es,
//!   iteration ([`Db::iter`], [`Db::range`], [`Db::prefix`], `.rev()`;
//!   owned entries, or borrowed in place with [`Iter::borrowed`]),
//!   [`Snapshot`]s, change [`Subscription`]s, flush/compact/backup/verify.
//! - Background [`Job`]s: [`Db::compact_range_async`], [`Db::backup_async`],
//!   [`Db::verify_async`] run on a thread of the library's, with progress
//!   closures, waiting, cancellation and a [`JobStatus`]; a `Job` is a
//!   `Future` too (`job.await`, no runtime needed).
//! - [`Db::stats`]: the db's figures as a [`Stats`] struct.
//! - Every fallible call returns [`Result`]; an [`Error`] carries the status
//!   code ([`ErrorKind`]), its name and the library's message.
//! - `Db` is `Send + Sync` (share it as `Arc<Db>`); snapshots and
//!   iterators borrow it, so it cannot be closed under them.
//!
//! ```
//! # let dir = std::env::temp_dir().join(format!("shale-doc-lib-{}", std::process::id()));
//! use shale::{Db, Options, SyncMode};
//! let db = Db::open(&dir, Options::new().sync_mode(SyncMode::None))?;
//! db.put(b"fruit/apple", b"red")?;
//! db.put(b"fruit/banana", b"yellow")?;
//! db.put(b"veg/leek", b"green")?;
//! for entry in db.prefix(b"fruit/") {
//!     let (key, value) = entry?;
//!     println!("{} = {}", String::from_utf8_lossy(&key), String::from_utf8_lossy(&value));
//! }
//! assert_eq!(db.prefix(b"fruit/").count(), 2);
//! db.close()?;
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), shale::Error>(())
//! ```
//!
//! Use after close does not compile: [`Db::close`] consumes the db, and
//! snapshots and iterators borrow it.
//!
//! ```compile_fail,E0382
//! let db = shale::Db::open("/tmp/never-opened", shale::Options::new()).unwrap();
//! db.close().unwrap();
//! db.put(b"k", b"v").unwrap(); // error: use of moved value `db`
//! ```
//!
//! ```compile_fail,E0505
//! let db = shale::Db::open("/tmp/never-opened", shale::Options::new()).unwrap();
//! let snap = db.snapshot().unwrap();
//! db.close().unwrap(); // error: cannot move out of `db` because it is borrowed
//! snap.get(b"k").unwrap();
//! ```
//!
//! ```compile_fail,E0505
//! let db = shale::Db::open("/tmp/never-opened", shale::Options::new()).unwrap();
//! let mut it = db.iter();
//! drop(db); // error: cannot move out of `db` because it is borrowed
//! it.next();
//! ```
//!
//! See `docs/rust.md` in the repository for a guide.

#![warn(missing_docs)]

mod batch;
mod db;
mod error;
mod ffi;
mod iter;
mod iter_ref;
mod job;
mod job_future;
mod log;
mod maintenance;
mod options;
mod pin;
mod read;
mod snapshot;
mod stats;
mod subscription;

pub use batch::WriteBatch;
pub use db::Db;
pub use error::{status_name, Error, ErrorKind, Result};
pub use iter::{Entry, Iter};
pub use iter_ref::RefIter;
pub use job::{Job, JobKind, JobStatus};
pub use log::LogLevel;
pub use options::{Options, SyncMode};
pub use pin::PinnedValue;
pub use snapshot::Snapshot;
pub use stats::{Stats, STATS_LEVELS};
pub use subscription::{ChangeFn, ChangeKind, Subscription};

/// The raw declarations, for what this crate does not wrap.
pub use shale_sys as sys;

/// The version of the loaded library, e.g. `"0.3.0"`.
pub fn version() -> &'static str {
    // SAFETY: static storage, never NULL.
    unsafe { std::ffi::CStr::from_ptr(sys::shale_version()) }
        .to_str()
        .unwrap_or("?")
}

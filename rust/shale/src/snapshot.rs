//! Snapshots: reads that all see one point in time.

use crate::db::Db;
use crate::error::{check, Error, Result};
use crate::iter::{Bounds, Iter};
use crate::pin::PinnedValue;
use crate::read;
use shale_sys as sys;
use std::ops::RangeBounds;
use std::ptr::NonNull;

/// The state of a db at one moment: reads through it see exactly the writes
/// acknowledged before [`Db::snapshot`] returned, whatever is written later.
/// It borrows the db (which therefore stays open) and may be shared between
/// threads.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("shale-doc-snap-{}", std::process::id()));
/// use shale::{Db, Options};
/// let db = Db::open(&dir, Options::new())?;
/// db.put(b"k", b"old")?;
/// let snap = db.snapshot()?;
/// db.put(b"k", b"new")?;
/// assert_eq!(snap.get(b"k")?.as_deref(), Some(&b"old"[..]));
/// assert_eq!(db.get(b"k")?.as_deref(), Some(&b"new"[..]));
/// # drop(snap); drop(db); std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), shale::Error>(())
/// ```
pub struct Snapshot<'db> {
    raw: NonNull<sys::shale_snapshot>,
    db: &'db Db,
}

// SAFETY: snapshots may be used from many threads at once (C API: Threads),
// and freed by any thread.
unsafe impl Send for Snapshot<'_> {}
// SAFETY: as above.
unsafe impl Sync for Snapshot<'_> {}

impl Db {
    /// Captures the db's current state.
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        let mut out = std::ptr::null_mut();
        // SAFETY: live handle; out writable.
        check(unsafe { sys::shale_snapshot_new(self.as_raw(), &mut out) })?;
        let raw = NonNull::new(out)
            .ok_or_else(|| Error::new(sys::SHALE_E_INTERNAL, "shale_snapshot_new: NULL"))?;
        Ok(Snapshot { raw, db: self })
    }
}

impl<'db> Snapshot<'db> {
    /// The db this snapshot belongs to.
    pub fn db(&self) -> &'db Db {
        self.db
    }

    pub(crate) fn as_raw(&self) -> *mut sys::shale_snapshot {
        self.raw.as_ptr()
    }

    /// The value of `key` as of the snapshot.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        read::get(self.db.as_raw(), self.as_raw(), key.as_ref())
    }

    /// The value of `key` as of the snapshot, read in place.
    pub fn get_pinned(&self, key: impl AsRef<[u8]>) -> Result<Option<PinnedValue>> {
        read::get_pinned(self.db.as_raw(), self.as_raw(), key.as_ref())
    }

    /// Whether `key` existed at the snapshot.
    pub fn contains(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        read::contains(self.db.as_raw(), self.as_raw(), key.as_ref())
    }

    /// The values of many keys as of the snapshot, in one call.
    pub fn get_many<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<Option<Vec<u8>>>> {
        read::get_many(self.db.as_raw(), self.as_raw(), keys)
    }

    /// Every entry of the snapshot, in key order (`.rev()` for reverse).
    pub fn iter(&self) -> Iter<'_> {
        Iter::new(self.db, Some(self), Bounds::all())
    }

    /// The entries of the snapshot whose keys are in `range`.
    pub fn range<K: AsRef<[u8]>>(&self, range: impl RangeBounds<K>) -> Iter<'_> {
        Iter::new(self.db, Some(self), Bounds::range(range))
    }

    /// The entries of the snapshot whose keys start with `prefix`.
    pub fn prefix(&self, prefix: impl AsRef<[u8]>) -> Iter<'_> {
        Iter::new(self.db, Some(self), Bounds::prefix(prefix.as_ref()))
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        // SAFETY: live handle, freed once; iterators made from it hold their
        // own reference in the library.
        unsafe { sys::shale_snapshot_free(self.raw.as_ptr()) };
    }
}

impl std::fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("raw", &self.raw).finish()
    }
}

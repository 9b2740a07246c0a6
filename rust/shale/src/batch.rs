//! Write batches: many puts and deletes applied atomically.

use crate::error::{check, Result};
use crate::ffi::{self, ptr};
use shale_sys as sys;
use std::ptr::NonNull;

/// Puts and deletes applied atomically, in order, by
/// [`Db::write`](crate::Db::write): after a crash either all of them or none
/// are present. A batch is not bound to a db and may be reused.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("shale-doc-batch-{}", std::process::id()));
/// use shale::{Db, Options, WriteBatch};
/// let db = Db::open(&dir, Options::new())?;
/// let mut batch = WriteBatch::new();
/// batch.put(b"a", b"1")?;
/// batch.put(b"b", b"2")?;
/// batch.delete(b"a")?;
/// assert_eq!(batch.len(), 3);
/// db.write(&batch)?;
/// assert_eq!(db.get(b"a")?, None);
/// assert_eq!(db.get(b"b")?.as_deref(), Some(&b"2"[..]));
/// # drop(db); std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), shale::Error>(())
/// ```
pub struct WriteBatch {
    raw: NonNull<sys::shale_batch>,
}

// SAFETY: a batch is single-owner but has no thread affinity: it may be
// used and freed by any one thread at a time (which `&mut self` ensures).
unsafe impl Send for WriteBatch {}
// SAFETY: the only `&self` use is Db::write; two threads writing the same
// batch at once is detected by the library (SHALE_E_BUSY), not undefined.
unsafe impl Sync for WriteBatch {}

impl WriteBatch {
    /// An empty batch.
    ///
    /// # Panics
    /// If the library cannot allocate it (out of memory), as `Vec` would.
    pub fn new() -> WriteBatch {
        let mut out = std::ptr::null_mut();
        // SAFETY: out is writable.
        let st = check(unsafe { sys::shale_batch_new(&mut out) });
        match (st, NonNull::new(out)) {
            (Ok(_), Some(raw)) => WriteBatch { raw },
            (Err(e), _) => panic!("shale_batch_new failed: {e}"),
            (Ok(_), None) => panic!("shale_batch_new returned SHALE_OK and NULL"),
        }
    }

    pub(crate) fn as_raw(&self) -> *mut sys::shale_batch {
        self.raw.as_ptr()
    }

    /// Appends "set `key` to `value`" (both copied). Fails, leaving the batch
    /// unchanged, if a key or value is over its limit or the batch would pass
    /// `SHALE_MAX_BATCH_SIZE`.
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<&mut Self> {
        let (k, v) = (key.as_ref(), value.as_ref());
        // SAFETY: live handle, exclusively borrowed; key and value borrowed.
        check(unsafe { sys::shale_batch_put(self.as_raw(), ptr(k), k.len(), ptr(v), v.len()) })?;
        Ok(self)
    }

    /// Appends "remove `key`".
    pub fn delete(&mut self, key: impl AsRef<[u8]>) -> Result<&mut Self> {
        let k = key.as_ref();
        // SAFETY: as put.
        check(unsafe { sys::shale_batch_delete(self.as_raw(), ptr(k), k.len()) })?;
        Ok(self)
    }

    /// Appends many puts, in order, in one call into the library. On any
    /// error the batch is unchanged.
    pub fn put_many<K, V>(&mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Result<&mut Self>
    where
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let (keys, values) = ffi::join_pairs(pairs);
        // SAFETY: live handle; joined buffers and lengths borrowed.
        check(unsafe {
            sys::shale_batch_put_many(
                self.as_raw(),
                keys.lens.len(),
                keys.data_ptr(),
                keys.lens_ptr(),
                values.data_ptr(),
                values.lens_ptr(),
            )
        })?;
        Ok(self)
    }

    /// Appends many deletes in one call into the library.
    pub fn delete_many<K: AsRef<[u8]>>(
        &mut self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<&mut Self> {
        let keys = ffi::join(keys);
        // SAFETY: as put_many.
        check(unsafe {
            sys::shale_batch_delete_many(
                self.as_raw(),
                keys.lens.len(),
                keys.data_ptr(),
                keys.lens_ptr(),
            )
        })?;
        Ok(self)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        // SAFETY: live handle, exclusively borrowed: cannot fail.
        let st = unsafe { sys::shale_batch_clear(self.as_raw()) };
        debug_assert_eq!(st, sys::SHALE_OK);
    }

    /// The number of entries (puts and deletes).
    pub fn len(&self) -> usize {
        let mut n = 0;
        // SAFETY: live handle; n writable. Only SHALE_E_BUSY could fail (a
        // concurrent Db::write of this batch), reported as 0.
        unsafe { sys::shale_batch_count(self.as_raw(), &mut n) };
        n
    }

    /// Whether the batch has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for WriteBatch {
    fn default() -> Self {
        WriteBatch::new()
    }
}

impl Drop for WriteBatch {
    fn drop(&mut self) {
        // SAFETY: live handle, freed once; nothing else can be using it.
        unsafe { sys::shale_batch_free(self.raw.as_ptr()) };
    }
}

impl std::fmt::Debug for WriteBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteBatch")
            .field("len", &self.len())
            .finish()
    }
}

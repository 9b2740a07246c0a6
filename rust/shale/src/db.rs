//! The database handle: open, close, reads and writes.

use crate::batch::WriteBatch;
use crate::error::{check, Error, Result};
use crate::ffi::{self, path_cstring, ptr};
use crate::log;
use crate::options::Options;
use crate::pin::PinnedValue;
use crate::read;
use shale_sys as sys;
use std::mem::ManuallyDrop;
use std::path::Path;
use std::ptr::NonNull;
use std::sync::OnceLock;

/// An open shale database: an ordered map of byte keys to byte values,
/// stored crash-safely in one directory.
///
/// `Db` is `Send + Sync`: share it between threads with `Arc<Db>`. It is
/// closed when dropped (errors are then ignored) or by [`Db::close`], which
/// reports them. Snapshots and iterators borrow it, so it cannot be closed
/// while they exist.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("shale-doc-db-{}", std::process::id()));
/// use shale::{Db, Options};
/// let db = Db::open(&dir, Options::new())?;
/// db.put(b"hello", b"world")?;
/// assert_eq!(db.get(b"hello")?.as_deref(), Some(&b"world"[..]));
/// db.delete(b"hello")?;
/// assert!(!db.contains(b"hello")?);
/// db.close()?;
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), shale::Error>(())
/// ```
pub struct Db {
    raw: NonNull<sys::shale_db>,
}

// SAFETY: the C API makes a shale_db safe to use from many threads at once,
// with no thread affinity (closing from any thread is allowed).
unsafe impl Send for Db {}
// SAFETY: as above: every shale_db_* function is thread-safe.
unsafe impl Sync for Db {}

/// The library's ABI major, checked once against the one these bindings were
/// generated for.
fn check_abi() -> Result<()> {
    static ABI: OnceLock<i32> = OnceLock::new();
    // SAFETY: no arguments, thread-safe.
    let found = *ABI.get_or_init(|| unsafe { sys::shale_abi_version() });
    if found == sys::SHALE_ABI_VERSION {
        Ok(())
    } else {
        Err(Error::new(
            sys::SHALE_E_NOT_SUPPORTED,
            format!(
                "libshale has ABI version {found}, this crate was written for {}",
                sys::SHALE_ABI_VERSION
            ),
        ))
    }
}

impl Db {
    /// Opens the db in directory `path` (creating it when the options allow),
    /// recovering it from its log. The path is passed as bytes: it need not
    /// be UTF-8.
    ///
    /// Fails with [`ErrorKind::Locked`](crate::ErrorKind::Locked) if the
    /// directory is already open (in this or another process),
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) if it is missing and may not
    /// be created, [`ErrorKind::Corruption`](crate::ErrorKind::Corruption)...
    /// the message says which path or file.
    pub fn open(path: impl AsRef<Path>, options: Options) -> Result<Db> {
        check_abi()?;
        let path = path_cstring(path.as_ref())?;
        let mut raw = options.to_raw();
        let logger_user = options.logger.clone().map(log::into_user);
        if let Some(user) = logger_user {
            raw.logger = Some(log::log_trampoline);
            raw.logger_user = user;
            raw.logger_user_free = Some(log::log_user_free);
        }
        let mut out = std::ptr::null_mut();
        // SAFETY: path is NUL-terminated, raw a valid options struct, out
        // writable; all borrowed for the call only.
        let st = unsafe { sys::shale_db_open(path.as_ptr(), &raw, &mut out) };
        let result = check(st);
        if result.is_err() {
            if let Some(user) = logger_user {
                // SAFETY: after a failed open the library does not call
                // logger_user_free: the user pointer is still ours.
                unsafe { log::free_user(user) };
            }
        }
        result?;
        NonNull::new(out).map(|raw| Db { raw }).ok_or_else(|| {
            Error::new(
                sys::SHALE_E_INTERNAL,
                "shale_db_open returned SHALE_OK and NULL",
            )
        })
    }

    /// Closes the db, reporting a failure of the final sync (the db is
    /// closed all the same). Dropping a `Db` closes it too, ignoring errors.
    /// Calls in flight on other threads finish first; subscriptions end.
    /// Fails with [`ErrorKind::Busy`](crate::ErrorKind::Busy), closing
    /// nothing (the handle is then leaked), if called from inside a callback
    /// running on this db.
    pub fn close(self) -> Result<()> {
        let me = ManuallyDrop::new(self);
        // SAFETY: the handle is live and, as self is consumed, used no more.
        check(unsafe { sys::shale_db_close(me.raw.as_ptr()) }).map(drop)
    }

    /// The raw handle, for the other modules of this crate (and for calling
    /// shale-sys functions this crate does not wrap). Valid while `self` is.
    pub fn as_raw(&self) -> *mut sys::shale_db {
        self.raw.as_ptr()
    }

    /// The value of `key`, or `None` if it is absent.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        read::get(self.as_raw(), std::ptr::null_mut(), key.as_ref())
    }

    /// The value of `key` in a library-owned buffer, read in place through
    /// [`PinnedValue`]'s `Deref<Target = [u8]>` (one copy fewer than
    /// [`get`](Self::get) for large values).
    pub fn get_pinned(&self, key: impl AsRef<[u8]>) -> Result<Option<PinnedValue>> {
        read::get_pinned(self.as_raw(), std::ptr::null_mut(), key.as_ref())
    }

    /// Whether `key` exists (without copying its value).
    pub fn contains(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        read::contains(self.as_raw(), std::ptr::null_mut(), key.as_ref())
    }

    /// The values of many keys, all read at one point in time, in one call
    /// into the library. `None` where a key is absent.
    pub fn get_many<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<Option<Vec<u8>>>> {
        read::get_many(self.as_raw(), std::ptr::null_mut(), keys)
    }

    /// Sets `key` to `value`; acknowledged once durable per the sync mode.
    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        let (k, v) = (key.as_ref(), value.as_ref());
        // SAFETY: live handle; key and value borrowed for the call.
        check(unsafe { sys::shale_db_put(self.as_raw(), ptr(k), k.len(), ptr(v), v.len()) })
            .map(drop)
    }

    /// Removes `key` (not an error if it is absent).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<()> {
        let k = key.as_ref();
        // SAFETY: live handle; key borrowed for the call.
        check(unsafe { sys::shale_db_delete(self.as_raw(), ptr(k), k.len()) }).map(drop)
    }

    /// Sets many keys in one atomic write (all or none after a crash), in
    /// one call into the library; a later key wins over an earlier equal one.
    pub fn put_many<K, V>(&self, pairs: impl IntoIterator<Item = (K, V)>) -> Result<()>
    where
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let (keys, values) = ffi::join_pairs(pairs);
        // SAFETY: live handle; the joined buffers and their lengths (count
        // elements each) are borrowed for the call.
        check(unsafe {
            sys::shale_db_put_many(
                self.as_raw(),
                keys.lens.len(),
                keys.data_ptr(),
                keys.lens_ptr(),
                values.data_ptr(),
                values.lens_ptr(),
            )
        })
        .map(drop)
    }

    /// Removes many keys in one atomic write, in one call into the library.
    pub fn delete_many<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<()> {
        let keys = ffi::join(keys);
        // SAFETY: as put_many.
        check(unsafe {
            sys::shale_db_delete_many(
                self.as_raw(),
                keys.lens.len(),
                keys.data_ptr(),
                keys.lens_ptr(),
            )
        })
        .map(drop)
    }

    /// Applies every entry of `batch` atomically, in order. The batch is not
    /// consumed and may be reused.
    pub fn write(&self, batch: &WriteBatch) -> Result<()> {
        // SAFETY: both handles are live; the batch is single-owner and the
        // library refuses (SHALE_E_BUSY) a concurrent use of it.
        check(unsafe { sys::shale_db_write(self.as_raw(), batch.as_raw()) }).map(drop)
    }

    /// A named property as text, `None` for an unknown name: `"shale.stats"`,
    /// `"shale.sequence"`, `"shale.recovery"`, `"shale.path"`.
    pub fn property(&self, name: &str) -> Result<Option<String>> {
        let name = std::ffi::CString::new(name).map_err(|_| {
            Error::new(
                sys::SHALE_E_INVALID_ARGUMENT,
                "property name contains a NUL byte",
            )
        })?;
        let mut out = std::ptr::null_mut();
        // SAFETY: live handle; name NUL-terminated; out writable.
        let st = check(unsafe { sys::shale_db_property(self.as_raw(), name.as_ptr(), &mut out) })?;
        if st == sys::SHALE_NOT_FOUND {
            return Ok(None);
        }
        // SAFETY: on SHALE_OK out is an owned NUL-terminated string.
        let text = unsafe { std::ffi::CStr::from_ptr(out) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: owned (out), freed once.
        unsafe { sys::shale_free(out as *mut _) };
        Ok(Some(text))
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // SAFETY: live handle, closed once. The result is ignored: use
        // close() to see it.
        unsafe { sys::shale_db_close(self.raw.as_ptr()) };
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("raw", &self.raw).finish()
    }
}

//! Small helpers at the FFI boundary: byte slices from C pointers, buffers
//! owned by the library, paths as C strings, keys joined end to end.

use crate::error::{Error, Result};
use shale_sys as sys;
use std::ffi::CString;
use std::os::raw::c_void;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A byte slice from a C (pointer, length) pair; NULL or length 0 give `&[]`.
///
/// # Safety
/// `ptr` must point to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const c_void, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr as *const u8, len) }
    }
}

/// A buffer returned as "owned (out)" by the library, freed with
/// `shale_free` on drop.
pub(crate) struct CBuf {
    ptr: *mut c_void,
    len: usize,
}

impl CBuf {
    /// Takes ownership of `ptr` (may be NULL) holding `len` bytes.
    ///
    /// # Safety
    /// `ptr` must be NULL or memory allocated by shale of at least `len` bytes.
    pub(crate) unsafe fn new(ptr: *mut c_void, len: usize) -> CBuf {
        CBuf { ptr, len }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: the library gave us `len` bytes at `ptr`, alive until drop.
        unsafe { bytes(self.ptr, self.len) }
    }
}

impl Drop for CBuf {
    fn drop(&mut self) {
        // SAFETY: `ptr` is NULL or was allocated by shale and is freed once.
        unsafe { sys::shale_free(self.ptr) }
    }
}

/// A path as the NUL-terminated bytes the C API takes (no encoding assumed).
pub(crate) fn path_cstring(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        Error::new(
            sys::SHALE_E_INVALID_ARGUMENT,
            format!("path contains a NUL byte: {:?}", path),
        )
    })
}

/// Keys (or values) laid end to end in one buffer, with their lengths: the
/// shape of the `_many` functions.
#[derive(Default)]
pub(crate) struct Joined {
    pub(crate) data: Vec<u8>,
    pub(crate) lens: Vec<usize>,
}

impl Joined {
    pub(crate) fn push(&mut self, item: &[u8]) {
        self.data.extend_from_slice(item);
        self.lens.push(item.len());
    }

    /// Pointer for the C call: NULL is allowed only when every length is 0,
    /// and an empty Vec's dangling pointer is fine too, but be explicit.
    pub(crate) fn data_ptr(&self) -> *const c_void {
        if self.data.is_empty() {
            std::ptr::null()
        } else {
            self.data.as_ptr() as *const c_void
        }
    }

    pub(crate) fn lens_ptr(&self) -> *const usize {
        if self.lens.is_empty() {
            std::ptr::null()
        } else {
            self.lens.as_ptr()
        }
    }
}

/// Joins keys and values from pairs.
pub(crate) fn join_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> (Joined, Joined)
where
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let (mut keys, mut values) = (Joined::default(), Joined::default());
    for (k, v) in pairs {
        keys.push(k.as_ref());
        values.push(v.as_ref());
    }
    (keys, values)
}

/// Joins keys.
pub(crate) fn join<K: AsRef<[u8]>>(items: impl IntoIterator<Item = K>) -> Joined {
    let mut joined = Joined::default();
    for k in items {
        joined.push(k.as_ref());
    }
    joined
}

/// Pointer of a byte slice for a C call (never NULL, even when empty).
pub(crate) fn ptr(b: &[u8]) -> *const c_void {
    b.as_ptr() as *const c_void
}

//! Values read in place, in a buffer the library owns.

use shale_sys as sys;
use std::ops::Deref;
use std::os::raw::c_void;
use std::ptr::NonNull;

/// A value read by [`Db::get_pinned`](crate::Db::get_pinned) or
/// [`Snapshot::get_pinned`](crate::Snapshot::get_pinned): the bytes stay in
/// the library's memory until this is dropped (also after the db is closed).
/// Dereferences to `[u8]`.
pub struct PinnedValue {
    pin: NonNull<sys::shale_pin>,
    ptr: *const c_void,
    len: usize,
}

// SAFETY: a pin is immutable: any thread may read it and one frees it.
unsafe impl Send for PinnedValue {}
// SAFETY: as above.
unsafe impl Sync for PinnedValue {}

impl PinnedValue {
    /// # Safety
    /// `pin` is a live pin handle whose value is `len` bytes at `ptr`.
    pub(crate) unsafe fn new(
        pin: NonNull<sys::shale_pin>,
        ptr: *const c_void,
        len: usize,
    ) -> PinnedValue {
        PinnedValue { pin, ptr, len }
    }
}

impl Deref for PinnedValue {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: the value stays valid until shale_pin_free (in drop).
        unsafe { crate::ffi::bytes(self.ptr, self.len) }
    }
}

impl AsRef<[u8]> for PinnedValue {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for PinnedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PinnedValue").field(&&**self).finish()
    }
}

impl Drop for PinnedValue {
    fn drop(&mut self) {
        // SAFETY: live pin, freed once.
        unsafe { sys::shale_pin_free(self.pin.as_ptr()) };
    }
}

//! Point reads shared by `Db` and `Snapshot` (snapshot NULL: the latest state).

use crate::error::{check, Error, Result};
use crate::ffi::{self, ptr, CBuf};
use crate::pin::PinnedValue;
use shale_sys as sys;
use std::ptr::NonNull;

pub(crate) fn get(
    db: *mut sys::shale_db,
    snap: *mut sys::shale_snapshot,
    key: &[u8],
) -> Result<Option<Vec<u8>>> {
    let (mut value, mut len) = (std::ptr::null_mut(), 0usize);
    // SAFETY: db (and snap, if not NULL) are live handles kept alive by the
    // caller's borrow; key borrowed for the call; out-pointers writable.
    let st =
        check(unsafe { sys::shale_db_get(db, snap, ptr(key), key.len(), &mut value, &mut len) })?;
    if st == sys::SHALE_NOT_FOUND {
        return Ok(None);
    }
    // SAFETY: on SHALE_OK value is an owned buffer of len bytes.
    let buf = unsafe { CBuf::new(value, len) };
    Ok(Some(buf.as_slice().to_vec()))
}

pub(crate) fn get_pinned(
    db: *mut sys::shale_db,
    snap: *mut sys::shale_snapshot,
    key: &[u8],
) -> Result<Option<PinnedValue>> {
    let (mut pin, mut value, mut len) = (std::ptr::null_mut(), std::ptr::null(), 0usize);
    // SAFETY: as get.
    let st = check(unsafe {
        sys::shale_db_get_pinned(
            db,
            snap,
            ptr(key),
            key.len(),
            &mut pin,
            &mut value,
            &mut len,
        )
    })?;
    if st == sys::SHALE_NOT_FOUND {
        return Ok(None);
    }
    let pin = NonNull::new(pin)
        .ok_or_else(|| Error::new(sys::SHALE_E_INTERNAL, "shale_db_get_pinned: NULL pin"))?;
    // SAFETY: on SHALE_OK pin is an owned pin holding len bytes at value.
    Ok(Some(unsafe { PinnedValue::new(pin, value, len) }))
}

pub(crate) fn contains(
    db: *mut sys::shale_db,
    snap: *mut sys::shale_snapshot,
    key: &[u8],
) -> Result<bool> {
    // SAFETY: as get.
    let st = check(unsafe { sys::shale_db_exists(db, snap, ptr(key), key.len()) })?;
    Ok(st == sys::SHALE_OK)
}

pub(crate) fn get_many<K: AsRef<[u8]>>(
    db: *mut sys::shale_db,
    snap: *mut sys::shale_snapshot,
    keys: impl IntoIterator<Item = K>,
) -> Result<Vec<Option<Vec<u8>>>> {
    let keys = ffi::join(keys);
    let count = keys.lens.len();
    let mut lens = vec![sys::SHALE_MISSING; count];
    let mut values = std::ptr::null_mut();
    let lens_ptr = if count == 0 {
        std::ptr::null_mut()
    } else {
        lens.as_mut_ptr()
    };
    // SAFETY: as get; the joined keys (count lengths) are borrowed for the
    // call; lens has count writable elements.
    check(unsafe {
        sys::shale_db_get_many(
            db,
            snap,
            count,
            keys.data_ptr(),
            keys.lens_ptr(),
            &mut values,
            lens_ptr,
            std::ptr::null_mut(),
        )
    })?;
    let total: usize = lens.iter().filter(|&&l| l != sys::SHALE_MISSING).sum();
    // SAFETY: on SHALE_OK values is an owned buffer holding the found values
    // end to end: the sum of their lengths.
    let buf = unsafe { CBuf::new(values, total) };
    let data = buf.as_slice();
    let mut offset = 0;
    Ok(lens
        .iter()
        .map(|&l| {
            (l != sys::SHALE_MISSING).then(|| {
                let v = data[offset..offset + l].to_vec();
                offset += l;
                v
            })
        })
        .collect())
}

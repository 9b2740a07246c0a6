//! Maintenance: flush, sync, compaction, backup, verification (the
//! synchronous forms; the background ones are in job.rs).

use crate::db::Db;
use crate::error::{check, Error, Result};
use crate::ffi::{path_cstring, ptr};
use shale_sys as sys;
use std::any::Any;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::Path;

/// A progress callback and the panic it raised, if any (re-raised on the
/// caller's thread once the C call has returned).
struct Progress<'f> {
    f: &'f mut dyn FnMut(u64, u64) -> bool,
    panic: Option<Box<dyn Any + Send>>,
}

extern "C" fn on_progress(user: *mut c_void, done: u64, total: u64) -> c_int {
    // SAFETY: user is the &mut Progress of `with_progress`, alive for the
    // whole synchronous call that invokes this on the caller's thread.
    let p = unsafe { &mut *(user as *mut Progress) };
    call_progress(p.f, &mut p.panic, done, total)
}

/// Calls a progress closure for a `shale_progress_fn` trampoline and gives
/// the C return value: 0 to continue, 1 to cancel (`f` returned false, or
/// panicked). A panic is caught here, never unwinding into the library: its
/// payload goes to `panic`, and once `panic` holds one `f` is not called
/// again (every later call cancels).
pub(crate) fn call_progress(
    f: &mut dyn FnMut(u64, u64) -> bool,
    panic: &mut Option<Box<dyn Any + Send>>,
    done: u64,
    total: u64,
) -> c_int {
    if panic.is_some() {
        return 1;
    }
    match catch_unwind(AssertUnwindSafe(|| f(done, total))) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(payload) => {
            *panic = Some(payload);
            1
        }
    }
}

/// Runs a C call given (progress fn, user), or (None, NULL) without `f`;
/// a panic of `f` resumes here, after the call.
fn with_progress(
    f: Option<&mut dyn FnMut(u64, u64) -> bool>,
    call: impl FnOnce(sys::shale_progress_fn, *mut c_void) -> i32,
) -> i32 {
    let Some(f) = f else {
        return call(None, std::ptr::null_mut());
    };
    let mut p = Progress { f, panic: None };
    let st = call(Some(on_progress), &mut p as *mut Progress as *mut c_void);
    if let Some(payload) = p.panic {
        resume_unwind(payload);
    }
    st
}

impl Db {
    /// Makes everything written so far durable (fsync of the log), whatever
    /// the sync mode.
    pub fn sync(&self) -> Result<()> {
        // SAFETY: live handle.
        check(unsafe { sys::shale_db_sync(self.as_raw()) }).map(drop)
    }

    /// Writes the in-memory table to a table file and waits until it is
    /// durable.
    pub fn flush(&self) -> Result<()> {
        // SAFETY: live handle.
        check(unsafe { sys::shale_db_flush(self.as_raw()) }).map(drop)
    }

    /// Compacts the keys from `start` to `end` inclusive (`None`: unbounded),
    /// dropping overwritten versions and deletions no snapshot needs.
    pub fn compact_range(&self, start: Option<&[u8]>, end: Option<&[u8]>) -> Result<()> {
        self.compact_range_with_progress(start, end, None)
    }

    /// As [`compact_range`](Self::compact_range), calling `progress(done,
    /// total)` (bytes) on this thread; returning `false` cancels with
    /// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) (the work done
    /// is kept). A panic in `progress` cancels, then resumes once the
    /// library has returned.
    pub fn compact_range_with_progress(
        &self,
        start: Option<&[u8]>,
        end: Option<&[u8]>,
        progress: Option<&mut dyn FnMut(u64, u64) -> bool>,
    ) -> Result<()> {
        let s = start.map_or((std::ptr::null(), 0), |s| (ptr(s), s.len()));
        let e = end.map_or((std::ptr::null(), 0), |e| (ptr(e), e.len()));
        let st = with_progress(progress, |f, user| {
            // SAFETY: live handle; bounds borrowed for the call; f/user valid
            // for the call (see with_progress).
            unsafe { sys::shale_db_compact_range(self.as_raw(), s.0, s.1, e.0, e.1, f, user) }
        });
        check(st).map(drop)
    }

    /// Writes a consistent copy of the db into `dest`, which must not exist
    /// or be empty; the copy is a db that [`Db::open`] opens.
    pub fn backup(&self, dest: impl AsRef<Path>) -> Result<()> {
        self.backup_with_progress(dest, None)
    }

    /// As [`backup`](Self::backup), with a progress callback as
    /// [`compact_range_with_progress`](Self::compact_range_with_progress).
    pub fn backup_with_progress(
        &self,
        dest: impl AsRef<Path>,
        progress: Option<&mut dyn FnMut(u64, u64) -> bool>,
    ) -> Result<()> {
        let dest = path_cstring(dest.as_ref())?;
        let st = with_progress(progress, |f, user| {
            // SAFETY: live handle; dest NUL-terminated, borrowed.
            unsafe { sys::shale_db_backup(self.as_raw(), dest.as_ptr(), f, user) }
        });
        check(st).map(drop)
    }

    /// Reads every file of the db and checks every checksum. Returns the
    /// report (what was checked); on a failure the error's message is the
    /// library's message followed by the report, which lists every problem
    /// (file, offset, what).
    pub fn verify(&self) -> Result<String> {
        self.verify_with_progress(None)
    }

    /// As [`verify`](Self::verify), with a progress callback.
    pub fn verify_with_progress(
        &self,
        progress: Option<&mut dyn FnMut(u64, u64) -> bool>,
    ) -> Result<String> {
        let mut report: *mut c_char = std::ptr::null_mut();
        let st = with_progress(progress, |f, user| {
            // SAFETY: live handle; report writable.
            unsafe { sys::shale_db_verify(self.as_raw(), f, user, &mut report) }
        });
        let err = (st < 0).then(|| Error::last(st));
        let text = if report.is_null() {
            String::new()
        } else {
            // SAFETY: an owned NUL-terminated string, freed once right after.
            let t = unsafe { std::ffi::CStr::from_ptr(report) }
                .to_string_lossy()
                .into_owned();
            // SAFETY: as above.
            unsafe { sys::shale_free(report as *mut c_void) };
            t
        };
        match err {
            None => Ok(text),
            Some(e) if text.is_empty() => Err(e),
            Some(e) => Err(e.with_detail(&text)),
        }
    }
}

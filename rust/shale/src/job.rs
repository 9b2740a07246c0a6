//! Background jobs: compaction, backup and verification on a thread of the
//! library's, waitable and cancellable through a [`Job`].

use crate::db::Db;
use crate::error::{check, Error, Result};
use crate::ffi::{path_cstring, ptr};
use crate::job_future::{on_job_done, Completion};
use crate::maintenance::call_progress;
use shale_sys as sys;
use std::any::Any;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The progress closure of a background job: `(done, total)` in bytes;
/// `true` continues, `false` cancels.
type ProgressBox = Box<dyn FnMut(u64, u64) -> bool + Send>;

/// Which operation a [`Job`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// [`Db::compact_range_async`].
    Compact,
    /// [`Db::backup_async`].
    Backup,
    /// [`Db::verify_async`].
    Verify,
}

/// A snapshot of a job's state, read by [`Job::status`].
#[derive(Debug, Clone)]
pub struct JobStatus {
    /// Whether the job has finished (its outcome is final).
    pub finished: bool,
    /// The outcome once finished: `Ok(())`, or the error (e.g.
    /// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled), or
    /// [`ErrorKind::Corruption`](crate::ErrorKind::Corruption) from verify,
    /// whose message is then the report). `Ok(())` while running.
    pub result: Result<()>,
    /// Bytes processed so far.
    pub done: u64,
    /// Bytes to process (may grow while the job runs).
    pub total: u64,
    /// The final message once finished (`""` on success, verify's report
    /// for verify); `None` while running.
    pub message: Option<String>,
}

/// What a job shares with its handle: the panic of its progress closure,
/// and its outcome and wakers once awaited (see job_future.rs).
#[derive(Default)]
pub(crate) struct Shared {
    panicked: AtomicBool,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    pub(crate) completion: Mutex<Completion>,
}

/// What the library's `user` pointer points to; freed by `free_job_user`
/// (the job's `user_free`), or by `start_job` if the job did not start.
pub(crate) struct JobUser {
    progress: Option<ProgressBox>,
    /// The payload of a panic of `progress`, until it is moved to `shared`.
    panic: Option<Box<dyn Any + Send>>,
    pub(crate) shared: Arc<Shared>,
}

/// A background operation started by [`Db::compact_range_async`],
/// [`Db::backup_async`] or [`Db::verify_async`] (or their
/// `_with_progress` forms), running on a thread of the library's.
///
/// `Job` is `Send + Sync` and does not borrow the db: closing the db
/// cancels its jobs and waits for them, and the `Job` stays usable
/// afterwards (its status is then final). Dropping a `Job` frees the
/// handle; a job still running is cancelled and waited for first.
///
/// `Job` (and `&Job`) is a [`Future`](std::future::Future) whose output
/// is [`result`](Self::result)'s: `job.await` in any async runtime, or
/// none — the job's done callback wakes the task, no thread waits.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("shale-doc-job-{}", std::process::id()));
/// use shale::{Db, Options};
/// use std::time::Duration;
/// let db = Db::open(&dir, Options::new())?;
/// db.put(b"key", b"value")?;
/// let job = db.verify_async()?;
/// // ... do something else meanwhile ...
/// while !job.wait(Some(Duration::from_millis(100)))? {
///     let s = job.status()?;
///     println!("{}/{} bytes", s.done, s.total);
/// }
/// let report = job.result(None)?; // the outcome: verify's report, or the error
/// assert!(!report.is_empty());
/// # drop(db); std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), shale::Error>(())
/// ```
pub struct Job {
    raw: NonNull<sys::shale_job>,
    kind: JobKind,
    pub(crate) shared: Arc<Shared>,
}

// SAFETY: every shale_job_* function is thread-safe, with no thread
// affinity; `shared` is Send + Sync.
unsafe impl Send for Job {}
// SAFETY: as above.
unsafe impl Sync for Job {}

/// A wait's limit as shale_job_wait's milliseconds: `None` (or one too long
/// for an i64) is -1, no limit; a fraction of a millisecond counts as one,
/// so that only a zero duration polls.
fn timeout_ms(timeout: Option<Duration>) -> i64 {
    match timeout {
        None => -1,
        Some(d) => i64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(-1),
    }
}

/// Starts a job: `call(progress_fn, done_fn, user, user_free, &mut out)`
/// is the `_async` C call. The boxed state goes to the library, which frees
/// it with `free_job_user` exactly once; if the start fails it is freed
/// here.
fn start_job(
    kind: JobKind,
    progress: Option<ProgressBox>,
    call: impl FnOnce(
        sys::shale_progress_fn,
        sys::shale_job_done_fn,
        *mut c_void,
        sys::shale_user_free_fn,
        *mut *mut sys::shale_job,
    ) -> i32,
) -> Result<Job> {
    let shared = Arc::new(Shared::default());
    let progress_fn: sys::shale_progress_fn = if progress.is_some() {
        Some(on_job_progress)
    } else {
        None
    };
    let user = Box::into_raw(Box::new(JobUser {
        progress,
        panic: None,
        shared: shared.clone(),
    }));
    let mut out = std::ptr::null_mut();
    let st = call(
        progress_fn,
        Some(on_job_done),
        user as *mut c_void,
        Some(free_job_user),
        &mut out,
    );
    // Read the error before the closure's Drop can make another shale call.
    let result = check(st);
    if let Err(e) = result {
        // A failed start never calls user_free: `user` is still ours, and
        // freed once, here.
        free_job_user(user as *mut c_void);
        return Err(e);
    }
    match NonNull::new(out) {
        Some(raw) => Ok(Job { raw, kind, shared }),
        // Unreachable with a correct library; the state then belongs to it.
        None => Err(Error::new(
            sys::SHALE_E_INTERNAL,
            "a shale _async call returned SHALE_OK and no job",
        )),
    }
}

/// The `shale_progress_fn` of a job. Never unwinds: a panic of the closure
/// is caught (by `call_progress`) and cancels the job.
extern "C" fn on_job_progress(user: *mut c_void, done: u64, total: u64) -> c_int {
    // SAFETY: user is our JobUser, alive until free_job_user, which runs
    // after the last progress call; progress calls come one at a time from
    // the job's thread, so this is the only reference meanwhile.
    let u = unsafe { &mut *(user as *mut JobUser) };
    let Some(f) = u.progress.as_mut() else {
        return 0;
    };
    if u.shared.panicked.load(Ordering::Relaxed) {
        return 1;
    }
    let rc = call_progress(f.as_mut(), &mut u.panic, done, total);
    if let Some(payload) = u.panic.take() {
        // Published before the job can finish, so a waiter sees it.
        if let Ok(mut slot) = u.shared.panic.lock() {
            *slot = Some(payload);
        }
        u.shared.panicked.store(true, Ordering::Release);
    }
    rc
}

/// The `user_free` of a job: drops its state (catching a panic from the
/// closure's Drop too).
extern "C" fn free_job_user(user: *mut c_void) {
    // SAFETY: called exactly once, with the pointer made by Box::into_raw.
    let u = unsafe { Box::from_raw(user as *mut JobUser) };
    let _ = catch_unwind(AssertUnwindSafe(|| drop(u)));
}

impl Job {
    /// Which operation this job runs.
    pub fn kind(&self) -> JobKind {
        self.kind
    }

    /// Waits until the job has finished: `timeout` `None` waits without
    /// limit, `Some(Duration::ZERO)` polls. Returns `true` once finished,
    /// `false` if the time ran out. Fails with
    /// [`ErrorKind::Busy`](crate::ErrorKind::Busy) if called from the job's
    /// own progress closure.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        // SAFETY: live handle (valid after the db closed, too).
        let st = unsafe { sys::shale_job_wait(self.raw.as_ptr(), timeout_ms(timeout)) };
        if st == sys::SHALE_E_TIMEOUT {
            return Ok(false);
        }
        check(st).map(|_| true)
    }

    /// Asks the job to stop at its next safe point; it then finishes with
    /// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) (unless it
    /// finished first; the work already done is kept and the db is sound).
    /// Returns at once: [`wait`](Self::wait) to wait. Harmless on a
    /// finished job.
    pub fn cancel(&self) -> Result<()> {
        // SAFETY: live handle.
        check(unsafe { sys::shale_job_cancel(self.raw.as_ptr()) }).map(drop)
    }

    /// The job's state: finished or not, the outcome, progress so far and
    /// the final message.
    pub fn status(&self) -> Result<JobStatus> {
        let (mut state, mut result, mut done, mut total) = (0i32, 0i32, 0u64, 0u64);
        let mut msg: *mut c_char = std::ptr::null_mut();
        // SAFETY: live handle; every out-pointer writable.
        check(unsafe {
            sys::shale_job_status(
                self.raw.as_ptr(),
                &mut state,
                &mut result,
                &mut done,
                &mut total,
                &mut msg,
            )
        })?;
        let message = (!msg.is_null()).then(|| {
            // SAFETY: an owned NUL-terminated copy, freed once right after.
            let text = unsafe { std::ffi::CStr::from_ptr(msg) }
                .to_string_lossy()
                .into_owned();
            // SAFETY: as above.
            unsafe { sys::shale_free(msg as *mut c_void) };
            text
        });
        let finished = state == sys::SHALE_JOB_FINISHED;
        let result = if finished {
            self.outcome(result, message.clone().unwrap_or_default())
                .map(drop)
        } else {
            Ok(())
        };
        Ok(JobStatus {
            finished,
            result,
            done,
            total,
            message,
        })
    }

    /// Waits (as [`wait`](Self::wait)), then returns the outcome: the final
    /// message (verify's report; `""` for compaction and backup) or the
    /// job's error. Fails with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)
    /// if the job has not finished within `timeout`.
    pub fn result(&self, timeout: Option<Duration>) -> Result<String> {
        if !self.wait(timeout)? {
            return Err(Error::new(
                sys::SHALE_E_TIMEOUT,
                format!(
                    "the {:?} job has not finished after {:?}",
                    self.kind,
                    timeout.unwrap_or_default()
                ),
            ));
        }
        let status = self.status()?;
        status.result.map(|()| status.message.unwrap_or_default())
    }

    /// Waits for the rest of the job's done callback, once it has recorded
    /// the outcome (see job_future.rs): a microseconds' wait, so that a job
    /// whose future is ready also reads as finished. From inside the job's
    /// own callbacks (an executor polling in its waker) the library answers
    /// SHALE_E_BUSY at once; nothing to wait for then.
    pub(crate) fn settle(&self) {
        // SAFETY: live handle.
        let _ = unsafe { sys::shale_job_wait(self.raw.as_ptr(), -1) };
    }

    /// A finished job's outcome from its final status and message: the
    /// message, or the error (with the panic noted if the progress closure
    /// panicked).
    pub(crate) fn outcome(&self, status: i32, message: String) -> Result<String> {
        if status == sys::SHALE_OK {
            return Ok(message);
        }
        let err = Error::new(status, message);
        if status == sys::SHALE_E_CANCELLED && self.panicked() {
            return Err(err.with_detail("(the progress closure panicked)"));
        }
        Err(err)
    }

    /// Whether the progress closure panicked (the panic was caught and
    /// cancelled the job).
    pub fn panicked(&self) -> bool {
        self.shared.panicked.load(Ordering::Acquire)
    }

    /// The payload of the progress closure's panic, once (later calls give
    /// `None`), e.g. for `std::panic::resume_unwind`.
    pub fn take_panic(&self) -> Option<Box<dyn Any + Send>> {
        self.shared.panic.lock().ok()?.take()
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // SAFETY: live handle, freed once. A running job is cancelled and
        // waited for. From the job's own progress closure the library
        // refuses (SHALE_E_BUSY) and the handle is leaked.
        unsafe { sys::shale_job_free(self.raw.as_ptr()) };
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("kind", &self.kind)
            .field("raw", &self.raw)
            .field("panicked", &self.panicked())
            .finish()
    }
}

/// The (pointer, length) of an optional bound: NULL and 0 for unbounded.
fn bound(b: Option<&[u8]>) -> (*const c_void, usize) {
    b.map_or((std::ptr::null(), 0), |b| (ptr(b), b.len()))
}

impl Db {
    /// [`compact_range`](Self::compact_range) on a thread of the library's:
    /// returns at once with the running [`Job`]. The bounds are copied.
    pub fn compact_range_async(&self, start: Option<&[u8]>, end: Option<&[u8]>) -> Result<Job> {
        self.compact_range_async_inner(start, end, None)
    }

    /// As [`compact_range_async`](Self::compact_range_async), calling
    /// `progress(done, total)` (bytes) on the job's thread; returning
    /// `false` cancels the job
    /// ([`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled)). A panic in
    /// `progress` is caught and cancels the job too
    /// ([`Job::panicked`]); it never unwinds into the library. The closure
    /// is dropped once the job has finished, or before this returns if the
    /// job does not start. It must not own the last reference to the db.
    pub fn compact_range_async_with_progress<F>(
        &self,
        start: Option<&[u8]>,
        end: Option<&[u8]>,
        progress: F,
    ) -> Result<Job>
    where
        F: FnMut(u64, u64) -> bool + Send + 'static,
    {
        self.compact_range_async_inner(start, end, Some(Box::new(progress)))
    }

    fn compact_range_async_inner(
        &self,
        start: Option<&[u8]>,
        end: Option<&[u8]>,
        progress: Option<ProgressBox>,
    ) -> Result<Job> {
        let (s, e) = (bound(start), bound(end));
        start_job(
            JobKind::Compact,
            progress,
            |f, done, user, user_free, out| {
                // SAFETY: live handle; bounds borrowed for the call (the library
                // copies them); f/user/user_free as `start_job` documents.
                unsafe {
                    sys::shale_db_compact_range_async(
                        self.as_raw(),
                        s.0,
                        s.1,
                        e.0,
                        e.1,
                        f,
                        done,
                        user,
                        user_free,
                        out,
                    )
                }
            },
        )
    }

    /// [`backup`](Self::backup) on a thread of the library's: returns at
    /// once with the running [`Job`]. `dest` is checked before the job
    /// starts: a destination that is not empty fails here with
    /// [`ErrorKind::Exists`](crate::ErrorKind::Exists) or when the job runs.
    /// On failure or cancellation the partial copy is removed.
    pub fn backup_async(&self, dest: impl AsRef<Path>) -> Result<Job> {
        self.backup_async_inner(dest.as_ref(), None)
    }

    /// As [`backup_async`](Self::backup_async), with a progress closure as
    /// [`compact_range_async_with_progress`](Self::compact_range_async_with_progress).
    pub fn backup_async_with_progress<F>(&self, dest: impl AsRef<Path>, progress: F) -> Result<Job>
    where
        F: FnMut(u64, u64) -> bool + Send + 'static,
    {
        self.backup_async_inner(dest.as_ref(), Some(Box::new(progress)))
    }

    fn backup_async_inner(&self, dest: &Path, progress: Option<ProgressBox>) -> Result<Job> {
        let dest = path_cstring(dest)?;
        start_job(
            JobKind::Backup,
            progress,
            |f, done, user, user_free, out| {
                // SAFETY: live handle; dest NUL-terminated, borrowed for the call.
                unsafe {
                    sys::shale_db_backup_async(
                        self.as_raw(),
                        dest.as_ptr(),
                        f,
                        done,
                        user,
                        user_free,
                        out,
                    )
                }
            },
        )
    }

    /// [`verify`](Self::verify) on a thread of the library's: returns at
    /// once with the running [`Job`]; [`Job::result`] gives the report (or
    /// the error, whose message is then the report).
    pub fn verify_async(&self) -> Result<Job> {
        self.verify_async_inner(None)
    }

    /// As [`verify_async`](Self::verify_async), with a progress closure as
    /// [`compact_range_async_with_progress`](Self::compact_range_async_with_progress).
    pub fn verify_async_with_progress<F>(&self, progress: F) -> Result<Job>
    where
        F: FnMut(u64, u64) -> bool + Send + 'static,
    {
        self.verify_async_inner(Some(Box::new(progress)))
    }

    fn verify_async_inner(&self, progress: Option<ProgressBox>) -> Result<Job> {
        start_job(
            JobKind::Verify,
            progress,
            |f, done, user, user_free, out| {
                // SAFETY: live handle.
                unsafe { sys::shale_db_verify_async(self.as_raw(), f, done, user, user_free, out) }
            },
        )
    }
}

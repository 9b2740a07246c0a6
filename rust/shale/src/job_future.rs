//! [`Job`] as a [`Future`]: its output is the job's outcome, and the job's
//! done callback (`shale_job_done_fn`, on the job's thread) wakes the task.
//! Nothing polls and no thread waits, so it works with any executor and
//! needs no runtime.

use crate::error::Result;
use crate::job::{Job, JobUser};
use std::ffi::CStr;
use std::future::Future;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};

/// A job's outcome once its done callback ran, and the wakers of the tasks
/// awaiting it before. One mutex for both: a poll that finds no outcome
/// registers its waker before the callback can take the list, so no wake
/// is lost.
#[derive(Default)]
pub(crate) struct Completion {
    /// (final status, final message).
    outcome: Option<(i32, String)>,
    wakers: Vec<Waker>,
}

/// The `shale_job_done_fn` of every job: records the outcome and wakes the
/// awaiting tasks (on the job's thread, after its last progress call).
/// Never unwinds into the library: a waker that panics is caught.
pub(crate) extern "C" fn on_job_done(
    user: *mut c_void,
    status: i32,
    message: *const c_char,
) -> c_int {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: user is the job's JobUser, alive until user_free, which
        // the library calls after this callback has returned.
        let u = unsafe { &*(user as *const JobUser) };
        let text = if message.is_null() {
            String::new()
        } else {
            // SAFETY: a NUL-terminated string borrowed for the call.
            unsafe { CStr::from_ptr(message) }
                .to_string_lossy()
                .into_owned()
        };
        let wakers = {
            let mut c = u
                .shared
                .completion
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            c.outcome = Some((status, text));
            std::mem::take(&mut c.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }));
    0
}

fn poll_job(job: &Job, cx: &mut Context<'_>) -> Poll<Result<String>> {
    let mut c = job
        .shared
        .completion
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some((status, message)) = &c.outcome {
        let (status, message) = (*status, message.clone());
        drop(c);
        job.settle();
        return Poll::Ready(job.outcome(status, message));
    }
    if !c.wakers.iter().any(|w| w.will_wake(cx.waker())) {
        c.wakers.push(cx.waker().clone());
    }
    Poll::Pending
}

/// Awaiting a job gives what [`Job::result`] gives: the final message
/// (verify's report; `""` for compaction and backup) or the job's error
/// (e.g. [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled)). The task is
/// woken from the job's thread when it finishes; once the future is ready
/// the job reads as finished ([`Job::status`]). Dropping a `&Job` future
/// before that leaves the job running; dropping the `Job` cancels it.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("shale-doc-jobfut-{}", std::process::id()));
/// use shale::{Db, Options};
/// use std::future::Future;
/// use std::pin::pin;
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Wake, Waker};
///
/// // The smallest executor: park the thread until the waker unparks it.
/// struct Unpark(std::thread::Thread);
/// impl Wake for Unpark {
///     fn wake(self: Arc<Self>) {
///         self.0.unpark();
///     }
/// }
/// fn block_on<F: Future>(fut: F) -> F::Output {
///     let mut fut = pin!(fut);
///     let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
///     let mut cx = Context::from_waker(&waker);
///     loop {
///         if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
///             return out;
///         }
///         std::thread::park();
///     }
/// }
///
/// let db = Db::open(&dir, Options::new())?;
/// db.put(b"key", b"value")?;
/// let report = block_on(async { db.verify_async()?.await })?;
/// assert!(!report.is_empty());
/// # drop(db); std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), shale::Error>(())
/// ```
impl Future for Job {
    type Output = Result<String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        poll_job(&self, cx)
    }
}

/// `(&job).await`: the same, keeping the `Job` (to cancel it from another
/// task, or read its status afterwards).
impl Future for &Job {
    type Output = Result<String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        poll_job(self.get_mut(), cx)
    }
}

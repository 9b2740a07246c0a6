//! The library's diagnostic messages, delivered to a Rust closure.

use shale_sys as sys;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Severity of a diagnostic message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `SHALE_LOG_DEBUG`.
    Debug,
    /// `SHALE_LOG_INFO` (the default threshold).
    Info,
    /// `SHALE_LOG_WARN`.
    Warn,
    /// `SHALE_LOG_ERROR`.
    Error,
}

impl LogLevel {
    pub(crate) fn raw(self) -> i32 {
        match self {
            LogLevel::Debug => sys::SHALE_LOG_DEBUG,
            LogLevel::Info => sys::SHALE_LOG_INFO,
            LogLevel::Warn => sys::SHALE_LOG_WARN,
            LogLevel::Error => sys::SHALE_LOG_ERROR,
        }
    }

    fn from_raw(level: i32) -> LogLevel {
        match level {
            sys::SHALE_LOG_DEBUG => LogLevel::Debug,
            sys::SHALE_LOG_INFO => LogLevel::Info,
            sys::SHALE_LOG_WARN => LogLevel::Warn,
            _ => LogLevel::Error,
        }
    }
}

/// The closure type stored in [`Options`](crate::Options).
pub(crate) type Logger = dyn Fn(LogLevel, &str) + Send + Sync;

/// The `user` pointer of a logger registration: a boxed `Arc` (thin pointer).
pub(crate) fn into_user(logger: Arc<Logger>) -> *mut c_void {
    Box::into_raw(Box::new(logger)) as *mut c_void
}

/// Frees a `user` pointer made by [`into_user`]; also used by `Db::open`
/// when the open fails (the library then does not call `user_free`).
///
/// # Safety
/// `user` comes from [`into_user`] and is freed once.
pub(crate) unsafe fn free_user(user: *mut c_void) {
    // SAFETY: guaranteed by the caller; a panic in a Drop is not let out.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        drop(unsafe { Box::from_raw(user as *mut Arc<Logger>) })
    }));
}

pub(crate) extern "C" fn log_trampoline(
    user: *mut c_void,
    level: i32,
    message: *const c_char,
) -> c_int {
    // A panic must not unwind into C: catch it and drop the message.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if user.is_null() || message.is_null() {
            return;
        }
        // SAFETY: user is the pointer made by into_user, alive until
        // logger_user_free; message is NUL-terminated, borrowed for the call.
        let (f, text) = unsafe { (&*(user as *const Arc<Logger>), CStr::from_ptr(message)) };
        f(LogLevel::from_raw(level), &text.to_string_lossy());
    }));
    0
}

pub(crate) extern "C" fn log_user_free(user: *mut c_void) {
    // SAFETY: called exactly once by the library with our user pointer.
    unsafe { free_user(user) }
}

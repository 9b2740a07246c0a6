//! Errors: the library's status code, its name and its message.

use shale_sys as sys;
use std::ffi::CStr;
use std::fmt;

/// A shorthand for `std::result::Result<T, shale::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is: one variant per negative status
/// code of the C API (`SHALE_E_*`). Match on it rather than on the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `SHALE_E_INVALID_ARGUMENT`: a length over a limit, a bad option, a
    /// path containing a NUL byte...
    InvalidArgument,
    /// `SHALE_E_INVALID_HANDLE`: the handle is not live (a bug in this crate
    /// if you ever see it).
    InvalidHandle,
    /// `SHALE_E_CLOSED`: the db was closed.
    Closed,
    /// `SHALE_E_IO`: an operating-system call failed; see [`Error::os_errno`].
    Io,
    /// `SHALE_E_CORRUPTION`: stored data failed a check; the message names
    /// the file and offset.
    Corruption,
    /// `SHALE_E_LOCKED`: the directory is open elsewhere (this or another
    /// process); the message names the path.
    Locked,
    /// `SHALE_E_NOMEM`: memory could not be allocated.
    NoMemory,
    /// `SHALE_E_BUFFER_TOO_SMALL`.
    BufferTooSmall,
    /// `SHALE_E_READ_ONLY`: a write on a db opened read-only.
    ReadOnly,
    /// `SHALE_E_CANCELLED`: a callback asked to stop.
    Cancelled,
    /// `SHALE_E_NOT_SUPPORTED`.
    NotSupported,
    /// `SHALE_E_INTERNAL`: a bug in shale; please report the message.
    Internal,
    /// `SHALE_E_EXISTS`: the db exists and `error_if_exists` was set, or a
    /// backup destination is not empty.
    Exists,
    /// `SHALE_E_BUSY`: a single-owner object is in use by another thread, or
    /// the call is not allowed from where it was made (closing a db from its
    /// own callback).
    Busy,
    /// `SHALE_E_FORKED`: the handle was created before `fork()`.
    Forked,
    /// `SHALE_E_TIMEOUT`.
    Timeout,
    /// A status code this crate does not know (a newer library).
    Unknown,
}

impl ErrorKind {
    /// The kind of a negative status code.
    pub fn from_code(code: i32) -> ErrorKind {
        match code {
            sys::SHALE_E_INVALID_ARGUMENT => ErrorKind::InvalidArgument,
            sys::SHALE_E_INVALID_HANDLE => ErrorKind::InvalidHandle,
            sys::SHALE_E_CLOSED => ErrorKind::Closed,
            sys::SHALE_E_IO => ErrorKind::Io,
            sys::SHALE_E_CORRUPTION => ErrorKind::Corruption,
            sys::SHALE_E_LOCKED => ErrorKind::Locked,
            sys::SHALE_E_NOMEM => ErrorKind::NoMemory,
            sys::SHALE_E_BUFFER_TOO_SMALL => ErrorKind::BufferTooSmall,
            sys::SHALE_E_READ_ONLY => ErrorKind::ReadOnly,
            sys::SHALE_E_CANCELLED => ErrorKind::Cancelled,
            sys::SHALE_E_NOT_SUPPORTED => ErrorKind::NotSupported,
            sys::SHALE_E_INTERNAL => ErrorKind::Internal,
            sys::SHALE_E_EXISTS => ErrorKind::Exists,
            sys::SHALE_E_BUSY => ErrorKind::Busy,
            sys::SHALE_E_FORKED => ErrorKind::Forked,
            sys::SHALE_E_TIMEOUT => ErrorKind::Timeout,
            _ => ErrorKind::Unknown,
        }
    }
}

/// A failed shale call: the status code, its symbolic name
/// (`"SHALE_E_LOCKED"`) and the library's message, which names what was
/// wrong (the path, the argument, the file and offset of a corruption).
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("shale-doc-error-{}", std::process::id()));
/// let db = shale::Db::open(&dir, shale::Options::new())?;
/// let err = shale::Db::open(&dir, shale::Options::new()).unwrap_err();
/// assert_eq!(err.kind(), shale::ErrorKind::Locked);
/// assert_eq!(err.name(), "SHALE_E_LOCKED");
/// assert!(err.message().contains(dir.to_str().unwrap()));
/// # drop(db); std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), shale::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: i32,
    message: String,
    os_errno: i32,
}

impl Error {
    /// The error of the shale call that just returned `code` on this thread:
    /// reads `shale_last_error()` and `shale_last_errno()`, so it must be
    /// called right after the failing call, before any other shale call.
    pub(crate) fn last(code: i32) -> Error {
        // SAFETY: shale_last_error never returns NULL and its string stays
        // valid until the next shale call on this thread; it is copied at once.
        let message = unsafe { CStr::from_ptr(sys::shale_last_error()) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: no arguments; thread-local read.
        let os_errno = unsafe { sys::shale_last_errno() };
        Error {
            code,
            message,
            os_errno,
        }
    }

    /// An error found by this crate before calling the library.
    pub(crate) fn new(code: i32, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            os_errno: 0,
        }
    }

    /// The same error with `extra` appended to its message.
    pub(crate) fn with_detail(mut self, extra: &str) -> Error {
        self.message.push('\n');
        self.message.push_str(extra);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(self.code)
    }

    /// The C status code (a negative `SHALE_E_*`).
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The symbolic name of the status code, e.g. `"SHALE_E_IO"`.
    pub fn name(&self) -> &'static str {
        status_name(self.code)
    }

    /// The library's message (`shale_last_error()` of the failed call).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The OS error number behind an I/O failure, if any.
    pub fn os_errno(&self) -> Option<i32> {
        (self.os_errno != 0).then_some(self.os_errno)
    }
}

/// The symbolic name of a status code (`shale_status_name`).
pub fn status_name(code: i32) -> &'static str {
    // SAFETY: shale_status_name returns static storage, never NULL, and does
    // not touch the last error.
    unsafe { CStr::from_ptr(sys::shale_status_name(code)) }
        .to_str()
        .unwrap_or("SHALE_E_UNKNOWN")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{} ({})", self.name(), self.code)
        } else {
            write!(f, "{} ({}): {}", self.name(), self.code, self.message)
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        let kind = match e.kind() {
            ErrorKind::InvalidArgument => std::io::ErrorKind::InvalidInput,
            ErrorKind::Io => match e.os_errno() {
                Some(n) => std::io::Error::from_raw_os_error(n).kind(),
                None => std::io::ErrorKind::Other,
            },
            ErrorKind::Corruption => std::io::ErrorKind::InvalidData,
            ErrorKind::Locked | ErrorKind::Busy => std::io::ErrorKind::WouldBlock,
            ErrorKind::NoMemory => std::io::ErrorKind::OutOfMemory,
            ErrorKind::ReadOnly => std::io::ErrorKind::PermissionDenied,
            ErrorKind::Exists => std::io::ErrorKind::AlreadyExists,
            ErrorKind::Timeout => std::io::ErrorKind::TimedOut,
            ErrorKind::Cancelled => std::io::ErrorKind::Interrupted,
            ErrorKind::NotSupported => std::io::ErrorKind::Unsupported,
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, e)
    }
}

/// Turns a status into `Ok(status)` (`SHALE_OK` or `SHALE_NOT_FOUND`) or
/// the error of this thread's last call. Call it right after the C call.
pub(crate) fn check(status: i32) -> Result<i32> {
    if status >= 0 {
        Ok(status)
    } else {
        Err(Error::last(status))
    }
}

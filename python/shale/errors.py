"""Exceptions raised by shale, one class per status code of shale.h.

Every exception derives from :class:`Error`, which carries the numeric
status in ``.code`` and its symbolic name (``"SHALE_E_IO"``) in
``.status``. Where a Python built-in exception means the same thing the
class also derives from it, so generic code keeps working:

======================  ==========================  ===================
class                   status                      also a
======================  ==========================  ===================
NotFoundError           SHALE_NOT_FOUND             KeyError
InvalidArgumentError    SHALE_E_INVALID_ARGUMENT    ValueError
InvalidHandleError      SHALE_E_INVALID_HANDLE
ClosedError             SHALE_E_CLOSED
IOError                 SHALE_E_IO                  OSError (``.errno``)
CorruptionError         SHALE_E_CORRUPTION
LockedError             SHALE_E_LOCKED              OSError (``.errno``)
NoMemoryError           SHALE_E_NOMEM               MemoryError
BufferTooSmallError     SHALE_E_BUFFER_TOO_SMALL
ReadOnlyError           SHALE_E_READ_ONLY
CancelledError          SHALE_E_CANCELLED
NotSupportedError       SHALE_E_NOT_SUPPORTED
InternalError           SHALE_E_INTERNAL
ExistsError             SHALE_E_EXISTS              FileExistsError
BusyError               SHALE_E_BUSY
ForkedError             SHALE_E_FORKED
TimeoutError            SHALE_E_TIMEOUT             TimeoutError
======================  ==========================  ===================
"""

from __future__ import annotations

import builtins
from typing import Dict, Optional, Type

__all__ = [
    "Error",
    "NotFoundError",
    "InvalidArgumentError",
    "InvalidHandleError",
    "ClosedError",
    "IOError",
    "CorruptionError",
    "LockedError",
    "NoMemoryError",
    "BufferTooSmallError",
    "ReadOnlyError",
    "CancelledError",
    "NotSupportedError",
    "InternalError",
    "ExistsError",
    "BusyError",
    "ForkedError",
    "TimeoutError",
    "STATUS_NAMES",
    "error_class",
]

OK = 0
NOT_FOUND = 1
E_INVALID_ARGUMENT = -1
E_INVALID_HANDLE = -2
E_CLOSED = -3
E_IO = -4
E_CORRUPTION = -5
E_LOCKED = -6
E_NOMEM = -7
E_BUFFER_TOO_SMALL = -8
E_READ_ONLY = -9
E_CANCELLED = -10
E_NOT_SUPPORTED = -11
E_INTERNAL = -12
E_EXISTS = -13
E_BUSY = -14
E_FORKED = -15
E_TIMEOUT = -16

#: Every status code of shale.h and its symbolic name.
STATUS_NAMES: Dict[int, str] = {
    OK: "SHALE_OK",
    NOT_FOUND: "SHALE_NOT_FOUND",
    E_INVALID_ARGUMENT: "SHALE_E_INVALID_ARGUMENT",
    E_INVALID_HANDLE: "SHALE_E_INVALID_HANDLE",
    E_CLOSED: "SHALE_E_CLOSED",
    E_IO: "SHALE_E_IO",
    E_CORRUPTION: "SHALE_E_CORRUPTION",
    E_LOCKED: "SHALE_E_LOCKED",
    E_NOMEM: "SHALE_E_NOMEM",
    E_BUFFER_TOO_SMALL: "SHALE_E_BUFFER_TOO_SMALL",
    E_READ_ONLY: "SHALE_E_READ_ONLY",
    E_CANCELLED: "SHALE_E_CANCELLED",
    E_NOT_SUPPORTED: "SHALE_E_NOT_SUPPORTED",
    E_INTERNAL: "SHALE_E_INTERNAL",
    E_EXISTS: "SHALE_E_EXISTS",
    E_BUSY: "SHALE_E_BUSY",
    E_FORKED: "SHALE_E_FORKED",
    E_TIMEOUT: "SHALE_E_TIMEOUT",
}


class Error(Exception):
    """Base class of every shale error.

    Attributes:
        code: the shale status code (an int, negative for errors).
        status: the status code's symbolic name, e.g. ``"SHALE_E_IO"``.
        message: the library's message (``shale_last_error()``).
    """

    #: The status code this class stands for (overridden per subclass).
    code: int = E_INTERNAL

    def __init__(self, message: str = "", code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def status(self) -> str:
        """The symbolic name of :attr:`code` (``"SHALE_E_UNKNOWN"`` if none)."""
        return STATUS_NAMES.get(self.code, "SHALE_E_UNKNOWN")

    def __str__(self) -> str:
        return self.message or self.status

    def __reduce__(self):  # keep pickling (multiprocessing) working
        return (self.__class__, (self.message, self.code))


class NotFoundError(Error, KeyError):
    """The key does not exist (SHALE_NOT_FOUND); also a :class:`KeyError`."""

    code = NOT_FOUND


class InvalidArgumentError(Error, ValueError):
    """An argument was rejected (SHALE_E_INVALID_ARGUMENT); also a ValueError."""

    code = E_INVALID_ARGUMENT


class InvalidHandleError(Error):
    """A handle was not live or of the wrong type (SHALE_E_INVALID_HANDLE)."""

    code = E_INVALID_HANDLE


class ClosedError(Error):
    """The db (or the object itself) has been closed (SHALE_E_CLOSED)."""

    code = E_CLOSED


class IOError(Error, builtins.OSError):  # noqa: A001 - deliberate name
    """An operating-system I/O call failed (SHALE_E_IO).

    Also an :class:`OSError`: ``.errno`` is the OS error number reported by
    ``shale_last_errno()`` (0 if the library did not report one).
    """

    code = E_IO
    _has_errno = True

    def __init__(self, message: str = "", code: Optional[int] = None, errno: int = 0) -> None:
        super().__init__(message, code)
        self.errno = errno

    def __reduce__(self):
        return (self.__class__, (self.message, self.code, self.errno))


class CorruptionError(Error):
    """Stored data failed a check (SHALE_E_CORRUPTION); names file and offset."""

    code = E_CORRUPTION


class LockedError(Error, builtins.OSError):
    """The db directory is already open (SHALE_E_LOCKED).

    One process may open a db directory at a time, and within a process the
    directory may be open only once: close the other handle first. Also an
    :class:`OSError`; ``.errno`` is set when the OS lock call reported one.
    """

    code = E_LOCKED
    _has_errno = True

    def __init__(self, message: str = "", code: Optional[int] = None, errno: int = 0) -> None:
        super().__init__(message, code)
        self.errno = errno

    def __reduce__(self):
        return (self.__class__, (self.message, self.code, self.errno))


class NoMemoryError(Error, MemoryError):
    """Memory could not be allocated (SHALE_E_NOMEM); also a MemoryError."""

    code = E_NOMEM


class BufferTooSmallError(Error):
    """A caller-supplied buffer was too small (SHALE_E_BUFFER_TOO_SMALL)."""

    code = E_BUFFER_TOO_SMALL


class ReadOnlyError(Error):
    """A write was attempted on a db opened read-only (SHALE_E_READ_ONLY)."""

    code = E_READ_ONLY


class CancelledError(Error):
    """A callback stopped the operation (SHALE_E_CANCELLED)."""

    code = E_CANCELLED


class NotSupportedError(Error):
    """Not supported by this build or configuration (SHALE_E_NOT_SUPPORTED)."""

    code = E_NOT_SUPPORTED


class InternalError(Error):
    """A bug in shale (SHALE_E_INTERNAL): please report the message."""

    code = E_INTERNAL


class ExistsError(Error, builtins.FileExistsError):
    """The db exists and ``error_if_exists`` was set (SHALE_E_EXISTS)."""

    code = E_EXISTS

    def __init__(self, message: str = "", code: Optional[int] = None) -> None:
        super().__init__(message, code)
        self.errno = None  # type: ignore[assignment]


class BusyError(Error):
    """A single-owner object is in use elsewhere, or the call is not allowed
    from where it was made (SHALE_E_BUSY)."""

    code = E_BUSY


class ForkedError(Error):
    """A handle created before fork() was used in the child (SHALE_E_FORKED)."""

    code = E_FORKED


class TimeoutError(Error, builtins.TimeoutError):  # noqa: A001 - deliberate
    """A wait ended before the awaited event (SHALE_E_TIMEOUT); also a
    built-in :class:`TimeoutError`."""

    code = E_TIMEOUT


_CLASSES: Dict[int, Type[Error]] = {
    cls.code: cls  # type: ignore[attr-defined]
    for cls in (
        NotFoundError,
        InvalidArgumentError,
        InvalidHandleError,
        ClosedError,
        IOError,
        CorruptionError,
        LockedError,
        NoMemoryError,
        BufferTooSmallError,
        ReadOnlyError,
        CancelledError,
        NotSupportedError,
        InternalError,
        ExistsError,
        BusyError,
        ForkedError,
        TimeoutError,
    )
}


def error_class(code: int) -> Type[Error]:
    """The exception class for a status code (:class:`Error` if unknown)."""
    return _CLASSES.get(code, Error)


def make_error(code: int, message: str, errno: int = 0) -> Error:
    """Build the exception for ``code`` with ``message`` (and ``errno``)."""
    cls = error_class(code)
    if getattr(cls, "_has_errno", False):
        return cls(message, code, errno)  # type: ignore[call-arg]
    return cls(message, code)


def _check(status: int) -> int:
    """Return ``status`` if it is SHALE_OK, else raise its exception.

    The message and errno are read from ``shale_last_error()`` and
    ``shale_last_errno()``, so call this right after the failing call, on
    the same thread, before any other shale call.
    """
    if status == OK:
        return status
    from ._lib import lib

    if int(lib.shale_last_status()) == status:
        raw = lib.shale_last_error()
        msg = raw.decode("utf-8", "replace") if raw else ""
        err = int(lib.shale_last_errno())
    else:  # another shale call (e.g. a __del__ during GC) cleared the record
        msg, err = "", 0
    if status == E_LOCKED and "one process" not in msg:
        if "once at a time" in msg:  # the library stated the rule already
            msg += " (by one process, through one handle)"
        else:
            msg = (msg + " " if msg else "") + (
                "(a db directory can be open once at a time: by one process, "
                "through one handle)"
            )
    if status == E_INVALID_HANDLE and msg and "is NULL" not in msg:
        # The package passes only handles it got from the library and read
        # from a still-open Python object a moment before, so a stale one
        # means another thread closed that object (the db, a snapshot...)
        # between that read and the C call: for the caller that is a
        # closed-object error, the same as if the close had come first.
        raise make_error(E_CLOSED, msg + " (closed by another thread during this call)")
    raise make_error(status, msg or STATUS_NAMES.get(status, "SHALE_E_UNKNOWN"), err)

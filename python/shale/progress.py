"""Progress of long operations (compact, backup, verify): the callback
plumbing, and the default display on stderr.

``progress`` arguments accept a callable ``fn(done, total)`` (bytes; return
a true value to cancel), ``True`` (show a one-line display on stderr),
``False`` (nothing) or ``None`` (the display when stderr is a terminal,
i.e. when run interactively, else nothing).
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from ctypes import byref, c_void_p
from typing import Any, Callable, List, Optional, Tuple, Union

from . import _callbacks, _lib
from ._lib import lib
from .errors import E_CORRUPTION, _check, make_error

__all__ = ["ProgressFn", "ProgressArg", "resolve_progress", "run_sync", "verify_sync"]

#: A progress callback: ``fn(done, total)``; return True to cancel.
ProgressFn = Callable[[int, int], Any]
ProgressArg = Union[None, bool, ProgressFn]

# --- progress ----------------------------------------------------------------


class _TtyProgress:
    """The default progress display: one line on stderr, redrawn in place
    at most ten times a second, ended by :meth:`finish`."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.shown and now - self.last < 0.1 and done < total:
            return
        self.last = now
        self.shown = True
        pct = (100.0 * done / total) if total else 0.0
        sys.stderr.write(
            "\r%s: %5.1f%% (%s / %s)" % (self.label, pct, _size(done), _size(total))
        )
        sys.stderr.flush()

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024.0  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except Exception:
        return False


def resolve_progress(progress: ProgressArg, label: str) -> Optional[ProgressFn]:
    """``None``: a display on a TTY stderr, else nothing; ``True``: the
    display; ``False``: nothing; a callable: itself."""
    if progress is None:
        return _TtyProgress(label) if _stderr_is_tty() else None
    if progress is True:
        return _TtyProgress(label)
    if progress is False:
        return None
    if not callable(progress):
        raise TypeError("progress must be a callable(done, total), True, False or None")
    return progress


class ProgressState:
    """One operation's progress callback and the exception it raised."""

    __slots__ = ("fn", "exc", "stopped")

    def __init__(self, fn: Optional[ProgressFn]) -> None:
        self.fn = fn
        self.exc: Optional[BaseException] = None
        self.stopped = False

    def call(self, done: int, total: int) -> int:
        if self.fn is None:
            return 0
        if self.exc is not None or self.stopped:
            return 1
        try:
            if self.fn(int(done), int(total)):
                self.stopped = True
                return 1
            return 0
        except BaseException as e:
            self.exc = e
            return 1

    def finish(self) -> None:
        finish = getattr(self.fn, "finish", None)
        if finish is not None:
            try:
                finish()
            except Exception:
                pass


class CallState:
    """What an operation's C callbacks share with Python: the progress
    state, and for a job its outcome (registered under a token)."""

    def __init__(self, progress: Optional[ProgressFn]) -> None:
        self.progress = ProgressState(progress)
        self.done_status: Optional[int] = None
        self.done_message = ""
        self.listeners: List[Callable[[], Any]] = []
        self.lock = threading.Lock()

    def on_done(self, status: int, message: str) -> None:
        with self.lock:
            self.done_status = status
            self.done_message = message
            listeners, self.listeners = self.listeners, []
        self.progress.finish()
        for fn in listeners:
            try:
                fn()
            except BaseException as e:
                _callbacks.report_unraisable(e, "shale job done listener %r" % (fn,), fn)


def _progress(user: Optional[int], done: int, total: int) -> int:
    st = _callbacks.lookup(user)
    if st is None:
        return 0
    return st.progress.call(done, total)


#: The C function pointers; module globals, so they are never collected.
PROGRESS = _lib.shale_progress_fn(_progress)
#: A NULL shale_progress_fn (ctypes refuses None for a function pointer).
NO_PROGRESS = _lib.shale_progress_fn()  # type: ignore[call-overload]


class _SyncProgress:
    """For a synchronous call: registers the progress state for the call's
    duration; :meth:`check` re-raises what the callback raised."""

    def __init__(self, progress: ProgressArg, label: str) -> None:
        fn = resolve_progress(progress, label)
        self.state = CallState(fn)
        self.token = _callbacks.register(self.state) if fn is not None else None

    def args(self) -> Tuple[Any, Optional[int]]:
        if self.token is None:
            return NO_PROGRESS, None
        return PROGRESS, self.token

    def close(self) -> None:
        _callbacks.unregister(self.token)
        self.state.progress.finish()

    def check(self, status: int) -> None:
        p = self.state.progress
        if p.exc is not None:
            exc, p.exc = p.exc, None
            try:
                raise exc
            finally:
                del exc
        _check(status)


def run_sync(progress: ProgressArg, label: str, call: Callable[[Any, Any], int]) -> None:
    """Run ``call(progress_fn, user)`` with the progress callback; raise the
    callback's exception, or the call's error."""
    sp = _SyncProgress(progress, label)
    try:
        st = call(*sp.args())
    finally:
        sp.close()
    sp.check(st)


def verify_sync(dbh: int, progress: ProgressArg) -> str:
    """shale_db_verify: the report, or CorruptionError carrying it."""
    sp = _SyncProgress(progress, "verify")
    report = c_void_p()
    try:
        st = lib.shale_db_verify(dbh, *sp.args(), byref(report))
    finally:
        sp.close()
    text = ""
    if report.value:
        try:
            text = ctypes.string_at(report.value).decode("utf-8", "replace")
        finally:
            lib.shale_free(report)
    if st == E_CORRUPTION and sp.state.progress.exc is None:
        raw = lib.shale_last_error() if int(lib.shale_last_status()) == st else b""
        msg = raw.decode("utf-8", "replace") if raw else "SHALE_E_CORRUPTION"
        err = make_error(st, msg + ("\n" + text if text else ""))
        err.report = text  # type: ignore[attr-defined]
        raise err
    sp.check(st)
    return text

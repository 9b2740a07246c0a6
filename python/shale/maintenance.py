"""Maintenance of a db: progress callbacks, background jobs (:class:`Job`)
and statistics (:class:`Stats`). The methods that use them live on
:class:`shale.DB` (``flush``, ``compact_range``, ``backup``, ``verify``,
their ``_async`` forms, and ``stats``)."""

from __future__ import annotations

import ctypes
import dataclasses
import sys
import threading
import time
from ctypes import byref, c_int32, c_uint64, c_void_p
from typing import Any, Callable, Generator, Optional, Tuple, Union

from . import _callbacks, _lib
from ._lib import lib
from .errors import (
    E_CANCELLED,
    E_CORRUPTION,
    E_TIMEOUT,
    OK,
    STATUS_NAMES,
    _check,
    make_error,
)

__all__ = ["Job", "Stats", "ProgressFn", "JOB_RUNNING", "JOB_FINISHED"]

#: Job states (SHALE_JOB_*).
JOB_RUNNING = 0
JOB_FINISHED = 1

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


def _progress(user: Optional[int], done: int, total: int) -> int:
    st = _callbacks.lookup(user)
    if st is None:
        return 0
    return st.progress.call(done, total)


class JobState:
    """What a job's callbacks share with its :class:`Job` (registered under
    a token until the library's user_free)."""

    def __init__(self, progress: Optional[ProgressFn]) -> None:
        self.progress = ProgressState(progress)
        self.done_status: Optional[int] = None
        self.done_message = ""
        self.listeners: list = []
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


def _done(user: Optional[int], status: int, message: Optional[int]) -> int:
    st = _callbacks.lookup(user)
    if st is None:
        return 0
    try:
        text = ctypes.string_at(message).decode("utf-8", "replace") if message else ""
        st.on_done(int(status), text)
    except BaseException as e:
        _callbacks.report_unraisable(e, "shale job done callback", None)
    return 0


#: The C function pointers; module globals, so they are never collected.
PROGRESS = _lib.shale_progress_fn(_progress)
DONE = _lib.shale_job_done_fn(_done)
#: A NULL shale_progress_fn (ctypes refuses None for a function pointer).
NO_PROGRESS = _lib.shale_progress_fn()


class _SyncProgress:
    """For a synchronous call: registers the progress state for the call's
    duration; :meth:`check` re-raises what the callback raised."""

    def __init__(self, progress: ProgressArg, label: str) -> None:
        fn = resolve_progress(progress, label)
        self.state = JobState(fn)
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


# --- jobs ------------------------------------------------------------------------


class Job:
    """A background operation started by ``DB.compact_range_async``,
    ``DB.backup_async`` or ``DB.verify_async``.

    Thread-safe. ``await job`` waits without blocking the event loop and
    returns :meth:`result`. Closing the db cancels the job and waits for it;
    the Job stays readable afterwards. :meth:`close` (or garbage collection)
    frees the handle, cancelling the job first if it still runs.
    """

    def __init__(self, handle: int, db: Any, kind: str, state: JobState) -> None:
        self._h: Optional[int] = handle
        self._db = db  # a running job needs its db open: keep it alive
        self.kind = kind
        self._state = state
        self._lock = threading.Lock()

    def _handle(self) -> int:
        h = self._h
        if h is None:
            from ._util import closed

            raise closed("job")
        return h

    def _status(self) -> Tuple[int, int, int, int, Optional[str]]:
        state = c_int32()
        result = c_int32()
        done = c_uint64()
        total = c_uint64()
        msg = c_void_p()
        _check(
            lib.shale_job_status(
                self._handle(), byref(state), byref(result), byref(done), byref(total), byref(msg)
            )
        )
        text = None
        if msg.value:
            try:
                text = ctypes.string_at(msg.value).decode("utf-8", "replace")
            finally:
                lib.shale_free(msg)
        return state.value, result.value, done.value, total.value, text

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait until the job finished (its done callback returned).
        ``timeout`` in seconds, None for no limit. Returns True if it
        finished, False on timeout."""
        if timeout is None:
            ms = -1
        else:
            ms = max(0, int(timeout * 1000))
        st = lib.shale_job_wait(self._handle(), ms)
        if st == E_TIMEOUT:
            return False
        _check(st)
        return True

    def cancel(self) -> None:
        """Ask the job to stop at its next safe point (returns at once)."""
        _check(lib.shale_job_cancel(self._handle()))

    @property
    def finished(self) -> bool:
        """True once the job finished."""
        return self._status()[0] == JOB_FINISHED

    @property
    def status(self) -> Optional[int]:
        """The final status code (``0`` for success) once finished, else None."""
        state, result, _, _, _ = self._status()
        return result if state == JOB_FINISHED else None

    @property
    def done(self) -> int:
        """Bytes processed so far."""
        return self._status()[2]

    @property
    def total(self) -> int:
        """Bytes to process (may grow while the job runs)."""
        return self._status()[3]

    @property
    def message(self) -> Optional[str]:
        """The final message once finished ("" on success; verify's report)."""
        return self._status()[4]

    def result(self, timeout: Optional[float] = None) -> Optional[str]:
        """Wait for the job, then return verify's report (None for the
        others) or raise: the exception the progress callback raised, or
        the job's error (:class:`CancelledError`, :class:`CorruptionError`
        with ``.report``, ...). Raises :class:`shale.TimeoutError` if it has
        not finished within ``timeout`` seconds."""
        if not self.wait(timeout):
            raise make_error(E_TIMEOUT, "the %s job has not finished after %ss" % (self.kind, timeout))
        _, result, _, _, text = self._status()
        p = self._state.progress
        if p.exc is not None:
            raise p.exc
        text = text or ""
        if result != OK:
            err = make_error(result, text or STATUS_NAMES.get(result, "SHALE_E_UNKNOWN"))
            if self.kind == "verify":
                err.report = text  # type: ignore[attr-defined]
            raise err
        return text if self.kind == "verify" else None

    def add_done_listener(self, fn: Callable[[], Any]) -> None:
        """Call ``fn()`` (on the job's thread) when the job's outcome is
        known — at once if it is already."""
        with self._state.lock:
            if self._state.done_status is None:
                self._state.listeners.append(fn)
                return
        fn()

    def __await__(self) -> Generator[Any, None, Optional[str]]:
        import asyncio

        loop = asyncio.get_running_loop()
        yield from loop.run_in_executor(None, self.wait).__await__()
        return self.result()

    def close(self) -> None:
        """Free the handle; a running job is cancelled and waited for."""
        with self._lock:
            h, self._h = self._h, None
        if h is not None:
            _check(lib.shale_job_free(h))

    def __enter__(self) -> "Job":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            h, self._h = self._h, None
            if h is not None:
                lib.shale_job_free(h)
        except Exception:
            pass

    def __repr__(self) -> str:
        if self._h is None:
            return "<shale.Job %s freed>" % self.kind
        try:
            state, result, done, total, _ = self._status()
        except Exception:
            return "<shale.Job %s>" % self.kind
        if state == JOB_FINISHED:
            return "<shale.Job %s finished %s>" % (self.kind, STATUS_NAMES.get(result, result))
        return "<shale.Job %s running %d/%d>" % (self.kind, done, total)


def start_job(
    db: Any, kind: str, progress: Optional[ProgressFn], start: Callable[..., int]
) -> Job:
    """Call ``start(progress_fn, done_fn, user, user_free, byref(out))``."""
    if progress is not None and not callable(progress):
        raise TypeError("progress must be a callable(done, total) or None")
    state = JobState(progress)
    token = _callbacks.register(state)
    out = c_void_p()
    st = start(
        PROGRESS if progress is not None else NO_PROGRESS, DONE, token, _callbacks.USER_FREE, byref(out)
    )
    if st != OK:
        _callbacks.unregister(token)  # a failed start never calls user_free
        _check(st)
    return Job(out.value, db, kind, state)  # type: ignore[arg-type]


# --- statistics ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Stats:
    """The figures of ``shale_db_stats`` (counters run since the open)."""

    approximate_keys: int
    live_bytes: int
    disk_bytes: int
    level_files: Tuple[int, ...]
    level_bytes: Tuple[int, ...]
    memtable_bytes: int
    cache_capacity: int
    cache_usage: int
    cache_hits: int
    cache_misses: int
    open_tables: int
    flushes: int
    compactions: int
    compaction_bytes_read: int
    compaction_bytes_written: int
    flush_bytes_written: int
    wal_bytes_written: int
    user_bytes_written: int
    bloom_checks: int
    bloom_negatives: int
    write_stalls: int
    write_amplification: float


def read_stats(dbh: int) -> Stats:
    s = _lib.shale_stats()
    _check(lib.shale_stats_init(byref(s), ctypes.sizeof(s)))
    _check(lib.shale_db_stats(dbh, byref(s)))
    values = {}
    for f in dataclasses.fields(Stats):
        v = getattr(s, f.name)
        if f.name in ("level_files", "level_bytes"):
            v = tuple(int(x) for x in v)
        values[f.name] = v
    return Stats(**values)

"""Background jobs (:class:`Job`): compaction, backup and verify running
on a library thread, waitable, cancellable and awaitable from asyncio."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_int32, c_uint64, c_void_p
import threading
from typing import Any, Callable, Generator, Optional, Tuple

from . import _callbacks, _lib
from ._lib import lib
from .errors import E_BUSY, E_TIMEOUT, OK, STATUS_NAMES, _check, make_error
from .progress import NO_PROGRESS, PROGRESS, CallState, ProgressArg, ProgressFn, resolve_progress

__all__ = ["Job", "JOB_RUNNING", "JOB_FINISHED", "start_job"]

#: Job states (SHALE_JOB_*).
JOB_RUNNING = 0
JOB_FINISHED = 1


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
#: The C function pointer; a module global, so it is never collected.
DONE = _lib.shale_job_done_fn(_done)


#: Waits longer than this (ms, about 292 million years) mean "no limit".
_MAX_WAIT_MS = 2**63 - 1


def _timeout_ms(timeout: Optional[float]) -> int:
    """``timeout`` in seconds (None: no limit) as shale_job_wait's int64
    milliseconds (-1: no limit). Checked: a str would be repeated by ``*``,
    and a huge float would wrap around the C int64 into a negative wait."""
    if timeout is None:
        return -1
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be a number of seconds or None, not %s" % type(timeout).__name__)
    if timeout != timeout:
        raise ValueError("timeout is NaN")
    ms = timeout * 1000
    if ms >= _MAX_WAIT_MS:
        return -1
    return max(0, int(ms))


class Job:
    """A background operation started by ``DB.compact_range_async``,
    ``DB.backup_async`` or ``DB.verify_async``.

    Thread-safe. ``await job`` waits without blocking the event loop and
    returns :meth:`result`. Closing the db cancels the job and waits for it;
    the Job stays readable afterwards. :meth:`close` (or garbage collection)
    frees the handle, cancelling the job first if it still runs.
    """

    def __init__(self, handle: int, db: Any, kind: str, state: CallState) -> None:
        """Internal: use ``DB.compact_range_async`` and friends."""
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
        ms = _timeout_ms(timeout)
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
        if not callable(fn):  # else it would fail later, on the job's thread
            raise TypeError("add_done_listener() needs a callable, not %s" % type(fn).__name__)
        with self._state.lock:
            if self._state.done_status is None:
                self._state.listeners.append(fn)
                return
        fn()

    def __await__(self) -> Generator[Any, None, Optional[str]]:
        """``await job``: wait without blocking the event loop (no thread is
        taken from the executor: the job's done callback wakes the loop),
        then return :meth:`result`. If the awaiting task is cancelled, the
        job is cancelled too."""
        return self._wait_async().__await__()

    async def _wait_async(self) -> Optional[str]:
        import asyncio

        loop = asyncio.get_running_loop()
        fut = loop.create_future()

        def wake() -> None:
            def settle() -> None:
                if not fut.done():
                    fut.set_result(None)

            try:
                loop.call_soon_threadsafe(settle)
            except RuntimeError:  # the loop was closed meanwhile
                pass

        self.add_done_listener(wake)
        try:
            await fut
        except asyncio.CancelledError:
            try:
                self.cancel()
            except Exception:
                pass
            raise
        # The listener runs inside the job's done callback, which may not
        # have returned yet; that is a matter of microseconds: poll.
        while not self.wait(0):
            await asyncio.sleep(0.0005)
        return self.result()

    def close(self) -> None:
        """Free the handle; a running job is cancelled and waited for."""
        with self._lock:
            h, self._h = self._h, None
        if h is not None:
            st = lib.shale_job_free(h)
            if st == E_BUSY:  # from the job's own callback: nothing freed, keep it
                with self._lock:
                    self._h = h
            _check(st)

    def __enter__(self) -> "Job":
        """Use the job in a ``with`` block; its handle is freed at the end
        (a job still running is cancelled and waited for)."""
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
    db: Any, kind: str, progress: "ProgressArg", start: Callable[..., int]
) -> Job:
    """Call ``start(progress_fn, done_fn, user, user_free, byref(out))``.

    ``progress``: a callable, True (the stderr display), or None/False
    (nothing: a background job draws nothing unless asked)."""
    if progress is None or progress is False:
        fn: Optional[ProgressFn] = None
    else:
        fn = resolve_progress(progress, kind)
    state = CallState(fn)
    token = _callbacks.register(state)
    out = c_void_p()
    st = start(
        PROGRESS if fn is not None else NO_PROGRESS, DONE, token, _callbacks.USER_FREE, byref(out)
    )
    if st != OK:
        _callbacks.unregister(token)  # a failed start never calls user_free
        _check(st)
    return Job(out.value, db, kind, state)  # type: ignore[arg-type]

"""The read methods shared by :class:`shale.DB` (the latest state) and
:class:`shale.Snapshot` (a frozen state): lookups, many-key reads, pinned
reads, iteration and scans."""

from __future__ import annotations

import threading
from ctypes import addressof, byref, c_char, c_size_t, c_void_p
from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Optional

from . import _callbacks, _many, pin
from ._lib import lib
from ._util import EMPTY_RANGE, iter_options, key_arg, range_bounds
from .errors import E_BUFFER_TOO_SMALL, E_CANCELLED, NOT_FOUND, OK, NotFoundError, _check
from .iterator import Iterator

if TYPE_CHECKING:  # pragma: no cover
    from .db import DB
    from .snapshot import Snapshot

__all__ = ["Reader"]

_MISSING = object()


def _get_copy(dbh: int, snap: Optional[int], key: bytes, default: Any) -> Any:
    """shale_db_get: the library allocates the value (two crossings: the read
    and shale_free). Used for values too large for the reusable buffer."""
    out = c_void_p()
    n = c_size_t()
    st = lib.shale_db_get(dbh, snap, key, len(key), byref(out), byref(n))
    if st == NOT_FOUND:
        return default
    _check(st)
    try:
        return _callbacks.as_bytes(out.value, n.value)
    finally:
        lib.shale_free(out)


class _ReadBuffer:
    """A per-thread buffer shale_db_get_into copies values into, so a point
    read is one crossing into the library and no malloc/shale_free."""

    __slots__ = ("array", "addr", "cap", "view", "needed", "needed_ref", "busy")

    def __init__(self, cap: int) -> None:
        self.array = (c_char * cap)()
        self.addr = addressof(self.array)
        self.cap = cap
        self.view = memoryview(self.array).cast("B")
        self.needed = c_size_t()
        self.needed_ref = byref(self.needed)
        self.busy = False


_READ_BUFFER_START = 1024
#: Larger values are read with shale_db_get instead (the buffer is kept for
#: the thread's life, so it must stay small).
_READ_BUFFER_MAX = 64 * 1024
_tls = threading.local()
_get_into = lib.shale_db_get_into


def _get(dbh: int, snap: Optional[int], key: Any, default: Any) -> Any:
    """One point read: shale_db_get_into into the thread's buffer, then one
    copy into a bytes object (measured: about 0.5 us less per read than
    shale_db_get + shale_free; bench/py_compare.py)."""
    if key.__class__ is not bytes:
        key = key_arg(key)
    try:
        buf = _tls.buf
    except AttributeError:
        buf = _tls.buf = _ReadBuffer(_READ_BUFFER_START)
    if buf.busy:
        # A read from a callback run inside the library (a logger) during
        # this thread's read: use a buffer of its own, not the busy one.
        buf = _ReadBuffer(_READ_BUFFER_START)
    buf.busy = True
    try:
        while True:
            st = _get_into(dbh, snap, key, len(key), buf.addr, buf.cap, buf.needed_ref)
            if st == OK:
                return buf.view[: buf.needed.value].tobytes()
            if st == NOT_FOUND:
                return default
            if st != E_BUFFER_TOO_SMALL:
                _check(st)
            needed = buf.needed.value
            if needed > _READ_BUFFER_MAX:
                return _get_copy(dbh, snap, key, default)
            # Grow and retry (the value may change in between: loop).
            grown = _ReadBuffer(max(needed, 2 * buf.cap))
            if _tls.buf is buf:
                _tls.buf = grown
            buf.busy = False
            buf = grown
            buf.busy = True
    finally:
        buf.busy = False


def exists(dbh: int, snap: Optional[int], key: Any) -> bool:
    """shale_db_exists: a point lookup that copies no value."""
    key = key_arg(key)
    st = lib.shale_db_exists(dbh, snap, key, len(key))
    if st == NOT_FOUND:
        return False
    _check(st)
    return True


def missing(key: bytes) -> NotFoundError:
    """The KeyError-compatible exception for an absent key."""
    e = NotFoundError("key not found: %r" % (key,), NOT_FOUND)
    e.key = key  # type: ignore[attr-defined]
    return e


class Reader:
    """Read methods shared by :class:`DB` and :class:`Snapshot`."""

    __slots__ = ()

    def _db_handle(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _snap_handle(self) -> Optional[int]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _owner(self) -> "DB":  # pragma: no cover - overridden
        raise NotImplementedError

    def _snapshot_obj(self) -> Optional["Snapshot"]:
        return None

    # -- point reads ------------------------------------------------------------

    def get(self, key: bytes, default: Any = None) -> Any:
        """The value of ``key`` as bytes, or ``default`` if it is absent."""
        return _get(self._db_handle(), self._snap_handle(), key, default)

    def __getitem__(self, key: bytes) -> bytes:
        """``db[key]``: the value; :class:`NotFoundError` (a KeyError) if absent."""
        v = _get(self._db_handle(), self._snap_handle(), key, _MISSING)
        if v is _MISSING:
            raise missing(key)
        return v

    def __contains__(self, key: object) -> bool:
        """``key in db``: whether the key exists (a point lookup; the value
        is not copied and nothing is scanned)."""
        return exists(self._db_handle(), self._snap_handle(), key)

    def get_many(self, keys: Iterable[bytes], default: Any = None) -> List[Any]:
        """The values of ``keys``, in the same order (``default`` for a
        missing key), all read as of one point in time, in one call into
        the library. A key may appear more than once."""
        return _many.get_many(self._db_handle(), self._snap_handle(), keys, default)

    def get_pinned(self, key: bytes) -> Optional["pin.Pin"]:
        """Read ``key``'s value without copying it into a bytes object: a
        :class:`shale.Pin` whose ``.view`` is a read-only memoryview over
        the value in library memory, or None if the key is absent.

        Use it for large values you hand to something that takes a buffer
        (a file write, a socket, hashlib, NumPy). Release it with
        ``pin.release()`` or ``with``; the view is unusable afterwards.
        Releasing while slices of the view are alive raises BufferError
        (see :class:`shale.Pin`)."""
        return pin.get_pinned(self._db_handle(), self._snap_handle(), key)

    # -- iteration ----------------------------------------------------------------

    def iterator(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        keys: bool = True,
        values: bool = True,
        snapshot: Optional["Snapshot"] = None,
        include_start: bool = True,
        include_stop: bool = False,
    ) -> Iterator:
        """An :class:`Iterator` over the keys from ``start`` to ``stop`` that
        start with ``prefix`` (each None: no limit).

        ``start`` is included and ``stop`` excluded unless
        ``include_start=False`` / ``include_stop=True``. Yields
        ``(key, value)`` pairs, or just keys (``values=False``) or just
        values (``keys=False``); ``reverse=True`` goes from the largest key
        down (the range is the same). The iterator sees one point in time:
        ``snapshot``'s, or the state when it is created. Close it (or use
        ``with``) to release it early; it is released anyway when exhausted
        or collected.
        """
        if snapshot is None:
            snapshot = self._snapshot_obj()
        return Iterator(
            self._owner(),
            start,
            stop,
            prefix,
            reverse,
            keys,
            values,
            snapshot,
            include_start,
            include_stop,
        )

    def keys(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        include_start: bool = True,
        include_stop: bool = False,
        snapshot: Optional["Snapshot"] = None,
    ) -> Iterator:
        """An iterator of the keys in range (arguments as :meth:`iterator`)."""
        return self.iterator(
            start, stop, prefix, reverse, True, False, snapshot, include_start, include_stop
        )

    def values(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        include_start: bool = True,
        include_stop: bool = False,
        snapshot: Optional["Snapshot"] = None,
    ) -> Iterator:
        """An iterator of the values in range, in key order (arguments as
        :meth:`iterator`)."""
        return self.iterator(
            start, stop, prefix, reverse, False, True, snapshot, include_start, include_stop
        )

    def items(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        include_start: bool = True,
        include_stop: bool = False,
        snapshot: Optional["Snapshot"] = None,
    ) -> Iterator:
        """An iterator of ``(key, value)`` pairs in range (arguments as
        :meth:`iterator`)."""
        return self.iterator(
            start, stop, prefix, reverse, True, True, snapshot, include_start, include_stop
        )

    def __iter__(self) -> Iterator:
        """Iterate over every key, in order (like a dict)."""
        return self.keys()

    def scan(
        self,
        fn: Callable[[bytes, bytes], Any],
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        snapshot: Optional["Snapshot"] = None,
        include_start: bool = True,
        include_stop: bool = False,
    ) -> bool:
        """Call ``fn(key, value)`` for every entry in range, in one C call.

        Range arguments are as for :meth:`iterator`. If ``fn`` returns a
        true value the scan stops. Returns True if every entry was visited,
        False if ``fn`` stopped it. If ``fn`` raises, the scan stops and the
        same exception is re-raised here once the C call has returned.
        ``fn`` runs on the calling thread; it may read and write the db
        (its writes are not seen by the scan in progress) but must not
        close it.
        """
        if not callable(fn):
            raise TypeError("scan() needs a callable fn(key, value)")
        if snapshot is None:
            snapshot = self._snapshot_obj()
        dbh = self._db_handle()
        snap = snapshot._handle() if snapshot is not None else None
        lower, upper = range_bounds(start, stop, include_start, include_stop)
        if lower is EMPTY_RANGE:
            return True
        opts, keep = iter_options(lower, upper, prefix, snap)
        state = _callbacks.ScanState(fn)
        token = _callbacks.register(state)
        try:
            st = lib.shale_db_scan(
                dbh,
                byref(opts) if opts is not None else None,
                1 if reverse else 0,
                _callbacks.SCAN,
                token,
            )
        finally:
            _callbacks.unregister(token)
            del keep
        if state.exc is not None:
            exc, state.exc = state.exc, None
            try:
                raise exc
            finally:
                del exc
        if st == E_CANCELLED and state.stopped:
            return False
        _check(st)
        return True

"""Iteration over a range of keys (:class:`Iterator`).

Entries are fetched in chunks with ``shale_iter_next_many``: one FFI
crossing brings up to :data:`CHUNK_MAX` entries (at most
:data:`CHUNK_BYTES` of keys and values after the first), and the chunk
size starts small and doubles, so taking only the first few entries of a
large range stays cheap. A keys-only iteration still reads the values in
the library (there is no keys-only call); only the keys are copied into
Python objects.
"""

from __future__ import annotations

import ctypes
import threading
from collections import deque
from ctypes import byref, c_size_t, c_void_p
from typing import TYPE_CHECKING, Any, Deque, Optional, Tuple, Union

from . import _callbacks
from ._lib import MISSING, lib, size_t_array
from ._util import EMPTY_RANGE, closed, iter_options, range_bounds
from .errors import E_BUSY, NOT_FOUND, _check, make_error

if TYPE_CHECKING:  # pragma: no cover
    from .db import DB
    from .snapshot import Snapshot

__all__ = ["Iterator", "CHUNK_MIN", "CHUNK_MAX", "CHUNK_BYTES"]

#: Entries fetched by the first crossing, then doubled up to CHUNK_MAX.
CHUNK_MIN = 16
CHUNK_MAX = 256
#: Bytes of keys and values per crossing, after the first entry.
CHUNK_BYTES = 1 << 20

_FORWARD, _BACKWARD = 0, 1

Item = Union[Tuple[bytes, bytes], bytes]


class Iterator:
    """An iterator over one consistent point in time of a db.

    Created by :meth:`shale.DB.iterator` (and ``keys()``, ``values()``,
    ``items()``, also on :class:`shale.Snapshot`). It yields ``(key, value)``
    pairs, or only keys, or only values, in key order (``reverse=False``) or
    from the last key down. ``start`` is inclusive and ``stop`` exclusive
    unless ``include_start=False`` / ``include_stop=True``; ``prefix`` keeps
    only keys that start with it; they combine.

    The underlying C iterator is released when the iteration is exhausted,
    on :meth:`close`, at the end of a ``with`` block, or when the object is
    garbage collected. After :meth:`close`, or once exhausted, ``next()``
    raises StopIteration (like a closed generator). After the db is closed,
    ``next()`` raises :class:`ClosedError`, even for entries it had already
    fetched.
    An iterator belongs to one thread at a time: using it from two threads
    at the same moment raises :class:`BusyError`.
    """

    __slots__ = (
        "_h",
        "_db",
        "_reverse",
        "_keys",
        "_values",
        "_started",
        "_exhausted",
        "_buf",
        "_chunk",
        "_lens",
        "_lock",
        "_moved",
        "__weakref__",
    )

    def __init__(
        self,
        db: "DB",
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        keys: bool = True,
        values: bool = True,
        snapshot: Optional["Snapshot"] = None,
        include_start: bool = True,
        include_stop: bool = False,
    ) -> None:
        """Internal: use :meth:`shale.DB.iterator` and friends."""
        self._h: Optional[int] = None
        self._db = db
        self._reverse = bool(reverse)
        self._keys = bool(keys)
        self._values = bool(values)
        self._started = False
        self._exhausted = False
        self._buf: Deque[Any] = deque()
        self._chunk = CHUNK_MIN
        self._lens: Any = None
        self._lock = threading.Lock()
        self._moved = False
        if not (self._keys or self._values):
            raise ValueError("an iterator must yield keys, values or both")
        lower, upper = range_bounds(start, stop, include_start, include_stop)
        dbh = db._handle()
        from .snapshot import Snapshot  # here: snapshot.py imports this module

        if snapshot is not None and not isinstance(snapshot, Snapshot):
            raise TypeError("snapshot must be a shale.Snapshot, not %s" % type(snapshot).__name__)
        snap = snapshot._handle() if snapshot is not None else None
        if lower is EMPTY_RANGE:
            self._exhausted = True  # nothing follows the largest possible key
            return
        opts, keep = iter_options(lower, upper, prefix, snap)
        out = c_void_p()
        _check(lib.shale_iter_new(dbh, byref(opts) if opts is not None else None, byref(out)))
        del keep
        self._h = out.value

    def __iter__(self) -> "Iterator":
        return self

    def __next__(self) -> Any:
        # Fast path, without the lock: an entry already fetched (deque
        # operations are atomic). close() empties the deque under the lock,
        # so nothing is yielded once close() has returned.
        buf = self._buf
        if buf and self._db._h is not None:
            try:
                return buf.popleft()
            except IndexError:  # emptied meanwhile by another thread
                pass
        return self._next_locked()

    def _next_locked(self) -> Any:
        if not self._lock.acquire(blocking=False):
            raise make_error(E_BUSY, "shale iterator is in use by another thread")
        try:
            buf = self._buf
            if self._db._h is None and not self._exhausted:
                self._release()
                raise closed("db")
            if not buf:
                if self._exhausted:
                    raise StopIteration
                self._fill()
                if not buf:
                    raise StopIteration
            return buf.popleft()
        finally:
            self._lock.release()

    def _fill(self) -> None:
        h = self._h
        assert h is not None
        if not self._started:
            self._started = True
            st = lib.shale_iter_last(h) if self._reverse else lib.shale_iter_first(h)
            if st != NOT_FOUND:
                self._check(st)
        if "shale_iter_next_many" in MISSING:
            self._fill_stepping(h)
            return
        if self._lens is None:
            self._lens = size_t_array(2 * CHUNK_MAX)
        lens = self._lens
        data = c_void_p()
        count = c_size_t()
        st = lib.shale_iter_next_many(
            h,
            _BACKWARD if self._reverse else _FORWARD,
            self._chunk,
            CHUNK_BYTES,
            byref(data),
            lens.buffer_info()[0],
            byref(count),
        )
        if st == NOT_FOUND:
            self._finish()
            return
        self._check(st)
        n = count.value
        if self._chunk < CHUNK_MAX:
            self._chunk *= 2
        sizes = lens[: 2 * n].tolist()
        try:
            blob = ctypes.string_at(data.value or 0, sum(sizes))
        finally:
            lib.shale_free(data)
        pos = 0
        out = self._buf
        want_k, want_v = self._keys, self._values
        for i in range(0, 2 * n, 2):
            kl, vl = sizes[i], sizes[i + 1]
            kend = pos + kl
            vend = kend + vl
            if want_k and want_v:
                out.append((blob[pos:kend], blob[kend:vend]))
            elif want_k:
                out.append(blob[pos:kend])
            else:
                out.append(blob[kend:vend])
            pos = vend

    def _fill_stepping(self, h: int) -> None:
        # Libraries before 0.3.0: one entry per crossing.
        if self._moved:
            st = lib.shale_iter_prev(h) if self._reverse else lib.shale_iter_next(h)
        else:
            self._moved = True
            st = lib.shale_iter_valid(h)
        if st == NOT_FOUND:
            self._finish()
            return
        self._check(st)
        ptr = c_void_p()
        n = c_size_t()
        key = value = b""
        if self._keys:
            self._check(lib.shale_iter_key(h, byref(ptr), byref(n)))
            key = _callbacks.as_bytes(ptr.value, n.value)
        if self._values:
            self._check(lib.shale_iter_value(h, byref(ptr), byref(n)))
            value = _callbacks.as_bytes(ptr.value, n.value)
        if self._keys and self._values:
            self._buf.append((key, value))
        else:
            self._buf.append(key if self._keys else value)

    def _check(self, st: int) -> None:
        if st != 0:
            try:
                _check(st)
            finally:
                self._release()
                self._exhausted = True

    def _finish(self) -> None:
        self._exhausted = True
        self._release()

    def _release(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            lib.shale_iter_free(h)

    def close(self) -> None:
        """Release the C iterator; further iteration yields nothing (like a
        closed generator). Idempotent. Called while another thread is
        inside ``next()``, it waits for that fetch to end."""
        # Under the lock: shale_iter_free answers SHALE_E_BUSY while another
        # thread's fetch is in the library, and _release has already dropped
        # the handle by then, so the C iterator would be lost for good.
        with self._lock:
            self._exhausted = True
            self._buf.clear()
            self._release()

    @property
    def closed(self) -> bool:
        """True once the iterator was closed or exhausted."""
        return self._h is None

    def __enter__(self) -> "Iterator":
        """Use the iterator in a ``with`` block; it is closed at the end."""
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._release()
        except Exception:
            pass

    def __repr__(self) -> str:
        return "<shale.Iterator %s%s>" % (
            "reverse " if self._reverse else "",
            "closed" if self._h is None else "open",
        )

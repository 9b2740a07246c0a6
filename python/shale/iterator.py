"""Iteration over a range of keys (:class:`Iterator`)."""

from __future__ import annotations

from ctypes import byref, c_size_t, c_void_p
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

from . import _callbacks
from ._lib import lib
from ._util import closed, iter_options
from .errors import NOT_FOUND, _check

if TYPE_CHECKING:  # pragma: no cover
    from .db import DB, Snapshot

__all__ = ["Iterator"]

Item = Union[Tuple[bytes, bytes], bytes]


class Iterator:
    """An iterator over one consistent point in time of a db.

    Created by :meth:`shale.DB.iterator` (and ``keys()``, ``values()``,
    ``items()``, also on :class:`shale.Snapshot`). It yields ``(key, value)``
    pairs, or only keys, or only values, in key order (``reverse=False``) or
    from the last key down. ``start`` is inclusive, ``stop`` exclusive, and
    ``prefix`` keeps only keys that start with it; they combine.

    The underlying C iterator is released when the iteration is exhausted,
    on :meth:`close`, at the end of a ``with`` block, or when the object is
    garbage collected. An iterator belongs to one thread at a time.
    """

    __slots__ = ("_h", "_db", "_reverse", "_keys", "_values", "_started", "__weakref__")

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
    ) -> None:
        self._h: Optional[int] = None
        self._db = db
        self._reverse = bool(reverse)
        self._keys = bool(keys)
        self._values = bool(values)
        self._started = False
        if not (self._keys or self._values):
            raise ValueError("an iterator must yield keys, values or both")
        dbh = db._handle()
        snap = snapshot._handle() if snapshot is not None else None
        opts, keep = iter_options(start, stop, prefix, snap)
        out = c_void_p()
        _check(lib.shale_iter_new(dbh, byref(opts) if opts is not None else None, byref(out)))
        del keep
        self._h = out.value

    def __iter__(self) -> "Iterator":
        return self

    def __next__(self) -> Any:
        h = self._h
        if h is None:
            raise StopIteration
        if not self._started:
            self._started = True
            st = lib.shale_iter_last(h) if self._reverse else lib.shale_iter_first(h)
        else:
            st = lib.shale_iter_prev(h) if self._reverse else lib.shale_iter_next(h)
        if st == NOT_FOUND:
            self.close()
            raise StopIteration
        if st != 0:
            try:
                _check(st)
            finally:
                self.close()
        ptr = c_void_p()
        n = c_size_t()
        key = value = None
        if self._keys:
            _check(lib.shale_iter_key(h, byref(ptr), byref(n)))
            key = _callbacks.as_bytes(ptr.value, n.value)
        if self._values:
            _check(lib.shale_iter_value(h, byref(ptr), byref(n)))
            value = _callbacks.as_bytes(ptr.value, n.value)
        if self._keys and self._values:
            return (key, value)
        return key if self._keys else value

    def close(self) -> None:
        """Release the C iterator; further iteration yields nothing. Idempotent."""
        h, self._h = self._h, None
        if h is not None:
            lib.shale_iter_free(h)

    @property
    def closed(self) -> bool:
        """True once the iterator was closed or exhausted."""
        return self._h is None

    def __enter__(self) -> "Iterator":
        if self._h is None and not self._started:
            raise closed("iterator")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return "<shale.Iterator %s%s>" % (
            "reverse " if self._reverse else "",
            "closed" if self._h is None else "open",
        )


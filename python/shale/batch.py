"""Atomic write batches (:class:`WriteBatch`)."""

from __future__ import annotations

from ctypes import byref, c_size_t, c_void_p
from typing import TYPE_CHECKING, Any, Iterable, Optional

from . import _callbacks, _many
from ._lib import lib
from ._util import BytesLike, closed, key_arg, value_arg
from .errors import E_BUSY, _check

if TYPE_CHECKING:  # pragma: no cover
    from .db import DB

__all__ = ["WriteBatch"]


class WriteBatch:
    """Writes applied to a db atomically: all of them or none.

    Use it as a context manager: the batch is written when the block ends
    normally and discarded if it ends with an exception::

        with db.write_batch() as b:
            b.put(b"a", b"1")
            b.delete(b"b")
            b.put_many({b"c": b"3", b"d": b"4"})

    Or call :meth:`write` yourself (the batch is then emptied and can be
    reused) and :meth:`close` it. A batch belongs to one thread at a time
    (concurrent use raises :class:`BusyError`).
    """

    def __init__(self, db: "DB") -> None:
        """Internal: use :meth:`DB.write_batch`."""
        self._h: Optional[int] = None
        self._db = db
        db._handle()  # a batch of a closed db is a mistake: say so now
        out = c_void_p()
        _check(lib.shale_batch_new(byref(out)))
        self._h = out.value

    def _handle(self) -> int:
        h = self._h
        if h is None:
            raise closed("write batch")
        return h

    def put(self, key: bytes, value: BytesLike) -> None:
        """Add "set ``key`` to ``value``" to the batch (both are copied)."""
        key = key_arg(key)
        value = value_arg(value)
        _check(lib.shale_batch_put(self._handle(), key, len(key), value, len(value)))

    def delete(self, key: bytes) -> None:
        """Add "remove ``key``" to the batch."""
        key = key_arg(key)
        _check(lib.shale_batch_delete(self._handle(), key, len(key)))

    def put_many(self, items: "_many.Items") -> None:
        """Add many puts in one call into the library: ``items`` is a
        mapping or an iterable of ``(key, value)`` pairs, added in order.
        On an error (a bad key or value) nothing is added."""
        n, kj, kl, vj, vl = _many.pack_items(items)
        _many.batch_put_many(self._handle(), n, kj, kl, vj, vl)

    def delete_many(self, keys: Iterable[bytes]) -> None:
        """Add "remove" for each of ``keys`` in one call into the library."""
        ks, kj, kl = _many.pack_keys(keys)
        _many.batch_delete_many(self._handle(), len(ks), kj, kl)

    def __setitem__(self, key: bytes, value: BytesLike) -> None:
        """``batch[key] = value``: same as :meth:`put`."""
        self.put(key, value)

    def __delitem__(self, key: bytes) -> None:
        """``del batch[key]``: same as :meth:`delete` (never raises KeyError)."""
        self.delete(key)

    def clear(self) -> None:
        """Remove every entry from the batch."""
        _check(lib.shale_batch_clear(self._handle()))

    def __len__(self) -> int:
        """The number of entries (puts and deletes) in the batch."""
        n = c_size_t()
        _check(lib.shale_batch_count(self._handle(), byref(n)))
        return n.value

    def write(self) -> None:
        """Apply the batch to the db atomically, then empty it.

        If a subscription callback raises during the write, its exception
        is re-raised here after the write (which did happen)."""
        h = self._handle()
        dbh = self._db._handle()
        if not _callbacks.live_subscriptions:
            _check(lib.shale_db_write(dbh, h))
            _check(lib.shale_batch_clear(h))
            return
        with _callbacks.binding_write():
            _check(lib.shale_db_write(dbh, h))
            _check(lib.shale_batch_clear(h))

    def close(self) -> None:
        """Discard the batch without writing it. Idempotent. Raises
        :class:`BusyError` (and keeps the batch) while another thread is
        using it."""
        h, self._h = self._h, None
        if h is not None:
            st = lib.shale_batch_free(h)
            if st == E_BUSY:  # in use on another thread: not freed, keep it
                self._h = h
                _check(st)

    @property
    def closed(self) -> bool:
        """True once the batch was written by its ``with`` block or closed."""
        return self._h is None

    def __enter__(self) -> "WriteBatch":
        """Start a ``with`` block: written at its end, discarded on error."""
        self._handle()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.write()
        finally:
            self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return "<shale.WriteBatch%s>" % (" closed" if self._h is None else "")

"""Consistent read-only views of a db (:class:`Snapshot`)."""

from __future__ import annotations

from ctypes import byref, c_void_p
from typing import TYPE_CHECKING, Any, Optional

from ._lib import lib
from ._util import closed
from .errors import _check
from .reader import Reader

if TYPE_CHECKING:  # pragma: no cover
    from .db import DB

__all__ = ["Snapshot"]


class Snapshot(Reader):
    """A frozen, consistent view of a db: reads see exactly the writes
    acknowledged before it was taken.

    It has the read methods of :class:`DB` (``get``, ``[]``, ``in``,
    ``get_many``, ``get_pinned``, ``iterator``, ``keys``, ``values``,
    ``items``, ``scan``). Release it with :meth:`close` or a ``with``
    block; it is released when collected too. Iterators made from it keep
    working after it is closed (they hold their own reference). After the
    db is closed its reads raise :class:`ClosedError`. Snapshots may be
    shared by threads.
    """

    __slots__ = ("_h", "_db", "__weakref__")

    def __init__(self, db: "DB") -> None:
        """Internal: use :meth:`DB.snapshot`."""
        self._h: Optional[int] = None
        self._db = db
        out = c_void_p()
        _check(lib.shale_snapshot_new(db._handle(), byref(out)))
        self._h = out.value

    def _handle(self) -> int:
        h = self._h
        if h is None:
            raise closed("snapshot")
        return h

    def _db_handle(self) -> int:
        return self._db._handle()

    def _snap_handle(self) -> Optional[int]:
        return self._handle()

    def _owner(self) -> "DB":
        return self._db

    def _snapshot_obj(self) -> Optional["Snapshot"]:
        return self

    def close(self) -> None:
        """Release the snapshot. Idempotent."""
        h, self._h = self._h, None
        if h is not None:
            lib.shale_snapshot_free(h)

    @property
    def closed(self) -> bool:
        """True once the snapshot was released."""
        return self._h is None

    def __enter__(self) -> "Snapshot":
        """Use the snapshot in a ``with`` block; released at its end."""
        self._handle()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return "<shale.Snapshot%s>" % (" closed" if self._h is None else "")

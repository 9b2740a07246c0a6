"""Zero-copy reads: :class:`Pin`, a value held in library memory and read
in place through a :class:`memoryview` (C: ``shale_db_get_pinned`` /
``shale_pin_free``).

How the memory is protected. The value lives in a C pin until
``shale_pin_free``. Python reads it through a ctypes array placed over
that memory (the *exporter*); every memoryview over the value, including
slices and views of views, keeps the exporter alive, and the C pin is freed
only when the exporter dies (a :func:`weakref.finalize` on it). So:

* no view can ever read freed memory, whatever the program does;
* :meth:`Pin.release` releases the pin's own view (it becomes unusable:
  any use raises ``ValueError: operation forbidden on released memoryview
  object``) and frees the C pin at once — *unless* other views over the
  value are still alive (a slice ``pin.view[2:]``, ``memoryview(pin.view)``,
  a NumPy array over it, ``pin.view.obj``...). Then it *refuses*: it raises
  :class:`BufferError` saying so and the pin stays usable; release those
  views (``mv.release()`` or ``del mv``) and call it again. This is the
  same rule as :meth:`memoryview.release` with exported buffers.
* a Pin dropped without :meth:`release` is freed when the last view over
  it is gone (by garbage collection).

Detecting other views relies on CPython's reference counts (this package
is CPython-only).
"""

from __future__ import annotations

import collections
import ctypes
import sys
import threading
import weakref
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Optional

from ._lib import MISSING, lib
from ._util import closed, key_arg
from .errors import NOT_FOUND, _check

__all__ = ["Pin", "get_pinned"]

# ctypes array types by length, subclassed so that instances take weak
# references. Bounded: ``c_ubyte * n`` would keep one type per distinct
# length forever in ctypes' own cache.
_types: "collections.OrderedDict[int, type]" = collections.OrderedDict()
_types_lock = threading.Lock()
_TYPES_KEPT = 64


def _array_type(n: int) -> type:
    with _types_lock:
        t = _types.get(n)
        if t is not None:
            _types.move_to_end(n)
            return t
        t = type(
            "_PinnedBytes",
            (ctypes.Array,),
            {"_type_": ctypes.c_ubyte, "_length_": n, "__slots__": ("__weakref__",)},
        )
        _types[n] = t
        if len(_types) > _TYPES_KEPT:
            _types.popitem(last=False)
        return t


def _free(handle: int) -> None:
    lib.shale_pin_free(handle)


class Pin:
    """A value read without copying it into a Python object, from
    :meth:`shale.DB.get_pinned` (or a snapshot's).

    :attr:`view` is a read-only, one-dimensional memoryview of unsigned
    bytes (format ``"B"``) over the value in library memory; ``len(pin)``
    is its length and ``bytes(pin)`` a copy. The value stays valid after
    the db is closed. Release the pin with :meth:`release` or a ``with``
    block; see the module documentation for what happens to views that
    are still alive then (in short: release refuses with BufferError, and
    no view ever reads freed memory). Any thread may read a pin; one
    releases it.
    """

    __slots__ = ("_arr", "_view", "_len", "_finalizer", "_lock", "__weakref__")

    def __init__(self, handle: int, ptr: int, length: int) -> None:
        """Internal: use :meth:`shale.DB.get_pinned`."""
        self._lock = threading.Lock()
        self._len = length
        self._view: Optional[memoryview] = None
        arr = _array_type(length).from_address(ptr)  # type: ignore[attr-defined]
        self._finalizer = weakref.finalize(arr, _free, handle)
        self._arr: Any = arr

    @property
    def view(self) -> memoryview:
        """A read-only memoryview (format ``"B"``) over the value. Raises
        :class:`ClosedError` after :meth:`release`."""
        v = self._view
        if v is not None:
            return v
        with self._lock:
            if self._arr is None:
                raise closed("pin")
            if self._view is None:
                raw = memoryview(self._arr)
                cast = raw.cast("B")
                raw.release()
                self._view = cast.toreadonly()
                cast.release()
            return self._view

    def __len__(self) -> int:
        """The value's length in bytes."""
        return self._len

    def __bytes__(self) -> bytes:
        """A copy of the value."""
        return self.view.tobytes()

    def tobytes(self) -> bytes:
        """A copy of the value (same as ``bytes(pin)``)."""
        return self.view.tobytes()

    def __eq__(self, other: Any) -> bool:
        """Compare the value with a bytes-like object or another Pin."""
        if isinstance(other, Pin):
            other = other.view
        try:
            return self.view == other
        except TypeError:
            return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @property
    def released(self) -> bool:
        """True once :meth:`release` has freed the pin."""
        return self._arr is None

    def release(self) -> None:
        """Free the pin now; :attr:`view` becomes unusable. Idempotent.

        Raises :class:`BufferError` (and keeps the pin) if other views over
        the value are still alive, or if the view exports its buffer to
        another object: release or delete them first.
        """
        with self._lock:
            arr = self._arr
            if arr is None:
                return
            view, self._view = self._view, None
            if view is not None:
                try:
                    view.release()  # BufferError if it has exports
                except BufferError:
                    self._view = view
                    raise
                del view
            # References: self._arr, ``arr`` and getrefcount's argument;
            # one more while any memoryview over the value is alive.
            extra = sys.getrefcount(arr) - 3
            if extra > 0:
                raise BufferError(
                    "shale pin: %d other view(s) of the pinned value are still "
                    "alive (slices or memoryviews of pin.view, or pin.view.obj); "
                    "release or delete them before releasing the pin" % extra
                )
            self._arr = None
        del arr
        self._finalizer()  # frees the C pin (no-op if already done)

    def __enter__(self) -> "Pin":
        """Use the pin in a ``with`` block; it is released at the end."""
        if self._arr is None:
            raise closed("pin")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        return "<shale.Pin %d bytes%s>" % (self._len, " released" if self._arr is None else "")


def get_pinned(dbh: int, snap: Optional[int], key: Any) -> Optional[Pin]:
    """shale_db_get_pinned: a :class:`Pin`, or None if the key is absent."""
    if "shale_db_get_pinned" in MISSING:
        from .errors import E_NOT_SUPPORTED, make_error

        raise make_error(
            E_NOT_SUPPORTED,
            "get_pinned needs libshale 0.3.0 or later (shale_db_get_pinned); "
            "the loaded library is %s" % lib.shale_version().decode(),
        )
    key = key_arg(key)
    out = c_void_p()
    ptr = c_void_p()
    n = c_size_t()
    st = lib.shale_db_get_pinned(dbh, snap, key, len(key), byref(out), byref(ptr), byref(n))
    if st == NOT_FOUND:
        return None
    _check(st)
    try:
        return Pin(out.value, ptr.value, n.value)  # type: ignore[arg-type]
    except BaseException:
        lib.shale_pin_free(out)
        raise


"""Argument conversion shared by the package's modules: keys, values, key
ranges, and the closed-object error."""

from __future__ import annotations

import ctypes
from typing import Any, Optional, Tuple, Union

from . import _lib
from .errors import E_CLOSED, ClosedError

#: What a value may be: any object exposing a contiguous buffer (bytes,
#: bytearray, memoryview, array.array, mmap, ...).
BytesLike = Union[bytes, bytearray, memoryview]

#: SHALE_MAX_KEY_SIZE.
MAX_KEY_SIZE = 65536


def key_arg(key: Any, what: str = "key") -> bytes:
    """Check that ``key`` is bytes (keys are never str; encode them yourself)."""
    if isinstance(key, bytes):
        return key
    what = "keys" if what == "key" else what  # "shale keys must", "shale prefix must"
    if isinstance(key, str):
        raise TypeError(
            "shale %s must be bytes, not str; encode it first (e.g. %r.encode())"
            % (what, key if len(key) < 40 else key[:37] + "...")
        )
    raise TypeError("shale %s must be bytes, not %s" % (what, type(key).__name__))


def value_arg(value: Any) -> Any:
    """Accept any bytes-like value. Returns an object ctypes can pass as
    ``const void *`` with its byte length: ``(obj, nbytes)``-compatible
    bytes, or a copy for other buffer types."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        raise TypeError("shale values must be bytes-like, not str; encode it first")
    try:
        with memoryview(value) as mv:
            return mv.tobytes()
    except TypeError:
        raise TypeError(
            "shale values must be bytes-like (bytes, bytearray, memoryview, "
            "array, ...), not %s" % type(value).__name__
        ) from None


def closed(what: str) -> ClosedError:
    """The exception for a call on a Python object that was already closed."""
    return ClosedError("%s is closed" % what, E_CLOSED)


def successor(key: bytes) -> Optional[bytes]:
    """The smallest key that can exist and is greater than ``key``, or None
    if there is none (``key`` is the largest possible key).

    ``key + b"\\0"`` unless that is over the key size limit; then ``key``
    with trailing 0xff bytes dropped and its last byte incremented.
    """
    if len(key) < MAX_KEY_SIZE:
        return key + b"\0"
    stripped = key.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))


#: A lower bound that no key reaches (the range is then empty).
EMPTY_RANGE = object()


def range_bounds(
    start: Optional[bytes],
    stop: Optional[bytes],
    include_start: bool,
    include_stop: bool,
) -> Tuple[Any, Optional[bytes]]:
    """Turn ``start``/``stop`` and their inclusiveness into the C iterator's
    inclusive lower and exclusive upper bounds. The lower bound is
    :data:`EMPTY_RANGE` when nothing can follow an exclusive ``start``."""
    lower: Any = None
    upper: Optional[bytes] = None
    if start is not None:
        start = key_arg(start, "start")
        lower = start if include_start else successor(start)
        if lower is None:
            lower = EMPTY_RANGE
    if stop is not None:
        stop = key_arg(stop, "stop")
        upper = successor(stop) if include_stop else stop
    return lower, upper


def address(b: bytes) -> int:
    """The address of a bytes object's contents (valid while ``b`` lives)."""
    return ctypes.cast(b, ctypes.c_void_p).value  # type: ignore[arg-type,return-value]


def iter_options(
    start: Optional[bytes],
    stop: Optional[bytes],
    prefix: Optional[bytes],
    snapshot_handle: Optional[int],
) -> Tuple[Optional["_lib.shale_iter_options"], tuple]:
    """Build a shale_iter_options (or None when nothing is set). ``start``
    is the inclusive lower bound, ``stop`` the exclusive upper bound.

    Returns the struct and a tuple of the objects its pointers point into;
    keep that tuple alive until the C call returns.
    """
    if start is None and stop is None and prefix is None and snapshot_handle is None:
        return None, ()
    opts = _lib.shale_iter_options()
    _lib.lib.shale_iter_options_init(ctypes.byref(opts), ctypes.sizeof(opts))
    keep = []
    if snapshot_handle is not None:
        opts.snapshot = snapshot_handle
    for field, val, name in (
        ("lower_bound", start, "start"),
        ("upper_bound", stop, "stop"),
        ("prefix", prefix, "prefix"),
    ):
        if val is None:
            continue
        val = key_arg(val, name)
        keep.append(val)
        # A non-NULL pointer even for b"" (the empty key is a real bound).
        setattr(opts, field, address(val))
        setattr(opts, field + "_len", len(val))
    return opts, tuple(keep)

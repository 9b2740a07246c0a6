"""Argument conversion shared by the package's modules."""

from __future__ import annotations

import ctypes
from typing import Any, Optional, Tuple, Union

from . import _lib
from .errors import ClosedError, E_CLOSED

BytesLike = Union[bytes, bytearray, memoryview]


def key_arg(key: Any, what: str = "key") -> bytes:
    """Check that ``key`` is bytes (keys are never str; encode them yourself)."""
    if type(key) is bytes or isinstance(key, bytes):
        return key
    if isinstance(key, str):
        raise TypeError(
            "shale %ss must be bytes, not str; encode it first (e.g. %r.encode())"
            % (what, key if len(key) < 40 else key[:37] + "...")
        )
    raise TypeError("shale %ss must be bytes, not %s" % (what, type(key).__name__))


def value_arg(value: Any) -> bytes:
    """Accept any bytes-like value (bytes, bytearray, memoryview, buffer)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        raise TypeError("shale values must be bytes-like, not str; encode it first")
    try:
        with memoryview(value) as mv:
            return mv.tobytes()
    except TypeError:
        raise TypeError(
            "shale values must be bytes-like (bytes, bytearray, memoryview), not %s"
            % type(value).__name__
        ) from None


def closed(what: str) -> ClosedError:
    """The exception for a call on a Python object that was already closed."""
    return ClosedError("%s is closed" % what, E_CLOSED)


def iter_options(
    start: Optional[bytes],
    stop: Optional[bytes],
    prefix: Optional[bytes],
    snapshot_handle: Optional[int],
) -> Tuple[Optional["_lib.shale_iter_options"], tuple]:
    """Build a shale_iter_options (or None when nothing is set).

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
        # A non-NULL pointer even for b"" (the empty key is a real bound).
        buf = ctypes.create_string_buffer(val, len(val) or 1)
        keep.append(buf)
        setattr(opts, field, ctypes.addressof(buf))
        setattr(opts, field + "_len", len(val))
    return opts, tuple(keep)

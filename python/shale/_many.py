"""Many keys in one FFI crossing (shale.h "Many keys in one call").

Keys (and values) are joined end to end into one bytes object, their
lengths put in one ``size_t`` array, and the library is called once per
call instead of once per key. With a library older than 0.3.0 (same ABI
major, without these functions) the same results come from the per-key
calls: ``put_many``/``delete_many`` through a temporary batch (still one
atomic write), ``get_many`` through a temporary snapshot (still one point
in time).
"""

from __future__ import annotations

import ctypes
from ctypes import byref, c_size_t, c_void_p
from itertools import accumulate
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _callbacks
from ._lib import MISSING, MISSING_LEN, lib, size_t_array
from .errors import NOT_FOUND, Error, _check

__all__ = ["pack_keys", "pack_items", "get_many", "put_many", "delete_many"]

Items = Union[Mapping[bytes, Any], Iterable[Tuple[bytes, Any]]]

_ONLY_BYTES = {bytes}


def _bad_key(i: int, k: Any) -> TypeError:
    if isinstance(k, str):
        return TypeError("key %d: shale keys must be bytes, not str; encode it first" % i)
    return TypeError("key %d: shale keys must be bytes, not %s" % (i, type(k).__name__))


def _iterable(obj: Any, what: str) -> Any:
    """``obj`` if it is iterable, else a TypeError naming what was expected."""
    try:
        iter(obj)
    except TypeError:
        raise TypeError("expected an iterable of %s, not %s" % (what, type(obj).__name__)) from None
    return obj


def pack_keys(keys: Iterable[bytes]) -> Tuple[List[bytes], bytes, Any]:
    """``(keys as a list, keys joined, array of their lengths)``."""
    if isinstance(keys, (bytes, str)):
        raise TypeError("expected an iterable of bytes keys, not a single %s" % type(keys).__name__)
    ks = keys if isinstance(keys, list) else list(_iterable(keys, "bytes keys"))
    # The common case (all exactly bytes) checked at C speed; else per key.
    if not ks or set(map(type, ks)) != _ONLY_BYTES:
        for i, k in enumerate(ks):
            if not isinstance(k, bytes):
                raise _bad_key(i, k)
    lens = size_t_array(0)
    lens.extend(map(len, ks))
    return ks, b"".join(ks), lens


def _value_len(i: int, v: Any) -> int:
    if isinstance(v, bytes):
        return len(v)
    if isinstance(v, str):
        raise TypeError("value %d: shale values must be bytes-like, not str; encode it first" % i)
    try:
        with memoryview(v) as mv:
            if not mv.c_contiguous:
                raise TypeError("value %d: the buffer is not contiguous" % i)
            return mv.nbytes
    except TypeError as e:
        if str(e).startswith("value %d" % i):
            raise
        raise TypeError(
            "value %d: shale values must be bytes-like, not %s" % (i, type(v).__name__)
        ) from None


def pack_items(items: Items) -> Tuple[int, bytes, Any, bytes, Any]:
    """``(count, keys, key_lens, values, value_lens)`` from a mapping or an
    iterable of ``(key, value)`` pairs."""
    if isinstance(items, Mapping):
        pairs: Sequence[Any] = list(items.items())
    else:
        pairs = list(_iterable(items, "(key, value) pairs or a mapping"))
    keys: List[bytes] = []
    vals: List[Any] = []
    for i, pair in enumerate(pairs):
        try:
            if isinstance(pair, (bytes, bytearray, str, memoryview)):
                raise TypeError
            k, v = pair
        except (TypeError, ValueError):
            raise TypeError("item %d: expected a (key, value) pair, not %r" % (i, type(pair).__name__)) from None
        keys.append(k)
        vals.append(v)
    _, kjoined, klens = pack_keys(keys)
    vlens = size_t_array(0)
    vlens.extend(_value_len(i, v) for i, v in enumerate(vals))
    return len(keys), kjoined, klens, b"".join(vals), vlens


def _addr(a: Any) -> Optional[int]:
    return a.buffer_info()[0] or None


def get_many(dbh: int, snap: Optional[int], keys: Iterable[bytes], default: Any) -> List[Any]:
    """The values of ``keys`` (``default`` for a missing one), in order, all
    as of one point in time."""
    ks, joined, klens = pack_keys(keys)
    n = len(ks)
    if "shale_db_get_many" in MISSING:
        return _get_many_fallback(dbh, snap, ks, default)
    vlens = size_t_array(n)
    out = c_void_p()
    found = c_size_t()
    st = lib.shale_db_get_many(
        dbh, snap, n, joined, _addr(klens), byref(out), _addr(vlens), byref(found)
    )
    _check(st)
    lens = vlens.tolist()
    all_found = found.value == n
    try:
        total = sum(lens) if all_found else sum(x for x in lens if x != MISSING_LEN)
        blob = ctypes.string_at(out.value or 0, total) if total else b""
    finally:
        lib.shale_free(out)
    if all_found:  # slices at the running offsets, at C speed
        offsets = list(accumulate(lens, initial=0))
        return list(map(blob.__getitem__, map(slice, offsets, offsets[1:])))
    result: List[Any] = []
    pos = 0
    for x in lens:
        if x == MISSING_LEN:
            result.append(default)
        else:
            result.append(blob[pos : pos + x])
            pos += x
    return result


def _get_many_fallback(dbh: int, snap: Optional[int], ks: List[bytes], default: Any) -> List[Any]:
    own = None
    if snap is None:
        h = c_void_p()
        _check(lib.shale_snapshot_new(dbh, byref(h)))
        own = snap = h.value
    try:
        result: List[Any] = []
        for k in ks:
            out = c_void_p()
            n = c_size_t()
            st = lib.shale_db_get(dbh, snap, k, len(k), byref(out), byref(n))
            if st == NOT_FOUND:
                result.append(default)
                continue
            _check(st)
            try:
                result.append(ctypes.string_at(out.value or 0, n.value) if n.value else b"")
            finally:
                lib.shale_free(out)
        return result
    finally:
        if own is not None:
            lib.shale_snapshot_free(own)


def _via_batch(dbh: int, fill: Any) -> int:
    b = c_void_p()
    _check(lib.shale_batch_new(byref(b)))
    try:
        fill(b.value)
        return lib.shale_db_write(dbh, b.value)
    finally:
        lib.shale_batch_free(b.value)


def _put_many(dbh: int, n: int, kj: bytes, kl: Any, vj: bytes, vl: Any) -> None:
    if "shale_db_put_many" in MISSING:
        st = _via_batch(dbh, lambda b: batch_put_many(b, n, kj, kl, vj, vl))
    else:
        st = lib.shale_db_put_many(dbh, n, kj, _addr(kl), vj, _addr(vl))
    _check(st)


def put_many(dbh: int, items: Items) -> None:
    """Set every ``(key, value)`` in one atomic write. A subscription
    callback's exception is re-raised after it (see _callbacks.binding_write)."""
    n, kj, kl, vj, vl = pack_items(items)
    if not _callbacks.live_subscriptions:
        _put_many(dbh, n, kj, kl, vj, vl)
        return
    with _callbacks.binding_write():
        _put_many(dbh, n, kj, kl, vj, vl)


def _delete_many(dbh: int, n: int, kj: bytes, kl: Any) -> None:
    if "shale_db_delete_many" in MISSING:
        st = _via_batch(dbh, lambda b: batch_delete_many(b, n, kj, kl))
    else:
        st = lib.shale_db_delete_many(dbh, n, kj, _addr(kl))
    _check(st)


def delete_many(dbh: int, keys: Iterable[bytes]) -> None:
    """Remove every key in one atomic write (callback exceptions as for
    :func:`put_many`)."""
    ks, kj, kl = pack_keys(keys)
    if not _callbacks.live_subscriptions:
        _delete_many(dbh, len(ks), kj, kl)
        return
    with _callbacks.binding_write():
        _delete_many(dbh, len(ks), kj, kl)


def _spans(lens: Any) -> Iterable[Tuple[int, int]]:
    pos = 0
    for x in lens:
        yield pos, pos + x
        pos += x


def batch_put_many(bh: int, n: int, kj: bytes, kl: Any, vj: bytes, vl: Any) -> None:
    """Append packed puts to batch ``bh`` (shale_batch_put_many)."""
    if "shale_batch_put_many" not in MISSING:
        _check(lib.shale_batch_put_many(bh, n, kj, _addr(kl), vj, _addr(vl)))
        return
    for i, ((ka, kb), (va, vb)) in enumerate(zip(_spans(kl), _spans(vl))):
        k, v = kj[ka:kb], vj[va:vb]
        _check_item(i, lib.shale_batch_put(bh, k, len(k), v, len(v)))


def batch_delete_many(bh: int, n: int, kj: bytes, kl: Any) -> None:
    """Append packed deletes to batch ``bh`` (shale_batch_delete_many)."""
    if "shale_batch_delete_many" not in MISSING:
        _check(lib.shale_batch_delete_many(bh, n, kj, _addr(kl)))
        return
    for i, (ka, kb) in enumerate(_spans(kl)):
        k = kj[ka:kb]
        _check_item(i, lib.shale_batch_delete(bh, k, len(k)))


def _check_item(i: int, st: int) -> None:
    try:
        _check(st)
    except Error as e:
        e.message = "item %d: %s" % (i, e.message)
        e.args = (e.message,)
        raise

"""C callback trampolines and the registry that keeps their targets alive.

C never sees a Python object. Each registration (a logger, a subscription,
a running scan) is stored in :data:`_registry` under a small integer token,
and the token is what C gets as its ``void *user``. The trampolines are
created once, at import, and live as long as the module, so the function
pointers handed to C never dangle. The registry entry of a logger or a
subscription is dropped by :data:`USER_FREE`, which the library calls
exactly once when the registration ends; that is what keeps a Python
callback alive precisely as long as C may call it.

Exceptions:
* a scan callback's exception stops the scan (the trampoline returns 1) and
  is stored so that :meth:`shale.DB.scan` re-raises it after
  ``shale_db_scan`` returns;
* a subscription callback runs on the thread that made the write, inside
  the write call. If that write was made through this package (``put``,
  ``delete``, ``put_many``, ``delete_many``, ``WriteBatch.write``), the
  method ran its C call inside :class:`binding_write`, which marks the
  thread: the exception is stored there and re-raised by the write method
  once the C call has returned (the write itself has happened). A write
  the package did not make (C code given ``DB.c_handle``) has nobody to
  raise to: the exception goes to :func:`sys.unraisablehook` at once and
  is never stored, so it cannot surface later from an unrelated write;
* logger callbacks may run on the library's own threads, so there is
  nobody to raise to: their exceptions go to :func:`sys.unraisablehook`
  (the same place as exceptions in ``__del__``) and the trampoline
  returns 0.
"""

from __future__ import annotations

import ctypes
import itertools
import sys
import threading
from typing import Any, Callable, Dict, Optional

from . import _lib

_registry: Dict[int, Any] = {}
_tokens = itertools.count(1)
_lock = threading.Lock()


def register(obj: Any) -> int:
    """Store ``obj`` and return the token to pass to C as ``user``."""
    with _lock:
        token = next(_tokens)
        _registry[token] = obj
    return token


#: Tokens of the subscription registrations C may still call (every db of
#: the process): added by :func:`register_subscription`, removed when the
#: registration ends (``USER_FREE``, or :func:`unregister` after a failed
#: subscribe). Write methods read only its truth value: while it is empty
#: they skip :class:`binding_write`, so a process without subscriptions pays
#: nothing for it. set.add/discard are atomic under the GIL; no lock.
live_subscriptions: "set[int]" = set()


def register_subscription(fn: Any) -> int:
    """:func:`register` for a subscription callback, counted in
    :data:`live_subscriptions` until the registration ends."""
    token = register(fn)
    live_subscriptions.add(token)
    return token


def unregister(token: Optional[int]) -> None:
    """Drop the registration ``token`` (no-op if already gone)."""
    if token is not None:
        live_subscriptions.discard(token)
        with _lock:
            _registry.pop(token, None)


def lookup(token: Optional[int]) -> Any:
    """The object registered under ``token``, or None."""
    if token is None:
        return None
    return _registry.get(token)


def as_bytes(ptr: Optional[int], length: int) -> bytes:
    """Copy ``length`` bytes at ``ptr`` (``b""`` for an empty or NULL span)."""
    if not length or not ptr:
        return b""
    return ctypes.string_at(ptr, length)


# --- reporting exceptions nobody can catch -----------------------------------


def _unraisable_args_type() -> Any:
    # sys.UnraisableHookArgs is not exposed by name; capture the type once by
    # letting the interpreter report an exception from __del__.
    captured: list = []

    class _Probe:
        def __del__(self) -> None:
            raise RuntimeError("probe")

    old = sys.unraisablehook
    sys.unraisablehook = captured.append
    try:
        p = _Probe()
        del p
    finally:
        sys.unraisablehook = old
    return type(captured[0]) if captured else None


try:
    _UnraisableHookArgs = _unraisable_args_type()
except Exception:  # pragma: no cover - non-CPython interpreters
    _UnraisableHookArgs = None


def report_unraisable(exc: BaseException, where: str, obj: Any = None) -> None:
    """Hand ``exc`` to :func:`sys.unraisablehook` ("Exception ignored in ...")."""
    try:
        items = (type(exc), exc, exc.__traceback__, "Exception ignored in " + where, obj)
        if _UnraisableHookArgs is not None:
            args = _UnraisableHookArgs(items)
        else:  # pragma: no cover
            import types

            args = types.SimpleNamespace(
                exc_type=items[0],
                exc_value=items[1],
                exc_traceback=items[2],
                err_msg=items[3],
                object=items[4],
            )
        sys.unraisablehook(args)
    except BaseException:  # the hook itself failed; last resort
        try:
            sys.__unraisablehook__(args)  # type: ignore[possibly-undefined]
        except BaseException:
            pass


# --- the trampolines -----------------------------------------------------------


def _user_free(user: Optional[int]) -> None:
    unregister(user)


def _log(user: Optional[int], level: int, message: Optional[int]) -> int:
    fn = lookup(user)
    if fn is None:
        return 0
    try:
        text = ctypes.string_at(message).decode("utf-8", "replace") if message else ""
        fn(int(level), text)
    except BaseException as e:
        report_unraisable(e, "shale logger callback %r" % (fn,), fn)
    return 0


class ScanState:
    """A running scan: the user's function and the exception it raised."""

    __slots__ = ("fn", "exc", "stopped")

    def __init__(self, fn: Callable[[bytes, bytes], Any]) -> None:
        self.fn = fn
        self.exc: Optional[BaseException] = None
        self.stopped = False


def _scan(user: Optional[int], kp: Optional[int], kl: int, vp: Optional[int], vl: int) -> int:
    st = lookup(user)
    if st is None:
        return 1
    try:
        if st.fn(as_bytes(kp, kl), as_bytes(vp, vl)):
            st.stopped = True
            return 1
        return 0
    except BaseException as e:
        st.exc = e
        return 1


# The exceptions subscription callbacks raised during the binding write
# running on this thread: a list while a write method's C call is in flight
# (set by binding_write), None otherwise. Its presence is the mark "this
# thread is inside a write made through the package".
_tls = threading.local()


class binding_write:
    """``with binding_write(): <the write's C call and its _check>``: the
    write methods' guard, entered only while :data:`live_subscriptions` is
    non-empty.

    Inside, subscription callbacks on this thread store their exceptions
    instead of reporting them. On a normal exit the first one is re-raised
    (the write has happened) and any others go to
    :func:`sys.unraisablehook`; if the block itself raised (the write
    failed), its error propagates and the callbacks' exceptions are all
    reported. A callback that writes through the package nests a second
    guard: the outer list is saved and restored, so each write re-raises
    only what its own callbacks raised. A C write made by code that a
    callback called stores into the enclosing write's list, and that write
    raises it.

    A subscription created on another thread while a write is between its
    check of :data:`live_subscriptions` and its C call may see that write
    unmarked; an exception of its callback is then reported, not raised.
    """

    __slots__ = ("outer", "mine")
    outer: Optional[list]
    mine: Optional[list]

    def __enter__(self) -> None:
        self.outer = getattr(_tls, "pending", None)
        self.mine = _tls.pending = []

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        _tls.pending = self.outer
        mine = self.mine
        self.outer = self.mine = None
        if not mine:
            return
        if exc_type is not None:  # the write failed: its error propagates
            for e, fn in mine:
                report_unraisable(e, "shale subscription callback %r" % (fn,), fn)
            return
        for e, fn in mine[1:]:
            report_unraisable(e, "shale subscription callback %r" % (fn,), fn)
        e = mine[0][0]
        try:
            raise e
        finally:
            del e, mine


def _change(
    user: Optional[int], kind: int, kp: Optional[int], kl: int, vp: Optional[int], vl: int
) -> int:
    fn = lookup(user)
    if fn is None:
        return 0
    key = b""
    try:
        key = as_bytes(kp, kl)
        value = None if kind == 2 else as_bytes(vp, vl)
        fn(int(kind), key, value)
    except BaseException as e:
        if hasattr(e, "add_note"):
            e.add_note(
                "(raised by the shale subscription callback %r for key %r; "
                "the write itself succeeded)" % (fn, key)
            )
        pending = getattr(_tls, "pending", None)
        if pending is not None:  # a write method of the package re-raises it
            pending.append((e, fn))
        else:  # a write the package did not make (C code): nobody to raise to
            report_unraisable(
                e,
                "shale subscription callback %r, during a write not made "
                "through the shale package (C code using DB.c_handle?)" % (fn,),
                fn,
            )
    return 0


#: The C function pointers; module globals, so they are never collected.
USER_FREE = _lib.shale_user_free_fn(_user_free)
LOG = _lib.shale_log_fn(_log)
SCAN = _lib.shale_scan_fn(_scan)
CHANGE = _lib.shale_change_fn(_change)

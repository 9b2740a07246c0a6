"""Change subscriptions (:class:`Subscription`)."""

from __future__ import annotations

from ctypes import byref, c_void_p
from typing import TYPE_CHECKING, Any, Callable, Optional

from . import _callbacks
from ._lib import lib
from .errors import _check

if TYPE_CHECKING:  # pragma: no cover
    from .db import DB

__all__ = ["Subscription", "PUT", "DELETE"]

#: Kinds of change passed to a subscription callback (SHALE_CHANGE_*).
PUT = 1
DELETE = 2


class Subscription:
    """A live change subscription, from :meth:`DB.subscribe`.

    Call :meth:`unsubscribe` (idempotent), or use it as a context manager,
    to end it; it also ends when the db is closed. After
    :meth:`unsubscribe` returns the callback is not running and is never
    called again (from inside the callback itself: not after it returns).
    The Python callback is kept alive until the library reports that the
    registration ended (its ``user_free``).
    """

    def __init__(self, db: "DB", prefix: bytes, fn: Callable[..., Any]) -> None:
        """Internal: use :meth:`DB.subscribe`."""
        self._h: Optional[int] = None
        self._db = db
        #: The key prefix this subscription watches.
        self.prefix = prefix
        #: The callback, ``fn(kind, key, value)``.
        self.callback = fn
        token = _callbacks.register_subscription(fn)
        out = c_void_p()
        st = lib.shale_db_subscribe(
            db._handle(), prefix, len(prefix), _callbacks.CHANGE, token, _callbacks.USER_FREE, byref(out)
        )
        if st != 0:
            _callbacks.unregister(token)  # user_free is not called on failure
            _check(st)
        self._h = out.value
        with db._lock:
            if db._h is not None:
                db._subs_strong.add(self)
                return
        self._release()  # the db closed meanwhile: the registration ended

    def _release(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            lib.shale_unsubscribe(h)

    def unsubscribe(self) -> None:
        """End the subscription. Idempotent; also fine after the db closed."""
        self._release()
        with self._db._lock:
            self._db._subs_strong.discard(self)

    @property
    def active(self) -> bool:
        """True until :meth:`unsubscribe` (or the db's close)."""
        return self._h is not None and not self._db.closed

    def __enter__(self) -> "Subscription":
        """Use the subscription in a ``with`` block; it ends at the end."""
        return self

    def __exit__(self, *exc: Any) -> None:
        self.unsubscribe()

    def __repr__(self) -> str:
        return "<shale.Subscription prefix=%r%s>" % (self.prefix, "" if self.active else " ended")

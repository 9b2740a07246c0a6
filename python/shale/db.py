"""The database handle (:class:`DB`) and its companions: :func:`open`,
:class:`WriteBatch`, :class:`Snapshot` and :class:`Subscription`."""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Callable, Optional, Union

from . import _callbacks, maintenance
from ._lib import lib, shale_options
from ._util import BytesLike, closed, iter_options, key_arg, value_arg
from .errors import (
    E_CANCELLED,
    NOT_FOUND,
    NotFoundError,
    _check,
)
from .iterator import Iterator

__all__ = [
    "open",
    "DB",
    "WriteBatch",
    "Snapshot",
    "Subscription",
    "LOG_DEBUG",
    "LOG_INFO",
    "LOG_WARN",
    "LOG_ERROR",
    "PUT",
    "DELETE",
]

#: Log levels (SHALE_LOG_*), as passed to a logger callback.
LOG_DEBUG = 0
LOG_INFO = 1
LOG_WARN = 2
LOG_ERROR = 3

#: Kinds of change passed to a subscription callback (SHALE_CHANGE_*).
PUT = 1
DELETE = 2

_SYNC_MODES = {"none": 0, "every": 1, "group": 2}
_PY_LOG_LEVELS = {
    LOG_DEBUG: logging.DEBUG,
    LOG_INFO: logging.INFO,
    LOG_WARN: logging.WARNING,
    LOG_ERROR: logging.ERROR,
}

PathType = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
LoggerType = Union[Callable[[int, str], Any], logging.Logger]

_MISSING = object()


def _owned_bytes(ptr: c_void_p, n: int) -> bytes:
    """Copy an owned (out) buffer and free it with shale_free."""
    try:
        return _callbacks.as_bytes(ptr.value, n)
    finally:
        lib.shale_free(ptr)


def _get(dbh: int, snap: Optional[int], key: Any, default: Any) -> Any:
    key = key_arg(key)
    out = c_void_p()
    n = c_size_t()
    st = lib.shale_db_get(dbh, snap, key, len(key), byref(out), byref(n))
    if st == NOT_FOUND:
        return default
    _check(st)
    return _owned_bytes(out, n.value)


def _exists(dbh: int, snap: Optional[int], key: Any) -> bool:
    key = key_arg(key)
    st = lib.shale_db_exists(dbh, snap, key, len(key))
    if st == NOT_FOUND:
        return False
    _check(st)
    return True


def _missing(key: bytes) -> NotFoundError:
    e = NotFoundError("key not found: %r" % (key,), NOT_FOUND)
    e.key = key  # type: ignore[attr-defined]
    return e


class _Reader:
    """Read methods shared by :class:`DB` (latest state) and :class:`Snapshot`."""

    def _db_handle(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _snap_handle(self) -> Optional[int]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _owner(self) -> "DB":  # pragma: no cover - overridden
        raise NotImplementedError

    def _snapshot_obj(self) -> Optional["Snapshot"]:
        return None

    def get(self, key: bytes, default: Any = None) -> Any:
        """The value of ``key`` as bytes, or ``default`` if it is absent."""
        return _get(self._db_handle(), self._snap_handle(), key, default)

    def __getitem__(self, key: bytes) -> bytes:
        """``db[key]``: the value; :class:`NotFoundError` (a KeyError) if absent."""
        v = _get(self._db_handle(), self._snap_handle(), key, _MISSING)
        if v is _MISSING:
            raise _missing(key)
        return v

    def __contains__(self, key: bytes) -> bool:
        """``key in db``: whether the key exists (its value is not copied)."""
        return _exists(self._db_handle(), self._snap_handle(), key)

    def iterator(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        keys: bool = True,
        values: bool = True,
        snapshot: Optional["Snapshot"] = None,
    ) -> Iterator:
        """An :class:`Iterator` over keys in ``[start, stop)`` with ``prefix``.

        Yields ``(key, value)`` pairs, or just keys (``values=False``) or
        just values (``keys=False``); ``reverse=True`` goes from the largest
        key down. The iterator sees one point in time: ``snapshot``'s, or
        the state when it is created. Close it (or use ``with``) to release
        it early; it is released anyway when exhausted or collected.
        """
        if snapshot is None:
            snapshot = self._snapshot_obj()
        return Iterator(self._owner(), start, stop, prefix, reverse, keys, values, snapshot)

    def keys(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        snapshot: Optional["Snapshot"] = None,
    ) -> Iterator:
        """An iterator of the keys in range (see :meth:`iterator`)."""
        return self.iterator(start, stop, prefix, reverse, keys=True, values=False, snapshot=snapshot)

    def values(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        snapshot: Optional["Snapshot"] = None,
    ) -> Iterator:
        """An iterator of the values in range, in key order (see :meth:`iterator`)."""
        return self.iterator(start, stop, prefix, reverse, keys=False, values=True, snapshot=snapshot)

    def items(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        snapshot: Optional["Snapshot"] = None,
    ) -> Iterator:
        """An iterator of ``(key, value)`` pairs in range (see :meth:`iterator`)."""
        return self.iterator(start, stop, prefix, reverse, snapshot=snapshot)

    def __iter__(self) -> Iterator:
        """Iterate over every key, in order (like a dict)."""
        return self.keys()

    def scan(
        self,
        fn: Callable[[bytes, bytes], Any],
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        prefix: Optional[bytes] = None,
        reverse: bool = False,
        snapshot: Optional["Snapshot"] = None,
    ) -> bool:
        """Call ``fn(key, value)`` for every entry in range, in one C call.

        Range arguments are as for :meth:`iterator`. If ``fn`` returns a
        true value the scan stops. Returns True if every entry was visited,
        False if ``fn`` stopped it. If ``fn`` raises, the scan stops and the
        same exception is re-raised here once the C call has returned.
        ``fn`` runs on the calling thread; it may read and write the db
        (its writes are not seen by the scan in progress) but must not
        close it.
        """
        if not callable(fn):
            raise TypeError("scan() needs a callable fn(key, value)")
        if snapshot is None:
            snapshot = self._snapshot_obj()
        dbh = self._db_handle()
        snap = snapshot._handle() if snapshot is not None else None
        opts, keep = iter_options(start, stop, prefix, snap)
        state = _callbacks.ScanState(fn)
        token = _callbacks.register(state)
        try:
            st = lib.shale_db_scan(
                dbh,
                byref(opts) if opts is not None else None,
                1 if reverse else 0,
                _callbacks.SCAN,
                token,
            )
        finally:
            _callbacks.unregister(token)
            del keep
        if state.exc is not None:
            exc, state.exc = state.exc, None
            try:
                raise exc
            finally:
                del exc
        if st == E_CANCELLED and state.stopped:
            return False
        _check(st)
        return True


class DB(_Reader):
    """An open shale database. Create it with :func:`shale.open`.

    A DB behaves like a mutable mapping of bytes to bytes kept in key
    order: ``db[k]``, ``db[k] = v``, ``del db[k]``, ``k in db``, iteration
    over keys. It may be shared by many threads. Use it as a context
    manager, or call :meth:`close` (idempotent); a DB that is garbage
    collected is closed then.
    """

    def __init__(self, handle: int, path: bytes, logger_token: Optional[int]) -> None:
        """Internal: use :func:`shale.open`."""
        self._h: Optional[int] = handle
        self._path = path
        self._logger_token = logger_token
        self._subs_strong: "set[Subscription]" = set()
        self._lock = threading.Lock()
        self._close_lock = threading.Lock()

    # -- plumbing -------------------------------------------------------------

    def _handle(self) -> int:
        h = self._h
        if h is None:
            raise closed("db")
        return h

    _db_handle = _handle

    def _snap_handle(self) -> Optional[int]:
        return None

    def _owner(self) -> "DB":
        return self

    @property
    def path(self) -> bytes:
        """The path the db was opened with, as bytes (``os.fsencode``)."""
        return self._path

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._h is None

    def close(self) -> None:
        """Close the db. Idempotent.

        Waits for calls in flight on other threads, ends every subscription
        and releases the directory lock. Iterators and snapshots still open
        raise :class:`ClosedError` afterwards (closing them still works).
        Raises :class:`BusyError` if called from inside one of this db's
        callbacks (nothing is closed then).
        """
        # Not held across a blocking wait by anyone but the closer; a second
        # closer (or a callback closing its own db) returns at once.
        if not self._close_lock.acquire(blocking=False):
            return
        try:
            h = self._h
            if h is None:
                return
            st = lib.shale_db_close(h)
            if st == -14:  # SHALE_E_BUSY: from inside a callback; still open
                _check(st)
            with self._lock:
                self._h = None
                subs = list(self._subs_strong)
                self._subs_strong.clear()
        finally:
            self._close_lock.release()
        for s in subs:  # their registrations ended; free the handles
            s._release()
        _callbacks.unregister(self._logger_token)
        _check(st)

    def __enter__(self) -> "DB":
        self._handle()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_h", None) is not None:
                self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return "<shale.DB %r%s>" % (os.fsdecode(self._path), " closed" if self._h is None else "")

    # -- writes ---------------------------------------------------------------

    def put(self, key: bytes, value: BytesLike) -> None:
        """Set ``key`` to ``value`` (any bytes-like object). Durable per the
        db's sync mode when it returns."""
        key = key_arg(key)
        value = value_arg(value)
        _check(lib.shale_db_put(self._handle(), key, len(key), value, len(value)))

    def delete(self, key: bytes) -> None:
        """Remove ``key``. Idempotent: removing an absent key is not an error."""
        key = key_arg(key)
        _check(lib.shale_db_delete(self._handle(), key, len(key)))

    def __setitem__(self, key: bytes, value: BytesLike) -> None:
        """``db[key] = value``: same as :meth:`put`."""
        self.put(key, value)

    def __delitem__(self, key: bytes) -> None:
        """``del db[key]``: like a dict, raises :class:`NotFoundError` (a
        KeyError) if the key is absent; otherwise deletes it.

        The check and the delete are two steps: with concurrent writers the
        key may vanish in between, and then no error is raised. Use
        :meth:`delete` for an idempotent delete.
        """
        key = key_arg(key)
        if not _exists(self._handle(), None, key):
            raise _missing(key)
        self.delete(key)

    def write_batch(self) -> "WriteBatch":
        """A new :class:`WriteBatch` for this db (use it with ``with``)."""
        return WriteBatch(self)

    def sync(self) -> None:
        """Make everything written so far durable (fsync), whatever the sync mode."""
        _check(lib.shale_db_sync(self._handle()))

    # -- reads ----------------------------------------------------------------

    def snapshot(self) -> "Snapshot":
        """A :class:`Snapshot` of the current state (use it with ``with``)."""
        return Snapshot(self)

    def property(self, name: Union[str, bytes]) -> Optional[str]:
        """The named property as a str (e.g. ``"shale.sequence"``,
        ``"shale.path"``, ``"shale.recovery"``), or None for an unknown name."""
        if isinstance(name, str):
            bname = name.encode("utf-8")
        elif isinstance(name, bytes):
            bname = name
        else:
            raise TypeError("property name must be str or bytes")
        if b"\0" in bname:
            raise ValueError("property name contains a NUL byte")
        out = c_void_p()
        st = lib.shale_db_property(self._handle(), bname, byref(out))
        if st == NOT_FOUND:
            return None
        _check(st)
        try:
            raw = ctypes.string_at(out.value) if out.value else b""
        finally:
            lib.shale_free(out)
        return raw.decode("utf-8", "surrogateescape")

    # -- maintenance ------------------------------------------------------------

    def flush(self) -> None:
        """Write the in-memory table to a table file and wait until it is
        durable."""
        _check(lib.shale_db_flush(self._handle()))

    def compact_range(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        progress: maintenance.ProgressArg = None,
    ) -> None:
        """Compact the keys from ``start`` to ``stop`` *inclusive* (None:
        unbounded) down the levels, dropping overwritten versions and
        deletions no snapshot needs; flushes first.

        ``progress(done, total)`` (bytes) runs on this thread; return True
        to cancel (:class:`CancelledError`); an exception it raises stops
        the compaction and is re-raised here. ``progress=None`` shows a
        progress line when stderr is a terminal, ``True`` always,
        ``False`` never.
        """
        dbh = self._handle()
        b = key_arg(start, "start") if start is not None else None
        e = key_arg(stop, "stop") if stop is not None else None
        maintenance.run_sync(
            progress,
            "compact",
            lambda fn, user: lib.shale_db_compact_range(
                dbh, b, len(b) if b is not None else 0, e, len(e) if e is not None else 0, fn, user
            ),
        )

    def backup(self, dest: PathType, progress: maintenance.ProgressArg = None) -> None:
        """Write a consistent copy of the db, as of this call, into the
        directory ``dest`` (which must not exist or be empty); the copy
        opens as an ordinary db. ``progress`` as for :meth:`compact_range`.
        Raises :class:`ExistsError` if ``dest`` is not empty."""
        dbh = self._handle()
        bdest = _path_arg(dest, "dest")
        maintenance.run_sync(
            progress, "backup", lambda fn, user: lib.shale_db_backup(dbh, bdest, fn, user)
        )

    def verify(self, progress: maintenance.ProgressArg = None) -> str:
        """Read every file and check every checksum. Returns the report
        (what was checked). Raises :class:`CorruptionError` if anything is
        damaged; its ``.report`` lists every problem (file, offset, what).
        ``progress`` as for :meth:`compact_range`."""
        return maintenance.verify_sync(self._handle(), progress)

    def compact_range_async(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        progress: Optional[maintenance.ProgressFn] = None,
    ) -> "maintenance.Job":
        """:meth:`compact_range` on a thread of its own; returns a
        :class:`Job`. ``progress`` runs on the job's thread."""
        dbh = self._handle()
        b = key_arg(start, "start") if start is not None else None
        e = key_arg(stop, "stop") if stop is not None else None
        return maintenance.start_job(
            self,
            "compact",
            progress,
            lambda *a: lib.shale_db_compact_range_async(
                dbh, b, len(b) if b is not None else 0, e, len(e) if e is not None else 0, *a
            ),
        )

    def backup_async(
        self, dest: PathType, progress: Optional[maintenance.ProgressFn] = None
    ) -> "maintenance.Job":
        """:meth:`backup` on a thread of its own; returns a :class:`Job`."""
        dbh = self._handle()
        bdest = _path_arg(dest, "dest")
        return maintenance.start_job(
            self, "backup", progress, lambda *a: lib.shale_db_backup_async(dbh, bdest, *a)
        )

    def verify_async(
        self, progress: Optional[maintenance.ProgressFn] = None
    ) -> "maintenance.Job":
        """:meth:`verify` on a thread of its own; returns a :class:`Job`
        whose :meth:`Job.result` is the report."""
        dbh = self._handle()
        return maintenance.start_job(
            self, "verify", progress, lambda *a: lib.shale_db_verify_async(dbh, *a)
        )

    def stats(self) -> "maintenance.Stats":
        """The db's current figures (a frozen dataclass; counters run since
        the open). As text: ``db.property("shale.stats")``."""
        return maintenance.read_stats(self._handle())

    # -- subscriptions ----------------------------------------------------------

    def subscribe(
        self, prefix: bytes, fn: Callable[[int, bytes, Optional[bytes]], Any]
    ) -> "Subscription":
        """Call ``fn(kind, key, value)`` for every change made through this
        db to a key starting with ``prefix`` (``b""``: every key).

        ``kind`` is :data:`PUT` or :data:`DELETE` (``value`` is then None).
        ``fn`` runs on the thread that made the write, after it is durable
        and visible and before that write call returns; the entries of a
        batch arrive in batch order. It may read and write the db and call
        :meth:`Subscription.unsubscribe`, but must not close the db. An
        exception raised by ``fn`` cannot reach the writer: it is passed to
        :func:`sys.unraisablehook` and ignored.

        The subscription lasts until :meth:`Subscription.unsubscribe` or
        until the db is closed; the db keeps it alive meanwhile.
        """
        prefix = key_arg(prefix, "prefix")
        if not callable(fn):
            raise TypeError("subscribe() needs a callable fn(kind, key, value)")
        return Subscription(self, prefix, fn)


def _path_arg(path: PathType, name: str) -> bytes:
    b = os.fsencode(path)
    if b"\0" in b:
        raise ValueError("%s contains a NUL byte" % name)
    return b


# open() keywords that map one to one to a 0.2.0 field of shale_options.
_SIZING_FIELDS = (
    "write_buffer_size",
    "block_cache_capacity",
    "block_size",
    "bloom_bits_per_key",
    "max_open_files",
    "level0_compaction_trigger",
    "level0_slowdown_trigger",
    "level0_stop_trigger",
    "target_file_size",
    "level1_max_bytes",
    "level_size_multiplier",
)


def _make_logger(logger: LoggerType) -> Callable[[int, str], Any]:
    if isinstance(logger, logging.Logger):
        pylog = logger

        def forward(level: int, message: str) -> None:
            pylog.log(_PY_LOG_LEVELS.get(level, logging.ERROR), "%s", message)

        return forward
    if not callable(logger):
        raise TypeError("logger must be a callable(level, message) or a logging.Logger")
    return logger


def open(  # noqa: A001 - shale.open, like io.open
    path: PathType,
    *,
    create_if_missing: bool = True,
    error_if_exists: bool = False,
    read_only: bool = False,
    sync: str = "group",
    salvage: bool = False,
    logger: Optional[LoggerType] = None,
    log_level: int = LOG_INFO,
    write_buffer_size: Optional[int] = None,
    block_cache_capacity: Optional[int] = None,
    block_size: Optional[int] = None,
    bloom_bits_per_key: Optional[int] = None,
    max_open_files: Optional[int] = None,
    level0_compaction_trigger: Optional[int] = None,
    level0_slowdown_trigger: Optional[int] = None,
    level0_stop_trigger: Optional[int] = None,
    target_file_size: Optional[int] = None,
    level1_max_bytes: Optional[int] = None,
    level_size_multiplier: Optional[int] = None,
) -> DB:
    """Open (and by default create) the db in directory ``path``.

    Args:
        path: str, bytes or os.PathLike; passed to the library as bytes
            (``os.fsencode``), so any file name works.
        create_if_missing: create the directory if it does not exist.
        error_if_exists: fail with :class:`ExistsError` if it exists.
        read_only: writes raise :class:`ReadOnlyError`; nothing is changed.
        sync: ``"group"`` (group commit, survives power loss; the default),
            ``"every"`` (an fsync per write) or ``"none"`` (survives a crash
            of the process, not of the machine).
        salvage: skip unreadable data found during recovery instead of
            failing (see the ``"shale.recovery"`` property).
        logger: ``callable(level, message)`` or a :class:`logging.Logger`
            receiving the library's diagnostics. It may be called from
            library threads; its exceptions go to :func:`sys.unraisablehook`.
        log_level: the lowest level delivered (``LOG_DEBUG``..``LOG_ERROR``).

    Engine sizing (None keeps the library's default; ranges as in shale.h,
    a value out of range raises :class:`InvalidArgumentError` naming it):
        write_buffer_size: bytes gathered in memory before a table file is
            written (default 8 MiB, at least 64 KiB).
        block_cache_capacity: bytes of decoded blocks cached (default
            32 MiB; 0 disables the cache).
        block_size: table block size (default 4096; 256 B to 4 MiB).
        bloom_bits_per_key: bloom filter bits per key (default 10; 0 for
            none; at most 64).
        max_open_files: table files kept open (default 1000; at least 16).
        level0_compaction_trigger, level0_slowdown_trigger,
        level0_stop_trigger: level-0 file counts that start a compaction,
            slow writes, and stop writes (defaults 4, 8, 12; in that order).
        target_file_size: compaction output file size (default 4 MiB).
        level1_max_bytes: size of level 1 (default 64 MiB).
        level_size_multiplier: growth per level (default 10; 2 to 100).

    Raises :class:`LockedError` if the db is open already (one process, and
    one handle, at a time), :class:`IOError`, :class:`CorruptionError`,
    :class:`ExistsError`, :class:`InvalidArgumentError`.
    """
    bpath = os.fsencode(path)
    if b"\0" in bpath:
        raise ValueError("path contains a NUL byte")
    if sync not in _SYNC_MODES:
        raise ValueError("sync must be one of 'group', 'every', 'none', not %r" % (sync,))
    if not isinstance(log_level, int) or not LOG_DEBUG <= log_level <= LOG_ERROR + 1:
        raise ValueError("log_level must be one of shale.LOG_DEBUG..LOG_ERROR")
    opts = shale_options()
    _check(lib.shale_options_init(byref(opts), ctypes.sizeof(opts)))
    opts.create_if_missing = 1 if create_if_missing else 0
    opts.error_if_exists = 1 if error_if_exists else 0
    opts.read_only = 1 if read_only else 0
    opts.sync_mode = _SYNC_MODES[sync]
    opts.salvage = 1 if salvage else 0
    opts.log_level = log_level
    sizing = locals()
    for name in _SIZING_FIELDS:
        value = sizing[name]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
        bits = 8 * getattr(shale_options, name).size
        if not 0 <= value < 2**bits:
            raise ValueError("%s is out of range: %d" % (name, value))
        setattr(opts, name, value)
    token = None
    if logger is not None:
        token = _callbacks.register(_make_logger(logger))
        opts.logger = _callbacks.LOG
        opts.logger_user = token
        opts.logger_user_free = _callbacks.USER_FREE
    out = c_void_p()
    st = lib.shale_db_open(bpath, byref(opts), byref(out))
    if st != 0:
        # A failed open never calls logger_user_free: release the callback.
        _callbacks.unregister(token)
        _check(st)
    return DB(out.value, bpath, token)  # type: ignore[arg-type]


class WriteBatch:
    """Writes applied to a db atomically: all of them or none.

    Use it as a context manager: the batch is written when the block ends
    normally and discarded if it ends with an exception::

        with db.write_batch() as b:
            b.put(b"a", b"1")
            b.delete(b"b")

    Or call :meth:`write` yourself (the batch is then emptied and can be
    reused) and :meth:`close` it. A batch belongs to one thread at a time.
    """

    def __init__(self, db: DB) -> None:
        """Internal: use :meth:`DB.write_batch`."""
        self._h: Optional[int] = None
        self._db = db
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
        """Apply the batch to the db atomically, then empty it."""
        h = self._handle()
        _check(lib.shale_db_write(self._db._handle(), h))
        _check(lib.shale_batch_clear(h))

    def close(self) -> None:
        """Discard the batch without writing it. Idempotent."""
        h, self._h = self._h, None
        if h is not None:
            lib.shale_batch_free(h)

    @property
    def closed(self) -> bool:
        """True once the batch was written by its ``with`` block or closed."""
        return self._h is None

    def __enter__(self) -> "WriteBatch":
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


class Snapshot(_Reader):
    """A frozen, consistent view of a db: reads see exactly the writes
    acknowledged before it was taken.

    It has the read methods of :class:`DB` (``get``, ``[]``, ``in``,
    ``iterator``, ``keys``, ``values``, ``items``, ``scan``). Release it with
    :meth:`close` or a ``with`` block; it is released when collected too.
    Snapshots may be shared by threads.
    """

    def __init__(self, db: DB) -> None:
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

    def _owner(self) -> DB:
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
        self._handle()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Subscription:
    """A live change subscription, from :meth:`DB.subscribe`.

    Call :meth:`unsubscribe` (idempotent), or use it as a context manager,
    to end it; it also ends when the db is closed. After
    :meth:`unsubscribe` returns the callback is not running and is never
    called again (from inside the callback itself: not after it returns).
    The Python callback is kept alive until the library reports that the
    registration ended.
    """

    def __init__(self, db: DB, prefix: bytes, fn: Callable[..., Any]) -> None:
        """Internal: use :meth:`DB.subscribe`."""
        self._h: Optional[int] = None
        self._db = db
        self.prefix = prefix
        self.callback = fn
        token = _callbacks.register(fn)
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
        return self

    def __exit__(self, *exc: Any) -> None:
        self.unsubscribe()

    def __repr__(self) -> str:
        return "<shale.Subscription prefix=%r%s>" % (self.prefix, "" if self.active else " ended")

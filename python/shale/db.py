"""The database handle: :class:`DB` and :func:`open`."""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import byref, c_void_p
from typing import Any, Callable, Iterable, Optional, Union

from . import _callbacks, _many, job, options, stats
from . import progress as _progress
from ._lib import lib
from ._util import BytesLike, closed, key_arg, value_arg
from .batch import WriteBatch
from .errors import E_BUSY, NOT_FOUND, _check
from .options import PathType
from .reader import _MISSING, Reader, _get, exists, missing
from .snapshot import Snapshot
from .subscription import Subscription

__all__ = ["open", "DB"]


class DB(Reader):
    """An open shale database: ``shale.DB(path, **options)`` or
    :func:`shale.open` (same arguments).

    A DB behaves like a mutable mapping of bytes to bytes kept in key
    order: ``db[k]``, ``db[k] = v``, ``del db[k]``, ``k in db``,
    ``get``, iteration over keys, ``keys()``/``values()``/``items()`` over
    a range. There is no ``len(db)``: an exact count would need a full
    scan; ``db.stats().approximate_keys`` is a cheap estimate (it counts
    overwritten versions and deletions too).

    A DB may be shared by many threads. Use it as a context manager, or
    call :meth:`close` (idempotent); a DB that is garbage collected is
    closed then.
    """

    def __init__(self, path: PathType, **kwargs: Any) -> None:
        """Open (and by default create) the db in directory ``path``;
        see :func:`shale.open` for the options."""
        self._h: Optional[int] = None
        self._lock = threading.Lock()
        self._close_lock = threading.Lock()
        self._subs_strong: "set[Subscription]" = set()
        self._logger_token: Optional[int] = None
        bpath = options.path_arg(path)
        self._path = bpath
        opts, token = options.build(kwargs)
        out = c_void_p()
        st = lib.shale_db_open(bpath, byref(opts), byref(out))
        if st != 0:
            # A failed open never calls logger_user_free: release the callback.
            _callbacks.unregister(token)
            _check(st)
        self._logger_token = token
        self._h = out.value

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

    # -- point reads: Reader's, minus two method calls per read (the hot path)

    def get(self, key: bytes, default: Any = None) -> Any:
        """The value of ``key`` as bytes, or ``default`` if it is absent."""
        h = self._h
        if h is None:
            raise closed("db")
        return _get(h, None, key, default)

    def __getitem__(self, key: bytes) -> bytes:
        """``db[key]``: the value; :class:`NotFoundError` (a KeyError) if absent."""
        h = self._h
        if h is None:
            raise closed("db")
        v = _get(h, None, key, _MISSING)
        if v is _MISSING:
            raise missing(key)
        return v

    @property
    def path(self) -> bytes:
        """The path the db was opened with, as bytes (``os.fsencode``)."""
        return self._path

    @property
    def c_handle(self) -> int:
        """This open db's ``shale_db *``, as an int, for C code in this
        process: a C extension, or a shared library called through ctypes
        (``mylib.ingest(ctypes.c_void_p(db.c_handle))``).

        The C code uses it with the functions of ``shale.h`` as it would a
        handle it had opened itself: reads, writes, batches, snapshots,
        iterators, subscriptions, from any thread. It is the same db, not a
        second open: writes made through it are seen by this object at once
        and are delivered to its subscriptions (:meth:`subscribe`). The C
        code must be linked against ``libshale.so.1``, so that it shares the
        copy of the library this package loaded (:data:`shale.library_path`;
        a handle means nothing to another copy).

        Valid until :meth:`close`. The C code must not close it
        (``shale_db_close``): the db belongs to this object. Whatever the C
        code creates on it (snapshots, iterators, subscriptions) it frees
        itself. After the close the number is a dead handle: the library
        refuses it with ``SHALE_E_INVALID_HANDLE`` rather than crashing, and
        this property raises :class:`ClosedError`.
        """
        return self._handle()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._h is None

    def close(self) -> None:
        """Close the db. Idempotent.

        Waits for calls in flight on other threads, cancels and waits for
        background jobs, ends every subscription and releases the directory
        lock. Iterators, snapshots and batches still open raise
        :class:`ClosedError` afterwards (closing them still works; pins
        stay readable). Raises :class:`BusyError` if called from inside
        one of this db's callbacks (nothing is closed then).
        """
        # A second closer (or a callback closing its own db) returns at once.
        if not self._close_lock.acquire(blocking=False):
            return
        try:
            h = self._h
            if h is None:
                return
            st = lib.shale_db_close(h)
            if st == E_BUSY:  # from inside a callback; still open
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
        """Use the db in a ``with`` block; it is closed at the end."""
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
    # If a subscription callback raises during a write, the write has
    # happened and the exception is re-raised by the write method: while any
    # subscription is live, the C call runs inside _callbacks.binding_write
    # (see there). Without one, the C call is made directly: put's cost is
    # then one truth test of a set.

    def put(self, key: bytes, value: BytesLike) -> None:
        """Set ``key`` to ``value`` (any bytes-like object). Durable per the
        db's sync mode when it returns."""
        key = key_arg(key)
        value = value_arg(value)
        h = self._handle()
        if not _callbacks.live_subscriptions:
            _check(lib.shale_db_put(h, key, len(key), value, len(value)))
            return
        with _callbacks.binding_write():
            _check(lib.shale_db_put(h, key, len(key), value, len(value)))

    def delete(self, key: bytes) -> None:
        """Remove ``key``. Idempotent: removing an absent key is not an error."""
        key = key_arg(key)
        h = self._handle()
        if not _callbacks.live_subscriptions:
            _check(lib.shale_db_delete(h, key, len(key)))
            return
        with _callbacks.binding_write():
            _check(lib.shale_db_delete(h, key, len(key)))

    def put_many(self, items: "_many.Items") -> None:
        """Set many keys in one atomic write and one call into the library.

        ``items`` is a mapping or an iterable of ``(key, value)`` pairs;
        a later key wins over an earlier equal one. Every key and value is
        checked first: on an error nothing is written (the message names
        the index of the first bad item)."""
        _many.put_many(self._handle(), items)

    def delete_many(self, keys: Iterable[bytes]) -> None:
        """Remove many keys in one atomic write and one call into the library."""
        _many.delete_many(self._handle(), keys)

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
        if not exists(self._handle(), None, key):
            raise missing(key)
        self.delete(key)

    def write_batch(self) -> WriteBatch:
        """A new :class:`WriteBatch` for this db (use it with ``with``)."""
        return WriteBatch(self)

    def sync(self) -> None:
        """Make everything written so far durable (fsync), whatever the sync mode."""
        _check(lib.shale_db_sync(self._handle()))

    # -- reads ----------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """A :class:`Snapshot` of the current state (use it with ``with``)."""
        return Snapshot(self)

    def property(self, name: Union[str, bytes]) -> Optional[str]:
        """The named property as a str (e.g. ``"shale.sequence"``,
        ``"shale.path"``, ``"shale.recovery"``, ``"shale.stats"``), or None
        for an unknown name."""
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

    def stats(self) -> "stats.Stats":
        """The db's current figures (a frozen dataclass; counters run since
        the open), e.g. ``approximate_keys``. As text:
        ``db.property("shale.stats")``."""
        return stats.read_stats(self._handle())

    # -- maintenance ------------------------------------------------------------

    def flush(self) -> None:
        """Write the in-memory table to a table file and wait until it is
        durable."""
        _check(lib.shale_db_flush(self._handle()))

    def compact_range(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        progress: _progress.ProgressArg = None,
    ) -> None:
        """Compact the keys from ``start`` to ``stop`` *inclusive* (None:
        unbounded) down the levels, dropping overwritten versions and
        deletions no snapshot needs; flushes first.

        ``progress(done, total)`` (bytes) runs on this thread; return True
        to cancel (:class:`CancelledError`); an exception it raises stops
        the compaction and is re-raised here. ``progress=None`` shows a
        progress line on stderr when stderr is a terminal, ``True`` always,
        ``False`` never.
        """
        dbh = self._handle()
        b, e = _range_keys(start, stop)
        _progress.run_sync(
            progress,
            "compact",
            lambda fn, user: lib.shale_db_compact_range(
                dbh, b, len(b) if b is not None else 0, e, len(e) if e is not None else 0, fn, user
            ),
        )

    def backup(self, dest: PathType, progress: _progress.ProgressArg = None) -> None:
        """Write a consistent copy of the db, as of this call, into the
        directory ``dest`` (which must not exist or be empty); the copy
        opens as an ordinary db. ``progress`` as for :meth:`compact_range`.
        Raises :class:`ExistsError` if ``dest`` is not empty."""
        dbh = self._handle()
        bdest = options.path_arg(dest, "dest")
        _progress.run_sync(
            progress, "backup", lambda fn, user: lib.shale_db_backup(dbh, bdest, fn, user)
        )

    def verify(self, progress: _progress.ProgressArg = None) -> str:
        """Read every file and check every checksum. Returns the report
        (what was checked). Raises :class:`CorruptionError` if anything is
        damaged; its ``.report`` lists every problem (file, offset, what).
        ``progress`` as for :meth:`compact_range`."""
        return _progress.verify_sync(self._handle(), progress)

    def compact_range_async(
        self,
        start: Optional[bytes] = None,
        stop: Optional[bytes] = None,
        progress: _progress.ProgressArg = None,
    ) -> "job.Job":
        """:meth:`compact_range` on a thread of its own; returns a
        :class:`Job` (``wait()``, ``cancel()``, ``result()``, ``await``).
        ``progress`` runs on the job's thread; a background job draws no
        display unless ``progress=True``."""
        dbh = self._handle()
        b, e = _range_keys(start, stop)
        return job.start_job(
            self,
            "compact",
            progress,
            lambda *a: lib.shale_db_compact_range_async(
                dbh, b, len(b) if b is not None else 0, e, len(e) if e is not None else 0, *a
            ),
        )

    def backup_async(self, dest: PathType, progress: _progress.ProgressArg = None) -> "job.Job":
        """:meth:`backup` on a thread of its own; returns a :class:`Job`."""
        dbh = self._handle()
        bdest = options.path_arg(dest, "dest")
        return job.start_job(
            self, "backup", progress, lambda *a: lib.shale_db_backup_async(dbh, bdest, *a)
        )

    def verify_async(self, progress: _progress.ProgressArg = None) -> "job.Job":
        """:meth:`verify` on a thread of its own; returns a :class:`Job`
        whose :meth:`Job.result` is the report."""
        dbh = self._handle()
        return job.start_job(self, "verify", progress, lambda *a: lib.shale_db_verify_async(dbh, *a))

    # -- subscriptions ----------------------------------------------------------

    def subscribe(
        self, prefix: bytes, fn: Callable[[int, bytes, Optional[bytes]], Any]
    ) -> Subscription:
        """Call ``fn(kind, key, value)`` for every change made through this
        db to a key starting with ``prefix`` (``b""``: every key).

        ``kind`` is :data:`PUT` or :data:`DELETE` (``value`` is then None).
        ``fn`` runs on the thread that made the write, after it is durable
        and visible and before that write call returns; the entries of a
        batch arrive in batch order. It may read and write the db and call
        :meth:`Subscription.unsubscribe`, but must not close the db
        (:class:`BusyError`). If ``fn`` raises, the write has still
        happened; the exception is re-raised from the write method
        (``put``, ``delete``, ``put_many``, ``WriteBatch.write``...) that
        triggered it, after its C call returned, with a note saying so
        (further exceptions from the same write go to
        :func:`sys.unraisablehook`). During a write this package did not
        make (C code given :attr:`c_handle`) there is nobody to raise to:
        the exception goes to :func:`sys.unraisablehook` at once.

        The subscription lasts until :meth:`Subscription.unsubscribe` or
        until the db is closed; the db keeps it (and ``fn``) alive
        meanwhile.
        """
        prefix = key_arg(prefix, "prefix")
        if not callable(fn):
            raise TypeError("subscribe() needs a callable fn(kind, key, value)")
        return Subscription(self, prefix, fn)


def _range_keys(start: Optional[bytes], stop: Optional[bytes]) -> Any:
    b = key_arg(start, "start") if start is not None else None
    e = key_arg(stop, "stop") if stop is not None else None
    return b, e


def open(path: PathType, **kwargs: Any) -> DB:  # noqa: A001 - shale.open, like io.open
    """Open (and by default create) the db in directory ``path``.

    Args:
        path: str, bytes or os.PathLike; passed to the library as bytes
            (``os.fsencode``), so any file name works, UTF-8 or not.
        create_if_missing: create the directory if it does not exist
            (default True).
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
    one handle, at a time; the message names the path),
    :class:`IOError`, :class:`CorruptionError`, :class:`ExistsError`,
    :class:`InvalidArgumentError`; TypeError for an unknown option.
    """
    return DB(path, **kwargs)

"""Locating and loading libshale, and declaring its C ABI for ctypes.

This module is the only place that knows where the shared library lives and
what every function of ``include/shale.h`` looks like. It declares argtypes
and restype for *every* function of the header (including the ones the
package does not wrap yet), the callback types and mirrors of the public
structs, so that the raw ABI can be driven from Python (the ABI tests do).

Search order for the library (the first that loads wins):

1. ``$SHALE_LIBRARY`` — an explicit path to the shared object. If it is set
   and cannot be loaded, nothing else is tried.
2. the package's own directory (``libshale.so``, ``libshale.so.1``), for a
   wheel that bundles the library;
3. the build trees of a source checkout: walking up from the package
   directory to the repository root, ``<dir>/build/lib`` first, then every
   other ``<dir>/build*/lib``, most recently built first;
4. the system: ``ctypes.util.find_library("shale")`` and ``libshale.so.1``.

On failure :class:`ImportError` lists every place that was tried and why
it failed. A library whose ``shale_abi_version()`` is not
:data:`ABI_VERSION` is refused with an :class:`ImportError` naming both
versions and the path.
"""

from __future__ import annotations

import array
import ctypes
import ctypes.util
import glob
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_double,
    c_int,
    c_int64,
    c_int32,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import List, Optional, Tuple

__all__ = [
    "ABI_VERSION",
    "lib",
    "library_path",
    "find_candidates",
    "load",
    "shale_options",
    "shale_iter_options",
    "shale_log_fn",
    "shale_scan_fn",
    "shale_change_fn",
    "shale_user_free_fn",
    "shale_progress_fn",
    "shale_job_done_fn",
    "shale_stats",
    "STATS_LEVELS",
    "SINCE_0_3",
    "SINCE_0_4",
    "MISSING",
    "has",
    "size_t_array",
]

#: The ABI major this package is written for (SHALE_ABI_VERSION).
ABI_VERSION = 1

_NAMES = ("libshale.so", "libshale.so.1")

# ---------------------------------------------------------------------------
# Callback types (all take `void *user` first, see shale.h "Callbacks").
# Pointer arguments are declared c_void_p so that the trampolines receive a
# plain address (or None) and copy exactly `len` bytes themselves: keys and
# values may contain NUL bytes.
# ---------------------------------------------------------------------------

#: void (*shale_user_free_fn)(void *user)
shale_user_free_fn = CFUNCTYPE(None, c_void_p)
#: int (*shale_log_fn)(void *user, int32_t level, const char *message)
shale_log_fn = CFUNCTYPE(c_int, c_void_p, c_int32, c_void_p)
#: int (*shale_scan_fn)(void *user, const void *key, size_t key_len,
#:                      const void *value, size_t value_len)
shale_scan_fn = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t)
#: int (*shale_change_fn)(void *user, int32_t kind, const void *key,
#:                        size_t key_len, const void *value, size_t value_len)
shale_change_fn = CFUNCTYPE(
    c_int, c_void_p, c_int32, c_void_p, c_size_t, c_void_p, c_size_t
)


#: int (*shale_progress_fn)(void *user, uint64_t done, uint64_t total)
shale_progress_fn = CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint64)
#: int (*shale_job_done_fn)(void *user, int32_t status, const char *message)
shale_job_done_fn = CFUNCTYPE(c_int, c_void_p, c_int32, c_void_p)

#: SHALE_STATS_LEVELS
STATS_LEVELS = 7


class shale_options(Structure):
    """Mirror of ``struct shale_options`` (field order and types as in shale.h)."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("create_if_missing", c_uint32),
        ("error_if_exists", c_uint32),
        ("read_only", c_uint32),
        ("sync_mode", c_uint32),
        ("salvage", c_uint32),
        ("log_level", c_int32),
        ("logger", shale_log_fn),
        ("logger_user", c_void_p),
        ("logger_user_free", shale_user_free_fn),
        # Since 0.2.0.
        ("write_buffer_size", c_uint64),
        ("block_cache_capacity", c_uint64),
        ("block_size", c_uint32),
        ("bloom_bits_per_key", c_uint32),
        ("max_open_files", c_uint32),
        ("level0_compaction_trigger", c_uint32),
        ("level0_slowdown_trigger", c_uint32),
        ("level0_stop_trigger", c_uint32),
        ("target_file_size", c_uint64),
        ("level1_max_bytes", c_uint64),
        ("level_size_multiplier", c_uint32),
        ("reserved0", c_uint32),
    ]


class shale_stats(Structure):
    """Mirror of ``struct shale_stats`` (since 0.2.0)."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("approximate_keys", c_uint64),
        ("live_bytes", c_uint64),
        ("disk_bytes", c_uint64),
        ("level_files", c_uint64 * STATS_LEVELS),
        ("level_bytes", c_uint64 * STATS_LEVELS),
        ("memtable_bytes", c_uint64),
        ("cache_capacity", c_uint64),
        ("cache_usage", c_uint64),
        ("cache_hits", c_uint64),
        ("cache_misses", c_uint64),
        ("open_tables", c_uint64),
        ("flushes", c_uint64),
        ("compactions", c_uint64),
        ("compaction_bytes_read", c_uint64),
        ("compaction_bytes_written", c_uint64),
        ("flush_bytes_written", c_uint64),
        ("wal_bytes_written", c_uint64),
        ("user_bytes_written", c_uint64),
        ("bloom_checks", c_uint64),
        ("bloom_negatives", c_uint64),
        ("write_stalls", c_uint64),
        ("write_amplification", c_double),
    ]


class shale_iter_options(Structure):
    """Mirror of ``struct shale_iter_options`` (field order and types as in shale.h)."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("snapshot", c_void_p),
        ("lower_bound", c_void_p),
        ("lower_bound_len", c_size_t),
        ("upper_bound", c_void_p),
        ("upper_bound_len", c_size_t),
        ("prefix", c_void_p),
        ("prefix_len", c_size_t),
    ]


def size_t_array(n: int) -> "array.array[int]":
    """A zeroed ``array.array`` of ``n`` C ``size_t`` (for the _many calls)."""
    return array.array(_SIZE_T_CODE, bytes(n * ctypes.sizeof(c_size_t)))


_SIZE_T_CODE = next(
    c for c in ("L", "Q", "I") if array.array(c).itemsize == ctypes.sizeof(c_size_t)
)

#: SHALE_MISSING: the value_lens entry of a key that has no value.
MISSING_LEN = 2 ** (8 * ctypes.sizeof(c_size_t)) - 1

# Handles are opaque pointers; they are declared c_void_p everywhere so that
# any integer (including garbage, for the misuse tests) can be passed.
_h = c_void_p
_pp = POINTER(c_void_p)  # T **out, void **value, const void **key, char **out
_psz = POINTER(c_size_t)

# name: (restype, argtypes). Every function of include/shale.h, in header order.
SIGNATURES = {
    # Versions
    "shale_version": (c_char_p, []),
    "shale_version_number": (c_int32, []),
    "shale_abi_version": (c_int32, []),
    # Status codes and errors
    "shale_status_name": (c_char_p, [c_int32]),
    "shale_last_error": (c_char_p, []),
    "shale_last_errno": (c_int32, []),
    "shale_last_status": (c_int32, []),
    # Memory
    "shale_free": (None, [c_void_p]),
    # Options
    "shale_options_init": (c_int32, [POINTER(shale_options), c_size_t]),
    # Opening and closing
    "shale_db_open": (c_int32, [c_char_p, POINTER(shale_options), _pp]),
    "shale_db_close": (c_int32, [_h]),
    # Reads and writes
    "shale_db_put": (c_int32, [_h, c_void_p, c_size_t, c_void_p, c_size_t]),
    "shale_db_delete": (c_int32, [_h, c_void_p, c_size_t]),
    "shale_db_get": (c_int32, [_h, _h, c_void_p, c_size_t, _pp, _psz]),
    "shale_db_get_into": (
        c_int32,
        [_h, _h, c_void_p, c_size_t, c_void_p, c_size_t, _psz],
    ),
    # Since 0.3.0: a pinned read.
    "shale_db_get_pinned": (c_int32, [_h, _h, c_void_p, c_size_t, _pp, _pp, _psz]),
    "shale_pin_free": (c_int32, [_h]),
    "shale_db_exists": (c_int32, [_h, _h, c_void_p, c_size_t]),
    "shale_db_sync": (c_int32, [_h]),
    "shale_db_property": (c_int32, [_h, c_char_p, _pp]),
    # Maintenance (since 0.2.0)
    "shale_db_flush": (c_int32, [_h]),
    "shale_db_compact_range": (
        c_int32,
        [_h, c_void_p, c_size_t, c_void_p, c_size_t, shale_progress_fn, c_void_p],
    ),
    "shale_db_backup": (c_int32, [_h, c_char_p, shale_progress_fn, c_void_p]),
    "shale_db_verify": (c_int32, [_h, shale_progress_fn, c_void_p, _pp]),
    # Background jobs (since 0.2.0)
    "shale_db_compact_range_async": (
        c_int32,
        [
            _h,
            c_void_p,
            c_size_t,
            c_void_p,
            c_size_t,
            shale_progress_fn,
            shale_job_done_fn,
            c_void_p,
            shale_user_free_fn,
            _pp,
        ],
    ),
    "shale_db_backup_async": (
        c_int32,
        [
            _h,
            c_char_p,
            shale_progress_fn,
            shale_job_done_fn,
            c_void_p,
            shale_user_free_fn,
            _pp,
        ],
    ),
    "shale_db_verify_async": (
        c_int32,
        [_h, shale_progress_fn, shale_job_done_fn, c_void_p, shale_user_free_fn, _pp],
    ),
    "shale_job_wait": (c_int32, [_h, c_int64]),
    "shale_job_cancel": (c_int32, [_h]),
    "shale_job_status": (
        c_int32,
        [
            _h,
            POINTER(c_int32),
            POINTER(c_int32),
            POINTER(c_uint64),
            POINTER(c_uint64),
            _pp,
        ],
    ),
    "shale_job_free": (c_int32, [_h]),
    # Statistics (since 0.2.0)
    "shale_stats_init": (c_int32, [POINTER(shale_stats), c_size_t]),
    "shale_db_stats": (c_int32, [_h, POINTER(shale_stats)]),
    # Write batches
    "shale_batch_new": (c_int32, [_pp]),
    "shale_batch_free": (c_int32, [_h]),
    "shale_batch_put": (c_int32, [_h, c_void_p, c_size_t, c_void_p, c_size_t]),
    "shale_batch_delete": (c_int32, [_h, c_void_p, c_size_t]),
    "shale_batch_clear": (c_int32, [_h]),
    "shale_batch_count": (c_int32, [_h, _psz]),
    "shale_db_write": (c_int32, [_h, _h]),
    # Many keys in one call (since 0.3.0). Arrays (keys, key_lens, values,
    # value_lens) are declared c_void_p so that a bytes object, an address
    # (array.array.buffer_info()) or a ctypes array can be passed.
    "shale_db_get_many": (
        c_int32,
        [_h, _h, c_size_t, c_void_p, c_void_p, _pp, c_void_p, _psz],
    ),
    "shale_db_put_many": (
        c_int32,
        [_h, c_size_t, c_void_p, c_void_p, c_void_p, c_void_p],
    ),
    "shale_db_delete_many": (c_int32, [_h, c_size_t, c_void_p, c_void_p]),
    "shale_batch_put_many": (
        c_int32,
        [_h, c_size_t, c_void_p, c_void_p, c_void_p, c_void_p],
    ),
    "shale_batch_delete_many": (c_int32, [_h, c_size_t, c_void_p, c_void_p]),
    # Snapshots
    "shale_snapshot_new": (c_int32, [_h, _pp]),
    "shale_snapshot_free": (c_int32, [_h]),
    # Iterators
    "shale_iter_options_init": (c_int32, [POINTER(shale_iter_options), c_size_t]),
    "shale_iter_new": (c_int32, [_h, POINTER(shale_iter_options), _pp]),
    "shale_iter_free": (c_int32, [_h]),
    "shale_iter_first": (c_int32, [_h]),
    "shale_iter_last": (c_int32, [_h]),
    "shale_iter_seek": (c_int32, [_h, c_void_p, c_size_t]),
    "shale_iter_seek_for_prev": (c_int32, [_h, c_void_p, c_size_t]),
    "shale_iter_next": (c_int32, [_h]),
    "shale_iter_prev": (c_int32, [_h]),
    "shale_iter_valid": (c_int32, [_h]),
    "shale_iter_key": (c_int32, [_h, _pp, _psz]),
    "shale_iter_value": (c_int32, [_h, _pp, _psz]),
    # Since 0.3.0. lens: 2 * max_count size_t, passed as c_void_p.
    "shale_iter_next_many": (
        c_int32,
        [_h, c_int32, c_size_t, c_size_t, _pp, c_void_p, _psz],
    ),
    # Since 0.4.0. ptrs and lens: 2 * max_count pointers / size_t.
    "shale_iter_borrow_many": (
        c_int32,
        [_h, c_int32, c_size_t, c_size_t, c_void_p, c_void_p, _psz],
    ),
    # Scans
    "shale_db_scan": (
        c_int32,
        [_h, POINTER(shale_iter_options), c_uint32, shale_scan_fn, c_void_p],
    ),
    # Change subscriptions
    "shale_db_subscribe": (
        c_int32,
        [_h, c_void_p, c_size_t, shale_change_fn, c_void_p, shale_user_free_fn, _pp],
    ),
    "shale_unsubscribe": (c_int32, [_h]),
}


#: Functions added in 0.3.0. A library of the same ABI major but an older
#: minor version lacks them; the package then falls back to the older calls
#: (see :func:`has`) or raises :class:`shale.NotSupportedError`.
SINCE_0_3 = frozenset(
    (
        "shale_db_get_pinned",
        "shale_pin_free",
        "shale_db_get_many",
        "shale_db_put_many",
        "shale_db_delete_many",
        "shale_batch_put_many",
        "shale_batch_delete_many",
        "shale_iter_next_many",
    )
)

#: Functions added in 0.4.0 (missing from an older library of the same ABI
#: major; see :func:`has`).
SINCE_0_4 = frozenset(("shale_iter_borrow_many",))

#: Functions of :data:`SIGNATURES` the loaded library does not export
#: (only ever some of :data:`SINCE_0_3` and :data:`SINCE_0_4`).
MISSING: "set[str]" = set()


def has(name: str) -> bool:
    """Whether the loaded library exports ``name`` (a function of shale.h)."""
    return name not in MISSING


def _repo_root(start: str) -> Optional[str]:
    """The nearest ancestor of ``start`` that looks like the shale checkout."""
    d = start
    while True:
        if os.path.isfile(os.path.join(d, "include", "shale.h")) or os.path.exists(
            os.path.join(d, ".git")
        ):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _build_tree_candidates(pkg_dir: str) -> List[str]:
    out: List[str] = []
    root = _repo_root(pkg_dir)
    d = os.path.dirname(pkg_dir)
    while True:
        main = os.path.join(d, "build", "lib", "libshale.so")
        out.append(main)
        others = []
        for lib in glob.glob(os.path.join(d, "build*", "lib", "libshale.so")):
            if os.path.abspath(lib) != os.path.abspath(main):
                try:
                    mtime = os.path.getmtime(lib)
                except OSError:
                    mtime = 0.0
                others.append((-mtime, lib))
        out.extend(lib for _, lib in sorted(others))
        if root is None or os.path.abspath(d) == os.path.abspath(root):
            break
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return out


def find_candidates() -> List[Tuple[str, str]]:
    """The places to try, in order, as ``(kind, path_or_name)`` pairs.

    ``kind`` is ``"env"``, ``"package"``, ``"build"`` or ``"system"``.
    """
    env = os.environ.get("SHALE_LIBRARY")
    if env:
        return [("env", env)]
    pkg_dir = os.path.dirname(os.path.abspath(__file__))
    out: List[Tuple[str, str]] = []
    out.extend(("package", os.path.join(pkg_dir, n)) for n in _NAMES)
    out.extend(("build", p) for p in _build_tree_candidates(pkg_dir))
    found = ctypes.util.find_library("shale")
    if found:
        out.append(("system", found))
    out.append(("system", "libshale.so.1"))
    return out


def _declare(cdll: ctypes.CDLL, path: str) -> None:
    missing: List[str] = []
    optional: List[str] = []
    for name, (restype, argtypes) in SIGNATURES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            optional_since = name in SINCE_0_3 or name in SINCE_0_4
            (optional if optional_since else missing).append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    if missing:
        raise ImportError(
            "shale: the library at %s lacks functions of shale.h ABI %d: %s"
            % (path, ABI_VERSION, ", ".join(missing))
        )
    MISSING.update(optional)


def load() -> Tuple[ctypes.CDLL, str]:
    """Find, load and check libshale. Returns ``(cdll, path)``.

    Raises ImportError listing every place tried, or naming both versions
    when the library's ABI major differs from :data:`ABI_VERSION`.
    """
    tried: List[str] = []
    for kind, cand in find_candidates():
        if kind in ("package", "build") and not os.path.exists(cand):
            tried.append("%s (%s): no such file" % (cand, kind))
            continue
        try:
            cdll = ctypes.CDLL(cand)
        except OSError as e:
            tried.append("%s (%s): %s" % (cand, kind, e))
            continue
        path = cand
        if kind != "system" or os.path.sep in cand:
            path = os.path.abspath(cand)
        try:
            abi = cdll.shale_abi_version
        except AttributeError:
            tried.append("%s (%s): not a shale library (no shale_abi_version)" % (cand, kind))
            continue
        abi.restype = c_int32
        abi.argtypes = []
        got = abi()
        if got != ABI_VERSION:
            raise ImportError(
                "shale: the library at %s has ABI version %d, but this package "
                "needs ABI version %d" % (path, got, ABI_VERSION)
            )
        _declare(cdll, path)
        return cdll, path
    raise ImportError(
        "shale: cannot load libshale; set SHALE_LIBRARY to the path of "
        "libshale.so or build it (cmake --build build). Looked in:\n  "
        + "\n  ".join(tried)
    )


lib, library_path = load()

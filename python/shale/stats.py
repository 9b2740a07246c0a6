"""Statistics of a db (:class:`Stats`, from ``shale_db_stats``)."""

from __future__ import annotations

import ctypes
import dataclasses
from ctypes import byref
from typing import Tuple

from . import _lib
from ._lib import lib
from .errors import _check

__all__ = ["Stats", "read_stats"]


@dataclasses.dataclass(frozen=True)
class Stats:
    """The figures of ``shale_db_stats`` (counters run since the open)."""

    approximate_keys: int
    live_bytes: int
    disk_bytes: int
    level_files: Tuple[int, ...]
    level_bytes: Tuple[int, ...]
    memtable_bytes: int
    cache_capacity: int
    cache_usage: int
    cache_hits: int
    cache_misses: int
    open_tables: int
    flushes: int
    compactions: int
    compaction_bytes_read: int
    compaction_bytes_written: int
    flush_bytes_written: int
    wal_bytes_written: int
    user_bytes_written: int
    bloom_checks: int
    bloom_negatives: int
    write_stalls: int
    write_amplification: float


def read_stats(dbh: int) -> Stats:
    s = _lib.shale_stats()
    _check(lib.shale_stats_init(byref(s), ctypes.sizeof(s)))
    _check(lib.shale_db_stats(dbh, byref(s)))
    values = {}
    for f in dataclasses.fields(Stats):
        v = getattr(s, f.name)
        if f.name in ("level_files", "level_bytes"):
            v = tuple(int(x) for x in v)
        values[f.name] = v
    return Stats(**values)

"""The options of :func:`shale.open`, turned into a ``shale_options``."""

from __future__ import annotations

import ctypes
import logging
import os
from ctypes import byref
from typing import Any, Callable, Dict, Optional, Tuple, Union

from . import _callbacks
from ._lib import shale_options
from .errors import _check

__all__ = [
    "PathType",
    "LoggerType",
    "LOG_DEBUG",
    "LOG_INFO",
    "LOG_WARN",
    "LOG_ERROR",
    "path_arg",
    "build",
]

#: Log levels (SHALE_LOG_*), as passed to a logger callback.
LOG_DEBUG = 0
LOG_INFO = 1
LOG_WARN = 2
LOG_ERROR = 3

PathType = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
LoggerType = Union[Callable[[int, str], Any], logging.Logger]

_SYNC_MODES = {"none": 0, "every": 1, "group": 2}
_PY_LOG_LEVELS = {
    LOG_DEBUG: logging.DEBUG,
    LOG_INFO: logging.INFO,
    LOG_WARN: logging.WARNING,
    LOG_ERROR: logging.ERROR,
}

#: open() keywords that map one to one to a 0.2.0 field of shale_options.
SIZING_FIELDS = (
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

#: Every keyword :func:`shale.open` accepts, with its default.
DEFAULTS: Dict[str, Any] = dict(
    create_if_missing=True,
    error_if_exists=False,
    read_only=False,
    sync="group",
    salvage=False,
    logger=None,
    log_level=LOG_INFO,
    **{name: None for name in SIZING_FIELDS},
)


def path_arg(path: Any, name: str = "path") -> bytes:
    """A path (str, bytes or os.PathLike) as bytes, via :func:`os.fsencode`."""
    try:
        b = os.fsencode(path)
    except TypeError:
        raise TypeError(
            "%s must be str, bytes or os.PathLike, not %s" % (name, type(path).__name__)
        ) from None
    if not b:
        raise ValueError("%s is empty" % name)
    if b"\0" in b:
        raise ValueError("%s contains a NUL byte" % name)
    return b


def _make_logger(logger: LoggerType) -> Callable[[int, str], Any]:
    if isinstance(logger, logging.Logger):
        pylog = logger

        def forward(level: int, message: str) -> None:
            pylog.log(_PY_LOG_LEVELS.get(level, logging.ERROR), "%s", message)

        return forward
    if not callable(logger):
        raise TypeError("logger must be a callable(level, message) or a logging.Logger")
    return logger


def build(kwargs: Dict[str, Any]) -> Tuple[shale_options, Optional[int]]:
    """``(options, logger token)`` from :func:`shale.open`'s keywords.

    The logger, if any, is registered under the returned token; the caller
    unregisters it if the open fails (the library then never calls
    ``logger_user_free``)."""
    unknown = set(kwargs) - set(DEFAULTS)
    if unknown:
        raise TypeError(
            "shale.open() got unknown option(s): %s (known: %s)"
            % (", ".join(sorted(unknown)), ", ".join(DEFAULTS))
        )
    kw = dict(DEFAULTS, **kwargs)
    sync = kw["sync"]
    if sync not in _SYNC_MODES:
        raise ValueError("sync must be one of 'group', 'every', 'none', not %r" % (sync,))
    log_level = kw["log_level"]
    if isinstance(log_level, bool) or not isinstance(log_level, int) or not LOG_DEBUG <= log_level <= LOG_ERROR + 1:
        raise ValueError("log_level must be one of shale.LOG_DEBUG..LOG_ERROR")
    opts = shale_options()
    _check(lib_options_init(opts))
    opts.create_if_missing = 1 if kw["create_if_missing"] else 0
    opts.error_if_exists = 1 if kw["error_if_exists"] else 0
    opts.read_only = 1 if kw["read_only"] else 0
    opts.sync_mode = _SYNC_MODES[sync]
    opts.salvage = 1 if kw["salvage"] else 0
    opts.log_level = log_level
    for name in SIZING_FIELDS:
        value = kw[name]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
        bits = 8 * getattr(shale_options, name).size
        if not 0 <= value < 2**bits:
            raise ValueError("%s is out of range: %d" % (name, value))
        setattr(opts, name, value)
    token = None
    if kw["logger"] is not None:
        token = _callbacks.register(_make_logger(kw["logger"]))
        opts.logger = _callbacks.LOG
        opts.logger_user = token
        opts.logger_user_free = _callbacks.USER_FREE
    return opts, token


def lib_options_init(opts: shale_options) -> int:
    """shale_options_init with this package's sizeof(shale_options)."""
    from ._lib import lib

    return lib.shale_options_init(byref(opts), ctypes.sizeof(opts))

"""shale: an embedded, crash-safe, ordered key-value store (Python binding).

Pure ctypes over libshale's stable C ABI (``include/shale.h``)::

    import shale
    with shale.open("/tmp/db") as db:
        db[b"k"] = b"v"
        with db.write_batch() as b:
            b.put(b"a", b"1")
            b.delete(b"k")
        for key, value in db.items(prefix=b"a"):
            ...
        db.put_many({b"x": b"1", b"y": b"2"})   # one call into the library
        print(db.get_many([b"x", b"y", b"z"]))  # [b'1', b'2', None]

There is no ``len(db)`` (an exact count needs a full scan);
``db.stats().approximate_keys`` is a cheap estimate. See docs/python.md.

Keys are bytes; values are any bytes-like object and come back as bytes.
Set ``SHALE_LIBRARY`` to choose the shared library explicitly (see
:mod:`shale._lib` for the search order).
"""

from ._lib import ABI_VERSION, lib as _cdll, library_path
from .batch import WriteBatch
from .db import DB, open
from . import errors as _errors
from .errors import *  # noqa: F401,F403  (listed in errors.__all__)
from .iterator import Iterator
from .job import Job
from .options import LOG_DEBUG, LOG_ERROR, LOG_INFO, LOG_WARN
from .pin import Pin
from .snapshot import Snapshot
from .stats import Stats
from .subscription import DELETE, PUT, Subscription

#: The version of the loaded libshale ("MAJOR.MINOR.PATCH", from shale_version()).
__version__: str = _cdll.shale_version().decode("ascii")
#: The loaded library's SHALE_VERSION_NUMBER (major * 10000 + minor * 100 + patch).
version_number: int = int(_cdll.shale_version_number())

#: Limits of the C API (SHALE_MAX_KEY_SIZE, ..._VALUE_SIZE, ..._BATCH_SIZE).
MAX_KEY_SIZE = 65536
MAX_VALUE_SIZE = 256 * 1024 * 1024
MAX_BATCH_SIZE = 1024 * 1024 * 1024

__all__ = [
    "open",
    "DB",
    "WriteBatch",
    "Snapshot",
    "Subscription",
    "Iterator",
    "Pin",
    "PUT",
    "DELETE",
    "LOG_DEBUG",
    "LOG_INFO",
    "LOG_WARN",
    "LOG_ERROR",
    "MAX_KEY_SIZE",
    "MAX_VALUE_SIZE",
    "MAX_BATCH_SIZE",
    "ABI_VERSION",
    "library_path",
    "version_number",
    "Job",
    "Stats",
]
# Every exception class, STATUS_NAMES and error_class, from one list.
__all__ += _errors.__all__

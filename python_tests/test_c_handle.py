"""DB.c_handle: the open db handed to C code in the same process.

The C side is the library itself, called through a ctypes.CDLL of our own
(as a C extension or a ctypes-loaded module would call it), not through the
package's private declarations.
"""

import ctypes
from ctypes import byref, c_int32, c_size_t, c_void_p

import pytest

import shale

SHALE_OK = 0
SHALE_NOT_FOUND = 1
SHALE_E_INVALID_HANDLE = -2


@pytest.fixture
def clib():
    """libshale as C code sees it: the copy the package loaded (same file,
    so the same library in the process), with our own prototypes."""
    c = ctypes.CDLL(shale.library_path)
    c.shale_db_put.restype = c_int32
    c.shale_db_put.argtypes = [c_void_p, c_void_p, c_size_t, c_void_p, c_size_t]
    c.shale_db_delete.restype = c_int32
    c.shale_db_delete.argtypes = [c_void_p, c_void_p, c_size_t]
    c.shale_db_get_into.restype = c_int32
    c.shale_db_get_into.argtypes = [
        c_void_p,
        c_void_p,
        c_void_p,
        c_size_t,
        c_void_p,
        c_size_t,
        ctypes.POINTER(c_size_t),
    ]
    return c


def c_get(clib, handle, key):
    """shale_db_get_into from C: (status, value or None)."""
    buf = ctypes.create_string_buffer(256)
    needed = c_size_t()
    st = clib.shale_db_get_into(c_void_p(handle), None, key, len(key), buf, len(buf), byref(needed))
    return st, (buf.raw[: needed.value] if st == SHALE_OK else None)


def test_c_handle_is_a_stable_int(db):
    h = db.c_handle
    assert isinstance(h, int) and h != 0
    assert db.c_handle == h
    with pytest.raises(AttributeError):
        db.c_handle = 1


def test_c_reads_what_python_wrote(db, clib):
    db[b"lang:python"] = b"hello from Python"
    assert c_get(clib, db.c_handle, b"lang:python") == (SHALE_OK, b"hello from Python")
    assert c_get(clib, db.c_handle, b"lang:c") == (SHALE_NOT_FOUND, None)


def test_python_reads_what_c_wrote(db, clib):
    h = c_void_p(db.c_handle)
    assert clib.shale_db_put(h, b"lang:c", 6, b"hello from C", 12) == SHALE_OK
    assert db[b"lang:c"] == b"hello from C"
    assert clib.shale_db_delete(h, b"lang:c", 6) == SHALE_OK
    assert b"lang:c" not in db


def test_c_writes_reach_python_subscriptions(db, clib):
    events = []
    db.subscribe(b"lang:", lambda kind, k, v: events.append((kind, k, v)))
    h = c_void_p(db.c_handle)
    assert clib.shale_db_put(h, b"lang:c", 6, b"C", 1) == SHALE_OK
    assert clib.shale_db_put(h, b"other", 5, b"x", 1) == SHALE_OK
    assert clib.shale_db_delete(h, b"lang:c", 6) == SHALE_OK
    assert events == [(shale.PUT, b"lang:c", b"C"), (shale.DELETE, b"lang:c", None)]


def test_c_handle_after_close(db_path, clib):
    db = shale.open(db_path, sync="none")
    db[b"k"] = b"v"
    h = db.c_handle
    assert c_get(clib, h, b"k") == (SHALE_OK, b"v")
    db.close()
    with pytest.raises(shale.ClosedError):
        db.c_handle
    # The old number is a dead handle: refused, never a crash.
    assert c_get(clib, h, b"k") == (SHALE_E_INVALID_HANDLE, None)
    assert clib.shale_db_put(c_void_p(h), b"k", 1, b"w", 1) == SHALE_E_INVALID_HANDLE
    with shale.open(db_path) as again:
        assert again[b"k"] == b"v"

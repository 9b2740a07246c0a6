"""Misuse of the raw C ABI must never crash the process.

A crash would kill pytest itself, so the dangerous sequences run in a child
interpreter; the test asserts the child exited 0 (no signal) and that every
call returned the documented status.
"""

import os

import pytest

from conftest import assert_clean_exit, run_python

PRELUDE = r"""
import ctypes, os, sys
from ctypes import byref, c_size_t, c_void_p, sizeof
from shale._lib import lib, shale_options, shale_iter_options, shale_change_fn, shale_user_free_fn
OK, NOT_FOUND, E_INVAL, E_HANDLE, E_CLOSED = 0, 1, -1, -2, -3
failures = []
def expect(got, want, what):
    if got != want:
        failures.append("%s: got %s want %s (%s)" % (what, got, want, lib.shale_last_error()))
def expect_in(got, wants, what):
    if got not in wants:
        failures.append("%s: got %s want one of %s" % (what, got, wants))
def open_db(path):
    o = shale_options(); lib.shale_options_init(byref(o), sizeof(o)); o.sync_mode = 0
    h = c_void_p()
    st = lib.shale_db_open(os.fsencode(path), byref(o), byref(h))
    assert st == OK, lib.shale_last_error()
    return h.value
def done():
    if failures:
        print("\n".join(failures)); sys.exit(1)
    sys.exit(0)
"""

GARBAGE = [
    0x1,
    0x10,
    0xDEADBEEF,
    0xDEADBEEFDEADBEEF,
    0xFFFFFFFFFFFFFFFF,
    0x7FFFFFFFFFFFFFFF,
    0x0000000100000001,
    0xFFFFFFFF00000000,
]


def run(code, db_path):
    proc = run_python(PRELUDE + code, env={"DB_PATH": db_path})
    assert_clean_exit(proc)


def test_garbage_handles_everywhere(db_path):
    run(
        r"""
GARBAGE = %r
h = open_db(os.environ["DB_PATH"])
for g in GARBAGE:
    g = c_void_p(g)
    v, n = c_void_p(), c_size_t()
    expect(lib.shale_db_put(g, b"k", 1, b"v", 1), E_HANDLE, "put")
    expect(lib.shale_db_delete(g, b"k", 1), E_HANDLE, "delete")
    expect(lib.shale_db_get(g, None, b"k", 1, byref(v), byref(n)), E_HANDLE, "get")
    expect(v.value, None, "get out")
    expect(lib.shale_db_get(h, g, b"k", 1, byref(v), byref(n)), E_HANDLE, "get bad snapshot")
    expect(lib.shale_db_get_into(g, None, b"k", 1, None, 0, byref(n)), E_HANDLE, "get_into")
    expect(lib.shale_db_exists(g, None, b"k", 1), E_HANDLE, "exists")
    expect(lib.shale_db_sync(g), E_HANDLE, "sync")
    expect(lib.shale_db_property(g, b"shale.path", byref(v)), E_HANDLE, "property")
    expect(lib.shale_db_write(g, g), E_HANDLE, "write")
    expect(lib.shale_snapshot_new(g, byref(v)), E_HANDLE, "snapshot_new")
    expect(lib.shale_iter_new(g, None, byref(v)), E_HANDLE, "iter_new")
    for f in ("first", "last", "next", "prev", "valid", "free"):
        expect(getattr(lib, "shale_iter_" + f)(g), E_HANDLE, "iter_" + f)
    expect(lib.shale_iter_seek(g, b"a", 1), E_HANDLE, "seek")
    expect(lib.shale_iter_seek_for_prev(g, b"a", 1), E_HANDLE, "seek_for_prev")
    expect(lib.shale_iter_key(g, byref(v), byref(n)), E_HANDLE, "iter_key")
    expect(lib.shale_iter_value(g, byref(v), byref(n)), E_HANDLE, "iter_value")
    for f in ("free", "clear"):
        expect(getattr(lib, "shale_batch_" + f)(g), E_HANDLE, "batch_" + f)
    expect(lib.shale_batch_put(g, b"k", 1, b"v", 1), E_HANDLE, "batch_put")
    expect(lib.shale_batch_delete(g, b"k", 1), E_HANDLE, "batch_delete")
    expect(lib.shale_batch_count(g, byref(n)), E_HANDLE, "batch_count")
    expect(lib.shale_snapshot_free(g), E_HANDLE, "snapshot_free")
    expect(lib.shale_unsubscribe(g), E_HANDLE, "unsubscribe")
    expect(lib.shale_db_scan(g, None, 0, lib.shale_db_scan.argtypes[3](lambda *a: 0), None), E_HANDLE, "scan")
    expect(lib.shale_db_close(g), E_HANDLE, "close")
    io = shale_iter_options(); lib.shale_iter_options_init(byref(io), sizeof(io)); io.snapshot = g.value
    expect_in(lib.shale_iter_new(h, byref(io), byref(v)), (E_HANDLE, E_INVAL), "iter_new bad snapshot")
    expect(v.value, None, "iter_new out")
    expect(lib.shale_last_error() is not None, True, "last_error")
expect(lib.shale_db_put(h, b"k", 1, b"v", 1), OK, "db still works")
expect(lib.shale_db_close(h), OK, "close")
done()
"""
        % (GARBAGE,),
        db_path,
    )


def test_double_free_and_use_after_free(db_path):
    run(
        r"""
h = open_db(os.environ["DB_PATH"])
lib.shale_db_put(h, b"a", 1, b"1", 1)
it, b, s = c_void_p(), c_void_p(), c_void_p()
expect(lib.shale_iter_new(h, None, byref(it)), OK, "iter_new")
expect(lib.shale_batch_new(byref(b)), OK, "batch_new")
expect(lib.shale_snapshot_new(h, byref(s)), OK, "snapshot_new")
expect(lib.shale_iter_free(it), OK, "iter_free")
expect(lib.shale_iter_free(it), E_HANDLE, "iter double free")
expect(lib.shale_iter_first(it), E_HANDLE, "iter use after free")
expect(lib.shale_batch_free(b), OK, "batch_free")
expect(lib.shale_batch_free(b), E_HANDLE, "batch double free")
expect(lib.shale_batch_put(b, b"k", 1, b"v", 1), E_HANDLE, "batch use after free")
expect(lib.shale_snapshot_free(s), OK, "snapshot_free")
expect(lib.shale_snapshot_free(s), E_HANDLE, "snapshot double free")
v, n = c_void_p(), c_size_t()
expect(lib.shale_db_get(h, s, b"a", 1, byref(v), byref(n)), E_HANDLE, "get with freed snapshot")
# a new object may reuse the slot: the old handle must still be refused
it2 = c_void_p()
expect(lib.shale_iter_new(h, None, byref(it2)), OK, "iter_new again")
expect(lib.shale_iter_first(it), E_HANDLE, "stale generation")
expect(lib.shale_iter_first(it2), OK, "new iter works")
expect(lib.shale_db_close(h), OK, "close")
expect(lib.shale_db_close(h), E_HANDLE, "double close")
expect(lib.shale_db_put(h, b"k", 1, b"v", 1), E_HANDLE, "put after close")
expect(lib.shale_iter_next(it2), E_CLOSED, "child after close")
expect(lib.shale_iter_free(it2), OK, "child free after close")
# churn: many handles created and freed, stale ones always refused
h = open_db(os.environ["DB_PATH"])
stale = []
for i in range(2000):
    x = c_void_p()
    lib.shale_iter_new(h, None, byref(x))
    lib.shale_iter_free(x)
    stale.append(x.value)
for x in stale[::97]:
    expect(lib.shale_iter_next(x), E_HANDLE, "stale iter")
expect(lib.shale_db_close(h), OK, "close 2")
done()
""",
        db_path,
    )


def test_null_everything(db_path):
    run(
        r"""
h = open_db(os.environ["DB_PATH"])
v, n = c_void_p(), c_size_t()
expect(lib.shale_db_open(None, None, None), E_INVAL, "open all NULL")
expect(lib.shale_db_get(h, None, None, 0, None, None), E_INVAL, "get NULL outs")
expect(lib.shale_db_get_into(h, None, b"k", 1, None, 10, byref(n)), E_INVAL, "get_into NULL buf with capacity")
expect(lib.shale_db_property(h, None, None), E_INVAL, "property NULLs")
expect(lib.shale_iter_new(h, None, None), E_INVAL, "iter_new NULL out")
expect(lib.shale_snapshot_new(h, None), E_INVAL, "snapshot_new NULL out")
expect(lib.shale_batch_new(None), E_INVAL, "batch_new NULL out")
expect(lib.shale_db_subscribe(h, None, 0, shale_change_fn(0), None, shale_user_free_fn(0), byref(v)), E_INVAL, "subscribe NULL fn")
expect(lib.shale_db_subscribe(h, None, 0, shale_change_fn(lambda *a: 0), None, shale_user_free_fn(0), None), E_INVAL, "subscribe NULL out")
expect(lib.shale_db_scan(h, None, 0, lib.shale_db_scan.argtypes[3](0), None), E_INVAL, "scan NULL fn")
expect_in(lib.shale_db_scan(h, None, 99, lib.shale_db_scan.argtypes[3](lambda *a: 0), None), (OK, E_INVAL), "scan bad flags")
io = shale_iter_options(); lib.shale_iter_options_init(byref(io), sizeof(io))
io.lower_bound_len = 5  # NULL pointer with a length
expect(lib.shale_iter_new(h, byref(io), byref(v)), E_INVAL, "iter_new NULL bound with length")
io = shale_iter_options(); lib.shale_iter_options_init(byref(io), sizeof(io)); io.struct_size = 1
expect(lib.shale_iter_new(h, byref(io), byref(v)), E_INVAL, "iter_new tiny struct_size")
big = b"x" * 65537
io = shale_iter_options(); lib.shale_iter_options_init(byref(io), sizeof(io))
buf = ctypes.create_string_buffer(big, len(big)); io.upper_bound = ctypes.addressof(buf); io.upper_bound_len = len(big)
expect(lib.shale_iter_new(h, byref(io), byref(v)), E_INVAL, "iter_new oversize bound")
expect(lib.shale_db_put(h, b"k", 2**63, b"v", 1), E_INVAL, "huge key length")
expect(lib.shale_db_put(h, b"k", 1, b"v", 2**62), E_INVAL, "huge value length")
expect(lib.shale_options_init(None, 0), E_INVAL, "options_init NULL")
lib.shale_free(None)
expect(lib.shale_db_close(h), OK, "close")
done()
""",
        db_path,
    )


def test_cross_db_snapshot(tmp_path):
    run(
        r"""
a = open_db(os.environ["DB_PATH"] + "a"); b = open_db(os.environ["DB_PATH"] + "b")
s, v, n = c_void_p(), c_void_p(), c_size_t()
expect(lib.shale_snapshot_new(a, byref(s)), OK, "snapshot")
expect(lib.shale_db_get(b, s, b"k", 1, byref(v), byref(n)), E_INVAL, "snapshot of another db")
io = shale_iter_options(); lib.shale_iter_options_init(byref(io), sizeof(io)); io.snapshot = s.value
expect(lib.shale_iter_new(b, byref(io), byref(v)), E_INVAL, "iter with snapshot of another db")
lib.shale_snapshot_free(s)
lib.shale_db_close(a); lib.shale_db_close(b)
done()
""",
        str(tmp_path / "db"),
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_handle_in_forked_child(db_path):
    proc = run_python(
        PRELUDE
        + r"""
import signal
h = open_db(os.environ["DB_PATH"])
pid = os.fork()
if pid == 0:
    signal.alarm(5)  # a hang in the child becomes SIGALRM
    st = lib.shale_db_put(h, b"k", 1, b"v", 1)
    os._exit(0 if st == -15 else 10 + abs(st))
_, status = os.waitpid(pid, 0)
if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
    print("the child hung instead of returning SHALE_E_FORKED"); sys.exit(3)
expect(os.WIFEXITED(status) and os.WEXITSTATUS(status), 0, "child saw SHALE_E_FORKED (status %r)" % status)
expect(lib.shale_db_put(h, b"k", 1, b"v", 1), OK, "parent still works")
lib.shale_db_close(h)
done()
""",
        env={"DB_PATH": db_path},
    )
    assert_clean_exit(proc)

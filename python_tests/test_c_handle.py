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


# -- a subscription callback that raises during a write C code made ------------
# Nobody can catch it there (an exception cannot cross C), so it goes to
# sys.unraisablehook at once and is never kept: the thread's next write
# through the package must not raise it.


class Boom(Exception):
    pass


def catch_unraisable(monkeypatch):
    """The list of what reaches sys.unraisablehook from now on. Called in
    the test body: pytest installs its own hook around the call phase."""
    seen = []
    monkeypatch.setattr("sys.unraisablehook", lambda args: seen.append(args))
    return seen


def raising(prefix_seen):
    def fn(kind, k, v):
        prefix_seen.append(k)
        raise Boom("callback saw %r" % k)

    return fn


def test_raise_during_c_write_is_reported_not_kept(db, clib, monkeypatch):
    hooked = catch_unraisable(monkeypatch)
    calls = []
    fn = raising(calls)
    db.subscribe(b"c:", fn)
    h = c_void_p(db.c_handle)
    assert clib.shale_db_put(h, b"c:1", 3, b"C", 1) == SHALE_OK
    assert calls == [b"c:1"]
    assert db[b"c:1"] == b"C"  # the write happened
    assert len(hooked) == 1
    rep = hooked[0]
    assert rep.exc_type is Boom and "c:1" in str(rep.exc_value)
    assert rep.object is fn
    assert "subscription callback" in rep.err_msg and "not made through" in rep.err_msg
    # The thread's next, unrelated writes through the package do not raise it.
    db.put(b"py:1", b"1")
    db.delete(b"py:1")
    db.put_many({b"py:2": b"2"})
    db.delete_many([b"py:2"])
    with db.write_batch() as b:
        b.put(b"py:3", b"3")
    assert calls == [b"c:1"] and len(hooked) == 1
    # A C delete is reported the same way.
    assert clib.shale_db_delete(h, b"c:1", 3) == SHALE_OK
    assert calls == [b"c:1", b"c:1"] and len(hooked) == 2
    db.put(b"py:4", b"4")


def test_raise_during_binding_write_still_raises_from_it(db, clib, monkeypatch):
    hooked = catch_unraisable(monkeypatch)
    calls = []
    db.subscribe(b"c:", raising(calls))
    assert clib.shale_db_put(c_void_p(db.c_handle), b"c:1", 3, b"C", 1) == SHALE_OK
    with pytest.raises(Boom, match="c:2") as info:
        db.put(b"c:2", b"2")  # this write's own callback: raised by it
    assert any("the write itself succeeded" in n for n in getattr(info.value, "__notes__", []))
    assert db[b"c:2"] == b"2"
    with pytest.raises(Boom, match="c:3"):
        with db.write_batch() as b:
            b.put(b"c:3", b"3")
    assert calls == [b"c:1", b"c:2", b"c:3"]
    assert len(hooked) == 1  # only the C write's


def test_c_write_from_another_thread_during_a_binding_write(db, clib, monkeypatch):
    """The mark "inside a write of the package" is per thread: a C write on
    another thread, while this thread's put is running its callback, is
    reported, and this thread's put does not raise it."""
    hooked = catch_unraisable(monkeypatch)
    import threading

    in_py_callback = threading.Event()
    c_write_done = threading.Event()
    status = []

    def on_py(kind, k, v):
        in_py_callback.set()
        assert c_write_done.wait(30), "the C write on the other thread did not finish"

    def c_writer():
        assert in_py_callback.wait(30)
        status.append(clib.shale_db_put(c_void_p(db.c_handle), b"c:t", 3, b"C", 1))
        c_write_done.set()

    calls = []
    db.subscribe(b"py:", on_py)
    db.subscribe(b"c:", raising(calls))
    t = threading.Thread(target=c_writer)
    t.start()
    db.put(b"py:1", b"1")  # must not raise the other thread's exception
    t.join()
    assert status == [SHALE_OK] and calls == [b"c:t"]
    assert len(hooked) == 1 and hooked[0].exc_type is Boom
    db.put(b"py:2", b"2")


def test_nested_binding_writes_raise_each_their_own(db, clib, monkeypatch):
    """A callback that writes through the package: the inner write raises
    its own callback's exception inside the outer callback; the outer write
    raises only what its own callbacks raised."""
    hooked = catch_unraisable(monkeypatch)
    inner_caught = []

    def outer(kind, k, v):
        try:
            db.put(b"inner:" + k, b"x")
        except Boom as e:
            inner_caught.append(str(e))
        if k == b"outer:raise":
            raise Boom("outer saw %r" % k)

    def inner(kind, k, v):
        raise Boom("inner saw %r" % k)

    db.subscribe(b"outer:", outer)
    db.subscribe(b"inner:", inner)
    db.put(b"outer:ok", b"1")  # the inner exception was caught by the outer callback
    assert inner_caught == ["inner saw b'inner:outer:ok'"]
    assert db[b"inner:outer:ok"] == b"x"
    with pytest.raises(Boom, match="outer saw") as info:
        db.put(b"outer:raise", b"1")
    assert len(inner_caught) == 2
    assert hooked == []
    # An inner exception the outer callback lets through is the outer write's.
    db.subscribe(b"outer2:", lambda kind, k, v: db.put(b"inner:" + k, b"y"))
    with pytest.raises(Boom, match="inner saw b'inner:outer2:a'"):
        db.put(b"outer2:a", b"1")
    assert db[b"inner:outer2:a"] == b"y"
    # The nesting restored the state: a C write now is reported, a put is clean.
    assert clib.shale_db_put(c_void_p(db.c_handle), b"inner:c", 7, b"C", 1) == SHALE_OK
    assert len(hooked) == 1 and "inner:c" in str(hooked[0].exc_value)
    db.put(b"plain", b"1")
    del info


def test_nested_write_does_not_raise_the_outer_writes_exception(db, monkeypatch):
    """Two callbacks for one write: the first raises, the second writes
    through the package. That nested write must not raise the first
    callback's exception (it belongs to the outer write, which raises it)."""
    hooked = catch_unraisable(monkeypatch)
    nested = []

    def first(kind, k, v):
        raise Boom("first saw %r" % k)

    def second(kind, k, v):
        try:
            db.put(b"nested:" + k, b"n")
            nested.append("ok")
        except Boom as e:
            nested.append(str(e))

    db.subscribe(b"w:", first)  # delivered in subscription order
    db.subscribe(b"w:", second)
    with pytest.raises(Boom, match="first saw b'w:1'"):
        db.put(b"w:1", b"1")
    assert nested == ["ok"] and db[b"nested:w:1"] == b"n"
    assert hooked == []


def test_c_write_made_inside_a_binding_write_raises_from_it(db, clib, monkeypatch):
    """C code called by a callback (so inside a put of the package) writes,
    and that write's callback raises: the enclosing put raises it, on the
    thread that started it all."""
    hooked = catch_unraisable(monkeypatch)

    def call_c(kind, k, v):
        assert clib.shale_db_put(c_void_p(db.c_handle), b"c:" + k, 2 + len(k), b"C", 1) == SHALE_OK

    db.subscribe(b"py:", call_c)
    db.subscribe(b"c:", raising([]))
    with pytest.raises(Boom, match="c:py:1"):
        db.put(b"py:1", b"1")
    assert db[b"c:py:1"] == b"C"
    assert hooked == []
    db.put(b"other", b"1")


def test_no_mark_left_after_subscriptions_end(db_path, clib, monkeypatch):
    """Without live subscriptions writes skip the bookkeeping; one added
    afterwards still gets the full behaviour, and closing the db ends the
    count (the next db's C writes are reported)."""
    hooked = catch_unraisable(monkeypatch)
    from shale import _callbacks

    before = len(_callbacks.live_subscriptions)
    db = shale.open(db_path, sync="none")
    try:
        db.put(b"a", b"1")
        sub = db.subscribe(b"", raising([]))
        assert len(_callbacks.live_subscriptions) == before + 1
        with pytest.raises(Boom):
            db.put(b"b", b"2")
        sub.unsubscribe()
        assert len(_callbacks.live_subscriptions) == before
        db.put(b"c", b"3")
        db.subscribe(b"", raising([]))
        db.subscribe(b"", raising([]))
        assert len(_callbacks.live_subscriptions) == before + 2
    finally:
        db.close()
    assert len(_callbacks.live_subscriptions) == before
    assert hooked == []

"""Zero-copy reads: DB.get_pinned and shale.Pin."""

import gc
import hashlib
import threading

import pytest

import shale


def test_pin_basics(db):
    db[b"k"] = b"hello world"
    pin = db.get_pinned(b"k")
    assert isinstance(pin, shale.Pin)
    assert len(pin) == 11 and bytes(pin) == b"hello world" and pin.tobytes() == b"hello world"
    v = pin.view
    assert isinstance(v, memoryview) and v.readonly and v.format == "B" and v.ndim == 1
    assert v == b"hello world" and pin == b"hello world"
    assert hashlib.sha256(v).hexdigest() == hashlib.sha256(b"hello world").hexdigest()
    with pytest.raises(TypeError):
        v[0] = 1  # read-only
    pin.release()
    assert pin.released
    with pytest.raises(ValueError):
        v[0]  # the view is unusable after release
    with pytest.raises(ValueError):
        bytes(v)
    with pytest.raises(shale.ClosedError):
        pin.view
    pin.release()  # idempotent


def test_pin_missing_empty_and_types(db):
    assert db.get_pinned(b"nope") is None
    db[b"e"] = b""
    with db.get_pinned(b"e") as pin:
        assert len(pin) == 0 and bytes(pin) == b"" and pin.view.nbytes == 0
    assert pin.released
    with pytest.raises(TypeError):
        db.get_pinned("str")
    with pytest.raises(shale.InvalidArgumentError):
        db.get_pinned(b"k" * (shale.MAX_KEY_SIZE + 1))


def test_pin_context_manager_releases(db):
    db[b"k"] = b"abc"
    with db.get_pinned(b"k") as pin:
        view = pin.view
        assert view[1] == ord("b")
    with pytest.raises(ValueError):
        view[0]
    with pytest.raises(shale.ClosedError):
        with pin:
            pass


def test_release_refused_while_other_views_alive(db):
    db[b"k"] = b"0123456789"
    pin = db.get_pinned(b"k")
    s = pin.view[2:5]
    with pytest.raises(BufferError, match="still alive"):
        pin.release()
    assert not pin.released
    assert bytes(s) == b"234"  # the slice still reads the (still pinned) value
    assert bytes(pin.view) == b"0123456789"  # a fresh view of the pin
    del s
    pin.release()
    assert pin.released


def test_release_refused_while_view_is_exported(db):
    db[b"k"] = b"0123"
    pin = db.get_pinned(b"k")
    inner = memoryview(pin.view)  # another view over the same value
    with pytest.raises(BufferError):
        pin.release()
    inner.release()
    pin.release()


def test_obj_of_the_view_counts_as_a_reference(db):
    db[b"k"] = b"0123"
    pin = db.get_pinned(b"k")
    obj = pin.view.obj
    with pytest.raises(BufferError):
        pin.release()
    del obj
    pin.release()


def test_dropped_pin_is_freed_when_its_last_view_goes(db):
    db[b"k"] = b"x" * 100
    pin = db.get_pinned(b"k")
    s = pin.view[10:20]
    del pin
    gc.collect()
    assert bytes(s) == b"x" * 10  # the value is still pinned for the slice
    del s
    gc.collect()
    for _ in range(2000):  # many pins, never released explicitly
        db.get_pinned(b"k").view[0]
    gc.collect()


def test_pin_outlives_db_close(db_path):
    db = shale.open(db_path, sync="none")
    db[b"k"] = b"v" * 10
    pin = db.get_pinned(b"k")
    db.close()
    assert bytes(pin.view) == b"v" * 10  # valid until released
    pin.release()
    with pytest.raises(shale.ClosedError):
        db.get_pinned(b"k")


def test_pin_from_snapshot(db):
    db[b"k"] = b"old"
    with db.snapshot() as s:
        db[b"k"] = b"new"
        with s.get_pinned(b"k") as pin:
            assert bytes(pin) == b"old"
    with db.get_pinned(b"k") as pin:
        assert bytes(pin) == b"new"


def test_pin_shared_by_threads(db):
    value = bytes(range(256)) * 64
    db[b"k"] = value
    pin = db.get_pinned(b"k")
    errors = []

    def reader():
        try:
            for _ in range(200):
                assert pin.view == value
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    pin.release()


def test_get_pinned_not_supported_by_an_older_library(db, monkeypatch):
    monkeypatch.setattr("shale.pin.MISSING", {"shale_db_get_pinned"})
    with pytest.raises(shale.NotSupportedError, match="0.3.0"):
        db.get_pinned(b"k")

"""Many keys per call: DB.put_many/get_many/delete_many, the batch forms,
and the per-key fallbacks used with a library older than 0.3.0."""

import array

import pytest

import shale
from shale import _lib


@pytest.fixture(params=["native", "fallback"])
def mode(request, monkeypatch):
    """Run a test through the 0.3.0 calls, then through the fallbacks (as
    with an older library that lacks them)."""
    if request.param == "fallback":
        monkeypatch.setattr(_lib, "MISSING", set(_lib.SINCE_0_3))
        for mod in ("_many", "iterator", "pin"):
            monkeypatch.setattr("shale.%s.MISSING" % mod, _lib.MISSING)
    else:
        assert not _lib.MISSING, "the library lacks %s" % sorted(_lib.MISSING)
    return request.param


def test_put_get_delete_many(db, mode):
    db.put_many({b"a": b"1", b"b": b"", b"c": b"3" * 1000})
    db.put_many([(b"d", bytearray(b"4")), (b"e", memoryview(b"55")), (b"\0k", array.array("i", [1, 2]))])
    got = db.get_many([b"a", b"zz", b"b", b"c", b"a", b"e", b"\0k"])
    assert got == [b"1", None, b"", b"3" * 1000, b"1", b"55", array.array("i", [1, 2]).tobytes()]
    assert db.get_many([b"x", b"y"], default=b"?") == [b"?", b"?"]
    assert db.get_many([]) == []
    assert db.get_many(k for k in (b"a", b"d")) == [b"1", b"4"]  # any iterable
    db.delete_many([b"a", b"b", b"missing"])
    assert db.get_many([b"a", b"b", b"c"]) == [None, None, b"3" * 1000]
    db.put_many([])
    db.delete_many([])


def test_put_many_later_key_wins(db, mode):
    db.put_many([(b"k", b"1"), (b"k", b"2")])
    assert db[b"k"] == b"2"


def test_put_many_is_atomic_on_a_bad_item(db, mode):
    with pytest.raises(TypeError, match="key 1"):
        db.put_many([(b"a", b"1"), ("b", b"2")])
    with pytest.raises(TypeError, match="value 1"):
        db.put_many([(b"a", b"1"), (b"b", "str")])
    with pytest.raises(TypeError, match="value 0"):
        db.put_many([(b"a", 5)])
    with pytest.raises(TypeError, match="pair"):
        db.put_many([b"ab"])
    with pytest.raises(shale.InvalidArgumentError, match=r"1"):
        db.put_many([(b"a", b"1"), (b"b" * (shale.MAX_KEY_SIZE + 1), b"2")])
    assert b"a" not in db  # nothing was written


def test_many_argument_types(db, mode):
    with pytest.raises(TypeError):
        db.get_many(b"abc")  # a single key, not an iterable of keys
    with pytest.raises(TypeError, match="key 0"):
        db.get_many(["a"])
    with pytest.raises(TypeError, match="key 2"):
        db.delete_many([b"a", b"b", 3])
    with pytest.raises(shale.InvalidArgumentError):
        db.get_many([b"k" * (shale.MAX_KEY_SIZE + 1)])


def test_many_on_a_closed_db(db_path, mode):
    db = shale.open(db_path, sync="none")
    db.close()
    for call in (
        lambda: db.put_many({b"a": b"1"}),
        lambda: db.get_many([b"a"]),
        lambda: db.delete_many([b"a"]),
    ):
        with pytest.raises(shale.ClosedError):
            call()


def test_get_many_in_a_snapshot(db, mode):
    db.put_many({b"a": b"1", b"b": b"2"})
    with db.snapshot() as s:
        db.put_many({b"a": b"x", b"c": b"3"})
        assert s.get_many([b"a", b"b", b"c"]) == [b"1", b"2", None]
    assert db.get_many([b"a", b"b", b"c"]) == [b"x", b"2", b"3"]


def test_get_many_after_snapshot_close(db, mode):
    s = db.snapshot()
    s.close()
    with pytest.raises(shale.ClosedError):
        s.get_many([b"a"])


def test_batch_put_many_delete_many(db, mode):
    db[b"old"] = b"1"
    with db.write_batch() as b:
        b.put_many({b"a": b"1", b"b": b"2"})
        b.put_many([(b"c", bytearray(b"3"))])
        b.delete_many([b"old", b"b"])
        assert len(b) == 5
    assert db.get_many([b"a", b"b", b"c", b"old"]) == [b"1", None, b"3", None]


def test_batch_put_many_unchanged_on_error(db):
    b = db.write_batch()
    b.put(b"z", b"1")
    with pytest.raises(shale.InvalidArgumentError):
        b.put_many([(b"a", b"1"), (b"k" * (shale.MAX_KEY_SIZE + 1), b"2")])
    with pytest.raises(TypeError):
        b.delete_many([b"a", None])
    assert len(b) == 1
    b.close()
    with pytest.raises(shale.ClosedError):
        b.put_many({b"a": b"1"})


def test_many_big_counts(db, mode):
    items = [(b"k%06d" % i, b"v%d" % i) for i in range(5000)]
    db.put_many(items)
    keys = [k for k, _ in items]
    assert db.get_many(keys) == [v for _, v in items]
    assert list(db.items()) == items
    db.delete_many(keys[::2])
    assert list(db.keys()) == keys[1::2]


def test_many_subscription_sees_every_entry(db, mode):
    seen = []
    db.subscribe(b"", lambda kind, k, v: seen.append((kind, k, v)))
    db.put_many([(b"a", b"1"), (b"b", b"2")])
    db.delete_many([b"a"])
    assert seen == [(shale.PUT, b"a", b"1"), (shale.PUT, b"b", b"2"), (shale.DELETE, b"a", None)]

"""Iteration in chunks (shale_iter_next_many), inclusive/exclusive bounds,
and iterators after the db closes."""

import threading

import pytest

import shale
from shale import _lib, iterator

MAX = shale.MAX_KEY_SIZE


@pytest.fixture(params=["native", "fallback"])
def mode(request, monkeypatch):
    if request.param == "fallback":
        monkeypatch.setattr("shale.iterator.MISSING", set(_lib.SINCE_0_3))
    else:
        assert "shale_iter_next_many" not in _lib.MISSING
    return request.param


@pytest.fixture
def many(db):
    items = [(b"k%05d" % i, b"v" * (i % 7)) for i in range(1000)]
    db.put_many(items)
    return db, items


def test_chunks_cover_every_entry_both_ways(many, mode):
    db, items = many
    assert list(db.items()) == items
    assert list(db.items(reverse=True)) == items[::-1]
    assert list(db.keys()) == [k for k, _ in items]
    assert list(db.values(reverse=True)) == [v for _, v in items][::-1]
    assert list(db) == [k for k, _ in items]


def test_chunk_bytes_limit_with_big_values(db, mode, monkeypatch):
    monkeypatch.setattr(iterator, "CHUNK_BYTES", 1000)
    items = [(b"b%03d" % i, bytes([i]) * (300 * (i % 5))) for i in range(60)]
    db.put_many(items)
    assert list(db.items()) == items
    assert list(db.items(reverse=True)) == items[::-1]


def test_take_a_few_then_close(many, mode):
    db, items = many
    with db.items() as it:
        assert [next(it) for _ in range(3)] == items[:3]
    assert it.closed
    assert list(it) == []  # closed like a generator: yields nothing


def test_include_start_and_stop(db, mode):
    for k in (b"a", b"b", b"c", b"d"):
        db[k] = k
    assert list(db.keys(b"b", b"d")) == [b"b", b"c"]
    assert list(db.keys(b"b", b"d", include_start=False)) == [b"c"]
    assert list(db.keys(b"b", b"d", include_stop=True)) == [b"b", b"c", b"d"]
    assert list(db.keys(b"b", b"d", include_start=False, include_stop=True)) == [b"c", b"d"]
    assert list(db.keys(b"b", b"d", include_start=False, include_stop=True, reverse=True)) == [b"d", b"c"]
    assert list(db.keys(b"b", b"b", include_stop=True)) == [b"b"]
    assert list(db.keys(b"b", b"b", include_start=False, include_stop=True)) == []
    db[b"b\0"] = b"x"  # the key right after b"b"
    assert list(db.keys(b"b", b"c", include_start=False)) == [b"b\0"]
    assert list(db.keys(stop=b"b", include_stop=True)) == [b"a", b"b"]
    seen = []
    db.scan(lambda k, v: seen.append(k), start=b"b", stop=b"c", include_start=False, include_stop=True)
    assert seen == [b"b\0", b"c"]


def test_bounds_at_the_key_size_limit(db, mode):
    top = b"\xff" * MAX
    almost = b"\xff" * (MAX - 1) + b"\xfe"
    db[almost] = b"1"
    db[top] = b"2"
    db[b"a"] = b"0"
    assert list(db.keys(start=almost, include_start=False)) == [top]
    assert list(db.keys(start=top, include_start=False)) == []  # nothing follows
    assert list(db.keys(stop=almost, include_stop=True)) == [b"a", almost]
    assert list(db.keys(stop=top, include_stop=True)) == [b"a", almost, top]
    assert db.scan(lambda k, v: None, start=top, include_start=False) is True


def test_iterator_after_db_close_raises_closed(db_path, mode):
    db = shale.open(db_path, sync="none")
    db.put_many([(b"k%03d" % i, b"v") for i in range(100)])
    it = db.items()
    next(it)  # a chunk is buffered
    snap = db.snapshot()
    db.close()
    with pytest.raises(shale.ClosedError):
        next(it)
    with pytest.raises(shale.ClosedError):
        next(it)
    it.close()
    with pytest.raises(shale.ClosedError):
        db.items()
    with pytest.raises(shale.ClosedError):
        snap.get(b"k000")
    snap.close()


def test_iterator_from_closed_snapshot(db):
    db[b"a"] = b"1"
    s = db.snapshot()
    it = s.items()
    s.close()
    assert list(it) == [(b"a", b"1")]  # the C iterator holds its own reference
    with pytest.raises(shale.ClosedError):
        s.items()


def test_iterator_is_single_owner(many):
    db, items = many
    it = db.keys()
    next(it)
    errors = []
    got = []
    start = threading.Barrier(4)

    def worker():
        start.wait()
        try:
            for k in it:
                got.append(k)
        except shale.BusyError as e:
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Whatever the interleaving: no entry twice, none invented, no crash.
    assert len(got) == len(set(got))
    assert set(got) <= {k for k, _ in items}


def test_iterator_argument_errors(db):
    with pytest.raises(ValueError):
        db.iterator(keys=False, values=False)
    with pytest.raises(TypeError):
        db.keys(start="a")
    with pytest.raises(shale.InvalidArgumentError):
        list(db.keys(start=b"k" * (MAX + 1)))

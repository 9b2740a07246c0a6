"""Iteration: ranges, prefix, reverse, keys/values, closing, against a dict model."""

import gc
import random

import pytest

import shale


def model_range(model, start=None, stop=None, prefix=None, reverse=False):
    keys = sorted(
        k
        for k in model
        if (start is None or k >= start)
        and (stop is None or k < stop)
        and (prefix is None or k.startswith(prefix))
    )
    if reverse:
        keys.reverse()
    return [(k, model[k]) for k in keys]


@pytest.fixture
def filled(db):
    rng = random.Random(1234)
    model = {}
    for _ in range(400):
        k = bytes(rng.choice(b"abc\x00\xff") for _ in range(rng.randint(0, 4)))
        v = bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
        db[k] = v
        model[k] = v
    for k in list(model)[::5]:
        del db[k]
        del model[k]
    return db, model


def test_full_iteration(filled):
    db, model = filled
    assert list(db.iterator()) == model_range(model)
    assert list(db.items()) == model_range(model)
    assert list(db.keys()) == [k for k, _ in model_range(model)]
    assert list(db.values()) == [v for _, v in model_range(model)]
    assert list(db) == [k for k, _ in model_range(model)]
    assert list(db.iterator(reverse=True)) == model_range(model, reverse=True)


def test_ranges_against_model(filled):
    db, model = filled
    rng = random.Random(99)
    bounds = [None, b"", b"a", b"ab", b"b", b"c\xff", b"\x00", b"\xff\xff\xff\xff\xff"]
    for _ in range(150):
        start, stop = rng.choice(bounds), rng.choice(bounds)
        prefix = rng.choice([None, b"", b"a", b"b\x00", b"c", b"\xff"])
        reverse = rng.random() < 0.5
        got = list(db.iterator(start=start, stop=stop, prefix=prefix, reverse=reverse))
        assert got == model_range(model, start, stop, prefix, reverse), (start, stop, prefix, reverse)


def test_start_inclusive_stop_exclusive(db):
    for k in (b"a", b"b", b"c", b"d"):
        db[k] = k
    assert list(db.keys(start=b"b", stop=b"d")) == [b"b", b"c"]
    assert list(db.keys(start=b"b", stop=b"d", reverse=True)) == [b"c", b"b"]
    assert list(db.keys(start=b"bb")) == [b"c", b"d"]
    assert list(db.keys(stop=b"a")) == []
    assert list(db.keys(start=b"z")) == []
    assert list(db.keys(start=b"c", stop=b"b")) == []


def test_keys_only_values_only(db):
    db[b"k"] = b"v"
    assert list(db.iterator(values=False)) == [b"k"]
    assert list(db.iterator(keys=False)) == [b"v"]
    with pytest.raises(ValueError):
        db.iterator(keys=False, values=False)


def test_iterator_sees_creation_point(db):
    db[b"a"] = b"1"
    it = db.iterator()
    db[b"b"] = b"2"
    assert list(it) == [(b"a", b"1")]


def test_iterator_closing(db):
    for k in (b"a", b"b", b"c"):
        db[k] = k
    it = db.iterator()
    assert next(it) == (b"a", b"a")
    it.close()
    assert it.closed
    assert list(it) == []
    it.close()
    with db.iterator() as it2:
        assert next(it2)[0] == b"a"
    assert it2.closed
    it3 = db.iterator()
    assert list(it3) and it3.closed  # exhausted: released
    it4 = db.keys()
    next(it4)
    del it4
    gc.collect()


def test_iterator_bad_bound_types(db):
    with pytest.raises(TypeError):
        db.iterator(start="a")
    with pytest.raises(TypeError):
        db.iterator(prefix=1)


def test_many_unclosed_iterators_are_collected(db):
    db[b"a"] = b"1"
    for _ in range(2000):
        it = db.iterator()
        next(it)
    gc.collect()


def test_scan_basic_and_stop(db):
    for k in (b"a", b"b", b"c", b"d"):
        db[k] = k.upper()
    seen = []
    assert db.scan(lambda k, v: seen.append((k, v))) is True
    assert seen == [(b"a", b"A"), (b"b", b"B"), (b"c", b"C"), (b"d", b"D")]
    seen = []

    def stop_at_c(k, v):
        seen.append(k)
        return k == b"c"

    assert db.scan(stop_at_c) is False
    assert seen == [b"a", b"b", b"c"]
    seen = []
    assert db.scan(lambda k, v: seen.append(k), start=b"b", stop=b"d", reverse=True) is True
    assert seen == [b"c", b"b"]
    seen = []
    db.scan(lambda k, v: seen.append(k), prefix=b"d")
    assert seen == [b"d"]


def test_scan_exception_reraised(db):
    for k in (b"a", b"b", b"c"):
        db[k] = k
    seen = []

    class Boom(Exception):
        pass

    def fn(k, v):
        seen.append(k)
        if k == b"b":
            raise Boom("stop here")

    with pytest.raises(Boom, match="stop here") as ei:
        db.scan(fn)
    assert seen == [b"a", b"b"]
    assert ei.value.__traceback__ is not None
    with pytest.raises(KeyError):
        db.scan(lambda k, v: {}[k])
    with pytest.raises(TypeError):
        db.scan(None)


def test_scan_callback_may_write(db):
    for k in (b"a", b"b"):
        db[k] = k
    seen = []

    def fn(k, v):
        seen.append(k)
        db[b"z" + k] = v  # not seen by this scan

    db.scan(fn)
    assert seen == [b"a", b"b"]
    assert db[b"za"] == b"a"


def test_scan_callback_cannot_close_db(db):
    db[b"a"] = b"1"
    with pytest.raises(shale.BusyError):
        db.scan(lambda k, v: db.close())
    assert not db.closed
    assert db[b"a"] == b"1"

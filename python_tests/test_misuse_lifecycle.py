"""Host-language misuse: objects used after they (or their db) were closed.

Every call on a closed object must raise :class:`shale.ClosedError` (a
``shale.Error``) whose message says what is closed -- never crash, hang, or
quietly return a wrong result. The tables below list every public call, so
a method added later without a closed check shows up here.
"""

import gc

import pytest

import shale


def _fill(db, n=50):
    db.put_many((b"k%03d" % i, b"v%d" % i) for i in range(n))


def _db_calls(tmp_path):
    """Every public DB call, each as (name, fn(db))."""
    return [
        ("get", lambda d: d.get(b"k")),
        ("getitem", lambda d: d[b"k"]),
        ("contains", lambda d: b"k" in d),
        ("get_many", lambda d: d.get_many([b"a", b"b"])),
        ("get_pinned", lambda d: d.get_pinned(b"k")),
        ("put", lambda d: d.put(b"k", b"v")),
        ("setitem", lambda d: d.__setitem__(b"k", b"v")),
        ("delete", lambda d: d.delete(b"k")),
        ("delitem", lambda d: d.__delitem__(b"k")),
        ("put_many", lambda d: d.put_many({b"a": b"1"})),
        ("delete_many", lambda d: d.delete_many([b"a"])),
        ("write_batch", lambda d: d.write_batch()),
        ("sync", lambda d: d.sync()),
        ("flush", lambda d: d.flush()),
        ("snapshot", lambda d: d.snapshot()),
        ("property", lambda d: d.property("shale.path")),
        ("stats", lambda d: d.stats()),
        ("iterator", lambda d: d.iterator()),
        ("keys", lambda d: d.keys()),
        ("values", lambda d: d.values()),
        ("items", lambda d: d.items()),
        ("iter", lambda d: iter(d)),
        ("scan", lambda d: d.scan(lambda k, v: None)),
        ("compact_range", lambda d: d.compact_range(progress=False)),
        ("backup", lambda d: d.backup(str(tmp_path / "bk"), progress=False)),
        ("verify", lambda d: d.verify(progress=False)),
        ("compact_range_async", lambda d: d.compact_range_async()),
        ("backup_async", lambda d: d.backup_async(str(tmp_path / "bk2"))),
        ("verify_async", lambda d: d.verify_async()),
        ("subscribe", lambda d: d.subscribe(b"", lambda *a: None)),
        ("enter", lambda d: d.__enter__()),
    ]


def test_double_close_is_a_no_op(db_path):
    db = shale.open(db_path, sync="none")
    db.put(b"k", b"v")
    db.close()
    db.close()
    db.__exit__(None, None, None)
    assert db.closed
    # the directory lock was released exactly once: reopening works
    with shale.open(db_path) as again:
        assert again[b"k"] == b"v"
    db.close()  # still a no-op after another handle opened the same path


def test_every_db_call_after_close_raises_closed(db_path, tmp_path):
    db = shale.open(db_path, sync="none")
    _fill(db)
    db.close()
    calls = _db_calls(tmp_path)
    for name, call in calls:
        with pytest.raises(shale.ClosedError, match="closed") as ei:
            call(db)
        assert ei.value.code == shale.ClosedError.code, name
    assert len(calls) >= 30
    assert not (tmp_path / "bk").exists()


def test_every_snapshot_call_after_its_close(db):
    _fill(db)
    s = db.snapshot()
    s.close()
    s.close()  # idempotent
    calls = [
        lambda: s.get(b"k001"),
        lambda: s[b"k001"],
        lambda: b"k001" in s,
        lambda: s.get_many([b"k001"]),
        lambda: s.get_pinned(b"k001"),
        lambda: s.iterator(),
        lambda: s.keys(),
        lambda: s.items(),
        lambda: s.values(),
        lambda: iter(s),
        lambda: s.scan(lambda k, v: None),
        lambda: s.__enter__(),
        lambda: db.iterator(snapshot=s),
    ]
    for call in calls:
        with pytest.raises(shale.ClosedError, match="snapshot is closed"):
            call()
    assert db[b"k001"] == b"v1"  # the db is unaffected


def test_every_snapshot_call_after_db_close(db_path):
    db = shale.open(db_path, sync="none")
    _fill(db)
    s = db.snapshot()
    it = s.items()
    assert next(it) == (b"k000", b"v0")
    db.close()
    for call in (
        lambda: s.get(b"k001"),
        lambda: s[b"k001"],
        lambda: b"k001" in s,
        lambda: s.get_many([b"k001"]),
        lambda: s.get_pinned(b"k001"),
        lambda: s.items(),
        lambda: s.scan(lambda k, v: None),
        lambda: next(it),
    ):
        with pytest.raises(shale.ClosedError, match="closed"):
            call()
    s.close()
    s.close()
    it.close()


@pytest.mark.parametrize("kind", ["iterator", "keys", "values", "items", "reverse"])
def test_iterator_after_db_close(db_path, kind):
    db = shale.open(db_path, sync="none")
    _fill(db, 2000)  # more than one chunk: some entries are fetched already
    if kind == "reverse":
        it = db.iterator(reverse=True)
    else:
        it = getattr(db, kind)()
    next(it)
    db.close()
    for _ in range(3):  # keeps raising; never yields a stale entry
        with pytest.raises(shale.ClosedError, match="closed"):
            next(it)
    it.close()
    it.close()
    with pytest.raises(StopIteration):
        next(it)


def test_iterator_not_started_when_db_closes(db_path):
    db = shale.open(db_path, sync="none")
    _fill(db)
    it = db.items()
    db.close()
    with pytest.raises(shale.ClosedError):
        next(it)
    with pytest.raises(shale.ClosedError):
        list(db.items())


def test_iterator_dropped_after_db_close_is_released(db_path):
    db = shale.open(db_path, sync="none")
    _fill(db)
    its = [db.items() for _ in range(20)]
    for it in its[::2]:
        next(it)
    db.close()
    del its, it
    gc.collect()  # the finalizers free handles of a closed db: no crash
    with shale.open(db_path) as again:
        assert again[b"k000"] == b"v0"


def test_every_batch_call_after_its_close(db):
    b = db.write_batch()
    b.put(b"a", b"1")
    b.close()
    b.close()
    for call in (
        lambda: b.put(b"k", b"v"),
        lambda: b.__setitem__(b"k", b"v"),
        lambda: b.delete(b"k"),
        lambda: b.__delitem__(b"k"),
        lambda: b.put_many({b"k": b"v"}),
        lambda: b.delete_many([b"k"]),
        lambda: b.clear(),
        lambda: len(b),
        lambda: b.write(),
        lambda: b.__enter__(),
    ):
        with pytest.raises(shale.ClosedError, match="write batch is closed"):
            call()
    assert db.get(b"a") is None  # a closed batch was never written


def test_batch_after_db_close(db_path):
    db = shale.open(db_path, sync="none")
    b = db.write_batch()
    b.put(b"a", b"1")
    db.close()
    # the batch itself still accepts entries (it is memory only) ...
    b.put(b"b", b"2")
    assert len(b) == 2
    # ... but writing it to the closed db fails and writes nothing
    with pytest.raises(shale.ClosedError, match="closed"):
        b.write()
    with pytest.raises(shale.ClosedError):
        with b:
            b.put(b"c", b"3")
    assert b.closed
    with shale.open(db_path) as again:
        assert again.get(b"a") is None


def test_batch_of_a_closed_db_cannot_be_made(db_path):
    db = shale.open(db_path)
    db.close()
    with pytest.raises(shale.ClosedError, match="db is closed"):
        db.write_batch()


def test_subscription_after_close(db_path):
    db = shale.open(db_path, sync="none")
    seen = []
    sub = db.subscribe(b"", lambda *a: seen.append(a))
    db.put(b"a", b"1")
    db.close()
    assert not sub.active
    sub.unsubscribe()
    sub.unsubscribe()
    assert seen == [(shale.PUT, b"a", b"1")]


def test_job_after_close(db_path):
    db = shale.open(db_path, sync="none")
    _fill(db)
    j = db.verify_async()
    j.wait(30)
    j.close()
    j.close()
    for call in (lambda: j.wait(1), lambda: j.cancel(), lambda: j.result(1)):
        with pytest.raises(shale.ClosedError, match="closed"):
            call()
    db.close()


def test_pin_after_release_and_after_db_close(db_path):
    db = shale.open(db_path, sync="none")
    db.put(b"k", b"value")
    p = db.get_pinned(b"k")
    db.close()
    assert bytes(p) == b"value"  # documented: pins outlive the db
    p.release()
    p.release()
    for call in (lambda: p.view, lambda: bytes(p), lambda: p.__enter__()):
        with pytest.raises(shale.ClosedError, match="pin is closed"):
            call()

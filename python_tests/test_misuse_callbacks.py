"""Host-language misuse of callbacks: callbacks that raise, callbacks after
unsubscribe, and callback objects nobody but the library refers to.

Documented behaviour (python/shale/_callbacks.py): a progress or scan
callback's exception stops the operation and is re-raised by it; a
subscription callback's exception is re-raised by the write that triggered
it (the write happened); a logger's goes to sys.unraisablehook. Nothing is
swallowed silently, nothing crashes.
"""

import gc
import os
import threading
import weakref

import pytest

import shale
from shale import _callbacks

from conftest import assert_clean_exit, run_python

SCALE = int(os.environ.get("SHALE_RELIABILITY_SCALE", "1"))


class Boom(Exception):
    pass


@pytest.fixture
def filled(db_path):
    db = shale.open(db_path, sync="none", write_buffer_size=64 * 1024)
    for r in range(4):
        db.put_many((b"k%05d" % i, b"x" * 200) for i in range(r, 3000, 4))
        db.flush()
    try:
        yield db
    finally:
        db.close()


def _raising_progress(calls):
    def progress(done, total):
        calls.append((done, total))
        raise Boom("progress failed at %d/%d" % (done, total))

    return progress


@pytest.mark.parametrize("op", ["compact_range", "backup", "verify"])
def test_raising_progress_is_reraised_by_the_sync_call(filled, tmp_path, op):
    calls = []
    before = len(_callbacks._registry)
    args = (str(tmp_path / "bk"),) if op == "backup" else ()
    with pytest.raises(Boom, match="progress failed"):
        getattr(filled, op)(*args, progress=_raising_progress(calls))
    assert len(calls) == 1  # stopped at the first exception
    assert len(_callbacks._registry) == before  # the callback was released
    filled.put(b"after", b"1")  # the db still works
    assert filled.verify(progress=False)


@pytest.mark.parametrize("op", ["compact_range_async", "backup_async", "verify_async"])
def test_raising_progress_is_reraised_by_job_result(filled, tmp_path, op):
    calls = []
    args = (str(tmp_path / "bk"),) if op == "backup_async" else ()
    job = getattr(filled, op)(*args, progress=_raising_progress(calls))
    assert job.wait(60)
    with pytest.raises(Boom, match="progress failed"):
        job.result()
    assert len(calls) == 1
    job.close()
    filled.put(b"after", b"1")


def test_raising_scan_callback_is_reraised(filled):
    seen = []

    def fn(k, v):
        seen.append(k)
        if len(seen) == 3:
            raise Boom("scan stop at %r" % k)

    with pytest.raises(Boom, match="scan stop at b'k00002'"):
        filled.scan(fn)
    assert len(seen) == 3
    seen.clear()
    with filled.snapshot() as s:
        with pytest.raises(Boom):
            s.scan(fn)
    assert len(seen) == 3


def test_raising_subscription_in_every_write_path(db, monkeypatch):
    hooked = []
    monkeypatch.setattr("sys.unraisablehook", lambda args: hooked.append(args))

    def fn(kind, k, v):
        raise Boom("subscriber saw %r" % k)

    sub = db.subscribe(b"", fn)
    writes = [
        lambda: db.put(b"a", b"1"),
        lambda: db.__setitem__(b"b", b"2"),
        lambda: db.delete(b"a"),
        lambda: db.__delitem__(b"b"),
        lambda: db.put_many({b"c": b"3"}),
        lambda: db.delete_many([b"c"]),
    ]
    for w in writes:
        with pytest.raises(Boom, match="subscriber saw"):
            w()
    b = db.write_batch()
    b.put(b"d", b"4")
    with pytest.raises(Boom):
        b.write()
    b.close()
    assert db[b"d"] == b"4"  # every write happened
    assert hooked == []
    sub.unsubscribe()
    db.put(b"e", b"5")  # nothing pending any more


def test_raising_logger_is_reported_from_library_threads(db_path):
    # Background flushes and compactions log from the library's threads,
    # where nobody can catch: each exception must reach sys.unraisablehook,
    # and the db must keep working. In a child: it uses sys.unraisablehook.
    proc = run_python(
        r"""
        import sys, threading, shale
        hooked = []
        sys.unraisablehook = lambda a: hooked.append((a.exc_type.__name__, threading.current_thread().name))
        def logger(level, msg):
            raise ValueError("logger failed: " + msg)
        db = shale.open(%r, sync="none", logger=logger, log_level=shale.LOG_DEBUG,
                        write_buffer_size=64 * 1024, level0_compaction_trigger=2)
        for r in range(6):
            db.put_many((b"k%%05d" %% i, b"x" * 300) for i in range(r, 2000, 3))
        db.flush()
        db.compact_range(progress=False)
        db.close()
        assert hooked, "the library logged nothing at LOG_DEBUG"
        assert all(name == "ValueError" for name, _ in hooked), hooked
        print("hooked", len(hooked), "threads", sorted(set(t for _, t in hooked)))
        """
        % db_path
    )
    assert_clean_exit(proc)
    assert "hooked" in proc.stdout


def test_no_callback_after_unsubscribe_single_thread(db):
    calls = []
    sub = db.subscribe(b"", lambda *a: calls.append(a))
    db.put(b"a", b"1")
    sub.unsubscribe()
    db.put(b"b", b"2")
    db.put_many({b"c": b"3"})
    with db.write_batch() as b:
        b.put(b"d", b"4")
    sub.unsubscribe()
    assert calls == [(shale.PUT, b"a", b"1")]


def test_no_callback_after_unsubscribe_returns_while_others_write(db):
    """unsubscribe() on one thread while writers run on others: once it
    returns, the callback never runs again (the library waits for calls in
    flight)."""
    rounds = 30 * SCALE
    late = []
    for r in range(rounds):
        state = {"unsubscribed": False, "calls": 0}

        def fn(kind, k, v, state=state):
            if state["unsubscribed"]:
                late.append((r, k))
            state["calls"] += 1

        sub = db.subscribe(b"", fn)
        stop = threading.Event()

        def writer(t):
            i = 0
            while not stop.is_set():
                db.put(b"w%d-%d" % (t, i % 50), b"v")
                i += 1

        ts = [threading.Thread(target=writer, args=(t,)) for t in range(3)]
        for t in ts:
            t.start()
        while state["calls"] < 20:
            pass
        sub.unsubscribe()
        state["unsubscribed"] = True
        for _ in range(200):
            db.put(b"main", b"v")  # writes after unsubscribe, from here too
        stop.set()
        for t in ts:
            t.join(30)
    assert late == []


def test_subscription_callback_dropped_by_its_owner_stays_alive(db):
    class Sink:
        def __init__(self):
            self.seen = []

        def __call__(self, kind, k, v):
            self.seen.append(k)

    sink = Sink()
    ref = weakref.ref(sink)
    seen = sink.seen
    db.subscribe(b"", sink)  # the Subscription object is dropped at once
    del sink
    gc.collect()
    assert ref() is not None  # kept alive by the binding while registered
    for i in range(100):
        db.put(b"k%d" % i, b"v")
        if i % 10 == 0:
            gc.collect()
    assert len(seen) == 100
    db.close()  # the registration ends: now it may go
    gc.collect()
    assert ref() is None


def test_subscription_dropped_after_unsubscribe_is_collected(db):
    def make():
        def fn(kind, k, v):
            pass

        return fn

    fn = make()
    ref = weakref.ref(fn)
    sub = db.subscribe(b"", fn)
    del fn
    sub.unsubscribe()
    del sub
    gc.collect()
    assert ref() is None  # no leak of the callback after it ended
    db.put(b"a", b"1")


def test_logger_and_progress_only_referenced_by_the_library(db_path):
    got = []
    db = shale.open(db_path, sync="none", logger=lambda lvl, msg: got.append(msg),
                    log_level=shale.LOG_DEBUG)
    gc.collect()
    db.put_many((b"k%04d" % i, b"v" * 100) for i in range(2000))
    job = db.compact_range_async(progress=lambda d, t: got.append((d, t)))
    gc.collect()
    assert job.wait(60)
    assert job.result() is None
    del job
    gc.collect()
    db.close()
    assert any(isinstance(g, str) for g in got)


def test_job_dropped_while_running_is_cancelled_safely(db_path):
    db = shale.open(db_path, sync="none", write_buffer_size=64 * 1024)
    for r in range(4):
        db.put_many((b"k%05d" % i, b"x" * 200) for i in range(r, 4000, 4))
        db.flush()
    for _ in range(5 * SCALE):
        calls = []
        db.compact_range_async(progress=lambda d, t: calls.append(d))  # dropped at once
        gc.collect()
        db.verify_async(progress=lambda d, t: calls.append(d))
    gc.collect()
    db.put(b"after", b"1")
    assert db[b"after"] == b"1"
    db.close()


def test_job_closed_from_its_own_callback_is_kept(filled):
    """Regression: Job.close() from the job's own progress callback got
    SHALE_E_BUSY (nothing freed) but dropped the handle anyway: the job's
    handle leaked. It now raises BusyError there and stays closable."""
    holder = {}
    errors = []
    ready = threading.Event()

    def progress(done, total):
        ready.wait(10)  # until the Job object exists
        job = holder.get("job")
        if job is not None and not errors:
            try:
                job.close()
            except shale.BusyError as e:
                errors.append(e)

    job = filled.verify_async(progress=progress)
    holder["job"] = job
    ready.set()
    assert job.wait(60)
    assert len(errors) == 1 and "own callbacks" in str(errors[0])
    assert job._h is not None  # kept: it can still be closed
    job.close()
    assert job._h is None
    with pytest.raises(shale.ClosedError):
        job.wait(1)

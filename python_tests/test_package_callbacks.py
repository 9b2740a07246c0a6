"""Subscriptions and the logger: delivery, exceptions, lifetimes."""

import gc
import logging
import threading

import pytest

import shale
from shale import _callbacks


def test_subscription_puts_and_deletes(db):
    events = []
    sub = db.subscribe(b"p/", lambda kind, k, v: events.append((kind, k, v)))
    assert sub.active
    db[b"p/a"] = b"1"
    db[b"q/a"] = b"ignored"
    db.delete(b"p/a")
    assert events == [(shale.PUT, b"p/a", b"1"), (shale.DELETE, b"p/a", None)]
    sub.unsubscribe()
    assert not sub.active
    db[b"p/b"] = b"2"
    assert len(events) == 2
    sub.unsubscribe()  # idempotent


def test_subscription_batch_in_order(db):
    events = []
    with db.subscribe(b"", lambda kind, k, v: events.append((kind, k, v))):
        with db.write_batch() as b:
            b.put(b"b", b"1")
            b.put(b"a", b"2")
            b.delete(b"c")
            b.put(b"b", b"3")
    assert events == [
        (shale.PUT, b"b", b"1"),
        (shale.PUT, b"a", b"2"),
        (shale.DELETE, b"c", None),
        (shale.PUT, b"b", b"3"),
    ]


def test_subscription_callback_kept_alive_until_user_free(db):
    events = []
    before = len(_callbacks._registry)
    sub = db.subscribe(b"", lambda kind, k, v: events.append(k))  # only the sub holds the lambda
    assert len(_callbacks._registry) == before + 1
    del sub
    gc.collect()
    db[b"x"] = b"1"  # the db keeps the subscription alive
    assert events == [b"x"]
    db.close()  # ends it: user_free drops the registry entry
    assert len(_callbacks._registry) == before


def test_subscription_exception_reraised_in_the_writer(db, monkeypatch):
    hooked = []
    monkeypatch.setattr("sys.unraisablehook", lambda args: hooked.append(args))
    calls = []

    def fn(kind, k, v):
        calls.append(k)
        raise ValueError("bad subscriber %r" % k)

    db.subscribe(b"", fn)
    with pytest.raises(ValueError, match="bad subscriber") as info:
        db[b"a"] = b"1"
    assert any("the write itself succeeded" in n for n in getattr(info.value, "__notes__", []))
    assert db[b"a"] == b"1"  # the write happened
    with pytest.raises(ValueError):
        db.delete(b"a")
    assert b"a" not in db
    with pytest.raises(ValueError):
        db.put_many([(b"m1", b"1")])
    with pytest.raises(ValueError):
        db.delete_many([b"m1"])
    assert calls == [b"a", b"a", b"m1", b"m1"]
    assert hooked == []
    # A batch: the first exception is raised, the others are reported.
    with pytest.raises(ValueError, match="b1"):
        with db.write_batch() as b:
            b.put(b"b1", b"1")
            b.put(b"b2", b"2")
    assert db[b"b1"] == b"1" and db[b"b2"] == b"2"
    assert len(hooked) == 1 and "b2" in str(hooked[0].exc_value)
    assert "subscription" in hooked[0].err_msg and hooked[0].object is fn
    # Nothing is left pending for the next, unrelated write.
    db.close()


def test_subscription_exception_does_not_leak_to_other_threads(db):
    import threading

    def fn(kind, k, v):
        if threading.current_thread().name == "raiser":
            raise RuntimeError("only here")

    db.subscribe(b"", fn)
    seen = []

    def raiser():
        try:
            db[b"r"] = b"1"
        except RuntimeError as e:
            seen.append(e)

    t = threading.Thread(target=raiser, name="raiser")
    t.start()
    t.join()
    db[b"main"] = b"1"  # nothing raised here
    assert len(seen) == 1


def test_subscription_raising_in_a_child_process_is_reraised(db_path):
    from conftest import assert_clean_exit, run_python

    proc = run_python(
        """
        import shale
        db = shale.open(%r, sync="none")
        def fn(kind, k, v):
            raise RuntimeError("from the subscriber")
        db.subscribe(b"", fn)
        try:
            db[b"a"] = b"1"
        except RuntimeError as e:
            print("caught", e)
        assert db[b"a"] == b"1"
        db.close()
        """
        % db_path
    )
    assert_clean_exit(proc)
    assert "caught from the subscriber" in proc.stdout


def test_unsubscribe_inside_callback(db):
    events = []
    holder = {}

    def fn(kind, k, v):
        events.append(k)
        holder["sub"].unsubscribe()

    holder["sub"] = db.subscribe(b"", fn)
    db[b"a"] = b"1"
    db[b"b"] = b"2"
    assert events == [b"a"]
    assert not holder["sub"].active


def test_unsubscribe_inside_callback_during_batch(db):
    events = []
    holder = {}

    def fn(kind, k, v):
        events.append(k)
        holder["sub"].unsubscribe()

    holder["sub"] = db.subscribe(b"", fn)
    with db.write_batch() as b:
        b.put(b"a", b"1")
        b.put(b"b", b"2")
    assert events == [b"a"]


def test_subscription_callback_may_read_and_write(db):
    seen = []

    def fn(kind, k, v):
        seen.append(db.get(k))
        if k == b"a":
            db[b"b"] = b"from callback"

    db.subscribe(b"", fn)
    db[b"a"] = b"1"
    assert seen == [b"1", b"from callback"]
    assert db[b"b"] == b"from callback"


def test_subscription_callback_cannot_close_db(db):
    db.subscribe(b"", lambda kind, k, v: db.close())
    with pytest.raises(shale.BusyError, match="callback"):
        db[b"a"] = b"1"
    assert not db.closed
    assert db[b"a"] == b"1"


def test_subscriptions_end_at_close(db_path):
    db = shale.open(db_path)
    events = []
    sub = db.subscribe(b"", lambda *a: events.append(a))
    db.close()
    assert not sub.active
    sub.unsubscribe()  # fine after close
    with pytest.raises(shale.ClosedError):
        db.subscribe(b"", lambda *a: None)


def test_subscribe_argument_checks(db):
    with pytest.raises(TypeError):
        db.subscribe("str", lambda *a: None)
    with pytest.raises(TypeError):
        db.subscribe(b"", None)


# --- logger ------------------------------------------------------------------------


def test_logger_receives_messages(db_path):
    msgs = []
    lock = threading.Lock()

    def logger(level, message):
        with lock:
            msgs.append((level, message))

    db = shale.open(db_path, logger=logger, log_level=shale.LOG_DEBUG)
    db[b"a"] = b"1"
    db.close()
    db = shale.open(db_path, logger=logger, log_level=shale.LOG_DEBUG)  # recovery
    db.close()
    assert msgs, "the library logged nothing at LOG_DEBUG"
    for level, message in msgs:
        assert shale.LOG_DEBUG <= level <= shale.LOG_ERROR
        assert isinstance(message, str)


def test_logger_released_after_close(db_path):
    before = len(_callbacks._registry)
    db = shale.open(db_path, logger=lambda level, msg: None)
    assert len(_callbacks._registry) == before + 1
    db.close()
    assert len(_callbacks._registry) == before


def test_logger_released_on_failed_open(tmp_path):
    before = len(_callbacks._registry)
    with pytest.raises(shale.IOError):
        shale.open(tmp_path / "x" / "y", create_if_missing=False, logger=lambda l, m: None)
    assert len(_callbacks._registry) == before


def test_logger_raising_goes_to_unraisablehook(db_path, monkeypatch):
    hooked = []
    monkeypatch.setattr("sys.unraisablehook", lambda args: hooked.append(args))

    def logger(level, message):
        raise RuntimeError("logger failed")

    with shale.open(db_path, logger=logger, log_level=shale.LOG_DEBUG) as db:
        db[b"a"] = b"1"
    with shale.open(db_path, logger=logger, log_level=shale.LOG_DEBUG) as db:
        assert db[b"a"] == b"1"
    if not hooked:
        pytest.skip("the library logged nothing at LOG_DEBUG")
    assert all(h.exc_type is RuntimeError for h in hooked)
    assert "logger" in hooked[0].err_msg


def test_logging_logger_adapter(db_path, caplog):
    log = logging.getLogger("shale.test")
    with caplog.at_level(logging.DEBUG, logger="shale.test"):
        with shale.open(db_path, logger=log, log_level=shale.LOG_DEBUG) as db:
            db[b"a"] = b"1"
        with shale.open(db_path, logger=log, log_level=shale.LOG_DEBUG):
            pass
    with pytest.raises(TypeError):
        shale.open(db_path, logger=42)

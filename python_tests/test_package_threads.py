"""One DB shared by several Python threads."""

import threading

import shale


def test_threads_write_and_read(db_path):
    db = shale.open(db_path, sync="group")
    n_threads, per_thread = 6, 300
    errors = []
    events = []
    db.subscribe(b"t", lambda kind, k, v: events.append(k))
    start = threading.Barrier(n_threads)

    def worker(t):
        try:
            start.wait()
            for i in range(per_thread):
                k = b"t%d-%05d" % (t, i)
                db[k] = k[::-1]
                assert db[k] == k[::-1]
                if i % 50 == 0:
                    with db.write_batch() as b:
                        b.put(k + b"-batch", b"x")
                        b.delete(k + b"-batch")
                    with db.snapshot() as s:
                        assert s[k] == k[::-1]
                    assert sum(1 for _ in db.keys(prefix=b"t%d-" % t)) >= i + 1
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    keys = list(db.keys(prefix=b"t"))
    assert len(keys) == n_threads * per_thread
    assert keys == sorted(keys)
    assert len(events) == n_threads * per_thread + n_threads * (per_thread // 50) * 2
    db.close()
    with shale.open(db_path) as db2:
        assert sum(1 for _ in db2.keys()) == n_threads * per_thread


def test_close_while_other_threads_use_db(db_path):
    db = shale.open(db_path, sync="none")
    stop = threading.Event()
    unexpected = []

    def reader():
        while not stop.is_set():
            try:
                db.put(b"k", b"v")
                db.get(b"k")
                for _ in db.keys():
                    pass
            except (shale.ClosedError, shale.InvalidHandleError):
                return
            except BaseException as e:  # pragma: no cover
                unexpected.append(e)
                return

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for th in threads:
        th.start()
    import time

    time.sleep(0.2)
    db.close()
    stop.set()
    for th in threads:
        th.join(30)
    assert not unexpected, unexpected


def test_threads_many_pins_iterators_snapshots(db_path):
    """Free use of one DB from many threads through every 0.3.0 path."""
    db = shale.open(db_path, sync="none")
    n_threads, rounds = 6, 40
    errors = []
    start = threading.Barrier(n_threads)

    def worker(t):
        try:
            start.wait()
            for r in range(rounds):
                items = [(b"m%d-%03d-%02d" % (t, r, i), b"%d" % i) for i in range(20)]
                db.put_many(items)
                keys = [k for k, _ in items]
                assert db.get_many(keys) == [v for _, v in items]
                with db.get_pinned(keys[3]) as pin:
                    assert bytes(pin) == b"3"
                with db.snapshot() as s:
                    got = list(s.items(prefix=b"m%d-%03d-" % (t, r)))
                    assert got == items
                if r % 2:
                    db.delete_many(keys)
                    assert db.get_many(keys) == [None] * 20
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert sum(1 for _ in db.keys()) == n_threads * (rounds // 2) * 20
    db.close()


def test_close_during_many_calls_never_crashes(db_path):
    from conftest import assert_clean_exit, run_python

    proc = run_python(
        """
        import threading, shale
        db = shale.open(%r, sync="none")
        db.put_many([(b"k%%04d" %% i, b"v" * 50) for i in range(2000)])
        stop = threading.Event()
        bad = []
        def user():
            while not stop.is_set():
                try:
                    db.get_many([b"k0001", b"k0002"])
                    for _ in db.items():
                        pass
                    p = db.get_pinned(b"k0003")
                    if p is not None:
                        p.release()
                    db.put_many({b"x": b"y"})
                except (shale.ClosedError, shale.InvalidHandleError):
                    pass
                except BaseException as e:
                    bad.append(e)
                    return
        ts = [threading.Thread(target=user) for _ in range(4)]
        for t in ts: t.start()
        import time; time.sleep(0.2)
        db.close()
        stop.set()
        for t in ts: t.join()
        assert not bad, bad
        print("ok")
        """
        % db_path
    )
    assert_clean_exit(proc)
    assert "ok" in proc.stdout

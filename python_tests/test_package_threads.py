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

"""Host-language misuse: closing a db while other threads are using it.

Worker threads hammer one db through every kind of call (point reads and
writes, many-key calls, iterators, snapshots, batches, scans, pins) while
the main thread closes it at a random moment. Every call must either
succeed with a correct result or raise :class:`shale.ClosedError`; nothing
may crash, hang, or return a wrong value. The storm runs in a child
interpreter so that a crash is reported as a failure instead of killing
pytest.

Budget: SHALE_MISUSE_CLOSE_ROUNDS rounds (default 25) times
SHALE_RELIABILITY_SCALE (default 1); about 3 s plain.
"""

import os

import shale

from conftest import assert_clean_exit, run_python

SCALE = int(os.environ.get("SHALE_RELIABILITY_SCALE", "1"))
ROUNDS = int(os.environ.get("SHALE_MISUSE_CLOSE_ROUNDS", "25")) * SCALE

STORM = r"""
import os, random, shutil, sys, threading, time
import shale

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else %(rounds)d
base = %(path)r
rng = random.Random(%(seed)d)
N = 300
def val(k): return b"v:" + k
KEYS = [b"k%%04d" %% i for i in range(N)]

def op_get(db, r):
    k = r.choice(KEYS)
    v = db.get(k)
    assert v in (None, val(k)), (k, v)
def op_put(db, r):
    k = r.choice(KEYS); db.put(k, val(k))
def op_delete(db, r):
    db.delete(r.choice(KEYS))
def op_contains(db, r):
    r.choice(KEYS) in db
def op_many(db, r):
    ks = r.sample(KEYS, 8)
    for k, v in zip(ks, db.get_many(ks)):
        assert v in (None, val(k)), (k, v)
    db.put_many({k: val(k) for k in ks[:4]})
def op_iter(db, r):
    prev = None
    for i, (k, v) in enumerate(db.items(start=r.choice(KEYS))):
        assert v == val(k) and (prev is None or prev < k), (prev, k, v)
        prev = k
        if i == 40: break
def op_iter_hold(db, r):
    it = db.keys(reverse=True)
    next(it, None); time.sleep(0); list(it)
def op_snapshot(db, r):
    with db.snapshot() as s:
        k = r.choice(KEYS)
        a = s.get(k); b = s.get(k)
        assert a == b and a in (None, val(k))
        n = sum(1 for _ in s.keys(prefix=b"k00"))
        assert n <= 100
def op_batch(db, r):
    with db.write_batch() as b:
        for k in r.sample(KEYS, 5): b.put(k, val(k))
        b.delete(r.choice(KEYS))
def op_scan(db, r):
    seen = []
    db.scan(lambda k, v: seen.append(k) or len(seen) > 20)
    assert seen == sorted(seen)
def op_pin(db, r):
    k = r.choice(KEYS)
    p = db.get_pinned(k)
    if p is not None:
        assert bytes(p) == val(k)
        p.release()
def op_misc(db, r):
    db.stats(); db.property("shale.sequence")
OPS = [op_get, op_put, op_delete, op_contains, op_many, op_iter, op_iter_hold,
       op_snapshot, op_batch, op_scan, op_pin, op_misc]

calls = {"ok": 0, "closed": 0}
bad = []
lock = threading.Lock()

def worker(db, seed, started):
    r = random.Random(seed)
    ok = closed = 0
    started.release()
    while True:
        op = r.choice(OPS)
        try:
            op(db, r)
            ok += 1
        except shale.ClosedError as e:
            assert "closed" in str(e), e
            closed += 1
            if closed > 3:  # a few more calls after the close, then stop
                break
        except BaseException as e:
            with lock:
                bad.append("%%s: %%s: %%r" %% (op.__name__, type(e).__name__, e))
            break
    with lock:
        calls["ok"] += ok; calls["closed"] += closed

t0 = time.time()
for rnd in range(ROUNDS):
    path = "%%s-%%d" %% (base, rnd)
    db = shale.open(path, sync="none")
    db.put_many({k: val(k) for k in KEYS})
    started = threading.Semaphore(0)
    ts = [threading.Thread(target=worker, args=(db, rng.random(), started)) for _ in range(4)]
    for t in ts: t.start()
    for _ in ts: started.acquire()
    time.sleep(rng.random() * 0.02)
    db.close()
    for t in ts:
        t.join(60)
        if t.is_alive():
            print("HANG: a worker did not finish 60 s after close"); sys.stdout.flush(); os._exit(3)
    with shale.open(path) as again:  # the db is intact and reopens
        for k, v in again.items():
            assert v == val(k), (k, v)
    shutil.rmtree(path)
    if bad:
        break
print("close-race: %%d rounds, %%d calls ok, %%d ClosedError, %%d unexpected in %%.1fs"
      %% (ROUNDS, calls["ok"], calls["closed"], len(bad), time.time() - t0))
if bad:
    print("\n".join(bad[:20])); sys.exit(1)
"""


def test_close_racing_with_use_on_other_threads(tmp_path):
    code = STORM % {"rounds": ROUNDS, "path": str(tmp_path / "db"), "seed": 12345}
    proc = run_python(code, timeout=120 + 10 * ROUNDS)
    assert_clean_exit(proc)
    assert "0 unexpected" in proc.stdout
    print(proc.stdout.strip())


def _spy_frees(monkeypatch, module, fn_name):
    """Count the SHALE_E_BUSY answers of ``module.lib.<fn_name>``."""
    from shale._lib import lib as real

    busy = []

    class Spy:
        def __getattr__(self, name):
            f = getattr(real, name)
            if name != fn_name:
                return f

            def free(h):
                st = f(h)
                if st == shale.BusyError.code:
                    busy.append(h)
                return st

            return free

    monkeypatch.setattr(module, "lib", Spy())
    return busy


def test_iterator_closed_while_another_thread_fetches(db, monkeypatch):
    """Regression: Iterator.close() on one thread while another was inside
    next() dropped the handle although shale_iter_free answered BUSY, so
    the C iterator (and what it pins) was never freed. close() now waits
    for the fetch in flight."""
    import threading

    from shale import iterator as itmod

    busy = _spy_frees(monkeypatch, itmod, "shale_iter_free")
    db.put_many((b"k%05d" % i, b"v" * 100) for i in range(20000))
    bad = []
    for r in range(150 * SCALE):
        it = db.items()
        started = threading.Event()

        def reader(it=it, started=started):
            started.set()
            try:
                for _ in it:
                    pass
            except shale.BusyError:
                pass  # documented: next() while close() holds the iterator
            except BaseException as e:
                bad.append(repr(e))

        t = threading.Thread(target=reader)
        t.start()
        started.wait()
        for _ in range(r % 50):
            pass
        it.close()
        assert it.closed
        t.join(30)
    assert bad == [] and busy == []


def test_batch_closed_while_another_thread_writes_it(db, monkeypatch):
    """A batch closed on one thread while another writes it: close() either
    frees it or raises BusyError and keeps it; it is never lost."""
    import threading

    from shale import batch as batchmod

    busy = _spy_frees(monkeypatch, batchmod, "shale_batch_free")
    refused = 0
    for r in range(100 * SCALE):
        b = db.write_batch()
        b.put_many((b"b%04d" % i, b"x" * 200) for i in range(2000))
        t = threading.Thread(target=lambda b=b: _write_ignoring_closed(b))
        t.start()
        while True:
            try:
                b.close()
                break
            except shale.BusyError:
                refused += 1
                assert not b.closed  # kept: it can be closed again
        t.join(30)
        assert b.closed
    assert len(busy) == refused


def _write_ignoring_closed(b):
    try:
        b.write()
    except (shale.ClosedError, shale.BusyError):
        pass

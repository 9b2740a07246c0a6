"""Host-language misuse: shale objects used in a child made by os.fork().

The library refuses handles created before fork() with SHALE_E_FORKED, so
in the child every call on an inherited db, iterator, snapshot or batch
raises :class:`shale.ForkedError` naming the problem -- no crash, no hang
(locks held by the parent's other threads must not be inherited), and the
child's interpreter exits cleanly even though its finalizers see those
objects. The parent keeps working. Runs in a child interpreter so that a
crash or hang cannot take pytest down with it.
"""

import os

import pytest

from conftest import assert_clean_exit, run_python

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")

SCALE = int(os.environ.get("SHALE_RELIABILITY_SCALE", "1"))

PRELUDE = r"""
import os, signal, sys, threading, time
import shale

def run_child(body):
    # Runs body() in a forked child with a 20 s alarm; returns a description
    # of what went wrong, or None.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.alarm(20)  # a hang becomes SIGALRM
        try:
            msg = body() or "ok"
        except BaseException as e:
            msg = "child raised %s: %s" % (type(e).__name__, e)
        os.write(w, msg.encode()[:4000])
        os.close(w)
        if os.environ.get("SHALE_FORK_CHILD_OS_EXIT"):  # see tests/sanitize/python_asan.sh
            os._exit(0)
        # A normal interpreter exit: finalizers of the inherited objects run.
        sys.exit(0)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk: break
        out += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "child killed by signal %d (%s)" % (os.WTERMSIG(status), out.decode())
    if os.WEXITSTATUS(status) != 0:
        return "child exit %d (%s)" % (os.WEXITSTATUS(status), out.decode())
    return None if out == b"ok" else out.decode()

def expect_forked(what, call, problems):
    try:
        call()
    except shale.ForkedError as e:
        if "fork" not in str(e):
            problems.append("%s: message does not say fork: %s" % (what, e))
        return
    except BaseException as e:
        problems.append("%s: %s: %s" % (what, type(e).__name__, e)); return
    problems.append("%s: no exception" % what)
"""


def test_every_inherited_object_raises_forked_in_the_child(db_path):
    proc = run_python(
        PRELUDE
        + r"""
db = shale.open(%r, sync="none")
db.put_many((b"k%%03d" %% i, b"v") for i in range(500))
it = db.items(); next(it)
snap = db.snapshot()
batch = db.write_batch(); batch.put(b"b", b"1")
seen = []
sub = db.subscribe(b"", lambda *a: seen.append(a))

def _write_new_batch():
    # a batch is memory only (as one made after a close): writing it fails
    with db.write_batch() as b:
        b.put(b"a", b"1")

def child():
    problems = []
    for what, call in [
        ("put", lambda: db.put(b"x", b"1")),
        ("get", lambda: db.get(b"k001")),
        ("delete", lambda: db.delete(b"k001")),
        ("contains", lambda: b"k001" in db),
        ("get_many", lambda: db.get_many([b"k001"])),
        ("put_many", lambda: db.put_many({b"a": b"1"})),
        ("items", lambda: list(db.items())),
        ("iterator next", lambda: [next(it) for _ in range(600)]),
        ("snapshot get", lambda: snap.get(b"k001")),
        ("snapshot new", lambda: db.snapshot()),
        ("batch write", lambda: batch.write()),
        ("new batch write", _write_new_batch),
        ("subscribe", lambda: db.subscribe(b"", print)),
        ("scan", lambda: db.scan(lambda k, v: None)),
        ("stats", lambda: db.stats()),
        ("sync", lambda: db.sync()),
        ("flush", lambda: db.flush()),
        ("verify", lambda: db.verify(progress=False)),
        ("close", lambda: db.close()),
    ]:
        expect_forked(what, call, problems)
    # Closing (and finalizing) the inherited children must not raise or hang.
    it.close(); snap.close(); batch.close(); sub.unsubscribe()
    if seen:
        problems.append("subscription fired in the child: %%r" %% seen)
    # The child can open a db of its own (another directory).
    with shale.open(%r) as own:
        own.put(b"c", b"1")
        if own[b"c"] != b"1":
            problems.append("own db in child failed")
    return "\n".join(problems) or None

res = run_child(child)
if res: print(res); sys.exit(1)
# The parent is unaffected: its objects all still work.
db.put(b"after", b"1")
assert next(it)[0] == b"k001"
assert snap.get(b"after") is None and db[b"after"] == b"1"
batch.write()
assert db[b"b"] == b"1" and seen, seen
db.close()
print("ok")
"""
        % (db_path, db_path + "-child")
    )
    assert_clean_exit(proc)
    assert proc.stdout.strip().endswith("ok")


def test_fork_while_other_threads_are_inside_the_library(db_path):
    """Fork while parent threads hold library and binding locks (writes,
    iterators, compaction): the child must still get ForkedError, not
    deadlock on a lock whose owner does not exist in the child."""
    rounds = 10 * SCALE
    proc = run_python(
        PRELUDE
        + r"""
db = shale.open(%r, sync="none", write_buffer_size=64 * 1024)
stop = threading.Event()
def busy(t):
    i = 0
    while not stop.is_set():
        db.put(b"t%%d-%%05d" %% (t, i %% 3000), b"x" * 100)
        if i %% 50 == 0:
            for _ in db.keys(prefix=b"t%%d-" %% t): pass
        i += 1
ts = [threading.Thread(target=busy, args=(t,)) for t in range(3)]
for t in ts: t.start()
def child():
    problems = []
    expect_forked("put", lambda: db.put(b"x", b"1"), problems)
    expect_forked("get", lambda: db.get(b"x"), problems)
    expect_forked("iterate", lambda: list(db.keys()), problems)
    return "\n".join(problems) or None
bad = []
for r in range(%d):
    res = run_child(child)
    if res: bad.append(res)
    time.sleep(0.01)
stop.set()
for t in ts: t.join()
db.close()
if bad: print("\n".join(bad[:5])); sys.exit(1)
print("ok")
"""
        % (db_path, rounds),
        timeout=120 + 20 * rounds,
    )
    assert_clean_exit(proc)
    assert proc.stdout.strip().endswith("ok")

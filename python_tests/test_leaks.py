"""Leak check of the ownership paths under valgrind.

A child interpreter runs get / get (empty value) / property / iteration /
scan / batch / snapshot / subscription / many-key / pinned-read loops thousands of times through the
package, under ``valgrind --leak-check=full``. The test fails if valgrind
reports a *definitely lost* block whose allocation stack goes through
libshale (a frame in libshale.so, or a shale_*/shale:: function). As a check that the method can see a leak at all, the child
also leaks one owned value on purpose (a value of a marker size, never
passed to shale_free) and the test requires valgrind to report exactly that
block.
"""

import os
import re

import pytest

from conftest import run_python

VALGRIND = "/usr/bin/valgrind"
MARKER = 4099  # size of the value leaked on purpose

CHILD = r"""
import ctypes, os, shale
from shale._lib import lib
N = int(os.environ.get("LEAK_N", "10000"))
db = shale.open(os.environ["DB_PATH"], sync="none")
for i in range(50):
    db[b"k%03d" % i] = b"v" * i
db[b"empty"] = b""
db[b"marker"] = b"m" * MARKER_SIZE
with db.subscribe(b"k", lambda kind, k, v: None):
    for i in range(N):
        db.get(b"k%03d" % (i % 50))
        db.get(b"empty")
        db.get(b"missing")
        if i % 10 == 0:
            db.property("shale.sequence")
            db.property("shale.path")
            db.property("no.such")
            for _ in db.items(start=b"k010", stop=b"k015"):
                pass
            it = db.iterator(reverse=True); next(it); del it
            db.scan(lambda k, v: k == b"k003")
            with db.snapshot() as s:
                s.get(b"k001")
            with db.write_batch() as b:
                b.put(b"k001", b"x"); b.delete(b"zz")
            db[b"k002"] = b"y"
            db.get_many([b"k001", b"missing", b"empty"])
            db.put_many({b"k004": b"m", b"k005": b""})
            db.delete_many([b"zz1", b"zz2"])
            with db.get_pinned(b"k006") as p:
                bytes(p.view)
            db.get_pinned(b"k007")  # dropped: freed by the collector
            with db.write_batch() as b:
                b.put_many([(b"k008", b"z")]); b.delete_many([b"zz3"])
# the deliberate leak: an owned value never freed
v, n = ctypes.c_void_p(), ctypes.c_size_t()
assert lib.shale_db_get(db._handle(), None, b"marker", 6, ctypes.byref(v), ctypes.byref(n)) == 0
assert n.value == MARKER_SIZE
v = None
db.close()
print("done")
""".replace("MARKER_SIZE", str(MARKER))


def _records(log):
    """Split a valgrind log into loss records ("N bytes in M blocks are ...")."""
    records, cur = [], None
    for line in log.splitlines():
        body = re.sub(r"^==\d+==\s?", "", line)
        if re.search(r"bytes in [\d,]+ blocks are", body):
            cur = [body]
            records.append(cur)
        elif cur is not None:
            if body.strip() == "":
                cur = None
            else:
                cur.append(body)
    return ["\n".join(r) for r in records]


def _in_libshale(record):
    """Whether a loss record's stack goes through libshale (by file name when
    the library has no symbols, by function name when it has)."""
    return "libshale" in record or re.search(r": shale(_\w+|::)", record) is not None


def _is_marker(record):
    m = re.match(r"([\d,]+) bytes in 1 blocks", record)
    return bool(m) and MARKER <= int(m.group(1).replace(",", "")) <= MARKER + 64


@pytest.mark.skipif(not os.path.exists(VALGRIND), reason="valgrind is not installed at /usr/bin/valgrind")
def test_no_definite_leaks_in_libshale(tmp_path):
    log = tmp_path / "vg.log"
    n = os.environ.get("SHALE_LEAK_N", "10000")
    proc = run_python(
        CHILD,
        timeout=240,
        env={"DB_PATH": str(tmp_path / "db"), "LEAK_N": n, "PYTHONMALLOC": "malloc"},
        wrapper=[
            VALGRIND,
            "--leak-check=full",
            "--show-leak-kinds=definite",
            "--errors-for-leak-kinds=definite",
            "--num-callers=40",
            "--log-file=%s" % log,
        ],
    )
    text = log.read_text()
    assert proc.returncode == 0 or "definitely lost" in text, (proc.returncode, proc.stderr[-3000:])
    assert "done" in proc.stdout, proc.stderr[-3000:]
    definite = [r for r in _records(text) if "definitely lost" in r and _in_libshale(r)]
    marker = [r for r in definite if _is_marker(r)]
    others = [r for r in definite if r not in marker]
    assert len(marker) == 1, "valgrind did not see the deliberate leak:\n" + text[-5000:]
    assert not others, "definitely lost in libshale:\n\n" + "\n\n".join(others)

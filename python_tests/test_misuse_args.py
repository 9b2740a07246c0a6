"""Host-language misuse: bad arguments to every public method.

A wrong type raises TypeError and a bad value ValueError (the library's own
checks: :class:`shale.InvalidArgumentError`, a ValueError), each with a
message naming the argument -- before anything reaches C, or from the
library's check. Never a crash, an AttributeError from inside the package,
or a silently wrong result.
"""

import pytest

import shale

BIG = b"x" * 65537  # one byte over SHALE_MAX_KEY_SIZE
TOO_BIG = "over SHALE_MAX_KEY_SIZE"


def _cases(db, tmp):
    b = db.write_batch()
    s = db.snapshot()
    job = db.verify_async()
    bad_path = str(tmp / "new")
    return [
        # point reads, on the db and on a snapshot
        (lambda: db.get(None), TypeError, "keys must be bytes, not NoneType"),
        (lambda: db.get("k"), TypeError, "not str; encode it first"),
        (lambda: db.get(BIG), shale.InvalidArgumentError, TOO_BIG),
        (lambda: db[None], TypeError, "keys must be bytes"),
        (lambda: db[BIG], shale.InvalidArgumentError, TOO_BIG),
        (lambda: None in db, TypeError, "keys must be bytes"),
        (lambda: BIG in db, shale.InvalidArgumentError, TOO_BIG),
        (lambda: s.get(None), TypeError, "keys must be bytes"),
        (lambda: s.get(BIG), shale.InvalidArgumentError, TOO_BIG),
        (lambda: db.get_pinned(None), TypeError, "keys must be bytes"),
        (lambda: db.get_pinned(BIG), shale.InvalidArgumentError, TOO_BIG),
        (lambda: db.get_many(None), TypeError, "iterable of bytes keys, not NoneType"),
        (lambda: db.get_many(b"abc"), TypeError, "not a single bytes"),
        (lambda: db.get_many([b"a", None]), TypeError, "key 1: shale keys must be bytes"),
        (lambda: db.get_many([BIG]), shale.InvalidArgumentError, r"key_lens\[0\] is 65537"),
        (lambda: s.get_many([1]), TypeError, "key 0"),
        # writes
        (lambda: db.put(None, b"v"), TypeError, "keys must be bytes"),
        (lambda: db.put(b"k", None), TypeError, "values must be bytes-like"),
        (lambda: db.put(b"k", 5), TypeError, "not int"),
        (lambda: db.put(b"k", "v"), TypeError, "not str"),
        (lambda: db.put(BIG, b"v"), shale.InvalidArgumentError, TOO_BIG),
        (lambda: db.__setitem__(1, b"v"), TypeError, "keys must be bytes"),
        (lambda: db.delete(None), TypeError, "keys must be bytes"),
        (lambda: db.delete(BIG), shale.InvalidArgumentError, TOO_BIG),
        (lambda: db.__delitem__(None), TypeError, "keys must be bytes"),
        (lambda: db.put_many(None), TypeError, "iterable of \\(key, value\\) pairs"),
        (lambda: db.put_many([(None, b"v")]), TypeError, "key 0"),
        (lambda: db.put_many([(b"k", None)]), TypeError, "value 0"),
        (lambda: db.put_many([(b"a", b"b", b"c")]), TypeError, "item 0: expected a \\(key, value\\)"),
        (lambda: db.put_many([b"ab"]), TypeError, "item 0"),
        (lambda: db.put_many([(b"ok", b"1"), (BIG, b"v")]), shale.InvalidArgumentError, r"key_lens\[1\]"),
        (lambda: db.delete_many(None), TypeError, "iterable of bytes keys"),
        (lambda: db.delete_many("abc"), TypeError, "not a single str"),
        (lambda: db.delete_many([BIG]), shale.InvalidArgumentError, TOO_BIG),
        # batches
        (lambda: b.put(None, b"v"), TypeError, "keys must be bytes"),
        (lambda: b.put(b"k", object()), TypeError, "values must be bytes-like"),
        (lambda: b.put(BIG, b"v"), shale.InvalidArgumentError, TOO_BIG),
        (lambda: b.delete(None), TypeError, "keys must be bytes"),
        (lambda: b.delete(BIG), shale.InvalidArgumentError, TOO_BIG),
        (lambda: b.put_many(None), TypeError, "iterable"),
        (lambda: b.put_many([(1, 2)]), TypeError, "key 0"),
        (lambda: b.delete_many(None), TypeError, "iterable"),
        (lambda: b.delete_many([b"ok", BIG]), shale.InvalidArgumentError, r"\[1\]"),
        # iteration and scans
        (lambda: db.iterator(start=1), TypeError, "shale start must be bytes, not int"),
        (lambda: db.iterator(stop="z"), TypeError, "shale stop must be bytes, not str"),
        (lambda: db.keys(prefix=None, start=[]), TypeError, "start must be bytes"),
        (lambda: db.items(prefix=3), TypeError, "shale prefix must be bytes, not int"),
        (lambda: db.iterator(start=BIG), shale.InvalidArgumentError, "lower_bound_len 65537"),
        (lambda: db.iterator(stop=BIG), shale.InvalidArgumentError, "upper_bound_len 65537"),
        (lambda: db.iterator(prefix=BIG), shale.InvalidArgumentError, "prefix_len 65537"),
        (lambda: db.iterator(snapshot=5), TypeError, "snapshot must be a shale.Snapshot, not int"),
        (lambda: db.iterator(snapshot=db), TypeError, "snapshot must be a shale.Snapshot"),
        (lambda: db.iterator(keys=False, values=False), ValueError, "keys, values or both"),
        (lambda: s.items(prefix=BIG), shale.InvalidArgumentError, "prefix_len"),
        (lambda: db.scan(None), TypeError, "needs a callable"),
        (lambda: db.scan(5), TypeError, "needs a callable"),
        (lambda: db.scan(print, start=3), TypeError, "start must be bytes"),
        (lambda: db.scan(print, prefix=BIG), shale.InvalidArgumentError, "prefix_len 65537"),
        # subscriptions
        (lambda: db.subscribe(None, print), TypeError, "shale prefix must be bytes"),
        (lambda: db.subscribe(b"", None), TypeError, "needs a callable"),
        (lambda: db.subscribe(BIG, print), shale.InvalidArgumentError, "prefix_len 65537"),
        # properties and maintenance
        (lambda: db.property(None), TypeError, "property name must be str or bytes"),
        (lambda: db.property("a\0b"), ValueError, "NUL"),
        (lambda: db.compact_range(start=5), TypeError, "start must be bytes"),
        (lambda: db.compact_range(stop=BIG, progress=False), shale.InvalidArgumentError, "65537"),
        (lambda: db.compact_range(progress=5), TypeError, "progress must be a callable"),
        (lambda: db.verify(progress="x"), TypeError, "progress must be a callable"),
        (lambda: db.backup(None), TypeError, "dest must be str, bytes or os.PathLike"),
        (lambda: db.backup("a\0b"), ValueError, "dest contains a NUL byte"),
        (lambda: db.backup_async(5), TypeError, "dest must be"),
        (lambda: db.compact_range_async(start=1.5), TypeError, "start must be bytes"),
        # jobs
        (lambda: job.wait("1"), TypeError, "timeout must be a number of seconds"),
        (lambda: job.wait(float("nan")), ValueError, "timeout is NaN"),
        (lambda: job.result([]), TypeError, "timeout must be a number"),
        (lambda: job.add_done_listener(5), TypeError, "needs a callable"),
        # open
        (lambda: shale.open(None), TypeError, "path must be str, bytes or os.PathLike"),
        (lambda: shale.open(""), ValueError, "path is empty"),
        (lambda: shale.open("a\0b"), ValueError, "NUL"),
        (lambda: shale.open(bad_path, sync="sometimes"), ValueError, "sync must be one of"),
        (lambda: shale.open(bad_path, sync=None), ValueError, "sync must be one of"),
        (lambda: shale.open(bad_path, write_buffer_size=2**70), ValueError, "write_buffer_size is out of range"),
        (lambda: shale.open(bad_path, write_buffer_size=-1), ValueError, "write_buffer_size is out of range"),
        (lambda: shale.open(bad_path, block_size="big"), TypeError, "block_size must be an int"),
        (lambda: shale.open(bad_path, block_size=2**40), ValueError, "block_size"),
        (lambda: shale.open(bad_path, log_level=99), ValueError, "log_level"),
        (lambda: shale.open(bad_path, logger=5), TypeError, "logger must be a callable"),
        (lambda: shale.open(bad_path, bogus=1), TypeError, "unknown option.*bogus"),
    ]


def test_every_bad_argument_raises_a_clear_error(db, tmp_path):
    db.put(b"k", b"v")
    cases = _cases(db, tmp_path)
    for i, (call, exc, pattern) in enumerate(cases):
        with pytest.raises(exc, match=pattern):
            call()
    assert len(cases) >= 80
    # Nothing above changed the db or left it unusable.
    assert db[b"k"] == b"v"
    assert list(db.keys()) == [b"k"]
    assert not (tmp_path / "new").exists()


def test_wait_timeouts_at_the_edges(db):
    job = db.verify_async()
    assert job.wait(1e300)  # "forever": it did not wrap into a negative wait
    assert job.wait(-5)  # a finished job: a negative timeout polls
    assert job.wait(0)
    assert job.result(10**30) is not None
    job.close()


def test_largest_key_is_accepted_everywhere(db):
    top = b"\xff" * 65536
    db.put(top, b"v")
    assert db[top] == b"v" and top in db
    assert db.get_many([top]) == [b"v"]
    assert list(db.keys(start=top)) == [top]
    assert list(db.keys(prefix=top)) == [top]
    assert list(db.keys(start=top, include_start=False)) == []

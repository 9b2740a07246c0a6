"""The shale package: open/close, dict protocol, batches, snapshots, properties."""

import os
import pathlib

import pytest

import shale


def test_version_and_library():
    assert shale.__version__.count(".") == 2
    assert shale.ABI_VERSION == 1
    assert os.path.exists(shale.library_path) or "libshale" in shale.library_path
    major, minor, patch = map(int, shale.__version__.split("."))
    assert shale.version_number == major * 10000 + minor * 100 + patch


def test_public_names_have_docstrings():
    for name in shale.__all__:
        obj = getattr(shale, name)
        if callable(obj) and not isinstance(obj, int):
            assert obj.__doc__, name
    for cls in (shale.DB, shale.WriteBatch, shale.Snapshot, shale.Subscription, shale.Iterator):
        for attr, member in vars(cls).items():
            if not attr.startswith("_") and callable(member):
                assert member.__doc__, "%s.%s" % (cls.__name__, attr)
    pkg = os.path.dirname(shale.__file__)
    assert os.path.exists(os.path.join(pkg, "py.typed"))


def test_put_get_delete(db):
    assert db.get(b"k") is None
    assert db.get(b"k", b"dflt") == b"dflt"
    db.put(b"k", b"v")
    assert db.get(b"k") == b"v"
    assert isinstance(db.get(b"k"), bytes)
    db.delete(b"k")
    db.delete(b"k")  # idempotent
    assert db.get(b"k") is None


def test_dict_protocol(db):
    db[b"a"] = b"1"
    assert db[b"a"] == b"1"
    assert b"a" in db
    assert b"b" not in db
    with pytest.raises(KeyError):
        db[b"b"]
    with pytest.raises(shale.NotFoundError) as ei:
        db[b"b"]
    assert ei.value.code == 1
    del db[b"a"]
    assert b"a" not in db
    with pytest.raises(KeyError):
        del db[b"a"]  # dict semantics for del; delete() is idempotent
    db[b"x"] = b""
    assert db[b"x"] == b""
    assert b"x" in db


def test_binary_keys_and_values(db):
    k = bytes(range(256))
    v = b"\0" * 1000 + b"\xff"
    db[k] = v
    assert db[k] == v
    db[b""] = b"empty key"
    assert db[b""] == b"empty key"


def test_bytes_like_values(db):
    db[b"ba"] = bytearray(b"from bytearray")
    db[b"mv"] = memoryview(b"xxfrom memoryviewxx")[2:-2]
    import array

    db[b"arr"] = array.array("B", [1, 2, 3])
    assert db[b"ba"] == b"from bytearray"
    assert db[b"mv"] == b"from memoryview"
    assert db[b"arr"] == b"\x01\x02\x03"


@pytest.mark.parametrize("bad", ["str key", 1, None, bytearray(b"k"), memoryview(b"k")])
def test_keys_must_be_bytes(db, bad):
    with pytest.raises(TypeError, match="bytes"):
        db.put(bad, b"v")
    with pytest.raises(TypeError, match="bytes"):
        db.get(bad)
    with pytest.raises(TypeError):
        bad in db
    with pytest.raises(TypeError):
        db[bad] = b"v"


def test_str_key_message_is_helpful(db):
    with pytest.raises(TypeError, match=r"encode"):
        db[b"k"] = "text"
    with pytest.raises(TypeError, match=r"not str"):
        db["text"]


def test_oversize_key(db):
    db.put(b"k" * shale.MAX_KEY_SIZE, b"ok")
    with pytest.raises(shale.InvalidArgumentError) as ei:
        db.put(b"k" * (shale.MAX_KEY_SIZE + 1), b"v")
    assert isinstance(ei.value, ValueError)
    assert ei.value.code == -1


@pytest.mark.parametrize("kind", ["str", "bytes", "pathlib"])
def test_path_types(tmp_path, kind):
    p = tmp_path / "db"
    arg = {"str": str(p), "bytes": os.fsencode(str(p)), "pathlib": pathlib.Path(p)}[kind]
    with shale.open(arg) as db:
        db[b"k"] = b"v"
        assert db.path == os.fsencode(str(p))
        assert db.property("shale.path") is not None
    with shale.open(arg, create_if_missing=False) as db:
        assert db[b"k"] == b"v"


def test_non_utf8_path(tmp_path):
    p = os.fsencode(str(tmp_path)) + b"/caf\xe9-\xff\xfe"
    with shale.open(p) as db:
        db[b"k"] = b"v"
    assert os.path.isdir(p)
    with shale.open(p) as db:
        assert db[b"k"] == b"v"
        assert os.fsencode(db.property("shale.path")) .endswith(b"caf\xe9-\xff\xfe")


def test_path_with_nul(tmp_path):
    with pytest.raises(ValueError):
        shale.open(str(tmp_path) + "/a\0b")


def test_close_idempotent_and_context_manager(db_path):
    db = shale.open(db_path)
    with db as same:
        assert same is db
        db[b"k"] = b"v"
    assert db.closed
    db.close()
    db.close()
    with pytest.raises(shale.ClosedError):
        db[b"k"]
    with pytest.raises(shale.ClosedError):
        db.put(b"k", b"v")
    # the lock is gone: reopen
    with shale.open(db_path) as db2:
        assert db2[b"k"] == b"v"


def test_persistence_and_sync_modes(tmp_path):
    for mode in ("group", "every", "none"):
        p = str(tmp_path / mode)
        with shale.open(p, sync=mode) as db:
            db[b"k"] = mode.encode()
            db.sync()
        with shale.open(p) as db:
            assert db[b"k"] == mode.encode()
    with pytest.raises(ValueError):
        shale.open(str(tmp_path / "x"), sync="sometimes")


def test_gc_closes_db(db_path):
    db = shale.open(db_path)
    db[b"k"] = b"v"
    del db
    import gc

    gc.collect()
    with shale.open(db_path) as db:
        assert db[b"k"] == b"v"


def test_read_only(db_path):
    with shale.open(db_path) as db:
        db[b"k"] = b"v"
    with shale.open(db_path, read_only=True) as db:
        assert db[b"k"] == b"v"
        with pytest.raises(shale.ReadOnlyError) as ei:
            db[b"x"] = b"y"
        assert ei.value.code == -9


def test_property(db):
    db[b"a"] = b"1"
    seq = db.property("shale.sequence")
    assert seq is not None and int(seq) >= 1
    db[b"b"] = b"2"
    assert int(db.property(b"shale.sequence")) > int(seq)
    assert isinstance(db.property("shale.recovery"), str)
    assert db.property("no.such.property") is None
    with pytest.raises(TypeError):
        db.property(5)


# --- write batches -------------------------------------------------------------


def test_batch_commits_on_success(db):
    db[b"gone"] = b"x"
    with db.write_batch() as b:
        b.put(b"a", b"1")
        b[b"b"] = bytearray(b"2")
        b.delete(b"gone")
        del b[b"never-existed"]  # a batch delete never raises
        assert len(b) == 4
        assert b"a" not in db  # not applied yet
    assert b.closed
    assert db[b"a"] == b"1" and db[b"b"] == b"2"
    assert b"gone" not in db


def test_batch_discarded_on_exception(db):
    db[b"keep"] = b"old"
    with pytest.raises(RuntimeError):
        with db.write_batch() as b:
            b.put(b"keep", b"new")
            b.put(b"x", b"1")
            raise RuntimeError("boom")
    assert db[b"keep"] == b"old"
    assert b"x" not in db
    assert b.closed


def test_batch_clear_write_reuse(db):
    b = db.write_batch()
    b.put(b"a", b"1")
    b.clear()
    assert len(b) == 0
    b.put(b"b", b"2")
    b.write()
    assert len(b) == 0  # emptied after write
    assert b"a" not in db and db[b"b"] == b"2"
    b.put(b"c", b"3")
    b.write()
    assert db[b"c"] == b"3"
    b.close()
    b.close()
    with pytest.raises(shale.ClosedError):
        b.put(b"d", b"4")
    with pytest.raises(TypeError):
        db.write_batch().put("str", b"v")


def test_batch_after_db_close(db_path):
    db = shale.open(db_path)
    b = db.write_batch()
    b.put(b"a", b"1")
    db.close()
    with pytest.raises(shale.ClosedError):
        b.write()
    b.close()


# --- snapshots -----------------------------------------------------------------


def test_snapshot_isolation(db):
    db[b"a"] = b"1"
    db[b"b"] = b"2"
    with db.snapshot() as snap:
        db[b"a"] = b"changed"
        del db[b"b"]
        db[b"c"] = b"3"
        assert snap[b"a"] == b"1"
        assert snap.get(b"b") == b"2"
        assert b"c" not in snap
        assert snap.get(b"c", b"d") == b"d"
        assert list(snap.items()) == [(b"a", b"1"), (b"b", b"2")]
        assert list(snap.keys()) == [b"a", b"b"]
        assert list(snap) == [b"a", b"b"]
        assert list(db.items(snapshot=snap)) == [(b"a", b"1"), (b"b", b"2")]
        with pytest.raises(KeyError):
            snap[b"c"]
        seen = []
        assert snap.scan(lambda k, v: seen.append(k)) is True
        assert seen == [b"a", b"b"]
    assert snap.closed
    with pytest.raises(shale.ClosedError):
        snap.get(b"a")
    assert db[b"a"] == b"changed"


def test_snapshot_after_db_close(db_path):
    db = shale.open(db_path)
    db[b"a"] = b"1"
    snap = db.snapshot()
    db.close()
    with pytest.raises(shale.ClosedError):
        snap.get(b"a")
    snap.close()

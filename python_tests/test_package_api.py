"""The package's surface: constructors, options, the mapping protocol's
deliberate gaps, locked directories, and documentation of public names."""

import array
import dataclasses
import inspect
import os
import pathlib

import pytest

import shale


def test_db_constructor_is_open(db_path):
    with shale.DB(db_path, sync="none") as db:
        db[b"k"] = b"v"
        assert isinstance(db, shale.DB)
    with shale.DB(pathlib.Path(db_path), create_if_missing=False) as db:
        assert db[b"k"] == b"v"


def test_unknown_and_bad_options(db_path):
    with pytest.raises(TypeError, match="no_such_option"):
        shale.open(db_path, no_such_option=1)
    with pytest.raises(ValueError, match="sync"):
        shale.open(db_path, sync="sometimes")
    with pytest.raises(TypeError):
        shale.open(12)
    with pytest.raises(ValueError):
        shale.open("")
    assert not os.path.exists(db_path)


def test_len_is_absent_approximate_count_in_stats(db):
    db.put_many({b"a": b"1", b"b": b"2"})
    with pytest.raises(TypeError):
        len(db)
    assert not hasattr(shale.DB, "__len__")
    assert db.stats().approximate_keys >= 2
    assert "approximate_keys" in shale.DB.__doc__


def test_contains_uses_exists_and_accepts_only_bytes(db):
    db[b"k"] = b"v" * 1000
    assert b"k" in db and b"x" not in db
    with pytest.raises(TypeError):
        "k" in db


def test_values_accept_any_buffer(db):
    db[b"a"] = array.array("H", [1, 2, 3])
    assert db[b"a"] == array.array("H", [1, 2, 3]).tobytes()
    db[b"m"] = memoryview(b"abcdef")[1:4]
    assert db[b"m"] == b"bcd"
    with pytest.raises(TypeError):
        db[b"s"] = "str"
    with pytest.raises(TypeError):
        db[b"n"] = None
    with pytest.raises(shale.InvalidArgumentError):
        db[b"k" * (shale.MAX_KEY_SIZE + 1)] = b"v"


def test_locked_error_names_path_and_hint(db_path):
    with shale.open(db_path):
        with pytest.raises(shale.LockedError) as info:
            shale.open(db_path)
    e = info.value
    assert db_path in str(e)
    assert "one process" in str(e)
    assert e.code == -6 and e.status == "SHALE_E_LOCKED"
    assert isinstance(e, OSError) and isinstance(e, shale.Error)


def test_error_hierarchy():
    assert issubclass(shale.NotFoundError, KeyError)
    assert issubclass(shale.IOError, OSError)
    for name in ("CorruptionError", "LockedError", "InvalidHandleError", "ClosedError", "BusyError"):
        assert issubclass(getattr(shale, name), shale.Error)


def test_every_public_name_and_method_is_documented():
    for name in shale.__all__:
        obj = getattr(shale, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, name
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr not in ("__init__", "__enter__", "__getitem__"):
                    continue
                if attr == "__init__" and dataclasses.is_dataclass(obj):
                    continue  # generated
                if callable(member) or isinstance(member, property):
                    assert member.__doc__, "%s.%s" % (name, attr)


def test_py_typed_is_shipped():
    assert os.path.isfile(os.path.join(os.path.dirname(shale.__file__), "py.typed"))


def test_write_batch_of_a_closed_db(db_path):
    db = shale.open(db_path, sync="none")
    db.close()
    with pytest.raises(shale.ClosedError):
        db.write_batch()
    with pytest.raises(shale.ClosedError):
        db.snapshot()


def test_largest_key_and_a_big_value_through_every_path(db):
    key = b"\x01" * shale.MAX_KEY_SIZE
    big = bytes(range(256)) * (8 * 1024)  # 2 MiB
    db[key] = big
    assert db[key] == big
    assert db.get_many([key, b"x"]) == [big, None]
    with db.get_pinned(key) as pin:
        assert pin.view == big
    assert list(db.items()) == [(key, big)]
    db.put_many([(key, b"small")])
    assert db[key] == b"small"


def test_progress_display_when_stderr_is_a_tty(db_path):
    import pty

    from conftest import PYTHON_DIR

    code = (
        "import shale\n"
        "db = shale.open(%r, sync='none', write_buffer_size=64 << 10)\n"
        "db.put_many([(b'k%%05d' %% i, b'v' * 100) for i in range(3000)])\n"
        "db.flush()\n"
        "db.verify()\n"  # progress=None: a display, since stderr is a terminal
        "db.close()\n"
    ) % db_path
    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", code], stderr=slave, stdout=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait() == 0, out
    assert b"verify:" in out and b"%" in out

"""Exceptions of the shale package: classes, codes, names, errno, messages."""

import errno
import pickle

import pytest

import shale
from shale import errors
from shale._lib import lib

EXPECTED = {
    1: ("NotFoundError", KeyError),
    -1: ("InvalidArgumentError", ValueError),
    -2: ("InvalidHandleError", None),
    -3: ("ClosedError", None),
    -4: ("IOError", OSError),
    -5: ("CorruptionError", None),
    -6: ("LockedError", OSError),
    -7: ("NoMemoryError", MemoryError),
    -8: ("BufferTooSmallError", None),
    -9: ("ReadOnlyError", None),
    -10: ("CancelledError", None),
    -11: ("NotSupportedError", None),
    -12: ("InternalError", None),
    -13: ("ExistsError", FileExistsError),
    -14: ("BusyError", None),
    -15: ("ForkedError", None),
}


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_class_per_code(code):
    name, builtin = EXPECTED[code]
    cls = getattr(shale, name)
    assert errors.error_class(code) is cls
    assert issubclass(cls, shale.Error)
    assert cls.code == code
    if builtin is not None:
        assert issubclass(cls, builtin)
    e = errors.make_error(code, "msg", 5)
    assert type(e) is cls
    assert e.code == code
    assert e.status == lib.shale_status_name(code).decode()
    assert str(e) == "msg"
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is cls and e2.code == code and str(e2) == "msg"


def test_unknown_code():
    e = errors.make_error(-99, "odd")
    assert type(e) is shale.Error and e.code == -99 and e.status == "SHALE_E_UNKNOWN"


def test_check_reads_last_error():
    assert errors._check(0) == 0
    st = lib.shale_db_put(None, b"k", 1, b"v", 1)
    with pytest.raises(shale.InvalidHandleError) as ei:
        errors._check(st)
    assert ei.value.code == -2 and ei.value.status == "SHALE_E_INVALID_HANDLE"
    assert ei.value.message


def test_io_error_errno(tmp_path):
    missing = tmp_path / "no" / "such" / "db"
    with pytest.raises(shale.IOError) as ei:
        shale.open(missing, create_if_missing=False)
    e = ei.value
    assert isinstance(e, OSError)
    assert e.errno == errno.ENOENT
    assert e.code == -4 and e.status == "SHALE_E_IO"
    assert str(missing) in str(e)
    with pytest.raises(OSError):  # catchable as a plain OSError
        shale.open(missing, create_if_missing=False)


def test_locked_error_second_open(db_path):
    with shale.open(db_path):
        with pytest.raises(shale.LockedError) as ei:
            shale.open(db_path)
    e = ei.value
    assert e.code == -6
    assert db_path in str(e)
    assert "one process" in str(e) or "once" in str(e)
    assert not isinstance(e, shale.IOError)


def test_locked_error_from_another_process(db_path):
    from conftest import assert_clean_exit, run_python

    with shale.open(db_path):
        proc = run_python(
            """
            import shale, sys
            try:
                shale.open(%r)
            except shale.LockedError as e:
                print(e); sys.exit(0)
            sys.exit(3)
            """
            % db_path
        )
        assert_clean_exit(proc)
        assert db_path in proc.stdout


def test_exists_error(db_path):
    shale.open(db_path).close()
    with pytest.raises(shale.ExistsError) as ei:
        shale.open(db_path, error_if_exists=True)
    assert ei.value.code == -13


def test_closed_error_from_library(db_path):
    db = shale.open(db_path)
    db[b"a"] = b"1"
    it = db.iterator()
    db.close()
    with pytest.raises(shale.ClosedError) as ei:
        next(it)
    assert ei.value.code == -3
    it.close()


def test_not_found_is_key_error(db):
    with pytest.raises(KeyError) as ei:
        db[b"missing"]
    assert isinstance(ei.value, shale.NotFoundError)
    assert "missing" in str(ei.value)
    assert ei.value.key == b"missing"

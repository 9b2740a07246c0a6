"""The 0.3.0 C functions through raw ctypes, against their header comments:
shale_db_get_many/put_many/delete_many, shale_batch_*_many,
shale_iter_next_many, shale_db_get_pinned/shale_pin_free."""

import ctypes
from ctypes import byref, c_size_t, c_void_p

import pytest

from shale._lib import MISSING, MISSING_LEN, lib, size_t_array

from test_abi_core import E_CLOSED, E_INVALID_ARGUMENT, E_INVALID_HANDLE, NOT_FOUND, OK, open_raw, put

pytestmark = pytest.mark.skipif(bool(MISSING), reason="library older than 0.3.0")


def lens_of(items):
    a = size_t_array(0)
    a.extend(map(len, items))
    return a


_alive = []


def addr(a):
    """The array's address; the array is kept alive until the test ends
    (an address of a temporary would dangle during the C call)."""
    _alive.append(a)
    return a.buffer_info()[0] or None


@pytest.fixture(autouse=True)
def _release_arrays():
    yield
    _alive.clear()


@pytest.fixture
def h(db_path):
    st, handle = open_raw(db_path)
    assert st == OK
    yield handle
    lib.shale_db_close(handle)


def get_many(h, keys, snap=None):
    kl = lens_of(keys)
    vl = size_t_array(len(keys))
    out = c_void_p()
    found = c_size_t(99)
    st = lib.shale_db_get_many(h, snap, len(keys), b"".join(keys), addr(kl), byref(out), addr(vl), byref(found))
    return st, out, vl.tolist(), found.value


def test_get_many_contract(h):
    assert put(h, b"a", b"1") == OK and put(h, b"e", b"") == OK
    st, out, vl, found = get_many(h, [b"a", b"x", b"e", b"a"])
    assert st == OK and out.value and found == 3
    assert vl == [1, MISSING_LEN, 0, 1]
    assert ctypes.string_at(out.value, 2) == b"11"
    lib.shale_free(out)
    st, out, vl, found = get_many(h, [b"x", b"y"])
    assert st == OK and out.value, "non-NULL even when none was found"
    assert vl == [MISSING_LEN] * 2 and found == 0
    lib.shale_free(out)
    out = c_void_p(1)
    assert lib.shale_db_get_many(h, None, 0, None, None, byref(out), None, None) == OK
    lib.shale_free(out)


def test_get_many_bad_key_names_its_index_and_resets_outputs(h):
    keys = [b"a", b"k" * 65537]
    kl = lens_of(keys)
    vl = size_t_array(2)
    vl[0] = 7
    out = c_void_p(1234)
    found = c_size_t(5)
    st = lib.shale_db_get_many(h, None, 2, b"".join(keys), addr(kl), byref(out), addr(vl), byref(found))
    assert st == E_INVALID_ARGUMENT
    assert b"[1]" in lib.shale_last_error()
    assert out.value is None and vl.tolist() == [MISSING_LEN] * 2 and found.value == 0


def test_put_many_all_or_nothing(h):
    keys = [b"a", b"k" * 65537]
    vals = [b"1", b"2"]
    st = lib.shale_db_put_many(h, 2, b"".join(keys), addr(lens_of(keys)), b"".join(vals), addr(lens_of(vals)))
    assert st == E_INVALID_ARGUMENT and b"[1]" in lib.shale_last_error()
    assert lib.shale_db_exists(h, None, b"a", 1) == NOT_FOUND
    keys = [b"a", b"a", b"b"]
    vals = [b"1", b"2", b"3"]
    assert lib.shale_db_put_many(h, 3, b"".join(keys), addr(lens_of(keys)), b"".join(vals), addr(lens_of(vals))) == OK
    st, out, vl, found = get_many(h, [b"a", b"b"])
    assert ctypes.string_at(out.value, 2) == b"23"  # a later key wins
    lib.shale_free(out)
    assert lib.shale_db_delete_many(h, 2, b"ab", addr(lens_of([b"a", b"b"]))) == OK
    assert lib.shale_db_exists(h, None, b"b", 1) == NOT_FOUND
    assert lib.shale_db_put_many(h, 1, None, addr(lens_of([b"a"])), b"1", addr(lens_of([b"1"]))) == E_INVALID_ARGUMENT


def test_batch_many_unchanged_on_error(h):
    b = c_void_p()
    assert lib.shale_batch_new(byref(b)) == OK
    assert lib.shale_batch_put(b, b"z", 1, b"z", 1) == OK
    keys = [b"a", b"k" * 65537]
    st = lib.shale_batch_put_many(b, 2, b"".join(keys), addr(lens_of(keys)), b"12", addr(lens_of([b"1", b"2"])))
    assert st == E_INVALID_ARGUMENT and b"[1]" in lib.shale_last_error()
    assert lib.shale_batch_delete_many(b, 2, b"".join(keys), addr(lens_of(keys))) == E_INVALID_ARGUMENT
    n = c_size_t()
    assert lib.shale_batch_count(b, byref(n)) == OK and n.value == 1
    assert lib.shale_batch_delete_many(b, 1, b"z", addr(lens_of([b"z"]))) == OK
    assert lib.shale_batch_count(b, byref(n)) == OK and n.value == 2
    assert lib.shale_batch_free(b) == OK
    assert lib.shale_batch_put_many(b, 0, None, None, None, None) == E_INVALID_HANDLE


def test_iter_next_many_contract(h):
    for i in range(10):
        assert put(h, b"k%d" % i, b"v" * i) == OK
    it = c_void_p()
    assert lib.shale_iter_new(h, None, byref(it)) == OK
    lens = size_t_array(8)
    data = c_void_p(5)
    count = c_size_t(5)
    step = lambda d, m, b: lib.shale_iter_next_many(it, d, m, b, byref(data), addr(lens), byref(count))
    assert step(0, 4, 0) == NOT_FOUND and data.value is None and count.value == 0  # unpositioned
    assert lib.shale_iter_first(it) == OK
    assert step(0, 0, 0) == E_INVALID_ARGUMENT
    assert step(2, 4, 0) == E_INVALID_ARGUMENT
    assert step(0, 4, 1) == OK and count.value == 1  # the first entry always comes
    assert lens[:2].tolist() == [2, 0]
    lib.shale_free(data)
    assert step(0, 4, 0) == OK and count.value == 4
    assert lens.tolist() == [2, 1, 2, 2, 2, 3, 2, 4]
    assert ctypes.string_at(data.value, 4) == b"k1v"[:2] + b"v" + b"k"
    lib.shale_free(data)
    assert step(1, 3, 0) == OK and count.value == 3  # backward from k5
    assert ctypes.string_at(data.value, 2) == b"k5"
    lib.shale_free(data)
    lib.shale_db_close(h)
    assert step(0, 4, 0) == E_CLOSED and data.value is None
    assert lib.shale_iter_free(it) == OK


def test_pin_contract(h):
    assert put(h, b"k", b"value") == OK and put(h, b"e", b"") == OK
    pin, ptr, n = c_void_p(), c_void_p(), c_size_t()
    assert lib.shale_db_get_pinned(h, None, b"k", 1, byref(pin), byref(ptr), byref(n)) == OK
    epin, eptr = c_void_p(), c_void_p()
    assert lib.shale_db_get_pinned(h, None, b"e", 1, byref(epin), byref(eptr), byref(n)) == OK
    assert eptr.value and n.value == 0  # non-NULL for an empty value
    mpin, mptr = c_void_p(3), c_void_p(3)
    assert lib.shale_db_get_pinned(h, None, b"x", 1, byref(mpin), byref(mptr), byref(n)) == NOT_FOUND
    assert mpin.value is None and mptr.value is None and n.value == 0
    lib.shale_db_close(h)
    assert ctypes.string_at(ptr.value, 5) == b"value"  # valid after the db's close
    assert lib.shale_pin_free(pin) == OK
    assert lib.shale_pin_free(pin) == E_INVALID_HANDLE
    assert lib.shale_pin_free(epin) == OK
    assert lib.shale_pin_free(None) == OK

"""The raw C ABI through ctypes: versions, status codes, errors, ownership.

Only the loader (shale._lib: the CDLL with argtypes/restype declared) is
used here; no package wrapper.
"""

import ctypes
import errno
import os
import re
import shutil
import subprocess
from ctypes import byref, c_size_t, c_void_p, sizeof

import pytest

from shale import _lib
from shale._lib import lib, shale_iter_options, shale_options, shale_stats
from shale.errors import STATUS_NAMES

OK, NOT_FOUND = 0, 1
E_INVALID_ARGUMENT, E_INVALID_HANDLE, E_CLOSED, E_IO = -1, -2, -3, -4
E_LOCKED, E_BUFFER_TOO_SMALL, E_READ_ONLY, E_CANCELLED = -6, -8, -9, -10
E_EXISTS = -13
MAX_KEY = 65536


def last_error():
    msg = lib.shale_last_error()
    assert msg is not None  # never NULL
    return msg


def open_raw(path, create=1, **fields):
    opts = shale_options()
    assert lib.shale_options_init(byref(opts), sizeof(opts)) == OK
    opts.create_if_missing = create
    opts.sync_mode = 0
    for k, v in fields.items():
        setattr(opts, k, v)
    out = c_void_p(12345)
    st = lib.shale_db_open(os.fsencode(path), byref(opts), byref(out))
    return st, out.value


@pytest.fixture
def raw_db(db_path):
    st, h = open_raw(db_path)
    assert st == OK, last_error()
    assert h
    yield h
    lib.shale_db_close(h)


def put(h, k, v):
    return lib.shale_db_put(h, k, len(k), v, len(v))


# --- versions ----------------------------------------------------------------


def test_versions():
    v = lib.shale_version()
    assert v and v.count(b".") == 2
    major, minor, patch = (int(x) for x in v.split(b"."))
    assert lib.shale_version_number() == major * 10000 + minor * 100 + patch
    assert lib.shale_abi_version() == _lib.ABI_VERSION == 1


def test_every_header_function_is_declared():
    # Only functions added in 0.3.0 or 0.4.0 may be missing, and only from
    # an older library of the same ABI major.
    assert _lib.MISSING <= _lib.SINCE_0_3 | _lib.SINCE_0_4
    if _lib.MISSING & _lib.SINCE_0_3:
        assert lib.shale_version_number() < 300, _lib.MISSING
    if _lib.MISSING:
        assert lib.shale_version_number() < 400, _lib.MISSING
    for name, (restype, argtypes) in _lib.SIGNATURES.items():
        if name in _lib.MISSING:
            continue
        fn = getattr(lib, name)
        assert fn.argtypes == argtypes, name
    header = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "include", "shale.h")
    with open(header) as f:
        declared = set(re.findall(r"SHALE_API\s+[^;(]*?\b(shale_\w+)\s*\(", f.read()))
    assert declared == set(_lib.SIGNATURES)


# --- status codes and errors ---------------------------------------------------


def test_status_names_for_every_code():
    assert len(STATUS_NAMES) == 18
    for code, name in STATUS_NAMES.items():
        assert lib.shale_status_name(code) == name.encode()
    for bogus in (2, -17, -100, 12345, -(2**31), 2**31 - 1):
        assert lib.shale_status_name(bogus) == b"SHALE_E_UNKNOWN"


def test_status_name_does_not_touch_last_error():
    assert lib.shale_db_close(c_void_p(0xDEAD)) == E_INVALID_HANDLE
    msg = last_error()
    assert msg
    lib.shale_status_name(-1)
    assert last_error() == msg
    assert lib.shale_last_status() == E_INVALID_HANDLE


def test_last_error_never_null_and_cleared_by_success(raw_db):
    assert last_error() is not None
    assert put(raw_db, b"k", b"v") == OK
    assert last_error() == b""
    assert lib.shale_last_status() == OK
    assert lib.shale_last_errno() == 0
    assert lib.shale_db_put(raw_db, None, 3, b"v", 1) == E_INVALID_ARGUMENT
    assert last_error() != b""
    assert lib.shale_last_status() == E_INVALID_ARGUMENT
    # reading it twice does not clear it
    assert last_error() != b""
    assert put(raw_db, b"k", b"v") == OK
    assert last_error() == b""
    assert lib.shale_last_status() == OK


def test_last_errno_for_missing_dir(tmp_path):
    missing = tmp_path / "nope" / "db"
    st, h = open_raw(missing, create=0)
    assert st == E_IO
    assert h is None  # out set to NULL on failure
    assert lib.shale_last_errno() == errno.ENOENT
    assert str(missing).encode() in last_error()


def test_locked_second_open(raw_db, db_path):
    st, h = open_raw(db_path)
    assert st == E_LOCKED
    assert h is None
    assert os.fsencode(db_path) in last_error()


def test_error_if_exists(raw_db, tmp_path):
    p = tmp_path / "other"
    st, h = open_raw(p)
    assert st == OK
    assert lib.shale_db_close(h) == OK
    st, h2 = open_raw(p, error_if_exists=1)
    assert st == E_EXISTS and h2 is None


def test_read_only(db_path):
    st, h = open_raw(db_path)
    assert put(h, b"a", b"1") == OK
    assert lib.shale_db_close(h) == OK
    st, h = open_raw(db_path, read_only=1)
    assert st == OK
    try:
        assert put(h, b"b", b"2") == E_READ_ONLY
        assert lib.shale_db_exists(h, None, b"a", 1) == OK
    finally:
        lib.shale_db_close(h)


# --- structs --------------------------------------------------------------------


def test_options_init_and_struct_size():
    opts = shale_options()
    assert lib.shale_options_init(byref(opts), sizeof(opts)) == OK
    assert opts.struct_size == sizeof(opts)
    assert opts.create_if_missing == 1
    assert opts.error_if_exists == 0
    assert opts.read_only == 0
    assert opts.sync_mode == 2
    assert opts.log_level == 1
    assert not opts.logger and opts.logger_user is None
    assert lib.shale_options_init(byref(opts), 4) == E_INVALID_ARGUMENT
    assert lib.shale_options_init(byref(opts), 0) == E_INVALID_ARGUMENT
    assert lib.shale_options_init(None, sizeof(opts)) == E_INVALID_ARGUMENT
    io = shale_iter_options()
    assert lib.shale_iter_options_init(byref(io), sizeof(io)) == OK
    assert io.struct_size == sizeof(io)
    assert io.snapshot is None and io.lower_bound is None and io.prefix_len == 0
    assert lib.shale_iter_options_init(byref(io), 3) == E_INVALID_ARGUMENT
    assert lib.shale_iter_options_init(None, sizeof(io)) == E_INVALID_ARGUMENT


def test_open_rejects_too_small_struct_size(db_path):
    opts = shale_options()
    lib.shale_options_init(byref(opts), sizeof(opts))
    opts.struct_size = 4
    out = c_void_p()
    assert lib.shale_db_open(os.fsencode(db_path), byref(opts), byref(out)) == E_INVALID_ARGUMENT
    assert out.value is None


def _layout_source(structs):
    """A C program printing sizeof and, for every field the ctypes mirror
    declares, its offsetof and size as the C compiler sees them."""
    lines = [
        "#include <stdio.h>",
        "#include <stddef.h>",
        '#include "shale.h"',
        '#define F(T, f) printf("%s.%s %zu %zu\\n", #T, #f, offsetof(T, f), sizeof(((T *)0)->f))',
        "int main(void) {",
    ]
    for struct in structs:
        name = struct.__name__
        lines.append('  printf("%s %%zu\\n", sizeof(%s));' % (name, name))
        for fname, _ in struct._fields_:
            lines.append("  F(%s, %s);" % (name, fname))
    lines.append("  return 0;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def test_struct_layout_matches_c_compiler(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler to compare struct layouts with")
    include = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "include")
    src = tmp_path / "layout.c"
    structs = (shale_options, shale_iter_options, shale_stats)
    src.write_text(_layout_source(structs))
    exe = tmp_path / "layout"
    subprocess.run([cc, "-std=c99", "-I", include, str(src), "-o", str(exe)], check=True)
    lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split("\n")
    expected = {}
    for line in filter(None, lines):
        parts = line.split()
        expected[parts[0]] = tuple(int(x) for x in parts[1:])
    for struct in structs:
        name = struct.__name__
        assert expected[name] == (sizeof(struct),)
        for fname, _ in struct._fields_:
            field = getattr(struct, fname)
            assert expected[name + "." + fname] == (field.offset, field.size), fname


def test_every_public_struct_is_mirrored():
    """Every struct with a body in shale.h has a ctypes mirror in _lib (and
    is therefore in the layout test above)."""
    header = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "include", "shale.h")
    with open(header) as f:
        defined = set(re.findall(r"typedef\s+struct\s+(shale_\w+)\s*\{", f.read()))
    assert defined == {"shale_options", "shale_iter_options", "shale_stats"}
    for name in defined:
        assert issubclass(getattr(_lib, name), ctypes.Structure)


# --- ownership --------------------------------------------------------------------


def test_get_owned_value_freed(raw_db):
    assert put(raw_db, b"key\0with nul", b"val\0ue") == OK
    val, n = c_void_p(), c_size_t(99)
    assert lib.shale_db_get(raw_db, None, b"key\0with nul", 12, byref(val), byref(n)) == OK
    assert val.value and n.value == 6
    assert ctypes.string_at(val.value, n.value) == b"val\0ue"
    lib.shale_free(val)
    lib.shale_free(None)  # NULL is a no-op


def test_get_missing_sets_outs_to_null(raw_db):
    val, n = c_void_p(0x1234), c_size_t(99)
    assert lib.shale_db_get(raw_db, None, b"missing", 7, byref(val), byref(n)) == NOT_FOUND
    assert val.value is None and n.value == 0
    assert lib.shale_db_exists(raw_db, None, b"missing", 7) == NOT_FOUND


def test_empty_value_is_non_null(raw_db):
    assert lib.shale_db_put(raw_db, b"e", 1, None, 0) == OK
    assert put(raw_db, b"", b"empty key") == OK
    val, n = c_void_p(), c_size_t(99)
    assert lib.shale_db_get(raw_db, None, b"e", 1, byref(val), byref(n)) == OK
    assert val.value is not None and n.value == 0
    lib.shale_free(val)
    assert lib.shale_db_get(raw_db, None, None, 0, byref(val), byref(n)) == OK
    assert ctypes.string_at(val.value, n.value) == b"empty key"
    lib.shale_free(val)


def test_get_into(raw_db):
    assert put(raw_db, b"k", b"0123456789") == OK
    needed = c_size_t(7)
    small = ctypes.create_string_buffer(4)
    assert lib.shale_db_get_into(raw_db, None, b"k", 1, small, 4, byref(needed)) == E_BUFFER_TOO_SMALL
    assert needed.value == 10
    assert small.raw == b"\0" * 4  # nothing copied
    assert lib.shale_db_get_into(raw_db, None, b"k", 1, None, 0, byref(needed)) == E_BUFFER_TOO_SMALL
    assert needed.value == 10
    buf = ctypes.create_string_buffer(needed.value)
    assert lib.shale_db_get_into(raw_db, None, b"k", 1, buf, len(buf), byref(needed)) == OK
    assert buf.raw == b"0123456789" and needed.value == 10
    assert lib.shale_db_get_into(raw_db, None, b"x", 1, buf, len(buf), byref(needed)) == NOT_FOUND
    assert needed.value == 0
    assert lib.shale_db_get_into(raw_db, None, b"k", 1, buf, len(buf), None) == E_INVALID_ARGUMENT


def test_property_owned_string(raw_db, db_path):
    out = c_void_p()
    assert lib.shale_db_property(raw_db, b"shale.path", byref(out)) == OK
    assert os.fsencode(db_path) in ctypes.string_at(out.value)
    lib.shale_free(out)
    assert lib.shale_db_property(raw_db, b"shale.sequence", byref(out)) == OK
    int(ctypes.string_at(out.value))
    lib.shale_free(out)
    out = c_void_p(0x10)
    assert lib.shale_db_property(raw_db, b"no.such", byref(out)) == NOT_FOUND
    assert out.value is None
    assert lib.shale_db_property(raw_db, None, byref(out)) == E_INVALID_ARGUMENT
    assert lib.shale_db_property(raw_db, b"shale.path", None) == E_INVALID_ARGUMENT


def test_iterator_borrowed_key_value(raw_db):
    for k in (b"a", b"b", b"c"):
        assert put(raw_db, k, k * 2) == OK
    it = c_void_p()
    io = shale_iter_options()
    lib.shale_iter_options_init(byref(io), sizeof(io))
    lo = ctypes.create_string_buffer(b"b", 1)
    io.lower_bound, io.lower_bound_len = ctypes.addressof(lo), 1
    assert lib.shale_iter_new(raw_db, byref(io), byref(it)) == OK
    try:
        assert lib.shale_iter_valid(it) == NOT_FOUND
        kp, kl = c_void_p(), c_size_t()
        assert lib.shale_iter_key(it, byref(kp), byref(kl)) == E_INVALID_ARGUMENT
        assert lib.shale_iter_next(it) == E_INVALID_ARGUMENT  # unpositioned
        assert lib.shale_iter_first(it) == OK
        assert lib.shale_iter_valid(it) == OK
        assert lib.shale_iter_key(it, byref(kp), byref(kl)) == OK
        assert ctypes.string_at(kp.value, kl.value) == b"b"
        assert lib.shale_iter_value(it, byref(kp), byref(kl)) == OK
        assert ctypes.string_at(kp.value, kl.value) == b"bb"
        assert lib.shale_iter_key(it, None, byref(kl)) == E_INVALID_ARGUMENT
        assert lib.shale_iter_next(it) == OK
        assert lib.shale_iter_next(it) == NOT_FOUND
        assert lib.shale_iter_valid(it) == NOT_FOUND
        assert lib.shale_iter_seek_for_prev(it, b"bz", 2) == OK
        assert lib.shale_iter_key(it, byref(kp), byref(kl)) == OK
        assert ctypes.string_at(kp.value, kl.value) == b"b"
        assert lib.shale_iter_prev(it) == NOT_FOUND  # "a" is below the bound
        assert lib.shale_iter_seek(it, b"bb", 2) == OK
        assert lib.shale_iter_key(it, byref(kp), byref(kl)) == OK
        assert ctypes.string_at(kp.value, kl.value) == b"c"
        assert lib.shale_iter_last(it) == OK
        assert lib.shale_iter_seek(it, None, 1) == E_INVALID_ARGUMENT
    finally:
        assert lib.shale_iter_free(it) == OK


def test_batch_raw(raw_db):
    b = c_void_p()
    assert lib.shale_batch_new(byref(b)) == OK
    assert lib.shale_batch_new(None) == E_INVALID_ARGUMENT
    try:
        assert lib.shale_batch_put(b, b"x", 1, b"1", 1) == OK
        assert lib.shale_batch_delete(b, b"y", 1) == OK
        n = c_size_t()
        assert lib.shale_batch_count(b, byref(n)) == OK and n.value == 2
        assert lib.shale_batch_count(b, None) == E_INVALID_ARGUMENT
        assert lib.shale_db_write(raw_db, b) == OK
        assert lib.shale_db_exists(raw_db, None, b"x", 1) == OK
        assert lib.shale_batch_clear(b) == OK
        assert lib.shale_batch_count(b, byref(n)) == OK and n.value == 0
        assert lib.shale_db_write(raw_db, b) == OK  # empty: no-op
        assert lib.shale_batch_put(b, None, 2, b"", 0) == E_INVALID_ARGUMENT
    finally:
        assert lib.shale_batch_free(b) == OK
    assert lib.shale_batch_free(b) == E_INVALID_HANDLE  # freed twice
    assert lib.shale_batch_free(None) == OK


def test_snapshot_raw(raw_db):
    assert put(raw_db, b"k", b"old") == OK
    s = c_void_p()
    assert lib.shale_snapshot_new(raw_db, byref(s)) == OK
    assert put(raw_db, b"k", b"new") == OK
    val, n = c_void_p(), c_size_t()
    assert lib.shale_db_get(raw_db, s, b"k", 1, byref(val), byref(n)) == OK
    assert ctypes.string_at(val.value, n.value) == b"old"
    lib.shale_free(val)
    assert lib.shale_snapshot_free(s) == OK
    assert lib.shale_snapshot_free(s) == E_INVALID_HANDLE
    assert lib.shale_snapshot_free(None) == OK
    assert lib.shale_snapshot_new(raw_db, None) == E_INVALID_ARGUMENT


# --- limits and bad arguments ----------------------------------------------------


def test_key_size_limit(raw_db):
    big = b"k" * MAX_KEY
    assert put(raw_db, big, b"v") == OK
    over = b"k" * (MAX_KEY + 1)
    assert put(raw_db, over, b"v") == E_INVALID_ARGUMENT
    assert last_error()
    val, n = c_void_p(), c_size_t()
    assert lib.shale_db_get(raw_db, None, over, len(over), byref(val), byref(n)) == E_INVALID_ARGUMENT
    assert val.value is None


def test_null_with_nonzero_length(raw_db):
    assert lib.shale_db_put(raw_db, None, 5, b"v", 1) == E_INVALID_ARGUMENT
    assert lib.shale_db_put(raw_db, b"k", 1, None, 5) == E_INVALID_ARGUMENT
    assert lib.shale_db_delete(raw_db, None, 1) == E_INVALID_ARGUMENT
    assert lib.shale_db_exists(raw_db, None, None, 2) == E_INVALID_ARGUMENT
    assert lib.shale_db_subscribe(raw_db, None, 3, _lib.shale_change_fn(lambda *a: 0), None, _lib.shale_user_free_fn(0), byref(c_void_p())) == E_INVALID_ARGUMENT


def test_null_out_params(raw_db, db_path):
    n = c_size_t()
    assert lib.shale_db_get(raw_db, None, b"k", 1, None, byref(n)) == E_INVALID_ARGUMENT
    val = c_void_p()
    assert lib.shale_db_get(raw_db, None, b"k", 1, byref(val), None) == E_INVALID_ARGUMENT
    assert lib.shale_iter_new(raw_db, None, None) == E_INVALID_ARGUMENT
    assert lib.shale_db_open(os.fsencode(db_path) + b"2", None, None) == E_INVALID_ARGUMENT
    assert lib.shale_db_open(None, None, byref(val)) == E_INVALID_ARGUMENT
    assert val.value is None


def test_null_db_handle():
    assert lib.shale_db_close(None) == OK
    assert lib.shale_db_put(None, b"k", 1, b"v", 1) == E_INVALID_HANDLE
    assert lib.shale_db_sync(None) == E_INVALID_HANDLE
    val, n = c_void_p(), c_size_t()
    assert lib.shale_db_get(None, None, b"k", 1, byref(val), byref(n)) == E_INVALID_HANDLE
    assert lib.shale_iter_free(None) == OK
    assert lib.shale_unsubscribe(None) == OK
    assert lib.shale_iter_next(None) == E_INVALID_HANDLE


def test_closed_and_double_close(db_path):
    st, h = open_raw(db_path)
    assert st == OK
    assert lib.shale_db_close(h) == OK
    assert lib.shale_db_close(h) == E_INVALID_HANDLE
    assert put(h, b"k", b"v") == E_INVALID_HANDLE
    # the lock was released: it opens again
    st, h2 = open_raw(db_path)
    assert st == OK
    assert lib.shale_db_close(h2) == OK


def test_wrong_type_handle(raw_db):
    b = c_void_p()
    assert lib.shale_batch_new(byref(b)) == OK
    try:
        assert put(b.value, b"k", b"v") == E_INVALID_HANDLE
        assert lib.shale_iter_next(raw_db) == E_INVALID_HANDLE
        assert lib.shale_snapshot_free(raw_db) == E_INVALID_HANDLE
        assert lib.shale_batch_put(raw_db, b"k", 1, b"v", 1) == E_INVALID_HANDLE
        assert lib.shale_db_write(raw_db, raw_db) == E_INVALID_HANDLE
    finally:
        lib.shale_batch_free(b)
    assert put(raw_db, b"still", b"fine") == OK


def test_children_after_db_close(db_path):
    st, h = open_raw(db_path)
    assert put(h, b"a", b"1") == OK
    it, snap = c_void_p(), c_void_p()
    assert lib.shale_iter_new(h, None, byref(it)) == OK
    assert lib.shale_snapshot_new(h, byref(snap)) == OK
    assert lib.shale_iter_first(it) == OK
    assert lib.shale_db_close(h) == OK
    assert lib.shale_iter_next(it) == E_CLOSED
    assert lib.shale_iter_first(it) == E_CLOSED
    kp, kl = c_void_p(), c_size_t()
    assert lib.shale_iter_key(it, byref(kp), byref(kl)) == E_CLOSED
    assert kp.value is None
    assert lib.shale_iter_free(it) == OK
    assert lib.shale_snapshot_free(snap) == OK


def test_scan_raw_cancel(raw_db):
    for k in (b"a", b"b", b"c"):
        assert put(raw_db, k, b"") == OK
    seen = []

    @_lib.shale_scan_fn
    def fn(user, kp, kl, vp, vl):
        seen.append((user, ctypes.string_at(kp, kl)))
        return 1 if len(seen) == 2 else 0

    assert lib.shale_db_scan(raw_db, None, 0, fn, 77) == E_CANCELLED
    assert seen == [(77, b"a"), (77, b"b")]
    seen.clear()
    assert lib.shale_db_scan(raw_db, None, 1, fn, None) == E_CANCELLED
    assert [k for _, k in seen] == [b"c", b"b"]
    assert lib.shale_db_scan(raw_db, None, 0, _lib.shale_scan_fn(0), None) == E_INVALID_ARGUMENT


def test_subscribe_raw_user_free_once(raw_db):
    events, freed = [], []

    @_lib.shale_change_fn
    def on_change(user, kind, kp, kl, vp, vl):
        events.append((user, kind, ctypes.string_at(kp, kl), vp is None and vl == 0))
        return 0

    @_lib.shale_user_free_fn
    def on_free(user):
        freed.append(user)

    sub = c_void_p()
    assert lib.shale_db_subscribe(raw_db, b"p", 1, on_change, 5, on_free, byref(sub)) == OK
    assert put(raw_db, b"p1", b"x") == OK
    assert put(raw_db, b"q1", b"x") == OK
    assert lib.shale_db_delete(raw_db, b"p1", 2) == OK
    assert events == [(5, 1, b"p1", False), (5, 2, b"p1", True)]
    assert freed == []
    assert lib.shale_unsubscribe(sub) == OK
    assert freed == [5]
    assert put(raw_db, b"p2", b"x") == OK
    assert len(events) == 2
    assert lib.shale_unsubscribe(sub) == E_INVALID_HANDLE
    assert freed == [5]


def test_logger_user_free_not_called_on_failed_open(tmp_path):
    # The registration begins only if the open succeeds; the caller keeps user.
    freed = []
    log = _lib.shale_log_fn(lambda user, level, msg: 0)
    free = _lib.shale_user_free_fn(lambda user: freed.append(user))
    st, h = open_raw(tmp_path / "missing" / "db", create=0, logger=log, logger_user=9, logger_user_free=free)
    assert st == E_IO
    assert freed == []

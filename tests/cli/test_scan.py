"""scan: --from/--to/--prefix/--reverse/--limit/--keys-only/--count/--json
and their combinations, against a Python model of the expected order and
range, on a store whose entries are spread over tables and the log."""

import json

import pytest

from cliutil import describe, esc, escb, load_model, run, usage_error

SPECIAL = [
    b"",
    b"\x00",
    b"\x00\x00",
    b"\t",
    b"\n",
    b"\\",
    b"a",
    b"a\x00",
    b"a\xff",
    b"ab",
    b"ab\xff",
    b"abc",
    b"abd",
    b"b",
    b"ba",
    b"user:",
    b"\x7f",
    b"\x80",
    b"\xff",
    b"\xff\xff",
]
USERS = [b"user:%03d" % i for i in range(60)]
KEYS = SPECIAL + USERS


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """(db, model): half the keys compacted into tables, the other half,
    some overwrites and some deletes in the log on top."""
    tmp = tmp_path_factory.mktemp("scan")
    db = str(tmp / "db")
    model = {k: b"v1-" + k[::-1] for k in KEYS[::2]}
    load_model(db, model, tmp)
    run("compact", db)
    later = {k: b"v2-" + k for k in KEYS[1::2]}
    later.update({k: b"v3\t" + k for k in KEYS[::6]})  # overwrite tabled keys
    load_model(db, later, tmp)
    model.update(later)
    gone = [b"abc", b"user:007", b"user:008", b"\xff", b"user:030"]
    run("del", db, *[esc(k) for k in gone])
    for k in gone:
        del model[k]
    return db, model


def expected(model, frm=None, to=None, prefix=None, reverse=False, limit=None):
    items = sorted(model.items())
    if frm is not None:
        items = [kv for kv in items if kv[0] >= frm]
    if to is not None:
        items = [kv for kv in items if kv[0] < to]
    if prefix is not None:
        items = [kv for kv in items if kv[0].startswith(prefix)]
    if reverse:
        items.reverse()
    if limit is not None:
        items = items[:limit]
    return items


def range_args(frm, to, prefix):
    args = []
    if frm is not None:
        args += ["--from", esc(frm)]
    if to is not None:
        args += ["--to", esc(to)]
    if prefix is not None:
        args += ["--prefix", esc(prefix)]
    return args


RANGES = [
    (None, None, None),
    (b"a", None, None),
    (None, b"b", None),
    (b"a", b"b", None),
    (b"ab", b"abd", None),
    (b"ab\x00", None, None),
    (b"", b"\x00\x00", None),
    (b"user:010", b"user:020", None),
    (b"user:0595", None, None),
    (b"\xff\xff\xff", None, None),
    (b"b", b"a", None),
    (b"a", b"a", None),
    (None, b"", None),
    (None, None, b"a"),
    (None, None, b"ab"),
    (None, None, b"user:0"),
    (None, None, b"\xff"),
    (None, None, b"a\xff"),
    (None, None, b""),
    (None, None, b"nope"),
    (None, None, b"\x00"),
    (b"user:030", None, b"user:"),
    (None, b"user:015", b"user:"),
    (b"user:005", b"user:012", b"user:01"),
    (b"a", None, b"user:"),
    (b"zz", None, b"user:"),
    (None, b"a", b"user:"),
]


def _id(r):
    return "from=%s,to=%s,prefix=%s" % tuple("-" if x is None else esc(x) for x in r)


@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize("rng", RANGES, ids=[_id(r) for r in RANGES])
def test_scan_range(store, rng, reverse):
    db, model = store
    frm, to, prefix = rng
    args = range_args(frm, to, prefix) + (["--reverse"] if reverse else [])
    want = expected(model, frm, to, prefix, reverse)

    proc = run("scan", db, *args)
    assert proc.stdout == b"".join(escb(k) + b"\t" + escb(v) + b"\n" for k, v in want), describe(proc)
    assert proc.stderr == b""

    # --limit and --keys-only, options before DB this time.
    want3 = expected(model, frm, to, prefix, reverse, limit=3)
    proc = run("scan", "--keys-only", "--limit", "3", *args, db)
    assert proc.stdout == b"".join(escb(k) + b"\n" for k, _ in want3), describe(proc)

    proc = run("scan", db, "--count", *args)
    assert proc.stdout == b"%d\n" % len(want), describe(proc)
    proc = run("scan", db, "--count", "--limit=2", *args)
    assert proc.stdout == b"%d\n" % min(2, len(want)), describe(proc)

    if not reverse:
        # The same range in hex (--from/--to/--prefix in the key encoding).
        hex_args = []
        for opt, val in zip(("--from", "--to", "--prefix"), rng):
            if val is not None:
                hex_args += [opt, val.hex()]
        proc = run("scan", "--hex", "--json", db, *hex_args)
        assert json.loads(proc.stdout) == [{"key": k.hex(), "value": v.hex()} for k, v in want], describe(proc)


def test_scan_limit_edges(store):
    db, model = store
    assert run("scan", db, "--limit", "0").stdout == b""
    assert run("scan", db, "--limit", "0", "--count").stdout == b"0\n"
    everything = expected(model)
    n = len(everything)
    out = run("scan", db, "--limit", str(n + 100)).stdout
    assert out.count(b"\n") == n
    out = run("scan", db, "--limit", str(n - 1), "--reverse", "--keys-only").stdout
    assert out == b"".join(escb(k) + b"\n" for k, _ in expected(model, reverse=True, limit=n - 1))
    assert run("scan", db, "--count").stdout == b"%d\n" % n


def test_scan_json_forms(store):
    db, model = store
    want = expected(model, prefix=b"user:0", reverse=True, limit=7)
    args = ["--prefix", "user:0", "--reverse", "--limit", "7"]
    assert json.loads(run("scan", db, "--json", *args).stdout) == [
        {"key": esc(k), "value": esc(v)} for k, v in want
    ]
    assert json.loads(run("scan", db, "--json", "--keys-only", *args).stdout) == [{"key": esc(k)} for k, _ in want]
    assert json.loads(run("scan", db, "--json", "--count", *args).stdout) == {"count": len(want)}
    assert json.loads(run("scan", db, "--json", "--count").stdout) == {"count": len(model)}
    assert json.loads(run("scan", db, "--json", "--prefix", "nope").stdout) == []
    full = json.loads(run("scan", db, "--json").stdout)
    assert full == [{"key": esc(k), "value": esc(v)} for k, v in expected(model)]


def test_scan_empty_store(db):
    run("put", db, "k", "v")
    run("del", db, "k")
    assert run("scan", db).stdout == b""
    assert run("scan", db, "--reverse").stdout == b""
    assert run("scan", db, "--count").stdout == b"0\n"
    assert json.loads(run("scan", db, "--json").stdout) == []


def test_scan_bad_limits(store):
    db, _ = store
    for bad in ("-1", "abc", "", "1x", "0x10", "99999999999999999999999"):
        usage_error("scan", db, "--limit", bad)
        usage_error("scan", db, "--limit=" + bad)
    usage_error("scan", db, "--limit")  # no value

"""scan: --from/--to/--through/--prefix/--reverse/--limit/--keys-only/--count/--json
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


# --through K: the same ranges with an inclusive end.
THROUGH = [(frm, to, prefix) for frm, to, prefix in RANGES if to is not None] + [
    (None, b"abc", None),  # a deleted key
    (None, b"ab\xff", None),
    (b"a", b"\xff\xff", None),
    (None, b"user:015", b"user:"),
    (b"\x00", b"\x00", None),
]


@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize("rng", THROUGH, ids=[_id(r).replace("to=", "through=") for r in THROUGH])
def test_scan_through_is_inclusive(store, rng, reverse):
    db, model = store
    frm, through, prefix = rng
    want = [kv for kv in expected(model, frm, None, prefix, reverse) if kv[0] <= through]
    args = range_args(frm, None, prefix) + ["--through", esc(through)] + (["--reverse"] if reverse else [])
    proc = run("scan", db, *args)
    assert proc.stdout == b"".join(escb(k) + b"\t" + escb(v) + b"\n" for k, v in want), describe(proc)
    assert run("scan", db, "--count", *args).stdout == b"%d\n" % len(want)
    # dump takes the same range
    dumped = run("dump", db, *args[: len(args) - (1 if reverse else 0)]).stdout
    assert dumped.count(b"\n") == len(want) + 3  # header, comment, trailer


def test_through_at_the_maximum_key_size(tmp_path):
    """--through K where K + 0x00 would be over the key limit: no bound
    expresses it, the walk stops after K (both directions)."""
    db = str(tmp_path / "db")
    big = b"m" * 65536
    keys = [b"a", b"m" * 65535, big[:-1] + b"l", big, b"m\x01", b"n"]
    load_model(db, {k: b"v" for k in keys}, tmp_path)
    want = sorted(k for k in keys if k <= big)
    # (escaped text: 64 KiB in hex is over the length of one argument)
    out = run("scan", db, "--keys-only", "--through", esc(big)).stdout
    assert out.split(b"\n")[:-1] == [escb(k) for k in want]
    out = run("scan", db, "--keys-only", "--through", esc(big), "--reverse").stdout
    assert out.split(b"\n")[:-1] == [escb(k) for k in reversed(want)]
    between = [k for k in keys if b"m" <= k <= big]
    assert len(between) == 4
    assert run("scan", db, "--count", "--from", "m", "--through", esc(big)).stdout == b"%d\n" % len(between)


def test_to_and_through_together_are_refused(store):
    db, _ = store
    for command in (["scan", db], ["dump", db], ["compact", db]):
        proc = usage_error(*command, "--to", "b", "--through", "c")
        assert b"--to (exclusive) and --through (inclusive)" in proc.stderr


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

"""dump and load: the portable text format round-trips random binary keys and
values exactly (escaped and hex, any batch size), --check writes nothing, and
malformed dumps are refused with the line number."""

import os
import random
import re

import pytest

from cliutil import (
    BAD_INPUT,
    NOT_FOUND,
    VERSION,
    describe,
    dump_of,
    esc,
    escb,
    load_model,
    make_dump,
    records_text,
    run,
    snapshot,
    strip_comments,
    usage_error,
)

SPECIAL_BYTES = b"\t\n\r\\\x00\xff #"


def random_bytes(rng, n):
    # A third of the bytes from the troublesome ones, the rest uniform.
    return bytes(rng.choice(SPECIAL_BYTES) if rng.random() < 0.33 else rng.randrange(256) for _ in range(n))


def random_model(seed=7, n=2500):
    rng = random.Random(seed)
    model = {}
    while len(model) < n:
        klen = rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 40]) if rng.random() < 0.3 else rng.randrange(1, 30)
        vlen = rng.choice([0, 0, 1, 2, 100]) if rng.random() < 0.2 else rng.randrange(0, 300)
        model[random_bytes(rng, klen)] = random_bytes(rng, vlen)
    model[b""] = b"the empty key"
    model[b"empty value"] = b""
    model[b"\t\n\r\\\x00\xff"] = b"\xff\x00\\\r\n\t"
    model[b"big"] = bytes(rng.randrange(256) for _ in range(1 << 20))
    return model


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The random model, a handmade dump of it (shuffled, with duplicates
    whose later value wins) and store A loaded from that dump."""
    tmp = tmp_path_factory.mktemp("dumpload")
    model = random_model()
    rng = random.Random(11)
    records = list(model.items())
    rng.shuffle(records)
    # Earlier versions of 200 keys, each somewhere before the key's final
    # record, which must replace it.
    order = [(i, 1, kv) for i, kv in enumerate(records)]
    for i in rng.sample(range(len(records)), 200):
        k, v = records[i]
        order.append((rng.randrange(i + 1), 0, (k, b"old:" + v)))
    records = [kv for _, _, kv in sorted(order, key=lambda t: t[:2])]
    dump_path = str(tmp / "handmade.dump")
    with open(dump_path, "wb") as f:
        f.write(make_dump(records))
    a = str(tmp / "a")
    proc = run("load", a, dump_path)
    assert proc.stderr == b"", describe(proc)
    return {"tmp": tmp, "model": model, "dump_path": dump_path, "a": a}


def test_load_of_handmade_dump_holds_the_model(data):
    a, model = data["a"], data["model"]
    out = run("dump", a).stdout
    assert strip_comments(out) == records_text(model)
    lines = out.split(b"\n")
    assert lines[0] == b"shale-dump 1 escaped"
    assert lines[1].startswith(b"# "), lines[1]
    assert VERSION.encode() in lines[1] and a.encode() in lines[1], lines[1]
    assert out.endswith(b"end %d\n" % len(model))
    # Some values read back directly.
    for k in (b"", b"empty value", b"\t\n\r\\\x00\xff"):
        assert run("get", a, esc(k)).stdout == escb(model[k]) + b"\n"
    assert run("get", "--raw", a, "big").stdout == model[b"big"]


def test_dump_load_round_trip_is_byte_identical(data):
    a, tmp = data["a"], data["tmp"]
    dump_a = run("dump", a).stdout
    b = str(tmp / "b")
    run("load", b, input=dump_a)  # stdin by default
    dump_b = run("dump", b).stdout
    assert strip_comments(dump_b) == strip_comments(dump_a)
    # The one comment line after the header is the only difference (it
    # names the source and the time).
    lines_a, lines_b = dump_a.split(b"\n"), dump_b.split(b"\n")
    # (A record's key may start with '#' too: it has a tab.)
    assert [i for i, l in enumerate(lines_a) if l.startswith(b"#") and b"\t" not in l] == [1]
    assert [i for i, l in enumerate(lines_b) if l.startswith(b"#") and b"\t" not in l] == [1]
    assert any(l.startswith(b"#") for l in lines_a[2:])
    assert lines_a[:1] + lines_a[2:] == lines_b[:1] + lines_b[2:]

    # "-" is stdin for load and stdout for dump.
    c = str(tmp / "c")
    run("load", c, "-", input=run("dump", a, "-").stdout)
    assert dump_of(c) == strip_comments(dump_a)


def test_hex_dump_round_trip(data):
    a, tmp, model = data["a"], data["tmp"], data["model"]
    hex_dump = run("dump", "--hex", a).stdout
    assert hex_dump.startswith(b"shale-dump 1 hex\n")
    assert strip_comments(hex_dump) == records_text(model, mode="hex")
    path = str(tmp / "a.hexdump")
    with open(path, "wb") as f:
        f.write(hex_dump)
    h = str(tmp / "h")
    run("load", h, path)
    assert dump_of(h) == dump_of(a)
    assert dump_of(h, "--hex") == strip_comments(hex_dump)


def test_load_batch_size_7(data):
    a, tmp = data["a"], data["tmp"]
    d = str(tmp / "d7")
    run("load", d, data["dump_path"], "--batch-size", "7")
    assert dump_of(d) == dump_of(a)
    d1 = str(tmp / "d1")
    small = make_dump(sorted(data["model"].items())[:50])
    run("load", "--batch-size=1", d1, input=small)
    assert dump_of(d1) == make_dump(sorted(data["model"].items())[:50], comment=False)


def test_load_check_writes_nothing(data, tmp_path):
    missing = str(tmp_path / "never")
    proc = run("load", "--check", missing, data["dump_path"])
    assert not os.path.exists(missing), describe(proc)
    # On an existing store: nothing changes, not even a file's time.
    a = data["a"]
    before = snapshot(a)
    other = make_dump([(b"new key", b"x"), (b"", b"changed")])
    run("load", "--check", a, input=other)
    assert snapshot(a) == before
    run("get", a, "new key", rc=NOT_FOUND)
    # --check finds the errors a load would.
    bad = str(tmp_path / "bad.dump")
    with open(bad, "wb") as f:
        f.write(b"shale-dump 1 escaped\nk\tv\nno tab here\nend 2\n")
    proc = run("load", "--check", missing, bad, rc=BAD_INPUT)
    assert (bad + ":3:").encode() in proc.stderr, describe(proc)
    assert not os.path.exists(missing)


def test_load_overwrites_and_keeps(db, tmp_path):
    load_model(db, {b"a": b"1", b"b": b"2", b"c": b"3"}, tmp_path)
    load_model(db, {b"b": b"two", b"d": b"4"}, tmp_path)
    assert dump_of(db) == records_text({b"a": b"1", b"b": b"two", b"c": b"3", b"d": b"4"})


def test_load_no_create(tmp_path):
    missing = str(tmp_path / "nope")
    proc = run("load", "--no-create", missing, input=make_dump([(b"k", b"v")]), rc=3)
    assert proc.stderr.startswith(b"shale load: "), describe(proc)
    assert not os.path.exists(missing)


def test_puts_then_dump(db, tmp_path):
    # Entries written with put (escaped arguments and --value-file) dump
    # exactly.
    model = {
        b"": b"empty key",
        b"e": b"",
        b"tab\tkey": b"nl\nvalue",
        b"cr\r": b"\\",
        b"\x00": b"\x00\x00",
        b"\xff\xfe": b"\x80\x7f",
        b"#not a comment": b"#",
        b"end 3": b"end 3",
        b"shale-dump 1 escaped": b"x",
    }
    for k, v in model.items():
        run("put", db, esc(k), esc(v))
    blob = bytes(range(256)) * 10
    f = tmp_path / "blob"
    f.write_bytes(blob)
    run("put", db, "blob", "--value-file", str(f))
    model[b"blob"] = blob
    run("del", db, "e")
    del model[b"e"]
    assert dump_of(db) == records_text(model)
    assert dump_of(db, "--hex") == records_text(model, mode="hex")
    copy = str(tmp_path / "copy")
    run("load", copy, input=run("dump", db).stdout)
    assert dump_of(copy) == records_text(model)


def test_dump_to_file(db, tmp_path):
    model = {b"k%03d" % i: b"v\t%d" % i for i in range(100)}
    load_model(db, model, tmp_path)
    out = tmp_path / "out.dump"
    proc = run("dump", db, str(out))
    assert b"k000" not in proc.stdout, describe(proc)
    assert strip_comments(out.read_bytes()) == records_text(model)
    # An existing file is replaced; no FILE.tmp is left behind.
    out.write_bytes(b"old contents " * 1000)
    run("dump", db, str(out), "--prefix", "k01")
    sub = {k: v for k, v in model.items() if k.startswith(b"k01")}
    assert strip_comments(out.read_bytes()) == records_text(sub)
    assert sorted(os.listdir(tmp_path)) == ["db", "out.dump"]


def test_dump_ranges(db, tmp_path):
    model = {b"k%03d" % i: b"%d" % i for i in range(100)}
    model[b"j"] = b"before"
    model[b"l"] = b"after"
    load_model(db, model, tmp_path)

    def sub(pred):
        return records_text({k: v for k, v in model.items() if pred(k)})

    assert dump_of(db, "--from", "k050") == sub(lambda k: k >= b"k050")
    assert dump_of(db, "--to", "k050") == sub(lambda k: k < b"k050")
    assert dump_of(db, "--from", "k010", "--to", "k020") == sub(lambda k: b"k010" <= k < b"k020")
    assert dump_of(db, "--prefix", "k09") == sub(lambda k: k.startswith(b"k09"))
    assert dump_of(db, "--prefix", "k0", "--from", "k055") == sub(lambda k: k.startswith(b"k0") and k >= b"k055")
    assert dump_of(db, "--prefix", "zz") == records_text({})
    assert dump_of(db, "--hex", "--prefix", "6b303939") == records_text({b"k099": b"99"}, mode="hex")


# ---- the format's rules on input ------------------------------------------------


def test_duplicates_take_the_later_value(db):
    dump = make_dump([(b"k", b"first"), (b"a", b"x"), (b"k", b"second"), (b"k", b"third")])
    run("load", db, input=dump)
    assert run("get", db, "k").stdout == b"third\n"
    run("load", db, "--batch-size", "1", input=make_dump([(b"k", b"1"), (b"k", b"2")]))
    assert run("get", db, "k").stdout == b"2\n"


def test_comments_blank_lines_and_cr(db):
    dump = (
        b"shale-dump 1 escaped\n"
        b"# a comment\n"
        b"\n"
        b"a\t1\n"
        b"# another comment, between records\n"
        b"#hash\tkey\n"  # has a tab: a record whose key starts with '#'
        b"\n"
        b"cr\tvalue\r\n"  # a CR before the LF is part of the value
        b"raw\t\xc3\xa9\n"  # any other byte stands for itself
        b"end 4\n"
    )
    run("load", db, input=dump)
    assert dump_of(db) == records_text({b"a": b"1", b"#hash": b"key", b"cr": b"value\r", b"raw": b"\xc3\xa9"})


def test_empty_dump(db):
    run("load", db, input=b"shale-dump 1 escaped\nend 0\n")
    assert os.path.isfile(os.path.join(db, "CURRENT"))
    assert dump_of(db) == b"shale-dump 1 escaped\nend 0\n"
    run("load", db, input=b"shale-dump 1 hex\nend 0\n")


# ---- malformed dumps ------------------------------------------------------------

GOOD = [b"k%d\tv%d" % (i, i) for i in range(1, 6)]  # lines 3..7 after header+comment
HEAD = [b"shale-dump 1 escaped", b"# made by hand"]

MALFORMED = {
    # name: (lines, the line number the message must name)
    "bad version": ([b"shale-dump 2 escaped"] + GOOD + [b"end 5"], 1),
    "bad encoding": ([b"shale-dump 1 base64"] + GOOD + [b"end 5"], 1),
    "not a dump": ([b"hello world"] + GOOD + [b"end 5"], 1),
    "header not first": ([b"k0\tv0", b"shale-dump 1 escaped"] + GOOD + [b"end 6"], 1),
    "wrong count": (HEAD + GOOD + [b"end 4"], 8),
    "count too big": (HEAD + GOOD + [b"end 6"], 8),
    "bad count": (HEAD + GOOD + [b"end five"], 8),
    "no tab": (HEAD + GOOD[:2] + [b"just a key"] + GOOD[2:] + [b"end 6"], 5),
    "two tabs": (HEAD + GOOD[:3] + [b"k\tv\tw"] + GOOD[3:] + [b"end 6"], 6),
    "bad escape in key": (HEAD + GOOD[:2] + [b"k\\q\tv"] + GOOD[2:] + [b"end 6"], 5),
    "bad escape in value": (HEAD + GOOD[:4] + [b"k\tv\\x4"] + GOOD[4:] + [b"end 6"], 7),
    "trailing backslash": (HEAD + [b"k\tv\\"] + GOOD + [b"end 6"], 3),
    "record after end": (HEAD + GOOD + [b"end 5", b"k9\tv9"], 9),
}

HEX_MALFORMED = {
    "odd digits": ([b"shale-dump 1 hex", b"6b\t767", b"end 1"], 2),
    "non-hex": ([b"shale-dump 1 hex", b"6b\t7z", b"end 1"], 2),
    "cr in hex": ([b"shale-dump 1 hex", b"6b\t76\r", b"end 1"], 2),
    "escape in hex": ([b"shale-dump 1 hex", b"6b\t0a", b"\\x00\t00", b"end 2"], 3),
}


@pytest.mark.parametrize("case", sorted(MALFORMED) + ["hex: " + c for c in sorted(HEX_MALFORMED)])
def test_malformed_dump(tmp_path, case):
    if case.startswith("hex: "):
        lines, line_no = HEX_MALFORMED[case[5:]]
    else:
        lines, line_no = MALFORMED[case]
    path = str(tmp_path / "bad.dump")
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    db = str(tmp_path / "db")
    proc = run("load", db, path, rc=BAD_INPUT)
    assert proc.stdout == b""
    assert proc.stderr.startswith(("shale load: %s:%d:" % (path, line_no)).encode()), describe(proc)
    # --check says the same without creating the store.
    other = str(tmp_path / "other")
    proc2 = run("load", "--check", other, path, rc=BAD_INPUT)
    assert ("%s:%d:" % (path, line_no)).encode() in proc2.stderr, describe(proc2)
    assert not os.path.exists(other)


def test_malformed_from_stdin_names_the_line(db):
    proc = run("load", db, input=b"shale-dump 1 escaped\nk\tv\nbad\nend 2\n", rc=BAD_INPUT)
    assert re.search(rb":3:", proc.stderr), describe(proc)


@pytest.mark.parametrize("cut", ["no trailer", "mid record", "empty file", "header only"])
def test_truncated_dump_is_refused(tmp_path, cut):
    full = make_dump([(b"k%03d" % i, b"v" * 50) for i in range(100)])
    if cut == "no trailer":
        data = full[: full.rindex(b"end ")]
    elif cut == "mid record":
        data = full[: len(full) // 2]
        assert not data.endswith(b"\n")
    elif cut == "empty file":
        data = b""
    else:
        data = b"shale-dump 1 escaped\n"
    path = str(tmp_path / "cut.dump")
    with open(path, "wb") as f:
        f.write(data)
    proc = run("load", str(tmp_path / "db"), path, rc=BAD_INPUT)
    assert proc.stderr.startswith(("shale load: %s" % path).encode()), describe(proc)
    proc = run("load", "--check", str(tmp_path / "db2"), path, rc=BAD_INPUT)
    assert not os.path.exists(str(tmp_path / "db2"))


def test_load_stops_at_the_bad_line_after_whole_batches(db, tmp_path):
    """Into an existing store (a new path is all or nothing: see
    test_failed_load_into_a_new_path_leaves_nothing)."""
    run("put", db, "k00", "v0")
    records = [(b"k%02d" % i, b"v%d" % i) for i in range(0, 12)]
    lines = [b"shale-dump 1 escaped", b"# made by hand"] + [k + b"\t" + v for k, v in records] + [b"end 11"]
    del lines[2]  # k00 is in the store already
    lines[8] = b"k07 without a tab"  # line 9, the 7th record
    path = str(tmp_path / "stops.dump")
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    proc = run("load", db, path, "--batch-size", "2", rc=BAD_INPUT)
    assert proc.stderr.startswith(("shale load: %s:9:" % path).encode()), describe(proc)
    # The three whole batches before line 9 are in the store, nothing after.
    assert dump_of(db) == make_dump(records[:7], comment=False)
    run("verify", db)
    # Loading is idempotent: the fixed dump loads over it.
    lines[8] = b"k07\tv7"
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    run("load", db, path, "--batch-size", "2")
    assert dump_of(db) == make_dump(records, comment=False)


BAD_DUMPS = {
    "empty input": b"",
    "not a dump": b"hello\n",
    "bad line": make_dump([(b"a", b"1"), (b"b", b"2")]).replace(b"b\t2", b"b no tab"),
    "bad line after whole batches": make_dump([(b"k%04d" % i, b"v") for i in range(2500)]).replace(
        b"\nend ", b"\nz\t\\q\nend "
    ),
    "no trailer": make_dump([(b"a", b"1")], trailer=False),
    "wrong count": make_dump([(b"a", b"1")], count=2),
}


@pytest.mark.parametrize("dump", list(BAD_DUMPS.values()), ids=list(BAD_DUMPS))
def test_failed_load_into_a_new_path_leaves_nothing(tmp_path, dump):
    """A load into a path where there is no store is all or nothing: the
    store is built in DB.load-PID.tmp and renamed when complete."""
    db = str(tmp_path / "new")
    proc = run("load", db, "--batch-size", "100", input=dump, rc=BAD_INPUT)
    assert proc.stderr.rstrip().endswith(b"shale load: nothing was written; no store was created"), describe(proc)
    assert os.listdir(str(tmp_path)) == [], "left behind: %s" % os.listdir(str(tmp_path))
    # An empty directory is a new path too; it is left empty.
    os.mkdir(db)
    run("load", db, input=dump, rc=BAD_INPUT)
    assert sorted(os.listdir(str(tmp_path))) == ["new"] and os.listdir(db) == []


def test_load_into_a_new_path_appears_when_complete(tmp_path):
    model = {b"k%04d" % i: b"v%d" % i for i in range(2500)}
    db = str(tmp_path / "new")
    proc = run("load", db, "--batch-size", "100", input=records_text(model))
    assert proc.stdout.startswith(b"loaded 2500 records"), describe(proc)
    assert sorted(os.listdir(str(tmp_path))) == ["new"]  # no .tmp left
    assert dump_of(db) == records_text(model)
    run("verify", db)
    # Into an empty directory: the store replaces it.
    empty = str(tmp_path / "empty")
    os.mkdir(empty)
    run("load", empty, input=records_text(model))
    assert dump_of(empty) == records_text(model)
    assert sorted(os.listdir(str(tmp_path))) == ["empty", "new"]


def test_load_into_a_new_path_refuses_a_leftover_tmp(tmp_path):
    """A DB.load-PID.tmp of this pid (a load that was killed, its pid
    reused) is not overwritten."""
    db = str(tmp_path / "new")
    script = (
        'import os, subprocess, sys; os.mkdir("%s.load-%%d.tmp" %% os.getpid()); '
        'os.execv(sys.argv[1], sys.argv[1:])' % db
    )
    import subprocess
    import sys

    from cliutil import SHALE, tool_env

    proc = subprocess.run(
        [sys.executable, "-c", script, SHALE, "load", db],
        input=make_dump([(b"a", b"1")]),
        capture_output=True,
        env=tool_env(),
    )
    assert proc.returncode == 3, describe(proc)
    assert b"already exists (left by a load that was killed?)" in proc.stderr, describe(proc)
    assert not os.path.exists(db)


def test_bad_batch_sizes(db):
    for bad in ("0", "-1", "abc", "", "7x"):
        usage_error("load", db, "--batch-size", bad, input=make_dump([]))
    assert not os.path.exists(db)


"""Every subcommand on a real store: stat, get/put/del, verify, compact,
backup, and read-only commands that change nothing on disk."""

import os
import subprocess

from cliutil import (
    SHALE,
    BAD_INPUT,
    NOT_FOUND,
    STATS_LEVELS,
    STORE,
    VERSION,
    describe,
    dump_of,
    esc,
    files_of,
    load_model,
    records_text,
    run,
    store_snapshot,
    stat_json,
    tool_env,
)

# ---- put / get / del ---------------------------------------------------------


def test_put_then_get(db):
    run("put", db, "user:1", "alice")
    run("put", db, "user:2", "bob")
    assert run("get", db, "user:1").stdout == b"alice\n"
    assert run("get", db, "user:2").stdout == b"bob\n"
    run("put", db, "user:1", "alice2")
    assert run("get", db, "user:1").stdout == b"alice2\n"
    # Options may come before DB, between the arguments or after them.
    assert run("get", "--hex", db, "757365723a31").stdout == b"616c69636532\n"
    assert run("get", db, "757365723a31", "--hex").stdout == b"616c69636532\n"
    assert run("get", db, "--hex", "757365723a31").stdout == b"616c69636532\n"


def test_put_creates_the_store_unless_no_create(tmp_path):
    fresh = str(tmp_path / "fresh")
    run("put", fresh, "k", "v")
    assert os.path.isfile(os.path.join(fresh, "CURRENT"))
    assert run("get", fresh, "k").stdout == b"v\n"

    other = str(tmp_path / "other")
    proc = run("put", "--no-create", other, "k", "v", rc=STORE)
    assert proc.stderr.startswith(b"shale put: "), describe(proc)
    assert other.encode() in proc.stderr, describe(proc)
    assert not os.path.exists(other)
    # --no-create on an existing store is an ordinary put.
    run("put", "--no-create", fresh, "k2", "v2")
    assert run("get", fresh, "k2").stdout == b"v2\n"


def test_get_missing_key(db):
    run("put", db, "a", "1")
    proc = run("get", db, "nope", rc=NOT_FOUND)
    assert proc.stdout == b""
    assert proc.stderr.splitlines()[0] == b"shale get: not found: nope", describe(proc)
    # The key is named in its escaped form.
    proc = run("get", db, "a\\tb\\x00", rc=NOT_FOUND)
    assert proc.stderr.splitlines()[0] == b"shale get: not found: a\\tb\\x00", describe(proc)


def test_empty_value(db):
    run("put", db, "k", "")
    assert run("get", db, "k").stdout == b"\n"
    assert run("get", "--raw", db, "k").stdout == b""


def test_del(db):
    for k in ("a", "b", "c", "d"):
        run("put", db, k, "v" + k)
    proc = run("del", db, "a", "b")
    assert proc.stderr == b""
    run("get", db, "a", rc=NOT_FOUND)
    run("get", db, "b", rc=NOT_FOUND)
    # A missing key: reported, exit 1, but the keys that existed are deleted.
    proc = run("del", db, "c", "missing", rc=NOT_FOUND)
    assert b"shale del: not found: missing" in proc.stderr, describe(proc)
    assert b"not found: c" not in proc.stderr, describe(proc)
    run("get", db, "c", rc=NOT_FOUND)
    assert run("get", db, "d").stdout == b"vd\n"
    # --force / -f: a missing key counts as deleted.
    run("del", db, "missing", "--force")
    run("del", "-f", db, "d", "missing2")
    run("get", db, "d", rc=NOT_FOUND)
    assert run("scan", db).stdout == b""


def test_double_dash_ends_options(db):
    run("put", db, "--", "-key", "-value")
    assert run("get", db, "--", "-key").stdout == b"-value\n"
    assert run("scan", db).stdout == b"-key\t-value\n"
    run("del", db, "--", "-key")
    run("get", db, "--", "-key", rc=NOT_FOUND)


def test_put_value_file(db, tmp_path):
    data = bytes(range(256)) * 3 + b"\x00\r\n\t\\" + b"\x00"
    f = tmp_path / "value.bin"
    f.write_bytes(data)
    run("put", db, "bin", "--value-file", str(f))
    assert run("get", "--raw", db, "bin").stdout == data
    assert run("get", db, "bin").stdout == esc(data).encode() + b"\n"
    assert run("get", "--value-hex", db, "bin").stdout == data.hex().encode() + b"\n"
    # The file's bytes are taken as they are, whatever the value encoding.
    f2 = tmp_path / "notation.txt"
    f2.write_bytes(b"zz\\q not hex")
    run("put", "--hex", db, "6b32", "--value-file=" + str(f2))
    assert run("get", "--raw", db, "k2").stdout == b"zz\\q not hex"
    # '-' is stdin.
    run("put", db, "stdin", "--value-file", "-", input=data[::-1])
    assert run("get", "--raw", db, "stdin").stdout == data[::-1]
    run("put", db, "empty", "--value-file", "-", input=b"")
    assert run("get", "--raw", db, "empty").stdout == b""


def test_put_value_file_unreadable(db, tmp_path):
    run("put", db, "k", "v")
    missing = str(tmp_path / "no-such-file")
    proc = run("put", db, "x", "--value-file", missing, rc=BAD_INPUT)
    assert proc.stderr.startswith(b"shale put: "), describe(proc)
    assert missing.encode() in proc.stderr, describe(proc)
    run("get", db, "x", rc=NOT_FOUND)
    # A directory cannot be read as a file either.
    run("put", db, "x", "--value-file", str(tmp_path), rc=BAD_INPUT)
    run("get", db, "x", rc=NOT_FOUND)


def test_get_raw_writes_exact_bytes(db, tmp_path):
    value = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff"
    f = tmp_path / "img"
    f.write_bytes(value)
    run("put", db, "img", "--value-file", str(f))
    assert run("get", "--raw", db, "img").stdout == value
    assert run("get", "--value-raw", db, "img").stdout == value
    # With a file as stdout, as in `shale get --raw DB img > img.png`.
    out = tmp_path / "out.png"
    with open(out, "wb") as fh:
        proc = subprocess.run([SHALE, "get", "--raw", db, "img"], stdout=fh, stderr=subprocess.PIPE, env=tool_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert out.read_bytes() == value


# ---- stat --------------------------------------------------------------------


def test_stat_json_after_known_writes(db):
    for i in range(5):
        run("put", db, "k%d" % i, "value-%d" % i)
    run("del", db, "k0", "k1")
    st = stat_json(db)
    for name in (
        "approximate_keys",
        "live_bytes",
        "disk_bytes",
        "memtable_bytes",
        "cache_capacity",
        "cache_usage",
        "cache_hits",
        "cache_misses",
        "open_tables",
        "flushes",
        "compactions",
        "compaction_bytes_read",
        "compaction_bytes_written",
        "flush_bytes_written",
        "wal_bytes_written",
        "user_bytes_written",
        "bloom_checks",
        "bloom_negatives",
        "write_stalls",
    ):
        assert isinstance(st[name], int) and st[name] >= 0, (name, st)
    assert isinstance(st["write_amplification"], (int, float))
    assert st["version"] == VERSION
    assert os.path.realpath(st["path"]) == os.path.realpath(db)
    # 5 puts + 2 deletes, each its own sequence number. Each command's open
    # wrote the writes of the command before it to a table; the last
    # command's writes are in the log, which the read-only stat replays
    # into its memtable.
    assert st["sequence"] == 7, st
    assert st["approximate_keys"] == 7, st
    assert sum(st["level_files"]) >= 1, st
    assert sum(st["level_bytes"]) > 0, st
    assert st["memtable_bytes"] > 0
    assert st["disk_bytes"] > 0
    assert st["cache_capacity"] > 0

    run("compact", db)
    st = stat_json(db)
    assert st["sequence"] == 7, st
    # Compaction drops the deleted keys and their tombstones.
    assert st["approximate_keys"] == 3, st
    assert len(st["level_files"]) == STATS_LEVELS and len(st["level_bytes"]) == STATS_LEVELS
    assert sum(st["level_files"]) >= 1, st
    assert sum(st["level_bytes"]) > 0, st
    tables = files_of(db, ".sst")
    assert sum(st["level_files"]) == len(tables), (st, os.listdir(db))
    assert sum(st["level_bytes"]) == sum(os.path.getsize(os.path.join(db, t)) for t in tables), st
    on_disk = sum(os.path.getsize(os.path.join(db, n)) for n in os.listdir(db))
    assert st["disk_bytes"] == on_disk, (st, on_disk)


def test_stat_human(db):
    for i in range(12):
        run("put", db, "k%02d" % i, "v")
    proc = run("stat", db)
    assert proc.stderr == b""
    out = proc.stdout.decode()
    assert db in out, out
    assert VERSION in out, out
    st = stat_json(db)
    assert str(st["approximate_keys"]) in out and str(st["sequence"]) in out, out
    # Printable text only.
    assert all(c == "\n" or 0x20 <= ord(c) < 0x7F for c in out), out


# ---- verify ------------------------------------------------------------------


def _mixed_store(db, tmp_path, n=300):
    """A store with tables (compacted) and a non-empty log; returns its model."""
    model = {b"key%05d" % i: b"value-%d-" % i + bytes([i % 256]) * (i % 50) for i in range(n)}
    load_model(db, model, tmp_path)
    run("compact", db)
    # Overwrites on top, in the log: a few puts, the rest in one load.
    over = {b"key%05d" % i: b"new-%d" % i for i in range(0, n, 7)}
    for k in sorted(over)[:4]:
        run("put", db, k, over[k])
    load_model(db, over, tmp_path)
    model.update(over)
    return model


def test_verify_sound(db, tmp_path):
    _mixed_store(db, tmp_path)
    proc = run("verify", db)
    lines = proc.stdout.decode().splitlines()
    assert lines and lines[0].startswith(db + ": sound ("), describe(proc)
    assert proc.stderr == b""

    proc = run("verify", "--verbose", db)
    out = proc.stdout.decode()
    assert db + ": sound (" in out, out
    names = [n for n in os.listdir(db) if n.endswith((".sst", ".log")) or n.startswith("MANIFEST-")]
    assert files_of(db, ".sst") and files_of(db, ".log"), os.listdir(db)
    for name in names:
        assert name in out, "verify --verbose does not name %s:\n%s" % (name, out)


# ---- compact -----------------------------------------------------------------


def test_compact_keeps_entries_drops_deleted(db, tmp_path):
    model = {b"c%04d" % i: b"v%d" % i for i in range(400)}
    load_model(db, model, tmp_path)
    # Overwrites and deletes on top.
    over = {b"c%04d" % i: b"w%d" % i for i in range(0, 400, 3)}
    load_model(db, over, tmp_path)
    model.update(over)
    gone = [b"c%04d" % i for i in range(0, 400, 10)]
    run("del", db, *gone)
    for k in gone:
        del model[k]
    before = dump_of(db)
    assert before == records_text(model)

    proc = run("compact", db)
    assert proc.stdout.strip(), "compact prints the disk size before and after: %s" % describe(proc)
    assert dump_of(db) == before
    for k in gone[:3]:
        run("get", db, k, rc=NOT_FOUND)
    st = stat_json(db)
    assert st["approximate_keys"] == len(model), st
    assert files_of(db, ".sst"), os.listdir(db)
    run("verify", db)

    # A range compaction leaves the entries as they are too.
    run("put", db, "c0005", "again")
    model[b"c0005"] = b"again"
    run("compact", db, "--from", "c0000", "--to", "c0100")
    assert dump_of(db) == records_text(model)


def _levels(db):
    return stat_json(db)["level_files"][:3]


def test_compact_to_is_exclusive_and_through_inclusive(db, tmp_path):
    """The same meaning as for scan and dump. Observed through the levels:
    a compaction of a range pushes the table files that hold keys of it one
    level down; one that holds no key of the range stays where it is."""
    load_model(db, {b"m": b"1", b"n": b"2"}, tmp_path)
    run("compact", db)
    assert _levels(db) == [0, 1, 0]
    # --to m: the keys below "m", the smallest: none, the table stays.
    proc = run("compact", db, "--to", "m", "--no-progress")
    assert proc.stdout.startswith(b"compacted %s: 0 B compacted" % db.encode()), describe(proc)
    assert _levels(db) == [0, 1, 0]
    # --through m holds "m": the table is compacted into the next level.
    run("compact", db, "--through", "m", "--no-progress")
    assert _levels(db) == [0, 0, 1]
    # --from n --to n is empty (as for scan): nothing moves.
    proc = run("compact", db, "--from", "n", "--to", "n", "--no-progress")
    assert proc.stdout == b"compacted %s: nothing, the range holds no key\n" % db.encode()
    assert stat_json(db)["level_files"][:4] == [0, 0, 1, 0]
    # --to "n\x00": "n" is the greatest key below it, so it is in range.
    run("compact", db, "--from", "n", "--to", "n\\x00", "--no-progress")
    assert stat_json(db)["level_files"][:4] == [0, 0, 0, 1]
    # --to of the empty key: no key is below it; nothing to do.
    proc = run("compact", db, "--to", "", "--no-progress")
    assert b"nothing" in proc.stdout, describe(proc)
    assert dump_of(db) == records_text({b"m": b"1", b"n": b"2"})


# ---- backup ------------------------------------------------------------------


def test_backup(db, tmp_path):
    model = _mixed_store(db, tmp_path)
    dest = str(tmp_path / "copy")
    proc = run("backup", db, dest)
    assert proc.stderr == b""
    assert dump_of(dest) == dump_of(db) == records_text(model)
    run("verify", dest)
    # The copy is an ordinary store: writable, independent of the original.
    run("put", dest, "only-in-copy", "1")
    run("get", db, "only-in-copy", rc=NOT_FOUND)

    # An existing empty directory is fine.
    empty = tmp_path / "empty"
    empty.mkdir()
    run("backup", db, str(empty))
    assert dump_of(str(empty)) == records_text(model)


def test_backup_refuses_non_empty_dest(db, tmp_path):
    run("put", db, "k", "v")
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_bytes(b"mine")
    proc = run("backup", db, str(dest), rc=None)
    assert proc.returncode in (2, 3), describe(proc)
    assert proc.stderr.startswith(b"shale backup: "), describe(proc)
    assert str(dest).encode() in proc.stderr, describe(proc)
    assert os.listdir(dest) == ["keep.txt"]
    assert (dest / "keep.txt").read_bytes() == b"mine"


# ---- read-only commands change nothing ---------------------------------------

READ_ONLY_RUNS = [
    ["stat"],
    ["stat", "--json"],
    ["get", "{key}"],
    ["get", "no-such-key"],
    ["scan"],
    ["scan", "--reverse", "--limit", "5"],
    ["scan", "--count"],
    ["dump"],
    ["dump", "--hex"],
    ["verify"],
    ["verify", "--verbose"],
]


def _read_only_runs(db, tmp_path, key):
    for args in READ_ONLY_RUNS:
        proc = run(args[0], db, *[a.format(key=key) for a in args[1:]], rc=None)
        assert proc.returncode == (NOT_FOUND if args[1:] == ["no-such-key"] else 0), describe(proc)
    run("dump", db, str(tmp_path / "out.dump"))
    run("backup", db, str(tmp_path / "bk"))


def test_read_only_commands_change_nothing(db, tmp_path):
    _mixed_store(db, tmp_path)
    before = store_snapshot(db)
    _read_only_runs(db, tmp_path, "key00003")
    assert store_snapshot(db) == before


def test_read_only_commands_leave_a_torn_log_tail(db, tmp_path):
    for i in range(20):
        run("put", db, "k%02d" % i, "v" * 100)
    logs = files_of(db, ".log")
    assert logs, os.listdir(db)
    log = os.path.join(db, max(logs, key=lambda n: os.path.getsize(os.path.join(db, n))))
    size = os.path.getsize(log)
    assert size > 100
    os.truncate(log, size - 3)  # the last record is torn
    before = store_snapshot(db)
    _read_only_runs(db, tmp_path, "k00")
    assert store_snapshot(db) == before
    # A torn tail is not damage.
    run("verify", db)
    assert run("scan", db, "--count").stdout == b"19\n"

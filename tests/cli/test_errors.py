"""Bad arguments (exit 2), missing stores (exit 3, nothing created), help and
--version, a locked store (exit 5) and a corrupted store (verify exit 4)."""

import os
import subprocess
import time

import pytest

from cliutil import (
    COMMANDS,
    CORRUPT,
    LOCKED,
    SHALE,
    VERSION,
    STORE,
    assert_no_sanitizer,
    describe,
    files_of,
    holds_lock,
    load_model,
    make_dump,
    run,
    snapshot,
    store_snapshot,
    tool_env,
    usage_error,
)


@pytest.fixture
def store(tmp_path):
    db = str(tmp_path / "db")
    run("put", db, "k", "v")
    return db


# ---- usage errors ------------------------------------------------------------


def test_unknown_command():
    proc = usage_error("frobnicate", "/tmp/x")
    assert b"frobnicate" in proc.stderr, describe(proc)
    usage_error("GET", "/tmp/x", "k")


def test_no_command():
    proc = run(rc=None)
    assert proc.returncode == 2, describe(proc)
    assert proc.stdout == b"" and proc.stderr, describe(proc)


BAD_ARGS = [
    ["get", "{db}", "k", "--frob"],
    ["get", "--frob", "{db}", "k"],
    ["scan", "{db}", "-z"],
    ["stat", "{db}", "--json=yes"],
    ["stat"],
    ["get"],
    ["get", "{db}"],
    ["put", "{db}"],
    ["put", "{db}", "k"],
    ["put", "{db}", "k", "v", "extra"],
    ["put", "{db}", "k", "v", "--value-file", "/dev/null"],
    ["del", "{db}"],
    ["get", "{db}", "k", "extra"],
    ["stat", "{db}", "extra"],
    ["scan", "{db}", "extra"],
    ["dump", "{db}", "file", "extra"],
    ["load", "{db}", "file", "extra"],
    ["verify", "{db}", "extra"],
    ["compact", "{db}", "extra"],
    ["backup", "{db}"],
    ["backup", "{db}", "dest", "extra"],
    ["scan", "{db}", "--limit", "-1"],
    ["scan", "{db}", "--limit", "abc"],
    ["scan", "{db}", "--limit"],
    ["load", "{db}", "--batch-size", "0"],
    ["load", "{db}", "--batch-size", "x"],
    ["scan", "{db}", "--hex", "--raw", "--json"],
    ["get", "{db}", "-key"],
    ["get", "{db}", "--from", "a", "k"],  # an option of another command
    ["put", "{db}", "k", "v", "--force"],
    ["stat", "{db}", "--keys-only"],
    ["help", "frobnicate"],
]


@pytest.mark.parametrize("args", BAD_ARGS, ids=[" ".join(a) for a in BAD_ARGS])
def test_bad_arguments(store, args):
    before = snapshot(store)
    usage_error(*[a.format(db=store) for a in args])
    # A usage error happens before the store is touched.
    assert snapshot(store) == before


def test_bad_arguments_on_a_missing_store(tmp_path):
    # A usage error wins over the missing store (and creates nothing).
    missing = str(tmp_path / "missing")
    usage_error("put", missing, "k")
    usage_error("put", missing, "k", "v", "--frob")
    usage_error("load", missing, "--batch-size", "0", input=make_dump([]))
    assert not os.path.exists(missing)


# ---- help and version ----------------------------------------------------------


def _assert_help(proc, cmd=None):
    assert proc.stderr == b"", describe(proc)
    out = proc.stdout.decode()
    assert "usage" in out.lower(), out
    if cmd:
        assert "shale " + cmd in out, out
    else:
        for c in COMMANDS:
            assert c in out, (c, out)


def test_tool_help():
    _assert_help(run("--help"))
    _assert_help(run("help"))
    assert run("help").stdout == run("--help").stdout


@pytest.mark.parametrize("cmd", COMMANDS)
def test_command_help(cmd, tmp_path):
    a = run(cmd, "--help")
    _assert_help(a, cmd)
    b = run("help", cmd)
    _assert_help(b, cmd)
    assert a.stdout == b.stdout
    # --help wins over everything else on the line, and opens nothing.
    db = str(tmp_path / "db")
    _assert_help(run(cmd, db, "x", "--help"), cmd)
    assert not os.path.exists(db)


def test_version():
    proc = run("--version")
    assert VERSION.encode() in proc.stdout, describe(proc)
    assert proc.stderr == b""


# ---- missing stores: exit 3 and nothing created ---------------------------------

READ_ON_MISSING = [
    ["stat"],
    ["stat", "--json"],
    ["get", "k"],
    ["scan"],
    ["scan", "--count"],
    ["dump"],
    ["dump", "--hex"],
    ["verify"],
    ["backup", "{dest}"],
    # read-write, but only put and load create a store
    ["del", "k"],
    ["compact"],
    ["salvage"],
    ["put", "--no-create", "k", "v"],
    ["load", "--no-create"],
]


@pytest.mark.parametrize("args", READ_ON_MISSING, ids=[" ".join(a) for a in READ_ON_MISSING])
def test_missing_store(tmp_path, args):
    db = str(tmp_path / "missing")
    dest = str(tmp_path / "dest")
    argv = [args[0], db] + [a.format(dest=dest) for a in args[1:]]
    proc = run(*argv, rc=STORE, input=make_dump([(b"k", b"v")]))
    assert proc.stdout == b"", describe(proc)
    assert proc.stderr.startswith(("shale %s: " % args[0]).encode()), describe(proc)
    assert db.encode() in proc.stderr, describe(proc)
    assert not os.path.exists(db)
    assert not os.path.exists(dest)


@pytest.mark.parametrize("cmd", ["stat", "scan", "dump", "verify"])
def test_directory_of_other_files_is_not_a_store(tmp_path, cmd):
    # docs/cli.md: "3 store error: it cannot be opened (missing, not a
    # store, ...)"; the directory is left as it was.
    d = tmp_path / "notastore"
    d.mkdir()
    (d / "notes.txt").write_bytes(b"hello")
    before = snapshot(str(d))
    proc = run(cmd, str(d), rc=STORE)
    assert str(d).encode() in proc.stderr, describe(proc)
    assert snapshot(str(d)) == before


def test_no_store_is_created_among_other_files(tmp_path):
    d = tmp_path / "notastore"
    d.mkdir()
    (d / "notes.txt").write_bytes(b"hello")
    before = snapshot(str(d))
    for args in (["put", str(d), "k", "v"], ["load", str(d)]):
        proc = run(*args, rc=None, input=make_dump([(b"k", b"v")]))
        assert proc.returncode in (STORE, CORRUPT), describe(proc)
        assert snapshot(str(d)) == before


@pytest.mark.parametrize("cmd", ["stat", "scan", "dump", "verify", "put"])
def test_regular_file_is_not_a_store(tmp_path, cmd):
    f = tmp_path / "file"
    f.write_bytes(b"hello")
    proc = run(cmd, str(f), *(["k", "v"] if cmd == "put" else []), rc=STORE)
    assert str(f).encode() in proc.stderr, describe(proc)
    assert f.read_bytes() == b"hello"


def test_empty_directory_is_not_a_store_and_stays_empty(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    run("stat", str(d), rc=STORE)
    run("get", str(d), "k", rc=STORE)
    assert os.listdir(d) == []


# ---- a locked store --------------------------------------------------------------


def test_locked_store(store, tmp_path):
    holder = subprocess.Popen(
        [SHALE, "load", store, "--batch-size", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=tool_env(),
    )
    try:
        # A whole batch (one record) makes load open the store and write it.
        holder.stdin.write(b"shale-dump 1 escaped\nheld\tyes\n")
        holder.stdin.flush()
        # Wait until load holds the lock. Polling with a command that opens
        # the store would race with load's own open (whichever comes second
        # fails), so watch the kernel's lock table instead.
        deadline = time.monotonic() + 60
        while not holds_lock(holder.pid, store):
            assert holder.poll() is None, "load exited early: %s" % (holder.communicate(),)
            assert time.monotonic() < deadline, "load never opened the store"
            time.sleep(0.01)
        proc = run("stat", store, rc=LOCKED)
        err = proc.stderr.decode()
        assert proc.stdout == b""
        assert err.startswith("shale stat: "), err
        assert store in err, err
        assert "lock" in err.lower(), err
        assert str(holder.pid) in err, "the message does not name the holder's pid %d: %s" % (holder.pid, err)
        # Every command fails at once the same way; nothing waits.
        for args in (["get", store, "k"], ["put", store, "k", "v2"], ["verify", store], ["scan", store],
                     ["dump", store], ["del", store, "k"], ["compact", store],
                     ["backup", store, str(tmp_path / "bk")]):
            t0 = time.monotonic()
            p = run(*args, rc=LOCKED)
            assert time.monotonic() - t0 < 20
            assert p.stderr.startswith(("shale %s: " % args[0]).encode()), describe(p)
            assert store.encode() in p.stderr, describe(p)
        assert not os.path.exists(str(tmp_path / "bk"))
        out, err = holder.communicate(b"end 1\n", timeout=60)
        assert_no_sanitizer(err)
        assert holder.returncode == 0, (out, err)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    # Released: the store opens again, the load's record and the old key kept.
    assert run("get", store, "held").stdout == b"yes\n"
    assert run("get", store, "k").stdout == b"v\n"


# ---- a corrupted store -------------------------------------------------------------


@pytest.fixture
def tabled(tmp_path):
    """A store whose data lives in table files after a compaction."""
    db = str(tmp_path / "db")
    model = {b"key%06d" % i: (b"%06d" % i) * 30 for i in range(3000)}
    load_model(db, model, tmp_path)
    run("compact", db)
    tables = files_of(db, ".sst")
    assert tables, os.listdir(db)
    return db, model, tables


def _flip(path, at, n=16):
    with open(path, "r+b") as f:
        f.seek(at)
        chunk = f.read(n)
        f.seek(at)
        f.write(bytes(b ^ 0xFF for b in chunk))


def test_verify_finds_a_damaged_table(tabled):
    db, model, tables = tabled
    run("verify", db)
    victim = max(tables, key=lambda n: os.path.getsize(os.path.join(db, n)))
    path = os.path.join(db, victim)
    _flip(path, os.path.getsize(path) // 2)
    before = store_snapshot(db)
    proc = run("verify", db, rc=CORRUPT)
    out = proc.stdout + proc.stderr
    assert victim.encode() in out, describe(proc)
    assert not proc.stdout.startswith((db + ": sound").encode()), describe(proc)
    # verify opened it read-only: nothing changed.
    assert store_snapshot(db) == before
    # Reading through the damage is a corruption error too.
    proc = run("dump", db, rc=CORRUPT)
    assert proc.stderr.startswith(b"shale dump: "), describe(proc)
    assert victim.encode() in proc.stderr, describe(proc)


def test_verify_finds_a_truncated_table(tabled):
    db, _, tables = tabled
    path = os.path.join(db, tables[0])
    os.truncate(path, os.path.getsize(path) // 2)
    proc = run("verify", db, rc=CORRUPT)
    assert tables[0].encode() in proc.stdout + proc.stderr, describe(proc)


def test_verify_on_garbage_current(tabled):
    db, _, _ = tabled
    with open(os.path.join(db, "CURRENT"), "wb") as f:
        f.write(b"\x00garbage\xff\n")
    proc = run("verify", db, rc=CORRUPT)
    assert proc.stderr.startswith(b"shale verify: "), describe(proc)
    assert b"CURRENT" in proc.stderr, describe(proc)


def test_verify_on_garbage_manifest(tabled):
    db, _, _ = tabled
    manifests = [n for n in os.listdir(db) if n.startswith("MANIFEST-")]
    assert len(manifests) == 1, os.listdir(db)
    path = os.path.join(db, manifests[0])
    size = os.path.getsize(path)
    with open(path, "wb") as f:
        f.write(bytes((i * 37 + 11) % 256 for i in range(size)))
    proc = run("verify", db, rc=CORRUPT)
    assert proc.stderr.startswith(b"shale verify: "), describe(proc)
    assert manifests[0].encode() in proc.stderr, describe(proc)



# ---- salvage -----------------------------------------------------------------------


def test_salvage_a_damaged_table(tabled):
    db, model, tables = tabled
    victim = max(tables, key=lambda n: os.path.getsize(os.path.join(db, n)))
    _flip(os.path.join(db, victim), os.path.getsize(os.path.join(db, victim)) // 2)
    proc = run("verify", db, rc=CORRUPT)
    assert b"salvage" in proc.stdout + proc.stderr, describe(proc)  # verify points to it
    proc = run("salvage", db)
    run("verify", db)
    # What is left is what was there, less the damaged block's entries.
    out = run("dump", db, "--hex").stdout.split(b"\n")
    records = [l.split(b"\t") for l in out[2:-2]]
    assert out[-2] == b"end %d" % len(records), out[-2:]
    assert 0 < len(records) < len(model), len(records)
    for k, v in records:
        assert model[bytes.fromhex(k.decode())] == bytes.fromhex(v.decode())
    # The damaged original is kept aside.
    assert victim in os.listdir(os.path.join(db, "lost")), describe(proc)


def test_salvage_rebuilds_current(tabled):
    db, model, _ = tabled
    with open(os.path.join(db, "CURRENT"), "wb") as f:
        f.write(b"\x00garbage\xff\n")
    run("verify", db, rc=CORRUPT)
    run("salvage", db)
    run("verify", db)
    assert run("scan", db, "--count").stdout == b"%d\n" % len(model)

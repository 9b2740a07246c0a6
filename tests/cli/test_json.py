"""--json on get and verify (scan and stat have theirs in test_scan.py and
test_basic.py): one JSON document on stdout, whatever the outcome that has
one, the exit status as without --json."""

import json
import os

import pytest

from cliutil import CORRUPT, NOT_FOUND, describe, files_of, load_model, run, usage_error


def test_get_json(db):
    run("put", db, "user:1", "alice\tsmith")
    run("put", db, "k\\x00", "\\xff")
    assert json.loads(run("get", db, "user:1", "--json").stdout) == {"key": "user:1", "value": "alice\\tsmith"}
    assert json.loads(run("get", db, "k\\x00", "--json").stdout) == {"key": "k\\x00", "value": "\\xff"}
    assert json.loads(run("get", db, "--hex", "6b00", "--json").stdout) == {"key": "6b00", "value": "ff"}
    assert json.loads(run("get", db, "--value-hex", "user:1", "--json").stdout) == {
        "key": "user:1",
        "value": b"alice\tsmith".hex(),
    }
    # UTF-8 as text in JSON.
    run("put", db, "café".encode(), "crème".encode())
    assert json.loads(run("get", db, "café".encode(), "--json").stdout) == {"key": "café", "value": "crème"}
    # A missing key: exit 1, and a null value for scripts.
    proc = run("get", db, "nope", "--json", rc=NOT_FOUND)
    assert json.loads(proc.stdout) == {"key": "nope", "value": None}
    assert proc.stderr == b"shale get: not found: nope\n"
    # JSON strings are text: raw bytes cannot be shown.
    for raw in ("--raw", "--value-raw", "--key-raw"):
        proc = usage_error("get", db, "user:1", "--json", raw)
        assert b"--json cannot show raw bytes" in proc.stderr


def test_verify_json_sound(db, tmp_path):
    load_model(db, {b"k%04d" % i: b"v" * 50 for i in range(2000)}, tmp_path)
    run("compact", db)
    plain = run("verify", db).stdout.decode()
    proc = run("verify", db, "--json")
    got = json.loads(proc.stdout)
    assert got["path"] == db and got["opens"] is True and got["sound"] is True, got
    assert got["problems"] == []
    assert plain == "%s: sound (%s)\n" % (db, got["summary"])
    assert got["summary"] == "%d files, %d bytes checked, 0 problems" % (got["files"], got["bytes_checked"])
    assert got["files"] >= 2 and got["bytes_checked"] > 2000 * 50 / 4, got
    assert "report" not in got
    verbose = json.loads(run("verify", db, "--json", "--verbose").stdout)
    assert verbose["report"][-1] == verbose["summary"]
    assert len(verbose["report"]) == verbose["files"] + 1
    assert all(line.startswith("checked ") for line in verbose["report"][:-1]), verbose


def test_verify_json_damaged(db, tmp_path):
    load_model(db, {b"key%06d" % i: (b"%06d" % i) * 30 for i in range(3000)}, tmp_path)
    run("compact", db)
    victim = max(files_of(db, ".sst"), key=lambda n: os.path.getsize(os.path.join(db, n)))
    path = os.path.join(db, victim)
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) // 2)
        f.write(b"\xde\xad\xbe\xef" * 4)
    proc = run("verify", db, "--json", rc=CORRUPT)
    got = json.loads(proc.stdout)
    assert got["opens"] is True and got["sound"] is False, got
    assert len(got["problems"]) >= 1 and victim in got["problems"][0], got
    assert got["summary"].endswith("problem" if len(got["problems"]) == 1 else "problems"), got
    assert b"salvage" in proc.stderr, describe(proc)  # the hint, on stderr


def test_verify_json_store_that_does_not_open(db, tmp_path):
    run("put", db, "k", "v")
    with open(os.path.join(db, "CURRENT"), "wb") as f:
        f.write(b"\x00garbage\xff\n")
    proc = run("verify", db, "--json", rc=CORRUPT)
    got = json.loads(proc.stdout)
    assert got["path"] == db and got["opens"] is False and got["sound"] is False, got
    assert "CURRENT" in got["error"], got


@pytest.mark.parametrize("cmd", [["verify"], ["get", "k"]])
def test_json_on_a_missing_store_prints_no_json(tmp_path, cmd):
    db = str(tmp_path / "nope")
    proc = run(cmd[0], db, *cmd[1:], "--json", rc=3)
    assert proc.stdout == b"", describe(proc)

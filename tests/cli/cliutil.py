"""Helpers of the CLI suite. The `shale` tool run as a user runs it: a subprocess on a real store on disk.

SHALE_CLI names the binary (ctest sets it to the shale_cli target's file).
Nothing here loads the Python binding, so the suite also runs against the
sanitizer build of the tool (an ASan library cannot be loaded into an
uninstrumented python).

Helpers:
  run(*args, rc=0)  runs the tool, checks its exit status and that stderr
                    holds no sanitizer report; returns the CompletedProcess
                    (bytes stdout/stderr).
  esc(b)            a byte string in the escaped text encoding of docs/cli.md.
  make_dump(...)    a dump file's bytes from (key, value) records.
  records_text(m)   the records a dump of model dict m must hold, in order.
  snapshot(dir)     {relative path: (size, mtime_ns, sha256)} of every file.
"""

import hashlib
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def _find_tool():
    path = os.environ.get("SHALE_CLI")
    if not path:
        path = os.path.join(REPO, "build", "bin", "shale")
    if not os.access(path, os.X_OK):
        raise RuntimeError(
            "the shale tool is not at %r: set SHALE_CLI to the built binary "
            "(ctest does: ctest -L cli)" % path
        )
    return path


SHALE = _find_tool()


def _header_version():
    text = open(os.path.join(REPO, "include", "shale.h")).read()
    return re.search(r'#define SHALE_VERSION_STRING "([^"]+)"', text).group(1)


VERSION = _header_version()
STATS_LEVELS = 7  # SHALE_STATS_LEVELS in include/shale.h

COMMANDS = ["stat", "get", "put", "del", "scan", "dump", "load", "verify", "compact", "backup", "salvage"]

SANITIZER_MARKS = (b"Sanitizer", b"runtime error", b"LeakSanitizer")

# Exit statuses of docs/cli.md, "Exit status".
OK, NOT_FOUND, USAGE, STORE, CORRUPT, LOCKED, BAD_INPUT, INTERRUPTED = 0, 1, 2, 3, 4, 5, 6, 130


def tool_env(extra=None):
    """The environment the tool runs in: ours (ASAN_OPTIONS included), C locale."""
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def _arg(a):
    return a if isinstance(a, bytes) else os.fsencode(str(a))


def describe(proc):
    """The child's command, status and output, for an assertion message."""
    argv = proc.args if isinstance(proc.args, (list, tuple)) else [proc.args]
    shown = " ".join(repr(a) if isinstance(a, bytes) else str(a) for a in argv)
    return "command: %s\nexit %s\n--- stdout\n%r\n--- stderr\n%r" % (
        shown[:600],
        proc.returncode,
        (proc.stdout or b"")[-3000:],
        (proc.stderr or b"")[-3000:],
    )


def assert_no_sanitizer(data, what="stderr"):
    for mark in SANITIZER_MARKS:
        assert mark not in data, "sanitizer report in %s:\n%s" % (what, data[-6000:].decode("latin-1"))


def run(*args, rc=0, input=None, timeout=120, env=None, cwd=None):
    """Runs `shale ARGS...`; checks the exit status (unless rc is None)."""
    argv = [SHALE] + [_arg(a) for a in args]
    proc = subprocess.run(
        argv,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        env=tool_env(env),
        cwd=cwd,
    )
    assert_no_sanitizer(proc.stderr)
    assert_no_sanitizer(proc.stdout, "stdout")
    if rc is not None:
        assert proc.returncode == rc, "expected exit %s\n%s" % (rc, describe(proc))
    return proc


def usage_error(*args, **kw):
    """Runs a command that must be refused as a usage error: exit 2, a
    `shale...` message on stderr and nothing on stdout."""
    proc = run(*args, rc=USAGE, **kw)
    assert proc.stdout == b"", describe(proc)
    assert proc.stderr.startswith(b"shale"), describe(proc)
    return proc


# ---- the encodings of docs/cli.md -------------------------------------------

_ESC = {0x5C: "\\\\", 0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def esc(b):
    """bytes -> the escaped text encoding (str, printable ASCII)."""
    out = []
    for c in b:
        if c in _ESC:
            out.append(_ESC[c])
        elif 0x20 <= c <= 0x7E:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def escb(b):
    return esc(b).encode("ascii")


def hexb(b):
    return b.hex().encode("ascii")


# ---- dumps -------------------------------------------------------------------


def make_dump(records, mode="escaped", comment=True, trailer=True, count=None):
    """The bytes of a dump holding records (a list of (key, value)) in that
    order; trailer=False leaves out the `end N` line, count overrides N."""
    enc = escb if mode == "escaped" else hexb
    parts = [b"shale-dump 1 " + mode.encode() + b"\n"]
    if comment:
        parts.append(b"# handmade by tests/cli\n")
    for k, v in records:
        parts.append(enc(k) + b"\t" + enc(v) + b"\n")
    if trailer:
        parts.append(b"end %d\n" % (len(records) if count is None else count))
    return b"".join(parts)


def records_text(model, mode="escaped"):
    """Header, records in key order and trailer of a dump of model (dict),
    i.e. what `shale dump` writes minus its comment lines."""
    return make_dump(sorted(model.items()), mode=mode, comment=False)


def strip_comments(dump):
    """A dump without its comment lines (they hold a path and a time)."""
    return b"".join(
        line for line in dump.splitlines(keepends=True) if not (line.startswith(b"#") and b"\t" not in line)
    )


def load_model(db, model, tmp_path, *options, name="model.dump"):
    """Loads model (dict, or a list of (key, value)) into db through a dump
    file and `shale load`."""
    items = sorted(model.items()) if isinstance(model, dict) else list(model)
    path = os.path.join(str(tmp_path), name)
    with open(path, "wb") as f:
        f.write(make_dump(items))
    run("load", db, path, *options)
    os.unlink(path)


def dump_of(db, *options):
    """`shale dump DB` without its comment lines."""
    return strip_comments(run("dump", db, *options).stdout)


def snapshot(root):
    """Every file under root: relative path -> (size, mtime_ns, sha256)."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames]:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if os.path.isdir(p):
                snap[os.path.relpath(p, root) + "/"] = (0, st.st_mtime_ns, "")
                continue
            with open(p, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            snap[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns, digest)
    return snap


def store_snapshot(db):
    """snapshot(db) but for the LOCK file, of which only the presence counts:
    every open, read-only ones included, takes the lock and writes its pid
    there (that is how a locked store's message names the holder)."""
    snap = snapshot(db)
    if "LOCK" in snap:
        snap["LOCK"] = "present"
    return snap


def holds_lock(pid, db):
    """Whether process pid holds the lock of store db (/proc/locks): it has
    the store open."""
    try:
        ino = os.stat(os.path.join(db, "LOCK")).st_ino
    except FileNotFoundError:
        return False
    with open("/proc/locks") as f:
        for line in f:
            fields = line.split()
            if "->" in fields:  # a waiter, not a holder
                continue
            if len(fields) >= 6 and fields[4] == str(pid) and fields[5].split(":")[-1] == str(ino):
                return True
    return False


def files_of(db, suffix):
    return sorted(n for n in os.listdir(db) if n.endswith(suffix))


def stat_json(db):
    import json

    return json.loads(run("stat", db, "--json").stdout)

"""Progress bars and Ctrl-C: with stderr on a pseudo-terminal, load, verify,
backup and compact draw a bar (percent, rate, ETA) and erase it; with stderr
a pipe they are silent; SIGINT/SIGTERM cancels them cleanly (exit 130, a
message, a sound store; load keeps whole batches only).

The tool draws nothing for operations under 0.2 s, and verify/backup of a
store of a test's size take a few milliseconds on a warm page cache. The
tests stretch those runs to stand for a slow disk: the tool is stopped and
continued (SIGSTOP/SIGCONT), running 0.5 ms in every SLOW, which it cannot tell from
slow I/O (its clock runs on). Every wait is for an event (a frame of the bar
on the terminal, a file appearing, the input pipe drained) with a deadline.
"""

import errno
import fcntl
import hashlib
import os
import re
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time

import pytest

from cliutil import (
    INTERRUPTED,
    holds_lock,
    SHALE,
    assert_no_sanitizer,
    escb,
    run,
    strip_comments,
    tool_env,
)

N_BIG = 6000
VALUE_LEN = 4000  # ~24 MiB of values
# How much slower the tests make the tool (drive()): verify and backup then
# read a few dozen MiB/s instead of GiB/s from the page cache, long enough
# for the bar (drawn after 0.2 s) and for an interrupt to land mid-way.
SLOW = 100
WARMUP = 10
BATCH = 100

UNIT = rb"(?:\d+ B|[\d.]+ [KMGTP]iB)"
# "verify   41% [#####......]  11.0 MiB / 26.8 MiB  54.2 MiB/s  ETA 0:03"
BAR = re.compile(
    rb"(load|verify|backup|compact) +(\d+)% (?:\[[#.]+\])? +"
    + (UNIT + rb" / " + UNIT + rb" +" + UNIT + rb"/s +ETA [\d:-]+")
)
# From a pipe the total is unknown: "load     1.23 MiB  2.00 MiB/s  1,200 records"
PIPE_BAR = re.compile(rb"load +" + UNIT + rb" +" + UNIT + rb"/s +([\d,]+) records")


# ---- helpers ---------------------------------------------------------------------


class Stderr:
    """Where a child's stderr goes: a new pseudo-terminal (tty=True) or a
    pipe; a thread collects what the child writes."""

    def __init__(self, tty=True, cols=120, rows=24):
        if tty:
            self.reader, self.writer = os.openpty()
            fcntl.ioctl(self.writer, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        else:
            self.reader, self.writer = os.pipe()
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        while True:
            try:
                chunk = os.read(self.reader, 65536)
            except OSError as e:  # a pty's EIO: every writer closed the slave
                assert e.errno == errno.EIO, e
                break
            if not chunk:
                break
            with self._lock:
                self._buf += chunk

    def started(self):
        """The child holds the writing end now: close ours, so that the
        reader sees the end when the child exits."""
        os.close(self.writer)
        self.writer = None

    def data(self):
        with self._lock:
            return bytes(self._buf)

    def finish(self, timeout=30):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "never saw the end of the tool's stderr"
        os.close(self.reader)
        data = self.data()
        assert_no_sanitizer(data, "stderr")
        return data


def screen(data):
    """The lines a terminal shows after data: handles CR, LF, backspace and
    the erase-line sequences; any other control sequence fails the test."""
    lines, row, col = [[]], 0, 0
    i = 0
    while i < len(data):
        c = data[i]
        if c == 0x1B:
            m = re.match(rb"\x1b\[([0-9;]*)([A-Za-z])", data[i:])
            assert m, "unexpected escape sequence %r" % data[i : i + 10]
            if m.group(2) == b"K":
                if m.group(1) in (b"", b"0"):
                    del lines[row][col:]
                elif m.group(1) == b"2":
                    lines[row] = [" "] * col
                else:
                    raise AssertionError(m.group(0))
            else:
                raise AssertionError("unexpected escape sequence %r" % m.group(0))
            i += len(m.group(0))
            continue
        if c == 0x0D:
            col = 0
        elif c == 0x0A:
            row += 1
            col = 0  # (the pty turns LF into CR LF)
            if row == len(lines):
                lines.append([])
        elif c == 0x08:
            col = max(0, col - 1)
        else:
            line = lines[row]
            while len(line) < col:
                line.append(" ")
            if col < len(line):
                line[col] = chr(c)
            else:
                line.append(chr(c))
            col += 1
        i += 1
    return ["".join(l).rstrip() for l in lines]


def spawn(args, stdin=subprocess.DEVNULL, tty=True):
    """Starts `shale ARGS...` with stderr on a new pseudo-terminal (or a
    pipe) and stdout to a file; returns (Popen, Stderr)."""
    err = Stderr(tty)
    out = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [SHALE] + [os.fsencode(a) if isinstance(a, str) else a for a in args],
        stdin=stdin,
        stdout=out,
        stderr=err.writer,
        env=tool_env(),
    )
    proc.out_file = out
    proc.store = next(a for a in args[1:] if not a.startswith("-"))  # DB
    proc.opened_at = None
    err.started()
    return proc, err


def store_open(proc):
    """Whether the tool has its store open: DB, or the DB.load-PID.tmp that
    a load into a new path builds before renaming it to DB."""
    return holds_lock(proc.pid, proc.store) or holds_lock(proc.pid, "%s.load-%d.tmp" % (proc.store, proc.pid))


def stdout_of(proc):
    proc.out_file.seek(0)
    return proc.out_file.read()


def cpu_ns(pid):
    """CPU time the process has used so far, all its threads (ns)."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, task)) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def drive(proc, until=lambda: False, stretch=1, then=None, deadline=120):
    """Lets proc run until `until()` is true (returns True) or proc ends
    (returns False).

    stretch > 1: stops and continues the tool so that it gets one part of
    CPU time in `stretch` parts of wall-clock time, as with a disk that
    slow (until the tool has the store open, WARMUP parts: its start is
    not what the tests are about). until() is then checked while the tool
    is stopped, and then() (say, a signal) runs before it continues, so
    the tool is no further on than what until() saw. All signals are sent
    from this thread after poll() said the child is not reaped, so its pid
    is still ours. Sets proc.opened_at when the tool has the store open."""
    end = time.monotonic() + deadline
    stopped = False
    try:
        used = cpu_ns(proc.pid)
        while proc.poll() is None:
            if stretch > 1:
                proc.send_signal(signal.SIGSTOP)
                stopped = True
            if proc.opened_at is None and store_open(proc):
                proc.opened_at = time.monotonic()
            if until():
                if then is not None:
                    then()
                return True
            assert time.monotonic() < end, "timed out waiting for the tool"
            if stretch > 1:
                try:
                    now = cpu_ns(proc.pid)
                except FileNotFoundError:  # exited meanwhile (not reaped yet)
                    now = used
                factor = stretch if proc.opened_at is not None else min(stretch, WARMUP)
                time.sleep(max(0.001, (now - used) * (factor - 1) / 1e9))
                used = now
                proc.send_signal(signal.SIGCONT)
                stopped = False
                time.sleep(0.0003)
            else:
                time.sleep(0.005)
        return until()
    finally:
        if stopped and proc.poll() is None:
            proc.send_signal(signal.SIGCONT)


def finish(proc, err, timeout=120):
    """Waits for proc; returns (exit status, what it wrote on stderr)."""
    try:
        rc = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("the tool did not end within %d s" % timeout)
    return rc, err.finish()


def bar_seen(term, below=101):
    """The bar is on the terminal, its latest frame under `below` percent
    (an earlier frame under it says nothing of where the tool is now)."""

    def seen():
        frames = list(BAR.finditer(term.data()))
        return bool(frames) and int(frames[-1].group(2)) < below

    return seen


def open_for(proc, seconds):
    """True once the tool has had the store open for `seconds` (long enough
    for a bar to show)."""
    return lambda: proc.opened_at is not None and time.monotonic() - proc.opened_at > seconds


def interrupt(proc, sig=signal.SIGINT):
    return lambda: proc.send_signal(sig)


def assert_bar_drawn_and_erased(data, label, pattern=BAR):
    frames = list(pattern.finditer(data))
    assert frames, "no progress bar in %r" % data[-2000:]
    assert all(f.group(1) == label.encode() for f in frames if pattern is BAR), data[-2000:]
    if pattern is BAR:
        percents = [int(f.group(2)) for f in frames]
        assert all(0 <= p <= 100 for p in percents), percents
        assert percents == sorted(percents), percents
    # Each frame is drawn over the last (CR, erase line), and nothing of
    # it is left on the screen at the end.
    assert b"\r\x1b[K" in data
    shown = screen(data)
    assert not any("%" in l or "/s" in l for l in shown), shown


def tree_digest(db):
    """A digest of the store's entries (its dump)."""
    return hashlib.sha256(strip_comments(run("dump", db).stdout)).hexdigest()


def big_records():
    # Printable values: the escaped dump is about as big as the data.
    table = bytes.maketrans(bytes(range(256)), (b"abcdefghijklmnopqrstuvwxyzABCDEF" * 8))
    blob = os.urandom(VALUE_LEN * 64).translate(table)
    for i in range(N_BIG):
        off = (i * 997) % (len(blob) - VALUE_LEN)
        yield b"big%08d" % i, blob[off : off + VALUE_LEN]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A ~24 MiB dump file and a store loaded from it."""
    tmp = tmp_path_factory.mktemp("progress")
    dump = str(tmp / "big.dump")
    with open(dump, "wb") as f:
        f.write(b"shale-dump 1 escaped\n")
        for k, v in big_records():
            f.write(escb(k) + b"\t" + escb(v) + b"\n")
        f.write(b"end %d\n" % N_BIG)
    db = str(tmp / "db")
    run("load", db, dump)
    # All in tables: opening it replays no log, so what the tests stretch
    # is the operation itself.
    run("compact", db)
    return {"tmp": tmp, "dump": dump, "db": db, "digest": tree_digest(db)}


@pytest.fixture
def other_fs_dir():
    """A directory on another file system than the store (tmpfs), so that
    backup copies the files instead of hard-linking them."""
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm")
    d = tempfile.mkdtemp(prefix="shale-cli-test-", dir="/dev/shm")
    try:
        yield d
    finally:
        subprocess.run(["rm", "-rf", "--", d], check=True)


# ---- the bar on a terminal, erased at the end -------------------------------------


def test_load_from_file_shows_the_bar(big, tmp_path):
    db = str(tmp_path / "db")
    proc, term = spawn(["load", db, big["dump"]])
    assert drive(proc, until=bar_seen(term), stretch=SLOW), term.data()
    rc, data = finish(proc, term)
    assert rc == 0, data
    assert_bar_drawn_and_erased(data, "load")
    assert b"records" in data  # the count of records beside the bytes
    assert stdout_of(proc).startswith(b"loaded %d records" % N_BIG)
    assert run("scan", db, "--count").stdout == b"%d\n" % N_BIG


def test_verify_shows_the_bar(big):
    proc, term = spawn(["verify", big["db"]])
    assert drive(proc, until=bar_seen(term), stretch=SLOW), term.data()
    rc, data = finish(proc, term)
    assert rc == 0, data
    assert_bar_drawn_and_erased(data, "verify")
    assert stdout_of(proc).startswith(big["db"].encode() + b": sound (")
    assert screen(data) == [""], data


def test_backup_shows_the_bar(big, other_fs_dir):
    dest = os.path.join(other_fs_dir, "copy")
    proc, term = spawn(["backup", big["db"], dest])
    assert drive(proc, until=bar_seen(term), stretch=SLOW), term.data()
    rc, data = finish(proc, term)
    assert rc == 0, data
    assert_bar_drawn_and_erased(data, "backup")
    assert screen(data) == [""], data
    assert tree_digest(dest) == big["digest"]


def test_no_progress_option_on_a_terminal(big, tmp_path):
    proc, term = spawn(["verify", "--no-progress", big["db"]])
    assert drive(proc, until=open_for(proc, 0.6), stretch=SLOW)
    rc, data = finish(proc, term)
    assert rc == 0 and data == b"", data


# ---- silent when stderr is not a terminal ---------------------------------------------


def test_silent_on_a_pipe(big, tmp_path, other_fs_dir):
    runs = [
        ["load", str(tmp_path / "db2"), big["dump"]],
        ["verify", big["db"]],
        ["backup", big["db"], os.path.join(other_fs_dir, "copy")],
        ["compact", str(tmp_path / "db2")],
    ]
    for args in runs:
        proc, err_pipe = spawn(args, tty=False)
        # Long enough that a bar would be on the screen by now.
        ran_long = drive(proc, until=open_for(proc, 0.6), stretch=SLOW)
        rc, err = finish(proc, err_pipe)
        assert rc == 0, (args, err)
        assert ran_long, "too quick to show whether a bar would be drawn: %s" % args
        assert err == b"", (args, err)


def test_progress_option_forces_the_bar_on_a_pipe(big, tmp_path):
    proc, err_pipe = spawn(["verify", "--progress", big["db"]], tty=False)
    assert drive(proc, until=bar_seen(err_pipe), stretch=SLOW), err_pipe.data()
    rc, err = finish(proc, err_pipe)
    assert rc == 0, err
    assert_bar_drawn_and_erased(err, "verify")


# ---- Ctrl-C ----------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_verify(big, sig):
    proc, term = spawn(["verify", big["db"]])
    assert drive(proc, until=bar_seen(term, below=90), stretch=SLOW, then=interrupt(proc, sig)), term.data()
    rc, data = finish(proc, term)
    assert rc == INTERRUPTED, data
    shown = [l for l in screen(data) if l]
    assert shown == ["shale verify: interrupted; nothing was changed"] or (
        len(shown) == 1 and shown[0].startswith("shale verify: ") and "interrupt" in shown[0]
    ), shown
    assert b"sound" not in stdout_of(proc)
    run("verify", big["db"])


def test_interrupt_backup_removes_the_partial_copy(big, other_fs_dir):
    dest = os.path.join(other_fs_dir, "copy")
    proc, term = spawn(["backup", big["db"], dest])
    assert drive(proc, until=bar_seen(term, below=90), stretch=SLOW, then=interrupt(proc)), term.data()
    rc, data = finish(proc, term)
    assert rc == INTERRUPTED, data
    shown = [l for l in screen(data) if l]
    assert shown and shown[-1].startswith("shale backup: ") and "interrupt" in shown[-1], shown
    assert not os.path.exists(dest), os.listdir(dest)
    run("verify", big["db"])


def test_interrupt_compact_keeps_the_store(big, tmp_path):
    # On a copy (hard links: quick), so the other tests keep their store.
    db = str(tmp_path / "copy")
    run("backup", big["db"], db)
    before = big["digest"]
    proc, term = spawn(["compact", db])
    assert drive(proc, until=bar_seen(term, below=90), stretch=SLOW, then=interrupt(proc)), term.data()
    rc, data = finish(proc, term)
    assert rc == INTERRUPTED, data
    shown = [l for l in screen(data) if l]
    assert len(shown) == 1 and shown[0].startswith("shale compact: ") and "interrupt" in shown[0], shown
    run("verify", db)
    assert tree_digest(db) == before
    # Compacting again finishes the work, with a bar drawn and erased.
    proc, term = spawn(["compact", db])
    assert drive(proc, until=bar_seen(term), stretch=SLOW), term.data()
    rc, data = finish(proc, term)
    assert rc == 0, data
    assert_bar_drawn_and_erased(data, "compact")
    assert stdout_of(proc).startswith(b"compacted ")
    run("verify", db)
    assert tree_digest(db) == before


def pipe_pending(fd):
    """Bytes written to a pipe and not yet read (FIONREAD works on either end)."""
    buf = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    return struct.unpack("i", buf)[0]


@pytest.mark.parametrize("existing", [True, False], ids=["existing-store", "new-path"])
def test_interrupt_load_from_a_pipe_keeps_whole_batches(tmp_path, existing):
    """Into an existing store the whole batches read before Ctrl-C stay;
    into a new path the load is all or nothing: no store is left."""
    db = str(tmp_path / "db")
    if existing:
        run("put", db, "seed", "1")
    records = [(b"rec%06d" % i, b"value %d" % i + b"\x00\t\n" * 10) for i in range(20000)]
    proc, term = spawn(["load", db, "--batch-size", str(BATCH)], stdin=subprocess.PIPE)
    sent = 0
    try:
        proc.stdin.write(b"shale-dump 1 escaped\n")
        # A slow producer: 50 records at a time until the bar shows on the
        # terminal, then an amount that is not a whole number of batches.
        while not PIPE_BAR.search(term.data()):
            assert proc.poll() is None, term.data()
            assert sent + 50 < len(records), "no progress bar for a load from a pipe: %r" % term.data()
            proc.stdin.write(b"".join(escb(k) + b"\t" + escb(v) + b"\n" for k, v in records[sent : sent + 50]))
            proc.stdin.flush()
            sent += 50
            time.sleep(0.01)
        extra = BATCH + BATCH // 2 + 7
        proc.stdin.write(b"".join(escb(k) + b"\t" + escb(v) + b"\n" for k, v in records[sent : sent + extra]))
        proc.stdin.flush()
        sent += extra
        assert sent % BATCH != 0
        # Once the pipe is drained, every record sent is in the tool's
        # buffer; it notices the interrupt only when it needs more input.
        deadline = time.monotonic() + 60
        while pipe_pending(proc.stdin.fileno()) > 0:
            assert proc.poll() is None, term.data()
            assert time.monotonic() < deadline, "the tool stopped reading its input"
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)  # the pipe stays open: Ctrl-C, not EOF
        rc, data = finish(proc, term, timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
    assert rc == INTERRUPTED, data
    shown = [l for l in screen(data) if l]
    assert len(shown) == 1 and shown[0].startswith("shale load: ") and "interrupt" in shown[0], shown
    if not existing:
        assert shown == ["shale load: interrupted; nothing was written; no store was created"], shown
        assert os.listdir(str(tmp_path)) == [], "the new store (or its .tmp) was left behind"
        return
    kept = sent // BATCH * BATCH
    assert re.search(r"\b%d records\b" % kept, shown[0].replace(",", "")), (kept, shown)
    # The store is sound and holds exactly the whole batches sent.
    run("verify", db)
    assert run("scan", db, "--count").stdout == b"%d\n" % (kept + 1)
    want = b"".join(escb(k) + b"\n" for k, _ in records[:kept]) + b"seed\n"
    assert run("scan", db, "--keys-only").stdout == want


def test_interrupt_dump_to_file_leaves_it_untouched(big, tmp_path):
    out = tmp_path / "out.dump"
    out.write_bytes(b"the previous dump\n")
    tmp_file = str(out) + ".tmp"
    proc, term = spawn(["dump", big["db"], str(out)])
    assert drive(
        proc, until=lambda: os.path.exists(tmp_file), stretch=SLOW, then=interrupt(proc)
    ), "dump ended before writing FILE.tmp"
    rc, data = finish(proc, term)
    assert rc == INTERRUPTED, data
    assert out.read_bytes() == b"the previous dump\n"
    assert not os.path.exists(tmp_file)
    assert data.startswith(b"shale dump: ") or b"\nshale dump: " in data, data

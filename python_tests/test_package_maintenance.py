"""flush, compact_range, backup, verify (sync and background jobs), stats
and the sizing options of shale.open."""

import asyncio
import threading

import pytest

import shale


def _fill(db, n=400, prefix=b"key"):
    v = b"v" * 1000
    for i in range(n):
        db[b"%s%08d" % (prefix, i)] = v


@pytest.fixture
def filled(tmp_path):
    db = shale.open(
        str(tmp_path / "db"), write_buffer_size=64 << 10, target_file_size=64 << 10, sync="none"
    )
    _fill(db)
    yield db
    db.close()


def test_open_sizing_options(tmp_path):
    db = shale.open(
        str(tmp_path / "db"),
        write_buffer_size=1 << 20,
        block_cache_capacity=0,
        block_size=8192,
        bloom_bits_per_key=0,
        max_open_files=64,
        level0_compaction_trigger=2,
        level0_slowdown_trigger=3,
        level0_stop_trigger=4,
        target_file_size=1 << 20,
        level1_max_bytes=8 << 20,
        level_size_multiplier=4,
    )
    db[b"k"] = b"v"
    assert db.stats().cache_capacity == 0
    db.close()


@pytest.mark.parametrize(
    "kw",
    [
        {"write_buffer_size": 1000},
        {"block_size": 100},
        {"bloom_bits_per_key": 65},
        {"max_open_files": 3},
        {"level_size_multiplier": 1},
        {"level0_compaction_trigger": 9},
    ],
)
def test_open_bad_sizing_names_the_field(tmp_path, kw):
    with pytest.raises(shale.InvalidArgumentError) as ei:
        shale.open(str(tmp_path / "db"), **kw)
    assert list(kw)[0] in str(ei.value)


def test_open_sizing_type_and_range(tmp_path):
    with pytest.raises(TypeError):
        shale.open(str(tmp_path / "db"), block_size="big")
    with pytest.raises(ValueError):
        shale.open(str(tmp_path / "db"), block_size=-1)
    with pytest.raises(ValueError):
        shale.open(str(tmp_path / "db"), block_size=2**32)


def test_flush_and_stats(filled):
    before = filled.stats()
    filled.flush()
    after = filled.stats()
    assert isinstance(after, shale.Stats)
    assert after.flushes >= before.flushes
    assert after.user_bytes_written >= 400 * 1000
    assert len(after.level_files) == 7
    assert sum(after.level_files) > 0
    text = filled.property("shale.stats")
    assert text


def test_compact_range_progress(filled):
    calls = []
    filled.compact_range(progress=lambda d, t: calls.append((d, t)))
    assert calls
    assert all(d <= t for d, t in calls)
    assert filled.stats().level_files[0] == 0
    assert filled[b"key00000007"] == b"v" * 1000
    filled.compact_range(b"key", b"key00000100", progress=False)


def test_compact_cancel_and_raise(filled):
    with pytest.raises(shale.CancelledError):
        filled.compact_range(progress=lambda d, t: True)

    class Boom(Exception):
        pass

    def boom(d, t):
        raise Boom("from progress")

    with pytest.raises(Boom):
        filled.compact_range(progress=boom)
    assert filled[b"key00000001"] == b"v" * 1000


def test_progress_true_draws_a_line(filled, capsys):
    filled.compact_range(progress=True)
    err = capsys.readouterr().err
    assert "compact" in err


def test_progress_type_error(filled):
    with pytest.raises(TypeError):
        filled.compact_range(progress=42)


def test_backup_and_verify(filled, tmp_path):
    dest = tmp_path / "copy"
    seen = []
    filled.backup(dest, progress=lambda d, t: seen.append(d))
    assert seen
    with shale.open(str(dest)) as copy:
        assert copy[b"key00000399"] == b"v" * 1000
        report = copy.verify(progress=False)
        assert isinstance(report, str)
    with pytest.raises(shale.ExistsError):
        filled.backup(dest)
    assert isinstance(filled.verify(), str)


def test_verify_corruption_carries_report(tmp_path):
    path = tmp_path / "db"
    with shale.open(str(path), write_buffer_size=64 << 10, sync="none") as db:
        _fill(db, 300)
        db.flush()
    tables = sorted(path.glob("*.sst"), key=lambda p: p.stat().st_size)
    assert tables
    victim = tables[-1]
    with open(victim, "r+b") as f:
        f.seek(victim.stat().st_size // 2)
        f.write(b"\xde\xad\xbe\xef" * 2)
    with shale.open(str(path)) as db:
        with pytest.raises(shale.CorruptionError) as ei:
            db.verify()
        assert victim.name in ei.value.report


def test_job_wait_and_result(filled):
    job = filled.verify_async()
    assert isinstance(job, shale.Job)
    assert job.wait() is True
    assert job.finished
    assert job.status == 0
    report = job.result()
    assert isinstance(report, str) and report
    assert job.done <= job.total
    job.close()
    job.close()
    with pytest.raises(shale.ClosedError):
        job.wait()


def test_job_timeout_and_cancel(filled):
    gate = threading.Event()
    entered = threading.Event()

    def slow(d, t):
        entered.set()
        gate.wait(10)

    job = filled.compact_range_async(progress=slow)
    assert entered.wait(10)
    assert job.wait(0) is False
    assert not job.finished
    assert job.status is None
    with pytest.raises(shale.TimeoutError) as ei:
        job.result(timeout=0.01)
    assert isinstance(ei.value, TimeoutError)
    job.cancel()
    gate.set()
    assert job.wait(10)
    with pytest.raises(shale.CancelledError):
        job.result()
    job.close()


def test_job_progress_exception_reraised_by_result(filled):
    class Boom(Exception):
        pass

    def boom(d, t):
        raise Boom()

    job = filled.verify_async(progress=boom)
    with pytest.raises(Boom):
        job.result()
    job.close()


def test_close_cancels_job_and_job_survives(filled):
    gate = threading.Event()
    entered = threading.Event()

    def slow(d, t):
        entered.set()
        gate.wait(10)

    job = filled.verify_async(progress=slow)
    assert entered.wait(10)
    threading.Timer(0.05, gate.set).start()
    filled.close()
    assert job.finished
    assert job.status in (0, shale.CancelledError.code)
    job.close()


def test_backup_job(filled, tmp_path):
    job = filled.backup_async(tmp_path / "b")
    assert job.result() is None
    with shale.open(str(tmp_path / "b")) as copy:
        assert b"key00000000" in copy
    job.close()


def test_await_job(filled):
    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        t = asyncio.ensure_future(ticker())
        report = await filled.verify_async()
        t.cancel()
        return report

    report = asyncio.run(main())
    assert isinstance(report, str)


def test_done_listener(filled):
    fired = threading.Event()
    job = filled.verify_async()
    job.add_done_listener(fired.set)
    assert fired.wait(30)
    job.wait()
    job.add_done_listener(fired.set)  # already done: called at once
    job.close()


def test_callbacks_released(filled):
    from shale import _callbacks

    before = len(_callbacks._registry)
    jobs = [filled.verify_async(progress=lambda d, t: None) for _ in range(5)]
    for j in jobs:
        j.wait()
        j.close()
    assert len(_callbacks._registry) == before


def test_closed_db_raises(tmp_path):
    db = shale.open(str(tmp_path / "db"))
    db.close()
    for call in (db.flush, db.verify, db.stats, db.compact_range, db.verify_async):
        with pytest.raises(shale.ClosedError):
            call()

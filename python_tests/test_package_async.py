"""Background jobs from asyncio: awaiting does not block the event loop,
takes no executor thread, and a cancelled await cancels the job."""

import asyncio
import concurrent.futures
import threading

import pytest

import shale


@pytest.fixture
def filled(tmp_path):
    db = shale.open(
        str(tmp_path / "db"), write_buffer_size=64 << 10, target_file_size=64 << 10, sync="none"
    )
    db.put_many([(b"key%08d" % i, b"v" * 1000) for i in range(400)])
    db.flush()
    yield db
    db.close()


def test_loop_runs_while_the_job_is_held(filled):
    """The job's progress callback blocks until a coroutine on the loop
    releases it: that can only finish if awaiting leaves the loop free."""
    gate = threading.Event()

    def progress(done, total):
        gate.wait()

    async def main():
        job = filled.verify_async(progress=progress)

        async def opener():
            await asyncio.sleep(0)
            gate.set()

        report, _ = await asyncio.gather(job, opener())
        return report

    report = asyncio.run(main())
    assert isinstance(report, str)


def test_await_takes_no_executor_thread(filled):
    async def main():
        loop = asyncio.get_running_loop()
        used = []

        class NoExecutor(concurrent.futures.ThreadPoolExecutor):
            def submit(self, *a, **k):  # pragma: no cover - must not be called
                used.append(a)
                raise AssertionError("the executor was used")

        loop.set_default_executor(NoExecutor())
        jobs = [filled.verify_async() for _ in range(3)]
        reports = await asyncio.gather(*jobs)
        return reports, used

    reports, used = asyncio.run(main())
    assert len(reports) == 3 and not used


def test_cancelling_the_await_cancels_the_job(filled):
    entered = threading.Event()
    release = threading.Event()

    def progress(done, total):
        entered.set()
        release.wait()

    async def main():
        job = filled.compact_range_async(progress=progress)
        task = asyncio.ensure_future(job)
        await asyncio.get_running_loop().run_in_executor(None, entered.wait)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        job.wait()
        return job

    job = asyncio.run(main())
    assert job.status == shale.CancelledError.code
    with pytest.raises(shale.CancelledError):
        job.result()
    job.close()


def test_await_reraises_job_errors(filled):
    def progress(done, total):
        raise ZeroDivisionError("from progress")

    async def main():
        return await filled.verify_async(progress=progress)

    with pytest.raises(ZeroDivisionError, match="from progress"):
        asyncio.run(main())


def test_await_a_finished_job(filled):
    job = filled.verify_async()
    job.wait()

    async def main():
        return await job

    assert isinstance(asyncio.run(main()), str)


def test_async_progress_arguments(filled):
    with pytest.raises(TypeError):
        filled.verify_async(progress=42)
    job = filled.verify_async(progress=False)
    assert isinstance(job.result(), str)
    job.close()
    job.close()
    with pytest.raises(shale.ClosedError):
        job.wait()

"""The package's type hints check with mypy (skipped without Debian's
python3-mypy), and so does a small program using the public API."""

import subprocess
import sys

import pytest

from conftest import PYTHON_DIR

USER_PROGRAM = '''
import asyncio
from typing import List, Optional
import shale

def main(path: str) -> None:
    with shale.open(path, sync="none") as db:
        db[b"k"] = b"v"
        v: Optional[bytes] = db.get(b"k")
        vs: List[Optional[bytes]] = db.get_many([b"k"])
        db.put_many({b"a": b"1"})
        for key, value in db.items(prefix=b"a", include_stop=True):
            pass
        pin = db.get_pinned(b"k")
        if pin is not None:
            with pin:
                mv: memoryview = pin.view
        with db.snapshot() as s, db.write_batch() as b:
            b.put(b"x", s[b"k"])
        job: shale.Job = db.verify_async()
        report = asyncio.run(_wait(job))
        n: int = db.stats().approximate_keys

async def _wait(job: shale.Job) -> Optional[str]:
    return await job
'''


def test_mypy_clean(tmp_path):
    probe = subprocess.run([sys.executable, "-c", "import mypy"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("mypy is not installed (Debian: python3-mypy)")
    user = tmp_path / "user_program.py"
    user.write_text(USER_PROGRAM)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
         "--python-version", "3.11", "--ignore-missing-imports", "shale", str(user)],
        capture_output=True, text=True, cwd=PYTHON_DIR, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

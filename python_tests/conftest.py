"""Shared fixtures: the package on sys.path, a fresh db path, subprocess runs."""

import os
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.join(os.path.dirname(HERE), "python")
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)


@pytest.fixture
def db_path(tmp_path):
    """A path (str) where no db exists yet, in a fresh temporary directory."""
    return str(tmp_path / "db")


@pytest.fixture
def db(db_path):
    """An open db (sync='none' for speed), closed after the test."""
    import shale

    d = shale.open(db_path, sync="none")
    try:
        yield d
    finally:
        d.close()


def run_python(code, timeout=60, env=None, wrapper=None):
    """Run ``code`` in a fresh interpreter that can import shale.

    Returns the CompletedProcess. A negative returncode means a signal
    (a crash); tests assert it is 0.
    """
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + full_env.get("PYTHONPATH", "")
    if env:
        full_env.update(env)
    argv = [sys.executable, "-c", textwrap.dedent(code)]
    if wrapper:
        argv = list(wrapper) + argv
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=full_env)


def assert_clean_exit(proc):
    """Fail with the child's output unless it exited with status 0."""
    assert proc.returncode == 0, "exit %s\n--- stdout\n%s\n--- stderr\n%s" % (
        proc.returncode,
        proc.stdout[-4000:],
        proc.stderr[-4000:],
    )

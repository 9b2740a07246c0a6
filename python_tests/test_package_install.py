"""pip install of the local package into a fresh venv, with no registry,
and use from another directory: the bundled library is found.

Needs Debian's python3-venv, python3-pip, python3-setuptools and
python3-wheel (the venv is made with --system-site-packages so that pip
finds setuptools without a registry).
"""

import os
import shutil
import subprocess

import pytest

from conftest import PYTHON_DIR, assert_clean_exit

SYSTEM_PYTHON = "/usr/bin/python3"


def _have(module):
    r = subprocess.run([SYSTEM_PYTHON, "-c", "import %s" % module], capture_output=True)
    return r.returncode == 0


@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason="no /usr/bin/python3")
def test_pip_install_into_venv_and_use_elsewhere(tmp_path):
    for mod in ("venv", "pip", "setuptools", "wheel"):
        if not _have(mod):
            pytest.skip("Debian package for %s is missing (python3-%s)" % (mod, mod))
    from shale import library_path

    src = tmp_path / "src"
    shutil.copytree(
        PYTHON_DIR,
        src,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "libshale.so*"),
    )
    venv = tmp_path / "venv"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SHALE_LIBRARY")}
    build_env = dict(env, SHALE_LIBRARY=library_path)
    proc = subprocess.run(
        [py, "-m", "pip", "install", "--no-index", "--no-build-isolation", "-q", str(src)],
        capture_output=True,
        text=True,
        env=build_env,
        cwd=str(tmp_path),
        timeout=300,
    )
    assert_clean_exit(proc)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = """
import os, shale
assert shale.library_path.startswith(os.path.dirname(shale.__file__)), shale.library_path
assert "site-packages" in shale.__file__, shale.__file__
with shale.open("db", sync="none") as db:
    db.put_many({b"a": b"1", b"b": b"2"})
    assert db.get_many([b"a", b"b", b"c"]) == [b"1", b"2", None]
    assert list(db.items()) == [(b"a", b"1"), (b"b", b"2")]
print("installed", shale.__version__, shale.library_path)
"""
    proc = subprocess.run(
        [py, "-c", code], capture_output=True, text=True, env=env, cwd=str(elsewhere), timeout=120
    )
    assert_clean_exit(proc)
    assert "installed" in proc.stdout
    # py.typed travels with the package.
    proc = subprocess.run(
        [py, "-c", "import shale, os; print(os.path.exists(os.path.join(os.path.dirname(shale.__file__), 'py.typed')))"],
        capture_output=True, text=True, env=env, cwd=str(elsewhere),
    )
    assert proc.stdout.strip() == "True"

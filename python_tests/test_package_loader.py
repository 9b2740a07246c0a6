"""Finding and checking libshale (shale._lib), each case in a child interpreter."""

import os
import shutil
import subprocess

import pytest

import shale
from conftest import PYTHON_DIR, assert_clean_exit, run_python

PROBE = """
import sys
try:
    import shale
except ImportError as e:
    print("IMPORTERROR:" + str(e)); sys.exit(0)
print("LOADED:" + shale.library_path)
"""


def _run_with(env_changes, pkg_parent=None):
    env = {k: v for k, v in os.environ.items() if k != "SHALE_LIBRARY"}
    env.update(env_changes)
    pypath = pkg_parent or PYTHON_DIR
    env["PYTHONPATH"] = pypath
    proc = subprocess.run(
        [__import__("sys").executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    assert_clean_exit(proc)
    return proc.stdout


def _copy_package(dest):
    shutil.copytree(
        os.path.join(PYTHON_DIR, "shale"),
        os.path.join(dest, "shale"),
        ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.so.*"),
    )


def test_env_var_wins():
    out = _run_with({"SHALE_LIBRARY": shale.library_path})
    assert out.strip() == "LOADED:" + shale.library_path


def test_env_var_bad_path_is_not_silently_ignored(tmp_path):
    bad = str(tmp_path / "nope" / "libshale.so")
    out = _run_with({"SHALE_LIBRARY": bad})
    assert out.startswith("IMPORTERROR:")
    assert bad in out


def test_not_found_lists_every_place(tmp_path):
    _copy_package(str(tmp_path))
    out = _run_with({}, pkg_parent=str(tmp_path))
    if out.startswith("LOADED:"):
        pytest.skip("a system libshale is installed: " + out)
    pkg = os.path.join(str(tmp_path), "shale")
    assert os.path.join(pkg, "libshale.so") in out
    assert os.path.join(pkg, "libshale.so.1") in out
    assert os.path.join(str(tmp_path), "build", "lib", "libshale.so") in out
    assert "libshale.so.1 (system)" in out
    assert "SHALE_LIBRARY" in out


def test_package_directory(tmp_path):
    _copy_package(str(tmp_path))
    dest = os.path.join(str(tmp_path), "shale", "libshale.so")
    shutil.copy(shale.library_path, dest)
    out = _run_with({}, pkg_parent=str(tmp_path))
    assert out.strip() == "LOADED:" + dest


def test_build_tree_of_checkout(tmp_path):
    # <root>/include/shale.h marks the checkout; <root>/build-x/lib is a build tree
    root = tmp_path / "checkout"
    (root / "include").mkdir(parents=True)
    (root / "include" / "shale.h").write_text("/* marker */\n")
    _copy_package(str(root / "python"))
    (root / "build-x" / "lib").mkdir(parents=True)
    lib = root / "build-x" / "lib" / "libshale.so"
    shutil.copy(shale.library_path, lib)
    out = _run_with({}, pkg_parent=str(root / "python"))
    assert out.strip() == "LOADED:" + str(lib)
    (root / "build" / "lib").mkdir(parents=True)
    main = root / "build" / "lib" / "libshale.so"
    shutil.copy(shale.library_path, main)
    out = _run_with({}, pkg_parent=str(root / "python"))
    assert out.strip() == "LOADED:" + str(main)  # build/ before other build*/


FAKE = r"""
#include <stdint.h>
int32_t shale_abi_version(void) { return 2; }
"""


def test_abi_mismatch_refused(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler to build a fake library")
    src = tmp_path / "fake.c"
    src.write_text(FAKE)
    so = tmp_path / "libshale.so"
    subprocess.run([cc, "-shared", "-fPIC", str(src), "-o", str(so)], check=True)
    out = _run_with({"SHALE_LIBRARY": str(so)})
    assert out.startswith("IMPORTERROR:")
    assert str(so) in out
    assert "ABI version 2" in out and "ABI version 1" in out


def test_import_in_fresh_process_and_basic_use(db_path):
    proc = run_python(
        """
        import shale
        with shale.open(%r) as db:
            db[b"k"] = b"v"
            assert db[b"k"] == b"v"
        print(shale.__version__)
        """
        % db_path
    )
    assert_clean_exit(proc)
    assert proc.stdout.strip() == shale.__version__

"""Build hook: bundle libshale.so.1 into the package.

``pip install ./python`` copies the shared library into the installed
package (``shale/libshale.so.1``), where :mod:`shale._lib` looks for it
right after ``$SHALE_LIBRARY``. The library is taken from, in order:

1. ``$SHALE_LIBRARY`` at build time;
2. the source checkout's build trees (``../build/lib``, then the most
   recently built ``../build*/lib``).

If neither has one, the package is built without it and finds the library
at run time instead ($SHALE_LIBRARY, or the system's libshale.so.1, e.g.
after ``cmake --install``). Set ``SHALE_BUNDLE=0`` to never bundle.
"""

import glob
import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def find_library():
    env = os.environ.get("SHALE_LIBRARY")
    if env:
        if not os.path.isfile(env):
            sys.exit("setup.py: SHALE_LIBRARY=%s is not a file" % env)
        return env
    root = os.path.dirname(HERE)
    main = os.path.join(root, "build", "lib", "libshale.so.1")
    if os.path.isfile(main):
        return main
    others = glob.glob(os.path.join(root, "build*", "lib", "libshale.so.1"))
    others.sort(key=os.path.getmtime, reverse=True)
    return others[0] if others else None


class build_py_bundling(build_py):
    """build_py that also copies libshale.so.1 into the built package."""

    def run(self):
        super().run()
        if os.environ.get("SHALE_BUNDLE", "1") == "0":
            return
        lib = find_library()
        if lib is None:
            self.warn(
                "no libshale.so.1 found (set SHALE_LIBRARY or build it with cmake); "
                "the package will look for the library at run time"
            )
            return
        dest = os.path.join(self.build_lib, "shale", "libshale.so.1")
        self.mkpath(os.path.dirname(dest))
        shutil.copyfile(lib, dest)  # follows the symlink: the real file
        os.chmod(dest, 0o755)
        self.announce("bundled %s as %s" % (lib, dest), level=2)


cmdclass = {"build_py": build_py_bundling}
try:  # a wheel carrying a .so is platform-specific, though any Python 3 loads it
    from wheel.bdist_wheel import bdist_wheel

    class bdist_wheel_platform(bdist_wheel):
        """Tag the wheel py3-none-<platform> (it may contain libshale.so.1)."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = bdist_wheel_platform
except ImportError:  # pragma: no cover - no wheel package: plain installs
    pass

setup(cmdclass=cmdclass)

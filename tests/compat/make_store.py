#!/usr/bin/env python3
"""Writes the compatibility fixture: a store written by an older libshale,
which tests/compat/compat_test.cc opens with the current one.

    SHALE_LIBRARY=<old>/libshale.so.1 PYTHONPATH=python \\
        /usr/bin/python3 tests/compat/make_store.py OUT_DIR

The contents follow Expected() in compat_test.cc (keep the two in step):
4000 keys "key-%05d" over several tables on two levels, every third key
overwritten, every seventh deleted, and the last writes still in the log.
Small blocks, so every table has many. The fixture in this directory,
v0.3-store/, was made with libshale 0.3.0 (commit 68b163f; its LOCK
file removed).
"""
import os
import sys

import shale


def value(i, gen):
    return (b"v%d-%05d-" % (gen, i)) + bytes([97 + i % 26]) * (i % 40)


def main(out):
    os.makedirs(out, exist_ok=False)
    with shale.open(out, write_buffer_size=64 << 10, block_size=512,
                    sync="none") as db:
        for i in range(4000):
            db[b"key-%05d" % i] = value(i, 1)
        db.flush()
        db.compact_range()  # the first generation, at a deeper level
        for i in range(0, 4000, 3):
            db[b"key-%05d" % i] = value(i, 2)
        db.flush()  # a level-0 table
        for i in range(0, 4000, 7):
            del db[b"key-%05d" % i]  # still in the log at close
    print("wrote", out, "with libshale", shale.__version__)


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""py_many_keys.py — what the one-call-per-list functions save from Python.

Compares, side by side in one run on one db, per-key `db[k]` with
`db.get_many(keys)`, and `items()` (chunked by shale_iter_next_many).
Prints the median of --runs timings for each, in microseconds per key.

    SHALE_LIBRARY=build/lib/libshale.so.1 PYTHONPATH=python \\
        /usr/bin/python3 bench/py_many_keys.py [--keys N] [--value-size B] [--runs R]
"""
import argparse
import statistics
import tempfile
import time

import shale


def median_seconds(fn, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=20000)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    n = args.keys
    with tempfile.TemporaryDirectory() as tmp, shale.open(tmp + "/db") as db:
        keys = [b"key%08d" % i for i in range(n)]
        db.put_many([(k, b"v" * args.value_size) for k in keys])
        per_key = median_seconds(lambda: [db[k] for k in keys], args.runs)
        many = median_seconds(lambda: db.get_many(keys), args.runs)
        items = median_seconds(lambda: list(db.items()), args.runs)
    us = 1e6 / n
    print(f"keys={n} value_size={args.value_size} runs={args.runs} (medians)")
    print(f"  db[k] per key      {per_key * us:6.2f} us/key")
    print(f"  get_many(keys)     {many * us:6.2f} us/key  ({per_key / many:.1f}x)")
    print(f"  list(db.items())   {items * us:6.2f} us/entry")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""py_compare.py — shale from Python beside plyvel, py-lmdb, sqlite3 and dbm.

Same data for every library: 16-byte keys, 100-byte values (random bytes),
N keys inserted in one random order and read in another. Workloads (ops/s):

  put        one write per call (each its own transaction where the library
             has transactions)
  put_batch  1,000 writes per batch/transaction
  get        per-key lookups in a Python loop, random order
  get_batch  1,000 keys per call where the library can (shale get_many,
             py-lmdb Cursor.getmulti, sqlite3 one SELECT ... IN (...)); a
             per-key loop where it cannot (plyvel, dbm)
  scan       a full forward iteration counting the entries

Reads run on a db loaded with put_batch, closed, reopened and warmed by one
untimed scan. Every write run starts from an empty db. Each workload runs
--runs times per library (libraries interleaved run by run); the table shows
medians. Wall and CPU (getrusage(RUSAGE_SELF): user+sys, background threads
included) are measured around the timed loop only.

    SHALE_LIBRARY=build-py/lib/libshale.so.1 PYTHONPATH=python \\
        /usr/bin/python3 bench/py_compare.py [--quick] [--keys N] [--runs R] \\
        [--engines shale,lmdb,...] [--out results.jsonl]

JSON Lines (suite "python") go to --out; the human table to stdout.
"""
import argparse
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time

KEY_SIZE = 16
VALUE_SIZE = 100
BATCH = 1000
CACHE_BYTES = 64 << 20  # equal block/page cache budget
WRITE_BUFFER_BYTES = 4 << 20  # memtable size, where an engine has one
WORKLOADS = ("put", "put_batch", "get", "get_batch", "scan")


def chunks(seq, n):
    return [seq[i : i + n] for i in range(0, len(seq), n)]


# -- engines ------------------------------------------------------------------
# Each adapter: name, version(), describe, open(dir), close(), and one method
# per workload. Read methods return how many entries they found, which the
# driver checks (a lookup that silently misses measures nothing).


class Shale:
    name = "shale"
    describe = (
        "no compression in shale; block cache 64 MiB; write buffer 4 MiB; "
        "sync='none' (WAL written, never fsynced); put_batch = put_many "
        "(one atomic write, one C call); get_batch = get_many (one C call "
        "per 1,000 keys); scan = items() (chunked shale_iter_next_many)"
    )

    def __init__(self):
        import shale

        self.mod = shale

    def version(self):
        return self.mod.__version__

    def open(self, path):
        self.db = self.mod.open(
            path,
            sync="none",
            block_cache_capacity=CACHE_BYTES,
            write_buffer_size=WRITE_BUFFER_BYTES,
        )

    def close(self):
        self.db.close()

    def put(self, pairs):
        put = self.db.put
        for k, v in pairs:
            put(k, v)

    def put_batch(self, pairs):
        put_many = self.db.put_many
        for chunk in chunks(pairs, BATCH):
            put_many(chunk)

    def get(self, keys):
        get = self.db.get
        found = 0
        for k in keys:
            if get(k) is not None:
                found += 1
        return found

    def get_batch(self, keys):
        get_many = self.db.get_many
        found = 0
        for chunk in chunks(keys, BATCH):
            found += sum(1 for v in get_many(chunk) if v is not None)
        return found

    def scan(self):
        return sum(1 for _ in self.db.items())


class Plyvel:
    name = "plyvel"
    describe = (
        "LevelDB via plyvel: compression=None; lru_cache_size 64 MiB; "
        "write_buffer_size 4 MiB; WAL on, sync=False; put_batch = "
        "write_batch() of 1,000; get_batch = a get loop (plyvel has no "
        "multi-get); scan = iterator()"
    )

    def __init__(self):
        import plyvel

        self.mod = plyvel

    def version(self):
        return "plyvel %s, leveldb %s" % (self.mod.__version__, self.mod.__leveldb_version__)

    def open(self, path):
        self.db = self.mod.DB(
            path,
            create_if_missing=True,
            compression=None,
            lru_cache_size=CACHE_BYTES,
            write_buffer_size=WRITE_BUFFER_BYTES,
        )

    def close(self):
        self.db.close()

    def put(self, pairs):
        put = self.db.put
        for k, v in pairs:
            put(k, v, sync=False)

    def put_batch(self, pairs):
        for chunk in chunks(pairs, BATCH):
            with self.db.write_batch(sync=False) as wb:
                put = wb.put
                for k, v in chunk:
                    put(k, v)

    def get(self, keys):
        get = self.db.get
        found = 0
        for k in keys:
            if get(k) is not None:
                found += 1
        return found

    get_batch = get

    def scan(self):
        with self.db.iterator() as it:
            return sum(1 for _ in it)


class Lmdb:
    name = "lmdb"
    describe = (
        "py-lmdb: no compression in LMDB; no cache of its own (the file is "
        "mmapped; the OS page cache holds it); no WAL (copy-on-write "
        "B-tree), sync=False and metasync=False (commits never fsynced); "
        "map_size 4 GiB; put = one write txn per put; put_batch = one txn "
        "per 1,000; get = a txn.get loop inside one read txn; get_batch = "
        "Cursor.getmulti per 1,000 keys in one read txn; scan = cursor "
        "iteration"
    )

    def __init__(self):
        import lmdb

        self.mod = lmdb

    def version(self):
        return "py-lmdb %s, lmdb %s" % (self.mod.__version__, ".".join(map(str, self.mod.version())))

    def open(self, path):
        self.env = self.mod.open(path, map_size=4 << 30, sync=False, metasync=False)

    def close(self):
        self.env.close()

    def put(self, pairs):
        begin = self.env.begin
        for k, v in pairs:
            with begin(write=True) as txn:
                txn.put(k, v)

    def put_batch(self, pairs):
        for chunk in chunks(pairs, BATCH):
            with self.env.begin(write=True) as txn:
                put = txn.put
                for k, v in chunk:
                    put(k, v)

    def get(self, keys):
        found = 0
        with self.env.begin() as txn:
            get = txn.get
            for k in keys:
                if get(k) is not None:
                    found += 1
        return found

    def get_batch(self, keys):
        found = 0
        with self.env.begin() as txn, txn.cursor() as cur:
            getmulti = cur.getmulti
            for chunk in chunks(keys, BATCH):
                found += len(getmulti(chunk))
        return found

    def scan(self):
        with self.env.begin() as txn, txn.cursor() as cur:
            return sum(1 for _ in cur)


class Sqlite:
    name = "sqlite3"
    describe = (
        "stdlib sqlite3: table kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID; "
        "no compression; cache_size 64 MiB; journal_mode=WAL, "
        "synchronous=OFF; put = one autocommit INSERT OR REPLACE per put; "
        "put_batch = executemany of 1,000 in one transaction; get = one "
        "SELECT per key; get_batch = one SELECT ... WHERE k IN (1,000 "
        "params); scan = SELECT k, v ORDER BY k"
    )

    def __init__(self):
        import sqlite3

        self.mod = sqlite3

    def version(self):
        return "sqlite %s" % self.mod.sqlite_version

    def open(self, path):
        os.makedirs(path, exist_ok=True)
        self.db = self.mod.connect(os.path.join(path, "kv.sqlite"), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-%d" % (CACHE_BYTES // 1024))
        self.db.execute("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")

    def close(self):
        self.db.close()

    def put(self, pairs):
        execute = self.db.execute
        sql = "INSERT OR REPLACE INTO kv VALUES (?, ?)"
        for kv in pairs:
            execute(sql, kv)

    def put_batch(self, pairs):
        sql = "INSERT OR REPLACE INTO kv VALUES (?, ?)"
        for chunk in chunks(pairs, BATCH):
            self.db.execute("BEGIN")
            self.db.executemany(sql, chunk)
            self.db.execute("COMMIT")

    def get(self, keys):
        execute = self.db.execute
        sql = "SELECT v FROM kv WHERE k = ?"
        found = 0
        for k in keys:
            if execute(sql, (k,)).fetchone() is not None:
                found += 1
        return found

    def get_batch(self, keys):
        found = 0
        for chunk in chunks(keys, BATCH):
            sql = "SELECT v FROM kv WHERE k IN (%s)" % ",".join("?" * len(chunk))
            found += len(self.db.execute(sql, chunk).fetchall())
        return found

    def scan(self):
        return sum(1 for _ in self.db.execute("SELECT k, v FROM kv ORDER BY k"))


class Dbm:
    name = "dbm"

    def __init__(self):
        try:
            import dbm.gnu as mod

            self.kind = "dbm.gnu"
        except ImportError:  # no python3-gdbm
            import dbm.dumb as mod

            self.kind = "dbm.dumb"
        self.mod = mod
        self.describe = (
            "%s (stdlib): no compression, no cache setting, no WAL and no "
            "transactions; %s; put_batch = per-op puts (dbm has no batch); "
            "get_batch = a get loop; scan = firstkey/nextkey + fetch "
            "(hash order, not sorted)"
            % (
                self.kind,
                "opened 'cf' (fast mode: writes never synced)"
                if self.kind == "dbm.gnu"
                else "writes never synced",
            )
        )

    def version(self):
        if self.kind == "dbm.gnu":
            import _gdbm

            return "gdbm %s" % ".".join(map(str, _gdbm._GDBM_VERSION))
        return "dbm.dumb (Python %s)" % sys.version.split()[0]

    def open(self, path):
        os.makedirs(path, exist_ok=True)
        f = os.path.join(path, "kv.dbm")
        self.db = self.mod.open(f, "cf" if self.kind == "dbm.gnu" else "c")

    def close(self):
        self.db.close()

    def put(self, pairs):
        db = self.db
        for k, v in pairs:
            db[k] = v

    put_batch = put

    def get(self, keys):
        get = self.db.get
        found = 0
        for k in keys:
            if get(k) is not None:
                found += 1
        return found

    get_batch = get

    def scan(self):
        db = self.db
        if self.kind != "dbm.gnu":
            return sum(1 for k in db.keys() if db[k] is not None)
        n = 0
        k = db.firstkey()
        while k is not None:
            db[k]
            n += 1
            k = db.nextkey(k)
        return n


ENGINES = {e.name: e for e in (Shale, Plyvel, Lmdb, Sqlite, Dbm)}


# -- driver -------------------------------------------------------------------


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def measure(fn, *args):
    u0, s0 = cpu_seconds()
    t0 = time.perf_counter()
    result = fn(*args)
    wall = time.perf_counter() - t0
    u1, s1 = cpu_seconds()
    return result, wall, u1 - u0, s1 - s0


class Recorder:
    def __init__(self, out, n):
        self.out = out
        self.n = n
        self.ops_per_s = {}  # (engine, workload) -> [ops/s per run]

    def emit(self, obj):
        if self.out:
            self.out.write(json.dumps(obj) + "\n")
            self.out.flush()

    def record(self, engine, workload, run, wall, user, sys_s, note=None):
        ops = self.n
        line = {
            "suite": "python",
            "engine": engine,
            "workload": workload,
            "run": run,
            "ops": ops,
            "threads": 1,
            "value_size": VALUE_SIZE,
            "sync": 0,
            "wall_s": round(wall, 6),
            "user_s": round(user, 6),
            "sys_s": round(sys_s, 6),
            "ops_per_s": round(ops / wall, 1),
            "bytes_per_op": KEY_SIZE + VALUE_SIZE,
        }
        if note:
            line["note"] = note
        self.emit(line)
        self.ops_per_s.setdefault((engine, workload), []).append(ops / wall)


def make_data(n, seed):
    rng = random.Random(seed)
    keys = [b"%016d" % i for i in range(n)]  # 16 bytes
    values = [rng.randbytes(VALUE_SIZE) for _ in range(n)]
    order = list(range(n))
    rng.shuffle(order)
    pairs = [(keys[i], values[i]) for i in order]  # random insertion order
    rng.shuffle(order)
    read_keys = [keys[i] for i in order]  # another random order
    return pairs, read_keys


def progress(msg):
    print("py_compare: " + msg, file=sys.stderr, flush=True)


def run_writes(engines, pairs, runs, root, rec):
    for run in range(runs):
        progress("writes, run %d of %d" % (run + 1, runs))
        for eng in engines:
            for workload in ("put", "put_batch"):
                path = tempfile.mkdtemp(prefix="%s-%s-" % (eng.name, workload), dir=root)
                eng.open(path)
                _, wall, user, sys_s = measure(getattr(eng, workload), pairs)
                eng.close()
                shutil.rmtree(path)
                rec.record(eng.name, workload, run, wall, user, sys_s)


def run_reads(engines, pairs, read_keys, runs, root, rec):
    n = len(pairs)
    progress("loading the read dbs")
    for eng in engines:  # load, reopen, warm
        path = tempfile.mkdtemp(prefix="%s-read-" % eng.name, dir=root)
        eng.open(path)
        eng.put_batch(pairs)
        eng.close()
        eng.open(path)
        got = eng.scan()
        if got != n:
            raise SystemExit("%s: warm-up scan found %d of %d entries" % (eng.name, got, n))
    for run in range(runs):
        progress("reads, run %d of %d" % (run + 1, runs))
        for eng in engines:
            for workload, args in (("get", (read_keys,)), ("get_batch", (read_keys,)), ("scan", ())):
                found, wall, user, sys_s = measure(getattr(eng, workload), *args)
                if found != n:
                    raise SystemExit("%s %s: found %d of %d" % (eng.name, workload, found, n))
                rec.record(eng.name, workload, run, wall, user, sys_s)
    for eng in engines:
        eng.close()


def print_table(engines, rec, n, runs):
    med = {k: statistics.median(v) for k, v in rec.ops_per_s.items()}
    names = [e.name for e in engines]
    print("\nPython: %d keys, %d-byte keys, %d-byte values, median of %d runs, ops/s" % (n, KEY_SIZE, VALUE_SIZE, runs))
    print("%-10s" % "workload" + "".join("%13s" % nm for nm in names))
    for w in WORKLOADS:
        print("%-10s" % w + "".join("%13s" % ("{:,.0f}".format(med[(nm, w)]) if (nm, w) in med else "-") for nm in names))
    print()
    for e in engines:
        print("  %-8s %s: %s" % (e.name, e.version(), e.describe))
    if ("shale", "get") in med and ("lmdb", "get") in med:
        lget = med[("lmdb", "get")]
        print("\nTargets (medians of this run):")
        print(
            "  shale get_batch / py-lmdb per-key get loop = %.2fx  (target >= 2x)"
            % (med[("shale", "get_batch")] / lget)
        )
        print(
            "  shale per-key get / py-lmdb per-key get    = %.2fx  (target >= 0.8x)"
            % (med[("shale", "get")] / lget)
        )
        us = lambda key: 1e6 / med[key]  # noqa: E731
        print(
            "  per key: shale get %.2f us, shale get_batch %.2f us, lmdb get %.2f us, lmdb getmulti %.2f us"
            % (us(("shale", "get")), us(("shale", "get_batch")), us(("lmdb", "get")), us(("lmdb", "get_batch")))
        )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=None, help="N keys (default 200,000; --quick 20,000)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=None, help="runs per workload (default 3; --quick 3)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma list of " + ",".join(ENGINES))
    ap.add_argument("--out", help="append JSON Lines here")
    ap.add_argument("--dir", default=None, help="where the dbs go (default: a temporary directory)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    n = args.keys or (20000 if args.quick else 200000)
    runs = args.runs or 3
    engines = []
    for name in args.engines.split(","):
        if name not in ENGINES:
            raise SystemExit("unknown engine %r (have %s)" % (name, ",".join(ENGINES)))
        engines.append(ENGINES[name]())
    out = open(args.out, "a") if args.out else None
    rec = Recorder(out, n)
    for e in engines:
        rec.emit({"suite": "python", "kind": "settings", "engine": e.name, "version": e.version(), "describe": e.describe})
    pairs, read_keys = make_data(n, args.seed)
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
    root = tempfile.mkdtemp(prefix="py_compare-", dir=args.dir)
    try:
        run_writes(engines, pairs, runs, root, rec)
        run_reads(engines, pairs, read_keys, runs, root, rec)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if out:
            out.close()
    print_table(engines, rec, n, runs)


if __name__ == "__main__":
    main()

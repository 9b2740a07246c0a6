#!/usr/bin/env python3
"""Before/after, side by side: the same shale_compare binary run against two
builds of libshale, alternating A and B in every repetition so that machine
noise hits both alike, then the median of each workload and the ratio B/A.

    bench/ab.py [--base REV] [--runs N] [--engines LIST] [-- FLAGS...]

A is REV (default HEAD), built in Release into build-ab/<commit> from a
temporary git worktree (kept for the next run); B is the working tree,
built into build-bench (the tree compare.sh builds). FLAGS go to
shale_compare (default: --workloads=fillrandom,overwrite,readrandom,readmissing,readseq,
readreverse,seekrandom --num=300000). --engines adds peers measured once
per repetition beside B (e.g. leveldb,lmdb) to show where B stands.

Both libraries must have the same ABI (the binary is linked once, against
B's header); LD_LIBRARY_PATH selects the library for each run.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = re.compile(r"^run \d+ (?P<w>\S+)\s+(?P<e>\S+)\s+(?P<ops>\d+) ops/s")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build(src, out, targets):
    sh(["cmake", "-S", src, "-B", out, "-DCMAKE_BUILD_TYPE=Release",
        "-DSHALE_BUILD_TESTS=OFF", "-DSHALE_BUILD_EXAMPLES=OFF",
        "-DSHALE_BUILD_TOOLS=OFF", "-DSHALE_BUILD_BENCH=ON"],
       stdout=subprocess.DEVNULL)
    sh(["cmake", "--build", out, "-j", str(os.cpu_count() or 2), "--target"]
       + targets, stdout=subprocess.DEVNULL)


def build_base(rev):
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", rev], check=True,
                            capture_output=True, text=True).stdout.strip()
    out = os.path.join(ROOT, "build-ab", commit[:12])
    if not os.path.exists(os.path.join(out, "lib", "libshale.so.1")):
        src = tempfile.mkdtemp(prefix="shale-ab-src-")
        try:
            sh(["git", "-C", ROOT, "worktree", "add", "--detach", src, commit],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            build(src, out, ["shale"])
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force",
                            src], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            shutil.rmtree(src, ignore_errors=True)
    return commit[:12], os.path.join(out, "lib")


def run(binary, libdir, engines, flags, workdir):
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    p = subprocess.run([binary, "--engines=" + engines, "--runs=1",
                        "--dir=" + workdir, "--out=/dev/null"] + flags,
                       env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("shale_compare failed:\n" + p.stderr[-2000:])
    found = {}
    for line in p.stderr.splitlines():
        m = LINE.match(line)
        if m:
            found[(m["w"], m["e"])] = int(m["ops"])
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default="HEAD")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default="")
    ap.add_argument("flags", nargs="*")
    a = ap.parse_args()
    flags = a.flags or ["--workloads=fillrandom,overwrite,readrandom,readmissing,readseq,"
                        "readreverse,seekrandom", "--num=300000"]
    commit, lib_a = build_base(a.base)
    bench = os.path.join(ROOT, "build-bench")
    build(ROOT, bench, ["shale", "shale_compare"])
    lib_b = os.path.join(bench, "lib")
    binary = os.path.join(bench, "bench", "compare", "shale_compare")
    work = tempfile.mkdtemp(prefix="shale-ab-", dir=os.environ.get(
        "TMPDIR", "/var/tmp"))
    results = {}  # (workload, label) -> [ops/s]
    try:
        for r in range(a.runs):
            sides = [("A", lib_a, "shale"),
                     ("B", lib_b, "shale" + ("," + a.engines if a.engines
                                             else ""))]
            if r % 2:
                sides.reverse()
            for label, lib, engines in sides:
                for (w, e), ops in run(binary, lib, engines, flags,
                                       work).items():
                    key = (w, label if e == "shale" else e)
                    results.setdefault(key, []).append(ops)
                    print("run %d %-6s %-14s %12d ops/s" % (r, key[1], w, ops),
                          file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    workloads = []
    for w, _ in results:
        if w not in workloads:
            workloads.append(w)
    peers = [e for e in a.engines.split(",") if e]
    print("A = %s, B = working tree; medians of %d runs, ops/s\n" %
          (commit, a.runs))
    head = ["workload", "A", "B", "B / A"] + ["B / " + p for p in peers]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" + "---:|" * (len(head) - 1))
    for w in workloads:
        med = {k: statistics.median(v) for (ww, k), v in results.items()
               if ww == w}
        if "A" not in med or "B" not in med:
            continue
        row = [w, "%.0f" % med["A"], "%.0f" % med["B"],
               "%.2fx" % (med["B"] / med["A"])]
        row += ["%.2fx" % (med["B"] / med[p]) if p in med else "–"
                for p in peers]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs db_bench several times and prints the median of each workload as a
Markdown table (the table in docs/performance.md comes from this).

    bench/run_medians.py [--runs=3] -- build-bench/bench/db_bench --num=...

Every run's full output is kept in the directory named by --logs (default:
a temp dir) so the medians can be checked against the raw lines.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

LINE = re.compile(
    r"^(?P<name>\S+)\s*:\s*(?P<us>[\d.]+) micros/op;\s*(?P<ops>[\d.]+) ops/s;"
    r"\s*(?P<mb>[\d.]+) MB/s;\s*(?P<n>\d+) ops(?:; (?P<extra>.*))?$")
REOPEN = re.compile(r"^reopen\s*:\s*(?P<ms>[\d.]+) ms to open")
RSS = re.compile(r"peak RSS: (?P<mib>[\d.]+) MiB")
FP = re.compile(r"false-positive rate (?P<fp>[\d.]+)%")
STALLS = re.compile(r"write_stalls (?P<s>\d+)")
WA = re.compile(r"write-amp so far (?P<wa>[\d.]+)")


def main(argv):
    runs = 3
    logs = None
    if "--" not in argv:
        print(__doc__)
        return 2
    split = argv.index("--")
    for a in argv[:split]:
        if a.startswith("--runs="):
            runs = int(a.split("=", 1)[1])
        elif a.startswith("--logs="):
            logs = a.split("=", 1)[1]
    cmd = argv[split + 1:]
    logs = logs or tempfile.mkdtemp(prefix="shale_bench_logs_")
    os.makedirs(logs, exist_ok=True)

    results = {}   # name -> list of (us, ops, mb, extra)
    engine = {}    # name -> list of engine-line dicts
    order = []
    reopen, rss = [], []
    for r in range(runs):
        out = subprocess.run(cmd, check=True, capture_output=True,
                             text=True).stdout
        with open(os.path.join(logs, "run%d.txt" % (r + 1)), "w") as f:
            f.write(out)
        last = None
        seen = {}
        for line in out.splitlines():
            m = LINE.match(line)
            if m:
                name = m.group("name")
                # a workload listed twice (e.g. a cold and a warm readrandom)
                # gets its own row: name, name#2, ...
                seen[name] = seen.get(name, 0) + 1
                if seen[name] > 1:
                    name = "%s#%d" % (name, seen[name])
                if name not in results:
                    results[name] = []
                    order.append(name)
                results[name].append((float(m.group("us")),
                                      float(m.group("ops")),
                                      float(m.group("mb")),
                                      m.group("extra") or ""))
                last = name
                continue
            if line.startswith("  engine:") and last:
                d = {}
                for rx, key in ((FP, "fp"), (STALLS, "s"), (WA, "wa")):
                    mm = rx.search(line)
                    if mm:
                        d[key] = float(mm.group(key))
                engine.setdefault(last, []).append(d)
                continue
            m = REOPEN.match(line)
            if m:
                reopen.append(float(m.group("ms")))
            m = RSS.search(line)
            if m:
                rss.append(float(m.group("mib")))

    print("| workload | µs/op | ops/s | MB/s | notes (median run) |")
    print("|---|---:|---:|---:|---|")
    for name in order:
        rows = results[name]
        med_ops = statistics.median(x[1] for x in rows)
        # the run whose ops/s is the median gives the notes
        mid = sorted(rows, key=lambda x: x[1])[len(rows) // 2]
        notes = [mid[3]] if mid[3] else []
        eng = engine.get(name, [])
        for key, fmt in (("s", "write_stalls %d"), ("wa", "write-amp %.2f"),
                         ("fp", "bloom FP %.3f%%")):
            vals = [e[key] for e in eng if key in e]
            if vals and (key != "s" or max(vals) > 0 or name.startswith("fill")
                         or name == "overwrite"):
                notes.append(fmt % statistics.median(vals))
        print("| %s | %.3f | %.0f | %.1f | %s |" % (
            name, statistics.median(x[0] for x in rows), med_ops,
            statistics.median(x[2] for x in rows), "; ".join(notes)))
    if reopen:
        print("\nreopen (open of the closed store): median %.2f ms (runs: %s)"
              % (statistics.median(reopen),
                 ", ".join("%.2f" % x for x in reopen)))
    if rss:
        print("peak RSS: median %.1f MiB (runs: %s)" % (
            statistics.median(rss), ", ".join("%.1f" % x for x in rss)))
    print("\nraw logs: %s" % logs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

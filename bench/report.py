#!/usr/bin/env python3
"""report.py — the side-by-side comparison's report, from a results directory.

    bench/report.py DIR [--write-docs] [--img-dir D]
    bench/report.py DIR --record-env [--command CMD] [--build-dir B]
                        [--db-dir D] [--quick]

DIR is what bench/compare.sh wrote: *.jsonl files (one JSON object per
measured run, plus one "settings" line per engine; format in
bench/compare.sh's header), environment.json and steps.tsv. The report
takes the median of the runs of each (suite, engine, workload, threads,
value size, sync) and prints Markdown: the environment and settings, the
targets of issue 13 (met / not met / not run), then one table per suite
(ops/s, ratios against the peers, CPU time, size on disk). It also writes
the report to DIR/report.md and draws PNG charts (matplotlib, Agg) into
DIR/img/.

--write-docs draws the charts into docs/img/ instead and replaces the part
of docs/performance.md between <!-- compare:begin --> and
<!-- compare:end --> with the report.
--record-env writes DIR/environment.json (machine, compiler, commit,
command); compare.sh calls it before the benches run, so the header
describes the machine that ran them, even when the report is made later.

Missing suites or engines (a peer not installed, a bench that failed) show
as "not run"; nothing here is ever filled in.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "performance.md")
DOC_IMG = os.path.join(ROOT, "docs", "img")
BEGIN, END = "<!-- compare:begin -->", "<!-- compare:end -->"

SUITES = ("c", "python", "ruby", "ffi")
SUITE_TITLES = {"c": "C", "python": "Python", "ruby": "Ruby",
                "ffi": "C API overhead over the C++ core"}
# Engines each suite is expected to have; others found in the data follow.
EXPECTED = {
    "c": ["shale", "shale-step", "leveldb", "rocksdb", "lmdb", "sqlite"],
    "python": ["shale", "plyvel", "lmdb", "sqlite3", "dbm"],
    "ruby": ["shale", "ffi-floor"],
    "ffi": ["shale-core", "shale-capi"],
}
# Ratio columns "shale / X" per suite.
RATIO_BASES = {"c": ["leveldb", "rocksdb", "lmdb"],
               "python": ["lmdb", "plyvel"]}
# Debian packages of the peers, whose versions the header lists.
PEER_PACKAGES = ("libleveldb-dev", "librocksdb-dev", "liblmdb-dev",
                 "libsqlite3-dev", "python3-plyvel", "python3-lmdb",
                 "ruby-ffi")
COLORS = {"shale": "#d62728", "shale-step": "#ff9896", "leveldb": "#1f77b4", "rocksdb": "#ff7f0e",
          "lmdb": "#2ca02c", "sqlite": "#9467bd", "plyvel": "#1f77b4",
          "sqlite3": "#9467bd", "dbm": "#8c564b", "ffi-floor": "#7f7f7f",
          "shale-core": "#ff9896", "shale-capi": "#d62728"}


# ---------------------------------------------------------------------------
# Loading and medians
# ---------------------------------------------------------------------------
class Data:
    """Everything in DIR: result lines, settings lines, metric lines."""

    def __init__(self, directory):
        self.dir = directory
        self.results, self.settings, self.metrics = [], [], []
        self.run_notes, self.problems = [], []
        self.files = sorted(glob.glob(os.path.join(directory, "*.jsonl")))
        for path in self.files:
            name = os.path.basename(path)
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        self.problems.append("%s:%d: not JSON" % (name, n))
                        continue
                    if not isinstance(obj, dict):
                        self.problems.append("%s:%d: not an object" % (name, n))
                    elif obj.get("kind") == "settings":
                        self.settings.append(obj)
                    elif obj.get("kind") == "summary":
                        continue  # a bench's own medians: recomputed here
                    elif obj.get("kind") and obj.get("describe"):
                        self.run_notes.append(obj)  # a bench's run settings
                    elif "metric" in obj:
                        self.metrics.append(obj)
                    elif isinstance(obj.get("ops_per_s"), (int, float)):
                        self.results.append(obj)
                    else:
                        self.problems.append("%s:%d: no ops_per_s" % (name, n))
        self.env = read_json(os.path.join(directory, "environment.json"))
        self.steps = read_steps(os.path.join(directory, "steps.tsv"))

    def suite(self, suite):
        return [r for r in self.results if r.get("suite") == suite]


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_steps(path):
    """steps.tsv from compare.sh: name, exit status, seconds."""
    steps = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3:
                    steps[parts[0]] = (parts[1], parts[2])
    except OSError:
        pass
    return steps


class Cell:
    """The medians of the runs of one engine on one workload variant."""

    def __init__(self, runs):
        self.runs = len(runs)
        self.ops_per_s = statistics.median(r["ops_per_s"] for r in runs)
        self.ops = statistics.median(num(r.get("ops")) for r in runs)
        self.wall_s = statistics.median(num(r.get("wall_s")) for r in runs)
        self.cpu_s = statistics.median(
            num(r.get("user_s")) + num(r.get("sys_s")) for r in runs)
        disks = [r["disk_bytes"] for r in runs
                 if isinstance(r.get("disk_bytes"), (int, float))]
        self.disk_bytes = statistics.median(disks) if disks else None
        notes = sorted({str(r["note"]) for r in runs if r.get("note")})
        self.note = "; ".join(notes)


def num(x):
    return x if isinstance(x, (int, float)) else 0.0


def row_label(r):
    threads = int(num(r.get("threads")) or 1)
    w = str(r.get("workload", "?"))
    if threads == 1 or w.endswith(str(threads)):  # fillsync4 says it
        return w
    return "%s, %d threads" % (w, threads)


class Table:
    """One suite's results for one (sync, value size): rows x engines."""

    def __init__(self, suite, sync, value_size, main_value_size):
        self.suite, self.sync, self.value_size = suite, sync, value_size
        self.is_main = value_size == main_value_size
        self.rows = []      # row labels in first-seen order
        self.engines = []   # engine names, expected ones first
        self.cells = {}     # (row, engine) -> Cell

    def get(self, row, engine):
        return self.cells.get((row, engine))


def tables_for(data, suite):
    """Splits a suite's lines by (sync, value_size), medians per cell."""
    lines = data.suite(suite)
    if not lines:
        return []
    sizes = [int(num(r.get("value_size"))) for r in lines]
    main_size = statistics.mode(sizes)
    groups = {}
    for r in lines:
        key = (int(num(r.get("sync"))), int(num(r.get("value_size"))))
        groups.setdefault(key, []).append(r)
    tables = []
    for (sync, size) in sorted(groups, key=lambda k: (k[1] != main_size, k)):
        t = Table(suite, sync, size, main_size)
        runs = {}
        seen_engines = []
        for r in groups[(sync, size)]:
            label, engine = row_label(r), str(r.get("engine", "?"))
            if label not in t.rows:
                t.rows.append(label)
            if engine not in seen_engines:
                seen_engines.append(engine)
            runs.setdefault((label, engine), []).append(r)
        t.engines = [e for e in EXPECTED.get(suite, []) if e in seen_engines]
        t.engines += [e for e in seen_engines if e not in t.engines]
        t.cells = {k: Cell(v) for k, v in runs.items()}
        tables.append(t)
    return tables


def table_title(t, several_syncs):
    parts = [SUITE_TITLES.get(t.suite, t.suite)]
    if t.suite == "c" or several_syncs:
        parts.append("durable: every write synced" if t.sync
                     else "write-ahead log on, unsynced")
    if t.value_size:
        parts.append("%d-byte values" % t.value_size)
    elif t.engines == ["ffi-floor"]:
        parts.append("the ffi floor (bare ffi calls, no data)")
    else:
        parts.append("calls without data")
    return ", ".join(parts)


def chart_name(t, several_syncs):
    name = "compare-" + t.suite
    if t.suite == "c" or several_syncs:
        name += "-sync" if t.sync else "-async"
    if not t.is_main:
        name += "-v%d" % t.value_size
    return name + ".png"


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------
def fmt_ops(x):
    if x is None:
        return "not run"
    return "{:,.0f}".format(x) if x >= 100 else "{:.1f}".format(x)


def fmt_ratio(a, b):
    if a is None or b is None or b.ops_per_s <= 0:
        return "–"
    return "%.2fx" % (a.ops_per_s / b.ops_per_s)


def fmt_bytes(n):
    if n is None:
        return "–"
    if n < 1048576:
        return "%.0f KiB" % (n / 1024.0)
    return "%.1f MiB" % (n / 1048576.0)


def md_table(header, rows, align=None):
    align = align or (["---"] + ["---:"] * (len(header) - 1))
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def missing_engines(suite, present):
    return [e for e in EXPECTED.get(suite, []) if e not in present]


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------
def section_suite(data, suite, charts, img_link):
    title = SUITE_TITLES[suite]
    tables = tables_for(data, suite)
    if suite == "ffi":
        return section_ffi(data, tables)
    if not tables:
        return "### %s\n\nnot run%s\n" % (title, step_note(data, suite))
    several_syncs = len({t.sync for t in tables}) > 1
    out = []
    engines_seen = {e for t in tables for e in t.engines}
    for t in tables:
        heading = table_title(t, several_syncs)
        out.append("### %s\n" % heading)
        bases = [b for b in RATIO_BASES.get(suite, []) if b != "shale"]
        header = ["workload"] + t.engines + ["shale / %s" % b for b in bases]
        rows = []
        for row in t.rows:
            shale = t.get(row, "shale")
            cells = [fmt_ops(c.ops_per_s) if c else "not run"
                     for c in (t.get(row, e) for e in t.engines)]
            ratios = [fmt_ratio(shale, t.get(row, b)) for b in bases]
            rows.append([row] + cells + ratios)
        out.append("ops/s (median of %s):\n" % runs_phrase(t))
        out.append(md_table(header, rows) + "\n")
        if any(c.cpu_s > 0 for c in t.cells.values()):
            rows = [[row] + [cpu_wall(t.get(row, e)) for e in t.engines]
                    for row in t.rows]
            out.append("CPU time (user + sys, background threads included) "
                       "and wall time, seconds, medians: CPU (wall):\n")
            out.append(md_table(["workload"] + t.engines, rows) + "\n")
        disk_rows = [row for row in t.rows
                     if any(t.get(row, e) and t.get(row, e).disk_bytes
                            is not None for e in t.engines)]
        if disk_rows:
            rows = [[row] + [fmt_bytes(t.get(row, e).disk_bytes)
                             if t.get(row, e) else "–" for e in t.engines]
                    for row in disk_rows]
            out.append("Size on disk after the workload:\n")
            out.append(md_table(["after"] + t.engines, rows) + "\n")
        notes = workload_notes(t)
        if notes:
            out.append(md_table(["workload", "what it does"], notes,
                                ["---", "---"]) + "\n")
        name = chart_name(t, several_syncs)
        if draw_chart(t, heading, os.path.join(charts, name)):
            out.append("![%s](%s)\n" % (heading, img_link + name))
    absent = missing_engines(suite, engines_seen)
    if absent:
        out.append("Not run: %s.%s\n" % (", ".join(absent),
                                          step_note(data, suite)))
    return "\n".join(out)


def workload_notes(t):
    """One line per workload from the benches' notes; a note only some
    engines carry is prefixed with their names."""
    rows = []
    for row in t.rows:
        by_note = {}
        for e in t.engines:
            c = t.get(row, e)
            if c and c.note:
                by_note.setdefault(c.note, []).append(e)
        parts = [note if len(engines) == len([e for e in t.engines
                                              if t.get(row, e)])
                 else "%s: %s" % (", ".join(engines), note)
                 for note, engines in by_note.items()]
        if parts:
            rows.append([row, "; ".join(parts).replace("|", "/")])
    return rows


def cpu_wall(c):
    if not c:
        return "–"
    f = lambda x: ("%.2f" if x >= 1 else "%.3f") % x
    return "%s (%s)" % (f(c.cpu_s), f(c.wall_s))


def runs_phrase(t):
    counts = sorted({c.runs for c in t.cells.values()})
    if len(counts) == 1:
        return "%d run%s" % (counts[0], "" if counts[0] == 1 else "s")
    return "%d-%d runs" % (counts[0], counts[-1])


def step_note(data, suite):
    """Why a suite has no lines, from compare.sh's steps.tsv."""
    step = data.steps.get(suite)
    if not step or step[0] == "0":
        return ""
    if step[0].isdigit():
        return " (the %s bench exited with status %s; see %s.log)" % (
            suite, step[0], suite)
    return " (%s)" % step[0].replace("-", " ")


def ffi_core(t, row):
    """The core's cell for a C API row: same row, else the core row whose
    name starts that row's (readrandom for readrandom_into)."""
    core = t.get(row, "shale-core")
    if core:
        return core
    prefixes = [r for r in t.rows if row.startswith(r) and
                t.get(r, "shale-core")]
    return t.get(max(prefixes, key=len), "shale-core") if prefixes else None


def ffi_overhead(t, row):
    """Per-call time of the C API over the core's: core ops/s / capi - 1."""
    core, capi = ffi_core(t, row), t.get(row, "shale-capi")
    if not core or not capi or capi.ops_per_s <= 0:
        return None
    return core.ops_per_s / capi.ops_per_s - 1.0


def section_ffi(data, tables):
    out = ["### %s\n" % SUITE_TITLES["ffi"]]
    if not tables and not data.metrics:
        return out[0] + "\nnot run%s\n" % step_note(data, "ffi")
    for t in tables:
        out.append("%d-byte values, ops/s (median of %s):\n" %
                   (t.value_size, runs_phrase(t)))
        rows = []
        for row in t.rows:
            ovh = ffi_overhead(t, row)
            core, capi = ffi_core(t, row), t.get(row, "shale-capi")
            extra = "–"
            if ovh is not None:
                extra = "%+.1f%% (%+.0f ns)" % (
                    100 * ovh, 1e9 / capi.ops_per_s - 1e9 / core.ops_per_s)
            notes = "; ".join(c.note for c in (t.get(row, e) for e in
                                                t.engines) if c and c.note)
            rows.append([row] + [fmt_ops(t.get(row, e).ops_per_s)
                                 if t.get(row, e) else "–"
                                 for e in t.engines] + [extra, notes])
        out.append(md_table(["workload"] + t.engines +
                            ["C API over the core, per call", "calls"], rows,
                            ["---"] + ["---:"] * (len(t.engines) + 1) +
                            ["---"]) + "\n")
    metrics = {}
    for m in data.metrics:
        if isinstance(m.get("value"), (int, float)):
            name = str(m["metric"])
            if m.get("workload"):
                name += " (%s)" % m["workload"]
            metrics.setdefault(name, []).append(m["value"])
    if metrics:
        rows = [[k, "%.4g" % statistics.median(v), len(v)]
                for k, v in metrics.items()]
        out.append("Costs of the layers every C call goes through:\n")
        out.append(md_table(["metric", "median", "runs"], rows) + "\n")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Targets (docs: /work/brief/BENCH.md, issue 6)
# ---------------------------------------------------------------------------
def find(tables, suite, engine, workload, threads=1, main_only=True,
         sync=None):
    """The first cell for engine/workload/threads, async tables first."""
    labels = [workload] if threads == 1 else [
        "%s, %d threads" % (workload, threads), "%s%d" % (workload, threads)]
    if threads == 1:
        labels.append(workload + "1")  # fillsync1
    for t in sorted(tables, key=lambda t: t.sync):
        if t.suite != suite or (main_only and not t.is_main):
            continue
        if sync is not None and t.sync != sync:
            continue
        for label in labels:
            if t.get(label, engine):
                return t.get(label, engine)
    return None


# Issue 13's read targets. A C read workload is met when shale is ahead of
# both LevelDB and RocksDB by the factor, with pages (shale) and stepping
# one entry a call (shale-step).
READ_WORKLOADS = ("readrandom", "readmissing", "readseq", "readreverse",
                  "seekrandom", "ycsb_b, 2 threads")
READ_OVER_LSM = 1.2
LMDB_WORKLOADS = ("readrandom", "readseq", "seekrandom")
LMDB_FACTOR = 1 / 1.5
# shale / LevelDB of the write workloads on 2026-12-04, before the read
# path was rebuilt (issue 13's baseline run, bench/compare.sh full mode):
# no write workload may fall below its ratio by more than the noise.
WRITE_BASELINE = {"fillseq": 0.97, "fillrandom": 0.98, "overwrite": 1.02,
                  "deleterandom": 0.92, "fillbatch": 0.93,
                  "ycsb_a, 2 threads": 1.06}
WRITE_NOISE = 0.10


def target_rows(data):
    tabs = {s: tables_for(data, s) for s in SUITES}
    rows = []

    def ratio(a, b):
        if not a or not b or b.ops_per_s <= 0:
            return None
        return a.ops_per_s / b.ops_per_s

    def ratio_row(name, a, b, target, invert=False, wanted=None):
        r = ratio(a, b)
        text = wanted or target_text(target, invert)
        if r is None:
            rows.append([name, "–", text, "not run"])
            return
        rows.append([name, "%.2fx" % r, text,
                     "met" if r >= target else "**not met**"])

    c = [t for t in tabs["c"] if not t.sync and t.is_main]
    main = c[0] if c else None

    def cell(engine, workload):
        return main.get(workload, engine) if main else None

    # Every C read workload, both ways of iterating, against both LSMs.
    for shale in ("shale", "shale-step"):
        worst, low, compared = None, [], 0
        for w in READ_WORKLOADS:
            for peer in ("leveldb", "rocksdb"):
                r = ratio(cell(shale, w), cell(peer, w))
                if r is None:
                    continue
                compared += 1
                if worst is None or r < worst[0]:
                    worst = (r, "%s vs %s" % (w, peer))
                if r < READ_OVER_LSM:
                    low.append("%s / %s %.2fx" % (w, peer, r))
        name = "every C read workload: %s / LevelDB and RocksDB" % shale
        if worst is None:
            rows.append([name, "–", ">= %gx" % READ_OVER_LSM, "not run"])
        else:
            rows.append([name, "min %.2fx (%s)" % worst,
                         ">= %gx" % READ_OVER_LSM,
                         "met (%d compared)" % compared if not low else
                         "**not met**: %s" % ", ".join(low)])
    for w in LMDB_WORKLOADS:
        ratio_row("%s: shale / LMDB" % w, cell("shale", w), cell("lmdb", w),
                  LMDB_FACTOR, invert=True)
    ratio_row("moonshot, readrandom: shale / LMDB", cell("shale", "readrandom"),
              cell("lmdb", "readrandom"), 1.0)
    for peer in ("leveldb", "rocksdb"):
        ratio_row("readrandom, store 4x its cache: shale / %s" % peer,
                  cell("shale", "readrandom_4x"), cell(peer, "readrandom_4x"),
                  READ_OVER_LSM)
    # Writes: no slower than before, relative to LevelDB.
    for w, before in WRITE_BASELINE.items():
        ratio_row("%s: shale / LevelDB (was %.2fx)" % (w, before),
                  cell("shale", w), cell("leveldb", w), before - WRITE_NOISE,
                  wanted=">= %.2fx (baseline - noise)" % (before - WRITE_NOISE))
    p = tabs["python"]
    py = lambda e, w: find(p, "python", e, w, sync=0)
    ratio_row("Python: shale get / py-lmdb get", py("shale", "get"),
              py("lmdb", "get"), 0.8)
    ratio_row("Python: shale get / plyvel get", py("shale", "get"),
              py("plyvel", "get"), 1.2)
    ratio_row("Python: shale get_batch / py-lmdb get loop",
              py("shale", "get_batch"), py("lmdb", "get"), 1.5)
    for peer in ("lmdb", "plyvel"):
        ratio_row("Python: shale scan / %s scan" % peer, py("shale", "scan"),
                  py(peer, "scan"), 1.0)
    r = tabs["ruby"]
    for w in ("get", "get_batch"):
        floor = "raw_" + w
        ratio_row("Ruby: shale %s / (2 x the bare ffi call of the C %s)" %
                  (w, w), find(r, "ruby", "shale", w, sync=0),
                  find(r, "ruby", "ffi-floor", floor, sync=0), 0.5,
                  wanted=">= 0.5x (within 2x)")
    ovh = None
    for t in tabs["ffi"]:
        if t.is_main and "readrandom" in t.rows:
            ovh = ffi_overhead(t, "readrandom")
    if ovh is None:
        rows.append(["C API overhead over the core, readrandom", "–",
                     "<= 5%", "not run"])
    else:
        rows.append(["C API overhead over the core, readrandom",
                     "%+.1f%%" % (100 * ovh), "<= 5%",
                     "met" if ovh <= 0.05 else "**not met**"])
    return rows


def target_text(target, invert):
    if invert:
        return ">= %.2fx (within %.1fx)" % (target, 1 / target)
    return ">= %gx" % target


def section_targets(data):
    rows = target_rows(data)
    return ("### Targets\n\nRatios of medians measured side by side in this "
            "run (ratio = ops/s of the first / ops/s of the second).\n\n" +
            md_table(["target", "measured", "wanted", "status"], rows,
                     ["---", "---:", "---", "---"]) + "\n")


# ---------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------
def sh(*cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def first_line(text):
    return text.splitlines()[0].strip() if text else ""


def cmake_cache(build_dir):
    cache = {}
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                m = re.match(r"^([A-Za-z_]+):[A-Z]+=(.*)$", line.rstrip("\n"))
                if m:
                    cache[m.group(1)] = m.group(2)
    except OSError:
        pass
    return cache


def collect_env(build_dir, db_dir):
    env = {"recorded_utc": datetime.datetime.now(datetime.timezone.utc)
           .strftime("%Y-%m-%d %H:%M UTC")}
    try:
        with open("/proc/cpuinfo") as f:
            models = re.findall(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        env["cpu"] = models[0] if models else platform.processor()
    except OSError:
        env["cpu"] = platform.processor()
    env["cores"] = os.cpu_count()
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        env["memory"] = "%.1f GiB" % (kb / 1048576.0)
    except (OSError, AttributeError):
        pass
    env["kernel"] = " ".join(platform.uname()[i] for i in (0, 2))
    try:
        with open("/etc/os-release") as f:
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
            env["os"] = m.group(1) if m else ""
    except OSError:
        pass
    db_dir = db_dir or os.environ.get("TMPDIR") or "/tmp"
    df = sh("df", "-T", db_dir).splitlines()
    fields = df[-1].split() if len(df) > 1 else []
    env["db_dir"] = db_dir
    if len(fields) >= 2:
        env["filesystem"] = "%s on %s" % (fields[1], fields[0])
    cache = cmake_cache(build_dir) if build_dir else {}
    for lang, key in (("c_compiler", "CMAKE_C_COMPILER"),
                      ("cxx_compiler", "CMAKE_CXX_COMPILER")):
        path = cache.get(key) or shutil.which(
            "cc" if lang == "c_compiler" else "c++") or "?"
        real = os.path.basename(os.path.realpath(path))  # c++ -> g++-12
        env[lang] = "%s: %s" % (real, first_line(sh(path, "--version")))
    env["build_type"] = cache.get("CMAKE_BUILD_TYPE", "")
    commit = sh("git", "-C", ROOT, "rev-parse", "--short", "HEAD")
    if commit and sh("git", "-C", ROOT, "status", "--porcelain",
                     "--untracked-files=no", "--",
                     "src", "capi", "include", "bench", "python", "ruby"):
        commit += " (with uncommitted changes)"
    env["commit"] = commit
    env["packages"] = sh("dpkg-query", "-W", "-f", "${Package} ${Version}\\n",
                         *PEER_PACKAGES).replace("\n", ", ")
    env["python"] = "%s %s" % (sys.executable, platform.python_version())
    env["ruby"] = first_line(sh("ruby", "--version"))
    return env


def section_env(data):
    env = data.env
    note = ""
    if not env:
        env = collect_env(os.path.join(ROOT, "build-bench"), None)
        note = (" (no environment.json in the results: collected when the "
                "report was made, which may not be the machine that ran it)")
    lines = ["### Environment%s\n" % note]
    items = [
        ("machine", "%s, %s cores, %s" % (env.get("cpu", "?"),
                                         env.get("cores", "?"),
                                         env.get("memory", "?"))),
        ("system", "%s, %s" % (env.get("os", "?"), env.get("kernel", "?"))),
        ("databases in", "%s (%s)" % (env.get("db_dir", "?"),
                                      env.get("filesystem", "?"))),
        ("compiler", "%s; %s build" % (env.get("cxx_compiler", "?"),
                                       env.get("build_type") or "?")),
        ("shale", "commit %s" % (env.get("commit") or "?")),
        ("Python / Ruby", "%s / %s" % (env.get("python", "?"),
                                      env.get("ruby", "?"))),
        ("peer packages", env.get("packages") or "?"),
        ("run", run_text(data, env)),
    ]
    items += [("%s bench" % n.get("suite", "?"), n["describe"])
              for n in data.run_notes]
    lines += ["- %s: %s" % kv for kv in items]
    seen = set()
    settings = []
    for s in data.settings:
        key = (s.get("suite"), s.get("engine"), s.get("version"),
               s.get("describe"))
        if key not in seen:
            seen.add(key)
            settings.append(s)
    if settings:
        lines.append("\nEngines and settings (as each bench reported them):\n")
        rows = [[s.get("suite", "?"), s.get("engine", "?"),
                 s.get("version", "?"),
                 str(s.get("describe", "")).replace("|", "/")]
                for s in settings]
        lines.append(md_table(["suite", "engine", "version", "settings"],
                              rows, ["---"] * 4))
    if data.problems:
        lines.append("\nUnreadable lines skipped: " + ", ".join(
            data.problems[:10]) + (" ..." if len(data.problems) > 10 else ""))
    return "\n".join(lines) + "\n"


def run_text(data, env):
    parts = []
    if env.get("command"):
        parts.append("`%s`" % env["command"])
    parts.append("quick mode" if env.get("quick") else "full mode")
    if env.get("recorded_utc"):
        parts.append("environment recorded %s" % env["recorded_utc"])
    steps = ["%s %ss%s" % (k, v[1], "" if v[0] == "0" else " (%s)" % (
                           "exit " + v[0] if v[0].isdigit() else v[0]))
             for k, v in data.steps.items()
             if k != "build" and v[0] != "not-selected"]
    if steps:
        parts.append("wall time: " + ", ".join(steps))
    return "; ".join(parts)


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------
def draw_chart(t, title, path):
    """Horizontal grouped bars of ops/s, one group per workload."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return False
    values = [c.ops_per_s for c in t.cells.values() if c.ops_per_s > 0]
    if not values:
        return False
    n = len(t.engines)
    height = 0.8 / max(n, 1)
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.15 * len(t.rows) * max(n, 2)))
    for i, engine in enumerate(t.engines):
        ys, xs = [], []
        for j, row in enumerate(t.rows):
            c = t.get(row, engine)
            if c and c.ops_per_s > 0:
                ys.append(j + (i - (n - 1) / 2) * height)
                xs.append(c.ops_per_s)
        ax.barh(ys, xs, height=height, label=engine,
                color=COLORS.get(engine))
    ax.set_yticks(range(len(t.rows)))
    ax.set_yticklabels(t.rows)
    ax.invert_yaxis()
    if max(values) / min(values) > 20:
        ax.set_xscale("log")
        ax.set_xlabel("operations per second (log scale; longer is better)")
    else:
        ax.set_xlabel("operations per second (longer is better)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        lambda x, _: human(x)))
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return True


def human(x):
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if x >= div:
            return "%g%s" % (x / div, suffix)
    return "%g" % x


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
def report(data, charts, img_link):
    parts = [section_env(data), section_targets(data)]
    parts += [section_suite(data, s, charts, img_link) for s in SUITES]
    return "\n".join(parts)


def write_docs(text, command):
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    if doc.count(BEGIN) != 1 or doc.count(END) != 1 or \
            doc.index(BEGIN) > doc.index(END):
        sys.exit("report.py: %s needs exactly one %s and one %s after it"
                 % (DOC, BEGIN, END))
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    block = ("%s\n<!-- generated by bench/report.py from a run of `%s`; "
             "edit outside the markers -->\n\n%s\n%s" %
             (BEGIN, command, text.strip() + "\n", END))
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(head + block + tail)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("dir", help="results directory written by compare.sh")
    ap.add_argument("--write-docs", action="store_true",
                    help="charts into docs/img/, report into "
                         "docs/performance.md between the markers")
    ap.add_argument("--img-dir", help="where the charts go (default "
                    "DIR/img, or docs/img with --write-docs)")
    ap.add_argument("--record-env", action="store_true",
                    help="only write DIR/environment.json")
    ap.add_argument("--command", default="bench/compare.sh")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--db-dir", help="where the benches create databases")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    if args.record_env:
        os.makedirs(args.dir, exist_ok=True)
        env = collect_env(args.build_dir, args.db_dir)
        env.update(command=args.command, quick=args.quick)
        with open(os.path.join(args.dir, "environment.json"), "w") as f:
            json.dump(env, f, indent=1)
            f.write("\n")
        return 0
    if not os.path.isdir(args.dir):
        sys.exit("report.py: no such directory: %s" % args.dir)
    data = Data(args.dir)
    if not data.files:
        print("report.py: no *.jsonl in %s: every suite is 'not run'"
              % args.dir, file=sys.stderr)
    if args.write_docs:
        charts = args.img_dir or DOC_IMG
        img_link = os.path.relpath(charts, os.path.dirname(DOC)) + "/"
    else:
        charts = args.img_dir or os.path.join(args.dir, "img")
        img_link = os.path.relpath(charts, args.dir) + "/"
    text = report(data, charts, img_link)
    print(text)
    local = text.replace("](" + img_link, "](%s/" % os.path.relpath(
        charts, args.dir))
    with open(os.path.join(args.dir, "report.md"), "w", encoding="utf-8") as f:
        f.write(local)
    if args.write_docs:
        write_docs(text, (data.env or {}).get("command", args.command))
        print("report.py: wrote %s and charts in %s" % (DOC, charts),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

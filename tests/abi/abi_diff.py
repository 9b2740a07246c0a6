#!/usr/bin/python3
"""ABI baseline checks with libabigail (abidw, abidiff), run by ctest.

  abi_diff.py dump LIB HEADERS_DIR OUT.abi
      writes LIB's ABI (its exported functions and the public types they
      use, the types of HEADERS_DIR) as abixml. update-baseline.sh uses it
      to write tests/abi/libshale.abi; `check` uses it for the built side,
      so both sides are produced by the same command.
  abi_diff.py check BASELINE.abi LIB HEADERS_DIR
      compares LIB with the committed baseline. Passes when the ABI is the
      same or only grew: functions added, fields appended to public structs
      (past the end of the baseline's struct: they begin with struct_size,
      so the library reads only what the caller has). Fails on every break:
      a function removed or renamed, a parameter or return type changed, a
      struct field changed, moved, removed or inserted before the end, the
      SONAME changed.
      Exit status: 0 pass, 1 break (or a tool error), 77 skipped (the
      baseline is for another architecture).

Why not abidiff's exit status alone: bit 3 (8, "incompatible") is set only
for removed symbols; a changed parameter or struct field is bit 2 (4, "ABI
change"), the same bit as an added function. So this script reads the
change summary: it passes a change only if nothing was removed or changed.
Appended struct fields would count as a change of every function taking
the struct, so the built side's structs are cut back to the baseline's size
before the comparison (only members at or past the old size are cut: a
member changed, moved or inserted inside the old size is still compared).
Appending into the old struct's tail padding is reported as a change on
purpose: callers built against the old header count those bytes in
struct_size.
Why not an abidiff suppression (has_data_member_inserted_at = end): in
libabigail 2.2 it also hides a field whose type grew in the middle of the
struct (seen with Debian 12's libabigail 2.2; abi_selftest.sh's case
field_type keeps this script honest about it).
Why not --headers-dir2 on abidiff: it treats types from system headers
(size_t, uint32_t) as private and hides a parameter changing from one to
the other (case param_type).
"""
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def tool(name):
    path = shutil.which(name)
    if not path:
        fail("%s not found: install the Debian package abigail-tools" % name)
    return path


def dump(lib, headers_dir, out):
    cmd = [tool("abidw"), "--headers-dir", headers_dir, "--drop-private-types",
           "--exported-interfaces-only",
           "--no-corpus-path", "--no-comp-dir-path", "--no-show-locs",
           "--no-elf-needed", "--type-id-style", "hash", "--out-file", out,
           lib]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail("%s failed (%d): %s" % (" ".join(cmd), r.returncode,
                                      r.stderr.strip()))


def struct_sizes(root):
    """{name: size in bits} of the complete shale_* structs of a corpus."""
    sizes = {}
    for c in root.iter("class-decl"):
        name = c.get("name", "")
        if name.startswith("shale_") and c.get("size-in-bits") and \
                c.get("is-declaration-only") != "yes":
            sizes[name] = int(c.get("size-in-bits"))
    return sizes


def cut_appended(baseline, built, out):
    """Writes built to out with each public struct that grew since baseline
    cut back to its baseline size; returns [(struct, [cut members])]."""
    old = struct_sizes(ET.parse(baseline).getroot())
    tree = ET.parse(built)
    cuts = []
    for c in tree.getroot().iter("class-decl"):
        name = c.get("name", "")
        size = c.get("size-in-bits")
        if name not in old or not size or int(size) <= old[name]:
            continue
        cut = []
        for m in list(c.findall("data-member")):
            if int(m.get("layout-offset-in-bits", "0")) >= old[name]:
                var = m.find("var-decl")
                cut.append(var.get("name") if var is not None else "?")
                c.remove(m)
        c.set("size-in-bits", str(old[name]))
        cuts.append((name, cut))
    tree.write(out, encoding="unicode")
    return cuts


def architecture(path):
    with open(path) as f:
        head = f.read(4096)
    m = re.search(r"architecture='([^']*)'", head)
    return m.group(1) if m else None


SUMMARY_RE = re.compile(r"^(.*) changes summary: (\d+) Removed, (\d+) Changed",
                        re.M)
SYMBOL_SUMMARY_RE = re.compile(
    r"^(.*symbols) changes summary: (\d+) Removed", re.M)


def check(baseline, lib, headers_dir):
    if not os.path.exists(baseline):
        fail("no baseline %s: run tests/abi/update-baseline.sh BUILD_DIR"
             % baseline)
    abidiff = tool("abidiff")
    with tempfile.TemporaryDirectory(prefix="shale-abi.") as tmp:
        built = os.path.join(tmp, "built.abi")
        dump(lib, headers_dir, built)
        arch_old, arch_new = architecture(baseline), architecture(built)
        if arch_old != arch_new:
            print("SKIPPED: the baseline is for %s, this build is %s"
                  % (arch_old, arch_new))
            sys.exit(SKIP)
        compared = os.path.join(tmp, "compared.abi")
        cuts = cut_appended(baseline, built, compared)
        for name, members in cuts:
            print("%s grew since the baseline; compared without its members "
                  "at or past the baseline's size: %s"
                  % (name, ", ".join(members) or "(none: padding)"))
        r = subprocess.run([abidiff, baseline, compared], capture_output=True,
                           text=True)
    report = r.stdout + r.stderr
    print("abidiff exit status %d" % r.returncode)
    print(report.rstrip() or "(no difference)")
    if r.returncode & 3:
        fail("abidiff could not compare (exit status %d)" % r.returncode)
    if r.returncode & 8:
        fail("incompatible ABI change: a function or variable was removed "
             "(see the report above)")
    if r.returncode & 4:
        problems = []
        for what, removed, changed in SUMMARY_RE.findall(report):
            if int(removed) or int(changed):
                problems.append("%s: %s removed, %s changed"
                                % (what, removed, changed))
        for what, removed in SYMBOL_SUMMARY_RE.findall(report):
            if int(removed):
                problems.append("%s: %s removed" % (what, removed))
        for line in report.splitlines():
            if re.search(r"SONAME changed|architecture changed", line):
                problems.append(line.strip())
        if not SUMMARY_RE.search(report):
            problems.append("no change summary in the abidiff report")
        if problems:
            fail("ABI break against %s: %s. Within an ABI major, functions "
                 "and struct fields are only ever added."
                 % (baseline, "; ".join(problems)))
        print("OK: additions only. Record them with "
              "tests/abi/update-baseline.sh BUILD_DIR when the version ships.")
        return
    print("OK: the ABI equals the baseline%s" %
          (" apart from appended struct fields" if cuts else ""))


def main():
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "dump":
        dump(*args[1:])
    elif len(args) == 4 and args[0] == "check":
        check(*args[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

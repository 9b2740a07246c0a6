#!/usr/bin/python3
"""Struct layout check, run by ctest.

  layout_check.py LAYOUT_PROGRAM shale.h struct_layout.txt
  layout_check.py --selftest LAYOUT_PROGRAM shale.h struct_layout.txt
      proves the check can fail: runs it against altered copies of the
      baseline (a field moved, shrunk, removed; the struct shrunk; a field
      added in tail padding) and expects each to fail, and against a
      baseline missing the last field (= a field appended) and expects a
      pass.

Runs LAYOUT_PROGRAM (struct_layout.c built), whose lines are
`STRUCT SIZE` and `STRUCT.FIELD OFFSET SIZE`, and checks:

1. it lists every public struct of shale.h and every field of each, in
   declaration order (so a field added to the header but not to
   struct_layout.c fails here, on any architecture);
2. against the committed struct_layout.txt (written by update-baseline.sh
   for one architecture, named in its `# arch:` line; other architectures
   skip this part, exit status 77): every struct and field of the baseline
   is still there with the same offset and size, in the same order, and the
   struct did not shrink. New fields may only follow the baseline's last
   one, at or past the baseline's struct size (not in its tail padding,
   which old callers count in struct_size); new structs are fine. Within an
   ABI major, struct fields are only ever appended.
"""
import platform
import re
import subprocess
import sys

SKIP = 77


def parse_layout(lines):
    """{struct: (size, [(field, offset, size)])}, in order."""
    structs = {}
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) == 2 and "." not in parts[0]:
            structs[parts[0]] = (int(parts[1]), [])
        elif len(parts) == 3 and parts[0].count(".") == 1:
            s, f = parts[0].split(".")
            if s not in structs:
                sys.exit("line %d: field of unknown struct: %s" % (n, line))
            structs[s][1].append((f, int(parts[1]), int(parts[2])))
        else:
            sys.exit("line %d: not `STRUCT SIZE` or `STRUCT.FIELD OFFSET "
                     "SIZE`: %s" % (n, line))
    return structs


def header_structs(header):
    """{struct: [field, ...]} of the complete structs declared in header."""
    with open(header) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    structs = {}
    for m in re.finditer(r"\bstruct\s+(\w+)\s*\{(.*?)\}", text, re.S):
        fields = []
        for decl in m.group(2).split(";"):
            decl = decl.strip()
            if not decl:
                continue
            fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)  # function pointer
            if fp:
                fields.append(fp.group(1))
                continue
            decl = re.sub(r"\[[^\]]*\]", "", decl)  # array sizes
            # `type a, *b` declares a and b.
            first, *more = decl.split(",")
            fields.append(re.findall(r"\w+", first)[-1])
            fields += [re.findall(r"\w+", d)[-1] for d in more]
        structs[m.group(1)] = fields
    return structs


def selftest(program, header, baseline_path):
    import os
    import tempfile
    with open(baseline_path) as f:
        lines = f.read().splitlines()
    # Run on this machine's layout, whatever the baseline's arch.
    lines = ["# arch: %s" % platform.machine()] + \
        [l for l in lines if not l.startswith("#")]

    def field_line(prefix):
        return next(i for i, l in enumerate(lines) if l.startswith(prefix))

    def altered(fn):
        new = list(lines)
        fn(new)
        return new

    def set_parts(new, i, **kw):
        parts = new[i].split()
        if "offset" in kw:
            parts[1] = str(kw["offset"])
        if "size" in kw:
            parts[-1] = str(kw["size"])
        new[i] = " ".join(parts)

    opt = field_line("shale_options ")
    last = field_line("shale_options.reserved0 ")
    last_off = int(lines[last].split()[1])
    cases = [
        ("same", True, lambda n: None),
        ("a field appended (the baseline lacks the last one)", True,
         lambda n: (set_parts(n, opt, size=last_off), n.pop(last))),
        ("a field moved", False,
         lambda n: set_parts(n, field_line("shale_options.sync_mode "),
                             offset=24)),
        ("a field shrank", False,
         lambda n: set_parts(n, field_line("shale_options.struct_size "),
                             size=16)),
        ("a field removed", False,
         lambda n: n.insert(field_line("shale_options.read_only "),
                            "shale_options.gone 16 4")),
        ("a struct shrank", False,
         lambda n: set_parts(n, field_line("shale_stats "), size=1 << 20)),
        ("a field added in the old tail padding", False,
         lambda n: n.pop(last)),
    ]
    bad = 0
    with tempfile.TemporaryDirectory(prefix="shale-layout.") as tmp:
        for name, should_pass, fn in cases:
            path = os.path.join(tmp, "baseline.txt")
            with open(path, "w") as f:
                f.write("\n".join(altered(fn)) + "\n")
            r = subprocess.run([sys.executable, __file__, program, header,
                                path], capture_output=True, text=True)
            verdict = [l for l in r.stdout.splitlines()
                       if l.startswith(("FAIL", "OK"))]
            ok = (r.returncode == 0) == should_pass and \
                r.returncode in (0, 1)
            print("%s: %s (exit %d, expected %s): %s" %
                  ("ok" if ok else "WRONG", name, r.returncode,
                   "pass" if should_pass else "fail", " | ".join(verdict)))
            bad += not ok
    if bad:
        print("FAIL: %d case(s) judged wrongly" % bad)
        sys.exit(1)
    print("OK: layout check self-test, %d cases" % len(cases))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--selftest":
        selftest(*sys.argv[2:])
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    program, header, baseline_path = sys.argv[1:]
    out = subprocess.run([program], check=True, capture_output=True,
                         text=True).stdout
    print(out, end="")
    actual = parse_layout(out.splitlines())
    problems = []

    # 1. The program covers the header.
    declared = header_structs(header)
    for s, fields in declared.items():
        if s not in actual:
            problems.append("struct %s is declared in shale.h but not "
                            "printed by struct_layout.c: add it" % s)
            continue
        printed = [f for f, _, _ in actual[s][1]]
        if printed != fields:
            missing = [f for f in fields if f not in printed]
            problems.append(
                "struct_layout.c prints %s's fields as %s but shale.h "
                "declares %s%s" % (s, printed, fields,
                                   " (missing: %s)" % missing if missing
                                   else ""))
    for s in actual:
        if s not in declared:
            problems.append("struct_layout.c prints %s, which shale.h does "
                            "not declare" % s)
    if problems:
        for p in problems:
            print("FAIL:", p)
        sys.exit(1)
    print("struct_layout.c covers shale.h: %d structs, %d fields" %
          (len(declared), sum(len(f) for f in declared.values())))

    # 2. Append-only against the baseline.
    with open(baseline_path) as f:
        base_lines = f.read().splitlines()
    arch = None
    for line in base_lines:
        m = re.match(r"#\s*arch:\s*(\S+)", line)
        if m:
            arch = m.group(1)
    if arch != platform.machine():
        print("SKIPPED: %s is for %s, this machine is %s" %
              (baseline_path, arch, platform.machine()))
        sys.exit(SKIP)
    base = parse_layout(base_lines)
    notes = []
    for s, (bsize, bfields) in base.items():
        if s not in actual:
            problems.append("struct %s was removed" % s)
            continue
        size, fields = actual[s]
        if size < bsize:
            problems.append("%s shrank from %d to %d bytes" % (s, bsize, size))
        now = {f: (off, fsize) for f, off, fsize in fields}
        for f, off, fsize in bfields:
            if f not in now:
                problems.append("%s.%s was removed (or renamed)" % (s, f))
                continue
            noff, nsize = now[f]
            if noff != off:
                problems.append("%s.%s moved from offset %d to %d" %
                                (s, f, off, noff))
            if nsize != fsize:
                problems.append("%s.%s changed size from %d to %d bytes%s" %
                                (s, f, fsize, nsize,
                                 " (shrank)" if nsize < fsize else ""))
        names = [f for f, _, _ in bfields]
        if [f for f, _, _ in fields[:len(names)]] != names and \
                all(f in now for f in names):
            problems.append("%s: new fields were inserted among the "
                            "baseline's (%s)" % (s, ", ".join(
                                f for f, _, _ in fields[:len(names)]
                                if f not in names)))
        for f, off, fsize in fields[len(bfields):]:
            if off < bsize:
                problems.append("%s.%s was added at offset %d, inside the "
                                "baseline's %d bytes (tail padding old "
                                "callers count in struct_size)" %
                                (s, f, off, bsize))
            else:
                notes.append("%s.%s appended at %d" % (s, f, off))
    for s in actual:
        if s not in base:
            notes.append("new struct %s" % s)
    for p in problems:
        print("FAIL:", p)
    if problems:
        print("Within an ABI major, struct fields are only ever appended.")
        sys.exit(1)
    if notes:
        print("OK: only additions (%s); record them with "
              "tests/abi/update-baseline.sh BUILD_DIR" % "; ".join(notes))
    else:
        print("OK: the layout equals %s" % baseline_path)


if __name__ == "__main__":
    main()

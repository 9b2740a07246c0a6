#!/usr/bin/python3
"""Keeps docs/c-api.md honest, run by ctest.

  doc_check.py run DOC NAME CC INCLUDE_DIR LIB [SANITIZE]
      extracts the complete program NAME from DOC -- the ```c block right
      after a line `<!-- program: NAME -->` -- compiles it as strict C99
      against INCLUDE_DIR/shale.h, links it with LIB (libshale.so), runs it
      with a fresh directory as its argument and requires exit status 0.
  doc_check.py coverage DOC HEADER
      every function declared SHALE_API and every SHALE_E_* status code in
      HEADER is named in DOC; every program marker is followed by a ```c
      block; program names are unique.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

MARKER_RE = re.compile(r"^<!-- program: (\w+) -->\s*$")


def programs(doc):
    """{name: source} of the complete programs in doc."""
    with open(doc) as f:
        lines = f.read().splitlines()
    found, problems = {}, []
    for i, line in enumerate(lines):
        m = MARKER_RE.match(line)
        if not m:
            continue
        name = m.group(1)
        if i + 1 >= len(lines) or lines[i + 1].strip() != "```c":
            problems.append("line %d: program %s is not followed by a ```c "
                            "block" % (i + 1, name))
            continue
        try:
            end = next(j for j in range(i + 2, len(lines))
                       if lines[j].strip() == "```")
        except StopIteration:
            problems.append("line %d: program %s's block never ends"
                            % (i + 1, name))
            continue
        if name in found:
            problems.append("program %s appears twice" % name)
        found[name] = "\n".join(lines[i + 2:end]) + "\n"
    return found, problems


def run(doc, name, cc, include, lib, sanitize=""):
    progs, problems = programs(doc)
    if name not in progs:
        print("FAIL: no program %s in %s" % (name, doc))
        sys.exit(1)
    libdir = os.path.dirname(os.path.abspath(lib))
    flags = ["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror"]
    if sanitize:
        flags += ["-fsanitize=" + sanitize, "-fno-omit-frame-pointer"]
    with tempfile.TemporaryDirectory(prefix="shale-doc.") as tmp:
        src = os.path.join(tmp, name + ".c")
        with open(src, "w") as f:
            f.write(progs[name])
        exe = os.path.join(tmp, name)
        cmd = [cc] + flags + ["-I" + include, src, "-o", exe, "-L" + libdir,
                              "-Wl,-rpath," + libdir,
                              "-l:" + os.path.basename(lib)]
        print(" ".join(cmd))
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            print("FAIL: docs/c-api.md program %s does not compile" % name)
            sys.exit(1)
        r = subprocess.run([exe, os.path.join(tmp, "db")],
                           capture_output=True, text=True, timeout=120)
        print(r.stdout + r.stderr, end="")
        if r.returncode != 0:
            print("FAIL: docs/c-api.md program %s exited with %d"
                  % (name, r.returncode))
            sys.exit(1)
    print("doc program %s: OK" % name)


def coverage(doc, header):
    with open(header) as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    functions = set(re.findall(r"\bSHALE_API\b[^;(]*?\b(shale_\w+)\s*\(",
                               text, re.S))
    codes = set(re.findall(r"#define (SHALE_E_\w+) ", text))
    with open(doc) as f:
        body = f.read()
    named = set(re.findall(r"\b(shale_\w+|SHALE_\w+)\b", body))
    problems = []
    for fn in sorted(functions - named):
        problems.append("%s (declared in shale.h) is not in %s" % (fn, doc))
    for code in sorted(codes - named):
        problems.append("status code %s is not in %s" % (code, doc))
    progs, prog_problems = programs(doc)
    problems += prog_problems
    for p in problems:
        print("FAIL:", p)
    if problems:
        sys.exit(1)
    print("OK: %s names all %d functions and %d error codes; %d complete "
          "programs (%s)" % (doc, len(functions), len(codes), len(progs),
                             ", ".join(progs)))


def main():
    a = sys.argv[1:]
    if a and a[0] == "run" and len(a) in (6, 7):
        run(*a[1:])
    elif a and a[0] == "coverage" and len(a) == 3:
        coverage(*a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

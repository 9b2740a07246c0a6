#!/usr/bin/python3
"""ABI checks for libshale, run by ctest.

  abi_check.py exports <libshale.so> <shale.h>
      the dynamic symbols defined by the library are exactly the functions
      declared SHALE_API in the header (both directions), all shale_*.
  abi_check.py golden <libshale.so> <shale.h> <symbols.txt> <version node>
      the same, and both equal the committed sorted list symbols.txt, and
      every symbol is bound to the version node (SHALE_1): a removed or
      renamed function fails naming it; an added one fails until the list
      is updated with tests/abi/update-baseline.sh.
  abi_check.py soname <libshale.so> <expected soname>
  abi_check.py barrier <capi dir> <shale.h>
      every exported function defined in capi/*.cc is one statement,
      `return Guard(...);` -- the exception barrier -- except the trivially
      safe functions listed in NO_BARRIER; every declared function is
      defined exactly once.
"""
import os
import re
import subprocess
import sys

# Functions that cannot fail or throw and must not clear the last error.
NO_BARRIER = {
    "shale_version": "returns a string literal",
    "shale_status_name": "a switch over constants; must not touch the last error",
    "shale_last_error": "reads the thread-local error; must not clear it",
    "shale_last_errno": "reads the thread-local error; must not clear it",
    "shale_last_status": "reads the thread-local error; must not clear it",
    "shale_free": "free() cannot throw; must not clear the last error",
}

DECL_RE = re.compile(r"\bSHALE_API\b[^;(]*?\b(shale_\w+)\s*\(", re.S)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def declared(header):
    with open(header) as f:
        text = strip_comments(f.read())
    names = DECL_RE.findall(text)
    if len(names) != len(set(names)):
        sys.exit("duplicate declarations in header")
    return set(names)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def exported_versions(lib):
    """{name: version node} of the dynamic symbols lib defines."""
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    exported = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        if parts[1] == "A":  # version-node symbols (SHALE_1)
            continue
        name, _, version = parts[2].partition("@")
        exported[name] = version.lstrip("@")
    return exported


def check_exports(lib, header):
    exported = set(exported_versions(lib))
    decl = declared(header)
    not_api = sorted(s for s in exported if not s.startswith("shale_"))
    extra = sorted(exported - decl)
    missing = sorted(decl - exported)
    print("exported:", len(exported), "declared:", len(decl))
    if not_api:
        fail("non-shale symbols exported: %s" % not_api)
    if extra:
        fail("exported but not declared SHALE_API: %s" % extra)
    if missing:
        fail("declared SHALE_API but not exported: %s" % missing)
    print("OK")


UPDATE_HINT = ("if the change is intended (a function added in this "
               "version), record it: tests/abi/update-baseline.sh BUILD_DIR, "
               "then commit tests/abi/")


def check_golden(lib, header, golden, node):
    with open(golden) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    problems = []
    if lines != sorted(set(lines)):
        problems.append("%s is not sorted and unique (LC_ALL=C sort -u)"
                        % golden)
    listed = set(lines)
    versions = exported_versions(lib)
    exported = set(versions)
    decl = declared(header)
    print("listed: %d, exported: %d, declared: %d" %
          (len(listed), len(exported), len(decl)))
    for name in sorted(listed - exported):
        why = ("still declared in shale.h" if name in decl else
               "no longer declared in shale.h either")
        problems.append("%s is in the ABI baseline but libshale does not "
                        "export it (%s): removing or renaming a function "
                        "breaks ABI %s" % (name, why, node))
    for name in sorted(exported - listed):
        problems.append("%s is exported but not in the ABI baseline %s; %s"
                        % (name, golden, UPDATE_HINT))
    for name in sorted(decl - exported):
        problems.append("%s is declared SHALE_API in shale.h but not "
                        "exported" % name)
    for name in sorted(exported - decl):
        problems.append("%s is exported but not declared SHALE_API in "
                        "shale.h" % name)
    for name in sorted(exported):
        if versions[name] != node:
            problems.append("%s is bound to version node '%s', expected '%s'"
                            " (capi/shale.map)" % (name, versions[name], node))
    for p in problems:
        print("FAIL:", p)
    if problems:
        sys.exit(1)
    print("OK: %d symbols, all %s, as listed and as declared" %
          (len(exported), node))


def check_soname(lib, expected):
    out = subprocess.run(["readelf", "-d", lib], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    if not m:
        fail("no SONAME in %s" % lib)
    if m.group(1) != expected:
        fail("SONAME is %s, expected %s" % (m.group(1), expected))
    print("OK: SONAME", m.group(1))


def skip_literal(text, i):
    """i at a quote; returns the index after the literal."""
    q = text[i]
    i += 1
    while i < len(text) and text[i] != q:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def matching(text, i, open_ch, close_ch):
    """i at open_ch; returns the index of its matching close_ch."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i = skip_literal(text, i)
            continue
        if c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    fail("unbalanced %s%s" % (open_ch, close_ch))


DEF_RE = re.compile(r'extern\s+"C"\s+SHALE_API\b[^;{(]*?\b(shale_\w+)\s*\(')


def check_barrier(capi_dir, header):
    definitions = {}
    problems = []
    for name in sorted(os.listdir(capi_dir)):
        if not name.endswith(".cc"):
            continue
        with open(os.path.join(capi_dir, name)) as f:
            text = strip_comments(f.read())
        for m in DEF_RE.finditer(text):
            fn = m.group(1)
            close = matching(text, m.end() - 1, "(", ")")
            rest = text[close + 1:].lstrip()
            if not rest.startswith("{"):
                continue  # a declaration, not a definition
            start = close + 1 + (len(text[close + 1:]) - len(rest))
            end = matching(text, start, "{", "}")
            body = " ".join(text[start + 1:end].split())
            definitions.setdefault(fn, []).append(name)
            if fn in NO_BARRIER:
                if "Guard(" in body:
                    problems.append("%s is listed as barrier-free but uses "
                                    "Guard; update NO_BARRIER" % fn)
                continue
            if not (body.startswith("return Guard(") or
                    body.startswith("return GuardRelease(")) or \
                    not body.endswith(");"):
                problems.append("%s (%s) does not consist of `return "
                                "Guard(...);` or `return GuardRelease(...);`:"
                                " %.80s" % (fn, name, body))
            # Only one statement at top level: the Guard call.
            guard_open = body.index("(")
            guard_close = matching(body, guard_open, "(", ")")
            if body[guard_close + 1:].strip() != ";":
                problems.append("%s: statements after the barrier" % fn)
    decl = declared(header)
    for fn, files in definitions.items():
        if len(files) != 1:
            problems.append("%s defined %d times" % (fn, len(files)))
    missing = sorted(decl - set(definitions))
    if missing:
        problems.append("declared but not defined in capi/: %s" % missing)
    unknown = sorted(set(definitions) - decl)
    if unknown:
        problems.append("defined but not declared: %s" % unknown)
    for p in problems:
        print("FAIL:", p)
    if problems:
        sys.exit(1)
    print("OK: %d entry points, %d through the barrier, %d exempt (%s)" %
          (len(definitions), len(definitions) - len(NO_BARRIER),
           len(NO_BARRIER), ", ".join(sorted(NO_BARRIER))))


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "golden":
        check_golden(*sys.argv[2:])
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    mode, a, b = sys.argv[1:]
    if mode == "exports":
        check_exports(a, b)
    elif mode == "soname":
        check_soname(a, b)
    elif mode == "barrier":
        check_barrier(a, b)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

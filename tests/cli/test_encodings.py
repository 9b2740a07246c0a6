"""Keys and values on the command line and in the output: escaped text (the
default), hexadecimal, raw bytes, their per-key/per-value mixes, and the
usage errors of bad escapes and bad hex."""

import json

import pytest

from cliutil import NOT_FOUND, describe, esc, escb, load_model, run, usage_error

ALL = bytes(range(256))


def test_escape_model_matches_the_spec_examples():
    # The examples of docs/cli.md, "Encodings", to pin the model itself.
    assert esc(b"user:1") == "user:1"
    assert esc(b"\x00\xffA\t") == "\\x00\\xffA\\t"
    assert esc(b"\\\n\r") == "\\\\\\n\\r"


def test_all_byte_values_round_trip_escaped(db):
    key = b"k" + ALL
    value = ALL[::-1] + ALL
    run("put", db, esc(key), esc(value))
    assert run("get", db, esc(key)).stdout == escb(value) + b"\n"
    assert run("get", "--value-raw", db, esc(key)).stdout == value
    assert run("get", "--raw", db, esc(key), rc=NOT_FOUND).stdout == b""  # --raw: the key raw too
    assert run("get", "--hex", db, key.hex()).stdout == value.hex().encode() + b"\n"
    assert run("get", "--key-hex", db, key.hex()).stdout == escb(value) + b"\n"
    assert run("scan", db).stdout == escb(key) + b"\t" + escb(value) + b"\n"
    assert run("scan", "--hex", db).stdout == key.hex().encode() + b"\t" + value.hex().encode() + b"\n"
    # The escaped output is printable ASCII only.
    out = run("scan", db).stdout
    assert all(0x20 <= c < 0x7F or c in (9, 10) for c in out)


def test_each_byte_value_as_a_key(db, tmp_path):
    model = {bytes([b]): bytes([b, b]) for b in range(256)}
    load_model(db, model, tmp_path)
    expected = b"".join(escb(k) + b"\t" + escb(v) + b"\n" for k, v in sorted(model.items()))
    assert run("scan", db).stdout == expected
    assert run("scan", "--keys-only", db).stdout == b"".join(escb(k) + b"\n" for k in sorted(model))
    for b in (0x00, 0x09, 0x0A, 0x0D, 0x20, 0x41, 0x5C, 0x7E, 0x7F, 0x80, 0xFF):
        assert run("get", db, esc(bytes([b]))).stdout == escb(bytes([b, b])) + b"\n", hex(b)
        assert run("get", "--hex", db, "%02x" % b).stdout == b"%02x%02x\n" % (b, b), hex(b)


def test_escaped_input_forms(db):
    # \0 is a zero byte; an escape of a printable byte is that byte.
    run("put", db, "a\\0b", "zero")
    assert run("get", "--key-hex", db, "610062").stdout == b"zero\n"
    run("put", db, "\\x41\\x42", "AB")
    assert run("get", db, "AB").stdout == b"AB\n"
    # Hex digits of an escape in any case.
    run("put", db, "up\\xAB\\xcD", "mixed")
    assert run("get", "--key-hex", db, "7570abcd").stdout == b"mixed\n"
    # Any other byte stands for itself (a UTF-8 letter).
    run("put", db, "caf\u00e9".encode(), "\u00e9t\u00e9".encode())
    assert run("get", "--key-hex", db, "636166c3a9").stdout == b"\\xc3\\xa9t\\xc3\\xa9\n"
    # \t \n \r \\ on input.
    run("put", db, "t\\tn\\nr\\rb\\\\", "x")
    assert run("get", "--key-hex", db, b"t\tn\nr\rb\\".hex()).stdout == b"x\n"


def test_hex(db):
    run("put", "--hex", db, "6B6579", "76616C")  # upper case on input
    assert run("get", db, "key").stdout == b"val\n"
    assert run("get", "--hex", db, "6b6579").stdout == b"76616c\n"  # lower case on output
    # An empty argument is the empty key or value.
    run("put", "--hex", db, "", "00ff")
    assert run("get", "--key-hex", db, "").stdout == b"\\x00\\xff\n"
    run("put", "--hex", db, "656d707479", "")
    assert run("get", db, "empty").stdout == b"\n"
    assert run("get", "--hex", db, "656d707479").stdout == b"\n"
    assert run("scan", "--hex", db).stdout == b"\t00ff\n656d707479\t\n6b6579\t76616c\n"


def test_raw(db):
    # Raw arguments: a backslash is just a byte.
    run("put", "--raw", db, b"a\\x", b"b\\q\t")
    assert run("get", "--hex", db, b"a\\x".hex()).stdout == b"b\\q\t".hex().encode() + b"\n"
    assert run("get", "--raw", db, b"a\\x").stdout == b"b\\q\t"
    assert run("get", db, "a\\\\x").stdout == b"b\\\\q\\t\n"
    run("put", "--key-raw", db, b"\xc3\xa9\x01", "\\x00v")
    assert run("get", "--key-hex", "--value-raw", db, "c3a901").stdout == b"\x00v"
    # scan --raw: KEY<TAB>VALUE<LF> with the bytes as they are.
    assert run("scan", "--raw", db).stdout == b"a\\x\tb\\q\t\n\xc3\xa9\x01\t\x00v\n"


def test_key_and_value_encodings_mix(db):
    run("put", "--key-hex", db, "00ff", "a\\tb")
    assert run("get", db, "\\x00\\xff").stdout == b"a\\tb\n"
    assert run("get", "--key-hex", "--value-hex", db, "00ff").stdout == b"610962\n"
    assert run("get", "--key-hex", "--value-raw", db, "00ff").stdout == b"a\tb"
    assert run("scan", "--key-hex", db).stdout == b"00ff\ta\\tb\n"
    assert run("scan", "--value-hex", db).stdout == b"\\x00\\xff\t610962\n"
    assert run("scan", "--key-raw", "--value-hex", db).stdout == b"\x00\xff\t610962\n"
    run("put", "--value-hex", db, "k\\n", "5c")
    assert run("get", "--key-hex", db, "6b0a").stdout == b"\\\\\n"
    # --from/--to/--prefix are keys: in the key encoding.
    assert run("scan", "--key-hex", "--keys-only", db, "--prefix", "6b").stdout == b"6b0a\n"
    assert run("scan", "--keys-only", db, "--from", "\\x01").stdout == b"k\\n\n"
    assert run("scan", "--keys-only", "--key-hex", db, "--to", "01").stdout == b"00ff\n"


BAD_ESCAPES = ["a\\q", "a\\x4", "a\\x", "a\\", "a\\xg1", "\\u0041"]


@pytest.mark.parametrize("bad", BAD_ESCAPES)
def test_bad_escape_is_a_usage_error(db, bad):
    run("put", db, "present", "1")
    proc = usage_error("get", db, bad)
    assert proc.stderr.startswith(b"shale get: "), describe(proc)
    assert b"escape" in proc.stderr.lower(), describe(proc)
    proc = usage_error("put", db, "k", bad)
    assert b"escape" in proc.stderr.lower(), describe(proc)
    usage_error("put", db, bad, "v")
    usage_error("del", db, bad)
    usage_error("scan", db, "--from", bad)
    usage_error("scan", db, "--prefix", bad)
    # Nothing was written.
    assert run("scan", db).stdout == b"present\t1\n"


@pytest.mark.parametrize("bad", ["abc", "zz", "0g", "6b 65", "0x6b"])
def test_bad_hex_is_a_usage_error(db, bad):
    run("put", db, "present", "1")
    proc = usage_error("get", "--hex", db, bad)
    assert b"hex" in proc.stderr.lower(), describe(proc)
    usage_error("put", "--hex", db, "6b", bad)
    usage_error("put", "--key-hex", db, bad, "v")
    usage_error("put", "--value-hex", db, "k", bad)
    usage_error("scan", "--key-hex", db, "--to", bad)
    assert run("scan", db).stdout == b"present\t1\n"
    run("get", db, "k", rc=NOT_FOUND)


@pytest.mark.parametrize("raw", ["--raw", "--key-raw", "--value-raw"])
def test_raw_with_json_refused(db, raw):
    run("put", db, "k", "v")
    proc = usage_error("scan", raw, "--json", db)
    assert b"json" in proc.stderr.lower(), describe(proc)
    usage_error("scan", db, "--json", "--count", raw)


def test_scan_json_holds_the_encodings_text(db):
    run("put", db, "a\\x00", "\\\\")
    run("put", db, "b", "\\t\"q\"")
    proc = run("scan", "--json", db)
    assert json.loads(proc.stdout) == [
        {"key": "a\\x00", "value": "\\\\"},
        {"key": "b", "value": '\\t"q"'},
    ]
    assert b'"a\\\\x00"' in proc.stdout  # the backslash of \x00, escaped for JSON
    assert json.loads(run("scan", "--json", "--hex", db).stdout) == [
        {"key": "6100", "value": "5c"},
        {"key": "62", "value": "09227122"},
    ]
    assert json.loads(run("scan", "--json", "--keys-only", "--value-hex", db).stdout) == [
        {"key": "a\\x00"},
        {"key": "b"},
    ]



# ---- valid UTF-8 as text: --utf8, --ascii, the locale, JSON ---------------------

UTF8 = {"LC_ALL": "C.UTF-8"}
# What text output escapes although it is valid UTF-8 (docs/cli.md):
# C1 controls, the soft hyphen, bidirectional and invisible formatting
# characters, line and paragraph separators.
HIDDEN = set(range(0x80, 0xA0)) | {0xAD, 0x61C, 0xFEFF} | set(range(0x200B, 0x2010))
HIDDEN |= set(range(0x2028, 0x202F)) | set(range(0x2060, 0x206A))


def text(b):
    """bytes -> the escaped text encoding with valid UTF-8 as itself (bytes)."""
    out, i = [], 0
    while i < len(b):
        c = b[i]
        n = 2 if 0xC2 <= c <= 0xDF else 3 if 0xE0 <= c <= 0xEF else 4 if 0xF0 <= c <= 0xF4 else 0
        if n:
            try:
                ch = b[i : i + n].decode("utf-8")
            except UnicodeDecodeError:
                ch = None
            if ch is not None and len(ch) == 1 and ord(ch) not in HIDDEN:
                out.append(ch.encode())
                i += n
                continue
        out.append(escb(bytes([c])))
        i += 1
    return b"".join(out)


def test_text_model_examples():
    assert text("café".encode()) == "café".encode()
    assert text(b"\xc3") == b"\\xc3"  # truncated
    assert text("a\u202eb".encode()) == b"a\\xe2\\x80\\xaeb"


def test_utf8_printed_as_text(db):
    run("put", db, "café".encode(), "crème".encode())
    # The C locale: escaped, as before.
    assert run("get", db, "café".encode()).stdout == b"cr\\xc3\\xa8me\n"
    assert run("scan", db).stdout == b"caf\\xc3\\xa9\tcr\\xc3\\xa8me\n"
    # --utf8, whatever the locale.
    assert run("get", "--utf8", db, "café".encode()).stdout == "crème\n".encode()
    assert run("scan", "--utf8", db).stdout == "café\tcrème\n".encode()
    # A UTF-8 locale: text by default, to a pipe as to a terminal; --ascii escapes.
    assert run("get", db, "café".encode(), env=UTF8).stdout == "crème\n".encode()
    assert run("scan", db, "--keys-only", env=UTF8).stdout == "café\n".encode()
    assert run("scan", db, "--ascii", env=UTF8).stdout == b"caf\\xc3\\xa9\tcr\\xc3\\xa8me\n"
    assert run("get", db, "café", "--ascii", env={"LC_ALL": "", "LC_CTYPE": "", "LANG": "C.UTF-8"}).stdout == (
        b"cr\\xc3\\xa8me\n"
    )
    assert run("get", db, "café", env={"LC_ALL": "", "LC_CTYPE": "", "LANG": "C.UTF-8"}).stdout == "crème\n".encode()
    # The text output is an escaped-text input: it reads back.
    key = run("scan", db, "--keys-only", "--utf8").stdout.rstrip(b"\n")
    assert run("get", "--utf8", db, key).stdout == "crème\n".encode()
    proc = usage_error("get", db, "k", "--utf8", "--ascii")
    assert b"--utf8 and --ascii" in proc.stderr


def test_json_holds_utf8_as_text(db):
    run("put", db, "café".encode(), "crème\t\x01".encode())
    # JSON is Unicode text: valid UTF-8 as itself in any locale; the rest escaped.
    assert json.loads(run("scan", db, "--json").stdout) == [{"key": "café", "value": "crème\\t\\x01"}]
    assert json.loads(run("scan", db, "--json", "--ascii").stdout) == [
        {"key": "caf\\xc3\\xa9", "value": "cr\\xc3\\xa8me\\t\\x01"}
    ]


UTF8_CASES = [
    "café".encode(),
    "日本語".encode(),
    "emoji \U0001f600".encode(),
    "e\u0301".encode(),  # a combining mark: shown
    "\u00a0nbsp".encode(),
    "a\u202eb\u2066c".encode(),  # bidi override and isolate: escaped
    "x\u200by\ufeffz\u00ad".encode(),  # zero width space, BOM, soft hyphen
    "line\u2028sep".encode(),
    "\u0085c1".encode(),
    b"\xc0\x80",  # overlong NUL
    b"\xe0\x80\xaf",  # overlong
    b"\xed\xa0\x80",  # a surrogate
    b"\xf4\x90\x80\x80",  # over U+10FFFF
    b"\xe2\x82",  # truncated
    b"\x80\xbf",  # lone continuations
    b"\xf0\x9f\x98",  # truncated 4-byte
    b"\xc3\xa9\xc3",
    "tab\tnew\nline\\".encode(),
]


def test_text_output_matches_the_model(db, tmp_path):
    import random

    rng = random.Random(5)
    alphabet = [b"\xc3", b"\xa9", b"\xe2", b"\x80", b"\xae", b"\xf0", b"\x9f", b"\x98", b"\x80", b"a", b"\xff", b"\x00"]
    randoms = [b"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12))) for _ in range(300)]
    model = {b"k%03d" % i: v for i, v in enumerate(UTF8_CASES + randoms)}
    load_model(db, model, tmp_path)
    out = run("scan", db, "--utf8").stdout
    assert out == b"".join(k + b"\t" + text(v) + b"\n" for k, v in sorted(model.items()))
    # Nothing printed is a control or a hidden character.
    printed = out.decode("utf-8")
    assert not any(ord(ch) in HIDDEN or (ord(ch) < 0x20 and ch not in "\t\n") for ch in printed)
    # JSON: the same text, inside JSON strings.
    got = json.loads(run("scan", db, "--json").stdout)
    assert got == [{"key": k.decode(), "value": text(v).decode("utf-8")} for k, v in sorted(model.items())]
    # Every value reads back from its text form.
    for k, v in sorted(model.items())[:40]:
        assert run("get", "--value-hex", db, k).stdout == v.hex().encode() + b"\n"
        run("put", db, b"copy", text(v))
        assert run("get", "--value-hex", db, b"copy").stdout == v.hex().encode() + b"\n"

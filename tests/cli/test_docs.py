"""The manual: tools/shale.1 renders without a warning and documents every
command and option the tool has; `cmake --install` installs it with the
guide (docs/cli.md); the installed tool's help names both where they were
installed (also after the prefix is moved), and a tool that is not
installed names no path of the machine that built it."""

import os
import re
import shutil
import subprocess

import pytest

from cliutil import COMMANDS, REPO, SHALE, describe, run, tool_env

MAN = os.path.join(REPO, "tools", "shale.1")
GUIDE = os.path.join(REPO, "docs", "cli.md")


def man_text():
    """The page's source with roff's \\- turned into -, as options read."""
    with open(MAN, encoding="utf-8") as f:
        return f.read().replace("\\-", "-")


def test_man_page_renders_without_warnings():
    groff = shutil.which("groff")
    assert groff, "groff is needed to check the man page (Debian: apt-get install groff-base)"
    proc = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", MAN], capture_output=True)
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr.decode()


def options_of(help_text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", help_text))


def test_man_page_documents_every_command_and_option():
    page = man_text()
    tool_help = run("--help").stdout.decode()
    for cmd in COMMANDS:
        assert cmd in tool_help
        assert re.search(r'^\.SS "shale %s\b' % cmd, page, re.M), "no section for %s" % cmd
        for opt in options_of(run(cmd, "--help").stdout.decode()) - {"--help"}:
            assert opt in page, "%s of %s is not in tools/shale.1" % (opt, cmd)
    for status in ("0", "1", "2", "3", "4", "5", "6", "130"):
        assert re.search(r"^\.B %s$" % status, page, re.M), "exit status %s" % status


def build_dir():
    # SHALE_CLI is BUILD/bin/shale.
    return os.path.dirname(os.path.dirname(os.path.abspath(SHALE)))


@pytest.fixture
def installed(tmp_path):
    prefix = str(tmp_path / "prefix")
    proc = subprocess.run(
        ["cmake", "--install", build_dir(), "--prefix", prefix], capture_output=True, env=tool_env()
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return prefix


def test_install_puts_the_manual_where_the_help_says(installed):
    man = os.path.join(installed, "share", "man", "man1", "shale.1")
    guide = os.path.join(installed, "share", "doc", "shale", "cli.md")
    with open(man, "rb") as a, open(MAN, "rb") as b:
        assert a.read() == b.read()
    with open(guide, "rb") as a, open(GUIDE, "rb") as b:
        assert a.read() == b.read()
    tool = os.path.join(installed, "bin", "shale")
    out = subprocess.run([tool, "--help"], capture_output=True, env=tool_env()).stdout.decode()
    assert "Manual: man shale (%s)\n" % man in out, out
    assert "Guide:  %s\n" % guide in out, out
    assert REPO not in out and "docs/cli.md" not in out, out
    # man finds the page of a bin/ directory on PATH (man-db looks in ../share/man).
    if shutil.which("man"):
        env = tool_env({"PATH": os.path.join(installed, "bin") + ":/usr/bin:/bin", "MANPAGER": "cat", "PAGER": "cat"})
        env.pop("MANPATH", None)
        proc = subprocess.run(["man", "shale"], capture_output=True, env=env)
        assert proc.returncode == 0 and b"look inside a shale store" in proc.stdout, describe(proc)


def test_a_moved_install_names_its_own_files(installed, tmp_path):
    moved = str(tmp_path / "elsewhere")
    os.rename(installed, moved)
    out = subprocess.run(
        [os.path.join(moved, "bin", "shale"), "--help"], capture_output=True, env=tool_env()
    ).stdout.decode()
    assert "Manual: man shale (%s/share/man/man1/shale.1)" % moved in out, out


def test_a_tool_that_is_not_installed_names_no_build_path():
    out = run("--help").stdout.decode()
    assert "Manual: man shale, once installed" in out, out
    assert REPO not in out and build_dir() not in out, out

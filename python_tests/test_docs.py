"""Every Python snippet of docs/python.md runs, in order, as written."""

import os
import re

from conftest import HERE, assert_clean_exit, run_python

DOC = os.path.join(os.path.dirname(HERE), "docs", "python.md")


def test_python_md_snippets_run(tmp_path):
    with open(DOC) as f:
        text = f.read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 10
    code = "\n".join(blocks).replace("/tmp/demo-db", str(tmp_path / "demo-db"))
    proc = run_python("import shale\n" + code, timeout=120)
    assert_clean_exit(proc)
    assert "b'world'" in proc.stdout
    assert "SHALE_E_LOCKED" in proc.stdout

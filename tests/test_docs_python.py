"""Every Python block of README.md and docs/*.md runs as written: a notebook user copies them.

Each block runs in a fresh interpreter, in an empty folder holding a copy of the shipped
cases (as `cases/`) and of the documents they quote (as `sources/`, beside them as in the
checkout: validation checks every quote against them), with its own store. The blocks that talk to `rolegraph serve` at
127.0.0.1:7878 run against a live server in tests/test_serve.py
(`test_readme_example_runs_against_a_live_server`); this test checks that it finds them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CASES, ROOT, SOURCES

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SERVER = 'SPARQLWrapper("http://127.0.0.1:7878/sparql")'


def python_blocks() -> list[tuple[str, int, str]]:
    """(document, line, code) of every ```python block."""
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in re.finditer(r"^```python[ \t]*\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
            out.append((str(doc.relative_to(ROOT)), text.count("\n", 0, m.start()) + 1, m.group(1)))
    return out


BLOCKS = python_blocks()
LOCAL = [b for b in BLOCKS if SERVER not in b[2]]


def test_the_docs_have_python_blocks_and_each_is_run_somewhere() -> None:
    assert any(doc == "README.md" and "open_store" in code for doc, _, code in LOCAL), \
        "the README's 'From a notebook' block is gone"
    for doc, line, code in BLOCKS:
        assert code in [c for _, _, c in LOCAL] or SERVER in code, f"{doc}:{line} is run by no test"


@pytest.mark.parametrize("doc, line, code", LOCAL, ids=[f"{d}:{n}" for d, n, _ in LOCAL])
def test_python_block_runs_as_written(doc: str, line: int, code: str, tmp_path: Path) -> None:
    shutil.copytree(CASES, tmp_path / "cases")
    shutil.copytree(SOURCES, tmp_path / "sources")
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ROLEGRAPH_STORE": str(tmp_path / "default-store"),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          check=False, timeout=600)
    assert done.returncode == 0, f"{doc}:{line} failed:\n{done.stderr[-3000:]}"

"""bench/speed_report.py: one run writes one report with every figure of issue 15 beside its
reference (behaviour, not time: the quick run's figures say nothing about the goals)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, require_tool

sys.path.insert(0, str(ROOT / "bench"))
import speed_report

# What the report must have a row for, in the words its rows start with (sizes vary by mode).
ROWS = ["flagship query against a bare bulk load", ": peak memory of `build --reason`", ": flagship query warm",
        ": `rolegraph query role-transfer`, cold CLI", ": `rolegraph query role-transfer`, CLI again",
        ": one case file edited", "flagship query against rdflib + owlrl",
        "shipped cases: `rolegraph query role-transfer`, process start to table, the first",
        "shipped cases: `rolegraph query role-transfer`, process start to table, again",
        "endpoint: 20 clients, the flagship named query", "endpoint: 20 clients, every named query in turn",
        "cartesian queries", "claims settles in Chromium"]


def _has_every_row(rows: list[dict[str, Any]]) -> None:
    for words in ROWS:
        assert sum(words in r["what"] for r in rows) == 1, f"no single row for {words!r}"


@pytest.mark.slow
def test_the_quick_run_writes_every_row_measured(tmp_path: Path) -> None:
    require_tool("chromium", "/usr/bin/chromium")  # the view's row
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "speed_report.py"), "--quick", "--out-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    rows = doc["rows"]
    _has_every_row(rows)
    unmeasured = [r["what"] for r in rows if r["met"] is None]
    assert not unmeasured, f"rows without figures: {unmeasured}\n{proc.stdout[-3000:]}"
    assert all(r["ours"] != "–" and r["goal"] for r in rows)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert doc["machine"]["commit"] and f"commit {doc['machine']['commit']}" in text
    assert "Load average" in text and "| what | ours | reference (same run) | ratio | goal | met? |" in text
    assert all(r["what"] in text for r in rows)
    assert set(doc["benchmarks"]) == {"pipeline-shipped", "pipeline-1e4", "viz", "endpoint"}


def test_a_failed_benchmark_leaves_its_rows_unmeasured(tmp_path: Path) -> None:
    doc = {"mode": "full", "plan": speed_report.FULL.__dict__, "machine": {
        "cpu": "cpu", "cores": 2, "memory": "1 GiB", "python": "3.11", "platform": "linux", "commit": "abc1234"},
        "started": "now", "finished": "later", "loadavg_start": [1.0, 1.0, 1.0], "loadavg_end": [2.0, 2.0, 2.0],
        "benchmarks": {"endpoint": {"command": [], "exit": 1, "seconds": 3.0, "load1_start": 1.0,
                                    "result": str(tmp_path / "endpoint.json")}}}
    text = speed_report.write(doc, tmp_path)
    _has_every_row(doc["rows"])
    assert all(r["met"] is None and r["ours"].startswith("not measured") for r in doc["rows"])
    assert "not measured" in text and "commit abc1234" in text
    again = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert speed_report.write(again, tmp_path) == text  # --render gives the same report

"""bench/pipeline_bench.py at its smallest scale: every step of ours and of both baselines is measured
(or says why not), ours and rdflib+owlrl agree on the flagship rows, and the report has its targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, require_tool

pytestmark = pytest.mark.slow  # a benchmark: `make test` runs it, `pytest -m "not slow"` does not

BENCH = ROOT / "bench" / "pipeline_bench.py"


def _measured_or_explained(entry: dict, where: str) -> None:
    status = entry.get("status")
    assert isinstance(status, str) and status, f"{where}: no status"
    if status == "ok":
        assert isinstance(entry.get("s"), (int, float)) and entry["s"] >= 0, f"{where}: no time"
        assert isinstance(entry.get("peak_rss_mb"), (int, float)) and entry["peak_rss_mb"] > 0, f"{where}: no peak"
    else:  # a clear reason instead of figures
        assert status.startswith(("n/a", "skipped", "did not finish", "killed", "failed", "not reached")), \
            f"{where}: unclear status {status!r}"


def test_pipeline_bench_smallest_scale(tmp_path: Path) -> None:
    require_tool("java")  # HermiT, through owlready2
    out = tmp_path / "pipeline.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "1e3", "--runs", "1", "--limit", "120", "--output", str(out)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(out.read_text(encoding="utf-8"))

    assert doc["command"] and doc["started"] and doc["machine"]["cores"]
    assert len(doc["machine"]["loadavg_start"]) == 3 and len(doc["machine"]["loadavg_end"]) == 3
    for pkg in ("pyoxigraph", "rdflib", "owlrl", "owlready2"):
        assert doc["machine"]["versions"][pkg]

    [size] = doc["sizes"]
    assert size["size"] == "1e3" and size["cases"] >= 1
    assert size["asserted_triples"] > 1000  # the ontology alone has over a thousand
    steps = size["steps"]
    expected = {
        "oxigraph": ["load"],
        "ours": ["build_reason", "build", "reason", "query", "query_engine", "explain", "viz"],
        "owlrl": ["parse", "owlrl", "rules", "query", "explain", "viz", "process"],
        "hermit": ["convert", "load", "hermit", "export", "rules", "query", "explain", "viz", "process"],
    }
    for pipeline, names in expected.items():
        for name in names:
            assert name in steps[pipeline], f"{pipeline}.{name} missing"
            _measured_or_explained(steps[pipeline][name], f"{pipeline}.{name}")
    # ours and the bare load must work at this size; the baselines have no provenance or viewer
    for name in expected["ours"]:
        assert steps["ours"][name]["status"] == "ok", (name, steps["ours"][name])
    assert steps["oxigraph"]["load"]["status"] == "ok"
    assert steps["oxigraph"]["load"]["triples"] == size["asserted_triples"]
    for base in ("owlrl", "hermit"):
        assert steps[base]["explain"]["status"].startswith("n/a")
        assert steps[base]["viz"]["status"].startswith("n/a")

    rows = size["rows"]
    assert rows["ours"] is not None and rows["ours"] >= 1  # generated case 0 always has a transfer
    assert rows["ours"] == rows["owlrl"] == rows["ours_cli_table"]
    assert steps["ours"]["query_engine"]["rows"] == rows["ours"]

    e2e = size["end_to_end"]
    ours = steps["ours"]
    assert e2e["ours"]["s"] == round(ours["build_reason"]["s"] + ours["query"]["s"], 3)
    assert e2e["ours_two_step"]["s"] == round(ours["build"]["s"] + ours["reason"]["s"] + ours["query"]["s"], 3)
    if e2e["owlrl"]["status"] == "ok":
        assert size["ratios"]["owlrl_over_ours"]["value"] > 0

    assert {t["size"] for t in doc["targets"]} == {"shipped", "1e5", "1e6"}
    md = out.with_suffix(".md")
    assert md.exists()
    text = md.read_text(encoding="utf-8")
    assert "## Targets" in text and "1e3" in text
    assert "## Targets" in proc.stdout

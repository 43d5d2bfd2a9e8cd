"""Benchmark of validating RDF exports (not a test): time and memory grow with the file's size.

    .venv/bin/python bench/validate_bench.py              # exports of 30, 100 and 300 generated cases
    .venv/bin/python bench/validate_bench.py 30 300 1000  # other corpus sizes

For each size it generates a corpus (`rolegraph generate`), builds it, exports it as
TriG (`rolegraph export --format trig`), then runs `rolegraph validate` on the export
in a fresh process, with and without the SHACL shapes (RDF files are checked against
them by default), and on the same cases as YAML. A 1 MB TriG export took 101 s before
the line lookup was made linear; a 10 MB one did not finish in 900 s.

Columns: MB of the export, triples, wall and CPU seconds and peak memory of each
`validate` run. Writes bench/results/validate.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROLEGRAPH = [sys.executable, "-m", "kg.cli"]


def _run(*args: str) -> str:
    proc = subprocess.run([*ROLEGRAPH, *args], capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"rolegraph {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def _timed(*args: str) -> dict[str, float]:
    """Wall and CPU seconds and peak memory (MiB) of one `rolegraph` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([*ROLEGRAPH, *args], capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"rolegraph {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest child so far: runs go from small to large.
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_mib": round(after.ru_maxrss / 1024)}


def measure(cases: int, work: Path) -> dict[str, Any]:
    corpus = work / f"corpus-{cases}"
    store = work / f"store-{cases}"
    export = work / f"export-{cases}.trig"
    _run("generate", "--cases", str(cases), str(corpus))
    _run("build", "--store", str(store), str(corpus))
    _run("export", "--store", str(store), "--format", "trig", "-o", str(export))
    row: dict[str, Any] = {"cases": cases, "export_mb": round(export.stat().st_size / 1e6, 2)}
    row["triples"] = int(_run("validate", "--no-shacl", str(export)).rsplit(", ", 1)[1].split()[0])
    row["trig_no_shacl"] = _timed("validate", "--no-shacl", str(export))
    row["trig_shacl"] = _timed("validate", str(export))
    row["yaml"] = _timed("validate", str(corpus))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[30, 100, 300])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="rolegraph-validate-bench-") as tmp:
        for n in sorted(args.sizes):
            rows.append(measure(n, Path(tmp)))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    out = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "system": platform.platform()},
           "when": time.strftime("%Y-%m-%d %H:%M"), "rows": rows}
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "validate.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print("| cases | TriG MB | triples | TriG --no-shacl wall/CPU s | TriG with SHACL wall/CPU s | YAML wall/CPU s | peak MiB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        def cell(m: dict[str, float]) -> str:
            return f"{m['wall_s']} / {m['cpu_s']}"
        print(f"| {r['cases']} | {r['export_mb']} | {r['triples']} | {cell(r['trig_no_shacl'])} | "
              f"{cell(r['trig_shacl'])} | {cell(r['yaml'])} | {r['trig_shacl']['peak_mib']} |")


if __name__ == "__main__":
    main()

"""One benchmark, one report: every speed figure of issue 15 beside its reference, from one run.

    .venv/bin/python bench/speed_report.py            # `make bench`: shipped, 10^5, 10^6 (about 20 min)
    .venv/bin/python bench/speed_report.py --quick    # `make bench-quick`: shipped and 10^4 (minutes),
                                                      # into out/bench-quick
    .venv/bin/python bench/speed_report.py --render bench/results/report.json   # rewrite report.md

It runs the benchmarks of this directory one after the other, each as its own process, and
writes their results into --out-dir (default bench/results): pipeline_bench.py (our CLI against
a bare Oxigraph bulk load and rdflib + owlrl, three sizes), viz_bench.py (the view in Chromium)
and load_test.py (the endpoint against the Oxigraph server). Then it reads their JSON results
and writes `report.json` and `report.md`: one table "what | ours | reference | ratio | goal |
met?", with the machine, the load average and the commit. A benchmark that fails leaves its
rows marked as not measured; the report is written all the same.

The full run: the shipped cases (median of 3 runs), 10^5 asserted triples (ours and the bare
load the median of 3 runs, rdflib + owlrl once: the closure, then our rules with rdflib's SPARQL
until --limit) and 10^6 (ours and the bare load, one run); the view at 10,000 claims; the endpoint at 20 s per measurement. The quick
run puts the shipped cases where 10^5 was (so rdflib + owlrl finishes) and 10^4 where 10^6
was, one run each, the view at 1,000 claims and 3 s per endpoint measurement: the same rows,
with figures that say little about speed (tests/test_speed_report.py checks the rows).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
QUICK_RESULTS = ROOT / "out" / "bench-quick"  # not bench/results: a quick run must not replace a full one


@dataclass(frozen=True)
class Plan:
    """What one mode runs: the sizes in each role, and the settings of each benchmark."""

    mode: str
    owlrl_size: str  # the size compared with rdflib + owlrl (10^5)
    large_size: str  # the size compared with a bare bulk load; the query and rebuild rows (10^6)
    shipped_runs: int
    owlrl_size_runs: int  # runs of ours and the bare load at owlrl_size (the median); owlrl runs once
    viz_claims: int
    endpoint_seconds: float
    limit_s: float


FULL = Plan("full", "1e5", "1e6", 3, 3, 10_000, 20.0, 600.0)
QUICK = Plan("quick", "shipped", "1e4", 1, 1, 1_000, 3.0, 120.0)

SIZE_WORDS = {"shipped": "shipped cases", "1e4": "10^4", "1e5": "10^5", "1e6": "10^6"}


def _size(size: str) -> str:
    return SIZE_WORDS.get(size, size)


def _arg(path: Path) -> str:
    """A path as the commands are given it (they run in the repository): relative to it when
    inside, so that the results, which record their commands, name no path of this machine."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def runs(plan: Plan, out: Path) -> list[tuple[str, list[str], Path]]:
    """The benchmark processes of a plan: (name, command, the JSON result it writes)."""
    py = sys.executable
    pipe = _arg(BENCH / "pipeline_bench.py")
    limit = ["--limit", f"{plan.limit_s:g}"]
    steps: list[tuple[str, list[str], Path]] = []
    shipped_pipelines = ["oxigraph", "ours"] + (["owlrl"] if plan.owlrl_size == "shipped" else [])
    steps.append(("pipeline-shipped", [py, pipe, "--sizes", "shipped", "--pipelines", *shipped_pipelines,
                                       "--runs", str(plan.shipped_runs), *limit,
                                       "--output", _arg(out / "pipeline-shipped.json")], out / "pipeline-shipped.json"))
    if plan.owlrl_size != "shipped":
        name = f"pipeline-{plan.owlrl_size}"
        steps.append((name, [py, pipe, "--sizes", plan.owlrl_size, "--pipelines", "oxigraph", "ours", "owlrl",
                             "--runs", "1", "--large-runs", str(plan.owlrl_size_runs), *limit,
                             "--output", _arg(out / f"{name}.json")], out / f"{name}.json"))
    name = f"pipeline-{plan.large_size}"
    steps.append((name, [py, pipe, "--sizes", plan.large_size, "--pipelines", "oxigraph", "ours", "--runs", "1",
                         *limit, "--output", _arg(out / f"{name}.json")], out / f"{name}.json"))
    steps.append(("viz", [py, _arg(BENCH / "viz_bench.py"), str(plan.viz_claims), "--out", _arg(out / "viz-report.json")],
                  out / "viz-report.json"))
    steps.append(("endpoint", [py, _arg(BENCH / "load_test.py"), "--duration", f"{plan.endpoint_seconds:g}",
                               "--output", _arg(out / "endpoint-report.json")], out / "endpoint-report.json"))
    return steps


def machine() -> dict[str, Any]:
    """The machine, the commit (with `+changes` when the checkout differs from it) and the load now."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    sys.path.insert(0, str(BENCH))
    from reasoning_bench import cpu_and_memory

    cpu, mem = cpu_and_memory()
    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += "+changes"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "platform": platform.platform(),
            "python": platform.python_version(), "commit": commit}


def run_all(plan: Plan, out: Path) -> dict[str, Any]:
    """Run every benchmark of the plan; the document the report is written from."""
    out.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"mode": plan.mode, "plan": plan.__dict__, "machine": machine(),
                           "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                           "loadavg_start": [round(x, 2) for x in os.getloadavg()], "benchmarks": {}}
    for name, cmd, result in runs(plan, out):
        print(f"== {name}: {' '.join(Path(c).name if c == sys.executable else c for c in cmd)}", flush=True)
        result.unlink(missing_ok=True)  # a result left by an earlier run must not pass for this one's
        t = time.perf_counter()
        load = round(os.getloadavg()[0], 2)
        proc = subprocess.run(cmd, cwd=ROOT, check=False)
        entry: dict[str, Any] = {"command": cmd[1:], "exit": proc.returncode, "seconds": round(time.perf_counter() - t, 1),
                                 "load1_start": load, "result": _arg(result)}
        if result.is_file():
            entry["data"] = json.loads(result.read_text(encoding="utf-8"))
        doc["benchmarks"][name] = entry
    doc["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    doc["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    return doc


# ---- reading the results -------------------------------------------------------------------------

def _size_entry(doc: dict[str, Any], bench: str, size: str) -> dict[str, Any] | None:
    data = doc["benchmarks"].get(bench, {}).get("data")
    if not data:
        return None
    return next((e for e in data.get("sizes", []) if e.get("size") == size), None)


def _step(entry: dict[str, Any] | None, pipeline: str, step: str) -> dict[str, Any] | None:
    if entry is None:
        return None
    e = entry.get("steps", {}).get(pipeline, {}).get(step)
    return e if isinstance(e, dict) and e.get("status") == "ok" else None


def _why(entry: dict[str, Any] | None, pipeline: str, step: str) -> str:
    """Why a figure is missing: the step's status, or the benchmark's."""
    if entry is None:
        return "not measured (the benchmark failed; see its output)"
    e = entry.get("steps", {}).get(pipeline, {}).get(step)
    return f"not measured ({e.get('status')})" if isinstance(e, dict) else "not measured"


def _s(x: float | None) -> str:
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f} s"
    if x >= 10:
        return f"{x:.1f} s"
    if x >= 0.1:
        return f"{x:.2f} s"
    return f"{x:.3f} s"


def _mb(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f} MB"


def _ratio(x: float | None) -> str:
    return "–" if x is None else (f"{x:.1f}×" if x >= 10 else f"{x:.2f}×")


def _load(e: dict[str, Any] | None) -> str:
    return "" if not e or e.get("load1") is None else f"load {e['load1']:.1f}"


def _row(what: str, ours: str, reference: str, ratio: str, goal: str, met: bool | None, note: str = "") -> dict[str, Any]:
    return {"what": what, "ours": ours, "reference": reference, "ratio": ratio, "goal": goal, "met": met, "note": note}


def pipeline_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows from pipeline_bench's results: build, memory, queries, rebuild, the rdflib baseline."""
    plan = doc["plan"]
    large, medium = plan["large_size"], plan["owlrl_size"]
    big = _size_entry(doc, f"pipeline-{large}", large)
    mid = _size_entry(doc, f"pipeline-{medium}", medium)
    shipped = _size_entry(doc, "pipeline-shipped", "shipped")
    rows = []
    # build --reason + flagship query against a bare bulk load of the same triples
    br, q, load = _step(big, "ours", "build_reason"), _step(big, "ours", "query"), _step(big, "oxigraph", "load")
    what = f"{_size(large)}: `build --reason` + flagship query against a bare bulk load"
    if big and br and q and load:
        total = br["s"] + q["s"]
        rows.append(_row(what, _s(total), f"bare pyoxigraph bulk load {_s(load['s'])}", _ratio(total / load["s"]),
                         "≤ 10×", total / load["s"] <= 10,
                         f"{big['asserted_triples']:,} asserted triples, {big['cases']:,} cases; {_load(br)}"))
    else:
        rows.append(_row(what, _why(big, "ours", "build_reason" if not br else "query"), "–", "–", "≤ 10×", None))
    # peak memory of the build, its worker processes included
    what = f"{_size(large)}: peak memory of `build --reason`, worker processes included"
    if br and load:
        rows.append(_row(what, _mb(br["peak_rss_mb"]), f"bare load {_mb(load['peak_rss_mb'])}",
                         _ratio(br["peak_rss_mb"] / load["peak_rss_mb"]), "≤ 700 MB", br["peak_rss_mb"] <= 700,
                         _load(br)))
    else:
        rows.append(_row(what, _why(big, "ours", "build_reason"), "–", "–", "≤ 700 MB", None))
    # the flagship query: warm in-process, cold CLI (the first after the build), again
    qe, minimal, again = _step(big, "ours", "query_engine"), _step(big, "ours", "query_minimal"), \
        _step(big, "ours", "query_again")
    ref = f"minimal pyoxigraph client, same query (process) {_s(minimal['s'])}" if minimal else "–"
    what = f"{_size(large)}: flagship query warm (in-process, repeated)"
    if qe and qe.get("warm_s") is not None:
        rows.append(_row(what, _s(qe["warm_s"]), f"first run in-process {_s(qe['s'])}", "–", "< 0.3 s",
                         qe["warm_s"] < 0.3, f"{qe.get('rows')} rows; {_load(qe)}"))
    else:
        rows.append(_row(what, _why(big, "ours", "query_engine"), "–", "–", "< 0.3 s", None))
    for label, e, step in (("cold CLI (the first query after the build)", q, "query"),
                           ("CLI again (a new process)", again, "query_again")):
        what = f"{_size(large)}: `rolegraph query role-transfer`, {label}"
        if e:
            rows.append(_row(what, _s(e["s"]), ref, _ratio(e["s"] / minimal["s"]) if minimal else "–", "< 1 s",
                             e["s"] < 1, f"{e.get('rows')} rows; {_load(e)}"))
        else:
            rows.append(_row(what, _why(big, "ours", step), ref, "–", "< 1 s", None))
    # one case file edited: the incremental rebuild against the full build
    rb = _step(big, "ours", "rebuild_one")
    what = f"{_size(large)}: one case file edited, `build --reason` again (incremental)"
    if rb:
        rows.append(_row(what, _s(rb["s"]), f"the full `build --reason` {_s(br['s']) if br else '–'}",
                         _ratio(rb["s"] / br["s"]) if br else "–", "≤ 5 s", rb["s"] <= 5, _load(rb)))
    else:
        rows.append(_row(what, _why(big, "ours", "rebuild_one"), "–", "–", "≤ 5 s", None))
    # against rdflib + owlrl: the parse and the closure alone (their rules with rdflib's SPARQL rarely finish)
    what = f"{_size(medium)}: `build --reason` + flagship query against rdflib + owlrl"
    ours_e2e = (mid or {}).get("end_to_end", {}).get("ours", {})
    parse, closure = _step(mid, "owlrl", "parse"), _step(mid, "owlrl", "owlrl")
    if ours_e2e.get("status") == "ok" and parse and closure:
        ref_s = parse["s"] + closure["s"]
        rows.append(_row(what, _s(ours_e2e["s"]), f"rdflib parse + owlrl closure {_s(ref_s)}",
                         _ratio(ref_s / ours_e2e["s"]), "≥ 30× faster", ref_s / ours_e2e["s"] >= 30,
                         _load(_step(mid, "ours", "build_reason"))))
    else:
        missing = "build_reason" if ours_e2e.get("status") != "ok" else "parse" if not parse else "owlrl"
        rows.append(_row(what, _why(mid, "ours" if missing == "build_reason" else "owlrl", missing), "–", "–",
                         "≥ 30× faster", None))
    # the shipped cases: process start to the printed table
    sq, sq_again, smin = (_step(shipped, "ours", s) for s in ("query", "query_again", "query_minimal"))
    sref = f"minimal pyoxigraph client, same query (process) {_s(smin['s'])}" if smin else "–"
    for label, e, step in (("the first after the build", sq, "query"), ("again", sq_again, "query_again")):
        what = f"shipped cases: `rolegraph query role-transfer`, process start to table, {label}"
        if e:
            rows.append(_row(what, _s(e["s"]), sref, _ratio(e["s"] / smin["s"]) if smin else "–", "≤ 0.2 s",
                             e["s"] <= 0.2, _load(e)))
        else:
            rows.append(_row(what, _why(shipped, "ours", step), sref, "–", "≤ 0.2 s", None))
    return rows


def endpoint_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows from load_test.py: keeping pace with the Oxigraph server, and load beside cartesian queries."""
    data = doc["benchmarks"].get("endpoint", {}).get("data")
    if not data:
        why = "not measured (the benchmark failed; see its output)"
        return [_row("endpoint: 20 clients, the flagship named query", why, "–", "–", "≥ 1.0×, p99 ≤ 50 ms", None),
                _row("endpoint: 20 clients, every named query in turn", why, "–", "–", "≥ 1.0×, p99 ≤ 50 ms", None),
                _row("endpoint: 50 clients beside cartesian queries", why, "–", "–", "≥ 200 req/s, p99 ≤ 50 ms", None)]
    rows = []
    load = data.get("machine", {}).get("loadavg_start", [None])[0]
    note = f"load {load:.1f} at start; {data.get('store')}" if load is not None else ""
    for what, ours_key, ox_key, ratio_key in (
            ("endpoint: 20 clients, the flagship named query", "flagship_rolegraph", "flagship_oxigraph", "flagship_ratio"),
            ("endpoint: 20 clients, every named query in turn", "pace_rolegraph", "pace_oxigraph", "pace_ratio")):
        o, x = data[ours_key], data[ox_key]
        met = data[ratio_key] >= 1.0 and o["p99_ms"] <= 50 and o["failed"] == 0
        rows.append(_row(what, f"{o['throughput_rps']:,.0f} req/s, p99 {o['p99_ms']:.0f} ms",
                         f"Oxigraph server, same queries raw: {x['throughput_rps']:,.0f} req/s, p99 {x['p99_ms']:.0f} ms",
                         _ratio(data[ratio_key]), "≥ 1.0×, p99 ≤ 50 ms", met, note))
    lc = data["load_cartesian"]
    rows.append(_row(f"endpoint: {lc['clients']} clients beside {data.get('cartesian')} cartesian queries",
                     f"{lc['throughput_rps']:,.0f} req/s, p99 {lc['p99_ms']:.0f} ms", "–", "–",
                     "≥ 200 req/s, p99 ≤ 50 ms", lc["throughput_rps"] >= 200 and lc["p99_ms"] <= 50 and lc["failed"] == 0,
                     note))
    return rows


def view_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The row from viz_bench.py: the view of the largest corpus it measured settling in Chromium."""
    data = doc["benchmarks"].get("viz", {}).get("data")
    claims = doc["plan"]["viz_claims"]
    what = f"view of {claims:,} claims settles in Chromium (page size)"
    results = [r for r in (data or {}).get("results", []) if r.get("settled_ms") is not None]
    if not results:
        return [_row(what, "not measured (the benchmark failed; see its output)", "–", "–", "≤ 2 s, page ≤ 5 MB", None)]
    # the view as a user gets it (viz_bench also measures the full graph forced, for comparison)
    r = max(results, key=lambda r: (r.get("view") == "default", int(r.get("claims") or 0)))
    settled = float(r["settled_ms"]) / 1000
    load = (data or {}).get("meta", {}).get("loadavg_1min_at_end")
    return [_row(what, f"{_s(settled)} ({r['html_mib']} MiB)", "–", "–", "≤ 2 s, page ≤ 5 MB",
                 settled <= 2 and float(r["html_mib"]) <= 5,
                 f"{r.get('initial_nodes')} of {r.get('nodes')} nodes drawn first; load {load} at end")]


def report_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every row of the report, in the order of issue 15's table."""
    return pipeline_rows(doc) + endpoint_rows(doc) + view_rows(doc)


def _runs_text(plan: Plan) -> str:
    """How many runs each figure is the median of."""
    n = plan.owlrl_size_runs
    middle = (f"at {_size(plan.owlrl_size)} ours and the bare load the median of {n} runs, rdflib + owlrl one run; "
              if n > 1 and plan.owlrl_size != "shipped" else "")
    return (f"the shipped cases the median of {plan.shipped_runs} run(s); {middle}"
            f"at {_size(plan.large_size)} one run.")


def render(doc: dict[str, Any]) -> str:
    """The markdown report."""
    m = doc["machine"]
    rows = doc["rows"]
    met = {True: "**met**", False: "**not met**", None: "not measured"}
    lines = [f"# Speed report ({doc['mode']} run, {doc['started']}, commit {m['commit']})", "",
             (f"{m['cpu']}, {m['cores']} cores, {m['memory']}, Python {m['python']}, {m['platform']}. "
             f"Load average (1/5/15 min) at start {'/'.join(f'{x:.2f}' for x in doc['loadavg_start'])}, "
             f"at end {'/'.join(f'{x:.2f}' for x in doc['loadavg_end'])} ({m['cores']} cores: above that, "
             "processes wait for a core and wall times grow). Command: "
             f"`python bench/speed_report.py{' --quick' if doc['mode'] == 'quick' else ''}`."), ""]
    if doc["mode"] == "quick":
        lines += [("**Quick run**: small sizes stand in for the large ones, one run each; the figures check that "
                  "the report is whole, they do not measure the goals."), ""]
    lines += ["| what | ours | reference (same run) | ratio | goal | met? | notes |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['what']} | {r['ours']} | {r['reference']} | {r['ratio']} | {r['goal']} | "
                     f"{met[r['met']]} | {r['note']} |")
    lines += ["", ("Times are wall seconds: CLI rows from process start to exit, `build --reason` with its worker "
              "processes, the bulk load and the in-process query the call alone; "
              f"{_runs_text(FULL if doc['mode'] == 'full' else QUICK)} "
              "Peak memory is that of the whole process group."),
              "", "| benchmark | exit | minutes | load at start | result |", "|---|---|---|---|---|"]
    for name, b in doc["benchmarks"].items():
        result = Path(b["result"])
        shown = result.relative_to(ROOT) if result.is_relative_to(ROOT) else result.name
        lines.append(f"| {name} | {b['exit']} | {b['seconds'] / 60:.1f} | {b['load1_start']} | `{shown}` |")
    return "\n".join(lines) + "\n"


def write(doc: dict[str, Any], out: Path) -> str:
    """Compute the rows, write report.json and report.md into `out`; the markdown."""
    doc["rows"] = report_rows(doc)
    text = render(doc)
    (out / "report.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "report.md").write_text(text, encoding="utf-8")
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one run each: checks the report, not the goals")
    ap.add_argument("--out-dir", type=Path, default=None,
                    help="where the results and report.md go (default bench/results; --quick: out/bench-quick)")
    ap.add_argument("--render", type=Path, metavar="JSON", help="measure nothing: rewrite the report of a report.json")
    args = ap.parse_args()
    if args.render:
        doc = json.loads(args.render.read_text(encoding="utf-8"))
        print(write(doc, args.render.parent))
        return 0
    out = args.out_dir or (QUICK_RESULTS if args.quick else RESULTS)
    doc = run_all(QUICK if args.quick else FULL, out)
    print(write(doc, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

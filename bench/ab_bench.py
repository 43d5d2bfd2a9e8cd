"""Before/after in one run: `build --reason` + the flagship query of two checkouts, interleaved.

    python bench/ab_bench.py --before /tmp/e14 --sizes 1e5 1e6 --runs 2 --workdir /tmp/ab --output bench/results/ab.json
    python bench/ab_bench.py --render one.json two.json --output merged.json   # runs of two invocations

`--before DIR` is a checkout of the old commit (`git worktree add /tmp/e14 e14d057`); its CLI
runs with this interpreter and PYTHONPATH=DIR, so the old code is what is timed (the JSON
records the `kg` each side imported). Each run does: a bare pyoxigraph bulk load of the same
triples, then before, then after (the order alternates between runs: A B, B A, ...), so that
load from other processes on a shared machine hits both sides. Wall time is process start to
exit; peak memory is the largest summed RSS of the child's process group (its workers
included), as `pipeline_bench.spawn` measures it. With `--owlrl`, rdflib parse + owlrl
closure runs once at the sizes given (the pipeline bench's child; its stages after the
closure may not finish within --owlrl-limit, the parse and closure figures are kept). The flagship rows of the two sides
are compared (the query's table output, as text).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pipeline_bench as pb  # same directory


def _side_env(store: Path, checkout: Path | None) -> dict[str, str]:
    env = pb._child_env(store)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    else:
        env.pop("PYTHONPATH", None)
    return env


def _which_kg(checkout: Path | None) -> str:
    env = _side_env(Path("/nonexistent"), checkout)
    out = subprocess.run([sys.executable, "-c", "import kg; print(kg.__file__)"], env=env, cwd="/",
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _in_repo(path: str) -> str:
    """`path` relative to this checkout, so results name no path of the machine that ran them."""
    try:
        return str(Path(path).resolve().relative_to(pb.ROOT))
    except ValueError:
        return path


def _one_side(name: str, checkout: Path | None, work: Path, cases_dir: str, args: argparse.Namespace) -> dict[str, Any]:
    store = work / f"store-{name}"
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(store.with_name(store.name + ".old"), ignore_errors=True)
    env = _side_env(store, checkout)
    rg = pb._rolegraph()
    mem = args.mem_limit_gb * 1024
    build = pb.spawn([rg, "build", "--reason", cases_dir], limit=args.limit, mem_limit_mb=mem, env=env, label=f"{name} build --reason")
    query = pb.spawn([rg, "query", pb.FLAGSHIP], limit=args.limit, mem_limit_mb=mem, env=env,
                     label=f"{name} query") if build["status"] == "ok" else {"status": "not run", "wall_s": None}
    rows = query.get("stdout", "") if query["status"] == "ok" else None
    shutil.rmtree(store, ignore_errors=True)
    total = build["wall_s"] + query["wall_s"] if query["status"] == "ok" else None
    return {"build_s": build["wall_s"], "build_peak_mb": build["peak_rss_mb"], "build_status": build["status"],
            "build_load1": build["load1"], "build_summary": [ln for ln in build["stdout"].splitlines()
                                                            if ln.startswith(("built", "reasoned"))],
            "query_s": query.get("wall_s"), "query_peak_mb": query.get("peak_rss_mb"),
            "query_status": query["status"], "rows": pb._table_rows(rows) if rows else None,
            "rows_text": rows, "total_s": total,
            "peak_mb": max(build["peak_rss_mb"], query.get("peak_rss_mb") or 0.0)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    before = Path(args.before).resolve()
    base = Path(args.workdir)
    base.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "command": [Path(sys.executable).name, *sys.argv], "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": pb.machine(),
        "before": {"checkout": str(before), "commit": _git(before), "kg": _which_kg(before)},
        "after": {"checkout": ".", "commit": _git(pb.ROOT), "kg": _in_repo(_which_kg(None))},
        "sizes": []}
    pb_args = argparse.Namespace(workdir=str(base), limit=args.limit, mem_limit_gb=args.mem_limit_gb)
    for size in args.sizes:
        work, info = pb.prepare(size, base, pb_args)
        entry: dict[str, Any] = {"size": size, "cases": info["cases"], "asserted": info["asserted_triples"],
                                 "runs": []}
        if size in args.owlrl:
            rec = pb.spawn(pb._py_child("owlrl", "--nt", str(work / "asserted.nt"), "--rows-out",
                                        str(work / "rows-owlrl.json")),
                           limit=args.owlrl_limit, mem_limit_mb=args.mem_limit_gb * 1024, env=pb._child_env(),
                           label="rdflib+owlrl")
            stages = {s["stage"]: s["s"] for s in rec["stages"]}
            entry["owlrl"] = {"status": rec["status"], "load1": rec["load1"], "parse_s": stages.get("parse"),
                              "owlrl_s": stages.get("owlrl"), "wall_s": rec["wall_s"]}
        for i in range(args.runs):
            run_rec: dict[str, Any] = {}
            ox_store = work / "store-oxigraph"
            shutil.rmtree(ox_store, ignore_errors=True)
            rec = pb.spawn(pb._py_child("oxigraph", "--nt", str(work / "asserted.nt"), "--store", str(ox_store)),
                           limit=args.limit, mem_limit_mb=args.mem_limit_gb * 1024, env=pb._child_env(),
                           label="bare oxigraph load")
            shutil.rmtree(ox_store, ignore_errors=True)
            run_rec["oxigraph"] = {"status": rec["status"], "load_s": (rec.get("result") or {}).get("load_s"),
                                   "wall_s": rec["wall_s"], "peak_mb": rec["peak_rss_mb"], "load1": rec["load1"]}
            order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
            for name in order:
                run_rec[name] = _one_side(name, before if name == "before" else None, work, info["cases_dir"], args)
            run_rec["order"] = order
            run_rec["same_rows"] = (run_rec["before"]["rows_text"] is not None
                                    and run_rec["before"]["rows_text"] == run_rec["after"]["rows_text"])
            for name in ("before", "after"):
                run_rec[name].pop("rows_text")
            entry["runs"].append(run_rec)
            doc["sizes"] = [e for e in doc["sizes"] if e["size"] != size] + [entry]
            _summarise(doc)
            _write(doc, Path(args.output))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    doc["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    doc["machine"]["loadavg_end"] = list(os.getloadavg())
    _summarise(doc)
    _write(doc, Path(args.output))
    return doc


def _git(path: Path) -> str:
    return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=False).stdout.strip()


def _med(xs: list[float | None]) -> float | None:
    ys = [x for x in xs if x is not None]
    return round(statistics.median(ys), 2) if ys else None


def _summarise(doc: dict[str, Any]) -> None:
    for e in doc["sizes"]:
        runs = e["runs"]
        s: dict[str, Any] = {"bare_load_s": _med([r["oxigraph"]["load_s"] for r in runs]),
                             "bare_peak_mb": _med([r["oxigraph"]["peak_mb"] for r in runs])}
        for name in ("before", "after"):
            s[name] = {"total_s": _med([r[name]["total_s"] for r in runs]),
                       "peak_mb": _med([r[name]["peak_mb"] for r in runs]),
                       "rows": runs[-1][name]["rows"]}
            # Ratio to the bare load of the same run, then the median over runs.
            s[name]["x_bare_load"] = _med([r[name]["total_s"] / r["oxigraph"]["load_s"] for r in runs
                                           if r[name]["total_s"] and r["oxigraph"]["load_s"]])
        s["after_over_before"] = _med([r["after"]["total_s"] / r["before"]["total_s"] for r in runs
                                       if r["after"]["total_s"] and r["before"]["total_s"]])
        s["same_rows"] = all(r["same_rows"] for r in runs)
        ow = e.get("owlrl")
        if ow and ow.get("parse_s") and ow.get("owlrl_s") and s["after"]["total_s"]:
            floor = ow["parse_s"] + ow["owlrl_s"]
            s["owlrl_floor_s"] = round(floor, 1)
            s["owlrl_floor_over_after"] = round(floor / s["after"]["total_s"], 1)
            s["owlrl_floor_over_before"] = round(floor / s["before"]["total_s"], 1) if s["before"]["total_s"] else None
        e["summary"] = s


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    load_end = m.get("loadavg_end")
    lines = [f"# Before/after: `build --reason` + flagship query ({doc['started']})", "",
             f"Command: `{' '.join(doc['command'])}`. Machine: {m['cores']} cores, {m['memory']}, Python "
             f"{m['python']}, pyoxigraph {m['versions'].get('pyoxigraph')}. Load average (1/5/15 min) at start "
             f"{'/'.join(f'{x:.2f}' for x in m['loadavg_start'])}"
             + (f", at end {'/'.join(f'{x:.2f}' for x in load_end)}" if load_end else "") + ".",
             f"Before: {doc['before']['commit']} ({doc['before']['checkout']}); after: {doc['after']['commit']}.",
             "", ("| size | asserted | side | build --reason + query s (median) | peak MB (all processes) | "
                  "× bare load (same run) | rows | after / before |"), "|---|---|---|---|---|---|---|---|"]
    for e in doc["sizes"]:
        s = e["summary"]
        lines.append(f"| {e['size']} | {e['asserted']:,} | bare pyoxigraph bulk load | {s['bare_load_s']} | "
                     f"{s['bare_peak_mb']} | 1 | | |")
        for name in ("before", "after"):
            x = s[name]
            lines.append(f"| {e['size']} | {e['asserted']:,} | {name} | {x['total_s']} | {x['peak_mb']} | "
                         f"{x['x_bare_load']} | {x['rows']} | {s['after_over_before'] if name == 'after' else ''} |")
        if "owlrl_floor_s" in s:
            lines.append(f"| {e['size']} | {e['asserted']:,} | rdflib parse + owlrl closure | {s['owlrl_floor_s']} | "
                         f"| | | after {s['owlrl_floor_over_after']}× faster, before "
                         f"{s['owlrl_floor_over_before']}× |")
        elif e.get("owlrl"):
            lines.append(f"| {e['size']} | {e['asserted']:,} | rdflib parse + owlrl closure | "
                         f"{e['owlrl']['status']} | | | | |")
    lines += ["", "Runs (load average at the start of each step):", ""]
    for e in doc["sizes"]:
        for i, r in enumerate(e["runs"], 1):
            parts = [f"bare load {r['oxigraph']['load_s']:.2f} s (load {r['oxigraph']['load1']})"
                     if r["oxigraph"]["load_s"] else f"bare load {r['oxigraph']['status']}"]
            for name in r["order"]:
                x = r[name]
                parts.append(f"{name} {x['total_s']:.1f} s = build {x['build_s']:.1f} + query {x['query_s']:.2f}, "
                             f"{x['peak_mb']:.0f} MB (load {x['build_load1']})" if x["total_s"] else
                             f"{name} {x['build_status']}")
            lines.append(f"- {e['size']} run {i}: " + "; ".join(parts)
                         + f"; same table text: {r['same_rows']}")
    lines += ["", ("Rows: the flagship query's row count on each side; `same table text` compares the two "
              "CLIs' printed tables byte for byte (false when the table's layout changed between the "
              "commits, not only when rows differ).")]
    return "\n".join(lines) + "\n"


def _write(doc: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(doc), encoding="utf-8")


def render(paths: list[Path], out: Path) -> None:
    """Merge the runs of several results (same checkouts) into one, and write its report."""
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    doc = docs[0]
    doc["merged_from"] = [str(p) for p in paths]
    for other in docs[1:]:
        doc["command"] = [*doc["command"], "+", *other["command"]]
        for e in other["sizes"]:
            mine = next((x for x in doc["sizes"] if x["size"] == e["size"]), None)
            if mine is None:
                doc["sizes"].append(e)
            else:
                mine["runs"] += e["runs"]
        doc["machine"]["loadavg_end"] = other["machine"].get("loadavg_end")
    _summarise(doc)
    _write(doc, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="a checkout of the old commit (git worktree add DIR COMMIT)")
    ap.add_argument("--render", nargs="+", type=Path, help="measure nothing: merge these results into --output")
    ap.add_argument("--sizes", nargs="+", default=["1e5"], type=pb._size_arg)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--owlrl", nargs="*", default=[], type=pb._size_arg,
                    help="sizes at which rdflib parse + owlrl closure also runs, once")
    ap.add_argument("--owlrl-limit", type=float, default=900)
    ap.add_argument("--limit", type=float, default=900)
    ap.add_argument("--mem-limit-gb", type=float, default=8)
    ap.add_argument("--workdir", help="where corpora and stores go (a prepared size is reused)")
    ap.add_argument("--keep", action="store_true", help="keep the prepared corpora")
    ap.add_argument("--output", default=str(pb.RESULTS / "ab.json"))
    args = ap.parse_args()
    if args.render:
        render(args.render, Path(args.output))
        print(Path(args.output).with_suffix(".md").read_text(encoding="utf-8"))
        return
    if not args.before or not args.workdir:
        ap.error("--before and --workdir are needed to measure")
    doc = run(args)
    print(markdown(doc))


if __name__ == "__main__":
    main()

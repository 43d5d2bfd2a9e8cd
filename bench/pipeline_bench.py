"""Speed at scale: our whole pipeline against a bare Oxigraph load and two baselines, side by side.

    .venv/bin/python bench/pipeline_bench.py [--sizes shipped 1e3 1e4 1e5 1e6] [--limit 600] [--runs 3]
                                             [--output bench/results/pipeline.json]

For each size (`shipped` = the case files in cases/; a number such as `1e4` = a target of
asserted triples, for which ceil(N / 500) cases are generated with `kg.synthetic`, seed 0)
the parent prepares the data once, in a child process: the case files, and the asserted graph
(ontology plus compiled cases) as one N-Triples file. Then every step runs in a FRESH
SUBPROCESS, so that its peak memory is its own:

  oxigraph   pyoxigraph.Store(dir).bulk_load(asserted.nt): the reference for the 10^6 target
  ours       the CLI as a user runs it (ROLEGRAPH_STORE=<work>/store-ours, cwd = the checkout):
             rolegraph build <cases>; rolegraph reason; rolegraph query role-transfer;
             the query alone in-process on the read-only store (query_engine);
             rolegraph explain <first finding>; rolegraph viz --query role-transfer
  owlrl      one child: rdflib parse -> owlrl OWLRL_Semantics closure -> our interaction-order and
             typology rules as rdflib CONSTRUCT queries to a fixpoint -> the flagship query
  hermit     one child: owlready2 load -> HermiT (sync_reasoner) -> the world's triples into an
             in-memory pyoxigraph store -> our non-axiom rules to a fixpoint -> the flagship query

A child that passes --limit seconds or --mem-limit-gb (RSS of its whole process group, so
HermiT's Java counts) is killed and reported as "did not finish", with the last stage it
reached (children print `STAGE <name> done <s>s peak <MB>MB` lines). A step that did not
finish is skipped at the larger sizes. Sizes up to 1e4 triples (and `shipped`) take the
median of --runs runs; at larger sizes the bare load and ours take the median of --large-runs
runs (default 1), rdflib + owlrl and HermiT run once. Results: JSON (--output), a markdown report
beside it (same name, .md) and on stdout; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
SEED = 0
TRIPLES_PER_CASE = 500  # a generated case has about 506 asserted triples
SMALL_MAX_TRIPLES = 10_000  # sizes up to this target get --runs runs; larger ones a single run
FLAGSHIP = "role-transfer"
CASE_NS = "https://w3id.org/rolegraph/case/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL_NAMED_INDIVIDUAL = "http://www.w3.org/2002/07/owl#NamedIndividual"
PIPELINES = ("oxigraph", "ours", "owlrl", "hermit")
AGAIN = "not again"  # a step that did not finish in an earlier run at the same size
OURS_STEPS = ("build_reason", "rebuild_one", "build", "reason", "query", "query_again", "query_minimal",
              "query_engine", "explain", "viz")
OWLRL_STAGES = ("parse", "owlrl", "rules", "query")
HERMIT_STAGES = ("convert", "load", "hermit", "export", "rules", "query")


# ---- small helpers shared by parent and children ------------------------------------------

def _status_kb(pid: int | str, key: str) -> float:
    """A `VmXXX:` figure of /proc/<pid>/status in MB (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _own_peak_mb() -> float:
    """This process's peak RSS (VmHWM; not ru_maxrss, which survives fork+exec on Linux)."""
    return _status_kb("self", "VmHWM:")


def _stage(name: str, seconds: float, **extra: Any) -> None:
    """A progress marker on stdout for the parent: `STAGE name done 1.23s peak 45.6MB`."""
    more = "".join(f" {k}={v}" for k, v in extra.items())
    print(f"STAGE {name} done {seconds:.3f}s peak {_own_peak_mb():.1f}MB{more}", flush=True)


def _result(data: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(data, ensure_ascii=False), flush=True)


def canonical_rows(variables: list[str], rows: list[dict[str, str]]) -> list[list[str]]:
    """Rows as sorted `var=value` cells, the GROUP_CONCAT lists sorted, so engines can be compared."""
    out = []
    for row in rows:
        cells = []
        for v in variables:
            value = row.get(v) or ""
            if v in ("recognisedBy", "refusedBy"):
                value = ", ".join(sorted(value.split(", ")))
            elif v == "findings":
                value = " ".join(sorted(value.split(" ")))
            cells.append(f"{v}={value}")
        out.append(cells)
    return sorted(out)


def flagship_text() -> str:
    """The flagship query's SPARQL text with its default parameters bound (?lang = "en"), as ours runs it."""
    from kg.query import bind_params, get_query, with_values

    q = get_query(FLAGSHIP)
    return with_values(q.text, bind_params(q, {}), q.params)


def order_rules() -> list[Any]:
    """Our rules that are not OWL 2 RL axioms (rules/order and rules/typology)."""
    from kg.reasoning.rules import load_rules

    return [r for r in load_rules() if r.kind != "axiom"]


def _rdflib_to_ox(term: Any) -> Any:
    from kg.stores.layout import to_ox

    return to_ox(term)


def _ox_triples(triples: Any) -> Any:
    """rdflib triples as pyoxigraph triples, leaving out generalised ones (literal subjects)."""
    import pyoxigraph as ox
    from rdflib import Literal, URIRef

    for s, p, o in triples:
        if isinstance(s, Literal) or not isinstance(p, URIRef):
            continue
        yield ox.Triple(_rdflib_to_ox(s), _rdflib_to_ox(p), _rdflib_to_ox(o))


# ---- children ---------------------------------------------------------------------------------

def child_prepare(a: argparse.Namespace) -> None:
    """Generate the cases (for a numeric size) and write the asserted graph as N-Triples."""
    import pyoxigraph as ox

    work = Path(a.work)
    info: dict[str, Any] = {}
    t = time.perf_counter()
    if a.size == "shipped":
        cases_dir = ROOT / "cases"
    else:
        from kg.synthetic import generate

        cases_dir = work / "cases"
        report = generate(cases_dir, cases=a.cases, seed=SEED)
        info["generated_cases"] = report.cases
        info["transfer_cases"] = report.transfer_cases
    info["generate_s"] = round(time.perf_counter() - t, 2)
    _stage("generate", time.perf_counter() - t)
    from kg.cases.validate import load_cases
    from kg.ontology import load_ontology

    t = time.perf_counter()
    onto = load_ontology().graph
    cs = load_cases([cases_dir], shacl=False)  # compile only; `rolegraph build` validates in full
    info["compile_s"] = round(time.perf_counter() - t, 2)
    _stage("compile", time.perf_counter() - t)
    t = time.perf_counter()
    graphs = [onto, *cs.graphs.values()]
    ox.serialize((tr for g in graphs for tr in _ox_triples(g)), output=str(work / "asserted.nt"),
                 format=ox.RdfFormat.N_TRIPLES)
    with (work / "asserted.nt").open("rb") as f:
        n_total = sum(1 for _ in f)
    info["write_nt_s"] = round(time.perf_counter() - t, 2)
    _stage("write_nt", time.perf_counter() - t)
    info.update(cases_dir=str(cases_dir), cases=len(cs.case_ids), ontology_triples=len(onto),
                case_triples=cs.triple_count(), asserted_triples=n_total)
    _result(info)


def child_oxigraph(a: argparse.Namespace) -> None:
    """A bare bulk load of the N-Triples file into a fresh on-disk Oxigraph store."""
    t = time.perf_counter()
    import pyoxigraph as ox

    _stage("import", time.perf_counter() - t)
    t = time.perf_counter()
    store = ox.Store(a.store)
    store.bulk_load(path=a.nt, format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    load_s = time.perf_counter() - t
    _stage("load", load_s)
    peak = _own_peak_mb()
    n = len(store)
    _result({"load_s": load_s, "triples": n, "peak_rss_mb": peak})


def child_query_engine(a: argparse.Namespace) -> None:
    """The flagship query alone, in-process, on our store opened read-only."""
    t = time.perf_counter()
    from kg.query import bind_params, get_query, run_select
    from kg.stores import open_store

    q = get_query(FLAGSHIP)
    bindings = bind_params(q, {})
    _stage("import", time.perf_counter() - t)
    out: dict[str, Any] = {}
    t = time.perf_counter()
    with open_store(Path(a.store)) as st:
        out["open_s"] = time.perf_counter() - t
        _stage("open", out["open_s"])
        t = time.perf_counter()
        res = run_select(st, q, bindings)
        out["query_s"] = time.perf_counter() - t
        _stage("query", out["query_s"])
        warm = []
        for _ in range(2):
            t = time.perf_counter()
            run_select(st, q, bindings)
            warm.append(time.perf_counter() - t)
        out["query_warm_s"] = min(warm)
        out["peak_rss_mb"] = _own_peak_mb()
        rows = [{v: ("" if r[v] is None else r[v].value) for v in res.variables} for r in res.rows]
    out["rows"] = len(rows)
    out["first_finding"] = rows[0]["findings"].split()[0] if rows and rows[0].get("findings") else None
    Path(a.rows_out).write_text(json.dumps(canonical_rows(res.variables, rows), ensure_ascii=False),
                                encoding="utf-8")
    _result(out)


def _rules_to_fixpoint(rules: list[Any], apply: Any) -> tuple[int, int]:
    """Run each rule (`apply(rule)` adds its new triples and returns how many) round after
    round until a round adds nothing; a STAGE line per rule application. Rounds and total."""
    rounds, added = 0, 0
    while True:
        rounds += 1
        new = 0
        for rule in rules:
            t1 = time.perf_counter()
            n = apply(rule)
            new += n
            _stage(f"rule:{rule.id}@{rounds}", time.perf_counter() - t1, added=n)
        added += new
        if new == 0:
            return rounds, added


def child_owlrl(a: argparse.Namespace) -> None:
    """rdflib + owlrl, then our non-axiom rules with rdflib's SPARQL, then the flagship query."""
    t = time.perf_counter()
    import owlrl
    import rdflib

    rules = order_rules()
    text = flagship_text()
    _stage("import", time.perf_counter() - t)
    out: dict[str, Any] = {}
    t = time.perf_counter()
    g = rdflib.Graph()
    g.parse(a.nt, format="nt")
    out["parse_s"] = time.perf_counter() - t
    out["asserted"] = len(g)
    _stage("parse", out["parse_s"], triples=len(g))
    t = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    out["owlrl_s"] = time.perf_counter() - t
    out["closure"] = len(g)
    _stage("owlrl", out["owlrl_s"], triples=len(g))
    t = time.perf_counter()
    def apply_rdflib(rule: Any) -> int:
        fresh = {tr for tr in g.query(rule.path.read_text(encoding="utf-8")) if tr not in g}
        for tr in fresh:
            g.add(tr)
        return len(fresh)

    rounds, added = _rules_to_fixpoint(rules, apply_rdflib)
    out["rules_s"] = time.perf_counter() - t
    out["rules_rounds"], out["rules_added"] = rounds, added
    _stage("rules", out["rules_s"], added=added)
    t = time.perf_counter()
    res = g.query(text)
    variables = [str(v) for v in res.vars]
    rows = [{v: ("" if r[v] is None else str(r[v])) for v in variables} for r in res]
    out["query_s"] = time.perf_counter() - t
    out["rows"] = len(rows)
    _stage("query", out["query_s"], rows=len(rows))
    out["peak_rss_mb"] = _own_peak_mb()
    Path(a.rows_out).write_text(json.dumps(canonical_rows(variables, rows), ensure_ascii=False), encoding="utf-8")
    _result(out)


def child_hermit(a: argparse.Namespace) -> None:
    """owlready2 + HermiT, then the world's triples in pyoxigraph with our non-axiom rules and the query."""
    t = time.perf_counter()
    import owlready2
    import pyoxigraph as ox

    rules = order_rules()
    text = flagship_text()
    if a.java_memory_mb:
        owlready2.reasoning.JAVA_MEMORY = a.java_memory_mb
    _stage("import", time.perf_counter() - t)
    out: dict[str, Any] = {"java_memory_mb": owlready2.reasoning.JAVA_MEMORY}
    # owlready2 takes a case node for an individual only when it is declared owl:NamedIndividual
    # (as kg/check.py does for `rolegraph check`): add the declarations to a copy of the file.
    t = time.perf_counter()
    nt = Path(a.work) / "hermit-input.nt"
    declared: set[str] = set()
    with open(a.nt, encoding="utf-8") as src, nt.open("w", encoding="utf-8") as dst:
        for line in src:
            dst.write(line)
            if line.startswith("<" + CASE_NS):
                s, p, _ = line.split(" ", 2)
                if p == f"<{RDF_TYPE}>":
                    declared.add(s)
        for s in sorted(declared):
            dst.write(f"{s} <{RDF_TYPE}> <{OWL_NAMED_INDIVIDUAL}> .\n")
    out["convert_s"] = time.perf_counter() - t
    _stage("convert", out["convert_s"], declared=len(declared))
    t = time.perf_counter()
    world = owlready2.World()
    onto = world.get_ontology("file://" + str(nt.resolve())).load()
    out["load_s"] = time.perf_counter() - t
    _stage("load", out["load_s"])
    t = time.perf_counter()
    with onto:
        owlready2.sync_reasoner(world, infer_property_values=True, debug=0)
    out["hermit_s"] = time.perf_counter() - t
    _stage("hermit", out["hermit_s"])
    t = time.perf_counter()
    store = ox.Store()
    store.extend(ox.Quad(tr.subject, tr.predicate, tr.object)
                 for tr in _ox_triples(world.as_rdflib_graph().triples((None, None, None))))
    out["export_s"] = time.perf_counter() - t
    out["closure"] = len(store)
    _stage("export", out["export_s"], triples=out["closure"])
    t = time.perf_counter()
    def apply_oxigraph(rule: Any) -> int:
        found = store.query(rule.path.read_text(encoding="utf-8"))
        fresh = {q for q in (ox.Quad(tr.subject, tr.predicate, tr.object) for tr in found) if q not in store}
        store.extend(fresh)
        return len(fresh)

    rounds, added = _rules_to_fixpoint(rules, apply_oxigraph)
    out["rules_s"] = time.perf_counter() - t
    out["rules_rounds"], out["rules_added"] = rounds, added
    _stage("rules", out["rules_s"], added=added)
    t = time.perf_counter()
    res = store.query(text)
    variables = [v.value for v in res.variables]
    rows = [{v: ("" if sol[v] is None else sol[v].value) for v in variables} for sol in res]
    out["query_s"] = time.perf_counter() - t
    out["rows"] = len(rows)
    _stage("query", out["query_s"], rows=len(rows))
    out["peak_rss_mb_python"] = _own_peak_mb()  # Java ran in its own process; see the parent's tree peak
    Path(a.rows_out).write_text(json.dumps(canonical_rows(variables, rows), ensure_ascii=False), encoding="utf-8")
    _result(out)


CHILDREN = {"prepare": child_prepare, "oxigraph": child_oxigraph, "query_engine": child_query_engine,
            "owlrl": child_owlrl, "hermit": child_hermit}


# ---- the parent: spawn, watch, kill ---------------------------------------------------------

def _group_rss_mb(pgid: int) -> float:
    """Summed RSS of the processes in a process group (the child and, e.g., HermiT's Java)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # field 5 of stat: pgrp
                total += _status_kb(entry, "VmRSS:")
        except (OSError, ValueError, IndexError):
            continue
    return total


def _parse_markers(text: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    stages, result = [], None
    for line in text.splitlines():
        if line.startswith("STAGE "):
            parts = line.split()
            try:
                entry: dict[str, Any] = {"stage": parts[1], "s": float(parts[3].rstrip("s")),
                                         "peak_mb": float(parts[5].rstrip("MB"))}
            except (IndexError, ValueError):
                continue
            for kv in parts[6:]:
                k, _, v = kv.partition("=")
                entry[k] = int(v) if v.isdigit() else v
            stages.append(entry)
        elif line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
    return stages, result


def _watch(cmd: list[str], env: dict[str, str] | None, out_f: Any, err_f: Any, limit: float,
           mem_limit_mb: float) -> tuple[float, str, float, float, float, int | None, list[float]]:
    """Start the child, poll its memory and stage markers, kill it at the limits.

    A thread waits for the child's exit and notes the time, so the wall time is the child's to
    the millisecond, not rounded up to the next poll (50 ms on a 0.2 s query was a quarter of it).
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out_f, stderr=err_f, start_new_session=True)
    exited: dict[str, Any] = {}
    done = threading.Event()

    def reap() -> None:
        _, wstatus, ru = os.wait4(proc.pid, 0)
        exited.update(t=time.perf_counter(), wstatus=wstatus, ru=ru)
        done.set()

    threading.Thread(target=reap, name=f"reap-{proc.pid}", daemon=True).start()
    status, hwm, group_peak = "ok", 0.0, 0.0
    seen, partial, marker_peaks = 0, b"", []  # the group's peak so far when each STAGE line appeared
    try:
        while not done.is_set():
            elapsed = time.perf_counter() - t0
            hwm = max(hwm, _status_kb(proc.pid, "VmHWM:"))
            group = _group_rss_mb(proc.pid)
            group_peak = max(group_peak, group)
            chunk = os.pread(out_f.fileno(), 1 << 16, seen)
            if chunk:
                seen += len(chunk)
                *lines, partial = (partial + chunk).split(b"\n")
                marker_peaks += [max(hwm, group_peak) for line in lines if line.startswith(b"STAGE ")
                                 and b" done " in line]
            if elapsed > limit:
                status = f"did not finish in {limit:.0f} s"
            elif group > mem_limit_mb:
                status = f"killed at {group / 1024:.1f} GB RSS after {elapsed:.0f} s"
            if status != "ok":
                os.killpg(proc.pid, signal.SIGKILL)
                done.wait()  # SIGKILL cannot be ignored: the reaper returns
                break
            done.wait(0.05 if elapsed < 5 else 0.2)
    except BaseException:  # interrupted: take the child's process group down with us
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    wall = exited["t"] - t0
    code = os.waitstatus_to_exitcode(exited["wstatus"])
    proc.returncode = code
    rusage_mb = exited["ru"].ru_maxrss / 1024
    if _group_rss_mb(proc.pid) > 0:  # stragglers of the child's group (e.g. Java) once it is gone
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return wall, status, hwm, group_peak, rusage_mb, (None if status != "ok" else code), marker_peaks


def spawn(cmd: list[str], *, limit: float, mem_limit_mb: float, env: dict[str, str] | None = None,
          label: str = "") -> dict[str, Any]:
    """Run one child to exit, --limit or --mem-limit; measure wall time and peak RSS.

    The peak is the largest of: the child's VmHWM polled every 50 ms, the summed RSS of its
    process group, and wait4's ru_maxrss when that exceeds the parent's own peak (ru_maxrss is
    inherited across fork+exec, so below the parent's peak it says nothing about the child).
    """
    load1 = os.getloadavg()[0]  # the machine's load when the step starts, reported beside its figure
    with tempfile.TemporaryFile(mode="w+b") as out_f, tempfile.TemporaryFile(mode="w+b") as err_f:
        wall, status, hwm, group_peak, rusage_mb, code, marker_peaks = _watch(
            cmd, env, out_f, err_f, limit, mem_limit_mb)
        out_f.seek(0)
        err_f.seek(0)
        stdout = out_f.read().decode("utf-8", "replace")
        stderr = err_f.read().decode("utf-8", "replace")
    stages, result = _parse_markers(stdout)
    peak = max(hwm, group_peak, rusage_mb if rusage_mb > _own_peak_mb() else 0.0)
    if result and result.get("peak_rss_mb"):
        peak = max(peak, result["peak_rss_mb"])
    for i, st in enumerate(stages):  # a stage's peak so far, the whole group's (HermiT's Java included)
        st["peak_mb"] = max(st["peak_mb"], marker_peaks[i] if i < len(marker_peaks) else peak)
    for st in stages:
        peak = max(peak, st["peak_mb"])
    rec: dict[str, Any] = {"status": status, "wall_s": round(wall, 3), "peak_rss_mb": round(peak, 1),
                           "load1": round(load1, 2), "stages": stages, "stdout": stdout, "stderr": stderr}
    if status == "ok" and code != 0:
        rec["status"] = f"failed (exit {code})"
    if status != "ok" or code != 0:
        rec["stderr_tail"] = stderr.strip()[-1500:]
        done = [s["stage"] for s in stages if not s["stage"].startswith("rule:")]
        rec["last_stage"] = stages[-1]["stage"] if stages else None
        if status != "ok" and stages:
            rec["status"] += f" (stages done: {', '.join(done) or 'none'}"
            if stages[-1]["stage"].startswith("rule:"):
                rec["status"] += f"; last rule done: {stages[-1]['stage'][5:]}"
            rec["status"] += ")"
    if result is not None:
        rec["result"] = result
    if label:
        extra = f", last stage {rec.get('last_stage')}" if rec["status"] != "ok" else ""
        print(f"     {label}: {rec['status']} {wall:.2f}s {peak:.0f}MB{extra}", file=sys.stderr, flush=True)
    return rec


def _py_child(mode: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "_child", mode, *args]


def _rolegraph() -> str:
    exe = Path(sys.executable).parent / "rolegraph"
    return str(exe) if exe.exists() else (shutil.which("rolegraph") or "rolegraph")


def _child_env(store: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLEGRAPH_")}
    if store is not None:
        env["ROLEGRAPH_STORE"] = str(store)
    return env


def _size_target(size: str) -> int | None:
    if size == "shipped":
        return None
    return int(float(size))


def _short_rec(rec: dict[str, Any]) -> dict[str, Any]:
    """A run record for the JSON: without the child's full stdout/stderr."""
    return {k: v for k, v in rec.items() if k not in ("stdout", "stderr")}


# ---- one size --------------------------------------------------------------------------------

def prepare(size: str, base: Path, args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    work = base / f"size-{size}"
    target = _size_target(size)
    cases = None if target is None else max(1, math.ceil(target / TRIPLES_PER_CASE))
    marker = work / "prepared.json"
    if args.workdir and marker.exists() and (work / "asserted.nt").exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if info.get("seed") == SEED and info.get("requested_cases") == cases:
            print(f"   reusing {work}", file=sys.stderr, flush=True)
            return work, info
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    argv = ["--size", size, "--work", str(work)] + ([] if cases is None else ["--cases", str(cases)])
    rec = spawn(_py_child("prepare", *argv), limit=args.limit * 4, mem_limit_mb=args.mem_limit_gb * 1024,
                env=_child_env(), label="prepare")
    if rec["status"] != "ok" or "result" not in rec:
        raise RuntimeError(f"preparing size {size} failed: {rec['status']}\n{rec.get('stderr_tail', '')}")
    info = {**rec["result"], "seed": SEED, "requested_cases": cases, "target_triples": target,
            "prepare_wall_s": rec["wall_s"], "prepare_peak_rss_mb": rec["peak_rss_mb"]}
    marker.write_text(json.dumps(info), encoding="utf-8")
    return work, info


def _stage_seconds(rec: dict[str, Any], names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Per stage of a one-child baseline: seconds and the peak so far, or why it has none."""
    by_name = {s["stage"]: s for s in rec["stages"]}
    out: dict[str, dict[str, Any]] = {}
    interrupted = False
    for name in names:
        s = by_name.get(name)
        if s is not None:
            out[name] = {"status": "ok", "s": s["s"], "peak_rss_mb": round(s["peak_mb"], 1)}
        elif rec["status"] == "ok":
            out[name] = {"status": "missing"}
        elif rec["status"].startswith("skipped") or interrupted:
            out[name] = {"status": rec["status"] if not interrupted else f"not reached: {rec['status']}"}
        else:  # the stage the child was in when it was killed or failed
            interrupted = True
            out[name] = {"status": rec["status"], "in_progress": True}
    return out


def run_size(size: str, base: Path, args: argparse.Namespace, failed: dict[str, str]) -> dict[str, Any]:
    print(f"== size {size}: preparing", file=sys.stderr, flush=True)
    work, info = prepare(size, base, args)
    target = info["target_triples"]
    small = target is None or target <= SMALL_MAX_TRIPLES
    n_runs = args.runs if small else max(1, args.large_runs)
    print(f"   {info['cases']} cases, {info['asserted_triples']:,} asserted triples; {n_runs} run(s)",
          file=sys.stderr, flush=True)
    mem = args.mem_limit_gb * 1024
    nt = str(work / "asserted.nt")
    cases_dir = info["cases_dir"]
    runs: dict[str, list[dict[str, Any]]] = {}

    here: set[str] = set()  # steps that did not finish in an earlier run at this size

    def record(key: str, rec: dict[str, Any] | None) -> None:
        if rec is None:
            return
        runs.setdefault(key, []).append(rec)
        if rec["status"].startswith(("did not finish", "killed")):
            here.add(key)
            if not args.no_skip:
                failed.setdefault(key, f"did not finish at {size}")

    def skipped(key: str) -> dict[str, Any] | str | None:
        """None: run the step; a record: skipped after an earlier size; AGAIN: not again at this size."""
        if key in here:
            return AGAIN
        if key in failed:
            return {"status": f"skipped: {failed[key]}", "stages": []}
        return None

    for i in range(n_runs):
        print(f"   run {i + 1}/{n_runs}", file=sys.stderr, flush=True)
        # 1. bare Oxigraph load
        if "oxigraph" in args.pipelines:
            key = "oxigraph.load"
            rec = skipped(key)
            if rec is AGAIN:
                rec = None
            elif rec is None:
                store = work / "store-oxigraph"
                shutil.rmtree(store, ignore_errors=True)
                rec = spawn(_py_child("oxigraph", "--nt", nt, "--store", str(store)), limit=args.limit,
                            mem_limit_mb=mem, env=_child_env(), label="oxigraph load")
                shutil.rmtree(store, ignore_errors=True)
            record(key, rec)
        # 2. ours, through the CLI
        if "ours" in args.pipelines:
            store = work / "store-ours"
            shutil.rmtree(store, ignore_errors=True)
            shutil.rmtree(store.with_name(store.name + ".old"), ignore_errors=True)
            env = _child_env(store)
            rg = _rolegraph()
            blocked: str | None = None
            first_finding: str | None = None
            one_pass = work / "store-ours-one-pass"
            shutil.rmtree(one_pass, ignore_errors=True)
            flagship_rq = work / "flagship.rq"
            flagship_rq.write_text(flagship_text(), encoding="utf-8")
            plan: list[tuple[str, list[str]]] = [
                ("build_reason", [rg, "build", "--reason", cases_dir]),
                ("rebuild_one", [rg, "build", "--reason", cases_dir]),
                ("build", [rg, "build", cases_dir]),
                ("reason", [rg, "reason"]),
                ("query", [rg, "query", FLAGSHIP]),
                ("query_again", [rg, "query", FLAGSHIP]),
                # a script of its own: run as a mode of this file, it imported this file's modules too
                ("query_minimal", [sys.executable, str(Path(__file__).with_name("minimal_client.py")), str(store),
                                   str(flagship_rq)]),
                ("query_engine", _py_child("query_engine", "--store", str(store),
                                           "--rows-out", str(work / "rows-ours.json"))),
                ("explain", [rg, "explain"]),
                ("viz", [rg, "viz", "--query", FLAGSHIP, "--out", str(work / "view.html")]),
            ]
            for step, cmd in plan:
                key = f"ours.{step}"
                rec = skipped(key)
                if rec is AGAIN:  # did not finish in an earlier run at this size: nor will the rest
                    break
                if rec is None and blocked:
                    rec = {"status": f"skipped: {blocked}", "stages": []}
                if rec is None and step == "explain":
                    if first_finding is None:
                        rec = {"status": "n/a (no row to explain)", "stages": []}
                    else:
                        cmd = cmd + [first_finding]
                if rec is None and step == "rebuild_one" and not one_pass.exists():
                    rec = {"status": "skipped: no store from build --reason", "stages": []}
                edited = _edit_one_case(Path(cases_dir)) if rec is None and step == "rebuild_one" else None
                if rec is None and step == "rebuild_one" and edited is None:
                    rec = {"status": "n/a (no case file with a refusal to edit)", "stages": []}
                    shutil.rmtree(one_pass, ignore_errors=True)
                if rec is None:
                    step_env = _child_env(one_pass) if step in ("build_reason", "rebuild_one") else env
                    try:
                        rec = spawn(cmd, limit=args.limit, mem_limit_mb=mem, env=step_env, label=f"ours {step}")
                    finally:
                        if edited is not None:
                            edited[0].write_bytes(edited[1])  # the later steps see the corpus as generated
                    if step == "rebuild_one":
                        shutil.rmtree(one_pass, ignore_errors=True)
                        if rec["status"] == "ok" and "rebuilt" not in rec["stdout"]:
                            rec["status"] = "failed (not incremental: " + (rec["stdout"] + rec["stderr"]).strip()[-200:] + ")"
                    if step in ("query", "query_again", "query_minimal") and rec["status"] == "ok":
                        rec["rows"] = _table_rows(rec["stdout"])
                    if step == "query_engine" and rec.get("result"):
                        first_finding = rec["result"].get("first_finding")
                    if step == "explain" and rec["status"] == "ok":
                        rec["explained"] = first_finding
                        rec["output_lines"] = len(rec["stdout"].splitlines())
                record(key, rec)
                if rec["status"] != "ok" and step in ("build", "reason"):
                    blocked = f"{step} {rec['status']}"
            if not args.keep:
                shutil.rmtree(store, ignore_errors=True)
        # 3. rdflib + owlrl
        if "owlrl" in args.pipelines and (small or i == 0):  # minutes at the large sizes: once
            key = "owlrl.process"
            rec = skipped(key)
            if rec is None:
                rec = spawn(_py_child("owlrl", "--nt", nt, "--rows-out", str(work / "rows-owlrl.json")),
                            limit=args.limit, mem_limit_mb=mem, env=_child_env(), label="rdflib+owlrl")
            record(key, None if rec is AGAIN else rec)
        # 4. owlready2 + HermiT
        if "hermit" in args.pipelines and (small or i == 0):
            key = "hermit.process"
            extra = ["--java-memory-mb", str(args.java_memory_mb)] if args.java_memory_mb else []
            rec = skipped(key)
            if rec is None:
                rec = spawn(_py_child("hermit", "--nt", nt, "--work", str(work),
                                      "--rows-out", str(work / "rows-hermit.json"), *extra),
                            limit=args.limit, mem_limit_mb=mem, env=_child_env(), label="owlready2+HermiT")
            record(key, None if rec is AGAIN else rec)
    res = {"size": size, **{k: info.get(k) for k in ("target_triples", "cases", "asserted_triples",
                                                    "ontology_triples", "case_triples")},
           "runs": n_runs, "single_run": n_runs == 1,
           "prepare": {k: info.get(k) for k in ("generate_s", "compile_s", "write_nt_s", "prepare_wall_s",
                                                "prepare_peak_rss_mb", "transfer_cases")},
           "steps": summarise(runs, args)}
    res["rows"] = compare_rows(work, res["steps"])
    res["end_to_end"], res["ratios"] = end_to_end(res["steps"], args.limit)
    if not args.keep:
        for f in ("rows-ours.json", "rows-owlrl.json", "rows-hermit.json", "hermit-input.nt", "view.html"):
            (work / f).unlink(missing_ok=True)
    return res


def _edit_one_case(cases_dir: Path) -> tuple[Path, bytes] | None:
    """Turn one audience's refusal into a recognition in the first case file that has one (a
    change that reasoning sees); return the file and its bytes to put back."""
    for f in sorted(cases_dir.rglob("*.yaml")):
        data = f.read_bytes()
        if b"outcome: refused" in data:
            f.write_bytes(data.replace(b"outcome: refused", b"outcome: recognised", 1))
            return f, data
    return None


def _table_rows(stdout: str) -> int | None:
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line == "(no rows)":
            return 0
        if line.startswith("(") and line.endswith(("row)", "rows)")):
            try:
                return int(line[1:].split()[0])
            except ValueError:
                return None
    lines = [x for x in stdout.strip().splitlines() if x.strip()]
    return max(0, len(lines) - 1) if lines and "\t" in lines[0] else None  # a pipe: header + one line a row


def _median_step(recs: list[dict[str, Any]], seconds_of: Any) -> dict[str, Any]:
    ok = [r for r in recs if r["status"] == "ok"]
    bad = [r for r in recs if r["status"] != "ok"]
    entry: dict[str, Any] = {"runs": [_short_rec(r) for r in recs]}
    if ok:
        secs = [seconds_of(r) for r in ok]
        entry.update(status="ok" if not bad else f"ok in {len(ok)} of {len(recs)} runs ({bad[0]['status']})",
                     s=round(statistics.median(secs), 3), n_runs=len(ok),
                     peak_rss_mb=round(statistics.median(r["peak_rss_mb"] for r in ok), 1),
                     wall_s=round(statistics.median(r["wall_s"] for r in ok), 3))
        loads = [r["load1"] for r in ok if "load1" in r]
        if loads:
            entry["load1"] = round(statistics.median(loads), 2)
    else:
        entry["status"] = bad[0]["status"]
        if bad[0].get("last_stage") is not None or bad[0]["status"].startswith(("did not", "killed", "failed")):
            entry["last_stage"] = bad[0].get("last_stage")
            entry["peak_rss_mb"] = bad[0].get("peak_rss_mb")
            entry["wall_s"] = bad[0].get("wall_s")
        if bad[0].get("stderr_tail"):
            entry["stderr_tail"] = bad[0]["stderr_tail"]
    return entry


def summarise(runs: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> dict[str, Any]:
    steps: dict[str, dict[str, Any]] = {p: {} for p in args.pipelines}
    if "oxigraph.load" in runs:
        e = _median_step(runs["oxigraph.load"], lambda r: r["result"]["load_s"])
        ok = [r for r in runs["oxigraph.load"] if r.get("result")]
        if ok:
            e["triples"] = ok[0]["result"]["triples"]
        steps["oxigraph"]["load"] = e
    for step in OURS_STEPS:
        key = f"ours.{step}"
        if key not in runs:
            continue
        if step == "query_engine":
            e = _median_step(runs[key], lambda r: r["result"]["query_s"])
            ok = [r for r in runs[key] if r["status"] == "ok" and r.get("result")]
            if ok:
                e["warm_s"] = round(statistics.median(r["result"]["query_warm_s"] for r in ok), 4)
                e["open_s"] = round(statistics.median(r["result"]["open_s"] for r in ok), 4)
                e["rows"] = ok[0]["result"]["rows"]
        else:
            e = _median_step(runs[key], lambda r: r["wall_s"])
            ok = [r for r in runs[key] if r["status"] == "ok"]
            if step in ("query", "query_again") and ok:
                e["rows"] = ok[0].get("rows")
            if step == "explain" and ok:
                e["explained"] = ok[0].get("explained")
                e["output_lines"] = ok[0].get("output_lines")
            if step in ("build", "build_reason") and ok:
                e["output"] = (ok[0]["stdout"] + ok[0]["stderr"]).strip()[-500:]
            if step == "reason" and ok:
                e["output"] = ok[0]["stderr"].strip()[-500:]
        steps["ours"][step] = e
    for pipeline, names in (("owlrl", OWLRL_STAGES), ("hermit", HERMIT_STAGES)):
        key = f"{pipeline}.process"
        if key not in runs:
            continue
        recs = runs[key]
        proc = _median_step(recs, lambda r: r["wall_s"])
        ok = [r for r in recs if r["status"] == "ok" and r.get("result")]
        for name in names:
            per_run = [_stage_seconds(r, names)[name] for r in recs]
            good = [x for x in per_run if x["status"] == "ok"]
            if len(good) == len(recs) and good:
                steps[pipeline][name] = {"status": "ok", "s": round(statistics.median(x["s"] for x in good), 3),
                                         "peak_rss_mb": round(statistics.median(x["peak_rss_mb"] for x in good), 1),
                                         "n_runs": len(good)}
            elif good:  # some runs got this far
                steps[pipeline][name] = {"status": f"ok in {len(good)} of {len(recs)} runs",
                                         "s": round(statistics.median(x["s"] for x in good), 3),
                                         "peak_rss_mb": round(statistics.median(x["peak_rss_mb"] for x in good), 1),
                                         "n_runs": len(good)}
            else:  # no run finished this stage: the first run says why (in progress, not reached, skipped)
                steps[pipeline][name] = per_run[0]
        per_rule: dict[str, float] = {}
        for st in (ok[0] if ok else recs[0])["stages"]:
            if st["stage"].startswith("rule:"):
                rid = st["stage"][5:].rsplit("@", 1)[0]
                per_rule[rid] = round(per_rule.get(rid, 0.0) + st["s"], 3)
        if per_rule:
            proc["rules_by_rule_s"] = dict(sorted(per_rule.items(), key=lambda kv: -kv[1]))
        if ok:
            r0 = ok[0]["result"]
            proc["rows"] = r0.get("rows")
            proc["closure"] = r0.get("closure")
            proc["rules_added"] = r0.get("rules_added")
            proc["rules_rounds"] = r0.get("rules_rounds")
            if "java_memory_mb" in r0:
                proc["java_memory_mb"] = r0["java_memory_mb"]
        steps[pipeline]["process"] = proc
        steps[pipeline]["explain"] = {"status": "n/a (no provenance)"}
        steps[pipeline]["viz"] = {"status": "n/a (no viewer)"}
    return steps


def compare_rows(work: Path, steps: dict[str, Any]) -> dict[str, Any]:
    """Flagship rows per pipeline and whether the baselines' rows equal ours (cells compared)."""
    rows: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for name in ("ours", "owlrl", "hermit"):
        f = work / f"rows-{name}.json"
        ok = (steps.get(name, {}).get("query_engine" if name == "ours" else "process", {}).get("status") == "ok")
        if ok and f.exists():
            data[name] = json.loads(f.read_text(encoding="utf-8"))
            rows[name] = len(data[name])
        else:
            rows[name] = None
    cli = steps.get("ours", {}).get("query", {}).get("rows")
    rows["ours_cli_table"] = cli
    for name in ("owlrl", "hermit"):
        if "ours" in data and name in data:
            rows[f"{name}_equal_ours"] = data[name] == data["ours"]
            if data[name] != data["ours"]:
                a = {json.dumps(r) for r in data["ours"]}
                b = {json.dumps(r) for r in data[name]}
                rows[f"{name}_only_in_ours"] = len(a - b)
                rows[f"{name}_only_in_{name}"] = len(b - a)
        else:
            rows[f"{name}_equal_ours"] = None
    return rows


def end_to_end(steps: dict[str, Any], limit: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """End-to-end seconds per pipeline and the ratios; a pipeline that did not finish gives a bound."""
    e2e: dict[str, Any] = {}

    def total(pipeline: str, names: tuple[str, ...]) -> dict[str, Any]:
        st = steps.get(pipeline, {})
        if not st:
            return {"status": "not run"}
        if all(st.get(n, {}).get("status") == "ok" for n in names):
            return {"status": "ok", "s": round(sum(st[n]["s"] for n in names), 3),
                    "peak_rss_mb": max(st[n].get("peak_rss_mb") or 0 for n in names)}
        bad = next(st.get(n, {}).get("status", "missing") for n in names if st.get(n, {}).get("status") != "ok")
        dnf = "did not finish" in bad or "killed" in bad or bad.startswith("skipped")
        return {"status": bad, "did_not_finish": dnf}

    # Ours end to end: `build --reason` (one pass) + query; the two-step figure is kept too.
    e2e["ours_two_step"] = total("ours", ("build", "reason", "query"))
    e2e["ours"] = total("ours", ("build_reason", "query"))
    if e2e["ours"].get("status") != "ok" and e2e["ours_two_step"].get("status") == "ok":
        e2e["ours"] = dict(e2e["ours_two_step"])
    qe = steps.get("ours", {}).get("query_engine", {})
    e2e["ours"]["query_engine_s"] = qe.get("s") if qe.get("status") == "ok" else None
    if steps.get("ours"):
        peaks = [v.get("peak_rss_mb") or 0 for v in steps["ours"].values() if isinstance(v, dict)]
        e2e["ours"]["max_peak_rss_mb_all_steps"] = max(peaks) if peaks else None
    e2e["owlrl"] = total("owlrl", OWLRL_STAGES)
    e2e["hermit"] = total("hermit", HERMIT_STAGES)
    e2e["oxigraph"] = total("oxigraph", ("load",))
    ratios: dict[str, Any] = {}
    ours = e2e["ours"]
    for base in ("owlrl", "hermit"):
        b = e2e[base]
        if ours.get("status") != "ok":
            ratios[f"{base}_over_ours"] = None
        elif b.get("status") == "ok":
            ratios[f"{base}_over_ours"] = {"value": round(b["s"] / ours["s"], 3), "bound": None}
        elif b.get("did_not_finish"):
            ratios[f"{base}_over_ours"] = {"value": round(limit / ours["s"], 3), "bound": "lower"}
        else:
            ratios[f"{base}_over_ours"] = None
    closure = [steps.get("owlrl", {}).get(n, {}) for n in ("parse", "owlrl")]
    if ours.get("status") == "ok" and all(c.get("status") == "ok" for c in closure):
        # rdflib parse + owlrl closure alone (a floor for rdflib+owlrl's end to end) / ours
        ratios["owlrl_closure_only_over_ours"] = {"value": round(sum(c["s"] for c in closure) / ours["s"], 3),
                                                  "bound": None}
    for base in ("owlrl", "hermit"):  # whole child process (interpreter start and imports too) / ours
        proc = steps.get(base, {}).get("process", {})
        if ours.get("status") == "ok" and proc.get("status") == "ok":
            ratios[f"{base}_process_over_ours"] = {"value": round(proc["s"] / ours["s"], 3), "bound": None}
    ox_ = e2e["oxigraph"]
    if ox_.get("status") == "ok" and ours.get("status") == "ok":
        ratios["ours_over_oxigraph_load"] = {"value": round(ours["s"] / ox_["s"], 2), "bound": None}
    elif ox_.get("status") == "ok" and ours.get("did_not_finish"):
        ratios["ours_over_oxigraph_load"] = {"value": round(limit / ox_["s"], 2), "bound": "lower"}
    else:
        ratios["ours_over_oxigraph_load"] = None
    return e2e, ratios


# ---- targets -----------------------------------------------------------------------------------

def evaluate_targets(sizes: list[dict[str, Any]], limit: float) -> list[dict[str, Any]]:
    by_target = {s["target_triples"]: s for s in sizes if s["target_triples"] is not None}
    shipped = next((s for s in sizes if s["size"] == "shipped"), None)
    out: list[dict[str, Any]] = []

    def add(name: str, size: str, met: bool | None, figure: str) -> None:
        out.append({"target": name, "size": size, "met": met, "figure": figure})

    s5 = by_target.get(100_000)
    name = "ours build+reason+query ≥ 30× faster than rdflib+owlrl"
    if s5 is None:
        add(name, "1e5", None, "not measured (size 1e5 not run)")
    else:
        ours, r = s5["end_to_end"]["ours"], s5["ratios"].get("owlrl_over_ours")
        if ours.get("status") != "ok":
            add(name, "1e5", False, f"ours did not complete: {ours.get('status')}")
        elif r is None:
            add(name, "1e5", None, f"no rdflib+owlrl figure ({s5['end_to_end']['owlrl'].get('status')})")
        elif r["bound"] == "lower":
            floor = s5["ratios"].get("owlrl_closure_only_over_ours")
            add(name, "1e5", True if r["value"] >= 30 else None,
                f"> {r['value']:.1f}× (rdflib+owlrl did not finish in {limit:.0f} s; ours {ours['s']:.1f} s"
                + (f"; rdflib parse + owlrl closure alone: {floor['value']:.1f}×" if floor else "") + ")"
                + ("" if r["value"] >= 30 else "; the lower bound is below 30×, so undecided"))
        else:
            add(name, "1e5", r["value"] >= 30,
                f"{r['value']:.1f}× (rdflib+owlrl {s5['end_to_end']['owlrl']['s']:.1f} s, ours {ours['s']:.1f} s)")

    s6 = by_target.get(1_000_000)
    if s6 is None:
        for n in ("ours end-to-end within 10× a bare Oxigraph load", "ours peak memory < 1 GB",
                  "flagship query (query_engine_s) < 1 s"):
            add(n, "1e6", None, "not measured (size 1e6 not run)")
    else:
        ours, r = s6["end_to_end"]["ours"], s6["ratios"].get("ours_over_oxigraph_load")
        ox_ = s6["end_to_end"]["oxigraph"]
        name = "ours end-to-end within 10× a bare Oxigraph load"
        if r is None:
            add(name, "1e6", False if ours.get("status") != "ok" else None,
                f"ours: {ours.get('status')}; oxigraph: {ox_.get('status')}")
        elif r["bound"] == "lower":
            add(name, "1e6", False if r["value"] > 10 else None,
                f"> {r['value']:.1f}× (ours did not finish in {limit:.0f} s per step; load {ox_['s']:.1f} s)")
        else:
            add(name, "1e6", r["value"] <= 10, f"{r['value']:.1f}× (ours {ours['s']:.1f} s, load {ox_['s']:.1f} s"
                + _where_the_time_goes(s6["steps"].get("ours", {})) + ")")
        peaks = {k: v.get("peak_rss_mb") for k, v in s6["steps"].get("ours", {}).items() if v.get("peak_rss_mb")}
        name = "ours peak memory < 1 GB"
        if not peaks:
            add(name, "1e6", None, "no step of ours measured")
        else:
            worst = max(peaks, key=lambda k: peaks[k])
            complete = all(v.get("status") == "ok" for v in s6["steps"]["ours"].values())
            met = peaks[worst] < 1024 if complete else (False if peaks[worst] >= 1024 else None)
            add(name, "1e6", met, f"max {peaks[worst]:.0f} MB ({worst})"
                + ("" if complete else "; not every step completed"))
        qe = s6["steps"].get("ours", {}).get("query_engine", {})
        name = "flagship query (query_engine_s) < 1 s"
        if qe.get("status") == "ok":
            add(name, "1e6", qe["s"] < 1, f"{qe['s']:.3f} s ({qe.get('rows')} rows)")
        else:
            add(name, "1e6", None, f"not measured: {qe.get('status', 'not run')}")

    def step_target(name: str, size: dict[str, Any] | None, label: str, step: str, limit_s: float,
                    figure: str = "s") -> None:
        if size is None:
            add(name, label, None, f"not measured (size {label} not run)")
            return
        e = size["steps"].get("ours", {}).get(step, {})
        value = e.get(figure)
        if e.get("status") != "ok" or value is None:
            add(name, label, None, f"not measured: {e.get('status', 'not run')}")
            return
        load = f", load {e['load1']:.1f}" if e.get("load1") is not None else ""
        ref = size["steps"].get("ours", {}).get("query_minimal", {})
        beside = (f"; minimal pyoxigraph client {ref['s']:.2f} s" if step.startswith("query") and ref.get("s")
                  else "")
        add(name, label, value <= limit_s, f"{value:.3f} s{load}{beside}")

    s6 = by_target.get(1_000_000)
    step_target("flagship query warm (query_engine, repeated) < 0.3 s", s6, "1e6", "query_engine", 0.3, "warm_s")
    step_target("CLI `rolegraph query role-transfer` cold < 1 s", s6, "1e6", "query", 1.0)
    step_target("CLI `rolegraph query role-transfer` again < 1 s", s6, "1e6", "query_again", 1.0)
    step_target("one case edited: build --reason again ≤ 5 s", s6, "1e6", "rebuild_one", 5.0)
    step_target("CLI `rolegraph query role-transfer` ≤ 0.2 s", shipped, "shipped", "query", 0.2)
    return out


def _where_the_time_goes(steps: dict[str, Any]) -> str:
    """From `build --reason`'s own summary lines: how its time splits between reading and
    compiling the case files, loading, and reasoning (why the end-to-end target is or is not met)."""
    import re

    br, q = steps.get("build_reason", {}), steps.get("query", {})
    out = br.get("output") or ""
    built = re.search(r"triples in \d+ graphs from .* in ([0-9.]+) s", out)
    reasoned = re.search(r"reasoned: .*? ([0-9.]+) s,", out)
    if br.get("status") != "ok" or not built or not reasoned:
        return ""
    total, store_s, reason_s = br["s"], float(built.group(1)), float(reasoned.group(1))
    parts = [(f"build --reason {total:.1f} s = start-up, reading, validating and compiling the case files "
             f"{total - store_s:.1f} s + loading and reasoning the cases batch by batch {reason_s:.1f} s + "
             f"the ontology, flush and compaction {store_s - reason_s:.1f} s")]
    if q.get("status") == "ok":
        parts.append(f"query {q['s']:.2f} s")
    return "; " + "; ".join(parts)


# ---- report ------------------------------------------------------------------------------------

def _fmt_s(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def _fmt_ratio(r: dict[str, Any] | None) -> str:
    if r is None:
        return "n/a"
    v = r["value"]
    txt = f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"
    return ("> " if r["bound"] == "lower" else "") + txt + "×"


STEP_LABEL = {
    ("oxigraph", "load"): "bulk_load",
    ("ours", "build_reason"): "build --reason (CLI, one pass)", ("ours", "build"): "build (CLI)", ("ours", "reason"): "reason (CLI)", ("ours", "query"): "query (CLI)",
    ("ours", "query_engine"): "query alone (in-process)", ("ours", "explain"): "explain (CLI)",
    ("ours", "viz"): "viz (CLI)",
    ("ours", "rebuild_one"): "build --reason again after editing one case (CLI, incremental)",
    ("ours", "query_again"): "query again (CLI, a new process on the queried store)",
    ("ours", "query_minimal"): "reference: minimal pyoxigraph client, same query (process)",
}
PIPE_LABEL = {"oxigraph": "bare Oxigraph", "ours": "ours", "owlrl": "rdflib+owlrl", "hermit": "owlready2+HermiT"}


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    lines = [f"# Pipeline at scale ({doc['started']}, {m['cores']} cores, {m['memory']}, Python {m['python']})", "",
             ("Merged from: " + "; ".join(f"`{c}`" for c in doc["command"][1:]) + "."
              if doc["command"][0] == "(merged)" else f"Command: `{' '.join(doc['command'])}`.")
             + " Load average (1/5/15 min) at start "
             f"{'/'.join(f'{x:.2f}' for x in m['loadavg_start'])}, at end "
             f"{'/'.join(f'{x:.2f}' for x in m['loadavg_end'])}. Versions: "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".", "",
             "| size | cases | asserted | pipeline | step | s | peak RSS MB | status | notes |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in doc["sizes"]:
        head = f"| {s['size']} | {s['cases']} | {s['asserted_triples']:,} "
        def mark(e: dict[str, Any]) -> str:
            n = e.get("n_runs", 1)
            return "¹" if n == 1 else f" (×{n})"

        for pipeline in PIPELINES:
            st = s["steps"].get(pipeline)
            if not st:
                continue
            proc = st.get("process")
            if proc and proc["status"].startswith("skipped"):
                lines.append(head + f"| {PIPE_LABEL[pipeline]} | all steps | | | {proc['status']} | |")
                continue
            for step, e in st.items():
                if step == "process":
                    continue
                label = STEP_LABEL.get((pipeline, step), step)
                notes = []
                if "rows" in e and e["rows"] is not None:
                    notes.append(f"{e['rows']} rows")
                if step == "query_engine" and "warm_s" in e:
                    notes.append(f"warm {_fmt_s(e['warm_s'])} s, open {_fmt_s(e['open_s'])} s")
                if step == "load" and e.get("triples"):
                    notes.append(f"{e['triples']:,} triples, process {_fmt_s(e.get('wall_s'))} s")
                if e.get("last_stage") is not None:
                    notes.append(f"last stage done: {e['last_stage']}")
                if e.get("load1") is not None:
                    notes.append(f"load {e['load1']:.1f}")
                status = ("not reached" if e["status"].startswith("not reached")
                          else e["status"].split(" (stages done")[0] if e.get("in_progress") else e["status"])
                secs = f"{_fmt_s(e['s'])}{mark(e)}" if "s" in e else ""
                peak = f"{e['peak_rss_mb']:.0f}" if e.get("peak_rss_mb") is not None and "s" in e else ""
                lines.append(head + f"| {PIPE_LABEL[pipeline]} | {label} | {secs} | {peak} | {status} "
                             f"| {'; '.join(notes)} |")
            proc = st.get("process")
            if proc:
                notes = []
                if proc.get("rows") is not None:
                    notes.append(f"{proc['rows']} rows, closure {proc.get('closure') or 0:,}, rules added "
                                 f"{proc.get('rules_added')} in {proc.get('rules_rounds')} rounds")
                if proc.get("java_memory_mb"):
                    notes.append(f"Java heap {proc['java_memory_mb']} MB")
                secs = f"{_fmt_s(proc['s'])}{mark(proc)}" if "s" in proc else _fmt_s(proc.get("wall_s"))
                peak = f"{proc['peak_rss_mb']:.0f}" if proc.get("peak_rss_mb") is not None else ""
                lines.append(head + f"| {PIPE_LABEL[pipeline]} | whole process | {secs} | {peak} | "
                             f"{proc['status']} | {'; '.join(notes)} |")
    lines += ["", ("¹ single run; (×N) median of N runs. s: CLI steps and whole processes are wall time from "
                   "process start to exit; `bulk_load`, `query alone` and the baselines' stages are the call alone. "
                   "Peak RSS: the step's process (for a baseline stage, the peak so far at the end of that stage; "
                   "HermiT's Java is included from the hermit stage on)."), "",
              "## End to end and ratios", "",
              ("| size | asserted | ours build+reason+query s | bare Oxigraph load s | rdflib+owlrl s | "
               "owlready2+HermiT s | rdflib+owlrl / ours | (parse+owlrl only) / ours | HermiT / ours "
               "| ours / Oxigraph load | ours max peak MB | flagship rows: ours / owlrl / HermiT "
               "| same rows as ours |"),
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in doc["sizes"]:
        e, r, rows = s["end_to_end"], s["ratios"], s["rows"]

        def cell(x: dict[str, Any]) -> str:
            if x.get("status") == "ok":
                return _fmt_s(x["s"])
            return (x.get("status") or "").split(" (stages done")[0].replace("not reached: ", "")

        same = []
        for b in ("owlrl", "hermit"):
            v = rows.get(f"{b}_equal_ours")
            same.append(f"{b}: " + {True: "yes", False: "**no**", None: "n/a"}[v])
        peak = e["ours"].get("max_peak_rss_mb_all_steps")
        lines.append(f"| {s['size']} | {s['asserted_triples']:,} | {cell(e['ours'])} | {cell(e['oxigraph'])} "
                     f"| {cell(e['owlrl'])} | {cell(e['hermit'])} | {_fmt_ratio(r.get('owlrl_over_ours'))} "
                     f"| {_fmt_ratio(r.get('owlrl_closure_only_over_ours'))} "
                     f"| {_fmt_ratio(r.get('hermit_over_ours'))} | {_fmt_ratio(r.get('ours_over_oxigraph_load'))} "
                     f"| {'' if peak is None else f'{peak:.0f}'} "
                     f"| {rows.get('ours')} / {rows.get('owlrl')} / {rows.get('hermit')} | {'; '.join(same)} |")
    lines += ["", ("Ours end to end = `rolegraph build --reason` (validate, build and reason in one pass) + "
                   "`rolegraph query role-transfer` (CLI wall times); `build` then `reason` as two commands is "
                   "in the step table and the JSON (`ours_two_step`). Baselines end to end = the sum of their stages (rdflib+owlrl: parse + owlrl + "
                   "rules + query; owlready2+HermiT: convert + load + hermit + export + rules + query), without "
                   "interpreter start and imports. (parse+owlrl only): the rdflib parse and the owlrl closure "
                   "alone, a floor for that baseline. `> x×`: the slower side did not finish within the limit "
                   f"({doc['settings']['limit_s']:.0f} s), so x = limit / the other's time is a lower bound."), "",
              "## Targets", "", "| target | size | met | figure |", "|---|---|---|---|"]
    for t in doc["targets"]:
        met = {True: "**met**", False: "**not met**", None: "undecided"}[t["met"]]
        lines.append(f"| {t['target']} | {t['size']} | {met} | {t['figure']} |")
    return "\n".join(lines) + "\n"


# ---- main ----------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    from reasoning_bench import cpu_and_memory  # same directory

    cpu, mem = cpu_and_memory()
    versions = {}
    for p in ("rolegraph", "pyoxigraph", "rdflib", "owlrl", "owlready2"):
        try:
            versions[p] = version(p)
        except PackageNotFoundError:
            versions[p] = None
    try:
        java = subprocess.run(["java", "-version"], check=False, capture_output=True, text=True, timeout=30).stderr.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        java = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "platform": platform.platform(),
            "python": platform.python_version(), "versions": versions, "java": java,
            "loadavg_start": list(os.getloadavg())}


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    base = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="rolegraph-pipeline-"))
    base.mkdir(parents=True, exist_ok=True)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "command": [Path(sys.executable).name, *sys.argv],
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "settings": {"sizes": args.sizes, "pipelines": args.pipelines, "limit_s": args.limit,
                     "mem_limit_gb": args.mem_limit_gb, "runs": args.runs, "large_runs": args.large_runs,
                     "small_max_triples": SMALL_MAX_TRIPLES,
                     "triples_per_case": TRIPLES_PER_CASE, "seed": SEED, "workdir": str(base),
                     "java_memory_mb": args.java_memory_mb, "skip_after_failure": not args.no_skip},
        "sizes": [], "targets": []}
    failed: dict[str, str] = {}
    t0 = time.perf_counter()
    try:
        for size in args.sizes:
            doc["sizes"].append(run_size(size, base, args, failed))
            doc["targets"] = evaluate_targets(doc["sizes"], args.limit)
            doc["machine"]["loadavg_end"] = list(os.getloadavg())
            doc["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
            doc["total_s"] = round(time.perf_counter() - t0, 1)
            out.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
            if not args.keep:
                shutil.rmtree(base / f"size-{size}", ignore_errors=True)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(base, ignore_errors=True)
    report = markdown(doc)
    out.with_suffix(".md").write_text(report, encoding="utf-8")
    print(report)
    shown = out.resolve().relative_to(ROOT) if out.resolve().is_relative_to(ROOT) else out.resolve()
    print(f"JSON: {shown}\nMarkdown: {shown.with_suffix('.md')}")
    return doc


def render(paths: list[Path], merged: Path | None) -> None:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    doc, path = docs[0], paths[0]
    if merged is not None:  # the sizes of every result, in order; each keeps its own run's details
        doc["parts"] = [{"file": str(p), "command": d["command"], "started": d["started"],
                         "finished": d.get("finished"), "sizes": [s["size"] for s in d["sizes"]],
                         "settings": d["settings"], "loadavg_start": d["machine"]["loadavg_start"],
                         "loadavg_end": d["machine"].get("loadavg_end")} for p, d in zip(paths, docs, strict=True)]
        doc["sizes"] = [s for d in docs for s in d["sizes"]]
        doc["command"] = ["(merged)", *(" ".join(d["command"]) for d in docs)]
        doc["finished"] = docs[-1].get("finished")
        doc["machine"]["loadavg_end"] = docs[-1]["machine"].get("loadavg_end")
        if len({d["settings"]["limit_s"] for d in docs}) > 1:
            raise SystemExit("cannot merge results with different --limit")
        path = merged
    limit = doc["settings"]["limit_s"]
    for s in doc["sizes"]:
        s["end_to_end"], s["ratios"] = end_to_end(s["steps"], limit)
    doc["targets"] = evaluate_targets(doc["sizes"], limit)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    report = markdown(doc)
    path.with_suffix(".md").write_text(report, encoding="utf-8")
    print(report)


def _size_arg(text: str) -> str:
    if text == "shipped":
        return text
    try:
        n = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be 'shipped' or a number of triples such as 1e4, not {text!r}")
    if n < 1 or n != int(n):
        raise argparse.ArgumentTypeError(f"size must be a positive whole number of triples, not {text!r}")
    return text


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_child":
        p = argparse.ArgumentParser()
        p.add_argument("marker")
        p.add_argument("mode", choices=sorted(CHILDREN))
        for opt in ("--size", "--work", "--nt", "--store", "--rows-out"):
            p.add_argument(opt)
        p.add_argument("--cases", type=int)
        p.add_argument("--java-memory-mb", type=int)
        a = p.parse_args()
        CHILDREN[a.mode](a)
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", nargs="+", type=_size_arg, default=["shipped", "1e3", "1e4", "1e5", "1e6"],
                   help="'shipped' and/or targets of asserted triples, e.g. 1e4 (default: shipped 1e3 1e4 1e5 1e6)")
    p.add_argument("--pipelines", nargs="+", choices=PIPELINES, default=list(PIPELINES),
                   help="which pipelines to run (default: all)")
    p.add_argument("--limit", type=float, default=600, help="seconds allowed per child process (default 600)")
    p.add_argument("--mem-limit-gb", type=float, default=14, help="kill a child whose RSS passes this (default 14)")
    p.add_argument("--runs", type=int, default=3,
                   help=f"runs at sizes up to {SMALL_MAX_TRIPLES:.0e} triples and shipped; the median is "
                        "reported (default 3)")
    p.add_argument("--large-runs", type=int, default=1,
                   help="runs of the bare load and ours at larger sizes, the median reported (default 1); "
                        "rdflib + owlrl and HermiT run once there")
    p.add_argument("--java-memory-mb", type=int, default=None,
                   help="HermiT's Java heap (owlready2.reasoning.JAVA_MEMORY; default: owlready2's, 2000)")
    p.add_argument("--no-skip", action="store_true", help="run a step at larger sizes even after it did not finish")
    p.add_argument("--workdir", help="where to put corpora and stores (default: a temporary directory); "
                                     "with --keep, a size prepared there earlier is reused")
    p.add_argument("--keep", action="store_true", help="keep the work directory, stores and rows")
    p.add_argument("--output", default=str(RESULTS / "pipeline.json"),
                   help="the JSON result; the markdown report goes beside it (.md) and to stdout")
    p.add_argument("--render", metavar="JSON", nargs="+",
                   help="measure nothing: recompute the totals, ratios and targets of an earlier result "
                        "and write its markdown report again; several results are merged into --output")
    args = p.parse_args()
    if args.render:
        render([Path(x) for x in args.render], Path(args.output) if len(args.render) > 1 else None)
        return
    if args.runs < 1:
        p.error("--runs must be at least 1")
    run_bench(args)


if __name__ == "__main__":
    main()

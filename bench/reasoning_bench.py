"""Compare reasoning engines on the same graph: ours (kg.reasoning), owlrl and reasonable.

    .venv/bin/python bench/reasoning_bench.py [--sizes shipped 10 100 1000] [--timeout 300]

For each size (`shipped` = the cases in cases/, a number = a generated corpus
of that many cases, `kg.synthetic`, seed 0) the parent process prepares the
data once: it validates the cases (`load_cases`, without SHACL unless
--shacl), builds an Oxigraph store with `build_store` (our engine's input) and
writes the same asserted graph, ontology plus cases, as one N-Triples file
(owlrl's and reasonable's input). Then it runs every engine in a fresh
subprocess per run, so that the peak memory is that engine's:

  ours        copy of the built store; kg.reasoning.reason(store): SPARQL rules inside
              Oxigraph to a fixpoint, a derivation recorded per inferred triple
  owlrl       rdflib Graph parsed from the file; DeductiveClosure(OWLRL_Semantics).expand
  reasonable  PyReasoner.load_file; reason()

Each child reports its load and reasoning times (perf_counter), its peak RSS
right after reasoning (getrusage ru_maxrss) and the inferred triples; the
parent measures the whole process (interpreter start, imports, load, reason).
Small sizes (up to --small cases) take the median of --runs runs, larger
sizes one run. A run that passes --timeout seconds or --mem-limit-gb of RSS
is killed and reported as "did not finish"; an engine that did not finish is
skipped at larger sizes.

After the timed runs a check process compares the closures: the flagship
query `role-transfer` on our store against the same query on each other
engine's closure loaded into Oxigraph with our rules run on top (the OWL 2 RL
part of which should then add nothing), and the sets of rg:countsAs and
rdf:type rg:* triples. Results: a markdown table on stdout and
bench/results/reasoning.json (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENGINES = ("ours", "owlrl", "reasonable")
RESULTS = ROOT / "bench" / "results"
RG = "https://w3id.org/rolegraph/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
COUNTS_AS = RG + "countsAs"
SEED = 0


def _rss_mb() -> float:
    """This process's peak RSS so far, in MB.

    VmHWM, not getrusage's ru_maxrss: on Linux ru_maxrss survives fork+exec, so a child
    would report the parent's peak whenever that is higher.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---- children: one engine, one run ---------------------------------------------------------

def child_ours(work: Path, out: dict[str, Any], check_dir: Path | None) -> None:
    import pyoxigraph as ox

    from kg.reasoning import reason
    from kg.stores import open_store
    from kg.vocab import EXPLANATION_GRAPH, INFERRED_GRAPH

    t = time.perf_counter()
    store_dir = Path(tempfile.mkdtemp(dir=work)) / "store"
    shutil.copytree(work / "store-template", store_dir)
    try:
        with open_store(store_dir, write=True) as st:
            out["load_s"] = time.perf_counter() - t
            t = time.perf_counter()
            report = reason(st)
            out["reason_s"] = time.perf_counter() - t
            out["peak_rss_mb"] = _rss_mb()
            out["inferred"] = report.inferred
            out["derivations"] = report.derivations
            out["rounds"] = report.rounds
            out["fired"] = dict(sorted(report.fired.items(), key=lambda kv: -kv[1]))
            out["explanation_triples"] = sum(
                1 for _ in st.quads_for_pattern(None, None, None, ox.NamedNode(str(EXPLANATION_GRAPH))))
            out["inferred_graph_triples"] = sum(
                1 for _ in st.quads_for_pattern(None, None, None, ox.NamedNode(str(INFERRED_GRAPH))))
            if check_dir is not None:
                from kg.stores.layout import asserted_graphs, derived_graphs

                graphs = asserted_graphs(st) + [g for g in derived_graphs(st) if g.value == str(INFERRED_GRAPH)]
                _write_lines(check_dir / "ours.restricted.txt", _restricted(st, graphs))
                _write_json(check_dir / "ours.rows.json", _flagship_rows(st))
    finally:
        shutil.rmtree(store_dir.parent, ignore_errors=True)


def child_owlrl(work: Path, out: dict[str, Any], check_dir: Path | None) -> None:
    import owlrl
    import rdflib

    t = time.perf_counter()
    g = rdflib.Graph()
    g.parse(str(work / "asserted.nt"), format="nt")
    before = len(g)
    out["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    out["reason_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = _rss_mb()
    out["closure"] = len(g)
    out["inferred"] = len(g) - before
    if check_dir is not None:
        _write_nt(check_dir / "owlrl.closure.nt", g)


def child_reasonable(work: Path, out: dict[str, Any], check_dir: Path | None) -> None:
    import reasonable

    t = time.perf_counter()
    r = reasonable.PyReasoner()
    r.load_file(str(work / "asserted.ttl"))  # N-Triples text; load_file wants a .ttl/.n3 name
    out["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    closure = r.reason()  # the whole closure, input included
    out["reason_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = _rss_mb()
    out["closure"] = len(closure)
    out["inferred"] = len(closure) - json.loads((work / "sizes.json").read_text())["total"]
    if check_dir is not None:
        _write_nt(check_dir / "reasonable.closure.nt", closure)


def _nt_term(t: Any) -> str:
    """An rdflib term in N-Triples syntax (escaped by pyoxigraph; rdflib's n3() may emit long strings)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(t, URIRef):
        return str(ox.NamedNode(str(t)))
    if isinstance(t, BNode):
        return str(ox.BlankNode(str(t)))
    if isinstance(t, Literal):
        if t.language:
            return str(ox.Literal(str(t), language=t.language))
        if t.datatype:
            return str(ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype))))
        return str(ox.Literal(str(t)))
    raise TypeError(t)


def _write_nt(path: Path, triples: Any) -> int:
    """Write triples as N-Triples, leaving out generalised ones (owlrl infers literal subjects)."""
    from rdflib import Literal, URIRef

    n = 0
    with path.open("w", encoding="utf-8") as f:
        for s, p, o in triples:
            if isinstance(s, Literal) or not isinstance(p, URIRef):
                continue
            f.write(f"{_nt_term(s)} {_nt_term(p)} {_nt_term(o)} .\n")
            n += 1
    return n


def _write_lines(path: Path, lines: set[str]) -> None:
    path.write_text("".join(sorted(x + "\n" for x in lines)), encoding="utf-8")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def _restricted(store: Any, graphs: list[Any]) -> set[str]:
    """rg:countsAs triples and rdf:type triples with an rg: class, IRI subjects, as N-Triples."""
    import pyoxigraph as ox

    out: set[str] = set()
    for g in graphs:
        for q in store.quads_for_pattern(None, ox.NamedNode(COUNTS_AS), None, g):
            if isinstance(q.subject, ox.NamedNode):
                out.add(f"{q.subject} {q.predicate} {q.object}")
        for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None, g):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode) \
                    and q.object.value.startswith(RG):
                out.add(f"{q.subject} {q.predicate} {q.object}")
    return out


def _flagship_rows(store: Any) -> list[list[str]]:
    """The rows of role-transfer, order-independent (GROUP_CONCAT lists sorted)."""
    from kg.query import bind_params, get_query, run_select

    q = get_query("role-transfer")
    res = run_select(store, q, bind_params(q, {}))
    rows = []
    for row in res.rows:
        cells = []
        for v in res.variables:
            term = row[v]
            value = "" if term is None else term.value
            if v in ("recognisedBy", "refusedBy"):
                value = ", ".join(sorted(value.split(", ")))
            elif v == "findings":
                value = " ".join(sorted(value.split(" ")))
            cells.append(f"{v}={value}")
        rows.append(cells)
    return sorted(rows)


def run_child(args: argparse.Namespace) -> None:
    out: dict[str, Any] = {"engine": args.engine}
    check_dir = Path(args.check_dir) if args.check_dir else None
    {"ours": child_ours, "owlrl": child_owlrl, "reasonable": child_reasonable}[args.engine](
        Path(args.work), out, check_dir)
    Path(args.result).write_text(json.dumps(out), encoding="utf-8")


# ---- check: the flagship query and countsAs/rg-type triples on each closure ----------------

def run_check(args: argparse.Namespace) -> None:
    import pyoxigraph as ox

    from kg.reasoning import Reasoner
    from kg.reasoning.rules import load_rules
    from kg.vocab import CASE_GRAPH_PREFIX, INFERRED_GRAPH

    check_dir = Path(args.check_dir)
    result: dict[str, Any] = {}
    ours_rows = _read_json(check_dir / "ours.rows.json")
    ours_set = _read_lines(check_dir / "ours.restricted.txt")
    if ours_rows is not None:
        result["ours"] = {"rows": len(ours_rows), "restricted": len(ours_set or ())}
    rows_by_engine: dict[str, list[list[str]]] = {} if ours_rows is None else {"ours": ours_rows}
    for engine in ENGINES[1:]:
        closure = check_dir / f"{engine}.closure.nt"
        if not closure.exists():
            continue
        t = time.perf_counter()
        rules = load_rules()
        graph = ox.NamedNode(CASE_GRAPH_PREFIX + "closure-" + engine)
        inferred = ox.NamedNode(str(INFERRED_GRAPH))
        # (1) the engine's closure with only our interaction-order and typology rules on top
        st = ox.Store()
        st.bulk_load(path=str(closure), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        pure = _restricted(st, [graph])
        t1 = time.perf_counter()
        order_report = Reasoner(st, [r for r in rules if r.kind != "axiom"]).run()
        order_s = time.perf_counter() - t1
        rows = _flagship_rows(st)
        del st
        # (2) the closure with our OWL 2 RL rules to a fixpoint (what the engine lacks of them),
        #     then all our rules
        st = ox.Store()
        st.bulk_load(path=str(closure), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        t1 = time.perf_counter()
        gap = Reasoner(st, [r for r in rules if r.kind == "axiom"]).run()
        gap_s = time.perf_counter() - t1
        gap_set = _restricted(st, [inferred])
        t1 = time.perf_counter()
        Reasoner(st, rules).run()
        full_s = time.perf_counter() - t1
        after = _restricted(st, [graph, inferred])
        rows_full = _flagship_rows(st)
        del st
        rows_by_engine[engine] = rows
        entry: dict[str, Any] = {
            "restricted": len(pure),
            "rows": len(rows),
            "order_rules_fired": order_report.fired,
            "owl_rl_gap": gap.inferred,
            "owl_rl_gap_by_rule": gap.fired,
            "owl_rl_gap_restricted": _by_kind(gap_set),
            "rows_with_our_owl_rl_rules_too": len(rows_full),
            "seconds": round(time.perf_counter() - t, 2),
            "seconds_order_rules_on_closure": round(order_s, 2),
            "seconds_our_owl_rl_rules_on_closure": round(gap_s, 2),
            "seconds_all_our_rules_after": round(full_s, 2),
        }
        if ours_set is not None:
            entry["restricted_only_in_ours"] = _by_kind(ours_set - pure)
            entry["restricted_only_in_engine"] = _by_kind(pure - ours_set)
            entry["restricted_with_all_our_rules_equal_ours"] = after == ours_set
            if after != ours_set:
                entry["with_all_our_rules_only_in_ours"] = _by_kind(ours_set - after)
                entry["with_all_our_rules_only_in_engine"] = _by_kind(after - ours_set)
        if ours_rows is not None:
            entry["rows_equal_ours"] = rows == ours_rows
            entry["rows_with_our_owl_rl_rules_too_equal_ours"] = rows_full == ours_rows
        result[engine] = entry
    engines = list(rows_by_engine)
    if ours_rows is None and len(engines) > 1:  # ours did not finish: compare with the first engine
        ref = engines[0]
        for engine in engines[1:]:
            result[engine]["rows_equal_" + ref] = rows_by_engine[engine] == rows_by_engine[ref]
    result["all_rows_equal"] = (len({json.dumps(r) for r in rows_by_engine.values()}) == 1
                                if len(engines) > 1 else None)
    result["compared"] = engines
    Path(args.result).write_text(json.dumps(result), encoding="utf-8")


def _by_kind(triples: set[str]) -> dict[str, int]:
    """Count triples by what they say: 'countsAs' or the rg: class of an rdf:type."""
    c: Counter[str] = Counter()
    for t in triples:
        _, p, o = t.split(" ", 2)
        c["countsAs" if p == f"<{COUNTS_AS}>" else "type " + o.strip("<>").replace(RG, "rg:")] += 1
    return dict(c.most_common())


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _read_lines(path: Path) -> set[str] | None:
    return set(path.read_text(encoding="utf-8").splitlines()) if path.exists() else None


# ---- profile: time each rule of our engine ---------------------------------------------------

def run_profile(args: argparse.Namespace) -> None:
    """Per-rule time of our engine: apply() in total and the rule's SPARQL SELECT alone."""
    from kg.reasoning import Reasoner, clear_inferences
    from kg.reasoning.rules import load_rules
    from kg.stores import open_store

    work = Path(args.work)
    store_dir = Path(tempfile.mkdtemp(dir=work)) / "store"
    shutil.copytree(work / "store-template", store_dir)
    stats: dict[str, dict[str, float]] = {}

    class Timed(Reasoner):
        """The whole-store engine, timed rule by rule (as in the first profile)."""

        @property
        def graphs(self) -> list[Any]:
            import pyoxigraph as ox

            from kg.stores.layout import asserted_graphs
            from kg.vocab import INFERRED_GRAPH

            return [*asserted_graphs(self.store), ox.NamedNode(str(INFERRED_GRAPH))]

        def apply(self, rule: Any, round_no: int) -> int:
            s = stats.setdefault(rule.id, {"kind": rule.kind, "calls": 0, "apply_s": 0.0, "select_s": 0.0,
                                           "rows": 0, "fired": 0})
            t = time.perf_counter()  # the SELECT alone, on the same state apply() will see
            rows = sum(1 for _ in self.store.query(rule.select_query(), default_graph=self.graphs))
            s["select_s"] += time.perf_counter() - t
            t = time.perf_counter()
            n = super().apply(rule, round_no)
            s["apply_s"] += time.perf_counter() - t
            s["calls"] += 1
            s["rows"] += rows
            s["fired"] += n
            return n

    try:
        with open_store(store_dir, write=True) as st:
            clear_inferences(st)
            reasoner = Timed(st, load_rules())
            report = reasoner.run()
            graphs = reasoner.graphs
            # The same SELECTs at the fixpoint: the default graph given as the list of named
            # graphs (as the engine does), and as the union of all graphs (a diagnostic only:
            # the union also holds the explanation and meta graphs).
            rules = {r.id: r for r in load_rules()}
            for rid in sorted(stats, key=lambda k: -stats[k]["apply_s"])[:args.top]:
                q = rules[rid].select_query()
                t = time.perf_counter()
                sum(1 for _ in st.query(q, default_graph=graphs))
                stats[rid]["fixpoint_select_graph_list_s"] = time.perf_counter() - t
                t = time.perf_counter()
                sum(1 for _ in st.query(q, use_default_graph_as_union=True))
                stats[rid]["fixpoint_select_union_s"] = time.perf_counter() - t
        out = {"rounds": report.rounds, "inferred": report.inferred, "graphs_in_default_graph": len(graphs),
               "apply_total_s": sum(s["apply_s"] for s in stats.values()),
               "select_total_s": sum(s["select_s"] for s in stats.values()),
               "rules": dict(sorted(stats.items(), key=lambda kv: -kv[1]["apply_s"]))}
        Path(args.result).write_text(json.dumps(out), encoding="utf-8")
    finally:
        shutil.rmtree(store_dir.parent, ignore_errors=True)


# ---- parent ----------------------------------------------------------------------------------

def prepare(size: str, base: Path, shacl: bool) -> tuple[Path, dict[str, Any]]:
    """Validate the cases once, build the store, write the asserted graph as N-Triples."""
    from kg.cases.validate import load_cases
    from kg.ontology import load_ontology
    from kg.pipeline import build_store
    from kg.synthetic import generate

    work = base / f"size-{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    info: dict[str, Any] = {}
    t = time.perf_counter()
    if size == "shipped":
        cases_dir = ROOT / "cases"
    else:
        cases_dir = work / "cases"
        generate(cases_dir, cases=int(size), seed=SEED)
    info["generate_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    cs = load_cases([cases_dir], shacl=shacl)
    info["validate_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    build_store(cs, work / "store-template")
    info["build_store_s"] = round(time.perf_counter() - t, 2)
    onto = load_ontology().graph
    _write_nt(work / "asserted.nt", (t for g in [onto, *cs.graphs.values()] for t in g))
    os.link(work / "asserted.nt", work / "asserted.ttl")  # reasonable picks its parser by suffix
    n_total = sum(1 for _ in (work / "asserted.nt").open(encoding="utf-8"))
    info.update(cases=len(cs.case_ids), ontology_triples=len(onto), case_triples=cs.triple_count(),
                asserted_total=n_total)
    (work / "sizes.json").write_text(json.dumps({"total": n_total}), encoding="utf-8")
    return work, info


def spawn(argv: list[str], timeout: float, mem_limit_mb: float) -> dict[str, Any]:
    """Run a child to completion, a timeout or a memory limit; return its result and wall time."""
    fd, result_path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    os.unlink(result_path)
    cmd = [sys.executable, str(Path(__file__).resolve()), *argv, "--result", result_path]
    t = time.perf_counter()
    err_file = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=err_file, text=True)
    status, peak_polled = "ok", 0.0
    try:
        while proc.poll() is None:
            elapsed = time.perf_counter() - t
            rss = _proc_rss_mb(proc.pid)
            peak_polled = max(peak_polled, rss)
            if elapsed > timeout:
                status = f"did not finish in {timeout:.0f} s"
            elif rss > mem_limit_mb:
                status = f"killed at {rss / 1024:.1f} GB RSS after {elapsed:.0f} s"
            if status != "ok":
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
            time.sleep(0.1)
        wall = time.perf_counter() - t
        err_file.seek(0)
        err = err_file.read()
        out: dict[str, Any] = {"status": status, "wall_s": wall, "peak_rss_polled_mb": round(peak_polled, 1)}
        if status == "ok":
            if proc.returncode != 0 or not Path(result_path).exists():
                out["status"] = f"failed (exit {proc.returncode})"
                out["stderr"] = err[-2000:]
            else:
                out.update(json.loads(Path(result_path).read_text(encoding="utf-8")))
        return out
    finally:
        err_file.close()
        if os.path.exists(result_path):
            os.unlink(result_path)


def _proc_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_and_memory() -> tuple[str, str]:
    """The CPU model and the total memory, from /proc (empty where it is not readable)."""
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return cpu, mem


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    cpu, mem = cpu_and_memory()
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "platform": platform.platform(), "python": platform.python_version(),
            "versions": {p: version(p) for p in ("pyoxigraph", "rdflib", "owlrl", "reasonable")}}


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["status"] == "ok"]
    if not ok:
        return {"status": runs[0]["status"] if runs else "skipped", "runs": runs}
    med = {k: statistics.median(r[k] for r in ok) for k in ("load_s", "reason_s", "wall_s", "peak_rss_mb")}
    first = ok[0]
    out = {"status": "ok", "n_runs": len(ok), **{k: round(v, 3) for k, v in med.items()},
           "inferred": first["inferred"], "runs": runs}
    for k in ("derivations", "explanation_triples", "rounds", "fired", "closure"):
        if k in first:
            out[k] = first[k]
    return out


def fmt_s(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def table(results: list[dict[str, Any]], timeout: float) -> str:
    lines = [("| size | cases | asserted | engine | reason s | load s | whole process s | peak RSS MB "
             "| inferred | reason ×ours | whole ×ours |"),
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for res in results:
        ours = res["engines"].get("ours", {})
        for engine, e in res["engines"].items():
            head = f"| {res['size']} | {res['cases']} | {res['asserted_total']:,} | {engine} "
            if e["status"] != "ok":
                lines.append(head + f"| {e['status']} | | | | | | |")
                continue
            runs = f" (×{e['n_runs']})" if e["n_runs"] > 1 else "¹"
            inferred = f"{e['inferred']:,}"
            if engine == "ours":
                inferred += f" (+{e.get('explanation_triples', 0):,} provenance)"
            if ours.get("status") == "ok":
                r1 = f"{e['reason_s'] / ours['reason_s']:.2f}"
                r2 = f"{e['wall_s'] / ours['wall_s']:.2f}"
            elif ours:
                r1 = f"<{e['reason_s'] / timeout:.3f}"
                r2 = f"<{e['wall_s'] / timeout:.3f}"
            else:
                r1 = r2 = "n/a"
            lines.append(head + f"| {fmt_s(e['reason_s'])}{runs} | {fmt_s(e['load_s'])} | {fmt_s(e['wall_s'])} "
                         f"| {e['peak_rss_mb']:.0f} | {inferred} | {r1} | {r2} |")
    return "\n".join(lines)


def check_table(results: list[dict[str, Any]]) -> str:
    lines = [("| size | closure | flagship rows | same rows as ours | countsAs + rg:type triples "
             "| OWL RL gap: our axiom rules add | of which countsAs / rg:type | engine-only countsAs + rg:type "
             "| = ours after all our rules |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for res in results:
        chk = res.get("check") or {}
        if "error" in chk:
            lines.append(f"| {res['size']} | check | {chk['error']} | | | | | | |")
            continue
        for engine in ENGINES:
            c = chk.get(engine)
            if not c:
                continue
            if engine == "ours":
                lines.append(f"| {res['size']} | ours (all rules) | {c['rows']} | – | {c['restricted']:,} "
                             "| – | – | – | – |")
                continue
            same = {True: "yes", False: "**no**", None: "n/a"}[c.get("rows_equal_ours")]
            if "rows_equal_owlrl" in c:
                same = "n/a; = owlrl's: " + ("yes" if c["rows_equal_owlrl"] else "**no**")
            if c.get("rows_equal_ours") is False:
                same += " (yes with our OWL RL rules too)" if c.get(
                    "rows_with_our_owl_rl_rules_too_equal_ours") else ""
            gap = c["owl_rl_gap_restricted"]
            n_counts = gap.get("countsAs", 0)
            n_types = sum(v for k, v in gap.items() if k != "countsAs")
            only_engine = c.get("restricted_only_in_engine")
            n_only = "n/a" if only_engine is None else f"{sum(only_engine.values()):,}"
            equal = {True: "yes", False: "**no**", None: "n/a"}[c.get("restricted_with_all_our_rules_equal_ours")]
            lines.append(f"| {res['size']} | {engine} + our order rules | {c['rows']} | {same} "
                         f"| {c['restricted']:,} | {c['owl_rl_gap']:,} "
                         f"({', '.join(f'{k} {v}' for k, v in c['owl_rl_gap_by_rule'].items()) or '–'}) "
                         f"| {n_counts:,} / {n_types:,} | {n_only} | {equal} |")
    return "\n".join(lines)


def run_bench(args: argparse.Namespace) -> None:
    timeout, mem_limit = args.timeout, args.mem_limit_gb * 1024
    base = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="rolegraph-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"machine": machine(), "settings": {
        "sizes": args.sizes, "engines": args.engines, "timeout_s": timeout, "mem_limit_gb": args.mem_limit_gb,
        "runs_small": args.runs, "small_max_cases": args.small, "seed": SEED, "shacl": args.shacl},
        "notes": [("ours records a derivation (rule, round, premises) per inferred triple in an explanation "
                  "graph; owlrl and reasonable record no provenance"),
                  ("inferred: ours = triples in the inferred graph (not already asserted); owlrl = graph size "
                  "after minus before; reasonable = closure size minus asserted triples. owlrl and "
                  "reasonable compute full OWL 2 RL (owl:Thing types, sameAs reflexivity, ...), ours the "
                  "OWL 2 RL subset in rules/owl-rl plus the interaction-order and typology rules")],
        "sizes": []}
    failed: dict[str, str] = {}
    try:
        for size in args.sizes:
            print(f"== size {size}: preparing", file=sys.stderr, flush=True)
            work, info = prepare(size, base, args.shacl)
            res: dict[str, Any] = {"size": size, **info, "engines": {}}
            print(f"   {info['cases']} cases, {info['asserted_total']:,} asserted triples "
                  f"({info['case_triples'] / max(info['cases'], 1):.0f} per case)", file=sys.stderr, flush=True)
            check_dir = work / "check"
            check_dir.mkdir()
            n_runs = args.runs if info["cases"] <= args.small else 1
            for engine in args.engines:
                if engine in failed:
                    res["engines"][engine] = {"status": f"skipped ({failed[engine]})", "runs": []}
                    continue
                runs = []
                for i in range(n_runs):
                    argv = ["_child", "--engine", engine, "--work", str(work)]
                    if i == 0:
                        argv += ["--check-dir", str(check_dir)]
                    r = spawn(argv, timeout, mem_limit)
                    runs.append(r)
                    print(f"   {engine} run {i + 1}/{n_runs}: {r['status']} wall {r['wall_s']:.1f}s"
                          + (f" reason {r['reason_s']:.2f}s" if r["status"] == "ok" else ""),
                          file=sys.stderr, flush=True)
                    if r["status"] != "ok":
                        failed[engine] = f"{r['status']} at size {size}"
                        break
                res["engines"][engine] = summarise(runs)
            if not args.no_check:
                r = spawn(["_check", "--check-dir", str(check_dir)], timeout, mem_limit)
                res["check"] = r if r["status"] == "ok" else {"error": r["status"], **r}
                print(f"   check: {r['status']} wall {r['wall_s']:.1f}s", file=sys.stderr, flush=True)
            if args.profile and size in args.profile:
                r = spawn(["_profile", "--work", str(work), "--top", "8"], timeout * 2, mem_limit)
                res["profile"] = r
                print(f"   profile: {r['status']} wall {r['wall_s']:.1f}s", file=sys.stderr, flush=True)
            doc["sizes"].append(res)
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
            out = Path(args.output)
            out.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(base, ignore_errors=True)
    print(f"# Reasoning engines on the same graph ({doc['machine']['date']}, {doc['machine']['cores']} cores, "
          f"{doc['machine']['memory']}, Python {doc['machine']['python']})\n")
    print(table(doc["sizes"], timeout))
    print("\n¹ single run; (×3) median of 3 runs. Ratios: engine time / our time in the same run "
          "(<x: ours did not finish, so at most x). Ours records a derivation (provenance) per inferred "
          "triple; owlrl and reasonable do not.\n")
    print(check_table(doc["sizes"]))
    for res in doc["sizes"]:
        prof = res.get("profile")
        if prof and prof.get("status") == "ok":
            print(f"\n## Our engine per rule, size {res['size']} ({prof['rounds']} rounds, "
                  f"{prof['graphs_in_default_graph']} graphs in the default graph; apply total "
                  f"{prof['apply_total_s']:.1f} s, SELECT alone {prof['select_total_s']:.1f} s)\n")
            print("| rule | kind | calls | apply s | SELECT s | rows | fired | fixpoint SELECT: graph list / union s |")
            print("|---|---|---|---|---|---|---|---|")
            for rid, s in list(prof["rules"].items())[:10]:
                fix = (f"{s['fixpoint_select_graph_list_s']:.3f} / {s['fixpoint_select_union_s']:.3f}"
                       if "fixpoint_select_union_s" in s else "")
                print(f"| {rid} | {s['kind']} | {s['calls']:.0f} | {s['apply_s']:.2f} | {s['select_s']:.2f} "
                      f"| {s['rows']:.0f} | {s['fired']:.0f} | {fix} |")
    out = Path(args.output).resolve()
    # a path inside the checkout is printed relative to it: the output is kept in bench/results/
    print(f"\nJSON: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("_child", "_check", "_profile"):
        p = argparse.ArgumentParser()
        p.add_argument("mode")
        p.add_argument("--engine", choices=ENGINES)
        p.add_argument("--work")
        p.add_argument("--check-dir")
        p.add_argument("--result", required=True)
        p.add_argument("--top", type=int, default=8)
        a = p.parse_args()
        {"_child": run_child, "_check": run_check, "_profile": run_profile}[a.mode](a)
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", nargs="+", default=["shipped", "10", "100", "1000"],
                   help="'shipped' and/or numbers of generated cases (default: shipped 10 100 1000)")
    p.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    p.add_argument("--timeout", type=float, default=300, help="seconds per run (default 300)")
    p.add_argument("--mem-limit-gb", type=float, default=14, help="kill a run above this RSS (default 14)")
    p.add_argument("--runs", type=int, default=3, help="runs per engine at small sizes; the median is reported")
    p.add_argument("--small", type=int, default=10, help="sizes up to this many cases are small (default 10)")
    p.add_argument("--shacl", action="store_true", help="also run the SHACL shapes when validating")
    p.add_argument("--no-check", action="store_true", help="skip the flagship-query comparison")
    p.add_argument("--profile", nargs="*", default=[], metavar="SIZE",
                   help="also time our engine rule by rule at these sizes")
    p.add_argument("--workdir", help="where to put corpora and stores (default: a temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--output", default=str(RESULTS / "reasoning.json"))
    args = p.parse_args()
    for s in args.sizes:
        if s != "shipped" and not s.isdigit():
            p.error(f"size must be 'shipped' or a number, not {s!r}")
    run_bench(args)


if __name__ == "__main__":
    main()

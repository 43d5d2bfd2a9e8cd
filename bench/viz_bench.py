"""Benchmark of the browser view (not a test): how big the page gets and how long
Chromium takes to draw it and settle, for generated corpora of 1k, 10k and 50k
role claims.

    .venv/bin/python bench/viz_bench.py                 # 1000 10000 50000
    .venv/bin/python bench/viz_bench.py 1000 5000       # other sizes
    .venv/bin/python bench/viz_bench.py --no-browser    # Python side only
    .venv/bin/python bench/viz_bench.py 10000 --claims-per-case 10 --baseline /tmp/old-checkout
                                     # 1,000 small cases, and the view of another checkout
                                     # (e.g. `git archive OLD | tar -x -C /tmp/old-checkout`)
                                     # written from the same store and measured in the same browser

For each size it generates a store (quads written directly with pyoxigraph, no
YAML and no reasoning: the view reads asserted graphs only), writes the view
with `kg.view.write_view`, opens it in headless Chromium (file://, offline) and
measures:
  - write_s       Python: reading the store and writing the HTML
  - html_mib      size of the single HTML file
  - load_ms       navigation start until the page script has run (data parsed, DataSets built)
  - drawn_ms      navigation start until vis-network's first drawing
  - settled_ms    navigation start until the bounded stabilisation is done and physics is off
  - expand_ms     clicking an overview node until its neighbourhood is drawn and settled
It prints a markdown table and writes bench/results/viz.json. `generate_store`
is also used by tests/test_viz.py for its large-graph test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE = "https://w3id.org/rolegraph/"
RG = BASE + "ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT_TITLE = "http://purl.org/dc/terms/title"
SHARED_ROLES = ["co-creator", "ambassador", "adviser", "partner", "crime-prevention-partner",
                "vulnerable-mother", "minute-taker", "user", "facilitator", "supporter"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def generate_store(path: Path, n_claims: int, *, claims_per_case: int = 500, seed: int = 1) -> dict[str, int]:
    """Write a store at `path` with the ontology and `n_claims` generated role claims.

    Cases of `claims_per_case` claims each; per case about one actor per 8 claims,
    one context per 20 claims, three teams, five case roles; 0-2 audience responses
    per claim (recognised, refused or contested, sometimes in another context),
    one evidence quote per claim, 2% membership claims, 10% role distance.
    """
    import pyoxigraph as ox

    from kg.stores.embedded import load_ontology_into

    rnd = random.Random(seed)
    shutil.rmtree(path, ignore_errors=True)
    store = ox.Store(str(path))
    load_ontology_into(store)
    nn = ox.NamedNode
    a, label = nn(RDF_TYPE), nn(RDFS_LABEL)
    p = {k: nn(RG + k) for k in ("bearer", "role", "team", "inSituation", "stance", "mode", "assignedBy",
                                 "note", "evidence", "respondsTo", "respondent", "outcome", "memberOf",
                                 "specialises", "partOfSituation", "inCase", "quote", "speaker", "source",
                                 "locator")}
    cls = {k: nn(RG + k) for k in ("Case", "Person", "Group", "Organisation", "Team", "Role", "SocialSituation",
                                   "RoleClaim", "MembershipClaim", "Response", "Evidence", "SourceDocument")}
    outcomes = [nn(RG + "Recognised")] * 5 + [nn(RG + "Refused")] * 3 + [nn(RG + "Contested")] * 2
    counts = {"cases": 0, "claims": 0, "responses": 0, "quads": 0}
    n_cases = max(1, -(-n_claims // claims_per_case))
    made = 0
    for ci in range(n_cases):
        cid = f"gen-{ci + 1:04d}"
        graph = nn(f"{BASE}graph/case/{cid}")
        cbase = f"{BASE}case/{cid}/"
        case = nn(f"{BASE}case/{cid}")
        quads: list[ox.Quad] = []

        def add(s: ox.NamedNode, pred: ox.NamedNode, o: ox.NamedNode | ox.Literal, quads: list[ox.Quad] = quads,
                graph: ox.NamedNode = graph) -> None:
            quads.append(ox.Quad(s, pred, o, graph))

        def lit(text: str, lang: str | None = None) -> ox.Literal:
            return ox.Literal(text, language=lang) if lang else ox.Literal(text)

        this_case = min(claims_per_case, n_claims - made)
        add(case, a, cls["Case"])
        add(case, label, lit(f"Generated case {ci + 1}", "en"))
        add(case, label, lit(f"Genereret case {ci + 1}", "da"))
        source = nn(cbase + "source")
        add(source, a, cls["SourceDocument"])
        add(source, nn(DCT_TITLE), lit(f"Field notes, case {ci + 1}"))
        n_actors = max(8, this_case // 8)
        actors = []
        for i in range(n_actors):
            actor = nn(f"{cbase}actor-{i + 1}")
            kind = rnd.choices(["Person", "Group", "Organisation"], [6, 3, 1])[0]
            add(actor, a, cls[kind])
            add(actor, label, lit(f"{kind.lower()} {i + 1} of case {ci + 1}", "en"))
            add(actor, label, lit(f"{kind.lower()} {i + 1} i case {ci + 1}", "da"))
            add(actor, p["inCase"], case)
            actors.append(actor)
        teams = []
        for i in range(3):
            team = nn(f"{cbase}team-{i + 1}")
            add(team, a, cls["Team"])
            add(team, label, lit(f"team {i + 1} of case {ci + 1}", "en"))
            add(team, p["inCase"], case)
            teams.append(team)
        for actor in actors:
            add(actor, p["memberOf"], rnd.choice(teams))
        n_ctx = max(3, this_case // 20)
        contexts: list[ox.NamedNode] = []
        for i in range(n_ctx):
            ctx = nn(f"{cbase}context-{i + 1}")
            add(ctx, a, cls["SocialSituation"])
            add(ctx, label, lit(f"context {i + 1} of case {ci + 1}", "en"))
            add(ctx, label, lit(f"kontekst {i + 1} i case {ci + 1}", "da"))
            add(ctx, p["inCase"], case)
            if i and rnd.random() < 0.2:
                add(ctx, p["partOfSituation"], contexts[0])
            contexts.append(ctx)
        roles = [nn(f"{BASE}role/{r}") for r in SHARED_ROLES]
        for i in range(5):
            role = nn(f"{cbase}role-{i + 1}")
            add(role, a, cls["Role"])
            add(role, label, lit(f"case role {i + 1} of case {ci + 1}", "en"))
            add(role, p["specialises"], nn(BASE + "role/co-creator"))
            add(role, p["inCase"], case)
            roles.append(role)
        for k in range(this_case):
            claim = nn(f"{cbase}claim-{k + 1}")
            membership = rnd.random() < 0.02
            add(claim, a, cls["MembershipClaim" if membership else "RoleClaim"])
            add(claim, p["bearer"], rnd.choice(actors))
            if membership:
                add(claim, p["team"], rnd.choice(teams))
            else:
                add(claim, p["role"], rnd.choice(roles))
                add(claim, p["mode"], nn(RG + rnd.choice(["Taken", "Given"])))
                if rnd.random() < 0.1:
                    add(claim, p["stance"], nn(RG + "Distances"))
            ctx = rnd.choice(contexts)
            add(claim, p["inSituation"], ctx)
            add(claim, p["inCase"], case)
            ev = nn(f"{cbase}claim-{k + 1}/evidence-1")
            add(claim, p["evidence"], ev)
            add(ev, a, cls["Evidence"])
            add(ev, p["quote"], lit(f"Generated quote {k + 1}: what was said about this claim in the field."))
            add(ev, p["speaker"], rnd.choice(actors))
            add(ev, p["source"], source)
            add(ev, p["locator"], lit(f"p. {rnd.randint(1, 300)}"))
            n_resp = rnd.choices([0, 1, 2], [2, 6, 2])[0]
            for r in range(n_resp):
                resp = nn(f"{cbase}claim-{k + 1}/response-{r + 1}")
                add(resp, a, cls["Response"])
                add(resp, p["respondsTo"], claim)
                add(resp, p["respondent"], rnd.choice(actors))
                add(resp, p["outcome"], rnd.choice(outcomes))
                add(resp, p["inSituation"], ctx if rnd.random() < 0.8 else rnd.choice(contexts))
                add(resp, p["inCase"], case)
                if rnd.random() < 0.5:
                    rev = nn(f"{cbase}claim-{k + 1}/response-{r + 1}/evidence-1")
                    add(resp, p["evidence"], rev)
                    add(rev, a, cls["Evidence"])
                    add(rev, p["quote"], lit(f"Generated response quote {k + 1}.{r + 1}."))
                    add(rev, p["source"], source)
                counts["responses"] += 1
        made += this_case
        store.extend(quads)
        counts["cases"] += 1
        counts["quads"] += len(quads)
    counts["claims"] = made
    store.flush()
    del store
    return counts


def _wait(page: object, expression: str, timeout_s: float) -> float:
    """Poll `expression` in the page until true; seconds taken (bounded by timeout_s)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if page.evaluate(expression):  # type: ignore[attr-defined]
            return time.perf_counter() - start
        page.wait_for_timeout(20)  # type: ignore[attr-defined]
    raise TimeoutError(f"not true within {timeout_s} s: {expression}")


def measure_page(browser: object, html: Path, timeout_s: float = 300) -> dict[str, float | int | str]:
    """Open the page offline and time it until drawn and settled, then time one expansion."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, offline=True)  # type: ignore[attr-defined]
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith("file://") else None)
    page.goto(html.as_uri(), timeout=timeout_s * 1000)
    _wait(page, "!!(window.rolegraph && window.rolegraph.settled)", timeout_s)
    t = page.evaluate("""() => { const t = rolegraph.timing; return {
        load: t.scriptStart + t.ready, drawn: t.scriptStart + (t.firstDraw ?? t.settled),
        settled: t.scriptStart + t.settled, by: rolegraph.settledBy, physics: rolegraph.network.physics.options.enabled,
        nodes: rolegraph.nodes.length, edges: rolegraph.edges.length, mode: rolegraph.mode }; }""")
    out: dict[str, float | int | str] = {
        "mode": t["mode"], "initial_nodes": t["nodes"], "initial_edges": t["edges"],
        "load_ms": round(t["load"]), "drawn_ms": round(t["drawn"]), "settled_ms": round(t["settled"]),
        "settled_by": t["by"], "physics_after": str(t["physics"]).lower(), "outside_requests": len(outside)}
    target = page.evaluate("""() => { const ids = rolegraph.nodes.getIds();
        const ctx = ids.find(id => rolegraph.nodes.get(id).kind === 'ovcontext');
        return ctx || ids.find(id => ['ovcase', 'ovcluster'].includes(rolegraph.nodes.get(id).kind)) || ids[0]; }""")
    if target is not None:
        start = time.perf_counter()
        page.evaluate("id => { rolegraph.settled = false; rolegraph.expand(id); rolegraph.show(id); }", target)
        _wait(page, "rolegraph.settled", timeout_s)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        out["expand_ms"] = round((time.perf_counter() - start) * 1000)
        out["after_expand_nodes"] = page.evaluate("rolegraph.nodes.length")
    context.close()
    return out


def write_baseline(checkout: Path, store: Path, html: Path, overview: bool | None) -> dict[str, object]:
    """Write the view of `store` with the code of another checkout (in its own process)."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "from kg.viz import write_view; "
            "r = write_view(Path(sys.argv[2]), Path(sys.argv[3]), overview=json.loads(sys.argv[4])); "
            "print(json.dumps([r.nodes, r.edges, r.seconds, r.bytes]))")
    out = subprocess.run([sys.executable, "-c", code, str(checkout), str(store), str(html), json.dumps(overview)],
                         capture_output=True, text=True, check=True, cwd=checkout)
    nodes, edges, seconds, size = json.loads(out.stdout.strip().splitlines()[-1])
    return {"nodes": nodes, "edges": edges, "write_s": round(seconds, 2), "html_mib": round(size / 2**20, 2)}


def count_store(path: Path) -> dict[str, object]:
    """Claims (role and membership), responses and cases of an existing store."""
    from kg.stores import open_store

    counts: dict[str, object] = {}
    with open_store(path) as st:
        for key, cls in (("claims", "?c a ?t . VALUES ?t { rg:RoleClaim rg:MembershipClaim }"),
                         ("responses", "?c a rg:Response"), ("cases", "?c a rg:Case")):
            q = f"PREFIX rg: <{RG}> SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH ?g {{ {cls} }} }}"
            counts[key] = int(next(iter(st.query(q)))[0].value)
    return counts


def run(sizes: list[int], browser_on: bool, workdir: Path, *, claims_per_case: int = 500,
        baseline: Path | None = None, existing: Path | None = None) -> list[dict[str, object]]:
    from kg.view import write_view

    results: list[dict[str, object]] = []
    browser = None
    pw = None
    if browser_on:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    try:
        variants: list[tuple[int, bool | None]] = [(n, None) for n in sizes]
        if sizes and min(sizes) <= 2000:
            variants.append((min(sizes), False))  # the same corpus forced into one full physics view
        stores: dict[int, Path] = {}
        made: dict[int, dict[str, object]] = {}
        if existing is not None:  # a store built elsewhere, e.g. from `rolegraph generate` case files
            variants = [(0, None)]
            stores[0] = existing
            made[0] = count_store(existing)
        for n, overview in variants:
            if n not in stores:
                stores[n] = workdir / f"store-{n}"
                t = time.perf_counter()
                counts = generate_store(stores[n], n, claims_per_case=claims_per_case)
                made[n] = {"generate_s": round(time.perf_counter() - t, 2), "responses": counts["responses"],
                           "cases": counts["cases"]}
            generated = made[n]
            for code in (["before", "after"] if baseline else ["this"]):
                row: dict[str, object] = {"claims": n or generated["claims"], "cases": generated["cases"], "code": code,
                                          "view": "full (forced)" if overview is False else "default"}
                row.update(generated)
                html = workdir / f"view-{n}-{code}{'-full' if overview is False else ''}.html"
                if code == "before":
                    assert baseline is not None
                    row.update(write_baseline(baseline, stores[n], html, overview))
                else:
                    report = write_view(stores[n], html, overview=overview)
                    row.update({"nodes": report.nodes, "edges": report.edges, "write_s": round(report.seconds, 2),
                                "html_mib": round(report.bytes / 2**20, 2)})
                if browser is not None:
                    row.update(measure_page(browser, html))
                results.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        if browser is not None:
            browser.close()
        if pw is not None:
            pw.stop()
    return results


def table(results: list[dict[str, object]]) -> str:
    cols = ["claims", "cases", "code", "view", "nodes", "edges", "write_s", "html_mib", "mode", "initial_nodes",
            "load_ms", "drawn_ms", "settled_ms", "expand_ms", "outside_requests"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in results:
        lines.append("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 50000])
    ap.add_argument("--no-browser", action="store_true", help="measure only the Python side")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "viz.json")
    ap.add_argument("--keep", type=Path, default=None, help="keep stores and pages in this directory")
    ap.add_argument("--claims-per-case", type=int, default=500, help="claims in each generated case")
    ap.add_argument("--store", type=Path, default=None,
                    help="measure the view of this existing store instead of generated ones (sizes ignored)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another checkout (its kg.viz.write_view) to measure beside this one, in the same run")
    args = ap.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="rolegraph-viz-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        results = run(args.sizes, not args.no_browser, workdir, claims_per_case=args.claims_per_case,
                      baseline=args.baseline, existing=args.store)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "loadavg_1min_at_end": round(os.getloadavg()[0], 2),
            "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "browser": "/usr/bin/chromium (headless)"}
    from importlib.metadata import PackageNotFoundError, version

    for package in ("pyvis", "pyoxigraph", "playwright"):
        try:
            meta[package] = version(package)
        except PackageNotFoundError:  # pragma: no cover
            meta[package] = "not installed"
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

"""The browser view (kg/view/, viz/): one self-contained, offline, escaped HTML page.

The browser tests drive Debian's Chromium through Playwright. Playwright's
wait_for_function evaluates strings, which the page's Content-Security-Policy
forbids, so waits poll page.evaluate (bounded) instead.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from .conftest import CASES, ROOT, require_tool

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS_DIR = ROOT / "tests" / "data" / "xss"
ARTIFACTS = ROOT / "tests" / "artifacts"
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>',
            "</script><script>window.__xss=1</script>"]
JAMEN_HOV = "Jamen hov, hun har to dybt kriminelle sønner"
WOMEN = "womens-association/womens-association"


# ---- stores and pages ------------------------------------------------------------

def _build_and_reason(paths: list[Path], store: Path) -> Path:
    from kg.cases.validate import load_cases
    from kg.pipeline import build_store
    from kg.reasoning import reason
    from kg.stores import open_store

    build_store(load_cases(paths), store)
    with open_store(store, write=True) as st:
        reason(st)
    return store


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped cases, built and reasoned once for this module."""
    return _build_and_reason([CASES], tmp_path_factory.mktemp("viz-shipped") / "store")


@pytest.fixture(scope="module")
def xss_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_and_reason([XSS_DIR], tmp_path_factory.mktemp("viz-xss") / "store")


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 generated role claims (bench/viz_bench.py's generator)."""
    spec = importlib.util.spec_from_file_location("viz_bench", ROOT / "bench" / "viz_bench.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path_factory.mktemp("viz-big") / "store"
    counts = bench.generate_store(path, 2000)
    assert counts["claims"] == 2000
    return path


@pytest.fixture(scope="module")
def pages(shipped: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The shipped cases' page, plain and with --query role-transfer, with their reports."""
    from kg.view import write_view

    out = tmp_path_factory.mktemp("viz-pages")
    plain = write_view(shipped, out / "plain.html")
    query = write_view(shipped, out / "role-transfer.html", query="role-transfer")
    return {"plain": plain, "query": query}


@pytest.fixture(scope="module")
def browser():
    require_tool("chromium", CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A page opened from a file, with what it requested, alerted and threw."""

    def __init__(self, browser: Any, html: Path, *, offline: bool = True, bypass_csp: bool = False,
                 viewport: dict[str, int] | None = None) -> None:
        self.context = browser.new_context(offline=offline, bypass_csp=bypass_csp,
                                           viewport=viewport or {"width": 1600, "height": 1000})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.goto(html.as_uri(), timeout=30_000)
        self.wait("!!(window.rolegraph && window.rolegraph.settled)", 60)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait(self, expression: str, timeout_s: float = 20) -> float:
        """Poll until `expression` is true in the page (bounded); seconds taken."""
        start = time.monotonic()
        while time.monotonic() - start < timeout_s:
            if self.page.evaluate(expression):
                return time.monotonic() - start
            self.page.wait_for_timeout(25)
        raise AssertionError(f"not true within {timeout_s} s: {expression}")

    def panel(self) -> str:
        return str(self.page.inner_text("#details-body"))

    def click_node(self, node_id: str) -> None:
        """Click a node with the mouse at its place on the canvas, as a person would."""
        self.js("id => rolegraph.network.moveTo({position: rolegraph.network.getPosition(id), scale: 1.6,"
                " animation: false})", node_id)
        pos = self.js("id => rolegraph.domPosition(id)", node_id)
        hit = self.js("([x, y]) => { const r = document.getElementById('graph').getBoundingClientRect();"
                      " return rolegraph.network.getNodeAt({x: x - r.left, y: y - r.top}); }",
                      [pos["x"], pos["y"]])
        assert hit == node_id, f"another node ({hit}) lies over {node_id}"
        self.page.mouse.click(pos["x"], pos["y"])

    def close(self) -> None:
        self.context.close()


def _claim_node(page: Page, claim: str, outcome: str, where: str | None = None) -> str:
    ids = page.js("([c, o, w]) => rolegraph.nodes.get({filter: n => n.claim === c && n.outcome === o"
                  " && (!w || n.where === w)}).map(n => n.id)", [claim, outcome, where])
    assert len(ids) == 1, (claim, outcome, where, ids)
    return str(ids[0])


# ---- the Python side -----------------------------------------------------------------

def test_the_view_imports_neither_the_cli_nor_the_server() -> None:
    code = ("import sys, kg.view; print(sorted(m for m in sys.modules if m in ('kg.cli', 'kg.serve', 'kg.server',"
            " 'click', 'pyvis', 'playwright')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert not (ROOT / "kg" / "viz.py").exists()  # one name in the wheel: kg/view/ the code, kg/_data/viz/ the data


def test_json_for_script_cannot_close_the_element() -> None:
    from kg.view import json_for_script

    value = {"label": PAYLOADS, "x": "a & b <!-- c --> \u2028"}
    text = json_for_script(value)
    assert not set("<>&") & set(text)
    assert "\u2028" not in text
    assert json.loads(text) == value


def test_page_is_self_contained(pages: dict[str, Any]) -> None:
    html = pages["plain"].path.read_text(encoding="utf-8")
    attrs = re.findall(r"""\b(?:src|href|action|poster|data)\s*=\s*["']?([^"'\s>]*)""", html, re.IGNORECASE)
    assert [a for a in attrs if re.match(r"(?:https?:)?//", a)] == []
    assert not re.search(r"<link\b|<iframe\b|@import|bootstrap|cdnjs|jsdelivr|unpkg", html, re.IGNORECASE)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    # vis-network is inlined from viz/vendor/ with its licence header
    assert "@license" in html and "vis.js is dual licensed" in html
    assert html.count("</script>") == 3  # the JSON data, vis-network, our script
    assert (ROOT / "viz" / "vendor" / "README.md").exists()


def test_template_never_writes_html_from_strings() -> None:
    for name in ("app.js", "template.html"):
        text = (ROOT / "viz" / name).read_text(encoding="utf-8")
        text = re.sub(r"/\*.*?\*/|\{#.*?#\}|^\s*//[^\n]*", "", text, flags=re.DOTALL | re.MULTILINE)
        assert "textContent" in text or name == "template.html"
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function",
                             text), name


def test_counts_and_kinds_of_the_shipped_graph(shipped: Path) -> None:
    from kg.stores import open_store
    from kg.view import build_graph, junction_details, read_model

    with open_store(shipped) as st:
        g = build_graph(read_model(st), "en")
    kinds = Counter(n["kind"] for n in g.nodes)
    assert kinds["claim"] >= 29 and kinds["mclaim"] >= 2
    assert {"person", "organisation", "group", "team", "role", "context"} <= set(kinds)
    ids = {n["id"] for n in g.nodes}
    assert all(e["from"] in ids and e["to"] in ids for e in g.edges)
    # the women's adviser claim in the department: refused by the caseworkers, with the quote
    (jid,) = [n["id"] for n in g.nodes if n.get("claim") == "womens-association/women-adviser-department"]
    d = junction_details(g, jid)
    assert d["resp"][0]["by"] == ["womens-association/caseworkers"] and d["resp"][0]["outcome"] == "refused"
    quotes = [g.evidence[i] for r in d["resp"] for i in r["ev"]]
    jamen = [q for q in quotes if JAMEN_HOV in q.get("q", "")]
    assert jamen and jamen[0]["sp"] == "the SSP worker" and jamen[0]["loc"] == "Rollekonflikt opstår i ny social kontekst"
    assert g.sources[jamen[0]["s"]].startswith("Müller & Stougaard")
    # a claim answered in two contexts gives one claim node per context and outcome
    co = {(n["where"], n["outcome"]) for n in g.nodes if n.get("claim") == "womens-association/women-co-creator"}
    assert co == {("womens-association/ssp-partnership", "recognised"),
                  ("womens-association/department-encounter", "refused")}
    # role distance is kept on the claim node
    vm = [n for n in g.nodes if n.get("claim") == "womens-association/women-vulnerable-mother-department"]
    assert vm and all(n.get("dist") for n in vm)


def test_filters_and_language(shipped: Path) -> None:
    from kg.errors import UsageError
    from kg.stores import open_store
    from kg.view import Filters, build_graph, junction_details, read_model

    with open_store(shipped) as st:
        model = read_model(st)
    g = build_graph(model, "en", Filters(cases=("womens-association",)))
    assert {n.get("case") for n in g.nodes} == {"womens-association", None}
    assert all(n.get("case") in (None, "womens-association") for n in g.nodes)
    g = build_graph(model, "en", Filters(contexts=("department-encounter",)))
    wheres = {n["where"] for n in g.nodes if n["kind"] in ("claim", "mclaim")}
    assert wheres == {"womens-association/department-encounter"}
    g = build_graph(model, "en", Filters(contexts=("womens-association/ssp-partnership",)))
    wheres = {n["where"] for n in g.nodes if n["kind"] in ("claim", "mclaim")}
    assert "womens-association/safety-walks" in wheres or "womens-association/ssp-partnership" in wheres
    assert all(w.startswith("womens-association/") for w in wheres)
    g = build_graph(model, "en", Filters(actors=("mia",)))
    mia = "future-workshop/mia"
    for jid in g.junctions:
        d = junction_details(g, jid)
        assert mia in (d["bearer"], *(a for r in d.get("resp", []) for a in r["by"]), *d.get("by", []),
                       d["target"])
    g = build_graph(model, "da", Filters(cases=("womens-association",)))
    labels = {n["id"]: n.get("label") for n in g.nodes}
    assert labels[WOMEN] == "den dansk-somaliske kvindeforening"
    with pytest.raises(UsageError, match="did you mean 'womens-association'"):
        build_graph(model, "en", Filters(cases=("womens-asociation",)))


def test_role_transfer_highlight_marks_the_answer(shipped: Path, pages: dict[str, Any]) -> None:
    from kg.stores import open_store
    from kg.view import build_graph, query_highlight, read_model

    with open_store(shipped) as st:
        g = build_graph(read_model(st), "en")
        hl = query_highlight(st, g, "role-transfer")
    assert hl.total_rows == 6 and not hl.warnings

    def jid(claim: str, where: str, outcome: str) -> str:
        (j,) = [n["id"] for n in g.nodes if n.get("claim") == "womens-association/" + claim
                and n.get("where") == "womens-association/" + where and n["outcome"] == outcome]
        return j

    refused = jid("women-adviser-department", "department-encounter", "refused")
    recognised = jid("women-co-creator", "ssp-partnership", "recognised")
    assert {refused, recognised, jid("women-co-creator", "department-encounter", "refused"),
            jid("women-ambassador", "ambassador-course", "recognised")} <= hl.nodes
    assert jid("women-vulnerable-mother-department", "department-encounter", "recognised") not in hl.nodes
    bearer_edge = [e["id"] for e in g.edges if e["from"] == WOMEN and e["to"] == refused]
    assert bearer_edge and bearer_edge[0] in hl.edges
    assert {WOMEN, "role:adviser", "womens-association/department-encounter",
            "womens-association/ssp-partnership"} <= hl.nodes
    assert pages["query"].highlighted_edges == len(hl.edges)


def test_an_extensions_kinds_are_drawn(tmp_path: Path) -> None:
    """docs/examples/elderly-care: an actor of an extension's kind (a subclass of rg:Organisation)
    is drawn as an organisation, and the extension's query directories count for --query."""
    from kg.cases.extensions import find_extensions
    from kg.cases.validate import load_cases
    from kg.ontology import load_ontology
    from kg.pipeline import build_store
    from kg.reasoning import reason
    from kg.stores import open_store
    from kg.view import write_view

    example = ROOT / "docs" / "examples" / "elderly-care"
    exts = find_extensions([example / "extensions"])
    store = tmp_path / "store"
    build_store(load_cases([example / "cases"], ontology=load_ontology(exts)), store, extensions=exts)
    with open_store(store, write=True) as st:
        reason(st)
    report = write_view(store, tmp_path / "care.html", query="role-transfer")
    assert report.highlighted_edges > 0 and not report.warnings
    data = _page_data(report.path)
    g = data["graph"]  # the compact tables (kg/view/compact.py); " local" is "<the node's case>/local"
    ids = [g["caseIds"][g["case"][i]] + "/" + sid[1:] if sid.startswith(" ") else sid
           for i, sid in enumerate(g["ids"][:g["entities"]])]
    kind = {ids[i]: g["kinds"][k] for i, k in enumerate(g["kind"])}
    assert kind["visiting-friends/visiting-service"] == "organisation"
    service = ids.index("visiting-friends/visiting-service")
    assert g["texts"][g["details"][str(service)]["type"]] == "volunteer association"
    assert kind["visiting-friends/ward"] == "context"
    roles = [g["texts"][g["labels"][i]] for i, k in enumerate(g["kind"]) if g["kinds"][k] == "role"]
    assert "visiting friend" in roles
    refused = [f"j{n + 1}" for n, j in enumerate(g["junctions"])
               if g["claims"][j[0]][0] in ("visiting-friends/hanne-on-ward", " hanne-on-ward")
               and j[1] == 1]  # 1: refused
    assert refused and refused[0] in data["highlight"]["nodes"]


def _page_data(html: Path) -> dict[str, Any]:
    """The JSON the page embeds (its escapes are JSON escapes, so json.loads reads it)."""
    text = html.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="rolegraph-data">(.*?)</script>', text, re.DOTALL)
    assert m
    return dict(json.loads(m.group(1)))


def _cli() -> click.Group:
    from kg.cli import main

    return main


def test_the_cli_describes_viz_without_importing_the_view() -> None:
    code = ("import sys, io, contextlib, kg.cli\n"
            "with contextlib.redirect_stdout(io.StringIO()) as help_text:\n"
            "    kg.cli.main(['viz', '--help'], standalone_mode=False)\n"
            "assert '--threshold' in help_text.getvalue()\n"
            "print(sorted(m for m in sys.modules if m.startswith('kg.view')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "['kg.view', 'kg.view.defaults']"


def test_words_in_both_languages() -> None:
    """Every word of the page is in the message catalogue in English and in Danish, and the page uses no other."""
    from kg.view.words import all_words

    words = all_words()
    assert set(words) == {"en", "da"} and set(words["en"]) == set(words["da"])
    assert all(v.strip() for lang in words.values() for v in lang.values())
    assert sum(words["en"][k] != words["da"][k] for k in words["en"]) > len(words["en"]) // 2  # really Danish
    used = set(re.findall(r"\bUI\.(\w+)|\bUI\[\"(\w+)\"\]", (ROOT / "viz" / "app.js").read_text(encoding="utf-8")))
    used |= {(m, "") for m in re.findall(r"\bui\.(\w+)", (ROOT / "viz" / "template.html").read_text(encoding="utf-8"))}
    missing = {a or b for a, b in used} - set(words["en"])
    assert not missing, missing


def test_cli_viz(shipped: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "view.html"
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(out), "--query", "role-transfer",
                                 "--case", "womens-association", "--lang", "da"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    # --lang da: the page and what the command prints
    assert f"skrev {out}" in res.output and "fremhævet af 'role-transfer'" in res.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="da">' in html and "Signaturforklaring" in html
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(out), "--context", "nowhere"])
    assert res.exit_code == 2 and "no context 'nowhere'" in res.output
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(out), "--query", "role-transfr"])
    assert res.exit_code == 2 and "did you mean 'role-transfer'" in res.output
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(out), "--param", "x=1"])
    assert res.exit_code == 2 and "--param needs --query" in res.output
    res = runner.invoke(_cli(), ["viz", "--store", str(tmp_path / "missing"), "--out", str(out)])
    assert res.exit_code == 2 and "no store at" in res.output
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(tmp_path / "sub" / "p.html"),
                                 "--query", "role-transfer", "--param",
                                 f"bearer={WOMEN}", "--param", "role=role:adviser", "--overview"])
    assert res.exit_code == 0, res.output
    assert "opens on an overview" in res.output


# ---- in the browser -------------------------------------------------------------------

@pytest.mark.slow
def test_page_is_offline_and_requests_nothing(browser: Any, pages: dict[str, Any]) -> None:
    require_tool("chromium", CHROMIUM)
    html = pages["query"].path
    online = Page(browser, html, offline=False)  # network available: still nothing is fetched
    try:
        assert [u for u in online.requests if not u.startswith("file://")] == []
        assert online.requests == [html.as_uri()]
        assert online.errors == [] and not [c for c in online.console if "Refused" in c or "error" in c]
    finally:
        online.close()
    offline = Page(browser, html, offline=True)
    try:
        assert [u for u in offline.requests if not u.startswith("file://")] == []
        # a query's page opens on its answers and their neighbourhood
        report = pages["query"]
        assert report.mode == "answers"
        assert offline.js("rolegraph.nodes.length") == report.initial_nodes
        assert 10 < report.initial_nodes < report.nodes
        assert offline.js("document.querySelector('#graph canvas') !== null")
        assert offline.js("rolegraph.network.physics.options.enabled") is False
        assert offline.errors == []
    finally:
        offline.close()


@pytest.mark.slow
def test_vis_dataset_matches_python_graph(browser: Any, pages: dict[str, Any], shipped: Path) -> None:
    require_tool("chromium", CHROMIUM)
    from kg.stores import open_store
    from kg.view import build_graph, junction_details, read_model

    with open_store(shipped) as st:
        g = build_graph(read_model(st), "en")
    report = pages["plain"]
    assert (report.nodes, report.edges, report.mode) == (len(g.nodes), len(g.edges), "full")
    page = Page(browser, report.path)
    try:
        assert page.js("rolegraph.mode") == "full"
        assert page.js("[rolegraph.nodes.length, rolegraph.edges.length]") == [len(g.nodes), len(g.edges)]
        assert page.js("[rolegraph.expected.nodes, rolegraph.expected.edges]") == [len(g.nodes), len(g.edges)]
        js_kinds = page.js("rolegraph.nodes.get().reduce((c, n) => (c[n.kind] = (c[n.kind] || 0) + 1, c), {})")
        assert js_kinds == dict(Counter(n["kind"] for n in g.nodes))
        js_edges = page.js("rolegraph.edges.get().reduce((c, e) => (c[e.kind] = (c[e.kind] || 0) + 1, c), {})")
        assert js_edges == dict(Counter(e["kind"] for e in g.edges))
        # the compact tables expand into the records Python built, with the same ids
        fields = ("id", "kind", "label", "case", "outcome", "claim", "where", "dist", "sub")
        js_nodes = page.js("rolegraph.data.graph.nodes")
        assert [{k: n.get(k) for k in fields} for n in js_nodes] == [{k: n.get(k) for k in fields} for n in g.nodes]
        js_all_edges = page.js("rolegraph.data.graph.edges")
        assert [{k: e.get(k) for k in ("id", "from", "to", "kind", "j")} for e in js_all_edges] == \
            [{k: e.get(k) for k in ("id", "from", "to", "kind", "j")} for e in g.edges]
        for jid in ("j1", "j25", f"j{len(g.junctions)}"):
            want = junction_details(g, jid)
            got = page.js("id => rolegraph.details(id)", jid)
            for key in ("bearer", "target", "where", "mode", "stance", "by", "note", "ev"):
                assert got.get(key) == want.get(key), (jid, key)
            assert [(r["outcome"], r["by"], r.get("ev", [])) for r in got["resp"]] == \
                [(r["outcome"], r["by"], r.get("ev", [])) for r in want.get("resp", [])]
            assert [(r["outcome"], r["by"], r["where"]) for r in got["others"]] == \
                [(r["outcome"], r["by"], r["where"]) for r in want.get("others", [])]
        # physics stabilised and was switched off
        assert page.js("rolegraph.settledBy") == "stabilizationIterationsDone"
        assert page.js("rolegraph.network.physics.options.enabled") is False
        # the legend is there
        assert "refused" in page.page.inner_text("#legend") and "recognised" in page.page.inner_text("#legend")
    finally:
        page.close()


@pytest.mark.slow
def test_clicking_a_claim_shows_its_evidence(browser: Any, pages: dict[str, Any]) -> None:
    require_tool("chromium", CHROMIUM)
    page = Page(browser, pages["plain"].path)
    try:
        assert "Jamen hov" not in page.panel()
        node = _claim_node(page, "womens-association/women-adviser-department", "refused")
        page.click_node(node)
        page.wait(f"document.getElementById('details-body').textContent.includes({json.dumps(JAMEN_HOV)})")
        text = page.panel()
        assert "the Danish-Somali women's association → adviser and companion" in text
        assert "refused by the children-and-youth caseworkers" in text
        block = text[text.index(JAMEN_HOV):][:400]
        assert "the SSP worker" in block and "Müller & Stougaard" in block
        assert "Rollekonflikt opstår i ny social kontekst" in block
        assert page.js("rolegraph.network.getSelectedNodes()") == [node]
        # clicking the bearer lists its claims; clicking one opens it
        page.click_node(WOMEN)
        page.wait("document.querySelectorAll('#details-body ul.claims li').length >= 10")
        assert "Claims" in page.panel() or "CLAIMS" in page.panel()
        # clicking an edge of the claim shows the same evidence
        edge = page.js("id => rolegraph.edges.get({filter: e => e.j === id && e.kind === 'claim'})[0].id", node)
        page.js("id => { rolegraph.show(rolegraph.edges.get(id).j); }", edge)
        assert JAMEN_HOV in page.panel()
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.slow
def test_query_opens_on_the_answers_and_highlights_the_refused_edge(browser: Any, pages: dict[str, Any]) -> None:
    require_tool("chromium", CHROMIUM)
    page = Page(browser, pages["query"].path, viewport={"width": 1280, "height": 720})
    try:
        refused = _claim_node(page, "womens-association/women-adviser-department", "refused",
                              "womens-association/department-encounter")
        recognised = _claim_node(page, "womens-association/women-co-creator", "recognised",
                                 "womens-association/ssp-partnership")
        # the page opens on the answers and their neighbourhood: nothing else is drawn yet
        assert page.js("rolegraph.mode") == "answers"
        assert len(set(page.js("rolegraph.data.highlight.edges"))) == pages["query"].highlighted_edges
        assert page.js("rolegraph.nodes.get({filter: n => n.claim === "
                       "'womens-association/women-vulnerable-mother-department'}).length") == 0
        drawn_claims = page.js("rolegraph.nodes.get({filter: n => n.kind === 'claim'}).map(n => n.id)")
        assert set(drawn_claims) <= set(page.js("rolegraph.data.highlight.nodes"))
        assert page.page.is_visible("#banner") and "role-transfer" in page.page.inner_text("#banner")
        edge = page.js("([b, j]) => rolegraph.edges.get({filter: e => e.from === b && e.to === j})[0]",
                       [WOMEN, refused])
        assert edge["hl"] is True and edge["outcome"] == "refused" and edge["kind"] == "claim"
        assert edge["width"] > 3 and edge["shadow"]["enabled"] is True
        assert page.js("id => rolegraph.nodes.get(id).hl", refused) is True
        assert page.js("id => rolegraph.edges.get({filter: e => e.j === id}).every(e => e.hl)", recognised)
        # a click on the bearer opens its neighbourhood: its other claims appear, dimmed
        before = page.js("rolegraph.nodes.length")
        page.click_node(WOMEN)
        page.wait("rolegraph.expanded.size === 1", 5)
        page.wait("rolegraph.settled", 30)
        assert page.js("rolegraph.nodes.length") > before
        unrelated = _claim_node(page, "womens-association/women-vulnerable-mother-department", "recognised")
        assert page.js("id => rolegraph.edges.get({filter: e => e.j === id}).some(e => e.hl)", unrelated) is False
        assert page.js("id => rolegraph.nodes.get(id).opacity", unrelated) < 1  # the rest is dimmed
        assert page.page.inner_text("#query-title") == "Query: role-transfer"
        assert page.js("document.querySelectorAll('#query-rows .row').length") == 6
        # a row selects both sides: the claim recognised by one audience and refused by the other
        page.page.click("#query-rows .row[data-row='0']")
        row = page.js("rolegraph.data.highlight.rows[0]")
        selected = page.js("rolegraph.network.getSelection()")
        row_claims = [n for n in row["nodes"] if re.fullmatch(r"j\d+", n)]
        outcomes = {page.js("id => rolegraph.nodes.get(id).outcome", n) for n in row_claims}
        assert {"recognised", "refused"} <= outcomes
        assert set(row_claims) <= set(selected["nodes"])
        assert refused in selected["nodes"] and edge["id"] in selected["edges"]
        sides = page.js("[...document.querySelectorAll('#details-body section.side')]"
                        ".filter(s => s.offsetParent !== null).map(s => s.dataset.outcome)")
        assert sides[:2] == ["recognised", "refused"]
        panel = page.panel()
        assert "SSP (school, social services and police)" in panel  # the audience that recognises
        assert "the children-and-youth caseworkers" in panel  # the audience that refuses
        assert "advising residents about contact with the municipality" in panel
        assert "the encounter at the children-and-youth department" in panel
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(ARTIFACTS / "viz-row-both-sides-1280x720.png"))
        page.click_node(refused)
        page.wait(f"document.getElementById('details-body').textContent.includes({json.dumps(JAMEN_HOV)})")
        assert page.js("rolegraph.fitAnswer()") >= page.js("rolegraph.data.highlight.nodes.length")
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.slow
def test_legend_folds_away_and_leaves_the_graph_free(browser: Any, pages: dict[str, Any]) -> None:
    """At 1280x720 the legend covers no part of the graph, folded or open, and folds away."""
    require_tool("chromium", CHROMIUM)
    page = Page(browser, pages["plain"].path, viewport={"width": 1280, "height": 720})
    try:
        def box(sel: str) -> dict[str, float]:
            return dict(page.page.locator(sel).bounding_box())

        def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
            return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
                a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]

        graph = box("#graph")
        bar = box("#bar")
        assert graph["height"] >= 720 - bar["height"] - 2 and graph["width"] >= 1280 * 0.55
        assert page.js("document.getElementById('legend').open") is False  # folded at first
        folded = box("#legend")
        assert folded["height"] < 60 and not overlap(folded, graph)
        key = page.page.inner_text("#legend summary")
        assert "Legend" in key and "recognised" in key and "refused" in key  # colours readable folded
        page.page.screenshot(path=str(ARTIFACTS / "viz-legend-folded-1280x720.png"))
        page.page.click("#legend summary")
        assert page.js("document.getElementById('legend').open") is True
        assert page.page.is_visible("#legend-body") and "role claim" in page.page.inner_text("#legend-body")
        assert not overlap(box("#legend"), graph) and box("#graph") == graph  # the graph keeps its size
        page.page.screenshot(path=str(ARTIFACTS / "viz-legend-open-1280x720.png"))
        page.page.click("#legend summary")
        assert page.js("document.getElementById('legend').open") is False
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.slow
def test_same_label_nodes_show_their_case(browser: Any, tmp_path: Path) -> None:
    """Two cases with actors of one label: each node's drawn label names its case."""
    require_tool("chromium", CHROMIUM)
    from kg.view import write_view

    cases = tmp_path / "cases"
    cases.mkdir()
    text = (XSS_DIR / "xss-case.yaml").read_text(encoding="utf-8")
    (cases / "xss-case.yaml").write_text(text, encoding="utf-8")
    twin = text.replace("case: xss-case", "case: twin-case").replace(
        'en: "<script>alert(1)</script> case title"', 'en: "the twin case <b>bold</b>"')
    (cases / "twin-case.yaml").write_text(twin, encoding="utf-8")
    store = _build_and_reason([cases], tmp_path / "store")
    report = write_view(store, tmp_path / "twins.html")
    page = Page(browser, report.path)
    try:
        labels = page.js("rolegraph.nodes.get({filter: n => n.id.endsWith('/attacker')}).map(n => [n.id, n.label])")
        assert sorted(labels) == [["twin-case/attacker", "<script>alert(1)</script>\n(the twin case <b>bold</b>)"],
                                  ["xss-case/attacker",
                                   "<script>alert(1)</script>\n(<script>alert(1)</script> case title)"]]
        page.page.fill("#search", "attacker")  # the search list says which case, too
        hits = page.js("[...document.querySelectorAll('#search-results li')].map(li => li.textContent)")
        assert any("(the twin case <b>bold</b>)" in h for h in hits) and len(hits) == 2
        assert page.js("typeof window.__xss") == "undefined" and page.dialogs == []
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("csp", ["enforced", "bypassed"])
def test_case_text_is_never_markup(browser: Any, xss_store: Path, tmp_path: Path, csp: str) -> None:
    """Injection payloads in labels, quotes, notes, titles and locators stay text.

    With the page's CSP bypassed the escaping alone must hold."""
    require_tool("chromium", CHROMIUM)
    from kg.view import write_view

    html_path = tmp_path / "xss.html"
    write_view(xss_store, html_path)
    html = html_path.read_text(encoding="utf-8")
    for payload in PAYLOADS:
        assert payload not in html
    assert html.count("</script>") == 3
    for lang in ("en", "da"):
        if lang == "da":
            write_view(xss_store, html_path, lang="da")
        page = Page(browser, html_path, bypass_csp=csp == "bypassed")
        try:
            labels = page.js("rolegraph.nodes.get().map(n => n.label).filter(Boolean)")
            if lang == "en":
                assert {"<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                        '"><svg onload=alert(1)>', "</script><script>window.__xss=1</script>"} <= set(labels)
            else:
                assert "</script><script>window.__xss=1</script>" in labels
            # the claim's panel: payloads in quotes, notes, speaker, locators, source title
            node = _claim_node(page, "xss-case/evil-claim", "refused")
            page.click_node(node)
            page.wait("document.getElementById('details-body').textContent.includes('response note')")
            text = page.page.text_content("#details-body")
            for payload in PAYLOADS:
                assert payload in text, payload
            # the bearer's panel, and a tooltip on hover
            page.js("rolegraph.show('xss-case/attacker')")
            assert "actor note" in page.panel() and '"><svg onload=alert(1)> actor quote' in page.panel()
            page.js("id => rolegraph.network.moveTo({position: rolegraph.network.getPosition(id), scale: 1.4,"
                    " animation: false})", "xss-case/place")
            pos = page.js("id => rolegraph.domPosition(id)", "xss-case/place")
            page.page.mouse.move(pos["x"], pos["y"])
            page.wait("!!document.querySelector('div.vis-tooltip') && "
                      "document.querySelector('div.vis-tooltip').style.visibility !== 'hidden'", 5)
            tip = page.js("[document.querySelector('div.vis-tooltip').textContent,"
                          " [...document.querySelector('div.vis-tooltip').querySelectorAll('*')]"
                          ".filter(e => e.tagName !== 'BR').length]")
            assert "</script><script>window.__xss=1</script>" in tip[0] and tip[1] == 0  # text and line breaks
            page.js("rolegraph.show('xss-case/evil-role')")
            page.page.wait_for_timeout(50)
            assert page.dialogs == []
            assert page.js("typeof window.__xss") == "undefined"
            assert page.js("document.querySelectorAll('img[src=x], svg[onload], [onerror], [onload]').length") == 0
            assert page.js("document.scripts.length") == 3
            assert page.errors == []
        finally:
            page.close()


@pytest.mark.slow
def test_large_graph_opens_on_an_overview_and_expands(browser: Any, big_store: Path, tmp_path: Path) -> None:
    require_tool("chromium", CHROMIUM)
    from kg.view import DEFAULT_THRESHOLD, write_view

    report = write_view(big_store, tmp_path / "big.html")
    assert report.mode == "overview" and report.nodes > 2000 and report.initial_nodes < DEFAULT_THRESHOLD
    html = report.path.read_text(encoding="utf-8")
    assert 'type="application/json" id="rolegraph-data"' in html
    page = Page(browser, report.path)
    try:
        assert page.js("rolegraph.mode") == "overview"
        assert page.js("[rolegraph.nodes.length, rolegraph.edges.length]") == \
            [report.initial_nodes, report.initial_edges]
        assert page.js("[rolegraph.expected.fullNodes, rolegraph.expected.fullEdges]") == [report.nodes, report.edges]
        assert page.js("rolegraph.data.graph.nodes.length") == report.nodes  # the full graph is embedded
        assert page.js("rolegraph.network.physics.options.enabled") is False
        # laid out in Python: every overview node came with its position, and none moved
        assert page.js("rolegraph.settledBy") == "preset"
        placed = page.js("rolegraph.data.overview.nodes.map(n => [n.id, n.x, n.y])")
        drawn = page.js("rolegraph.network.getPositions()")
        assert all(abs(drawn[i]["x"] - x) <= 1 and abs(drawn[i]["y"] - y) <= 1 for i, x, y in placed)  # vis rounds
        assert len({(x, y) for _, x, y in placed}) == len(placed)
        context = page.js("rolegraph.nodes.get({filter: n => n.kind === 'ovcontext'})[0].id")
        before = page.js("rolegraph.nodes.length")
        page.click_node(context)
        page.wait("rolegraph.expanded.size === 1", 5)
        page.wait("rolegraph.settled", 30)
        after = page.js("rolegraph.nodes.length")
        assert after > before
        # the context's claim nodes, with their bearers and roles, are now drawn
        claims = page.js("id => rolegraph.nodes.get({filter: n => n.kind === 'claim' && n.where === id}).length",
                         context)
        assert claims == min(150, page.js(
            "id => rolegraph.data.graph.nodes.filter(n => n.kind === 'claim' && n.where === id).length", context))
        assert page.js("id => rolegraph.nodes.get(id).kind", context) == "context"
        assert page.js("rolegraph.network.physics.options.enabled") is False
        assert page.js("rolegraph.stabilizations") == 2
        assert context in page.panel() or "context" in page.panel()
        # searching for a node not drawn yet adds it with its neighbourhood
        page.page.fill("#search", "gen-0004/actor-3")
        page.page.click("#search-results li")
        page.wait("!!rolegraph.nodes.get('gen-0004/actor-3')", 5)
        page.wait("rolegraph.settled", 30)
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.slow
def test_many_cases_open_as_clusters_laid_out_in_python(browser: Any, tmp_path: Path) -> None:
    """Beyond 100 cases the overview shows clusters of cases; a click opens a cluster's cases,
    a case's contexts, a context's claims, each step without moving what was already placed."""
    require_tool("chromium", CHROMIUM)
    from kg.view import write_view

    spec = importlib.util.spec_from_file_location("viz_bench", ROOT / "bench" / "viz_bench.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    store = tmp_path / "store"
    assert bench.generate_store(store, 1210, claims_per_case=10)["cases"] == 121
    report = write_view(store, tmp_path / "clusters.html", lang="da")
    assert report.mode == "overview" and report.initial_nodes == 11  # 121 cases in clusters of 11
    page = Page(browser, report.path)
    try:
        kinds = page.js("rolegraph.nodes.get().map(n => n.kind)")
        assert set(kinds) == {"ovcluster"}
        assert page.js("rolegraph.settledBy") == "preset"
        first = page.js("rolegraph.nodes.get({filter: n => n.kind === 'ovcluster'})[0]")
        assert first["label"].startswith("11 cases: Genereret case 1 … Genereret case 11")
        placed = page.js("rolegraph.network.getPositions()")
        page.click_node(first["id"])
        page.wait("rolegraph.settled", 30)
        cases = page.js("rolegraph.nodes.get({filter: n => n.kind === 'ovcase'}).map(n => n.id)")
        assert len(cases) == 11 and "case:gen-0001" in cases
        moved = page.js("rolegraph.network.getPositions()")
        assert all(moved[i] == p for i, p in placed.items())  # the clusters stayed where Python put them
        page.click_node("case:gen-0001")
        page.wait("rolegraph.settled", 30)
        contexts = page.js("rolegraph.nodes.get({filter: n => n.kind === 'ovcontext'}).map(n => n.id)")
        assert sorted(contexts) == ["gen-0001/context-1", "gen-0001/context-2", "gen-0001/context-3"]
        assert "kontekster" in page.js("id => rolegraph.nodes.get(id).title", "case:gen-0001")
        page.click_node("gen-0001/context-1")
        page.wait("rolegraph.settled", 30)
        claims = page.js("rolegraph.nodes.get({filter: n => n.kind === 'claim' && n.where === 'gen-0001/context-1'})"
                         ".length")
        assert claims == page.js("rolegraph.data.graph.nodes.filter(n => n.kind === 'claim'"
                                 " && n.where === 'gen-0001/context-1').length") > 0
        assert page.js("rolegraph.network.physics.options.enabled") is False
        page.page.screenshot(path=str(ARTIFACTS / "viz-clusters.png"))
        assert [u for u in page.requests if not u.startswith("file://")] == [] and page.errors == []
    finally:
        page.close()


def test_package_data_installs_under_one_folder() -> None:
    """The wheel puts ontology/, queries/, rules/ and viz/ under kg/_data/, where kg.resources looks."""
    import tomllib

    from kg.resources import _DATA_DIRS

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert {v for v in included.values()} == {f"kg/_data/{k}" for k in included}
    assert set(_DATA_DIRS) <= set(included)
    assert not (ROOT / "kg" / "_data").exists()  # nothing of the checkout's own is in the way

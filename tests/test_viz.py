"""The browser view (kg/viz.py, viz/): one self-contained, offline, escaped HTML page.

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
    from kg.viz import write_view

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

def test_importing_kg_viz_does_not_import_pyvis() -> None:
    code = "import sys, kg.viz; print('pyvis' in sys.modules, 'playwright' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_json_for_script_cannot_close_the_element() -> None:
    from kg.viz import json_for_script

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
    from kg.viz import build_graph, read_model

    with open_store(shipped) as st:
        g = build_graph(read_model(st), "en")
    kinds = Counter(n["kind"] for n in g.nodes)
    assert kinds["claim"] >= 29 and kinds["mclaim"] >= 2
    assert {"person", "organisation", "group", "team", "role", "context"} <= set(kinds)
    ids = {n["id"] for n in g.nodes}
    assert all(e["from"] in ids and e["to"] in ids for e in g.edges)
    # the women's adviser claim in the department: refused by the caseworkers, with the quote
    (jid,) = [n["id"] for n in g.nodes if n.get("claim") == "womens-association/women-adviser-department"]
    d = g.details[jid]
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
    from kg.viz import Filters, build_graph, read_model

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
        d = g.details[jid]
        assert mia in (d["bearer"], *(a for r in d.get("resp", []) for a in r["by"]), *d.get("by", []),
                       d["target"])
    g = build_graph(model, "da", Filters(cases=("womens-association",)))
    labels = {n["id"]: n.get("label") for n in g.nodes}
    assert labels[WOMEN] == "den dansk-somaliske kvindeforening"
    with pytest.raises(UsageError, match="did you mean 'womens-association'"):
        build_graph(model, "en", Filters(cases=("womens-asociation",)))


def test_role_transfer_highlight_marks_the_answer(shipped: Path, pages: dict[str, Any]) -> None:
    from kg.stores import open_store
    from kg.viz import build_graph, query_highlight, read_model

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
    from kg.viz import write_view

    example = ROOT / "docs" / "examples" / "elderly-care"
    exts = find_extensions([example / "extensions"])
    store = tmp_path / "store"
    build_store(load_cases([example / "cases"], ontology=load_ontology(exts)), store, extensions=exts)
    with open_store(store, write=True) as st:
        reason(st)
    report = write_view(store, tmp_path / "care.html", query="role-transfer")
    assert report.highlighted_edges > 0 and not report.warnings
    data = _page_data(report.path)
    nodes = {n["id"]: n for n in data["graph"]["nodes"]}
    assert nodes["visiting-friends/visiting-service"]["kind"] == "organisation"
    assert data["details"]["visiting-friends/visiting-service"]["type"] == "volunteer association"
    assert nodes["visiting-friends/ward"]["kind"] == "context"
    roles = [n for n in nodes.values() if n["kind"] == "role"]
    assert "visiting friend" in {n["label"] for n in roles}
    refused = [n for n in nodes.values() if n.get("claim") == "visiting-friends/hanne-on-ward"
               and n["outcome"] == "refused"]
    assert refused and refused[0]["id"] in data["highlight"]["nodes"]


def _page_data(html: Path) -> dict[str, Any]:
    """The JSON the page embeds (its escapes are JSON escapes, so json.loads reads it)."""
    text = html.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="rolegraph-data">(.*?)</script>', text, re.DOTALL)
    assert m
    return dict(json.loads(m.group(1)))


def _cli() -> click.Group:
    from kg.cli import main

    return main


def test_cli_viz(shipped: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "view.html"
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(out), "--query", "role-transfer",
                                 "--case", "womens-association", "--lang", "da"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert f"wrote {out}" in res.output and "highlighted by 'role-transfer'" in res.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="da">' in html and "Signaturforklaring" in html
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(out), "--context", "nowhere"])
    assert res.exit_code == 2 and "no context 'nowhere'" in res.output
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(out), "--query", "role-transfr"])
    assert res.exit_code == 2 and "did you mean 'role-transfer'" in res.output
    res = runner.invoke(_cli(), ["viz", "--store", str(shipped), "--out", str(out), "--param", "x=1"])
    assert res.exit_code == 2 and "--param needs --query" in res.output
    res = runner.invoke(_cli(), ["viz", "--store", str(tmp_path / "missing"), "--out", str(out)])
    assert res.exit_code == 1 and "no store at" in res.output
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
        assert offline.js("rolegraph.nodes.length") > 50
        assert offline.js("document.querySelector('#graph canvas') !== null")
        assert offline.js("rolegraph.network.physics.options.enabled") is False
        assert offline.errors == []
    finally:
        offline.close()


@pytest.mark.slow
def test_vis_dataset_matches_python_graph(browser: Any, pages: dict[str, Any], shipped: Path) -> None:
    require_tool("chromium", CHROMIUM)
    from kg.stores import open_store
    from kg.viz import build_graph, read_model

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
def test_query_highlights_the_refused_edge(browser: Any, pages: dict[str, Any]) -> None:
    require_tool("chromium", CHROMIUM)
    page = Page(browser, pages["query"].path)
    try:
        refused = _claim_node(page, "womens-association/women-adviser-department", "refused",
                              "womens-association/department-encounter")
        recognised = _claim_node(page, "womens-association/women-co-creator", "recognised",
                                 "womens-association/ssp-partnership")
        unrelated = _claim_node(page, "womens-association/women-vulnerable-mother-department", "recognised")
        edge = page.js("([b, j]) => rolegraph.edges.get({filter: e => e.from === b && e.to === j})[0]",
                       [WOMEN, refused])
        assert edge["hl"] is True and edge["outcome"] == "refused" and edge["kind"] == "claim"
        assert edge["width"] > 3 and edge["shadow"]["enabled"] is True
        assert page.js("id => rolegraph.nodes.get(id).hl", refused) is True
        assert page.js("id => rolegraph.edges.get({filter: e => e.j === id}).every(e => e.hl)", recognised)
        assert page.js("id => rolegraph.edges.get({filter: e => e.j === id}).some(e => e.hl)", unrelated) is False
        assert page.js("id => rolegraph.nodes.get(id).opacity", unrelated) < 1  # the rest is dimmed
        assert page.page.inner_text("#query-title") == "Query: role-transfer"
        assert page.js("document.querySelectorAll('#query-rows .row').length") == 6
        # a row selects its nodes and edges, and shows the refused claim's evidence
        page.page.click("#query-rows .row[data-row='0']")
        selected = page.js("rolegraph.network.getSelection()")
        assert refused in selected["nodes"] and edge["id"] in selected["edges"]
        page.click_node(refused)
        page.wait(f"document.getElementById('details-body').textContent.includes({json.dumps(JAMEN_HOV)})")
        assert page.js("rolegraph.fitAnswer()") >= page.js("rolegraph.data.highlight.nodes.length")
        page.js("[...document.querySelectorAll('#details-body blockquote')]"
                ".find(b => b.textContent.includes('Jamen hov')).scrollIntoView({block: 'center'})")
        box = page.page.locator("#graph").bounding_box()
        page.page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)  # no tooltip
        page.page.wait_for_timeout(100)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(ARTIFACTS / "viz-shipped.png"))
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("csp", ["enforced", "bypassed"])
def test_case_text_is_never_markup(browser: Any, xss_store: Path, tmp_path: Path, csp: str) -> None:
    """Injection payloads in labels, quotes, notes, titles and locators stay text.

    With the page's CSP bypassed the escaping alone must hold."""
    require_tool("chromium", CHROMIUM)
    from kg.viz import write_view

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
    from kg.viz import DEFAULT_THRESHOLD, write_view

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
        assert page.js("rolegraph.settledBy") == "stabilizationIterationsDone"
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

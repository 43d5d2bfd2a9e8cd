"""rolegraph on remote SPARQL 1.1 stores (kg/stores/remote.py, kg/reasoning/in_store.py, `--endpoint`): build, reason,
query, explain, viz and export against the Oxigraph server and Virtuoso 7, each started
on 127.0.0.1 for this module (tests/servers.py), compared with the embedded store.

Rows are compared as sets of tuples of values (a label by its text, with its language);
the parts of a GROUP_CONCAT are sorted first, because SPARQL leaves their order open and
Virtuoso orders them differently from Oxigraph. Blank nodes are compared as blank nodes.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from .conftest import CASES, ROOT, require_tool
from .servers import oxigraph_server, virtuoso_server

pytestmark = pytest.mark.slow  # remote SPARQL servers: `make test` runs these, `pytest -m "not slow"` does not

LANGS = ("en", "da")
INFERRED = "https://w3id.org/rolegraph/graph/inferred"
RG = "https://w3id.org/rolegraph/ontology#"
EXPLANATIONS = "https://w3id.org/rolegraph/graph/explanations"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@pytest.fixture(scope="module")
def cli() -> Any:
    """The rolegraph command (--endpoint on the group and each store command)."""
    from kg.cli import main

    runner = CliRunner()

    def run(*args: str, expect: int = 0) -> Any:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    return run


def _options(endpoints: dict[str, str]) -> list[str]:
    out = ["--endpoint", endpoints["query"]]
    if endpoints.get("update"):
        out += ["--update-endpoint", endpoints["update"]]
    if endpoints.get("store"):
        out += ["--graph-store", endpoints["store"]]
    return out


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory):
    binary = require_tool("oxigraph", str(ROOT / ".venv" / "bin" / "oxigraph"))
    base = tmp_path_factory.mktemp("oxigraph")
    with oxigraph_server(base / "data", binary, log=base / "oxigraph.log") as server:
        yield server


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory):
    binary = require_tool("virtuoso-t")
    isql = require_tool("isql-vt")
    base = tmp_path_factory.mktemp("virtuoso")
    with virtuoso_server(base / "db", binary, isql, log=base / "virtuoso.log") as server:
        yield server


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest, cli: Any) -> dict[str, Any]:
    """A remote store with the shipped cases built and reasoned through the command line."""
    server = request.getfixturevalue(request.param)
    if request.param == "oxigraph":
        endpoints = {"query": server.endpoints["query"], "update": server.endpoints["update"],
                     "store": server.endpoints["store"]}
        # first with INSERT DATA (no --graph-store), then again through the Graph Store Protocol
        built = cli(*_options({**endpoints, "store": ""}), "build", str(CASES))
        assert "built http://127.0.0.1" in built.output
    else:
        endpoints = {"query": server.endpoints["sparql"], "store": server.endpoints["store"]}
    built = cli(*_options(endpoints), "build", str(CASES))
    reasoned = cli(*_options(endpoints), "reason")
    return {"name": request.param, "endpoints": endpoints, "options": _options(endpoints),
            "build": built.output, "reason": reasoned.output, "server": server}


def _config(remote: dict[str, Any]) -> Any:
    from kg.targets import config_from

    e = remote["endpoints"]
    return config_from(e["query"], e.get("update") or None, e.get("store") or None)


def _concat_vars(text: str) -> dict[str, str]:
    return {m.group(2): m.group(1) for m in re.finditer(
        r'GROUP_CONCAT\s*\(.*?separator\s*=\s*"([^"]*)"\s*\)\s*AS\s*\?(\w+)', text, re.DOTALL | re.IGNORECASE)}


def _value(term: Any) -> Any:
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "BlankNode":
        return ("bnode",)
    if kind == "Literal":  # by value: Virtuoso drops the language of a label passed through BIND(COALESCE(...))
        return ("literal", term.value)
    return (kind, term.value)


def normalised_rows(result: Any, query_text: str) -> Counter[tuple[Any, ...]]:
    concat = _concat_vars(query_text)
    rows: Counter[tuple[Any, ...]] = Counter()
    for row in result.rows:
        cells = []
        for v in result.variables:
            value = _value(row[v])
            if v in concat and value is not None:
                sep = concat[v]
                value = ("literal", sep.join(sorted(value[1].split(sep))))
            cells.append(value)
        rows[tuple(cells)] += 1
    return rows


def _named_rows(store_handle: Any, name: str, lang: str, params: dict[str, str] | None = None) -> Counter[Any]:
    from kg.query import bind_params, get_query, run_select

    q = get_query(name)
    return normalised_rows(run_select(store_handle, q, bind_params(q, params or {}, lang=lang)), q.text)


# ---- build and reason ----------------------------------------------------------------------

def test_build_loads_every_graph(remote: dict[str, Any], built_store: Path) -> None:
    from kg.stores import open_store

    def counts(st: Any) -> dict[str, int]:
        return {g.value: len(st.quads_for_pattern(None, None, None, g)) for g in st.named_graphs()
                if g.value not in (INFERRED, EXPLANATIONS) and not g.value.endswith("/meta")}

    with open_store(built_store) as st:
        local = {g.value: len(list(st.quads_for_pattern(None, None, None, g))) for g in st.named_graphs()
                 if hasattr(g, "value") and g.value.startswith("https://w3id.org/rolegraph/graph/")
                 and not g.value.endswith("/meta")}
    with open_store(_config(remote)) as st:
        assert counts(st) == local
        staging = st.select('SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } '
                            'FILTER(STRSTARTS(STR(?g), "https://w3id.org/rolegraph/staging/")) }')
        assert int(staging[0]["n"].value) == 0
    assert f"{sum(local.values())} triples" in remote["build"]


def test_reasoning_inside_the_store_matches_the_embedded_reasoner(remote: dict[str, Any], reasoned_store: Path) -> None:
    """The same inferred triples, and the interaction-order rules fired as often."""
    import pyoxigraph as ox

    from kg.stores import open_store

    def inferred(st: Any) -> Counter[tuple[Any, ...]]:
        g = ox.NamedNode(INFERRED)
        return Counter((_value(q.subject), _value(q.predicate), _value(q.object))
                       for q in st.quads_for_pattern(None, None, None, g))

    def findings(st: Any, terms: bool) -> set[tuple[str, ...]]:
        """(rule, conclusion) of every recorded derivation of an interaction-order or
        classification rule (the embedded reasoner records no axiom-rule derivations). The
        embedded store names a conclusion by a triple term, a remote one by a statement node."""
        parts = ("BIND(SUBJECT(?st) AS ?s) BIND(PREDICATE(?st) AS ?p) BIND(OBJECT(?st) AS ?o)" if terms else
                 f"?st <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o .")
        rows = st.query(f"""SELECT ?rule ?s ?p ?o WHERE {{ GRAPH <{EXPLANATIONS}> {{
            ?d <{RG}usedRule> ?rule ; <{RG}conclusion> ?st . ?rule <{RG}ruleKind> ?kind .
            {parts} FILTER(?kind != "axiom") }} }}""")
        return {(r["rule"].value, _value(r["s"]), _value(r["p"]), _value(r["o"])) for r in rows}

    with open_store(reasoned_store) as st:
        local, local_findings = inferred(st), findings(st, terms=True)
    with open_store(_config(remote)) as st:
        assert inferred(st) == local
        assert findings(st, terms=False) == local_findings  # each finding derived by the same rule
        assert local_findings
    m = re.search(r"reasoned: (\d+) triples inferred in (\d+) rounds", remote["reason"])
    assert m and int(m.group(1)) == sum(local.values())
    for rule in ("role-not-transferred 120", "observed-role-conflict 1", "team-crossing-by-membership 6"):
        assert rule in remote["reason"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_named_query_gives_the_same_rows(remote: dict[str, Any], reasoned_store: Path, lang: str) -> None:
    from kg.query import load_queries
    from kg.stores import open_store

    names = list(load_queries())
    with open_store(reasoned_store) as st:
        local = {n: _named_rows(st, n, lang) for n in names}
    with open_store(_config(remote)) as st:
        for name in names:
            got = _named_rows(st, name, lang)
            assert got == local[name], (remote["name"], name, lang)
            # the shipped cases are consistent (test_cli checks it), so `clashes` is empty here;
            # test_clashes_in_the_remote_store compares it on an inconsistent case
            assert sum(got.values()) > 0 or name == "clashes", name


def test_named_query_parameters_on_the_remote_store(remote: dict[str, Any], reasoned_store: Path) -> None:
    from kg.stores import open_store

    params = {"bearer": "womens-association/womens-association", "role": "role:ambassador"}
    with open_store(reasoned_store) as st:
        local = _named_rows(st, "role-transfer", "da", params)
    with open_store(_config(remote)) as st:
        got = _named_rows(st, "role-transfer", "da", params)
    assert got == local and 0 < sum(got.values()) < 6


def _by_value(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: (c["type"], c["value"]) for k, c in row.items()} for row in doc["results"]["bindings"]]


def test_query_command_against_the_remote_store(remote: dict[str, Any], cli: Any, reasoned_store: Path) -> None:
    out = json.loads(cli(*remote["options"], "query", "role-conflicts", "--format", "json").output)
    local = json.loads(cli("query", "role-conflicts", "--format", "json", "--store", str(reasoned_store)).output)
    assert out["head"] == local["head"] and _by_value(out) == _by_value(local)
    # the per-command form of the option works as well
    # a table (with its row count) only on a terminal or with --width; in a pipe, tab-separated rows
    table = cli("query", "role-transfer", "--lang", "da", "--width", "200", *remote["options"]).output
    assert "(6 rækker)" in table and "kvindeforening" in table


def test_sparql_command_against_the_remote_store(remote: dict[str, Any], cli: Any) -> None:
    assert cli(*remote["options"], "sparql", "ASK { ?c a rg:RoleConflict }").output.strip() == "true"
    assert cli(*remote["options"], "sparql", "ASK { ?c a rg:NoSuchClass }").output.strip() == "false"
    ttl = cli(*remote["options"], "sparql", "CONSTRUCT WHERE { ?c a rg:RoleConflict ; rg:role ?r }").output
    assert "mia-minute-taker" in ttl and "role:minute-taker" in ttl
    # a query that opens with comments SPARQLWrapper would misread (as ADD): the type is set explicitly
    text = "# Role conflicts,\n# and the audiences who add or drop the role\nSELECT ?c WHERE { ?c a rg:RoleConflict }"
    assert "mia-minute-taker" in cli(*remote["options"], "sparql", text).output


# ---- explanations, the browser view, export -------------------------------------------------------

def _canon(x: Any) -> Any:
    if isinstance(x, dict):
        return tuple(sorted((k, _canon(v)) for k, v in x.items()))
    if isinstance(x, list):
        return tuple(sorted((_canon(v) for v in x), key=repr))
    if isinstance(x, str) and x.startswith("_:"):
        return "_:"
    return x


def _explain(st: Any, name: str) -> dict[Any, list[Any]]:
    """Each row's explanation, by the row's values (tied rows may come in another order)."""
    from kg.cli.commands import explain_row
    from kg.explain import Explainer
    from kg.query import bind_params, get_query, run_select

    q = get_query(name)
    explainer = Explainer(st)
    result = run_select(st, q, bind_params(q, {}, lang="en"))
    concat = _concat_vars(q.text)
    out = {}
    for row in result.rows:
        key = tuple(sorted(str(_value(row[v])) for v in result.variables if v not in concat))
        out[key] = [asdict(s) for s in explain_row(explainer, row)]
    assert len(out) == len(result.rows)
    return out


def _rules_and_quotes(steps: Any) -> tuple[set[str], set[str]]:
    rules, quotes = set(), set()

    def walk(step: dict[str, Any]) -> None:
        if step.get("rule"):
            rules.add(step["rule"]["id"])
        quotes.update(e["quote"] or e["paraphrase"] or "" for e in step["evidence"])
        for p in step["premises"]:
            walk(p)

    for row in steps.values():
        for s in row:
            walk(s)
    return rules, quotes


@pytest.mark.parametrize("name", ["role-transfer", "role-conflicts", "team-crossings", "coproduction-type",
                                  "order-violations", "role-distance"])
def test_explanations_match_the_embedded_store(remote: dict[str, Any], reasoned_store: Path, name: str) -> None:
    """Every row is explained down to quotes and file:line. Where one conclusion has a single
    derivation the trees are identical; where several rows of a rule derive it, the store
    may record another of them, so the rules and quotes are compared."""
    from kg.stores import open_store

    with open_store(reasoned_store) as st:
        local = _explain(st, name)
    with open_store(_config(remote)) as st:
        got = _explain(st, name)
    assert got.keys() == local.keys() and all(got.values())
    if name in ("role-transfer", "role-conflicts", "team-crossings", "coproduction-type"):
        assert {k: _canon(v) for k, v in got.items()} == {k: _canon(v) for k, v in local.items()}
    else:
        def heads(x: dict[Any, Any]) -> dict[Any, Any]:
            return {k: sorted((s["subject"], s["predicate"], s["object"]) for s in v) for k, v in x.items()}
        assert heads(got) == heads(local)
        assert _rules_and_quotes(got)[0] == _rules_and_quotes(local)[0]


def test_explain_command_against_the_remote_store(remote: dict[str, Any], cli: Any) -> None:
    out = cli(*remote["options"], "explain", "--query", "role-transfer", "--row", "1").output
    assert "rule role-not-transferred" in out and "cases/womens-association.yaml:" in out and "“" in out


def test_browser_view_of_the_remote_store(remote: dict[str, Any], reasoned_store: Path, tmp_path: Path) -> None:
    from kg.view import write_view

    local = write_view(reasoned_store, tmp_path / "local.html", query="role-transfer")
    got = write_view(_config(remote), tmp_path / "remote.html", query="role-transfer")
    assert (got.nodes, got.edges, got.highlighted_nodes, got.highlighted_edges) == \
           (local.nodes, local.edges, local.highlighted_nodes, local.highlighted_edges)
    assert got.warnings == []


def test_export_of_the_remote_store_is_the_same_graph(remote: dict[str, Any], reasoned_store: Path) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from kg.stores import export_store, open_store

    with open_store(reasoned_store) as st:
        local = export_store(st, "nt", ontology=True)
    with open_store(_config(remote)) as st:
        got = export_store(st, "nt", ontology=True)
    assert isomorphic(Graph().parse(data=local, format="nt"), Graph().parse(data=got, format="nt"))


# ---- loading, failures, messages ------------------------------------------------------------------

def test_rebuild_replaces_graphs_and_a_failed_build_changes_nothing(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On an Oxigraph server of its own: a rebuild drops the graphs of the previous build
    (inferences too); a build that fails half-way leaves them, and no staging graph."""
    binary = require_tool("oxigraph", str(ROOT / ".venv" / "bin" / "oxigraph"))
    with oxigraph_server(tmp_path / "data", binary, log=tmp_path / "oxigraph.log") as oxigraph:
        config = _config({"endpoints": {"query": oxigraph.endpoints["query"],
                                        "update": oxigraph.endpoints["update"],
                                        "store": oxigraph.endpoints["store"]}})
        _rebuild_and_fail(config, monkeypatch)


def _rebuild_and_fail(config: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.cases.validate import load_cases
    from kg.errors import RemoteError, StoreError
    from kg.pipeline import build_store
    from kg.stores import open_store
    from kg.stores.remote import RemoteStore

    def graphs() -> dict[str, int]:
        with open_store(config) as st:
            return {g.value.rsplit("/", 1)[-1]: len(st.quads_for_pattern(None, None, None, g))
                    for g in st.named_graphs()}

    build_store(load_cases([CASES]), config)
    with open_store(config) as st:
        st.update(f"INSERT DATA {{ GRAPH <{INFERRED}> {{ <urn:x:a> <urn:x:b> <urn:x:c> }} }}")
    build_store(load_cases([CASES / "frontline-roles.yaml"]), config)
    one = graphs()
    assert set(one) == {"ontology", "frontline-roles", "meta"}  # old cases and inferences dropped

    calls = {"n": 0}
    real = RemoteStore.load_graph

    def failing(self: RemoteStore, graph: str, triples: list[Any]) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RemoteError("connection lost (injected)")
        return real(self, graph, triples)

    monkeypatch.setattr(RemoteStore, "load_graph", failing)
    with pytest.raises(StoreError, match="injected"):
        build_store(load_cases([CASES]), config)
    monkeypatch.undo()
    assert graphs() == one
    with open_store(config) as st:
        left = st.select('SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } '
                         'FILTER(STRSTARTS(STR(?g), "https://w3id.org/rolegraph/staging/")) }')
        assert int(left[0]["n"].value) == 0


def test_messages_for_wrong_settings(cli: Any, oxigraph: Any) -> None:
    out = cli("--endpoint", "http://127.0.0.1:9/sparql", "query", "role-conflicts", expect=1).output
    assert "cannot reach the SPARQL store at http://127.0.0.1:9/sparql" in out
    # Oxigraph takes updates at /update: without --update-endpoint the first update fails, with a hint
    out = cli("--endpoint", oxigraph.endpoints["query"], "reason", expect=1).output
    assert "--update-endpoint" in out
    out = cli("--graph-store", oxigraph.endpoints["store"], "build", str(CASES), expect=2).output
    assert "need --endpoint" in out
    out = cli("--endpoint", "ftp://example.org/sparql", "query", "role-conflicts", expect=2).output
    assert "http(s) URL" in out
    out = cli("--endpoint", oxigraph.endpoints["query"], "serve", expect=2).output
    assert "local store" in out


def test_statement_iris_minted_in_the_store(oxigraph: Any) -> None:
    """The SPARQL expression that mints statement IRIs inside the store agrees with
    kg.reasoning.statement_iri; for a literal that N-Triples must escape it cannot (stores
    disagree on backslashes in REPLACE), and explain then finds the statement by what it says."""
    import pyoxigraph as ox
    from rdflib import Variable

    from kg.explain import Explainer
    from kg.reasoning import statement_iri
    from kg.reasoning.in_store import _statement_expr
    from kg.stores import open_store
    from kg.vocab import RG

    config = _config({"endpoints": {"query": oxigraph.endpoints["query"], "update": oxigraph.endpoints["update"]}})
    graph = ox.NamedNode("https://w3id.org/rolegraph/graph/case/zz-terms")
    exact = [ox.NamedNode("https://example.org/x"), ox.Literal("plain"), ox.Literal("dansk", language="da-DK"),
             ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
             ox.BlankNode("b0123")]
    special = ox.Literal('quo"te \\ back\nline\ttab')
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    expr = _statement_expr((Variable("s"), Variable("p"), Variable("o")))
    exp = ox.NamedNode(EXPLANATIONS)
    deriv = ox.NamedNode("https://w3id.org/rolegraph/derivation/zz-test")
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    with open_store(config) as st:
        try:
            st.extend([ox.Quad(s, p, o, graph) for o in [*exact, special]])
            rows = st.select(f"SELECT ?o ?st WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} BIND({expr} AS ?st) }}")
            assert len(rows) == len(exact) + 1
            for row in rows:
                if row["o"] != special:
                    assert row["st"] == statement_iri(ox.Triple(s, p, row["o"])), row["o"]
            # the special literal: record a derivation as the remote reasoner does, then explain finds it
            st.update(f"INSERT {{ GRAPH <{EXPLANATIONS}> {{ <{deriv.value}> <{RG.conclusion}> ?st . "
                      f"?st <{rdf}subject> ?s ; <{rdf}predicate> ?p ; <{rdf}object> ?o }} }} "
                      f"WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(?o, \"quo\")) }} "
                      f"BIND({expr} AS ?st) }}")
            assert Explainer(st).derivation_of(ox.Triple(s, p, special)) == deriv
        finally:
            st.remove_graph(graph)
            for q in st.quads_for_pattern(deriv, None, None, exp):
                st.remove(q)
            st.update(f"DELETE {{ GRAPH <{EXPLANATIONS}> {{ ?st ?x ?y }} }} WHERE {{ GRAPH <{EXPLANATIONS}> "
                      f"{{ ?st <{rdf}subject> <{s.value}> ; ?x ?y }} }}")


@pytest.mark.parametrize("server_name", ["oxigraph", "virtuoso"])
def test_clashes_in_the_remote_store(server_name: str, cli: Any, tmp_path: Path) -> None:
    """An inconsistent case on a fresh server: the clash rules run there (Virtuoso once
    rejected them), reason exits 1, and the `clashes` query and the clash's explanation
    agree with the embedded store."""
    from kg.explain import Explainer
    from kg.stores import open_store

    clash = ROOT / "tests" / "data" / "inconsistent" / "person-and-organisation-quoted.ttl"
    local_store = tmp_path / "store"
    cli("build", str(CASES), str(clash), "--store", str(local_store))
    cli("reason", "--store", str(local_store), expect=1)
    if server_name == "oxigraph":
        binary = require_tool("oxigraph", str(ROOT / ".venv" / "bin" / "oxigraph"))
        server_cm = oxigraph_server(tmp_path / "data", binary, log=tmp_path / "oxigraph.log")
    else:
        server_cm = virtuoso_server(tmp_path / "db", require_tool("virtuoso-t"), require_tool("isql-vt"),
                                    log=tmp_path / "virtuoso.log")
    with server_cm as server:
        e = server.endpoints
        endpoints = ({"query": e["query"], "update": e["update"], "store": e["store"]} if server_name == "oxigraph"
                     else {"query": e["sparql"], "store": e["store"]})
        cli(*_options(endpoints), "build", str(CASES), str(clash))
        reasoned = cli(*_options(endpoints), "reason", expect=1)
        assert "cax-dw" in reasoned.output
        with open_store(local_store) as st:
            local = {lang: _named_rows(st, "clashes", lang) for lang in LANGS}
            local_steps = _canon([asdict(s) for s in Explainer(st).explain_node(_only_clash(st))])
        with open_store(_config({"endpoints": endpoints})) as st:
            for lang in LANGS:
                assert _named_rows(st, "clashes", lang) == local[lang] and sum(local[lang].values()) == 1
            got_steps = _canon([asdict(s) for s in Explainer(st).explain_node(_only_clash(st))])
        assert got_steps == local_steps and "rule" in repr(got_steps)


def _only_clash(st: Any) -> str:
    rows = list(st.query("SELECT DISTINCT ?c WHERE { GRAPH ?g { ?c a <https://w3id.org/rolegraph/ontology#Clash> } }"))
    assert len(rows) == 1
    return str(rows[0]["c"].value)

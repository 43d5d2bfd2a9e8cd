"""`rolegraph serve` (kg/server/): the SPARQL 1.1 Protocol endpoint, the named queries, the
query page and the error shape, against real servers started on 127.0.0.1 for this module
(tests/servers.py) and queried with SPARQLWrapper, urllib and a browser."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .conftest import CASES, ROOT, require_tool
from .servers import rolegraph_serve

pytestmark = pytest.mark.slow  # every test here starts a server (tests/test_server_units.py: the rest)
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS_DIR = ROOT / "tests" / "data" / "xss"
TOKEN = "test-token-0123456789-abcdefghij"
CONFLICTS = "SELECT ?claim ?role WHERE { ?claim a rg:RoleConflict ; rg:role ?role }"
MIA = "https://w3id.org/rolegraph/case/future-workshop/mia-minute-taker"
# Two leading comment lines: SPARQLWrapper's regular expression skips only the first and
# then finds "add" in the second, so it would send this SELECT as an update (ADD).
FOOLING = "# Role conflicts in one context,\n# and the audiences who add or drop the role\n" + CONFLICTS
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# ---- helpers -----------------------------------------------------------------------------

def http(method: str, url: str, data: bytes | str | dict[str, str] | None = None,
         headers: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a request; HTTP errors are answers, not exceptions."""
    if isinstance(data, dict):
        data = urllib.parse.urlencode(data)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    if isinstance(data, str):
        data = data.encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def assert_error(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict[str, Any]:
    """The one error shape: {"error": {"status", "message", "hint"}} with the HTTP status."""
    assert status == expected, body[:500]
    assert headers.get("content-type", "").startswith("application/json"), headers
    doc = json.loads(body)
    assert set(doc) == {"error"}
    err = doc["error"]
    assert set(err) == {"status", "message", "hint"}
    assert err["status"] == expected and isinstance(err["message"], str) and err["message"]
    assert isinstance(err["hint"], str)
    return err  # type: ignore[no-any-return]


def rows_of(body: bytes, fmt: str = "json") -> list[tuple[Any, ...]]:
    """Result rows as sorted tuples of N-Triples terms, parsed by pyoxigraph."""
    import pyoxigraph as ox

    fmts = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}
    sols = ox.parse_query_results(body, format=fmts[fmt])
    names = [v.value for v in sols.variables]
    return sorted(tuple(str(s[n]) if s[n] is not None else "" for n in names) for s in sols)


def embedded_rows(store: Path, text: str, *, inference: bool = True) -> list[tuple[Any, ...]]:
    import pyoxigraph as ox

    from kg.query import PREFIXES
    from kg.stores import open_store
    from kg.stores.layout import asserted_graphs, derived_graphs

    with open_store(store) as st:
        graphs = asserted_graphs(st) + (derived_graphs(st) if inference else [])
        sols = st.query(text, default_graph=graphs, prefixes=PREFIXES)
        assert isinstance(sols, ox.QuerySolutions)
        names = [v.value for v in sols.variables]
        return sorted(tuple(str(s[n]) if s[n] is not None else "" for n in names) for s in sols)


@pytest.fixture(scope="module")
def store(reasoned_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the reasoned shipped cases (the update test writes to its own copy)."""
    path = tmp_path_factory.mktemp("serve") / "store"
    shutil.copytree(reasoned_store, path)
    return path


@pytest.fixture(scope="module")
def server(store: Path, tmp_path_factory: pytest.TempPathFactory):
    logs = tmp_path_factory.mktemp("serve-logs")
    with rolegraph_serve(store, "--timeout", "20", log=logs / "serve.log") as s:
        yield s


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory):
    """A second server with a 1 s timeout, 5 rows at most, one worker, over a store of one
    case that is not reasoned (the store-change test rebuilds and reasons it)."""
    from kg.cases.validate import load_cases
    from kg.pipeline import build_store

    base = tmp_path_factory.mktemp("serve-limited")
    path = base / "store"
    build_store(load_cases([CASES / "frontline-roles.yaml"]), path)
    with rolegraph_serve(path, "--timeout", "1", "--max-rows", "5", "--workers", "1",
                         log=base / "serve.log") as s:
        s.endpoints["store"] = str(path)
        yield s


@pytest.fixture(scope="module")
def writable(store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A third server, with updates allowed behind a token, over its own copy of the store."""
    base = tmp_path_factory.mktemp("serve-update")
    path = base / "store"
    shutil.copytree(store, path)
    token_file = base / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    with rolegraph_serve(path, "--allow-update", "--token-file", str(token_file), log=base / "serve.log") as s:
        yield s


# ---- SPARQLWrapper and the README example -------------------------------------------------

@pytest.mark.slow
def test_sparqlwrapper_select_with_a_leading_comment(server: Any) -> None:
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    s = SPARQLWrapper(server.endpoints["sparql"])
    s.setQuery(FOOLING)
    s.queryType = "SELECT"  # set explicitly: SPARQLWrapper's guess says ADD here
    s.setReturnFormat(JSON)
    s.setMethod(POST)
    result = s.queryAndConvert()
    assert result["head"]["vars"] == ["claim", "role"]
    assert [b["claim"]["value"] for b in result["results"]["bindings"]] == [MIA]


@pytest.mark.slow
def test_sparqlwrapper_misguessed_type_gets_a_clear_error(server: Any) -> None:
    """Without the explicit type SPARQLWrapper posts the SELECT as an update; the answer says why."""
    import warnings

    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    s = SPARQLWrapper(server.endpoints["sparql"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.setQuery(FOOLING)
    assert s.queryType == "ADD"
    s.setReturnFormat(JSON)
    s.setMethod(POST)
    with pytest.raises(urllib.error.HTTPError) as info:
        s.queryAndConvert()
    assert info.value.code == 403
    err = json.loads(info.value.read())["error"]
    assert "updates are disabled" in err["message"]
    assert "queryType" in err["hint"] and "comment" in err["hint"]


def _readme_snippets() -> list[tuple[str, str]]:
    """The Python examples that talk to `rolegraph serve`, from README.md and docs/bigger-stores.md."""
    out = []
    for doc in (ROOT / "README.md", ROOT / "docs" / "bigger-stores.md"):
        if not doc.exists():
            continue
        for block in re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL):
            if 'SPARQLWrapper("http://127.0.0.1:7878/sparql")' in block:
                out.append((doc.name, block))
    return out


@pytest.mark.slow
def test_readme_example_runs_against_a_live_server(server: Any) -> None:
    """The SPARQLWrapper example of the documentation, run as written (port aside)."""
    snippets = _readme_snippets()
    assert any(name == "bigger-stores.md" for name, _ in snippets), "docs/bigger-stores.md lost its example"
    port = urllib.parse.urlsplit(server.url).port
    for name, code in snippets:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code.replace("127.0.0.1:7878", f"127.0.0.1:{port}"), name, "exec"), {})  # noqa: S102 - the documentation's own example, run as written
        printed = out.getvalue()
        assert "mia-minute-taker" in printed, (name, printed[:500])


# ---- the protocol -----------------------------------------------------------------------------

@pytest.mark.slow
def test_get_post_form_and_direct_post_agree(server: Any, store: Path) -> None:
    url = server.endpoints["sparql"]
    expected = embedded_rows(store, CONFLICTS)
    assert expected
    got_get = http("GET", url + "?" + urllib.parse.urlencode({"query": CONFLICTS}))
    got_form = http("POST", url, {"query": CONFLICTS})
    got_direct = http("POST", url, CONFLICTS, {"Content-Type": "application/sparql-query"})
    for status, headers, body in (got_get, got_form, got_direct):
        assert status == 200, body
        assert headers["content-type"].startswith("application/sparql-results+json")
        assert rows_of(body) == expected


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", "json"), ("application/json", "json"),
    ("application/sparql-results+xml", "xml"), ("text/csv", "csv"), ("text/tab-separated-values", "tsv"),
])
@pytest.mark.slow
def test_select_result_formats(server: Any, store: Path, accept: str, fmt: str) -> None:
    text = "SELECT ?claim ?label WHERE { ?claim a rg:RoleClaim ; rg:bearer/rdfs:label ?label FILTER(LANG(?label) = 'da') }"
    expected = embedded_rows(store, text)
    by_accept = http("POST", server.endpoints["sparql"], {"query": text}, {"Accept": accept})
    by_param = http("POST", server.endpoints["sparql"], {"query": text, "format": fmt}, {"Accept": "*/*"})
    for status, headers, body in (by_accept, by_param):
        assert status == 200, body
        assert headers["content-type"].split(";")[0] == {"json": "application/sparql-results+json",
                                                          "xml": "application/sparql-results+xml",
                                                          "csv": "text/csv", "tsv": "text/tab-separated-values"}[fmt]
        if fmt == "csv":
            table = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            assert table[0] == ["claim", "label"]
            values = sorted((r[0], r[1]) for r in table[1:])
            assert values == sorted((c.strip("<>"), json.loads(lbl.split("@")[0])) for c, lbl in expected)
        else:
            assert rows_of(body, fmt) == expected


@pytest.mark.parametrize("accept,fmt,rdf", [
    ("text/turtle", "turtle", "TURTLE"), ("application/ld+json", "jsonld", "JSON_LD"),
    ("application/n-triples", "ntriples", "N_TRIPLES"), ("application/rdf+xml", "rdfxml", "RDF_XML"),
])
@pytest.mark.slow
def test_construct_by_content_negotiation(server: Any, accept: str, fmt: str, rdf: str) -> None:
    import pyoxigraph as ox

    text = "CONSTRUCT { ?claim a rg:RoleConflict ; rg:role ?role } WHERE { ?claim a rg:RoleConflict ; rg:role ?role }"
    for extra, headers in (({}, {"Accept": accept}), ({"format": fmt}, {})):
        status, _, body = http("POST", server.endpoints["sparql"], {"query": text, **extra}, headers)
        assert status == 200, body
        triples = {ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(body, format=getattr(ox.RdfFormat, rdf))}
        assert ox.Triple(ox.NamedNode(MIA), ox.NamedNode("https://w3id.org/rolegraph/ontology#role"),
                         ox.NamedNode("https://w3id.org/rolegraph/role/minute-taker")) in triples
        assert len(triples) == 2


@pytest.mark.slow
def test_construct_and_ask_with_sparqlwrapper(server: Any) -> None:
    import warnings

    from SPARQLWrapper import JSON, JSONLD, POST, TURTLE, XML, SPARQLWrapper

    s = SPARQLWrapper(server.endpoints["sparql"])
    s.setMethod(POST)
    s.setQuery(f"DESCRIBE <{MIA}>")
    s.queryType = "DESCRIBE"
    s.setReturnFormat(TURTLE)
    assert b"minute-taker" in s.queryAndConvert()
    s.setReturnFormat(JSONLD)
    with warnings.catch_warnings():  # SPARQLWrapper parses JSON-LD into rdflib's deprecated ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = s.queryAndConvert()
    assert len(graph) > 5
    s.setQuery("ASK { ?c a rg:RoleConflict }")
    s.queryType = "ASK"
    s.setReturnFormat(JSON)
    assert s.queryAndConvert() == {"head": {}, "boolean": True}
    s.setReturnFormat(XML)
    assert "true" in s.queryAndConvert().toxml()


@pytest.mark.slow
def test_dataset_in_the_request(server: Any, store: Path) -> None:
    url = server.endpoints["sparql"]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    one = "https://w3id.org/rolegraph/graph/case/frontline-roles"

    def n(params: dict[str, Any]) -> int:
        status, _, body = http("GET", url + "?" + urllib.parse.urlencode(params, doseq=True))
        assert status == 200, body
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    everything = n({"query": count})
    asserted = n({"query": count, "inference": "false"})
    only_one = n({"query": count, "default-graph-uri": one})
    from_clause = n({"query": f"SELECT (COUNT(*) AS ?n) FROM <{one}> WHERE {{ ?s ?p ?o }}"})
    assert everything > asserted > only_one == from_clause > 0
    named = n({"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": one})
    assert named == only_one
    status, headers, body = http("GET", url + "?" + urllib.parse.urlencode({"query": count, "default-graph-uri": "not an iri"}))
    assert_error(status, headers, body, 400)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?a ?b ?c FILTER(?a<?b)SERVICE<http://127.0.0.1:9/sparql>{ ?s ?p ?o } }",
    "# SERVICE is mentioned here\nSELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?p \"a\\u0022\" SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
])
@pytest.mark.slow
def test_service_is_refused(server: Any, text: str) -> None:
    err = assert_error(*http("POST", server.endpoints["sparql"], {"query": text}), 400)
    assert "SERVICE" in err["message"]


@pytest.mark.parametrize("text", [
    "SELECT ?service WHERE { ?service a rg:RoleClaim } LIMIT 1",
    "SELECT * WHERE { ?s rdfs:label \"SERVICE and LOAD\" } # SERVICE <http://x/> {}",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "SELECT * WHERE { ?s ?p \"x\"@service }",
])
@pytest.mark.slow
def test_lookalikes_of_service_are_not_refused(server: Any, text: str) -> None:
    status, _, body = http("POST", server.endpoints["sparql"], {"query": text})
    assert status == 200, body


@pytest.mark.slow
def test_updates_are_refused_by_default(server: Any) -> None:
    insert = "INSERT DATA { GRAPH <https://w3id.org/rolegraph/graph/case/x> { <urn:a> <urn:b> <urn:c> } }"
    for data, headers in (({"update": insert}, {}), (insert, {"Content-Type": "application/sparql-update"})):
        err = assert_error(*http("POST", server.endpoints["sparql"], data, {**headers, "Authorization": "Bearer x"}), 403)
        assert "--allow-update" in err["hint"]
    assert_error(*http("GET", server.endpoints["sparql"] + "?" + urllib.parse.urlencode({"update": insert})), 405)


@pytest.mark.slow
def test_updates_with_a_token(writable: Any) -> None:
    url = writable.endpoints["sparql"]
    graph = "https://w3id.org/rolegraph/graph/case/frontline-roles"
    insert = f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:new> rdfs:label "added by an update" }} }}'
    err = assert_error(*http("POST", url, {"update": insert}), 401)
    assert "Bearer" in err["hint"]
    status, headers, body = http("POST", url, {"update": insert}, {"Authorization": "Bearer wrong-token-0000000000"})
    assert_error(status, headers, body, 401)
    assert "invalid_token" in headers.get("www-authenticate", "")
    refused = assert_error(*http("POST", url, {"update": "LOAD <http://127.0.0.1:9/x.ttl>"},
                                 {"Authorization": f"Bearer {TOKEN}"}), 400)
    assert "LOAD" in refused["message"]
    status, _, body = http("POST", url, insert, {"Authorization": f"Bearer {TOKEN}",
                                                 "Content-Type": "application/sparql-update",
                                                 "Accept-Language": "da"})
    assert status == 200 and json.loads(body) == {"status": "ok", "message": "opdateringen er udført"}, body
    # the readers reopen the store when it changes: the new statement is visible at once
    ask = "ASK { <urn:x:new> rdfs:label \"added by an update\" }"
    status, _, body = http("POST", url, {"query": ask})
    assert json.loads(body) == {"head": {}, "boolean": True}
    from SPARQLWrapper import POST, SPARQLWrapper

    s = SPARQLWrapper(url)  # SPARQLWrapper as an update client: POST, form-encoded, bearer token
    s.setMethod(POST)
    s.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    s.setQuery(f"DELETE DATA {{ GRAPH <{graph}> {{ <urn:x:new> rdfs:label \"added by an update\" }} }}")
    s.query()
    status, _, body = http("POST", url, {"query": ask})
    assert json.loads(body)["boolean"] is False


@pytest.mark.slow
def test_timeout_stops_the_query_and_the_server_goes_on(limited: Any) -> None:
    url = limited.endpoints["sparql"]
    start = time.monotonic()
    err = assert_error(*http("POST", url, {"query": SLOW}), 503)
    assert time.monotonic() - start < 10
    assert "1 s" in err["message"] and "--timeout" in err["hint"]
    status, _, body = http("POST", url, {"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert status == 200, body


@pytest.mark.slow
def test_result_size_limit(limited: Any) -> None:
    url = limited.endpoints["sparql"]
    err = assert_error(*http("POST", url, {"query": "SELECT * WHERE { ?s ?p ?o }"}), 422)
    assert "more than 5 rows" in err["message"] and "LIMIT" in err["hint"]
    err = assert_error(*http("POST", url, {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}), 422)
    assert "triples" in err["message"]
    status, _, body = http("POST", url, {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5


# ---- the named queries ------------------------------------------------------------------------

@pytest.mark.slow
def test_named_queries_listed(server: Any) -> None:
    from kg.query import load_queries

    status, _, body = http("GET", server.endpoints["queries"])
    assert status == 200
    listed = {q["name"]: q for q in json.loads(body)["queries"]}
    assert set(listed) == set(load_queries())
    assert listed["role-transfer"]["url"] == "/queries/role-transfer"
    assert {p["name"] for p in listed["role-transfer"]["params"]} >= {"bearer", "role", "lang"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "da"])
def test_every_named_query_matches_the_embedded_store(server: Any, store: Path, lang: str) -> None:
    from kg.query import bind_params, load_queries, run_select, to_json
    from kg.stores import open_store

    for name, q in load_queries().items():
        with open_store(store) as st:
            expected = rows_of(to_json(run_select(st, q, bind_params(q, {}, lang=lang))).encode())
        status, _, body = http("GET", f"{server.url}queries/{name}?lang={lang}&format=json")
        assert status == 200, (name, body[:300])
        assert rows_of(body) == expected, name


@pytest.mark.slow
def test_named_query_parameters_and_formats(server: Any, store: Path) -> None:
    base = f"{server.url}queries/role-transfer"
    women = "womens-association/womens-association"
    status, _, body = http("GET", f"{base}?bearer={urllib.parse.quote(women)}&role=role:ambassador")
    assert status == 200
    rows = json.loads(body)["results"]["bindings"]
    assert rows and all(r["role"]["value"].endswith("/role/ambassador") for r in rows)
    for fmt, ctype in (("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                       ("xml", "application/sparql-results+xml")):
        status, headers, body = http("GET", f"{base}?format={fmt}")
        assert status == 200 and headers["content-type"].startswith(ctype)
    status, headers, body = http("GET", base, headers={"Accept": "text/csv"})
    assert headers["content-type"].startswith("text/csv")
    status, _, body = http("GET", f"{base}?inference=false")
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    err = assert_error(*http("GET", f"{base}?colour=red"), 400)
    assert "no parameter 'colour'" in err["message"] and "bearer" in err["hint"]
    assert_error(*http("GET", f"{base}?lang=fr"), 400)
    assert_error(*http("GET", f"{base}?bearer=a&bearer=b"), 400)
    assert_error(*http("GET", f"{base}?bearer=%3Cnot%20an%20iri%3E"), 400)
    err = assert_error(*http("GET", f"{server.url}queries/role-transfers"), 404)
    assert "role-transfer" in err["hint"]


@pytest.mark.slow
def test_store_changes_are_picked_up_without_a_restart(limited: Any, tmp_path: Path) -> None:
    """Not reasoned: a query that needs reasoning says so (409); `rolegraph build` and
    `rolegraph reason` on the served store show up at the next request."""
    store = limited.endpoints["store"]
    err = assert_error(*http("GET", f"{limited.url}queries/role-conflicts"), 409)
    assert "rolegraph reason" in err["hint"]
    status, _, body = http("GET", f"{limited.url}queries/role-conflicts?inference=false")
    assert status == 200
    before = json.loads(http("GET", limited.url + "health")[2])["graphs"]
    cli = [sys.executable, "-m", "kg.cli"]
    subprocess.run([*cli, "build", "--store", store, str(CASES / "frontline-roles.yaml"),
                    str(CASES / "future-workshop.yaml")], check=True, capture_output=True, timeout=120)
    after = json.loads(http("GET", limited.url + "health")[2])["graphs"]
    assert len(after) == len(before) + 1
    subprocess.run([*cli, "reason", "--store", store], check=True, capture_output=True, timeout=300)
    status, _, body = http("GET", f"{limited.url}queries/role-conflicts")
    assert status == 200, body
    assert [b["claim"]["value"] for b in json.loads(body)["results"]["bindings"]] == [MIA]


# ---- one error shape, every route ----------------------------------------------------------------

@pytest.mark.slow
def test_one_error_shape_on_every_route(server: Any) -> None:
    url = server.url
    sparql = server.endpoints["sparql"]
    cases: list[tuple[str, str, Any, dict[str, str], int]] = [
        ("GET", url + "nothing-here", None, {}, 404),
        ("POST", url, {"x": "1"}, {}, 405),
        ("DELETE", url + "queries", b"", {}, 405),
        ("POST", url + "queries/role-transfer", {"x": "1"}, {}, 405),
        ("POST", url + "viz", {"x": "1"}, {}, 405),
        ("POST", url + "health", {"x": "1"}, {}, 405),
        ("POST", url + "assets/query.js", {"x": "1"}, {}, 405),
        ("GET", url + "assets/no-such-file.js", None, {}, 404),
        ("PUT", sparql, b"x", {"Content-Type": "text/plain"}, 405),
        ("POST", sparql, {"x": "1"}, {}, 400),
        ("GET", sparql, None, {"Accept": "image/png"}, 406),
        ("POST", sparql, b"ASK {}", {"Content-Type": "application/sparql-query; charset=UTF-16"}, 415),
        ("POST", sparql, b"ASK {\xff}", {"Content-Type": "application/sparql-query"}, 400),
        ("POST", sparql, {"query": "ASK {}"}, {"Origin": "http://evil.example"}, 403),
        ("OPTIONS", sparql, None, {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}, 403),
        ("GET", url + "?lang=da", None, {"Host": "evil.example"}, 403),
        ("GET", sparql + "?query=SELEKT%20nothing", None, {}, 400),
        ("GET", sparql + "?query=SELECT%20*%20WHERE%20%7B%7D&format=pdf", None, {}, 400),
        ("GET", sparql + "?query=SELECT%20*%20WHERE%20%7B%7D", None, {"Accept": "image/png"}, 406),
        ("GET", sparql + "?query=ASK%20%7B%7D", None, {"Accept": "text/csv"}, 406),
        ("POST", sparql, "query=x", {"Content-Type": "text/plain"}, 415),
        ("POST", sparql, {"query": "SELECT * {}", "update": "CLEAR ALL"}, {}, 400),
        ("POST", sparql, {"query": "CLEAR ALL"}, {}, 400),
        ("GET", url + "queries/no-such-query", None, {}, 404),
        ("GET", url + "queries/role-transfer?inference=maybe", None, {}, 400),
        ("GET", url + "health", None, {"Host": "evil.example:80"}, 403),
        ("GET", url + "queries", None, {"Host": "rebind.example"}, 403),
    ]
    for method, target, data, headers, expected in cases:
        status, h, body = http(method, target, data, headers)
        assert_error(status, h, body, expected)
    status, h, body = http("GET", url + "viz?query=role-transfer&lang=da")
    assert status == 200 and h["content-type"].startswith("text/html")
    assert "ambassadør for kommunen" in body.decode("utf-8") and "https://cdn" not in body.decode("utf-8")
    assert_error(*http("GET", url + "viz?colour=red"), 400)


def _raw(url: str, payload: bytes) -> tuple[int, dict[str, Any]]:
    """Send bytes, read the answer to the end. http.server answers a request line it cannot
    parse as HTTP/0.9 would: the body alone, without a status line."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(payload)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    if data.startswith(b"HTTP/"):
        head, _, body = data.partition(b"\r\n\r\n")
        doc = json.loads(body)
        assert int(head.split(b" ", 2)[1]) == doc["error"]["status"]
    else:
        doc = json.loads(data)
    return int(doc["error"]["status"]), doc


@pytest.mark.slow
def test_protocol_level_errors_are_json_too(server: Any) -> None:
    """Errors http.server raises itself (a garbled request line, an unknown method, a body
    too large) come in the same shape."""
    host = urllib.parse.urlsplit(server.url).netloc.encode()
    for payload, expected in (
        (b"GARBAGE\r\n\r\n", 400),
        (b"TRACE / HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n", 501),
        (b"POST /sparql HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/sparql-query\r\n"
         b"Content-Length: 99999999\r\nConnection: close\r\n\r\n", 413),
    ):
        status, doc = _raw(server.url, payload)
        assert status == expected and doc["error"]["status"] == expected, doc


# ---- the query page ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_query_page_is_offline_and_lists_the_named_queries(server: Any) -> None:
    from kg.query import load_queries

    status, headers, body = http("GET", server.url)
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode("utf-8")
    assert 'id="yasgui"' in page and "/assets/yasgui/yasgui.min.js" in page
    for name in load_queries():
        assert f'data-name="{name}"' in page
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    for path in ("", "assets/query.js", "assets/query.css"):
        text = http("GET", server.url + path)[2].decode("utf-8")
        # the page's configuration block is data (the predefined prefixes), not something loaded
        text = re.sub(r'<script type="application/json" id="config">.*?</script>', "", text, flags=re.DOTALL)
        assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE), path
        assert not re.search(r"url\(|@import|https?://", text), path
    js = http("GET", server.url + "assets/query.js")[2].decode("utf-8")
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "eval(" not in js
    assert "textContent" in js
    status, headers, _ = http("GET", server.url + "assets/yasgui/yasgui.min.js")
    assert status == 200 and headers["content-type"].startswith(("text/javascript", "application/javascript"))


def test_query_page_words_in_english_and_danish(server: Any) -> None:
    import json as _json

    from kg.server.pages import words

    table = words()
    assert set(table) == {"en", "da"} and set(table["en"]) == set(table["da"])
    english = http("GET", server.url + "?lang=en")[2].decode("utf-8")
    danish = http("GET", server.url + "?lang=da")[2].decode("utf-8")
    assert '<html lang="da">' in danish and table["da"]["named"] in danish and table["en"]["named"] not in danish
    assert table["en"]["named"] in english
    by_header = http("GET", server.url, headers={"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"})[2].decode("utf-8")
    assert table["da"]["named"] in by_header
    config = _json.loads(re.search(r'<script type="application/json" id="config">(.*?)</script>', danish, re.DOTALL)
                         .group(1))  # type: ignore[union-attr]
    from kg.iris import PREFIXES

    assert config["prefixes"] == PREFIXES and config["lang"] == "da"


@pytest.mark.slow
def test_query_page_shows_each_querys_description_in_its_language(server: Any) -> None:
    from markupsafe import escape  # as the page's templates escape

    from kg.query import load_queries

    q = load_queries()["role-transfer"]
    danish = http("GET", server.url + "?lang=da")[2].decode("utf-8")
    english = http("GET", server.url + "?lang=en")[2].decode("utf-8")
    assert str(escape(q.description_in("da"))) in danish and str(escape(q.description)) in english
    listed = {d["name"]: d for d in json.loads(http("GET", server.endpoints["queries"])[2])["queries"]}
    assert listed["role-transfer"]["descriptions"] == {"en": q.description, "da": q.description_in("da")}


@pytest.mark.slow
def test_error_answers_speak_the_requests_language(server: Any) -> None:
    """English by default; Danish when Accept-Language (or ?lang=) prefers it; the keys stay English."""
    plain = assert_error(*http("GET", server.endpoints["queries"] + "/role-transfe"), 404)
    assert plain["message"] == "no query named 'role-transfe'"
    assert plain["hint"] == "did you mean 'role-transfer'? GET /queries lists them"
    da = {"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"}
    err = assert_error(*http("GET", server.endpoints["queries"] + "/role-transfe", headers=da), 404)
    assert err["message"] == "ingen forespørgsel hedder 'role-transfe'"
    assert err["hint"] == "mente du 'role-transfer'? GET /queries viser dem"
    # an error made in a query worker (another process) and one made by the router
    err = assert_error(*http("GET", server.endpoints["sparql"] + "?" + urllib.parse.urlencode(
        {"query": "SELECT * WHERE { ?s ?p }"}), headers=da), 400)
    assert err["message"].startswith("forespørgslen kan ikke fortolkes: ") and "præfikserne" in err["hint"]
    err = assert_error(*http("GET", server.url + "nowhere", headers=da), 404)
    assert err["message"] == "intet på /nowhere" and err["hint"].startswith("stierne er /")
    err = assert_error(*http("GET", server.url + "nowhere?lang=da"), 404)
    assert err["message"] == "intet på /nowhere"
    err = assert_error(*http("GET", server.url + "nowhere", headers={"Accept-Language": "en-GB,da;q=0.5"}), 404)
    assert err["message"] == "nothing at /nowhere"


@pytest.fixture(scope="module")
def danish(store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A server started with --lang da."""
    logs = tmp_path_factory.mktemp("serve-da")
    with rolegraph_serve(store, "--lang", "da", log=logs / "serve.log") as s:
        yield s


@pytest.mark.slow
def test_a_server_started_in_danish_answers_errors_in_danish(danish: Any) -> None:
    assert "SPARQL-endepunkt" in danish.logs()  # it announces itself in Danish too
    err = assert_error(*http("GET", danish.endpoints["queries"] + "/role-transfe"), 404)
    assert err["message"] == "ingen forespørgsel hedder 'role-transfe'"
    err = assert_error(*http("POST", danish.endpoints["sparql"], {"update": "CLEAR ALL"}), 403)
    assert err["message"] == "opdateringer er slået fra på denne server (den er kun til læsning)"
    # a client that asks for English gets English
    err = assert_error(*http("GET", danish.url + "nowhere", headers={"Accept-Language": "en"}), 404)
    assert err["message"] == "nothing at /nowhere"


def wait_until(page: Any, condition: str, timeout: float = 30.0) -> None:
    """Poll a condition with page.evaluate (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(f"() => Boolean({condition})"):
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {condition}")


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory):
    from kg.cases.validate import load_cases
    from kg.pipeline import build_store

    base = tmp_path_factory.mktemp("serve-xss")
    build_store(load_cases([XSS_DIR]), base / "store")
    with rolegraph_serve(base / "store", log=base / "serve.log") as s:
        yield s


RUN_IN_YASGUI = """async (text) => {
  const tab = window.rolegraphYasgui.getTab();
  tab.setQuery(text);
  try { await tab.query(); } catch (e) { /* shown by YASR */ }
}"""
ACTIVE_CELLS = "Array.from(document.querySelectorAll('.tabPanel.active .yasr_results td')).map(td => td.textContent)"


def test_query_page_in_a_browser_escapes_everything_and_stays_offline(xss_server: Any) -> None:
    require_tool("chromium", CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            dialogs: list[str] = []
            errors: list[str] = []
            console: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
            page.goto(xss_server.url)
            wait_until(page, "window.rolegraphYasgui && document.querySelector('.yasqe .CodeMirror')")
            page.evaluate(RUN_IN_YASGUI, "SELECT ?label WHERE { ?x rdfs:label ?label FILTER(CONTAINS(?label, '<')) }")
            wait_until(page, "document.querySelector('.tabPanel.active .yasr_results td') !== null")
            cells = page.evaluate(f"() => {ACTIVE_CELLS}")
            assert any("<script>alert(1)</script>" in c for c in cells), cells
            assert any("</script><script>window.__xss=1</script>" in c for c in cells), cells
            assert page.evaluate("window.__xss === undefined")
            assert page.locator(".yasr_results script, .yasr_results img, .yasr_results td svg").count() == 0
            # short IRIs with the predefined prefixes, a download button and a shareable link
            page.evaluate(RUN_IN_YASGUI, "SELECT ?c WHERE { ?c a owl:Class } LIMIT 3")
            wait_until(page, f"{ACTIVE_CELLS}.some(t => t.indexOf('rg:') === 0)")
            assert page.locator(".tabPanel.active .yasr_downloadIcon").count() == 1
            link = page.evaluate("() => window.rolegraphYasgui.getTab().getYasqe().config"
                                 ".createShareableLink(window.rolegraphYasgui.getTab().getYasqe())")
            assert link.startswith(xss_server.url.rstrip("/")) and "query=" in link
            # a named query, from its button, in a tab of its own
            page.click('form.named[data-name="repertoire"] button')
            wait_until(page, "document.getElementById('status').textContent.indexOf('repertoire') >= 0 && "
                             "document.getElementById('status').textContent.indexOf('…') < 0")
            assert page.locator("#status.error").count() == 0, page.locator("#status").text_content()
            assert page.evaluate("window.rolegraphYasgui.getTab().getName()") == "repertoire"
            # an error is shown as text, with its hint
            page.evaluate(RUN_IN_YASGUI, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
            wait_until(page, "(document.querySelector('.tabPanel.active .yasr .errorResult') || {}).textContent"
                             " && document.querySelector('.tabPanel.active .yasr .errorResult').textContent"
                             ".indexOf('SERVICE') >= 0")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "serve-query-page.png"), full_page=True)
            origin = xss_server.url.rstrip("/")
            assert requests and all(r.startswith(origin) for r in requests), requests
            assert dialogs == [] and errors == []
            # YASR parses cell text as HTML in a detached element; the page's CSP blocks the inline
            # handlers of the hostile labels there (nothing ran: no dialog, no __xss). Nothing else the
            # page or YASGUI does may need more than the CSP allows.
            blocked = [c for c in console if "Content Security Policy" in c]
            assert all("inline event handler" in c and "blocked" in c for c in blocked), blocked
            others = [c for c in console if "Content Security Policy" not in c]
            assert others == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"], \
                others  # the refused SERVICE query, and nothing else
            # the Danish page
            page.goto(xss_server.url + "?lang=da")
            wait_until(page, "document.querySelector('.yasqe .CodeMirror')")
            assert page.locator("#named h2").text_content() == "Navngivne forespørgsler"
        finally:
            browser.close()

"""The W3C SPARQL 1.1 Protocol, JSON results and CSV/TSV results tests (tests/data/w3c-sparql, vendored
with their provenance), run against real `rolegraph serve` processes. The tests the server does not
pass are listed with the reason in tests/data/w3c-sparql/not-passed.json; a listed test that starts to
pass fails here too, so the list stays true."""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection

from .servers import Running, rolegraph_serve

SUITE = Path(__file__).resolve().parent / "data" / "w3c-sparql"
NOT_PASSED: dict[str, str] = json.loads((SUITE / "not-passed.json").read_text(encoding="utf-8"))["tests"]
TOKEN = "w3c-token-0123456789-abcdefghij"

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")

pytestmark = pytest.mark.slow


def manifest(folder: str) -> tuple[rdflib.Graph, list[rdflib.term.Node]]:
    """The manifest's graph and its entries, in order."""
    path = SUITE / folder / "manifest.ttl"
    g = rdflib.Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    head = g.value(rdflib.URIRef(path.as_uri()), MF.entries)
    return g, list(Collection(g, head))


def local(node: rdflib.term.Node) -> str:
    return str(node).rsplit("#", 1)[-1]


# ---- the protocol tests -----------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    fmt: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[Request] = field(default_factory=list)
    graphs: dict[str, Path] = field(default_factory=dict)


def protocol_tests() -> list[ProtocolTest]:
    g, entries = manifest("protocol")
    out = []
    for entry in entries:
        test = ProtocolTest(local(entry), str(g.value(entry, MF.name)))
        for data in g.objects(entry, UT.graphData):
            test.graphs[str(g.value(data, rdflib.RDFS.label))] = Path(urllib.parse.urlsplit(
                str(g.value(data, UT.graph))).path)
        action = g.value(entry, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {}
            hlist = g.value(req, HT.headers)
            if hlist is not None:
                for h in Collection(g, hlist):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            statuses = {local(s) for s in g.objects(resp, MF.expectedStatus)}
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            path = str(g.value(req, HT.absolutePath))
            test.requests.append(Request(str(g.value(req, HT.methodName)), "/sparql" + path[len("/sparql/"):],
                                         headers, body, statuses, str(fmt) if fmt is not None else None,
                                         boolean.toPython() if boolean is not None else None))
        out.append(test)
    return out


PROTOCOL = protocol_tests()


@pytest.fixture(scope="module")
def protocol_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server with updates (behind a token) over a store holding every test's graph data."""
    base = tmp_path_factory.mktemp("w3c-protocol")
    store = ox.Store(str(base / "store"))
    for test in PROTOCOL:
        for graph, path in test.graphs.items():
            store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    store.flush()
    del store
    token = base / "token"
    token.write_text(TOKEN, encoding="utf-8")
    token.chmod(0o600)
    with rolegraph_serve(base / "store", "--allow-update", "--token-file", str(token), "--per-client", "4",
                         log=base / "serve.log") as server:
        yield server


def check(response: http.client.HTTPResponse, body: bytes, req: Request) -> str | None:
    """Why the response does not meet the test's expectations, or None."""
    klass = f"StatusCode{response.status // 100}xx"
    if klass not in req.statuses:
        return f"{req.method} {req.path}: HTTP {response.status}, expected {sorted(req.statuses)}: {body[:300]!r}"
    ctype = (response.getheader("Content-Type") or "").split(";")[0].strip()
    if req.fmt == "boolean":
        fmt = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
               "application/sparql-results+xml": ox.QueryResultsFormat.XML}.get(ctype)
        if fmt is None:
            return f"a boolean result came as {ctype}"
        answer = ox.parse_query_results(body, format=fmt)
        if not isinstance(answer, ox.QueryBoolean) or (req.boolean is not None and bool(answer) != req.boolean):
            return f"expected {req.boolean}, got {body[:200]!r}"
    elif req.fmt == "tabular":
        if ctype not in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                         "text/tab-separated-values"):
            return f"a SELECT result came as {ctype}"
    elif req.fmt == "RDF":
        rdf = {"application/rdf+xml": ox.RdfFormat.RDF_XML, "text/turtle": ox.RdfFormat.TURTLE,
               "application/n-triples": ox.RdfFormat.N_TRIPLES}.get(ctype)
        if rdf is None:
            return f"an RDF result came as {ctype}"
        list(ox.parse(body, format=rdf))
    return None


def run_protocol_test(server: Running, test: ProtocolTest) -> str | None:
    parts = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        for req in test.requests:
            headers = dict(req.headers)
            text = (req.body or b"").decode("utf-8", "replace")
            if "sparql-update" in headers.get("content-type", "") or text.startswith("update="):
                headers["Authorization"] = f"Bearer {TOKEN}"
            conn.request(req.method, req.path, body=req.body, headers=headers)
            response = conn.getresponse()
            body = response.read()
            problem = check(response, body, req)
            if problem:
                return problem
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    finally:
        conn.close()
    return None


@pytest.mark.parametrize("test", PROTOCOL, ids=[t.name for t in PROTOCOL])
def test_protocol(protocol_server: Running, test: ProtocolTest) -> None:
    problem = run_protocol_test(protocol_server, test)
    expect_failure(f"protocol/{test.name}", problem)


def expect_failure(key: str, problem: str | None) -> None:
    """Pass if the test passed, or if it failed and is listed in not-passed.json."""
    if key in NOT_PASSED:
        assert problem is not None, f"{key} passes now: remove it from tests/data/w3c-sparql/not-passed.json"
    else:
        assert problem is None, problem


# ---- the result format tests --------------------------------------------------------------------

@dataclass
class ResultTest:
    folder: str
    name: str
    query: Path
    data: Path
    result: Path


def result_tests() -> list[ResultTest]:
    out = []
    for folder in ("json-res", "csv-tsv-res"):
        g, entries = manifest(folder)
        for entry in entries:
            action = g.value(entry, MF.action)

            def path(node: Any) -> Path:
                return Path(urllib.parse.urlsplit(str(node)).path)

            out.append(ResultTest(folder, local(entry), path(g.value(action, QT.query)),
                                  path(g.value(action, QT.data)), path(g.value(entry, MF.result))))
    return out


RESULTS = result_tests()


def graph_of(data: Path) -> str:
    return f"urn:w3c-sparql:{data.parent.name}/{data.name}"


@pytest.fixture(scope="module")
def results_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A read-only server over a store with each test data file in its own graph."""
    base = tmp_path_factory.mktemp("w3c-results")
    store = ox.Store(str(base / "store"))
    for data in sorted({t.data for t in RESULTS}):
        store.load(path=str(data), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph_of(data)))
    store.flush()
    del store
    with rolegraph_serve(base / "store", log=base / "serve.log") as server:
        yield server


def _rows(answer: Any) -> Any:
    if isinstance(answer, ox.QueryBoolean):
        return bool(answer)
    # columns in name order: the order of SELECT * is not fixed by the standard
    names = sorted(v.value for v in answer.variables)
    rows = [tuple(re.sub(r"^_:.*", "_:", str(s[n])) if s[n] is not None else "" for n in names) for s in answer]
    return names, sorted(rows)


def _csv_rows(text: str) -> tuple[list[str], list[tuple[str, ...]]]:
    table = list(csv.reader(io.StringIO(text)))
    names = sorted(table[0])
    order = [table[0].index(n) for n in names]
    return names, sorted(tuple(re.sub(r"^_:\w+", "_:", row[i]) for i in order) for row in table[1:])


def run_result_test(server: Running, test: ResultTest) -> str | None:
    kind = test.result.suffix
    accept = {".srj": "application/sparql-results+json", ".csv": "text/csv",
              ".tsv": "text/tab-separated-values"}[kind]
    params = {"query": test.query.read_text(encoding="utf-8"), "default-graph-uri": graph_of(test.data)}
    parts = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        conn.request("POST", "/sparql", body=urllib.parse.urlencode(params),
                     headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        return f"HTTP {response.status}: {body[:300]!r}"
    expected = test.result.read_bytes()
    if kind == ".csv":
        got, want = _csv_rows(body.decode("utf-8")), _csv_rows(expected.decode("utf-8"))
    else:
        fmt = ox.QueryResultsFormat.JSON if kind == ".srj" else ox.QueryResultsFormat.TSV
        got = _rows(ox.parse_query_results(body, format=fmt))
        want = _rows(ox.parse_query_results(expected, format=fmt))
    if got != want:
        return f"got {got!r}, expected {want!r}"
    return None


@pytest.mark.parametrize("test", RESULTS, ids=[f"{t.folder}/{t.name}" for t in RESULTS])
def test_result_format(results_server: Running, test: ResultTest) -> None:
    expect_failure(f"{test.folder}/{test.name}", run_result_test(results_server, test))


def test_the_not_passed_list_names_real_tests() -> None:
    known = {f"protocol/{t.name}" for t in PROTOCOL} | {f"{t.folder}/{t.name}" for t in RESULTS}
    assert set(NOT_PASSED) <= known, set(NOT_PASSED) - known
    assert all(len(reason) > 40 for reason in NOT_PASSED.values())

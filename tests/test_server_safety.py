"""`rolegraph serve` (kg/server/) staying up and staying put: CORS and the Origin rule, the service
description, the base IRI, lanes that keep named queries and /health answering beside expensive
queries, the per-client limit and the memory cap per worker; against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import threading
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from bench.http_load import ACCEPT as ACCEPT_JSON
from bench.http_load import request_bytes, rows_of, run_load

from .servers import rolegraph_serve
from .test_serve import SLOW, assert_error, http

pytestmark = pytest.mark.slow
ALLOWED = "http://allowed.example"
EVIL = "http://evil.example"
# an ORDER BY over a three-way cartesian product: it must hold every row before the first one
HUNGRY = ("SELECT ?a ?b ?c ?d ?e ?f WHERE { ?a ?p1 ?b . ?c ?p2 ?d . ?e ?p3 ?f } "
          "ORDER BY ?a ?b ?c ?d ?e ?f LIMIT 1")


@pytest.fixture(scope="module")
def store(reasoned_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("safety") / "store"
    shutil.copytree(reasoned_store, path)
    return path


@pytest.fixture(scope="module")
def cors_server(store: Path, tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("cors") / "serve.log"
    with rolegraph_serve(store, "--cors", ALLOWED, log=log) as s:
        yield s


@pytest.fixture(scope="module")
def small(store: Path, tmp_path_factory: pytest.TempPathFactory):
    """One query worker, a 6 s timeout and 800 MiB per worker."""
    log = tmp_path_factory.mktemp("small") / "serve.log"
    with rolegraph_serve(store, "--workers", "1", "--timeout", "6", "--memory", "800", log=log) as s:
        yield s


def test_cors_is_off_by_default_and_cross_origin_posts_are_refused(small: Any) -> None:
    url = small.endpoints["sparql"]
    status, headers, body = http("GET", url + "?query=ASK%7B%7D", headers={"Origin": EVIL})
    assert status == 200 and "access-control-allow-origin" not in headers, body
    err = assert_error(*http("POST", url, {"query": "ASK {}"}, {"Origin": EVIL}), 403)
    assert "--cors" in err["hint"]
    assert_error(*http("POST", url, "ASK {}", {"Origin": EVIL, "Content-Type": "application/sparql-query"}), 403)
    assert_error(*http("OPTIONS", url, None, {"Origin": EVIL, "Access-Control-Request-Method": "POST"}), 403)
    same = small.url.rstrip("/")
    status, _, body = http("POST", url, {"query": "ASK {}"}, {"Origin": same})
    assert status == 200, body


def test_cors_allow_list(cors_server: Any) -> None:
    url = cors_server.endpoints["sparql"]
    status, headers, _ = http("OPTIONS", url, None, {"Origin": ALLOWED, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type"})
    assert status == 200 and headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in headers["access-control-allow-methods"]
    status, headers, body = http("POST", url, {"query": "ASK { ?c a rg:RoleConflict }"}, {"Origin": ALLOWED})
    assert status == 200 and headers["access-control-allow-origin"] == ALLOWED
    assert json.loads(body)["boolean"] is True
    status, headers, _ = http("GET", cors_server.url + "queries/role-transfer", headers={"Origin": ALLOWED})
    assert status == 200 and headers["access-control-allow-origin"] == ALLOWED
    assert_error(*http("POST", url, {"query": "ASK {}"}, {"Origin": EVIL}), 403)
    status, headers, _ = http("GET", url + "?query=ASK%7B%7D", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in headers


@pytest.mark.parametrize("accept,fmt", [("text/turtle", ox.RdfFormat.TURTLE), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
                                        ("application/ld+json", ox.RdfFormat.JSON_LD), (None, ox.RdfFormat.TURTLE)])
def test_service_description(small: Any, accept: str | None, fmt: Any) -> None:
    url = small.endpoints["sparql"]
    status, _, body = http("GET", url, headers={"Accept": accept} if accept else {})
    assert status == 200, body
    sd = "http://www.w3.org/ns/sparql-service-description#"
    triples = {(str(t.subject), str(t.predicate), str(t.object)) for t in ox.parse(body, format=fmt)}
    preds = {(p, o) for _, p, o in triples}
    assert (f"<{sd}endpoint>", f"<{url}>") in preds
    assert (f"<{sd}supportedLanguage>", f"<{sd}SPARQL11Query>") in preds
    assert (f"<{sd}supportedLanguage>", f"<{sd}SPARQL11Update>") not in preds  # read-only
    assert (f"<{sd}resultFormat>", "<http://www.w3.org/ns/formats/SPARQL_Results_JSON>") in preds


def test_relative_iris_resolve_against_the_endpoint(small: Any) -> None:
    url = small.endpoints["sparql"]
    text = "CONSTRUCT { <thing> <says> <hello> } WHERE {}"
    status, _, body = http("POST", url, {"query": text}, {"Accept": "application/n-triples"})
    assert status == 200, body
    base = small.url
    assert [str(t) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)] == \
        [f"<{base}thing> <{base}says> <{base}hello>"]
    status, _, body = http("POST", url, {"query": "SELECT (STR(<x>) AS ?i) WHERE {}"})
    assert json.loads(body)["results"]["bindings"][0]["i"]["value"] == base + "x"


def ask_from(source: str, url: str, text: str) -> tuple[int, dict[str, str], bytes]:
    """POST a query from another loopback address (another client, as the server counts them)."""
    parts = urllib.parse.urlsplit(url)
    conn = HTTPConnection(parts.hostname or "", parts.port, timeout=60, source_address=(source, 0))
    try:
        conn.request("POST", parts.path, body=urllib.parse.urlencode({"query": text}),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_expensive_queries_do_not_starve_named_queries_or_health(small: Any) -> None:
    """The only query worker is busy with a cartesian product; a second one from the same client is
    refused at once (429), one from another client after a short wait (503, not queued behind it);
    /health, the page, a named query (not yet cached) and a cached one (also as 304) still answer."""
    url = small.endpoints["sparql"]
    cached_url = small.url + "queries/role-transfer?lang=da"
    status, headers, cached = http("GET", cached_url)
    assert status == 200 and headers["etag"], cached[:300]
    slow_answer: list[tuple[int, dict[str, str], bytes]] = []
    other_answer: list[tuple[int, dict[str, str], bytes]] = []

    def start_slow() -> threading.Thread:
        slow_answer.clear()
        thread = threading.Thread(target=lambda: slow_answer.append(http("POST", url, {"query": SLOW})))
        thread.start()
        return thread

    slow = start_slow()
    other = threading.Thread(target=lambda: other_answer.append(ask_from("127.0.0.2", url, "ASK {}")))
    try:
        for _ in range(100):  # until the slow query holds the client's one place (bounded: 10 s)
            if slow_answer and slow_answer[0][0] == 429:  # our own ASK held the place: try again
                slow.join()
                slow = start_slow()
            second = http("POST", url, {"query": "ASK {}"})
            if second[0] == 429:
                break
            threading.Event().wait(0.1)
        other.start()
        err = assert_error(*second, 429)
        assert "--per-client" in err["hint"] and second[1].get("retry-after") == "1"
        for target in ("health", "", "queries/repertoire?lang=da", "queries/role-transfer?bearer="
                       + urllib.parse.quote("womens-association/womens-association")):
            status, _, body = http("GET", small.url + target, timeout=30)
            assert status == 200, (target, body[:300])
        assert http("GET", cached_url, timeout=30)[2] == cached
        status, not_modified, body = http("GET", cached_url, headers={"If-None-Match": headers["etag"]})
        assert status == 304 and body == b"" and not_modified["etag"] == headers["etag"]
        assert slow.is_alive(), "the expensive query ended before the others were asked"
    finally:
        slow.join(timeout=60)
        if other.is_alive() or other_answer:
            other.join(timeout=60)
    err = assert_error(*slow_answer[0], 503)
    assert "longer than 6 s" in err["message"]
    err = assert_error(*other_answer[0], 503)
    assert "stayed busy" in err["message"] and other_answer[0][1].get("retry-after") == "1"


def test_query_workers_run_at_a_lower_cpu_priority(small: Any) -> None:
    """Ad-hoc queries yield the CPU: their worker runs niced; the named-query worker does not."""
    status, _, body = http("POST", small.endpoints["sparql"], {"query": "ASK {}"})
    assert status == 200, body  # the query worker has started (and lowered its priority)

    def stat(pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    server = small.process.pid
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = stat(int(entry.name))
            except OSError:
                continue
            if int(fields[1]) == server:
                children.append(int(fields[16]))  # the nice value
    base = int(stat(server)[16])
    assert sorted(n > base for n in children).count(True) == 1, (base, children)  # --workers 1
    assert base in children, (base, children)  # the named-query worker


def test_named_answers_have_an_etag_and_304(small: Any) -> None:
    """A named answer carries an ETag; If-None-Match with it gets 304 (from the fast lane and from the
    full path, which a new parameter takes); another tag gets the answer again."""
    for target in ("queries/repertoire?format=csv", "queries/repertoire?format=csv&lang=da"):
        status, headers, body = http("GET", small.url + target)
        assert status == 200 and headers["etag"].startswith('"') and "no-cache" in headers["cache-control"]
        status, again, body2 = http("GET", small.url + target, headers={"If-None-Match": headers["etag"]})
        assert status == 304 and body2 == b"" and again["etag"] == headers["etag"]
        status, _, body3 = http("GET", small.url + target, headers={"If-None-Match": '"other", W/"x"'})
        assert status == 200 and body3 == body
        # a kept answer is only sent again to what the full path answered: the Host rule still holds
        assert_error(*http("GET", small.url + target, headers={"Host": "evil.example"}), 403)
    fresh = "queries/repertoire?format=tsv"
    status, headers, _ = http("GET", small.url + fresh)
    assert status == 200
    # another URL for the same answer: not in the fast lane yet, the full path answers 304 to its tag
    status, _, body = http("GET", small.url + "queries/repertoire?lang=en&format=tsv",
                           headers={"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""


def test_memory_cap_gives_a_clean_503_and_the_server_goes_on(small: Any) -> None:
    url = small.endpoints["sparql"]
    err = assert_error(*http("POST", url, {"query": HUNGRY}, timeout=60), 503)
    assert "800 MiB" in err["message"] and "--memory" in err["hint"]
    status, _, body = http("POST", url, {"query": "ASK { ?c a rg:RoleConflict }"})
    assert status == 200 and json.loads(body)["boolean"] is True


def test_named_answers_follow_the_store(small: Any, store: Path) -> None:
    """Named answers are cached per store version: a change to the store shows at the next request."""
    def rows() -> list[str]:
        status, _, body = http("GET", small.url + "queries/repertoire?format=csv")
        assert status == 200, body
        return body.decode("utf-8").splitlines()

    first = rows()
    assert rows() == first  # from the cache
    writer = ox.Store(str(store))  # the server only reads; no other writer holds it now
    try:
        writer.update("INSERT DATA { GRAPH <https://w3id.org/rolegraph/graph/case/frontline-roles> { "
                      "<urn:x:claim> a <https://w3id.org/rolegraph/ontology#RoleClaim> ; "
                      "<https://w3id.org/rolegraph/ontology#bearer> <urn:x:bearer> ; "
                      "<https://w3id.org/rolegraph/ontology#role> <urn:x:role> ; "
                      "<https://w3id.org/rolegraph/ontology#inSituation> <urn:x:situation> } }")
        writer.flush()
    finally:
        del writer
    after = rows()
    assert len(after) == len(first) + 1 and any("urn:x:claim" in line for line in after)


def test_the_load_generator_counts_and_checks_answers(small: Any) -> None:
    """bench/http_load.py (the load test's clients): kept-alive and new connections, rows checked."""
    path = "/queries/repertoire?lang=da&format=json"
    status, _, body = http("GET", small.url.rstrip("/") + path, headers={"Accept": ACCEPT_JSON})
    assert status == 200, body[:300]
    rows = rows_of(body)
    port = int(urllib.parse.urlsplit(small.url).port or 0)
    for keep_alive in (True, False):
        latencies, failures = run_load(port, [(request_bytes(path, keep_alive=keep_alive), rows)], 3, 0.5, 1)
        assert latencies and not failures, failures[:3]
    latencies, failures = run_load(port, [(request_bytes(path), rows + 1)], 2, 0.3, 1)
    assert len(failures) == 2 and "expected" in failures[0]  # each client checks the rows once
    latencies, failures = run_load(port, [(request_bytes(path), rows)], 2, 0.5, 1, rate=20)
    assert 0 < len(latencies) <= 12 and not failures  # paced: 20 a second in all (at full speed: hundreds)


def test_named_answers_are_ready_at_start_and_computed_once_for_many_clients(small: Any) -> None:
    """The start computes the named answers with their default parameters (both languages); many
    clients asking at once for an answer not computed yet all get it, none is refused as busy (they
    wait for the one job; before, each queued its own and the lane's queue overflowed into 503s)."""
    status, _, body = http("GET", small.url + "health")
    assert status == 200 and json.loads(body)["named_answers_kept"] > 0, body  # (all, unless the start ran out of time)
    url = small.url + "queries/repertoire?format=tsv&lang=da&inference=true"
    answers: list[tuple[int, dict[str, str], bytes]] = []
    clients = [threading.Thread(target=lambda: answers.append(http("GET", url, timeout=60))) for _ in range(48)]
    for c in clients:
        c.start()
    for c in clients:
        c.join(timeout=120)
    assert len(answers) == 48 and {a[0] for a in answers} == {200}, {a[2][:200] for a in answers if a[0] != 200}
    assert len({a[2] for a in answers}) == 1

"""A remote SPARQL 1.1 store as rolegraph's store: build, reason, query, explain, viz, export.

`RemoteStore` speaks the part of pyoxigraph's `Store` API that rolegraph uses
(query, update, quads_for_pattern, named_graphs, contains_named_graph, add,
extend, remove, remove_graph), over the SPARQL 1.1 Protocol with SPARQLWrapper
(always POST, form-encoded; JSON results; a timeout; the query type set
explicitly, because SPARQLWrapper's guess is fooled by a leading `#` comment).
Results are parsed by pyoxigraph into the same term objects the embedded store
gives, so the rest of rolegraph cannot tell the two apart.

Loading (`build_remote`) goes through the SPARQL 1.1 Graph Store Protocol when
`--graph-store URL` is given (PUT, then POST of N-Triples per named graph), else
through INSERT DATA in batches. Every graph is loaded into a staging graph first
and moved into place with one update at the end, so a build that fails half-way
leaves the previous graphs as they were. Blank nodes are skolemised to IRIs under
`kg.backend.GENID` on the way in and turned back into blank nodes on the way out:
statements about them can then be addressed in later requests (and explained),
and stores that refuse blank nodes in INSERT DATA (Virtuoso) accept the data.

Reasoning (`RemoteReasoner`) runs each rule as one SPARQL Update inside the
remote store: INSERT the conclusions that do not hold yet into the inferred
graph, with a derivation (rule, round, conclusions, premises) per solution into
the explanation graph. No data comes back to the client but one count per round.
Statement IRIs are computed in SPARQL exactly as `kg.reason.statement_iri` does
in Python, so `kg.explain` finds them the same way on both stores.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from .backend import GENID, GRAPH_PREFIX, STAGING_PREFIX, RemoteConfig, query_form, tokens
from .errors import ReasoningError, RemoteError, StoreError

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_GSP_CHUNK = 50_000  # triples per Graph Store Protocol request


# ---- blank nodes <-> skolem IRIs -----------------------------------------------------

def skolem(term: Any) -> Any:
    """A blank node as its skolem IRI; other terms unchanged."""
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(GENID + term.value)
    return term


def unskolem(term: Any) -> Any:
    """A skolem IRI as the blank node it stands for; other terms unchanged."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(GENID):
        return ox.BlankNode(term.value[len(GENID):])
    return term


def _skolem_triple(t: ox.Triple) -> ox.Triple:
    return ox.Triple(skolem(t.subject), t.predicate, skolem(t.object))


def _sparql_term(term: Any) -> str:
    """A term in SPARQL syntax (N-Triples syntax is valid SPARQL), blank nodes skolemised."""
    return str(skolem(term))


# ---- the store -------------------------------------------------------------------------

class RemoteStore:
    """A remote SPARQL 1.1 store behind the pyoxigraph Store methods rolegraph uses."""

    is_remote = True

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self._graphs: list[ox.NamedNode] | None = None
        self._subjects: dict[str, list[ox.Quad]] = {}  # statements by subject, until the next write
        self.requests = 0
        self.software: str | None = None  # the Server header of the store's first answer

    def __repr__(self) -> str:
        return f"<RemoteStore {self.config.endpoint}>"

    @property
    def is_virtuoso(self) -> bool:
        """Whether the store is OpenLink Virtuoso (from its Server header)."""
        if self.software is None:
            self.query("ASK { }")
        return (self.software or "").lower().startswith("virtuoso")

    def close(self) -> None:
        self._forget()

    def _forget(self) -> None:
        """Drop what was read: the store has changed."""
        self._graphs = None
        self._subjects.clear()

    def flush(self) -> None:
        """Nothing to do: the remote store commits each update."""

    def optimize(self) -> None:
        """Nothing to do."""

    # -- protocol ------------------------------------------------------------------------

    def _wrapper(self, text: str, query_type: str, return_format: str) -> Any:
        from SPARQLWrapper import BASIC, DIGEST, POST, URLENCODED, SPARQLWrapper

        w = SPARQLWrapper(self.config.endpoint, updateEndpoint=self.config.updates)
        w.setMethod(POST)
        w.setRequestMethod(URLENCODED)
        w.setTimeout(int(max(1, round(self.config.timeout))))
        w.setOnlyConneg(True)  # content negotiation only: no format=... parameters
        w.setReturnFormat(return_format)
        # Set the text and its type directly: setQuery() would guess the type with a
        # regular expression that a leading '#' comment or a PREFIX IRI with '#' fools.
        w.queryString = text
        w.queryType = query_type
        if self.config.user and self.config.password:
            w.setCredentials(self.config.user, self.config.password)
            w.setHTTPAuth(DIGEST if self.config.auth == "digest" else BASIC)
        if self.config.token:
            w.addCustomHttpHeader("Authorization", f"Bearer {self.config.token}")
        return w

    def _call(self, w: Any, what: str) -> tuple[bytes, str]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        url = w.updateEndpoint if w.isSparqlUpdateRequest() else w.endpoint
        self.requests += 1
        try:
            result = w.query()
            data = result.response.read()
            info = result.response.info()
            if self.software is None:
                self.software = info.get("Server", "") or ""
            ctype = info.get("Content-Type", "") or ""
            return data, ctype
        except SPARQLWrapperException as exc:
            status = _STATUS.get(type(exc).__name__)
            error = _remote_error(what, url, f"HTTP {status}" if status else type(exc).__name__,
                                  _response_of(exc), status=status)
            raise self._update_hint(error, w, status) from exc
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace") if exc.fp else ""
            error = _remote_error(what, url, f"HTTP {exc.code} {exc.reason}", body, status=exc.code)
            raise self._update_hint(error, w, exc.code) from exc
        except urllib.error.URLError as exc:
            raise RemoteError(f"cannot reach the SPARQL store at {url}: {exc.reason}",
                              hint="check the URL and that the store is running") from exc
        except TimeoutError as exc:
            raise RemoteError(f"the SPARQL store at {url} did not answer within {self.config.timeout:g} s",
                              hint="raise ROLEGRAPH_TIMEOUT (seconds), or the store's own query timeout") from exc
        except OSError as exc:
            raise RemoteError(f"talking to the SPARQL store at {url} failed: {exc}") from exc

    def _update_hint(self, error: RemoteError, w: Any, status: int | None) -> RemoteError:
        if w.isSparqlUpdateRequest() and self.config.update_endpoint is None and status in (400, 404, 405, 415):
            error.hint = ("this store may take updates at another URL than queries: give it with "
                          "--update-endpoint (Oxigraph and Fuseki: .../update, GraphDB: "
                          ".../repositories/REPO/statements)")
        return error

    def query(self, query: str, *, default_graph: Any = None, named_graphs: Any = None,
              prefixes: dict[str, str] | None = None, base_iri: str | None = None,
              use_default_graph_as_union: bool = False, **_: Any) -> Any:
        """Run a query remotely. Returns what pyoxigraph's Store.query returns:
        QuerySolutions for SELECT, QueryBoolean for ASK, a list of Triples otherwise."""
        from SPARQLWrapper import JSON, TURTLE

        text = _with_prologue(query, prefixes, base_iri)
        form = query_form(text)
        if form == "UPDATE":
            raise RemoteError("an update was given where a query was expected", hint="use update()")
        form = form or "SELECT"
        graph_result = form in ("CONSTRUCT", "DESCRIBE")
        w = self._wrapper(text, form, TURTLE if graph_result else JSON)
        for g in _graph_list(default_graph):
            w.addDefaultGraph(g)
        for g in _graph_list(named_graphs):
            w.addNamedGraph(g)
        data, ctype = self._call(w, "the query")
        if form == "ASK":
            return _boolean(_parse_results(data, ctype))
        if graph_result:
            try:
                triples = ox.parse(data, format=_rdf_format(ctype))
                return [ox.Triple(unskolem(t.subject), t.predicate, unskolem(t.object)) for t in triples]
            except (SyntaxError, ValueError) as exc:
                raise RemoteError(f"the store's answer ({ctype or 'no content type'}) does not parse: {exc}") from exc
        return _parse_results(data, ctype)

    def update(self, update: str, *, prefixes: dict[str, str] | None = None, base_iri: str | None = None,
               **_: Any) -> None:
        """Run a SPARQL 1.1 Update remotely."""
        from SPARQLWrapper import JSON

        text = _with_prologue(update, prefixes, base_iri)
        self._forget()
        self._call(self._wrapper(text, "INSERT", JSON), "the update")

    def select(self, text: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Rows of a SELECT as dicts of variable name to term (None when unbound)."""
        solutions = self.query(text, **kwargs)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    # -- the Store API subset ------------------------------------------------------------

    def named_graphs(self) -> list[ox.NamedNode]:
        """rolegraph's named graphs in the store (those under https://w3id.org/rolegraph/graph/)."""
        if self._graphs is None:
            rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                               f'FILTER(STRSTARTS(STR(?g), "{GRAPH_PREFIX}")) }}')
            self._graphs = sorted((r["g"] for r in rows if isinstance(r["g"], ox.NamedNode)),
                                  key=lambda g: g.value)
        return list(self._graphs)

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {_sparql_term(graph)} {{ ?s ?p ?o }} }}"))

    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, object: Any = None,
                          graph_name: Any = None) -> list[ox.Quad]:
        """The quads matching the pattern, in rolegraph's named graphs (None: any)."""
        if isinstance(graph_name, ox.DefaultGraph):
            return []  # rolegraph keeps nothing in the default graph
        if subject is not None and (graph_name is None or graph_name.value.startswith(GRAPH_PREFIX)):
            # Explanations and the browser view look up one subject at a time, property by
            # property: fetch all its statements once and answer from them until a write.
            return [q for q in self._about(subject)
                    if (predicate is None or q.predicate == predicate) and (object is None or q.object == object)
                    and (graph_name is None or q.graph_name == graph_name)]
        terms = {"s": subject, "p": predicate, "o": object, "g": graph_name}
        pattern = {k: (_sparql_term(v) if v is not None else f"?{k}") for k, v in terms.items()}
        free = [k for k, v in terms.items() if v is None]
        graph_filter = f' FILTER(STRSTARTS(STR(?g), "{GRAPH_PREFIX}"))' if graph_name is None else ""
        text = (f"SELECT {' '.join('?' + k for k in free) or '*'} WHERE {{ GRAPH {pattern['g']} "
                f"{{ {pattern['s']} {pattern['p']} {pattern['o']} }}{graph_filter} }}")
        if not free:
            text = f"ASK {{ GRAPH {pattern['g']} {{ {pattern['s']} {pattern['p']} {pattern['o']} }} }}"
            return [ox.Quad(subject, predicate, object, graph_name)] if bool(self.query(text)) else []
        out = []
        for row in self.select(text):
            values = {k: (row.get(k) if v is None else v) for k, v in terms.items()}
            try:
                out.append(ox.Quad(unskolem(values["s"]), values["p"], unskolem(values["o"]), values["g"]))
            except (TypeError, ValueError):
                continue  # e.g. a literal in subject position from a store with generalised RDF
        return out

    def _about(self, subject: Any) -> list[ox.Quad]:
        key = str(subject)
        found = self._subjects.get(key)
        if found is None:
            rows = self.select(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {_sparql_term(subject)} ?p ?o }} "
                               f'FILTER(STRSTARTS(STR(?g), "{GRAPH_PREFIX}")) }}')
            found = []
            for row in rows:
                try:
                    found.append(ox.Quad(subject, row["p"], unskolem(row["o"]), row["g"]))
                except (TypeError, ValueError):
                    continue
            if len(self._subjects) > 100_000:
                self._subjects.clear()
            self._subjects[key] = found
        return found

    def add(self, quad: ox.Quad) -> None:
        self.extend([quad])

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Insert quads (INSERT DATA in batches, one graph per request)."""
        by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise RemoteError("rolegraph writes only to named graphs on a remote store")
            by_graph[q.graph_name.value].append(ox.Triple(q.subject, q.predicate, q.object))
        for graph, triples in by_graph.items():
            self.insert_data(graph, triples)

    def remove(self, quad: ox.Quad) -> None:
        self.update(f"DELETE DATA {{ GRAPH {_sparql_term(quad.graph_name)} {{ {_sparql_term(quad.subject)} "
                    f"{_sparql_term(quad.predicate)} {_sparql_term(quad.object)} }} }}")

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {_sparql_term(graph)}")

    def clear_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"CLEAR SILENT GRAPH {_sparql_term(graph)}")

    # -- bulk loading ----------------------------------------------------------------------

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0

    def insert_data(self, graph: str, triples: list[ox.Triple]) -> None:
        """INSERT DATA into `graph`, `config.batch` triples per request."""
        size = max(1, self.config.batch)
        for i in range(0, len(triples), size):
            body = "\n".join(_sparql_term(t.subject) + " " + _sparql_term(t.predicate) + " "
                             + _sparql_term(t.object) + " ." for t in triples[i:i + size])
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")

    def load_graph(self, graph: str, triples: list[ox.Triple]) -> str:
        """Replace `graph` with `triples`: by the Graph Store Protocol if configured, else
        by INSERT DATA. Returns the method used."""
        triples = [_skolem_triple(t) for t in triples]
        if self.config.graph_store:
            for i in range(0, max(len(triples), 1), _GSP_CHUNK):
                chunk = triples[i:i + _GSP_CHUNK]
                data = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES) or b""
                self._gsp("PUT" if i == 0 else "POST", graph, data)
            return "graph store protocol"
        self.update(f"DROP SILENT GRAPH <{graph}>")
        self.insert_data(graph, triples)
        return "INSERT DATA"

    def _gsp(self, method: str, graph: str, data: bytes) -> None:
        assert self.config.graph_store
        sep = "&" if "?" in self.config.graph_store else "?"
        url = f"{self.config.graph_store}{sep}{urllib.parse.urlencode({'graph': graph})}"
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/n-triples",
                                              "User-Agent": "rolegraph"})
        handlers: list[Any] = []
        if self.config.user and self.config.password:
            if self.config.auth == "digest":
                mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                mgr.add_password(None, self.config.graph_store, self.config.user, self.config.password)
                handlers.append(urllib.request.HTTPDigestAuthHandler(mgr))
            else:
                cred = f"{self.config.user}:{self.config.password}".encode()
                req.add_header("Authorization", "Basic " + base64.b64encode(cred).decode())
        if self.config.token:
            req.add_header("Authorization", f"Bearer {self.config.token}")
        self.requests += 1
        self._forget()
        try:
            with urllib.request.build_opener(*handlers).open(req, timeout=self.config.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace") if exc.fp else ""
            raise _remote_error(f"{method} of graph <{graph}>", url, f"HTTP {exc.code} {exc.reason}", body,
                                status=exc.code) from exc
        except urllib.error.URLError as exc:
            raise RemoteError(f"cannot reach the graph store at {self.config.graph_store}: {exc.reason}",
                              hint="check --graph-store, or leave it out to load with INSERT DATA") from exc
        except TimeoutError as exc:
            raise RemoteError(f"the graph store did not answer within {self.config.timeout:g} s",
                              hint="raise ROLEGRAPH_TIMEOUT (seconds)") from exc


_STATUS = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
           "EndPointInternalError": 500}


def _response_of(exc: Exception) -> str:
    """The store's own message, which SPARQLWrapper keeps only inside its exception text."""
    import ast

    text = str(exc)
    if "Response:\n" not in text:
        return ""
    raw = text.split("Response:\n", 1)[1].strip()
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _graph_list(graphs: Any) -> list[str]:
    if graphs is None:
        return []
    if not isinstance(graphs, (list, tuple)):
        graphs = [graphs]
    return [skolem(g).value for g in graphs if isinstance(g, (ox.NamedNode, ox.BlankNode))]


def _with_prologue(text: str, prefixes: dict[str, str] | None, base_iri: str | None) -> str:
    """The text with PREFIX lines for the given prefixes it does not declare itself."""
    head = []
    if base_iri:
        head.append(f"BASE <{base_iri}>")
    if prefixes:
        declared = set()
        toks = list(tokens(text))
        for i, (kind, tok) in enumerate(toks[:-1]):
            if kind == "word" and tok.upper() == "PREFIX" and toks[i + 1][0] == "pname":
                declared.add(toks[i + 1][1].split(":", 1)[0])
        head += [f"PREFIX {name}: <{ns}>" for name, ns in prefixes.items() if name not in declared]
    return "\n".join([*head, text]) if head else text


def _rdf_format(ctype: str) -> ox.RdfFormat:
    media = ctype.split(";")[0].strip().lower()
    if media:
        try:
            fmt = ox.RdfFormat.from_media_type(media)
            if fmt is not None:
                return fmt
        except ValueError:
            pass
    return ox.RdfFormat.TURTLE


def _parse_results(data: bytes, ctype: str) -> Any:
    """SPARQL JSON (or XML/TSV) results as pyoxigraph QuerySolutions or QueryBoolean, with
    skolem IRIs turned back into blank nodes."""
    media = ctype.split(";")[0].strip().lower()
    try:
        if media in ("application/sparql-results+xml", "application/xml", "text/xml"):
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.XML)
        if media == "text/tab-separated-values":
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
        doc = json.loads(data)
        if GENID.encode() in data and "results" in doc:
            for row in doc["results"].get("bindings", []):
                for cell in row.values():
                    if cell.get("type") == "uri" and cell.get("value", "").startswith(GENID):
                        cell["type"], cell["value"] = "bnode", cell["value"][len(GENID):]
            data = json.dumps(doc).encode()
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as exc:
        snippet = data[:200].decode("utf-8", "replace")
        raise RemoteError(f"the store's answer ({ctype or 'no content type'}) is not SPARQL results: {exc}",
                          hint=f"it began: {snippet!r}") from exc


def _boolean(answer: Any) -> Any:
    """An ASK answer as a QueryBoolean. Virtuoso 7 answers ASK with a one-column table
    (__ASK_RETVAL: 1 when true, no row when false) instead of a boolean."""
    if isinstance(answer, ox.QueryBoolean):
        return answer
    truth = False
    for solution in answer:
        values = [solution[v] for v in answer.variables]
        truth = any(v is not None and str(v.value).lower() not in ("0", "false") for v in values)
        break
    return ox.parse_query_results('{"head":{},"boolean":%s}' % ("true" if truth else "false"),
                                  format=ox.QueryResultsFormat.JSON)


def _remote_error(what: str, url: str, reason: str, body: str, status: int | None = None) -> RemoteError:
    text = (body or "").strip()
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")[:400]
    hint = ""
    low = (reason + " " + text).lower()
    if status in (401, 403) or "unauthorized" in low or "forbidden" in low or "permission" in low:
        hint = ("the store refused the credentials or the operation: set ROLEGRAPH_USER / ROLEGRAPH_PASSWORD "
                "(or ROLEGRAPH_TOKEN), and check that this user may update (Virtuoso: GRANT SPARQL_UPDATE)")
    elif status == 404 or "not found" in low:
        hint = "check the URL: the endpoint path differs between stores (see docs/bigger-stores.md)"
    elif status == 405 or "method not allowed" in low:
        hint = "the URL does not accept this operation; give the update URL with --update-endpoint"
    message = f"{what} failed at {url}: {reason}".rstrip(": ")
    if first and first not in message:
        message += f" — {first}"
    return RemoteError(message, hint=hint)


# ---- building --------------------------------------------------------------------------

def build_remote(config: RemoteConfig, case_set: Any, *, extensions: list[Any] | None = None) -> Any:
    """Load the ontology, extensions and validated cases into the remote store.

    Each graph goes to a staging graph first; one update then moves them all into
    place and drops the graphs of the previous build (inferences included). If
    anything fails before that, the staging graphs are dropped and the previous
    graphs are left as they were.
    """
    from .orderkinds import kinds_graph, load_kinds
    from .store import META_GRAPH, BuildReport, graph_quads, meta_quads, ontology_triples
    from .vocab import ONTOLOGY_GRAPH

    start = time.perf_counter()
    store = RemoteStore(config)
    graphs: dict[str, list[ox.Triple]] = {str(ONTOLOGY_GRAPH): []}
    graphs[str(ONTOLOGY_GRAPH)] += ontology_triples([e.ontology for e in extensions or []])
    # classes and properties of the order-rule kinds that extensions declare in YAML
    graphs[str(ONTOLOGY_GRAPH)] += [ox.Triple(q.subject, q.predicate, q.object) for q in
                                    graph_quads(kinds_graph(load_kinds(extensions).kinds), ox.NamedNode(str(ONTOLOGY_GRAPH)))]
    for name, g in case_set.graphs.items():
        graphs[str(name)] = [ox.Triple(q.subject, q.predicate, q.object)
                             for q in graph_quads(g, ox.NamedNode(str(name)))]
    graphs[META_GRAPH.value] = [ox.Triple(q.subject, q.predicate, q.object)
                                for q in meta_quads(case_set, extensions)]
    graphs = {k: list(dict.fromkeys(v)) for k, v in graphs.items()}
    run = hashlib.sha1(f"{os.getpid()} {time.time()}".encode()).hexdigest()[:12]
    staging = {target: f"{STAGING_PREFIX}{run}/{i}" for i, target in enumerate(graphs)}
    try:
        for target, triples in graphs.items():
            store.load_graph(staging[target], triples)
        previous = [g.value for g in store.named_graphs()]
        ops = [f"MOVE SILENT GRAPH <{staging[t]}> TO GRAPH <{t}>" if graphs[t] else f"DROP SILENT GRAPH <{t}>"
               for t in graphs]
        ops += [f"DROP SILENT GRAPH <{g}>" for g in previous if g not in graphs]
        store.update(" ;\n".join(ops))
    except BaseException as exc:
        try:
            store.update(" ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in staging.values()))
        except RemoteError:
            pass
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        if isinstance(exc, RemoteError):
            raise StoreError(f"building the remote store failed: {exc.message}",
                             hint=(exc.hint + "; " if exc.hint else "")
                             + "the remote store's previous graphs are unchanged") from exc
        raise
    counts = {k: len(v) for k, v in graphs.items() if k != META_GRAPH.value}
    return BuildReport(config.endpoint, counts, time.perf_counter() - start)


# ---- reasoning inside the remote store -------------------------------------------------

def _nt_expr(var: str) -> str:
    """SPARQL expression for the N-Triples form of ?var as pyoxigraph prints it (skolem IRIs
    as the blank nodes they stand for), so that statement IRIs minted in the store equal
    kg.reason.statement_iri.

    Literals are not escaped: stores disagree on backslashes in REPLACE's replacement
    text (XPath reads `\\\\` as one backslash, Oxigraph as two). For a literal with a quote,
    a backslash or a control character the IRI therefore differs, and kg.explain finds
    such a statement by its subject, predicate and object instead.
    """
    v = f"?{var}"
    return (f'IF(isIRI({v}), IF(STRSTARTS(STR({v}), "{GENID}"), CONCAT("_:", STRAFTER(STR({v}), "{GENID}")), '
            f'CONCAT("<", STR({v}), ">")), CONCAT("\\"", STR({v}), "\\"", IF(LANG({v}) != "", '
            f'CONCAT("@", LCASE(LANG({v}))), IF(DATATYPE({v}) = <{_XSD}string>, "", '
            f'CONCAT("^^<", STR(DATATYPE({v})), ">")))))')


def _const_nt(term: Any) -> str:
    """The N-Triples form of a constant of a rule, as a SPARQL string literal."""
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        text = str(ox.NamedNode(str(term)))
    elif isinstance(term, Literal):
        if term.language:
            text = str(ox.Literal(str(term), language=term.language))
        elif term.datatype:
            text = str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
        else:
            text = str(ox.Literal(str(term)))
    else:
        raise TypeError(term)
    return json.dumps(text, ensure_ascii=False)


def _rule_term(term: Any) -> str | None:
    """A rule pattern's term in SPARQL syntax; None for blank nodes (they are skipped, as
    the embedded reasoner skips them)."""
    from rdflib import BNode, Literal, URIRef, Variable

    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, BNode):
        return None
    raise TypeError(term)


def _nt_of(term: Any) -> str:
    from rdflib import Variable

    return _nt_expr(str(term)) if isinstance(term, Variable) else _const_nt(term)


def _statement_expr(pattern: tuple[Any, Any, Any]) -> str:
    s, p, o = (_nt_of(t) for t in pattern)
    return (f'IRI(CONCAT("https://w3id.org/rolegraph/statement/", '
            f'SUBSTR(SHA1(CONCAT({s}, " ", {p}, " ", {o})), 1, 24)))')


_TYPE_TEST = re.compile(r"\b(isIRI|isURI|isBlank)\s*\(\s*([?$][A-Za-z_][A-Za-z0-9_]*)\s*\)", re.IGNORECASE)


def _skolem_aware(body: str) -> str:
    """Rule text with isIRI/isURI/isBlank of a variable treating skolem IRIs as blank nodes."""
    def sub(m: re.Match[str]) -> str:
        fn, var = m.group(1).lower(), "?" + m.group(2)[1:]
        genid = f'STRSTARTS(STR({var}), "{GENID}")'
        if fn == "isblank":
            return f"(isBlank({var}) || (isIRI({var}) && {genid}))"
        return f"(isIRI({var}) && !{genid})"
    return _TYPE_TEST.sub(sub, body)


def rule_update(rule: Any, round_no: int, graphs: list[str], inferred: str, explanations: str) -> str:
    """The SPARQL Update that applies `rule` once inside the store, with derivations."""
    from rdflib import Variable

    from .vocab import RG

    conclusions = [p for p in rule.conclusions if all(_rule_term(t) is not None for t in p)]
    premises = [p for p in dict.fromkeys(rule.premises) if all(_rule_term(t) is not None for t in p)]
    binds: list[str] = []
    inf_lines: list[str] = []
    exp_lines = [f"?__d a <{RG.Derivation}> ; <{RG.usedRule}> <{rule.iri}> ; "
                 f'<{RG.round}> "{round_no}"^^<{_XSD}integer> .']

    def statement(node: str, pattern: tuple[Any, Any, Any]) -> None:
        s, p, o = (_rule_term(t) for t in pattern)
        exp_lines.append(f"{node} a <{_RDF}Statement> ; <{_RDF}subject> {s} ; <{_RDF}predicate> {p} ; "
                         f"<{_RDF}object> {o} .")

    for k, pattern in enumerate(conclusions):
        s, p, o = (_rule_term(t) for t in pattern)
        # only conclusions that do not hold yet: the subject is left unbound otherwise
        binds.append(f"BIND(IF(EXISTS {{ {s} {p} {o} }}, ?__none, {s}) AS ?__s{k})")
        binds.append(f"BIND(IF(BOUND(?__s{k}), {_statement_expr(pattern)}, ?__none) AS ?__c{k})")
        inf_lines.append(f"?__s{k} {p} {o} .")
        exp_lines.append(f"?__d <{RG.conclusion}> ?__c{k} .")
        statement(f"?__c{k}", pattern)
    for k, pattern in enumerate(premises):
        s, p, o = (_rule_term(t) for t in pattern)
        binds.append(f"BIND(IF(EXISTS {{ {s} {p} {o} }}, {_statement_expr(pattern)}, ?__none) AS ?__p{k})")
        exp_lines.append(f"?__d <{RG.premise}> ?__p{k} .")
        statement(f"?__p{k}", pattern)
    variables = sorted({str(t) for p in [*conclusions, *premises] for t in p if isinstance(t, Variable)})
    parts = ", ".join(f'COALESCE({_nt_expr(v)}, "")' for v in variables) or '""'
    binds.append(f'BIND(IRI(CONCAT("https://w3id.org/rolegraph/derivation/", SUBSTR(SHA1(CONCAT('
                 f'"{rule.id}|{round_no}|", {parts})), 1, 24))) AS ?__d)')
    using = "\n".join(f"USING <{g}>" for g in graphs)
    nl = "\n"
    return (f"{rule.prefixes}\n"
            f"INSERT {{\n  GRAPH <{inferred}> {{\n    {(nl + '    ').join(inf_lines)}\n  }}\n"
            f"  GRAPH <{explanations}> {{\n    {(nl + '    ').join(exp_lines)}\n  }}\n}}\n"
            f"{using}\nWHERE {{\n  {{ {_skolem_aware(rule.body_text)} }}\n"
            f"  FILTER NOT EXISTS {{ {rule.template_text} }}\n  {(nl + '  ').join(binds)}\n}}")


@functools.lru_cache(maxsize=1)
def _reasoner_class() -> type:
    from .reason import Reasoner
    from .vocab import EXPLANATION_GRAPH, INFERRED_GRAPH, RG

    class RemoteReasoner(Reasoner):
        """The reasoner's fixpoint loop, each rule run as one SPARQL Update in the remote store."""

        def __init__(self, store: Any, rules: list[Any]) -> None:
            from .store import asserted_graphs

            super().__init__(store, rules)
            self.graphs = [*asserted_graphs(store), ox.NamedNode(str(INFERRED_GRAPH))]

        def apply(self, rule: Any, round_no: int) -> int:
            text = rule_update(rule, round_no, [g.value for g in self.graphs], str(INFERRED_GRAPH),
                               str(EXPLANATION_GRAPH))
            if self.store.is_virtuoso:
                # Rules are written schema patterns first. Virtuoso's planner, on a fresh
                # database, may start from `?x ?p ?y` instead and take minutes (prp-spo2:
                # 76 s instead of 0.5 s); keep the written order.
                text = 'DEFINE sql:select-option "order"\n' + text
            try:
                self.store.update(text)
            except RemoteError as exc:
                raise ReasoningError(f"rule '{rule.id}' failed in the remote store: {exc.message}",
                                     file=str(rule.path), hint=exc.hint or "check the rule's SPARQL") from exc
            return 0  # counted per round, by apply_round

        def apply_round(self, rules: list[Any], round_no: int) -> int:
            before = self.store.count(str(INFERRED_GRAPH))
            for rule in rules:
                self.apply(rule, round_no)
            return int(self.store.count(str(INFERRED_GRAPH)) - before)

        def run(self, progress: Any = None) -> Any:
            report = super().run(progress)
            rows = self.store.select(
                f"SELECT ?rule (COUNT(DISTINCT ?st) AS ?n) WHERE {{ GRAPH <{EXPLANATION_GRAPH}> {{ "
                f"?d <{RG.usedRule}> ?rule ; <{RG.conclusion}> ?st }} }} GROUP BY ?rule")
            report.fired = {r["rule"].value.rsplit("/", 1)[-1]: int(r["n"].value) for r in rows}
            rows = self.store.select(f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <{EXPLANATION_GRAPH}> "
                                     f"{{ ?d a <{RG.Derivation}> }} }}")
            report.derivations = int(rows[0]["n"].value) if rows else 0
            return report

    return RemoteReasoner


def remote_reasoner(store: RemoteStore, rules: list[Any]) -> Any:
    """A kg.reason.Reasoner whose rules run as SPARQL Update inside the remote store."""
    return _reasoner_class()(store, rules)


# ---- the command line ------------------------------------------------------------------

def register(main: Any) -> None:
    """Add --endpoint, --update-endpoint and --graph-store (see kg.backend.register_remote)."""
    from .backend import register_remote

    register_remote(main)

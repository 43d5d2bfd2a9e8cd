"""A remote SPARQL 1.1 store as a `GraphStore`: the same methods as the embedded one.

`RemoteStore` speaks the part of pyoxigraph's `Store` API that rolegraph uses
(query, update, quads_for_pattern, named_graphs, contains_named_graph, add,
extend, remove, remove_graph) over `kg.stores.sparql_client`. Results are parsed
by pyoxigraph into the same term objects the embedded store gives.

Loading (`build_remote`) goes through the SPARQL 1.1 Graph Store Protocol when
`--graph-store URL` is given (PUT, then POST of N-Triples per named graph), else
through INSERT DATA in batches. Every graph is loaded into a staging graph first
and moved into place with one update at the end, so a build that fails half-way
leaves the previous graphs as they were. Blank nodes are skolemised to IRIs under
`kg.iris.GENID` on the way in and turned back into blank nodes on the way out:
statements about them can then be addressed in later requests (and explained),
and stores that refuse blank nodes in INSERT DATA (Virtuoso) accept the data.
Reasoning on such a store runs inside it (`kg.reasoning.in_store`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import pyoxigraph as ox
from SPARQLWrapper import JSON, TURTLE

from ..errors import Msg, RemoteError, StoreError
from ..i18n import N_
from ..iris import GENID, GRAPH_PREFIX, META_GRAPH, ONTOLOGY_GRAPH, STAGING_PREFIX
from ..sparql_text import query_form, tokens
from ..targets import RemoteConfig
from .base import REMOTE, StoreTraits
from .layout import BuildReport, graph_quads, meta_quads, ontology_triples
from .sparql_client import SparqlClient

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

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self.client = SparqlClient(config)
        self._graphs: list[ox.NamedNode] | None = None
        self._subjects: dict[str, list[ox.Quad]] = {}  # statements by subject, until the next write

    def describe(self) -> str:
        """The endpoint URL."""
        return self.config.describe()

    @property
    def traits(self) -> StoreTraits:
        """REMOTE, with Virtuoso's pragma for the written join order once its answers say it is one."""
        if (self.client.software or "").lower().startswith("virtuoso"):
            return replace(REMOTE, keep_join_order='DEFINE sql:select-option "order"')
        return REMOTE

    @property
    def requests(self) -> int:
        """How many HTTP requests this handle has made."""
        return self.client.requests

    @property
    def software(self) -> str | None:
        """The Server header of the store's first answer."""
        return self.client.software

    def __repr__(self) -> str:
        return f"<RemoteStore {self.config.endpoint}>"

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

    def query(self, query: str, *, default_graph: Any = None, named_graphs: Any = None,
              prefixes: dict[str, str] | None = None, base_iri: str | None = None,
              use_default_graph_as_union: bool = False) -> Any:
        """Run a query remotely. Returns what pyoxigraph's Store.query returns:
        QuerySolutions for SELECT, QueryBoolean for ASK, a list of Triples otherwise.

        `use_default_graph_as_union` makes the default graph the union of rolegraph's named
        graphs, listed in the request (SPARQL 1.1 Protocol `default-graph-uri`)."""
        if use_default_graph_as_union:
            if default_graph is not None:
                raise ValueError("give default_graph or use_default_graph_as_union, not both")
            default_graph = self.named_graphs()
        text = _with_prologue(query, prefixes, base_iri)
        form = query_form(text)
        if form == "UPDATE":
            raise RemoteError(N_("an update was given where a query was expected"), hint=N_("use update()"))
        form = form or "SELECT"
        graph_result = form in ("CONSTRUCT", "DESCRIBE")
        data, ctype = self.client.query(text, form, TURTLE if graph_result else JSON,
                                        default_graphs=_graph_list(default_graph),
                                        named_graphs=_graph_list(named_graphs))
        if form == "ASK":
            return _boolean(_parse_results(data, ctype))
        if graph_result:
            try:
                triples = ox.parse(data, format=_rdf_format(ctype))
                return [ox.Triple(unskolem(t.subject), t.predicate, unskolem(t.object)) for t in triples]
            except (SyntaxError, ValueError) as exc:
                raise RemoteError(N_("the store's answer ({value}) does not parse: {exc}"), params={"value": ctype or 'no content type', "exc": exc}) from exc
        return _parse_results(data, ctype)

    def update(self, update: str, *, prefixes: dict[str, str] | None = None, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 Update remotely."""
        text = _with_prologue(update, prefixes, base_iri)
        self._forget()
        self.client.update(text, JSON)

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

    def contains_named_graph(self, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph, /) -> bool:
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
                out.append(ox.Quad(unskolem(values["s"]), values["p"], unskolem(values["o"]), values["g"]))  # type: ignore[arg-type]
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

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """As `extend`: a remote store has no separate bulk loader."""
        self.extend(quads)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Insert quads (INSERT DATA in batches, one graph per request)."""
        by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise RemoteError(N_("rolegraph writes only to named graphs on a remote store"))
            by_graph[q.graph_name.value].append(ox.Triple(q.subject, q.predicate, q.object))
        for graph, triples in by_graph.items():
            self.insert_data(graph, triples)

    def remove(self, quad: ox.Quad) -> None:
        self.update(f"DELETE DATA {{ GRAPH {_sparql_term(quad.graph_name)} {{ {_sparql_term(quad.subject)} "
                    f"{_sparql_term(quad.predicate)} {_sparql_term(quad.object)} }} }}")

    def remove_graph(self, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph, /) -> None:
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
                self._forget()
                self.client.graph_store("PUT" if i == 0 else "POST", graph, data)
            return "graph store protocol"
        self.update(f"DROP SILENT GRAPH <{graph}>")
        self.insert_data(graph, triples)
        return "INSERT DATA"


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
        raise RemoteError(N_("the store's answer ({value}) is not SPARQL results: {exc}"),
                          hint=N_("it began: {snippet!r}"), params={"value": ctype or 'no content type', "exc": exc, "snippet": snippet}) from exc


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


# ---- building --------------------------------------------------------------------------

def build_remote(config: RemoteConfig, case_set: Any, *, extensions: list[Any] | None = None) -> BuildReport:
    """Load the ontology, extensions and validated cases into the remote store.

    Each graph goes to a staging graph first; one update then moves them all into
    place and drops the graphs of the previous build (inferences included). If
    anything fails before that, the staging graphs are dropped and the previous
    graphs are left as they were.
    """
    start = time.perf_counter()
    store = RemoteStore(config)
    graphs: dict[str, list[ox.Triple]] = {ONTOLOGY_GRAPH: ontology_triples([e.ontology for e in extensions or []])}
    for name, g in case_set.graphs.items():
        graphs[str(name)] = [ox.Triple(q.subject, q.predicate, q.object)
                             for q in graph_quads(g, ox.NamedNode(str(name)))]
    graphs[META_GRAPH] = [ox.Triple(q.subject, q.predicate, q.object)
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
            raise StoreError(N_("building the remote store failed: {text}"),
                             hint=Msg(N_("{before}the remote store's previous graphs are unchanged"),
                                      before=exc.hint + "; " if exc.hint else ""),
                             params={"text": exc.message}) from exc
        raise
    counts = {k: len(v) for k, v in graphs.items() if k != META_GRAPH}
    return BuildReport(config.endpoint, counts, time.perf_counter() - start)

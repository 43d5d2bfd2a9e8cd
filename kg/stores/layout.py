"""What a rolegraph store holds, on any `GraphStore`: its named graphs and the build's metadata.

Named graphs keep the ontology, each case, inferred triples and explanations
apart; the meta graph records when and from which files a store was built and
where each case node was written. These helpers read and write that layout and
work the same on the embedded and a remote store.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..cases.extension import Extension
from ..iris import (
    BASE,
    CASE_GRAPH_PREFIX,
    DCTERMS,
    EXPLANATION_GRAPH,
    INFERRED_GRAPH,
    META,
    ONTOLOGY,
    ONTOLOGY_GRAPH,
    OWL_IMPORTS,
    OWL_ONTOLOGY,
    RDF,
    RDF_TYPE,
    STATEMENT,
)
from ..iris import META_GRAPH as _META_GRAPH_IRI
from ..resources import data_dir, files_state, ontology_files
from .base import GraphStore

META_GRAPH = ox.NamedNode(_META_GRAPH_IRI)
_DEFINED_AT = ox.NamedNode(META + "definedAt")
_EXTENSION = ox.NamedNode(META + "extension")
_REASONED = ox.NamedNode(META + "reasoned")
_CLASH = ox.NamedNode(BASE + "ontology#Clash")


@dataclass
class BuildReport:
    """What a build loaded."""

    path: Path | str  # the store directory, or the endpoint URL of a remote store
    graphs: dict[str, int]
    seconds: float
    reasoned: Any = None  # the kg.reasoning.ReasonReport of `build_store(reason=True)`

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


# The compiler hands rdflib terms over; they are told apart by class name so that this
# module (which every store command imports) does not import rdflib just to open a store.
_KINDS: dict[type, str] = {}


def _kind(term: object) -> str:
    cls = type(term)
    kind = _KINDS.get(cls)
    if kind is None:
        names = {c.__name__ for c in cls.__mro__ if c.__module__.startswith("rdflib")}
        kind = _KINDS[cls] = next((k for k in ("URIRef", "BNode", "Literal") if k in names), "")
    return kind


def to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as the pyoxigraph term the stores use."""
    kind = _kind(term)
    if kind == "URIRef":
        return ox.NamedNode(str(term))
    if kind == "BNode":
        return ox.BlankNode(str(term))
    if kind == "Literal":
        lang, datatype = term.language, term.datatype  # type: ignore[attr-defined]
        if lang:
            return ox.Literal(str(term), language=lang)
        if datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unexpected RDF term {term!r}")


def graph_quads(graph: object, name: ox.NamedNode) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph (or a packed case, `kg.cases.packed`) as Oxigraph quads
    in the named graph `name`."""
    packed = getattr(graph, "ox_triples", None)
    if packed is not None:  # read straight into Oxigraph terms
        for t in packed():
            yield ox.Quad(t.subject, t.predicate, t.object, name)
        return
    iris: dict[object, ox.NamedNode] = {}  # IRIs repeat a lot: convert each once

    def conv(term: object) -> Any:  # a subject, predicate or object: the Quad checks which
        node = iris.get(term)
        if node is None:
            if _kind(term) != "URIRef":
                return to_ox(term)
            node = iris[term] = ox.NamedNode(str(term))
        return node

    for s, p, o in graph:  # type: ignore[attr-defined]
        yield ox.Quad(conv(s), conv(p), conv(o), name)


_RDF_TYPE = ox.NamedNode(RDF_TYPE)
_OWL_ONTOLOGY = ox.NamedNode(OWL_ONTOLOGY)
_OWL_IMPORTS = ox.NamedNode(OWL_IMPORTS)
_HAS_PART = ox.NamedNode(DCTERMS + "hasPart")


def _order_kinds() -> Any:
    """`kg.cases.orderkinds`, imported when the ontology is assembled (building, exporting): it
    reads YAML and SPARQL with rdflib, which opening and querying a store never need."""
    return import_module("kg.cases.orderkinds")


# The merged ontologies of this process, by the files they were read from: each build of a
# process that builds many times (a notebook, the tests) loads the same triples (and blank
# nodes), which also lets the reasoner reuse what it concluded from them (kg.reasoning.per_case).
_MERGED: dict[tuple[Any, ...], list[ox.Triple]] = {}


def ontology_triples(extra: list[Path] | None = None) -> list[ox.Triple]:
    """The ontology modules (and extension modules `extra`) merged into one ontology.

    The header of ontology/rolegraph.ttl is the one header; the modules' headers become
    its `dcterms:hasPart` and imports among merged parts are dropped, so a tool that
    follows owl:imports (owlready2, Protégé) reads one ontology and fetches nothing.
    Read once per process while the files are unchanged (a new list each call)."""
    key = (tuple(map(str, extra or [])),
           files_state([data_dir("ontology"), data_dir("rules"), *(f.parent for f in extra or [])]))
    merged = _MERGED.get(key)
    if merged is None:
        merged = _merged_ontology(extra)
        if len(_MERGED) >= 4:
            _MERGED.pop(next(iter(_MERGED)))
        _MERGED[key] = merged
    return list(merged)


def _merged_ontology(extra: list[Path] | None) -> list[ox.Triple]:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for f in [*ontology_files(), *(extra or [])]
               for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)]
    top = ox.NamedNode(ONTOLOGY)
    parts = {t.subject for t in triples if t.predicate == _RDF_TYPE and t.object == _OWL_ONTOLOGY} - {top}
    kept = [t for t in triples if t.subject not in parts
            and not (t.predicate == _OWL_IMPORTS and isinstance(t.object, ox.NamedNode)
                     and t.object.value.startswith(BASE))]
    kept += [ox.Triple(top, _HAS_PART, part) for part in sorted(parts, key=str)]
    # the classes and properties of the kinds of order rule that extensions declare in YAML
    # (extensions/NAME/order-kinds.yaml beside their ontology.ttl)
    exts = [Extension(f.parent.name, f.parent) for f in extra or [] if f.name == "ontology.ttl"]
    kinds = _order_kinds()
    kept += [ox.Triple(q.subject, q.predicate, q.object) for q in
             graph_quads(kinds.kinds_graph(kinds.load_kinds(exts).kinds), ox.NamedNode(ONTOLOGY))]
    return list(dict.fromkeys(kept))


def meta_quads(case_set: Any, extensions: list[Any] | None = None) -> Iterator[ox.Quad]:
    """What a build records about itself in the meta graph: when, from which files and
    extensions, and the file:line where each case node was written (one at a time: at 10^6
    asserted triples there are 165,000 locations, which a bulk load takes as they come)."""
    yield from _build_quads(case_set, extensions)
    for node, (file, line) in case_set.locations.items():
        yield ox.Quad(ox.NamedNode(str(node)), _DEFINED_AT, ox.Literal(f"{file}:{line}"), META_GRAPH)
    yield from _source_quads(case_set)


def meta_nquads(case_set: Any, extensions: list[Any] | None = None) -> bytes:
    """`meta_quads` as N-Quads for Oxigraph's own loader (`Store.bulk_load`), the locations
    written as text: no Python object per location (at 10^6 a Python quad each cost the
    build 2.5 s). An IRI with a character N-Triples escapes or refuses goes through Oxigraph's
    term, which checks it as `meta_quads` does; a file name is escaped by it once per file."""
    nq = ox.RdfFormat.N_QUADS
    mid = f" {_DEFINED_AT} "
    end = f'" {META_GRAPH} .\n'
    prefix: dict[str, str] = {}  # per file: its literal's opening, `"file:`
    lines: list[str] = []
    for node, (file, line) in case_set.locations.items():
        iri = str(node)
        term = f"<{iri}>" if _PLAIN_IRI.fullmatch(iri) else str(ox.NamedNode(iri))
        opening = prefix.get(file)
        if opening is None:
            opening = prefix[file] = str(ox.Literal(f"{file}:"))[:-1]
        lines.append(f"{term}{mid}{opening}{int(line)}{end}")
    return ((ox.serialize(_build_quads(case_set, extensions), format=nq) or b"") + "".join(lines).encode()
            + (ox.serialize(_source_quads(case_set), format=nq) or b""))


# An absolute IRI that N-Triples writes as it is: a scheme, and none of the characters it
# escapes or refuses. (A case node's IRI was checked by Oxigraph as its case graph was written.)
_PLAIN_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\]*')


def _build_quads(case_set: Any, extensions: list[Any] | None) -> Iterator[ox.Quad]:
    meta = ox.NamedNode(META + "build")
    yield ox.Quad(meta, ox.NamedNode(META + "builtAt"), ox.Literal(time.strftime("%Y-%m-%dT%H:%M:%S")), META_GRAPH)
    for f in case_set.files:
        yield ox.Quad(meta, ox.NamedNode(META + "file"), ox.Literal(f), META_GRAPH)
    for e in extensions or []:
        yield ox.Quad(meta, _EXTENSION, ox.Literal(str(e.path)), META_GRAPH)


def _source_quads(case_set: Any) -> Iterator[ox.Quad]:
    meta = ox.NamedNode(META + "build")
    if getattr(case_set, "setup", ""):
        yield ox.Quad(meta, SETUP, ox.Literal(case_set.setup), META_GRAPH)
    for f in case_set.files:
        yield from source_quads(f, getattr(case_set, "digests", {}).get(f, ""),
                                getattr(case_set, "sources", {}).get(f, []))


SETUP = ox.NamedNode(META + "setup")
SOURCE = ox.NamedNode(META + "source")
SHA256 = ox.NamedNode(META + "sha256")
WROTE = ox.NamedNode(META + "wrote")
_PATH = ox.NamedNode(META + "path")


def source_node(file: str) -> ox.NamedNode:
    """The meta graph's node for a case file (named by a digest of its path, which may hold any character)."""
    return ox.NamedNode(META + "source/" + hashlib.sha1(file.encode()).hexdigest()[:24])


def source_quads(file: str, digest: str, graphs: list[Any]) -> list[ox.Quad]:
    """What the meta graph records of one case file: its path, the digest of its bytes
    and the graphs it wrote to (an incremental build compares them)."""
    node = source_node(file)
    out = [ox.Quad(ox.NamedNode(META + "build"), SOURCE, node, META_GRAPH),
           ox.Quad(node, _PATH, ox.Literal(file), META_GRAPH)]
    if digest:
        out.append(ox.Quad(node, SHA256, ox.Literal(digest), META_GRAPH))
    out += [ox.Quad(node, WROTE, ox.NamedNode(str(g)), META_GRAPH) for g in dict.fromkeys(graphs)]
    return out


def _values(store: GraphStore, node: ox.NamedNode, predicate: ox.NamedNode) -> list[str]:
    return [q.object.value for q in store.quads_for_pattern(node, predicate, None, META_GRAPH)
            if isinstance(q.object, (ox.NamedNode, ox.Literal))]


def recorded_sources(store: GraphStore) -> tuple[str, dict[str, tuple[str, list[str]]]]:
    """The setup digest a store was built with, and per case file its digest and graphs (sorted)."""
    build = ox.NamedNode(META + "build")
    setup = next(iter(_values(store, build, SETUP)), "")
    # One query, not three pattern lookups per file: at 2,000 files it is half the time.
    rows = store.query(f"""SELECT ?path ?sha ?wrote WHERE {{ GRAPH {META_GRAPH} {{
        {build} {SOURCE} ?src . ?src {_PATH} ?path .
        OPTIONAL {{ ?src {SHA256} ?sha }} OPTIONAL {{ ?src {WROTE} ?wrote }} }} }}""")
    out: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        path, sha, wrote = row["path"], row["sha"], row["wrote"]
        entry = out.setdefault(path.value, (sha.value if sha is not None else "", []))
        if wrote is not None:
            entry[1].append(wrote.value)
    for _, graphs in out.values():
        graphs.sort()
    return setup, out


def defined_at(store: GraphStore, node: ox.NamedNode) -> str | None:
    """The `file:line` where a case node was written, as recorded at build."""
    for q in store.quads_for_pattern(node, _DEFINED_AT, None, META_GRAPH):
        if isinstance(q.object, ox.Literal):
            return q.object.value
    return None


def store_extensions(store: GraphStore) -> list[Extension]:
    """The extensions a store was built with (their rules and queries apply to it)."""
    out = []
    for q in store.quads_for_pattern(None, _EXTENSION, None, META_GRAPH):
        if not isinstance(q.object, ox.Literal):
            continue
        path = Path(q.object.value)
        if (path / "ontology.ttl").exists():
            out.append(Extension(path.name, path))
    return sorted(out, key=lambda e: e.name)


def is_reasoned(store: GraphStore) -> bool:
    """Whether the store's inferences are up to date with its asserted graphs."""
    return any(True for _ in store.quads_for_pattern(_REASONED, None, None, META_GRAPH))


def has_clashes(store: GraphStore) -> int:
    """How many clashes the store's inferences hold."""
    return sum(1 for _ in store.quads_for_pattern(None, _RDF_TYPE, _CLASH, ox.NamedNode(INFERRED_GRAPH)))


def asserted_graphs(store: GraphStore) -> list[ox.NamedNode]:
    """The ontology graph and every case graph (not inferred, explanations or meta)."""
    out = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)
           and (g.value == ONTOLOGY_GRAPH or g.value.startswith(CASE_GRAPH_PREFIX))]
    return sorted(out, key=lambda g: g.value)


def derived_graphs(store: GraphStore) -> list[ox.NamedNode]:
    """The graphs that reasoning writes, where present."""
    names = {INFERRED_GRAPH, EXPLANATION_GRAPH}
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value in names]


def query_dataset(store: GraphStore, inference: bool = True) -> dict[str, Any]:
    """Keyword arguments for `store.query`: what a query's default graph holds.

    With inference, a store with a cheap union default graph answers over it: every
    graph, including the explanations and the build's metadata (which use their own
    terms). Listing the graphs instead makes Oxigraph look up each pattern in every
    case graph, which took the flagship query from 0.4 s to 46 s at 200 cases.
    Without inference, or on a store without that union, the graphs are listed: the
    asserted ones (ontology and cases), plus the inferred and explanation graphs."""
    if inference and store.traits.union_default_graph:
        return {"use_default_graph_as_union": True}
    return {"default_graph": asserted_graphs(store) + (derived_graphs(store) if inference else [])}


def statement_iri(t: ox.Triple) -> ox.NamedNode:
    """A stable IRI for the statement (s, p, o): how explanations name a triple where a
    triple term cannot stand (a remote store, and exports: `reified`)."""
    digest = hashlib.sha1(f"{t.subject} {t.predicate} {t.object}".encode()).hexdigest()[:24]
    return ox.NamedNode(STATEMENT + digest)


_RDF_STATEMENT = ox.NamedNode(RDF + "Statement")
_RDF_PARTS = (ox.NamedNode(RDF + "type"), ox.NamedNode(RDF + "subject"), ox.NamedNode(RDF + "predicate"),
              ox.NamedNode(RDF + "object"))


def statement_quads(node: ox.NamedNode, t: ox.Triple, graph: Any) -> list[ox.Quad]:
    """The four quads that describe `node` as the rdf:Statement of `t`, in `graph`."""
    return [ox.Quad(node, p, o, graph)
            for p, o in zip(_RDF_PARTS, (_RDF_STATEMENT, t.subject, t.predicate, t.object), strict=True)]


def reified(quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
    """The quads with each triple term in the object position (a derivation's premise or
    conclusion) named by its rdf:Statement node, described once per graph: the RDF 1.1 form of an
    explanation, which every format and reader takes (RDF/XML and JSON-LD have no triple terms)."""
    described: set[tuple[str, str]] = set()
    for q in quads:
        t = q.object
        if not isinstance(t, ox.Triple):
            yield q
            continue
        node = statement_iri(t)
        yield ox.Quad(q.subject, q.predicate, node, q.graph_name)
        if (node.value, str(q.graph_name)) not in described:
            described.add((node.value, str(q.graph_name)))
            yield from statement_quads(node, t, q.graph_name)

"""The embedded store: a persistent Oxigraph (RocksDB) directory on disk.

`build_store` writes a complete new store beside the old one and swaps it in
only when everything has loaded, so a failed build leaves the previous store
untouched and nothing is ever half-loaded. Named graphs keep the ontology,
each case, inferred triples and explanations apart.
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import StoreError
from .orderkinds import kinds_graph, load_kinds
from .progress import Progress, report as report_progress
from .resources import ontology_files
from .vocab import BASE, CASE_GRAPH_PREFIX, EXPLANATION_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH

META_GRAPH = ox.NamedNode(BASE + "graph/meta")
_META = BASE + "meta#"


def default_store_path() -> Path:
    """Where the store lives unless told otherwise: $ROLEGRAPH_STORE, else the XDG data dir."""
    env = os.environ.get("ROLEGRAPH_STORE")
    if env:
        return Path(env)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "rolegraph" / "store"


def _recover(path: Path) -> None:
    """Finish a swap that was interrupted between its two renames."""
    old = path.with_name(path.name + ".old")
    if not path.exists() and old.exists():
        old.rename(path)


def _remote_config() -> Any:
    """The remote store configured for this command, if any (kg.backend is cheap to import)."""
    from .backend import current

    return current()


@contextmanager
def open_store(path: Path | None = None, *, write: bool = False) -> Iterator[ox.Store]:
    """Open an existing store, read-only unless `write`.

    When a remote SPARQL store is configured (`rolegraph --endpoint URL ...`, see
    kg.backend), this hands out a handle on it instead and `path` is not used.
    """
    remote = _remote_config()
    if remote is not None:
        from .remote import RemoteStore

        handle = RemoteStore(remote)
        try:
            yield handle  # type: ignore[misc]
        finally:
            handle.close()
        return
    path = path or default_store_path()
    _recover(path)
    if not (path / "CURRENT").exists():
        raise StoreError(f"no store at {path}", hint="run `rolegraph build cases/` first, "
                         "or point --store / ROLEGRAPH_STORE at an existing store")
    try:
        store = ox.Store(str(path)) if write else ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}",
                         hint="another rolegraph process may be writing to it; wait for it to finish") from exc
    try:
        yield store
    finally:
        if write:
            store.flush()
        del store
        # Query results can keep the RocksDB handle alive in reference cycles; a
        # later open of the same directory in this process needs it really closed.
        gc.collect()


@dataclass
class BuildReport:
    """What a build loaded."""

    path: Path | str  # the store directory, or the endpoint URL of a remote store
    graphs: dict[str, int]
    seconds: float
    reasoned: Any = None  # the kg.reason.ReasonReport of `build_store(reason=True)`

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unexpected RDF term {term!r}")


def graph_quads(graph: object, name: ox.NamedNode) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph as Oxigraph quads in the named graph `name`."""
    from rdflib import URIRef

    iris: dict[object, ox.NamedNode] = {}  # IRIs repeat a lot: convert each once

    def conv(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if type(term) is URIRef:
            node = iris.get(term)
            if node is None:
                node = iris[term] = ox.NamedNode(str(term))
            return node
        return to_ox(term)

    for s, p, o in graph:  # type: ignore[attr-defined]
        yield ox.Quad(conv(s), conv(p), conv(o), name)


ONTOLOGY_IRI = BASE + "ontology"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_OWL_ONTOLOGY = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
_OWL_IMPORTS = ox.NamedNode("http://www.w3.org/2002/07/owl#imports")
_HAS_PART = ox.NamedNode("http://purl.org/dc/terms/hasPart")


def ontology_triples(extra: list[Path] | None = None) -> list[ox.Triple]:
    """The ontology modules (and extension modules `extra`) merged into one ontology.

    The header of ontology/rolegraph.ttl is the one header; the modules' headers become
    its `dcterms:hasPart` and imports among merged parts are dropped, so a tool that
    follows owl:imports (owlready2, Protégé) reads one ontology and fetches nothing."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for f in [*ontology_files(), *(extra or [])]
               for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)]
    top = ox.NamedNode(ONTOLOGY_IRI)
    parts = {t.subject for t in triples if t.predicate == _RDF_TYPE and t.object == _OWL_ONTOLOGY} - {top}
    kept = [t for t in triples if t.subject not in parts
            and not (t.predicate == _OWL_IMPORTS and isinstance(t.object, ox.NamedNode)
                     and t.object.value.startswith(BASE))]
    kept += [ox.Triple(top, _HAS_PART, part) for part in sorted(parts, key=str)]
    return list(dict.fromkeys(kept))


def load_ontology_into(store: ox.Store, extra: list[Path] | None = None) -> None:
    """Load the ontology modules, merged into one ontology, into the ontology graph."""
    graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in ontology_triples(extra))


def meta_quads(case_set: Any, extensions: list[Any] | None = None) -> list[ox.Quad]:
    """What a build records about itself in the meta graph: when, from which files and
    extensions, and the file:line where each case node was written."""
    meta = ox.NamedNode(_META + "build")
    out = [ox.Quad(meta, ox.NamedNode(_META + "builtAt"),
                   ox.Literal(time.strftime("%Y-%m-%dT%H:%M:%S")), META_GRAPH)]
    out += [ox.Quad(meta, ox.NamedNode(_META + "file"), ox.Literal(f), META_GRAPH) for f in case_set.files]
    out += [ox.Quad(meta, ox.NamedNode(_META + "extension"), ox.Literal(str(e.path)), META_GRAPH)
            for e in extensions or []]
    defined_at = ox.NamedNode(_META + "definedAt")
    out += [ox.Quad(ox.NamedNode(str(node)), defined_at, ox.Literal(f"{file}:{line}"), META_GRAPH)
            for node, (file, line) in case_set.locations.items()]
    return out


LOAD_CHUNK = 100_000  # quads per bulk load when building without reasoning


def build_store(case_set: object, path: Path | None = None, *, extensions: list[Any] | None = None,
                progress: Progress | None = None, reason: bool = False, release_cases: bool = False) -> BuildReport:
    """Build a new store from the ontology, extensions and validated cases, then swap it in.

    With `reason`, each batch of cases is reasoned with the ontology as it is loaded
    (`kg.reason.reason_while_loading`): the same store as `build` then `reason`, without
    reading the cases back from disk. `release_cases` lets it drop each case graph from
    `case_set` once loaded (the command line does; a notebook may want to keep them)."""
    from .validate import CaseSet

    assert isinstance(case_set, CaseSet)
    remote = _remote_config()
    if remote is not None:
        from .remote import build_remote

        return build_remote(remote, case_set, extensions=extensions)
    path = path or default_store_path()
    start = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    _recover(path)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    counts: dict[str, int] = {}
    reasoned = None
    try:
        store = ox.Store(str(tmp))
        load_ontology_into(store, [e.ontology for e in extensions or []])
        onto = ox.NamedNode(str(ONTOLOGY_GRAPH))
        # classes and properties of the order-rule kinds that extensions declare in YAML
        store.bulk_extend(list(graph_quads(kinds_graph(load_kinds(extensions).kinds), onto)))
        counts[onto.value] = sum(1 for _ in store.quads_for_pattern(None, None, None, onto))
        # A fresh store, swapped in only when complete: the bulk loader needs no transaction.
        for name, g in case_set.graphs.items():
            counts[str(name)] = counts.get(str(name), 0) + len(g)
        if reason:
            from .reason import reason_while_loading

            reasoned = reason_while_loading(store, case_set, extensions, progress, release=release_cases)
        else:
            # One bulk load per chunk of graphs: the bulk loader buffers what one call gives it.
            names = list(case_set.graphs)
            chunk: list[ox.Quad] = []
            for i, name in enumerate(names, 1):
                chunk += graph_quads(case_set.graphs[name], ox.NamedNode(str(name)))
                if release_cases:
                    del case_set.graphs[name]
                if len(chunk) >= LOAD_CHUNK or i == len(names):
                    store.bulk_extend(chunk)
                    chunk = []
                report_progress(progress, "load", i, len(names))
            store.bulk_extend(meta_quads(case_set, extensions))
        store.flush()
        store.optimize()
        del store
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise StoreError(f"building the store failed: {exc}",
                         hint="the previous store is unchanged") from exc
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return BuildReport(path, counts, time.perf_counter() - start, reasoned)


def defined_at(store: ox.Store, node: ox.NamedNode) -> str | None:
    """The `file:line` where a case node was written, as recorded at build."""
    for q in store.quads_for_pattern(node, ox.NamedNode(_META + "definedAt"), None, META_GRAPH):
        return str(q.object.value)
    return None


def store_extensions(store: ox.Store) -> list[Any]:
    """The extensions a store was built with (their rules and queries apply to it)."""
    from .extensions import Extension

    out = []
    for q in store.quads_for_pattern(None, ox.NamedNode(_META + "extension"), None, META_GRAPH):
        path = Path(q.object.value)
        if (path / "ontology.ttl").exists():
            out.append(Extension(path.name, path))
    return sorted(out, key=lambda e: e.name)


def asserted_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The ontology graph and every case graph (not inferred, explanations or meta)."""
    out = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)
           and (g.value == str(ONTOLOGY_GRAPH) or g.value.startswith(CASE_GRAPH_PREFIX))]
    return sorted(out, key=lambda g: g.value)


def query_dataset(store: Any, inference: bool = True) -> dict[str, Any]:
    """Keyword arguments for `Store.query`: what a query's default graph holds.

    With inference, the embedded store answers over its union default graph: every
    graph, including the explanations and the build's metadata (which use their own
    terms). Listing the graphs instead makes Oxigraph look up each pattern in every
    case graph, which took the flagship query from 0.4 s to 46 s at 200 cases.
    Without inference, or on a remote store, the graphs are listed: the asserted
    ones (ontology and cases), plus the inferred and explanation graphs."""
    if inference and not getattr(store, "is_remote", False):
        return {"use_default_graph_as_union": True}
    return {"default_graph": asserted_graphs(store) + (derived_graphs(store) if inference else [])}


def derived_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The graphs that reasoning writes, where present."""
    names = {str(INFERRED_GRAPH), str(EXPLANATION_GRAPH)}
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value in names]


EXPORT_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS,
                  "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}

PREFIXES = {"rg": BASE + "ontology#", "role": BASE + "role/",
            "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "owl": "http://www.w3.org/2002/07/owl#", "skos": "http://www.w3.org/2004/02/skos/core#",
            "dcterms": "http://purl.org/dc/terms/", "xsd": "http://www.w3.org/2001/XMLSchema#"}


def export_store(store: ox.Store, fmt: str, *, ontology: bool = False, inferred: bool = False) -> bytes:
    """Serialise the case graphs (and, if asked, the ontology and derived graphs) as `fmt`.

    The ontology is left out by default because `build` always loads the
    shipped ontology itself: an export then builds back to the same store.
    """
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format '{fmt}'", hint=f"use one of {', '.join(EXPORT_FORMATS)}")
    graphs = [g for g in asserted_graphs(store) if ontology or g.value != str(ONTOLOGY_GRAPH)]
    graphs += derived_graphs(store) if inferred else []
    return serialize_quads((q for g in graphs for q in store.quads_for_pattern(None, None, None, g)), fmt)


def export_ontology(fmt: str, extensions: list[Path] | None = None) -> bytes:
    """The ontology (with extension modules) as one merged ontology in `fmt`; needs no store."""
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format '{fmt}'", hint=f"use one of {', '.join(EXPORT_FORMATS)}")
    graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    return serialize_quads((ox.Quad(t.subject, t.predicate, t.object, graph) for t in ontology_triples(extensions)),
                           fmt)


def serialize_quads(quads: Iterator[ox.Quad], fmt: str) -> bytes:
    """Quads as `fmt`: datasets keep their graphs; triple formats get the union of the graphs.

    JSON-LD is written by rdflib, compacted with an inline `@context` of the prefixes
    (Oxigraph writes expanded JSON-LD only); nothing in it refers to a remote context."""
    rdf_format = EXPORT_FORMATS[fmt]
    if fmt == "jsonld":
        from rdflib import Dataset

        ds = Dataset()
        ds.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", format="nquads")
        return ds.serialize(format="json-ld", context=PREFIXES, auto_compact=True, encoding="utf-8")
    if rdf_format.supports_datasets:
        data = ox.serialize(quads, format=rdf_format, prefixes=PREFIXES if fmt == "trig" else None)
    else:
        seen = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
        data = ox.serialize(sorted(seen, key=str), format=rdf_format,
                            prefixes=PREFIXES if fmt in ("ttl", "rdfxml") else None)
    assert data is not None
    return data

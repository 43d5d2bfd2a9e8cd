"""Where the graph lives: the one place that picks a store implementation for a `Target`.

A target is a store directory (`Path`, the embedded Oxigraph store) or a
`RemoteConfig` (a SPARQL 1.1 store). `open_store` hands out a `GraphStore` for
it; `build` loads validated cases into it, replacing what was there atomically.
Everything else works on the `GraphStore` it is given and reads its `traits`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset

from ..errors import StoreError
from ..iris import ONTOLOGY_GRAPH, PREFIXES
from ..progress import Progress
from ..targets import RemoteConfig, Target, config_from, default_store_path, describe
from .base import EMBEDDED, REMOTE, GraphStore, StoreTraits
from .embedded import Loader, build_embedded, open_embedded
from .folder import Notice
from .layout import BuildReport, asserted_graphs, derived_graphs, ontology_triples
from .remote import RemoteStore, build_remote

__all__ = [
    "EMBEDDED", "REMOTE", "BuildReport", "GraphStore", "Loader", "RemoteConfig", "StoreTraits", "Target", "build", "config_from",
    "default_store_path", "describe", "export_ontology", "export_store", "open_store", "serialize_quads",
    "traits_of",
]


def _resolve(target: Target | None) -> Target:
    return default_store_path() if target is None else target


def traits_of(target: Target | None) -> StoreTraits:
    """The traits of the store a target names, without opening it."""
    return REMOTE if isinstance(target, RemoteConfig) else EMBEDDED


@contextmanager
def open_store(target: Target | None = None, *, write: bool = False,
               on_wait: Notice | None = None) -> Iterator[GraphStore]:
    """Open the store a target names (default: the embedded store at `default_store_path()`),
    read-only unless `write` (a remote store takes updates whenever its server does).

    A writer of the embedded store holds its writer lock (`on_wait` hears when it waits
    for another writer; kg.stores.folder)."""
    target = _resolve(target)
    if isinstance(target, RemoteConfig):
        handle = RemoteStore(target)
        try:
            yield handle
        finally:
            handle.close()
        return
    with open_embedded(target, write=write, on_wait=on_wait) as store:
        yield store


def build(target: Target | None, case_set: Any, *, extensions: list[Any] | None = None,
          progress: Progress | None = None, release_cases: bool = False,
          loader: Loader | None = None, on_wait: Notice | None = None) -> BuildReport:
    """Load the ontology (with the extensions' modules) and validated cases into the target,
    replacing its previous contents only once everything has loaded.

    `loader` fills a fresh embedded store in place of the plain load (see
    `kg.stores.embedded.build_embedded`); a store that reasons in place takes none."""
    target = _resolve(target)
    if isinstance(target, RemoteConfig):
        if loader is not None:
            raise StoreError("a remote store is loaded as it is; it cannot reason while loading",
                             hint="build, then reason (the rules run inside the remote store)")
        return build_remote(target, case_set, extensions=extensions)
    return build_embedded(target, case_set, extensions=extensions, progress=progress,
                          release_cases=release_cases, loader=loader, on_wait=on_wait)


EXPORT_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS,
                  "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}


def export_store(store: GraphStore, fmt: str, *, ontology: bool = False, inferred: bool = False) -> bytes:
    """Serialise the case graphs (and, if asked, the ontology and derived graphs) as `fmt`.

    The ontology is left out by default because `build` always loads the
    shipped ontology itself: an export then builds back to the same store.
    """
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format '{fmt}'", hint=f"use one of {', '.join(EXPORT_FORMATS)}")
    graphs = [g for g in asserted_graphs(store) if ontology or g.value != ONTOLOGY_GRAPH]
    graphs += derived_graphs(store) if inferred else []
    return serialize_quads((q for g in graphs for q in store.quads_for_pattern(None, None, None, g)), fmt)


def export_ontology(fmt: str, extensions: list[Path] | None = None) -> bytes:
    """The ontology (with extension modules) as one merged ontology in `fmt`; needs no store."""
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format '{fmt}'", hint=f"use one of {', '.join(EXPORT_FORMATS)}")
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    return serialize_quads((ox.Quad(t.subject, t.predicate, t.object, graph) for t in ontology_triples(extensions)),
                           fmt)


def serialize_quads(quads: Iterator[ox.Quad], fmt: str) -> bytes:
    """Quads as `fmt`: datasets keep their graphs; triple formats get the union of the graphs.

    JSON-LD is written by rdflib, compacted with an inline `@context` of the prefixes
    (Oxigraph writes expanded JSON-LD only); nothing in it refers to a remote context."""
    rdf_format = EXPORT_FORMATS[fmt]
    if fmt == "jsonld":
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

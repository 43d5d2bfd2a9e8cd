"""The store's graphs, or the merged ontology, written as RDF files (Turtle, N-Triples, TriG, N-Quads, JSON-LD, RDF/XML)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from ..errors import StoreError
from ..i18n import N_
from ..iris import ONTOLOGY_GRAPH, PREFIXES
from .base import GraphStore
from .layout import asserted_graphs, derived_graphs, ontology_triples, reified

EXPORT_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS,
                  "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}


def export_store(store: GraphStore, fmt: str, *, ontology: bool = False, inferred: bool = False) -> bytes:
    """Serialise the case graphs (and, if asked, the ontology and derived graphs) as `fmt`.

    The ontology is left out by default because `build` always loads the
    shipped ontology itself: an export then builds back to the same store.
    """
    if fmt not in EXPORT_FORMATS:
        raise StoreError(N_("unknown export format '{fmt}'"), hint=N_("use one of {join}"), params={"fmt": fmt, "join": ', '.join(EXPORT_FORMATS)})
    graphs = [g for g in asserted_graphs(store) if ontology or g.value != ONTOLOGY_GRAPH]
    graphs += derived_graphs(store) if inferred else []
    # Derivations name their premises by triple terms in the store; an export names them by
    # rdf:Statement nodes, as RDF 1.1 readers (rdflib, Protégé) and every format here take.
    return serialize_quads(reified(q for g in graphs for q in store.quads_for_pattern(None, None, None, g)), fmt)


def export_ontology(fmt: str, extensions: list[Path] | None = None) -> bytes:
    """The ontology (with extension modules) as one merged ontology in `fmt`; needs no store."""
    if fmt not in EXPORT_FORMATS:
        raise StoreError(N_("unknown export format '{fmt}'"), hint=N_("use one of {join}"), params={"fmt": fmt, "join": ', '.join(EXPORT_FORMATS)})
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

"""A compiled case packed as compressed N-Triples: what a worker process hands back.

Cases compiled in worker processes come back as bytes, not as rdflib terms: a
million triples as Python objects cost the parent about 700 MB, the same triples
as zlib-compressed N-Triples a few tens. Building a store reads them straight into
Oxigraph terms (`ox_triples`); anything that wants rdflib terms (SHACL, a merge
with an RDF file's graph) iterates them as such, made on demand.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_NT = ox.RdfFormat.N_TRIPLES


def ox_term(term: Any) -> Any:
    """An rdflib term as Oxigraph stores it (as `kg.stores.layout.to_ox` converts it)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise TypeError(f"unexpected RDF term {term!r}")


def rdflib_term(term: Any) -> Any:
    """An Oxigraph term as rdflib's (a plain string literal without a datatype)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))


def node_key(term: Any) -> str:
    """An IRI or blank node of a graph as one string: the IRI, or `_:` and the label."""
    return "_:" + term.value if isinstance(term, ox.BlankNode) else str(term.value)


def _mentioned(triples: list[ox.Triple]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    literal = ox.Literal
    return (frozenset(node_key(t.subject) for t in triples),
            frozenset(node_key(t.object) for t in triples if not isinstance(t.object, literal)),
            frozenset(t.predicate.value for t in triples))


class PackedTriples:
    """The triples of one graph as zlib-compressed N-Triples, with their number and which
    nodes they mention (`nodes`)."""

    __slots__ = ("count", "data", "nodes")

    def __init__(self, data: bytes, count: int,
                 nodes: tuple[frozenset[str], frozenset[str], frozenset[str]] | None = None) -> None:
        self.data = data
        self.count = count
        self.nodes = nodes

    @classmethod
    def pack(cls, triples: Iterable[tuple[Any, Any, Any]]) -> PackedTriples:
        """Pack rdflib triples (each once, as a compiled case holds them)."""
        ox_triples = [ox.Triple(ox_term(s), ox_term(p), ox_term(o)) for s, p, o in triples]
        data = ox.serialize(ox_triples, format=_NT) or b""
        # What grouping the cases for reasoning needs (kg.reasoning.partition), got here, in
        # the worker that compiled the case, rather than by reading every triple again.
        return cls(zlib.compress(data, 1), len(ox_triples), _mentioned(ox_triples))

    def mentions(self) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """The subjects, the objects that are not literals, and the predicates, as `node_key`
        strings (predicates as their IRIs)."""
        if self.nodes is None:
            self.nodes = _mentioned(list(self.ox_triples()))
        return self.nodes

    def zlib_ntriples(self) -> bytes:
        """The triples as they are kept: N-Triples, zlib-compressed (to ship to a worker as is)."""
        return self.data

    def ox_triples(self) -> Iterator[ox.Triple]:
        """The triples as Oxigraph terms (blank node labels kept)."""
        return iter(ox.parse(zlib.decompress(self.data), format=_NT))

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        for t in self.ox_triples():
            yield rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)

    def __len__(self) -> int:
        return self.count

"""Split a store's case graphs into independent parts for reasoning.

Cases share only the ontology: a case's nodes live under its own IRI. Two
case graphs that do mention a common node (an actor shared by two Turtle
files, say) must be reasoned together, so the parts are the connected
components of "mentions the same node", ignoring the ontology's own nodes
(classes, properties, roles), which every part gets a copy of. Reasoning
each part with the ontology then gives the same closure as reasoning the
whole store, for rules whose premises join within one case (`scope: case`).

Equality can join nodes no case shares: two cases whose people have the same value of a
key or of an inverse-functional property (a literal, or an ontology node), or say
`owl:sameAs` the same ontology node. For the `joining` properties
(`kg.reason.joining_properties`) the object always counts, literal or shared, so such
cases land in one part and reason together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol, cast

import pyoxigraph as ox

from ..cases.packed import node_key
from ..stores.base import GraphStore

Node = ox.NamedNode | ox.BlankNode


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


class SchemaStatement(Exception):
    """A case graph states something about an ontology node, which may bear on every case."""

    def __init__(self, graph: Any, triple: tuple[Any, Any, Any]) -> None:
        super().__init__(f"{getattr(graph, 'value', graph)} states {' '.join(map(str, triple))}")
        self.graph = graph
        self.triple = triple


def partitions(store: GraphStore, graphs: list[ox.NamedNode], shared: set[Node],
               joining: Iterable[Any] = ()) -> tuple[list[list[ox.NamedNode]], dict[ox.NamedNode, int]]:
    """The case graphs of a store grouped into parts that mention no common node outside
    `shared`. Parts come in the order of their first graph; graphs keep their order within
    a part. Also returns the number of triples in each graph.
    Raises SchemaStatement if a case graph has an ontology node as a subject: then the
    cases are not independent and the store must be reasoned as a whole."""
    triples = ((g, ((q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, g)))
               for g in graphs)
    return group(list(graphs), triples, shared, joining=joining)


class Mentions(Protocol):
    """A graph that says which nodes it mentions without being read again
    (`kg.cases.packed.PackedTriples`: the worker that compiled the case noted them)."""

    def mentions(self) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """Subjects, objects that are not literals (as `node_key`s), predicates (IRIs)."""
        ...

    def ox_triples(self) -> Iterator[ox.Triple]: ...

    def __len__(self) -> int: ...


def group(keys: list[Any], triples: Iterable[tuple[Any, Iterable[Any] | Mentions]], shared: Iterable[Any],
          joining: Iterable[Any] = ()) -> tuple[list[list[Any]], dict[Any, int]]:
    """Union-find of graphs (given as `(key, triples)`, each triple a tuple of three Oxigraph
    terms, or as `(key, graph)` for a graph that knows what it mentions: `Mentions`) over
    the nodes they mention. Objects of `joining` properties count even when literal or
    shared (a literal by its lexical form, as equal values may be spelt alike with two
    datatypes)."""
    index = {k: i for i, k in enumerate(keys)}
    uf = _UnionFind(len(keys))
    first: dict[Any, int] = {}
    sizes: dict[Any, int] = {}
    literal = ox.Literal
    schema = {node_key(n) for n in shared if not isinstance(n, literal)}
    joins = {node_key(p) for p in joining}

    def link(node: Any, i: int) -> None:
        j = first.setdefault(node, i)
        if j != i:
            uf.union(i, j)

    def join(o: Any, i: int) -> None:
        link(("literal", o.value) if isinstance(o, literal) else ("joined", node_key(o)), i)

    for key, ts in triples:
        i = index[key]
        if hasattr(ts, "mentions"):
            graph = cast(Mentions, ts)
            subjects, objects, predicates = graph.mentions()
            if not subjects.isdisjoint(schema):
                t = next(t for t in graph.ox_triples() if node_key(t.subject) in schema)
                raise SchemaStatement(key, (t.subject, t.predicate, t.object))
            for node in subjects:
                link(node, i)
            for node in objects - schema:
                link(node, i)
            if not predicates.isdisjoint(joins):
                for t in graph.ox_triples():
                    if t.predicate.value in joins:
                        join(t.object, i)
            sizes[key] = len(graph)
            continue
        n = 0
        for s, p, o in cast(Iterable[tuple[Any, Any, Any]], ts):
            n += 1
            sk = node_key(s)
            if sk in schema:
                raise SchemaStatement(key, (s, p, o))
            link(sk, i)
            if p.value in joins:
                join(o, i)
            if not isinstance(o, literal) and (ok := node_key(o)) not in schema:
                link(ok, i)
        sizes[key] = n
    parts: dict[int, list[Any]] = {}
    for k in keys:
        parts.setdefault(uf.find(index[k]), []).append(k)
    return list(parts.values()), sizes


def batches(parts: list[list[Any]], sizes: dict[Any, int], target: int) -> Iterator[list[Any]]:
    """Parts packed, in order, into batches of about `target` triples (a big part stays whole)."""
    batch: list[Any] = []
    total = 0
    for part in parts:
        n = sum(sizes.get(g, 0) for g in part)
        if batch and total + n > target:
            yield batch
            batch, total = [], 0
        batch += part
        total += n
    if batch:
        yield batch


def schema_nodes(quads: Iterable[ox.Quad]) -> set[Node]:
    """Every IRI and blank node of the ontology (and its inferences): shared by all parts."""
    out: set[Node] = set()
    for q in quads:
        out.add(q.subject)  # type: ignore[arg-type]
        out.add(q.predicate)
        if not isinstance(q.object, ox.Literal):
            out.add(q.object)  # type: ignore[arg-type]
    return out


def joining_properties(schema: list[ox.Quad]) -> set[ox.NamedNode]:
    """The properties whose objects can make nodes of two cases the same: owl:sameAs,
    inverse-functional properties, key properties and inverses of functional properties,
    with their subproperties and equivalents. Cases whose triples with such a property
    share an object, even an ontology node or a literal, are reasoned together."""
    owl = "http://www.w3.org/2002/07/owl#"
    out: set[Any] = {ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")}
    functional: set[Any] = set()
    for q in schema:
        p, o = q.predicate.value, q.object
        if p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#" + "type" and o == ox.NamedNode(owl + "InverseFunctionalProperty"):
            out.add(q.subject)
        elif p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#" + "type" and o == ox.NamedNode(owl + "FunctionalProperty"):
            functional.add(q.subject)
        elif p == owl + "hasKey":
            node: Any = o
            while isinstance(node, (ox.BlankNode, ox.NamedNode)) and node.value != "http://www.w3.org/1999/02/22-rdf-syntax-ns#" + "nil":
                out.update(x.object for x in schema if x.subject == node and x.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#" + "first")
                node = next((x.object for x in schema if x.subject == node and x.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#" + "rest"), None)
    for q in schema:
        if q.predicate.value == owl + "inverseOf":
            if q.subject in functional:
                out.add(q.object)
            if q.object in functional:
                out.add(q.subject)
    while True:
        more: set[Any] = {q.subject for q in schema if q.object in out and q.predicate.value in
                ("http://www.w3.org/2000/01/rdf-schema#" + "subPropertyOf", owl + "equivalentProperty")}
        more |= {q.object for q in schema if q.subject in out and q.predicate.value == owl + "equivalentProperty"}
        more = {m for m in more if isinstance(m, ox.NamedNode)} - out
        if not more:
            return out
        out |= more

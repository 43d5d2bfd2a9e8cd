"""Split a store's case graphs into independent parts for reasoning.

Cases share only the ontology: a case's nodes live under its own IRI. Two
case graphs that do mention a common node (an actor shared by two Turtle
files, say) must be reasoned together, so the parts are the connected
components of "mentions the same node", ignoring the ontology's own nodes
(classes, properties, roles), which every part gets a copy of. Reasoning
each part with the ontology then gives the same closure as reasoning the
whole store, for rules whose premises join within one case (`scope: case`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

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

    def __init__(self, graph: ox.NamedNode, quad: ox.Quad) -> None:
        super().__init__(f"{graph.value} states {quad.subject} {quad.predicate} {quad.object}")
        self.graph = graph
        self.quad = quad


def partitions(store: ox.Store, graphs: list[ox.NamedNode],
               shared: set[Node]) -> tuple[list[list[ox.NamedNode]], dict[ox.NamedNode, int]]:
    """The case graphs grouped into parts that mention no common node outside `shared`.

    Parts come in the order of their first graph; graphs keep their order within a part.
    Also returns the number of triples in each graph.
    Raises SchemaStatement if a case graph has an ontology node as a subject: then the
    cases are not independent and the store must be reasoned as a whole."""
    uf = _UnionFind(len(graphs))
    first: dict[Node, int] = {}
    sizes: dict[ox.NamedNode, int] = {}
    for i, g in enumerate(graphs):
        n = 0
        for q in store.quads_for_pattern(None, None, None, g):
            n += 1
            if q.subject in shared:
                raise SchemaStatement(g, q)
            for node in (q.subject, q.object):
                if isinstance(node, ox.Literal) or node in shared:
                    continue
                j = first.setdefault(node, i)  # type: ignore[arg-type]
                if j != i:
                    uf.union(i, j)
        sizes[g] = n
    parts: dict[int, list[ox.NamedNode]] = {}
    for i, g in enumerate(graphs):
        parts.setdefault(uf.find(i), []).append(g)
    return list(parts.values()), sizes


def batches(parts: list[list[ox.NamedNode]], sizes: dict[ox.NamedNode, int],
            target: int) -> Iterator[list[ox.NamedNode]]:
    """Parts packed, in order, into batches of about `target` triples (a big part stays whole)."""
    batch: list[ox.NamedNode] = []
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

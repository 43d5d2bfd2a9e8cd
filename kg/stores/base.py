"""What the stages need from a store: the `GraphStore` protocol and its declared `StoreTraits`.

Two implementations: the embedded Oxigraph store (`kg.stores.embedded`) and a remote
SPARQL 1.1 store (`kg.stores.remote`). The few ways they differ are flags, read
from `store.traits`, never guessed from the store's type (rdflib's `Store` keeps its
capabilities as attributes the same way). Terms are pyoxigraph's on both.

A `Target` (`kg.targets`) says where the graph lives: a store directory, or a
`RemoteConfig`. The command line (or a notebook) decides it once and passes it down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox

# QuerySolutions, QueryBoolean, or triples (pyoxigraph's QueryTriples, a list on a remote store);
# Any, because the stages each know which form they asked for.
Answer = Any


@dataclass(frozen=True)
class StoreTraits:
    """How a store differs from the others, declared."""

    union_default_graph: bool  # the default graph is the union of all graphs, cheaply
    reasons_in_place: bool  # rules run inside the store (SPARQL Update), not in this process
    skolemises: bool  # blank nodes are kept as skolem IRIs (statement IRIs minted in SPARQL)
    swaps_on_build: bool = True  # a failed build leaves the previous data as it was
    # A line to put before an update so that the store keeps the join order as written
    # (rules are written schema patterns first); empty when the store needs none.
    keep_join_order: str = ""


EMBEDDED = StoreTraits(union_default_graph=True, reasons_in_place=False, skolemises=False)
REMOTE = StoreTraits(union_default_graph=False, reasons_in_place=True, skolemises=True)


@runtime_checkable
class GraphStore(Protocol):
    """The store methods rolegraph's stages use (a subset of pyoxigraph's `Store`)."""

    @property
    def traits(self) -> StoreTraits: ...

    def describe(self) -> str:
        """What to call the store in messages: its directory or its endpoint URL."""
        ...

    def query(self, query: str, /, *, base_iri: str | None = None, prefixes: dict[str, str] | None = None,
              use_default_graph_as_union: bool = False, default_graph: Any = None,
              named_graphs: Any = None) -> Answer: ...

    def update(self, update: str, /, *, base_iri: str | None = None,
               prefixes: dict[str, str] | None = None) -> None: ...

    def quads_for_pattern(self, subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
                          predicate: ox.NamedNode | None,
                          object: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None,
                          graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
                          /) -> Iterable[ox.Quad]: ...

    def named_graphs(self) -> Iterable[ox.NamedNode | ox.BlankNode]: ...

    def contains_named_graph(self, graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph, /) -> bool: ...

    def add(self, quad: ox.Quad, /) -> None: ...

    def extend(self, quads: Iterable[ox.Quad], /) -> None: ...

    def bulk_extend(self, quads: Iterable[ox.Quad], /) -> None: ...

    def remove(self, quad: ox.Quad, /) -> None: ...

    def remove_graph(self, graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph, /) -> None: ...

    def flush(self) -> None: ...

    def optimize(self) -> None: ...



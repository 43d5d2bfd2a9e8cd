"""The store interface: both stores are `GraphStore`s with declared traits, the target picks
the implementation in one place, and the remote store takes exactly the keywords of the
protocol (none silently ignored). The remote store against real servers: tests/test_remote.py."""

from __future__ import annotations

import inspect
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import StoreError
from kg.stores import EMBEDDED, REMOTE, GraphStore, open_store, traits_of
from kg.stores.embedded import EmbeddedStore, in_memory
from kg.stores.layout import query_dataset
from kg.stores.remote import RemoteStore
from kg.targets import config_from

CONFIG = config_from("http://127.0.0.1:9/sparql", env={})  # nothing listens there: no request is made


def _protocol_methods() -> list[str]:
    return [name for name, value in vars(GraphStore).items()
            if callable(value) and not name.startswith("_")]


def test_both_stores_are_graph_stores() -> None:
    assert isinstance(in_memory(), GraphStore)
    assert isinstance(RemoteStore(CONFIG), GraphStore)
    assert in_memory().traits == EMBEDDED and RemoteStore(CONFIG).traits == REMOTE
    assert EMBEDDED.union_default_graph and not EMBEDDED.reasons_in_place and not EMBEDDED.skolemises
    assert not REMOTE.union_default_graph and REMOTE.reasons_in_place and REMOTE.skolemises


@pytest.mark.parametrize("method", _protocol_methods())
def test_the_remote_store_takes_the_keywords_of_the_protocol(method: str) -> None:
    wanted = inspect.signature(getattr(GraphStore, method)).parameters
    got = inspect.signature(getattr(RemoteStore, method)).parameters
    for name, param in wanted.items():
        if param.kind is inspect.Parameter.KEYWORD_ONLY:
            assert name in got and got[name].kind is inspect.Parameter.KEYWORD_ONLY, (method, name)
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in got.values()), \
        f"RemoteStore.{method} would swallow keywords it does not understand"


def test_an_unknown_keyword_is_an_error_not_ignored() -> None:
    with pytest.raises(TypeError):
        RemoteStore(CONFIG).query("ASK {}", substitutions={})  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="not both"):
        RemoteStore(CONFIG).query("ASK {}", default_graph=[ox.NamedNode("urn:x:g")], use_default_graph_as_union=True)


def test_the_embedded_store_takes_the_keywords_of_the_protocol() -> None:
    store = in_memory([ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"),
                               ox.NamedNode("urn:x:g"))])
    wanted = [n for n, p in inspect.signature(GraphStore.query).parameters.items()
              if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert bool(store.query("ASK { ?s ?p ?o }", **{k: v for k, v in {
        "base_iri": "urn:x:", "prefixes": {"x": "urn:x:"}, "use_default_graph_as_union": True,
        "default_graph": None, "named_graphs": None}.items() if k in wanted}))


def test_the_target_picks_the_store(tmp_path: Path) -> None:
    assert traits_of(tmp_path / "store") == EMBEDDED and traits_of(None) == EMBEDDED
    assert traits_of(CONFIG) == REMOTE
    with pytest.raises(StoreError, match="no store at"), open_store(tmp_path / "missing"):
        pass


def test_the_dataset_of_a_query_follows_the_traits() -> None:
    embedded = EmbeddedStore(ox.Store())
    assert query_dataset(embedded, True) == {"use_default_graph_as_union": True}
    assert query_dataset(embedded, False) == {"default_graph": []}


def test_meta_as_nquads_is_the_meta_graph_as_quads(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a reasoning build bulk-loads as text (`meta_nquads`) is what `meta_quads` gives,
    for file names N-Triples must escape and IRIs it writes as they are or escaped."""
    from rdflib import URIRef

    from kg.cases.validate import CaseSet
    from kg.stores import layout

    monkeypatch.setattr(layout.time, "strftime", lambda fmt: "2026-12-02T10:00:00")
    files = ['cases/a.yaml', 'cases/"quoted" \\ back\nline.yaml', 'cases/æøå ü.yaml']
    cs = CaseSet(files=files, digests={f: "ab" * 32 for f in files}, setup="s" * 40,
                 sources={f: [URIRef(f"https://w3id.org/rolegraph/graph/case/c{i}")] for i, f in enumerate(files)})
    iris = ["https://w3id.org/rolegraph/case/c/actor/anna", "https://example.org/æøå/ü?x=1#frag",
            "urn:uuid:0b9f", "https://example.org/a%20b"]
    cs.locations = {URIRef(iri): (files[i % len(files)], 10 + i) for i, iri in enumerate(iris)}
    want = list(layout.meta_quads(cs, []))
    got = list(ox.parse(layout.meta_nquads(cs, []), format=ox.RdfFormat.N_QUADS))
    assert got == want
    cs.locations = {URIRef("https://example.org/a b"): ("cases/a.yaml", 1)}  # no IRI: refused by both
    with pytest.raises(ValueError):
        list(layout.meta_quads(cs, []))
    with pytest.raises(ValueError):
        layout.meta_nquads(cs, [])

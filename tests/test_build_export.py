"""Build into the embedded store, export, and the guarantees around them."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from .conftest import CASES, ROOT

FORMATS = {"ttl": "turtle", "nt": "nt", "trig": "trig", "jsonld": "json-ld"}


def _graphs(path: Path, fmt: str) -> dict[str, object]:
    ds = Dataset()
    ds.parse(path, format=FORMATS[fmt])
    named = fmt in ("trig", "jsonld")
    return {str(g.identifier) if named else "default": g for g in ds.graphs() if len(g)}


# the fast loop keeps the formats with named graphs (trig) and the most elaborate syntax (jsonld)
@pytest.mark.parametrize("fmt", [f if f in ("trig", "jsonld") else pytest.param(f, marks=pytest.mark.slow)
                                 for f in sorted(FORMATS)])
def test_export_build_export_round_trips(fmt: str, cli, built_store: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ROLEGRAPH_STORE", str(built_store))  # the shipped cases, built once per session
    first = tmp_path / f"first.{fmt}"
    assert cli("export", "--format", fmt, "-o", str(first)).exit_code == 0
    monkeypatch.setenv("ROLEGRAPH_STORE", str(tmp_path / "second-store"))
    result = cli("build", str(first))
    assert result.exit_code == 0, result.output
    second = tmp_path / f"second.{fmt}"
    assert cli("export", "--format", fmt, "-o", str(second)).exit_code == 0
    a, b = _graphs(first, fmt), _graphs(second, fmt)
    assert sorted(a) == sorted(b)
    for name in a:
        if not isomorphic(a[name], b[name]):
            _, only_a, only_b = graph_diff(to_isomorphic(a[name]), to_isomorphic(b[name]))
            pytest.fail(f"graph {name} differs:\nonly first:\n{only_a.serialize(format='nt')}\n"
                        f"only second:\n{only_b.serialize(format='nt')}")
    assert sum(len(g) for g in a.values()) > 500


def test_failed_build_leaves_previous_store_intact(cli, store: Path, tmp_path: Path) -> None:
    assert cli("build", str(CASES)).exit_code == 0
    before = cli("export", "--format", "nt").output
    bad = ROOT / "tests" / "data" / "invalid" / "unknown-id.yaml"
    result = cli("build", str(CASES), str(bad))
    assert result.exit_code == 1
    assert "unknown id 'mi'" in result.output
    assert cli("export", "--format", "nt").output == before
    assert not list(store.parent.glob(".store.building-*"))


def test_build_failure_midway_leaves_previous_store_intact(cli, store: Path, monkeypatch) -> None:
    assert cli("build", str(CASES)).exit_code == 0
    before = cli("export", "--format", "nt").output
    import kg.stores.writing

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(kg.stores.writing, "graph_quads", explode)
    result = cli("build", "--full", str(CASES))  # the same files again would be "unchanged"
    assert result.exit_code == 1 and "previous store is unchanged" in result.output
    monkeypatch.undo()
    monkeypatch.setenv("ROLEGRAPH_STORE", str(store))
    assert cli("export", "--format", "nt").output == before


def test_store_holds_ontology_and_one_graph_per_case(built_store: Path) -> None:
    from kg.stores import open_store
    from kg.stores.layout import asserted_graphs

    with open_store(built_store) as st:
        names = [g.value for g in asserted_graphs(st)]
    assert "https://w3id.org/rolegraph/graph/ontology" in names
    assert "https://w3id.org/rolegraph/graph/case/womens-association" in names


def test_exit_codes(cli, tmp_path: Path) -> None:
    assert cli("validate", str(CASES)).exit_code == 0
    bad = ROOT / "tests" / "data" / "invalid" / "bad-yaml.yaml"
    assert cli("validate", str(bad)).exit_code == 1
    assert cli("validate", str(tmp_path / "missing.yaml")).exit_code == 2
    assert cli("export", "--format", "xml").exit_code == 2
    assert cli("export").exit_code == 2  # no store built yet: like an unknown file

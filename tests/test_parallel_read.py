"""Case files read, checked and compiled in worker processes give what reading them here gives:
the same graphs, sources and locations, every problem of every file, and the same store."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner

from kg.cases import validate
from kg.cases.packed import PackedTriples
from kg.cases.validate import load_cases
from kg.cli import main
from kg.errors import CaseDataError
from kg.iris import META
from kg.pipeline import build_store
from kg.stores import open_store
from kg.stores.layout import graph_quads
from kg.synthetic import generate
from kg.workers import Workers

from .conftest import CASES

SPLIT = "synthetic-5-0003"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated cases, the shipped ones, and one case given in two files (its claims apart)."""
    root = tmp_path_factory.mktemp("parallel")
    out = root / "cases"
    shutil.copytree(CASES.parent / "sources", root / "sources")  # the shipped cases' quotes are checked
    generate(out, cases=validate.PARALLEL_FILES, seed=5)
    for f in CASES.iterdir():
        shutil.copy(f, out / f.name)
    whole = yaml.safe_load((out / f"{SPLIT}.yaml").read_text(encoding="utf-8"))
    claims = whole.pop("claims")
    (out / f"{SPLIT}.yaml").write_text(yaml.safe_dump(whole, allow_unicode=True), encoding="utf-8")
    (out / f"{SPLIT}-claims.yaml").write_text(
        yaml.safe_dump({"case": whole["case"], "title": whole["title"], "lang": whole["lang"], "claims": claims}, allow_unicode=True),
        encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def read(corpus: Path) -> dict[str, Any]:
    """The corpus read here ("1") and by worker processes ("2"), each once for the tests that
    compare the two."""
    out = {}
    for workers in ("1", "2"):
        with pytest.MonkeyPatch.context() as m:
            out[workers] = _load([corpus], workers, m)
    return out


def _quads(cs: Any) -> dict[Any, set[ox.Quad]]:
    return {g: set(graph_quads(cs.graphs[g], ox.NamedNode(str(g)))) for g in cs.graphs}


def _load(paths: list[Path], workers: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ROLEGRAPH_WORKERS", workers)
    return load_cases(paths)


def test_workers_give_the_graphs_sources_and_locations_of_reading_here(read: dict[str, Any]) -> None:
    here, there = read["1"], read["2"]
    assert not any(isinstance(g, PackedTriples) for g in here.graphs.values())
    packed = [g for g in there.graphs.values() if isinstance(g, PackedTriples)]
    assert len(packed) == len(there.graphs) - 1  # all but the case in two files, read again here
    assert list(here.graphs) == list(there.graphs)
    assert _quads(here) == _quads(there)
    assert here.sources == there.sources and here.locations == there.locations
    assert sorted(map(str, here.warnings)) == sorted(map(str, there.warnings))
    # rdflib's view of a packed case is the compiled triples themselves
    name = next(iter(there.graphs))
    assert set(there.graphs[name]) == set(here.graphs[name])


def test_a_problem_in_any_file_is_reported_with_the_others_and_nothing_is_built(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(corpus.parent / "sources", tmp_path / "sources")
    bad = tmp_path / "bad"
    shutil.copytree(corpus, bad)
    for name in ("synthetic-5-0000.yaml", f"{SPLIT}-claims.yaml", "synthetic-5-0020.yaml"):
        text = (bad / name).read_text(encoding="utf-8")
        (bad / name).write_text(text.replace("lang: ", "lang: [", 1), encoding="utf-8")
    for workers in ("1", "2"):
        with pytest.raises(CaseDataError) as info:
            _load([bad], workers, monkeypatch)
        files = {p.file for p in info.value.problems}
        assert {"synthetic-5-0000.yaml", f"{SPLIT}-claims.yaml", "synthetic-5-0020.yaml"} <= {Path(f).name for f in files}
        assert all(p.line >= 1 for p in info.value.problems)


def _store_quads(path: Path) -> set[ox.Quad]:
    """The store's quads but those with a blank node (labelled anew in each build) and the
    build record (it says when the store was made)."""
    with open_store(path) as st:
        return {q for q in st.quads_for_pattern(None, None, None, None)
                if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))
                and q.subject != ox.NamedNode(META + "build")}


@pytest.fixture(scope="module")
def built_here(read: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> set[ox.Quad]:
    """The store of a build (and reasoning) from here of what was read here, built once for
    the tests that compare a build with workers against it."""
    path = tmp_path_factory.mktemp("built-here") / "store"
    with pytest.MonkeyPatch.context() as m:
        m.setenv("ROLEGRAPH_WORKERS", "1")
        # The build lets go of each graph it has loaded: it gets a set of its own.
        build_store(dataclasses.replace(read["1"], graphs=dict(read["1"].graphs)), path, reason=True,
                    release_cases=True)
    return _store_quads(path)


def test_a_build_from_workers_holds_the_store_of_a_build_from_here(
        read: dict[str, Any], built_here: set[ox.Quad], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLEGRAPH_WORKERS", "2")
    cases = dataclasses.replace(read["2"], graphs=dict(read["2"].graphs))
    build_store(cases, tmp_path / "2", reason=True, release_cases=True)
    assert _store_quads(tmp_path / "2") == built_here and len(built_here) > 10000


def test_one_pool_started_early_reads_and_reasons_the_store_of_a_build_from_here(
        corpus: Path, built_here: set[ox.Quad], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`rolegraph build` of many files starts its workers before reading and lends them to
    both stages; the library calls, given no pool, read here with one worker."""
    monkeypatch.setenv("ROLEGRAPH_WORKERS", "2")
    started: list[int] = []
    monkeypatch.setattr(Workers, "__init__", _counting(Workers.__init__, started))
    result = CliRunner().invoke(main, ["build", "--reason", "--store", str(tmp_path / "shared"), str(corpus)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert started == [2]  # one pool for both stages
    assert _store_quads(tmp_path / "shared") == built_here and len(built_here) > 10000


def _counting(init: Any, started: list[int]) -> Any:
    def counted(self: Workers, n: int, preload: tuple[str, ...] = (), **how: Any) -> None:
        started.append(n)
        init(self, n, preload, **how)
    return counted

"""Incremental builds: after changing, adding or removing a case file, `build` re-reads and
re-reasons only what changed and gives the same store as a full build of the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.synthetic import generate

from .conftest import CASES


def _quads(store: Path) -> set[str]:
    """The store's quads with blank nodes canonicalised (the ontology's class expressions get
    fresh labels in every build) and without the build's timestamp."""
    st = ox.Store.read_only(str(store))
    ds = ox.Dataset(q for q in st if not q.predicate.value.endswith("#builtAt"))
    del st
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in ds}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    out = tmp_path / "cases"
    shutil.copytree(CASES, out)
    shutil.copytree(CASES.parent / "sources", tmp_path / "sources")  # the texts the quotes come from
    return out


def _build(cli, corpus: Path, store: Path, *extra: str) -> str:
    r = cli("build", "--reason", str(corpus), "--store", str(store), *extra)
    assert r.exit_code == 0, r.output
    return r.output


def test_one_changed_added_and_removed_file_rebuild_to_the_full_build(cli, corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert "built" in _build(cli, corpus, store)
    assert "unchanged" in _build(cli, corpus, store)
    # changed: an audience that recognised a role now refuses it (the flagship rows change)
    path = corpus / "future-workshop.yaml"
    text = path.read_text(encoding="utf-8")
    assert "outcome: recognised" in text
    path.write_text(text.replace("outcome: recognised", "outcome: refused", 1), encoding="utf-8")
    out = _build(cli, corpus, store)
    assert "rebuilt" in out and "read 1 changed file(s) again" in out, out
    assert _quads(store) == _quads(Path(_full(cli, corpus, tmp_path / "full-1")))
    # added and removed
    generate(tmp_path / "gen", cases=1, seed=3)
    shutil.copy(next((tmp_path / "gen").glob("*.yaml")), corpus)
    (corpus / "drop-in-centres.yaml").unlink()
    out = _build(cli, corpus, store)
    assert "rebuilt" in out and "removed 1" in out, out
    assert _quads(store) == _quads(Path(_full(cli, corpus, tmp_path / "full-2")))


def _full(cli, corpus: Path, store: Path) -> str:
    _build(cli, corpus, store, "--full")
    return str(store)


def test_a_failed_rebuild_leaves_the_store_as_it_was(cli, corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    _build(cli, corpus, store)
    before = _quads(store)
    path = corpus / "womens-association.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("outcome: refused", "outcome: refuzed", 1),
                    encoding="utf-8")
    r = cli("build", "--reason", str(corpus), "--store", str(store))
    assert r.exit_code == 1 and "refuzed" in r.output
    assert _quads(store) == before
    assert not list(tmp_path.glob(".store.building-*"))


def test_a_store_built_with_other_options_is_built_in_full(cli, corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    _build(cli, corpus, store)
    r = cli("build", str(corpus), "--store", str(store))  # not reasoned now
    assert r.exit_code == 0 and "full build: the store is reasoned and this build is not" in r.output


def test_a_rebuild_failing_midway_leaves_the_store_as_it_was(cli, corpus: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.incremental

    store = tmp_path / "store"
    _build(cli, corpus, store)
    before = _quads(store)
    path = corpus / "future-workshop.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("outcome: recognised", "outcome: refused", 1),
                    encoding="utf-8")

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(kg.incremental, "_update_meta", explode)  # after the graphs and conclusions changed
    r = cli("build", "--reason", str(corpus), "--store", str(store))
    assert r.exit_code == 1 and "previous store is unchanged" in r.output
    assert _quads(store) == before
    assert not list(tmp_path.glob(".store.building-*"))


def test_a_changed_source_text_reads_the_cases_quoting_it_again(cli, corpus: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    _build(cli, corpus, store)
    source = tmp_path / "sources" / "mueller-stougaard-2022-akademisk-kvarter.txt"
    citing = [f for f in corpus.glob("*.yaml") if source.name in f.read_text(encoding="utf-8")]
    assert citing
    source.write_text(source.read_text(encoding="utf-8") + "\nA note added to the source.\n", encoding="utf-8")
    out = _build(cli, corpus, store)
    assert f"read {len(citing)} changed file(s) again" in out, out

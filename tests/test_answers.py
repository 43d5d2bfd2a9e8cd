"""Answers kept per store version: asked again of the same store, a query reads its answer
back; once the store changes, it is run again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.query import get_query, run_select
from kg.stores import open_store

from .conftest import CASES


def _answers(store: Path) -> list[Path]:
    return sorted(store.with_name(f".{store.name}.answers").glob("*/*.json"))


def _rows(store: Path, *, write: bool) -> list[dict[str, str]]:
    q = get_query("role-transfer")
    with open_store(store, write=write) as st:
        res = run_select(st, q, {"lang": ox.Literal("en")})
        return [{k: "" if v is None else v.value for k, v in row.items()} for row in res.rows]


def test_an_answer_is_read_back_until_the_store_changes(cli, tmp_path: Path) -> None:
    corpus = tmp_path / "cases"
    shutil.copytree(CASES, corpus)
    shutil.copytree(CASES.parent / "sources", tmp_path / "sources")  # the texts the quotes come from
    store = tmp_path / "store"
    assert cli("build", "--reason", str(corpus), "--store", str(store)).exit_code == 0
    first = cli("query", "role-transfer", "--store", str(store)).output
    kept = _answers(store)
    assert kept and len({f.parent for f in kept}) == 1  # answers of one store version
    assert cli("query", "role-transfer", "--store", str(store)).output == first
    assert _answers(store) == kept  # the same version: read back, nothing new written
    assert _rows(store, write=False) == _rows(store, write=True)  # a writer's handle keeps nothing, runs the query
    # the store changes: a case with flagship rows goes
    assert "women's association" in first
    (corpus / "womens-association.yaml").unlink()
    assert "rebuilt" in cli("build", "--reason", str(corpus), "--store", str(store)).output
    second = cli("query", "role-transfer", "--store", str(store)).output
    assert "women's association" not in second
    assert _rows(store, write=False) == _rows(store, write=True)
    now = _answers(store)
    assert now and len({f.parent for f in now}) == 1 and not set(now) & set(kept)  # the old version's are gone


def test_a_reasoned_build_keeps_the_flagship_answer(cli, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert cli("build", str(CASES), "--store", str(store)).exit_code == 0  # not reasoned: nothing to keep yet
    assert _answers(store) == []
    assert cli("reason", "--store", str(store)).exit_code == 0
    primed = _answers(store)
    assert len(primed) == 1  # the flagship query, default parameters, labels in the build's language
    out = cli("query", "role-transfer", "--store", str(store)).output
    assert _answers(store) == primed  # the first query read the kept answer: nothing new written
    assert "women's association" in out
    assert cli("query", "role-transfer", "--lang", "da", "--store", str(store)).exit_code == 0
    assert len(_answers(store)) == 2  # Danish labels: kept when first asked
    assert cli("--lang", "da", "reason", "--store", str(store)).exit_code == 0
    danish = _answers(store)  # a Danish run keeps the Danish answer
    assert len(danish) == 1 and cli("query", "role-transfer", "--lang", "da", "--store", str(store)).exit_code == 0
    assert _answers(store) == danish
    fresh = tmp_path / "fresh"  # the same store, built again without the kept answer, answers the same
    shutil.copytree(store, fresh)
    assert _answers(fresh) == []
    assert cli("query", "role-transfer", "--store", str(fresh)).output == out


def test_build_with_reason_keeps_the_answer_it_computed_while_compacting(cli, tmp_path: Path) -> None:
    """`build --reason` runs the flagship query on its own handle of the new store while
    RocksDB compacts it, and keeps the answer for the version it swaps in: the first query
    reads it back, and it is the answer a store without kept answers gives."""
    from kg.stores.answers import version

    store = tmp_path / "store"
    assert cli("--lang", "da", "build", "--reason", "--full", str(CASES), "--store", str(store)).exit_code == 0
    kept = _answers(store)
    assert len(kept) == 1 and kept[0].parent.name == version(store)  # this very version of the store
    out = cli("query", "role-transfer", "--lang", "da", "--store", str(store)).output
    assert _answers(store) == kept  # read back: nothing new written
    fresh = tmp_path / "fresh"
    shutil.copytree(store, fresh)
    assert _answers(fresh) == []
    assert cli("query", "role-transfer", "--lang", "da", "--store", str(fresh)).output == out
    assert json.loads(kept[0].read_bytes())["results"]["bindings"]  # the flagship rows, not an empty answer

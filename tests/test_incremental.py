"""Incremental builds: after changing, adding or removing a case file, `build` re-reads and
re-reasons only what changed and gives the same store as a full build of the same files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.cases.validate import CASE_SUFFIXES, collect_files, display_path, file_digest, source_file_names
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


# The anchored pattern `source_file_names` replaced (it scanned every line start: 0.55 s for 25 MB).
_ANCHORED = re.compile(rb"^\s*-?\s*file:\s*['\"]?([^'\"#\r\n]+?)['\"]?\s*(?:#.*)?$", re.MULTILINE)


@given(st.lists(st.sampled_from([b"file:", b" ", b"  - ", b"-", b"\n", b"\r\n", b"'", b'"', b"#", b"a.txt",
                                 b"x: ", b"sources:", b"\t", b"file: b.txt", b"#note"]), max_size=30))
@settings(max_examples=400, deadline=None)
def test_source_file_names_finds_what_the_anchored_pattern_found(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert source_file_names(data) == [m.group(1) for m in _ANCHORED.finditer(data)]


def test_source_file_names_in_a_case() -> None:
    data = (b"sources:\n  - id: a\n    file: ../sources/a.txt  # the interview\n  -\n    file: 'b c.txt'\n"
            b"  - file: \"d.txt\"\nnotes: see file: e.txt\n")
    assert source_file_names(data) == [b"../sources/a.txt", b"b c.txt", b"d.txt"]


def test_collect_files_names_files_relative_to_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "cases" / "sub").mkdir(parents=True)
    (tmp_path / "cases" / "sub" / "a.yaml").write_text("x", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "real.yaml").write_text("x", encoding="utf-8")
    (tmp_path / "cases" / "link.yaml").symlink_to(tmp_path / "elsewhere" / "real.yaml")
    (tmp_path / "cases" / ".hidden").mkdir()
    (tmp_path / "cases" / ".hidden" / "h.yaml").write_text("x", encoding="utf-8")
    (tmp_path / "cases" / "sub" / "deeper").mkdir()
    (tmp_path / "cases" / "sub" / "deeper" / "b.TTL").write_text("x", encoding="utf-8")
    (tmp_path / "cases" / "sub" / "notes.txt").write_text("x", encoding="utf-8")
    (tmp_path / "cases" / "folder-link").symlink_to(tmp_path / "elsewhere")  # not followed, as rglob
    monkeypatch.chdir(tmp_path)
    found = [f for f, _ in collect_files(["cases"])]
    assert found == sorted(f for f in Path("cases").rglob("*") if f.is_file() and f.suffix.lower() in CASE_SUFFIXES
                           and not any(part.startswith(".") for part in f.relative_to("cases").parts))
    (tmp_path / "cases" / "sub" / "deeper" / "b.TTL").unlink()
    names = [d for _, d in collect_files(["cases"])]
    assert names == ["elsewhere/real.yaml", "cases/sub/a.yaml"]  # a link is named by where it leads
    assert names == [display_path(f) for f, _ in collect_files(["cases"])]
    assert [d for _, d in collect_files(["cases/../cases/sub/a.yaml"])] == ["cases/sub/a.yaml"]
    monkeypatch.chdir(tmp_path / "cases" / "sub")
    outside = [d for _, d in collect_files([str(tmp_path / "elsewhere")])]
    assert outside == [str(tmp_path / "elsewhere" / "real.yaml")]  # not below the working directory: as given


def test_a_plan_made_before_another_build_is_not_applied(cli, corpus: Path, tmp_path: Path) -> None:
    from kg.cases.extensions import find_extensions
    from kg.incremental import plan, rebuild, setup_digest
    from kg.ontology import load_ontology
    from kg.stores.answers import version

    store = tmp_path / "store"
    _build(cli, corpus, store)
    exts = find_extensions()
    setup = setup_digest(exts, shacl=None)
    first = corpus / "future-workshop.yaml"
    first.write_text(first.read_text(encoding="utf-8").replace("outcome: recognised", "outcome: refused", 1),
                     encoding="utf-8")
    todo = plan([corpus], store, setup, reason=True)
    assert not todo.why and todo.reread and todo.store_version == version(store)
    second = corpus / "drop-in-centres.yaml"
    second.write_text(second.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert "rebuilt" in _build(cli, corpus, store)  # another build, after the plan was made
    before = _quads(store)
    assert rebuild(todo, store, extensions=exts, ontology=load_ontology(exts), shacl=None, reason=True) is None
    assert todo.why == "another build changed the store meanwhile"
    assert _quads(store) == before
    again = plan([corpus], store, setup, reason=True)  # a plan of the store as it is now applies
    assert again.unchanged


def test_a_full_build_records_the_digests_its_plan_made(cli, corpus: Path, tmp_path: Path) -> None:
    from kg.stores import open_store
    from kg.stores.layout import recorded_sources

    store = tmp_path / "store"
    _build(cli, corpus, store)  # no store yet: the plan hashed the files, the build records those
    shutil.copytree(corpus, tmp_path / "other")  # a full build of the same files from elsewhere
    _build(cli, tmp_path / "other", tmp_path / "other-store", "--full")  # hashes them itself
    for built, folder in ((store, corpus), (tmp_path / "other-store", tmp_path / "other")):
        with open_store(built) as st:
            _, recorded = recorded_sources(st)
        expected = {d: file_digest(p) for p, d in collect_files([folder])}
        assert {d: sha for d, (sha, _) in recorded.items()} == expected

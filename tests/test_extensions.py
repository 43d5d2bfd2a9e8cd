"""Extensions: scaffolds are valid as written; each kind of mistake gets its precise error;
the generated ontology documentation is offline and covers extensions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.cases.extensions import Extension, find_extensions
from kg.cases.scaffold import new_case, new_extension
from kg.cases.validate import load_cases
from kg.errors import CaseDataError, UsageError
from kg.ontology import load_ontology

from .conftest import ROOT

BAD = ROOT / "tests" / "data" / "bad-extensions"


@pytest.mark.parametrize("folder", sorted(p for p in BAD.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_each_extension_mistake_gets_its_precise_error(folder: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    head = (folder / "ontology.ttl").read_text(encoding="utf-8").splitlines()
    expect = re.match(r"# expect: (\d+): (.*)$", head[0])
    hint = re.match(r"# hint: (.*)$", head[1])
    assert expect and hint
    with pytest.raises(CaseDataError) as info:
        load_ontology([Extension(folder.name, folder)])
    rendered = [f"{p.file}:{p.line}: {p.field}: {p.message}" for p in info.value.problems]
    wanted = f"{(folder / 'ontology.ttl').relative_to(ROOT)}:{expect.group(1)}: {expect.group(2)}"
    assert any(r.startswith(wanted) for r in rendered), (wanted, rendered)
    assert any(hint.group(1) in p.hint for p in info.value.problems)


def test_scaffolds_are_valid_as_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    ext = new_extension("my-study", Path("extensions"))
    case = new_case("my-case", Path("cases"))
    exts = find_extensions()
    assert [e.name for e in exts] == ["my-study"] and (ext / "rules").is_dir()
    onto = load_ontology(exts)
    assert "my-study-role" in onto.roles and "my-study-situation" in onto.context_kinds
    assert load_cases([case], ontology=onto).case_ids == ["my-case"]
    with pytest.raises(UsageError):
        new_case("my-case", Path("cases"))
    with pytest.raises(UsageError):
        new_extension("Bad Name", Path("extensions"))


def test_a_case_can_use_an_extensions_role_and_kinds(monkeypatch) -> None:
    example = ROOT / "docs" / "examples" / "elderly-care"
    monkeypatch.chdir(example)
    onto = load_ontology(find_extensions())
    cs = load_cases([example / "cases"], ontology=onto)
    g = next(iter(cs.graphs.values()))
    roles = {str(o) for o in g.objects(None, None) if "visiting-friend" in str(o)}
    assert "https://w3id.org/rolegraph/ext/elderly-care#visiting-friend" in roles


def test_ontology_docs_are_offline_and_include_extensions(tmp_path: Path, monkeypatch, cli) -> None:
    monkeypatch.chdir(ROOT / "docs" / "examples" / "elderly-care")
    out = tmp_path / "ontology.html"
    assert cli("docs", "--out", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "visiting friend" in page and "besøgsven" in page
    assert "role not transferred" in page and "rolle ikke overført" in page
    assert not re.search(r'(src|href)\s*=\s*"https?://', page), "the docs page must load nothing from outside"
    assert "<script" not in page

"""Validation: every defect fixture gives its precise message; shipped cases are valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.cases.validate import load_cases
from kg.errors import CaseDataError, UsageError

from .conftest import CASES, ROOT

INVALID = ROOT / "tests" / "data" / "invalid"
FIXTURES = sorted(p for p in INVALID.iterdir() if p.suffix != ".expect")


def _expectation(path: Path) -> tuple[int, str, str]:
    sidecar = path.with_name(path.name + ".expect")
    header = (sidecar if sidecar.exists() else path).read_text(encoding="utf-8").splitlines()[:2]
    m = re.match(r"# expect: (\d+): (.*)$", header[0])
    h = re.match(r"# hint: (.*)$", header[1])
    assert m and h, f"{path.name}: first two lines must be '# expect: LINE: field: message' and '# hint: ...'"
    return int(m.group(1)), m.group(2), h.group(1)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_invalid_fixture_gives_its_precise_message(path: Path) -> None:
    line, message, hint = _expectation(path)
    rel = path.relative_to(ROOT)
    import os
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with pytest.raises(CaseDataError) as info:
            load_cases([rel])
    finally:
        os.chdir(cwd)
    problems = info.value.problems
    rendered = [f"{p.file}:{p.line}: {p.field}: {p.message}" for p in problems]
    expected = f"{rel}:{line}: {message}"
    assert any(r.startswith(expected) for r in rendered), f"expected {expected!r}, got {rendered}"
    assert any(hint in p.hint for p in problems), f"hint {hint!r} not in {[p.hint for p in problems]}"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (INVALID / "unknown-id.yaml").read_text(encoding="utf-8")
    text = text.replace("role: minute-taker", "role: minute-takr\n    stance: likes")
    f = tmp_path / "many.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(CaseDataError) as info:
        load_cases([f])
    messages = [p.message for p in info.value.problems]
    assert "unknown id 'mi'" in messages
    assert "unknown role 'minute-takr'" in messages
    assert "'likes' is not an allowed value" in messages


def test_shipped_cases_are_valid() -> None:
    cs = load_cases([CASES])
    assert set(cs.case_ids) >= {"womens-association", "future-workshop", "drop-in-centres", "frontline-roles"}


def test_annotated_example_is_valid() -> None:
    cs = load_cases([ROOT / "docs" / "example-case.yaml"])
    assert cs.case_ids == ["cafe-volunteer"]


def test_ids_resolve_across_files_of_one_case(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "case: split\ntitle: Split case\nactors:\n  - id: mia\n    label: Mia\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "case: split\ntitle: Split case\ncontexts:\n  - id: ws\n    label: workshop\n"
        "claims:\n  - bearer: mia\n    role: minute-taker\n    context: ws\n", encoding="utf-8")
    cs = load_cases([tmp_path])
    assert cs.case_ids == ["split"]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        load_cases([tmp_path / "nope.yaml"])
    with pytest.raises(UsageError):
        load_cases([tmp_path])  # a directory with no case files

"""The limits of kg.cases.limits end in problems at their line, quickly and in little memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cases import limits, validate, yamlsrc
from kg.cases.validate import load_cases
from kg.errors import CaseDataError


def _problems(path: Path) -> list[str]:
    with pytest.raises(CaseDataError) as info:
        load_cases([path])
    return [f"{p.line}: {p.field}: {p.message}" for p in info.value.problems]


def test_a_text_longer_than_the_limit(tmp_path: Path) -> None:
    f = tmp_path / "long.yaml"
    f.write_text(f"case: fixture\ntitle: {'x' * (limits.MAX_TEXT + 1)}\n", encoding="utf-8")
    assert _problems(f) == [f"2: yaml: a text of {limits.MAX_TEXT + 1:,} characters (at most {limits.MAX_TEXT:,})"]


def test_a_literal_longer_than_the_limit(tmp_path: Path) -> None:
    f = tmp_path / "long.ttl"
    f.write_text('@prefix c: <https://w3id.org/rolegraph/case/fixture/> .\n'
                 f'c:mia <http://www.w3.org/2000/01/rdf-schema#label> "{"x" * (limits.MAX_TEXT + 1)}" .\n',
                 encoding="utf-8")
    assert f"2: literal: a text of {limits.MAX_TEXT + 1:,} characters (at most {limits.MAX_TEXT:,})" in _problems(f)


@pytest.mark.parametrize("suffix", [".yaml", ".ttl"])
def test_a_file_larger_than_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    # The real limit is 64 MiB; a lower one keeps the test small.
    monkeypatch.setattr(yamlsrc, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(validate, "MAX_FILE_BYTES", 1000)
    f = tmp_path / f"big{suffix}"
    f.write_text("# padding\n" * 200, encoding="utf-8")
    assert _problems(f) == ["1: file: the file has 2,000 bytes (at most 1,000)"]


def test_values_after_alias_expansion_are_counted_not_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsrc, "MAX_NODES", 100)
    f = tmp_path / "aliases.yaml"
    f.write_text("case: fixture\ntitle: x\na: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", encoding="utf-8")
    assert _problems(f) == ["4: yaml: the file expands to more than 100 values"]

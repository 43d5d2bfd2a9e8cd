"""Property tests of the case schema (Hypothesis): any YAML tree reads to a case or to
problems located inside the file, never to an exception."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kg.cases.schema import FIELDS, read_case_file
from kg.errors import Problem

from .conftest import examples

NAMES = sorted({name for spec in FIELDS.values() for name in spec}) + ["lable", "x", "en", "da"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["co-creator", "ssp-worker", "a b", "2021-13-45", ""]))
trees = st.recursive(scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.sampled_from(NAMES), kids, max_size=5)), max_leaves=40)
cases = st.fixed_dictionaries({"case": st.one_of(st.just("fixture"), scalars), "title": trees},
                              optional={name: trees for name in FIELDS["case"] if name not in ("case", "title")})


def _read(doc: Any) -> tuple[int, list[Problem]]:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.yaml"
        path.write_text(text, encoding="utf-8")
        problems: list[Problem] = []
        read_case_file(path, "case.yaml", problems)
    return text.count("\n") + 1, problems


@settings(max_examples=examples(300), deadline=None, derandomize=True)
@given(cases)
@example({"case": "fixture", "title": "\x85", "lang": "\x85", "standings": None})  # NEL: a line break to YAML only
def test_any_case_tree_reads_to_located_problems(doc: dict[str, Any]) -> None:
    lines, problems = _read(doc)
    for p in problems:
        assert p.file == "case.yaml" and 1 <= p.line <= lines, p
        assert p.message and p.field, p


@settings(max_examples=examples(200), deadline=None, derandomize=True)
@given(st.lists(st.fixed_dictionaries({"id": scalars, "label": trees, "side": scalars}), max_size=4))
def test_actor_lists_of_any_shape(actors: list[dict[str, Any]]) -> None:
    lines, problems = _read({"case": "fixture", "title": "A fixture", "actors": actors})
    assert all(1 <= p.line <= lines for p in problems)

"""The one-pass YAML reader (`yamlsrc._read`) gives what PyYAML's composer and `_convert` give:
the same tree, lines and problems, or hands the text to the composer (`_Fallback`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.cases import yamlsrc
from kg.cases.yamlsrc import Y, _Fallback, _FastLoader, _Lines, _parse, _read, _read_file
from kg.errors import Problem

ROOT = Path(__file__).resolve().parent.parent


def composed(text: str) -> tuple[Y | None, list[Problem]] | str:
    try:
        return _parse(text, "f.yaml", _FastLoader)
    except yaml.YAMLError:
        return "error"


def one_pass(text: str) -> tuple[Y | None, list[Problem]] | str:
    try:
        return _read_file(text, "f.yaml", _FastLoader)
    except yaml.YAMLError:
        return "error"


TRICKY = [
    "case: a\ntitle: b\n",
    "case: a\ncase: b\n",  # a duplicate key: reported, the second value dropped
    "case: a\nx: {a: !!int abc, b: 2}\ncase: {c: !!int xyz}\n",  # a dropped value's problems dropped too
    "? [a, b]\n: c\nd: e\n",  # a collection as a key
    "1: a\ntrue: b\nnull: c\n",  # keys that are not words
    "a: &x [1, 2, !!int 7]\nb: *x\nc: *x\n",  # an aliased list, copied per use
    "a: &k key\n*k : v\n",  # an aliased scalar as a key
    "a: &k key\nb: {*k : 1, key: 2}\n",  # ... and the same key again
    "d: 2021-13-45\ne: 2021-01-02\nf: 1.5\ng: .inf\nh: 0x1F\ni: ~\nj: ''\nk: \"q\"\n",
    "a: |\n  text\n  more\nb: >\n  folded\n",
    "a: !custom x\nb: !!str 5\nc: ! 7\n",
    "- a\n- [b, {c: d}]\n- {e: [f, g]}\n",
    "---\n",
    "",
    "# only a comment\n",
    "a: 1\n---\nb: 2\n",  # two documents
    "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",  # a merge key
    "a: *nowhere\n",  # an undefined alias
    "a: &x 1\nb: &x 2\n",  # an anchor defined twice
    "a:\u2028b: c\n",  # a YAML line break editors do not count
    "a: [1, 2\n",  # a syntax error
    "x: !!set {a, b}\ny: !!omap [{a: 1}]\n",
    "=: v\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_read_as_the_composer_reads_them(text: str) -> None:
    try:
        got = one_pass(text)
    except _Fallback:
        return  # the composer reads it (`load_yaml`)
    assert got == composed(text)


def test_an_aliased_bad_value_is_reported_where_each_use_reads_it() -> None:
    # (The composer's tree reports the second use as "found unconstructable recursive node", a
    # leftover of PyYAML's first failed construction; the one pass names the real problem.)
    text = "a: &x [1, 2, !!int q]\nb: *x\nc: *x\n"
    tree, problems = _read_file(text, "f.yaml", _FastLoader)
    assert tree == _parse(text, "f.yaml", _FastLoader)[0]
    assert [p.message for p in problems] == ["cannot read 'q' as int (invalid literal for int() with base 10: 'q')"] * 3


def test_merge_keys_and_second_documents_go_to_the_composer(tmp_path: Path) -> None:
    for text in ("base: &b {x: 1}\nd:\n  <<: *b\n", "a: 1\n---\nb: 2\n", "a: *nowhere\n", "a: &x 1\nb: &x 2\n"):
        with pytest.raises(_Fallback):
            _read(text, "f.yaml", _FastLoader, _Lines(text))
        path = tmp_path / "f.yaml"
        path.write_text(text, encoding="utf-8")
        tree, problems = yamlsrc.load_yaml(path, "f.yaml")
        if text.startswith("base"):
            assert tree is not None and tree.plain() == {"base": {"x": 1}, "d": {"x": 1}}
        else:
            assert tree is None and problems  # the composer's error, worded at its line


def test_every_shipped_and_test_yaml_file_reads_the_same() -> None:
    files = [p for d in ("cases", "tests", "rules") for p in (ROOT / d).rglob("*.yaml")]
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            got = one_pass(text)
        except _Fallback:
            continue
        assert got == composed(text), path


scalars = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
                    st.sampled_from(["2021-13-45", "2020-01-01", "0x10", "1e3", "yes", "~", "!!int x", "a: b"]))
keys = st.one_of(st.text(min_size=1, max_size=6), st.integers(), st.booleans())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(values, st.booleans(), st.booleans())
def test_generated_documents_read_the_same(value: object, flow: bool, duplicate: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    if duplicate and isinstance(value, dict) and value:  # a key written twice, as people do by hand
        first = text.splitlines()[0]
        text = text + first + "\n" if not flow else text
    assert one_pass(text) == composed(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "case"]),
                          st.sampled_from(["1", "x", "!!int q", "[1, 2]", "{k: v}", "&A [1]", "*A", "&S s", "*S",
                                           "2021-13-45", "|\n  block", "'q'"])), max_size=8))
def test_hand_written_mappings_read_the_same(pairs: list[tuple[str, str]]) -> None:
    text = "".join(f"{k}: {v}\n" for k, v in pairs)
    try:
        got = one_pass(text)
    except _Fallback:
        return
    assert got == composed(text)

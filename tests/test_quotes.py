"""Quotes are checked against the documents they cite: strict about words, tolerant of layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cases import quotes
from kg.cases.quotes import find_quote, normalise, read_source
from kg.cases.validate import load_cases
from kg.errors import CaseDataError

from .conftest import CASES, ROOT

SOURCE = (
    "Interview med Mia, side 3\n"
    "\tJeg havde det både godt og skidt med det, men nogle af de andre sagde\n"
    "“jamen du er ikke en af os” – og så gik jeg. Det var fag-\n"
    "   professionelle, der bestemte, og mine med\u00adbrugere sagde ’nej’.\n"
    "Front-\nmedarbejderne **lyttede** ikke.\n"
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "interview.txt"
    path.write_text(SOURCE, encoding="utf-8")
    return path


@pytest.mark.parametrize("quote", [
    "Jeg havde det både godt og skidt",                     # a tab and a line start before it
    "sagde \"jamen du er ikke en af os\" - og så gik jeg",  # straight marks and hyphen for “ ” and –
    "de andre sagde “jamen du er",                           # across a line break
    "Det var fagprofessionelle, der bestemte",               # a word split over two lines with a hyphen
    "Det var fag-professionelle",                            # the same word, hyphen kept
    "mine medbrugere sagde 'nej'.",                          # a soft hyphen; ’ for '
    "Frontmedarbejderne lyttede ikke.",                      # split compound, markdown emphasis
    "Front-medarbejderne lyttede",
    "godt",                                                  # one whole word
])
def test_layout_does_not_count(source: Path, quote: str) -> None:
    assert find_quote(quote, read_source(source)) is None


@pytest.mark.parametrize(("quote", "reason", "line", "passage"), [
    ("jamen du er ikke en af dem", "not-found", 3, "jamen du er ikke en af os"),
    ("Jeg havde det både godt og dårligt med det", "not-found", 2, "Jeg havde det både godt og skidt med det"),
    ("jeg havde det både godt", "not-found", 2, "Jeg havde det både godt"),  # case counts
    ("jamen du er ikke en af o", "cut-end", 3, "jamen du er ikke en af os"),
    ("amen du er ikke en af os", "cut-start", 3, "jamen du er ikke en af os"),
])
def test_words_count(source: Path, quote: str, reason: str, line: int, passage: str) -> None:
    miss = find_quote(quote, read_source(source))
    assert miss is not None, f"{quote!r} should not match"
    assert (miss.reason, miss.line) == (reason, line)
    assert passage in miss.passage


def test_the_closest_passage_keeps_the_source_s_own_characters(source: Path) -> None:
    miss = find_quote('en af os" - og så løb jeg', read_source(source))
    assert miss is not None and miss.line == 3
    assert "en af os” – og så gik jeg" in miss.passage


def test_a_source_is_read_once_and_again_when_it_changes(source: Path) -> None:
    first = read_source(source)
    assert read_source(source) is first
    entries = len(quotes._CACHE)
    source.write_text(SOURCE + "Ny linje.\n", encoding="utf-8")
    assert read_source(source) is not first
    assert find_quote("Ny linje.", read_source(source)) is None
    # the edited file replaced its entry: a long-running process keeps one text per file
    assert len(quotes._CACHE) == entries


def test_normalise_keeps_the_origin_of_each_character() -> None:
    text = "a\u00ad b  “c”\n\td-\ne"
    norm = normalise(text)
    assert norm.text == 'a b "c" de'
    assert [text[i] for i in norm.origin] == ["a", " ", "b", " ", "“", "c", "”", "\n", "d", "e"]


def _case(tmp_path: Path, sources: str, quotes: list[tuple[str, str]]) -> Path:
    evidence = "".join(f"      - source: {s}\n        quote: \"{q}\"\n" for s, q in quotes)
    path = tmp_path / "cases" / "c.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("case: c\ntitle: A case\nsources:\n" + sources + "actors:\n  - id: mia\n    label: Mia\n"
                    "contexts:\n  - id: ws\n    label: the workshop\n"
                    "claims:\n  - bearer: mia\n    role: minute-taker\n    context: ws\n    evidence:\n"
                    + evidence, encoding="utf-8")
    return path


def test_a_source_without_a_file_is_one_warning(tmp_path: Path) -> None:
    path = _case(tmp_path, "  - id: notes\n    title: Field notes\n  - id: memo\n    title: A memo\n",
                 [("notes", "one"), ("notes", "two"), ("memo", "three"), ("notes", "four")])
    cs = load_cases([path])
    assert [(w.line, w.field) for w in cs.warnings] == [(4, "sources[0]"), (6, "sources[1]")]
    assert "source 'notes' has no file, so its quotes are not checked" in cs.warnings[0].message


def test_the_file_is_relative_to_the_case_file(tmp_path: Path, source: Path) -> None:
    path = _case(tmp_path, "  - id: iv\n    title: Interview\n    file: ../interview.txt\n",
                 [("iv", "Det var fagprofessionelle, der bestemte"), ("iv", "og så gik jeg")])
    assert load_cases([path]).warnings == []
    path = _case(tmp_path, "  - id: iv\n    title: Interview\n    file: ../interview.txt\n",
                 [("iv", "og så gik jeg"), ("iv", "Det var professionelle, der bestemte")])
    with pytest.raises(CaseDataError) as info:
        load_cases([path])
    [problem] = info.value.problems
    assert (problem.line, problem.field) == (21, "claims[0].evidence[1].quote")
    assert problem.message == "quote not found word for word in ../interview.txt; closest passage at line 3"
    assert 'the source reads at line 3: "Det var fag- professionelle, der bestemte' in problem.hint


def test_a_source_file_that_is_not_text_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "scan.txt").write_bytes(b"\xff\xfe\x00binary")
    path = _case(tmp_path, "  - id: iv\n    title: Interview\n    file: ../scan.txt\n", [("iv", "x")])
    with pytest.raises(CaseDataError) as info:
        load_cases([path])
    assert [(p.line, p.field) for p in info.value.problems] == [(6, "sources[0].file")]
    assert "is not UTF-8 text" in info.value.problems[0].message


def test_every_shipped_quote_is_checked() -> None:
    """All quotes of the shipped cases name a source with a file, so validation checks every one."""
    cs = load_cases([CASES])
    assert cs.warnings == []
    quotes = sum(1 for path in CASES.glob("*.yaml")
                 for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip().removeprefix("- ").startswith("quote:"))
    assert quotes >= 186  # 186 in the four source cases of issue 11, more with every case added since


def test_rdf_sources_are_checked_when_their_file_is_found(tmp_path: Path) -> None:
    fixture = (ROOT / "tests" / "data" / "invalid" / "turtle-quote-changed-word.ttl").read_text(encoding="utf-8")
    here = tmp_path / "ok.ttl"
    here.write_text(fixture.replace("af dem", "af os").replace(
        "../../../sources/", str(ROOT / "sources") + "/"), encoding="utf-8")
    assert load_cases([here]).warnings == []
    moved = tmp_path / "moved.ttl"  # an export elsewhere: the relative name no longer resolves
    moved.write_text(fixture, encoding="utf-8")
    [warning] = load_cases([moved]).warnings
    assert (warning.line, warning.field) == (13, "rg:fileName")
    assert "is missing" in warning.message and "its quotes are not checked" in warning.message


def test_a_misquoted_case_exits_1_with_the_closest_passage(cli) -> None:
    result = cli("validate", str(ROOT / "tests" / "data" / "invalid" / "quote-changed-word.yaml"))
    assert result.exit_code == 1
    assert 'the source reads at line 163: "jamen du er ikke en af os"' in result.output


@pytest.mark.parametrize("fmt", ["json-ld", "trig"])
def test_json_ld_and_trig_quotes_are_checked_too(tmp_path: Path, fmt: str) -> None:
    from rdflib import Dataset

    fixture = ROOT / "tests" / "data" / "invalid" / "turtle-quote-changed-word.ttl"
    ds = Dataset()
    ds.parse(fixture, format="turtle")
    here = tmp_path / ("case.jsonld" if fmt == "json-ld" else "case.trig")
    here.write_text(ds.serialize(format=fmt).replace("../../../sources/", str(ROOT / "sources") + "/"),
                    encoding="utf-8")
    with pytest.raises(CaseDataError) as info:
        load_cases([here])
    [problem] = info.value.problems
    assert problem.field == "rg:quote" and problem.message.startswith("quote not found word for word in ")
    assert "jamen du er ikke en af dem" in here.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert 'the source reads at line 163: "jamen du er ikke en af os"' in problem.hint

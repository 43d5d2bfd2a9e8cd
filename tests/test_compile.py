"""A case compiles straight to N-Triples text (kg.cases.compile.CaseLines): the text must be
what Oxigraph itself would write for the same triples, whatever the case's text holds."""

from __future__ import annotations

import zlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from kg.cases.compile import CaseLines, compile_case, nt_string
from kg.cases.packed import PackedTriples, rdflib_term
from kg.cases.schema import group_cases, read_case_file
from kg.errors import Problem
from kg.ontology import load_ontology

from .conftest import CASES

NT = ox.RdfFormat.N_TRIPLES
# Every ASCII character, what N-Triples escapes among them, and beyond ASCII a few a case holds
TEXTS = ["".join(map(chr, range(128))), 'a "quoted" \\ back\\slash', "line\nbreak\r\n",
         '" . <http://evil.example/x> <http://evil.example/p> "injected', "Ærø – “citat” \u2028 \U0001f600", ""]


@pytest.mark.parametrize("text", TEXTS)
def test_a_string_is_written_as_oxigraph_writes_it(text: str) -> None:
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    theirs = ox.serialize([ox.Triple(s, p, ox.Literal(text))], format=NT)
    assert f"<{s.value}> <{p.value}> {nt_string(text)} .\n".encode() == theirs
    lines = CaseLines()
    lines.text(s.value, p.value, text)
    lines.text(s.value, p.value, text, "da")
    parsed = list(ox.parse(lines.ntriples(), format=NT))
    assert [t.object for t in parsed] == [ox.Literal(text), ox.Literal(text, language="da")]


def test_lines_are_kept_once_and_say_what_they_mention() -> None:
    lines = CaseLines()
    lines.link("https://example.org/a", "https://example.org/p", "https://example.org/b")
    lines.link("https://example.org/a", "https://example.org/p", "https://example.org/b")
    lines.boolean("https://example.org/b", "https://example.org/q", False)
    lines.text("https://example.org/b", "https://example.org/r", "x", "en")
    packed = lines.packed()
    assert len(lines) == packed.count == 3
    again = PackedTriples(packed.data, packed.count)  # no nodes given: worked out from the triples
    assert packed.mentions() == again.mentions()
    assert set(lines.triples()) == {
        (URIRef("https://example.org/a"), URIRef("https://example.org/p"), URIRef("https://example.org/b")),
        (URIRef("https://example.org/b"), URIRef("https://example.org/q"), Literal(False)),
        (URIRef("https://example.org/b"), URIRef("https://example.org/r"), Literal("x", lang="en"))}


def test_a_case_with_hostile_text_compiles_to_exactly_its_text(tmp_path: Path) -> None:
    text = (CASES / "womens-association.yaml").read_text(encoding="utf-8")
    evil = '\\" . <http://evil.example/s> <http://evil.example/p> \\"x\\" .\\n\\\\ \\t \\x01 end'
    text = text.replace("{en: the SSP worker, da: SSP-medarbejderen}", f'{{en: "{evil}", da: "{evil}"}}')
    case_file = tmp_path / "hostile.yaml"
    case_file.write_text(text, encoding="utf-8")
    ontology = load_ontology([])
    problems: list[Problem] = []
    cf = read_case_file(case_file, "hostile.yaml", problems, ontology.order_kinds, ontology.kinds_looked_in)
    assert cf is not None and not problems
    case = group_cases([cf], problems)[cf.case_id]
    compiled = compile_case(case, context_kinds=ontology.context_kinds, actor_kinds=ontology.actor_kinds,
                            roles=ontology.roles, order_kinds=ontology.order_kinds)
    packed = compiled.lines.packed()
    triples = list(ox.parse(zlib.decompress(packed.data), format=NT))
    assert len(triples) == packed.count
    assert not any("evil.example" in t.subject.value or "evil.example" in t.predicate.value for t in triples)
    meant = '" . <http://evil.example/s> <http://evil.example/p> "x" .\n\\ \t \x01 end'
    labels = {(t.object.value, t.object.language) for t in triples if isinstance(t.object, ox.Literal)}
    assert {(meant, "en"), (meant, "da")} <= labels
    # what the rdflib view of the case holds is the same triples
    assert set(compiled.graph) == {tuple(map(rdflib_term, (t.subject, t.predicate, t.object))) for t in triples}


def test_an_iri_the_ontology_names_is_checked() -> None:
    ontology = load_ontology([])
    problems: list[Problem] = []
    path = CASES / "womens-association.yaml"
    cf = read_case_file(path, path.name, problems, ontology.order_kinds, ontology.kinds_looked_in)
    assert cf is not None and not problems
    case = group_cases([cf], problems)[cf.case_id]
    roles = {name: URIRef("https://example.org/not an iri") for name in ontology.roles}
    with pytest.raises(ValueError):
        compile_case(case, roles=roles)

"""Rule files and ontology modules are parsed once per process while they are unchanged, and
read again as soon as they change (cached by path, mtime and size)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg.cases.orderkinds import _check_rule_file, remember_rule_checks, rule_checks
from kg.errors import OntologyError
from kg.ontology import parse_rdf_file
from kg.reasoning.rules import parse_rule

RULE = """#+ title: {title}
#+ description: a test rule
#+ kind: interaction-order
PREFIX rg: <https://w3id.org/rolegraph/ontology#>
CONSTRUCT {{ ?c a rg:TeamCrossing }}
WHERE {{ ?c rg:bearer ?b }}
"""

TTL = """@prefix ex: <http://example.org/> .
ex:a ex:says "{word}" .
"""


def _rewrite(path: Path, text: str) -> None:
    """Write `text` and move the mtime on, so that a change is seen even within one clock tick."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_a_rule_file_is_parsed_once_and_again_when_it_changes(tmp_path: Path) -> None:
    f = tmp_path / "my-rule.rq"
    _rewrite(f, RULE.format(title="first"))
    first = parse_rule(f)
    assert first.title == "first"
    assert parse_rule(f) is first  # unchanged: the parsed rule is reused
    _rewrite(f, RULE.format(title="second"))
    assert parse_rule(f).title == "second"


def test_an_ontology_module_is_parsed_once_and_again_when_it_changes(tmp_path: Path) -> None:
    f = tmp_path / "module.ttl"
    _rewrite(f, TTL.format(word="first"))
    says = URIRef("http://example.org/says")
    graphs = [Graph(), Graph()]
    for g in graphs:
        parse_rdf_file(f, g)
    assert [set(g.objects(None, says)) for g in graphs] == [{Literal("first")}] * 2
    assert all(g.namespace_manager.store.namespace("ex") == URIRef("http://example.org/") for g in graphs)
    _rewrite(f, TTL.format(word="second"))
    again = Graph()
    parse_rdf_file(f, again)
    assert set(again.objects(None, says)) == {Literal("second")}
    _rewrite(f, "ex:a ex:says .\n")  # broken: the error names the file, and nothing stale is used
    with pytest.raises(OntologyError) as err:
        parse_rdf_file(f, Graph())
    assert str(f) in str(err.value)


def test_a_rule_files_check_handed_to_another_process_holds_while_the_file_is_unchanged(tmp_path: Path) -> None:
    f = tmp_path / "kind-rule.rq"
    _rewrite(f, RULE.format(title="kind"))
    assert _check_rule_file(f) == (True, None)
    handed = rule_checks()  # what the parent gives its reading workers
    stat = f.stat()
    # a check from elsewhere is taken as it is while mtime and size match: not parsed again here
    handed[f] = (stat.st_mtime_ns, stat.st_size, False, "checked elsewhere")
    remember_rule_checks(handed)
    assert _check_rule_file(f) == (False, "checked elsewhere")
    _rewrite(f, "#+ title: broken\nCONSTRUCT { ?a ?b } WHERE { ?a ?b ?c }\n")  # changed: checked afresh
    is_construct, error = _check_rule_file(f)
    assert not is_construct and error is not None and error != "checked elsewhere"

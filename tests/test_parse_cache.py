"""Rule files, ontology modules and the assembled ontology are read once per process while they
are unchanged, and read again as soon as they change (cached by path, mtime and size)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

from kg.cases.extensions import Extension
from kg.cases.orderkinds import _check_rule_file, remember_rule_checks, rule_checks
from kg.cases.scaffold import new_extension
from kg.errors import OntologyError, QueryError
from kg.ontology import load_ontology, parse_rdf_file
from kg.reasoning.rules import parse_rule
from kg.stores.layout import ontology_triples

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


def test_the_ontology_is_loaded_once_and_again_when_a_file_changes(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = new_extension("my-study", Path("extensions"))
    ext = Extension("my-study", folder.resolve())
    first = load_ontology([ext])
    assert "my-study-role" in first.roles and "second-role" not in first.roles
    assert load_ontology([ext]) is first  # unchanged: the loaded ontology is reused
    merged = ontology_triples([ext.ontology])
    assert ontology_triples([ext.ontology]) == merged  # the same triples (and blank nodes) again
    text = (folder / "ontology.ttl").read_text(encoding="utf-8")
    role = re.search(r"^ext:my-study-role a .*?\.\n", text, re.MULTILINE | re.DOTALL)
    assert role is not None
    _rewrite(folder / "ontology.ttl", text + role.group(0).replace("my-study-role", "second-role"))
    again = load_ontology([ext])
    assert again is not first and "second-role" in again.roles
    assert len(ontology_triples([ext.ontology])) > len(merged)
    assert load_ontology() is not again  # without the extension: another ontology


def test_a_header_is_parsed_once_and_read_from_the_cache_after(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.headers import QUERY, read

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ROLEGRAPH_NO_CACHE", raising=False)
    folder = tmp_path / "cache" / "rolegraph" / "headers"
    f = tmp_path / "q.rq"
    f.write_text("#+ title: 'Who kept a role: \"here\"'\n#+ tags: [a, b]\n#+ params:\n#+   role: {type: iri}\n"
                 "SELECT ?role WHERE { ?x ?p ?role }\n", encoding="utf-8")
    fresh = read(f, QUERY).values
    assert fresh["title"] == 'Who kept a role: "here"' and fresh["tags"] == ["a", "b"]
    entries = list(folder.glob("*.json"))
    assert len(entries) == 1
    # From the cache: the same values. A planted value would be read (the entry names its text)...
    assert read(f, QUERY).values == fresh
    entry = json.loads(entries[0].read_text(encoding="utf-8"))
    entry["header"]["value"]["title"] = "from the cache"
    entries[0].write_text(json.dumps(entry), encoding="utf-8")
    assert read(f, QUERY).values["title"] == "from the cache"
    # ...but one of another text, a damaged one or one of another key is not: parsed again.
    for damage in ({**entry, "header": {**entry["header"], "text": "title: other"}}, "{", {"key": "x"}):
        entries[0].write_text(damage if isinstance(damage, str) else json.dumps(damage), encoding="utf-8")
        assert read(f, QUERY).values == fresh
    # A header with a value JSON does not keep as it is (a date) is parsed each time, not cached.
    dated = tmp_path / "dated.rq"
    dated.write_text("#+ title: t\n#+ description: 2024-01-02\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryError):
        read(dated, QUERY)  # a description must be text
    assert len(list(folder.glob("*.json"))) == 1
    monkeypatch.setenv("ROLEGRAPH_NO_CACHE", "1")
    assert read(f, QUERY).values == fresh  # no cache: parsed


def test_a_named_query_is_parsed_once_and_read_from_the_cache_after(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.query as query_module
    from kg.query import load_queries, parse_query_file

    monkeypatch.setenv("ROLEGRAPH_NO_CACHE", "1")
    uncached = load_queries()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ROLEGRAPH_NO_CACHE", raising=False)
    folder = tmp_path / "cache" / "rolegraph" / "queries"

    def whole(q: Any) -> tuple[Any, ...]:  # what a Query's equality leaves out too
        return (q, q.titles, q.descriptions, [p.descriptions for p in q.params])

    assert {n: whole(q) for n, q in load_queries().items()} == {n: whole(q) for n, q in uncached.items()}
    assert len(list(folder.glob("*.json"))) == len(uncached)
    tokenised: list[str] = []
    real = query_module.variables
    monkeypatch.setattr(query_module, "variables", lambda text: tokenised.append(text) or real(text))
    # From the cache: the same queries, and no header read or SPARQL tokenised again
    assert {n: whole(q) for n, q in load_queries().items()} == {n: whole(q) for n, q in uncached.items()}
    assert not tokenised
    # A changed file, a copy under another name and a damaged entry are parsed again
    f = tmp_path / "who.rq"
    text = (uncached["role-transfer"].path).read_text(encoding="utf-8")
    f.write_text(text, encoding="utf-8")
    assert parse_query_file(f).name == "who" and len(tokenised) == 1
    f.write_text(text.replace("#+ title:", "#+ title: Changed:", 1), encoding="utf-8")
    with pytest.raises(QueryError):  # "Changed: ..." is a YAML mapping, not a title: reported
        parse_query_file(f)
    f.write_text(text, encoding="utf-8")
    for entry in folder.glob("*.json"):
        entry.write_text('{"key": "' + entry.stem + '", "query": {"name": 1}}', encoding="utf-8")
    assert whole(parse_query_file(f))[1:] == whole(uncached["role-transfer"])[1:]
    assert len(tokenised) == 2  # the file as it was, under the damaged entry: parsed again

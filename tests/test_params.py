"""Friendly parameters and SPARQL: bare ids, case ids, prefixed names and IRIs; clear errors
with close matches for what names nothing; predefined prefixes; `-` reads standard input."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.iris import PREFIXES
from kg.query import bind_params, get_query, resolve_iri
from kg.stores import open_store

from .conftest import CASES, SOURCES

ROLE_AMBASSADOR = PREFIXES["role"] + "ambassador"


def run(store: Path, *args: str, stdin: str | None = None):
    return CliRunner().invoke(main, [*args[:1], "--store", str(store), *args[1:]], input=stdin)


@pytest.mark.parametrize("given", ["ambassador", "role:ambassador", "<" + ROLE_AMBASSADOR + ">", ROLE_AMBASSADOR])
def test_an_iri_parameter_takes_a_bare_id_a_prefixed_name_or_an_iri(reasoned_store: Path, given: str) -> None:
    q = get_query("role-transfer")
    with open_store(reasoned_store) as st:
        assert bind_params(q, {"role": given}, store=st)["role"].value == ROLE_AMBASSADOR


def test_a_case_qualified_id_names_the_case_node(reasoned_store: Path) -> None:
    with open_store(reasoned_store) as st:
        iri = resolve_iri("future-workshop/mia", st)
        assert iri == "https://w3id.org/rolegraph/case/future-workshop/mia"
        assert resolve_iri("mia", st) == iri  # the only node with that id


def test_the_bare_id_gives_the_same_rows_as_the_full_iri(reasoned_store: Path) -> None:
    bare = run(reasoned_store, "query", "role-transfer", "--param", "role=ambassador", "--format", "csv")
    full = run(reasoned_store, "query", "role-transfer", "--param", f"role={ROLE_AMBASSADOR}", "--format", "csv")
    assert bare.exit_code == 0 and bare.output == full.output
    assert "womens-association" in bare.output


@pytest.mark.parametrize(("given", "says", "suggests"), [
    ("ambasador", "matches nothing", "role:ambassador"),
    ("foo:bar", "unknown prefix 'foo:'", "role:"),
    ("ext:no-such-role", "matches nothing", ""),
    ("future-workshop/mi", "matches nothing", "future-workshop/mia"),
])
def test_a_parameter_that_names_nothing_is_a_usage_error_with_close_matches(
        reasoned_store: Path, given: str, says: str, suggests: str) -> None:
    result = run(reasoned_store, "query", "role-transfer", "--param", f"role={given}")
    assert result.exit_code == 2, result.output
    assert says in result.output and suggests in result.output
    assert "(no rows)" not in result.output


def test_the_ontologys_alignment_prefixes_are_predefined_in_sparql(reasoned_store: Path) -> None:
    for prefix in ("dul", "prov", "org", "foaf", "oa"):
        assert prefix in PREFIXES
    result = run(reasoned_store, "sparql", "ASK { ?r a dul:Role }")
    assert result.exit_code == 0 and result.output.strip() == "true"


def test_every_prefix_the_ontology_declares_is_predefined() -> None:
    import re

    from kg.resources import data_dir

    for path in data_dir("ontology").glob("*.ttl"):
        for prefix, ns in re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", path.read_text(encoding="utf-8")):
            assert PREFIXES.get(prefix) == ns, f"{path.name}: {prefix}:"


def test_an_unknown_prefix_in_sparql_is_one_line_naming_it(reasoned_store: Path) -> None:
    result = run(reasoned_store, "sparql", "SELECT * WHERE { ?s zzz:thing ?o }")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown prefix 'zzz:'" in lines[0] and "\\u{" not in lines[0]


def test_sparql_reads_the_query_from_standard_input(reasoned_store: Path) -> None:
    result = run(reasoned_store, "sparql", "-", stdin="ASK { ?c a rg:RoleConflict }")
    assert result.exit_code == 0 and result.output.strip() == "true"


def test_validate_reads_a_case_from_standard_input() -> None:
    text = (CASES / "future-workshop.yaml").read_text(encoding="utf-8")
    # a case from standard input has no folder: its source files are named from the working directory
    text = text.replace("file: ../sources/", f"file: {SOURCES}/")
    ok = CliRunner().invoke(main, ["validate", "-"], input=text)
    assert ok.exit_code == 0, ok.output
    assert "future-workshop" in ok.output
    bad = CliRunner().invoke(main, ["validate", "-"], input="case: x\nbogus: 1\n")
    assert bad.exit_code == 1 and "<stdin>:" in bad.output
    assert not list(Path(".").glob(".rolegraph-stdin-*"))  # the copy is removed


def test_row_numbers_do_not_depend_on_the_language(reasoned_store: Path) -> None:
    from kg.query import load_queries, run_select

    with open_store(reasoned_store) as st:
        for q in load_queries().values():
            rows = {}
            for lang in ("en", "da"):
                result = run_select(st, q, bind_params(q, {}, lang=lang, store=st))
                rows[lang] = [tuple(v.value for _, v in sorted(r.items()) if isinstance(v, ox.NamedNode))
                              for r in result.rows]  # the IRIs of each row, in row order
            assert rows["en"] == rows["da"], q.name

"""The command line: reasoning on demand, queries, sparql, explain, check, and the strict query loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import QueryError
from kg.query import parse_query_file

from .conftest import CASES, ROOT, require_tool


@pytest.fixture
def built(cli, shipped_copy: Path) -> None:
    """The shipped cases built (a copy of one build per session: the builds are alike)."""


def test_query_reasons_first_when_needed_and_prints_a_table(cli, built) -> None:
    r = cli("query", "role-transfer")
    assert r.exit_code == 0, r.output
    assert "reasoning first" in r.output
    assert "ambassador for the municipality" in r.output and "the children-and-youth caseworkers" in r.output
    again = cli("query", "role-transfer", "--lang", "da")
    assert "reasoning first" not in again.output and "ambassadør for kommunen" in again.output


def test_no_reason_and_no_inference_switches(cli, built) -> None:
    r = cli("query", "role-transfer", "--no-reason")
    assert "reasoning first" not in r.output and "(no rows)" in r.output
    cli("reason")
    assert "(no rows)" in cli("query", "role-transfer", "--no-inference").output


def test_query_formats(cli, built) -> None:
    doc = json.loads(cli("query", "role-conflicts", "--format", "json").stdout)
    assert doc["results"]["bindings"][0]["bearer"]["value"].endswith("/mia")
    csv = cli("query", "role-conflicts", "--format", "csv").stdout
    assert csv.splitlines()[0].startswith("claim,bearer,bearerLabel")


def test_query_with_evidence_prints_quotes(cli, built) -> None:
    out = cli("query", "role-transfer", "--param", "role=role:ambassador", "--evidence").output
    assert "=== row 1: why" in out and "role-not-transferred" in out and "“" in out


def test_queries_lists_every_query(cli) -> None:
    out = cli("queries").output
    for name in ("role-transfer", "role-conflicts", "role-distance", "team-crossings", "order-violations",
                 "repertoire", "coproduction-type", "evidence"):
        assert name + ":" in out


def test_unknown_query_and_parameter(cli, built) -> None:
    r = cli("query", "role-transfr")
    assert r.exit_code == 2 and "did you mean 'role-transfer'" in r.output
    r = cli("query", "role-transfer", "--param", "bearr=x")
    assert r.exit_code == 2 and "has no parameter 'bearr'" in r.output


def test_sparql_select_ask_construct(cli, built, tmp_path: Path) -> None:
    out = cli("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?c a rg:RoleConflict }").output
    assert "1" in out
    assert cli("sparql", "ASK { ?c a rg:RoleConflict }", "--no-inference").output.strip() == "false"
    f = tmp_path / "q.rq"
    f.write_text("# a comment first\nCONSTRUCT { ?c a rg:RoleConflict } WHERE { ?c a rg:RoleConflict }")
    assert "mia-minute-taker" in cli("sparql", str(f)).output
    bad = cli("sparql", "SELECT WHERE {")
    assert bad.exit_code == 2 and "does not parse" in bad.output


def test_explain_cli_text_and_json(cli, built) -> None:
    out = cli("explain", "--query", "role-transfer", "--row", "1").output
    assert "rule role-not-transferred" in out and "stated in cases/womens-association.yaml:" in out
    doc = json.loads(cli("explain", "future-workshop/mia-minute-taker", "--format", "json").stdout)
    assert any(s["rule"]["id"] == "observed-role-conflict" for s in doc if s["rule"])
    r = cli("explain", "--query", "role-transfer", "--row", "99")
    assert r.exit_code == 2 and "does not exist" in r.output


@pytest.mark.slow
def test_check_with_hermit_consistent_and_inconsistent(cli, tmp_path: Path, monkeypatch) -> None:
    require_tool("java")
    assert cli("build", str(CASES)).exit_code == 0
    ok = cli("check")
    assert ok.exit_code == 0 and "consistent" in ok.output and "unsatisfiable classes: none" in ok.output
    assert "future-workshop-process" in ok.output and "agrees with HermiT" in ok.output
    monkeypatch.setenv("ROLEGRAPH_STORE", str(tmp_path / "bad"))
    clash = ROOT / "tests" / "data" / "inconsistent" / "person-and-organisation.ttl"
    assert cli("build", str(CASES), str(clash)).exit_code == 0
    bad = cli("check")
    assert bad.exit_code == 1 and "INCONSISTENT" in bad.output
    assert "rg:Organisation owl:disjointWith rg:Person" in bad.output
    assert "person-and-organisation.ttl:6" in bad.output


@pytest.mark.parametrize("header,message,line", [
    ("#+ title: t\n#+ colour: red\n", "unknown header field 'colour'", 2),
    ("#+ description: no title\n", "needs a title", 1),
    ("#+ title: t\n#+ params:\n#+   who:\n#+     type: iri\n", "parameter 'who' is not a variable of the query", 3),
    ("#+ title: t\n#+ params:\n#+   x:\n#+     type: colour\n", "unknown type 'colour'", 3),
    ("#+ title: t\n", "does not parse", 3),
])
def test_query_loader_is_strict(tmp_path: Path, header: str, message: str, line: int) -> None:
    body = "SELECT ?x WHERE { ?x ?p ?o }" if "does not parse" not in message else "SELECT ?x WHERE {\n?x ?p }"
    f = tmp_path / "q.rq"
    f.write_text(header + body, encoding="utf-8")
    with pytest.raises(QueryError) as info:
        parse_query_file(f)
    assert message in str(info.value)
    assert info.value.file == str(f) and info.value.line == line, (info.value.file, info.value.line)


_QUERY_PATH_CHECK = """
import sys
from kg.cli import main
try:
    main(["query", "role-transfer"])
except SystemExit as exc:
    assert not exc.code, exc.code
heavy = sorted(m for m in ("rdflib", "rich", "SPARQLWrapper", "pyshacl", "kg.explain", "kg.reasoning")
               if m in sys.modules)
print("HEAVY", heavy, file=sys.stderr)
"""


def test_a_piped_query_imports_neither_rdflib_nor_the_table_layout(reasoned_store: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "ROLEGRAPH_STORE": str(reasoned_store)}
    done = subprocess.run([sys.executable, "-c", _QUERY_PATH_CHECK], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "the children-and-youth caseworkers" in done.stdout
    assert "HEAVY []" in done.stderr, done.stderr


def test_a_query_whose_header_was_read_before_runs_without_pyyaml(reasoned_store: Path, tmp_path: Path) -> None:
    """The header of a named query, once parsed, comes from the header cache (kg.headers)."""
    import os
    import subprocess
    import sys

    check = _QUERY_PATH_CHECK.replace('("rdflib",', '("yaml", "rdflib",')
    env = {**os.environ, "ROLEGRAPH_STORE": str(reasoned_store), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ROLEGRAPH_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, cwd=ROOT,
                           timeout=120, check=False) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout and "the children-and-youth caseworkers" in runs[1].stdout
    assert "HEAVY ['yaml']" in runs[0].stderr, runs[0].stderr  # the first run parsed the header
    assert "HEAVY []" in runs[1].stderr, runs[1].stderr
    assert list((tmp_path / "cache" / "rolegraph" / "headers").glob("*.json"))


def test_only_the_named_query_file_is_read(tmp_path: Path) -> None:
    from kg.query import get_query

    (tmp_path / "mine.rq").write_text("#+ title: mine\nSELECT ?s WHERE { ?s ?p ?o }\n", encoding="utf-8")
    (tmp_path / "broken.rq").write_text("#+ title: broken\nSELECT WHERE {\n", encoding="utf-8")
    assert get_query("mine", [tmp_path]).title == "mine"
    assert get_query("role-transfer", [tmp_path]).name == "role-transfer"
    with pytest.raises(QueryError, match="does not parse"):  # a name not there: all are read for a suggestion
        get_query("mien", [tmp_path])


def test_a_study_with_a_clash_reasons_to_exit_1_with_the_clash_in_words_and_an_explain_chain_to_quotes(
        cli, tmp_path: Path, monkeypatch) -> None:
    clash = ROOT / "tests" / "data" / "inconsistent" / "person-and-organisation-quoted.ttl"
    assert cli("build", str(CASES), str(clash)).exit_code == 0
    r = cli("reason")
    assert r.exit_code == 1
    assert "INCONSISTENT: 1 clash(es)" in r.stderr
    assert "a node is a member of two disjoint classes (OWL 2 RL cax-dw)" in r.stderr
    assert "Kim (tests/data/inconsistent/person-and-organisation-quoted.ttl:10)" in r.stderr
    iri = r.stderr.split("rolegraph explain ")[1].split()[0]
    chain = cli("explain", iri)
    assert chain.exit_code == 0
    assert "rule cax-dw" in chain.output and "owl:disjointWith" in chain.output
    assert "“I am the association, really” — Kim" in chain.output and "line 12" in chain.output
    listed = cli("query", "clashes", "--format", "csv")
    assert listed.exit_code == 0 and "cax-dw" in listed.stdout and "Kim" in listed.stdout
    # Nothing is lost: the asserted statements and the findings are all still there, and a
    # query says, once, that it reads an inconsistent store.
    answer = cli("query", "role-conflicts")
    assert answer.exit_code == 0 and "mia" in answer.stdout.lower()
    assert answer.stderr.count("the store is inconsistent") == 1
    assert cli("sparql", "ASK { <https://w3id.org/rolegraph/case/quoted-clash/kim> a rg:Organisation , rg:Person }"
               ).stdout.strip() == "true"
    # build --reason says the same
    monkeypatch.setenv("ROLEGRAPH_STORE", str(tmp_path / "again"))
    again = cli("build", "--reason", str(CASES), str(clash))
    assert again.exit_code == 1 and "cax-dw" in again.stderr


def test_the_shipped_cases_are_consistent(cli) -> None:
    assert cli("build", str(CASES)).exit_code == 0
    r = cli("reason")
    assert r.exit_code == 0 and "INCONSISTENT" not in r.stderr
    listed = cli("query", "clashes", "--format", "csv").stdout.strip().splitlines()
    assert listed[0].startswith("clash,") and len(listed) == 1

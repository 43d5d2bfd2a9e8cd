"""Trust boundaries: case text never drives the terminal, rules fetch nothing, validation
fetches nothing, and case files cannot forge the store's own graphs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cases.scaffold import new_extension
from kg.cases.validate import load_cases
from kg.cli import main
from kg.errors import CaseDataError, QueryError, ReasoningError
from kg.query import get_query, load_queries
from kg.reasoning.rules import parse_rule
from kg.terminal import escape_controls
from tests.conftest import CASES, sample

ROLEGRAPH = [sys.executable, "-m", "kg.cli"]
# ESC [2J clears the screen, OSC 0 retitles the window, OSC 8 plants a link; a C1 CSI; a bidi override.
HOSTILE = '\\e[2J\\e]0;pwned\\a\\e]8;;http://evil.example/\\e\\\\click\\e]8;;\\e\\\\ \\x9b31m \\u202Eevil'
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def test_escape_controls_shows_every_control_character() -> None:
    assert escape_controls("a\x1b[2Jb\tc\nd\x9b\u202e") == "a\\x1b[2Jb\tc\nd\\x9b\\u202e"
    assert escape_controls("Ærø – “quoted”") == "Ærø – “quoted”"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The shipped women's association case with control sequences in its labels and a quote."""
    base = tmp_path_factory.mktemp("hostile")
    text = (CASES / "womens-association.yaml").read_text(encoding="utf-8")
    text = text.replace("{en: the SSP worker, da: SSP-medarbejderen}",
                        f'{{en: "the SSP worker {HOSTILE}", da: "SSP-medarbejderen {HOSTILE}"}}')
    text = text.replace("quote: særligt én frontmedarbejder", f'quote: "{HOSTILE} særligt én frontmedarbejder')
    text = text.replace("en central og gennemgående figur", 'en central og gennemgående figur"', 1)
    # the quote is altered on purpose: its source names no file, so it is not checked against the article
    text = text.replace("    file: ../sources/mueller-stougaard-2022-akademisk-kvarter.txt\n", "")
    case = base / "hostile.yaml"
    case.write_text(text, encoding="utf-8")
    store = base / "store"
    # built in-process (what is checked is how the commands below print to a real terminal)
    result = CliRunner().invoke(main, ["build", "--reason", "--store", str(store), str(case)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return store, case


def _run(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ROLEGRAPH, *args, "--store", str(store)], capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ})


COMMANDS = [
    ("query", "role-transfer", "--evidence"),
    ("explain", "--query", "role-transfer"),
    ("sparql", "SELECT ?l WHERE { ?s rdfs:label ?l }"),
    ("query", "role-transfer", "--format", "table"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_case_text_reaches_the_terminal_escaped(hostile_store: tuple[Path, Path], args: tuple[str, ...]) -> None:
    store, _ = hostile_store
    proc = _run(*args, store=store)
    assert proc.returncode == 0, proc.stderr
    assert not RAW.search(proc.stdout) and not RAW.search(proc.stderr)
    if args[0] == "sparql":
        assert "\\x1b[2J" in proc.stdout  # shown, not dropped


def test_problems_in_a_hostile_file_are_printed_escaped(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f'case: fixture\ntitle: x\nactors:\n  - id: a\n    label: x\n    side: "{HOSTILE}"\n',
                   encoding="utf-8")
    proc = subprocess.run([*ROLEGRAPH, "validate", str(bad)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 1 and "is not an allowed value" in proc.stderr
    assert not RAW.search(proc.stderr) and "\\x1b" in proc.stderr


def test_csv_sent_to_a_file_keeps_the_exact_text(hostile_store: tuple[Path, Path], tmp_path: Path) -> None:
    store, _ = hostile_store
    out = tmp_path / "labels.csv"
    with out.open("w", encoding="utf-8") as f:
        proc = subprocess.run([*ROLEGRAPH, "sparql", "SELECT ?l WHERE { ?s rdfs:label ?l }", "--format", "csv",
                               "--store", str(store)], stdout=f, stderr=subprocess.PIPE, text=True,
                              timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[2J" in out.read_text(encoding="utf-8") and "\u202eevil" in out.read_text(encoding="utf-8")


def test_a_rule_cannot_use_service(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "fetch.rq").write_text(
        "#+ title: fetches\n#+ kind: interaction-order\n"
        "PREFIX rg: <https://w3id.org/rolegraph/ontology#>\n"
        "CONSTRUCT { ?a rg:x ?b }\nWHERE {\n  ?a rg:y ?b .\n"
        "  FILTER EXISTS { SERVICE <http://127.0.0.1:9/sparql> { ?a ?p ?b } }\n}\n", encoding="utf-8")
    with pytest.raises(ReasoningError) as info:
        parse_rule(rules / "fetch.rq")
    assert info.value.line == 7 and "SERVICE" in info.value.message


@pytest.mark.parametrize("service", ["SERVICE <http://127.0.0.1:9/sparql> { ?a ?p ?b }",
                                     "\\u0053ERVICE <http://127.0.0.1:9/sparql> { ?a ?p ?b }"])
def test_an_extensions_named_query_cannot_use_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      service: str) -> None:
    """Named queries of an extension run in the CLI, the server and the view: they fetch nothing either."""
    monkeypatch.chdir(tmp_path)
    queries = new_extension("fetcher", Path("extensions")) / "queries"
    (queries / "fetch.rq").write_text(
        "#+ title: fetches\n#+ reasoning: none\n"
        "PREFIX rg: <https://w3id.org/rolegraph/ontology#>\n"
        f"SELECT ?a WHERE {{\n  ?a rg:y ?b .\n  OPTIONAL {{ {service} }}\n}}\n", encoding="utf-8")
    (queries / "fine.rq").write_text("#+ title: fine\n#+ reasoning: none\nSELECT ?s WHERE { ?s ?p ?o }\n",
                                     encoding="utf-8")
    with pytest.raises(QueryError) as info:
        load_queries([queries])
    assert info.value.file == str(queries / "fetch.rq") and info.value.line == 6
    assert "SERVICE" in info.value.message and "remove the SERVICE block" in info.value.hint
    with pytest.raises(QueryError):
        get_query("fetch", [queries])
    (queries / "fetch.rq").unlink()
    assert "fine" in load_queries([queries])


def test_a_remote_jsonld_context_is_not_fetched(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) never answers: a fetch would stall, a refusal is immediate.
    f = tmp_path / "remote.jsonld"
    f.write_text('{"@context": "http://192.0.2.1/ctx.jsonld", "@id": "https://w3id.org/rolegraph/case/x/a"}',
                 encoding="utf-8")
    with pytest.raises(CaseDataError) as info:
        load_cases([f])
    assert [p.field for p in info.value.problems] == ["@context"]
    assert "--allow-remote-context" in info.value.problems[0].hint


def test_what_validates_also_builds_from_an_export(tmp_path: Path) -> None:
    """An export of the shipped cases in every format validates and builds back."""
    from kg.pipeline import build_store
    from kg.stores import export_store, open_store

    store = tmp_path / "store"
    build_store(load_cases([CASES]), store)
    for fmt in sample(["ttl", "trig", "jsonld", "nt", "nq"], 2):
        with open_store(store) as st:
            data = export_store(st, fmt)
        f = tmp_path / f"export.{fmt}"
        f.write_bytes(data)
        again = tmp_path / f"store-{fmt}"
        report = build_store(load_cases([f]), again)
        assert report.triples > 0

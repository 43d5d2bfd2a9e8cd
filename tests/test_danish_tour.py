"""The README's tour in Danish: every command of it that runs offline, with ROLEGRAPH_LANG=da,
prints no English words outside quotes, ids, IRIs, prefixed names and paths."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.query import load_queries

from .conftest import ROOT

# Common English words of rolegraph's own messages (not Danish words as well: "case", "at",
# "for", "to", "under" are Danish too, and "case" is the word Danish social-work research uses)
STOP = {
    "the", "and", "of", "in", "with", "from", "by", "into", "than", "then", "when", "which", "where",
    "who", "what", "this", "that", "these", "those", "is", "are", "was", "were", "be", "been", "has",
    "have", "had", "not", "no", "none", "only", "each", "every", "all", "any", "its", "their", "it",
    "rule", "rules", "triple", "triples", "valid", "built", "rebuilt", "reasoned", "unchanged", "found",
    "file", "files", "row", "rows", "query", "queries", "wrote", "nodes", "edges", "graph", "graphs",
    "inferred", "rounds", "warning", "error", "problem", "problems", "hint", "store", "role", "roles",
    "source", "sources", "quote", "quotes", "claim", "claims", "context", "contexts", "bearer",
    "audience", "recognised", "refused", "why", "supports", "specialises", "stated", "see", "run",
    "use", "give", "add", "check", "write", "extension", "extensions", "independent", "part", "parts",
    "batch", "batches", "seconds", "full", "build", "code", "codes", "figure", "figures", "memo",
    "memos",
}
# commands of the tour that need Java (check), a server (serve, --endpoint) or print data (export)
SKIPPED = ("check", "serve", "--endpoint", "export")


def tour() -> list[list[str]]:
    """The README's command block, as argument lists (comments and redirections dropped)."""
    block = (ROOT / "README.md").read_text(encoding="utf-8").split("```sh\nrolegraph validate", 1)[1]
    block = "rolegraph validate" + block.split("```", 1)[0]
    out = []
    for line in block.splitlines():
        words = shlex.split(line.split("  #", 1)[0].split(" > ", 1)[0])
        if words and words[0] == "rolegraph" and words[1] not in SKIPPED:
            out.append(words[1:])
    return out


def english_words(text: str, ids: set[str]) -> set[str]:
    """The words of `text` on the stop-list, outside quotes, ids, IRIs, prefixed names and paths."""
    # quoted spans (backticks may wrap over lines, as in help texts; single quotes: from the
    # first to the last on a line, for names such as
    # 'the Danish-Somali women's association / co-creator'), then the tokens that are ids
    text = re.sub(r"`[^`]*`|\"[^\"\n]*\"|“[^”\n]*”|«[^»\n]*»|<[^>\n]*>|(?<!\w)'[^\n]*'(?!\w)", " ", text)
    found = set()
    for token in text.split():
        token = token.strip(".,;:()[]{}'’!?*")
        if not token or re.search(r"[-/:._@=#&\d]", token) or token in ids:
            continue
        found.add(token.lower())
    return found & STOP


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped cases and sources in a working directory of their own, with its own store."""
    for part in ("cases", "sources"):
        shutil.copytree(ROOT / part, tmp_path / part)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROLEGRAPH_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("ROLEGRAPH_PSEUDONYM_KEY", str(tmp_path / "keys" / "pseudonym.key"))
    monkeypatch.setenv("ROLEGRAPH_LANG", "da")
    monkeypatch.delenv("ROLEGRAPH_ENDPOINT", raising=False)
    return tmp_path


def test_the_tour_reads_the_readme() -> None:
    commands = [c[0] for c in tour()]
    for name in ("validate", "build", "reason", "query", "explain", "queries", "sparql", "viz",
                 "new-extension", "docs", "import-qdpx", "export-qdpx", "report", "generate"):
        assert name in commands, name


def test_the_readme_tour_in_danish_prints_no_english(study: Path) -> None:
    queries = load_queries()
    # query and rule names, and the queries' variables (the column names of a table in a pipe)
    ids = ({*queries, "rolegraph", "HermiT"} | {p.stem for p in (ROOT / "rules").rglob("*.rq")}
           | {v for q in queries.values() for v in re.findall(r"[?$](\w+)", q.text)})
    runner = CliRunner()
    leaks: dict[str, set[str]] = {}
    for args in tour():
        if args[0] == "generate":
            args = [*args[:-1], "3"]  # three synthetic cases say as much as a hundred
        if args[0] == "export-qdpx":  # export-qdpx before the import that reads it
            continue
        if args[0] == "import-qdpx":
            if not (study / "study.qdpx").exists():
                done = runner.invoke(main, ["export-qdpx", "--out", "study.qdpx", "--pseudonymise"])
                assert done.exit_code == 0, done.output
                leaks["export-qdpx"] = english_words(done.output, ids)
            args = ["drafts" if a == "cases/" else a for a in args]  # leave the shipped cases alone
        result = runner.invoke(main, args)
        assert result.exit_code == 0, f"rolegraph {' '.join(args)}\n{result.output}"
        assert result.output.strip(), f"rolegraph {' '.join(args)} printed nothing"
        leaks[" ".join(args)] = english_words(result.output, ids)
    leaked = {command: words for command, words in leaks.items() if words}
    assert not leaked, leaked


def test_the_stop_list_finds_english(study: Path) -> None:
    """The check can fail: the same tour step in English is caught."""
    result = CliRunner().invoke(main, ["validate", "cases/"], env={"ROLEGRAPH_LANG": "en"})
    assert result.exit_code == 0
    assert english_words(result.output, set()) >= {"valid", "triples"}


def test_danish_errors_and_problems(study: Path) -> None:
    (study / "bad.yaml").write_text("case: x\ntitle: X\nactors:\n  - id: a\n    labl: A\n    kind: person\n",
                                    encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "bad.yaml"])
    assert result.exit_code == 1
    assert "ukendt felt 'labl'" in result.output and "mente du 'label'?" in result.output
    assert "problem(er) fundet; intet blev ændret" in result.output
    assert not english_words(result.output, set()), result.output
    result = CliRunner().invoke(main, ["query", "no-such-query"])
    assert result.exit_code == 2 and result.output.startswith("Fejl: ingen forespørgsel hedder 'no-such-query'")
    # the group's --lang beats the environment, and a command's --lang beats the group's
    result = CliRunner().invoke(main, ["--lang", "en", "query", "no-such-query"])
    assert result.output.startswith("Error: no query named")
    result = CliRunner().invoke(main, ["--lang", "en", "roles", "--lang", "da"])
    assert "specialiserer" in result.output


def _commands() -> list[str]:
    return main.list_commands(click.Context(main, info_name="rolegraph"))


def _help_ids() -> set[str]:
    """Command names and options' defaults (extensions, out/rolegraph.html): ids, not words."""
    ctx = click.Context(main, info_name="rolegraph")
    commands = [c for name in _commands() if (c := main.get_command(ctx, name))]
    return {"rolegraph", "HermiT", *_commands()} | {str(p.default) for c in commands for p in c.params}


def test_every_help_in_danish_prints_no_english(study: Path) -> None:
    """`--help` of the group and of every command: click's words, docstrings, options' help, metavars."""
    runner = CliRunner()
    leaks: dict[str, set[str]] = {}
    # options' names and values (--no-inference, [ttl|nt]) and env vars are ids; the help around them is not
    for args in (["--help"], *([name, "--help"] for name in _commands())):
        result = runner.invoke(main, args, prog_name="rolegraph")
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Brug: rolegraph"), result.output
        assert "Tilvalg:" in result.output and "Vis denne besked og afslut." in result.output
        leaks[" ".join(args)] = english_words(result.output, _help_ids())
    assert "Kommandoer:" in runner.invoke(main, ["--help"], prog_name="rolegraph").output
    leaked = {command: words for command, words in leaks.items() if words}
    assert not leaked, leaked


def test_help_follows_the_group_lang_wherever_it_stands(study: Path) -> None:
    runner = CliRunner()
    for args in (["--lang", "da", "build", "--help"], ["--help", "--lang", "da"], ["query", "--help", "--lang", "da"]):
        result = runner.invoke(main, args, prog_name="rolegraph", env={"ROLEGRAPH_LANG": "en"})
        assert result.output.startswith("Brug: rolegraph"), (args, result.output)
    english = runner.invoke(main, ["build", "--help"], prog_name="rolegraph", env={"ROLEGRAPH_LANG": "en"})
    assert english.output.startswith("Usage: rolegraph build [OPTIONS] [PATHS]...")
    assert "Show this message and exit." in english.output
    assert english_words(english.output, set()) >= {"the", "and", "store"}  # the check can fail


def test_click_usage_errors_are_danish(study: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["query"], prog_name="rolegraph")
    assert result.exit_code == 2
    assert "Brug: rolegraph query [TILVALG] NAVN" in result.output
    assert "Prøv 'rolegraph query --help' for hjælp." in result.output
    assert "Fejl: Manglende argument 'NAVN'." in result.output
    result = runner.invoke(main, ["build", "--bogus"], prog_name="rolegraph")
    assert result.exit_code == 2 and "Fejl: Intet tilvalg hedder '--bogus'." in result.output
    result = runner.invoke(main, ["generate", "out", "--cases", "0"], prog_name="rolegraph")
    assert "Fejl: Ugyldig værdi for '--cases': 0 er ikke i intervallet x>=1." in result.output
    # click's types are named in Danish too: a directory, an integer
    result = runner.invoke(main, ["reason", "--rules", "no-such-dir"], prog_name="rolegraph")
    assert "Fejl: Ugyldig værdi for '--rules': Mappe 'no-such-dir' findes ikke." in result.output
    result = runner.invoke(main, ["explain", "--row", "x"], prog_name="rolegraph")
    assert "Fejl: Ugyldig værdi for '--row': 'x' er ikke et gyldigt heltal." in result.output
    result = runner.invoke(main, ["no-such-command"], prog_name="rolegraph")
    assert "Fejl: Ingen kommando hedder 'no-such-command'." in result.output
    # the command's --lang, given before the bad option, decides too; English stays the default
    result = runner.invoke(main, ["query", "--lang", "da", "--bogus"], prog_name="rolegraph", env={"ROLEGRAPH_LANG": None})
    assert "Fejl: Intet tilvalg hedder '--bogus'." in result.output
    result = runner.invoke(main, ["query"], prog_name="rolegraph", env={"ROLEGRAPH_LANG": None})
    assert "Error: Missing argument 'NAME'." in result.output and "Usage: rolegraph query [OPTIONS] NAME" in result.output
    result = runner.invoke(main, ["reason", "--rules", "no-such-dir"], prog_name="rolegraph", env={"ROLEGRAPH_LANG": None})
    assert "Error: Invalid value for '--rules': Directory 'no-such-dir' does not exist." in result.output

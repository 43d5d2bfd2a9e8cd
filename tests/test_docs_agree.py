"""Docs that cannot drift: exit codes, the case schema, every command's --help, speed figures."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from kg.cases.schema import FIELDS
from kg.cli import main

from .conftest import CASES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CASE_FORMAT = (ROOT / "docs" / "case-format.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# Exit codes
# ---------------------------------------------------------------------------

def _readme_exit_codes() -> dict[int, str]:
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    text = " ".join(section.split())
    found = {int(code): what.strip() for code, what in re.findall(r"(\d) ([^·]+?)(?= · |\.?$)", text)}
    assert set(found) == {0, 1, 2}, f"README's exit codes section should define 0, 1 and 2: {found}"
    return found


# what the README names -> a command line that is an instance of it
_INVALID = str(ROOT / "tests" / "data" / "invalid" / "unknown-id.yaml")
USAGE_ERRORS: dict[str, list[str]] = {
    "unknown file": ["validate", "no-such-file.yaml"],
    "store": ["export"],  # the store named by ROLEGRAPH_STORE does not exist
    "query": ["query", "no-such-query"],
    "parameter": ["query", "role-transfer", "--param", "bearr=x"],
    "option": ["validate", "--no-such-option", str(CASES)],
}


def test_readme_exit_codes_match_the_cli(cli: Callable[..., Result]) -> None:
    codes = _readme_exit_codes()
    assert codes[0].startswith("success")
    assert cli("validate", str(CASES)).exit_code == 0
    assert "invalid data" in codes[1]
    assert cli("validate", _INVALID).exit_code == 1
    usage = re.match(r"usage error \((.*)\)$", codes[2])
    assert usage, f"README: 2 should read 'usage error (...)', not {codes[2]!r}"
    kinds = [k.strip() for k in re.split(r",|\bor\b", usage.group(1).replace("unknown ", "unknown_"))]
    kinds = [k.replace("unknown_", "unknown ") for k in kinds if k]
    assert set(kinds) == set(USAGE_ERRORS), f"README names {kinds}; this test knows {sorted(USAGE_ERRORS)}"
    for kind, args in USAGE_ERRORS.items():
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, f"{kind}: `rolegraph {' '.join(args)}` exits {result.exit_code}, README says 2"


# ---------------------------------------------------------------------------
# The case schema and docs/case-format.md
# ---------------------------------------------------------------------------

SECTION_KINDS = {"top level": "case", "sources": "source", "actors": "actor", "teams": "team",
                 "roles": "role", "orders": "order", "order rules": "rule", "contexts": "context",
                 "processes": "process", "phases": "phase", "claims": "claim",
                 "memberships": "membership", "responses": "response", "evidence": "evidence",
                 "standings": "standing", "definitions": "definition", "castings": "casting"}
_JOIN_WORDS = {"either", "with", "or"}


def _documented() -> dict[str, tuple[set[str], set[str]]]:
    """Section kind -> (fields, fields in bold) from the table of docs/case-format.md."""
    table = CASE_FORMAT.split("| section | fields (required in bold) |", 1)[1].split("\n\n", 1)[0]
    out: dict[str, tuple[set[str], set[str]]] = {}
    for row in table.strip().splitlines()[1:]:
        section, fields = (c.strip() for c in row.strip().strip("|").split("|", 1))
        bare = re.sub(r"\([^)]*\)", "", fields)  # value lists and remarks
        names = {w for w in re.findall(r"[a-z_]+", bare) if w not in _JOIN_WORDS}
        bold = set(re.findall(r"\*\*([a-z_]+)\*\*", bare))
        out[SECTION_KINDS[section]] = (names, bold)
    return out


def test_every_schema_field_is_documented_and_every_documented_field_exists() -> None:
    documented = _documented()
    assert set(documented) == set(FIELDS), (
        f"sections documented {sorted(documented)} != schema kinds {sorted(FIELDS)}")
    problems = []
    for kind, spec in FIELDS.items():
        names, bold = documented[kind]
        if missing := set(spec) - names:
            problems.append(f"{kind}: not in docs/case-format.md: {sorted(missing)}")
        if extra := names - set(spec):
            problems.append(f"{kind}: documented but not in the schema: {sorted(extra)}")
        required = {n for n, (_, req) in spec.items() if req}
        # an order rule needs one of two forms: its bold fields are required within their form
        if kind != "rule" and bold != required:
            problems.append(f"{kind}: bold {sorted(bold)} but required {sorted(required)}")
    assert not problems, "\n".join(problems)


def test_documented_values_of_enumerations_exist() -> None:
    for kind, spec in FIELDS.items():
        for name, (ftype, _) in spec.items():
            if not ftype.startswith(("enum:", "enum-list:")):
                continue
            for value in ftype.split(":", 1)[1].split("|"):
                assert f"`{value}`" in CASE_FORMAT, f"{kind}.{name}: value `{value}` is not in docs/case-format.md"


# ---------------------------------------------------------------------------
# --help of every command
# ---------------------------------------------------------------------------

def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    out: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, f"{name} is listed but cannot be loaded"
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


COMMANDS = _commands(main)


def test_the_cli_has_its_commands() -> None:
    names = {c[0] for c in COMMANDS}
    assert {"validate", "build", "reason", "query", "explain", "viz", "serve", "export"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_a_working_help(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and f" {command[-1]} " in result.output.splitlines()[0] + " "
    body = result.output.split("\n\n", 2)
    assert len(body) > 1 and body[1].strip(), f"`rolegraph {' '.join(command)}` has no help text"


def test_every_command_is_in_the_readme_or_the_docs() -> None:
    docs = README + "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    missing = [" ".join(c) for c in COMMANDS if f"rolegraph {' '.join(c)}" not in docs]
    assert not missing, f"commands not shown in README.md or docs/*.md: {missing}"


# ---------------------------------------------------------------------------
# Figures come from bench/results
# ---------------------------------------------------------------------------

def _speed_summary_module() -> object:
    spec = importlib.util.spec_from_file_location("speed_summary", ROOT / "bench" / "speed_summary.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_speed_summary_is_written_from_the_results() -> None:
    speed = _speed_summary_module()
    written = speed.in_readme(README)  # type: ignore[attr-defined]
    assert written == speed.current(), (  # type: ignore[attr-defined]
        "README.md's speed summary differs from bench/results: run `python bench/speed_summary.py --write`")


def test_every_figure_of_the_speed_summary_is_in_a_results_file() -> None:
    """Independent of the generator: each number of the paragraph appears in bench/results."""
    speed = _speed_summary_module()
    paragraph = speed.in_readme(README)  # type: ignore[attr-defined]
    results = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "bench" / "results").glob("*.md")))
    results_numbers = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", results)}
    prose = re.sub(r"10\^\d", "", paragraph)  # orders of magnitude name a size, not a figure
    figures = [f.replace(",", "") for f in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", prose)]
    missing = [f for f in figures if f not in results_numbers]
    assert figures and not missing, f"figures of the README's speed summary not in bench/results/*.md: {missing}"


def test_the_summary_follows_the_results(tmp_path: Path) -> None:
    """The generator reads its figures from the results, not from a copy of them."""
    import json

    speed = _speed_summary_module()
    def results(name: str) -> dict:  # type: ignore[type-arg]
        return dict(json.loads((ROOT / "bench" / "results" / name).read_text(encoding="utf-8")))

    shipped, mid, large = results("pipeline-shipped.json"), results("pipeline-1e5.json"), results("pipeline-1e6.json")
    large["sizes"][0]["end_to_end"]["ours"]["query_engine_s"] = 0.25
    mid["sizes"][0]["end_to_end"]["ours"]["s"] = 4.25
    text = " ".join(speed.summary(shipped, mid, large).split())  # type: ignore[attr-defined]
    assert "the flagship query alone takes 0.25 s" in text
    assert "the flagship query take 4.25 s" in text


def test_the_misquote_shown_in_case_format_is_what_validate_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    block = CASE_FORMAT.split("```console\n$ rolegraph validate tests/data/invalid/quote-changed-word.yaml\n", 1)[1]
    shown = block.split("```", 1)[0].rstrip("\n").splitlines()
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["validate", "tests/data/invalid/quote-changed-word.yaml"])
    assert result.exit_code == 1
    assert result.output.splitlines()[:len(shown)] == shown

"""Tables that fit: sized to --width (or the terminal), ids never cut, values whole in a pipe;
each quote printed once per output, with a short source key and the references at the end."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.cli.tables import render, safe

LONG_ID = ox.NamedNode("https://w3id.org/rolegraph/case/womens-association/women-vulnerable-mother-in-department")
ROWS = [{"claim": LONG_ID, "label": ox.Literal("a label " * 12), "n": ox.Literal("3")}]


def query(store: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["query", *args, "--store", str(store)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("width", [40, 80, 120])
def test_a_table_fits_its_width_and_never_cuts_an_id(width: int) -> None:
    out = render(["claim", "label", "n"], ROWS, width=width, terminal=True)
    assert all(len(line) <= width for line in out.splitlines()), out
    flat = re.sub(r"\s+", "", out)  # an id may wrap over lines, but all of it is there
    assert "womens-association/women-vulnerable-mother-in-department" in flat
    assert "…" not in out.split("label")[0]


def test_in_a_pipe_values_are_whole_one_row_per_line_tab_separated() -> None:
    out = render(["claim", "label", "n"], ROWS, width=None, terminal=False)
    header, row = out.splitlines()
    assert header.split("\t") == ["claim", "label", "n"]
    cells = row.split("\t")
    assert cells[0] == "womens-association/women-vulnerable-mother-in-department"
    assert cells[1] == ("a label " * 12)


def test_control_characters_from_case_text_never_reach_the_terminal() -> None:
    hostile = [{"x": ox.Literal("ok\x1b[2J\x1b]8;;http://x\x07link\x9b")}]
    for terminal in (True, False):
        out = render(["x"], hostile, width=60, terminal=terminal)
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
        assert "\\x1b[2J" in out
    assert safe("line\nnext") == "line\nnext"


def test_the_flagship_table_at_80_and_120_columns_and_in_a_pipe(reasoned_store: Path) -> None:
    for width in (80, 120):
        out = query(reasoned_store, "role-transfer", "--width", str(width))
        assert all(len(line) <= width for line in out.splitlines())
        assert "ambassador" in out and re.search(r"\(\d+ rows\)", out)
    piped = query(reasoned_store, "role-transfer").splitlines()
    assert "\t" in piped[0] and len({line.count("\t") for line in piped}) == 1


def test_evidence_prints_each_quote_once_with_keys_and_the_references_once(reasoned_store: Path) -> None:
    out = query(reasoned_store, "role-transfer", "--evidence", "--width", "120")
    quotes_part = out.split("\nQuotes:\n")[1].split("\nReferences:\n")[0]
    quote_lines = [line for line in quotes_part.splitlines() if re.match(r"\[\d+\] ", line)]
    assert len(quote_lines) == len({line.split("] ", 1)[1] for line in quote_lines})  # each quote once
    assert all(re.search(r"\[M&S 2022 §", line) for line in quote_lines)
    cited = set(re.findall(r"\[(\d+)\]", " ".join(re.findall(r"quotes: ([\d\[\] ]+)", out))))
    assert cited == {line[1:line.index("]")] for line in quote_lines}
    refs = out.split("\nReferences:\n")[1]
    assert refs.count("Akademisk Kvarter") == 1
    assert out.count("Müller, M. & Stougaard") == 1  # the full reference once


def test_explain_cites_each_quote_once_and_keeps_the_full_chain(reasoned_store: Path) -> None:
    def explain(*extra: str) -> str:
        result = CliRunner().invoke(main, ["explain", "--query", "role-transfer", "--store", str(reasoned_store),
                                           *extra])
        assert result.exit_code == 0, result.output
        return result.output

    short, full = explain(), explain("--full")
    assert short.count("Samskabelse mellem frontmedarbejdere") == 1
    assert full.count("Samskabelse mellem frontmedarbejdere") > 10
    assert len(short.splitlines()) < len(full.splitlines())
    assert "⇐ rule role-not-transferred" in short and "⇐ rule role-not-transferred" in full

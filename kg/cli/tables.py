"""Result tables for people, sized to the terminal, and plain rows for pipes.

On a terminal (or with `--width`) a table fits the width: ids (shortened IRIs) are
never cut, only wrapped, so they can be pasted back into `--param` or `explain`;
other long values wrap. When the columns cannot fit side by side, each row prints
as a block of `name: value` lines. In a pipe every value is printed whole, one row
per line, tab-separated, with a header line, so `cut`, `awk` and `sort` work.
rich lays the tables out (a well-kept library, rather than a printer of our own).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..i18n import N_
from .plain import cell, is_id, safe, tsv

__all__ = ["N_", "cell", "column_headers", "is_id", "render", "safe", "tsv"]

# Column names of the shipped queries, as people read them (a query's variable `roleLabel`
# shows as `role`); a variable not listed here shows as it is written in the query.
COLUMNS = {
    "attributedBy": N_("attributed by"),
    "bearer": N_("bearer"),
    "claim": N_("claim"),
    "classifiedTypes": N_("classified types"),
    "features": N_("features"),
    "finding": N_("finding"),
    "fromTeam": N_("from team"),
    "initiators": N_("initiators"),
    "locator": N_("locator"),
    "mode": N_("mode"),
    "node": N_("node"),
    "observed": N_("observed"),
    "paraphrase": N_("paraphrase"),
    "prediction": N_("prediction"),
    "process": N_("process"),
    "quote": N_("quote"),
    "recognisedBy": N_("recognised by"),
    "recognisedIn": N_("recognised in"),
    "refusedBy": N_("refused by"),
    "refusedIn": N_("refused in"),
    "responses": N_("responses"),
    "role": N_("role"),
    "situation": N_("situation"),
    "sourceTitle": N_("source"),
    "speaker": N_("speaker"),
    "stance": N_("stance"),
    "statedTypes": N_("stated types"),
    "statement": N_("statement"),
    "time": N_("time"),
    "toTeam": N_("to team"),
    "via": N_("via"),
    "outcome": N_("outcome"),
    "context": N_("context"),
    "case": N_("case"),
    "count": N_("count"),
    "bearers": N_("bearers"),
    "setting": N_("setting"),
    "clash": N_("clash"),
    "rule": N_("rule"),
    "nodes": N_("nodes"),
    "definition": N_("definition"),
    "definer": N_("defined by"),
    "outcomes": N_("outcomes"),
    "group": N_("grouped by"),
    "recognisedSetting": N_("recognised in setting"),
    "refusedSetting": N_("refused in setting"),
    "recognisedCount": N_("recognised (claims)"),
    "refusedCount": N_("refused (claims)"),
    "recognisedBearers": N_("recognised for"),
    "refusedBearers": N_("refused for"),
    "contestedBy": N_("contested by"),
    "claimCount": N_("claims"),
    "definerA": N_("defined by (A)"),
    "occasionA": N_("occasion (A)"),
    "atStakeA": N_("at stake (A)"),
    "definerB": N_("defined by (B)"),
    "occasionB": N_("occasion (B)"),
    "atStakeB": N_("at stake (B)"),
    "claimsNotRecognised": N_("claims not recognised"),
    "notRecognised": N_("not recognised there"),
}


def column_headers(variables: list[str], _: Callable[[str], str]) -> dict[str, str]:
    """What to call each column in language `_`: the label column of `x` is called `x`."""
    out = {}
    for v in variables:
        base = v.removesuffix("Label") if v.endswith("Label") and len(v) > 5 else v
        out[v] = _(COLUMNS[base]) if base in COLUMNS else base
    return out


MAX_WORD = 22  # a longer word may be folded
MIN_COLUMN = 12  # narrower than this, a table is harder to read than blocks of name: value


def render(variables: list[str], rows: list[dict[str, Any]], *, width: int | None, terminal: bool,
           headers: dict[str, str] | None = None, rows_word: tuple[str, str] = ("row", "rows"),
           none_text: str = "(no rows)") -> str:
    """The rows as a table (terminal or --width), blocks (too narrow) or tab-separated lines (pipe).

    `headers` names the columns for people (the variable names by default); the
    tab-separated form keeps the variable names, which scripts rely on."""
    names = {v: (headers or {}).get(v, v) for v in variables}
    if not terminal and width is None:
        return tsv(variables, rows)
    if not rows:
        return none_text
    width = width or shutil.get_terminal_size((100, 24)).columns
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False, emoji=False,
                      markup=False)
    ids = {v for v in variables if any(is_id(r.get(v)) for r in rows)}
    longest = {v: max([len(names[v]), *(len(cell(r.get(v))) for r in rows)]) for v in variables}
    words = {v: max([len(w) for r in rows for w in cell(r.get(v)).split()] or [0]) for v in variables}
    # ids take their whole length; when the table then does not fit, rows print as blocks
    widths = _widths(variables, longest, words, ids, width)
    if widths is not None:
        console.print(_table(variables, rows, names, widths))
    else:  # the ids and the other columns do not fit side by side: each row as `name: value` lines
        for i, r in enumerate(rows, 1):
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            for v in variables:
                grid.add_row(Text(names[v] + ":"), Text(safe(cell(r.get(v)))))
            console.print(Text(f"── {i} ──"))
            console.print(grid)
    out = "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())  # type: ignore[attr-defined]
    n = len(rows)
    return out.rstrip("\n") + f"\n({n} {rows_word[0] if n == 1 else rows_word[1]})"


def _widths(variables: list[str], longest: dict[str, int], words: dict[str, int], whole: set[str],
            width: int) -> dict[str, int] | None:
    """Column widths for `width`, or None when they cannot fit: the `whole` columns (ids) get
    their longest value; the others at least MIN_COLUMN or their longest word (up to
    MAX_WORD), never more than their longest value; what is left is shared out in
    proportion to what each still lacks."""
    room = width - 3 * (len(variables) - 1)  # three spaces between columns
    out = {v: longest[v] if v in whole else min(longest[v], max(MIN_COLUMN, min(words[v], MAX_WORD)))
           for v in variables}
    spare = room - sum(out.values())
    if spare < 0:
        return None
    lacking = {v: longest[v] - out[v] for v in variables if longest[v] > out[v]}
    total = sum(lacking.values())
    if total <= spare:
        return {v: longest[v] for v in variables}
    for v, lack in lacking.items():
        out[v] += spare * lack // total
    leftover = room - sum(out.values())
    for v in sorted(lacking, key=lambda v: longest[v] - out[v], reverse=True)[:max(0, leftover)]:
        out[v] += 1
    return out


def _table(variables: list[str], rows: list[dict[str, Any]], names: dict[str, str],
           widths: dict[str, int]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    for v in variables:
        table.add_column(names[v], overflow="fold", width=widths[v])
    for r in rows:
        table.add_row(*(Text(safe(cell(r.get(v)))) for v in variables))
    return table

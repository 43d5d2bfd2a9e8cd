"""Values as people read them, and rows as tab-separated lines for pipes: no table layout.

Apart from `kg.cli.tables` (rich) so that a query piped into `cut` or `sort` does not
import the table layout it does not use.
"""

from __future__ import annotations

from typing import Any

from ..iris import shorten
from ..query import term_text
from ..terminal import escape_controls

# Text from case files made harmless for a terminal: the one escaping function of every printer.
safe = escape_controls


def cell(term: Any) -> str:
    """One value as people read it: IRIs shortened, literals as their text."""
    if term is None:
        return ""
    if type(term).__name__ == "Triple":  # a derivation's premise: its parts as people read them
        return f"<<( {cell(term.subject)} {cell(term.predicate)} {cell(term.object)} )>>"
    return shorten(term.value) if type(term).__name__ == "NamedNode" else term_text(term)


def is_id(term: Any) -> bool:
    return type(term).__name__ == "NamedNode"


def tsv(variables: list[str], rows: list[dict[str, Any]]) -> str:
    """Rows for a pipe: a header line of variable names, then each value whole, tab-separated."""
    def clean(text: str) -> str:
        return safe(text.replace("\t", " ").replace("\r\n", " ").replace("\n", " "))

    lines = ["\t".join(variables)]
    lines += ["\t".join(clean(cell(r.get(v))) for v in variables) for r in rows]
    return "\n".join(lines)

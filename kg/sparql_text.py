"""The one SPARQL lexer: query form, forbidden keywords and dataset clauses, outside strings,
IRIs and comments.

The server and the remote-store client share it: it finds the query form and
keywords such as SERVICE and LOAD where a regular expression over the raw text
would be fooled by a comment or a string. It imports nothing heavy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from .errors import Msg
from .i18n import N_

_TOKEN_PATTERN = r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '''(?:[^'\\]|\\.|'(?!''))*'''
             | "(?:[^"\\\n\r]|\\.)*"
             | '(?:[^'\\\n\r]|\\.)*')
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d][\w\-\u00B7]*(?:\.[\w\-\u00B7]+)*)?:
              (?:[\w\-:%\u00B7]|\\[^\s]|\.(?=[\w\-:%\u00B7]))*)
  | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>.)
"""

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


@functools.lru_cache(maxsize=1)
def _token_re() -> re.Pattern[str]:
    return re.compile(_TOKEN_PATTERN, re.VERBOSE | re.DOTALL)


def spans(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of each token, comments and white space left out.

    Kinds: iri, string, var, lang, pname (prefixed names and blank-node labels),
    number, word (keywords, function names, `a`, true/false) and punct.
    """
    token = _token_re()
    pos = 0
    while pos < len(text):
        m = token.match(text, pos)
        assert m is not None  # the last alternative matches any character
        pos = m.end()
        kind = m.lastgroup
        assert kind is not None
        if kind in ("ws", "comment"):
            continue
        yield kind, m.group(0), m.start()


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of each token, comments and white space left out (see `spans`)."""
    for kind, tok, _ in spans(text):
        yield kind, tok


def variables(text: str) -> set[str]:
    """The names of the variables the text uses (not those inside strings, IRIs or comments)."""
    return {tok[1:] for kind, tok in tokens(text) if kind == "var"}


def keyword_at(text: str, word: str, start: int = 0) -> int | None:
    """The offset of the first keyword `word` (any case) at or after `start`, or None."""
    for kind, tok, at in spans(text[start:]):
        if kind == "word" and tok.upper() == word:
            return start + at
    return None


def group_after(text: str, word: str | None, start: int = 0) -> tuple[int, int] | None:
    """Where the `{ ... }` group that follows keyword `word` (or, with None, the next group
    from `start`) opens and closes: the offsets just inside its braces; None if the keyword
    or a balanced group is missing. Braces inside strings, IRIs and comments do not count."""
    at = keyword_at(text, word, start) if word is not None else start
    if at is None:
        return None
    depth, inside = 0, 0
    for kind, tok, pos in spans(text[at:]):
        if kind != "punct":
            if depth == 0 and kind != "word":
                return None  # something other than a group follows the keyword
            continue
        if tok == "{":
            depth += 1
            if depth == 1:
                inside = at + pos + 1
        elif tok == "}":
            depth -= 1
            if depth == 0:
                return inside, at + pos
    return None


def _unescaped(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        try:
            return chr(code)
        except ValueError:
            return m.group(0)
    return _UNICODE_ESCAPE.sub(sub, text)


def keywords(text: str) -> list[str]:
    """The bare words of the text in upper case (keywords and function names), in order."""
    return [t.upper() for kind, t in tokens(text) if kind == "word"]


def forbidden_keywords(text: str, forbidden: tuple[str, ...] = ("SERVICE", "LOAD")) -> list[str]:
    """Which of `forbidden` occur as keywords, outside strings, IRIs, comments and names.

    SPARQL lets `\\uXXXX` escapes stand anywhere in a query, and parsers differ on
    whether they are undone before tokenising; the text is checked both ways.
    """
    found: list[str] = []
    for variant in {text, _unescaped(text)}:
        for word in keywords(variant):
            if word in forbidden and word not in found:
                found.append(word)
    return found


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, ASK or DESCRIBE for a query; UPDATE for an update; None if unclear.

    The prologue (BASE, PREFIX) and comments are skipped, so a query that opens
    with a `#` comment is recognised (SPARQLWrapper's own guess is not).
    """
    for word in keywords(text):
        if word in ("PREFIX", "BASE"):
            continue
        if word in QUERY_FORMS:
            return word
        if word in UPDATE_WORDS:
            return "UPDATE"
        return None
    return None


def has_dataset_clause(text: str) -> bool:
    """Whether the query names its own dataset with FROM / FROM NAMED."""
    return "FROM" in keywords(text)


_ERROR_AT = re.compile(r"error at (\d+):(\d+)")


def syntax_error_message(text: str, error: str, prefixes: dict[str, str] | None = None) -> str:
    """A parser's error as one line for people: an unknown prefix is named, and the
    parser's list of expected characters is replaced by the offending line and a caret."""
    first = error.splitlines()[0] if error else "syntax error"
    m = _ERROR_AT.match(first)
    if not m:
        return first[:200]
    line_no, col = int(m.group(1)), int(m.group(2))
    lines = text.splitlines() or [""]
    line = lines[min(line_no, len(lines)) - 1]
    if "Prefix not found" in error:
        # the last prefixed name that ends at or before the error's column
        names = re.findall(r"(?<![\w?$<])([A-Za-z][\w.-]*)?:[\w.-]*", line[:col + 1])
        prefix = names[-1] if names else ""
        known = ", ".join(f"{p}:" for p in sorted(prefixes or {}))
        if known:
            return Msg(N_("unknown prefix '{prefix}:' at line {line}, column {col}; declare it with PREFIX "
                          "{prefix}: <...> or use a predefined one ({known})"),
                       prefix=prefix, line=line_no, col=col, known=known)
        return Msg(N_("unknown prefix '{prefix}:' at line {line}, column {col}; declare it with PREFIX "
                      "{prefix}: <...>"), prefix=prefix, line=line_no, col=col)
    expected = first[m.end():].strip().removeprefix(":").strip()
    if len(expected) > 80 or "\n" in error:
        expected = Msg(N_("unexpected text"))
    # the parser's own words (`expected`) stay as the parser wrote them
    return Msg(N_("line {line}, column {col}: {expected}: {text}"), line=line_no, col=col, expected=expected,
               text=line.strip()[:120])

"""Quotes checked against the documents they cite: strict about words, tolerant of layout.

A source text and a quote are normalised the same way, then the quote must occur in the
source as a run of whole words. Normalising drops what text extraction and typing change
but a reader does not see as different words:

- line breaks, tabs and repeated spaces (any run of whitespace is one space);
- soft hyphens (U+00AD), zero-width spaces, and markdown emphasis (`*`);
- a hyphen inside a word, or at a line end between two word halves (`fagprofes-sionelle`,
  `front-` + line break + `medarbejder`): the halves are joined;
- typographic and straight quote marks (all count as one mark) and dashes (all count as `-`).

Case, letters, digits and other punctuation must match. Each source file is read and
normalised once per process (cached by path, size and modification time).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

_QUOTE_MARKS = "\"'`´‘’‚‛“”„‟«»‹›′″"
_DASHES = "‐‑‒–—―−"  # hyphen, non-breaking hyphen, figure/en/em dash, bar, minus
_CHAR_MAP = str.maketrans({**{c: '"' for c in _QUOTE_MARKS}, **{c: "-" for c in _DASHES}})
_LETTER = r"[^\W\d_]"
_UNITS = re.compile(
    rf"(?P<split>(?<={_LETTER})[-\u00ad\u2010\u2011][ \t]*\r?\n\s*(?={_LETTER}))"  # word split over lines
    rf"|(?P<inword>(?<={_LETTER})[-\u2010\u2011](?={_LETTER}))"  # hyphen joining two word parts
    r"|(?P<drop>[\u00ad\u200b\u200c\u200d\ufeff*]+)"  # invisible characters, emphasis
    r"|(?P<space>\s+)")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Normalised:
    """A text after normalising, with each character's offset in the original text."""

    text: str
    origin: tuple[int, ...]


def normalise(text: str) -> Normalised:
    """Normalise `text` for comparing words (see the module docstring)."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    origin: list[int] = []
    pos = 0

    def copy(upto: int) -> None:
        chunk = text[pos:upto].translate(_CHAR_MAP)
        out.append(chunk)
        origin.extend(range(pos, upto))

    for m in _UNITS.finditer(text):
        copy(m.start())
        if m.lastgroup == "space":
            out.append(" ")
            origin.append(m.start())
        pos = m.end()
    copy(len(text))
    joined = "".join(out)
    # an invisible character or emphasis mark between two spaces leaves two spaces: make them one
    if "  " in joined:
        keep = [i for i in range(len(joined)) if not (joined[i] == " " and i > 0 and joined[i - 1] == " ")]
        joined = "".join(joined[i] for i in keep)
        origin = [origin[i] for i in keep]
    return Normalised(joined, tuple(origin))


@dataclass(frozen=True)
class SourceText:
    """One source document: its original text, line starts and normalised form."""

    path: Path
    original: str
    line_starts: tuple[int, ...]
    norm: Normalised

    def line_at(self, offset: int) -> int:
        """The 1-based line of an offset into the original text."""
        return bisect_right(self.line_starts, offset)

    def passage(self, start: int, end: int) -> tuple[int, str]:
        """The line and the original text (whitespace collapsed) of a normalised span."""
        if not self.norm.origin:
            return 1, ""
        start = max(0, min(start, len(self.norm.origin) - 1))
        end = max(start + 1, min(end, len(self.norm.origin)))
        first, last = self.norm.origin[start], self.norm.origin[end - 1] + 1
        return self.line_at(first), re.sub(r"\s+", " ", self.original[first:last]).strip()


# Each source document read, by path, with the size and modification time it was read at: an
# edited file replaces its entry, so a long-running process (the server, a notebook) keeps
# one text per file, not one per version.
_CACHE: dict[Path, tuple[int, int, SourceText]] = {}


def read_source(path: Path) -> SourceText:
    """Read and normalise a source document once per process (UnicodeDecodeError, OSError pass)."""
    resolved = path.resolve()
    st = resolved.stat()
    cached = _CACHE.get(resolved)
    if cached is not None and cached[:2] == (st.st_size, st.st_mtime_ns):
        return cached[2]
    original = unicodedata.normalize("NFC", resolved.read_text(encoding="utf-8"))
    starts = [0] + [m.end() for m in re.finditer(r"\n", original)]
    source = SourceText(resolved, original, tuple(starts), normalise(original))
    _CACHE[resolved] = (st.st_size, st.st_mtime_ns, source)
    return source


@dataclass(frozen=True)
class Mismatch:
    """Why a quote was not found, and the closest passage of the source."""

    reason: str  # "not-found" | "cut-start" | "cut-end"
    line: int
    passage: str


def _is_word_char(text: str, i: int) -> bool:
    return 0 <= i < len(text) and bool(_WORD.match(text[i]))


def find_quote(quote: str, source: SourceText) -> Mismatch | None:
    """None when `quote` occurs in `source` as whole words; otherwise what is wrong and where."""
    q = normalise(quote).text.strip()
    s = source.norm.text
    if not q:
        return None
    cut: tuple[str, int] | None = None
    start = s.find(q)
    while start >= 0:
        end = start + len(q)
        cut_start = _is_word_char(q, 0) and _is_word_char(s, start - 1)
        cut_end = _is_word_char(q, len(q) - 1) and _is_word_char(s, end)
        if not cut_start and not cut_end:
            return None
        if cut is None:
            cut = ("cut-start" if cut_start else "cut-end", start)
        start = s.find(q, start + 1)
    if cut is not None:
        reason, at = cut
        lo, hi = at, at + len(q)
        while _is_word_char(s, lo - 1):
            lo -= 1
        while _is_word_char(s, hi):
            hi += 1
        line, passage = source.passage(lo, hi)
        return Mismatch(reason, line, passage)
    best = fuzz.partial_ratio_alignment(q, s)
    lo, hi = (best.dest_start, best.dest_end) if best is not None else (0, min(len(s), len(q)))
    lo, hi = _whole_words(q, s, lo, hi)
    line, passage = source.passage(lo, hi)
    return Mismatch("not-found", line, passage)


def _whole_words(q: str, s: str, lo: int, hi: int, slack: int = 30) -> tuple[int, int]:
    """The span of whole words near s[lo:hi] most like `q`, so it can be copied as the quote."""
    def starts_word(i: int) -> bool:
        return i == 0 or s[i - 1] == " " or (_is_word_char(s, i) and not _is_word_char(s, i - 1))

    def ends_word(j: int) -> bool:
        return j == len(s) or s[j] == " " or (_is_word_char(s, j - 1) and not _is_word_char(s, j))

    starts = [i for i in range(max(0, lo - slack), min(len(s), lo + slack)) if starts_word(i) and s[i] != " "]
    ends = [j for j in range(max(1, hi - slack), min(len(s), hi + slack) + 1) if ends_word(j) and s[j - 1] != " "]
    spans = [(a, b) for a in starts for b in ends if b > a]
    if not spans:
        return lo, hi
    words = len(q.split())
    # likeness, with a small preference for as many words as the quote (a changed word, not a cut one)
    return max(spans, key=lambda ab: fuzz.ratio(q, s[ab[0]:ab[1]]) - 3 * abs(len(s[ab[0]:ab[1]].split()) - words))

"""The message catalogue: every word rolegraph prints, in English and Danish.

Messages are written in English in the code, marked `_("...")` where `_ =
translator(lang)`; their Danish lives in the gettext catalogue
`locale/da/LC_MESSAGES/rolegraph.po` (compiled to the `.mo` beside it, which the
standard library's gettext reads: nothing to import at run time). `make messages`
extracts the marked strings and updates the catalogue with Babel; a test checks that
every marked string has its Danish and that the `.mo` is compiled from the `.po`.

Errors and case-file problems are made in English from templates marked with N_ and
named params (`Problem.of`, `RolegraphError(..., params=)`, `kg.errors.Msg` for hints
and parts made beforehand); `str()` gives the English, `render(_)` the language of `_`.
The CLI says everything in the language of `--lang` (the command's, else the group's)
or $ROLEGRAPH_LANG (`kg.cli.language`); click's help and usage errors too (`kg.cli.translated`). Rule and query titles are not in
the catalogue: their files carry `title@da` (`kg.headers`).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache

from .iris import LANGS
from .resources import data_dir

DOMAIN = "rolegraph"
SOURCE_LANG = "en"


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined; it is translated where it is shown."""
    return message


def words(table: dict[str, str], lang: str) -> dict[str, str]:
    """A table of messages (key -> English, marked with N_) in `lang`, for a page's scripts."""
    _ = translator(lang)
    return {key: _(message) for key, message in table.items()}


@cache
def translation(lang: str) -> gettext.NullTranslations:
    """The catalogue of `lang` (en or da), with gettext's singular and plural lookups."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    if lang == SOURCE_LANG:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(data_dir("locale")), languages=[lang])


@cache
def translator(lang: str) -> Callable[[str], str]:
    """The function that gives a message in `lang` (en or da)."""
    return str if lang == SOURCE_LANG else translation(lang).gettext


def catalogue(lang: str) -> dict[str, str]:
    """Every message of the catalogue in `lang`, keyed by its English (for pages' scripts)."""
    if lang == SOURCE_LANG:
        da = gettext.translation(DOMAIN, localedir=str(data_dir("locale")), languages=["da"])
        return {k: k for k in da._catalog if isinstance(k, str) and k}  # type: ignore[attr-defined]
    t = gettext.translation(DOMAIN, localedir=str(data_dir("locale")), languages=[lang])
    return {k: v for k, v in t._catalog.items() if isinstance(k, str) and k}  # type: ignore[attr-defined]

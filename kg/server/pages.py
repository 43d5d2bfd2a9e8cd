"""The query page, from the template and words in kg/server/web (files, not strings in code)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2

from ..i18n import N_
from ..i18n import words as catalogue_words
from ..iris import LANGS, PREFIXES
from ..query import Query
from .settings import Settings

WEB = Path(__file__).resolve().parent / "web"
ASSETS = WEB / "assets"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(WEB / "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined)


# The query page's words: each key's English, marked for the message catalogue (locale/).
PAGE_WORDS: dict[str, str] = {
    "title": N_("rolegraph: SPARQL"),
    "intro": N_("SPARQL over the store"),
    "limits": N_("timeout {timeout} s, at most {max_rows} rows"),
    "prefixes": N_("Predefined prefixes"),
    "view": N_("Browser view"),
    "queries_json": N_("named queries (JSON)"),
    "named": N_("Named queries"),
    "labels_in": N_("Labels in"),
    "run": N_("Run"),
    "lang_en": N_("English"),
    "lang_da": N_("Danish"),
    "language": N_("Language"),
    "js_running": N_("running…"),
    "js_loaded": N_("loaded into a new tab and run"),
    "js_failed": N_("the request failed"),
    "js_hint": N_("hint"),
}


def words() -> dict[str, dict[str, str]]:
    """The page's words, per language, from the message catalogue."""
    return {lang: catalogue_words(PAGE_WORDS, lang) for lang in LANGS}


@functools.cache
def default_query() -> str:
    """The query the editor opens with (web/default-query.rq)."""
    return (WEB / "default-query.rq").read_text(encoding="utf-8")


def query_page(lang: str, queries: dict[str, Query], settings: Settings) -> str:
    """The query page in `lang`."""
    w = words()[lang]
    config: dict[str, Any] = {"prefixes": PREFIXES, "defaultQuery": default_query(), "lang": lang,
                              "words": {k: v for k, v in w.items() if k.startswith("js_")}}
    return _ENV.get_template("index.html").render(
        w=w, lang=lang, langs=LANGS, queries=list(queries.values()), config=config,
        store=str(settings.store), timeout=f"{settings.timeout:g}", max_rows=settings.max_rows,
        prefixes=", ".join(p + ":" for p in PREFIXES))

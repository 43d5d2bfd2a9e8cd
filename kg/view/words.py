"""The words of the page in English and Danish, read from the data file viz/words.json."""

from __future__ import annotations

import json
from functools import cache

from ..errors import UsageError
from ..resources import data_dir
from .defaults import LANGS

__all__ = ["LANGS", "all_words", "check_lang", "ui_words"]
WORDS_FILE = "words.json"


@cache
def all_words() -> dict[str, dict[str, str]]:
    """Every language's words, as the data file holds them."""
    text = (data_dir("viz") / WORDS_FILE).read_text(encoding="utf-8")
    return {lang: dict(words) for lang, words in json.loads(text).items()}


def check_lang(lang: str) -> None:
    """Refuse a language the page has no words for."""
    if lang not in LANGS:
        raise UsageError(f"language must be one of {', '.join(LANGS)}, not '{lang}'")


def ui_words(lang: str) -> dict[str, str]:
    """The page's words in `lang`."""
    check_lang(lang)
    return all_words()[lang]

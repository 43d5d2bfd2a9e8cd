"""The one error answer of every route: {"error": {"status", "message", "hint"}}.

Messages and hints are English templates (marked with N_) and their params, kept as
`kg.errors.Msg`, so that the answer is said in the request's language (`pick_language`):
?lang=, else the first of Accept-Language that rolegraph speaks, else the server's
--lang. The keys stay English: they are the API.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import Msg, RolegraphError
from ..i18n import translator
from ..iris import LANGS


class HttpError(Exception):
    """An error answer: status, message and hint (templates filled with `params`), with extra headers."""

    def __init__(self, status: int, message: str, hint: str = "", headers: dict[str, str] | None = None,
                 params: dict[str, Any] | None = None) -> None:
        self.status = status
        self.message = message if isinstance(message, Msg) else Msg(message, **(params or {}))
        self.hint = hint if isinstance(hint, Msg) else Msg(hint, **(params or {}))
        super().__init__(str(self.message))
        self.headers = headers or {}

    @classmethod
    def of(cls, status: int, exc: RolegraphError) -> HttpError:
        """The answer for one of rolegraph's errors, still translatable."""
        message, hint = exc.templates
        return cls(status, Msg(message, **exc.params), Msg(hint, **exc.params))

    def args_tuple(self) -> tuple[int, str, str, dict[str, str]]:
        """What a worker sends back over its pipe (exceptions with custom __init__ pickle badly)."""
        return self.status, self.message, self.hint, self.headers

    def body(self, lang: str = "en") -> bytes:
        """The JSON body of the answer, in `lang`."""
        _ = translator(lang)
        return error_body(self.status, self.message.render(_), self.hint.render(_))


def error_body(status: int, message: str, hint: str = "") -> bytes:
    """The JSON body of an error answer (message and hint already in their language)."""
    return json.dumps({"error": {"status": status, "message": message, "hint": hint}},
                      ensure_ascii=False).encode("utf-8")


def pick_language(asked: str | None, accept_language: str | None, default: str = "en") -> str:
    """?lang= if known, else the first language of Accept-Language that rolegraph speaks,
    else `default` (for error answers, the server's --lang)."""
    if asked in LANGS:
        return str(asked)
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return default

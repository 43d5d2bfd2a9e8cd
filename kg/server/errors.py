"""The one error answer of every route: {"error": {"status", "message", "hint"}}."""

from __future__ import annotations

import json


class HttpError(Exception):
    """An error answer: status, message and hint, with extra headers."""

    def __init__(self, status: int, message: str, hint: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint
        self.headers = headers or {}

    def args_tuple(self) -> tuple[int, str, str, dict[str, str]]:
        """What a worker sends back over its pipe (exceptions with custom __init__ pickle badly)."""
        return self.status, self.message, self.hint, self.headers


def error_body(status: int, message: str, hint: str = "") -> bytes:
    """The JSON body of an error answer."""
    return json.dumps({"error": {"status": status, "message": message, "hint": hint}},
                      ensure_ascii=False).encode("utf-8")

"""The exception tree of rolegraph. Every error a user can see is one of these.

    RolegraphError              message, file, line, field, hint
    ├── UsageError              the command was called wrongly (exit 2)
    ├── CaseDataError           one or more problems in case files (exit 1)
    │                           carries the list of Problems
    ├── OntologyError           the ontology or an extension is broken
    ├── StoreError              the store cannot be opened, built or swapped
    │   ├── StoreMissingError   no store where one was named (exit 2, like an unknown file)
    │   └── ForeignFolderError  --store names a folder that is not a store (exit 2)
    ├── QueryError              a named query or its parameters are wrong
    ├── ReasoningError          reasoning failed or found an inconsistency
    └── RemoteError             a remote SPARQL endpoint failed or refused

Third-party errors (YAML, Turtle, pyparsing, HTTP) are wrapped where they enter
our code, so no raw traceback reaches a user.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

Translate = Callable[[str], str]


class Msg(str):
    """An English message (a str) that keeps its template (marked with N_) and params, so that
    it can be said in another language: for hints and parts of messages made before the error."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Self:
        obj = super().__new__(cls, _render(str, template, params))
        obj.template, obj.params = template, params
        return obj

    def render(self, _: Translate) -> str:
        """The message in the language of `_`."""
        return _render(_, self.template, self.params)


def _param(_: Translate, value: Any) -> Any:
    if isinstance(value, Msg):
        return value.render(_)
    if isinstance(value, list | tuple):
        return ", ".join(str(_param(_, v)) for v in value)
    return value  # ids, paths and case text stay as they are; words to translate come as Msg


def _render(_: Translate, template: str, params: Mapping[str, Any]) -> str:
    """A message template (marked with N_) in the language of `_`, its params filled in."""
    if isinstance(template, Msg):
        return template.render(_)
    if not template:
        return ""
    if not params:
        return _(template)
    return _(template).format(**{k: _param(_, v) for k, v in params.items()})


def _located(_: Translate, where: str, message: str, hint: str) -> str:
    text = where + message
    if hint:
        text += "\n    " + _("hint") + ": " + hint
    return text


@dataclass(frozen=True)
class Problem:
    """One problem in a case file, located to file, line and field.

    `message` and `hint` are English; made with `Problem.of`, they keep their templates
    (marked with N_) and params, so that `render` can say them in another language."""

    file: str
    line: int
    field: str
    message: str
    hint: str = ""
    templates: tuple[str, str] = dataclasses.field(default=("", ""), compare=False, repr=False)
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False, hash=False)

    @classmethod
    def of(cls, file: str, line: int, field: str, message: str, hint: str = "", **params: Any) -> Problem:
        """A problem whose message and hint are templates (marked with N_) filled with `params`."""
        return cls(file, line, field, message.format(**params) if params and not isinstance(message, Msg) else message,
                   hint.format(**params) if params and hint and not isinstance(hint, Msg) else hint,
                   (message, hint), params)

    def render(self, _: Translate = str) -> str:
        """`file:line: field: message` and the hint, in the language of `_`."""
        message, hint = self.templates
        text = _render(_, message or self.message, self.params if message else {})
        tip = _render(_, hint or self.hint, self.params if hint else {})
        return _located(_, f"{self.file}:{self.line}: {self.field}: ", text, tip)

    def __str__(self) -> str:
        return self.render()

    def sort_key(self) -> tuple[str, int, str]:
        return (self.file, self.line, self.field)


class RolegraphError(Exception):
    """Root of all rolegraph errors."""

    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str = "", params: Mapping[str, Any] | None = None) -> None:
        """`message` and `hint` are English, or templates (marked with N_) filled with `params`."""
        self.params = dict(params or {})
        self.templates = (message, hint)
        message = message.format(**self.params) if self.params and not isinstance(message, Msg) else message
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint.format(**self.params) if self.params and hint and not isinstance(hint, Msg) else hint

    def render(self, _: Translate = str) -> str:
        """The located message and its hint, in the language of `_`."""
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        if self.field:
            where += f"{self.field}: "
        message, hint = self.templates
        return _located(_, where, _render(_, message, self.params), _render(_, hint, self.params))

    def __str__(self) -> str:
        return self.render()


class UsageError(RolegraphError):
    """The command was called wrongly."""

    exit_code = 2


class CaseDataError(RolegraphError):
    """Case files hold one or more problems; all of them are listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the case data")

    def render(self, _: Translate = str) -> str:
        """Every problem, in the language of `_`."""
        return "\n".join(p.render(_) for p in self.problems)


class OntologyError(RolegraphError):
    """The ontology or an extension module is broken."""


class StoreError(RolegraphError):
    """The store cannot be opened, built or replaced."""


class StoreMissingError(StoreError):
    """There is no store at the given place: a usage error, like an unknown file."""

    exit_code = 2


class ForeignFolderError(StoreError):
    """The store folder holds something that is not a rolegraph store; it is left alone."""

    exit_code = 2


class QueryError(RolegraphError):
    """A named query, its header or its parameters are wrong."""

    exit_code = 2


class ReasoningError(RolegraphError):
    """Reasoning failed, or found the data inconsistent."""


class RemoteError(RolegraphError):
    """A remote SPARQL store failed or refused a request."""

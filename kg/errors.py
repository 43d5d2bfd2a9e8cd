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

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a case file, located to file, line and field."""

    file: str
    line: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.field}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, str]:
        return (self.file, self.line, self.field)


class RolegraphError(Exception):
    """Root of all rolegraph errors."""

    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        if self.field:
            where += f"{self.field}: "
        text = where + self.message
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class UsageError(RolegraphError):
    """The command was called wrongly."""

    exit_code = 2


class CaseDataError(RolegraphError):
    """Case files hold one or more problems; all of them are listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the case data")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


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

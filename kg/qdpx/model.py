"""The parts of a REFI-QDA project rolegraph reads and writes, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

NS = "urn:QDA-XML:project:1.0"


@dataclass
class Code:
    """A code of the codebook; `path` joins the names of its ancestors with '/'."""

    guid: str
    name: str
    path: str
    parent: str | None = None
    description: str = ""
    color: str | None = None
    codable: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass
class Selection:
    """A coded stretch of a source's plain text, with the codes applied to it."""

    guid: str
    source: str
    start: int
    end: int
    codes: list[str] = field(default_factory=list)
    name: str = ""
    description: str = ""
    notes: list[str] = field(default_factory=list)
    page: int | None = None
    cases: list[str] = field(default_factory=list)


@dataclass
class Source:
    """A text (plain text, or the text of a PDF) with its selections."""

    guid: str
    name: str
    text: str | None
    kind: str = "text"
    path: str | None = None
    description: str = ""
    notes: list[str] = field(default_factory=list)
    selections: list[Selection] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


@dataclass
class Note:
    """A memo: its text and what it is attached to (codes, sources, selections)."""

    guid: str
    name: str
    text: str
    description: str = ""


@dataclass
class QdaCase:
    """A REFI-QDA case: a unit of analysis grouping sources and selections."""

    guid: str
    name: str
    description: str = ""
    sources: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


@dataclass
class Project:
    """A REFI-QDA project as read from (or written to) a .qdpx."""

    name: str
    origin: str = ""
    description: str = ""
    users: dict[str, str] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    cases: dict[str, QdaCase] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def selection(self, guid: str) -> Selection | None:
        """The selection with this GUID in any source."""
        for src in self.sources.values():
            for sel in src.selections:
                if sel.guid == guid:
                    return sel
        return None


def norm_guid(guid: str) -> str:
    """GUIDs compare case-insensitively and with or without braces."""
    return guid.strip().strip("{}").lower()

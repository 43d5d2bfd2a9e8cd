"""One extension directory and where its parts live (light: the query path reads it without rdflib)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Extension:
    """One extension directory."""

    name: str
    path: Path

    @property
    def ontology(self) -> Path:
        return self.path / "ontology.ttl"

    @property
    def rules(self) -> Path | None:
        d = self.path / "rules"
        return d if d.is_dir() else None

    @property
    def queries(self) -> Path | None:
        d = self.path / "queries"
        return d if d.is_dir() else None

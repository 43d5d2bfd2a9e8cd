"""A study's YAML case files as checked `Case` records, for the exporters and the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDFS, Literal

from .cases.extensions import find_extensions
from .cases.schema import Case, read_cases
from .cases.validate import YAML_SUFFIXES, collect_files
from .errors import CaseDataError, Problem
from .ontology import Ontology, load_ontology


@dataclass
class Study:
    """The checked cases of a study and the ontology they were checked with."""

    cases: dict[str, Case]
    ontology: Ontology

    def role_label(self, rid: str, lang: str = "en") -> str:
        """A shared role's label in `lang` (else English, else its id)."""
        iri = self.ontology.roles.get(rid)
        if iri is None:
            return rid
        labels = {o.language: str(o) for o in self.ontology.graph.objects(iri, RDFS.label)
                  if isinstance(o, Literal)}
        return labels.get(lang) or labels.get("en") or rid

    def shared_role_labels(self, lang: str = "en") -> dict[str, str]:
        """Every shared role id with its label."""
        return {rid: self.role_label(rid, lang) for rid in self.ontology.roles}


def read_study(paths: list[str | Path], ontology: Ontology | None = None) -> Study:
    """Read and check the YAML case files under `paths`; raise CaseDataError listing every problem."""
    files = [(p, d) for p, d in collect_files(paths) if p.suffix.lower() in YAML_SUFFIXES]
    onto = ontology or load_ontology(find_extensions())
    problems: list[Problem] = []
    cases = read_cases(files, set(onto.roles), problems, kinds=onto.order_kinds)
    if problems:
        raise CaseDataError(problems)
    return Study(cases, onto)

"""The W3C OWL 2 test cases (tests/data/owl2/all.rdf) an OWL 2 RL/RDF rule system is measured on.

The approved tests with profile RL and RDF-Based semantics, and the approved `rdfbased-*`
tests; each test gives one check per type it has (positive and negative entailment,
consistency, inconsistency). Which checks run, and why the others do not, is data:
tests/data/owl2/applicability.yaml.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import yaml
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from kg.stores.layout import to_ox

DATA = Path(__file__).resolve().parent / "data" / "owl2"
T = Namespace("http://www.w3.org/2007/OWL/testOntology#")
KINDS = {"PositiveEntailmentTest": "entailment", "NegativeEntailmentTest": "non-entailment",
         "ConsistencyTest": "consistency", "InconsistencyTest": "inconsistency"}


@dataclass(frozen=True)
class Check:
    """One check of one W3C test: its kind, premises and (for entailment) conclusion."""

    test: str
    kind: str
    premise: tuple[ox.Triple, ...]
    conclusion: tuple[ox.Triple, ...]

    @property
    def id(self) -> str:
        return f"{self.test}:{self.kind}"


def _triples(text: str, fmt: str) -> tuple[ox.Triple, ...]:
    g = Graph()
    g.parse(data=text, format=fmt)
    return tuple(ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in g)  # type: ignore[arg-type]


def file_name(test: str) -> str:
    """The file a converted functional-syntax premise is kept in."""
    return test.replace(" ", "-") + ".premise.ttl"


@functools.lru_cache(maxsize=1)
def all_checks() -> tuple[Check, ...]:
    """Every check of the selected tests, in a stable order."""
    g = Graph()
    g.parse(DATA / "all.rdf", format="xml")
    out: list[Check] = []
    for t in sorted(g.subjects(T.status, T.Approved), key=str):
        ident = str(g.value(t, T.identifier))
        rl = (t, T.profile, T.RL) in g and (t, T.semantics, T["RDF-BASED"]) in g
        if not (rl or ident.startswith("rdfbased-")):
            continue
        premise_text = g.value(t, T.rdfXmlPremiseOntology)
        if premise_text is not None:
            premise = _triples(str(premise_text), "xml")
        else:  # functional syntax only: converted once with funowl (README)
            premise = _triples((DATA / file_name(ident)).read_text(encoding="utf-8"), "turtle")
        for ty in sorted(g.objects(t, RDF.type), key=str):
            kind = KINDS.get(str(ty).removeprefix(str(T)))
            if kind is None:
                continue
            conclusion: tuple[ox.Triple, ...] = ()
            if kind in ("entailment", "non-entailment"):
                prop: URIRef = T.rdfXmlConclusionOntology if kind == "entailment" else T.rdfXmlNonConclusionOntology
                conclusion = _triples(str(g.value(t, prop)), "xml")
            out.append(Check(ident, kind, premise, conclusion))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def applicability() -> dict[str, str]:
    """The checks not run, with the reason for each (`test:kind` -> reason)."""
    data = yaml.safe_load((DATA / "applicability.yaml").read_text(encoding="utf-8"))
    return {f"{e['test']}:{e['check']}": str(e["reason"]) for e in data["not-run"]}


def run_checks() -> list[Check]:
    """The checks that run."""
    skip = applicability()
    return [c for c in all_checks() if c.id not in skip]

"""`rolegraph check`: HermiT (through owlready2) on the ontology plus the asserted cases.

HermiT decides consistency and classifies the co-production processes into the
feature classes of typology.ttl. When HermiT finds the data inconsistent, the
axioms and case statements involved are named: clashes of disjoint classes
and of functional properties are found with SPARQL over the store (with the
file and line of each statement); anything else is narrowed down to the case
whose data HermiT rejects.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

import owlready2
import pyoxigraph as ox

from .errors import ReasoningError
from .i18n import N_
from .iris import CASE, OWL, RDF_TYPE, shorten
from .stores.base import GraphStore
from .stores.layout import asserted_graphs, defined_at, derived_graphs
from .vocab import CASE_GRAPH_PREFIX, ONTOLOGY_GRAPH, RG

_FEATURES = ("CitizenInitiatedProcess", "PublicInitiatedProcess", "CitizensInIdeationProcess",
             "CitizensInImplementationProcess", "CitizenDecidedProcess", "SharedInfluenceProcess")


@dataclass
class Clash:
    """One reason for an inconsistency: an axiom and the statements that break it."""

    axiom: str
    statements: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    """HermiT's verdict and classification."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    processes: dict[str, list[str]] = field(default_factory=dict)
    rl_agrees: dict[str, bool] = field(default_factory=dict)
    clashes: list[Clash] = field(default_factory=list)
    inconsistent_cases: list[str] = field(default_factory=list)


def _ntriples(store: GraphStore, graphs: list[ox.NamedNode]) -> bytes:
    """N-Triples of the graphs, with case nodes declared owl:NamedIndividual (owlready2 needs it)."""
    rdf_type = ox.NamedNode(RDF_TYPE)
    named = ox.NamedNode(OWL + "NamedIndividual")
    triples = {ox.Triple(q.subject, q.predicate, q.object) for g in graphs
               for q in store.quads_for_pattern(None, None, None, g)}
    for t in list(triples):
        if (t.predicate == rdf_type and isinstance(t.subject, ox.NamedNode)
                and t.subject.value.startswith(CASE)):
            triples.add(ox.Triple(t.subject, rdf_type, named))
    return ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES) or b""


def _hermit(nt: bytes) -> tuple[bool, object, object]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "check.nt")
        with open(path, "wb") as fh:
            fh.write(nt)
        world = owlready2.World()
        onto = world.get_ontology("file://" + path).load()
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return False, world, onto
        except FileNotFoundError as exc:
            raise ReasoningError(N_("HermiT needs Java, which is not installed"),
                                 hint=N_("run scripts/setup.sh (it installs default-jre-headless)")) from exc
        return True, world, onto


def _diagnose(store: GraphStore) -> list[Clash]:
    graphs = asserted_graphs(store) + derived_graphs(store)
    clashes: list[Clash] = []

    def where(node: object) -> str:
        loc = defined_at(store, node) if isinstance(node, ox.NamedNode) else None
        return f" ({loc})" if loc else ""

    disjoint = """
      PREFIX owl: <http://www.w3.org/2002/07/owl#>
      SELECT DISTINCT ?x ?c1 ?c2 WHERE {
        { ?c1 owl:disjointWith ?c2 } UNION { ?c2 owl:disjointWith ?c1 }
        ?x a ?c1 , ?c2 . FILTER(STR(?c1) < STR(?c2)) FILTER(isIRI(?c1) && isIRI(?c2))
      }"""
    for row in store.query(disjoint, default_graph=graphs):
        x, c1, c2 = row["x"], row["c1"], row["c2"]
        clashes.append(Clash(f"{_short(c1)} owl:disjointWith {_short(c2)}",
                             [f"{_short(x)} a {_short(c1)}{where(x)}", f"{_short(x)} a {_short(c2)}{where(x)}"]))
    functional = """
      PREFIX owl: <http://www.w3.org/2002/07/owl#>
      SELECT DISTINCT ?x ?p ?a ?b WHERE {
        ?p a owl:FunctionalProperty . ?x ?p ?a , ?b .
        FILTER(STR(?a) < STR(?b))
        { ?a owl:differentFrom ?b } UNION { ?b owl:differentFrom ?a } UNION { FILTER(isLiteral(?a) && isLiteral(?b)) }
      }"""
    for row in store.query(functional, default_graph=graphs):
        x, p, a, b = row["x"], row["p"], row["a"], row["b"]
        clashes.append(Clash(f"{_short(p)} a owl:FunctionalProperty (and {_short(a)} is not {_short(b)})",
                             [f"{_short(x)} {_short(p)} {_short(a)}{where(x)}",
                              f"{_short(x)} {_short(p)} {_short(b)}{where(x)}"]))
    return clashes


def check(store: GraphStore) -> CheckReport:
    """Run HermiT on the ontology and the asserted cases; classify processes."""
    graphs = asserted_graphs(store)
    consistent, world, onto = _hermit(_ntriples(store, graphs))
    if not consistent:
        report = CheckReport(False, clashes=_diagnose(store))
        if not report.clashes:
            ontology = [g for g in graphs if g.value == str(ONTOLOGY_GRAPH)]
            for g in graphs:
                if g.value.startswith(CASE_GRAPH_PREFIX) and not _hermit(_ntriples(store, ontology + [g]))[0]:
                    report.inconsistent_cases.append(g.value[len(CASE_GRAPH_PREFIX):])
        return report
    unsat = sorted(str(c.iri) for c in world.inconsistent_classes())  # type: ignore[attr-defined]
    report = CheckReport(True, unsatisfiable=[_short(ox.NamedNode(u)) for u in unsat])
    process_cls = world[str(RG.CoProductionProcess)]  # type: ignore[index]
    if process_cls is not None:
        for ind in process_cls.instances(world=world):
            types = {str(t.iri) for t in ind.is_a if isinstance(t, owlready2.ThingClass)}
            for t in list(ind.is_a):
                if isinstance(t, owlready2.ThingClass):
                    types |= {str(a.iri) for a in t.ancestors()}
            features = sorted(f for f in _FEATURES if str(RG[f]) in types)
            report.processes[ind.iri] = features
            rl = {row["c"].value.rsplit("#", 1)[-1] for row in store.query(
                f"SELECT ?c WHERE {{ <{ind.iri}> a ?c }}", default_graph=graphs + derived_graphs(store))}
            report.rl_agrees[ind.iri] = set(features) == {f for f in _FEATURES if f in rl}
    del onto
    return report


def _short(term: object) -> str:
    return shorten(str(getattr(term, "value", term)))


def render(report: CheckReport, _: Callable[[str], str] = str) -> str:
    """The report for people, in the language of `_`."""
    lines = []
    if report.consistent:
        lines.append(_("HermiT: the ontology and the cases are consistent."))
        lines.append(_("unsatisfiable classes: {classes}").format(classes=", ".join(report.unsatisfiable) or _("none")))
        for iri, features in sorted(report.processes.items()):
            agree = (_("OWL 2 RL reasoning agrees with HermiT") if report.rl_agrees.get(iri)
                     else _("OWL 2 RL reasoning DIFFERS from HermiT"))
            lines.append(_("process {process}: {features}").format(
                process=_short(ox.NamedNode(iri)),
                features=", ".join(f"rg:{f}" for f in features) or _("no feature class")) + f"  ({agree})")
    else:
        lines.append(_("HermiT: the data is INCONSISTENT."))
        for c in report.clashes:
            lines.append(_("axiom {axiom} is broken by:").format(axiom=c.axiom))
            lines += [f"    {s}" for s in c.statements]
        if report.inconsistent_cases:
            lines.append(_("HermiT rejects these cases on their own: {cases}").format(
                cases=", ".join(report.inconsistent_cases)))
        if not report.clashes and not report.inconsistent_cases:
            lines.append(_("the clash spans several cases; check the statements they share"))
    return "\n".join(lines)

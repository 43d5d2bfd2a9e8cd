"""OWL 2 RL entailment and consistency of a standalone graph, by the rule tables alone.

`closure` reasons a graph (premises) with the OWL 2 RL/RDF rules of rules/owl-rl in
memory; `entails` asks whether a conclusion graph holds in that closure, its blank nodes
read as existential variables and its terms read through the closure's equality
(`kg.reasoning.engine` keeps one representative per owl:sameAs class); `clashes` lists the
contradictions found. The W3C OWL 2 test cases run through these
(tests/test_owl2_conformance.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..stores.base import GraphStore
from ..stores.embedded import in_memory
from ..vocab import BASE, CLASH_BASE, RG
from .engine import Reasoner, unrecorded_rules
from .rules import Rule, load_rules, rule_dirs

_SAME = "http://www.w3.org/2002/07/owl#sameAs"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"
_PREMISES = ox.NamedNode(BASE + "graph/premises")


def owl_rl_rules() -> list[Rule]:
    """The OWL 2 RL/RDF rules (rules/owl-rl), without rolegraph's own."""
    base = rule_dirs()[0]  # load_rules reads the rules of this folder by paths below it
    return [r for r in load_rules() if r.path.is_relative_to(base)]


def closure(triples: Iterable[ox.Triple], rules: list[Rule] | None = None) -> GraphStore:
    """The premises and everything the rules conclude from them, in a new in-memory store."""
    store = in_memory([ox.Quad(t.subject, t.predicate, t.object, _PREMISES) for t in triples])
    rules = owl_rl_rules() if rules is None else rules
    r = Reasoner(store, rules, unrecorded=unrecorded_rules(rules), scratch=True)
    r.run(keep_explanations=True)
    store.extend(r.explanations)
    return store


def representatives(store: Any) -> dict[Any, Any]:
    """Each alias of an owl:sameAs class and its representative."""
    return {q.subject: q.object for q in store.quads_for_pattern(None, ox.NamedNode(_SAME), None, None)
            if not isinstance(q.object, ox.Literal)}


def _nt(term: Any, names: dict[Any, str]) -> str:
    if isinstance(term, ox.BlankNode):
        return names.setdefault(term, f"?b{len(names)}")
    return str(term)


def entails(store: Any, conclusion: Iterable[ox.Triple]) -> bool:
    """Whether the closure holds the conclusion graph (blank nodes as existentials)."""
    reps = representatives(store)

    def rep(t: Any) -> Any:
        return reps.get(t, t)

    names: dict[Any, str] = {}
    patterns: list[str] = []
    conclusion = list(conclusion)
    # The ontology header (its IRI, imports, version) names the document, not a statement.
    headers = {t.subject for t in conclusion if t.predicate.value == _RDF_TYPE and str(t.object) == f"<{_ONTOLOGY}>"}
    for t in conclusion:
        if t.subject in headers:
            continue
        s, p, o = rep(t.subject), rep(t.predicate), rep(t.object)
        if str(p) == f"<{_SAME}>" and s == o:
            continue  # eq-ref: everything is the same as itself
        patterns.append(f"{_nt(s, names)} {_nt(p, names)} {_nt(o, names)} .")
    if not patterns:
        return True
    return bool(store.query("ASK { " + "\n".join(patterns) + " }", use_default_graph_as_union=True))


@dataclass(frozen=True)
class Clash:
    """A contradiction: the rule that found it and the nodes it names."""

    node: str
    rule: str
    nodes: tuple[str, ...]


def clashes(store: Any) -> list[Clash]:
    """The clashes the reasoner found in a store, in a stable order."""
    rows = store.query(
        f"SELECT ?c ?rule ?n WHERE {{ ?c a <{RG.Clash}> ; <{RG.clashRule}> ?rule . "
        f"OPTIONAL {{ ?c <{RG.clashNode}> ?n }} FILTER(STRSTARTS(STR(?c), \"{CLASH_BASE}\")) }}",
        use_default_graph_as_union=True)
    found: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        nodes = found.setdefault((r["c"].value, r["rule"].value.rsplit("/", 1)[-1]), set())
        n = r["n"]
        if n is not None:
            nodes.add(n.value if isinstance(n, ox.NamedNode) else str(n))
    return [Clash(c, rule, tuple(sorted(ns))) for (c, rule), ns in sorted(found.items())]

"""Reasoning inside the store: OWL 2 RL and interaction-order rules to a fixpoint.

The engine runs each rule's WHERE clause as a SELECT in Oxigraph over the
asserted and inferred graphs, skipping conclusions already known, and writes
new conclusions to the inferred graph. For every new triple it records a
derivation in the explanation graph: the rule, the round, and the premises
(the rule's positive triple patterns, instantiated and checked to exist).

Negation is stratified: the monotonic axiom rules reach their fixpoint before
any closed-world interaction-order rule runs, and the two strata alternate
until neither adds anything, within a bounded number of rounds.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Variable
from rdflib.term import Node

from .errors import ReasoningError
from .rules import Pattern, Rule, load_rules
from .store import asserted_graphs, to_ox
from .vocab import BASE, EXPLANATION_GRAPH, INFERRED_GRAPH, RG

MAX_ROUNDS = 100
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_INF = ox.NamedNode(str(INFERRED_GRAPH))
_EXP = ox.NamedNode(str(EXPLANATION_GRAPH))
_STMT = BASE + "statement/"
_DERIV = BASE + "derivation/"
_REASONED = ox.NamedNode(BASE + "meta#reasoned")
_META_GRAPH = ox.NamedNode(BASE + "graph/meta")

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class ReasonReport:
    """What a reasoning run did."""

    inferred: int = 0
    derivations: int = 0
    rounds: int = 0
    seconds: float = 0.0
    fired: dict[str, int] = field(default_factory=dict)


def _ox(term: Node, row: ox.QuerySolution | None) -> Term | None:
    """A rule pattern's term under a solution: variables looked up, blank nodes never ground."""
    if isinstance(term, Variable):
        return None if row is None else row[str(term)]
    if isinstance(term, BNode):
        return None
    return to_ox(term)


def _instantiate(p: Pattern, row: ox.QuerySolution) -> ox.Triple | None:
    s, pr, o = (_ox(t, row) for t in p)
    if s is None or pr is None or o is None or isinstance(s, ox.Literal) or not isinstance(pr, ox.NamedNode):
        return None
    return ox.Triple(s, pr, o)


def statement_iri(t: ox.Triple) -> ox.NamedNode:
    """A stable IRI for the statement (s, p, o), used in explanations."""
    digest = hashlib.sha1(f"{t.subject} {t.predicate} {t.object}".encode()).hexdigest()[:24]
    return ox.NamedNode(_STMT + digest)


class Reasoner:
    """Materialises rule conclusions in one writable store."""

    def __init__(self, store: ox.Store, rules: list[Rule]) -> None:
        self.store = store
        self.rules = rules
        self.graphs: list[ox.NamedNode] = [*asserted_graphs(store), _INF]
        # Derivation records wait here until the fixpoint: kept out of the store, rules never
        # match them, so rule queries can use the union default graph, which Oxigraph
        # evaluates several times faster than a list of named graphs (bench/README.md).
        self._explain: list[ox.Quad] = []
        self.report = ReasonReport()
        self._stated: set[str] = set()

    def _holds(self, t: ox.Triple) -> bool:
        for g in self.graphs:
            for _ in self.store.quads_for_pattern(t.subject, t.predicate, t.object, g):
                return True
        return False

    def _statement(self, t: ox.Triple, out: list[ox.Quad]) -> ox.NamedNode:
        node = statement_iri(t)
        if node.value not in self._stated:
            self._stated.add(node.value)
            out += [ox.Quad(node, ox.NamedNode(_RDF + "type"), ox.NamedNode(_RDF + "Statement"), _EXP),
                    ox.Quad(node, ox.NamedNode(_RDF + "subject"), t.subject, _EXP),
                    ox.Quad(node, ox.NamedNode(_RDF + "predicate"), t.predicate, _EXP),
                    ox.Quad(node, ox.NamedNode(_RDF + "object"), t.object, _EXP)]
        return node

    def _describe_rules(self) -> None:
        quads = []
        for r in self.rules:
            node = ox.NamedNode(str(r.iri))
            quads += [ox.Quad(node, ox.NamedNode(_RDF + "type"), ox.NamedNode(str(RG.Rule)), _EXP),
                      ox.Quad(node, ox.NamedNode(_RDFS + "label"), ox.Literal(r.title, language="en"), _EXP),
                      ox.Quad(node, ox.NamedNode(str(RG.ruleKind)), ox.Literal(r.kind), _EXP),
                      ox.Quad(node, ox.NamedNode(str(RG.ruleFile)), ox.Literal(_display(r.path)), _EXP)]
            if r.description:
                quads.append(ox.Quad(node, ox.NamedNode(_RDFS + "comment"),
                                     ox.Literal(r.description, language="en"), _EXP))
        self._explain += quads

    def apply(self, rule: Rule, round_no: int) -> int:
        """Run one rule once; return how many new triples it concluded."""
        try:
            rows = list(self.store.query(rule.select_query(), use_default_graph_as_union=True))
        except (SyntaxError, OSError, ValueError) as exc:
            raise ReasoningError(f"rule '{rule.id}' failed: {exc}", file=_display(rule.path),
                                 hint="check the rule's SPARQL") from exc
        new_quads: list[ox.Quad] = []
        explain: list[ox.Quad] = []
        added: set[ox.Triple] = set()
        for row in rows:
            conclusions = [t for p in rule.conclusions if (t := _instantiate(p, row)) is not None]
            fresh = [t for t in conclusions if t not in added and not self._holds(t)]
            if not fresh:
                continue
            premises = [t for p in rule.premises if (t := _instantiate(p, row)) is not None and self._holds(t)]
            premises = list(dict.fromkeys(premises))
            digest = hashlib.sha1(
                (rule.id + "|" + "|".join(map(str, fresh)) + "|" + "|".join(map(str, premises))).encode()
            ).hexdigest()[:24]
            deriv = ox.NamedNode(_DERIV + digest)
            explain += [ox.Quad(deriv, ox.NamedNode(_RDF + "type"), ox.NamedNode(str(RG.Derivation)), _EXP),
                        ox.Quad(deriv, ox.NamedNode(str(RG.usedRule)), ox.NamedNode(str(rule.iri)), _EXP),
                        ox.Quad(deriv, ox.NamedNode(str(RG.round)), ox.Literal(str(round_no),
                                datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")), _EXP)]
            for t in fresh:
                added.add(t)
                new_quads.append(ox.Quad(t.subject, t.predicate, t.object, _INF))
                explain.append(ox.Quad(deriv, ox.NamedNode(str(RG.conclusion)), self._statement(t, explain), _EXP))
            for t in premises:
                explain.append(ox.Quad(deriv, ox.NamedNode(str(RG.premise)), self._statement(t, explain), _EXP))
            self.report.derivations += 1
        if new_quads:
            self.store.extend(new_quads)
            self._explain += explain
            self.report.fired[rule.id] = self.report.fired.get(rule.id, 0) + len(new_quads)
        return len(new_quads)

    def apply_round(self, rules: list[Rule], round_no: int) -> int:
        """Run each rule once, in order; return how many new triples they concluded."""
        return sum(self.apply(r, round_no) for r in rules)

    def run(self, progress: Callable[[int, int], None] | None = None) -> ReasonReport:
        """Apply all rules to a fixpoint, axiom stratum before interaction-order stratum."""
        start = time.perf_counter()
        self._describe_rules()
        strata = [[r for r in self.rules if r.kind == "axiom"],
                  [r for r in self.rules if r.kind != "axiom"]]
        round_no = 0
        while True:  # cycles of: axioms to fixpoint, then interaction-order rules to fixpoint
            cycle_added = 0
            for stratum in strata:
                while True:
                    round_no += 1
                    if round_no > MAX_ROUNDS:
                        raise ReasoningError(f"reasoning did not reach a fixpoint in {MAX_ROUNDS} rounds",
                                             hint="a rule may keep minting new nodes; check rules that use BIND(IRI(...))")
                    added = self.apply_round(stratum, round_no)
                    self.report.inferred += added
                    cycle_added += added
                    if progress:
                        progress(round_no, self.report.inferred)
                    if not added:
                        break
            if not cycle_added:
                break
        self.store.extend(self._explain)
        self._explain = []
        self.report.rounds = round_no
        self.report.seconds = time.perf_counter() - start
        return self.report


def _display(path: Path) -> str:
    """A rule file as people should see it: `rules/...` for shipped rules, else relative to here."""
    from .resources import data_dir

    try:
        return "rules/" + str(path.resolve().relative_to(data_dir("rules").resolve()))
    except ValueError:
        pass
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def clear_inferences(store: ox.Store) -> None:
    """Drop the inferred and explanation graphs."""
    for g in (_INF, _EXP):
        if store.contains_named_graph(g):
            store.remove_graph(g)
    for q in list(store.quads_for_pattern(_REASONED, None, None, _META_GRAPH)):
        store.remove(q)


def is_reasoned(store: ox.Store) -> bool:
    """Whether the store's inferences are up to date with its asserted graphs."""
    return any(True for _ in store.quads_for_pattern(_REASONED, None, None, _META_GRAPH))


def reason(store: ox.Store, *, extra_rules: list[Path] | None = None,
           progress: Callable[[int, int], None] | None = None) -> ReasonReport:
    """Recompute all inferences of a writable store from scratch (with its extensions' rules)."""
    from .store import store_extensions

    ext_rules = [e.rules for e in store_extensions(store) if e.rules is not None]
    rules = load_rules([*ext_rules, *(extra_rules or [])])
    clear_inferences(store)
    if getattr(store, "is_remote", False):  # a kg.remote.RemoteStore: the rules run inside that store
        from .remote import remote_reasoner

        report = remote_reasoner(store, rules).run(progress)
    else:
        report = Reasoner(store, rules).run(progress)
    store.add(ox.Quad(_REASONED, ox.NamedNode(BASE + "meta#rules"),
                      ox.Literal(" ".join(r.id for r in rules)), _META_GRAPH))
    return report

"""The rule engine: a fixpoint of SPARQL rules inside one store, with derivations.

The engine runs each rule's WHERE clause as a SELECT over the store's union
default graph, skipping conclusions already known, and writes new conclusions to
the inferred graph. For every new triple it records a derivation in the
explanation graph: the rule, the round, and the premises (the rule's positive
triple patterns, instantiated and checked to exist).

Negation is stratified: the monotonic axiom rules reach their fixpoint before
any closed-world interaction-order rule runs, and the two strata alternate
until neither adds anything, within a bounded number of rounds.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Variable
from rdflib.term import Node

from ..errors import ReasoningError
from ..iris import DERIVATION, EXPLANATION_GRAPH, INFERRED_GRAPH, META, META_GRAPH, RDF, RDFS, STATEMENT, XSD
from ..progress import Progress
from ..progress import report as report_progress
from ..resources import data_dir
from ..stores.base import GraphStore
from ..stores.layout import to_ox
from ..vocab import RG
from .rules import Pattern, Rule

MAX_ROUNDS = 100
BATCH_TRIPLES = 20_000  # asserted case triples per in-memory reasoning batch (bench/README.md)
_RDF = RDF
_RDFS = RDFS
_INF = ox.NamedNode(INFERRED_GRAPH)
_EXP = ox.NamedNode(EXPLANATION_GRAPH)
_STMT = STATEMENT
_DERIV = DERIVATION
_REASONED = ox.NamedNode(META + "reasoned")
_META_GRAPH = ox.NamedNode(META_GRAPH)

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class ReasonReport:
    """What a reasoning run did."""

    inferred: int = 0
    derivations: int = 0
    rounds: int = 0
    seconds: float = 0.0
    fired: dict[str, int] = field(default_factory=dict)
    parts: int = 0
    batches: int = 0
    mode: str = "whole store"

    def add(self, other: ReasonReport) -> None:
        self.inferred += other.inferred
        self.derivations += other.derivations
        self.rounds = max(self.rounds, other.rounds)
        for k, v in other.fired.items():
            self.fired[k] = self.fired.get(k, 0) + v


def _ox(term: Node, row: ox.QuerySolution | None) -> Term | None:
    """A rule pattern's term under a solution: variables looked up, blank nodes never ground."""
    if isinstance(term, Variable):
        return None if row is None else row[str(term)]
    if isinstance(term, BNode):
        return None
    return to_ox(term)


def instantiate(p: Pattern, row: ox.QuerySolution) -> ox.Triple | None:
    """A rule pattern as the triple it stands for under a solution, or None if it is not ground."""
    s, pr, o = (_ox(t, row) for t in p)
    if s is None or pr is None or o is None or isinstance(s, ox.Literal) or not isinstance(pr, ox.NamedNode):
        return None
    return ox.Triple(s, pr, o)


def statement_iri(t: ox.Triple) -> ox.NamedNode:
    """A stable IRI for the statement (s, p, o), used in explanations."""
    digest = hashlib.sha1(f"{t.subject} {t.predicate} {t.object}".encode()).hexdigest()[:24]
    return ox.NamedNode(_STMT + digest)


def rule_descriptions(rules: list[Rule]) -> list[ox.Quad]:
    """What the explanation graph says about each rule: kind, title, file."""
    quads = []
    for r in rules:
        node = ox.NamedNode(str(r.iri))
        quads += [ox.Quad(node, ox.NamedNode(_RDF + "type"), ox.NamedNode(str(RG.Rule)), _EXP),
                  ox.Quad(node, ox.NamedNode(_RDFS + "label"), ox.Literal(r.title, language="en"), _EXP),
                  ox.Quad(node, ox.NamedNode(str(RG.ruleKind)), ox.Literal(r.kind), _EXP),
                  ox.Quad(node, ox.NamedNode(str(RG.ruleFile)), ox.Literal(display_path(r.path)), _EXP)]
        if r.description:
            quads.append(ox.Quad(node, ox.NamedNode(_RDFS + "comment"),
                                 ox.Literal(r.description, language="en"), _EXP))
    return quads


class Reasoner:
    """Materialises rule conclusions in one writable store."""

    def __init__(self, store: GraphStore, rules: list[Rule], *, first_round: int = 1,
                 unrecorded: frozenset[str] = frozenset()) -> None:
        self.store = store
        self.rules = rules
        self.first_round = first_round
        # Rules whose conclusions get no recorded derivation: the OWL 2 RL axiom rules, whose
        # conclusions are most of what reasoning adds and would each cost a dozen provenance
        # triples. `kg.explain` re-derives them on demand from the rule and the closure.
        self.unrecorded = unrecorded
        # Derivation records wait here until the fixpoint: kept out of the store, rules never
        # match them, so rule queries can use the union default graph, which Oxigraph
        # evaluates several times faster than a list of named graphs (bench/README.md).
        self._explain: list[ox.Quad] = []
        self.explanations: list[ox.Quad] = []
        self.concluded: list[ox.Quad] = []  # every inferred quad this run added, in order
        self.report = ReasonReport()
        self._stated: set[str] = set()
        # Which rules can conclude anything new: a rule is run again only when something it
        # reads (`Rule.reads`) has changed since it last ran. New conclusions of a rule can
        # only come from new facts, since a rule's negated patterns can only lose solutions.
        self._clock = 0
        self._changed: dict[str, int] = {}
        self._started: dict[str, int] = {}

    def _mark(self, quads: list[ox.Quad]) -> None:
        self._clock += 1
        for q in quads:
            self._changed[q.predicate.value] = self._clock
            if q.predicate.value == _RDF + "type" and isinstance(q.object, ox.NamedNode):
                self._changed["type|" + q.object.value] = self._clock

    def _stale(self, rule: Rule) -> bool:
        started = self._started.get(rule.id)
        if started is None:
            return True
        if rule.reads is None:
            return self._clock > started
        return any(self._changed.get(k, 0) > started for k in rule.reads)

    def _holds(self, t: ox.Triple) -> bool:
        """Whether the triple is in any graph: the same union the rule queries see."""
        for _ in self.store.quads_for_pattern(t.subject, t.predicate, t.object, None):
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
        self._explain += rule_descriptions(self.rules)

    def apply(self, rule: Rule, round_no: int) -> int:
        """Run one rule once; return how many new triples it concluded."""
        if rule.id in self.unrecorded and rule.ground_template:
            return self._apply_unrecorded(rule)
        try:
            rows = list(self.store.query(rule.select_query(), use_default_graph_as_union=True))
        except (SyntaxError, OSError, ValueError) as exc:
            raise ReasoningError(f"rule '{rule.id}' failed: {exc}", file=display_path(rule.path),
                                 hint="check the rule's SPARQL") from exc
        new_quads: list[ox.Quad] = []
        explain: list[ox.Quad] = []
        added: set[ox.Triple] = set()
        for row in rows:
            conclusions = [t for p in rule.conclusions if (t := instantiate(p, row)) is not None]
            fresh = [t for t in conclusions if t not in added and not self._holds(t)]
            if not fresh:
                continue
            premises = [t for p in rule.premises if (t := instantiate(p, row)) is not None and self._holds(t)]
            premises = list(dict.fromkeys(premises))
            digest = hashlib.sha1(
                (rule.id + "|" + "|".join(map(str, fresh)) + "|" + "|".join(map(str, premises))).encode()
            ).hexdigest()[:24]
            deriv = ox.NamedNode(_DERIV + digest)
            explain += [ox.Quad(deriv, ox.NamedNode(_RDF + "type"), ox.NamedNode(str(RG.Derivation)), _EXP),
                        ox.Quad(deriv, ox.NamedNode(str(RG.usedRule)), ox.NamedNode(str(rule.iri)), _EXP),
                        ox.Quad(deriv, ox.NamedNode(str(RG.round)), ox.Literal(str(round_no),
                                datatype=ox.NamedNode(XSD + "integer")), _EXP)]
            for t in fresh:
                added.add(t)
                new_quads.append(ox.Quad(t.subject, t.predicate, t.object, _INF))
                explain.append(ox.Quad(deriv, ox.NamedNode(str(RG.conclusion)), self._statement(t, explain), _EXP))
            for t in premises:
                explain.append(ox.Quad(deriv, ox.NamedNode(str(RG.premise)), self._statement(t, explain), _EXP))
            self.report.derivations += 1
        if new_quads:
            self.store.extend(new_quads)
            self.concluded += new_quads
            self._mark(new_quads)
            self._explain += explain
            self.report.fired[rule.id] = self.report.fired.get(rule.id, 0) + len(new_quads)
        return len(new_quads)

    def _apply_unrecorded(self, rule: Rule) -> int:
        """Run a rule as a CONSTRUCT inside the store and add what is new, without a derivation."""
        try:
            found = set(self.store.query(rule.construct_query(), use_default_graph_as_union=True))
        except (SyntaxError, OSError, ValueError) as exc:
            raise ReasoningError(f"rule '{rule.id}' failed: {exc}", file=display_path(rule.path),
                                 hint="check the rule's SPARQL") from exc
        if len(rule.conclusions) > 1:  # the filter skips a row only when all its conclusions hold
            found = {t for t in found if not self._holds(t)}
        new_quads = [ox.Quad(t.subject, t.predicate, t.object, _INF) for t in found]
        if new_quads:
            self.store.extend(new_quads)
            self.concluded += new_quads
            self._mark(new_quads)
            self.report.fired[rule.id] = self.report.fired.get(rule.id, 0) + len(new_quads)
        return len(new_quads)

    def apply_round(self, rules: list[Rule], round_no: int) -> int:
        """Run each rule that may conclude something new once, in order; return how many
        new triples they concluded."""
        added = 0
        for r in rules:
            if self._stale(r):
                self._started[r.id] = self._clock
                added += self.apply(r, round_no)
        return added

    def run(self, progress: Progress | None = None, *, keep_explanations: bool = False) -> ReasonReport:
        """Apply all rules to a fixpoint, axiom stratum before interaction-order stratum.

        The derivations are written to the store's explanation graph, or, with
        `keep_explanations`, left in `explanations` for the caller to move."""
        start = time.perf_counter()
        if not keep_explanations:
            self._describe_rules()
        strata = [[r for r in self.rules if r.kind == "axiom"],
                  [r for r in self.rules if r.kind != "axiom"]]
        round_no = self.first_round - 1
        while True:  # cycles of: axioms to fixpoint, then interaction-order rules to fixpoint
            cycle_added = 0
            for stratum in strata:
                while True:
                    round_no += 1
                    if round_no - self.first_round >= MAX_ROUNDS:
                        raise ReasoningError(f"reasoning did not reach a fixpoint in {MAX_ROUNDS} rounds",
                                             hint="a rule may keep minting new nodes; check rules that use BIND(IRI(...))")
                    added = self.apply_round(stratum, round_no)
                    self.report.inferred += added
                    cycle_added += added
                    report_progress(progress, "reason", round_no, 0)
                    if not added:
                        break
            if not cycle_added:
                break
        if keep_explanations:
            self.explanations = self._explain
        else:
            self.store.extend(self._explain)
        self._explain = []
        self.report.rounds = round_no
        self.report.seconds = time.perf_counter() - start
        return self.report


def display_path(path: Path) -> str:
    """A rule file as people should see it: `rules/...` for shipped rules, else relative to here."""
    try:
        return "rules/" + str(path.resolve().relative_to(data_dir("rules").resolve()))
    except ValueError:
        pass
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def mark_reasoned(store: GraphStore, rules: list[Rule]) -> None:
    """Record in the meta graph that the store's inferences are up to date, and by which rules."""
    store.add(ox.Quad(_REASONED, ox.NamedNode(META + "rules"),
                      ox.Literal(" ".join(r.id for r in rules)), _META_GRAPH))


def clear_inferences(store: GraphStore) -> None:
    """Drop the inferred and explanation graphs."""
    for g in (_INF, _EXP):
        if store.contains_named_graph(g):
            store.remove_graph(g)
    for q in list(store.quads_for_pattern(_REASONED, None, None, _META_GRAPH)):
        store.remove(q)


def is_reasoned(store: GraphStore) -> bool:
    """Whether the store's inferences are up to date with its asserted graphs."""
    return any(True for _ in store.quads_for_pattern(_REASONED, None, None, _META_GRAPH))


def unrecorded_rules(rules: list[Rule], known: set[str] | None = None) -> frozenset[str]:
    """The axiom rules whose conclusions `kg.explain` re-derives instead of reading a record:
    those among `known` (the rules a store's explainer will load), by default all."""
    return frozenset(r.id for r in rules if r.kind == "axiom" and (known is None or r.id in known))

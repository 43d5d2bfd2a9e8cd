"""The rule engine: a fixpoint of SPARQL rules inside one store, with derivations.

The engine runs each rule's WHERE clause as a SELECT over the store's union
default graph, skipping conclusions already known, and writes new conclusions to
the inferred graph. For every new triple it records a derivation in the
explanation graph: the rule, the round, and the premises (the rule's positive
triple patterns, instantiated and checked to exist).

Negation is stratified: the monotonic axiom rules reach their fixpoint before
the clash rules (OWL 2 RL rules whose head is `false`: they name a clash) and
any closed-world interaction-order rule runs, and the strata alternate until
none adds anything, within a bounded number of rounds. Evaluation is
semi-naive, and equality is kept by canonical representatives (see `Reasoner`
and docs/reasoning.md).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from rdflib import BNode, URIRef, Variable

from ..errors import ReasoningError
from ..i18n import N_
from ..iris import DERIVATION, EXPLANATION_GRAPH, INFERRED_GRAPH, META, META_GRAPH, RDF, RDFS, XSD
from ..iris import RULE as RULE_BASE
from ..progress import Progress
from ..progress import report as report_progress
from ..resources import data_dir
from ..stores import layout as _layout
from ..stores.base import GraphStore
from ..stores.embedded import in_memory
from ..stores.layout import to_ox
from ..vocab import CLASH_BASE, RG
from .rules import UNROLL_LISTS, Pattern, Rule, list_lengths, read_keys, sparql_term, unrolled_rule

MAX_ROUNDS = 100
BATCH_TRIPLES = 10_000  # asserted case triples per in-memory reasoning batch (bench/README.md)
# An unrecorded rule with a premise of at most this many triples (`owl:someValuesFrom`,
# `owl:inverseOf`, `owl:intersectionOf` in an ontology with a few dozen class expressions)
# runs in full, not semi-naively (`Reasoner._anchored`); a premise naming a class's members
# (`?p a owl:FunctionalProperty`) anchors it only up to `ANCHOR_MEMBERS` (bench/README.md).
ANCHOR_TRIPLES = 32
ANCHOR_MEMBERS = 12
# A variable predicate of a semi-naive premise is pinned to the values another premise gives
# it when that premise has at most this many triples (`Reasoner._pins`).
PIN_TRIPLES = 5_000
LOAD_QUADS = 50_000  # quads per bulk load of the conclusions into the store (bench/README.md)
_RDF = RDF
_RDFS = RDFS
_INF = ox.NamedNode(INFERRED_GRAPH)
_TYPE = ox.NamedNode(RDF + "type")
_NT = ox.RdfFormat.N_TRIPLES
_EXP = ox.NamedNode(EXPLANATION_GRAPH)
_DERIV = DERIVATION
_REASONED = ox.NamedNode(META + "reasoned")
_META_GRAPH = ox.NamedNode(META_GRAPH)
_GEN = "urn:rolegraph:generation:"  # working graphs of the fixpoint, one per batch of conclusions
_SAME = "http://www.w3.org/2002/07/owl#sameAs"
# What a derivation's quads name (`Reasoner._derivation`), made once.
_DERIVATION_CLASS = ox.NamedNode(str(RG.Derivation))
_USED_RULE, _ROUND = ox.NamedNode(str(RG.usedRule)), ox.NamedNode(str(RG.round))
_CONCLUSION, _PREMISE = ox.NamedNode(str(RG.conclusion)), ox.NamedNode(str(RG.premise))
_INTEGER = ox.NamedNode(XSD + "integer")

Term = ox.NamedNode | ox.BlankNode | ox.Literal

# Rules whose every conclusion two other rules of the tables also reach, through a schema
# triple the first of them infers: with both present, the subsumed rule adds nothing to the
# fixpoint and is not run (docs/reasoning.md, "Rules not run").
SUBSUMED: dict[str, tuple[str, str]] = {
    "cax-eqc1": ("scm-eqc1", "cax-sco"),  # c1 ≡ c2 gives c1 ⊑ c2, and cax-sco the type
    "cax-eqc2": ("scm-eqc1", "cax-sco"),
    "prp-eqp1": ("scm-eqp1", "prp-spo1"),  # p1 ≡ p2 gives p1 ⊑ p2, and prp-spo1 the triple
    "prp-eqp2": ("scm-eqp1", "prp-spo1"),
    "cls-int2": ("scm-int", "cax-sco"),  # c = ⊓ci gives c ⊑ ci, and cax-sco the type
}


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
    mode: str = N_("whole store")

    def add(self, other: ReasonReport) -> None:
        self.inferred += other.inferred
        self.derivations += other.derivations
        self.rounds = max(self.rounds, other.rounds)
        for k, v in other.fired.items():
            self.fired[k] = self.fired.get(k, 0) + v


@functools.lru_cache(maxsize=4096)
def _compiled(p: Pattern) -> tuple[tuple[str | None, Term | None], ...]:
    """A rule pattern's terms as (variable name, None), (None, constant) or (None, None) for a
    blank node (never ground but for the clash a clash rule names): converted once, not
    once per solution."""
    return tuple((str(t), None) if isinstance(t, Variable) else (None, None) if isinstance(t, BNode)
                 else (None, to_ox(t)) for t in p)


def instantiate(p: Pattern, row: ox.QuerySolution, minted: ox.NamedNode | None = None) -> ox.Triple | None:
    """A rule pattern as the triple it stands for under a solution, or None if it is not ground."""
    return _ground(_compiled(p), row, minted)


def _ground(compiled: tuple[tuple[str | None, Term | None], ...], row: ox.QuerySolution,
            minted: ox.NamedNode | None = None) -> ox.Triple | None:
    """`instantiate` for a pattern already `_compiled`."""
    terms = []
    for var, const in compiled:
        value = row[var] if var is not None else const if const is not None else minted
        if value is None:
            return None
        terms.append(value)
    s, pr, o = terms
    if isinstance(s, ox.Literal) or not isinstance(pr, ox.NamedNode):
        return None
    return ox.Triple(s, pr, o)


def _mint(rule: Rule, row: ox.QuerySolution) -> ox.NamedNode:
    """One stable IRI per clash: the rule and the (unordered) nodes it names."""
    values = sorted({str(v) for p in rule.conclusions for t in p if isinstance(t, Variable)
                     if (v := row[str(t)]) is not None})
    return ox.NamedNode(f"{CLASH_BASE}{rule.id}/" + hashlib.sha1(" ".join(values).encode()).hexdigest()[:24])


def _rep_order(t: Any) -> tuple[bool, str]:
    """Representatives: IRIs before blank nodes, then the least in string order."""
    return (isinstance(t, ox.BlankNode), str(t))


statement_iri = _layout.statement_iri  # how a remote store's explanations name a triple


def rule_descriptions(rules: list[Rule]) -> list[ox.Quad]:
    """What the explanation graph says about each rule: kind, title, file."""
    quads = []
    for r in rules:
        node = ox.NamedNode(str(r.iri))
        quads += [ox.Quad(node, ox.NamedNode(_RDF + "type"), ox.NamedNode(str(RG.Rule)), _EXP),
                  ox.Quad(node, ox.NamedNode(_RDFS + "label"), ox.Literal(r.title, language="en"), _EXP),
                  ox.Quad(node, ox.NamedNode(str(RG.ruleKind)), ox.Literal(r.kind), _EXP),
                  ox.Quad(node, ox.NamedNode(str(RG.ruleFile)), ox.Literal(display_path(r.path)), _EXP)]
        quads += [ox.Quad(node, ox.NamedNode(_RDFS + "label"), ox.Literal(title, language=lang), _EXP)
                  for lang, title in sorted(r.titles.items())]
        if r.description:
            quads.append(ox.Quad(node, ox.NamedNode(_RDFS + "comment"),
                                 ox.Literal(r.description, language="en"), _EXP))
    return quads


class Reasoner:
    """Materialises rule conclusions in one writable store.

    Evaluation is semi-naive: each new conclusion goes to a generation graph of its own, and
    a rule whose body is a join (`Rule.delta`) runs again only on the solutions that use at
    least one triple of the generations added since it last ran. A rule that needs a kind of
    triple the store does not have (`Rule.needs`: an ontology without keys has no
    `owl:hasKey`) is skipped until one appears.

    Equality (`owl:sameAs`) is kept by canonical representatives, as RDFox and GraphDB do
    rather than copying every triple to every alias: the sameAs pairs form classes in a
    union-find, each class has one representative (an IRI if it has one, the least in
    string order), every triple about an alias is rewritten to the representative (rules
    eq-rep-s, eq-rep-p, eq-rep-o, recorded) and each alias keeps one `owl:sameAs` link to its
    representative. That rewriting deletes the alias-form triples from the working store, so
    it happens only in a `scratch` store (an in-memory copy); elsewhere the equality rules
    are not run (see docs/reasoning.md)."""

    # Derivations name their premises and conclusions by triple terms: the embedded store
    # (Oxigraph) keeps RDF 1.2, and a triple term is one object where a reified rdf:Statement
    # takes a node and four quads, a fifth of the store at 10^6 (docs/reasoning.md).
    triple_terms = True

    def __init__(self, store: GraphStore, rules: list[Rule], *, first_round: int = 1,
                 unrecorded: frozenset[str] = frozenset(), scratch: bool = False,
                 settled: list[ox.Quad] | None = None) -> None:
        self.store = store
        self.scratch = scratch
        ids = {r.id for r in rules}
        self.rules = [r for r in rules if r.kind != "equality"
                      and not (r.id in SUBSUMED and all(k in ids for k in SUBSUMED[r.id]))]
        # The `unroll` rules run as their instances for the list lengths the store has (`_unrolled`).
        self.unroll_rules = [r for r in self.rules if r.unroll is not None]
        self.rules = [r for r in self.rules if r.unroll is None]
        self._lengths: dict[str, tuple[tuple[int, ...] | None, set[int]]] = {}  # kind: (`_list_clock`, lengths)
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
        self._concluded: list[ox.Quad] | None = []  # `concluded`, once made
        self._done: list[ox.NamedNode] = []  # the generation graphs of a finished run (scratch)
        self.report = ReasonReport()
        self._stated: set[str] = set()
        # Which rules can conclude anything new: a rule is run again only when something it
        # reads (`Rule.reads`) has changed since it last ran. New conclusions of a rule can
        # only come from new facts, since a rule's negated patterns can only lose solutions.
        self._clock = 0
        self._changed: dict[str, int] = {}
        self._started: dict[str, int] = {}
        self._full: dict[str, int] = {}  # when a rule last ran on everything
        self._previous: int | None = None  # when the rule being applied ran before
        self._present: set[str] = set()
        self._parent: dict[Any, Any] = {}
        self._gens: list[ox.NamedNode] = []
        self._gen_clock: list[int] = []  # the clock of each generation
        self._gen_rule: list[str] = []  # the rule (key) that concluded each generation
        self._settled = False  # `settle_keys`: all but the added triples at the rules' fixpoint
        self._pinned: dict[tuple[Pattern, Variable, int], frozenset[str] | None] = {}  # `_values`
        self._ids = {r.id for r in self.rules}
        self._restricts: dict[str, str] = {}  # `_specific`, by rule key
        if settled is not None:
            self.settle(settled)

    def settle(self, added: list[ox.Quad]) -> None:
        """Say that the store minus `added` (quads already in it) is at the fixpoint of these
        rules: a rule that reads nothing `added` has is not run at all.

        `CaseReasoner` gives each batch the ontology's closure, reasoned once by the same
        rules, and the batch's cases: the rules that read only the ontology (most `scm-*`
        rules) have nothing left to conclude. Not done when the store has `owl:sameAs`
        (equality rewrites the store and every rule runs in full again)."""
        keys = {q.predicate.value for q in added}
        keys |= {"type|" + q.object.value for q in added
                 if q.predicate == _TYPE and isinstance(q.object, ox.NamedNode)}
        self.settle_keys(keys)

    def settle_keys(self, keys: Iterable[str]) -> None:
        """`settle`, given the change keys (`read_keys`) of the triples added: their predicates,
        and `type|C` for each class C they type with."""
        if self._has(_SAME):
            return
        self._clock = 1
        self._settled = True
        for k in keys:
            self._changed[k] = 1
        for r in self.rules + self.unroll_rules:
            self._started[r.key] = 0

    # ---- the store's generations of conclusions
    def _add(self, triples: Iterable[ox.Triple], by: str = "") -> int:
        """Add new conclusions (triples, or quads whose graph is ignored) of a rule (its key)
        in a new generation graph; return how many."""
        self._clock += 1
        gen = ox.NamedNode(f"{_GEN}{self._clock}")
        self._gens.append(gen)
        self._gen_clock.append(self._clock)
        self._gen_rule.append(by)
        quads = [ox.Quad(t.subject, t.predicate, t.object, gen) for t in triples]
        self.store.extend(quads)
        predicates = {q.predicate for q in quads}
        for p in predicates:
            self._changed[p.value] = self._clock
        if _TYPE in predicates:
            for c in {q.object for q in quads if q.predicate == _TYPE and isinstance(q.object, ox.NamedNode)}:
                self._changed["type|" + c.value] = self._clock
        return len(quads)

    def _since(self, clock: int, but: str = "") -> list[str]:
        """The graphs of the generations added after `clock` (but those of the rule `but`)."""
        at = bisect.bisect_right(self._gen_clock, clock)
        return [g.value for g, by in zip(self._gens[at:], self._gen_rule[at:]) if not but or by != but]

    def _closed(self, rule: Rule) -> bool:
        """Whether the rule's own conclusions can give it no new solution now (`closed-by`):
        the batch was settled on a fixpoint of the rules, and nothing the closing rule reads
        has been added since (cax-sco: no new `rdfs:subClassOf`, which scm-sco left
        transitive), nor any `owl:sameAs` (equality rewrites the store)."""
        if not (rule.closed_by and self._settled) or self._changed.get(_SAME, 0):
            return False
        closer = next((r for r in self.rules if r.id == rule.closed_by), None)
        return closer is not None and closer.reads is not None and \
            not any(self._changed.get(k, 0) for k in closer.reads)

    def _specific(self, rule: Rule) -> str:
        """For a `most-specific` rule (prp-dom, prp-rng) in a settled batch: a group that keeps,
        of its schema premise's triples (`?p rdfs:range ?c`), those whose class has no strict
        subclass among the classes that premise gives the same property, or "" to run in full.

        A class left out is a superclass of one kept, and the rule named (cax-sco) concludes
        membership of it from the conclusion for that one: the ontology's closure is
        transitive (scm-sco) and holds the property's range in each superclass (scm-rng1), so
        most of the premise's triples are of superclasses and gave the full run nothing new
        (at 10^5 prp-rng's first runs took 0.25 CPU-s for no conclusion). Only while nothing of
        the premise's predicate or `rdfs:subClassOf` has been added and no `owl:sameAs`; the
        pairs are written as `VALUES` (the rest, naming a blank node, match as they are)."""
        premise = rule.class_premise
        if not (rule.most_specific and self._settled) or premise is None or rule.most_specific not in self._ids \
                or self._changed.get(_SAME, 0) \
                or any(self._changed.get(k, 0) for k in (str(premise[1]), _RDFS + "subClassOf")):
            return ""
        known = self._restricts.get(rule.key)
        if known is not None:
            return known
        classes: dict[Any, list[Any]] = {}
        for q in self.store.quads_for_pattern(None, ox.NamedNode(str(premise[1])), None, None):
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode):
                classes.setdefault(q.subject, []).append(q.object)
        sub = {(q.subject, q.object) for q in self.store.quads_for_pattern(
            None, ox.NamedNode(_RDFS + "subClassOf"), None, None) if q.subject != q.object}
        rows = sorted({f"({s} {c})" for s, cs in classes.items() for c in set(cs)
                       if not any((d, c) in sub and (c, d) not in sub for d in cs)})
        s, p, c = (sparql_term(t) for t in premise)
        known = (f"{{ {{ VALUES ({s} {c}) {{ {' '.join(rows)} }} }} UNION "
                 f"{{ {s} {p} {c} . FILTER(isBlank({s}) || isBlank({c})) }} }}\n")
        self._restricts[rule.key] = known
        return known

    def _stale(self, rule: Rule) -> bool:
        started = self._started.get(rule.key)
        if started is None:
            return True
        if rule.reads is None:
            return self._clock > started
        return any(self._changed.get(k, 0) > started for k in rule.reads)

    def _has(self, key: str) -> bool:
        """Whether the store has a triple of the key (a predicate, or `type|C`)."""
        if key in self._present:
            return True
        if key.startswith("type|"):
            found = self.store.quads_for_pattern(None, ox.NamedNode(_RDF + "type"), ox.NamedNode(key[5:]), None)
        else:
            found = self.store.quads_for_pattern(None, ox.NamedNode(key), None, None)
        for _ in found:
            self._present.add(key)
            return True
        return False

    def _holds(self, t: ox.Triple) -> bool:
        """Whether the triple is in any graph: the same union the rule queries see."""
        for _ in self.store.quads_for_pattern(t.subject, t.predicate, t.object, None):
            return True
        return False

    def _statement(self, t: ox.Triple, out: list[ox.Quad]) -> ox.NamedNode | ox.Triple:
        """How a derivation names a premise or conclusion: the triple itself, an RDF 1.2 triple
        term (`rg:premise <<( s p o )>>`), where the store keeps those; else an rdf:Statement
        node (`statement_iri`) described by four more quads, added to `out` once."""
        if self.triple_terms:
            return t
        node = statement_iri(t)
        if node.value not in self._stated:
            self._stated.add(node.value)
            out += _layout.statement_quads(node, t, _EXP)
        return node

    def _describe_rules(self) -> None:
        self._explain += rule_descriptions(self.rules + self.unroll_rules)

    def _derivation(self, rule_id: str, round_no: int, fresh: list[ox.Triple], premises: list[ox.Triple],
                    explain: list[ox.Quad]) -> None:
        digest = hashlib.sha1(
            (rule_id + "|" + "|".join(map(str, fresh)) + "|" + "|".join(map(str, premises))).encode()
        ).hexdigest()[:24]
        deriv = ox.NamedNode(_DERIV + digest)
        explain += [ox.Quad(deriv, _TYPE, _DERIVATION_CLASS, _EXP),
                    ox.Quad(deriv, _USED_RULE, ox.NamedNode(RULE_BASE + rule_id), _EXP),
                    ox.Quad(deriv, _ROUND, ox.Literal(str(round_no), datatype=_INTEGER), _EXP)]
        for t in fresh:
            explain.append(ox.Quad(deriv, _CONCLUSION, self._statement(t, explain), _EXP))
        for t in premises:
            explain.append(ox.Quad(deriv, _PREMISE, self._statement(t, explain), _EXP))
        self.report.derivations += 1

    def _query(self, rule: Rule, text: str) -> Any:
        try:
            return self.store.query(text, use_default_graph_as_union=True)
        except (SyntaxError, OSError, ValueError) as exc:
            raise ReasoningError(N_("rule '{id}' failed: {exc}"), file=display_path(rule.path),
                                 hint=N_("check the rule's SPARQL"), params={"id": rule.id, "exc": exc}) from exc

    def _delta_graphs(self, rule: Rule) -> tuple[list[str], list[Pattern], dict[str, list[str]]] | None:
        """The generation graphs to evaluate the rule on semi-naively, the premises that
        may match a triple of them and, for each variable predicate of those premises, the
        IRIs it can take (`_pins`), or None for a full run."""
        last = self._full.get(rule.key)
        previous = self._previous
        if rule.delta is None or last is None or previous is None or \
                any(self._changed.get(k, 0) > last for k in rule.static):
            self._full[rule.key] = self._clock
            return None
        if rule.id in self.unrecorded and rule.ground_template and not rule.static and self._anchored(rule):
            self._full[rule.key] = self._clock
            return None
        # A premise of a kind (predicate, or rdf:type and class) no new triple has, such as
        # an ontology premise (`?c1 rdfs:subClassOf ?c2`) while cases are reasoned, matches
        # nothing new: its branch of the union is left out.
        premises = [p for p in rule.delta if not isinstance(p[1], URIRef)
                    or self._changed.get(read_keys(p[1], p[2])[-1], 0) > previous]
        graphs = self._since(previous, rule.key if self._closed(rule) else "")
        return graphs, premises if graphs else [], self._pins(rule, premises, previous)

    def _pins(self, rule: Rule, premises: list[Pattern], previous: int) -> dict[str, list[str]]:
        """For each variable in the predicate position of a semi-naive premise, the IRIs it
        can take in a new solution: a predicate of some triple added since `previous`, and,
        for each other premise with a fixed predicate that names the variable (`?p
        rdfs:domain ?c`), a value that premise has in the store now. (A join's solutions
        match every premise, so this leaves out no solution; prp-fp, whose new triples are
        mostly types and no functional property, then looks none of them up.)"""
        pins: dict[str, list[str]] = {}
        changed: set[str] | None = None
        for p in premises:
            var = p[1]
            if not isinstance(var, Variable) or str(var) in pins:
                continue
            if changed is None:
                changed = {k for k, clock in self._changed.items() if clock > previous and not k.startswith("type|")}
            allowed = changed
            for q in rule.premises:
                if isinstance(q[1], URIRef) and var in (q[0], q[2]) and var != q[1]:
                    values = self._values(q, var)
                    if values is not None:
                        allowed = allowed & values
            pins[str(var)] = sorted(allowed)
        return pins

    def _values(self, pattern: Pattern, var: Variable) -> frozenset[str] | None:
        """The IRIs `var` takes in the store's triples matching a pattern with a fixed
        predicate (its other terms fixed or free), or None when there are more than
        `PIN_TRIPLES` such triples; kept until a triple with that predicate (or class) is added."""
        key = (pattern, var, self._changed.get(read_keys(pattern[1], pattern[2])[-1], 0))
        found = self._pinned.get(key)
        if found is not None or key in self._pinned:
            return found
        s, pr, o = (None if isinstance(t, Variable) else to_ox(t) for t in pattern)
        quads = list(itertools.islice(self.store.quads_for_pattern(cast(Any, s), cast(Any, pr), o, None),
                                      PIN_TRIPLES + 1))
        if len(quads) > PIN_TRIPLES:
            found = None
        else:
            if var == pattern[0] and var == pattern[2]:
                quads = [q for q in quads if q.subject == q.object]
            terms = (q.subject if var == pattern[0] else q.object for q in quads)
            found = frozenset(t.value for t in terms if isinstance(t, ox.NamedNode))
        self._pinned[key] = found
        return found

    def _anchored(self, rule: Rule) -> bool:
        """Whether a premise of the rule with a fixed predicate has at most `ANCHOR_TRIPLES`
        triples (with a fixed class, `ANCHOR_MEMBERS`): then a full run starts from those
        few and costs less than a semi-naive one, whose branches scan every new triple
        (`?x ?p ?y`) or every new type (`?x rdf:type ?c1`, cls-int1) before the join. A
        class's members anchor less: each member of `owl:FunctionalProperty` brings all its
        triples into prp-fp's full run, where the semi-naive run looks up only the properties
        with new triples (`_pins`). The conclusions are the same either way; only unrecorded
        rules choose, so that which premises a recorded derivation names does not depend on it."""
        for _, pr, o in rule.delta or ():
            if not isinstance(pr, URIRef):
                continue
            key = read_keys(pr, o)[-1]
            if key == _RDF + "type":
                continue  # any class: every typed node
            if key.startswith("type|"):
                found = self.store.quads_for_pattern(None, ox.NamedNode(_RDF + "type"), ox.NamedNode(key[5:]), None)
                most = ANCHOR_MEMBERS
            else:
                found = self.store.quads_for_pattern(None, ox.NamedNode(key), None, None)
                most = ANCHOR_TRIPLES
            if sum(1 for _ in itertools.islice(found, most + 1)) <= most:
                return True
        return False

    def apply(self, rule: Rule, round_no: int) -> int:
        """Run one rule once; return how many new triples it concluded."""
        delta = self._delta_graphs(rule)
        if delta is not None and not delta[1]:
            return 0  # only what the rule negates has changed: that adds no solution
        if rule.id in self.unrecorded and rule.ground_template:
            return self._apply_unrecorded(rule, delta)
        restrict = self._specific(rule)
        query = rule.select_query(restrict=restrict) if delta is None else rule.select_query(*delta, restrict=restrict)
        rows = list(self._query(rule, query))
        new: list[ox.Triple] = []
        explain: list[ox.Quad] = []
        added: set[ox.Triple] = set()
        heads = [_compiled(p) for p in rule.conclusions]
        body = [_compiled(p) for p in rule.premises]
        for row in rows:
            minted = _mint(rule, row) if rule.kind == "clash" else None
            conclusions = [t for p in heads if (t := _ground(p, row, minted)) is not None]
            fresh = [t for t in conclusions if t not in added and not self._holds(t)]
            if not fresh:
                continue
            premises = [t for p in body if (t := _ground(p, row)) is not None and self._holds(t)]
            premises = list(dict.fromkeys(premises))
            added.update(fresh)
            new += fresh
            self._derivation(rule.id, round_no, fresh, premises, explain)
        if new:
            self._add(new, rule.key)
            self._explain += explain
            self.report.fired[rule.id] = self.report.fired.get(rule.id, 0) + len(new)
        return len(new)

    def _apply_unrecorded(self, rule: Rule, delta: tuple[list[str], list[Pattern], dict[str, list[str]]] | None) -> int:
        """Run a rule as a CONSTRUCT inside the store and add what is new, without a derivation."""
        restrict = self._specific(rule)
        text = rule.construct_query(restrict) if delta is None else rule.construct_query_delta(*delta, restrict=restrict)
        load = getattr(self.store, "load", None)  # an embedded store's own (scratch stores are in memory)
        if len(rule.conclusions) > 1 or load is None:
            found = set(self._query(rule, text))
            if len(rule.conclusions) > 1:  # the filter skips a row only when all its conclusions hold
                found = {t for t in found if not self._holds(t)}
            n = self._add(found, rule.key) if found else 0
        else:
            # Every triple the query gives is new (its filter): from Oxigraph's writer to its
            # reader as N-Triples, no Python object per conclusion (most of what reasoning adds).
            n = self._add_ntriples(self._query(rule, text).serialize(format=_NT), load, rule.key)
        if n:
            self.report.fired[rule.id] = self.report.fired.get(rule.id, 0) + n
        return n

    def _add_ntriples(self, data: bytes, load: Any, by: str = "") -> int:
        """`_add` for conclusions as N-Triples written by Oxigraph (perhaps a triple twice):
        loaded into a new generation graph in Rust, but the lines that name a blank node (the
        store's reader would rename it; `split_blank`); what they change asked of the store."""
        if not data:
            return 0
        self._clock += 1
        gen = ox.NamedNode(f"{_GEN}{self._clock}")
        plain, named = split_blank(data)
        if plain:
            load(plain, format=_NT, to_graph=gen, lenient=True)
        if named:  # as N-Quads in the generation graph: parsed straight into quads
            self.store.extend(ox.parse(named.replace(b" .\n", f" {gen} .\n".encode()), format=ox.RdfFormat.N_QUADS))
        n = 0
        for row in cast(ox.QuerySolutions, self.store.query(
                f"SELECT ?p ?c (COUNT(*) AS ?n) WHERE {{ GRAPH {gen} {{ ?s ?p ?o }} "
                f"BIND(IF(?p = <{_RDF}type> && isIRI(?o), ?o, ?none) AS ?c) }} GROUP BY ?p ?c")):
            n += int(row["n"].value)
            self._changed[row["p"].value] = self._clock
            if row["c"] is not None:
                self._changed["type|" + row["c"].value] = self._clock
        self._gens.append(gen)
        self._gen_clock.append(self._clock)
        self._gen_rule.append(by)
        return n

    def _unrolled(self) -> list[Rule]:
        """The instances of the `unroll` rules for the list lengths the store has: asked of
        the store again only when a triple of the list property, `rdf:first` or `rdf:rest`
        has been added since. A length once seen keeps its instance (a no-op without lists)."""
        out: list[Rule] = []
        for kind in sorted({cast(str, r.unroll) for r in self.unroll_rules}):
            prop = UNROLL_LISTS[kind]
            if not self._has(prop):
                continue
            when = self._list_clock(prop)
            known = self._lengths.get(kind)
            if known is None or when is None or known[0] != when:
                known = (when, (known[1] if known else set()) | list_lengths(prop, self._select_rows))
                self._lengths[kind] = known
            out += [unrolled_rule(r, n) for r in self.unroll_rules if r.unroll == kind for n in sorted(known[1])]
        return out

    def _list_clock(self, prop: str) -> tuple[int, ...] | None:
        """When a triple last came that may change the lists of `prop` (None: not known)."""
        return tuple(self._changed.get(k, 0) for k in (prop, _RDF + "first", _RDF + "rest"))

    def _select_rows(self, text: str) -> Iterable[Any]:
        """A SELECT's solutions over the graphs the rules read."""
        return cast(Iterable[Any], self.store.query(text, use_default_graph_as_union=True))

    def apply_round(self, rules: list[Rule], round_no: int) -> int:
        """Run each rule that may conclude something new once, in order; return how many
        new triples they concluded."""
        added = 0
        for r in rules:
            if self._stale(r):
                self._previous = self._started.get(r.key)
                self._started[r.key] = self._clock
                if not all(self._has(k) for k in r.needs):
                    continue  # cannot fire; it runs again when something it reads changes
                before = self._clock
                added += self.apply(r, round_no)
                if self.scratch and self._clock > before and self._changed.get(_SAME, 0) > before:
                    added += self._equalize(round_no)
        return added

    # ---- equality by canonical representatives
    def _find(self, t: Any) -> Any:
        root = t
        while (up := self._parent.get(root, root)) != root:
            root = up
        while t != root:
            nxt = self._parent.get(t, t)
            self._parent[t] = root
            t = nxt
        return root

    def _equalize(self, round_no: int) -> int:
        """Merge the classes of the store's owl:sameAs pairs and rewrite every triple about an
        alias to its representative; return how many triples that added."""
        same = ox.NamedNode(_SAME)
        pairs = [(q.subject, q.object) for q in self.store.quads_for_pattern(None, same, None, None)
                 if not isinstance(q.object, ox.Literal) and q.subject != q.object]
        moved: set[Any] = set()
        for a, b in pairs:
            ra, rb = self._find(a), self._find(b)
            if ra != rb:
                keep, lose = sorted((ra, rb), key=_rep_order)
                self._parent[lose] = keep
                moved.add(lose)
        aliases = {t for t in self._parent if self._find(t) != t}
        todo = [a for a in aliases if a in moved or self._mentioned(a)]
        if not todo:
            return 0
        new: dict[ox.Triple, None] = {}
        explain: list[ox.Quad] = []
        links: set[Any] = set()
        for a in todo:
            rep = self._find(a)
            for quad in [*self.store.quads_for_pattern(a, None, None, None),
                         *self.store.quads_for_pattern(None, a, None, None),
                         *self.store.quads_for_pattern(None, None, a, None)]:
                if not any(True for _ in self.store.quads_for_pattern(quad.subject, quad.predicate, quad.object,
                                                                       quad.graph_name)):
                    continue  # a triple with two aliases, already rewritten
                self.store.remove(quad)
                if quad.predicate.value == _SAME:
                    links.update(t for t in (quad.subject, quad.object) if self._find(t) != t)
                    continue
                s, p, o = (self._canon(t) for t in (quad.subject, quad.predicate, quad.object))
                t = ox.Triple(s, p, o)
                if t in new or self._holds(t):
                    continue
                new[t] = None
                which = "eq-rep-s" if quad.subject == a else "eq-rep-p" if quad.predicate == a else "eq-rep-o"
                self._derivation(which, round_no, [t], [ox.Triple(quad.subject, quad.predicate, quad.object),
                                                        ox.Triple(a, same, rep)], explain)
            links.add(a)
        for a in links:
            new[ox.Triple(a, same, self._find(a))] = None
        fresh = [t for t in new if not self._holds(t)]
        if fresh:
            self._add(fresh)
        self._explain += explain
        self.report.fired["eq-rep"] = self.report.fired.get("eq-rep", 0) + len(fresh)
        # Removing triples can make a negated premise true: every rule runs in full again.
        self._started.clear()
        self._full.clear()
        return len(fresh)

    def _canon(self, t: Any) -> Any:
        return t if isinstance(t, ox.Literal) else self._find(t)

    def _mentioned(self, t: Any) -> bool:
        for q in self.store.quads_for_pattern(t, None, None, None):
            if q.predicate.value != _SAME:
                return True
        for q in self.store.quads_for_pattern(None, None, t, None):
            if q.predicate.value != _SAME:
                return True
        return False

    def run(self, progress: Progress | None = None, *, keep_explanations: bool = False) -> ReasonReport:
        """Apply all rules to a fixpoint, axiom stratum, then clash rules, then
        interaction-order stratum.

        The derivations are written to the store's explanation graph, or, with
        `keep_explanations`, left in `explanations` for the caller to move. Afterwards
        `concluded` holds the closure's inferred quads; outside a scratch store they are
        moved to the inferred graph."""
        start = time.perf_counter()
        if not keep_explanations:
            self._describe_rules()
        if self.scratch and self._has(_SAME):
            self._equalize(self.first_round)
        strata = [[r for r in self.rules if r.kind in ("axiom", "equality")],
                  [r for r in self.rules if r.kind == "clash"],
                  [r for r in self.rules if r.kind not in ("axiom", "equality", "clash")]]
        round_no = self.first_round - 1
        while True:  # cycles of: axioms to fixpoint, then interaction-order rules to fixpoint
            cycle_added = 0
            for i, stratum in enumerate(strata):
                while True:
                    round_no += 1
                    if round_no - self.first_round >= MAX_ROUNDS:
                        raise ReasoningError(N_("reasoning did not reach a fixpoint in {MAX_ROUNDS} rounds"),
                                             hint=N_("a rule may keep minting new nodes; check rules that use BIND(IRI(...))"), params={"MAX_ROUNDS": MAX_ROUNDS})
                    rules = stratum + self._unrolled() if i == 0 else stratum
                    added = self.apply_round(rules, round_no)
                    cycle_added += added
                    report_progress(progress, N_("reason"), round_no, 0)
                    if not added:
                        break
            if not cycle_added:
                break
        self._collect()
        if keep_explanations:
            self.explanations = self._explain
        else:
            self.store.extend(self._explain)
        self._explain = []
        self.report.rounds = round_no
        self.report.seconds = time.perf_counter() - start
        return self.report

    def _collect(self) -> None:
        """The closure's conclusions from the generation graphs, in the inferred graph; in a
        scratch store they stay where they are until asked for (`concluded`, `concluded_nquads`)."""
        self._done, self._gens, self._gen_clock, self._gen_rule = self._gens, [], [], []
        self._concluded = None
        if self.scratch:
            if self._done:
                rows = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?g { "
                                        + " ".join(str(g) for g in self._done) + " } GRAPH ?g { ?s ?p ?o } }")
                self.report.inferred += int(next(iter(rows))["n"].value)
            return
        concluded = self.concluded
        self.report.inferred += len(concluded)
        for g in self._done:
            self.store.remove_graph(g)
        self.store.extend(concluded)
        self._done = []

    @property
    def concluded(self) -> list[ox.Quad]:
        """Every inferred quad of the closure, in the inferred graph, after the run."""
        if self._concluded is None:
            self._concluded = [ox.Quad(q.subject, q.predicate, q.object, _INF)
                               for g in self._done for q in self.store.quads_for_pattern(None, None, None, g)]
        return self._concluded

    def concluded_nquads(self) -> tuple[bytes, bytes]:
        """`concluded` as N-Quads written by the store (no Python object per quad): the lines
        that name no blank node, and those that do (a bulk load would rename it)."""
        dump = cast(Any, self.store).dump  # an embedded store's own (scratch stores are in memory)
        nt = b"".join(dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g) or b"" for g in self._done)
        return split_blank(nt.replace(b" .\n", b" " + str(_INF).encode() + b" .\n"))


def split_blank(nquads: bytes) -> tuple[bytes, bytes]:
    """N-Quads (each line ending in a newline; a line break inside a literal is escaped) as
    the lines without `_:` and the lines with it (a blank node, or text that looks like one).

    Found with `bytes.find` from one `_:` to the next: those lines are few, and a regular
    expression tried at every line start took ten times as long (bench/README.md)."""
    at = nquads.find(b"_:")
    if at < 0:
        return nquads, b""
    plain: list[bytes] = []
    named: list[bytes] = []
    done = 0  # where the lines not yet sorted start
    while at >= 0:
        start = nquads.rfind(b"\n", 0, at) + 1
        end = nquads.find(b"\n", at) + 1 or len(nquads)
        plain.append(nquads[done:start])
        named.append(nquads[start:end])
        done = end
        at = nquads.find(b"_:", end)
    plain.append(nquads[done:])
    return b"".join(plain), b"".join(named)


def display_path(path: Path) -> str:
    """A rule file as people should see it: `rules/...` for shipped rules, else relative to here."""
    return _display_path(path, Path.cwd())


@functools.lru_cache(maxsize=1024)
def _display_path(path: Path, cwd: Path) -> str:
    try:
        return "rules/" + str(path.resolve().relative_to(data_dir("rules").resolve()))
    except ValueError:
        pass
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
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


is_reasoned = _layout.is_reasoned  # the store layout keeps the marker; imported from here too


def unrecorded_rules(rules: list[Rule], known: set[str] | None = None) -> frozenset[str]:
    """The axiom rules whose conclusions `kg.explain` re-derives instead of reading a record:
    those among `known` (the rules a store's explainer will load), by default all."""
    return frozenset(r.id for r in rules if r.kind == "axiom" and (known is None or r.id in known))


def reason_in_memory(store: GraphStore, rules: list[Rule], unrecorded: frozenset[str],
                     progress: Progress | None = None) -> ReasonReport:
    """Run every rule over a copy of the whole store in memory (equality rewrites the copy,
    never the asserted graphs) and add the conclusions and derivations to the store."""
    mem = in_memory([q for q in store.quads_for_pattern(None, None, None, None)
                     if q.graph_name not in (_EXP, _META_GRAPH)])
    r = Reasoner(mem, rules, unrecorded=unrecorded, scratch=True)
    report = r.run(progress, keep_explanations=True)
    store.extend(r.concluded)
    store.extend(rule_descriptions(rules) + r.explanations)
    return report

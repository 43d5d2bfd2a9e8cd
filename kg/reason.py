"""Reasoning inside the store: OWL 2 RL and interaction-order rules to a fixpoint.

The engine runs each rule's WHERE clause as a SELECT in Oxigraph over the
asserted and inferred graphs, skipping conclusions already known, and writes
new conclusions to the inferred graph. For every new triple it records a
derivation in the explanation graph: the rule, the round, and the premises
(the rule's positive triple patterns, instantiated and checked to exist).

Negation is stratified: the monotonic axiom rules reach their fixpoint before
any closed-world interaction-order rule runs, and the two strata alternate
until neither adds anything, within a bounded number of rounds.

Cases share only the ontology, so `reason` does not run the rules over the
whole store. It reasons the ontology alone once, then each part of the store
(`kg.partition`: one case, or cases that mention a common node) together with
the ontology and its inferences, in a small in-memory store, batch by batch,
and copies the conclusions and their derivations back. Time and memory grow
linearly with the number of cases, and the closure is the same as a
whole-store run (`tests/test_reason_partition.py`). Rules marked
`scope: store` compare across cases; when there are any, they and the rest
run on the whole store after the per-case fixpoint.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Variable
from rdflib.term import Node

from .errors import ReasoningError
from .progress import Progress
from .progress import report as report_progress
from .rules import Pattern, Rule, load_rules
from .store import asserted_graphs, construct, select, to_ox
from .vocab import BASE, EXPLANATION_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, RG

MAX_ROUNDS = 100
BATCH_TRIPLES = 20_000  # asserted case triples per in-memory reasoning batch (bench/README.md)
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


def _instantiate(p: Pattern, row: ox.QuerySolution) -> ox.Triple | None:
    s, pr, o = (_ox(t, row) for t in p)
    if s is None or pr is None or o is None or isinstance(s, ox.Literal) or not isinstance(pr, ox.NamedNode):
        return None
    return ox.Triple(s, pr, o)


def statement_iri(t: ox.Triple) -> ox.NamedNode:
    """A stable IRI for the statement (s, p, o), used in explanations."""
    digest = hashlib.sha1(f"{t.subject} {t.predicate} {t.object}".encode()).hexdigest()[:24]
    return ox.NamedNode(_STMT + digest)


def _rule_descriptions(rules: list[Rule]) -> list[ox.Quad]:
    """What the explanation graph says about each rule: kind, title, file."""
    quads = []
    for r in rules:
        node = ox.NamedNode(str(r.iri))
        quads += [ox.Quad(node, ox.NamedNode(_RDF + "type"), ox.NamedNode(str(RG.Rule)), _EXP),
                  ox.Quad(node, ox.NamedNode(_RDFS + "label"), ox.Literal(r.title, language="en"), _EXP),
                  ox.Quad(node, ox.NamedNode(str(RG.ruleKind)), ox.Literal(r.kind), _EXP),
                  ox.Quad(node, ox.NamedNode(str(RG.ruleFile)), ox.Literal(_display(r.path)), _EXP)]
        if r.description:
            quads.append(ox.Quad(node, ox.NamedNode(_RDFS + "comment"),
                                 ox.Literal(r.description, language="en"), _EXP))
    return quads


class Reasoner:
    """Materialises rule conclusions in one writable store."""

    def __init__(self, store: ox.Store, rules: list[Rule], *, first_round: int = 1,
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
        self._explain += _rule_descriptions(self.rules)

    def apply(self, rule: Rule, round_no: int) -> int:
        """Run one rule once; return how many new triples it concluded."""
        if rule.id in self.unrecorded and rule.ground_template:
            return self._apply_unrecorded(rule)
        try:
            rows = list(select(self.store, rule.select_query(), use_default_graph_as_union=True))
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
            self.concluded += new_quads
            self._mark(new_quads)
            self._explain += explain
            self.report.fired[rule.id] = self.report.fired.get(rule.id, 0) + len(new_quads)
        return len(new_quads)

    def _apply_unrecorded(self, rule: Rule) -> int:
        """Run a rule as a CONSTRUCT inside the store and add what is new, without a derivation."""
        try:
            found = set(construct(self.store, rule.construct_query(), use_default_graph_as_union=True))
        except (SyntaxError, OSError, ValueError) as exc:
            raise ReasoningError(f"rule '{rule.id}' failed: {exc}", file=_display(rule.path),
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


class CaseReasoner:
    """Reasons the ontology once, then each independent part of the cases with it.

    `run` reasons the cases of a built store. `kg.store.build_store(reason=True)`
    uses `prepare` and `reason_batch` directly, on the cases it is loading."""

    def __init__(self, rules: list[Rule], *, batch_triples: int = BATCH_TRIPLES,
                 unrecorded: frozenset[str] = frozenset()) -> None:
        self.rules = rules
        self.case_rules = [r for r in rules if r.scope == "case"]
        self.batch_triples = batch_triples
        self.unrecorded = unrecorded
        self.report = ReasonReport(mode="per case")
        self.schema_quads: list[ox.Quad] = []
        self.first_round = 1

    def prepare(self, ontology_quads: list[ox.Quad]) -> list[ox.Quad]:
        """Reason the ontology alone; return its conclusions, the rules' descriptions and the
        derivations, to add to the store."""
        schema = ox.Store()
        schema.extend(ontology_quads)
        tbox = Reasoner(schema, self.case_rules, unrecorded=self.unrecorded)
        tbox.run(keep_explanations=True)
        self.schema_quads = list(schema)
        self.report.add(tbox.report)
        self.first_round = tbox.report.rounds + 1
        return tbox.concluded + _rule_descriptions(self.rules) + tbox.explanations

    def shared_nodes(self) -> set[Any]:
        """The ontology's nodes (every part has them), as Oxigraph terms."""
        from .partition import schema_nodes

        return schema_nodes(self.schema_quads)

    def reason_batch(self, quads: list[ox.Quad]) -> list[ox.Quad]:
        """Reason some parts' quads with the ontology in memory; return the conclusions and
        their derivations."""
        mem = ox.Store()
        mem.extend(self.schema_quads)
        mem.extend(quads)
        r = Reasoner(mem, self.case_rules, first_round=self.first_round, unrecorded=self.unrecorded)
        r.run(keep_explanations=True)
        self.report.add(r.report)
        self.report.batches += 1
        return r.concluded + r.explanations

    def reason_batches(self, store: ox.Store, plan: list[list[Any]], quads_of: Callable[[list[Any]], list[ox.Quad]],
                       *, load_input: bool, progress: Progress | None, total: int, stage: str) -> None:
        """Reason each batch of the plan (lists of case graphs; `quads_of` gives a batch's
        quads) and bulk-load the conclusions (and, with `load_input`, the batch itself), one
        bulk load per batch: the bulk loader buffers what it is given. With more than one
        batch and core, worker processes reason the batches, a few ahead of the loading."""
        done = 0
        report_progress(progress, stage, done, total)
        work = ((quads_of(batch), len(batch)) for batch in plan)
        workers = _workers() if len(plan) > 1 else 1
        if workers < 2:
            for quads, n in work:
                store.bulk_extend((quads if load_input else []) + self.reason_batch(quads))
                done += n
                report_progress(progress, stage, done, total)
            return
        import multiprocessing
        from collections import deque

        nq = ox.RdfFormat.N_QUADS
        # Fresh interpreters, not forks: a fork would share (and, to `ps`, seem to hold) the
        # parent's whole heap, the compiled cases included.
        context = multiprocessing.get_context("spawn")
        init = (self.rules, self.unrecorded, ox.serialize(self.schema_quads, format=nq), self.first_round)
        with context.Pool(workers, initializer=_worker_init, initargs=init) as pool:
            pending: deque[tuple[Any, int]] = deque()

            def collect() -> None:
                nonlocal done
                result, n = pending.popleft()
                data, numbers = result.get()
                # ox.parse keeps blank node labels (the ontology's), Store.bulk_load would not
                store.bulk_extend(ox.parse(data, format=nq))
                self.report.add(ReasonReport(**numbers))
                self.report.batches += 1
                done += n
                report_progress(progress, stage, done, total)

            for quads, n in work:
                if load_input:
                    store.bulk_extend(quads)
                data = ox.serialize(quads, format=nq)
                pending.append((pool.apply_async(_worker_batch, (data,)), n))
                while len(pending) > 2 * workers:
                    collect()
            while pending:
                collect()

    def finish(self, store: ox.Store) -> None:
        """Run the rules that compare across cases (`scope: store`) on the whole store."""
        if len(self.case_rules) < len(self.rules):
            r = Reasoner(store, self.rules, first_round=self.report.rounds + 1, unrecorded=self.unrecorded)
            r.run(keep_explanations=True)
            store.extend(r.explanations)
            self.report.add(r.report)
            self.report.mode = "per case, then the whole store for rules with `scope: store`"

    def run(self, store: ox.Store, progress: Progress | None = None) -> ReasonReport:
        """Reason the cases of a built store."""
        from .partition import SchemaStatement, batches, partitions

        start = time.perf_counter()
        onto = ox.NamedNode(str(ONTOLOGY_GRAPH))
        cases = [g for g in asserted_graphs(store) if g != onto]
        ontology_conclusions = self.prepare(list(store.quads_for_pattern(None, None, None, onto)))
        try:
            parts, sizes = partitions(store, cases, self.shared_nodes())
        except SchemaStatement as exc:
            report = Reasoner(store, self.rules, unrecorded=self.unrecorded).run(progress)
            report.mode = f"whole store: a case graph states something about the ontology ({exc})"
            return report
        self.report.parts = len(parts)
        store.bulk_extend(ontology_conclusions)
        self.reason_batches(store, list(batches(parts, sizes, self.batch_triples)),
                            lambda batch: [q for g in batch for q in store.quads_for_pattern(None, None, None, g)],
                            load_input=False, progress=progress, total=len(cases), stage="reason")
        self.finish(store)
        self.report.seconds = time.perf_counter() - start
        return self.report


def _workers() -> int:
    """How many processes reason batches: ROLEGRAPH_WORKERS, else the usable cores (at most 4)."""
    import os

    env = os.environ.get("ROLEGRAPH_WORKERS", "")
    if env.isdigit():
        return max(1, int(env))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return min(cores, 4)


_WORKER: CaseReasoner | None = None


def _worker_init(rules: list[Rule], unrecorded: frozenset[str], schema: bytes, first_round: int) -> None:
    global _WORKER
    _WORKER = CaseReasoner(rules, unrecorded=unrecorded)
    _WORKER.schema_quads = list(ox.parse(schema, format=ox.RdfFormat.N_QUADS))
    _WORKER.first_round = first_round


def _worker_batch(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """In a worker: reason one batch (N-Quads in); the conclusions and derivations (N-Quads
    out) and the counts."""
    assert _WORKER is not None
    _WORKER.report = ReasonReport()
    out = _WORKER.reason_batch(list(ox.parse(data, format=ox.RdfFormat.N_QUADS)))
    r = _WORKER.report
    numbers: dict[str, Any] = {"inferred": r.inferred, "derivations": r.derivations, "rounds": r.rounds,
                               "fired": r.fired}
    return ox.serialize(out, format=ox.RdfFormat.N_QUADS) or b"", numbers  # None only when given a file


def mark_reasoned(store: ox.Store, rules: list[Rule]) -> None:
    """Record in the meta graph that the store's inferences are up to date, and by which rules."""
    store.add(ox.Quad(_REASONED, ox.NamedNode(BASE + "meta#rules"),
                      ox.Literal(" ".join(r.id for r in rules)), _META_GRAPH))


def reason_while_loading(store: ox.Store, case_set: Any, extensions: list[Any] | None,
                         progress: Progress | None = None, *, release: bool = False) -> ReasonReport:
    """Load validated cases into a new store (its ontology already loaded), reasoning each
    batch of independent cases with the ontology on the way, in one bulk load per batch.
    With `release`, each case graph is dropped from `case_set` once it is loaded, so that
    memory does not hold the corpus twice."""
    import itertools

    from rdflib import Literal

    from .partition import SchemaStatement, batches, group
    from .store import graph_quads, meta_quads

    start = time.perf_counter()
    rules = load_rules([e.rules for e in extensions or [] if e.rules is not None])
    unrecorded = unrecorded_rules(rules)
    names = list(case_set.graphs)
    cr = CaseReasoner(rules, unrecorded=unrecorded)
    onto = ox.NamedNode(str(ONTOLOGY_GRAPH))
    ontology_conclusions = cr.prepare(list(store.quads_for_pattern(None, None, None, onto)))
    shared = {n.value for n in cr.shared_nodes() if not isinstance(n, ox.Literal)}
    try:
        parts, sizes = group(names, ((n, case_set.graphs[n]) for n in names), shared,
                             lambda t: isinstance(t, Literal), str)
    except SchemaStatement as exc:
        store.bulk_extend(itertools.chain(
            (q for n in names for q in graph_quads(case_set.graphs[n], ox.NamedNode(str(n)))),
            meta_quads(case_set, extensions)))
        report = Reasoner(store, rules, unrecorded=unrecorded).run(progress)
        report.mode = f"whole store: a case graph states something about the ontology ({exc})"
        mark_reasoned(store, rules)
        return report
    cr.report.parts = len(parts)

    # One bulk load per batch: the bulk loader buffers what it is given, so one load of
    # everything would hold the whole corpus in memory a second time.
    store.bulk_extend(ontology_conclusions)
    def batch_quads(batch: list[Any]) -> list[ox.Quad]:
        quads = [q for n in batch for q in graph_quads(case_set.graphs[n], ox.NamedNode(str(n)))]
        if release:
            for n in batch:
                del case_set.graphs[n]
        return quads

    cr.reason_batches(store, list(batches(parts, sizes, cr.batch_triples)), batch_quads,
                      load_input=True, progress=progress, total=len(names), stage="build")
    store.bulk_extend(meta_quads(case_set, extensions))
    cr.finish(store)
    mark_reasoned(store, rules)
    cr.report.seconds = time.perf_counter() - start
    return cr.report


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


def unrecorded_rules(rules: list[Rule], known: set[str] | None = None) -> frozenset[str]:
    """The axiom rules whose conclusions `kg.explain` re-derives instead of reading a record:
    those among `known` (the rules a store's explainer will load), by default all."""
    return frozenset(r.id for r in rules if r.kind == "axiom" and (known is None or r.id in known))


def store_rules(store: ox.Store) -> list[Rule]:
    """The rules that apply to a store: the shipped ones and those of its extensions."""
    from .store import store_extensions

    return load_rules([e.rules for e in store_extensions(store) if e.rules is not None])


def reason(store: ox.Store, *, extra_rules: list[Path] | None = None, progress: Progress | None = None,
           whole_store: bool = False, record_all: bool = False) -> ReasonReport:
    """Recompute all inferences of a writable store from scratch (with its extensions' rules).

    Each case is reasoned with the ontology (`CaseReasoner`); `whole_store` runs
    every rule over the whole store instead (slower; the reference the tests compare with).
    Derivations are recorded for every rule except the axiom rules `kg.explain` can
    re-derive on demand (the store's own rules, not `extra_rules`); `record_all` records
    those too."""
    from .store import store_extensions

    ext_rules = [e.rules for e in store_extensions(store) if e.rules is not None]
    rules = load_rules([*ext_rules, *(extra_rules or [])])
    extra = [Path(d).resolve() for d in extra_rules or []]
    known = {r.id for r in rules if not any(r.path.resolve().is_relative_to(d) for d in extra)}
    unrecorded = frozenset() if record_all else unrecorded_rules(rules, known)
    clear_inferences(store)
    if getattr(store, "is_remote", False):  # a kg.remote.RemoteStore: the rules run inside that store
        from .remote import RemoteStore, remote_reasoner

        assert isinstance(store, RemoteStore)
        report = remote_reasoner(store, rules).run(progress)
    elif whole_store:
        report = Reasoner(store, rules, unrecorded=unrecorded).run(progress)
    else:
        report = CaseReasoner(rules, unrecorded=unrecorded).run(store, progress)
        store.optimize()  # merge the files the batches' bulk loads wrote: queries read far fewer
    mark_reasoned(store, rules)
    return report

"""Reasoning case by case: the ontology once, then each independent part of the cases with it.

Cases share only the ontology, so the rules need not run over the whole store.
The ontology is reasoned alone once, then each part of the store (`partition`:
one case, or cases that mention a common node) together with the ontology and
its inferences, in a small in-memory store, batch by batch, and the conclusions
and their derivations are copied back. Time and memory grow linearly with the
number of cases, and the closure is the same as a whole-store run
(`tests/test_reason_partition.py`). Rules marked `scope: store` compare across
cases; when there are any, they and the rest run on the whole store after the
per-case fixpoint. With more than one batch and core, worker processes reason
the batches.
"""

from __future__ import annotations

import itertools
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import pyoxigraph as ox

from ..errors import Msg
from ..i18n import N_
from ..iris import EXPLANATION_GRAPH, META_GRAPH, ONTOLOGY_GRAPH, RDF
from ..progress import Progress
from ..progress import report as report_progress
from ..stores.base import GraphStore
from ..stores.embedded import EmbeddedStore, in_memory, load_ontology_into
from ..stores.layout import asserted_graphs, graph_quads, meta_nquads, meta_quads, to_ox
from ..workers import Setup, Workers, state, worker_count
from .engine import (
    BATCH_TRIPLES,
    LOAD_QUADS,
    Reasoner,
    ReasonReport,
    mark_reasoned,
    reason_in_memory,
    rule_descriptions,
    split_blank,
    unrecorded_rules,
)
from .partition import SchemaStatement, batches, group, joining_properties, partitions, schema_nodes
from .rules import Rule, load_rules

_EXP = ox.NamedNode(EXPLANATION_GRAPH)


@dataclass(frozen=True)
class _Schema:
    """What reasoning an ontology alone with some rules gives (`CaseReasoner.prepare`)."""

    ontology: list[ox.Quad]  # as first given: the order every later use serializes them in
    concluded: list[ox.Quad]
    explanations: list[ox.Quad]
    report: ReasonReport
    joining: set[Any]


# The ontology's conclusions by the ontology's quads and the rules: a process that reasons
# many stores built from the same ontology (a notebook, the tests; kg.stores.layout loads the
# same triples and blank nodes in every build of a process) reasons the ontology once.
_SCHEMA: dict[tuple[Any, ...], _Schema] = {}
_META = ox.NamedNode(META_GRAPH)


class CaseReasoner:
    """Reasons the ontology once, then each independent part of the cases with it.

    `run` reasons the cases of a built store. `kg.pipeline.build_store(reason=True)`
    uses `prepare` and `reason_batch` directly, on the cases it is loading."""

    def __init__(self, rules: list[Rule], *, batch_triples: int = BATCH_TRIPLES,
                 unrecorded: frozenset[str] = frozenset()) -> None:
        self.rules = rules
        self.case_rules = [r for r in rules if r.scope == "case"]
        self.batch_triples = batch_triples
        self.unrecorded = unrecorded
        self.report = ReasonReport(mode=N_("per case"))
        self.schema_quads: list[ox.Quad] = []
        self.joining: set[Any] = set()
        self.first_round = 1

    def prepare(self, ontology_quads: list[ox.Quad]) -> list[ox.Quad]:
        """Reason the ontology alone; return its conclusions, the rules' descriptions and the
        derivations, to add to the store."""
        # A set: the quads of the same ontology come in the order of the store they are read
        # from (`prepare_ahead` reads them from one in memory, a build from its new store).
        key = (frozenset(ontology_quads), tuple(self.case_rules), self.unrecorded)
        known = _SCHEMA.get(key)
        if known is None:
            schema = in_memory(ontology_quads)
            tbox = Reasoner(schema, self.case_rules, unrecorded=self.unrecorded, scratch=True)
            tbox.run(keep_explanations=True)
            known = _Schema(list(ontology_quads), tbox.concluded, tbox.explanations, tbox.report,
                            joining_properties(list(ontology_quads) + tbox.concluded))
            if len(_SCHEMA) >= 4:
                _SCHEMA.pop(next(iter(_SCHEMA)))
            _SCHEMA[key] = known
        self.schema_quads = known.ontology + known.concluded
        self.joining = set(known.joining)
        self.report.add(known.report)
        self.first_round = known.report.rounds + 1
        return known.concluded + rule_descriptions(self.rules) + known.explanations

    def worker_setup(self) -> Setup:
        """What a worker builds before it reasons batches: the rules and the ontology's closure
        (the same bytes, so the same setup, for every `CaseReasoner` prepared on the same
        ontology and rules in this process: `prepare_ahead`'s, then a build's)."""
        return Setup.of(_worker_setup, self.rules, self.unrecorded,
                        ox.serialize(self.schema_quads, format=ox.RdfFormat.N_QUADS), self.first_round)

    def shared_nodes(self) -> set[Any]:
        """The ontology's nodes (every part has them), as Oxigraph terms."""
        return schema_nodes(self.schema_quads)

    def reason_batch(self, quads: list[ox.Quad]) -> list[ox.Quad]:
        """Reason some parts' quads with the ontology in memory; return the conclusions and
        their derivations."""
        mem = in_memory(self.schema_quads)
        mem.extend(quads)
        r = self.reason_loaded(mem, quads)
        return r.concluded + r.explanations

    def reason_loaded(self, mem: EmbeddedStore, quads: list[ox.Quad], keys: Iterable[str] = ()) -> Reasoner:
        """Reason a batch already in `mem` (the ontology's closure and the parts: `quads` and
        whatever triples the change keys `keys` stand for); the finished reasoner."""
        # The ontology's part is at the rules' fixpoint (`prepare`): only what the cases add is joined.
        r = Reasoner(mem, self.case_rules, first_round=self.first_round, unrecorded=self.unrecorded, scratch=True,
                     settled=quads)
        if keys:  # (settling adds to what `quads` settled)
            r.settle_keys(keys)
        r.run(keep_explanations=True)
        self.report.add(r.report)
        self.report.batches += 1
        return r

    def reason_batches(self, store: GraphStore, plan: list[list[Any]], quads_of: Callable[[list[Any]], list[ox.Quad]],
                       *, load_input: bool, progress: Progress | None, total: int, stage: str,
                       packed_of: Callable[[list[Any]], list[tuple[str, bytes]] | None] | None = None,
                       workers: Workers | None = None, meanwhile: Callable[[], bytes] | None = None) -> None:
        """Reason each batch of the plan (lists of case graphs; `quads_of` gives a batch's
        quads) and bulk-load the conclusions (and, with `load_input`, the batch itself): in
        this process one bulk load per batch (the bulk loader buffers what it is given); with
        more than one batch and core, in loads of about LOAD_QUADS quads in a thread of their
        own (`_Loads`), while worker processes reason the batches, a few ahead of the loading
        (`workers`, which are closed after the last batch is handed out, else a pool of this
        call's own); `packed_of` may give a batch as (graph IRI, zlib-compressed N-Triples)
        pairs, which a worker reads itself; with `load_input` a batch is loaded as it is handed
        out, its conclusions as they come back.
        `meanwhile`, if given, runs once here while the workers reason the first batches and
        gives N-Quads to load with them (what needs no conclusions: the meta graph)."""
        if workers is None and len(plan) > 1 and worker_count() > 1:
            with Workers(worker_count(), PRELOAD) as own:
                self.reason_batches(store, plan, quads_of, load_input=load_input, progress=progress, total=total,
                                    stage=stage, packed_of=packed_of, workers=own, meanwhile=meanwhile)
            return
        done = 0
        report_progress(progress, stage, done, total)
        nq = ox.RdfFormat.N_QUADS
        if workers is None or workers.n < 2 or len(plan) < 2:
            if meanwhile is not None:
                data = meanwhile()
                bulk_load = getattr(store, "bulk_load", None)  # Oxigraph's own parser and loader
                if bulk_load is not None and b"_:" not in data:
                    bulk_load(data, format=nq, lenient=True)
                else:
                    store.bulk_extend(ox.parse(data, format=nq))
            for batch in plan:
                quads = quads_of(batch)
                n = len(batch)
                store.bulk_extend((quads if load_input else []) + self.reason_batch(quads))
                done += n
                report_progress(progress, stage, done, total)
            return
        loads = _Loads(store)
        setup = self.worker_setup()
        pending: deque[tuple[Any, int]] = deque()

        def collect() -> None:
            nonlocal done
            result, n = pending.popleft()
            data, blank, numbers = result.get()
            loads.add(data, blank)
            self.report.add(ReasonReport(**numbers))
            self.report.batches += 1
            done += n
            report_progress(progress, stage, done, total)

        try:
            for batch in plan:
                blobs = packed_of(batch) if packed_of is not None else None
                if blobs is None:
                    data = ox.serialize(quads_of(batch), format=nq) or b""
                    args: tuple[bytes, list[tuple[str, bytes]]] = (data, [])
                    sent = data if load_input else b""
                else:  # the worker reads the compressed cases itself: none parsed here
                    args = (b"", blobs)
                    sent = _as_nquads(blobs) if load_input else b""
                pending.append((workers.submit(setup, _worker_batch, *args), len(batch)))
                # The batch itself is loaded now, not with its conclusions: the first bulk loads
                # run while the workers reason the first batches, not after them (bench/README.md).
                loads.add(sent)
                if meanwhile is not None and len(pending) >= min(len(plan), 2 * workers.n):
                    loads.add(meanwhile())  # every worker has a batch, and the next to hand out
                    meanwhile = None
                while len(pending) > 2 * workers.n:
                    collect()
            # Nothing more to send: each worker exits after its last batch, giving back its
            # memory while the last conclusions are loaded.
            workers.close()
            while pending:
                collect()
            loads.finish()
        finally:
            loads.close()

    def finish(self, store: GraphStore) -> None:
        """Run the rules that compare across cases (`scope: store`) on the whole store."""
        if len(self.case_rules) < len(self.rules):
            # On a copy without the explanations (rules must not read those) and where
            # equality may rewrite.
            mem = in_memory([q for q in store.quads_for_pattern(None, None, None, None)
                             if q.graph_name not in (_EXP, _META)])
            r = Reasoner(mem, self.rules, first_round=self.report.rounds + 1, unrecorded=self.unrecorded,
                         scratch=True)
            r.run(keep_explanations=True)
            store.extend(r.concluded)
            store.extend(r.explanations)
            self.report.add(r.report)
            self.report.mode = N_("per case, then the whole store for rules with `scope: store`")

    def run(self, store: GraphStore, progress: Progress | None = None) -> ReasonReport:
        """Reason the cases of a built store."""
        start = time.perf_counter()
        onto = ox.NamedNode(ONTOLOGY_GRAPH)
        cases = [g for g in asserted_graphs(store) if g != onto]
        ontology_conclusions = self.prepare(list(store.quads_for_pattern(None, None, None, onto)))
        try:
            parts, sizes = partitions(store, cases, self.shared_nodes(), self.joining)
        except SchemaStatement as exc:
            report = reason_in_memory(store, self.rules, self.unrecorded, progress)
            report.mode = Msg(N_("whole store: a case graph states something about the ontology ({error})"),
                              error=str(exc))
            return report
        self.report.parts = len(parts)
        store.bulk_extend(ontology_conclusions)
        self.reason_batches(store, list(batches(parts, sizes, self.batch_triples)),
                            lambda batch: [q for g in batch for q in store.quads_for_pattern(None, None, None, g)],
                            load_input=False, progress=progress, total=len(cases), stage=N_("reason"))
        self.finish(store)
        self.report.seconds = time.perf_counter() - start
        return self.report


class _Loads:
    """The bulk loads of a build's batches and conclusions, given as N-Quads, into its store.

    They wait here as N-Quads (a fraction of the memory of Python quads) until there are about
    LOAD_QUADS of them: each bulk load writes and ingests a set of sorted files per index, so
    many small loads cost far more than a few large ones (bench/README.md); the bound keeps
    memory flat. A load runs in a thread of its own (Oxigraph's bulk loader lets go of the
    GIL), one at a time while the workers reason, so that handing out batches and collecting
    conclusions never waits for one; the last, once the workers are done and the cores free,
    in two halves at once beside the lines that name a blank node.

    Those lines wait apart: Store.bulk_load parses in Rust, without a Python object per quad,
    but renames blank nodes; ox.parse keeps their labels (the ontology's restrictions and
    lists), so they are parsed here and loaded last, in one bulk load. (Loading them in loads
    of 10,000 as they came, at 10^6 about 150,000 lines, took 1.35 s off the end but added
    more to the compaction.)"""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.bulk_load = getattr(store, "bulk_load", None)  # Oxigraph's own parser and loader
        self.chunks: list[bytes] = []
        self.labelled: list[bytes] = []
        self.waiting = 0
        self.running: deque[Future[None]] = deque()
        self.pool = ThreadPoolExecutor(3, thread_name_prefix="rolegraph-load") if self.bulk_load else None

    def add(self, data: bytes, labelled: bytes = b"") -> None:
        """N-Quads to load (and `labelled`, lines a worker has found to name a blank node)."""
        if labelled:
            self.labelled.append(labelled)
        if self.bulk_load is not None and b"_:" in data:
            # (A worker hands those lines apart already: this is for quads written here.)
            data, named = split_blank(data if data.endswith(b"\n") else data + b"\n")
            self.labelled.append(named)
        self.chunks.append(data)
        self.waiting += data.count(b"\n")
        if self.waiting >= LOAD_QUADS:
            self._start(self._take(), at_most=1)

    def _take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        self.waiting = 0
        return data

    def _start(self, data: bytes, at_most: int) -> None:
        """Start loading `data` once fewer than `at_most` loads run."""
        if not data:
            return
        if self.pool is None or self.bulk_load is None:
            self.store.bulk_extend(ox.parse(data, format=ox.RdfFormat.N_QUADS))
            return
        while len(self.running) >= at_most:
            self.running.popleft().result()
        # Every line was written by Oxigraph's serializer (here or in a worker, from terms
        # already checked) or from checked IRIs (`meta_nquads`, a compiled case's `CaseLines`):
        # `lenient` skips validating each IRI again (bench/README.md).
        self.running.append(self.pool.submit(self.bulk_load, data, format=ox.RdfFormat.N_QUADS, lenient=True))

    def finish(self) -> None:
        """Load everything that waits and wait for every load."""
        data = self._take()
        half = data.find(b"\n", len(data) // 2) + 1 if len(data) > 2 * 1024 * 1024 else 0
        self._start(data[half:], at_most=3)
        self._start(data[:half], at_most=3)
        if self.labelled:
            self.store.bulk_extend(ox.parse(b"".join(self.labelled), format=ox.RdfFormat.N_QUADS))
            self.labelled.clear()
        while self.running:
            self.running.popleft().result()

    def close(self) -> None:
        """Wait for the loads that run (a failed build's folder is removed only after them)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


PRELOAD = (__name__,)  # what a worker imports as it starts


def prepare_ahead(extensions: list[Any] | None) -> Setup:
    """Load the rules and reason the ontology alone, into this process's caches, as
    `reason_while_loading` will for the same extensions: for a caller with time to spare
    before it (`rolegraph build`, in a thread while its workers read the case files; at 10^5
    about a tenth of a second that would otherwise pass between reading and reasoning with
    the workers idle). Returns the setup of the workers that will reason the batches, for
    the caller to have them build it early (`Workers.warm`)."""
    rules = load_rules([e.rules for e in extensions or [] if e.rules is not None])
    onto = in_memory([])
    load_ontology_into(onto, [e.ontology for e in extensions or []])
    # Read back from a store, as a build reads them from its own: the same terms (a store
    # writes a typed literal in its canonical form), so `prepare` finds them in `_SCHEMA`.
    cr = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
    cr.prepare(list(onto.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_GRAPH))))
    return cr.worker_setup()


def _worker_setup(rules: list[Rule], unrecorded: frozenset[str], schema: bytes, first_round: int) -> CaseReasoner:
    """In a worker, once: the reasoner of the batches, with the ontology's closure."""
    worker = CaseReasoner(rules, unrecorded=unrecorded)
    worker.schema_quads = list(ox.parse(schema, format=ox.RdfFormat.N_QUADS))
    worker.first_round = first_round
    return worker


def _as_nquads(packed: list[tuple[str, bytes]]) -> bytes:
    """Graphs given as zlib-compressed N-Triples (each line ending in " .\n": a line break
    in a literal is escaped) as N-Quads."""
    return b"".join(zlib.decompress(blob).replace(b" .\n", b" <" + graph.encode() + b"> .\n")
                    for graph, blob in packed)


def _worker_batch(data: bytes, packed: list[tuple[str, bytes]]) -> tuple[bytes, bytes, dict[str, Any]]:
    """In a worker: reason one batch (N-Quads in, and graphs as zlib-compressed N-Triples);
    the conclusions and derivations as N-Quads, those that name a blank node apart (the
    store's bulk loader would rename it), and the counts."""
    worker: CaseReasoner = state()
    worker.report = ReasonReport()
    nq, nt = ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES
    mem = in_memory(worker.schema_quads)
    quads = list(ox.parse(data, format=nq)) if data else []
    loaded: list[str] = []
    for graph, blob in packed:
        name = ox.NamedNode(graph)
        text = zlib.decompress(blob)
        if b"_:" in text:  # a blank node: parsed here, its label kept (Store.load renames it)
            quads += [ox.Quad(t.subject, t.predicate, t.object, name) for t in ox.parse(text, format=nt)]
            continue
        # A compiled case's N-Triples (kg.cases.compile.CaseLines, or Oxigraph's writer): read in
        # Rust, no Python object per triple; each line ends in " .\n" (a line break in a
        # literal is escaped).
        mem.load(text, format=nt, to_graph=name, lenient=True)
        loaded.append(str(name))
    mem.extend(quads)
    r = worker.reason_loaded(mem, quads, _change_keys(mem, loaded))
    report = worker.report
    numbers = {"inferred": report.inferred, "derivations": report.derivations, "rounds": report.rounds,
               "fired": report.fired}
    blank, triple = ox.BlankNode, ox.Triple
    plain: list[ox.Quad] = []
    labelled: list[ox.Quad] = []
    for q in r.explanations:
        o = q.object
        named = isinstance(q.subject, blank) or isinstance(o, blank) or \
            (isinstance(o, triple) and (isinstance(o.subject, blank) or isinstance(o.object, blank)))
        (labelled if named else plain).append(q)
    concluded, concluded_blank = r.concluded_nquads()
    return (concluded + (ox.serialize(plain, format=nq) or b""),
            concluded_blank + (ox.serialize(labelled, format=nq) or b""), numbers)


def _change_keys(store: EmbeddedStore, graphs: list[str]) -> set[str]:
    """What the triples of some graphs change (`Reasoner.settle_keys`): their predicates, and
    `type|C` for each class C they type with, asked of the store (no Python object per triple)."""
    if not graphs:
        return set()
    rows = cast(ox.QuerySolutions, store.query(
        f"SELECT DISTINCT ?p ?c WHERE {{ VALUES ?g {{ {' '.join(graphs)} }} GRAPH ?g {{ ?s ?p ?o }} "
        f"BIND(IF(?p = <{RDF}type> && isIRI(?o), ?o, ?none) AS ?c) }}"))
    keys: set[str] = set()
    for row in rows:
        keys.add(row["p"].value)
        if row["c"] is not None:
            keys.add("type|" + row["c"].value)
    return keys


def _triples_of(graph: Any) -> Any:
    """A case's triples as Oxigraph terms, converted from rdflib's; a case packed by a worker
    (`kg.cases.packed`) as itself: it knows what it mentions (`partition.Mentions`)."""
    if hasattr(graph, "mentions"):
        return graph
    return ((to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph)


def reason_while_loading(store: GraphStore, case_set: Any, extensions: list[Any] | None,
                         progress: Progress | None = None, *, release: bool = False,
                         workers: Workers | None = None) -> ReasonReport:
    """Load validated cases into a new store (its ontology already loaded), reasoning each
    batch of independent cases with the ontology on the way, in one bulk load per batch.
    With `release`, each case graph is dropped from `case_set` once it is loaded, so that
    memory does not hold the corpus twice. `workers` may be a pool already started (the
    reasoning closes it: see `CaseReasoner.reason_batches`)."""
    start = time.perf_counter()
    rules = load_rules([e.rules for e in extensions or [] if e.rules is not None])
    unrecorded = unrecorded_rules(rules)
    names = list(case_set.graphs)
    cr = CaseReasoner(rules, unrecorded=unrecorded)
    onto = ox.NamedNode(ONTOLOGY_GRAPH)
    ontology_conclusions = cr.prepare(list(store.quads_for_pattern(None, None, None, onto)))
    shared = {n for n in cr.shared_nodes() if not isinstance(n, ox.Literal)}
    try:
        parts, sizes = group(names, ((n, _triples_of(case_set.graphs[n])) for n in names), shared, cr.joining)
    except SchemaStatement as exc:
        store.bulk_extend(itertools.chain(
            (q for n in names for q in graph_quads(case_set.graphs[n], ox.NamedNode(str(n)))),
            meta_quads(case_set, extensions)))
        report = reason_in_memory(store, rules, unrecorded, progress)
        report.mode = Msg(N_("whole store: a case graph states something about the ontology ({error})"),
                              error=str(exc))
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

    def batch_packed(batch: list[Any]) -> list[tuple[str, bytes]] | None:
        blobs: list[Callable[[], bytes]] = []
        for n in batch:
            blob = getattr(case_set.graphs[n], "zlib_ntriples", None)
            if blob is None:
                return None  # a case read here (an RDF file, a case in several files): as quads
            blobs.append(blob)
        out = [(str(n), b()) for n, b in zip(batch, blobs)]
        if release:
            for n in batch:
                del case_set.graphs[n]
        return out

    cr.reason_batches(store, list(batches(parts, sizes, cr.batch_triples)), batch_quads,
                      load_input=True, progress=progress, total=len(names), stage=N_("build"),
                      packed_of=batch_packed, workers=workers,
                      meanwhile=lambda: meta_nquads(case_set, extensions))
    cr.finish(store)
    mark_reasoned(store, rules)
    cr.report.seconds = time.perf_counter() - start
    return cr.report

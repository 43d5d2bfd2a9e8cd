"""Incremental builds: a rebuild re-reads, re-validates, re-compiles and re-reasons only what changed.

A build records in the store's meta graph, for each case file, the SHA-256 of its
bytes and the case graphs it wrote, and one digest of everything else the store
depends on (`setup_digest`: the ontology, shapes, rules, extensions, the code that
compiles and reasons, and the build's options). A rebuild into an existing store
with the same setup digest then:

1. hashes the case files and compares them with the record: changed, added and
   removed files, plus every file that writes to a graph one of those wrote to
   (a case spread over several files), are re-read, validated and compiled;
2. copies the store (`Store.backup`, hard links: no data is copied) and works on
   the copy, which is swapped in only when complete (a failed rebuild leaves the
   previous store as it was);
3. widens the changed case graphs to every case graph sharing a node with them
   (the parts `kg.reasoning.partition` reasons together), re-reasons those parts
   as they were and as they are, in memory with the ontology's closure, and
   removes the conclusions and derivations only the old parts had and adds those
   only the new parts have;
4. replaces the changed case graphs and their records in the meta graph.

Anything else is a full build (`plan` says why): no store yet, a store built by
an older rolegraph or with another setup, a reasoned store rebuilt without
`--reason` (or the other way round), more than half of the files changed, a case
graph that states something about the ontology, rules that compare across cases
(`scope: store`), or a changed file that now writes to an unchanged file's graph.
"""

from __future__ import annotations

import gc
import hashlib
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .cases.validate import collect_files, file_digest, load_cases
from .errors import Msg
from .i18n import N_
from .iris import CASE_GRAPH_PREFIX, META, ONTOLOGY_GRAPH
from .ontology import Ontology
from .progress import Progress
from .progress import report as report_progress
from .reasoning.engine import unrecorded_rules
from .reasoning.partition import SchemaStatement, partitions
from .reasoning.per_case import CaseReasoner
from .reasoning.rules import load_rules
from .resources import data_dir, ontology_files, shapes_file
from .stores.answers import version as store_version
from .stores.embedded import EmbeddedStore, discard_failed_build, read_only_store
from .stores.folder import (
    Notice,
    building_path,
    recover,
    remove_leftovers,
    swap_in,
    write_marker,
)
from .stores.layout import (
    META_GRAPH,
    SOURCE,
    BuildReport,
    graph_quads,
    is_reasoned,
    recorded_sources,
    source_node,
    source_quads,
)
from .stores.lock import writer_lock

_KG = Path(__file__).resolve().parent
# The code whose output a store holds: compiling cases, the graph layout, reasoning.
_CODE_DIRS = ("cases", "reasoning", "stores")
_BUILD = ox.NamedNode(META + "build")
_FILE = ox.NamedNode(META + "file")
_BUILT_AT = ox.NamedNode(META + "builtAt")
_DEFINED_AT = ox.NamedNode(META + "definedAt")
_RDF_SUBJECT = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject")


def setup_digest(extensions: list[Any], *, shacl: bool | None) -> str:
    """A digest of everything a store depends on besides its case files (whether it is
    reasoned is recorded apart)."""
    h = hashlib.sha256()
    try:
        h.update(version("rolegraph").encode())
    except PackageNotFoundError:
        h.update(b"unknown")
    h.update(f"shacl={shacl}".encode())
    files = [*ontology_files(), shapes_file(), *sorted(data_dir("rules").rglob("*.rq"))]
    files += sorted(f for d in _CODE_DIRS for f in (_KG / d).glob("*.py"))
    files += [_KG / "pipeline.py", Path(__file__)]
    for ext in extensions:
        h.update(f"extension {ext.name} {ext.path}".encode())
        files += sorted(f for f in ext.path.rglob("*") if f.is_file())
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass
class Plan:
    """What a rebuild would do: re-read `reread` (display names) of `files`, drop `removed`;
    `why` says why it is a full build instead (empty when incremental)."""

    files: list[tuple[Path, str]]
    digests: dict[str, str]
    recorded: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    reread: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    why: str = ""
    store_version: str | None = None  # of the store `recorded` was read from (kg.stores.answers.version)

    @property
    def unchanged(self) -> bool:
        return not self.why and not self.reread and not self.removed


@dataclass
class RebuildReport:
    """What an incremental rebuild did."""

    build: BuildReport
    reread: list[str]
    removed: list[str]
    cases: int  # case graphs re-reasoned (the changed ones and those sharing nodes with them)
    conclusions_removed: int = 0
    conclusions_added: int = 0


def plan(paths: Sequence[str | Path], path: Path, setup: str, *, reason: bool) -> Plan:
    """Compare the case files under `paths` with what the store at `path` records."""
    files = collect_files(paths)
    out = Plan(files, {d: file_digest(p) for p, d in files})
    if not (path / "CURRENT").exists():
        out.why = N_("no store yet")
        return out
    out.store_version = store_version(path)  # before reading: a write meanwhile changes it
    store = read_only_store(path)  # no lock: a writer may compact meanwhile
    try:
        handle = EmbeddedStore(store, path)
        recorded_setup, out.recorded = recorded_sources(handle)
        reasoned = is_reasoned(handle)
    finally:
        del store
        gc.collect()
    if not out.recorded:
        out.why = N_("the store records no case files (built by an older rolegraph)")
    elif recorded_setup != setup:
        out.why = N_("the ontology, rules, extensions, code or build options changed")
    elif reasoned != reason:
        out.why = N_("the store is reasoned and this build is not") if reasoned else N_("the store is not reasoned yet")
    if out.why:
        return out
    changed = [d for d in out.digests if out.recorded.get(d, ("", []))[0] != out.digests[d]]
    out.removed = [d for d in out.recorded if d not in out.digests]
    # a case spread over several files: every file writing to a touched graph is read again
    touched = {g for d in changed + out.removed for g in out.recorded.get(d, ("", []))[1]}
    reread = set(changed)
    grew = True
    while grew:
        more = {d for d in out.digests if d not in reread and touched & set(out.recorded.get(d, ("", []))[1])}
        grew = bool(more)
        reread |= more
        touched |= {g for d in more for g in out.recorded[d][1]}
    out.reread = [d for _, d in files if d in reread]
    if len(out.reread) * 2 > len(files):
        out.why = N_("more than half of the case files changed")
    return out


def rebuild(p: Plan, path: Path, *, extensions: list[Any], ontology: Ontology, shacl: bool | None,
            reason: bool, progress: Progress | None = None, on_wait: Notice | None = None,
            allow_remote_context: bool = False) -> RebuildReport | None:
    """Apply an incremental plan to a copy of the store and swap it in, holding the store's
    writer lock; None when the changes call for a full build after all (`p.why` says why)."""
    start = time.perf_counter()
    rules = load_rules([e.rules for e in extensions if e.rules is not None])
    if reason and any(r.scope != "case" for r in rules):
        p.why = N_("a rule compares across cases (scope: store)")
        return None
    reread = set(p.reread)
    case_set = load_cases([f for f, d in p.files if d in reread], ontology=ontology, shacl=shacl,
                          progress=progress, allow_remote_context=allow_remote_context) if reread else None
    new = {str(g): list(graph_quads(case_set.graphs[g], ox.NamedNode(str(g)))) for g in case_set.graphs} \
        if case_set is not None else {}
    old = {g for d in [*p.reread, *p.removed] for g in p.recorded.get(d, ("", []))[1]}
    kept = {g for d, (_, gs) in p.recorded.items() if d not in reread and d not in p.removed for g in gs}
    if set(new) & kept:
        p.why = N_("a changed file now writes to the graph of an unchanged file")
        return None
    with writer_lock(path, N_("build"), on_wait):
        recover(path)
        remove_leftovers(path)
        out = _rebuild_locked(p, path, new, old, case_set, rules, reason, progress)
    if out is None:
        return None
    cases, removed_n, added_n = out
    report = BuildReport(path, {g: len(q) for g, q in new.items()}, time.perf_counter() - start, None)
    return RebuildReport(report, p.reread, p.removed, cases, removed_n, added_n)


def _rebuild_locked(p: Plan, path: Path, new: dict[str, list[ox.Quad]], old: set[str], case_set: Any,
                    rules: list[Any], reason: bool, progress: Progress | None) -> tuple[int, int, int] | None:
    # The store's files as the plan saw them say it is the store the plan read; else what it
    # records is compared (a third of a second at 2,000 files).
    same = p.store_version is not None and store_version(path) == p.store_version
    source = ox.Store.read_only(str(path))
    try:
        if not same and recorded_sources(EmbeddedStore(source, path))[1] != p.recorded:
            p.why = N_("another build changed the store meanwhile")
            return None
        tmp = building_path(path)
        shutil.rmtree(tmp, ignore_errors=True)
        source.backup(str(tmp))  # a checkpoint: hard links to the immutable files
    finally:
        del source
        gc.collect()
    try:
        write_marker(tmp)
        store = EmbeddedStore(ox.Store(str(tmp)), path)
        out = _apply(store, p, new, old, case_set, rules, reason, progress)
        if out is not None:  # no optimize(): compacting a big store would cost more than the rebuild
            store.flush()
        del store
    except BaseException as exc:
        store = None  # noqa: F841  (drops the handle: RocksDB closes before its folder is removed)
        raise discard_failed_build(tmp, exc, Msg(N_("rebuilding the store"))) from exc
    gc.collect()  # the handle's bound methods hold the RocksDB store open until collected
    if out is None:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    try:
        swap_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _apply(store: EmbeddedStore, p: Plan, new: dict[str, list[ox.Quad]], old: set[str], case_set: Any,
           rules: list[Any], reason: bool, progress: Progress | None) -> tuple[int, int, int] | None:
    cases = 0
    removed_n = added_n = 0
    if reason:
        reasoner = CaseReasoner(rules, unrecorded=unrecorded_rules(rules))
        onto = ox.NamedNode(ONTOLOGY_GRAPH)
        reasoner.prepare(list(store.quads_for_pattern(None, None, None, onto)))  # already in the store
        shared = reasoner.shared_nodes()
        affected = _sharing(store, set(new) | old, new, shared)
        graphs = [ox.NamedNode(g) for g in sorted(affected)]
        try:
            partitions(store, [g for g in graphs if g.value in old or g.value not in new], shared)  # old ones
            _check_new(new, shared)
        except SchemaStatement as exc:
            p.why = Msg(N_("a case graph states something about the ontology ({error})"), error=str(exc))
            return None
        before = [q for g in graphs if g.value in old or g.value not in new
                  for q in store.quads_for_pattern(None, None, None, g)]
        after = [q for g in graphs for q in (new[g.value] if g.value in new else
                                             [] if g.value in old else store.quads_for_pattern(None, None, None, g))]
        report_progress(progress, N_("reason"), 0, 2)
        was = set(reasoner.reason_batch(before)) if before else set()
        report_progress(progress, N_("reason"), 1, 2)
        now = set(reasoner.reason_batch(after)) if after else set()
        report_progress(progress, N_("reason"), 2, 2)
        gone, added = was - now, now - was
        gone -= _still_stated(store, gone, added)
        for q in gone:
            store.remove(q)
        store.extend(added)
        cases, removed_n, added_n = len(affected), len(gone), len(added)
    # the nodes the old graphs wrote: their `file:line` records are replaced
    written = {q.subject for g in old for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))}
    for g in old:
        store.remove_graph(ox.NamedNode(g))
    store.bulk_extend(q for qs in new.values() for q in qs)
    _update_meta(store, p, case_set, written)
    return cases, removed_n, added_n


def _still_stated(store: EmbeddedStore, gone: set[ox.Quad], added: set[ox.Quad]) -> set[ox.Quad]:
    """The descriptions (rdf:Statement) among `gone` that a derivation which stays still
    uses: a premise from the ontology is described once for every part that uses it."""
    stated = {q.subject for q in gone if q.predicate == _RDF_SUBJECT}
    used = {q.object for q in added}
    keep: set[ox.Quad] = set()
    for node in stated:
        if node in used or any(q not in gone for q in store.quads_for_pattern(None, None, node, None)):
            keep.update(store.quads_for_pattern(node, None, None, None))
    return keep


def _nodes(quads: Any, shared: set[Any]) -> set[Any]:
    out = set()
    for q in quads:
        out.add(q.subject)
        if not isinstance(q.object, ox.Literal):
            out.add(q.object)
    return out - shared


def _sharing(store: EmbeddedStore, graphs: set[str], new: dict[str, list[ox.Quad]], shared: set[Any]) -> set[str]:
    """`graphs` and every case graph of the store that shares a node (outside the ontology)
    with them, old versions or new, to a fixpoint: the parts that are reasoned together."""
    done: set[str] = set()
    todo = set(graphs)
    seen: set[Any] = set()
    while todo:
        g = todo.pop()
        done.add(g)
        quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(g))) + new.get(g, [])
        for node in _nodes(quads, shared) - seen:
            seen.add(node)
            found = [q.graph_name for q in store.quads_for_pattern(node, None, None, None)]
            found += [q.graph_name for q in store.quads_for_pattern(None, None, node, None)]
            for name in found:
                if isinstance(name, ox.NamedNode) and name.value.startswith(CASE_GRAPH_PREFIX) \
                        and name.value not in done:
                    todo.add(name.value)
        for other, qs in new.items():  # two new graphs sharing a node
            if other not in done and other not in todo and _nodes(qs, shared) & seen:
                todo.add(other)
    return done


def _check_new(new: dict[str, list[ox.Quad]], shared: set[Any]) -> None:
    for g, quads in new.items():
        for q in quads:
            if q.subject in shared:
                raise SchemaStatement(g, (q.subject, q.predicate, q.object))


def _update_meta(store: EmbeddedStore, p: Plan, case_set: Any, written: set[Any]) -> None:
    """The meta graph as a full build of the same files would write it."""
    gone = set(p.reread) | set(p.removed)
    drop: list[ox.Quad] = list(store.quads_for_pattern(_BUILD, _BUILT_AT, None, META_GRAPH))
    drop += [q for q in store.quads_for_pattern(_BUILD, _FILE, None, META_GRAPH)
             if isinstance(q.object, ox.Literal) and q.object.value in p.removed]
    for d in gone:
        node = source_node(d)
        drop += [ox.Quad(_BUILD, SOURCE, node, META_GRAPH), *store.quads_for_pattern(node, None, None, META_GRAPH)]
    drop += [q for node in written for q in store.quads_for_pattern(node, _DEFINED_AT, None, META_GRAPH)
             if isinstance(q.object, ox.Literal) and q.object.value.rsplit(":", 1)[0] in gone]
    for q in drop:
        store.remove(q)
    add = [ox.Quad(_BUILD, _BUILT_AT, ox.Literal(time.strftime("%Y-%m-%dT%H:%M:%S")), META_GRAPH)]
    add += [ox.Quad(_BUILD, _FILE, ox.Literal(d), META_GRAPH) for _, d in p.files if d not in p.recorded]
    for d in p.reread:
        graphs = case_set.sources.get(d, []) if case_set is not None else []
        add += source_quads(d, p.digests[d], graphs)
    if case_set is not None:
        add += [ox.Quad(ox.NamedNode(str(node)), _DEFINED_AT, ox.Literal(f"{file}:{line}"), META_GRAPH)
                for node, (file, line) in case_set.locations.items()]
    store.extend(add)

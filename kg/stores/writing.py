"""Writing the embedded store: builds swapped in whole, and opens for writing, under the writer lock.

`build_embedded` writes a complete new store beside the old one and swaps it in
only when everything has loaded, so a failed build leaves the previous store
untouched and nothing is ever half-loaded.
"""

from __future__ import annotations

import gc
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import Msg
from ..i18n import N_
from ..iris import ONTOLOGY_GRAPH
from ..progress import Progress
from ..progress import report as report_progress
from .embedded import (
    EmbeddedStore,
    Loader,
    WhileCompacting,
    discard_failed_build,
    load_ontology_into,
    no_store,
    opened,
)
from .folder import Notice, building_path, check_replaceable, recover, remove_leftovers, swap_in, write_marker
from .layout import BuildReport, graph_quads, meta_quads
from .lock import wait_for_writer, writer_lock

LOAD_CHUNK = 100_000  # quads per bulk load when building without reasoning


@contextmanager
def open_embedded(path: Path, *, write: bool = False, on_wait: Notice | None = None) -> Iterator[EmbeddedStore]:
    """Open an existing store directory, read-only unless `write`.

    A writer holds the store's writer lock while the store is open (waiting for another
    writer, bounded, with `on_wait` told why); a reader takes no lock and reads the store
    as it is, unless a build is just swapping it in."""
    if write:
        if not path.parent.is_dir():
            raise no_store(path)
        with writer_lock(path, N_("reason"), on_wait):
            recover(path)
            remove_leftovers(path)
            gc.collect()  # read-only handles of this process that cycles keep alive: closed first
            with opened(path, write=True) as handle:
                yield handle
        return
    if not (path / "CURRENT").exists():
        # A build may be between its two renames: wait for it, then finish a swap a
        # killed build left half done.
        wait_for_writer(path, on_wait)
        if not (path / "CURRENT").exists() and path.with_name(path.name + ".old").exists():
            with writer_lock(path, N_("recover"), on_wait):
                recover(path)
    with opened(path, write=False) as handle:
        yield handle


def _load_cases(store: EmbeddedStore, case_set: Any, extensions: list[Any] | None,
                progress: Progress | None, release_cases: bool) -> None:
    # One bulk load per chunk of graphs: the bulk loader buffers what one call gives it.
    names = list(case_set.graphs)
    chunk: list[ox.Quad] = []
    for i, name in enumerate(names, 1):
        chunk += graph_quads(case_set.graphs[name], ox.NamedNode(str(name)))
        if release_cases:
            del case_set.graphs[name]
        if len(chunk) >= LOAD_CHUNK or i == len(names):
            store.bulk_extend(chunk)
            chunk = []
        report_progress(progress, N_("load"), i, len(names))
    store.bulk_extend(meta_quads(case_set, extensions))


def build_embedded(path: Path, case_set: Any, *, extensions: list[Any] | None = None,
                   progress: Progress | None = None, release_cases: bool = False,
                   loader: Loader | None = None, on_wait: Notice | None = None,
                   while_compacting: WhileCompacting | None = None) -> BuildReport:
    """Build a new store at `path` from the ontology, extensions and validated cases, then swap it in.

    `loader`, if given, fills the fresh store (its ontology loaded) instead of the plain
    bulk load, and what it returns becomes the report's `reasoned` (`kg.pipeline` passes
    reasoning while loading). `release_cases` lets the plain load drop each case graph
    from `case_set` once loaded. `while_compacting` reads the complete store while the
    last step, compaction, runs (see `WhileCompacting`).

    `path` must be new, an empty folder or a rolegraph store (ForeignFolderError, and
    nothing touched, otherwise). The build holds the store's writer lock throughout
    (`on_wait` hears when it waits for another writer)."""
    old = path.with_name(path.name + ".old")  # where the swap puts the previous store
    check_replaceable(path)
    check_replaceable(old)
    with writer_lock(path, N_("build"), on_wait):
        recover(path)
        check_replaceable(path)  # again: it may have changed while we waited
        check_replaceable(old)
        remove_leftovers(path)
        return _build(path, case_set, extensions, progress, release_cases, loader, while_compacting)


def _build(path: Path, case_set: Any, extensions: list[Any] | None, progress: Progress | None,
           release_cases: bool, loader: Loader | None, while_compacting: WhileCompacting | None) -> BuildReport:
    start = time.perf_counter()
    tmp = building_path(path)
    shutil.rmtree(tmp, ignore_errors=True)
    counts: dict[str, int] = {}
    reasoned = None
    try:
        tmp.mkdir(parents=True)
        write_marker(tmp)  # before RocksDB writes: a killed build leaves a folder known as ours
        store = EmbeddedStore(ox.Store(str(tmp)), path)
        load_ontology_into(store, [e.ontology for e in extensions or []])
        onto = ox.NamedNode(ONTOLOGY_GRAPH)
        counts[onto.value] = sum(1 for _ in store.quads_for_pattern(None, None, None, onto))
        # A fresh store, swapped in only when complete: the bulk loader needs no transaction.
        for name, g in case_set.graphs.items():
            counts[str(name)] = counts.get(str(name), 0) + len(g)
        if loader is not None:
            reasoned = loader(store)
        else:
            _load_cases(store, case_set, extensions, progress, release_cases)
        store.flush()
        after = _compact(store, while_compacting)
        del store
    except BaseException as exc:
        store = None  # noqa: F841  (drops the handle: RocksDB closes before its folder is removed)
        raise discard_failed_build(tmp, exc, Msg(N_("building the store"))) from exc
    gc.collect()  # the bound methods of the handle hold the RocksDB store open until collected
    try:
        swap_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if after is not None:
        after(path)
    return BuildReport(path, counts, time.perf_counter() - start, reasoned)


def _compact(store: EmbeddedStore, while_compacting: WhileCompacting | None) -> Callable[[Path], Any] | None:
    """Merge the files the bulk loads wrote (queries then read far fewer). RocksDB compacts
    in one thread of its own, without the GIL: `while_compacting`, if given, reads the store
    here meanwhile (at 10^6 compaction takes 5 s, the flagship query 1 s of it)."""
    if while_compacting is None:
        store.optimize()
        return None
    with ThreadPoolExecutor(1, thread_name_prefix="rolegraph-optimize") as pool:
        compacted = pool.submit(store.optimize)
        try:
            after = while_compacting(store)
        finally:
            compacted.result()  # waits; an error of the compaction is the build's (the new store is discarded)
    return after



"""The embedded store: a persistent Oxigraph (RocksDB) directory on disk, opened read-only.

What writes it (builds swapped in whole, opens for writing, both under the writer
lock) is `kg.stores.writing`: a reader such as `rolegraph query` imports neither it nor
its lock.
"""

from __future__ import annotations

import gc
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import StoreError, StoreMissingError
from ..i18n import N_
from ..iris import ONTOLOGY_GRAPH
from .base import EMBEDDED, StoreTraits
from .layout import ontology_triples

# Fills a fresh store (its ontology loaded) with the cases and the build's metadata.
Loader = Callable[["EmbeddedStore"], Any]
# Reads the complete new store while RocksDB compacts it, and gives what to do with what it
# read once the store is swapped in (`kg.pipeline` keeps the flagship answer this way).
WhileCompacting = Callable[["EmbeddedStore"], Callable[[Path], Any] | None]
# A read-only open that meets a file a writer's compaction removed is tried again this many
# times, this far apart (`read_only_store`): each try reads the manifest as it is then, and
# the window between the two reads is milliseconds.
OPEN_ATTEMPTS = 40
OPEN_RETRY_S = 0.05


_BOUND = ("query", "update", "quads_for_pattern", "named_graphs", "contains_named_graph", "add", "extend",
          "bulk_extend", "remove", "remove_graph", "flush", "optimize")


class EmbeddedStore:
    """A pyoxigraph Store with its traits: the methods are the Store's own, bound once."""

    traits: StoreTraits = EMBEDDED

    def __init__(self, store: ox.Store, path: Path | None = None, *, read_only: bool = False) -> None:
        self.ox = store
        self.path = path
        self.read_only = read_only  # opened read-only: nothing changes it while it is open (kg.stores.answers)
        # The stages call these in tight loops: bind them once instead of delegating per call.
        self.query = store.query
        self.update = store.update
        self.quads_for_pattern = store.quads_for_pattern
        self.named_graphs = store.named_graphs
        self.contains_named_graph = store.contains_named_graph
        self.add = store.add
        self.extend = store.extend
        self.bulk_extend = store.bulk_extend
        self.remove = store.remove
        self.remove_graph = store.remove_graph
        self.flush = store.flush
        self.optimize = store.optimize

    def release(self) -> None:
        """Drop this handle's references to the store, so that it closes even while a caller
        still holds the handle (a variable of a `with` block outlives the block); any later
        use of the handle is an AttributeError saying the store is closed."""
        for name in _BOUND:
            self.__dict__.pop(name, None)
        self.__dict__.pop("ox", None)

    def describe(self) -> str:
        """The store directory (or `memory`)."""
        return str(self.path) if self.path is not None else "memory"

    def __repr__(self) -> str:
        return f"<EmbeddedStore {self.describe()}>"

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self.ox)

    def __len__(self) -> int:
        return len(self.ox)

    def __getattr__(self, name: str) -> Any:
        # The rest of pyoxigraph's Store API (load, dump, bulk_load, ...) for callers that want it.
        if name == "ox" or "ox" not in self.__dict__:
            raise AttributeError(f"{name}: the store {self.describe()} is closed (its `with` block ended)")
        return getattr(self.ox, name)


def in_memory(quads: list[ox.Quad] | None = None) -> EmbeddedStore:
    """A fresh in-memory store (for reasoning batches and tests)."""
    store = EmbeddedStore(ox.Store())
    if quads:
        store.extend(quads)
    return store


def no_store(path: Path) -> StoreMissingError:
    """The error for a store directory that is not there."""
    return StoreMissingError(N_("no store at {path}"), hint=N_("run `rolegraph build cases/` first, or point --store / ROLEGRAPH_STORE at an "
                                                            "existing store"), params={"path": path})


def removed_file(exc: BaseException) -> bool:
    """Whether RocksDB's error says a file it expected is gone: a writer's compaction removed
    it under a read-only handle (or its opening), or a build is swapping the directory."""
    text = str(exc)
    return "No such file or directory" in text or "Corruption" in text


def read_only_store(path: Path) -> ox.Store:
    """The store at `path` opened read-only, taking no lock. A writer that compacts meanwhile
    (`rolegraph reason`, an incremental build) can remove a file between RocksDB's reading of
    the manifest and its opening of the file ("IO error: No such file or directory", reported
    as corruption): the open is tried again, `OPEN_ATTEMPTS` times at most, and the last
    error raised."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return ox.Store.read_only(str(path))
        except (OSError, RuntimeError) as exc:
            if attempt == OPEN_ATTEMPTS - 1 or not removed_file(exc):
                raise
            time.sleep(OPEN_RETRY_S)
    raise AssertionError("unreachable")  # the loop returns or raises


@contextmanager
def opened(path: Path, *, write: bool) -> Iterator[EmbeddedStore]:
    """The store at `path`, as it is: no lock taken (writers hold theirs, kg.stores.writing)."""
    if not (path / "CURRENT").exists():
        raise no_store(path)
    try:
        store = ox.Store(str(path)) if write else read_only_store(path)
    except (OSError, RuntimeError) as exc:
        raise StoreError(N_("cannot open the store at {path}: {exc}"),
                         hint=N_("another program may be writing to it; wait for it to finish"), params={"path": path, "exc": exc}) from exc
    handle = EmbeddedStore(store, path, read_only=not write)
    try:
        yield handle
    finally:
        if write:
            store.flush()
        handle.release()
        del store, handle
        if write:
            # Query results can keep the RocksDB handle alive in reference cycles; a later
            # open of the same directory in this process needs it really closed. A
            # read-only handle takes no lock, and a writer collects before it opens
            # (kg.stores.writing), so a query does not pay for a full collection.
            gc.collect()


def open_read_only(path: Path) -> AbstractContextManager[EmbeddedStore]:
    """Open an existing store directory read-only (no lock: `kg.stores.writing.open_embedded`
    waits out a build that is swapping it in)."""
    return opened(path, write=False)


def load_ontology_into(store: EmbeddedStore | ox.Store, extra: list[Path] | None = None) -> None:
    """Load the ontology modules (and extension modules `extra`), merged into one ontology,
    into the ontology graph."""
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in ontology_triples(extra))


def discard_failed_build(tmp: Path, exc: BaseException, what: str) -> StoreError:
    """Remove the half-built store `tmp` after `exc`; re-raise an interrupt, else give the
    StoreError to raise, saying the previous store is unchanged (`what`: building the store, rebuilding the store)."""
    # The frames of the traceback hold the store's handle (and its bound methods) open: a
    # handle closed after the folder is gone writes its files again into a new folder.
    traceback.clear_frames(exc.__traceback__)
    gc.collect()
    shutil.rmtree(tmp, ignore_errors=True)
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        raise exc
    return StoreError(N_("{what} failed: {exc}"), hint=N_("the previous store is unchanged"), params={"what": what, "exc": exc})

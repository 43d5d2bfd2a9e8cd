"""One process's handle on the served store: opened read-only (or writable, for updates), reopened
when `rolegraph build` swaps the directory or a writer changes it, and what a worker runs on it."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import StoreError
from ..i18n import N_
from ..iris import PREFIXES
from ..stores.base import GraphStore
from ..stores.embedded import EmbeddedStore, read_only_store, removed_file
from ..stores.layout import asserted_graphs, derived_graphs, is_reasoned, query_dataset, store_extensions
from ..stores.lock import writer_lock
from .errors import HttpError
from .formats import serialize

Signature = tuple[int, int, int, int]
SCAN_EVERY = 1.0  # seconds between full scans of the store's files
_scans: dict[Path, tuple[float, int, int]] = {}


def signature(path: Path) -> Signature | None:
    """Changes when the store directory is swapped (build) or written (reason, updates); None if absent.

    The directory's own inode and mtime change with every file a writer creates, renames or removes
    (a flush, a compaction, a swap); the files' own times (a write-ahead log growing in place) are
    scanned at most once a second, as a scan costs a stat per file on every request."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    now = time.monotonic()
    scanned = _scans.get(path)
    if scanned is None or now - scanned[0] >= SCAN_EVERY:
        scan = _scan(path)
        if scan is None:
            return None
        scanned = (now, *scan)
        _scans[path] = scanned
    return st.st_ino, st.st_mtime_ns, scanned[1], scanned[2]


def _scan(path: Path) -> tuple[int, int] | None:
    """The newest mtime of the store's files, and their number."""
    try:
        newest, count = 0, 0
        with os.scandir(path) as entries:
            for e in entries:
                try:
                    newest = max(newest, e.stat(follow_symlinks=False).st_mtime_ns)
                except OSError:
                    continue
                count += 1
    except OSError:
        return None
    return newest, count


class StaleHandle(Exception):
    """A read-only handle refers to files the writer has since compacted away."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text (pyoxigraph's syntax errors run on)."""
    return (str(exc).splitlines() or [""])[0]


class StoreView:
    """A store handle in one process, and the jobs that run on it."""

    def __init__(self, path: Path, writable: bool = False) -> None:
        self.path = path
        self.writable = writable
        self.store: ox.Store | None = None
        self.sig: Signature | int | None = None  # a writable handle keeps the directory's inode

    def open(self) -> ox.Store:
        """The handle, reopened when the store changed on disk."""
        if self.writable:
            inode = os.stat(self.path).st_ino if self.path.exists() else None
            if self.store is None or inode != self.sig:
                self.store = None
                gc.collect()  # the old handle must be closed before a writable one opens
                self.store = ox.Store(str(self.path))
                self.sig = inode
            return self.store
        sig = signature(self.path)
        if sig is None or not (self.path / "CURRENT").exists():
            if self.store is not None and sig is None:
                return self.store  # a build is swapping the directory: keep the old snapshot
            raise HttpError(503, N_("there is no store at {path}"),
                            N_("run `rolegraph build cases/` (and `rolegraph reason`); the server picks it up"),
                            params={"path": self.path})
        if self.store is None or sig != self.sig:
            self.store = None
            gc.collect()
            try:
                # tried again while a writer's compaction removes a file between RocksDB's
                # reading of the manifest and its opening of the file (`read_only_store`)
                self.store = read_only_store(self.path)
            except (OSError, RuntimeError) as exc:
                raise HttpError(503, N_("cannot open the store at {path}: {error}"),
                                N_("another process may be rebuilding it; try again"),
                                params={"path": self.path, "error": exc}) from exc
            self.sig = sig
        assert self.store is not None
        return self.store

    def run(self, job: dict[str, Any]) -> Any:
        """Run a job; a read-only handle that lost files to the writer's compaction is reopened."""
        for attempt in range(4):
            try:
                return self._run(job)
            except StaleHandle:
                self.store, self.sig = None, None
                time.sleep(0.05 * (attempt + 1))
        return self._run(job)

    def _run(self, job: dict[str, Any]) -> Any:
        op = job["op"]
        if op == "ping":
            return "pong"
        if op == "update":
            return self.locked_update(job)
        store = EmbeddedStore(self.open(), self.path)
        try:
            if op == "info":
                return self.info(store)
            if op == "query":
                return self.query(store, job)
            if op == "update":
                return self.update(store, job)
        except (OSError, RuntimeError) as exc:
            if not self.writable and removed_file(exc):
                raise StaleHandle() from exc
            raise HttpError(500, N_("the job '{op}' failed: {error}"), params={"op": op, "error": exc}) from exc
        raise HttpError(500, N_("unknown job '{op}'"), params={"op": op})

    @staticmethod
    def info(store: GraphStore) -> dict[str, Any]:
        """Whether the store is reasoned, its extensions and its graphs."""
        graphs = asserted_graphs(store) + derived_graphs(store)
        return {"reasoned": is_reasoned(store), "extensions": [str(e.path) for e in store_extensions(store)],
                "graphs": sorted(g.value for g in graphs)}

    def query(self, store: GraphStore, job: dict[str, Any]) -> tuple[str, bytes]:
        """(content type, body) of a query job."""
        if job.get("requires_reasoning") and not is_reasoned(store):
            raise HttpError(409, N_("query '{name}' needs reasoning, and the store has not been reasoned"),
                            N_("run `rolegraph reason` on the store (the server sees the result without a restart), "
                               "or ask with inference=false"), params={"name": job.get("name")})
        kwargs: dict[str, Any] = {}
        if job["default"] is not None or job["named"] is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job["default"] or []]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named"] or []]
        elif not job["has_from"]:
            kwargs.update(query_dataset(store, job["inference"]))
        try:
            answer = store.query(job["text"], prefixes=PREFIXES, base_iri=job.get("base_iri"), **kwargs)
            return serialize(answer, job["results_format"], job["graph_format"], job["max_rows"])
        except SyntaxError as exc:
            raise HttpError(400, N_("the query does not parse: {error}"),
                            N_("check the SPARQL syntax; the prefixes rg, role, rdf, rdfs, owl, skos, dcterms "
                               "and xsd are predefined"), params={"error": first_line(exc)}) from exc
        except ValueError as exc:
            raise HttpError(500, N_("the query failed: {error}"), params={"error": exc}) from exc

    def locked_update(self, job: dict[str, Any]) -> dict[str, bool]:
        """Run an update holding the store's writer lock, and let the handle go after it, so
        that a build or reason in between finds no other writer and no stale handle."""
        try:
            with writer_lock(self.path, "serve --allow-update"):
                try:
                    return self.update(EmbeddedStore(self.open(), self.path), job)
                finally:
                    self.store, self.sig = None, None
                    gc.collect()
        except StoreError as exc:
            raise HttpError.of(503, exc) from exc

    @staticmethod
    def update(store: GraphStore, job: dict[str, Any]) -> dict[str, bool]:
        """Apply a SPARQL update (only in the writer process)."""
        try:
            store.update(job["text"], prefixes=PREFIXES, base_iri=job.get("base_iri"))
        except SyntaxError as exc:
            raise HttpError(400, N_("the update does not parse: {error}"), N_("check the SPARQL Update syntax"),
                            params={"error": first_line(exc)}) from exc
        except ValueError as exc:
            raise HttpError(500, N_("the update failed: {error}"), params={"error": exc}) from exc
        store.flush()
        return {"ok": True}

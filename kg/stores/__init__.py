"""Where the graph lives: the one place that picks a store implementation for a `Target`.

A target is a store directory (`Path`, the embedded Oxigraph store) or a
`RemoteConfig` (a SPARQL 1.1 store). `open_store` hands out a `GraphStore` for
it; `build` loads validated cases into it, replacing what was there atomically.
Everything else works on the `GraphStore` it is given and reads its `traits`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from ..errors import StoreError
from ..i18n import N_
from ..progress import Progress
from ..targets import RemoteConfig, Target, config_from, default_store_path, describe
from .base import EMBEDDED, REMOTE, GraphStore, StoreTraits
from .embedded import Loader, WhileCompacting, open_read_only
from .folder import Notice
from .layout import BuildReport

__all__ = [
    "EMBEDDED", "REMOTE", "BuildReport", "GraphStore", "Loader", "RemoteConfig", "StoreTraits", "Target", "WhileCompacting", "build",
    "config_from",
    "default_store_path", "describe", "export_ontology", "export_store", "open_store", "serialize_quads",
    "traits_of",
]

# Exporting writes JSON-LD with rdflib: imported when first used, so that opening a store does not.
_EXPORTS = ("EXPORT_FORMATS", "export_ontology", "export_store", "serialize_quads")


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(".export", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _remote() -> Any:
    """`kg.stores.remote`, imported when a remote store is named: its HTTP client
    (SPARQLWrapper, urllib) is a tenth of a second that a local query need not pay."""
    return import_module(".remote", __name__)


def _writing() -> Any:
    """`kg.stores.writing`, imported when a store is written (or a reader must wait out a
    build's swap): its writer lock (filelock) is a fifth of a query's start-up."""
    return import_module(".writing", __name__)


def _resolve(target: Target | None) -> Target:
    return default_store_path() if target is None else target


def traits_of(target: Target | None) -> StoreTraits:
    """The traits of the store a target names, without opening it."""
    return REMOTE if isinstance(target, RemoteConfig) else EMBEDDED


@contextmanager
def open_store(target: Target | None = None, *, write: bool = False,
               on_wait: Notice | None = None) -> Iterator[GraphStore]:
    """Open the store a target names (default: the embedded store at `default_store_path()`),
    read-only unless `write` (a remote store takes updates whenever its server does).

    A writer of the embedded store holds its writer lock (`on_wait` hears when it waits
    for another writer; kg.stores.lock)."""
    target = _resolve(target)
    if isinstance(target, RemoteConfig):
        handle = _remote().RemoteStore(target)
        try:
            yield handle
        finally:
            handle.close()
        return
    if not write and (target / "CURRENT").exists():  # a reader of a complete store takes no lock
        with open_read_only(target) as store:
            yield store
        return
    with _writing().open_embedded(target, write=write, on_wait=on_wait) as handle:
        yield handle


def build(target: Target | None, case_set: Any, *, extensions: list[Any] | None = None,
          progress: Progress | None = None, release_cases: bool = False,
          loader: Loader | None = None, on_wait: Notice | None = None,
          while_compacting: WhileCompacting | None = None) -> BuildReport:
    """Load the ontology (with the extensions' modules) and validated cases into the target,
    replacing its previous contents only once everything has loaded.

    `loader` fills a fresh embedded store in place of the plain load, and
    `while_compacting` reads it at the end (see `kg.stores.writing.build_embedded`); a
    store that reasons in place takes no loader, and a remote store is not compacted."""
    target = _resolve(target)
    if isinstance(target, RemoteConfig):
        if loader is not None:
            raise StoreError(N_("a remote store is loaded as it is; it cannot reason while loading"),
                             hint=N_("build, then reason (the rules run inside the remote store)"))
        return _remote().build_remote(target, case_set, extensions=extensions)  # type: ignore[no-any-return]
    report: BuildReport = _writing().build_embedded(target, case_set, extensions=extensions, progress=progress,
                                                    release_cases=release_cases, loader=loader, on_wait=on_wait,
                                                    while_compacting=while_compacting)
    return report

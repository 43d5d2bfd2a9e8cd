"""The pipeline: build a store from validated cases, and reason it, composed from the layers below.

`build_store(cases, target, reason=True)` gives the same store as `build` then
`reason`. On the embedded store the cases are reasoned batch by batch as they
load, without reading them back from disk; a store that reasons in place (a
remote one) is loaded first and then reasoned inside itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import stores
from .progress import Progress
from .reasoning import reason as reason_store
from .reasoning import reason_while_loading
from .stores import BuildReport, WhileCompacting
from .stores.embedded import EmbeddedStore
from .stores.folder import Notice
from .targets import Target
from .workers import Workers

if TYPE_CHECKING:  # validating pulls in pySHACL; building takes cases already validated
    from .cases.validate import CaseSet


def build_store(case_set: CaseSet, target: Target | None = None, *, extensions: list[Any] | None = None,
                progress: Progress | None = None, reason: bool = False,
                release_cases: bool = False, on_wait: Notice | None = None,
                workers: Workers | None = None, while_compacting: WhileCompacting | None = None) -> BuildReport:
    """Build a new store from the ontology, extensions and validated cases, then swap it in.

    `target` is a store directory or a `RemoteConfig` (default: the embedded store at
    `kg.targets.default_store_path()`). With `reason`, the store is also reasoned; the
    report's `reasoned` says how. `release_cases` lets the build drop each case graph
    from `case_set` once loaded (the command line does; a notebook may want to keep them).
    `on_wait` hears when the build waits for another writer of the store (kg.stores.lock).
    `workers`, a pool the caller started (and shares with `load_cases`), reasons the batches.
    `while_compacting` reads the new embedded store while it is compacted, last, and gives
    what to do once it is swapped in (`kg.prime.prime_while_compacting`: the flagship answer)."""
    if reason and not stores.traits_of(target).reasons_in_place:
        def loader(store: EmbeddedStore) -> Any:
            return reason_while_loading(store, case_set, extensions, progress, release=release_cases,
                                        workers=workers)

        return stores.build(target, case_set, extensions=extensions, progress=progress,
                            release_cases=release_cases, loader=loader, on_wait=on_wait,
                            while_compacting=while_compacting)
    report = stores.build(target, case_set, extensions=extensions, progress=progress,
                          release_cases=release_cases, on_wait=on_wait,
                          while_compacting=while_compacting)
    if reason:
        with stores.open_store(target, write=True, on_wait=on_wait) as store:
            report.reasoned = reason_store(store, progress=progress)
    return report

"""The flagship answer kept when a store is reasoned, so the first query after a build is a fast one.

Answers are kept per store version (`kg.stores.answers`): a query asked again of an unchanged
store is read back. The first asking still runs it, and at 10^6 asserted triples the flagship
query takes about a second, most of it its labels. A build or a reasoning run, which just took
minutes on such a store, runs it once more on the version it leaves, with the parameters a user
gives by default and labels in the language the build ran in (`--lang`, ROLEGRAPH_LANG), so that
the first `rolegraph query role-transfer` after it reads the answer back (`build --reason` runs
it on its own handle of the new store while RocksDB compacts that, which takes longer, and keeps
it for the version it swaps in: `prime_while_compacting`). One language, not
both: after an incremental rebuild of one case, which takes about a second, each language's
run would add another second. The other language is kept when first asked. The answer is the
query's own, computed by the same code as any other: nothing is written into the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import QueryError
from .query import Result, bind_params, get_query, run_select, select_text, to_json
from .stores import answers, open_store
from .stores.base import GraphStore
from .stores.layout import is_reasoned, query_dataset, store_extensions

PRIMED = ("role-transfer",)  # the flagship question (README); others are kept when first asked


def prime_answers(store: Path, names: tuple[str, ...] = PRIMED, langs: tuple[str, ...] = ("en",)) -> int:
    """Run the named queries with their default parameters on a reasoned store and keep their
    answers for its current version; how many were kept (none on a store not yet reasoned)."""
    with open_store(store) as st:  # read-only: only a read-only handle keeps answers
        return len(_run_primed(st, names, langs))


def _run_primed(store: GraphStore, names: tuple[str, ...],
                langs: tuple[str, ...]) -> list[tuple[str, dict[str, Any], Result]]:
    """Run the named queries with their default parameters on a reasoned store (`run_select`,
    which keeps the answers on a read-only handle); each query's text, dataset and answer."""
    if not is_reasoned(store):
        return []
    dirs = [e.queries for e in store_extensions(store) if e.queries is not None]
    dataset = query_dataset(store)
    out = []
    for name in names:
        query = get_query(name, dirs)
        for lang in langs:
            bindings = bind_params(query, {}, lang=lang, store=store)
            result = run_select(store, query, bindings)
            out.append((select_text(query, bindings), dataset, result))
    return out


def prime_while_compacting(langs: tuple[str, ...] = ("en",),
                           names: tuple[str, ...] = PRIMED) -> Callable[[GraphStore], Callable[[Path], int]]:
    """`prime_answers` for a build to run on its own handle of the new store while RocksDB
    compacts it (`kg.stores.build(while_compacting=...)`): the answers are computed there,
    and kept for the store's version once it is swapped in. Compaction changes the files,
    not the data, and at 10^6 it takes five times as long as the query: the query is free."""

    def run(store: GraphStore) -> Callable[[Path], int]:
        try:  # a build's writable handle keeps nothing itself: the answers as they are kept, here
            found = [(text, dataset, to_json(result, indent=None).encode("utf-8"))
                     for text, dataset, result in _run_primed(store, names, langs)]
        except QueryError:
            found = []  # the query says what is wrong with it when it is asked; the build itself went well

        def keep(path: Path) -> int:
            for text, dataset, data in found:
                answers.keep_at(path, text, dataset, data)
            return len(found)

        return keep

    return run

"""Worker processes for the parallel stages (reading cases, reasoning batches).

A stage hands its tasks to a `Workers` pool together with a `Setup`: what each worker
process builds once for that stage (the ontology, the rules) before its first task of
it. One pool can serve several stages in turn, so a caller that knows a run will be
parallel (`rolegraph build` of many files) starts it early, while it does other work,
and its stages share it: the interpreters start and import once, not once per stage.
A stage given no pool starts its own for its duration.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, Self


def worker_count() -> int:
    """ROLEGRAPH_WORKERS, else the usable cores (at most 4)."""
    env = os.environ.get("ROLEGRAPH_WORKERS", "")
    if env.isdigit():
        return max(1, int(env))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return min(cores, 4)


@dataclass(frozen=True)
class Setup:
    """What a worker builds once before a stage's tasks: `build(*args)`, kept as the
    worker's state (`state()`) until a task of another setup comes."""

    key: str
    payload: bytes  # pickled (build, args): unpickled only by a worker that has not built it

    @classmethod
    def of(cls, build: Callable[..., Any], *args: Any) -> Setup:
        payload = pickle.dumps((build, args), protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.sha1(payload).hexdigest(), payload)


# In a worker process: the setup it has built and what that gave.
_KEY: str | None = None
_STATE: Any = None


def state() -> Any:
    """In a worker, during a task: what the task's setup built."""
    return _STATE


def _preload(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)
    gc.freeze()  # the modules live as long as the worker


def _run(key: str, payload: bytes, task: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    global _KEY, _STATE
    if _KEY != key:
        if _KEY is not None:
            _STATE = None  # one stage's state at a time: the previous one's memory goes first
            gc.unfreeze()  # (it was frozen below: a frozen cycle is never collected)
            gc.collect()  # (before the first stage there is nothing to free: no walk of the heap)
        build, build_args = pickle.loads(payload)
        _STATE = build(*build_args)
        _KEY = key
        gc.freeze()  # what the stage's tasks share is never garbage: collections need not walk it
    return task(*args)


def _nothing() -> None:
    """The task of `Workers.warm`."""


def _run_item(job: tuple[str, bytes, Callable[..., Any]], item: Any) -> Any:
    return _run(job[0], job[1], job[2], (item,))


class Workers:
    """A pool of worker interpreters, started on creation.

    By default they are spawned, fresh: a fork would share, and to `ps` seem to hold, the
    caller's whole heap, and a notebook or a long run may have a large one. `fork=True` is
    for a caller that starts the pool before it holds much (`rolegraph build`, right after
    its imports): the workers then begin with the modules the caller has imported instead
    of importing them again, each, on a small machine about half a second of CPU.
    `preload` names modules each worker imports as it starts, while the caller goes on."""

    def __init__(self, n: int, preload: tuple[str, ...] = (), *, fork: bool = False) -> None:
        self.n = n
        method = "fork" if fork and "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            gc.collect()
            gc.freeze()  # the caller's objects stay out of collections: no copy of their pages
        context = multiprocessing.get_context(method)
        self._pool: Pool = context.Pool(n, initializer=_preload, initargs=(preload,))
        if method == "fork":
            gc.unfreeze()
        self._open = True

    def imap(self, setup: Setup, task: Callable[[Any], Any], items: Iterable[Any], chunksize: int = 1) -> Iterator[Any]:
        """`task(item)` for each item, in the workers, results in order."""
        return self._pool.imap(functools.partial(_run_item, (setup.key, setup.payload, task)), items,
                               chunksize=chunksize)

    def submit(self, setup: Setup, task: Callable[..., Any], *args: Any) -> AsyncResult[Any]:
        """`task(*args)` in a worker."""
        return self._pool.apply_async(_run, (setup.key, setup.payload, task, args))

    def warm(self, setup: Setup) -> None:
        """Have the workers build `setup`'s state now, before its first task, while the caller
        does something else: a task that does nothing, one per worker (a worker may take two,
        and the other then builds it with its first real task)."""
        for _ in range(self.n):
            self._pool.apply_async(_run, (setup.key, setup.payload, _nothing, ()))

    def close(self) -> None:
        """No more tasks: each worker exits after its last one, giving back its memory."""
        if self._open:
            self._pool.close()
            self._open = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.terminate()
        self._pool.join()


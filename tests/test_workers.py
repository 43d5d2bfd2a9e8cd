"""One pool of worker processes serves stages in turn: each worker builds a stage's setup once,
before its first task of that stage, and drops it when a task of another stage comes."""

from __future__ import annotations

import gc
import os
import weakref
from typing import Any

from kg.workers import Setup, Workers, state

_BUILT: list[str] = []  # in a worker: the setups it has built, in order


def _build(tag: str) -> dict[str, str]:
    _BUILT.append(tag)
    return {"tag": tag}


def _task(x: int) -> tuple[int, str, list[str], int]:
    return os.getpid(), state()["tag"], list(_BUILT), x


def test_each_worker_builds_a_setup_once_and_the_next_stage_replaces_it() -> None:
    first, second = Setup.of(_build, "reading"), Setup.of(_build, "reasoning")
    assert first.key != second.key and Setup.of(_build, "reading") == first
    with Workers(2) as workers:
        done = list(workers.imap(first, _task, range(40), chunksize=2))
        assert [x for *_, x in done] == list(range(40))  # in order
        assert {tag for _, tag, _, _ in done} == {"reading"}
        assert all(built == ["reading"] for _, _, built, _ in done)  # built once per process, not per task
        later = [workers.submit(second, _task, i) for i in range(10)]
        workers.close()
        results = [r.get(timeout=60) for r in later]
    assert {tag for _, tag, _, _ in results} == {"reasoning"}
    for pid, _, built, _ in results:
        # a worker that read first built the reading setup, then the reasoning one, once
        assert built[-1] == "reasoning" and built.count("reasoning") == 1, (pid, built)


def test_a_forked_pool_begins_with_what_the_caller_holds_and_a_spawned_one_fresh() -> None:
    """`fork=True` (what `rolegraph build` asks for, before it holds much): the workers start
    from the caller's memory, its imports included; the default spawns fresh interpreters.
    Either way the caller's garbage collector is left as it was."""
    setup = Setup.of(_build, "seen")
    _BUILT.append("set in the caller")
    try:
        for fork, expected in ((True, ["set in the caller", "seen"]), (False, ["seen"])):
            with Workers(2, fork=fork) as workers:
                assert gc.get_freeze_count() == 0
                seen = {tuple(built) for _, _, built, _ in workers.imap(setup, _task, range(8))}
            assert seen == {tuple(expected)}, (fork, seen)
    finally:
        _BUILT.remove("set in the caller")


class _Cyclic:
    def __init__(self) -> None:
        self.me = self  # garbage only the collector frees


_FIRST: list[Any] = []  # in a worker: a weak reference to the first stage's state


def _build_cyclic(tag: str) -> _Cyclic:
    state_ = _Cyclic()
    if not _FIRST:
        _FIRST.append(weakref.ref(state_))
    return state_


def _first_alive(_: int) -> bool:
    return _FIRST[0]() is not None


def test_the_next_stage_frees_the_state_of_the_last_though_it_was_frozen() -> None:
    """A stage's state is kept out of collections while it serves; when a task of another
    stage comes, the old state goes, cycles and all."""
    with Workers(1) as workers:
        assert list(workers.imap(Setup.of(_build_cyclic, "one"), _first_alive, range(2))) == [True, True]
        assert list(workers.imap(Setup.of(_build_cyclic, "two"), _first_alive, range(2))) == [False, False]


def test_warming_builds_the_next_setup_before_its_first_task() -> None:
    """`Workers.warm` (what `rolegraph build` does as reading ends): the workers build the next
    stage's setup with a task that does nothing, and its real tasks find it built."""
    first, second = Setup.of(_build, "reading"), Setup.of(_build, "reasoning")
    with Workers(2) as workers:
        list(workers.imap(first, _task, range(4)))
        workers.warm(second)
        results = [workers.submit(second, _task, i).get(timeout=60) for i in range(6)]
    for pid, tag, built, _ in results:
        assert tag == "reasoning" and built.count("reasoning") == 1, (pid, built)

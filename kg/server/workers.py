"""Worker processes: each holds a store handle and runs jobs sent over a pipe. A job that runs past
its time is stopped by killing its worker, which is replaced; each worker's address space is capped
(RLIMIT_AS), so a query that would eat the machine's memory ends in a clean 503 instead."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import N_
from .errors import HttpError
from .store_view import StoreView

Handler = Callable[[dict[str, Any]], Any]


def cap_memory(memory_mb: int) -> None:
    """Cap this process's address space at `memory_mb` MiB (0: no cap)."""
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def serve_jobs(conn: Any, handler: Handler) -> None:
    """Answer jobs from the pipe with `handler` until the server closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    try:
        conn.send(("ready", None))  # a job's time starts when the worker can take it, not at its spawn
    except (BrokenPipeError, OSError):
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", handler(job))
        except HttpError as exc:
            reply = ("error", exc.args_tuple())
        except MemoryError:
            reply = ("error", (503, "the query needed more memory than a query worker may use (--memory)",
                               ("narrow the query or add a LIMIT; an ORDER BY or GROUP BY over a large result "
                                "holds all of it in memory"), {}))
        except Exception as exc:  # noqa: BLE001 - reported to the client as a 500
            reply = ("error", (500, f"{type(exc).__name__}: {exc}", "", {}))
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


def store_worker(conn: Any, store_path: str, writable: bool, memory_mb: int, nice: int = 0) -> None:
    """A query (or update) worker process over the store at `store_path`; `nice` lowers its CPU
    priority (ad-hoc queries yield the CPU to the server's event loop and the named-query lane)."""
    cap_memory(memory_mb)
    if nice:
        os.nice(nice)
    view = StoreView(Path(store_path), writable)
    try:
        view.open()  # open the store before saying ready, so the first job's timeout is the job's alone
    except (HttpError, OSError):
        pass  # the first job reports it
    serve_jobs(conn, view.run)


def by_name(conn: Any, module: str, function: str, *args: Any) -> None:
    """Start the worker function `module.function` in this (new) process: the server process then
    never imports what only the worker needs (the view's libraries, for the view worker)."""
    getattr(importlib.import_module(module), function)(conn, *args)


@dataclass
class _Worker:
    process: Any
    conn: Any
    ready: bool = False

STARTUP_TIMEOUT = 60.0  # seconds a new worker may take to import and open the store


class WorkerPool:
    """`size` worker processes started with `target(conn, *args)`."""

    def __init__(self, name: str, size: int, target: Callable[..., None], args: tuple[Any, ...],
                 memory_mb: int) -> None:
        self.name = name
        self.size = size
        self.target = target
        self.args = args
        self.memory_mb = memory_mb
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        self.closed = False
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=self.target, args=(child, *self.args), name=f"rolegraph-{self.name}",
                                    daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> int | None:
        """Stop a worker; its exit code (negative: the signal that ended it)."""
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
        try:
            worker.conn.close()
        except OSError:
            pass
        worker.process.join(timeout=0.5)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        return worker.process.exitcode  # type: ignore[no-any-return]

    def run(self, job: dict[str, Any], timeout: float, wait: float | None = None) -> Any:
        """Run a job in a free worker; HttpError on timeout, a busy pool, a memory cap or a failure."""
        if self.closed:
            raise HttpError(503, N_("the server is shutting down"))
        try:
            worker = self._idle.get(timeout=timeout if wait is None else wait)
        except queue.Empty:
            raise HttpError(503, N_("all {size} workers of the lane '{name}' stayed busy"), N_("try again in a moment"),
                            {"Retry-After": "1"}, params={"size": self.size, "name": self.name}) from None
        try:
            if not worker.ready:
                if not worker.conn.poll(STARTUP_TIMEOUT):
                    raise EOFError("the worker did not start")
                worker.conn.recv()
                worker.ready = True
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._retire(worker)
                worker = self._spawn()
                raise HttpError(503, N_("the query ran longer than {timeout} s and was stopped"),
                                N_("add a LIMIT or narrow the query, or restart the server with a larger --timeout"),
                                {"Retry-After": "1"}, params={"timeout": f"{timeout:g}"})
            status, payload = worker.conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError) as exc:
            code = self._retire(worker)
            worker = self._spawn()
            if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS) and self.memory_mb:
                # Rust and C++ abort when an allocation fails under the RLIMIT_AS cap
                raise HttpError(503, N_("the query needed more than {mib} MiB and was stopped"),
                                N_("narrow the query or add a LIMIT (an ORDER BY or GROUP BY over a large result "
                                   "holds all of it), or restart the server with a larger --memory"),
                                {"Retry-After": "1"}, params={"mib": self.memory_mb}) from exc
            raise HttpError(500, N_("the worker of the lane '{name}' stopped unexpectedly (exit code {code})"),
                            N_("try again; the server has started a new worker"),
                            params={"name": self.name, "code": code}) from exc
        finally:
            self._idle.put(worker)
        if status == "error":
            raise HttpError(*payload)
        return payload

    def close(self) -> None:
        """Ask every worker to stop; kill those that do not within 3 s."""
        self.closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 3
        for w in workers:
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=2)

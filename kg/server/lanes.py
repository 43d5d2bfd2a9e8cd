"""Admission control: the SPARQL lane, the named-query lane and the writer each have their own
workers and their own bounded queue, so expensive ad-hoc queries cannot starve the named queries or
/health; one client address may hold only a few places in the SPARQL lane."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import anyio.to_thread

from ..i18n import N_
from .errors import HttpError
from .workers import WorkerPool


class Lane:
    """A worker pool behind a bounded queue (and, if `per_client`, a per-address limit)."""

    def __init__(self, pool: WorkerPool, queue: int, per_client: int = 0, wait: float | None = None) -> None:
        self.pool = pool
        self.wait = wait  # seconds a job may wait for a free worker (None: the job's timeout)
        self.limiter = anyio.CapacityLimiter(pool.size + queue)
        self.per_client = per_client
        self._clients: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def _admit(self, client: str) -> Iterator[None]:
        if self.limiter.borrowed_tokens >= self.limiter.total_tokens:
            raise HttpError(503, N_("the server is busy: {n} requests of the lane '{name}' are running or waiting"),
                            N_("try again in a moment"), {"Retry-After": "1"},
                            params={"n": f"{self.limiter.total_tokens:g}", "name": self.pool.name})
        with self._lock:
            if self.per_client and self._clients[client] >= self.per_client:
                raise HttpError(429, N_("this client already has {n} queries running or waiting"),
                                N_("wait for them to finish (the server's --per-client)"), {"Retry-After": "1"},
                                params={"n": self.per_client})
            self._clients[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._clients[client] -= 1
                if self._clients[client] <= 0:
                    del self._clients[client]

    async def run(self, job: dict[str, Any], timeout: float, client: str = "") -> Any:
        """Run a job in this lane's workers without blocking the event loop."""
        with self._admit(client):
            return await anyio.to_thread.run_sync(self.pool.run, job, timeout, self.wait, limiter=self.limiter)

    def close(self) -> None:
        """Stop the lane's workers."""
        self.pool.close()

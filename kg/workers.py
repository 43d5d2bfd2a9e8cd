"""How many worker processes a stage may start (reading cases, reasoning batches)."""

from __future__ import annotations

import os


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

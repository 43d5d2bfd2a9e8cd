"""The worker process that renders the browser view of the store (kept apart from the query workers,
which need not import the view and its libraries)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RolegraphError
from ..i18n import N_
from ..view import render_for_store
from .errors import HttpError
from .workers import cap_memory, serve_jobs


def render(store_path: Path, options: dict[str, Any]) -> str:
    """The browser view page of the store, with the options of `rolegraph viz`."""
    try:
        return str(render_for_store(store_path, **options))
    except TypeError as exc:
        raise HttpError(400, N_("the browser view does not take these options: {error}"),
                        N_("see `rolegraph viz --help` for its options"), params={"error": exc}) from exc
    except RolegraphError as exc:
        raise HttpError.of(400 if exc.exit_code == 2 else 500, exc) from exc


def viz_worker(conn: Any, store_path: str, memory_mb: int) -> None:
    """A view worker process over the store at `store_path`."""
    cap_memory(memory_mb)
    path = Path(store_path)
    serve_jobs(conn, lambda job: render(path, job["options"]))

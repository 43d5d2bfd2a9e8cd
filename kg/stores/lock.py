"""The store's writer lock: one writer at a time, readers never wait for it.

Every writer (build, reason, a server with updates) holds an exclusive lock on
`.<store>.lock` beside the store (`kg.stores.folder.lock_path`). The lock is `filelock`
(flock on POSIX, LockFileEx on Windows; the kernel releases it when a process dies, so a
killed writer never leaves a stale lock behind). A module of its own so that a reader
(`rolegraph query`) does not import filelock: a fifth of a query's start-up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import Msg, StoreError
from ..i18n import N_
from .folder import Notice, lock_path

LOCK_TIMEOUT = 120.0  # seconds a writer waits for another one; $ROLEGRAPH_LOCK_TIMEOUT changes it


def _owner_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.writer")


def _timeout() -> float:
    try:
        return float(os.environ.get("ROLEGRAPH_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


def _holder(path: Path) -> str:
    """Who holds the lock, as far as the holder wrote it down."""
    try:
        info = json.loads(_owner_path(path).read_text(encoding="utf-8"))
        return Msg(N_("process {pid} ({what})"), pid=int(info["pid"]), what=Msg(str(info["what"])))
    except (OSError, ValueError, KeyError, TypeError):
        return Msg(N_("another rolegraph process"))


@contextmanager
def writer_lock(path: Path, what: str, on_wait: Notice | None = None) -> Iterator[None]:
    """Hold the store's writer lock; wait (bounded, with a notice) while another writer has it.

    Raises StoreError (exit 1) when the other writer does not finish in time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # One lock object per file in this process, so a writer may nest (build --reason).
    lock = FileLock(str(lock_path(path)), is_singleton=True, preserve_lock_file=True)
    nested = lock.is_locked
    try:
        lock.acquire(timeout=0)
    except Timeout:
        limit = _timeout()
        if on_wait is not None:
            on_wait(Msg(N_("waiting for {holder} to finish writing the store at {path} (at most {limit} s)"),
                        holder=_holder(path), path=path, limit=f"{limit:g}"))
        try:
            lock.acquire(timeout=limit)
        except Timeout:
            raise StoreError(N_("the store at {path} is being written by {holder}; gave up after {limit:g} s"),
                             hint=N_("wait for it to finish and try again (ROLEGRAPH_LOCK_TIMEOUT sets how long to "
                                     "wait)"), params={"path": path, "holder": _holder(path), "limit": limit}) from None
    except OSError as exc:
        raise StoreError(N_("cannot lock the store at {path}: {exc}"),
                         hint=N_("the folder that holds the store must be writable"), params={"path": path, "exc": exc}) from exc
    try:
        if not nested:
            _owner_path(path).write_text(json.dumps({"pid": os.getpid(), "what": what}), encoding="utf-8")
        yield
    finally:
        if not nested:
            try:
                _owner_path(path).unlink()
            except OSError:
                pass
        lock.release()


def is_locked(path: Path) -> bool:
    """Whether a writer holds the store's lock now (False when it cannot be told)."""
    if not path.parent.is_dir():
        return False
    lock = FileLock(str(lock_path(path)), is_singleton=True, preserve_lock_file=True)
    if lock.is_locked:
        return False  # this process is the writer
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    lock.release()
    return False


def wait_for_writer(path: Path, on_wait: Notice | None = None) -> None:
    """Wait (bounded) until no writer holds the lock: a reader in a build's swap window waits here."""
    if not is_locked(path):
        return
    with writer_lock(path, N_("reading"), on_wait):
        pass

"""The store's folder on disk: whose it is, who writes it, and what a killed build left behind.

- A marker file (`.rolegraph-store`) in every store that `build` writes. `build` replaces
  only an empty folder or a rolegraph store, never a folder of other files (a typo in
  `--store` must not delete someone's notes or the case files just read).
- One writer at a time: every writer (build, reason, a server with updates) holds an
  exclusive lock on `.<store>.lock` beside the store (beside it, so it survives the swap
  that replaces the store folder). Readers take no lock; a build writes a new folder and
  swaps it in, so they read the previous store until then.
- Leftovers: temporary folders of killed builds (`.<store>.building-PID`) are removed by
  the next writer.

The lock is `filelock` (flock on POSIX, LockFileEx on Windows; the kernel releases it
when a process dies, so a killed writer never leaves a stale lock behind).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from filelock import FileLock, Timeout

from ..errors import ForeignFolderError, Msg, StoreError
from ..i18n import N_
from ..iris import META, META_GRAPH

MARKER = ".rolegraph-store"
LOCK_TIMEOUT = 120.0  # seconds a writer waits for another one; $ROLEGRAPH_LOCK_TIMEOUT changes it
_BUILT_AT = META + "builtAt"
# The files RocksDB keeps in a database folder: a store built before the marker existed
# holds these and nothing else.
_ROCKSDB_FILE = re.compile(r"CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+|"
                           r"\d+\.(sst|log|blob)|.*\.dbtmp")

Notice = Callable[[str], None]


def write_marker(folder: Path) -> None:
    """Mark a folder as a rolegraph store."""
    (folder / MARKER).write_text(json.dumps({"rolegraph-store": 1}) + "\n", encoding="utf-8")


def _rocksdb_only(names: list[str]) -> bool:
    return "CURRENT" in names and all(_ROCKSDB_FILE.fullmatch(n) for n in names)


def _legacy_store(folder: Path, names: list[str]) -> bool:
    """A store built before the marker: only RocksDB files, and our build record in its meta graph."""
    if not _rocksdb_only(names):
        return False
    try:
        store = ox.Store.read_only(str(folder))
        return any(True for _ in store.quads_for_pattern(None, ox.NamedNode(_BUILT_AT), None,
                                                         ox.NamedNode(META_GRAPH)))
    except (OSError, RuntimeError, ValueError):
        return False


def is_ours(folder: Path) -> bool:
    """True for an empty folder or a rolegraph store (with the marker, or built before it)."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    names = [e.name for e in os.scandir(folder)]
    return not names or MARKER in names or _legacy_store(folder, names)


def check_replaceable(path: Path) -> None:
    """Refuse (exit 2) to replace anything at `path` that is not an empty folder or a rolegraph store."""
    if not os.path.lexists(path):
        return
    if path.is_symlink() or not path.is_dir():
        raise ForeignFolderError(N_("{path} is not a folder; refusing to replace it with a store"),
                                 hint=N_("give --store (or ROLEGRAPH_STORE) a new or empty folder"), params={"path": path})
    if is_ours(path):
        return
    some = sorted(e.name for e in os.scandir(path))[:3]
    raise ForeignFolderError(
        N_("{path} is not a rolegraph store (it holds {join}{value}); refusing to replace it"),
        hint=N_("give --store (or ROLEGRAPH_STORE) a new or empty folder; nothing was changed"), params={"path": path, "join": ', '.join(some), "value": ', ...' if len(some) == 3 else ''})


def lock_path(path: Path) -> Path:
    """The lock file of the store at `path`: beside it, so that it outlives the swap."""
    return path.with_name(f".{path.name}.lock")


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


def building_path(path: Path) -> Path:
    """Where this process builds a new store before swapping it in."""
    return path.with_name(f".{path.name}.building-{os.getpid()}")


def remove_leftovers(path: Path) -> list[Path]:
    """Remove the temporary stores of killed or failed builds. Call with the writer lock held.

    Every one but our own is stale: its builder is dead, or its PID was reused by a process
    that is not building (no build runs without the lock we hold). Only folders that are
    ours (marked, or RocksDB folders of our builds) go."""
    removed: list[Path] = []
    if not path.parent.is_dir():
        return removed
    rx = re.compile(re.escape(f".{path.name}.building-") + r"(\d+)")
    for entry in path.parent.iterdir():
        m = rx.fullmatch(entry.name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        # A killed build of a version before the marker left RocksDB files only; the name says whose.
        if is_ours(entry) or (entry.is_dir() and _rocksdb_only([e.name for e in os.scandir(entry)])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def swap_in(tmp: Path, path: Path) -> None:
    """Replace the store at `path` by the complete one at `tmp` (writer lock held)."""
    old = path.with_name(path.name + ".old")
    if os.path.lexists(old):
        if not is_ours(old):
            raise ForeignFolderError(N_("{old} is in the way and is not a rolegraph store"),
                                     hint=N_("move it away; the new store was not swapped in"), params={"old": old})
        shutil.rmtree(old)
    for attempt in range(20):
        try:
            if path.exists():
                path.rename(old)
            tmp.rename(path)
            break
        except OSError as exc:
            # Windows refuses to rename a folder a reader has open; POSIX never gets here.
            if attempt == 19:
                raise StoreError(N_("cannot swap the new store into {path}: {exc}"),
                                 hint=N_("another program may hold the folder open; close it and build again"), params={"path": path, "exc": exc}) from exc
            time.sleep(0.1)
    shutil.rmtree(old, ignore_errors=True)


def recover(path: Path) -> None:
    """Finish a swap that was interrupted between its two renames (writer lock held)."""
    old = path.with_name(path.name + ".old")
    if not path.exists() and old.is_dir() and is_ours(old):
        old.rename(path)

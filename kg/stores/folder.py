"""The store's folder on disk: whose it is, who writes it, and what a killed build left behind.

- A marker file (`.rolegraph-store`) in every store that `build` writes. `build` replaces
  only an empty folder or a rolegraph store, never a folder of other files (a typo in
  `--store` must not delete someone's notes or the case files just read).
- One writer at a time: every writer (build, reason, a server with updates) holds an
  exclusive lock on `.<store>.lock` beside the store (beside it, so it survives the swap
  that replaces the store folder; the lock itself is `kg.stores.lock`). Readers take no
  lock; a build writes a new folder and swaps it in, so they read the previous store until then.
- Leftovers: temporary folders of killed builds (`.<store>.building-PID`) are removed by
  the next writer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from ..errors import ForeignFolderError, StoreError
from ..i18n import N_
from ..iris import META, META_GRAPH

MARKER = ".rolegraph-store"
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

"""Answers kept per store version: a query asked again of an unchanged store is read back, not run.

Only a store opened read-only on disk keeps answers. Its version is the list of its
database files with their sizes and modification times: every write (a build swapping
in a new folder, reasoning, an update) changes at least one of them, and a read-only
open changes none. Answers live beside the store, in `.<store>.answers/<version>/`, one
W3C SPARQL JSON results file per query text and dataset; writing the first answer of a
new version removes those of the others. A folder that cannot be written keeps nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Any

# RocksDB's data files; its LOG and LOCK files change on a read-only open and say nothing of the data.
_DB_FILE = re.compile(r"CURRENT|MANIFEST-\d+|OPTIONS-\d+|\d+\.(sst|log|blob)")


def version(path: Path) -> str | None:
    """A digest of the store folder's data files (names, sizes, modification times)."""
    try:
        entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(path)
                         if _DB_FILE.fullmatch(e.name))
    except OSError:
        return None
    return hashlib.sha256(repr(entries).encode()).hexdigest()[:32] if entries else None


def _folder(store: Any) -> Path | None:
    """Where a store's answers go, or None for a store that keeps none."""
    path = getattr(store, "path", None)
    if not getattr(store, "read_only", False) or not isinstance(path, Path):
        return None
    v = version(path)
    return None if v is None else path.with_name(f".{path.name}.answers") / v


def _key(text: str, dataset: dict[str, Any]) -> str:
    return hashlib.sha256((text + "\0" + repr(sorted(dataset.items()))).encode()).hexdigest()[:32]


def recall(store: Any, text: str, dataset: dict[str, Any]) -> bytes | None:
    """The answer kept for this query text and dataset on this version of the store, if any."""
    folder = _folder(store)
    if folder is None:
        return None
    try:
        return (folder / (_key(text, dataset) + ".json")).read_bytes()
    except OSError:
        return None


def keep(store: Any, text: str, dataset: dict[str, Any], data: bytes) -> None:
    """Keep an answer for this version of the store (nothing when the folder cannot be written)."""
    _keep(_folder(store), text, dataset, data)


def keep_at(path: Path, text: str, dataset: dict[str, Any], data: bytes) -> None:
    """Keep an answer for the current version of the store folder at `path`, computed on
    another handle of the same data (a build's own, before it swapped the store in)."""
    v = version(path)
    _keep(None if v is None else path.with_name(f".{path.name}.answers") / v, text, dataset, data)


def _keep(folder: Path | None, text: str, dataset: dict[str, Any], data: bytes) -> None:
    if folder is None:
        return
    try:
        if not folder.is_dir():
            for other in folder.parent.glob("*") if folder.parent.is_dir() else []:
                if other.name != folder.name:  # another thread or process may just have made it
                    shutil.rmtree(other, ignore_errors=True)  # answers of versions that are gone
            folder.mkdir(parents=True, exist_ok=True)
        target = folder / (_key(text, dataset) + ".json")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # readers see a whole answer or none
    except OSError:
        return

"""Persistent caches of JSON entries, one folder each under `$XDG_CACHE_HOME/rolegraph`
(else `~/.cache/rolegraph`): what a process parsed once, kept for the next one.

Two caches use it: parsed rule files (`kg.reasoning.rule_cache`) and parsed `#+ ` headers
(`kg.headers`: a named query then runs without importing PyYAML). An entry is a JSON file
named by its key, a SHA-256 its user makes of everything the entry depends on; the entry
repeats the key, so a file that is not one whole entry of that key is a miss. Entries are
JSON, not pickle: a damaged or planted file can at worst be wrong data, which its reader
checks, never code. `ROLEGRAPH_NO_CACHE=1` turns every cache off. Nothing here raises: a
cache that cannot be read or written is a cache miss. A folder keeps itself small: a write
that finds more than its limit of entries removes the least recently used (a hit touches its
entry), and temporary files left by a killed writer go after an hour.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_STALE_TMP_S = 3600.0


def cache_folder(name: str) -> Path | None:
    """The folder of the cache `name`, or None when ROLEGRAPH_NO_CACHE turns caches off."""
    if os.environ.get("ROLEGRAPH_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rolegraph" / name


def code_key(*parts: str, sources: Iterable[Path]) -> str:
    """What the code that makes a cache's entries contributes to their keys: `parts` (a format
    name, versions) and the text of the source files that make an entry."""
    h = hashlib.sha256("\0".join(parts).encode())
    for source in sources:
        try:
            h.update(source.read_bytes())
        except OSError:
            h.update(b"-")
    return h.hexdigest()


def read_entry(folder: Path | None, key: str, slot: str) -> Any:
    """What the entry `key` keeps under `slot`, or None (no cache, no entry, or one that is
    unreadable or of another key)."""
    if folder is None:
        return None
    path = folder / f"{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, truncated or not JSON
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    try:  # recently used: pruning removes the least recently used entries first
        os.utime(path)
    except OSError:
        pass
    return data.get(slot)


def write_entry(folder: Path | None, key: str, slot: str, value: Any, *, limit: int, keep: int) -> None:
    """Store an entry atomically (a temporary file renamed into place), then prune the folder
    to `keep` entries if it has more than `limit`; failures are ignored."""
    if folder is None:
        return
    # A temporary file of a name no other writer has, renamed into place (`tempfile`, 8 to 20 ms
    # to import, would be on the path of every `rolegraph query`). The random part keeps a file
    # that a killed writer left from blocking a later process that gets the same process id.
    tmp = folder / f".tmp-{os.getpid()}-{os.urandom(6).hex()}-{key}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:  # not writable: run without the cache
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"key": key, slot: value}, f, ensure_ascii=False)
        os.replace(tmp, folder / f"{key}.json")
    except (OSError, TypeError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass
    prune(folder, limit=limit, keep=keep)


def prune(folder: Path, *, limit: int, keep: int) -> None:
    """Remove the least recently used entries down to `keep` when there are more than
    `limit`, and temporary files older than an hour."""
    entries: list[tuple[float, Path]] = []
    now = time.time()
    try:
        with os.scandir(folder) as it:
            for e in it:
                try:
                    mtime = e.stat().st_mtime
                except OSError:  # removed by another process meanwhile
                    continue
                if e.name.startswith(".tmp-"):
                    if now - mtime > _STALE_TMP_S:
                        _remove(Path(e.path))
                elif e.name.endswith(".json"):
                    entries.append((mtime, Path(e.path)))
    except OSError:
        return
    if len(entries) <= limit:
        return
    entries.sort()
    for _, path in entries[: len(entries) - keep]:
        _remove(path)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:  # gone already, or not ours to remove: a cache never fails a run
        pass

"""A persistent cache of parsed rule files, so that each process does not parse them again.

Parsing a rule file (rdflib's SPARQL parser and algebra) costs tens of milliseconds; the
shipped rules together cost seconds, in every `build --reason` and `reason` run. An entry
is a JSON file named by the SHA-256 of the rule file's name and text together with the
code that makes a rule from it (this module's `FORMAT`, the source of the modules that
parse, rolegraph's and rdflib's versions): a changed rule file or a new release misses,
never reads a stale entry. Entries are JSON, not pickle, so that a cache file can at worst
be wrong data (which the key check and the decoder reject, and the file is parsed again),
never code. The cache lives in `$XDG_CACHE_HOME/rolegraph/rules` (else
`~/.cache/rolegraph/rules`); `ROLEGRAPH_NO_CACHE=1` turns it off. Nothing here raises:
a cache that cannot be read or written is a cache miss. The cache keeps itself small: each
write that finds more than `MAX_ENTRIES` entries removes the least recently used ones (a hit
touches its entry), and temporary files left by a killed writer go after an hour.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import rdflib

# Bump when the shape of an entry changes.
FORMAT = "rolegraph-rule-cache/1"
# The shipped rules are about 80 entries; a new release or an edited rule adds a new set.
# 600 keeps several sets (a few MB) and bounds what old versions leave behind.
MAX_ENTRIES = 600
_KEEP_AFTER_PRUNING = MAX_ENTRIES * 3 // 4
_STALE_TMP_S = 3600.0
_HERE = Path(__file__).resolve().parent
# The modules whose code turns a rule file into a rule: a change to any of them is a new key.
_SOURCES = (_HERE / "rules.py", _HERE / "rule_cache.py", _HERE.parent / "headers.py", _HERE.parent / "sparql_text.py")


def cache_dir() -> Path | None:
    """The directory of the cache entries, or None when ROLEGRAPH_NO_CACHE turns it off."""
    if os.environ.get("ROLEGRAPH_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rolegraph" / "rules"


@cache
def _code_key() -> str:
    """What the code that parses contributes to every key (computed once per process)."""
    h = hashlib.sha256(FORMAT.encode())
    try:
        h.update(version("rolegraph").encode())
    except PackageNotFoundError:  # a checkout that is not installed: the sources below decide
        pass
    h.update(rdflib.__version__.encode())
    for source in _SOURCES:
        try:
            h.update(source.read_bytes())
        except OSError:
            h.update(b"-")
    return h.hexdigest()


def entry_key(name: str, text: str) -> str:
    """The key of a rule file named `name` (its stem, the rule's id) with contents `text`."""
    h = hashlib.sha256(_code_key().encode())
    h.update(b"\0" + name.encode() + b"\0" + text.encode())
    return h.hexdigest()


def read(key: str) -> dict[str, Any] | None:
    """The entry stored under `key`, or None (no cache, no entry, or one that is unreadable)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, truncated or not JSON
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("rule"), dict):
        return None
    try:  # recently used: pruning removes the least recently used entries first
        os.utime(folder / f"{key}.json")
    except OSError:
        pass
    rule: dict[str, Any] = data["rule"]
    return rule


def write(key: str, rule: dict[str, Any]) -> None:
    """Store an entry atomically (a temporary file renamed into place); failures are ignored."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    except OSError:  # not writable: run without the cache
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"key": key, "rule": rule}, f, ensure_ascii=False)
        os.replace(tmp, folder / f"{key}.json")
    except (OSError, TypeError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass
    prune(folder)


def prune(folder: Path) -> None:
    """Remove the least recently used entries beyond MAX_ENTRIES, and stale temporary files."""
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
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort()
    for _, path in entries[: len(entries) - _KEEP_AFTER_PRUNING]:
        _remove(path)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:  # gone already, or not ours to remove: a cache never fails a run
        pass

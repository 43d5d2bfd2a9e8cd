"""A persistent cache of parsed rule files, so that each process does not parse them again.

Parsing a rule file (rdflib's SPARQL parser and algebra) costs tens of milliseconds; the
shipped rules together cost seconds, in every `build --reason` and `reason` run. An entry
is a JSON file named by the SHA-256 of the rule file's name and text together with the
code that makes a rule from it (this module's `FORMAT`, the source of the modules that
parse, rolegraph's and rdflib's versions): a changed rule file or a new release misses,
never reads a stale entry. Entries are JSON, not pickle, so that a cache file can at worst
be wrong data (which the key check and the decoder reject, and the file is parsed again),
never code. The cache lives in `$XDG_CACHE_HOME/rolegraph/rules` (else
`~/.cache/rolegraph/rules`) and is kept as `kg.json_cache` keeps a folder: `ROLEGRAPH_NO_CACHE=1`
turns it off, a cache that cannot be read or written is a cache miss, and a write that finds
more than `MAX_ENTRIES` entries removes the least recently used ones.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import rdflib

from ..json_cache import cache_folder, code_key, read_entry, write_entry

# Bump when the shape of an entry changes.
FORMAT = "rolegraph-rule-cache/1"
# The shipped rules are about 80 entries; a new release or an edited rule adds a new set.
# 600 keeps several sets (a few MB) and bounds what old versions leave behind.
MAX_ENTRIES = 600
_KEEP_AFTER_PRUNING = MAX_ENTRIES * 3 // 4
_HERE = Path(__file__).resolve().parent
# The modules whose code turns a rule file into a rule: a change to any of them is a new key.
_SOURCES = (_HERE / "rules.py", _HERE / "rule_cache.py", _HERE.parent / "headers.py", _HERE.parent / "sparql_text.py",
            _HERE.parent / "json_cache.py")


def cache_dir() -> Path | None:
    """The directory of the cache entries, or None when ROLEGRAPH_NO_CACHE turns it off."""
    return cache_folder("rules")


@cache
def _code_key() -> str:
    """What the code that parses contributes to every key (computed once per process)."""
    try:
        release = version("rolegraph")
    except PackageNotFoundError:  # a checkout that is not installed: the sources decide
        release = ""
    return code_key(FORMAT, release, rdflib.__version__, sources=_SOURCES)


def entry_key(name: str, text: str) -> str:
    """The key of a rule file named `name` (its stem, the rule's id) with contents `text`."""
    h = hashlib.sha256(_code_key().encode())
    h.update(b"\0" + name.encode() + b"\0" + text.encode())
    return h.hexdigest()


def read(key: str) -> dict[str, Any] | None:
    """The entry stored under `key`, or None (no cache, no entry, or one that is unreadable)."""
    rule = read_entry(cache_dir(), key, "rule")
    return rule if isinstance(rule, dict) else None


def write(key: str, rule: dict[str, Any]) -> None:
    """Store an entry atomically; failures are ignored."""
    write_entry(cache_dir(), key, "rule", rule, limit=MAX_ENTRIES, keep=_KEEP_AFTER_PRUNING)

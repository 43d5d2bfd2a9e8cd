"""Answers of named queries, kept per store version: a build, `reason` or an update changes the
store directory's signature and so empties the cache. Each answer carries an ETag (a hash of its
bytes), so a client that has it already gets 304 Not Modified."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import NamedTuple

from .store_view import Signature


class Answer(NamedTuple):
    """A named query's answer, ready to send."""

    content_type: str
    body: bytes
    etag: str


def etag_of(body: bytes) -> str:
    """A strong ETag for these bytes."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (or is *); weak tags compare by their value."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


class ResultCache:
    """Answers per request key, for one store signature; least recently used out first."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._sig: Signature | None = None
        self._items: OrderedDict[Hashable, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sig: Signature | None, key: Hashable) -> Answer | None:
        """The cached answer, if the store is still the one it was computed on."""
        with self._lock:
            if sig is None or sig != self._sig:
                return None
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def count(self, sig: Signature | None) -> int:
        """How many answers are kept for the store with signature `sig`."""
        with self._lock:
            return len(self._items) if sig is not None and sig == self._sig else 0

    def put(self, sig: Signature | None, key: Hashable, content_type: str, body: bytes) -> Answer:
        """Keep an answer computed on the store with signature `sig`."""
        answer = Answer(content_type, body, etag_of(body))
        if sig is None:
            return answer
        with self._lock:
            if sig != self._sig:
                self._items.clear()
                self._sig = sig
            self._items[key] = answer
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return answer

"""Answers of named queries, kept per store version: a build, `reason` or an update changes the
store directory's signature and so empties the cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from .store_view import Signature


class ResultCache:
    """(content type, body) per request key, for one store signature; least recently used out first."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._sig: Signature | None = None
        self._items: OrderedDict[Hashable, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sig: Signature | None, key: Hashable) -> tuple[str, bytes] | None:
        """The cached answer, if the store is still the one it was computed on."""
        with self._lock:
            if sig is None or sig != self._sig:
                return None
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, sig: Signature | None, key: Hashable, answer: tuple[str, bytes]) -> None:
        """Keep an answer computed on the store with signature `sig`."""
        if sig is None:
            return
        with self._lock:
            if sig != self._sig:
                self._items.clear()
                self._sig = sig
            self._items[key] = answer
            while len(self._items) > self.size:
                self._items.popitem(last=False)

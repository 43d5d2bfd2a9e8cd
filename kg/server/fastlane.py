"""The fast lane for cached named answers: the outermost ASGI layer answers a GET of /queries/NAME it
has answered before, on the same store version, with the same bytes and headers, without routing,
middleware or a worker.

Only what the full path answered with 200 is kept, under everything the answer depends on (path,
parameters, Host, Accept, Origin, cookies present): a request is sent the very answer that the full
path (the Host and Origin rules included) gave the same request. If-None-Match with the answer's ETag
gets 304. A change of the store (its signature) empties the lane."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .cache import etag_matches
from .store_view import Signature, signature

MARK = "rolegraph.cacheable"  # set in the scope by a route whose 200 answer may be kept: the signature
PREFIX = "/queries/"
MAX_ENTRIES = 1024
MAX_BYTES = 256 * 1024 * 1024
_NOT_MODIFIED_DROP = (b"content-type", b"content-length")

Key = tuple[bytes, bytes, bytes, bytes, bytes, bool]


def access_line(scope: Scope, status: int, started: float) -> str:
    """One line of the access log."""
    client = (scope.get("client") or ("-", 0))[0]
    return (f'{client} - "{scope["method"]} {scope["path"]}" {status} '
            f"{(time.perf_counter() - started) * 1000:.1f} ms\n")


class _Kept:
    __slots__ = ("body", "etag", "headers", "not_modified")

    def __init__(self, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.headers = headers
        self.body = body
        self.etag = next((v.decode("latin-1") for k, v in headers if k == b"etag"), "")
        self.not_modified = [(k, v) for k, v in headers if k not in _NOT_MODIFIED_DROP]


class FastLane:
    """ASGI middleware: cached named answers straight from memory; everything else to `app`."""

    def __init__(self, app: ASGIApp, store: Path, quiet: bool) -> None:
        self.app = app
        self.store = store
        self.quiet = quiet
        self._sig: Signature | None = None
        self._kept: dict[Key, _Kept] = {}
        self._bytes = 0

    @staticmethod
    def key(scope: Scope) -> tuple[Key, str | None]:
        """What an answer depends on, and the If-None-Match header."""
        host = accept = origin = b""
        cookie = False
        inm = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"accept":
                accept = value
            elif name == b"origin":
                origin = value
            elif name == b"cookie":
                cookie = True
            elif name == b"if-none-match":
                inm = value.decode("latin-1")
        return (scope.get("raw_path") or scope["path"].encode(), scope["query_string"], host, accept, origin,
                cookie), inm

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        key, inm = self.key(scope)
        sig = signature(self.store)
        if sig is not None and sig == self._sig:
            kept = self._kept.get(key)
            if kept is not None:
                if kept.etag and etag_matches(inm, kept.etag):
                    await send({"type": "http.response.start", "status": 304, "headers": kept.not_modified})
                    await send({"type": "http.response.body", "body": b""})
                    status = 304
                else:
                    await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
                    await send({"type": "http.response.body", "body": kept.body})
                    status = 200
                if not self.quiet:
                    sys.stderr.write(access_line(scope, status, started))
                return
        start: list[Message] = []
        parts: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.append(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)
        computed_on = scope.get(MARK)
        if computed_on is not None and start and start[0]["status"] == 200:
            self._keep(computed_on, key, [(bytes(k), bytes(v)) for k, v in start[0]["headers"]], b"".join(parts))

    def _keep(self, sig: Any, key: Key, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        if sig != self._sig:
            self._kept.clear()
            self._bytes = 0
            self._sig = sig
        if len(self._kept) >= MAX_ENTRIES or self._bytes + len(body) > MAX_BYTES:
            self._kept.clear()  # many different requests: start over rather than keep an order
            self._bytes = 0
        old = self._kept.pop(key, None)
        self._bytes += len(body) - (len(old.body) if old is not None else 0)
        self._kept[key] = _Kept(headers, body)

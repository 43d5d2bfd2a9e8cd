"""uvicorn's HTTP/1.1 protocol (httptools), answering requests it cannot parse in the server's JSON
error shape, and sending each response's head and body in one write."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .errors import error_body

# before the request is parsed there is no Accept-Language to go by: English, the API's language
_BODY = error_body(400, "the request is not valid HTTP", "send an HTTP/1.1 request")


class CoalescingTransport:
    """A transport that holds the writes of one event-loop step and sends them together: uvicorn
    writes a response's head and its body separately, which costs a second send (and on loopback a
    second wake-up of the client) per answer."""

    __slots__ = ("_loop", "_parts", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        """Hold `data` until the end of this step of the event loop."""
        if not self._parts:
            self._loop.call_soon(self.flush)
        self._parts.append(data)

    def flush(self) -> None:
        """Send what is held, in one write."""
        parts, self._parts = self._parts, []
        if parts and not self._transport.is_closing():
            self._transport.writelines(parts)

    def close(self) -> None:
        """Send what is held, then close."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class JsonErrorHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose 400 for a garbled request is JSON, like every other error, and whose
    responses leave in one write."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Set up the connection over a coalescing transport."""
        super().connection_made(transport)
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]

    def send_400_response(self, msg: str) -> None:
        """A garbled request line or headers: 400 in the JSON shape, then close."""
        head = (b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
                b"content-length: " + str(len(_BODY)).encode("ascii") + b"\r\nconnection: close\r\n\r\n")
        self.transport.write(head + _BODY)
        self.transport.close()

"""uvicorn's HTTP/1.1 protocol, answering requests it cannot parse in the server's JSON error shape."""

from __future__ import annotations

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .errors import error_body


class JsonErrorH11Protocol(H11Protocol):
    """H11Protocol whose 400 for a garbled request is JSON, like every other error."""

    def send_400_response(self, msg: str) -> None:
        """A garbled request line or headers: 400 in the JSON shape, then close."""
        body = error_body(400, "the request is not valid HTTP", "send an HTTP/1.1 request")
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close")]
        self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
        self.transport.write(self.conn.send(h11.Data(data=body)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()

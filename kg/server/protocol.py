"""uvicorn's HTTP/1.1 protocol (httptools), answering requests it cannot parse in the server's JSON
error shape."""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .errors import error_body

_BODY = error_body(400, "the request is not valid HTTP", "send an HTTP/1.1 request")


class JsonErrorHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose 400 for a garbled request is JSON, like every other error."""

    def send_400_response(self, msg: str) -> None:
        """A garbled request line or headers: 400 in the JSON shape, then close."""
        head = (b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
                b"content-length: " + str(len(_BODY)).encode("ascii") + b"\r\nconnection: close\r\n\r\n")
        self.transport.write(head + _BODY)
        self.transport.close()

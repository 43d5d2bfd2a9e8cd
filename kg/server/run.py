"""Starting and stopping the server: the `rolegraph serve` command body and a Server for tests."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import uvicorn

from ..errors import StoreError, StoreMissingError, UsageError
from ..i18n import N_
from .app import Service, create_app
from .errors import HttpError
from .protocol import JsonErrorHttpProtocol
from .settings import TOKEN_ENV, Settings, check_host, check_origins, read_token

WARM_BUDGET = 10.0  # seconds the start may spend computing named answers; the rest come at first use


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # headers and body leave in two writes: without TCP_NODELAY (inherited by accepted sockets on
    # Linux) Nagle holds the body for the client's delayed ACK, 40 ms per answer on asyncio's loop
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(256)
    except OSError as exc:
        sock.close()
        raise StoreError(N_("cannot listen on {host}:{port}: {value}"),
                         hint=N_("another program may use the port; pick one with --port"), params={"host": host, "port": port, "value": exc.strerror or exc}) from exc
    sock.set_inheritable(True)
    return sock


class Server:
    """A server over `settings.store`: `start()` spawns the workers and binds; `serve()` runs until
    SIGINT/SIGTERM (or `stop()`), then stops the workers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.service: Service | None = None
        self.sock: socket.socket | None = None
        self.uvicorn: uvicorn.Server | None = None

    @property
    def url(self) -> str:
        """The server's base URL, ending in /."""
        assert self.sock is not None
        host, port = self.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def start(self) -> Server:
        """Check the store, start the workers and bind the socket."""
        store = self.settings.store
        if not (store / "CURRENT").exists():
            raise StoreMissingError(N_("no store at {store}"), hint=N_("run `rolegraph build cases/` first, or point --store / ROLEGRAPH_STORE at an "
                                                                    "existing store"), params={"store": store})
        self.service = Service(self.settings)
        try:
            self.service.info_now()  # fail now, not at the first request, if the store cannot be read
            # the named answers are ready before the first client comes: many clients asking at once
            # for answers not yet computed would otherwise all wait for the one named-query worker
            self.service.warm(WARM_BUDGET)
            self.sock = listen(self.settings.host, self.settings.port)
        except HttpError as exc:
            self.service.close()
            raise StoreError(exc.message, hint=exc.hint) from exc
        except StoreError:
            self.service.close()
            raise
        config = uvicorn.Config(create_app(self.service), http=JsonErrorHttpProtocol, loop="auto",
                                lifespan="off", access_log=False, log_level="warning", timeout_keep_alive=30,
                                server_header=False)
        self.uvicorn = uvicorn.Server(config)
        return self

    def serve(self) -> None:
        """Serve until interrupted, then stop the workers."""
        assert self.uvicorn is not None and self.sock is not None
        try:
            self.uvicorn.run(sockets=[self.sock])
        finally:
            self.close()

    def stop(self) -> None:
        """Ask a serving server to stop."""
        if self.uvicorn is not None:
            self.uvicorn.should_exit = True

    def close(self) -> None:
        """Stop the workers and close the socket."""
        if self.service is not None:
            self.service.close()
        if self.sock is not None:
            self.sock.close()


def serve_in_thread(settings: Settings) -> tuple[Server, threading.Thread]:
    """A started server serving in a thread (for notebooks and in-process use); stop() ends it."""
    server = Server(settings).start()
    assert server.uvicorn is not None
    server.uvicorn.config.install_signal_handlers = False  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve, name="rolegraph-serve", daemon=True)
    thread.start()
    return server, thread


def run_command(host: str, port: int, store: Path, timeout: float, max_rows: int, workers: int | None,
                allow_update: bool, token_file: Path | None, public: bool, quiet: bool,
                cors: tuple[str, ...] = (), memory: int = 2048, per_client: int = 0,
                base_iri: str | None = None, lang: str = "en", say: Callable[[str, bool], None] | None = None,
                _: Callable[[str], str] = str) -> None:
    """The body of `rolegraph serve`: check the options, start, announce (in the language of `_`),
    serve until Ctrl-C."""
    def echo(line: str, err: bool = False) -> None:
        if say is not None:
            say(line, err)

    warning = check_host(host, public)
    if warning:
        echo(_("warning") + ": " + _(warning).format(host=host), True)
    token = read_token(token_file)
    if token_file is not None and not allow_update:
        raise UsageError(N_("--token-file is for updates"), hint=N_("add --allow-update, or leave out --token-file"))
    if allow_update and token is None:
        raise UsageError(N_("--allow-update needs a token"),
                         hint=N_("give --token-file FILE or set {env}; make one with {command}"),
                         params={"env": TOKEN_ENV,
                                 "command": "python -c 'import secrets; print(secrets.token_urlsafe(32))' > token"})
    if token_file is not None and os.name == "posix" and token_file.stat().st_mode & 0o077:
        echo(_("warning") + ": " + _("{file} can be read by other users; chmod 600 it").format(file=token_file), True)
    n = workers or max(1, min(4, os.cpu_count() or 1))
    settings = Settings(store.resolve(), host, port, timeout, max_rows, n, allow_update, token, public, quiet,
                        cors=check_origins(cors), memory_mb=memory, per_client=per_client, base_iri=base_iri,
                        lang=lang)
    server = Server(settings).start()
    mode = _("updates with a token") if allow_update else _("read-only")
    cors_text = _("CORS for {origins}").format(origins=", ".join(settings.cors)) if settings.cors else _("no CORS")
    echo(_("rolegraph serve: {url} (SPARQL endpoint {url}sparql, named queries {url}queries; store {store}, "
           "{mode}, {n} workers, timeout {timeout} s, at most {rows} rows, {memory} MiB per worker, {cors}). "
           "Ctrl-C stops it.").format(url=server.url, store=settings.store, mode=mode, n=n, timeout=f"{timeout:g}",
                                      rows=max_rows, memory=memory, cors=cors_text))
    server.serve()

"""How the server runs: its settings, the loopback rule and the update token."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..i18n import N_

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MEMORY_MB = 2048
MAX_BODY = 4 * 1024 * 1024
TOKEN_ENV = "ROLEGRAPH_SERVE_TOKEN"
MIN_TOKEN_LENGTH = 16


@dataclass
class Settings:
    """How the server runs (the options of `rolegraph serve`)."""

    store: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    workers: int = 2
    allow_update: bool = False
    token: str | None = None
    public: bool = False
    quiet: bool = False
    cors: tuple[str, ...] = ()
    memory_mb: int = DEFAULT_MEMORY_MB
    per_client: int = 0  # concurrent SPARQL queries per client address; 0: workers - 1, at least 1
    queue: int = 8  # SPARQL queries that may wait for a worker before the server answers 503
    base_iri: str | None = None  # None: the URL of /sparql as the client called it
    allowed_hosts: set[str] = field(default_factory=set)
    lang: str = "en"  # of error answers to requests that ask for no language (?lang=, Accept-Language)

    @property
    def client_limit(self) -> int:
        """How many SPARQL queries one client address may have running or waiting."""
        return self.per_client or max(1, self.workers - 1)


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, public: bool) -> str | None:
    """Refuse a non-loopback address unless `public`; return a warning to print, if any."""
    if is_loopback(host):
        return None
    if not public:
        raise UsageError(N_("--host {host} is not a loopback address: the whole store would be readable "
                            "by anyone who can reach this machine"),
                         hint=N_("add --public if that is what you want (behind a TLS proxy), "
                                 "or keep the default --host 127.0.0.1"), params={"host": host})
    # a template: the caller says it in its language and fills in {host}
    return N_("serving on {host}, a public interface: anyone who can reach it can read the whole "
              "store (interview quotes included); updates still need the token, which plain HTTP sends in "
              "clear: put a TLS proxy in front")


def check_origins(origins: tuple[str, ...]) -> tuple[str, ...]:
    """The --cors allow-list, each entry a scheme://host[:port] origin (or *)."""
    out = []
    for origin in origins:
        o = origin.strip().rstrip("/")
        if o != "*" and (not o.startswith(("http://", "https://")) or "/" in o.split("://", 1)[1]):
            raise UsageError(N_("--cors {origin!r} is not an origin"),
                             hint=N_("give scheme://host[:port], e.g. --cors https://example.org, or * for any"), params={"origin": origin})
        out.append(o)
    return tuple(out)


def read_token(token_file: Path | None, env: dict[str, str] | None = None) -> str | None:
    """The update token from --token-file, else from $ROLEGRAPH_SERVE_TOKEN."""
    env = dict(os.environ) if env is None else env
    if token_file is not None:
        try:
            token: str | None = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(N_("cannot read the token file {token_file}: {exc}"), params={"token_file": token_file, "exc": exc}) from exc
    else:
        token = (env.get(TOKEN_ENV) or "").strip() or None
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise UsageError(N_("the update token is shorter than {MIN_TOKEN_LENGTH} characters"),
                         hint=N_("make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))' > "
                                 "token"), params={"MIN_TOKEN_LENGTH": MIN_TOKEN_LENGTH})
    return token

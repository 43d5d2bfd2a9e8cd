"""Where the graph lives: a `Target`, decided once (by the command line or a notebook) and passed down.

A target is a store directory (`Path`, the embedded store; `default_store_path()`
unless told otherwise) or a `RemoteConfig`, how to reach a remote SPARQL 1.1 store.
This module imports no store implementation, so that deciding the target is cheap
(`kg.stores` opens it). A notebook builds a remote one with `config_from(URL)` and
hands it to `kg.open_store` or `kg.build_store`; the command line builds it from
`rolegraph --endpoint URL [--update-endpoint URL] [--graph-store URL] COMMAND ...`
(also ROLEGRAPH_ENDPOINT, ROLEGRAPH_UPDATE_ENDPOINT and ROLEGRAPH_GRAPH_STORE).

Credentials come only from the environment (ROLEGRAPH_USER, ROLEGRAPH_PASSWORD,
ROLEGRAPH_AUTH=basic|digest, or ROLEGRAPH_TOKEN for a bearer token), so they
never show in a process list or shell history.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import UsageError
from .i18n import N_


@dataclass(frozen=True)
class RemoteConfig:
    """How to reach a remote SPARQL 1.1 store."""

    endpoint: str
    update_endpoint: str | None = None
    graph_store: str | None = None
    user: str | None = None
    password: str | None = None
    auth: str = "basic"
    token: str | None = None
    timeout: float = 120.0
    batch: int = 2000

    @property
    def updates(self) -> str:
        """The URL updates go to (the query endpoint unless a separate one is given)."""
        return self.update_endpoint or self.endpoint

    def describe(self) -> str:
        """What to call the store in messages."""
        return self.endpoint


def config_from(endpoint: str, update_endpoint: str | None = None, graph_store: str | None = None,
                env: dict[str, str] | None = None) -> RemoteConfig:
    """A RemoteConfig for these URLs, with credentials and limits from the environment."""
    env = dict(os.environ) if env is None else env
    auth = env.get("ROLEGRAPH_AUTH", "basic").lower()
    if auth not in ("basic", "digest"):
        raise UsageError(N_("ROLEGRAPH_AUTH must be basic or digest, not '{auth}'"), params={"auth": auth})
    try:
        timeout = float(env.get("ROLEGRAPH_TIMEOUT", "120"))
    except ValueError:
        raise UsageError(N_("ROLEGRAPH_TIMEOUT must be a number of seconds")) from None
    for name, url in (("--endpoint", endpoint), ("--update-endpoint", update_endpoint),
                      ("--graph-store", graph_store)):
        if url is not None and not re.match(r"https?://[^\s/]+", url):
            raise UsageError(N_("{name} must be an http(s) URL, not '{url}'"),
                             hint=N_("e.g. http://127.0.0.1:7878/query for Oxigraph, http://HOST:8890/sparql for "
                                     "Virtuoso"), params={"name": name, "url": url})
    return RemoteConfig(endpoint, update_endpoint or None, graph_store or None,
                        env.get("ROLEGRAPH_USER") or None, env.get("ROLEGRAPH_PASSWORD") or None,
                        auth, env.get("ROLEGRAPH_TOKEN") or None, timeout)


Target = Path | RemoteConfig


def default_store_path() -> Path:
    """Where the store lives unless told otherwise: $ROLEGRAPH_STORE, else the XDG data dir."""
    env = os.environ.get("ROLEGRAPH_STORE")
    if env:
        return Path(env)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "rolegraph" / "store"


def describe(target: Target | None) -> str:
    """What to call a target in messages: the store directory or the endpoint URL."""
    if target is None:
        target = default_store_path()
    return target.describe() if isinstance(target, RemoteConfig) else str(target)


def with_config(config: RemoteConfig, **changes: Any) -> RemoteConfig:
    """A copy of `config` with some fields changed."""
    return replace(config, **changes)

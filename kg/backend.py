"""Where the graph lives: the embedded store (default) or a remote SPARQL 1.1 store.

The commands never choose themselves. `kg.store.open_store` and
`kg.store.build_store` ask `current()`; when a remote store is configured they
hand out a `kg.remote.RemoteStore`, which speaks the subset of pyoxigraph's
`Store` API that the rest of rolegraph uses (query, update, quads_for_pattern,
named_graphs, extend, ...), so reason, query, explain, viz, export and check run
unchanged against either. Reasoning on a remote store runs as SPARQL Update
inside that store (`kg.remote.RemoteReasoner`).

A remote store is configured, in this order of precedence, by

* `use_remote(config)` (a context manager, for notebooks and tests);
* the command line: `rolegraph --endpoint URL [--update-endpoint URL]
  [--graph-store URL] COMMAND ...` (see `kg.remote.register`), whose options
  also read ROLEGRAPH_ENDPOINT, ROLEGRAPH_UPDATE_ENDPOINT and ROLEGRAPH_GRAPH_STORE.

Credentials come only from the environment (ROLEGRAPH_USER, ROLEGRAPH_PASSWORD,
ROLEGRAPH_AUTH=basic|digest, or ROLEGRAPH_TOKEN for a bearer token), so they
never show in a process list or shell history.

This module also holds the small SPARQL lexer that the server and the remote
client share: it finds the query form and keywords such as SERVICE and LOAD
outside strings, IRIs and comments. It imports nothing heavy.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

BASE = "https://w3id.org/rolegraph/"
# Blank nodes are skolemised on a remote store (RDF 1.1 Concepts, section 3.5), so that
# every statement can be addressed again in a later request and explained.
GENID = BASE + ".well-known/genid/"
GRAPH_PREFIX = BASE + "graph/"
STAGING_PREFIX = BASE + "staging/"

_META_KEY = "rolegraph.remote"
_CURRENT: ContextVar[RemoteConfig | None] = ContextVar("rolegraph_remote", default=None)


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
        return self.endpoint


def config_from(endpoint: str, update_endpoint: str | None = None, graph_store: str | None = None,
                env: dict[str, str] | None = None) -> RemoteConfig:
    """A RemoteConfig for these URLs, with credentials and limits from the environment."""
    env = dict(os.environ) if env is None else env
    auth = env.get("ROLEGRAPH_AUTH", "basic").lower()
    if auth not in ("basic", "digest"):
        from .errors import UsageError

        raise UsageError(f"ROLEGRAPH_AUTH must be basic or digest, not '{auth}'")
    try:
        timeout = float(env.get("ROLEGRAPH_TIMEOUT", "120"))
    except ValueError:
        from .errors import UsageError

        raise UsageError("ROLEGRAPH_TIMEOUT must be a number of seconds") from None
    for name, url in (("--endpoint", endpoint), ("--update-endpoint", update_endpoint),
                      ("--graph-store", graph_store)):
        if url is not None and not re.match(r"https?://[^\s/]+", url):
            from .errors import UsageError

            raise UsageError(f"{name} must be an http(s) URL, not '{url}'",
                             hint="e.g. http://127.0.0.1:7878/query for Oxigraph, http://HOST:8890/sparql for Virtuoso")
    return RemoteConfig(endpoint, update_endpoint or None, graph_store or None,
                        env.get("ROLEGRAPH_USER") or None, env.get("ROLEGRAPH_PASSWORD") or None,
                        auth, env.get("ROLEGRAPH_TOKEN") or None, timeout)


def current() -> RemoteConfig | None:
    """The remote store in force for this call, or None for the embedded store."""
    config = _CURRENT.get()
    if config is not None:
        return config
    click = sys.modules.get("click")  # only a running command line can have set it
    if click is not None:
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            found = ctx.meta.get(_META_KEY)
            return found if isinstance(found, RemoteConfig) else None
    return None


def set_for_command(ctx: Any, config: RemoteConfig | None) -> None:
    """Record the remote store for the running click command (and its subcommand)."""
    if config is None:
        ctx.meta.pop(_META_KEY, None)
    else:
        ctx.meta[_META_KEY] = config


@contextmanager
def use_remote(config: RemoteConfig | str | None) -> Iterator[RemoteConfig | None]:
    """Run the enclosed code against a remote store (a URL or a RemoteConfig); None: embedded."""
    if isinstance(config, str):
        config = config_from(config)
    token = _CURRENT.set(config)
    try:
        yield config
    finally:
        _CURRENT.reset(token)


def is_remote(store: object) -> bool:
    """Whether `store` is a remote store handle (rather than a pyoxigraph Store)."""
    return bool(getattr(store, "is_remote", False))


def store_label(path: object = None) -> str:
    """What to call the store in messages: the endpoint URL, or the store directory."""
    config = current()
    if config is not None:
        return config.describe()
    if path is None:
        from .store import default_store_path

        path = default_store_path()
    return str(path)


def with_config(config: RemoteConfig, **changes: Any) -> RemoteConfig:
    return replace(config, **changes)


# ---- a small SPARQL lexer ------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '''(?:[^'\\]|\\.|'(?!''))*'''
             | "(?:[^"\\\n\r]|\\.)*"
             | '(?:[^'\\\n\r]|\\.)*')
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d][\w\-\u00B7]*(?:\.[\w\-\u00B7]+)*)?:
              (?:[\w\-:%\u00B7]|\\[^\s]|\.(?=[\w\-:%\u00B7]))*)
  | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of each token, comments and white space left out.

    Kinds: iri, string, var, lang, pname (prefixed names and blank-node labels),
    number, word (keywords, function names, `a`, true/false) and punct.
    """
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None  # the last alternative matches any character
        pos = m.end()
        kind = m.lastgroup
        assert kind is not None
        if kind in ("ws", "comment"):
            continue
        yield kind, m.group(0)


def _unescaped(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        try:
            return chr(code)
        except ValueError:
            return m.group(0)
    return _UNICODE_ESCAPE.sub(sub, text)


def keywords(text: str) -> list[str]:
    """The bare words of the text in upper case (keywords and function names), in order."""
    return [t.upper() for kind, t in tokens(text) if kind == "word"]


def forbidden_keywords(text: str, forbidden: tuple[str, ...] = ("SERVICE", "LOAD")) -> list[str]:
    """Which of `forbidden` occur as keywords, outside strings, IRIs, comments and names.

    SPARQL lets `\\uXXXX` escapes stand anywhere in a query, and parsers differ on
    whether they are undone before tokenising; the text is checked both ways.
    """
    found: list[str] = []
    for variant in {text, _unescaped(text)}:
        for word in keywords(variant):
            if word in forbidden and word not in found:
                found.append(word)
    return found


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, ASK or DESCRIBE for a query; UPDATE for an update; None if unclear.

    The prologue (BASE, PREFIX) and comments are skipped, so a query that opens
    with a `#` comment is recognised (SPARQLWrapper's own guess is not).
    """
    for word in keywords(text):
        if word in ("PREFIX", "BASE"):
            continue
        if word in QUERY_FORMS:
            return word
        if word in UPDATE_WORDS:
            return "UPDATE"
        return None
    return None


def has_dataset_clause(text: str) -> bool:
    """Whether the query names its own dataset with FROM / FROM NAMED."""
    return "FROM" in keywords(text)

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

import functools
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # click is imported where a command is registered, not at import
    import click

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

_TOKEN_PATTERN = r"""
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
"""

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


@functools.lru_cache(maxsize=1)
def _token_re() -> re.Pattern[str]:
    return re.compile(_TOKEN_PATTERN, re.VERBOSE | re.DOTALL)


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of each token, comments and white space left out.

    Kinds: iri, string, var, lang, pname (prefixed names and blank-node labels),
    number, word (keywords, function names, `a`, true/false) and punct.
    """
    token = _token_re()
    pos = 0
    while pos < len(text):
        m = token.match(text, pos)
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


# ---- the command line -----------------------------------------------------------------------
# The options live here, in a module that imports nothing heavy, so that listing the
# commands does not import the HTTP server or the SPARQL client.

_STORE_COMMANDS = ("build", "reason", "query", "queries", "explain", "viz", "export", "sparql", "check")
_RAW = "rolegraph.remote.raw"


def register(main: Any) -> None:
    """Add `serve` and the remote-store options to the click group `main`.

    Call it after every other command is registered: --endpoint, --update-endpoint and
    --graph-store go on the group (`rolegraph --endpoint URL query ...`) and on each store
    command (`rolegraph query ... --endpoint URL`). Calling it twice changes nothing.
    """
    register_serve(main)
    register_remote(main)


def _remote_options() -> list[Any]:
    import click

    def remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        from .errors import RolegraphError

        raw = ctx.meta.setdefault(f"{_RAW}.{id(ctx)}", {})
        raw[param.name] = value
        if len(raw) < 3:  # decide once all three options of this command are known
            return value
        endpoint, update, gsp = raw["endpoint"], raw["update_endpoint"], raw["graph_store"]
        if endpoint:
            try:
                set_for_command(ctx, config_from(endpoint, update, gsp))
            except RolegraphError as exc:
                raise click.BadParameter(exc.message + (f" ({exc.hint})" if exc.hint else ""),
                                         ctx=ctx, param=param) from exc
        elif update or gsp:
            base = current()
            if base is None:
                raise click.UsageError("--update-endpoint and --graph-store need --endpoint", ctx=ctx)
            set_for_command(ctx, with_config(base, update_endpoint=update or base.update_endpoint,
                                             graph_store=gsp or base.graph_store))
        return value

    common: dict[str, Any] = {"expose_value": False, "callback": remember, "default": None, "show_envvar": True}
    return [
        click.Option(["--endpoint"], metavar="URL", envvar="ROLEGRAPH_ENDPOINT",
                     help="Work on the SPARQL 1.1 store at URL instead of the local store "
                          "(credentials from ROLEGRAPH_USER / ROLEGRAPH_PASSWORD).", **common),
        click.Option(["--update-endpoint"], metavar="URL", envvar="ROLEGRAPH_UPDATE_ENDPOINT",
                     help="Its SPARQL Update URL, when it differs from --endpoint.", **common),
        click.Option(["--graph-store"], metavar="URL", envvar="ROLEGRAPH_GRAPH_STORE",
                     help="Its Graph Store Protocol URL, for bulk loading (else INSERT DATA in batches).",
                     **common),
    ]


def register_remote(main: Any) -> None:
    """Add --endpoint, --update-endpoint and --graph-store to the group and its store commands."""
    for cmd in [main, *(main.commands[name] for name in _STORE_COMMANDS if name in main.commands)]:
        if not any(p.name == "endpoint" for p in cmd.params):
            cmd.params.extend(_remote_options())


def register_serve(main: click.Group) -> None:
    """Add the `serve` command (its body is kg.serve.run_command, imported when it runs)."""
    from pathlib import Path

    import click

    if "serve" in getattr(main, "commands", {}):
        return

    @main.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on; a non-loopback one needs --public.")
    @click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True,
                  help="Port to listen on (0: any free port, printed at start).")
    @click.option("--store", "store", type=click.Path(path_type=Path, file_okay=False), default=None,
                  envvar="ROLEGRAPH_STORE", show_envvar=True,
                  help="Store directory (default: ~/.local/share/rolegraph/store).")
    @click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
                  help="Seconds a query may run before it is stopped.")
    @click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
                  help="Largest result (rows, or triples) the server sends.")
    @click.option("--workers", type=click.IntRange(1, 64), default=None,
                  help="Query worker processes [default: CPUs, at most 4].")
    @click.option("--allow-update", is_flag=True,
                  help="Accept SPARQL updates with `Authorization: Bearer TOKEN` (needs a token).")
    @click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
                  help="File holding the update token (else $ROLEGRAPH_SERVE_TOKEN).")
    @click.option("--public", is_flag=True, help="Allow a non-loopback --host (prints a warning).")
    @click.option("--quiet", is_flag=True, help="Do not log requests.")
    def serve_cmd(**options: Any) -> None:
        """Serve the store over HTTP: a SPARQL 1.1 endpoint at /sparql, the named queries at
        /queries/NAME, a query page at / and the browser view at /viz.

        Read-only and on 127.0.0.1 unless told otherwise. Queries run in worker processes and
        are stopped after --timeout seconds; SERVICE and LOAD are refused.
        """
        from .serve import run_command

        run_command(**options)

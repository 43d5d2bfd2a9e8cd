"""The options the commands share, declared once, and how they become a `Target`.

The store a command works on is decided here, once: `--endpoint URL` (on the
group or the command, or ROLEGRAPH_ENDPOINT) names a remote SPARQL store, else
`--store DIR` (or ROLEGRAPH_STORE) the embedded one. The command gets the
resulting `Target` as its `target` argument (and in `ctx.obj`) and passes it down.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from ..errors import Msg, UsageError
from ..i18n import N_
from ..iris import LANGS
from ..targets import RemoteConfig, Target, config_from, default_store_path, with_config
from ..terminal import escape_controls
from .language import current_lang, say, take_lang
from .translated import IntRange, PathType, option

__all__ = ["current_lang", "say"]  # the language of what commands print, from kg.cli.language

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _remote_options(scope: str) -> list[Decorator]:
    common: dict[str, Any] = {"default": None, "show_envvar": True}
    return [
        option("--endpoint", metavar="URL", envvar="ROLEGRAPH_ENDPOINT",
                     help="Work on the SPARQL 1.1 store at URL instead of the local store "
                          f"{scope}(credentials from ROLEGRAPH_USER / ROLEGRAPH_PASSWORD).", **common),
        option("--update-endpoint", metavar="URL", envvar="ROLEGRAPH_UPDATE_ENDPOINT",
                     help="Its SPARQL Update URL, when it differs from --endpoint.", **common),
        option("--graph-store", metavar="URL", envvar="ROLEGRAPH_GRAPH_STORE",
                     help="Its Graph Store Protocol URL, for bulk loading (else INSERT DATA in batches).",
                     **common),
    ]


def with_options(options: list[Decorator]) -> Decorator:
    """Apply several click options, in the order listed."""
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(options):
            fn = opt(fn)
        return fn
    return deco


def remote_config(endpoint: str | None, update: str | None, graph_store: str | None,
                  base: RemoteConfig | None) -> RemoteConfig | None:
    """The remote store these option values name, on top of the group's (`base`), or None."""
    if endpoint:
        return config_from(endpoint, update, graph_store)
    if update or graph_store:
        if base is None:
            raise UsageError(N_("--update-endpoint and --graph-store need --endpoint"))
        return with_config(base, update_endpoint=update or base.update_endpoint,
                           graph_store=graph_store or base.graph_store)
    return base


group_remote_options = with_options(_remote_options("for every command "))


def store_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--store and the remote-store options, turned into one `target` argument."""
    @option("--store", "store", type=PathType(path_type=Path), default=None,
                  envvar="ROLEGRAPH_STORE", show_envvar=True,
                  help="Store directory (default: ~/.local/share/rolegraph/store).")
    @with_options(_remote_options(""))
    @wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        store: Path | None = kwargs.pop("store")
        base = ctx.find_root().obj
        config = remote_config(kwargs.pop("endpoint"), kwargs.pop("update_endpoint"), kwargs.pop("graph_store"),
                               base if isinstance(base, RemoteConfig) else None)
        target: Target = config if config is not None else (store or default_store_path())
        ctx.obj = target
        return fn(*args, target=target, **kwargs)
    return inner


def parse_params(params: tuple[str, ...]) -> dict[str, str]:
    """`--param name=value` options as a dict."""
    out = {}
    for item in params:
        if "=" not in item:
            raise UsageError(N_("--param takes NAME=VALUE, not {item!r}"), params={"item": item})
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


param_option = option("--param", "params", multiple=True, metavar="NAME=VALUE",
                             help="A query parameter (repeatable).")
format_option = option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                             show_default=True, help="json is the W3C SPARQL 1.1 results format.")
width_option = option("--width", type=IntRange(min=20), default=None, envvar="ROLEGRAPH_WIDTH",
                            show_envvar=True,
                            help="Lay tables out for this many columns (default: the terminal's; in a pipe, "
                                 "one row per line, tab-separated, values whole).")
_LANG_HELP = "Language of labels and of what rolegraph prints (en or da)."
group_lang_option = option("--lang", type=click.Choice(list(LANGS)), default=None, envvar="ROLEGRAPH_LANG",
                                 show_envvar=True, expose_value=False, is_eager=True, callback=take_lang,
                                 help=_LANG_HELP + " [default: en]")
# no envvar here: the group's option reads $ROLEGRAPH_LANG, so `rolegraph --lang da CMD` beats it
lang_option = option("--lang", type=click.Choice(list(LANGS)), default=None, callback=take_lang,
                           help=_LANG_HELP + " [default: the group's --lang, $ROLEGRAPH_LANG, or en]")
inference_options = with_options([
    option("--no-inference", is_flag=True, help="Leave inferred triples out of the answer."),
    option("--no-reason", is_flag=True, help="Do not reason first, even if the store is not reasoned."),
])
rules_option = option("--rules", "rules", multiple=True,
                            type=PathType(exists=True, file_okay=False, path_type=Path),
                            help="Extra directory of rule files (SPARQL CONSTRUCT with a #+ header).")
shacl_option = option("--shacl/--no-shacl", default=None,
                            help="Check every graph against the SHACL shapes, or none. By default the shapes "
                                 "check graphs from RDF files; YAML cases are checked field by field by the "
                                 "case schema.")
remote_context_option = option(
    "--allow-remote-context", is_flag=True,
    help="Let a JSON-LD case file's @context name a remote document, and fetch it "
         "(by default nothing is fetched and such a file is refused).")


def echo(message: str = "", *, err: bool = False, nl: bool = True, data: bool = False) -> None:
    """Print through the one escaping function (kg.terminal): control characters in case
    text are shown, not obeyed. `data` output (CSV, JSON, RDF) stays exact when it goes to a
    file or a pipe rather than a terminal."""
    stream = sys.stderr if err else sys.stdout
    exact = data and not stream.isatty()
    # color=True: click would strip what it takes for colour codes, and data must stay exact
    click.echo(message if exact else escape_controls(message), err=err, nl=nl, color=True)


def notice(message: str) -> None:
    """Tell the person at the terminal why a command waits (a Msg: in the command's language)."""
    echo(message.render(say()) if isinstance(message, Msg) else message, err=True)


def pseudonymise_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--pseudonymise and --key-file, for the commands whose output shows persons."""
    fn = option("--key-file", type=PathType(dir_okay=False, path_type=Path), default=None,
                      help="The pseudonym key file (default: $ROLEGRAPH_PSEUDONYM_KEY or "
                           "~/.config/rolegraph/pseudonym.key; made on first use, never printed).")(fn)
    return option("--pseudonymise", is_flag=True,
                        help="Replace persons' names and aliases by stable pseudonyms (keyed hash).")(fn)


def key_store(target: Target) -> Path | None:
    """The store directory a pseudonym key must stay out of (none for a remote store)."""
    return target if isinstance(target, Path) else None

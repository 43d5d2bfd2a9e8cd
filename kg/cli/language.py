"""The language of what a command prints, decided once per run.

`--lang` (the command's, else the group's), else $ROLEGRAPH_LANG, else English. The
root command decides it from its arguments before click parses them (`decide_from_args`),
so that `--help` and click's own usage errors, which come before or without the
options' callbacks, are in that language too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import click

from ..i18n import translator
from ..iris import LANGS

_LANG_KEY = "rolegraph.lang"
# the run's language once decided, for what click prints after its contexts have closed
# (a usage error is shown by `main` outside every context); reset by each run (`one_run`)
_DECIDED: ContextVar[str | None] = ContextVar("rolegraph_lang", default=None)
# set while click builds types at import: their names are kept in English, translated when shown
_SOURCE_ONLY: ContextVar[bool] = ContextVar("rolegraph_source_only", default=False)


def env_lang() -> str | None:
    """$ROLEGRAPH_LANG, if it names a language."""
    env = os.environ.get("ROLEGRAPH_LANG", "")
    return env if env in LANGS else None


def _decide(ctx: click.Context, lang: str) -> None:
    ctx.find_root().meta[_LANG_KEY] = lang
    _DECIDED.set(lang)


def take_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """A command's --lang (or $ROLEGRAPH_LANG), else the group's, else English; remembered
    for every message the command prints, errors included."""
    lang = str(value or ctx.find_root().meta.get(_LANG_KEY) or "en")
    _decide(ctx, lang)
    return lang


def lang_in_args(args: Sequence[str]) -> str | None:
    """The last valid `--lang X` / `--lang=X` among command-line arguments (before `--`)."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else arg.partition("=")[2]
        if (arg == "--lang" or arg.startswith("--lang=")) and value in LANGS:
            found = value
    return found


def decide_from_args(ctx: click.Context, args: Sequence[str]) -> None:
    """Decide the language before click parses `args`: the root command from its arguments
    (a subcommand's --lang among them), $ROLEGRAPH_LANG or English; a subcommand only when
    its own arguments name one."""
    found = lang_in_args(args)
    if ctx.parent is None:
        _decide(ctx, found or env_lang() or "en")
    elif found:
        _decide(ctx, found)


def _run_lang() -> str | None:
    """The language this run decided, if any (English while click's types are built)."""
    if _SOURCE_ONLY.get():
        return "en"
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().meta.get(_LANG_KEY):
        return str(ctx.find_root().meta[_LANG_KEY])
    return _DECIDED.get()


def decided_lang() -> str:
    """The language decided for this run (English outside a run, and while click's types are built)."""
    return _run_lang() or "en"


def current_lang() -> str:
    """The language of what the running command prints: --lang (command or group),
    $ROLEGRAPH_LANG, else English."""
    return _run_lang() or env_lang() or "en"


def say() -> Callable[[str], str]:
    """The translator for what the running command prints (see `current_lang`)."""
    return translator(current_lang())


@contextmanager
def source_language() -> Iterator[None]:
    """Build click objects in English (click translates some texts, such as a path type's
    name, when an object is made; rolegraph translates them when they are shown)."""
    token = _SOURCE_ONLY.set(True)
    try:
        yield
    finally:
        _SOURCE_ONLY.reset(token)


@contextmanager
def one_run() -> Iterator[None]:
    """A run of the CLI: nothing decided by an earlier run in the same process carries over."""
    token = _DECIDED.set(None)
    try:
        yield
    finally:
        _DECIDED.reset(token)

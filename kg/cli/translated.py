"""Click in the command's language: help texts, usage lines, metavars and click's own messages.

Help texts (docstrings, options' help) are written in English and kept so; they are
translated through the catalogue each time they are read (`Text`), in the language the
run decided (`kg.cli.language`), so one command object serves both languages. Metavars
are translated word by word (NAME, PATHS, INTEGER RANGE), and click's types (a path,
an integer) are named in that language in their errors. `make messages` finds every
such text by walking the commands, so a new command or option needs no marking
(`kg.cli.messages`).

Click's own texts ("Usage:", "Options", "No such option", "Show this message and
exit.") come from click's modules, each of which binds `_ = gettext.gettext`; `route_click`
rebinds those names to lookups in our catalogue. Why not gettext's domain binding: click
calls the process-wide default domain, with the language taken from $LANGUAGE/$LANG;
routing it would change the default domain for every library in the process and mean
setting $LANGUAGE, which children (Java, servers) inherit and which a user's shell
may set differently from --lang. The rebinding touches click alone and asks for the
language at each call; outside a rolegraph run (another click program in the same
process, such as uvicorn's) the answer is English, click's own.
"""

from __future__ import annotations

import gettext
import inspect
import re
from collections.abc import Callable
from typing import Any

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.shell_completion
import click.termui
import click.types
import click.utils

from ..i18n import N_, translation
from ..version import __version__
from .language import decide_from_args, decided_lang, source_language

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
# runs of upper-case words in a metavar: NAME, PATHS, INTEGER RANGE, [OPTIONS], COMMAND [ARGS]...
WORDS = re.compile(r"[A-Z]+(?: [A-Z]+)*")
CLICK_MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                  click.shell_completion, click.termui, click.types, click.utils)


def _click_gettext(message: str) -> str:
    return translation(decided_lang()).gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return translation(decided_lang()).ngettext(singular, plural, n)


def route_click() -> None:
    """Let click's modules say their texts through the catalogue, in the run's language."""
    for module in CLICK_MODULES:
        if getattr(module, "_", None) is gettext.gettext:
            vars(module)["_"] = _click_gettext
        if getattr(module, "ngettext", None) is gettext.ngettext:
            vars(module)["ngettext"] = _click_ngettext


def metavar_in(text: str) -> str:
    """A metavar with its words in the run's language (choices such as [csv|json] stay)."""
    t = translation(decided_lang())
    return WORDS.sub(lambda m: t.gettext(m.group()), text)


class Text:
    """A help text kept as written (English) and read in the run's language."""

    def __init__(self, *, metavar: bool = False, default: str | None = None) -> None:
        self.metavar = metavar
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        text = obj.__dict__.get(self.name, self.default)
        if not text:
            return text
        return metavar_in(text) if self.metavar else translation(decided_lang()).gettext(text)

    def __set__(self, obj: object, value: str | None) -> None:
        obj.__dict__[self.name] = value if self.metavar or not value else inspect.cleandoc(value)


def english(obj: object, name: str) -> str | None:
    """A text of a command or parameter as written, in English."""
    value = obj.__dict__.get(name)
    return value if isinstance(value, str) else None


class Option(click.Option):
    """An option whose help and metavar are shown in the run's language."""

    help = Text()

    def make_metavar(self, ctx: click.Context) -> str:
        return metavar_in(super().make_metavar(ctx))


class Argument(click.Argument):
    """An argument whose metavar (NAME, PATHS) is shown in the run's language."""

    help = Text()

    def make_metavar(self, ctx: click.Context) -> str:
        return metavar_in(super().make_metavar(ctx))


class PathType(click.Path):
    """click's path type, named (in its errors and metavar: 'directory', FILE) in the run's language."""

    name = Text()


class IntRange(click.IntRange):
    """click's integer range, named in the run's language."""

    name = Text(default=N_("integer range"))


class FloatRange(click.FloatRange):
    """click's float range, named in the run's language."""

    name = Text(default=N_("float range"))


class Integer(click.types.IntParamType):
    """click's integer, named in the run's language."""

    name = Text(default=N_("integer"))


INTEGER = Integer()


class Command(click.Command):
    """A command whose help, usage line and options are shown in the run's language."""

    help = Text()
    short_help = Text()
    options_metavar = Text(metavar=True)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # before click parses: `--help` and usage errors come before the --lang callback
        decide_from_args(ctx, args)
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        # click makes its help option once per command, a plain Option with the help text of
        # the moment; made in English and read through `Option.help`, it follows each run
        with source_language():
            option = super().get_help_option(ctx)
        if option is not None and type(option) is click.Option:
            option.__class__ = Option
        return option


class Group(Command, click.Group):
    """A group of commands, shown in the run's language."""

    subcommand_metavar = Text(metavar=True)


def command(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], Command]:
    """`click.command` making a `Command`."""
    return click.command(name, cls=Command, **attrs)


def option(*decls: str, **attrs: Any) -> Decorator:
    """`click.option` making an `Option`."""
    return click.option(*decls, cls=Option, **attrs)


def argument(*decls: str, **attrs: Any) -> Decorator:
    """`click.argument` making an `Argument`."""
    return click.argument(*decls, cls=Argument, **attrs)


def _version(ctx: click.Context) -> str:
    return translation(decided_lang()).gettext("%(prog)s, version %(version)s") % {
        "prog": ctx.find_root().info_name, "version": __version__}


version_option = click.decorators.custom_version_option(_version, "--version", cls=Option,
                                                        help=N_("Show the version and exit."))

"""The CLI's texts for the catalogue: every help text and metavar word, found by walking the
commands (so that a new command or option needs no marking), and click's own messages.

`make messages` runs `extract_cli` through Babel (babel.cfg); the catalogue test
checks that each of these texts has its Danish.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

import click
from babel.messages.extract import extract_python

from . import main
from .language import source_language
from .translated import CLICK_MODULES, WORDS, english


def help_texts(group: click.Group) -> Iterator[str]:
    """Every text the group's and its commands' help shows, in English: docstrings, options'
    help, and the words of metavars."""
    with source_language():
        ctx = click.Context(group, info_name=group.name)
        commands: list[click.Command] = [group]
        commands += [c for name in group.list_commands(ctx) if (c := group.get_command(ctx, name))]
        for cmd in commands:
            cmd_ctx = click.Context(cmd, parent=ctx if cmd is not group else None, info_name=cmd.name)
            yield from (t for t in (english(cmd, "help"), english(cmd, "short_help")) if t)
            metavars = [english(cmd, "options_metavar"), english(cmd, "subcommand_metavar")]
            for param in cmd.get_params(cmd_ctx):
                if help_text := english(param, "help"):
                    yield help_text
                if not getattr(param, "is_flag", False):  # a flag shows no metavar
                    metavars.append(param.make_metavar(cmd_ctx))
            for metavar in metavars:
                yield from WORDS.findall(metavar or "")


def click_texts() -> Iterator[tuple[Any, ...]]:
    """click's own messages (`_("...")` and `ngettext(...)` in the modules rolegraph routes),
    as Babel's Python extractor gives them."""
    keywords = {"_": None, "ngettext": (1, 2)}
    for module in CLICK_MODULES:
        with open(inspect.getsourcefile(module) or "", "rb") as fh:
            yield from extract_python(fh, keywords, [], {})


def extract_cli(fileobj: BinaryIO, keywords: Any, comment_tags: Sequence[str],
                options: Any) -> Iterator[tuple[Any, ...]]:
    """A Babel extractor (babel.cfg): the messages marked in the file, every help text of the
    CLI (`help_texts`) and click's own messages (`click_texts`)."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for text in sorted(set(help_texts(main))):
        yield 0, "", text, []
    yield from click_texts()

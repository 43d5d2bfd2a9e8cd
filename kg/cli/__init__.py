"""The `rolegraph` command: the table of commands, and errors mapped to exit codes in one place.

Commands are loaded when named (click's LazyGroup), so `rolegraph --help` and each
command import only what they use. Errors print as `Error: file:line: field:
message` with a hint; exit codes: 0 success, 1 invalid data or failed operation,
2 usage error (`kg.errors`). The group's --endpoint options decide a remote store
for every command; `ctx.obj` carries it, and each store command turns it (or its
own --store / --endpoint) into the `Target` it passes down.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from ..errors import CaseDataError, RolegraphError
from .language import one_run, source_language
from .options import echo, group_lang_option, group_remote_options, remote_config, say
from .translated import Group, route_click, version_option

COMMANDS = {
    "build": "build",
    "check": "check_cmd",
    "docs": "docs_cmd",
    "explain": "explain_cmd",
    "export": "export",
    "export-qdpx": "export_qdpx_cmd",
    "generate": "generate_cmd",
    "import-qdpx": "import_qdpx_cmd",
    "new-case": "new_case_cmd",
    "new-extension": "new_extension_cmd",
    "queries": "queries_cmd",
    "query": "query_cmd",
    "reason": "reason_cmd",
    "report": "report_cmd",
    "roles": "roles",
    "serve": "serve_cmd",
    "sparql": "sparql_cmd",
    "validate": "validate",
    "validate-extensions": "validate_extensions_cmd",
    "viz": "viz_cmd",
}


class LazyGroup(Group):
    """A group whose commands (in `kg.cli.commands`) are imported when first named."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            with source_language():  # click names some types in the language of the moment
                commands = importlib.import_module(".commands", __name__)
            cmd = getattr(commands, self.lazy[cmd_name])
            assert isinstance(cmd, click.Command), cmd_name
            self.add_command(cmd, cmd_name)
        return super().get_command(ctx, cmd_name)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """One run of the CLI, in the language it decides."""
        with one_run():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        """Map our errors to messages and exit codes (click maps its own usage errors to 2)."""
        try:
            return super().invoke(ctx)
        except CaseDataError as exc:
            _ = say()
            for p in exc.problems:
                echo(p.render(_), err=True)
            echo(_("{n} problem(s) found; nothing was changed.").format(n=len(exc.problems)), err=True)
            ctx.exit(exc.exit_code)
        except RolegraphError as exc:
            _ = say()
            echo(_("Error") + ": " + exc.render(_), err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@version_option
@group_remote_options
@group_lang_option
@click.pass_context
def main(ctx: click.Context, endpoint: str | None, update_endpoint: str | None, graph_store: str | None) -> None:
    """rolegraph: a knowledge graph of actors, roles and relations in co-production.

    Pipeline: cases -> validate -> build -> reason -> query -> viz / serve.
    """
    ctx.obj = remote_config(endpoint, update_endpoint, graph_store, None)


# after the group's options are made (in English): from now on click speaks the run's language
route_click()

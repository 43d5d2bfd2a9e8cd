"""The command table of kg.cli: every command loads lazily, has --help, and the table is the CLI."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from kg.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: main {name}" in result.output or f"Usage: rolegraph {name}" in result.output


def test_the_table_is_the_command_line() -> None:
    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        cmd = main.get_command(ctx, name)
        assert isinstance(cmd, click.Command) and cmd.name == name


def test_store_commands_take_a_store_or_an_endpoint() -> None:
    ctx = click.Context(main)
    store_commands = {"build", "check", "explain", "export", "export-qdpx", "queries", "query", "reason", "report",
                      "sparql", "viz"}
    for name in COMMANDS:
        cmd = main.get_command(ctx, name)
        assert cmd is not None
        params = {p.name for p in cmd.params}
        assert ({"store", "endpoint", "update_endpoint", "graph_store"} <= params) == (name in store_commands), name


def test_update_endpoint_without_endpoint_is_a_usage_error(tmp_path) -> None:
    result = CliRunner().invoke(main, ["--update-endpoint", "http://127.0.0.1:9/update", "queries"],
                                env={"ROLEGRAPH_ENDPOINT": ""})
    assert result.exit_code == 2 and "need --endpoint" in result.output

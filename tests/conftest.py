"""Shared fixtures. Tests that need Java, Chromium or a server fail in CI when
the tool is missing (a skip there would hide a missing install step) and skip
elsewhere with a message naming the setup command."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
SOURCES = ROOT / "sources"


def require_tool(name: str, path: str | None = None) -> str:
    """The path of an external tool; fail in CI, skip elsewhere, when it is missing."""
    found = path if path and Path(path).exists() else shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed; `make test` (scripts/setup.sh test) installs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh store location, also set as ROLEGRAPH_STORE for the CLI."""
    path = tmp_path / "store"
    monkeypatch.setenv("ROLEGRAPH_STORE", str(path))
    return path


@pytest.fixture
def cli(store: Path):
    """Run `rolegraph ...` in-process; returns a function giving the click Result."""
    from kg.cli import main

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once from the shipped cases."""
    from kg.cases.validate import load_cases
    from kg.pipeline import build_store

    path = tmp_path_factory.mktemp("shipped") / "store"
    build_store(load_cases([CASES]), path)
    return path


@pytest.fixture(scope="session")
def reasoned_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the shipped cases and reasoned, once per session."""
    from kg.cases.validate import load_cases
    from kg.pipeline import build_store
    from kg.reasoning import reason
    from kg.stores import open_store

    path = tmp_path_factory.mktemp("reasoned") / "store"
    build_store(load_cases([CASES]), path)
    with open_store(path, write=True) as st:
        reason(st)
    return path

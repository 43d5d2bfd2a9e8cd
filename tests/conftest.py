"""Shared fixtures. Tests that need Java, Chromium or a server fail in CI when
the tool is missing (a skip there would hide a missing install step) and skip
elsewhere with a message naming the setup command."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
SOURCES = ROOT / "sources"
T = TypeVar("T")

# The fast inner loop is a run that leaves out the slow tests (`pytest -m "not slow"`): it runs
# on every core (pytest-xdist) and samples what the full run (`make test`) checks exhaustively.
FAST_LOOP = False


def _is_fast_loop(config: pytest.Config) -> bool:
    return "not slow" in (config.getoption("markexpr", "") or "")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The fast loop runs on all cores unless `-n` says otherwise; the full run stays in one
    process (its servers, browser and Java tests are not written for parallel runs)."""
    if (_is_fast_loop(config) and config.pluginmanager.hasplugin("xdist")
            and getattr(config.option, "numprocesses", 0) is None and not os.environ.get("PYTEST_XDIST_WORKER")):
        config.option.numprocesses = "logical"  # every CPU the machine shows, hyperthreads too
        if getattr(config.option, "dist", "no") == "no":
            # Each worker starts with one half of the tests in file order (a file's module
            # fixtures are built by one worker, not by each) and, when done, takes half of
            # what the other has left, so that no worker waits at the end.
            config.option.dist = "worksteal"


# Where the fast loop keeps its temporary files when TMPDIR does not say: a folder in memory.
# The tests open and close some two thousand RocksDB stores, and on a disk each open waits
# for its files to reach the disk: the same tests take a third of the time in memory.
MEMORY_TMP = Path("/dev/shm")
# A run keeps about 300 MB there and pytest keeps the last three runs: a small /dev/shm
# (a container's default is 64 MB) is left alone.
MEMORY_TMP_NEEDS = 2 << 30


def _memory_tmp_fits() -> bool:
    try:
        return MEMORY_TMP.is_dir() and os.access(MEMORY_TMP, os.W_OK) and shutil.disk_usage(MEMORY_TMP).free >= MEMORY_TMP_NEEDS
    except OSError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    global FAST_LOOP
    FAST_LOOP = _is_fast_loop(config)
    if (FAST_LOOP and not os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("TMPDIR")
            and config.option.basetemp is None and _memory_tmp_fits()):
        # Set before the first temporary directory is made: pytest's own (tmp_path), the
        # workers' (they inherit the environment) and those of the processes tests start.
        os.environ["TMPDIR"] = str(MEMORY_TMP)
        tempfile.tempdir = None  # tempfile reads TMPDIR again


def pytest_collection_finish(session: pytest.Session) -> None:
    # Opening and closing a store runs a full garbage collection (kg/stores/embedded.py); the
    # modules and tests loaded so far live to the end, so later collections can skip them.
    gc.collect()
    gc.freeze()
    _HELD[0] = _held_bytes()


# How much memory the objects tests set aside (below) may take before they are collected again;
# a full collection walks the whole heap (some 0.15 s), so it is done when this much has
# gathered at the end of a module, not at the end of every module. What was set aside is
# measured by the memory the process holds: counting the frozen objects (gc.get_freeze_count)
# walks them all, and at the end of every module that cost more than the collections it saved.
SET_ASIDE_BYTES = 48 << 20
_HELD = [0]  # the memory held after the last full collection


def _held_bytes() -> int:
    """The resident memory of this process (Linux), else an estimate from the frozen objects."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return gc.get_freeze_count() * 160


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # What earlier tests left (module fixtures, the caches they filled) is set aside too
    # before each test: the collections a test's store opens and closes run (a fifth of the
    # fast loop's time, mostly spent walking the same caches) then only walk what this test
    # made. Its own fixtures are set up after this point and so are collected.
    gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    done = nextitem is None or nextitem.module is not getattr(item, "module", None)
    collect = done and _held_bytes() - _HELD[0] > SET_ASIDE_BYTES
    if collect:
        # Before the module's fixtures are torn down: a store they close is collected by the
        # collection that follows its closing, as outside the tests.
        gc.unfreeze()
    yield
    if collect:
        # What the tests set aside is collected like anything else (a cycle that still held a
        # store or a large graph is freed here).
        gc.collect()
        gc.freeze()
        _HELD[0] = _held_bytes()


def examples(full: int) -> int:
    """How many examples a property-based test tries: all of them in the full run, a tenth in
    the fast loop."""
    return max(10, full // 10) if FAST_LOOP else full


def sample(items: list[T], size: int) -> list[T]:
    """All items in the full run; in the fast loop `size` of them, evenly spread."""
    if not FAST_LOOP or len(items) <= size:
        return items
    return items[:: -(-len(items) // size)]


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
def cli_built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once by `rolegraph build cases/`, for tests to copy (`shipped_copy`)."""
    from kg.cli import main

    path = tmp_path_factory.mktemp("cli-built") / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(path), str(CASES)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def shipped_copy(cli_built_store: Path, store: Path) -> Path:
    """The test's store (ROLEGRAPH_STORE) holding a copy of the shipped cases' build, unreasoned."""
    shutil.copytree(cli_built_store, store)
    return store


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

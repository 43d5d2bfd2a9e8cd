"""The store folder: never delete what is not ours, one writer at a time, no leftovers.

The concurrency tests run real `rolegraph` processes against a real store; a helper
process holds the writer lock until the test lets it go, so the order is fixed
without sleeping for a guessed time. A command that only has to meet that other
process (a second writer giving up, a reader) runs in this process (`_here`): a
process of its own would add nothing but another start of the package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.stores.folder import MARKER, building_path, is_ours, lock_path
from tests.conftest import CASES, SOURCES
from tests.servers import rolegraph_serve

ROLEGRAPH = [sys.executable, "-m", "kg.cli"]
ONE_CASE = min(CASES.glob("*.yaml"))


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ROLEGRAPH, *args], check=False, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd)


def _built(store: Path, source: Path) -> None:
    """`rolegraph build` in this process: the store a test about other processes starts from
    (a process of its own would cost a second start-up of the package)."""
    result = CliRunner().invoke(main, ["build", "--store", str(store), str(source)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _here(monkeypatch: pytest.MonkeyPatch, *args: str, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`rolegraph ARGS` in this process, answered as `_run` answers: for the tests of what a
    build refuses, which need no second process."""
    with monkeypatch.context() as m:
        for name, value in (env or {}).items():
            m.setenv(name, value)
        if cwd is not None:
            m.chdir(cwd)
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(["rolegraph", *args], result.exit_code, result.stdout, result.stderr)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


# --- 1. never delete what is not ours ---------------------------------------------------

def test_build_refuses_a_folder_of_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "interview-01.txt").write_text("my only copy\n", encoding="utf-8")
    before = _tree(notes)
    proc = _here(monkeypatch, "build", "--store", str(notes), str(CASES), cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert "is not a rolegraph store" in proc.stderr and "interview-01.txt" in proc.stderr
    assert _tree(notes) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]  # no temporary folder left


def test_build_refuses_the_case_folder_it_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(CASES, cases)
    shutil.copytree(SOURCES, tmp_path / "sources")  # the documents the cases quote, beside them
    before = _tree(cases)
    proc = _here(monkeypatch, "build", "--store", "cases", "cases/", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert _tree(cases) == before


def test_build_refuses_rolegraph_store_env_naming_a_foreign_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "thesis.md").write_text("chapter 1\n", encoding="utf-8")
    before = _tree(home)
    proc = _here(monkeypatch, "build", str(CASES), env={"ROLEGRAPH_STORE": str(home)}, cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert _tree(home) == before


def test_build_refuses_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "store"
    target.write_text("not a folder\n", encoding="utf-8")
    proc = _here(monkeypatch, "build", "--store", str(target), str(ONE_CASE))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
    assert target.read_text(encoding="utf-8") == "not a folder\n"


def test_build_uses_an_empty_folder_and_rebuilds_its_own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "store"
    target.mkdir()
    _built(target, ONE_CASE)
    assert (target / MARKER).is_file() and is_ours(target)
    proc = _here(monkeypatch, "build", "--store", str(target), str(CASES))
    assert proc.returncode == 0, proc.stderr
    assert (target / MARKER).is_file()


def test_a_store_built_before_the_marker_is_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "store"
    _built(target, ONE_CASE)
    (target / MARKER).unlink()  # as a store of an earlier version has it
    assert is_ours(target)
    assert _here(monkeypatch, "build", "--store", str(target), str(CASES)).returncode == 0
    # A RocksDB folder without our build record is somebody else's database.
    other = tmp_path / "other-db"
    st = ox.Store(str(other))
    st.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b"),
                   ox.Literal("c")))
    st.flush()
    del st
    assert not is_ours(other)
    proc = _here(monkeypatch, "build", "--store", str(other), str(ONE_CASE))
    assert proc.returncode == 2, proc.stderr


# --- 2. one writer at a time --------------------------------------------------------------

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from kg.stores.lock import writer_lock
    with writer_lock(Path(sys.argv[1]), "test holder"):
        print("locked", flush=True)
        sys.stdin.readline()
""")


class _Holder:
    """A separate process that holds the writer lock of a store until released."""

    def __init__(self, store: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.wait(timeout=30) == 0

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def _wait_for_line(proc: subprocess.Popen[str], needle: str) -> str:
    """Read a process's standard error until a line contains `needle` (bounded by its exit)."""
    assert proc.stderr is not None
    seen = ""
    for line in proc.stderr:
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never printed; stderr was:\n{seen}")


def _count_cases(store: Path) -> int:
    st = ox.Store.read_only(str(store))
    n = sum(1 for g in st.named_graphs() if isinstance(g, ox.NamedNode) and "/graph/case/" in g.value)
    del st
    return n


def test_a_second_writer_gives_up_with_exit_1_and_leaves_the_store_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    _built(store, ONE_CASE)
    before = _tree(store)
    holder = _Holder(store)  # the first writer is another process; the second runs here
    try:
        env = {"ROLEGRAPH_LOCK_TIMEOUT": "0.2"}
        for args in (["build", "--store", str(store), str(CASES)], ["reason", "--store", str(store)]):
            proc = _here(monkeypatch, *args, env=env)
            _no_traceback(proc)
            assert proc.returncode == 1, proc.stderr
            assert "waiting for process" in proc.stderr and "test holder" in proc.stderr
            assert "gave up after 0.2 s" in proc.stderr
    finally:
        holder.kill()
    assert _tree(store) == before
    assert _count_cases(store) == 1


def test_a_waiting_build_goes_on_when_the_writer_finishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    _built(store, ONE_CASE)
    holder = _Holder(store)
    build = subprocess.Popen([*ROLEGRAPH, "build", "--store", str(store), str(CASES)], text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_line(build, "waiting for process")
        # While the build waits, readers read the previous store.
        assert _count_cases(store) == 1
        proc = _here(monkeypatch, "query", "--store", str(store), "--no-reason", "role-transfer")
        assert proc.returncode == 0, proc.stderr
        holder.release()
        _, err = build.communicate(timeout=120)
        assert build.returncode == 0, err
    finally:
        holder.kill()
        if build.poll() is None:
            build.kill()
            build.wait(timeout=30)
    assert _count_cases(store) == len(list(CASES.glob("*.yaml")))


@pytest.mark.slow  # five processes building and reasoning the shipped cases (the fast loop keeps the tests above)
def test_build_and_reason_at_once_leave_a_sound_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _built(store, CASES)
    procs = [subprocess.Popen([*ROLEGRAPH, *args, "--store", str(store)], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for args in (["reason"], ["build", str(CASES)], ["reason"], ["build", str(ONE_CASE)])]
    results = [(p.communicate(timeout=300), p.returncode) for p in procs]
    for (_, err), code in results:
        assert code == 0 and "Traceback" not in err, err
    # The last build to take the lock decides the corpus; each is whole, never a mix.
    n = _count_cases(store)
    assert n in (1, len(list(CASES.glob("*.yaml"))))
    proc = _run("query", "--store", str(store), "role-transfer")
    assert proc.returncode == 0, proc.stderr
    assert not list(tmp_path.glob(".store.building-*"))


# --- 7. leftovers and the swap window -------------------------------------------------------

def test_leftovers_of_killed_builds_are_removed_by_the_next_build(tmp_path: Path) -> None:
    store = tmp_path / "store"
    # A build killed in the middle of loading: its temporary store stays behind.
    build = subprocess.Popen([*ROLEGRAPH, "build", "--store", str(store), str(CASES)], text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    leftover = store.with_name(f".store.building-{build.pid}")
    for _ in range(6000):
        if (leftover / MARKER).exists() or build.poll() is not None:
            break
        os.sched_yield()
    build.kill()
    build.wait(timeout=30)
    if not leftover.exists():  # the build finished before the kill: make the leftover by hand
        leftover.mkdir()
        (leftover / MARKER).write_text("{}\n", encoding="utf-8")
    stale_rocksdb = store.with_name(".store.building-999999")  # an earlier version's, without the marker
    st = ox.Store(str(stale_rocksdb))
    st.flush()
    del st
    foreign = store.with_name(".store.building-12345")  # named like ours, but not ours
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine\n", encoding="utf-8")
    _built(store, ONE_CASE)
    assert not leftover.exists() and not stale_rocksdb.exists()
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "mine\n"
    assert building_path(store).name.startswith(".store.building-")


def test_a_reader_in_the_swap_window_waits_for_the_build(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _built(store, CASES)
    # A build between its two renames: the store has moved to store.old, the new one is not in yet.
    holder = _Holder(store)
    store.rename(store.with_name("store.old"))
    reader = subprocess.Popen([*ROLEGRAPH, "query", "--store", str(store), "--no-reason", "role-transfer"],
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_line(reader, "waiting for process")
        store.with_name("store.old").rename(store)  # the swap completes
        holder.release()
        _, err = reader.communicate(timeout=120)
        assert reader.returncode == 0 and "Traceback" not in err, err
    finally:
        holder.kill()
        if reader.poll() is None:
            reader.kill()
            reader.wait(timeout=30)


def test_a_swap_left_half_done_is_finished_by_the_next_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    _built(store, ONE_CASE)
    store.rename(store.with_name("store.old"))  # a build killed between its renames
    proc = _here(monkeypatch, "query", "--store", str(store), "--no-reason", "role-transfer")
    assert proc.returncode == 0, proc.stderr
    assert is_ours(store) and not store.with_name("store.old").exists()


def test_the_lock_file_lies_beside_the_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _built(store, ONE_CASE)
    assert lock_path(store).parent == store.parent and not (store / lock_path(store).name).exists()


def test_a_foreign_folder_named_like_the_old_store_is_not_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    _built(store, ONE_CASE)
    old = tmp_path / "store.old"
    old.mkdir()
    (old / "keep.txt").write_text("mine\n", encoding="utf-8")
    proc = _here(monkeypatch, "build", "--full", "--store", str(store), str(ONE_CASE))  # the same file again: "unchanged"
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert (old / "keep.txt").read_text(encoding="utf-8") == "mine\n"
    assert is_ours(store)


def _post_update(url: str, text: str, token: str) -> tuple[int, dict[str, object]]:
    req = urllib.request.Request(url, data=text.encode("utf-8"), method="POST", headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {}
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read().decode("utf-8"))


@pytest.mark.slow
def test_a_server_with_updates_is_one_writer_among_the_others(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _built(store, ONE_CASE)
    token = "t" * 32
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    insert = 'INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> "by an update" } }'
    with rolegraph_serve(store, "--allow-update", "--token-file", str(token_file), log=tmp_path / "serve.log",
                         env={"ROLEGRAPH_LOCK_TIMEOUT": "1"}) as server:
        url = server.endpoints["sparql"]
        holder = _Holder(store)
        try:
            status, body = _post_update(url, insert, token)
            assert status == 503 and "test holder" in str(body), body
        finally:
            holder.kill()
        assert _post_update(url, insert, token)[0] == 200
        # Between updates the server holds no writer: a build and a reason go through at once.
        proc = _run("build", "--store", str(store), str(CASES), env={"ROLEGRAPH_LOCK_TIMEOUT": "1"})
        assert proc.returncode == 0, proc.stderr
        proc = _run("reason", "--store", str(store), env={"ROLEGRAPH_LOCK_TIMEOUT": "1"})
        assert proc.returncode == 0, proc.stderr
        assert _post_update(url, insert, token)[0] == 200  # into the new store
    st = ox.Store.read_only(str(store))
    assert len(list(st.quads_for_pattern(ox.NamedNode("urn:x:s"), None, None, ox.NamedNode("urn:x:g")))) == 1
    del st
    assert _count_cases(store) == len(list(CASES.glob("*.yaml")))


def test_a_reader_tries_again_when_a_compaction_removed_a_file_it_was_opening(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers take no lock: a writer's compaction can remove an SST file between RocksDB's
    reading of the manifest and its opening of the file. The open is tried again (the error
    text is RocksDB's, as `rolegraph build` met it beside `rolegraph reason`); an error of
    another kind is raised at once."""
    from kg.stores import embedded

    store = tmp_path / "store"
    _built(store, ONE_CASE)
    real = ox.Store.read_only
    calls: list[str] = []

    def racing(path: str) -> ox.Store:
        calls.append(path)
        if len(calls) <= 2:
            raise RuntimeError(f"Corruption: Corruption: IO error: No such file or directory: While open a file for "
                               f"random read: {path}/000009.sst: No such file or directory  The file "
                               f"{path}/MANIFEST-000041 may be corrupted.")
        return real(path)

    monkeypatch.setattr(embedded, "OPEN_RETRY_S", 0.0)
    monkeypatch.setattr(ox.Store, "read_only", staticmethod(racing))
    with embedded.opened(store, write=False) as handle:
        assert any(True for _ in handle.quads_for_pattern(None, None, None, None))
    assert len(calls) == 3

    def refused(path: str) -> ox.Store:
        calls.append(path)
        raise OSError("Invalid argument: not a directory")

    calls.clear()
    monkeypatch.setattr(ox.Store, "read_only", staticmethod(refused))
    with pytest.raises(Exception, match="cannot open the store"), embedded.opened(store, write=False):
        pass
    assert len(calls) == 1

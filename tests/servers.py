"""Start and stop real servers on 127.0.0.1 for the tests and the load test.

    rolegraph_serve(store, ...)     `rolegraph serve` (as `python -m kg.server`), on a free port
    oxigraph_server(dir, binary)    `oxigraph serve --location DIR --bind 127.0.0.1:PORT`
    virtuoso_server(dir)            Virtuoso 7 (virtuoso-t in the foreground) with a temporary
                                    virtuoso.ini, loopback ports, SPARQL update and the Graph
                                    Store Protocol granted through isql-vt

Each is a context manager that yields a `Running` and stops the server on exit, also when
the body raised. Every wait is bounded; a server that does not come up in time is killed
and its log is put into the error.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerError(RuntimeError):
    """A server did not start (its log is in the message)."""


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    """A started server process."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    url: str = ""
    endpoints: dict[str, str] = field(default_factory=dict)

    def logs(self, tail: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self, grace: float = 15.0) -> None:
        """Ask the server to stop (SIGTERM), then kill it if it has not within `grace` seconds."""
        if self.process.poll() is not None:
            return
        try:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _start(name: str, cmd: list[str], log: Path, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> Running:
    log.parent.mkdir(parents=True, exist_ok=True)
    out = open(log, "wb")  # noqa: SIM115 - the child writes to it; closed with the process
    try:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                   stdin=subprocess.DEVNULL)
    finally:
        out.close()
    return Running(name, process, log)


def http_status(url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> int:
    """The HTTP status of a GET (0 when nothing answers)."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


def _wait(running: Running, ready: callable, timeout: float) -> None:  # type: ignore[valid-type]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise ServerError(f"{running.name} exited with {running.process.returncode} while starting:\n"
                              f"{running.logs()}")
        if ready():
            return
        time.sleep(0.1)
    running.stop(grace=5)
    raise ServerError(f"{running.name} did not come up within {timeout:g} s:\n{running.logs()}")


_SERVE_MAIN = "import sys; from kg.cli import main; main(sys.argv[1:], prog_name='rolegraph')"


@contextmanager
def rolegraph_serve(store: Path, *args: str, log: Path, timeout: float = 60.0,
                    env: dict[str, str] | None = None) -> Iterator[Running]:
    """`rolegraph serve --store STORE --port 0 ARGS...`; the URL it announces is `.url`."""
    cmd = [sys.executable, "-m", "kg.server", "--store", str(store), "--port", "0", *args]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("ROLEGRAPH_ENDPOINT", None)
    running = _start("rolegraph serve", cmd, log, cwd=ROOT, env=full_env)
    try:
        def ready() -> bool:
            m = re.search(r"rolegraph serve: (http://\S+/) ", running.logs(tail=100_000))
            if m:
                running.url = m.group(1)
                running.endpoints = {"sparql": running.url + "sparql", "queries": running.url + "queries"}
                return http_status(running.url + "health") == 200
            return False

        _wait(running, ready, timeout)
        yield running
    finally:
        running.stop()


@contextmanager
def oxigraph_server(directory: Path, binary: str, *, log: Path, timeout: float = 30.0) -> Iterator[Running]:
    """The Oxigraph server (read-write) on a fresh port, with its data in `directory`."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    running = _start("oxigraph serve", [binary, "serve", "--location", str(directory), "--bind",
                                        f"127.0.0.1:{port}"], log)
    base = f"http://127.0.0.1:{port}"
    running.url = base + "/"
    running.endpoints = {"query": base + "/query", "update": base + "/update", "store": base + "/store"}
    try:
        ask = base + "/query?" + urllib.parse.urlencode({"query": "ASK {}"})
        _wait(running, lambda: http_status(ask) == 200, timeout)
        yield running
    finally:
        running.stop()


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {d}
ThreadCleanupInterval = 0
ResourcesCleanupInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
MaxClientConnections = 10
ServerThreads = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""

# What a Virtuoso that rolegraph may write to needs (docs/bigger-stores.md explains each).
VIRTUOSO_GRANTS = [
    'GRANT SPARQL_UPDATE TO "SPARQL"',
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7)",
    # Virtuoso 7.2 fails on some rule updates with "QPINT ... Forgotten copy of set" when
    # it parallelises a query; its own message asks for this setting.
    "__dbf_set ('enable_qp', 1)",
]


def isql(isql_binary: str, sql_port: int, statement: str, timeout: float = 30.0) -> str:
    """Run one SQL statement with isql-vt as dba; raise with its output when it fails."""
    proc = subprocess.run(check=False, args=[isql_binary, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={statement};"],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0 or "*** Error" in out:
        raise ServerError(f"isql-vt failed on {statement!r}:\n{out}")
    return out


@contextmanager
def virtuoso_server(directory: Path, binary: str, isql_binary: str, *, log: Path,
                    timeout: float = 90.0) -> Iterator[Running]:
    """Virtuoso 7 in the foreground on two fresh loopback ports, its database in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=directory, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    running = _start("virtuoso", [binary, "+configfile", str(ini), "+foreground"], log, cwd=directory)
    base = f"http://127.0.0.1:{http_port}"
    running.url = base + "/"
    running.endpoints = {"sparql": base + "/sparql", "store": base + "/sparql-graph-crud",
                         "sql_port": str(sql_port)}
    try:
        ask = base + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})
        _wait(running, lambda: http_status(ask) == 200, timeout)
        for statement in VIRTUOSO_GRANTS:
            isql(isql_binary, sql_port, statement)
        yield running
    finally:
        running.stop(grace=30)

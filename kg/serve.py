"""`rolegraph serve`: the store as a SPARQL 1.1 Protocol endpoint, with the named queries,
an offline query page and the browser view, on loopback by default.

Routes
    /                 the query page: a form with a textarea, the named queries listed,
                      results as a table (no network access beyond this server)
    /sparql           SPARQL 1.1 Protocol: GET, POST form-encoded, POST application/sparql-query;
                      updates (POST update=... or application/sparql-update) only with
                      --allow-update and `Authorization: Bearer TOKEN`
    /queries          the named queries (JSON)
    /queries/NAME     one named query: ?param=value&lang=da&format=json|csv|tsv|xml&inference=false
    /viz              the browser view (kg.viz.render_for_store), ?query=&lang=&case=&context=&actor=
    /health           liveness and the store's state (JSON)

Every error, on every route, is JSON: {"error": {"status": ..., "message": ..., "hint": ...}}.

Results: SELECT and ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle,
JSON-LD, N-Triples or RDF/XML; by the Accept header or a `format` parameter. Without a
dataset in the request (default-graph-uri, named-graph-uri, FROM), a query sees the
asserted and inferred graphs as its default graph, as `rolegraph sparql` does;
`inference=false` leaves the inferred graphs out. The prefixes rg:, role:, rdf:, rdfs:,
owl:, skos:, dcterms: and xsd: are predefined.

Safety: SERVICE and LOAD are refused before a query runs (pyoxigraph would fetch the
URLs); queries run in worker processes that are killed at --timeout; results above
--max-rows are refused; the store is opened read-only; the Host header must name the
loopback address unless --public (a guard against DNS rebinding). The page escapes all
data (textContent only) and loads nothing from elsewhere (Content-Security-Policy).

Workers: N processes (--workers) each hold a read-only handle on the store and reopen
it when the store directory changes, so `rolegraph build` and `rolegraph reason` show up
without a restart. With --allow-update one more process holds the only writable handle
(a read-only and a writable handle must not share a process). Queries never run in the
server process, so a slow one cannot stall the others, and a timed-out one is stopped
for real.
"""

from __future__ import annotations

import csv
import hmac
import html
import io
import ipaddress
import json
import multiprocessing
import os
import queue
import signal
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
MAX_BODY = 4 * 1024 * 1024
TOKEN_ENV = "ROLEGRAPH_SERVE_TOKEN"
MIN_TOKEN_LENGTH = 16

# The graph layout of kg.iris, restated so that workers need not import rdflib
# (tests/test_serve.py checks that the two agree).
_BASE = "https://w3id.org/rolegraph/"
ONTOLOGY_GRAPH = _BASE + "graph/ontology"
CASE_GRAPH_PREFIX = _BASE + "graph/case/"
INFERRED_GRAPH = _BASE + "graph/inferred"
EXPLANATION_GRAPH = _BASE + "graph/explanations"
META_GRAPH = _BASE + "graph/meta"
_META = _BASE + "meta#"

PREFIXES = {
    "rg": _BASE + "ontology#", "role": _BASE + "role/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#", "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/", "xsd": "http://www.w3.org/2001/XMLSchema#",
}

# format name -> media type
RESULT_FORMATS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_FORMATS = {"turtle": "text/turtle", "jsonld": "application/ld+json", "ntriples": "application/n-triples",
                 "rdfxml": "application/rdf+xml"}
_RESULT_TYPES = {"application/sparql-results+json": "json", "application/json": "json",
                 "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
                 "text/csv": "csv", "text/tab-separated-values": "tsv"}
_GRAPH_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/turtle": "turtle",
                "text/n3": "turtle", "application/n3": "turtle",
                "application/ld+json": "jsonld", "application/json": "jsonld",
                "application/n-triples": "ntriples", "text/plain": "ntriples",
                "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml"}
# the `format` parameter (also what SPARQLWrapper sends as format/output/results)
_FORMAT_ALIASES = {"json": ("json", "jsonld"), "xml": ("xml", "rdfxml"), "csv": ("csv", None),
                   "tsv": ("tsv", None), "turtle": (None, "turtle"), "ttl": (None, "turtle"),
                   "n3": (None, "turtle"), "json-ld": (None, "jsonld"), "jsonld": (None, "jsonld"),
                   "nt": (None, "ntriples"), "ntriples": (None, "ntriples"), "n-triples": (None, "ntriples"),
                   "rdf": (None, "rdfxml"), "rdfxml": (None, "rdfxml"), "rdf+xml": (None, "rdfxml")}


class HttpError(Exception):
    """An error answer: status, message and hint (the one JSON error shape)."""

    def __init__(self, status: int, message: str, hint: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint
        self.headers = headers or {}


def error_body(status: int, message: str, hint: str = "") -> bytes:
    return json.dumps({"error": {"status": status, "message": message, "hint": hint}},
                      ensure_ascii=False).encode("utf-8")


# ---- settings ---------------------------------------------------------------------------

@dataclass
class Settings:
    """How the server runs."""

    store: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    workers: int = 2
    allow_update: bool = False
    token: str | None = None
    public: bool = False
    quiet: bool = False
    allowed_hosts: set[str] = field(default_factory=set)


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, public: bool) -> str | None:
    """Refuse a non-loopback address unless `public`; return a warning to print, if any."""
    from .errors import UsageError

    if is_loopback(host):
        return None
    if not public:
        raise UsageError(f"--host {host} is not a loopback address: the whole store would be readable "
                         "by anyone who can reach this machine",
                         hint="add --public if that is what you want (behind a TLS proxy), "
                              "or keep the default --host 127.0.0.1")
    return (f"warning: serving on {host}, a public interface: anyone who can reach it can read the whole "
            "store (interview quotes included); updates still need the token, which plain HTTP sends in "
            "clear: put a TLS proxy in front")


def read_token(token_file: Path | None, env: dict[str, str] | None = None) -> str | None:
    """The update token from --token-file, else from $ROLEGRAPH_SERVE_TOKEN."""
    from .errors import UsageError

    env = dict(os.environ) if env is None else env
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"cannot read the token file {token_file}: {exc}") from exc
    else:
        token = (env.get(TOKEN_ENV) or "").strip() or None
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise UsageError(f"the update token is shorter than {MIN_TOKEN_LENGTH} characters",
                         hint="make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))' > token")
    return token


# ---- workers (separate processes) ------------------------------------------------------

def _signature(path: Path) -> tuple[int, int, int]:
    """Changes when the store directory is swapped (build) or written (reason, updates)."""
    st = os.stat(path)
    newest, count = 0, 0
    with os.scandir(path) as entries:
        for e in entries:
            try:
                newest = max(newest, e.stat(follow_symlinks=False).st_mtime_ns)
            except OSError:
                continue
            count += 1
    return st.st_ino, newest, count


class _WorkerState:
    """One worker's store handle and what it runs."""

    def __init__(self, path: Path, writable: bool) -> None:
        self.path = path
        self.writable = writable
        self.store: Any = None
        self.sig: tuple[int, int, int] | None = None

    def open(self) -> Any:
        import pyoxigraph as ox

        if self.writable:
            inode = os.stat(self.path).st_ino if self.path.exists() else None
            if self.store is None or inode != self.sig:
                self.store = None
                import gc

                gc.collect()
                self.store = ox.Store(str(self.path))
                self.sig = inode  # type: ignore[assignment]
            return self.store
        try:
            sig = _signature(self.path)
        except OSError:
            sig = None
        if sig is None or not (self.path / "CURRENT").exists():
            if self.store is not None and sig is None:
                return self.store  # a build is swapping the directory: keep the old snapshot
            raise HttpError(503, f"there is no store at {self.path}",
                            "run `rolegraph build cases/` (and `rolegraph reason`); the server picks it up")
        if self.store is None or sig != self.sig:
            self.store = None
            import gc

            gc.collect()
            for attempt in range(40):
                try:
                    self.store = ox.Store.read_only(str(self.path))
                    break
                except (OSError, RuntimeError) as exc:
                    # the directory is being swapped by a build, or a writer's compaction
                    # removed a file between reading the manifest and opening the file
                    if attempt == 39:
                        raise HttpError(503, f"cannot open the store at {self.path}: {exc}",
                                        "another process may be rebuilding it; try again") from exc
                    time.sleep(0.05)
            self.sig = sig
        return self.store

    def graphs(self, store: Any, inference: bool) -> list[Any]:
        import pyoxigraph as ox

        names = [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
        keep = [g for g in names if g == ONTOLOGY_GRAPH or g.startswith(CASE_GRAPH_PREFIX)]
        if inference:
            keep += [g for g in names if g in (INFERRED_GRAPH, EXPLANATION_GRAPH)]
        return [ox.NamedNode(g) for g in sorted(keep)]

    def reasoned(self, store: Any) -> bool:
        import pyoxigraph as ox

        return any(True for _ in store.quads_for_pattern(ox.NamedNode(_META + "reasoned"), None, None,
                                                          ox.NamedNode(META_GRAPH)))

    def run(self, job: dict[str, Any]) -> Any:
        """Run a job; a read-only handle that lost files to the writer's compaction is
        reopened and the job tried again."""
        for attempt in range(4):
            try:
                return self._run(job)
            except _StaleHandle:
                self.store, self.sig = None, None
                time.sleep(0.05 * (attempt + 1))
        return self._run(job)

    def _run(self, job: dict[str, Any]) -> Any:
        op = job["op"]
        if op == "ping":
            return "pong"
        if op == "viz":
            return _render_viz(self.path, job["options"])
        store = self.open()
        if op == "info":
            import pyoxigraph as ox

            try:
                ext = [q.object.value for q in store.quads_for_pattern(
                    None, ox.NamedNode(_META + "extension"), None, ox.NamedNode(META_GRAPH))]
                return {"reasoned": self.reasoned(store), "extensions": sorted(ext),
                        "graphs": [g.value for g in self.graphs(store, True)]}
            except (OSError, RuntimeError) as exc:
                if not self.writable and _stale(exc):
                    raise _StaleHandle() from exc
                raise
        if op == "query":
            return self.query(store, job)
        if op == "update":
            try:
                store.update(job["text"], prefixes=PREFIXES)
            except SyntaxError as exc:
                raise HttpError(400, f"the update does not parse: {_first_line(exc)}",
                                "check the SPARQL Update syntax") from exc
            except (OSError, RuntimeError, ValueError) as exc:
                raise HttpError(500, f"the update failed: {exc}") from exc
            store.flush()
            return {"ok": True}
        raise HttpError(500, f"unknown job {op!r}")

    def query(self, store: Any, job: dict[str, Any]) -> dict[str, Any]:
        import pyoxigraph as ox

        if job.get("requires_reasoning") and not self.reasoned(store):
            raise HttpError(409, f"query '{job.get('name')}' needs reasoning, and the store has not been reasoned",
                            "run `rolegraph reason` on the store (the server sees the result without a restart), "
                            "or ask with inference=false")
        kwargs: dict[str, Any] = {}
        if job["default"] is not None or job["named"] is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job["default"] or []]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named"] or []]
        elif not job["has_from"]:
            # What kg.stores.layout.query_dataset gives the embedded store, restated so that a
            # worker's first query does not wait for the store layer's imports within --timeout.
            kwargs.update({"use_default_graph_as_union": True} if job["inference"]
                          else {"default_graph": self.graphs(store, False)})
        try:
            answer = store.query(job["text"], prefixes=PREFIXES, **kwargs)
            return _serialize(answer, job)
        except (OSError, RuntimeError) as exc:
            if not self.writable and _stale(exc):
                raise _StaleHandle() from exc
            raise HttpError(500, f"the query failed: {exc}") from exc
        except SyntaxError as exc:
            raise HttpError(400, f"the query does not parse: {_first_line(exc)}",
                            "check the SPARQL syntax; the prefixes rg, role, rdf, rdfs, owl, skos, dcterms "
                            "and xsd are predefined") from exc
        except (OSError, RuntimeError, ValueError) as exc:
            raise HttpError(500, f"the query failed: {exc}") from exc


class _StaleHandle(Exception):
    """A read-only handle refers to files the writer has since compacted away."""


def _stale(exc: BaseException) -> bool:
    text = str(exc)
    return "No such file or directory" in text or "Corruption" in text


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0]


def _render_viz(store_path: Path, options: dict[str, Any]) -> str:
    from .errors import RolegraphError

    render = viz_renderer()
    if render is None:
        raise HttpError(404, "the browser view is not available from this server",
                        "write it with `rolegraph viz --out FILE` and open that file")
    try:
        return str(render(store_path, **options))
    except TypeError as exc:
        raise HttpError(400, f"the browser view does not take these options: {exc}",
                        "see `rolegraph viz --help` for its options") from exc
    except RolegraphError as exc:
        raise HttpError(400 if getattr(exc, "exit_code", 1) == 2 else 500, exc.message, exc.hint) from exc


def viz_renderer() -> Callable[..., Any] | None:
    """The function that renders the browser view of a store (kg.viz.render_for_store)."""
    from . import viz

    return getattr(viz, "render_for_store", None)


def _too_many(max_rows: int, what: str) -> HttpError:
    return HttpError(422, f"the result has more than {max_rows} {what} (the server's --max-rows)",
                     "add a LIMIT, narrow the query, or restart the server with a larger --max-rows")


def _cell_xml(term: Any) -> str:
    kind = type(term).__name__
    if kind == "NamedNode":
        return f"<uri>{xml_escape(term.value)}</uri>"
    if kind == "BlankNode":
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if kind == "Triple":
        return (f"<triple><subject>{_cell_xml(term.subject)}</subject><predicate>{_cell_xml(term.predicate)}"
                f"</predicate><object>{_cell_xml(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
    if term.datatype is not None and term.datatype.value != PREFIXES["xsd"] + "string":
        return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"
    return f"<literal>{xml_escape(term.value)}</literal>"


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    kind = type(term).__name__
    if kind == "BlankNode":
        return "_:" + term.value
    if kind == "Triple":
        return str(term)
    return str(term.value)


def _serialize(answer: Any, job: dict[str, Any]) -> dict[str, Any]:
    """The answer in the negotiated format, refused above max_rows."""
    import pyoxigraph as ox

    max_rows = job["max_rows"]
    if isinstance(answer, ox.QueryBoolean):
        fmt = job["results_format"]
        if fmt == "json":
            body = json.dumps({"head": {}, "boolean": bool(answer)}).encode()
        elif fmt == "xml":
            body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                    f"<head/><boolean>{'true' if answer else 'false'}</boolean></sparql>\n").encode()
        else:
            raise HttpError(406, "an ASK answer has no CSV or TSV form",
                            "ask for application/sparql-results+json or +xml")
        return {"content_type": RESULT_FORMATS[fmt], "body": body, "rows": 1}
    if isinstance(answer, ox.QuerySolutions):
        fmt = job["results_format"]
        if fmt is None:
            raise HttpError(406, "none of the formats in the Accept header fits a SELECT result",
                            "accept one of " + ", ".join(RESULT_FORMATS.values()))
        names = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            if len(rows) >= max_rows:
                raise _too_many(max_rows, "rows")
            rows.append([solution[n] for n in names])
        return {"content_type": RESULT_FORMATS[fmt], "body": _results_body(fmt, names, rows), "rows": len(rows)}
    fmt = job["graph_format"]
    if fmt is None:
        raise HttpError(406, "none of the formats in the Accept header fits a CONSTRUCT or DESCRIBE result",
                        "accept one of " + ", ".join(GRAPH_FORMATS.values()))
    triples = []
    for t in answer:
        if len(triples) >= max_rows:
            raise _too_many(max_rows, "triples")
        triples.append(t)
    rdf = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
           "ntriples": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML}[fmt]
    body = ox.serialize(triples, format=rdf, prefixes=PREFIXES if fmt in ("turtle", "rdfxml") else None) or b""
    return {"content_type": GRAPH_FORMATS[fmt], "body": body, "rows": len(triples)}


def _results_body(fmt: str, names: list[str], rows: list[list[Any]]) -> bytes:
    if fmt == "json":
        from .query import term_json

        bindings = [{n: term_json(t) for n, t in zip(names, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out += [f"<variable name={quoteattr(n)}/>" for n in names]
        out.append("</head>\n<results>")
        for row in rows:
            cells = "".join(f"<binding name={quoteattr(n)}>{_cell_xml(t)}</binding>"
                            for n, t in zip(names, row, strict=True) if t is not None)
            out.append(f"<result>{cells}</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        for row in rows:
            w.writerow([_csv_value(t) for t in row])
        return buf.getvalue().encode("utf-8")
    lines = ["\t".join("?" + n for n in names)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _worker(conn: Any, store_path: str, writable: bool) -> None:
    """A worker process: run jobs from the server until it closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    state = _WorkerState(Path(store_path), writable)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", state.run(job))
        except HttpError as exc:
            reply = ("error", (exc.status, exc.message, exc.hint))
        except Exception as exc:  # noqa: BLE001 - reported to the client as a 500
            reply = ("error", (500, f"{type(exc).__name__}: {exc}", ""))
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: Any
    conn: Any


class WorkerPool:
    """Worker processes that each hold a store handle; a job that runs past its time is
    stopped by killing its worker, which is replaced."""

    def __init__(self, store: Path, size: int, *, writable: bool = False) -> None:
        self.store = store
        self.size = size
        self.writable = writable
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        self.closed = False
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker, args=(child, str(self.store), self.writable),
                                    name="rolegraph-writer" if self.writable else "rolegraph-worker", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
        try:
            worker.conn.close()
        except OSError:
            pass
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)

    def run(self, job: dict[str, Any], timeout: float, wait: float | None = None) -> Any:
        """Run a job in a free worker; HttpError on timeout, a busy pool or a failure."""
        if self.closed:
            raise HttpError(503, "the server is shutting down")
        try:
            worker = self._idle.get(timeout=timeout if wait is None else wait)
        except queue.Empty:
            raise HttpError(503, f"all {self.size} query workers stayed busy", "try again in a moment",
                            {"Retry-After": "1"}) from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._retire(worker)
                worker = self._spawn()
                raise HttpError(503, f"the query ran longer than {timeout:g} s and was stopped",
                                "add a LIMIT or narrow the query, or restart the server with a larger --timeout",
                                {"Retry-After": "1"})
            status, payload = worker.conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError) as exc:
            self._retire(worker)
            worker = self._spawn()
            raise HttpError(500, f"the query worker stopped unexpectedly ({type(exc).__name__})",
                            "try again; the server has started a new worker") from exc
        finally:
            self._idle.put(worker)
        if status == "error":
            raise HttpError(*payload)
        return payload

    def close(self) -> None:
        self.closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 3
        for w in workers:
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=2)


# ---- the HTTP server ---------------------------------------------------------------------

def _media_ranges(accept: str | None) -> list[tuple[str, float, int]]:
    """(media type, q, position) from an Accept header, best first."""
    out = []
    for i, part in enumerate((accept or "*/*").split(",")):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        out.append((media, q, i))
    return sorted(out, key=lambda x: (-x[1], x[2]))


def negotiate(accept: str | None, table: dict[str, str], default: str) -> str | None:
    """The format name for an Accept header, from `table` (media type -> name); None if
    nothing acceptable is on offer."""
    preferred = [m for m, name in table.items() if name == default]
    for media, q, _ in _media_ranges(accept):
        if q <= 0:
            continue
        if media in table:
            return table[media]
        if media == "*/*":
            return default
        if media.endswith("/*"):
            for m in [*preferred, *table]:
                if m.startswith(media[:-1]):
                    return table[m]
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)


class App:
    """What the server knows: settings, worker pools, named queries."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.readers = WorkerPool(settings.store, settings.workers)
        self.writer = WorkerPool(settings.store, 1, writable=True) if settings.allow_update else None
        self._info: tuple[float, dict[str, Any]] | None = None
        self._queries: tuple[Any, dict[str, Any]] | None = None
        self._qlock = threading.Lock()

    def close(self) -> None:
        self.readers.close()
        if self.writer is not None:
            self.writer.close()

    def info(self, max_age: float = 2.0) -> dict[str, Any]:
        now = time.monotonic()
        if self._info is None or now - self._info[0] > max_age:
            self._info = (now, self.readers.run({"op": "info"}, self.settings.timeout))
        return self._info[1]

    def queries(self) -> dict[str, Any]:
        """The named queries, with those of the store's extensions (parsed once per change)."""
        from .query import load_queries

        dirs = []
        try:
            for ext in self.info()["extensions"]:
                d = Path(ext) / "queries"
                if (Path(ext) / "ontology.ttl").exists() and d.is_dir():
                    dirs.append(d)
        except HttpError:
            pass
        from .resources import data_dir

        key = tuple((str(f), f.stat().st_mtime_ns) for d in [data_dir("queries"), *dirs]
                    for f in sorted(d.glob("*.rq")))
        with self._qlock:
            if self._queries is None or self._queries[0] != key:
                self._queries = (key, load_queries(dirs))
            return self._queries[1]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "rolegraph"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 120  # seconds an idle keep-alive connection is held
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    # -- plumbing ------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        if not self.server.app.settings.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = urllib.parse.urlsplit(getattr(self, "path", None) or "").path  # without the query string
        self.log_message('"%s %s" %s %s', self.command, path, code, size)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, too long, ...) in the JSON shape."""
        try:
            self._send(code, error_body(code, message or self.responses.get(code, ("error",))[0], explain or ""),
                       "application/json", {"Connection": "close"})
        except OSError:
            pass
        self.close_connection = True

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype.startswith(("text/", "application/json", "application/sparql-results+json")) \
                and "charset" not in ctype:
            ctype += "; charset=utf-8"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fail(self, exc: HttpError) -> None:
        headers = dict(exc.headers)
        self._send(exc.status, error_body(exc.status, exc.message, exc.hint), "application/json", headers)

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise HttpError(411, "chunked request bodies are not accepted", "send a Content-Length")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise HttpError(400, "the Content-Length header is not a number") from None
        if n < 0:
            raise HttpError(400, "the Content-Length header is negative")
        if n > MAX_BODY:
            self.close_connection = True
            raise HttpError(413, f"the request body is larger than {MAX_BODY // (1024 * 1024)} MiB",
                            "send a shorter query")
        return self.rfile.read(n)

    # -- dispatch ------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            body = self._body() if self.command in ("POST", "PUT", "PATCH", "DELETE") else b""
            self._check_host()
            parts = urllib.parse.urlsplit(self.path)
            path = parts.path
            routes: list[tuple[Callable[[str], bool], tuple[str, ...], Callable[..., None]]] = [
                (lambda p: p in ("/", "/index.html"), ("GET", "HEAD"), self._page),
                (lambda p: p == "/query.js", ("GET", "HEAD"), lambda *a: self._asset(QUERY_JS, "text/javascript")),
                (lambda p: p == "/query.css", ("GET", "HEAD"), lambda *a: self._asset(QUERY_CSS, "text/css")),
                (lambda p: p == "/sparql", ("GET", "POST"), self._sparql),
                (lambda p: p in ("/queries", "/queries/"), ("GET", "HEAD"), self._list_queries),
                (lambda p: p.startswith("/queries/"), ("GET", "HEAD"), self._named_query),
                (lambda p: p == "/viz", ("GET", "HEAD"), self._viz),
                (lambda p: p == "/health", ("GET", "HEAD"), self._health),
            ]
            for match, methods, handler in routes:
                if match(path):
                    if self.command not in methods:
                        raise HttpError(405, f"{self.command} is not allowed on {path}",
                                        f"use {' or '.join(methods)}", {"Allow": ", ".join(methods)})
                    handler(parts, body)
                    return
            raise HttpError(404, f"nothing at {path}",
                            "the routes are / (query page), /sparql, /queries, /queries/NAME, /viz and /health")
        except HttpError as exc:
            self._fail(exc)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - every error is answered in the JSON shape
            self._fail(HttpError(500, f"internal error: {type(exc).__name__}: {exc}",
                                 "this is a bug in rolegraph serve; please report it"))

    def _check_host(self) -> None:
        settings = self.server.app.settings
        if settings.public:
            return
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            name = host[1:host.find("]")] if "]" in host else host
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        if not host or not (is_loopback(name) or name in settings.allowed_hosts):
            raise HttpError(403, f"the Host header {host or '(none)'} does not name this loopback server",
                            "use http://127.0.0.1:PORT/ or http://localhost:PORT/ (other host names are "
                            "refused, against DNS rebinding; --public lifts this)")

    def _params(self, parts: urllib.parse.SplitResult, body: bytes | None = None) -> dict[str, list[str]]:
        params = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        if body:
            for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                params[k] = v
        return params

    # -- routes --------------------------------------------------------------------------

    def _asset(self, text: str, ctype: str) -> None:
        self._send(200, text.encode("utf-8"), ctype)

    def _health(self, parts: urllib.parse.SplitResult, body: bytes) -> None:
        app = self.server.app
        info = app.info(max_age=0)
        out = {"status": "ok", "store": str(app.settings.store), "reasoned": info["reasoned"],
               "graphs": info["graphs"], "updates": app.settings.allow_update,
               "workers": app.settings.workers, "timeout": app.settings.timeout,
               "max_rows": app.settings.max_rows}
        self._send(200, json.dumps(out, ensure_ascii=False).encode(), "application/json")

    def _page(self, parts: urllib.parse.SplitResult, body: bytes) -> None:
        app = self.server.app
        items = []
        for q in app.queries().values():
            params = "".join(
                f'<label>{html.escape(p.name)} <input name="{html.escape(p.name)}" '
                f'placeholder="{html.escape(p.type)}" title="{html.escape(p.description)}"></label>'
                for p in q.params if p.name != "lang")
            items.append(
                f'<li><form class="named" data-name="{html.escape(q.name)}" method="get" '
                f'action="/queries/{urllib.parse.quote(q.name)}">'
                f'<button type="submit">{html.escape(q.name)}</button> '
                f'<span class="title">{html.escape(q.title)}</span>'
                f'<input type="hidden" name="format" value="json">'
                + (f'<span class="params">{params}</span>' if params else "") + "</form></li>")
        page = PAGE.replace("{{QUERIES}}", "\n".join(items)).replace(
            "{{STORE}}", html.escape(str(app.settings.store))).replace(
            "{{DEFAULT}}", html.escape(DEFAULT_QUERY)).replace(
            "{{LIMITS}}", html.escape(f"timeout {app.settings.timeout:g} s, at most {app.settings.max_rows} rows"))
        self._send(200, page.encode("utf-8"), "text/html", {
            "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                                       "connect-src 'self'; img-src 'self'; form-action 'self'; "
                                       "base-uri 'none'; frame-ancestors 'none'",
            "X-Frame-Options": "DENY"})

    def _sparql(self, parts: urllib.parse.SplitResult, body: bytes) -> None:
        from .sparql_text import forbidden_keywords, has_dataset_clause, query_form

        app = self.server.app
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params: dict[str, list[str]]
        if self.command == "GET":
            params = self._params(parts)
        elif ctype == "application/x-www-form-urlencoded":
            params = self._params(parts, body)
        elif ctype == "application/sparql-query":
            params = self._params(parts)
            params["query"] = [body.decode("utf-8", "replace")]
        elif ctype == "application/sparql-update":
            params = self._params(parts)
            params["update"] = [body.decode("utf-8", "replace")]
        else:
            raise HttpError(415, f"unsupported Content-Type {ctype or '(none)'}",
                            "POST application/x-www-form-urlencoded (query=... or update=...), "
                            "application/sparql-query or application/sparql-update")
        queries, updates = params.get("query", []), params.get("update", [])
        if len(queries) + len(updates) != 1:
            raise HttpError(400, "give exactly one query (or one update)" if queries or updates
                            else "no query given",
                            "send ?query=SELECT... (GET or POST), or open / for the query page")
        if updates:
            if self.command == "GET":
                raise HttpError(405, "updates must be sent with POST", "POST update=... or application/sparql-update",
                                {"Allow": "POST"})
            self._update(updates[0], params)
            return
        text = queries[0]
        refused = forbidden_keywords(text)
        if refused:
            raise HttpError(400, f"{' and '.join(refused)} is refused by this server",
                            "SERVICE would make the server fetch other URLs (and LOAD is an update); "
                            "run federated queries from your own machine")
        form = query_form(text)
        if form == "UPDATE":
            raise HttpError(400, "this is an update, sent as a query", "send it as update=... with POST")
        results_fmt, graph_fmt = self._formats(params)
        job = {"op": "query", "text": text, "form": form, "results_format": results_fmt,
               "graph_format": graph_fmt, "max_rows": app.settings.max_rows,
               "default": self._graph_param(params, "default-graph-uri"),
               "named": self._graph_param(params, "named-graph-uri"),
               "has_from": has_dataset_clause(text), "inference": _flag(params, "inference", True)}
        if form in ("SELECT", "ASK") and results_fmt is None:
            raise HttpError(406, "none of the formats in the Accept header fits a SELECT or ASK result",
                            "accept one of " + ", ".join(RESULT_FORMATS.values()))
        if form in ("CONSTRUCT", "DESCRIBE") and graph_fmt is None:
            raise HttpError(406, "none of the formats in the Accept header fits a CONSTRUCT or DESCRIBE result",
                            "accept one of " + ", ".join(GRAPH_FORMATS.values()))
        answer = app.readers.run(job, app.settings.timeout)
        self._send(200, answer["body"], answer["content_type"], {"Vary": "Accept"})

    def _formats(self, params: dict[str, list[str]]) -> tuple[str | None, str | None]:
        for key in ("format", "output", "results"):
            for value in params.get(key, []):
                v = value.strip().lower()
                if v in _FORMAT_ALIASES:
                    return _FORMAT_ALIASES[v]
                if v in _RESULT_TYPES or v in _GRAPH_TYPES:
                    return _RESULT_TYPES.get(v), _GRAPH_TYPES.get(v)
                if key == "format":
                    raise HttpError(400, f"unknown format '{value}'",
                                    "use json, xml, csv or tsv for SELECT and ASK; turtle, jsonld, ntriples or "
                                    "rdfxml for CONSTRUCT and DESCRIBE")
        accept = self.headers.get("Accept")
        return negotiate(accept, _RESULT_TYPES, "json"), negotiate(accept, _GRAPH_TYPES, "turtle")

    @staticmethod
    def _graph_param(params: dict[str, list[str]], key: str) -> list[str] | None:
        values = params.get(key)
        if not values:
            return None
        import pyoxigraph as ox

        for v in values:
            try:
                ox.NamedNode(v)
            except ValueError:
                raise HttpError(400, f"{key} '{v}' is not an IRI") from None
        return values

    def _update(self, text: str, params: dict[str, list[str]]) -> None:
        from .sparql_text import QUERY_FORMS, forbidden_keywords, query_form

        app = self.server.app
        looks_like_query = query_form(text) in QUERY_FORMS
        if app.writer is None:
            hint = "start the server with --allow-update --token-file FILE and send Authorization: Bearer TOKEN"
            if looks_like_query:
                hint = ("the text is a query but came as an update: SPARQLWrapper guesses the type from the "
                        "text, and a '#' comment or a keyword inside one fools it; set "
                        "sparql.queryType = 'SELECT' (or the query's form) after setQuery()")
            raise HttpError(403, "updates are disabled on this server (it is read-only)", hint)
        self._authorize()
        for key in ("using-graph-uri", "using-named-graph-uri"):
            if params.get(key):
                raise HttpError(400, f"{key} is not supported", "name the graphs with USING / WITH in the update")
        refused = forbidden_keywords(text)
        if refused:
            raise HttpError(400, f"{' and '.join(refused)} is refused by this server",
                            "LOAD and SERVICE would make the server fetch other URLs; load files with "
                            "`rolegraph build`")
        app.writer.run({"op": "update", "text": text}, app.settings.timeout)
        self._send(200, json.dumps({"status": "ok", "message": "update applied"}).encode(), "application/json")

    def _authorize(self) -> None:
        token = self.server.app.settings.token
        header = self.headers.get("Authorization") or ""
        scheme, _, given = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="rolegraph"'}
        if scheme.lower() != "bearer" or not given.strip():
            raise HttpError(401, "updates need a token", "send Authorization: Bearer TOKEN", challenge)
        if token is None or not hmac.compare_digest(given.strip().encode(), token.encode()):
            challenge["WWW-Authenticate"] += ', error="invalid_token"'
            raise HttpError(401, "the token is not valid", "send the token in the server's --token-file", challenge)

    def _list_queries(self, parts: urllib.parse.SplitResult, body: bytes) -> None:
        out = []
        for q in self.server.app.queries().values():
            out.append({"name": q.name, "title": q.title, "description": q.description, "tags": list(q.tags),
                        "reasoning": q.reasoning, "url": f"/queries/{urllib.parse.quote(q.name)}",
                        "params": [{"name": p.name, "type": p.type, "default": p.default,
                                    "description": p.description} for p in q.params]})
        self._send(200, json.dumps({"queries": out}, ensure_ascii=False).encode("utf-8"), "application/json")

    def _named_query(self, parts: urllib.parse.SplitResult, body: bytes) -> None:
        import difflib

        from .errors import QueryError
        from .query import LANGS, bind_params, with_values

        app = self.server.app
        name = urllib.parse.unquote(parts.path[len("/queries/"):])
        queries = app.queries()
        if name not in queries:
            close = difflib.get_close_matches(name, list(queries), n=1)
            raise HttpError(404, f"no query named '{name}'",
                            (f"did you mean '{close[0]}'? " if close else "") + "GET /queries lists them")
        q = queries[name]
        params = self._params(parts)
        reserved = {"lang", "format", "output", "results", "inference"}
        given = {}
        for k, values in params.items():
            if k in reserved:
                continue
            if len(values) != 1:
                raise HttpError(400, f"parameter '{k}' is given {len(values)} times", "give each parameter once")
            given[k] = values[0]
        lang = (params.get("lang") or ["en"])[-1]
        if lang not in LANGS:
            raise HttpError(400, f"language must be one of {', '.join(LANGS)}, not '{lang}'")
        try:
            bindings = bind_params(q, given, lang=lang)
        except QueryError as exc:
            raise HttpError(400, exc.message, exc.hint) from exc
        results_fmt, _ = self._formats(params)
        if results_fmt is None:
            raise HttpError(406, "none of the formats in the Accept header fits a query result",
                            "accept one of " + ", ".join(RESULT_FORMATS.values()))
        inference = _flag(params, "inference", True)
        job = {"op": "query", "text": with_values(q.text, bindings, q.params), "form": "SELECT",
               "results_format": results_fmt, "graph_format": None, "max_rows": app.settings.max_rows,
               "default": None, "named": None, "has_from": False, "inference": inference,
               "requires_reasoning": inference and q.reasoning == "required", "name": q.name}
        answer = app.readers.run(job, app.settings.timeout)
        self._send(200, answer["body"], answer["content_type"], {"Vary": "Accept"})

    def _viz(self, parts: urllib.parse.SplitResult, body: bytes) -> None:
        app = self.server.app
        if viz_renderer() is None:
            raise HttpError(404, "the browser view is not available from this server",
                            "write it with `rolegraph viz --out FILE` and open that file")
        options: dict[str, Any] = {}
        for k, values in self._params(parts).items():
            options[k.replace("-", "_")] = values[0] if len(values) == 1 else tuple(values)
        page = app.readers.run({"op": "viz", "options": options}, max(app.settings.timeout, 60.0))
        self._send(200, page.encode("utf-8"), "text/html")


def _flag(params: dict[str, list[str]], key: str, default: bool) -> bool:
    values = params.get(key)
    if not values:
        return default
    v = values[-1].strip().lower()
    if v in ("1", "true", "yes", "on", ""):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise HttpError(400, f"{key} must be true or false, not '{values[-1]}'")


# ---- running -----------------------------------------------------------------------------

class Server:
    """A running server: `start()` binds and serves in a thread; `stop()` ends it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: App | None = None
        self.httpd: _Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def start(self) -> Server:
        from .errors import StoreError

        store = self.settings.store
        if not (store / "CURRENT").exists():
            raise StoreError(f"no store at {store}", hint="run `rolegraph build cases/` first, "
                             "or point --store / ROLEGRAPH_STORE at an existing store")
        self.app = App(self.settings)
        try:
            self.app.info(max_age=0)  # fail now, not at the first request, if the store cannot be read
            self.httpd = _Server((self.settings.host, self.settings.port), self.app)
        except HttpError as exc:
            self.app.close()
            raise StoreError(exc.message, hint=exc.hint) from exc
        except OSError as exc:
            self.app.close()
            raise StoreError(f"cannot listen on {self.settings.host}:{self.settings.port}: {exc.strerror or exc}",
                             hint="another program may use the port; pick one with --port") from exc
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="rolegraph-serve", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        if self.app is not None:
            self.app.close()


def serve(settings: Settings, announce: Callable[[str], None] = print) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM)."""
    server = Server(settings).start()
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        mode = "updates with a token" if settings.allow_update else "read-only"
        announce(f"rolegraph serve: {server.url} (SPARQL endpoint {server.url}sparql, named queries "
                 f"{server.url}queries; store {settings.store}, {mode}, {settings.workers} workers, "
                 f"timeout {settings.timeout:g} s, at most {settings.max_rows} rows). Ctrl-C stops it.")
        while not stop.wait(0.5):
            pass
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        server.stop()


DEFAULT_QUERY = """SELECT ?claim ?bearer ?role ?situation
WHERE {
  ?claim a rg:RoleConflict ; rg:bearer ?bearer ; rg:role ?role ; rg:inSituation ?situation .
}
LIMIT 100"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rolegraph — SPARQL</title>
<link rel="stylesheet" href="/query.css">
<script src="/query.js" defer></script>
</head>
<body>
<header>
  <h1>rolegraph</h1>
  <p>SPARQL over <code>{{STORE}}</code> ({{LIMITS}}). Prefixes rg:, role:, rdf:, rdfs:, owl:, skos:,
  dcterms: and xsd: are predefined. <a href="/viz">Browser view</a> · <a href="/queries">named queries (JSON)</a></p>
</header>
<main>
<div id="left">
<section id="editor">
  <form id="sparql" method="get" action="/sparql">
    <label for="query">Query</label>
    <textarea id="query" name="query" rows="12" spellcheck="false">{{DEFAULT}}</textarea>
    <div class="row">
      <label>Result as <select name="format" id="format">
        <option value="json">table (JSON)</option><option value="csv">CSV</option>
        <option value="tsv">TSV</option><option value="xml">XML</option>
        <option value="turtle">Turtle (CONSTRUCT)</option><option value="jsonld">JSON-LD (CONSTRUCT)</option>
      </select></label>
      <label><input type="checkbox" id="inference" checked> with inferences</label>
      <button type="submit">Run</button>
    </div>
  </form>
</section>
<section id="output">
  <p id="status" role="status"></p>
  <div id="results"></div>
</section>
</div>
<section id="named">
  <h2>Named queries</h2>
  <p><label>Labels in <select id="lang"><option value="en">English</option><option value="da">Danish</option>
  </select></label></p>
  <ul>
{{QUERIES}}
  </ul>
</section>
</main>
</body>
</html>
"""

QUERY_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d232a; background: #fafafa; }
header, main { max-width: 1400px; margin: 0 auto; padding: 0 1rem; }
main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(16rem, 1fr); gap: 1.5rem; }
@media (max-width: 900px) { main { grid-template-columns: minmax(0, 1fr); } }
#results { overflow-x: auto; }
h1 { margin: 1rem 0 0.2rem; font-size: 1.4rem; }
h2 { font-size: 1.1rem; }
textarea { width: 100%; box-sizing: border-box; font: 13px/1.4 ui-monospace, monospace; }
.row { display: flex; gap: 1rem; align-items: center; margin: 0.5rem 0; }
#named ul { list-style: none; padding: 0; }
#named li { margin: 0.5rem 0; }
#named .title { color: #333; }
#named .params { display: block; margin: 0.25rem 0 0 1.2rem; }
#named .params label { display: inline-block; margin-right: 0.8rem; color: #555; font-size: 0.9em; }
#named input { width: 11rem; margin-left: 0.3rem; }
#status.error { color: #a40000; white-space: pre-wrap; }
table { border-collapse: collapse; margin: 0.5rem 0 2rem; background: #fff; }
th, td { border: 1px solid #ccd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eef; position: sticky; top: 0; }
td.uri { font-family: ui-monospace, monospace; font-size: 12px; }
pre { background: #fff; border: 1px solid #ccd; padding: 0.5rem; overflow: auto; }
"""

QUERY_JS = r"""
"use strict";
(function () {
  const status = document.getElementById("status");
  const results = document.getElementById("results");

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }
  function cellText(cell) {
    if (!cell) return "";
    if (cell.type === "triple") {
      return "<< " + cellText(cell.value.subject) + " " + cellText(cell.value.predicate) + " " +
             cellText(cell.value.object) + " >>";
    }
    if (cell.type === "bnode") return "_:" + cell.value;
    return cell.value;
  }
  function table(data) {
    clear(results);
    if (typeof data.boolean === "boolean") {
      const p = document.createElement("p");
      p.textContent = "ASK: " + String(data.boolean);
      results.appendChild(p);
      return 1;
    }
    const vars = data.head.vars || [];
    const rows = data.results.bindings || [];
    const t = document.createElement("table");
    const head = t.createTHead().insertRow();
    for (const v of vars) {
      const th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    }
    const body = t.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const v of vars) {
        const td = tr.insertCell();
        const cell = row[v];
        td.textContent = cellText(cell);
        if (cell) {
          td.className = cell.type === "uri" ? "uri" : "";
          if (cell["xml:lang"]) td.title = "@" + cell["xml:lang"];
          else if (cell.datatype) td.title = cell.datatype;
        }
      }
    }
    results.appendChild(t);
    return rows.length;
  }
  function text(body) {
    clear(results);
    const pre = document.createElement("pre");
    pre.textContent = body;
    results.appendChild(pre);
  }
  async function show(response, started, label) {
    const type = response.headers.get("Content-Type") || "";
    const ms = Math.round(performance.now() - started);
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try {
        const e = (await response.json()).error;
        message = e.status + ": " + e.message + (e.hint ? "\nhint: " + e.hint : "");
      } catch (err) { /* not JSON */ }
      clear(results);
      say(message, true);
      return;
    }
    if (type.indexOf("json") >= 0 && type.indexOf("ld+json") < 0) {
      const n = table(await response.json());
      say(label + ": " + n + " row" + (n === 1 ? "" : "s") + " in " + ms + " ms", false);
    } else {
      text(await response.text());
      say(label + ": answer in " + ms + " ms (" + type.split(";")[0] + ")", false);
    }
  }
  async function run(url, init, label) {
    say(label + ": running…", false);
    const started = performance.now();
    try {
      await show(await fetch(url, init), started, label);
    } catch (err) {
      clear(results);
      say("the request failed: " + String(err), true);
    }
  }
  const form = document.getElementById("sparql");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const fmt = document.getElementById("format").value;
    const data = new URLSearchParams();
    data.set("query", document.getElementById("query").value);
    data.set("format", fmt);
    data.set("inference", document.getElementById("inference").checked ? "true" : "false");
    run("/sparql", { method: "POST", body: data,
                     headers: { "Content-Type": "application/x-www-form-urlencoded" } }, "query");
  });
  for (const f of document.querySelectorAll("form.named")) {
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      const params = new URLSearchParams();
      for (const input of f.querySelectorAll("input[name]")) {
        if (input.value !== "") params.set(input.name, input.value);
      }
      params.set("format", "json");
      params.set("lang", document.getElementById("lang").value);
      run("/queries/" + encodeURIComponent(f.dataset.name) + "?" + params.toString(), { method: "GET" },
          f.dataset.name);
    });
  }
})();
"""

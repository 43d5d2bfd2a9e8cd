"""The HTTP application (Starlette): routes, the guard in front of them, and the one JSON error shape.

Routes
    /                 the query page (a vendored YASGUI, the named queries beside it; English or Danish)
    /assets/...       its CSS, JS and the YASGUI build (files of kg/server/web/assets)
    /sparql           SPARQL 1.1 Protocol: GET, POST form-encoded, POST application/sparql-query;
                      updates only with --allow-update and `Authorization: Bearer TOKEN`;
                      GET without a query: the service description
    /queries          the named queries (JSON)
    /queries/NAME     one named query: ?param=value&lang=da&format=json|csv|tsv|xml|sparql&inference=false
    /viz              the browser view, ?query=&lang=&case=&context=&actor=
    /health           liveness and the store's state (JSON)
"""

from __future__ import annotations

import asyncio
import difflib
import hmac
import json
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import Msg, QueryError
from ..i18n import N_, translator
from ..iris import LANGS
from ..query import Query, bind_params, load_queries, with_values
from ..resources import data_dir
from ..sparql_text import QUERY_FORMS, forbidden_keywords, has_dataset_clause, query_form
from . import description, pages
from .cache import Answer, ResultCache, etag_matches
from .errors import HttpError, pick_language
from .fastlane import MARK, FastLane, access_line
from .formats import GRAPH_FORMATS, RESULT_FORMATS, formats, graph_body, negotiate
from .lanes import Lane
from .settings import MAX_BODY, Settings, is_loopback
from .store_view import Signature, StoreView, signature
from .workers import WorkerPool, by_name, store_worker

AD_HOC_NICE = 10
# an ad-hoc query waits at most this long for a free query worker, then gets 503 with Retry-After:
# behind long-running queries a queue only grows, and the client can come back
AD_HOC_WAIT = 5.0
KNOWN_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
UNSAFE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
            "img-src 'self' data:; font-src 'self' data:; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
# a named answer may be kept by the client but must be checked again (ETag): the store can change
NAMED_CACHE_CONTROL = "private, no-cache"
ROUTES_HINT = N_("the routes are / (query page), /sparql, /queries, /queries/NAME, /viz and /health")


def json_response(status: int, doc: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer."""
    return Response(json.dumps(doc, ensure_ascii=False).encode("utf-8"), status,
                    headers=headers, media_type="application/json")


def error_response(exc: HttpError, lang: str = "en") -> Response:
    """The one error shape, in `lang`."""
    return Response(exc.body(lang), exc.status, headers=exc.headers, media_type="application/json")


def request_lang(request: Request, default: str) -> str:
    """The language of an error answer to `request`: ?lang=, Accept-Language, else the server's --lang."""
    return pick_language(request.query_params.get("lang"), request.headers.get("accept-language"), default)


def flag(params: dict[str, list[str]], key: str, default: bool) -> bool:
    """A true/false parameter."""
    values = params.get(key)
    if not values:
        return default
    v = values[-1].strip().lower()
    if v in ("1", "true", "yes", "on", ""):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise HttpError(400, N_("{key} must be true or false, not '{value}'"), params={"key": key, "value": values[-1]})


def query_params(request: Request) -> dict[str, list[str]]:
    """The URL's parameters, each with all its values."""
    out: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, []).append(v)
    return out


def named_key(name: str, given: dict[str, str], lang: str, inference: bool, results_fmt: str) -> Hashable:
    """What a named answer depends on besides the store: the query, its parameters, the label
    language, inference and the results format."""
    return name, tuple(sorted(given.items())), lang, inference, results_fmt


def utf8_body(content_type: str, body: bytes) -> str:
    """A request body as text: UTF-8 only (the SPARQL Protocol's encoding), else 415 or 400."""
    charset = re.search(r"charset\s*=\s*\"?([^;\s\"]+)", content_type, re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise HttpError(415, N_("the request body is in {charset}; this server reads UTF-8 only"),
                        N_("send the query in UTF-8 (charset=utf-8)"), params={"charset": charset.group(1)})
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, N_("the request body is not valid UTF-8 (byte {start})"),
                        N_("send the query in UTF-8"), params={"start": exc.start}) from exc


class Service:
    """What the server knows: settings, lanes, the answer cache, the named queries."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        store = str(settings.store)
        # ad-hoc queries run at a lower CPU priority: on a small machine a cartesian product must not
        # take the cores from the event loop and the named queries
        self.sparql = Lane(WorkerPool("query", settings.workers, store_worker,
                                      (store, False, settings.memory_mb, AD_HOC_NICE), settings.memory_mb),
                           settings.queue, settings.client_limit, wait=min(AD_HOC_WAIT, settings.timeout))
        # named queries have their own worker, so ad-hoc queries cannot starve them; answers are cached
        self.named = Lane(WorkerPool("named-query", 1, store_worker, (store, False, settings.memory_mb),
                                     settings.memory_mb), 32)
        self.writer = (Lane(WorkerPool("update", 1, store_worker, (store, True, 0), 0), 4)
                       if settings.allow_update else None)
        self._viz: Lane | None = None
        self._viz_lock = threading.Lock()
        self.cache = ResultCache()
        self._inflight: dict[tuple[Signature | None, Hashable], asyncio.Future[Answer]] = {}
        # /health and the store's metadata are read in this process (cheap lookups, no worker needed)
        self._view = StoreView(settings.store)
        self._view_lock = threading.Lock()
        self._info: tuple[Any, dict[str, Any]] | None = None
        self._info_limiter = anyio.CapacityLimiter(2)
        self._queries: tuple[Any, dict[str, Query]] | None = None
        self._queries_checked = 0.0
        self._qlock = threading.Lock()

    def close(self) -> None:
        """Stop every worker."""
        lanes = [self.sparql, self.named, self.writer, self._viz]
        for lane in lanes:
            if lane is not None:
                lane.close()

    @property
    def viz(self) -> Lane:
        """The view lane, started at its first use (it imports the view's libraries)."""
        with self._viz_lock:
            if self._viz is None:
                self._viz = Lane(WorkerPool("view", 1, by_name, ("kg.server.viz_worker", "viz_worker",
                                                                 str(self.settings.store), 0), 0), 4)
            return self._viz

    def cached_info(self, sig: Any) -> dict[str, Any] | None:
        """The store's state if it was read on the store with signature `sig`."""
        info = self._info
        return info[1] if info is not None and sig is not None and info[0] == sig else None

    def info_now(self) -> dict[str, Any]:
        """The store's state (reasoned, extensions, graphs), read again when the store changed."""
        sig = signature(self.settings.store)
        with self._view_lock:
            if self._info is None or self._info[0] != sig or sig is None:
                self._info = (sig, self._view.run({"op": "info"}))
            return self._info[1]

    async def info(self, sig: Any = None) -> dict[str, Any]:
        """`info_now` off the event loop (no thread hop when the store is unchanged)."""
        cached = self.cached_info(sig)
        if cached is not None:
            return cached
        return await anyio.to_thread.run_sync(self.info_now, limiter=self._info_limiter)

    def queries(self, info: dict[str, Any]) -> dict[str, Query]:
        """The named queries, with those of the store's extensions (parsed once per change; the
        query files are looked at again at most once a second)."""
        now = time.monotonic()
        cached = self._queries
        if cached is not None and cached[0][0] == tuple(info["extensions"]) and now - self._queries_checked < 1.0:
            return cached[1]
        self._queries_checked = now
        dirs = []
        for ext in info["extensions"]:
            d = Path(ext) / "queries"
            if (Path(ext) / "ontology.ttl").exists() and d.is_dir():
                dirs.append(d)
        key = (tuple(info["extensions"]), tuple((str(f), f.stat().st_mtime_ns) for d in [data_dir("queries"), *dirs]
                                                for f in sorted(d.glob("*.rq"))))
        with self._qlock:
            if self._queries is None or self._queries[0] != key:
                self._queries = (key, load_queries(dirs))
            return self._queries[1]

    def named_job(self, q: Query, text: str, results_fmt: str, inference: bool) -> dict[str, Any]:
        """The worker job of a named query with its parameters bound (`text`)."""
        return {"op": "query", "text": text, "results_format": results_fmt, "graph_format": None,
                "max_rows": self.settings.max_rows, "default": None, "named": None, "has_from": False,
                "inference": inference, "requires_reasoning": inference and q.reasoning == "required",
                "name": q.name}

    async def named_answer(self, sig: Signature | None, key: Hashable, job: dict[str, Any]) -> Answer:
        """A named answer computed in the named-query worker and kept; requests for the same answer
        that come while it is computed wait for it (one job, not one each: many clients asking at
        once must not fill the lane's queue)."""
        flight = (sig, key)
        running = self._inflight.get(flight)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._inflight[flight] = future
        try:
            ctype, body = await self.named.run(job, self.settings.timeout)
            answer = self.cache.put(sig, key, ctype, body)
            future.set_result(answer)
            return answer
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            del self._inflight[flight]

    def warm(self, budget: float) -> int:
        """Compute and keep the named queries' answers with their default parameters (JSON, each
        language) for up to `budget` seconds, before the server takes requests; how many it kept."""
        deadline = time.monotonic() + budget
        sig = signature(self.settings.store)
        kept = 0
        for q in self.queries(self.info_now()).values():
            for lang in LANGS:
                if time.monotonic() >= deadline:
                    return kept
                try:
                    text = with_values(q.text, bind_params(q, {}, lang=lang), q.params)
                    ctype, body = self.named.pool.run(self.named_job(q, text, "json", True),
                                                      max(0.1, deadline - time.monotonic()))
                except (QueryError, HttpError):
                    continue  # a parameter without a default, a store not reasoned, a slow query
                self.cache.put(sig, named_key(q.name, {}, lang, True, "json"), ctype, body)
                kept += 1
        return kept

    def base_iri(self, request: Request) -> str:
        """The base IRI of queries: --base-iri, else this endpoint's URL as the client called it."""
        return self.settings.base_iri or str(request.url.replace(query="", fragment="")).split("#")[0]


class Guard:
    """Before any route: known methods, the Host rule, the Origin rule, body limits; after: headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def _check(self, scope: Scope, headers: Headers) -> None:
        method = scope["method"]
        if method not in KNOWN_METHODS:
            raise HttpError(501, N_("{method} is not a method this server knows"),
                            N_("use GET or POST"), {"Connection": "close"}, params={"method": method})
        host = (headers.get("host") or "").strip().lower()
        if not self.settings.public:
            if host.startswith("["):
                name = host[1:host.find("]")] if "]" in host else host
            else:
                name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
            if not host or not (is_loopback(name) or name in self.settings.allowed_hosts):
                raise HttpError(403, N_("the Host header {host} does not name this loopback server"),
                                N_("use http://127.0.0.1:PORT/ or http://localhost:PORT/ (other host names are "
                                   "refused, against DNS rebinding; --public lifts this)"),
                                params={"host": host or Msg(N_("(none)"))})
        origin = headers.get("origin")
        preflight = method == "OPTIONS" and "access-control-request-method" in headers
        if (origin is not None and (method in UNSAFE_METHODS or preflight)
                and not self._same_origin(origin, scope, host) and not self._allowed(origin)):
            raise HttpError(403, N_("cross-origin requests from {origin} are refused"),
                            N_("a web page on another site may not send queries or updates here; "
                               "start the server with --cors ORIGIN to allow that site"), params={"origin": origin})
        if method in UNSAFE_METHODS:
            if "chunked" in (headers.get("transfer-encoding") or "").lower():
                raise HttpError(411, N_("chunked request bodies are not accepted"), N_("send a Content-Length"),
                                {"Connection": "close"})
            length = headers.get("content-length")
            if length is not None:
                try:
                    n = int(length)
                except ValueError:
                    raise HttpError(400, N_("the Content-Length header is not a number")) from None
                if n > MAX_BODY:
                    raise HttpError(413, N_("the request body is larger than {mib} MiB"),
                                    N_("send a shorter query"), {"Connection": "close"},
                                    params={"mib": MAX_BODY // (1024 * 1024)})

    def _same_origin(self, origin: str, scope: Scope, host: str) -> bool:
        return origin.rstrip("/").lower() == f"{scope.get('scheme', 'http')}://{host}"

    def _allowed(self, origin: str) -> bool:
        return "*" in self.settings.cors or origin.rstrip("/") in self.settings.cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Cache-Control", "no-store")
                ctype = headers.get("content-type", "")
                if ctype.startswith("application/sparql-results+json") and "charset" not in ctype:
                    headers["content-type"] = ctype + "; charset=utf-8"
            await send(message)

        try:
            self._check(scope, Headers(scope=scope))
        except HttpError as exc:
            lang = request_lang(Request(scope), self.settings.lang)
            await error_response(exc, lang)(scope, receive, send_with_headers)
        else:
            await self.app(scope, receive, send_with_headers)
        if not self.settings.quiet:
            sys.stderr.write(access_line(scope, status[0], started))


class Routes:
    """The route handlers."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.settings = service.settings

    async def page(self, request: Request) -> Response:
        """The query page."""
        info = await self.service.info()
        lang = pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        body = pages.query_page(lang, self.service.queries(info), self.settings)
        return Response(body, media_type="text/html",
                        headers={"Content-Security-Policy": PAGE_CSP, "X-Frame-Options": "DENY"})

    async def health(self, request: Request) -> Response:
        """Liveness and the store's state."""
        info = await self.service.info()
        s = self.settings
        return json_response(200, {"status": "ok", "store": str(s.store), "reasoned": info["reasoned"],
                                   "graphs": info["graphs"], "updates": s.allow_update, "workers": s.workers,
                                   "timeout": s.timeout, "max_rows": s.max_rows, "memory_mb": s.memory_mb,
                                   "per_client": s.client_limit,
                                   "named_answers_kept": self.service.cache.count(signature(s.store))})

    async def list_queries(self, request: Request) -> Response:
        """The named queries (JSON)."""
        out = []
        for q in self.service.queries(await self.service.info()).values():
            out.append({"name": q.name, "title": q.title, "description": q.description, "tags": list(q.tags),
                        "titles": {lang: q.title_in(lang) for lang in LANGS},
                        "descriptions": {lang: q.description_in(lang) for lang in LANGS},
                        "reasoning": q.reasoning, "url": f"/queries/{urllib.parse.quote(q.name)}",
                        "params": [{"name": p.name, "type": p.type, "default": p.default,
                                    "description": p.description,
                                    "descriptions": {lang: p.description_in(lang) for lang in LANGS}}
                                   for p in q.params]})
        return json_response(200, {"queries": out})

    async def named_query(self, request: Request) -> Response:
        """One named query, its answer cached per store version."""
        name = request.path_params["name"]
        sig = signature(self.settings.store)
        queries = self.service.queries(await self.service.info(sig))
        if name not in queries:
            close = difflib.get_close_matches(name, list(queries), n=1)
            raise HttpError(404, N_("no query named '{name}'"),
                            Msg(N_("did you mean '{close}'? GET /queries lists them"), close=close[0])
                            if close else N_("GET /queries lists them"), params={"name": name})
        q = queries[name]
        params = query_params(request)
        reserved = {"lang", "format", "output", "results", "inference"}
        given = {}
        for k, values in params.items():
            if k in reserved:
                continue
            if len(values) != 1:
                raise HttpError(400, N_("parameter '{name}' is given {n} times"), N_("give each parameter once"),
                                params={"name": k, "n": len(values)})
            given[k] = values[0]
        lang = (params.get("lang") or ["en"])[-1]
        if lang not in LANGS:
            raise HttpError(400, N_("language must be one of {langs}, not '{lang}'"),
                            params={"langs": ", ".join(LANGS), "lang": lang})
        try:
            bindings = bind_params(q, given, lang=lang)
        except QueryError as exc:
            raise HttpError.of(400, exc) from exc
        text = with_values(q.text, bindings, q.params)
        if [v.lower() for v in params.get("format", [])] == ["sparql"]:
            return Response(text, media_type="application/sparql-query")
        results_fmt, _ = formats(params, request.headers.get("accept"))
        if results_fmt is None:
            raise HttpError(406, N_("none of the formats in the Accept header fits a query result"),
                            N_("accept one of {formats}"), params={"formats": ", ".join(RESULT_FORMATS.values())})
        inference = flag(params, "inference", True)
        key = named_key(name, given, lang, inference, results_fmt)
        hit = self.service.cache.get(sig, key)
        if hit is None:
            hit = await self.service.named_answer(sig, key, self.service.named_job(q, text, results_fmt, inference))
        request.scope[MARK] = sig  # the fast lane may answer this request again, until the store changes
        headers = {"Vary": "Accept", "ETag": hit.etag, "Cache-Control": NAMED_CACHE_CONTROL}
        if etag_matches(request.headers.get("if-none-match"), hit.etag):
            return Response(status_code=304, headers=headers)
        return Response(hit.body, media_type=hit.content_type, headers=headers)

    async def viz(self, request: Request) -> Response:
        """The browser view of the store."""
        options: dict[str, Any] = {}
        for k, values in query_params(request).items():
            options[k.replace("-", "_")] = values[0] if len(values) == 1 else tuple(values)
        page = await self.service.viz.run({"op": "viz", "options": options}, max(self.settings.timeout, 60.0))
        return Response(page, media_type="text/html")

    async def sparql(self, request: Request) -> Response:
        """The SPARQL 1.1 Protocol."""
        params = query_params(request)
        if request.method == "GET":
            if "query" not in params and "update" not in params:
                return self.service_description(request)
        else:
            ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
            text = utf8_body(request.headers.get("content-type") or "", await request.body())
            if ctype == "application/x-www-form-urlencoded":
                for k, v in urllib.parse.parse_qs(text, keep_blank_values=True, encoding="utf-8",
                                                  errors="strict").items():
                    params[k] = v
            elif ctype == "application/sparql-query":
                params["query"] = [text]
            elif ctype == "application/sparql-update":
                params["update"] = [text]
            else:
                raise HttpError(415, N_("unsupported Content-Type {ctype}"),
                                N_("POST application/x-www-form-urlencoded (query=... or update=...), "
                                   "application/sparql-query or application/sparql-update"),
                                params={"ctype": ctype or Msg(N_("(none)"))})
        queries, updates = params.get("query", []), params.get("update", [])
        if len(queries) + len(updates) != 1:
            raise HttpError(400, N_("give exactly one query (or one update)") if queries or updates
                            else N_("no query given"),
                            N_("send ?query=SELECT... (GET or POST), or open / for the query page"))
        if updates:
            if request.method == "GET":
                raise HttpError(405, N_("updates must be sent with POST"),
                                N_("POST update=... or application/sparql-update"), {"Allow": "POST"})
            return await self.update(request, updates[0], params)
        text = queries[0]
        refused = forbidden_keywords(text)
        if refused:
            raise HttpError(400, N_("{keywords} is refused by this server"),
                            N_("SERVICE would make the server fetch other URLs (and LOAD is an update); "
                               "run federated queries from your own machine"), params={"keywords": " / ".join(refused)})
        form = query_form(text)
        if form == "UPDATE":
            raise HttpError(400, N_("this is an update, sent as a query"), N_("send it as update=... with POST"))
        results_fmt, graph_fmt = formats(params, request.headers.get("accept"))
        if form in ("SELECT", "ASK") and results_fmt is None:
            raise HttpError(406, N_("none of the formats in the Accept header fits a SELECT or ASK result"),
                            N_("accept one of {formats}"), params={"formats": ", ".join(RESULT_FORMATS.values())})
        if form in ("CONSTRUCT", "DESCRIBE") and graph_fmt is None:
            raise HttpError(406, N_("none of the formats in the Accept header fits a CONSTRUCT or DESCRIBE result"),
                            N_("accept one of {formats}"), params={"formats": ", ".join(GRAPH_FORMATS.values())})
        job = {"op": "query", "text": text, "results_format": results_fmt, "graph_format": graph_fmt,
               "max_rows": self.settings.max_rows, "default": self._graphs(params, "default-graph-uri"),
               "named": self._graphs(params, "named-graph-uri"), "has_from": has_dataset_clause(text),
               "inference": flag(params, "inference", True), "base_iri": self.service.base_iri(request)}
        client = request.client.host if request.client else ""
        ctype, body = await self.service.sparql.run(job, self.settings.timeout, client)
        return Response(body, media_type=ctype, headers={"Vary": "Accept"})

    def service_description(self, request: Request) -> Response:
        """The SPARQL 1.1 Service Description, as Turtle, RDF/XML or JSON-LD."""
        fmt = negotiate(request.headers.get("accept"), description.DESCRIPTION_TYPES, "turtle")
        if fmt is None:
            raise HttpError(406, N_("none of the formats in the Accept header fits the service description"),
                            N_("accept text/turtle, application/rdf+xml or application/ld+json "
                               "(or send a query: ?query=SELECT...)"))
        triples = description.describe(self.service.base_iri(request), self.settings.allow_update)
        body = graph_body(triples, fmt, description.PREFIXES if fmt in ("turtle", "rdfxml") else {})
        return Response(body, media_type=GRAPH_FORMATS[fmt], headers={"Vary": "Accept"})

    @staticmethod
    def _graphs(params: dict[str, list[str]], key: str) -> list[str] | None:
        values = params.get(key)
        if not values:
            return None
        for v in values:
            try:
                ox.NamedNode(v)
            except ValueError:
                raise HttpError(400, N_("{key} '{value}' is not an IRI"), params={"key": key, "value": v}) from None
        return values

    async def update(self, request: Request, text: str, params: dict[str, list[str]]) -> Response:
        """A SPARQL update, only with the token."""
        writer = self.service.writer
        if writer is None:
            hint = N_("start the server with --allow-update --token-file FILE and send Authorization: Bearer TOKEN")
            if query_form(text) in QUERY_FORMS:
                hint = N_("the text is a query but came as an update: SPARQLWrapper guesses the type from the "
                          "text, and a '#' comment or a keyword inside one fools it; set "
                          "sparql.queryType = 'SELECT' (or the query's form) after setQuery()")
            raise HttpError(403, N_("updates are disabled on this server (it is read-only)"), hint)
        self._authorize(request)
        for key in ("using-graph-uri", "using-named-graph-uri"):
            if params.get(key):
                raise HttpError(400, N_("{key} is not supported"), N_("name the graphs with USING / WITH in the update"),
                                params={"key": key})
        refused = forbidden_keywords(text)
        if refused:
            raise HttpError(400, N_("{keywords} is refused by this server"),
                            N_("LOAD and SERVICE would make the server fetch other URLs; load files with "
                               "`rolegraph build`"), params={"keywords": " / ".join(refused)})
        await writer.run({"op": "update", "text": text, "base_iri": self.service.base_iri(request)},
                         self.settings.timeout)
        message = translator(request_lang(request, self.settings.lang))(N_("update applied"))
        return json_response(200, {"status": "ok", "message": message})

    def _authorize(self, request: Request) -> None:
        token = self.settings.token
        scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="rolegraph"'}
        if scheme.lower() != "bearer" or not given.strip():
            raise HttpError(401, N_("updates need a token"), N_("send Authorization: Bearer TOKEN"), challenge)
        if token is None or not hmac.compare_digest(given.strip().encode(), token.encode()):
            challenge["WWW-Authenticate"] += ', error="invalid_token"'
            raise HttpError(401, N_("the token is not valid"), N_("send the token in the server's --token-file"),
                            challenge)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return error_response(exc, request_lang(request, request.app.state.lang))


async def _on_starlette(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    lang = request_lang(request, request.app.state.lang)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "GET")
        return error_response(HttpError(405, N_("{method} is not allowed on {path}"), N_("use {methods}"),
                                        {"Allow": allowed},
                                        params={"method": request.method, "path": request.url.path,
                                                "methods": " / ".join(a.strip() for a in allowed.split(","))}), lang)
    if exc.status_code == 404:
        return error_response(HttpError(404, N_("nothing at {path}"), ROUTES_HINT,
                                        params={"path": request.url.path}), lang)
    return error_response(HttpError(exc.status_code, str(exc.detail)), lang)


async def _on_error(request: Request, exc: Exception) -> Response:
    return error_response(HttpError(500, N_("internal error: {kind}: {error}"),
                                    N_("this is a bug in rolegraph serve; please report it"),
                                    params={"kind": type(exc).__name__, "error": exc}),
                          request_lang(request, request.app.state.lang))


def create_app(service: Service) -> ASGIApp:
    """The ASGI application over a started Service (cached named answers take the fast lane)."""
    routes = Routes(service)
    endpoint = Callable[[Request], Awaitable[Response]]
    table: list[tuple[str, endpoint, list[str]]] = [
        ("/", routes.page, ["GET"]), ("/index.html", routes.page, ["GET"]),
        ("/sparql", routes.sparql, ["GET", "POST"]), ("/queries", routes.list_queries, ["GET"]),
        ("/queries/", routes.list_queries, ["GET"]), ("/queries/{name}", routes.named_query, ["GET"]),
        ("/viz", routes.viz, ["GET"]), ("/health", routes.health, ["GET"]),
    ]
    middleware = [Middleware(Guard, settings=service.settings)]
    if service.settings.cors:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(service.settings.cors),
                                     allow_methods=["GET", "POST"], allow_headers=["Accept", "Content-Type"],
                                     max_age=600))
    app = Starlette(routes=[*(Route(p, e, methods=m) for p, e, m in table),
                            Mount("/assets", app=StaticFiles(directory=pages.ASSETS), name="assets")],
                    middleware=middleware,
                    exception_handlers={HttpError: _on_http_error, HTTPException: _on_starlette,
                                        Exception: _on_error})
    app.state.lang = service.settings.lang  # the language of error answers to requests that name none
    return FastLane(app, service.settings.store, service.settings.quiet)

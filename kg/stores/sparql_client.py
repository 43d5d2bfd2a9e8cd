"""HTTP calls to a SPARQL 1.1 server, and the mapping of their failures to `RemoteError`, once.

Queries and updates go over the SPARQL 1.1 Protocol with SPARQLWrapper (always
POST, form-encoded; a timeout; the query type set explicitly, because
SPARQLWrapper's guess is fooled by a leading `#` comment); bulk loads over the
SPARQL 1.1 Graph Store Protocol with urllib. Answers come back as bytes and a
content type; `kg.stores.remote` parses them.
"""

from __future__ import annotations

import ast
import base64
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from SPARQLWrapper import BASIC, DIGEST, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from ..errors import RemoteError
from ..i18n import N_
from ..targets import RemoteConfig

_STATUS = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
           "EndPointInternalError": 500}


class SparqlClient:
    """One SPARQL 1.1 server: its query, update and graph store URLs and credentials."""

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self.requests = 0
        self.software: str | None = None  # the Server header of the store's first answer

    def _wrapper(self, text: str, query_type: str, return_format: str) -> Any:
        w = SPARQLWrapper(self.config.endpoint, updateEndpoint=self.config.updates)
        w.setMethod(POST)
        w.setRequestMethod(URLENCODED)
        w.setTimeout(int(max(1, round(self.config.timeout))))
        w.setOnlyConneg(True)  # content negotiation only: no format=... parameters
        w.setReturnFormat(return_format)
        # Set the text and its type directly: setQuery() would guess the type with a
        # regular expression that a leading '#' comment or a PREFIX IRI with '#' fools.
        w.queryString = text
        w.queryType = query_type
        if self.config.user and self.config.password:
            w.setCredentials(self.config.user, self.config.password)
            w.setHTTPAuth(DIGEST if self.config.auth == "digest" else BASIC)
        if self.config.token:
            w.addCustomHttpHeader("Authorization", f"Bearer {self.config.token}")
        return w

    def query(self, text: str, form: str, return_format: str, *, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None) -> tuple[bytes, str]:
        """POST a query of the given form; the answer's bytes and content type."""
        w = self._wrapper(text, form, return_format)
        for g in default_graphs or []:
            w.addDefaultGraph(g)
        for g in named_graphs or []:
            w.addNamedGraph(g)
        return self._call(w, "the query")

    def update(self, text: str, return_format: str) -> None:
        """POST a SPARQL 1.1 Update."""
        self._call(self._wrapper(text, "INSERT", return_format), "the update")

    def _call(self, w: Any, what: str) -> tuple[bytes, str]:
        url = w.updateEndpoint if w.isSparqlUpdateRequest() else w.endpoint
        self.requests += 1
        try:
            result = w.query()
            data = result.response.read()
            info = result.response.info()
            if self.software is None:
                self.software = info.get("Server", "") or ""
            ctype = info.get("Content-Type", "") or ""
            return data, ctype
        except SPARQLWrapperException as exc:
            status = _STATUS.get(type(exc).__name__)
            error = remote_error(what, url, f"HTTP {status}" if status else type(exc).__name__,
                                 _response_of(exc), status=status)
            raise self._update_hint(error, w, status) from exc
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace") if exc.fp else ""
            error = remote_error(what, url, f"HTTP {exc.code} {exc.reason}", body, status=exc.code)
            raise self._update_hint(error, w, exc.code) from exc
        except urllib.error.URLError as exc:
            raise RemoteError(N_("cannot reach the SPARQL store at {url}: {reason}"),
                              hint=N_("check the URL and that the store is running"), params={"url": url, "reason": exc.reason}) from exc
        except TimeoutError as exc:
            raise RemoteError(N_("the SPARQL store at {url} did not answer within {timeout:g} s"),
                              hint=N_("raise ROLEGRAPH_TIMEOUT (seconds), or the store's own query timeout"), params={"url": url, "timeout": self.config.timeout}) from exc
        except OSError as exc:
            raise RemoteError(N_("talking to the SPARQL store at {url} failed: {exc}"), params={"url": url, "exc": exc}) from exc

    def _update_hint(self, error: RemoteError, w: Any, status: int | None) -> RemoteError:
        if w.isSparqlUpdateRequest() and self.config.update_endpoint is None and status in (400, 404, 405, 415):
            message, _hint = error.templates
            return RemoteError(message, params=error.params, hint=N_(
                "this store may take updates at another URL than queries: give it with "
                "--update-endpoint (Oxigraph and Fuseki: .../update, GraphDB: "
                ".../repositories/REPO/statements)"))
        return error

    def graph_store(self, method: str, graph: str, data: bytes) -> None:
        """PUT or POST N-Triples to one graph through the Graph Store Protocol."""
        assert self.config.graph_store
        sep = "&" if "?" in self.config.graph_store else "?"
        url = f"{self.config.graph_store}{sep}{urllib.parse.urlencode({'graph': graph})}"
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/n-triples",
                                              "User-Agent": "rolegraph"})
        handlers: list[Any] = []
        if self.config.user and self.config.password:
            if self.config.auth == "digest":
                mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                mgr.add_password(None, self.config.graph_store, self.config.user, self.config.password)
                handlers.append(urllib.request.HTTPDigestAuthHandler(mgr))
            else:
                cred = f"{self.config.user}:{self.config.password}".encode()
                req.add_header("Authorization", "Basic " + base64.b64encode(cred).decode())
        if self.config.token:
            req.add_header("Authorization", f"Bearer {self.config.token}")
        self.requests += 1
        try:
            with urllib.request.build_opener(*handlers).open(req, timeout=self.config.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace") if exc.fp else ""
            raise remote_error(f"{method} of graph <{graph}>", url, f"HTTP {exc.code} {exc.reason}", body,
                               status=exc.code) from exc
        except urllib.error.URLError as exc:
            raise RemoteError(N_("cannot reach the graph store at {graph_store}: {reason}"),
                              hint=N_("check --graph-store, or leave it out to load with INSERT DATA"), params={"graph_store": self.config.graph_store, "reason": exc.reason}) from exc
        except TimeoutError as exc:
            raise RemoteError(N_("the graph store did not answer within {timeout:g} s"),
                              hint=N_("raise ROLEGRAPH_TIMEOUT (seconds)"), params={"timeout": self.config.timeout}) from exc


def _response_of(exc: Exception) -> str:
    """The store's own message, which SPARQLWrapper keeps only inside its exception text."""
    text = str(exc)
    if "Response:\n" not in text:
        return ""
    raw = text.split("Response:\n", 1)[1].strip()
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def remote_error(what: str, url: str, reason: str | bytes, body: str, status: int | None = None) -> RemoteError:
    """A RemoteError saying what failed where, with the store's first line and a hint by status."""
    text = (body or "").strip()
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")[:400]
    hint = ""
    low = (reason + " " + text).lower()
    if status in (401, 403) or "unauthorized" in low or "forbidden" in low or "permission" in low:
        hint = N_("the store refused the credentials or the operation: set ROLEGRAPH_USER / ROLEGRAPH_PASSWORD "
                "(or ROLEGRAPH_TOKEN), and check that this user may update (Virtuoso: GRANT SPARQL_UPDATE)")
    elif status == 404 or "not found" in low:
        hint = N_("check the URL: the endpoint path differs between stores (see docs/bigger-stores.md)")
    elif status == 405 or "method not allowed" in low:
        hint = N_("the URL does not accept this operation; give the update URL with --update-endpoint")
    message = f"{what} failed at {url}: {reason}".rstrip(": ")
    if first and first not in message:
        message += f" — {first}"
    return RemoteError(message, hint=hint)

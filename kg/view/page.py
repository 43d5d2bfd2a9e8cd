"""The view of a store: read it, build the graph, highlight a query, and write or return the page."""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Msg
from ..i18n import N_
from ..stores import open_store
from ..stores.layout import store_extensions
from ..targets import Target, describe
from .defaults import DEFAULT_OUT, DEFAULT_THRESHOLD
from .graph import Filters, Graph, build_graph
from .highlight import Highlight, query_highlight
from .model import read_model
from .render import render_html
from .words import check_lang


@dataclass
class ViewReport:
    """What `write_view` wrote."""

    path: Path
    nodes: int
    edges: int
    mode: str
    initial_nodes: int
    initial_edges: int
    bytes: int
    seconds: float
    highlighted_nodes: int = 0
    highlighted_edges: int = 0
    warnings: list[str] = field(default_factory=list)


def write_view(store_path: Target | None = None, out: Path = DEFAULT_OUT, *, filters: Filters | None = None,
               query: str | None = None, params: dict[str, str] | None = None, lang: str = "en",
               threshold: int = DEFAULT_THRESHOLD, overview: bool | None = None,
               query_dirs: list[Path] | None = None, store: Any = None) -> ViewReport:
    """Write the browser view of the store at `store_path` (a directory or a remote store's
    RemoteConfig; or of an open `store`) to `out`."""
    check_lang(lang)
    start = time.perf_counter()
    filters = filters or Filters()
    label = describe(store_path)
    with (nullcontext(store) if store is not None else open_store(store_path)) as st:
        html, g, hl, summary = _page(st, label, filters=filters, query=query, params=params, lang=lang,
                                     threshold=threshold, overview=overview, query_dirs=query_dirs)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = html.encode("utf-8")
    out.write_bytes(data)
    warnings = list(hl.warnings) if hl else []
    if not g.nodes:
        warnings.append(Msg(N_("the view is empty: no node matches the filters")))
    return ViewReport(out, len(g.nodes), len(g.edges), summary["mode"], summary["initial_nodes"],
                      summary["initial_edges"], len(data), time.perf_counter() - start,
                      len(hl.nodes) if hl else 0, len(hl.edges) if hl else 0, warnings)


def _page(st: Any, label: str, *, filters: Filters, query: str | None, params: dict[str, str] | None,
          lang: str, threshold: int, overview: bool | None,
          query_dirs: list[Path] | None) -> tuple[str, Graph, Highlight | None, dict[str, Any]]:
    """The page for an open store: its HTML, the graph drawn, the highlight and a summary."""
    g = build_graph(read_model(st), lang, filters)
    hl = None
    if query:
        # the queries of the extensions the store was built with count too, as for `query`
        dirs = [*(query_dirs or []), *(e.queries for e in store_extensions(st) if e.queries is not None)]
        hl = query_highlight(st, g, query, params=params, lang=lang, extra=dirs or None)
    html, summary = render_html(g, lang=lang, threshold=threshold, overview=overview, highlight=hl,
                                filters=filters, store_label=label)
    return html, g, hl, summary


def render_for_store(store_path: Target | None = None, *, query: str | None = None, lang: str = "en",
                     case: str | tuple[str, ...] = (), context: str | tuple[str, ...] = (),
                     actor: str | tuple[str, ...] = ()) -> str:
    """The page for the store at `store_path`, as the HTTP server serves it at /viz."""
    check_lang(lang)

    def many(v: str | tuple[str, ...]) -> tuple[str, ...]:
        return (v,) if isinstance(v, str) else tuple(v)

    filters = Filters(many(case), many(context), many(actor))
    with open_store(store_path) as st:
        html, *_ = _page(st, describe(store_path), filters=filters, query=query, params=None,
                         lang=lang, threshold=DEFAULT_THRESHOLD, overview=None, query_dirs=None)
    return html

"""The browser view: one self-contained, offline HTML page of actors, teams, roles and contexts.

    model      what the view reads of a store (kinds, labels, predicates)
    graph      the view's nodes, edges and panel details, with filters
    overview   the opening view of a large graph (contexts, cases, clusters of cases)
    layout     the overview's positions, computed here so the browser needs no physics
    highlight  the nodes and edges the rows of a named query name
    compact    the graph as the compact tables the page embeds
    render     the page (Jinja template, inline script and styles, CSP)
    page       a store's view: write it to a file, or return it for the server's /viz
    words      the page's words in English and Danish (the message catalogue, locale/)
    defaults   the defaults the command line shows (imports nothing)

The page's files (template, script, styles, words, vendored vis-network) are package
data in viz/. Nothing here imports the command line or the server.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Names are imported when first used, so that `kg.view.defaults` (what the command line
# needs to describe `viz`) costs nothing more.
_WHERE = {
    "DEFAULT_OUT": "defaults", "DEFAULT_THRESHOLD": "defaults", "LANGS": "defaults",
    "Filters": "graph", "Graph": "graph", "build_graph": "graph", "junction_details": "graph",
    "Highlight": "highlight", "query_highlight": "highlight",
    "Model": "model", "read_model": "model", "short_id": "model",
    "build_overview": "overview",
    "ViewReport": "page", "render_for_store": "page", "write_view": "page",
    "json_for_script": "render", "render_html": "render",
    "ui_words": "words",
}
__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_THRESHOLD",
    "LANGS",
    "Filters",
    "Graph",
    "Highlight",
    "Model",
    "ViewReport",
    "build_graph",
    "build_overview",
    "json_for_script",
    "junction_details",
    "query_highlight",
    "read_model",
    "render_for_store",
    "render_html",
    "short_id",
    "ui_words",
    "write_view",
]

if TYPE_CHECKING:
    from .defaults import DEFAULT_OUT, DEFAULT_THRESHOLD, LANGS
    from .graph import Filters, Graph, build_graph, junction_details
    from .highlight import Highlight, query_highlight
    from .model import Model, read_model, short_id
    from .overview import build_overview
    from .page import ViewReport, render_for_store, write_view
    from .render import json_for_script, render_html
    from .words import ui_words


def __getattr__(name: str) -> Any:
    """A public name of the view, imported from its module when first asked for."""
    if name not in _WHERE:
        raise AttributeError(f"module 'kg.view' has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)

"""The browser view: one self-contained, offline HTML page of actors, teams, roles and contexts.

    model      what the view reads of a store (kinds, labels, predicates)
    graph      the view's nodes, edges and panel details, with filters
    overview   the opening view of a large graph (contexts, cases, clusters of cases)
    layout     the overview's positions, computed here so the browser needs no physics
    highlight  the nodes and edges the rows of a named query name
    compact    the graph as the compact tables the page embeds
    render     the page (Jinja template, inline script and styles, CSP)
    page       a store's view: write it to a file, or return it for the server's /viz
    words      the page's words in English and Danish (viz/words.json)

The page's files (template, script, styles, words, vendored vis-network) are package
data in viz/. Nothing here imports the command line or the server.
"""

from __future__ import annotations

from .graph import Filters, Graph, build_graph, junction_details
from .highlight import Highlight, query_highlight
from .model import Model, read_model, short_id
from .overview import build_overview
from .page import DEFAULT_OUT, ViewReport, render_for_store, write_view
from .render import DEFAULT_THRESHOLD, json_for_script, render_html
from .words import LANGS, ui_words

__all__ = [
    "DEFAULT_OUT", "DEFAULT_THRESHOLD", "LANGS", "Filters", "Graph", "Highlight", "Model", "ViewReport",
    "build_graph", "build_overview", "json_for_script", "junction_details", "query_highlight", "read_model",
    "render_for_store", "render_html", "short_id", "ui_words", "write_view",
]

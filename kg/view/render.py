"""The page: the view's graph rendered into the Jinja template viz/template.html, with everything inline.

Safety: every text from case data reaches the page only inside one
<script type="application/json"> element, with "<", ">" and "&" written as
\\u003c, \\u003e, \\u0026; the page's script reads it with JSON.parse and writes text
with textContent, never innerHTML. Jinja autoescaping is on for the rest, and a
Content-Security-Policy runs only the page's two inline scripts and loads nothing.

How the page opens: on the answers of a query and their neighbourhood (mode
"answers"), on an overview laid out here (mode "overview", above `threshold`
nodes; no physics in the browser), or on the whole graph (mode "full", a bounded
stabilisation in the browser). A click opens a node's neighbourhood.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..resources import data_dir
from .compact import compact_graph
from .defaults import DEFAULT_THRESHOLD
from .graph import Filters, Graph
from .highlight import Highlight
from .model import natural_key
from .overview import build_overview
from .words import ui_words

TEMPLATE = "template.html"
VIS_NETWORK_VERSION = "9.1.2"


def json_for_script(value: Any) -> str:
    """JSON that is safe inside a <script> element: no "<", ">" or "&" appear literally."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _inline(text: str, tag: str) -> str:
    """Vendored code, guarded against closing its own element early."""
    return re.sub(rf"</(?={tag})", r"<\\/", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _csp(*scripts: str) -> str:
    """A Content-Security-Policy that runs only our two inline scripts and loads nothing."""
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
                      for s in scripts)
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


def vis_options(n_nodes: int, *, preset: bool = False) -> dict[str, Any]:
    """vis-network options: positions given (`preset`: physics off) or a bounded stabilisation."""
    iterations = 400 if n_nodes <= 150 else 250 if n_nodes <= 400 else 150
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": not preset and n_nodes <= 150},
        "nodes": {"font": {"size": 16, "face": "system-ui, sans-serif", "color": "#1d232b",
                           "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "widthConstraint": {"maximum": 170}, "borderWidth": 1.5},
        "edges": {"smooth": False, "selectionWidth": 2, "hoverWidth": 1,
                  "arrows": {"to": {"scaleFactor": 0.55}}},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": n_nodes > 400,
                        "navigationButtons": False, "keyboard": False, "multiselect": True},
        "physics": {"enabled": not preset, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -110, "centralGravity": 0.02,
                                         "springLength": 80, "springConstant": 0.06, "damping": 0.5,
                                         "avoidOverlap": 0.8},
                    "maxVelocity": 60, "minVelocity": 0.75, "timestep": 0.45,
                    "stabilization": {"enabled": not preset, "iterations": iterations, "updateInterval": 25,
                                      "fit": True}},
    }


def _cells(cells: list[list[str]], labelled: set[str]) -> list[str | list[str]]:
    """A row's cells in the order of the query's variables: a node the page draws as its id
    in a list (the page shows its label), anything else as the text shown."""
    return [[cell[2]] if len(cell) > 2 and cell[2] in labelled else cell[1] for cell in cells]


def answer_ids(g: Graph, hl: Highlight) -> set[str]:
    """The answers of a query and their neighbourhood: the marked nodes and every end of their claim nodes."""
    ids = set(hl.nodes)
    for e in g.edges:
        if e.get("j") in hl.nodes:
            ids.update((e["from"], e["to"]))
    return ids


def render_html(g: Graph, *, lang: str = "en", title: str | None = None, threshold: int = DEFAULT_THRESHOLD,
                overview: bool | None = None, highlight: Highlight | None = None,
                filters: Filters | None = None, store_label: str = "") -> tuple[str, dict[str, Any]]:
    """The page for graph `g`, and a summary of what it opens on (mode, initial nodes and edges)."""
    words = ui_words(lang)
    template_dir = data_dir("viz")
    big = len(g.nodes) > threshold
    ov = build_overview(g, threshold, words) if (big or overview) and overview is not False else None
    start = answer_ids(g, highlight) if highlight is not None and highlight.nodes else set()
    # a query with answers all over a large graph opens on the overview instead
    if overview is None and start and len(start) <= threshold:
        mode = "answers"
        initial_nodes = len(start)
        initial_edges = sum(1 for e in g.edges if e["from"] in start and e["to"] in start)
    elif ov is not None and (overview or big):
        mode = "overview"
        initial_nodes, initial_edges = len(ov["nodes"]), len(ov["edges"])
    else:
        mode = "full"
        initial_nodes, initial_edges = len(g.nodes), len(g.edges)
    hl = None
    labelled = {n["id"] for n in g.nodes if "label" in n}
    if highlight is not None:
        # the edges a row marks are those of its claim nodes: the page finds them itself
        hl = {"name": highlight.name, "title": highlight.title, "variables": highlight.variables,
              "rows": [{"cells": _cells(r["cells"], labelled), "nodes": r["nodes"]} for r in highlight.rows],
              "total": highlight.total_rows, "nodes": sorted(highlight.nodes, key=natural_key)}
    heading = title or words["title"]
    data = {
        "version": 2, "lang": lang, "ui": words, "mode": mode, "threshold": threshold,
        "filters": (filters or Filters()).describe(), "store": store_label,
        "counts": {"nodes": len(g.nodes), "edges": len(g.edges),
                   "initialNodes": initial_nodes, "initialEdges": initial_edges},
        "graph": compact_graph(g), "overview": ov, "highlight": hl,
        "options": vis_options(initial_nodes, preset=mode == "overview"),
    }
    vendor = template_dir / "vendor"
    vis_js = _inline((vendor / "vis-network.min.js").read_text(encoding="utf-8"), "script")
    app_js = _inline((template_dir / "app.js").read_text(encoding="utf-8"), "script")
    env = Environment(loader=FileSystemLoader(str(template_dir)), autoescape=select_autoescape(["html"]),
                      keep_trailing_newline=True)
    html = env.get_template(TEMPLATE).render(
        ui=words, lang=lang, title=heading, mode=mode, highlight=hl, vis_version=VIS_NETWORK_VERSION,
        csp=Markup(_csp(vis_js, app_js)), data_json=Markup(json_for_script(data)),
        vis_js=Markup(vis_js), app_js=Markup(app_js),
        app_css=Markup(_inline((template_dir / "app.css").read_text(encoding="utf-8"), "style")),
    )
    return html, {"mode": mode, "initial_nodes": initial_nodes, "initial_edges": initial_edges}


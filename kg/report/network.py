"""The role network of a case as a static SVG, laid out offline by Graphviz's `dot`.

Bearers point to the roles they claim; each edge is labelled with the context and coloured by
how the audiences responded (recognised, refused, both, or no response). `dot` (Debian's
graphviz package, installed by scripts/setup.sh) does the layout: a layered drawing reads
better for bearer -> role than a force layout, and needs no browser or network.
"""

from __future__ import annotations

import re

import graphviz

from ..errors import RolegraphError
from ..i18n import N_
from .data import CaseView
from .words import word

COLOURS = {"recognised": "#1a7f37", "refused": "#cf222e", "both": "#bc4c00", "none": "#57606a"}
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)


def _verdict(outcomes: set[str]) -> str:
    yes = "recognised" in outcomes
    no = bool(outcomes & {"refused", "contested", "failed", "nottakenup", "ignored"})
    return "both" if yes and no else "recognised" if yes else "refused" if no else "none"


def role_network_dot(case: CaseView, lang: str) -> graphviz.Digraph:
    """The Graphviz graph of a case's claims (nodes named n1, n2 ..., never by IRI)."""
    g = graphviz.Digraph(graph_attr={"rankdir": "LR", "bgcolor": "transparent", "fontname": "Helvetica",
                                     "fontsize": "11", "label": word(lang, "network_title"), "labelloc": "t"},
                         node_attr={"fontname": "Helvetica", "fontsize": "11"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    ids: dict[tuple[str, str], str] = {}

    def node(kind: str, label: str) -> str:
        key = (kind, label)
        if key not in ids:
            ids[key] = f"n{len(ids) + 1}"
            if kind == "role":
                g.node(ids[key], label, shape="ellipse", style="filled", fillcolor="#ddf4ff", color="#0969da")
            else:
                g.node(ids[key], label, shape="box", style="rounded,filled", fillcolor="#f6f8fa", color="#57606a")
        return ids[key]

    for cl in case.claims:
        verdict = _verdict({s.outcome for s in cl.sides})
        g.edge(node("bearer", cl.bearer), node("role", cl.role), label=cl.context,
               color=COLOURS[verdict], fontcolor=COLOURS[verdict],
               style="dashed" if verdict == "none" else "solid", penwidth="1.6")
    return g


def role_network_svg(case: CaseView, lang: str) -> str:
    """The SVG of a case's role network, without XML prolog or DOCTYPE (ready to inline)."""
    if not case.claims:
        return ""
    try:
        svg = role_network_dot(case, lang).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as exc:
        raise RolegraphError(N_("Graphviz's `dot` is not installed; the report draws its role networks with it"),
                             hint=N_("run scripts/setup.sh, or `apt-get install graphviz`")) from exc
    return _PROLOG.sub("", svg, count=1)

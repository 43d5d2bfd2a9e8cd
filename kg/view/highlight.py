"""Query highlighting: run a named query and find the nodes and edges of the view its rows name."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import Msg
from ..i18n import N_, translator
from ..query import bind_params, get_query, run_select
from ..reasoning import is_reasoned
from .graph import Graph
from .model import BASE, natural_key, short_id

MAX_ROWS_SHOWN = 500
_IRI_IN_TEXT = re.compile(re.escape(BASE) + r"[^\s<>\"{}|\\^`]+")



@dataclass
class Highlight:
    """The rows of a named query and the nodes and edges each row marks."""

    name: str
    title: str
    variables: list[str]
    rows: list[dict[str, Any]]
    nodes: set[str]
    edges: set[str]
    total_rows: int
    warnings: list[str] = field(default_factory=list)


def query_highlight(store: Any, g: Graph, name: str, *, params: dict[str, str] | None = None,
                    lang: str = "en", extra: list[Path] | None = None) -> Highlight:
    """Run the named query and find the nodes and edges of the view that its rows name.

    A row marks every node whose IRI it contains (also IRIs inside literals, such
    as the space-separated findings of role-transfer). It marks a claim node when
    the row names its claim, one of the claim's responses, or a finding that points
    to the claim (rg:recognisedClaim, rg:refusedClaim, ...); if the row names
    contexts, only the claim nodes in those contexts are marked. A row that names
    no claim marks the claim nodes whose bearer, role or team and context it names.
    """
    q = get_query(name, extra)
    result = run_select(store, q, bind_params(q, params or {}, lang=lang))
    warnings = []
    if q.reasoning == "required" and not is_reasoned(store):
        _ = translator(lang)
        warnings.append(_("query '{name}' needs reasoning, and the store has not been reasoned: "
                          "run `rolegraph reason` first; the highlight may be empty").format(name=name))
    kind_of = {n["id"]: n["kind"] for n in g.nodes}
    label_of = {n["id"]: n["label"] for n in g.nodes if "label" in n}
    node_ids = set(kind_of)
    by_claim: dict[str, list[str]] = defaultdict(list)
    for jid, j in g.junctions.items():
        by_claim[j["claim"]].append(jid)
    response_claim = {}
    edges_of: dict[str, list[str]] = defaultdict(list)
    for e in g.edges:
        if "j" in e:
            edges_of[e["j"]].append(e["id"])
    for j in g.junctions.values():
        for r in j["responses"]:
            response_claim[r] = j["claim"]
    claim_cache: dict[str, set[str]] = {}

    def claims_behind(iri: str) -> set[str]:
        """Claims a finding (or any other resource) points to, one hop away, in any graph."""
        if iri not in claim_cache:
            found = set()
            for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
                o = quad.object
                if isinstance(o, ox.NamedNode) and o.value in by_claim:
                    found.add(o.value)
            claim_cache[iri] = found
        return claim_cache[iri]

    rows_out: list[dict[str, Any]] = []
    all_nodes: set[str] = set()
    all_edges: set[str] = set()
    for row in result.rows:
        iris: set[str] = set()
        cells = []
        for var in result.variables:
            term = row.get(var)
            if term is None:
                cells.append([var, ""])
                continue
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
                sid = short_id(term.value)
                cells.append([var, label_of.get(sid) or g.names.get(sid) or sid, sid])
            else:
                text = str(term.value)
                iris.update(_IRI_IN_TEXT.findall(text))
                cells.append([var, text])
        claims = {i for i in iris if i in by_claim}
        claims |= {response_claim[i] for i in iris if i in response_claim}
        for i in iris - claims:
            if short_id(i) not in node_ids and i not in response_claim:
                claims |= claims_behind(i)
        sids = {short_id(i) for i in iris}
        row_nodes = {s for s in sids if s in node_ids}
        situations = {s for s in row_nodes if kind_of[s] == "context"}
        jids = set()
        for c in claims:
            for jid in by_claim[c]:
                where = g.junctions[jid]["where"]
                if not situations or (where and short_id(where) in situations):
                    jids.add(jid)
        if not claims:
            for jid, j in g.junctions.items():
                if short_id(j["bearer"]) in sids and short_id(j["target"]) in sids and \
                        (not situations or (j["where"] and short_id(j["where"]) in situations)):
                    jids.add(jid)
        row_edges = {e for jid in jids for e in edges_of[jid]}
        row_nodes |= jids
        all_nodes |= row_nodes
        all_edges |= row_edges
        if len(rows_out) < MAX_ROWS_SHOWN:
            rows_out.append({"cells": cells, "nodes": sorted(row_nodes, key=natural_key),
                             "edges": sorted(row_edges, key=natural_key)})
    if result.rows and not all_nodes:
        warnings.append(Msg(N_("none of the {n} rows of '{name}' names a node of this view (check the filters)"),
                            n=len(result.rows), name=name))
    return Highlight(name, q.title_in(lang), result.variables, rows_out, all_nodes, all_edges,
                     len(result.rows), warnings)



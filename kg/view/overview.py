"""The opening view of a large graph: one node per context, per case, or per cluster of cases.

Which level opens depends on size: contexts (with their cases) while they fit under the
threshold, else cases, and beyond `MAX_CASES` cases, clusters of neighbouring cases.
Every node carries its position (kg.view.layout), so the page draws it without physics;
a click opens the level below in the page.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from .graph import Graph
from .layout import grid, ring_radius, rings
from .model import ACTOR_KINDS, natural_key

MAX_CASES = 100  # more cases than this open as clusters of cases
CASE_CELL = 300.0
CLUSTER_CELL = 600.0  # room for a cluster's cases on a ring around it when it is opened
# The counts of a node not drawn at first are written as a list in this order (the page
# builds the node when it is opened: its label is the context's or the case's).
COUNT_KEYS = ("claims", "recognised", "refused", "contested", "none", "actors", "contexts")


def _counts_row(counts: dict[str, int]) -> list[int]:
    row = [counts.get(k, 0) for k in COUNT_KEYS]
    while row and row[-1] == 0:
        row.pop()
    return row


def build_overview(g: Graph, threshold: int, words: dict[str, str]) -> dict[str, Any]:
    """The overview of `g`: nodes with positions, edges, and the children of each node."""
    per_ctx: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_case: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    bearers: dict[str, set[str]] = defaultdict(set)
    for n in g.nodes:
        if n["kind"] in ("claim", "mclaim"):
            case = n.get("case", "")
            per_case[case][n["outcome"]] += 1
            per_case[case]["claims"] += 1
            if n.get("where"):
                per_ctx[n["where"]][n["outcome"]] += 1
                per_ctx[n["where"]]["claims"] += 1
                bearers[n["where"]].add(g.claims[n["claim"]]["bearer"])
        elif n["kind"] in ACTOR_KINDS:
            per_case[n.get("case", "")]["actors"] += 1
    contexts = [n for n in g.nodes if n["kind"] == "context"]
    ctx_case = {n["id"]: n.get("case") or "" for n in contexts}
    ctx_label = {n["id"]: n["label"] for n in contexts}
    by_case: dict[str, list[str]] = defaultdict(list)
    for cid, case in ctx_case.items():
        by_case[case].append(cid)
    for case in per_case:
        by_case.setdefault(case, [])
    cases = sorted(by_case, key=natural_key)
    if len(contexts) + len(cases) <= threshold:
        unit = "context"
    elif len(cases) <= MAX_CASES:
        unit = "case"
    else:
        unit = "cluster"

    def ctx_node(cid: str) -> dict[str, Any]:
        counts = dict(per_ctx[cid])
        counts["actors"] = len(bearers[cid])
        return {"id": cid, "kind": "ovcontext", "label": ctx_label[cid], "case": ctx_case[cid] or None,
                "counts": counts}

    def case_node(case: str) -> dict[str, Any]:
        counts = dict(per_case[case])
        counts["contexts"] = len(by_case[case])
        counts.setdefault("claims", 0)
        counts.setdefault("actors", 0)
        label = g.cases.get(case, {}).get("label", case or "—")
        return {"id": "case:" + (case or "-"), "kind": "ovcase", "label": label, "case": case, "counts": counts}

    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    children: dict[str, list[str]] = {}
    case_nodes = {case: case_node(case) for case in cases}
    for case in cases:
        children[case_nodes[case]["id"]] = sorted(by_case[case], key=natural_key)
    ctx_nodes = {cid: ctx_node(cid) for cid in ctx_case}

    if unit == "context":
        cell = 2 * max((ring_radius(len(by_case[c])) for c in cases), default=0) + 160
        for case, centre in zip(cases, grid(len(cases), max(cell, CASE_CELL)), strict=True):
            node = dict(case_nodes[case], x=centre[0], y=centre[1])
            nodes.append(node)
            kids = children[node["id"]]
            for cid, place in zip(kids, rings(centre, len(kids)), strict=True):
                nodes.append(dict(ctx_nodes[cid], x=place[0], y=place[1]))
                edges.append({"id": f"o{len(edges) + 1}", "from": cid, "to": node["id"], "kind": "incase"})
        ids = {n["id"] for n in nodes}
        for e in g.edges:
            if e["kind"] == "partof" and e["from"] in ids and e["to"] in ids:
                edges.append({"id": f"o{len(edges) + 1}", "from": e["from"], "to": e["to"], "kind": "partof"})
        return {"unit": unit, "nodes": nodes, "edges": edges, "children": children, "countKeys": COUNT_KEYS,
                "contextCounts": {}, "caseCounts": {}}

    if unit == "case":
        for case, place in zip(cases, grid(len(cases), CASE_CELL), strict=True):
            nodes.append(dict(case_nodes[case], x=place[0], y=place[1]))
        return {"unit": unit, "nodes": nodes, "edges": edges, "children": children, "countKeys": COUNT_KEYS,
                "contextCounts": {c: _counts_row(n["counts"]) for c, n in ctx_nodes.items()}, "caseCounts": {}}

    # clusters of about sqrt(n) neighbouring cases (in the order of their ids), so that
    # neither the clusters nor one cluster's cases are too many to read
    size = max(10, math.ceil(math.sqrt(len(cases))))
    groups = [cases[i:i + size] for i in range(0, len(cases), size)]
    for k, (group, place) in enumerate(zip(groups, grid(len(groups), CLUSTER_CELL), strict=True), 1):
        counts: dict[str, int] = defaultdict(int)
        for case in group:
            for key, value in case_nodes[case]["counts"].items():
                counts[key] += value
        counts["cases"] = len(group)
        first, last = case_nodes[group[0]]["label"], case_nodes[group[-1]]["label"]
        label = words["cluster"].replace("{n}", str(len(group))).replace("{first}", first).replace("{last}", last)
        cluster_id = f"cluster:{k}"
        nodes.append({"id": cluster_id, "kind": "ovcluster", "label": label, "counts": dict(counts),
                      "x": place[0], "y": place[1]})
        children[cluster_id] = [case_nodes[c]["id"] for c in group]
    return {"unit": unit, "nodes": nodes, "edges": edges, "children": children, "countKeys": COUNT_KEYS,
            "contextCounts": {c: _counts_row(n["counts"]) for c, n in ctx_nodes.items()},
            "caseCounts": {n["id"]: _counts_row(n["counts"]) for n in case_nodes.values()}}

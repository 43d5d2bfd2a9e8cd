"""The graph in the compact form the page embeds: tables of indices, expanded by the page's script.

A claim is written once (not once per claim node), names are indices into one table,
and the edges through a claim node are implied by it (bearer, role or team, context,
audience), so the page holds about a quarter of the bytes of plain node and edge lists.
viz/app.js (`expand`) rebuilds the same node and edge records, with the same ids, as
kg.view.graph builds in Python.
"""

from __future__ import annotations

from typing import Any

from .graph import Graph
from .model import short_id

OUTCOME_CODES = ("recognised", "refused", "contested", "none")
EDGE_KINDS = ("member", "specialises", "partof")
# An id written as " local" is "<its case>/local": most ids repeat their case's id, and
# no id (a short form of an IRI) begins with a space.
IN_CASE = " "


# The defaults of each kind of row: a trailing field equal to its default is left out.
CLAIM_DEFAULTS: tuple[Any, ...] = ("", 0, 0, 0, [], [], [], -1, -1, [], -1)
MODES = ("taken", "given")
STANCES = ("embraces", "accepts", "distances")
RESPONSE_DEFAULTS: tuple[Any, ...] = (0, [], [], [], -1)
JUNCTION_DEFAULTS: tuple[Any, ...] = (0, 0, -1, -1, 0, [], [])
EVIDENCE_DEFAULTS: tuple[Any, ...] = (-1, -1, -1, -1, -1)
DETAIL_TEXTS = ("alt", "note", "def", "type")  # the texts of an entity's details, written as text numbers


def _trim(row: list[Any], defaults: tuple[Any, ...]) -> list[Any]:
    """`row` without its trailing fields that equal their defaults (the page fills them in again)."""
    while row and row[-1] == defaults[len(row) - 1]:
        row.pop()
    return row


def _code(value: str | None, table: tuple[str, ...]) -> int | str:
    """The number of `value` in `table`; a value not in it is written as itself."""
    if not value:
        return -1
    return table.index(value) if value in table else value


def _in_case(sid: str, case: str | None) -> str:
    if case and sid.startswith(case + "/"):
        return IN_CASE + sid[len(case) + 1:]
    return sid


def compact_graph(g: Graph) -> dict[str, Any]:
    """`g` as tables: names, entity nodes, claims, claim nodes, structural edges, evidence."""
    # Every text (labels, quotes, locators, notes) is written once, in `texts`, and named by
    # its number: a quote cited for several claims, or a label every case uses, costs once.
    texts: list[str] = []
    text_ix: dict[str, int] = {}

    def tx(text: str | None) -> int:
        if not text:
            return -1
        if text not in text_ix:
            text_ix[text] = len(texts)
            texts.append(text)
        return text_ix[text]

    entities = [n for n in g.nodes if n["kind"] not in ("claim", "mclaim")]
    ids = [n["id"] for n in entities]
    labels = [tx(n["label"]) for n in entities]
    index = {sid: i for i, sid in enumerate(ids)}

    def ix(sid: str) -> int:
        if sid not in index:
            index[sid] = len(ids)
            ids.append(sid)
            labels.append(tx(g.names.get(sid, sid)))
        return index[sid]

    kinds = sorted({n["kind"] for n in entities})
    case_ids = sorted({n["case"] for n in g.nodes if n.get("case")} | set(g.cases))
    case_ix = {c: i for i, c in enumerate(case_ids)}
    claim_ids = list(g.claims)
    claim_ix = {c: i for i, c in enumerate(claim_ids)}
    claim_case = {n["claim"]: n.get("case") for n in g.nodes if n["kind"] in ("claim", "mclaim")}
    claims = []
    for cid in claim_ids:
        c = g.claims[cid]
        # [id, membership?, bearer, target, [claimed in], [evidence], [responses], mode, stance, [by], note];
        # a response's [where] is left empty when it is where the claim was made
        claims.append(_trim([
            _in_case(cid, claim_case.get(cid)), 1 if c["kind"] == "mclaim" else 0, ix(c["bearer"]),
            ix(c["target"]), [ix(w) for w in c["claimWhere"]], c.get("ev", []),
            [_trim([OUTCOME_CODES.index(r["outcome"]), [ix(a) for a in r["by"]],
                    [] if r["where"] == c["claimWhere"] else [ix(w) for w in r["where"]],
                    r.get("ev", []), tx(r.get("note"))], RESPONSE_DEFAULTS) for r in c["resp"]],
            _code(c.get("mode"), MODES), _code(c.get("stance"), STANCES), [ix(a) for a in c.get("by", [])],
            tx(c.get("note"))],
            CLAIM_DEFAULTS))
    junctions = []
    for n in g.nodes:
        if n["kind"] not in ("claim", "mclaim"):
            continue
        j = g.junctions[n["id"]]
        # [claim, outcome, context, case, distances?, [its responses], [audience]]
        junctions.append(_trim([claim_ix[n["claim"]], OUTCOME_CODES.index(n["outcome"]),
                                ix(n["where"]) if n.get("where") else -1,
                                case_ix[n["case"]] if n.get("case") else -1,
                                1 if n.get("dist") else 0, g.junction_resp[n["id"]],
                                [ix(short_id(a)) for a in j["respondents"]]], JUNCTION_DEFAULTS))
    # structural edges in order: the n-th is s<n>
    edges = [[index[e["from"]], index[e["to"]], EDGE_KINDS.index(e["kind"])] for e in g.edges if "j" not in e]
    # [quote, source, speaker, locator, paraphrase]
    evidence = [_trim([tx(e.get("q")), e.get("s", -1), ix(e["spk"]) if "spk" in e else -1, tx(e.get("loc")),
                       tx(e.get("p"))], EVIDENCE_DEFAULTS) for e in g.evidence]
    details = {str(index[sid]): {k: tx(v) if k in DETAIL_TEXTS else v for k, v in d.items()}
               for sid, d in g.details.items() if d and sid in index}
    written = [_in_case(sid, entities[i].get("case") if i < len(entities) else None) for i, sid in enumerate(ids)]
    return {
        "defaults": {"claim": CLAIM_DEFAULTS, "response": RESPONSE_DEFAULTS, "junction": JUNCTION_DEFAULTS,
                     "evidence": EVIDENCE_DEFAULTS},
        "ids": written, "labels": labels, "entities": len(entities),
        "kinds": kinds, "kind": [kinds.index(n["kind"]) for n in entities],
        "caseIds": case_ids, "case": [case_ix[n["case"]] if n.get("case") else -1 for n in entities],
        # nodes whose label another case's node has too: the page adds their case's label
        "sub": [i for i, n in enumerate(entities) if "sub" in n],
        "details": details, "texts": texts, "detailTexts": DETAIL_TEXTS, "modes": MODES, "stances": STANCES,
        "claims": claims, "junctions": junctions, "edges": edges,
        "evidence": evidence, "sources": g.sources, "cases": g.cases,
    }

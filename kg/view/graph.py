"""The view's graph: nodes, edges and panel details, for the given filters.

Nodes are actors, teams, roles, contexts, and one small "claim" node (a junction)
per claim, situation and outcome of the audience responses there. Edge ids say
what they are: `j7b` bearer -> claim, `j7t` claim -> role, `j7w` claim -> context,
`j7a0` audience -> claim, `s3` a structural edge (member of, specialises, part of).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import Msg, UsageError
from ..i18n import N_
from .model import ACTOR_KINDS, CASE_NS, OUTCOMES, RG, ROLE_NS, Model, natural_key, short_id


@dataclass
class Filters:
    """Which part of the graph to show: values of the same option are alternatives."""

    cases: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()

    def describe(self) -> list[str]:
        """The filters as the command-line options that give them."""
        out = []
        for name, values in (("case", self.cases), ("context", self.contexts), ("actor", self.actors)):
            if values:
                out.append(f"--{name} " + ", ".join(values))
        return out


@dataclass
class Graph:
    """The view's graph, in the form the page reads (ids are short forms of IRIs)."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    junctions: dict[str, dict[str, Any]] = field(default_factory=dict)
    evidence_of: dict[str, list[int]] = field(default_factory=dict)
    # claim id -> what the claim says and every response to it (names are node ids)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    # claim node id -> the indices of its claim's responses that this node stands for
    junction_resp: dict[str, list[int]] = field(default_factory=dict)


def _resolve(values: Iterable[str], candidates: dict[str, str], what: str) -> set[str]:
    """Full IRIs for `values` given as an IRI, `case/local`, or a bare local id."""
    out: set[str] = set()
    by_short = {short_id(iri): iri for iri in candidates}
    for raw in values:
        value = raw.strip()
        if value.startswith("<") and value.endswith(">"):
            value = value[1:-1]
        if value in candidates:
            out.add(value)
            continue
        if value in by_short:
            out.add(by_short[value])
            continue
        local = [iri for s, iri in by_short.items() if s.rsplit("/", 1)[-1] == value]
        if local:
            out.update(local)
            continue
        names = sorted({s.rsplit("/", 1)[-1] for s in by_short} | set(by_short))
        close = difflib.get_close_matches(value, names, n=3)
        example = next(iter(sorted(by_short)), "id")
        hint = (Msg(N_("did you mean {choices}? give its id, e.g. '{example}'"),
                    choices=", ".join(repr(c) for c in close), example=example) if close
                else Msg(N_("give its id, e.g. '{example}'"), example=example))
        raise UsageError(N_("no {what} '{raw}' in the store"), hint=hint, params={"what": what, "raw": raw})
    return out


def build_graph(model: Model, lang: str = "en", filters: Filters | None = None) -> Graph:
    """The view's nodes, edges and panel details for the given filters."""
    filters = filters or Filters()
    kinds = model.kinds
    g = Graph()
    case_iris = {s for s, k in kinds.items() if k == "case"}
    contexts_all = {s for s, k in kinds.items() if k == "context"}
    actors_all = {s for s, k in kinds.items() if k in ACTOR_KINDS}

    def case_of(s: str) -> str | None:
        c = model.one("inCase", s)
        return c if c in case_iris else None

    # --- claims, responses and their junctions (claim x situation x outcome)
    responses: dict[str, list[str]] = defaultdict(list)
    for r, k in kinds.items():
        if k == "response":
            claim = model.one("respondsTo", r)
            if claim:
                responses[claim].append(r)
    junctions: list[dict[str, Any]] = []
    for c, k in sorted(kinds.items()):
        if k not in ("roleclaim", "membershipclaim"):
            continue
        bearer = model.one("bearer", c)
        target = model.one("role", c) if k == "roleclaim" else model.one("team", c)
        if not bearer or not target:
            continue
        claim_where = sorted(model.all("inSituation", c))
        groups: dict[tuple[str | None, str], list[str]] = defaultdict(list)
        for r in sorted(responses.get(c, []), key=natural_key):
            outcome = OUTCOMES.get(model.one("outcome", r) or "", "contested")
            for where in model.all("inSituation", r) or claim_where or [None]:
                groups[(where, outcome)].append(r)
        responded = {w for (w, _o) in groups}
        for where in claim_where or [None]:
            if where not in responded:
                groups[(where, "none")] = []
        order = {"recognised": 0, "contested": 1, "refused": 2, "none": 3}
        for (where, outcome), rs in sorted(groups.items(), key=lambda kv: (
                kv[0][0] not in claim_where, kv[0][0] or "", order[kv[0][1]])):
            junctions.append({"claim": c, "ckind": k, "bearer": bearer, "target": target, "where": where,
                              "outcome": outcome, "responses": rs,
                              "respondents": sorted({a for r in rs for a in model.all("respondent", r)}),
                              "distances": model.one("stance", c) == RG + "Distances",
                              "case": case_of(c)})

    # --- filters
    keep_cases = _resolve(filters.cases, {c: c for c in case_iris}, Msg(N_("case"))) if filters.cases else None
    keep_contexts = None
    if filters.contexts:
        roots = _resolve(filters.contexts, {c: c for c in contexts_all}, Msg(N_("context")))
        keep_contexts = set(roots)
        changed = True
        while changed:  # contexts part of a kept one are kept too
            changed = False
            for ctx in contexts_all - keep_contexts:
                if any(p in keep_contexts for p in model.all("partOfSituation", ctx)):
                    keep_contexts.add(ctx)
                    changed = True
    keep_actors = _resolve(filters.actors, {a: a for a in actors_all}, Msg(N_("actor"))) if filters.actors else None

    def kept(j: dict[str, Any]) -> bool:
        if keep_cases is not None and j["case"] not in keep_cases:
            return False
        if keep_contexts is not None and j["where"] not in keep_contexts:
            return False
        if keep_actors is not None:
            involved = {j["bearer"], *j["respondents"], *model.all("assignedBy", j["claim"])}
            if j["ckind"] == "membershipclaim":
                involved.add(j["target"])
            if not involved & keep_actors:
                return False
        return True

    junctions = [j for j in junctions if kept(j)]

    # --- nodes
    present: dict[str, str] = {}  # iri -> kind

    def add(iri: str | None, fallback: str | None = None) -> None:
        """Show `iri`; an endpoint of a claim whose type the store does not say gets `fallback`."""
        if iri and iri not in present:
            kind = kinds.get(iri)
            if kind in (*ACTOR_KINDS, "role", "context"):
                present[iri] = kind
            elif kind is None and iri.startswith(ROLE_NS):
                present[iri] = "role"
            elif fallback:
                present[iri] = fallback

    no_filter = not (filters.cases or filters.contexts or filters.actors)
    for s, k in kinds.items():
        if k in (*ACTOR_KINDS, "role", "context"):
            cs = case_of(s)
            if cs and (no_filter or (keep_cases is not None and cs in keep_cases
                                     and keep_contexts is None and keep_actors is None)):
                add(s)
    for ctx in keep_contexts or ():
        add(ctx)
    for a in keep_actors or ():
        add(a)
        for team in model.all("memberOf", a):
            add(team)
    for j in junctions:
        add(j["bearer"], "actor")
        add(j["target"], "role" if j["ckind"] == "roleclaim" else "team")
        add(j["where"], "context")
        for a in j["respondents"]:
            add(a, "actor")

    def kind_order(item: tuple[str, str]) -> tuple[int, str]:
        return ({"context": 0, "role": 3}.get(item[1], 1 if item[1] in ACTOR_KINDS else 2), item[0])

    entity_nodes = []
    for iri, kind in sorted(present.items(), key=kind_order):
        nid = short_id(iri)
        cs = case_of(iri)
        node: dict[str, Any] = {"id": nid, "kind": kind, "label": model.label(iri, lang)}
        if cs:
            node["case"] = short_id(cs)
        g.nodes.append(node)
        entity_nodes.append(node)
        g.details[nid] = _entity_details(model, iri, lang, g)
    # two nodes of one label from different cases would look the same: each says its case
    by_label: dict[str, set[str | None]] = defaultdict(set)
    for node in entity_nodes:
        by_label[node["label"]].add(node.get("case"))
    for node in entity_nodes:
        if len(by_label[node["label"]]) > 1 and node.get("case"):
            node["sub"] = model.label(CASE_NS + node["case"], lang)

    # --- junction nodes and the edges through them
    def edge(eid: str, frm: str, to: str, kind: str, **extra: Any) -> None:
        e = {"id": eid, "from": frm, "to": to, "kind": kind}
        e.update({k: v for k, v in extra.items() if v not in (None, False)})
        g.edges.append(e)

    for n, j in enumerate(junctions, 1):
        jid = f"j{n}"
        claim = j["claim"]
        ckind = "claim" if j["ckind"] == "roleclaim" else "mclaim"
        node = {"id": jid, "kind": ckind, "outcome": j["outcome"], "claim": short_id(claim)}
        if j["distances"]:
            node["dist"] = True
        if j["where"]:
            node["where"] = short_id(j["where"])
        if j["case"]:
            node["case"] = short_id(j["case"])
        g.nodes.append(node)
        g.junctions[jid] = j
        cid = short_id(claim)
        if cid not in g.claims:
            g.claims[cid] = _claim_record(model, j, lang, g, responses.get(claim, []))
        g.junction_resp[jid] = [i for i, r in enumerate(sorted(responses.get(claim, []), key=natural_key))
                                if r in j["responses"]]
        bearer, target = short_id(j["bearer"]), short_id(j["target"])
        # an edge through a claim node takes its outcome and distance from that node (j)
        edge(jid + "b", bearer, jid, ckind, j=jid)
        edge(jid + "t", jid, target, ckind, j=jid)
        if j["where"]:
            edge(jid + "w", jid, short_id(j["where"]), "where", j=jid)
        for i, a in enumerate(j["respondents"]):
            edge(f"{jid}a{i}", short_id(a), jid, "audience", j=jid)

    # --- structural edges between present nodes, numbered in order (s1, s2, ...)
    structural = 0
    for iri, kind in sorted(present.items()):
        props = {"memberOf": "member"} if kind in ACTOR_KINDS else \
            {"specialises": "specialises"} if kind == "role" else \
            {"partOfSituation": "partof"} if kind == "context" else {}
        for prop, ekind in props.items():
            for other in model.all(prop, iri):
                if other in present and other != iri:
                    structural += 1
                    edge(f"s{structural}", short_id(iri), short_id(other), ekind)

    # --- cases
    for c in sorted(case_iris):
        cid = short_id(c)
        if keep_cases is not None and c not in keep_cases:
            continue
        g.cases[cid] = {"label": model.label(c, lang)}
        desc = model.text("comment", c, lang)
        if desc:
            g.cases[cid]["description"] = desc
        g.names[cid] = g.cases[cid]["label"]
    return g


def _evidence(model: Model, subject: str, lang: str, g: Graph) -> list[int]:
    if subject in g.evidence_of:
        return g.evidence_of[subject]
    out: list[int] = []
    g.evidence_of[subject] = out
    for ev in sorted(model.all("evidence", subject), key=natural_key):
        rec: dict[str, Any] = {}
        quote = model.text("quote", ev, lang)
        para = model.text("paraphrase", ev, lang)
        if quote:
            rec["q"] = quote
        if para:
            rec["p"] = para
        speaker = model.one("speaker", ev)
        if speaker:
            rec["sp"] = model.label(speaker, lang)
            rec["spk"] = _name(model, speaker, lang, g)
        src = model.one("source", ev)
        if src:
            title = model.text("title", src, lang) or model.label(src, lang)
            if title not in g.sources:
                g.sources.append(title)
            rec["s"] = g.sources.index(title)
        loc = model.text("locator", ev, lang)
        if loc:
            rec["loc"] = loc
        g.evidence.append(rec)
        out.append(len(g.evidence) - 1)
    return out


def _name(model: Model, iri: str, lang: str, g: Graph) -> str:
    sid = short_id(iri)
    if sid not in g.names:
        g.names[sid] = model.label(iri, lang)
    return sid


def _entity_details(model: Model, iri: str, lang: str, g: Graph) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if iri in model.classes:
        d["type"] = model.label(model.classes[iri], lang)
    other = model.other_label(iri, lang)
    if other:
        d["alt"] = other
    note = model.text("note", iri, lang)
    if note:
        d["note"] = note
    definition = model.text("definition", iri, lang)
    if definition:
        d["def"] = definition
    ev = _evidence(model, iri, lang, g)
    if ev:
        d["ev"] = ev
    return d


def _local(iri: str | None) -> str | None:
    return iri.rsplit("#", 1)[-1].lower() if iri else None


def _claim_record(model: Model, j: dict[str, Any], lang: str, g: Graph,
                  all_responses: list[str]) -> dict[str, Any]:
    """What a claim says, and every response to it, in the order of their IRIs."""
    c = j["claim"]
    d: dict[str, Any] = {
        "kind": "claim" if j["ckind"] == "roleclaim" else "mclaim",
        "bearer": _name(model, j["bearer"], lang, g),
        "target": _name(model, j["target"], lang, g),
        "claimWhere": [_name(model, w, lang, g) for w in sorted(model.all("inSituation", c))],
    }
    mode, stance = _local(model.one("mode", c)), _local(model.one("stance", c))
    if mode:
        d["mode"] = mode
    if stance:
        d["stance"] = stance
    by = model.all("assignedBy", c)
    if by:
        d["by"] = [_name(model, a, lang, g) for a in by]
    note = model.text("note", c, lang)
    if note:
        d["note"] = note
    ev = _evidence(model, c, lang, g)
    if ev:
        d["ev"] = ev
    resp = []
    for r in sorted(all_responses, key=natural_key):
        rec: dict[str, Any] = {"outcome": OUTCOMES.get(model.one("outcome", r) or "", "contested"),
                               "by": [_name(model, a, lang, g) for a in model.all("respondent", r)],
                               "where": [_name(model, w, lang, g) for w in model.all("inSituation", r)]}
        rnote = model.text("note", r, lang)
        if rnote:
            rec["note"] = rnote
        rev = _evidence(model, r, lang, g)
        if rev:
            rec["ev"] = rev
        resp.append(rec)
    d["resp"] = resp
    return d


def junction_details(g: Graph, jid: str) -> dict[str, Any]:
    """The panel of claim node `jid`: its claim, the responses it stands for, and the others."""
    j = g.junctions[jid]
    where = short_id(j["where"]) if j["where"] else None
    claim = g.claims[short_id(j["claim"])]
    d: dict[str, Any] = {k: v for k, v in claim.items() if k not in ("resp", "kind", "claimWhere")}
    if where:
        d["where"] = where
    if claim["claimWhere"] != [where]:
        d["claimWhere"] = claim["claimWhere"]  # the claim was made elsewhere than this response
    mine = set(g.junction_resp.get(jid, []))
    resp = [{k: v for k, v in r.items() if k != "where"} for i, r in enumerate(claim["resp"]) if i in mine]
    others = [{"outcome": r["outcome"], "by": r["by"], "where": r["where"] or claim["claimWhere"]}
              for i, r in enumerate(claim["resp"]) if i not in mine]
    if resp:
        d["resp"] = resp
    if others:
        d["others"] = others
    return d

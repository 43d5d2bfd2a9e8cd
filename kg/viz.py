"""The browser view: one self-contained HTML file of actors, teams, roles and contexts.

`write_view` reads the asserted case graphs of a store, builds the view's graph,
optionally highlights the rows of a named query, and renders it with pyvis into
the project's own Jinja template (viz/template.html). vis-network is inlined from
the vendored copy in viz/vendor/: the page loads nothing from any network.

The graph
    nodes   actors (person, organisation, group), teams, roles, contexts (social
            situations), and one small "claim" node per claim, situation and outcome
            of the audience responses there. A claim node joins its bearer, its role
            (or team, for a membership claim), its context and its audiences, so one
            sees who claims what, where, and who recognises or refuses it.
    edges   bearer -> claim -> role (colour: outcome; dashed: role distance),
            audience -> claim, claim -> context, member of, specialises, part of.

Safety: every text from case data reaches the page only inside one
<script type="application/json"> element, with "<", ">" and "&" written as
\\u003c, \\u003e, \\u0026; the template reads it with JSON.parse and writes text
with textContent, never innerHTML. Jinja autoescaping is on for the rest.

Size: above `threshold` nodes the page opens on an overview (one node per case,
or per context, with counts) and adds a node's neighbourhood when it is clicked;
the full graph is embedded as JSON. Physics runs a bounded stabilisation and is
then switched off.

pyvis is imported only when a page is rendered, so importing kg.viz is cheap.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from .targets import Target
from .resources import data_dir

BASE = "https://w3id.org/rolegraph/"
RG = BASE + "ontology#"
ROLE_NS = BASE + "role/"
CASE_NS = BASE + "case/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
SKOS_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
DCT_TITLE = "http://purl.org/dc/terms/title"

TEMPLATE = "template.html"
DEFAULT_OUT = Path("out") / "rolegraph.html"
DEFAULT_THRESHOLD = 300
LANGS = ("en", "da")
MAX_ROWS_SHOWN = 500

# rdf:type -> kind; when a node has several, the first in this order wins.
_KIND_OF_TYPE = {
    RG + "Team": "team",
    RG + "Organisation": "organisation",
    RG + "Group": "group",
    RG + "Person": "person",
    RG + "Role": "role",
    RG + "SocialSituation": "context",
    RG + "Case": "case",
    RG + "RoleClaim": "roleclaim",
    RG + "MembershipClaim": "membershipclaim",
    RG + "Response": "response",
    RG + "Evidence": "evidence",
    RG + "SourceDocument": "source",
    RG + "Actor": "actor",  # an extension's kind of actor that is no person, organisation or group
}
_KIND_ORDER = list(_KIND_OF_TYPE.values())
ACTOR_KINDS = ("person", "organisation", "group", "team", "actor")
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
OUTCOMES = {RG + "Recognised": "recognised", RG + "Refused": "refused", RG + "Contested": "contested"}

# Predicates read from the asserted graphs (ontology and cases).
_PREDICATES = {
    "bearer": RG + "bearer", "role": RG + "role", "team": RG + "team",
    "inSituation": RG + "inSituation", "stance": RG + "stance", "mode": RG + "mode",
    "assignedBy": RG + "assignedBy", "note": RG + "note", "evidence": RG + "evidence",
    "respondsTo": RG + "respondsTo", "respondent": RG + "respondent", "outcome": RG + "outcome",
    "memberOf": RG + "memberOf", "specialises": RG + "specialises",
    "partOfSituation": RG + "partOfSituation", "inCase": RG + "inCase",
    "quote": RG + "quote", "paraphrase": RG + "paraphrase", "speaker": RG + "speaker",
    "source": RG + "source", "locator": RG + "locator",
    "comment": RDFS_COMMENT, "definition": SKOS_DEFINITION, "title": DCT_TITLE,
}

# The words of the page, in the two label languages.
UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "rolegraph: roles in context",
        "legend": "Legend", "nodes": "Nodes", "edges": "Edges",
        "person": "person", "organisation": "organisation", "group": "group", "team": "team",
        "actor": "actor (another kind)",
        "role": "role", "context": "context (social situation)", "case": "case",
        "claim": "role claim (per context and outcome)",
        "mclaim": "team membership claim",
        "recognised": "recognised", "refused": "refused", "contested": "contested",
        "none": "no audience response", "distanced": "bearer keeps distance from the role",
        "edge_claim": "role claim: bearer → claim → role",
        "edge_mclaim": "team membership claim",
        "edge_audience": "audience response",
        "edge_where": "where (claim → context)",
        "edge_member": "member of",
        "edge_specialises": "specialises",
        "edge_partof": "part of (situation)",
        "edge_incase": "context in case",
        "dashed_note": "Colour: the audience's outcome. Dashed: the bearer keeps distance from the role.",
        "details": "Details", "hint": "Click a node or an edge to see its evidence.",
        "evidence": "Evidence", "claim_evidence": "Evidence for the claim",
        "response_evidence": "Evidence for the response", "no_evidence": "No evidence recorded.",
        "paraphrase": "paraphrase", "speaker": "speaker", "source": "source", "locator": "at",
        "bearer": "bearer", "in": "in", "by": "by", "mode": "mode", "stance": "stance",
        "given_by": "given by", "note": "note", "responses": "Audience responses",
        "other_responses": "Responses elsewhere", "claims": "Claims",
        "id": "id", "kind": "kind", "definition": "definition", "description": "description",
        "more": "more not listed", "search": "Find a node…", "fit": "Fit",
        "relayout": "Re-layout", "dim": "Dim the rest",
        "query": "Query", "rows": "rows", "row_hint": "Click a row to select its nodes and edges.",
        "overview": "Overview of a large graph: one node per {unit}. Click a node to open its neighbourhood.",
        "unit_case": "case", "unit_context": "context",
        "empty": "No claims or nodes match the filters.",
        "filters": "Filters", "stabilising": "Laying out…",
        "counts": "{nodes} nodes, {edges} edges",
        "shown": "{nodes} of {total} nodes shown",
        "expanded": "added {n} nodes",
        "capped": "showing {shown} of {total} claims",
        "taken": "taken", "given": "given", "embraces": "embraces", "accepts": "accepts",
        "distances": "distances",
        "contexts": "contexts", "actors": "actors", "claims_n": "claims",
        "claimed_in": "claim made in",
        "ov_context": "context (size: claims; colour: recognised → refused)",
    },
    "da": {
        "title": "rolegraph: roller i kontekst",
        "legend": "Signaturforklaring", "nodes": "Knuder", "edges": "Kanter",
        "person": "person", "organisation": "organisation", "group": "gruppe", "team": "hold",
        "actor": "aktør (anden type)",
        "role": "rolle", "context": "kontekst (social situation)", "case": "case",
        "claim": "rollekrav (pr. kontekst og udfald)",
        "mclaim": "krav om holdtilhør",
        "recognised": "anerkendt", "refused": "afvist", "contested": "anfægtet",
        "none": "ingen reaktion fra publikum", "distanced": "indehaveren distancerer sig fra rollen",
        "edge_claim": "rollekrav: indehaver → krav → rolle",
        "edge_mclaim": "krav om holdtilhør",
        "edge_audience": "publikums reaktion",
        "edge_where": "hvor (krav → kontekst)",
        "edge_member": "medlem af",
        "edge_specialises": "specialiserer",
        "edge_partof": "del af (situation)",
        "edge_incase": "kontekst i case",
        "dashed_note": "Farve: publikums udfald. Stiplet: indehaveren distancerer sig fra rollen.",
        "details": "Detaljer", "hint": "Klik på en knude eller en kant for at se belæg.",
        "evidence": "Belæg", "claim_evidence": "Belæg for kravet",
        "response_evidence": "Belæg for reaktionen", "no_evidence": "Intet belæg registreret.",
        "paraphrase": "gengivelse", "speaker": "taler", "source": "kilde", "locator": "ved",
        "bearer": "indehaver", "in": "i", "by": "af", "mode": "måde", "stance": "forhold til rollen",
        "given_by": "tildelt af", "note": "note", "responses": "Publikums reaktioner",
        "other_responses": "Reaktioner andre steder", "claims": "Krav",
        "id": "id", "kind": "type", "definition": "definition", "description": "beskrivelse",
        "more": "flere ikke vist", "search": "Find en knude…", "fit": "Tilpas",
        "relayout": "Nyt layout", "dim": "Dæmp resten",
        "query": "Forespørgsel", "rows": "rækker",
        "row_hint": "Klik på en række for at vælge dens knuder og kanter.",
        "overview": "Overblik over en stor graf: én knude pr. {unit}. Klik på en knude for at åbne dens naboskab.",
        "unit_case": "case", "unit_context": "kontekst",
        "empty": "Ingen krav eller knuder passer til filtrene.",
        "filters": "Filtre", "stabilising": "Lægger grafen ud…",
        "counts": "{nodes} knuder, {edges} kanter",
        "shown": "{nodes} af {total} knuder vist",
        "expanded": "tilføjede {n} knuder",
        "capped": "viser {shown} af {total} krav",
        "taken": "påtaget", "given": "tildelt", "embraces": "omfavner", "accepts": "accepterer",
        "distances": "distancerer sig",
        "contexts": "kontekster", "actors": "aktører", "claims_n": "krav",
        "claimed_in": "krav fremsat i",
        "ov_context": "kontekst (størrelse: krav; farve: anerkendt → afvist)",
    },
}


# ---- reading the store -------------------------------------------------------

def short_id(iri: str) -> str:
    """The short form of an IRI used as a node id: `case/local`, `role:x`, else the IRI."""
    if iri.startswith(CASE_NS):
        return iri[len(CASE_NS):]
    if iri.startswith(ROLE_NS):
        return "role:" + iri[len(ROLE_NS):]
    return iri


def _natural_key(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


@dataclass
class _Model:
    """What the view needs of the asserted graphs, indexed by full IRI."""

    kinds: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)  # node -> its extension class, if any
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    props: dict[str, dict[str, list[Any]]] = field(default_factory=dict)

    def one(self, prop: str, s: str) -> Any:
        values = self.props[prop].get(s)
        return values[0] if values else None

    def all(self, prop: str, s: str) -> list[Any]:
        return self.props[prop].get(s, [])

    def text(self, prop: str, s: str, lang: str) -> str | None:
        """A literal of `prop` in `lang`, else in English, else any."""
        values = self.all(prop, s)
        if not values:
            return None
        by_lang = {getattr(v, "language", None): v.value for v in values}
        for key in (lang, "en", None, *LANGS):
            if key in by_lang:
                return str(by_lang[key])
        return str(values[0].value)

    def label(self, iri: str, lang: str) -> str:
        labels = self.labels.get(iri)
        if labels:
            for key in (lang, "en", "", *LANGS):
                if key in labels:
                    return labels[key]
            return next(iter(labels.values()))
        title = self.text("title", iri, lang)
        if title:
            return title
        tail = re.split(r"[/#]", iri.rstrip("/"))[-1]
        return tail or iri

    def other_label(self, iri: str, lang: str) -> str | None:
        """The label in the other language, when it differs."""
        labels = self.labels.get(iri) or {}
        other = next((labels[k] for k in LANGS if k != lang and k in labels), None)
        return other if other and other != self.label(iri, lang) else None


def read_model(store: Any) -> _Model:
    """Read types, labels and the predicates the view draws from the asserted graphs."""
    import pyoxigraph as ox

    from .stores.layout import asserted_graphs

    model = _Model()
    graphs = asserted_graphs(store)

    def pairs(predicate: str) -> Iterable[tuple[str, Any]]:
        # asserted graphs only (not the inferred ones); per-predicate SPARQL iterates
        # faster than quads_for_pattern
        for sol in store.query(f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}", default_graph=graphs):
            subject, obj = sol[0], sol[1]
            if isinstance(subject, ox.NamedNode) and not isinstance(obj, ox.BlankNode):
                yield subject.value, obj

    rank = {k: i for i, k in enumerate(_KIND_ORDER)}
    parents: dict[str, list[str]] = defaultdict(list)
    for s, o in pairs(RDFS_SUBCLASS):
        if isinstance(o, ox.NamedNode):
            parents[s].append(o.value)
    class_kind: dict[str, str | None] = {}

    def kind_of_class(c: str) -> str | None:
        """The view's kind of a class: its own, or that of its nearest core superclass
        (an extension's `kind: nurse` is drawn as the person it specialises)."""
        if c not in class_kind:
            found, seen, todo = None, {c}, [c]
            while todo and found is None:
                nxt = []
                for x in todo:
                    k = _KIND_OF_TYPE.get(x)
                    if k and (found is None or rank[k] < rank[found]):
                        found = k
                    nxt += [p for p in parents.get(x, []) if p not in seen]
                    seen.update(nxt)
                todo = nxt
            class_kind[c] = found
        return class_kind[c]

    for s, o in pairs(RDF_TYPE):
        if not isinstance(o, ox.NamedNode):
            continue
        kind = kind_of_class(o.value)
        if kind:
            old = model.kinds.get(s)
            if old is None or rank[kind] < rank[old]:
                model.kinds[s] = kind
            if o.value not in _KIND_OF_TYPE and not o.value.startswith(RG):
                model.classes[s] = o.value
    for s, o in pairs(RDFS_LABEL):
        if isinstance(o, ox.Literal):
            model.labels.setdefault(s, {}).setdefault(o.language or "", o.value)
    for name, predicate in _PREDICATES.items():
        table: dict[str, list[Any]] = defaultdict(list)
        for s, o in pairs(predicate):
            value = o.value if isinstance(o, ox.NamedNode) else o
            bucket = table[s]
            if value not in bucket:
                bucket.append(value)
        model.props[name] = table
    return model


# ---- the view's graph --------------------------------------------------------

@dataclass
class Filters:
    """Which part of the graph to show: values of the same option are alternatives."""

    cases: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()

    def describe(self) -> list[str]:
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


def _resolve(values: Iterable[str], candidates: dict[str, str], what: str) -> set[str]:
    """Full IRIs for `values` given as an IRI, `case/local`, or a bare local id."""
    import difflib

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
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        raise UsageError(f"no {what} '{raw}' in the store",
                         hint=hint + f"give the {what}'s id, e.g. '{next(iter(sorted(by_short)), 'id')}'")
    return out


def build_graph(model: _Model, lang: str = "en", filters: Filters | None = None) -> Graph:
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
        for r in sorted(responses.get(c, []), key=_natural_key):
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
    keep_cases = _resolve(filters.cases, {c: c for c in case_iris}, "case") if filters.cases else None
    keep_contexts = None
    if filters.contexts:
        roots = _resolve(filters.contexts, {c: c for c in contexts_all}, "context")
        keep_contexts = set(roots)
        changed = True
        while changed:  # contexts part of a kept one are kept too
            changed = False
            for ctx in contexts_all - keep_contexts:
                if any(p in keep_contexts for p in model.all("partOfSituation", ctx)):
                    keep_contexts.add(ctx)
                    changed = True
    keep_actors = _resolve(filters.actors, {a: a for a in actors_all}, "actor") if filters.actors else None

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

    for iri, kind in sorted(present.items(), key=kind_order):
        nid = short_id(iri)
        cs = case_of(iri)
        node: dict[str, Any] = {"id": nid, "kind": kind, "label": model.label(iri, lang)}
        if cs:
            node["case"] = short_id(cs)
        g.nodes.append(node)
        g.details[nid] = _entity_details(model, iri, lang, g)

    # --- junction nodes and the edges through them
    edge_n = 0

    def edge(frm: str, to: str, kind: str, **extra: Any) -> None:
        nonlocal edge_n
        edge_n += 1
        e = {"id": f"e{edge_n}", "from": frm, "to": to, "kind": kind}
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
        g.details[jid] = _claim_details(model, j, lang, g, responses.get(claim, []))
        bearer, target = short_id(j["bearer"]), short_id(j["target"])
        # an edge through a claim node takes its outcome and distance from that node (j)
        edge(bearer, jid, ckind, j=jid)
        edge(jid, target, ckind, j=jid)
        if j["where"]:
            edge(jid, short_id(j["where"]), "where", j=jid)
        for a in j["respondents"]:
            edge(short_id(a), jid, "audience", j=jid)

    # --- structural edges between present nodes
    for iri, kind in sorted(present.items()):
        props = {"memberOf": "member"} if kind in ACTOR_KINDS else \
            {"specialises": "specialises"} if kind == "role" else \
            {"partOfSituation": "partof"} if kind == "context" else {}
        for prop, ekind in props.items():
            for other in model.all(prop, iri):
                if other in present and other != iri:
                    edge(short_id(iri), short_id(other), ekind)

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


def _evidence(model: _Model, subject: str, lang: str, g: Graph) -> list[int]:
    if subject in g.evidence_of:
        return g.evidence_of[subject]
    out: list[int] = []
    g.evidence_of[subject] = out
    for ev in sorted(model.all("evidence", subject), key=_natural_key):
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


def _name(model: _Model, iri: str, lang: str, g: Graph) -> str:
    sid = short_id(iri)
    if sid not in g.names:
        g.names[sid] = model.label(iri, lang)
    return sid


def _entity_details(model: _Model, iri: str, lang: str, g: Graph) -> dict[str, Any]:
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


def _claim_details(model: _Model, j: dict[str, Any], lang: str, g: Graph,
                   all_responses: list[str]) -> dict[str, Any]:
    c = j["claim"]
    d: dict[str, Any] = {
        "bearer": _name(model, j["bearer"], lang, g),
        "target": _name(model, j["target"], lang, g),
    }
    if j["where"]:
        d["where"] = _name(model, j["where"], lang, g)
    claim_where = [_name(model, w, lang, g) for w in sorted(model.all("inSituation", c))]
    if claim_where != [d.get("where")]:
        d["claimWhere"] = claim_where  # the claim was made elsewhere than this response
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
    for r in j["responses"]:
        rec: dict[str, Any] = {"by": [_name(model, a, lang, g) for a in model.all("respondent", r)],
                               "outcome": j["outcome"]}
        rnote = model.text("note", r, lang)
        if rnote:
            rec["note"] = rnote
        rev = _evidence(model, r, lang, g)
        if rev:
            rec["ev"] = rev
        resp.append(rec)
    if resp:
        d["resp"] = resp
    others = []
    for r in sorted(all_responses, key=_natural_key):
        if r in j["responses"]:
            continue
        outcome = OUTCOMES.get(model.one("outcome", r) or "", "contested")
        wheres = model.all("inSituation", r) or model.all("inSituation", c)
        others.append({"outcome": outcome, "by": [_name(model, a, lang, g) for a in model.all("respondent", r)],
                       "where": [_name(model, w, lang, g) for w in wheres]})
    if others:
        d["others"] = others
    return d


# ---- overview ----------------------------------------------------------------

def build_overview(g: Graph, threshold: int) -> dict[str, Any]:
    """The opening view of a large graph: one node per context (and case), with counts."""
    node_kind = {n["id"]: n["kind"] for n in g.nodes}
    per_ctx: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    bearers: dict[str, set[str]] = defaultdict(set)
    for n in g.nodes:
        if n["kind"] in ("claim", "mclaim") and n.get("where"):
            per_ctx[n["where"]][n["outcome"]] += 1
            per_ctx[n["where"]]["claims"] += 1
            bearers[n["where"]].add(g.details[n["id"]]["bearer"])
    contexts = [n for n in g.nodes if n["kind"] == "context"]
    ctx_case = {n["id"]: n.get("case") for n in contexts}
    ctx_label = {n["id"]: n["label"] for n in contexts}
    by_case: dict[str, list[str]] = defaultdict(list)
    for cid, case in ctx_case.items():
        by_case[case or ""].append(cid)
    actors_per_case: dict[str, int] = defaultdict(int)
    claims_per_case: dict[str, int] = defaultdict(int)
    for n in g.nodes:
        if n["kind"] in ACTOR_KINDS:
            actors_per_case[n.get("case", "")] += 1
        elif n["kind"] in ("claim", "mclaim"):
            claims_per_case[n.get("case", "")] += 1
    unit = "context" if len(contexts) + len(by_case) <= threshold else "case"

    def ctx_node(cid: str) -> dict[str, Any]:
        counts = {k: v for k, v in per_ctx[cid].items()}
        counts["actors"] = len(bearers[cid])
        return {"id": cid, "kind": "ovcontext", "label": ctx_label[cid],
                "case": ctx_case[cid], "counts": counts}

    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    children: dict[str, list[str]] = {}
    for case in sorted(by_case):
        case_id = "case:" + (case or "-")
        label = g.cases.get(case, {}).get("label", case or "—")
        nodes.append({"id": case_id, "kind": "ovcase", "label": label, "case": case,
                      "counts": {"contexts": len(by_case[case]), "actors": actors_per_case[case],
                                 "claims": claims_per_case[case]}})
        children[case_id] = sorted(by_case[case])
        if unit == "context":
            for cid in sorted(by_case[case]):
                nodes.append(ctx_node(cid))
                edges.append({"id": f"o{len(edges) + 1}", "from": cid, "to": case_id, "kind": "incase"})
    if unit == "context":
        ids = {n["id"] for n in nodes}
        for e in g.edges:
            if e["kind"] == "partof" and e["from"] in ids and e["to"] in ids:
                edges.append({"id": f"o{len(edges) + 1}", "from": e["from"], "to": e["to"], "kind": "partof"})
    # contexts of a case, for opening a case node in the case-level overview
    ctx_nodes = {cid: ctx_node(cid) for cid in ctx_case} if unit == "case" else {}
    assert all(node_kind.get(c) == "context" for c in ctx_case)
    return {"unit": unit, "nodes": nodes, "edges": edges, "children": children, "contextNodes": ctx_nodes}


# ---- query highlighting --------------------------------------------------------

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
    import pyoxigraph as ox

    from .query import bind_params, get_query, run_select

    q = get_query(name, extra)
    result = run_select(store, q, bind_params(q, params or {}, lang=lang))
    warnings = []
    if q.reasoning == "required" and not _is_reasoned(store):
        warnings.append(f"query '{name}' needs reasoning, and the store has not been reasoned: "
                        "run `rolegraph reason` first; the highlight may be empty")
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
            rows_out.append({"cells": cells, "nodes": sorted(row_nodes, key=_natural_key),
                             "edges": sorted(row_edges, key=_natural_key)})
    if result.rows and not all_nodes:
        warnings.append(f"none of the {len(result.rows)} rows of '{name}' names a node of this view "
                        "(check the filters)")
    return Highlight(name, q.title, result.variables, rows_out, all_nodes, all_edges,
                     len(result.rows), warnings)


def _is_reasoned(store: Any) -> bool:
    try:
        from .reasoning import is_reasoned
    except ImportError:  # pragma: no cover - reason.py is always there
        return True
    return bool(is_reasoned(store))


# ---- rendering ------------------------------------------------------------------

def json_for_script(value: Any) -> str:
    """JSON that is safe inside a <script> element: no "<", ">" or "&" appear literally."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _inline(text: str, tag: str) -> str:
    """Vendored code, guarded against closing its own element early."""
    return re.sub(rf"</(?={tag})", r"<\\/", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _vis_options(n_nodes: int, overview: bool = False) -> dict[str, Any]:
    """vis-network options: bounded stabilisation; the page turns physics off after it."""
    iterations = 400 if n_nodes <= 150 else 250 if n_nodes <= 400 else 150
    options: dict[str, Any] = {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": n_nodes <= 150},
        "nodes": {"font": {"size": 16, "face": "system-ui, sans-serif", "color": "#1d232b",
                           "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "widthConstraint": {"maximum": 170}, "borderWidth": 1.5},
        "edges": {"smooth": False, "selectionWidth": 2, "hoverWidth": 1,
                  "arrows": {"to": {"scaleFactor": 0.55}}},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": n_nodes > 400,
                        "navigationButtons": False, "keyboard": False, "multiselect": True},
        "physics": {"enabled": True, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -110, "centralGravity": 0.02,
                                         "springLength": 80, "springConstant": 0.06, "damping": 0.5,
                                         "avoidOverlap": 0.8},
                    "maxVelocity": 60, "minVelocity": 0.75, "timestep": 0.45,
                    "stabilization": {"enabled": True, "iterations": iterations, "updateInterval": 25,
                                      "fit": True}},
    }
    if overview:
        # hubs (case nodes) would be pushed out of their own cluster by forceAtlas2's
        # degree-weighted repulsion; Barnes-Hut keeps them in the middle
        options["physics"]["solver"] = "barnesHut"
        options["physics"]["barnesHut"] = {"gravitationalConstant": -2500, "centralGravity": 0.25,
                                           "springLength": 110, "springConstant": 0.04, "damping": 0.4,
                                           "avoidOverlap": 0.6}
    return options


def _network_class() -> type:
    """A pyvis Network with O(1) node and edge insertion and our template (imports pyvis)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from pyvis.network import Network  # type: ignore[import-untyped]

    class RoleNetwork(Network):  # type: ignore[misc]
        """pyvis's Network, without its quadratic add_edge, rendering viz/template.html."""

        def __init__(self, template_dir: Path) -> None:
            super().__init__(height="100%", width="100%", directed=True, cdn_resources="remote")
            self._ids: set[str] = set()
            self.set_template_dir(str(template_dir) + "/", TEMPLATE)
            # pyvis's own environment does not autoescape; ours does.
            self.templateEnv = Environment(loader=FileSystemLoader(str(template_dir)),
                                           autoescape=select_autoescape(["html"]),
                                           keep_trailing_newline=True)

        def add_node(self, n_id: str, label: str | None = None, shape: str | None = None,
                     **options: Any) -> None:
            if n_id in self._ids:
                return
            node = {"id": n_id, **options}
            if label is not None:
                node["label"] = label
            if shape is not None:
                node["shape"] = shape
            self._ids.add(n_id)
            self.nodes.append(node)
            self.node_ids.append(n_id)
            self.node_map[n_id] = node

        def add_edge(self, source: str, to: str, **options: Any) -> None:
            if source not in self._ids or to not in self._ids:
                raise ValueError(f"edge {source} -> {to} names a node that is not in the network")
            self.edges.append({"from": source, "to": to, **options})

        def render(self, **context: Any) -> str:
            nodes, edges, heading, height, width, _options = self.get_network_data()
            template = self.templateEnv.get_template(self.path)
            return str(template.render(nodes=nodes, edges=edges, heading=heading, height=height,
                                       width=width, **context))

    return RoleNetwork


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


def render_html(g: Graph, *, lang: str = "en", title: str | None = None, threshold: int = DEFAULT_THRESHOLD,
                overview: bool | None = None, highlight: Highlight | None = None,
                filters: Filters | None = None, store_label: str = "") -> tuple[str, dict[str, Any]]:
    """The page for graph `g`, and a summary of what it holds."""
    template_dir = data_dir("viz")
    net = _network_class()(template_dir)
    net.heading = title or UI[lang]["title"]
    for n in g.nodes:
        net.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
    for e in g.edges:
        net.add_edge(e["from"], e["to"], **{k: v for k, v in e.items() if k not in ("from", "to")})
    use_overview = len(g.nodes) > threshold if overview is None else overview
    ov = build_overview(g, threshold) if use_overview else None
    initial_nodes = len(ov["nodes"]) if ov else len(g.nodes)
    initial_edges = len(ov["edges"]) if ov else len(g.edges)
    net.options = _vis_options(initial_nodes, overview=ov is not None)
    mode = "overview" if ov else "full"
    hl = None
    if highlight is not None:
        hl = {"name": highlight.name, "title": highlight.title, "variables": highlight.variables,
              "rows": highlight.rows, "total": highlight.total_rows,
              "nodes": sorted(highlight.nodes, key=_natural_key),
              "edges": sorted(highlight.edges, key=_natural_key)}
    data = {
        "version": 1,
        "lang": lang,
        "ui": UI[lang],
        "mode": mode,
        "threshold": threshold,
        "filters": (filters or Filters()).describe(),
        "store": store_label,
        "counts": {"nodes": len(g.nodes), "edges": len(g.edges),
                   "initialNodes": initial_nodes, "initialEdges": initial_edges},
        "graph": {"nodes": net.nodes, "edges": net.edges},
        "details": g.details, "names": g.names, "evidence": g.evidence, "sources": g.sources,
        "cases": g.cases, "overview": ov, "highlight": hl, "options": net.options,
    }
    vendor = template_dir / "vendor"
    vis_js = _inline((vendor / "vis-network.min.js").read_text(encoding="utf-8"), "script")
    app_js = _inline((template_dir / "app.js").read_text(encoding="utf-8"), "script")
    html = net.render(
        ui=UI[lang], lang=lang, title=net.heading, mode=mode, highlight=hl,
        pyvis_version=_pyvis_version(), csp=_markup(_csp(vis_js, app_js)),
        data_json=_markup(json_for_script(data)),
        vis_js=_markup(vis_js), app_js=_markup(app_js),
        vis_css=_markup(_inline((vendor / "vis-network.css").read_text(encoding="utf-8"), "style")),
        app_css=_markup(_inline((template_dir / "app.css").read_text(encoding="utf-8"), "style")),
    )
    return html, {"mode": mode, "initial_nodes": initial_nodes, "initial_edges": initial_edges}


def _csp(*scripts: str) -> str:
    """A Content-Security-Policy that runs only our two inline scripts and loads nothing."""
    import base64
    import hashlib

    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
                      for s in scripts)
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


def _pyvis_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyvis")
    except PackageNotFoundError:  # pragma: no cover
        return "?"


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)


def write_view(store_path: Target | None = None, out: Path = DEFAULT_OUT, *, filters: Filters | None = None,
               query: str | None = None, params: dict[str, str] | None = None, lang: str = "en",
               threshold: int = DEFAULT_THRESHOLD, overview: bool | None = None,
               query_dirs: list[Path] | None = None, store: Any = None) -> ViewReport:
    """Write the browser view of the store at `store_path` (a directory or a remote store's
    RemoteConfig; or of an open `store`) to `out`."""
    from contextlib import nullcontext

    from .stores import describe, open_store

    if lang not in LANGS:
        raise UsageError(f"language must be one of {', '.join(LANGS)}, not '{lang}'")
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
        warnings.append("the view is empty: no node matches the filters")
    return ViewReport(out, len(g.nodes), len(g.edges), summary["mode"], summary["initial_nodes"],
                      summary["initial_edges"], len(data), time.perf_counter() - start,
                      len(hl.nodes) if hl else 0, len(hl.edges) if hl else 0, warnings)


def _page(st: Any, label: str, *, filters: Filters, query: str | None, params: dict[str, str] | None,
          lang: str, threshold: int, overview: bool | None,
          query_dirs: list[Path] | None) -> tuple[str, Graph, Highlight | None, dict[str, Any]]:
    """The page for an open store: its HTML, the graph drawn, the highlight and a summary."""
    model = read_model(st)
    g = build_graph(model, lang, filters)
    hl = None
    if query:
        from .stores.layout import store_extensions

        # the queries of the extensions the store was built with count too, as for `query`
        dirs = [*(query_dirs or []), *(e.queries for e in store_extensions(st) if e.queries is not None)]
        hl = query_highlight(st, g, query, params=params, lang=lang, extra=dirs or None)
    html, summary = render_html(g, lang=lang, threshold=threshold, overview=overview, highlight=hl,
                                filters=filters, store_label=label)
    return html, g, hl, summary


def render_for_store(store_path: Path | None = None, *, query: str | None = None, lang: str = "en",
                     case: str | tuple[str, ...] = (), context: str | tuple[str, ...] = (),
                     actor: str | tuple[str, ...] = ()) -> str:
    """The page for the store at `store_path`, as the HTTP server serves it at /viz."""
    from .stores import describe, open_store

    if lang not in LANGS:
        raise UsageError(f"language must be one of {', '.join(LANGS)}, not '{lang}'")

    def many(v: str | tuple[str, ...]) -> tuple[str, ...]:
        return (v,) if isinstance(v, str) else tuple(v)

    filters = Filters(many(case), many(context), many(actor))
    with open_store(store_path) as st:
        html, *_ = _page(st, describe(store_path), filters=filters, query=query, params=None,
                         lang=lang, threshold=DEFAULT_THRESHOLD, overview=None, query_dirs=None)
    return html

"""What a report shows, read from a (reasoned) store: cases, actors, claims, findings, rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ..errors import Msg, RolegraphError
from ..explain import Explainer
from ..i18n import N_
from ..stores.base import GraphStore
from ..vocab import INFERRED_GRAPH, RG

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
# the Goffman findings a report presents; types whose name says Clash are presented as clashes
FINDING_TYPES = {str(t) for t in (RG.NonTransferredRole, RG.RoleConflict, RG.PredictedConflict,
                                  RG.TeamCrossing, RG.RoleDistance)}


@dataclass
class Quote:
    """A quote with where it comes from."""

    text: str
    speaker: str | None
    source: str | None
    locator: str | None


@dataclass
class Side:
    """One audience's response to a claim: recognised, refused or contested, and why we know."""

    outcome: str
    audiences: list[str]
    context: str
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class ClaimView:
    """A role claim: who, which role, where, the stance, its quotes and its responses."""

    iri: str
    bearer: str
    role: str
    context: str
    stance: str | None
    kind: str = "role"
    quotes: list[Quote] = field(default_factory=list)
    sides: list[Side] = field(default_factory=list)


@dataclass
class FindingView:
    """A derived finding with the claims it is about (both sides) and the rules behind it."""

    iri: str
    kind: str
    kind_id: str
    claims: list[ClaimView]
    rules: list[dict[str, str]]
    clash: bool = False


@dataclass
class CaseView:
    """Everything the report says about one case."""

    iri: str
    id: str
    title: str
    description: str
    actors: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    claims: list[ClaimView]
    findings: list[FindingView]
    svg: str = ""

    @property
    def clashes(self) -> list[FindingView]:
        return [f for f in self.findings if f.clash]


@dataclass
class RoleRow:
    """A role across cases: where it was recognised and where refused."""

    role: str
    cells: dict[str, dict[str, list[str]]]


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


class ReportReader:
    """Reads the report's content from a store in one language."""

    def __init__(self, store: GraphStore, lang: str) -> None:
        self.store = store
        self.lang = lang
        self.explainer = Explainer(store, lang=lang)
        self._labels: dict[str, str] = {}
        self._inf = ox.NamedNode(str(INFERRED_GRAPH))

    def q(self, text: str) -> list[Any]:
        return list(self.store.query(text, use_default_graph_as_union=True))

    def label(self, term: Any) -> str:
        """The label of a term in the report's language, else English, else its local name."""
        if isinstance(term, ox.Literal):
            return term.value
        if not isinstance(term, ox.NamedNode):
            return ""
        iri = term.value
        if iri not in self._labels:
            found: dict[str, str] = {}
            for qd in self.store.quads_for_pattern(term, ox.NamedNode(_LABEL), None, None):
                if isinstance(qd.object, ox.Literal):
                    found.setdefault(qd.object.language or "", qd.object.value)
            self._labels[iri] = found.get(self.lang) or found.get("en") or found.get("") or (
                next(iter(found.values())) if found else _local(iri))
        return self._labels[iri]

    def text(self, node: ox.NamedNode, prop: str) -> str:
        found: dict[str, str] = {}
        for qd in self.store.quads_for_pattern(node, ox.NamedNode(prop), None, None):
            if isinstance(qd.object, ox.Literal):
                found.setdefault(qd.object.language or "", qd.object.value)
        return found.get(self.lang) or found.get("en") or next(iter(found.values()), "")

    def quotes(self, node: ox.NamedNode) -> list[Quote]:
        return [Quote(e.quote or e.paraphrase or "", e.speaker, e.source, e.locator)
                for e in self.explainer.evidence_of(node)]

    def claim(self, iri: str) -> ClaimView:
        node = ox.NamedNode(iri)
        rows = self.q(f"""SELECT ?bearer ?role ?team ?ctx ?stance WHERE {{
            <{iri}> <{RG.bearer}> ?bearer .
            OPTIONAL {{ <{iri}> <{RG.role}> ?role }} OPTIONAL {{ <{iri}> <{RG.team}> ?team }}
            OPTIONAL {{ <{iri}> <{RG.inSituation}> ?ctx }} OPTIONAL {{ <{iri}> <{RG.stance}> ?stance }} }} LIMIT 1""")
        r = rows[0] if rows else None
        role = r["role"] if r is not None and r["role"] is not None else (r["team"] if r is not None else None)
        cv = ClaimView(iri, self.label(r["bearer"]) if r else "", self.label(role) if role else "",
                       self.label(r["ctx"]) if r is not None and r["ctx"] is not None else "",
                       self.label(r["stance"]) if r is not None and r["stance"] is not None else None,
                       "role" if r is None or r["role"] is not None else "membership", self.quotes(node))
        resp = self.q(f"""SELECT ?r ?outcome ?ctx (GROUP_CONCAT(STR(?by); separator=" ") AS ?bys) WHERE {{
            ?r <{RG.respondsTo}> <{iri}> ; <{RG.outcome}> ?outcome .
            OPTIONAL {{ ?r <{RG.inSituation}> ?ctx }} OPTIONAL {{ ?r <{RG.respondent}> ?by }}
            }} GROUP BY ?r ?outcome ?ctx ORDER BY STR(?r)""")
        for row in resp:
            bys = [self.label(ox.NamedNode(b)) for b in str(row["bys"].value).split()] if row["bys"] else []
            cv.sides.append(Side(_local(row["outcome"].value).lower(), bys,
                                 self.label(row["ctx"]) if row["ctx"] is not None else cv.context,
                                 self.quotes(row["r"])))
        return cv

    def rules(self, iri: str) -> list[dict[str, str]]:
        """The rules behind a finding: those whose derivations the reasoner recorded, followed
        through the premises (OWL 2 RL axiom steps record none and are not the finding's rules)."""
        out: dict[str, dict[str, str]] = {}
        seen: set[str] = set()
        todo = [ox.Triple(q.subject, q.predicate, q.object)
                for q in self.store.quads_for_pattern(ox.NamedNode(iri), None, None, self._inf)]
        while todo:
            t = todo.pop()
            if str(t) in seen:
                continue
            seen.add(str(t))
            deriv = self.explainer.derivation_of(t)
            if deriv is None:
                continue
            rule = self.explainer.rule_of(deriv)
            if "owl-rl/" not in rule.get("file", ""):
                out.setdefault(rule["id"], rule)
            todo.extend(self.explainer.premises_of(deriv))
        return sorted(out.values(), key=lambda r: r["id"])

    def finding(self, iri: str, type_iri: str) -> FindingView:
        node = ox.NamedNode(iri)
        claims = []
        for prop in (RG.recognisedClaim, RG.refusedClaim):
            for qd in self.store.quads_for_pattern(node, ox.NamedNode(str(prop)), None, None):
                if isinstance(qd.object, ox.NamedNode):
                    claims.append(self.claim(qd.object.value))
        if not claims:
            claims.append(self.claim(iri))
        seen: set[str] = set()
        unique = [c for c in claims if not (c.iri in seen or seen.add(c.iri))]  # type: ignore[func-returns-value]
        t = ox.NamedNode(type_iri)
        return FindingView(iri, self.label(t), _local(type_iri), unique, self.rules(iri),
                           clash="clash" in _local(type_iri).lower())

    def case(self, case_iri: str) -> CaseView:
        node = ox.NamedNode(case_iri)
        cid = _local(case_iri)
        actors = []
        for row in self.q(f"""SELECT ?a ?kind ?side (GROUP_CONCAT(STR(?m); separator=" ") AS ?ms) WHERE {{
                ?a <{RG.inCase}> <{case_iri}> ; a <{RG.Actor}> .
                OPTIONAL {{ ?a a ?kind . FILTER(?kind IN (<{RG.Person}>, <{RG.Organisation}>, <{RG.Group}>)) }}
                OPTIONAL {{ ?a a ?side . FILTER(?side IN (<{RG.CitizenActor}>, <{RG.PublicSectorActor}>)) }}
                OPTIONAL {{ ?a <{RG.memberOf}> ?m }} }} GROUP BY ?a ?kind ?side"""):
            actors.append({"label": self.label(row["a"]), "kind": _local(row["kind"].value) if row["kind"] else "",
                           "side": _local(row["side"].value) if row["side"] else "",
                           "member_of": sorted(self.label(ox.NamedNode(m)) for m in str(row["ms"].value).split())
                           if row["ms"] else []})
        actors.sort(key=lambda a: str(a["label"]).lower())
        teams = []
        for row in self.q(f"""SELECT ?t (GROUP_CONCAT(STR(?m); separator=" ") AS ?ms) WHERE {{
                ?t <{RG.inCase}> <{case_iri}> ; a <{RG.Team}> . OPTIONAL {{ ?m <{RG.memberOf}> ?t }} }} GROUP BY ?t"""):
            teams.append({"label": self.label(row["t"]),
                          "members": sorted(self.label(ox.NamedNode(m)) for m in str(row["ms"].value).split())
                          if row["ms"] else []})
        teams.sort(key=lambda t: str(t["label"]).lower())
        claims = [self.claim(r["c"].value) for r in self.q(
            f"SELECT ?c WHERE {{ ?c <{RG.inCase}> <{case_iri}> ; a <{RG.RoleClaim}> }} ORDER BY STR(?c)")]
        findings = []
        inf = ox.NamedNode(str(INFERRED_GRAPH))
        for qd in sorted(self.store.quads_for_pattern(None, ox.NamedNode(_RDF_TYPE), None, inf), key=str):
            t = qd.object.value if isinstance(qd.object, ox.NamedNode) else ""
            if not (t in FINDING_TYPES or "clash" in _local(t).lower()):
                continue
            s = qd.subject
            if not isinstance(s, ox.NamedNode) or not self._in_case(s, case_iri):
                continue
            findings.append(self.finding(s.value, t))
        return CaseView(case_iri, cid, self.label(node), self.text(node, _COMMENT), actors, teams, claims, findings)

    def _in_case(self, node: ox.NamedNode, case_iri: str) -> bool:
        if node.value.startswith(case_iri + "/"):
            return True
        for prop in (RG.recognisedClaim, RG.refusedClaim):
            for qd in self.store.quads_for_pattern(node, ox.NamedNode(str(prop)), None, None):
                if isinstance(qd.object, ox.NamedNode) and qd.object.value.startswith(case_iri + "/"):
                    return True
        return False

    def case_iris(self, wanted: list[str] | None = None) -> list[str]:
        """The IRIs of the store's cases (those named, in that order, if any are)."""
        all_cases = sorted(r["c"].value for r in self.q(f"SELECT ?c WHERE {{ ?c a <{RG.Case}> }}"))
        if not wanted:
            return all_cases
        by_id = {_local(c): c for c in all_cases}
        missing = [w for w in wanted if w not in by_id]
        if missing:
            raise RolegraphError(N_("no case '{value}' in the store"),
                                 hint=Msg(N_("cases in the store: {ids}"), ids=", ".join(sorted(by_id)) or Msg(N_("(none: run build)"))), params={"value": missing[0]})
        return [by_id[w] for w in wanted]


def cross_case(cases: list[CaseView]) -> list[RoleRow]:
    """Each role claimed in any case, with per case the contexts it was recognised and refused in."""
    rows: dict[str, RoleRow] = {}
    for c in cases:
        for cl in c.claims:
            row = rows.setdefault(cl.role, RoleRow(cl.role, {}))
            cell = row.cells.setdefault(c.id, {"bearers": [], "recognised": [], "refused": [], "contested": [],
                                               "other": []})
            if cl.bearer not in cell["bearers"]:
                cell["bearers"].append(cl.bearer)
            for s in cl.sides:
                bucket = cell.get(s.outcome, cell["other"])
                if bucket is not None and s.context not in bucket:
                    bucket.append(s.context)
    return sorted(rows.values(), key=lambda r: (-len(r.cells), r.role.lower()))

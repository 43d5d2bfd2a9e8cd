"""Compile a checked YAML `Case` to RDF triples in the rolegraph vocabulary.

Every record becomes a node with a stable IRI under the case's IRI, so that a
rebuild gives the same graph and explanations keep pointing at the same nodes.
`Compiled.locations` maps each node back to its file and line, so problems
found later (SHACL, reasoning) can still be reported at the right place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from ..vocab import RG, ROLE, case_iri
from .schema import Case, Record

_KIND_CLASS = {"person": RG.Person, "organisation": RG.Organisation, "group": RG.Group}
_SIDE_CLASS = {"citizen": RG.CitizenActor, "public": RG.PublicSectorActor}
_TIME = {"before": RG.Before, "during": RG.During, "after": RG.After}
_MODE = {"taken": RG.Taken, "given": RG.Given}
_STANCE = {"embraces": RG.Embraces, "accepts": RG.Accepts, "distances": RG.Distances}
_OUTCOME = {"recognised": RG.Recognised, "refused": RG.Refused, "contested": RG.Contested,
            "failed": RG.Failed, "not-taken-up": RG.NotTakenUp, "ignored": RG.Ignored}
_STANDING = {"mandate": RG.Mandate, "credential": RG.Credential, "membership": RG.MembershipStanding}
_PHASE = {"planning": RG.Planning, "ideation": RG.Ideation, "design": RG.Design,
          "implementation": RG.Implementation}
_INFLUENCE = {"none": RG.NoInfluence, "shared": RG.SharedInfluence, "decisive": RG.DecisiveInfluence}
_TYPES = {"descriptive": RG.Descriptive, "intermediary": RG.Intermediary,
          "transformative": RG.Transformative, "user-centred": RG.UserCentred,
          "co-creation": RG.CoCreation, "citizen-driven": RG.CitizenDriven,
          "individual": RG.IndividualCoProduction, "collective": RG.CollectiveCoProduction}


class Triples:
    """The triples of one compiled case: a plain set, in the order written, which is what
    building a store needs. rdflib's Graph API (`query`, `subjects`, `value`...) is there
    too, on a Graph made at first use: adding to an rdflib Graph costs about 20 times as
    much, time and memory, and a build of a million triples never needs one."""

    def __init__(self) -> None:
        self._triples: dict[tuple[Any, Any, Any], None] = {}
        self._graph: Graph | None = None

    def add(self, triple: tuple[Any, Any, Any]) -> None:
        self._triples[triple] = None
        if self._graph is not None:
            self._graph.add(triple)

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def __contains__(self, triple: object) -> bool:
        return triple in self._triples

    def graph(self) -> Graph:
        """The triples as an rdflib Graph (made once)."""
        if self._graph is None:
            self._graph = Graph()
            for t in self._triples:
                self._graph.add(t)
        return self._graph

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.graph(), name)


@dataclass
class Compiled:
    """The triples of one case and where each node was written."""

    case_id: str
    graph: Triples
    locations: dict[URIRef, tuple[str, int]] = field(default_factory=dict)


class _Compiler:
    def __init__(self, case: Case, context_kinds: dict[str, URIRef],
                 actor_kinds: dict[str, URIRef] | None = None, roles: dict[str, URIRef] | None = None,
                 order_kinds: dict[str, Any] | None = None) -> None:
        self.case = case
        self.order_kinds = order_kinds or {}
        self.roles = roles or {}
        self.actor_kinds = actor_kinds or _KIND_CLASS
        self.g = Triples()
        self.out = Compiled(case.id, self.g)
        self.context_kinds = context_kinds
        self.case_node = case_iri(case.id)
        self.lang = case.files[0].lang if case.files else "en"

    def iri(self, local: str) -> URIRef:
        return case_iri(self.case.id, local)

    def ref(self, local: str) -> URIRef:
        return self.iri(local)

    def role(self, local: str) -> URIRef:
        rec = self.case.ids.get(local)
        if rec is not None and rec.kind == "role":
            return self.iri(local)
        return self.roles.get(local, ROLE[local])

    def add(self, s: URIRef, p: URIRef, o: object) -> None:
        self.g.add((s, p, o if isinstance(o, (URIRef, Literal)) else Literal(o)))

    def label(self, node: URIRef, prop: URIRef, rec: Record, name: str, lang: str) -> None:
        y = rec.fields.get(name)
        if y is None:
            return
        if isinstance(y.value, dict):
            for lg, ly in y.value.items():
                self.g.add((node, prop, Literal(ly.value.strip(), lang=lg)))
        else:
            self.g.add((node, prop, Literal(str(y.value).strip(), lang=lang)))

    def text(self, node: URIRef, prop: URIRef, rec: Record, name: str) -> None:
        v = rec.get(name)
        if isinstance(v, str):
            self.g.add((node, prop, Literal(v.strip())))

    def common(self, node: URIRef, rec: Record, *, in_case: bool = True) -> None:
        self.out.locations[node] = (rec.file, rec.line)
        if in_case:
            self.add(node, RG.inCase, self.case_node)
        self.text(node, RG.note, rec, "note")
        for i, ev in enumerate(rec.children.get("evidence", []), start=1):
            self.evidence(node, ev, i)

    def evidence(self, stmt: URIRef, rec: Record, n: int) -> None:
        node = URIRef(f"{stmt}/evidence-{n}")
        self.out.locations[node] = (rec.file, rec.line)
        self.add(stmt, RG.evidence, node)
        self.add(node, RDF.type, RG.Evidence)
        self.text(node, RG.quote, rec, "quote")
        self.text(node, RG.paraphrase, rec, "paraphrase")
        self.text(node, RG.locator, rec, "locator")
        if rec.get("source"):
            self.add(node, RG.source, self.ref(str(rec.get("source"))))
        if rec.get("speaker"):
            self.add(node, RG.speaker, self.ref(str(rec.get("speaker"))))

    def run(self) -> Compiled:
        lang = self.lang
        self.add(self.case_node, RDF.type, RG.Case)
        for f in self.case.files:
            self.label(self.case_node, RDFS.label, f.top, "title", f.lang)
            self.label(self.case_node, RDFS.comment, f.top, "description", f.lang)
            self.out.locations.setdefault(self.case_node, (f.display, 1))
        for rec in self.case.records():
            lang = self._lang_of(rec)
            handler = getattr(self, f"do_{rec.kind}", None)
            if handler is not None:
                handler(rec, lang)
        return self.out

    def _lang_of(self, rec: Record) -> str:
        for f in self.case.files:
            if f.display == rec.file:
                return f.lang
        return self.lang

    def do_source(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.SourceDocument)
        self.text(node, DCTERMS.title, rec, "title")
        self.text(node, RG.citation, rec, "citation")
        self.text(node, RG.fileName, rec, "file")
        self.common(node, rec)

    def do_actor(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, self.actor_kinds[str(rec.get("kind") or "person")])
        if rec.get("side"):
            self.add(node, RDF.type, _SIDE_CLASS[str(rec.get("side"))])
        self.label(node, RDFS.label, rec, "label", lang)
        if isinstance(rec.get("personal"), bool):
            self.add(node, RG.personal, Literal(rec.get("personal")))
        for alias in rec.refs("aliases"):
            self.add(node, RG.alias, Literal(alias))
        for m in rec.refs("member_of"):
            self.add(node, RG.memberOf, self.ref(m))
        self.common(node, rec)

    def do_team(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.Team)
        self.label(node, RDFS.label, rec, "label", lang)
        for m in rec.refs("members"):
            self.add(self.ref(m), RG.memberOf, node)
        self.common(node, rec)

    def do_role(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.Role)
        self.label(node, RDFS.label, rec, "label", lang)
        self.label(node, SKOS.definition, rec, "definition", lang)
        for r in rec.refs("specialises"):
            self.add(node, RG.specialises, self.role(r))
        self.common(node, rec)

    def do_order(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.InteractionOrder)
        self.label(node, RDFS.label, rec, "label", lang)
        for rule in rec.children.get("rules", []):
            self.add(node, RG.hasRule, self.iri(str(rule.id)))
        self.common(node, rec)

    def do_rule(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        if rec.get("in_absentia") is not None:
            self.add(node, RG.holdsInAbsentia, Literal(bool(rec.get("in_absentia"))))
        kind = next((k for k in self.order_kinds if k in rec.fields), None)
        if kind is not None:
            self.declared_rule(node, rec, self.order_kinds[kind])
        elif rec.get("reserve"):
            self.add(node, RDF.type, RG.RoleReservation)
            self.add(node, RG.reservedRole, self.role(str(rec.get("reserve"))))
            for t in rec.refs("for"):
                self.add(node, RG.reservedFor, self.ref(t))
        else:
            self.add(node, RDF.type, RG.RoleIncompatibility)
            for r in rec.refs("incompatible"):
                self.add(node, RG.incompatibleRole, self.role(r))
        for a in rec.refs("held_by"):
            self.add(node, RG.heldBy, self.ref(a))
        self.common(node, rec)

    def do_context(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.SocialSituation)
        kind = rec.get("kind")
        if isinstance(kind, str) and kind in self.context_kinds:
            self.add(node, RDF.type, self.context_kinds[kind])
        self.label(node, RDFS.label, rec, "label", lang)
        if rec.get("part_of"):
            self.add(node, RG.partOfSituation, self.ref(str(rec.get("part_of"))))
        if rec.get("process"):
            self.add(node, RG.situationOf, self.ref(str(rec.get("process"))))
        if rec.get("order"):
            self.add(node, RG.hasOrder, self.ref(str(rec.get("order"))))
        if rec.get("time"):
            self.add(node, RG.time, _TIME[str(rec.get("time"))])
        if rec.get("phase"):
            self.add(node, RG.inPhase, self.ref(str(rec.get("phase"))))
        for name, prop in (("participants", RG.presentParticipant), ("audiences", RG.presentAudience),
                           ("absent", RG.absentButRelevant)):
            for a in rec.refs(name):
                self.add(node, prop, self.ref(a))
        self.common(node, rec)

    def declared_rule(self, node: URIRef, rec: Record, kind: Any) -> None:
        """A rule of a kind declared in order-kinds.yaml: its class, and a property per field."""
        self.add(node, RDF.type, kind.cls)
        for name, f in kind.all_fields().items():
            y = rec.fields.get(name)
            if y is None:
                continue
            if f.type == "label":
                self.label(node, f.prop, rec, name, self.lang)
            elif f.type in ("text",) or f.type.startswith("enum:"):
                self.add(node, f.prop, Literal(str(y.value)))
            elif f.type == "bool":
                self.add(node, f.prop, Literal(bool(y.value)))
            elif f.type in ("role", "roles"):
                for r in rec.refs(name):
                    self.add(node, f.prop, self.role(r))
            else:
                for r in rec.refs(name):
                    self.add(node, f.prop, self.ref(r))

    def do_definition(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.SituationDefinition)
        self.add(node, RG.definedBy, self.ref(str(rec.get("by"))))
        self.add(node, RG.definesSituation, self.ref(str(rec.get("context"))))
        self.label(node, RG.occasion, rec, "occasion", lang)
        self.label(node, RG.atStake, rec, "at_stake", lang)
        for i, cast in enumerate(rec.children.get("casts", []), start=1):
            cnode = URIRef(f"{node}/casting-{i}")
            self.add(node, RG.casts, cnode)
            self.add(cnode, RDF.type, RG.Casting)
            self.add(cnode, RG.castActor, self.ref(str(cast.get("actor"))))
            self.add(cnode, RG.castRole, self.role(str(cast.get("as"))))
            self.common(cnode, cast)
        self.common(node, rec)

    def do_standing(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.Standing)
        self.add(node, RDF.type, _STANDING[str(rec.get("kind") or "credential")])
        self.label(node, RDFS.label, rec, "label", lang)
        for a in rec.refs("holders"):
            self.add(node, RG.holder, self.ref(a))
        for c in rec.refs("recognised_in"):
            self.add(node, RG.validIn, self.ref(c))
        self.common(node, rec)

    def do_process(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.CoProductionProcess)
        self.label(node, RDFS.label, rec, "label", lang)
        self.label(node, RG.aim, rec, "aim", lang)
        self.label(node, RG.form, rec, "form", lang)
        for a in rec.refs("initiators"):
            self.add(node, RG.initiator, self.ref(a))
        for a in rec.refs("participants"):
            self.add(node, RG.participant, self.ref(a))
        types = rec.fields.get("types")
        if types is not None:
            for t in types.value if isinstance(types.value, list) else [types]:
                self.add(node, RG.statedType, _TYPES[t.value])
        for ph in rec.children.get("phases", []):
            self.add(node, RG.hasPhase, self.iri(str(ph.id)))
        self.common(node, rec)

    def do_phase(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.Phase)
        self.add(node, RG.phaseKind, _PHASE[str(rec.get("kind"))])
        self.label(node, RDFS.label, rec, "label", lang)
        for a in rec.refs("participants"):
            self.add(node, RG.participant, self.ref(a))
        if rec.get("influence"):
            self.add(node, RG.citizenInfluence, _INFLUENCE[str(rec.get("influence"))])
        self.common(node, rec)

    def _claim(self, rec: Record, node: URIRef, context: URIRef | None) -> None:
        for a in rec.refs("by"):
            self.add(node, RG.assignedBy, self.ref(a))
        if context is not None:
            self.add(node, RG.inSituation, context)
        self.common(node, rec)
        for i, resp in enumerate(rec.children.get("responses", []), start=1):
            rnode = URIRef(f"{node}/response-{i}")
            self.add(rnode, RDF.type, RG.Response)
            self.add(rnode, RG.respondsTo, node)
            for a in resp.refs("by"):
                self.add(rnode, RG.respondent, self.ref(a))
            self.add(rnode, RG.outcome, _OUTCOME[str(resp.get("outcome"))])
            rctx = resp.get("context")
            if isinstance(rctx, str):
                self.add(rnode, RG.inSituation, self.ref(rctx))
            elif context is not None:
                self.add(rnode, RG.inSituation, context)
            self.common(rnode, resp)

    def do_claim(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.RoleClaim)
        self.add(node, RG.bearer, self.ref(str(rec.get("bearer"))))
        self.add(node, RG.role, self.role(str(rec.get("role"))))
        if rec.get("mode"):
            self.add(node, RG.mode, _MODE[str(rec.get("mode"))])
        elif rec.refs("by"):
            self.add(node, RG.mode, RG.Given)
        if rec.get("stance"):
            self.add(node, RG.stance, _STANCE[str(rec.get("stance"))])
        if rec.get("time"):
            self.add(node, RG.time, _TIME[str(rec.get("time"))])
        if rec.get("phase"):
            self.add(node, RG.inPhase, self.ref(str(rec.get("phase"))))
        ctx = rec.get("context")
        self._claim(rec, node, self.ref(ctx) if isinstance(ctx, str) else None)

    def do_membership(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.add(node, RDF.type, RG.MembershipClaim)
        self.add(node, RG.bearer, self.ref(str(rec.get("member"))))
        self.add(node, RG.team, self.ref(str(rec.get("team"))))
        ctx = rec.get("context")
        self._claim(rec, node, self.ref(ctx) if isinstance(ctx, str) else None)


def compile_case(case: Case, *, context_kinds: dict[str, URIRef] | None = None,
                 actor_kinds: dict[str, URIRef] | None = None, roles: dict[str, URIRef] | None = None,
                 order_kinds: dict[str, Any] | None = None) -> Compiled:
    """The RDF of one checked case, with the file and line of every node."""
    return _Compiler(case, context_kinds or {}, actor_kinds, roles, order_kinds).run()

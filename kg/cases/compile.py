"""Compile a checked YAML `Case` to RDF triples in the rolegraph vocabulary.

Every record becomes a node with a stable IRI under the case's IRI, so that a
rebuild gives the same graph and explanations keep pointing at the same nodes.
`Compiled.locations` maps each node back to its file and line, so problems
found later (SHACL, reasoning) can still be reported at the right place.

A case compiles straight to N-Triples text (`CaseLines`), which is what a store
loads: no rdflib (or Oxigraph) object per triple. The IRIs are safe as written: a
record's comes from its checked id, and one the ontology names (a role, a kind of
context or actor, a declared rule's property) is checked by Oxigraph once.
`Compiled.graph` gives the triples as rdflib terms, made when asked for.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

from ..iris import ROLE as ROLE_IRI
from ..iris import case_iri
from ..vocab import RG
from .packed import PackedTriples, rdflib_term
from .schema import Case, Record


class _Strings:
    """A namespace's IRIs as plain strings, each looked up (and checked) once."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        value = str(getattr(self._namespace, name))
        setattr(self, name, value)
        return value


_RG = _Strings(RG)  # the ontology's terms as plain strings
_TYPE, _LABEL, _COMMENT = str(RDF.type), str(RDFS.label), str(RDFS.comment)
_TITLE, _DEFINITION = str(DCTERMS.title), str(SKOS.definition)

_KIND_CLASS = {"person": _RG.Person, "organisation": _RG.Organisation, "group": _RG.Group}
_SIDE_CLASS = {"citizen": _RG.CitizenActor, "public": _RG.PublicSectorActor}
_TIME = {"before": _RG.Before, "during": _RG.During, "after": _RG.After}
_MODE = {"taken": _RG.Taken, "given": _RG.Given}
_STANCE = {"embraces": _RG.Embraces, "accepts": _RG.Accepts, "distances": _RG.Distances}
_OUTCOME = {"recognised": _RG.Recognised, "refused": _RG.Refused, "contested": _RG.Contested,
            "failed": _RG.Failed, "not-taken-up": _RG.NotTakenUp, "ignored": _RG.Ignored}
_STANDING = {"mandate": _RG.Mandate, "credential": _RG.Credential, "membership": _RG.MembershipStanding}
_PHASE = {"planning": _RG.Planning, "ideation": _RG.Ideation, "design": _RG.Design,
          "implementation": _RG.Implementation}
_INFLUENCE = {"none": _RG.NoInfluence, "shared": _RG.SharedInfluence, "decisive": _RG.DecisiveInfluence}
_TYPES = {"descriptive": _RG.Descriptive, "intermediary": _RG.Intermediary,
          "transformative": _RG.Transformative, "user-centred": _RG.UserCentred,
          "co-creation": _RG.CoCreation, "citizen-driven": _RG.CitizenDriven,
          "individual": _RG.IndividualCoProduction, "collective": _RG.CollectiveCoProduction}

_BOOLEAN = "^^<http://www.w3.org/2001/XMLSchema#boolean>"
# What N-Triples escapes in a string, written as Oxigraph's serialiser writes it
_ESCAPED = re.compile(r'[\x00-\x1f"\\\x7f]')
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    return _ESCAPES.get(c) or f"\\u{ord(c):04X}"


def nt_string(text: str) -> str:
    """A string as an N-Triples literal (quoted and escaped)."""
    return f'"{_ESCAPED.sub(_escape, text)}"'


@functools.lru_cache(maxsize=4096)
def _checked(iri: str) -> str:
    """An IRI the ontology names, checked by Oxigraph (ValueError if it is not one)."""
    return ox.NamedNode(iri).value


class Triples:
    """The triples of one graph: a plain set, in the order written. rdflib's Graph API
    (`query`, `subjects`, `value`...) is there too, on a Graph made at first use: adding to
    an rdflib Graph costs about 20 times as much, time and memory."""

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


class CaseLines:
    """The triples of one compiled case as N-Triples lines, each once, in the order written,
    and the nodes they mention (what `PackedTriples.mentions` gives). Subjects and
    predicates are IRIs; `link` writes an IRI object, `text` and `boolean` a literal."""

    __slots__ = ("lines", "objects", "predicates", "subjects")

    def __init__(self) -> None:
        self.lines: dict[str, None] = {}
        self.subjects: set[str] = set()
        self.objects: set[str] = set()
        self.predicates: set[str] = set()

    def link(self, s: str, p: str, o: str) -> None:
        self.lines[f"<{s}> <{p}> <{o}> .\n"] = None
        self.subjects.add(s)
        self.predicates.add(p)
        self.objects.add(o)

    def text(self, s: str, p: str, value: str, lang: str | None = None) -> None:
        literal = nt_string(value)
        self.lines[f"<{s}> <{p}> {literal}@{lang} .\n" if lang else f"<{s}> <{p}> {literal} .\n"] = None
        self.subjects.add(s)
        self.predicates.add(p)

    def boolean(self, s: str, p: str, value: bool) -> None:
        self.lines[f'<{s}> <{p}> "{"true" if value else "false"}"{_BOOLEAN} .\n'] = None
        self.subjects.add(s)
        self.predicates.add(p)

    def __len__(self) -> int:
        return len(self.lines)

    def ntriples(self) -> bytes:
        return "".join(self.lines).encode()

    def packed(self) -> PackedTriples:
        """The triples packed to hand to another process (or keep in few bytes)."""
        return PackedTriples(zlib.compress(self.ntriples(), 1), len(self.lines),
                             (frozenset(self.subjects), frozenset(self.objects), frozenset(self.predicates)))

    def triples(self) -> Triples:
        """The triples as rdflib terms."""
        out = Triples()
        for t in ox.parse(self.ntriples(), format=ox.RdfFormat.N_TRIPLES):
            out.add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
        return out


@dataclass
class Compiled:
    """The triples of one case and where each node was written."""

    case_id: str
    lines: CaseLines
    locations: dict[URIRef, tuple[str, int]] = field(default_factory=dict)
    _graph: Triples | None = field(default=None, repr=False, compare=False)

    @property
    def graph(self) -> Triples:
        """The triples as rdflib terms (made at first use)."""
        if self._graph is None:
            self._graph = self.lines.triples()
        return self._graph


class _Compiler:
    def __init__(self, case: Case, context_kinds: dict[str, URIRef],
                 actor_kinds: dict[str, URIRef] | None = None, roles: dict[str, URIRef] | None = None,
                 order_kinds: dict[str, Any] | None = None) -> None:
        self.case = case
        self.order_kinds = order_kinds or {}
        self.roles = roles or {}
        self.actor_kinds = actor_kinds or _KIND_CLASS
        self.g = CaseLines()
        self.out = Compiled(case.id, self.g)
        self.context_kinds = context_kinds
        self.case_node = case_iri(case.id)
        self.lang = case.files[0].lang if case.files else "en"

    def iri(self, local: str) -> str:
        return case_iri(self.case.id, local)

    def ref(self, local: str) -> str:
        return self.iri(local)

    def role(self, local: str) -> str:
        rec = self.case.ids.get(local)
        if rec is not None and rec.kind == "role":
            return self.iri(local)
        known = self.roles.get(local)
        return _checked(str(known) if known is not None else ROLE_IRI + local)

    def at(self, node: str, file: str, line: int) -> None:
        self.out.locations[URIRef(node)] = (file, line)

    def label(self, node: str, prop: str, rec: Record, name: str, lang: str) -> None:
        y = rec.fields.get(name)
        if y is None:
            return
        if isinstance(y.value, dict):
            for lg, ly in y.value.items():
                self.g.text(node, prop, ly.value.strip(), lg)
        else:
            self.g.text(node, prop, str(y.value).strip(), lang)

    def text(self, node: str, prop: str, rec: Record, name: str) -> None:
        v = rec.get(name)
        if isinstance(v, str):
            self.g.text(node, prop, v.strip())

    def common(self, node: str, rec: Record, *, in_case: bool = True) -> None:
        self.at(node, rec.file, rec.line)
        if in_case:
            self.g.link(node, _RG.inCase, self.case_node)
        self.text(node, _RG.note, rec, "note")
        for i, ev in enumerate(rec.children.get("evidence", []), start=1):
            self.evidence(node, ev, i)

    def evidence(self, stmt: str, rec: Record, n: int) -> None:
        node = f"{stmt}/evidence-{n}"
        self.at(node, rec.file, rec.line)
        self.g.link(stmt, _RG.evidence, node)
        self.g.link(node, _TYPE, _RG.Evidence)
        self.text(node, _RG.quote, rec, "quote")
        self.text(node, _RG.paraphrase, rec, "paraphrase")
        self.text(node, _RG.locator, rec, "locator")
        if rec.get("source"):
            self.g.link(node, _RG.source, self.ref(str(rec.get("source"))))
        if rec.get("speaker"):
            self.g.link(node, _RG.speaker, self.ref(str(rec.get("speaker"))))

    def run(self) -> Compiled:
        lang = self.lang
        self.g.link(self.case_node, _TYPE, _RG.Case)
        for f in self.case.files:
            self.label(self.case_node, _LABEL, f.top, "title", f.lang)
            self.label(self.case_node, _COMMENT, f.top, "description", f.lang)
            self.out.locations.setdefault(URIRef(self.case_node), (f.display, 1))
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
        self.g.link(node, _TYPE, _RG.SourceDocument)
        self.text(node, _TITLE, rec, "title")
        self.text(node, _RG.citation, rec, "citation")
        self.text(node, _RG.fileName, rec, "file")
        self.common(node, rec)

    def do_actor(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _checked(str(self.actor_kinds[str(rec.get("kind") or "person")])))
        if rec.get("side"):
            self.g.link(node, _TYPE, _SIDE_CLASS[str(rec.get("side"))])
        self.label(node, _LABEL, rec, "label", lang)
        personal = rec.get("personal")
        if isinstance(personal, bool):
            self.g.boolean(node, _RG.personal, personal)
        for alias in rec.refs("aliases"):
            self.g.text(node, _RG.alias, alias)
        for m in rec.refs("member_of"):
            self.g.link(node, _RG.memberOf, self.ref(m))
        self.common(node, rec)

    def do_team(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.Team)
        self.label(node, _LABEL, rec, "label", lang)
        for m in rec.refs("members"):
            self.g.link(self.ref(m), _RG.memberOf, node)
        self.common(node, rec)

    def do_role(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.Role)
        self.label(node, _LABEL, rec, "label", lang)
        self.label(node, _DEFINITION, rec, "definition", lang)
        for r in rec.refs("specialises"):
            self.g.link(node, _RG.specialises, self.role(r))
        self.common(node, rec)

    def do_order(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.InteractionOrder)
        self.label(node, _LABEL, rec, "label", lang)
        for rule in rec.children.get("rules", []):
            self.g.link(node, _RG.hasRule, self.iri(str(rule.id)))
        self.common(node, rec)

    def do_rule(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        if rec.get("in_absentia") is not None:
            self.g.boolean(node, _RG.holdsInAbsentia, bool(rec.get("in_absentia")))
        kind = next((k for k in self.order_kinds if k in rec.fields), None)
        if kind is not None:
            self.declared_rule(node, rec, self.order_kinds[kind])
        elif rec.get("reserve"):
            self.g.link(node, _TYPE, _RG.RoleReservation)
            self.g.link(node, _RG.reservedRole, self.role(str(rec.get("reserve"))))
            for t in rec.refs("for"):
                self.g.link(node, _RG.reservedFor, self.ref(t))
        else:
            self.g.link(node, _TYPE, _RG.RoleIncompatibility)
            for r in rec.refs("incompatible"):
                self.g.link(node, _RG.incompatibleRole, self.role(r))
        for a in rec.refs("held_by"):
            self.g.link(node, _RG.heldBy, self.ref(a))
        self.common(node, rec)

    def do_context(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.SocialSituation)
        kind = rec.get("kind")
        if isinstance(kind, str) and kind in self.context_kinds:
            self.g.link(node, _TYPE, _checked(str(self.context_kinds[kind])))
        self.label(node, _LABEL, rec, "label", lang)
        if rec.get("part_of"):
            self.g.link(node, _RG.partOfSituation, self.ref(str(rec.get("part_of"))))
        if rec.get("process"):
            self.g.link(node, _RG.situationOf, self.ref(str(rec.get("process"))))
        if rec.get("order"):
            self.g.link(node, _RG.hasOrder, self.ref(str(rec.get("order"))))
        if rec.get("time"):
            self.g.link(node, _RG.time, _TIME[str(rec.get("time"))])
        if rec.get("phase"):
            self.g.link(node, _RG.inPhase, self.ref(str(rec.get("phase"))))
        for name, prop in (("participants", _RG.presentParticipant), ("audiences", _RG.presentAudience),
                           ("absent", _RG.absentButRelevant)):
            for a in rec.refs(name):
                self.g.link(node, prop, self.ref(a))
        self.common(node, rec)

    def declared_rule(self, node: str, rec: Record, kind: Any) -> None:
        """A rule of a kind declared in order-kinds.yaml: its class, and a property per field."""
        self.g.link(node, _TYPE, _checked(str(kind.cls)))
        for name, f in kind.all_fields().items():
            y = rec.fields.get(name)
            if y is None:
                continue
            prop = _checked(str(f.prop))
            if f.type == "label":
                self.label(node, prop, rec, name, self.lang)
            elif f.type in ("text",) or f.type.startswith("enum:"):
                self.g.text(node, prop, str(y.value))
            elif f.type == "bool":
                self.g.boolean(node, prop, bool(y.value))
            elif f.type in ("role", "roles"):
                for r in rec.refs(name):
                    self.g.link(node, prop, self.role(r))
            else:
                for r in rec.refs(name):
                    self.g.link(node, prop, self.ref(r))

    def do_definition(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.SituationDefinition)
        self.g.link(node, _RG.definedBy, self.ref(str(rec.get("by"))))
        self.g.link(node, _RG.definesSituation, self.ref(str(rec.get("context"))))
        self.label(node, _RG.occasion, rec, "occasion", lang)
        self.label(node, _RG.atStake, rec, "at_stake", lang)
        for i, cast in enumerate(rec.children.get("casts", []), start=1):
            cnode = f"{node}/casting-{i}"
            self.g.link(node, _RG.casts, cnode)
            self.g.link(cnode, _TYPE, _RG.Casting)
            self.g.link(cnode, _RG.castActor, self.ref(str(cast.get("actor"))))
            self.g.link(cnode, _RG.castRole, self.role(str(cast.get("as"))))
            self.common(cnode, cast)
        self.common(node, rec)

    def do_standing(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.Standing)
        self.g.link(node, _TYPE, _STANDING[str(rec.get("kind") or "credential")])
        self.label(node, _LABEL, rec, "label", lang)
        for a in rec.refs("holders"):
            self.g.link(node, _RG.holder, self.ref(a))
        for c in rec.refs("recognised_in"):
            self.g.link(node, _RG.validIn, self.ref(c))
        self.common(node, rec)

    def do_process(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.CoProductionProcess)
        self.label(node, _LABEL, rec, "label", lang)
        self.label(node, _RG.aim, rec, "aim", lang)
        self.label(node, _RG.form, rec, "form", lang)
        for a in rec.refs("initiators"):
            self.g.link(node, _RG.initiator, self.ref(a))
        for a in rec.refs("participants"):
            self.g.link(node, _RG.participant, self.ref(a))
        types = rec.fields.get("types")
        if types is not None:
            for t in types.value if isinstance(types.value, list) else [types]:
                self.g.link(node, _RG.statedType, _TYPES[t.value])
        for ph in rec.children.get("phases", []):
            self.g.link(node, _RG.hasPhase, self.iri(str(ph.id)))
        self.common(node, rec)

    def do_phase(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.Phase)
        self.g.link(node, _RG.phaseKind, _PHASE[str(rec.get("kind"))])
        self.label(node, _LABEL, rec, "label", lang)
        for a in rec.refs("participants"):
            self.g.link(node, _RG.participant, self.ref(a))
        if rec.get("influence"):
            self.g.link(node, _RG.citizenInfluence, _INFLUENCE[str(rec.get("influence"))])
        self.common(node, rec)

    def _claim(self, rec: Record, node: str, context: str | None) -> None:
        for a in rec.refs("by"):
            self.g.link(node, _RG.assignedBy, self.ref(a))
        if context is not None:
            self.g.link(node, _RG.inSituation, context)
        self.common(node, rec)
        for i, resp in enumerate(rec.children.get("responses", []), start=1):
            rnode = f"{node}/response-{i}"
            self.g.link(rnode, _TYPE, _RG.Response)
            self.g.link(rnode, _RG.respondsTo, node)
            for a in resp.refs("by"):
                self.g.link(rnode, _RG.respondent, self.ref(a))
            self.g.link(rnode, _RG.outcome, _OUTCOME[str(resp.get("outcome"))])
            rctx = resp.get("context")
            if isinstance(rctx, str):
                self.g.link(rnode, _RG.inSituation, self.ref(rctx))
            elif context is not None:
                self.g.link(rnode, _RG.inSituation, context)
            self.common(rnode, resp)

    def do_claim(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.RoleClaim)
        self.g.link(node, _RG.bearer, self.ref(str(rec.get("bearer"))))
        self.g.link(node, _RG.role, self.role(str(rec.get("role"))))
        if rec.get("mode"):
            self.g.link(node, _RG.mode, _MODE[str(rec.get("mode"))])
        elif rec.refs("by"):
            self.g.link(node, _RG.mode, _RG.Given)
        if rec.get("stance"):
            self.g.link(node, _RG.stance, _STANCE[str(rec.get("stance"))])
        if rec.get("time"):
            self.g.link(node, _RG.time, _TIME[str(rec.get("time"))])
        if rec.get("phase"):
            self.g.link(node, _RG.inPhase, self.ref(str(rec.get("phase"))))
        ctx = rec.get("context")
        self._claim(rec, node, self.ref(ctx) if isinstance(ctx, str) else None)

    def do_membership(self, rec: Record, lang: str) -> None:
        node = self.iri(str(rec.id))
        self.g.link(node, _TYPE, _RG.MembershipClaim)
        self.g.link(node, _RG.bearer, self.ref(str(rec.get("member"))))
        self.g.link(node, _RG.team, self.ref(str(rec.get("team"))))
        ctx = rec.get("context")
        self._claim(rec, node, self.ref(ctx) if isinstance(ctx, str) else None)


def compile_case(case: Case, *, context_kinds: dict[str, URIRef] | None = None,
                 actor_kinds: dict[str, URIRef] | None = None, roles: dict[str, URIRef] | None = None,
                 order_kinds: dict[str, Any] | None = None) -> Compiled:
    """The RDF of one checked case, with the file and line of every node."""
    return _Compiler(case, context_kinds or {}, actor_kinds, roles, order_kinds).run()

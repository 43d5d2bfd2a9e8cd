"""What the view reads of a store: kinds, labels and the predicates it draws, from the asserted graphs."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ..iris import BASE, DCTERMS, RDF_TYPE, RDFS, RDFS_LABEL, RG, SKOS
from ..iris import CASE as CASE_NS
from ..iris import ROLE as ROLE_NS
from ..stores.layout import asserted_graphs
from .words import LANGS

__all__ = ["BASE", "CASE_NS", "RG", "ROLE_NS", "Model", "natural_key", "read_model", "short_id"]

RDFS_COMMENT = RDFS + "comment"
RDFS_SUBCLASS = RDFS + "subClassOf"
SKOS_DEFINITION = SKOS + "definition"
DCT_TITLE = DCTERMS + "title"

# rdf:type -> kind; when a node has several, the first in this order wins.
KIND_OF_TYPE = {
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
KIND_ORDER = list(KIND_OF_TYPE.values())
ACTOR_KINDS = ("person", "organisation", "group", "team", "actor")
OUTCOMES = {RG + "Recognised": "recognised", RG + "Refused": "refused", RG + "Contested": "contested"}

# Predicates read from the asserted graphs (ontology and cases).
PREDICATES = {
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


def short_id(iri: str) -> str:
    """The short form of an IRI used as a node id: `case/local`, `role:x`, else the IRI."""
    if iri.startswith(CASE_NS):
        return iri[len(CASE_NS):]
    if iri.startswith(ROLE_NS):
        return "role:" + iri[len(ROLE_NS):]
    return iri


def natural_key(text: str) -> list[Any]:
    """A sort key that orders `claim-2` before `claim-10`."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


@dataclass
class Model:
    """What the view needs of the asserted graphs, indexed by full IRI."""

    kinds: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)  # node -> its extension class, if any
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    props: dict[str, dict[str, list[Any]]] = field(default_factory=dict)

    def one(self, prop: str, s: str) -> Any:
        """The first value of `prop` on `s`, or None."""
        values = self.props[prop].get(s)
        return values[0] if values else None

    def all(self, prop: str, s: str) -> list[Any]:
        """Every value of `prop` on `s`."""
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
        """The label of `iri` in `lang` (else English, else any), its title, or its IRI's tail."""
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


def read_model(store: Any) -> Model:
    """Read types, labels and the predicates the view draws from the asserted graphs."""
    model = Model()
    graphs = asserted_graphs(store)

    def pairs(predicate: str) -> Iterable[tuple[str, Any]]:
        # asserted graphs only (not the inferred ones); per-predicate SPARQL iterates
        # faster than quads_for_pattern
        for sol in store.query(f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}", default_graph=graphs):
            subject, obj = sol[0], sol[1]
            if isinstance(subject, ox.NamedNode) and not isinstance(obj, ox.BlankNode):
                yield subject.value, obj

    rank = {k: i for i, k in enumerate(KIND_ORDER)}
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
                    k = KIND_OF_TYPE.get(x)
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
            if o.value not in KIND_OF_TYPE and not o.value.startswith(RG):
                model.classes[s] = o.value
    for s, o in pairs(RDFS_LABEL):
        if isinstance(o, ox.Literal):
            model.labels.setdefault(s, {}).setdefault(o.language or "", o.value)
    for name, predicate in PREDICATES.items():
        table: dict[str, list[Any]] = defaultdict(list)
        for s, o in pairs(predicate):
            value = o.value if isinstance(o, ox.NamedNode) else o
            bucket = table[s]
            if value not in bucket:
                bucket.append(value)
        model.props[name] = table
    return model

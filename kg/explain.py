"""Explanations: how an inferred statement came to be, down to the quotes.

For an inferred triple, the derivation recorded by the reasoner names the rule
and its premises; each premise is explained in turn. The reasoner records no
derivation for conclusions of the OWL 2 RL axiom rules (there are many, and
each is one rule step from the ontology): those are re-derived here, by
running the rule's premises with the conclusion's terms bound and choosing a
solution whose premises hold, asserted ones first. An asserted premise ends
the chain: it is either an axiom of the ontology or a statement of a case, and
a case statement carries its evidence (quote, speaker, source, locator) and
the file and line where it was written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Variable

from .errors import RolegraphError
from .i18n import N_, translator
from .iris import DCTERMS, RDF, RDFS_LABEL, shorten
from .reasoning import display_path, instantiate, statement_iri, store_rules
from .reasoning.entailment import clashes
from .stores.base import GraphStore
from .stores.layout import asserted_graphs, defined_at, to_ox
from .vocab import EXPLANATION_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, RG

_EXP = ox.NamedNode(str(EXPLANATION_GRAPH))
_INF = ox.NamedNode(str(INFERRED_GRAPH))
_ONT = ox.NamedNode(str(ONTOLOGY_GRAPH))
_RDFS_LABEL = ox.NamedNode(RDFS_LABEL)
_DCT_TITLE = ox.NamedNode(DCTERMS + "title")
MAX_DEPTH = 25

# Inferred statements about a node worth explaining by default (not every superclass).
_INTERESTING_TYPES = {str(t) for t in (RG.Clash, RG.NonTransferredRole, RG.RoleConflict, RG.PredictedConflict,
                                       RG.TeamCrossing, RG.RoleDistance, RG.RecognisedClaim,
                                       RG.RefusedClaim, RG.CitizenInitiatedProcess, RG.PublicInitiatedProcess,
                                       RG.CitizensInIdeationProcess, RG.CitizensInImplementationProcess,
                                       RG.CitizenDecidedProcess, RG.SharedInfluenceProcess,
                                       RG.DivergentDefinitions)}
_INTERESTING_PROPS = {str(p) for p in (RG.predictedRefusalBy, RG.crossesFrom, RG.crossesTo,
                                       RG.recognisedClaim, RG.refusedClaim, RG.transferredRole,
                                       RG.recognisedIn, RG.refusedIn, RG.recognisedBy, RG.refusedBy,
                                       RG.findingBearer, RG.againstOutcome, RG.breaksRule,
                                       RG.divergesIn, RG.divergentDefinition, RG.strainedClaim,
                                       RG.classifiedType)}


@dataclass
class Evidence:
    """One piece of evidence for a case statement."""

    quote: str | None
    paraphrase: str | None
    speaker: str | None
    source: str | None
    locator: str | None
    citation: str | None = None  # the full reference of the source, when the case gives one


@dataclass
class Step:
    """A statement and how it is known: by a rule from premises, or asserted with evidence."""

    subject: str
    predicate: str
    object: str
    status: str  # inferred | case | ontology | seen-above | too-deep
    rule: dict[str, str] | None = None
    location: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    premises: list[Step] = field(default_factory=list)
    also: list[str] = field(default_factory=list)  # further conclusions of the same derivation

    def quotes(self) -> list[Evidence]:
        """Every piece of evidence in this chain."""
        out = list(self.evidence)
        for p in self.premises:
            out += p.quotes()
        return out


class Explainer:
    """Builds explanation trees from a reasoned store."""

    def __init__(self, store: GraphStore, *, lang: str = "en") -> None:
        self.store = store
        self.lang = lang
        self.asserted = [g for g in asserted_graphs(store)]
        self._labels: dict[str, str] = {}
        self._rules: list[Any] | None = None

    @property
    def rules(self) -> list[Any]:
        """The store's rules (shipped and its extensions'), to re-derive unrecorded conclusions."""
        if self._rules is None:
            self._rules = store_rules(self.store)
        return self._rules

    def rederive(self, t: ox.Triple, seen: set[str]) -> tuple[Any, list[ox.Triple]] | None:
        """A rule and premises that conclude `t` in the store, or None.

        Among the solutions, premises that are asserted are preferred to inferred
        ones, and a solution that rests on `t` itself or on a statement being
        explained further up is used only if there is no other. Rules are tried in a fixed
        order and ties within a rule go to the premises first in text order, so that every
        store (whatever order it returns rows in) gives the same derivation."""
        best: tuple[tuple[int, int, list[str]], Any, list[ox.Triple]] | None = None
        for rule in sorted(self.rules, key=lambda r: r.kind != "axiom"):
            for pattern in rule.conclusions:
                bound, later = _unify(pattern, t)
                if bound is None:
                    continue
                try:
                    rows = self.store.query(rule.derivation_query(bound, None if later else 50),
                                            use_default_graph_as_union=True)
                except (SyntaxError, OSError, ValueError):
                    continue
                for row in rows:
                    if any(row[name] != value for name, value in later.items()):
                        continue
                    conclusions = [c for p in rule.conclusions if (c := instantiate(p, row)) is not None]
                    if t not in conclusions:
                        continue
                    stated = list(dict.fromkeys(p for pat in rule.premises if (p := instantiate(pat, row)) is not None))
                    premises = [p for p in stated if self._in(p, [*self.asserted, _INF])]
                    if len(premises) < len(stated):
                        continue  # a solution from the explanations themselves
                    circular = sum(1 for p in premises if p == t or str(p) in seen)
                    inferred = sum(1 for p in premises if not self._in(p, self.asserted))
                    ordered = sorted(premises, key=str)
                    score = (circular, inferred, [str(p) for p in ordered])
                    if best is None or score < best[0]:
                        best = (score, rule, ordered)
            if best is not None and best[0][:2] == (0, 0):
                break  # no later rule can do better than all premises asserted
        return None if best is None else (best[1], best[2])

    def label(self, term: Any) -> str:
        if not isinstance(term, ox.NamedNode):
            return str(term.value) if isinstance(term, ox.Literal) else str(term)
        if term.value in self._labels:
            return self._labels[term.value]
        chosen = None
        for q in self.store.quads_for_pattern(term, _RDFS_LABEL, None, None):
            lit = q.object
            if isinstance(lit, ox.Literal) and (chosen is None or lit.language == self.lang):
                chosen = lit.value
        self._labels[term.value] = chosen or shorten(term.value)
        return self._labels[term.value]

    def _in(self, t: ox.Triple, graphs: list[ox.NamedNode]) -> bool:
        return any(True for g in graphs for _ in self.store.quads_for_pattern(t.subject, t.predicate, t.object, g))

    def evidence_of(self, node: Any) -> list[Evidence]:
        out: list[Evidence] = []
        if not isinstance(node, ox.NamedNode):
            return out
        for q in self.store.quads_for_pattern(node, ox.NamedNode(str(RG.evidence)), None, None):
            e = q.object

            def one(prop: Any, e: Any = e) -> Any:
                for r in self.store.quads_for_pattern(e, ox.NamedNode(str(prop)), None, None):
                    return r.object
                return None

            source = one(RG.source)
            title = citation = None
            if source is not None:
                for r in self.store.quads_for_pattern(source, _DCT_TITLE, None, None):
                    title = _value(r.object)
                for r in self.store.quads_for_pattern(source, ox.NamedNode(str(RG.citation)), None, None):
                    citation = _value(r.object)
            speaker = one(RG.speaker)
            quote, para, loc = one(RG.quote), one(RG.paraphrase), one(RG.locator)
            out.append(Evidence(quote.value if quote else None, para.value if para else None,
                                self.label(speaker) if speaker else None,
                                title or (self.label(source) if source else None),
                                loc.value if loc else None, citation))
        return out

    def derivation_of(self, t: ox.Triple) -> ox.NamedNode | None:
        conclusion = ox.NamedNode(str(RG.conclusion))
        # By the triple term (the embedded store), else by the statement node that names it (a
        # remote store, or a store built before derivations used triple terms).
        in_place = self.store.traits.reasons_in_place  # (a remote store may not parse a triple term)
        found = [q.subject for stmt in ((statement_iri(t),) if in_place else (t, statement_iri(t)))
                 for q in self.store.quads_for_pattern(None, conclusion, stmt, _EXP)]
        if found:  # several (the same conclusion in two batches): the same one whatever the form
            return min(found, key=str)  # type: ignore[return-value]
        if self.store.traits.reasons_in_place and not any(isinstance(x, ox.BlankNode) for x in t):
            # A remote store mints statement IRIs in SPARQL; should its text form of a term
            # differ from pyoxigraph's, find the statement by what it says instead.
            rdf = RDF
            rows = self.store.query(
                f"SELECT ?d WHERE {{ GRAPH <{EXPLANATION_GRAPH}> {{ ?d <{RG.conclusion}> ?st . "
                f"?st <{rdf}subject> {t.subject} ; <{rdf}predicate> {t.predicate} ; <{rdf}object> {t.object} }} }} "
                "LIMIT 1")
            for row in rows:
                return row["d"]  # type: ignore[no-any-return]
        return None

    def premises_of(self, deriv: ox.NamedNode) -> list[ox.Triple]:
        out = []
        for q in self.store.quads_for_pattern(deriv, ox.NamedNode(str(RG.premise)), None, _EXP):
            stmt: Any = q.object  # a triple term, or a statement node: an IRI
            if isinstance(stmt, ox.Triple):
                out.append(stmt)
                continue
            parts: dict[str, Any] = {}
            for name in ("subject", "predicate", "object"):
                for r in self.store.quads_for_pattern(
                        stmt, ox.NamedNode(RDF + name), None, _EXP):
                    parts[name] = r.object
            if len(parts) == 3:
                out.append(ox.Triple(parts["subject"], parts["predicate"], parts["object"]))
        return sorted(out, key=str)

    def rule_of(self, deriv: ox.NamedNode) -> dict[str, str]:
        rule: Any = next(iter(self.store.quads_for_pattern(deriv, ox.NamedNode(str(RG.usedRule)), None, _EXP))).object
        info = {"id": rule.value.rsplit("/", 1)[-1], "iri": rule.value, "title": self.label(rule)}
        for q in self.store.quads_for_pattern(rule, ox.NamedNode(str(RG.ruleFile)), None, _EXP):
            info["file"] = _value(q.object)
        return info

    def explain_triple(self, t: ox.Triple, *, depth: int = 0, seen: set[str] | None = None) -> Step:
        """The explanation tree of one triple."""
        seen = set() if seen is None else seen
        step = Step(self.label(t.subject), self.label(t.predicate), self.label(t.object), "inferred")
        key = str(t)
        if self._in(t, [g for g in self.asserted if g != _ONT]):
            step.status = "case"
            step.location = defined_at(self.store, t.subject) if isinstance(t.subject, ox.NamedNode) else None
            step.evidence = self.evidence_of(t.subject)
            return step
        if self._in(t, [_ONT]):
            step.status = "ontology"
            return step
        if key in seen:
            step.status = "seen-above"
            return step
        if depth >= MAX_DEPTH:
            step.status = "too-deep"
            return step
        seen.add(key)
        deriv = self.derivation_of(t)
        if deriv is not None:
            step.rule = self.rule_of(deriv)
            premises = self.premises_of(deriv)
        elif (found := self.rederive(t, seen)) is not None:
            rule, premises = found
            step.rule = {"id": rule.id, "iri": str(rule.iri), "title": rule.title_in(self.lang),
                         "file": display_path(rule.path)}
        else:
            raise RolegraphError(N_("no derivation found for {key}"),
                                 hint=N_("run `rolegraph reason` again; the store may predate reasoning"), params={"key": key})
        step.premises = [self.explain_triple(p, depth=depth + 1, seen=seen) for p in premises]
        return step

    def explain_node(self, iri: str, *, everything: bool = False) -> list[Step]:
        """Explain the inferred statements about a node (the Goffman findings, unless `everything`)."""
        node = ox.NamedNode(iri)
        out: list[Step] = []
        by_derivation: dict[str, Step] = {}
        quads = sorted(self.store.quads_for_pattern(node, None, None, _INF),
                       key=lambda q: (not q.predicate.value.endswith("#type"), str(q)))
        for q in quads:
            p, o = q.predicate.value, q.object
            interesting = (p in _INTERESTING_PROPS or
                           (p.endswith("#type") and isinstance(o, ox.NamedNode) and o.value in _INTERESTING_TYPES))
            if not (everything or interesting):
                continue
            t = ox.Triple(q.subject, q.predicate, q.object)
            deriv = self.derivation_of(t)
            if deriv is not None and deriv.value in by_derivation:
                by_derivation[deriv.value].also.append(f"{self.label(t.predicate)} — {self.label(t.object)}")
                continue
            step = self.explain_triple(t)
            out.append(step)
            if deriv is not None:
                by_derivation[deriv.value] = step
        if not out:
            ev, loc = self.evidence_of(node), defined_at(self.store, node)
            if ev or loc:
                return [Step(self.label(node), N_("is stated in the case"), "", "case", location=loc, evidence=ev)]
            raise RolegraphError(N_("nothing is known about {iri}"), hint=N_("check the IRI, e.g. with `rolegraph sparql`"), params={"iri": iri})
        return out


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The lexical value of a term (a quoted triple as its N-Triples text)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


def _unify(pattern: Any, t: ox.Triple) -> tuple[dict[str, str] | None, dict[str, Any]]:
    """Bind a conclusion pattern's variables to the triple's terms: N-Triples text for the
    query's VALUES, and blank nodes (which VALUES cannot carry) to check on the rows."""
    bound: dict[str, str] = {}
    later: dict[str, Any] = {}
    for term, value in zip(pattern, (t.subject, t.predicate, t.object)):
        if isinstance(term, Variable):
            name = str(term)
            if (name in bound and bound[name] != str(value)) or (name in later and later[name] != value):
                return None, {}
            if isinstance(value, ox.BlankNode):
                later[name] = value
            else:
                bound[name] = str(value)
        elif to_ox(term) != value:
            return None, {}
    return bound, later


def _quoted(e: Evidence, _: Callable[[str], str] = str) -> str:
    if not e.quote:
        return "[" + _("paraphrase") + f"] {e.paraphrase}"
    q = e.quote.strip()
    return q if q[:1] in "”“\"'’" else f"“{q}”"


def source_key(e: Evidence) -> str:
    """A short key for a source, as a reader cites it: authors' initials (or name) and year.

    `Müller & Stougaard: ...` with a citation of 2022 gives `M&S 2022`; a source with no
    authors before a colon keeps the first words of its title."""
    title = (e.source or "").strip()
    year = re.search(r"\b(1[89]\d\d|20\d\d)\b", e.citation or title)
    authors = title.split(":", 1)[0] if ":" in title else ""
    names = [n.strip() for n in re.split(r"\s*(?:&|,| and | og )\s*", authors) if n.strip()]
    if names and all(len(n.split()) <= 3 for n in names):
        short = names[0] if len(names) == 1 else "&".join(n[0] for n in names)
    else:
        short = " ".join(title.split()[:3]) or "?"
    return f"{short} {year.group(1)}" if year else short


class Citations:
    """The distinct quotes of one output, numbered in the order first cited, and their sources."""

    def __init__(self, lang: str = "en") -> None:
        self._ = translator(lang)
        self.quotes: dict[tuple[str, str, str], tuple[int, Evidence]] = {}
        self.sources: dict[str, Evidence] = {}

    def cite(self, e: Evidence) -> str:
        """The number of this quote (`[3]`), the same each time it is cited."""
        key = (e.quote or e.paraphrase or "", e.source or "", e.locator or "")
        if key not in self.quotes:
            self.quotes[key] = (len(self.quotes) + 1, e)
        self.sources.setdefault(source_key(e), e)
        return f"[{self.quotes[key][0]}]"

    def render(self) -> list[str]:
        """Each quote once with its source key and locator, then each full reference once."""
        _ = self._
        if not self.quotes:
            return []
        lines = ["", _("Quotes") + ":"]
        for n, e in self.quotes.values():
            who = f" — {e.speaker}" if e.speaker else ""
            where = f" §{_short_locator(e.locator)}" if e.locator else ""
            lines.append(f"[{n}] {_quoted(e, _)}{who}  [{source_key(e)}{where}]")
        lines += ["", _("References") + ":"]
        for key, e in sorted(self.sources.items()):
            lines.append(f"{key}: {e.citation or e.source}")
        return lines


def _short_locator(locator: str, limit: int = 40) -> str:
    return locator if len(locator) <= limit else locator[:limit - 1].rstrip() + "…"


def render_text(steps: list[Step], *, lang: str = "en", full: bool = False,
                citations: Citations | None = None) -> str:
    """An indented tree for people: each case node once; axioms summarised.

    By default each quote is cited by its number and printed once at the end with a
    short source key, the full references after it; `full` prints every quote where it
    is used, with its source (the whole chain as recorded)."""
    _ = translator(lang)
    cites = citations if citations is not None else Citations(lang)
    lines: list[str] = []

    def evidence_lines(step: Step, indent: str) -> None:
        if not step.evidence:
            return
        if not full:
            lines.append(f"{indent}    " + _("quotes") + ": " + " ".join(cites.cite(e) for e in step.evidence))
            return
        for e in step.evidence:
            who = f" — {e.speaker}" if e.speaker else ""
            src = ", ".join(x for x in (e.source, e.locator) if x)
            lines.append(f"{indent}    {_quoted(e, _)}{who} ({src})")

    def stated(location: str | None) -> str:
        return _("stated in {where}").format(where=location or _("the case"))

    def premises(items: list[Step], indent: str) -> None:
        case_groups: dict[str, list[Step]] = {}
        axioms: list[Step] = []
        rest: list[Step] = []
        for p in items:
            if p.status == "case":
                case_groups.setdefault(p.subject, []).append(p)
            elif p.status == "ontology":
                axioms.append(p)
            else:
                rest.append(p)
        for subject, group in case_groups.items():
            facts = "; ".join(f"{g.predicate} {g.object}" for g in group)
            lines.append(f"{indent}• {subject}: {facts}   ({stated(group[0].location)})")
            evidence_lines(group[0], indent)
        named = [a for a in axioms if not a.subject.startswith("_:")]
        if named:
            text = "; ".join(f"{a.subject} {a.predicate} {a.object}" for a in named)
            hidden = len(axioms) - len(named)
            more = " (" + _("+{n} list triples").format(n=hidden) + ")" if hidden else ""
            lines.append(f"{indent}• " + _("axiom") + f": {text}{more}")
        for p in rest:
            walk(p, indent)

    def walk(step: Step, indent: str) -> None:
        head = f"{indent}{step.subject} — {step.predicate} — {step.object}" if step.object else f"{indent}{step.subject} {_(step.predicate)}"
        if step.status == "inferred" and step.rule:
            lines.append(head)
            for extra in step.also:
                lines.append(f"{indent}  " + _("and") + f" {extra}")
            where = f" [{step.rule['file']}]" if "file" in step.rule else ""
            lines.append(f"{indent}  ⇐ " + _("rule") + f" {step.rule['id']}: {step.rule['title']}{where}")
            premises(step.premises, indent + "    ")
        elif step.status == "case":
            lines.append(f"{head}   ({stated(step.location)})")
            evidence_lines(step, indent)
        elif step.status == "ontology":
            lines.append(f"{head}   (" + _("axiom of the ontology") + ")")
        elif step.status == "seen-above":
            lines.append(f"{head}   (" + _("explained above") + ")")
        else:
            lines.append(f"{head}   (" + _("chain cut at depth {depth}").format(depth=MAX_DEPTH) + ")")

    for i, s in enumerate(steps):
        if i:
            lines.append("")
        walk(s, "")
    if citations is None and not full:
        lines += cites.render()
    return "\n".join(lines)


def render_json(steps: list[Step]) -> str:
    """The explanation trees as JSON."""
    return json.dumps([asdict(s) for s in steps], ensure_ascii=False, indent=1)


def render_summary(steps: list[Step], citations: Citations, *, lang: str = "en") -> str:
    """A short account: the rules that produced the answer, and the numbers of its quotes
    (`citations` prints each quote once, for all the rows of an output)."""
    _ = translator(lang)
    rules: list[str] = []
    cited: list[str] = []

    def walk(step: Step) -> None:
        if step.rule and step.rule["id"] not in rules:
            rules.append(step.rule["id"])
        if step.status == "case":
            for e in step.evidence:
                key = citations.cite(e)
                if key not in cited:
                    cited.append(key)
        for p in step.premises:
            walk(p)

    for s in steps:
        walk(s)
    lines = ["  " + _("rules") + ": " + " ⇐ ".join(rules)] if rules else []
    if cited:
        lines.append("  " + _("quotes") + ": " + " ".join(sorted(cited, key=lambda k: int(k[1:-1]))))
    return "\n".join(lines)


def describe_clashes(store: GraphStore, *, lang: str = "en") -> list[str]:
    """Each clash the reasoner found, in words: the rule, the nodes (with the file and line
    where a case wrote them) and how to explain it."""
    explainer = Explainer(store, lang=lang)
    _ = translator(lang)
    word, by, how = _("clash"), _("found by rule"), _("explain it with")
    out = []
    for c in clashes(store):
        rule = ox.NamedNode(f"https://w3id.org/rolegraph/rule/{c.rule}")
        nodes = []
        for n in c.nodes:
            node = ox.NamedNode(n) if "://" in n else None
            where = defined_at(store, node) if node is not None else None
            nodes.append(f"{explainer.label(node) if node is not None else n}" + (f" ({where})" if where else ""))
        out.append(f"{word}: {explainer.label(rule)}\n  {by} {c.rule}: " + ", ".join(nodes)
                   + f"\n  {how}: rolegraph explain {c.node}")
    return out

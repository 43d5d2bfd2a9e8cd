"""Reasoning inside a remote store: each rule run as one SPARQL Update there.

`InStoreReasoner` runs the fixpoint loop of `kg.reasoning.engine.Reasoner`, but
each rule is one INSERT of the conclusions that do not hold yet into the
inferred graph, with a derivation (rule, round, conclusions, premises) per
solution into the explanation graph. No data comes back to the client but one
count per round. Statement IRIs are computed in SPARQL exactly as
`kg.reasoning.engine.statement_iri` does in Python, so `kg.explain` finds them the
same way on both stores.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any, cast

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable

from ..errors import ReasoningError, RemoteError
from ..i18n import N_
from ..iris import DERIVATION, EXPLANATION_GRAPH, GENID, INFERRED_GRAPH, RDF, STATEMENT, XSD
from ..progress import Progress
from ..stores.base import GraphStore
from ..stores.layout import asserted_graphs
from ..vocab import CLASH_BASE, RG
from .engine import Reasoner, ReasonReport
from .rules import Rule


def _nt_expr(var: str) -> str:
    """SPARQL expression for the N-Triples form of ?var as pyoxigraph prints it (skolem IRIs
    as the blank nodes they stand for), so that statement IRIs minted in the store equal
    kg.reasoning.statement_iri.

    Literals are not escaped: stores disagree on backslashes in REPLACE's replacement
    text (XPath reads `\\\\` as one backslash, Oxigraph as two). For a literal with a quote,
    a backslash or a control character the IRI therefore differs, and kg.explain finds
    such a statement by its subject, predicate and object instead.
    """
    v = f"?{var}"
    return (f'IF(isIRI({v}), IF(STRSTARTS(STR({v}), "{GENID}"), CONCAT("_:", STRAFTER(STR({v}), "{GENID}")), '
            f'CONCAT("<", STR({v}), ">")), CONCAT("\\"", STR({v}), "\\"", IF(LANG({v}) != "", '
            f'CONCAT("@", LCASE(LANG({v}))), IF(DATATYPE({v}) = <{XSD}string>, "", '
            f'CONCAT("^^<", STR(DATATYPE({v})), ">")))))')


def _const_nt(term: Any) -> str:
    """The N-Triples form of a constant of a rule, as a SPARQL string literal."""
    if isinstance(term, URIRef):
        text = str(ox.NamedNode(str(term)))
    elif isinstance(term, Literal):
        if term.language:
            text = str(ox.Literal(str(term), language=term.language))
        elif term.datatype:
            text = str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
        else:
            text = str(ox.Literal(str(term)))
    else:
        raise TypeError(term)
    return json.dumps(text, ensure_ascii=False)


def _rule_term(term: Any) -> str | None:
    """A rule pattern's term in SPARQL syntax; None for blank nodes (they are skipped, as
    the embedded reasoner skips them)."""
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, BNode):
        return None
    raise TypeError(term)


_CLASH = Variable("__clash")


def _nt_of(term: Any) -> str:
    if term == _CLASH:
        # The clash IRI is minted from ?__ckey: its N-Triples form is written from the key, so
        # that Virtuoso, which inlines a BIND's expression at each use, does not repeat the hash
        # of every node in each IF branch of _nt_expr (its code vector overflows otherwise).
        return f'CONCAT("<{CLASH_BASE}", ?__ckey, ">")'
    return _nt_expr(str(term)) if isinstance(term, Variable) else _const_nt(term)


def _statement_expr(pattern: tuple[Any, Any, Any]) -> str:
    s, p, o = (_nt_of(t) for t in pattern)
    return (f'IRI(CONCAT("{STATEMENT}", '
            f'SUBSTR(SHA1(CONCAT({s}, " ", {p}, " ", {o})), 1, 24)))')


_TYPE_TEST = re.compile(r"\b(isIRI|isURI|isBlank)\s*\(\s*([?$][A-Za-z_][A-Za-z0-9_]*)\s*\)", re.IGNORECASE)


def _skolem_aware(body: str) -> str:
    """Rule text with isIRI/isURI/isBlank of a variable treating skolem IRIs as blank nodes."""
    def sub(m: re.Match[str]) -> str:
        fn, var = m.group(1).lower(), "?" + m.group(2)[1:]
        genid = f'STRSTARTS(STR({var}), "{GENID}")'
        if fn == "isblank":
            return f"(isBlank({var}) || (isIRI({var}) && {genid}))"
        return f"(isIRI({var}) && !{genid})"
    return _TYPE_TEST.sub(sub, body)


def _named_blanks(template: str) -> str:
    """A template's blank nodes (`_:clash`) as variables, to test whether it already holds."""
    return re.sub(r"_:([A-Za-z][A-Za-z0-9_]*)", r"?__blank_\1", template)


def clash_nodes(rule: Any) -> list[str]:
    """The variables a clash rule names as the clash's nodes, in name order."""
    return sorted({str(t) for p in rule.conclusions for t in p if isinstance(t, Variable)})


def _sparql_term(term: Any) -> str:
    """A solution's term in SPARQL syntax (a blank node as the skolem IRI the store keeps)."""
    if isinstance(term, ox.BlankNode):
        return f"<{GENID}{term.value}>"
    return str(term)


def clash_values(rule: Any, rows: Iterable[Any]) -> str:
    """A VALUES block binding each solution's clash nodes to the clash IRI the embedded
    reasoner mints for them (kg.reasoning.engine._mint: from the sorted node values, which
    SPARQL cannot sort), with its key."""
    nodes = clash_nodes(rule)
    lines = []
    for row in rows:
        values = sorted({_nt_text(v) for n in nodes if (v := row[n]) is not None})
        key = f"{rule.id}/" + hashlib.sha1(" ".join(values).encode()).hexdigest()[:24]
        cells = " ".join("UNDEF" if row[n] is None else _sparql_term(row[n]) for n in nodes)
        lines.append(f'({cells} "{key}" <{CLASH_BASE}{key}>)')
    names = " ".join(f"?{n}" for n in nodes)
    return f"VALUES ({names} ?__ckey ?__clash) {{\n    " + "\n    ".join(lines) + "\n  }"


def _nt_text(term: Any) -> str:
    """A term as pyoxigraph prints it, a skolem IRI as the blank node it stands for."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(GENID):
        return "_:" + term.value[len(GENID):]
    return str(term)


def rule_update(rule: Any, round_no: int, graphs: list[str], inferred: str, explanations: str,
                *, record: bool = True, clashes: str = "") -> str:
    """The SPARQL Update that applies `rule` once inside the store, with derivations unless
    `record` is false; for a clash rule, `clashes` is the VALUES block of its clash IRIs."""
    binds: list[str] = []
    rule_conclusions = list(rule.conclusions)
    if rule.kind == "clash":
        # The clash a clash rule names (`_:clash`) gets a stable IRI from the rule and its nodes,
        # as the embedded reasoner mints it (there from the nodes in sorted order).
        if clashes:
            binds.append(clashes)
        else:  # nodes in name order: the same IRI as the embedded one when they are in sorted order
            key = ', " ", '.join(f'COALESCE({_nt_expr(v)}, "")' for v in clash_nodes(rule)) or '""'
            binds.append(f'BIND(CONCAT("{rule.id}/", SUBSTR(SHA1(CONCAT({key})), 1, 24)) AS ?__ckey)')
            binds.append(f'BIND(IRI(CONCAT("{CLASH_BASE}", ?__ckey)) AS ?__clash)')
        rule_conclusions = [tuple(_CLASH if isinstance(t, BNode) else t for t in p)
                            for p in rule.conclusions]
    conclusions = [p for p in rule_conclusions if all(_rule_term(t) is not None for t in p)]
    premises = [p for p in dict.fromkeys(rule.premises) if all(_rule_term(t) is not None for t in p)]
    inf_lines: list[str] = []
    exp_lines = [(f"?__d a <{RG.Derivation}> ; <{RG.usedRule}> <{rule.iri}> ; "
                  f'<{RG.round}> "{round_no}"^^<{XSD}integer> .')]

    def statement(node: str, pattern: tuple[Any, Any, Any]) -> None:
        s, p, o = (_rule_term(t) for t in pattern)
        exp_lines.append(f"{node} a <{RDF}Statement> ; <{RDF}subject> {s} ; <{RDF}predicate> {p} ; "
                         f"<{RDF}object> {o} .")

    for k, pattern in enumerate(conclusions):
        s, p, o = (_rule_term(t) for t in pattern)
        if _CLASH in pattern:
            # A new clash's statements hold nowhere yet (the template's FILTER NOT EXISTS below
            # passes only then), and Virtuoso rejects a computed IRI in an EXISTS pattern
            # (SP031 "field is neither variable nor literal").
            binds.append(f"BIND({s} AS ?__s{k})")
        else:
            # only conclusions that do not hold yet: the subject is left unbound otherwise
            binds.append(f"BIND(IF(EXISTS {{ {s} {p} {o} }}, ?__none, {s}) AS ?__s{k})")
        inf_lines.append(f"?__s{k} {p} {o} .")
        if not record:
            continue
        binds.append(f"BIND(IF(BOUND(?__s{k}), {_statement_expr(pattern)}, ?__none) AS ?__c{k})")
        exp_lines.append(f"?__d <{RG.conclusion}> ?__c{k} .")
        statement(f"?__c{k}", pattern)
    for k, pattern in enumerate(premises if record else []):
        s, p, o = (_rule_term(t) for t in pattern)
        binds.append(f"BIND(IF(EXISTS {{ {s} {p} {o} }}, {_statement_expr(pattern)}, ?__none) AS ?__p{k})")
        exp_lines.append(f"?__d <{RG.premise}> ?__p{k} .")
        statement(f"?__p{k}", pattern)
    variables = sorted({t for p in [*conclusions, *premises] for t in p if isinstance(t, Variable)}, key=str)
    parts = ", ".join(f'COALESCE({_nt_of(v)}, "")' for v in variables) or '""'
    if record:
        binds.append(f'BIND(IRI(CONCAT("{DERIVATION}", SUBSTR(SHA1(CONCAT('
                     f'"{rule.id}|{round_no}|", {parts})), 1, 24))) AS ?__d)')
    using = "\n".join(f"USING <{g}>" for g in graphs)
    nl = "\n"
    explained = f"  GRAPH <{explanations}> {{\n    {(nl + '    ').join(exp_lines)}\n  }}\n" if record else ""
    return (f"{rule.prefixes}\n"
            f"INSERT {{\n  GRAPH <{inferred}> {{\n    {(nl + '    ').join(inf_lines)}\n  }}\n"
            f"{explained}}}\n"
            f"{using}\nWHERE {{\n  {{ {_skolem_aware(rule.body_text)} }}\n"
            f"  FILTER NOT EXISTS {{ {_named_blanks(rule.template_text)} }}\n  {(nl + '  ').join(binds)}\n}}")


class InStoreReasoner(Reasoner):
    """The reasoner's fixpoint loop, each rule run as one SPARQL Update in the remote store."""

    # A remote store may not know RDF 1.2 (Virtuoso does not): its derivations name each
    # premise and conclusion by an rdf:Statement node, minted in SPARQL as `statement_iri` does.
    triple_terms = False

    def __init__(self, store: GraphStore, rules: list[Rule], *, unrecorded: frozenset[str] = frozenset()) -> None:
        # `unrecorded`: the axiom rules kg.explain re-derives, as the embedded reasoner leaves
        # them unrecorded too, so that both stores explain a conclusion by the same derivation.
        super().__init__(store, rules, unrecorded=unrecorded)
        # The same rules as the embedded reasoner, but equality as the rule tables write it
        # (eq-sym, eq-trans, eq-rep-*: a remote store cannot rewrite to canonical
        # representatives without deleting asserted triples); eq-ref, which would state
        # `x owl:sameAs x` of every node, is left implicit as there.
        self.rules = [r for r in rules if r.unroll is None and r.id != "eq-ref"]
        self.graphs = [*asserted_graphs(store), ox.NamedNode(INFERRED_GRAPH)]
        self._unrecorded_fired: dict[str, int] = {}

    def _list_clock(self, prop: str) -> tuple[int, ...] | None:
        return None  # each rule is an update in the remote store, which keeps no change keys: ask each round

    def _select_rows(self, text: str) -> Iterable[Any]:
        """A SELECT's solutions over the store's asserted and inferred graphs."""
        return cast(Iterable[Any], self.store.query(text, default_graph=list(self.graphs)))

    def _select(self, text: str) -> list[dict[str, Any]]:
        solutions = self.store.query(text)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    def _count(self, graph: str) -> int:
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0

    def apply(self, rule: Rule, round_no: int) -> int:
        record = not (rule.id in self.unrecorded and rule.ground_template)
        graphs = [g.value for g in self.graphs]
        clashes = ""
        if rule.kind == "clash":
            # Clashes are rare: their nodes come back, to be named as the embedded reasoner names them.
            names = " ".join(f"?{n}" for n in clash_nodes(rule))
            rows = list(self.store.query(
                f"{rule.prefixes}\nSELECT DISTINCT {names} WHERE {{ {{ {_skolem_aware(rule.body_text)} }} "
                f"FILTER NOT EXISTS {{ {_named_blanks(rule.template_text)} }} }}", default_graph=list(self.graphs)))
            if not rows:
                return 0
            clashes = clash_values(rule, rows)
        text = rule_update(rule, round_no, graphs, INFERRED_GRAPH, EXPLANATION_GRAPH, record=record, clashes=clashes)
        pragma = self.store.traits.keep_join_order
        if pragma:
            # Rules are written schema patterns first. Virtuoso's planner, on a fresh
            # database, may start from `?x ?p ?y` instead and take minutes (prp-spo2:
            # 76 s instead of 0.5 s); keep the written order.
            text = pragma + "\n" + text
        before = 0 if record else self._count(INFERRED_GRAPH)
        try:
            self.store.update(text)
        except RemoteError as exc:
            raise ReasoningError(N_("rule '{id}' failed in the remote store: {text}"),
                                 file=str(rule.path), hint=exc.hint or N_("check the rule's SPARQL"), params={"id": rule.id, "text": exc.message}) from exc
        if not record:  # no derivations to count it by in run(): count what it added
            added = self._count(INFERRED_GRAPH) - before
            if added:
                self._unrecorded_fired[rule.id] = self._unrecorded_fired.get(rule.id, 0) + added
        return 0  # counted per round, by apply_round

    def apply_round(self, rules: list[Rule], round_no: int) -> int:
        before = self._count(INFERRED_GRAPH)
        for rule in rules:
            self.apply(rule, round_no)
        return self._count(INFERRED_GRAPH) - before

    def run(self, progress: Progress | None = None, *, keep_explanations: bool = False) -> ReasonReport:
        report = super().run(progress, keep_explanations=keep_explanations)
        report.inferred = self._count(INFERRED_GRAPH)
        rows = self._select(
            f"SELECT ?rule (COUNT(DISTINCT ?st) AS ?n) WHERE {{ GRAPH <{EXPLANATION_GRAPH}> {{ "
            f"?d <{RG.usedRule}> ?rule ; <{RG.conclusion}> ?st }} }} GROUP BY ?rule")
        report.fired = {r["rule"].value.rsplit("/", 1)[-1]: int(r["n"].value) for r in rows}
        report.fired.update(self._unrecorded_fired)
        rows = self._select(f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <{EXPLANATION_GRAPH}> "
                                  f"{{ ?d a <{RG.Derivation}> }} }}")
        report.derivations = int(rows[0]["n"].value) if rows else 0
        return report

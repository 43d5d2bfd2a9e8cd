"""Inference rules as data: SPARQL CONSTRUCT files with a `#+ ` YAML header.

A rule file looks like

    #+ title: taking a role reserved for another team is a team crossing
    #+ description: ...
    #+ kind: interaction-order        (or: axiom, classification)
    #+ scope: case                     (or: store, for a rule that compares across cases)
    PREFIX rg: <https://w3id.org/rolegraph/ontology#>
    CONSTRUCT { ?claim a rg:TeamCrossing }
    WHERE { ... FILTER NOT EXISTS { ... } }

The loader reads the header strictly, parses the query, and keeps the
CONSTRUCT template (the conclusions) and the positive triple patterns of the
WHERE clause (the premises an explanation records). Users add rules by putting
such files in a directory given to `rolegraph reason --rules DIR` or in an
extension; no code changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rdflib.paths import Path as RdfPath
from rdflib.term import BNode, Literal, Node, URIRef, Variable

from ..errors import ReasoningError
from ..headers import RULE as RULE_HEADER
from ..headers import read as read_header
from ..i18n import N_
from ..iris import RDF_TYPE, RULE
from ..resources import data_dir
from ..sparql_text import group_after, keyword_at
from . import rule_cache

RULE_BASE = RULE
# `unroll: chain`: the file is the length-2 instance of a rule over an RDF list that builds a
# path (prp-spo2); the engine writes the instance for each list length the data has.
# `unroll: intersection`: the file is the general form of cls-int1 (a member of every class
# of the list, by double negation over `rdf:rest*/rdf:first`); the engine runs, instead, the
# plain join written for each list length the data has, twenty times as fast (docs/reasoning.md).
UNROLLS = ("chain", "intersection")
_OWL = "http://www.w3.org/2002/07/owl#"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# The property whose object is the list an `unroll` rule reads.
UNROLL_LISTS = {"chain": _OWL + "propertyChainAxiom", "intersection": _OWL + "intersectionOf"}

Pattern = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Rule:
    """One inference rule, parsed."""

    id: str
    title: str
    description: str
    kind: str
    path: Path
    prefixes: str
    template_text: str
    body_text: str
    conclusions: tuple[Pattern, ...]
    premises: tuple[Pattern, ...]
    scope: str = "case"
    # What the rule's WHERE clause reads: predicate IRIs, and `type|C` for `?x rdf:type C`;
    # None when a pattern has a variable predicate or a property path (it may read anything).
    reads: frozenset[str] | None = None
    # Keys (as in `reads`) that every solution needs a triple of: if the store has none, the
    # rule cannot fire and is skipped until one appears.
    needs: frozenset[str] = frozenset()
    # Semi-naive evaluation: the premises of a body that is a join of triple patterns and
    # filters (no UNION, OPTIONAL or positive EXISTS); None when the body is not of that form.
    # `static` are the keys its property paths read: when those change the rule runs in full.
    delta: tuple[Pattern, ...] | None = None
    static: frozenset[str] = frozenset()
    unroll: str | None = None
    titles: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # An instance of an `unroll` rule (the chain length of prp-spo2): it shares the rule's
    # id (derivations name the rule file) but is a rule of its own to the engine.
    instance: str = ""
    # `closed-by`: the id of a rule whose fixpoint leaves this rule nothing to conclude from
    # its own conclusions (cax-sco: scm-sco makes rdfs:subClassOf transitive; `Reasoner._closed`).
    closed_by: str = ""
    # `most-specific`: the id of a rule (cax-sco) that concludes the superclasses of this rule's
    # `?y rdf:type ?c`; the engine may then leave out the classes that are not the most specific
    # ones the schema premise gives (`Rule.class_premise`, `Reasoner._specific`).
    most_specific: str = ""

    @property
    def key(self) -> str:
        """What the engine keeps a rule's runs under: its id, and its instance if it is one."""
        return f"{self.id}/{self.instance}" if self.instance else self.id

    def title_in(self, lang: str) -> str:
        """The title in `lang` (English when the file has none in it)."""
        return self.titles.get(lang) or self.title

    @property
    def class_premise(self) -> Pattern | None:
        """For a `most-specific` rule: the premise that gives the class of its one conclusion
        `?y rdf:type ?c`, with a fixed predicate and a variable subject (`?p rdfs:range ?c`)."""
        if len(self.conclusions) != 1 or str(self.conclusions[0][1]) != RDF_TYPE:
            return None
        c = self.conclusions[0][2]
        found = [p for p in self.premises if p[2] == c and isinstance(p[0], Variable) and isinstance(p[1], URIRef)
                 and p[0] != c]
        return found[0] if isinstance(c, Variable) and len(found) == 1 else None

    @property
    def iri(self) -> URIRef:
        return URIRef(RULE_BASE + self.id)

    @property
    def ground_template(self) -> bool:
        """Whether the conclusions mint no blank nodes (each one is a plain triple to add)."""
        return not any(isinstance(t, BNode) for p in self.conclusions for t in p)

    def construct_query(self, restrict: str = "") -> str:
        """The rule as a CONSTRUCT of the conclusions not yet known; `restrict`, a group joined
        with the body (the solutions the engine leaves out, `Reasoner._specific`)."""
        return (f"{self.prefixes}\nCONSTRUCT {{ {self.template_text} }} WHERE {{\n{{ {restrict}{self.body_text} }}\n"
                f"FILTER NOT EXISTS {{ {self.template_text} }}\n}}")

    def derivation_query(self, bound: dict[str, str], limit: int | None = 50) -> str:
        """The rule's WHERE clause as a SELECT with variables bound to terms (in N-Triples
        syntax), to re-derive a conclusion; no limit when a blank node is left to check."""
        names = sorted(bound)
        values = ""
        if names:
            values = (f"VALUES ({' '.join('?' + n for n in names)}) "
                      f"{{ ({' '.join(bound[n] for n in names)}) }}\n")
        tail = f" LIMIT {limit}" if limit else ""
        return f"{self.prefixes}\nSELECT * WHERE {{\n{values}{{ {self.body_text} }}\n}}{tail}"

    def select_query(self, graphs: list[str] | None = None, premises: Iterable[Pattern] | None = None,
                     predicates: dict[str, list[str]] | None = None, restrict: str = "") -> str:
        """The rule's WHERE clause as a SELECT that skips conclusions already known; with
        `graphs`, only the solutions that use a triple of those graphs (semi-naive) as one
        of `premises` (by default any of `delta`); `predicates` may name, for a variable in
        the predicate position of a premise, the only IRIs it can take in such a solution;
        `restrict` as for `construct_query`."""
        return (f"{self.prefixes}\nSELECT * WHERE {{\n{self._where(graphs, premises, predicates, restrict)}\n"
                f"FILTER NOT EXISTS {{ {self.template_text} }}\n}}")

    def construct_query_delta(self, graphs: list[str], premises: Iterable[Pattern] | None = None,
                              predicates: dict[str, list[str]] | None = None, restrict: str = "") -> str:
        """The rule as a CONSTRUCT of the new conclusions from triples of `graphs` (as one
        of `premises`, by default any of `delta`; `predicates` and `restrict` as for `select_query`)."""
        return (f"{self.prefixes}\nCONSTRUCT {{ {self.template_text} }} WHERE {{\n"
                f"{self._where(graphs, premises, predicates, restrict)}\nFILTER NOT EXISTS {{ {self.template_text} }}\n}}")

    def _where(self, graphs: list[str] | None, premises: Iterable[Pattern] | None = None,
               predicates: dict[str, list[str]] | None = None, restrict: str = "") -> str:
        if graphs is None or self.delta is None:
            return f"{{ {restrict}{self.body_text} }}"
        values = " ".join(f"<{g}>" for g in graphs)
        branches = []
        for p in (self.delta if premises is None else premises):
            pin = ""
            allowed = None if predicates is None or not isinstance(p[1], Variable) else predicates.get(str(p[1]))
            if allowed is not None:
                # A premise whose predicate is a variable (`?x ?p ?y`) looks the new triples
                # up by the predicates it can have, rather than reading all to join on ?p after.
                if not allowed:
                    continue  # no new triple can match the premise in a solution
                pin = f"VALUES {sparql_term(p[1])} {{ {' '.join(f'<{x}>' for x in allowed)} }} "
            # One branch per premise: that premise from the new triples, the rest from all.
            branches.append(f"{{ VALUES ?__g {{ {values} }} {pin}GRAPH ?__g {{ {' '.join(sparql_term(t) for t in p)} }}\n"
                            f"{restrict}{self.body_text} }}")
        return "\nUNION\n".join(branches) if branches else "{ FILTER(false) }"


def sparql_term(term: Node) -> str:
    """A pattern's term as SPARQL text: `?name` for a variable, else its N-Triples form."""
    return f"?{term}" if isinstance(term, Variable) else term.n3()


def _bgp_triples(node: Any, out: list[Pattern]) -> None:
    """Positive triple patterns of an algebra tree (not those inside FILTER expressions)."""
    if not hasattr(node, "name"):
        return
    if node.name == "BGP":
        for t in node.triples:
            if not isinstance(t[1], RdfPath):
                out.append((t[0], t[1], t[2]))
        return
    for key in ("p", "p1", "p2"):
        child = node.get(key) if hasattr(node, "get") else None
        if child is not None:
            _bgp_triples(child, out)


def read_keys(p: Node, o: Node) -> list[str]:
    """The change keys a triple (or a pattern with these terms) stands for."""
    if str(p) == RDF_TYPE and not isinstance(o, (Variable, BNode)):
        return [RDF_TYPE, "type|" + str(o)]
    return [str(p)]


def _reads(node: Any, out: set[str]) -> bool:
    """Collect what every triple pattern anywhere in an algebra tree (filters included)
    reads; return False if some pattern can read anything."""
    if isinstance(node, (list, tuple)):
        return all(_reads(x, out) for x in node)
    if not hasattr(node, "name") or not hasattr(node, "items"):
        return True
    ok = True
    triples: list[Any] = []
    if node.name == "BGP":
        triples = list(node.triples)
    elif node.name == "TriplesBlock":  # (NOT) EXISTS graphs stay in parsed form
        for flat in node.triples:
            if len(flat) % 3:
                return False
            triples += [tuple(flat[i:i + 3]) for i in range(0, len(flat), 3)]
    if triples:
        for s, p, o in triples:
            if not isinstance(p, URIRef):  # a variable or a property path
                ok = False
            elif str(p) == RDF_TYPE and not isinstance(o, (Variable, BNode)):
                out.add("type|" + str(o))
            else:
                out.add(str(p))
    for key, value in node.items():
        if key != "triples" and not _reads(value, out):
            ok = False
    return ok


def _names(node: Any, out: set[str]) -> None:
    """Every algebra node name in a tree (filter expressions included)."""
    if isinstance(node, (list, tuple)):
        for x in node:
            _names(x, out)
        return
    if not hasattr(node, "name") or not hasattr(node, "items"):
        return
    out.add(node.name)
    for key, value in node.items():
        if key != "triples":
            _names(value, out)


def _needs(node: Any, out: set[str]) -> None:
    """The keys of the triple patterns every solution of the tree matches."""
    if not hasattr(node, "name"):
        return
    if node.name == "BGP":
        for s, p, o in node.triples:
            if isinstance(p, URIRef):
                out.add(read_keys(p, o)[-1])
        return
    if node.name in ("Join", "Filter", "Extend", "Project", "Distinct", "ToMultiSet"):
        for key in ("p", "p1", "p2"):
            child = node.get(key)
            if child is not None:
                _needs(child, out)
    elif node.name in ("LeftJoin", "Minus"):
        _needs(node.get("p1"), out)


_JOIN_ONLY = {"Join", "Filter", "Extend", "Project", "BGP", "ToMultiSet", "values", "Builtin_NOTEXISTS",
              "TriplesBlock", "GroupGraphPatternSub"}


def _double_negation(node: Any, inside: bool = False) -> bool:
    """Whether a NOT EXISTS holds another one (a positive condition in disguise)."""
    if isinstance(node, (list, tuple)):
        return any(_double_negation(x, inside) for x in node)
    if not hasattr(node, "name") or not hasattr(node, "items"):
        return False
    if node.name == "Builtin_NOTEXISTS":
        if inside:
            return True
        inside = True
    return any(_double_negation(v, inside) for k, v in node.items() if k != "triples")


def _delta(algebra: Any, premises: list[Pattern], body: str,
           declared: bool = False) -> tuple[tuple[Pattern, ...] | None, frozenset[str]]:
    """The premises to evaluate semi-naively and the keys read by property paths, or None
    when the body is more than a join (see `Rule.delta`). `declared`: the rule file says
    (`#+ semi-naive: premises`) that its nested negation gains solutions only through a
    new triple matching a positive premise."""
    names: set[str] = set()
    _names(algebra, names)
    # The parsed form of a filter's graph pattern drops nested filters, so read the text: a
    # positive EXISTS, or a NOT EXISTS inside another (a positive condition in disguise), can
    # gain solutions from new triples that no premise matches.
    text = re.sub(r"#[^\n]*", "", body)
    found = list(re.finditer(r"\b(NOT\s+)?EXISTS\b", text, re.IGNORECASE))
    if any(not m.group(1) for m in found):
        return None, frozenset()
    if not declared:
        if _double_negation(algebra):
            return None, frozenset()
        for m in found:
            group = group_after(text, None, m.end())
            if group and re.search(r"\bEXISTS\b", text[group[0]:group[1]], re.IGNORECASE):
                return None, frozenset()
    if any(n not in _JOIN_ONLY and not n.startswith(("Builtin_", "Relational", "Conditional", "Additive",
                                                     "Multiplicative", "Unary", "Function", "aggregate"))
           for n in names) or "Builtin_EXISTS" in names:
        return None, frozenset()
    if any(isinstance(t, BNode) for p in premises for t in p) or not premises:
        return None, frozenset()
    static: set[str] = set()

    def paths(node: Any) -> None:
        if isinstance(node, (list, tuple)):
            for x in node:
                paths(x)
            return
        if not hasattr(node, "name") or not hasattr(node, "items"):
            return
        if node.name == "BGP":
            for t in node.triples:
                if isinstance(t[1], RdfPath):
                    static.update(re.findall(r"<([^>]+)>", t[1].n3()))
        for key, value in node.items():
            if key != "triples":
                paths(value)
    paths(algebra)
    return tuple(dict.fromkeys(premises)), frozenset(static)


_PARSED: dict[Path, tuple[int, int, Rule]] = {}


def _has_service(node: Any) -> bool:
    """Whether an algebra tree holds a SERVICE pattern (anywhere, filters included)."""
    if isinstance(node, (list, tuple)):
        return any(_has_service(x) for x in node)
    if not hasattr(node, "name") or not hasattr(node, "items"):
        return False
    return node.name == "ServiceGraphPattern" or any(_has_service(v) for _, v in node.items())


def parse_rule(path: Path) -> Rule:
    """Read and check one rule file; parsed once per process while the file is unchanged,
    and taken from the persistent cache (`rule_cache`) when its text was parsed before."""
    key = path.absolute()  # not resolved: a rule file reached by two spellings is parsed twice
    stat = key.stat()
    cached = _PARSED.get(key)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        rule = cached[2]
        return rule if rule.path == path else replace(rule, path=path)
    text = path.read_text(encoding="utf-8")
    entry = rule_cache.entry_key(path.stem, text)
    hit = _decode_rule(rule_cache.read(entry), path)
    if hit is None:
        rule = _parse_rule(path, text)
        rule_cache.write(entry, _encode_rule(rule))
    else:
        rule = hit
    _PARSED[key] = (stat.st_mtime_ns, stat.st_size, rule)
    return rule


# The JSON form of a rule in the persistent cache: its fields but the path (the file's own,
# given on reading), terms as [kind, value(, datatype, language)].
def _encode_term(term: Node) -> list[str | None]:
    if isinstance(term, Variable):
        return ["v", str(term)]
    if isinstance(term, URIRef):
        return ["u", str(term)]
    if isinstance(term, BNode):
        return ["b", str(term)]
    if isinstance(term, Literal):
        return ["l", str(term), str(term.datatype) if term.datatype else None, term.language]
    raise TypeError(f"a rule pattern holds a term the cache cannot store: {term!r}")


def _decode_term(data: Any) -> Node:
    kind, value = data[0], data[1]
    if not isinstance(value, str):
        raise TypeError("a term's value must be text")
    if kind == "v":
        return Variable(value)
    if kind == "u":
        return URIRef(value)
    if kind == "b":
        return BNode(value)
    if kind == "l":
        # As written: the parser keeps a literal's lexical form ("01"), Literal would normalise it.
        return Literal(value, datatype=URIRef(data[2]) if data[2] else None, lang=data[3] or None,
                       normalize=False)
    raise ValueError(f"unknown term kind {kind!r}")


def _encode_patterns(patterns: tuple[Pattern, ...] | None) -> list[list[list[str | None]]] | None:
    return None if patterns is None else [[_encode_term(t) for t in p] for p in patterns]


def _decode_patterns(data: Any) -> tuple[Pattern, ...]:
    out: list[Pattern] = []
    for p in data:
        s, pr, o = (_decode_term(t) for t in p)
        out.append((s, pr, o))
    return tuple(out)


def _encode_rule(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "title": rule.title, "description": rule.description, "kind": rule.kind,
            "prefixes": rule.prefixes, "template_text": rule.template_text, "body_text": rule.body_text,
            "conclusions": _encode_patterns(rule.conclusions), "premises": _encode_patterns(rule.premises),
            "scope": rule.scope, "reads": None if rule.reads is None else sorted(rule.reads),
            "needs": sorted(rule.needs), "delta": _encode_patterns(rule.delta), "static": sorted(rule.static),
            "unroll": rule.unroll, "titles": rule.titles, "closed_by": rule.closed_by,
            "most_specific": rule.most_specific}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _decode_rule(data: dict[str, Any] | None, path: Path) -> Rule | None:
    """The rule a cache entry holds, or None when there is none or it is malformed."""
    if data is None:
        return None
    try:
        reads, unroll, titles = data["reads"], data["unroll"], data["titles"]
        if not isinstance(titles, dict) or (unroll is not None and unroll not in UNROLLS):
            return None
        rule = Rule(_text(data["id"]), _text(data["title"]), _text(data["description"]), _text(data["kind"]),
                    path, _text(data["prefixes"]), _text(data["template_text"]), _text(data["body_text"]),
                    _decode_patterns(data["conclusions"]), _decode_patterns(data["premises"]),
                    _text(data["scope"]), None if reads is None else frozenset(_text(r) for r in reads),
                    frozenset(_text(r) for r in data["needs"]),
                    None if data["delta"] is None else _decode_patterns(data["delta"]),
                    frozenset(_text(r) for r in data["static"]), unroll,
                    {_text(k): _text(v) for k, v in titles.items()}, closed_by=_text(data["closed_by"]),
                    most_specific=_text(data["most_specific"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return rule if rule.id == path.stem else None


def _parse_rule(path: Path, text: str) -> Rule:
    # Imported here: rdflib's SPARQL parser takes a quarter of a second to import, and a rule
    # found in the cache (`rule_cache`) needs none of it.
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    meta = read_header(path, RULE_HEADER, text).values
    try:
        parsed = translateQuery(parseQuery(text))
    except Exception as exc:  # pyparsing errors and friends
        line = getattr(exc, "lineno", None)
        raise ReasoningError(N_("the rule's SPARQL does not parse: {exc}"), file=str(path), line=line,
                             hint=N_("rules are SPARQL 1.1 CONSTRUCT queries"), params={"exc": exc}) from exc
    algebra = parsed.algebra
    if algebra.name != "ConstructQuery":
        raise ReasoningError(N_("a rule must be a CONSTRUCT query"), file=str(path),
                             hint=N_("write `CONSTRUCT { conclusion } WHERE { premises }`"))
    if _has_service(algebra.p):
        at = re.search(r"\bSERVICE\b", text, re.IGNORECASE)
        raise ReasoningError(N_("a rule cannot use SERVICE: reasoning reads the store and fetches nothing"),
                             file=str(path), line=text.count("\n", 0, at.start()) + 1 if at else None,
                             hint=N_("remove the SERVICE block; load the data it would fetch as a case file"))
    construct = keyword_at(text, "CONSTRUCT")
    template = group_after(text, "CONSTRUCT")
    assert construct is not None and template is not None  # the query parsed as a CONSTRUCT
    body = group_after(text, "WHERE", template[1] + 1) or group_after(text, None, template[1] + 1)
    if body is None:
        raise ReasoningError(N_("the rule has no WHERE group"), file=str(path),
                             hint=N_("write `CONSTRUCT { conclusion } WHERE { premises }`"))
    template_text, body_text = text[template[0]:template[1]], text[body[0]:body[1]]
    prefixes = "\n".join(line for line in text[:construct].splitlines()
                         if re.match(r"\s*(PREFIX|BASE)\b", line, re.IGNORECASE))
    premises: list[Pattern] = []
    _bgp_triples(algebra.p, premises)
    conclusions = tuple((t[0], t[1], t[2]) for t in algebra.template)
    reads: set[str] = set()
    bounded = _reads(algebra.p, reads)
    needs: set[str] = set()
    _needs(algebra.p, needs)
    delta, static = _delta(algebra.p, premises, body_text, meta.get("semi-naive") == "premises")
    rule_id = path.stem
    return Rule(rule_id, str(meta["title"]), str(meta["description"] or "").strip(),
                str(meta["kind"]), path, prefixes, template_text.strip(),
                body_text.strip(), conclusions, tuple(premises), str(meta["scope"]),
                frozenset(reads) if bounded else None, frozenset(needs), delta, static,
                meta.get("unroll"), {"da": str(meta["title@da"])} if meta.get("title@da") else {},
                closed_by=str(meta.get("closed-by") or ""), most_specific=str(meta.get("most-specific") or ""))


def chain_rule(rule: Rule, n: int) -> Rule:
    """The instance of an `unroll: chain` rule (prp-spo2) for chains of n properties."""
    lists = " ".join(f"?l{i} rdf:first ?q{i} ; rdf:rest {'?l' + str(i + 1) if i < n else 'rdf:nil'} ."
                     for i in range(1, n + 1))
    links = " ".join(f"?u{i - 1} ?q{i} ?u{i} ." for i in range(1, n + 1))
    body = f"?p owl:propertyChainAxiom ?l1 . {lists}\n{links}"
    template = f"?u0 ?p ?u{n}"
    u = [Variable(f"u{i}") for i in range(n + 1)]
    q = [Variable(f"q{i}") for i in range(1, n + 1)]
    premises = tuple((u[i], q[i], u[i + 1]) for i in range(n))
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    lst: list[Pattern] = [(Variable("p"), URIRef("http://www.w3.org/2002/07/owl#propertyChainAxiom"), Variable("l1"))]
    for i in range(1, n + 1):
        lst.append((Variable(f"l{i}"), URIRef(rdf + "first"), q[i - 1]))
        lst.append((Variable(f"l{i}"), URIRef(rdf + "rest"), Variable(f"l{i + 1}") if i < n else URIRef(rdf + "nil")))
    return replace(rule, body_text=body, template_text=template,
                   conclusions=((u[0], Variable("p"), u[n]),), premises=(*lst, *premises), reads=None,
                   needs=frozenset({"http://www.w3.org/2002/07/owl#propertyChainAxiom"}),
                   delta=(*lst, *premises), static=frozenset(), unroll=None, instance=str(n))


def intersection_rule(rule: Rule, n: int) -> Rule:
    """The instance of an `unroll: intersection` rule (cls-int1) for intersections of n
    classes: a join of the list's cells and one `?x rdf:type ?ci` per member, which a new type
    of `?x` enters semi-naively like any premise."""
    lists = " ".join(f"?l{i} rdf:first ?c{i} ; rdf:rest {'?l' + str(i + 1) if i < n else 'rdf:nil'} ."
                     for i in range(1, n + 1))
    types = " ".join(f"?x rdf:type ?c{i} ." for i in range(1, n + 1))
    x, c, typ = Variable("x"), Variable("c"), URIRef(RDF_TYPE)
    lst: list[Pattern] = [(c, URIRef(_OWL + "intersectionOf"), Variable("l1"))]
    for i in range(1, n + 1):
        lst.append((Variable(f"l{i}"), URIRef(_RDF_NS + "first"), Variable(f"c{i}")))
        lst.append((Variable(f"l{i}"), URIRef(_RDF_NS + "rest"),
                    Variable(f"l{i + 1}") if i < n else URIRef(_RDF_NS + "nil")))
    members: list[Pattern] = [(x, typ, Variable(f"c{i}")) for i in range(1, n + 1)]
    return replace(rule, body_text=f"?c owl:intersectionOf ?l1 . {lists}\n{types}", template_text="?x rdf:type ?c",
                   conclusions=((x, typ, c),), premises=(*lst, *members),
                   reads=frozenset({_OWL + "intersectionOf", _RDF_NS + "first", _RDF_NS + "rest", RDF_TYPE}),
                   needs=frozenset({_OWL + "intersectionOf"}), delta=(*lst, *members), static=frozenset(),
                   unroll=None, instance=str(n))


def unrolled_rule(rule: Rule, n: int) -> Rule:
    """The instance of an `unroll` rule for lists of n members."""
    return chain_rule(rule, n) if rule.unroll == "chain" else intersection_rule(rule, n)


def list_lengths(prop: str, query: Callable[[str], Iterable[Any]]) -> set[int]:
    """The lengths of the lists a store has as objects of `prop` (owl:propertyChainAxiom,
    owl:intersectionOf)."""
    rows = query("PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
                 f"SELECT ?l (COUNT(?m) AS ?n) WHERE {{ ?p <{prop}> ?l . "
                 "?l rdf:rest* ?m . ?m rdf:first ?x } GROUP BY ?l")
    return {int(r["n"].value) for r in rows}


def rule_dirs(extra: list[Path] | None = None) -> list[Path]:
    """The rule directories: the shipped OWL 2 RL and interaction-order rules, then extras."""
    base = data_dir("rules")
    return [base / "owl-rl", base / "order", base / "typology", *(extra or [])]


def load_rules(extra: list[Path] | None = None) -> list[Rule]:
    """All rules, axiom rules first; rule ids (file names) must be unique."""
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    for d in rule_dirs(extra):
        if not d.is_dir():
            raise ReasoningError(N_("no such rule directory: {d}"), hint=N_("check the --rules path"), params={"d": d})
        for f in sorted(d.rglob("*.rq")):
            rule = parse_rule(f)
            if rule.id in seen:
                raise ReasoningError(N_("two rules are named '{id}' ({value} and {f})"),
                                     file=str(f), hint=N_("rename one of the files"), params={"id": rule.id, "value": seen[rule.id], "f": f})
            seen[rule.id] = f
            rules.append(rule)
    return sorted(rules, key=lambda r: (r.kind not in ("axiom", "equality"),))

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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rdflib.paths import Path as RdfPath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import BNode, Node, URIRef, Variable

from ..errors import ReasoningError
from ..headers import RULE as RULE_HEADER
from ..headers import read as read_header
from ..iris import RDF_TYPE, RULE
from ..resources import data_dir
from ..sparql_text import group_after, keyword_at

RULE_BASE = RULE

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

    @property
    def iri(self) -> URIRef:
        return URIRef(RULE_BASE + self.id)

    @property
    def ground_template(self) -> bool:
        """Whether the conclusions mint no blank nodes (each one is a plain triple to add)."""
        return not any(isinstance(t, BNode) for p in self.conclusions for t in p)

    def construct_query(self) -> str:
        """The rule as a CONSTRUCT of the conclusions not yet known."""
        return (f"{self.prefixes}\nCONSTRUCT {{ {self.template_text} }} WHERE {{\n{{ {self.body_text} }}\n"
                f"FILTER NOT EXISTS {{ {self.template_text} }}\n}}")

    def derivation_query(self, bound: dict[str, str]) -> str:
        """The rule's WHERE clause as a SELECT with variables bound to terms (in N-Triples
        syntax), to re-derive a conclusion."""
        names = sorted(bound)
        values = ""
        if names:
            values = (f"VALUES ({' '.join('?' + n for n in names)}) "
                      f"{{ ({' '.join(bound[n] for n in names)}) }}\n")
        return f"{self.prefixes}\nSELECT * WHERE {{\n{values}{{ {self.body_text} }}\n}} LIMIT 50"

    def select_query(self) -> str:
        """The rule's WHERE clause as a SELECT that skips conclusions already known."""
        return (f"{self.prefixes}\nSELECT * WHERE {{\n{{ {self.body_text} }}\n"
                f"FILTER NOT EXISTS {{ {self.template_text} }}\n}}")


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


_PARSED: dict[Path, tuple[int, int, Rule]] = {}


def _has_service(node: Any) -> bool:
    """Whether an algebra tree holds a SERVICE pattern (anywhere, filters included)."""
    if isinstance(node, (list, tuple)):
        return any(_has_service(x) for x in node)
    if not hasattr(node, "name") or not hasattr(node, "items"):
        return False
    return node.name == "ServiceGraphPattern" or any(_has_service(v) for _, v in node.items())


def parse_rule(path: Path) -> Rule:
    """Read and check one rule file; parsed once per process while the file is unchanged."""
    key = path.resolve()
    stat = key.stat()
    cached = _PARSED.get(key)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        rule = cached[2]
        return rule if rule.path == path else replace(rule, path=path)
    rule = _parse_rule(path)
    _PARSED[key] = (stat.st_mtime_ns, stat.st_size, rule)
    return rule


def _parse_rule(path: Path) -> Rule:
    text = path.read_text(encoding="utf-8")
    meta = read_header(path, RULE_HEADER, text).values
    try:
        parsed = translateQuery(parseQuery(text))
    except Exception as exc:  # pyparsing errors and friends
        line = getattr(exc, "lineno", None)
        raise ReasoningError(f"the rule's SPARQL does not parse: {exc}", file=str(path), line=line,
                             hint="rules are SPARQL 1.1 CONSTRUCT queries") from exc
    algebra = parsed.algebra
    if algebra.name != "ConstructQuery":
        raise ReasoningError("a rule must be a CONSTRUCT query", file=str(path),
                             hint="write `CONSTRUCT { conclusion } WHERE { premises }`")
    if _has_service(algebra.p):
        at = re.search(r"\bSERVICE\b", text, re.IGNORECASE)
        raise ReasoningError("a rule cannot use SERVICE: reasoning reads the store and fetches nothing",
                             file=str(path), line=text.count("\n", 0, at.start()) + 1 if at else None,
                             hint="remove the SERVICE block; load the data it would fetch as a case file")
    construct = keyword_at(text, "CONSTRUCT")
    template = group_after(text, "CONSTRUCT")
    assert construct is not None and template is not None  # the query parsed as a CONSTRUCT
    body = group_after(text, "WHERE", template[1] + 1) or group_after(text, None, template[1] + 1)
    if body is None:
        raise ReasoningError("the rule has no WHERE group", file=str(path),
                             hint="write `CONSTRUCT { conclusion } WHERE { premises }`")
    template_text, body_text = text[template[0]:template[1]], text[body[0]:body[1]]
    prefixes = "\n".join(line for line in text[:construct].splitlines()
                         if re.match(r"\s*(PREFIX|BASE)\b", line, re.IGNORECASE))
    premises: list[Pattern] = []
    _bgp_triples(algebra.p, premises)
    conclusions = tuple((t[0], t[1], t[2]) for t in algebra.template)
    reads: set[str] = set()
    bounded = _reads(algebra.p, reads)
    rule_id = path.stem
    return Rule(rule_id, str(meta["title"]), str(meta["description"] or "").strip(),
                str(meta["kind"]), path, prefixes, template_text.strip(),
                body_text.strip(), conclusions, tuple(premises), str(meta["scope"]),
                frozenset(reads) if bounded else None)


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
            raise ReasoningError(f"no such rule directory: {d}", hint="check the --rules path")
        for f in sorted(d.rglob("*.rq")):
            rule = parse_rule(f)
            if rule.id in seen:
                raise ReasoningError(f"two rules are named '{rule.id}' ({seen[rule.id]} and {f})",
                                     file=str(f), hint="rename one of the files")
            seen[rule.id] = f
            rules.append(rule)
    return sorted(rules, key=lambda r: (r.kind != "axiom",))

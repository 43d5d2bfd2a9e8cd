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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rdflib.paths import Path as RdfPath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import BNode, Node, URIRef, Variable

from .errors import ReasoningError
from .resources import data_dir, header_lines

RULE_BASE = "https://w3id.org/rolegraph/rule/"
HEADER_KEYS = {"title", "description", "kind", "scope"}
KINDS = ("axiom", "interaction-order", "classification")
# `case`: the rule joins its premises through nodes of one case (all shipped rules do), so it
# can run on each case with the ontology, in time linear in the number of cases.
# `store`: the rule compares across cases (say, the same role in two cases) and runs on the
# whole store after the per-case fixpoint.
SCOPES = ("case", "store")

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


def _header(text: str, path: Path) -> tuple[dict[str, Any], int]:
    head = header_lines(text)
    if not head:
        raise ReasoningError("a rule file must open with a '#+ ' header", file=str(path), line=1,
                             hint="start with `#+ title: ...` and `#+ kind: axiom|interaction-order`")
    try:
        meta = yaml.safe_load("\n".join(head)) or {}
    except yaml.YAMLError as exc:
        raise ReasoningError(f"bad rule header: {exc}", file=str(path), line=1,
                             hint="the header is YAML behind '#+ '") from exc
    if not isinstance(meta, dict):
        raise ReasoningError("the rule header must be `key: value` lines", file=str(path), line=1)
    for key in meta:
        if key not in HEADER_KEYS:
            n = next((i for i, h in enumerate(head, 1) if h.startswith(f"{key}:")), 1)
            raise ReasoningError(f"unknown header field '{key}'", file=str(path), line=n,
                                 field=key, hint=f"rule headers have: {', '.join(sorted(HEADER_KEYS))}")
    if "title" not in meta:
        raise ReasoningError("the rule header needs a title", file=str(path), line=1, field="title",
                             hint="add `#+ title: what the rule concludes`")
    kind = meta.get("kind", "interaction-order")
    if kind not in KINDS:
        raise ReasoningError(f"unknown rule kind '{kind}'", file=str(path), line=1, field="kind",
                             hint=f"use one of: {', '.join(KINDS)}")
    scope = meta.get("scope", "case")
    if scope not in SCOPES:
        n = next((i for i, h in enumerate(head, 1) if h.startswith("scope:")), 1)
        raise ReasoningError(f"unknown rule scope '{scope}'", file=str(path), line=n, field="scope",
                             hint="use `case` (premises joined within one case) or `store` (compares across cases)")
    return meta, len(head)


def _braced(text: str, start: int) -> tuple[str, int]:
    """The text inside the brace block opening at or after `start`, and the index after it."""
    open_at = text.index("{", start)
    depth, i, in_str, in_iri = 0, open_at, "", False
    while i < len(text):
        c = text[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == in_str:
                in_str = ""
        elif in_iri:
            in_iri = c != ">"
        elif c in "\"'":
            in_str = c
        elif c == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", text[i:]):
            in_iri = True
        elif c == "#":
            i = text.index("\n", i) if "\n" in text[i:] else len(text)
            continue
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1:i], i + 1
        i += 1
    raise ValueError("unbalanced braces")


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


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


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


def parse_rule(path: Path) -> Rule:
    """Read and check one rule file."""
    text = path.read_text(encoding="utf-8")
    meta, _ = _header(text, path)
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
    m = re.search(r"\bCONSTRUCT\b", text, re.IGNORECASE)
    assert m is not None
    template_text, after = _braced(text, m.end())
    w = re.compile(r"\bWHERE\b", re.IGNORECASE).search(text, after)
    body_text, _ = _braced(text, w.end() if w else after)
    prefixes = "\n".join(line for line in text[:m.start()].splitlines()
                         if re.match(r"\s*(PREFIX|BASE)\b", line, re.IGNORECASE))
    premises: list[Pattern] = []
    _bgp_triples(algebra.p, premises)
    conclusions = tuple((t[0], t[1], t[2]) for t in algebra.template)
    reads: set[str] = set()
    bounded = _reads(algebra.p, reads)
    rule_id = path.stem
    return Rule(rule_id, str(meta["title"]), str(meta.get("description", "")).strip(),
                str(meta.get("kind", "interaction-order")), path, prefixes, template_text.strip(),
                body_text.strip(), conclusions, tuple(premises), str(meta.get("scope", "case")),
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

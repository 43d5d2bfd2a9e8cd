"""Ontology extensions: new role kinds, actor and context kinds, rules and queries for new cases.

An extension is a directory

    extensions/<name>/
        ontology.ttl     new roles (individuals of rg:Role that rg:specialises an existing role),
                         new classes (under a core class), each labelled in English and Danish
        rules/*.rq       optional interaction-order rules (see rules/order/)
        queries/*.rq     optional named queries (see queries/)

`build` picks up every extension under ./extensions and under the directories in
$ROLEGRAPH_EXTENSIONS, checks it, loads its ontology with the shipped one and
records it in the store, so `reason` applies its rules and `query` finds its queries.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from ..errors import CaseDataError, Problem
from ..i18n import N_
from ..iris import shorten
from ..vocab import RG
from .extension import Extension

_BUILTIN_NS = ("http://www.w3.org/", "http://purl.org/dc/", "http://xmlns.com/foaf/",
               "http://www.ontologydesignpatterns.org/")


def extension_places() -> str:
    """Where `find_extensions` looks, in words for hints: ./extensions and $ROLEGRAPH_EXTENSIONS."""
    env = os.environ.get("ROLEGRAPH_EXTENSIONS", "")
    shown = f"={env}" if env else " (not set)"
    return f"./extensions and the directories in $ROLEGRAPH_EXTENSIONS{shown}"


def find_extensions(extra: list[Path] | None = None) -> list[Extension]:
    """Extensions under ./extensions, $ROLEGRAPH_EXTENSIONS and `extra` (each a dir of extensions or one)."""
    roots: list[Path] = [Path("extensions")]
    env = os.environ.get("ROLEGRAPH_EXTENSIONS", "")
    roots += [Path(p) for p in env.split(os.pathsep) if p]
    roots += extra or []
    found: dict[Path, Extension] = {}
    for root in roots:
        if not root.is_dir():
            continue
        candidates = [root] if (root / "ontology.ttl").exists() else sorted(p for p in root.iterdir() if p.is_dir())
        for d in candidates:
            if (d / "ontology.ttl").exists():
                found.setdefault(d.resolve(), Extension(d.name, d.resolve()))
    return list(found.values())


def _line_of(text: str, term: URIRef) -> int:
    local = re.split(r"[/#]", str(term))[-1]
    rx = re.compile(re.escape(f"<{term}>") + r"|(?<![\w-])[\w-]*:" + re.escape(local) + r"(?![\w-])")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("#") and rx.search(line):
            return n
    return 1


def check_extension(ext: Extension, base: Graph, display: str | None = None) -> tuple[Graph, list[Problem]]:
    """Parse and check one extension against the ontology it extends; return its graph and problems."""
    display = display or str(ext.ontology)
    problems: list[Problem] = []
    g = Graph()
    text = ext.ontology.read_text(encoding="utf-8")
    try:
        g.parse(data=text, format="turtle")
    except Exception as exc:  # noqa: BLE001 - rdflib's parsers raise BadSyntax and many unrelated types
        line = getattr(exc, "lines", None)
        problems.append(Problem.of(display, (line + 1) if isinstance(line, int) else 1, "turtle",
                                N_("bad Turtle: {value}"),
                                N_("fix the Turtle syntax near that line"), value=str(getattr(exc, '_why', '') or exc).splitlines()[0]))
        return g, problems
    merged = base + g
    core_classes = {c for c in base.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    known_roles = set(base.subjects(RDF.type, RG.Role))

    def labelled(term: URIRef, what: str) -> None:
        langs = {lit.language for lit in g.objects(term, RDFS.label) if isinstance(lit, Literal)}
        missing = [lg for lg in ("en", "da") if lg not in langs]
        if missing:
            problems.append(Problem.of(display, _line_of(text, term), "rdfs:label",
                                    N_("{what} {short} has no label in {join}"),
                                    N_('add rdfs:label "..."@en , "..."@da'), what=what, short=_short(term), join=' and '.join(missing)))

    for role in sorted(set(g.subjects(RDF.type, RG.Role)) - known_roles, key=str):
        if not isinstance(role, URIRef):
            continue
        labelled(role, "role")
        parents = list(g.objects(role, RG.specialises))
        if not parents:
            problems.append(Problem.of(display, _line_of(text, role), "rg:specialises",
                                    N_("new role {short} must specialise an existing role"),
                                    N_("add rg:specialises role:co-creator (or another role; `rolegraph roles` lists "
                                       "them)"), short=_short(role)))
        for p in parents:
            if (p, RDF.type, RG.Role) not in merged:
                problems.append(Problem.of(display, _line_of(text, role), "rg:specialises",
                                        N_("{short} specialises {short2}, which is not a role"),
                                        N_("point rg:specialises at a role of the ontology or of this extension"), short=_short(role), short2=_short(p)))
    new_classes = sorted((c for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)
                          and c not in core_classes and not str(c).startswith(_BUILTIN_NS)), key=str)
    for cls in new_classes:
        labelled(cls, "class")
        if not _reaches(merged, cls, core_classes):
            problems.append(Problem.of(display, _line_of(text, cls), "rdfs:subClassOf",
                                    N_("new class {short} must sit under a core class"),
                                    N_("add rdfs:subClassOf rg:Actor, rg:SocialSituation, rg:Team, … (a class of "
                                       "ontology/core.ttl)"), short=_short(cls)))
    for term in set(g.subjects()) | set(g.predicates()) | set(g.objects()):
        if isinstance(term, URIRef) and str(term).startswith(str(RG)) and (term, None, None) not in base \
                and (None, None, term) not in base and (None, term, None) not in base:
            problems.append(Problem.of(display, _line_of(text, term), _short(term),
                                    N_("{short} is not a term of the rolegraph ontology"),
                                    N_("an extension defines its own terms in its own namespace"), short=_short(term)))
    return g, problems


def _reaches(g: Graph, cls: URIRef, core: set[URIRef]) -> bool:
    seen: set[URIRef] = set()
    todo = [cls]
    while todo:
        c = todo.pop()
        for sup in g.objects(c, RDFS.subClassOf):
            if not isinstance(sup, URIRef) or sup in seen:
                continue
            if sup in core and str(sup).startswith(str(RG)):
                return True
            seen.add(sup)
            todo.append(sup)
    return False


def _short(term: object) -> str:
    return shorten(str(term))


def load_extensions(base: Graph, extensions: list[Extension]) -> Graph:
    """Check every extension; raise OntologyError listing all problems, else return their union."""
    union = Graph()
    problems: list[Problem] = []
    for ext in extensions:
        g, found = check_extension(ext, base + union, _display(ext.ontology))
        problems += found
        union += g
    if problems:
        raise CaseDataError(problems)
    return union


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

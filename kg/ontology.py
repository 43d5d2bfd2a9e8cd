"""The rolegraph ontology as a graph: its modules, shared roles and kinds.

Reads ontology/*.ttl (core, goffman, typology, roles, align and any extension
modules) and answers the questions the validator and compiler ask of it: which
roles exist, which classes of context exist, which terms the vocabulary has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.term import Node

from .cases.extensions import load_extensions
from .cases.orderkinds import display_path, kinds_graph, load_kinds
from .cases.packed import rdflib_term
from .errors import CaseDataError, OntologyError
from .i18n import N_
from .resources import data_dir, files_state, ontology_files, shapes_file
from .vocab import BASE, RG, ROLE

RG_NS = BASE + "ontology#"


# Parsed Turtle files by path, kept while a file is unchanged (same mtime and size): a process
# that builds or validates many times (a notebook, the tests) parses each module once.
_PARSED: dict[Path, tuple[int, int, tuple[tuple[Node, Node, Node], ...], tuple[tuple[str, URIRef], ...]]] = {}


def parse_rdf_file(path: Path, graph: Graph) -> None:
    """Parse a Turtle file into `graph`, turning syntax errors into OntologyError."""
    key = path.resolve()
    stat = key.stat()
    cached = _PARSED.get(key)
    if cached is None or cached[:2] != (stat.st_mtime_ns, stat.st_size):
        # Oxigraph's Turtle parser, its triples made rdflib terms: a fifth of the time of
        # rdflib's own (the shipped modules: 0.025 against 0.135 CPU-s), in every build and
        # validation. Relative IRIs resolve against the file, as rdflib's would.
        try:
            parser = ox.parse(path=key, format=ox.RdfFormat.TURTLE, base_iri=key.as_uri())
            triples = tuple((rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object))
                            for q in parser)
        except OSError as exc:
            raise OntologyError(N_("cannot read the file: {value}"), file=str(path),
                                hint=N_("check that it exists and is readable"),
                                params={"value": exc.strerror or exc}) from exc
        except SyntaxError as exc:
            raise OntologyError(N_("cannot parse ontology module: {exc}"), file=str(path),
                                line=exc.lineno if isinstance(exc.lineno, int) else None,
                                hint=N_("fix the Turtle syntax at that line"), params={"exc": exc}) from exc
        prefixes = tuple((prefix, URIRef(iri)) for prefix, iri in parser.prefixes.items())
        cached = (stat.st_mtime_ns, stat.st_size, triples, prefixes)
        _PARSED[key] = cached
    for prefix, namespace in cached[3]:
        graph.bind(prefix, namespace)
    graph.addN((s, p, o, graph) for s, p, o in cached[2])


@dataclass
class Ontology:
    """The loaded ontology modules, with any extensions."""

    graph: Graph
    files: list[Path]
    extensions: list[Any] = field(default_factory=list)
    # kinds of interaction-order rule (rules/order-kinds.yaml and the extensions'), and where looked for
    order_kinds: dict[str, Any] = field(default_factory=dict)
    kinds_looked_in: tuple[str, ...] = ()

    @cached_property
    def roles(self) -> dict[str, URIRef]:
        """Shared roles by their local name (`co-creator` -> IRI)."""
        out: dict[str, URIRef] = {}
        for s in sorted(self.graph.subjects(RDF.type, RG.Role), key=lambda r: not str(r).startswith(str(ROLE))):
            if isinstance(s, URIRef):
                out.setdefault(_local(s), s)
        return out

    @cached_property
    def terms(self) -> set[URIRef]:
        """Every IRI the ontology declares in the rolegraph namespace."""
        return {s for s in self.graph.subjects() if isinstance(s, URIRef) and str(s).startswith(RG_NS)}

    def subclasses_of(self, cls: URIRef) -> set[URIRef]:
        """All named classes below `cls` (not including it)."""
        found: set[URIRef] = set()
        todo = [cls]
        while todo:
            c = todo.pop()
            for sub in self.graph.subjects(RDFS.subClassOf, c):
                if isinstance(sub, URIRef) and sub not in found:
                    found.add(sub)
                    todo.append(sub)
        return found

    @cached_property
    def context_kinds(self) -> dict[str, URIRef]:
        """Classes of social situation by local name, for a context's `kind:`."""
        out: dict[str, URIRef] = {}
        for c in self.subclasses_of(RG.SocialSituation):
            out[kebab(_local(c))] = c
            out[_local(c)] = c
        return out

    @cached_property
    def actor_kinds(self) -> dict[str, URIRef]:
        """Classes of actor by name, for an actor's `kind:` (person, organisation, group, or an extension's)."""
        kinds = {"person": RG.Person, "organisation": RG.Organisation, "group": RG.Group}
        for c in self.subclasses_of(RG.Actor):
            if c not in kinds.values() and c != RG.Team and not str(c).startswith(RG_NS):
                kinds.setdefault(kebab(_local(c)), c)
        return kinds

    def is_class(self, iri: URIRef) -> bool:
        return (iri, RDF.type, OWL.Class) in self.graph


def kebab(name: str) -> str:
    """CaseWork -> case-work: the form a class takes in a case file's `kind:`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def _local(term: URIRef) -> str:
    return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# The ontologies loaded in this process, by what they were read from (`_sources`): a process
# that builds, validates or reads a study many times (a notebook, the server, the tests)
# assembles the graph once while no file changes. At most a few are kept.
_LOADED: dict[tuple[Any, ...], Ontology] = {}
_KEEP = 4


def _sources(extensions: list[Any] | None) -> tuple[Any, ...]:
    """What a loaded ontology depends on: the files of the ontology, the rules (the kinds of
    order rule name them) and the extensions, as they are now, and how messages name them
    (relative to the working directory when they lie below it)."""
    roots = [data_dir("ontology"), data_dir("rules"), *(Path(e.path) for e in extensions or [])]
    here = Path.cwd().resolve()
    inside = str(here) if any(here.is_relative_to(r.resolve()) for r in roots) else ""
    return (tuple(display_path(r) for r in roots), inside, tuple(str(getattr(e, "name", "")) for e in extensions or []),
            files_state(roots))


def load_ontology(extensions: list[Any] | None = None) -> Ontology:
    """Load the ontology modules shipped with rolegraph and the given extensions (checked).

    Loaded once per process while its files are unchanged: the Ontology returned is shared,
    so callers read it and never change its graph."""
    key = _sources(extensions)
    loaded = _LOADED.get(key)
    if loaded is None:
        loaded = _load_ontology(extensions)
        if len(_LOADED) >= _KEEP:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = loaded
    return loaded


def _load_ontology(extensions: list[Any] | None) -> Ontology:
    g = Graph()
    files = ontology_files()
    for f in files:
        parse_rdf_file(f, g)
    if extensions:
        g += load_extensions(g, extensions)
    kinds = load_kinds(extensions)
    if kinds.problems:
        raise CaseDataError(kinds.problems)
    g += kinds_graph(kinds.kinds)
    return Ontology(g, files, list(extensions or []), kinds.kinds, tuple(kinds.looked_in))


def load_shapes() -> Graph:
    """The SHACL shapes case data must satisfy."""
    g = Graph()
    parse_rdf_file(shapes_file(), g)
    return g

"""Validation: read case files of any accepted format, check them, and compile them.

`load_cases(paths)` is the first stage of the pipeline. It reads YAML, Turtle,
TriG and JSON-LD case files, checks the YAML schema and references, checks
that RDF files use only terms the ontology defines, runs the SHACL shapes on
every case, and either returns the compiled case graphs or raises one
CaseDataError that lists every problem found, each at its file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyshacl import validate as shacl_validate
from rdflib import RDF, Dataset, Graph, Literal, URIRef

from ..errors import CaseDataError, Problem, UsageError
from ..iris import shorten
from ..ontology import RG_NS, Ontology, load_ontology, load_shapes
from ..progress import Progress
from ..progress import report as report_progress
from ..vocab import CASE_GRAPH_PREFIX, CASE_PREFIX, ONTOLOGY_GRAPH, RG, case_graph
from .compile import Triples, compile_case
from .extensions import extension_places, find_extensions
from .schema import did_you_mean, read_cases

YAML_SUFFIXES = (".yaml", ".yml")
RDF_FORMATS = {".ttl": "turtle", ".trig": "trig", ".jsonld": "json-ld", ".json-ld": "json-ld",
               ".nt": "nt", ".nq": "nquads"}
CASE_SUFFIXES = YAML_SUFFIXES + tuple(RDF_FORMATS)


@dataclass
class CaseSet:
    """Validated case data: one graph per named graph, and where each node came from."""

    graphs: dict[URIRef, Graph | Triples] = field(default_factory=dict)
    locations: dict[URIRef, tuple[str, int]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    rdf_graphs: set[URIRef] = field(default_factory=set)  # graphs read from RDF files, not YAML

    @property
    def case_ids(self) -> list[str]:
        return sorted(str(g)[len(CASE_GRAPH_PREFIX):] for g in self.graphs
                      if str(g).startswith(CASE_GRAPH_PREFIX))

    def triple_count(self) -> int:
        return sum(len(g) for g in self.graphs.values())


def display_path(path: Path) -> str:
    """How to name a file in messages: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def collect_files(paths: list[str | Path]) -> list[tuple[Path, str]]:
    """Expand files and directories into case files, each with the name to report it by."""
    if not paths:
        raise UsageError("no case files given", hint="name case files or directories, e.g. `cases/`")
    out: list[tuple[Path, str]] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"no such file or directory: {raw}", hint="check the path")
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in CASE_SUFFIXES
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            out.extend((f, display_path(f)) for f in found)
        elif p.suffix.lower() in CASE_SUFFIXES:
            out.append((p, display_path(p)))
        else:
            raise UsageError(f"{raw}: not a case file",
                             hint=f"case files end in {', '.join(CASE_SUFFIXES)}")
    if not out:
        raise UsageError("no case files found in " + ", ".join(str(p) for p in paths),
                         hint=f"case files end in {', '.join(CASE_SUFFIXES)}")
    return out


def _line_of(text: str, iri: URIRef) -> int:
    """Best-effort line of a node in an RDF file: the first non-comment line naming it."""
    local = re.split(r"[/#]", str(iri))[-1]
    patterns = [re.escape(f"<{iri}>")]
    if local:
        patterns.append(r"(?<![\w<-])[\w-]*:" + re.escape(local) + r"(?![\w-])")
        patterns.append(r'"@id"\s*:\s*"[^"]*' + re.escape(local) + '"')
    rx = re.compile("|".join(patterns))
    for n, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        if rx.search(line):
            return n
    return 1


def _read_rdf(path: Path, display: str, ontology: Ontology, problems: list[Problem],
              out: CaseSet) -> None:
    fmt = RDF_FORMATS[path.suffix.lower()]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(display, 1, "file", f"not UTF-8 text ({exc.reason})", "save as UTF-8"))
        return
    ds = Dataset()
    try:
        ds.parse(data=text, format=fmt)
    except Exception as exc:  # BadSyntax, JSONDecodeError, ValueError...
        line = getattr(exc, "lines", None)
        line = line + 1 if isinstance(line, int) else getattr(exc, "lineno", 1) or 1
        reason = str(getattr(exc, "_why", "") or getattr(exc, "msg", "") or exc).splitlines()[0]
        lang = {"turtle": "Turtle", "trig": "TriG", "json-ld": "JSON-LD"}.get(fmt, fmt)
        problems.append(Problem(display, int(line), fmt, f"bad {lang}: {reason}",
                                f"fix the {lang} syntax near that line"))
        return
    graphs: list[tuple[URIRef, Graph]] = []
    for g in ds.graphs():
        if len(g) == 0:
            continue
        name = g.identifier
        if name == ONTOLOGY_GRAPH:
            continue  # an export with --ontology: build loads the shipped ontology itself
        if name == ds.default_graph.identifier or not isinstance(name, URIRef):
            cases = [c for c in g.subjects(RDF.type, RG.Case) if str(c).startswith(CASE_PREFIX)]
            case_id = str(cases[0])[len(CASE_PREFIX):] if len(cases) == 1 else path.stem
            name = case_graph(case_id.split("/")[0])
        graphs.append((name, g))
    for name, g in graphs:
        for s, p, o in g:
            for term in (p, o) if p != RDF.type else (o,):
                if isinstance(term, URIRef) and str(term).startswith(RG_NS) and term not in ontology.terms:
                    local = str(term)[len(RG_NS):]
                    hint = did_you_mean(local, [str(t)[len(RG_NS):] for t in ontology.terms])
                    problems.append(Problem(display, _line_of(text, term), "rg:" + local,
                                            f"rg:{local} is not a term of the ontology",
                                            hint or "see ontology/core.ttl for the vocabulary"))
        target = out.graphs.setdefault(name, Graph())
        out.rdf_graphs.add(name)
        for t in g:
            target.add(t)
        for s in set(g.subjects()):
            if isinstance(s, URIRef):
                out.locations.setdefault(s, (display, _line_of(text, s)))


def _shacl(case_set: CaseSet, ontology: Ontology, problems: list[Problem], every: bool) -> None:
    """Check graphs against the SHACL shapes, all in one run (the ontology is mixed in once)."""
    names = [n for n in case_set.graphs if n != ONTOLOGY_GRAPH and (every or n in case_set.rdf_graphs)]
    if not names:
        return
    shapes = load_shapes()
    sh = "http://www.w3.org/ns/shacl#"
    if len(names) == 1:
        one = case_set.graphs[names[0]]
        union = one.graph() if isinstance(one, Triples) else one
    else:
        union = Graph()
        for name in names:
            for t in case_set.graphs[name]:
                union.add(t)
    conforms, report, _ = shacl_validate(union, shacl_graph=shapes, ont_graph=ontology.graph,
                                         inference="none", advanced=False, allow_warnings=True)
    if not conforms:
        seen: set[tuple[str, str]] = set()
        for result in report.subjects(RDF.type, URIRef(sh + "ValidationResult")):
            focus = report.value(result, URIRef(sh + "focusNode"))
            path = report.value(result, URIRef(sh + "resultPath"))
            msg = report.value(result, URIRef(sh + "resultMessage"))
            key = (str(focus), str(msg))
            if key in seen:
                continue
            seen.add(key)
            file, line = case_set.locations.get(focus, ("?", 1)) if isinstance(focus, URIRef) else ("?", 1)
            field_name = shorten(path) if path is not None else shorten(focus)
            text = str(msg) if isinstance(msg, Literal) else "violates a SHACL shape"
            problems.append(Problem(file, line, field_name, f"{shorten(focus)}: {text}",
                                    "see ontology/shapes.ttl for what this kind of node needs"))


def _check_kinds(cases: dict[str, Any], ontology: Ontology, problems: list[Problem]) -> None:
    """`kind:` of actors and contexts must name a class of the ontology or of an extension."""
    for case in cases.values():
        for rec in case.records():
            kinds = {"actor": ontology.actor_kinds, "context": ontology.context_kinds}.get(rec.kind)
            kind = rec.get("kind")
            if kinds is None or not isinstance(kind, str) or kind in kinds:
                continue
            hint = did_you_mean(kind, kinds) or (f"known kinds: {', '.join(sorted(kinds)) or '(none yet)'}; "
                                                 "an extension can add more (rolegraph new-extension); "
                                                 f"extensions are looked for in {extension_places()}")
            problems.append(Problem(rec.file, rec.line_of("kind"), f"{rec.path}.kind",
                                    f"unknown {rec.kind} kind '{kind}'", hint))


def _extension_places(ontology: Ontology) -> tuple[str, ...]:
    """Where extensions are looked for, for hints."""
    return (f"extensions are looked for in {extension_places()}",)


def load_cases(paths: list[str | Path], *, ontology: Ontology | None = None,
               shacl: bool | None = None, progress: Progress | None = None) -> CaseSet:
    """Read, check and compile case files; raise CaseDataError listing every problem.

    `shacl`: None (the default) checks the graphs read from RDF files against the
    SHACL shapes; YAML cases are checked by the case schema, field by field, and
    compile to graphs that conform to the shapes (tests/test_shapes.py). True
    checks every graph, False none."""
    files = collect_files(paths)
    if ontology is None:
        ontology = load_ontology(find_extensions())
    problems: list[Problem] = []
    out = CaseSet(files=[d for _, d in files])
    yaml_files = [(p, d) for p, d in files if p.suffix.lower() in YAML_SUFFIXES]
    rdf_files = [(p, d) for p, d in files if p.suffix.lower() in RDF_FORMATS]
    cases = read_cases(yaml_files, set(ontology.roles), problems, progress, ontology.order_kinds,
                       ontology.kinds_looked_in + _extension_places(ontology))
    _check_kinds(cases, ontology, problems)
    for i, (p, d) in enumerate(rdf_files, 1):
        _read_rdf(p, d, ontology, problems, out)
        report_progress(progress, "read RDF", i, len(rdf_files))
    if not problems:
        for i, case in enumerate(cases.values(), 1):
            report_progress(progress, "compile", i, len(cases))
            compiled = compile_case(case, context_kinds=ontology.context_kinds, actor_kinds=ontology.actor_kinds,
                                    roles=ontology.roles, order_kinds=ontology.order_kinds)
            name = case_graph(case.id)
            if name in out.graphs:  # the same case also given as RDF
                for t in compiled.graph:
                    out.graphs[name].add(t)
            else:
                out.graphs[name] = compiled.graph
            out.locations.update(compiled.locations)
    if not problems and shacl is not False:
        _shacl(out, ontology, problems, every=bool(shacl))
    if problems:
        raise CaseDataError(problems)
    return out

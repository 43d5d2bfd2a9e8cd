"""Validation: read case files of any accepted format, check them, and compile them.

`load_cases(paths)` is the first stage of the pipeline. It reads YAML, Turtle,
TriG and JSON-LD case files, checks the YAML schema and references, checks
that RDF files use only terms the ontology defines, runs the SHACL shapes on
every case, and either returns the compiled case graphs or raises one
CaseDataError that lists every problem found, each at its file and line.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef

from ..errors import CaseDataError, Msg, Problem, UsageError
from ..i18n import N_
from ..iris import EXPLANATION_GRAPH, GRAPH_PREFIX, INFERRED_GRAPH, META, META_GRAPH, shorten
from ..ontology import RG_NS, Ontology, load_ontology, load_shapes
from ..progress import Progress
from ..progress import report as report_progress
from ..vocab import CASE_GRAPH_PREFIX, CASE_PREFIX, ONTOLOGY_GRAPH, RG, case_graph
from ..workers import Setup, Workers, state, worker_count
from .compile import Triples, compile_case
from .extensions import extension_places, find_extensions
from .limits import MAX_FILE_BYTES, MAX_TEXT
from .orderkinds import remember_rule_checks, rule_checks
from .packed import PackedTriples, ox_term
from .quotes import SourceText
from .schema import (
    Case,
    check_quotes,
    check_references,
    did_you_mean,
    group_cases,
    open_source,
    quote_problem,
    read_case_file,
    read_cases,
)
from .shape_messages import SHAPE_MESSAGES

YAML_SUFFIXES = (".yaml", ".yml")
RDF_FORMATS = {".ttl": "turtle", ".trig": "trig", ".jsonld": "json-ld", ".json-ld": "json-ld",
               ".nt": "nt", ".nq": "nquads"}
CASE_SUFFIXES = YAML_SUFFIXES + tuple(RDF_FORMATS)


@dataclass
class CaseSet:
    """Validated case data: one graph per named graph, and where each node came from."""

    graphs: dict[URIRef, Graph | Triples | PackedTriples] = field(default_factory=dict)
    locations: dict[URIRef, tuple[str, int]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    rdf_graphs: set[URIRef] = field(default_factory=set)  # graphs read from RDF files, not YAML
    sources: dict[str, list[URIRef]] = field(default_factory=dict)  # file -> the graphs it wrote to
    digests: dict[str, str] = field(default_factory=dict)  # file -> SHA-256 of its bytes
    setup: str = ""  # digest of what else the build depended on (`kg.incremental.setup_digest`)
    warnings: list[Problem] = field(default_factory=list)  # not errors: e.g. a source without a file

    @property
    def case_ids(self) -> list[str]:
        return sorted(str(g)[len(CASE_GRAPH_PREFIX):] for g in self.graphs
                      if str(g).startswith(CASE_GRAPH_PREFIX))

    def triple_count(self) -> int:
        return sum(len(g) for g in self.graphs.values())


# A YAML case's `file:` lines name the source texts its quotes are checked against. The pattern
# starts at `file:`, which the regex engine finds fast, and what comes before it on its line is
# checked apart: a pattern anchored at every line start took 0.55 s for 25 MB of cases.
_SOURCE_FILE = re.compile(rb"file:\s*['\"]?([^'\"#\r\n]+?)['\"]?\s*(?:#.*)?$", re.MULTILINE)
_BEFORE_FILE = re.compile(rb"\s*-?\s*")  # indentation and a list item's dash


def source_file_names(data: bytes) -> list[bytes]:
    """The `file:` values of a YAML case's text, in order (the lines `file: x` and `- file: x`)."""
    out, at = [], 0
    while (m := _SOURCE_FILE.search(data, at)) is not None:
        line = data.rfind(b"\n", 0, m.start()) + 1
        if _BEFORE_FILE.fullmatch(data, line, m.start()):
            out.append(m.group(1))
            at = m.end()
        else:  # not a `file:` key; its match may have run into the next line, which is looked at again
            at = m.start() + 1
    return out


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes and of the source texts it names (its quotes are checked
    against them): what an incremental build compares."""
    data = path.read_bytes()
    h = hashlib.sha256(data)
    if path.suffix.lower() in YAML_SUFFIXES:
        for name in source_file_names(data):
            source = path.parent / name.decode("utf-8", "replace").strip()
            h.update(b"\0" + name + b"\0")
            try:
                h.update(source.read_bytes() if source.is_file() else b"(missing)")
            except OSError:
                h.update(b"(unreadable)")
    return h.hexdigest()


def display_path(path: Path) -> str:
    """How to name a file in messages: relative to the working directory when it lies below it."""
    return _Namer()(path)


class _Namer:
    """`display_path` for many files: the working directory and each folder are resolved once,
    not once a file (resolving 2,000 files' paths took a third of a second)."""

    def __init__(self) -> None:
        self.inside = str(Path.cwd().resolve()).rstrip("/") + "/"
        self.folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> str:
        if path.is_symlink():
            real = path.resolve()
        else:  # a file that is not a link resolves to where its folder resolves, then its name
            folder = self.folders.get(path.parent)
            if folder is None:
                folder = self.folders[path.parent] = path.parent.resolve()
            real = folder / path.name
        below = str(real).removeprefix(self.inside)  # Path.relative_to, without its cost a file
        return below if below != str(real) else str(path)


def _case_files_in(folder: Path) -> list[Path]:
    """The case files below a folder, sorted, leaving out hidden files and folders (and not
    following links to folders, as `Path.rglob`)."""
    found = []
    for at, folders, files in os.walk(folder):
        folders[:] = [d for d in folders if not d.startswith(".")]
        base = folder if at == str(folder) else Path(at)
        found += [base / f for f in files if not f.startswith(".") and os.path.splitext(f)[1].lower() in CASE_SUFFIXES]
    return sorted(f for f in found if f.is_file())


def collect_files(paths: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """Expand files and directories into case files, each with the name to report it by."""
    if not paths:
        raise UsageError(N_("no case files given"), hint=N_("name case files or directories, e.g. `cases/`"))
    out: list[tuple[Path, str]] = []
    name = _Namer()
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(N_("no such file or directory: {raw}"), hint=N_("check the path"), params={"raw": raw})
        if p.is_dir():
            out.extend((f, name(f)) for f in _case_files_in(p))
        elif p.suffix.lower() in CASE_SUFFIXES:
            out.append((p, name(p)))
        else:
            raise UsageError(N_("{raw}: not a case file"),
                             hint=N_("case files end in {join}"), params={"raw": raw, "join": ', '.join(CASE_SUFFIXES)})
    if not out:
        raise UsageError(N_("no case files found in {paths}"), hint=N_("case files end in {join}"),
                         params={"paths": ", ".join(str(p) for p in paths), "join": ", ".join(CASE_SUFFIXES)})
    return out


_TOKEN = re.compile(r'<([^>\s]*)>|(?<![\w<-])[\w-]*:([\w-]+)(?![\w-])|"@id"\s*:\s*"([^"]*)"')
_OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "json-ld": ox.RdfFormat.JSON_LD,
               "nt": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS}
_FORMAT_NAMES = {"turtle": "Turtle", "trig": "TriG", "json-ld": "JSON-LD", "nt": "N-Triples", "nquads": "N-Quads"}
# The graphs a build writes itself; a case file that names them would forge the store's state.
_OWN_GRAPHS = {INFERRED_GRAPH: "inferred", EXPLANATION_GRAPH: "explanations", META_GRAPH: "meta"}
_RESERVED_GRAPH_PREFIX = GRAPH_PREFIX
_META_NS = META


class LineIndex:
    """Where each IRI (or local name) first appears in an RDF file: one pass over its lines,
    so that finding the line of every node stays linear in the file's size."""

    def __init__(self, text: str) -> None:
        self.iris: dict[str, int] = {}
        self.locals: dict[str, int] = {}
        for n, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            for m in _TOKEN.finditer(line):
                iri, local, at_id = m.groups()
                if iri is not None:
                    self.iris.setdefault(iri, n)
                elif local is not None:
                    self.locals.setdefault(local, n)
                else:
                    self.iris.setdefault(at_id, n)
                    self.locals.setdefault(re.split(r"[/#:]", at_id)[-1], n)

    def line_of(self, iri: object) -> int:
        """Best-effort line of a node: the first non-comment line naming it (1 if none)."""
        local = re.split(r"[/#]", str(iri))[-1]
        found = [n for n in (self.iris.get(str(iri)), self.locals.get(local) if local else None) if n]
        return min(found, default=1)


_REMOTE = object()  # what _parse_ox returns for a JSON-LD file whose @context must be fetched
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RdfTriple = tuple[Any, Any, Any]


class _Terms:
    """Oxigraph terms to rdflib ones, each IRI converted once."""

    def __init__(self) -> None:
        self.iris: dict[str, URIRef] = {}

    def __call__(self, term: Any) -> Any:
        if isinstance(term, ox.NamedNode):
            node = self.iris.get(term.value)
            if node is None:
                node = self.iris[term.value] = URIRef(term.value)
            return node
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=self(term.datatype))
        raise ValueError("RDF-star triple terms are not supported in case files")


def _parse_ox(text: str, fmt: str, display: str, allow_remote_context: bool,
              problems: list[Problem]) -> dict[Any, list[RdfTriple]] | object | None:
    """Read an RDF file with Oxigraph, the store's own parser (strict, and it fetches nothing):
    its triples by graph name (None for the default graph), or None after a problem.

    What passes here loads into the store; what does not is reported at its line."""
    lang = _FORMAT_NAMES[fmt]
    conv = _Terms()
    graphs: dict[Any, list[RdfTriple]] = {}
    try:
        for q in ox.parse(text.encode("utf-8"), format=_OX_FORMATS[fmt]):
            g = q.graph_name
            key = g.value if isinstance(g, ox.NamedNode) else None if isinstance(g, ox.DefaultGraph) else BNode(g.value)
            graphs.setdefault(key, []).append((conv(q.subject), conv(q.predicate), conv(q.object)))
    except SyntaxError as exc:
        message = str(exc.msg if isinstance(exc.msg, str) else exc).splitlines()[0]
        if "remote context" in message or "LoadDocumentCallback" in message:
            if allow_remote_context:
                return _REMOTE
            problems.append(Problem.of(display, _context_line(text), "@context",
                                    N_("the JSON-LD @context names a remote document; rolegraph fetches nothing"),
                                    N_("copy the context into the file, or pass --allow-remote-context to fetch it")))
            return None
        message = re.sub(r"^Parser error at line \d+ (between columns \d+ and \d+|column \d+): ", "", message)
        message = re.sub(r" \(<[^>]*>, line \d+\)$", "", message)
        problems.append(Problem.of(display, int(exc.lineno or 1), fmt, N_("bad {lang}: {text}"),
                                N_("fix the {lang} syntax near that line"), lang=lang, text=message))
        return None
    except (ValueError, OSError) as exc:
        problems.append(Problem.of(display, 1, fmt, N_("bad {lang}: {value}"),
                                N_("fix the {lang} syntax"), lang=lang, value=(str(exc).splitlines() or [repr(exc)])[0]))
        return None
    return graphs


def _parse_fetching(text: str, fmt: str, display: str, problems: list[Problem]) -> dict[Any, list[RdfTriple]] | None:
    """Read a JSON-LD file with rdflib, which fetches remote contexts (--allow-remote-context)."""
    ds = Dataset()
    try:
        ds.parse(data=text, format=fmt)
    except Exception as exc:  # noqa: BLE001 - JSONDecodeError, URLError, ValueError...
        reason = (str(getattr(exc, "msg", "") or exc).splitlines() or [repr(exc)])[0]
        problems.append(Problem.of(display, int(getattr(exc, "lineno", 1) or 1), fmt, N_("bad JSON-LD: {reason}"),
                                N_("fix the JSON-LD syntax near that line, or check the context's URL"), reason=reason))
        return None
    graphs: dict[Any, list[RdfTriple]] = {}
    for g in ds.graphs():
        key = None if g.identifier == ds.default_graph.identifier else (
            str(g.identifier) if isinstance(g.identifier, URIRef) else g.identifier)
        graphs.setdefault(key, []).extend(g)
    return graphs


def _context_line(text: str) -> int:
    at = text.find('"@context"')
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _line_of_literal(text: str, value: str, fallback: int) -> int:
    """Best-effort line of a literal in an RDF file: the first line holding its first words."""
    words = " ".join(value.split()[:4])
    if not words:
        return fallback
    for n, line in enumerate(text.splitlines(), start=1):
        if words in line and not line.lstrip().startswith("#"):
            return n
    return fallback


def _check_rdf_quotes(path: Path, display: str, text: str, lines: LineIndex,
                      graphs: list[tuple[URIRef, list[RdfTriple]]], problems: list[Problem],
                      warnings: list[Problem]) -> None:
    """Quotes of an RDF case file against `rg:fileName` of their source, resolved beside the file.

    A file name that does not resolve is a warning, not an error: an export keeps the
    names relative to the YAML case files it came from, which need not lie beside it."""
    sources: list[Any] = []
    file_names: dict[Any, str] = {}
    cited: dict[Any, Any] = {}
    quotes: list[tuple[Any, str]] = []
    for _, triples in graphs:
        for s, p, o in triples:
            if p == RDF.type and o == RG.SourceDocument:
                sources.append(s)
            elif p == RG.fileName:
                file_names[s] = str(o)
            elif p == RG.source:
                cited[s] = o
            elif p == RG.quote:
                quotes.append((s, str(o)))
    texts: dict[Any, tuple[SourceText, str]] = {}
    for src in dict.fromkeys(sources):
        # lines are looked up only for what is reported
        file = file_names.get(src)
        if file is None:
            warnings.append(Problem.of(display, lines.line_of(src), "rg:fileName",
                                    N_("source {shorten} has no rg:fileName, so its quotes are not checked"),
                                    N_("add rg:fileName with the path of the source's plain text, relative to this file"), shorten=shorten(str(src))))
            continue
        source, problem = open_source(path.parent / file, file, Problem(display, 0, "rg:fileName", ""))
        if source is not None:
            texts[src] = (source, file)
        if problem is not None:
            warnings.append(replace(problem, line=_line_of_literal(text, file, lines.line_of(src)),
                                    message=problem.message + "; its quotes are not checked"))
    for ev, quote in quotes:
        found = texts.get(cited.get(ev))
        if found is None:
            continue
        source, file_name = found
        if (problem := quote_problem(quote, source, file_name, Problem(display, 0, "rg:quote", ""))) is not None:
            problems.append(replace(problem, line=_line_of_literal(text, quote, lines.line_of(ev))))


def _read_rdf(path: Path, display: str, ontology: Ontology, problems: list[Problem],
              out: CaseSet, allow_remote_context: bool = False) -> None:
    fmt = RDF_FORMATS[path.suffix.lower()]
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Problem.of(display, 1, "file", N_("the file has {size:,} bytes (at most {MAX_FILE_BYTES:,})"),
                                    N_("split it into several files"), size=size, MAX_FILE_BYTES=MAX_FILE_BYTES))
            return
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem.of(display, 1, "file", N_("not UTF-8 text ({reason})"), N_("save as UTF-8"), reason=exc.reason))
        return
    except OSError as exc:
        problems.append(Problem.of(display, 1, "file", N_("cannot read the file: {value}"),
                                N_("check that it exists and is readable"), value=exc.strerror or exc))
        return
    parsed = _parse_ox(text, fmt, display, allow_remote_context, problems)
    fetched = parsed is _REMOTE
    if fetched:
        parsed = _parse_fetching(text, fmt, display, problems)
    if not isinstance(parsed, dict):
        return
    lines = LineIndex(text)
    graphs: list[tuple[URIRef, list[RdfTriple]]] = []
    for key, triples in parsed.items():
        if not triples:
            continue
        if key == str(ONTOLOGY_GRAPH):
            continue  # an export with --ontology: build loads the shipped ontology itself
        if isinstance(key, str) and key.startswith(_RESERVED_GRAPH_PREFIX) and not key.startswith(CASE_GRAPH_PREFIX):
            what = _OWN_GRAPHS.get(key, "reserved")
            problems.append(Problem.of(display, lines.line_of(key), "graph",
                                    N_("<{key}> is the store's own {what} graph; case files cannot write it"),
                                    N_("put the statements in the default graph or a case graph "
                                       "({CASE_GRAPH_PREFIX}<case id>)"), key=key, what=what, CASE_GRAPH_PREFIX=CASE_GRAPH_PREFIX))
            continue
        if isinstance(key, str):
            name = URIRef(key)
        else:  # the default graph (or a blank-node graph): the case it describes names it
            cases = {s for s, p, o in triples if p == RDF.type and o == RG.Case and str(s).startswith(CASE_PREFIX)}
            case_id = str(next(iter(cases)))[len(CASE_PREFIX):] if len(cases) == 1 else path.stem
            name = case_graph(case_id.split("/")[0])
        graphs.append((name, triples))
    out.sources[display] = sorted({name for name, _ in graphs}, key=str)
    _check_rdf_quotes(path, display, text, lines, graphs, problems, out.warnings)
    for name, triples in graphs:
        for s, p, o in triples:
            for term in (s, p, o):
                if isinstance(term, URIRef) and str(term).startswith(_META_NS):
                    problems.append(Problem.of(display, lines.line_of(term), "rg-meta",
                                            N_("<{term}> is a term of the store's own build record; case files cannot use it"), N_("remove the statement"), term=term))
            for term in (p, o) if p != RDF.type else (o,):
                if isinstance(term, URIRef) and str(term).startswith(RG_NS) and term not in ontology.terms:
                    local = str(term)[len(RG_NS):]
                    hint = did_you_mean(local, [str(t)[len(RG_NS):] for t in ontology.terms])
                    problems.append(Problem.of(display, lines.line_of(term), "rg:" + local,
                                            N_("rg:{local} is not a term of the ontology"),
                                            hint or N_("see ontology/core.ttl for the vocabulary"), local=local))
            if isinstance(o, Literal) and len(o) > MAX_TEXT:
                problems.append(Problem.of(display, lines.line_of(s), "literal",
                                        N_("a text of {n_o:,} characters (at most {MAX_TEXT:,})"),
                                        N_("shorten it, or cite the source with a locator instead"), n_o=len(o), MAX_TEXT=MAX_TEXT))
        if fetched:
            _check_terms(triples, display, lines, problems)  # not read by Oxigraph's parser
        target = out.graphs.setdefault(name, Triples())
        assert not isinstance(target, PackedTriples)  # YAML cases are added after the RDF files
        out.rdf_graphs.add(name)
        for t in triples:
            target.add(t)
        for s, _, _ in triples:
            if isinstance(s, URIRef) and s not in out.locations:
                out.locations[s] = (display, lines.line_of(s))


def _check_terms(triples: list[RdfTriple], display: str, lines: LineIndex, problems: list[Problem]) -> None:
    """Every term must be one the store accepts (what validates must build)."""
    for triple in triples:
        for term in triple:
            try:
                ox_term(term)
            except (ValueError, TypeError) as exc:
                problems.append(Problem.of(display, lines.line_of(triple[0]), "term",
                                        N_("{value!r} cannot be stored: {exc}"), N_("fix or remove it"), value=str(term)[:60], exc=exc))
                return


def _shacl(case_set: CaseSet, ontology: Ontology, problems: list[Problem], every: bool) -> None:
    """Check graphs against the SHACL shapes, all in one run (the ontology is mixed in once)."""
    names = [n for n in case_set.graphs if n != ONTOLOGY_GRAPH and (every or n in case_set.rdf_graphs)]
    if not names:
        return
    # Imported here: a third of a second, and YAML cases need no SHACL run.
    from pyshacl import validate as shacl_validate

    shapes = load_shapes()
    sh = "http://www.w3.org/ns/shacl#"
    # A graph of our own, so pySHACL may mix the ontology in place instead of cloning the data.
    union = Graph()
    for name in names:
        for t in case_set.graphs[name]:
            union.add(t)
    conforms, report, _ = shacl_validate(union, shacl_graph=shapes, ont_graph=ontology.graph, inplace=True,
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
            text = str(msg) if isinstance(msg, Literal) else SHAPE_MESSAGES[-1]  # said in Danish too: see shape_messages
            problems.append(Problem.of(file, line, field_name, N_("{shorten}: {text}"),
                                    N_("see ontology/shapes.ttl for what this kind of node needs"), shorten=shorten(focus), text=Msg(text)))


def _check_kinds(cases: dict[str, Any], ontology: Ontology, problems: list[Problem]) -> None:
    """`kind:` of actors and contexts must name a class of the ontology or of an extension."""
    for case in cases.values():
        for rec in case.records():
            kinds = {"actor": ontology.actor_kinds, "context": ontology.context_kinds}.get(rec.kind)
            kind = rec.get("kind")
            if kinds is None or not isinstance(kind, str) or kind in kinds:
                continue
            hint = did_you_mean(kind, kinds) or Msg(
                N_("known kinds: {kinds}; an extension can add more (rolegraph new-extension); "
                   "extensions are looked for in {places}"),
                kinds=", ".join(sorted(kinds)) or Msg(N_("(none yet)")), places=extension_places())
            problems.append(Problem.of(rec.file, rec.line_of("kind"), f"{rec.path}.kind",
                                    N_("unknown {kind} kind '{kind2}'"), hint, kind=rec.kind, kind2=kind))


def _extension_places(ontology: Ontology) -> tuple[str, ...]:
    """Where extensions are looked for, for hints."""
    return (f"extensions are looked for in {extension_places()}",)


# Below this many YAML files the cases are read in this process: starting a worker (a fresh
# interpreter that loads the ontology) costs more than it saves.
PARALLEL_FILES = 24
PRELOAD = (__name__,)  # what a worker imports as it starts


def worth_workers(yaml_files: int) -> bool:
    """Whether reading this many YAML files is worth worker processes."""
    return yaml_files >= PARALLEL_FILES and worker_count() > 1


def reads_in_workers(paths: Sequence[str | Path]) -> bool:
    """Whether `load_cases(paths)` is worth worker processes: a caller that will build from
    the same paths starts them early (`kg.workers.Workers`) and lends them to both stages."""
    return worth_workers(sum(1 for p, _ in collect_files(paths) if p.suffix.lower() in YAML_SUFFIXES))


def _compile(case: Case, ontology: Ontology) -> Any:
    return compile_case(case, context_kinds=ontology.context_kinds, actor_kinds=ontology.actor_kinds,
                        roles=ontology.roles, order_kinds=ontology.order_kinds)


@dataclass
class _FileResult:
    """What a worker hands back for one YAML file: its case id, problems and warnings, and
    (when it has none) its case compiled and packed, assuming the case has no other file."""

    case_id: str | None
    problems: list[Problem]
    warnings: list[Problem]
    packed: PackedTriples | None = None
    locations: dict[Any, tuple[str, int]] = field(default_factory=dict)


def _file_setup(extensions: list[Any], checks: dict[Path, tuple[int, int, bool, str | None]]) -> Ontology:
    """In a worker, once: the ontology the files are read with."""
    # the parent has parsed the kinds' rule files already: each worker would parse them again
    remember_rule_checks(checks)
    return load_ontology(extensions)


def _file_task(item: tuple[Path, str]) -> _FileResult:
    """In a worker: read, check and compile one YAML file as a case of its own."""
    ontology: Ontology = state()
    path, display = item
    problems: list[Problem] = []
    warnings: list[Problem] = []
    cf = read_case_file(path, display, problems, ontology.order_kinds,
                        ontology.kinds_looked_in + _extension_places(ontology))
    if cf is None:
        return _FileResult(None, problems, warnings)
    cases = group_cases([cf], problems)
    for case in cases.values():
        check_references(case, set(ontology.roles), problems, ontology.order_kinds,
                         ontology.kinds_looked_in + _extension_places(ontology))
        check_quotes(case, problems, warnings)
    _check_kinds(cases, ontology, problems)
    out = _FileResult(cf.case_id, problems, warnings)
    if not problems:
        compiled = _compile(cases[cf.case_id], ontology)
        out.packed = compiled.lines.packed()
        out.locations = compiled.locations
    return out


def _read_yaml_parallel(yaml_files: list[tuple[Path, str]], ontology: Ontology, problems: list[Problem],
                        out: CaseSet, progress: Progress | None, workers: Workers) -> Callable[[], None]:
    """Read, check and compile YAML files in worker processes, one file each; a case given in
    several files is read again here, as a whole. Returns what adds the compiled cases (packed)
    to `out`, to call when there are no problems."""
    results: list[_FileResult] = []
    setup = Setup.of(_file_setup, ontology.extensions, rule_checks())
    for i, r in enumerate(workers.imap(setup, _file_task, yaml_files, chunksize=4), 1):
        results.append(r)
        report_progress(progress, N_("read"), i, len(yaml_files))
    files_of = Counter(r.case_id for r in results if r.case_id is not None)
    whole = [f for f, r in zip(yaml_files, results) if r.case_id is not None and files_of[r.case_id] > 1]
    for r in results:
        if r.case_id is None or files_of[r.case_id] == 1:
            problems.extend(r.problems)
            out.warnings.extend(r.warnings)
    cases: dict[str, Case] = {}
    if whole:
        cases = read_cases(whole, set(ontology.roles), problems, None, out.warnings, ontology.order_kinds,
                           ontology.kinds_looked_in + _extension_places(ontology))
        _check_kinds(cases, ontology, problems)

    def add() -> None:
        for (_, display), r in zip(yaml_files, results):
            if r.case_id is None:
                continue
            name = case_graph(r.case_id)
            if r.packed is not None and files_of[r.case_id] == 1:
                _add_compiled(out, name, r.packed, r.locations, [display])
            elif (case := cases.pop(r.case_id, None)) is not None:
                compiled = _compile(case, ontology)
                _add_compiled(out, name, compiled.graph, compiled.locations, [f.display for f in case.files])
        results.clear()

    return add


def _read_yaml(yaml_files: list[tuple[Path, str]], ontology: Ontology, problems: list[Problem],
               out: CaseSet, progress: Progress | None) -> Callable[[], None]:
    """Read and check YAML files here; returns what compiles them into `out`."""
    cases = read_cases(yaml_files, set(ontology.roles), problems, progress, out.warnings, ontology.order_kinds,
                       ontology.kinds_looked_in + _extension_places(ontology))
    _check_kinds(cases, ontology, problems)

    def add() -> None:
        for i, case in enumerate(cases.values(), 1):
            report_progress(progress, N_("compile"), i, len(cases))
            compiled = _compile(case, ontology)
            _add_compiled(out, case_graph(case.id), compiled.graph, compiled.locations,
                          [f.display for f in case.files])

    return add


def _add_compiled(out: CaseSet, name: URIRef, graph: Triples | PackedTriples, locations: dict[Any, tuple[str, int]],
                  displays: list[str]) -> None:
    if name in out.graphs:  # the same case also given as RDF
        target = out.graphs[name]
        assert not isinstance(target, PackedTriples)  # RDF files are read into Triples
        for t in graph:
            target.add(t)
    else:
        out.graphs[name] = graph
    out.locations.update(locations)
    for d in displays:
        out.sources.setdefault(d, []).append(name)


def load_cases(paths: Sequence[str | Path], *, ontology: Ontology | None = None,
               shacl: bool | None = None, progress: Progress | None = None,
               allow_remote_context: bool = False, workers: Workers | None = None,
               digests: dict[str, str] | None = None) -> CaseSet:
    """Read, check and compile case files; raise CaseDataError listing every problem.

    `shacl`: None (the default) checks the graphs read from RDF files against the
    SHACL shapes; YAML cases are checked by the case schema, field by field, and
    compile to graphs that conform to the shapes (tests/test_shapes.py). True
    checks every graph, False none. A JSON-LD @context that names a remote document is
    refused unless `allow_remote_context` (validation fetches nothing by default).
    With many YAML files and more than one core, worker processes read, check and
    compile them (`workers`, else a pool of this call's own), and the cases come back
    packed (`kg.cases.packed`). `digests` are the files' digests (`file_digest`, by the names
    `collect_files` gives) when the caller has them already: an incremental build's plan hashed
    every file just before (at 2,000 files a quarter of a second, before any worker starts)."""
    files = collect_files(paths)
    if ontology is None:
        ontology = load_ontology(find_extensions())
    problems: list[Problem] = []
    known = digests or {}
    out = CaseSet(files=[d for _, d in files],
                  digests={d: known[d] if d in known else file_digest(p) for p, d in files})
    yaml_files = [(p, d) for p, d in files if p.suffix.lower() in YAML_SUFFIXES]
    rdf_files = [(p, d) for p, d in files if p.suffix.lower() in RDF_FORMATS]
    if workers is not None and workers.n > 1 and yaml_files:
        add_yaml = _read_yaml_parallel(yaml_files, ontology, problems, out, progress, workers)
    elif workers is None and worth_workers(len(yaml_files)):
        with Workers(worker_count(), PRELOAD) as own:
            add_yaml = _read_yaml_parallel(yaml_files, ontology, problems, out, progress, own)
    else:
        add_yaml = _read_yaml(yaml_files, ontology, problems, out, progress)
    for i, (p, d) in enumerate(rdf_files, 1):
        _read_rdf(p, d, ontology, problems, out, allow_remote_context)
        report_progress(progress, N_("read RDF"), i, len(rdf_files))
    if not problems:
        add_yaml()
    if not problems and shacl is not False:
        _shacl(out, ontology, problems, every=bool(shacl))
    if problems:
        raise CaseDataError(problems)
    return out

"""Named queries: .rq files with a strict `#+ ` YAML header, run with bound parameters.

Header fields: title (required), description, tags, reasoning (`required` or
`none`), params: a mapping from parameter name to {type, default, description}
where type is iri, string, integer or lang. Every parameter must be a variable
of the query. Parameters are bound as RDF values in a VALUES block (see
`with_values`): a parameter's text is never read as SPARQL. Every query also gets `?lang`, the label
language (en or da).

One `Query` record serves the CLI, the Python API and the HTTP endpoint.
"""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import Msg, QueryError
from .headers import PARAM_KEYS, PARAM_TYPES
from .headers import QUERY as QUERY_HEADER
from .headers import read as read_header
from .i18n import N_
from .iris import CASE, EXT, LANGS, PREFIXES, shorten
from .json_cache import cache_folder, code_key, read_entry, write_entry
from .resources import data_dir
from .sparql_text import forbidden_keywords, group_after, variables
from .stores import answers
from .stores.base import GraphStore
from .stores.layout import query_dataset


@dataclass(frozen=True)
class Param:
    """One parameter of a named query."""

    name: str
    type: str
    default: str | None
    description: str
    descriptions: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def description_in(self, lang: str) -> str:
        """The description in `lang` (English when the file has none in it)."""
        return self.descriptions.get(lang) or self.description


@dataclass(frozen=True)
class Query:
    """A named query: its header and SPARQL text."""

    name: str
    title: str
    description: str
    text: str
    path: Path
    params: tuple[Param, ...] = ()
    tags: tuple[str, ...] = ()
    reasoning: str = "required"
    titles: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    descriptions: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def title_in(self, lang: str) -> str:
        """The title in `lang` (English when the file has none in it)."""
        return self.titles.get(lang) or self.title

    def description_in(self, lang: str) -> str:
        """The description in `lang` (English when the file has none in it)."""
        return self.descriptions.get(lang) or self.description

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass
class Result:
    """Rows of a SELECT, as dicts of variable name to Oxigraph term (or None when unbound)."""

    variables: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)


def _fail(path: Path, line: int, message: str, hint: str = "", fieldname: str | None = None,
          params: dict[str, Any] | None = None) -> QueryError:
    return QueryError(message, file=str(path), line=line, field=fieldname, hint=hint, params=params)


# Named queries once parsed, kept by their file's path and text and the code that parses them
# (`kg.json_cache`, folder `queries`): `rolegraph query` then neither reads the header nor
# tokenises the SPARQL again (0.80 and 0.88 of its time on the shipped cases, bench/README.md). Only a query
# that parsed is kept; a bad one is read, and reported, every time.
_CACHE_FORMAT = "rolegraph-query-cache/1"
_CACHE_LIMIT = 400
_HERE = Path(__file__).resolve().parent
_SOURCES = (_HERE / "query.py", _HERE / "headers.py", _HERE / "sparql_text.py")


@functools.cache
def _code_key() -> str:
    return code_key(_CACHE_FORMAT, ox.__version__, sources=_SOURCES)  # (Oxigraph checked the SPARQL)


def _encode_query(q: Query) -> dict[str, Any]:
    return {"name": q.name, "title": q.title, "description": q.description, "text": q.text,
            "params": [[p.name, p.type, p.default, p.description, p.descriptions] for p in q.params],
            "tags": list(q.tags), "reasoning": q.reasoning, "titles": q.titles, "descriptions": q.descriptions}


def _decode_query(data: Any, path: Path) -> Query | None:
    """A cached query, or None if the entry is not one whole query of the shape written."""
    def texts(d: Any) -> bool:
        return isinstance(d, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in d.items())

    try:
        params = tuple(Param(n, t, d, desc, descs) for n, t, d, desc, descs in data["params"]
                       if isinstance(n, str) and isinstance(t, str) and (d is None or isinstance(d, str))
                       and isinstance(desc, str) and texts(descs))
        if len(params) != len(data["params"]) or not all(
                isinstance(data[k], str) for k in ("name", "title", "description", "text", "reasoning")) \
                or not texts(data["titles"]) or not texts(data["descriptions"]) \
                or not all(isinstance(t, str) for t in data["tags"]) or data["name"] != path.stem:
            return None
        return Query(data["name"], data["title"], data["description"], data["text"], path, params,
                     tuple(data["tags"]), data["reasoning"], data["titles"], data["descriptions"])
    except (KeyError, TypeError, ValueError):
        return None


def parse_query_file(path: Path) -> Query:
    """Read a named query strictly: a bad header or a stray parameter is an error."""
    text = path.read_text(encoding="utf-8")
    h = hashlib.sha256(_code_key().encode())
    h.update(b"\0" + str(path).encode() + b"\0" + text.encode())
    key, folder = h.hexdigest(), cache_folder("queries")
    cached = _decode_query(read_entry(folder, key, "query"), path)
    if cached is not None:
        return cached
    query = _parse_query_text(path, text)
    write_entry(folder, key, "query", _encode_query(query), limit=_CACHE_LIMIT, keep=_CACHE_LIMIT * 3 // 4)
    return query


def _parse_query_text(path: Path, text: str) -> Query:
    header = read_header(path, QUERY_HEADER, text)
    meta = header.values
    body = "\n".join(text.splitlines()[header.length:])
    if forbidden_keywords(body, ("SERVICE",)):
        # a named query runs in the CLI, the server and the view: none of them may fetch other URLs
        at = next((n for n, line in enumerate(body.splitlines()) if forbidden_keywords(line, ("SERVICE",))), 0)
        raise _fail(path, header.length + 1 + at,
                    "a named query cannot use SERVICE: named queries read the store and fetch nothing",
                    "remove the SERVICE block; load the data it would fetch as a case file")
    names = variables(body)
    params: list[Param] = []
    for name, spec in (meta["params"] or {}).items():
        spec = spec or {}
        where = header.line_of(str(name))
        if not isinstance(spec, dict):
            raise _fail(path, where, N_("parameter '{name}' must be a mapping"), fieldname=f"params.{name}", params={"name": name})
        for key in spec:
            if key not in PARAM_KEYS:
                raise _fail(path, where, N_("unknown field '{key}' of parameter '{name}'"),
                            N_("parameters have: {join}"), f"params.{name}", params={"key": key, "name": name, "join": ', '.join(sorted(PARAM_KEYS))})
        ptype = spec.get("type", "string")
        if ptype not in PARAM_TYPES:
            raise _fail(path, where, N_("parameter '{name}' has unknown type '{ptype}'"),
                        N_("use one of: {join}"), f"params.{name}", params={"name": name, "ptype": ptype, "join": ', '.join(PARAM_TYPES)})
        if name not in names:
            raise _fail(path, where, N_("parameter '{name}' is not a variable of the query"),
                        N_("use ?{name} in the query or remove the parameter"), f"params.{name}", params={"name": name})
        default = spec.get("default")
        da = spec.get("description@da")
        params.append(Param(str(name), ptype, None if default is None else str(default),
                            str(spec.get("description", "")), {"da": str(da)} if da else {}))
    if "lang" in names and not any(p.name == "lang" for p in params):
        params.append(Param("lang", "lang", "en", "language of labels (en or da)",
                            {"da": "sprog for etiketter (en eller da)"}))
    if params and group_after(body, "WHERE") is None:
        raise _fail(path, header.length + 1, N_("a query with parameters needs a `WHERE {` clause"),
                    N_("parameters are bound at the head of the outer WHERE group"))
    query = Query(path.stem, meta["title"], str(meta["description"] or "").strip(), body, path,
                  tuple(params), tuple(meta["tags"] or ()), meta["reasoning"],
                  {"da": str(meta["title@da"])} if meta.get("title@da") else {},
                  {"da": str(meta["description@da"]).strip()} if meta.get("description@da") else {})
    _check_parses(query, header.length)
    return query


def _check_parses(query: Query, offset: int) -> None:
    try:
        ox.Store().query(query.text)
    except SyntaxError as exc:
        first = str(exc).splitlines()[0]
        m = re.match(r"error at (\d+):(\d+)", first)
        line = offset + int(m.group(1)) if m else offset + 1
        raise _fail(query.path, line, N_("the query does not parse: {first}"), N_("fix the SPARQL at that line"), params={"first": first}) from exc


def load_queries(extra: list[Path] | None = None) -> dict[str, Query]:
    """All named queries: the shipped ones, then those in `extra` directories."""
    out: dict[str, Query] = {}
    for d in [data_dir("queries"), *(extra or [])]:
        for f in sorted(d.glob("*.rq")):
            q = parse_query_file(f)
            if q.name in out:
                raise _fail(f, 1, N_("two queries are named '{name}'"), N_("rename one of the files"), params={"name": q.name})
            out[q.name] = q
    return out


def get_query(name: str, extra: list[Path] | None = None) -> Query:
    """One named query, or a QueryError with a did-you-mean.

    Only the file named `name.rq` is read (in each directory, to catch two of that name);
    the others are read only to suggest a close name for one that is not there."""
    found = [d / f"{name}.rq" for d in [data_dir("queries"), *(extra or [])] if (d / f"{name}.rq").is_file()]
    if len(found) > 1:
        raise _fail(found[1], 1, N_("two queries are named '{name}'"), N_("rename one of the files"), params={"name": name})
    if found and found[0].stem == name:
        return parse_query_file(found[0])
    queries = load_queries(extra)
    if name not in queries:
        close = difflib.get_close_matches(name, list(queries), n=1)
        raise QueryError(N_("no query named '{name}'"),
                         hint=Msg(N_("did you mean {choices}? `rolegraph queries` lists them"), choices=f"'{close[0]}'")
                         if close else N_("`rolegraph queries` lists them (the shipped ones, and those in queries/ "
                                          "of the extensions the store was built with, from ./extensions and "
                                          "$ROLEGRAPH_EXTENSIONS)"), params={"name": name})
    return queries[name]


def bind_params(query: Query, given: dict[str, str], *, lang: str = "en",
                store: GraphStore | None = None) -> dict[str, Any]:
    """Turn `name=value` strings into typed RDF values for the query's parameters.

    An IRI parameter takes a bare id (`bridge-builder`), a case-qualified id
    (`womens-association/ambassador`), a prefixed name (`role:ambassador`) or a full IRI;
    with a `store`, the value must name something in it (else an error with the close matches)."""
    check_params(query, given)
    values: dict[str, Any] = {}
    for p in query.params:
        raw = lang if p.type == "lang" and p.name not in given else given.get(p.name, p.default)
        if raw is None:
            continue
        if p.type == "iri":
            values[p.name] = ox.NamedNode(resolve_iri(raw, store, param=p.name))
        elif p.type == "integer":
            if not re.fullmatch(r"-?\d+", raw):
                raise QueryError(N_("parameter '{name}': '{raw}' is not an integer"), params={"name": p.name, "raw": raw})
            values[p.name] = ox.Literal(raw, datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
        elif p.type == "lang":
            if raw not in LANGS:
                raise QueryError(N_("parameter '{name}': language must be one of {join}"), params={"name": p.name, "join": ', '.join(LANGS)})
            values[p.name] = ox.Literal(raw)
        else:
            values[p.name] = ox.Literal(raw)
    return values


def check_params(query: Query, given: dict[str, str]) -> None:
    """What can be checked of `name=value` strings without a store: names, and the prefixes of IRIs."""
    for name, value in given.items():
        param = query.param(name)
        if param is None:
            names = ", ".join(p.name for p in query.params) or "none"
            raise QueryError(N_("query '{name}' has no parameter '{name2}'"), hint=N_("its parameters: {names}"), params={"name": query.name, "name2": name, "names": names})
        if param.type == "iri":
            _check_prefix(value, name)


_PREFIXED = re.compile(r"([A-Za-z][\w.-]*):(?!//)(.+)")
_BARE_ID = re.compile(r"[\w.-]+")
_CASE_ID = re.compile(r"[\w.-]+(?:/[\w.-]+)+")


def expand_iri(value: str) -> str:
    """`<iri>`, a full IRI, `prefix:local` (the predefined prefixes) or `case/id` as a full IRI."""
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    m = _PREFIXED.fullmatch(value)
    if m and m.group(1) in PREFIXES:
        return PREFIXES[m.group(1)] + m.group(2)
    if _CASE_ID.fullmatch(value):
        return CASE + value
    return value


def resolve_iri(value: str, store: GraphStore | None, *, param: str = "iri") -> str:
    """The IRI `value` names (see `bind_params`); an unknown prefix or a name that matches
    nothing in `store` is a usage error with the close matches."""
    what = f"--param {param}={value}"
    m = _check_prefix(value, param)
    if store is None:
        if _BARE_ID.fullmatch(value) or (m and m.group(1) == "ext"):
            raise QueryError(N_("{what}: a bare id is looked up in the store, and there is none here"),
                             hint=N_("give a prefixed name such as role:ambassador, case/id or a full IRI"), params={"what": what})
        iri = expand_iri(value)
        _check_iri(iri, what)
        return iri
    nodes: list[str] | None = None
    if m and m.group(1) == "ext":
        nodes = _typed_nodes(store)
        found = [n for n in nodes if n.startswith(EXT) and _local(n) == m.group(2)]
    elif _BARE_ID.fullmatch(value):
        nodes = _typed_nodes(store)
        found = [n for n in nodes if _local(n) == value]
        shared = [n for n in found if not n.startswith(CASE)]  # a shared or an extension's term first
        found = shared or found
    else:
        iri = expand_iri(value)
        _check_iri(iri, what)
        found = [iri] if _mentioned(store, iri) else []
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise QueryError(N_("{what} is ambiguous: it names {join}"),
                         hint=N_("give one of them as written there (case/id or prefix:name)"), params={"what": what, "join": ', '.join(shorten(f) for f in sorted(found))})
    names = sorted({shorten(n) for n in (nodes if nodes is not None else _typed_nodes(store))})
    close = difflib.get_close_matches(value, names, n=5, cutoff=0.5)
    close += [n for n in names if value in n and n not in close][:5 - len(close)]
    hint = (Msg(N_("did you mean {choices}?"), choices=", ".join(close)) if close
            else N_("`rolegraph roles` lists the roles"))
    raise QueryError(N_("{what} matches nothing in {describe}"), hint=hint, params={"what": what, "describe": store.describe()})


def _check_prefix(value: str, param: str) -> re.Match[str] | None:
    m = _PREFIXED.fullmatch(value)
    if m and m.group(1) not in PREFIXES and m.group(1) != "ext":
        raise QueryError(N_("--param {param}={value}: unknown prefix '{group}:'"),
                         hint=N_("the predefined prefixes are {join} (and ext: for an extension's own terms); or "
                                 "give a full IRI"), params={"param": param, "value": value, "group": m.group(1), "join": ', '.join(f'{k}:' for k in sorted(PREFIXES))})
    return m


def _check_iri(iri: str, what: str) -> None:
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise QueryError(N_("{what}: '{iri}' is not an IRI"),
                         hint=N_("give a bare id (ambassador), case/id, prefix:name (role:ambassador) or a full "
                                 "IRI"), params={"what": what, "iri": iri}) from exc


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


def _typed_nodes(store: GraphStore) -> list[str]:
    """Every IRI the store gives a type (the things a parameter can name)."""
    answer = store.query("SELECT DISTINCT ?s WHERE { ?s a ?type FILTER(isIRI(?s)) }",
                         **query_dataset(store, True))
    return [row["s"].value for row in answer]


def _mentioned(store: GraphStore, iri: str) -> bool:
    node = ox.NamedNode(iri)
    answer = store.query(f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}", **query_dataset(store, True))
    return bool(answer)


def with_values(text: str, bindings: dict[str, Any], params: tuple[Param, ...] = ()) -> str:
    """The query with its parameters bound by a VALUES block at the head of the outer WHERE.

    Each value is an Oxigraph term serialised in N-Triples syntax (IRIs validated,
    literals escaped), so a parameter's text is never read as SPARQL. Parameters
    without a value are left out of the block, so their variable stays free (an
    UNDEF would mean the same, but Virtuoso 7 then loses the variable's value when
    it is bound in a UNION branch).
    """
    names = [p.name for p in params] or list(bindings)
    names = [n for n in names if n in bindings]
    if not names:
        return text
    where = group_after(text, "WHERE")
    if where is None:
        raise QueryError(N_("a parameterised query needs a `WHERE {` clause"))
    row = " ".join(str(bindings[n]) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}"
    return text[:where[0]] + block + text[where[0]:]


def select_text(query: Query | str, bindings: dict[str, Any]) -> str:
    """A SELECT's text with values bound, as `run_select` runs it (and keeps its answer by)."""
    if isinstance(query, Query):
        return with_values(query.text, bindings, query.params)
    return with_values(query, bindings)


def run_select(store: GraphStore, query: Query | str, bindings: dict[str, Any], *, inference: bool = True) -> Result:
    """Run a SELECT on the embedded store with values bound; optionally without inferred triples."""
    text = select_text(query, bindings)
    dataset = query_dataset(store, inference)
    kept = answers.recall(store, text, dataset)
    if kept is not None:  # asked before of this very store: read back, not run
        return _rows(ox.parse_query_results(kept, format=ox.QueryResultsFormat.JSON))
    try:
        solutions = store.query(text, **dataset)
    except SyntaxError as exc:
        raise QueryError(N_("the query does not parse: {exc}"), hint=N_("check the SPARQL syntax"), params={"exc": exc}) from exc
    except (OSError, RuntimeError) as exc:
        raise QueryError(N_("the query failed: {exc}"), params={"exc": exc}) from exc
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryError(N_("only SELECT queries can be run this way"), hint=N_("use `rolegraph sparql` for others"))
    result = _rows(solutions)
    answers.keep(store, text, dataset, to_json(result, indent=None).encode("utf-8"))
    return result


def _rows(solutions: Any) -> Result:
    variables = [v.value for v in solutions.variables]
    return Result(variables, [{v: sol[v] for v in variables} for sol in solutions])


# ---- output formats ----------------------------------------------------------

def term_text(term: Any) -> str:
    """A term's text as the SPARQL CSV results format has it: an IRI, a literal's lexical
    form, a blank node's label; a triple term (what a derivation names its premises by) as
    its three parts' texts, space-separated, as Oxigraph's CSV writer gives it."""
    if type(term).__name__ == "Triple":
        return " ".join(term_text(x) for x in (term.subject, term.predicate, term.object))
    return str(term.value)


def _short(term: Any) -> str:
    if term is None:
        return ""
    return shorten(term.value) if type(term).__name__ == "NamedNode" else term_text(term)


def term_json(term: Any) -> dict[str, Any]:
    """One RDF term as a binding of the W3C SPARQL 1.1 Query Results JSON format."""
    kind = type(term).__name__
    if kind == "NamedNode":
        return {"type": "uri", "value": term.value}
    if kind == "BlankNode":
        return {"type": "bnode", "value": term.value}
    if kind == "Triple":
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype.value != PREFIXES["xsd"] + "string":
        out["datatype"] = term.datatype.value
    return out


def to_json(result: Result, indent: int | None = 1) -> str:
    """The W3C SPARQL 1.1 Query Results JSON format (indented for people; `indent=None` is
    compact and, being json's C encoder, about ten times faster, for answers kept by the store)."""
    bindings = [{k: term_json(v) for k, v in row.items() if v is not None} for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False, indent=indent)


def to_csv(result: Result) -> str:
    """CSV with full IRIs and plain values, as the SPARQL CSV results format has it."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(result.variables)
    for row in result.rows:
        w.writerow(["" if row[v] is None else term_text(row[v]) for v in result.variables])
    return buf.getvalue()


_CASE_PREFIX = CASE


def colliding_labels(result: Result) -> dict[tuple[int, str], str]:
    """Labels shared by different nodes, made distinct by the node's case: (row, column) -> text.

    A label column `xLabel` names the node in column `x`; when two different nodes carry the same
    label (two cases each with 'the staff'), each such label gets its case and id in brackets."""
    pairs = [(v, f"{v}Label") for v in result.variables if f"{v}Label" in result.variables]
    seen: dict[str, set[str]] = {}
    for row in result.rows:
        for node, label in pairs:
            if row.get(node) is not None and row.get(label) is not None:
                seen.setdefault(row[label].value, set()).add(row[node].value)
    out: dict[tuple[int, str], str] = {}
    for i, row in enumerate(result.rows):
        for node, label in pairs:
            if row.get(node) is None or row.get(label) is None or len(seen.get(row[label].value, ())) < 2:
                continue
            value = row[node].value
            which = value[len(_CASE_PREFIX):] if value.startswith(_CASE_PREFIX) else _short(row[node])
            out[(i, label)] = f"{row[label].value} [{which}]"
    return out


def with_distinct_labels(result: Result) -> Result:
    """The result with each label that two different nodes share told apart (see `colliding_labels`)."""
    distinct = colliding_labels(result)
    if not distinct:
        return result
    by_row: dict[int, list[tuple[str, str]]] = {}  # each row's own: not every label for every row (quadratic)
    for (i, col), text in distinct.items():
        by_row.setdefault(i, []).append((col, text))
    rows = []
    for i, row in enumerate(result.rows):
        new = dict(row)
        for col, text in by_row.get(i, ()):
            lang = getattr(row[col], "language", None)
            new[col] = ox.Literal(text, language=lang) if lang else ox.Literal(text)
        rows.append(new)
    return Result(result.variables, rows)


def to_table(result: Result, *, hide: tuple[str, ...] = ()) -> str:
    """A plain-text table for people: IRIs shortened, long cells wrapped, colliding labels told apart."""
    cols = [v for v in result.variables if v not in hide]
    if not result.rows:
        return "(no rows)"
    distinct = colliding_labels(result)
    cells = [[distinct.get((i, c)) or _short(row[c]) for c in cols] for i, row in enumerate(result.rows)]
    widths = [min(40, max(len(c), *(len(r[i]) for r in cells))) for i, c in enumerate(cols)]

    def fmt(values: list[str]) -> str:
        return "  ".join(v[:w].ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    lines = [fmt(cols), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in cells]
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines)

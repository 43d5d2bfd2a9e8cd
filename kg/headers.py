"""The one reader of `#+ ` headers: the YAML that opens a rule or a named query file.

    #+ title: Who kept a role in one situation and lost it in another
    #+ params:
    #+   role: {type: iri, description: the role}

A `Schema` per file kind lists its fields (type, required, allowed values, a
description); `read(path, schema)` checks a header strictly against it and
raises the schema's error at the header's file and line, with a hint. The same
schemas generate the header reference in docs (`reference_table`), so the docs
list exactly the fields the reader accepts.

A header's YAML, once parsed, is kept in a persistent cache (`kg.json_cache`, folder
`headers`), keyed by its text: a named query then runs without importing PyYAML, which
took a quarter of `rolegraph query`'s time on the shipped cases (bench/README.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import QueryError, ReasoningError, RolegraphError
from .i18n import N_
from .json_cache import cache_folder, read_entry, write_entry

MARK = "#+"
# Bump when what a cached header holds changes.
_CACHE_FORMAT = "rolegraph-header-cache/1"
_CACHE_LIMIT = 400  # entries; each is one header's values, a few hundred bytes


@dataclass(frozen=True)
class Field:
    """One header field."""

    name: str
    type: type | tuple[type, ...]
    description: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    """The header of one kind of file."""

    kind: str  # what the file is called in messages: "rule", "named query"
    fields: tuple[Field, ...]
    error: type[RolegraphError]
    example: str  # the first line a file of this kind should open with

    def field(self, name: str) -> Field | None:
        """The field called `name`, if the schema has one."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> list[str]:
        return sorted(f.name for f in self.fields)


@dataclass
class Header:
    """A header as read: its values (defaults filled in) and where each key was written."""

    path: Path
    values: dict[str, Any]
    lines: list[str]  # the header's lines without the `#+ ` mark
    schema: Schema = field(repr=False)

    @property
    def length(self) -> int:
        """How many lines of the file the header takes."""
        return len(self.lines)

    def line_of(self, key: str) -> int:
        """The 1-based line where `key:` is written in the header (1 if nowhere)."""
        pattern = re.compile(rf"\s*{re.escape(key)}\s*:")
        return next((i for i, h in enumerate(self.lines, 1) if pattern.match(h)), 1)

    def fail(self, message: str, *, line: int | None = None, field: str | None = None,
             hint: str = "", params: dict[str, Any] | None = None) -> RolegraphError:
        """The schema's error for this file, at `line` (or the line of `field`)."""
        if line is None:
            line = self.line_of(field.split(".")[-1]) if field else 1
        return self.schema.error(message, file=str(self.path), line=line, field=field, hint=hint, params=params)


def header_lines(text: str) -> list[str]:
    """The `#+ ` header of a file's text: its leading lines, without the mark."""
    head: list[str] = []
    for line in text.splitlines():
        if not line.startswith(MARK):
            break
        head.append(line[len(MARK):].removeprefix(" "))
    return head


def _type_name(kind: type | tuple[type, ...]) -> str:
    return kind.__name__ if isinstance(kind, type) else " or ".join(t.__name__ for t in kind)


def _a(noun: str) -> str:
    names = {"str": "text", "list": "a list", "dict": "a mapping", "int": "a number"}
    return " or ".join(names.get(n, n) for n in noun.split(" or "))


def read(path: Path, schema: Schema, text: str | None = None) -> Header:
    """Read and check the header of `path` (or of `text`, read from it)."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    head = header_lines(text)
    where = str(path)
    if not head:
        raise schema.error(N_("a {kind} file must open with a '#+ ' header"), file=where, line=1,
                           hint=N_("start with `{example}`"), params={"kind": schema.kind, "example": schema.example})
    raw = _parsed("\n".join(head), schema, where) or {}
    if not isinstance(raw, dict):
        raise schema.error(N_("the header must be `key: value` lines"), file=where, line=1)
    header = Header(path, {}, head, schema)
    for key, value in raw.items():
        spec = schema.field(str(key))
        if spec is None:
            raise header.fail(N_("unknown header field '{key}'"), field=str(key),
                              hint=N_("{kind} headers have: {join}"), params={"key": key, "kind": schema.kind, "join": ', '.join(schema.names)})
        if value is None and not spec.required:
            continue
        if not isinstance(value, spec.type):
            expected = _type_name(spec.type)
            if spec.required:
                raise header.fail(N_("the header needs a {name}"), field=spec.name,
                                  hint=N_("`{name}` is {a}"), params={"name": spec.name, "a": _a(expected)})
            raise header.fail(N_("{name} must be {a}, not {value!r}"), field=spec.name, params={"name": spec.name, "a": _a(expected), "value": value})
        if spec.choices and value not in spec.choices:
            raise header.fail(N_("{name} must be one of {join}, not {value!r}"),
                              field=spec.name, hint=N_("use one of: {join}"), params={"name": spec.name, "join": ', '.join(spec.choices), "value": value})
        header.values[spec.name] = value
    for spec in schema.fields:
        if spec.name not in header.values:
            if spec.required:
                raise header.fail(N_("the header needs a {name}"), line=1, field=spec.name,
                                  hint=N_("add `#+ {name}: ...`"), params={"name": spec.name})
            header.values[spec.name] = spec.default
    return header


def in_lang(values: dict[str, Any], key: str, lang: str) -> str:
    """A header text (`title`, `description`) in `lang`: `key@lang` if the file has it, else `key`."""
    return str(values.get(f"{key}@{lang}") or values.get(key) or "").strip()


def reference_table(schema: Schema) -> str:
    """The header fields of a file kind as a Markdown table, for the docs."""
    rows = ["| field | required | values | default | what |", "|---|---|---|---|---|"]
    for f in schema.fields:
        values = ", ".join(f"`{c}`" for c in f.choices) if f.choices else _a(_type_name(f.type))
        default = "" if f.default is None else f"`{f.default}`"
        rows.append(f"| `{f.name}` | {'yes' if f.required else 'no'} | {values} | {default} | {f.description} |")
    return "\n".join(rows)


# `clash`: the rule's head is `false` in the OWL 2 RL tables; its CONSTRUCT names a clash
# (`_:clash a rg:Clash ; rg:clashRule <rule> ; rg:clashNode ...`), and the engine mints one
# stable IRI per rule and nodes. `equality`: eq-ref, eq-sym, eq-trans, eq-rep-*; the embedded
# engine keeps equality by canonical representatives (kg.reasoning.engine), a remote store
# runs the SPARQL as written.
RULE_KINDS = ("axiom", "interaction-order", "classification", "clash", "equality")
# `case`: the rule joins its premises through nodes of one case (all shipped rules do), so it
# can run on each case with the ontology, in time linear in the number of cases.
# `store`: the rule compares across cases (say, the same role in two cases) and runs on the
# whole store after the per-case fixpoint.
RULE_SCOPES = ("case", "store")

# `title@da` and `description@da` say the same in Danish; every shipped file has them (a test),
# a user's file without them is shown in English.
RULE = Schema("rule", (
    Field("title", str, "what the rule concludes, in one line", required=True),
    Field("title@da", str, "the title in Danish (shown with --lang da; else the title)"),
    Field("description", str, "why the rule holds: the theory behind it"),
    Field("description@da", str, "the description in Danish"),
    Field("kind", str, "axiom (OWL 2 RL), interaction-order (Goffman) or classification (typologies)",
          default="interaction-order", choices=RULE_KINDS),
    Field("scope", str, "case: premises join within one case; store: the rule compares across cases",
          default="case", choices=RULE_SCOPES),
    Field("unroll", str, "chain: the file is the length-2 instance of a rule over a list that builds a path "
          "(prp-spo2); intersection: the file is cls-int1's general form, whose plain join the engine writes "
          "instead; either way the engine writes the instance for each list length the ontology has",
          choices=("chain", "intersection")),
    Field("semi-naive", str, "premises: every new solution uses a new triple matching one of the positive "
          "premises, even though the body nests NOT EXISTS (cls-int1: a new member type); the engine then "
          "evaluates the rule on what each round added", choices=("premises",)),
    Field("closed-by", str, "the id of a rule whose fixpoint leaves this one nothing to conclude from its own "
          "conclusions (cax-sco: scm-sco makes rdfs:subClassOf transitive); in a batch settled on the "
          "ontology's closure, while nothing that rule reads is added, the engine leaves this rule's own "
          "conclusions out of its semi-naive runs"),
    Field("most-specific", str, "the id of a rule that concludes membership of every superclass (cax-sco): "
          "this rule concludes `?y rdf:type ?c` from a schema premise (`?p rdfs:range ?c`), and a conclusion "
          "for a class with a strict subclass among those the premise gives with the same property is that "
          "rule's conclusion from the one for the subclass; in a batch settled on the ontology's closure the "
          "engine leaves those classes out (prp-dom, prp-rng)"),
), ReasoningError, "#+ title: ...` and `#+ kind: axiom|interaction-order")

PARAM_KEYS = ("type", "default", "description", "description@da")
PARAM_TYPES = ("iri", "string", "integer", "lang")

QUERY = Schema("named query", (
    Field("title", str, "the question the query answers", required=True),
    Field("title@da", str, "the title in Danish (shown with --lang da; else the title)"),
    Field("description", str, "what the answer means, and how to read it"),
    Field("description@da", str, "the description in Danish"),
    Field("tags", list, "words to find the query by"),
    Field("reasoning", str, "required: the answer needs a reasoned store (it reasons first); none: it does not",
          default="required", choices=("required", "none")),
    Field("params", dict, "parameters: name -> {type (iri, string, integer or lang), default, description, "
          "description@da}; each must be a variable of the query"),
), QueryError, "#+ title: ...`; see queries/role-transfer.rq")

SCHEMAS = {"rules": RULE, "queries": QUERY}


def _parsed(text: str, schema: Schema, where: str) -> Any:
    """A header's YAML parsed, from the cache when this text was parsed before. Only values
    that JSON keeps as they are (text, numbers, booleans, lists, mappings with text keys) are
    cached; a header with anything else (a date, a number as a key) is parsed each time."""
    key = hashlib.sha256(f"{_CACHE_FORMAT}\0{text}".encode()).hexdigest()
    folder = cache_folder("headers")
    entry = read_entry(folder, key, "header")
    if isinstance(entry, dict) and entry.get("text") == text and "value" in entry:
        return entry["value"]
    import yaml  # only here: a cached header needs no YAML parser (see the module's docstring)

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise schema.error(N_("bad header: {problem}"), file=where, line=(mark.line + 1) if mark else 1,
                           hint=N_("the header is YAML behind '#+ '"), params={"problem": problem}) from exc
    try:
        lossless = json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        lossless = False
    if lossless:
        write_entry(folder, key, "header", {"text": text, "value": value}, limit=_CACHE_LIMIT,
                    keep=_CACHE_LIMIT * 3 // 4)
    return value

"""Case files in YAML: the schema, the records read from them, and reference checks.

`read_case_files` turns YAML files into `Case`s made of `Record`s, each knowing
its file, line and field path, and lists every problem it finds: unknown or
misspelt fields, wrong types, missing required fields, duplicate ids, unknown
ids and roles, evidence without a source. Nothing here builds RDF; see
compile.py.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Msg, Problem
from ..i18n import N_
from .quotes import SourceText, find_quote, read_source
from .yamlsrc import Y, load_yaml

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGS = ("en", "da")

# outcomes of a response, as written in case files (skos:notation of the rg:Outcome individuals)
OUTCOMES = ("recognised", "refused", "contested", "failed", "not-taken-up", "ignored")

# kinds of records that a reference may point to ("agent" is an actor or a team)
AGENT = ("actor", "team")

# Field specs: name -> (type, required). Types:
#   id, label, text, enum:a|b|c, ref:<kinds>, refs:<kinds>, role, roles, sub:<kind>, evidence
_COMMON = {"note": ("text", False), "evidence": ("evidence", False)}
FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "case": {
        "case": ("id", True), "title": ("label", True), "lang": ("enum:en|da", False),
        "description": ("label", False),
        "sources": ("sub:source", False), "actors": ("sub:actor", False),
        "teams": ("sub:team", False), "roles": ("sub:role", False),
        "orders": ("sub:order", False), "contexts": ("sub:context", False),
        "processes": ("sub:process", False), "claims": ("sub:claim", False),
        "memberships": ("sub:membership", False),
        "definitions": ("sub:definition", False), "standings": ("sub:standing", False),
    },
    "source": {"id": ("id", True), "title": ("text", True), "citation": ("text", False),
               "file": ("text", False), "note": ("text", False)},
    "actor": {"id": ("id", True), "label": ("label", True),
              "kind": ("text", False),
              "side": ("enum:citizen|public", False),
              "personal": ("bool", False), "aliases": ("texts", False),
              "member_of": ("refs:actor|team", False), **_COMMON},
    "team": {"id": ("id", True), "label": ("label", True), "members": ("refs:actor|team", False),
             **_COMMON},
    "role": {"id": ("id", True), "label": ("label", True), "specialises": ("roles", True),
             "definition": ("label", False), **_COMMON},
    "order": {"id": ("id", True), "label": ("label", True), "rules": ("sub:rule", False), **_COMMON},
    "rule": {"id": ("id", False), "reserve": ("role", False), "for": ("ref:team", False),
             "incompatible": ("roles", False), "held_by": ("refs:actor|team", False),
             "in_absentia": ("bool", False), **_COMMON},
    "context": {"id": ("id", True), "label": ("label", True), "kind": ("text", False),
                "part_of": ("ref:context", False), "process": ("ref:process", False),
                "order": ("ref:order", False), "time": ("enum:before|during|after", False),
                "phase": ("ref:phase", False), "participants": ("refs:actor|team", False),
                "audiences": ("refs:actor|team", False), "absent": ("refs:actor|team", False), **_COMMON},
    "process": {"id": ("id", True), "label": ("label", True), "aim": ("label", False),
                "form": ("label", False), "initiators": ("refs:actor|team", False),
                "participants": ("refs:actor|team", False),
                "types": (("enum-list:descriptive|intermediary|transformative|user-centred"
                          "|co-creation|citizen-driven|individual|collective"), False),
                "phases": ("sub:phase", False), **_COMMON},
    "phase": {"id": ("id", True), "kind": ("enum:planning|ideation|design|implementation", True),
              "label": ("label", False), "participants": ("refs:actor|team", False),
              "influence": ("enum:none|shared|decisive", False), **_COMMON},
    "claim": {"id": ("id", False), "bearer": ("ref:actor|team", True), "role": ("role", True),
              "context": ("ref:context", True), "mode": ("enum:taken|given", False),
              "by": ("refs:actor|team", False),
              "stance": ("enum:embraces|accepts|distances", False),
              "time": ("enum:before|during|after", False), "phase": ("ref:phase", False),
              "responses": ("sub:response", False), **_COMMON},
    "membership": {"id": ("id", False), "member": ("ref:actor|team", True),
                   "team": ("ref:team", True), "context": ("ref:context", True),
                   "by": ("refs:actor|team", False), "responses": ("sub:response", False),
                   **_COMMON},
    "response": {"by": ("refs:actor|team", True),
                 "outcome": ("enum:" + "|".join(OUTCOMES), True),
                 "context": ("ref:context", False), **_COMMON},
    "definition": {"id": ("id", False), "by": ("ref:actor|team", True), "context": ("ref:context", True),
                   "occasion": ("label", False), "at_stake": ("label", False), "casts": ("sub:casting", False),
                   **_COMMON},
    "casting": {"actor": ("ref:actor|team", True), "as": ("role", True), **_COMMON},
    "standing": {"id": ("id", True), "label": ("label", True), "kind": ("enum:mandate|credential|membership", False),
                 "holders": ("refs:actor|team", False), "recognised_in": ("refs:context", False), **_COMMON},
    "evidence": {"source": ("ref:source", True), "quote": ("text", False),
                 "paraphrase": ("text", False), "speaker": ("ref:actor|team", False),
                 "locator": ("text", False)},
}

# records of these kinds get an id of their own in the case's id space
ID_KINDS = ("source", "actor", "team", "role", "order", "rule", "context", "process", "phase",
            "claim", "membership", "definition", "standing")


@dataclass
class Record:
    """One mapping of a case file: its kind, place and fields."""

    kind: str
    file: str
    line: int
    path: str
    fields: dict[str, Y]
    children: dict[str, list[Record]] = field(default_factory=dict)
    parent: Record | None = None
    generated_id: str | None = None

    @property
    def id(self) -> str | None:
        y = self.fields.get("id")
        if y is not None and isinstance(y.value, str):
            return y.value
        return self.generated_id

    def get(self, name: str) -> object:
        y = self.fields.get(name)
        return None if y is None else y.value

    def line_of(self, name: str) -> int:
        y = self.fields.get(name)
        return y.line if y is not None else self.line

    def refs(self, name: str) -> list[str]:
        """A reference field as a list of ids (one id or a list of them)."""
        y = self.fields.get(name)
        if y is None:
            return []
        if isinstance(y.value, list):
            return [v.value for v in y.value if isinstance(v.value, str)]
        return [y.value] if isinstance(y.value, str) else []

    def walk(self) -> Iterable[Record]:
        yield self
        for kids in self.children.values():
            for kid in kids:
                yield from kid.walk()


@dataclass
class CaseFile:
    """One YAML file of a case."""

    path: Path
    display: str
    case_id: str
    lang: str
    top: Record


@dataclass
class Case:
    """All files that share one `case:` id, and their records."""

    id: str
    files: list[CaseFile] = field(default_factory=list)
    ids: dict[str, Record] = field(default_factory=dict)

    def records(self) -> Iterable[Record]:
        for f in self.files:
            for kids in f.top.children.values():
                for rec in kids:
                    yield from rec.walk()

    def label(self) -> Y | None:
        for f in self.files:
            if "title" in f.top.fields:
                return f.top.fields["title"]
        return None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return Msg(N_("did you mean {choices}?"), choices=" / ".join(f"'{c}'" for c in close))


def _type_name(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date (quote it to make it text)"
    if isinstance(value, bytes):
        return "binary data"
    return "text"


def rule_fields(kinds: dict[str, Any] | None) -> dict[str, tuple[str, bool]]:
    """The fields a rule of an interaction order may have: the built-in ones and every kind's."""
    spec = dict(FIELDS["rule"])
    for kind in (kinds or {}).values():
        for name, f in kind.all_fields().items():
            spec.setdefault(name, (f.type, False))
    return spec


class _Reader:
    """Reads the records of one file against the schema, collecting problems."""

    def __init__(self, display: str, problems: list[Problem], kinds: dict[str, Any] | None = None,
                 looked_in: tuple[str, ...] = ()) -> None:
        self.file = display
        self.problems = problems
        self.kinds = kinds or {}
        self.looked_in = looked_in
        self.rule_spec = rule_fields(self.kinds)

    def spec(self, kind: str) -> dict[str, tuple[str, bool]]:
        return self.rule_spec if kind == "rule" else FIELDS[kind]

    def kind_names(self) -> list[str]:
        return ["reserve", "incompatible", *self.kinds]

    def where_kinds(self) -> str:
        return ("kinds of rule are declared in " + ", ".join(self.looked_in)) if self.looked_in else ""

    def problem(self, line: int, fieldpath: str, message: str, hint: str = "", **params: Any) -> None:
        self.problems.append(Problem.of(self.file, line, fieldpath, message, hint, **params))

    def record(self, kind: str, y: Y, path: str, parent: Record | None) -> Record | None:
        if not y.is_map():
            self.problem(y.line, path, N_("expected a mapping of fields, found {type_name}"),
                         N_("write each {kind} as `- field: value` lines"), type_name=_type_name(y.value), kind=kind)
            return None
        spec = self.spec(kind)
        rec = Record(kind, self.file, y.line, path, {}, parent=parent)
        for name, val in y.value.items():
            fpath = f"{path}.{name}" if path else name
            if name not in spec:
                hint = did_you_mean(name, spec) or Msg(N_("the fields of a {kind} are: {fields}"), kind=kind,
                                                       fields=", ".join(spec))
                if kind == "rule":
                    hint = Msg(N_("{hint}; kinds of rule: {kinds}"), hint=hint,
                               kinds=", ".join(self.kind_names())
                               + (f" ({self.where_kinds()})" if self.looked_in else ""))
                self.problem(y.key_lines.get(name, y.line), fpath, N_("unknown field '{name}'"), hint, name=name)
                continue
            ftype = spec[name][0]
            if ftype.startswith("sub:") or ftype == "evidence":
                sub_kind = "evidence" if ftype == "evidence" else ftype[4:]
                items = [val] if (ftype == "evidence" and val.is_map()) else val.value
                if not isinstance(items, list):
                    self.problem(val.line, fpath, N_("expected a list, found {type_name}"),
                                 N_("write `{name}:` followed by `- ...` items"), type_name=_type_name(val.value), name=name)
                    continue
                kids = []
                for i, item in enumerate(items):
                    kid = self.record(sub_kind, item, f"{fpath}[{i}]", rec)
                    if kid is not None:
                        kids.append(kid)
                rec.children[name] = kids
                continue
            if self.check_value(ftype, val, fpath, kind, name):
                rec.fields[name] = val
        for name, (ftype, required) in spec.items():
            if required and name not in y.value:
                self.missing(kind, name, rec)
        self.extra_checks(rec, set(y.value))
        return rec

    def missing(self, kind: str, name: str, rec: Record) -> None:
        where = f"{rec.path}.{name}" if rec.path else name
        if kind in ("claim", "membership") and name == "context":
            self.problem(rec.line, where, N_("{kind} has no context"),
                         N_("every claim happens in a social situation: add `context: <context id>`"), kind=kind)
        elif kind == "evidence" and name == "source":
            self.problem(rec.line, where, N_("evidence has no source"),
                         N_("add `source: <source id>` naming a document under `sources:`"))
        elif kind == "role" and name == "specialises":
            self.problem(rec.line, where, N_("a new role must specialise an existing one"),
                         N_("add `specialises: <role id>`, e.g. co-creator or citizen"))
        else:
            self.problem(rec.line, where, N_("missing required field '{name}'"),
                         N_("{kind} needs: {fields}"), name=name, kind=kind,
                         fields=", ".join(n for n, (_, req) in FIELDS[kind].items() if req))

    def extra_checks(self, rec: Record, given: set[str] | None = None) -> None:
        if rec.kind == "evidence" and "quote" not in rec.fields and "paraphrase" not in rec.fields:
            self.problem(rec.line, rec.path, N_("evidence has neither quote nor paraphrase"),
                         N_("add `quote:` with the source's exact words, or `paraphrase:`"))
        if rec.kind == "rule":
            self.rule_checks(rec, given or set(rec.fields))

    def rule_checks(self, rec: Record, given: set[str]) -> None:
        found = [k for k in self.kind_names() if k in given]
        if len(found) != 1:
            names = " or ".join(f"'{k}'" for k in self.kind_names())
            what = Msg(N_("found {kinds}"), kinds=" + ".join(found)) if found else Msg(N_("found none"))
            where = f"; {self.where_kinds()}" if self.looked_in else ""
            self.problem(rec.line, rec.path, N_("a rule needs exactly one kind, one of {names} ({what})"),
                         N_("write `reserve: <role>` with `for: <team>`, `incompatible: [<role>, <role>]`, "
                            "or `requires: <standing>` with `role: <role>`{place}"), names=names, what=what, place=where)
            return
        kind = found[0]
        has_res = kind == "reserve"
        has_inc = kind == "incompatible"
        if kind in self.kinds:
            own = set(self.kinds[kind].all_fields())
            for name in sorted(given):
                if name in FIELDS["rule"] and name not in ("reserve", "for", "incompatible"):
                    continue
                if name not in own and name in self.rule_spec:
                    self.problem(rec.line_of(name), f"{rec.path}.{name}",
                                 N_("'{name}' is not a field of a '{kind}' rule"),
                                 N_("a '{kind}' rule has: {join}, and held_by, in_absentia, note, evidence"), name=name, kind=kind, join=', '.join(sorted(own)))
            for name, f in self.kinds[kind].fields.items():
                if f.required and name not in given:
                    self.problem(rec.line, f"{rec.path}.{name}", N_("a '{kind}' rule needs '{name}'"),
                                 N_("add `{name}:` ({get})"), kind=kind, name=name, get=f.label.get('en', name))
        else:
            for name in sorted(given):
                if name in self.rule_spec and name not in FIELDS["rule"]:
                    self.problem(rec.line_of(name), f"{rec.path}.{name}",
                                 N_("'{name}' is not a field of a '{kind}' rule"),
                                 N_("a reserve rule has `for`; an incompatible rule names two roles"), name=name, kind=kind)
            if has_res and "for" not in rec.fields:
                self.problem(rec.line, f"{rec.path}.for", N_("a reserve rule needs 'for'"),
                             N_("add `for: <team id>`: the team the role is reserved for"))
            if has_inc and len(rec.refs("incompatible")) != 2:
                self.problem(rec.line_of("incompatible"), f"{rec.path}.incompatible",
                             N_("an incompatible rule names exactly two roles"),
                             N_("write `incompatible: [<role>, <role>]`"))

    def check_value(self, ftype: str, y: Y, fpath: str, kind: str, name: str) -> bool:
        v = y.value
        if ftype == "id":
            if not isinstance(v, str) or not ID_RE.match(v):
                self.problem(y.line, fpath, N_("'{v}' is not a valid id"),
                             N_("use lower-case ASCII letters, digits and '-', e.g. `ssp-worker`"), v=v)
                return False
            return True
        if ftype == "text":
            if not isinstance(v, str) or not v.strip():
                self.problem(y.line, fpath, N_("expected text, found {type_name}"),
                             N_("write the text after the colon; quote it if it contains ': ' or '#'"), type_name=_type_name(v))
                return False
            return True
        if ftype == "label":
            if isinstance(v, str) and v.strip():
                return True
            if isinstance(v, dict) and v:
                ok = True
                for lang, ly in v.items():
                    if lang not in LANGS:
                        self.problem(ly.line, f"{fpath}.{lang}", N_("unknown language '{lang}'"),
                                     N_("labels are given as `en:` and/or `da:`; inside {{ }} a comma starts a new "
                                        'entry, so quote text with commas: {{en: "Hanne, a volunteer"}}'), lang=lang)
                        ok = False
                    elif not isinstance(ly.value, str) or not ly.value.strip():
                        self.problem(ly.line, f"{fpath}.{lang}",
                                     N_("expected text, found {type_name}"), N_("write the label text"), type_name=_type_name(ly.value))
                        ok = False
                return ok
            self.problem(y.line, fpath, N_("expected a label, found {type_name}"),
                         N_("write `label: text` or `label: {{en: text, da: tekst}}`"), type_name=_type_name(v))
            return False
        if ftype == "bool":
            if not isinstance(v, bool):
                self.problem(y.line, fpath, N_("expected true or false, found {type_name}"),
                             N_("write `{name}: true` or `{name}: false`"), type_name=_type_name(v), name=name)
                return False
            return True
        if ftype == "texts":
            items = v if isinstance(v, list) else [y]
            bad = [i for i in items if not isinstance(i.value, str) or not i.value.strip()]
            for i in bad:
                self.problem(i.line, fpath, N_("expected text, found {type_name}"),
                             N_("write `{name}: [Name, Other name]`"), type_name=_type_name(i.value), name=name)
            return not bad
        if ftype.startswith(("enum:", "enum-list:")):
            allowed = ftype.split(":", 1)[1].split("|")
            values = v if isinstance(v, list) else [y]
            if ftype.startswith("enum-list:") and isinstance(v, str):
                values = [y]
            if ftype.startswith("enum:") and isinstance(v, list):
                self.problem(y.line, fpath, N_("expected one value, found a list"),
                             N_("choose one of: {join}"), join=', '.join(allowed))
                return False
            ok = True
            for item in values:
                if item.value not in allowed:
                    hint = did_you_mean(str(item.value), allowed) or Msg(N_("choose one of: {join}"),
                                                                         join=", ".join(allowed))
                    self.problem(item.line, fpath, N_("'{value}' is not an allowed value"), hint, value=item.value)
                    ok = False
            return ok
        if ftype.startswith("ref:") or ftype == "role":
            if not isinstance(v, str):
                self.problem(y.line, fpath, N_("expected an id, found {type_name}"),
                             N_("write one id, e.g. `{name}: some-id`"), type_name=_type_name(v), name=name)
                return False
            return self._check_id_syntax(y, fpath)
        if ftype.startswith("refs:") or ftype == "roles":
            items = v if isinstance(v, list) else [y]
            ok = True
            for item in items:
                if not isinstance(item.value, str):
                    self.problem(item.line, fpath, N_("expected an id, found {type_name}"),
                                 N_("write `{name}: some-id` or `{name}: [id1, id2]`"), type_name=_type_name(item.value), name=name)
                    ok = False
                elif not self._check_id_syntax(item, fpath):
                    ok = False
            return ok
        raise AssertionError(f"unknown field type {ftype}")

    def _check_id_syntax(self, y: Y, fpath: str) -> bool:
        if not ID_RE.match(y.value):
            self.problem(y.line, fpath, N_("'{value}' is not a valid id"),
                         N_("ids use lower-case ASCII letters, digits and '-'"), value=y.value)
            return False
        return True


def read_case_file(path: Path, display: str, problems: list[Problem], kinds: dict[str, Any] | None = None,
                   looked_in: tuple[str, ...] = ()) -> CaseFile | None:
    """Read one YAML case file against the schema (with the kinds of order rule known); problems are appended."""
    tree, found = load_yaml(path, display)
    problems.extend(found)
    if tree is None:
        return None
    reader = _Reader(display, problems, kinds, looked_in)
    top = reader.record("case", tree, "", None)
    if top is None or "case" not in top.fields:
        return None
    lang = top.get("lang") or "en"
    return CaseFile(path, display, str(top.get("case")), str(lang), top)


def _generated_id(rec: Record) -> str:
    if rec.kind == "claim":
        parts = [rec.get("bearer"), rec.get("role"), rec.get("context")]
        return "claim-" + "-".join(str(p) for p in parts if p)
    if rec.kind == "membership":
        parts = [rec.get("member"), rec.get("team"), rec.get("context")]
        return "membership-" + "-".join(str(p) for p in parts if p)
    if rec.kind == "definition":
        parts = ["definition", rec.get("by"), rec.get("context")]
        return "-".join(str(p) for p in parts if p)
    if rec.kind == "rule" and rec.parent is not None:
        siblings = rec.parent.children.get("rules", [])
        # An order without an id has been reported already; its rules still need ids of their own.
        owner = rec.parent.id or f"order-at-line-{rec.parent.line}"
        return f"{owner}-rule-{siblings.index(rec) + 1}"
    raise AssertionError(rec.kind)


def group_cases(files: list[CaseFile], problems: list[Problem]) -> dict[str, Case]:
    """Group files by case id and register every id, reporting duplicates."""
    cases: dict[str, Case] = {}
    for f in files:
        case = cases.setdefault(f.case_id, Case(f.case_id))
        case.files.append(f)
    for case in cases.values():
        generated: list[Record] = []
        for rec in case.records():
            if rec.kind not in ID_KINDS:
                continue
            if "id" not in rec.fields:
                if rec.kind in ("claim", "membership", "rule", "definition"):
                    generated.append(rec)
                continue
            rid = rec.id
            assert rid is not None
            if rid in case.ids:
                first = case.ids[rid]
                problems.append(Problem.of(rec.file, rec.line_of("id"), f"{rec.path}.id",
                                        N_("duplicate id '{rid}' (first defined at {filename}:{line_of})"),
                                        N_("ids must be unique within a case, across all its files: rename one"), rid=rid, filename=first.file, line_of=first.line_of('id')))
                continue
            case.ids[rid] = rec
        for rec in generated:
            base = _generated_id(rec)
            rid, n = base, 2
            while rid in case.ids:
                rid, n = f"{base}-{n}", n + 1
            rec.generated_id = rid
            case.ids[rid] = rec
    return cases


_KIND_WORDS = {"actor": Msg(N_("an actor")), "team": Msg(N_("a team")), "context": Msg(N_("a context")), "process": Msg(N_("a process")),
               "order": Msg(N_("an interaction order")), "phase": Msg(N_("a phase")), "source": Msg(N_("a source")),
               "role": Msg(N_("a role")), "claim": Msg(N_("a claim")), "membership": Msg(N_("a membership")), "rule": Msg(N_("a rule")),
               "definition": Msg(N_("a definition of the situation")), "standing": Msg(N_("a standing (mandate, credential, membership)"))}


def _either(kinds: list[str]) -> Msg:
    """'an actor', 'an actor or a team', 'an actor, a team or a context', said in any language."""
    words = [_KIND_WORDS[k] for k in kinds]
    return words[0] if len(words) == 1 else Msg(N_("{choices} or {last}"), choices=words[:-1], last=words[-1])


def check_references(case: Case, shared_roles: set[str], problems: list[Problem],
                     order_kinds: dict[str, Any] | None = None, looked_in: tuple[str, ...] = ()) -> None:
    """Check that every reference of a case resolves to a record of the right kind."""
    case_roles = {rid for rid, r in case.ids.items() if r.kind == "role"}
    all_roles = case_roles | shared_roles
    spec_rule = rule_fields(order_kinds)
    role_hint = N_("declare it under `roles:` with `specialises:`, or use a shared role (`rolegraph roles` lists "
                   "them); roles are looked for in the case's `roles:`, ontology/roles.ttl and the extensions' "
                   "ontology.ttl under ./extensions and the directories in $ROLEGRAPH_EXTENSIONS")
    for rec in case.records():
        for name, (ftype, _) in (spec_rule if rec.kind == "rule" else FIELDS[rec.kind]).items():
            if name not in rec.fields:
                continue
            y = rec.fields[name]
            items = y.value if isinstance(y.value, list) else [y]
            fpath = f"{rec.path}.{name}"
            if ftype in ("role", "roles"):
                for item in items:
                    if item.value not in all_roles:
                        hint = did_you_mean(item.value, all_roles) or role_hint
                        problems.append(Problem.of(rec.file, item.line, fpath,
                                                N_("unknown role '{value}'"), hint, value=item.value))
                continue
            if not (ftype.startswith(("ref:", "refs:"))):
                continue
            kinds = ftype.split(":", 1)[1].split("|")
            for item in items:
                target = case.ids.get(item.value)
                if target is None:
                    candidates = [i for i, r in case.ids.items() if r.kind in kinds]
                    hint = did_you_mean(item.value, candidates)
                    if not hint:
                        wanted = _either(kinds)
                        hint = Msg(N_("declare {wanted} with this id, or use one of: {ids}"), wanted=wanted,
                                   ids=", ".join(sorted(candidates)[:8]) or Msg(N_("(none declared)")))
                    problems.append(Problem.of(rec.file, item.line, fpath,
                                            N_("unknown id '{value}'"), hint, value=item.value))
                elif target.kind not in kinds:
                    wanted = _either(kinds)
                    problems.append(Problem.of(
                        rec.file, item.line, fpath,
                        N_("'{value}' is {value2} (at {filename}:{lineno}), expected {wanted}"),
                        N_("point `{name}` at {wanted}"), value=item.value, value2=_KIND_WORDS[target.kind], filename=target.file, lineno=target.line, wanted=wanted, name=name))


QUOTE_RULES = Msg(N_("line breaks, hyphenation, typographic quote marks and dashes do not matter"))


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when below it."""
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    return str(resolved.relative_to(cwd)) if resolved.is_relative_to(cwd) else str(resolved)


def open_source(path: Path, file: str, where: Problem) -> tuple[SourceText | None, Problem | None]:
    """Read a source's text, or say (at `where`) why it cannot be read."""
    try:
        return read_source(path), None
    except UnicodeDecodeError as exc:
        return None, Problem.of(where.file, where.line, where.field,
                             N_("the source file {filename} is not UTF-8 text ({reason})"),
                             N_("save the source as plain UTF-8 text"), filename=file, reason=exc.reason)
    except OSError:
        message = (N_("the source file {filename} is a directory, not a file (looked for {shown_path})")
                   if path.is_dir() else N_("the source file {filename} is missing (looked for {shown_path})"))
        return None, Problem.of(where.file, where.line, where.field, message,
                                N_("give the path of the source's plain text relative to this case file, e.g. "
                                   "`file: ../sources/my-interview.txt`"), filename=file, shown_path=shown_path(path))


def quote_problem(quote: str, source: SourceText, file: str, where: Problem) -> Problem | None:
    """A problem at `where` when `quote` is not in `source` word for word, naming the closest passage."""
    miss = find_quote(quote, source)
    if miss is None:
        return None
    at = {"filename": file, "lineno": miss.line, "passage": miss.passage}
    if miss.reason == "not-found":
        return Problem.of(where.file, where.line, where.field,
                          N_("quote not found word for word in {filename}; closest passage at line {lineno}"),
                          N_('the source reads at line {lineno}: "{passage}"; quote its words exactly ({rules})'),
                          rules=QUOTE_RULES, **at)
    if miss.reason == "cut-start":
        return Problem.of(where.file, where.line, where.field,
                          N_("quote begins inside a word of {filename} (line {lineno})"),
                          N_('the source reads at line {lineno}: "{passage}"; begin the quote at a whole word'), **at)
    return Problem.of(where.file, where.line, where.field,
                      N_("quote ends inside a word of {filename} (line {lineno})"),
                      N_('the source reads at line {lineno}: "{passage}"; end the quote at a whole word'), **at)


def check_quotes(case: Case, problems: list[Problem], warnings: list[Problem]) -> None:
    """Check every quote against its source's file; warn once for each source without one."""
    case_paths = {f.display: f.path for f in case.files}
    texts: dict[str, tuple[SourceText, str]] = {}
    for rid, rec in case.ids.items():
        if rec.kind != "source":
            continue
        file = rec.get("file")
        if not isinstance(file, str):
            warnings.append(Problem.of(rec.file, rec.line, rec.path,
                                    N_("source '{rid}' has no file, so its quotes are not checked"),
                                    N_("add `file:` with the path of the source's plain text, relative to this case "
                                       "file; without it, quotes are taken on trust"), rid=rid))
            continue
        where = Problem(rec.file, rec.line_of("file"), f"{rec.path}.file", "")
        text, problem = open_source(case_paths[rec.file].parent / file, file, where)
        if problem is not None:
            problems.append(problem)
        elif text is not None:
            texts[rid] = (text, file)
    for rec in case.records():
        quote, source = rec.get("quote"), rec.get("source")
        if rec.kind != "evidence" or not isinstance(quote, str) or not isinstance(source, str):
            continue
        if source in texts:
            text, file = texts[source]
            where = Problem(rec.file, rec.line_of("quote"), f"{rec.path}.quote", "")
            if (problem := quote_problem(quote, text, file, where)) is not None:
                problems.append(problem)


def read_cases(paths: list[tuple[Path, str]], shared_roles: set[str],
               problems: list[Problem], progress: Callable[[str, int, int], None] | None = None,
               warnings: list[Problem] | None = None,
               kinds: dict[str, Any] | None = None, looked_in: tuple[str, ...] = ()) -> dict[str, Case]:
    """Read YAML case files, group them by case, check all references and every quote."""
    files = []
    for i, (p, d) in enumerate(paths, 1):
        if (cf := read_case_file(p, d, problems, kinds, looked_in)) is not None:
            files.append(cf)
        if progress is not None:
            progress(N_("read"), i, len(paths))
    cases = group_cases(files, problems)
    for case in cases.values():
        check_references(case, shared_roles, problems, kinds, looked_in)
        check_quotes(case, problems, [] if warnings is None else warnings)
    return cases

"""Kinds of interaction-order rule declared as data: the core's and those extensions bring.

A kind is declared in YAML (`rules/order-kinds.yaml` for the core,
`extensions/NAME/order-kinds.yaml` for an extension):

    requires:                         # a rule of this kind is written `- requires: <value>`
      label: {en: ..., da: ...}
      definition: {en: ..., da: ...}
      class: rg:RoleRequirement       # optional; default ext:<KindInCamelCase>
      value: {type: "ref:standing|actor|team", property: rg:requiredStanding, label: {en: ..., da: ...}}
      fields:                         # further fields of such a rule
        role: {type: role, required: true, property: rg:requiringRole, label: {en: ..., da: ...}}
      rule: order/role-requirement-unmet.rq   # the SPARQL rule that gives the kind its meaning

Case files then use the kind like `reserve`; the validator checks its fields, the
compiler writes the rule node with the declared class and properties, and the
SPARQL rule draws its conclusions (explained like every rule's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from ..errors import Msg, Problem
from ..i18n import N_
from ..resources import data_dir
from ..sparql_text import query_form, syntax_error_message
from ..vocab import BASE, RG
from .schema import did_you_mean
from .yamlsrc import Y, load_yaml

EXT_BASE = BASE + "ext/"
CORE_FILE = "order-kinds.yaml"
# fields every rule has, whatever its kind, and the two kinds written in code
COMMON_FIELDS = ("id", "held_by", "in_absentia", "note", "evidence")
BUILTIN_KINDS = ("reserve", "incompatible")
BUILTIN_FIELDS = ("reserve", "for", "incompatible")
KIND_KEYS = ("label", "definition", "class", "value", "fields", "rule")
FIELD_KEYS = ("type", "required", "property", "label")
REF_TARGETS = ("actor", "team", "context", "process", "phase", "source", "order", "standing",
               "claim", "membership", "definition")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_DATA_TYPES = ("text", "label", "bool")


@dataclass(frozen=True)
class KindField:
    """One field of a kind of order rule."""

    name: str
    type: str
    required: bool
    prop: URIRef
    label: dict[str, str]


@dataclass(frozen=True)
class OrderKind:
    """A kind of interaction-order rule: its fields, class and the file of its meaning."""

    name: str
    label: dict[str, str]
    definition: dict[str, str]
    cls: URIRef
    value: KindField
    fields: dict[str, KindField]
    rule: Path
    declared_in: str
    line: int
    extension: str | None = None

    def all_fields(self) -> dict[str, KindField]:
        """The kind's own key and its further fields."""
        return {self.name: self.value, **self.fields}


@dataclass
class KindSet:
    """The kinds found, where they were looked for, and the problems of their declarations."""

    kinds: dict[str, OrderKind] = field(default_factory=dict)
    looked_in: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _camel(name: str, upper: bool) -> str:
    parts = name.split("-")
    out = "".join(p.capitalize() for p in parts)
    return out if upper else out[:1].lower() + out[1:]


def _iri(text: str, ns: str) -> URIRef | None:
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    if text.startswith("rg:"):
        return URIRef(str(RG) + text[3:])
    if text.startswith("ext:"):
        return URIRef(ns + text[4:])
    return None


def _bilingual(y: Y | None) -> dict[str, str] | None:
    if y is None or not isinstance(y.value, dict):
        return None
    # exactly en and da: an unquoted comma inside { } would start a stray entry
    out = {k: v.value for k, v in y.value.items() if isinstance(v.value, str) and v.value.strip()}
    return out if set(out) == set(y.value) == {"en", "da"} else None


def _check_type(t: object) -> bool:
    if not isinstance(t, str):
        return False
    if t in _DATA_TYPES or t in ("role", "roles"):
        return True
    m = re.fullmatch(r"(ref|refs):([a-z|]+)", t)
    if m:
        return all(k in REF_TARGETS for k in m.group(2).split("|"))
    return bool(re.fullmatch(r"enum:[a-z0-9-]+(\|[a-z0-9-]+)*", t))


def _read_field(name: str, y: Y, display: str, ns: str, default_prop: URIRef,
                problems: list[Problem], where: str) -> KindField | None:
    if not y.is_map():
        problems.append(Problem.of(display, y.line, where, N_("a field is declared as a mapping"),
                                N_("write `{type: text, label: {en: ..., da: ...}}`")))
        return None
    ok = True
    for key in y.value:
        if key not in FIELD_KEYS:
            problems.append(Problem.of(display, y.key_lines.get(key, y.line), f"{where}.{key}",
                                    N_("unknown field '{key}' of a declared field"),
                                    N_("a declared field has: {join}"), key=key, join=', '.join(FIELD_KEYS)))
            ok = False
    t = y.value.get("type")
    if t is None or not _check_type(t.value):
        problems.append(Problem.of(display, t.line if t else y.line, f"{where}.type",
                                N_("'{value}' is not a field type"),
                                N_("use text, label, bool, role, roles, enum:a|b, ref:<kinds> or refs:<kinds> "
                                   "(kinds: {join})"), value=t.value if t else '', join=', '.join(REF_TARGETS)))
        ok = False
    label = _bilingual(y.value.get("label"))
    if label is None:
        problems.append(Problem.of(display, y.line, f"{where}.label", N_("a declared field needs a label in en and da"),
                                N_('write `label: {en: ..., da: ...}`; quote text with commas: {en: "a, b", da: "c, '
                                   'd"}')))
        ok = False
    prop = default_prop
    if "property" in y.value:
        got = _iri(str(y.value["property"].value), ns)
        if got is None:
            problems.append(Problem.of(display, y.value["property"].line, f"{where}.property",
                                    N_("a property is written rg:name, ext:name or <iri>"), ""))
            ok = False
        else:
            prop = got
    req = y.value.get("required")
    if req is not None and not isinstance(req.value, bool):
        problems.append(Problem.of(display, req.line, f"{where}.required", N_("required is true or false"), ""))
        ok = False
    if not ok or t is None or label is None:
        return None
    return KindField(name, str(t.value), bool(req.value) if req else False, prop, label)


def read_kinds(path: Path, display: str, ns: str, rules_root: Path, extension: str | None,
               out: KindSet) -> None:
    """Read one declaration file into `out`, adding its problems."""
    # rolegraph's own declarations are not held to the limit on case files
    tree, found = load_yaml(path, display, limited=extension is not None)
    out.problems.extend(found)
    if tree is None:
        return
    if not tree.is_map():
        out.problems.append(Problem.of(display, tree.line, "order-kinds", N_("expected a mapping of kind names"),
                                    N_("write `my-kind:` followed by its label, fields and rule")))
        return
    for name, spec in tree.value.items():
        line = tree.key_lines.get(name, spec.line)
        if not _NAME.match(name):
            out.problems.append(Problem.of(display, line, name, N_("'{name}' is not a valid kind name"),
                                        N_("use lower-case letters, digits and '-'"), name=name))
            continue
        if name in BUILTIN_KINDS or name in COMMON_FIELDS or name in BUILTIN_FIELDS or name in out.kinds:
            first = out.kinds.get(name)
            where = f" (first declared at {first.declared_in}:{first.line})" if first else " (built in)"
            out.problems.append(Problem.of(display, line, name, N_("the kind '{name}' exists already{place}"),
                                        N_("choose another name"), name=name, place=where))
            continue
        kind = _read_kind(name, spec, display, ns, rules_root, extension, line, out.problems)
        if kind is not None:
            out.kinds[name] = kind


def _read_kind(name: str, spec: Y, display: str, ns: str, rules_root: Path, extension: str | None,
               line: int, problems: list[Problem]) -> OrderKind | None:
    if not spec.is_map():
        problems.append(Problem.of(display, line, name, N_("a kind is declared as a mapping"),
                                N_("give it label, definition, value, fields and rule")))
        return None
    before = len(problems)
    for key in spec.value:
        if key not in KIND_KEYS:
            problems.append(Problem.of(display, spec.key_lines.get(key, spec.line), f"{name}.{key}",
                                    N_("unknown field '{key}' of a kind"),
                                    did_you_mean(key, KIND_KEYS) or Msg(N_("a kind has: {keys}"), keys=", ".join(KIND_KEYS)), key=key))
    label = _bilingual(spec.value.get("label"))
    definition = _bilingual(spec.value.get("definition"))
    for what, got in (("label", label), ("definition", definition)):
        if got is None:
            problems.append(Problem.of(display, spec.value[what].line if what in spec.value else line, f"{name}.{what}",
                                    N_("a kind needs a {what} in en and da, and nothing else"),
                                    N_('write `{what}: {{en: ..., da: ...}}`; quote text with commas: {{en: "a, b", da: '
                                       '"c, d"}}'), what=what))
    cls = URIRef(ns + _camel(name, True))
    if "class" in spec.value:
        got_cls = _iri(str(spec.value["class"].value), ns)
        if got_cls is None:
            problems.append(Problem.of(display, spec.value["class"].line, f"{name}.class",
                                    N_("a class is written rg:Name, ext:Name or <iri>"), ""))
        else:
            cls = got_cls
    value: KindField | None = None
    if "value" not in spec.value:
        problems.append(Problem.of(display, line, f"{name}.value", N_("a kind needs `value:`, the type of its own key"),
                                N_("e.g. `value: {{type: role, label: {{en: ..., da: ...}}}}` for `- {name}: <role>`"), name=name))
    else:
        value = _read_field(name, spec.value["value"], display, ns, URIRef(ns + _camel(name, False)),
                            problems, f"{name}.value")
        if value is not None:
            value = KindField(name, value.type, True, value.prop, value.label)
    fields: dict[str, KindField] = {}
    raw_fields = spec.value.get("fields")
    if raw_fields is not None:
        if not raw_fields.is_map():
            problems.append(Problem.of(display, raw_fields.line, f"{name}.fields", N_("fields are a mapping of name to field"), ""))
        else:
            for fname, fy in raw_fields.value.items():
                where = f"{name}.fields.{fname}"
                if not _NAME.match(fname.replace("_", "-")) or fname in COMMON_FIELDS or fname in BUILTIN_FIELDS:
                    problems.append(Problem.of(display, raw_fields.key_lines.get(fname, fy.line), where,
                                            N_("'{fname}' cannot name a field of a kind"),
                                            N_("use a lower-case name other than {join}"), fname=fname, join=', '.join(COMMON_FIELDS + BUILTIN_FIELDS)))
                    continue
                kf = _read_field(fname, fy, display, ns, URIRef(ns + _camel(fname.replace("_", "-"), False)),
                                 problems, where)
                if kf is not None:
                    fields[fname] = kf
    rule_path: Path | None = None
    if "rule" not in spec.value:
        problems.append(Problem.of(display, line, f"{name}.rule", N_("a kind needs `rule:`, the SPARQL file that gives its meaning"),
                                N_("e.g. `rule: rules/my-kind.rq` (a CONSTRUCT like those in rules/order/)")))
    else:
        ry = spec.value["rule"]
        rule_path = (rules_root / str(ry.value)).resolve()
        inside = extension is None or rule_path.is_relative_to((rules_root / "rules").resolve())
        if not rule_path.is_file():
            problems.append(Problem.of(display, ry.line, f"{name}.rule", N_("no rule file {value}"),
                                    N_("write the rule at {value2}"), value=ry.value, value2=rules_root / str(ry.value)))
        elif not inside:
            problems.append(Problem.of(display, ry.line, f"{name}.rule", N_("the rule file must lie in the extension's rules/"),
                                    N_("`reason` applies the rules under rules/ of the extension")))
        else:
            # a first check here; `reason` reads the rule in full (header, template, premises)
            is_construct, error = _check_rule_file(rule_path)
            if error is not None:
                problems.append(Problem.of(display, ry.line, f"{name}.rule",
                                           N_("the rule {value} does not parse: {value2}"),
                                           N_("rules are SPARQL 1.1 CONSTRUCT queries with a `#+ title:` header"),
                                           value=ry.value, value2=error))
            elif not is_construct:
                problems.append(Problem.of(display, ry.line, f"{name}.rule",
                                           N_("the rule {value} is not a CONSTRUCT query with a `#+` header"),
                                           N_("start with `#+ title: ...`, then `CONSTRUCT {{ ... }} WHERE {{ ... }}`"),
                                           value=ry.value))
    if len(problems) > before or value is None or rule_path is None or label is None or definition is None:
        return None
    return OrderKind(name, label, definition, cls, value, fields, rule_path, display, line, extension)


# The first check of each rule file by path, kept while the file is unchanged (mtime and size):
# every build and validation reads the kinds, and SPARQL parsing is the slow part of that.
_CHECKED: dict[Path, tuple[int, int, bool, str | None]] = {}


def _check_rule_file(path: Path) -> tuple[bool, str | None]:
    """Whether a rule file is a CONSTRUCT query with a `#+` header, or why it does not parse."""
    stat = path.stat()
    cached = _CHECKED.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2], cached[3]
    text = path.read_text(encoding="utf-8")
    try:
        # Oxigraph's parser, which the rules run in: 1.5 ms where rdflib's took 0.24 s (and 0.2 to
        # 0.3 s more to import). Nothing is evaluated: the result is not read.
        ox.Store().query(text)
        is_construct = query_form(text) == "CONSTRUCT" and text.startswith("#+")
        error = None
    except SyntaxError as exc:
        is_construct, error = False, syntax_error_message(text, str(exc))
    _CHECKED[path] = (stat.st_mtime_ns, stat.st_size, is_construct, error)
    return is_construct, error


def rule_checks() -> dict[Path, tuple[int, int, bool, str | None]]:
    """The rule files checked so far in this process, to hand to worker processes."""
    return dict(_CHECKED)


def remember_rule_checks(checks: dict[Path, tuple[int, int, bool, str | None]]) -> None:
    """Take another process's checks (each still compared with the file's mtime and size)."""
    _CHECKED.update(checks)


def display_path(path: Path) -> str:
    """How to name a file in messages: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def core_kinds_file() -> Path:
    """The core's declaration of order-rule kinds."""
    return data_dir("rules") / CORE_FILE


def extension_kinds_file(ext_path: Path) -> Path:
    """Where an extension declares its order-rule kinds."""
    return ext_path / CORE_FILE


def load_kinds(extensions: list[Any] | None = None) -> KindSet:
    """The core's kinds and those of the extensions (each with `name` and `path`), with problems."""
    out = KindSet()
    core = core_kinds_file()
    out.looked_in.append(f"{display_path(core)} (core)")
    read_kinds(core, display_path(core), str(RG), core.parent, None, out)
    for ext in extensions or []:
        f = extension_kinds_file(ext.path)
        out.looked_in.append(display_path(f))
        if f.is_file():
            read_kinds(f, display_path(f), f"{EXT_BASE}{ext.name}#", ext.path, ext.name, out)
    return out


def kinds_graph(kinds: dict[str, OrderKind]) -> Graph:
    """Ontology triples for the classes and properties of extensions' kinds (the core's are in core.ttl)."""
    g = Graph()
    for kind in kinds.values():
        if not str(kind.cls).startswith(str(RG)) and (kind.cls, None, None) not in g:
            g.add((kind.cls, RDF.type, OWL.Class))
            g.add((kind.cls, RDFS.subClassOf, RG.OrderRule))
            for lang, text in kind.label.items():
                g.add((kind.cls, RDFS.label, Literal(text, lang=lang)))
            for lang, text in kind.definition.items():
                g.add((kind.cls, SKOS.definition, Literal(text, lang=lang)))
        for f in kind.all_fields().values():
            if str(f.prop).startswith(str(RG)) or (f.prop, None, None) in g:
                continue
            ptype = OWL.DatatypeProperty if f.type in _DATA_TYPES or f.type.startswith("enum:") else OWL.ObjectProperty
            g.add((f.prop, RDF.type, ptype))
            g.add((f.prop, RDFS.domain, kind.cls))
            for lang, text in f.label.items():
                g.add((f.prop, RDFS.label, Literal(text, lang=lang)))
                g.add((f.prop, SKOS.definition, Literal(f"{text} ({kind.label[lang]})", lang=lang)))
    return g

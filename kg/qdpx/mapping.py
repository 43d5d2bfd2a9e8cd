"""The mapping from a QDA project's codes to rolegraph's kinds, its scaffold, and the draft cases.

A mapping file (YAML) says, code by code, what a code means to rolegraph:

    case: my-study            # id of the draft case (or of the default one when split: cases)
    title: My study
    lang: da
    split: project            # project: one case; cases: one case per REFI-QDA case
    context: ~                # a context id for segments that carry no context code
    cases: {"Interview 1": my-study-1}        # with split: cases, REFI-QDA case -> case id
    sources: {"Interview 1.txt": interview-1}  # optional: source name -> source id
    codes:
      "Roller/Referent": {role: minute-taker}
      "Roller/Ambassadør": {role: ambassador, specialises: co-creator}
      "Aktører/Mia": {actor: mia, kind: person, side: citizen, aliases: [Mia, Mia S.]}
      "Publikum/De andre": {audience: other-users, kind: group}
      "Kontekster/Workshop": {context: workshop, kind: workshop}
      "Holdning/Accepterer": {stance: accepts}
      "Udfald/Afvist": {outcome: refused}
      "Temaer/Tillid": ~        # not placed: its segments are kept as notes and listed

A coded segment whose codes name a role, a bearer (actor or team) and a context (or the default
context) becomes a claim with the segment's verbatim text as a quote; with an outcome and an
audience it is a response to that claim. Everything else is kept as a note and listed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cases.yamlsrc import Y, load_yaml
from ..errors import CaseDataError, Msg, Problem
from ..i18n import N_
from .model import Code, Project, Selection, Source, norm_guid

KINDS = ("role", "actor", "team", "audience", "speaker", "giver", "context", "stance", "outcome", "mode")
MODES = ("taken", "given")
STANCES = ("embraces", "accepts", "distances")
OUTCOMES = ("recognised", "refused", "contested", "failed", "not-taken-up", "ignored")
_ENTRY_FIELDS = {"role": ("specialises", "label"), "actor": ("kind", "side", "personal", "aliases", "label"),
                 "team": ("label",), "audience": ("kind", "side", "personal", "aliases", "label"),
                 "speaker": ("kind", "side", "personal", "aliases", "label"),
                 "giver": ("kind", "side", "personal", "aliases", "label"), "context": ("kind", "label"),
                 "stance": (), "outcome": (), "mode": ()}
# a code whose description carries this marker was written by `rolegraph export-qdpx`
MARKER = re.compile(r"rolegraph:(role|actor|team|audience|speaker|giver|context|stance|outcome|mode|case|source)"
                    r"=([a-z0-9][a-z0-9-]*)(?:/([a-z0-9][a-z0-9-]*))?")
# the whole marker line, with its extra fields (` kind=person side=citizen`), is not a note
MARKER_LINE = re.compile(r"^rolegraph:[a-z]+=\S+(?: [a-z_]+=\S+)*[ \t]*$\n?", re.MULTILINE)
_EXTRA = re.compile(r" ([a-z_]+)=(\S+)")


def strip_marker(text: str) -> str:
    """A description without rolegraph's marker line."""
    return MARKER_LINE.sub("", text).strip()


# word stems (English and Danish) that name a stance or an outcome in a code's name
_VALUE_STEMS = {"stance": [("embrac", "embraces"), ("omfavn", "embraces"), ("accept", "accepts"),
                           ("distanc", "distances"), ("distance", "distances")],
                "outcome": [("recogni", "recognised"), ("anerkend", "recognised"), ("refus", "refused"),
                            ("afvis", "refused"), ("afvist", "refused"), ("contest", "contested"),
                            ("omstrid", "contested"), ("bestrid", "contested"),
                            ("fail", "failed"), ("mislyk", "failed"), ("not taken", "not-taken-up"),
                            ("ikke taget", "not-taken-up"), ("ignor", "ignored")]}
# (kind, words) tried in order on the top-level group's name: "holdning" before "hold"
_GUESS = [("role", ("role", "rolle")), ("audience", ("audience", "publikum", "respons fra")),
          ("speaker", ("speaker", "taler", "informant")), ("stance", ("stance", "holdning")),
          ("outcome", ("outcome", "udfald", "response")), ("context", ("context", "kontekst", "situation", "setting")),
          ("actor", ("actor", "aktør", "aktor", "person", "deltager", "participant")),
          ("team", ("team", "hold"))]


def slug(text: str, fallback: str = "x") -> str:
    """An id from a name: lower-case ASCII letters, digits and '-'."""
    norm = unicodedata.normalize("NFKD", text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
                                 .replace("Æ", "Ae").replace("Ø", "Oe").replace("Å", "Aa"))
    ascii_text = norm.encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return s[:60].strip("-") or fallback


@dataclass
class Entry:
    """What one code means: a kind, a value (an id or a stance/outcome) and extra fields."""

    kind: str
    value: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Mapping:
    """A read mapping file."""

    case: str
    title: str
    lang: str = "en"
    split: str = "project"
    context: str | None = None
    cases: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    codes: dict[str, Entry | None] = field(default_factory=dict)

    def entry(self, code: Code) -> Entry | None:
        """The entry of a code, looked up by path, then GUID, then name."""
        for key in (code.path, code.guid, code.name):
            if key in self.codes:
                return self.codes[key]
        return None


def read_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; every problem is reported with its line."""
    display = str(path)
    if not path.is_file():
        raise CaseDataError([Problem.of(display, 1, "file", N_("no such mapping file"),
                                     N_("scaffold one with `rolegraph import-qdpx PROJECT.qdpx --init-map FILE`"))])
    tree, problems = load_yaml(path, display)
    if tree is None or not tree.is_map():
        raise CaseDataError(problems or [Problem.of(display, 1, "file", N_("the mapping must be a YAML mapping"),
                                                 N_("start with `case: <id>` and `codes:`"))])
    top: dict[str, Y] = tree.value

    def bad(y: Y, where: str, msg: str, hint: str, **params: Any) -> None:
        problems.append(Problem.of(display, y.line, where, msg, hint, **params))

    for k, kv in top.items():
        if k not in ("case", "title", "lang", "split", "context", "cases", "sources", "codes"):
            bad(kv, k, N_("unknown field '{name}'"),
                N_("the fields are: case, title, lang, split, context, cases, sources, codes"), name=k)
    case = top.get("case")
    if case is None or not isinstance(case.value, str) or not re.match(r"^[a-z0-9][a-z0-9-]*$", case.value):
        bad(case or tree, "case", N_("a mapping needs `case:` with a valid id"), N_("e.g. `case: my-study`"))
    m = Mapping(case=str(case.value) if case else "x",
                title=str(top["title"].value) if "title" in top else str(case.value if case else "x"))
    if "lang" in top:
        if top["lang"].value not in ("en", "da"):
            bad(top["lang"], "lang", N_("'{value}' is not en or da"), N_("write `lang: en` or `lang: da`"),
                value=top["lang"].value)
        else:
            m.lang = top["lang"].value
    if "split" in top:
        if top["split"].value not in ("project", "cases"):
            bad(top["split"], "split", N_("'{value}' is not project or cases"),
                N_("project: one case for the whole project; cases: one per REFI-QDA case"), value=top["split"].value)
        else:
            m.split = top["split"].value
    if "context" in top and top["context"].value is not None:
        m.context = str(top["context"].value)
    for name in ("cases", "sources"):
        if name in top and top[name].value is not None:
            if not top[name].is_map():
                bad(top[name], name, N_("expected a mapping of names to ids"), N_('write `{name}: {{"Name": some-id}}`'),
                    name=name)
            else:
                getattr(m, name).update({k: str(v.value) for k, v in top[name].value.items()})
    codes = top.get("codes")
    if codes is None or not codes.is_map():
        bad(codes or tree, "codes", N_("a mapping needs `codes:`, one entry per code"),
            N_("scaffold one with `rolegraph import-qdpx PROJECT.qdpx --init-map FILE`"))
    else:
        space: dict[str, tuple[str, str]] = {}  # id -> (record kind, code) across the draft's id space
        for key, y in codes.value.items():
            e = m.codes[key] = _entry(y, f"codes.{key}", bad)
            if e is None or e.kind in ("stance", "outcome", "mode"):
                continue
            rec_kind = {"audience": "actor", "speaker": "actor", "giver": "actor"}.get(e.kind, e.kind)
            first = space.setdefault(e.value, (rec_kind, key))
            if first[0] != rec_kind:
                bad(y, f"codes.{key}", N_("'{value}' is already a {kind} (code '{code}')"),
                    N_("ids are shared by all records of a case: give this one another id"),
                    value=e.value, kind=first[0], code=first[1])
    if problems:
        raise CaseDataError(problems)
    return m


def _entry(y: Y, where: str, bad: Any) -> Entry | None:
    if y.value is None:
        return None
    if not y.is_map():
        bad(y, where, N_("expected `{{<kind>: <id>}}` or ~"), N_("kinds: {kinds}"), kinds=", ".join(KINDS))
        return None
    kinds = [k for k in y.value if k in KINDS]
    if len(kinds) != 1:
        bad(y, where, N_("name exactly one kind, found {n}"), N_("kinds: {kinds}"), n=len(kinds), kinds=", ".join(KINDS))
        return None
    kind = kinds[0]
    value = y.value[kind].value
    allowed = {"stance": STANCES, "outcome": OUTCOMES, "mode": MODES}.get(kind)
    if allowed and value not in allowed:
        bad(y.value[kind], f"{where}.{kind}", N_("'{value}' is not one of {choices}"), "", value=value,
            choices=", ".join(allowed))
        return None
    if not allowed and (not isinstance(value, str) or not re.match(r"^[a-z0-9][a-z0-9-]*$", value)):
        bad(y.value[kind], f"{where}.{kind}", N_("'{value}' is not a valid id"),
            N_("use lower-case ASCII letters, digits and '-'"), value=value)
        return None
    extra = {}
    for k, v in y.value.items():
        if k == kind:
            continue
        if k not in _ENTRY_FIELDS[kind]:
            bad(v, f"{where}.{k}", N_("unknown field '{name}' for a {kind}"),
                N_("a {kind} entry may have: {fields}") if _ENTRY_FIELDS[kind] else N_("a {kind} entry has nothing else"),
                name=k, kind=kind, fields=", ".join(_ENTRY_FIELDS[kind]))
            continue
        extra[k] = v.plain()
    return Entry(kind, str(value), extra)


def _guess(code: Code, project: Project) -> Entry | None:
    if not code.codable or any(c.parent == code.guid for c in project.codes.values()):
        return None
    m = MARKER.search(code.description)
    if m and m.group(1) in KINDS:
        line = MARKER_LINE.search(code.description)
        extra: dict[str, Any] = {}
        for k, v in _EXTRA.findall(line.group(0) if line else ""):
            if k in _ENTRY_FIELDS[m.group(1)]:
                extra[k] = True if v == "true" else False if v == "false" else v
        return Entry(m.group(1), m.group(3) or m.group(2), extra)
    top = code.path.split("/")[0].lower()
    for kind, words in _GUESS:
        if code.parent is not None and any(w in top for w in words):
            if kind in ("stance", "outcome"):
                name = code.name.lower()
                hit = next((v for stem, v in _VALUE_STEMS[kind] if stem in name), None)
                return Entry(kind, hit) if hit else None
            return Entry(kind, slug(code.name))
    return None


def scaffold(project: Project) -> str:
    """A mapping file for this project, every code listed, with guesses filled in."""
    case_id = slug(project.name, "study")
    named = [c for c in project.cases.values() if c.name]
    marked_cases = [MARKER.search(c.description) for c in named]
    split = "cases" if len(named) > 1 or any(marked_cases) else "project"
    lines = [f"# rolegraph import mapping for the REFI-QDA project {json.dumps(project.name)}",
             (f"# origin: {project.origin or 'unknown'}; {len(project.codes)} codes, "
              f"{len(project.sources)} sources, {len(project.cases)} cases"),
             "# Say for each code what it means: {role: id}, {actor: id}, {team: id}, {audience: id},",
             "# {speaker: id}, {context: id}, {stance: embraces|accepts|distances},",
             "# {outcome: recognised|refused|contested|failed|not-taken-up|ignored}, {mode: taken|given}; ~ keeps its segments as notes.",
             f"case: {case_id}", f"title: {json.dumps(project.name)}", "lang: en",
             f"split: {split}       # project: one case; cases: one case per REFI-QDA case",
             "context: ~           # context id for segments without a context code"]
    if named:
        lines.append("cases:")
        for c in named:
            m = MARKER.search(c.description)
            cid = m.group(2) if m and m.group(1) == "case" else slug(c.name, case_id)
            lines.append(f"  {json.dumps(c.name)}: {cid}")
    marked_sources = {s.name: m.group(3) for s in project.sources.values()
                      if (m := MARKER.search(s.description)) and m.group(1) == "source" and m.group(3)}
    if marked_sources:
        lines.append("sources:")
        lines.extend(f"  {json.dumps(k)}: {v}" for k, v in marked_sources.items())
    used = {g for s in project.sources.values() for sel in s.selections for g in sel.codes}
    used |= {g for s in project.sources.values() for g in s.codes}
    lines.append("codes:")
    for code in project.codes.values():
        count = sum(g == code.guid for s in project.sources.values() for sel in s.selections for g in sel.codes)
        e = _guess(code, project)
        if e is None:
            value = "~"
        else:
            fields = [f"{e.kind}: {e.value}"] + [f"{k}: {json.dumps(v)}" for k, v in e.extra.items()]
            if e.kind == "role" and not MARKER.search(code.description):
                fields.append("specialises: ~")
            value = "{" + ", ".join(fields) + "}"
        note = f"  # {count} segment(s)" + ("" if code.guid in used or count else ", unused")
        lines.append(f"  {json.dumps(code.path)}: {value}{note}")
    return "\n".join(lines) + "\n"


@dataclass
class Unplaced:
    """Something of the project the mapping could not place; kept as a note in the draft."""

    case: str
    what: str  # English; a Msg, to be said in another language


@dataclass
class Draft:
    """The draft of one case: the YAML data and the texts of its sources."""

    case: str
    data: dict[str, Any]
    texts: dict[str, str] = field(default_factory=dict)


def line_of(text: str, pos: int) -> int:
    """The 1-based line of a character position."""
    return text.count("\n", 0, max(pos, 0)) + 1


class _CaseBuilder:
    """Collects the records of one draft case."""

    def __init__(self, cid: str, title: str, lang: str) -> None:
        self.cid = cid
        self.data: dict[str, Any] = {"case": cid, "lang": lang, "title": title}
        self.sources: dict[str, dict[str, Any]] = {}
        self.actors: dict[str, dict[str, Any]] = {}
        self.teams: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.contexts: dict[str, dict[str, Any]] = {}
        self.claims: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.texts: dict[str, str] = {}
        self.notes: dict[str, list[str]] = {}

    @staticmethod
    def note(rec: dict[str, Any], text: str) -> None:
        rec["note"] = (rec["note"] + "\n\n" + text) if rec.get("note") else text

    def agent(self, entry: Entry, code: Code) -> None:
        if entry.kind == "team":
            self.teams.setdefault(entry.value, {"id": entry.value,
                                                "label": entry.extra.get("label") or code.name})
            return
        if entry.value in self.teams:
            return
        rec = self.actors.setdefault(entry.value, {"id": entry.value,
                                                   "label": entry.extra.get("label") or code.name})
        for k in ("kind", "side", "personal", "aliases"):
            if k in entry.extra and entry.extra[k] is not None:
                rec[k] = entry.extra[k]

    def build(self) -> dict[str, Any]:
        d = self.data
        for name, recs in (("sources", self.sources), ("actors", self.actors), ("teams", self.teams),
                           ("roles", self.roles), ("contexts", self.contexts)):
            if recs:
                d[name] = list(recs.values())
        if self.claims:
            d["claims"] = list(self.claims.values())
        return d


def _source_id(m: Mapping, src: Source, taken: set[str]) -> str:
    base = m.sources.get(src.name) or m.sources.get(src.guid) or slug(src.name.rsplit(".", 1)[0], "source")
    sid, n = base, 2
    while sid in taken:
        sid, n = f"{base}-{n}", n + 1
    return sid


def build_drafts(project: Project, m: Mapping,
                 shared_roles: set[str] | frozenset[str] = frozenset()) -> tuple[list[Draft], list[Unplaced]]:
    """Turn a project into draft cases with the mapping; list what could not be placed."""
    unplaced: list[Unplaced] = []
    builders: dict[str, _CaseBuilder] = {}

    def builder(cid: str, title: str) -> _CaseBuilder:
        if cid not in builders:
            builders[cid] = _CaseBuilder(cid, title, m.lang)
        return builders[cid]

    # which case each source and selection belongs to
    sel_case: dict[str, str] = {}
    src_cases: dict[str, list[str]] = {}
    if m.split == "cases":
        for qc in project.cases.values():
            if not qc.name:
                continue  # a case without a name holds a file's variables (MAXQDA, Quirkos)
            cm = MARKER.search(qc.description)
            cid = m.cases.get(qc.name) or (cm.group(2) if cm and cm.group(1) == "case" else slug(qc.name, m.case))
            title = qc.description.split("\n")[0] if qc.description and not cm else qc.name
            if cm:
                title = strip_marker(qc.description) or qc.name
            builder(cid, title)
            for g in qc.sources:
                src_cases.setdefault(g, []).append(cid)
            for g in qc.selections:
                sel_case[g] = cid
            for src in project.sources.values():
                for sel in src.selections:
                    if qc.guid in sel.cases:
                        sel_case.setdefault(sel.guid, cid)
    default = m.case

    def entries(guids: list[str]) -> tuple[dict[str, list[tuple[Entry, Code]]], list[Code]]:
        by_kind: dict[str, list[tuple[Entry, Code]]] = {k: [] for k in KINDS}
        rest: list[Code] = []
        for g in guids:
            code = project.codes.get(g)
            if code is None:
                continue
            e = m.entry(code)
            if e is None:
                rest.append(code)
            else:
                by_kind[e.kind].append((e, code))
        return by_kind, rest

    placed_codes: set[str] = set()
    memo_source: dict[str, dict[str, Any]] = {}
    for src in project.sources.values():
        cids = sorted({sel_case[s.guid] for s in src.selections if s.guid in sel_case}
                      | set(src_cases.get(src.guid, []))) or [default]
        src_kinds, _ = entries(src.codes)
        for cid in cids:
            b = builder(cid, m.title if cid == default else cid)
            sid = _source_id(m, src, set(b.sources))
            rec: dict[str, Any] = {"id": sid, "title": src.name}
            if src.description:
                rec["note"] = strip_marker(src.description) or None
                if not rec["note"]:
                    del rec["note"]
            for ng in src.notes:
                if (n := project.notes.get(ng)) is not None:
                    b.note(rec, f"Memo {n.name}: {n.text}".strip())
            if src.text is not None:
                b.texts[sid] = src.text
                rec["file"] = f"{sid}.txt"
            b.sources[sid] = rec
            default_speaker = next((e.value for e, c in src_kinds["speaker"] + src_kinds["actor"]), None)
            for e, c in src_kinds["speaker"] + src_kinds["actor"]:
                b.agent(e, c)
            for sel in src.selections:
                if sel_case.get(sel.guid, cid) != cid:
                    continue
                _place(project, m, b, src, sid, sel, entries, default_speaker, unplaced, placed_codes,
                       shared_roles)
    # memos and code descriptions: on the record they belong to, else on a memo source
    for code in project.codes.values():
        texts = [f"Memo {n.name}: {n.text}" for g in code.notes if (n := project.notes.get(g))]
        desc = strip_marker(code.description)
        if desc:
            texts.insert(0, desc)
        if not texts:
            continue
        ce = m.entry(code)
        targets = [t for b in builders.values() if ce is not None and (t := _record_for(b, ce)) is not None]
        for t in targets:
            for text in texts:
                _CaseBuilder.note(t, text)
        if not targets:
            b = builder(default, m.title) if len(builders) != 1 else next(iter(builders.values()))
            memo_source.setdefault(b.cid, {}).setdefault("lines", []).extend(
                f"Code {code.path}: {t}" for t in texts)
            unplaced.append(Unplaced(b.cid, Msg(N_("description or memo of code '{code}' (kept in the memos "
                                                   "source)"), code=code.path)))
    attached = {g for c in project.codes.values() for g in c.notes}
    attached |= {g for s in project.sources.values() for g in s.notes}
    attached |= {g for s in project.sources.values() for sel in s.selections for g in sel.notes}
    for n in project.notes.values():
        if n.guid in attached:
            continue
        cm = MARKER.search(n.description)
        if cm and cm.group(1) == "case" and cm.group(2) in builders:
            b = builders[cm.group(2)]
        else:
            b = builder(default, m.title) if len(builders) != 1 else next(iter(builders.values()))
        memo_source.setdefault(b.cid, {}).setdefault("lines", []).append(
            f"Memo {n.name}: {n.text}" if n.name else n.text)
        unplaced.append(Unplaced(b.cid, Msg(N_("memo '{name}' (attached to nothing)"), name=n.name or n.guid)))
    drafts = []
    for cid, b in builders.items():
        lines = memo_source.get(cid, {}).get("lines")
        if lines:
            sid = _source_id(m, Source("memos", "memos", None), set(b.sources))
            b.sources[sid] = {"id": sid, "title": f"Memos of the QDA project {project.name}",
                              "note": "\n\n".join(lines)}
        drafts.append(Draft(cid, b.build(), b.texts))
    return drafts, unplaced


def _record_for(b: _CaseBuilder, e: Entry) -> dict[str, Any] | None:
    if e.kind in ("actor", "audience", "speaker", "giver"):
        return b.actors.get(e.value)
    return {"team": b.teams, "role": b.roles, "context": b.contexts}.get(e.kind, {}).get(e.value)


def _place(project: Project, m: Mapping, b: _CaseBuilder, src: Source, sid: str, sel: Selection,
           entries: Any, default_speaker: str | None, unplaced: list[Unplaced],
           placed_codes: set[str], shared_roles: set[str] | frozenset[str]) -> None:
    kinds, rest = entries(sel.codes)
    text = src.text
    quote = None
    where = f"'{src.name}'"  # English, for the notes and locators of the draft
    place = Msg("'{source}'", source=src.name)  # the same, for people
    if sel.start >= 0 and text is not None and 0 <= sel.start <= sel.end <= len(text):
        quote = text[sel.start:sel.end]
        where += f", line {line_of(text, sel.start)}, characters {sel.start}-{sel.end}"
        place = Msg(N_("'{source}', line {line}, characters {start}-{end}"), source=src.name,
                    line=line_of(text, sel.start), start=sel.start, end=sel.end)
    elif sel.page is not None:
        where += f", page {sel.page}"
        place = Msg(N_("'{source}', page {page}"), source=src.name, page=sel.page)
    memos = [f"Memo {n.name}: {n.text}".strip() for g in sel.notes if (n := project.notes.get(g))]
    if sel.description:
        memos.insert(0, sel.description)
    bearers = kinds["actor"] + kinds["team"]
    contexts = [e.value for e, _ in kinds["context"]] or ([m.context] if m.context else [])
    for e, c in bearers + kinds["audience"] + kinds["speaker"] + kinds["giver"]:
        b.agent(e, c)
    for e, c in kinds["role"]:
        if e.value not in shared_roles or "specialises" in e.extra:
            b.roles.setdefault(e.value, {"id": e.value, "label": e.extra.get("label") or c.name,
                                         "specialises": e.extra.get("specialises") or "undecided"})
    for e, c in kinds["context"]:
        rec = b.contexts.setdefault(e.value, {"id": e.value, "label": e.extra.get("label") or c.name})
        if e.extra.get("kind"):
            rec["kind"] = e.extra["kind"]
    if m.context and m.context not in b.contexts and contexts == [m.context]:
        b.contexts[m.context] = {"id": m.context, "label": m.context}
    all_codes = ", ".join(c.path for c in project.codes.values() if c.guid in sel.codes) or Msg(N_("no codes"))
    speaker = next((e.value for e, _ in kinds["speaker"]), default_speaker)
    ev: dict[str, Any] = {"source": sid, "quote": quote}
    if speaker:
        ev["speaker"] = speaker
    ev["locator"] = where.split(", ", 1)[1] if ", " in where else where
    if quote is not None and not kinds["role"] and not kinds["stance"] and not kinds["outcome"] \
            and not rest and len(bearers) + len(kinds["context"]) == 1:
        # a segment coded with one actor, team or context only: evidence about that record
        e, code = (bearers + kinds["context"])[0]
        target = _record_for(b, e)
        if target is not None:
            target.setdefault("evidence", []).append(ev)
            if memos:
                b.note(target, "\n".join(memos))
            placed_codes.add(code.guid)
            return
    if quote is None or not kinds["role"] or not bearers or not contexts:
        missing = [w for w, ok in ((Msg(N_("a text quote")), quote is not None), (Msg(N_("a role code")), kinds["role"]),
                                   (Msg(N_("a bearer code")), bearers), (Msg(N_("a context code")), contexts)) if not ok]
        body = f"Unplaced segment ({all_codes}) at {where}" + (f": «{quote}»" if quote else "")
        b.note(b.sources[sid], "\n".join([body, *memos]))
        unplaced.append(Unplaced(b.cid, Msg(N_("segment at {place} coded {codes}: without {missing}"), place=place,
                                            codes=all_codes, missing=missing)))
        return
    placed_codes.update(c.guid for lst in kinds.values() for _, c in lst)
    for be, _ in bearers:
        for re_, _ in kinds["role"]:
            for ctx in contexts:
                claim = b.claims.setdefault((be.value, re_.value, ctx),
                                            {"bearer": be.value, "role": re_.value, "context": ctx})
                if kinds["mode"]:
                    claim["mode"] = kinds["mode"][0][0].value
                if kinds["giver"]:
                    claim["mode"] = "given"
                    claim["by"] = sorted(set(claim.get("by", [])) | {g.value for g, _ in kinds["giver"]})
                if kinds["stance"]:
                    stance = kinds["stance"][0][0].value
                    if claim.setdefault("stance", stance) != stance:
                        b.note(claim, f"Also coded {stance} at {where}")
                extra = [c.path for c in rest]
                if kinds["outcome"] and kinds["audience"]:
                    for oe, _ in kinds["outcome"]:
                        resp = next((r for r in claim.setdefault("responses", [])
                                     if r["outcome"] == oe.value
                                     and r["by"] == sorted({a.value for a, _ in kinds["audience"]})), None)
                        if resp is None:
                            resp = {"by": sorted({a.value for a, _ in kinds["audience"]}), "outcome": oe.value}
                            claim["responses"].append(resp)
                        resp.setdefault("evidence", []).append(dict(ev))
                else:
                    claim.setdefault("evidence", []).append(dict(ev))
                    if kinds["outcome"]:
                        extra.append("outcome without an audience: " +
                                     ", ".join(o.value for o, _ in kinds["outcome"]))
                if extra or memos:
                    b.note(claim, "\n".join(([f"Also coded at {where}: {', '.join(extra)}"] if extra else [])
                                            + memos))
                    if extra:
                        unplaced.append(Unplaced(b.cid, Msg(N_("codes {codes} at {place} (kept as a note on the "
                                                                  "claim)"), codes=", ".join(extra), place=place)))


__all__ = ["Draft", "Entry", "Mapping", "Unplaced", "build_drafts", "line_of", "norm_guid", "read_mapping",
           "scaffold", "slug"]

"""Write a study as a REFI-QDA project (.qdpx) that QDA tools can open.

Sources go in with their texts; every role, context and outcome (and every actor, stance and
audience) becomes a code; every quote that is found in its source becomes a coded selection,
its positions computed from the source text; findings become memos. Each code, case and source
carries a `rolegraph:kind=id` marker in its description, so that `rolegraph import-qdpx
--init-map` maps a re-imported project back to the same cases. The project XML is checked
against the vendored REFI-QDA schema (kg/qdpx/Project.xsd) before anything is written.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

import xmlschema

from ..cases.schema import Case, Record
from ..errors import RolegraphError
from ..i18n import N_
from .model import NS

XSD = Path(__file__).with_name("Project.xsd")
_UUID_NS = uuid.UUID("6f1c3a52-7d51-4d1e-9c1e-2b7f0e7d9a11")
STANCES = ("embraces", "accepts", "distances")
OUTCOMES = ("recognised", "refused", "contested", "failed", "not-taken-up", "ignored")
register_namespace("", NS)


def guid(*parts: str) -> str:
    """A stable GUID for a rolegraph thing, so that exports of the same study agree."""
    return str(uuid.uuid5(_UUID_NS, "/".join(parts))).upper()


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where a quote stands in a text: exactly, else with any run of white space matching any other."""
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    words = quote.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.start(), m.end()) if m else None


@dataclass
class Finding:
    """A derived finding, written as a memo."""

    title: str
    text: str
    case: str | None = None


@dataclass
class ExportReport:
    """What an export wrote and which quotes it could not find in their sources."""

    codes: int = 0
    sources: int = 0
    selections: int = 0
    memos: int = 0
    not_found: list[str] = field(default_factory=list)
    no_text: list[str] = field(default_factory=list)


def _label(rec: Record | None, fallback: str) -> str:
    if rec is None:
        return fallback
    v = rec.get("label") if "label" in rec.fields else rec.get("title")
    if isinstance(v, dict):
        for lang in ("en", "da"):
            if lang in v:
                return str(v[lang].value).strip()
        return fallback
    return str(v).strip() if v else fallback


def source_text(case: Case, rec: Record) -> str | None:
    """The text of a case's source from its `file:` (relative to the case file), or None."""
    name = rec.get("file")
    if not isinstance(name, str):
        return None
    for f in case.files:
        if f.display == rec.file:
            path = (f.path.parent / name)
            if path.is_file():
                return path.read_text(encoding="utf-8-sig")
    return None


class _Writer:
    def __init__(self, name: str, redact: Callable[[str], str], label_of: Callable[[str, Record], str]) -> None:
        self.redact = redact
        self.label_of = label_of
        self.report = ExportReport()
        self.user = guid("user", "rolegraph")
        now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        self.root = Element(f"{{{NS}}}Project", {"name": name, "origin": "rolegraph",
                                                 "creatingUserGUID": self.user, "creationDateTime": now})
        users = SubElement(self.root, f"{{{NS}}}Users")
        SubElement(users, f"{{{NS}}}User", {"guid": self.user, "name": "rolegraph"})
        self.book = SubElement(SubElement(self.root, f"{{{NS}}}CodeBook"), f"{{{NS}}}Codes")
        self.cases_el = Element(f"{{{NS}}}Cases")
        self.sources_el = Element(f"{{{NS}}}Sources")
        self.notes_el = Element(f"{{{NS}}}Notes")
        self.groups: dict[str, Element] = {}
        self.codes: dict[str, str] = {}
        self.files: dict[str, str] = {}

    def _el(self, parent: Element, tag: str, attrs: dict[str, str]) -> Element:
        return SubElement(parent, f"{{{NS}}}{tag}", attrs)

    def group(self, path: str) -> Element:
        """A non-codable grouping code, made on first use ('Actors/future-workshop')."""
        if path in self.groups:
            return self.groups[path]
        parent = self.book if "/" not in path else self.group(path.rsplit("/", 1)[0])
        el = self._el(parent, "Code", {"guid": guid("group", path), "name": path.rsplit("/", 1)[-1],
                                       "isCodable": "false"})
        self.groups[path] = el
        return el

    def code(self, group: str, key: str, name: str, marker: str, description: str = "") -> str:
        """A codable code (made once per key); returns its GUID."""
        if key in self.codes:
            return self.codes[key]
        g = guid("code", self.redact(key))
        el = self._el(self.group(self.redact(group)), "Code", {"guid": g, "name": self.redact(name),
                                                               "isCodable": "true"})
        SubElement(el, f"{{{NS}}}Description").text = self.redact("\n".join(x for x in (marker, description) if x))
        # a code's Description must come before its child codes
        self.codes[key] = g
        self.report.codes += 1
        return g

    def case(self, case: Case, shared_roles: dict[str, str]) -> None:
        cid = case.id
        recs = {rid: r for rid, r in case.ids.items()}
        title = case.label()
        title_text = _label(None, cid)
        if title is not None:
            v = title.value
            first = (v.get("en") or v.get("da")) if isinstance(v, dict) else None
            title_text = str(first.value) if first is not None else str(v)
        case_el = self._el(self.cases_el, "Case", {"guid": guid("case", cid), "name": self.redact(cid)})
        SubElement(case_el, f"{{{NS}}}Description").text = self.redact(f"rolegraph:case={cid}\n{title_text}")
        outcome = {o: self.code("Outcomes", f"outcome/{o}", o, f"rolegraph:outcome={o}") for o in OUTCOMES}
        stance = {s: self.code("Stances", f"stance/{s}", s, f"rolegraph:stance={s}") for s in STANCES}
        sel_refs: list[str] = []
        src_refs: list[str] = []

        def role_code(rid: str) -> str:
            rec = recs.get(rid)
            if rec is not None and rec.kind == "role":
                spec = ", ".join(rec.refs("specialises"))
                return self.code(f"Roles/{cid}", f"role/{cid}/{rid}", _label(rec, rid),
                                 f"rolegraph:role={rid} specialises={spec.split(', ')[0]}")
            return self.code("Roles", f"role/{rid}", shared_roles.get(rid, rid), f"rolegraph:role={rid}")

        def agent_code(kind: str, aid: str) -> str:
            rec = recs.get(aid)
            group = {"actor": "Actors", "audience": "Audiences", "speaker": "Speakers", "giver": "Givers"}[kind]
            akind = "team" if rec is not None and rec.kind == "team" and kind == "actor" else kind
            marker = f"rolegraph:{akind}={cid}/{aid}"
            if rec is not None and rec.kind == "actor":
                for k in ("kind", "side", "personal"):
                    v = rec.get(k)
                    if v is not None:
                        marker += f" {k}={str(v).lower() if isinstance(v, bool) else v}"
            return self.code(f"{group}/{cid}", f"{kind}/{cid}/{aid}", self.label_of(cid, rec) if rec else aid,
                             marker)

        def context_code(xid: str) -> str:
            rec = recs.get(xid)
            kind = f" kind={rec.get('kind')}" if rec is not None and rec.get("kind") else ""
            return self.code(f"Contexts/{cid}", f"context/{cid}/{xid}", _label(rec, xid),
                             f"rolegraph:context={cid}/{xid}{kind}")

        for rec in case.records():
            if rec.kind == "role":
                role_code(str(rec.id))
            elif rec.kind == "context":
                context_code(str(rec.id))
            elif rec.kind in ("actor", "team"):
                agent_code("actor", str(rec.id))
        sources: dict[str, tuple[Element, str | None]] = {}
        for rec in case.records():
            if rec.kind != "source":
                continue
            sid = str(rec.id)
            g = guid("source", cid, sid)
            text = source_text(case, rec)
            el = self._el(self.sources_el, "TextSource", {"guid": g, "name": self.redact(_label(rec, sid))})
            SubElement(el, f"{{{NS}}}Description").text = self.redact(f"rolegraph:source={cid}/{sid}")
            if text is not None:
                text = self.redact(text)
                el.set("plainTextPath", f"internal://{g}.txt")
                self.files[f"sources/{g}.txt"] = text  # lower case, as REFI-QDA 1.5 names the folder (ATLAS.ti insists)
            else:
                self.report.no_text.append(f"{cid}/{sid}")
            sources[sid] = (el, text)
            src_refs.append(g)
            self.report.sources += 1

        def select(ev: Record, codes: Iterable[str], what: str) -> None:
            quote = ev.get("quote")
            sid = ev.get("source")
            if not isinstance(quote, str) or not isinstance(sid, str) or sid not in sources:
                return
            el, text = sources[sid]
            quote = self.redact(quote)
            at = find_quote(text, quote) if text is not None else None
            if at is None:
                if text is not None:
                    self.report.not_found.append(f"{ev.file}:{ev.line}: {what}: «{quote[:60]}»")
                return
            n = len(el.findall(f"{{{NS}}}PlainTextSelection"))
            g = guid("selection", cid, ev.file, str(ev.line), what)
            sel = self._el(el, "PlainTextSelection", {"guid": g, "name": self.redact(f"{what} {n + 1}"),
                                                       "startPosition": str(at[0]), "endPosition": str(at[1]),
                                                       "creatingUser": self.user})
            for i, c in enumerate(dict.fromkeys(codes)):
                coding = self._el(sel, "Coding", {"guid": guid("coding", g, str(i)), "creatingUser": self.user})
                self._el(coding, "CodeRef", {"targetGUID": c})
            sel_refs.append(g)
            self.report.selections += 1

        for rec in case.records():
            if rec.kind == "claim":
                base = [role_code(str(rec.get("role"))), context_code(str(rec.get("context"))),
                        agent_code("actor", str(rec.get("bearer")))]
                if rec.get("stance") in stance:
                    base.append(stance[str(rec.get("stance"))])
                base += [agent_code("giver", g) for g in rec.refs("by")]
                if rec.get("mode") in ("taken", "given"):
                    mode = str(rec.get("mode"))
                    base.append(self.code("Modes", f"mode/{mode}", mode, f"rolegraph:mode={mode}"))
                for ev in rec.children.get("evidence", []):
                    speaker = [agent_code("speaker", s) for s in ev.refs("speaker")]
                    select(ev, base + speaker, f"claim {rec.id}")
                for resp in rec.children.get("responses", []):
                    codes = base[:3]
                    codes += [agent_code("audience", a) for a in resp.refs("by")]
                    codes.append(outcome[str(resp.get("outcome"))])
                    for ev in resp.children.get("evidence", []):
                        speaker = [agent_code("speaker", s) for s in ev.refs("speaker")]
                        select(ev, codes + speaker, f"response to {rec.id}")
            elif rec.kind in ("actor", "team", "context", "role", "source"):
                own = {"context": context_code, "role": role_code}.get(rec.kind)
                code = own(str(rec.id)) if own else (agent_code("actor", str(rec.id))
                                                      if rec.kind != "source" else None)
                for ev in rec.children.get("evidence", []):
                    select(ev, [code] if code else [], f"{rec.kind} {rec.id}")
            elif rec.kind not in ("response", "evidence"):
                key = f"evidence/{cid}/{rec.kind}/{rec.id or rec.path}"
                label = f"{rec.kind} {rec.id}" if rec.id else f"{rec.kind} at {rec.path}"
                # its own evidence and its responses' (a membership's audiences)
                evs = [(ev, label) for ev in rec.children.get("evidence", [])]
                evs += [(ev, f"response to {label}") for resp in rec.children.get("responses", [])
                        for ev in resp.children.get("evidence", [])]
                if evs:
                    code = self.code(f"Other evidence/{cid}", key, label, "")
                    for ev, what in evs:
                        select(ev, [code], what)
        for g in src_refs:
            self._el(case_el, "SourceRef", {"targetGUID": g})
        for g in sel_refs:
            self._el(case_el, "SelectionRef", {"targetGUID": g})

    def findings(self, findings: list[Finding]) -> None:
        for i, f in enumerate(findings):
            note = self._el(self.notes_el, "Note", {"guid": guid("finding", str(i), f.title),
                                                      "name": self.redact(f.title), "creatingUser": self.user})
            if f.case:  # the case the finding belongs to, so that a re-import puts it there
                SubElement(note, f"{{{NS}}}Description").text = self.redact(f"rolegraph:case={f.case}")
            SubElement(note, f"{{{NS}}}PlainTextContent").text = self.redact(f.text)
            self.report.memos += 1

    def xml(self) -> bytes:
        for el in (self.cases_el, self.sources_el, self.notes_el):
            if len(el):
                self.root.append(el)
        if not len(self.book):
            self.root.remove(self.root.find(f"{{{NS}}}CodeBook"))  # type: ignore[arg-type]
        body: bytes = tostring(self.root, encoding="utf-8", xml_declaration=False)
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def schema() -> xmlschema.XMLSchema:
    """The REFI-QDA project schema (vendored, see kg/qdpx/README.md)."""
    return xmlschema.XMLSchema(str(XSD))


def write_qdpx(cases: list[Case], out: Path, *, name: str = "rolegraph study",
               shared_roles: dict[str, str] | None = None, findings: list[Finding] | None = None,
               redact: Callable[[str], str] = lambda s: s,
               label_of: Callable[[str, Record], str] | None = None) -> ExportReport:
    """Write cases (and findings) as a .qdpx, checked against the REFI-QDA schema first."""
    w = _Writer(name, redact, label_of or (lambda cid, rec: _label(rec, str(rec.id))))
    for case in cases:
        w.case(case, shared_roles or {})
    w.findings(findings or [])
    data = w.xml()
    errors = list(schema().iter_errors(data.decode("utf-8")))
    if errors:
        raise RolegraphError(N_("the project XML does not conform to the REFI-QDA schema: {reason}"),
                             hint=N_("this is a bug in rolegraph's exporter; please report it"), params={"reason": errors[0].reason})
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", data)
        for member, text in w.files.items():
            z.writestr(member, text.encode("utf-8"))
    tmp.replace(out)
    return w.report


__all__ = [
    "XSD",
    "ExportReport",
    "Finding",
    "find_quote",
    "guid",
    "schema",
    "source_text",
    "write_qdpx",
]

"""Read a REFI-QDA project (.qdpx) into a `Project`, tolerant of the tools' dialects.

The four tools write the same standard differently: with or without the namespace, GUIDs in
upper or lower case and with or without braces, descriptions as elements or attributes, source
texts inline (`PlainTextContent`) or as archive members (`plainTextPath="internal://..."`,
found at the top or under `Sources/`), UTF-8 or UTF-16, PDFs with or without a plain-text
`Representation` (without one, the text is extracted with pypdf), codings inside a `Coding`
element or a bare `CodeRef`. Optional parts may be missing. What cannot be read is said in
`Project.warnings`, never silently dropped.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ..errors import Msg
from ..i18n import N_
from .archive import Archive, QdpxError, decode_text
from .model import Code, Note, Project, QdaCase, Selection, Source, norm_guid

_SOURCE_TAGS = ("TextSource", "PDFSource", "PictureSource", "AudioSource", "VideoSource")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: Element, name: str) -> str | None:
    """An attribute, matched exactly, else case-insensitively (some tools write `GUID`)."""
    if name in el.attrib:
        return el.attrib[name]
    low = name.lower()
    for k, v in el.attrib.items():
        if _local(k).lower() == low:
            return v
    return None


def _kids(el: Element, name: str) -> Iterator[Element]:
    for kid in el:
        if _local(kid.tag) == name:
            yield kid


def _kid(el: Element, name: str) -> Element | None:
    return next(_kids(el, name), None)


def _text_of(el: Element, name: str) -> str:
    """An element's text or an attribute of the same name (lower camel case), or ''."""
    kid = _kid(el, name)
    if kid is not None and kid.text:
        return kid.text.strip()
    value = _attr(el, name[0].lower() + name[1:])
    return value.strip() if value else ""


def _guid(el: Element, display: str) -> str:
    g = _attr(el, "guid")
    if not g:
        raise QdpxError(N_("<{local} name='{value}'> has no guid"), file=display,
                        hint=N_("every REFI-QDA element that others refer to needs a guid; export again"), params={"local": _local(el.tag), "value": _attr(el, 'name') or ''})
    return norm_guid(g)


def _refs(el: Element, name: str) -> list[str]:
    return [norm_guid(g) for r in _kids(el, name) if (g := _attr(r, "targetGUID"))]


def _int(el: Element, name: str, display: str) -> int:
    v = _attr(el, name)
    try:
        return int(v) if v is not None else -1
    except ValueError as exc:
        raise QdpxError(N_("<{local}> has {name}='{v}', not a whole number"), file=display,
                        hint=N_("the positions of a selection are character counts"), params={"local": _local(el.tag), "name": name, "v": v}) from exc


class _Reader:
    def __init__(self, archive: Archive, display: str) -> None:
        self.archive = archive
        self.display = display
        self.project = Project(name="")

    def member_text(self, ref: str) -> str | None:
        """The text of an `internal://` member; None (with a warning) for external files."""
        if ref.startswith("internal://"):
            name = ref[len("internal://"):]
            for candidate in (f"Sources/{name}", name, f"sources/{name}"):
                found = self.archive.find(candidate)
                if found is not None:
                    return decode_text(self.archive.read(found), f"{self.display}:{found}")
            self.project.warnings.append(Msg(N_("source file '{ref}' is missing from the archive"), ref=ref))
            return None
        self.project.warnings.append(Msg(N_("source file '{ref}' is outside the archive and was not read"), ref=ref))
        return None

    def pdf_text(self, ref: str, name: str) -> str | None:
        if not ref.startswith("internal://"):
            self.project.warnings.append(Msg(N_("PDF '{name}' ({ref}) is outside the archive and was not read"),
                                             name=name, ref=ref))
            return None
        member = ref[len("internal://"):]
        found = self.archive.find(f"Sources/{member}") or self.archive.find(member)
        if found is None:
            self.project.warnings.append(Msg(N_("PDF '{name}' ({ref}) is missing from the archive"), name=name, ref=ref))
            return None
        try:
            reader = PdfReader(io.BytesIO(self.archive.read(found)))
            return "\n".join(page.extract_text() or "" for page in reader.pages)
        except (PdfReadError, ValueError, KeyError) as exc:
            raise QdpxError(N_("PDF source '{name}' cannot be read: {exc}"), file=f"{self.display}:{found}",
                            hint=N_("export the PDF's text representation from your QDA tool"), params={"name": name, "exc": exc}) from exc

    def codes(self, el: Element, parent: Code | None) -> None:
        for c in _kids(el, "Code"):
            name = (_attr(c, "name") or "").strip() or "(unnamed)"
            path = f"{parent.path}/{name}" if parent else name
            codable = (_attr(c, "isCodable") or "true").strip().lower() != "false"
            code = Code(_guid(c, self.display), name, path, parent.guid if parent else None,
                        _text_of(c, "Description"), _attr(c, "color"), codable,
                        notes=_refs(c, "NoteRef"))
            self.project.codes[code.guid] = code
            self.codes(c, code)

    def selection(self, el: Element, source: Source) -> Selection:
        codes: list[str] = []
        notes = _refs(el, "NoteRef")
        for coding in _kids(el, "Coding"):
            codes.extend(_refs(coding, "CodeRef"))
            notes.extend(_refs(coding, "NoteRef"))
        codes.extend(_refs(el, "CodeRef"))
        page = _attr(el, "page")
        return Selection(_guid(el, self.display), source.guid,
                         _int(el, "startPosition", self.display), _int(el, "endPosition", self.display),
                         codes, _attr(el, "name") or "", _text_of(el, "Description"), notes,
                         int(page) if page and page.isdigit() else None)

    def text_source(self, el: Element, source: Source) -> None:
        """Text and text selections of a TextSource (or of a PDF's Representation)."""
        content = _kid(el, "PlainTextContent")
        if content is not None and content.text is not None:
            source.text = content.text
        elif (ref := _attr(el, "plainTextPath")):
            source.text = self.member_text(ref)
        for sel in _kids(el, "PlainTextSelection"):
            source.selections.append(self.selection(sel, source))

    def source(self, el: Element) -> Source:
        tag = _local(el.tag)
        name = (_attr(el, "name") or "").strip()
        src = Source(_guid(el, self.display), name or "(unnamed source)", None,
                     kind={"TextSource": "text", "PDFSource": "pdf"}.get(tag, tag[:-6].lower()),
                     path=_attr(el, "plainTextPath") or _attr(el, "path"),
                     description=_text_of(el, "Description"), notes=_refs(el, "NoteRef"))
        for coding in _kids(el, "Coding"):
            src.codes.extend(_refs(coding, "CodeRef"))
        if tag == "TextSource":
            self.text_source(el, src)
        elif tag == "PDFSource":
            rep = _kid(el, "Representation")
            if rep is not None:
                self.text_source(rep, src)
            if src.text is None and (ref := _attr(el, "path")):
                src.text = self.pdf_text(ref, src.name)
            for sel in _kids(el, "PDFSelection"):
                s = self.selection(sel, src)
                s.start = s.end = -1  # an area of a page, not a stretch of text
                src.selections.append(s)
            for sel in _kids(el, "PlainTextSelection"):
                src.selections.append(self.selection(sel, src))
        else:
            self.project.warnings.append(Msg(N_("{tag} '{name}' is not text: its codings are kept as notes"),
                                             tag=tag, name=src.name))
            for kid in el:
                if _local(kid.tag).endswith("Selection"):
                    s = self.selection_loose(kid, src)
                    src.selections.append(s)
        return src

    def selection_loose(self, el: Element, source: Source) -> Selection:
        codes: list[str] = []
        for coding in _kids(el, "Coding"):
            codes.extend(_refs(coding, "CodeRef"))
        return Selection(_guid(el, self.display), source.guid, -1, -1, codes, _attr(el, "name") or "",
                         _text_of(el, "Description"), _refs(el, "NoteRef"))

    def note(self, el: Element) -> Note:
        content = _kid(el, "PlainTextContent")
        text = ""
        if content is not None and content.text:
            text = content.text
        elif (ref := _attr(el, "plainTextPath")):
            text = self.member_text(ref) or ""
        description = _text_of(el, "Description")
        if not text:
            text = description
        return Note(_guid(el, self.display), (_attr(el, "name") or "").strip(), text.strip(), description)

    def run(self) -> Project:
        qde, root = self.archive.project_xml()
        self.display = f"{self.display}:{qde}"
        if _local(root.tag) != "Project":
            raise QdpxError(N_("the root element is <{local}>, not <Project>"), file=self.display,
                            hint=N_("export a REFI-QDA project (.qdpx), not a codebook (.qdc)"), params={"local": _local(root.tag)})
        p = self.project
        p.name = (_attr(root, "name") or "").strip() or Path(self.archive.display).stem
        p.origin = _attr(root, "origin") or ""
        p.description = _text_of(root, "Description")
        users = _kid(root, "Users")
        for u in _kids(users, "User") if users is not None else ():
            p.users[_guid(u, self.display)] = _attr(u, "name") or ""
        book = _kid(root, "CodeBook")
        codes = _kid(book, "Codes") if book is not None else None
        if codes is not None:
            self.codes(codes, None)
        sources = _kid(root, "Sources")
        for el in (sources if sources is not None else ()):
            if _local(el.tag) in _SOURCE_TAGS:
                src = self.source(el)
                p.sources[src.guid] = src
        notes = _kid(root, "Notes")
        for el in _kids(notes, "Note") if notes is not None else ():
            n = self.note(el)
            p.notes[n.guid] = n
        cases = _kid(root, "Cases")
        for el in _kids(cases, "Case") if cases is not None else ():
            c = QdaCase(_guid(el, self.display), (_attr(el, "name") or "").strip(), _text_of(el, "Description"),
                        _refs(el, "SourceRef"), _refs(el, "SelectionRef"), _refs(el, "CodeRef"))
            p.cases[c.guid] = c
        links = _kid(root, "Links")
        for el in _kids(links, "Link") if links is not None else ():
            self.link(_attr(el, "originGUID"), _attr(el, "targetGUID"))
        for part, what in (("Variables", N_("variables (case and source attributes)")), ("Sets", N_("sets")),
                           ("Graphs", N_("graphs"))):
            found = _kid(root, part)
            if found is not None and len(found):
                p.warnings.append(Msg(N_("the project's {n} {what} are not imported"), n=len(found), what=Msg(what)))
        self.line_ends()
        self.check()
        return p

    def link(self, origin: str | None, target: str | None) -> None:
        """NVivo links a selection to a Note holding its annotation: attach the note to the selection."""
        if not origin or not target:
            return
        a, b = norm_guid(origin), norm_guid(target)
        note, other = (a, b) if a in self.project.notes else (b, a) if b in self.project.notes else (None, None)
        if note is None or other is None:
            return
        sel = self.project.selection(other)
        if sel is not None:
            sel.notes.append(note)
        elif other in self.project.sources:
            self.project.sources[other].notes.append(note)
        elif other in self.project.codes:
            self.project.codes[other].notes.append(note)

    def line_ends(self) -> None:
        """ATLAS.ti counts a CRLF line end as one character (the other tools count two): follow it."""
        if "atlas" not in self.project.origin.lower():
            return
        for src in self.project.sources.values():
            if src.text is not None and "\r\n" in src.text:
                src.text = src.text.replace("\r\n", "\n")

    def check(self) -> None:
        p = self.project
        for src in p.sources.values():
            for sel in src.selections:
                # NVivo codes a case's text with a CodeRef to the Case itself
                sel.cases = [g for g in sel.codes if g in p.cases]
                sel.codes = [g for g in sel.codes if g not in p.cases]
                for g in sel.codes:
                    if g not in p.codes:
                        p.warnings.append(Msg(N_("selection {guid} in '{name}' refers to an unknown code {code}"),
                                              guid=sel.guid, name=src.name, code=g))
                if sel.start < 0:
                    continue
                if src.text is None:
                    p.warnings.append(Msg(N_("selection {guid} in '{name}': the source has no text"),
                                          guid=sel.guid, name=src.name))
                elif not (0 <= sel.start <= sel.end <= len(src.text)):
                    p.warnings.append(Msg(N_("selection {guid} in '{name}': positions {start}-{end} lie outside "
                                             "the text ({n} characters)"), guid=sel.guid, name=src.name,
                                          start=sel.start, end=sel.end, n=len(src.text)))


def read_qdpx(path: Path) -> Project:
    """Read a .qdpx file safely into a Project."""
    with Archive(path) as archive:
        return _Reader(archive, str(path)).run()

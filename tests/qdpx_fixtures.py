"""REFI-QDA archives as the four QDA tools write them (built here, so every byte is ours).

Each dialect writes the same small coded interview the way that tool's exports do:
QualCoder (namespace, lower-case GUIDs, texts under Sources/, Description elements, cases),
MAXQDA (upper-case GUIDs in braces, UTF-8 with BOM, CRLF line ends, a bare CodeRef),
NVivo (UTF-16 source texts, memos as internal files, deep code nesting, no namespace),
ATLAS.ti (a PDF source with a plain-text Representation, and one PDF without, whose text
is extracted). Positions are computed from the text, as the tools do.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

NS = "urn:QDA-XML:project:1.0"

INTERVIEW = (
    "Interview med Sara, frivillig på værestedet.\n"
    "Lederen bad Sara om at være referent på mødet.\n"
    "De andre brugere sagde: du er ikke en af os.\n"
    "Men lederen sagde: Sara er vores referent.\n"
    "I køkkenet er hun bare bruger igen.\n"
)
# (quote, codes) of each coded segment
SEGMENTS = [
    ("Lederen bad Sara om at være referent på mødet.", ["Roller/Referent", "Aktører/Sara", "Kontekster/Mødet",
                                                        "Holdning/Accepterer"]),
    ("De andre brugere sagde: du er ikke en af os.", ["Roller/Referent", "Aktører/Sara", "Kontekster/Mødet",
                                                      "Publikum/De andre brugere", "Udfald/Afvist"]),
    ("Men lederen sagde: Sara er vores referent.", ["Roller/Referent", "Aktører/Sara", "Kontekster/Mødet",
                                                    "Publikum/Lederen", "Udfald/Anerkendt"]),
    ("I køkkenet er hun bare bruger igen.", ["Temaer/Hverdag"]),
]
CODES = sorted({c for _, cs in SEGMENTS for c in cs})
MAPPING = """\
case: referent
title: Sara som referent
lang: da
codes:
  "Roller/Referent": {role: minute-taker}
  "Aktører/Sara": {actor: sara, kind: person, side: citizen, aliases: [Sara]}
  "Publikum/De andre brugere": {audience: other-users, kind: group, side: citizen}
  "Publikum/Lederen": {audience: leader, kind: person, side: public}
  "Kontekster/Mødet": {context: meeting, kind: meeting}
  "Holdning/Accepterer": {stance: accepts}
  "Udfald/Afvist": {outcome: refused}
  "Udfald/Anerkendt": {outcome: recognised}
  "Temaer/Hverdag": ~
"""


def _guid(name: str, style: str) -> str:
    g = str(uuid.uuid5(uuid.NAMESPACE_URL, f"rolegraph-test/{name}"))
    return {"lower": g, "upper": g.upper(), "braces": "{" + g.upper() + "}"}[style]


def _codebook(style: str, *, tag: str = "Code") -> str:
    """Nested codes from 'Parent/Child' paths; every parent is a non-codable group."""
    tree: dict[str, list[str]] = {}
    for c in CODES:
        parent, child = c.split("/")
        tree.setdefault(parent, []).append(child)
    out = []
    for parent, kids in tree.items():
        inner = "".join(f'<{tag} guid="{_guid(parent + "/" + k, style)}" name={quoteattr(k)} isCodable="true">'
                        f"<Description>code {k}</Description></{tag}>" for k in kids)
        out.append(f'<{tag} guid="{_guid(parent, style)}" name={quoteattr(parent)} isCodable="false">{inner}</{tag}>')
    return "<CodeBook><Codes>" + "".join(out) + "</Codes></CodeBook>"


def _selections(text: str, style: str, *, bare_coderef: bool = False, tag: str = "PlainTextSelection") -> str:
    out = []
    for i, (quote, codes) in enumerate(SEGMENTS):
        start = text.index(quote)
        end = start + len(quote)
        if bare_coderef:
            codings = "".join(f'<CodeRef targetGUID="{_guid(c, style)}"/>' for c in codes)
        else:
            codings = "".join(f'<Coding guid="{_guid(f"coding{i}{c}", style)}"><CodeRef targetGUID="{_guid(c, style)}"/>'
                              f"</Coding>" for c in codes)
        memo = f'<NoteRef targetGUID="{_guid("memo", style)}"/>' if i == 3 else ""
        out.append(f'<{tag} guid="{_guid(f"sel{i}", style)}" name="segment {i}" startPosition="{start}" '
                   f'endPosition="{end}">{codings}{memo}</{tag}>')
    return "".join(out)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def qualcoder(path: Path) -> Path:
    """QualCoder: namespaced, lower-case GUIDs, the text under Sources/, a case, a memo note."""
    s = "lower"
    src = _guid("source", s)
    xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="QualCoder test" origin="QualCoder 3.5">'
           f'<Users><User guid="{_guid("user", s)}" name="coder"/></Users>{_codebook(s)}'
           f'<Cases><Case guid="{_guid("case", s)}" name="Sara"><SourceRef targetGUID="{src}"/></Case></Cases>'
           f'<Sources><TextSource guid="{src}" name="Interview Sara.txt" plainTextPath="internal://{src}.txt">'
           f"{_selections(INTERVIEW, s)}</TextSource></Sources>"
           f'<Notes><Note guid="{_guid("memo", s)}" name="Hverdag"><PlainTextContent>Hun glider tilbage i brugerrollen.'
           f"</PlainTextContent></Note></Notes></Project>")
    return _zip(path, {"project.qde": xml.encode("utf-8"), f"Sources/{src}.txt": INTERVIEW.encode("utf-8")})


def maxqda(path: Path) -> Path:
    """MAXQDA: GUIDs in braces, a UTF-8 text with BOM and CRLF line ends, bare CodeRefs."""
    s = "braces"
    text = INTERVIEW.replace("\n", "\r\n")
    src = _guid("source", "upper")
    xml = (f'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Project xmlns="{NS}" name="MAXQDA test" '
           f'origin="MAXQDA 2022 (Release 22.0.1)">{_codebook(s)}'
           f'<Sources><TextSource guid="{{{src}}}" name="Interview Sara" richTextPath="internal://{src}.docx" '
           f'plainTextPath="internal://{src}.txt">{_selections(text, s, bare_coderef=True)}</TextSource></Sources>'
           f'<Notes><Note guid="{_guid("memo", s)}" name="Hverdag"><PlainTextContent>Hun glider tilbage i brugerrollen.'
           f"</PlainTextContent></Note></Notes></Project>")
    return _zip(path, {"project.qde": xml.encode("utf-8"),
                       f"sources/{src}.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
                       f"sources/{src}.docx": b"PK not really a docx"})


def nvivo(path: Path) -> Path:
    """NVivo: no namespace, UTF-16, memos as internal files, an annotation linked to a selection
    by a Link, and case text coded with a CodeRef to the Case (CRLF counted as two characters)."""
    s = "upper"
    src = _guid("source", s)
    memo = _guid("memo", s)
    note = _guid("annotation", s)
    case = _guid("case", s)
    text = INTERVIEW.replace("\n", "\r\n")
    sels = _selections(text, s).replace("</PlainTextSelection>", f'<Coding guid="{_guid("cc", s)}">'
                                        f'<CodeRef targetGUID="{case}"/></Coding></PlainTextSelection>', 1)
    xml = (f'<?xml version="1.0" encoding="utf-16"?>\n<Project name="NVivo test" origin="NVivo 14">{_codebook(s)}'
           f'<Cases><Case guid="{case}" name="Sara"/></Cases>'
           f'<Sources><TextSource guid="{src}" name="Interview Sara" plainTextPath="internal://{src}.txt">'
           f"{sels}</TextSource></Sources>"
           f'<Notes><Note guid="{memo}" name="Hverdag" plainTextPath="internal://{memo}.txt"/>'
           f'<Note guid="{note}" name="Annotation" plainTextPath="internal://{note}.txt"/></Notes>'
           f'<Links><Link guid="{_guid("link", s)}" originGUID="{note}" targetGUID="{_guid("sel1", s)}"/></Links>'
           f"</Project>")
    return _zip(path, {"project.qde": xml.encode("utf-16"),
                       f"Sources/{src}.txt": text.encode("utf-16"),
                       f"Sources/{memo}.txt": "Hun glider tilbage i brugerrollen.".encode("utf-16"),
                       f"Sources/{note}.txt": "Her afviser de hende.".encode("utf-16")})


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` line by line in Helvetica (enough for pypdf to extract)."""
    lines = text.rstrip("\n").split("\n")
    ops = ["BT", "/F1 11 Tf", "14 TL", "50 780 Td"]
    for ln in lines:
        esc = ln.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        ops.append("(" + esc.decode("latin-1") + ") Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
            b"/Contents 5 0 R >>"),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"]
    buf = io.BytesIO()
    buf.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(buf.tell())
        buf.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = buf.tell()
    buf.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        buf.write(f"{off:010d} 00000 n \n".encode())
    buf.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return buf.getvalue()


def atlas(path: Path, *, representation: bool = True) -> Path:
    """ATLAS.ti: a PDF source; with a plain-text Representation (CRLF line ends in the file, which
    ATLAS.ti counts as one character), or (without) text from the PDF."""
    s = "upper"
    src = _guid("source", s)
    pdf = minimal_pdf(INTERVIEW)
    if representation:
        text = INTERVIEW
        body = (f'<Representation guid="{_guid("rep", s)}" plainTextPath="internal://{_guid("rep", s)}.txt">'
                f"{_selections(text, s)}</Representation>")
        extra = {f"Sources/{_guid('rep', s)}.txt": text.replace("\n", "\r\n").encode("utf-8")}
    else:
        from pypdf import PdfReader

        text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
        body = _selections(text, s)  # selections directly on the PDF's extracted text
        extra = {}
    xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="ATLAS.ti test" '
           f'origin="ATLAS.ti for Windows 23.2.3">{_codebook(s)}'
           f'<Sources><PDFSource guid="{src}" name="Interview Sara.pdf" path="internal://{src}.pdf">'
           f"{body}</PDFSource></Sources>"
           f'<Notes><Note guid="{_guid("memo", s)}" name="Hverdag"><PlainTextContent>Hun glider tilbage i brugerrollen.'
           f"</PlainTextContent></Note></Notes></Project>")
    return _zip(path, {"project.qde": xml.encode("utf-8"), f"Sources/{src}.pdf": pdf, **extra})


DIALECTS = {"qualcoder": qualcoder, "maxqda": maxqda, "nvivo": nvivo, "atlas": atlas,
            "atlas-pdf-only": lambda p: atlas(p, representation=False)}

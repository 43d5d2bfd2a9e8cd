"""Safe opening of REFI-QDA archives (.qdpx): bounded zips, paths kept inside, XML without entities.

A .qdpx is a zip holding `project.qde` (XML in namespace `urn:QDA-XML:project:1.0`) and the
sources under `Sources/`. An archive from elsewhere is untrusted: a zip bomb, a member named
`../../etc/passwd` or an XML entity expansion must end in a clear error, never in a full disk or
a read outside the archive.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Self
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from ..errors import RolegraphError
from ..i18n import N_

# Bounds on what one archive may unpack to; real projects with PDFs stay far below them.
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 20_000


class QdpxError(RolegraphError):
    """A REFI-QDA archive that cannot be read safely or correctly."""


def _safe_name(name: str) -> str | None:
    """The member name normalised to a relative POSIX path, or None when it leaves the archive."""
    clean = name.replace("\\", "/")
    p = PurePosixPath(clean)
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":") or ".." in p.parts:
        return None
    return str(p)


class Archive:
    """The members of a .qdpx, checked on opening, read with bounded sizes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.display = str(path)
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError as exc:
            raise QdpxError(N_("no such file"), file=self.display) from exc
        except zipfile.BadZipFile as exc:
            raise QdpxError(N_("not a REFI-QDA archive (not a zip file)"), file=self.display,
                            hint=N_("export the project from your QDA tool as REFI-QDA (.qdpx)")) from exc
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise QdpxError(N_("the archive has {n_infos} members (more than {MAX_MEMBERS})"),
                            file=self.display, hint=N_("is this really a REFI-QDA project?"), params={"n_infos": len(infos), "MAX_MEMBERS": MAX_MEMBERS})
        self.members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            safe = _safe_name(info.filename)
            if safe is None:
                raise QdpxError(N_("member '{filename}' points outside the archive"),
                                file=self.display, hint=N_("the archive is malformed or hostile; re-export it"), params={"filename": info.filename})
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES or (
                    info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
                raise QdpxError(N_("member '{filename}' unpacks to {file_size} bytes (ratio {ratio:.0f}:1): refused "
                                   "as a possible zip bomb"),
                                file=self.display, hint=N_("the archive is malformed or hostile; re-export it"), params={"filename": info.filename, "file_size": info.file_size, "ratio": ratio})
            self.members[safe.lower()] = info

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def find(self, name: str) -> str | None:
        """The stored name of a member, matched case-insensitively, or None."""
        safe = _safe_name(name)
        if safe is None:
            raise QdpxError(N_("reference '{name}' points outside the archive"), file=self.display,
                            hint=N_("the project refers to a file outside the archive; re-export it"), params={"name": name})
        info = self.members.get(safe.lower())
        return info.filename if info is not None else None

    def read(self, name: str) -> bytes:
        """A member's bytes, read with a hard bound even if its header lies about its size."""
        safe = _safe_name(name)
        info = self.members.get(safe.lower()) if safe is not None else None
        if info is None:
            raise QdpxError(N_("the archive has no member '{name}'"), file=self.display,
                            hint=N_("the export is incomplete; export again with the sources included"), params={"name": name})
        with self._zip.open(info) as fh:
            data = fh.read(min(info.file_size, MAX_MEMBER_BYTES) + 1)
        if len(data) > info.file_size or len(data) > MAX_MEMBER_BYTES:
            raise QdpxError(N_("member '{name}' is larger than its header says: refused"),
                            file=self.display, hint=N_("the archive is malformed or hostile; re-export it"), params={"name": name})
        return data

    def project_xml(self) -> tuple[str, Element]:
        """The name and parsed root of the project file (project.qde or the only .qde)."""
        qde = [i.filename for k, i in self.members.items() if k.endswith(".qde")]
        if not qde:
            raise QdpxError(N_("the archive has no project.qde"), file=self.display,
                            hint=N_("export the whole project (.qdpx), not a codebook (.qdc)"))
        name = next((n for n in qde if n.lower().endswith("project.qde")), qde[0])
        return name, parse_xml(self.read(name), f"{self.display}:{name}")


def parse_xml(data: bytes, display: str) -> Element:
    """Parse XML bytes with DTDs, entities and external references refused."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise QdpxError(N_("XML with a DTD or entities is refused ({name__})"), file=display,
                        hint=N_("REFI-QDA project files need no DTD; remove the <!DOCTYPE ...> part"), params={"name__": type(exc).__name__}) from exc
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise QdpxError(N_("not well-formed XML: {exc}"), file=display, line=line,
                        hint=N_("the project file is damaged; export it again"), params={"exc": exc}) from exc


def decode_text(data: bytes, display: str) -> str:
    """Decode a plain-text source: UTF-8 or UTF-16 by BOM, else UTF-8, else a clear error."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-16 without a BOM: every other byte of ASCII text is zero
    if len(data) >= 2 and data.count(0) * 3 > len(data):
        le = data[1::2].count(0) > data[0::2].count(0)
        try:
            return data.decode("utf-16-le" if le else "utf-16-be")
        except UnicodeDecodeError:
            pass
    raise QdpxError(N_("source text is neither UTF-8 nor UTF-16"), file=display,
                    hint=N_("save the source as UTF-8 in your QDA tool and export again"))

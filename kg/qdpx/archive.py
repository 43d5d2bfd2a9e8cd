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
            raise QdpxError("no such file", file=self.display) from exc
        except zipfile.BadZipFile as exc:
            raise QdpxError("not a REFI-QDA archive (not a zip file)", file=self.display,
                            hint="export the project from your QDA tool as REFI-QDA (.qdpx)") from exc
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise QdpxError(f"the archive has {len(infos)} members (more than {MAX_MEMBERS})",
                            file=self.display, hint="is this really a REFI-QDA project?")
        self.members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            safe = _safe_name(info.filename)
            if safe is None:
                raise QdpxError(f"member '{info.filename}' points outside the archive",
                                file=self.display, hint="the archive is malformed or hostile; re-export it")
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES or (
                    info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
                raise QdpxError(f"member '{info.filename}' unpacks to {info.file_size} bytes "
                                f"(ratio {ratio:.0f}:1): refused as a possible zip bomb",
                                file=self.display, hint="the archive is malformed or hostile; re-export it")
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
            raise QdpxError(f"reference '{name}' points outside the archive", file=self.display,
                            hint="the project refers to a file outside the archive; re-export it")
        info = self.members.get(safe.lower())
        return info.filename if info is not None else None

    def read(self, name: str) -> bytes:
        """A member's bytes, read with a hard bound even if its header lies about its size."""
        safe = _safe_name(name)
        info = self.members.get(safe.lower()) if safe is not None else None
        if info is None:
            raise QdpxError(f"the archive has no member '{name}'", file=self.display,
                            hint="the export is incomplete; export again with the sources included")
        with self._zip.open(info) as fh:
            data = fh.read(min(info.file_size, MAX_MEMBER_BYTES) + 1)
        if len(data) > info.file_size or len(data) > MAX_MEMBER_BYTES:
            raise QdpxError(f"member '{name}' is larger than its header says: refused",
                            file=self.display, hint="the archive is malformed or hostile; re-export it")
        return data

    def project_xml(self) -> tuple[str, Element]:
        """The name and parsed root of the project file (project.qde or the only .qde)."""
        qde = [i.filename for k, i in self.members.items() if k.endswith(".qde")]
        if not qde:
            raise QdpxError("the archive has no project.qde", file=self.display,
                            hint="export the whole project (.qdpx), not a codebook (.qdc)")
        name = next((n for n in qde if n.lower().endswith("project.qde")), qde[0])
        return name, parse_xml(self.read(name), f"{self.display}:{name}")


def parse_xml(data: bytes, display: str) -> Element:
    """Parse XML bytes with DTDs, entities and external references refused."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise QdpxError(f"XML with a DTD or entities is refused ({type(exc).__name__})", file=display,
                        hint="REFI-QDA project files need no DTD; remove the <!DOCTYPE ...> part") from exc
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise QdpxError(f"not well-formed XML: {exc}", file=display, line=line,
                        hint="the project file is damaged; export it again") from exc


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
    raise QdpxError("source text is neither UTF-8 nor UTF-16", file=display,
                    hint="save the source as UTF-8 in your QDA tool and export again")

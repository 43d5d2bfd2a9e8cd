"""Write the draft cases of a REFI-QDA project: YAML case files and their source texts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import RolegraphError
from ..i18n import N_
from .mapping import Draft, Mapping, Unplaced, build_drafts
from .model import Project
from .read import read_qdpx


@dataclass
class ImportResult:
    """What an import wrote and what it could not place."""

    project: Project
    case_files: list[Path] = field(default_factory=list)
    source_files: list[Path] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    quotes: int = 0


class _Dumper(yaml.SafeDumper):
    """Block style, long texts folded, keys in the order written."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_case(data: dict[str, Any]) -> str:
    """A case as YAML text, in the order of the case format."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _count_quotes(data: Any) -> int:
    if isinstance(data, dict):
        return int("quote" in data and "source" in data) + sum(_count_quotes(v) for v in data.values())
    if isinstance(data, list):
        return sum(_count_quotes(v) for v in data)
    return 0


def write_drafts(drafts: list[Draft], out: Path, sources_dir: Path, *, force: bool = False) -> tuple[
        list[Path], list[Path]]:
    """Write each draft as `<out>/<case>.yaml` and its texts under `<sources_dir>/<case>/`."""
    targets = [out / f"{d.case}.yaml" for d in drafts]
    texts = [(sources_dir / d.case / f"{sid}.txt", t) for d in drafts for sid, t in d.texts.items()]
    if not force:
        exists = [p for p in targets + [p for p, _ in texts] if p.exists()]
        if exists:
            raise RolegraphError(N_("{value} exists already"), hint=N_("use --force to overwrite, or another --out"), params={"value": exists[0]})
    out.mkdir(parents=True, exist_ok=True)
    for d in drafts:
        for src in d.data.get("sources", []):
            if src["id"] in d.texts:
                rel = os.path.relpath(sources_dir / d.case / f"{src['id']}.txt", out)
                src["file"] = Path(rel).as_posix()
    for path, text in texts:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    for d, path in zip(drafts, targets):
        header = (f"# Draft imported from a REFI-QDA project by `rolegraph import-qdpx`.\n"
                  f"# Check it with `rolegraph validate {path.name}`; notes keep what the mapping did not place.\n")
        path.write_text(header + dump_case(d.data), encoding="utf-8")
    return targets, [p for p, _ in texts]


def import_qdpx(qdpx: Path, mapping: Mapping, out: Path, sources_dir: Path | None = None, *,
                shared_roles: set[str] | frozenset[str] = frozenset(), force: bool = False) -> ImportResult:
    """Read a .qdpx, turn it into draft cases with the mapping and write them."""
    project = read_qdpx(qdpx)
    drafts, unplaced = build_drafts(project, mapping, shared_roles)
    cases, texts = write_drafts(drafts, out, sources_dir or out.parent / "sources", force=force)
    return ImportResult(project, cases, texts, unplaced, sum(_count_quotes(d.data) for d in drafts))

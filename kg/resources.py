"""Where the packaged data lives: ontology/, queries/, viz/ and rules.

In a wheel these directories are installed in one package data folder,
`kg/_data/` (pyproject's force-include), so no data folder sits beside a module of
the same name; in a source checkout (an editable install) they sit beside `kg/` at
the top of the repository. Both are found the same way, so an installed wheel works outside
the repository. The package is always installed as files (a wheel unpacked, or the
checkout), so `kg/_data` is found beside this module; importlib.resources would find the
same folder at a twentieth of `rolegraph query`'s start-up.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DATA_DIRS = ("ontology", "queries", "viz", "rules", "locale")


@cache
def data_dir(name: str) -> Path:
    """The directory of packaged data `name` (one of ontology, queries, viz, rules); the
    package does not move while it runs, so each is looked up once."""
    if name not in _DATA_DIRS:
        raise ValueError(f"unknown data directory {name!r}")
    package = Path(__file__).resolve().parent
    packaged = package / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = package.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"rolegraph's {name}/ directory is missing; reinstall the package")


def ontology_files() -> list[Path]:
    """The ontology modules, core first, then the rest by name; shapes excluded."""
    folder = data_dir("ontology")
    files = sorted(p for p in folder.glob("*.ttl") if p.name != "shapes.ttl")
    return sorted(files, key=lambda p: (p.name != "core.ttl", p.name))


def shapes_file() -> Path:
    """The SHACL shapes that case data must satisfy."""
    return data_dir("ontology") / "shapes.ttl"


def files_state(roots: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Every file below `roots` with its modification time and size: what a cache of something
    read from those files is keyed by (it is stale when this changes)."""
    out = []
    for root in roots:
        for f in sorted(root.rglob("*")):
            stat = f.stat()
            out.append((str(f), stat.st_mtime_ns, stat.st_size))
    return tuple(out)

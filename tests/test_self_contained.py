"""The repository stands on its own: no tracked file points outside it, and the source
documents the cases cite are in sources/, each with its citation and checksum."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest

from .conftest import ROOT, SOURCES

# a path outside the checkout: the project's neighbour folder, or an absolute home or build path
OUTSIDE = re.compile(r"\.\./shared\b|(?<![\w.~-])/(?:work|root)/|(?<![\w.~-])/home/[\w.-]+")


def _tracked_files() -> list[str]:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.fail("this test needs git and a git checkout (it lists the tracked files)")
    out = subprocess.run([git, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [f for f in out.decode("utf-8").split("\0") if f]


def test_the_pattern_finds_what_it_is_for() -> None:
    # the examples are put together from pieces, so that this file does not match itself
    for bad in ("see ../" + "shared/seeds/x.txt", "JSON: /" + "work/main/bench/x.json", "cd /" + "root/x",
                "built /" + "home/alice/.local/share/rolegraph/store"):
        assert OUTSIDE.search(bad), bad
    for good in ("~/.local/share/rolegraph/store", "https://example.org/work/x", "sources/x.txt",
                 "a shared role", "docs/guide.md"):
        assert not OUTSIDE.search(good), good


def test_no_tracked_file_points_outside_the_repository() -> None:
    hits = []
    for name in _tracked_files():
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the work tree, not yet committed
        text = path.read_bytes().decode("utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), start=1):
            if m := OUTSIDE.search(line):
                hits.append(f"{name}:{n}: {m.group(0)!r} in {line.strip()[:120]!r}")
    assert not hits, ("tracked files point outside the repository (copy what is needed in, with "
                      "its provenance):\n" + "\n".join(hits))


def test_each_source_has_its_citation_and_checksum() -> None:
    texts = sorted(SOURCES.glob("*.txt"))
    assert texts, "sources/ holds no documents"
    readme = (SOURCES / "README.md").read_text(encoding="utf-8")
    for text in texts:
        about = text.with_suffix(".md")
        assert about.is_file(), f"{text.name} has no sidecar {about.name} with its citation and provenance"
        sidecar = about.read_text(encoding="utf-8")
        for part in ("**Citation.**", "**Provenance.**"):
            assert part in sidecar, f"{about.name} lacks {part}"
        digest = hashlib.sha256(text.read_bytes()).hexdigest()
        assert f"SHA-256 `{digest}`" in sidecar, f"{about.name} does not give the checksum of {text.name}"
        assert f"[`{text.name}`]({text.name})" in readme, f"sources/README.md has no row for {text.name}"


def test_every_source_file_the_cases_name_is_in_sources() -> None:
    named = set()
    for case in (ROOT / "cases").glob("*.yaml"):
        for m in re.finditer(r"^\s*file:\s*(\S+)", case.read_text(encoding="utf-8"), re.MULTILINE):
            target = (case.parent / m.group(1)).resolve()
            assert target.is_relative_to(SOURCES) and target.is_file(), f"{case.name}: {m.group(1)}"
            named.add(target.name)
    assert named, "no case names a source file"


def test_the_licence_file_is_the_one_pyproject_names() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "rolegraph contributors" in licence
    assert re.search(r'^license = \{ text = "MIT" \}', pyproject, re.MULTILINE)

"""The guide 'add your own case' works as written: its files are the worked example's, and
every command prints what the guide shows (timings and store paths aside)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ROOT, require_tool
from .guide_runner import normalise, parse, run

GUIDE = ROOT / "docs" / "guide-add-your-case.md"
EXAMPLE = ROOT / "docs" / "examples" / "elderly-care"


def test_the_guides_files_are_the_worked_example() -> None:
    files, _ = parse(GUIDE)
    assert set(files) == {"extensions/elderly-care/ontology.ttl", "cases/visiting-friends.yaml",
                          "sources/guide-transcript.txt", "cases/visiting-friends-ward.yaml"}
    for path, body in files.items():
        assert body == (EXAMPLE / path).read_text(encoding="utf-8"), f"{path} in the guide differs from the example"


@pytest.mark.slow
def test_every_command_of_the_guide_prints_what_it_shows(tmp_path: Path) -> None:
    require_tool("java")
    results = run(GUIDE, tmp_path, str(ROOT / ".venv" / "bin" / "rolegraph"))
    assert len(results) >= 10
    for step, got in results:
        assert normalise(got) == normalise(step.shown), f"$ {step.command}\nshown: {step.shown}\ngot:   {got}"
    page = (tmp_path / "out" / "visiting-friends.html").read_text(encoding="utf-8")
    assert "Hanne" in page and "visiting friend" in page

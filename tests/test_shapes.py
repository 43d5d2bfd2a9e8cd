"""YAML cases compile to graphs that conform to the SHACL shapes.

By default `load_cases` checks only graphs read from RDF files against the shapes:
YAML is checked field by field by the case schema. This test is what makes that
safe: every YAML case we ship, document or generate compiles to conforming RDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cases.validate import load_cases
from kg.errors import CaseDataError

from .conftest import CASES, ROOT


def test_compiled_yaml_conforms_to_the_shapes(tmp_path: Path) -> None:
    from kg.cases.extensions import find_extensions
    from kg.ontology import load_ontology
    from kg.synthetic import generate

    generate(tmp_path / "gen", cases=8, seed=5)
    load_cases([CASES, tmp_path / "gen", ROOT / "docs" / "example-case.yaml"], shacl=True)
    example = ROOT / "docs" / "examples" / "elderly-care"
    ontology = load_ontology(find_extensions([example / "extensions"]))
    load_cases([example / "cases"], ontology=ontology, shacl=True)


def test_shapes_still_check_rdf_files_by_default() -> None:
    bad = ROOT / "tests" / "data" / "invalid" / "turtle-claim-without-context.ttl"
    with pytest.raises(CaseDataError) as err:
        load_cases([bad])
    assert any("SHACL" in p.hint or "shape" in p.hint for p in err.value.problems)
    load_cases([bad], shacl=False)  # without the shapes the file reads

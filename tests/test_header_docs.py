"""docs/file-headers.md lists exactly the header fields the one `#+` reader accepts."""

from __future__ import annotations

import subprocess
import sys

from kg.headers import SCHEMAS

from .conftest import ROOT


def test_the_header_reference_is_generated_from_the_schemas() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "header_docs.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_every_field_of_every_schema_is_in_the_reference() -> None:
    text = (ROOT / "docs" / "file-headers.md").read_text(encoding="utf-8")
    for kind, schema in SCHEMAS.items():
        assert f"<!-- generated: {kind} -->" in text
        for field in schema.fields:
            assert f"| `{field.name}` |" in text, (kind, field.name)

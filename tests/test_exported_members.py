"""The public API: a sorted __all__, every name importable, and `import kg` stays light."""

from __future__ import annotations

import subprocess
import sys

import kg


def test_all_is_sorted_and_importable() -> None:
    assert kg.__all__ == sorted(kg.__all__)
    for name in kg.__all__:
        assert getattr(kg, name) is not None


def test_query_path_does_not_import_heavy_libraries() -> None:
    code = ("import sys, kg.cli, kg.query, kg.stores, kg.reasoning, kg.explain, kg.pipeline; "
            "print(','.join(m for m in ('owlready2', 'pyvis', 'pyshacl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""

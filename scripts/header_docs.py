"""Write the header reference of docs/file-headers.md from the schemas in kg/headers.py.

    .venv/bin/python scripts/header_docs.py          # rewrite the generated tables
    .venv/bin/python scripts/header_docs.py --check  # exit 1 if the docs are out of date

tests/test_header_docs.py runs the check, so the docs list exactly what the reader accepts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from kg.headers import SCHEMAS, reference_table

DOC = Path(__file__).resolve().parent.parent / "docs" / "file-headers.md"
BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n).*?(<!-- end generated -->)", re.DOTALL)


def render(text: str) -> str:
    """The document with each generated block replaced by its schema's table."""
    return BLOCK.sub(lambda m: m.group(1) + reference_table(SCHEMAS[m.group(2)]) + "\n" + m.group(3), text)


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{DOC} is out of date: run scripts/header_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

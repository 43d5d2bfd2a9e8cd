"""`python -m kg.server ...` is `rolegraph serve ...`."""

from __future__ import annotations

import sys

from ..cli import main

main(["serve", *sys.argv[1:]], prog_name="rolegraph")

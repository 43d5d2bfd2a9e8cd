"""Limits on what one input file may ask of us: each is reported as a clear problem.

They keep validation bounded (an alias bomb of 548 bytes once asked for 2.5 GB) and are
far above what a real case needs; docs/case-format.md lists them.
"""

from __future__ import annotations

MAX_FILE_BYTES = 64 * 1024 * 1024  # one case file (YAML or RDF); a 10 MB export is fine
MAX_TEXT = 100_000  # characters in one text value (a quote, a label, a literal)
MAX_DEPTH = 64  # levels of nesting in a YAML file (a case needs about 8)
MAX_NODES = 2_000_000  # values in a YAML file once its aliases are expanded

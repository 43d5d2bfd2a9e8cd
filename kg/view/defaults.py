"""The view's defaults, in a module that imports nothing, so the command line can show them cheaply."""

from __future__ import annotations

from pathlib import Path

LANGS = ("en", "da")
DEFAULT_OUT = Path("out") / "rolegraph.html"
DEFAULT_THRESHOLD = 300  # above this many nodes the page opens on an overview

"""The view's defaults, in a module that imports nothing heavy, so the command line can show them cheaply."""

from __future__ import annotations

from pathlib import Path

from ..iris import LANGS

__all__ = ["DEFAULT_OUT", "DEFAULT_THRESHOLD", "LANGS"]

DEFAULT_OUT = Path("out") / "rolegraph.html"
DEFAULT_THRESHOLD = 300  # above this many nodes the page opens on an overview

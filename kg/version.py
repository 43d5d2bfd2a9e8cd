"""rolegraph's version: the package metadata is built from it (pyproject.toml, `tool.hatch.version`)."""

__version__ = "0.1.0"

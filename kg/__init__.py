"""rolegraph: a knowledge graph of actors, roles and relations in co-production.

The public API, for notebooks and scripts. Names are imported lazily, so that
`import kg` is cheap and the command line does not pay for what it does not use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "CaseDataError",
    "Explainer",
    "Problem",
    "Query",
    "RolegraphError",
    "bind_params",
    "build_store",
    "check",
    "export_store",
    "get_query",
    "load_cases",
    "load_ontology",
    "load_queries",
    "open_store",
    "reason",
    "render_text",
    "run_select",
]

_WHERE = {
    "CaseDataError": "errors", "Problem": "errors", "RolegraphError": "errors",
    "Explainer": "explain", "render_text": "explain",
    "Query": "query", "bind_params": "query", "get_query": "query", "load_queries": "query",
    "run_select": "query",
    "build_store": "store", "export_store": "store", "open_store": "store",
    "check": "check", "load_cases": "validate", "load_ontology": "ontology", "reason": "reason",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

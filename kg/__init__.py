"""rolegraph: a knowledge graph of actors, roles and relations in co-production.

The public API, for notebooks and scripts. Names are imported lazily, so that
`import kg` is cheap and the command line does not pay for what it does not use.
No public name is also the name of a submodule, so importing a submodule never
changes what `from kg import NAME` gives.

    cases = load_cases(["cases"])
    build_store(cases, Path("my-store"), reason=True)     # or a RemoteConfig: config_from(URL)
    with open_store(Path("my-store")) as st:
        q = get_query("role-transfer")
        rows = run_select(st, q, bind_params(q, {})).rows
"""

# No `from __future__ import annotations` and private aliases only: every public name of
# the package is in __all__ (tests/test_exported_members.py).
from importlib import import_module as _import_module
from typing import Any as _Any

__all__ = [
    "CaseDataError",
    "Explainer",
    "ForeignFolderError",
    "OntologyError",
    "Problem",
    "Query",
    "QueryError",
    "ReasoningError",
    "RemoteConfig",
    "RemoteError",
    "RolegraphError",
    "StoreError",
    "UsageError",
    "bind_params",
    "build_store",
    "check",
    "config_from",
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
    **{name: "errors" for name in ("CaseDataError", "ForeignFolderError", "OntologyError", "Problem", "QueryError", "ReasoningError",
                                    "RemoteError", "RolegraphError", "StoreError", "UsageError")},
    "Explainer": "explain", "render_text": "explain",
    "Query": "query", "bind_params": "query", "get_query": "query", "load_queries": "query",
    "run_select": "query",
    "build_store": "pipeline",
    "export_store": "stores", "open_store": "stores",
    "RemoteConfig": "targets", "config_from": "targets",
    "check": "consistency", "load_cases": "cases.validate", "load_ontology": "ontology", "reason": "reasoning",
}


def __getattr__(name: str) -> _Any:
    if name in _WHERE:
        return getattr(_import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

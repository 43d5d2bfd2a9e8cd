"""The public API (httpx's tests/test_exported_members.py in spirit): `kg.__all__` is sorted and
is exactly the public names, each is the function or class documented, no public name is also a
submodule (so importing a submodule never changes what `from kg import NAME` gives), and
`import kg` stays light."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import types

import kg

# name -> (kind, module that defines it)
DOCUMENTED = {
    "CaseDataError": ("error", "kg.errors"),
    "Explainer": ("class", "kg.explain"),
    "ForeignFolderError": ("error", "kg.errors"),
    "OntologyError": ("error", "kg.errors"),
    "Problem": ("class", "kg.errors"),
    "Query": ("class", "kg.query"),
    "QueryError": ("error", "kg.errors"),
    "ReasoningError": ("error", "kg.errors"),
    "RemoteConfig": ("class", "kg.targets"),
    "RemoteError": ("error", "kg.errors"),
    "RolegraphError": ("error", "kg.errors"),
    "StoreError": ("error", "kg.errors"),
    "UsageError": ("error", "kg.errors"),
    "bind_params": ("function", "kg.query"),
    "build_store": ("function", "kg.pipeline"),
    "check": ("function", "kg.consistency"),
    "config_from": ("function", "kg.targets"),
    "export_store": ("function", "kg.stores"),
    "get_query": ("function", "kg.query"),
    "load_cases": ("function", "kg.cases.validate"),
    "load_ontology": ("function", "kg.ontology"),
    "load_queries": ("function", "kg.query"),
    "open_store": ("function", "kg.stores"),
    "reason": ("function", "kg.reasoning"),
    "render_text": ("function", "kg.explain"),
    "run_select": ("function", "kg.query"),
}


def _import_every_submodule() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(kg.__path__, "kg."):
        if info.name.endswith("__main__"):
            continue  # running it is running the command
        importlib.import_module(info.name)
        names.append(info.name)
    return names


def test_all_is_sorted() -> None:
    assert kg.__all__ == sorted(kg.__all__)


def test_all_is_exactly_the_documented_names() -> None:
    assert set(kg.__all__) == set(DOCUMENTED)


def test_each_name_is_the_documented_function_or_class() -> None:
    _import_every_submodule()  # importing the submodules must not change any of these
    for name, (kind, module) in DOCUMENTED.items():
        obj = getattr(kg, name)
        assert obj.__module__ == module, (name, obj.__module__)
        if kind == "function":
            assert inspect.isfunction(obj), (name, obj)
        else:
            assert inspect.isclass(obj), (name, obj)
            if kind == "error":
                assert issubclass(obj, kg.RolegraphError), name
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
        assert getattr(importlib.import_module(module), name) is obj


def test_no_public_name_is_a_submodule() -> None:
    submodules = {info.name for info in pkgutil.iter_modules(kg.__path__)}
    assert not submodules & set(kg.__all__)
    _import_every_submodule()
    from kg import check, reason  # after `import kg.consistency, kg.reasoning`: still the functions

    assert inspect.isfunction(reason) and inspect.isfunction(check)


def test_the_public_names_are_all_the_public_attributes() -> None:
    """Every public attribute of `kg`, once each submodule is imported, is in __all__ or is a
    submodule (Python sets those on the package), and dir(kg) lists the API."""
    _import_every_submodule()
    others = [name for name, value in vars(kg).items()
              if not name.startswith("_") and name not in kg.__all__ and not isinstance(value, types.ModuleType)]
    assert not others
    assert dir(kg) == kg.__all__


def test_unknown_names_raise_attribute_error() -> None:
    try:
        kg.reasonn  # noqa: B018 - the attribute access is the test
    except AttributeError as exc:
        assert "reasonn" in str(exc)
    else:
        raise AssertionError("kg.reasonn should not exist")


def test_query_path_does_not_import_heavy_libraries() -> None:
    code = ("import sys, kg.cli, kg.query, kg.stores, kg.reasoning, kg.explain, kg.pipeline; "
            "print(','.join(m for m in ('owlready2', 'pyvis', 'pyshacl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_the_command_line_decides_its_target_without_a_store_implementation() -> None:
    """`import kg.cli` (also what the server's spawned workers re-import) loads neither rdflib
    nor the SPARQL client: listing the commands stays fast."""
    code = ("import sys, kg.cli; "
            "print(','.join(m for m in ('rdflib', 'SPARQLWrapper', 'pyoxigraph', 'kg.stores') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""

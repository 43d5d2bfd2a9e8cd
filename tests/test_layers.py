"""The package's layers, read from its imports (ast, nothing imported): no cycle, no import
against the direction of the pipeline, and imports at module level outside the CLI."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"

# Modules that may import inside functions: the command bodies (so that a command pays only
# for what it uses); the server (kg/server/) and the view (kg/view/) import at module level.
LAZY_ALLOWED = {"kg.cli.commands"}
# Third-party libraries a stage may import where it uses them, never a kg module (the layer
# checks read kg imports at module level): pySHACL, a third of a second to import, runs only
# on RDF case files, and a build of YAML cases never needs it; PyYAML parses a `#+ ` header
# only when the header cache (kg.headers) does not have it, and a named query then runs without it;
# rdflib's SPARQL parser (a quarter of a second to import) parses a rule the rule cache does not have.
LAZY_THIRD_PARTY = {("kg.cases.validate", "pyshacl"), ("kg.headers", "yaml"), ("kg.reasoning.rules", "rdflib")}

# layer -> the layers it must never import
FORBIDDEN = {
    "kg.stores": ("kg.reasoning", "kg.pipeline", "kg.incremental", "kg.query", "kg.explain", "kg.consistency", "kg.viz",
                  "kg.view", "kg.serve", "kg.server", "kg.cli"),
    "kg.reasoning": ("kg.pipeline", "kg.incremental", "kg.query", "kg.explain", "kg.consistency", "kg.viz", "kg.view",
                     "kg.serve", "kg.server", "kg.cli"),
    "kg.cases": ("kg.stores", "kg.reasoning", "kg.pipeline", "kg.incremental", "kg.query", "kg.explain", "kg.consistency",
                 "kg.viz", "kg.view", "kg.serve", "kg.server", "kg.cli"),
    "kg.iris": ("kg.",),
    "kg.errors": ("kg.",),
}
STAGE_FORBIDDEN = ("kg.cli", "kg.serve", "kg.server")  # no stage imports the command line or the server


def module_name(path: Path) -> str:
    parts = list(path.relative_to(KG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(KG.rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int, bool]]:
    """(imported kg module, line, inside a function) for each runtime import of the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[str, int, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for sub in child.orelse:
                    yield from walk(sub, in_function)
                continue
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "kg" or alias.name.startswith("kg."):
                        yield alias.name, child.lineno, in_function
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - (child.level - 1)]
                    target = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    target = child.module or ""
                if not (target == "kg" or target.startswith("kg.")):
                    continue
                for alias in child.names:  # `from . import iris` imports the submodule kg.iris
                    sub = f"{target}.{alias.name}"
                    yield (sub if sub in known else target), child.lineno, in_function
            yield from walk(child, inside)

    yield from walk(tree, False)


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {t for t, _, _ in imports(name, path, known) if t in known and t != name}
            for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def _in(name: str, layer: str) -> bool:
    return name == layer or name.startswith(layer + ".") or (layer.endswith(".") and name.startswith(layer))


def test_the_package_has_no_import_cycle() -> None:
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_no_import_against_the_layers() -> None:
    bad = []
    for name, targets in graph().items():
        for layer, forbidden in FORBIDDEN.items():
            if _in(name, layer):
                bad += [f"{name} imports {t}" for t in targets if any(_in(t, f) for f in forbidden)]
        if not any(_in(name, top) for top in STAGE_FORBIDDEN):
            bad += [f"{name} imports {t}" for t in targets if any(_in(t, f) for f in STAGE_FORBIDDEN)]
    assert not bad, "\n".join(bad)


def _imported(node: ast.Import | ast.ImportFrom) -> str:
    """The top-level package an import statement names ("" for a relative import)."""
    if isinstance(node, ast.ImportFrom):
        return "" if node.level else (node.module or "").split(".")[0]
    return node.names[0].name.split(".")[0]


def test_imports_are_at_module_level_outside_the_cli() -> None:
    known = modules()
    bad = []
    for name, path in known.items():
        if name in LAZY_ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                bad += [f"{path.relative_to(KG.parent)}:{node.lineno} in {fn.name}()" for node in ast.walk(fn)
                        if isinstance(node, (ast.Import, ast.ImportFrom)) and (name, _imported(node)) not in LAZY_THIRD_PARTY]
    assert not bad, "imports inside functions:\n" + "\n".join(sorted(set(bad)))


def test_only_the_cli_knows_click() -> None:
    known = modules()
    bad = []
    for name, path in known.items():
        if _in(name, "kg.cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            bad += [f"{name}:{node.lineno}" for n in names if n == "click" or n.startswith("click.")]
    assert not bad, "click imported outside kg.cli: " + ", ".join(bad)


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set(), "c": {"b"}}, []),
])
def test_the_cycle_finder_finds_cycles(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(edges) == expected


def test_relative_imports_resolve(tmp_path: Path) -> None:
    known = modules()
    found = {t for t, _, _ in imports("kg.stores.remote", KG / "stores" / "remote.py", known)}
    assert {"kg.errors", "kg.iris", "kg.stores.base", "kg.stores.sparql_client"} <= found
    found = {t for t, _, _ in imports("kg.vocab", KG / "vocab.py", known)}
    assert "kg.iris" in found

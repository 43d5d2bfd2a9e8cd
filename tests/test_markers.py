"""The fast inner loop stays fast: every test that needs a server, a browser, Java or a remote
store (through `require_tool`, a server helper, or a fixture that uses one) is marked `slow`."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
NEEDS = ("require_tool(", "rolegraph_serve(", "oxigraph_server(", "virtuoso_server(")


def _functions() -> list[tuple[Path, ast.FunctionDef, bool]]:
    out = []
    for path in sorted(TESTS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_slow = any(isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in n.targets)
                          and "slow" in ast.unparse(n.value) for n in tree.body)
        out += [(path, fn, module_slow) for fn in tree.body if isinstance(fn, ast.FunctionDef)]
    return out


def _is_fixture(fn: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(d) for d in fn.decorator_list)


def _params(fn: ast.FunctionDef) -> set[str]:
    return {a.arg for a in fn.args.args}


def test_tests_that_need_tools_or_servers_are_marked_slow() -> None:
    functions = _functions()
    heavy = {fn.name for _, fn, _ in functions if _is_fixture(fn) and any(n in ast.unparse(fn) for n in NEEDS)}
    grew = True
    while grew:  # fixtures that use a heavy fixture are heavy too
        more = {fn.name for _, fn, _ in functions if _is_fixture(fn) and _params(fn) & heavy}
        grew = bool(more - heavy)
        heavy |= more
    unmarked = []
    for path, fn, module_slow in functions:
        if not fn.name.startswith("test_") or module_slow:
            continue
        needs = any(n in ast.unparse(fn) for n in NEEDS) or bool(_params(fn) & heavy)
        marked = any("mark.slow" in ast.unparse(d) for d in fn.decorator_list)
        if needs and not marked:
            unmarked.append(f"{path.name}::{fn.name}")
    assert not unmarked, "mark these @pytest.mark.slow: " + ", ".join(unmarked)
    assert "browser" in heavy and "server" in heavy  # the check sees the fixtures it should

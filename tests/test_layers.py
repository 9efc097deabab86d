"""Layers point down only: viz -> experiments -> model -> agents (docs/architecture.md).

Read from the code's import statements (every `import` and `from … import`, at any depth, with
`ast`), not from text: a package may import itself and the packages below it, never one above.
`agents/` also knows nothing of Mesa, except the thin `mesa.Agent` views of `agents/views.py`
(the Mesa face itself is `model/mesa_model.py`)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["agents", "model", "experiments", "viz"]          # bottom to top


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every absolute import in a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.ImportFrom):
            out.append((node.lineno, path.relative_to(ROOT).parts[0]))   # relative: its own package
    return out


def test_packages_import_only_themselves_and_the_layers_below():
    wrong = []
    for level, package in enumerate(LAYERS):
        for path in sorted((ROOT / package).rglob("*.py")):
            mesa_ok = package != "agents" or path.name == "views.py"
            above = set(LAYERS[level + 1:]) | (set() if mesa_ok else {"mesa"})
            wrong += [f"{path.relative_to(ROOT)}:{line} imports {name}"
                      for line, name in imports(path) if name in above]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_imports_inside_functions(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from viz import app\n    import experiments.cli as c\n")
    assert [name for _, name in imports(f)] == ["viz", "experiments"]


def module_imports(path: Path, package: str) -> set[str]:
    """Modules of `package` a file imports at run time (any depth; `from package import x` counts as
    package.x when x is a module), leaving out imports under `if TYPE_CHECKING:` (annotations only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                   for n in ast.walk(node)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name.startswith(package + ".")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == package:
                out |= {f"{package}.{alias.name}" for alias in node.names
                        if (ROOT / package / f"{alias.name}.py").exists()}
            elif node.module.startswith(package + "."):
                out.add(node.module)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path a -> ... -> a) through each module that lies on any, found by depth-first search."""
    found, state = [], {}   # state: 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_cycles_inside_model():
    graph = {f"model.{p.stem}": module_imports(p, "model") - {f"model.{p.stem}"}
             for p in sorted((ROOT / "model").glob("*.py")) if p.stem != "__init__"}
    assert not cycles(graph), "\n".join(" -> ".join(c) for c in cycles(graph))


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import(tmp_path):
    a = tmp_path / "a.py"
    a.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from model import c\n"
                 "def f():\n    from model import b\n")
    assert module_imports(a, "model") == set()          # model/b.py does not exist under ROOT: not a module
    a.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import model.c\n"
                 "def f():\n    from model.b import g\n")
    assert module_imports(a, "model") == {"model.b"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []

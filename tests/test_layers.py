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

"""Print the scenario parameter table (path, meaning with unit, baseline value, source) as
Markdown, from the schema's field descriptions and baseline.yaml's comments.

    .venv/bin/python scripts/param_table.py > /tmp/table.md   # pasted into docs/model.md
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.scenario import SCENARIO_DIR, Scenario


def comments() -> dict[str, str]:
    """Comment per dotted path in baseline.yaml (a key's comment also covers its children)."""
    out, stack = {}, []
    for line in (SCENARIO_DIR / "baseline.yaml").read_text().splitlines():
        m = re.match(r"^(\s*)([A-Za-z_]+):(.*?)(#\s*(.*))?$", line)
        if not m:
            continue
        indent = len(m.group(1)) // 2
        stack = [*stack[:indent], m.group(2)]
        if m.group(5):
            out[".".join(stack)] = m.group(5).strip()
    return out


def model_of(annotation):
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def rows(model: type[BaseModel], data: dict, prefix: str, notes: dict[str, str], inherited: str):
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        value = data.get(name) if isinstance(data, dict) else None
        note = notes.get(path, inherited)
        sub = model_of(field.annotation)
        if sub is not None and isinstance(value, dict):
            yield from rows(sub, value, path + ".", notes, note)
            continue
        if sub is not None and isinstance(value, list) and value and isinstance(value[0], dict):
            yield path, (field.description or "").strip(), f"{len(value)} entries (see baseline.yaml)", note
            continue
        shown = yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("...").strip()
        yield path, (field.description or "").strip(), shown, note


def main() -> None:
    data = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    print("| parameter | meaning (unit) | baseline | source |")
    print("|---|---|---|---|")
    for path, desc, value, note in rows(Scenario, data, "", comments(), ""):
        value = value.replace("|", "\\|")
        print(f"| `{path}` | {desc} | `{value}` | {note} |")


if __name__ == "__main__":
    main()

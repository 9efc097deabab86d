"""Tracking `noodplan bench` over time: one line of key figures per run in a JSON-lines file,
and the change since the previous comparable run (same machine, same `--quick`).

A line holds when, the git commit (when the code runs from a repository), the machine and the
key figures below; `--json` keeps every figure, the history keeps what one compares across
commits.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from experiments.outputs import write_text
from model.inputfile import read_bytes

MAX_HISTORY_BYTES = 64 << 20      # a bench history (a line of ~1 kB a run)

# (name in the history, path in run_bench()'s result, unit, better when lower)
KEY_FIGURES: tuple[tuple[str, tuple[str, ...], str, bool], ...] = (
    ("baseline_cpu_s", ("baseline", "cpu_median_s"), "s", True),
    ("floor_cpu_s", ("floor", "cpu_median_s"), "s", True),
    ("numpy_ops_per_day", ("floor", "numpy_ops_per_day"), "ops", True),
    ("run_over_floor", ("ratios", "baseline_over_floor_cpu"), "×", True),
    ("mesa_over_headless", ("ratios", "mesa_over_headless_cpu"), "×", True),
    ("speedup_over_reference", ("ratios", "speedup_over_reference"), "×", False),
    ("speedup_over_reference_large", ("ratios", "speedup_over_reference_large"), "×", False),
    ("mass_arrival_x2_cpu_s", ("mass-arrival-x2", "cpu_median_s"), "s", True),
    ("eu_scale_cpu_s", ("eu-scale", "cpu_median_s"), "s", True),
    ("eu_scale_bytes_per_person", ("eu-scale", "memory", "bytes_per_person"), "B", True),
    ("eu_scale_peak_rss_mb", ("eu-scale", "memory", "process_peak_rss_bytes"), "MB", True),
    ("baseline_200d_instructions_m", ("instructions", "baseline:200", "millions"), "M", True),
    ("eu_scale_365d_instructions_m", ("instructions", "eu-scale:365", "millions"), "M", True),
)


def _get(r: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path` in the nested dicts `r`, or None where the path ends early."""
    v: Any = r
    for k in path:
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    return v


def git_commit(where: Path | None = None) -> str | None:
    """The repository's commit (with '+dirty' when files changed), or None outside a repository."""
    where = where or Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def history_line(r: dict[str, Any], commit: str | None = None) -> dict[str, Any]:
    """The key figures of one bench result, as one history line."""
    line = {"when": r.get("when"), "commit": commit, "machine": r.get("machine"), "quick": r.get("quick", False)}
    for name, path, unit, _ in KEY_FIGURES:
        v = _get(r, path)
        if v is not None and unit == "MB":
            v = v / 1e6
        line[name] = v
    return line


IDENTITY = {"when": str, "commit": str, "machine": str, "quick": bool}     # None allowed but for quick


def line_fault(h: Any) -> str | None:
    """Why a parsed line is not a bench history line (None when it is one): a JSON object with
    when, commit, machine and quick (what `history_line` writes first, since the first history),
    and key figures that are numbers or null. Another JSON-lines file (a sweep's, a log's) passed
    the reading as JSON, and its lines were taken for runs on no machine: a line appended to it."""
    if not isinstance(h, dict):
        what = ("true or false" if isinstance(h, bool) else "a number" if isinstance(h, (int, float))
                else "an array" if isinstance(h, list) else "text" if isinstance(h, str) else "null")
        return f"{what}, not a JSON object"
    missing = [k for k in IDENTITY if k not in h]
    if missing:
        return f"no {', '.join(repr(k) for k in missing)}"
    for k, kind in IDENTITY.items():
        if not isinstance(h[k], kind) and not (h[k] is None and k != "quick"):
            return f"{k!r} is {json.dumps(h[k])[:40]}, not {'true or false' if kind is bool else 'text'}"
    for name, *_ in KEY_FIGURES:
        v = h.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            return f"{name!r} is {json.dumps(v)[:40]}, not a number"
    return None


def read_history(path: str | Path) -> list[dict[str, Any]]:
    """The lines of a history file (empty when it does not exist, or empty). A line that is not
    JSON, or not a bench history line (`line_fault`), stops with a one-line ValueError naming the
    file and line."""
    p = Path(path)
    if not p.exists():
        return []
    raw = read_bytes(p, str(p), "a bench history file", MAX_HISTORY_BYTES)
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise ValueError(f"{p}: is not UTF-8 text (byte at position {e.start}); a bench history file?") from None
    out = []
    for i, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            out.append(json.loads(text))
        except json.JSONDecodeError as e:
            raise ValueError(f"{p}: line {i} is not JSON ({e.msg}); is this a bench history file?") from None
        except (RecursionError, ValueError) as e:    # nested too deeply; an integer of over 4,300 digits
            why = "nested too deeply" if isinstance(e, RecursionError) else str(e).split(";")[0]
            raise ValueError(f"{p}: line {i} is not JSON ({why}); is this a bench history file?") from None
        fault = line_fault(out[-1])
        if fault is not None:
            raise ValueError(f"{p}: line {i} is not a line of `noodplan bench --history` ({fault}); is this a bench "
                             f"history file?")
    return out


def append_history(path: str | Path, line: dict[str, Any]) -> dict[str, Any] | None:
    """Append `line`; returns the previous comparable line (same machine and quick flag) or None."""
    previous = [h for h in read_history(path)
                if h.get("machine") == line.get("machine") and h.get("quick") == line.get("quick")]
    p = Path(path)
    before = p.read_text(encoding="utf-8") if p.exists() else ""
    if before and not before.endswith("\n"):
        before += "\n"
    # the file is written whole (a temporary file, then a rename): a full disk or Ctrl+C leaves the
    # history as it was, never a half line that would stop the next read
    write_text(p, before + json.dumps(line) + "\n", p.suffix.lower() or ".jsonl", "--history")
    return previous[-1] if previous else None


def format_change(now: dict[str, Any], before: dict[str, Any] | None) -> str:
    """A small table: each key figure before, now and the relative change (+ better / − worse)."""
    if before is None:
        return "bench history: first comparable run on this machine"
    rows = [f"change since {before.get('commit') or '?'} ({before.get('when') or '?'}; "
            "timings on a shared machine vary by about ±10 %):"]
    for name, _, unit, lower_better in KEY_FIGURES:
        a, b = before.get(name), now.get(name)
        if a is None or b is None:
            continue
        rel = (b - a) / a if a else 0.0
        verdict = "same" if abs(rel) < 0.02 else ("better" if (rel < 0) == lower_better else "worse")
        rows.append(f"  {name:30s} {a:10.3f} → {b:10.3f} {unit:3s} {rel:+7.1%}  {verdict}")
    return "\n".join(rows)

"""Instructions the day loop executes, counted by callgrind: a figure that does not depend on the
machine's load.

On a shared 2-core machine CPU time swings by ±10 % between runs an hour apart, so a change of a
few per cent cannot be seen in seconds. Valgrind's callgrind counts the instructions executed
instead, which repeat to within about ten million (with ``PYTHONHASHSEED=0``): ~0.5 % of 200
baseline days, so count a few hundred days. The day loop's count is a run
of ``days`` days minus a run of 0 days on the same world (imports, world building and seeding
cancel out); a first run without valgrind writes the bytecode caches so neither counted run
compiles. Optional: valgrind must be installed (``apt install valgrind``); it runs ~50× slower.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from model.scenario import MAX_DAYS

DEFAULT = "baseline:200"       # what `noodplan bench --instructions` counts without a value
_ROOT = str(Path(__file__).resolve().parents[2])
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def parse_cases(text: str) -> list[tuple[str, int]]:
    """'baseline:200,eu-scale:365' -> [('baseline', 200), ('eu-scale', 365)]; a bad item stops
    with a one-line ValueError."""
    cases = []
    for item in (t.strip() for t in text.split(",")):
        name, sep, days = item.partition(":")
        if not name or not sep or not (days.isascii() and days.isdigit()) or not 1 <= int(days) <= MAX_DAYS:
            raise ValueError(f"--instructions: {item!r} is not SCENARIO:DAYS with DAYS 1 to {MAX_DAYS:,} "
                             f"(e.g. {DEFAULT} or baseline:200,eu-scale:365)")
        cases.append((name, int(days)))
    return cases


def collected(stderr: str) -> int:
    """The instruction count from callgrind's summary on stderr ('== Collected : N')."""
    m = _COLLECTED.search(stderr)
    if m is None:
        raise RuntimeError("callgrind printed no 'Collected' line: " + stderr.strip().splitlines()[-1][:200]
                           if stderr.strip() else "callgrind printed nothing")
    return int(m.group(1))


def _child(name: str, horizon: int, days: int) -> None:
    """Run in the counted subprocess: build `name` for `horizon` days, seed it, run `days` days."""
    from experiments.bench.measure import Setup
    from model import rulebook

    s = Setup.of(name, horizon)
    st = s.fresh()
    for _ in range(days):
        rulebook.run_day(st)


def _run(name: str, horizon: int, days: int, valgrind: str | None) -> str:
    code = f"from experiments.bench.instructions import _child; _child({name!r}, {horizon}, {days})"
    cmd = [sys.executable, "-c", code]
    if valgrind:
        cmd = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=_ROOT, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1][:200]
        raise RuntimeError(f"instruction count of {name} failed: {last}")
    return done.stderr


def count_instructions(name: str, days: int, log: Callable[[str], object] = print) -> dict[str, Any]:
    """Instructions executed by `days` days of scenario `name` (the day loop only)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise RuntimeError("--instructions needs valgrind (apt install valgrind); the other figures do not")
    log(f"instructions: {name}, {days} days, under callgrind (slow) …")
    _run(name, days, 1, None)                                  # bytecode caches written
    empty = collected(_run(name, days, 0, valgrind))
    full = collected(_run(name, days, days, valgrind))
    return {"scenario": name, "days": days, "instructions": full - empty,
            "millions": (full - empty) / 1e6, "millions_per_day": (full - empty) / 1e6 / days,
            "counting": "callgrind, run of DAYS days minus a run of 0 days, PYTHONHASHSEED=0"}

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


def _run(name: str, horizon: int, days: int, valgrind: str | None, rule: str | None = None) -> str:
    """Run `_child` (or, with `rule`, `_child_counting`) in a subprocess, under callgrind when
    `valgrind` is given; returns its stderr."""
    if rule is None:
        code = f"from experiments.bench.instructions import _child; _child({name!r}, {horizon}, {days})"
    else:
        code = (f"from experiments.bench.instructions import _child_counting; "
                f"_child_counting({name!r}, {horizon}, {days}, {rule!r})")
    cmd = [sys.executable, "-c", code]
    if valgrind:
        only = [f"--toggle-collect={_MARK}"] if rule is not None else []
        cmd = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *only, *cmd]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=_ROOT, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1][:200]
        raise RuntimeError(f"instruction count of {name}{f' ({rule})' if rule else ''} failed: {last}")
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


# --- by rule ----------------------------------------------------------------------------------------
#
# The rule counted is called through `operator.call`, and callgrind collects only while that C function
# runs (`--toggle-collect`): the rest of the day, the imports and the world run uncounted. One process
# per rule (a rule counted inside another would switch the collection off), `jobs` at a time.
_MARK = "_operator_call"        # CPython's C function behind `operator.call`, which the model never calls
EXTENSIONS, RECORDER = "extensions", "recorder"    # the plan's and regimes' rule sets; the daily figures
WHOLE_DAY = "run_day"      # the whole day counted the same way: what the parts' shares are of


def counted_parts() -> list[str]:
    """What `count_by_rule` counts: the rules `run_day` calls, in order, then the extensions and the
    recorder (what is left of the day is its loop: the day's tally and the counter)."""
    from experiments.bench.measure import rule_names

    return [*rule_names(), EXTENSIONS, RECORDER]


def _child_counting(name: str, horizon: int, days: int, part: str) -> None:
    """`_child`, with `part` (of `counted_parts`) called through `operator.call`."""
    import operator

    from experiments.bench.measure import Setup, recorder_of
    from model import rulebook

    def through_mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *a: operator.call(fn, *a)

    st = Setup.of(name, horizon).fresh()
    if part == WHOLE_DAY:
        for _ in range(days):
            operator.call(rulebook.run_day, st)
        return
    if part == EXTENSIONS:
        st.extensions = [through_mark(e) for e in st.extensions]
    elif part == RECORDER:
        rec = recorder_of(st)
        # on this state only, thrown away after the run: mypy refuses assigning to a method
        rec.record = through_mark(rec.record)  # type: ignore[method-assign]
    else:
        setattr(rulebook, part, through_mark(getattr(rulebook, part)))
    for _ in range(days):
        rulebook.run_day(st)


def count_by_rule(name: str, days: int, jobs: int = 2, log: Callable[[str], object] = print) -> dict[str, Any]:
    """Instructions per day inside each rule of the day (`counted_parts`) over `days` days of
    scenario `name`, and inside the whole day counted the same way (`whole_day_thousands`: the
    parts add up to it less the day's loop and tally, to within where the garbage collector happens
    to run): where a day's instructions go, load-independent. Takes about a minute per part and
    200 baseline days, `jobs` parts at a time. (The whole day counted this way exceeds
    `count_instructions`' difference of two runs by a few million instructions a run: the exit of
    a run of no days is not that of a run of some.)"""
    from concurrent.futures import ThreadPoolExecutor

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise RuntimeError("--by-rule needs valgrind (apt install valgrind); the other figures do not")
    parts = [*counted_parts(), WHOLE_DAY]
    log(f"instructions by rule: {name}, {days} days, {len(parts)} parts under callgrind, {jobs} at a time (slow) …")
    _run(name, days, 1, None)                                  # bytecode caches written
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        counts = list(pool.map(lambda part: collected(_run(name, days, days, valgrind, part)), parts))
    if not any(counts):
        raise RuntimeError(f"callgrind counted nothing inside the rules: this Python has no symbol {_MARK} "
                           f"(a stripped build?)")
    per_day = {part: n / 1e3 / days for part, n in zip(parts, counts)}
    return {"scenario": name, "days": days, "whole_day_thousands": per_day.pop(WHOLE_DAY),
            "thousands_per_day": per_day,
            "counting": f"callgrind, only inside the part (called through operator.call, --toggle-collect={_MARK}), "
                        f"PYTHONHASHSEED=0"}

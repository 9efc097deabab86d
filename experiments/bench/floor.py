"""What NumPy allows: count the model's NumPy calls per day, then time a loop that makes as
many calls per day on arrays of the same sizes while doing no model work (the *floor*).

Counting uses `sys.monitoring` CALL events (Python 3.12) in a separate, untimed pass: a call is a
NumPy call when the caller is model code (`agents/`, `model/`) and the callee is a NumPy function,
ufunc, array method or random-generator method. Array operators and indexing (`a + b`, `a[i]`)
are not calls and are not counted, so the floor is a lower bound and run/floor errs high.

The same pass counts *transitions*: persons whose stage changes (arrivals included) plus persons
who change bed, per day; the cost of a day should follow this number.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.applicants import Applicants
from experiments.bench.measure import Setup
from model import rulebook

_ROOT = Path(rulebook.__file__).resolve().parent.parent
_MODEL_DIRS = tuple(str(_ROOT / d) for d in ("agents", "model"))
_NUMPY_SELF = (np.ndarray, np.generic, np.random.Generator, np.random.BitGenerator)


def _is_numpy(c) -> bool:
    if isinstance(c, np.ufunc):
        return True
    mod = getattr(c, "__module__", None) or ""
    if mod == "numpy" or mod.startswith("numpy."):
        return True
    return isinstance(getattr(c, "__self__", None), _NUMPY_SELF)


@dataclass
class DayCounts:
    """Per simulated day: NumPy calls made by the model, households touched, persons in transition."""

    numpy_calls: np.ndarray
    households_touched: np.ndarray
    transitions: np.ndarray
    n_locations: int


def count_day(setup: Setup) -> DayCounts:
    """One untimed run that counts NumPy calls and transitions per day."""
    s = setup.fresh()
    days = setup.days
    calls = np.zeros(days, np.int64)
    touched = np.zeros(days, np.int64)
    trans = np.zeros(days, np.int64)
    state = {"day": 0, "n": 0}
    model_files: dict[str, bool] = {}

    def on_call(code, offset, callee, arg0):
        f = code.co_filename
        mine = model_files.get(f)
        if mine is None:
            mine = model_files[f] = f.startswith(_MODEL_DIRS)
        if mine and _is_numpy(callee):
            state["n"] += 1

    orig_set, orig_add = Applicants.set_stage, Applicants.add

    def set_stage(self, ids, stage, day):
        if len(ids):
            touched[state["day"]] += len(ids)
            trans[state["day"]] += int(self._h["size"][ids].sum())
        return orig_set(self, ids, stage, day)

    def add(self, **kw):
        ids = orig_add(self, **kw)
        if s.day == state["day"] and len(ids):
            touched[state["day"]] += len(ids)
            trans[state["day"]] += int(self._h["size"][ids].sum())
        return ids

    mon = sys.monitoring
    tool = next(i for i in (mon.PROFILER_ID, 3, 4) if mon.get_tool(i) is None)
    mon.use_tool_id(tool, "noodplan-bench")
    Applicants.set_stage, Applicants.add = set_stage, add
    try:
        mon.register_callback(tool, mon.events.CALL, on_call)
        mon.set_events(tool, mon.events.CALL)
        for d in range(days):
            state["day"], state["n"] = d, 0
            log_before = s.log.n
            rulebook.run_day(s)
            calls[d] = state["n"]
            new = slice(log_before, s.log.n)
            hh = s.log.household[new]
            touched[d] += len(hh)
            trans[d] += int(s.people._h["size"][hh].sum())
    finally:
        mon.set_events(tool, 0)
        mon.register_callback(tool, mon.events.CALL, None)
        mon.free_tool_id(tool)
        Applicants.set_stage, Applicants.add = orig_set, orig_add
    return DayCounts(calls, touched, trans, s.locs.n)


def time_floor(counts: DayCounts, repeats: int = 5, clock=time.perf_counter) -> list[float]:
    """Seconds for a loop making, each day, as many NumPy calls as the model did, on arrays the
    size of that day's touched households and of the location table, doing no model work
    (wall time; `clock=time.process_time` for CPU time).

    The calls cycle through a ufunc into a preallocated output, a reduction and a gather, the
    three commonest shapes of call in the rulebook."""
    days = len(counts.numpy_calls)
    n_loc = max(counts.n_locations, 1)
    big = max(int(counts.households_touched.max()), 1)
    xs, ys, outs = np.ones(big), np.ones(big), np.empty(big)
    idx = np.zeros(big, np.int64)
    xl, yl, ol = np.ones(n_loc), np.ones(n_loc), np.empty(n_loc)
    add, reduce_, take = np.add, np.add.reduce, np.take
    plan = []
    for d in range(days):
        m = max(int(counts.households_touched[d]), 1)
        plan.append((int(counts.numpy_calls[d]), xs[:m], ys[:m], outs[:m], idx[:m]))
    runs = []
    for _ in range(repeats):
        t0 = clock()
        for n, x, y, o, i in plan:
            for k in range(n // 6):
                add(x, y, out=o)
                reduce_(x)
                take(x, i)
                add(xl, yl, out=ol)
                reduce_(xl)
                take(x, i)
            for k in range(n % 6):
                add(x, y, out=o)
        runs.append(clock() - t0)
    return runs

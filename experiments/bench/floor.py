"""What NumPy allows: count the model's NumPy operations per day, then time a loop that makes as
many operations per day on arrays of the same sizes while doing no model work (the *floor*).

Two counts, both untimed and exact:

* **calls**: `sys.monitoring` CALL events (Python 3.12) in this process, on the normal code: a
  call is a NumPy call when the caller is model code (`agents/`, `model/`) and the callee is a
  NumPy function, ufunc, array method or random-generator method (`np.where`, `a.cumsum()`,
  `np.add.at`).
* **operations**: the calls plus the NumPy work done through operators and indexing, which are
  not calls (`a + b`, `a < b`, `~m`, `a[idx]`, `a[lo:hi]`, `a[idx] = v`, `a[i] += v`). These are
  counted by `experiments.bench.opcount` in a separate process that runs the same days with the
  model's modules rewritten so that each operator and subscript counts itself when an operand,
  or the container, is an ndarray (Python int arithmetic, list and dict indexing never count;
  operations on NumPy scalars alone are reported apart and not replayed). That run must be
  bit-identical to this process's normal run (every array the recorder holds is compared), or
  `count_day` raises. This process never loads the rewritten code.

The floor replays, each day, the day's calls (a ufunc into a preallocated output, a reduction and
a gather, cycling, on arrays of the day's touched size and of the location table's size, as
before) and, for the operations floor, each operation in its own shape: operators as a comparison
or product making a new array (touched size, every third on the location table), gathers as
``x[idx]``, views as ``x[:m]`` (a view: cheap, replayed as a view), element reads as ``x[0]``,
scatters as ``o[idx] = x``, slice stores as ``o[:m] = x``, element stores as ``o[0] = 1.0``.
The operations floor is the truer one (the verdict); the calls-only floor is kept for comparison
with earlier figures.

The same pass counts *transitions*: persons whose stage changes (arrivals included) plus persons
who change bed, per day; the cost of a day should follow this number.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import numpy as np

from agents.applicants import Applicants
from experiments.bench.measure import Setup, recorder_of
from experiments.bench.opcount import ARRAY_CATEGORIES, CATEGORIES, CallCounter, Counting, recorder_digest
from model import rulebook
from model.state import State


@dataclass
class DayCounts:
    """Per simulated day: NumPy calls made by the model, its other NumPy operations by kind
    (`ops`, None when not counted), households touched, persons in transition."""

    numpy_calls: np.ndarray
    households_touched: np.ndarray
    transitions: np.ndarray
    n_locations: int
    ops: dict[str, np.ndarray] | None = None     # category (opcount.CATEGORIES) -> per day
    counting: dict[str, Any] | None = None       # about the counting run (seconds, modules, checks)
    ops_per_rule: dict[str, float] | None = None  # rule of the day -> NumPy operations a day (mean)

    @property
    def counted_ops(self) -> dict[str, np.ndarray]:
        """`ops`, which must have been counted."""
        if self.ops is None:
            raise ValueError("operations were not counted (count_day(..., ops=False))")
        return self.ops

    @property
    def numpy_ops(self) -> np.ndarray:
        """Calls plus operators and indexing on arrays, per day (NumPy-scalar operations apart)."""
        ops = self.counted_ops
        return self.numpy_calls + sum(ops[c] for c in ARRAY_CATEGORIES)


def count_day(setup: Setup, ops: bool = True) -> DayCounts:
    """One untimed run that counts NumPy calls and transitions per day; with `ops`, operators and
    indexing too, counted meanwhile in a subprocess on rewritten code (see the module's
    docstring) whose results must be identical to this run's."""
    counting = Counting(setup.scenario, setup.days, setup.seed) if ops else None
    try:
        s = setup.fresh()
        days = setup.days
        calls = np.zeros(days, np.int64)
        touched = np.zeros(days, np.int64)
        trans = np.zeros(days, np.int64)
        state = {"day": 0}

        orig_set, orig_add = Applicants.set_stage, Applicants.add

        def set_stage(self: Applicants, ids: np.ndarray, stage: int, day: int, old: int | None = None) -> int:
            if len(ids):
                touched[state["day"]] += len(ids)
                trans[state["day"]] += int(self._h["size"][ids].sum())
            return orig_set(self, ids, stage, day, old)

        def add(self: Applicants, **kw: Any) -> np.ndarray:
            ids = orig_add(self, **kw)
            if s.day == state["day"] and len(ids):
                touched[state["day"]] += len(ids)
                trans[state["day"]] += int(self._h["size"][ids].sum())
            return ids

        # the class's methods counted for this run only, restored on leaving
        with (patch.object(Applicants, "set_stage", set_stage), patch.object(Applicants, "add", add),
              CallCounter() as cc):
            for d in range(days):
                state["day"], cc.n = d, 0
                log_before = s.log.n
                rulebook.run_day(s)
                calls[d] = cc.n
                new = slice(log_before, s.log.n)
                hh = s.log.household[new]
                touched[d] += len(hh)
                trans[d] += int(s.people.cols["size"][hh].sum())
        r = counting.result() if counting is not None else None
    except BaseException:           # Ctrl+C or SIGTERM too, while waiting for the count: it ends with us
        if counting is not None:
            counting.cancel()
        raise
    out = DayCounts(calls, touched, trans, s.locs.n)
    if r is not None:
        _check_identical(r, s)
        per_day = np.array(r["per_day"], np.int64).reshape(days, len(CATEGORIES))
        out.ops = {c: per_day[:, k] for k, c in enumerate(r["categories"])}
        out.ops_per_rule = {k: v / days for k, v in sorted(r["per_rule"].items(), key=lambda kv: -kv[1])}
        out.counting = {"seconds": r["seconds"], "modules_rewritten": len(r["modules"]),
                        "chained_comparisons_not_counted": r["chains_left"],
                        "identical_to_normal_run": True,
                        # NumPy calls of the counting run (a fresh process) that differ from this
                        # run's: 0 unless module-level caches (kind tables, salt masks, size
                        # tables) were already filled here by earlier runs, a few on the first days
                        "days_with_other_numpy_calls": int((np.array(r["numpy_calls"]) != calls).sum()),
                        "numpy_calls": int(sum(r["numpy_calls"]))}   # the counting run's, all days
    return out


def _check_identical(r: dict[str, Any], s: State) -> None:
    """The counting run (rewritten code, subprocess) against this normal run: every array the
    recorder holds must be bit-identical."""
    rec = recorder_of(s)
    mine = recorder_digest(rec)
    if r["digest"] != mine:
        pop = rec.scalars["population"]
        theirs = np.array(r["population"])
        bad = [k for k in mine if r["digest"].get(k) != mine[k]]
        first = int(np.flatnonzero(theirs != pop)[0]) if (theirs != pop).any() else None
        raise RuntimeError(f"the operation-counting run differs from the normal run: {bad[:8]}; "
                           f"first day the population differs: {first} (was the model edited meanwhile?)")


def time_floor(counts: DayCounts, repeats: int = 5, clock: Callable[[], float] = time.perf_counter,
               ops: bool = False) -> list[float]:
    """Seconds for a loop making, each day, as many NumPy calls as the model did (with `ops`:
    as many NumPy operations, calls and operators and indexing), on arrays the size of that
    day's touched households and of the location table, doing no model work (wall time;
    `clock=time.process_time` for CPU time).

    The calls cycle through a ufunc into a preallocated output, a reduction and a gather, the
    three commonest shapes of call in the rulebook; other operations are replayed in their own
    shape (see the module's docstring)."""
    days = len(counts.numpy_calls)
    n_loc = max(counts.n_locations, 1)
    big = max(int(counts.households_touched.max()), 1)
    xs, ys, outs = np.ones(big), np.ones(big), np.empty(big)
    idx = np.zeros(big, np.int64)
    xl, yl, ol = np.ones(n_loc), np.ones(n_loc), np.empty(n_loc)
    add, reduce_, take = np.add, np.add.reduce, np.take
    zero = np.zeros(days, np.int64)
    by = {c: counts.counted_ops[c] if ops else zero for c in ARRAY_CATEGORIES}
    # per day: calls, touched size, the arrays of that size, then operations by kind (ARRAY_CATEGORIES' order)
    plan: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int, int, int, int, int, int]] = []
    for d in range(days):
        m = max(int(counts.households_touched[d]), 1)
        n_op, n_gather, n_view, n_elem, n_scatter, n_slice, n_estore = (int(by[c][d]) for c in ARRAY_CATEGORIES)
        plan.append((int(counts.numpy_calls[d]), m, xs[:m], ys[:m], outs[:m], idx[:m],
                     n_op, n_gather, n_view, n_elem, n_scatter, n_slice, n_estore))
    runs = []
    for _ in range(repeats):
        t0 = clock()
        for n, m, x, y, o, i, n_op, n_gather, n_view, n_elem, n_scatter, n_slice, n_estore in plan:
            for _ in range(n // 6):
                add(x, y, out=o)
                reduce_(x)
                take(x, i)
                add(xl, yl, out=ol)
                reduce_(xl)
                take(x, i)
            for _ in range(n % 6):
                add(x, y, out=o)
            if not ops:
                continue
            for _ in range(n_op // 3):
                x < y  # noqa: B015 (the operation is what is timed)
                x * y
                xl < yl  # noqa: B015
            for _ in range(n_op % 3):
                x < y  # noqa: B015
            for _ in range(n_gather):
                x[i]
            for _ in range(n_view):
                xs[:m]
            for _ in range(n_elem):
                x[0]
            for _ in range(n_scatter):
                o[i] = x
            for _ in range(n_slice):
                outs[:m] = x
            for _ in range(n_estore):
                o[0] = 1.0
        runs.append(clock() - t0)
    return runs

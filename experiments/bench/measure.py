"""Timed runs: the day loop headless and through the Mesa face, time per rule, time per day.

Start-up (imports, building the world, seeding day 0) is never timed: every figure here is the
day loop only, the median of repeated runs in this process.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from model import rulebook
from model.metrics import Recorder
from model.scenario import Scenario, load_scenario
from model.simulate import prepare
from model.state import State
from model.world import World, build_world


class Stepped(Protocol):
    """What `time_model` times: a model that steps a day and counts its population."""

    def step(self) -> None: ...

    def population(self) -> int: ...


def recorder_of(s: State) -> Recorder:
    """The state's recorder; `prepare()` always gives one, a state made otherwise may have none."""
    if s.recorder is None:
        raise RuntimeError("the state has no recorder (make it with model.simulate.prepare)")
    return s.recorder


@dataclass
class Timing:
    """Median and spread of repeated timings of one run (seconds)."""

    runs: list[float]
    days: int
    person_days: float = 0.0            # sum over days of persons entitled to reception
    cpu_runs: list[float] = field(default_factory=list)   # CPU seconds of the same runs

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_runs) if self.cpu_runs else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def person_days_per_s(self) -> float:
        return self.person_days / self.median if self.median > 0 else float("nan")

    @property
    def cpu_person_days_per_s(self) -> float:
        return self.person_days / self.cpu_median if self.cpu_median > 0 else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {"median_s": self.median, "runs_s": self.runs, "cpu_median_s": self.cpu_median,
                "cpu_runs_s": self.cpu_runs, "days": self.days,
                "person_days": self.person_days, "person_days_per_s": self.person_days_per_s,
                "cpu_person_days_per_s": self.cpu_person_days_per_s}


@dataclass
class Setup:
    """A scenario with its world built once, so repeats only time the days."""

    scenario: Scenario
    world: World
    days: int
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario | str, days: int | None = None, seed: int | None = None) -> Setup:
        sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
        days = days or sc.horizon_days
        sc = sc.model_copy(update={"horizon_days": days})
        return cls(sc, build_world(sc), days, seed)

    def fresh(self) -> State:
        return prepare(self.scenario, self.seed, self.days, self.world)


def time_headless(setup: Setup, repeats: int = 5) -> Timing:
    """`simulate()`'s day loop: `run_day` on a prepared state, `days` times (wall and CPU)."""
    runs: list[float] = []
    cpu: list[float] = []
    pd = 0.0
    for _ in range(repeats):
        s = setup.fresh()
        run_day = rulebook.run_day
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(setup.days):
            run_day(s)
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        pd = float(recorder_of(s).scalars["population"][: setup.days].sum())
    return Timing(runs, setup.days, pd, cpu)


def time_mesa(setup: Setup, repeats: int = 5) -> Timing:
    """The same run through `ReceptionModel.step()` (the Mesa face)."""
    from model.mesa_model import ReceptionModel

    runs: list[float] = []
    cpu: list[float] = []
    pd = 0.0
    for _ in range(repeats):
        m = ReceptionModel(setup.scenario, setup.seed, setup.days, setup.world)
        c0, t0 = time.process_time(), time.perf_counter()
        while m.running:
            m.step()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        pd = float(recorder_of(m.state).scalars["population"][: setup.days].sum())
    return Timing(runs, setup.days, pd, cpu)


def time_model(make: Callable[[], Stepped], days: int, repeats: int = 3) -> Timing:
    """Any model with `step()` and `population()` (the Mesa reference), like `time_headless`:
    each repeat builds a fresh model with `make()` with the garbage collector paused (start-up,
    not timed), collects, then times `days` steps with the collector on, as a Mesa user runs
    it. Person-days: the model's own population after each step, summed (as noodplan's
    recorder counts them at the end of each day)."""
    runs: list[float] = []
    cpu: list[float] = []
    pd = 0.0
    for _ in range(repeats):
        was = gc.isenabled()
        gc.disable()
        try:
            m = make()
        finally:
            if was:
                gc.enable()
        gc.collect()
        total = 0
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(days):
            m.step()
            total += m.population()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        pd = float(total)
        del m
        gc.collect()
    return Timing(runs, days, pd, cpu)


def rule_names() -> list[str]:
    """The rules `run_day` calls, in the order they appear in its code."""
    names = rulebook.run_day.__code__.co_names
    return [n for n in names if callable(getattr(rulebook, n, None)) and n not in ("Tally",)
            and getattr(getattr(rulebook, n), "__module__", "").startswith(("model", "agents"))]


def time_per_rule(setup: Setup, repeats: int = 3) -> dict[str, float]:
    """Seconds per rule of the day over the whole run (median of repeats), plus extensions
    (plan, regimes) and the recorder. Rules are wrapped with a timer for this measurement only."""
    names = rule_names()
    totals: dict[str, list[float]] = {}
    originals = {n: getattr(rulebook, n) for n in names}
    for _ in range(repeats):
        acc: dict[str, float] = {}

        def timed(name: str, fn: Callable[..., Any], acc: dict[str, float] = acc) -> Callable[..., Any]:
            def wrapper(*a: Any, **kw: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    acc[name] = acc.get(name, 0.0) + time.perf_counter() - t0
            return wrapper

        s = setup.fresh()
        s.extensions = [timed(f"extension:{getattr(e, '__qualname__', type(e).__name__)}", e)
                        for e in s.extensions]
        rec = recorder_of(s)
        rec_record = rec.record
        # on this state only, thrown away after the run: mypy refuses assigning to a method
        rec.record = timed("metrics.record", rec_record)  # type: ignore[method-assign]
        try:
            for n in names:
                setattr(rulebook, n, timed(n, originals[n]))
            t0 = time.perf_counter()
            for _ in range(setup.days):
                rulebook.run_day(s)
            total = time.perf_counter() - t0
        finally:
            for n, f in originals.items():
                setattr(rulebook, n, f)
        acc["(day overhead)"] = total - sum(acc.values())
        for k, v in acc.items():
            totals.setdefault(k, []).append(v)
    return {k: statistics.median(v) for k, v in totals.items()}


def time_per_day(setup: Setup, repeats: int = 3, clock: Callable[[], float] = time.perf_counter) -> np.ndarray:
    """Seconds per simulated day (minimum over repeats, which removes most scheduler noise), by
    `clock` (wall time; `time.process_time` for CPU time on a busy machine)."""
    per = np.full((repeats, setup.days), np.nan)
    for r in range(repeats):
        s = setup.fresh()
        run_day = rulebook.run_day
        for d in range(setup.days):
            t0 = clock()
            run_day(s)
            per[r, d] = clock() - t0
    return per.min(axis=0)

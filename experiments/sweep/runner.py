"""One run of a sweep and one batch of runs: what a worker does.

A *model* is any picklable callable `model(values, seed) -> (kpis, daily)`: parameter values of
one sample point and a replicate seed in, a mapping of KPIs and (optionally) daily series out.
`NoodplanModel` is noodplan's: it builds the run's scenario from the design, reuses a world
built in this process when only the seed differs (`model.simulate` may reuse a world when the
scenario differs at most in seed and a shorter horizon; a world is built once per distinct
parameter point and kept, a few at a time, per worker process), runs `simulate()` and computes
the design's KPIs. Tests plug in toy functions through the same machinery.

`run_batch()` runs many runs in one task; a run that raises becomes an error outcome (its type
and message) and the batch goes on. A model with a `many(values, seeds)` method (NoodplanModel)
gets a point's replicates in one call: `model.many.simulate_many` on the point's world, in
batches sized by memory (`model.many.runs_per_batch`, a share of the memory available split over
the sweep's workers); a run that cannot fit is an error outcome of one line. Should a call for
several seeds raise, its runs are run one by one, so each outcome is the run's own.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from pydantic import ValidationError

from experiments.sweep.design import Design, Value, reason, set_path
from model.scenario import Scenario, ScenarioError

KpiValues = dict[str, float]
DailySeries = dict[str, np.ndarray]
Model = Callable[[dict[str, Value], int], tuple[KpiValues, DailySeries | None]]


@dataclass(frozen=True)
class RunSpec:
    """One run: parameter values of a sample point and a seed; `run_id` = hash(values, seed)."""

    run_id: str
    seed: int
    values: dict[str, Value]


@dataclass
class Outcome:
    run_id: str
    error: str = ""                              # "" when the run succeeded
    kpis: KpiValues = field(default_factory=dict)
    daily: DailySeries | None = None

    @property
    def ok(self) -> bool:
        return not self.error


def run_batch(model: Model, runs: list[RunSpec]) -> list[Outcome]:
    """Run each run of a task (a point's replicates together when the model has `many`); an
    exception is recorded as that run's error. Outcomes come in the order of `runs`."""
    many = getattr(model, "many", None)
    if many is None:
        return [_one(model, r) for r in runs]
    points: dict[str, list[int]] = {}
    for i, r in enumerate(runs):
        points.setdefault(json.dumps(r.values, sort_keys=True), []).append(i)
    out: list[Outcome | None] = [None] * len(runs)
    for idx in points.values():
        group = [runs[i] for i in idx]
        try:
            got = many(dict(group[0].values), [r.seed for r in group]) if len(group) > 1 else None
        except Exception:
            got = None                                  # one by one below: each run its own outcome
        for i, r, res in zip(idx, group, got or [None] * len(group), strict=True):
            out[i] = _one(model, r) if res is None else _outcome(r, *res)
    return [o for o in out if o is not None]


def _one(model: Model, r: RunSpec) -> Outcome:
    try:
        return _outcome(r, *model(dict(r.values), r.seed))
    except Exception as exc:
        return Outcome(r.run_id, describe(exc))


def _outcome(r: RunSpec, kpis: KpiValues, daily: DailySeries | None) -> Outcome:
    return Outcome(r.run_id, "", {k: float(v) for k, v in kpis.items()}, daily)


def describe(exc: BaseException) -> str:
    """An exception as one line: its type and the first line of its message (at most 500 characters)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


# ---- noodplan as a model ---------------------------------------------------------------------

_WORLDS: OrderedDict = OrderedDict()        # point key -> (Scenario, World), most recently used last (per process)
_WORLDS_KEPT = 4
_WORLDS_LOCK = threading.Lock()


class NoodplanModel:
    """noodplan as a sweep model: the design's scenario at a sample point, one seed, its KPIs."""

    def __init__(self, design: Design) -> None:
        self.bases = design.bases
        self.paths = [(p.label, p.path) for p in design.parameters if p.path is not None]
        self.variant = design.variants.label if design.variants is not None else None
        self.kpis = design.kpis
        self.daily = list(design.outputs.daily)
        self.key = design.base_hash
        self.workers = 1                 # processes sharing this machine's memory (set by run_sweep)

    def scenario(self, values: Mapping[str, Value]) -> Scenario:
        """The validated scenario of a sample point; raises ScenarioError (one line)."""
        base = self.bases[str(values[self.variant])] if self.variant else next(iter(self.bases.values()))
        data = copy.deepcopy(base)
        for label, path in self.paths:
            set_path(data, path, values[label])
        try:
            return Scenario.model_validate(data)
        except ValidationError as err:
            raise ScenarioError(reason(err)) from None

    def prepared(self, values: Mapping[str, Value]):
        """The scenario and world of a sample point, made once per worker process and kept (a few
        points at a time): a point's replicate seeds share them."""
        from model.world import build_world

        key = (self.key, json.dumps(values, sort_keys=True))
        with _WORLDS_LOCK:
            hit = _WORLDS.get(key)
            if hit is not None:
                _WORLDS.move_to_end(key)
                return hit
        sc = self.scenario(values)
        hit = (sc, build_world(sc))
        with _WORLDS_LOCK:
            _WORLDS[key] = hit
            while len(_WORLDS) > _WORLDS_KEPT:
                _WORLDS.popitem(last=False)
        return hit

    def __call__(self, values: dict[str, Value], seed: int) -> tuple[KpiValues, DailySeries | None]:
        return self.many(values, [seed])[0]

    def many(self, values: dict[str, Value], seeds: list[int]) -> list[tuple[KpiValues, DailySeries | None]]:
        """The KPIs (and daily series) of a point's runs on `seeds`, in order: `simulate_many` on
        the point's world, at most as many runs at a time as fit in this process's share of the
        memory available (raises ScenarioError, one line, when not even one fits)."""
        from model.many import default_budget, runs_per_batch, simulate_many

        sc, world = self.prepared(values)
        budget = default_budget(workers=self.workers)
        size = runs_per_batch(world, sc.horizon_days, budget)
        out: list[tuple[KpiValues, DailySeries | None]] = []
        for i in range(0, len(seeds), size):
            out += simulate_many(sc, seeds[i:i + size], world=world, reduce=self._reduce, memory_budget=budget)
        return out

    def _reduce(self, res) -> tuple[KpiValues, DailySeries | None]:
        from experiments.sweep import kpis

        return kpis.compute(res, self.kpis), (kpis.daily_series(res, self.daily) if self.daily else None)

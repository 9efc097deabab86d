"""One run of a sweep and one batch of runs: what a worker does.

A *model* is any picklable callable `model(values, seed) -> (kpis, daily)`: parameter values of
one sample point and a replicate seed in, a mapping of KPIs and (optionally) daily series out.
`NoodplanModel` is noodplan's: it builds the run's scenario from the design, reuses a world
built in this process when only the seed differs (`model.simulate` may reuse a world when the
scenario differs at most in seed and a shorter horizon; a world is built once per distinct
parameter point and kept, a few at a time, per worker process), runs `simulate()` and computes
the design's KPIs. Tests plug in toy functions through the same machinery.

`run_batch()` runs many runs in one task; a run that raises becomes an error outcome (its type
and message) and the batch goes on.
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
    """Run each run of a task in turn; an exception is recorded as that run's error."""
    out = []
    for r in runs:
        try:
            kpis, daily = model(dict(r.values), r.seed)
            out.append(Outcome(r.run_id, "", {k: float(v) for k, v in kpis.items()}, daily))
        except Exception as exc:
            out.append(Outcome(r.run_id, describe(exc)))
    return out


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
        from experiments.sweep import kpis
        from model.simulate import simulate

        sc, world = self.prepared(values)
        res = simulate(sc, seed=seed, world=world)
        return kpis.compute(res, self.kpis), (kpis.daily_series(res, self.daily) if self.daily else None)

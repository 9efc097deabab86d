"""Parameters a forecast from origin T may use: none fitted to a figure after T.

The hindcasts' free parameters (`experiments.calibrate.FREE`) were fitted to the record up to
1 June 2020 (`calibrate.problem` refuses a later end, `CALIBRATION_END`); for an origin before that
date they know the future. `uncalibrated(sc)` puts every one of them back to the baseline's
documented value (a fitted half-year target is removed, a fitted event dropped), so what remains
was never fitted to the record.

`refit(base, record)` then fits one parameter, the IND capacity factor θ (a factor on the decisions
per day of every track), to the counts of the last two years before the origin, read through
`RecordAsOf` (so it cannot see a later one): a run from the last count at least two years before
the origin (on the inflow known on the origin) to the last count before it, compared with every
count in between (persons in reception, and permit holders where counted); the objective is the
mean squared relative error, minimised over ln θ in [ln 0.2, ln 5] (bounded Brent search). θ is
the parameter the 2020 calibration found moving most between periods (×1.36 from 2016, ×0.44
from 2018), and the one persons in reception respond to most strongly in the model (docs/forecast.md).

`experiments.calibrate.ind_budget` instead makes the IND's capacity follow its budget — the model's rule
`chain.decision_capacity_rule: budget`: each year the first applications a day of the year before,
as the run's world holds them (the record known on the origin, then the assumed inflow) — with
nothing fitted (the rolling backtest's default: a θ refitted on a window where the IND's queue empties
is only bounded from below; docs/forecast.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from experiments.calibrate import AMPLE_FACTOR, FREE
from experiments.forecast.inflow import persistence_from_record
from experiments.forecast.origins import record_scenario, record_world
from experiments.forecast.record import RecordAsOf
from experiments.history import RecordPoint
from model.events import set_path
from model.rulebook import run_day
from model.scenario import RampPoint, Scenario, get_path, load_scenario
from model.simulate import prepare

BOUNDS = (0.2, 5.0)          # θ search range
WINDOW_DAYS = 730            # the refit looks back this far (at least)
IND_CAPACITY = ("budget", "constant", "budget-refit")   # rolling backtest: how the IND's capacity is set


def uncalibrated(sc: Scenario, reference: Scenario | None = None) -> Scenario:
    """`sc` with every value the calibration fits set back to `reference`'s (default: baseline)."""
    ref = reference or load_scenario("baseline")
    sc = sc.model_copy(deep=True)
    for p in FREE:
        for path, _ in p.targets:
            if path.startswith("event:"):
                sc.events = [e for e in sc.events if e.label != path[6:]]
            elif path.startswith("housing.targets."):
                sc.housing.targets.pop(path.rsplit(".", 1)[1], None)
            else:
                set_path(sc, path, get_path(ref, path))
    sc.housing.default_target_per_half_year = ref.housing.default_target_per_half_year
    return Scenario.model_validate(sc.model_dump())


def with_ind_factor(sc: Scenario, theta: float) -> Scenario:
    """`sc` with the IND's capacity times θ: its decisions per day on every track; under the budget
    rule (which splits the budget as they split, so a common factor on them cancels) its productivity
    ramp instead, flat at θ (the scenario's own ramp, the 2025-2028 national strategy, is dropped:
    the backtest's runs end in 2022)."""
    sc = sc.model_copy(deep=True)
    if sc.chain.decision_capacity_rule == "budget":
        if sc.start_date + dt.timedelta(days=sc.horizon_days) >= min(
                (p.date for p in sc.chain.decision_capacity_ramp), default=dt.date.max):
            raise ValueError(f"with_ind_factor: {sc.name!r} runs into its productivity ramp; θ would replace it")
        sc.chain.decision_capacity_ramp = [RampPoint(date=sc.start_date, factor=theta)]
        return sc
    for k in sc.chain.decisions_per_day:
        sc.chain.decisions_per_day[k] *= theta
    return sc


def ample(sc: Scenario, persons: float) -> Scenario:
    """`sc` with enough emergency places that nobody waits for a bed (speed only: the persons in
    reception do not depend on capacity; tests/experiments/test_calibration.py)."""
    sc = sc.model_copy(deep=True)
    sc.portfolio.places["emergency"] += int(AMPLE_FACTOR * persons)
    return sc


@dataclass
class Refit:
    theta: float
    start: RecordPoint
    points: list[RecordPoint]
    loss: float
    evaluations: list[tuple[float, float]] = field(default_factory=list)

    def describe(self) -> str:
        return (f"IND capacity factor {self.theta:.3f} (fitted to {len(self.points)} counts "
                f"{self.points[0].date}..{self.points[-1].date} from {self.start.date}; RMS relative error "
                f"{math.sqrt(self.loss):.1%}, {len(self.evaluations)} runs)")


def window(rec: RecordAsOf, days: int = WINDOW_DAYS) -> tuple[RecordPoint, list[RecordPoint]]:
    """The refit's start (the last count at least `days` before the origin, not before the known
    inflow begins, else the first count after that) and the counts after it, up to the origin."""
    pops = rec.points("population")
    inflow = rec.inflow_totals("first")
    if not pops or not inflow:
        raise ValueError(f"refit: nothing recorded before {rec.origin}")
    first_inflow = inflow[0].start - dt.timedelta(days=1)
    usable = [p for p in pops if p.date >= first_inflow]
    before = [p for p in usable if p.date <= rec.origin - dt.timedelta(days=days)]
    start = before[-1] if before else usable[0]
    points = [p for q in ("population", "permit_holders") for p in rec.points(q) if p.date > start.date]
    if not points:
        raise ValueError(f"refit: no count after {start.date} and before {rec.origin}")
    return start, sorted(points, key=lambda p: (p.date, p.quantity))


def refit(base: Scenario, rec: RecordAsOf, seeds: Sequence[int] = (1,), xatol: float = 0.02) -> Refit:
    """Fit θ on the record before the origin (see the module text)."""
    start, points = window(rec)
    end = points[-1].date + dt.timedelta(days=1)
    sc, _ = record_scenario(ample(base, max(p.value for p in points)), rec, end, start_point=start)
    world = record_world(sc, rec, persistence_from_record(rec, base.inflow.family_reunification_per_year))
    days = [(p.date - sc.start_date).days for p in points]
    recorded = np.array([p.value for p in points])
    evaluations: list[tuple[float, float]] = []

    def loss(log_theta: float) -> float:
        theta = math.exp(log_theta)
        rel = []
        scaled = with_ind_factor(sc, theta)
        # the run's scenario is its world's (model.start.new_state), and the world does not depend on
        # the chain (build_world reads none of it): the record world with the scaled scenario, not a
        # world rebuilt from the scenario's yearly inflow rate
        theta_world = dataclasses.replace(world, scenario=scaled)
        for seed in seeds:
            s = prepare(scaled, seed=seed, world=theta_world)
            while s.day < max(days) + 1:
                run_day(s)
            assert s.recorder is not None, "prepare() gives the state its recorder"
            x = s.recorder.scalars
            sim = np.array([x["population" if p.quantity == "population" else "permit_holders_waiting"][d]
                            for p, d in zip(points, days)])
            rel.append(sim / recorded - 1)
        value = float(np.mean(np.square(rel)))
        evaluations.append((theta, value))
        return value

    optimize.minimize_scalar(loss, bounds=(math.log(BOUNDS[0]), math.log(BOUNDS[1])), method="bounded",
                             options={"xatol": xatol})
    theta, best = min(evaluations, key=lambda e: e[1])
    return Refit(theta, start, points, best, evaluations)

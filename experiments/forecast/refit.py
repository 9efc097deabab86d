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

`budget_ramp` instead makes the IND's capacity follow its budget — each year the first applications
a day of the 12 months known on 1 January — with nothing fitted (the rolling backtest's default: a
θ refitted on a window where the IND's queue empties is only bounded from below; docs/forecast.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from experiments.calibrate import AMPLE_FACTOR, FREE
from experiments.forecast.inflow import persistence_from_record
from experiments.forecast.origins import record_scenario, record_world
from experiments.forecast.record import RecordAsOf, last_month, mean_rate
from experiments.history import RecordPoint
from model.events import set_path
from model.rulebook import run_day
from model.scenario import RampPoint, Scenario, get_path, load_scenario
from model.simulate import prepare

BOUNDS = (0.2, 5.0)          # θ search range
WINDOW_DAYS = 730            # the refit looks back this far (at least)
IND_CAPACITY = ("budget", "constant", "budget-refit")   # rolling backtest: how the IND's capacity is set
RAMP_RANGE = (0.1, 5.0)      # model.scenario.RampPoint.factor


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
    """`sc` with IND decisions per day on every track times θ."""
    sc = sc.model_copy(deep=True)
    for k in sc.chain.decisions_per_day:
        sc.chain.decisions_per_day[k] *= theta
    return sc


def budget_ramp(rec: RecordAsOf, first: dt.date, last: dt.date, decisions_per_day: float) -> list[RampPoint]:
    """IND capacity that follows its budget, as factors on a scenario whose tracks decide
    `decisions_per_day` persons a day together.

    The IND is a labour-capacity organisation financed on the multi-year production forecast (MPP):
    each year the IND and the ministry set how many cases it can decide from the capacity the
    budget pays for, and hearing and deciding staff take 9-12 months to hire and train (Kamerstuk
    19 637 nr. 2119, 2016: the MPP is set each autumn for next year's operational planning; Aanhangsel
    Handelingen 2023-2024 nr. 1704; IND news 15 December 2021 and 4 July 2022; docs/forecast.md,
    *IND capacity that follows its budget*). So capacity does not follow the
    backlog of the day, and capacity raised for a peak ends once the budget follows lower arrivals.
    The rule: in calendar year Y the IND decides, per day, the first applications per day of the 12
    months known on 1 January Y (the persistence rate the MPP starts from: the budget pays for
    deciding the inflow expected); the factor here is that rate / `decisions_per_day`. (The rolling
    backtest's `budget-refit` multiplies it by a refitted θ; its default `budget` does not.) A year
    that begins after the origin gets the rate known on the origin (the forecaster's best guess of
    the budget to come).
    Steps on 1 January (the year before holds to 31 December); years before any known inflow are
    left out (the ramp is flat before its first point). Read only through `rec` (later figures
    are refused)."""
    if decisions_per_day <= 0:
        raise ValueError("budget_ramp: the scenario's IND decides nobody (decisions_per_day sum to 0)")
    points: list[RampPoint] = []
    for year in range(first.year, last.year + 1):
        jan1 = dt.date(year, 1, 1)
        first_apps = (rec.as_of(jan1) if jan1 <= rec.origin else rec).monthly_inflow("first")
        end = last_month(first_apps)
        rate = mean_rate(first_apps, end) if end is not None else None
        if rate is None:
            continue
        factor = rate / decisions_per_day
        if not RAMP_RANGE[0] <= factor <= RAMP_RANGE[1]:
            raise ValueError(f"budget_ramp: {year}'s budget ({rate:.1f} first applications a day) is {factor:.2f} "
                             f"times the scenario's {decisions_per_day:g} decisions a day, outside the ramp's "
                             f"{RAMP_RANGE[0]:g}-{RAMP_RANGE[1]:g}")
        if points:
            points.append(RampPoint(date=jan1 - dt.timedelta(days=1), factor=points[-1].factor))
        points.append(RampPoint(date=jan1, factor=factor))
    return points


def with_budget_ramp(sc: Scenario, rec: RecordAsOf, first: dt.date, last: dt.date) -> Scenario:
    """`sc` with its IND productivity ramp replaced by `budget_ramp` from `first` to `last`."""
    sc = sc.model_copy(deep=True)
    sc.chain.decision_capacity_ramp = budget_ramp(rec, first, last, sum(sc.chain.decisions_per_day.values()))
    return Scenario.model_validate(sc.model_dump())


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
        for seed in seeds:
            s = prepare(with_ind_factor(sc, theta), seed=seed, world=world)
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

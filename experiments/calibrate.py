"""Calibration: fit the free parameters of the hindcasts to the pre-2020 record.

The fit runs one scenario (`hindcast-2015` stretched to the end of the calibration window,
1 January 2014 to 1 June 2020) and compares it with every recorded figure in that window
(persons in COA reception; permit holders among them where recorded). The objective is the mean
squared relative error over those points, averaged over a few replicate seeds that stay the same
for every parameter value (common random numbers), so the objective is a smooth-ish,
deterministic function of the parameters.

Search: a scrambled Sobol design over the parameter box (coarse), then Nelder-Mead from the best
design point (fine), within a fixed budget of simulations. Uncertainty: a profile of the
objective along each parameter with the others at the fit, read as a likelihood with Gaussian
relative errors (sigma^2 from the residuals): the 90 % interval is where the objective rises by
less than chi2(1, 0.90) * sigma^2 / n. A parameter whose profile stays inside that band over its
whole range is reported as not identifiable from the record.

`write_fitted()` writes the values into the scenario files, on the lines marked
`# calibrated: NAME`, with their interval and provenance in the comment.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import optimize, stats
from scipy.stats import qmc

from experiments.history import RecordPoint, record_points
from experiments.outputs import ignore_interrupts, process_pool, replace_text, stop_workers
from model.events import set_path
from model.many import split
from model.scenario import SCENARIO_DIR, Scenario, did_you_mean, from_yaml_text, get_path, load_scenario

CALIBRATION_END = dt.date(2020, 6, 1)   # hindcast-2020 starts here: nothing later may be used
CHI2_90 = float(stats.chi2.ppf(0.90, 1))
AMPLE_FACTOR = 3.0                      # extra emergency places in calibration runs, x the largest record (speed only)


@dataclass(frozen=True)
class Param:
    """A free parameter: its value θ sets every target path to θ × multiplier.

    A target is a dotted scenario path, or `event:LABEL` for the value of the event with that
    label. `log` searches the range on a log scale.
    """

    name: str
    meaning: str
    unit: str
    lo: float
    hi: float
    targets: tuple[tuple[str, float], ...]
    log: bool = False
    integer: bool = False

    def to_unit(self, v: float) -> float:
        if self.log:
            return (math.log(v) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (v - self.lo) / (self.hi - self.lo)

    def from_unit(self, u: float) -> float:
        u = min(max(u, 0.0), 1.0)
        v = math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo))) if self.log \
            else self.lo + u * (self.hi - self.lo)
        return float(round(v)) if self.integer else v


_IND_SPLIT = {"regular": 50 / 78, "accelerated": 15 / 78, "border": 3 / 78, "dublin": 10 / 78}

# The free parameters of the hindcasts (see docs/validation.md for why these).
FREE: list[Param] = [
    Param("ind_decisions", "IND first-instance decisions per day in 2014-2015, all tracks (split 50:15:3:10 "
          "as in the baseline)", "persons/day", 20.0, 160.0,
          tuple((f"chain.decisions_per_day.{k}", v) for k, v in _IND_SPLIT.items()), log=True),
    Param("ind_factor_2016", "factor on IND decisions per day from 1 January 2016 (scale-up after the surge)",
          "1", 0.5, 4.0, (("event:IND capacity from 2016", 1.0),), log=True),
    Param("ind_factor_2018", "factor on IND decisions per day from 1 January 2018, relative to 2016-2017",
          "1", 0.25, 2.0, (("event:IND capacity from 2018", 1.0),), log=True),
    Param("appeal_days", "days from a rejection in the regular procedure to the court's ruling on a suspensive "
          "appeal (the appellant stays in reception; share appealing and upheld as in the baseline)",
          "days", 28.0, 1500.0, (("chain.appeal_days.regular", 1.0),), log=True, integer=True),
    Param("housing_target_2014_2015", "national housing target per half-year, 2014H1-2015H2 (not in the "
          "packaged record)", "persons/half-year", 3000.0, 30000.0,
          tuple((f"housing.targets.{h}", 1.0) for h in ("2014H1", "2014H2", "2015H1", "2015H2")), log=True),
    Param("housing_target_2016", "national housing target per half-year, 2016H1-2016H2 (not in the packaged "
          "record)", "persons/half-year", 3000.0, 40000.0,
          tuple((f"housing.targets.{h}", 1.0) for h in ("2016H1", "2016H2")), log=True),
    Param("housing_supply", "persons municipalities can house per year, nationally (homes, not targets)",
          "persons/year", 8000.0, 80000.0, (("housing.supply_persons_per_year", 1.0),), log=True),
]
IND_FIXED = ("ind_decisions", "ind_factor_2016", "ind_factor_2018")   # the IND's capacity under the fixed rule

# IND capacity structures a calibration can fit under (`chain.decision_capacity_rule`).
IND_CAPACITY = ("fixed", "budget")


def ind_budget(sc: Scenario) -> Scenario:
    """`sc` with the IND's capacity following its budget (`chain.decision_capacity_rule: budget`: in
    year Y the first applications a day of the year before) and without the fixed structure's IND
    factor events (`IND_FIXED`): under the budget rule nothing about the IND's capacity is fitted."""
    labels = {path[6:] for p in by_name(IND_FIXED) for path, _ in p.targets if path.startswith("event:")}
    sc = sc.model_copy(deep=True)
    sc.chain.decision_capacity_rule = "budget"
    sc.events = [e for e in sc.events if e.label not in labels]
    return Scenario.model_validate(sc.model_dump())


def free_for(sc: Scenario) -> list[Param]:
    """The free parameters that act in `sc`: all (`FREE`) under the fixed IND rule; under the budget
    rule all but the IND's capacity (`IND_FIXED`: decisions per day only split the budget there)."""
    if sc.chain.decision_capacity_rule == "budget":
        return [p for p in FREE if p.name not in IND_FIXED]
    return list(FREE)


NOT_FITTED: dict[str, str] = {
    "chain.appeal_share, appeal_upheld_share": "trade off against the appeal duration along a valley (stay "
                              "in reception ~ share x duration): the duration is fitted, the shares kept",
    "chain.departure_shares": "split who leaves how (independent, forced, unsupervised); all leave "
                              "reception at the same moment, so the occupancy record cannot tell them apart",
    "portfolio.places and events (location opening)": "the record counts persons entitled to "
                              "reception, in a bed or not; capacity moves people between locations "
                              "but not in or out of reception",
}


def by_name(names: Sequence[str | Param] | None = None) -> list[Param]:
    """The free parameters with these names (a `Param` given as such is kept, e.g. with other bounds)."""
    if names is None:
        return list(FREE)
    known = {p.name: p for p in FREE}
    unknown = [n for n in names if not isinstance(n, Param) and n not in known]
    if unknown:
        if isinstance(unknown[0], str) and not unknown[0].strip():    # `--params a,,b` or a trailing comma
            raise ValueError(f"an empty name between commas (known: {', '.join(known)})")
        raise ValueError(f"unknown parameter {unknown[0]!r}" + (did_you_mean(unknown[0], known)
                                                                 or f" (known: {', '.join(known)})"))
    chosen = [n if isinstance(n, Param) else known[n] for n in names]
    twice = next((p.name for i, p in enumerate(chosen) if p.name in [q.name for q in chosen[:i]]), None)
    if twice is not None:     # (a search over one parameter twice: two axes of one value)
        raise ValueError(f"{twice!r} is named twice; name each parameter once")
    return chosen


def apply(sc: Scenario, params: Sequence[Param], values: Sequence[float]) -> Scenario:
    """A copy of `sc` with the parameters set."""
    sc = sc.model_copy(deep=True)
    for p, v in zip(params, values):
        for path, mult in p.targets:
            x = v * mult
            if path.startswith("event:"):
                label = path[6:]
                hits = [e for e in sc.events if e.label == label]
                if not hits:
                    raise ValueError(f"{p.name}: no event labelled {label!r} in {sc.name}")
                for e in hits:
                    e.value = x
            else:
                set_path(sc, path, round(x) if isinstance(get_path(sc, path), int) else x)
    return sc


def current(sc: Scenario, params: Sequence[Param]) -> list[float]:
    """The parameters' values in a scenario (first target of each)."""
    out = []
    for p in params:
        path, mult = p.targets[0]
        if path.startswith("event:"):
            label = path[6:]
            hit = next((e for e in sc.events if e.label == label), None)
            if hit is None:
                raise ValueError(f"{p.name}: no event labelled {label!r} in {sc.name}")
            if hit.value is None:
                raise ValueError(f"{p.name}: the event labelled {label!r} in {sc.name} has no value")
            v = hit.value
        else:
            v = get_path(sc, path)
        out.append(float(v) / mult)
    return out


# --- the objective -------------------------------------------------------------------------

def simulated_at(daily, points: Sequence[RecordPoint], start: dt.date) -> np.ndarray:
    """Simulated value at each point's date (end of that day)."""
    col = {"population": daily["population"].values, "permit_holders": daily["permit_holders_waiting"].values}
    out = np.empty(len(points))
    for i, p in enumerate(points):
        day = (p.date - start).days
        out[i] = col[p.quantity][min(day, len(col[p.quantity]) - 1)]
    return out


def _run(args) -> np.ndarray:
    """Simulated value at every point, one row per seed: the seeds through `simulate_many`."""
    sc, seeds, points, days = args
    from model.many import simulate_many

    return np.array(simulate_many(sc, seeds, days=days,
                                  reduce=functools.partial(_at_points, points=points, start=sc.start_date)))


def _at_points(res, points: Sequence[RecordPoint], start: dt.date) -> np.ndarray:
    return simulated_at(res.daily, points, start)


@dataclass
class Problem:
    """What is fitted to what: base scenario, parameters, points, seeds."""

    base: Scenario
    params: list[Param]
    points: list[RecordPoint]
    seeds: tuple[int, ...]
    days: int
    jobs: int = 1
    evaluations: list[tuple[list[float], float]] = field(default_factory=list)
    _pool: ProcessPoolExecutor | None = None

    @property
    def recorded(self) -> np.ndarray:
        return np.array([p.value for p in self.points])

    def simulate(self, values: Sequence[float]) -> np.ndarray:
        """Simulated value at every point, one row per seed."""
        sc = apply(self.base, self.params, values)
        seeds = list(self.seeds)
        if self.jobs > 1 and len(seeds) > 1:
            if self._pool is None:
                self._pool = process_pool(self.jobs, "jobs", "calibrate", ignore_interrupts)
            tasks = [(sc, part, self.points, self.days) for part in split(seeds, self.jobs)]
            return np.concatenate(list(self._pool.map(_run, tasks)))
        return _run((sc, seeds, self.points, self.days))

    def loss(self, values: Sequence[float]) -> float:
        """Mean squared relative error over points and seeds."""
        sim = self.simulate(values)
        rel = sim / self.recorded - 1.0
        value = float(np.mean(rel ** 2))
        self.evaluations.append((list(values), value))
        return value

    def close(self, now: bool = False) -> None:
        """End the worker processes (`now`: without waiting for running simulations)."""
        if self._pool is not None:
            if now:
                stop_workers(self._pool)
            else:
                self._pool.shutdown()
            self._pool = None


def problem(base: str | Scenario = "hindcast-2015", params: Sequence[str | Param] | None = None,
            end: dt.date = CALIBRATION_END, points: Sequence[RecordPoint] | None = None,
            seeds: Sequence[int] = (1, 2), jobs: int = 1) -> Problem:
    """The calibration problem: `base` run from its start to `end`, against the record in between
    (points on the start date itself are initial conditions and left out)."""
    sc = load_scenario(base) if isinstance(base, str) else base
    if end > CALIBRATION_END:
        raise ValueError(f"end: the calibration may not use figures after {CALIBRATION_END}")
    pts = list(points) if points is not None else record_points(sc.start_date + dt.timedelta(days=1), end, sc.country)
    pts = [p for p in pts if sc.start_date < p.date <= end]
    if not pts:
        raise ValueError(f"no recorded point between {sc.start_date} and {end}")
    days = (max(p.date for p in pts) - sc.start_date).days + 1
    sc = sc.model_copy(update={"horizon_days": days}, deep=True)
    # speed only: beds for everyone, so nobody waits for one; the persons in reception do not
    # depend on capacity (tests/experiments/test_calibration.py checks this)
    ample = int(AMPLE_FACTOR * max(p.value for p in pts if p.quantity == "population"))
    sc.portfolio.places["emergency"] += ample
    chosen = free_for(sc) if params is None else by_name(params)
    budget = sc.chain.decision_capacity_rule == "budget"
    idle = [p.name for p in chosen if budget and p.name in IND_FIXED]
    if idle:
        raise ValueError(f"{idle[0]}: does not act in {sc.name!r} (its IND capacity follows its budget)")
    return Problem(sc, chosen, pts, tuple(seeds), days, jobs)


# --- search ----------------------------------------------------------------------------------

@dataclass
class Estimate:
    param: Param
    value: float
    lo: float | None          # 90 % interval; None: reaches the bound (not identified on that side)
    hi: float | None
    identifiable: bool
    profile: list[tuple[float, float]]

    def describe(self) -> str:
        p = self.param
        lo = "bound" if self.lo is None else f"{self.lo:.4g}"
        hi = "bound" if self.hi is None else f"{self.hi:.4g}"
        if not self.identifiable:
            return (f"{p.name:28s} {self.value:10.4g} {p.unit:18s} NOT IDENTIFIABLE from the record "
                    f"(objective flat over {p.lo:g}-{p.hi:g})")
        return f"{p.name:28s} {self.value:10.4g} {p.unit:18s} 90 % interval [{lo}, {hi}]"


@dataclass
class Fit:
    problem: Problem
    values: list[float]
    loss: float
    estimates: list[Estimate]
    evaluations: int
    sigma2: float

    def table(self) -> str:
        lines = [f"Fitted to {len(self.problem.points)} recorded points, {self.problem.base.start_date} to "
                 f"{max(p.date for p in self.problem.points)}, seeds {list(self.problem.seeds)}, "
                 f"{self.evaluations} objective evaluations",
                 f"  RMS relative error at the fit: {math.sqrt(self.loss):.1%}"]
        lines += ["  " + e.describe() for e in self.estimates]
        lines += [f"  {k:28s} not fitted: {v}" for k, v in NOT_FITTED.items()]
        return "\n".join(lines)


def search(pb: Problem, budget: int, x0: Sequence[float] | None = None, seed: int = 0,
           progress: Callable[[int, float], None] | None = None) -> tuple[list[float], float]:
    """Coarse (Sobol) then fine (Nelder-Mead) minimisation within `budget` evaluations."""
    k = len(pb.params)
    n_coarse = max(2 ** int(math.log2(max(budget // 2, 2))), 2) if budget >= 8 else 0
    best_u, best = None, math.inf
    count = 0

    def f(u: np.ndarray) -> float:
        nonlocal count, best, best_u
        values = [p.from_unit(x) for p, x in zip(pb.params, u)]
        value = pb.loss(values)
        count += 1
        if value < best:
            best, best_u = value, np.clip(np.asarray(u, float), 0, 1)
        if progress is not None:
            progress(count, best)
        return value

    if x0 is not None:
        f(np.array([p.to_unit(v) for p, v in zip(pb.params, x0)]))
    if n_coarse:
        design = qmc.Sobol(k, scramble=True, seed=seed).random(n_coarse)
        for u in design:
            if count >= budget:
                break
            f(u)
    remaining = budget - count
    if remaining > k:
        start = best_u if best_u is not None else np.full(k, 0.5)
        simplex = np.array([start] + [np.clip(start + 0.15 * np.eye(k)[i] * (1 if start[i] < 0.5 else -1), 0, 1)
                                      for i in range(k)])
        optimize.minimize(lambda u: f(np.clip(u, 0, 1)) + 10.0 * float(np.sum((u - np.clip(u, 0, 1)) ** 2)),
                          start, method="Nelder-Mead",
                          options={"maxfev": remaining, "initial_simplex": simplex, "xatol": 1e-3, "fatol": 1e-6})
    if best_u is None:          # nothing evaluated (no x0, budget too small for either stage) or no finite value
        raise ValueError(f"search: no point with a finite objective in {count} evaluations (budget {budget}, "
                         f"{k} parameters; without x0 a budget under 8 must be above {k})")
    values = [p.from_unit(x) for p, x in zip(pb.params, best_u)]
    return values, best


def profile(pb: Problem, values: Sequence[float], best: float,
            points_per_param: int = 7) -> tuple[list[Estimate], float]:
    """Profile of the objective along each parameter (others at the fit) and the 90 % intervals."""
    n, k = len(pb.points) * len(pb.seeds), len(pb.params)
    sigma2 = best * n / max(n - k, 1)                  # variance of relative errors at the fit
    threshold = CHI2_90 * sigma2 / n                   # rise in the mean squared error for 90 %
    out = []
    for i, p in enumerate(pb.params):
        u0 = p.to_unit(values[i])
        grid = sorted(set(np.round(np.concatenate([np.linspace(0, 1, points_per_param), [u0]]), 6)))
        prof = []
        for u in grid:
            if abs(u - u0) < 1e-9:
                prof.append((values[i], best))
                continue
            v = list(values)
            v[i] = p.from_unit(u)
            prof.append((v[i], pb.loss(v)))
        prof.sort()
        xs = np.array([x for x, _ in prof])
        ys = np.array([y for _, y in prof])
        inside = ys - best <= threshold
        identifiable = not inside.all()
        lo = _crossing(xs, ys - best - threshold, values[i], -1, p)
        hi = _crossing(xs, ys - best - threshold, values[i], +1, p)
        out.append(Estimate(p, values[i], lo, hi, identifiable, prof))
    return out, sigma2


def _crossing(xs: np.ndarray, g: np.ndarray, x0: float, direction: int, p: Param) -> float | None:
    """Where g (objective rise minus threshold) first turns positive going from x0 in `direction`
    (linear interpolation on the parameter's search scale); None if it never does."""
    t = (lambda x: math.log(x)) if p.log else (lambda x: x)
    inv = (lambda y: math.exp(y)) if p.log else (lambda y: y)
    order = np.argsort(xs) if direction > 0 else np.argsort(-xs)
    xs, g = xs[order], g[order]
    start = int(np.searchsorted(xs, x0)) if direction > 0 else int(np.searchsorted(-xs, -x0))
    prev_x, prev_g = x0, min(g[max(start - 1, 0)] if start > 0 else -1.0, 0.0)
    for x, y in zip(xs[start:], g[start:]):
        if (x - x0) * direction <= 0:
            continue
        if y > 0:
            if prev_g >= 0:
                return x
            w = -prev_g / (y - prev_g)
            return inv(t(prev_x) + w * (t(x) - t(prev_x)))
        prev_x, prev_g = x, y
    return None


def calibrate(base: str | Scenario = "hindcast-2015", budget: int = 60, params: Sequence[str | Param] | None = None,
              seeds: Sequence[int] = (1, 2), end: dt.date = CALIBRATION_END,
              points: Sequence[RecordPoint] | None = None, jobs: int = 1, profile_points: int = 7,
              progress: Callable[[int, float], None] | None = None) -> Fit:
    """Fit the free parameters; returns the fit with 90 % intervals and identifiability."""
    pb = problem(base, params, end, points, seeds, jobs)
    try:
        x0 = current(pb.base, pb.params)
        x0 = [min(max(v, p.lo), p.hi) for p, v in zip(pb.params, x0)]
        values, best = search(pb, budget, x0=x0, progress=progress)
        estimates, sigma2 = profile(pb, values, best, profile_points)
        better = min(pb.evaluations, key=lambda e: e[1])
        if better[1] < best:                   # the profile found a better point: report it
            values, best = better
            for e, v in zip(estimates, values):
                e.value = v
    except BaseException:
        pb.close(now=True)
        raise
    pb.close()
    return Fit(pb, values, best, estimates, len(pb.evaluations), sigma2)


# --- writing the fit into the scenario files -------------------------------------------------

_MARK = re.compile(r"#\s*calibrated:\s*([A-Za-z0-9_]+)")
_VALUE = re.compile(r"^(\s*(?:-\s*)?[A-Za-z0-9_]+:\s*)(-?[0-9][0-9_.eE+-]*)(\s*)")
_FLOW_VALUE = re.compile(r"(\bvalue:\s*)(-?[0-9][0-9_.eE+-]*)")


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def write_fitted(fit: Fit, files: Sequence[str | Path], provenance: str) -> list[Path]:
    """Write the fitted values into the scenario files, on the lines marked `# calibrated: NAME`.

    The key on a marked line names the target: `value` for an event, else the last part of a
    target path (e.g. `regular` for chain.decisions_per_day.regular). Returns the files changed.
    """
    est = {e.param.name: e for e in fit.estimates}
    changed = []
    for f in files:
        path = scenario_file(f)
        if fit.problem is not None:
            check_structure(fit.problem.base, path)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        touched = False
        for i, line in enumerate(lines):
            m = _MARK.search(line)
            if not m or m.group(1) not in est:
                continue
            e = est[m.group(1)]
            key = "value" if "{" in line[: m.start()] else line.split(":", 1)[0].strip().lstrip("-").strip()
            mult = next((mu for tp, mu in e.param.targets
                         if (tp.startswith("event:") and key == "value") or tp.split(".")[-1] == key), None)
            if mult is None:
                raise ValueError(f"{path.name}:{i + 1}: {key!r} is not a target of {e.param.name}")
            v = e.value * mult
            text = str(round(v)) if e.param.integer or abs(v) >= 1000 else f"{v:.4g}"
            body = line[: m.start()].rstrip()
            if "{" in body:                    # an event in flow style: its `value:`
                body, n = _FLOW_VALUE.subn(r"\g<1>" + text, body, count=1)   # text is a number: no backslash
            else:
                vm = _VALUE.match(body)
                n = 1 if vm else 0
                body = vm.group(1) + text if vm else body
            if not n:
                raise ValueError(f"{path.name}:{i + 1}: no 'key: number' before the calibrated mark")
            lo = "bound" if e.lo is None else _fmt(e.lo * mult)
            hi = "bound" if e.hi is None else _fmt(e.hi * mult)
            note = (f"90 % [{lo}, {hi}]" if e.identifiable else "not identifiable: kept at the fit")
            comment = f"# calibrated: {e.param.name} ({note}; {provenance})"
            lines[i] = f"{body.ljust(max(len(body) + 1, 36))} {comment}\n"
            touched = True
        if touched:
            text = "".join(lines)
            from_yaml_text(text, path.name, folder=path.parent)   # still a valid scenario, or untouched
            replace_text(path, text)
            changed.append(path)
    return changed


def check_structure(fitted: Scenario, path: str | Path) -> None:
    """Refuse to write a fit into a scenario whose IND capacity follows another rule: the values were
    fitted jointly with the IND structure of `fitted` (e.g. the appeal duration under a fixed IND
    capacity is not the one under a budgeted one)."""
    target = load_scenario(scenario_file(path))
    got, want = target.chain.decision_capacity_rule, fitted.chain.decision_capacity_rule
    if got != want:
        raise ValueError(f"{scenario_file(path).name}: its IND capacity rule is {got!r}, the fit was made under "
                         f"{want!r} (noodplan calibrate --ind-capacity {got})")


def scenario_file(name_or_path: str | Path) -> Path:
    """The file of a built-in scenario name, or the path itself."""
    return Path(name_or_path) if Path(name_or_path).suffix else SCENARIO_DIR / f"{name_or_path}.yaml"


def write_report(fit: Fit, out: str | Path) -> list[Path]:
    """The estimates (CSV), every evaluation (CSV) and the profiles (PNG) in folder `out`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [{"parameter": e.param.name, "value": e.value, "unit": e.param.unit,
             "ci90_low": e.lo, "ci90_high": e.hi, "identifiable": e.identifiable,
             "search_low": e.param.lo, "search_high": e.param.hi, "meaning": e.param.meaning}
            for e in fit.estimates]
    est = out / "calibration-estimates.csv"
    pd.DataFrame(rows).to_csv(est, index=False)
    ev = out / "calibration-evaluations.csv"
    pd.DataFrame([dict(zip([p.name for p in fit.problem.params], v), loss=loss)
                  for v, loss in fit.problem.evaluations]).to_csv(ev, index=False)
    k = len(fit.estimates)
    cols = min(k, 4)
    fig, axes = plt.subplots((k + cols - 1) // cols, cols, figsize=(3.2 * cols, 2.6 * ((k + cols - 1) // cols)),
                             squeeze=False)
    threshold = CHI2_90 * fit.sigma2 / (len(fit.problem.points) * len(fit.problem.seeds))
    for ax, e in zip(axes.flat, fit.estimates):
        xs, ys = zip(*e.profile)
        ax.plot(xs, np.sqrt(ys), "o-", ms=3)
        ax.axhline(math.sqrt(fit.loss + threshold), color="grey", ls="--", lw=0.8)
        ax.axvline(e.value, color="tab:red", lw=0.8)
        if e.param.log:
            ax.set_xscale("log")
        ax.set_title(e.param.name + ("" if e.identifiable else " (not identifiable)"), fontsize=8)
        ax.set_ylabel("RMS relative error", fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    fig.suptitle("Profiles of the calibration objective (others at the fit; dashed: 90 % threshold)", fontsize=9)
    fig.tight_layout()
    png = out / "calibration-profiles.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return [est, ev, png]


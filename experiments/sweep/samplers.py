"""Sample points of a design: where in the parameter space the runs go.

Every sampler but the grid draws points in the unit cube ([0, 1] per parameter) — Latin
hypercube and scrambled Sobol points from `scipy.stats.qmc`, Saltelli's scheme and Morris
trajectories from SALib — and each parameter maps its coordinate to a value through its
distribution's quantile function: uniform `low + u (high - low)`, triangular (scipy's `triang`),
a discrete set (values or scenario variants) by equal slices of [0, 1]. The unit coordinates are
kept beside the values: SALib's analyses (Sobol, Morris, delta) work on them. The full factorial
grid takes every combination of each parameter's levels: the discrete set, or for a range the
quantiles at 0, 1/(L-1), …, 1 (ends included).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc

from experiments.sweep.design import Design, Parameter, Sampler, Value, grid_levels


@dataclass
class Samples:
    labels: list[str]               # parameter names, in design order
    unit: np.ndarray                # (points, parameters): the sampler's coordinates in [0, 1]
    values: list[dict[str, Value]]  # per point: parameter name -> value (in the scenario field's type)

    def __len__(self) -> int:
        return len(self.values)


def salib_problem(labels: list[str]) -> dict:
    """SALib's problem over the unit cube (the values are mapped from it, parameter by parameter)."""
    return {"num_vars": len(labels), "names": list(labels), "bounds": [[0.0, 1.0]] * len(labels)}


def unit_points(s: Sampler, d: int, labels: list[str] | None = None) -> np.ndarray:
    """The sampler's points in the unit cube, (points, d); not for the grid."""
    if s.method == "lhs":
        return qmc.LatinHypercube(d, rng=s.seed).random(s.samples)
    if s.method == "sobol":
        return qmc.Sobol(d, scramble=True, rng=s.seed).random(s.samples)
    problem = salib_problem(labels or [f"x{i}" for i in range(d)])
    if s.method == "saltelli":
        from SALib.sample import sobol

        return sobol.sample(problem, s.samples, calc_second_order=s.second_order, seed=s.seed)
    if s.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, s.samples, num_levels=morris_levels(s), seed=s.seed)
    raise ValueError(f"no unit-cube points for sampler {s.method!r}")


def morris_levels(s: Sampler) -> int:
    return s.levels if s.levels is not None else 4


def quantile(p: Parameter, u: np.ndarray) -> list[Value]:
    """Each unit coordinate mapped to a value of the parameter's distribution."""
    u = np.asarray(u, dtype=float)
    if p.uniform is not None:
        lo, hi = p.uniform
        return list(lo + u * (hi - lo))
    if p.triangular is not None:
        lo, mode, hi = p.triangular
        return list(stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo).ppf(u))
    choices = p.choices
    idx = np.minimum((u * len(choices)).astype(np.int64), len(choices) - 1)
    return [choices[i] for i in idx]


def sample(design: Design) -> Samples:
    """The design's sample points, in the sampler's order (deterministic for its seed)."""
    params = design.parameters
    labels = [p.label for p in params]
    if design.sampler.method == "grid":
        axes = []
        for p in params:
            if p.continuous:
                u = np.linspace(0.0, 1.0, grid_levels(design.sampler, p))
            else:
                u = (np.arange(len(p.choices)) + 0.5) / len(p.choices)
            axes.append(u)
        unit = np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(params))
    else:
        unit = unit_points(design.sampler, len(params), labels)
    columns = [quantile(p, unit[:, j]) for j, p in enumerate(params)]
    values = [{p.label: design.cast(p, col[i]) for p, col in zip(params, columns)} for i in range(len(unit))]
    return Samples(labels, unit, values)


def shared_whole_numbers(design: Design) -> list[str]:
    """A note for each range on a whole-number field whose levels (a grid's, or Morris') round to
    fewer whole numbers than there are levels: points that share a number share their runs (the
    plan gives them one run id), so the grid holds fewer distinct scenarios than it seems, and a
    Morris step between two such levels measures no effect. Told before the runs, not refused:
    the design is valid, only smaller than it looks. [] when every level is a number of its own."""
    s = design.sampler
    if s.method not in ("grid", "morris"):
        return []
    notes = []
    for p in design.parameters:
        if p.path is None or not p.continuous:
            continue
        levels = grid_levels(s, p) if s.method == "grid" else morris_levels(s)
        values = {design.cast(p, v) for v in quantile(p, np.linspace(0.0, 1.0, levels))}
        if not all(isinstance(v, int) for v in values) or len(values) == levels:
            continue
        bounds = list(p.uniform if p.uniform is not None else p.triangular or ())
        which = "grid levels" if s.method == "grid" else "Morris levels"
        tail = ("points that share them share their runs" if s.method == "grid"
                else "points that share them share their runs, and a step between them measures no effect")
        listed = f" ({', '.join(map(str, sorted(values)))})" if len(values) <= 10 else ""
        notes.append(f"{levels} {which} on {p.path} [{', '.join(f'{b:g}' for b in bounds)}] give {len(values)} "
                     f"distinct whole number{'s' if len(values) != 1 else ''}{listed}; {tail}")
    return notes

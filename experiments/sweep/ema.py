"""noodplan as an EMA Workbench model, for analysts who work in EMA.

    from ema_workbench import perform_experiments
    from experiments.sweep.ema import ema_model

    model = ema_model("experiments/designs/discovery.yaml")      # or a Design, or a packaged name
    experiments, outcomes = perform_experiments(model, scenarios=100)

The design's parameters become EMA uncertainties under their names — a uniform range a
`RealParameter`, a triangular one a `RealParameter` over scipy's `triang`, a range on a
whole-number field (days, persons) an `IntegerParameter` over the whole numbers its runs take
(`whole_numbers`), a discrete set or scenario variants a `CategoricalParameter` — and its KPIs
`ScalarOutcome`s. Each experiment is one noodplan run of the design's scenario with those values,
on the design's first seed; with `replicate=True` a `ReplicatorModel` runs every seed of the
design (common random numbers) and EMA returns one value per seed (`ArrayOutcome`s; EMA keeps
one outcome class per name in a Python process, so do not mix both kinds of model over the same
KPIs in one session). EMA's own samplers,
evaluators (sequential, multiprocessing, MPI) and analyses (PRIM, CART, feature scoring) then
apply; `noodplan sweep` adds the resumable store and the Dask executors.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy import stats

from experiments.sweep.design import Design, Parameter, load_design
from experiments.sweep.runner import NoodplanModel
from model.scenario import MAX_SEED, ScenarioError, did_you_mean, whole_argument

MAX_WHOLE_NUMBERS = 100_000     # of a range drawn as an IntegerParameter (1,000 draws from 100,000: 0.03 s)


class EmaRun:
    """The function EMA calls: keyword arguments by parameter name (and `seed` when replicated).
    A name the design does not have (an uncertainty, lever or constant added to the model by hand),
    a parameter missing, a value its field cannot take or a seed that is not one stops with a
    one-line ScenarioError before the run (EMA reports it as the cause of its EMAError)."""

    def __init__(self, design: Design) -> None:
        self.model = NoodplanModel(design)
        self.params = list(design.parameters)
        self.design = design
        self.seed = design.first_seed

    def __call__(self, seed: int | None = None, **values) -> dict[str, float]:
        labels = [p.label for p in self.params]
        unknown = [name for name in values if name not in labels]
        if unknown:
            raise ScenarioError(f"ema: {unknown[0]}: not a parameter of design {self.design.name!r}"
                                + (did_you_mean(unknown[0], labels) or f" (its parameters: {', '.join(labels)})")
                                + "; an uncertainty, lever or constant takes a parameter's name")
        missing = [name for name in labels if name not in values]
        if missing:
            raise ScenarioError(f"ema: {missing[0]}: no value given (every parameter of design {self.design.name!r} "
                                f"is an uncertainty of the model)")
        cast = {}
        for p in self.params:
            try:
                cast[p.label] = self.design.cast(p, values[p.label])
            except (TypeError, ValueError):
                raise ScenarioError(f"ema: {p.label}: a number (its range is continuous), not "
                                    f"{type(values[p.label]).__name__} {values[p.label]!r}") from None
        if seed is not None:
            seed = whole_argument("ema: seed", seed, 0, MAX_SEED)
        kpis, _ = self.model(cast, self.seed if seed is None else seed)
        return kpis


def whole_numbers(design: Design, p: Parameter) -> tuple[list[int], list[float]] | None:
    """A range on a whole-number field as the whole numbers its runs take and the chance of each:
    a run rounds the value drawn, so k is taken with the chance that the range's value falls in
    [k - 0.5, k + 0.5) (the ends of a uniform range on whole numbers half as often as the others,
    as `noodplan sweep` draws them). None for a range on a field of decimals, and for a discrete
    set. EMA samples it through the quantile function as it samples the range itself: the same
    sampler and seed draw the same whole numbers as a `RealParameter` rounded would. None too for a
    range of more than `MAX_WHOLE_NUMBERS` (scipy's table of them grows slow to sample: it stays a
    `RealParameter`, rounded when it runs)."""
    if p.path is None or not p.continuous or not isinstance(design.cast(p, 0.5), int):
        return None
    if p.uniform is not None:
        lo, hi = p.uniform
        dist = stats.uniform(loc=lo, scale=hi - lo)
    else:
        lo, mode, hi = p.triangular or (0.0, 0.0, 1.0)
        dist = stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    first, last = math.floor(lo + 0.5), math.ceil(hi - 0.5)
    if last - first + 1 > MAX_WHOLE_NUMBERS:
        return None
    ks = np.arange(first, last + 1)
    chance = dist.cdf(ks + 0.5) - dist.cdf(ks - 0.5)
    keep = chance > 0
    return [int(k) for k in ks[keep]], [float(c) for c in chance[keep] / chance[keep].sum()]


def ema_model(design: Design | str | Path, name: str = "noodplan", replicate: bool = False):
    """An EMA Workbench `Model` (or `ReplicatorModel` with `replicate=True`) running noodplan over
    the design's parameters and returning its KPIs (see the module docstring)."""
    from ema_workbench import (ArrayOutcome, CategoricalParameter, IntegerParameter, Model, RealParameter,
                               ReplicatorModel, ScalarOutcome)
    from ema_workbench.em_framework.outcomes import register

    registered_outcomes = register.outcomes       # name -> outcome class, EMA's registry of this process

    if not isinstance(name, str) or not name.isidentifier():    # EMA's rule (from version 3), checked here in one line
        raise ScenarioError(f"ema_model: name: a Python identifier such as 'noodplan' (EMA's rule for a model's "
                            f"name), not {name!r}")
    if not isinstance(replicate, bool):
        raise ScenarioError(f"ema_model: replicate: True or False, not {type(replicate).__name__} {replicate!r}")
    d = design if isinstance(design, Design) else load_design(design)
    run = EmaRun(d)
    model = (ReplicatorModel if replicate else Model)(name, function=run)
    uncertainties = []
    for p in d.parameters:
        whole = whole_numbers(d, p)
        if whole is not None:
            uncertainties.append(IntegerParameter.from_dist(p.label, stats.rv_discrete(values=whole).freeze()))
        elif p.uniform is not None:
            uncertainties.append(RealParameter(p.label, *p.uniform))
        elif p.triangular is not None:
            lo, mode, hi = p.triangular
            uncertainties.append(RealParameter.from_dist(p.label, stats.triang(c=(mode - lo) / (hi - lo), loc=lo,
                                                                               scale=hi - lo)))
        else:
            uncertainties.append(CategoricalParameter(p.label, list(p.choices)))
    model.uncertainties = uncertainties
    kind = ArrayOutcome if replicate else ScalarOutcome
    for k in d.kpis:       # EMA keeps one outcome class per name in a process and would refuse in its words
        kept = registered_outcomes.get(k)
        if kept is not None and not issubclass(kind, kept):
            raise ScenarioError(f"ema_model: replicate: KPI {k!r} is already an EMA {kept.__name__} in this Python "
                                f"process (a model made with replicate={not replicate}); EMA keeps one outcome class "
                                f"per name, so make replicated and single-seed models in separate processes")
    model.outcomes = [kind(k) for k in d.kpis]
    if replicate:
        model.replications = [{"seed": s} for s in d.seeds]
    return model

"""Key figures of one run (KPIs), the registry a design names its outputs from.

Each KPI is one number per run computed from `model.results.Results` (its daily figures and its
relocation churn). The paired comparison's key figures (`experiments.compare.KEY_FIGURES`) come
first, under the same names; the rest are registered below. To add one:

    @register("decision_days_mean", "days", "mean days from arrival to an IND decision")
    def _(res, churn):
        return float(...)

Daily series a design may keep (`outputs.daily`) are the scalar figures of
`model.metrics.SCALARS` and the plan's phase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from experiments.compare import KEY_FIGURES
from model.metrics import SCALARS
from model.results import Results

Compute = Callable[[Results, Mapping[str, float]], float]


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str
    label: str
    compute: Compute        # (results, churn figures) -> value


KPIS: dict[str, Kpi] = {name: Kpi(name, unit, label, f) for name, (label, unit, f) in KEY_FIGURES.items()}
DAILY: list[str] = [*SCALARS, "phase"]


COUNTED = ("persons", "places", "person-nights")     # KPIs counted in thousands (moves per person: decimals)


def thousands_point(kpi: str, written: str) -> str | None:
    """What a bound of a condition on `kpi` (PRIM: `--prim`, or a design's `analysis.prim`) written
    as `written` reads as, when it looks like a whole number with the Dutch thousands point
    (`30.500`, `30.000`) and the KPI counts persons, places or person-nights (where 30.5 is not
    meant: nearly every run meets a condition above it); None otherwise (a share, a ratio, euros or
    an unknown KPI keep their decimals). One line for the caller to put after the place it names."""
    unit = KPIS[kpi].unit if kpi in KPIS else ""
    if unit not in COUNTED or not re.fullmatch(r"-?[1-9][0-9]{0,2}\.[0-9]{3}", written):
        return None
    value = float(written)
    return (f"{written} reads as {value:g} {unit}; write {written.replace('.', '')} if a thousands separator was "
            f"meant (numbers are written without one), or {value:g} if that is meant")


def register(name: str, unit: str, label: str) -> Callable[[Compute], Compute]:
    """Add a KPI to the registry under `name` (decorator)."""
    def add(f: Compute) -> Compute:
        if name in KPIS:
            raise ValueError(f"KPI {name!r} is registered twice")
        KPIS[name] = Kpi(name, unit, label, f)
        return f
    return add


def _d(res: Results, name: str) -> np.ndarray:
    return res.daily[name].values


register("nights_with_unsheltered", "days", "nights with anyone entitled but without a bed")(
    lambda r, ch: float((_d(r, "unsheltered") > 0).sum()))
register("first_day_phase_3plus", "day", "first day in phase 3+ (noodopvang); -1 if never")(
    lambda r, ch: float(np.argmax(_d(r, "phase") >= 3)) if (_d(r, "phase") >= 3).any() else -1.0)
register("peak_registration_backlog", "persons", "largest number arrived and not yet registered")(
    lambda r, ch: float(_d(r, "registration_backlog").max()))
register("border_late", "persons", "border-procedure decisions after the deadline")(
    lambda r, ch: float(_d(r, "border_late").sum()))
register("ind_backlog_end", "persons", "waiting for an IND decision at the end")(
    lambda r, ch: float(_d(r, "ind_backlog")[-1]))
register("housed", "persons", "housed by municipalities during the run")(
    lambda r, ch: float(_d(r, "exits_housed").sum()))
register("peak_occupancy", "1", "highest occupancy (in a bed / usable places)")(
    lambda r, ch: float(_d(r, "occupancy_rate").max()))
register("regime_days", "days", "days under an EU 2024/1359 regime")(
    lambda r, ch: float((_d(r, "regime") != "").sum()))


class _Churn(Mapping[str, float]):
    """`Results.churn()`, computed on first use only (it passes over everyone in the run)."""

    def __init__(self, res: Results) -> None:
        self.res = res
        self.figures: dict[str, float] | None = None

    def _all(self) -> dict[str, float]:
        if self.figures is None:
            self.figures = self.res.churn()
        return self.figures

    def __getitem__(self, k: str) -> float:
        return self._all()[k]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def compute(res: Results, names: list[str]) -> dict[str, float]:
    """The named KPIs of one run (churn computed once, and only when one of them needs it)."""
    ch = _Churn(res)
    return {k: float(KPIS[k].compute(res, ch)) for k in names}


def daily_series(res: Results, names: list[str]) -> dict[str, np.ndarray]:
    """The named daily figures of one run, as float64 arrays over the days."""
    return {k: np.asarray(_d(res, k), dtype=np.float64) for k in names}

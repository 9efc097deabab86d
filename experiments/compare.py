"""Paired comparison of two scenarios on the same seeds (common random numbers).

Both variants run on seeds s, s+1, …; a person who arrives in one variant arrives in the other,
with the same household and the same individual outcomes (keyed draws), so the paired
differences measure the variants, not the noise. Confidence intervals use Student's t over the
paired differences.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from experiments.outputs import worker_pool
from model.many import simulate_many, split
from model.results import Results
from model.scenario import (MAX_DAYS, MAX_JOBS, MAX_RUNS, MAX_SEED, Scenario, ScenarioError, scenario_argument,
                            whole_argument)

_FIRST_DAY = "day from the start (never: the days run)"
# key figure -> (label, unit, how to compute it from Results and its churn figures)
KEY_FIGURES: dict[str, tuple[str, str, Callable[[Results, Mapping[str, float]], float]]] = {
    "unsheltered_person_nights": ("nights without a bed", "person-nights",
                                  lambda r, ch: float(r.daily["unsheltered"].sum())),
    "peak_unsheltered": ("peak without a bed", "persons", lambda r, ch: float(r.daily["unsheltered"].max())),
    "days_emergency_phase": ("days in phase 3+ (noodopvang)", "days",
                             lambda r, ch: float((r.daily["phase"] >= 3).sum())),
    "max_phase": ("highest phase", "0-4", lambda r, ch: float(r.daily["phase"].max())),
    "day_phase_2": ("first day in phase 2+ (reserve)", _FIRST_DAY, lambda r, ch: _first_day(r, 2)),
    "day_phase_3": ("first day in phase 3+ (noodopvang)", _FIRST_DAY, lambda r, ch: _first_day(r, 3)),
    "moves_per_person_year": ("moves per person-year in reception", "moves", lambda r, ch: ch["moves_per_person_year"]),
    "children_moves_per_year": ("moves per child-year in reception", "moves",
                                lambda r, ch: ch["children_moves_per_year"]),
    "moves_between_temporary": ("moves between emergency locations", "per person-year",
                                lambda r, ch: ch["moves_per_person_year_between_temporary"]),
    "moves_own_request": ("moves on own request", "per person-year",
                          lambda r, ch: ch["moves_per_person_year_own_request"]),
    "moves_contract_end": ("moves at contract ends", "per person-year",
                           lambda r, ch: ch["moves_per_person_year_contract_end"]),
    "moves_capacity_balancing": ("moves for capacity balancing", "per person-year",
                                 lambda r, ch: ch["moves_per_person_year_capacity_balancing"]),
    "moves_family_location": ("moves to a family location after a rejection", "per person-year",
                              lambda r, ch: ch["moves_per_person_year_family_location"]),
    "moves_per_person": ("moves per person", "moves", lambda r, ch: ch["moves_mean"]),
    "moves_per_child": ("moves per child", "moves", lambda r, ch: ch["children_moves_mean"]),
    "share_3plus_moves": ("share with 3+ moves", "share", lambda r, ch: ch["share_3plus"]),
    "children_emergency_nights": ("children's nights in emergency", "person-nights",
                                  lambda r, ch: float(r.daily["children_in_emergency"].sum())),
    "peak_population": ("peak in reception", "persons", lambda r, ch: float(r.daily["population"].max())),
    "permit_holders_end": ("permit holders waiting at the end", "persons",
                           lambda r, ch: float(r.daily["permit_holders_waiting"].values[-1])),
    "cost_million_eur": ("cost", "EUR million", lambda r, ch: float(r.daily["cost_eur"].sum()) / 1e6),
    "registered_late": ("registered after the deadline", "persons",
                        lambda r, ch: float(r.daily["registration_late"].sum())),
    "km_per_person": ("km moved per person", "km", lambda r, ch: ch["km_per_person"]),
    "municipal_places": ("places municipalities agreed to host", "places", lambda r, ch: _municipal_places(r)),
}


def _first_day(res: Results, phase: int) -> float:
    """The first day (index from the start) the plan is at `phase` or above; the number of days
    run when it never is (so a later or no activation reads as a larger number)."""
    at = res.daily["phase"].to_numpy() >= phase
    return float(at.argmax()) if at.any() else float(len(at))


_DELIVERED = re.compile(r"delivered ([\d,]+)")     # model.plan's line of a request: "asked N, delivered M (…)"


def _municipal_places(res: Results) -> float:
    """Places municipalities agreed to host in the plan's requests via the provinces (event log).
    A request line without its delivered places is an error (the event log's wording changed)."""
    total = 0
    for e in res.events:
        if e["source"] != "plan" or not e["what"].endswith("via provinces"):
            continue
        m = _DELIVERED.search(e["detail"])
        if m is None:
            raise ValueError(f"events: day {e['day']}: {e['what']!r} does not say the places delivered "
                             f"(detail {e['detail']!r})")
        total += int(m.group(1).replace(",", ""))
    return float(total)


def key_figures(res: Results) -> dict[str, float]:
    ch = res.churn()
    return {k: float(f(res, ch)) for k, (_, _, f) in KEY_FIGURES.items()}


def _figures(args: tuple[Scenario, list[int], int | None]) -> list[dict[str, float]]:
    """Key figures of one scenario on some seeds: `simulate_many` (one world for all of them)."""
    sc, seeds, days = args
    return simulate_many(sc, seeds, days=days, reduce=key_figures)


def paired_ci(d: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Mean of the paired differences `d` (B − A, one per seed) and the half-width of its
    confidence interval at `level` (Student's t); NaN half-width for a single pair."""
    n = len(d)
    if n < 2:
        return float(d.mean()), float("nan")
    sd = float(d.std(ddof=1))
    return float(d.mean()), float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)) if sd > 0 else 0.0


@dataclass
class Comparison:
    a: str
    b: str
    seeds: list[int]
    values_a: dict[str, np.ndarray]
    values_b: dict[str, np.ndarray]

    def rows(self, level: float = 0.95) -> list[dict]:
        out = []
        for k, (label, unit, _) in KEY_FIGURES.items():
            a, b = self.values_a[k], self.values_b[k]
            mean, half = paired_ci(b - a, level)
            out.append({"figure": k, "label": label, "unit": unit, "a_mean": float(a.mean()),
                        "b_mean": float(b.mean()), "difference": mean, "ci_low": mean - half,
                        "ci_high": mean + half, "runs": len(a)})
        return out

    def table(self) -> str:
        """The key figures as a text table: label, unit, A's and B's means, B − A and its 95 %
        interval; columns as wide as their widest cell (no label, unit or name cut short)."""
        rows = self.rows()
        wl = max(len("key figure"), *(len(r["label"]) for r in rows))
        wu = max(len("unit"), *(len(r["unit"]) for r in rows))
        wa, wb = max(len(self.a), 14), max(len(self.b), 14)
        head = f"{'key figure':{wl}s} {'unit':>{wu}s} {self.a:>{wa}s} {self.b:>{wb}s} {'B - A':>12s}  95% CI"
        lines = [f"Paired comparison on {len(self.seeds)} seed(s) {self.seeds[0]}…{self.seeds[-1]} "
                 f"(A = {self.a}, B = {self.b})", head, "-" * len(head)]
        for r in rows:
            ci = "n/a (one run)" if np.isnan(r["ci_low"]) else f"[{readable(r['ci_low'])}, {readable(r['ci_high'])}]"
            lines.append(f"{r['label']:{wl}s} {r['unit']:>{wu}s} {readable(r['a_mean']):>{wa}s} "
                         f"{readable(r['b_mean']):>{wb}s} {readable(r['difference']):>12s}  {ci}")
        return "\n".join(lines)


def readable(x: float) -> str:
    """Readable numbers: thousands separators for large values, three digits for small ones."""
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def _one_period(a: Scenario, b: Scenario, days: int | None) -> None:
    """A paired comparison's two scenarios run over one period: every key figure is a total or a
    first day over the run, so B's 30 days against A's 20 (or another start) would be read as the
    effect of B's choices. Raises ScenarioError naming both periods."""
    period = [(sc.start_date, days or sc.horizon_days) for sc in (a, b)]
    if period[0] != period[1]:
        (start_a, n_a), (start_b, n_b) = period
        same = [*(["the same start_date"] if start_a != start_b else []),
                *(["the same horizon_days (or the days to run: --days)"] if n_a != n_b else [])]
        raise ScenarioError(f"b: {b.name!r} runs {n_b:,} days from {start_b}, a: {a.name!r} {n_a:,} days from "
                            f"{start_a}; a paired comparison is of one period: give both {' and '.join(same)}")


def compare(a: Scenario | str | Path, b: Scenario | str | Path, runs: int = 5, seed: int | None = None,
            days: int | None = None, workers: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run A and B on the same `runs` seeds (`seed`, `seed` + 1, …; default A's seed); results do
    not depend on `workers`. The arguments are checked before anything runs (one ScenarioError line)."""
    sa, sb = (scenario_argument(name, x) for x, name in ((a, "a"), (b, "b")))
    whole_argument("runs", runs, 1, MAX_RUNS)
    if seed is not None:
        whole_argument("seed", seed, 0, MAX_SEED - runs + 1, f" (the first of {runs:,} seeds)")
    elif sa.seed > MAX_SEED - runs + 1:      # A's seed: the runs' seeds would pass the last 32-bit seed
        raise ScenarioError(f"runs: {runs:,} seeds from a's seed {sa.seed:,} ({sa.name!r}: seed) would run past "
                            f"{MAX_SEED:,}, the last seed; give a first seed (seed, --seed) of at most "
                            f"{MAX_SEED - runs + 1:,}, or fewer runs")
    if days is not None:
        whole_argument("days", days, 1, MAX_DAYS)
    if workers is not None:
        whole_argument("workers", workers, 1, MAX_JOBS, " processes")
    if progress is not None and not callable(progress):
        raise ScenarioError(f"progress: a function of (done, total) runs or None, not {type(progress).__name__}")
    _one_period(sa, sb, days)
    first = sa.seed if seed is None else seed
    seeds = [first + i for i in range(runs)]
    total = 2 * runs
    workers = workers or min(total, os.cpu_count() or 1)
    results: list[dict[str, float]] = []
    if workers > 1:
        # each scenario's seeds in one piece per worker: a piece shares its world
        jobs = [(sc, part, days) for sc in (sa, sb) for part in split(seeds, workers)]
        with worker_pool(min(workers, len(jobs)), option="workers", what="compare") as pool:
            for r in pool.map(_figures, jobs):
                results += r
                if progress:
                    progress(len(results), total)
    else:
        def figures(res: Results) -> dict[str, float]:
            out = key_figures(res)
            results.append(out)
            if progress:
                progress(len(results), total)
            return out

        for sc in (sa, sb):
            simulate_many(sc, seeds, days=days, reduce=figures)
    ra, rb = results[:runs], results[runs:]
    return Comparison(sa.name, sb.name, seeds, {k: np.array([r[k] for r in ra]) for k in KEY_FIGURES},
                      {k: np.array([r[k] for r in rb]) for k in KEY_FIGURES})

"""Backtest: a scenario's run against every recorded point in its period.

Per point: the recorded figure, the simulated median and 90 % band over replicate seeds, and the
error of the median. Summary errors over the points after the start date (a point on the start
date is the initial condition, shown but not scored):

* MAPE — mean absolute percentage error of the median, |sim - rec| / rec, over all scored points;
* ARD — the averaged relative difference Flee reports against UNHCR camp counts
  (Suleimenova, Bell & Groen 2017): at each recorded date, the sum over the parts of the
  population of |sim - rec|, divided by the recorded total, averaged over dates. The parts are
  permit holders and everyone else where the record splits them, else the total.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.forecast.labels import thousands
from experiments.history import RecordPoint, record_points
from experiments.outputs import worker_pool
from model.many import split
from model.scenario import (MAX_COUNT, MAX_JOBS, MAX_RUNS, MAX_SEED, Scenario, ScenarioError, scenario_argument,
                            whole_argument)

# the recorded quantities in the planners' words (the CSV keeps the column names)
QUANTITY_WORDS = {"population": "persons in reception", "permit_holders": "permit holders"}
COLUMNS = ["date", "quantity", "recorded", "sim_median", "sim_p05", "sim_p95", "error", "abs_pct_error",
           "in_band", "scored", "source"]


def _series(res) -> dict[str, np.ndarray]:
    d = res.daily
    occ = d["occupancy_by_kind"]
    return {"population": d["population"].values, "permit_holders": d["permit_holders_waiting"].values,
            "emergency": occ.sel(kind="emergency").values, "crisis": occ.sel(kind="crisis").values,
            "unsheltered": d["unsheltered"].values}


def _replicates(args) -> list[dict[str, np.ndarray]]:
    sc, seeds = args
    from model.many import simulate_many

    return simulate_many(sc, seeds, reduce=_series)


def replicates(sc: Scenario, seeds: Sequence[int], jobs: int = 1) -> dict[str, np.ndarray]:
    """Daily series per seed: name -> array (seed, day). The seeds run through `simulate_many`
    (one world), in `jobs` pieces on a pool of processes when `jobs` > 1."""
    seeds = list(seeds)
    if jobs > 1 and len(seeds) > 1:
        tasks = [(sc, part) for part in split(seeds, jobs)]
        with worker_pool(len(tasks), option="jobs", what="backtest") as ex:
            runs = [r for part in ex.map(_replicates, tasks) for r in part]
    else:
        runs = _replicates((sc, seeds))
    return {k: np.array([r[k] for r in runs]) for k in runs[0]}


def score(table: pd.DataFrame) -> dict[str, float]:
    """MAPE and Flee's ARD over the scored rows of a backtest table (fractions, not %)."""
    t = table[table["scored"]]
    if t.empty:
        return {"points": 0, "mape": float("nan"), "mape_population": float("nan"), "ard": float("nan")}
    ape = (t["sim_median"] - t["recorded"]).abs() / t["recorded"]
    pop_rows = t[t["quantity"] == "population"]
    ard = []
    for _, g in t.groupby("date"):
        pop = g[g["quantity"] == "population"]
        if pop.empty:
            continue
        rec_total, sim_total = float(pop["recorded"].iloc[0]), float(pop["sim_median"].iloc[0])
        ph = g[g["quantity"] == "permit_holders"]
        if ph.empty:
            diff = abs(sim_total - rec_total)
        else:
            rec_ph, sim_ph = float(ph["recorded"].iloc[0]), float(ph["sim_median"].iloc[0])
            diff = abs(sim_ph - rec_ph) + abs((sim_total - sim_ph) - (rec_total - rec_ph))
        ard.append(diff / rec_total)
    return {"points": len(t), "mape": float(ape.mean()),
            "mape_population": float(((pop_rows["sim_median"] - pop_rows["recorded"]).abs()
                                      / pop_rows["recorded"]).mean())
            if len(pop_rows) else float("nan"),
            "ard": float(np.mean(ard)) if ard else float("nan")}


@dataclass
class Backtest:
    scenario: Scenario
    seeds: list[int]
    table: pd.DataFrame
    summary: dict[str, float]
    series: dict[str, np.ndarray]        # daily per seed, for the plot

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.scenario.start_date, periods=self.scenario.horizon_days, freq="D")

    def report(self) -> str:
        sc, s = self.scenario, self.summary
        lines = [f"Backtest {sc.name!r}: {sc.start_date} to {sc.end_date}, {len(self.seeds)} replicate seeds "
                 f"({self.seeds[0]}..{self.seeds[-1]})",
                 f"{'date':10s}  {'quantity':20s} {'recorded':>9s} {'sim median':>10s} {'90 % band':>17s} "
                 f"{'error':>8s} {'error %':>8s}"]
        for r in self.table.itertuples():
            band = f"{r.sim_p05:,.0f}-{r.sim_p95:,.0f}"
            mark = "" if r.scored else "  (start: initial condition, not scored)"
            lines.append(f"{r.date:10s}  {QUANTITY_WORDS[r.quantity]:20s} {r.recorded:9,.0f} {r.sim_median:10,.0f} "
                         f"{band:>17s} {r.error:+8,.0f} {100 * r.error / r.recorded:+7.1f}%{mark}")
        if s["points"]:
            lines.append(f"Summary over {s['points']} scored points: mean absolute percentage error (MAPE) "
                         f"{s['mape']:.1%} "
                         f"(persons in reception only: {s['mape_population']:.1%}); "
                         f"Flee's averaged relative difference (ARD) {s['ard']:.3f}")
        else:
            lines.append("Summary: no recorded point after the start date in this period; "
                         "pass --record FILE with later published figures to score the run")
        crisis = np.median(self.series["crisis"], axis=0)
        if crisis.max() > 0:
            on = np.flatnonzero(crisis > 0)
            d = self.dates
            lines.append(f"Crisis emergency reception in use {d[on[0]]:%Y-%m-%d} to {d[on[-1]]:%Y-%m-%d}, "
                         f"peak {crisis.max():,.0f} persons on {d[int(crisis.argmax())]:%Y-%m-%d} (median run)")
        return "\n".join(lines)

    def write(self, out: str | Path) -> dict[str, Path]:
        """The table (CSV) and the plot (PNG) in folder `out`."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        name = self.scenario.name
        paths = {"csv": out / f"backtest-{name}.csv", "png": out / f"backtest-{name}.png"}
        self.table.to_csv(paths["csv"], index=False)
        plot(self, paths["png"])
        return paths


def backtest(scenario: str | Scenario, seeds: Sequence[int] | int = 8, points: Sequence[RecordPoint] | None = None,
             jobs: int | None = None) -> Backtest:
    """Run `scenario` on replicate seeds (N: the seeds 1 … N; or a list of distinct seeds) and
    compare with the record in its period (or with `points`, those in its period: at least one after
    its start, else nothing would be scored). The arguments are checked before anything runs (one
    ScenarioError line naming the argument)."""
    sc = scenario_argument("scenario", scenario)
    seeds = _seeds(seeds)
    pts = _points(points) if points is not None else record_points(sc.start_date, sc.end_date, sc.country)
    if points is not None:
        _scores_something(pts, sc)
    pts = [p for p in pts if sc.start_date <= p.date <= sc.end_date]
    if jobs is not None:
        whole_argument("jobs", jobs, 1, MAX_JOBS, " processes")
    jobs = jobs or min(len(seeds), os.cpu_count() or 1)
    series = replicates(sc, seeds, jobs)
    return compare(sc, seeds, series, pts)


def _seeds(seeds: object) -> list[int]:
    """The replicate seeds of `backtest`: N (1 … N) or a list of distinct 32-bit seeds."""
    if not isinstance(seeds, Sequence) or isinstance(seeds, str | bytes):
        return list(range(1, whole_argument("seeds", seeds, 1, MAX_RUNS, " (the seeds 1 … N), or a list") + 1))
    if not 1 <= len(seeds) <= MAX_RUNS:
        raise ScenarioError(f"seeds: a list of 1 to {MAX_RUNS:,} replicate seeds (got {len(seeds):,})")
    out = [whole_argument(f"seeds.{i}", x, 0, MAX_SEED) for i, x in enumerate(seeds)]
    twice = next((i for i, x in enumerate(out) if x in out[:i]), None)
    if twice is not None:               # a replicate run twice would narrow the band for nothing
        raise ScenarioError(f"seeds.{twice}: seed {out[twice]} is given twice; replicate seeds are distinct")
    return out


def _points(points: object) -> list[RecordPoint]:
    """`backtest`'s recorded points: RecordPoints of a known quantity and a positive finite value
    (the error is relative to it), as `history.read_points` reads them from a CSV."""
    if not isinstance(points, Sequence) or isinstance(points, str | bytes):
        raise ScenarioError(f"points: a list of RecordPoint (experiments.history) or None, not {type(points).__name__}")
    for i, p in enumerate(points):
        if not isinstance(p, RecordPoint):
            raise ScenarioError(f"points.{i}: a RecordPoint (experiments.history), not {type(p).__name__}")
        if not isinstance(p.date, dt.date) or isinstance(p.date, dt.datetime):
            raise ScenarioError(f"points.{i}: date: a date (datetime.date), not {type(p.date).__name__}")
        if p.quantity not in ("population", "permit_holders"):
            raise ScenarioError(f"points.{i}: quantity: population or permit_holders (got {p.quantity!r})")
        if isinstance(p.value, bool) or not isinstance(p.value, numbers.Real) or not math.isfinite(p.value) \
                or not 0 < p.value <= MAX_COUNT:
            raise ScenarioError(f"points.{i}: value: a positive number of persons, at most {MAX_COUNT:,} "
                                f"(got {p.value!r})")
    return list(points)


def _scores_something(points: list[RecordPoint], sc: Scenario) -> None:
    """Points given (not the packaged record) hold at least one that is scored: after the run's start
    (a point on it is the initial condition) and on or before its last day. An empty list, or points
    all outside that, ran every seed to score nothing (the report said no point was scored)."""
    if any(sc.start_date < p.date <= sc.end_date for p in points):
        return
    window = f"after the run's start {sc.start_date} and on or before its last day {sc.end_date}"
    if not points:
        raise ScenarioError(f"points: an empty list scores nothing; give at least one RecordPoint {window}, "
                            f"or None for the packaged record")
    which = f"the one point given ({points[0].date})" if len(points) == 1 else f"none of the {len(points):,} points"
    raise ScenarioError(f"points: {which} is {'not ' if len(points) == 1 else ''}{window} (a point on the start is "
                        f"the initial condition, not scored): nothing would be scored")


def compare(sc: Scenario, seeds: list[int], series: dict[str, np.ndarray], pts: Sequence[RecordPoint]) -> Backtest:
    """The backtest table from daily replicate series (name -> (seed, day))."""
    rows = []
    for p in sorted(pts, key=lambda p: (p.date, p.quantity != "population")):
        day = (p.date - sc.start_date).days
        v = series[p.quantity][:, day].astype(float)
        med = float(np.median(v))
        lo, hi = (float(x) for x in np.percentile(v, [5, 95]))
        rows.append({"date": p.date.isoformat(), "quantity": p.quantity, "recorded": p.value,
                     "sim_median": med, "sim_p05": lo, "sim_p95": hi, "error": med - p.value,
                     "abs_pct_error": abs(med - p.value) / p.value * 100, "in_band": lo <= p.value <= hi,
                     "scored": p.date > sc.start_date, "source": p.source})
    table = pd.DataFrame(rows, columns=COLUMNS)
    return Backtest(sc, seeds, table, score(table), series)


def plot(bt: Backtest, path: str | Path) -> None:
    """Persons in reception and permit holders: median and 90 % band against the record;
    emergency and crisis emergency occupancy below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = bt.dates
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    for key, colour, label in (("population", "tab:blue", "persons in reception (simulated)"),
                               ("permit_holders", "tab:green", "permit holders waiting (simulated)")):
        s = bt.series[key]
        ax.fill_between(d, np.percentile(s, 5, axis=0), np.percentile(s, 95, axis=0), color=colour, alpha=0.2, lw=0)
        ax.plot(d, np.median(s, axis=0), color=colour, lw=1.5, label=label)
        t = bt.table[bt.table["quantity"] == key]
        if len(t):
            ax.scatter(pd.to_datetime(t["date"]), t["recorded"], color=colour, edgecolor="black", zorder=5,
                       marker="o" if key == "population" else "s",
                       label=f"{'persons in COA reception' if key == 'population' else 'permit holders'} (recorded)")
    summary = bt.summary
    title = f"{bt.scenario.name}: {len(bt.seeds)} seeds, median and 90 % band"
    if summary["points"]:
        title += f" — MAPE {summary['mape']:.1%}, ARD {summary['ard']:.3f}"
    ax.set_title(title, fontsize=10)
    ax.set_ylabel("persons")
    thousands(ax)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    for key, colour, label in (("emergency", "tab:orange", "emergency (noodopvang)"),
                               ("crisis", "tab:red", "crisis emergency (crisisnoodopvang)"),
                               ("unsheltered", "tab:gray", "entitled, no bed")):
        ax2.plot(d, np.median(bt.series[key], axis=0), color=colour, lw=1.2, label=label)
    ax2.set_ylabel("persons (median)")
    thousands(ax2)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

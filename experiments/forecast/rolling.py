"""Rolling-origin backtest: a forecast from every half-year origin of the packaged record, scored.

For each origin T (1 January and 1 July, 2014 to 2020):

1. everything the forecast uses is read through `RecordAsOf(T)` (later figures are refused): the
   start (the last count on or before T), the inflow known on T then persistence, its historical
   errors, the housing targets begun by T;
2. parameters: `refit` (default) — the hindcast scenario with every calibrated value back to the
   baseline's documented one (`refit.uncalibrated`) and the IND's capacity made from what was known
   on T (`ind_capacity`): `budget` (default) — each year the first applications a day of the year
   before (`chain.decision_capacity_rule: budget`, on the world's inflow: the record known on T, then
   the member's assumed inflow; the IND is budgeted on the multi-year production forecast), nothing
   fitted; `constant` — one factor refitted to the counts of the two years before
   T (`refit.refit`; the model before the budget rule); `budget-refit` — the budget times a refitted
   factor. `calibrated` — the 2020 calibration as it stands, fitted to counts up to June 2020: for
   origins before then it has seen the answers, so it is a reference for what tuning can reach,
   not a forecast;
3. an ensemble of `members` runs 30 months ahead (`run_forecast`, persistence inflow with its
   historical errors; or, as a diagnostic that knows the future inflow, `inflow="recorded"`: the
   inflow that came, without inflow uncertainty — what is left of the error is the chain's);
4. every recorded count after T with a lead time in a horizon's window is a scored pair: the
   6-month horizon takes leads of 3-9 months, 12 months 9-18, 24 months 18-30 (the record has
   counts at irregular dates, mostly year ends, so a count exactly h months ahead is rare). The
   same pairs score persistence, seasonal naive and linear trend (`baselines`), made from the
   counts known on T.

Per horizon and quantity: MAPE of the median and of each baseline over the pairs where
persistence exists (a count of that quantity known on T; a baseline's over those where it can be
made), the skill score 1 - MAPE / MAPE of persistence on the same pairs, how often the count fell
in the 50 % and 90 % bands, and how many pairs, origins and distinct counts each cell rests on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibrate import ind_budget
from experiments.forecast.baselines import BASELINES
from experiments.forecast.ensemble import run_forecast
from experiments.forecast.inflow import CENTRES, FAMILY_RULE, FAMILY_RULES, errors_as_of
from experiments.forecast.kept import KeptOrigins
from experiments.forecast.labels import thousands
from experiments.forecast.origins import from_record
from experiments.forecast.record import RecordAsOf, add_months, months_between
from experiments.forecast.refit import IND_CAPACITY, ample, refit, uncalibrated, with_ind_factor
from experiments.history import record_points
from experiments.outputs import scenario_hash, worker_pool
from model import prognosis
from model.scenario import Scenario, load_scenario

FIRST_ORIGIN, LAST_ORIGIN = dt.date(2014, 1, 1), dt.date(2020, 1, 1)
LEADS = {6: (3.0, 9.0), 12: (9.0, 18.0), 24: (18.0, 30.0)}     # horizon -> lead window, months [lo, hi)
MONTHS = 30                                                    # each forecast runs this far
BASE = "hindcast-2015"
PARAMS = ("refit", "calibrated")
INFLOWS = ("persistence", "recorded")
RECORDED_SERIES = "inflow_monthly_nl_derived"
_COLUMN = {"population": "population", "permit_holders": "permit_holders"}
FILES = {"pairs": "rolling-pairs.csv", "skill": "rolling-skill.csv", "markdown": "rolling-skill.md",
         "origins": "rolling-origins.csv", "paths": "rolling-paths.csv", "png": "rolling-backtest.png"}


def half_year_origins(first: dt.date, last: dt.date) -> list[dt.date]:
    """1 January and 1 July from `first` to `last` (both half-year starts, within FIRST_ORIGIN to
    LAST_ORIGIN: the origins the record can refit before and score after)."""
    for d in (first, last):
        if d.day != 1 or d.month not in (1, 7):
            raise ValueError(f"{d} is not a half-year start (1 January or 1 July)")
    if last < first:
        raise ValueError(f"{last} is before {first}")
    if first < FIRST_ORIGIN or last > LAST_ORIGIN:
        raise ValueError(f"origins from {FIRST_ORIGIN} to {LAST_ORIGIN} only (the refit needs two years of recorded "
                         f"inflow before an origin, and a forecast needs counts after it: the last is of 1 June 2020)")
    out, d = [], first
    while d <= last:
        out.append(d)
        d = add_months(d, 6)
    return out


def horizon_of(lead_months: float) -> int | None:
    for h, (lo, hi) in LEADS.items():
        if lo <= lead_months < hi:
            return h
    return None


def origin_scenario(origin: dt.date, params: str, base: Scenario,
                    ind_capacity: str = "budget") -> tuple[Scenario, str, float | None]:
    """The scenario a forecast from `origin` may use, a line on how it was made, and θ. The IND's
    capacity (`refit` parameters): `budget` — it follows its budget (the model's
    `chain.decision_capacity_rule: budget`: the first applications a day of the year before, each
    1 January, from the record known on the origin and then the assumed inflow), nothing fitted
    (θ = 1); `constant` —
    one factor θ on the decisions per day, refitted on the two years before the origin (the model
    before the budget rule); `budget-refit` — the budget times a refitted θ."""
    rec = RecordAsOf(origin)
    if params == "calibrated":
        return base, "2020 calibration (fitted to counts up to 2020-06-01: knows the answers)", None
    clean = uncalibrated(base)
    if ind_capacity == "constant":
        fit = refit(clean, rec)
        return with_ind_factor(clean, fit.theta), fit.describe(), fit.theta
    clean = ind_budget(clean)
    how = "IND capacity follows its budget (θ x the first applications a day of the year before, each 1 January)"
    if ind_capacity == "budget":
        return clean, how + ", θ = 1 (nothing fitted)", 1.0
    fit = refit(clean, rec)
    return with_ind_factor(clean, fit.theta), f"{how}; {fit.describe()}", fit.theta


def run_origin(origin: dt.date, members: int, params: str, seed: int, base: Scenario | None = None,
               inflow: str = "persistence", targets: str = "rule", ind_capacity: str = "budget",
               stock: str = "procedure", centre: str = "centred", family: str = FAMILY_RULE) -> dict:
    """Forecast from one origin and score it (a dict of rows, paths and notes; picklable).
    `inflow="recorded"` is a diagnostic: the members run on the inflow that came (the packaged
    monthly series) without inflow uncertainty, which separates the inflow assumption's error
    from the chain's."""
    base = base or load_scenario(BASE)
    rec = RecordAsOf(origin)
    sc, how, theta = origin_scenario(origin, params, base, ind_capacity)
    truth = [p for p in record_points(origin + dt.timedelta(days=1), add_months(origin, MONTHS)) if
             horizon_of(months_between(origin, p.date)) is not None]
    known_peak = max(p.value for p in rec.points("population"))
    if inflow == "recorded":
        sc = sc.model_copy(deep=True)
        sc.inflow.monthly_series = RECORDED_SERIES
        o = from_record(origin, MONTHS, ample(sc, known_peak), record=rec, keep_events=params == "calibrated",
                        scenario_inflow=True, targets=targets, stock=stock)
        f = run_forecast(o, MONTHS, members, seed, "scenario", None)
    else:
        o = from_record(origin, MONTHS, ample(sc, known_peak), record=rec, keep_events=params == "calibrated",
                        targets=targets, stock=stock, family=family)
        f = run_forecast(o, MONTHS, members, seed, "persistence", errors_as_of(rec, o.persistence.window, centre))
    p = f.prognosis
    rows = []
    for point in truth:
        day = (point.date - p.dates[0]).days
        values = (p.population if point.quantity == "population" else p.permit_holders)[:, day]
        q = prognosis.band(values, [0.05, 0.25, 0.5, 0.75, 0.95])
        known = [(k.date, k.value) for k in rec.points(point.quantity)]
        lead = months_between(origin, point.date)
        row = {"origin": origin.isoformat(), "quantity": point.quantity, "date": point.date.isoformat(),
               "lead_months": round(lead, 2), "horizon_months": horizon_of(lead), "recorded": point.value,
               "median": q[2], "p05": q[0], "p25": q[1], "p75": q[3], "p95": q[4],
               "in_50": bool(q[1] <= point.value <= q[3]), "in_90": bool(q[0] <= point.value <= q[4]),
               "ind_factor": theta, "params": params, "targets": targets,
               "ind_capacity": ind_capacity if params == "refit" else "calibrated", "stock": stock,
               "inflow_errors": "none" if inflow == "recorded" else centre,
               "family": "recorded" if inflow == "recorded" else family}
        for name, fn in BASELINES.items():
            row[name] = fn(known, point.date)
        rows.append(row)
    paths = {q: (p.dates, prognosis.band(getattr(p, _COLUMN[q]), [0.05, 0.5, 0.95])) for q in _COLUMN}
    said = (f"the recorded series ({RECORDED_SERIES}), known only later" if inflow == "recorded" else
            f"persistence {o.persistence.first_per_day * 365.25:,.0f} first + "
            f"{o.persistence.family_per_day * 365.25:,.0f} family a year ({o.persistence.basis})")
    window = o.persistence.window if inflow == "persistence" else None
    for row in rows:
        row["inflow"] = inflow
        row["inflow_window"] = window
    return {"origin": origin, "rows": rows, "how": how, "theta": theta, "paths": paths, "inflow": said,
            "start": o.scenario.start_date, "inflow_window": window, "start_said": o.description}


def _run(args) -> dict:
    return run_origin(*args)


@dataclass
class RollingBacktest:
    origins: list[dt.date]
    members: int
    params: str
    seed: int
    rows: pd.DataFrame
    notes: list[dict] = field(default_factory=list)      # per origin: how the parameters were made, inflow
    paths: dict = field(default_factory=dict)             # origin -> quantity -> (dates, p05/median/p95)
    inflow: str = "persistence"                           # or "recorded" (diagnostic)

    def skill(self) -> pd.DataFrame:
        """The skill table: one row per horizon and quantity (see the module text)."""
        out = []
        for (h, q), g in self.rows.groupby(["horizon_months", "quantity"]):
            have = g[g["persistence"].notna()]
            row = {"horizon_months": int(h), "quantity": q, "pairs": len(have), "origins": have["origin"].nunique(),
                   "counts": have["date"].nunique(), "pairs_without_persistence": len(g) - len(have)}
            if len(have):
                rec = have["recorded"].to_numpy(float)
                error = {name: np.abs(have[col].to_numpy(float) - rec) / rec
                         for name, col in (("model", "median"), *((b, b) for b in BASELINES))}
                mape, skill = {}, {}
                for name, e in error.items():
                    ok = ~np.isnan(e)
                    mape[name] = float(e[ok].mean()) if ok.any() else float("nan")
                    if name != "model":
                        row[f"{name}_pairs"] = int(ok.sum())
                    # each skill against persistence on the same pairs: a baseline that cannot be made for a
                    # pair (no count at that time of year, a single count) is compared only where it can be
                    p = float(error["persistence"][ok].mean()) if ok.any() else float("nan")
                    skill[name] = 1 - mape[name] / p if p > 0 else float("nan")
                for name, v in mape.items():
                    row[f"mape_{name}"] = v
                for name in ("model", "seasonal_naive", "linear_trend"):
                    row[f"skill_{name}"] = skill[name]
                row["coverage_50"] = float(have["in_50"].mean())
                row["coverage_90"] = float(have["in_90"].mean())
            out.append(row)
        return pd.DataFrame(out)

    def markdown(self) -> str:
        """The skill table as Markdown (docs/forecast.md and docs/validation.md)."""
        t = self.skill()
        lines = ["| horizon | quantity | pairs (origins, counts) | MAPE model | persistence | seasonal naive | "
                 "linear trend | skill vs persistence: model | seasonal | trend | in 50 % / 90 % band |",
                 "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in t.itertuples():
            if not r.pairs:
                lines.append(f"| {r.horizon_months} m | {r.quantity.replace('_', ' ')} | 0 "
                             f"({r.pairs_without_persistence} without a count known at the origin) "
                             "| – | – | – | – | – | – | – | – |")
                continue
            lines.append(
                f"| {r.horizon_months} m | {r.quantity.replace('_', ' ')} | {r.pairs} ({r.origins}, {r.counts}) | "
                f"{r.mape_model:.1%} | {r.mape_persistence:.1%} | {_pct(r.mape_seasonal_naive)} "
                f"({int(r.seasonal_naive_pairs)}) | {_pct(r.mape_linear_trend)} ({int(r.linear_trend_pairs)}) | "
                f"**{r.skill_model:+.2f}** | {_num(r.skill_seasonal_naive)} | {_num(r.skill_linear_trend)} | "
                f"{r.coverage_50:.0%} / {r.coverage_90:.0%} |")
        return "\n".join(lines)

    def report(self) -> str:
        targets = self.rows["targets"].iloc[0] if "targets" in self.rows and len(self.rows) else "?"
        ind = self.rows["ind_capacity"].iloc[0] if "ind_capacity" in self.rows and len(self.rows) else "?"
        lines = [f"Rolling-origin backtest: {len(self.origins)} origins {self.origins[0]}..{self.origins[-1]}, "
                 f"{self.members} members, parameters: {self.params}, inflow: {self.inflow}, targets: {targets}, "
                 f"IND capacity: {ind}"]
        for n in self.notes:
            lines.append(f"  {n['origin']}: start {n['start']}; {n['how']}; inflow {n['inflow']}")
            if isinstance(n.get("start_said"), str):      # a folder written before it was said has none
                lines.append(f"    start: {n['start_said']}")
        lines.append(self.markdown())
        return "\n".join(lines)

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Pairs, the skill table (CSV and Markdown), notes per origin, each origin's daily median and
        90 % band (CSV), and the plot (PNG), into `folder` (existing; the command writes it whole,
        `experiments.outputs`); `read` takes the folder back."""
        tmp = Path(folder)
        self.rows.to_csv(tmp / FILES["pairs"], index=False, float_format="%.6g")
        self.skill().to_csv(tmp / FILES["skill"], index=False, float_format="%.4g")
        (tmp / FILES["markdown"]).write_text(self.markdown() + "\n", encoding="utf-8")
        pd.DataFrame(self.notes).to_csv(tmp / FILES["origins"], index=False)
        rows = [{"origin": o.isoformat(), "quantity": q, "date": d.isoformat(), "p05": lo, "median": med, "p95": hi}
                for o, paths in sorted(self.paths.items()) for q, (dates, band) in paths.items()
                for d, lo, med, hi in zip(dates, *band, strict=True)]
        pd.DataFrame(rows).to_csv(tmp / FILES["paths"], index=False, float_format="%.6g")
        plot(self, tmp / FILES["png"])
        return {k: tmp / v for k, v in FILES.items()}

    @classmethod
    def read(cls, folder: str | Path) -> RollingBacktest:
        """A backtest written by `write` (to redraw or re-tabulate it without running it again)."""
        folder = Path(folder)
        rows = pd.read_csv(folder / FILES["pairs"])
        notes = pd.read_csv(folder / FILES["origins"]).to_dict("records")
        paths: dict = {}
        for (o, q), g in pd.read_csv(folder / FILES["paths"]).groupby(["origin", "quantity"]):
            dates = [dt.date.fromisoformat(d) for d in g["date"]]
            paths.setdefault(dt.date.fromisoformat(o), {})[q] = (dates, g[["p05", "median", "p95"]].to_numpy().T)
        origins = sorted(dt.date.fromisoformat(n["origin"]) for n in notes)
        return cls(origins, -1, str(rows["params"].iloc[0]), -1, rows, notes, paths, str(rows["inflow"].iloc[0]))


def _pct(x: float) -> str:
    return "–" if x != x else f"{x:.1%}"


def _num(x: float) -> str:
    return "–" if x != x else f"{x:+.2f}"


def backtest(origins: Sequence[dt.date], members: int = 20, params: str = "refit", seed: int = 1, jobs: int = 1,
             progress: Callable[[int, int], None] | None = None, base: Scenario | None = None,
             inflow: str = "persistence", targets: str = "rule", ind_capacity: str = "budget",
             stock: str = "procedure", centre: str = "centred", family: str = FAMILY_RULE,
             kept: KeptOrigins | None = None) -> RollingBacktest:
    """Run the rolling-origin backtest (see the module text). With `kept`, origins finished by an
    earlier run with the same settings are read back instead of computed, and each origin computed
    is kept there as soon as it is finished (`experiments.forecast.kept`: what `noodplan backtest
    --rolling` resumes from); the result is the same either way."""
    if params not in PARAMS:
        raise ValueError(f"params: {params!r} (choose {' or '.join(PARAMS)})")
    if ind_capacity not in IND_CAPACITY:
        raise ValueError(f"ind_capacity: {ind_capacity!r} (choose {', '.join(IND_CAPACITY)})")
    if inflow not in INFLOWS:
        raise ValueError(f"inflow: {inflow!r} (choose {' or '.join(INFLOWS)})")
    if centre not in CENTRES:
        raise ValueError(f"centre: {centre!r} (choose {' or '.join(CENTRES)})")
    if family not in FAMILY_RULES:
        raise ValueError(f"family: {family!r} (choose {' or '.join(FAMILY_RULES)})")
    origins = list(origins)
    done: dict[dt.date, dict] = {}
    if kept is not None:
        b = base or load_scenario(BASE)
        kept.check({"base": b.name, "scenario_sha256": scenario_hash(b), "members": members, "params": params,
                    "ensemble_seed": seed, "inflow": inflow, "targets": targets, "ind_capacity": ind_capacity,
                    "stock": stock, "inflow_errors": centre, "family_inflow": family, "months": MONTHS,
                    "leads": LEADS})
        done = kept.load(origins)
    tasks = [(o, members, params, seed, base, inflow, targets, ind_capacity, stock, centre, family)
             for o in origins if o not in done]

    def finished(r: dict) -> None:
        done[r["origin"]] = r
        if kept is not None:
            kept.keep(r)
        if progress is not None:
            progress(len(done), len(origins))

    if progress is not None and done:
        progress(len(done), len(origins))
    if jobs > 1 and len(tasks) > 1:
        with worker_pool(min(jobs, len(tasks)), what="the rolling backtest") as ex:   # Ctrl+C stops them too
            for future in as_completed([ex.submit(_run, t) for t in tasks]):    # kept as each one finishes
                finished(future.result())
    else:
        for t in tasks:
            finished(_run(t))
    results = [done[o] for o in origins]
    rows = pd.DataFrame([row for r in results for row in r["rows"]])
    notes = [{"origin": r["origin"].isoformat(), "start": r["start"].isoformat(), "how": r["how"],
              "ind_factor": r["theta"], "inflow_window": r["inflow_window"], "inflow": r["inflow"],
              "start_said": r["start_said"]} for r in results]
    paths = {r["origin"]: r["paths"] for r in results}
    return RollingBacktest(origins, members, params, seed, rows, notes, paths, inflow)


def plot(bt: RollingBacktest, path: str | Path) -> None:
    """Each origin's median and 90 % band against the record, and the skill per horizon."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(10, 10.5), gridspec_kw={"height_ratios": [3, 2, 2]})
    record = record_points(dt.date(2012, 1, 1), dt.date(2023, 1, 1))
    cmap = plt.get_cmap("viridis")
    for ax, q in zip(axes[:2], ("population", "permit_holders")):
        for i, (o, paths) in enumerate(sorted(bt.paths.items())):
            dates, band = paths[q]
            d = pd.to_datetime(dates)
            c = cmap(i / max(len(bt.paths) - 1, 1))
            ax.fill_between(d, band[0], band[2], color=c, alpha=0.08, lw=0)
            ax.plot(d, band[1], color=c, lw=1.0)
            ax.axvline(pd.Timestamp(o), color=c, lw=0.4, ls=":")
        pts = [p for p in record if p.quantity == q]
        ax.scatter(pd.to_datetime([p.date for p in pts]), [p.value for p in pts], color="black", zorder=5, s=18,
                   label="recorded count")
        top = 3 * max(p.value for p in pts)
        ax.set_ylim(0, top)
        ax.text(0.01, 0.97, f"axis cut at 3x the largest count ({top:,.0f})", transform=ax.transAxes, fontsize=7,
                va="top", color="grey")
        ax.set_ylabel("persons")
        thousands(ax)
        ax.set_title(("Persons in COA reception" if q == "population" else "Permit holders waiting") +
                     f": each origin's median (line) and 90 % band, {MONTHS} months ahead ({bt.params} parameters, "
                     f"{bt.inflow} inflow)",
                     fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
    axes[1].set_xlim(axes[0].get_xlim())   # one time axis for both quantities (permit holders' counts start later)
    ax = axes[2]
    t = bt.skill()
    labels, width = [], 0.2
    xs = np.arange(len(t))
    for j, (name, colour) in enumerate((("model", "tab:blue"), ("seasonal_naive", "tab:grey"),
                                        ("linear_trend", "tab:orange"))):
        vals = t.get(f"skill_{name}", pd.Series([np.nan] * len(t))).to_numpy(float)
        ax.bar(xs + (j - 1) * width, np.nan_to_num(vals), width, color=colour, label=name.replace("_", " "))
    for r in t.itertuples():
        labels.append(f"{r.horizon_months} m\n{r.quantity.replace('_', ' ')}\n{r.pairs} pairs")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(xs, labels, fontsize=7)
    ax.set_ylabel("skill vs persistence\n(1 - MAPE / MAPE persistence)")
    lo = np.nanmin(t[[c for c in t.columns if c.startswith("skill_")]].to_numpy(float)) if len(t) else -1
    ax.set_ylim(max(min(lo * 1.1, -0.2), -3), 1)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=7)
    ax.set_title(f"Skill per horizon ({bt.params} parameters, {bt.inflow} inflow; above 0: better than persistence; "
                 "bars cut at -3)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

"""What a sweep says: which inputs drive each KPI, and where in the input space the plan fails.

* **Sensitivity** per KPI, on the KPI averaged over a point's replicate seeds (common random
  numbers), with SALib on the sampler's unit coordinates: Sobol indices (first order S1, total
  ST, 95 % bootstrap intervals) for a `saltelli` design; Morris μ* (with its bootstrap interval)
  and σ for `morris`; first-order indices S1 by RBD-FAST (95 % bootstrap intervals; it works on
  any sample; from 128 points) for `lhs` and `sobol` points; for a `grid`, main effects (the
  KPI's mean at each level, and the spread of those means).
* **Scenario discovery** with PRIM (EMA Workbench) over the runs: for a condition such as
  "peak_unsheltered > 500" (a night with more than 500 people entitled but without a bed), the
  box of inputs where it mostly holds: coverage (share of the runs meeting the condition that
  fall in the box), density (share of the runs in the box meeting it), mass (share of all runs
  in the box), and the box's limits on each restricted input with PRIM's quasi-p value (a
  restriction with a quasi-p above ~0.05 could be chance). The box kept is the one with the
  highest coverage at a density of at least `min_density` (0.8 by default) on PRIM's peeling
  trajectory, or the densest when none reaches it.

`analyze(store, out)` writes report.txt, sensitivity.csv, prim_boxes.csv and the PNG plots
(`plots.py`) to `out` and returns them with the report's text. `salib_inputs(store, kpi)` hands
SALib's problem, X and Y to an analysis of your own.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from experiments.compare import readable as _num   # readable numbers, as in the paired comparison
from experiments.sweep.design import MIN_SAMPLES, UNIT_PREFIX, Design, PrimTarget
from experiments.sweep.kpis import KPIS, thousands_point
from experiments.sweep.samplers import morris_levels, salib_problem
from experiments.sweep.store import Store
from model.scenario import written_otherwise

if TYPE_CHECKING:
    from ema_workbench.analysis.prim import PrimBox

RESAMPLES = 1000       # bootstrap resamples of SALib's confidence intervals
WIDE_INTERVAL = 0.2    # a Sobol index's 95 % half-width (of its 0-1 scale) above which the report says to raise samples
RBD_MIN_POINTS = 128   # below this RBD-FAST's estimates swing by more than ±0.2 on a linear test function


@dataclass
class Sensitivity:
    kpi: str
    method: str                          # sobol | morris | rbd-fast | main effects
    table: pd.DataFrame | None           # one row per parameter; None when not computable
    note: str = ""                       # why not, or what to keep in mind

    @property
    def main(self) -> str:
        """The column that ranks the parameters."""
        return {"sobol": "ST", "morris": "mu_star", "rbd-fast": "S1", "main effects": "range"}[self.method]


@dataclass
class Box:
    target: PrimTarget
    cases: int                          # runs meeting the condition
    runs: int
    coverage: float = float("nan")
    density: float = float("nan")
    mass: float = float("nan")
    limits: dict[str, str] = field(default_factory=dict)    # restricted input -> its range or set, as text
    note: str = ""
    prim: PrimBox | None = None         # EMA's PrimBox (for plots)
    index: int = -1                     # the chosen box on the peeling trajectory


@dataclass
class Report:
    text: str
    sensitivity: list[Sensitivity]
    boxes: list[Box]
    files: list[Path]


def parse_condition(text: str) -> PrimTarget:
    """'peak_unsheltered>500' -> PrimTarget(kpi='peak_unsheltered', above=500)."""
    m = re.fullmatch(r"\s*([A-Za-z_][\w.]*)\s*([<>])\s*(-?[\d.]+(?:e-?\d+)?)\s*", text)
    if not m:
        other = re.fullmatch(r"\s*[A-Za-z_][\w.]*\s*[<>]\s*(.+?)\s*", text)
        hint = written_otherwise(other.group(1)) if other else None     # 30,5 or 85%: what to write
        raise ValueError(f"{text!r}: write KPI>VALUE or KPI<VALUE, e.g. peak_unsheltered>500"
                         + (f"; {hint}" if hint else ""))
    kpi, op, written = m.group(1), m.group(2), m.group(3)
    try:
        value = float(written)
    except ValueError:         # 1.2.3
        raise ValueError(f"{text!r}: {written} is not a number; write KPI>VALUE, e.g. peak_unsheltered>500") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r}: the value must be a finite number")
    said = thousands_point(kpi, written)    # 30.500 persons: a condition on 30.5, met by nearly every run
    if said:
        raise ValueError(f"{text!r}: {said}")
    return PrimTarget(kpi=kpi, above=value) if op == ">" else PrimTarget(kpi=kpi, below=value)


# ---- sensitivity -------------------------------------------------------------------------------

def point_means(table: pd.DataFrame, kpi: str, points: int) -> np.ndarray:
    """The KPI averaged over each point's replicates (NaN where no replicate succeeded)."""
    ok = table[table["status"] == "ok"]
    return ok.groupby("sample")[kpi].mean().reindex(range(points)).to_numpy(dtype=float)


def unit_matrix(plan: pd.DataFrame, labels: list[str]) -> np.ndarray:
    first = plan.drop_duplicates("sample").sort_values("sample")
    return first[[f"{UNIT_PREFIX}{k}" for k in labels]].to_numpy(dtype=float)


def sensitivity(design: Design, plan: pd.DataFrame, table: pd.DataFrame, kpi: str) -> Sensitivity:
    """The sensitivity of one KPI to the design's parameters (see the module docstring)."""
    labels = [p.label for p in design.parameters]
    points = int(plan["sample"].max()) + 1
    y = point_means(table, kpi, points)
    method = {"saltelli": "sobol", "morris": "morris", "grid": "main effects"}.get(design.sampler.method, "rbd-fast")
    base = design.sampler.samples or 0      # saltelli's base points N, morris' trajectories
    if method in ("sobol", "morris") and base < MIN_SAMPLES:    # a store made before load_design refused it
        what = "base point" if method == "sobol" else "trajectory"
        return Sensitivity(kpi, method, None, f"samples: {base}, one {what}; {method.capitalize()} indices need "
                                              f"at least {MIN_SAMPLES} (with one, the bootstrap interval is 0)")
    missing = int(np.isnan(y).sum())
    if method != "main effects" and missing:
        return Sensitivity(kpi, method, None, f"{missing} of {points} points have no successful run")
    if np.nanstd(y) == 0:
        runs = table.loc[table["status"] == "ok", kpi].to_numpy(dtype=float)
        if np.nanstd(runs) > 0:         # it differs between seeds, by the same at every point
            return Sensitivity(kpi, method, None, f"the KPI varies between seeds only: its mean over a point's seeds "
                                                  f"is {y[0]:.6g} at every point")
        return Sensitivity(kpi, method, None, "the KPI does not vary over the sweep")
    if method == "rbd-fast" and points < RBD_MIN_POINTS:
        return Sensitivity(kpi, method, None, f"RBD-FAST needs at least {RBD_MIN_POINTS} points (this design has "
                                              f"{points}); use a saltelli or morris design for sensitivity")
    problem = salib_problem(labels)
    x = unit_matrix(plan, labels)
    seed = design.sampler.seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if method == "sobol":
                from SALib.analyze import sobol

                s = sobol.analyze(problem, y, calc_second_order=design.sampler.second_order,
                                  num_resamples=RESAMPLES, conf_level=0.95, seed=seed)
                df = pd.DataFrame({"S1": s["S1"], "S1_conf": s["S1_conf"], "ST": s["ST"], "ST_conf": s["ST_conf"]},
                                  index=labels)
            elif method == "morris":
                from SALib.analyze import morris

                s = morris.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=0.95,
                                   num_levels=morris_levels(design.sampler), seed=seed)
                df = pd.DataFrame({"mu_star": s["mu_star"], "mu_star_conf": s["mu_star_conf"], "sigma": s["sigma"],
                                   "mu": s["mu"]}, index=labels)
            elif method == "rbd-fast":
                from SALib.analyze import rbd_fast

                s = rbd_fast.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=0.95, seed=seed)
                df = pd.DataFrame({"S1": s["S1"], "S1_conf": s["S1_conf"]}, index=labels)
            else:
                df = main_effects(design, plan, y)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
            return Sensitivity(kpi, method, None, f"SALib could not compute it ({exc})")
    df.index.name = "parameter"
    note = f"averaged over {design.replicates} seeds per point" if design.replicates > 1 else ""
    if method == "sobol":
        widest = float(np.nanmax(df[["S1_conf", "ST_conf"]].to_numpy()))
        if widest > WIDE_INTERVAL:
            few = (f"intervals up to ±{widest:.2f} from {base} base points; raise sampler.samples to narrow them "
                   f"(the store grows by the added runs only)")
            note = f"{note}; {few}" if note else few
    if method == "main effects" and missing:
        note = "; ".join(x for x in (note, f"{missing} points without a successful run left out") if x)
    return Sensitivity(kpi, method, df, note)


def salib_inputs(store: Store, kpi: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """SALib's three inputs for one KPI of a store, for an analysis of your own (`delta`, `pawn`,
    second-order indices, other options): the problem over the sampler's unit cube (names: the
    parameters'; bounds [0, 1], the coordinates the points were drawn in, as `noodplan analyze` uses
    them), X (points x parameters, in plan order) and Y (the KPI averaged over each point's seeds,
    NaN where no seed succeeded). `sobol.analyze(problem, Y)` on a `saltelli` store and
    `morris.analyze(problem, X, Y, num_levels=…)` on a `morris` one give the report's indices with
    the same options. Raises StoreError naming an unknown KPI."""
    from experiments.sweep.store import StoreError
    from model.scenario import unknown_name

    if kpi not in store.kpis:
        raise StoreError(f"{store.path}: " + unknown_name("KPI", kpi, store.kpis))
    labels = [p.label for p in store.design().parameters]
    plan = store.plan()
    points = int(plan["sample"].max()) + 1
    return salib_problem(labels), unit_matrix(plan, labels), point_means(store.table(), kpi, points)


def main_effects(design: Design, plan: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """For a grid: the KPI's mean at each level of each parameter, and the spread of those means;
    the levels where it is lowest and highest ("" for both when it is the same at every level: no
    level is lower than another, and the first would have been named as both)."""
    first = plan.drop_duplicates("sample").sort_values("sample")
    rows = {}
    for p in design.parameters:
        means = pd.Series(y).groupby(first[p.label].astype(str).to_numpy()).mean()
        flat = math.isclose(means.max(), means.min(), rel_tol=1e-12, abs_tol=0.0)
        rows[p.label] = {"range": 0.0 if flat else float(means.max() - means.min()),
                         "lowest_at": "" if flat else str(means.idxmin()),
                         "highest_at": "" if flat else str(means.idxmax())}
    return pd.DataFrame.from_dict(rows, orient="index")


# ---- scenario discovery ------------------------------------------------------------------------

def prim_box(design: Design, table: pd.DataFrame, target: PrimTarget) -> Box:
    """PRIM's box for one condition over the successful runs (see the module docstring)."""
    ok = table[table["status"] == "ok"]
    if target.kpi not in ok.columns:
        return Box(target, 0, len(ok), note=f"unknown KPI {target.kpi!r}")
    values = ok[target.kpi].to_numpy(dtype=float)
    y = values > target.above if target.above is not None else values < target.below
    box = Box(target, int(y.sum()), len(ok))
    if box.cases == 0 or box.cases == len(ok):
        box.note = "no run meets the condition" if box.cases == 0 else "every run meets the condition"
        return box
    x = pd.DataFrame(index=range(len(ok)))
    for p in design.parameters:
        col = ok[p.label].reset_index(drop=True)
        x[p.label] = col.astype(str).astype("category") if not p.continuous or col.dtype == bool else col.astype(float)
    import logging

    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # EMA warns on import about optional packages (ipyparallel)
        from ema_workbench.analysis import prim

        pb = prim.Prim(x, y, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05).find_box()
    traj = pb.peeling_trajectory
    good = traj[traj["density"] >= target.min_density]
    i = int(good["coverage"].idxmax()) if len(good) else int(traj["density"].idxmax())
    if not len(good):
        box.note = f"no box reaches density {target.min_density:g}; the densest is shown"
    elif i == int(traj.index[0]):
        box.note = (f"the condition holds in {box.cases / box.runs:.0%} of all runs, at least the density "
                    f"asked ({target.min_density:g}): no input needs restricting; a stricter condition separates more")
    stats = traj.loc[i]
    box.coverage, box.density, box.mass = float(stats["coverage"]), float(stats["density"]), float(stats["mass"])
    box.prim, box.index = pb, i
    lims, init = pb.box_lims[i], pb.box_lims[0]
    for p in design.parameters:
        lo, hi = lims[p.label].iloc[0], lims[p.label].iloc[1]
        qp = [q for q in pb.p_values[i].get(p.label, []) if q is not None and q >= 0]
        sig = f" (quasi-p {min(qp):.2g})" if qp else ""
        if isinstance(lo, set):
            if lo != init[p.label].iloc[0]:
                box.limits[p.label] = "{" + ", ".join(sorted(map(str, lo))) + "}" + sig
        elif (lo, hi) != (init[p.label].iloc[0], init[p.label].iloc[1]):
            box.limits[p.label] = f"{_num(lo)} to {_num(hi)}{sig}"
    return box


# ---- the report --------------------------------------------------------------------------------

def analyze(store: Store, out: str | Path, prim: Sequence[PrimTarget] = (), plots: bool = True) -> Report:
    """Sensitivity of every KPI, PRIM boxes of the design's (and `prim`'s) conditions, plots and a
    short text report, written to `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    design = store.design()
    plan = store.plan()
    table = store.table()
    kpis = [k for k in store.kpis if k in table.columns]
    sens = [sensitivity(design, plan, table, k) for k in kpis]
    boxes = [prim_box(design, table, t) for t in [*design.analysis.prim, *prim]]
    files = [out / "report.txt", out / "sensitivity.csv", out / "prim_boxes.csv"]
    text = report_text(store, design, table, kpis, sens, boxes)
    files[0].write_text(text + "\n", encoding="utf-8")
    long = [s.table.reset_index().melt(id_vars="parameter", var_name="measure").assign(kpi=s.kpi, method=s.method)
            for s in sens if s.table is not None]
    (pd.concat(long, ignore_index=True)[["kpi", "method", "parameter", "measure", "value"]] if long
     else pd.DataFrame(columns=["kpi", "method", "parameter", "measure", "value"])).to_csv(files[1], index=False)
    pd.DataFrame([{"condition": b.target.title, "kpi": b.target.kpi, "above": b.target.above, "below": b.target.below,
                   "cases": b.cases, "runs": b.runs, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                   "limits": "; ".join(f"{k}: {v}" for k, v in b.limits.items()), "note": b.note}
                  for b in boxes]).to_csv(files[2], index=False)
    if plots:
        from experiments.sweep import plots as pl

        files += pl.write_all(out, design, table, kpis, sens, boxes)
    return Report(text, sens, boxes, files)


def _code(record: dict) -> str:
    """A session's (or the store's) code: its version, and the hash of its files when recorded."""
    files = record.get("code_sha256")
    return (record.get("code_version") or "?") + (f" (files {files[:12]})" if isinstance(files, str) else "")


def report_text(store: Store, design: Design, table: pd.DataFrame, kpis: list[str], sens: list[Sensitivity],
                boxes: list[Box]) -> str:
    m = store.manifest
    status = table["status"].value_counts()
    points = table["sample"].nunique()
    versions = sorted({_code(s) for s in m.get("sessions", [])} or {_code(m)})
    lines = [f"Sweep {design.name!r}: {design.sampler.method} design, {points} points x {design.replicates} seed(s) = "
             f"{len(table)} runs; {status.get('ok', 0)} ok, {status.get('error', 0)} failed, "
             f"{status.get('missing', 0)} missing",
             f"  store {store.path}; code {', '.join(versions)}"]
    if status.get("error", 0):
        top = table.loc[table["status"] == "error", "error"].value_counts()
        lines.append(f"  errors: {top.index[0]} ({top.iloc[0]} runs)" + (f" and {len(top) - 1} other messages"
                                                                            if len(top) > 1 else ""))
    ok = table[table["status"] == "ok"]
    lines += ["", "KPIs over the runs: mean [5 % - 95 %]"]
    for k in kpis:
        v = ok[k].to_numpy(dtype=float)
        unit = KPIS[k].unit if k in KPIS else ""
        if len(v):
            lo, hi = np.percentile(v, [5, 95], method="inverted_cdf")      # values some run had
            lines.append(f"  {k:32s} {_num(v.mean()):>12s} [{_num(lo)} - {_num(hi)}] {unit}")
    title = {"sobol": "Sobol indices: first order S1 and total ST, 95 % bootstrap intervals",
             "morris": "Morris elementary effects: mu* (95 % bootstrap interval) and sigma",
             "rbd-fast": "first-order indices S1 by RBD-FAST, 95 % bootstrap intervals",
             "main effects": "main effects: spread of the KPI's mean over each parameter's levels"}
    if sens:
        lines += ["", f"Sensitivity ({title[sens[0].method]})"]
    for s in sens:
        if s.table is None:
            lines.append(f"  {s.kpi}: not computed ({s.note})")
            continue
        lines.append(f"  {s.kpi}" + (f" ({s.note})" if s.note else ""))
        for name, row in s.table.sort_values(s.main, ascending=False).iterrows():
            lines.append(f"    {name:40s} {_row(s.method, row)}")
    if boxes:
        lines += ["", "Scenario discovery (PRIM, EMA Workbench): where the condition mostly holds"]
    for b in boxes:
        lines.append(f"  {b.target.title}: {b.cases} of {b.runs} runs")
        if b.prim is None:
            lines.append(f"    no box: {b.note}")
            continue
        lines.append(f"    box: coverage {b.coverage:.2f}, density {b.density:.2f}, mass {b.mass:.2f}"
                     + (f" ({b.note})" if b.note else ""))
        for k, v in b.limits.items():
            lines.append(f"      {k:38s} {v}")
        if not b.limits:
            lines.append("      (no input restricted)")
    return "\n".join(lines)


def _row(method: str, r: pd.Series) -> str:
    if method == "sobol":
        return f"S1 {r.S1:6.3f} ± {r.S1_conf:.3f}   ST {r.ST:6.3f} ± {r.ST_conf:.3f}"
    if method == "morris":
        return f"mu* {_num(r.mu_star):>10s} ± {_num(r.mu_star_conf)}   sigma {_num(r.sigma)}"
    if method == "rbd-fast":
        return f"S1 {r.S1:6.3f} ± {r.S1_conf:.3f}"
    if not r.lowest_at:
        return f"range {_num(r['range']):>10s} (the same mean at every level)"
    return f"range {_num(r['range']):>10s} (lowest at {r.lowest_at}, highest at {r.highest_at})"

"""The planner's numbers: the figures a COA or ministry planner asks for first, each as a daily
series (for the card's sparkline and trend) computed from what the run records.

Where each figure comes from (`planner_series` is the one place to point at new model outputs):

* children in emergency reception — `children_in_emergency` (recorder; minors in emergency or
  crisis emergency locations);
* moves per person-year — persons moved between locations per person-year in a reception bed,
  over a 28-day window: `moves` ÷ (`in_bed` summed ÷ 365) (recorder); for children the same with
  the minors moved and minors in a bed (`viz.session.ViewSeries`). When `Results.churn()` gains
  `moves_per_person_year` and `children_moves_per_year`, their run totals replace `_moves_rate`;
* decision time — days from arrival to the first IND decision of the persons decided each day in
  the regular procedure, median and 90th percentile, as the model records them
  (`decision_days_median_regular`, `decision_days_p90_regular`; the last day with a decision);
* people without a bed — tonight (`unsheltered`) and the person-nights so far (its sum);
* cost against the stable stock — the cost so far minus the cost of the same days in the
  counterfactual run (`viz.counterfactual`), EUR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viz.session import Snapshot

WINDOW_DAYS = 28


@dataclass
class Figure:
    key: str
    title: str
    value: str                 # the figure now, formatted
    sub: str                   # what it means / a second figure
    series: np.ndarray         # one value per simulated day (NaN where not defined), for the sparkline
    trend: str = ""            # change over the last WINDOW_DAYS days, in words
    worse: bool | None = None  # True: the trend is bad for people or the budget; None: no trend yet


def _window_sum(a: np.ndarray, w: int = WINDOW_DAYS) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(a, dtype=float)])
    k = np.arange(1, len(a) + 1)
    return c[k] - c[np.maximum(k - w, 0)]


def _moves_rate(moved: np.ndarray, in_bed: np.ndarray) -> np.ndarray:
    """Moves per person-year in a bed over the trailing window (NaN without anyone in a bed)."""
    years = _window_sum(in_bed) / 365.0
    return np.divide(_window_sum(moved), years, out=np.full(len(moved), np.nan), where=years > 0)


def moves_per_person_year(snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """(all persons, children): moves between locations per person-year in a bed, 28-day window."""
    d = snap.day
    ex = snap.extra
    return (_moves_rate(snap.x["moves"], snap.x["in_bed"]),
            _moves_rate(ex.children_moved[:d].astype(float), ex.children_in_bed[:d].astype(float)))


def moves_so_far(snap: Snapshot) -> tuple[float, float]:
    """Moves per person-year in a bed over the whole run so far (all, children)."""
    d = snap.day
    ex = snap.extra
    years = snap.x["in_bed"].sum() / 365.0
    kid_years = ex.children_in_bed[:d].sum() / 365.0
    return (float(snap.x["moves"].sum() / years) if years else float("nan"),
            float(ex.children_moved[:d].sum() / kid_years) if kid_years else float("nan"))


def decision_time_days(snap: Snapshot, track: str = "regular") -> tuple[np.ndarray, np.ndarray]:
    """Days from arrival to the first IND decision of the persons decided each day on `track`
    (median, 90th percentile; `model.metrics`, the columns `decision_days_*` of daily.csv).
    NaN on days without a decision on that track."""
    return snap.x[f"decision_days_median_{track}"], snap.x[f"decision_days_p90_{track}"]


def _last_finite(series: np.ndarray) -> float:
    ok = np.flatnonzero(np.isfinite(series))
    return float(series[ok[-1]]) if len(ok) else float("nan")


def _trend(series: np.ndarray, fmt, higher_is_worse: bool = True) -> tuple[str, bool | None]:
    ok = np.flatnonzero(np.isfinite(series))
    if len(ok) < 2:
        return "", None
    now = series[ok[-1]]
    past = ok[ok <= ok[-1] - WINDOW_DAYS]
    base = series[past[-1]] if len(past) else series[ok[0]]
    change = now - base
    span = min(WINDOW_DAYS, ok[-1] - (past[-1] if len(past) else ok[0]))
    days = f"{span} day{'s' if span != 1 else ''}"
    if abs(change) < 1e-9:
        return f"= no change in {days}", False
    arrow = "▲" if change > 0 else "▼"
    return f"{arrow} {fmt(abs(change))} in {days}", (change > 0) == higher_is_worse


def phase_changes(snap: Snapshot) -> list[tuple[int, int, int]]:
    """(day, phase before, phase after) of every change of the plan's phase so far, named by the
    day index as the decision log names it (the phase recorded at the end of that day changed);
    [] when the plan is not active. The same days as `Results.daily["phase"]` and the plan's
    scale-up and scale-down lines in `Results.events`."""
    if snap.phase is None or not snap.day:
        return []
    ph = np.asarray(snap.phase, dtype=np.int64)
    before = np.concatenate([[0], ph[:-1]])
    return [(int(d), int(before[d]), int(ph[d])) for d in np.flatnonzero(ph != before)]


MAX_PHASE_CHANGES_SHOWN = 6


def phase_story(snap: Snapshot) -> tuple[str, bool | None, str]:
    """The phase card's answer to "when did each phase trigger, and scale down?": (its trend line:
    the last change, ▲ up (worse) or ▼ down; whether it is worse; every change so far, oldest first,
    the last MAX_PHASE_CHANGES_SHOWN when there were more). ('', None, '') without a change."""
    changes = phase_changes(snap)
    if not changes:
        return "", None, ""
    day, was, now = changes[-1]
    date = str(snap.dates[day])[:10]
    trend = f"{'▲ up' if now > was else '▼ down'} from phase {was} on day {day} ({date})"
    shown = [f"day {d} → {a}" for d, _b, a in changes[-MAX_PHASE_CHANGES_SHOWN:]]
    earlier = len(changes) - len(shown)
    story = "changes: " + (f"{earlier} earlier, " if earlier else "") + ", ".join(shown)
    return trend, now > was, story


def planner_series(snap: Snapshot, counterfactual_cost: np.ndarray | None = None,
                   counterfactual_note: str = "") -> list[Figure]:
    """The planner's cards for the days simulated so far (see the module's docstring)."""
    d = snap.day
    x = snap.x
    out = []

    kids = x["children_in_emergency"].astype(float)
    t, w = _trend(kids, lambda v: f"{v:,.0f}")
    out.append(Figure("children", "Children in emergency reception (noodopvang)",
                      f"{kids[-1]:,.0f}" if d else "–",
                      "minors in emergency (noodopvang) or crisis emergency (crisisnoodopvang) locations", kids, t, w))

    rates, so_far = moves_per_person_year(snap), moves_so_far(snap)
    for key, title, who, rate, total in zip(("moves", "moves-children"),
                                            ("Moves per person-year (verhuisbewegingen)", "Moves per child-year"),
                                            ("persons", "minors"), rates, so_far):
        t, w = _trend(rate, lambda v: f"{v:.2f}")
        out.append(Figure(key, title, f"{rate[-1]:.2f}" if d and np.isfinite(rate[-1]) else "–",
                          (f"last {WINDOW_DAYS} days; run so far {total:.2f}" if d
                           else f"{who} moved per year in a bed"),
                          rate, t, w))

    wait, wait_p90 = decision_time_days(snap)
    median, p90 = _last_finite(wait), _last_finite(wait_p90)
    t, w = _trend(wait, lambda v: f"{v:,.0f} days")
    out.append(Figure("decision-time", "IND decision time, regular procedure",
                      f"{median:,.0f} days" if np.isfinite(median) else "–",
                      (f"median from arrival to first decision; p90 {p90:,.0f} days" if np.isfinite(p90)
                       else "median days from arrival to the first decision"), wait, t, w))

    uns = x["unsheltered"].astype(float)
    t, w = _trend(uns, lambda v: f"{v:,.0f}")
    out.append(Figure("unsheltered", "Without a bed tonight",
                      f"{uns[-1]:,.0f}" if d else "–", f"{uns.sum():,.0f} person-nights so far", uns, t, w))

    cost = np.cumsum(x["cost_eur"]) / 1e6
    if counterfactual_cost is not None and len(counterfactual_cost) >= d:
        diff = cost - np.cumsum(counterfactual_cost[:d]) / 1e6
        t, w = _trend(diff, lambda v: f"EUR {v:,.0f} M")
        sign = "+" if d and diff[-1] >= 0 else ""
        out.append(Figure("cost", "Cost against the stable stock",
                          f"{sign}EUR {diff[-1]:,.0f} M" if d else "–",
                          # what the figure is, so that the run's own cost beside it is not read as the difference
                          f"this run: EUR {cost[-1] / 1e3 if d else 0:,.2f} bn so far; "
                          + (f"the difference is {counterfactual_note}" if counterfactual_note.startswith("against")
                             else counterfactual_note), diff, t, w))
    else:
        t, w = _trend(cost, lambda v: f"EUR {v:,.0f} M")      # (not a comparison: the title says so)
        out.append(Figure("cost", "Cost of reception so far",
                          f"EUR {cost[-1] / 1e3:,.2f} bn" if d else "–",
                          counterfactual_note or "stable-stock run: computing…", cost, t, w))
    return out


def sparkline_svg(series: np.ndarray, width: int = 120, height: int = 28, colour: str = "#0b3d91") -> str:
    """A tiny inline SVG line of a series (NaN gaps dropped); '' for fewer than two points."""
    y = np.asarray(series, float)
    ok = np.flatnonzero(np.isfinite(y))
    if len(ok) < 2:
        return ""
    if len(ok) > width:                      # one point per pixel column is enough
        ok = ok[np.linspace(0, len(ok) - 1, width).astype(int)]
    v = y[ok]
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo or 1.0
    xs = (ok - ok[0]) / max(ok[-1] - ok[0], 1) * (width - 2) + 1
    ys = height - 2 - (v - lo) / span * (height - 4)
    pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="trend"><polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{pts}"/></svg>')

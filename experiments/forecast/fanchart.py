"""The fan chart: the history up to the origin, then the median and the 50 % and 90 % bands.

Three panels share the time axis: persons in reception (with places needed at the target
occupancy and usable places), permit holders waiting for a home, and the inflow multipliers the
members ran on. Dots are recorded counts, lines before the origin a run's own history.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from experiments.forecast.ensemble import BAND_MEMBERS, Forecast
from experiments.forecast.labels import percent, thousands
from model import prognosis

POPULATION = "persons in reception (in de opvang)"
PERMIT_HOLDERS = "permit holders waiting for a home (vergunninghouders)"


def _fan(ax, dates, values, colour, label):
    q = prognosis.band(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    ax.fill_between(dates, q[0], q[4], color=colour, alpha=0.15, lw=0, label=f"{label}: 90 % band")
    ax.fill_between(dates, q[1], q[3], color=colour, alpha=0.3, lw=0, label=f"{label}: 50 % band")
    ax.plot(dates, q[2], color=colour, lw=1.6, label=f"{label}: median")


def _history(ax, f: Forecast, key: str, colour: str) -> None:
    dates, values = f.origin.history.get(key, ([], np.array([])))
    if len(dates) == 0:
        return
    d = pd.to_datetime(dates)
    # the last months before the origin, and always the last point: a record start's count may be years old
    keep = d >= min(pd.Timestamp(f.origin.date) - pd.DateOffset(months=max(24, f.months)), d.max())
    if f.origin.record is not None:
        ax.scatter(d[keep], values[keep], color=colour, edgecolor="black", zorder=5, s=22,
                   label="recorded (known on the origin)")
    else:
        ax.plot(d[keep], values[keep], color=colour, lw=1.0, ls="--", label="the run before the origin")


TITLE_WIDTH = 110       # characters a line of the title (9.5 inches at 10 points; longer lines were cut off)


def title(f: Forecast) -> str:
    """The chart's title: origin, members and the inflow assumed (a band named with its levels),
    wrapped to lines that fit the figure."""
    import textwrap

    inflow = {"scenario": "the scenario's arrivals", "persistence": "arrivals as in the last months (persistence)"}
    text = (f"Forecast (prognose) from {f.origin.date.day} {f.origin.date:%B %Y}: {f.members} members, "
            f"{inflow.get(f.inflow, f.inflow)}"
            + ("" if f.recorded_months() is None else " (recorded after the origin: the inflow that came, not known "
               "on it)")
            + ("" if f.errors is None else ", erring as persistence has erred")
            + ("" if f.band is None else f", scaled to a band of {f.band.low:,.0f} to {f.band.high:,.0f} first "
               f"applicants a year (--inflow-band: levels, not a probability)"))
    lines = textwrap.wrap(text, TITLE_WIDTH)
    if f.members < BAND_MEMBERS:
        lines += textwrap.wrap(f"fewer than {BAND_MEMBERS} members: the light band is the members' range, not a "
                               f"90 % band", TITLE_WIDTH)
    return "\n".join(lines)


def plot(f: Forecast, path: str | Path, truth: dict[str, tuple[list, list]] | None = None) -> Path:
    """Write the fan chart PNG; `truth` adds later recorded points (quantity -> (dates, values))."""
    import matplotlib.pyplot as plt

    fig = figure(f, truth)
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def figure(f: Forecast, truth: dict[str, tuple[list, list]] | None = None):
    """The fan chart as a matplotlib figure (`plot` writes it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = f.prognosis
    d = pd.to_datetime(p.dates)
    fig, axes = plt.subplots(3, 1, figsize=(13.5, 9), sharex=True, gridspec_kw={"height_ratios": [3, 2, 1]},
                             layout="constrained")   # (makes room for the legends beside the panels)
    ax, ax2, ax3 = axes
    _fan(ax, d, p.population, "tab:blue", POPULATION)
    need = p.places_needed(f.occupancy)["national"]
    ax.plot(d, prognosis.band(need, 0.5), color="tab:purple", lw=1.1, ls=":",
            label=f"places needed at {percent(f.occupancy)} occupancy (benodigde plaatsen): median")
    ax.plot(d, prognosis.band(need, 0.95), color="tab:purple", lw=1.1, ls="--",
            label="places needed: top of the 90 % band (p95)")
    ax.plot(d, prognosis.band(p.capacity_by_kind.sum(axis=2), 0.5), color="black", lw=0.9,
            label="usable places (capaciteit): median")
    _history(ax, f, "population", "tab:blue")
    _fan(ax2, d, p.permit_holders, "tab:green", PERMIT_HOLDERS)
    _history(ax2, f, "permit_holders", "tab:green")
    for key, a in (("population", ax), ("permit_holders", ax2)):
        if truth and truth.get(key) and len(truth[key][0]):
            a.scatter(pd.to_datetime(truth[key][0]), truth[key][1], marker="x", color="tab:red", zorder=6,
                      label="recorded later (not used)")
    for h, date in f.horizon_dates().items():
        for a in axes:
            a.axvline(pd.Timestamp(date), color="grey", lw=0.6, ls=":")
        ax.annotate(f"{h} months", (pd.Timestamp(date), 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                    ha="center", va="bottom", color="grey")
    q = prognosis.band(f.multipliers, [0.05, 0.5, 0.95])
    ax3.fill_between(d, q[0], q[2], color="tab:orange", alpha=0.25, lw=0, label="90 % band")
    ax3.plot(d, q[1], color="tab:orange", lw=1.2, label="median")
    ax3.axhline(1.0, color="grey", lw=0.6)
    ax3.set_ylabel("arrivals × assumed\n(instroom)")
    ax.set_ylabel("persons / places")
    ax2.set_ylabel("persons")
    for a in (ax, ax2):
        thousands(a)
    for a in axes:
        a.grid(alpha=0.3)
        a.axvline(pd.Timestamp(f.origin.date), color="black", lw=0.8)
    ax3.annotate("origin", (pd.Timestamp(f.origin.date), 0.0), xycoords=("data", "axes fraction"), fontsize=7,
                 ha="right", va="bottom", color="black", xytext=(-2, 2), textcoords="offset points")
    for a in axes:     # beside its panel, not on it: inside, "best" found no free spot and covered the bands
        a.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_title(title(f), fontsize=10, pad=14)
    return fig

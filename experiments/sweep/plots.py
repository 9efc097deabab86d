"""The analysis' figures (PNG): sensitivity bars per KPI (tornado order), PRIM's trade-off and
box, and scatter matrices of the KPIs and of inputs against KPIs."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.sweep.analyze import Box, Sensitivity
from experiments.sweep.design import Design

MAX_PANELS = 12        # KPIs in the sensitivity figure
MAX_SCATTER = 6        # KPIs in the scatter matrices


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def sensitivity_figure(sens: list[Sensitivity]):
    """One panel per KPI: the parameters as horizontal bars, largest on top (tornado)."""
    plt = _plt()
    shown = [(s, s.table) for s in sens if s.table is not None][:MAX_PANELS]
    if not shown:
        return None
    cols = min(3, len(shown))
    rows = math.ceil(len(shown) / cols)
    n_par = len(shown[0][1])
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 0.9 + rows * (0.45 * n_par + 1.0)), squeeze=False)
    for ax, (s, table) in zip(axes.flat, shown):
        t = table.sort_values(s.main)
        y = np.arange(len(t))
        if s.method == "sobol":
            ax.barh(y + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], color="#9ecae1", label="total ST")
            ax.barh(y - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], color="#3182bd", label="first order S1")
        elif s.method == "morris":
            ax.barh(y, t["mu_star"], 0.6, xerr=t["mu_star_conf"], color="#3182bd", label="μ*")
            ax.plot(t["sigma"], y, "o", color="#e6550d", label="σ")
        elif s.method == "rbd-fast":
            ax.barh(y, t["S1"], 0.6, xerr=t["S1_conf"], color="#3182bd", label="first order S1 (RBD-FAST)")
        else:
            ax.barh(y, t["range"], 0.6, color="#3182bd", label="spread of level means")
        ax.set_xlim(*x_limits(s.method, t))
        ax.axvline(0.0, color="0.4", linewidth=0.6)      # a negative estimate reads as one
        ax.set_yticks(y, [_short(i) for i in t.index], fontsize=8)
        ax.set_title(s.kpi, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    fig.suptitle({"sobol": "Sobol indices (95 % bootstrap intervals)", "morris": "Morris μ* and σ",
                  "rbd-fast": "First-order indices, RBD-FAST (95 % bootstrap intervals)",
                  "main effects": "Main effects (grid)"}[shown[0][0].method], fontsize=10)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 0.97 if len(handles) < 2 else 0.93))
    if len(handles) > 1:                  # one legend for all panels, under the title
        fig.legend(handles, labels, loc="upper center", ncol=len(handles), fontsize=8,
                   bbox_to_anchor=(0.5, 0.955), frameon=False)
    return fig


# per method: (estimate, its interval's half-width or None) drawn, and the axis' reach at least
# (Sobol and RBD-FAST indices are shares of the KPI's variance: their 0-1 scale stays in view)
_DRAWN: dict[str, tuple[list[tuple[str, str | None]], float]] = {
    "sobol": ([("S1", "S1_conf"), ("ST", "ST_conf")], 1.0),
    "rbd-fast": ([("S1", "S1_conf")], 1.0),
    "morris": ([("mu_star", "mu_star_conf"), ("sigma", None)], 0.0),
    "main effects": ([("range", None)], 0.0)}
MARGIN = 0.05          # of the span, either side


def x_limits(method: str, table: pd.DataFrame) -> tuple[float, float]:
    """The sensitivity panel's x-axis: from 0 (or the lowest estimate - interval, when below 0: a
    negative index says the sample is too small, and it shows as a bar to the left) to the highest
    estimate + interval (at least 1 for Sobol and RBD-FAST), with a margin of `MARGIN` of the span
    either side, so that every bar and every interval is drawn whole. NaN (Morris' σ of one
    trajectory, an interval not computed) is left out."""
    drawn, reach = _DRAWN[method]
    lows, highs = [0.0], [reach]
    for value, half in drawn:
        v = table[value].to_numpy(dtype=float)
        h = np.zeros_like(v) if half is None else np.abs(table[half].to_numpy(dtype=float))
        ends = np.concatenate([v - np.nan_to_num(h), v + np.nan_to_num(h)])
        ends = ends[np.isfinite(ends)]
        if ends.size:
            lows.append(float(ends.min()))
            highs.append(float(ends.max()))
    lo, hi = min(lows), max(highs)
    if hi <= lo:                   # every estimate 0: a unit axis
        hi = lo + 1.0
    pad = MARGIN * (hi - lo)
    return (lo - pad if lo < 0 else 0.0), hi + pad


def scatter_kpis(table: pd.DataFrame, kpis: list[str]):
    """Scatter matrix of the KPIs that vary, one point per run."""
    _plt()                      # the Agg backend before pandas draws
    ok = table[table["status"] == "ok"]
    varying = [k for k in kpis if ok[k].nunique() > 1][:MAX_SCATTER]
    if len(varying) < 2:
        return None
    axes = pd.plotting.scatter_matrix(ok[varying], figsize=(2.2 * len(varying), 2.2 * len(varying)), s=6,
                                      alpha=0.5, diagonal="hist")
    for ax in axes.flat:
        ax.xaxis.label.set_size(7)
        ax.yaxis.label.set_size(7)
        ax.tick_params(labelsize=6)
    fig = axes[0, 0].get_figure()
    fig.suptitle("KPIs, one point per run", fontsize=10)
    return fig


def scatter_inputs(design: Design, table: pd.DataFrame, kpis: list[str]):
    """Each input against each varying KPI, one point per run."""
    plt = _plt()
    ok = table[table["status"] == "ok"]
    varying = [k for k in kpis if ok[k].nunique() > 1][:MAX_SCATTER]
    labels = [p.label for p in design.parameters]
    if not varying:
        return None
    fig, axes = plt.subplots(len(varying), len(labels), figsize=(2.4 * len(labels), 2.0 * len(varying)),
                             squeeze=False)
    for i, k in enumerate(varying):
        for j, p in enumerate(design.parameters):
            ax = axes[i, j]
            x = ok[p.label]
            if not p.continuous:
                cats = sorted(x.astype(str).unique())
                x = x.astype(str).map({c: n for n, c in enumerate(cats)})
                ax.set_xticks(range(len(cats)), [_short(c, 12) for c in cats], fontsize=6, rotation=30)
            ax.scatter(x, ok[k], s=5, alpha=0.5)
            ax.tick_params(labelsize=6)
            if i == len(varying) - 1:
                ax.set_xlabel(_short(p.label), fontsize=7)
            if j == 0:
                ax.set_ylabel(_short(k, 22), fontsize=7)
    fig.suptitle("Inputs against KPIs, one point per run", fontsize=10)
    fig.tight_layout()
    return fig


def write_all(out: Path, design: Design, table: pd.DataFrame, kpis: list[str], sens: list[Sensitivity],
              boxes: list[Box]) -> list[Path]:
    """Every figure that applies, as PNG files in `out`; returns their paths."""
    plt = _plt()
    figures = {"sensitivity.png": sensitivity_figure(sens), "scatter_kpis.png": scatter_kpis(table, kpis),
               "scatter_inputs.png": scatter_inputs(design, table, kpis)}
    for n, b in enumerate(boxes, 1):
        if b.prim is None:
            continue
        slug = f"prim_{n}_{_slug(b.target.title)}"
        trade = b.prim.show_tradeoff()
        trade.suptitle(b.target.title, fontsize=9)
        figures[f"{slug}_tradeoff.png"] = trade
        b.prim.select(b.index)
        figures[f"{slug}_box.png"] = (b.prim.inspect(b.index, style="graph")[0] if b.limits else None)
    files = []
    for name, fig in figures.items():
        if fig is None:
            continue
        path = out / name
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        files.append(path)
    return files


def _short(text: str, n: int = 30) -> str:
    text = str(text)
    return text if len(text) <= n else "…" + text[-(n - 1):]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]

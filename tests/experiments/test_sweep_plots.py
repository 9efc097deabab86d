"""The sensitivity figure shows every estimate and its interval whole: a negative index (a sample
too small to estimate it) to the left of 0, an interval past 1 inside the axis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.sweep import Store, run_sweep
from experiments.sweep.analyze import Sensitivity, analyze
from experiments.sweep.design import design_from_dict
from experiments.sweep.plots import sensitivity_figure
from tests.experiments.test_sweep_support import Linear, toy_design


def _drawn(ax) -> tuple[list[float], list[tuple[float, float]]]:
    """The panel's bars as drawn: each bar's far end (its estimate) and each error bar's two ends."""
    ends = [p.get_x() + p.get_width() for p in ax.patches]
    intervals = []
    for c in ax.containers:
        err = getattr(c, "errorbar", None)
        if err is not None:
            for seg in err.lines[2][0].get_segments():
                intervals.append((float(seg[0][0]), float(seg[1][0])))
    return ends, intervals


def _inside(ax) -> None:
    lo, hi = ax.get_xlim()
    ends, intervals = _drawn(ax)
    assert ends and all(lo < x < hi for x in ends)
    assert all(lo < a and b < hi for a, b in intervals)


@pytest.mark.parametrize("method, table, limits", [
    # Sobol, by hand: S1 - S1_conf reaches -0.15 - 0.30 = -0.45, ST + ST_conf 0.90 + 0.35 = 1.25; the span
    # 1.70 with 5 % either side (0.085): (-0.535, 1.335). It was (0, 1.25): S1 of a cut off at 0, its
    # interval drawn from 0, and b's ST interval ending on the edge
    ("sobol", {"S1": [-0.15, 0.6], "S1_conf": [0.3, 0.1], "ST": [0.05, 0.9], "ST_conf": [0.1, 0.35]},
     (-0.535, 1.335)),
    # RBD-FAST: -0.2 - 0.1 = -0.3 to at least 1 (its 0-1 scale): span 1.3, margin 0.065
    ("rbd-fast", {"S1": [-0.2, 0.4], "S1_conf": [0.1, 0.3]}, (-0.365, 1.065)),
    # Morris: mu* 0.5 - 0.8 = -0.3 (an interval of a mean of absolute effects can pass 0) to 2.0 + 0.4 = 2.4;
    # sigma 1.0 and NaN (not drawn) within: span 2.7, margin 0.135
    ("morris", {"mu_star": [2.0, 0.5], "mu_star_conf": [0.4, 0.8], "sigma": [1.0, np.nan]}, (-0.435, 2.535)),
    # main effects: spreads 3 and 1 from 0: (0, 3 + 0.15)
    ("main effects", {"range": [3.0, 1.0]}, (0.0, 3.15)),
])
def test_every_estimate_and_interval_is_inside_the_axis(method, table, limits):
    s = Sensitivity("y", method, pd.DataFrame(table, index=["a", "b"]))
    fig = sensitivity_figure([s])
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx(limits, abs=1e-12)
    _inside(ax)
    if method in ("sobol", "rbd-fast"):
        assert min(p.get_width() for p in ax.patches) < 0        # a negative estimate drawn as one


def test_a_small_stores_negative_indices_and_wide_intervals_are_drawn_whole(tmp_path):
    # Saltelli's N = 4 base points of a + 2b + 3c (seed 1): S1 of a and b below 0, intervals past 1 (c's S1
    # 0.51 ± 1.30); the figure was cut to (0, max(1, ST + ST_conf)) and showed neither
    d = design_from_dict(toy_design(sampler={"method": "saltelli", "samples": 4, "seed": 1}))
    run_sweep(d, tmp_path / "store", executor="serial", model=Linear(), log=lambda m: None)
    s = analyze(Store.open(tmp_path / "store"), tmp_path / "an", plots=False).sensitivity[0]
    t = s.table
    assert (t["S1"] < 0).sum() == 2 and (t["S1"] + t["S1_conf"]).max() > 1
    ax = sensitivity_figure([s]).axes[0]
    lo, hi = ax.get_xlim()
    for value, half in (("S1", "S1_conf"), ("ST", "ST_conf")):
        assert lo < (t[value] - t[half]).min() and (t[value] + t[half]).max() < hi
    _inside(ax)

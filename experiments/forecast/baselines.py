"""Benchmarks a forecast must beat, on the irregular record: persistence, seasonal naive, linear trend.

Each takes the recorded counts known on the origin (date, value), oldest first, and a target date,
and returns the forecast for that date, or None where it cannot be made:

* persistence — the last count;
* seasonal naive — the last count taken at the same time of year as the target (its day of the
  year within `SEASON_DAYS`); with the record's year-end counts this is the count of the last year
  end before a year-end target;
* linear trend — the least-squares line through the last `TREND_POINTS` counts (at least two),
  extrapolated to the target, never below zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

SEASON_DAYS = 45
TREND_POINTS = 3

Points = Sequence[tuple[dt.date, float]]


def persistence(points: Points, target: dt.date) -> float | None:
    return float(points[-1][1]) if points else None


def seasonal_naive(points: Points, target: dt.date, season_days: int = SEASON_DAYS) -> float | None:
    doy = target.timetuple().tm_yday
    for date, value in reversed(points):
        gap = abs(date.timetuple().tm_yday - doy)
        if min(gap, 365 - gap) <= season_days:
            return float(value)
    return None


def linear_trend(points: Points, target: dt.date, n: int = TREND_POINTS) -> float | None:
    recent = list(points)[-n:]
    if len(recent) < 2:
        return None
    t0 = recent[-1][0]
    x = np.array([(d - t0).days for d, _ in recent], float)
    y = np.array([v for _, v in recent], float)
    slope, intercept = np.polyfit(x, y, 1)
    return float(max(intercept + slope * (target - t0).days, 0.0))


BASELINES = {"persistence": persistence, "seasonal_naive": seasonal_naive, "linear_trend": linear_trend}

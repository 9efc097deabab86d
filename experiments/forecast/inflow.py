"""Inflow assumptions and their uncertainty, from how wrong a persistence forecast has been.

**Persistence** assumes arrivals go on at the mean daily rate of the last 12 known months.

**Its errors.** For a horizon of h months, the error at an origin t is

    e_h(t) = ln( mean first applications per day over the h months after t
                 / mean first applications per day over the 12 months before t ),

taken at every month start t of the record (known on the forecast's own origin) where both windows
are known. First applications only: they are the volatile part, recorded since 2013, while family
members (nareizigers) are known from 2014 on and partly assumed. The errors at 6, 12 and 24 months
are kept as empirical distributions (overlapping windows: neighbouring samples are not independent;
`windows` counts the non-overlapping ones, (span of origins) / h + 1).

**When the record is too short.** Before 2017 the known monthly record spans too few years for
non-overlapping windows at 12 and 24 months, and the yearly totals before 2013 are five years
apart. Where a horizon has fewer than `MIN_WINDOWS` windows, its error comes from a random walk in
log arrivals instead, whose variance at horizon h is v(h) = sigma^2 (1 + h/12) / 3 (the variance of
the difference between the mean over the next h months and the mean over the last 12 months of a
Brownian motion with sigma^2 per year); sigma^2 is the mean of d^2 / gap over the known yearly
totals, d the change in log first applications between two recorded years `gap` years apart
(1975-2012 every five years, then yearly). The walk goes on from the horizon before it: at the
6-month horizon e_6 = sqrt(v(6)) z; at a later one e_h = e_k + sqrt(v(h) - v(k)) z, k the horizon
before (empirical or not), z the standard normal quantile at the member's u.

**Paths.** A member draws one quantile u for all horizons (a member that is high at 6 months is
high at 12 and 24: comonotone), reads E_h = exp(e_h) at u, and multiplies the assumed arrivals by
E_6 for the first 6 months, 2 E_12 - E_6 for months 7-12 and 2 E_24 - E_12 from month 13 on, so
the mean over the first h months is E_h times the assumption (multipliers below `FLOOR` are raised
to it). Both first applicants and family members are multiplied.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from experiments.forecast.record import RecordAsOf, add_months, last_month, mean_rate

HORIZONS = (6, 12, 24)       # months
WINDOW_MONTHS = 12           # persistence window
MIN_WINDOWS = 4              # non-overlapping windows for an empirical error distribution
FLOOR = 0.05                 # lowest inflow multiplier of a path segment


@dataclass
class InflowErrors:
    """Log errors of persistence per horizon (months): empirical samples or a random walk."""

    as_of: dt.date
    samples: dict[int, np.ndarray] = field(default_factory=dict)     # empirical log errors
    windows: dict[int, int] = field(default_factory=dict)           # non-overlapping windows behind them
    walk_sigma: float = float("nan")                                # random-walk sigma per year (log)
    walk_pairs: int = 0                                             # yearly pairs behind it

    def method(self, h: int) -> str:
        """'empirical' or 'random walk' for horizon `h`."""
        return "empirical" if self.windows.get(h, 0) >= MIN_WINDOWS else "random walk"

    def walk_variance(self, h: int) -> float:
        """Variance of the log error of persistence at horizon `h` under the random walk."""
        return self.walk_sigma ** 2 * (1 + h / 12) / 3

    def quantile(self, h: int, u: np.ndarray) -> np.ndarray:
        """Log error at quantile(s) u of horizon h. A random-walk horizon goes on from the horizon
        before it (its quantile at the same u) by the walk's added variance, so a path stays whole
        where the record is long enough for 6 months but not for 24."""
        if self.method(h) == "empirical":
            return np.quantile(self.samples[h], u, method="weibull")
        before = [k for k in HORIZONS if k < h]
        z = stats.norm.ppf(u)
        if not before:
            return math.sqrt(self.walk_variance(h)) * z
        k = before[-1]
        return self.quantile(k, u) + math.sqrt(max(self.walk_variance(h) - self.walk_variance(k), 0.0)) * z

    def describe(self) -> list[str]:
        """One line per horizon: method, samples, median and 90 % range of the multiplier."""
        out = []
        for h in HORIZONS:
            lo, med, hi = np.exp(self.quantile(h, np.array([0.05, 0.5, 0.95])))
            if self.method(h) == "empirical":
                how = f"empirical, {len(self.samples[h])} monthly origins ({self.windows[h]} non-overlapping windows)"
            else:
                how = (f"random walk on from the horizon before, sigma {self.walk_sigma:.2f}/year from "
                       f"{self.walk_pairs} pairs of yearly totals (only {self.windows.get(h, 0)} non-overlapping "
                       f"windows in the monthly record)")
            out.append(f"{h:2d} months: multiplier median {med:.2f}, 90 % {lo:.2f}-{hi:.2f} ({how})")
        return out

    def draw(self, members: int, rng: np.random.Generator) -> np.ndarray:
        """Mean inflow multipliers E_h over the first h months, (member, horizon), comonotone."""
        u = rng.random(members)
        return np.exp(np.stack([self.quantile(h, u) for h in HORIZONS], axis=1))


def errors_as_of(record: RecordAsOf) -> InflowErrors:
    """Persistence errors from the record known on `record.origin` (see the module text)."""
    out = InflowErrors(record.origin)
    monthly = record.monthly_inflow("first")
    if monthly:
        months = sorted(monthly)
        persons = np.array([monthly[k] for k in months])
        days = np.array([_days_in(k) for k in months], float)
        for h in HORIZONS:
            out.samples[h], out.windows[h] = persistence_errors(persons, days, h)
    out.walk_sigma, out.walk_pairs = walk_sigma(record.yearly_first_applications())
    return out


def persistence_errors(persons: np.ndarray, days: np.ndarray, h: int,
                       window: int = WINDOW_MONTHS) -> tuple[np.ndarray, int]:
    """Log errors of persistence at horizon `h` months at every month start of a monthly series
    (persons and days per month) where both windows are inside it, and the number of
    non-overlapping windows behind them."""
    errs, origins = [], []
    for i in range(window, len(persons) - h + 1):
        before = persons[i - window:i].sum() / days[i - window:i].sum()
        after = persons[i:i + h].sum() / days[i:i + h].sum()
        if before > 0 and after > 0:
            errs.append(math.log(after / before))
            origins.append(i)
    return np.array(errs), ((origins[-1] - origins[0]) // h + 1 if origins else 0)


def walk_sigma(yearly: dict[int, float]) -> tuple[float, int]:
    """Random-walk sigma per year of log yearly totals: sqrt(mean(d^2 / gap)) over consecutive
    recorded years `gap` years apart; and the number of pairs (nan, 0 with fewer than two years)."""
    ys = sorted(y for y in yearly if yearly[y] > 0)
    pairs = [(math.log(yearly[b] / yearly[a]), b - a) for a, b in itertools.pairwise(ys)]
    if not pairs:
        return float("nan"), 0
    return math.sqrt(sum(d * d / gap for d, gap in pairs) / len(pairs)), len(pairs)


def _days_in(month: tuple[int, int]) -> int:
    y, m = month
    return (dt.date(y + m // 12, m % 12 + 1, 1) - dt.date(y, m, 1)).days


def daily_paths(factors: np.ndarray, origin: dt.date, days: int) -> np.ndarray:
    """Daily multipliers (member, day) from the mean multipliers E_h (member, horizon): E_6 for
    the first 6 months, 2 E_12 - E_6 for months 7-12, 2 E_24 - E_12 after (at least `FLOOR`)."""
    bounds = [0] + [(add_months(origin, h) - origin).days for h in HORIZONS[:-1]] + [days]
    e6, e12, e24 = factors[:, 0], factors[:, 1], factors[:, 2]
    segments = [e6, np.maximum(2 * e12 - e6, FLOOR), np.maximum(2 * e24 - e12, FLOOR)]
    out = np.empty((len(factors), days))
    for seg, a, b in zip(segments, bounds, bounds[1:]):
        out[:, min(a, days):min(b, days)] = seg[:, None]
    return out


@dataclass(frozen=True)
class Persistence:
    """Arrivals per day assumed from the origin on (first applicants, family members), and what
    they rest on."""

    first_per_day: float
    family_per_day: float
    basis: str


def persistence_from_record(record: RecordAsOf, family_fallback_per_year: float) -> Persistence:
    """The mean rates of the known months among the 12 calendar months up to the last known month
    (`RecordAsOf.known_inflow`: bridged months do not count; family members: the scenario's yearly
    figure when the record knows none yet)."""
    first, family = record.known_inflow("first"), record.known_inflow("family")
    end_first = last_month(first)
    rate_first = None if end_first is None else mean_rate(first, end_first)
    if end_first is None or rate_first is None:
        raise ValueError(f"no inflow figure known on {record.origin}")
    end_family = last_month(family)
    rate_family = None if end_family is None else mean_rate(family, end_family)
    basis = f"first applications: mean of the known months of the 12 to {end_first - dt.timedelta(days=1)}"
    if end_family is None or rate_family is None:
        rate_family = family_fallback_per_year / 365.25
        basis += f"; family members: none recorded yet, the scenario's {family_fallback_per_year:,.0f} a year"
    else:
        basis += f"; family members: mean of the known months of the 12 to {end_family - dt.timedelta(days=1)}"
    return Persistence(rate_first, rate_family, basis)


def persistence_from_world(world, origin_day: int) -> Persistence:
    """The mean expected arrivals of the world's inflow plan over the (up to) 365 days before the
    origin day; on day 0, the plan's first day."""
    lo = max(0, origin_day - 365)
    hi = max(origin_day, lo + 1)
    inflow = world.inflow
    return Persistence(float(inflow.first[lo:hi].mean()), float(inflow.family[lo:hi].mean()),
                       f"mean expected arrivals of the run's inflow plan, {world.dates[lo]} to "
                       f"{world.dates[hi - 1]}")


def assume(world, origin_day: int, p: Persistence):
    """The world with arrivals from the origin day on replaced by the persistence rates."""
    import dataclasses

    inflow = world.inflow
    first, family = inflow.first.copy(), inflow.family.copy()
    first[origin_day:] = p.first_per_day
    family[origin_day:] = p.family_per_day
    return dataclasses.replace(world, inflow=dataclasses.replace(inflow, first=first, family=family))

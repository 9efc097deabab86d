"""Inflow assumptions and their uncertainty, from how wrong a persistence forecast has been.

**Persistence** assumes arrivals go on at the mean daily rate of the last k known months. From
recorded figures k is **chosen at each origin** (`window_as_of`), from the record known on it only:
each candidate window of `WINDOWS` (3, 6, 12 months) is scored by how well its mean would have
forecast first applications on that record — at every month start t where the 12 months before t
and the 12 months from t are all known (`RecordAsOf.known_inflow`: no bridged month), the absolute
log error |ln(mean per day over the h months from t / mean per day over the k months before t)| at
h = 6 and 12 (`SCORE_HORIZONS`), averaged over t and h — and the lowest mean wins (a tie: the longer
window). With fewer than `MIN_SCORED` month starts scored (two years) the window is 12 months.
Family members keep the 12-month window (they are not what the windows were scored on). A start
from a run (`persistence_from_world`) keeps 12 months.

**Family members that follow** (`family_rule="follows"`, tried and not kept: docs/forecast.md). Family
members (nareizigers) join a sponsor whose permit came about a year and a half after the sponsor's
application (`FAMILY_LAG_MONTHS`, the IND in NRC, 19 October 2017). The rule takes the ratio r of the
family members of the last 12 known months to the first applications 18 months before each of them,
and from the last known month on assumes r times the first applications 18 months earlier — the
record's months while they reach, then r times the persistence rate. It follows the turns of 2018-2019
(from 1 January 2019: about 5,900 a year against 14,500 on persistence, 3,400 came) but with one fixed
lag and one ratio it turns the 2015 surge into far too many family members for 2017-2018, when the
IND's decisions on it had been spread out; on the rolling-origin backtest it lost to persistence.

**Its errors.** For a horizon of h months, the error at an origin t is

    e_h(t) = ln( mean first applications per day over the h months after t
                 / mean first applications per day over the k months before t ),

taken at every month start t of the record (known on the forecast's own origin) where both windows
are known. First applications only: they are the volatile part, recorded since 2013, while family
members (nareizigers) are known from 2014 on and partly assumed. The errors at 6, 12 and 24 months
are kept as empirical distributions (overlapping windows: neighbouring samples are not independent;
`windows` counts the non-overlapping ones, (span of origins) / h + 1).

**When the record is too short.** Before 2017 the known monthly record spans too few years for
non-overlapping windows at 12 and 24 months, and the yearly totals before 2013 are five years
apart. Where a horizon has fewer than `MIN_WINDOWS` windows, its error comes from a random walk in
log arrivals instead, whose variance at horizon h is v(h) = sigma^2 (k/12 + h/12) / 3 (the variance
of the difference between the mean over the next h months and the mean over the last k months of a
Brownian motion with sigma^2 per year; k = 12: sigma^2 (1 + h/12) / 3); sigma^2 is the mean of
d^2 / gap over the known yearly totals, d the change in log first applications between two
recorded years `gap` years apart (1975-2012 every five years, then yearly). The walk goes on from the
horizon before it: at the 6-month horizon e_6 = sqrt(v(6)) z; at a later one e_h = e_j +
sqrt(v(h) - v(j)) z, j the horizon before (empirical or not), z the standard normal quantile at the
member's u. (The window k enters only v(6): a later horizon adds v(h) - v(j), which does not depend
on it.)

**Centred** (`centre="centred"`, the default). The empirical samples are shifted by their median
at each horizon, e_h - median(e_h), so the median member assumes persistence itself: members spread
around the point assumption (the chosen window's mean) with the record's spread and skew, without
its drift. The drift is left out on purpose: from a short record it is the rise or fall of the few
years the samples come from (from 1 July 2017, the 2014-2015 rise: a median multiplier of
x1.35 at 6 months and x1.67 at 12; on 1 January 2017, with 2016 not yet published, x1.36 at both, the
12-month horizon being still a random walk), an estimate from a handful of non-overlapping windows, and a
random walk without drift — the flat line — is the benchmark a forecast of arrivals is held to.
`centre="drift"` keeps the samples as they are (the model before). The random walk is centred
either way (z = 0 at u = 1/2), and a walk horizon going on from a centred empirical one stays so.

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
WINDOW_MONTHS = 12           # persistence window: the fallback, a run's, and family members'
WINDOWS = (3, 6, 12)         # candidate persistence windows (months) chosen from at a record origin
SCORE_HORIZONS = (6, 12)     # months ahead the candidates are scored on
MIN_SCORED = 24              # month starts a choice needs (two years); fewer: WINDOW_MONTHS
CENTRES = ("centred", "drift")  # the empirical errors shifted to a median of 0 (default), or as recorded
MIN_WINDOWS = 4              # non-overlapping windows for an empirical error distribution
FLOOR = 0.05                 # lowest inflow multiplier of a path segment
# Family members (nareizigers) follow their sponsor's permit: the IND decides within fifteen months and
# the family is applied for within three months after, so the effect shows up to a year and a half
# later (IND spokesperson, NRC 19 October 2017, "Meer asielzoekers dan nareizigers naar Nederland").
FAMILY_LAG_MONTHS = 18
FAMILY_RULES = ("follows", "persistence")   # family members after the record: see persistence_from_record
FAMILY_RULE = "persistence"   # `follows` was tried and not kept (docs/forecast.md)


@dataclass
class InflowErrors:
    """Log errors of persistence per horizon (months): empirical samples or a random walk."""

    as_of: dt.date
    samples: dict[int, np.ndarray] = field(default_factory=dict)     # empirical log errors
    windows: dict[int, int] = field(default_factory=dict)           # non-overlapping windows behind them
    walk_sigma: float = float("nan")                                # random-walk sigma per year (log)
    walk_pairs: int = 0                                             # yearly pairs behind it
    window: int = WINDOW_MONTHS                                     # months of the persistence mean
    centre: str = "centred"                                         # CENTRES: median shifted to 0, or not

    def __post_init__(self) -> None:
        if self.centre not in CENTRES:
            raise ValueError(f"inflow errors: {self.centre!r} (choose {' or '.join(CENTRES)})")

    def drift(self, h: int) -> float:
        """The median log error of an empirical horizon: what centring removes (0 for a random-walk
        horizon, which has none)."""
        if self.method(h) != "empirical":
            return 0.0
        return float(np.quantile(self.samples[h], 0.5, method="weibull"))

    def method(self, h: int) -> str:
        """'empirical' or 'random walk' for horizon `h`."""
        return "empirical" if self.windows.get(h, 0) >= MIN_WINDOWS else "random walk"

    def walk_variance(self, h: int) -> float:
        """Variance of the log error of persistence at horizon `h` under the random walk (the mean
        over the next h months against the mean over the last `window` months)."""
        return self.walk_sigma ** 2 * (self.window / 12 + h / 12) / 3

    def quantile(self, h: int, u: np.ndarray) -> np.ndarray:
        """Log error at quantile(s) u of horizon h. A random-walk horizon goes on from the horizon
        before it (its quantile at the same u) by the walk's added variance, so a path stays whole
        where the record is long enough for 6 months but not for 24."""
        if self.method(h) == "empirical":
            shift = self.drift(h) if self.centre == "centred" else 0.0
            return np.quantile(self.samples[h], u, method="weibull") - shift
        before = [k for k in HORIZONS if k < h]
        z = stats.norm.ppf(u)
        if not before:
            return math.sqrt(self.walk_variance(h)) * z
        k = before[-1]
        return self.quantile(k, u) + math.sqrt(max(self.walk_variance(h) - self.walk_variance(k), 0.0)) * z

    def describe(self, months: int | None = None) -> list[str]:
        """One line per horizon: method, samples, median and 90 % range of the multiplier; for a
        forecast of `months` months, the horizons its members run on only (`horizons_used`), a
        horizon beyond its end saying which of its months run on it."""
        out = []
        used = HORIZONS if months is None else horizons_used(months)
        for h in used:
            lo, med, hi = np.exp(self.quantile(h, np.array([0.05, 0.5, 0.95])))
            if self.method(h) == "empirical":
                how = f"empirical, {len(self.samples[h])} monthly origins ({self.windows[h]} non-overlapping windows)"
                how += (f", centred (the record's median x{math.exp(self.drift(h)):.2f} removed)"
                        if self.centre == "centred" else
                        f", not centred (the record's median x{math.exp(self.drift(h)):.2f} kept)")
            else:
                how = (f"random walk on from the horizon before, sigma {self.walk_sigma:.2f}/year from "
                       f"{self.walk_pairs} pairs of yearly totals (only {self.windows.get(h, 0)} non-overlapping "
                       f"windows in the monthly record)")
            beyond = ""
            if months is not None and h > months:
                first = max((k for k in HORIZONS if k < h), default=0) + 1
                beyond = (f"; beyond this {months}-month forecast, whose month{'s' * (months > first)} "
                          f"{first}{f'-{months}' if months > first else ''} run{'s' * (months == first)} on it")
            out.append(f"{h:2d} months: multiplier median {med:.2f}, 90 % {lo:.2f}-{hi:.2f} ({how}; "
                       f"against the mean of the {self.window} months before{beyond})")
        return out

    def draw(self, members: int, rng: np.random.Generator) -> np.ndarray:
        """Mean inflow multipliers E_h over the first h months, (member, horizon), comonotone."""
        u = rng.random(members)
        return np.exp(np.stack([self.quantile(h, u) for h in HORIZONS], axis=1))


def errors_as_of(record: RecordAsOf, window: int = WINDOW_MONTHS, centre: str = "centred") -> InflowErrors:
    """Errors of persistence over `window` months (the forecast's own: `Persistence.window`) from
    the record known on `record.origin`, centred or with their drift (`CENTRES`; see the module text)."""
    out = InflowErrors(record.origin, window=window, centre=centre)
    monthly = record.monthly_inflow("first")
    if monthly:
        months = sorted(monthly)
        persons = np.array([monthly[k] for k in months])
        days = np.array([_days_in(k) for k in months], float)
        for h in HORIZONS:
            out.samples[h], out.windows[h] = persistence_errors(persons, days, h, window)
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


Month = tuple[int, int]


@dataclass(frozen=True)
class WindowChoice:
    """The persistence window chosen at an origin, and why (see the module text)."""

    window: int                                   # months
    scores: dict[int, float]                      # candidate window -> mean absolute log error (empty: fallback)
    scored: int                                   # month starts scored
    first: Month | None = None                    # the first and last month start scored
    last: Month | None = None

    @property
    def fallback(self) -> bool:
        return self.scored < MIN_SCORED

    def describe(self) -> str:
        """One sentence: the window, the scores, and what they rest on."""
        if self.fallback:
            return (f"{self.window} months: too little known record to choose ({self.scored} month starts with 12 "
                    f"known months before and after, fewer than {MIN_SCORED}), so the 12-month window")
        scores = ", ".join(f"{k} months {v:.3f}" for k, v in sorted(self.scores.items()))
        a, b = self.first, self.last
        assert a is not None and b is not None, "a scored choice has its first and last month"
        return (f"{self.window} months: chosen from {', '.join(map(str, WINDOWS))} by the mean absolute log error "
                f"of each window's mean against the next {' and '.join(map(str, SCORE_HORIZONS))} months' first "
                f"applications, at {self.scored} month starts {a[0]}-{a[1]:02d} to {b[0]}-{b[1]:02d} of the record "
                f"known on the origin ({scores}; lowest wins)")

    def as_dict(self) -> dict:
        """For a manifest."""
        return {"window_months": self.window, "candidates": list(WINDOWS), "score_horizons": list(SCORE_HORIZONS),
                "scores": {str(k): round(v, 4) for k, v in sorted(self.scores.items())},
                "month_starts_scored": self.scored, "fallback": self.fallback, "why": self.describe()}


def _step(month: Month, n: int) -> Month:
    y, m = divmod(month[0] * 12 + month[1] - 1 + n, 12)
    return y, m + 1


def _window_rate(known: dict[Month, float], start: Month, months: int) -> float | None:
    """Mean persons per day over `months` months from `start`, all in `known` (else None)."""
    ks = [_step(start, i) for i in range(months)]
    if not all(k in known for k in ks):
        return None
    return sum(known[k] for k in ks) / sum(_days_in(k) for k in ks)


def window_scores(known: dict[Month, float]) -> tuple[dict[int, float], list[Month]]:
    """Mean absolute log error of each candidate window's mean against the mean of the next
    `SCORE_HORIZONS` months, over the month starts t of `known` (persons per month, no hole filled)
    where the max(WINDOWS) months before t and the max(SCORE_HORIZONS) months from t are all known;
    and those month starts."""
    if not known:
        return {}, []
    back, ahead = max(WINDOWS), max(SCORE_HORIZONS)
    lo, hi = min(known), max(known)
    errs: dict[int, list[float]] = {k: [] for k in WINDOWS}
    starts = []
    t = _step(lo, back)
    while _step(t, ahead - 1) <= hi:
        level = [_window_rate(known, _step(t, -k), k) for k in WINDOWS]
        after = [_window_rate(known, t, h) for h in SCORE_HORIZONS]
        if all(level) and all(after):        # every month known (and no mean of 0)
            starts.append(t)
            for k, rate in zip(WINDOWS, level):
                errs[k].append(float(np.mean([abs(math.log(a / rate)) for a in after])))  # type: ignore[operator]
        t = _step(t, 1)
    return ({k: float(np.mean(v)) for k, v in errs.items()} if starts else {}), starts


def choose_window(known: dict[Month, float]) -> WindowChoice:
    """The candidate window with the lowest score on `known` (a tie: the longer one); with fewer
    than `MIN_SCORED` month starts scored, `WINDOW_MONTHS`."""
    scores, starts = window_scores(known)
    if len(starts) < MIN_SCORED:
        return WindowChoice(WINDOW_MONTHS, scores, len(starts), starts[0] if starts else None,
                            starts[-1] if starts else None)
    best = min(WINDOWS, key=lambda k: (scores[k], -k))
    return WindowChoice(best, scores, len(starts), starts[0], starts[-1])


def window_as_of(record: RecordAsOf) -> WindowChoice:
    """The persistence window chosen on the first applications known on `record.origin`."""
    return choose_window(record.known_inflow("first"))


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


def horizons_used(months: int) -> tuple[int, ...]:
    """The horizons whose multipliers a forecast of `months` months runs on (`daily_paths`): E_6
    from its first day, E_12 after 6 months, E_24 after 12."""
    return tuple(h for i, h in enumerate(HORIZONS) if i == 0 or months > HORIZONS[i - 1])


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
    they rest on. Family members arrive at `family_by_month`'s rate in the months it holds (the
    `follows` rule: persons a day, by calendar month after the last known one) and at
    `family_per_day` after them."""

    first_per_day: float
    family_per_day: float
    basis: str
    window: int = WINDOW_MONTHS                  # months of the first applications' mean
    choice: WindowChoice | None = None           # how the window was chosen (a start from the record)
    family_by_month: dict[Month, float] = field(default_factory=dict)   # persons a day (the follows rule)


def family_follows(record: RecordAsOf, first_per_day: float, lag: int = FAMILY_LAG_MONTHS
                   ) -> tuple[float, dict[Month, float], str] | None:
    """Family members that follow the first applications `lag` months before them (see the module
    text): the ratio r of the family members of the known months among the 12 up to the last known
    one to the first applications `lag` months before each of those months; then, for every month
    after the last known one, r times the first applications per day `lag` months before it — the
    record known on the origin (bridged months included) while it reaches, `first_per_day`
    (persistence) after. Returns (the rate after the record, the months before that, the basis), or
    None where the record knows no family month or not the first applications behind them."""
    family, first = record.known_inflow("family"), record.monthly_inflow("first")
    if not family or not first:
        return None
    last = max(family)
    months = [m for m in (_step(last, -i) for i in range(12)) if m in family]
    behind = [_step(m, -lag) for m in months]
    if not all(b in first for b in behind) or sum(first[b] for b in behind) <= 0:
        return None
    ratio = sum(family[m] for m in months) / sum(first[b] for b in behind)
    end = max(first)
    by_month, m = {}, _step(last, 1)
    while (b := _step(m, -lag)) <= end:
        by_month[m] = ratio * first[b] / _days_in(b)
        m = _step(m, 1)
    basis = (f"family members: {ratio:.2f} per first application {lag} months before (the family members of the "
             f"{len(months)} known months to {last[0]}-{last[1]:02d} over the first applications {lag} months "
             f"before them), on the record's first applications to {end[0]}-{end[1]:02d}, then on the "
             f"persistence rate")
    return ratio * first_per_day, by_month, basis


def persistence_from_record(record: RecordAsOf, family_fallback_per_year: float,
                            window: int | None = None, family_rule: str = FAMILY_RULE) -> Persistence:
    """The mean rates of the known months among the k calendar months up to the last known month
    (`RecordAsOf.known_inflow`: bridged months do not count): first applications over the window
    chosen at the origin (`window_as_of`; or `window` months if given); family members by
    `family_rule` — `follows` the first applications (`family_follows`) where the record allows,
    else (and with `persistence`) their mean over 12 months (the scenario's yearly figure when the
    record knows none yet)."""
    if family_rule not in FAMILY_RULES:
        raise ValueError(f"family rule: {family_rule!r} (choose {' or '.join(FAMILY_RULES)})")
    first, family = record.known_inflow("first"), record.known_inflow("family")
    choice = window_as_of(record) if window is None else None
    k = choice.window if choice is not None else window
    assert k is not None
    end_first = last_month(first)
    rate_first = None if end_first is None else mean_rate(first, end_first, k)
    if end_first is None or rate_first is None:
        raise ValueError(f"no inflow figure known on {record.origin}")
    end_family = last_month(family)
    rate_family = None if end_family is None else mean_rate(family, end_family)
    basis = f"first applications: mean of the known months of the {k} months to {end_first - dt.timedelta(days=1)}"
    if choice is not None:
        basis += f" (window {choice.describe()})"
    if end_family is None or rate_family is None:
        rate_family = family_fallback_per_year / 365.25
        basis += f"; family members: none recorded yet, the scenario's {family_fallback_per_year:,.0f} a year"
    else:
        follows = family_follows(record, rate_first) if family_rule == "follows" else None
        if follows is not None:
            rate_family, by_month, how = follows
            return Persistence(rate_first, rate_family, f"{basis}; {how}", k, choice, by_month)
        basis += f"; family members: mean of the known months of the 12 to {end_family - dt.timedelta(days=1)}"
    return Persistence(rate_first, rate_family, basis, k, choice)


def persistence_from_world(world, origin_day: int) -> Persistence:
    """The mean expected arrivals of the world's inflow plan over the (up to) 365 days before the
    origin day; on day 0, the plan's first day. Its basis says how many days it rests on when the run
    began less than a year before the origin (a shorter window, with the season of those days)."""
    lo = max(0, origin_day - 365)
    hi = max(origin_day, lo + 1)
    inflow = world.inflow
    short = "" if hi - lo >= 365 else (f": {hi - lo:,} day{'s' * (hi - lo != 1)}, not 12 months, as the run began "
                                       f"then (their season included)")
    return Persistence(float(inflow.first[lo:hi].mean()), float(inflow.family[lo:hi].mean()),
                       f"mean expected arrivals of the run's inflow plan, {world.dates[lo]} to "
                       f"{world.dates[hi - 1]}{short}")


def assume(world, origin_day: int, p: Persistence):
    """The world with arrivals from the origin day on replaced by the persistence rates."""
    import dataclasses

    inflow = world.inflow
    first, family = inflow.first.copy(), inflow.family.copy()
    first[origin_day:] = p.first_per_day
    family[origin_day:] = p.family_per_day
    return dataclasses.replace(world, inflow=dataclasses.replace(inflow, first=first, family=family))

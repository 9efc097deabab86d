"""Arrivals: expected persons per day (baseline level, yearly cycle, shocks) and who they are.

Expected arrivals are fixed arrays over the horizon, computed once; each day draws the actual
households from the arrivals stream, so variants on the same seed see the same people arrive.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from agents.applicants import Flag
from agents.keyed import poisson_count
from agents.products import whole_sums
from model.scenario import Inflow, Scenario


@dataclass
class InflowPlan:
    """Expected arrivals per day of the horizon (persons) and their composition."""

    first: np.ndarray          # first applicants per day
    family: np.ndarray         # family reunification arrivals per day
    border_share: np.ndarray   # share of first applicants entering at Schiphol
    low_share: np.ndarray      # share of first applicants from the lowest-recognition group
    entry_share: np.ndarray    # share of first applicants crossing at a shock's entry point
    entry_municipality: np.ndarray  # that entry point (municipality index), -1 when none
    # `on(day)`'s table, made on first use (a plan is never changed in place: a new level makes a new plan)
    _days: list[tuple[float, float, float, float, float]] | None = field(default=None, init=False, repr=False,
                                                                          compare=False)

    def on(self, day: int) -> tuple[float, float, float, float, float]:
        """Day `day`'s first applicants, family members, border share, entry share and low-recognition
        share, as floats (the arrays' values: one look-up instead of five)."""
        if self._days is None:
            self._days = list(zip(*(a.tolist() for a in (self.first, self.family, self.border_share,
                                                          self.entry_share, self.low_share))))
        return self._days[day]


def seasonal_factor(dates: list[dt.date], amplitude: float, peak_day: int) -> np.ndarray:
    doy = np.array([d.timetuple().tm_yday for d in dates], float)
    return 1.0 + amplitude * np.cos(2 * np.pi * (doy - peak_day) / 365.25)


def expected_inflow(sc: Scenario, dates: list[dt.date],
                    monthly: dict[tuple[int, int], tuple[float, float]] | None = None,
                    municipalities: list[str] | None = None) -> InflowPlan:
    """Expected arrivals per day. `monthly` maps (year, month) to (first, family) persons in that
    month; `municipalities` (names) resolves shock entry points."""
    f = sc.inflow
    season = seasonal_factor(dates, f.seasonality_amplitude, f.seasonality_peak_day_of_year)
    first = f.first_applications_per_year / 365.25 * season
    family = f.family_reunification_per_year / 365.25 * season
    if monthly:
        for i, d in enumerate(dates):
            m = monthly.get((d.year, d.month))
            if m is not None:
                days = (dt.date(d.year + d.month // 12, d.month % 12 + 1, 1) - dt.date(d.year, d.month, 1)).days
                first[i], family[i] = m[0] / days, m[1] / days
    base_low = min(sc.groups, key=lambda g: g.recognition).share
    border = np.full(len(dates), f.border_entry_share)
    low = np.full(len(dates), base_low)
    extra = np.zeros(len(dates))
    entry_extra = np.zeros(len(dates))
    entry_mun = np.full(len(dates), -1, np.int64)
    for s in f.shocks:
        on = np.array([s.start <= d <= s.end for d in dates])
        if not on.any():
            continue
        tot = first[on] + s.extra_persons_per_day
        some = tot > 0          # (a day nobody arrives on keeps its shares: 0/0 made them NaN)
        if s.border_entry_share is not None:
            mixed = border[on] * first[on] + s.extra_persons_per_day * s.border_entry_share
            border[on] = np.divide(mixed, tot, out=border[on], where=some)
        if s.low_recognition_share is not None:
            mixed = low[on] * first[on] + s.extra_persons_per_day * s.low_recognition_share
            low[on] = np.divide(mixed, tot, out=low[on], where=some)
        extra[on] += s.extra_persons_per_day
        if s.entry_municipality is not None:   # a municipality of this world (checked at load)
            entry_mun[on] = (municipalities or []).index(s.entry_municipality)
            entry_extra[on] += s.extra_persons_per_day
    total = first + extra
    entry_share = np.divide(entry_extra, total, out=np.zeros(len(dates)), where=total > 0)
    return InflowPlan(total, family, border, low, entry_share, entry_mun)


def before_start(start: dt.date) -> list[dt.date]:
    """The days from 1 January of the year before `start` to the day before `start`: what a rule that
    looks back one calendar year (`year_before_mean`) needs before a run's first day."""
    first = dt.date(start.year - 1, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((start - first).days)]


def year_before_mean(dates: list[dt.date], per_day: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Per day of `dates` (consecutive), the mean per day of `per_day` over the calendar year before
    that day's year (in 2022: the mean over 1 January - 31 December 2021). `before` holds the values
    of the days `before_start(dates[0])`; the result steps on 1 January."""
    if not dates:
        return np.zeros(0)
    series = np.concatenate([before, per_day])
    origin = dt.date(dates[0].year - 1, 1, 1)          # day 0 of `series`
    if len(before) != (dates[0] - origin).days:
        raise ValueError(f"year_before_mean: {len(before)} days before {dates[0]}, needs {(dates[0] - origin).days}")
    out = np.empty(len(dates))
    i = 0
    for year in range(dates[0].year, dates[-1].year + 1):
        lo, hi = (dt.date(year - 1, 1, 1) - origin).days, (dt.date(year, 1, 1) - origin).days
        n = min((dt.date(year + 1, 1, 1) - dates[0]).days, len(dates)) - i
        out[i:i + n] = series[lo:hi].mean()
        i += n
    return out


@dataclass
class Households:
    """Households drawn for one day (or for the initial stock)."""

    size: np.ndarray
    children: np.ndarray
    flags: np.ndarray
    key: np.ndarray


def draw_households(rng: np.random.Generator, expected_persons: float, size_shares: list[float],
                    uam_share_of_singles: float, vulnerable_share: float,
                    n_households: int | None = None) -> Households:
    """Households for `expected_persons` persons (Poisson number of households, drawn from the
    stream's first uniform by `agents.keyed.poisson_count`: at a higher rate the same households
    and more).

    In a household of two or more, one or two persons are adults (even odds) and the rest minors;
    a single person is an unaccompanied minor with the given share.
    """
    cdf, mean_size, _ = _size_table(tuple(size_shares))
    k = poisson_count(rng.random(), expected_persons / mean_size) if n_households is None else n_households
    if k == 0:  # zero-size draws consume nothing from the stream
        return Households(_EMPTY_I64, _EMPTY_I64, _EMPTY_U8, _EMPTY_U64)
    # One draw of 4k uniforms is the same stream as the four draws of k the rules describe:
    # household size (what `rng.choice(p=shares)` does), adults, unaccompanied, vulnerable.
    u = rng.random(4 * k)
    size = cdf.searchsorted(u[:k], side="right") + 1       # int64
    adults = np.where(size >= 2, 1 + (u[k:2 * k] < 0.5), 1)
    uam = (size == 1) & (u[2 * k:3 * k] < uam_share_of_singles)
    children = np.where(uam, 1, size - adults)
    flags = np.where(uam, _UAM, _NO_FLAG)
    flags |= np.where(u[3 * k:] < vulnerable_share, _VULNERABLE, _NO_FLAG)
    key = rng.integers(0, _INT64_MAX, size=k, dtype=np.int64).view(np.uint64)   # keys >= 0: same bits
    return Households(size, children, flags, key)


def draw_arrivals(rng: np.random.Generator, first_persons: float, family_persons: float, f: Inflow,
                  border_share: float, entry_share: float) -> tuple[Households, int]:
    """A day's arriving households, first applicants then family members, and how many are first
    applicants: what `draw_households` draws for the first applicants (`f.household_size_shares`,
    unaccompanied minors among single persons) and then for the family members
    (`f.family_household_size_shares`, none unaccompanied), in that order from `rng`, followed by
    one uniform per first applicant for entering at the border (below `border_share`: `AT_BORDER`)
    and, when `entry_share` > 0, one for a shock's entry point (below it: `AT_ENTRY`). Nothing more
    is drawn when no household arrives.

    The same households as the draws one by one, derived in one pass: a household's size class and
    the outcomes of its draws (two adults, unaccompanied, vulnerable, border, entry) make a code, and
    its size, minors and flags are looked up in a table by code (`_code_tables`)."""
    cdf1, mean1, cdf1_list = _size_table(tuple(f.household_size_shares))
    cdf2, mean2, cdf2_list = _size_table(tuple(f.family_household_size_shares))
    k1 = poisson_count(rng.random(), first_persons / mean1)
    if k1:
        u1 = rng.random(4 * k1)
        key1 = rng.integers(0, _INT64_MAX, size=k1, dtype=np.int64)
    k2 = poisson_count(rng.random(), family_persons / mean2)
    if k2:
        u2 = rng.random(4 * k2)
        key2 = rng.integers(0, _INT64_MAX, size=k2, dtype=np.int64)
    if k1 + k2 == 0:
        return Households(_EMPTY_I64, _EMPTY_I64, _EMPTY_U8, _EMPTY_U64), 0
    border: tuple[np.ndarray, ...] = (rng.random(k1),)
    # the limits below which the draws after the size class come out true: two adults,
    # unaccompanied, vulnerable, border (and entry); family members are never unaccompanied
    limits1 = [0.5, f.unaccompanied_minor_share_of_singles, f.vulnerable_share, border_share]
    if entry_share > 0:
        border += (rng.random(k1),)
        limits1.append(entry_share)
    limits2 = [0.5, 0.0, f.vulnerable_share]
    classes = max(len(cdf1), len(cdf2))
    if k1 + k2 <= _FEW:       # the usual day: the codes on Python numbers
        codes = _codes_few(np.concatenate((u1, *border)).tolist(), cdf1_list, limits1, classes) if k1 else []
        if k2:
            codes += _codes_few(u2.tolist(), cdf2_list, limits2, classes)
        code = np.array(codes, np.int64)
    else:
        parts = []
        if k1:
            parts.append(_codes(np.concatenate((u1, *border)).reshape(-1, k1), cdf1, limits1, classes))
        if k2:
            parts.append(_codes(u2.reshape(4, k2), cdf2, limits2, classes))
        code = parts[0] if len(parts) == 1 else np.concatenate(parts)
    size, children, flags = _code_tables(classes)
    if k1 and k2:    # (keys >= 0: the same bits as unsigned)
        key = np.concatenate((key1, key2), dtype=np.uint64, casting="unsafe")
    else:
        key = (key1 if k1 else key2).view(np.uint64)
    return Households(size[code], children[code], flags[code], key), k1


# At most this many households a day get their codes on Python numbers (`_codes_few`): below it
# that is as fast as the array operations of `_codes`
_FEW = 64


def _codes(u: np.ndarray, cdf: np.ndarray, limits: list[float], classes: int) -> np.ndarray:
    """The households' codes (`_code_tables`) from their uniforms `u` (rows: the size class, then
    one row per limit: true below it), int64."""
    outcomes = u[1:] < [[x] for x in limits]
    return whole_sums(_outcome_weights(classes, len(limits)), outcomes) + cdf.searchsorted(u[0], side="right")


def _codes_few(u: list[float], cdf: list[float], limits: list[float], classes: int) -> list[int]:
    """`_codes` on Python numbers: `u` the rows one after the other (`cdf`: as a list)."""
    k = len(u) // (len(limits) + 1)
    codes = [bisect_right(cdf, x) for x in u[:k]]      # what `searchsorted(side="right")` gives
    for j, limit in enumerate(limits):
        weight = classes << j
        codes = [c + weight if x < limit else c for c, x in zip(codes, u[(j + 1) * k:(j + 2) * k])]
    return codes


def _code_tables(classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Size, minors and flags of a household by its code (`draw_arrivals`): its size class (0 …
    `classes` - 1) plus `classes` × (1 two adults, 2 unaccompanied, 4 vulnerable, 8 border, 16 entry),
    the outcomes of its draws. As `draw_households` makes them: two adults only in a household of
    two or more, unaccompanied only a single person (one minor, no adult), the rest of a household
    minors. Kept per number of classes (read only)."""
    got = _CODE_TABLES.get(classes)
    if got is None:
        code = np.arange(classes * 32)
        size = code % classes + 1
        outcome = code // classes
        adults = np.where(size >= 2, 1 + (outcome & 1), 1)
        uam = (size == 1) & (outcome & 2 > 0)
        children = np.where(uam, 1, size - adults)
        flags = (np.where(uam, _UAM, _NO_FLAG) | np.where(outcome & 4 > 0, _VULNERABLE, _NO_FLAG)
                 | np.where(outcome & 8 > 0, _AT_BORDER, _NO_FLAG) | np.where(outcome & 16 > 0, _AT_ENTRY, _NO_FLAG))
        got = _CODE_TABLES[classes] = (size.astype(np.int64), children.astype(np.int64), flags.astype(np.uint8))
        for table in got:
            table.flags.writeable = False
    return got


def _outcome_weights(classes: int, n: int) -> np.ndarray:
    """The weights of the first `n` outcomes in a code (`_code_tables`), int64; kept (read only)."""
    got = _OUTCOME_WEIGHTS.get((classes, n))
    if got is None:
        got = _OUTCOME_WEIGHTS[(classes, n)] = classes * np.array([1, 2, 4, 8, 16][:n], np.int64)
        got.flags.writeable = False
    return got


_OUTCOME_WEIGHTS: dict[tuple[int, int], np.ndarray] = {}
_CODE_TABLES: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_UAM, _VULNERABLE, _NO_FLAG = np.uint8(Flag.UNACCOMPANIED_MINOR), np.uint8(Flag.VULNERABLE), np.uint8(0)
_AT_BORDER, _AT_ENTRY = np.uint8(Flag.AT_BORDER), np.uint8(Flag.AT_ENTRY)
_INT64_MAX = int(np.iinfo(np.int64).max)
_EMPTY_I64 = np.empty(0, np.int64)
_EMPTY_U8 = np.empty(0, np.uint8)
_EMPTY_U64 = np.empty(0, np.uint64)
_SIZE_TABLES: dict[tuple, tuple[np.ndarray, float, list[float]]] = {}


def mean_household_size(shares: list[float]) -> float:
    """Mean persons per household for household-size shares (sizes 1, 2, 3, …)."""
    return _size_table(tuple(shares))[1]


def _size_table(shares: tuple) -> tuple[np.ndarray, float, list[float]]:
    """Cumulative distribution (normalised as `Generator.choice` does), mean household size and
    the distribution as a list."""
    got = _SIZE_TABLES.get(shares)
    if got is None:
        p = np.asarray(shares, dtype=np.float64)
        cdf = p.cumsum()
        cdf /= cdf[-1]
        got = _SIZE_TABLES[shares] = (cdf, float((np.arange(1, len(p) + 1) * p).sum()), cdf.tolist())
    return got

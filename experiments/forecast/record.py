"""The packaged record as it stood on a forecast's origin: nothing dated after it can be read.

`RecordAsOf(origin)` is the only way the rolling-origin backtest reads the record. Every method
that takes a date refuses one after the origin (`FutureDataError`); every listing holds only what
was known on the origin:

* persons in COA reception and permit holders among them: the counts dated on or before it;
* inflow: the recorded (or assumed) period totals of `experiments.history.recorded_totals` whose
  figure was known by then — a quarter or half-year once it has ended, a figure derived from a
  year's total (the year minus its recorded quarters) once that year has ended — interpolated to
  months from those totals only (`monthly_inflow`), so no later total shapes an earlier month;
* yearly first applications (`asylum_applications_nl_yearly.csv`) of the years ended by then;
* national housing targets of the half-years that had begun by then.

Publication lags (weeks to months in reality) are ignored: a figure counts as known the day its
period ends. That is in the forecast's favour, and the same for the model and the baselines.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from experiments.history import LAST_MONTH, RecordPoint, Total, interpolate_monthly, record_points, recorded_totals
from model import data

QUANTITIES = ("population", "permit_holders")
_PERIOD_TOTAL = re.compile(r"recorded \d{4} (Q\d|H\d)|^assumption")


class FutureDataError(LookupError):
    """A record figure dated after the forecast's origin was asked for."""


def known_on(t: Total) -> dt.date:
    """The first day a period total is known: the day after its period (its `end`), or, for a
    figure derived from a year's total, the day after that year."""
    if _PERIOD_TOTAL.search(t.basis):
        return t.end
    year_end = dt.date(t.start.year + 1, 1, 1)
    return max(t.end, year_end)


def record_end() -> dt.date:
    """The day after the last month of the packaged inflow record."""
    y, m = LAST_MONTH
    return dt.date(y + m // 12, m % 12 + 1, 1)


@dataclass(frozen=True)
class RecordAsOf:
    """The record as known on `origin` (see the module text)."""

    origin: dt.date
    country: str = "nl"

    def check(self, date: dt.date) -> None:
        """Refuse a date after the origin."""
        if date > self.origin:
            raise FutureDataError(f"record date {date} is after the forecast origin {self.origin}")

    def as_of(self, date: dt.date) -> RecordAsOf:
        """The record as it was known on an earlier `date` (refused after the origin)."""
        self.check(date)
        return RecordAsOf(date, self.country)

    # --- occupancy --------------------------------------------------------------------------
    @cached_property
    def _points(self) -> tuple[RecordPoint, ...]:
        return tuple(record_points(dt.date(1900, 1, 1), self.origin, self.country))

    def points(self, quantity: str, since: dt.date | None = None) -> list[RecordPoint]:
        """Recorded counts of `quantity` dated on or before the origin (and on or after `since`)."""
        if quantity not in QUANTITIES:
            raise ValueError(f"quantity: {quantity!r} (known: {', '.join(QUANTITIES)})")
        return [p for p in self._points if p.quantity == quantity and (since is None or p.date >= since)]

    def value(self, date: dt.date, quantity: str) -> float:
        """The count recorded on `date` (refused after the origin; KeyError if none that day)."""
        self.check(date)
        for p in self.points(quantity):
            if p.date == date:
                return p.value
        raise KeyError(f"no {quantity} count recorded on {date}")

    def latest(self, quantity: str) -> RecordPoint | None:
        """The last count of `quantity` on or before the origin."""
        pts = self.points(quantity)
        return max(pts, key=lambda p: p.date) if pts else None

    # --- inflow ----------------------------------------------------------------------------------
    def inflow_totals(self, series: str) -> list[Total]:
        """Period totals of 'first' (first applications) or 'family' (nareizigers) known on the
        origin, contiguous from the first one. First applications reach back before the derived
        series through the consecutive years of the yearly file (2012)."""
        out = []
        for t in recorded_totals(series, self.country):
            if known_on(t) > self.origin:
                break
            out.append(t)
        if series == "first" and out:
            years = self.yearly_first_applications()
            y = out[0].start.year - 1
            while y in years and out[0].start == dt.date(y + 1, 1, 1):
                out.insert(0, Total(dt.date(y, 1, 1), dt.date(y + 1, 1, 1), years[y], f"recorded {y} (yearly file)"))
                y -= 1
        return out

    @cached_property
    def _monthly(self) -> dict[str, dict[tuple[int, int], float]]:
        out: dict[str, dict[tuple[int, int], float]] = {}
        for series in ("first", "family"):
            totals = self.inflow_totals(series)
            if not totals:
                out[series] = {}
                continue
            months = _month_starts(totals[0].start, totals[-1].end)
            values = interpolate_monthly(totals, months)
            out[series] = {(d.year, d.month): float(v) for d, v in zip(months, values)}
        return out

    def monthly_inflow(self, series: str) -> dict[tuple[int, int], float]:
        """Persons per month of `series`, interpolated from the totals known on the origin only."""
        return dict(self._monthly[series])

    def yearly_first_applications(self) -> dict[int, float]:
        """First asylum applications per calendar year, for the years ended by the origin (the
        yearly file; '~' values as quoted)."""
        out = {}
        with open(data.DATA_DIR / self.country / "asylum_applications_nl_yearly.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                v = r["first_asylum_applications"].strip().lstrip("~")
                if v and dt.date(int(r["year"]) + 1, 1, 1) <= self.origin:
                    out[int(r["year"])] = float(v)
        return out

    def housing_targets(self) -> dict[str, int]:
        """Published national housing targets of the half-years begun by the origin."""
        out = {}
        for period, target in data.housing_targets(self.country).items():
            start = dt.date(int(period[:4]), 1 if period[5] == "1" else 7, 1)
            if start <= self.origin:
                out[period] = target
        return out


def _month_starts(first: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from `first` up to and including `end` (month boundaries)."""
    out, d = [], dt.date(first.year, first.month, 1)
    while d <= end:
        out.append(d)
        d = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def months_between(a: dt.date, b: dt.date) -> float:
    """Months from `a` to `b` (days / 30.4375)."""
    return (b - a).days / 30.4375


def add_months(d: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (the last day of the month where it is shorter)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(d.day, last))


def mean_rate(monthly: dict[tuple[int, int], float], end: dt.date, months: int = 12) -> float | None:
    """Mean persons per day over the last `months` months before `end` that are in `monthly`
    (None when none is)."""
    persons = days = 0.0
    d = dt.date(end.year, end.month, 1)
    for _ in range(months):
        d = dt.date(d.year - (d.month == 1), 12 if d.month == 1 else d.month - 1, 1)
        v = monthly.get((d.year, d.month))
        if v is None:
            continue
        persons += v
        days += (dt.date(d.year + d.month // 12, d.month % 12 + 1, 1) - d).days
    return persons / days if days else None


def last_month(monthly: dict[tuple[int, int], float]) -> dt.date | None:
    """The first day after the last month in `monthly`."""
    if not monthly:
        return None
    y, m = max(monthly)
    return dt.date(y + m // 12, m % 12 + 1, 1)


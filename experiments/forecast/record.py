"""The packaged record as it stood on a forecast's origin: nothing dated after it can be read.

`RecordAsOf(origin)` is the only way the rolling-origin backtest reads the record. Every method
that takes a date refuses one after the origin (`FutureDataError`); every listing holds only what
was known on the origin:

* persons in COA reception and permit holders among them: the counts dated on or before it;
* inflow: the recorded (or assumed) period totals of `experiments.history.recorded_totals` that
  were published by then (`known_on`, below), and the months recorded on their own
  (`experiments.history.recorded_months`, IND Asieltrends) from the day each was published (or,
  where that date is not known, the 25th of the month after its report). Months inside the known
  totals are made by `experiments.history.fill_monthly` from those totals and the known recorded
  months only, so no later figure shapes an earlier month; known recorded months after the last
  known total follow as they are (`known_inflow`); `monthly_inflow` bridges the unknown months
  between them (rate interpolated linearly between the known months on either side) so that the
  series has no holes;
* yearly first applications (`asylum_applications_nl_yearly.csv`) of the years published by then
  (the same rule);
* national housing targets of the half-years that had begun by then.

**When a period total is known** (`known_on`, the one place this is decided): on its `published`
day where the source shows it (the csv's `published` column: the day of the article or release
that gives the figure; for a source dated only to a week or a month, that week's or month's last
day); otherwise — an **assumption**, the same rule as for recorded months — on the
`PUBLICATION_DAY` (25th) of the month after the last month of the period whose report gives it:
its own period, or a later one where the figure is derived from a later report (`reported_in`),
or the year for a figure derived from a year's total (the year minus its recorded quarters). A
quarter ending on 31 December is therefore known from 25 January, a year from 25 January of the
next year where no date is given; a year's total from a yearly publication (CBS, IND annual
figures) is often later than that (2018: 10 February 2019). An assumed total (`INFLOW_ASSUMPTIONS`)
counts as known when the figure it stands in for would have been by the rule. (The baselines read
only the dated counts of persons; a total read before its publication favoured the model alone.)
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from dataclasses import dataclass
from functools import cached_property

from experiments.history import (LAST_MONTH, PUBLICATION_DAY, RecordedMonth, RecordPoint, Total, fill_monthly,
                                next_month, record_points, recorded_months, recorded_totals, yearly_published)
from model import data

QUANTITIES = ("population", "permit_holders")


class FutureDataError(LookupError):
    """A record figure dated after the forecast's origin was asked for."""


def known_on(t: Total) -> dt.date:
    """The first day a period total is known (see the module text): its `published` day, or else
    (an assumption) the `PUBLICATION_DAY` of the month after the last month of the period whose
    report gives it (`reported`, else its own `end`)."""
    if t.published is not None:
        return t.published
    end = t.reported or t.end
    return next_month(end - dt.timedelta(days=1)).replace(day=PUBLICATION_DAY)


def record_end() -> dt.date:
    """The day after the last month of the packaged inflow record."""
    y, m = LAST_MONTH
    return dt.date(y + m // 12, m % 12 + 1, 1)


def first_inflow_known(country: str = "nl") -> dt.date:
    """The first day on which the packaged record knows a figure of first asylum applications (a
    forecast from recorded figures needs one: its persistence is their mean)."""
    rec = RecordAsOf(record_end(), country)
    return min([known_on(t) for t in rec.inflow_totals("first")] + [m.known for m in rec.recorded_months("first")])


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
        series through the consecutive years of the yearly file published by then (2012; on 1
        January 2014 that year alone, 2013 being published later)."""
        out, every = [], recorded_totals(series, self.country)
        for t in every:
            if known_on(t) > self.origin:
                break
            out.append(t)
        if series == "first" and every:
            years, published = self.yearly_first_applications(), yearly_published(self.country)
            y = every[0].start.year - 1
            while y in years and (out[0].start if out else every[0].start) == dt.date(y + 1, 1, 1):
                out.insert(0, Total(dt.date(y, 1, 1), dt.date(y + 1, 1, 1), years[y], f"recorded {y} (yearly file)",
                                    published.get(y)))
                y -= 1
        return out

    def recorded_months(self, series: str) -> list[RecordedMonth]:
        """The months of `series` recorded on their own and published by the origin."""
        return [m for m in recorded_months(series, self.country) if m.known <= self.origin]

    def recorded_month(self, series: str, year: int, month: int) -> float:
        """A month recorded on its own: refused (`FutureDataError`) before it was published; KeyError
        if it is not recorded on its own."""
        for m in recorded_months(series, self.country):
            if (m.start.year, m.start.month) == (year, month):
                if m.known > self.origin:
                    raise FutureDataError(f"{series} {year}-{month:02d} was published on {m.known}, "
                                          f"after the forecast origin {self.origin}")
                return m.persons
        raise KeyError(f"{series} {year}-{month:02d} is not recorded on its own")

    @cached_property
    def _monthly(self) -> dict[str, tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]]:
        out = {}
        for series in ("first", "family"):
            totals, known = self.inflow_totals(series), self.recorded_months(series)
            values: dict[dt.date, float] = {}
            if totals:
                months = _month_starts(totals[0].start, totals[-1].end)
                values = {d: float(v) for d, v in zip(months, fill_monthly(totals, known, months))}
            after = [m for m in known if not totals or m.start >= totals[-1].end]
            values.update({m.start: m.persons for m in after})
            known_only = {(d.year, d.month): v for d, v in values.items()}
            bridged = dict(known_only)
            days = sorted(values)
            for a, b in itertools.pairwise(days):
                gap = _month_starts(next_month(a), b)[:-1]
                ra, rb = values[a] / (next_month(a) - a).days, values[b] / (next_month(b) - b).days
                for i, d in enumerate(gap, start=1):
                    rate = ra + (rb - ra) * i / (len(gap) + 1)
                    bridged[d.year, d.month] = rate * (next_month(d) - d).days
            out[series] = (bridged, known_only)
        return out

    def monthly_inflow(self, series: str) -> dict[tuple[int, int], float]:
        """Persons per month of `series` known on the origin, without holes: the months of the
        known totals (with the known recorded months in them), the known recorded months after
        them, and the unknown months between those bridged (see the module text)."""
        return dict(self._monthly[series][0])

    def known_inflow(self, series: str) -> dict[tuple[int, int], float]:
        """`monthly_inflow` without the bridged months: only what was known on the origin."""
        return dict(self._monthly[series][1])

    def yearly_first_applications(self) -> dict[int, float]:
        """First asylum applications per calendar year, for the years whose figure was published by
        the origin (the yearly file, `known_on` as a year's total; '~' values as quoted)."""
        out = {}
        published = yearly_published(self.country)
        with open(data.DATA_DIR / self.country / "asylum_applications_nl_yearly.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                v = r["first_asylum_applications"].strip().lstrip("~")
                y = int(r["year"])
                year = Total(dt.date(y, 1, 1), dt.date(y + 1, 1, 1), float(v or 0), "", published[y])
                if v and known_on(year) <= self.origin:
                    out[y] = float(v)
        return out

    def housing_targets(self) -> dict[str, int]:
        """Published national housing targets of the half-years begun by the origin, as known on it:
        a target is set before its half-year; one changed later (its `published` day after the
        origin) reads as the figure it replaced, or is not known where the source gives none
        (`data.housing_target_revisions`; 2019H1: 8,000 until 26 March 2019, then 6,000)."""
        out = {}
        revisions = data.housing_target_revisions(self.country)
        for period, target in data.housing_targets(self.country).items():
            start = dt.date(int(period[:4]), 1 if period[5] == "1" else 7, 1)
            rev = revisions[period]
            if start > self.origin:
                continue
            if rev.published is None or rev.published <= self.origin:
                out[period] = target
            elif rev.earlier is not None:
                out[period] = rev.earlier
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


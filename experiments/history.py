"""The historical record for validation, and the derived series the hindcasts run on.

* `derive_monthly_inflow()` turns the recorded yearly, half-yearly and quarterly CBS/IND figures
  (`asylum_applications_nl_*.csv`) into monthly arrivals that add up exactly to every recorded
  period total (mass-preserving: a monotone PCHIP curve through the *cumulative* counts at the
  recorded period boundaries, differenced at month boundaries). Months recorded on their own
  (`asylum_applications_nl_monthly.csv`, IND Asieltrends) are kept exactly; the rest of their
  period's total is spread over its other months by the same curve (`fill_monthly`).
  `python -m experiments.history` regenerates `model/data/nl/inflow_monthly_nl_derived.csv` with it
  (see SOURCES.md there).
* `filled_housing_targets()` gives every half-year a national housing target: the published one,
  or the last published one before it, carried forward and flagged.
* `record_points()` lists every recorded figure the simulator can be compared with in a period.

Gaps that no recorded figure fills are closed by the assumptions in `INFLOW_ASSUMPTIONS`; each is
written, with its reason, into the derived file's `basis` column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from scipy.interpolate import PchipInterpolator

from model import data
from model.inputfile import decode, read_bytes
from model.scenario import MAX_COUNT, date_hint, did_you_mean, iso_date

MONTHLY_SERIES = "inflow_monthly_nl_derived"
TARGETS_FILE = "huisvestingstaakstelling_nl_filled_derived.csv"
FIRST_MONTH = (2014, 1)      # the derived series starts here (the 2015 hindcast's start)
LAST_MONTH = (2025, 9)       # last recorded quarter (2025 Q3)
MAX_RECORD_BYTES = 10 << 20  # a --record CSV of recorded points
MONTHLY_RECORD = "asylum_applications_nl_monthly.csv"
# A recorded month without a stated publication date counts as known on this day of the month after
# the report that gives it: the IND published its monthly Asieltrends 16-25 days after a month's end
# (dates found: 2016-01-20, 2016-02-17, 2016-05-18, 2016-08-25, 2017-01-16, 2018-01-17), so the 25th
# is never earlier than any publication seen.
PUBLICATION_DAY = 25

# The yearly file's note "Q4 2015 ~24000 first applications (Volkskrant 2019-04)" is not used: the
# IND's own months (October 9,987, November 6,243) and CBS's January-November total of 16 December
# 2015 (39,370, which leaves 3,725 for December) give Q4 2015 = 19,955 (asylum_applications_nl_monthly.csv).

# Gaps in the record closed by assumption: (series, year, period, persons, reason).
# period is "Y" (the year), "H2" or "Q2-Q4" (the rest of the year after the recorded quarters).
INFLOW_ASSUMPTIONS: list[tuple[str, int, str, float, str]] = [
    ("family", 2014, "Y", 4000,
     "assumption: the 2014 note in the yearly file mentions ~4,000 nareizigers who no longer file "
     "an asylum request from end March 2014; used as the 2014 level (uncertain)"),
    ("family", 2019, "Q3-Q4", 840 + 880,
     "assumption: Q3-Q4 2019 at the recorded first half's rate (Q1 840, Q2 880)"),
]


@dataclass(frozen=True)
class Total:
    """A recorded (or assumed) number of persons arriving in [start, end).

    When it became known is decided by `experiments.forecast.record.known_on` from `published` (the
    day the source shows it was published; None where it shows none) and `reported` (the end of the
    period whose report gives the figure: a later one for a figure derived from a later report or
    from a year's total; None: its own `end`)."""

    start: dt.date
    end: dt.date
    persons: float
    basis: str
    published: dt.date | None = None
    reported: dt.date | None = None


@dataclass(frozen=True)
class RecordedMonth:
    """A month's figure recorded on its own (`asylum_applications_nl_monthly.csv`), known from `known`."""

    start: dt.date
    persons: float
    known: dt.date
    basis: str

    @property
    def end(self) -> dt.date:
        return next_month(self.start)


def next_month(d: dt.date) -> dt.date:
    """The first day of the month after the one `d` is in."""
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _num(text: str) -> tuple[float | None, bool]:
    text = (text or "").strip()
    if not text:
        return None, False
    return float(text.lstrip("~")), text.startswith("~")


def _quarter_bounds(year: int, q: str) -> tuple[dt.date, dt.date]:
    if q == "H1":
        return dt.date(year, 1, 1), dt.date(year, 7, 1)
    k = int(q)
    start = dt.date(year, 3 * k - 2, 1)
    end = dt.date(year + 1, 1, 1) if k == 4 else dt.date(year, 3 * k + 1, 1)
    return start, end


def _dated(path: Path, i: int, r: dict[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """A row's `published` day (YYYY-MM-DD) and, from `reported_in` (YYYY-MM), the end of the month
    whose report gives it (None where empty)."""
    pub, rep = (r.get("published") or "").strip(), (r.get("reported_in") or "").strip()
    try:
        return (dt.date.fromisoformat(pub) if pub else None,
                next_month(dt.date(int(rep[:4]), int(rep[5:7]), 1)) if rep else None)
    except ValueError:
        raise ValueError(f"{path.name}: line {i}: published (YYYY-MM-DD) or reported_in (YYYY-MM) "
                         f"is not a date") from None


def yearly_published(country: str = "nl") -> dict[int, dt.date | None]:
    """The `published` day of each year of the yearly file (None where the source shows none)."""
    path = data.DATA_DIR / country / "asylum_applications_nl_yearly.csv"
    with open(path, encoding="utf-8") as f:
        return {int(r["year"]): _dated(path, i, r)[0] for i, r in enumerate(csv.DictReader(f), start=2)}


def recorded_totals(series: str, country: str = "nl") -> list[Total]:
    """Non-overlapping period totals for 'first' (first applications) or 'family' (nareizigers).

    Quarters (and the 2014 half-year) are used where recorded; a year's total fills the part of
    the year its recorded quarters leave open; when all four quarters are recorded they win over
    the year total (the two differ by rounding: 2021 by 5, 2023 by 15, 2024 by 20 persons).
    Each carries the dates its publication is judged by (`Total`): a quarter its row's
    `published`/`reported_in`, a figure derived from a year's total the year's `published` and the
    year's end; an assumption neither (it stands for the figure of its own period).
    """
    ycol = "first_asylum_applications" if series == "first" else "nareizigers_family_followers"
    qcol = "first_asylum_applications" if series == "first" else "nareizigers"
    base = data.DATA_DIR / country
    with open(base / "asylum_applications_nl_yearly.csv", encoding="utf-8") as f:
        years = {int(r["year"]): r for r in csv.DictReader(f)}
    qpath = base / "asylum_applications_nl_quarterly.csv"
    with open(qpath, encoding="utf-8") as f:
        quarterly = list(csv.DictReader(f))
    published = yearly_published(country)
    quarters: dict[int, list[Total]] = {}
    for i, r in enumerate(quarterly, start=2):
        v, approx = _num(r[qcol])
        if v is None:
            continue
        y = int(r["year"])
        s, e = _quarter_bounds(y, r["quarter"])
        label = f"{y} {'H1' if r['quarter'] == 'H1' else 'Q' + r['quarter']}"
        pub, rep = _dated(qpath, i, r)
        if (pub is not None and pub < e) or (rep is not None and rep < e):
            raise ValueError(f"{qpath.name}: line {i}: a period cannot be published or reported before it ended")
        quarters.setdefault(y, []).append(Total(s, e, v, f"recorded {label}{' (~)' if approx else ''}", pub, rep))
    out: list[Total] = []
    first_year = 2013 if series == "first" else 2014
    for y in range(first_year, LAST_MONTH[0] + 1):
        qs = sorted(quarters.get(y, []), key=lambda t: t.start)
        covered = sum((t.end - t.start).days for t in qs)
        year_days = (dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days
        out += qs
        if covered == year_days:
            continue
        edges = [dt.date(y, 1, 1)] + [b for q in qs for b in (q.start, q.end)] + [dt.date(y + 1, 1, 1)]
        gaps = [(a, b) for a, b in zip(edges[::2], edges[1::2]) if a < b]
        if len(gaps) != 1:
            raise ValueError(f"{series} {y}: recorded quarters leave {len(gaps)} gaps")
        rest_start, rest_end = gaps[0]
        assumed = [a for a in INFLOW_ASSUMPTIONS if a[0] == series and a[1] == y]
        yv, approx = _num(years[y][ycol]) if y in years else (None, False)
        if assumed:
            out.append(Total(rest_start, rest_end, assumed[0][3], assumed[0][4]))
        elif yv is not None:
            src = years[y]["definition_source"]
            out.append(Total(rest_start, rest_end, yv - sum(q.persons for q in qs),
                             f"recorded {y}{' (~)' if approx else ''} ({src})"
                             + (" minus recorded quarters" if qs else ""), published.get(y), dt.date(y + 1, 1, 1)))
        elif y == LAST_MONTH[0]:
            continue   # the record ends with the last recorded quarter
        else:
            raise ValueError(f"{series} {y}: no recorded total and no assumption")
    return sorted(out, key=lambda t: t.start)


def recorded_months(series: str, country: str = "nl") -> list[RecordedMonth]:
    """The months of 'first' or 'family' recorded on their own, in date order, each with the day it
    became known: its `published` date, or else the `PUBLICATION_DAY` of the month after the report
    that gives it (`reported_in`, YYYY-MM; the month itself when empty)."""
    col = "first_asylum_applications" if series == "first" else "nareizigers"
    path = data.DATA_DIR / country / MONTHLY_RECORD
    if not path.exists():
        return []
    out: dict[dt.date, RecordedMonth] = {}
    with open(path, encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            v, approx = _num(r[col])
            if v is None:
                continue
            try:
                start = dt.date(int(r["year"]), int(r["month"]), 1)
                rep = (r["reported_in"] or "").strip()
                report = dt.date(int(rep[:4]), int(rep[5:7]), 1) if rep else start
                pub = (r["published"] or "").strip()
                known = dt.date.fromisoformat(pub) if pub else next_month(report).replace(day=PUBLICATION_DAY)
            except ValueError:
                raise ValueError(f"{MONTHLY_RECORD}: line {i}: year, month, published (YYYY-MM-DD) or "
                                 f"reported_in (YYYY-MM) is not a date") from None
            if known < next_month(start) or report < start:
                raise ValueError(f"{MONTHLY_RECORD}: line {i}: a month cannot be published before it ended "
                                 f"or reported before it began")
            if start in out:
                raise ValueError(f"{MONTHLY_RECORD}: line {i}: {series} {start:%Y-%m} is given twice")
            kind = "DERIVED month" if r["note"].startswith("DERIVED") else "recorded month"
            when = f"published {pub}" if pub else f"known from {known} by the publication rule"
            host = urlparse(r["source_url"]).netloc.removeprefix("www.")
            out[start] = RecordedMonth(start, v, known, f"{kind}{' (~)' if approx else ''} ({host}; {when})")
    return [out[d] for d in sorted(out)]


def fill_monthly(totals: list[Total], recorded: list[RecordedMonth], months: list[dt.date]) -> np.ndarray:
    """Persons per month (between consecutive `months` boundaries) that keep every recorded month
    exactly and every period total exactly.

    Each period's remainder (its total minus its recorded months) goes to its runs of unrecorded
    months in proportion to the curve of `interpolate_monthly` through the totals alone; then the
    same curve, now through the recorded months and those runs as periods, shapes the months inside
    each run. A period whose recorded months exceed its total, or whose months are all recorded but
    do not add up to it, is refused. Recorded months outside the totals are ignored.
    """
    if not recorded:
        return interpolate_monthly(totals, months)
    inside = [m for m in recorded if totals[0].start <= m.start and m.end <= totals[-1].end]
    if not inside:
        return interpolate_monthly(totals, months)
    grid = _month_starts((totals[0].start.year, totals[0].start.month),
                         ((totals[-1].end - dt.timedelta(days=1)).year, (totals[-1].end - dt.timedelta(days=1)).month))
    coarse = dict(zip(grid, interpolate_monthly(totals, grid)))
    fixed = {m.start: m for m in inside}
    refined: list[Total] = []
    for t in totals:
        mine = [fixed[d] for d in grid if t.start <= d < t.end and d in fixed]
        if not mine:
            refined.append(t)
            continue
        rest = t.persons - sum(m.persons for m in mine)
        runs: list[list[dt.date]] = []
        for d in (d for d in grid if t.start <= d < t.end):
            if d in fixed:
                runs.append([])
            elif runs and runs[-1]:
                runs[-1].append(d)
            else:
                runs.append([d])
        runs = [r for r in runs if r]
        if rest < -0.5 or (not runs and abs(rest) > 0.5):
            raise ValueError(f"{t.basis}: its recorded months add up to {t.persons - rest:,.0f}, "
                             f"not to the period's {t.persons:,.0f}")
        weights = [sum(max(coarse[d], 0.0) for d in r) for r in runs]
        if sum(weights) <= 0:
            weights = [float(sum((next_month(d) - d).days for d in r)) for r in runs]
        share = {r[0]: max(rest, 0.0) * w / sum(weights) for r, w in zip(runs, weights)}
        for d in (d for d in grid if t.start <= d < t.end):
            if d in fixed:
                refined.append(Total(d, fixed[d].end, fixed[d].persons, fixed[d].basis))
            elif d in share:
                run = next(r for r in runs if r[0] == d)
                refined.append(Total(d, next_month(run[-1]), share[d], f"{t.basis} minus recorded months"))
    return interpolate_monthly(refined, months)


def month_basis(totals: list[Total], recorded: list[RecordedMonth], d: dt.date) -> str:
    """What the month starting on `d` rests on: its own record, or the period total it belongs to."""
    for m in recorded:
        if m.start == d:
            return m.basis
    t = next(t for t in totals if t.start <= d < t.end)
    has = any(t.start <= m.start < t.end for m in recorded)
    return t.basis + (" minus recorded months" if has else "")


def _month_starts(first: tuple[int, int], last: tuple[int, int]) -> list[dt.date]:
    """First days of the months from `first` to the month after `last` (the boundaries)."""
    y, m = first
    out = []
    while (y, m) <= last:
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [*out, dt.date(y, m, 1)]


def interpolate_monthly(totals: list[Total], months: list[dt.date]) -> np.ndarray:
    """Persons per month (between consecutive `months` boundaries), preserving every total.

    The cumulative count is known exactly at each period boundary; a monotone PCHIP curve through
    those points gives the cumulative count at month boundaries, whose differences are the
    monthly figures (at both ends of the record the curve continues at the end period's own
    rate). Every recorded total is reproduced exactly (up to float rounding) and no month is
    negative.
    """
    knots = [totals[0].start] + [t.end for t in totals]
    for a, b in itertools.pairwise(totals):
        if a.end != b.start:
            raise ValueError(f"totals are not contiguous at {a.end}")
    x = np.array([(d - knots[0]).days for d in knots], float)
    y = np.concatenate([[0.0], np.cumsum([t.persons for t in totals])])
    # shape only: one phantom period at each end at the rate of its neighbour, so the curve's
    # end slopes are not pulled towards zero (no month outside the record is produced)
    r0, r1 = (y[1] - y[0]) / (x[1] - x[0]), (y[-1] - y[-2]) / (x[-1] - x[-2])
    x = np.concatenate([[-x[1]], x, [2 * x[-1] - x[-2]]])
    y = np.concatenate([[-r0 * x[2]], y, [y[-1] + r1 * (x[-1] - x[-2])]])
    curve = PchipInterpolator(x, y)
    xm = np.array([(d - knots[0]).days for d in months], float)
    return np.diff(curve(xm))


def derive_monthly_inflow(country: str = "nl") -> list[dict]:
    """Rows of the derived monthly series (see the module docstring)."""
    months = _month_starts(FIRST_MONTH, LAST_MONTH)
    rows: list[dict[str, int | float | str]] = [{"year": d.year, "month": d.month} for d in months[:-1]]
    for series, col in (("first", "first_applications"), ("family", "nareizigers")):
        totals = recorded_totals(series, country)
        recorded = recorded_months(series, country)
        values = fill_monthly(totals, recorded, months)
        for r, d, v in zip(rows, months, values):
            r[col] = round(float(v), 1)
            r[f"{col}_basis"] = month_basis(totals, recorded, d)
    return rows


def write_monthly_inflow(path: Path | None = None, country: str = "nl") -> Path:
    path = path or data.DATA_DIR / country / f"{MONTHLY_SERIES}.csv"
    rows = derive_monthly_inflow(country)
    _write_whole(path, list(rows[0]), rows)
    return path


def _write_whole(path: Path, fieldnames: list[str], rows: list[dict]) -> None:
    """Write a derived table whole or not at all: into a temporary folder beside it, then renamed
    over the packaged file (Ctrl+C or a full disk midway leaves the old file, never half a table)."""
    from model.atomic import replace_files, signals_held, staging

    with staging(path.parent, path.name) as tmp:
        with open(tmp / path.name, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=fieldnames)
            w.writeheader()
            w.writerows(rows)
        with signals_held():
            replace_files(tmp, path.parent, [path.name])


def filled_housing_targets(first: str = "2014H1", last: str = "2025H2", country: str = "nl") -> list[dict]:
    """Every half-year's national target: published, or carried forward from the last published
    one (flagged `carried`); half-years before the first published figure are `none`."""
    published = data.housing_targets(country)
    out, last_value = [], None
    y, h = int(first[:4]), int(first[5])
    while f"{y}H{h}" <= last:
        p = f"{y}H{h}"
        if p in published:
            last_value = published[p]
            out.append({"period": p, "target": last_value, "basis": "published"})
        elif last_value is not None:
            out.append({"period": p, "target": last_value, "basis": "carried: last published figure"})
        else:
            out.append({"period": p, "target": "", "basis": "none: before the first published figure"})
        y, h = (y, 2) if h == 1 else (y + 1, 1)
    return out


def write_filled_targets(path: Path | None = None, country: str = "nl") -> Path:
    path = path or data.DATA_DIR / country / TARGETS_FILE
    rows = [r for r in filled_housing_targets(country=country)
            if r["basis"] != "none: before the first published figure"]
    _write_whole(path, ["period", "target", "basis"], rows)
    return path


@dataclass(frozen=True)
class RecordPoint:
    """One recorded figure: `quantity` is 'population' (persons in COA reception) or
    'permit_holders' (permit holders among them)."""

    date: dt.date
    quantity: str
    value: float
    source: str
    approx: bool = False


def record_points(start: dt.date, end: dt.date, country: str = "nl") -> list[RecordPoint]:
    """Every recorded occupancy figure with start <= date <= end (coa_occupancy_nl.csv)."""
    out = []
    with open(data.DATA_DIR / country / "coa_occupancy_nl.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        d = dt.date.fromisoformat(r["date"])
        if not start <= d <= end:
            continue
        approx = "approximate" in r["note"] or "meer dan" in r["definition"]
        out.append(RecordPoint(d, "population", float(r["persons_in_coa_reception"]), r["source_url"], approx))
        ph, ph_approx = _num(r["permit_holders_in_reception"])
        if ph is not None:
            out.append(RecordPoint(d, "permit_holders", ph, r["source_url"], approx or ph_approx))
    return out


RECORD_COLUMNS = ("date", "quantity", "value", "source")   # the columns of a --record CSV (source optional)


def read_points(path: str | Path, period: tuple[dt.date, dt.date] | None = None) -> list[RecordPoint]:
    """Recorded points from a CSV with columns date, quantity, value (a positive number: errors
    are relative to it, `~` before it marks it approximate) and optionally source: at least one
    point, each (date, quantity) once, inside `period` (first and last day) when given. No other
    named column (it would be ignored: a `unit` of thousands, say); a column without a name (a
    trailing comma) only when its cells are empty. Raises ValueError naming the file and line."""
    name = Path(path).name
    raw = read_bytes(path, name, "a CSV file of recorded points", MAX_RECORD_BYTES)
    text = decode(raw, name)          # the one reader of encodings (a spreadsheet's .xlsx named as such)
    read = [0]                        # lines read so far: where csv stopped, when it stops
    separator, skip = _separator(text)

    def lines():
        for line in io.StringIO(text, newline=""):
            read[0] += 1
            if read[0] > skip:
                yield line

    # strict: a quote left open (or text after a closing quote) is an error, not the rest of the file
    reader = csv.DictReader(lines(), delimiter=separator, strict=True)
    try:
        return _points(reader, name, text, period, decimal_comma=separator == ";", skip=skip)
    except csv.Error as exc:          # a cell longer than csv's field limit (128 KiB), a quote left open
        raise ValueError(f"{name}: line {read[0]}: not a CSV line ({exc})") from None


def _separator(text: str) -> tuple[str, int]:
    """The column separator of a `--record` CSV and the lines before its header: ',' as written here, or
    ';' as a Dutch spreadsheet saves a CSV (Excel with Dutch settings: ';' between columns because the
    comma is its decimal sign), told by a header with ';' and no ','; or the separator a first line
    `sep=;` or `sep=,` names (Excel's own mark; that line is skipped)."""
    first = text.removeprefix("\ufeff").split("\n", 1)[0].rstrip("\r")
    if first.strip() in ("sep=;", "sep=,"):
        return first.strip()[-1], 1
    return (";" if ";" in first and "," not in first else ","), 0


def _dutch_number(text: str) -> str | None:
    """`2.000,5` (a number with the Dutch thousands point and decimal comma; `~` kept) as it is
    written here, `2000.5`; None for anything else."""
    m = re.fullmatch(r"(~?)([1-9]\d{0,2}(?:\.\d{3})+),(\d+)", text)
    return f"{m[1]}{m[2].replace('.', '')}.{m[3]}" if m else None


def _split_number(value: str, after: str) -> str | None:
    """What to write when the comma of a number split a --record row into one cell more than the
    header has: the value cell and the cell `after` it, joined by their comma, as a number written
    the Dutch way (`2.000,5`: a thousands point and a decimal comma), with a decimal comma (`2000,5`)
    or a thousands comma (`2,000`); None when the two cells make no such number."""
    joined = f"{value},{after}"
    meant = _dutch_number(joined)
    if meant:
        return (f"value {joined!r} is a number written the Dutch way (a thousands point, a decimal comma) and its "
                f"comma splits the row; write {meant}")
    m = re.fullmatch(r"(~?)([1-9]\d{0,2}),(\d{3})", joined)
    if m:
        return (f"value {joined!r} has a thousands comma, which splits the row; write {m[1]}{m[2]}{m[3]} (numbers "
                f"are written without a thousands separator)")
    m = re.fullmatch(r"(~?)(\d+),(\d+)", joined)
    if m:
        return f"value {joined!r} has a decimal comma, which splits the row; write {m[1]}{m[2]}.{m[3]}"
    return None


def _points(reader: csv.DictReader, name: str, text: str,
            period: tuple[dt.date, dt.date] | None, decimal_comma: bool = False, skip: int = 0) -> list[RecordPoint]:
    if reader.fieldnames:             # `date, quantity, value`: the names without the spaces around them
        reader.fieldnames = [c.strip() for c in reader.fieldnames]
    if not text.strip():              # was answered "missing column(s) date, quantity, value"
        raise ValueError(f"{name}: the file is empty; a record is a CSV file with the columns date, quantity, "
                         f"value (one recorded point a line)")
    missing = {"date", "quantity", "value"} - set(reader.fieldnames or [])
    if missing:
        header = (text.splitlines()[skip:] or [""])[0]
        used = reader.reader.dialect.delimiter      # (';' is read: a Dutch spreadsheet's CSV, `_separator`)
        sep = next((shown for s, shown in ((";", "';'"), ("\t", "tabs")) if s in header and s != used), None)
        lowered = {c.lower() for c in reader.fieldnames or []}
        hint = (f" (columns separated by {sep}? use ',')" if sep else
                " (the names are lower case: date, quantity, value)"
                if not {"date", "quantity", "value"} - lowered else
                " (the columns are named in English: date, quantity, value)"
                if lowered & {"datum", "waarde", "aantal", "grootheid"} else
                " (a backtest's table, which it wrote: a record has the figures recorded, one a line: date, quantity, "
                "value)" if {"recorded", "sim_median"} <= lowered else
                " (a run's daily figures, which it wrote: a record has the figures recorded, one a line: date, "
                "quantity, value)" if {"date", "population", "arrivals"} <= lowered else "")
        misspelt = next((c for c in reader.fieldnames or [] if c not in RECORD_COLUMNS
                         and did_you_mean(c, sorted(missing))), None)
        if not hint and misspelt is not None:     # `quantiy`: named as misspelt, not only as missing
            meant = did_you_mean(misspelt, sorted(missing))
            raise ValueError(f"{name}: line 1: unknown column {misspelt!r}{meant}; the columns are date, quantity, "
                             f"value and optionally source")
        raise ValueError(f"{name}: missing column(s) {', '.join(sorted(missing))}{hint}")
    names = [c.strip() for c in reader.fieldnames or []]
    twice = next((c for k, c in enumerate(names) if c and c in names[:k]), None)
    if twice is not None:             # DictReader would keep the last column of the name, silently
        raise ValueError(f"{name}: line 1: the column {twice!r} is named twice")
    unknown = next((c for c in reader.fieldnames or [] if c.strip() and c not in RECORD_COLUMNS), None)
    if unknown is not None:
        raise ValueError(f"{name}: line 1: unknown column {unknown!r}{did_you_mean(unknown, RECORD_COLUMNS)}; the "
                         f"columns are date, quantity, value "
                         f"and optionally source")
    unnamed = [c for c in reader.fieldnames or [] if not c.strip()]
    out: list[RecordPoint] = []
    seen: dict[tuple[dt.date, str], int] = {}
    for r in reader:
        i = reader.line_num + skip    # the line in the file (blank lines and quoted line breaks counted)
        if None in r:
            cells = [r[c] or "" for c in reader.fieldnames or []] + list(r[None] or [])
            at = (reader.fieldnames or []).index("value")
            split = _split_number(cells[at].strip(), cells[at + 1].strip())
            raise ValueError(f"{name}: line {i}: more cells than the header has columns"
                             + (f": {split}" if split else ""))
        if any((r[c] or "").strip() for c in unnamed):
            raise ValueError(f"{name}: line {i}: a value in a column without a name")
        other = "," if reader.reader.dialect.delimiter == ";" else ";"
        if r["value"] is None and other in (r[(reader.fieldnames or ["date"])[0]] or ""):
            sep = reader.reader.dialect.delimiter
            raise ValueError(f"{name}: line {i}: its cells are separated by {other!r}, the header's by {sep!r}; "
                             f"separate every line's cells alike")
        value = (r["value"] or "").strip()
        date = (r["date"] or "").strip()
        dmy = None
        if decimal_comma:             # as a Dutch spreadsheet writes them: 2100,5 or 2.100,5 is 2100.5; 5-7-2025 the
            if re.fullmatch(r"~?[1-9]\d{0,2},\d{3}", value):     # 5th of July (a date ordered as the Dutch do)
                as_decimal, as_thousands = float(value.lstrip("~").replace(",", ".")), value.replace(",", "")
                raise ValueError(f"{name}: line {i}: value {value!r}: with ';' between columns the comma is a decimal "
                                 f"comma, so it reads as {as_decimal:g} persons; write {as_thousands} if "
                                 f"{as_thousands.lstrip('~')} persons are meant, or {as_decimal:g} if that is meant")
            value = _dutch_number(value) or (value.replace(",", ".") if re.fullmatch(r"~?\d+,\d+", value) else value)
            dmy = re.fullmatch(r"(\d{1,2})-(\d{1,2})-(\d{4})", date)
        try:
            d = (dt.date(int(dmy[3]), int(dmy[2]), int(dmy[1])) if dmy else
                 iso_date(date))        # (fromisoformat also reads 20250705 and ISO weeks)
        except ValueError:
            raise ValueError(f"{name}: line {i}: date must be a day written YYYY-MM-DD"
                             + (" (or D-M-YYYY, with ';' between columns)" if decimal_comma else "")
                             + f" (got {date[:40]!r}){'' if decimal_comma and dmy else date_hint(date)}") from None
        try:
            if not value.isascii() or "_" in value:     # float() also reads '2_000' and full-width digits
                raise ValueError(value)
            v = float(value.removeprefix("~"))          # one mark: '~~2000' is a typo
        except ValueError:
            decimal = re.fullmatch(r"~?\d+,\d+", value) is not None and not re.fullmatch(r"~?\d{1,3},\d{3}", value)
            dutch = _dutch_number(value)            # "2.000,5", quoted: one cell
            raise ValueError(f"{name}: line {i}: value must be a number of persons, e.g. 27305 or ~27000"
                             + (", decimals with a point" if decimal else "") + f" (got {value[:40]!r})"
                             + (f": a number written the Dutch way (a thousands point, a decimal comma); write {dutch}"
                                if dutch else "")) from None
        if re.fullmatch(r"~?[1-9]\d{0,2}\.\d{3}", value):   # 2.100: Dutch for two thousand one hundred, read as 2.1
            meant = ("~" if value.startswith("~") else "") + str(int(value.lstrip("~").replace(".", "")))
            source = (r.get("source") or "").strip()
            split = _split_number(value, source) if source.isdecimal() and source.isascii() else None
            if split:               # 2.000,5 under date,quantity,value,source: the 5 taken for the source
                raise ValueError(f"{name}: line {i}: {split} (the {source} after its comma was read as the "
                                 f"source)")
            raise ValueError(f"{name}: line {i}: value {value!r} reads as {v:g} persons; write a number of persons "
                             f"without a thousands separator ({meant}), or {v:g} if that is meant")
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name}: line {i}: value must be a positive number of persons (got {v:g})")
        if v > MAX_COUNT:
            raise ValueError(f"{name}: line {i}: value must be at most {MAX_COUNT:,} persons (got {v:g})")
        quantity = (r["quantity"] or "").strip()
        if quantity not in ("population", "permit_holders"):
            raise ValueError(f"{name}: line {i}: quantity must be population or permit_holders "
                             f"(got {quantity[:40]!r})" + did_you_mean(quantity, ("population", "permit_holders")))
        if (d, quantity) in seen:
            raise ValueError(f"{name}: line {i}: {quantity} on {d} is given twice (first on line "
                             f"{seen[d, quantity]})")
        seen[d, quantity] = i
        if period is not None and not period[0] <= d <= period[1]:
            raise ValueError(f"{name}: line {i}: {d} is outside the run ({period[0]} to {period[1]})")
        out.append(RecordPoint(d, quantity, v, (r.get("source") or "").strip() or name, value.startswith("~")))
    if not out:
        raise ValueError(f"{name}: no recorded points (only a header)")
    return out


def main(argv: list[str] | None = None) -> None:
    """Regenerate the derived files in model/data/nl/."""
    from experiments.cli import Parser   # the CLI's reading of options: one line and exit code 2

    Parser(prog="python -m experiments.history",
            description="Regenerate the derived files in model/data/nl/ (the monthly inflow the hindcasts "
                        "run on, the filled housing targets) from the recorded figures; takes no options."
            ).parse_args(argv)
    print(write_monthly_inflow())
    print(write_filled_targets())


if __name__ == "__main__":
    main()

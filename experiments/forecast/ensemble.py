"""A forecast: an ensemble from an origin under an inflow assumption, and its bands.

`run_forecast(origin, months, members, seed, inflow, errors, occupancy)` runs the members
(`model.prognosis.prognose`) and keeps what the outputs need: the members' daily figures, the
inflow multipliers they ran on, and every assumption in words (`assumptions()`).

Bands are quantiles over members at the Weibull plotting position (`model.prognosis.band`):
median, 50 % (25-75 %) and 90 % (5-95 %). Places needed are persons / target occupancy.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from experiments.forecast import MAX_MEMBER_MONTHS, MAX_MEMBERS, MAX_MONTHS, MIN_OCCUPANCY
from experiments.forecast.labels import label, percent
from experiments.forecast.inflow import (HORIZONS, WINDOW_MONTHS, InflowErrors, daily_paths, errors_as_of,
                                         horizons_used)
from experiments.forecast.origins import FromScenario, Origin, horizon_days
from experiments.forecast.record import RecordAsOf, add_months, record_end
from experiments.outputs import worker_pool
from model import data, prognosis
from model.scenario import MAX_JOBS, MAX_SEED, ScenarioError, choice_argument, whole_argument
from model.snapshot import code_version

TABLE_COLUMNS = ["quantity", "breakdown", "name", "horizon_months", "date", "p05", "p25", "median", "p75", "p95",
                 "members", "label"]
BAND_MEMBERS = 19       # from this many members on the 90 % band is p05-p95; with fewer, the members' range
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
INFLOW_CHOICES = ("scenario", "persistence")
MAX_BAND_PER_YEAR = 10_000_000      # first applicants a year: a band's bound above this is a typo


@dataclass(frozen=True)
class InflowBand:
    """A planner's band of inflow (`--inflow-band LOW:HIGH`): the members' first applicants a year
    over the forecast, spread evenly from `low` to `high` — member k of n at
    low + (high - low)(k + 1/2)/n. Each member runs on the assumed expected arrivals (scenario or
    persistence: first applicants and family members, with their season and shocks) times one
    factor: its level over the assumption's own first applicants a year over the forecast. The
    band replaces the historical inflow errors; it is a range of levels to look across, equally
    weighted, not a probability."""

    low: float
    high: float

    def __post_init__(self) -> None:
        for name, x in (("low", self.low), ("high", self.high)):
            if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0 <= x <= MAX_BAND_PER_YEAR:
                raise ScenarioError(f"band: {name}: first applicants a year, 0 to {MAX_BAND_PER_YEAR:,} "
                                    f"(got {x!r})")
        if self.low > self.high:
            raise ScenarioError(f"band: low ({self.low:,.0f}) is above high ({self.high:,.0f}); give LOW:HIGH")

    def levels(self, members: int) -> np.ndarray:
        """First applicants a year of each member."""
        return self.low + (self.high - self.low) * (np.arange(members) + 0.5) / members

    def assumed_per_year(self, origin: Origin, days: int) -> float:
        """The assumption's first applicants a year over the forecast's days (its mean)."""
        day = origin.start.origin_day
        first = origin.world.inflow.first[day:day + days]
        return float(first.mean()) * 365.25 if len(first) else 0.0

    def multipliers(self, origin: Origin, days: int, members: int) -> np.ndarray:
        """(member, day) factors on the assumed expected arrivals."""
        assumed = self.assumed_per_year(origin, days)
        if assumed <= 0:
            raise ScenarioError("band: the assumed arrivals after the origin have no first applicants, so "
                                "there is nothing to scale to the band; give a scenario with arrivals, or "
                                "--inflow persistence")
        return np.repeat((self.levels(members) / assumed)[:, None], days, axis=1)


# a band's bound: ASCII digits, thousands grouped by ',' or '_' (one kind, groups of three) or not at all,
# a decimal point, an exponent (float() alone also read full-width digits, '3,0000' and '1_0')
_BAND_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:_\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?")


def check_occupancy(occupancy: object) -> float:
    """A target occupancy for places needed (`--occupancy`, `run_forecast(occupancy=...)`): a share of
    the places occupied, MIN_OCCUPANCY to 1. Raises ScenarioError in one line ("occupancy: ...")."""
    if isinstance(occupancy, bool) or not isinstance(occupancy, numbers.Real) \
            or not MIN_OCCUPANCY <= float(occupancy) <= 1:
        raise ScenarioError(f"occupancy: the share of places occupied, {MIN_OCCUPANCY} to 1 (0.95: places needed "
                            f"are persons / 0.95), got {occupancy!r}")
    return float(occupancy)


def parse_band(text: str) -> InflowBand:
    """A band written LOW:HIGH, first applicants a year (`noodplan forecast --inflow-band`, the
    dashboard's band field): '30000:50000', '30,000:50,000'. Raises ScenarioError in one line
    ("band: ...") for anything else, and `InflowBand`'s own for a band out of range or upside down."""
    parts = str(text).split(":")
    if len(parts) != 2 or not all(p.strip().isascii() and _BAND_NUMBER.fullmatch(p.strip()) for p in parts):
        raise ScenarioError(f"band: LOW:HIGH first applicants a year, e.g. 30000:50000 (got {text!r})")
    dutch = next((p.strip() for p in parts if re.fullmatch(r"[+-]?\d{1,3}\.\d{3}", p.strip())), None)
    if dutch is not None:   # 10.000: ten thousand with the Dutch thousands point, 10.0 to float() (was taken)
        raise ScenarioError(f"band: {dutch} reads as {float(dutch):g} first applicants a year; write "
                            f"{dutch.replace('.', '')} if a thousands separator was meant (',' or none)")
    low, high = (float(p.strip().replace(",", "").replace("_", "")) for p in parts)
    return InflowBand(low, high)


@dataclass
class Forecast:
    origin: Origin
    months: int
    seed: int
    inflow: str                         # 'scenario' or 'persistence'
    errors: InflowErrors | None         # None: no inflow uncertainty
    occupancy: float                    # target occupancy for places needed
    prognosis: prognosis.Prognosis
    multipliers: np.ndarray             # (member, day) inflow multipliers
    notes: list[str] = field(default_factory=list)
    band: InflowBand | None = None      # a planner's band of inflow (then errors is None)

    @property
    def members(self) -> int:
        return self.prognosis.members

    def horizon_dates(self) -> dict[int, dt.date]:
        """The reporting date of each horizon (months after the origin) within the forecast."""
        last = self.prognosis.dates[-1]
        return {h: add_months(self.origin.date, h) for h in HORIZONS
                if h <= self.months and add_months(self.origin.date, h) <= last + dt.timedelta(days=1)}

    def _day(self, date: dt.date) -> int:
        """Index of the forecast day holding the figures at the start of `date` (end of the day before)."""
        return min((date - self.origin.date).days - 1, len(self.prognosis.dates) - 1)

    def figures(self) -> dict[tuple[str, str, str], np.ndarray]:
        """(quantity, breakdown, name) -> (member, day) arrays of everything reported."""
        p = self.prognosis
        need = p.places_needed(self.occupancy)
        out = {("persons_in_reception", "national", "all"): p.population,
               ("permit_holders_waiting", "national", "all"): p.permit_holders,
               ("places_needed", "national", "all"): need["national"],
               ("capacity", "national", "all"): p.capacity_by_kind.sum(axis=2),
               ("shortfall", "national", "all"): p.shortfall(self.occupancy),
               ("persons_in_bed", "no bed", "unsheltered"): p.unsheltered,
               ("places_needed", "no bed", "unsheltered"): need["no_bed"]}
        for j, kind in enumerate(p.kinds):
            out[("persons_in_bed", "kind", kind)] = p.occupancy_by_kind[:, :, j]
            out[("places_needed", "kind", kind)] = need["by_kind"][:, :, j]
            out[("capacity", "kind", kind)] = p.capacity_by_kind[:, :, j]
        for j, prov in enumerate(p.provinces):
            out[("persons_in_bed", "province", prov)] = p.occupancy_by_province[:, :, j]
            out[("places_needed", "province", prov)] = need["by_province"][:, :, j]
            out[("capacity", "province", prov)] = p.capacity_by_province[:, :, j]
        return out

    def table(self) -> pd.DataFrame:
        """Bands at 6, 12 and 24 months (within the forecast): one row per figure and horizon."""
        rows = []
        dates = self.horizon_dates()
        for (quantity, breakdown, name), a in self.figures().items():
            for h, date in dates.items():
                q = prognosis.band(a[:, self._day(date)], list(QUANTILES))
                rows.append({"quantity": quantity, "breakdown": breakdown, "name": name, "horizon_months": h,
                             "date": date.isoformat(), "p05": q[0], "p25": q[1], "median": q[2], "p75": q[3],
                             "p95": q[4], "members": self.members, "label": label(quantity, breakdown, name)})
        return pd.DataFrame(rows, columns=TABLE_COLUMNS)   # the columns also when no horizon is within the forecast

    def daily_bands(self) -> pd.DataFrame:
        """National figures every day: the fan chart's numbers."""
        p = self.prognosis
        frames = {"date": [d.isoformat() for d in p.dates]}
        for (quantity, breakdown, _), a in self.figures().items():
            if breakdown != "national":
                continue
            q = prognosis.band(a, list(QUANTILES))
            for qi, v in zip(QUANTILES, q):
                frames[f"{quantity}_p{round(qi * 100):02d}"] = v
        return pd.DataFrame(frames)

    def dataset(self) -> xr.Dataset:
        """Every member's daily figures (NetCDF), with the assumptions as attributes."""
        p = self.prognosis
        coords = {"member": np.arange(self.members), "day": np.arange(len(p.dates)),
                  "date": ("day", pd.to_datetime(p.dates)), "kind": p.kinds, "province": p.provinces}
        ds = xr.Dataset(coords=coords)
        ds["population"] = (("member", "day"), p.population, {"units": "persons", "long_name": "persons in reception"})
        ds["permit_holders"] = (("member", "day"), p.permit_holders, {"units": "persons",
                                                                      "long_name": "permit holders waiting for a home"})
        ds["unsheltered"] = (("member", "day"), p.unsheltered, {"units": "persons", "long_name": "entitled, no bed"})
        for name, values, unit, what in (
                ("occupancy_by_kind", p.occupancy_by_kind, "persons", "persons in a bed (bezetting), by location kind"),
                ("capacity_by_kind", p.capacity_by_kind, "places", "usable places (capaciteit), by location kind"),
                ("occupancy_by_province", p.occupancy_by_province, "persons",
                 "persons in a bed (bezetting), by province"),
                ("capacity_by_province", p.capacity_by_province, "places", "usable places (capaciteit), by province")):
            ds[name] = (("member", "day", name.rsplit("_", 1)[1]), values, {"units": unit, "long_name": what})
        ds["inflow_multiplier"] = (("member", "day"), self.multipliers, {"units": "1",
                                   "long_name": "factor on the assumed expected arrivals"})
        ds.attrs.update(origin=self.origin.date.isoformat(), months=self.months, members=self.members, seed=self.seed,
                        target_occupancy=self.occupancy, inflow=self.inflow,
                        inflow_errors="none" if self.errors is None else self.errors.centre,
                        scenario=self.origin.scenario.name, code_version=code_version(),
                        assumptions="\n".join(self.assumptions()))
        if self.band is not None:        # first applicants a year (--inflow-band LOW:HIGH)
            ds.attrs["inflow_band"] = [self.band.low, self.band.high]
        if (months := self.recorded_months()) is not None:
            ds.attrs["inflow_recorded_after_origin"] = f"{months[0]:%Y-%m} to {months[1]:%Y-%m}"
        return ds

    def _spread(self) -> str:
        """What the members differ in, in words (the sources of the bands' width this forecast has)."""
        parts = ["the noise of the run"]
        if isinstance(self.origin.start, FromScenario):
            parts.append("the members' own initial stock")
        if self.band is not None:
            parts.append("the band's levels of arrivals")
        elif self.errors is not None:
            parts.append("the inflow uncertainty")
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]

    def recorded_months(self) -> tuple[dt.date, dt.date] | None:
        """The first and last month of the forecast whose arrivals the scenario's packaged monthly
        series gives (None: none): figures of the record, not an assumption made on the origin."""
        sc, p = self.origin.scenario, self.prognosis
        if self.inflow != "scenario" or sc.inflow.monthly_series is None:
            return None
        first, last = dt.date(p.dates[0].year, p.dates[0].month, 1), p.dates[-1]
        held = sorted(dt.date(y, m, 1) for y, m in data.monthly_inflow(sc.country, sc.inflow.monthly_series)
                      if first <= dt.date(y, m, 1) <= last)
        return (held[0], held[-1]) if held else None

    def _recorded_after_origin(self) -> str:
        """What the scenario's inflow knows of the time after the origin, in words ('' if nothing)."""
        months = self.recorded_months()
        if months is None:
            return ""
        series = self.origin.scenario.inflow.monthly_series
        return (f"; the arrivals of {months[0]:%Y-%m} to {months[1]:%Y-%m} are the packaged monthly series "
                f"{series!r} (model/data/{self.origin.scenario.country}/SOURCES.md): figures recorded after "
                f"the origin, which a forecaster on {self.origin.date} did not have — a forecast conditional on "
                f"the arrivals that came, not one made on the origin (--inflow persistence assumes only what "
                f"was known)")

    def _few_members(self) -> str:
        return _few_members_note(self.members)

    def assumptions(self) -> list[str]:
        """What the forecast assumed, in words (written to assumptions.txt and the NetCDF attributes)."""
        o, p = self.origin, self.prognosis
        reported = list(self.horizon_dates())
        lines = [f"noodplan forecast ({code_version()})",
                 f"Origin: {o.date} — {o.description}.",
                 f"Horizon: {self.months} month{'s' * (self.months != 1)} ({len(p.dates)} days, {p.dates[0]} to "
                 f"{p.dates[-1]}); "
                 + (f"figures at {'/'.join(map(str, reported))} months are those at the start of that date."
                    if reported else f"no report horizon ({', '.join(map(str, HORIZONS))} months) within it: the "
                    f"daily bands only (daily.csv)."),
                 f"Ensemble: {self.members} members, seed {self.seed}; each member has fresh random streams"
                 + ("" if not isinstance(o.start, prognosis.FromSnapshot) or not o.start.rekey else
                    " and redrawn household keys (the run's own keys would carry its future)")
                 + ("; each member draws its own initial stock" if isinstance(o.start, FromScenario) else "")
                 + ".",
                 f"World: {o.world.scenario.name!r}, {len(p.provinces)} province{'s' * (len(p.provinces) != 1)}; "
                 f"the scenario's chain parameters, "
                 f"plan and regimes as they stand at the origin"
                 + ("" if not isinstance(o.start, prognosis.FromSnapshot) or o.start.policy
                    else " (the plan and regimes stop acting in the members)") + "."]
        if o.world.scenario.chain.decision_capacity_rule == "budget":
            lines.append("IND capacity: follows its budget (chain.decision_capacity_rule budget) — in each calendar "
                         "year the first applications a day of the year before, as this forecast's inflow holds them "
                         "(before the origin the run's or the record's, after it each member's assumed arrivals), "
                         "split over the tracks as the scenario's decisions per day.")
        h = o.world.scenario.housing
        given = sorted(h.targets)
        if h.target_rule == "recent_permits":
            first = data.half_year(o.world.dates[0])
            opening = (f"{first}, in which the run starts, none known: the persons its chain makes permit holders "
                       f"a half-year at the rate it starts at; " if first not in o.world.housing_targets else "")
            lines.append("Housing targets: " + opening + (f"as given for {given[0]} to {given[-1]}; " if given else "")
                         + "every other half-year's target is set at its start to the persons who became permit "
                           "holders in the half-year before (housing.target_rule recent_permits).")
        else:
            lines.append("Housing targets: " + (f"as given to {given[-1]}, then " if given else "")
                         + "the packaged record where published, else "
                         f"{h.default_target_per_half_year:,.0f} a half-year.")
        if self.inflow == "persistence":
            pers = o.persistence
            family = (f"{pers.family_per_day * 365.25:,.0f} family members a year" if not pers.family_by_month else
                      f"family members that follow the first applications ({pers.family_per_day * 365.25:,.0f} a "
                      f"year once past the record)")
            lines.append(f"Inflow: persistence — {pers.first_per_day * 365.25:,.0f} first applicants a year and "
                         f"{family} ({pers.basis}).")
        else:
            lines.append("Inflow: the scenario's expected arrivals (baseline level, season, shocks, monthly series) "
                         "beyond the origin" + self._recorded_after_origin() + ".")
        if self.band is not None:
            b, days = self.band, len(p.dates)
            lines.append(f"Inflow band (--inflow-band): first applicants a year over the forecast spread evenly from "
                         f"{b.low:,.0f} to {b.high:,.0f} over the {self.members} members (member k of n at "
                         f"low + (high - low)(k + 1/2)/n), each on the assumed arrivals ("
                         f"{b.assumed_per_year(o, days):,.0f} first applicants a year over these months; season, "
                         f"shocks and family members alike) times one factor; no historical inflow errors. The band "
                         f"is a range of levels, equally weighted, not a probability: the 50 % and 90 % bands show "
                         f"the outcomes over the levels given.")
        elif self.errors is None:
            lines.append("Inflow uncertainty: none (every member on the assumed expected arrivals).")
        else:
            used = horizons_used(self.months)
            lines.append(f"Inflow uncertainty: errors of persistence over {self.errors.window} months on the packaged "
                         f"record known on {self.errors.as_of} "
                         f"(experiments/forecast/inflow.py); multipliers on the assumed arrivals, "
                         + (f"comonotone over {'/'.join(map(str, used))} months, " if len(used) > 1 else
                            "one a member over the whole forecast, ")
                         + ("centred: the median member assumes the point assumption (--inflow-errors centred):"
                            if self.errors.centre == "centred" else
                            "with the drift of the years they come from (--inflow-errors drift):"))
            lines += ["  " + s for s in self.errors.describe(self.months)]
        lines += [f"Places needed: persons / {percent(self.occupancy)} target occupancy; nationally everyone entitled "
                  "(in a bed or not), by kind and province those in a bed there, 'no bed' those without one.",
                  "Bands: quantiles over members at the Weibull plotting position k/(n+1): median, 50 % (p25-p75), "
                  f"90 % (p05-p95). They hold {self._spread()}; not the uncertainty of the chain's parameters or of "
                  "the model's structure." + self._few_members(),
                  "Adding up: each member's figures add up (kinds and 'no bed' to persons in reception, provinces to "
                  "the kinds, places needed = persons / occupancy, unrounded); the bands do not (the median of a sum "
                  "is not the sum of the medians): add the members in forecast.nc.",
                  "The location portfolio is synthetic (model/portfolio.py): capacity by kind and province is "
                  "illustrative."]
        return lines + self.origin.notes + self.notes


def _few_members_note(n: int) -> str:
    return "" if n >= BAND_MEMBERS else (
        f" With {n} member{'s' * (n != 1)} (fewer than {BAND_MEMBERS}) the 90 % band is the range of the members, "
        f"which holds a new outcome {(n - 1) / (n + 1):.0%} of the time, not 90 %"
        + ("" if n >= 3 else ", and so is the 50 % band") + f"; use {BAND_MEMBERS} members or more for a 90 % band.")


def inflow_errors_for(origin: Origin, inflow: str, centre: str = "centred") -> InflowErrors:
    """The members' inflow uncertainty by default: the record's errors of persistence, read as known
    on the origin (from recorded figures), else on the last recorded count (a run's origin is a
    simulated date: the whole packaged record is history then), over the persistence window the
    origin chose (or the default window under the scenario's own inflow)."""
    last = max(data.occupancy_record()[-1][0], origin.date) if origin.record is None else origin.date
    window = origin.persistence.window if inflow == "persistence" else WINDOW_MONTHS
    return errors_as_of(RecordAsOf(min(last, record_end())), window, centre)


def run_forecast(origin: Origin, months: int = 24, members: int = 20, seed: int = 1, inflow: str = "scenario",
                 errors: InflowErrors | None = None, occupancy: float = 0.95,
                 progress: Callable[[int, int], None] | None = None, jobs: int = 1,
                 band: InflowBand | None = None) -> Forecast:
    """Run the ensemble (see the module text), its members on `jobs` processes when more than one
    (the result does not depend on it). The arguments are checked before anything runs, in the
    command's ranges (one ScenarioError line naming the argument)."""
    if not isinstance(origin, Origin):
        raise ScenarioError(f"origin: an Origin (experiments.forecast.origins: from_run, from_snapshot_file, "
                            f"from_record), not {type(origin).__name__}")
    choice_argument("inflow", inflow, INFLOW_CHOICES)
    check_occupancy(occupancy)
    whole_argument("months", months, 1, MAX_MONTHS, " months")
    whole_argument("members", members, 1, MAX_MEMBERS, " members")
    if members * months > MAX_MEMBER_MONTHS:
        raise ScenarioError(f"members x months: at most {MAX_MEMBER_MONTHS:,} (got {members:,} x {months:,})")
    whole_argument("seed", seed, 0, MAX_SEED)
    whole_argument("jobs", jobs, 1, MAX_JOBS, " processes")
    if errors is not None and not isinstance(errors, InflowErrors):
        raise ScenarioError(f"errors: InflowErrors (inflow_errors_for) or None, not {type(errors).__name__}")
    if band is not None and not isinstance(band, InflowBand):
        raise ScenarioError(f"band: InflowBand(low, high) or None, not {type(band).__name__}")
    if band is not None and errors is not None:
        raise ScenarioError("band: an inflow band replaces the historical inflow errors; give errors=None with it")
    if progress is not None and not callable(progress):
        raise ScenarioError(f"progress: a function of (done, total) or None, not {type(progress).__name__}")
    if inflow == "persistence":
        origin = origin.with_persistence()
    elif origin.inflow != "scenario":
        raise ValueError("inflow: this start was built with the persistence assumption (from_record(..., "
                         "scenario_inflow=True) keeps the scenario's arrivals)")
    days = horizon_days(origin.date, months)
    if band is not None:
        multipliers = band.multipliers(origin, days, members)
    elif errors is None:
        multipliers = np.ones((members, days))
    else:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1F10]))
        multipliers = daily_paths(errors.draw(members, rng), origin.date, days)
    run = prognosis.one_after_another if min(jobs, members) <= 1 else in_processes(min(jobs, members))
    scaled = errors is not None or band is not None
    p = prognosis.prognose(origin.start, days, members, seed, multipliers if scaled else None, progress,
                           run_members=run)
    return Forecast(origin, months, seed, inflow, errors, occupancy, p, multipliers, band=band)


def in_processes(jobs: int) -> prognosis.RunMembers:
    """Run a prognosis's members on a pool of `jobs` processes, each holding the start (sent once a
    worker, not once a member); the members' figures come back in order as they finish."""
    def run(start: prognosis.Start, days: int, tasks: list[prognosis.MemberTask]) -> Iterator[dict[str, np.ndarray]]:
        with worker_pool(jobs, _hold_start, (start, days), what="the forecast") as pool:   # Ctrl+C stops them too
            yield from pool.map(_member, tasks)
    return run


_held: tuple[prognosis.Start, int] | None = None       # a worker's start and days (`in_processes`)


def _hold_start(start: prognosis.Start, days: int) -> None:
    global _held
    _held = (start, days)


def _member(task: prognosis.MemberTask) -> dict[str, np.ndarray]:
    assert _held is not None, "a worker of in_processes() holds the start"
    return prognosis.run_member(_held[0], _held[1], task)

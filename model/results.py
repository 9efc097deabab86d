"""What a run leaves behind: daily figures (xarray), the move log and the final populations."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from agents.applicants import Applicants
from agents.locations import N_KINDS, TEMPORARY_KINDS, Locations
from agents.moves import REASON_NAMES, MoveLog, Reason
from agents.products import whole_sums
from agents.sorting import last_of_each
from model import atomic
from model.metrics import SCALARS, WHOLE_NUMBERS, weighted_quantile
from model.scenario import Scenario, ScenarioError, whole_number


EVENT_COLUMNS = ["day", "date", "source", "where", "what", "detail"]   # of events.csv (docs/outputs.md)
SAVED_FILES = ("daily.csv", "daily.nc", "moves.csv", "events.csv")     # what `Results.save` writes, in this order


@dataclass
class Results:
    scenario: Scenario
    seed: int
    daily: xr.Dataset
    people: Applicants
    locations: Locations
    moves_log: MoveLog
    events: list[dict]          # decisions and happenings worth a line (plan, regimes, events)

    def daily_frame(self) -> pd.DataFrame:
        """One row per day: `date` (ISO 8601) then the figures of `model.metrics.SCALARS`."""
        df = pd.DataFrame({k: self.daily[k].values for k in SCALARS})
        for k in WHOLE_NUMBERS:
            df[k] = df[k].astype(np.int64)
        df["phase"] = self.daily["phase"].values.astype(np.int64)
        df["regime"] = self.daily["regime"].values.astype(str)
        df.insert(0, "date", [str(d)[:10] for d in self.daily["date"].values])
        return df

    def moves_frame(self) -> pd.DataFrame:
        """Every bed change: day, household, origin, destination (-1 = none), reason, km."""
        m = self.moves_log
        return pd.DataFrame({"day": m.day, "household": m.household, "origin": m.origin,
                             "destination": m.destination,
                             "reason": pd.Categorical.from_codes(m.reason, REASON_NAMES), "km": m.km})

    def moves_per_person(self, children_only: bool = False) -> np.ndarray:
        """Moves between locations of every person who was in reception during the run."""
        p = self.people
        _flag("moves_per_person", "children_only", children_only)
        weight = p.children if children_only else p.size
        return np.repeat(p.moves, weight.astype(np.int64))

    def churn(self, period: tuple[int, int] | None = None, kinds: tuple[int, ...] | None = None) -> dict[str, float]:
        """Relocation churn (verhuisbewegingen): rates per year in reception, and the spread over
        everyone who was in reception in the run.

        Rates (over `period` = (first day, day after the last), default the whole run):
        `moves_per_person_year` = persons moved between two locations / person-years in
        reception; `children_moves_per_year` the same for minors; `moves_per_person_year_<reason>`
        and `children_moves_per_year_<reason>` split by reason; `moves_per_person_year_between_temporary`
        counts only moves from one emergency or crisis location to another. A move of a household
        of four counts four person-moves. Getting a first bed (or a bed after nights without one)
        and leaving reception are not moves.

        Denominators, exactly: `person_years` = person-nights in a bed at a reception location
        during the period / 365 (a household that got a bed on day d and left or moved on on day e
        spent e - d nights there; one still in a bed counts to the end of the period); the same
        as the sum of the daily `in_bed` / 365. People entitled but without a bed are not in it.
        `child_years` likewise with each household's minors. With `kinds` (location kinds), only
        nights at locations of those kinds count, and only moves out of them.

        Spread over the whole run (not limited by `period`): moves per person and per child
        (mean, p90, share with 3+ moves) of everyone ever in reception, locations seen per person
        and km moved per person."""
        log, p = self.moves_log, self.people
        end = int(self.daily.sizes["day"])
        if period is not None and not (isinstance(period, tuple | list) and len(period) == 2
                                       and _whole("churn", "period", period[0], 0, end) <= _whole(
                                           "churn", "period", period[1], 0, end)):
            raise ScenarioError(f"churn: period: (first day, day after the last), 0 <= first <= last <= {end}, "
                                f"not {period!r}")
        if kinds is not None:
            kinds = tuple(_whole("churn", "kinds", k, 0, N_KINDS - 1) for k in _listed("churn", "kinds", kinds))
        p0, p1 = period if period is not None else (0, end)
        hh = log.household.astype(np.int64)
        day = log.day.astype(np.int64)
        size = p.size[hh].astype(np.int64)
        kids = p.children[hh].astype(np.int64)
        between = (log.origin >= 0) & (log.destination >= 0) & (log.origin != log.destination)
        in_period = (day >= p0) & (day < p1)
        counted = between & in_period
        # nights of each bed spell: from its row to the household's next row (rows are in time order)
        order = np.argsort(hh, kind="stable")
        next_day = np.full(len(hh), end, np.int64)
        same = hh[order][1:] == hh[order][:-1]
        next_day[order[:-1][same]] = day[order][1:][same]
        nights = np.where(log.destination >= 0, np.clip(np.minimum(next_day, p1) - np.maximum(day, p0), 0, None), 0)
        if kinds is not None:
            at = np.isin(self.locations.kind, kinds)
            nights = np.where(at[log.destination], nights, 0)
            counted &= at[log.origin]
        person_years = float(whole_sums(nights, size)) / 365.0
        child_years = float(whole_sums(nights, kids)) / 365.0
        per = lambda x, years: float(x) / years if years > 0 else 0.0  # noqa: E731
        temporary = np.isin(self.locations.kind, TEMPORARY_KINDS)
        both_temporary = counted & temporary[log.origin] & temporary[log.destination]
        mv = self.moves_per_person()
        ch = self.moves_per_person(children_only=True)
        ever_in_bed = np.zeros(p.n, np.int64)   # location stays: the first bed plus one per move
        ever_in_bed[hh[log.destination >= 0]] = 1
        out = {
            "moves_per_person_year": per(size[counted].sum(), person_years),
            "children_moves_per_year": per(kids[counted].sum(), child_years),
            "moves_per_person_year_between_temporary": per(size[both_temporary].sum(), person_years),
            "person_years": person_years,
            "child_years": child_years,
            "moves_mean": float(mv.mean()) if len(mv) else 0.0,
            "moves_p90": float(np.percentile(mv, 90)) if len(mv) else 0.0,
            "share_3plus": float(np.mean(mv >= 3)) if len(mv) else 0.0,
            "children_moves_mean": float(ch.mean()) if len(ch) else 0.0,
            "children_moves_p90": float(np.percentile(ch, 90)) if len(ch) else 0.0,
            "children_share_3plus": float(np.mean(ch >= 3)) if len(ch) else 0.0,
            "locations_per_person": float(np.repeat(p.moves + ever_in_bed, p.size).mean()) if len(mv) else 0.0,
            "km_per_person": float((log.km[counted] * size[counted]).sum() / max(len(mv), 1)),
        }
        for r in MOVE_REASONS:
            name = r.name.lower()
            sel = counted & (log.reason == r)
            out[f"moves_{name}"] = float(size[sel].sum())
            out[f"moves_per_person_year_{name}"] = per(size[sel].sum(), person_years)
            out[f"children_moves_per_year_{name}"] = per(kids[sel].sum(), child_years)
        return out

    def moves_before(self, day: int, days: int = 365, children_only: bool = False) -> np.ndarray:
        """Moves between locations in the `days` days up to and including `day`, one value per
        person (or minor) in a bed at the end of `day`: the view of a survey among residents."""
        _whole("moves_before", "day", day, 0, int(self.daily.sizes["day"]))
        _whole("moves_before", "days", days, 1, None)
        _flag("moves_before", "children_only", children_only)
        log, p = self.moves_log, self.people
        rows = np.flatnonzero(log.day <= day)
        hh = log.household[rows].astype(np.int64)
        last = last_of_each(hh)                     # each household's last row by `day`
        present = hh[last][log.destination[rows[last]] >= 0]
        recent = rows[log.day[rows] > day - days]
        o, d = log.origin[recent], log.destination[recent]
        between = (o >= 0) & (d >= 0) & (o != d)
        moves = np.bincount(log.household[recent][between].astype(np.int64), minlength=p.n)
        weight = (p.children if children_only else p.size)[present].astype(np.int64)
        return np.repeat(moves[present], weight)

    def decision_times(self) -> dict[str, tuple[float, float, int]]:
        """Per IND track: median and 90th percentile of the days from arrival to the first decision
        (Dublin: the transfer decision) over the persons decided in the run, and how many."""
        hist = self.daily["decided_by_wait"]
        out = {}
        for track in hist["track"].values:
            w = hist.sel(track=track).values
            days = np.arange(len(w))
            out[str(track)] = (*weighted_quantile(days, w, (0.5, 0.9)), int(w.sum()))
        return out

    def save(self, out: str | Path) -> dict[str, Path]:
        """Write daily.csv, daily.nc, moves.csv and events.csv (always, with a header when nothing
        happened, so no earlier run's log can stay beside these results) into folder `out`, made if
        absent; other files in it are left alone. Whole or absent: the four are written into a
        temporary folder (beside `out`, or inside it when it exists) and renamed into place only when
        all are complete (`model.atomic`), so an error or Ctrl+C midway leaves `out` as it was -- no
        new daily.csv beside an older run's events.csv -- and no temporary folder. The command line
        adds a manifest and its checks of the target (`experiments.outputs`)."""
        if not isinstance(out, str | Path):
            raise ScenarioError(f"save: out: a folder (a path), not {type(out).__name__}")
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise ScenarioError(f"save: out: {out} is a file, not a folder")
        for name in SAVED_FILES:
            if (out / name).is_dir() and not (out / name).is_symlink():
                raise ScenarioError(f"save: out: {out / name} is a folder; the file {name} goes there")
        where = out if out.is_dir() else out.parent
        where.mkdir(parents=True, exist_ok=True)
        with atomic.staging(where, out.name or "results") as tmp:
            self.daily_frame().to_csv(tmp / "daily.csv", index=False)
            write_netcdf(self.daily, tmp / "daily.nc")
            self.moves_frame().to_csv(tmp / "moves.csv", index=False)
            events = pd.DataFrame(self.events) if self.events else pd.DataFrame(columns=EVENT_COLUMNS)
            events.to_csv(tmp / "events.csv", index=False)
            with atomic.signals_held():
                if out.is_dir():
                    atomic.replace_files(tmp, out, SAVED_FILES)
                else:
                    os.rename(tmp, out)
        return {name: out / name for name in SAVED_FILES}

    def summary(self) -> str:
        """A planner-readable summary of the run."""
        d = self.daily
        if d.sizes["day"] == 0:       # a Mesa model or the dashboard asked before its first step
            return (f"Scenario {self.scenario.name!r}, seed {self.seed}: no day simulated yet (the run starts on "
                    f"{self.scenario.start_date}; in reception at the start {d.attrs['initial_population']:,})")
        pop = d["population"].values
        uns = d["unsheltered"].values
        ch = self.churn()
        ep = d["occupancy_by_kind"].sel(kind=["emergency", "crisis"]).sum("kind").values
        lines = [
            f"Scenario {self.scenario.name!r}, seed {self.seed}: {str(d['date'].values[0])[:10]} "
            f"to {str(d['date'].values[-1])[:10]} ({d.sizes['day']:,} day{'s' if d.sizes['day'] != 1 else ''})",
            f"  In reception (entitled): start {d.attrs['initial_population']:,}, end {int(pop[-1]):,}, "
            f"peak {int(pop.max()):,} on {str(d['date'].values[pop.argmax()])[:10]}",
            f"  Arrivals {int(d['arrivals'].sum()):,}; housed {int(d['exits_housed'].sum()):,}, "
            f"departed {int(d['exits_departed'].sum()):,}, transferred {int(d['exits_transferred'].sum()):,}",
            f"  Without a bed: {int(uns.sum()):,} person-nights, peak {int(uns.max()):,} "
            f"(days with anyone unsheltered: {int((uns > 0).sum())})",
            f"  Occupancy {d['occupancy_rate'].values[-1]:.0%} at the end; in emergency/crisis "
            f"reception (noodopvang) {ep[-1] / max(pop[-1], 1):.0%} of residents",
            f"  Permit holders waiting (vergunninghouders): {int(d['permit_holders_waiting'].values[-1]):,} "
            f"at the end ({d['permit_holders_waiting'].values[-1] / max(pop[-1], 1):.0%})",
            f"  Moves (verhuisbewegingen): {ch['moves_per_person_year']:.2f} per person-year in reception, "
            f"children {ch['children_moves_per_year']:.2f} per child-year ({ch['person_years']:,.0f} person-years, "
            f"{ch['child_years']:,.0f} child-years); between emergency/crisis locations "
            f"{ch['moves_per_person_year_between_temporary']:.2f} per person-year",
            f"  Moves per person in the run: mean {ch['moves_mean']:.2f}, p90 {ch['moves_p90']:.0f}, "
            f"3+ moves {ch['share_3plus']:.1%}; children mean {ch['children_moves_mean']:.2f}, "
            f"3+ moves {ch['children_share_3plus']:.1%}; {ch['km_per_person']:.0f} km per person",
            "  Moves by reason (persons; per person-year): " + ", ".join(
                f"{r.name.lower().replace('_', ' ')} {ch['moves_' + r.name.lower()]:,.0f} "
                f"({ch['moves_per_person_year_' + r.name.lower()]:.2f})" for r in MOVE_REASONS),
            "  Decision time (days from arrival to first decision, median / p90): " + ", ".join(
                f"{t} {m:.0f} / {p:.0f}" if n else f"{t} none" for t, (m, p, n) in self.decision_times().items()),
            f"  Rights and deadlines: {int(d['appeals'].sum()):,} appeals lodged ({int(d['appeal_permits'].sum()):,} "
            f"permits on appeal); vulnerability assessed late {int(d['vulnerability_late'].sum()):,} of "
            f"{int(d['vulnerability_assessed'].sum()):,}; border procedures past 12 weeks "
            f"{int(d['border_late'].sum()):,} "
            f"(moved to regular), diverted over capacity {int(d['border_diverted'].sum()):,}; Dublin final transfer "
            f"date passed {int(d['dublin_deadline_passed'].sum()):,}, absconded {int(d['dublin_absconded'].sum()):,}",
            "  Plan (noodplan): " + _phase_line(d["phase"].values) + _regime_line(d["regime"].values),
            f"  Cost: EUR {d['cost_eur'].sum() / 1e9:.2f} billion "
            f"(EUR {d['cost_eur'].values.mean() / 1e6:.1f} million per day)",
            f"  Locations (synthetic portfolio): {int((self.locations.life == 1).sum())} open at the end, of "
            f"{self.locations.n} in the portfolio over the run (reserve, replacement sites and openings included)",
        ]
        if self.scenario.provinces:   # a planner reads "start 70,000" in Zeeland as Zeeland's own figure
            lines.append(f"  World: only {', '.join(self.scenario.provinces)}; inflow, stock and places are the "
                         "scenario's figures as given, not scaled to these provinces (docs/model.md, Limits)")
        return "\n".join(lines)


# the reasons that are moves between two locations (not a first bed, not leaving reception)
MOVE_REASONS = [r for r in Reason if r not in (Reason.INTAKE, Reason.EXIT)]

def _whole(method: str, field: str, value: object, lo: int, hi: int | None) -> int:
    """An argument of a Results accessor that must be a whole number from lo to hi (None: no upper bound)."""
    n = whole_number(value)
    if n is None or n < lo or (hi is not None and n > hi):
        upto = f" to {hi:,}" if hi is not None else ""
        raise ScenarioError(f"{method}: {field}: a whole number from {lo}{upto}, not {value!r}")
    return n


def _flag(method: str, field: str, value: object) -> None:
    if not isinstance(value, bool | np.bool_):
        raise ScenarioError(f"{method}: {field}: True or False, not {value!r}")


def _listed(method: str, field: str, value: object) -> list:
    if isinstance(value, str) or not isinstance(value, tuple | list | set | frozenset | np.ndarray):
        raise ScenarioError(f"{method}: {field}: several values (a tuple or list), not {type(value).__name__}")
    return list(value)


PHASE_NAMES = ["normal", "raised occupancy", "reserve capacity", "emergency reception (noodopvang)",
               "crisis emergency reception (crisisnoodopvang)"]


def _phase_line(phase: np.ndarray) -> str:
    top = int(phase.max())
    if top == 0:
        return "stayed in phase 0 (normal)"
    days = ", ".join(f"{p}: {int((phase == p).sum())}" for p in range(1, top + 1) if (phase == p).any())
    return (f"highest phase {top}, {PHASE_NAMES[top]}, first on day {int(np.argmax(phase == top))}; "
            f"days in phase {days}")


def _regime_line(regime: np.ndarray) -> str:
    active = regime != ""
    if not active.any():
        return ""
    names = sorted({r for r in regime[active]})
    return f"; EU regime {', '.join(names)} for {int(active.sum())} days"


def netcdf_bytes(ds: xr.Dataset) -> bytes:
    """`ds` as a NetCDF (HDF5) file, made in memory."""
    return bytes(ds.to_netcdf(engine="h5netcdf"))


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write `ds` as NetCDF (HDF5) to `path`: made in memory, then written as plain bytes. HDF5
    writing straight into a file whose disk fills (or whose quota ends) cannot close it: it printed
    dozens of "Exception ignored … Can't decrement id ref count" tracebacks and the process ended in
    a segmentation fault at exit; a plain write raises one OSError, which the writer reports."""
    data = memoryview(ds.to_netcdf(engine="h5netcdf"))   # a view of xarray's buffer: not copied again,
    try:
        with open(path, "wb") as f:
            f.write(data)
    finally:        # and let go of at once: held by a traceback, it crashed the interpreter at exit
        data.release()
    return Path(path)

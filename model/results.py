"""What a run leaves behind: daily figures (xarray), the move log and the final populations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from agents.applicants import Applicants
from agents.locations import Locations
from agents.moves import REASON_NAMES, MoveLog, Reason
from model.metrics import SCALARS
from model.scenario import Scenario


EVENT_COLUMNS = ["day", "date", "source", "where", "what", "detail"]   # of events.csv (docs/outputs.md)


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
        for k in ("arrivals", "population", "in_bed", "unsheltered", "permit_holders_waiting",
                  "exits_housed", "exits_departed", "exits_transferred", "capacity", "moves"):
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
        weight = p.children if children_only else p.size
        return np.repeat(p.moves, weight.astype(np.int64))

    def churn(self) -> dict[str, float]:
        """Relocation churn (verhuisbewegingen) over everyone who was in reception in the run:
        moves per person and per child (mean, p90, share with 3+ moves), locations seen per
        person, km moved per person, and moves by reason."""
        mv = self.moves_per_person()
        kids = self.moves_per_person(children_only=True)
        log = self.moves_log
        between = (log.origin >= 0) & (log.destination >= 0) & (log.origin != log.destination)
        size = self.people.size[log.household].astype(np.int64)
        persons = max(len(mv), 1)
        ever_in_bed = np.zeros(self.people.n, np.int64)   # location stays: the first bed plus one per move
        ever_in_bed[log.household[log.destination >= 0]] = 1
        out = {
            "moves_mean": float(mv.mean()) if len(mv) else 0.0,
            "moves_p90": float(np.percentile(mv, 90)) if len(mv) else 0.0,
            "share_3plus": float(np.mean(mv >= 3)) if len(mv) else 0.0,
            "children_moves_mean": float(kids.mean()) if len(kids) else 0.0,
            "children_moves_p90": float(np.percentile(kids, 90)) if len(kids) else 0.0,
            "children_share_3plus": float(np.mean(kids >= 3)) if len(kids) else 0.0,
            "locations_per_person": float(np.repeat(self.people.moves + ever_in_bed, self.people.size).mean()) if len(mv) else 0.0,
            "km_per_person": float((log.km[between] * size[between]).sum() / persons),
        }
        for r in Reason:
            if r in (Reason.INTAKE, Reason.EXIT):
                continue
            out[f"moves_{r.name.lower()}"] = float(size[between & (log.reason == r)].sum())
        return out

    def save(self, out: str | Path) -> dict[str, Path]:
        """Write daily.csv, daily.nc, moves.csv and events.csv (always, with a header when nothing
        happened, so no earlier run's log can stay beside these results) into folder `out`.
        The command line writes into a fresh temporary folder and renames it into place
        (`experiments.outputs`), so a target holds all of one run's files or none."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {name: out / name for name in ("daily.csv", "daily.nc", "moves.csv", "events.csv")}
        self.daily_frame().to_csv(paths["daily.csv"], index=False)
        self.daily.to_netcdf(paths["daily.nc"], engine="h5netcdf")
        self.moves_frame().to_csv(paths["moves.csv"], index=False)
        events = pd.DataFrame(self.events) if self.events else pd.DataFrame(columns=EVENT_COLUMNS)
        events.to_csv(paths["events.csv"], index=False)
        return paths

    def summary(self) -> str:
        """A planner-readable summary of the run."""
        d = self.daily
        pop = d["population"].values
        uns = d["unsheltered"].values
        ch = self.churn()
        ep = d["occupancy_by_kind"].sel(kind=["emergency", "crisis"]).sum("kind").values
        lines = [
            f"Scenario {self.scenario.name!r}, seed {self.seed}: {str(d['date'].values[0])[:10]} "
            f"to {str(d['date'].values[-1])[:10]} ({d.sizes['day']} days)",
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
            f"  Moves (verhuisbewegingen) per person: mean {ch['moves_mean']:.2f}, p90 {ch['moves_p90']:.0f}, "
            f"3+ moves {ch['share_3plus']:.1%}; children mean {ch['children_moves_mean']:.2f}, "
            f"3+ moves {ch['children_share_3plus']:.1%}; {ch['km_per_person']:.0f} km per person",
            "  Moves by reason: " + ", ".join(f"{r.name.lower().replace('_', ' ')} {ch['moves_' + r.name.lower()]:,.0f}"
                                              for r in Reason if r not in (Reason.INTAKE, Reason.EXIT)),
            "  Plan (noodplan): " + _phase_line(d["phase"].values) + _regime_line(d["regime"].values),
            f"  Cost: EUR {d['cost_eur'].sum() / 1e9:.2f} billion "
            f"(EUR {d['cost_eur'].values.mean() / 1e6:.1f} million per day)",
            f"  Locations: synthetic portfolio of {self.locations.n} "
            f"({int((self.locations.life == 1).sum())} open at the end)",
        ]
        return "\n".join(lines)


PHASE_NAMES = ["normal", "raised occupancy", "reserve capacity", "emergency reception (noodopvang)",
               "crisis emergency reception (crisisnoodopvang)"]


def _phase_line(phase: np.ndarray) -> str:
    top = int(phase.max())
    if top == 0:
        return "stayed in phase 0 (normal)"
    days = ", ".join(f"phase {p} {int((phase == p).sum())} d" for p in range(1, top + 1) if (phase == p).any())
    return f"highest phase {top} ({PHASE_NAMES[top]}), first on day {int(np.argmax(phase == top))}; {days}"


def _regime_line(regime: np.ndarray) -> str:
    active = regime != ""
    if not active.any():
        return ""
    names = sorted({r for r in regime[active]})
    return f"; EU regime {', '.join(names)} for {int(active.sum())} days"

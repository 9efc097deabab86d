"""What a run leaves behind: daily figures (xarray), the move log and the final populations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from agents.applicants import Applicants, Stage
from agents.locations import Locations
from agents.moves import REASON_NAMES, MoveLog, Reason
from model.metrics import SCALARS
from model.scenario import Scenario


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

    def save(self, out: str | Path) -> dict[str, Path]:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"daily.csv": out / "daily.csv", "daily.nc": out / "daily.nc", "moves.csv": out / "moves.csv"}
        self.daily_frame().to_csv(paths["daily.csv"], index=False)
        self.daily.to_netcdf(paths["daily.nc"], engine="h5netcdf")
        self.moves_frame().to_csv(paths["moves.csv"], index=False)
        if self.events:
            paths["events.csv"] = out / "events.csv"
            pd.DataFrame(self.events).to_csv(paths["events.csv"], index=False)
        return paths

    def summary(self) -> str:
        """A planner-readable summary of the run."""
        d = self.daily
        pop = d["population"].values
        uns = d["unsheltered"].values
        mv = self.moves_per_person()
        kids = self.moves_per_person(children_only=True)
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
            f"  Moves per person: mean {mv.mean():.2f}, p90 {np.percentile(mv, 90):.0f}, "
            f"3+ moves {np.mean(mv >= 3):.0%}; children mean {kids.mean() if len(kids) else 0:.2f}",
            f"  Cost: EUR {d['cost_eur'].sum() / 1e9:.2f} billion "
            f"(EUR {d['cost_eur'].values.mean() / 1e6:.1f} million per day)",
            f"  Locations: synthetic portfolio of {self.locations.n} "
            f"({int((self.locations.life == 1).sum())} open at the end)",
        ]
        return "\n".join(lines)

"""Figures per province and per safety region (veiligheidsregio): a table and daily series.

Per unit: persons in its reception locations, usable places and occupancy; its reception target
under the Spreidingswet (96,000 places keyed to population, `municipalities.spreidingswet_places`)
and the load against it (persons hosted ÷ target: 1 = it hosts exactly its share); the plan's
phase (a province's own phase with `scope: province`, else the national one); and the places the
plan's requests delivered there (locations opened by requests, by where they stand) against the
places asked. The model logs the places asked per province only when the plan runs per province;
a national request is asked of the whole country, so its row is the national total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viz.session import Session, Snapshot

LEVELS = {"provinces": "Province", "safety regions": "Safety region (veiligheidsregio)"}
# figure key -> (label, unit) for the table, the small multiples and the map
FIGURES = {
    "occupancy": ("Occupancy (bezettingsgraad)", "persons per usable place"),
    "load": ("Load against the Spreidingswet key", "persons hosted ÷ target places"),
    "phase": ("Plan phase (noodplan)", "0 normal … 4 crisis"),
    "delivered": ("Places delivered by the plan", "places"),
}


@dataclass
class UnitRow:
    name: str
    persons: int
    places: int
    occupancy: float          # persons per usable place (NaN without places)
    target: float             # Spreidingswet target places
    load: float               # persons ÷ target
    phase: int | None         # None: plan not active
    asked: int | None         # places asked of this unit (None: not asked per unit, `asked_cell`)
    delivered: int            # places delivered here by the plan's requests


def asked_cell(row: UnitRow, total: dict) -> str:
    """The table's 'places asked' of a unit: its places (0 when it was asked none), or where the
    model asks when it does not ask per unit ('national', or 'per province' in a safety region)."""
    return total["asked_by"] if row.asked is None else f"{row.asked:,}"


def unit_of(session: Session, level: str) -> tuple[list[str], np.ndarray]:
    """Unit names and the unit index of every municipality."""
    s = session.state
    if level == "provinces":
        return list(s.world.provinces), s.munis.province.astype(np.int64)
    return list(s.world.regions), s.munis.region.astype(np.int64)


def table(session: Session, level: str) -> tuple[list[UnitRow], dict]:
    """One row per unit for the end of the last simulated day, and the national totals."""
    with session.lock:
        s = session.state
        names, of_muni = unit_of(session, level)
        n = len(names)
        L, M = s.locs, s.munis
        loc_unit = of_muni[L.municipality]
        persons = np.bincount(loc_unit, weights=L.occupancy, minlength=n)
        places = np.bincount(loc_unit, weights=L.places(), minlength=n)
        target = np.bincount(of_muni, weights=M.reception_target, minlength=n)
        opened = (np.fromiter(session.series.plan_opened, np.int64) if session.series.plan_opened
                  else np.empty(0, np.int64))
        delivered = (np.bincount(loc_unit[opened], weights=L.capacity[opened], minlength=n) if len(opened)
                     else np.zeros(n))
        phases = unit_phases(session, level)
        asked = asked_by_unit(s.event_log, names)
        plan = getattr(s.sc, "plan", None)
        by_province = plan is not None and getattr(plan, "scope", "national") == "province"
    # the model asks per province only with a plan per province: there a province asked nothing
    # was asked 0 places (it read 'national', as if a national request stood for it)
    per_unit = by_province and level == "provinces"
    rows = [UnitRow(names[i], int(persons[i]), int(places[i]),
                    persons[i] / places[i] if places[i] else float("nan"), float(target[i]),
                    persons[i] / target[i] if target[i] else float("nan"),
                    None if phases is None else int(phases[i]), asked.get(names[i], 0) if per_unit else None,
                    int(delivered[i]))
            for i in range(n)]
    total = {"persons": int(persons.sum()), "places": int(places.sum()), "target": float(target.sum()),
             "asked": asked.get("national", 0) + sum(v for k, v in asked.items() if k != "national"),
             "asked_by": "" if per_unit else ("per province" if by_province else "national"),
             "delivered": int(delivered.sum())}
    return rows, total


def unit_phases(session: Session, level: str) -> np.ndarray | None:
    """Phase of each unit on the last simulated day (a region takes its province's phase)."""
    snap = session.snapshot()
    if snap.phase is None:
        return None
    s = session.state
    d = snap.day
    prov_phase = snap.province_phase[-1] if d and snap.province_phase is not None else \
        np.full(len(s.world.provinces), int(snap.phase[-1]) if d else 0)
    if level == "provinces":
        return np.asarray(prov_phase)
    names, of_muni = unit_of(session, level)
    out = np.zeros(len(names), np.int64)
    np.maximum.at(out, of_muni, np.asarray(prov_phase)[s.munis.province])
    return out


def asked_by_unit(event_log: list[dict], names: list[str]) -> dict[str, int]:
    """Places asked by the plan's requests, by the place the log names ('national' or a unit)."""
    from viz.decisions import rows as decision_rows

    out: dict[str, int] = {}
    for r in decision_rows([e for e in event_log if e.get("source") == "plan"]):
        if r.asked is not None:
            key = r.where if r.where in names else "national"
            out[key] = out.get(key, 0) + r.asked
    return out


def series(session: Session, snap: Snapshot, level: str, figure: str) -> tuple[list[str], np.ndarray]:
    """Daily values of `figure` per unit (rows: days simulated, columns: units)."""
    s = session.state
    names, of_muni = unit_of(session, level)
    d = snap.day
    if level == "provinces":
        rec = s.recorder
        occ, cap = rec.province_occupancy[:d], rec.province_capacity[:d]
    else:
        occ, cap = snap.extra.region_occupancy[:d], snap.extra.region_capacity[:d]
    if figure == "occupancy":
        return names, np.divide(occ, cap, out=np.full(occ.shape, np.nan), where=cap > 0)
    if figure == "load":
        target = np.bincount(of_muni, weights=s.munis.reception_target, minlength=len(names))
        return names, np.divide(occ, target, out=np.full(occ.shape, np.nan), where=target > 0)
    if figure == "phase":
        if snap.phase is None:
            return names, np.full((d, len(names)), np.nan)
        pp = snap.province_phase if snap.province_phase is not None else np.repeat(snap.phase[:, None],
                                                                                   len(s.world.provinces), 1)
        if level == "provinces":
            return names, pp.astype(float)
        out = np.zeros((d, len(names)))
        for j in range(len(names)):
            provs = np.unique(s.munis.province[of_muni == j])
            out[:, j] = pp[:, provs].max(axis=1) if len(provs) else np.nan
        return names, out
    raise ValueError(f"no daily series of {figure!r} per unit")

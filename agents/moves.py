"""Moving households between beds, with every move counted per household and logged with reason.

A *move* is a change from one location to another (verhuisbeweging). Getting a bed after a night
without one, or leaving reception, is not a move but is recorded in the same way so that nights
per kind of location can be summed per person.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from agents.applicants import Applicants
from agents.locations import Kind, Locations


class Reason(IntEnum):
    """Why a household changed bed."""

    INTAKE = 0             # first bed, or a bed after nights without one (not a move)
    PROCEDURE_STEP = 1     # registration location -> process/regular location, and the like
    LOCATION_CLOSING = 2   # its location closed (contract ended, scale-down, force majeure)
    CAPACITY_BALANCING = 3  # moved to relieve a full location or region
    EMERGENCY_TO_REGULAR = 4  # from emergency/crisis reception up to a regular place
    FAMILY_REUNION = 5     # joined family members elsewhere
    EXIT = 6               # left reception (housed, departed, transferred; not a move)


REASON_NAMES = [r.name.lower() for r in Reason]


class MoveLog:
    """Append-only log of bed changes: day, household, from, to, reason, distance (km)."""

    def __init__(self, capacity: int = 4096) -> None:
        self.n = 0
        self._cols = {
            "day": np.zeros(capacity, np.int32),
            "household": np.zeros(capacity, np.int32),
            "origin": np.zeros(capacity, np.int32),
            "destination": np.zeros(capacity, np.int32),
            "reason": np.zeros(capacity, np.int8),
            "km": np.zeros(capacity, np.float32),
        }

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("_cols")
        if cols is not None and name in cols:
            return cols[name][: self.n]
        raise AttributeError(name)

    def append(self, day: int, household: np.ndarray, origin: np.ndarray,
               destination: np.ndarray, reason: np.ndarray | int, km: np.ndarray) -> None:
        k = len(household)
        if k == 0:
            return
        cap = len(self._cols["day"])
        if self.n + k > cap:
            new_cap = max(self.n + k, 2 * cap)
            for name, a in self._cols.items():
                b = np.zeros(new_cap, a.dtype)
                b[: self.n] = a[: self.n]
                self._cols[name] = b
        sl = slice(self.n, self.n + k)
        c = self._cols
        c["day"][sl] = day
        c["household"][sl] = household
        c["origin"][sl] = origin
        c["destination"][sl] = destination
        c["reason"][sl] = reason
        c["km"][sl] = km
        self.n += k


def move(people: Applicants, locs: Locations, log: MoveLog, ids: np.ndarray,
         destination: np.ndarray | int, day: int, reason: int,
         distance_km: np.ndarray | None = None) -> int:
    """Put households `ids` in `destination` (-1 = no bed). Returns persons moved between locations.

    Closes the current spell (nights in emergency, crisis or without a bed), keeps location
    occupancy and children counts exact, counts moves per household and logs every change.
    """
    if len(ids) == 0:
        return 0
    dest = np.broadcast_to(np.asarray(destination, dtype=np.int64), ids.shape)
    origin = people._h["location"][ids].astype(np.int64)
    sizes = people._h["size"][ids].astype(np.int64)
    kids = people._h["children"][ids].astype(np.int64)
    h = people._h
    spell = (day - h["loc_since"][ids]).astype(np.int64)
    had = origin >= 0
    origin_kind = np.where(had, locs.kind[np.maximum(origin, 0)], -1)
    for field, sel in (("nights_emergency", origin_kind == Kind.EMERGENCY),
                       ("nights_crisis", origin_kind == Kind.CRISIS),
                       ("nights_unsheltered", ~had)):
        if sel.any():
            h[field][ids[sel]] += spell[sel].astype(np.int16)
    n_loc = locs.n
    if had.any():
        locs.occupancy -= np.bincount(origin[had], weights=sizes[had], minlength=n_loc).astype(np.int64)
        locs.children -= np.bincount(origin[had], weights=kids[had], minlength=n_loc).astype(np.int64)
    gets = dest >= 0
    if gets.any():
        locs.occupancy += np.bincount(dest[gets], weights=sizes[gets], minlength=n_loc).astype(np.int64)
        locs.children += np.bincount(dest[gets], weights=kids[gets], minlength=n_loc).astype(np.int64)
    h["location"][ids] = dest
    h["loc_since"][ids] = day
    between = had & gets & (origin != dest)
    if between.any():
        h["moves"][ids[between]] += 1
    changed = origin != dest
    if changed.any():
        km = np.zeros(int(changed.sum()), np.float32)
        if distance_km is not None:
            both = between[changed]
            o, d = origin[changed][both], dest[changed][both]
            km[both] = distance_km[locs.municipality[o], locs.municipality[d]]
        why = np.where(~had[changed], Reason.INTAKE, reason).astype(np.int8)
        log.append(day, ids[changed], origin[changed], dest[changed], why, km)
    return int(sizes[between].sum())

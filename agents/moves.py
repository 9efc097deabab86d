"""Moving households between beds, with every move counted per household and logged with reason.

A *move* is a change from one location to another (verhuisbeweging). Getting a bed after a night
without one, or leaving reception, is not a move but is recorded in the same way so that nights
per kind of location can be summed per person.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from agents.applicants import Applicants
from agents.columns import reserve
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
        reserve(self._cols, self.n, self.n + k)
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
    n = len(ids)
    if n == 0:
        return 0
    h = people._h
    origin = h["location"][ids].astype(np.int64)
    if isinstance(destination, (int, np.integer)):
        dest = np.empty(n, np.int64)
        dest.fill(int(destination))
    else:
        dest = np.asarray(destination).astype(np.int64, copy=False)
    sizes = h["size"][ids].astype(np.int64)
    kids = h["children"][ids].astype(np.int64)
    spell = (day - h["loc_since"][ids]).astype(np.int16)
    had = origin >= 0
    gets = dest >= 0
    n_had = int(np.count_nonzero(had))
    n_gets = int(np.count_nonzero(gets))
    if n_had == 0:        # all without a bed: one spell, no occupancy to release
        h["nights_unsheltered"][ids] += spell
    else:
        # nights per kind of spell: 0 none, 1 emergency, 2 crisis, 3 without a bed
        spell_kind = np.where(had, _SPELL_OF_KIND[locs.kind[origin]], 3) if n_had < n \
            else _SPELL_OF_KIND[locs.kind[origin]]
        present = np.bincount(spell_kind, minlength=4)
        for code, field in ((1, "nights_emergency"), (2, "nights_crisis"), (3, "nights_unsheltered")):
            if present[code]:
                sel = spell_kind == code
                h[field][ids[sel]] += spell[sel]
        if n_had == n:
            np.subtract.at(locs.occupancy, origin, sizes)
            np.subtract.at(locs.children, origin, kids)
        else:
            np.subtract.at(locs.occupancy, origin[had], sizes[had])
            np.subtract.at(locs.children, origin[had], kids[had])
    if n_gets == n:
        np.add.at(locs.occupancy, dest, sizes)
        np.add.at(locs.children, dest, kids)
    elif n_gets:
        np.add.at(locs.occupancy, dest[gets], sizes[gets])
        np.add.at(locs.children, dest[gets], kids[gets])
    h["location"][ids] = dest
    h["loc_since"][ids] = day
    if (n_had == 0 and n_gets == n) or (n_had == n and n_gets == 0):  # all intakes or all exits
        log.append(day, ids, origin, dest, Reason.INTAKE if n_had == 0 else reason, np.zeros(n, np.float32))
        return 0
    changed = origin != dest
    between = had & gets & changed
    if np.count_nonzero(between) == n:   # the usual move: everyone from one location to another
        h["moves"][ids] += 1
        if distance_km is None:
            km = np.zeros(n, np.float32)
        else:
            km = distance_km[locs.municipality[origin], locs.municipality[dest]]
        log.append(day, ids, origin, dest, reason, km)
        return int(sizes.sum())
    h["moves"][ids[between]] += 1
    n_changed = int(np.count_nonzero(changed))
    if n_changed:
        all_changed = n_changed == n
        o, d = (origin, dest) if all_changed else (origin[changed], dest[changed])
        both = between if all_changed else between[changed]
        km = np.zeros(n_changed, np.float32)
        if distance_km is not None:
            mun = locs.municipality
            km[both] = distance_km[mun[o[both]], mun[d[both]]]
        why = np.where(had if all_changed else had[changed], np.int8(reason), np.int8(Reason.INTAKE))
        log.append(day, ids if all_changed else ids[changed], o, d, why, km)
    return int(sizes[between].sum())


# spell kind per location kind: 1 emergency, 2 crisis, 0 any other
_SPELL_OF_KIND = np.zeros(len(Kind), np.int64)
_SPELL_OF_KIND[Kind.EMERGENCY] = 1
_SPELL_OF_KIND[Kind.CRISIS] = 2

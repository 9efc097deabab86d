"""Moving households between beds, with every move counted per household and logged with reason.

A *move* is a change from one location to another (verhuisbeweging). Getting a bed after a night
without one, or leaving reception, is not a move but is recorded in the same way so that nights
per kind of location can be summed per person.
"""

from __future__ import annotations

from enum import IntEnum
from typing import cast

import numpy as np

from agents.applicants import Applicants
from agents.columns import filled, reserve
from agents.locations import Kind, Locations


class Reason(IntEnum):
    """Why a household changed bed."""

    INTAKE = 0             # first bed, or a bed after nights without one (not a move)
    PROCEDURE_STEP = 1     # registration location -> process/regular location, and the like
    LOCATION_CLOSING = 2   # its location closed (scale-down, a closure event, force majeure)
    CAPACITY_BALANCING = 3  # moved to consolidate under-used locations or when reserve is released
    EMERGENCY_TO_REGULAR = 4  # from emergency/crisis reception up to a regular place
    FAMILY_REUNION = 5     # joined family members elsewhere
    EXIT = 6               # left reception (housed, departed, transferred; not a move)
    OWN_REQUEST = 7        # moved on the household's own request (verhuizing op eigen verzoek)
    CONTRACT_END = 8       # its location's contract ended and was not renewed
    FAMILY_LOCATION = 9    # rejected for good: a family with minors moved to a family location (gezinslocatie)


REASON_NAMES = [r.name.lower() for r in Reason]


_LOG_FIELDS: dict[str, np.dtype] = {   # stored per row; day and km are computed (see MoveLog)
    "household": np.dtype(np.int32),
    "origin": np.dtype(np.int16),        # location, -1 = no bed (int32 once a location id needs it)
    "destination": np.dtype(np.int16),   # location, -1 = no bed (likewise)
    "reason": np.dtype(np.int8),         # Reason
}
_LOCATION_COLUMNS = ("origin", "destination")


class MoveLog:
    """Append-only log of bed changes: day, household, from, to, reason, distance (km).

    Stored per row: household (int32), origin and destination (-1 = no bed) and reason (int8),
    9 bytes. Locations are int16 while every location id logged is below 32,768; both columns
    become int32 (values kept) when a larger one is appended. The day is stored once per run of
    rows of the same day (rows are appended day by day). The distance is not stored: it is the
    distance between the municipalities of origin and destination, 0 when either is -1 (getting
    a bed, leaving reception), and is computed from the locations and the distance matrix given
    at construction or to `bind`.

    `day` and `km` are computed when read (and kept until the log grows); read them for a few
    rows with `days_of(rows)` and `km_of(rows)`. The other columns are views of the storage.
    """

    _location_max = int(np.iinfo(np.int32).max)   # a log pickled before the int16 columns: int32

    def __init__(self, capacity: int = 4096, locations: Locations | None = None,
                 distance_km: np.ndarray | None = None) -> None:
        self.n = 0
        self._cols = {k: np.zeros(capacity, dt) for k, dt in _LOG_FIELDS.items()}
        self._location_max = int(np.iinfo(_LOG_FIELDS["origin"]).max)   # largest id the columns hold
        self._run_rows: list[int] = []   # first row of each run of rows with the same day
        self._run_days: list[int] = []   # the day of that run
        self._last_day: int | None = None
        self._derived: dict[str, tuple[int, np.ndarray]] = {}   # name -> (n, read-only array)
        self._locations: Locations | None = None
        self._distance: np.ndarray | None = None
        self._padded: tuple | None = None   # distance look-up tables, see km_of
        if locations is not None or distance_km is not None:
            self.bind(locations, distance_km)

    def bind(self, locations: Locations | None, distance_km: np.ndarray | None) -> None:
        """Where distances come from: the run's locations (their municipality; locations are
        only appended and never change municipality) and the municipality distance matrix."""
        if locations is None or distance_km is None:
            raise ValueError("MoveLog.bind needs both the locations and the distance matrix")
        self._locations, self._distance = locations, distance_km
        self._padded = None
        self._derived.pop("km", None)

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("_cols")
        if cols is not None:
            if name in cols:
                return cols[name][: self.n]
            if name in ("day", "km"):
                got = self._derived.get(name)
                if got is None or got[0] != self.n:
                    a = self.days_of(slice(0, self.n)) if name == "day" else self.km_of(slice(0, self.n))
                    a.flags.writeable = False
                    got = self._derived[name] = (self.n, a)
                return got[1]
        raise AttributeError(name)

    def since(self, name: str, row: int) -> np.ndarray:
        """Column `name` of the rows from `row` on (a view, as `log.<name>[row:]`)."""
        return self._cols[name][row: self.n]

    def nbytes(self) -> int:
        """Bytes held by the stored columns (allocated, not only used)."""
        return sum(a.nbytes for a in self._cols.values())

    def append(self, day: int, household: np.ndarray, origin: np.ndarray,
               destination: np.ndarray | list[int] | int, reason: np.ndarray | int,
               locations_below: int | None = None) -> None:
        """Log bed changes of `day` (the distance follows from origin and destination).

        `locations_below`: a bound on the location ids in `origin` and `destination` (the
        number of locations, as `move` gives it); without it they are looked at."""
        k = len(household)
        if k == 0:
            return
        if locations_below is None:
            locations_below = max(int(np.max(origin)), int(np.max(destination))) + 1
        if locations_below > self._location_max + 1:
            self._widen_locations()
        if day != self._last_day:
            self._run_rows.append(self.n)
            self._last_day = int(day)
            self._run_days.append(self._last_day)
        reserve(self._cols, self.n, self.n + k)
        sl = slice(self.n, self.n + k)
        c = self._cols
        c["household"][sl] = household
        c["origin"][sl] = origin
        c["destination"][sl] = destination
        c["reason"][sl] = reason
        self.n += k

    def day_from(self, row: int) -> int | None:
        """The day of every row from `row` on when they all have one day (None when they span
        several days or there are none)."""
        if row >= self.n or not self._run_rows or self._run_rows[-1] > row:
            return None
        return self._last_day

    def _widen_locations(self) -> None:
        """Origin and destination as int32 from now on (the values are kept)."""
        for name in _LOCATION_COLUMNS:
            self._cols[name] = self._cols[name].astype(np.int32)
        self._location_max = int(np.iinfo(np.int32).max)

    def days_of(self, rows: slice | np.ndarray) -> np.ndarray:
        """Day of the given rows (int32)."""
        starts = np.array(self._run_rows, np.int64)
        days = np.array(self._run_days, np.int32)
        if isinstance(rows, slice) and rows.step in (None, 1):
            lo, hi, _ = rows.indices(self.n)
            if hi <= lo:
                return np.empty(0, np.int32)
            first = int(np.searchsorted(starts, lo, side="right")) - 1
            last = int(np.searchsorted(starts, hi - 1, side="right"))
            bounds = np.clip(np.append(starts[first + 1:last], hi), lo, hi)
            return np.repeat(days[first:last], np.diff(np.concatenate([[lo], bounds])))
        idx = np.asarray(rows)
        idx = np.flatnonzero(idx) if idx.dtype == np.bool_ else np.where(idx < 0, idx + self.n, idx)
        return days[np.searchsorted(starts, idx, side="right") - 1]

    def km_of(self, rows: slice | np.ndarray) -> np.ndarray:
        """Distance of the given rows (float32, as stored before): between the municipalities of
        origin and destination, 0 for a first bed or an exit."""
        if self._distance is None or self._locations is None:
            raise RuntimeError("MoveLog has no distances: pass locations and distance_km, or bind()")
        mun = self._locations.municipality
        pad = self._padded
        if pad is None or pad[0] is not mun or pad[1] != len(mun):
            m = len(self._distance)
            if pad is None:   # flat (m+1) x (m+1) distances; row and column m: no bed, 0 km
                grid = np.zeros((m + 1, m + 1), np.float32)
                grid[:m, :m] = self._distance
                flat = grid.ravel()
            else:
                flat = pad[4]
            # per location (and -1, the last entry: no bed): its row offset and its column
            col = np.append(mun.astype(np.intp), m)
            pad = self._padded = (mun, len(mun), col * (m + 1), col, flat)
        c = self._cols
        if isinstance(rows, slice) and rows.step in (None, 1) and rows.start is not None and rows.stop is not None \
                and rows.start >= 0 and 0 <= rows.stop <= self.n:   # (rows within the log: no view of them first)
            i = pad[2][c["origin"][rows]]
            i += pad[3][c["destination"][rows]]
        else:
            i = pad[2][c["origin"][: self.n][rows]]
            i += pad[3][c["destination"][: self.n][rows]]
        return pad[4][i]


def move(people: Applicants, locs: Locations, log: MoveLog, ids: np.ndarray,
         destination: np.ndarray | list[int] | int, day: int, reason: int,
         sizes: np.ndarray | list[int] | None = None) -> int:
    """Put households `ids` in `destination` (-1 = no bed; one for all, or one each: an array or
    a list). Returns persons moved between locations.

    Closes the current spell (nights in emergency, crisis or without a bed), keeps location
    occupancy and children counts exact, counts moves per household and logs every change.
    `sizes`: the households' sizes (int64 array or list), when the caller has them (else read here).
    """
    n = len(ids)
    if n == 0:
        return 0
    if n <= _FEW:
        return _move_few(people, locs, log, ids, destination, day, reason, sizes)
    h = people._h
    origin = h["location"][ids]          # int32: as good an index as int64 for the look-ups and ufunc.at
    scalar = isinstance(destination, (int, np.integer))
    if isinstance(destination, (int, np.integer)):
        dest: np.ndarray | int = int(destination)
        n_gets = n if destination >= 0 else 0     # all get a bed, or all leave theirs
    else:
        dest = destination if isinstance(destination, np.ndarray) and destination.dtype.kind == "i" \
            else np.asarray(destination).astype(np.int64, copy=False)   # any integer array indexes
        n_gets = n if int(dest.min()) >= 0 else -1   # -1: some get a bed (counted when needed)
    if sizes is None:
        sizes = h["size"][ids].astype(np.int64)   # ufunc.at and sum are fast on int64
    elif isinstance(sizes, list):
        sizes = np.array(sizes, np.int64)
    sizes = cast(np.ndarray, sizes)
    kids = h["children"][ids].astype(np.int64)
    # nights per kind of spell: 0 none, 1 emergency, 2 crisis, 3 without a bed
    spell_kind = _spell_at(locs)[0][origin]      # per household; without a bed (-1): 3
    present = np.bincount(spell_kind, minlength=4).tolist()
    n_had = n - present[3]
    if present[0] != n:               # some spells to close (none when all leave other locations)
        spell = day - h["loc_since"][ids]     # int32: added to the int16 nights, as `+=` would
        for code, field in ((1, "nights_emergency"), (2, "nights_crisis"), (3, "nights_unsheltered")):
            if present[code] == n:        # all from one kind of spell (ids are distinct households)
                np.add.at(h[field], ids, spell)
            elif present[code]:
                sel = spell_kind == code
                np.add.at(h[field], ids[sel], spell[sel])
    had: np.ndarray | np.bool_ | None = None
    if n_had == n:
        np.subtract.at(locs.occupancy, origin, sizes)
        np.subtract.at(locs.children, origin, kids)
    elif n_had:
        had = origin >= 0
        np.subtract.at(locs.occupancy, origin[had], sizes[had])
        np.subtract.at(locs.children, origin[had], kids[had])
    if n_gets == n:
        if scalar:
            dest = filled(n, int(dest), np.int64)
        np.add.at(locs.occupancy, dest, sizes)
        np.add.at(locs.children, dest, kids)
        gets: np.ndarray | np.bool_ = _EVERYONE
    elif n_gets == 0:
        gets = _NOBODY
    else:                             # an array (a scalar destination is all or none)
        d_all = cast(np.ndarray, dest)
        gets = d_all >= 0
        n_gets = int(np.count_nonzero(gets))
        if n_gets:
            np.add.at(locs.occupancy, d_all[gets], sizes[gets])
            np.add.at(locs.children, d_all[gets], kids[gets])
    h["location"][ids] = dest
    h["loc_since"][ids] = day
    if (n_had == 0 and n_gets == n) or (n_had == n and n_gets == 0):  # all intakes or all exits
        log.append(day, ids, origin, dest, Reason.INTAKE if n_had == 0 else reason, locs.n)
        return 0
    changed = origin != dest
    if had is None:          # all had a bed or none had (a mask only on the rare path below)
        had = _EVERYONE if n_had == n else _NOBODY
    between = changed if n_had == n_gets == n else np.logical_and(had & gets, changed)
    if np.count_nonzero(between) == n:   # the usual move: everyone from one location to another
        np.add.at(h["moves"], ids, 1)    # ids are distinct households
        log.append(day, ids, origin, dest, reason, locs.n)
        return int(sizes.sum())
    np.add.at(h["moves"], ids[between], 1)
    n_changed = int(np.count_nonzero(changed))
    if n_changed:
        all_changed = n_changed == n
        if not isinstance(dest, np.ndarray):    # all leave their bed
            dest = filled(n, dest, np.int64)
        if not isinstance(had, np.ndarray):
            had = filled(n, bool(had), np.bool_)
        o, d = (origin, dest) if all_changed else (origin[changed], dest[changed])
        why = np.where(had if all_changed else had[changed], np.int8(reason), np.int8(Reason.INTAKE))
        log.append(day, ids if all_changed else ids[changed], o, d, why, locs.n)
    return int(sizes[between].sum())


def _move_few(people: Applicants, locs: Locations, log: MoveLog, ids: np.ndarray,
              destination: np.ndarray | list[int] | int, day: int, reason: int,
              sizes: np.ndarray | list[int] | None) -> int:
    """`move` for a few households (at most `_FEW`), on Python numbers: the same nights, counts,
    moves and log rows. The locations' occupancy and children change in one `np.add.at` each (the
    persons leaving their beds taken off, those getting one added), the spells present and the
    moves between locations are counted in Python."""
    n = len(ids)
    h = people._h
    origin = h["location"][ids]
    dests: list[int]
    if isinstance(destination, (int, np.integer)):
        dest: np.ndarray | list[int] | int = int(destination)
        dests = [int(destination)] * n
    elif isinstance(destination, list):       # (a placement's few beds, already Python numbers)
        dest = dests = destination
    else:
        dest = destination if isinstance(destination, np.ndarray) and destination.dtype.kind == "i" \
            else np.asarray(destination).astype(np.int64, copy=False)
        dests = dest.tolist()
    origins = origin.tolist()
    persons = h["size"][ids].tolist() if sizes is None else sizes if isinstance(sizes, list) else sizes.tolist()
    kids = h["children"][ids].tolist()
    # close the spells: nights per kind of spell (0 none, 1 emergency, 2 crisis, 3 without a bed)
    spell_of = _spell_at(locs)[1]
    spells = [spell_of[o] for o in origins]
    if spells.count(0) != n:
        spell = day - h["loc_since"][ids]     # int32: added to the int16 nights, as `+=` would
        for code, field in ((1, "nights_emergency"), (2, "nights_crisis"), (3, "nights_unsheltered")):
            present = spells.count(code)
            if present == n:
                np.add.at(h[field], ids, spell)
            elif present:
                sel = [i for i, k in enumerate(spells) if k == code]
                np.add.at(h[field], ids[sel], spell[sel])
    # occupancy and children: off the beds left, onto the beds taken
    had = [o >= 0 for o in origins]
    gets = [d >= 0 for d in dests]
    at = [o for o in origins if o >= 0] + [d for d in dests if d >= 0]
    if at:
        np.add.at(locs.occupancy, at, [-k for k, o in zip(persons, had) if o] + [k for k, g in zip(persons, gets) if g])
        if any(kids):
            np.add.at(locs.children, at, [-k for k, o in zip(kids, had) if o] + [k for k, g in zip(kids, gets) if g])
    h["location"][ids] = dest
    h["loc_since"][ids] = day
    n_had, n_gets = sum(had), sum(gets)
    if (n_had == 0 and n_gets == n) or (n_had == n and n_gets == 0):  # all intakes or all exits
        log.append(day, ids, origin, dest, Reason.INTAKE if n_had == 0 else reason, locs.n)
        return 0
    between = [i for i in range(n) if had[i] and gets[i] and origins[i] != dests[i]]   # moved between locations
    if len(between) == n:            # the usual move: everyone from one location to another
        np.add.at(h["moves"], ids, 1)    # ids are distinct households
        log.append(day, ids, origin, dest, reason, locs.n)
        return sum(persons)
    if between:
        np.add.at(h["moves"], ids[between], 1)
    changed = [i for i in range(n) if origins[i] != dests[i]]
    if changed:
        why = np.array([reason if had[i] else Reason.INTAKE for i in changed], np.int8)
        if len(changed) == n:
            log.append(day, ids, origin, np.array(dests, np.int64), why, locs.n)
        else:
            log.append(day, ids[changed], origin[changed], np.array(dests, np.int64)[changed], why, locs.n)
    return sum(persons[i] for i in between)


_FEW = 32                    # up to this many households, `move` works on Python numbers (`_move_few`)
_NOBODY = np.bool_(False)    # `had`/`gets` when no one had / gets a bed (broadcasts as a mask)
_EVERYONE = np.bool_(True)   # `had`/`gets` when everyone had / gets a bed

# spell kind per location kind: 1 emergency, 2 crisis, 0 any other
_SPELL_OF_KIND = np.zeros(len(Kind), np.int64)
_SPELL_OF_KIND[Kind.EMERGENCY] = 1
_SPELL_OF_KIND[Kind.CRISIS] = 2


def _spell_at(locs: Locations) -> tuple[np.ndarray, list[int]]:
    """Spell kind per location, with 3 (without a bed) appended for index -1: one look-up instead
    of the kind, the spell kind and a mask for those without a bed; as an array and as a list.
    Made again only when locations were added (a location's kind never changes)."""
    cache = locs.__dict__.get("_spell_at")
    if cache is None or cache[0] is not locs.kind:
        at = np.append(_SPELL_OF_KIND[locs.kind], 3)
        cache = locs.__dict__["_spell_at"] = (locs.kind, at, at.tolist())
    return cache[1], cache[2]

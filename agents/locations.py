"""Reception locations (COA and safety regions): kinds, capacity, lifecycle and placement.

One row per location. `occupancy` and `children` are kept equal to the persons (and minors)
whose household has that location, by `agents.moves.move`, so vacancy is always at hand.
"""

from __future__ import annotations

from enum import IntEnum
from itertools import accumulate

import numpy as np

from agents.columns import filled
from agents.keyed import SALT_RENEWAL, keyed_uniform


class Kind(IntEnum):
    """Location kinds (see GLOSSARY.md)."""

    CENTRAL = 0      # central registration location, Ter Apel (aanmeldcentrum)
    BORDER = 1       # border-procedure location at Schiphol
    PROCESS = 2      # process location during the early procedure (pol)
    REGULAR = 3      # regular asylum seekers' centre (azc)
    MINORS = 4       # location for unaccompanied minors (amv, with Nidos)
    ACCELERATED = 5  # sober location for low-chance applicants and Dublin claimants
    EMERGENCY = 6    # emergency reception: halls, hotels, holiday parks, ships (noodopvang)
    CRISIS = 7       # crisis emergency reception by the safety regions (crisisnoodopvang)


N_KINDS = len(Kind)
NO_BED = N_KINDS    # what `Locations.kind_at` gives for location -1 (no bed): not a kind
TEMPORARY_KINDS = (Kind.EMERGENCY, Kind.CRISIS)   # emergency and crisis emergency reception
KIND_NAMES = [k.name.lower() for k in Kind]


class Life(IntEnum):
    """Lifecycle state of a location."""

    PLANNED = 0  # agreed, opens on `open_day` (lead time)
    OPEN = 1
    CLOSED = 2   # contract ended and not renewed
    RESERVE = 3  # contracted but kept empty (reservecapaciteit), can be activated
    CLOSING = 4  # takes nobody new; residents move out, then it closes (scale-down)


_FIELDS: dict[str, np.dtype] = {
    "kind": np.dtype(np.int8),
    "municipality": np.dtype(np.int16),
    "capacity": np.dtype(np.int32),        # normal places (persons)
    "max_capacity": np.dtype(np.int32),    # places at the maximum (raised) occupancy
    "extra": np.dtype(np.int32),           # places added on top of `capacity` right now
    "life": np.dtype(np.int8),             # Life
    "open_day": np.dtype(np.int32),        # day it opens (PLANNED) or opened
    "contract_end": np.dtype(np.int32),    # day its administrative agreement ends
    "term_days": np.dtype(np.int32),       # length of one renewal of the agreement, days
    "cost_person_night": np.dtype(np.float64),  # EUR per resident (occupied bed) per night
    "cost_place_night": np.dtype(np.float64),   # EUR per place per night of the kind's per-place cost: what
                                                # a free normal place of an open location costs at
                                                # `costs.vacant_place_share` 1 (0: paid per person only)
    "occupancy": np.dtype(np.int64),       # persons present
    "children": np.dtype(np.int64),        # minors present
    "synthetic": np.dtype(np.bool_),       # True when made by the portfolio generator
}


# Life stages as plain ints, for comparisons with the `life` column: NumPy takes an IntEnum member
# (an int subclass) for a strong int64 scalar and converts it on every call (~40 % more
# instructions for a comparison of a few hundred locations)
_PLANNED, _OPEN, _CLOSING = int(Life.PLANNED), int(Life.OPEN), int(Life.CLOSING)


# the rows a column's array holds at least once `Locations.append` has grown it
_FEWEST_ROWS = 16


class Locations:
    """All reception locations in one run, open or not."""

    # one array per field of `_FIELDS`, set in __init__ and `append` (declared for type checkers)
    kind: np.ndarray
    municipality: np.ndarray
    capacity: np.ndarray
    max_capacity: np.ndarray
    extra: np.ndarray
    life: np.ndarray
    open_day: np.ndarray
    contract_end: np.ndarray
    term_days: np.ndarray
    cost_person_night: np.ndarray
    cost_place_night: np.ndarray
    occupancy: np.ndarray
    children: np.ndarray
    synthetic: np.ndarray

    def __init__(self, n: int, names: list[str]) -> None:
        self.n = n
        self.names = list(names)
        for k, dt in _FIELDS.items():
            setattr(self, k, np.zeros(n, dt))

    @classmethod
    def from_columns(cls, names: list[str], **columns: np.ndarray) -> Locations:
        locs = cls(len(names), names)
        for k, v in columns.items():
            if k not in _FIELDS:
                raise KeyError(f"unknown location field {k!r}")
            getattr(locs, k)[:] = v
        return locs

    def append(self, names: list[str], **columns) -> np.ndarray:
        """Add locations (plan actions, events, portfolio growth); returns their indexes.

        Amortised O(1) per location: each column is a view of the first `n` rows of a longer
        array (`_rows`), grown to twice the rows needed when full, so an append writes only the
        new rows instead of copying every column (a 64-fold world adds thousands of locations
        to a table of thousands, ~1,200 appends a year at 16-fold). A column replaced from
        outside, or restored from a snapshot (which holds the used rows only), is copied into a
        fresh array at its first append. A new location's fields not given are zero."""
        unknown = columns.keys() - _FIELDS.keys()
        if unknown:                     # before any column grows: a bad call leaves the table as it was
            raise KeyError(f"unknown location field(s) {sorted(unknown)}")
        n, k = self.n, len(names)
        end = n + k
        rows = self.__dict__.setdefault("_rows", {})
        for name, dt in _FIELDS.items():
            col = getattr(self, name)
            room = rows.get(name)
            if room is None or col.base is not room or len(room) < end:
                room = rows[name] = np.zeros(max(2 * end, _FEWEST_ROWS), dt)
                room[:n] = col
            grown = room[:end]
            if name in columns:       # (a field not given stays zero: rows past `n` were never written)
                grown[n:] = columns[name]
            setattr(self, name, grown)  # a new view: caches keyed on the column's identity see the change
        self.names += list(names)
        self.n = end
        return np.arange(n, end)

    def __getstate__(self) -> dict:
        """The table as saved (snapshots, copies): the columns' used rows, without the spare rows
        behind them (`append` makes those again)."""
        state = dict(self.__dict__)
        state.pop("_rows", None)
        return state

    def __setstate__(self, state: dict) -> None:
        """A saved table; one saved before `cost_place_night` existed gets zeros there (its run goes
        on charging occupied beds only, as it did: `model.snapshot` gives its scenario a
        `costs.vacant_place_share` of 0)."""
        self.__dict__.update(state)
        if "cost_place_night" not in state:
            self.cost_place_night = np.zeros(self.n, _FIELDS["cost_place_night"])

    def nbytes(self) -> int:
        """Bytes held by the columns, their spare rows (`append`) included."""
        rows = self.__dict__.get("_rows", {})
        return sum(rows[k].nbytes if getattr(self, k).base is rows.get(k, False) else getattr(self, k).nbytes
                   for k in _FIELDS)

    def places(self) -> np.ndarray:
        """Usable places per location today: normal plus extra places when open; a closing
        location counts only the beds still in use; zero otherwise."""
        return (self.capacity + self.extra) * (self.life == _OPEN) + self.occupancy * (self.life == _CLOSING)

    def of_kind(self, kind: int) -> np.ndarray:
        """Indexes of the locations of `kind`, ascending (cached per kind, made when first asked
        for: kinds never change, rows are only appended)."""
        cache = self.__dict__.get("_of_kind")
        if cache is None or cache[0] != self.n:
            cache = self._of_kind = (self.n, [None] * N_KINDS)
        got = cache[1][kind]
        if got is None:
            got = cache[1][kind] = (self.kind == kind).nonzero()[0]
        return got

    def kind_at(self, loc: np.ndarray) -> np.ndarray:
        """Kind of the location of each entry of `loc` (location indexes, -1: no bed), `NO_BED`
        where there is none: one look-up instead of masking the -1 first."""
        return self._padded("kind", NO_BED)[loc]

    def kind_in(self, kinds: tuple[int, ...], no_bed: bool = True) -> np.ndarray:
        """Per location, whether its kind is one of `kinds`, with an entry appended for index -1
        (no bed: True when `NO_BED` is among `kinds`): `kind_in(kinds)[loc]` is one look-up
        instead of the kind and a table; with `no_bed=False` without that entry (one entry per
        location: a mask over the locations). Made again only when rows were added. Read only."""
        padded = self._padded("kind", NO_BED)
        cache = self.__dict__.setdefault("_kind_in", {})
        got = cache.get(kinds)
        if got is None or got[0] is not padded:
            table = np.zeros(N_KINDS + 1, bool)
            table[list(kinds)] = True
            mask = table[padded]
            mask.flags.writeable = False
            got = cache[kinds] = (padded, mask, mask[:-1])
        return got[1] if no_bed else got[2]

    def kind_in_list(self, kinds: tuple[int, ...]) -> list[bool]:
        """`kind_in(kinds)` as Python booleans (the entry for index -1, no bed, included), for a few
        households' look-ups without array operations. Made again only when rows were added. Read only."""
        mask = self.kind_in(kinds)
        cache = self.__dict__.setdefault("_kind_in_list", {})
        got = cache.get(kinds)
        if got is None or got[0] is not mask:
            got = cache[kinds] = (mask, mask.tolist())
        return got[1]

    def municipality_at(self, loc: np.ndarray) -> np.ndarray:
        """Municipality (int64) of the location of each entry of `loc`, -1 where there is no bed."""
        return self._padded("municipality", -1, np.int64)[loc]

    def _padded(self, field: str, fill: int, dtype=None) -> np.ndarray:
        """Column `field` with `fill` appended (index -1), made again only when rows were added
        (kinds and municipalities of a location never change)."""
        cache = self.__dict__.setdefault("_padded_cols", {})
        col = getattr(self, field)
        got = cache.get(field)
        if got is None or got[0] is not col:
            got = cache[field] = (col, np.append(col, fill).astype(dtype or col.dtype))
        return got[1]

    def vacant_normal(self) -> np.ndarray:
        """Free normal places per open location today, `capacity - occupancy`, never below zero: the
        places kept open and paid for but empty. Extra places (raised occupancy) are beds put into
        rooms already paid for, so they do not count; a closing location has none (its places are
        the beds in use), nor has a reserve, planned or closed one."""
        return np.maximum(self.capacity - self.occupancy, 0) * (self.life == _OPEN)

    def vacancy(self) -> np.ndarray:
        """Free places per location today: `places() - occupancy`, never below zero (so zero
        unless open: a closing location's places are its beds in use)."""
        return np.maximum(self.capacity + self.extra - self.occupancy, 0) * (self.life == _OPEN)


# by `Life`: open or closing (a contract that can end)
_OPEN_OR_CLOSING = np.zeros(len(Life), bool)
_OPEN_OR_CLOSING[[Life.OPEN, Life.CLOSING]] = True


class LocationRules:
    """What locations do on their own, written once for all of them: vectorised class methods
    over the location arrays (`Locations`), one call a day for all locations.

    The rulebook asks these of ``state.actors.locations``: this class in the headless face, the
    Mesa agent class `agents.views.LocationAgent` (which inherits them) in the Mesa face. What
    follows for the residents (moves, replacement sites) stays with the rulebook.
    """

    @classmethod
    def open_planned(cls, locs: Locations, day: int) -> np.ndarray:
        """Planned locations whose lead time is over open; returns their indexes (ascending)."""
        planned = (locs.life == _PLANNED).nonzero()[0]
        if len(planned) == 0:      # (most days: nothing planned, no open days to look at)
            return planned
        opening = planned[locs.open_day[planned] <= day]
        if len(opening):
            locs.life[opening] = Life.OPEN
        return opening

    @classmethod
    def close_when_empty(cls, locs: Locations, closing: np.ndarray, to_reserve: set[int]) -> np.ndarray:
        """Of the `closing` locations, those with nobody left close, or return to reserve (kept,
        without residents or staff, ready to reopen) when their index is in `to_reserve`.
        Returns the indexes of those that did."""
        empty = closing[locs.occupancy[closing] == 0]
        reserve = np.fromiter((int(j) in to_reserve for j in empty), bool, len(empty))
        locs.life[empty] = np.where(reserve, Life.RESERVE, Life.CLOSED)
        return empty

    @classmethod
    def contracts_ending(cls, locs: Locations, day: int) -> np.ndarray:
        """Open or closing locations whose administrative agreement ends by `day`."""
        return (_OPEN_OR_CLOSING[locs.life] & (locs.contract_end <= day)).nonzero()[0]

    @classmethod
    def renew(cls, locs: Locations, ending: np.ndarray, renewal_probability: np.ndarray, seed: int) -> np.ndarray:
        """Contracts of the `ending` locations are renewed for one more term (`term_days`) with
        the chance for their kind (`renewal_probability`, indexed by `Kind`): a keyed draw per
        location and end day, salted with `seed`. Returns the mask of those renewed."""
        key = ((ending.astype(np.uint64) << np.uint64(20)) + locs.contract_end[ending].astype(np.uint64)
               + np.uint64(seed))
        renewed = keyed_uniform(key, SALT_RENEWAL) < renewal_probability[locs.kind[ending]]
        locs.contract_end[ending[renewed]] += locs.term_days[ending[renewed]]
        return renewed


def place(sizes: np.ndarray, preference: list[int], vacancy: np.ndarray,
          order_by_kind, take: bool = False, taken: list[int] | None = None) -> np.ndarray:
    """Choose a location for each household, keeping households together.

    Households are taken in the given order; for each kind in `preference` they fill the
    locations of that kind in `order_by_kind[kind]` order (the placement policy) without ever
    exceeding a location's vacancy: the persons of the households still without a place are laid
    end to end along the kind's free places, and a household whose persons all land in one
    location gets it. Later passes fill the gaps left by households that straddled two. Returns a
    location index per household, -1 where none fits. `order_by_kind` is anything indexed by kind
    (a list, or an order computed on demand); when it has `head(kind, need)` (`model.placement`'s
    orders), that is used: the order at least as far as it holds `need` free places, which gives
    the same places as the whole order when `need` is at least the persons to place. `vacancy` is
    not modified, unless `take`: then the places given are taken from `vacancy` itself (int64, the
    caller's own copy), which saves callers that place several groups one after another a copy and
    a second subtraction.
    `taken`: a list to which the kinds that places were taken in are appended (each once), so a
    caller placing several groups knows whose free places changed. Lines of at most `SHORT_LINE`
    households are placed by `place_few`, on Python numbers (the same result).
    """
    n = len(sizes)
    if n == 0:
        return filled(0, -1, np.int64)
    if n <= SHORT_LINE:
        return np.array(place_few(sizes.tolist(), preference, vacancy, order_by_kind, take, taken), np.int64)
    loc: np.ndarray | None = None   # made when a pass places part of the line
    sz = sizes if sizes.dtype == np.int64 else sizes.astype(np.int64)
    line: _Unplaced | _InOrder = _Unplaced(sz) if n > _LONG_LINE else _InOrder(sz)
    vac: np.ndarray | None = vacancy if take else None   # else copied on first use
    head = getattr(order_by_kind, "head", None)
    need = int(sz.sum())            # (the persons of the whole line: enough for each kind)
    for kind in preference:
        cand = order_by_kind[kind] if head is None else head(kind, need)
        if len(cand) == 0:
            continue
        if vac is None:
            vac = vacancy.astype(np.int64, copy=True)
        for _ in range(8):  # later passes fill the gaps left by households that straddled two
            cv = vac[cand].cumsum()
            total = int(cv[-1])
            if total <= 0:
                break
            idx, s, first, end, reach = line.window(total)
            if len(s) == 0:
                break
            # the location of each household's first person, and of its last (at position end - 1:
            # the places before it, cv < end, are those <= end - 1, as all are whole numbers)
            j_first = cv.searchsorted(first, side="right")
            j_last = cv.searchsorted(end, side="left")
            ok = j_first == j_last                            # all its persons in one location
            if reach > total:                                 # and not beyond the last free place
                ok &= j_last < len(cand)
            n_ok = int(np.count_nonzero(ok))
            if n_ok == 0:
                break
            if taken is not None and kind not in taken:
                taken.append(kind)
            if n_ok == len(s) and idx is None:                # the whole line at once (the usual case)
                chosen = cand[j_last]
                np.subtract.at(vac, chosen, s)
                return chosen if chosen.dtype == np.int64 else chosen.astype(np.int64)
            if loc is None:
                loc = filled(n, -1, np.int64)
            if n_ok == len(s):                                # all of the window: no mask to apply
                chosen, took = cand[j_last], s
                loc[idx] = chosen
            else:
                chosen, took = cand[j_last[ok]], s[ok]
                loc[ok if idx is None else idx[ok]] = chosen
            np.subtract.at(vac, chosen, took)
            if line.drop(idx, ok, n_ok):
                return loc
    return loc if loc is not None else filled(n, -1, np.int64)


# Lines of at most this many households are placed by `place_few`, on Python numbers: the same
# result as `place`'s passes, without their fixed cost of some twenty NumPy operations a pass (the
# lines of a day are a few households each: the classes of a day's placements are placed apart).
SHORT_LINE = 64


def place_few(sizes: list[int], preference: list[int], vacancy: np.ndarray,
              order_by_kind, take: bool = False, taken: list[int] | None = None) -> list[int]:
    """`place` for a short line (sizes as Python ints; returns a location per household, -1 where
    none fits): the same passes on Python numbers. A pass lays the persons of the households still
    without a place end to end along the kind's free places, as they are at the start of the pass
    (`cv`, cumulative), and a household whose persons all land in one location gets it; the places
    given are then taken, and the next pass lays out those left (`lay_out`). Only the free places
    of the kinds tried are read (as far as the persons to place need, with an order's `head`), and
    written back (with `take`) once per kind that places someone."""
    n = len(sizes)
    loc = [-1] * n
    todo = list(range(n))           # the households without a place, in order
    vac = vacancy if take else None  # else copied on the first write
    head = getattr(order_by_kind, "head", None)
    need = sum(sizes)               # the persons of `todo`
    for kind in preference:
        cand = order_by_kind[kind] if head is None else head(kind, need)
        if len(cand) == 0:
            continue
        free = (vacancy if vac is None else vac)[cand].tolist()
        placed, todo = lay_out(sizes, todo, free)
        if placed:                               # places were taken in this kind
            need -= sum(sizes[i] for i, _ in placed)
            where = cand.tolist()
            for i, j in placed:
                loc[i] = where[j]
            if taken is not None and kind not in taken:
                taken.append(kind)
            if vac is None:
                vac = vacancy.astype(np.int64, copy=True)
            vac[cand] = free
            if not todo:
                break
    return loc


def lay_out(sizes: list[int], todo: list[int], free: list[int]) -> tuple[list[tuple[int, int]], list[int]]:
    """`place_few`'s passes over one kind's locations, on Python numbers: `free` their free places
    in the policy's order (taken from as households are placed), `todo` the households still
    without a place (indexes into `sizes`), in order. Returns the households placed with the
    position of their location in `free`, `(i, j)`, and those left. A pass lays the persons of
    `todo` end to end along `free` as it is at the start of the pass (`cv`, cumulative), and a
    household whose persons all land in one location gets it: its first person (at `first`) lands
    in the first location whose places reach past it (`cv[j] > first`, `place`'s
    `searchsorted(first, side="right")`), and its last (at `end - 1`) there too when `end <=
    cv[j]` (`searchsorted(end, side="left") == j`). A household whose first person lies past the
    last free place cannot get one, nor can those after it. Later passes, at most eight in all,
    fill the gaps left by households that straddled two."""
    placed: list[tuple[int, int]] = []
    for _ in range(8):
        cv = list(accumulate(free))
        total = cv[-1]
        if total <= 0:
            break
        left: list[int] = []
        end = j = 0
        reach = cv[0]                   # places up to and including location j
        for k, i in enumerate(todo):
            if end >= total:            # this household and those after it begin past the last free place
                left += todo[k:]
                break
            first = end
            end += sizes[i]
            # `first` only grows along the line: walk on to its location (j < m, as first < total),
            # a step or two, where a search of `cv` would cost two calls a household
            while reach <= first:
                j += 1
                reach = cv[j]
            if end <= reach:            # all its persons in location j
                placed.append((i, j))
                free[j] -= sizes[i]
            else:
                left.append(i)
        if len(left) == len(todo):
            break
        todo = left
        if not todo:
            break
    return placed, todo


# Lines longer than this are kept as `_Unplaced`, whose window holds only the households a pass
# can place (the same result; cheaper for the long lines of people waiting for a bed in a crisis).
_LONG_LINE = 256


_FIRST_PLACE = np.zeros(1, np.int64)     # the first person's position of a line of one household
_FIRST_PLACE.flags.writeable = False


class _InOrder:
    """The households still without a place, for a short line: their indexes (`todo`, None while
    all are left) and sizes; every pass looks at all of them. The positions of each household's
    first person and just past its last, laid end to end, are kept until the line changes (passes
    over other kinds that place nobody reuse them)."""

    def __init__(self, sizes: np.ndarray) -> None:
        self.todo: np.ndarray | None = None
        self.s = sizes
        self.first: np.ndarray | None = None
        self.end: np.ndarray | None = None
        self.reach = 0

    def window(self, free: int) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray, int]:
        """Indexes (None: all), sizes, positions of the first person and just past the last (a
        household takes places first … end - 1), and the places all of them take."""
        if self.first is None or self.end is None:
            if len(self.s) == 1:      # one household: its persons take places 0 … size - 1
                self.first, self.end, self.reach = _FIRST_PLACE, self.s, int(self.s[0])
            else:
                end = self.s.cumsum()
                self.first, self.end, self.reach = end - self.s, end, int(end[-1])
        return self.todo, self.s, self.first, self.end, self.reach

    def drop(self, idx: np.ndarray | None, ok: np.ndarray, n_ok: int) -> bool:
        if n_ok == len(self.s):
            return True
        keep = ~ok
        self.todo = keep.nonzero()[0] if idx is None else idx[keep]
        self.s, self.first, self.end = self.s[keep], None, None
        return False


class _Unplaced:
    """The households still without a place, for a long line, in their order: those looked at
    and left (`head`, indexes) followed by all from `t0` on, never looked at (kept as a range, not
    copied). A household whose persons, laid end to end, would end beyond a kind's last free
    place cannot get a place in that pass, so `window` gives only the leading households that end
    within the free places: retrying a long line costs the places on offer, not its length."""

    def __init__(self, sizes: np.ndarray) -> None:
        self.sizes = sizes
        self.cum: np.ndarray | None = None   # cumulative sizes in the original order, made when first needed
        self.head = _EMPTY
        self.t0 = 0
        self.n = len(sizes)

    def window(self, free: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """The leading households whose persons, laid end to end, end within `free` places:
        their indexes, sizes, the positions of their first person and just past their last (the
        only ones a pass can place) and the places they take (at most `free`)."""
        idx, s, end = self._window(free)
        return idx, s, end - s, end, free

    def _window(self, free: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.t0 == 0 and len(self.head) == 0:      # nobody placed or left yet: all in order
            if self.cum is None:
                self.cum = self.sizes.cumsum()
            k = int(self.cum.searchsorted(free, side="right")) if self.cum[-1] > free else self.n
            return np.arange(k), self.sizes[:k], self.cum[:k]
        hs = self.sizes[self.head]
        hend = hs.cumsum()
        h_total = int(hend[-1]) if len(hend) else 0
        if h_total >= free or self.t0 >= self.n:     # the window ends inside the head
            m = int(hend.searchsorted(free, side="right")) if h_total > free else len(hend)
            return self.head[:m], hs[:m], hend[:m]
        if self.cum is None:
            self.cum = self.sizes.cumsum()
        before = int(self.cum[self.t0 - 1]) if self.t0 else 0
        k = int(self.cum[self.t0:].searchsorted(free - h_total + before, side="right"))
        t1 = self.t0 + k
        if len(self.head) == 0:
            return np.arange(self.t0, t1), self.sizes[self.t0:t1], self.cum[self.t0:t1] - before
        idx = np.concatenate([self.head, np.arange(self.t0, t1)])
        end = np.concatenate([hend, self.cum[self.t0:t1] - (before - h_total)])
        return idx, np.concatenate([hs, self.sizes[self.t0:t1]]), end

    def drop(self, idx: np.ndarray | None, ok: np.ndarray, n_ok: int) -> bool:
        """Remove the households placed from the window `idx` (`ok`); True when none is left."""
        assert idx is not None                        # this line's windows always name indexes
        w, nh = len(idx), len(self.head)
        left = idx[~ok] if n_ok < w else _EMPTY
        if w < nh:                                    # the window ended inside the head
            self.head = np.concatenate([left, self.head[w:]])
        else:
            self.head = left
            self.t0 += w - nh
        return len(self.head) == 0 and self.t0 >= self.n


_EMPTY = np.empty(0, np.int64)

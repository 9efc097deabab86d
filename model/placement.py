"""Placement: giving households a bed, by their class's preference of location kinds.

The policy lives here: which kinds a household class tries in which order (`model.state`
PREFERENCE, the `min_moves` variant), the order of locations within a kind (emptiest first; on the
regional network the nearest among locations with about as much room; nearest to an entry point; for
people waiting to register, the registration centre and then the registration locations nearest
to it), households always kept together and no location over its places
(`agents.locations.place`). Every bed change goes through `agents.moves.move`.
"""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple

import numpy as np

from agents.applicants import Flag, Stage, Track
from agents.columns import filled
from agents.locations import SHORT_LINE, TEMPORARY_KINDS, Kind, Life, lay_out, place, place_few
from agents.moves import Reason, move
from agents.sorting import RADIX_FROM, stable_order
from model.state import State

# Placement preference per household class: the kinds tried, in order.
MINOR, LOW_CHANCE, REGULAR_PROC, PERMIT_HOLDER, BORDER_PROC = range(5)
PREFERENCE: dict[int, list[int]] = {
    MINOR: [Kind.MINORS, Kind.REGULAR, Kind.PROCESS, Kind.EMERGENCY, Kind.CRISIS],
    LOW_CHANCE: [Kind.ACCELERATED, Kind.PROCESS, Kind.REGULAR, Kind.EMERGENCY, Kind.CRISIS],
    REGULAR_PROC: [Kind.PROCESS, Kind.REGULAR, Kind.EMERGENCY, Kind.CRISIS],
    PERMIT_HOLDER: [Kind.REGULAR, Kind.PROCESS, Kind.EMERGENCY, Kind.CRISIS],
    BORDER_PROC: [Kind.BORDER, Kind.ACCELERATED, Kind.PROCESS, Kind.REGULAR, Kind.EMERGENCY, Kind.CRISIS],
}
# Under the min_moves policy people in procedure skip the process location when an azc is free.
MIN_MOVES_REGULAR_PROC: list[int] = [Kind.REGULAR, Kind.PROCESS, Kind.EMERGENCY, Kind.CRISIS]


def _class_of(flags: int, stage: int, track: int) -> int:
    """The placement class of one household; the first rule that applies decides."""
    if flags & Flag.UNACCOMPANIED_MINOR:
        return MINOR
    if stage == Stage.PERMIT:
        return PERMIT_HOLDER
    if track in (Track.ACCELERATED, Track.DUBLIN):
        return LOW_CHANCE
    if track == Track.BORDER:
        return BORDER_PROC
    return REGULAR_PROC


# CLASS_OF[flags, stage, track] (flags: the whole byte of Flag bits): the rule above as a table
CLASS_OF = np.array([[[_class_of(f, s, t) for t in range(len(Track))] for s in range(len(Stage))]
                     for f in range(256)], np.int8)


def household_class(s: State, ids: np.ndarray) -> np.ndarray:
    """Placement class per household (keys of PREFERENCE), looked up in `CLASS_OF`."""
    p = s.people.cols
    return CLASS_OF[p["flags"][ids], p["stage"][ids], p["track"][ids]]


_AT_BORDER, _AT_ENTRY = int(Flag.AT_BORDER), int(Flag.AT_ENTRY)
# where people who crossed at a shock's entry point are sheltered first (nearest first)
ENTRY_PREFERENCE: list[int] = [Kind.EMERGENCY, Kind.CRISIS, Kind.PROCESS, Kind.REGULAR, Kind.CENTRAL]
# where people move up to from emergency and crisis places
REGULAR_KINDS = tuple(k for k in Kind if k not in (*TEMPORARY_KINDS, Kind.CENTRAL, Kind.BORDER))


def find_beds(s: State, ids: np.ndarray, day: int, reason: int, temporary: bool = True,
              only: tuple[int, ...] | None = None, vacancy: np.ndarray | None = None) -> np.ndarray:
    """Give households a bed by their class's preference; returns those that got none.

    Households that got a temporary (emergency or crisis) bed join the line for moving up.
    With `temporary=False` only regular kinds are tried (moving up); `only` restricts the kinds.
    Under the `min_moves` policy people in procedure go straight to an azc when one is free.
    On the regional network (`municipalities.network`, `room_band_places` > 0) a household that
    has a bed goes to the nearest of the locations with about as much room (`NearestAmongEqual`);
    households are then placed per place of origin, in the order of its municipality.
    A household the policy's passes leave while a location of a kind it may use has room for all of
    it then gets the emptiest such location (`_whole_where_room`): nobody waits for a bed that is free.
    `vacancy`: `s.locs.vacancy()` as it is now, when the caller has it (the array path takes the
    places given from it, the Python path does not: do not read it afterwards).
    A few households in a world of a few locations (`FEW_HOUSEHOLDS`, `FEW_LOCATIONS`) are placed
    on Python numbers (`_find_beds_few`): the same beds.
    """
    if len(ids) == 0:
        return ids
    if len(ids) <= FEW_HOUSEHOLDS and s.locs.n <= FEW_LOCATIONS:
        return _find_beds_few(s, ids, day, reason, temporary, only, vacancy)
    return _find_beds_many(s, ids, day, reason, temporary, only, vacancy)


def _find_beds_many(s: State, ids: np.ndarray, day: int, reason: int, temporary: bool,
                    only: tuple[int, ...] | None, vacancy: np.ndarray | None) -> np.ndarray:
    """`find_beds`' placement by the policy's passes, on arrays (see `find_beds`)."""
    n = len(ids)
    sizes = s.people.cols["size"][ids].astype(np.int64)
    cls = household_class(s, ids)
    if vacancy is None:
        vacancy = s.locs.vacancy()
    origin = _origins(s, ids)
    group = cls.astype(np.int64) if origin is None else origin + cls
    largest = _largest_free(s, vacancy)
    taken: list[int] = []                   # the kinds places were taken in
    if n <= SHORT_LINE:
        loc = _place_groups_few(s, sizes.tolist(), group.tolist(), origin is not None, vacancy, largest,
                                temporary, only, taken)
    else:
        loc = _place_groups(s, sizes, group, origin is not None, vacancy, largest, temporary, only, taken)
    _whole_where_room(s, loc, sizes, cls, vacancy, temporary, only, taken)
    got = loc >= 0
    n_got = int(np.count_nonzero(got))
    if n_got == 0:
        return ids
    if n_got < n:
        ids_got, loc_got, left = ids[got], loc[got], ids[~got]
        s.today.moves += move(s.people, s.locs, s.log, ids_got, loc_got, day, reason, sizes=sizes[got])
    else:
        ids_got, loc_got, left = ids, loc, ids[:0]
        s.today.moves += move(s.people, s.locs, s.log, ids_got, loc_got, day, reason, sizes=sizes)
    if any(k in TEMPORARY_KINDS for k in taken):    # (none taken there: nobody joins the line)
        temp = s.locs.kind_in(TEMPORARY_KINDS)[loc_got]
        s.moves_up.push(ids_got[temp])
    return left


def _whole_where_room(s: State, loc: np.ndarray, sizes: np.ndarray, cls: np.ndarray, vacancy: np.ndarray,
                      temporary: bool, only: tuple[int, ...] | None, taken: list[int]) -> None:
    """After the policy's passes (`loc`: a location per household, -1 where they gave none; `vacancy`
    as the places given left it): each household left, in order, whose whole household fits in a
    location of a kind it tries gets the location with the most free places of the first such kind
    (ties: location order). Writes `loc`, `vacancy` and `taken`.

    The passes lay a line's persons end to end along a kind's free places and give a household the
    location all its persons land in; a household that straddles two locations in every pass gets
    none, though one location may have room for it (e.g. households of 2 and 3 along free places
    3, 3: the 3 straddles twice and location 2's 3 places stay free). Without this step such
    households were put out ("no one is put out when a plan location's contract ends",
    docs/plan.md) or waited a day for a bed that was free. `_whole_where_room_few` is the same on
    Python numbers."""
    left = (loc < 0).nonzero()[0]
    if len(left) == 0:
        return
    largest = _largest_free(s, vacancy)
    cl_left = cls[left]
    cl: list[int] = cl_left.tolist()
    kinds_of = {c: [k for k in _kinds_to_try(s, c, temporary, only) if largest[k] > 0] for c in set(cl)}
    # per class: the most free places at one location of a kind it tries; an upper bound as places are
    # taken, lowered when a household finds no room (so the rest of a long line of households too big
    # for what is left are passed over at once, not each tried kind by kind)
    room = {c: max((largest[k] for k in kinds), default=0) for c, kinds in kinds_of.items()}
    if len(left) > SHORT_LINE:          # a long line (a crisis'): those too big for any room, dropped at once
        room_of = np.zeros(len(PREFERENCE), np.int64)
        room_of[list(room)] = list(room.values())
        fits = sizes[left] <= room_of[cl_left]
        left = left[fits]
        cl = cl_left[fits].tolist()
    sz: list[int] = sizes[left].tolist()
    # per kind: its locations and their free places (taken from as households are placed here); the
    # emptiest is found by `argmax` (ties: the first in location order) for each household placed, not
    # kept in a heap, whose making cost O(locations) a call in a large world when few are placed (most
    # calls place a few households; a crisis' long line has mostly households too big for what is left)
    free_of: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for i, size, c in zip(left.tolist(), sz, cl):
        if size > room[c]:
            continue
        for kind in kinds_of[c]:
            if largest[kind] < size:
                continue
            got = free_of.get(kind)
            if got is None:
                at = s.locs.of_kind(kind)
                got = free_of[kind] = (at, vacancy[at])
            at, free = got
            j = int(free.argmax())
            most = int(free[j])
            if most < size:                # (`largest` is an upper bound once places were taken)
                largest[kind] = most
                continue
            free[j] = most - size
            where = loc[i] = int(at[j])
            vacancy[where] -= size
            if kind not in taken:
                taken.append(kind)
            break
        else:                              # no kind of the class has room for `size` now
            room[c] = max((largest[k] for k in kinds_of[c]), default=0)


# Placements of at most `FEW_HOUSEHOLDS` households in a world of at most `FEW_LOCATIONS` locations
# are made on Python numbers throughout (`_find_beds_few`): a handful of NumPy operations a call
# instead of a dozen per kind tried and some twenty per pass over a long line; up to about these
# sizes Python's scans, sorts and passes cost no more time than NumPy's fixed costs (measured on
# baseline and mass-arrival, docs/performance.md).
FEW_LOCATIONS = 1024
FEW_HOUSEHOLDS = 64


def _find_beds_few(s: State, ids: np.ndarray, day: int, reason: int, temporary: bool,
                   only: tuple[int, ...] | None, vacancy: np.ndarray | None) -> np.ndarray:
    """`find_beds` for a few households (at most `FEW_HOUSEHOLDS`) in a small world (at most
    `FEW_LOCATIONS` locations): the same groups, orders and passes, on Python numbers. The free
    places are read once (a list, taken from as households are placed); a kind's order for a
    place of origin is made as far as the group needs it (`_Order`) and kept while the kind's free
    places are as they were (`_Lists.order`, also between calls)."""
    p = s.people.cols
    n = len(ids)
    sizes: list[int] = p["size"][ids].tolist()
    cls: list[int] = CLASS_OF[p["flags"][ids], p["stage"][ids], p["track"][ids]].tolist()
    lists = _lists(s)
    free: list[int] = (s.locs.vacancy() if vacancy is None else vacancy).tolist()
    mb = s.params.municipalities
    band = mb.room_band_places if mb.network else 0
    members: dict[tuple[int, int], list[int]] = {}     # per (place of origin, class): its households
    if band > 0:
        mun = lists.municipality
        for i, at in enumerate(p["location"][ids].tolist()):
            members.setdefault((mun[at] if at >= 0 else -1, cls[i]), []).append(i)
    else:
        for i, c in enumerate(cls):
            members.setdefault((-1, c), []).append(i)
    loc = [-1] * n
    taken: list[int] = []
    kinds: dict[int, list[int]] = {}    # per class: the kinds it tries
    now: dict[int, _Free | None] = {}   # per kind: its free places, read when first needed since places were taken
    for o, c in sorted(members):        # as `_place_groups`: class within place of origin, ascending
        sel = members[o, c]
        sz = [sizes[i] for i in sel]
        todo = list(range(len(sel)))
        need, smallest = sum(sz), min(sz)   # of the households in `todo`
        if c not in kinds:
            kinds[c] = _kinds_to_try(s, c, temporary, only)
        for kind in kinds[c]:
            kf = now[kind] if kind in now else now.setdefault(kind, lists.free_of(kind, free))
            if kf is None or kf.top < smallest:   # nobody left fits there
                continue
            cand = lists.order(o, kind, kf, band).upto(need)
            kind_free = [free[j] for j in cand]
            placed, todo = lay_out(sz, todo, kind_free)
            if placed:                  # gone for the next group
                for i, j in placed:
                    where = loc[sel[i]] = cand[j]
                    free[where] = kind_free[j]
                del now[kind]
                if kind not in taken:
                    taken.append(kind)
                if not todo:
                    break
                need, smallest = sum(sz[i] for i in todo), min(sz[i] for i in todo)
    if -1 in loc:
        _whole_where_room_few(lists, free, sizes, cls, kinds, loc, taken)
    got = [i for i in range(n) if loc[i] >= 0]
    if not got:
        return ids
    if len(got) == n:
        ids_got, left = ids, ids[:0]
        s.today.moves += move(s.people, s.locs, s.log, ids, loc, day, reason, sizes=sizes)
    else:
        ids_got, left = ids[got], ids[[i for i in range(n) if loc[i] < 0]]
        s.today.moves += move(s.people, s.locs, s.log, ids_got, [loc[i] for i in got], day,
                              reason, sizes=[sizes[i] for i in got])
    if any(k in TEMPORARY_KINDS for k in taken):    # (none taken there: nobody joins the line)
        kind_of = lists.kind
        s.moves_up.push(ids_got[[k for k, i in enumerate(got) if kind_of[loc[i]] in TEMPORARY_KINDS]])
    return left


def _whole_where_room_few(lists: _Lists, free: list[int], sizes: list[int], cls: list[int],
                          kinds: dict[int, list[int]], loc: list[int], taken: list[int]) -> None:
    """`_whole_where_room` on Python numbers, for `_find_beds_few`: each household the passes left
    (`loc` -1), in order, gets the location with the most free places (`free`, of every location,
    as they are now; ties: location order) of the first kind it tries where one has room for it
    (`kinds`, per class). Writes `loc`, `free` and `taken`; the same locations as
    `_whole_where_room` after the array path."""
    top: dict[int, int] = {}
    for i, size in enumerate(sizes):
        if loc[i] >= 0:
            continue
        for kind in kinds[cls[i]]:
            t = top.get(kind)
            if t is None:
                t = top[kind] = max((free[j] for j in lists.at[kind]), default=0)
            if t >= size:
                at = lists.at[kind]
                j = next(j for j in at if free[j] == t)
                loc[i] = j
                free[j] -= size
                top[kind] = max(free[j] for j in at)
                if kind not in taken:
                    taken.append(kind)
                break


def emptiest_first_few(s: State, sizes: list[int], kind: int, free: list[int]) -> list[int]:
    """`place(sizes, [kind], vacancy, EmptiestFirst(s.locs, vacancy, live=True), take=True)` on
    Python numbers, for a few households (at most `FEW_HOUSEHOLDS`) in a small world (at most
    `FEW_LOCATIONS` locations): the location of each household (-1: none), the same as `place`
    gives. `free`: the free places of every location (`vacancy().tolist()`, as the caller wants
    them seen), taken from as households are placed. The order is `_find_beds_few`'s (`_Lists`),
    kept between calls while the kind's free places are as they were."""
    loc = [-1] * len(sizes)
    if not sizes:
        return loc
    lists = _lists(s)
    kf = lists.free_of(kind, free)
    if kf is None or kf.top < min(sizes):     # nobody fits there
        return loc
    cand = lists.order(-1, kind, kf, 0).upto(sum(sizes))
    kind_free = [free[j] for j in cand]
    placed, _ = lay_out(sizes, list(range(len(sizes))), kind_free)
    for i, j in placed:
        where = loc[i] = cand[j]
        free[where] = kind_free[j]
    return loc


class _Free:
    """One kind's free places at one moment (`free`, per location of the kind in location order)
    and the most free places at one of them (`top`), shared by the orders made from them for every
    place of origin."""

    __slots__ = ("free", "top")

    def __init__(self, free: tuple[int, ...]) -> None:
        self.free = free
        self.top = max(free)


class _Order:
    """One kind's free locations in placement order for one place of origin, on Python numbers,
    made only as far as asked for (`upto`): the order of `NearestAmongEqual` (with `km`, the
    distance to each of the kind's locations, and `band` > 0) or of `EmptiestFirst` (`km` None),
    from the free places `free` (per location of the kind, `at` ascending) when it was made; `top`
    the most of them at one location (when the caller knows it: `_Free`).

    The first stretch is the locations of the top band (all with at least the band's lowest free
    places: for the nearest among equals a whole band, nearest first; emptiest first, those with
    the most free places); the rest is sorted when a group needs more places than that stretch has
    (ties in location order throughout, as the stable sorts of the NumPy orders). A pass of
    `lay_out` reads a location only when the persons before it end short of it, so a prefix of
    the order with at least as many free places as the persons of the line gives the same
    places as the whole order (the places taken and the persons placed shrink alike)."""

    __slots__ = ("at", "band", "free", "km", "lo", "out", "top", "total")

    def __init__(self, at: list[int], free: tuple[int, ...], km: list[float] | None, band: int,
                 top: int | None = None) -> None:
        self.at, self.free, self.km, self.band = at, free, km, band
        self.top = max(free) if top is None else top
        self.out: list[int] = []       # the order so far (location indexes)
        self.total = 0                 # their free places
        self.lo = -1                   # every location with at least this many free places is in `out` (-1: none yet)

    def upto(self, need: int) -> list[int]:
        """The order, at least as far as it holds `need` free places (all of it when it holds
        fewer)."""
        while self.total < need and self.lo != 1:
            self._more()
        return self.out

    def _more(self) -> None:
        """The next stretch: the top band, or all the rest."""
        free, band, km = self.free, self.band, self.km
        if self.lo < 0:                # the top band, or the locations with the most free places
            top = self.top
            if top <= 0:
                self.lo = 1
                return
            lo = top - top % band if km is not None and top >= band else top
            part = [j for j, f in enumerate(free) if f >= lo]
            if km is not None and lo >= band:
                part.sort(key=km.__getitem__)
        else:                          # the rest (sorts are stable, `reverse` too: ties stay in location order)
            lo = self.lo
            if km is None or lo <= band:     # by free places, most first
                part = [j for j, f in enumerate(free) if 0 < f < lo]
                part.sort(key=free.__getitem__, reverse=True)
            else:                              # roomy by band, nearest first; then the nearly full by free places
                part = [j for j, f in enumerate(free) if band <= f < lo]
                part.sort(key=km.__getitem__)
                bands = [f // band for f in free]
                part.sort(key=bands.__getitem__, reverse=True)
                tail = [j for j, f in enumerate(free) if 0 < f < band]
                tail.sort(key=free.__getitem__, reverse=True)
                part += tail
            lo = 1
        at = self.at
        self.out += [at[j] for j in part]
        self.total += sum(free[j] for j in part)
        self.lo = max(lo, 1)


class _Lists:
    """Per kind, its locations' indexes (ascending) and a reader of their free places from the
    list of all; per location its kind and municipality; per place of origin its distance to each
    location of a kind, and the orders last made (`_Order`): Python numbers for `_find_beds_few`,
    made again only when locations were added (kinds, municipalities and distances never change)."""

    def __init__(self, s: State, before: _Lists | None = None) -> None:
        L = s.locs
        self.kind_col = L.kind
        self.kind: list[int] = L.kind.tolist()
        self.municipality: list[int] = L.municipality.tolist()
        self.at: list[list[int]] = [[] for _ in Kind]
        for j, k in enumerate(self.kind):
            self.at[k].append(j)
        self._read = [itemgetter(*at) if len(at) > 1 else (lambda v, j=at[0]: (v[j],)) if at else None
                      for at in self.at]
        self._distance = s.world.network.distance_km if s.world.network is not None else None
        self._kms: dict[tuple[int, int], list[float]] = {}   # see `km`
        # per municipality of origin its row of distances (kept from `before`: added locations change none)
        self._rows: dict[int, list[float]] = {}
        self._orders: dict[tuple[int, int], _Order] = {}
        self._free: list[_Free | None] = [None] * len(Kind)     # per kind: its free places as last read
        if getattr(before, "_distance", self) is self._distance and getattr(before, "at", None) is not None:
            # distances never change: each origin's row, and for the kinds whose locations are as they
            # were, the distances to them and their orders, stay right
            assert before is not None
            self._rows = before._rows
            same = [k for k in range(len(Kind)) if before.at[k] == self.at[k]]
            self._kms = {key: km for key, km in before._kms.items() if key[1] in same}
            self._orders = {key: o for key, o in before._orders.items() if key[1] in same}

    def __getstate__(self) -> dict:
        """Kept out of snapshots and copies (it holds functions): a copy is made again when first used."""
        return {"kind_col": None}

    def free_of(self, kind: int, free: list[int]) -> _Free | None:
        """`kind`'s free places, read from `free` (of all locations) as it is now (the `_Free` last
        read while they are the same); None when the kind has no location."""
        read = self._read[kind]
        if read is None:
            return None
        now = read(free)
        got = self._free[kind]
        if got is None or got.free != now:
            got = self._free[kind] = _Free(now)
        return got

    def order(self, origin: int, kind: int, now: _Free, band: int) -> _Order:
        """The order of `kind`'s free locations for households from municipality `origin` (-1:
        emptiest first), from its free places `now` (`free_of`)."""
        key = (origin if band > 0 else -1, kind)
        got = self._orders.get(key)
        if got is None or got.band != band or (got.free is not now.free and got.free != now.free):
            got = self._orders[key] = _Order(self.at[kind], now.free, self.km(key[0], kind) if key[0] >= 0 else None,
                                             band, now.top)
        return got

    def km(self, origin: int, kind: int) -> list[float]:
        """The distance from municipality `origin` to each location of `kind` (`at` order)."""
        km = self._kms.get((origin, kind))
        if km is None:
            row = self._rows.get(origin)
            if row is None:
                assert self._distance is not None
                row = self._rows[origin] = self._distance[origin].tolist()
            mun = self.municipality
            km = self._kms[origin, kind] = [row[mun[j]] for j in self.at[kind]]
        return km


def _lists(s: State) -> _Lists:
    """`_Lists` for the locations as they are (`State.placement_lists`, made again when rows were
    added)."""
    got = s.placement_lists
    if not isinstance(got, _Lists) or got.kind_col is not s.locs.kind:
        got = _Lists(s, got if isinstance(got, _Lists) else None)
        s.placement_lists = got
    return got


def _group_of(g: int, network: bool) -> tuple[int, int]:
    """The household class and place of origin (-1: none) of placement group `g`."""
    return g % len(PREFERENCE), (g // len(PREFERENCE) - 1 if network else -1)


def _place_groups(s: State, sizes: np.ndarray, group: np.ndarray, network: bool, vacancy: np.ndarray,
                  largest: list[int], temporary: bool, only: tuple[int, ...] | None,
                  taken: list[int]) -> np.ndarray:
    """`find_beds`' placement, group after group in ascending order (class within place of
    origin): a location per household, -1 where none fits. The places given are taken from
    `vacancy`; the kinds they were taken in are added to `taken`."""
    per_group = np.bincount(group)          # households per group
    present = per_group.nonzero()[0].tolist()   # groups present, ascending
    if len(present) == 1:
        c, o = _group_of(present[0], network)
        kinds = _with_room(_kinds_to_try(s, c, temporary, only), largest, int(sizes.min()))
        if not kinds:                     # nobody fits anywhere
            return filled(len(sizes), -1, np.int64)
        return place(sizes, kinds, vacancy, _order_for(s, vacancy, o), take=True, taken=taken)
    loc = filled(len(sizes), -1, np.int64)
    orders: dict[int, EmptiestFirst] = {}   # per place of origin; a kind's order made when first asked for
    shared = Shared()
    stale: set[int] = set()                 # kinds places were taken in since `largest` was read
    # per class, once a group of it found no kind with room: the most free places at one location
    # of a kind the class tries, an upper bound from then on (free places only shrink here), so
    # the groups after it (from other places of origin) whose smallest household is larger are
    # passed over at once (a day's line for a bed in a 16-fold world: some 26 groups a call, most
    # passed over)
    room: dict[int, int] = {}
    # each group's households in their order, group after group (groups: `len(per_group)` values)
    by_group = stable_order(group, len(per_group) <= 1 << 15)
    ends = per_group.cumsum().tolist()        # where each group's households end in `by_group`
    starts = [ends[g - 1] if g else 0 for g in present]
    smallest_of = np.minimum.reduceat(sizes[by_group], starts).tolist()   # per group present
    n_cls = len(PREFERENCE)
    for g, start, smallest in zip(present, starts, smallest_of):
        if room.get(g % n_cls, smallest) < smallest:    # nobody of this group fits anywhere
            continue
        c, o = _group_of(g, network)
        tries = _kinds_to_try(s, c, temporary, only)
        kinds = _with_room_now(s, tries, largest, stale, vacancy, smallest)
        if not kinds:                 # nobody of this group fits anywhere
            room[c] = max((largest[k] for k in tries), default=0)
            continue
        sel = by_group[start:ends[g]]
        sz = sizes[sel]
        if o not in orders:
            orders[o] = _order_for(s, vacancy, o, shared)
        took: list[int] = []
        loc[sel] = place(sz, kinds, vacancy, orders[o], take=True, taken=took)   # gone for the next group
        shared.took(took)
        stale.update(took)
        taken += took
    return loc


def _place_groups_few(s: State, sizes: list[int], group: list[int], network: bool, vacancy: np.ndarray,
                      largest: list[int], temporary: bool, only: tuple[int, ...] | None,
                      taken: list[int]) -> np.ndarray:
    """`_place_groups` for a few households (at most `SHORT_LINE`), grouped on Python numbers and
    placed by `place_few`: the same locations."""
    members: dict[int, list[int]] = {}
    for i, g in enumerate(group):
        members.setdefault(g, []).append(i)
    loc = [-1] * len(sizes)
    orders: dict[int, EmptiestFirst] = {}
    shared = Shared()
    stale: set[int] = set()           # kinds places were taken in since `largest` was read
    for g in sorted(members):
        c, o = _group_of(g, network)
        sel = members[g]
        sz = [sizes[i] for i in sel]
        kinds = _with_room_now(s, _kinds_to_try(s, c, temporary, only), largest, stale, vacancy, min(sz))
        if not kinds:                 # nobody of this group fits anywhere
            continue
        if o not in orders:
            orders[o] = _order_for(s, vacancy, o, shared)
        took: list[int] = []
        for i, where in zip(sel, place_few(sz, kinds, vacancy, orders[o], take=True, taken=took)):
            loc[i] = where
        shared.took(took)
        stale.update(took)
        taken += took
    return np.array(loc, np.int64)


def _largest_free(s: State, vacancy: np.ndarray) -> list[int]:
    """Most free places at one location, per kind, from `vacancy` as it is before a placement
    (free places only shrink while it goes on, so this never understates them)."""
    top = np.zeros(len(Kind), np.int64)
    np.maximum.at(top, s.locs.kind, vacancy)
    return top.tolist()


def _with_room(kinds: list[int], largest: list[int], smallest: int) -> list[int]:
    """Of `kinds`, in order, those with a location where at least the smallest of the households
    (`smallest` persons) fits: a household is never split, so in the others nobody of them could
    be placed."""
    return [k for k in kinds if largest[k] >= smallest]


def _with_room_now(s: State, kinds: list[int], largest: list[int], stale: set[int], vacancy: np.ndarray,
                   smallest: int) -> list[int]:
    """`_with_room` as the free places are now: `largest` (an upper bound once places are taken) is
    first read again from `vacancy` for each kind of `kinds` that might have room and whose places
    were taken since it was read (`stale`, from which the kind is then dropped). A group of a
    placement then passes over a kind whose roomiest locations the groups before it filled, instead
    of laying out its line there in vain: `place` gives nobody a location of a kind whose free
    places are all fewer than each of the households (one is never split), and leaves `vacancy` and
    `taken` as they were, so the places given are the same. In a 16-fold world two thirds of the
    groups that got nothing were such (a day's line for a bed has some 75 groups)."""
    out = []
    for k in kinds:
        if largest[k] >= smallest and k in stale:
            stale.discard(k)
            at = s.locs.of_kind(k)
            largest[k] = int(vacancy[at].max()) if len(at) else 0
        if largest[k] >= smallest:
            out.append(k)
    return out


def _origins(s: State, ids: np.ndarray) -> np.ndarray | None:
    """Per household, `(municipality of its bed + 1) * len(PREFERENCE)` (0 without a bed: the
    household's group is this plus its class) when distance counts in placement, else None (no
    network, or no household has a bed)."""
    mb = s.params.municipalities
    if not mb.network or mb.room_band_places <= 0:
        return None
    origin = _origin_base_at(s.locs)[s.people.cols["location"][ids]]
    return origin if origin.max() > 0 else None


def _origin_base_at(locs) -> np.ndarray:
    """`(municipality + 1) * len(PREFERENCE)` per location, 0 appended for index -1 (no bed); made
    again only when locations were added (a location's municipality never changes)."""
    cache = locs.__dict__.get("_origin_base_at")
    if cache is None or cache[0] is not locs.municipality:
        base = (locs.municipality.astype(np.int64) + 1) * len(PREFERENCE)
        cache = locs.__dict__["_origin_base_at"] = (locs.municipality, np.append(base, 0))
    return cache[1]


def _order_for(s: State, vacancy: np.ndarray, origin: int, shared: Shared | None = None) -> EmptiestFirst:
    """The order of locations for households from municipality `origin` (-1: emptiest first), each
    kind's made from `vacancy` as it is when first asked for (places taken by the groups placed
    before count: `shared`, of the orders of one placement)."""
    if origin < 0:
        return EmptiestFirst(s.locs, vacancy, live=True, shared=shared)
    km, km_at = _km_at(s, origin)
    return NearestAmongEqual(s.locs, vacancy, km, s.params.municipalities.room_band_places, live=True,
                             km_at=km_at, shared=shared)


def _km_at(s: State, origin: int) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """The distance from municipality `origin` to each municipality (its row of the network's
    distances, kept), and per kind the distance from it to each location of that kind (in
    `Locations.of_kind` order), filled in when first needed and kept for the run: distances and
    a location's municipality never change. Locations added (always at the end, so at the end of
    their kind's `of_kind`) are looked up when next asked for (`NearestAmongEqual._km_to`), not
    the kind's others again: a 16-fold world adds locations on most days (1,219 appends a year),
    and each day made every place of origin's distances afresh. A table with fewer rows than
    before (not the same table) starts afresh."""
    cache: tuple[int, dict[int, tuple[np.ndarray, list[np.ndarray | None]]]] | None = s.__dict__.get("_km_at")
    if cache is None or cache[0] > s.locs.n:
        cache = s.__dict__["_km_at"] = (s.locs.n, {})
    elif cache[0] < s.locs.n:
        cache = s.__dict__["_km_at"] = (s.locs.n, cache[1])
    got = cache[1].get(origin)
    if got is None:
        got = cache[1][origin] = (s.world.network.distance_km[origin], [None] * len(Kind))
    return got


def _preference(s: State, cls: int) -> list[int]:
    if cls == REGULAR_PROC and s.params.placement.policy == "min_moves":
        return MIN_MOVES_REGULAR_PROC
    return PREFERENCE[cls]


def _kinds_to_try(s: State, cls: int, temporary: bool, only: tuple[int, ...] | None) -> list[int]:
    pref = _preference(s, cls)
    if temporary and only is None:
        return pref
    return [k for k in pref if (temporary or k not in TEMPORARY_KINDS) and (only is None or k in only)]


_KIND_TABLES: dict[tuple, np.ndarray] = {}


def kind_table(kinds: tuple) -> np.ndarray:
    """Boolean lookup table indexed by location kind (and `NO_BED`), True for `kinds` (instead of
    np.isin)."""
    table = _KIND_TABLES.get(kinds)
    if table is None:
        table = _KIND_TABLES[kinds] = np.zeros(len(Kind) + 1, bool)   # and NO_BED (`Locations.kind_at`)
        table[list(kinds)] = True
    return table


def member(s: State, items: np.ndarray, subset: np.ndarray) -> np.ndarray:
    """`np.isin(items, subset)` for household ids, in time proportional to their lengths
    (a scratch mark per household, cleared again after use)."""
    mark = s.__dict__.get("_member_mark")
    if mark is None or len(mark) < s.people.n:
        mark = s.__dict__["_member_mark"] = np.zeros(2 * max(s.people.n, 1024), bool)
    mark[subset] = True
    out = mark[items]
    mark[subset] = False
    return out


# Kinds of at least this many locations are ordered only as far as a placement needs
# (`EmptiestFirst.head`): below it, sorting them all costs no more than the operations of finding
# the first stretch, which the groups that need more than that stretch would pay on top (measured
# on mass-arrival: 267 locations, on eu-scale: 4,208).
HEAD_FROM = 256


class Shared:
    """What the orders of one placement share (`_place_groups`: one order per place of origin, all
    reading the same free places as they are taken): per kind, how many times places were taken in
    it (`times`; an order made before lets go of its order of the kind), and what
    `NearestAmongEqual` finds of a kind before it sorts by distance, the same from every place of
    origin: its top band (`tops`, `NearestAmongEqual._top_band`) and its locations' bands
    (`bands`, `NearestAmongEqual._bands`). Letting go of a kind is then one count for every order,
    not a call on each: a placement of many groups on the regional network makes an order for each
    place of origin."""

    def __init__(self) -> None:
        self.times = [0] * len(Kind)
        self.tops: dict[int, tuple[int, np.ndarray, int, bool, bool]] = {}   # times, then `_top_band`
        self.bands: dict[int, _Bands] = {}

    def took(self, kinds: list[int]) -> None:
        """Places were taken in `kinds`: every order of the placement orders them afresh."""
        for k in kinds:
            self.times[k] += 1


class _Bands(NamedTuple):
    """A kind's locations as `NearestAmongEqual.__getitem__` sorts them, all but the distances."""
    times: int                  # `Shared.times[kind]` when found
    at: np.ndarray              # the locations to sort: the kind's, or in a big kind its free ones
    free: np.ndarray | None     # which of the kind's locations `at` holds (None: all)
    n_free: int                 # locations with a free place
    band: np.ndarray            # -(free places // band): roomy -1, -2, …; nearly full and full 0
    roomy: np.ndarray           # a band's worth of free places or more
    fewer: np.ndarray           # -free places: the nearly full, emptiest first
    whole: np.ndarray | None    # the order itself when there is nothing to sort (none free, or one)


class EmptiestFirst:
    """Placement policy: within a kind, the open locations with the most free places first
    (COA spreads load); ties in location order. Indexed by kind like a list; a kind's order is
    computed when first asked for (most placements need one or two kinds), from `vacancy` as it
    was when this object was made (a copy is kept: callers go on taking places from theirs), or
    with `live` from `vacancy` as it is when the kind is first asked for; then a kind whose places
    were taken since (`shared.took`) is ordered afresh when next asked for."""

    def __init__(self, locs, vacancy: np.ndarray, live: bool = False, shared: Shared | None = None) -> None:
        self._locs, self._vacancy = locs, vacancy if live else vacancy.copy()
        self._orders: dict[int, np.ndarray] = {}
        self._heads: dict[int, tuple[np.ndarray, int]] = {}    # per kind: `_top`, for `head`
        self._shared = shared
        self._seen = list(shared.times) if shared is not None else []   # `shared.times` when ordered

    def _current(self, kind: int) -> None:
        """Let go of the kind's order if places were taken in it since it was made (`shared`)."""
        shared = self._shared
        if shared is not None and self._seen[kind] != shared.times[kind]:
            self._seen[kind] = shared.times[kind]
            self._orders.pop(kind, None)
            self._heads.pop(kind, None)

    def head(self, kind: int, need: int) -> np.ndarray:
        """The kind's order (`self[kind]`) at least as far as it holds `need` free places (all of
        it when it holds fewer). `place` gives the same places along such a prefix as along the
        whole order (see `_Order`); the prefix, the locations with the most free places (`_top`),
        costs a few small NumPy operations where the whole order sorts every location of the kind,
        and most placements need a few places. Kept, as the whole order, until places are taken in
        the kind. A kind of fewer than `HEAD_FROM` locations is ordered whole at once."""
        self._current(kind)
        got = self._orders.get(kind)
        if got is not None:
            return got
        if len(self._locs.of_kind(kind)) < HEAD_FROM:
            return self[kind]
        top = self._heads.get(kind)
        if top is None:
            stretch, places, whole = self._top(kind)
            if whole:
                self._orders[kind] = stretch
                return stretch
            top = self._heads[kind] = (stretch, places)
        return top[0] if top[1] >= need else self[kind]

    def _top(self, kind: int) -> tuple[np.ndarray, int, bool]:
        """The first stretch of the kind's order, the locations with the most free places (in
        location order); their free places; whether that is the whole order (no free place
        elsewhere)."""
        idx = self._locs.of_kind(kind)
        v = self._vacancy[idx]
        top = int(v.max()) if len(idx) else 0
        if top <= 0:
            return idx[:0], 0, True
        at = (v == top).nonzero()[0]
        places = top * len(at)
        return idx[at], places, places == int(v.sum())

    def __getitem__(self, kind: int) -> np.ndarray:
        self._current(kind)
        got = self._orders.get(kind)
        if got is None:
            idx = self._locs.of_kind(kind)
            v = self._vacancy[idx]
            free = v > 0
            n_free = int(np.count_nonzero(free))
            if n_free == len(idx) and n_free < 2:   # one location (Ter Apel, Schiphol) or none
                got = idx
            elif n_free == 0:
                got = idx[:0]
            else:
                v = v[free]
                got = idx[free][stable_order(-v, len(v) >= RADIX_FROM and int(v.max()) < (1 << 15))]
            self._orders[kind] = got
        return got


def order_by_kind(s: State, vacancy: np.ndarray) -> EmptiestFirst:
    """The emptiest-first order of the free locations of each kind (see `EmptiestFirst`)."""
    return EmptiestFirst(s.locs, vacancy)


class NearestAmongEqual(EmptiestFirst):
    """Placement on the regional network: within a kind, emptiest first as COA spreads load, but
    locations whose free places fall in the same band of `band` places count as equally
    suitable, and among those the nearest to the household (`km`: distance from its
    municipality to each municipality) comes first. Locations with fewer free places than one
    band are not equally suitable to anything: they come last, emptiest first, as without the
    network (so the small gaps are packed as before). Ties in location order. `km_at` (optional,
    a list per kind shared between orders from the same municipality, see `_km_at`) keeps the
    distance to each location of a kind once looked up."""

    def __init__(self, locs, vacancy: np.ndarray, km: np.ndarray, band: int, live: bool = False,
                 km_at: list[np.ndarray | None] | None = None, shared: Shared | None = None) -> None:
        super().__init__(locs, vacancy, live, shared)
        self._km, self._band = km, band
        self._km_at: list[np.ndarray | None] = km_at if km_at is not None else [None] * len(Kind)

    def __getitem__(self, kind: int) -> np.ndarray:
        self._current(kind)
        got = self._orders.get(kind)
        if got is None:
            b = self._bands(kind)
            if b.whole is not None:
                got = b.whole
            else:
                km = self._km_to(kind)
                if b.free is not None:
                    km = km[b.free]
                # nearly full locations stay last, emptiest first; full ones (band 0, -0 free places)
                # sort after every free one: cut off after the sort
                order = np.lexsort((np.where(b.roomy, km, b.fewer), b.band))
                got = b.at[order[:b.n_free]] if b.n_free < len(b.at) else b.at[order]
            self._orders[kind] = got
        return got

    def _km_to(self, kind: int) -> np.ndarray:
        """The distance to each location of the kind (`Locations.of_kind` order), looked up once;
        those of locations added since (at the end) looked up and appended when next asked for."""
        km = self._km_at[kind]
        at = self._locs.of_kind(kind)
        if km is None or len(km) > len(at):
            km = self._km_at[kind] = self._km[self._locs.municipality[at]]
        elif len(km) < len(at):
            km = self._km_at[kind] = np.concatenate([km, self._km[self._locs.municipality[at[len(km):]]]])
        return km

    def _bands(self, kind: int) -> _Bands:
        """The kind's locations and their bands as they are now (`_Bands`), shared by the orders of
        one placement (`Shared.bands`) while no places are taken in the kind."""
        shared = self._shared
        times = 0
        if shared is not None:
            got = shared.bands.get(kind)
            times = shared.times[kind]
            if got is not None and got.times == times:
                return got
        idx = self._locs.of_kind(kind)
        v = self._vacancy[idx]
        n_free = int(np.count_nonzero(v))   # free places are never below zero
        if n_free < 2:                      # none free, or one: nothing to order
            # (the keys are not read: `whole` is the order)
            b = _Bands(times, idx, None, n_free, idx, idx, idx, idx[:0] if n_free == 0 else idx[v > 0])
        else:
            free = None
            if n_free < len(idx) and len(idx) >= HEAD_FROM:
                # a big kind, often nearly full: only its free locations are sorted
                free = v > 0
                idx, v = idx[free], v[free]
            b = _Bands(times, idx, free, n_free, -(v // self._band), v >= self._band, -v, None)
        if shared is not None:
            shared.bands[kind] = b
        return b

    def _top(self, kind: int) -> tuple[np.ndarray, int, bool]:
        """The first stretch of the kind's order: the locations of the top band, nearest first
        (those with the most free places when none has a band's worth); their free places;
        whether that is the whole order (no free place elsewhere)."""
        idx = self._locs.of_kind(kind)
        shared = self._shared
        if shared is None:
            at, places, whole, sort = self._top_band(idx)
        else:
            got = shared.tops.get(kind)
            if got is None or got[0] != shared.times[kind]:
                got = shared.tops[kind] = (shared.times[kind], *self._top_band(idx))
            _, at, places, whole, sort = got
        if sort:
            at = at[self._km_to(kind)[at].argsort(kind="stable")]
        return idx[at], places, whole

    def _top_band(self, idx: np.ndarray) -> tuple[np.ndarray, int, bool, bool]:
        """`_top` before the sort by distance, the same for every place of origin: the positions in
        `idx` of the top band (of the locations with the most free places when none has a band's
        worth); their free places; whether that is all the kind's free places; whether they are to
        be sorted nearest first (more than one, a band's worth each)."""
        v = self._vacancy[idx]
        top = int(v.max()) if len(idx) else 0
        if top <= 0:
            return idx[:0], 0, True, False
        band = self._band
        if top < band:
            at = (v == top).nonzero()[0]
            places = top * len(at)
        else:
            at = (v >= top - top % band).nonzero()[0]
            places = int(v[at].sum())
        return at, places, places == int(v.sum()), top >= band and len(at) > 1


def registration_order(s: State, vacancy: np.ndarray) -> EmptiestFirst:
    """Where people waiting to register or in screening sleep: the registration centre (the
    first registration location), then the registration locations nearest to it (relief places
    before a second site far away); other kinds emptiest first."""
    order = order_by_kind(s, vacancy)
    central = s.locs.of_kind(Kind.CENTRAL)
    if len(central) > 1:
        km = s.world.network.distance_km[s.locs.municipality[central[0]], s.locs.municipality[central]]
        near = central[np.argsort(km, kind="stable")]
        order._orders[Kind.CENTRAL] = near[vacancy[near] > 0]
    return order


def settle_in_central(s: State, ids: np.ndarray, day: int) -> None:
    """Households waiting for or in registration get a bed at Ter Apel (or Schiphol for border
    entries); those who crossed at a shock's entry point are first sheltered near it. Those who
    do not fit wait without a bed."""
    if len(ids) == 0:
        return
    flags = s.people.cols["flags"][ids]
    if len(ids) <= FEW_HOUSEHOLDS and s.locs.n <= FEW_LOCATIONS:
        listed: list[int] = flags.tolist()
        if not any(f & _AT_ENTRY for f in listed):   # (nobody at an entry point: on Python numbers)
            _settle_few_in_central(s, ids, day, [(f & _AT_BORDER) > 0 for f in listed])
            return
    usual = not (flags & (Flag.AT_BORDER | Flag.AT_ENTRY)).any()    # the usual day: all to Ter Apel
    sizes = s.people.cols["size"][ids].astype(np.int64)
    vacancy = s.locs.vacancy()
    if usual:
        loc = place(sizes, [Kind.CENTRAL], vacancy, registration_order(s, vacancy), take=True)
    else:
        border = (flags & Flag.AT_BORDER) > 0
        entry = (flags & Flag.AT_ENTRY) > 0
        loc = np.full(len(ids), -1)
        groups: list[tuple[np.ndarray, list[int], int | None]]
        if entry.any():
            not_entry = ~entry
            crossing = int(s.world.inflow.entry_municipality[min(day, len(s.world.inflow.entry_municipality) - 1)])
            groups = [(border & not_entry, [Kind.BORDER, Kind.CENTRAL], None),
                      (~border & not_entry, [Kind.CENTRAL], None),
                      (entry, ENTRY_PREFERENCE, crossing if crossing >= 0 else None)]
        else:                 # nobody at an entry point: Schiphol's and the others
            groups = [(border, [Kind.BORDER, Kind.CENTRAL], None), (~border, [Kind.CENTRAL], None)]
        for sel, pref, origin in groups:
            if sel.any():
                order = registration_order(s, vacancy) if origin is None else order_by_distance(s, vacancy, origin)
                loc[sel] = place(sizes[sel], pref, vacancy, order, take=True)   # gone for the next group
    got = loc >= 0
    if got.all():
        s.today.moves += move(s.people, s.locs, s.log, ids, loc, day, Reason.INTAKE, sizes=sizes)
        return
    s.today.moves += move(s.people, s.locs, s.log, ids[got], loc[got], day, Reason.INTAKE)
    s.central_wait.push(ids[~got])


def _settle_few_in_central(s: State, ids: np.ndarray, day: int, border: list[bool]) -> None:
    """`settle_in_central` for a few households in a small world (`FEW_HOUSEHOLDS`,
    `FEW_LOCATIONS`) when nobody crossed at an entry point, on Python numbers: the same places.
    Those who entered at the border (`border`, per household) try the border location and then
    the registration locations, before the others, who try the registration locations; a kind's
    locations in `registration_order`: the registration centre, then the registration locations
    nearest to it, other kinds emptiest first."""
    lists = _lists(s)
    free = s.locs.vacancy().tolist()
    n = len(ids)
    sizes: list[int] = s.people.cols["size"][ids].tolist()
    loc = [-1] * n
    if any(border):              # as `settle_in_central`'s groups: the border entries' first
        _lay_out_kinds(s, lists, sizes, [i for i in range(n) if border[i]], [Kind.BORDER, Kind.CENTRAL], free, loc)
        _lay_out_kinds(s, lists, sizes, [i for i in range(n) if not border[i]], [Kind.CENTRAL], free, loc)
    else:
        _lay_out_kinds(s, lists, sizes, list(range(n)), [Kind.CENTRAL], free, loc)
    got = [i for i in range(n) if loc[i] >= 0]
    if len(got) == n:
        s.today.moves += move(s.people, s.locs, s.log, ids, np.array(loc, np.int64), day, Reason.INTAKE,
                              sizes=np.array(sizes, np.int64))
        return
    if got:
        s.today.moves += move(s.people, s.locs, s.log, ids[got], np.array([loc[i] for i in got], np.int64), day,
                              Reason.INTAKE)
    s.central_wait.push(ids[[i for i in range(n) if loc[i] < 0]])


def _lay_out_kinds(s: State, lists: _Lists, sizes: list[int], sel: list[int], kinds: list[int], free: list[int],
                   loc: list[int]) -> None:
    """`place_few(sizes[sel], kinds, vacancy, registration_order(s, vacancy), take=True)` on Python
    numbers: the households `sel` (indexes into `sizes`, in order) get their location in `loc`;
    the places given are taken from `free` (of every location)."""
    if not sel:
        return
    sz = [sizes[i] for i in sel]
    todo = list(range(len(sel)))
    need = sum(sz)                     # the persons of `todo`
    for kind in kinds:
        if kind == Kind.CENTRAL:       # the registration centre, then the others nearest to it
            central = lists.at[Kind.CENTRAL]
            if len(central) > 1:
                km = lists.km(lists.municipality[central[0]], Kind.CENTRAL)
                central = [central[j] for j in sorted(range(len(central)), key=km.__getitem__)]
            cand = [j for j in central if free[j] > 0]
        else:                          # emptiest first (`EmptiestFirst.head`: as far as `need`)
            kf = lists.free_of(kind, free)
            if kf is None or kf.top <= 0:
                continue
            cand = lists.order(-1, kind, kf, 0).upto(need)
        if not cand:
            continue
        kind_free = [free[j] for j in cand]
        placed, todo = lay_out(sz, todo, kind_free)
        if placed:
            for i, j in placed:
                where = loc[sel[i]] = cand[j]
                free[where] = kind_free[j]
            if not todo:
                return
            need = sum(sz[i] for i in todo)


def order_by_distance(s: State, vacancy: np.ndarray, origin: int) -> list[np.ndarray]:
    """Within a kind, the locations nearest to municipality `origin` first."""
    L = s.locs
    km = s.world.network.distance_km[origin, L.municipality]
    order = np.lexsort((km, L.kind))
    order = order[vacancy[order] > 0]
    bounds = np.searchsorted(L.kind[order], np.arange(len(Kind) + 1))
    return [order[bounds[k]:bounds[k + 1]] for k in range(len(Kind))]


def close_locations(s: State, idx: np.ndarray, day: int, reason: int = Reason.LOCATION_CLOSING) -> None:
    """Close locations; residents get another bed (or none, and wait for one)."""
    if len(idx) == 0:
        return
    L = s.locs
    L.life[idx] = Life.CLOSED
    s.consolidating.difference_update(idx.tolist())
    h = s.people.cols
    residents = s.residents_of(idx)
    if len(residents) == 0:
        return
    early = h["stage"][residents] <= Stage.SCREENING
    settle_in_central(s, residents[early], day)
    left = find_beds(s, residents[~early], day, reason)
    still = residents[np.isin(h["location"][residents], idx)]
    move(s.people, L, s.log, still, -1, day, reason)
    s.needs_bed.push(left)

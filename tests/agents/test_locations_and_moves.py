import numpy as np
import pytest

from agents.applicants import Applicants, Stage, Track
from agents.locations import NO_BED, Kind, Life, Locations, place
from agents.moves import MoveLog, Reason, move


def _locs(kinds, caps):
    n = len(kinds)
    return Locations.from_columns([f"L{i}" for i in range(n)], kind=kinds, municipality=np.arange(n),
                                  capacity=caps, max_capacity=caps, life=np.full(n, Life.OPEN),
                                  contract_end=np.full(n, 999), term_days=np.full(n, 365))


def test_place_keeps_households_together_and_never_overfills():
    vac = np.array([3, 4, 5])
    order = [np.array([], int)] * len(Kind)
    order = list(order)
    order[Kind.REGULAR] = np.array([0, 1])
    order[Kind.EMERGENCY] = np.array([2])
    # sizes 2,2,3,4: regular 0 (3 places) takes the first pair; the second pair straddles 0/1 and
    # waits for a later pass; the three go to location 1; the four do not fit in regular at all
    loc = place(np.array([2, 2, 3, 4]), [Kind.REGULAR, Kind.EMERGENCY], vac, order)
    load = np.bincount(loc[loc >= 0], weights=np.array([2, 2, 3, 4])[loc >= 0], minlength=3)
    assert (load <= vac).all()
    assert loc[0] == 0 and loc[2] == 1          # worked by hand above
    assert loc[1] == 2                          # the straddling pair falls through to emergency
    assert loc[3] == -1                         # 4 persons: 1 left in regular 0/1, 3 in emergency
    assert list(vac) == [3, 4, 5]               # input untouched


def test_place_can_take_the_places_from_the_callers_vacancy():
    order = [np.array([], int)] * len(Kind)
    order[Kind.REGULAR] = np.array([0, 1])
    order[Kind.EMERGENCY] = np.array([2])
    vac = np.array([3, 4, 5], np.int64)
    # the same households as above: pair -> 0, pair -> 2, three -> 1, four nowhere; so 0 keeps
    # 3 - 2 = 1 place, 1 keeps 4 - 3 = 1, 2 keeps 5 - 2 = 3
    loc = place(np.array([2, 2, 3, 4]), [Kind.REGULAR, Kind.EMERGENCY], vac, order, take=True)
    assert list(loc) == [0, 2, 1, -1]
    assert list(vac) == [1, 1, 3]
    # a second group placed from what is left: a single fits in 0 (first in order), a pair in 2
    assert list(place(np.array([1, 2]), [Kind.REGULAR, Kind.EMERGENCY], vac, order, take=True)) == [0, 2]
    assert list(vac) == [0, 1, 1]


def test_place_fills_preferred_kind_first():
    order = [np.array([], int)] * len(Kind)
    order[Kind.REGULAR] = np.array([1])
    order[Kind.EMERGENCY] = np.array([0])
    loc = place(np.array([1, 1, 1]), [Kind.REGULAR, Kind.EMERGENCY], np.array([10, 2]), order)
    assert list(loc) == [1, 1, 0]


def _place_every_household_every_pass(sizes, preference, vacancy, order_by_kind):
    """`place` as first written: each pass looks at every household still without a place."""
    loc = np.full(len(sizes), -1)
    vac = vacancy.astype(np.int64).copy()
    todo = np.arange(len(sizes))
    for kind in preference:
        cand = order_by_kind[kind]
        for _ in range(8):
            if len(cand) == 0 or len(todo) == 0:
                break
            cv = vac[cand].cumsum()
            if cv[-1] <= 0:
                break
            s = sizes[todo]
            end = s.cumsum()
            j_first = cv.searchsorted(end - s, side="right")
            j_last = cv.searchsorted(end - 1, side="right")
            ok = (j_first == j_last) & (j_last < len(cand))
            if not ok.any():
                break
            loc[todo[ok]] = cand[j_last[ok]]
            np.subtract.at(vac, cand[j_last[ok]], s[ok])
            todo = todo[~ok]
    return loc


def test_place_of_short_and_long_lines_places_exactly_as_every_household_every_pass(monkeypatch):
    """Long lines are placed looking only at the households a pass can place (`_Unplaced`), short
    ones on Python numbers (`place_few`); the result must be the plain algorithm's, household for
    household, for any length of line, and so must the places taken (`take`) and the kinds
    reported as taken."""
    import agents.locations as locations

    rng = np.random.default_rng(7)
    for trial in range(600):
        n_loc = int(rng.integers(1, 12))
        kinds = rng.integers(0, 3, n_loc)
        vac = rng.integers(0, 9, n_loc) * (rng.random(n_loc) < 0.8)
        full_too = trial % 3 == 0                 # orders that also list full locations
        order = [np.flatnonzero((kinds == k) & ((vac >= 0) if full_too else (vac > 0))) for k in range(len(Kind))]
        n = int(rng.integers(0, 4 * locations._LONG_LINE if trial % 4 == 0 else 40))   # a quarter long
        sizes = rng.integers(1, 7, n)
        pref = [int(k) for k in rng.permutation(3)[: int(rng.integers(1, 4))]]
        expected = _place_every_household_every_pass(sizes, pref, vac, order)
        placed = expected >= 0
        left = vac - np.bincount(expected[placed], weights=sizes[placed], minlength=n_loc).astype(np.int64)
        kinds_taken = [k for k in pref if placed.any() and np.isin(expected[placed], order[k]).any()]
        for short, long in ((locations.SHORT_LINE, locations._LONG_LINE), (0, locations._LONG_LINE),
                            (0, 0), (10**9, 0)):
            with monkeypatch.context() as m:      # short lines on Python numbers, or every line long, …
                m.setattr(locations, "SHORT_LINE", short)
                m.setattr(locations, "_LONG_LINE", long)
                assert np.array_equal(place(sizes, pref, vac, order), expected), (trial, short, long)
                mine, taken = vac.astype(np.int64), []
                got = place(sizes, pref, mine, order, take=True, taken=taken)
                assert np.array_equal(got, expected) and got.dtype == np.int64, (trial, short, long)
                assert np.array_equal(mine, left), (trial, short, long)
                assert taken == kinds_taken, (trial, short, long)


def test_place_few_places_on_python_numbers_as_worked_by_hand():
    """The first test's line, on Python numbers: the pair straddling locations 0 and 1 waits for
    the second pass, finds no gap of two in regular places and goes to emergency."""
    from agents.locations import place_few

    order = [np.array([], int)] * len(Kind)
    order[Kind.REGULAR] = np.array([0, 1])
    order[Kind.EMERGENCY] = np.array([2])
    vac = np.array([3, 4, 5], np.int64)
    taken: list[int] = []
    assert place_few([2, 2, 3, 4], [Kind.REGULAR, Kind.EMERGENCY], vac, order, take=True, taken=taken) == [0, 2, 1, -1]
    assert list(vac) == [1, 1, 3] and taken == [Kind.REGULAR, Kind.EMERGENCY]
    # without `take` the caller's free places stay as they are; the second pair straddles 0 and 1
    # and, laid out again in the second pass, still does (1 place left in 0): it gets none
    free = np.array([3, 4])
    assert place_few([2, 2], [Kind.REGULAR], free, order) == [0, -1] and list(free) == [3, 4]


def test_move_counts_moves_nights_and_occupancy():
    p = Applicants()
    ids = p.add(size=np.array([3, 1]), children=np.array([2, 0]), key=np.arange(2, dtype=np.uint64),
                group=np.zeros(2), track=np.full(2, Track.REGULAR), flags=np.zeros(2, np.uint8),
                stage=Stage.PROCEDURE, day=0)
    L = _locs([Kind.EMERGENCY, Kind.REGULAR], [10, 10])
    dist = np.array([[0.0, 42.0], [42.0, 0.0]], np.float32)
    log = MoveLog(locations=L, distance_km=dist)
    assert move(p, L, log, ids, 0, day=2, reason=Reason.INTAKE) == 0       # intake is not a move
    assert list(L.occupancy) == [4, 0] and list(L.children) == [2, 0]
    assert list(p.nights_unsheltered) == [2, 2]
    moved = move(p, L, log, ids[:1], 1, day=7, reason=Reason.EMERGENCY_TO_REGULAR)
    assert moved == 3
    assert list(L.occupancy) == [1, 3] and list(L.children) == [0, 2]
    assert list(p.moves) == [1, 0]
    assert list(p.nights_emergency) == [5, 0]
    move(p, L, log, ids, -1, day=10, reason=Reason.EXIT)
    assert list(L.occupancy) == [0, 0]
    assert list(p.nights_emergency) == [5, 8]
    assert list(log.reason) == [Reason.INTAKE, Reason.INTAKE, Reason.EMERGENCY_TO_REGULAR, Reason.EXIT, Reason.EXIT]
    assert log.km[2] == 42.0


def test_kind_and_municipality_at_a_location_or_none_in_one_look_up():
    L = _locs([Kind.CENTRAL, Kind.REGULAR, Kind.EMERGENCY], [5, 5, 5])
    loc = np.array([2, -1, 0, 1, -1])
    assert list(L.kind_at(loc)) == [Kind.EMERGENCY, NO_BED, Kind.CENTRAL, Kind.REGULAR, NO_BED]
    assert list(L.municipality_at(loc)) == [2, -1, 0, 1, -1] and L.municipality_at(loc).dtype == np.int64
    new = L.append(["L3"], kind=[Kind.CRISIS], municipality=[7])     # rows added: looked up again
    assert list(L.kind_at(np.array([new[0], -1]))) == [Kind.CRISIS, NO_BED]
    assert list(L.municipality_at(np.array([-1, 3]))) == [-1, 7]


def test_kind_membership_per_location_with_an_entry_for_no_bed():
    from agents.locations import TEMPORARY_KINDS
    L = _locs([Kind.CENTRAL, Kind.EMERGENCY, Kind.REGULAR, Kind.CRISIS], [5, 5, 5, 5])
    loc = np.array([0, 1, 2, 3, -1])
    assert list(L.kind_in(TEMPORARY_KINDS)[loc]) == [False, True, False, True, False]
    assert list(L.kind_in((Kind.CENTRAL, NO_BED))[loc]) == [True, False, False, False, True]
    assert not L.kind_in((Kind.REGULAR,)).flags.writeable                 # kept: read only
    new = L.append(["L4"], kind=[Kind.EMERGENCY], municipality=[4])      # rows added: made again
    assert list(L.kind_in(TEMPORARY_KINDS)[np.array([new[0], 2, -1])]) == [True, False, False]


def test_the_day_of_the_rows_since_a_row_when_they_have_one():
    log = MoveLog()
    assert log.day_from(0) is None                                   # no rows
    one = np.array([1]), np.array([-1]), np.array([0])
    log.append(4, *one, Reason.INTAKE)
    log.append(4, *one, Reason.INTAKE)
    assert log.day_from(0) == 4 and log.day_from(1) == 4 and log.day_from(2) is None   # none from row 2
    log.append(6, *one, Reason.INTAKE)                               # rows 0-1 on day 4, row 2 on day 6
    assert log.day_from(0) is None and log.day_from(1) is None and log.day_from(2) == 6


@pytest.mark.parametrize("few", [32, 0])   # a few households on Python numbers (`_move_few`); or in arrays
def test_move_gives_the_same_for_a_scalar_or_an_array_destination_and_for_mixed_sets(monkeypatch, few):
    """The fast paths (one destination for all, everyone with / without a bed, all getting one)
    give what the general path gives. Worked by hand: households of 3 (2 minors), 1 and 2 (1 minor);
    the first two in emergency location 0 since day 0, the third without a bed since day 0."""
    from agents import moves
    monkeypatch.setattr(moves, "_FEW", few)

    def world():
        p = Applicants()
        ids = p.add(size=np.array([3, 1, 2]), children=np.array([2, 0, 1]), key=np.arange(3, dtype=np.uint64),
                    group=np.zeros(3), track=np.full(3, Track.REGULAR), flags=np.zeros(3, np.uint8),
                    stage=Stage.PROCEDURE, day=0)
        L = _locs([Kind.EMERGENCY, Kind.REGULAR, Kind.CRISIS], [10, 10, 10])
        log = MoveLog(locations=L, distance_km=np.zeros((3, 3), np.float32))
        move(p, L, log, ids[:2], 0, day=0, reason=Reason.INTAKE)
        return p, L, log, ids

    # everyone from one location to another: scalar 1, an int32 array and a list give the same
    seen = []
    for dest, sizes in ((1, None), (np.array([1, 1], np.int32), np.array([3, 1])), ([1, 1], [3, 1])):
        p, L, log, ids = world()
        assert move(p, L, log, ids[:2], dest, day=4, reason=Reason.EMERGENCY_TO_REGULAR, sizes=sizes) == 4
        seen.append((list(L.occupancy), list(L.children), list(p.moves), list(p.nights_emergency),
                     list(p.location), list(log.reason), list(log.destination)))
    assert seen[0] == seen[1] == seen[2]
    assert seen[0][:5] == ([0, 4, 0], [0, 2, 0], [1, 1, 0], [4, 4, 0], [1, 1, -1])
    # everyone from a regular location (no spell to close): on to crisis 2 on day 9
    assert move(p, L, log, ids[:2], 2, day=9, reason=Reason.CAPACITY_BALANCING) == 4
    assert list(L.occupancy) == [0, 0, 4] and list(L.children) == [0, 0, 2] and list(p.moves) == [2, 2, 0]
    assert list(p.nights_emergency) == [4, 4, 0] and list(p.nights_crisis) == [0, 0, 0]
    assert list(p.loc_since) == [9, 9, 0]
    move(p, L, log, ids[:2], -1, day=12, reason=Reason.EXIT)     # and out of crisis: 3 nights each
    assert list(p.nights_crisis) == [3, 3, 0] and list(L.occupancy) == [0, 0, 0]
    # a mixed set: household 0 to crisis 2, household 1 leaves its bed, household 2 gets regular 1
    p, L, log, ids = world()
    assert move(p, L, log, ids, np.array([2, -1, 1]), day=5, reason=Reason.CAPACITY_BALANCING) == 3
    assert list(L.occupancy) == [0, 2, 3] and list(L.children) == [0, 1, 2]
    assert list(p.moves) == [1, 0, 0]              # only 0 -> 2 is a move
    assert list(p.nights_emergency) == [5, 5, 0] and list(p.nights_unsheltered) == [0, 0, 5]
    assert list(log.reason[2:]) == [Reason.CAPACITY_BALANCING, Reason.CAPACITY_BALANCING, Reason.INTAKE]
    # some with a bed, some without, all leaving (scalar -1): the one without a bed is logged as
    # a change only if it had one; the nights of both kinds are closed
    p, L, log, ids = world()
    assert move(p, L, log, ids[1:], -1, day=6, reason=Reason.EXIT) == 0
    assert list(L.occupancy) == [3, 0, 0] and list(p.location) == [0, -1, -1]
    assert list(p.nights_emergency) == [0, 6, 0] and list(p.nights_unsheltered) == [0, 0, 6]
    assert list(log.household[2:]) == [1] and list(log.reason[2:]) == [Reason.EXIT]
    # everyone without a bed staying without one: nights closed, nothing logged, nothing moved
    p, L, log, ids = world()
    assert move(p, L, log, ids[2:], np.array([-1]), day=3, reason=Reason.EXIT) == 0
    assert list(p.nights_unsheltered) == [0, 0, 3] and log.n == 2 and list(p.loc_since) == [0, 0, 3]


def test_move_closes_mixed_spells_of_few_and_of_many_households_alike():
    """Spells are counted in Python for up to `_FEW` households and with NumPy beyond: the same
    nights and counts. Worked by hand: k households of 1 (each with no minor) in emergency 0 and k
    in crisis 2 since day 0, all moved to regular 1 on day 5: 5 emergency nights for the first k,
    5 crisis nights for the others, 2k persons moved."""
    from agents import moves
    for k in (2, moves._FEW):          # 4 households, and 2 * _FEW (more than _FEW)
        p = Applicants()
        ids = p.add(size=np.ones(2 * k, np.int64), children=np.zeros(2 * k), key=np.arange(2 * k, dtype=np.uint64),
                    group=np.zeros(2 * k), track=np.full(2 * k, Track.REGULAR), flags=np.zeros(2 * k, np.uint8),
                    stage=Stage.PROCEDURE, day=0)
        L = _locs([Kind.EMERGENCY, Kind.REGULAR, Kind.CRISIS], [100, 100, 100])
        log = MoveLog(locations=L, distance_km=np.zeros((3, 3), np.float32))
        move(p, L, log, ids, np.repeat([0, 2], k), day=0, reason=Reason.INTAKE)
        assert move(p, L, log, ids, 1, day=5, reason=Reason.CAPACITY_BALANCING) == 2 * k
        assert list(L.occupancy) == [0, 2 * k, 0] and list(p.moves) == [1] * (2 * k)
        assert list(p.nights_emergency) == [5] * k + [0] * k and list(p.nights_crisis) == [0] * k + [5] * k
        assert list(p.nights_unsheltered) == [0] * (2 * k)
        assert list(log.since("household", 2 * k)) == list(ids) and len(log.since("origin", 4 * k)) == 0


def test_distances_of_a_slice_of_rows_as_of_their_indexes():
    """`km_of` reads a slice of rows within the log straight from the columns: as their indexes."""
    p = Applicants()
    ids = p.add(size=np.array([1, 2, 1]), children=np.zeros(3), key=np.arange(3, dtype=np.uint64),
                group=np.zeros(3), track=np.full(3, Track.REGULAR), flags=np.zeros(3, np.uint8),
                stage=Stage.PROCEDURE, day=0)
    L = _locs([Kind.EMERGENCY, Kind.REGULAR], [10, 10])
    log = MoveLog(locations=L, distance_km=np.array([[0.0, 7.5], [7.5, 0.0]], np.float32))
    move(p, L, log, ids, np.array([0, 0, 1]), day=0, reason=Reason.INTAKE)
    move(p, L, log, ids, np.array([1, 1, 0]), day=1, reason=Reason.CAPACITY_BALANCING)
    assert log.km_of(slice(3, 6)).tolist() == [7.5, 7.5, 7.5]          # the three moves
    assert log.km_of(slice(1, 5)).tolist() == log.km_of(np.arange(1, 5)).tolist() == [0.0, 0.0, 7.5, 7.5]
    assert log.km_of(slice(-2, None)).tolist() == [7.5, 7.5]           # (any other slice as before)


def test_many_appends_keep_every_column_index_and_change_made_between_them():
    """Locations are appended one or three at a time, with writes to earlier rows in between (a location
    opens, residents arrive) and a snapshot round trip half-way: every row keeps what was written."""
    import pickle
    L = _locs([Kind.CENTRAL, Kind.REGULAR], [100, 40])
    for i in range(300):
        names = [f"N{i}"] if i % 2 else [f"N{i}a", f"N{i}b", f"N{i}c"]
        k = len(names)
        new = L.append(names, kind=[Kind.EMERGENCY] * k, capacity=[i] * k, municipality=[i % 7] * k)
        assert list(new) == list(range(L.n - k, L.n))                     # the new rows' indexes
        L.life[new[0]] = Life.OPEN                                         # written between appends
        L.occupancy[0] += 1
        if i == 150:
            L = pickle.loads(pickle.dumps(L))
    rows = [(i, j) for i in range(300) for j in range(1 if i % 2 else 3)]   # (append, place in it) per new row
    assert L.n == len(L.names) == 2 + len(rows) == 602
    for name in ("kind", "capacity", "municipality", "life", "occupancy", "synthetic"):
        assert len(getattr(L, name)) == L.n, name
    assert list(L.capacity) == [100, 40] + [i for i, _ in rows]
    assert list(L.municipality) == [0, 1] + [i % 7 for i, _ in rows]
    assert list(L.life) == [Life.OPEN, Life.OPEN] + [Life.OPEN if j == 0 else Life.PLANNED for _, j in rows]
    assert list(L.occupancy) == [300] + [0] * (L.n - 1) and not L.synthetic.any()  # unnamed fields: zero
    assert L.names[:2] == ["L0", "L1"] and L.names[-4:] == ["N298a", "N298b", "N298c", "N299"]
    assert list(L.of_kind(Kind.EMERGENCY)) == list(range(2, L.n))
    assert list(L.kind_at(np.array([L.n - 1, -1]))) == [Kind.EMERGENCY, NO_BED]


def test_an_append_copies_the_table_only_when_its_room_is_full():
    """Amortised O(1): of 1,000 locations appended one at a time, the columns move to a larger array a
    handful of times (room doubled each time), not at every append (a copy of every row each time)."""
    L = _locs([Kind.REGULAR] * 10, [5] * 10)
    copies = 0
    for i in range(1000):
        before = L.capacity
        L.append([f"N{i}"], kind=[Kind.REGULAR], capacity=[i])
        copies += not np.shares_memory(before, L.capacity)
    assert copies == 7            # room for 22 rows at the first append, then 46, 94, 190, 382, 766, 1,534
    assert list(L.capacity[10:]) == list(range(1000))


def test_an_append_with_an_unknown_field_leaves_the_table_as_it_was():
    L = _locs([Kind.REGULAR, Kind.CENTRAL], [5, 6])
    try:
        L.append(["X"], kind=[Kind.REGULAR], beds=[3])
    except KeyError as e:
        assert "beds" in str(e)
    else:
        raise AssertionError("no KeyError")
    assert L.n == len(L.names) == len(L.kind) == len(L.capacity) == 2


def test_kind_in_list_is_the_kind_mask_as_python_booleans_remade_when_locations_are_added():
    L = Locations.from_columns(["R1", "E1", "B1"], kind=[Kind.REGULAR, Kind.EMERGENCY, Kind.BORDER])
    # per location, then the entry for index -1 (no bed): True only when NO_BED is asked for
    assert L.kind_in_list((Kind.REGULAR,)) == [True, False, False, False]
    assert L.kind_in_list((Kind.BORDER, NO_BED)) == [False, False, True, True]
    L.append(["R2"], kind=[Kind.REGULAR])
    assert L.kind_in_list((Kind.REGULAR,)) == [True, False, False, True, False]

"""Storage: growth of columns, stable orders, person columns computed from households, the move
log's day runs and computed distances."""

import numpy as np
import pytest

from agents.applicants import Applicants, Track
from agents.columns import GENTLE_FROM, grown, reserve
from agents.locations import Kind, Life, Locations
from agents.moves import MoveLog, Reason, move
from agents.sorting import RADIX_FROM, distinct, first_of_each, last_of_each, stable_order


def test_growth_doubles_short_tables_and_adds_a_quarter_to_long_ones():
    assert grown(10, 11) == 20
    assert grown(10, 50) == 50
    assert grown(GENTLE_FROM, GENTLE_FROM + 1) == GENTLE_FROM + GENTLE_FROM // 4
    cols = {"a": np.arange(5, dtype=np.int32), "b": np.ones(5, np.int8)}
    reserve(cols, 3, 6)
    assert len(cols["a"]) == 10 and cols["a"].dtype == np.int32 and cols["b"].dtype == np.int8
    assert list(cols["a"]) == [0, 1, 2] + [0] * 7 and list(cols["b"][:4]) == [1, 1, 1, 0]


def test_distinct_values_and_their_first_and_last_places():
    values = np.array([3, 1, 3, 2, 1])
    assert distinct(values).tolist() == [1, 2, 3]
    assert first_of_each(values).tolist() == [1, 3, 0]      # value 1 first at 1, 2 at 3, 3 at 0
    assert last_of_each(values).tolist() == [4, 3, 2]       # value 1 last at 4, 2 at 3, 3 at 2
    assert first_of_each(values[:1]).tolist() == [0] and last_of_each(values[:0]).tolist() == []
    many = np.random.default_rng(1).integers(0, 50, 2000)
    assert np.array_equal(distinct(many), np.unique(many))
    assert np.array_equal(first_of_each(many), np.unique(many, return_index=True)[1])


def test_stable_order_keeps_ties_in_place_short_or_long():
    assert stable_order(np.array([3, 1, 3, 0, 1]), True).tolist() == [3, 1, 4, 0, 2]
    keys = -np.random.default_rng(1).integers(0, 400, 5 * RADIX_FROM)      # e.g. minus free places
    assert np.array_equal(stable_order(keys, True), keys.argsort(kind="stable"))   # radix, same order
    assert np.array_equal(stable_order(keys * 1000, False), (keys * 1000).argsort(kind="stable"))


def test_person_columns_follow_from_the_households():
    p = Applicants(capacity_households=2)
    sizes, children = np.array([1, 3, 2, 4, 1]), np.array([1, 2, 0, 3, 0])
    k = len(sizes)
    p.add(size=sizes, children=children, key=np.arange(k, dtype=np.uint64), group=np.zeros(k),
          track=np.full(k, Track.REGULAR), flags=np.zeros(k, np.uint8), stage=0, day=0)
    household = np.repeat(np.arange(k), sizes)
    rank = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    minor = rank >= np.repeat(sizes - children, sizes)
    assert p.household.dtype == np.int32 and list(p.household) == list(household)
    assert p.minor.dtype == np.bool_ and list(p.minor) == list(minor)
    some = np.array([10, 0, 4, 3])
    assert list(p.household_of(some)) == list(household[some])
    assert list(p.is_minor(some)) == list(minor[some])
    assert p.household_of(7) == 3 and not p.is_minor(6) and p.is_minor(9)


def _locs(municipality):
    n = len(municipality)
    return Locations.from_columns([f"L{i}" for i in range(n)], kind=np.full(n, Kind.REGULAR),
                                  municipality=np.array(municipality), capacity=np.full(n, 9),
                                  max_capacity=np.full(n, 9), life=np.full(n, Life.OPEN),
                                  contract_end=np.full(n, 999), term_days=np.full(n, 365))


def test_move_log_days_are_kept_per_run_of_rows():
    log = MoveLog(capacity=2)
    for day, k in ((0, 3), (0, 1), (4, 2), (2, 1), (2, 2), (5, 1)):   # not sorted: still exact
        log.append(day, np.arange(k), np.full(k, -1), np.zeros(k), Reason.INTAKE)
    want = np.array([0] * 4 + [4] * 2 + [2] * 3 + [5], np.int32)
    assert log.day.dtype == np.int32 and list(log.day) == list(want)
    for rows in (slice(0, 10), slice(3, 7), slice(5, 6), slice(9, 10), slice(4, 4),
                 np.array([9, 0, 4, 6]), np.array([-1]), want == 2):
        assert list(log.days_of(rows)) == list(want[rows]), rows
    with pytest.raises(ValueError):
        log.day[0] = 1      # computed: read-only


def test_move_log_distance_follows_origin_and_destination():
    L = _locs([0, 2, 1])
    dist = np.array([[0, 5, 7], [5, 0, 3], [7, 3, 0]], np.float32)
    log = MoveLog()
    log.append(1, np.array([0, 1, 2]), np.array([-1, 0, 1]), np.array([0, 1, -1]),
               np.array([Reason.INTAKE, Reason.CAPACITY_BALANCING, Reason.EXIT], np.int8))
    with pytest.raises(RuntimeError):
        log.km_of(slice(0, 3))
    log.bind(L, dist)
    assert log.km.dtype == np.float32 and list(log.km) == [0.0, 7.0, 0.0]   # municipality 0 -> 2
    new = L.append(["L3"], kind=[Kind.REGULAR], municipality=[1])        # locations grow
    log.append(2, np.array([1]), np.array([1]), new, Reason.CAPACITY_BALANCING)
    assert list(log.km) == [0.0, 7.0, 0.0, 3.0] and list(log.km_of(slice(3, 4))) == [3.0]
    assert list(log.km_of(np.array([1, 3]))) == [7.0, 3.0]


def test_move_log_keeps_locations_in_int16_until_an_id_needs_more():
    log = MoveLog(capacity=2)
    log.append(0, np.array([0, 1]), np.array([-1, 5]), np.array([32_767, -1]), Reason.INTAKE)
    assert log.origin.dtype == np.int16 and log.destination.dtype == np.int16   # 32,767 still fits
    assert log.nbytes() == 2 * (4 + 2 + 2 + 1)                                    # 9 bytes a row
    log.append(1, np.array([2]), np.array([7]), np.array([40_000]), Reason.CAPACITY_BALANCING)
    assert log.origin.dtype == np.int32 and log.destination.dtype == np.int32
    assert list(log.origin) == [-1, 5, 7] and list(log.destination) == [32_767, -1, 40_000]
    assert list(log.household) == [0, 1, 2] and list(log.day) == [0, 0, 1]
    log.append(2, np.array([3]), np.array([40_000]), np.array([-1]), Reason.EXIT)   # stays wide
    assert list(log.origin) == [-1, 5, 7, 40_000] and log.origin.dtype == np.int32


def test_move_log_widens_when_move_is_given_more_locations_than_int16_holds():
    n = 32_769                      # the last location's id, 32,768, needs int32
    L = _locs(np.zeros(n, int))
    log = MoveLog(locations=L, distance_km=np.zeros((1, 1), np.float32))
    p = Applicants()
    ids = p.add(size=np.array([1, 2]), children=np.array([0, 1]), key=np.arange(2, dtype=np.uint64),
                group=np.zeros(2), track=np.full(2, Track.REGULAR), flags=np.zeros(2, np.uint8),
                stage=0, day=0)
    move(p, L, log, ids, np.array([32_767, 3]), day=1, reason=Reason.INTAKE)
    assert log.destination.dtype == np.int32       # bound by the number of locations, not the ids
    move(p, L, log, ids[:1], n - 1, day=2, reason=Reason.CAPACITY_BALANCING)
    assert list(log.origin) == [-1, -1, 32_767] and list(log.destination) == [32_767, 3, 32_768]
    assert list(log.km) == [0.0, 0.0, 0.0] and list(p.location) == [32_768, 3]


def test_growing_the_households_holds_one_old_column_at_a_time():
    import tracemalloc

    def add(p, k):
        return p.add(size=np.ones(k, np.int64), children=np.zeros(k, np.int64), key=np.zeros(k, np.uint64),
                     group=np.zeros(k, np.int8), track=np.zeros(k, np.int8), flags=np.zeros(k, np.uint8),
                     stage=0, day=0)

    k = GENTLE_FROM
    tracemalloc.start()             # before the table is made: its old columns are traced too
    try:
        p = Applicants(capacity_households=k)
        add(p, k)                   # full
        for name in p.cols:
            p.cols[name][0]         # views of every column cached (as the rules make them)
        old_table = p.nbytes()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        add(p, 1)                   # grows every column by a quarter
        rise = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert p.n == k + 1 and len(p._h["key"]) == grown(k, k + 1)
    widest = k * 8                  # the key column, the one old column held while its copy is made
    # the new table in place of the old one, one old column held at a time (the old table whole: + old_table)
    assert rise < p.nbytes() - old_table + widest + 64 * 1024

"""Residents by location on real runs: the kept index against a pass over everyone."""

import numpy as np
import pytest

from model import rulebook
from model.scenario import load_scenario
from model.simulate import prepare


@pytest.mark.slow
@pytest.mark.parametrize("name, days", [("contract-cliff", 400), ("force-majeure", 300)])
def test_the_index_finds_who_is_in_a_bed_where_every_day(name, days):
    """Locations open, close and drain; people move, leave and arrive: every few days the
    residents of a spread of locations (one, several, all) are those the location column says."""
    s = prepare(load_scenario(name), 1, days)
    rng = np.random.default_rng(0)
    checked = 0
    for day in range(days):
        rulebook.run_day(s)
        if day % 5:
            continue
        loc = s.people.cols["location"][: s.people.n]
        for size in (1, 7, s.locs.n):
            some = np.sort(rng.choice(s.locs.n, size=size, replace=False))
            expected = np.flatnonzero(np.isin(loc, some))
            assert np.array_equal(s.residents_of(some), expected)
            checked += len(expected)
    assert checked > 1_000_000      # the check was not on empty locations


def test_locations_opened_after_the_snapshot_are_found_without_a_new_snapshot(monkeypatch):
    """The plan opens emergency locations (added at the end of the table) as mass arrival goes on:
    their residents are found from the move log, and the snapshot is renewed for the log's growth
    only, not each time a location was added (it was: `eu-scale` renewed it daily)."""
    from model.residents import ResidentIndex

    renewals = []
    renew = ResidentIndex._renew
    monkeypatch.setattr(ResidentIndex, "_renew", lambda self, s: (renewals.append(s.locs.n), renew(self, s))[1])
    s = prepare(load_scenario("mass-arrival"), 1, 260)
    opened, found = set(), 0
    for day in range(260):
        n_before = s.locs.n
        rulebook.run_day(s)
        opened.update(range(n_before, s.locs.n))
        new = np.array(sorted(opened), np.int64)
        if len(new) == 0 or day % 3:
            continue
        loc = s.people.cols["location"][: s.people.n]
        expected = np.flatnonzero(np.isin(loc, new))
        assert np.array_equal(s.residents_of(new), expected)
        found += len(expected)
    assert len(opened) >= 5 and found > 10_000      # locations were added, and people moved into them
    # 139 locations opened over 260 days: 4 renewals for the log's growth (54 before: one a look)
    assert len(renewals) <= len(opened) // 10


def _world_in_beds(n=200_000, n_loc=300):
    """n households, each in a bed at a random location or without one (-1), each logged once."""
    import types

    from agents.applicants import Applicants
    from agents.moves import MoveLog

    p = Applicants(capacity_households=n)
    p.add(size=np.ones(n, np.int64), children=np.zeros(n, np.int64), key=np.zeros(n, np.uint64),
          group=np.zeros(n, np.int8), track=np.zeros(n, np.int8), flags=np.zeros(n, np.uint8), stage=0, day=0)
    p._h["location"][:n] = np.random.default_rng(1).integers(-1, n_loc, n)
    log = MoveLog(capacity=n)
    log.append(0, np.arange(n), np.full(n, -1), p._h["location"][:n], 0, n_loc)
    return types.SimpleNamespace(people=p, log=log, locs=types.SimpleNamespace(n=n_loc))


@pytest.mark.parametrize("parts", [1, 3, 8, 1000])
def test_a_renewed_snapshot_is_the_stable_order_by_location_in_any_number_of_parts(monkeypatch, parts):
    from model import residents

    monkeypatch.setattr(residents, "_PARTS", parts)
    s = _world_in_beds(n=5_000, n_loc=40)
    index = residents.ResidentIndex()
    index._renew(s)
    loc = s.people.location
    in_bed = np.flatnonzero(loc >= 0)
    assert np.array_equal(index._order, in_bed[np.argsort(loc[in_bed], kind="stable")])
    assert index._order.dtype == np.int32
    assert np.array_equal(index._bounds, np.searchsorted(np.sort(loc[in_bed]), np.arange(41)))


def test_renewing_the_snapshot_holds_no_two_full_length_indexes():
    """The renewal's passing bulk per entry (the eu-scale run's peak was set there): ~14 bytes
    with the order made in parts (its 4-byte result included), 24 when sorted whole."""
    import tracemalloc

    from model.residents import ResidentIndex

    tracemalloc.start()             # before the world is made: what it holds is traced too
    try:
        s = _world_in_beds()
        index = ResidentIndex()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        index._renew(s)
        rise = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert len(index._order) > 190_000 and rise < 18 * len(index._order)


def test_rows_into_a_few_locations_are_compared_one_by_one_and_into_many_looked_up():
    """`_moved_to` by hand: log rows moved to locations 3, -1 (out of a bed), 7, 3, 0, 7; asked for
    locations 3 and 7, rows 0, 2, 3 and 5 are theirs whether the locations are compared one by one
    or looked up in the mask; a location the int16 column cannot hold (40,000) was no row's
    destination."""
    from model import residents

    dest = np.array([3, -1, 7, 3, 0, 7], np.int16)
    locations = np.array([3, 7], np.int64)
    at = np.zeros(9, bool)
    at[locations] = True
    expected = [True, False, True, True, False, True]
    assert residents._moved_to(dest, locations, at).tolist() == expected
    assert len(locations) <= residents._COMPARED          # (compared one by one)
    many = np.arange(residents._COMPARED + 1)             # 0 … 12: looked up in the mask
    at_many = np.zeros(residents._COMPARED + 2, bool)
    at_many[many] = True
    assert residents._moved_to(dest, many, at_many).tolist() == [True, False, True, True, True, True]
    far = np.array([7, 40_000], np.int64)
    assert residents._moved_to(dest, far, np.zeros(1, bool)).tolist() == [False, False, True, False, False, True]


def test_the_residents_of_a_few_locations_are_those_in_a_bed_there_after_moves():
    """A small world by hand: 6 households in beds at 5 locations, logged; then household 1 moves from
    location 2 to 4, household 4 from 4 out of any bed and household 5 from 0 to 2. The residents of
    locations 2 and 4 are households 1, 2 and 5 (3 was never there); of 0, 2 and 4 the same (5 left
    0); of location 4 alone household 1."""
    import types

    from agents.applicants import Applicants
    from agents.moves import MoveLog
    from model.residents import ResidentIndex

    n = 6
    p = Applicants(capacity_households=n)
    p.add(size=np.ones(n, np.int64), children=np.zeros(n, np.int64), key=np.zeros(n, np.uint64),
          group=np.zeros(n, np.int8), track=np.zeros(n, np.int8), flags=np.zeros(n, np.uint8), stage=0, day=0)
    at = p._h["location"]
    at[:n] = [1, 2, 2, 3, 4, 0]
    log = MoveLog(capacity=64)
    log.append(0, np.arange(n), np.full(n, -1), at[:n].copy(), 0, 5)
    s = types.SimpleNamespace(people=p, log=log, locs=types.SimpleNamespace(n=5))
    index = ResidentIndex()
    assert index.residents_of(s, np.array([2, 4])).tolist() == [1, 2, 4]
    log.append(1, np.array([1, 4, 5]), np.array([2, 4, 0]), np.array([4, -1, 2]), 0, 5)
    at[[1, 4, 5]] = [4, -1, 2]
    assert index.residents_of(s, np.array([2, 4])).tolist() == [1, 2, 5]
    assert index.residents_of(s, np.array([0, 2, 4])).tolist() == [1, 2, 5]
    assert index.residents_of(s, np.array([4])).tolist() == [1]

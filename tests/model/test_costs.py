"""The day's reception cost, worked out by hand on a small world. COA's cost figures are per resident a
year (its cost of reception divided by its residents: 30,400 regular and 69,400 emergency in 2023,
reception_costs_nl.csv), and its costs follow the places it keeps open: each resident is charged
1/365 of their location's kind's figure a night, and each free normal place of an open location
`costs.vacant_place_share` of it (0: occupied beds only, the charge before 6 December 2026). Reserve
places kept empty have their own price a night; crisis emergency reception and relief places are
paid per person only; a closing location's places are the beds still in use."""

import numpy as np
import pytest

from agents.locations import Kind, Life
from model.rulebook import run_day
from model.scenario import validate_scenario
from model.simulate import prepare, simulate
from tests.model.test_rules import small

# the small world's locations (`test_rules.small`), in portfolio order
CENTRAL, PROCESS, REGULAR, EMERGENCY = 0, 1, 2, 3


def world(persons, share=0.0, **portfolio):
    """The small world (Ter Apel 20, process 10, azc 10, emergency 10 places) with a stock of `persons`
    in procedure, at round prices: 100 EUR a resident a night, 200 in emergency places; a free place
    of an open location charged `share` of that."""
    sc = small()
    sc.initial.entitled_persons, sc.initial.at_registration_persons, sc.initial.permit_holder_share = persons, 0, 0.0
    sc.costs.per_resident_per_year = {k: 36_500.0 for k in sc.costs.per_resident_per_year}
    sc.costs.per_resident_per_year["emergency"] = 73_000.0
    sc.costs.vacant_place_share = share
    for k, v in portfolio.items():
        setattr(sc.portfolio, k, v)
    return validate_scenario(sc)


def cost_today(s) -> float:
    """The cost the recorder writes for the state as it stands (day 0's row, written again)."""
    s.recorder.record(s, 0)
    return float(s.recorder.scalars["cost_eur"][0])


@pytest.mark.parametrize("persons,process,regular,emergency,cost", [
    (15, 5, 10, 0, 15 * 100),                      # 40 places open, 15 of them occupied: 1,500 (per place: 4,000)
    (28, 9, 10, 9, 19 * 100 + 9 * 200),            # 50 places, 28 occupied, 9 of them emergency: 3,700 (6,000)
])
def test_at_share_0_a_day_costs_its_residents_not_its_places(persons, process, regular, emergency, cost):
    d = simulate(world(persons), seed=3, days=3).daily
    occ = d["occupancy_by_kind"].isel(day=0).to_series()
    assert (occ["process"], occ["regular"], occ["emergency"], occ.sum()) == (process, regular, emergency, persons)
    assert d["capacity"].values[0] > persons                     # places stand empty: at share 0 they cost nothing
    assert np.allclose(d["cost_eur"].values, cost)


@pytest.mark.parametrize("persons,capacity,cost", [
    # nobody: the empty emergency location closes on day 0 (capacity balancing closes a temporary location
    # under half full, `placement.consolidate_below_share`); free Ter Apel 20, process 10, azc 10 at 100, half
    (0, 40, 0.5 * (20 * 100 + 10 * 100 + 10 * 100)),                                  # 2,000
    # process 5 of 10, azc full, emergency closed: 15 residents at 100, free 20 + 5 at 100, half
    (15, 40, 15 * 100 + 0.5 * (20 * 100 + 5 * 100)),                                  # 1,500 + 1,250 = 2,750
    # process 9, azc 10, emergency 9 (open): free Ter Apel 20, process 1 at 100, emergency 1 at 200
    (28, 50, 19 * 100 + 9 * 200 + 0.5 * (20 * 100 + 1 * 100 + 1 * 200)),             # 3,700 + 1,150 = 4,850
])
def test_a_free_place_of_an_open_location_costs_its_share_of_a_residents_cost(persons, capacity, cost):
    d = simulate(world(persons, share=0.5), seed=3, days=3).daily
    assert (d["capacity"].values == capacity).all()
    assert np.allclose(d["cost_eur"].values, cost)


def test_the_share_scales_the_free_places_only():
    """At the baseline's share (0.92) the 23 free places of the 28-person world cost 0.92 × 2,300."""
    d = simulate(world(28, share=0.92), seed=3, days=2).daily
    assert np.allclose(d["cost_eur"].values, 3_700 + 0.92 * 2_300)


def test_extra_places_of_raised_occupancy_are_not_charged_when_free_nor_a_full_location_below_zero():
    s = prepare(world(15, share=0.5), seed=3, days=3)
    run_day(s)
    L = s.locs
    assert list(L.occupancy) == [0, 5, 10, 0] and L.life[EMERGENCY] == Life.CLOSING
    L.extra[[PROCESS, REGULAR]] = 2           # raised occupancy: 2 beds more in each; free extra beds cost nothing
    assert cost_today(s) == pytest.approx(15 * 100 + 0.5 * (20 * 100 + 5 * 100))             # 2,750
    L.occupancy[REGULAR] = 12                 # the azc 2 over its normal places: 17 residents, its free places 0
    assert cost_today(s) == pytest.approx(17 * 100 + 0.5 * (20 * 100 + 5 * 100))             # 2,950


def test_a_closing_location_is_charged_for_its_residents_only():
    """A closing location takes nobody new: its places are its beds in use, so its free places are
    not charged (they are being given back)."""
    s = prepare(world(28, share=0.5), seed=3, days=3)
    run_day(s)
    L = s.locs
    assert list(L.occupancy) == [0, 9, 10, 9] and (L.life == Life.OPEN).all()
    assert cost_today(s) == pytest.approx(3_700 + 0.5 * (20 * 100 + 1 * 100 + 1 * 200))    # 4,850
    L.life[PROCESS] = Life.CLOSING            # 9 residents of 10 places: 9 × 100, its free place not charged
    assert cost_today(s) == pytest.approx(3_700 + 0.5 * (20 * 100 + 1 * 200))              # 4,800


def test_closing_an_empty_emergency_location_saves_its_free_places():
    """The scale-down saves money: open and empty, the emergency location's 10 places cost half of
    200 each a night; the day capacity balancing closes it (no one in it: closing, then closed) they
    cost nothing."""
    s = prepare(world(15, share=0.5), seed=3, days=3)
    L = s.locs
    assert list(L.occupancy) == [0, 10, 5, 0] and (L.life == Life.OPEN).all()       # as the stock is placed
    assert cost_today(s) == pytest.approx(15 * 100 + 0.5 * (20 * 100 + 5 * 100 + 10 * 200))   # 3,750
    run_day(s)
    assert L.life[EMERGENCY] == Life.CLOSING and L.occupancy[EMERGENCY] == 0
    assert cost_today(s) == pytest.approx(15 * 100 + 0.5 * (20 * 100 + 5 * 100))              # 2,750
    run_day(s)
    assert L.life[EMERGENCY] == Life.CLOSED
    assert cost_today(s) == pytest.approx(15 * 100 + 0.5 * (20 * 100 + 5 * 100))


def test_a_reserve_place_is_charged_once_at_the_reserve_price():
    """Reserve places kept empty cost `reserve_per_place_per_night` (76.90), not that and a free place's
    share too; activated (open), their free places are charged like any other."""
    sc = world(0, share=0.5, reserve_places=10)
    s = prepare(sc, seed=3, days=3)
    L = s.locs
    reserve = np.flatnonzero(L.life == Life.RESERVE)
    assert len(reserve) == 1 and L.capacity[reserve[0]] == 10 and L.kind[reserve[0]] == Kind.REGULAR
    assert cost_today(s) == pytest.approx(0.5 * (20 * 100 + 10 * 100 + 10 * 100 + 10 * 200) + 10 * 76.9)   # 3,769
    L.life[reserve] = Life.OPEN               # activated: 10 more free places at 100, no reserve price
    assert cost_today(s) == pytest.approx(0.5 * (20 * 100 + 10 * 100 + 10 * 100 + 10 * 200 + 10 * 100))   # 3,500


def test_crisis_places_are_paid_per_person_and_an_empty_one_costs_only_coas_own_share():
    """The safety regions charge COA a person a night (150): an empty crisis place costs none of
    that; COA's own figure for crisis places (0 in the baseline; here 36,500 a year) is charged like
    any kind's."""
    sc = world(0, share=0.5)
    sc.portfolio.places["crisis"] = 10
    sc.portfolio.mean_location_places["crisis"] = 10
    sc.costs.per_resident_per_year["crisis"] = 0.0
    s = prepare(validate_scenario(sc), seed=3, days=3)
    L = s.locs
    crisis = np.flatnonzero(L.kind == Kind.CRISIS)
    assert len(crisis) == 1 and L.capacity[crisis[0]] == 10
    others = 0.5 * (20 * 100 + 10 * 100 + 10 * 100 + 10 * 200)                        # 2,500, as before
    assert cost_today(s) == pytest.approx(others)             # 10 empty crisis places: nothing
    L.occupancy[crisis] = 4
    assert cost_today(s) == pytest.approx(others + 4 * 150)    # 4 persons at the regions' 150, 6 free: nothing
    sc.costs.per_resident_per_year["crisis"] = 36_500.0
    s = prepare(validate_scenario(sc), seed=3, days=3)
    s.locs.occupancy[crisis] = 4
    assert cost_today(s) == pytest.approx(others + 4 * (100 + 150) + 0.5 * 6 * 100)   # COA's own 100 a place

"""Each rule of the day on its own, on a small hand-made world (Groningen only, empty at start)."""

import numpy as np
import pytest

from agents.applicants import Flag, Stage, Track
from agents.keyed import SALT_PERMIT, keyed_uniform
from agents.locations import Kind, Life
from agents.moves import Reason
from model import rulebook
from model.placement import find_beds
from model.simulate import prepare

SMALL = {
    "provinces": ["Groningen"],
    "initial": {"entitled_persons": 0},
    "inflow": {"first_applications_per_year": 0, "family_reunification_per_year": 0},
    "portfolio": {"places": {"central": 20, "border": 0, "process": 10, "regular": 10, "minors": 0,
                             "accelerated": 0, "emergency": 10, "crisis": 0},
                  "include_named_locations": False, "reserve_places": 0,
                  "mean_location_places": {"process": 10, "regular": 10, "emergency": 10}},
    "plan": {"enabled": False},
}


def small(**chain):
    from model.scenario import _merge, from_dict
    import yaml
    from model.scenario import SCENARIO_DIR

    base = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    data = _merge(base, SMALL)
    data["chain"].update(chain)
    return from_dict(data, "small")


def _add(s, sizes, stage=Stage.WAITING, day=0, track=Track.REGULAR, group=0, flags=0):
    k = len(sizes)
    return s.people.add(size=np.array(sizes), children=np.zeros(k), key=np.arange(100, 100 + k, dtype=np.uint64),
                        group=np.full(k, group), track=np.full(k, track), flags=np.full(k, flags, np.uint8),
                        stage=stage, day=day)


def test_small_world_is_what_it_says():
    s = prepare(small(), days=5)
    L = s.locs
    assert s.people.n == 0 and s.munis.n == 10
    assert {Kind(k).name: int(c) for k, c in zip(*np.unique(L.kind, return_counts=True))} == \
        {"CENTRAL": 1, "PROCESS": 1, "REGULAR": 1, "EMERGENCY": 1}
    assert list(L.capacity) == [20, 10, 10, 10]


def test_registration_serves_whole_households_and_carries_what_a_household_could_not_use():
    s = prepare(small(registration_capacity_per_day=3), days=5)
    ids = _add(s, [2, 2, 1])
    s.registration.push(ids)
    rulebook.register(s, 0)
    assert list(s.people.stage) == [Stage.SCREENING, Stage.WAITING, Stage.WAITING]
    assert s.carry["registration"] == 1          # 3 - 2 used; the next household (2) did not fit
    rulebook.register(s, 1)                      # 3 + 1 = 4 >= 2 + 1
    assert list(s.people.stage) == [Stage.SCREENING] * 3
    assert s.carry["registration"] == 0          # nobody left waiting: nothing carried


def test_late_registration_is_counted():
    s = prepare(small(registration_capacity_per_day=10, registration_deadline_days=2), days=5)
    ids = _add(s, [3], day=0)
    s.registration.push(ids)
    rulebook.register(s, 3)                      # waited 3 days > 2
    assert s.today.registration_late == 3


def test_arrivals_beyond_ter_apel_wait_without_a_bed():
    s = prepare(small(), days=30)
    ids = _add(s, [4, 4, 4, 4, 4, 4])
    rulebook.settle_in_central(s, ids, 0)        # 20 places at Ter Apel -> five households of four
    assert s.locs.occupancy[0] == 20
    assert list(s.central_wait.peek()) == [ids[5]] and s.people.location[ids[5]] == -1


@pytest.mark.parametrize("few_locations", [1024, 0])    # on Python numbers, and with arrays
def test_arrivals_fill_ter_apel_then_the_nearest_relief_site_keeping_households_together(monkeypatch, few_locations):
    # Ter Apel (20 places) and two relief registration locations: A (6 places, in the municipality
    # farthest from Ter Apel's) and B (3, in the nearest). Order: Ter Apel, B, A (free places end
    # to end: 20, 23, 29). Households 4 x 5 fill Ter Apel; the sixth (4, places 20..23) would
    # straddle B and A; the 3 (24..26) fits in A; the 5 (27..31) runs past its end. Then B has 3
    # free and A 3: neither the 4 nor the 5 fits in one, and both wait without a bed.
    import model.placement as placement

    monkeypatch.setattr(placement, "FEW_LOCATIONS", few_locations)
    s = prepare(small(), days=30)
    home = int(s.locs.municipality[0])
    km = s.world.network.distance_km[home].copy()
    km[home] = np.nan
    far, near = int(np.nanargmax(km)), int(np.nanargmin(km))
    a, b = s.locs.append(["A", "B"], kind=np.full(2, Kind.CENTRAL), municipality=np.array([far, near]),
                         capacity=np.array([6, 3]), life=np.full(2, Life.OPEN)).tolist()
    ids = _add(s, [4, 4, 4, 4, 4, 4, 3, 5])
    rulebook.settle_in_central(s, ids, 0)
    assert s.people.location[ids].tolist() == [0] * 5 + [-1, a, -1]
    assert s.locs.occupancy[[0, a, b]].tolist() == [20, 3, 0]
    assert list(s.central_wait.peek()) == [ids[5], ids[7]]
    assert s.log.n == 6


@pytest.mark.parametrize("few_locations", [1024, 0])    # on Python numbers, and with arrays
def test_border_entries_try_the_border_location_then_ter_apel_before_the_others(monkeypatch, few_locations):
    # Schiphol (border location, 5 places) and Ter Apel (20). Arrivals 4b, 4, 3b, 4, 2b, 4, 4, 4 (b: at
    # the border). The border entries first, in order: Schiphol takes the 4 (the 3 would straddle its
    # end, the 2 begins past it; the second pass finds 1 place: nobody fits); at Ter Apel the 3 and
    # the 2 (5 of 20). Then the others at Ter Apel: 4, 4, 4 (17 of 20); the fourth 4 would straddle
    # its end and the fifth begins past it: both wait without a bed.
    import model.placement as placement

    monkeypatch.setattr(placement, "FEW_LOCATIONS", few_locations)
    s = prepare(small(), days=30)
    schiphol = int(s.locs.append(["Schiphol"], kind=np.array([Kind.BORDER]), municipality=s.locs.municipality[:1],
                                 capacity=np.array([5]), life=np.array([Life.OPEN]))[0])
    ids = _add(s, [4, 4, 3, 4, 2, 4, 4, 4])
    s.people.add_flags(ids[[0, 2, 4]], Flag.AT_BORDER)
    rulebook.settle_in_central(s, ids, 0)
    assert s.people.location[ids].tolist() == [schiphol, 0, 0, 0, 0, 0, -1, -1]
    assert s.locs.occupancy[[0, schiphol]].tolist() == [17, 4]
    assert list(s.central_wait.peek()) == [ids[6], ids[7]]
    assert s.log.n == 6 and set(s.log.reason[: s.log.n].tolist()) == {Reason.INTAKE}


def test_screening_end_moves_on_in_preference_order():
    s = prepare(small(), days=30)
    ids = _add(s, [4] * 5, stage=Stage.SCREENING)
    rulebook.settle_in_central(s, ids, 0)
    s.screening_done.schedule(ids, 7)
    rulebook.end_screening(s, 7)
    # regular procedure prefers process (10), then azc (10), then emergency (10): 2 + 2 + 1
    assert s.locs.occupancy[0] == 0 and list(s.locs.occupancy[1:]) == [8, 8, 4]
    assert (s.people.stage[ids] == Stage.PROCEDURE).all() and (s.people.moves[ids] == 1).all()
    assert set(s.log.reason[s.log.origin == 0]) == {1}       # procedure_step


def test_screening_end_stays_at_ter_apel_while_nothing_is_free():
    s = prepare(small(), days=30)
    s.locs.capacity[1:] = [4, 4, 0]
    ids = _add(s, [4] * 5, stage=Stage.SCREENING)
    rulebook.settle_in_central(s, ids, 0)
    s.screening_done.schedule(ids, 7)
    rulebook.end_screening(s, 7)
    assert s.locs.occupancy[0] == 12                          # three households still block beds
    assert list(s.needs_bed.peek()) == list(ids[2:])
    s.locs.capacity[3] = 4                                    # an emergency place frees up
    rulebook.place_waiting(s, 8)
    assert s.locs.occupancy[0] == 8 and list(s.needs_bed.peek()) == list(ids[3:])


NO_APPEAL = {"regular": 0.0, "accelerated": 0.0, "border": 0.0, "dublin": 0.0}


def test_decisions_follow_capacity_and_the_keyed_recognition_draw():
    # no capacity from the other tracks, no ramp, nobody appeals: 2 decisions, then 28 days to leave
    sc = small(idle_capacity_shift=0.0, decision_capacity_ramp=[], appeal_share=NO_APPEAL)
    sc.chain.decisions_per_day["regular"] = 2
    s = prepare(sc, days=40)
    ids = _add(s, [1, 1, 1], stage=Stage.PROCEDURE, group=1)
    s.ind[Track.REGULAR].push(ids)
    s.procedure_persons[Track.REGULAR] = 3
    rulebook.decide(s, 0)
    decided = ids[:2]
    rec = sc.groups[1].recognition
    expect_permit = keyed_uniform(s.people.key[decided], SALT_PERMIT) < rec
    assert list(s.people.stage[decided] == Stage.PERMIT) == list(expect_permit)
    assert s.people.stage[ids[2]] == Stage.PROCEDURE
    rejected = decided[~expect_permit]
    # rejected households leave exactly 28 days later, not a day before
    rulebook.depart_and_transfer(s, 27)
    assert (s.people.stage[rejected] == Stage.REJECTED).all()
    rulebook.depart_and_transfer(s, 28)
    assert (s.people.stage[rejected] == Stage.DEPARTED).all()
    assert s.today.exits_departed == len(rejected)


def test_housing_happens_on_mondays_for_linked_households():
    s = prepare(small(), days=20)
    ids = _add(s, [2, 3], stage=Stage.PERMIT)
    s.unlinked.push(ids)
    date0 = s.world.dates[0]
    assert date0.weekday() == 1                  # 1 July 2025 is a Tuesday
    s.params.housing.supply_persons_per_year = 1e6   # homes for everyone who is linked
    s.params.housing.search_days = [0, 0]            # moving in as soon as a home is free
    rulebook.link_and_house(s, 0)
    assert (s.people.municipality[ids] >= 0).all()   # linked on day 0
    for day in range(1, 6):                          # Wednesday .. Sunday: nobody housed
        rulebook.link_and_house(s, day)
    assert (s.people.stage[ids] == Stage.PERMIT).all()
    rulebook.link_and_house(s, 6)                    # Monday 7 July
    assert (s.people.stage[ids] == Stage.HOUSED).all()
    assert s.munis.housed.sum() == 5


def test_linked_households_move_in_after_their_search():
    # search_days [21, 21]: linked on Tuesday 1 July 2025 (day 0), a household may move in from day 21
    # (Tuesday 22 July); housing rounds are on Mondays (days 6, 13, 20, 27): housed on day 27, not before.
    s = prepare(small(), days=30)
    ids = _add(s, [2, 3], stage=Stage.PERMIT)
    s.unlinked.push(ids)
    s.params.housing.supply_persons_per_year = 1e6
    s.params.housing.search_days = [21, 21]
    rulebook.link_and_house(s, 0)
    assert list(s.linked_ready) == [21, 21]
    for day in range(1, 27):
        rulebook.link_and_house(s, day)
    assert (s.people.stage[ids] == Stage.PERMIT).all() and s.munis.housed.sum() == 0
    rulebook.link_and_house(s, 27)                   # Monday 28 July
    assert (s.people.stage[ids] == Stage.HOUSED).all()
    assert len(s.linked_h) == len(s.linked_ready) == 0


def test_search_times_are_keyed_and_the_initial_stock_has_searched_already():
    s = prepare(small(), days=5)
    s.params.housing.search_days = [14, 154]
    new = _add(s, [1] * 400, stage=Stage.PERMIT)                     # arrived during the run
    stock = _add(s, [1] * 400, stage=Stage.PERMIT)
    s.people.backdate(stock, np.full(400, -100))                    # the initial stock: arrived before day 0
    ends_new = rulebook.search_ends(s, new, 0)
    assert ends_new.min() >= 14 and ends_new.max() <= 154            # whole days in [14, 154]
    assert abs(ends_new.mean() - 84) < 8                              # uniform: mean 84 (sd 40.5 / 20 = 2)
    assert (rulebook.search_ends(s, new, 0) == ends_new).all()       # keyed: the same every time
    assert (rulebook.search_ends(s, new, 9) == ends_new + 9).all()   # linked later: the same search, later
    ends_stock = rulebook.search_ends(s, stock, 0)
    assert ends_stock.min() >= 0 and ends_stock.max() <= 154
    assert ends_stock.mean() < ends_new.mean() - 25                   # halfway through on average: ~42 days left


@pytest.mark.parametrize("renew,expected_life", [(1.0, Life.OPEN), (0.0, Life.CLOSED)])
def test_contracts_end_renewed_or_closed_with_residents_moved(renew, expected_life):
    sc = small()
    sc.portfolio.renewal_probability["emergency"] = renew
    s = prepare(sc, days=30)
    L = s.locs
    em = int(np.flatnonzero(L.kind == Kind.EMERGENCY)[0])
    ids = _add(s, [3], stage=Stage.PROCEDURE)
    from agents.moves import move
    move(s.people, L, s.log, ids, em, 0, 0)
    L.contract_end[em] = 5
    rulebook.lifecycle(s, 5)
    assert L.life[em] == expected_life
    if renew:
        assert L.contract_end[em] == 5 + L.term_days[em] and s.people.location[ids[0]] == em
    else:
        assert s.people.location[ids[0]] != em and s.people.moves[ids[0]] == 1
        assert s.log.reason[-1] == Reason.CONTRACT_END
        assert L.n == 4                               # 3 persons, 20 normal places left: no new site


@pytest.mark.parametrize("renew_every", [1 << 15, 2])   # the usual snapshot, and one renewed at every look
def test_residents_are_those_in_a_bed_there_now(monkeypatch, renew_every):
    monkeypatch.setattr("model.residents._MIN_ROWS", renew_every)
    s = prepare(small(), days=5)
    L = s.locs
    em, reg = (int(np.flatnonzero(L.kind == k)[0]) for k in (Kind.EMERGENCY, Kind.REGULAR))
    from agents.moves import move
    ids = _add(s, [1, 2, 1, 3], stage=Stage.PROCEDURE)
    move(s.people, L, s.log, ids, np.array([em, reg, em, -1]), 0, 0)
    assert list(s.residents_of(np.array([em]))) == [ids[0], ids[2]]
    rulebook.leave(s, ids[:1], Stage.HOUSED, 1)          # housed: bed released
    later = _add(s, [2], stage=Stage.PROCEDURE, day=1)
    move(s.people, L, s.log, later, em, 1, 0)
    move(s.people, L, s.log, ids[1:2], em, 1, 0)         # moved from the azc to the emergency location
    assert list(s.residents_of(np.array([em]))) == [ids[1], ids[2], later[0]]
    assert list(s.residents_of(np.array([em, reg]))) == [ids[1], ids[2], later[0]]
    assert list(s.residents_of(np.array([reg]))) == []
    move(s.people, L, s.log, ids[1:3], np.array([reg, -1]), 2, 0)   # one back to the azc, one loses its bed
    assert list(s.residents_of(np.array([reg]))) == [ids[1]]
    assert list(s.residents_of(np.array([em, reg]))) == [ids[1], later[0]]


def test_each_group_placed_in_one_call_finds_the_emptiest_location_as_it_is_after_the_groups_before():
    # process places 20 in two locations: 9 (index 1) and 11 (index 2); no regular places. In one
    # call, the household in procedure (6, placed first: its class comes first) takes the emptiest,
    # index 2 (11 -> 5 free). The permit holder (1; regular is its first kind, none, then process)
    # then finds index 1 the emptiest (9 against 5) and goes there: the load is spread. (An order
    # made before the first group placed would still say index 2 first and pack it in there.)
    sc = small()
    sc.portfolio.places.update({"process": 20, "regular": 0})
    s = prepare(sc, days=5)
    assert [int(k) for k in s.locs.kind] == [Kind.CENTRAL, Kind.PROCESS, Kind.PROCESS, Kind.EMERGENCY]
    assert list(s.locs.capacity) == [20, 9, 11, 10]
    proc = _add(s, [6], stage=Stage.PROCEDURE)
    holder = _add(s, [1], stage=Stage.PERMIT)
    left = find_beds(s, np.concatenate([holder, proc]), 0, Reason.PROCEDURE_STEP)
    assert len(left) == 0
    assert s.people.cols["location"][proc[0]] == 2 and s.people.cols["location"][holder[0]] == 1
    assert list(s.locs.occupancy) == [0, 1, 6, 0]


def test_find_beds_places_a_few_households_as_it_places_a_long_line(monkeypatch):
    # A few households are grouped and placed on Python numbers (`place_few`), a long line with
    # arrays: the same beds, moves, households left and line for moving up. Locations: central 20
    # (0), process 10 (1), regular 7 (2) and 3 (3), emergency 10 (4). Procedure households first
    # (their class comes first), 4, 3, 5, 2: 4 and 3 fill process to 3 free, 5 and 2 straddle past
    # its end and go to regular, the emptiest (2: 7 -> 0 free). Permit holders 3, 2, 4: the 3 takes
    # regular 3 (0 free), the 2 the process places left (3 -> 1), the 4 goes to emergency and joins
    # the line for moving up.
    import agents.locations as locations
    import model.placement as placement

    sc = small()
    sc.portfolio.places.update({"process": 10, "regular": 10})
    sc.portfolio.mean_location_places.update({"regular": 5})
    # (and a few in a small world on Python numbers throughout, `_find_beds_few`: the same again)
    seen = []
    for short, few_locations in ((placement.SHORT_LINE, placement.FEW_LOCATIONS), (placement.SHORT_LINE, 0),
                                 (0, 0)):
        s = prepare(sc, days=5)
        proc = _add(s, [4, 3, 5, 2], stage=Stage.PROCEDURE)
        holders = _add(s, [3, 2, 4], stage=Stage.PERMIT)
        ids = np.concatenate([holders[:1], proc, holders[1:]])
        with monkeypatch.context() as m:
            m.setattr(placement, "SHORT_LINE", short)
            m.setattr(locations, "SHORT_LINE", short)
            m.setattr(placement, "FEW_LOCATIONS", few_locations)
            left = find_beds(s, ids, 0, Reason.PROCEDURE_STEP)
        seen.append((left.tolist(), s.people.cols["location"][ids].tolist(), s.locs.occupancy.tolist(),
                     s.moves_up.peek().tolist(), s.log.n))
    assert seen[0] == seen[1] == seen[2]
    assert seen[0] == ([], [3, 1, 1, 2, 2, 1, 4], [0, 9, 7, 3, 4], [int(holders[2])], 7)


def test_a_household_that_straddles_two_locations_in_every_pass_gets_one_that_has_room_for_it(monkeypatch):
    # Two process locations of 3 places (1 and 2), nothing else but the registration centre. In
    # procedure, households of 2 and 3, laid end to end along the free places 3, 3: the 2 lands in
    # location 1 (places 0-1); the 3 straddles 1 and 2 (places 2-4). Second pass, free 1, 3: it
    # straddles again (places 0-2), and the passes end. Location 2 has room for all three: it goes
    # there, on every path (Python numbers, arrays, a long line), rather than being left without a
    # bed. (Found on mass-arrival: residents of crisis locations whose contracts ended were put out
    # while 1,082 emergency places stood free.)
    import agents.locations as locations
    import model.placement as placement

    sc = small()
    sc.portfolio.places.update({"process": 6, "regular": 0, "emergency": 0})
    sc.portfolio.mean_location_places.update({"process": 3})
    seen = []
    for short, few_locations in ((placement.SHORT_LINE, placement.FEW_LOCATIONS), (placement.SHORT_LINE, 0),
                                 (0, 0)):
        s = prepare(sc, days=5)
        assert list(s.locs.capacity) == [20, 3, 3] and list(s.locs.kind[1:]) == [Kind.PROCESS, Kind.PROCESS]
        ids = _add(s, [2, 3], stage=Stage.PROCEDURE)
        with monkeypatch.context() as m:
            m.setattr(placement, "SHORT_LINE", short)
            m.setattr(locations, "SHORT_LINE", short)
            m.setattr(placement, "FEW_LOCATIONS", few_locations)
            left = find_beds(s, ids, 0, Reason.PROCEDURE_STEP)
        seen.append((left.tolist(), s.people.cols["location"][ids].tolist(), s.locs.occupancy.tolist(), s.log.n))
    assert seen[0] == seen[1] == seen[2] == ([], [1, 2], [0, 2, 3], 2)


def test_a_long_line_left_after_the_passes_gives_room_to_those_it_fits_and_passes_over_the_rest(monkeypatch):
    # The world of the test above (process locations 1 and 2 of 3 places). In procedure: 2, 3, then
    # 70 households of 4 (fit in no location), then 1. First pass along free 3, 3: the 2 in location 1
    # (places 0-1), the 3 straddles (2-4), the rest lie past the end. Second pass, free 1, 3: the 3
    # straddles again (0-2). Left: 72 households, a long line (more than `SHORT_LINE`): the 3 gets the
    # location with the most free places (2: 3 free), the 4s fit nowhere and wait, the 1 gets
    # location 1's last place. The same on every path (arrays, long lines, Python numbers).
    import agents.locations as locations
    import model.placement as placement

    sc = small()
    sc.portfolio.places.update({"process": 6, "regular": 0, "emergency": 0})
    sc.portfolio.mean_location_places.update({"process": 3})
    seen = []
    for short, few_households in ((placement.SHORT_LINE, 0), (0, 0), (placement.SHORT_LINE, 10**6)):
        s = prepare(sc, days=5)
        ids = _add(s, [2, 3] + [4] * 70 + [1], stage=Stage.PROCEDURE)
        with monkeypatch.context() as m:
            m.setattr(placement, "SHORT_LINE", short)
            m.setattr(locations, "SHORT_LINE", short)
            m.setattr(placement, "FEW_HOUSEHOLDS", few_households)
            left = find_beds(s, ids, 0, Reason.PROCEDURE_STEP)
        seen.append((left.tolist(), s.people.cols["location"][ids].tolist(), s.locs.occupancy.tolist()))
    assert seen[0] == seen[1] == seen[2]
    assert seen[0] == (ids[2:72].tolist(), [1, 2] + [-1] * 70 + [1], [0, 3, 3])


def test_households_left_go_where_there_is_room_in_their_order_and_the_rest_wait():
    # Process locations of 3 and 3; households of 3, 2, 3, 3 (in procedure). The passes place the
    # first 3 in location 1 and then the 2 in location 2 (free 0, 1 after); the later 3s straddle
    # or fall past the end. Location 2 keeps 1 free place: no 3 fits, so both wait (in order).
    sc = small()
    sc.portfolio.places.update({"process": 6, "regular": 0, "emergency": 0})
    sc.portfolio.mean_location_places.update({"process": 3})
    s = prepare(sc, days=5)
    ids = _add(s, [3, 2, 3, 3], stage=Stage.PROCEDURE)
    left = find_beds(s, ids, 0, Reason.PROCEDURE_STEP)
    assert left.tolist() == ids[2:].tolist()
    assert s.people.cols["location"][ids].tolist() == [1, 2, -1, -1]
    assert s.locs.occupancy.tolist() == [0, 3, 2]


def test_a_group_whose_smallest_household_fits_nowhere_is_left_waiting_and_the_others_are_placed():
    # locations: central 20, process 10, regular 10, emergency 10 (one each). A household of 12
    # persons in procedure fits in no location (at most 10 free at one), so its group is passed
    # over; the permit holder (4) gets the regular location (its first choice) and nobody else moves.
    s = prepare(small(), days=5)
    big = _add(s, [12], stage=Stage.PROCEDURE)
    holder = _add(s, [4], stage=Stage.PERMIT)
    left = find_beds(s, np.concatenate([big, holder]), 0, Reason.PROCEDURE_STEP)
    assert list(left) == list(big)
    assert list(s.locs.occupancy) == [0, 0, 4, 0]
    assert s.people.cols["location"][holder[0]] == 2 and s.people.cols["location"][big[0]] == -1
    assert s.log.n == 1


@pytest.mark.parametrize("arrays", [False, True])
def test_a_group_passes_over_the_kinds_the_groups_before_it_filled(monkeypatch, arrays):
    # locations: central 20 (0), process 10 (1), regular 10 (2), emergency 10 (3). Two households of
    # 10 in procedure (their class comes first): the first fills process, the second straddles past
    # its end and fills regular. The permit holder (4; regular, process, emergency, crisis) is then
    # given emergency alone to try: the free places of regular and process, taken by the group
    # before, are read again (none), where the most free places read before the placement (10 each)
    # would have had it laid out there in vain. Crisis (no location) is never tried. Households on
    # Python numbers (`_place_groups_few`) and with arrays (`_place_groups`): the same.
    import model.placement as placement

    monkeypatch.setattr(placement, "FEW_LOCATIONS", 0)
    if arrays:
        monkeypatch.setattr(placement, "SHORT_LINE", 0)
    tried = []
    name = "place" if arrays else "place_few"
    real = getattr(placement, name)

    def spy(sizes, kinds, *a, **kw):
        tried.append([int(k) for k in kinds])
        return real(sizes, kinds, *a, **kw)

    monkeypatch.setattr(placement, name, spy)
    s = prepare(small(), days=5)
    assert list(s.locs.capacity) == [20, 10, 10, 10]
    proc = _add(s, [10, 10], stage=Stage.PROCEDURE)
    holder = _add(s, [4], stage=Stage.PERMIT)
    left = find_beds(s, np.concatenate([proc, holder]), 0, Reason.PROCEDURE_STEP)
    assert len(left) == 0
    assert tried == [[Kind.PROCESS, Kind.REGULAR, Kind.EMERGENCY], [Kind.EMERGENCY]]
    assert list(s.people.cols["location"][np.concatenate([proc, holder])]) == [1, 2, 3]
    assert list(s.locs.occupancy) == [0, 10, 10, 4]
    assert list(s.moves_up.peek()) == list(holder)


def test_the_distances_kept_for_a_place_of_origin_grow_with_the_locations_added():
    # Groningen's 10 municipalities; locations central (0, municipality 5), process (1, 9), regular
    # (2, 9), emergency (3, 1). From municipality 0 the distance to the regular location is km[0, 9];
    # a regular location added in municipality 3 (index 4) is looked up and appended when the kind
    # is next asked for, a distance per location of the kind, in `of_kind` order, as if made afresh.
    from model.placement import _order_for

    s = prepare(small(), days=5)
    km = s.world.network.distance_km
    vacancy = s.locs.vacancy()
    before = _order_for(s, vacancy, 0)._km_to(Kind.REGULAR)
    assert before.tolist() == [km[0, 9]]
    s.locs.append(["added"], kind=[Kind.REGULAR], municipality=[3], capacity=[10])
    after = _order_for(s, s.locs.vacancy(), 0)._km_to(Kind.REGULAR)
    assert list(s.locs.of_kind(Kind.REGULAR)) == [2, 4]
    assert after.tolist() == [km[0, 9], km[0, 3]]
    assert after.dtype == before.dtype


def test_an_order_on_python_numbers_is_made_as_far_as_a_group_needs_it_and_is_the_numpy_order(monkeypatch):
    # six locations of one kind (indexes 10..15), free places 120, 0, 75, 160, 30, 60; bands of 50:
    # 160 in band 3, 120 in band 2, 75 and 60 in band 1, 30 under one band, 0 full. Distances 5, 1,
    # 3, 9, 2, 0 km. Nearest among equals: 13 (band 3), 10 (band 2), band 1 nearest first (15 at 0 km,
    # 12 at 3), then 14 (30 free); 11 is full. The first stretch is band 3 (160 free places):
    # enough for a group of 100 or 160 persons, not for 161 (then all of it).
    from agents.locations import Locations
    from model.placement import EmptiestFirst, NearestAmongEqual, _Order

    free = (120, 0, 75, 160, 30, 60)
    km = [5.0, 1.0, 3.0, 9.0, 2.0, 0.0]
    at = list(range(10, 16))
    order = _Order(at, free, km, 50)
    assert order.top == 160
    assert order.upto(100) == [13] and order.total == 160
    assert order.upto(160) == [13]
    assert order.upto(161) == [13, 10, 15, 12, 14] and order.total == 445
    assert _Order(at, free, km, 50).upto(10**6) == [13, 10, 15, 12, 14]
    # with 130 instead of 160 free, band 2 holds two: the first stretch, nearest first (10 at 5 km, 13 at 9)
    assert _Order(at, (120, 0, 75, 130, 30, 60), km, 50).upto(250) == [10, 13]
    # emptiest first (off the network or without a bed): 160, then 120, 75, 60, 30
    assert _Order(at, free, None, 50).upto(100) == [13]
    assert _Order(at, free, None, 50).upto(161) == [13, 10, 12, 15, 14]
    # only nearly full locations (under one band): by free places, most first, ties in location order
    assert _Order(at, (7, 0, 9, 7, 0, 9), km, 50).upto(18) == [12, 15]
    assert _Order(at, (7, 0, 9, 7, 0, 9), km, 50).upto(19) == [12, 15, 10, 13]
    assert _Order(at, (0,) * 6, km, 50).upto(1) == []
    # the NumPy orders of the same locations (the kind's locations only, at indexes 10..15)
    L = Locations.from_columns([str(j) for j in range(16)], kind=np.array([Kind.REGULAR] * 10 + [Kind.EMERGENCY] * 6),
                               municipality=np.arange(16), capacity=np.full(16, 200), life=np.full(16, Life.OPEN))
    vacancy = np.array([0] * 10 + list(free))
    assert list(NearestAmongEqual(L, vacancy, np.array([0.0] * 10 + km), 50)[Kind.EMERGENCY]) == [13, 10, 15, 12, 14]
    assert list(EmptiestFirst(L, vacancy)[Kind.EMERGENCY]) == [13, 10, 12, 15, 14]
    # the first stretch for a group that fits in it (`head`, as `_Order.upto`), else the whole order
    # (here with kinds of any size: by default those of fewer than `HEAD_FROM` locations are ordered whole)
    import model.placement as placement
    monkeypatch.setattr(placement, "HEAD_FROM", 0)
    assert list(NearestAmongEqual(L, vacancy, np.array([0.0] * 10 + km), 50).head(Kind.EMERGENCY, 160)) == [13]
    assert list(NearestAmongEqual(L, vacancy, np.array([0.0] * 10 + km), 50).head(Kind.EMERGENCY, 161)) == [
        13, 10, 15, 12, 14]
    assert list(EmptiestFirst(L, vacancy).head(Kind.EMERGENCY, 100)) == [13]
    assert list(EmptiestFirst(L, vacancy).head(Kind.EMERGENCY, 161)) == [13, 10, 12, 15, 14]
    assert list(EmptiestFirst(L, vacancy).head(Kind.REGULAR, 1)) == []     # none free


def test_find_beds_on_python_numbers_places_as_the_numpy_path_on_the_network(monkeypatch):
    # many households of several classes from several municipalities, placed a few at a time in
    # a small world on the network, on Python numbers and with `_place_groups_few`'s NumPy
    # orders (`_place_groups` for the long line): the same beds, line for moving up and households
    # left, call after call
    import model.placement as placement

    sc = small()
    sc.portfolio.places.update({"process": 60, "regular": 240, "emergency": 240})
    sc.portfolio.mean_location_places.update({"process": 15, "regular": 30, "emergency": 20})
    sc.municipalities.room_band_places = 10
    seen = []
    for few_locations in (placement.FEW_LOCATIONS, 0):
        s = prepare(sc, days=5)
        assert s.params.municipalities.network and s.locs.n > 10
        rng = np.random.default_rng(5)
        calls = []
        for day in range(12):
            k = int(rng.integers(3, 20)) if day != 5 else 90     # (day 5: a long line, 135 households)
            ids = np.concatenate([_add(s, rng.integers(1, 7, k).tolist(), stage=Stage.PROCEDURE, day=day),
                                  _add(s, rng.integers(1, 7, k // 2).tolist(), stage=Stage.PERMIT, day=day)])
            ids = ids[rng.permutation(len(ids))]
            with monkeypatch.context() as m:
                m.setattr(placement, "FEW_LOCATIONS", few_locations)
                m.setattr(placement, "HEAD_FROM", 0)        # the NumPy orders as far as needed, as on a big world
                left = find_beds(s, ids, day, Reason.PROCEDURE_STEP)
                # some of those placed move on from their bed, in their municipality's order
                placed = ids[s.people.cols["location"][ids] >= 0]
                again = find_beds(s, placed[: len(placed) // 2], day, Reason.CAPACITY_BALANCING, temporary=False)
            calls.append((left.tolist(), again.tolist()))
        seen.append((calls, s.people.cols["location"][: s.people.n].tolist(), s.locs.occupancy.tolist(),
                     s.moves_up.peek().tolist()))
    assert seen[0] == seen[1]
    assert len(set(seen[0][1])) > 5                  # spread over many locations


@pytest.mark.parametrize("name, days", [("baseline", 200), ("mass-arrival", 150)])
def test_a_day_on_python_numbers_places_as_with_arrays_on_real_scenarios(name, days, monkeypatch):
    """Every placement a day makes for a few households in a small world on Python numbers
    (arrivals with border entries, the end of screening, own requests, …) gives the same beds as
    with arrays (the same run with `FEW_LOCATIONS` 0): the same log, beds and occupancy, day after
    day (`mass-arrival`: entry points too, which take the arrays)."""
    import model.placement as placement
    import model.relocation as relocation
    from model.scenario import load_scenario

    few = prepare(load_scenario(name), 4, days)
    arrays = prepare(load_scenario(name), 4, days)
    border_days = 0
    for _ in range(days):
        rulebook.run_day(few)
        with monkeypatch.context() as m:
            m.setattr(placement, "FEW_LOCATIONS", 0)
            m.setattr(relocation, "FEW_LOCATIONS", 0)
            rulebook.run_day(arrays)
        assert few.log.n == arrays.log.n
        assert np.array_equal(few.log.destination[: few.log.n], arrays.log.destination[: arrays.log.n])
        assert np.array_equal(few.locs.occupancy, arrays.locs.occupancy)
        new = few.people.cols["arrival_day"][: few.people.n] == few.day - 1
        border_days += bool((few.people.cols["flags"][: few.people.n][new] & Flag.AT_BORDER).any())
    n = few.people.n
    assert n == arrays.people.n and np.array_equal(few.people.cols["location"][:n], arrays.people.cols["location"][:n])
    assert border_days > days // 4                   # border entries came on many days

"""Relocation churn on small hand-made worlds: contract ends, own requests, consolidation, and the
churn figures with their exact denominators. Expected values are worked out by hand in comments."""

import numpy as np
import pytest
import xarray as xr

from agents.applicants import Applicants, Flag, Stage, Track
from agents.locations import Kind, Life, Locations
from agents.moves import MoveLog, Reason, move
from model import relocation, rulebook
from model.results import Results
from model.scenario import load_scenario
from model.simulate import prepare, results_of
from tests.model.test_rules import SMALL

QUIET = {   # nothing moves but what a test sets up: no arrivals, decisions, housing, moves up or plan
    "moves_up_per_day": 0, "decisions_per_day": {"regular": 0, "accelerated": 0, "border": 0, "dublin": 0},
}


def world(renew=0.0, replace_at=0.95, own_rate=0.0, consolidate=0.0, days=60, regular_places=0,
          family_location=True, chain=None):
    """Groningen only (SMALL), empty, with two emergency locations of 10 places (E1, E2), one
    regular location R1 (no places unless asked) and no process places; nobody arrives or is
    decided on. `chain`: more chain values to set."""
    import yaml

    from model.scenario import SCENARIO_DIR, _merge, from_dict

    data = _merge(yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text()), SMALL)
    data["chain"].update(QUIET)
    data["housing"]["supply_persons_per_year"] = 0
    data["portfolio"]["places"].update({"emergency": 20, "process": 0})
    data["portfolio"]["renewal_probability"]["emergency"] = renew
    data["portfolio"]["replace_at_occupancy"] = replace_at
    data["placement"].update(own_request_moves_per_year=own_rate, consolidate_below_share=consolidate,
                             family_location_after_rejection=family_location)
    data["chain"].update(chain or {})
    s = prepare(from_dict(data, "small"), days=days)
    L = s.locs
    emergency = np.flatnonzero(L.kind == Kind.EMERGENCY)
    assert len(emergency) == 2
    L.capacity[emergency] = 10
    regular = np.flatnonzero(L.kind == Kind.REGULAR)
    L.capacity[regular] = regular_places
    L.contract_end[:] = 10_000                      # nothing ends unless a test says so
    return s, int(emergency[0]), int(emergency[1]), int(np.flatnonzero(L.kind == Kind.REGULAR)[0])


def _household(s, size, children, loc, key, flags=0):
    ids = s.people.add(size=np.array([size]), children=np.array([children]), key=np.array([key], np.uint64),
                       group=np.zeros(1), track=np.full(1, Track.REGULAR), flags=np.full(1, flags, np.uint8),
                       stage=Stage.PROCEDURE, day=0)
    if loc >= 0:
        move(s.people, s.locs, s.log, ids, loc, 0, Reason.INTAKE)
    return int(ids[0])


def _second_regular(s, r1, places):
    """R2: another regular location in R1's municipality with `places` places."""
    L = s.locs
    return int(L.append(["R2"], kind=[Kind.REGULAR], municipality=[L.municipality[r1]], capacity=[places],
                        max_capacity=[places], life=[Life.OPEN], contract_end=[10_000], term_days=[1825])[0])


def _run(s, days):
    for _ in range(days):
        rulebook.run_day(s)
    return results_of(s)


def test_moves_per_person_year_with_a_contract_that_ends_on_a_known_day():
    s, e1, e2, _ = world(renew=0.0)
    a = _household(s, 3, 1, e1, 1)
    b = _household(s, 2, 0, e1, 2)
    c = _household(s, 4, 2, e2, 3)
    s.locs.contract_end[e1] = 30
    res = _run(s, 60)
    # Day 30: E1's contract ends, not renewed. Demand 9 persons; without E1 10 normal places are
    # left: 9 / 0.95 - 10 < 0, so E1 is not replaced. A (3) and B (2) move to E2 (6 free places).
    assert s.locs.life[e1] == Life.CLOSED and s.locs.n == 4
    assert s.people.location[a] == e2 and s.people.location[b] == e2 and s.people.location[c] == e2
    ch = res.churn()
    # person-nights: (3 + 2 + 4) persons x 60 nights = 540; child-nights: (1 + 2) x 60 = 180
    assert ch["person_years"] == pytest.approx(540 / 365)
    assert ch["person_years"] == pytest.approx(float(res.daily["in_bed"].sum()) / 365)
    assert ch["child_years"] == pytest.approx(180 / 365)
    # 5 person-moves (A's child among them: 1 child-move), all for a contract end, E1 -> E2
    assert ch["moves_per_person_year"] == pytest.approx(5 / (540 / 365))           # 3.380
    assert ch["children_moves_per_year"] == pytest.approx(1 / (180 / 365))         # 2.028
    assert ch["moves_per_person_year_contract_end"] == pytest.approx(5 / (540 / 365))
    assert ch["moves_per_person_year_between_temporary"] == pytest.approx(5 / (540 / 365))
    assert ch["moves_contract_end"] == 5 and ch["moves_location_closing"] == 0


def test_an_ended_contract_still_needed_is_replaced_by_a_new_site_the_residents_move_to():
    s, e1, e2, _ = world(renew=0.0)
    _household(s, 3, 1, e1, 1)
    _household(s, 2, 0, e1, 2)
    _household(s, 4, 2, e2, 3)
    _household(s, 6, 0, e2, 4)                      # E2 full (10 of 10)
    s.locs.contract_end[e1] = 30
    res = _run(s, 60)
    # Day 30: demand 15; without E1 10 places are left: 15 / 0.95 - 10 = 5.8 > 0, so E1 (10
    # places) is replaced by a new emergency site in another Groningen municipality, open that
    # day with one 182-day term; A and B (5 persons) move there.
    L = s.locs
    new = 4
    assert L.n == 5 and L.kind[new] == Kind.EMERGENCY and L.life[new] == Life.OPEN and L.capacity[new] == 10
    assert L.municipality[new] != L.municipality[e1]
    assert s.munis.province[L.municipality[new]] == s.munis.province[L.municipality[e1]]
    assert L.contract_end[new] == 30 + 182 and relocation.is_managed(s, np.array([new]))[0]
    assert list(s.people.location[:2]) == [new, new]
    ch = res.churn()
    # person-nights (3 + 2 + 4 + 6) x 60 = 900
    assert ch["moves_per_person_year"] == pytest.approx(5 / (900 / 365))           # 2.028
    assert ch["moves_contract_end"] == 5


def _planned_emergency(s, places, open_day):
    """P: an emergency location of `places` places in E1's municipality, opening on `open_day`."""
    L = s.locs
    e1 = int(np.flatnonzero(L.kind == Kind.EMERGENCY)[0])
    return int(L.append(["P"], kind=[Kind.EMERGENCY], municipality=[L.municipality[e1]], capacity=[places],
                        max_capacity=[places], life=[Life.PLANNED], open_day=[open_day],
                        contract_end=[10_000], term_days=[182])[0])


def test_places_still_planned_do_not_stop_an_ended_contract_being_replaced():
    s, e1, e2, _ = world(renew=0.0)
    a = _household(s, 3, 1, e1, 1)
    b = _household(s, 2, 0, e1, 2)
    _household(s, 4, 2, e2, 3)
    _household(s, 6, 0, e2, 4)                      # E2 full (10 of 10)
    p = _planned_emergency(s, 10, open_day=51)      # 10 more places, three weeks after E1's contract ends
    s.locs.contract_end[e1] = 30
    _run(s, 31)
    # Day 30: demand 15; without E1 the open places are E2's 10: 15 / 0.95 - 10 = 5.8 > 0, so E1 is
    # replaced by a new site that opens that day and A and B move there. (Counted, P's 10 planned
    # places gave 15 / 0.95 - 20 < 0: no replacement, and A and B had no bed until day 51.)
    new = 5
    assert s.locs.n == 6 and s.locs.kind[new] == Kind.EMERGENCY and s.locs.life[new] == Life.OPEN
    assert s.people.location[a] == new and s.people.location[b] == new
    assert s.locs.life[p] == Life.PLANNED


def test_places_still_planned_do_not_let_consolidation_close_a_location_today():
    s, e1, e2, _ = world(consolidate=0.5)
    _household(s, 4, 0, e1, 1)
    _household(s, 6, 0, e2, 2)
    _planned_emergency(s, 10, open_day=21)
    # As without P (test_no_consolidation_while_places_are_short): demand 10, open places 20:
    # 20 - 10 / 0.95 = 9.5 may go, less than E1's 10, so nothing closes. (Counted, P's places gave
    # 30 - 10.5 = 19.5: E1 (4/10 < 0.5 full) closed and its residents filled E2's last free places.)
    relocation.consolidate(s, 0)
    assert s.locs.life[e1] == Life.OPEN and s.locs.life[e2] == Life.OPEN


@pytest.mark.parametrize("few", [True, False], ids=["python-numbers", "arrays"])
def test_own_requests_come_on_the_keyed_day_and_move_to_another_location_of_the_kind(few, monkeypatch):
    if not few:      # the placement with arrays (`place`, `EmptiestFirst`), as for many households
        monkeypatch.setattr(relocation, "FEW_HOUSEHOLDS", 0)
    s, _, _, r1 = world(own_rate=2.0, days=200, regular_places=10)
    L = s.locs
    r2 = L.append(["R2"], kind=[Kind.REGULAR], municipality=[L.municipality[r1]], capacity=[10],
                  max_capacity=[10], life=[Life.OPEN], contract_end=[10_000], term_days=[1825])[0]
    ids = [_household(s, size, 0, r1, key) for size, key in ((2, 100), (1, 101), (3, 102))]
    # Scheduled from their first bed on day 0: gap = ceil(-ln(1 - u) x 365 / 2) with u the keyed
    # uniform of (key, day 0): u = 0.1050, 0.0896, 0.9049 -> 20.2, 17.1, 429.4 -> days 21, 18, 430.
    book_day = lambda: list(s.requests.next_day[ids])   # noqa: E731
    relocation.own_requests(s, 0)
    assert book_day() == [21, 18, 430]
    for day in range(1, 18):
        relocation.own_requests(s, day)
    assert list(s.people.location[ids]) == [r1, r1, r1]   # nobody before their day
    relocation.own_requests(s, 18)
    # household 101 asks on day 18 and moves to R2 (the only other regular location, 10 free);
    # its next request: u(101, day 18) = 0.5394 -> 141.5 -> day 18 + 142 = 160
    assert list(s.people.location[ids]) == [r1, r2, r1] and s.log.reason[-1] == Reason.OWN_REQUEST
    assert book_day()[1] == 160
    for day in range(19, 22):
        relocation.own_requests(s, day)
    # household 100 on day 21; next: u(100, day 21) = 0.1012 -> 19.5 -> day 41
    assert list(s.people.location[ids]) == [r2, r2, r1] and book_day()[:2] == [41, 160]
    L.capacity[r1] = 0                                # no room anywhere else for them now
    relocation.own_requests(s, 41)
    assert s.people.location[ids[0]] == r2 and s.people.moves[ids[0]] == 1   # not granted, stays
    assert book_day()[0] > 41                                                # and asks again later


@pytest.mark.parametrize("name, days", [("baseline", 240), ("pact-2026", 240)])
def test_own_requests_on_python_numbers_grant_the_beds_the_arrays_grant(name, days, monkeypatch):
    """A day's few own requests are placed on Python numbers (`_grant_few`): run for run the same
    beds, day after day, as the placement with arrays (the same run with it forced)."""
    few = prepare(load_scenario(name), 3, days)
    arrays = prepare(load_scenario(name), 3, days)
    calls = {"few": 0}
    grant_few = relocation._grant_few

    def counted(*a):
        calls["few"] += 1
        return grant_few(*a)

    for _ in range(days):
        monkeypatch.setattr(relocation, "_grant_few", counted)
        rulebook.run_day(few)
        monkeypatch.setattr(relocation, "FEW_HOUSEHOLDS", 0)
        rulebook.run_day(arrays)
        monkeypatch.undo()
        assert few.log.n == arrays.log.n
        assert np.array_equal(few.people.location, arrays.people.location)
        assert np.array_equal(few.locs.occupancy, arrays.locs.occupancy)
    assert calls["few"] > days // 2
    own = few.log.reason[: few.log.n] == Reason.OWN_REQUEST
    assert own.sum() > 50                                               # many beds were granted
    assert np.array_equal(few.log.destination[: few.log.n][own], arrays.log.destination[: arrays.log.n][own])


def test_own_requests_are_filed_from_the_day_of_the_bed_change_when_looked_at_later():
    # as above, but the first look is on day 1: the beds were taken on day 0, so the gaps count from
    # day 0 as when looked at on day 0 (u(100, day 0) = 0.1050 -> day 21; u(101, day 0) = 0.0896 -> 18)
    s, _, _, r1 = world(own_rate=2.0, days=40, regular_places=10)
    ids = [_household(s, size, 0, r1, key) for size, key in ((2, 100), (1, 101))]
    relocation.own_requests(s, 1)
    assert list(s.requests.next_day[ids]) == [21, 18]


def test_request_gap_days_of_one_day_for_all_as_of_that_day_per_household():
    keys = np.array([100, 101, 102], np.uint64)
    for day in (0, 18, -3):           # a day before the run wraps as uint64, as the days of an array do
        assert list(relocation.request_gap_days(keys, day, 2.0)) == \
            list(relocation.request_gap_days(keys, np.full(3, day, np.int64), 2.0))
    assert list(relocation.request_gap_days(keys, 0, 2.0)) == [21, 18, 430]   # the keyed days above


def test_consolidation_closes_an_under_used_emergency_location_and_moves_its_residents():
    s, e1, e2, _ = world(consolidate=0.5)
    a = _household(s, 2, 1, e1, 1)
    _household(s, 6, 0, e2, 2)
    # Demand 8 persons, 20 normal places: 20 - 8 / 0.95 = 11.6 places may go. E1 is 2/10 < 0.5
    # full and its 10 places fit in that; the emergency locations have 8 + 4 free places, 4 of
    # them outside E1 for its 2 residents: E1 closes. E2 (6/10) is not under-used.
    relocation.consolidate(s, 0)
    assert s.locs.life[e1] == Life.CLOSING and s.locs.life[e2] == Life.OPEN
    rulebook.lifecycle(s, 1)                          # the drain moves them (budget 150 a day)
    assert s.people.location[a] == e2 and s.log.reason[-1] == Reason.CAPACITY_BALANCING
    rulebook.lifecycle(s, 2)                          # empty: closed
    assert s.locs.life[e1] == Life.CLOSED and s.locs.occupancy[e2] == 8


def test_no_consolidation_while_places_are_short():
    s, e1, e2, _ = world(consolidate=0.5)
    _household(s, 4, 0, e1, 1)
    _household(s, 6, 0, e2, 2)
    # Demand 10: 20 - 10 / 0.95 = 9.5 places may go, less than E1's 10: nothing closes
    relocation.consolidate(s, 0)
    assert s.locs.life[e1] == Life.OPEN and s.locs.life[e2] == Life.OPEN


def test_churn_denominators_on_a_hand_made_log():
    L = Locations.from_columns(["E1", "E2", "R1"], kind=[Kind.EMERGENCY, Kind.EMERGENCY, Kind.REGULAR],
                               municipality=[0, 0, 0], capacity=[10, 10, 10], life=[Life.OPEN] * 3)
    p = Applicants()
    p.add(size=np.array([2, 1, 3]), children=np.array([1, 0, 2]), key=np.arange(3, dtype=np.uint64),
          group=np.zeros(3), track=np.zeros(3), flags=np.zeros(3, np.uint8), stage=Stage.PROCEDURE, day=0)
    p._h["moves"][:3] = [2, 1, 0]
    log = MoveLog(locations=L, distance_km=np.zeros((1, 1)))
    rows = [  # day, household, origin, destination, reason
        (0, 0, -1, 0, Reason.INTAKE), (5, 1, -1, 2, Reason.INTAKE), (10, 0, 0, 1, Reason.CONTRACT_END),
        (20, 2, -1, 1, Reason.INTAKE), (30, 2, 1, -1, Reason.EXIT), (40, 0, 1, 2, Reason.EMERGENCY_TO_REGULAR),
        (50, 1, 2, 0, Reason.OWN_REQUEST), (60, 2, -1, 0, Reason.INTAKE), (70, 0, 2, -1, Reason.EXIT)]
    for day, h, o, d, r in rows:
        log.append(day, np.array([h]), np.array([o]), np.array([d]), r)
    res = Results(load_scenario("baseline"), 1, xr.Dataset(coords={"day": np.arange(100)}), p, L, log, [])
    ch = res.churn()
    # Nights in a bed to day 100: household 0 (2 persons, 1 minor) days 0-70 = 70; household 1
    # (1 person) days 5-100 = 95; household 2 (3 persons, 2 minors) days 20-30 and 60-100 = 50.
    # Person-nights 2 x 70 + 95 + 3 x 50 = 385; child-nights 70 + 2 x 50 = 170.
    assert ch["person_years"] == pytest.approx(385 / 365)
    assert ch["child_years"] == pytest.approx(170 / 365)
    # Moves: household 0 on days 10 (E1 -> E2) and 40 (E2 -> R1): 2 persons each, 1 minor each;
    # household 1 on day 50: 1 person. 5 person-moves, 2 child-moves. Bed after nights without
    # one (household 2, day 60) and leaving are not moves.
    assert ch["moves_per_person_year"] == pytest.approx(5 * 365 / 385)             # 4.740
    assert ch["children_moves_per_year"] == pytest.approx(2 * 365 / 170)           # 4.294
    assert ch["moves_per_person_year_contract_end"] == pytest.approx(2 * 365 / 385)
    assert ch["moves_per_person_year_emergency_to_regular"] == pytest.approx(2 * 365 / 385)
    assert ch["moves_per_person_year_own_request"] == pytest.approx(1 * 365 / 385)
    assert ch["children_moves_per_year_own_request"] == 0.0
    assert ch["moves_per_person_year_between_temporary"] == pytest.approx(2 * 365 / 385)   # only day 10
    # Days 0-49 only: nights 2 x 50 + 45 + 3 x 10 = 175, child-nights 50 + 2 x 10 = 70; the moves
    # of days 10 and 40 (4 person-moves, 2 child-moves) count, the one on day 50 does not.
    part = res.churn(period=(0, 50))
    assert part["person_years"] == pytest.approx(175 / 365)
    assert part["moves_per_person_year"] == pytest.approx(4 * 365 / 175)
    assert part["children_moves_per_year"] == pytest.approx(2 * 365 / 70)
    # the spread over the run: moves per person 2, 2, 1, 0, 0, 0 -> mean 5/6
    assert ch["moves_mean"] == pytest.approx(5 / 6)


def test_churn_by_location_kind_and_the_residents_view():
    L = Locations.from_columns(["E1", "R1"], kind=[Kind.EMERGENCY, Kind.REGULAR], municipality=[0, 0],
                               capacity=[10, 10], life=[Life.OPEN] * 2)
    p = Applicants()
    p.add(size=np.array([2, 1]), children=np.array([1, 0]), key=np.arange(2, dtype=np.uint64),
          group=np.zeros(2), track=np.zeros(2), flags=np.zeros(2, np.uint8), stage=Stage.PROCEDURE, day=0)
    log = MoveLog(locations=L, distance_km=np.zeros((1, 1)))
    for day, h, o, d, r in [(0, 0, -1, 0, Reason.INTAKE), (0, 1, -1, 1, Reason.INTAKE),
                            (20, 0, 0, 1, Reason.EMERGENCY_TO_REGULAR), (30, 1, 1, 0, Reason.OWN_REQUEST),
                            (35, 1, 0, 1, Reason.OWN_REQUEST), (50, 1, 1, -1, Reason.EXIT)]:
        log.append(day, np.array([h]), np.array([o]), np.array([d]), r)
    res = Results(load_scenario("baseline"), 1, xr.Dataset(coords={"day": np.arange(60)}), p, L, log, [])
    # In E1: household 0 (2 persons) days 0-20, household 1 days 30-35: 40 + 5 = 45 person-nights;
    # moves out of E1: 2 (day 20) + 1 (day 35) = 3 -> 3 x 365 / 45
    at_e = res.churn(kinds=(Kind.EMERGENCY,))
    assert at_e["person_years"] == pytest.approx(45 / 365)
    assert at_e["moves_per_person_year"] == pytest.approx(3 * 365 / 45)
    # In R1: household 0 days 20-60 (80), household 1 days 0-30 and 35-50 (45): 125; out of R1: 1
    assert res.churn(kinds=(Kind.REGULAR,))["moves_per_person_year"] == pytest.approx(365 / 125)
    # residents at the end of day 40: household 0 (2 persons, 1 move) and household 1 (2 moves);
    # at the end of day 55 only household 0 is still in a bed (its move on day 20 is 35 days back)
    assert sorted(res.moves_before(40)) == [1, 1, 2]
    assert list(res.moves_before(40, children_only=True)) == [1]
    assert list(res.moves_before(55)) == [1, 1] and list(res.moves_before(55, days=30)) == [0, 0]


def test_the_request_book_grows_as_the_household_table_does():
    from agents.columns import GENTLE_FROM
    from model.relocation import RequestBook

    book = RequestBook()
    book.grow(10)
    book.grow(11)                        # short: doubles
    assert len(book.next_day) == 20
    book.grow(GENTLE_FROM)
    book.next_day[:3] = [5, -1, 7]
    book.grow(GENTLE_FROM + 1)           # long: a quarter more, not double
    assert len(book.next_day) == GENTLE_FROM + GENTLE_FROM // 4
    assert list(book.next_day[:4]) == [5, -1, 7, -1] and (book.next_day[3:] == -1).all()


def test_a_request_day_past_the_last_int32_day_is_kept_as_that_day_not_wrapped():
    # A near-zero own-request rate can draw a day past 2**31 - 1. Stored as drawn in the int32 book it
    # wrapped: 2**32 + 100 became day 100, the day of a stale calendar entry a run can reach.
    from agents.queues import LAST_DAY
    from model.relocation import RequestBook

    book = RequestBook()
    book.grow(3)
    book.file(np.array([0, 2]), np.array([2**32 + 100, 40], np.int64))
    assert list(book.next_day) == [LAST_DAY, -1, 40]
    assert list(book.calendar.pop(40)) == [2]
    assert list(book.calendar.pop(100)) == []
    assert list(book.calendar.pop(LAST_DAY)) == [0]


# --- a decision's consequence: the family location (gezinslocatie) ------------------------------

@pytest.mark.parametrize("few", [True, False], ids=["python-numbers", "arrays"])
def test_families_with_minors_rejected_for_good_move_to_a_family_location_the_others_stay(few, monkeypatch):
    if not few:      # the choice of families with arrays, as for many households
        monkeypatch.setattr(relocation, "FEW_HOUSEHOLDS", 0)
    s, e1, _, r1 = world(regular_places=20)
    r2 = _second_regular(s, r1, 10)
    family = _household(s, 3, 1, r1, 1)                                  # a couple and a child in R1
    single = _household(s, 1, 0, r1, 2)                                  # an adult alone in R1
    minor = _household(s, 1, 1, r1, 3, flags=Flag.UNACCOMPANIED_MINOR)   # an unaccompanied minor in R1
    no_bed = _household(s, 2, 1, -1, 4)                                  # a parent and child without a bed
    in_emergency = _household(s, 4, 2, e1, 5)                            # two adults, two children in E1
    L = s.locs
    b1 = int(L.append(["B1"], kind=[Kind.BORDER], municipality=[L.municipality[r1]], capacity=[10],
                      max_capacity=[10], life=[Life.OPEN], contract_end=[10_000], term_days=[1825])[0])
    at_border = _household(s, 2, 1, b1, 6)              # rejected in the border procedure: returned from there
    ids = np.array([family, single, minor, no_bed, in_emergency, at_border])
    rows = s.log.n
    rulebook._start_departure(s, ids, 5)
    assert s.log.n == rows                        # the day's rejections move together, at relocation
    relocation.to_family_locations(s, 5)
    # Both families with a bed move to R2, the only regular location but the one a family is in
    # (R1 is left out for all of today's families: 3 + 4 = 7 of R2's 10 places); the adult alone,
    # the unaccompanied minor, the family without a bed and the family at the border location stay
    # where they are.
    loc = s.people.location
    assert [loc[family], loc[single], loc[minor], loc[no_bed], loc[in_emergency], loc[at_border]] == \
        [r2, r1, r1, -1, r2, b1]
    assert s.log.n == rows + 2 and set(s.log.reason[rows:].tolist()) == {Reason.FAMILY_LOCATION}
    assert (s.people.cols["stage"][ids] == Stage.REJECTED).all()
    assert sorted(s.departure_due.pop(5 + s.params.chain.departure_period_days).tolist()) == sorted(ids.tolist())
    assert sorted(s.log.household[rows:].tolist()) == [family, in_emergency]


def test_a_family_stays_put_when_no_other_azc_has_room_or_the_rule_is_off():
    s, _, _, r1 = world(regular_places=20)
    _second_regular(s, r1, 2)                     # R2: 2 free places, the family is 3
    family = _household(s, 3, 1, r1, 1)
    rulebook._start_departure(s, np.array([family]), 5)
    relocation.to_family_locations(s, 5)
    assert s.people.location[family] == r1 and s.log.reason[-1] == Reason.INTAKE
    s, _, _, r1 = world(regular_places=20, family_location=False)
    _second_regular(s, r1, 10)
    family = _household(s, 3, 1, r1, 1)
    rulebook._start_departure(s, np.array([family]), 5)
    relocation.to_family_locations(s, 5)
    assert s.people.location[family] == r1 and s.log.reason[-1] == Reason.INTAKE


def test_a_dismissed_appeal_moves_the_family_into_the_beds_todays_departures_gave_up():
    no = {"regular": 0.0, "accelerated": 0.0, "border": 0.0, "dublin": 0.0}
    s, _, _, r1 = world(regular_places=20, chain={"appeal_upheld_share": no})
    r2 = _second_regular(s, r1, 3)
    leaving = _household(s, 3, 0, r2, 1)          # fills R2; its departure period ends on day 1
    s.people.set_stage(np.array([leaving]), Stage.REJECTED, 0)
    s.departure_due.schedule(np.array([leaving]), 1)
    family = _household(s, 3, 1, r1, 2)           # in appeal in R1; the court rules on day 1
    s.people.set_stage(np.array([family]), Stage.APPEAL, 0)
    s.appeal_due.schedule(np.array([family]), 1)
    s.day = 1
    rulebook.run_day(s)
    # Day 1: the departing household leaves R2 (departures, appeals and the Dublin chain give up
    # their beds together), the appeal is dismissed (no appeal is upheld), and at relocation the
    # family moves into R2's 3 free places; nothing else happens in this quiet world.
    assert s.people.cols["stage"][leaving] == Stage.DEPARTED and s.people.location[leaving] == -1
    assert s.people.cols["stage"][family] == Stage.REJECTED and s.people.location[family] == r2
    assert s.log.reason[-2:].tolist() == [Reason.EXIT, Reason.FAMILY_LOCATION]
    assert s.recorder.scalars["moves_family_location"][1] == 3          # the day's figure, persons



def test_a_few_households_still_asking_today_each_once_and_only_from_a_regular_location():
    s, e1, _, r1 = world(regular_places=10)
    a, b, c = _household(s, 2, 0, r1, 1), _household(s, 1, 0, e1, 2), _household(s, 3, 0, r1, 3)
    book = relocation.RequestBook()
    book.grow(s.people.n)
    book.next_day[[a, b, c]] = [5, 5, 7]
    # popped on day 5: c's entry is stale (its day is 7 now), a's is listed twice, b is in an
    # emergency location (no longer asks: cancelled); a asks once, from R1
    ids, loc = relocation._still_asking_few(s, book, np.array([c, a, b, a], np.int32), 5)
    assert ids.tolist() == [a] and ids.dtype == np.int32 and loc == [r1]
    assert book.next_day[[a, b, c]].tolist() == [5, -1, 7]

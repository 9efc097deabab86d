"""A closure that is undone reopens what it closed: `close` with an `id`, later `reopen` naming it
(force-majeure's flood). On a small world (Groningen, 60 regular places in locations of ~10)."""

import copy
import datetime as dt

import numpy as np
import pytest
import yaml

from agents.locations import Kind, Life
from model.mesa_model import ReceptionModel
from model.scenario import SCENARIO_DIR, ScenarioError, _merge, from_dict, load_scenario
from tests.model.test_rules import SMALL

START = dt.date(2025, 7, 1)


def world(events=(), renewal=None, entitled=40) -> dict:
    data = _merge(yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text()), copy.deepcopy(SMALL))
    data["name"] = "small"
    data["initial"] = {**data["initial"], "entitled_persons": entitled, "at_registration_persons": 0}
    data["portfolio"]["places"]["regular"] = 60
    if renewal is not None:
        data["portfolio"]["renewal_probability"]["regular"] = renewal
    data["events"] = list(events)
    return data


def close(day: int, places: int, **more) -> dict:
    return {"date": str(START + dt.timedelta(days=day)), "action": "close", "kind": "regular", "places": places,
            "id": "flood", **more}


def reopen(day: int, closure: str = "flood", **more) -> dict:
    return {"date": str(START + dt.timedelta(days=day)), "action": "reopen", "closure": closure, **more}


def regular_open(m: ReceptionModel) -> dict[int, int]:
    L = m.state.locs
    return {int(j): int(L.capacity[j]) for j in np.flatnonzero((L.kind == Kind.REGULAR) & (L.life == Life.OPEN))}


def two_largest() -> tuple[dict[int, int], int]:
    """The regular locations at the start and the places that close exactly the largest two."""
    m = ReceptionModel(from_dict(world(), "small"), rng=1, days=2)
    before = regular_open(m)
    caps = sorted(before.values(), reverse=True)
    assert len(caps) >= 4 and caps[0] < sum(caps[:2])
    return before, caps[0] + 1          # one place more than the largest: the next largest closes too


def test_a_reopen_opens_the_same_locations_with_the_same_places():
    before, places = two_largest()
    m = ReceptionModel(from_dict(world([close(2, places, label="flood"), reopen(5, label="water gone")]),
                                 "small"), rng=1, days=8)
    for _ in range(3):
        m.step()                                    # days 0-2: the closure acts on day 2
    closed = sorted(before, key=lambda j: (-before[j], j))[:2]       # largest first, as `close` takes them
    assert regular_open(m) == {j: c for j, c in before.items() if j not in closed}
    assert m.state.locs.occupancy[closed].tolist() == [0, 0]         # their residents moved out
    for _ in range(2):
        m.step()                                    # days 3-4: still closed
    assert sorted(regular_open(m)) == sorted(set(before) - set(closed))
    m.step()                                        # day 5: they reopen, with their places
    assert regular_open(m) == before
    assert m.state.locs.max_capacity[closed].tolist() == [int(before[j] * 1.15) for j in closed]
    (log,) = [e for e in m.state.event_log if e["what"] == "reopen regular"]
    two = before[closed[0]] + before[closed[1]]
    assert (log["day"], log["where"], log["detail"]) == (
        5, "national", f"water gone: {two} regular places in 2 locations reopened (closed on 2025-07-03 by 'flood')")
    assert m.state.closures["flood"].reopened == 5
    m.step()
    assert regular_open(m) == before               # and stay open


def test_a_contract_that_ended_while_closed_is_renewed_by_the_usual_chance_or_the_location_stays_closed():
    before, places = two_largest()
    closed = sorted(before, key=lambda j: (-before[j], j))[:2]
    for renewal, stays_closed in ((1.0, []), (0.0, [closed[0]])):
        m = ReceptionModel(from_dict(world([close(1, places), reopen(4)], renewal=renewal), "small"), rng=1, days=6)
        m.state.locs.contract_end[closed[0]] = 3          # its agreement runs out on day 3, while closed
        term = int(m.state.locs.term_days[closed[0]])
        for _ in range(5):
            m.step()
        assert regular_open(m) == {j: c for j, c in before.items() if j not in stays_closed}
        (detail,) = [e["detail"] for e in m.state.event_log if e["what"] == "reopen regular"]
        if stays_closed:
            c = before[closed[0]]
            assert detail == (f"{before[closed[1]]} regular places in 1 location reopened (closed on 2025-07-02 by "
                              f"'flood'); 1 location with {c} places stays closed: the contract ended while closed "
                              f"and was not renewed")
        else:
            assert m.state.locs.contract_end[closed[0]] == 3 + term   # renewed for one term
            assert detail.startswith(f"{before[closed[0]] + before[closed[1]]} regular places in 2 locations reopened")


def refused(events, message):
    with pytest.raises(ScenarioError, match=message):
        from_dict(world(events), "x.yaml")


def test_a_reopen_is_refused_in_one_line_when_its_closure_is_missing_later_or_reopened_already():
    refused([close(2, 10), reopen(5, "flod")], r"^x\.yaml: events\.1\.closure: no close event has the id 'flod' "
                                               r"\(did you mean 'flood'\?\)$")
    refused([close(2, 10, id=None), reopen(5)], r"events\.1\.closure: no close event has the id 'flood' \(give the "
                                                r"close event an id, e\.g\. id: flood, and name it here\)$")
    refused([reopen(5), close(7, 10)], r"events\.0\.closure: 'flood' closes on 2025-07-08, after this reopening on "
                                       r"2025-07-06; a reopening comes on a later day than its closure$")
    refused([close(5, 10), reopen(5)], r"events\.1\.closure: 'flood' closes on 2025-07-06, on the same day as this "
                                       r"reopening on 2025-07-06")
    refused([close(2, 10), reopen(9), reopen(5)], r"events\.1\.closure: 'flood' is reopened already by events\.2 on "
                                                  r"2025-07-06; a closure reopens once$")
    refused([close(2, 10), close(3, 10)], r"events\.1\.id: 'flood' already names events\.0; give each closure its "
                                          r"own id$")
    refused([{"date": "2025-07-03", "action": "reopen"}], r"events\.0: .*a 'reopen' event needs closure")
    refused([close(2, 10), reopen(5, lead_time_days=3)], r"events\.1: .*lead_time_days: a 'reopen' event does not "
                                                         r"use lead_time_days \(it acts on the day it comes\)")
    refused([{**close(2, 10), "action": "open"}], r"id: a 'open' event does not use id \(only a 'close' event takes "
                                                  r"an id, for a later 'reopen' to name\)")
    refused([{**close(2, 10), "closure": "x"}], r"closure: a 'close' event does not use closure")


def test_a_reopen_decided_during_a_run_names_a_closure_the_run_has_made_once():
    before, places = two_largest()
    m = ReceptionModel(from_dict(world([close(1, places)]), "small"), rng=1, days=10)
    with pytest.raises(ScenarioError, match=r"^decision: closure: no closure with the id 'flood' has happened in "
                                            r"this run \(none so far\)$"):
        m.apply({"action": "reopen", "closure": "flood"})
    m.step()
    m.step()
    with pytest.raises(ScenarioError, match=r"decision: id: 'flood' already names a closure of this run \(the "
                                            r"scenario's events\.0\)"):
        m.apply({"action": "close", "kind": "regular", "places": 5, "id": "flood"})
    with pytest.raises(ScenarioError, match=r"no closure with the id 'flod' has happened in this run \(did you mean "
                                            r"'flood'\?\)"):
        m.apply({"action": "reopen", "closure": "flod"})
    assert len(regular_open(m)) == len(before) - 2
    m.apply({"action": "reopen", "closure": "flood"})
    assert regular_open(m) == before and m.state.event_log[-1]["source"] == "decision"
    with pytest.raises(ScenarioError, match=r"^decision: closure: 'flood' was reopened already on 2025-07-03; a "
                                            r"closure reopens once$"):
        m.apply({"action": "reopen", "closure": "flood"})


def test_force_majeure_ends_with_the_places_it_started_with():
    """The flood closes Gelderland's regular locations (it asks 4,000 places; the portfolio has
    fewer there: all of them close) and six weeks later the same locations reopen: no new ones."""
    sc = load_scenario("force-majeure")
    m = ReceptionModel(sc, days=140)
    L = m.state.locs
    gelderland = (L.kind == Kind.REGULAR) & (L.life == Life.OPEN) & (m.state.munis.province[L.municipality]
                                              == m.state.world.provinces.index("Gelderland"))
    def in_gelderland() -> dict[int, int]:
        return {j: c for j, c in regular_open(m).items() if m.state.munis.province[L.municipality[j]]
                == m.state.world.provinces.index("Gelderland")}

    start = in_gelderland()
    assert sorted(start) == np.flatnonzero(gelderland).tolist() and sum(start.values()) < 4000
    for _ in range(135):
        m.step()
    assert in_gelderland() == start       # the same locations with the same places; no new ones
    closure = m.state.closures["flood"]
    assert sorted(closure.locations.tolist()) == sorted(start)
    assert (closure.day, closure.reopened, closure.places) == (92, 134, sum(start.values()))   # 1 Oct, 12 Nov 2025

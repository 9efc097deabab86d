"""The front of the chain (registration and screening): the rules that read the plan's measures,
and the front ladder relieving a registration bottleneck, on small hand-made worlds."""

import numpy as np
import pytest
import yaml

from agents.applicants import Stage, Track
from agents.locations import Kind, Life
from model import rulebook
from model.front import FrontMeasure
from model.scenario import SCENARIO_DIR, Action, ScenarioError, _merge, from_dict, load_scenario
from model.simulate import prepare, simulate

NEVER = {"name": "never", "activate": [{"indicator": "occupancy", "above": 9, "days": 1}],
         "deactivate": [{"indicator": "occupancy", "below": 0, "days": 1}], "min_dwell_days": 0}
# one rung: after 2 days at the registration location screening continues elsewhere, at once
ONWARD = {"name": "onward", "activate": [{"indicator": "central_occupancy", "above": 0.9, "days": 1}],
          "deactivate": [{"indicator": "central_occupancy", "below": 0.1, "days": 30}], "min_dwell_days": 30,
          "actions": [{"type": "onward_placement", "after_days": 2, "lead_time_days": 0}]}


def world(front=None, **chain):
    """Groningen only, empty at the start, no arrivals of its own: a registration location of
    300 beds, 2,000 process and 2,000 regular places; the plan has only `front` (a main ladder
    that never climbs)."""
    base = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    data = _merge(base, {
        "provinces": ["Groningen"],
        "initial": {"entitled_persons": 0},
        "inflow": {"first_applications_per_year": 0, "family_reunification_per_year": 0},
        "portfolio": {"places": {"central": 300, "border": 0, "process": 2000, "regular": 2000, "minors": 0,
                                 "accelerated": 0, "emergency": 0, "crisis": 0},
                      "include_named_locations": False, "reserve_places": 0,
                      "mean_location_places": {"process": 1000, "regular": 1000}},
        "plan": {"enabled": True, "phases": [NEVER], "front": front or []},
    })
    data["chain"].update({"registration_capacity_per_day": 100, "screening_days": 7, **chain})
    return from_dict(data, "front-world")


def _add(s, n, day, stage=Stage.WAITING):
    """`n` single adults arrive on `day` (as the arrival rule does: in line, then a bed at the
    registration location if there is one)."""
    key = np.arange(n, dtype=np.uint64) + 1000 * (day + 1)
    ids = s.people.add(size=np.ones(n, int), children=np.zeros(n, int), key=key,
                       group=np.zeros(n, int), track=np.full(n, Track.REGULAR), flags=np.zeros(n, np.uint8),
                       stage=stage, day=day)
    s.registration.push(ids)
    rulebook.settle_in_central(s, ids, day)
    return ids


def _run(front, days=12, per_day=100):
    s = prepare(world(front), days=days)
    for day in range(days):
        _add(s, per_day, day)
        rulebook.run_day(s)
    return s


def test_the_front_ladder_relieves_a_registration_bottleneck():
    # 100 arrive and 100 are registered a day; screening takes 7 days at a registration location
    # of 300 beds. Without the rung: 300, 200 ... nights end full; from day 3 the newcomers sleep
    # outside: 100, 200, 300, then 400 a night (700 in screening, 300 beds) from day 6 on.
    without = _run([]).recorder.scalars["unsheltered"]
    assert list(without[:8]) == [0, 0, 0, 100, 200, 300, 400, 400]
    # With it: the location is full at the end of day 2 (300 >= 0.9 * 300): the rung climbs and
    # onward placement (lead time 0) is in force. On day 3 the 100 newcomers find no bed; the
    # cohorts of days 0 and 1 (two days or more at the location) move to a process location,
    # and the newcomers get their beds that day: nobody is outside from day 3 on.
    s = _run([ONWARD])
    x = s.recorder.scalars
    assert list(x["front_phase"][:4]) == [0, 0, 1, 1]
    assert x["unsheltered"].sum() == 0
    # each day from then on: 100 newcomers, 100 moved on after two days -> 200 at the location
    assert list(x["central_occupancy"][4:12]) == [200] * 8
    # moved on from the location: the cohorts registered on days 0..9 (on days 3, 4, ..., 11)
    from_centre = (s.log.origin == 0) & (s.log.reason == 1)          # procedure_step
    assert int(from_centre.sum()) == 1000 and set(s.locs.kind[s.log.destination[from_centre]]) == {Kind.PROCESS}


def test_registration_reads_the_plans_measures_while_in_force():
    s = prepare(world(), days=20)
    ids = _add(s, 250, 0)
    s.front.add(FrontMeasure(start_day=0, per_day=50))                  # extra staff from day 0
    later = s.front.add(FrontMeasure(start_day=5, per_day=1000))          # not yet in force
    rulebook.register(s, 0)
    assert s.today.registered == 100 + 50
    site = int(np.flatnonzero(s.locs.kind == Kind.CENTRAL)[0])
    s.front.remove(later)
    s.front.add(FrontMeasure(start_day=0, per_day=40, site=site))       # a site counts while open
    s.locs.life[site] = Life.PLANNED
    assert s.front.registration_per_day(s, 1) == 150
    s.locs.life[site] = Life.OPEN
    assert s.front.registration_per_day(s, 1) == 190
    rulebook.register(s, 1)
    assert (s.people.stage[ids] == Stage.SCREENING).sum() == 150 + 100   # the 100 left; 190 was room


def test_screening_ends_where_the_household_moved_on_to():
    s = prepare(world(), days=20)
    s.front.add(FrontMeasure(start_day=0, after_days=2))
    ids = _add(s, 10, 0)
    rulebook.register(s, 0)                                   # in screening, due to move on on day 2
    rulebook.move_on_from_registration(s, 1)
    assert (s.locs.kind[s.people.location[ids]] == Kind.CENTRAL).all()
    rulebook.move_on_from_registration(s, 2)
    process = s.locs.kind[s.people.location[ids]]
    assert (process == Kind.PROCESS).all() and (s.people.moves[ids] == 1).all()
    rulebook.end_screening(s, 7)                              # screening ends there: no second move
    assert (s.people.stage[ids] == Stage.PROCEDURE).all() and (s.people.moves[ids] == 1).all()


def test_front_measures_are_undone_at_scale_down():
    front = [dict(ONWARD, actions=[{"type": "raise_registration", "per_day": 60, "success_rate": 0.5,
                                    "cost_per_day_eur": 1000}],
                  deactivate=[{"indicator": "central_occupancy", "below": 0.5, "days": 2}], min_dwell_days=3)]
    s = prepare(world(front), days=20)
    for day in range(14):
        _add(s, 100 if day < 5 else 0, day)
        rulebook.run_day(s)
    x = s.recorder.scalars
    up = int(np.argmax(x["front_phase"] == 1))
    assert x["registration_capacity"][up] == 100 + 60 * 0.5 and x["cost_eur"][up] - x["cost_eur"][up - 1] >= 1000 - 1e-6
    down = up + 1 + int(np.argmax(x["front_phase"][up + 1:] == 0))
    assert down < 14 and x["registration_capacity"][down] == 100
    assert [e["what"] for e in s.event_log if "registration" in e["what"]] == \
        ["raise registration capacity", "lower registration capacity"]


def test_a_front_rung_steps_down_only_when_the_arrivals_fit_in_what_is_left():
    """`registration_load`: persons arriving a day over the plan's window / the centre's own
    registrations a day. A rung that adds staff and steps down on "nobody waiting" alone steps down
    while the surge still comes (its own staff keep the line empty) and climbs again days later;
    with "and the arrivals fit in the centre's own registrations" it stays while they do not."""
    staff = {"name": "staff", "activate": [{"indicator": "registration_backlog", "above": 50, "days": 1}],
             "deactivate": [{"indicator": "registration_backlog", "below": 1, "days": 3}], "min_dwell_days": 3,
             "actions": [{"type": "raise_registration", "per_day": 150, "lead_time_days": 0}]}
    load = {"indicator": "registration_load", "below": 0.9, "days": 3}

    def run(rung, days=60):
        sc = world([rung])
        sc.inflow.first_applications_per_year = 54_750    # 150 persons a day; the centre registers 100
        sc.chain.screening_days = 1                      # (the 300 beds are not the bottleneck here)
        s = prepare(sc, days=days)
        for _ in range(days):
            rulebook.run_day(s)
        return s

    x = run(staff).recorder.scalars
    steps = np.flatnonzero(np.diff(x["front_phase"][:60]))
    assert len(steps) >= 20                              # up, down while the arrivals go on, up again, ...
    s = run(dict(staff, deactivate=[*staff["deactivate"], load]))
    y = s.recorder.scalars
    up = int(np.argmax(y["front_phase"] == 1))
    assert up == int(np.argmax(x["front_phase"] == 1)) < 5 and (y["front_phase"][up:60] == 1).all()   # it stays
    # the indicator by hand: arrivals of the window's days (28, the baseline's) / 28 / 100 a day
    window = s.sc.plan.forecast_window_days
    arrived = y["arrivals"][60 - window:60].sum()
    assert s.plan.indicators(s, 60)["registration_load"][0] == pytest.approx(arrived / window / 100)
    assert arrived / window > 100                        # more arrive than the centre registers alone


def test_relief_places_open_near_the_registration_centre_and_take_those_waiting():
    front = [dict(ONWARD, actions=[{"type": "relief_places", "places": 400, "lead_time_days": 2}])]
    s = prepare(world(front), days=20)
    for day in range(6):
        _add(s, 100, day)
        rulebook.run_day(s)
    L = s.locs
    relief = np.flatnonzero((L.kind == Kind.CENTRAL) & (np.arange(L.n) > 0))
    centre = L.municipality[0]
    km = s.world.network.distance_km[centre]
    # 400 places in locations of 200 (the crisis size): the two municipalities nearest Ter Apel
    nearest = [m for m in np.argsort(km, kind="stable") if m != centre][:2]
    assert list(L.municipality[relief]) == nearest and list(L.capacity[relief]) == [200, 200]
    assert (L.cost_person_night[relief] == s.sc.costs.crisis_per_person_night).all()
    assert (L.cost_place_night[relief] == 0).all()       # paid per person-night: an empty relief bed costs nothing
    # up at the end of day 2 with a lead time of 2: open on day 4 (locations open after the day's
    # placement), so 100 and 200 newcomers are outside on days 3 and 4; from day 5 all have a bed
    assert list(s.recorder.scalars["unsheltered"][:6]) == [0, 0, 0, 100, 200, 0]
    # scale-down: the relief places take nobody new and close once their residents moved on
    s.plan._undo_relief_places(s, 6, s.plan.done[("front", 0, 1)][0])
    assert (L.life[relief] == Life.CLOSING).all() and (L.vacancy()[relief] == 0).all()


def test_without_ter_apel_the_registration_centre_stands_in_the_largest_municipality():
    # Zeeland only: Ter Apel (Groningen) is not in the world. The registration centre's places stand in
    # the municipality with the largest Spreidingswet target (without one, every arrival waited its days
    # of registration and screening without a bed: 251 at once in a two-province sweep); relief places
    # open around it, not in it: 400 places in locations of 200 = its two nearest municipalities; a
    # second registration site goes to the world's only province.
    s = prepare(world().model_copy(update={"provinces": ["Zeeland"]}), days=5)
    m = s.munis
    largest = int(np.argmax(m.reception_target))
    central = s.locs.of_kind(Kind.CENTRAL)
    assert len(central) == 1 and int(s.locs.municipality[central[0]]) == largest
    assert int(s.locs.capacity[central].sum()) == s.sc.portfolio.places["central"]
    assert "in place of Ter Apel" in s.locs.names[central[0]]
    for _ in range(5):
        rulebook.run_day(s)
    assert s.recorder.scalars["unsheltered"][:5].max() == 0
    km = s.world.network.distance_km[largest]
    nearest = [int(x) for x in np.argsort(km, kind="stable") if x != largest][:2]
    done = s.plan._do_relief_places(s, 0, -1, Action(type="relief_places", places=400))
    assert sorted(s.locs.municipality[done.locations].tolist()) == sorted(nearest)
    assert s.plan._site_province(s) == "Zeeland"


def test_in_a_two_province_world_with_high_inflow_the_baseline_front_brings_unsheltered_to_zero():
    base = load_scenario("baseline").model_dump(mode="json")
    over = {"provinces": ["Groningen", "Drenthe"], "horizon_days": 120,
            "initial": {"entitled_persons": 4000, "at_registration_persons": 500},
            "inflow": {"shocks": [{"start": "2025-08-01", "end": "2025-09-30", "extra_persons_per_day": 250}]}}
    with_front = from_dict(_merge(base, over), "two-provinces")
    without = with_front.model_copy(deep=True)
    without.plan.front = []
    a, b = simulate(without, seed=3).daily, simulate(with_front, seed=3).daily
    # registration 300 a day x 7 days of screening > 2,000 beds at Ter Apel: without the front
    # people sleep outside for weeks; with it, at most the lead time of the first rung
    assert float(a["unsheltered"].sum()) > 20 * float(b["unsheltered"].sum())
    nights = b["unsheltered"].values > 0
    longest = max((len(r) for r in "".join("x" if n else " " for n in nights).split()), default=0)
    assert longest <= 2


BAD = [
    ("plan.front.0.actions.0.after_days", 0, "actions.0.after_days: Input should be greater than or equal to 1"),
    ("plan.front.0.actions.1.per_day", -5, "plan.front.0.actions.1.per_day: Input should be greater than or equal"),
    ("plan.front.0.actions.1.cost_per_day_eur", -1, "cost_per_day_eur: Input should be greater than or equal to 0"),
    ("plan.front.1.actions.0.places", 0, "plan.front.1.actions.0: Value error, a 'relief_places' action needs places"),
    ("plan.front.1.actions.2.per_day", 0, "a 'open_registration_site' action needs places and per_day"),
    ("plan.front.1.actions.0.success_rate", 1.5, "plan.front.1.actions.0.success_rate: Input should be less than"),
    ("plan.front.0.actions.0.type", "open_doors", "plan.front.0.actions.0.type: Input should be"),
    ("plan.front.1.actions.2.lead_time_days", 1000, "lead_time_days: Input should be less than or equal to 730"),
    ("plan.front.1.actions.2.places", 20_000_000, "places: Input should be less than or equal to 10000000"),
    ("plan.front", [NEVER] * 5, "plan.front: List should have at most 4 items"),
    ("municipalities.coordination", "regional", "municipalities.coordination: Input should be 'none', 'province'"),
    ("municipalities.network", "maybe", "municipalities.network: must be true or false"),
    ("municipalities.room_band_places", -1, "municipalities.room_band_places: Input should be greater than or equal"),
]


@pytest.mark.parametrize("path,value,message", BAD, ids=[b[0] for b in BAD])
def test_bad_front_and_network_input_gives_one_line_naming_the_field(path, value, message):
    d = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    target = d
    *parents, last = path.split(".")
    for p in parents:
        target = target[int(p)] if isinstance(target, list) else target[p]
    target[last] = value
    with pytest.raises(ScenarioError) as e:
        from_dict(d, "test.yaml")
    assert message.replace("Value error, ", "") in str(e.value) and "\n" not in str(e.value)


def test_front_actions_need_a_national_ladder_and_a_province_in_the_world():
    d = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    d["plan"]["scope"] = "province"
    d["plan"]["phases"][0]["actions"].append({"type": "onward_placement", "after_days": 3})
    with pytest.raises(ScenarioError, match=r"plan: Value error|plan: phases.0.actions.1: onward_placement acts on"):
        from_dict(d, "test.yaml")
    sc = load_scenario("baseline").model_copy(deep=True)
    sc.provinces = ["Groningen"]
    sc.plan.front[1].actions[2].province = "Zeeland"
    with pytest.raises(ScenarioError, match=r"plan.front.1.actions.2.province: 'Zeeland' is outside this world"):
        prepare(sc, days=5)


def test_in_mass_arrival_the_front_climbs_on_the_surges_sixth_day_and_gaps_stay_short(builtin_run):
    d = builtin_run("mass-arrival").daily
    front = d["front_phase"].values
    surge = 62                                    # 1 September 2025
    assert int(np.argmax(front >= 1)) == surge + 5 and front[:surge].max() == 0
    assert d["registration_capacity"].values[surge + 5 + 14 + 1] == 400   # +100 after 14 days
    # gaps: trigger 2 days + crisis places in 3 -- in most runs; a run whose municipalities and COA
    # deliver little of the phase-3 request (the scenario's own seed: 17 % and 32 %) can go longer
    longest, nights = [], []
    for seed in range(1, 6):
        unsheltered = simulate("mass-arrival", seed=seed).daily["unsheltered"].values
        runs = "".join("x" if n > 0 else " " for n in unsheltered).split()
        longest.append(max((len(r) for r in runs), default=0))
        nights.append(float(unsheltered.sum()))
    assert sum(n > 5 for n in longest) <= 1 and np.median(longest) <= 5
    assert np.median(nights) < 1000


def test_both_faces_identical_and_repeatable_with_the_front_and_the_network():
    from model.mesa_model import ReceptionModel

    m = ReceptionModel("mass-arrival", days=160)
    while m.running:
        m.step()
    headless = simulate("mass-arrival", days=160)
    assert m.results().daily.identical(headless.daily)
    assert headless.daily["front_phase"].values.max() >= 1 and headless.daily["phase"].values.max() >= 3
    assert m.results().events == headless.events == simulate("mass-arrival", days=160).events


def test_on_the_network_moves_go_to_the_nearest_of_the_locations_with_about_as_much_room():
    from agents.locations import Locations
    from model.placement import EmptiestFirst, NearestAmongEqual

    # four emergency locations in municipalities 0..3, free places 120, 110, 60, 30, at 100, 10,
    # 5 and 1 km from the household's municipality; bands of 50 places: A and B (2 bands) are
    # equally suitable and B is nearer; C (1 band) next; D (under one band) last, as ever
    L = Locations.from_columns(["A", "B", "C", "D"], kind=np.full(4, Kind.EMERGENCY), municipality=np.arange(4),
                               capacity=np.full(4, 200), life=np.full(4, Life.OPEN))
    vacancy = np.array([120, 110, 60, 30])
    km = np.array([100.0, 10.0, 5.0, 1.0])
    assert list(NearestAmongEqual(L, vacancy, km, 50)[Kind.EMERGENCY]) == [1, 0, 2, 3]
    # full locations are left out wherever they stand: B and D full -> A (2 bands), C (1 band)
    assert list(NearestAmongEqual(L, np.array([120, 0, 60, 0]), km, 50)[Kind.EMERGENCY]) == [0, 2]
    assert list(NearestAmongEqual(L, np.array([0, 0, 7, 0]), km, 50)[Kind.EMERGENCY]) == [2]   # one free
    assert list(NearestAmongEqual(L, np.zeros(4, int), km, 50)[Kind.EMERGENCY]) == []
    # the distances kept per kind (km_at) are those of the locations: the same order
    km_at: list = [None] * len(Kind)
    assert list(NearestAmongEqual(L, vacancy, km, 50, km_at=km_at)[Kind.EMERGENCY]) == [1, 0, 2, 3]
    assert list(km_at[Kind.EMERGENCY]) == [100.0, 10.0, 5.0, 1.0]
    assert list(EmptiestFirst(L, vacancy)[Kind.EMERGENCY]) == [0, 1, 2, 3]      # off the network

"""Whole runs on real data: mass balance, determinism, both faces identical, key behaviours."""

import numpy as np
import pytest

from agents.applicants import Stage
from agents.locations import Kind, Life
from model.mesa_model import ReceptionModel
from model.scenario import ScenarioError, builtin_names, load_scenario
from model.simulate import simulate


def _balance_ok(ds):
    pop = ds["population"].values
    prev = np.concatenate([[ds.attrs["initial_population"]], pop[:-1]])
    flow = ds["arrivals"] - ds["exits_housed"] - ds["exits_departed"] - ds["exits_transferred"]
    return np.array_equal(pop, prev + flow.values)


@pytest.mark.slow
@pytest.mark.parametrize("name", builtin_names())
def test_mass_balance_every_day_of_every_builtin_scenario(name, builtin_run):
    r = builtin_run(name)
    ds = r.daily
    assert _balance_ok(ds)
    assert (ds["unsheltered"] >= 0).all() and (ds["in_bed"] <= ds["capacity"]).all()
    assert np.array_equal(ds["population"], ds["persons_by_stage"].isel(stage=slice(0, int(Stage.HOUSED))).sum("stage"))
    # locations never hold more than their places (a closing location may still hold residents
    # waiting for a bed elsewhere, never more than its places; other locations hold nobody)
    L = r.locations
    holds = np.isin(L.life, (Life.OPEN, Life.CLOSING))
    assert (L.occupancy <= np.where(holds, L.capacity + L.extra, 0)).all()


def test_same_seed_same_results_other_seed_other_results():
    a = simulate("baseline", days=120)
    b = simulate("baseline", days=120)
    c = simulate("baseline", days=120, seed=7)
    assert a.daily.identical(b.daily)
    assert np.array_equal(a.moves_log.household, b.moves_log.household)
    assert not np.array_equal(a.daily["arrivals"].values, c.daily["arrivals"].values)


def test_mesa_face_is_bit_identical_to_headless():
    m = ReceptionModel("baseline", days=90)
    while m.running:
        m.step()
    assert m.steps == 90 and m.day == 90
    headless = simulate("baseline", days=90)
    assert m.results().daily.identical(headless.daily)
    assert len(m.municipality_agents) == 342
    assert sum(a.occupancy for a in m.location_agents) == int(headless.daily["in_bed"].values[-1])


def test_applicant_view_shows_path_with_reasons():
    m = ReceptionModel("baseline", days=30)
    for _ in range(30):
        m.step()
    p = m.state.people
    person = int(p.first[p.n - 200])      # someone who arrived in the run
    a = m.applicant(person)
    assert a.arrival_day >= 0
    assert a.path[0].reason == "intake" and a.path[0].origin == -1
    assert a.moves == sum(1 for st in a.path if st.origin >= 0 and st.destination >= 0)
    log = m.state.log                      # the path is the household's rows of the move log
    rows = np.flatnonzero(log.household == a.household)
    assert [st.day for st in a.path] == list(log.day[rows])
    assert [st.km for st in a.path] == [float(k) for k in log.km[rows]]
    assert a.household == int(p.household[person]) and a.minor == bool(p.minor[person])
    with pytest.raises(ScenarioError):
        m.applicant(10**9)


def test_baseline_starts_consistent_with_the_national_strategy(baseline):
    r = simulate(baseline, days=1)
    ds = r.daily
    pop = ds.attrs["initial_population"]
    assert pop == baseline.initial.entitled_persons
    stage = ds["persons_by_stage"].isel(day=0)
    assert 0.22 < stage.sel(stage="permit").item() / pop < 0.28         # about 25 % permit holders
    temp = ds["occupancy_by_kind"].isel(day=0).sel(kind=["emergency", "crisis"]).sum().item()
    assert 0.40 < temp / pop < 0.50                                       # almost half in emergency


def test_unsheltered_are_counted_not_dropped_when_capacity_is_lost():
    sc = load_scenario("baseline")
    sc = sc.model_copy(deep=True)
    from model.scenario import Event
    import datetime as dt
    sc.events = [Event(date=dt.date(2025, 7, 11), action="close", kind="emergency", places=20000)]
    r = simulate(sc, days=20)
    ds = r.daily
    assert _balance_ok(ds)
    assert ds["unsheltered"].values[9] < 500
    assert ds["unsheltered"].values[10] > 10000
    moved = r.moves_frame()
    assert (moved["reason"] == "location_closing").sum() > 0


def test_a_closure_says_in_the_event_log_what_it_closed():
    """A `close` closes whole locations, largest first, until the places asked are gone; the event
    log says how many places and locations closed and why that differs from what was asked (a
    province may hold fewer: force-majeure's flood asks 4,000 of Gelderland's regular places)."""
    import datetime as dt

    from model.scenario import Event
    from model.simulate import prepare

    sc = load_scenario("baseline").model_copy(deep=True)
    sc.provinces = ["Groningen", "Drenthe"]
    s = prepare(sc, days=3)
    regular = (s.locs.kind == Kind.REGULAR) & (s.locs.life == Life.OPEN)
    in_drenthe = regular & (s.munis.province[s.locs.municipality] == s.world.provinces.index("Drenthe"))
    caps = np.sort(s.locs.capacity[in_drenthe])[::-1]
    sc.events = [Event(date=dt.date(2025, 7, 2), action="close", kind="regular", province="Drenthe",
                       places=int(caps[0]) + 1, label="flood"),
                 Event(date=dt.date(2025, 7, 2), action="close", kind="regular", province="Groningen",
                       places=10_000_000)]
    r = simulate(sc, days=3)
    closures = [e["detail"] for e in r.events if e["what"] == "close regular"]
    two = int(caps[0] + caps[1])       # the largest is one place short: the next largest closes too
    in_groningen = regular & (s.munis.province[s.locs.municipality] == s.world.provinces.index("Groningen"))
    assert closures == [f"flood: {two:,} regular places in 2 locations closed ({int(caps[0]) + 1:,} asked: "
                        f"whole locations close)",
                        f"{int(s.locs.capacity[in_groningen].sum()):,} regular places in "
                        f"{int(in_groningen.sum())} locations closed (10,000,000 asked: no more were open in "
                        f"Groningen)"]


def test_initial_stock_has_an_adult_in_every_household_but_unaccompanied_minors(baseline):
    from agents.applicants import Flag
    from model.simulate import prepare

    for persons in (70000, 70001, 70002, 70003):      # different trims of the last household
        sc = baseline.model_copy(deep=True)
        sc.initial.entitled_persons = persons
        p = prepare(sc, days=1).people
        assert int(p.size.sum()) == persons
        uam = (p.flags & Flag.UNACCOMPANIED_MINOR) > 0
        assert (p.children[~uam] < p.size[~uam]).all() and (p.children[uam] == 1).all()


def test_a_recorder_made_longer_mid_run_records_the_days_a_longer_run_records():
    # the recorder keeps its daily scalars in one table; `extend` (a restored run that goes on
    # beyond its horizon) must keep what was recorded and go on recording where it left off
    from model.rulebook import run_day
    from model.simulate import prepare
    from model.world import build_world

    world = build_world(load_scenario("baseline"))
    short = prepare("baseline", None, 6, world)
    for _ in range(6):
        run_day(short)
    short.recorder.extend(12)
    for _ in range(6):
        run_day(short)
    long = prepare("baseline", None, 12, world)
    for _ in range(12):
        run_day(long)
    for name, a in long.recorder.scalars.items():
        assert np.array_equal(short.recorder.scalars[name], a, equal_nan=True), name
    assert short.recorder.scalars["population"][11] > 0


def test_a_world_built_for_another_scenario_is_refused_not_silently_rebuilt():
    """A world given to a run must serve it (the scenario differs at most in seed and a shorter
    horizon); before, another world was built in its place without a word."""
    from model.world import build_world

    w = build_world(load_scenario("baseline").model_copy(update={"horizon_days": 10}))
    assert simulate("baseline", seed=4, days=5, world=w).daily.sizes["day"] == 5        # serves: used
    with pytest.raises(ScenarioError, match=r"^world: the given world does not serve this scenario "
                                            r"\(horizon_days 20 is longer than the world's 10\); build one"):
        simulate("baseline", seed=4, days=20, world=w)
    with pytest.raises(ScenarioError, match=r"^world: the given world does not serve this scenario \(name, "):
        simulate("mass-arrival", days=5, world=w)
    with pytest.raises(ScenarioError, match=r"^world: the given world does not serve this scenario"):
        ReceptionModel("mass-arrival", days=5, world=w)


def test_a_province_worlds_summary_says_its_figures_are_not_the_provinces_share():
    # `provinces: [Zeeland]` on baseline holds the national stock of 70,000 in Zeeland's municipalities:
    # the summary's "start 70,000" must not read as Zeeland's own figure
    sc = load_scenario("baseline").model_copy(update={"provinces": ["Zeeland"], "horizon_days": 3})
    text = simulate(sc, days=3).summary()
    assert "World: only Zeeland; inflow, stock and places are the scenario's figures as given" in text
    assert "World:" not in simulate(load_scenario("baseline"), days=3).summary()


def test_the_summary_s_location_count_says_what_it_counts():
    """The README speaks of about 250 locations; the summary's 373 is every location the run's
    portfolio held (reserve, replacement sites and openings included), and it says so."""
    res = simulate(load_scenario("baseline"), days=3)
    line = next(x for x in res.summary().splitlines() if x.strip().startswith("Locations"))
    open_now = int((res.locations.life == 1).sum())
    assert 200 < open_now < res.locations.n
    assert line == (f"  Locations (synthetic portfolio): {open_now} open at the end, of {res.locations.n} in the "
                    "portfolio over the run (reserve, replacement sites and openings included)")


def test_the_summary_s_plan_line_counts_days_per_phase_in_words():
    """Eight days: phases 0 1 1 2 4 4 3 0. It read 'highest phase 4 (crisis emergency reception
    (crisisnoodopvang)), …; phase 1 2 d, phase 2 1 d, …': parentheses in parentheses and 'd'."""
    import numpy as np

    from model.results import _phase_line

    assert _phase_line(np.array([0, 1, 1, 2, 4, 4, 3, 0])) == (
        "highest phase 4, crisis emergency reception (crisisnoodopvang), first on day 4; "
        "days in phase 1: 2, 2: 1, 3: 1, 4: 2")
    assert _phase_line(np.zeros(5, int)) == "stayed in phase 0 (normal)"

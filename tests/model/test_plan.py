"""The contingency-plan ladder on hand-made indicator series, and the plan's actions on a state."""


import itertools
import typing

import numpy as np
import pytest

from agents.keyed import round_key
from agents.locations import Kind, Life
from model.plan import ACTIONS, Ladder, PlanRuntime
from model.scenario import Action, ActionType, Phase, Trigger, load_scenario
from model.simulate import prepare


def _phase(name, up, down, dwell=0):
    return Phase(name=name, activate=up, deactivate=down, min_dwell_days=dwell)


def _run(ladder, series, name="occupancy"):
    """Feed one indicator series (national) and return the phase after each day."""
    out = []
    for day, v in enumerate(series):
        ladder.update(day, {name: np.array([v])})
        out.append(int(ladder.phase[0]))
    return out


def test_trigger_fires_only_after_its_number_of_days():
    p1 = _phase("raised", [Trigger(indicator="occupancy", above=0.95, days=3)],
                [Trigger(indicator="occupancy", below=0.9, days=2)])
    lad = Ladder([p1], 1)
    # above on days 0,1 then a dip resets the count; above again on days 3,4,5 -> fires on day 5
    assert _run(lad, [0.96, 0.97, 0.94, 0.96, 0.96, 0.96, 0.96]) == [0, 0, 0, 0, 0, 1, 1]


def test_deactivation_needs_all_triggers_and_the_minimum_dwell():
    p1 = _phase("raised", [Trigger(indicator="occupancy", above=0.95, days=1)],
                [Trigger(indicator="occupancy", below=0.9, days=2)], dwell=5)
    lad = Ladder([p1], 1)
    # up on day 0; below 0.9 from day 1: two days held by day 2, but dwell 5 -> down on day 5
    assert _run(lad, [0.96, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]) == [1, 1, 1, 1, 1, 0, 0]
    two = _phase("two", [Trigger(indicator="occupancy", above=0.95, days=1)],
                 [Trigger(indicator="occupancy", below=0.9, days=1),
                  Trigger(indicator="unsheltered", below=1, days=1)])
    lad = Ladder([two], 1)
    lad.update(0, {"occupancy": np.array([0.99]), "unsheltered": np.array([50])})
    lad.update(1, {"occupancy": np.array([0.5]), "unsheltered": np.array([50])})   # one of two holds
    assert lad.phase[0] == 1
    lad.update(2, {"occupancy": np.array([0.5]), "unsheltered": np.array([0])})
    assert lad.phase[0] == 0


def test_a_ladder_keeps_todays_phases_as_a_list_after_its_changes():
    up = _phase("up", [Trigger(indicator="occupancy", above=0.95, days=1)],
                [Trigger(indicator="occupancy", below=0.9, days=1)])
    lad = Ladder([up], 3)
    lad.update(0, {"occupancy": np.array([0.99, 0.5, 0.97])})     # units 0 and 2 go up today
    assert lad.now == [1, 0, 1] == lad.phase.tolist()
    lad.update(1, {"occupancy": np.array([0.99, 0.99, 0.97])})    # unit 1 follows; 0 and 2 stay
    assert lad.now == [1, 1, 1] == lad.phase.tolist()


def test_no_flapping_under_a_noisy_indicator():
    p1 = _phase("raised", [Trigger(indicator="occupancy", above=0.95, days=3)],
                [Trigger(indicator="occupancy", below=0.85, days=7)], dwell=14)
    lad = Ladder([p1], 1)
    rng = np.random.default_rng(1)
    noisy = np.tile([0.97, 0.96, 0.93], 70)                       # above two days, then a dip, again and again
    phases = _run(lad, noisy)
    assert max(phases) == 0                                       # never three days in a row above
    hovering = np.r_[np.full(5, 0.97), 0.9 + rng.normal(0, 0.03, 300)]  # then noise around 0.9
    lad = Ladder([p1], 1)
    phases = _run(lad, hovering)
    assert phases[2] == 1 and min(phases[2:]) == 1                # hysteresis: stays up, no flapping
    assert sum(a != b for a, b in itertools.pairwise(phases)) == 1


def test_a_phase_does_not_step_down_while_a_reason_to_be_there_holds():
    # crisis reception: up when every bed is full OR many are without a bed; down on "nobody without
    # a bed" for 3 days alone. Full beds with nobody outside (the crisis places hold them) keep it up,
    # and so does a bed count that dips below full and comes back within the 3-day window.
    crisis = _phase("crisis", [Trigger(indicator="occupancy", above=0.995, days=2),
                               Trigger(indicator="unsheltered", above=500, days=2)],
                    [Trigger(indicator="unsheltered", below=1, days=3)], dwell=2)
    lad = Ladder([crisis], 1)
    occupancy = [0.99, 0.99, 1.0, 1.0, 1.0, 1.0, 0.99, 0.99, 1.0, 0.99, 0.99, 0.99, 0.99]
    unsheltered = [600, 600] + [0] * 11
    phases = []
    for day, (o, n) in enumerate(zip(occupancy, unsheltered)):
        lad.update(day, {"occupancy": np.array([o]), "unsheltered": np.array([n])})
        phases.append(int(lad.phase[0]))
    # up on day 1 (>= 500 without a bed for 2 days). Nobody outside from day 2 (3 days held on day 4,
    # dwell passed), but the beds are full on days 2-5 and again on day 8: the activation triggers are
    # clear for 3 days in a row only on day 11 -> down on day 11. (Without the rule: down on day 4, up
    # again on day 5, the beds full two days running.)
    assert phases == [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]


def test_a_down_threshold_written_past_the_up_threshold_reads_as_the_up_threshold():
    # A ladder whose thresholds cross (a sweep samples them: plan-thresholds) is read as the plan's
    # steps: a rung comes down when fewer beds are needed ("Als er minder bedden nodig zijn dan wordt in
    # omgekeerde volgorde afgeschaald", seed 002), never while its own reason to climb holds. Up at
    # occupancy >= 0.97 (1 day); down written at < 0.99 for 3 days, above the up-threshold: it holds
    # from the first day at 0.98, but the rung stays until occupancy has been below 0.97 for 3 days,
    # exactly as a ladder written with the down-threshold at the up-threshold (0.97)
    occupancy = [0.98, 0.98, 0.98, 0.98, 0.96, 0.98, 0.96, 0.96, 0.96, 0.96, 0.995, 0.95, 0.95, 0.95, 0.95]
    up = [Trigger(indicator="occupancy", above=0.97, days=1)]
    crossing = Ladder([_phase("raised", up, [Trigger(indicator="occupancy", below=0.99, days=3)])], 1)
    at_up = Ladder([_phase("raised", up, [Trigger(indicator="occupancy", below=0.97, days=3)])], 1)
    expected = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0]
    assert _run(crossing, occupancy) == _run(at_up, occupancy) == expected


def test_ladder_climbs_one_rung_a_day_and_comes_down_in_reverse():
    up = [Trigger(indicator="occupancy", above=1.0, days=1)]
    down = [Trigger(indicator="occupancy", below=0.5, days=1)]
    lad = Ladder([_phase(f"p{i}", up, down) for i in range(4)], 1)
    assert _run(lad, [1.2] * 5 + [0.1] * 5) == [1, 2, 3, 4, 4, 3, 2, 1, 0, 0]


def test_a_jump_in_occupancy_climbs_every_rung_in_order_without_waiting_again():
    # the plan scales up in its agreed steps, in order ("via vooraf besproken stappen ... Als er minder
    # bedden nodig zijn dan wordt in omgekeerde volgorde afgeschaald", seed 002): occupancy jumps to 1.0
    # on day 0, past every rung's threshold. Each trigger counts its days from day 0 whatever the
    # phase, so rung 1 (5 days) comes on day 4, rung 2 (5 days) on day 5 and rung 3 (7 days) on day 6:
    # one rung a day, with no rung's count started again when the rung below is reached
    down = [Trigger(indicator="occupancy", below=0.5, days=1)]
    lad = Ladder([_phase("raise", [Trigger(indicator="occupancy", above=0.97, days=5)], down),
                  _phase("reserve", [Trigger(indicator="occupancy", above=0.97, days=5)], down),
                  _phase("emergency", [Trigger(indicator="occupancy", above=0.99, days=7)], down)], 1)
    assert _run(lad, [1.0] * 8) == [0, 0, 0, 0, 1, 2, 3, 3]


def test_province_units_climb_their_own_ladders():
    lad = Ladder([_phase("raised", [Trigger(indicator="occupancy", above=0.95, days=2)],
                         [Trigger(indicator="occupancy", below=0.9, days=1)])], 3)
    for day in range(2):
        lad.update(day, {"occupancy": np.array([0.99, 0.5, 0.96])})
    assert list(lad.phase) == [1, 0, 1]


def test_raise_occupancy_adds_places_up_to_the_maximum_and_scale_down_drains():
    s = prepare("baseline", days=10)
    s.plan = PlanRuntime(s, s.sc.plan)
    L = s.locs
    a = Action(type="raise_occupancy", kinds=["regular"], factor=1.15)
    regular = np.flatnonzero((L.kind == Kind.REGULAR) & (L.life == Life.OPEN))
    raised = np.floor(L.capacity[regular] * 1.15).astype(int)
    expected = np.minimum(L.max_capacity[regular], raised) - L.capacity[regular]
    done = s.plan._do_raise_occupancy(s, 0, -1, a)   # unit -1: national
    assert np.array_equal(L.extra[regular], expected)
    assert (L.extra[L.kind != Kind.REGULAR] == 0).all()
    L.occupancy[regular[0]] = L.capacity[regular[0]] + 3       # three residents above the normal norm
    s.plan._undo_raise_occupancy(s, 1, done)
    assert L.extra[regular[0]] == 3 and (L.extra[regular[1:]] == 0).all()   # nobody evicted
    L.occupancy[regular[0]] -= 2
    s.plan._drain_raised(s)
    assert L.extra[regular[0]] == 1


def test_a_request_is_made_again_on_the_first_day_it_is_due_and_needed(monkeypatch):
    # asked on day 0 with repeat_days 28; on day 28 the phase is not needed (no activation trigger
    # holds), on day 30 it is: asked again on day 30 -- not after another 28 days (day 56)
    s = prepare("baseline", days=60)
    s.plan = PlanRuntime(s, s.sc.plan)
    a = Action(type="request_places", kind="crisis", places=100, via="safety_regions", lead_time_days=3,
               repeat_days=28)
    first = s.plan._do_request_places(s, 0, -1, a)
    s.plan.done[("phases", 0, 4)] = [first]
    needed_on = {30, 31}
    monkeypatch.setattr(s.plan, "_still_needed", lambda ladder, unit, phase: day in needed_on)
    asked = []
    for day in range(1, 60):
        before = s.plan.done[("phases", 0, 4)][0]
        s.plan._reissue_expired(s, day)
        if s.plan.done[("phases", 0, 4)][0] is not before:
            asked.append(day)
    assert asked == [30]
    assert s.plan.done[("phases", 0, 4)][0].opened_day == 30


def test_requests_deliver_part_of_what_is_asked_like_history():
    """2020: 5,000 asked, 800 delivered; 2024: 30 % of an urgent request -> same order, on average
    over runs; and each run's municipalities answer for themselves (the answers are drawn from the
    run's seed: they were once the same in every run)."""
    delivered = []
    for seed in range(1, 9):
        s = prepare("baseline", seed=seed, days=10)
        s.plan = PlanRuntime(s, s.sc.plan)
        a = Action(type="request_places", kind="emergency", places=5000, via="provinces", lead_time_days=30)
        n0 = s.locs.n
        done = s.plan._do_request_places(s, 0, -1, a)
        delivered.append(int(s.locs.capacity[done.locations].sum()))
        assert (s.locs.life[n0:] == Life.PLANNED).all() and (s.locs.open_day[n0:] == 30).all()
        assert s.event_log[-1]["what"] == "request emergency places via provinces"
        assert s.munis.accepted.sum() == len(done.locations)
    assert 0.1 * 5000 <= np.mean(delivered) <= 0.5 * 5000
    assert len(set(delivered)) > 4


def test_round_keys_differ_by_run_site_and_round_and_repeat():
    keys = {round_key(stream, site, r) for stream in (0, 1, 2**63) for site in (1, 2, 3) for r in (1, 2, 3)}
    assert len(keys) == 27 and all(0 <= k < 2**64 for k in keys)
    assert round_key(5, 3, 2) == round_key(5, 3, 2)
    a, b = prepare("baseline", seed=1, days=1), prepare("baseline", seed=2, days=1)
    assert a.answer_key != b.answer_key and prepare("baseline", seed=1, days=1).answer_key == a.answer_key


def test_scale_down_in_reverse_order_in_a_full_run(builtin_run):
    r = builtin_run("mass-arrival")
    phase = r.daily["phase"].values
    assert phase.max() >= 3                                    # reaches emergency reception
    assert set(np.abs(np.diff(phase))) <= {0, 1}              # one rung at a time
    first_top = int(np.argmax(phase == phase.max()))
    assert (phase[first_top:] < phase.max()).any()            # and comes back down
    # the phase ladder's first step down is from its top (the front ladder steps on its own)
    downs = [e for e in r.events if e["what"].startswith("scale-down from phase")]
    assert downs and downs[0]["what"].startswith(f"scale-down from phase {phase.max()}")


def test_raised_occupancy_steps_down_above_the_line_the_portfolio_holds():
    """The portfolio replaces an ended contract only while the people entitled to a bed would fill more
    than `portfolio.replace_at_occupancy` of the normal places, so a calm chain runs at that line: a
    phase-1 step-down on `occupancy_normal` below it could never be reached (at 0.92 against 0.95 the
    phase was in force on 719 of 730 days in every scenario)."""
    for name in ("baseline", "stable-stock", "flex-only", "pact-2026", "mass-arrival"):
        sc = load_scenario(name)
        down = [t.below for t in sc.plan.phases[0].deactivate if t.indicator == "occupancy_normal"]
        assert down and down[0] > sc.portfolio.replace_at_occupancy, name


def test_a_calm_chain_leaves_raised_occupancy(builtin_run):
    """In baseline (recent inflow, no shock) the normal places fill above 0.97 in the first weeks and
    phase 1 comes on; once the portfolio has brought them back to its line it steps down and stays down."""
    phase = builtin_run("baseline").daily["phase"].values
    assert phase[:60].max() == 1                                 # on in the first weeks
    assert phase.max() == 1 and phase[-180:].max() == 0         # off for the last half-year at least


def test_province_scope_reads_each_province_own_occupancy():
    sc = load_scenario("baseline").model_copy(deep=True)
    sc.plan.scope = "province"
    s = prepare(sc, days=10)
    rt = s.plan
    assert rt.n_units == 12
    values = rt.indicators(s, 0)
    L = s.locs
    prov = s.munis.province[L.municipality]
    p = s.world.provinces.index("Zeeland")
    housing = (prov == p) & ~np.isin(L.kind, [Kind.CENTRAL, Kind.BORDER])
    normal = L.capacity[housing & (L.life == Life.OPEN)].sum()
    assert values["occupancy_normal"][p] == pytest.approx(L.occupancy[housing].sum() / normal)
    assert values["unsheltered"].shape == (12,)


def _requests(scope: str, action: Action) -> list[int]:
    """Places asked by one decision of the plan on the same state (a fresh copy each time): one
    national request, or one per province (all provinces at once)."""
    import copy

    base = prepare("baseline", days=10)
    plan = base.sc.plan.model_copy(deep=True)
    plan.scope = scope
    units = [-1] if scope == "national" else range(len(base.world.provinces))
    out = []
    for unit in units:
        s = copy.deepcopy(base)
        rt = PlanRuntime(s, plan)
        out.append(getattr(rt, f"_do_{action.type}")(s, 0, unit, action).asked)
    return out


def test_province_requests_split_the_national_request_by_the_key():
    # 1,000 places contracted by COA: the key is the provincial distribution of 1 Jan 2024
    # (COA's twelve rows, 77,070 places); each province asks floor(1,000 x its share): Drenthe 3,553 -> 46,
    # Flevoland 44, Friesland 48, Gelderland 98, Groningen 49, Limburg 56, Noord-Brabant 125,
    # Noord-Holland 148, Overijssel 52, Utrecht 62, Zeeland 19, Zuid-Holland 19,097 -> 247: 994
    coa = Action(type="request_places", kind="emergency", places=1000, via="coa", success_rate=1.0)
    provinces = _requests("province", coa)
    assert provinces == [46, 44, 48, 98, 49, 56, 125, 148, 52, 62, 19, 247]
    assert sum(provinces) == 994 and _requests("national", coa) == [1000]
    for action in (Action(type="request_places", kind="emergency", places=10000, via="provinces"),
                   Action(type="request_places", kind="crisis", places=5625, via="safety_regions"),
                   Action(type="activate_reserve", places=3000)):
        assert sum(_requests("province", action)) <= _requests("national", action)[0]


def _coa_places_by_province(provinces: list[str], places: int, key: list[float] | None = None) -> list[int]:
    """Places COA contracts in each province for one national request (every contract succeeds) in
    a world of `provinces`; `key`: the distribution key (None: the packaged targets)."""
    sc = load_scenario("baseline").model_copy(deep=True)
    sc.provinces = provinces
    s = prepare(sc, days=10)
    rt = PlanRuntime(s, s.sc.plan)
    if key is not None:
        rt.key = np.array(key, float)
    a = Action(type="request_places", kind="emergency", places=places, via="coa", success_rate=1.0)
    done = rt._do_request_places(s, 0, -1, a)
    province = s.munis.province[s.locs.municipality[done.locations]]
    return [int(s.locs.capacity[done.locations][province == p].sum()) for p in range(len(provinces))]


def test_a_national_request_leaves_no_province_more_than_one_place_over_its_share():
    # A country without published targets splits by equal shares: 1,001 places over three provinces
    # are 333.67 each; rounded down 333, and the two places left go one each to the first two (largest
    # remainder, as the national opens of events do), not both to the first (it asked 335)
    assert _coa_places_by_province(["Drenthe", "Friesland", "Groningen"], 1001, key=[1, 1, 1]) == [334, 334, 333]
    # the packaged key (COA's rows, 77,070 places): 5,000 places by COA in the twelve provinces are each
    # province's exact share rounded down or up (Zuid-Holland 19,097 / 77,070 x 5,000 = 1,238.94 ->
    # 1,239; it was given all seven places left, 1,245)
    from model import data
    targets = data.provincial_targets("nl")
    names = sorted(targets)
    got = _coa_places_by_province(names, 5000)
    exact = [5000 * targets[p] / sum(targets.values()) for p in names]
    assert sum(got) == 5000
    assert all(np.floor(e) <= g <= np.ceil(e) for g, e in zip(got, exact)), list(zip(names, got, exact))
    assert got[names.index("Zuid-Holland")] == 1239


@pytest.mark.parametrize("network,delivered", [(True, 1000), (False, 480)])
def test_a_province_that_cannot_place_its_share_passes_it_to_its_neighbour(network, delivered):
    sc = load_scenario("baseline").model_copy(deep=True)
    sc.provinces = ["Drenthe", "Groningen"]
    sc.municipalities.network = network
    sc.municipalities.neighbour_weight = 0.0      # answers here depend on the tables only
    sc.municipalities.load_weight = 0.0
    s = prepare(sc, days=10)
    m = s.munis
    m.willingness[:] = m.base_willingness[:] = (m.province == 0)   # Drenthe always accepts, Groningen never
    rt = PlanRuntime(s, s.sc.plan)
    # key: Drenthe 3,553, Groningen 3,851 places -> exact shares 479.9 and 520.1: rounded down 479
    # and 520, the place left to the larger fraction, Drenthe's: 480 and 520. Groningen's two asked
    # and the two it re-offers to refuse; on the network its table passes the 520 to Drenthe, whose
    # next two municipalities accept them.
    a = Action(type="request_places", kind="emergency", places=1000, via="provinces")
    done = rt._do_request_places(s, 0, -1, a)
    assert int(s.locs.capacity[done.locations].sum()) == delivered
    passed = [e for e in s.event_log if e["what"] == "pass unplaced places to neighbouring tables"]
    if network:
        detail = "520 emergency places refused in Groningen offered to Drenthe: 520 accepted"
        assert [e["detail"] for e in passed] == [detail]
        assert (m.refused[m.province == 1] > 0).sum() == 4
    else:
        assert passed == [] and (m.refused[m.province == 1] > 0).sum() == 2


def test_every_action_type_has_a_do_and_an_undo_in_the_registry():
    # the scenario's ActionType literal and model.plan.ACTIONS name the same actions (a new type
    # without its rule, or a rule for a type the loader refuses, stops the import already)
    assert set(ACTIONS) == set(typing.get_args(ActionType))
    for name, rule in ACTIONS.items():
        assert rule.do.__name__ == f"_do_{name}" and rule.undo.__name__ == f"_undo_{name}"


def _closing_world(minors_free: int, closing_residents: int):
    """Five locations: two plan emergency locations to close (residents 50 and 30; the first the
    costlier), a regular location with 100 free places, a minors' location (amv) with
    `minors_free` free places, and an emergency location already closing with
    `closing_residents` persons still in it."""
    from types import SimpleNamespace

    from agents.locations import Locations

    L = Locations.from_columns(
        ["plan 1", "plan 2", "azc", "amv", "closing"],
        kind=[Kind.EMERGENCY, Kind.EMERGENCY, Kind.REGULAR, Kind.MINORS, Kind.EMERGENCY],
        capacity=[100, 100, 300, 200, 100], life=[Life.OPEN, Life.OPEN, Life.OPEN, Life.OPEN, Life.CLOSING],
        occupancy=[50, 30, 200, 200 - minors_free, closing_residents], cost_person_night=[300, 200, 100, 150, 100])
    return SimpleNamespace(locs=L, params=SimpleNamespace(placement=SimpleNamespace(policy="standard")))


@pytest.mark.parametrize("minors_free,closing_residents,closed", [
    # the azc's 100 free places, halved: room for 50 -> the costlier plan location (50) closes,
    # the other (50 + 30 = 80 > 50) is kept until its contract ends
    (0, 0, [0]),
    # empty amv places are no room for the families and adults of emergency places: still 50
    # (counted, they made room for 150 and both closed)
    (200, 0, [0]),
    # 20 persons in a closing location claim the azc's places first: (100 - 20) / 2 = 40, room for
    # neither (counted as free, the 50 closed)
    (0, 20, []),
    # 100 claimed: nothing left
    (200, 100, []),
])
def test_scale_down_closes_plan_places_only_into_room_the_residents_can_use(minors_free, closing_residents, closed):
    s = _closing_world(minors_free, closing_residents)
    closable, kept = PlanRuntime._closable(s, np.array([1, 0]))
    assert sorted(closable.tolist()) == closed
    assert sorted(kept.tolist()) == sorted({0, 1} - set(closed))

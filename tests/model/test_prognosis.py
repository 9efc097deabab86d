"""The prognosis ensemble: deterministic, members differ in what is unknown at the origin, and its
bands and places needed are what the docs say (worked by hand)."""

import numpy as np
import pytest

from model import prognosis as pg
from model import snapshot
from model.rulebook import run_day
from model.simulate import prepare
from model.world import build_world


@pytest.fixture(scope="module")
def origin():
    s = prepare("mass-arrival", days=60)
    for _ in range(60):
        run_day(s)
    world = build_world(s.world.scenario.model_copy(update={"horizon_days": 120}))
    return s, snapshot.capture(s), world


def test_same_seed_same_prognosis_and_members_differ(origin):
    _, snap, world = origin
    a = pg.prognose(pg.FromSnapshot(snap, world), 30, 3, seed=5)
    b = pg.prognose(pg.FromSnapshot(snap, world), 30, 3, seed=5)
    assert np.array_equal(a.population, b.population) and np.array_equal(a.occupancy_by_kind, b.occupancy_by_kind)
    assert len({tuple(r) for r in a.population}) == 3                # fresh streams and keys per member
    assert a.dates[0] == world.dates[60] and len(a.dates) == 30
    assert a.population.shape == (3, 30) and a.occupancy_by_province.shape == (3, 30, len(world.provinces))


def test_members_redraw_the_keys_that_decide_each_households_future(origin):
    s, snap, world = origin
    member = pg.FromSnapshot(snap, world).member(world, np.random.SeedSequence(1))
    kept = pg.FromSnapshot(snap, world, rekey=False).member(world, np.random.SeedSequence(1))
    n = s.people.n
    assert np.array_equal(kept.people._h["key"][:n], s.people._h["key"][:n])
    assert np.mean(member.people._h["key"][:n] == s.people._h["key"][:n]) < 0.01
    assert member.arrivals_key != s.arrivals_key and member.homes_key != s.homes_key
    quiet = pg.FromSnapshot(snap, world, policy=False).member(world, np.random.SeedSequence(1))
    assert quiet.extensions == [] and member.extensions != []


def test_inflow_multipliers_scale_expected_arrivals_from_the_origin_on(origin):
    _, snap, world = origin
    m = np.full(30, 2.0)
    scaled = pg.scaled_inflow(world, 60, m)
    assert np.array_equal(scaled.inflow.first[:60], world.inflow.first[:60])
    assert np.allclose(scaled.inflow.first[60:90], 2 * world.inflow.first[60:90])
    assert np.array_equal(scaled.inflow.family[90:], world.inflow.family[90:])
    assert scaled.network is world.network
    doubled = pg.prognose(pg.FromSnapshot(snap, world), 30, 2, seed=1, inflow_multipliers=np.full((2, 30), 2.0))
    plain = pg.prognose(pg.FromSnapshot(snap, world), 30, 2, seed=1)
    assert (doubled.population[:, -1] > plain.population[:, -1]).all()


def test_band_is_the_weibull_quantile_and_places_needed_divide_by_the_target():
    # 19 members holding 1..19: the k-th of n sits at k/(n+1) = k/20, so p05 = 1st, median = 10th, p95 = 19th
    values = np.arange(1.0, 20.0)[:, None]
    assert list(pg.band(values, [0.05, 0.5, 0.95])[:, 0]) == [1.0, 10.0, 19.0]
    one = np.ones((1, 1))
    p = pg.Prognosis(0, [None], population=95 * one, permit_holders=one, unsheltered=19 * one,
                     occupancy_by_kind=np.array([[[38.0, 38.0]]]), capacity_by_kind=np.array([[[40.0, 50.0]]]),
                     occupancy_by_province=np.array([[[76.0]]]), capacity_by_province=np.array([[[90.0]]]),
                     provinces=["P"], kinds=["a", "b"])
    need = p.places_needed(0.95)
    assert need["national"][0, 0] == pytest.approx(100.0)            # 95 persons / 0.95
    assert list(need["by_kind"][0, 0]) == pytest.approx([40.0, 40.0])
    assert need["by_province"][0, 0, 0] == pytest.approx(80.0) and need["no_bed"][0, 0] == pytest.approx(20.0)
    assert p.shortfall(0.95)[0, 0] == pytest.approx(100.0 - 90.0)    # places needed - (40 + 50) places
    with pytest.raises(ValueError, match="occupancy"):
        p.places_needed(1.2)


def test_a_world_too_short_for_the_prognosis_is_refused(origin):
    _, snap, world = origin
    with pytest.raises(ValueError, match="world covers 120 days, the prognosis needs 160"):
        pg.prognose(pg.FromSnapshot(snap, world), 100, 1, seed=1)


# --- the plan reads the prognosis (prognosis_shortfall) ------------------------------------------

def _with_prognosis_trigger(above: float, days: int = 30, every: int = 10):
    """Baseline (full scale) for `days` days whose phase 1 (raised occupancy) also activates on
    prognosis_shortfall >= `above` for 3 days; a prognosis every `every` days, 2 members, 2 weeks."""
    from model.scenario import from_dict, load_scenario

    phases = load_scenario("baseline").plan.model_dump()["phases"]
    phases[0]["activate"].append({"indicator": "prognosis_shortfall", "above": above, "days": 3})
    return from_dict({"extends": "baseline", "name": "prognosis-trigger", "horizon_days": days,
                      "plan": {"phases": phases, "prognosis_members": 2, "prognosis_every_days": every,
                               "forecast_weeks": 2}}, "test")


def test_recent_inflow_keeps_the_past_and_splits_the_recent_rate_as_the_plan_did():
    s = prepare("baseline", days=40)
    w = s.world
    new = pg.recent_inflow(w, 20, 10, 90.0)
    # days 10..20 of the plan: first f, family g per day on average; from day 21 on 90 a day split f:g
    f, g = w.inflow.first[10:21].mean(), w.inflow.family[10:21].mean()
    assert np.array_equal(new.inflow.first[:21], w.inflow.first[:21])
    assert new.inflow.first[21] == pytest.approx(90 * f / (f + g))
    assert new.inflow.family[39] == pytest.approx(90 * g / (f + g))
    assert new.inflow.first[21] + new.inflow.family[21] == pytest.approx(90.0)


def test_the_trigger_fires_on_a_hand_made_prognosis_and_reads_it_every_so_many_days(monkeypatch):
    from model import plan

    calls = []

    def hand_made(s, day, days, members, window_days, quantile):
        if s.sc.name == "prognosis-trigger":         # the run under test, not its twin below
            calls.append((day, days, members, window_days, quantile))
        return 1e6                                  # a million persons in two weeks: far beyond any places

    monkeypatch.setattr(pg, "persons_ahead", hand_made)
    twin = _with_prognosis_trigger(above=1e9).model_copy(update={"name": "twin"})   # its trigger never holds
    plain = prepare(twin, days=30)
    s = prepare(_with_prognosis_trigger(above=0), days=30)
    for _ in range(12):
        run_day(s)
        run_day(plain)
    # a prognosis on day 0 (2 weeks ahead, 2 members, the 28-day window, the median), then day 10;
    # the shortfall (1e6 - places) holds from day 0, so after 3 days (0, 1, 2) phase 1 is on: day 2
    assert [c[0] for c in calls] == [0, 10] and calls[0][1:] == (14, 2, 28, 0.5)
    phase = s.recorder.extra["phase"]
    assert list(phase[:4]) == [0, 0, 1, 1] and plain.recorder.extra["phase"][:4].max() == 0
    up = [e for e in s.event_log if e["source"] == "plan" and e["what"].startswith("scale-up")]
    assert up[0]["day"] == 2 and up[0]["detail"].startswith("trigger: prognosis_shortfall >= 0 for 3 days")
    places = int(s.locs.places().sum()) + int(s.locs.capacity[s.locs.life == plan.Life.PLANNED].sum())
    assert s.plan.indicators(s, 12)["prognosis_shortfall"][0] == pytest.approx(1e6 - places)


def test_a_prognosis_leaves_the_run_untouched_and_a_restored_run_ends_identical(tmp_path):
    """A trigger that never fires (bound far above any shortfall) but makes a prognosis every 10
    days: the run ends identical to the run without it (the prognosis draws from its own streams
    and works on a copy), and a run restored mid-way (between prognoses) ends identical too."""
    from model.scenario import from_dict

    plain = from_dict({"extends": "baseline", "name": "plain", "horizon_days": 25}, "test")
    a = prepare(plain, days=25)
    b = prepare(_with_prognosis_trigger(above=1e9, days=25), days=25)
    for _ in range(25):
        run_day(a)
        run_day(b)
    assert b.plan.prognosis_day == 20 and b.plan.prognosis_persons > 0
    assert np.array_equal(a.recorder.scalars["population"], b.recorder.scalars["population"])
    assert (a.arrivals_key, a.homes_key) == (b.arrivals_key, b.homes_key)
    c = prepare(_with_prognosis_trigger(above=1e9, days=25), days=25)
    for _ in range(15):
        run_day(c)
    restored = snapshot.load(snapshot.save(c, tmp_path / "c.snapshot")).restore()
    assert restored.plan.prognosis_day == 10
    for _ in range(10):
        run_day(restored)
    assert restored.plan.prognosis_persons == b.plan.prognosis_persons
    assert np.array_equal(restored.recorder.scalars["population"], b.recorder.scalars["population"])


def test_a_half_year_target_by_rule_is_the_permit_holders_of_the_half_year_before():
    """housing.target_rule recent_permits: on 1 January 2026 (day 184 of baseline) the national
    target is (IND permits of days 2-183 + expected family members of days 2-183) x 182.6 / 182;
    municipalities get it pro rata plus what they carried (rounded per municipality)."""
    from model.rulebook import recent_permit_holders
    from model.scenario import from_dict

    sc = from_dict({"extends": "baseline", "name": "rule", "horizon_days": 186,
                    "housing": {"target_rule": "recent_permits"}}, "test")
    s = prepare(sc, days=186)
    assert str(s.world.dates[184]) == "2026-01-01"
    for _ in range(184):
        run_day(s)
    by_hand = (s.recorder.scalars["permits"][2:184].sum() + s.world.inflow.family[2:184].sum()) * 182.6 / 182
    assert recent_permit_holders(s, 184) == pytest.approx(by_hand)
    carry = int((s.munis.target - s.munis.housed).sum())
    run_day(s)
    assert abs(int(s.munis.target.sum()) - carry - by_hand) <= len(s.munis.target) / 2 + 1
    # and not the default a half-year without a published target gets otherwise (14,000; here ~15,300)
    assert abs(by_hand - sc.housing.default_target_per_half_year) > len(s.munis.target)

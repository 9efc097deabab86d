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
    assert member.rng_arrivals.bit_generator.state != s.rng_arrivals.bit_generator.state
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

"""`experiments.bench.scaled`: k runs' people in one synthetic world (the run axis's lower bound)."""

import pytest

from experiments.bench.scaled import compare, scaled
from model.scenario import ScenarioError, load_scenario
from model.simulate import simulate
from model.world import build_world


def test_a_scaled_world_holds_k_times_the_people_places_and_flows_with_the_plan_off():
    sc = load_scenario("baseline")
    big = scaled(sc, 3)
    assert big.name == "baseline-x3-synthetic"
    assert not big.plan.enabled
    assert big.initial.entitled_persons == 3 * 70_000
    assert big.inflow.first_applications_per_year == 3 * 22_100
    assert dict(big.chain.decisions_per_day) == {"regular": 150, "accelerated": 45, "border": 9, "dublin": 30}
    assert big.chain.moves_up_per_day == 3 * 150
    # the record's half-year targets are scaled too (2025H2: 13,000 published), not only the default
    assert big.housing.targets["2025H2"] == 3 * 13_000
    assert big.housing.default_target_per_half_year == 3 * 14_000
    assert dict(big.portfolio.places)["emergency"] == 3 * 34_000
    assert not big.portfolio.include_named_locations
    # location sizes are kept, so the synthetic portfolio has about three times the locations
    one = build_world(scaled(sc, 1)).locations.n
    assert 2.7 * one <= build_world(big).locations.n <= 3.3 * one
    # and it runs: three times the people in reception after a few days, within a few percent
    a = float(simulate(scaled(sc, 1), seed=1, days=5).daily["population"][-1])
    b = float(simulate(big, seed=1, days=5).daily["population"][-1])
    assert 2.9 * a <= b <= 3.1 * a


def test_k_must_be_a_whole_number_of_at_least_one():
    sc = load_scenario("baseline")
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ScenarioError, match=r"^k: "):
            scaled(sc, bad)  # type: ignore[arg-type]


def test_compare_times_both_worlds_in_alternated_rounds():
    r = compare("baseline", k=2, days=4, rounds=2)
    assert len(r["cpu_s"]["one"]) == len(r["cpu_s"]["x2"]) == len(r["ratios"]) == 2
    assert set(r["rules_s"]["one"]) >= {"arrive", "place_waiting", "metrics.record"}

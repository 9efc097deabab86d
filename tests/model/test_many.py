"""simulate_many: every run bit-identical to the same run alone, worlds built once and never
changed by a run, one-line errors, and memory sizing on hand-worked numbers."""

from __future__ import annotations

import copy
import dataclasses
import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest

from model import many
from model.many import batch_size, default_budget, estimate, simulate_many
from model.scenario import Scenario, ScenarioError, load_scenario, with_changes
from model.simulate import simulate
from model.world import build_world
from tests.model.same import same_results


def _same(a, b) -> None:
    """Everything a user can see of two runs is the same, bit for bit."""
    assert a.scenario == b.scenario and a.seed == b.seed
    same_results(a, b)


def _alone(sc, seed, days, params=None):
    base = load_scenario(sc) if isinstance(sc, str) else sc
    return simulate(with_changes(base, params or {}), seed, days)


def test_a_mapping_for_a_section_changes_only_the_keys_it_names():
    """`params=[{"portfolio": {"reserve_places": 500}}]` (and the same in `with_changes` and
    ReceptionModel's overrides) used to replace the whole portfolio with that one key: refused for
    the required fields missing. Each of the three now gives the small northern world's own
    portfolio (its places, no named locations) with 500 reserve places, as the dotted path does:
    one function sets a path for all of them (`model.scenario.assign_path`)."""
    from model.mesa_model import ReceptionModel
    from model.scenario import from_dict
    from tests.experiments.test_sweep_support import NORTH

    north = from_dict(copy.deepcopy(NORTH))
    change = {"portfolio": {"reserve_places": 500}, "chain": {"decisions_per_day": {"regular": 70}}}
    expected = north.model_dump()
    expected["portfolio"]["reserve_places"] = 500
    expected["chain"]["decisions_per_day"]["regular"] = 70
    assert expected["portfolio"]["places"]["regular"] == 2800
    assert expected["portfolio"]["include_named_locations"] is False
    assert north.portfolio.reserve_places == 200 and north.chain.decisions_per_day["regular"] != 70
    dotted = with_changes(north, {"portfolio.reserve_places": 500, "chain.decisions_per_day.regular": 70})
    assert dotted.model_dump() == expected
    assert with_changes(north, change).model_dump() == expected
    assert ReceptionModel(north, rng=1, days=2, overrides=change).config.model_dump() == {**expected, "horizon_days": 2}
    (got,) = simulate_many(north, [1], params=[change], days=2, reduce=lambda res: res.scenario)
    assert got.model_dump() == {**expected, "horizon_days": 2}


def test_one_run_is_the_run_alone():
    (res,) = simulate_many("baseline", [7], days=20)
    _same(res, simulate("baseline", 7, 20))


def test_three_runs_mixing_scenarios_seeds_params_and_horizons():
    """Different scenarios (a plan that escalates, the Pact's regimes), seeds and parameter values;
    two runs of mass-arrival share one world although their horizons differ."""
    pact = load_scenario("pact-2026").model_copy(update={"horizon_days": 30})
    mass = load_scenario("mass-arrival").model_copy(update={"horizon_days": 40})
    short = mass.model_copy(update={"horizon_days": 25})
    params = [{"chain.screening_days": 9}, {}, {}]
    got = simulate_many([pact, mass, short], [3, 1, 2], params=params)
    assert [r.daily.sizes["day"] for r in got] == [30, 40, 25]
    _same(got[0], _alone(pact, 3, None, params[0]))
    _same(got[1], simulate(mass, 1))
    _same(got[2], simulate(short, 2))


@pytest.fixture(scope="module")
def short_scenarios() -> dict[str, Scenario]:
    return {n: load_scenario(n).model_copy(update={"horizon_days": 15}) for n in ("baseline", "flex-only")}


def test_sixteen_runs_mixing_seeds_and_parameter_values(short_scenarios, monkeypatch):
    """16 runs over two scenarios, four parameter values and repeated seeds: each as it is alone;
    one world per distinct (scenario, parameters), not one per run."""
    names = ["baseline", "flex-only"]
    # run i: scenario i % 2, seed 1, 2, 1, 3 by (i // 2) % 4, screening 5 or 8 days by (i // 4) % 2:
    # 8 distinct runs, each twice (i and i + 8)
    runs = [(names[i % 2], [1, 2, 1, 3][(i // 2) % 4], {"chain.screening_days": [5, 8][(i // 4) % 2]})
            for i in range(16)]
    built = []
    real = many.build_world
    monkeypatch.setattr(many, "build_world", lambda sc: built.append(sc.name) or real(sc))
    got = simulate_many([short_scenarios[n] for n, _, _ in runs], [s for _, s, _ in runs],
                        params=[p for _, _, p in runs])
    assert len(built) == 4                              # 2 scenarios x 2 screening times
    for (name, seed, p), res in zip(runs, got, strict=True):
        _same(res, _alone(short_scenarios[name], seed, None, p))
    # the 8 distinct runs differ from each other: seeds and screening times both show
    assert len({r.people._h["key"][: r.people.n].tobytes() + r.daily["decisions"].values.tobytes()
                + r.daily["moves"].values.tobytes() for r in got}) == 8


def _assert_equal(a, b, where="world") -> None:
    """Deep equality of two worlds: arrays bit for bit, objects field by field."""
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _assert_equal(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_equal(x, y, f"{where}[{i}]")
    elif dataclasses.is_dataclass(a) or (hasattr(a, "__dict__") and not isinstance(a, Scenario | type)):
        _assert_equal(vars(a), vars(b), where)
    else:
        assert a == b, where


def test_a_run_leaves_its_shared_world_as_it_was():
    """Runs with a re-planned inflow level and scheduled events share a world: after them it is
    the world as built, array for array (a run copies what it changes)."""
    sc = load_scenario("mass-arrival").model_copy(update={"horizon_days": 60})
    event = {"date": sc.start_date.isoformat(), "action": "scale", "parameter": "inflow.first_applications_per_year",
             "value": 1.5}
    sc = with_changes(sc, {"events": [*[e.model_dump(mode="json") for e in sc.events], event]})
    w = build_world(sc)
    before = copy.deepcopy(w)
    got = simulate_many(sc, [1, 2, 3], world=w)
    vars(before).pop("ind_budget", None)
    vars(w).pop("ind_budget", None)          # a cached property, pure: computed on first use
    _assert_equal(vars(before), vars(w))
    _same(got[2], simulate(sc, 3))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scenarios": ["baseline", "baseline"], "seeds": [1, 2, 3]},
     "runs: scenarios has 2, seeds has 3; give one entry per run in each"),
    ({"scenarios": [], "seeds": None}, "scenarios: no runs (an empty list)"),
    ({"scenarios": "baseline", "seeds": []}, "seeds: no runs (an empty list)"),
    ({"scenarios": "baseline", "seeds": 5}, "seeds: a list with one entry per run (e.g. [5]), not int"),
    ({"scenarios": "baseline", "seeds": np.random.default_rng(1)},
     "seeds: a list with one entry per run (draw them from it: rng.integers(0, 2**32, size=R)), not Generator"),
    ({"scenarios": "baseline", "seeds": [1, -1]}, "seeds.1: must be a whole number from 0 to 4,294,967,295 (got -1)"),
    ({"scenarios": "baseline", "seeds": [1, 2.5]}, "seeds.1: must be a whole number from 0 to 4,294,967,295 (got 2.5)"),
    ({"scenarios": "baseline", "seeds": [1, 2], "params": [{}, {"chain.nope": 1}]},
     "params.1: chain.nope: unknown field (no 'nope' in chain; check the spelling)"),
    ({"scenarios": "baseline", "seeds": [1], "params": [{"chain.screening_dayz": 1}]},
     "params.0: chain.screening_dayz: unknown field (did you mean 'chain.screening_days'?)"),
    ({"scenarios": ["baseline", 3], "seeds": [1, 2]},
     "scenarios.1: a Scenario, a built-in name or a file path, not int"),
    ({"scenarios": ["baseline", "basline"], "seeds": [1, 2]},      # the run named, not only the name
     "scenarios.1: basline: no such scenario file or built-in name (did you mean 'baseline'?)"),
    ({"scenarios": "baseline", "seeds": [1], "progress": lambda done: None},    # a TypeError a run later
     "progress: a function of (done, total) run-days or None; <lambda> cannot be called so (too many "
     "positional arguments)"),
    ({"scenarios": "baseline", "seeds": [1], "reduce": lambda: None},
     "reduce: a function of one run's Results or None; <lambda> cannot be called so (too many positional "
     "arguments)"),
    ({"scenarios": "baseline", "seeds": [1], "memory_budget": "2 GB"},
     "memory_budget: a positive whole number of bytes or None, not '2 GB'"),
    ({"scenarios": "baseline", "seeds": [1], "days": 0},
     "days: a whole number of days ≥ 1 or None (the scenario's horizon), not 0"),
    ({"scenarios": ["baseline", "flex-only"], "seeds": [1, 1], "same_world": True},
     "scenarios.1: needs a world of its own (against run 0: "),
])
def test_bad_input_is_one_line_naming_the_argument(kwargs, message, monkeypatch):
    monkeypatch.setattr(many, "build_world", _nothing_built)
    with pytest.raises(ScenarioError) as err:
        simulate_many(**kwargs)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def _nothing_built(*_args, **_kwargs):
    raise AssertionError("a world was built before the input was refused")


def test_simulate_refuses_a_progress_it_cannot_call_before_building(monkeypatch):
    """A progress of one argument failed with a TypeError from inside the run, after the world was
    built and a day simulated."""
    monkeypatch.setattr("model.simulate.build_world", _nothing_built)

    def report(day, horizon, total):
        pass

    with pytest.raises(ScenarioError, match=r"^progress: a function of \(day, horizon\) or None; <lambda> cannot "
                                            r"be called so \(too many positional arguments\)$"):
        simulate("baseline", 1, 2, progress=lambda day: None)
    with pytest.raises(ScenarioError, match=r"^progress: .* report cannot be called so \(missing a required "
                                            r"argument: 'total'\)$"):
        simulate("baseline", 1, 2, progress=report)


@pytest.mark.parametrize("days", [0, -1, 36_501, "3"])
def test_days_out_of_range_are_named_as_given(days, monkeypatch):
    """simulate(days=0) and ReceptionModel(days=-1) said "baseline: horizon_days: Input should be
    greater than or equal to 1", a field the user did not give."""
    from model.mesa_model import ReceptionModel

    monkeypatch.setattr("model.simulate.build_world", _nothing_built)
    text = f"days: a whole number of days from 1 to 36,500 or None (the scenario's horizon), not {days!r}"
    for run in (lambda: simulate("baseline", 1, days), lambda: ReceptionModel("baseline", 1, days)):
        with pytest.raises(ScenarioError) as err:
            run()
        assert str(err.value) == text


def test_the_runs_given_as_numpy_arrays_and_a_budget_as_a_float():
    """A NumPy array (or pandas column) of scenario names was refused ("scenarios: a Scenario, a
    built-in name or a file path, not ndarray"), though seeds in one were taken; a budget of 2e9
    bytes was refused as no whole number."""
    got = simulate_many(np.array(["stable-stock", "baseline"]), seeds=np.array([3, 4]), days=3,
                        params=np.array([{}, {"chain.screening_days": 5}]), memory_budget=2e9)
    _same(got[0], simulate("stable-stock", 3, 3))
    _same(got[1], _alone("baseline", 4, 3, {"chain.screening_days": 5}))
    assert batch_size(300_000_000, 1e9) == 3


def test_a_world_that_does_not_serve_a_run_is_refused():
    w = build_world(load_scenario("baseline").model_copy(update={"horizon_days": 10}))
    with pytest.raises(ScenarioError, match=r"^scenarios.0: the given world does not serve this run "
                                            r"\(horizon_days 20 is longer than the world's 10\)$"):
        simulate_many("baseline", [1], days=20, world=w)
    with pytest.raises(ScenarioError, match=r"^scenarios.1: the given world does not serve this run \(plan differs\)$"):
        simulate_many("baseline", [1, 2], params=[{}, {"plan.closing_moves_per_day": 7}], days=5, world=w)


def test_progress_counts_run_days_over_the_whole_batch():
    seen = []
    simulate_many("baseline", [1, 2], days=3, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (6, 6)]


def test_reduce_keeps_what_it_returns_in_order():
    got = simulate_many("baseline", [4, 5], days=5, reduce=lambda r: (r.seed, int(r.daily["population"][-1])))
    assert [g[0] for g in got] == [4, 5]
    assert got[1][1] == int(simulate("baseline", 5, 5).daily["population"][-1])


# ---- memory --------------------------------------------------------------------------------

def test_batch_size_on_hand_worked_numbers():
    assert batch_size(100_000_000, 1_000_000_000) == 10
    assert batch_size(300_000_000, 1_000_000_000) == 3           # 3 x 300 MB = 900 MB; a fourth would be 1.2 GB
    assert batch_size(1_000_000_000, 1_000_000_000) == 1
    with pytest.raises(ScenarioError) as err:
        batch_size(600_000_000, 500_000_000, "a run of 'x' (730 days)")
    assert str(err.value) == ("memory: a run of 'x' (730 days) needs about 600.0 MB at its peak (estimate), more than "
                              "the budget of 500.0 MB; give a larger memory_budget or fewer days")
    with pytest.raises(ScenarioError, match=r"^memory_budget: a positive whole number of bytes or None, not -1$"):
        batch_size(10, -1)


def test_estimate_and_budget_on_hand_worked_numbers(monkeypatch):
    monkeypatch.setattr(many, "PEAK_FIXED_BYTES", 1_000_000)
    monkeypatch.setattr(many, "PEAK_BYTES_PER_PERSON", 100)
    monkeypatch.setattr(many, "KEPT_FIXED_BYTES", 500_000)
    monkeypatch.setattr(many, "KEPT_BYTES_PER_PERSON", 40)
    world = SimpleNamespace(scenario=SimpleNamespace(initial=SimpleNamespace(entitled_persons=1000)),
                            inflow=SimpleNamespace(first=np.full(10, 2.0), family=np.full(10, 0.5)))
    # 4 days: 1,000 in stock + 4 x 2 first applicants + 4 x 0.5 by family reunification = 1,010 persons
    m = estimate(world, 4)  # type: ignore[arg-type]
    assert (m.persons, m.peak, m.kept) == (1010, 1_101_000, 540_400)
    assert estimate(world).persons == 1025  # type: ignore[arg-type]   # the whole horizon: 1,000 + 20 + 5
    monkeypatch.setattr(many, "available_bytes", lambda: 8_000_000_000)
    assert default_budget() == 4_000_000_000 and default_budget(workers=2) == 2_000_000_000
    assert batch_size(m.peak, 5_000_000) == 4                    # 5,000,000 // 1,101,000


def test_a_batch_that_cannot_fit_is_refused_in_one_line():
    w = build_world(load_scenario("baseline").model_copy(update={"horizon_days": 10}))
    m = estimate(w, 10)
    with pytest.raises(ScenarioError) as err:
        simulate_many("baseline", [1], days=10, memory_budget=m.peak - 1)
    text = str(err.value)
    assert text.startswith("memory: a run of 'baseline' (10 days) needs about ") and "\n" not in text
    # one run fits, the Results of three do not; reduced to a number each, they do
    budget = m.peak + m.kept + 1
    assert len(simulate_many("baseline", [1], days=10, memory_budget=budget)) == 1
    with pytest.raises(ScenarioError, match=r"^memory: the Results of 3 runs need about .* pass reduce="):
        simulate_many("baseline", [1, 2, 3], days=10, memory_budget=budget)
    assert len(simulate_many("baseline", [1, 2, 3], days=10, memory_budget=budget, reduce=lambda r: r.seed)) == 3


def test_the_estimate_bounds_a_measured_run():
    """The estimate is an upper bound of what tracemalloc sees a run add on a built world (after a
    first run has loaded the caches every run shares), and not a loose one (within 1.5 times)."""
    sc = load_scenario("mass-arrival").model_copy(update={"horizon_days": 120})
    w = build_world(sc)
    simulate(sc, 1, world=w)
    tracemalloc.start()
    res = simulate(sc, 2, world=w)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    m = estimate(w)
    assert peak <= m.peak <= 1.5 * peak
    assert kept <= m.kept <= 1.5 * kept
    del res


def test_a_run_leaves_no_reference_cycles_behind():
    """What a run frees it frees at once: with the cycle collector off, a run (with events, which
    validate the scenario again during the run) leaves nothing for it to find. Cyclic garbage waits
    for a collection that a long-lived process makes rarely, so it would lift the peak above the
    estimate: 5.5 MB in 120 days of `mass-arrival` when action defaults were asked anew at every
    validation, and the whole household table after every run while its column views held it."""
    import gc

    sc = load_scenario("mass-arrival").model_copy(update={"horizon_days": 30})
    w = build_world(sc)
    simulate(sc, 1, world=w)
    gc.collect()
    gc.disable()
    try:
        simulate(sc, 2, world=w)
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_split_gives_each_worker_one_consecutive_piece():
    from model.many import split

    assert split([1, 2, 3, 4, 5], 2) == [[1, 2, 3], [4, 5]]       # ceil(5/2) = 3 a piece
    assert split([1, 2], 8) == [[1], [2]]                         # never more pieces than runs
    assert split([1, 2, 3, 4], 1) == [[1, 2, 3, 4]] and split([], 3) == []

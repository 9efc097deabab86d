"""The benchmark machinery works (never asserts timings) and the Mesa reference agrees with
noodplan on the chain subset they share."""

import numpy as np
import pytest

from agents.applicants import Stage
from benchmarks import reference_mesa
from benchmarks.reference_mesa import ReferenceModel, reference_scenario, run_reference
from experiments import bench
from experiments.bench import format_table, like_for_like, run_bench
from experiments.bench.floor import count_day, time_floor
from experiments.bench.measure import Setup, rule_names, time_per_rule
from model.simulate import prepare, simulate
from model.world import build_world


def test_reference_gives_the_same_aggregate_statistics_as_noodplan():
    sc = reference_scenario(days=120)
    w = build_world(sc)
    ref = {k: [] for k in ("arrivals", "decisions", "permits", "rejections", "housed", "departed")}
    nood = {k: [] for k in ref}
    for seed in (1, 2):
        hist = run_reference(sc, w, seed).history
        for k in ref:
            ref[k].append(sum(h[k] for h in hist))
        d = simulate(sc, seed=seed, world=w).daily
        got = dict(arrivals=d.arrivals, decisions=d.decisions, permits=d.permits, rejections=d.rejections,
                   housed=d.exits_housed, departed=d.exits_departed)
        for k in ref:
            nood[k].append(float(got[k].sum()))
    for k in ref:   # within sampling noise (a few per cent over 120 days)
        assert abs(np.mean(nood[k]) - np.mean(ref[k])) <= 0.08 * np.mean(ref[k]) + 30, k


def test_reference_scenario_seeds_the_same_stock_in_procedure_in_both_models():
    """The like-for-like workload: `stock` singles waiting for a decision on day 0 in both models,
    served at the same (scaled) decision capacity, fractions carried as noodplan carries them."""
    stock, scale = 3_000, 3.31       # 165.5 decisions a day: the fraction carries
    sc = reference_scenario(days=5, scale=scale, stock=stock)
    w = build_world(sc)
    s = prepare(sc, 1, 5, w)
    assert s.people.entitled() == stock == s.people.stage_persons[Stage.PROCEDURE]
    m = ReferenceModel(sc, w, seed=1)
    assert m.population() == stock == len(m.ind_queue)
    assert sc.chain.decisions_per_day["regular"] == 50 * scale
    assert sum(sc.portfolio.places.values()) == pytest.approx(scale * sum(reference_scenario(5).portfolio.places.values()), abs=10)
    for _ in range(5):
        m.step()
    d = simulate(sc, seed=1, world=w).daily
    got = [h["decisions"] for h in m.history]
    assert got == [int(x) for x in d.decisions.values] and set(got) == {165, 166}
    mixed = sc.model_copy(update={"initial": sc.initial.model_copy(update={"permit_holder_share": 0.5})})
    with pytest.raises(ValueError):      # a stock with permit holders is not the reference's workload
        ReferenceModel(mixed, w)


def test_like_for_like_times_both_models_on_the_same_scenario_and_days(monkeypatch):
    """Structure, never timings: one scenario, one horizon, one stock for both models."""
    seen = {}
    headless = bench.time_headless

    def spy_headless(setup, repeats=5):
        seen["noodplan"] = (setup.scenario, setup.days, setup.world)
        return headless(setup, repeats)

    class SpyReference(ReferenceModel):
        def __init__(self, scenario, world, seed=0, stock=None):
            seen["reference"] = (scenario, world, stock)
            super().__init__(scenario, world, seed, stock)

    monkeypatch.setattr(bench, "time_headless", spy_headless)
    monkeypatch.setattr(reference_mesa, "ReferenceModel", SpyReference)
    r = like_for_like(2_000, days=4, repeats=1, reference_repeats=1)
    sc, days, w = seen["noodplan"]
    assert seen["reference"] == (sc, w, None)        # the very same scenario and world, stock from it
    assert days == sc.horizon_days == 4 == r["days"] == r["noodplan"]["days"] == r["reference"]["days"]
    assert sc.initial.entitled_persons == 2_000 == r["stock"] and r["scale"] == pytest.approx(2_000 / 70_000)
    # each model's own person-days: about the stock for each day (a few arrivals, few exits)
    for k in ("noodplan", "reference"):
        assert 4 * 2_000 <= r[k]["person_days"] <= 4 * 2_000 * 1.1, k
    assert r["speedup_cpu"] > 0 and r["speedup_wall"] > 0


def test_counts_and_floor_and_rule_breakdown_cover_the_day():
    st = Setup.of("baseline", days=10)
    c = count_day(st)
    assert len(c.numpy_calls) == 10 and (c.numpy_calls > 0).all() and (c.transitions > 0).all()
    assert len(time_floor(c, repeats=1)) == 1
    per = time_per_rule(st, repeats=1)
    assert {"arrive", "decide", "metrics.record"} <= set(per) and set(rule_names()) <= set(per)


def test_rules_are_restored_after_timing_and_results_unchanged():
    a = simulate("baseline", days=15)
    time_per_rule(Setup.of("baseline", days=5), repeats=1)
    b = simulate("baseline", days=15)
    assert a.daily.identical(b.daily)


@pytest.mark.slow
def test_bench_quick_runs_end_to_end(tmp_path):
    r = run_bench(repeats=1, quick=True, eu=False, memory=False, plot=str(tmp_path / "cost.png"),
                  log=lambda m: None)
    assert (tmp_path / "cost.png").exists()
    assert "baseline headless" in format_table(r)
    assert set(r["verdict"]) >= {"baseline_s", "baseline_over_floor", "mesa_over_headless", "speedup_over_reference"}
    ll = r["like_for_like"]
    assert ll["baseline_population"]["stock"] == 70_000 and ll["large"]["stock"] > 70_000
    assert r["ratios"]["speedup_over_reference"] == ll["baseline_population"]["speedup_cpu"]
    assert "speedup_full_baseline_over_reference" in r["ratios"] and "like for like" in format_table(r)


def test_day_loop_under_pytest_benchmark(benchmark):
    """pytest-benchmark face (a short horizon; timings are reported, never asserted)."""
    st = Setup.of("baseline", days=20)
    from model import rulebook

    def run():
        s = st.fresh()
        for _ in range(st.days):
            rulebook.run_day(s)
        return s

    s = benchmark.pedantic(run, rounds=3, iterations=1)
    assert s.day == 20

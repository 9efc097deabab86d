"""The benchmark machinery works (never asserts timings) and the Mesa reference agrees with
noodplan on the chain subset they share."""

import numpy as np
import pytest

from benchmarks.reference_mesa import reference_scenario, run_reference
from experiments.bench import format_table, run_bench
from experiments.bench.floor import count_day, time_floor
from experiments.bench.measure import Setup, rule_names, time_per_rule
from model.simulate import simulate
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
    assert set(r["verdict"]) >= {"baseline_s", "baseline_over_floor", "mesa_over_headless"}


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

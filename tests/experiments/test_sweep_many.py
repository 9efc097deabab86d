"""The sweep runner through simulate_many: a point's replicates in batches sized by memory, the
same outcomes as run by run, and a run that cannot fit recorded as failed in one line."""

from __future__ import annotations

from experiments.sweep.design import load_design
from experiments.sweep.runner import NoodplanModel, run_batch
from experiments.sweep.sweep import plan
from model import many
from tests.experiments.test_sweep_support import write_design


def _runs(tmp_path):
    design = load_design(write_design(tmp_path, sampler={"method": "lhs", "samples": 2, "seed": 3}, replicates=3))
    return NoodplanModel(design), plan(design)[1]


def test_a_points_replicates_in_memory_sized_batches_are_the_runs_one_by_one(tmp_path, monkeypatch):
    model, runs = _runs(tmp_path)
    assert len(runs) == 6 and len({str(r.values) for r in runs}) == 2
    one_by_one = [model(dict(r.values), r.seed) for r in runs]
    calls = []
    real = many.simulate_many
    monkeypatch.setattr(many, "simulate_many",
                        lambda sc, seeds, **kw: calls.append(list(seeds)) or real(sc, seeds, **kw))
    # a budget for two runs at a time: each point's three seeds go as 2 + 1
    world = model.prepared(runs[0].values)[1]
    per_run = many.estimate(world, 40).peak
    monkeypatch.setattr(many, "available_bytes", lambda: 2 * (2 * per_run + per_run // 2))
    out = run_batch(model, list(reversed(runs)))
    assert [o.run_id for o in out] == [r.run_id for r in reversed(runs)]
    assert [len(c) for c in calls] == [2, 1, 2, 1]
    assert [(o.kpis, o.daily.keys()) for o in out] == [(k, d.keys()) for k, d in reversed(one_by_one)]
    for o, (_, d) in zip(out, reversed(one_by_one), strict=True):
        assert all((o.daily[k] == d[k]).all() for k in d)


def test_a_run_that_cannot_fit_is_a_failed_run_of_one_line(tmp_path, monkeypatch):
    model, runs = _runs(tmp_path)
    monkeypatch.setattr(many, "available_bytes", lambda: 2_000_000)      # a budget of 1 MB
    out = run_batch(model, runs[:3])
    assert [o.ok for o in out] == [False] * 3
    assert out[0].error.startswith("ScenarioError: memory: a run of 'north' (40 days) needs about ")
    assert out[0].error.endswith("more than the budget of 1.0 MB; give a larger memory_budget or fewer days")

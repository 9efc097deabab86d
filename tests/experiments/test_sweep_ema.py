"""noodplan as an EMA Workbench model: EMA's perform_experiments on a small design gives the
same KPIs as running noodplan directly with the values EMA drew."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from experiments.sweep.design import load_design
from experiments.sweep.runner import NoodplanModel
from model.scenario import ScenarioError
from tests.experiments.test_sweep_support import write_design

with warnings.catch_warnings():
    warnings.simplefilter("ignore")          # EMA warns about optional packages (ipyparallel) on import
    from ema_workbench import (ArrayOutcome, CategoricalParameter, RealParameter, ScalarOutcome,
                               perform_experiments)
    from ema_workbench import Sample

from experiments.sweep.ema import ema_model


def test_ema_experiments_are_noodplan_runs(tmp_path):
    path = write_design(tmp_path, parameters=[
        {"path": "housing.supply_persons_per_year", "uniform": [1000, 6000], "name": "housing"},
        {"path": "chain.screening_days", "triangular": [2, 4, 10], "name": "screening"},       # an integer field
        {"path": "plan.phases.2.activate.1.above", "values": [50, 400], "name": "noodopvang_at_unsheltered"}])
    design = load_design(path)
    model = ema_model(design)
    kinds = {u.name: type(u) for u in model.uncertainties}
    assert kinds == {"housing": RealParameter, "screening": RealParameter,
                     "noodopvang_at_unsheltered": CategoricalParameter}
    assert [o.name for o in model.outcomes] == design.kpis and all(isinstance(o, ScalarOutcome)
                                                                   for o in model.outcomes)
    experiments, outcomes = perform_experiments(model, scenarios=3)
    assert len(experiments) == 3
    direct = NoodplanModel(design)
    for i, row in experiments.iterrows():
        assert 1000 <= row["housing"] <= 6000 and 2 <= row["screening"] <= 10
        assert row["noodopvang_at_unsheltered"] in (50, 400)
        values = {"housing": float(row["housing"]), "screening": round(row["screening"]),
                  "noodopvang_at_unsheltered": int(row["noodopvang_at_unsheltered"])}
        kpis, _ = direct(values, design.first_seed)
        for k in design.kpis:
            assert outcomes[k][i] == pytest.approx(kpis[k], rel=0, abs=0), k


def test_replicated_ema_model_runs_every_seed_of_the_design(tmp_path):
    # other KPIs than the test above: EMA keeps one outcome class (scalar or array) per name in a process
    design = load_design(write_design(tmp_path, replicates=2, outputs={"kpis": ["nights_with_unsheltered", "housed"]}))
    model = ema_model(design, replicate=True)
    assert [r["seed"] for r in model.replications] == [1, 2]
    assert all(isinstance(o, ArrayOutcome) for o in model.outcomes)
    # one given point, not a drawn one: at some drawn housing rates the two seeds house the same number
    # of persons over the design's short horizon (2,500 a year: 329 and 327; near it, equal), which
    # made the last assertion fail now and then; at 3,500 a year seeds 1 and 2 house 385 and 409
    experiments, outcomes = perform_experiments(model, scenarios=[Sample(housing=3500.0,
                                                                       noodopvang_at_unsheltered=400)])
    values = {"housing": float(experiments.loc[0, "housing"]),
              "noodopvang_at_unsheltered": int(experiments.loc[0, "noodopvang_at_unsheltered"])}
    direct = NoodplanModel(design)
    for k in design.kpis:
        np.testing.assert_array_equal(outcomes[k][0], [direct(values, seed)[0][k] for seed in (1, 2)])
    assert outcomes["housed"][0][0] != outcomes["housed"][0][1]        # the seeds differ


@pytest.mark.parametrize("first", [False, True])
def test_a_kpi_made_both_scalar_and_replicated_in_one_process_stops_with_one_line(tmp_path, monkeypatch, first):
    from ema_workbench.em_framework.outcomes import register
    monkeypatch.setattr(register, "outcomes", {})     # a fresh process's registry, given back afterwards
    design = load_design(write_design(tmp_path, outputs={"kpis": ["cost_million_eur"]}))
    ema_model(design, replicate=first)
    ema_model(design, replicate=first)                  # the same kind again is fine
    with pytest.raises(ScenarioError, match=r"^ema_model: replicate: KPI 'cost_million_eur' is already an EMA ") as e:
        ema_model(design, replicate=not first)          # EMA: "ValueError: outcome with this name but of different …"
    assert "\n" not in str(e.value)

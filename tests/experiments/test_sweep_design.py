"""Sweep designs: validation messages (one line naming the field, exit code 2 before any run),
and sample points that match SciPy and SALib on fixed seeds."""

from __future__ import annotations

import copy
import itertools
import json

import numpy as np
import pytest
import yaml
from scipy import stats
from scipy.stats import qmc

from experiments.cli import main
from experiments.sweep.design import DesignError, builtin_designs, design_from_dict, json_schema, load_design
from experiments.sweep.samplers import salib_problem, sample, shared_whole_numbers
from experiments.sweep.sweep import plan
from experiments.sweep.runner import NoodplanModel
from model.scenario import load_scenario
from tests.experiments.test_sweep_support import TOY_PARAMETERS, toy_design, write_design, write_world


def _error(data: dict) -> str:
    with pytest.raises(DesignError) as e:
        design_from_dict(data, "d.yaml")
    return str(e.value)


@pytest.mark.parametrize("change, message", [
    ({"sampler": {"method": "lhs"}}, "d.yaml: sampler: samples: required for lhs"),
    ({"sampler": {"method": "saltelli", "samples": 100}},
     "d.yaml: sampler: samples: saltelli needs a power of 2 (got 100; e.g. 128)"),
    ({"sampler": {"method": "grid", "samples": 4}}, "d.yaml: sampler: samples: a grid takes every combination; "
                                                     "set levels instead"),
    ({"sampler": {"method": "latin", "samples": 4}}, "d.yaml: sampler.method: Input should be 'grid', 'lhs', "
                                                      "'sobol', 'saltelli' or 'morris' (got 'latin')"),
    ({"replicats": 2}, "d.yaml: replicats: unknown field (did you mean 'replicates'?)"),
    ({"replicates": 0}, "d.yaml: replicates: Input should be greater than or equal to 1 (got 0)"),
    # parameters, sampler and outputs not of their shape got pydantic's "Input should be a valid list",
    # "List should have at least 1 item after validation, not 0", "a valid dictionary or instance of Sampler"
    ({"parameters": []}, "d.yaml: parameters: give at least one parameter to vary (got an empty list, []); "
                         "one run of a scenario is `noodplan run`"),
    ({"parameters": {"path": "housing.supply_spread", "uniform": [0, 1]}},
     "d.yaml: parameters: a list of parameters, each a mapping such as {path: housing.supply_persons_per_year, "
     "uniform: [15000, 45000]} (got a mapping: "),
    ({"sampler": "grid"}, "d.yaml: sampler: a mapping such as {method: grid} or {method: lhs, samples: 64} "
                          "(got one value: \"grid\")"),
    ({"sampler": None}, "d.yaml: sampler: a mapping such as {method: grid} or {method: lhs, samples: 64} "
                        "(got nothing (the field is empty))"),
    ({"outputs": {"kpis": []}}, "d.yaml: outputs.kpis: name at least one KPI, or leave out kpis to keep them all "
                                "(got an empty list, [])"),
    ({"outputs": {"kpis": "peak_population"}}, "d.yaml: outputs.kpis: a list of names, e.g. [peak_unsheltered, "
                                               "cost_million_eur] (got one value: \"peak_population\")"),
    ({"outputs": {"daily": "population"}}, "d.yaml: outputs.daily: a list of names, e.g. [population, unsheltered] "
                                           "(got one value: \"population\")"),
    ({"parameters": [{"path": "housing.supply_spread", "uniform": [1, 0]}]},
     "d.yaml: parameters.0: uniform: low must be below high (got [1.0, 0.0])"),
    ({"parameters": [{"path": "housing.supply_spread"}]},
     "d.yaml: parameters.0: give exactly one of uniform, triangular, values or scenarios"),
    ({"parameters": [{"path": "housing.supply_spread", "uniform": [0, 1], "values": [1]}]},
     "d.yaml: parameters.0: give exactly one of uniform, triangular, values or scenarios (got uniform, values)"),
    ({"parameters": [{"path": "housing.supply_spred", "uniform": [0, 1]}]},
     "d.yaml: parameters.0.path: housing.supply_spred: unknown field (did you mean 'housing.supply_spread'?)"),
    ({"parameters": [{"path": "plan.phases.7.min_dwell_days", "uniform": [0, 10]}]},
     "d.yaml: parameters.0.path: plan.phases.7.min_dwell_days: no item '7' in plan.phases, which has 4 (0 … 3)"),
    ({"parameters": [{"path": "placement.policy", "uniform": [0, 1]}]},
     "d.yaml: parameters.0.uniform: placement.policy is str 'standard', not a number; use values: [...]"),
    ({"parameters": [{"path": "inflow.vulnerable_share", "uniform": [0.5, 1.5]}]},
     "d.yaml: parameters.0.uniform: inflow.vulnerable_share = 1.5: inflow.vulnerable_share: "
     "Input should be less than or equal to 1"),
    ({"parameters": [{"path": "placement.policy", "values": ["standard", "fewest_moves"]}]},
     "d.yaml: parameters.0.values: placement.policy = 'fewest_moves': placement.policy: "
     "Input should be 'standard' or 'min_moves'"),
    ({"parameters": [{"scenarios": ["baseline", "no-such-scenario"]}]},
     "d.yaml: parameters.0.scenarios: no-such-scenario: no such scenario file or built-in name"),
    ({"parameters": [*TOY_PARAMETERS[:1], {"path": "inflow.vulnerable_share", "uniform": [0, 1], "name": "a"}]},
     "d.yaml: parameters.1: name 'a' is used twice (give each a name)"),
    ({"parameters": [{"path": "housing.supply_spread", "uniform": [0, 1], "name": "max_phase"}]},
     "d.yaml: parameters.0: name 'max_phase' is also a KPI's; give the parameter another name"),
    # names that differ only in case were two parameters: two columns of runs.parquet that DuckDB, SQL
    # and spreadsheets take for one (`SELECT supply` is ambiguous), and `Seed`, `Max_Phase` passed too
    ({"parameters": [*TOY_PARAMETERS[:1], {"path": "inflow.vulnerable_share", "uniform": [0, 1], "name": "A"}]},
     "d.yaml: parameters.1: name 'A' is used twice (as 'a': names that differ only in case are one column) "
     "(give each a name)"),
    ({"parameters": [{"path": "housing.supply_spread", "uniform": [0, 1], "name": "Seed"}]},
     "d.yaml: parameters.0: name 'Seed' is reserved (error, replicate, run_id, sample, seed, status; in any case)"),
    ({"parameters": [{"path": "housing.supply_spread", "uniform": [0, 1], "name": "Max_Phase"}]},
     "d.yaml: parameters.0: name 'Max_Phase' is also a KPI's ('max_phase', but for case); give the parameter "
     "another name"),
    ({"parameters": [{"path": "housing.supply_spread", "uniform": [0, 1], "name": "U.b"}]},
     "d.yaml: parameters.0: name 'U.b' begins with 'u.' (in any case), which the store keeps"),
    ({"parameters": [{"path": "housing.supply_spread", "uniform": [0, 1], "name": "u.b"},
                     {"path": "inflow.vulnerable_share", "uniform": [0, 1], "name": "b"}]},
     "d.yaml: parameters.0: name 'u.b' begins with 'u.', which the store keeps for the sampler's unit "
     "coordinates (u.<name>); give the parameter another name"),
    ({"set": {"chain.screening_dayz": 3}},
     "d.yaml: set: chain.screening_dayz: unknown field (did you mean 'chain.screening_days'?)"),
    ({"set": {"housing": {"supply_spread": 0.5}, "housing.supply_spread": 0.4}},
     "d.yaml: set.housing.supply_spread: given twice (by its dotted path and inside a mapping); keep one"),
    ({"set": {"housing": {"supply_spread": 0.5}}},
     "d.yaml: parameters.0.path: housing.supply_spread is also fixed by set; vary it or fix it, not both"),
    ({"set": {"chain": {"decisions_per_day": {"regular": 60}}}, "horizon_days": 30,
      "parameters": [{"path": "chain.decisions_per_day.regular", "values": [40, 80]}]},
     "d.yaml: parameters.0.path: chain.decisions_per_day.regular is also fixed by set"),
    ({"set": {"chain.screening_days": 0}},
     "d.yaml: set (on baseline): chain.screening_days: Input should be greater than or equal to 1"),
    ({"outputs": {"kpis": ["unsheltered_nights"]}}, "d.yaml: outputs.kpis.0: unknown KPI 'unsheltered_nights' "
                                                     "(did you mean 'unsheltered_person_nights'?)"),
    ({"outputs": {"kpis": ["beds"]}}, "d.yaml: outputs.kpis.0: unknown KPI 'beds' (known: unsheltered_person_nights, "
                                      "peak_unsheltered"),
    ({"outputs": {"daily": ["homeless"]}}, "d.yaml: outputs.daily.0: unknown daily figure 'homeless' (known: arrivals"),
    ({"analysis": {"prim": [{"kpi": "peak_unsheltered", "above": 5, "below": 9}]}},
     "d.yaml: analysis.prim.0: give exactly one of above or below"),
    ({"outputs": {"kpis": ["cost_million_eur"]}, "analysis": {"prim": [{"kpi": "peak_unsheltered", "above": 5}]}},
     "d.yaml: analysis.prim.0.kpi: 'peak_unsheltered' is not among the KPIs kept (outputs.kpis)"),
    # too few points for the analysis to estimate anything: these were computed, and `noodplan analyze` then
    # reported S1 = 6.062 ± 0.000 (saltelli, N = 1) or mu* ± 0 with sigma nan (morris, one trajectory)
    ({"sampler": {"method": "saltelli", "samples": 1}},
     "d.yaml: sampler.samples: saltelli needs at least 2 (got 1): with one base point SALib's bootstrap interval is "
     "0 and S1, ST are no estimates; e.g. 8 for a pilot"),
    ({"sampler": {"method": "morris", "samples": 1}},
     "d.yaml: sampler.samples: morris needs at least 2 (got 1): with one trajectory each parameter has one "
     "elementary effect: no σ, and μ* ± 0; e.g. 10 for a pilot"),
    ({"sampler": {"method": "lhs", "samples": 1}},
     "d.yaml: sampler.samples: lhs needs at least 2 (got 1): one point is one scenario (its seeds: noodplan compare "
     "--runs); e.g. 64 for a pilot"),
    ({"sampler": {"method": "sobol", "samples": 1}}, "d.yaml: sampler.samples: sobol needs at least 2 (got 1)"),
    # its 5 grid levels rounded to one whole number: "1 runs (5 points x 1 seed)" of a parameter varying nothing
    ({"parameters": [{"path": "plan.phases.2.actions.0.lead_time_days", "uniform": [21, 21.4]}],
      "sampler": {"method": "grid", "levels": 5}},
     "d.yaml: parameters.0.uniform: plan.phases.2.actions.0.lead_time_days takes whole numbers, and [21.0, 21.4] "
     "holds one (21): it varies nothing; widen the range or fix it with set"),
    # SALib's UserWarning "num_levels should be an even number, sample may be biased" beside a sweep that ran
    ({"sampler": {"method": "morris", "samples": 4, "levels": 3}},
     "d.yaml: sampler.levels: morris takes an even number of levels (got 3; e.g. 4): on an odd number SALib's "
     "trajectories are biased"),
    ({"parameters": TOY_PARAMETERS[:1], "sampler": {"method": "saltelli", "samples": 4, "second_order": True}},
     "d.yaml: sampler.second_order: second-order indices are of pairs of parameters, and this design varies one; "
     "leave it out"),
    ({"parameters": [*TOY_PARAMETERS[:2], {"path": "placement.policy", "values": ["min_moves"]}]},
     "d.yaml: parameters.2.values: one value (\"min_moves\") varies nothing; fix it with set: "
     "{placement.policy: \"min_moves\"}, or give two or more"),
    ({"parameters": [*TOY_PARAMETERS[:2], {"scenarios": ["mass-arrival"]}]},
     "d.yaml: parameters.2.scenarios: one scenario (mass-arrival) varies nothing; give it as scenario: "
     "mass-arrival, or give two or more"),
])
def test_a_bad_design_is_one_line_naming_the_field(change, message):
    text = _error(toy_design(**change))
    assert text.startswith(message), text
    assert "\n" not in text


def test_names_differing_only_in_case_are_refused_in_a_new_design_but_a_store_made_before_still_reads():
    """The check without case is a new design's (`load_design`, `design_from_dict`); a store's
    manifest is read with the schema's checks only, so a store made before the check (with `a` and
    `A`) still opens for `noodplan analyze` instead of being called damaged."""
    from experiments.sweep.design import Design

    params = [*TOY_PARAMETERS[:1], {"path": "inflow.vulnerable_share", "uniform": [0, 1], "name": "A"}]
    assert "differ only in case" in _error(toy_design(parameters=params))
    assert [p.label for p in Design.model_validate(toy_design(parameters=params)).parameters] == ["a", "A"]


def test_a_mapping_in_set_changes_only_the_keys_it_names(tmp_path):
    """`set: {portfolio: {reserve_places: 500}}` used to replace the whole portfolio with that one
    key: the other fields fell to their defaults, or the design was refused for a required one
    missing. Now it is what `set: {portfolio.reserve_places: 500}` is: the base scenario's portfolio
    (the small northern world's own places, not baseline's, and no named locations) with 500
    reserve places, and so are the runs' scenarios."""
    north = load_scenario(write_world(tmp_path)).model_dump(mode="json")
    nested = load_design(write_design(tmp_path, set={"portfolio": {"reserve_places": 500},
                                                     "chain": {"decisions_per_day": {"regular": 70}}}))
    base = nested.bases["north.yaml"]
    assert base["portfolio"]["places"] == {"central": 900, "border": 0, "process": 300, "regular": 2800,
                                           "minors": 200, "accelerated": 200, "emergency": 700, "crisis": 0}
    assert base["portfolio"]["include_named_locations"] is False and base["portfolio"]["reserve_places"] == 500
    assert north["portfolio"]["reserve_places"] == 200 and north["chain"]["decisions_per_day"]["regular"] != 70
    expected = copy.deepcopy(north)
    expected["portfolio"]["reserve_places"] = 500
    expected["chain"]["decisions_per_day"]["regular"] = 70
    assert base == expected                       # every other field as the base scenario has it
    dotted = load_design(write_design(tmp_path, set={"portfolio.reserve_places": 500,
                                                     "chain.decisions_per_day.regular": 70}))
    assert dotted.bases == nested.bases and dotted.base_hash == nested.base_hash
    sc = NoodplanModel(nested).scenario({"housing": 2000, "noodopvang_at_unsheltered": 50})
    assert sc.portfolio.places["regular"] == 2800 and sc.portfolio.reserve_places == 500
    assert sc.housing.supply_persons_per_year == 2000 and sc.chain.decisions_per_day["regular"] == 70


def test_the_command_stops_a_bad_design_before_any_run(tmp_path, capsys):
    path = write_design(tmp_path, replicates=-1)
    assert main(["sweep", str(path), "--out", str(tmp_path / "store")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "noodplan: design.yaml: replicates: Input should be greater than or equal to 1 (got -1)"
    assert not (tmp_path / "store").exists()
    bad_yaml = tmp_path / "broken.yaml"
    bad_yaml.write_text("name: x\nparameters: [\n", encoding="utf-8")
    assert main(["sweep", str(bad_yaml), "--out", str(tmp_path / "store")]) == 2
    assert capsys.readouterr().err.startswith("noodplan: broken.yaml: line 3 not valid YAML")
    assert main(["sweep", str(path)]) == 2
    assert "--out: required" in capsys.readouterr().err
    assert main(["sweep", str(write_design(tmp_path)), "--out", str(tmp_path / "s"), "--batch-size", "0"]) == 2
    assert capsys.readouterr().err.strip().startswith("noodplan: sweep: argument --batch-size: must be 1 to")
    assert main(["sweep", str(path), "--out", str(tmp_path / "s"), "--scheduler", "tcp://x:1"]) == 2
    assert "--scheduler: only with --executor dask" in capsys.readouterr().err


@pytest.mark.parametrize("body, got", [
    (b"", "an empty file"),
    (b"# only a comment\n", "an empty file"),
    (b"- name: d\n- sampler: {method: grid}\n", "a list of 2 items"),
    (b"[]\n", "an empty list, []"),
    (b"housing-x-ind\n", 'one value: "housing-x-ind"'),
])
def test_a_design_file_that_is_not_a_mapping_says_what_it_holds(tmp_path, capsys, body, got):
    """An empty file, a list or one word: one line saying what the file holds and which fields a
    design has (it said "a design must be a mapping of fields" for each), exit code 2, no store."""
    path = tmp_path / "d.yaml"
    path.write_bytes(body)
    assert main(["sweep", str(path), "--out", str(tmp_path / "store"), "--executor", "serial"]) == 2
    err = capsys.readouterr().err
    assert err == (f"noodplan: d.yaml: a design is a mapping of fields (name, scenario, parameters, sampler, …), "
                   f"not {got}\n")
    assert not (tmp_path / "store").exists()


def test_schema_and_packaged_designs(capsys):
    assert main(["sweep", "--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == json_schema() and {"parameters", "sampler", "outputs"} <= set(schema["properties"])
    assert {"plan-thresholds", "housing-x-ind", "discovery"} <= set(builtin_designs())
    assert main(["sweep", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "housing-x-ind            grid      Full factorial grid of municipal housing supply" in listed
    for name in builtin_designs():          # every example is a valid design
        d = load_design(name)
        assert d.description and len(plan(d)[1]) >= 16, name


def test_lhs_and_sobol_points_are_scipys():
    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 10, "seed": 7}))
    s = sample(d)
    want = qmc.LatinHypercube(3, rng=7).random(10)
    np.testing.assert_array_equal(s.unit, want)
    assert [v["b"] for v in s.values] == list(want[:, 1])              # uniform on [0, 1]: the point itself
    d = design_from_dict(toy_design(sampler={"method": "sobol", "samples": 16, "seed": 7}))
    np.testing.assert_array_equal(sample(d).unit, qmc.Sobol(3, scramble=True, rng=7).random(16))


def test_saltelli_and_morris_points_are_salibs():
    from SALib.sample import morris, sobol

    params = [{"path": "housing.supply_persons_per_year", "uniform": [10_000, 50_000], "name": "supply"},
              {"path": "housing.supply_spread", "uniform": [0.1, 0.5], "name": "spread"}]
    real = {"num_vars": 2, "names": ["supply", "spread"], "bounds": [[10_000, 50_000], [0.1, 0.5]]}
    d = design_from_dict(toy_design(parameters=params, sampler={"method": "saltelli", "samples": 8, "seed": 5}))
    s = sample(d)
    want = sobol.sample(real, 8, calc_second_order=False, seed=5)
    assert s.unit.shape == (8 * (2 + 2), 2)                             # N (d + 2) without second order
    np.testing.assert_allclose([[v["supply"], v["spread"]] for v in s.values], want, rtol=1e-12)
    d = design_from_dict(toy_design(parameters=params, sampler={"method": "morris", "samples": 5, "seed": 5}))
    np.testing.assert_array_equal(sample(d).unit, morris.sample(salib_problem(["supply", "spread"]), 5,
                                                                num_levels=4, seed=5))
    assert len(sample(d)) == 5 * (2 + 1)                                  # N (d + 1)


def test_triangular_discrete_integer_and_variants():
    params = [{"path": "chain.decisions_per_day.regular", "triangular": [30, 50, 90], "name": "ind"},
              {"path": "chain.screening_days", "uniform": [2, 9], "name": "screening"},      # an integer field
              {"path": "placement.policy", "values": ["standard", "min_moves"]},
              {"scenarios": ["baseline", "mass-arrival"]}]
    d = design_from_dict(toy_design(parameters=params, sampler={"method": "lhs", "samples": 20, "seed": 2}))
    s = sample(d)
    u = s.unit
    tri = stats.triang(c=(50 - 30) / (90 - 30), loc=30, scale=60).ppf(u[:, 0])
    np.testing.assert_allclose([v["ind"] for v in s.values], tri)
    assert [v["screening"] for v in s.values] == [round(2 + x * 7) for x in u[:, 1]]
    assert all(isinstance(v["screening"], int) for v in s.values)
    # a discrete set in equal slices of [0, 1]: below 0.5 the first value, from 0.5 the second
    assert [v["placement.policy"] for v in s.values] == ["standard" if x < 0.5 else "min_moves" for x in u[:, 2]]
    assert [v["scenario"] for v in s.values] == ["baseline" if x < 0.5 else "mass-arrival" for x in u[:, 3]]


def test_grid_is_every_combination_with_ends_included():
    params = [{"path": "housing.supply_persons_per_year", "uniform": [15_000, 45_000], "name": "supply", "levels": 4},
              {"path": "placement.policy", "values": ["standard", "min_moves"]}]
    d = design_from_dict(toy_design(parameters=params, sampler={"method": "grid"}, replicates=3))
    s = sample(d)
    assert [(v["supply"], v["placement.policy"]) for v in s.values] == list(
        itertools.product([15_000.0, 25_000.0, 35_000.0, 45_000.0], ["standard", "min_moves"]))
    table, runs = plan(d)
    assert len(table) == 8 * 3 and len(runs) == 24
    # common random numbers: every point runs on the same seeds 1, 2, 3
    assert table.groupby("sample")["seed"].apply(list).map(tuple).unique().tolist() == [(1, 2, 3)]


def test_run_ids_hash_values_and_seed_and_repeat_for_equal_points():
    d = design_from_dict(toy_design(parameters=[{"path": "placement.policy", "values": ["standard", "min_moves"]}],
                                    sampler={"method": "lhs", "samples": 6, "seed": 1}, replicates=2))
    table, runs = plan(d)
    # 6 points over 2 values: equal points share their run ids (computed once), so 2 x 2 distinct runs
    assert len(table) == 12 and len(runs) == 4 == table["run_id"].nunique()
    again, _ = plan(design_from_dict(yaml.safe_load(yaml.safe_dump(toy_design(
        parameters=[{"path": "placement.policy", "values": ["standard", "min_moves"]}],
        sampler={"method": "lhs", "samples": 6, "seed": 1}, replicates=2)))))
    assert again["run_id"].tolist() == table["run_id"].tolist()          # stable across processes and loads


@pytest.mark.slow
def test_bench_sweep_reports_every_figure():
    """`noodplan bench --sweep`'s figures on a tiny design (timings are never asserted)."""
    from experiments.bench.sweep import format_sweep_bench, sweep_bench

    r = sweep_bench(quick=True, runs=8, days=10, repeats=1, log=lambda m: None)
    assert r["runs"] == 8 and set(r["raw"]) == {"bare", "serial", "processes", "dask"}
    assert set(r["efficiency"]) == {"processes", "dask"} and {"cpu_s", "total_s"} <= set(r["overhead"])
    text = format_sweep_bench(r)
    assert "overhead of the sweep over bare simulate()" in text and "parallel efficiency, dask" in text
    assert "the machine is shared" in text and "--quick" in text and "per task on Dask" in text
    assert r["costs"]["dask_task_ms"] > 0 and r["costs"]["store_batch_ms"] > 0
    assert all(r["cpu_s"][k] > 0 for k in ("bare", "serial", "processes", "dask"))


def test_each_parameter_has_columns_of_its_own_in_the_plan():
    """A parameter named `u.b` beside one named `b` shared plan.parquet's column `u.b` with b's unit
    coordinate: the plan kept b's coordinates (0 … 1) under `u.b` and lost the housing values, and
    the analysis reported the sensitivity to housing supply as b's. Such a name is refused now; and
    in every design that loads, each parameter's values and unit coordinates have columns of their own."""
    with pytest.raises(DesignError, match=r"begins with 'u\.'"):
        design_from_dict(toy_design(parameters=[{"path": "housing.supply_spread", "uniform": [0, 1], "name": "u.b"},
                                                {"path": "inflow.vulnerable_share", "uniform": [0, 1], "name": "b"}]))
    d = design_from_dict(toy_design(parameters=[{"path": "housing.supply_spread", "uniform": [0, 1], "name": "ub"},
                                                {"path": "inflow.vulnerable_share", "uniform": [0, 1], "name": "b"}]))
    table, _ = plan(d)
    samples = sample(d)
    assert list(table.columns) == ["sample", "replicate", "seed", "run_id", "ub", "b", "u.ub", "u.b"]
    for i, label in enumerate(samples.labels):
        assert np.array_equal(table.drop_duplicates("sample")[f"u.{label}"].to_numpy(), samples.unit[:, i])


class Days:
    """y = the screening days the run was given (a toy that reads one whole-number parameter); each
    run is written to `log` as it starts."""

    kpis = ("y",)

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def __call__(self, values, seed):
        self.log.append(f"run: {values}")
        return {"y": float(values["days"])}, None


def test_grid_levels_that_round_to_one_whole_number_are_told_before_the_runs(tmp_path):
    # 5 levels of [21, 23] screening days are 21, 21.5, 22, 22.5, 23: rounded 21, 22, 22, 22, 23 (Python rounds
    # halves to even), 3 whole numbers; with 3 levels of a (0, 0.5, 1) the grid's 15 points are 9 distinct
    # scenarios, and the 6 others share their runs: it was silent
    from experiments.sweep import run_sweep

    days = {"path": "chain.screening_days", "uniform": [21, 23], "name": "days"}
    d = design_from_dict(toy_design(parameters=[TOY_PARAMETERS[0], {**days, "levels": 5}],
                                    sampler={"method": "grid", "levels": 3}))
    said = ("5 grid levels on chain.screening_days [21, 23] give 3 distinct whole numbers (21, 22, 23); points "
            "that share them share their runs")
    assert shared_whole_numbers(d) == [said]
    logs: list[str] = []
    result = run_sweep(d, tmp_path / "s", executor="serial", model=Days(logs), log=logs.append)
    notes = [m for m in logs if m.startswith("note:")]
    assert notes == [f"note: {said}"]
    assert logs.index(notes[0]) < min(i for i, m in enumerate(logs) if m.startswith("run:"))     # before the runs
    assert len(plan(d)[0]) == 15 and result.planned == result.computed == 9
    assert sorted(set(result.store.runs()["y"])) == [21.0, 22.0, 23.0]
    # nothing to tell: 3 levels are 21, 22, 23; a field of decimals; a sampler that draws its points
    assert shared_whole_numbers(design_from_dict(toy_design(parameters=[TOY_PARAMETERS[0], days],
                                                            sampler={"method": "grid", "levels": 3}))) == []
    assert shared_whole_numbers(design_from_dict(toy_design(sampler={"method": "grid", "levels": 7}))) == []
    assert shared_whole_numbers(design_from_dict(toy_design(parameters=[TOY_PARAMETERS[0], days],
                                                            sampler={"method": "lhs", "samples": 4}))) == []
    # Morris' 4 levels of [21, 23]: 21, 21.67, 22.33, 23, rounded 21, 22, 22, 23
    assert shared_whole_numbers(design_from_dict(toy_design(parameters=[TOY_PARAMETERS[0], days],
                                                            sampler={"method": "morris", "samples": 2}))) == [
        "4 Morris levels on chain.screening_days [21, 23] give 3 distinct whole numbers (21, 22, 23); points that "
        "share them share their runs, and a step between them measures no effect"]

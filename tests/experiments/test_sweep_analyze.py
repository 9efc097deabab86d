"""The analysis of a sweep: indices recovered on toy functions with known answers (run through
the same store and executors), PRIM boxes, the report and plots, `noodplan analyze`."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.sweep import Store, run_sweep
from experiments.sweep.analyze import analyze, parse_condition
from experiments.sweep.design import design_from_dict, load_design
from experiments.sweep.sweep import plan
from tests.experiments.test_sweep_support import Corner, Failing, Linear, toy_design, write_design


def _sweep(tmp_path, model, executor="serial", **design):
    d = design_from_dict(toy_design(**design))
    run_sweep(d, tmp_path / "store", executor=executor, model=model)
    return Store.open(tmp_path / "store")


def _indices(report, kpi="y"):
    return next(s for s in report.sensitivity if s.kpi == kpi).table


def test_sobol_indices_of_a_linear_function_are_recovered(tmp_path):
    # y = a + 2b + 3c on the unit cube: S_i = ST_i = w_i^2 / sum w^2 = 1/14, 4/14, 9/14 (Linear's docstring)
    store = _sweep(tmp_path, Linear(), executor="processes", sampler={"method": "saltelli", "samples": 512, "seed": 1})
    assert len(store.runs()) == 512 * (3 + 2)
    t = _indices(analyze(store, tmp_path / "an", plots=False))
    exact = np.array([1, 4, 9]) / 14
    np.testing.assert_allclose(t["S1"], exact, atol=0.03)
    np.testing.assert_allclose(t["ST"], exact, atol=0.03)
    assert (t["S1_conf"] > 0).all() and (t["S1_conf"] < 0.1).all()          # bootstrap intervals, 95 %
    assert (abs(t["ST"] - exact) <= 2 * t["ST_conf"] + 0.01).all()


def test_morris_effects_of_a_linear_function_are_its_slopes(tmp_path):
    # every elementary effect of a + 2b + 3c along a is exactly 1 (unit steps on [0, 1]): mu* = 1, 2, 3, sigma = 0
    store = _sweep(tmp_path, Linear(), sampler={"method": "morris", "samples": 10, "seed": 4})
    t = _indices(analyze(store, tmp_path / "an", plots=False))
    np.testing.assert_allclose(t["mu_star"], [1, 2, 3], atol=1e-9)
    np.testing.assert_allclose(t["sigma"], [0, 0, 0], atol=1e-9)


@pytest.mark.parametrize("method, note", [
    ("saltelli", "samples: 1, one base point; Sobol indices need at least 2 (with one, the bootstrap interval is 0)"),
    ("morris", "samples: 1, one trajectory; Morris indices need at least 2 (with one, the bootstrap interval is 0)"),
])
def test_a_store_of_one_base_point_reports_no_indices(tmp_path, method, note):
    # a store made before load_design refused samples: 1 (the Design taken as it is, unchecked): SALib's
    # answer on 5 or 4 points of a + 2b + 3c was reported as indices with an interval of 0 (S1 6.062 ± 0.000
    # on noodplan), now the reason why not
    from experiments.sweep.design import Design

    d = Design.model_validate(toy_design(sampler={"method": method, "samples": 1, "seed": 1}))
    run_sweep(d, tmp_path / "store", executor="serial", model=Linear())
    report = analyze(Store.open(tmp_path / "store"), tmp_path / "an", plots=False)
    s = next(s for s in report.sensitivity if s.kpi == "y")
    assert s.table is None and s.note == note
    assert f"  y: not computed ({note})" in report.text


def test_grid_main_effects(tmp_path):
    # levels 0, 0.5, 1 of each input: the KPI's mean moves by w_i over a's levels, so the spread is 1, 2, 3
    store = _sweep(tmp_path, Linear(), sampler={"method": "grid", "levels": 3})
    assert len(store.runs()) == 27
    t = _indices(analyze(store, tmp_path / "an", plots=False))
    np.testing.assert_allclose(t["range"], [1, 2, 3], atol=1e-12)
    assert t.loc["c", "highest_at"] == "1.0" and t.loc["c", "lowest_at"] == "0.0"


class OnlyA:
    """y = a: b and c change nothing."""

    kpis = ("y",)

    def __call__(self, values, seed):
        return {"y": values["a"]}, None


def test_grid_main_effects_of_an_input_that_changes_nothing(tmp_path):
    # b and c leave y as it is: their spread is 0, and no level is named lowest or highest (the
    # report said "range 0 (lowest at 0.0, highest at 0.0)", as if 0.0 were both)
    store = _sweep(tmp_path, OnlyA(), sampler={"method": "grid", "levels": 3})
    report = analyze(store, tmp_path / "an", plots=False)
    t = _indices(report)
    assert t.loc["a", "range"] == 1 and (t.loc["a", "lowest_at"], t.loc["a", "highest_at"]) == ("0.0", "1.0")
    assert (t.loc[["b", "c"], "range"] == 0).all()
    assert (t.loc[["b", "c"], ["lowest_at", "highest_at"]] == "").all().all()
    lines = {ln.split()[0]: ln for ln in report.text.splitlines() if ln.startswith("    ")}
    assert lines["b"].endswith("(the same mean at every level)") and "lowest at 0.0, highest at 1.0" in lines["a"]


def _limits(text: str) -> tuple[float, float, float]:
    """'0.702 to 1 (quasi-p 3.1e-12)' -> (0.702, 1.0, 3.1e-12)"""
    m = re.fullmatch(r"(\S+) to (\S+) \(quasi-p (\S+)\)", text)
    return float(m.group(1)), float(m.group(2)), float(m.group(3))


def test_prim_finds_the_corner(tmp_path):
    store = _sweep(tmp_path, Corner(), sampler={"method": "lhs", "samples": 400, "seed": 2})
    report = analyze(store, tmp_path / "an", prim=[parse_condition("y>0.5")])
    box = report.boxes[0]
    assert box.cases == int(store.runs()["y"].sum()) and 40 <= box.cases <= 56     # ~12 % of 400
    assert box.density >= 0.8 and box.coverage >= 0.8
    lo_a, hi_a, qp_a = _limits(box.limits["a"])
    lo_b, hi_b, qp_b = _limits(box.limits["b"])
    assert qp_a < 0.001 and qp_b < 0.001                                          # no chance restriction
    assert 0.6 <= lo_a <= 0.8 and hi_a > 0.95 and lo_b < 0.05 and 0.3 <= hi_b <= 0.5
    assert "c" not in box.limits                                                   # c does not matter
    names = {p.name for p in report.files}
    assert {"report.txt", "sensitivity.csv", "prim_boxes.csv", "sensitivity.png", "scatter_inputs.png",
            "prim_1_y-0-5_tradeoff.png", "prim_1_y-0-5_box.png"} <= names
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in report.files if p.suffix == ".png")
    boxes = pd.read_csv(tmp_path / "an" / "prim_boxes.csv")
    assert boxes.loc[0, "condition"] == "y > 0.5" and boxes.loc[0, "density"] == pytest.approx(box.density)


def test_failed_points_are_reported_not_hidden(tmp_path):
    store = _sweep(tmp_path, Failing(), sampler={"method": "saltelli", "samples": 8, "seed": 1})
    report = analyze(store, tmp_path / "an", plots=False)
    n_bad = int((store.runs()["status"] == "error").sum())
    assert n_bad > 0
    assert f"{n_bad} failed" in report.text.splitlines()[0]
    assert "errors: ValueError: a = " in report.text
    assert "y: not computed (" in report.text and "points have no successful run)" in report.text


class SeedOnly:
    """y is the run's seed whatever the inputs; z is 1 everywhere."""

    kpis = ("y", "z")

    def __call__(self, values, seed):
        return {"y": float(seed), "z": 1.0}, None


def test_a_kpi_that_varies_between_seeds_only_is_not_said_not_to_vary(tmp_path):
    """A small sweep's report said "the KPI does not vary over the sweep" of peak_unsheltered while
    the same report gave it 507 to 512 over the runs: its mean over each point's two seeds was the
    same everywhere. Seeds 1 and 2 at every point: y's mean is 1.5 at each."""
    store = _sweep(tmp_path, SeedOnly(), sampler={"method": "lhs", "samples": 4, "seed": 1}, replicates=2)
    report = analyze(store, tmp_path / "an", plots=False)
    assert "  y: not computed (the KPI varies between seeds only: its mean over a point's seeds is 1.5 at every " \
           "point)" in report.text.splitlines()
    assert "  z: not computed (the KPI does not vary over the sweep)" in report.text.splitlines()


@pytest.mark.slow
def test_noodplan_analyze_on_a_real_sweep(tmp_path, capsys):
    design = write_design(tmp_path, sampler={"method": "morris", "samples": 3, "seed": 1}, replicates=1)
    n = len(plan(load_design(design))[1])      # Morris trajectories revisit points: fewer distinct runs than 9
    assert n < 9
    assert main(["sweep", str(design), "--out", str(tmp_path / "s"), "--executor", "serial"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{n} runs computed in ") and f"0 failed; {n} of {n} runs in" in out
    assert main(["analyze", str(tmp_path / "s"), "--prim", "peak_unsheltered>450"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Sweep 'north-test': morris design, 9 points x 1 seed(s) = 9 runs; 9 ok, 0 failed")
    assert "Morris elementary effects" in text and "peak_unsheltered > 450: " in text
    assert (tmp_path / "s" / "analysis" / "sensitivity.png").exists()
    manifest = json.loads((tmp_path / "s" / "analysis" / "manifest.json").read_text())   # whole or absent
    assert manifest["runs"] == n and {"report.txt", "sensitivity.csv", "sensitivity.png"} <= set(manifest["files"])
    assert main(["analyze", str(tmp_path / "s")]) == 2                 # an earlier analysis is kept ...
    assert "already holds manifest.json, prim_boxes.csv, report.txt" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "s"), "--force", "--no-plots"]) == 0      # ... unless --force
    capsys.readouterr()
    assert sorted(p.name for p in (tmp_path / "s" / "analysis").iterdir()) == [
        "manifest.json", "prim_boxes.csv", "report.txt", "sensitivity.csv"]           # replaced whole
    assert main(["analyze", str(tmp_path / "nothing")]) == 2          # a path misspelt, a file (a design, a
    assert "nothing: no such folder (a sweep store is the folder" in capsys.readouterr().err     # scenario): named
    (tmp_path / "d.yaml").write_text("name: d\n")                     # as such (both were "not a sweep store (no
    assert main(["analyze", str(tmp_path / "d.yaml")]) == 2          # manifest.json)")
    assert "d.yaml: is a file, not a sweep store (the folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["analyze", str(tmp_path / "empty")]) == 2
    assert "empty: not a sweep store (no manifest.json)" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "s"), "--prim", "peak>>3"]) == 2
    assert capsys.readouterr().err.strip() == ("noodplan: --prim: 'peak>>3': write KPI>VALUE or KPI<VALUE, "
                                               "e.g. peak_unsheltered>500")
    # a KPI the store does not keep was analysed as "no box" and exit 0; a value beyond a float's
    # range printed pydantic's validation dump
    assert main(["analyze", str(tmp_path / "s"), "--force", "--prim", "peak_happiness>3"]) == 2
    assert capsys.readouterr().err.startswith("noodplan: --prim: 'peak_happiness>3': 'peak_happiness' is not a KPI "
                                              "of this store; it keeps ")
    assert main(["analyze", str(tmp_path / "s"), "--force", "--prim", "peak_unsheltered>1e400"]) == 2
    assert capsys.readouterr().err.strip() == ("noodplan: --prim: 'peak_unsheltered>1e400': the value must be a "
                                               "finite number")


@pytest.mark.parametrize("text, says", [
    # 30.500 and 30.000 (the Dutch thousands point) were conditions on 30.5 and 30 persons: nearly every run met them
    ("peak_population>30.500", "'peak_population>30.500': 30.500 reads as 30.5 persons; write 30500 if a thousands "
                               "separator was meant (numbers are written without one), or 30.5 if that is meant"),
    ("unsheltered_person_nights<2.000", "2.000 reads as 2 person-nights; write 2000"),
    ("peak_population>30,5", "write KPI>VALUE or KPI<VALUE, e.g. peak_unsheltered>500; decimals are written with a "
                             "point: 30.5"),
    ("peak_population>1.2.3", "1.2.3 is not a number")])
def test_a_prim_condition_written_the_dutch_way_is_refused_naming_both_readings(text, says):
    with pytest.raises(ValueError) as err:
        parse_condition(text)
    assert says in str(err.value)


@pytest.mark.parametrize("text, kpi, above", [("peak_population>3000.500", "peak_population", 3000.5),
                                              ("cost_million_eur>12.500", "cost_million_eur", 12.5),
                                              ("peak_occupancy>0.950", "peak_occupancy", 0.95),
                                              ("moves_per_person>1.500", "moves_per_person", 1.5)])
def test_a_prim_condition_with_decimals_meant_is_read(text, kpi, above):
    target = parse_condition(text)
    assert (target.kpi, target.above) == (kpi, above)


def test_a_salib_users_problem_sample_and_analysis_meet_the_store(tmp_path):
    """A SALib user's first moves -- a problem dict, `sobol.sample`, the model, `sobol.analyze` -- on
    noodplan: the design of the same names, bounds (uniform), N and seed samples exactly SALib's X,
    and `salib_inputs` hands back the problem, X and Y with which SALib's own call gives the report's
    indices. Y is the toy's a + 2b + 3c at each point (Linear), worked out from X."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from experiments.sweep.analyze import salib_inputs
    from experiments.sweep.store import StoreError

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[15000, 45000], [30, 90], [0.1, 0.4]]}
    x = sobol_sample.sample(problem, 8, calc_second_order=False, seed=3)
    paths = ["housing.supply_persons_per_year", "chain.decisions_per_day.regular", "inflow.vulnerable_share"]
    params = [{"name": n, "path": p, "uniform": b} for n, p, b in zip(problem["names"], paths, problem["bounds"])]
    d = design_from_dict(toy_design(parameters=params, sampler={"method": "saltelli", "samples": 8, "seed": 3}))
    run_sweep(d, tmp_path / "store", executor="serial", model=Linear())
    store = Store.open(tmp_path / "store")
    table = store.table().sort_values("sample")
    np.testing.assert_array_equal(table[["a", "b", "c"]].to_numpy(), x)         # SALib's sample, value for value

    unit_problem, unit_x, y = salib_inputs(store, "y")
    assert unit_problem == {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    assert unit_x.shape == (40, 3) and unit_x.min() >= 0 and unit_x.max() <= 1
    np.testing.assert_array_equal(y, x[:, 0] + 2 * x[:, 1] + 3 * x[:, 2])
    mine = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=3)
    report = _indices(analyze(store, tmp_path / "an", plots=False))
    np.testing.assert_array_equal(report["S1"], mine["S1"])
    np.testing.assert_array_equal(report["ST"], mine["ST"])
    with pytest.raises(StoreError, match=r"unknown KPI 'Y' \(did you mean 'y'\?\)"):
        salib_inputs(store, "Y")


def test_a_new_store_of_too_few_points_for_indices_is_told_before_its_runs(tmp_path):
    """An lhs or sobol design of fewer than 128 points gets no RBD-FAST indices from `noodplan
    analyze`: said in a note before the runs (the analyst learnt it only from the report), once (not on
    a resume), and not for 128 points or for a saltelli design."""
    def notes(sampler, out):
        logs: list[str] = []
        run_sweep(design_from_dict(toy_design(sampler=sampler)), tmp_path / out, executor="serial", model=Linear(),
                  log=logs.append)
        return [m for m in logs if m.startswith("note:")]

    assert notes({"method": "lhs", "samples": 16, "seed": 1}, "lhs16") == [
        "note: lhs with 16 points: noodplan analyze will give PRIM boxes and plots, but no sensitivity indices "
        "(RBD-FAST needs 128 points; saltelli and morris designs give indices from fewer)"]
    report = analyze(Store.open(tmp_path / "lhs16"), tmp_path / "an", plots=False)
    assert _indices(report) is None and "RBD-FAST needs at least 128 points" in report.text
    assert notes({"method": "lhs", "samples": 16, "seed": 1}, "lhs16") == []             # resumed: nothing new
    assert notes({"method": "sobol", "samples": 32, "seed": 1}, "sobol32")[0].endswith(
        "from fewer); raise samples to 128 and this store grows")
    assert notes({"method": "lhs", "samples": 128, "seed": 1}, "lhs128") == []
    assert notes({"method": "saltelli", "samples": 4, "seed": 1}, "saltelli4") == []


def test_wide_sobol_intervals_say_how_to_narrow_them(tmp_path):
    # N = 4 base points of a + 2b + 3c: bootstrap intervals wider than ±0.2 (a fifth of the indices' 0-1
    # scale), and the report told nothing of it (the housing x IND pilot of N = 8 read S1 1.358 ± 0.612 beside
    # ST 0.956 without a word); with N = 256 they are within ±0.13 and nothing is said
    few = _sweep(tmp_path / "few", Linear(), sampler={"method": "saltelli", "samples": 4, "seed": 1})
    s = analyze(few, tmp_path / "an4", plots=False).sensitivity[0]
    widest = float(s.table[["S1_conf", "ST_conf"]].to_numpy().max())
    assert widest > 0.2
    assert s.note == (f"intervals up to ±{widest:.2f} from 4 base points; raise sampler.samples to narrow them "
                      f"(the store grows by the added runs only)")
    many = _sweep(tmp_path / "many", Linear(), sampler={"method": "saltelli", "samples": 256, "seed": 1})
    s = analyze(many, tmp_path / "an256", plots=False).sensitivity[0]
    assert float(s.table[["S1_conf", "ST_conf"]].to_numpy().max()) <= 0.2 and s.note == ""


@pytest.mark.parametrize("condition, hint", [
    ("Y>1", " (did you mean 'y'?)"),                       # misspelt: the KPI meant
    ("peak_unsheltered>500", " (a KPI of noodplan that this store's design did not keep: outputs.kpis)"),
    ("beds>3", ""),
])
def test_a_prim_condition_on_a_kpi_the_store_lacks_says_which_was_meant(tmp_path, capsys, condition, hint):
    # it listed the store's KPIs only: a misspelt name was not pointed at the one meant, and a KPI of
    # noodplan that the design left out read as if it did not exist
    _sweep(tmp_path, Linear(), sampler={"method": "lhs", "samples": 4, "seed": 1})
    capsys.readouterr()
    assert main(["analyze", str(tmp_path / "store"), "--prim", condition]) == 2
    kpi = condition.split(">")[0]
    assert capsys.readouterr().err == (f"noodplan: --prim: {condition!r}: {kpi!r} is not a KPI of this store{hint}; "
                                       f"it keeps y\n")
    assert not (tmp_path / "store" / "analysis").exists()

"""The input contract on every entry point, over the catalogue of malformed input (cases.py).

For every case: exit code 2, exactly one line on stderr starting `noodplan` and naming where the
problem is, no traceback, nothing written (the case's folder is byte for byte as before, so no
`--out` and no temporary folder), and nothing computed (building a world, the benchmark or a
server start fails the test). The scenario files of the catalogue also go through the Python API
(`load_scenario`, `from_yaml_text`), which must raise ScenarioError and nothing else.
"""

from __future__ import annotations

import datetime as dt

import pytest

from agents.views import MunicipalityAgent
from model.mesa_model import ReceptionModel
from model.scenario import ScenarioError, from_yaml_text, load_scenario, with_changes
from model.many import simulate_many
from model.simulate import prepare, simulate
from tests.bad_inputs.cases import BAD, GOOD, TINY, Case
from tests.bad_inputs.measure import argv_of, materialise, snapshot
from viz import cli


class Computed(AssertionError):
    """Something was computed for a case that should have been refused first."""


@pytest.fixture
def in_case_folder(tmp_path, monkeypatch):
    def forbid(*_a, **_k):
        raise Computed("computed something before refusing the input")

    monkeypatch.setattr("model.simulate.build_world", forbid)
    monkeypatch.setattr("experiments.bench.run_bench", forbid)
    monkeypatch.setattr("experiments.bench.sweep.sweep_bench", forbid)
    monkeypatch.setattr("viz.cli.subprocess.Popen", forbid)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_bad_input_is_refused_in_one_line(case: Case, in_case_folder, capsys):
    folder = in_case_folder
    materialise(case, folder)
    before = snapshot(folder)
    code = cli.main(argv_of(case, folder))
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 2, f"exit {code}; stderr: {err!r}; stdout: {out[-300:]!r}"
    assert len(lines) == 1 and lines[0].startswith("noodplan"), err
    assert lines[0].count(":") >= 2 and "Traceback" not in err, err   # noodplan: <where>: <reason>
    assert all(part in lines[0] for part in case.says), f"{lines[0]!r} does not say {case.says}"
    assert snapshot(folder) == before, "wrote something"


SCENARIO_FILES = [c for c in BAD if c.argv[:1] == ("validate",) and c.argv[1:] == ("{d}/s.yaml",)]


@pytest.mark.parametrize("case", SCENARIO_FILES, ids=[c.id for c in SCENARIO_FILES])
def test_api_raises_scenario_error_only(case: Case, tmp_path):
    materialise(case, tmp_path)
    with pytest.raises(ScenarioError) as e:
        load_scenario(tmp_path / "s.yaml")
    assert "\n" not in str(e.value) and str(e.value).startswith("s.yaml")
    raw = (tmp_path / "s.yaml").read_bytes()
    with pytest.raises(ScenarioError) as e:     # an upload: the same bytes, the same refusal
        from_yaml_text(raw, "upload.yaml", folder=tmp_path)
    assert "\n" not in str(e.value) and str(e.value).startswith("upload.yaml")


@pytest.mark.parametrize("case", GOOD, ids=[c.id for c in GOOD])
def test_inputs_close_to_bad_ones_are_still_accepted(case: Case, tmp_path, monkeypatch, capsys):
    materialise(case, tmp_path)
    monkeypatch.chdir("/")                      # relative paths are the file's, not the working folder's
    code = cli.main(argv_of(case, tmp_path))
    assert code == 0, capsys.readouterr().err


def test_the_catalogue_is_large_and_varied():
    distinct = {(c.category, c.id.split("/")[1]) for c in BAD}
    assert len(distinct) >= 150 and len({c.category for c in BAD}) >= 15


# --- the Python API: simulate, ReceptionModel, decisions, uploads and the other loaders -----------

def _tiny():
    return from_yaml_text(TINY, "tiny.yaml")


def _np():
    import numpy as np

    return np


def _model():
    from model.mesa_model import ReceptionModel

    return ReceptionModel(_tiny(), days=3)


def _batch_run(parameters: dict):
    import mesa

    return mesa.batch_run(ReceptionModel, parameters={"scenario": [_tiny()], **parameters}, rng=[1],
                          max_steps=1, number_processes=1, display_progress=False)


_RESULTS: list = []


def _results():
    """A 3-day run of tiny (made once, before building is forbidden; see the test)."""
    return _RESULTS[0]


def _saved_exercise(text: bytes):
    from experiments.exercise import savefile

    return savefile.from_bytes(text, "upload.json")


API_CASES = {
    "simulate/scenario-mapping": lambda: simulate({"extends": "baseline"}),
    "simulate/scenario-none": lambda: simulate(None),
    "simulate/seed-2**40": lambda: simulate(_tiny(), seed=2 ** 40),
    "simulate/seed-text": lambda: simulate(_tiny(), seed="1"),
    "simulate/days-huge": lambda: simulate(_tiny(), days=10 ** 7),
    "simulate/days-nan": lambda: simulate(_tiny(), days=float("nan")),
    # a NumPy number with a fraction, NaN, infinity or true/false is still no seed or number of days
    "simulate/seed-numpy-fraction": lambda: simulate(_tiny(), seed=_np().float64(3.5)),
    "simulate/seed-numpy-nan": lambda: simulate(_tiny(), seed=_np().float64("nan")),
    "simulate/seed-numpy-bool": lambda: simulate(_tiny(), seed=_np().bool_(True)),
    "simulate/days-numpy-infinite": lambda: simulate(_tiny(), days=_np().float64("inf")),
    "many/seeds-numpy-table": lambda: simulate_many(_tiny(), seeds=_np().zeros((2, 2), dtype=int)),
    "many/seeds-numpy-fraction": lambda: simulate_many(_tiny(), seeds=_np().array([1.0, 2.5])),
    "model/rng-numpy-fraction": lambda: ReceptionModel(_tiny(), rng=_np().float64(1.5)),
    # with_changes given a name, a file or a mapping for the scenario: AttributeError ('model_dump')
    "paths/with-changes-on-a-name": lambda: with_changes("baseline", {"horizon_days": 5}),
    "paths/with-changes-on-a-mapping": lambda: with_changes({"extends": "baseline"}, {"horizon_days": 5}),
    "model/scenario-number": lambda: ReceptionModel(5),
    "model/rng-2**40": lambda: ReceptionModel(_tiny(), rng=2 ** 40),
    "model/overrides-list": lambda: ReceptionModel(_tiny(), overrides=["chain.dublin_share", 2]),
    "model/override-unknown": lambda: ReceptionModel(_tiny(), **{"chain.speed": 3}),
    "model/override-nan": lambda: ReceptionModel(_tiny(), **{"housing.supply_persons_per_year": float("nan")}),
    "model/world-text": lambda: ReceptionModel(_tiny(), world="zeeland"),
    "model/state-text": lambda: ReceptionModel(_tiny(), state="day 3"),
    "model/state-and-overrides": lambda: ReceptionModel(state=_model().state, overrides={"chain.dublin_share": 0.1}),
    "model/agent-class-instance": lambda: ReceptionModel(_tiny(), municipality_agent=3),
    "model/agent-class-unrelated": lambda: ReceptionModel(_tiny(), location_agent=dict),
    "model/collect-agents-text": lambda: ReceptionModel(_tiny(), collect_agents="yes"),
    "model/days-text": lambda: ReceptionModel(_tiny(), days="3"),
    "model/restore-none": lambda: ReceptionModel.restore(None),   # type: ignore[arg-type]
    "model/restore-days-text": lambda: ReceptionModel.restore(_model().snapshot(), days="10"),  # type: ignore[arg-type]
    "model/batch-run-bad-parameter": lambda: _batch_run({"housing.supply_persons_per_year": [-5]}),
    "model/batch-run-unknown-parameter": lambda: _batch_run({"housing.supply": [1000]}),
    "applicant/minus-one": lambda: _model().applicant(-1),
    "applicant/past-the-end": lambda: _model().applicant(10 ** 9),
    "applicant/text": lambda: _model().applicant("3"),   # type: ignore[arg-type]
    "applicants/stage-number": lambda: _model().applicants(stage=99),
    "applicants/location-text": lambda: _model().applicants(location="x"),   # type: ignore[arg-type]
    "applicants/at-most-negative": lambda: _model().applicants(at_most=-1),
    "applicants/municipality-float": lambda: _model().applicants(municipality=3.5),   # type: ignore[arg-type]
    "simulate/world-number": lambda: simulate(_tiny(), world=5),   # type: ignore[arg-type]
    "simulate/days-text": lambda: simulate(_tiny(), days="2"),   # type: ignore[arg-type]
    "simulate/progress-number": lambda: simulate(_tiny(), progress=5),   # type: ignore[arg-type]
    "prepare/world-list": lambda: prepare(_tiny(), world=[]),   # type: ignore[arg-type]
    "results/save-number": lambda: _results().save(5),   # type: ignore[arg-type]
    "results/churn-period-text": lambda: _results().churn(period="x"),   # type: ignore[arg-type]
    "results/churn-period-reversed": lambda: _results().churn(period=(3, 1)),
    "results/churn-kinds-unknown": lambda: _results().churn(kinds=(99,)),
    "results/moves-before-text": lambda: _results().moves_before("x"),   # type: ignore[arg-type]
    "results/moves-before-past-the-run": lambda: _results().moves_before(10 ** 6),
    "results/children-only-text": lambda: _results().moves_per_person(children_only="no"),   # type: ignore[arg-type]
    "decision/text": lambda: _model().apply("close 10 places"),
    "decision/mapping-bad": lambda: _model().apply({"action": "close", "kind": "hotel", "places": 10}),
    "decision/mapping-nan": lambda: _model().apply({"action": "set", "parameter": "chain.dublin_share",
                                                    "value": float("nan")}),
    "with-changes/list": lambda: with_changes(_tiny(), [("chain.dublin_share", 2)]),   # type: ignore[arg-type]
    # sixth round: accepted before (a negative or full-width index set the last or the first group;
    # a decision's date was replaced by today's) or an AttributeError/TypeError traceback
    "with-changes/negative-index": lambda: with_changes(_tiny(), {"groups.-1.share": 0.2}),
    "with-changes/fullwidth-index": lambda: with_changes(_tiny(), {"groups.\uff10.share": 0.4}),
    "model/override-negative-index": lambda: ReceptionModel(_tiny(), overrides={"groups.-1.share": 0.2}),
    "decision/mapping-with-date": lambda: _model().apply({"action": "close", "kind": "emergency", "places": 10,
                                                          "date": "2020-01-01"}),
    "decision/path-through-a-number": lambda: _model().apply({"action": "set", "value": 3,
                                                              "parameter": "chain.screening_days.real"}),
    "upload/number": lambda: from_yaml_text(5),   # type: ignore[arg-type]
    "upload/none": lambda: from_yaml_text(None),   # type: ignore[arg-type]
    "exercise-upload/garbage": lambda: _saved_exercise(bytes(range(256))),
    "exercise-upload/list": lambda: _saved_exercise(b"[1, 2]"),
    "exercise-upload/deep": lambda: _saved_exercise(b"[" * 100_000 + b"]" * 100_000),
    "exercise-upload/version-true": lambda: _saved_exercise(b'{"format": "noodplan-exercise", "format_version": true}'),
    # seventh round: a saved run uploaded to the dashboard (int() read '7', 1.7, true; a decision's
    # day -1 made the replay loop for ever; a bad decision said only "1 validation error for Event")
    "run-file/seed-text": lambda: _run_file(seed="abc"),
    "run-file/seed-fraction": lambda: _run_file(seed=1.7),
    "run-file/seed-true": lambda: _run_file(seed=True),
    "run-file/day-infinite": lambda: _run_file(day=float("inf")),
    "run-file/day-text": lambda: _run_file(day="3"),
    "run-file/unknown-field": lambda: _run_file(colour="red"),
    "run-file/format-true": lambda: _run_file(noodplan_run=True),
    "run-file/utf16": lambda: _run_file_bytes(_run_json().encode("utf-16")),
    "run-file/decision-day-negative": lambda: _run_file(decisions=[{"day": -1, "event": _EV}]),
    "run-file/decision-after-the-run": lambda: _run_file(day=3, decisions=[{"day": 10, "event": _EV}]),
    "run-file/decision-day-text": lambda: _run_file(decisions=[{"day": "1", "event": _EV}]),
    "run-file/decision-event-field": lambda: _run_file(decisions=[{"day": 1, "event": {**_EV, "places": -5}}]),
    "run-file/decision-extra-field": lambda: _run_file(decisions=[{"day": 1, "event": _EV, "when": "now"}]),
    # the dashboard's parameter fields: '12,5' was read as 125, full-width digits as digits
    "params/decimal-comma": lambda: _typed("chain.decisions_per_day.regular", "12,5"),
    "params/comma-in-days": lambda: _typed("horizon_days", "1,0"),
    "params/fullwidth": lambda: _typed("housing.supply_persons_per_year", "\uff13\uff10\uff10\uff10"),
    "params/underscore-not-grouping": lambda: _typed("horizon_days", "1_0"),
    # the exercise room's handlers as a form or a caller may call them
    "room/withdraw-text": lambda: _room()[0].withdraw(_room()[2], "1"),   # type: ignore[arg-type]
    "room/adhoc-none": lambda: _room()[0].adhoc(_room()[1], None, "x"),   # type: ignore[arg-type]
    "room/snapshot-none": lambda: _room()[0].snapshot(_room()[1], None),   # type: ignore[arg-type]
    "room/lesson-none": lambda: _room()[0].lesson(_room()[1], "general", None),   # type: ignore[arg-type]
    "room/create-none": lambda: _rooms().create(None),   # type: ignore[arg-type]
    "room/restore-none": lambda: _rooms().restore(None),   # type: ignore[arg-type]
    # the experiments' API: ValueError/TypeError tracebacks before, or taken silently
    "backtest/seeds-zero": lambda: _backtest(seeds=0),
    "backtest/seeds-twice": lambda: _backtest(seeds=[1, 1]),
    "backtest/jobs-text": lambda: _backtest(seeds=1, jobs="2"),
    "backtest/jobs-negative": lambda: _backtest(seeds=1, jobs=-2),
    "backtest/scenario-none": lambda: _backtest(scenario=None),
    "backtest/points-text": lambda: _backtest(seeds=1, points=["2025-07-05"]),
    "backtest/point-nan": lambda: _backtest(seeds=1, points=[_point(float("nan"))]),
    # round 22b (CL5): points that score nothing (every seed ran; the report said no point was scored)
    "backtest/points-empty": lambda: _backtest(seeds=1, points=[]),
    "backtest/points-only-the-start": lambda: _backtest(seeds=1, points=[_point(2000, dt.date(2025, 7, 1))]),
    "backtest/points-after-the-run": lambda: _backtest(seeds=1, points=[_point(2000, dt.date(2025, 8, 1))]),
    "compare/runs-text": lambda: _compare(runs="2"),
    "compare/workers-negative": lambda: _compare(workers=-1),
    "compare/scenario-none": lambda: _compare(a=None),
    "many/same-world-text": lambda: simulate_many(_tiny(), [1], days=2, same_world="no"),   # type: ignore[arg-type]
    "forecast/months-zero": lambda: _run_forecast(months=0),
    "forecast/months-text": lambda: _run_forecast(months="2"),
    "forecast/members-negative": lambda: _run_forecast(members=-1),
    "forecast/seed-negative": lambda: _run_forecast(seed=-1),
    "forecast/occupancy-nan": lambda: _run_forecast(occupancy=float("nan")),
    "forecast/inflow-unknown": lambda: _run_forecast(inflow="guess"),
    "forecast/members-times-months": lambda: _run_forecast(members=1_000, months=600),
    "forecast/from-run-months-zero": lambda: _origins().from_run(_tiny(), 0),
    "forecast/from-run-at-text": lambda: _origins().from_run(_tiny(), 1, at="2025-07-05"),   # type: ignore[arg-type]
    "forecast/from-record-origin-text": lambda: _origins().from_record("2019-01-01", 6),   # type: ignore[arg-type]
    "forecast/from-record-targets": lambda: _origins().from_record(dt.date(2019, 1, 1), 6, targets="guess"),
    "forecast/from-record-family": lambda: _origins().from_record(dt.date(2019, 1, 1), 6, family="guess"),
    "forecast/from-snapshot-none": lambda: _origins().from_snapshot_file(None, 6),   # type: ignore[arg-type]
    # eighth round: the faces a Mesa, EMA or Dask user reaches for first (accepted before: the
    # argument ignored or taken as something else; or a TypeError/ValueError/EMAError traceback)
    "model/days-and-horizon-days": lambda: ReceptionModel(_tiny(), days=5, horizon_days=7),
    "model/collect-agents-none": lambda: ReceptionModel(_tiny(), collect_agents=None),   # type: ignore[arg-type]
    "model/restore-days-below-the-horizon": lambda: ReceptionModel.restore(_model().snapshot(), days=1),
    "model/restore-seed": lambda: ReceptionModel.restore(_model().snapshot(), seed=5),
    "model/scenario-empty-text": lambda: ReceptionModel(""),
    "model/batch-run-overrides-not-in-a-list": lambda: _batch_run({"overrides": {"chain.dublin_share": 0.1}}),
    "applicants/municipality-true": lambda: _model().applicants(municipality=True),
    "applicants/track-mapping": lambda: _model().applicants(track={"regular": 1}),   # type: ignore[arg-type]
    "applicants/stage-bytes": lambda: _model().applicants(stage=b"permit"),   # type: ignore[arg-type]
    "datacollector/agents-not-collected": lambda: _model().datacollector.get_agenttype_vars_dataframe(
        MunicipalityAgent),
    "datacollector/agent-vars": lambda: _model().datacollector.get_agent_vars_dataframe(),
    "datacollector/no-such-table": lambda: _model().datacollector.get_table_dataframe("moves"),
    "ema/design-number": lambda: _ema_model(5),
    "ema/name-with-a-space": lambda: _ema_model("housing-x-ind", name="my model"),
    "ema/replicate-text": lambda: _ema_model("housing-x-ind", replicate="no"),
    "ema/run-unknown-name": lambda: _ema_run(typo=3),
    "ema/run-missing-parameter": lambda: _ema_run(drop="ind_regular_per_day"),
    "ema/run-text-for-a-range": lambda: _ema_run(housing_supply="lots"),
    "ema/run-seed-text": lambda: _ema_run(seed="x"),
    "ema/run-seed-fraction": lambda: _ema_run(seed=1.7),
    "sweep/executor-unknown": lambda: _sweep(executor="dusk"),
    "sweep/workers-zero": lambda: _sweep(executor="processes", workers=0),
    "sweep/workers-negative": lambda: _sweep(executor="processes", workers=-1),
    "sweep/serial-with-workers": lambda: _sweep(workers=4),
    "sweep/scheduler-without-dask": lambda: _sweep(scheduler="tcp://127.0.0.1:9"),
    "sweep/scheduler-number": lambda: _sweep(executor="dask", scheduler=5),
    "sweep/batch-size-zero": lambda: _sweep(batch_size=0),
    "sweep/batch-size-negative": lambda: _sweep(batch_size=-1),
    "sweep/model-number": lambda: _sweep(model=5),
    "sweep/on-batch-number": lambda: _sweep(on_batch=5),
    "sweep/progress-text": lambda: _sweep(progress="yes"),
    "sweep/out-none": lambda: _sweep(out=None),
    "sweep/design-number": lambda: _sweep(design=5),
    "executors/make-unknown": lambda: _executor("dusk"),
    "executors/make-workers-negative": lambda: _executor("processes", -1),
    # eleventh round: a misspelt path, however it is given, named whole with the whole path meant (a
    # mapping got "unknown field (did you mean 'supply_persons_per_year'?)", a mapping's key "'[key]':
    # Input should be …", a typo before the last part "check the spelling", a keyword of
    # ReceptionModel misspelt "unknown scenario parameter")
    "paths/with-changes-mapping": lambda: with_changes(_tiny(), {"housing": {"supply_persons_per_yaer": 1}}),
    "paths/with-changes-before-the-last-part": lambda: with_changes(_tiny(), {"hosuing.supply_persons_per_year": 1}),
    "paths/many-params-mapping": lambda: simulate_many(_tiny(), [1], params=[{"housing": {
        "supply_persons_per_yaer": 1}}]),
    "paths/many-params-track": lambda: simulate_many(_tiny(), [1], params=[{"chain.decisions_per_day.reguler": 1}]),
    "paths/model-overrides-mapping": lambda: ReceptionModel(_tiny(), overrides={"housing": {
        "supply_persons_per_yaer": 1}}),
    "paths/model-overrides-track-key": lambda: ReceptionModel(_tiny(), overrides={"chain": {"decisions_per_day": {
        "reguler": 1}}}),
    "paths/model-keyword-misspelt": lambda: ReceptionModel(_tiny(), colect_agents=True),
    "paths/batch-run-parameter-misspelt": lambda: _batch_run({"housing.supply_persons_per_yaer": [1000]}),
    "paths/design-set-mapping": lambda: _design_dict(set={"housing": {"supply_persons_per_yaer": 1}}),
    "paths/ema-run-name-misspelt": lambda: _ema_run(housing_suply=3),
    # twentieth round: a Mesa or Python user's first moves (a line that did not name the argument, or a
    # TypeError from inside the run a day later)
    "model/scenario-misspelt": lambda: ReceptionModel("basline"),
    "simulate/progress-one-argument": lambda: simulate(_tiny(), progress=lambda day: None),
    "many/scenario-misspelt-in-a-list": lambda: simulate_many([_tiny(), "basline"], [1, 2]),
    "many/reduce-without-an-argument": lambda: simulate_many(_tiny(), [1], reduce=lambda: 0),
}

# what the one line must say, where the case alone does not make it fail before its fix
API_SAYS = {
    "paths/with-changes-on-a-name": "overrides: changes are made to a Scenario, not str (a file or a built-in name: "
                                    "load_scenario first)",
    "run-file/decision-event-field": "decisions.0.event: places: Input should be greater than or equal to 0",
    "run-file/utf16": "is UTF-16 text",
    "backtest/points-empty": "points: an empty list scores nothing; give at least one RecordPoint after the run's "
                             "start 2025-07-01 and on or before its last day 2025-07-20, or None for the packaged "
                             "record",
    "backtest/points-only-the-start": "points: the one point given (2025-07-01) is not after the run's start "
                                      "2025-07-01 and on or before its last day 2025-07-20 (a point on the start is "
                                      "the initial condition, not scored): nothing would be scored",
    "backtest/points-after-the-run": "points: the one point given (2025-08-01) is not after the run's start",
    "model/restore-seed": "seed: not with state=",
    "model/scenario-empty-text": "scenario: give a built-in name or a file path",
    "model/scenario-number": "ReceptionModel: scenario: a Scenario, a built-in name or a file path, not int",
    "model/scenario-misspelt": "ReceptionModel: scenario: basline: no such scenario file or built-in name (did you "
                               "mean 'baseline'?)",
    "simulate/progress-one-argument": "progress: a function of (day, horizon) or None; <lambda> cannot be called so",
    "many/scenario-misspelt-in-a-list": "scenarios.1: basline: no such scenario file",
    "many/reduce-without-an-argument": "reduce: a function of one run's Results or None; <lambda> cannot be called",
    "model/batch-run-overrides-not-in-a-list": "put the mapping in a list",
    "applicants/stage-bytes": "stage: one value or several, not bytes",
    "paths/with-changes-mapping": "overrides: housing.supply_persons_per_yaer: unknown field (did you mean "
                                  "'housing.supply_persons_per_year'?)",
    "paths/with-changes-before-the-last-part": "overrides: hosuing.supply_persons_per_year: unknown field (did you "
                                               "mean 'housing.supply_persons_per_year'?)",
    "paths/many-params-mapping": "params.0: housing.supply_persons_per_yaer: unknown field (did you mean "
                                 "'housing.supply_persons_per_year'?)",
    "paths/many-params-track": "params.0: chain.decisions_per_day.reguler: unknown field (did you mean "
                               "'chain.decisions_per_day.regular'?)",
    "paths/model-overrides-mapping": "ReceptionModel: housing.supply_persons_per_yaer: unknown field (did you mean "
                                     "'housing.supply_persons_per_year'?)",
    "paths/model-overrides-track-key": "ReceptionModel: chain.decisions_per_day.reguler: unknown key, not one of "
                                       "'regular', 'accelerated', 'border' or 'dublin' (did you mean "
                                       "'chain.decisions_per_day.regular'?)",
    "paths/model-keyword-misspelt": "colect_agents: neither a keyword of ReceptionModel nor a scenario field (did "
                                    "you mean the keyword 'collect_agents'?)",
    "paths/batch-run-parameter-misspelt": "housing.supply_persons_per_yaer: unknown field (did you mean "
                                          "'housing.supply_persons_per_year'?)",
    "paths/design-set-mapping": "housing.supply_persons_per_yaer: unknown field (did you mean "
                                "'housing.supply_persons_per_year'?)",
    "paths/ema-run-name-misspelt": "ema: housing_suply: not a parameter of design 'housing-x-ind' (did you mean "
                                   "'housing_supply'?)",
}


_EV = {"action": "close", "kind": "emergency", "places": 10, "date": "2025-07-01"}


def _run_json(**changes) -> str:
    import json

    return json.dumps({"noodplan_run": 1, "name": "r", "scenario": _tiny().model_dump(mode="json"), "seed": 1,
                       "day": 3, "decisions": [], **changes})


def _run_file(**changes):
    from viz.session import RunRecord

    return RunRecord.from_json(_run_json(**changes), "run.json")


def _run_file_bytes(raw: bytes):
    from viz.session import RunRecord

    return RunRecord.from_json(raw, "run.json")


def _typed(key: str, text: str):
    """A dashboard parameter field typed as `text`: its message, as the panel shows it."""
    from viz import params

    new, errors = params.apply(_tiny(), {key: text})
    if errors:
        raise ScenarioError(next(iter(errors.values())))
    return new


_ROOM: list = []


def _rooms():
    from viz.exercise_room import Rooms

    return Rooms()


def _room():
    """A running room of a small exercise: (room, facilitator key, player token), made once."""
    return _ROOM[0]


def _make_room(folder) -> None:
    from tests.bad_inputs.cases import EXERCISE

    (folder / "tiny.yaml").write_text(TINY)
    (folder / "e.yaml").write_text(EXERCISE)
    room, key = _rooms().create(str(folder / "e.yaml"))
    room.start(key)
    _ROOM.append((room, key, room.join("coa")))


def _backtest(scenario="tiny", **kwargs):
    from experiments.backtest import backtest

    return backtest(_tiny() if scenario == "tiny" else scenario, **kwargs)


def _point(value: float, date: dt.date = dt.date(2025, 7, 5)):
    from experiments.history import RecordPoint

    return RecordPoint(date, "population", value, "x")


def _compare(a="tiny", **kwargs):
    from experiments.compare import compare

    return compare(_tiny() if a == "tiny" else a, _tiny(), **{"runs": 1, "days": 2, "workers": 1, **kwargs})


def _origins():
    from experiments.forecast import origins

    return origins


_ORIGIN: list = []


def _run_forecast(**kwargs):
    from experiments.forecast.ensemble import run_forecast

    return run_forecast(_ORIGIN[0], **{"months": 1, "members": 1, **kwargs})


def _design_dict(**changes):
    from experiments.sweep.design import design_from_dict
    from tests.experiments.test_sweep_support import toy_design

    return design_from_dict(toy_design(**changes))


def _ema_model(design, **kwargs):
    from experiments.sweep.ema import ema_model

    return ema_model(design, **kwargs)


def _ema_run(drop: str = "", **values):
    """EmaRun of housing-x-ind called as EMA would, with `values` over valid ones (`drop`: one left out)."""
    from experiments.sweep.design import load_design
    from experiments.sweep.ema import EmaRun

    given = {"housing_supply": 20_000.0, "ind_regular_per_day": 50.0, **values}
    given.pop(drop, None)
    return EmaRun(load_design("housing-x-ind"))(**given)


class _NoRun:
    """A sweep model that must never be called (the arguments are refused first)."""

    kpis = ("y",)

    def __call__(self, values, seed):
        raise Computed("ran a sweep before refusing its arguments")


def _sweep(design="toy", out="st", **kwargs):
    from experiments.sweep.design import design_from_dict
    from experiments.sweep.sweep import run_sweep
    from tests.experiments.test_sweep_support import toy_design

    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 2, "seed": 1})) if design == "toy" else design
    return run_sweep(d, out, **{"executor": "serial", "model": _NoRun(), "log": lambda m: None, **kwargs})


def _executor(name, workers=None):
    from experiments.sweep import executors

    return executors.make(name, _NoRun(), workers)


@pytest.mark.parametrize("name", list(API_CASES))
def test_the_api_refuses_in_one_line(name, monkeypatch, tmp_path_factory):
    def forbid(*_a, **_k):
        raise Computed("computed something before refusing the input")

    if name.startswith("room/") and not name.startswith(("room/create", "room/restore")) and not _ROOM:
        _make_room(tmp_path_factory.mktemp("room"))
    if name.startswith("forecast/") and not _ORIGIN:
        from experiments.forecast.origins import from_run

        _ORIGIN.append(from_run(_tiny(), 1))

    if name.startswith("sweep/"):
        monkeypatch.chdir(tmp_path_factory.mktemp("sweep"))     # its store would be ./st
    if name.startswith(("decision/", "applicant", "model/state-and", "model/restore", "datacollector/")):
        model = _model()                  # built before building is forbidden
        monkeypatch.setattr("tests.bad_inputs.test_bad_inputs._model", lambda: model)
    if name.startswith("results/") and not _RESULTS:
        _RESULTS.append(simulate(_tiny(), days=3))
    monkeypatch.setattr("model.simulate.build_world", forbid)
    with pytest.raises(ScenarioError) as e:
        API_CASES[name]()
    assert "\n" not in str(e.value) and ":" in str(e.value), str(e.value)
    assert API_SAYS.get(name, "") in str(e.value), str(e.value)
    if name.startswith("sweep/"):
        from pathlib import Path

        assert not Path("st").exists(), "made the store before refusing the arguments"


def test_a_decision_as_a_mapping_acts_as_the_event_would():
    # 10 emergency places closed by a mapping, as by the Event of the same fields
    from model.scenario import Event

    a, b = _model(), _model()
    fields = {"action": "close", "kind": "emergency", "places": 10}
    a.apply(fields)
    b.apply(Event(date=b.date, **fields))
    a.step()
    b.step()
    assert a.state.event_log[-1]["what"] == b.state.event_log[-1]["what"]
    assert a.datacollector.get_model_vars_dataframe().equals(b.datacollector.get_model_vars_dataframe())


def test_inputs_close_to_the_seventh_rounds_are_still_accepted():
    # a run file's whole numbers written as JSON floats (3.0), its decisions on days the run reached
    rec = _run_file(day=3.0, seed=7.0, decisions=[{"day": 0, "event": _EV}, {"day": 3, "event": _EV}])
    assert (rec.day, rec.seed, [d.day for d in rec.decisions]) == (3, 7, [0, 3])
    assert _run_file(seed=None).seed is None
    # numbers typed with thousands separators, a point for decimals or an exponent
    from viz import params

    for key, text, value in (("housing.supply_persons_per_year", "30,000", 30_000),
                             ("housing.supply_persons_per_year", "30_000", 30_000),
                             ("housing.supply_persons_per_year", " 3e3 ", 3_000),
                             ("chain.decisions_per_day.regular", "12.5", 12.5),
                             ("chain.decisions_per_day.regular", "1,012.5", 1_012.5),
                             ("chain.decisions_per_day.regular", "+1.", 1)):
        assert float(params.current_values(_typed(key, text))[key]) == value


def test_inputs_close_to_the_eighth_rounds_are_still_accepted(tmp_path, monkeypatch):
    import numpy as np

    from agents.views import LocationAgent
    from experiments.sweep import executors
    from experiments.sweep.design import load_design
    from experiments.sweep.ema import EmaRun, ema_model

    # NumPy integers as seeds and days, NumPy numbers as parameters; rng=None is the scenario's seed
    m = ReceptionModel(_tiny(), rng=np.int64(3), days=np.int64(2), overrides={"chain.dublin_share": np.float64(0.1)})
    assert (m.state.seed, m.horizon, m.config.chain.dublin_share) == (3, 2, 0.1)
    assert ReceptionModel(_tiny(), seed=np.uint32(4), days=2).state.seed == 4
    assert ReceptionModel(_tiny(), rng=None, days=2).state.seed == _tiny().seed
    assert ReceptionModel(_tiny(), horizon_days=2).horizon == 2          # the horizon by its path alone
    # a restore to the saved horizon or beyond it; the agents' frames when they are collected
    m = ReceptionModel(_tiny(), days=3, collect_agents=True)
    m.step()
    assert ReceptionModel.restore(m.snapshot(), days=3).horizon == 3
    assert ReceptionModel.restore(m.snapshot(), days=5).horizon == 5
    assert len(m.datacollector.get_agenttype_vars_dataframe(MunicipalityAgent)) == len(m.municipality_agents)
    assert len(m.datacollector.get_agenttype_vars_dataframe(LocationAgent)) == len(m.location_agents)
    assert len(m.datacollector.get_model_vars_dataframe()) == 1
    assert len(m.applicants(municipality=np.int64(0))) == len(m.applicants(municipality=[0]))
    assert len(m.applicants(stage={"permit", "procedure"})) == len(m.applicants(stage=["permit", "procedure"]))
    # EMA: the model under a valid name; the function with a NumPy seed and integer values
    # (scalar outcomes: EMA keeps one outcome class per KPI name in a process, and test_sweep_ema makes these)
    assert type(ema_model("housing-x-ind", name="noodplan_2", replicate=False)).__name__ == "Model"
    run = EmaRun(load_design("housing-x-ind"))
    calls = []
    monkeypatch.setattr(type(run.model), "__call__",
                        lambda self, values, seed: calls.append((values, seed)) or ({}, None))
    run(seed=np.int64(2), housing_supply=20_000, ind_regular_per_day=np.float64(50))
    assert calls == [({"housing_supply": 20_000, "ind_regular_per_day": 50}, 2)]
    # executors: their ranges' ends, and a Dask cluster object as the scheduler
    executors.check("serial", 1)
    executors.check("processes", 256)
    executors.check("dask", 10_000, "tcp://127.0.0.1:8786")
    executors.check("dask", None, type("Cluster", (), {"scheduler_address": "tcp://127.0.0.1:8786"})())


def test_numpy_and_pandas_numbers_are_taken_for_whole_numbers():
    # a seed or a number of days from a pandas column, a sampler or np.linspace is a float64 (3.0), and
    # a list of seeds np.arange(n): simulate, simulate_many and ReceptionModel refused them ("must be a
    # whole number ... (got np.float64(3.0))", "seeds: a list with one entry per run, not ndarray"),
    # though a scenario file's 10.0 is read as 10. Each now runs exactly the run its int would.
    import numpy as np
    import pandas as pd
    import xarray as xr

    tiny = _tiny()
    same = simulate(tiny, seed=3, days=2)
    xr.testing.assert_identical(simulate(tiny, seed=np.float64(3.0), days=np.float64(2.0)).daily, same.daily)
    xr.testing.assert_identical(simulate(tiny, seed=3.0, days=np.float32(2)).daily, same.daily)
    many = simulate_many(tiny, seeds=np.arange(3, 5), days=np.float64(2.0))
    assert [r.seed for r in many] == [3, 4] and all(type(r.seed) is int for r in many)
    xr.testing.assert_identical(many[0].daily, same.daily)
    assert [r.seed for r in simulate_many(tiny, seeds=pd.Series([3.0, 4.0]), days=2)] == [3, 4]
    m = ReceptionModel(tiny, rng=np.float64(3.0), days=np.float64(2.0))
    assert (m.state.seed, m.horizon) == (3, 2) and type(m.state.seed) is int
    assert type(m.horizon) is int
    # NumPy's true/false for a true/false field ("must be true or false (got np.True_)" before)
    assert with_changes(tiny, {"plan.enabled": np.bool_(False)}).plan.enabled is False
    assert ReceptionModel(tiny, days=2, **{"plan.enabled": np.True_}).config.plan.enabled is True


def test_a_path_is_taken_where_a_scenario_file_is(tmp_path):
    # compare(Path(...)) said "a: a Scenario, a built-in name or a file path, not PosixPath"
    from pathlib import Path

    from experiments.compare import compare

    (tmp_path / "tiny.yaml").write_text(TINY)
    by_path = compare(Path(tmp_path / "tiny.yaml"), str(tmp_path / "tiny.yaml"), runs=1, days=2, workers=1)
    assert by_path.a == by_path.b == "tiny"


def test_a_day_is_read_as_written_yyyy_mm_dd_only():
    # date.fromisoformat read 20200601 and ISO weeks (2020-W23: Monday 1 June) for the forecast's options and
    # --record rows; iso_date takes the form every noodplan file and option documents, and says what to write
    from model.scenario import iso_date

    assert iso_date("2020-06-01") == dt.date(2020, 6, 1)
    for text, says in (("20200601", "write it 2020-06-01"), ("2020-W23", "an ISO week is not read"),
                       ("2020-W23-1", "an ISO week"), ("2020-02-30", "not a day of the calendar"),
                       ("\uff12\uff10\uff12\uff10-06-01", "YYYY-MM-DD"), (" 2020-06-01", "YYYY-MM-DD")):
        with pytest.raises(ValueError, match=says):
            iso_date(text)


def test_late_events_are_refused_in_a_file_not_in_an_export_or_the_library(tmp_path):
    # an event a user's file writes after its run's last day was accepted and never happened; the library's
    # hindcast-2015 schedules 2018 for calibrate's longer run, and a scenario the dashboard exports whole
    # (to_yaml) must upload again (from_yaml_text), so those two are not refused
    from model.scenario import load_scenario, to_yaml

    (tmp_path / "tiny.yaml").write_text(TINY)
    late = "extends: tiny.yaml\nevents:\n  - {date: 2025-08-01, action: open, kind: regular, places: 5}\n"
    (tmp_path / "late.yaml").write_text(late)
    with pytest.raises(ScenarioError, match=r"late.yaml: events.0.date: 2025-08-01 is after the run's last day"):
        load_scenario(tmp_path / "late.yaml")
    (tmp_path / "longer.yaml").write_text(late + "horizon_days: 40\n")
    assert load_scenario(tmp_path / "longer.yaml").events[0].date == dt.date(2025, 8, 1)
    hindcast = load_scenario("hindcast-2015")
    assert max(e.date for e in hindcast.events) > hindcast.end_date
    assert from_yaml_text(to_yaml(hindcast), "export.yaml").events == hindcast.events
    (tmp_path / "short.yaml").write_text("extends: hindcast-2015\nhorizon_days: 30\n")   # inherited: a first look
    assert load_scenario(tmp_path / "short.yaml").horizon_days == 30


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A folder `noodplan run tiny.yaml --out run` wrote (20 days), in a folder holding tiny.yaml."""
    import contextlib
    import io
    import os

    folder = tmp_path_factory.mktemp("from-run")
    (folder / "tiny.yaml").write_text(TINY)
    here = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert cli.main(["run", "tiny.yaml", "--out", "run"]) == 0
    finally:
        os.chdir(here)
    return folder


def _edit_line(text: str, line: int, cell: int, new: str) -> str:
    rows = text.split("\n")
    cells = rows[line - 1].split(",")
    cells[cell] = new
    rows[line - 1] = ",".join(cells)
    return "\n".join(rows)


@pytest.mark.parametrize("edit, says", [
    (lambda t: _edit_line(t, 4, 2, "abc"), "run/daily.csv: line 4: damaged (the run wrote a whole number of "
                                          "persons as population, not 'abc')"),
    (lambda t: _edit_line(t, 4, 2, ""), "line 4: damaged (the run wrote a whole number of persons as population"),
    (lambda t: _edit_line(t, 4, 2, "2.006"), "line 4: damaged (the run wrote a whole number of persons"),
    (lambda t: _edit_line(t, 6, 0, "05-07-2025"), "line 6: damaged (the run wrote the date 2025-07-05 here, "
                                                  "not '05-07-2025')"),
    (lambda t: "\n".join(t.split("\n")[:15]) + "\n", "run/daily.csv: damaged (the run wrote 20 days, here 14)"),
    (lambda t: "", "run/daily.csv: damaged (empty)"),
    (lambda t: t.replace(",", ";"), "damaged (no column date or population in its first line)"),
], ids=["population-text", "population-empty", "population-dutch-thousands", "date-dutch-order", "rows-cut",
        "emptied", "semicolons"])
def test_a_run_folder_edited_since_is_named_before_the_run(run_folder, edit, says, tmp_path, monkeypatch, capsys):
    # forecast --from-run FOLDER ran the run again and then read its daily.csv: a population cell made text
    # ended in "ValueError: Unknown format code 'f'" (a traceback), an emptied file or a lost column was
    # found only after the run, a changed date was "20 days saved, 20 needed"
    import shutil

    shutil.copytree(run_folder, tmp_path, dirs_exist_ok=True)
    daily = tmp_path / "run" / "daily.csv"
    daily.write_text(edit(daily.read_text()))

    def forbid(*_a, **_k):
        raise Computed("ran before reading the run's daily.csv")

    monkeypatch.setattr("model.simulate.build_world", forbid)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["forecast", "--from-run", "run", "--months", "1", "--members", "1", "--out", "f"])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("noodplan: --from-run: run/daily.csv") and says in lines[0], lines[0]
    assert "--from-run SCENARIO --seed 20250701" in lines[0] and not (tmp_path / "f").exists()


def test_a_run_folder_as_written_is_still_a_forecast_origin(run_folder, tmp_path, monkeypatch, capsys):
    import shutil

    shutil.copytree(run_folder, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["forecast", "--from-run", "run", "--at", "2025-07-10", "--months", "1", "--members", "1",
                     "--no-inflow-errors", "--out", "f"]) == 0, capsys.readouterr().err
    assert (tmp_path / "f" / "forecast.csv").is_file()


@pytest.mark.parametrize("field, value, says", [
    ("seed", -1, "run/manifest.json: damaged (seed: -1 is not a run's seed)"),
    ("seed", 2**40, "run/manifest.json: damaged (seed: 1,099,511,627,776 is not a run's seed)"),
    ("days", 0, "run/manifest.json: damaged (days: 0 is not a run's days)"),
    ("days", 10**8, "run/manifest.json: damaged (days: 100,000,000 is not a run's days)"),
])
def test_a_run_manifest_edited_since_names_the_manifest(run_folder, field, value, says, tmp_path, monkeypatch,
                                                        capsys):
    # was "noodplan: --seed: a whole number from 0 to …" (an option nobody gave) or "the run's scenario
    # 'tiny.yaml' cannot be read from here (tiny: horizon_days: …)" (the scenario is fine; the manifest is not)
    import json
    import shutil

    shutil.copytree(run_folder, tmp_path, dirs_exist_ok=True)
    manifest = tmp_path / "run" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), field: value}))
    monkeypatch.chdir(tmp_path)
    code = cli.main(["forecast", "--from-run", "run", "--months", "1", "--members", "1", "--out", "f"])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and len(lines) == 1 and says in lines[0], lines


def test_decisions_per_day_far_above_the_queue_decide_as_any_value_above_it():
    """`chain.decisions_per_day` is bounded by MAX_AMOUNT (10^12 a day: docs/input-contract.md, *Ranges*), not by
    the persons a run holds -- left on purpose (round 22b, CL5): a capacity above the persons waiting is idle, so
    every such value decides everyone waiting on the day (a limiting what-if, no IND queue, that a sweep may draw on
    a log scale) and the run is the same bit for bit; at the bound it runs as fast."""
    tracks = ("regular", "accelerated", "border", "dublin")
    daily = []
    for value in (1e5, 1e12):       # tiny holds at most ~2,100 persons in reception: 10^5 a day is far above them
        sc = with_changes(_tiny(), {f"chain.decisions_per_day.{t}": value for t in tracks})
        daily.append(simulate(sc, seed=1, days=20).daily)
    saturated, at_the_bound = daily
    assert int(saturated["ind_backlog"].values[-1]) == 0 and int(saturated["decisions"].values.sum()) > 0
    assert {k: at_the_bound[k].values.tobytes() for k in at_the_bound.data_vars} == \
        {k: saturated[k].values.tobytes() for k in saturated.data_vars}

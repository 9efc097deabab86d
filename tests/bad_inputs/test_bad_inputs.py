"""The input contract on every entry point, over the catalogue of malformed input (cases.py).

For every case: exit code 2, exactly one line on stderr starting `noodplan` and naming where the
problem is, no traceback, nothing written (the case's folder is byte for byte as before, so no
`--out` and no temporary folder), and nothing computed (building a world, the benchmark or a
server start fails the test). The scenario files of the catalogue also go through the Python API
(`load_scenario`, `from_yaml_text`), which must raise ScenarioError and nothing else.
"""

from __future__ import annotations

import pytest

from model.mesa_model import ReceptionModel
from model.scenario import ScenarioError, from_yaml_text, load_scenario, with_changes
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
}


@pytest.mark.parametrize("name", list(API_CASES))
def test_the_api_refuses_in_one_line(name, monkeypatch):
    def forbid(*_a, **_k):
        raise Computed("computed something before refusing the input")

    if name.startswith(("decision/", "applicant", "model/state-and", "model/restore")):
        model = _model()                  # built before building is forbidden
        monkeypatch.setattr("tests.bad_inputs.test_bad_inputs._model", lambda: model)
    if name.startswith("results/") and not _RESULTS:
        _RESULTS.append(simulate(_tiny(), days=3))
    monkeypatch.setattr("model.simulate.build_world", forbid)
    with pytest.raises(ScenarioError) as e:
        API_CASES[name]()
    assert "\n" not in str(e.value) and ":" in str(e.value), str(e.value)


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

"""The generative fuzzer of the Python API's arguments (fuzz_api.py), a small seeded sweep: every public
entry called with one argument wrong is refused in one ValueError line naming that argument, or takes
the value when it is one the argument takes; none ends in another exception, several lines, a line that
does not name the argument, a hang, or a value taken that the argument never takes.
A wide sweep (every argument x every kind, 2,034 calls): `python -m tests.bad_inputs.fuzz_api`.
"""

from __future__ import annotations

import pytest

from tests.bad_inputs import fuzz_api as fz

SEED = 20261206


@pytest.fixture(scope="module")
def swept():
    return fz.fuzz(per_arg=2, seed=SEED)


def test_no_call_of_any_entry_is_a_finding(swept):
    findings = [f"{e}({a}=<{k}>): {o.outcome}: {o.detail[:300]}" for e, a, k, o in swept if o.outcome in fz.FINDINGS]
    assert not findings, "\n".join(findings)


def test_every_entry_is_called_and_refuses(swept):
    names = [e.name for e in fz._entries()]
    assert {e for e, *_ in swept} == set(names)
    refused = {e for e, _a, _k, o in swept if o.outcome == "refused"}
    assert len(refused) >= len(names) - 3      # two kinds per argument: a one-argument entry may draw two it takes


@pytest.mark.parametrize(("call", "says"), [
    # each was a finding before (a traceback, a value taken, or a line not naming the argument)
    (lambda: __import__("model.scenario").scenario.load_scenario("baseline", days=2.5), "days: a whole number"),
    (lambda: __import__("model.snapshot").snapshot.capture("run"), "s: a run's State"),
    (lambda: __import__("experiments.exercise.savefile").exercise.savefile.load(None), "path: a saved exercise"),
    (lambda: __import__("model.scenario").scenario.from_dict({"extends": "baseline"}, folder=3), "folder:"),
    (lambda: __import__("model.scenario").scenario.from_yaml_text("name: x", builtin_parents="no"), "builtin_parents:"),
    (lambda: __import__("model.scenario").scenario.with_changes(_tiny(), None), "overrides: the changes are a mapping"),
    (lambda: __import__("model.prognosis").prognosis.prognose("origin", 3, 2, 1), "start: where the members start"),
    (lambda: __import__("experiments.forecast.origins").forecast.origins.from_record(
        __import__("datetime").date(2023, 1, 1), 1, keep_events="yes"), "keep_events: true or false"),
    (lambda: __import__("experiments.forecast.origins").forecast.origins.from_record(
        __import__("datetime").date(2023, 1, 1), 1, base=""), "base: give a built-in name"),
])
def test_the_findings_are_refused_in_one_line(call, says):
    with pytest.raises(ValueError) as e:      # ScenarioError, SnapshotError
        call()
    assert says in str(e.value) and "\n" not in str(e.value)


def _tiny():
    from model.scenario import from_yaml_text
    from tests.bad_inputs.cases import TINY
    return from_yaml_text(TINY, builtin_parents=True)

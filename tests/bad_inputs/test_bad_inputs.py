"""The input contract on every entry point, over the catalogue of malformed input (cases.py).

For every case: exit code 2, exactly one line on stderr starting `noodplan` and naming where the
problem is, no traceback, nothing written (the case's folder is byte for byte as before, so no
`--out` and no temporary folder), and nothing computed (building a world, the benchmark or a
server start fails the test). The scenario files of the catalogue also go through the Python API
(`load_scenario`, `from_yaml_text`), which must raise ScenarioError and nothing else.
"""

from __future__ import annotations

import pytest

from model.scenario import ScenarioError, from_yaml_text, load_scenario
from tests.bad_inputs.cases import BAD, GOOD, Case
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

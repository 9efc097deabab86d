"""The docs travel with the code: every scenario parameter is documented."""

from pathlib import Path

import yaml

from model.scenario import SCENARIO_DIR

ROOT = Path(__file__).resolve().parents[1]


def _paths(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict) and v and k not in ("decisions_per_day", "appeal_share", "appeal_days",
                                                    "appeal_upheld_share", "departure_shares", "places",
                                                    "mean_location_places", "contract_years", "contract_term_days",
                                                    "renewal_probability", "per_place_per_year", "targets"):
            yield from _paths(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}"


def test_every_baseline_parameter_is_in_the_model_page():
    text = (ROOT / "docs" / "model.md").read_text()
    base = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    missing = [p for p in _paths(base) if f"`{p}`" not in text]
    assert not missing, f"run scripts/param_table.py and update docs/model.md; missing: {missing}"


def test_every_library_scenario_is_in_the_scenarios_page():
    text = (ROOT / "docs" / "scenarios.md").read_text()
    for f in SCENARIO_DIR.glob("*.yaml"):
        if not f.stem.startswith("hindcast") and f.stem != "eu-scale":
            assert f"`{f.stem}`" in text, f.stem


def test_the_readme_first_command_runs_twice(tmp_path, monkeypatch, capsys):
    """The README's first command (shortened to a few days) works on a fresh folder and again on
    its own results."""
    import shlex

    from experiments.cli import main

    line = next(x for x in (ROOT / "README.md").read_text().splitlines() if x.startswith("./scripts/setup && "))
    words = shlex.split(line.split("&&", 1)[1].split("#", 1)[0])
    assert words[0] == ".venv/bin/noodplan"
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main([*words[1:], "--days", "3"]) == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "baseline" / "manifest.json").is_file()

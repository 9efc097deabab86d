"""The paired-seed comparison of two versions of the model (experiments/bench/paired.py)."""

import json

import pytest

from experiments.bench import paired


def _write(path, label, seeds, values):
    figures = {k: [0.0] * len(seeds) for k in paired.FIGURES}
    figures["population_end"] = values
    path.write_text(json.dumps({"model": "x", "commit": label, "seeds": seeds, "figures": {"baseline": figures}}))
    return path


def test_diff_reports_the_mean_paired_difference_with_its_t_interval(tmp_path):
    a = _write(tmp_path / "a.json", "A", [1, 2, 3, 4], [10.0, 20.0, 30.0, 40.0])
    b = _write(tmp_path / "b.json", "B", [1, 2, 3, 4], [12.0, 21.0, 33.0, 42.0])
    # differences 2, 1, 3, 2: mean 2, sd sqrt(((0)² + 1² + 1² + 0²) / 3) = 0.8165, se 0.4082;
    # t(0.975, 3) = 3.1824: half-width 1.299, CI [0.701, 3.30] — 0 outside
    row = next(line for line in paired.diff(a, b).splitlines() if "| population_end |" in line)
    assert row == "| baseline | population_end | 25.0 | 27.0 | 2 | [0.701, 3.3] | **no** |"
    # a figure equal in both: difference 0, interval [0, 0], 0 inside
    row = next(line for line in paired.diff(a, b).splitlines() if "| cost_million_eur |" in line)
    assert row.endswith("| 0 | [0, 0] | yes |")


def test_diff_refuses_files_of_different_seeds(tmp_path):
    a = _write(tmp_path / "a.json", "A", [1, 2], [1.0, 2.0])
    b = _write(tmp_path / "b.json", "B", [1, 3], [1.0, 2.0])
    with pytest.raises(SystemExit, match="different seeds"):
        paired.diff(a, b)


def test_key_figures_of_one_run_are_the_compared_ones():
    got = paired.key_figures_of("baseline", 1, days=20)
    assert set(got) == set(paired.FIGURES)
    assert got["population_end"] > 0 and got["peak_population"] >= got["population_end"]


@pytest.mark.parametrize("argv", [["run", "--seeds", "0", "--out", "x.json"],
                                  ["run", "--seeds", "-3", "--out", "x.json"],
                                  ["run", "--seeds", "x", "--out", "x.json"],
                                  ["run", "--seeds", "2", "--seeds", "3", "--out", "x.json"]])
def test_a_bad_seed_count_is_one_line_naming_the_option(argv, capsys, tmp_path, monkeypatch):
    # `--seeds 0` wrote a file of no seeds, `-3` too, and a count given twice kept the last one
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        paired.main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.count("\n") == 1 and "--seeds" in err and "Traceback" not in err, err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("argv, words", [(["--runs", "0"], "--runs"), (["--seed", "-1"], "--seed"),
                                         (["--workers", "0"], "--workers"), (["nope.yaml"], "nope.yaml")])
def test_the_trigger_comparison_refuses_bad_options_in_one_line(argv, words, capsys):
    # `--runs 0` and an unknown scenario ended in a traceback (ScenarioError from compare / load_scenario)
    from experiments.forecast.triggers import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.count("\n") == 1 and words in err and "Traceback" not in err, err

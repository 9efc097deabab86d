"""`noodplan forecast` as a planner uses it: from a run saved with `noodplan run --out`, and errors
that name the option they come from."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from experiments.cli import main

TINY = "extends: baseline\nname: tiny\nprovinces: [Zeeland]\nhorizon_days: 20\n"
START = dt.date(2025, 7, 1)        # baseline's start date
FC = ["--months", "1", "--members", "2", "--no-inflow-errors", "--jobs", "1"]


@pytest.fixture
def saved_run(tmp_path, capsys):
    """A run saved by `noodplan run tiny.yaml --days 10 --seed 3 --out run`."""
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(TINY)
    run = tmp_path / "run"
    assert main(["run", str(tiny), "--days", "10", "--seed", "3", "--out", str(run)]) == 0
    capsys.readouterr()
    return tiny, run


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


def test_a_forecast_starts_from_the_end_of_a_saved_run(tmp_path, saved_run, capsys):
    # before: `--from-run DIR` said "is a folder, not a scenario file", and no option took a run's folder
    tiny, run = saved_run
    assert main(["forecast", "--from-run", str(run), *FC, "--out", str(tmp_path / "a")]) == 0
    text = (tmp_path / "a" / "assumptions.txt").read_text()
    assert f"Origin: {START + dt.timedelta(days=10)}" in text
    assert f"the run saved in {run}" in text and "checked against its daily.csv" in text
    # the same forecast as from the scenario, its seed and the run's last day: the same state
    assert main(["forecast", "--from-run", str(tiny), "--seed", "3", "--at", str(START + dt.timedelta(days=10)),
                 *FC, "--out", str(tmp_path / "b")]) == 0
    for name in ("forecast.csv", "daily.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # a date inside the run
    assert main(["forecast", "--from-run", str(run), "--at", str(START + dt.timedelta(days=4)), *FC,
                 "--out", str(tmp_path / "c")]) == 0
    assert f"Origin: {START + dt.timedelta(days=4)}" in (tmp_path / "c" / "assumptions.txt").read_text()


def test_a_saved_run_that_cannot_be_reproduced_is_refused_in_one_line(tmp_path, saved_run, capsys):
    tiny, run = saved_run
    out = str(tmp_path / "o")
    for argv, says in (
            (["--at", "2025-08-01"], "--at: 2025-08-01 is outside the run in"),
            (["--at", "2025-06-30"], "--at: 2025-06-30 is outside the run in"),
            (["--seed", "4"], "--seed: goes without a run's folder")):
        assert main(["forecast", "--from-run", str(run), *argv, *FC, "--out", out]) == 2
        assert says in _one_line(capsys)
    daily = run / "daily.csv"
    frame = pd.read_csv(daily)
    frame.loc[5, "population"] += 1
    frame.to_csv(daily, index=False)
    assert main(["forecast", "--from-run", str(run), *FC, "--out", out]) == 2
    err = _one_line(capsys)
    assert err.startswith("noodplan: --from-run:") and "does not reproduce the saved run" in err
    assert f"on {START + dt.timedelta(days=5)}" in err
    tiny.write_text(TINY.replace("horizon_days: 20", "horizon_days: 20\nseed: 9"))
    assert main(["forecast", "--from-run", str(run), *FC, "--out", out]) == 2
    assert "has changed since the run" in _one_line(capsys)
    tiny.unlink()
    assert main(["forecast", "--from-run", str(run), *FC, "--out", out]) == 2
    assert "cannot be read from here" in _one_line(capsys)
    assert not (tmp_path / "o").exists()


def test_a_folder_that_is_not_a_run_is_refused_in_one_line(tmp_path, saved_run, capsys):
    _, run = saved_run
    fc = tmp_path / "fc"
    assert main(["forecast", "--from-run", str(run), *FC, "--out", str(fc)]) == 0
    capsys.readouterr()
    empty = tmp_path / "empty"
    empty.mkdir()
    for argv, says in ((["--from-run", str(fc)], "not of `noodplan run`"),
                       (["--from-run", str(empty)], "not a run's output folder (no manifest.json"),
                       (["--from-snapshot", str(run)], f"a run's output folder, not a snapshot file; forecast from its "
                                                       f"end with --from-run {run}")):
        assert main(["forecast", *argv, *FC, "--out", str(tmp_path / "o")]) == 2
        assert says in _one_line(capsys)


def test_an_error_reading_where_the_forecast_starts_names_the_option(tmp_path, capsys):
    # before: "noodplan: nowhere.yaml: no such scenario file ...", "noodplan: origin: no count ...",
    # "noodplan: sub: is a folder ...": none said which option was wrong
    (tmp_path / "sub").mkdir()
    for argv, says in (
            (["--from-run", str(tmp_path / "nowhere.yaml")], "noodplan: --from-run: "),
            (["--from-record", "2019-01-01", "--base", str(tmp_path / "nowhere.yaml")], "noodplan: --base: "),
            (["--from-record", "1990-01-01"], "noodplan: --from-record: no count of persons in reception"),
            (["--from-record", "2090-01-01"], "noodplan: --from-record: 2090-01-01 is after the packaged record"),
            (["--from-snapshot", str(tmp_path / "sub")], "noodplan: --from-snapshot: sub: is a folder"),
            (["--from-snapshot", "/dev/null"], "noodplan: --from-snapshot: ")):
        assert main(["forecast", *argv, *FC, "--out", str(tmp_path / "o")]) == 2
        assert _one_line(capsys).startswith(says)

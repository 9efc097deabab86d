"""`noodplan forecast` as a planner uses it: from a run saved with `noodplan run --out`, errors that
name the option they come from, outputs that do not depend on the day they are made, figures
labelled in the planners' words that add up member by member, and a small ensemble that says its
90 % band is only the members' range."""

from __future__ import annotations

import datetime as dt
import types

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from experiments.cli import main
from experiments.forecast import ensemble
from experiments.forecast.write import FILES, write_forecast

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


class _Tomorrow(dt.date):
    @classmethod
    def today(cls):
        return cls(2099, 1, 1)


def test_the_files_are_the_same_whatever_the_day_they_are_made(tmp_path, saved_run, capsys, monkeypatch):
    # before: assumptions.txt (and forecast.nc's attributes) began "made <today>": the same forecast
    # made on another day was not byte-identical
    from experiments.forecast import origins

    from model.scenario import load_scenario

    tiny, _ = saved_run
    origin = origins.from_run(load_scenario(tiny), 1)
    f = ensemble.run_forecast(origin, 1, 2, 1)
    write_forecast(f, (tmp_path / "today").mkdir() or tmp_path / "today")
    monkeypatch.setattr(ensemble, "dt", types.SimpleNamespace(date=_Tomorrow, datetime=dt.datetime,
                                                              timedelta=dt.timedelta))
    write_forecast(f, (tmp_path / "later").mkdir() or tmp_path / "later")
    for name in FILES:
        assert (tmp_path / "today" / name).read_bytes() == (tmp_path / "later" / name).read_bytes(), name


def test_the_figures_are_labelled_and_add_up_member_by_member(tmp_path, saved_run, capsys):
    _, run = saved_run
    out = tmp_path / "fc"
    assert main(["forecast", "--from-run", str(run), "--months", "6", "--members", "3", "--jobs", "1",
                 "--out", str(out)]) == 0
    t = pd.read_csv(out / "forecast.csv")
    assert list(t.columns)[-1] == "label" and t["label"].notna().all()      # before: no label column
    kinds = t[(t["quantity"] == "places_needed") & (t["breakdown"] == "kind")].set_index("name")["label"]
    assert "(azc)" in kinds["regular"] and "(noodopvang)" in kinds["emergency"]
    assert "(vergunninghouders)" in t[t["quantity"] == "permit_holders_waiting"]["label"].iloc[0]
    assert "province Zeeland" in t[t["breakdown"] == "province"]["label"].iloc[0]
    bands = t[["p05", "p25", "median", "p75", "p95"]].to_numpy()
    assert (np.diff(bands, axis=1) >= 0).all()                  # the median inside the 50 % inside the 90 % band
    with xr.open_dataset(out / "forecast.nc") as ds:
        in_bed = ds["occupancy_by_kind"].sum("kind")
        assert (in_bed == ds["occupancy_by_province"].sum("province")).all()
        assert (in_bed + ds["unsheltered"] == ds["population"]).all()
        assert (ds["capacity_by_kind"].sum("kind") == ds["capacity_by_province"].sum("province")).all()
    nat = t[t["breakdown"] == "national"].set_index("quantity")
    assert nat.loc["places_needed", "median"] == pytest.approx(nat.loc["persons_in_reception", "median"] / 0.95,
                                                               abs=0.06)   # one decimal in the file
    text = (out / "assumptions.txt").read_text()
    assert "the bands do not" in text and "range of the members" in text and "50%" in text


def test_a_small_ensemble_says_its_90_band_is_the_members_range():
    from experiments.forecast.ensemble import BAND_MEMBERS, _few_members_note

    assert _few_members_note(BAND_MEMBERS) == "" and _few_members_note(40) == ""
    assert "holds a new outcome 60% of the time" in _few_members_note(4)
    assert "and so is the 50 % band" in _few_members_note(2) and "50 % band" not in _few_members_note(3)


def test_the_runs_end_is_offered_as_the_last_date_and_the_bands_say_what_they_hold(tmp_path, capsys):
    """Planner's pass: `--at` past a 20-day run said "outside 'tiny' (2025-07-01 to 2025-07-20)", yet
    2025-07-21 (the run's end, the default origin) is taken; and a forecast from a run over a band
    said its bands held "the members' own stock (from records) and the inflow uncertainty" -- it had
    neither -- in a "World: 'tiny', 1 provinces"."""
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(TINY)
    end = START + dt.timedelta(days=20)
    assert main(["forecast", "--from-run", str(tiny), "--at", str(end + dt.timedelta(days=1)), *FC,
                 "--out", str(tmp_path / "o")]) == 2
    assert _one_line(capsys) == (f"noodplan: --at: {end + dt.timedelta(days=1)} is outside 'tiny' ({START} to {end}, "
                                 f"its end: the start of the day after its last)")
    argv = ["forecast", "--from-run", str(tiny), "--at", str(end), "--months", "1", "--members", "2", "--jobs", "1"]
    assert main([*argv, "--inflow-band", "1000:2000", "--out", str(tmp_path / "band")]) == 0
    text = (tmp_path / "band" / "assumptions.txt").read_text()
    assert f"Origin: {end}" in text and "World: 'tiny', 1 province; " in text
    (bands,) = [x for x in text.splitlines() if x.startswith("Bands:")]
    assert "They hold the noise of the run and the band's levels of arrivals; not" in bands
    assert main([*argv, "--no-inflow-errors", "--out", str(tmp_path / "none")]) == 0
    (bands,) = [x for x in (tmp_path / "none" / "assumptions.txt").read_text().splitlines() if x.startswith("Bands:")]
    assert "They hold the noise of the run; not" in bands

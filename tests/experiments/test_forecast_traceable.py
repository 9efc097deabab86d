"""Every figure of a forecast traced, as a ministry capacity planner checks one before the MPP: the
target occupancy said exactly as it was assumed (assumptions, manifest, fan chart, dashboard), places
needed equal to persons / that occupancy in forecast.csv against forecast.nc's members, and an
occupancy that would make places needed meaningless (or infinite) refused in one line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from experiments.cli import main

TINY = "extends: baseline\nname: tiny\nprovinces: [Zeeland]\nhorizon_days: 20\n"
QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95]


@pytest.fixture(scope="module")
def forecast(tmp_path_factory):
    """`noodplan forecast --from-run tiny.yaml --months 6 --members 3 --occupancy 0.925 --out fc`."""
    tmp = tmp_path_factory.mktemp("traceable")
    tiny = tmp / "tiny.yaml"
    tiny.write_text(TINY)
    out = tmp / "fc"
    assert main(["forecast", "--from-run", str(tiny), "--months", "6", "--members", "3", "--jobs", "1",
                 "--occupancy", "0.925", "--out", str(out)]) == 0
    return out


def test_a_share_is_written_as_it_was_given():
    from experiments.forecast.labels import percent

    assert percent(0.95) == "95 %" and percent(0.925) == "92.5 %" and percent(1) == "100 %"
    assert percent(0.5) == "50 %" and percent(0.9125) == "91.25 %"


def test_the_assumptions_say_the_occupancy_that_was_assumed(forecast):
    # before: "persons / 92% target occupancy" for --occupancy 0.925 (`:.0%`), and the manifest did not
    # record the occupancy nor the months at all
    (line,) = [x for x in (forecast / "assumptions.txt").read_text().splitlines() if x.startswith("Places needed")]
    assert line.startswith("Places needed: persons / 92.5 % target occupancy; nationally"), line
    about = json.loads((forecast / "manifest.json").read_text())
    assert about["target_occupancy"] == 0.925 and about["months"] == 6 and about["members"] == 3
    with xr.open_dataset(forecast / "forecast.nc") as ds:
        assert ds.attrs["target_occupancy"] == 0.925
        assert "92.5 % target occupancy" in ds.attrs["assumptions"]


def test_places_needed_in_the_table_are_the_members_persons_over_the_occupancy(forecast):
    t = pd.read_csv(forecast / "forecast.csv")
    with xr.open_dataset(forecast / "forecast.nc") as ds:
        dates = pd.to_datetime(ds["date"].values)
        need = {("national", "all"): ds["population"].values / 0.925,
                ("no bed", "unsheltered"): ds["unsheltered"].values / 0.925}
        for k in ds["kind"].values:
            need[("kind", str(k))] = ds["occupancy_by_kind"].sel(kind=k).values / 0.925
        for p in ds["province"].values:
            need[("province", str(p))] = ds["occupancy_by_province"].sel(province=p).values / 0.925
    rows = t[t["quantity"] == "places_needed"]
    assert len(rows) == len(need) and set(rows["horizon_months"]) == {6}
    for r in rows.itertuples():
        # the row dated D holds the figures at the start of D: the members' day before it (its end)
        (day,) = np.flatnonzero(dates == pd.Timestamp(r.date) - pd.Timedelta(days=1))
        want = np.quantile(need[(r.breakdown, r.name)][:, day], QUANTILES, method="weibull")
        assert [r.p05, r.p25, r.median, r.p75, r.p95] == pytest.approx(want, abs=0.051), (r.breakdown, r.name)


def test_the_fan_chart_names_the_occupancy_it_draws(forecast):
    from experiments.forecast import origins
    from experiments.forecast.ensemble import run_forecast
    from experiments.forecast.fanchart import figure

    from model.scenario import from_yaml_text

    origin = origins.from_run(from_yaml_text(TINY), 1)
    f = run_forecast(origin, 1, 2, 1, occupancy=0.925)
    fig = figure(f)
    try:
        labels = fig.axes[0].get_legend_handles_labels()[1]
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    assert "places needed at 92.5 % occupancy (benodigde plaatsen): median" in labels, labels


@pytest.mark.parametrize("given", ["1e-320", "0.3", "0.4999", "0"])
def test_an_occupancy_that_makes_places_needed_meaningless_is_refused_in_one_line(tmp_path, capsys, given):
    # before: 1e-320 ran the ensemble and wrote inf and empty cells as places needed (with overflow
    # warnings); 0.3 wrote places needed of 3.3 times the persons
    out = tmp_path / "o"
    assert main(["forecast", "--from-run", "baseline", "--occupancy", given, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("noodplan: --occupancy: the share of places occupied, 0.5 to 1 ") and "\n" not in err, err
    assert not out.exists()


def test_the_api_refuses_the_same_occupancies():
    from experiments.forecast.ensemble import check_occupancy

    from model.scenario import ScenarioError

    assert check_occupancy(0.5) == 0.5 and check_occupancy(1) == 1.0
    for bad in (0.3, 1e-320, 1.01, float("nan"), True, "0.9"):
        with pytest.raises(ScenarioError, match=r"^occupancy: the share of places occupied, 0.5 to 1"):
            check_occupancy(bad)


def test_persistence_from_a_short_run_says_how_many_days_it_rests_on():
    # before: from a run begun 7 days before the origin (the dashboard after a week) persistence was
    # the mean of those 7 days (July's season), while the dashboard offered it as "the last 12 months'
    # arrivals" and the assumptions did not say the window was shorter
    import datetime as dt
    import types

    from experiments.forecast.inflow import persistence_from_world

    days = 400
    dates = [dt.date(2025, 7, 1) + dt.timedelta(days=i) for i in range(days)]
    first, family = np.arange(days, dtype=float), np.full(days, 2.0)
    world = types.SimpleNamespace(dates=dates, inflow=types.SimpleNamespace(first=first, family=family))
    p = persistence_from_world(world, 7)
    assert p.first_per_day == pytest.approx(3.0) and p.family_per_day == 2.0
    assert p.basis == ("mean expected arrivals of the run's inflow plan, 2025-07-01 to 2025-07-07: 7 days, not 12 "
                       "months, as the run began then (their season included)")
    p = persistence_from_world(world, 380)
    assert p.first_per_day == pytest.approx(np.mean(np.arange(15, 380)))
    assert p.basis == "mean expected arrivals of the run's inflow plan, 2025-07-16 to 2026-07-15"


def test_the_origin_of_a_saved_run_is_named_once(tmp_path, capsys):
    # before: "the run saved in run ('tiny', seed 3) at 2025-07-05, 2025-07-05: run again ..." with --at
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(TINY)
    run = tmp_path / "run"
    assert main(["run", str(tiny), "--days", "10", "--seed", "3", "--out", str(run)]) == 0
    for at, says in ((["--at", "2025-07-05"], "seed 3) on 2025-07-05: run again"),
                     ([], "seed 3) at its end, 2025-07-11: run again")):
        out = tmp_path / f"fc{len(at)}"
        assert main(["forecast", "--from-run", str(run), *at, "--months", "1", "--members", "1",
                     "--no-inflow-errors", "--jobs", "1", "--out", str(out)]) == 0
        (origin,) = [x for x in (out / "assumptions.txt").read_text().splitlines() if x.startswith("Origin:")]
        assert says in origin, origin


def test_the_netcdf_names_its_figures_and_what_the_forecast_assumed(forecast):
    # before: the by-kind and by-province figures had a unit and no name, and the attributes did not
    # say which scenario ran nor which inflow errors (only the assumptions' text did)
    with xr.open_dataset(forecast / "forecast.nc") as ds:
        assert dict(ds.sizes) == {"member": 3, "day": 184, "kind": 8, "province": 1}
        assert ds["occupancy_by_kind"].attrs == {"units": "persons",
                                                 "long_name": "persons in a bed (bezetting), by location kind"}
        assert ds["capacity_by_province"].attrs == {"units": "places",
                                                    "long_name": "usable places (capaciteit), by province"}
        assert all("long_name" in v.attrs and "units" in v.attrs for v in ds.data_vars.values())
        assert ds.attrs["scenario"] == "tiny" and ds.attrs["inflow"] == "scenario"
        assert ds.attrs["inflow_errors"] == "centred"
        assert "inflow_band" not in ds.attrs and "inflow_recorded_after_origin" not in ds.attrs

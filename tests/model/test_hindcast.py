"""The hindcasts: start states from the record, derived inputs that keep every recorded total,
only pre-June-2020 information in the forecast test, mass balance and the 2015 story."""

import csv
import datetime as dt

import numpy as np
import pytest

from experiments import history
from model import data
from model.scenario import load_scenario
from model.simulate import simulate


def test_derived_monthly_inflow_keeps_every_recorded_total():
    rows = history.derive_monthly_inflow()
    for series, col in (("first", "first_applications"), ("family", "nareizigers")):
        for t in history.recorded_totals(series):
            if t.end <= dt.date(*history.FIRST_MONTH, 1):
                continue
            months = [r[col] for r in rows if t.start <= dt.date(r["year"], r["month"], 1) < t.end]
            assert sum(months) == pytest.approx(t.persons, abs=0.1 * len(months) + 1e-6), (series, t)
            assert min(months) >= 0
        for m in history.recorded_months(series):        # months recorded on their own are kept
            row = next(r for r in rows if (r["year"], r["month"]) == (m.start.year, m.start.month))
            assert row[col] == m.persons and row[f"{col}_basis"] == m.basis


def test_packaged_derived_files_are_what_the_method_makes(tmp_path):
    p = history.write_monthly_inflow(tmp_path / "m.csv")
    assert p.read_text() == (data.DATA_DIR / "nl" / f"{history.MONTHLY_SERIES}.csv").read_text()
    q = history.write_filled_targets(tmp_path / "t.csv")
    assert q.read_text() == (data.DATA_DIR / "nl" / history.TARGETS_FILE).read_text()
    with open(q) as f:
        basis = {r["period"]: r["basis"] for r in csv.DictReader(f)}
    assert basis["2016H1"].startswith("carried") and basis["2018H2"] == "published"   # a prognosis (its note)
    assert basis["2020H1"].startswith("carried") and "2014H2" not in basis           # before the first figure


def test_monthly_series_is_wired_into_arrivals():
    sc = load_scenario("hindcast-2015")
    from model.world import build_world

    w = build_world(sc.model_copy(update={"horizon_days": 31}))
    assert w.inflow.first.sum() == pytest.approx(data.monthly_inflow("nl", history.MONTHLY_SERIES)[(2014, 1)][0])


def test_unknown_monthly_series_is_a_scenario_error_at_load():
    from model.scenario import ScenarioError, from_dict

    with pytest.raises(ScenarioError, match=r"inflow\.monthly_series: unknown series 'nope'"):
        from_dict({"extends": "hindcast-2015", "inflow": {"monthly_series": "nope"}})
    sc = load_scenario("hindcast-2015")      # and a changed object is checked again before a run
    sc.inflow.monthly_series = "nope"
    with pytest.raises(ScenarioError, match=r"inflow\.monthly_series: unknown series 'nope'"):
        simulate(sc, days=1)


def test_start_states_match_the_record():
    rec = {d: (p, ph) for d, p, ph in data.occupancy_record()}
    h15, h20 = load_scenario("hindcast-2015"), load_scenario("hindcast-2020")
    assert h15.initial.entitled_persons == rec[dt.date(2013, 12, 31)][0]
    assert h15.start_date == dt.date(2014, 1, 1) and h15.end_date == dt.date(2017, 12, 31)
    pop, ph = rec[dt.date(2020, 6, 1)]
    assert h20.initial.entitled_persons == pop == 27305
    assert h20.initial.permit_holder_share == pytest.approx(ph / pop, abs=1e-3)
    assert h20.start_date == dt.date(2020, 6, 1) and h20.end_date == dt.date(2023, 12, 31)


def test_hindcast_2020_uses_nothing_from_after_its_start_but_inflow_and_targets():
    sc = load_scenario("hindcast-2020")
    assert all(e.date <= sc.start_date for e in sc.events)
    assert not sc.plan.enabled and not sc.inflow.shocks
    filled = {r["period"]: r["target"] for r in history.filled_housing_targets()}
    for period, value in sc.housing.targets.items():
        assert value == filled[period]                 # recorded, or carried forward from the record


@pytest.fixture(scope="module")
def run2015():
    return simulate("hindcast-2015")


@pytest.mark.slow
def test_hindcast_2015_keeps_the_mass_balance(run2015):
    ds = run2015.daily
    pop = ds["population"].values
    prev = np.concatenate([[ds.attrs["initial_population"]], pop[:-1]])
    flow = ds["arrivals"] - ds["exits_housed"] - ds["exits_departed"] - ds["exits_transferred"]
    assert np.array_equal(pop, prev + flow.values)


@pytest.mark.slow
def test_hindcast_2015_uses_crisis_emergency_reception_in_autumn_2015(run2015):
    ds = run2015.daily
    crisis = ds["occupancy_by_kind"].sel(kind="crisis").values
    dates = [str(d)[:10] for d in ds["date"].values]
    autumn = [i for i, d in enumerate(dates) if "2015-09-15" <= d <= "2015-12-31"]
    before = [i for i, d in enumerate(dates) if d < "2015-09-15"]
    assert crisis[autumn].max() > 1000 and crisis[before].max() == 0

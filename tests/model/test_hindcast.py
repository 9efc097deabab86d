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
    assert basis["2021H1"].startswith("carried") and "2014H2" not in basis           # before the first figure
    assert basis["2020H1"] == basis["2020H2"] == basis["2021H2"] == "published"      # found 5 December 2026


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


def test_hindcast_2020s_taskforce_is_the_announced_14000_decisions_in_2020_and_nothing_after():
    """The IND's Taskforce (set up in March 2020, before the start): 14,000 decisions on top of the
    budget from 1 June to 31 December 2020 -- the ramp's factor over the budget, day by day -- and
    the IND on its budget alone from 2021 until the national strategy's ramp of 2025."""
    from model.lines import ramp_factor
    from model.world import build_world

    sc = load_scenario("hindcast-2020")
    ramp, budget = sc.chain.decision_capacity_ramp, build_world(sc).ind_budget
    day = lambda d: (d - sc.start_date).days                  # noqa: E731
    extra = [(ramp_factor(ramp, sc.start_date, i) - 1) * budget[i] for i in range(sc.horizon_days)]
    in_2020 = day(dt.date(2021, 1, 1))
    assert sum(extra[:in_2020]) == pytest.approx(14_000, rel=0.005)
    assert max(abs(x) for x in extra[in_2020:]) == 0.0        # 2021-2023: the budget alone
    assert budget[0] == pytest.approx(22_565 / 365)         # 2019's recorded first applications a day
    assert all(p.announced is not None and p.announced < sc.start_date for p in ramp if p.date.year < 2025)


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


def test_a_derived_file_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    # regenerating wrote the packaged table in place: stopped midway (Ctrl+C, a full disk) it left
    # half a table, which every hindcast then reads
    target = tmp_path / "m.csv"
    target.write_text("the old table\n")

    def stop(self, rows):
        self.writerow(rows[0])
        raise KeyboardInterrupt

    monkeypatch.setattr(csv.DictWriter, "writerows", stop)
    with pytest.raises(KeyboardInterrupt):
        history.write_monthly_inflow(target)
    assert target.read_text() == "the old table\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.csv"]           # no temporary left behind


def test_regenerating_the_derived_files_takes_no_options(monkeypatch, capsys):
    # `python -m experiments.history --help` rewrote the packaged files instead of saying what it does
    def wrote(*_):
        raise AssertionError("a derived file was written")

    monkeypatch.setattr(history, "write_monthly_inflow", wrote)
    monkeypatch.setattr(history, "write_filled_targets", wrote)
    with pytest.raises(SystemExit) as stop:
        history.main(["--help"])
    assert stop.value.code == 0 and "Regenerate the derived files" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        history.main(["--out", "x"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and "--out" in err, err

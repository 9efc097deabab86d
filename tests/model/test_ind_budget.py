"""The IND's capacity that follows its budget (`chain.decision_capacity_rule: budget`), worked out by
hand on small worlds: the budget per calendar year from a hand-made inflow (a run that starts mid-year,
the year whose 12 months straddle the start), the split over the tracks, how it combines with events
and the productivity ramp, and that the default (`fixed`) leaves every built-in scenario as it was."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from agents.applicants import Stage, Track
from model import rulebook
from model.events import apply_events
from model.inflow import before_start, year_before_mean
from model.scenario import SCENARIO_DIR, Event, ScenarioError, Shock, load_scenario, validate_scenario
from model.simulate import prepare, simulate
from model.world import build_world
from tests.model.test_procedure import NONE, add, decided, in_line
from tests.model.test_rules import small

D = dt.date


def days(first, last):
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def test_the_budget_of_a_year_is_the_mean_of_the_year_before_from_a_mid_year_start():
    # A run from 1 July 2021 to 31 December 2023. Before it (1 January 2020 - 30 June 2021, 547 days):
    # 10 a day in 2020, 20 a day in January-June 2021 (181 days). In the run: 30 a day in July-December
    # 2021 (184 days), 40 a day in 2022, 50 a day in 2023.
    run = days(D(2021, 7, 1), D(2023, 12, 31))
    before = np.array([10.0 if d.year == 2020 else 20.0 for d in before_start(run[0])])
    assert len(before) == 366 + 181
    per_day = np.array([{2021: 30.0, 2022: 40.0, 2023: 50.0}[d.year] for d in run])
    got = year_before_mean(run, per_day, before)
    # 2021 <- 2020, wholly before the run: 10. 2022 <- 2021, straddling the start:
    # (181 x 20 + 184 x 30) / 365 = (3,620 + 5,520) / 365 = 25.041. 2023 <- 2022: 40.
    by_year = {y: set(got[[d.year == y for d in run]].round(6)) for y in (2021, 2022, 2023)}
    assert by_year == {2021: {10.0}, 2022: {round(9140 / 365, 6)}, 2023: {40.0}}
    # it steps on 1 January: 31 December 2021 still has 2021's budget
    assert got[run.index(D(2021, 12, 31))] == 10.0 and got[run.index(D(2022, 1, 1))] == pytest.approx(9140 / 365)
    with pytest.raises(ValueError, match="546 days before 2021-07-01, needs 547"):
        year_before_mean(run, per_day, before[1:])


def test_the_world_takes_the_months_before_the_start_from_the_scenarios_inflow_source():
    # Start 1 July 2025, yearly rate 3,652.5 first applications (10 a day, no season); a monthly
    # series holds January-June 2025 only, at 20 a day. Before the start: 2024 from the yearly rate
    # (no month in the series), January-June 2025 from the series; in the run, the yearly rate plus
    # a shock of 5 a day over July-September 2025 (92 days).
    sc = small()
    sc.start_date, sc.horizon_days = D(2025, 7, 1), 560
    sc.inflow.first_applications_per_year, sc.inflow.seasonality_amplitude = 3652.5, 0.0
    sc.inflow.shocks = [Shock(start=D(2025, 7, 1), end=D(2025, 9, 30), extra_persons_per_day=5.0)]
    sc.chain.decision_capacity_rule = "budget"
    sc = validate_scenario(sc)
    monthly = {(2025, m): (20.0 * (D(2025, m + 1, 1) - D(2025, m, 1)).days, 0.0) for m in range(1, 7)}
    w = build_world(sc, monthly_inflow=monthly)
    # 2025 <- 2024: 10. 2026 <- 2025: (181 x 20 + 184 x 10 + 92 x 5) / 365 = (3,620 + 1,840 + 460) / 365.
    assert w.ind_budget[0] == pytest.approx(10.0)
    assert w.ind_budget[w.dates.index(D(2026, 1, 1))] == pytest.approx(5920 / 365)
    # a world whose inflow is replaced (a forecast member's path) computes its own budget
    doubled = dataclasses.replace(w, inflow=dataclasses.replace(w.inflow, first=2 * w.inflow.first))
    assert doubled.ind_budget[w.dates.index(D(2026, 1, 1))] == pytest.approx((3620 + 2 * 1840 + 2 * 460) / 365)


def _budget_world(event=None, ramp=None):
    """Start 22 December 2025, a run of 20 days; first applications 20 a day in 2024 and 50 a day in
    2025 (a monthly series); the IND's split regular 30 : accelerated 10, no idle capacity shifted;
    2,000 single regular cases waiting."""
    sc = small(decisions_per_day={**NONE, "regular": 30.0, "accelerated": 10.0}, decision_capacity_ramp=ramp or [],
               decision_capacity_rule="budget", idle_capacity_shift=0.0, appeal_share=dict(NONE),
               public_order_risk_share=0.0, dublin_share=0.0)
    sc.start_date, sc.horizon_days = D(2025, 12, 22), 30
    if event is not None:
        sc.events = [Event.model_validate(event)]
    sc = validate_scenario(sc)
    monthly = {(y, m): (rate * ((D(y, m + 1, 1) if m < 12 else D(y + 1, 1, 1)) - D(y, m, 1)).days, 0.0)
               for y, rate in ((2024, 20.0), (2025, 50.0)) for m in range(1, 13)}
    s = prepare(sc, world=build_world(sc, monthly_inflow=monthly))
    ids = add(s, [1] * 2000, group=0)
    in_line(s, ids)
    return s, ids


@pytest.mark.parametrize("case", ["budget", "event", "ramp"])
def test_the_ind_decides_its_budget_in_the_scenarios_split_with_events_and_ramp_on_top(case):
    # The regular track's share of the budget is 30 / (30 + 10) = 0.75: in 2025 (budget 20 a day, from
    # 2024) it decides 15 a day, in 2026 (budget 50 a day, from 2025) 37.5 a day. Unused capacity
    # carries over (lines.serve): after 10 days (22-31 December) 150 decided, after 20 days
    # 150 + 375 = 525. An event doubling the regular track's decisions per day from 1 January 2026
    # multiplies its budget: 150 + 750 = 900. A productivity ramp flat at 1.2 multiplies both years:
    # 180 + 450 = 630.
    event = {"date": D(2026, 1, 1), "action": "scale", "parameter": "chain.decisions_per_day.regular", "value": 2.0,
             "label": "twice"} if case == "event" else None
    ramp = [{"date": D(2025, 1, 1), "factor": 1.2}] if case == "ramp" else None
    s, ids = _budget_world(event, ramp)
    done = []
    for day in range(20):
        apply_events(s, day)
        rulebook.decide(s, day)
        done.append(decided(s, ids))
    want = {"budget": (150, 525), "event": (150, 900), "ramp": (180, 630)}[case]
    assert (done[9], done[19]) == want
    assert (s.people.stage[ids] != Stage.PROCEDURE).sum() == want[1]
    assert (s.people.track[ids] == Track.REGULAR).all()


def test_the_budget_needs_a_split():
    with pytest.raises(ScenarioError, match="decision_capacity_rule budget splits the budget as decisions_per_day"):
        small(decisions_per_day=dict(NONE), decision_capacity_rule="budget")


def test_the_default_leaves_every_built_in_scenario_as_it_was(monkeypatch):
    # Only hindcast-2020 runs the IND on its budget; every other built-in scenario keeps `fixed`, and
    # under `fixed` the budget is never read: a run with a poisoned budget is identical to the run.
    rules = {p.stem: load_scenario(p.stem).chain.decision_capacity_rule for p in SCENARIO_DIR.glob("*.yaml")}
    assert {k for k, v in rules.items() if v != "fixed"} == {"hindcast-2020"}
    sc = load_scenario("baseline")
    sc.horizon_days = 40
    plain = simulate(sc, seed=3)
    monkeypatch.setattr(type(build_world(sc)), "ind_budget", property(lambda w: np.full(len(w.dates), np.nan)))
    assert simulate(sc, seed=3).daily.identical(plain.daily)

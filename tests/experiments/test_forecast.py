"""Forecasts: the record as known on an origin refuses later figures, the baselines and the inflow
errors are what the docs say (worked by hand), the ensemble's bands hold the truth at their stated
rate on data the model simulated itself, and `noodplan forecast` writes its files whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.forecast import baselines, rolling
from experiments.forecast import cli as cli_module
from experiments.forecast.ensemble import InflowBand, run_forecast
from experiments.forecast.inflow import (CENTRES, FAMILY_RULE, FAMILY_RULES, MIN_SCORED, MIN_WINDOWS, InflowErrors,
                                         choose_window, daily_paths, errors_as_of, family_follows,
                                         persistence_errors, persistence_from_record, walk_sigma, window_as_of,
                                         window_scores)
from experiments.forecast import record as record_module
from experiments.forecast.origins import (from_record, from_run, horizon_days, known_ramp, permit_share_nowcast,
                                        record_scenario, record_world)
from experiments.forecast.record import FutureDataError, RecordAsOf, known_on
from experiments.forecast import refit as refit_module
from experiments.calibrate import ind_budget
from experiments.forecast.refit import refit, uncalibrated, window
from experiments.history import RecordedMonth, RecordPoint, Total
from model import prognosis as pg
from model import snapshot
from model import rulebook
from model.rulebook import run_day
from model.scenario import RampPoint, from_dict, load_scenario
from model.simulate import prepare
from model.world import build_world

D = dt.date


# --- the record as known on an origin ------------------------------------------------------------

def test_the_record_refuses_a_date_after_the_origin():
    rec = RecordAsOf(D(2016, 1, 1))
    assert rec.value(D(2015, 12, 31), "population") == 47636
    with pytest.raises(FutureDataError, match="2016-12-31 is after the forecast origin 2016-01-01"):
        rec.value(D(2016, 12, 31), "population")
    with pytest.raises(FutureDataError):
        rec.check(D(2016, 1, 2))
    later = RecordPoint(D(2016, 12, 31), "population", 27008, "record")
    with pytest.raises(FutureDataError):         # a start from a later count is refused too
        record_scenario(load_scenario("hindcast-2015"), rec, D(2017, 1, 1), start_point=later)


@pytest.mark.parametrize("origin", rolling.half_year_origins(D(2014, 1, 1), D(2020, 1, 1)))
def test_everything_the_record_lists_on_an_origin_was_known_by_then(origin):
    rec = RecordAsOf(origin)
    assert all(p.date <= origin for q in ("population", "permit_holders") for p in rec.points(q))
    for series in ("first", "family"):
        assert all(known_on(t) <= origin for t in rec.inflow_totals(series))
        assert all(D(y, m, 1) < origin for y, m in rec.monthly_inflow(series))
        assert all(m.known <= origin for m in rec.recorded_months(series))
        assert set(rec.known_inflow(series)) <= set(rec.monthly_inflow(series))
    assert all(y < origin.year for y in rec.yearly_first_applications())
    assert all(D(int(p[:4]), 1 if p[5] == "1" else 7, 1) <= origin for p in rec.housing_targets())
    start, points = window(rec)
    assert start.date <= origin and all(p.date <= origin for p in points)


def test_a_housing_target_lowered_during_its_half_year_reads_as_announced_before_the_change():
    # 2019H1: 8,000 persons announced before the half-year, lowered to 6,000 on 26 March 2019
    # (rijksoverheid.nl, 26 March 2019). An origin before that day knows 8,000; from it, 6,000.
    assert RecordAsOf(D(2019, 1, 1)).housing_targets()["2019H1"] == 8000
    assert RecordAsOf(D(2019, 3, 25)).housing_targets()["2019H1"] == 8000
    assert RecordAsOf(D(2019, 3, 26)).housing_targets()["2019H1"] == 6000
    # 2019H2 was published the same day, before its half-year began: 6,000 from 1 July 2019.
    assert "2019H2" not in RecordAsOf(D(2019, 6, 30)).housing_targets()
    assert RecordAsOf(D(2019, 7, 1)).housing_targets()["2019H2"] == 6000
    # A target with no date stated (2017H2) counts as known when its half-year begins.
    assert RecordAsOf(D(2017, 7, 1)).housing_targets()["2017H2"] == 10000
    # 2018H1: 6,000 expected in April 2017, set at 13,000 in week 6 of 2018 (VNG; taken as 11 February)
    assert RecordAsOf(D(2018, 1, 1)).housing_targets()["2018H1"] == 6000
    assert RecordAsOf(D(2018, 2, 11)).housing_targets()["2018H1"] == 13000


def test_a_quarter_ending_31_december_is_known_from_its_publication_not_on_1_january():
    # Q4 2020 (3,895 first applications, CBS table of 2023): no day stated, so the rule: the 25th of
    # the month after its last month, 25 January 2021. On 1 January 2021 the last known quarter is Q3.
    q4 = Total(D(2020, 10, 1), D(2021, 1, 1), 3895, "recorded 2020 Q4")
    assert known_on(q4) == D(2021, 1, 25)
    for day in (D(2021, 1, 1), D(2021, 1, 24)):
        last = RecordAsOf(day).inflow_totals("first")[-1]
        assert (last.start, last.end, last.persons) == (D(2020, 7, 1), D(2020, 10, 1), 4100)
    last = RecordAsOf(D(2021, 1, 25)).inflow_totals("first")[-1]
    assert (last.start, last.end, last.persons) == (D(2020, 10, 1), D(2021, 1, 1), 3895)
    # Q4 2023 (~13,000) is derived from the Q1 2024 release, published 28 April 2024 (jouregio.nl):
    # not known on the 27th (the last known quarter is Q3 2023, 10,500), known on the 28th
    assert RecordAsOf(D(2024, 4, 27)).inflow_totals("first")[-1].persons == 10500
    last = RecordAsOf(D(2024, 4, 28)).inflow_totals("first")[-2]
    assert (last.start, last.persons, known_on(last)) == (D(2023, 10, 1), 13000, D(2024, 4, 28))
    # a figure derived from a later report counts from that report: Q2 2023 (~7,950) is derived from
    # the Q3 release (reported_in 2023-09), so it is known with Q3, from 25 October 2023
    q2 = next(t for t in RecordAsOf(D(2023, 10, 25)).inflow_totals("first") if t.start == D(2023, 4, 1))
    assert known_on(q2) == D(2023, 10, 25)
    assert RecordAsOf(D(2023, 10, 24)).inflow_totals("first")[-1].end == D(2023, 4, 1)


def test_a_figure_derived_from_a_years_total_is_known_only_when_the_years_total_was_published():
    # July-December 2014 is the 2014 year (~24,000, CBS news of week 5 of 2015, taken as its last
    # day, 1 February 2015) minus the recorded H1 (12,300): known from 1 February 2015, not before.
    assert RecordAsOf(D(2015, 1, 31)).inflow_totals("first")[-1].end == D(2014, 7, 1)
    rest = RecordAsOf(D(2015, 2, 1)).inflow_totals("first")[-1]
    assert (rest.start, rest.end, rest.persons) == (D(2014, 7, 1), D(2015, 1, 1), 11700)
    # 2015 is recorded as a year total (43,095), so on 1 July 2015 no 2015 total is known; what is
    # known of 2015 are the months the IND published: January (888) and February (741) in the
    # February report, April (1,138), each known from the 25th of the month after its report; March
    # is not recorded (bridged only).
    rec = RecordAsOf(D(2015, 7, 1))
    known = rec.known_inflow("first")
    assert max(known) == (2015, 4) and (2015, 3) not in known and (2015, 3) in rec.monthly_inflow("first")
    assert [known[2015, m] for m in (1, 2, 4)] == [888, 741, 1138]
    # persistence: the known months among May 2014 - April 2015: May and June 2014 (in the H1
    # total), July-December 2014 (the year minus H1: 11,700), January, February, April 2015
    may_june = known[2014, 5] + known[2014, 6]
    p = persistence_from_record(rec, family_fallback_per_year=4000)
    assert p.window == 12 and p.choice is not None and p.choice.fallback      # too little record to choose
    assert p.first_per_day == pytest.approx((may_june + 11700 + 888 + 741 + 1138) / (61 + 184 + 31 + 28 + 30))
    # family members: the 2014 total (an assumption, 4,000) is known from 25 January 2015 (the
    # rule for the year it stands in for), and February 2015
    # (583, in the February report); the 12 months to February 2015 hold March-December 2014 and
    # February 2015 (January 2015 is not recorded)
    fam = rec.known_inflow("family")
    assert p.family_per_day == pytest.approx((4000 - fam[2014, 1] - fam[2014, 2] + 583) / (365 - 59 + 28))
    early = persistence_from_record(RecordAsOf(D(2014, 7, 1)), family_fallback_per_year=3652.5)   # 10 a day
    assert early.family_per_day == pytest.approx(10.0) and "none recorded yet" in early.basis


def test_a_recorded_month_is_known_from_its_publication_and_not_a_day_earlier():
    # April 2016: 924 first applications, published 2016-05-18 (IND Asieltrends via yurist.nl)
    with pytest.raises(FutureDataError, match="published on 2016-05-18, after the forecast origin 2016-05-17"):
        RecordAsOf(D(2016, 5, 17)).recorded_month("first", 2016, 4)
    assert (2016, 4) not in RecordAsOf(D(2016, 5, 17)).known_inflow("first")
    assert RecordAsOf(D(2016, 5, 18)).recorded_month("first", 2016, 4) == 924
    assert RecordAsOf(D(2016, 5, 18)).known_inflow("first")[2016, 4] == 924
    # September 2016 (1,807) has no stated date: its report (September) counts from 25 October
    assert (2016, 9) not in RecordAsOf(D(2016, 10, 24)).known_inflow("first")
    assert RecordAsOf(D(2016, 10, 25)).known_inflow("first")[2016, 9] == 1807
    # December 2016 (1,360) is derived from the 2016 year total and Jan-Aug 2016 and known only
    # when both were out (2018-01-17): on 1 July 2017 the 2016 total is known, December is not
    assert RecordAsOf(D(2017, 7, 1)).known_inflow("first")[2016, 12] != pytest.approx(1360)
    assert RecordAsOf(D(2018, 1, 17)).known_inflow("first")[2016, 12] == pytest.approx(1360)
    with pytest.raises(KeyError, match="not recorded on its own"):
        RecordAsOf(D(2020, 1, 1)).recorded_month("first", 2016, 2)


def test_months_between_known_months_are_bridged_but_not_counted_as_known():
    # on 1 July 2016 January (~2,500, 31 days) and March (1,224, 31 days) 2016 are known, February
    # (29 days) is not: its bridge is the mean of the two daily rates, (2500 + 1224) / 62 x 29
    rec = RecordAsOf(D(2016, 7, 1))
    assert (2016, 2) not in rec.known_inflow("first")
    assert rec.monthly_inflow("first")[2016, 2] == pytest.approx(3724 / 62 * 29)
    known = rec.known_inflow("first")
    window = [(2015, m) for m in range(5, 13)] + [(2016, m) for m in range(1, 5)]
    days = {k: (D(k[0] + k[1] // 12, k[1] % 12 + 1, 1) - D(*k, 1)).days for k in window}
    expect = sum(known[k] for k in window if k in known) / sum(days[k] for k in window if k in known)
    assert persistence_from_record(rec, family_fallback_per_year=4000, window=12).first_per_day == pytest.approx(expect)
    # the window chosen on 1 July 2016 is 3 months (test_the_window_chosen_on_1_july_2016...): March and
    # April 2016 (February is not known): (1,224 + 924) / (31 + 30)
    p = persistence_from_record(rec, family_fallback_per_year=4000)
    assert p.window == 3 and p.first_per_day == pytest.approx((1224 + 924) / 61)


# --- baselines (by hand) ----------------------------------------------------------------------

SERIES = [(D(2020, 1, 1), 100.0), (D(2020, 7, 1), 120.0), (D(2021, 1, 1), 150.0)]


def test_persistence_seasonal_naive_and_linear_trend_by_hand():
    target = D(2021, 7, 1)
    assert baselines.persistence(SERIES, target) == 150.0
    # same time of year: 2021-07-01 is day 182, 2020-07-01 day 183 (1 day apart); 2021-01-01 is 181 days off
    assert baselines.seasonal_naive(SERIES, target) == 120.0
    assert baselines.seasonal_naive(SERIES, D(2021, 12, 31)) == 150.0   # day 365 vs day 1: 1 day apart (circular)
    assert baselines.seasonal_naive(SERIES, D(2021, 4, 1)) is None      # nothing within 45 days of 1 April
    # trend: x = days before 2021-01-01 = (-366, -184, 0), y = (100, 120, 150);
    # mean x = -183.33, mean y = 123.33; Sxx = 182.67^2 + 0.67^2 + 183.33^2 = 66,978.67;
    # Sxy = (-182.67)(-23.33) + (-0.67)(-3.33) + (183.33)(26.67) = 9,153.33; slope = 0.136664 a day;
    # at x = 0: 123.33 + 0.136664 * 183.33 = 148.388; on 2021-07-01 (x = 181): 148.388 + 24.736 = 173.12
    assert baselines.linear_trend(SERIES, target) == pytest.approx(173.12, abs=0.01)
    assert baselines.linear_trend(SERIES[:1], target) is None
    falling = [(D(2020, 1, 1), 100.0), (D(2020, 2, 1), 10.0)]
    assert baselines.linear_trend(falling, D(2021, 1, 1)) == 0.0         # never below 0
    assert baselines.persistence([], target) is None


def test_the_skill_table_compares_each_baseline_with_persistence_on_the_same_pairs():
    """A baseline that cannot be made for a pair (seasonal naive without a count at that time of year)
    was scored on its own pairs but divided by persistence's error over all pairs: on the packaged
    backtest's pairs the linear trend on permit holders read +0.55 at 6 months where, pair for pair,
    it is -1.19 (found by FC, round 18). Worked by hand: two pairs with persistence, one without."""
    rows = pd.DataFrame([
        {"origin": "2019-01-01", "date": "2019-07-01", "quantity": "population", "horizon_months": 6,
         "recorded": 100.0, "median": 110.0, "persistence": 80.0, "seasonal_naive": 90.0, "linear_trend": 130.0,
         "in_50": True, "in_90": True},
        {"origin": "2019-07-01", "date": "2020-01-01", "quantity": "population", "horizon_months": 6,
         "recorded": 200.0, "median": 180.0, "persistence": 260.0, "seasonal_naive": None, "linear_trend": 150.0,
         "in_50": False, "in_90": True},
        {"origin": "2014-01-01", "date": "2014-07-01", "quantity": "population", "horizon_months": 6,
         "recorded": 100.0, "median": 100.0, "persistence": None, "seasonal_naive": 100.0, "linear_trend": 100.0,
         "in_50": True, "in_90": True}])
    t = rolling.RollingBacktest([D(2019, 1, 1), D(2019, 7, 1)], 20, "refit", 1, rows).skill().iloc[0]
    assert (t["pairs"], t["pairs_without_persistence"]) == (2, 1)
    # errors: model 0.10, 0.10; persistence 0.20, 0.30; seasonal 0.10, -; trend 0.30, 0.25
    assert t["mape_model"] == pytest.approx(0.10) and t["mape_persistence"] == pytest.approx(0.25)
    assert t["skill_model"] == pytest.approx(1 - 0.10 / 0.25)
    assert (t["seasonal_naive_pairs"], t["linear_trend_pairs"]) == (1, 2)
    assert t["mape_seasonal_naive"] == pytest.approx(0.10)
    assert t["skill_seasonal_naive"] == pytest.approx(1 - 0.10 / 0.20)    # against persistence's 0.20 on that pair
    assert t["skill_linear_trend"] == pytest.approx(1 - 0.275 / 0.25)
    assert (t["coverage_50"], t["coverage_90"]) == (0.5, 1.0)


# --- inflow errors (by hand) --------------------------------------------------------------------

def test_persistence_errors_and_the_random_walk_by_hand():
    persons = np.array([100.0] * 18 + [200.0] * 12)          # 30 months of 30 days
    days = np.full(30, 30.0)
    errs, windows = persistence_errors(persons, days, 6)
    # origins i = 12..24; level = mean of the 12 months before, after = mean of the 6 months from i
    assert len(errs) == 13 and windows == (24 - 12) // 6 + 1 == 3
    assert errs[0] == pytest.approx(0.0)                      # i = 12: 100 vs 100
    assert errs[3] == pytest.approx(math.log(1.5))            # i = 15: months 15-20 = 3 x 100 + 3 x 200
    assert errs[6] == pytest.approx(math.log(2.0))            # i = 18: all 200 after, all 100 before
    assert errs[12] == pytest.approx(math.log(200 / 150))     # i = 24: before = 6 x 100 + 6 x 200
    # 2000 -> 2001 doubles (1 year), 2001 -> 2003 halves (2 years): mean of d^2/gap = (ln 2)^2 (1 + 1/2) / 2
    sigma, pairs = walk_sigma({2000: 100.0, 2001: 200.0, 2003: 100.0})
    assert pairs == 2 and sigma == pytest.approx(math.log(2) * math.sqrt(0.75))


def test_inflow_paths_keep_the_mean_over_each_horizon():
    # E_6 = 1.2, E_12 = 1.1, E_24 = 1.0 from 1 January 2020: 1.2 for 182 days (to 1 July),
    # 2 x 1.1 - 1.2 = 1.0 to 1 January 2021 (184 days), 2 x 1.0 - 1.1 = 0.9 after
    path = daily_paths(np.array([[1.2, 1.1, 1.0]]), D(2020, 1, 1), 731)[0]
    assert path[0] == path[181] == pytest.approx(1.2) and path[182] == path[365] == pytest.approx(1.0)
    assert path[366] == path[730] == pytest.approx(0.9)
    assert path[:366].mean() == pytest.approx(1.1, abs=0.001)
    low = daily_paths(np.array([[1.0, 0.3, 0.3]]), D(2020, 1, 1), 400)[0]
    assert low[200] == pytest.approx(0.05)                    # 2 x 0.3 - 1.0 < 0: raised to the floor


def test_errors_fall_back_to_a_random_walk_where_the_record_is_short():
    early, late = errors_as_of(RecordAsOf(D(2014, 1, 1))), errors_as_of(RecordAsOf(D(2025, 10, 1)))
    assert [early.method(h) for h in (6, 12, 24)] == ["random walk"] * 3
    assert [late.method(h) for h in (6, 12, 24)] == ["empirical"] * 3
    f = early.draw(1000, np.random.default_rng(1))
    assert f.shape == (1000, 3) and (np.diff(np.argsort(f[:, 0])) != 0).all()
    assert np.array_equal(np.argsort(f[:, 0]), np.argsort(f[:, 2]))      # comonotone: same ranks


def test_centred_errors_have_median_0_and_keep_the_spread_by_hand():
    # five errors, multipliers 1, 1.2, 1.5, 2, 3: the median is ln 1.5. Weibull positions u (n + 1):
    # u = 1/6 reads the first sample, 1/2 the third, 5/6 the fifth
    e = np.log([1.0, 1.2, 1.5, 2.0, 3.0])
    samples, windows = {6: e, 12: e + math.log(2), 24: e}, {6: 5, 12: 4, 24: 1}
    drift = InflowErrors(D(2020, 1, 1), dict(samples), dict(windows), walk_sigma=0.3, walk_pairs=5, centre="drift")
    centred = InflowErrors(D(2020, 1, 1), dict(samples), dict(windows), walk_sigma=0.3, walk_pairs=5)
    u = np.array([1 / 6, 0.5, 5 / 6])
    assert centred.centre == "centred"                                   # the default
    assert drift.quantile(6, u) == pytest.approx(np.log([1.0, 1.5, 3.0]))
    assert centred.quantile(6, u) == pytest.approx(np.log([1 / 1.5, 1.0, 2.0]))
    assert centred.quantile(12, u) == pytest.approx(np.log([1 / 1.5, 1.0, 2.0]))    # its own median (ln 3) off
    assert drift.drift(12) == pytest.approx(math.log(3.0)) and centred.drift(24) == 0.0   # 24: a random walk
    for h in (6, 12, 24):                                                # the spread and skew are kept
        assert np.diff(centred.quantile(h, u)) == pytest.approx(np.diff(drift.quantile(h, u)))
    # the random walk at 24 months goes on from 12: its median is 12's, so 0 when centred, ln 3 with the drift
    assert centred.quantile(24, np.array([0.5])) == pytest.approx([0.0], abs=1e-12)
    assert drift.quantile(24, np.array([0.5])) == pytest.approx([math.log(3.0)])
    # a record too short for any empirical horizon: the random walk, centred either way
    walk = errors_as_of(RecordAsOf(D(2014, 1, 1)), centre="drift")
    assert walk.quantile(12, np.array([0.5])) == pytest.approx([0.0], abs=1e-12)
    with pytest.raises(ValueError, match="inflow errors: 'up' \\(choose centred or drift\\)"):
        InflowErrors(D(2020, 1, 1), centre="up")
    assert cli_module.CENTRES == CENTRES                                 # the CLI's choices are the method's


def test_centred_errors_from_the_2017_record_put_the_median_member_on_persistence():
    # On 1 January 2017 the 2016 total is not yet published (the 25th of the month after: 25 January
    # 2017) nor is December 2016: the record's months run January 2012 - November 2016, 59 of them.
    # With the 12-month window the error origins are the months i = 12..59-h, so the non-overlapping
    # windows are (59 - h - 12) // h + 1: 6 months 41 // 6 + 1 = 7, 12 months 35 // 12 + 1 = 3 (fewer
    # than MIN_WINDOWS, 4), 24 months 1. The 12-month horizon is therefore the random walk going on
    # from the 6-month one, whose median it keeps (z = 0 at u = 1/2).
    early = errors_as_of(RecordAsOf(D(2017, 1, 1)), 12, "drift")
    assert early.windows == {6: 7, 12: 3, 24: 1} and MIN_WINDOWS == 4
    assert early.method(12) == "random walk"
    assert math.exp(early.quantile(12, np.array([0.5]))[0]) == pytest.approx(math.exp(early.drift(6)))
    # From 1 July 2017 the 2016 total is known: 60 months, 12 months (48 - 12) // 12 + 1 = 4 windows,
    # empirical; the diagnosis' medians (x 1.35 at 6 months, x 1.67 at 12, the 2014-2015 rise)
    rec = RecordAsOf(D(2017, 7, 1))
    drift, centred = errors_as_of(rec, 12, "drift"), errors_as_of(rec, 12)
    assert drift.windows[12] == 4 and drift.method(12) == "empirical"
    assert math.exp(drift.drift(6)) == pytest.approx(1.35, abs=0.01)
    assert math.exp(drift.quantile(12, np.array([0.5]))[0]) == pytest.approx(1.67, abs=0.01)
    for h in (6, 12, 24):
        assert centred.quantile(h, np.array([0.5])) == pytest.approx([0.0], abs=1e-12)
    a, b = drift.draw(8, np.random.default_rng(3)), centred.draw(8, np.random.default_rng(3))
    assert np.array_equal(np.argsort(a[:, 0]), np.argsort(b[:, 0]))       # same members, same ranks
    assert (b < a).all()                                                  # all lowered: the drift was upward


# --- the persistence window chosen at the origin (by hand) ----------------------------------------

def _per_day(rates: dict[tuple[int, int], float]) -> dict[tuple[int, int], float]:
    """Persons per month at the given rates per day (so a window's mean is the rate where it is flat)."""
    return {k: r * (D(k[0] + k[1] // 12, k[1] % 12 + 1, 1) - D(*k, 1)).days for k, r in rates.items()}


def _months(first: tuple[int, int], n: int) -> list[tuple[int, int]]:
    y, m = first
    return [(y + (m - 1 + i) // 12, (m - 1 + i) % 12 + 1) for i in range(n)]


def test_window_scores_by_hand_and_the_fallback_with_too_little_record():
    # 24 known months, 2000-2001: one month start (January 2001) has 12 known months before and after.
    # Per day: 1 in January-September 2000, 2 in October-December 2000 and all of 2001.
    # The 3 months before: 2 = the next 6 and 12 months: error 0. The 6 before: July-September (92
    # days) at 1, October-December (92 days) at 2: 1.5, error ln(2 / 1.5) at both horizons. The 12:
    # (274 x 1 + 92 x 2) / 366 = 458/366, error ln(732/458).
    rates = {k: (2.0 if k >= (2000, 10) else 1.0) for k in _months((2000, 1), 24)}
    scores, starts = window_scores(_per_day(rates))
    assert starts == [(2001, 1)]
    assert scores == pytest.approx({3: 0.0, 6: math.log(2 / 1.5), 12: math.log(732 / 458)})
    c = choose_window(_per_day(rates))
    assert c.fallback and c.window == 12 and c.scored == 1 < MIN_SCORED      # 3 would win, but 1 start is too few
    assert "too little known record" in c.describe()
    assert choose_window({}).window == 12 and choose_window({}).scored == 0


def test_the_shorter_window_wins_after_a_lasting_change_and_the_longer_one_on_a_stable_season():
    months = _months((2000, 1), 48)              # 48 months: starts 2001-01..2003-01 (25) are scored
    # a lasting step (1 a day to 2002, then 3): after it the 3-month mean is at the new level first;
    # before it every window is at the old level. Every error of the 3-month mean is at most the 6's,
    # at most the 12's, and some are smaller.
    step = choose_window(_per_day({k: (3.0 if k >= (2002, 1) else 1.0) for k in months}))
    assert step.scored == 25 >= MIN_SCORED and not step.fallback
    assert step.scores[3] < step.scores[6] < step.scores[12] and step.window == 3
    # a season that repeats every year (1 a day January-June, 3 July-December): the 12-month mean is the
    # year's, the same at every start; the 3-month mean is 1 or 3, far off the next 12 months' ~2
    season = choose_window(_per_day({k: (1.0 if k[1] <= 6 else 3.0) for k in months}))
    assert season.window == 12 and season.scores[12] < season.scores[6] and season.scores[12] < season.scores[3]
    # no change at all: every score 0, a tie, and the tie goes to the longer window
    flat = choose_window(_per_day({k: 1.0 for k in months}))
    assert flat.scores == pytest.approx({3: 0.0, 6: 0.0, 12: 0.0}) and flat.window == 12


def test_a_hole_in_the_known_months_drops_the_month_starts_that_need_it():
    rates = {k: 1.0 for k in _months((2000, 1), 48)}
    full = window_scores(_per_day(rates))[1]
    del rates[2001, 6]
    # June 2001 is in the 12 months before the starts 2001-07..2002-06 and in the 12 from 2000-07..2001-06
    # (those before 2001-01 are not scored anyway): 2001-01..2002-06 drop out, 18 of the 25
    holed = window_scores(_per_day(rates))[1]
    assert len(full) == 25 and len(holed) == 7 and all(not (2001, 1) <= t <= (2002, 6) for t in holed)


def test_the_window_chosen_on_1_july_2016_reads_only_what_was_known_then():
    rec = RecordAsOf(D(2016, 7, 1))
    c = window_as_of(rec)
    # the month starts with 12 known months before and after: 2013-01 (2012 from the yearly file) to
    # 2015-02 (the months after it known to January 2016; February 2016 is not)
    assert (c.window, c.scored, c.first, c.last) == (3, 26, (2013, 1), (2015, 2))
    assert c.scores[3] < c.scores[6] < c.scores[12]


def test_the_window_chosen_at_an_origin_does_not_change_when_later_figures_are_added(monkeypatch):
    origin = D(2016, 7, 1)
    before = window_as_of(RecordAsOf(origin))
    pers = persistence_from_record(RecordAsOf(origin), 4000)
    errs = errors_as_of(RecordAsOf(origin), before.window)
    true_months, true_totals = record_module.recorded_months, record_module.recorded_totals

    def more_months(series, country="nl"):
        # every month published after the origin ten times as large, and months that never were
        later = [dataclasses.replace(m, persons=10 * m.persons) if m.known > origin else m
                 for m in true_months(series, country)]
        invented = [RecordedMonth(D(2016, 6, 1), 9_999, D(2016, 7, 2), "t"),
                    RecordedMonth(D(2030, 1, 1), 99_999, D(2030, 2, 1), "t")] if series == "first" else []
        return sorted([m for m in later if m.start not in {i.start for i in invented}] + invented,
                      key=lambda m: m.start)

    def more_totals(series, country="nl"):
        return [dataclasses.replace(t, persons=10 * t.persons) if known_on(t) > origin else t
                for t in true_totals(series, country)]

    monkeypatch.setattr(record_module, "recorded_months", more_months)
    monkeypatch.setattr(record_module, "recorded_totals", more_totals)
    later = RecordAsOf(D(2031, 1, 1))
    assert later.known_inflow("first")[2016, 6] == 9_999           # the record did change later on
    for rec in (RecordAsOf(origin), later.as_of(origin)):
        assert window_as_of(rec) == before
        assert persistence_from_record(rec, 4000) == pers
        again = errors_as_of(rec, before.window)
        assert all(np.array_equal(again.samples[h], errs.samples[h]) for h in (6, 12, 24))
    assert window_as_of(later) != before                            # a later origin does see them


def test_the_inflow_errors_are_measured_against_the_chosen_window():
    # errors against the mean of the 3 months before, by hand: 30-day months, 100 a month for 6, then 200
    persons, days = np.array([100.0] * 6 + [200.0] * 6), np.full(12, 30.0)
    errs, windows = persistence_errors(persons, days, 3, window=3)
    # starts i = 3..9: i = 3 -> 100 vs 100; i = 5 -> (100 + 200 + 200) / 3 vs 100; i = 6 -> 200 vs 100;
    # i = 8 -> 200 vs (100 + 200 + 200) / 3; i = 9 -> 200 vs 200
    assert len(errs) == 7 and windows == (9 - 3) // 3 + 1 == 3
    assert errs == pytest.approx([0, math.log(4 / 3), math.log(5 / 3), math.log(2), math.log(1.5), math.log(1.2), 0])
    rec = RecordAsOf(D(2016, 7, 1))
    e3, e12 = errors_as_of(rec, 3), errors_as_of(rec, 12)
    monthly = rec.monthly_inflow("first")
    ks = sorted(monthly)
    want, _ = persistence_errors(np.array([monthly[k] for k in ks]),
                                 np.array([(D(y + m // 12, m % 12 + 1, 1) - D(y, m, 1)).days for y, m in ks], float),
                                 6, window=3)
    assert e3.window == 3 and np.array_equal(e3.samples[6], want) and len(e3.samples[6]) == len(e12.samples[6]) + 9
    # the random walk: v(h) = sigma^2 (k/12 + h/12) / 3; k = 12 as before
    assert e3.walk_variance(6) == pytest.approx(e3.walk_sigma ** 2 * 0.75 / 3)
    assert e12.walk_variance(6) == pytest.approx(e12.walk_sigma ** 2 * 1.5 / 3)
    assert e3.walk_variance(24) - e3.walk_variance(12) == pytest.approx(e12.walk_variance(24) - e12.walk_variance(12))


# --- calibration cut-off -----------------------------------------------------------------------

def test_uncalibrated_keeps_nothing_the_2020_calibration_fitted():
    sc, base = uncalibrated(load_scenario("hindcast-2015")), load_scenario("baseline")
    assert sc.chain.decisions_per_day == base.chain.decisions_per_day
    assert sc.chain.departure_period_days == base.chain.departure_period_days
    assert sc.housing.supply_persons_per_year == base.housing.supply_persons_per_year
    assert not any(k.startswith(("2014", "2015", "2016")) for k in sc.housing.targets)
    assert not any("IND capacity" in e.label for e in sc.events)


def test_the_refit_runs_with_the_ind_capacity_it_tries(monkeypatch):
    # The rules read the run's parameters (State.params), not the scenario: each θ the search tries
    # must be the decisions per day the run decides with (it was not, for a while: θ had no effect).
    # And the run is on the record's world (the inflow known on the origin), not a world rebuilt from
    # the scaled scenario's yearly rate (it was, for a while: 24,000 a year from hindcast-2015).
    seen, inflow = [], []

    def day(s):
        seen.append(s.params.chain.decisions_per_day["regular"])
        inflow.append(s.world.inflow.first[1:367].sum())       # the run starts 2015-12-31: all of 2016
        s.day += 1

    monkeypatch.setattr(refit_module, "run_day", day)
    clean = uncalibrated(load_scenario("hindcast-2015"))
    fit = refit(clean, RecordAsOf(D(2018, 1, 1)), xatol=1.0)
    tried = [theta * clean.chain.decisions_per_day["regular"] for theta, _ in fit.evaluations]
    assert set(np.round(inflow, 3)) == {18171.0}        # 2016's recorded first applications
    assert sorted(set(seen)) == pytest.approx(sorted(set(tried)))
    assert len(set(tried)) == len(fit.evaluations) > 1


# --- IND capacity that follows its budget ---------------------------------------------------------

def _budget_record_world(origin, first_count=True):
    """The world of a budgeted forecast from `origin`, from the refit window's first count (or the
    record start) on: `hindcast-2015` uncalibrated, the IND on its budget, the record known on the origin."""
    rec = RecordAsOf(origin)
    clean = ind_budget(uncalibrated(load_scenario("hindcast-2015")))
    sc, _ = record_scenario(clean, rec, D(2020, 7, 1), start_point=window(rec)[0] if first_count else None)
    return sc, record_world(sc, rec, persistence_from_record(rec, clean.inflow.family_reunification_per_year))


def test_the_budget_follows_the_first_applications_of_the_year_before_on_the_record_by_hand():
    # Origin 1 July 2018, from the count of 31 December 2015 (the refit window's start: the last count
    # at least two years before). In year Y the IND is budgeted the first applications per day of the
    # year before, as the world holds them: the record known on the origin (yearly totals, months
    # summing to them), then persistence. 2017's total (14,716) was published on 17 January 2018
    # (the yearly file), 2018's (20,510) on 10 February 2019, so on 1 July 2018:
    # 2016 <- 2015: 43,095 / 365; 2017 <- 2016: 18,171 / 366; 2018 <- 2017: 14,716 / 365.
    # 2019 and 2020 <- the years after the origin, at the persistence rate known on it (not 2018's
    # 20,510, which came later): the window chosen on 1 July 2018 is 3 months, January-March 2018
    # (CBS's first quarter, 4,160, known by the publication rule from 25 April 2018).
    origin = D(2018, 7, 1)
    sc, w = _budget_record_world(origin)
    assert sc.start_date == D(2015, 12, 31) and sc.chain.decision_capacity_rule == "budget"
    known = RecordAsOf(origin).known_inflow("first")
    assert window_as_of(RecordAsOf(origin)).window == 3 and max(known) == (2018, 3)
    after = 4160 / 90
    assert sum(known[2018, m] for m in (1, 2, 3)) == pytest.approx(4160)
    want = {2016: 43095 / 365, 2017: 18171 / 366, 2018: 14716 / 365, 2019: after, 2020: after}
    got = {y: w.ind_budget[w.dates.index(D(y, 6, 1))] for y in want}
    assert got == pytest.approx(want, rel=1e-3)
    # steps on 1 January: the year before holds to 31 December
    assert w.ind_budget[w.dates.index(D(2016, 12, 31))] == pytest.approx(want[2016], rel=1e-3)
    # and nothing after the origin is read: the record as known on a later date is refused
    with pytest.raises(FutureDataError):
        RecordAsOf(origin).as_of(D(2018, 7, 2))


def test_the_budget_after_a_year_not_yet_published_reads_persistence_not_the_scenario():
    # Origin 1 January 2014, start 31 December 2013 (the count then). 2013's total (14,399) is
    # published by the rule on 25 January 2014, so the record known ends with 2012 (9,810, a leap
    # year): persistence over 12 months is 9,810 / 366 a day, and 2013 - before the start but not yet
    # known - is assumed at that rate, so 2014's budget is 9,810 / 366 = 26.80 a day (not
    # hindcast-2015's 24,000 a year, its figure for days outside its series); 2013's is 2012's too.
    sc, w = _budget_record_world(D(2014, 1, 1), first_count=False)
    assert sc.start_date == D(2013, 12, 31)
    assert w.ind_budget[w.dates.index(D(2014, 6, 1))] == pytest.approx(9810 / 366, rel=1e-6)
    assert w.ind_budget[0] == pytest.approx(9810 / 366, rel=1e-6)
    assert w.first_before[-1] == pytest.approx(9810 / 366) and w.inflow.first[:400] == pytest.approx(9810 / 366)


def test_a_years_total_is_known_from_its_publication_day():
    # 2017's first applications (14,716, IND) were published on 17 January 2018 (the yearly file's
    # `published`): on 1 and 16 January 2018 the budget of 2018 cannot read them, on the 17th it can
    for day in (D(2018, 1, 1), D(2018, 1, 16)):
        rec = RecordAsOf(day)
        assert 2017 not in rec.yearly_first_applications() and rec.inflow_totals("first")[-1].end == D(2017, 1, 1)
    rec = RecordAsOf(D(2018, 1, 17))
    assert rec.yearly_first_applications()[2017] == 14716
    assert rec.inflow_totals("first")[-1] == Total(D(2017, 1, 1), D(2018, 1, 1), 14716, "recorded 2017 (IND via NOS)",
                                                   D(2018, 1, 17), D(2018, 1, 1))
    # 2016 (18,171) has no stated day: the rule's 25 January 2017
    assert 2016 not in RecordAsOf(D(2017, 1, 24)).yearly_first_applications()
    assert RecordAsOf(D(2017, 1, 25)).yearly_first_applications()[2016] == 18171


def test_capacity_raised_for_a_peak_ends_when_the_budget_follows_lower_arrivals():
    # A small world whose IND decides on the regular track only (its whole split), from 22 December
    # 2016, 2,000 single applicants waiting (more than it can decide in 20 days), on the recorded
    # monthly inflow. Under the budget rule the IND decides 43,095 / 365 = 118.07 a day to 31 December
    # 2016 (the 2015 peak's budget) and 18,171 / 366 = 49.65 a day from 1 January 2017.
    # Unused capacity carries over (lines.serve), so after k days floor(sum of the rates) are decided:
    # 10 days: floor(1,180.68) = 1,180; 20 days: floor(1,180.68 + 496.48) = 1,677.
    from tests.model.test_procedure import NONE, add, decided, in_line
    from tests.model.test_rules import small

    sc = small(decisions_per_day={**NONE, "regular": 40.0}, decision_capacity_ramp=[], decision_capacity_rule="budget",
               appeal_share=dict(NONE), public_order_risk_share=0.0, dublin_share=0.0)
    sc.start_date = D(2016, 12, 22)
    sc.inflow.monthly_series = "inflow_monthly_nl_derived"
    s = prepare(sc, days=30)
    ids = add(s, [1] * 2000, group=0)
    in_line(s, ids)
    done = []
    for day in range(20):
        rulebook.decide(s, day)
        done.append(decided(s, ids))
    assert done[9] == math.floor(10 * 43095 / 365) == 1180
    assert done[19] == math.floor(10 * 43095 / 365 + 10 * 18171 / 366) == 1677
    assert done[10] - done[9] in (49, 50)                # the first day at the 2017 budget


def test_the_budgeted_backtest_reads_nothing_after_the_origin():
    # From 1 July 2017 the record knows first applications to December 2016 (yearly totals): 2017's
    # budget is 2016's, and 2018's and 2019's are the persistence rate known on the origin, 2016's too
    # (the world holds persistence after the known months) — whatever the record on disk holds later.
    sc, _, theta = rolling.origin_scenario(D(2017, 7, 1), "refit", load_scenario("hindcast-2015"), "budget")
    assert sc.chain.decision_capacity_rule == "budget" and theta == 1.0
    assert not any("IND capacity" in e.label for e in sc.events)
    o = from_record(D(2017, 7, 1), 30, sc)
    w = o.world
    for y in (2017, 2018, 2019):
        assert w.ind_budget[w.dates.index(D(y, 3, 1))] == pytest.approx(18171 / 366, rel=1e-3)


def test_a_refitted_factor_reaches_the_budget_as_a_flat_ramp():
    # Under the budget rule a common factor on the decisions per day cancels (they only split the
    # budget): `budget-refit`'s θ is the productivity ramp, flat at θ.
    sc = ind_budget(uncalibrated(load_scenario("hindcast-2015")))
    scaled = refit_module.with_ind_factor(sc, 1.7)
    assert scaled.chain.decisions_per_day == sc.chain.decisions_per_day
    assert [(p.date, p.factor) for p in scaled.chain.decision_capacity_ramp] == [(sc.start_date, 1.7)]
    fixed = refit_module.with_ind_factor(uncalibrated(load_scenario("hindcast-2015")), 1.7)
    assert fixed.chain.decisions_per_day["regular"] == pytest.approx(85.0)      # 50 x 1.7


# --- starts -------------------------------------------------------------------------------------

def test_a_start_from_the_record_uses_only_what_was_known():
    o = from_record(D(2019, 7, 1), 12, base="hindcast-2015")
    sc = o.start.scenario
    assert sc.start_date == D(2018, 12, 31) and sc.initial.entitled_persons == 22550
    assert sc.initial.permit_holder_share == pytest.approx(6500 / 22000)     # the 2018-10-01 count
    assert not [e for e in sc.events if e.date > D(2019, 7, 1)]              # the 2020 calibration's later events
    # the half-years begun by the origin have their published targets; later ones are set by the rule
    assert sc.housing.targets == {"2018H2": 8000, "2019H1": 6000, "2019H2": 6000}   # 2018H2: February 2018's prognosis
    assert sc.housing.target_rule == "recent_permits"
    carried = from_record(D(2019, 7, 1), 12, base="hindcast-2015", targets="carried").start.scenario
    assert carried.housing.targets["2020H1"] == 6000 and carried.housing.target_rule == "given"
    assert o.start.origin_day == (D(2019, 7, 1) - D(2018, 12, 31)).days
    # first applications known to 2019-06-30 (Q2 2019 ended); after it, persistence
    assert o.world.inflow.first[-1] == pytest.approx(o.persistence.first_per_day)


def test_a_half_year_with_no_known_target_opens_at_the_permits_the_chain_grants_not_the_default():
    """housing.target_rule recent_permits, a run starting in a half-year with no figure (2013H1: the
    packaged targets begin in 2015): the target took `default_target_per_half_year` (baseline's
    14,000, a 2025 figure; found by FC2, round 19). It is the permits the chain grants per half-year
    at the rate it starts at: fixed decisions of (50 regular + 15 accelerated + 3 border) a day, the
    10 Dublin claims a day leading to transfers, times one group's recognition 0.6, no family
    members: 68 x 0.6 x 182.6 = 7,450.08 persons, the whole half-year (the run starts on its first
    day); municipalities get it pro rata (rounded each, 342 of them)."""
    sc = from_dict({"extends": "baseline", "name": "opening", "start_date": "2013-01-01", "horizon_days": 10,
                    "groups": [{"name": "all", "share": 1.0, "recognition": 0.6}],
                    "inflow": {"family_reunification_per_year": 0},
                    "chain": {"decision_capacity_ramp": []},
                    "housing": {"target_rule": "recent_permits"}}, "test")
    s = prepare(sc, days=10)
    assert s.half_year == "2013H1" and "2013H1" not in s.world.housing_targets
    assert abs(int(s.munis.target.sum()) - 7450.08) <= len(s.munis.target) / 2
    assert rulebook.opening_permit_holders(s) == pytest.approx(68 * 0.6 * 182.6)
    # a half-year with a figure keeps it (2025H2: 13,000 published)
    later = prepare(sc.model_copy(update={"start_date": D(2025, 7, 1)}), days=10)
    assert abs(int(later.munis.target.sum()) - 13000) <= len(later.munis.target) / 2


def test_a_start_from_the_record_reads_no_housing_target_it_could_not_know():
    """From 1 January 2014 no half-year begun has a known target (the first, 2015H1, was set later):
    they took the base's default (14,000 for the backtest's base, baseline's, a 2025 figure), and the
    start's world held every packaged target, 2015's included. Now none is given: the rule sets them
    from the permits the model has, said in the description; the world holds only the known ones."""
    o = from_record(D(2014, 1, 1), 12, base="hindcast-2020")
    sc = o.start.scenario
    assert sc.start_date == D(2013, 12, 31)
    assert sc.housing.targets == {} and sc.housing.target_rule == "recent_permits"
    assert o.world.housing_targets == {}
    assert "no housing target known for 2013H2 to 2014H1" in o.description
    said = next(line for line in run_forecast(o, months=2, members=1, inflow="persistence").assumptions()
                if line.startswith("Housing targets:"))
    assert said.startswith("Housing targets: 2013H2, in which the run starts, none known: the persons its chain")
    later = from_record(D(2015, 7, 1), 12, base="hindcast-2020")
    assert later.start.scenario.housing.targets == {"2015H1": 14000, "2015H2": 14900}
    assert later.world.housing_targets == {"2015H1": 14000, "2015H2": 14900}
    assert "no housing target known for 2014H2" in later.description


def test_before_the_first_permit_holder_count_their_share_is_the_chains_nowcast_not_a_later_figure():
    """Before 2018-10-01 no count of permit holders exists; a start from 1 January 2015 took the base
    scenario's share (hindcast-2015: 0.25, "order of the 2018-2020 record", a later figure; found by
    FC, round 19). Now the model's chain runs through the counts of persons known then (2011-12-31,
    2012-12-31, 2013-12-31, 2014-12-31) from an assumed share and gives the share on the start: the
    same whatever the base scenario says, within 1.5 points for an assumed share of 15-35 % at 2011
    (measured 6.2 / 7.9 / 9.3 / 9.1 % for 0 / 15 / 25 / 35 % with the rolling backtest's parameters;
    within half a point while the half-years 2012-2014 took the base's 14,000, a 2025 figure, which
    housed the assumed permit holders away: since FC2, round 19, the ministry's rule houses the new
    permits, so the assumption persists longer, docs/forecast.md), and said in the origin's description."""
    rec = RecordAsOf(D(2015, 1, 1))
    base = ind_budget(uncalibrated(load_scenario("hindcast-2015")))      # the rolling backtest's
    shares = []
    for later_figure in (0.1, 0.4):
        b = base.model_copy(update={"initial": base.initial.model_copy(update={"permit_holder_share": later_figure})})
        sc, said = record_scenario(b, rec, D(2016, 1, 1))
        shares.append(sc.initial.permit_holder_share)
    assert shares[0] == shares[1] and 0.0 < shares[0] < 0.5
    assert "no permit-holder count yet: their share as the model's chain has it on 2014-12-31" in said
    assert "run through the 3 counts of persons from 2011-12-31" in said
    assert f"({shares[0]:.1%})" in said
    low, _ = permit_share_nowcast(base, rec, rec.latest("population"), start_share=0.15)
    high, _ = permit_share_nowcast(base, rec, rec.latest("population"), start_share=0.35)
    assert abs(high - low) < 0.015, (low, high)
    # a count of them on or before the start is used as it stands
    assert record_scenario(base, RecordAsOf(D(2019, 1, 1)), D(2020, 1, 1))[0].initial.permit_holder_share == \
        pytest.approx(6500 / 22000)


def test_a_start_from_the_record_knows_the_inds_measures_announced_by_its_origin():
    """hindcast-2020's Taskforce (announced in March 2020) is in a start from 1 June 2020, not in one
    from 1 January 2020; the national strategy's ramp (2025-2028, no announcement day) is in neither:
    a point dated after the origin whose announcement is unknown was kept (found by FC, round 19); a
    reference run that may know later events keeps everything."""
    factors = lambda sc: [(p.date, p.factor) for p in sc.chain.decision_capacity_ramp]  # noqa: E731
    june = from_record(D(2020, 6, 1), 12).start.scenario
    january = from_record(D(2020, 1, 1), 12).start.scenario
    assert factors(june) == [(D(2020, 5, 31), 1.0), (D(2020, 6, 1), 2.06), (D(2020, 12, 31), 2.06),
                             (D(2021, 1, 1), 1.0)]
    assert factors(january) == []          # the factor in force on the origin (1, before any point) holds
    assert [f for _, f in factors(from_record(D(2020, 1, 1), 12, keep_events=True).start.scenario)] == \
        [1.0, 2.06, 2.06, 1.0, 1.0, 1.25]


def test_a_ramp_point_after_the_origin_without_an_announcement_is_not_known_and_the_factor_in_force_holds():
    """Points 1.0 on 1 January and 2.0 on 11 January, origin 6 January: the second (no announcement)
    is left out and the factor in force on the origin, 1.5 (halfway), holds from it; announced on
    2 January it is kept; dated on the origin it is in force and kept."""
    a = RampPoint(date=D(2020, 1, 1), factor=1.0)
    b = RampPoint(date=D(2020, 1, 11), factor=2.0)
    start, origin = D(2019, 12, 1), D(2020, 1, 6)
    assert [(p.date, p.factor) for p in known_ramp([a, b], start, origin)] == [(D(2020, 1, 1), 1.0),
                                                                               (origin, 1.5)]
    told = b.model_copy(update={"announced": D(2020, 1, 2)})
    assert known_ramp([a, told], start, origin) == [a, told]
    assert known_ramp([a, b], start, D(2020, 1, 11)) == [a, b]
    assert known_ramp([a, b], start, origin, keep_later=True) == [a, b]
    # a ramp is flat before its first point: with only the second, 2.0 is in force on the origin and holds
    assert [(p.date, p.factor) for p in known_ramp([b], start, origin)] == [(origin, 2.0)]


# --- coverage on the model's own data ------------------------------------------------------------

def _coverage_world(days: int):
    sc = from_dict({
        "extends": "baseline", "name": "coverage", "horizon_days": days, "provinces": ["Groningen", "Drenthe"],
        "initial": {"entitled_persons": 1500, "at_registration_persons": 30},
        "inflow": {"first_applications_per_year": 2500, "family_reunification_per_year": 1000},
        "housing": {"supply_persons_per_year": 3000, "default_target_per_half_year": 700,
                    "targets": {"2025H2": 700, "2026H1": 700}},
        "portfolio": {"places": {"central": 300, "border": 0, "process": 200, "regular": 1200, "minors": 100,
                                 "accelerated": 100, "emergency": 600, "crisis": 0},
                      "include_named_locations": False, "reserve_places": 0},
        "plan": {"enabled": False}}, "coverage")
    return sc, build_world(sc)


def _coverage(window: int, seeds: range, origins: tuple[int, ...], months: int | None, days: int = 0,
              jobs: int = 1) -> dict:
    """Whether the truth fell in the 90 % band at the horizon (`months` calendar months after each
    origin, else `days`), per quantity, over runs (`seeds`) x `origins` (run days), in seed order:
    `_coverage_of_run` per seed, on `jobs` worker processes (the project's pools,
    `experiments.outputs.worker_pool`; each run computes from its own seed, so the hits are the
    serial computation's)."""
    from experiments.outputs import worker_pool

    run = functools.partial(_coverage_of_run, window, origins=origins, months=months, days=days)
    if jobs == 1:
        runs = [run(seed) for seed in seeds]
    else:
        with worker_pool(jobs, option="jobs", what="_coverage") as pool:
            runs = list(pool.map(run, seeds))
    return {q: [hit for r in runs for hit in r[q]] for q in ("population", "permit_holders")}


def _coverage_of_run(window: int, seed: int, origins: tuple[int, ...], months: int | None,
                     days: int = 0) -> dict[str, list[bool]]:
    """One run (`seed`) of `_coverage`: the truth is the run itself going on (its own streams and
    household keys) on an inflow path drawn like the members'; 19 members (the smallest ensemble
    whose 5-95 % band is not just its range) each with fresh streams, keys and inflow path, on the
    errors of persistence over `window` months."""
    sc, world = _coverage_world(max(origins) + (31 * months if months else days) + 1)
    errors = errors_as_of(RecordAsOf(D(2025, 10, 1)), window)
    members = 19
    hits: dict[str, list[bool]] = {"population": [], "permit_holders": []}
    s = prepare(sc, seed=seed, world=world)
    for origin in origins:
        while s.day < origin:
            run_day(s)
        snap = snapshot.capture(s)
        date = world.dates[origin]
        horizon = horizon_days(date, months) if months else days
        truth_path = daily_paths(errors.draw(1, np.random.default_rng([seed, origin])), date, horizon)[0]
        truth = snap.restore(pg.scaled_inflow(world, origin, truth_path))
        for _ in range(horizon):
            run_day(truth)
        paths = daily_paths(errors.draw(members, np.random.default_rng([seed, origin, 1])), date, horizon)
        p = pg.prognose(pg.FromSnapshot(snap, world), horizon, members, seed=1000 * seed + origin,
                        inflow_multipliers=paths)
        for q, values, col in (("population", p.population, "population"),
                               ("permit_holders", p.permit_holders, "permit_holders_waiting")):
            lo, hi = pg.band(values[:, -1], [0.05, 0.95])
            hits[q].append(bool(lo <= truth.recorder.scalars[col][origin + horizon - 1] <= hi))
    return hits


def test_the_coverage_runs_on_two_workers_give_the_serial_hits():
    """The 6-month coverage test runs its 25 runs on 2 worker processes (CI has 2 cores); each run
    computes from its own seed, so the hits are the serial computation's, in the same order."""
    serial = _coverage(12, range(1, 4), (30, 45), months=None, days=10)
    assert serial == _coverage(12, range(1, 4), (30, 45), months=None, days=10, jobs=2)
    assert len(serial["population"]) == 6


@pytest.mark.slow
def test_the_90_percent_band_holds_the_truth_about_90_percent_of_the_time_six_months_ahead():
    """The issue's horizons are 6, 12 and 24 months; the test looked 21 days ahead (found by FC, round
    19), where the inflow's errors have hardly begun to act. 50 origins (25 runs x days 60 and 150)
    forecast 6 calendar months ahead on the errors of persistence over 12 months (the default):
    the 90 % band holds the truth 80-98 % of the time, for persons in reception and permit holders."""
    hits = _coverage(12, range(1, 26), (60, 150), months=6, jobs=2)
    for q, h in hits.items():
        assert len(h) == 50
        assert 0.80 <= np.mean(h) <= 0.98, (q, np.mean(h))


@pytest.mark.slow
def test_the_90_percent_band_holds_the_truth_on_the_shortest_error_window_too():
    """The errors of persistence over 3 months (wider: the shortest window that can be chosen), 21
    days ahead over 100 origins (20 runs x 5 dates; with 50 the estimate reached 0.98-1.00 by chance,
    one run's five origins being alike)."""
    hits = _coverage(3, range(1, 21), (60, 90, 120, 150, 180), months=None, days=21)
    for q, h in hits.items():
        assert len(h) == 100
        assert 0.80 <= np.mean(h) <= 0.98, (q, np.mean(h))


# --- the command line and its files ------------------------------------------------------------

def test_a_forecast_on_a_recorded_series_says_it_knows_the_arrivals_after_the_origin():
    """`forecast --from-record 2020-06-01 --inflow scenario` runs on hindcast-2020's monthly series, the
    arrivals recorded after the origin; it said only "the scenario's expected arrivals (..., monthly
    series)" (found by FC, round 18): a planner read a fan that knew the inflow that came as a forecast
    made on 1 June 2020. Persistence from the same record knows nothing after it."""
    from experiments.forecast import fanchart

    o = from_record(D(2020, 6, 1), 2, "hindcast-2020", scenario_inflow=True)
    f = run_forecast(o, months=2, members=1, inflow="scenario")
    said = next(line for line in f.assumptions() if line.startswith("Inflow:"))
    assert "the arrivals of 2020-06 to 2020-07 are the packaged monthly series 'inflow_monthly_nl_derived'" in said
    assert "recorded after the origin, which a forecaster on 2020-06-01 did not have" in said
    assert "recorded after the origin" in fanchart.title(f)
    assert f.recorded_months() == (D(2020, 6, 1), D(2020, 7, 1))
    assert f.dataset().attrs["inflow_recorded_after_origin"] == "2020-06 to 2020-07"
    g = run_forecast(from_record(D(2020, 6, 1), 2, "hindcast-2020"), months=2, members=1, inflow="persistence")
    assert g.recorded_months() is None
    assert "recorded after" not in "\n".join(g.assumptions()) and "recorded after" not in fanchart.title(g)


def test_forecast_from_a_run_writes_every_file_and_says_what_it_assumed(tmp_path, capsys):
    out = tmp_path / "fc"
    snap_file = tmp_path / "origin.snapshot"
    code = main(["forecast", "--from-run", "baseline", "--at", "2025-08-01", "--months", "6", "--members", "3",
                 "--save-snapshot", str(snap_file), "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(["assumptions.txt", "daily.csv", "fan.png",
                                                            "forecast.csv", "forecast.nc", "manifest.json"])
    text = (out / "assumptions.txt").read_text()
    assert "Origin: 2025-08-01" in text and "Inflow uncertainty" in text and "3 members" in text
    t = pd.read_csv(out / "forecast.csv")
    assert set(t["horizon_months"]) == {6}
    assert {"national", "kind", "province", "no bed"} <= set(t["breakdown"])
    assert (t["p05"] <= t["median"]).all() and (t["median"] <= t["p95"]).all()
    nat = t[(t["quantity"] == "places_needed") & (t["breakdown"] == "national")].iloc[0]
    pop = t[(t["quantity"] == "persons_in_reception")].iloc[0]
    assert nat["median"] == pytest.approx(pop["median"] / 0.95, rel=1e-6)
    # the saved origin restores and forecasts again
    assert main(["forecast", "--from-snapshot", str(snap_file), "--months", "6", "--members", "2",
                 "--no-inflow-errors", "--out", str(tmp_path / "again")]) == 0
    assert "Inflow uncertainty: none" in (tmp_path / "again" / "assumptions.txt").read_text()


def test_a_forecast_shorter_than_six_months_writes_its_daily_bands(tmp_path, capsys):
    # --months 1 to 5 (allowed) has no report horizon (6, 12, 24): the summary ended in a KeyError
    # after the ensemble had run, and nothing was written
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text("extends: baseline\nprovinces: [Zeeland]\nhorizon_days: 20\n")
    out = tmp_path / "fc"
    assert main(["forecast", "--from-run", str(tiny), "--months", "1", "--members", "1", "--no-inflow-errors",
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "No report horizon (6, 12, 24 months) within 1 month: " in said and "Horizon: 1 month (" in said
    assert pd.read_csv(out / "forecast.csv").empty and list(pd.read_csv(out / "forecast.csv").columns)[:2] == \
        ["quantity", "breakdown"]
    assert len(pd.read_csv(out / "daily.csv")) >= 28


def test_forecast_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys):
    foreign = tmp_path / "x.snapshot"
    foreign.write_text("not a snapshot")
    for argv, msg in ((["--from-snapshot", str(foreign)], "not a noodplan snapshot"),
                      (["--occupancy", "1.5"], "--occupancy"),
                      (["--inflow-errors", "up"], "--inflow-errors"),
                      (["--no-inflow-errors", "--inflow-errors", "drift"], "--inflow-errors"),
                      (["--from-record", "2020-13-01"], "--from-record"),
                      (["--from-record", "1990-01-01"], "no count of persons in reception"),
                      (["--family-inflow", "follows"], "--family-inflow: goes with --from-record only"),
                      (["--from-record", "2019-01-01", "--family-inflow", "later"], "--family-inflow"),
                      (["--jobs", "0"], "--jobs: must be 1 to 256 processes")):
        assert main(["forecast", *argv, "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err.strip()
        assert msg in err and "\n" not in err
    for argv, msg in ((["--rolling", "--ind-capacity", "constant", "--params", "calibrated"], "--ind-capacity"),
                      (["--rolling", "--origins", "2016-02-01..2017-01-01"], "half-year start"),
                      (["--rolling", "--origins", "2016-01-01"], "FIRST..LAST"),
                      (["--rolling", "--members", "0"], "--members"),
                      (["--rolling", "--inflow-errors", "up"], "--inflow-errors"),
                      (["--rolling", "--recorded-inflow", "--inflow-errors", "drift"], "--inflow-errors"),
                      (["hindcast-2015", "--inflow-errors", "drift"], "goes with --rolling only"),
                      (["hindcast-2015", "--family-inflow", "follows"], "--family-inflow: goes with --rolling only"),
                      (["--rolling", "--recorded-inflow", "--family-inflow", "follows"], "--family-inflow"),
                      ([], "give a scenario")):
        assert main(["backtest", *argv, "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err.strip()
        assert msg in err and "\n" not in err
    assert not (tmp_path / "o").exists()


def test_a_wrong_argument_is_said_before_an_output_folder_in_use(tmp_path, capsys):
    """A user who gives a wrong date (or a wrong pair of options) and an output folder already written hears of
    the argument first, not of the folder and then, once it is cleared, of the argument."""
    used = tmp_path / "o"
    used.mkdir()
    (used / "forecast.csv").write_text("an earlier forecast\n")
    for argv, line in ((["--from-record", "2020-06-31"], "noodplan: --from-record: '2020-06-31' is not a day of the "
                        "calendar (YYYY-MM-DD)"),
                       (["--at", "soon"], "noodplan: --at: 'soon' is not a date written YYYY-MM-DD"),
                       (["--from-record", "2020-06-01", "--seed", "3"], "noodplan: --seed: goes with --from-run only "
                        "(--at, --seed and --save-snapshot say where the run starts the forecast)"),
                       (["--from-snapshot", str(tmp_path / "none.snapshot")],
                        f"noodplan: --from-snapshot: {tmp_path / 'none.snapshot'}: no such file"),
                       (["--from-run", str(tmp_path), "--seed", "3"],
                        "noodplan: --seed: goes without a run's folder (its manifest gives the run's seed)")):
        assert main(["forecast", *argv, "--out", str(used)]) == 2
        assert capsys.readouterr().err.strip() == line
    assert main(["forecast", "--from-run", "no-such-scenario", "--out", str(used)]) == 2
    assert capsys.readouterr().err.startswith("noodplan: --from-run: no-such-scenario: no such scenario file")
    assert main(["forecast", "--from-record", "2020-06-01", "--out", str(used)]) == 2
    assert "--out: " in capsys.readouterr().err and (used / "forecast.csv").read_text() == "an earlier forecast\n"


def test_a_record_origin_before_any_known_inflow_is_refused_in_one_line(tmp_path, capsys):
    """`--from-record 2010-01-01` has a count (the record holds them from 1995) but no first
    applications known (the first, 2012's, from 25 January 2013): persistence raised a bare
    ValueError and the command ended in a traceback with exit code 1 (found by FC, round 18)."""
    from model.scenario import ScenarioError

    assert record_module.first_inflow_known() == D(2013, 1, 25)
    for date in ("2010-01-01", "2013-01-24"):
        assert main(["forecast", "--from-record", date, "--members", "1", "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err.strip()
        assert err == (f"noodplan: --from-record: no first asylum applications were known on {date}: the packaged "
                       f"record's first figure is known from 2013-01-25; start from that date or later, or from a "
                       f"run")
    with pytest.raises(ScenarioError, match=r"^origin: no first asylum applications were known on 2010-01-01"):
        from_record(D(2010, 1, 1), 6)
    assert not (tmp_path / "o").exists()


def test_a_record_start_long_before_the_origin_says_so_and_its_chart_shows_the_count():
    """The record's last count is of 1 June 2020: a forecast from 1 July 2022 starts from it and runs
    760 days to the origin. The assumptions said only "27,305 persons in COA reception on 2020-06-01",
    and the fan drew the counts of the 24 months before the origin: none, so a planner saw nothing
    known left of the origin (found by FC, round 18)."""
    import matplotlib.dates as mdates

    from experiments.forecast import fanchart

    f = run_forecast(from_record(D(2022, 7, 1), 1), months=1, members=1, inflow="persistence")
    said = "\n".join(f.assumptions())
    assert ("Start: the last count of persons in reception is of 2020-06-01, 760 days before the origin; each member "
            "runs from it to the origin on the arrivals known on the origin, so its state on the origin is the "
            "model's nowcast, not a count.") in said
    fig = fanchart.figure(f)
    for ax in fig.axes[:2]:
        dots = [c for c in ax.collections if c.get_label() == "recorded (known on the origin)"]
        assert len(dots) == 1
        assert [mdates.num2date(x).date() for x in dots[0].get_offsets()[:, 0]] == [D(2020, 6, 1)]
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_forecast_outputs_go_through_the_output_contract(tmp_path, capsys):
    """A folder holding results is refused without --force (before anything runs); with --force it
    is replaced whole, manifest included."""
    out = tmp_path / "fc"
    argv = ["forecast", "--from-record", "2019-01-01", "--months", "6", "--members", "2", "--no-inflow-errors",
            "--out", str(out)]
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {"assumptions.txt", "daily.csv", "fan.png", "forecast.csv", "forecast.nc"}
    assert manifest["origin"] == "2019-01-01" and manifest["members"] == 2
    capsys.readouterr()
    assert main(argv) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["fc"]        # no temporary folder left behind


def test_a_forecast_from_the_end_of_a_run_reports_6_12_24_months():
    o = from_run(from_dict({"extends": "baseline", "name": "short", "horizon_days": 30}, "short"), 24)
    f = run_forecast(o, 24, members=2, seed=3, inflow="persistence", errors=None)
    assert list(f.horizon_dates()) == [6, 12, 24]
    assert f.horizon_dates()[24] == D(2027, 7, 31)
    assert np.allclose(f.multipliers, 1.0)
    assert o.world.inflow.first[-1] != f.origin.world.inflow.first[-1]      # persistence replaced the plan
    assert f.origin.world.inflow.first[-1] == pytest.approx(o.persistence.first_per_day)


def test_the_assumptions_name_only_the_horizons_the_forecast_reaches():
    """`--months 12` listed the 24-month inflow multiplier among its assumptions and said the figures
    were at 6/12/24 months, though its members never ran on it nor reached it; `--months 3` said
    6/12/24 too. Now each lists the horizons its members run on (E_6 from the first day, E_12 after
    6 months, E_24 after 12: `daily_paths`), one beyond the end saying which months run on it."""
    o = from_run(from_dict({"extends": "baseline", "name": "short", "provinces": ["Zeeland"], "horizon_days": 20},
                           "short"), 13)
    errors = InflowErrors(D(2026, 1, 1), walk_sigma=0.3, walk_pairs=5)

    def said(months: int) -> tuple[str, str, list[str]]:
        lines = run_forecast(o, months, members=1, seed=2, inflow="scenario", errors=errors).assumptions()
        (horizon,) = [x for x in lines if x.startswith("Horizon:")]
        at = next(i for i, x in enumerate(lines) if x.startswith("Inflow uncertainty:"))
        return horizon, lines[at], [x.strip() for x in lines[at + 1:] if x.startswith("  ")]

    horizon, head, per = said(12)
    assert "figures at 6/12 months" in horizon and "comonotone over 6/12 months" in head
    assert [x.split(":")[0] for x in per] == ["6 months", "12 months"]
    horizon, head, per = said(13)                        # its 13th month runs on 2 E_24 - E_12
    assert "figures at 6/12 months" in horizon and "comonotone over 6/12/24 months" in head
    assert [x.split(":")[0] for x in per] == ["6 months", "12 months", "24 months"]
    assert per[2].endswith("beyond this 13-month forecast, whose month 13 runs on it)") and "beyond" not in per[1]
    horizon, head, per = said(3)
    assert "no report horizon (6, 12, 24 months) within it" in horizon and "one a member over the whole" in head
    assert len(per) == 1 and per[0].endswith("beyond this 3-month forecast, whose months 1-3 run on it)")
    assert len(errors.describe()) == 3                   # without a forecast: every horizon


def test_an_inflow_band_spreads_the_members_evenly_over_a_planners_range_by_hand():
    """`--inflow-band 6000:30000` with 4 members: levels 6,000 + 24,000 (k + 1/2)/4 = 9,000, 15,000,
    21,000 and 27,000 first applicants a year; each member's arrivals are the assumed ones times
    level / the assumption's mean a year over the forecast, one factor for all its days; more
    arrivals, more persons in reception at the end (levels 6,000 apart dwarf the runs' noise)."""
    o = from_run(from_dict({"extends": "baseline", "name": "short", "provinces": ["Zeeland"], "horizon_days": 20},
                           "short"), 6)
    band = InflowBand(6000, 30000)
    assert list(band.levels(4)) == [9000, 15000, 21000, 27000]
    f = run_forecast(o, 6, members=4, seed=2, inflow="scenario", errors=None, band=band)
    days = f.multipliers.shape[1]
    day = o.start.origin_day
    assumed = float(o.world.inflow.first[day:day + days].mean()) * 365.25
    assert band.assumed_per_year(o, days) == pytest.approx(assumed)
    assert np.allclose(f.multipliers, (np.array([9000, 15000, 21000, 27000]) / assumed)[:, None])
    end = f.prognosis.population[:, -1]
    assert list(np.argsort(end)) == [0, 1, 2, 3]
    text = "\n".join(f.assumptions())
    assert "spread evenly from 6,000 to 30,000 over the 4 members" in text and "Inflow uncertainty" not in text
    with pytest.raises(Exception, match="band: an inflow band replaces the historical inflow errors"):
        run_forecast(o, 6, members=2, seed=2, inflow="scenario", band=band,
                     errors=InflowErrors(D(2026, 1, 1), walk_sigma=0.3, walk_pairs=5))
    for low, high, says in ((5, 1, "low (5) is above high (1)"), (-1, 10, "band: low: first applicants a year"),
                            (0, float("inf"), "band: high"), (True, 10, "band: low")):
        with pytest.raises(Exception, match=re.escape(says)):
            InflowBand(low, high)


def test_the_fan_charts_title_fits_the_figure_and_names_the_band():
    """The title of a forecast on persistence with its errors ran past the figure's right edge
    ("... erring as persistence has erre", docs/img/forecast-fan-2020.png), and a band's chart named
    no band. Drawn, every line of the title lies inside the figure; a band is named with its levels."""
    from experiments.forecast import fanchart

    o = from_run(from_dict({"extends": "baseline", "name": "short", "provinces": ["Zeeland"], "horizon_days": 20},
                           "short"), 1)
    errors = InflowErrors(D(2026, 1, 1), walk_sigma=0.3, walk_pairs=5)
    for f in (run_forecast(o, 1, members=1, seed=2, inflow="persistence", errors=errors),
              run_forecast(o, 1, members=2, seed=2, inflow="scenario", band=InflowBand(30000, 50000))):
        fig = fanchart.figure(f)
        fig.canvas.draw()
        box, page = fig.axes[0].title.get_window_extent(), fig.bbox
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and box.y1 <= page.y1, (box, page)
        assert "fewer than 19 members" in fanchart.title(f)
        # each panel's legend beside it, inside the figure: on the panel it covered the bands
        for a in fig.axes:
            legend, panel = a.get_legend().get_window_extent(), a.get_window_extent()
            assert legend.x0 >= panel.x1 and legend.x1 <= page.x1, (legend, panel, page)
    assert "a band of 30,000 to 50,000 first applicants a year" in " ".join(fanchart.title(f).split())
    assert "erring" not in fanchart.title(f)


def test_an_inflow_band_on_the_command_line_writes_it_down_or_is_refused_in_one_line(tmp_path, capsys):
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text("extends: baseline\nprovinces: [Zeeland]\nhorizon_days: 20\n")
    out = tmp_path / "fc"
    assert main(["forecast", "--from-run", str(tiny), "--months", "6", "--members", "2", "--inflow-band",
                 "20,000:40,000", "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["inflow_band"] == [20000, 40000]
    import xarray as xr

    with xr.open_dataset(out / "forecast.nc") as ds:       # the NetCDF says it too (it did only in its text)
        assert list(ds.attrs["inflow_band"]) == [20000, 40000] and ds.attrs["inflow_errors"] == "none"
    assert "Inflow band (--inflow-band): first applicants a year over the forecast spread evenly from 20,000 to " \
           "40,000" in (out / "assumptions.txt").read_text()
    capsys.readouterr()
    for argv, says in ((["--inflow-band", "x:y"], "--inflow-band: LOW:HIGH first applicants a year"),
                       (["--inflow-band", "5000:1000"], "--inflow-band: low (5,000) is above high (1,000)"),
                       (["--inflow-band", "1:2", "--no-inflow-errors"],
                        "--inflow-band: goes without --no-inflow-errors"),
                       (["--inflow-band", "1:2", "--inflow-errors", "drift"],
                        "--inflow-band: goes without --inflow-errors")):
        assert main(["forecast", "--from-run", str(tiny), "--months", "6", "--members", "2", *argv,
                     "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err.strip()
        assert says in err and "\n" not in err
    assert not (tmp_path / "o").exists()


def test_the_manifests_command_pastes_back_into_a_shell_as_it_was_run(tmp_path, capsys):
    """A planner copies a forecast's `command` from its manifest to run it again: with a scenario in a
    folder whose name holds a space and a quote, the words were joined with spaces and the line
    could not be pasted back (`noodplan forecast --from-run /tmp/my runs/…` is other arguments).
    Parsed as a shell parses it, the recorded command is the arguments the forecast read."""
    import shlex
    from pathlib import Path

    folder = tmp_path / "planner's runs $HOME"
    folder.mkdir()
    tiny = folder / "tiny scenario.yaml"
    tiny.write_text("extends: baseline\nprovinces: [Zeeland]\nhorizon_days: 20\n")
    argv = ["forecast", "--from-run", str(tiny), "--months", "1", "--members", "1", "--no-inflow-errors",
            "--out", str(folder / "fc 1")]
    assert main(argv) == 0
    command = json.loads((folder / "fc 1" / "manifest.json").read_text())["command"]
    assert shlex.split(command) == ["noodplan", *argv]
    # every manifest that records a command line makes it in one place (experiments.outputs.command_line)
    root = Path(__file__).resolve().parents[2] / "experiments"
    by_hand = re.compile(r"\.join\(\[\s*[\"']noodplan[\"']")
    joined = [str(p.relative_to(root)) for p in root.rglob("*.py")
              if p != root / "outputs.py" and by_hand.search(p.read_text(encoding="utf-8"))]
    assert joined == [], f"a command line joined by hand (use experiments.outputs.command_line): {joined}"


def test_a_bad_inflow_band_is_refused_before_the_run_to_the_origin(tmp_path, capsys, monkeypatch):
    """`--from-run baseline --inflow-band x:y` ran the scenario to its end (two years of days) before
    it read the band; a band is read before anything is computed now, by the reader the dashboard
    uses (`parse_band`): ASCII numbers, thousands grouped in threes (float() read '3,0000' as 30,000,
    full-width digits and '1_0' too)."""
    from experiments.forecast import ensemble, origins

    def ran(*a, **k):
        raise AssertionError("the run to the origin was made before the band was read")

    monkeypatch.setattr(origins, "from_run", ran)
    monkeypatch.setattr(origins, "from_run_folder", ran)
    for band in ("x:y", "3,0000:50000", "\uff13\uff10000:50000", "1_0:20", "30000", "1:2:3", "nan:5", ":5"):
        assert main(["forecast", "--from-run", "baseline", "--members", "2", f"--inflow-band={band}",
                     "--out", str(tmp_path / "o")]) == 2, band
        err = capsys.readouterr().err.strip()
        assert err == f"noodplan: --inflow-band: LOW:HIGH first applicants a year, e.g. 30000:50000 (got {band!r})"
    for band, says in (("50,000:30,000", "low (50,000) is above high (30,000)"), ("-5:10", "band: low"),
                       ("0:2e7", "band: high: first applicants a year, 0 to 10,000,000")):
        assert main(["forecast", "--from-run", "baseline", "--members", "2", f"--inflow-band={band}",
                     "--out", str(tmp_path / "o")]) == 2, band
        err = capsys.readouterr().err.strip()
        assert err.startswith("noodplan: --inflow-band: ") and says in err and "\n" not in err, err
    assert not (tmp_path / "o").exists()
    for text, low_high in (("30000:50000", (30000, 50000)), (" 30,000 : 50,000 ", (30000, 50000)),
                           ("30_000:5e4", (30000, 50000)), ("0:1234.5", (0, 1234.5))):
        b = ensemble.parse_band(text)
        assert (b.low, b.high) == low_high


def test_members_on_a_pool_of_processes_give_the_same_forecast_member_for_member():
    """`--jobs`: members run on two processes (each holding the start once) come back in order and
    equal those run one after another, figure for figure; progress counts every member."""
    o = from_run(from_dict({"extends": "baseline", "name": "short", "provinces": ["Zeeland", "Drenthe"],
                            "horizon_days": 20}, "short"), 2)
    errors = InflowErrors(D(2026, 1, 1), walk_sigma=0.3, walk_pairs=5)      # a random walk
    ticks: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
    runs = {jobs: run_forecast(o, 1, members=3, seed=5, inflow="scenario", errors=errors, jobs=jobs,
                               progress=lambda done, total, jobs=jobs: ticks[jobs].append((done, total)))
            for jobs in (1, 2)}
    assert not np.allclose(runs[1].multipliers, 1.0)                 # members on their own inflow paths
    a, b = runs[1].prognosis, runs[2].prognosis
    for name in ("population", "permit_holders", "unsheltered", "occupancy_by_kind", "capacity_by_kind",
                 "occupancy_by_province", "capacity_by_province"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert len({tuple(m) for m in a.population}) == 3                 # three different members
    assert ticks[1] == ticks[2] == [(1, 3), (2, 3), (3, 3)]


# --- family members that follow the first applications ---------------------------------------------

class _Record:
    """A record stub with the two listings `family_follows` reads."""

    def __init__(self, first, family):
        self._first, self._family = first, family

    def monthly_inflow(self, series):
        assert series == "first"
        return dict(self._first)

    def known_inflow(self, series):
        assert series == "family"
        return dict(self._family)


def test_family_members_follow_the_first_applications_18_months_before_by_hand():
    # 2016: 300 first applications a month; January-March 2017: 600. Family members July 2017 - June
    # 2018 (the last 12 known): 150 a month. Each of those months looks 18 months back, to January -
    # December 2016: ratio 12 x 150 / (12 x 300) = 0.5. After June 2018: July 2018 <- January 2017
    # (600 in 31 days), August <- February (28 days), September <- March; October would read April
    # 2017, after the record: from then on 0.5 x the persistence rate of first applications (40 a day).
    first = {(2016, m): 300.0 for m in range(1, 13)} | {(2017, m): 600.0 for m in (1, 2, 3)}
    family = {(2017, m): 150.0 for m in range(7, 13)} | {(2018, m): 150.0 for m in range(1, 7)}
    tail, by_month, basis = family_follows(_Record(first, family), first_per_day=40.0)
    assert tail == pytest.approx(20.0)
    assert by_month == pytest.approx({(2018, 7): 0.5 * 600 / 31, (2018, 8): 0.5 * 600 / 28, (2018, 9): 0.5 * 600 / 31})
    assert "0.50 per first application 18 months before" in basis
    # a family month whose first applications 18 months before are not in the record: no ratio
    assert family_follows(_Record({(2016, m): 300.0 for m in range(2, 13)}, family), 40.0) is None
    assert family_follows(_Record(first, {}), 40.0) is None


def test_a_record_start_lays_the_family_members_that_follow_into_its_world():
    # From 1 January 2019 the family members known end with 2017 (2018's total came on 10 February
    # 2019): 14,490 (IND) over the first applications of July 2015 - June 2016 as the record then
    # holds them. February 2019 reads August 2017's first applications; the persistence rule keeps
    # 2017's 14,490 a year instead.
    rec = RecordAsOf(D(2019, 1, 1))
    first = rec.monthly_inflow("first")
    behind = [(2015, m) for m in range(7, 13)] + [(2016, m) for m in range(1, 7)]
    ratio = 14490 / sum(first[b] for b in behind)
    assert sum(rec.known_inflow("family")[(2017, m)] for m in range(1, 13)) == pytest.approx(14490)
    follows = from_record(D(2019, 1, 1), 12, family="follows")
    same = from_record(D(2019, 1, 1), 12)                               # the default: persistence
    day = (D(2019, 2, 10) - follows.scenario.start_date).days
    assert follows.start.world.inflow.family[day] == pytest.approx(ratio * first[2017, 8] / 31)
    assert same.start.world.inflow.family[day] == pytest.approx(14490 / 365, rel=1e-6)
    assert follows.start.world.inflow.first[day] == same.start.world.inflow.first[day]   # first applicants alike
    assert cli_module.FAMILY_RULES == FAMILY_RULES and cli_module.FAMILY_RULE == FAMILY_RULE

"""Months recorded on their own (IND Asieltrends) in the derived monthly inflow: kept exactly, with
every period total still exact (worked by hand on small series)."""

from __future__ import annotations

import datetime as dt

import pytest

from experiments.history import RecordedMonth, Total, _month_starts, fill_monthly, interpolate_monthly

D = dt.date
MONTHS = _month_starts((2021, 1), (2021, 6))       # boundaries 1 Jan ... 1 Jul 2021
FLAT = [Total(D(2021, 1, 1), D(2021, 4, 1), 900, "Q1"), Total(D(2021, 4, 1), D(2021, 7, 1), 910, "Q2")]


def rec(month: int, persons: float) -> RecordedMonth:
    return RecordedMonth(D(2021, month, 1), persons, D(2021, month + 1, 25), "recorded month")


def test_without_recorded_months_the_totals_alone_are_interpolated():
    # 900 in 90 days and 910 in 91 days: 10 a day throughout, so the curve is a straight line
    assert list(fill_monthly(FLAT, [], MONTHS)) == pytest.approx([310, 280, 310, 300, 310, 300])
    assert list(fill_monthly(FLAT, [], MONTHS)) == pytest.approx(list(interpolate_monthly(FLAT, MONTHS)))


def test_recorded_months_are_kept_and_each_remainder_follows_the_curve():
    # Q1: February recorded 100, the other 800 go to January and March in proportion to the
    # straight line (310 : 310) -> 400 each; Q2: May recorded 410, 500 to April and June (300 : 300)
    out = fill_monthly(FLAT, [rec(2, 100), rec(5, 410)], MONTHS)
    assert list(out) == pytest.approx([400, 100, 400, 250, 410, 250])
    assert out[:3].sum() == pytest.approx(900) and out[3:].sum() == pytest.approx(910)


def test_a_run_of_unrecorded_months_shares_its_remainder_and_stays_non_negative():
    # Q1: January recorded 700, so February + March hold 200 between them; Q2 untouched (910)
    out = fill_monthly(FLAT, [rec(1, 700)], MONTHS)
    assert out[0] == pytest.approx(700) and out[1] + out[2] == pytest.approx(200)
    assert out[3:].sum() == pytest.approx(910) and min(out) >= 0


def test_recorded_months_that_break_a_total_are_refused():
    with pytest.raises(ValueError, match="Q1: its recorded months add up to 1,000, not to the period's 900"):
        fill_monthly(FLAT, [rec(1, 600), rec(2, 400)], MONTHS)
    with pytest.raises(ValueError, match="Q1: its recorded months add up to 890"):
        fill_monthly(FLAT, [rec(1, 300), rec(2, 280), rec(3, 310)], MONTHS)
    full = fill_monthly(FLAT, [rec(1, 300), rec(2, 290), rec(3, 310)], MONTHS)   # all three, adding up: kept
    assert list(full[:3]) == pytest.approx([300, 290, 310])

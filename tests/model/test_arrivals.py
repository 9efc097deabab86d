"""A day's arrivals drawn in one pass (model.inflow.draw_arrivals) are the households the draws one by
one give (draw_households for first applicants, then for family members, then the border and entry
uniforms), and the stream is left where they leave it."""

from __future__ import annotations

import numpy as np
import pytest

from agents.applicants import Flag
from model.inflow import draw_arrivals, draw_households
from model.scenario import load_scenario


def _one_by_one(rng, first, family, f, border, entry):
    a = draw_households(rng, first, f.household_size_shares, f.unaccompanied_minor_share_of_singles,
                        f.vulnerable_share)
    b = draw_households(rng, family, f.family_household_size_shares, 0.0, f.vulnerable_share)
    k1 = len(a.size)
    if k1 + len(b.size):
        a.flags |= np.where(rng.random(k1) < border, np.uint8(Flag.AT_BORDER), np.uint8(0))
        if entry > 0:
            a.flags |= np.where(rng.random(k1) < entry, np.uint8(Flag.AT_ENTRY), np.uint8(0))
    return [np.concatenate([getattr(a, c), getattr(b, c)]) for c in ("size", "children", "flags", "key")], k1


@pytest.mark.parametrize(("first", "family", "entry"),
                         [(60.0, 9.0, 0.0), (60.0, 9.0, 0.3), (0.0, 9.0, 0.3), (40.0, 0.0, 0.0), (0.0, 0.0, 0.5)])
def test_draw_arrivals_gives_the_households_of_the_draws_one_by_one(first, family, entry):
    f = load_scenario("baseline").inflow.model_copy(update={
        "household_size_shares": [0.5, 0.2, 0.15, 0.1, 0.05], "family_household_size_shares": [0.3, 0.3, 0.4],
        "unaccompanied_minor_share_of_singles": 0.3, "vulnerable_share": 0.2})
    for day in range(30):
        rng_a, rng_b = np.random.default_rng((7, day)), np.random.default_rng((7, day))
        hh, k1 = draw_arrivals(rng_a, first, family, f, 0.25, entry)
        want, k1_want = _one_by_one(rng_b, first, family, f, 0.25, entry)
        assert k1 == k1_want
        for got, expected in zip((hh.size, hh.children, hh.flags, hh.key), want):
            assert got.dtype == expected.dtype and (got == expected).all()
        assert rng_a.random() == rng_b.random()         # the stream left at the same place
    if first and family:
        assert k1 > 0 and len(hh.size) > k1


def test_a_shock_of_nobody_on_days_nobody_arrives_keeps_the_shares():
    """A shock's shares are mixed with the regular inflow's by the persons each brings; a day on which
    neither brings anyone (no first applications, a shock of 0 extra persons) kept no share at all: 0/0
    made the border and low-recognition shares NaN. They keep the regular inflow's then; a day the shock
    brings its persons alone takes the shock's."""
    import datetime as dt

    from model.inflow import expected_inflow
    from model.scenario import Shock

    sc = load_scenario("baseline")
    days = [dt.date(2025, 7, 1) + dt.timedelta(days=i) for i in range(4)]
    base_low = min(sc.groups, key=lambda g: g.recognition).share
    for extra, border, low in ((0.0, sc.inflow.border_entry_share, base_low), (10.0, 0.5, 0.8)):
        shock = Shock(start=days[0], end=days[3], extra_persons_per_day=extra, border_entry_share=0.5,
                      low_recognition_share=0.8)
        inflow = sc.inflow.model_copy(update={"first_applications_per_year": 0.0, "shocks": [shock]})
        plan = expected_inflow(sc.model_copy(update={"inflow": inflow}), days)
        assert plan.border_share.tolist() == pytest.approx([border] * 4)
        assert plan.low_share.tolist() == pytest.approx([low] * 4)

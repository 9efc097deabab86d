"""The day's reception cost, worked out by hand on a small world: COA's cost figures are per resident a
year (its cost of reception divided by its residents: 30,400 regular and 69,400 emergency in 2023,
reception_costs_nl.csv), so the run charges each occupied bed a night, 1/365 of its kind's figure;
empty places cost nothing (only reserve places kept empty have their own price a night)."""

import numpy as np
import pytest

from model.scenario import validate_scenario
from model.simulate import simulate
from tests.model.test_rules import small


def world(persons):
    """The small world (Ter Apel 20, process 10, azc 10, emergency 10 places) with a stock of `persons`
    in procedure, at round prices: 100 EUR a resident a night, 200 in emergency places."""
    sc = small()
    sc.initial.entitled_persons, sc.initial.at_registration_persons, sc.initial.permit_holder_share = persons, 0, 0.0
    sc.costs.per_resident_per_year = {k: 36_500.0 for k in sc.costs.per_resident_per_year}
    sc.costs.per_resident_per_year["emergency"] = 73_000.0
    return validate_scenario(sc)


@pytest.mark.parametrize("persons,process,regular,emergency,cost", [
    (15, 5, 10, 0, 15 * 100),                      # 40 places open, 15 of them occupied: 1,500 (per place: 4,000)
    (28, 9, 10, 9, 19 * 100 + 9 * 200),            # 50 places, 28 occupied, 9 of them emergency: 3,700 (6,000)
])
def test_a_day_costs_its_residents_not_its_places(persons, process, regular, emergency, cost):
    d = simulate(world(persons), seed=3, days=3).daily
    occ = d["occupancy_by_kind"].isel(day=0).to_series()
    assert (occ["process"], occ["regular"], occ["emergency"], occ.sum()) == (process, regular, emergency, persons)
    assert d["capacity"].values[0] > persons                     # places stand empty: they cost nothing
    assert np.allclose(d["cost_eur"].values, cost)

"""Residents by location on real runs: the kept index against a pass over everyone."""

import numpy as np
import pytest

from model import rulebook
from model.scenario import load_scenario
from model.simulate import prepare


@pytest.mark.slow
@pytest.mark.parametrize("name, days", [("contract-cliff", 400), ("force-majeure", 300)])
def test_the_index_finds_who_is_in_a_bed_where_every_day(name, days):
    """Locations open, close and drain; people move, leave and arrive: every few days the
    residents of a spread of locations (one, several, all) are those the location column says."""
    s = prepare(load_scenario(name), 1, days)
    rng = np.random.default_rng(0)
    checked = 0
    for day in range(days):
        rulebook.run_day(s)
        if day % 5:
            continue
        loc = s.people.cols["location"][: s.people.n]
        for size in (1, 7, s.locs.n):
            some = np.sort(rng.choice(s.locs.n, size=size, replace=False))
            expected = np.flatnonzero(np.isin(loc, some))
            assert np.array_equal(s.residents_of(some), expected)
            checked += len(expected)
    assert checked > 1_000_000      # the check was not on empty locations

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


def test_locations_opened_after_the_snapshot_are_found_without_a_new_snapshot(monkeypatch):
    """The plan opens emergency locations (added at the end of the table) as mass arrival goes on:
    their residents are found from the move log, and the snapshot is renewed for the log's growth
    only, not each time a location was added (it was: `eu-scale` renewed it daily)."""
    from model.residents import ResidentIndex

    renewals = []
    renew = ResidentIndex._renew
    monkeypatch.setattr(ResidentIndex, "_renew", lambda self, s: (renewals.append(s.locs.n), renew(self, s))[1])
    s = prepare(load_scenario("mass-arrival"), 1, 260)
    opened, found = set(), 0
    for day in range(260):
        n_before = s.locs.n
        rulebook.run_day(s)
        opened.update(range(n_before, s.locs.n))
        new = np.array(sorted(opened), np.int64)
        if len(new) == 0 or day % 3:
            continue
        loc = s.people.cols["location"][: s.people.n]
        expected = np.flatnonzero(np.isin(loc, new))
        assert np.array_equal(s.residents_of(new), expected)
        found += len(expected)
    assert len(opened) >= 5 and found > 10_000      # locations were added, and people moved into them
    # 139 locations opened over 260 days: 4 renewals for the log's growth (54 before: one a look)
    assert len(renewals) <= len(opened) // 10

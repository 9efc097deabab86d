"""The family-reunion sponsor pool: a draw by rejection from the households given a permit, uniform
over those who can sponsor (a permit holder in a bed who is not a family member)."""

import numpy as np
import pytest
from scipy import stats

from agents.applicants import Stage, Track
from agents.locations import Kind
from agents.moves import move
from model import rulebook
from model.scenario import load_scenario
from model.simulate import prepare
from tests.model.test_rules import _add, small


def plain_list(s) -> np.ndarray:
    """Those who can sponsor, built from scratch: permit holders in a bed who are not family
    members themselves (the linking line and the linked: every permit holder in reception)."""
    h = s.people.cols
    pool = np.concatenate([s.unlinked.peek(), s.linked_h])
    return pool[(h["stage"][pool] == Stage.PERMIT) & (h["location"][pool] >= 0) & (h["track"][pool] != Track.FAMILY)]


def column(*u: float) -> np.ndarray:
    """One family's candidate uniforms, in turn."""
    return np.array(u)[:, None]


def test_small_world_beds_links_and_exits():
    s = prepare(small(), days=5)
    L = s.locs
    reg, em = (int(np.flatnonzero(L.kind == k)[0]) for k in (Kind.REGULAR, Kind.EMERGENCY))
    a, b, c, d = _add(s, [1, 2, 1, 3], stage=Stage.PERMIT)
    fam = _add(s, [2], stage=Stage.PERMIT, track=Track.FAMILY)[0]
    move(s.people, L, s.log, np.array([a, b, c, fam]), np.array([reg, reg, em, em]), 0, 0)   # d has no bed
    rulebook.join_linking_line(s, np.array([c, a, d, fam, b]))
    pool = s.sponsors
    assert pool.can_sponsor(s).tolist() == [c, a, b]       # permit order; d has no bed, fam is family
    assert pool.household[:pool.n].tolist() == [c, a, d, b]  # (compacted: the family member dropped)
    # by hand, the list c, a, d, b (u × 4): the first candidate who can
    assert pool.draw(s, column(0.1, 0.9)).tolist() == [c]
    assert pool.draw(s, column(0.6, 0.3)).tolist() == [a]   # d has no bed: the next candidate
    assert pool.draw(s, np.array([[0.0, 0.6, 0.9], [0.0, 0.3, 0.3]])).tolist() == [c, a, b]   # families apart
    rulebook.link_households(s, np.array([a]), np.array([3]))   # linked, still in reception: can sponsor
    assert pool.can_sponsor(s).tolist() == [c, a, b]
    move(s.people, L, s.log, np.array([d]), reg, 1, 0)          # d gets a bed
    assert pool.draw(s, column(0.6, 0.3)).tolist() == [d]
    rulebook.leave(s, np.array([c]), Stage.HOUSED, 2)          # c leaves reception
    move(s.people, L, s.log, np.array([b]), -1, 2, 2)          # b loses its bed
    # no candidate can (c housed, b without a bed): the first uniform picks among those who can, a and d
    assert pool.draw(s, column(0.1, 0.9)).tolist() == [a]      # floor(0.1 × 2) = 0
    assert pool.household[:pool.n].tolist() == [a, d, b]       # compacted on the way: c is gone for good
    assert pool.draw(s, column(0.8, 0.9)).tolist() == [d]      # floor(0.8 × 2) = 1
    assert pool.size(s) == 2


def test_a_pool_saved_as_a_kept_list_keeps_its_permit_holders():
    """A pool saved when it kept the list (positions, parts and block counts) is read as the
    households given a permit: the same who can sponsor."""
    from model.sponsors import SponsorPool
    s = prepare(small(), days=5)
    L = s.locs
    reg = int(np.flatnonzero(L.kind == Kind.REGULAR)[0])
    a, b, c = _add(s, [1, 2, 1], stage=Stage.PERMIT)
    move(s.people, L, s.log, np.array([a, c]), reg, 0, 0)
    rulebook.join_linking_line(s, np.array([c, a, b]))
    old = {"position": np.zeros(8, np.int32), "household": np.array([c, a, b, 0], np.int32),
           "part": np.array([1, 1, 0, 0], np.int8), "tally": np.zeros(3, np.int64), "width": 1,
           "_row_start": np.array([2, 0, 1]), "n": 3, "_changed": [], "_log_seen": 0}
    restored = SponsorPool.__new__(SponsorPool)
    restored.__setstate__(old)
    assert sorted(restored.__dict__) == ["household", "n"]
    assert restored.can_sponsor(s).tolist() == [c, a]
    assert restored.draw(s, column(0.7, 0.1)).tolist() == [c]    # b (no bed), then c


def test_an_empty_pool_draws_nobody():
    s = prepare(small(), days=5)
    assert s.sponsors.size(s) == 0
    assert len(s.sponsors.draw(s, column(0.3, 0.5))) == 0


@pytest.mark.slow
@pytest.mark.parametrize("name, days", [("baseline", 400), ("pact-2026", 300)])
def test_the_pool_draws_from_the_plain_list_every_day(name, days):
    """On real scenarios (tens of thousands of permit holders passing through, locations closing,
    households linked and housed) those who can sponsor are the list built from scratch, every
    day, and every drawn sponsor is on it."""
    s = prepare(load_scenario(name), 1, days)
    rng = np.random.default_rng(3)
    sizes = []
    for _ in range(days):
        rulebook.run_day(s)
        plain = plain_list(s)
        assert sorted(s.sponsors.can_sponsor(s).tolist()) == sorted(plain.tolist())
        drawn = s.sponsors.draw(s, rng.random((16, 50)))
        assert np.isin(drawn, plain).all()
        sizes.append(len(plain))
    assert max(sizes) > 1000 and min(sizes) > 0          # the check was not on an empty list


@pytest.mark.slow
def test_the_draw_is_uniform_over_those_who_can_sponsor():
    """Chi-square of 400,000 draws over those who can sponsor after a year of `baseline`: each as
    likely as the others (the rejection of candidates who cannot favours nobody), also when many
    on the list cannot (the list as it is before a compaction) and when few candidates are drawn
    (the exact draw among those who can takes over)."""
    s = prepare(load_scenario("baseline"), 1, 365)
    for _ in range(365):
        rulebook.run_day(s)
    can = np.sort(plain_list(s))           # (from scratch: the pool's list is not compacted before the draw)
    listed = s.sponsors.n
    assert listed > 1.5 * len(can)          # many on the list cannot sponsor
    rng = np.random.default_rng(11)
    for rows in (16, 2):
        drawn = s.sponsors.draw(s, rng.random((rows, 400_000)))
        counts = np.bincount(np.searchsorted(can, drawn), minlength=len(can))
        assert counts.sum() == 400_000 and np.array_equal(can[np.searchsorted(can, drawn)], drawn)
        assert stats.chisquare(counts).pvalue > 1e-4, rows


def test_few_reunions_are_paired_on_python_numbers_as_with_arrays():
    """`reunite` pairs a few drawn sponsors with families on Python numbers: the same pairs, in the
    same order, as the pairing with arrays (not at the family's location already; one reunion per
    location, the first family's; a sponsor joins one family)."""
    from types import SimpleNamespace

    from agents.sorting import first_of_each
    from model.rulebook import _reunions_few

    def with_arrays(home, sponsor, target):
        apart = home[sponsor] != target
        sponsor, target = sponsor[apart], target[apart]
        if len(sponsor) > 1:
            first = first_of_each(target)
            sponsor, target = sponsor[first], target[first]
            keep = first_of_each(sponsor)
            sponsor, target = sponsor[keep], target[keep]
        return sponsor.tolist(), target.tolist()

    # worked by hand: sponsors 7, 3, 7, 5 for families at 2, 1, 1, 4; sponsor 5 lives at 4 already;
    # location 1: the first family's (sponsor 3); location 2: sponsor 7 -> pairs (3, 1), (7, 2)
    home = np.array([0, 0, 0, 9, 0, 4, 0, 8], np.int32)
    s = SimpleNamespace(people=SimpleNamespace(cols={"location": home}))
    got = _reunions_few(s, np.array([7, 3, 7, 5]), np.array([2, 1, 1, 4], np.int32))
    assert (got[0].tolist(), got[1].tolist()) == ([3, 7], [1, 2])
    rng = np.random.default_rng(5)
    for trial in range(300):
        n = int(rng.integers(1, 12))
        home = rng.integers(-1, 5, 20).astype(np.int32)
        s = SimpleNamespace(people=SimpleNamespace(cols={"location": home}))
        sponsor = rng.integers(0, 20, n).astype(np.int64)
        target = rng.integers(0, 5, n).astype(np.int32)
        got = _reunions_few(s, sponsor, target)
        assert (got[0].tolist(), got[1].tolist()) == with_arrays(home, sponsor, target), trial


def test_a_reunion_with_the_screening_pass_draws_is_the_reunion_drawn_apart():
    """The end of screening hands `reunite` its families' sponsor draws made in the screening pass
    (`model.state.SPONSOR_DRAWS`, candidates included): the same sponsors move to the same families
    as when `reunite` draws them itself, on a year of `baseline`'s families."""
    import copy

    from agents.keyed import keyed_uniforms
    from model.state import SPONSOR_DRAWS

    s = prepare(load_scenario("baseline"), 1, 200)
    for _ in range(120):
        rulebook.run_day(s)
    h = s.people.cols
    family = np.flatnonzero((h["track"][: s.people.n] == Track.FAMILY) & (h["stage"][: s.people.n] == Stage.PERMIT)
                            & (h["location"][: s.people.n] >= 0))[:60]
    assert len(family) >= 20
    a, b = copy.deepcopy(s), copy.deepcopy(s)
    rulebook.reunite(a, family, s.day, keyed_uniforms(h["key"][family], SPONSOR_DRAWS))
    rulebook.reunite(b, family, s.day)
    assert a.log.n > s.log.n                               # some sponsors moved
    assert np.array_equal(a.log.household[s.log.n:a.log.n], b.log.household[s.log.n:b.log.n])
    assert np.array_equal(a.log.destination[s.log.n:a.log.n], b.log.destination[s.log.n:b.log.n])

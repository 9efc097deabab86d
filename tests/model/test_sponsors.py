"""The family-reunion sponsor pool: the list the reunion rule draws from, kept up to date."""

import numpy as np
import pytest

from agents.applicants import Stage, Track
from agents.locations import Kind
from agents.moves import move
from model import rulebook
from model.scenario import load_scenario
from model.simulate import prepare
from tests.model.test_rules import _add, small


def plain_list(s) -> np.ndarray:
    """The list as the reunion rule defines it, built from scratch: permit holders in a bed who are
    not family members themselves, the unlinked (linking-line order) before the linked."""
    h = s.people.cols
    pool = np.concatenate([s.unlinked.peek(), s.linked_h])
    return pool[(h["stage"][pool] == Stage.PERMIT) & (h["location"][pool] >= 0) & (h["track"][pool] != Track.FAMILY)]


def listed(s) -> list[int]:
    """The whole list as the pool gives it: the draw for u at the middle of every slot."""
    n = s.sponsors.size(s)
    return s.sponsors.draw(s, (np.arange(n) + 0.5) / n).tolist() if n else []


def test_small_world_order_beds_links_and_exits():
    s = prepare(small(), days=5)
    L = s.locs
    reg, em = (int(np.flatnonzero(L.kind == k)[0]) for k in (Kind.REGULAR, Kind.EMERGENCY))
    a, b, c, d = _add(s, [1, 2, 1, 3], stage=Stage.PERMIT)
    fam = _add(s, [2], stage=Stage.PERMIT, track=Track.FAMILY)[0]
    move(s.people, L, s.log, np.array([a, b, c, fam]), np.array([reg, reg, em, em]), 0, 0)   # d has no bed
    rulebook.join_linking_line(s, np.array([c, a, d, fam, b]))
    assert listed(s) == [c, a, b]                 # linking-line order; d has no bed, fam is family
    rulebook.link_households(s, np.array([a]), np.array([3]))   # a linked: the linked come after the unlinked
    assert listed(s) == [c, b, a]
    move(s.people, L, s.log, np.array([d]), reg, 1, 0)          # d gets a bed
    assert listed(s) == [c, d, b, a]
    rulebook.leave(s, np.array([c]), Stage.HOUSED, 2)          # c leaves reception
    move(s.people, L, s.log, np.array([b]), -1, 2, 2)          # b loses its bed
    assert listed(s) == [d, a]
    assert s.sponsors.draw(s, np.array([0.0, 0.49, 0.5, 0.99])).tolist() == [d, d, a, a]   # floor(u * 2)


def test_a_pool_saved_with_two_rows_of_counts_draws_as_before():
    """A pool saved when its counts were two rows (unlinked, linked) and a scratch column is read
    with the scratch row of today: the same list. Worked by hand as above: a and c unlinked, b linked."""
    from model.sponsors import SponsorPool
    s = prepare(small(), days=5)
    L = s.locs
    reg = int(np.flatnonzero(L.kind == Kind.REGULAR)[0])
    a, b, c = _add(s, [1, 2, 1], stage=Stage.PERMIT)
    move(s.people, L, s.log, np.array([a, b, c]), reg, 0, 0)
    rulebook.join_linking_line(s, np.array([c, a, b]))
    rulebook.link_households(s, np.array([b]), np.array([3]))
    assert listed(s) == [c, a, b]
    old = dict(s.sponsors.__dict__)
    old["counts"] = s.sponsors.counts[:2].copy()
    old["_slot"] = np.zeros(len(old["part"]), np.int32)
    for k in ("tally", "width", "_row_start"):
        del old[k]
    restored = SponsorPool.__new__(SponsorPool)
    restored.__setstate__(old)
    s.sponsors = restored
    assert listed(s) == [c, a, b]
    move(s.people, L, s.log, np.array([a]), -1, 1, 0)          # a loses its bed: counted as before
    assert listed(s) == [c, b]


def test_an_empty_pool_draws_nobody():
    s = prepare(small(), days=5)
    assert s.sponsors.size(s) == 0
    assert len(s.sponsors.draw(s, np.array([0.3]))) == 0


@pytest.mark.slow
@pytest.mark.parametrize("name, days", [("baseline", 400), ("pact-2026", 300)])
def test_the_pool_is_the_plain_list_every_day(name, days):
    """On real scenarios (tens of thousands of permit holders passing through, locations closing,
    households linked and housed) the kept list equals the list built from scratch, every day."""
    s = prepare(load_scenario(name), 1, days)
    sizes = []
    for _ in range(days):
        rulebook.run_day(s)
        assert listed(s) == plain_list(s).tolist()
        sizes.append(s.sponsors.size(s))
    assert max(sizes) > 1000 and min(sizes) > 0          # the check was not on an empty list


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

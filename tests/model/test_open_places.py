"""Places opened without a province (a scenario's `open` event, an exercise decision) are spread over
the provinces by population, whole places, the places left by rounding down to the largest fractions."""

from types import SimpleNamespace

import numpy as np

from agents.locations import Kind, Locations
from model.events import open_places
from model.scenario import load_scenario


def _world(population: list[int]):
    """One municipality per province (A, B, C) with the given populations, no locations yet."""
    sc = load_scenario("baseline")
    n = len(population)
    return SimpleNamespace(
        munis=SimpleNamespace(province=np.arange(n), population=np.array(population), names=["a", "b", "c"][:n]),
        world=SimpleNamespace(provinces=["A", "B", "C"][:n]), locs=Locations(0, []), day=0,
        params=SimpleNamespace(portfolio=sc.portfolio, costs=sc.costs))


def test_places_left_by_rounding_go_to_the_largest_fractions_not_the_first_province():
    # 7 places by population 1 : 2 : 2 -> 1.4, 2.8, 2.8: rounded down 1, 2, 2 and the 2 left over to
    # B and C (0.8 each), not both to A (3, 2, 2)
    s = _world([100_000, 200_000, 200_000])
    opened = open_places(s, Kind.EMERGENCY, 7, 5, None, None, "test")
    assert s.locs.capacity[opened].tolist() == [1, 3, 3]
    assert s.locs.municipality[opened].tolist() == [0, 1, 2]


def test_places_spread_over_provinces_sum_to_what_was_asked():
    s = _world([3, 5, 11])
    for places in (1, 2, 10, 19, 1_000, 1_001):
        before = s.locs.n
        open_places(s, Kind.REGULAR, places, 5, None, None, "test")
        assert int(s.locs.capacity[before:].sum()) == places

import numpy as np

from agents.municipalities import Municipalities, house, link


def _munis():
    return Municipalities(["A", "B", "C"], ["A", "B", "C"], np.array([100, 300, 600]), np.zeros(3),
                          np.zeros(3), np.zeros(3), np.zeros(3), np.ones(3))


def test_half_year_target_is_pro_rata_and_carries_backlog_and_surplus():
    m = _munis()
    m.start_half_year(1000)
    assert list(m.target) == [100, 300, 600]
    m.housed[:] = [40, 300, 650]
    m.start_half_year(500)
    # carry-over: +60, 0, -50 on top of 50, 150, 300
    assert list(m.target) == [110, 150, 250]
    assert list(m.housed) == [0, 0, 0]


def test_quota_subtracts_housed_and_linked_waiting():
    m = _munis()
    m.start_half_year(1000)
    m.housed[:] = [10, 0, 600]
    assert list(m.quota(np.array([5, 300, 3]))) == [85, 0, 0]


def test_link_only_to_municipalities_with_quota_and_only_while_quota_lasts():
    keys = np.arange(10, dtype=np.uint64)
    sizes = np.full(10, 2)
    out = link(keys, sizes, np.array([0, 5, 0]))
    # 5 persons of quota: households start at persons 0,2,4 (< 5) are linked, the rest wait
    assert list(out[:3]) == [1, 1, 1]
    assert (out[3:] == -1).all()
    assert (link(keys, sizes, np.zeros(3, int)) == -1).all()


def test_house_is_first_linked_first_housed_and_keeps_families_whole():
    mun = np.array([0, 1, 0, 0, 1])
    sizes = np.array([2, 1, 3, 1, 4])
    homes = np.array([4, 0])
    # municipality 0: households 0 (2) and 2 (3) start at 0 and 2 < 4 -> housed; 3 starts at 5
    assert list(house(mun, sizes, homes)) == [True, False, True, False, False]

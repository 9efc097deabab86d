import numpy as np
import pytest

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
    # municipality 0: household 0 (2 persons) fits in the 4 homes; household 2 (3) finds 2 left: it
    # straddles the end and is housed when u * 3 < 2 (u < 2/3); household 3 finds none left.
    # Municipality 1 has no homes: nobody, whatever its uniform.
    assert list(house(mun, sizes, homes, np.array([0.6, 0.0]))) == [True, False, True, False, False]
    assert list(house(mun, sizes, homes, np.array([0.7, 0.0]))) == [True, False, False, False, False]
    # a household that fits exactly is housed whatever the uniform; the next finds nothing left
    assert list(house(mun, np.array([4, 1, 3, 1, 4]), homes, np.array([0.99, 0.0]))) == [True] + [False] * 4


def test_a_week_houses_the_homes_on_average_when_the_line_is_long():
    # 20,000 municipalities, each with homes for 3 persons and a line of four families of 5: the
    # first is housed with chance 3/5, so 3 persons a municipality on average, never a split family
    n = 20_000
    u = np.random.default_rng(1).random(n)
    housed = house(np.repeat(np.arange(n), 4), np.full(4 * n, 5), np.full(n, 3), u).reshape(n, 4)
    assert not housed[:, 1:].any()                            # the second family never finds room
    persons = 5 * housed[:, 0]
    assert persons.mean() == pytest.approx(3.0, abs=0.05)     # s.e. 5 * sqrt(0.24 / 20,000) = 0.017


def test_the_network_switch_changes_the_response_of_two_neighbouring_municipalities():
    import scipy.sparse as sp

    from agents.municipalities import ask_table, react_to_answers

    # A (0) and B (1) share a border and sit at one coordination table, which asks A first (the
    # furthest below its Spreidingswet key); A never accepts, B always.
    neighbour_mean = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    chance = np.array([0.0, 1.0])
    both = np.array([0, 1])
    # on the network the table re-offers what A refused: B hosts the 200 places, none unplaced
    asked, yes, per, left = ask_table(both, 200, 200, chance, round_key=1, re_offer=True)
    assert list(asked) == [0, 1] and list(yes) == [False, True] and list(per) == [200, 200] and left == 0
    # off the network A answers alone: the 200 places stay unplaced and B is never asked
    asked, yes, per, left = ask_table(both, 200, 200, chance, round_key=1, re_offer=False)
    assert list(asked) == [0] and list(yes) == [False] and left == 200
    # neighbours watch each other answer (weight 0.2). A asked and refused, B not asked:
    # B 0.5 + 0.2 * (0 - 0.5) = 0.4; A has no asked neighbour and keeps 0.3
    w = np.array([0.3, 0.5])
    after = react_to_answers(w, neighbour_mean, np.array([True, False]), np.array([False, False]), 0.2)
    assert after == pytest.approx([0.3, 0.4])
    # both asked, B accepted: A 0.3 + 0.2 * (1 - 0.3) = 0.44, B 0.5 + 0.2 * (0 - 0.5) = 0.4
    after = react_to_answers(w, neighbour_mean, np.array([True, True]), np.array([False, True]), 0.2)
    assert after == pytest.approx([0.44, 0.4])


def test_an_offer_asks_one_location_per_municipality_and_splits_the_places():
    from agents.municipalities import offer

    # 500 places in locations of about 200: round(2.5) = 2 municipalities, 250 each; with 3
    # candidates the third is not asked. 10 places still ask one municipality.
    asked, yes, per, left = offer(np.array([5, 6, 7]), 500, 200, np.ones(8), round_key=3)
    assert list(asked) == [5, 6] and list(per) == [250, 250] and yes.all() and left == 0
    asked, yes, per, left = offer(np.array([5, 6, 7]), 10, 200, np.zeros(8), round_key=3)
    assert list(asked) == [5] and list(per) == [10] and left == 10

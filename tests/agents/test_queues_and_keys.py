import itertools
import warnings

import numpy as np

from agents.keyed import keyed_uniform, keyed_uniform_parts, keyed_uniforms
from agents.queues import BucketCalendar, Calendar, FifoQueue


def test_fifo_order_drop_and_keep_head():
    q = FifoQueue(capacity=2)
    q.push(np.array([5, 6, 7]))
    q.push(np.array([8]))
    assert list(q.peek()) == [5, 6, 7, 8]
    q.drop(1)
    assert list(q.peek(2)) == [6, 7]
    q.keep_head(2, np.array([False, True]))  # 6 is stale
    assert list(q.peek()) == [7, 8]
    q.keep(np.array([False, True]))
    assert list(q.peek()) == [8] and len(q) == 1


def test_fifo_never_writes_what_it_dropped():
    """Ids `peek` gave and `drop` removed stay as they were (a served line is a view, no copy)
    through `keep_head`, `keep` and pushes that fill the array or grow it."""
    q = FifoQueue(capacity=4)
    q.push(np.array([1, 2, 3, 4]))
    served = q.peek(2)
    q.drop(2)
    q.keep(np.array([False, True]))                  # keeps 4
    q.push(np.array([5, 6, 7]))                     # grows
    q.keep_head(2, np.array([True, False]))
    assert served.tolist() == [1, 2] and q.peek().tolist() == [4, 6, 7]


def test_calendar_returns_exactly_the_ids_due():
    c = Calendar()
    c.schedule(np.array([1, 2]), 3)
    c.schedule(np.array([3, 4, 5]), np.array([3, 4, 3]))
    assert sorted(c.pop(3)) == [1, 2, 3, 5]
    assert list(c.pop(3)) == []
    assert list(c.pop(4)) == [4]
    assert c.pending() == 0
    ids = np.array([9, 7, 8], np.int32)
    c.schedule(ids, np.array([6, 6, 6]))          # one day for all: filed in order, as a copy
    ids[0] = 0
    got = c.pop(6)
    assert list(got) == [9, 7, 8] and got.dtype == np.int64


def test_keyed_uniform_is_a_pure_function_of_key_and_salt():
    keys = np.array([1, 2, 3, 2**63], dtype=np.uint64)
    u = keyed_uniform(keys, 7)
    assert ((u >= 0) & (u < 1)).all()
    assert np.array_equal(u, keyed_uniform(keys, 7))
    assert np.array_equal(u[[2, 0]], keyed_uniform(keys[[2, 0]], 7))  # order does not matter
    assert not np.array_equal(u, keyed_uniform(keys, 8))              # another decision, other draws
    big = keyed_uniform(np.arange(100_000, dtype=np.uint64), 3)
    assert abs(big.mean() - 0.5) < 0.01


def test_bucket_calendar_gives_what_a_calendar_gives_in_filing_order():
    plain, bucketed = Calendar(), BucketCalendar(width=4)
    filings = [(np.array([5, 6, 7]), np.array([3, 9, 3])), (np.array([8]), 3), (np.array([1, 2]), np.array([40, 9]))]
    for ids, days in filings:
        plain.schedule(ids, days)
        bucketed.schedule(ids, days)
    got = {}
    for day in range(0, 10):
        got[day] = list(bucketed.pop(day))
        assert got[day] == list(plain.pop(day))
        if day == 5:                                  # filed while bucket 4-7 is being popped
            for cal in (plain, bucketed):
                cal.schedule(np.array([11, 12]), np.array([6, 9]))
    assert got[3] == [5, 7, 8] and got[6] == [11] and got[9] == [6, 2, 12]
    assert bucketed.pending() == 1 and list(bucketed.pop(40)) == [1] and bucketed.pending() == 0



def test_keyed_uniforms_give_each_salt_the_numbers_keyed_uniform_gives():
    keys = np.array([0, 1, 2**63 + 5, 123456789], np.uint64)
    u = keyed_uniforms(keys, (3, 22, 3))
    assert u.shape == (3, 4)
    for row, salt in zip(u, (3, 22, 3)):
        assert np.array_equal(row, keyed_uniform(keys, salt))      # bit for bit, the same numbers
    assert not np.array_equal(u[0], u[1])
    assert np.array_equal(keyed_uniforms(keys.astype(np.int64), (3,))[0], keyed_uniform(keys, 3))


def test_keyed_uniform_parts_give_each_part_the_numbers_of_its_own_salt():
    keys = np.array([0, 1, 2**63 + 5, 123456789, 7, 7], np.uint64)
    # parts of 2, 0, 3 and 1 keys with salts 4, 23, 24, 5 (an empty part takes none)
    u = keyed_uniform_parts(keys, [2, 0, 3, 1], (4, 23, 24, 5))
    assert len(u) == 6
    assert np.array_equal(u[:2], keyed_uniform(keys[:2], 4))      # bit for bit
    assert np.array_equal(u[2:5], keyed_uniform(keys[2:5], 24))
    assert np.array_equal(u[5:], keyed_uniform(keys[5:], 5))
    assert u[4] != u[5]                                           # the same key, another salt

def test_a_poisson_draw_from_a_uniform_is_the_quantile_worked_out_by_hand():
    from agents.keyed import poisson_count, poisson_quantile
    # Poisson(2): P(K <= 0, 1, 2, 3) = e^-2 (1, 3, 5, 19/3) = 0.135, 0.406, 0.677, 0.857
    u = np.array([0.0, 0.1, 0.2, 0.5, 0.8, 0.9])
    assert poisson_quantile(u, 2.0).tolist() == [0, 0, 1, 2, 3, 4]
    assert [poisson_count(float(x), 2.0) for x in u] == [0, 0, 1, 2, 3, 4]
    with warnings.catch_warnings():   # a rate of 0 (a municipality without homes) is no numerical fault
        warnings.simplefilter("error")
        assert poisson_quantile(u, 0.0).tolist() == [0] * 6 and poisson_count(0.7, 0.0) == 0
    # one uniform per municipality, rates rising: counts never fall (common random numbers)
    v = np.random.default_rng(3).random(500)
    counts = [poisson_quantile(v, lam) for lam in (0.5, 0.6, 5.0, 5.5, 300.0)]
    assert all((b >= a).all() for a, b in itertools.pairwise(counts))
    assert abs(counts[-1].mean() - 300.0) < 3 * np.sqrt(300.0 / 500)   # the right mean


def test_a_long_fifo_line_grows_by_a_quarter_a_short_one_doubles():
    from agents.columns import GENTLE_FROM

    q = FifoQueue(capacity=1024)
    q.push(np.arange(1000))
    q.drop(600)
    q.push(np.arange(700))                       # 400 live + 700 new: compacted, room for twice that
    assert len(q._items) == 2 * 1100 and list(q.peek(3)) == [600, 601, 602]
    q = FifoQueue(capacity=GENTLE_FROM)
    q.push(np.arange(GENTLE_FROM))
    q.push(np.arange(4))                         # a long line: a quarter more, not double
    need = GENTLE_FROM + 4
    assert len(q._items) == need + need // 4 and len(q) == need
    assert list(q.peek()[-5:]) == [GENTLE_FROM - 1, 0, 1, 2, 3]


def test_a_bucket_calendar_frees_its_tray_before_splitting_it_and_keeps_int32():
    import tracemalloc

    n, cal = 200_000, BucketCalendar(width=32)
    tracemalloc.start()              # before filing: the tray's arrays are traced
    try:
        cal.schedule(np.arange(n), 64 + np.arange(n) % 320)    # a tenth due in the next bucket (64-95)
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        first = cal.pop(64)
        rise = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert list(first[:2]) == [0, 320] and len(first) == n // 320
    assert cal.pending() == n - len(first)
    # ids and days (8 B an entry as int32) concatenated, the tray freed, then split: ~10 B an entry
    # over the tray; with the tray held through the split as well, ~17 (int64: ~19 and ~34)
    assert rise < 13 * n
    assert first.dtype == np.int32 and cal.pop(65).dtype == np.int32


def test_a_bucket_calendar_keeps_a_day_beyond_int32_as_the_last_day():
    cal = BucketCalendar(width=32)
    cal.schedule(np.array([5, 6, 7], np.int64), np.array([3, 10**12, 40]))    # a rate near 0: far away
    cal.schedule(np.array([8]), 3)
    assert list(cal.pop(3)) == [5, 8] and list(cal.pop(40)) == [7] and cal.pending() == 1
    assert list(cal.pop(2**31 - 1)) == [6]          # not wrapped round into the run's days


def test_a_bucket_calendar_files_one_day_for_all_as_it_files_each_its_own_day():
    """One day for all (an int, a NumPy integer, a 0-d array) files as the same day given per id,
    both in the bucket being popped and beyond it; popping a bucket's last ids empties it."""
    for one in (6, np.int64(6), np.array(6)):
        each, shared = BucketCalendar(width=4), BucketCalendar(width=4)
        each.schedule(np.array([1, 2]), np.array([6, 6]))
        shared.schedule(np.array([1, 2]), one)
        for cal in (each, shared):
            assert list(cal.pop(4)) == []                          # bucket 4-7 being popped now
            cal.schedule(np.array([3]), np.array([5]))
        each.schedule(np.array([4, 5]), np.array([6, 6]))
        shared.schedule(np.array([4, 5]), one)                     # into the bucket being popped
        for cal in (each, shared):
            assert list(cal.pop(5)) == [3]
            out = cal.pop(6)
            assert list(out) == [1, 2, 4, 5] and out.dtype == np.int32
            assert cal.pending() == 0 and list(cal.pop(7)) == []


def test_keyed_draws_are_splitmix64_outputs_few_keys_or_many():
    """SplitMix64's first two outputs from seed 0 (0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4) are the
    finaliser of 1 and 2 times the golden gamma: a key whose salt mask (salt 1: the gamma) turns it
    into that state draws that output's top 53 bits over 2**53 — by a few keys (Python integers)
    and by many (arrays) alike."""
    g = 0x9E3779B97F4A7C15
    keys = [0, ((2 * g) & (2**64 - 1)) ^ g]
    want = [(0xE220A8397B1DCDAF >> 11) / 2**53, (0x6E789E6AA1B965F4 >> 11) / 2**53]
    few = keyed_uniform(np.array(keys, np.uint64), 1)
    many = keyed_uniform(np.array(keys * 10, np.uint64), 1)
    assert few.tolist() == want and many.tolist() == want * 10
    assert keyed_uniforms(np.array(keys, np.uint64), (1, 1)).tolist() == [want, want]
    assert keyed_uniform_parts(np.array(keys, np.uint64), [1, 1], (1, 1)).tolist() == want


def test_a_few_keys_draw_bit_for_bit_what_many_draw():
    rng = np.random.default_rng(3)
    keys = rng.integers(-(2**63), 2**63 - 1, 40, dtype=np.int64, endpoint=True)
    for dtype in (np.int64, np.uint64):                  # negative int64 keys: their 64 bits
        k = keys.astype(dtype)
        many = keyed_uniform(k, 11)
        many2 = keyed_uniforms(k, (3, 21))
        many_parts = keyed_uniform_parts(k, [20, 20], (4, 5))
        for n in range(9):                               # up to 8 draws: the Python path
            assert keyed_uniform(k[:n], 11).tobytes() == many[:n].tobytes()
            assert keyed_uniform(k[:n], 11).dtype == np.float64
        for n in range(5):
            u = keyed_uniforms(k[:n], (3, 21))
            assert u.shape == (2, n) and u.tobytes() == many2[:, :n].copy().tobytes()
        u = keyed_uniform_parts(np.concatenate([k[:3], k[20:24]]), [3, 4], (4, 5))
        assert u.tobytes() == np.concatenate([many_parts[:3], many_parts[20:24]]).tobytes()
    assert keyed_uniform(np.empty(0, np.uint64), 1).shape == (0,)
    assert keyed_uniforms(np.empty(0, np.uint64), (1, 2)).shape == (2, 0)

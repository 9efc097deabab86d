"""Growable columns: a dict of equally long NumPy arrays, one per attribute (struct of arrays)."""

from __future__ import annotations

import numpy as np

GENTLE_FROM = 1 << 16   # rows: a table this long grows by a quarter instead of doubling


def filled(n: int, value, dtype=np.float64) -> np.ndarray:
    """`np.full(n, value, dtype)` for the day loop: the same array, without np.full's Python
    frame and checks (~2 us a call; the rules make several a day)."""
    a = np.empty(n, dtype)
    a.fill(value)
    return a


def grown(cap: int, needed: int) -> int:
    """The new length of a table of `cap` rows that must hold `needed` rows.

    Short tables double; from `GENTLE_FROM` rows on they grow by a quarter, so a large table
    carries at most 25 % unused rows (doubling: up to 50 %) at the price of copying each row
    about four times over the run instead of once (still amortised O(1) per row).
    """
    return max(needed, cap + (cap if cap < GENTLE_FROM else cap // 4))


def reserve(columns: dict[str, np.ndarray], used: int, needed: int, spare: dict[str, int] | None = None) -> None:
    """Make room for `needed` rows in every column (see `grown`).

    The first `used` rows are kept; new rows are zero, or `spare[name]` in the columns `spare`
    names. Columns are replaced one at a time, so while growing only one column exists twice (as
    long as nobody else holds the old arrays).
    """
    cap = len(next(iter(columns.values())))
    if needed <= cap:
        return
    new_cap = grown(cap, needed)
    for name in list(columns):
        a = columns[name]
        b = np.zeros(new_cap, a.dtype)
        b[:used] = a[:used]
        if spare is not None and name in spare:
            b[used:] = spare[name]
        columns[name] = b
        del a   # the old column goes now, not when the next one is bound

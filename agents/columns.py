"""Growable columns: a dict of equally long NumPy arrays, one per attribute (struct of arrays)."""

from __future__ import annotations

import numpy as np


def reserve(columns: dict[str, np.ndarray], used: int, needed: int) -> None:
    """Make room for `needed` rows in every column, doubling the length when it must grow.

    The first `used` rows are kept; new rows are zero. Growth is amortised O(1) per row.
    """
    cap = len(next(iter(columns.values())))
    if needed <= cap:
        return
    new_cap = max(needed, 2 * cap)
    for name, a in columns.items():
        b = np.zeros(new_cap, a.dtype)
        b[:used] = a[:used]
        columns[name] = b

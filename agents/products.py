"""Sums of products for the day loop, in NumPy's own single-threaded loops, never BLAS.

NumPy's `@` and `np.dot` on floating-point arrays call BLAS. OpenBLAS (the BLAS NumPy's wheels
ship) splits a long product over threads: a dot product of more than 10,000 elements is added up
in another order on a machine with another number of cores or another `OPENBLAS_NUM_THREADS`
(a Dask worker sets it to 1), so its last bits differ — a run's results would depend on where it
ran. Its threads also spin for a while after each call, competing with the run for the cores: on a
busy 2-core machine a world holding 64 baselines' people ran 1.8 times slower for them (15.0 s
against 8.5 s CPU for 200 days; docs/performance.md). The rules and the recorder therefore sum
products through the two functions below, whose results depend only on their arguments.
"""

from __future__ import annotations

import numpy as np


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Σ a[i] * b[i] of two equally long 1-D arrays, as a Python float.

    `np.einsum` without `optimize` runs its own loop on one thread (no BLAS), so the sum is added
    up in the same order whatever the machine's threads."""
    return float(np.einsum("i,i->", a, b))


def whole_sums(rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """`rows @ groups` for whole numbers: rows (m, n) and a 0/1 (or whole-number) matrix groups
    (n, g), both of an integer dtype, gives the (m, g) sums as int64 — exact, and computed by
    NumPy's integer matrix product, which never calls BLAS. (A float product of whole numbers
    below 2**53 is exact too, but would call BLAS, with its threads.)"""
    if rows.dtype.kind not in "iub" or groups.dtype.kind not in "iub":
        raise TypeError(f"whole_sums: integer arrays only, not {rows.dtype} and {groups.dtype}")
    return rows @ groups

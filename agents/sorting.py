"""Stable orders of small-range integer keys, linear in their number.

NumPy sorts 16-bit integers by radix (two passes, linear) when asked for a stable sort, and
wider integers by timsort (n log n). Locations, municipalities and places per location fit in
16 bits, so their orders are sorted as int16: the same permutation, from a few hundred keys on
faster (~2.5× for 2,400 keys; slower below ~200, where the int64 sort is used).
"""

from __future__ import annotations

import numpy as np

RADIX_FROM = 256   # keys: below this many the int64 timsort is faster than the radix sort


def stable_order(keys: np.ndarray, fit_16_bits: bool) -> np.ndarray:
    """`keys.argsort(kind="stable")`; `fit_16_bits`: the caller knows every key is in
    [-32768, 32767] (then a long array is sorted as int16, by radix)."""
    if fit_16_bits and len(keys) >= RADIX_FROM:
        return keys.astype(np.int16, copy=False).argsort(kind="stable")
    return keys.argsort(kind="stable")


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, ascending (as `np.unique(values)`). NumPy 2's
    `np.unique` finds them with a hash table and then sorts them: for int arrays of a few dozen to
    tens of thousands of values about 1.5× to 6× the time of this sort and neighbour comparison."""
    values = np.sort(values)
    if len(values) > 1:
        values = values[np.concatenate((_FIRST, values[1:] != values[:-1]))]
    return values


def first_of_each(values: np.ndarray) -> np.ndarray:
    """Index of the first occurrence of each distinct value, in ascending order of value: what
    `np.unique(values, return_index=True)[1]` returns (the same stable sort), without its
    overhead on the few values a day brings."""
    perm = values.argsort(kind="stable")
    if len(perm) < 2:
        return perm
    ordered = values[perm]
    return perm[np.concatenate((_FIRST, ordered[1:] != ordered[:-1]))]


def last_of_each(values: np.ndarray) -> np.ndarray:
    """Index of the last occurrence of each distinct value, in ascending order of value (a
    household's last row in a log of rows by household, say)."""
    return len(values) - 1 - first_of_each(values[::-1])


_FIRST = np.ones(1, bool)   # the first of the sorted values is always kept
_FIRST.flags.writeable = False

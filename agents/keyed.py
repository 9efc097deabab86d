"""Per-person random draws tied to the person, not to the order in which people are processed.

Every household gets a 64-bit key when it arrives (drawn from the arrivals stream). A decision
about that household (permit or not, departure route, transfer success, …) is a pure function of
its key and a *salt* naming the decision. Two plan variants run on the same seed therefore see the
same individual outcomes even when the plan changes who is processed on which day: differences
between variants come from the plan, not from noise (common random numbers).

Counts keep common random numbers the same way: `poisson_quantile` turns one uniform into a
Poisson count that never falls as the rate rises (a day's households, a week's homes).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from scipy import special
from scipy.special import cython_special

# The constants of the array arithmetic as 0-d arrays: NumPy combines an array with a 0-d array
# of its dtype for about two thirds of the instructions it takes with a scalar (no scalar
# conversion on each call); the results are the same
_GOLDEN = np.array(0x9E3779B97F4A7C15, np.uint64)
_MIX1 = np.array(0xBF58476D1CE4E5B9, np.uint64)
_MIX2 = np.array(0x94D049BB133111EB, np.uint64)


_S30, _S27, _S31, _S11 = (np.array(k, np.uint64) for k in (30, 27, 31, 11))
_MASK64 = (1 << 64) - 1
_TWO_TO_MINUS_53 = 1.0 / 9007199254740992.0
_SCALE = np.array(_TWO_TO_MINUS_53)     # (float64)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, in place on `z` (unsigned array arithmetic wraps, never warns)."""
    z ^= z >> _S30
    z *= _MIX1
    z ^= z >> _S27
    z *= _MIX2
    z ^= z >> _S31
    return z


_SALT_MASKS: dict[int, np.ndarray] = {}
_SALT_COLUMNS: dict[tuple[int, ...], np.ndarray] = {}
_SALT_ROWS: dict[tuple[int, ...], np.ndarray] = {}

# At most this many draws are made in Python integers (`_few`): a draw there costs about a sixth
# of the CPU instructions of the twelve array operations of `_uniform`, so below this many it is
# the faster way
_FEW = 5
_M1, _M2 = int(_MIX1), int(_MIX2)


def _salt_mask(salt: int) -> int:
    return (salt * int(_GOLDEN)) & _MASK64


def _uniform(keys: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """The keys mixed with the salt masks (broadcast), as uniform numbers in [0, 1)."""
    if keys.dtype == np.int64:      # (the same 64 bits; `^` makes a new array, the keys stay as they are)
        keys = keys.view(np.uint64)
    elif keys.dtype != np.uint64:
        keys = keys.astype(np.uint64)
    z = keys ^ masks
    z = _splitmix64(z)
    z >>= _S11
    return z * _SCALE   # exact: z < 2**53 converts to float64 without rounding


def _few(keys: list[int], mask: int) -> list[float]:
    """`_uniform` of a few keys (Python ints, any sign: taken as their 64 bits) with one salt mask,
    in Python integer arithmetic: the same 64-bit steps, so the same numbers bit for bit."""
    out = []
    for k in keys:
        z = (k ^ mask) & _MASK64
        z ^= z >> 30
        z = (z * _M1) & _MASK64
        z ^= z >> 27
        z = (z * _M2) & _MASK64
        z ^= z >> 31
        out.append((z >> 11) * _TWO_TO_MINUS_53)   # exact: an integer below 2**53 times a power of two
    return out


def keyed_uniform(keys: np.ndarray, salt: int) -> np.ndarray:
    """Uniform numbers in [0, 1), one per key, fixed by (key, salt)."""
    if len(keys) <= _FEW:
        return np.array(_few(keys.tolist(), _salt_mask(salt)), np.float64)
    mask = _SALT_MASKS.get(salt)
    if mask is None:
        mask = _SALT_MASKS[salt] = np.array(_salt_mask(salt), np.uint64)
    return _uniform(keys, mask)


def keyed_uniforms(keys: np.ndarray, salts: tuple[int, ...]) -> np.ndarray:
    """`keyed_uniform` for several salts at once: row i holds the numbers for `salts[i]` (the
    same numbers, bit for bit, in one pass over the keys)."""
    if len(keys) * len(salts) <= _FEW:
        listed = keys.tolist()
        return np.array([_few(listed, _salt_mask(salt)) for salt in salts], np.float64)   # (salts, keys), 0 keys too
    masks = _SALT_COLUMNS.get(salts)
    if masks is None:
        masks = _SALT_COLUMNS[salts] = np.array([[_salt_mask(salt)] for salt in salts], np.uint64)
    return _uniform(keys, masks)


def keyed_uniform_parts(keys: np.ndarray, lengths: list[int], salts: tuple[int, ...]) -> np.ndarray:
    """`keyed_uniform` with a salt per consecutive part of `keys` (part i: `lengths[i]` keys, drawn
    with `salts[i]`): the same numbers, bit for bit, in one pass over the keys."""
    if len(keys) <= _FEW:
        listed, out, at = keys.tolist(), [], 0
        for n, salt in zip(lengths, salts):
            out += _few(listed[at:at + n], _salt_mask(salt))
            at += n
        return np.array(out, np.float64)
    masks = _SALT_ROWS.get(salts)
    if masks is None:
        masks = _SALT_ROWS[salts] = np.array([_salt_mask(salt) for salt in salts], np.uint64)
    return _uniform(keys, np.repeat(masks, lengths))


def poisson_quantile(u: np.ndarray | float, lam: np.ndarray | float) -> np.ndarray:
    """A Poisson draw from a uniform: the smallest k with P(K <= k) >= u for K ~ Poisson(lam)
    (elementwise). Monotone in u and in lam: the same uniform gives as many or more at a higher
    rate, so two runs that differ only in a rate (a calibration's step, a sweep's point) draw
    nearly the same counts — common random numbers, which `Generator.poisson` does not keep (it
    uses a rate-dependent number of uniforms). Starts at the normal approximation and steps to
    the exact quantile with the CDF (`scipy.special.pdtr`)."""
    u = np.asarray(u, np.float64)
    lam = np.asarray(lam, np.float64)
    with np.errstate(invalid="ignore"):   # lam 0 and u 0: 0 × −inf is NaN, which fmax turns into 0
        k = np.fmax(np.floor(lam + np.sqrt(lam) * special.ndtri(u)), 0.0)
    while True:
        low = special.pdtr(k, lam) < u
        if not low.any():
            break
        k = k + low
    while True:
        high = (k > 0) & (special.pdtr(k - 1, lam) >= u)
        if not high.any():
            break
        k = k - high
    return k.astype(np.int64)


_NORMAL = NormalDist()


def poisson_count(u: float, lam: float) -> int:
    """`poisson_quantile` of one uniform and one rate, in scalar arithmetic (a day's number of
    arriving households: no array work). Starts at the Cornish-Fisher approximation of the
    quantile (normal plus skew, rounded), which is mostly the exact one: two CDF evaluations
    confirm it. The steps make the result the exact quantile whatever the start. The CDF is
    `scipy.special.pdtr`'s C function called on Python floats (`cython_special`: the same values,
    without a ufunc call's work for one number)."""
    if lam > 0 and u > 0:
        z = _NORMAL.inv_cdf(u)
        k = max(math.ceil(lam + math.sqrt(lam) * z + (z * z - 1.0) / 6.0 - 0.5), 0)
    else:
        k = 0
    while cython_special.pdtr(k, lam) < u:
        k += 1
    while k > 0 and cython_special.pdtr(k - 1, lam) >= u:
        k -= 1
    return k


def round_key(stream: int, site: int, round_no: int) -> int:
    """A 64-bit key for one request round's answers (`agents.municipalities.answer_requests`):
    SplitMix64 of the run's answer stream (`State.answer_key`, drawn from the seed), the site that
    asks (`SITE_*`: the plan's COA contracts, safety regions, municipalities, ...) and the round's
    number. Different runs, sites and rounds get unrelated answers; the same ones the same
    answers (two plan variants on one seed see the same municipalities say yes)."""
    z = (stream ^ (site * 0x2545F4914F6CDD1D) ^ (round_no * int(_GOLDEN))) & _MASK64
    return int(_splitmix64(np.array([z], np.uint64))[0])


# Who asks for places (the `site` of `round_key`)
SITE_COA_CONTRACT = 1
SITE_SAFETY_REGION = 2
SITE_MUNICIPALITIES = 3
SITE_RELIEF = 4
SITE_REGISTRATION = 5
SITE_EXERCISE = 6


# Salts: one per kind of individual decision. Never reuse a salt for two decisions.
SALT_TRACK = 1
SALT_DUBLIN = 2
SALT_PERMIT = 3
SALT_DEPARTURE = 4
SALT_TRANSFER = 5
SALT_RENEWAL = 6
SALT_HOSTING = 7
SALT_LINK = 8
SALT_SPONSOR = 10
SALT_OWN_REQUEST = 11
SALT_REPLACEMENT = 12
# the procedure chain (numbered apart from the others so parallel additions do not collide)
SALT_PUBLIC_ORDER = 21
SALT_APPEAL = 22
SALT_APPEAL_UPHELD = 23
SALT_DUBLIN_ACCEPT = 24
# the candidates for a family's sponsor, drawn in turn until one can sponsor (`model.sponsors`)
SALTS_SPONSOR_CANDIDATES = tuple(range(200, 216))
# housing
SALT_SEARCH = 31          # days from the link to moving in
SALT_SEARCH_DONE = 32     # how far the initial stock's search had come on the start date

"""Municipalities: the half-yearly housing target (huisvestingstaakstelling) and housing supply.

Each half-year the national target of permit holders to house is split pro rata to population;
what a municipality did not house carries over to the next half-year, and so does a surplus.
Permit holders are linked (koppeling) to a municipality that still has room in its target, and
housed when that municipality has a home for them. Homes come weekly at the municipality's own
supply rate, which is not the target: the gap between the two is the backlog.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

import numpy as np

from agents.keyed import SALT_HOSTING, SALT_LINK, keyed_uniform, poisson_quantile
from agents.sorting import stable_order


_FEW_FAMILIES = 16   # `take_in_family` draws up to this many households' municipalities in Python


def _cumulative_share(m: Municipalities) -> tuple[np.ndarray, list[float]]:
    """`m.share.cumsum()`, as an array and as a list; made again only when `share` is replaced
    (it is never changed in place)."""
    got = m.__dict__.get("_cumulative_share")
    if got is None or got[0] is not m.share:
        cum = m.share.cumsum()
        got = m.__dict__["_cumulative_share"] = (m.share, cum, cum.tolist())
    return got[1], got[2]


class Municipalities:
    """One row per municipality (342 in the Netherlands, 2023 boundaries)."""

    def __init__(self, codes: list[str], names: list[str], population: np.ndarray,
                 province: np.ndarray, region: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                 supply_factor: np.ndarray, willingness: np.ndarray | None = None,
                 reception_target: np.ndarray | None = None) -> None:
        self.n = len(codes)
        self.codes = list(codes)
        self.names = list(names)
        self.population = np.asarray(population, np.int64)
        self.province = np.asarray(province, np.int16)   # index into the province table
        self.region = np.asarray(region, np.int16)       # index into the safety-region table
        self.lat = np.asarray(lat, np.float64)
        self.lon = np.asarray(lon, np.float64)
        self.share = self.population / self.population.sum()  # pro-rata key for the target
        self.supply_factor = np.asarray(supply_factor, np.float64)  # ability relative to the key
        self.target = np.zeros(self.n, np.int64)     # persons to house this half-year (incl. carry-over)
        self.linked = np.zeros(self.n, np.int64)     # persons linked this half-year
        self.waiting = np.zeros(self.n, np.int64)    # persons linked and still waiting for a home
        self.housed = np.zeros(self.n, np.int64)     # persons housed this half-year
        self.housed_total = np.zeros(self.n, np.int64)  # persons housed since the start
        # hosting reception places (requests from the plan)
        base = np.full(self.n, 0.5) if willingness is None else np.asarray(willingness, np.float64)
        self.base_willingness = base.copy()   # own disposition, 0..1
        self.willingness = base.copy()        # current, moved by load, fatigue and neighbours
        self.reception_target = (np.zeros(self.n) if reception_target is None
                                 else np.asarray(reception_target, np.float64))  # Spreidingswet places
        self.accepted = np.zeros(self.n, np.int64)   # requests accepted so far
        self.refused = np.zeros(self.n, np.int64)    # requests refused so far

    def start_half_year(self, national_target: int) -> None:
        """Open a new half-year: pro-rata target plus what was left (or overshot) before."""
        carry = self.target - self.housed
        self.target = np.rint(national_target * self.share).astype(np.int64) + carry
        self.linked = np.zeros(self.n, np.int64)
        self.housed = np.zeros(self.n, np.int64)

    def quota(self, waiting_linked: np.ndarray) -> np.ndarray:
        """Persons a municipality can still be linked: target minus housed and linked-waiting."""
        return np.maximum(self.target - self.housed - waiting_linked, 0)


def link(keys: np.ndarray, sizes: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """Link households to municipalities in proportion to their open quota.

    Households are taken in order while the national open quota lasts; the municipality is a
    keyed draw (so a household is linked to the same place in every variant, given the same
    quota). Returns the municipality per household, -1 where no quota was left.
    """
    out = np.full(len(keys), -1, dtype=np.int64)
    total = int(quota.sum())
    if total <= 0 or len(keys) == 0:
        return out
    starts = np.cumsum(sizes) - sizes
    n_fit = int(np.searchsorted(starts, total, side="left"))
    if n_fit == 0:
        return out
    cum = np.cumsum(quota) / total
    u = keyed_uniform(keys[:n_fit], SALT_LINK)
    out[:n_fit] = np.minimum(np.searchsorted(cum, u, side="right"), len(quota) - 1)
    return out


def house(municipality: np.ndarray, sizes: np.ndarray, homes: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Which waiting households get a home this week.

    `municipality` and `sizes` describe the linked, waiting households in the order they were
    linked; `homes` is the persons each municipality can house this week. Within a municipality
    households are housed first linked, first housed, and a family is never split: a household
    whose persons all fit in what is left of the homes is housed; the one that straddles the end
    of the homes (fewer left than its persons) is housed with the chance that the homes cover
    it, (left) / (its persons), decided by its municipality's uniform `u` (one per municipality);
    the households after it wait. So a week houses `homes` persons on average while the line is
    long enough, never splits a family, and a large family is housed by a small municipality
    in some weeks, not never (or in every week, as when the last home took a whole family).
    Returns a mask.
    """
    n = len(municipality)
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = stable_order(municipality, len(homes) < (1 << 15))
    m_sorted = municipality[order]
    s_sorted = sizes[order].astype(np.int64)
    cum_before = np.cumsum(s_sorted) - s_sorted
    per_municipality = np.bincount(m_sorted)
    group_first = (per_municipality.cumsum() - per_municipality)[m_sorted]   # first row of its group
    left = homes[m_sorted] - (cum_before - cum_before[group_first])         # homes left when its turn comes
    # housed with chance min(left / persons, 1): u < 1, so whoever fits is housed, nobody when none is left
    housed_sorted = u[m_sorted] * s_sorted < left
    mask = np.empty(n, dtype=bool)
    mask[order] = housed_sorted
    return mask


def recover(willingness: np.ndarray, base: np.ndarray, days: float, per_year: float) -> np.ndarray:
    """Willingness drifts back towards each municipality's own base over time."""
    keep = (1.0 - per_year) ** (days / 365.0)
    return base + (willingness - base) * keep


def pull_to_neighbours(willingness: np.ndarray, neighbour_mean, weight: float) -> np.ndarray:
    """One step of social influence on the regional network (`neighbour_mean`: row-normalised
    sparse adjacency); municipalities without neighbours keep their value."""
    has = np.asarray(neighbour_mean.sum(axis=1)).ravel() > 0
    target = neighbour_mean @ willingness
    return np.where(has, willingness + weight * (target - willingness), willingness)


def react_to_answers(willingness: np.ndarray, neighbour_mean, asked: np.ndarray, accepted: np.ndarray,
                     weight: float) -> np.ndarray:
    """Neighbours watch each other answer: a municipality with asked neighbours moves, by
    `weight`, towards the share of them that accepted (a refusal next door makes a refusal more
    likely, an acceptance an acceptance). `asked`, `accepted`: masks over municipalities for this
    request round; others keep their value.

    Two neighbours A and B, B at 0.5, weight 0.2: A asked and refuses -> B 0.5 + 0.2 * (0 - 0.5)
    = 0.4; A accepts -> B 0.5 + 0.2 * (1 - 0.5) = 0.6."""
    n_asked = neighbour_mean @ asked.astype(np.float64)
    share = np.divide(neighbour_mean @ accepted.astype(np.float64), n_asked, out=np.zeros(len(willingness)),
                      where=n_asked > 0)
    return np.where(n_asked > 0, willingness + weight * (share - willingness), willingness)


def acceptance_chance(willingness: np.ndarray, load: np.ndarray, load_weight: float) -> np.ndarray:
    """Chance to accept a request: willingness minus the pressure of places already hosted
    (`load`: hosted places per Spreidingswet place)."""
    return np.clip(willingness - load_weight * load, 0.0, 1.0)


def answer_requests(municipalities: np.ndarray, chance: np.ndarray, round_key: int) -> np.ndarray:
    """Which asked municipalities accept: each with its `chance`, by a draw keyed on the
    municipality and the request round (`round_key`, from `agents.keyed.round_key`: the run's
    answer stream, who asks and the round's number)."""
    key = municipalities.astype(np.uint64) * np.uint64(1_000_003) ^ np.uint64(round_key)
    return keyed_uniform(key, SALT_HOSTING) < chance[municipalities]


def offer(candidates: np.ndarray, places: int, location_size: int, chance: np.ndarray,
          round_key: int, answer: Callable = answer_requests) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Offer `places` to the first municipalities of `candidates` (in order), one location of
    about `location_size` places each: n = round(places / location_size) of them, at least one
    and at most all, asked at once for an equal part (the first ones take the remainder). Each
    accepts with its chance (`answer`: keyed on municipality and `round_key`). Returns the asked,
    whether each accepted, the places each was asked for, and the places refused."""
    if places <= 0 or len(candidates) == 0:
        return candidates[:0], np.zeros(0, bool), np.zeros(0, np.int64), max(int(places), 0)
    n = min(max(1, round(places / location_size)), len(candidates))
    asked = candidates[:n]
    per = np.full(n, places // n, np.int64)
    per[: places - int(per.sum())] += 1
    yes = answer(asked, chance, round_key)
    return asked, yes, per, int(per[~yes].sum())


def ask_table(candidates: np.ndarray, places: int, location_size: int, chance: np.ndarray,
              round_key: int, re_offer: bool,
              answer: Callable = answer_requests) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """A request for `places` put to one table's municipalities (`candidates`, in the order they
    are asked; see `offer`). Coordinated (`re_offer`, a regietafel), the table offers what the
    first asked refused once more to its next municipalities. Returns all asked, whether each
    accepted, the places each was asked for, and the places left unplaced.

    Two municipalities A, B at one table, A never accepts, B always, 200 places in locations of
    200: A is asked and refuses; coordinated, B is offered the 200 and hosts them (0 unplaced),
    alone 200 stay unplaced."""
    asked, yes, per, left = offer(candidates, places, location_size, chance, round_key, answer)
    if re_offer and left > 0 and len(candidates) > len(asked):
        a2, y2, p2, left = offer(candidates[len(asked):], left, location_size, chance, round_key, answer)
        asked, yes, per = np.concatenate([asked, a2]), np.concatenate([yes, y2]), np.concatenate([per, p2])
    return asked, yes, per, left


class MunicipalityRules:
    """What municipalities do, written once for all of them: vectorised class methods over the
    municipality arrays (`Municipalities`), one call a day for all 342 rather than one per
    municipality.

    The rulebook and the plan ask these of ``state.actors.municipalities``: this class in the
    headless face, the Mesa agent class `agents.views.MunicipalityAgent` (which inherits them) in
    the Mesa face. A subclass of the agent that overrides a rule changes how a `ReceptionModel`
    behaves. How a request travels between tables (`ask_table`) is the plan's, not theirs.
    """

    @classmethod
    def open_quota(cls, m: Municipalities) -> np.ndarray:
        """Persons each municipality can still be linked this half-year."""
        return m.quota(m.waiting)

    @classmethod
    def link_permit_holders(cls, m: Municipalities, keys: np.ndarray, sizes: np.ndarray,
                            quota: np.ndarray) -> np.ndarray:
        """Municipalities take on the permit holders in line (households with `keys` and `sizes`,
        in order) while their open `quota` lasts (`link`), and count them as linked and waiting.
        Returns the municipality per household, -1 where none had room."""
        mun = link(keys, sizes, quota)
        n = int((mun >= 0).sum())
        if n:
            linked = np.bincount(mun[:n], weights=sizes[:n], minlength=m.n).astype(np.int64)
            m.linked += linked
            m.waiting += linked
        return mun

    @classmethod
    def take_in_family(cls, m: Municipalities, u: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Family members who move in with their sponsor at home (nareizigers): the sponsor's
        municipality is a draw by population share (`u`: uniform draws, one per household), and
        the persons count as housed in its target (the taakstelling counts family members).
        Returns the municipality per household."""
        cum, cum_list = _cumulative_share(m)
        if 0 < len(u) <= _FEW_FAMILIES:   # a few (the usual day): their draws and sizes as Python numbers
            last = m.n - 1
            at = [min(bisect_right(cum_list, x), last) for x in u.tolist()]
            persons = sizes.tolist()
            np.add.at(m.housed, at, persons)
            np.add.at(m.housed_total, at, persons)
            return np.array(at, np.int64)
        mun = np.minimum(cum.searchsorted(u, side="right"), m.n - 1)
        done = np.bincount(mun, weights=sizes, minlength=m.n).astype(np.int64)
        m.housed += done
        m.housed_total += done
        return mun

    @classmethod
    def house_week(cls, m: Municipalities, rng: np.random.Generator, persons_per_year: float,
                   municipality: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """A week of housing: each municipality has homes for a Poisson number of persons at its
        own supply rate (`persons_per_year` nationally, by population share × `supply_factor`) and
        houses its linked households first linked, first housed (`house`; the household that
        straddles the end of the week's homes is housed with the chance they cover it, a second
        uniform per municipality, so the persons housed average the supply). `municipality` and
        `sizes` describe the linked, waiting households in the order they were linked. Returns
        the mask of those housed; the housed counts follow."""
        homes = poisson_quantile(rng.random(m.n), persons_per_year / 52.0 * m.share * m.supply_factor)
        housed = house(municipality, sizes, homes, rng.random(m.n))
        done = np.bincount(municipality[housed], weights=sizes[housed], minlength=m.n).astype(np.int64)
        m.housed += done
        m.housed_total += done
        m.waiting -= done
        return housed

    @classmethod
    def reconsider(cls, m: Municipalities, days: float, recovery_per_year: float, neighbour_mean,
                   neighbour_weight: float) -> None:
        """Before a request round: willingness to host recovers towards each municipality's own
        base over the `days` since they last reconsidered (`recover`; `recovery_per_year` a share
        a year), then, on the regional network (`neighbour_mean`, None off it), moves towards the
        neighbours' (`pull_to_neighbours`)."""
        m.willingness = recover(m.willingness, m.base_willingness, days, recovery_per_year)
        if neighbour_mean is not None:
            m.willingness = pull_to_neighbours(m.willingness, neighbour_mean, neighbour_weight)

    @classmethod
    def react(cls, m: Municipalities, asked: np.ndarray, accepted: np.ndarray, fatigue_per_request: float,
              neighbour_mean, neighbour_weight: float) -> None:
        """After a request round (`asked`, `accepted`: masks over municipalities): on the network
        (`neighbour_mean`, None off it) each moves towards its asked neighbours' answers
        (`react_to_answers`); each counts its answer, and those who accepted tire by
        `fatigue_per_request`."""
        if neighbour_mean is not None:
            m.willingness = react_to_answers(m.willingness, neighbour_mean, asked, accepted, neighbour_weight)
        m.accepted[accepted] += 1
        m.refused[asked & ~accepted] += 1
        m.willingness[accepted] = np.maximum(m.willingness[accepted] - fatigue_per_request, 0)

    # a request's answer: the chance given willingness and load, and the keyed draw against it
    acceptance_chance = staticmethod(acceptance_chance)
    answer_requests = staticmethod(answer_requests)

"""Relocation churn: the moves that are not a step in the procedure (verhuisbewegingen).

The record (`model/data/nl/relocation_moves_nl.csv`, `emergency_contracts_nl.csv`) names four
causes besides the procedure's own steps, and each is a rule here:

* **Contract ends** (`end_contracts`, called by the location lifecycle): a location's contract
  ends after its term; it is renewed for another term by a keyed draw, or it closes and its
  residents move (`Reason.CONTRACT_END`). Short terms make this the main cause of moves between
  emergency locations (halls, hotels, ships: six months, extended seven times in ten). While the
  places are still needed, the portfolio replaces an ended contract by a new site of the same kind
  and size in the same province, opening that day, so the residents of an ended emergency
  location mostly move to another emergency location.
* **Own requests** (`own_requests`): households in a regular asylum seekers' centre (azc) ask
  to move (medical treatment, school, family nearby, another azc) as a Poisson process per
  household; a request is granted when another azc has room (`Reason.OWN_REQUEST`). Each
  household's next request day is kept on a calendar, so a day touches only those due.
* **Capacity balancing** (`consolidate`): when places are not short, an under-used emergency or
  crisis location of the portfolio is closed and its residents moved to the others of its kind
  (`Reason.CAPACITY_BALANCING`, moved out by the lifecycle's drain within its daily budget).
* **A decision's consequence** (`to_family_locations`, for the rejections that became final
  today): a family with minors moves to a family location (gezinslocatie), where families keep shelter
  after the right to reception ends (`Reason.FAMILY_LOCATION`). In 2012 about a third of the
  registered moves of children were a consequence of the procedure, "for example when the
  family received a rejection".

Every bed change goes through `agents.moves.move`; beds are chosen by `model.placement`.
"""

from __future__ import annotations

import numpy as np

from agents.applicants import Flag, Stage
from agents.columns import grown
from agents.keyed import SALT_OWN_REQUEST, SALT_REPLACEMENT, keyed_uniform
from agents.locations import NO_BED, TEMPORARY_KINDS, Kind, Life, place
from agents.moves import Reason, move
from agents.queues import LAST_DAY, BucketCalendar
from agents.sorting import distinct, last_of_each
from model.events import open_places
from model.placement import FEW_HOUSEHOLDS, FEW_LOCATIONS, EmptiestFirst, close_locations, emptiest_first_few, find_beds
from model.scenario import KIND_KEYS
from model.state import State

# where households ask to move on their own request: the regular asylum seekers' centres (azc),
# as in COA's 2012 registration ("on every azc residents make several requests a day")
REQUEST_KIND = Kind.REGULAR
# locations that do not house people outside the registration step
_REGISTRATION_KINDS = (Kind.CENTRAL, Kind.BORDER)
_OTHER_KINDS = tuple(k for k in Kind if k not in _REGISTRATION_KINDS)
# a stage and a life stage as plain ints, for comparisons with columns (NumPy converts an IntEnum
# member, an int subclass, on every call: `model.rulebook`)
_HOUSED, _OPEN = int(Stage.HOUSED), int(Life.OPEN)
_DAY_MIX_INT = 0x9E3779B97F4A7C15            # spreads the day over the key's bits (odd constant)
_DAY_MIX = np.uint64(_DAY_MIX_INT)
_MASK64 = (1 << 64) - 1
_NO_IDS = np.zeros(0, np.int64)
_NO_IDS.flags.writeable = False


# --- contract ends ----------------------------------------------------------------------------

def end_contracts(s: State, ending: np.ndarray, day: int) -> np.ndarray:
    """Open locations whose contract ends today: renewed for one more term (keyed draw per
    location and end day), or closed with their residents moved. As far as the places are still
    needed (`replacement_places`), a portfolio location that closes is replaced by a new site.
    Returns the locations that closed."""
    if len(ending) == 0:
        return ending
    L = s.locs
    pf = s.params.portfolio
    renew_p = np.array([pf.renewal_probability[k] for k in KIND_KEYS])
    ended = ending[~s.actors.locations.renew(L, ending, renew_p, pf.seed)]
    if len(ended) == 0:
        return ended
    managed = ended[is_managed(s, ended)]
    need = replacement_places(s, ended)
    take = managed[np.cumsum(L.capacity[managed]) - L.capacity[managed] < need] if need > 0 else managed[:0]
    if len(take):
        # one keyed draw per site, all at once (the same numbers as one by one)
        u = keyed_uniform((take.astype(np.uint64) << np.uint64(20)) + np.uint64(day), SALT_REPLACEMENT)
        new = [open_replacement(s, j, day, uj) for j, uj in zip(take.tolist(), u.tolist())]
        s.managed = np.concatenate([s.managed, np.zeros(L.n - len(s.managed), bool)])
        s.managed[new] = True

    close_locations(s, ended, day, Reason.CONTRACT_END)
    s.event_log.append({"day": day, "date": str(s.world.dates[day]), "source": "portfolio", "where": "national",
                        "what": "contracts ended",
                        "detail": f"{len(ended)} location(s), {int(L.capacity[ended].sum()):,} places closed; "
                                  f"{int(L.capacity[take].sum()):,} places replaced by new sites"})
    return ended


def is_managed(s: State, idx: np.ndarray) -> np.ndarray:
    """Is each location's contract the portfolio's to renew or replace? (The portfolio's own
    locations and their replacements; not places opened by the plan or by scenario events, which
    manage their own.)"""
    if len(s.managed) >= s.locs.n:   # (the usual case: no location opened since the start)
        return s.managed[idx]
    inside = idx < len(s.managed)
    out = np.zeros(len(idx), bool)
    out[inside] = s.managed[idx[inside]]
    return out


def housing_demand(s: State) -> tuple[int, int]:
    """Persons entitled to a bed outside the registration locations (in a bed or waiting for
    one), and the normal places for them today: open locations outside the registration
    locations. Places still planned do not count: they open after a lead time of weeks, and
    counting them let contract ends go unreplaced (`replacement_places`) and under-used
    locations close (`consolidate`) while the people in them had no other bed until then."""
    L = s.locs
    registration = L.kind_in(_REGISTRATION_KINDS, no_bed=False)
    # (masked sums as one reduction each: integer sums, so the same whatever the order)
    at_registration = int(np.add.reduce(L.occupancy, where=registration, dtype=np.int64))
    demand = s.people.entitled() - at_registration
    counted = (L.life == _OPEN) & L.kind_in(_OTHER_KINDS, no_bed=False)
    return demand, int(np.add.reduce(L.capacity, where=counted, dtype=np.int64))


def replacement_places(s: State, ended: np.ndarray) -> float:
    """Normal places to replace so that demand fills at most `portfolio.replace_at_occupancy` of
    the normal places once the `ended` locations are gone (0 when none are needed). A
    replacement site opens the day the contract ends; places that turn out surplus when planned
    ones open later are the consolidation's (`consolidate`)."""
    demand, places = housing_demand(s)
    left = places - int(s.locs.capacity[ended].sum())
    return max(demand / s.params.portfolio.replace_at_occupancy - left, 0.0)


def open_replacement(s: State, j: int, day: int, u: float) -> int:
    """A new site for location `j`: same kind and normal places, one contract term, opening
    today in a municipality of the same province (drawn by population with `u`, the keyed draw of
    (j, day), not the old host when the province has another). Returns the new location's index
    (the caller marks it managed by the portfolio)."""
    L, m = s.locs, s.munis
    old_host = int(L.municipality[j])
    members, cum = _hosts_instead_of(m, old_host)
    host = int(members[min(int(np.searchsorted(cum, u, side="right")), len(members) - 1)])
    kind = int(L.kind[j])
    new = open_places(s, kind, int(L.capacity[j]), day, s.params.portfolio.contract_term_days[KIND_KEYS[kind]],
                      None, f"{Kind(kind).name.capitalize()} (new site)", host=host)
    return int(new[0])


def _hosts_instead_of(m, old_host: int) -> tuple[np.ndarray, np.ndarray]:
    """The municipalities that may host a new site instead of `old_host` (the others of its
    province, or itself alone) and their cumulative share of the population: kept per old host
    (a municipality's province and population never change in a run). Read only."""
    got = _HOSTS.get(old_host)
    if got is None or got[0] is not m.province or got[1] is not m.population:
        if len(_HOSTS) > 256:
            _HOSTS.clear()
        members = np.flatnonzero(m.province == m.province[old_host])
        if len(members) > 1:
            members = members[members != old_host]
        weight = m.population[members].astype(np.float64)
        cum = np.cumsum(weight) / weight.sum()
        members.flags.writeable = cum.flags.writeable = False
        got = _HOSTS[old_host] = (m.province, m.population, members, cum)
    return got[2], got[3]


_HOSTS: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}


# --- own requests -----------------------------------------------------------------------------

class RequestBook:
    """When each household next asks to move on its own request.

    `next_day[h]` is household h's next request day (-1: none pending); the calendar files
    households under that day (entries go stale when a household's day changes; they are checked
    against `next_day` when popped). Households are filed from the move log: whoever got a bed in
    a regular location since the last look draws its next request day from that day (a Poisson
    process has no memory, so starting the clock again at every move keeps the rate)."""

    def __init__(self) -> None:
        self.next_day = np.full(0, -1, np.int32)
        self.calendar = BucketCalendar()
        self.log_seen = 0

    def file(self, ids: np.ndarray, due: np.ndarray) -> None:
        """File households' next request days (int64). A day past `LAST_DAY` (2**31 - 1), which a
        near-zero request rate can draw, is kept as that day, in `next_day` (int32) as in the calendar:
        stored as drawn, it would wrap and could match the day of a stale entry."""
        due = np.minimum(due, LAST_DAY)
        self.next_day[ids] = due
        self.calendar.schedule(ids, due)

    def grow(self, n: int) -> None:
        """Room for `n` households (as the household table grows: `agents.columns.grown`)."""
        if n > len(self.next_day):
            more = grown(len(self.next_day), n) - len(self.next_day)
            self.next_day = np.concatenate([self.next_day, np.full(more, -1, np.int32)])


def request_gap_days(keys: np.ndarray, from_day: np.ndarray | int, rate_per_year: float) -> np.ndarray:
    """Days from `from_day` to a household's next own request: an exponential waiting time with
    mean 365 / rate, rounded up to whole days (at least one), keyed on (household key, day)."""
    keys = keys if keys.dtype == np.uint64 else keys.astype(np.uint64)
    if isinstance(from_day, int):       # one day for all: its mix as one number (wrapping as uint64 arrays do;
        mixed = keys ^ (from_day * _DAY_MIX_INT & _MASK64)   # a Python int below 2**64 is taken as uint64)
    else:
        if not (isinstance(from_day, np.ndarray) and from_day.dtype == np.int64 and from_day.ndim == 1):
            from_day = np.asarray(from_day, dtype=np.int64).reshape(-1)
        days = from_day.astype(np.uint64)   # arrays wrap without warning
        mixed = keys ^ (days * _DAY_MIX)
    u = keyed_uniform(mixed, SALT_OWN_REQUEST)
    # log1p(-u) * -365.0 is -log1p(-u) * 365.0 bit for bit (a sign change is exact)
    return np.maximum(np.ceil(np.log1p(-u) * -365.0 / rate_per_year), 1).astype(np.int64)


def own_requests(s: State, day: int) -> None:
    """Households due to ask today move to another regular location with room (emptiest first);
    whoever is not granted a place stays and asks again later. Then the next requests are filed."""
    book = s.requests
    if book is None:
        book = s.requests = RequestBook()
    rate = s.params.placement.own_request_moves_per_year
    due = book.calendar.pop(day)
    if rate <= 0:                                     # nobody asks (requests filed earlier lapse)
        book.log_seen = s.log.n
        book.next_day[due[book.next_day[due] == day]] = -1
        return
    book.grow(s.people.n)
    h = s.people.cols
    denied = _NO_IDS
    if 0 < len(due) <= FEW_HOUSEHOLDS and s.locs.n <= FEW_LOCATIONS:   # the usual day: on Python numbers
        denied = _grant_few(s, *_still_asking_few(s, book, due, day), day)
    elif len(due):
        due = distinct(due[book.next_day[due] == day])
        loc = h["location"][due]
        here = s.locs.kind_in((REQUEST_KIND,))[loc] & (h["stage"][due] < _HOUSED)
        if not here.all():
            book.next_day[due[~here]] = -1            # no longer in an azc: asks again when back
            due, loc = due[here], loc[here]
        if len(due) <= FEW_HOUSEHOLDS and s.locs.n <= FEW_LOCATIONS:
            denied = _grant_few(s, due, loc.tolist(), day)
        else:
            vacancy = s.locs.vacancy()
            vacancy[loc] = 0                              # not to a location someone asks to leave
            # (the order is made from `vacancy` as it is when first asked for: before any place is taken)
            sizes = h["size"][due].astype(np.int64)
            target = place(sizes, [REQUEST_KIND], vacancy, EmptiestFirst(s.locs, vacancy, live=True), take=True)
            moved = target >= 0
            s.today.moves += move(s.people, s.locs, s.log, due[moved], target[moved], day, Reason.OWN_REQUEST,
                                  sizes[moved])
            denied = due[~moved]
    _file_next_requests(s, book, rate, day, denied)


def _still_asking_few(s: State, book: RequestBook, due: np.ndarray, day: int) -> tuple[np.ndarray, list[int]]:
    """`own_requests`' households that ask today, for a few popped from the calendar (at most
    `FEW_HOUSEHOLDS`), on Python numbers: those whose request day is still today (an entry goes
    stale when the day changed), each once, ascending (as `distinct`), and still housed in a regular
    location before the permit stage; the others' request is cancelled (they ask again when back in
    an azc). Returns those households (the calendar's int32) and the location each is in."""
    next_day = book.next_day[due].tolist()
    asking = sorted({i for i, d in zip(due.tolist(), next_day) if d == day})
    ids = np.array(asking, due.dtype)
    h = s.people.cols
    loc: list[int] = h["location"][ids].tolist()
    stage: list[int] = h["stage"][ids].tolist()
    in_request_kind = s.locs.kind_in_list((REQUEST_KIND,))
    here = [in_request_kind[j] and st < _HOUSED for j, st in zip(loc, stage)]
    if all(here):
        return ids, loc
    book.next_day[[i for i, ok in zip(asking, here) if not ok]] = -1
    return np.array([i for i, ok in zip(asking, here) if ok], due.dtype), [j for j, ok in zip(loc, here) if ok]


def _grant_few(s: State, due: np.ndarray, loc: list[int], day: int) -> np.ndarray:
    """`own_requests`' placement for a few households (`FEW_HOUSEHOLDS`, in a world of at most
    `FEW_LOCATIONS` locations) on Python numbers (`model.placement.emptiest_first_few`): the same
    beds as `place` with `EmptiestFirst`, none at a location someone asks to leave (`loc`, each
    household's). Moves those granted a bed; returns those denied."""
    if len(due) == 0:
        return due
    free = s.locs.vacancy().tolist()
    for j in loc:
        free[j] = 0                                   # not to a location someone asks to leave
    sizes: list[int] = s.people.cols["size"][due].tolist()
    target = emptiest_first_few(s, sizes, REQUEST_KIND, free)
    got = [i for i, t in enumerate(target) if t >= 0]
    if not got:
        return due
    if len(got) == len(due):
        s.today.moves += move(s.people, s.locs, s.log, due, np.array(target, np.int64), day, Reason.OWN_REQUEST,
                              np.array(sizes, np.int64))
        return due[:0]
    s.today.moves += move(s.people, s.locs, s.log, due[got], np.array([target[i] for i in got], np.int64), day,
                          Reason.OWN_REQUEST, np.array([sizes[i] for i in got], np.int64))
    return due[[i for i, t in enumerate(target) if t < 0]]


def _file_next_requests(s: State, book: RequestBook, rate: float, day: int, denied: np.ndarray) -> None:
    """File the next request of every household that got a bed in a regular location since the
    last look (from the day of its last bed change: today's own-request moves among them) and of
    those whose request was denied today (from today), never before tomorrow; cancel it for
    those that moved elsewhere or left reception."""
    log = s.log
    if log.n > book.log_seen:
        hh = log.since("household", book.log_seen)
        book.next_day[hh] = -1      # (cancelled; those now in a regular location are filed again below)
        if log.day_from(book.log_seen) == day:    # (the usual case: every row since the last look is today's)
            # every bed change is logged, so a household's last row took it where it is now: those now in a
            # regular location are filed (one listed twice is filed twice alike: the same key and day)
            ids = hh[s.locs.kind_in((REQUEST_KIND,))[s.people.cols["location"][hh]]]
            if len(denied):
                ids = np.concatenate([denied, ids])
            book.log_seen = log.n
            if len(ids):
                book.file(ids, request_gap_days(s.people.cols["key"][ids], day, rate) + day)   # a gap is a day or more
            return
        last = last_of_each(hh)                     # each household's last row (from log_seen)
        moved = hh[last]                            # (int32: int64 when joined or filed)
        ok = s.locs.kind_in((REQUEST_KIND,))[log.since("destination", book.log_seen)[last]]
        rows = last + book.log_seen                                       # those rows in the log
        if len(denied):     # the denied first (from today), then those who moved (int32 days: int64 when joined)
            ids = np.concatenate([denied, moved[ok]])
            from_day = np.concatenate([np.full(len(denied), day, np.int64), log.days_of(rows[ok])])
        else:
            ids, from_day = moved[ok], log.days_of(rows[ok]).astype(np.int64)
        book.log_seen = log.n
    else:
        ids, from_day = denied, np.full(len(denied), day, np.int64)
    if len(ids) == 0:
        return
    book.file(ids, np.maximum(from_day + request_gap_days(s.people.cols["key"][ids], from_day, rate), day + 1))


# --- a decision's consequence ------------------------------------------------------------------

def to_family_locations(s: State, day: int) -> None:
    """The households rejected for good today (`s.today.rejected_for_good`) with minors, not
    unaccompanied, still in a bed (not at the border location) move to a family location
    (gezinslocatie, GL) — when `placement.family_location_after_rejection`.

    Since the Ferreira ruling (Gerechtshof Den Haag, 11 January 2011) families with minor children
    keep shelter after a final rejection, in a departure-oriented location with restricted freedom
    run by COA; they have no choice of place (DT&V, *Leidraad terugkeer en vertrek*: gezinslocatie;
    families from safe countries go to the restricted-freedom location, vbl, instead: a move too).
    The model has no kind of its own for these locations: a family moves to another regular
    location (azc) with room, as placement chooses (nearest first on the regional network), and
    stays where it is when none has room. It still leaves at the end of its departure period (the
    model keeps no one in a family location longer; docs/validation.md, *Relocation churn*). The
    day's rejections move together, after the day's departures have given up their beds."""
    rejected = s.today.rejected_for_good
    if not rejected or not s.params.placement.family_location_after_rejection:
        return
    ids = rejected[0] if len(rejected) == 1 else np.concatenate(rejected)
    h = s.people.cols
    if len(ids) <= FEW_HOUSEHOLDS:     # (the usual day: a few households, chosen on Python numbers)
        families, at = _families_to_move_few(s, ids)
        if len(families) == 0:
            return
        vacancy = s.locs.vacancy()
        vacancy[at] = 0                                 # not to the location a family is in
        find_beds(s, families, day, Reason.FAMILY_LOCATION, temporary=False, only=(Kind.REGULAR,),
                  vacancy=vacancy)
        return
    ids = ids[h["children"][ids] > 0]
    if len(ids) == 0:
        return
    # (not without a bed, and not at the border location: a family rejected in the border procedure
    # is returned from there)
    stays = s.locs.kind_in(_STAY_PUT)[h["location"][ids]]
    families = ids[(h["flags"][ids] & _UNACCOMPANIED == 0) & ~stays]
    if len(families) == 0:
        return
    vacancy = s.locs.vacancy()
    vacancy[h["location"][families]] = 0              # not to the location a family is in
    find_beds(s, families, day, Reason.FAMILY_LOCATION, temporary=False, only=(Kind.REGULAR,), vacancy=vacancy)


def _families_to_move_few(s: State, ids: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """`to_family_locations`' choice among a few households rejected for good (`ids`), on Python
    numbers: those with minors, not unaccompanied, in a bed outside the border location, in the
    order given; returns them and the location each is in."""
    h = s.people.cols
    children: list[int] = h["children"][ids].tolist()
    if not any(children):
        return ids[:0], []
    flags: list[int] = h["flags"][ids].tolist()
    loc: list[int] = h["location"][ids].tolist()
    stays = s.locs.kind_in_list(_STAY_PUT)
    chosen = [i for i, (c, f, j) in enumerate(zip(children, flags, loc))
              if c > 0 and f & _UNACCOMPANIED_FLAG == 0 and not stays[j]]
    if len(chosen) == len(ids):
        return ids, loc
    return ids[chosen], [loc[i] for i in chosen]


_UNACCOMPANIED = np.uint8(Flag.UNACCOMPANIED_MINOR)
_UNACCOMPANIED_FLAG = int(Flag.UNACCOMPANIED_MINOR)
_STAY_PUT = (Kind.BORDER, NO_BED)     # where a family rejected for good stays


# --- capacity balancing -----------------------------------------------------------------------

def consolidate(s: State, day: int) -> None:
    """Close under-used temporary locations of the portfolio while places are not short.

    A candidate is an open emergency or crisis location of the portfolio whose residents fill less
    than `placement.consolidate_below_share` of its normal places. Emptiest first, candidates
    close as long as the other open locations of their kind have free normal places for all their
    residents and the normal places left still keep demand at or below
    `portfolio.replace_at_occupancy`. A closing location takes nobody new; the lifecycle's drain
    moves its residents out (capacity balancing) and closes it when empty."""
    share = s.params.placement.consolidate_below_share
    if share <= 0 or s.params.placement.policy == "min_moves":
        return
    demand, places = housing_demand(s)     # (first: places are mostly short, and then nothing closes)
    spare = places - demand / s.params.portfolio.replace_at_occupancy   # normal places that may go
    if spare <= 0:
        return
    L = s.locs
    temporary = L.kind_in(TEMPORARY_KINDS, no_bed=False) & (L.life == _OPEN)
    under_used = temporary & (L.occupancy < share * L.capacity)
    if len(s.managed) == L.n:     # (the usual case: no location opened since the start)
        cand = np.flatnonzero(under_used & s.managed)
    else:
        cand = np.flatnonzero(under_used)
        cand = cand[is_managed(s, cand)]
    if len(cand) == 0:
        return
    cand = cand[np.argsort(L.occupancy[cand] / np.maximum(L.capacity[cand], 1), kind="stable")]
    free = np.zeros(len(Kind), np.int64)                           # free normal places per kind
    np.add.at(free, L.kind[temporary], np.maximum(L.capacity[temporary] - L.occupancy[temporary], 0))
    chosen = []
    free_of = free.tolist()                # (Python ints from here: a few candidates, each read once)
    for j, k, residents, capacity in zip(cand.tolist(), L.kind[cand].tolist(), L.occupancy[cand].tolist(),
                                         L.capacity[cand].tolist()):
        room = max(capacity - residents, 0)
        if capacity > spare or free_of[k] - room < residents:
            continue
        chosen.append(j)
        spare -= capacity
        free_of[k] -= room + residents
    if not chosen:
        return
    L.life[chosen] = Life.CLOSING
    s.consolidating.update(chosen)
    s.event_log.append({"day": day, "date": str(s.world.dates[day]), "source": "portfolio", "where": "national",
                        "what": "consolidate temporary locations",
                        "detail": f"{len(chosen)} under-used location(s), {int(L.capacity[chosen].sum()):,} places "
                                  f"closing; {int(L.occupancy[chosen].sum()):,} residents to move"})


def relocate(s: State, day: int) -> None:
    """The day's relocation rules after the lifecycle: the moves to family locations, own
    requests, then consolidation."""
    to_family_locations(s, day)
    own_requests(s, day)
    consolidate(s, day)

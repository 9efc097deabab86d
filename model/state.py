"""Everything that changes during a run, and how a run starts.

`State` holds the populations, the queues that make a day's cost follow its work, the random
streams and today's tallies. `new_state(world, seed)` seeds the initial population on day 0.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from agents.applicants import Applicants, Flag, Stage, Track
from agents.keyed import SALT_DUBLIN, SALT_PUBLIC_ORDER, SALT_TRACK, keyed_uniform
from agents.locations import LocationRules, Locations
from agents.moves import MoveLog
from agents.municipalities import MunicipalityRules, Municipalities
from agents.queues import Calendar, FifoQueue
from model.front import FrontCapacity
from model.inflow import draw_households, mean_household_size
from model.residents import ResidentIndex
from model.scenario import Scenario
from model.sponsors import SponsorPool
from model.world import World

PROCEDURE_TRACKS = (Track.REGULAR, Track.ACCELERATED, Track.BORDER, Track.DUBLIN)
TRACK_KEYS = {Track.REGULAR: "regular", Track.ACCELERATED: "accelerated", Track.BORDER: "border",
              Track.DUBLIN: "dublin"}

def _track_of(family: bool, dublin: bool, fast: bool, border: bool) -> int:
    """The track set at the end of screening; the first rule that applies decides. `fast`: the
    grounds for an accelerated procedure; `border`: made at the external border and not exempt."""
    if family:
        return Track.FAMILY          # family members keep theirs
    if dublin:
        return Track.DUBLIN
    if fast and border:
        return Track.BORDER          # accelerated grounds, application made at Schiphol
    if fast:
        return Track.ACCELERATED
    return Track.REGULAR


# Lookup table of the rule above (instead of np.select over condition arrays):
# TRACK_OF[8 * family + 4 * dublin + 2 * fast + border].
TRACK_OF = np.array([_track_of(*(bool(code >> b & 1) for b in (3, 2, 1, 0))) for code in range(16)], np.int8)


@dataclass
class Tally:
    """What happened today (persons unless said otherwise); reset every morning."""

    arrivals: int = 0
    registered: int = 0
    decisions: int = 0
    permits: int = 0
    rejections: int = 0
    exits_housed: int = 0
    exits_departed: int = 0
    exits_transferred: int = 0
    departed_independent: int = 0
    departed_forced: int = 0
    departed_unsupervised: int = 0
    moves: int = 0
    dublin_reception_ended: int = 0  # Pact: right to reception lapsed at the transfer decision
    registration_late: int = 0     # registered after the registration deadline
    border_late: int = 0           # border procedure past its deadline: moved to the regular procedure
    border_diverted: int = 0       # eligible for the border procedure beyond its capacity: accelerated instead
    appeals: int = 0               # suspensive appeals lodged against a rejection or transfer decision
    appeal_permits: int = 0        # permits granted on appeal
    vulnerability_assessed: int = 0
    vulnerability_late: int = 0    # assessed after the 30-day deadline
    dublin_absconded: int = 0      # Dublin claimants who left without supervision before the transfer
    dublin_deadline_passed: int = 0  # final transfer date passed: the claim is handled in the Netherlands
    decision_waits: list = field(default_factory=list)  # (track, days since arrival, persons) per decided batch


@dataclass
class Actors:
    """Who carries out the municipalities' and the locations' own rules when the rulebook asks:
    the array rule classes in the headless face, the Mesa agent classes (which inherit the same
    class methods) in the Mesa face (`model.mesa_model.ReceptionModel`)."""

    municipalities: type = MunicipalityRules
    locations: type = LocationRules


@dataclass
class State:
    sc: Scenario                   # this run's own copy: events and regimes may change it
    world: World
    people: Applicants
    locs: Locations
    munis: Municipalities
    log: MoveLog
    rng_arrivals: np.random.Generator
    rng_housing: np.random.Generator
    day: int = 0
    today: Tally = field(default_factory=Tally)
    registration: FifoQueue = field(default_factory=FifoQueue)      # waiting to register
    central_wait: FifoQueue = field(default_factory=FifoQueue)      # waiting/screening without a bed
    needs_bed: FifoQueue = field(default_factory=FifoQueue)         # to place outside the registration location
    moves_up: FifoQueue = field(default_factory=FifoQueue)          # in emergency/crisis places
    ind: dict[int, FifoQueue] = field(default_factory=lambda: {t: FifoQueue() for t in PROCEDURE_TRACKS})
    ind_new: dict[int, FifoQueue] = field(default_factory=lambda: {t: FifoQueue() for t in PROCEDURE_TRACKS})  # Pact cases
    unlinked: FifoQueue = field(default_factory=FifoQueue)          # permit holders not yet linked
    linked_h: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # linked, waiting for a home
    linked_m: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    sponsors: SponsorPool = field(default_factory=SponsorPool)      # who can sponsor a family reunion
    screening_done: Calendar = field(default_factory=Calendar)
    departure_due: Calendar = field(default_factory=Calendar)
    transfer_due: Calendar = field(default_factory=Calendar)
    appeal_due: Calendar = field(default_factory=Calendar)          # court rulings (asylum appeals, Dublin appeals)
    dublin_reply: Calendar = field(default_factory=Calendar)        # the other member state answers the claim
    dublin_decision: Calendar = field(default_factory=Calendar)     # transfer decisions due
    dublin_final: Calendar = field(default_factory=Calendar)        # final transfer dates
    border_deadline: Calendar = field(default_factory=Calendar)     # border procedures reaching their deadline
    assessment: FifoQueue = field(default_factory=FifoQueue)        # waiting for the vulnerability assessment
    border_persons: int = 0                                          # persons in the border procedure now
    carry: dict[str, float] = field(default_factory=dict)           # unused fractional capacity
    procedure_persons: np.ndarray = field(default_factory=lambda: np.zeros(len(Track), np.int64))
    half_year: str = ""
    recorder: object = None
    extensions: list = field(default_factory=list)  # rule sets added by the plan and regimes
    scheduled: dict[int, list] = field(default_factory=dict)       # day -> scenario events
    event_log: list[dict] = field(default_factory=list)            # what the plan/regimes/events did
    closing_to_reserve: set = field(default_factory=set)            # closing locations that return to reserve
    consolidating: set = field(default_factory=set)                 # closing locations being consolidated
    managed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # per location: the portfolio's contract?
    requests: object = None                                          # model.relocation.RequestBook (own-request moves)
    plan: object = None                                              # model.plan.PlanRuntime when enabled
    regimes: object = None                                           # model.regimes.RegimeRuntime
    seed: int | None = None
    residents: ResidentIndex = field(default_factory=ResidentIndex)   # who is in a bed where
    actors: Actors = field(default_factory=Actors)                   # who acts for municipalities, locations
    front: FrontCapacity = field(default_factory=FrontCapacity)       # the plan's registration measures

    def residents_of(self, locations: np.ndarray) -> np.ndarray:
        """Ids of the households in a bed at any of `locations`, ascending (`model.residents`)."""
        return self.residents.residents_of(self, locations)

    def capacity_today(self, name: str, per_day: float) -> float:
        """Capacity available today for a server, including what was left over yesterday because
        the next household in line did not fit (see `model.lines.serve`)."""
        return per_day + self.carry.get(name, 0.0)


def assign_track(sc: Scenario, people: Applicants, ids: np.ndarray) -> np.ndarray:
    """Track per household at the end of screening (keyed: the same in every variant), before the
    border procedure's capacity is applied (`model.rulebook.enter_procedure`).

    Accelerated grounds: a low-recognition group; under the Pact also a public-order risk. The
    border procedure takes those among them whose application was made at the external border
    (Schiphol), except households with special needs, unaccompanied minors unless flagged as a
    public-order risk, and, under the old rules, families with children unless flagged (seeds 001,
    002: "in beginsel niet in de grensprocedure"; the Pact includes families)."""
    p = people._h
    group_rec = np.array([g.recognition for g in sc.groups])
    low = group_rec[p["group"][ids]] <= sc.chain.accelerated_recognition_max
    dublin = keyed_uniform(p["key"][ids], SALT_DUBLIN) < sc.chain.dublin_share
    risk = public_order_risk(sc, p["key"][ids])
    flags = p["flags"][ids]
    pact_case = p["arrival_day"][ids] >= pact_day(sc)
    fast = low | (risk & pact_case)
    exempt = ((flags & Flag.VULNERABLE) > 0) | (((flags & Flag.UNACCOMPANIED_MINOR) > 0) & ~risk) \
        | (~pact_case & (p["children"][ids] > 0) & ~risk)
    border = ((flags & Flag.AT_BORDER) > 0) & ~exempt
    family = p["track"][ids] == Track.FAMILY
    return TRACK_OF[8 * family + 4 * dublin + 2 * fast + border]


def public_order_risk(sc: Scenario, keys: np.ndarray) -> np.ndarray:
    """Whether each household is flagged at screening as a risk to public order (keyed)."""
    return keyed_uniform(keys, SALT_PUBLIC_ORDER) < sc.chain.public_order_risk_share


def pact_day(sc: Scenario) -> int:
    """Run day on which the Pact applies (cases that arrive from then on are new-procedure cases);
    far beyond any run without a Pact."""
    return (sc.pact.start - sc.start_date).days if sc.pact is not None else 1 << 30


def draw_group(sc: Scenario, keys: np.ndarray, low_share: float | None = None) -> np.ndarray:
    """Nationality group per household (keyed); `low_share` overrides the lowest group's share."""
    cum = _group_cdf(tuple((g.share, g.recognition) for g in sc.groups), low_share)
    return np.minimum(cum.searchsorted(keyed_uniform(keys, SALT_TRACK), side="right"), len(cum) - 1)


_GROUP_CDFS: dict[tuple, np.ndarray] = {}


def _group_cdf(groups: tuple[tuple[float, float], ...], low_share: float | None) -> np.ndarray:
    """Cumulative group shares for `draw_group`, from (share, recognition) per group; cached,
    as the same few tables serve every day of a run."""
    cum = _GROUP_CDFS.get((groups, low_share))
    if cum is None:
        if len(_GROUP_CDFS) > 4096:     # shocks vary the share day by day: keep the cache small
            _GROUP_CDFS.clear()
        shares = np.array([share for share, _ in groups], float)
        if low_share is not None and len(shares) > 1:
            lowest = int(np.argmin([recognition for _, recognition in groups]))
            rest = np.delete(shares, lowest)
            rest = rest / rest.sum() * (1 - low_share) if rest.sum() > 0 else rest
            shares = np.insert(rest, lowest, low_share)
        cum = _GROUP_CDFS[(groups, low_share)] = np.cumsum(shares) / shares.sum()
    return cum


def new_state(world: World, seed: int | None = None) -> State:
    """A fresh run on `world` with the initial population in place (before day 0)."""
    sc = copy.deepcopy(world.scenario)
    seq = np.random.SeedSequence(sc.seed if seed is None else seed)
    s_init, s_arr, s_house = (np.random.default_rng(x) for x in seq.spawn(3))
    locs = world.fresh_locations()
    s = State(sc=sc, world=world, people=Applicants(), locs=locs, munis=world.fresh_municipalities(),
              log=MoveLog(locations=locs, distance_km=world.network.distance_km),
              rng_arrivals=s_arr, rng_housing=s_house, seed=sc.seed if seed is None else seed,
              managed=np.ones(locs.n, bool))
    for e in sc.events:
        s.scheduled.setdefault((e.date - sc.start_date).days, []).append(e)
    _seed_population(s, s_init)
    return s


def _add_stock(s: State, rng: np.random.Generator) -> np.ndarray:
    """Draw the households of the initial stock (exactly `initial.entitled_persons` persons, all
    in procedure, without a bed) and add them; returns their ids. Its temporaries end with it."""
    ini, f = s.sc.initial, s.sc.inflow
    mean = mean_household_size(f.household_size_shares)
    hh = draw_households(rng, 0, f.household_size_shares, f.unaccompanied_minor_share_of_singles,
                         f.vulnerable_share, n_households=int(ini.entitled_persons / mean * 1.2) + 10)
    k = int(np.searchsorted(np.cumsum(hh.size), ini.entitled_persons, side="left")) + 1
    size, children, flags, key = hh.size[:k], hh.children[:k], hh.flags[:k], hh.key[:k]
    size[-1] -= int(size.sum()) - ini.entitled_persons   # exact total
    # the trimmed household keeps an adult, unless it is an unaccompanied minor
    uam = bool(flags[-1] & Flag.UNACCOMPANIED_MINOR)
    children[-1] = max(min(children[-1], size[-1] if uam else size[-1] - 1), 0)
    keep = size > 0
    size, children, flags, key = size[keep], children[keep], flags[keep], key[keep]
    k = len(size)
    arrival = np.sort(-rng.integers(1, ini.stock_age_days + 1, size=k))  # oldest first
    group = draw_group(s.sc, key)
    return s.people.add(size=size, children=children, key=key, group=group, track=np.full(k, Track.REGULAR),
                        flags=flags, stage=Stage.PROCEDURE, day=0, arrival_day=arrival)


def _seed_population(s: State, rng: np.random.Generator) -> None:
    """The initial stock: permit holders, people in procedure and people at registration."""
    from model import rulebook

    ini = s.sc.initial
    if ini.entitled_persons == 0:
        rulebook.start_half_year(s, 0)
        return
    ids = _add_stock(s, rng)
    k = len(ids)
    # the newest arrivals are still at the registration location, in screening
    back = np.cumsum(s.people._h["size"][ids[::-1]])
    n_central = int(np.searchsorted(back, ini.at_registration_persons, side="right"))
    del back   # the seeding sets the run's memory peak at large scale: free what is done with
    central = ids[k - n_central:] if n_central else ids[:0]
    rest = ids[: k - n_central]
    # permit holders among the rest, by person share
    share = ini.permit_holder_share * ini.entitled_persons / max(s.people.persons_in(rest), 1)
    is_permit = rng.random(len(rest)) < share
    permit, proc = rest[is_permit], rest[~is_permit]
    del is_permit, rest
    s.people.set_stage(central, Stage.SCREENING, 0)
    # they arrived within the last screening period, spread evenly
    recent = -rng.integers(0, s.sc.chain.screening_days, size=len(central))
    s.people._h["arrival_day"][central] = recent
    s.people._h["stage_day"][central] = recent
    rulebook.settle_in_central(s, central, 0)
    s.screening_done.schedule(central, recent + s.sc.chain.screening_days)
    s.people._h["track"][permit] = assign_track(s.sc, s.people, permit)
    s.people.set_stage(permit, Stage.PERMIT, 0)
    rulebook.enter_procedure(s, proc, 0)
    s.needs_bed.push(rulebook.find_beds(s, np.concatenate([permit, proc]), 0, reason=0))
    rulebook.join_linking_line(s, permit)
    rulebook.start_half_year(s, 0)

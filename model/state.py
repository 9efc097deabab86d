"""Everything that changes during a run.

`State` holds the populations, the queues that make a day's cost follow its work, the random
streams and today's tallies; a run starts with `model.start.new_state(world, seed)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from agents.applicants import N_TRACKS, Applicants, Flag, Track
from agents.keyed import (SALT_DUBLIN, SALT_PUBLIC_ORDER, SALT_SPONSOR, SALT_TRACK, SALTS_SPONSOR_CANDIDATES,
                          keyed_uniform, keyed_uniforms)
from agents.locations import LocationRules, Locations
from agents.moves import MoveLog
from agents.municipalities import MunicipalityRules, Municipalities
from agents.queues import Calendar, FifoQueue
from model.front import FrontCapacity
from model.residents import ResidentIndex
from model.params import RunParams
from model.scenario import Chain, Event, Scenario, TrackName
from model.sponsors import SponsorPool
from model.world import World

if TYPE_CHECKING:   # modules above the state: they import it
    from model.metrics import Recorder
    from model.plan import PlanRuntime
    from model.regimes import RegimeRuntime
    from model.relocation import RequestBook

PROCEDURE_TRACKS = (Track.REGULAR, Track.ACCELERATED, Track.BORDER, Track.DUBLIN)
TRACK_KEYS: dict[int, TrackName] = {Track.REGULAR: "regular", Track.ACCELERATED: "accelerated", Track.BORDER: "border",
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
class Closure:
    """A `close` event with an id, kept so a later `reopen` opens the same locations again
    (owner: `model.events`)."""

    day: int                   # the day it closed them
    kind: str                  # the kind of location it closed (`KindName`)
    province: str | None       # the province it closed them in (None: all)
    locations: np.ndarray      # the locations it closed (int64 indexes)
    places: int                # their normal places when they closed
    reopened: int = -1         # the day a `reopen` opened them again (-1: not yet)


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
    family_moved_in: int = 0      # family members who moved in with their sponsor at home (in exits_housed)
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
    # (track, days since arrival, persons) per decided batch; a batch of several tracks gives, in
    # place of the track, its (track, households) runs in order
    decision_waits: list[tuple[int | tuple[tuple[int, int], ...], np.ndarray, np.ndarray]] = \
        field(default_factory=list)
    # households rejected for good today (their departure period started), per decision batch
    rejected_for_good: list[np.ndarray] = field(default_factory=list)


@dataclass
class Actors:
    """Who carries out the municipalities' and the locations' own rules when the rulebook asks:
    the array rule classes in the headless face, the Mesa agent classes (which inherit the same
    class methods) in the Mesa face (`model.mesa_model.ReceptionModel`)."""

    municipalities: type[MunicipalityRules] = MunicipalityRules
    locations: type[LocationRules] = LocationRules


# State is put together from typed parts, each with one owner that changes it (the field names are
# the rules' own: `s.registration`, `s.appeal_due`, ...). Attributes of a part are written only by
# its owner; everyone else reads them.


@dataclass(kw_only=True)
class Lines:
    """Households waiting in line, served within a day's capacity (owner: `model.rulebook`, through
    `model.lines.serve`; `needs_bed` also by `model.placement`)."""

    registration: FifoQueue = field(default_factory=FifoQueue)      # waiting to register
    central_wait: FifoQueue = field(default_factory=FifoQueue)      # waiting/screening without a bed
    needs_bed: FifoQueue = field(default_factory=FifoQueue)         # to place outside the registration location
    moves_up: FifoQueue = field(default_factory=FifoQueue)          # in emergency/crisis places
    ind: dict[int, FifoQueue] = field(default_factory=lambda: {t: FifoQueue() for t in PROCEDURE_TRACKS})
    # Pact cases (filed from the Pact's start): first served from `new_procedure_share` of capacity
    ind_new: dict[int, FifoQueue] = field(default_factory=lambda: {t: FifoQueue() for t in PROCEDURE_TRACKS})
    assessment: FifoQueue = field(default_factory=FifoQueue)        # waiting for the vulnerability assessment
    unlinked: FifoQueue = field(default_factory=FifoQueue)          # permit holders not yet linked
    linked_h: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # linked, waiting for a home
    linked_m: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # ... and their municipality
    linked_ready: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # ... day their search ends
    carry: dict[str, float] = field(default_factory=dict)           # unused fractional capacity per server


@dataclass(kw_only=True)
class Calendars:
    """Households due on a given day (owner: `model.rulebook`)."""

    screening_done: Calendar = field(default_factory=Calendar)
    departure_due: Calendar = field(default_factory=Calendar)
    transfer_due: Calendar = field(default_factory=Calendar)
    appeal_due: Calendar = field(default_factory=Calendar)          # court rulings (asylum appeals, Dublin appeals)
    dublin_reply: Calendar = field(default_factory=Calendar)        # the other member state answers the claim
    dublin_decision: Calendar = field(default_factory=Calendar)     # transfer decisions due
    dublin_final: Calendar = field(default_factory=Calendar)        # final transfer dates
    border_deadline: Calendar = field(default_factory=Calendar)     # border procedures reaching their deadline


@dataclass(kw_only=True)
class ProcedureBook:
    """Running counts of the procedure and the housing half-year (owner: `model.rulebook`)."""

    border_persons: int = 0                                          # persons in the border procedure now
    procedure_persons: np.ndarray = field(default_factory=lambda: np.zeros(len(Track), np.int64))  # per track
    half_year: str = ""                                              # the housing half-year in force, e.g. 2025H2


@dataclass(kw_only=True)
class Indexes:
    """Kept beside the households so a look costs the day's changes, not everyone (owners: their
    modules; fed by `agents.moves.move`'s log, `rulebook.join_linking_line` and
    `rulebook.link_households`: docs/architecture.md)."""

    sponsors: SponsorPool = field(default_factory=SponsorPool)      # who can sponsor a family reunion
    residents: ResidentIndex = field(default_factory=ResidentIndex)  # who is in a bed where
    # placement's Python lists of the locations and its kept orders (`model.placement._lists`: made
    # when first used, again when locations were added; copies and snapshots keep none of it)
    placement_lists: object | None = None


@dataclass(kw_only=True)
class Runtimes:
    """What the plan, the regimes, events and the portfolio rules keep between days (owners: the
    module named at each field), and the day's recorder."""

    recorder: Recorder | None = None                                 # the day's figures (model.metrics)
    extensions: list[Callable[[State, int], None]] = field(default_factory=list)  # rule sets of the plan, regimes
    scheduled: dict[int, list[Event]] = field(default_factory=dict)  # day -> scenario events (model.events)
    event_log: list[dict] = field(default_factory=list)            # what the plan/regimes/events did
    plan: PlanRuntime | None = None                                  # the contingency plan, when enabled
    regimes: RegimeRuntime | None = None                             # EU 2024/1359 regimes, when any
    front: FrontCapacity = field(default_factory=FrontCapacity)     # the plan's registration measures (model.front)
    requests: RequestBook | None = None                              # own-request moves (model.relocation)
    closing_to_reserve: set[int] = field(default_factory=set)       # closing locations that return to reserve (plan)
    consolidating: set[int] = field(default_factory=set)            # closing locations being consolidated (relocation)
    managed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # per location: the portfolio's contract?
    closures: dict[str, Closure] = field(default_factory=dict)     # close events with an id, by id (model.events)


@dataclass(kw_only=True)
class State(Lines, Calendars, ProcedureBook, Indexes, Runtimes):
    """One run: its scenario and today's parameters, the world, the populations, the random streams
    and today's tallies, plus the parts above."""

    sc: Scenario                   # the run's scenario, fixed during the run
    params: RunParams              # its parameters as they are today (events, regimes, decisions: model.params)
    world: World
    people: Applicants
    locs: Locations
    munis: Municipalities
    log: MoveLog
    arrivals_key: int      # the run's stream of arrivals: day d's households are drawn from (key, d) (`day_rng`)
    homes_key: int         # the run's stream of homes: a week's homes are drawn from (key, its Monday)
    seed: int | None = None
    answer_key: int = 0     # the run's stream of municipal answers to requests (`agents.keyed.round_key`)
    day: int = 0
    today: Tally = field(default_factory=Tally)
    actors: Actors = field(default_factory=Actors)                   # who acts for municipalities, locations

    def residents_of(self, locations: np.ndarray) -> np.ndarray:
        """Ids of the households in a bed at any of `locations`, ascending (`model.residents`)."""
        return self.residents.residents_of(self, locations)

    def capacity_today(self, name: str, per_day: float) -> float:
        """Capacity available today for a server, including what was left over yesterday because
        the next household in line did not fit (see `model.lines.serve`)."""
        return per_day + self.carry.get(name, 0.0)


def screening_draws(chain: Chain, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The keyed draws of the end of screening, in one pass: whether each household is a Dublin
    claimant, and whether it is flagged as a risk to public order (`public_order_risk_share`)."""
    u = keyed_uniforms(keys, (SALT_DUBLIN, SALT_PUBLIC_ORDER))
    return u[0] < chain.dublin_share, u[1] < chain.public_order_risk_share


def day_rng(key: int, day: int) -> np.random.Generator:
    """The random numbers of one day of one stream (`State.arrivals_key`, `State.homes_key`): a
    generator seeded by the pair (key, day), so a day's draws depend on the run's key and the
    day alone — not on the days drawn before it, nor on other runs. A snapshot therefore needs no
    generator state, and runs that advance together draw what each draws alone."""
    return np.random.default_rng((key, day))


STREAM_KEYS = ("arrivals_key", "homes_key")   # the State fields that key a stream of day draws


def screening_and_sponsor_draws(chain: Chain, keys: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """`screening_draws` and, in the same pass, the family-reunion draws of the same households
    (rows of the second array, `SPONSOR_DRAWS`: `SALT_SPONSOR`, `SALT_SPONSOR + 100` and the sponsor
    candidates' `SALTS_SPONSOR_CANDIDATES`): the same numbers as drawn apart, in one pass instead of
    two (the candidates are drawn for every household, used for the families that join a sponsor)."""
    u = keyed_uniforms(keys, _SCREENING_AND_SPONSOR_SALTS)
    return (u[0] < chain.dublin_share, u[1] < chain.public_order_risk_share), u[2:]


# the rows of `screening_and_sponsor_draws`' second array: the reunion draw, the sponsor's
# municipality, then one row per sponsor candidate (`model.sponsors.SponsorPool.draw`)
SPONSOR_DRAWS = (SALT_SPONSOR, SALT_SPONSOR + 100, *SALTS_SPONSOR_CANDIDATES)
_SCREENING_AND_SPONSOR_SALTS = (SALT_DUBLIN, SALT_PUBLIC_ORDER, *SPONSOR_DRAWS)


def assign_track(s: State, ids: np.ndarray, draws: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Track per household at the end of screening (keyed: the same in every variant), before the
    border procedure's capacity is applied (`model.rulebook.enter_procedure`).

    Accelerated grounds: a low-recognition group; under the Pact also a public-order risk. The
    border procedure takes those among them whose application was made at the external border
    (Schiphol), except households with special needs, unaccompanied minors unless flagged as a
    public-order risk, and, under the old rules, families with children unless flagged (seeds 001,
    002: "in beginsel niet in de grensprocedure"; the Pact includes families). `draws`: the
    households' `screening_draws`, when the caller has made them already."""
    p, chain = s.people.cols, s.params.chain
    dublin, risk = screening_draws(chain, p["key"][ids]) if draws is None else draws
    # without a Pact no case is a Pact case (one index for all)
    pact_case = 0 if s.sc.pact is None else (p["arrival_day"][ids] >= pact_day(s.sc)).view(np.int8)
    kids = np.minimum(p["children"][ids], 1)      # has children: 0 or 1
    table = _track_table(tuple(g.recognition for g in s.sc.groups), chain.accelerated_recognition_max)
    return table[p["flags"][ids], p["track"][ids], p["group"][ids], dublin.view(np.int8), risk.view(np.int8),
                 pact_case, kids]


_TRACK_TABLES: dict[tuple, np.ndarray] = {}


def _track_table(rates: tuple[float, ...], accelerated_max: float) -> np.ndarray:
    """`assign_track`'s rule as a lookup table (one gather instead of ~25 operations on the
    households): indexed by flags byte, current track, group, Dublin claim, public-order risk,
    Pact case, has children. Made by applying the rule to every combination at once."""
    got = _TRACK_TABLES.get((rates, accelerated_max))
    if got is None:
        if len(_TRACK_TABLES) > 64:
            _TRACK_TABLES.clear()
        shape = (256, N_TRACKS, len(rates), 2, 2, 2, 2)
        flags, track, group, dublin, risk, pact_case, kids = (
            np.arange(n).reshape([n if i == j else 1 for j in range(len(shape))]) for i, n in enumerate(shape))
        is_dublin, is_risk, is_pact, has_kids = (b > 0 for b in (dublin, risk, pact_case, kids))
        low = np.array(rates)[group] <= accelerated_max
        fast = low | (is_risk & is_pact)
        exempt = ((flags & Flag.VULNERABLE) > 0) | (((flags & Flag.UNACCOMPANIED_MINOR) > 0) & ~is_risk) \
            | (~is_pact & has_kids & ~is_risk)
        border = ((flags & Flag.AT_BORDER) > 0) & ~exempt
        family = track == Track.FAMILY
        got = _TRACK_TABLES[(rates, accelerated_max)] = np.ascontiguousarray(
            np.broadcast_to(TRACK_OF[8 * family + 4 * is_dublin + 2 * fast + border], shape))
    return got


_RECOGNITION: dict[tuple[float, ...], np.ndarray] = {}


def recognition_rates(sc: Scenario) -> np.ndarray:
    """Recognition rate per nationality group (indexed by group), the same array for every day
    of a run (cached on the rates)."""
    rates = tuple(g.recognition for g in sc.groups)
    got = _RECOGNITION.get(rates)
    if got is None:
        if len(_RECOGNITION) > 256:
            _RECOGNITION.clear()
        got = _RECOGNITION[rates] = np.array(rates)
        got.flags.writeable = False
    return got


def pact_day(sc: Scenario) -> int:
    """Run day on which the Pact applies (cases that arrive from then on are new-procedure cases);
    far beyond any run without a Pact."""
    return (sc.pact.start - sc.start_date).days if sc.pact is not None else 1 << 30


def draw_group(sc: Scenario, keys: np.ndarray, low_share: float | None = None) -> np.ndarray:
    """Nationality group per household (keyed); `low_share` overrides the lowest group's share."""
    cum = _group_cdf(tuple((g.share, g.recognition) for g in sc.groups), low_share)
    return cum.searchsorted(keyed_uniform(keys, SALT_TRACK), side="right")


_GROUP_CDFS: dict[tuple, np.ndarray] = {}


def _group_cdf(groups: tuple[tuple[float, float], ...], low_share: float | None) -> np.ndarray:
    """Cumulative group shares for `draw_group`, from (share, recognition) per group, the last
    infinite (a draw at or above the rounded sum falls in the last group); cached, as the same few
    tables serve every day of a run."""
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
        cum[-1] = np.inf
    return cum

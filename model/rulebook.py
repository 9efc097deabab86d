"""One day of the reception chain, in order. The only place that sequences the rules.

    events → arrivals → registration → end of screening → onward placement from registration
           → placement and moves up → vulnerability assessment → IND decisions → linking and housing
           → departures, appeals, border deadlines and the Dublin chain
           → location lifecycle (contract ends) → relocation (own requests, consolidation)
           → plan and regimes (extensions) → metrics

Each rule touches only the households whose state changes today (found through queues and
calendars), so the cost of a day follows its work, not the size of the population. How beds are
chosen is in `model.placement`; how waiting lines are served in `model.lines`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import accumulate

import numpy as np

from agents.applicants import N_TRACKS, Applicants, Flag, Stage, Track
from agents.keyed import (SALT_APPEAL, SALT_APPEAL_UPHELD, SALT_DEPARTURE, SALT_DUBLIN_ACCEPT, SALT_PERMIT,
                          SALT_SEARCH, SALT_SEARCH_DONE, SALT_TRANSFER,
                          keyed_uniform, keyed_uniform_parts, keyed_uniforms)
from agents.locations import NO_BED, TEMPORARY_KINDS, Kind, Life
from agents.moves import Reason, move
from agents.products import dot, whole_sums
from agents.sorting import first_of_each
from model.data import half_year
from model.events import apply_events
from model.inflow import draw_arrivals
from model.lines import Line, joined, pass_on, ramp_factor, serve, serve_lines, serve_priority
from model.placement import REGULAR_KINDS, close_locations, find_beds, kind_table, member, settle_in_central
from model.relocation import end_contracts, relocate
from model.scenario import TrackName
from model.state import (PROCEDURE_TRACKS, SPONSOR_DRAWS, TRACK_KEYS, State, Tally, assign_track, day_rng, draw_group,
                         pact_day, recognition_rates, screening_and_sponsor_draws, screening_draws)

_REGULAR_FAMILY = np.array([Track.REGULAR, Track.FAMILY], np.int64)   # the tracks of first and family arrivals
_PUBLIC_ORDER, _NEEDS_ASSESSED = np.uint8(Flag.PUBLIC_ORDER), np.uint8(Flag.NEEDS_ASSESSED)
# Stages, tracks and life stages as plain ints, for comparisons with columns: NumPy takes an IntEnum
# member (an int subclass) for a strong int64 scalar and converts it on every call (~40 % more
# instructions for a comparison of a day's households)
_WAITING, _SCREENING, _HOUSED = int(Stage.WAITING), int(Stage.SCREENING), int(Stage.HOUSED)
_PROCEDURE, _PERMIT = int(Stage.PROCEDURE), int(Stage.PERMIT)
_REJECTED, _APPEAL, _DUBLIN = int(Stage.REJECTED), int(Stage.APPEAL), int(Stage.DUBLIN)
_FAMILY, _BORDER = int(Track.FAMILY), int(Track.BORDER)
_OPEN, _CLOSING = int(Life.OPEN), int(Life.CLOSING)
_IND_ORDER = (Track.BORDER, Track.ACCELERATED, Track.DUBLIN, Track.REGULAR)  # border deadline first


def run_day(s: State) -> None:
    """Advance the state by one day."""
    day = s.day
    s.today = Tally()
    apply_events(s, day)
    arrive(s, day)
    register(s, day)
    end_screening(s, day)
    move_on_from_registration(s, day)
    place_waiting(s, day)
    assess_vulnerability(s, day)
    decide(s, day)
    link_and_house(s, day)
    depart_and_transfer(s, day)
    lifecycle(s, day)
    relocate(s, day)
    for extension in s.extensions:
        extension(s, day)
    if s.recorder is not None:
        s.recorder.record(s, day)
    s.day += 1


# --- shared mechanics ----------------------------------------------------------------------

def enter_procedure(s: State, ids: np.ndarray, day: int, sponsor_draws: bool = False,
                    old: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Assign the track and join the IND line (family members are permit holders already).

    The border procedure takes eligible households while it holds fewer persons than its capacity
    (the rest take the accelerated procedure) and sets their 12-week deadline; first applicants who
    arrived during the run join the line for COA's vulnerability assessment. Returns the family
    members among `ids` and, with `sponsor_draws`, their keyed draws for `reunite` (made in the
    same pass as the screening draws: the same numbers). `old`: the stage they are all in, when
    known (`Applicants.set_stage`)."""
    if len(ids) == 0:
        return ids, None
    p = s.people
    h = p.cols
    if sponsor_draws:
        draws, u_sponsor = screening_and_sponsor_draws(s.params.chain, h["key"][ids])
    else:
        draws, u_sponsor = screening_draws(s.params.chain, h["key"][ids]), None
    risk = draws[1]
    track = assign_track(s, ids, draws)
    fam = track == _FAMILY
    not_fam = ~fam
    p.add_flags(ids[risk & not_fam], _PUBLIC_ORDER)
    track = _within_border_capacity(s, ids, track)
    p.set_track(ids, track)
    family = ids[fam]
    # family members become permit holders, the others enter the procedure (one pass when both)
    if 0 < len(family) < len(ids):
        p.set_stages(ids, np.where(fam, _PERMIT, _PROCEDURE), day, old)
    else:
        p.set_stage(ids, _PERMIT if len(family) else _PROCEDURE, day, old)
    u_family = None if u_sponsor is None else u_sponsor[:, fam]
    if u_family is not None and len(family):      # (those who move in leave reception at once)
        family, u_family = move_in_with_sponsors(s, family, u_family, day)
    join_linking_line(s, family)
    proc = ids[not_fam]
    by_track, bounds, persons = _by_track_with_persons(p, proc, track[not_fam])
    s.procedure_persons += persons
    for t in PROCEDURE_TRACKS:
        lo, hi = bounds[t], bounds[t + 1]
        if hi > lo:                 # (all of them when all are on one track)
            _push_ind(s, t, by_track if hi - lo == len(by_track) else by_track[lo:hi])
    if bounds[Track.BORDER + 1] > bounds[Track.BORDER]:
        border = by_track[bounds[Track.BORDER]:bounds[Track.BORDER + 1]]
        s.border_persons += int(persons[Track.BORDER])
        due = h["arrival_day"][border] + s.params.chain.border_procedure_max_days
        s.border_deadline.schedule(border, np.maximum(due, day))
    s.assessment.push(proc[h["arrival_day"][proc] >= 0])
    return family, u_family


def _by_track_with_persons(p: Applicants, ids: np.ndarray,
                           track: np.ndarray) -> tuple[np.ndarray, list[int], list[int] | np.ndarray]:
    """`ids` grouped by their `track` (each track's households in their order: a stable sort),
    where each track's group begins (`bounds[t]`, ending at `bounds[t + 1]`) and the persons per
    track. A few households are grouped and counted on Python numbers."""
    if len(ids) <= _FEW_ENTERING:
        tracks = track.tolist()
        order = sorted(range(len(tracks)), key=tracks.__getitem__)
        households, persons = [0] * N_TRACKS, [0] * N_TRACKS
        for t, size in zip(tracks, p.cols["size"][ids].tolist()):
            households[t] += 1
            persons[t] += size
        grouped = ids if order == list(range(len(order))) else ids[order]
        return grouped, [0, *accumulate(households)], persons
    bounds = [0, *accumulate(np.bincount(track, minlength=N_TRACKS).tolist())]
    persons_by_track = np.bincount(track, weights=p.cols["size"][ids], minlength=N_TRACKS).astype(np.int64)
    return ids[track.argsort(kind="stable")], bounds, persons_by_track


_FEW_ENTERING = 64     # at most this many households entering the procedure: grouped on Python numbers


def move_in_with_sponsors(s: State, family: np.ndarray, u: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Family members (nareizigers) whose sponsor already has a home move in with them straight
    after registration, when the home has room for them (`chain.family_moves_in_share`); they
    leave reception housed, counted in the target (taakstelling) of the sponsor's municipality.
    The rest stay: those whose sponsor still lives in reception (`reunite`) and those whose
    sponsor's home has no room (they wait for a home of their own). IND and COA (2023): the
    family members leave the registration location "for other reception or for family members
    who have room" (nieuws.nl, 6 March 2023); "some need a reception place on arrival because
    their family member has no suitable home yet" (Trouw, March 2023).

    One keyed draw decides (`u[0]`, the reunion draw `SALT_SPONSOR`): below the sponsor-in-reception
    share the sponsor is in reception; the next `family_moves_in_share` of the rest moves in. The
    sponsor's municipality is a draw by population share (`u[1]`, which only families whose
    sponsor is in reception use otherwise). Returns the families that stay and their draws."""
    ch = s.params.chain
    lo = ch.family_sponsor_in_reception_share
    moves_in = (u[0] >= lo) & (u[0] < lo + ch.family_moves_in_share * (1.0 - lo))
    if not moves_in.any():
        return family, u
    movers = family[moves_in]
    municipality = s.actors.municipalities.take_in_family(s.munis, u[1][moves_in],
                                                          s.people.cols["size"][movers].astype(np.int64))
    s.people.link(movers, municipality)
    persons = leave(s, movers, Stage.HOUSED, day, old=_PERMIT)   # (permit holders since `enter_procedure`)
    s.today.exits_housed += persons
    s.today.family_moved_in += persons
    stay = ~moves_in
    return family[stay], u[:, stay]


def _within_border_capacity(s: State, ids: np.ndarray, track: np.ndarray) -> np.ndarray:
    """Households eligible for the border procedure enter it, in order, while the persons in it
    stay within its capacity ("adequate capacity": 211 at once); the others take the accelerated
    procedure inland (counted as diverted)."""
    want = np.flatnonzero(track == _BORDER)
    if len(want) == 0:
        return track
    room = s.params.chain.border_procedure_capacity_persons - s.border_persons
    over = want[np.cumsum(s.people.cols["size"][ids[want]]) > room]
    if len(over):
        track = track.copy()
        track[over] = Track.ACCELERATED
        s.today.border_diverted += s.people.persons_in(ids[over])
    return track


def join_linking_line(s: State, ids: np.ndarray) -> None:
    """New permit holders wait to be linked to a municipality (and may sponsor a family reunion):
    the one place households enter the sponsor pool."""
    s.unlinked.push(ids)
    s.sponsors.permits(ids)


def link_households(s: State, ids: np.ndarray, municipality: np.ndarray) -> None:
    """Link permit holders to the municipalities that are to house them: the one place a link
    changes."""
    s.people.link(ids, municipality)


def _push_ind(s: State, track: int, ids: np.ndarray) -> None:
    """Join the IND line. Under the Pact, cases filed from its start date have their own line
    (old and new procedures run side by side)."""
    if s.sc.pact is None:
        s.ind[track].push(ids)
        return
    new = s.people.cols["arrival_day"][ids] >= pact_day(s.sc)
    s.ind[track].push(ids[~new])
    s.ind_new[track].push(ids[new])


def leave(s: State, ids: np.ndarray, stage: int, day: int, old: int | None = None) -> int:
    """Households leave reception (housed, departed or transferred); returns persons. `old`: the
    stage they are all in, when known (`Applicants.set_stage`)."""
    if len(ids) == 0:
        return 0
    move(s.people, s.locs, s.log, ids, -1, day, Reason.EXIT)
    return s.people.set_stage(ids, stage, day, old)


def start_half_year(s: State, day: int) -> None:
    """Open the housing half-year that contains `day` (pro rata when a run starts mid-way)."""
    date = s.world.dates[day] if day < len(s.world.dates) else s.world.dates[-1]
    period = half_year(date)
    s.half_year = period
    h = s.params.housing
    if h.target_rule == "recent_permits" and period not in h.targets and day > 0:
        target = recent_permit_holders(s, day)
    elif h.target_rule == "recent_permits" and period not in s.world.housing_targets:
        target = opening_permit_holders(s)      # day 0, no figure known: the run has no permits yet
    else:
        target = s.world.housing_targets.get(period, h.default_target_per_half_year)
    start = date.replace(month=1 if date.month <= 6 else 7, day=1)
    end = start.replace(month=7, day=1) if start.month == 1 else start.replace(year=start.year + 1, month=1)
    share = (end - date).days / (end - start).days
    s.munis.start_half_year(round(target * share))


def recent_permit_holders(s: State, day: int, window: int = 182) -> float:
    """The half-year target the ministry would set on `day` (`housing.target_rule: recent_permits`):
    persons who became permit holders over the last `window` days — IND permits as recorded, family
    members as the inflow plan expects them — per half-year (182.6 days; pro rata when the run
    is younger than `window`). The backlog carries over by itself (`Municipalities.start_half_year`)."""
    lo = max(0, day - window)
    assert s.recorder is not None, "recent_permit_holders reads the run's recorded permits"
    became = s.recorder.scalars["permits"][lo:day].sum() + s.world.inflow.family[lo:day].sum()
    return float(became) * 182.6 / (day - lo)


def opening_permit_holders(s: State) -> float:
    """The target the ministry would set (`housing.target_rule: recent_permits`) for the half-year a
    run starts in when no figure for it is known (neither in `housing.targets` nor in the world's
    record) and the run has no permits yet to read (`recent_permit_holders` reads the days before):
    the persons the model's chain makes permit holders per half-year (182.6 days) at the rate it
    starts at — the IND's asylum decisions per day on day 0 (every track but Dublin, whose claims
    end in a transfer, not a permit; with the productivity ramp and, under the budget rule, the
    first applications of the year before) times the recognition rate of the persons in procedure
    on day 0, plus the family members the inflow brings on day 0."""
    ch = s.params.chain
    factor = ramp_factor(ch.decision_capacity_ramp, s.sc.start_date, 0) * ind_budget_factor(s, 0)
    decided = factor * sum(ch.decisions_per_day[TRACK_KEYS[t]] for t in _IND_ORDER if t != Track.DUBLIN)
    h = s.people.cols
    waiting = np.flatnonzero(h["stage"] == Stage.PROCEDURE)
    sizes = h["size"][waiting].astype(np.float64)
    granted = dot(recognition_rates(s.sc)[h["group"][waiting]], sizes) / float(sizes.sum()) if sizes.sum() else 0.0
    return (decided * granted + float(s.world.inflow.family[0])) * 182.6


# --- the rules, in the order of the day ----------------------------------------------------

def arrive(s: State, day: int) -> None:
    """New households arrive: first applicants (some at Schiphol) and family members."""
    first, family, border_share, entry_share, low_share = s.world.inflow.on(day)
    hh, k1 = draw_arrivals(day_rng(s.arrivals_key, day), first, family, s.params.inflow, border_share, entry_share)
    k2 = len(hh.size) - k1
    if k1 + k2 == 0:
        return
    group = draw_group(s.sc, hh.key, low_share)
    if k2:                                     # family members: the group with the highest recognition
        groups = s.sc.groups
        group[k1:] = max(range(len(groups)), key=lambda i: groups[i].recognition)   # first of the highest
    track = np.repeat(_REGULAR_FAMILY, (k1, k2))
    persons = s.people.n_persons
    ids = s.people.add(size=hh.size, children=hh.children, key=hh.key, group=group, track=track, flags=hh.flags,
                       stage=Stage.WAITING, day=day)
    s.today.arrivals += s.people.n_persons - persons
    s.registration.push(ids)
    settle_in_central(s, ids, day)


def register(s: State, day: int) -> None:
    """Registration at the registration locations, first come first served within the day's
    capacity (the chain's own plus what the plan added, `model.front`); under a 2024/1359 regime
    (Art. 10) households with minors or special needs go first. With onward placement in force,
    the newly registered are due to move on after its number of days."""
    st = s.people.cols["stage"]
    valid = lambda w: st[w] == _WAITING  # noqa: E731
    cap = s.front.registration_per_day(s, day)
    if s.params.chain.registration_priority:
        ids = serve_priority(s, s.registration, "registration", cap, valid)
    else:
        ids = serve(s, s.registration, "registration", cap, valid)
    if len(ids) == 0:
        return
    p = s.people
    late = p.cols["arrival_day"][ids] < day - s.params.chain.registration_deadline_days   # more days than the deadline
    s.today.registration_late += p.persons_in(ids[late])
    s.today.registered += p.set_stage(ids, Stage.SCREENING, day, old=_WAITING)
    s.screening_done.schedule(ids, day + s.params.chain.screening_days)
    after = s.front.onward_after(day)
    if after is not None and after < s.params.chain.screening_days:
        s.front.onward_due.schedule(ids, day + after)


def end_screening(s: State, day: int) -> None:
    """Screening done: the track is set and the household moves on from the registration
    location (it stays there, blocking a bed, while no place elsewhere is free). Households that
    moved on during screening keep their bed; from an emergency or crisis bed they step up to a
    regular place when one is free, else they wait in the line for moving up."""
    due = s.screening_done.pop(day)
    if len(due) == 0:
        return
    due = due[s.people.cols["stage"][due] == _SCREENING]
    family, u_sponsor = enter_procedure(s, due, day, sponsor_draws=True, old=_SCREENING)
    h = s.people.cols
    if s.today.family_moved_in:     # family members who moved in with their sponsor have left
        due = due[h["stage"][due] != _HOUSED]
    kind = s.locs.kind_at(h["location"][due])
    track = h["track"][due]
    temporary = kind_table(TEMPORARY_KINDS)[kind]
    left = find_beds(s, due[_SEEKS_BED[kind, track]], day, Reason.PROCEDURE_STEP)
    s.needs_bed.push(left)
    if temporary.any():
        stepped_up = due[temporary]
        s.moves_up.push(find_beds(s, stepped_up, day, Reason.PROCEDURE_STEP, temporary=False))
    reunite(s, family, day, u_sponsor)


# _SEEKS_BED[kind of bed (NO_BED: none), track]: who gets a bed elsewhere at the end of screening:
# those at the registration centre or without a bed, and those at the border location who are not
# in the border procedure (one look-up instead of three masks)
_SEEKS_BED = np.zeros((len(Kind) + 1, N_TRACKS), bool)
_SEEKS_BED[[Kind.CENTRAL, NO_BED]] = True
_SEEKS_BED[Kind.BORDER] = True
_SEEKS_BED[Kind.BORDER, Track.BORDER] = False


def move_on_from_registration(s: State, day: int) -> None:
    """Onward placement (a plan measure, `model.front`): after its number of days at a
    registration location, a household in screening gets a bed elsewhere by its class's
    preference (a process location first) and finishes screening there, which frees the
    registration bed. Those without a bed in screening are placed the same way. Whoever finds
    no bed tries again the next day."""
    f = s.front
    after = f.onward_after(day)
    due = f.onward_due.pop(day)
    if after is None:
        return
    h = s.people.cols
    if not f.swept:   # the measure came into force today: those already in screening
        present = s.residents_of(s.locs.of_kind(Kind.CENTRAL))
        present = present[h["stage"][present] == Stage.SCREENING]
        ready = h["stage_day"][present] <= day - after
        f.onward_due.schedule(present[~ready], h["stage_day"][present[~ready]] + after)
        due = np.concatenate([due, present[ready]])
        f.swept = True
    if len(due) == 0:
        return
    at_central = s.locs.kind_in((Kind.CENTRAL, NO_BED))[h["location"][due]]
    waiting = (h["stage"][due] == Stage.SCREENING) & at_central
    due = due[waiting]
    due = due[first_of_each(due)] if len(due) > 1 else due
    left = find_beds(s, due, day, Reason.PROCEDURE_STEP)
    f.onward_due.schedule(left, day + 1)


def reunite(s: State, families: np.ndarray, day: int, u: np.ndarray | None = None) -> None:
    """Family members (nareizigers) whose sponsor still lives in reception: the sponsor's
    household moves to the family's new location when there is room (a family-reunion move).
    Whether the sponsor lives in reception is a keyed draw (`u`: the families' draws of
    `model.state.SPONSOR_DRAWS`, when the caller made them: `SALT_SPONSOR`, `SALT_SPONSOR + 100`, then
    the candidates'); the sponsor is a keyed draw among the permit holders in reception
    (`model.sponsors`: candidates keyed by the family's key and `SALTS_SPONSOR_CANDIDATES`)."""
    share = s.params.chain.family_sponsor_in_reception_share
    if len(families) == 0 or share <= 0:
        return
    h = s.people.cols
    if u is None:
        u = keyed_uniforms(h["key"][families], SPONSOR_DRAWS)
    joins = (u[0] < share) & (h["location"][families] >= 0)
    families = families[joins]
    if len(families) == 0:
        return
    sponsor = s.sponsors.draw(s, u[2:, joins])
    if len(sponsor) == 0:
        return
    target = h["location"][families]
    if len(sponsor) <= _FEW_REUNIONS:
        sponsor, target = _reunions_few(s, sponsor, target)
        if len(sponsor) == 0:
            return
    else:
        apart = h["location"][sponsor] != target
        if not apart.all():
            sponsor, target = sponsor[apart], target[apart]
        if len(sponsor) > 1:                       # (one sponsor: nothing to choose)
            first = first_of_each(target)         # one reunion per location per day
            sponsor, target = sponsor[first], target[first]
            keep = first_of_each(sponsor)         # a sponsor joins one family
            sponsor, target = sponsor[keep], target[keep]
    fits = s.locs.vacancy()[target] >= h["size"][sponsor]
    s.today.moves += move(s.people, s.locs, s.log, sponsor[fits], target[fits], day, Reason.FAMILY_REUNION)


_FEW_REUNIONS = 64     # at most this many drawn sponsors: paired on Python numbers


def _reunions_few(s: State, sponsor: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`reunite`'s pairing on Python numbers, for a few sponsors: of the sponsors not already at
    their family's location, the first family per location (locations ascending), then of those
    the first pair per sponsor (sponsors ascending, as `first_of_each` twice)."""
    home = s.people.cols["location"][sponsor].tolist()
    by_target: dict[int, int] = {}
    for i, (t, at) in enumerate(zip(target.tolist(), home)):
        if t != at and t not in by_target:
            by_target[t] = i
    by_sponsor: dict[int, int] = {}
    sp = sponsor.tolist()
    for t in sorted(by_target):
        by_sponsor.setdefault(sp[by_target[t]], by_target[t])
    pick = [by_sponsor[x] for x in sorted(by_sponsor)]
    if pick == list(range(len(sp))):
        return sponsor, target
    return sponsor[pick], target[pick]


def place_waiting(s: State, day: int) -> None:
    """Beds for those still without one (or stuck at the registration location), Ter Apel beds
    for those waiting outside, then moves up from emergency to regular places."""
    p = s.people.cols
    if len(s.needs_bed):
        waiting = s.needs_bed.peek().copy()
        valid = _STUCK[s.locs.kind_at(p["location"][waiting]), p["stage"][waiting]]
        left = find_beds(s, waiting[valid], day, Reason.PROCEDURE_STEP)
        s.needs_bed.keep(member(s, waiting, left))
    if len(s.central_wait):
        waiting = s.central_wait.peek().copy()
        valid = (p["stage"][waiting] <= Stage.SCREENING) & (p["location"][waiting] < 0)
        s.central_wait.keep(np.zeros(len(waiting), bool))
        settle_in_central(s, waiting[valid], day)
    budget = s.params.chain.moves_up_per_day
    if budget >= 1 and len(s.moves_up):
        regular = s.locs.kind_in(REGULAR_KINDS, no_bed=False)
        vacancy = s.locs.vacancy()
        free = int(whole_sums(vacancy, regular))
        if free > 0:
            # (a view: nothing is pushed meanwhile — nobody moves up to a temporary bed — and the line
            # changes only in the `keep_head` below)
            window = s.moves_up.peek(int(budget))
            valid = _MOVES_UP[s.locs.kind_at(p["location"][window]), p["stage"][window]]
            if len(window) > 1:
                # a household moved from one temporary place to another joined the line again:
                # its first entry counts, later ones leave (tried twice, it was moved twice)
                first = np.zeros(len(window), bool)
                first[first_of_each(window)] = True
                valid &= first
            if s.params.placement.policy == "min_moves":   # only families with children move up
                valid &= p["children"][window] > 0
            cand = window[valid]
            fits = p["size"][cand].cumsum() <= min(budget, free)
            tried = cand[fits]
            left = find_beds(s, tried, day, Reason.EMERGENCY_TO_REGULAR, temporary=False, vacancy=vacancy)
            # kept: those tried who got no bed, and the others still entitled to move up
            if len(left) == len(tried):        # nobody got a bed (those tried are valid)
                keep = valid
            elif len(left) == 0:
                keep = valid & ~member(s, window, tried)
            else:
                keep = member(s, window, left) | (valid & ~member(s, window, tried))
            s.moves_up.keep_head(len(window), keep)


# Who of the line for a bed is still stuck, by the kind of the bed (NO_BED: none) and stage: in
# procedure to permit holder, at a registration or border location or without a bed
_STUCK = np.zeros((len(Kind) + 1, len(Stage)), bool)
_STUCK[np.ix_([Kind.CENTRAL, Kind.BORDER, NO_BED], range(Stage.PROCEDURE, Stage.HOUSED))] = True
# Who of the line for moving up may move up, by kind of bed and stage: in an emergency or crisis
# bed, in procedure or a permit holder
_MOVES_UP = np.zeros((len(Kind) + 1, len(Stage)), bool)
_MOVES_UP[np.ix_(TEMPORARY_KINDS, (Stage.PROCEDURE, Stage.PERMIT))] = True


# by flags (uint8): special reception needs (`Flag.VULNERABLE` set)
_VULNERABLE = (np.arange(256) & Flag.VULNERABLE) > 0
# by stage: in procedure, appeal, permit holder, rejected or Dublin (after screening, in reception)
_AFTER_SCREENING = np.zeros(len(Stage), bool)
_AFTER_SCREENING[Stage.PROCEDURE:Stage.HOUSED] = True


def assess_vulnerability(s: State, day: int) -> None:
    """COA's vulnerability assessment (kwetsbaarheidstoets): first come first served within the
    day's capacity (the chain's own plus the plan's extra assessment staff, `model.front`), due
    within 30 days of the application (arrival); late ones are counted.
    Households found to have special reception needs leave emergency and crisis places for a
    regular place at once when one is free (ahead of the line for moving up)."""
    if len(s.assessment) == 0:
        return
    p = s.people
    h = p.cols
    st = h["stage"]
    valid = lambda w: _AFTER_SCREENING[st[w]]  # noqa: E731
    ids = serve(s, s.assessment, "vulnerability", s.front.assessments_per_day(s, day), valid)
    if len(ids) == 0:
        return
    s.today.vulnerability_assessed += p.persons_in(ids)
    late = h["arrival_day"][ids] < day - s.params.chain.vulnerability_deadline_days   # more days than the deadline
    s.today.vulnerability_late += p.persons_in(ids[late])
    needs = ids[_VULNERABLE[h["flags"][ids]]]
    if len(needs) == 0:
        return
    p.add_flags(needs, _NEEDS_ASSESSED)
    temporary = s.locs.kind_in(TEMPORARY_KINDS)[h["location"][needs]]
    find_beds(s, needs[temporary], day, Reason.EMERGENCY_TO_REGULAR, temporary=False)


def decide(s: State, day: int) -> None:
    """IND first decisions within the day's capacity (`serve_ind`): a permit, or a rejection
    followed by an appeal or the departure period; Dublin claimants get their claim sent to the
    other member state (the transfer decision follows its acceptance, `dublin_steps`). The
    asylum decisions of all tracks are taken in one pass."""
    p = s.people
    h = p.cols
    served = serve_ind(s, day)
    claims = served.pop(Track.DUBLIN)
    decided = [0] * N_TRACKS              # persons decided per track (leaving the IND's line)
    if len(claims):
        decided[Track.DUBLIN] = p.set_stage(claims, Stage.DUBLIN, day, old=_PROCEDURE)
        s.dublin_reply.schedule(claims, day + s.params.chain.dublin_reply_days)
    parts = [(t, ids) for t, ids in served.items() if len(ids)]
    if not parts:
        if len(claims):
            s.procedure_persons[Track.DUBLIN] -= decided[Track.DUBLIN]
        return
    if len(parts) == 1:
        ids = parts[0][1]
        sizes = h["size"][ids]
        persons = int(np.add.reduce(sizes, dtype=np.int64))
        decided[parts[0][0]] = persons
    else:
        ids = np.concatenate([ids for _, ids in parts])
        starts = [0, *accumulate(len(part) for _, part in parts[:-1])]   # where each part begins in `ids`
        sizes = h["size"][ids]
        for (t, _), n in zip(parts, np.add.reduceat(sizes, starts, dtype=np.int64).tolist()):
            decided[t] = n
        persons = sum(decided) - decided[Track.DUBLIN]
    s.procedure_persons -= decided        # (one subtraction for the claims and the decisions)
    s.today.decisions += persons
    # the decision times: one batch, with each track's run of households when there are several
    tracks = parts[0][0] if len(parts) == 1 else tuple((t, len(part)) for t, part in parts)
    s.today.decision_waits.append((tracks, day - h["arrival_day"][ids], sizes))
    u = keyed_uniforms(h["key"][ids], (SALT_PERMIT, SALT_APPEAL))
    permit = u[0] < recognition_rates(s.sc)[h["group"][ids]]
    granted = ids[permit]
    border = parts[0][0] == Track.BORDER       # (the border part comes first; no other household is on it)
    if len(granted) == len(ids):               # all granted
        if border:
            _leave_border(s, ids)
        s.today.permits += grant(s, ids, day, old=_PROCEDURE)
        return
    # a rejection: a share of the track (`chain.appeal_share`) appeals with suspensive effect and
    # stays until the court rules (the track's `appeal_days` later); the others start their
    # departure period. Every decided household changes stage in one pass.
    ch = s.params.chain
    if len(parts) == 1:
        appeal_share = ch.appeal_share[TRACK_KEYS[parts[0][0]]]
    else:
        appeal_share = _by_track(ch.appeal_share)[np.repeat([t for t, _ in parts], [len(part) for _, part in parts])]
    appeal = (u[1] < appeal_share) > permit    # (drawn to appeal and not granted: True > False only)
    if border:                                 # a decision without appeal ends the border procedure
        _leave_border(s, ids[~appeal])
    into = p.set_stages(ids, np.where(permit, _PERMIT, np.where(appeal, _APPEAL, _REJECTED)), day, old=_PROCEDURE)
    s.today.permits += into[_PERMIT]
    s.today.rejections += persons - into[_PERMIT]
    s.today.appeals += into[_APPEAL]
    _permit_granted(s, granted, day)
    appealed = ids[appeal]
    if len(parts) == 1:
        s.appeal_due.schedule(appealed, day + ch.appeal_days[TRACK_KEYS[parts[0][0]]])
    else:                                      # each part's appeals scheduled on its own day
        at = 0
        for (t, _), n in zip(parts, np.add.reduceat(appeal, starts, dtype=np.int64).tolist()):
            if n:
                s.appeal_due.schedule(appealed[at:at + n], day + ch.appeal_days[TRACK_KEYS[t]])
                at += n
    _departure_period(s, ids[permit == appeal], day)   # neither granted nor appealing (never both)


# _IN_PROCEDURE_ON[t][stage, track]: still waiting for the IND's decision on track t
_IN_PROCEDURE_ON = {t: np.zeros((len(Stage), N_TRACKS), bool) for t in PROCEDURE_TRACKS}
for _t, _table in _IN_PROCEDURE_ON.items():
    _table[Stage.PROCEDURE, _t] = True


def serve_ind(s: State, day: int) -> dict[int, np.ndarray]:
    """Households each IND track decides today. A track's capacity is its decisions per day times
    the productivity ramp (and, under the budget rule, `ind_budget_factor`). Under the Pact the new
    cases get `new_procedure_share` of it first and the old ones the rest; what one side leaves idle
    goes to the other. What a track leaves idle goes to the tracks that still have work (a share
    `idle_capacity_shift`, border procedure first): no IND line waits while capacity elsewhere is
    idle. Under the Pact new cases with minors go first (mandatory prioritisation)."""
    h = s.people.cols
    sc = s.sc
    factor = ramp_factor(s.params.chain.decision_capacity_ramp, sc.start_date, day) * ind_budget_factor(s, day)
    pact = sc.pact
    pact_on = day >= pact_day(sc)          # never without a Pact
    lines: list[Line] = []
    owner: list[int] = []
    served: list[list[np.ndarray]] = []
    idle = 0.0
    for t in _IND_ORDER:
        valid = lambda w, t=t: _IN_PROCEDURE_ON[t][h["stage"][w], h["track"][w]]  # noqa: E731
        key = TRACK_KEYS[t]
        rate = s.params.chain.decisions_per_day[key] * factor
        if pact is not None and pact_on:
            mine = [Line(s.ind_new[t], f"ind_new_{key}", rate * pact.new_procedure_share, valid,
                         pact.priority_for_minors),
                    Line(s.ind[t], f"ind_{key}", rate * (1 - pact.new_procedure_share), valid)]
        else:
            mine = [Line(s.ind[t], f"ind_{key}", rate, valid)]
        got, left = serve_lines(s, mine, s.params.chain.idle_capacity_shift)
        idle += left
        lines += mine
        owner += [t] * len(mine)
        served += [[g] for g in got]
    pass_on(s, lines, served, idle)
    out: dict[int, list[np.ndarray]] = {t: [] for t in _IND_ORDER}
    for track, parts in zip(owner, served):
        out[track] += parts
    return {t: joined(parts) for t, parts in out.items()}


def ind_budget_factor(s: State, day: int) -> float:
    """Factor on every track's decisions per day from the IND's budget: 1 under
    `chain.decision_capacity_rule: fixed`; under `budget`, the first applications per day budgeted
    for this day's calendar year (`World.ind_budget`) over the scenario's decisions per day summed
    over the tracks, so the tracks decide the budget together in the scenario's split. Events that
    scale a track's decisions per day and the productivity ramp multiply it."""
    if s.params.chain.decision_capacity_rule != "budget":
        return 1.0
    return float(s.world.ind_budget[day]) / sum(s.sc.chain.decisions_per_day.values())


def grant(s: State, ids: np.ndarray, day: int, old: int | None = None) -> int:
    """A permit: the household waits for a home (and may sponsor family members); under the
    standard policy a new permit holder in a process location moves to an azc (procedure step).
    Returns the persons granted. `old`: the stage they are all in, when known."""
    if len(ids) == 0:
        return 0
    persons = s.people.set_stage(ids, Stage.PERMIT, day, old)
    _permit_granted(s, ids, day)
    return persons


def _permit_granted(s: State, ids: np.ndarray, day: int) -> None:
    """What follows a permit (`grant`) once the households' stage is set: they join the line for
    linking, and under the standard policy those in a process location move to an azc."""
    if len(ids) == 0:
        return
    join_linking_line(s, ids)
    if s.params.placement.policy == "standard":
        in_process = ids[s.locs.kind_in((Kind.PROCESS,))[s.people.cols["location"][ids]]]
        find_beds(s, in_process, day, Reason.PROCEDURE_STEP, temporary=False, only=(Kind.REGULAR,))


def _by_track(values: Mapping[TrackName, float]) -> np.ndarray:
    """A per-track parameter as an array indexed by `Track` (0 for the family track); kept per
    set of values (events may change them), not made again on every call. Read only."""
    def make() -> np.ndarray:
        out = np.zeros(len(Track), np.asarray(list(values.values())).dtype)
        for t, name in TRACK_KEYS.items():
            out[t] = values[name]
        return out

    return _kept(tuple(values.items()), make)


def _kept(key: tuple, make: Callable[[], np.ndarray]) -> np.ndarray:
    """The array `make()` gives, made once per `key` and kept (read only); at most ~256 kept."""
    out = _BY_TRACK.get(key)
    if out is None:
        if len(_BY_TRACK) > 256:
            _BY_TRACK.clear()
        out = make()
        out.flags.writeable = False
        _BY_TRACK[key] = out
    return out


_BY_TRACK: dict[tuple, np.ndarray] = {}


def _start_departure(s: State, ids: np.ndarray, day: int, old: int | None = None) -> None:
    """Rejected for good: the departure period (vertrektermijn) in reception, then departure.
    (Families with minors move to a family location later today: `relocation.to_family_locations`.)
    `old`: the stage they are all in, when known."""
    s.people.set_stage(ids, Stage.REJECTED, day, old)
    _departure_period(s, ids, day)


def _departure_period(s: State, ids: np.ndarray, day: int) -> None:
    """The departure period of households rejected for good, their stage set (`_start_departure`):
    they are due to depart `chain.departure_period_days` later."""
    s.departure_due.schedule(ids, day + s.params.chain.departure_period_days)
    if len(ids):
        s.today.rejected_for_good.append(ids)


def _leave_border(s: State, ids: np.ndarray) -> None:
    """Those of `ids` in the border procedure leave it (a decision that ends it, or its deadline)."""
    if s.border_persons == 0 or len(ids) == 0:
        return
    h = s.people.cols
    border = ids[h["track"][ids] == _BORDER]
    if len(border) == 0:
        return
    s.border_persons -= s.people.persons_in(border[_IN_BORDER_PROCEDURE[h["stage"][border]]])


# by stage: still counted in the border procedure (in procedure or appeal)
_IN_BORDER_PROCEDURE = np.zeros(len(Stage), bool)
_IN_BORDER_PROCEDURE[[Stage.PROCEDURE, Stage.APPEAL]] = True


def _to_regular(s: State, ids: np.ndarray, day: int, old: int) -> None:
    """The claim is handled in the regular procedure in the Netherlands: Dublin claims refused,
    annulled on appeal or past their final transfer date (`old`, the stage they are all in: the
    Dublin stage); border cases past their deadline (in procedure)."""
    s.people.set_track(ids, Track.REGULAR)
    persons = s.people.set_stage(ids, Stage.PROCEDURE, day, old)
    _push_ind(s, Track.REGULAR, ids)
    s.procedure_persons[Track.REGULAR] += persons


def _record_waits(s: State, track: int, ids: np.ndarray, day: int) -> None:
    """Days from the application (arrival) to this first decision, for the decision-time figures."""
    h = s.people.cols
    s.today.decision_waits.append((track, day - h["arrival_day"][ids], h["size"][ids]))


def link_and_house(s: State, day: int) -> None:
    """Permit holders are linked to municipalities with room in their half-yearly target, and
    housed once a week at each municipality's own supply of homes. The choices and counts are
    the municipalities' own (`s.actors.municipalities`); the households' side is here."""
    date = s.world.dates[day]
    if day > 0 and date.day == 1 and date.month in (1, 7):
        start_half_year(s, day)
    p = s.people.cols
    m, municipalities = s.munis, s.actors.municipalities
    if len(s.unlinked):
        quota = municipalities.open_quota(m)
        if quota.sum() > 0:
            head = s.unlinked.peek()
            valid = (p["stage"][head] == Stage.PERMIT) & (p["municipality"][head] < 0)
            if not valid.all():
                s.unlinked.keep(valid)
                head = s.unlinked.peek()
            mun = municipalities.link_permit_holders(m, p["key"][head], p["size"][head].astype(np.int64), quota)
            n = int((mun >= 0).sum())
            if n:
                ids = head[:n].copy()
                link_households(s, ids, mun[:n])
                s.linked_h = np.concatenate([s.linked_h, ids])
                s.linked_m = np.concatenate([s.linked_m, mun[:n]])
                s.linked_ready = np.concatenate([s.linked_ready, search_ends(s, ids, day)])
                s.unlinked.drop(n)
    if date.weekday() == 0 and len(s.linked_h):
        ready = np.flatnonzero(s.linked_ready <= day)     # homes are drawn every week, searching or not
        housed = ready[municipalities.house_week(m, day_rng(s.homes_key, day), s.params.housing.supply_persons_per_year,
                                                 s.linked_m[ready], p["size"][s.linked_h[ready]])]
        s.today.exits_housed += leave(s, s.linked_h[housed], Stage.HOUSED, day)
        keep = np.ones(len(s.linked_h), bool)
        keep[housed] = False
        s.linked_h, s.linked_m, s.linked_ready = s.linked_h[keep], s.linked_m[keep], s.linked_ready[keep]


def search_ends(s: State, ids: np.ndarray, day: int) -> np.ndarray:
    """Day from which each household linked on `day` can move into a home: its search time after
    the link, a keyed draw uniform in `housing.search_days` (COA: municipalities have on average
    twelve weeks, ten to find a home and two for the move; coa.nl, *Huisvesting*, FAQ for
    municipalities). The initial stock linked on the first day of a run has been searching for a
    while already: it is at a uniform point of its search (a steady state; assumption)."""
    lo, hi = s.params.housing.search_days
    if hi == 0:
        return np.full(len(ids), day, np.int64)
    keys = s.people.cols["key"][ids]
    u = keyed_uniform(keys, SALT_SEARCH)
    search = lo + np.floor(u * (hi - lo + 1)).astype(np.int64)
    if day == 0:
        stock = s.people.cols["arrival_day"][ids] < 0
        done = np.floor(keyed_uniform(keys[stock], SALT_SEARCH_DONE) * (search[stock] + 1)).astype(np.int64)
        search[stock] -= done
    return day + search


def depart_and_transfer(s: State, day: int) -> None:
    """The timed steps after a decision, in order: departures at the end of the departure period,
    court rulings on appeals, border procedures reaching their deadline, and the Dublin chain. The
    steps' keyed draws for the households due today are made in one pass (every step's delay is a
    day or more, so none files anything for today). The steps' exits from reception leave their
    beds together (`_Exits`)."""
    parts = [s.departure_due.pop(day), s.appeal_due.pop(day), s.dublin_reply.pop(day),
             s.dublin_decision.pop(day), s.transfer_due.pop(day)]
    exits = _Exits(s, day)
    if parts[0].size | parts[1].size | parts[2].size | parts[3].size | parts[4].size:
        u = _keyed_draws(s, parts, (SALT_DEPARTURE, SALT_APPEAL_UPHELD, SALT_DUBLIN_ACCEPT, SALT_APPEAL,
                                    SALT_TRANSFER))
        depart(s, day, parts[0], u[0], exits)
        rule_on_appeals(s, day, parts[1], u[1], exits)
        border_deadlines(s, day, exits)
        dublin_steps(s, day, parts[2:], u[2:], exits)
    else:                       # (nothing timed today but, perhaps, border deadlines and final transfer dates)
        border_deadlines(s, day, exits)
        _dublin_deadlines(s, day)
    exits.flush()


class _Exits:
    """Households that leave reception today (`leave`): their stage changes at once, their beds are
    given up together at `flush` (one `move` for the day's steps instead of one a step). The move
    log's rows and every count are those of a `move` per step, as long as nothing changes beds in
    between: a step that places households (`find_beds`) or gives permits flushes first. (A bed
    change reads the bed, the nights and the sizes, which a stage change does not write.)"""

    def __init__(self, s: State, day: int) -> None:
        self.s, self.day = s, day
        self.parts: list[np.ndarray] = []

    def leave(self, ids: np.ndarray, stage: int, old: int | None = None) -> int:
        """`rulebook.leave`, the bed given up at `flush`; returns persons."""
        if len(ids) == 0:
            return 0
        self.parts.append(ids)
        return self.s.people.set_stage(ids, stage, self.day, old)

    def flush(self) -> None:
        """Give up the beds of those who left since the last flush (in the order they left)."""
        if not self.parts:
            return
        ids = self.parts[0] if len(self.parts) == 1 else np.concatenate(self.parts)
        self.parts = []
        s = self.s
        move(s.people, s.locs, s.log, ids, -1, self.day, Reason.EXIT)


_NO_DRAWS = np.empty(0)
_NO_DRAWS.flags.writeable = False


def _keyed_draws(s: State, parts: list[np.ndarray], salts: tuple[int, ...]) -> list[np.ndarray]:
    """Each part's households' keyed draws with its salt (`keyed_uniform`), in one pass over the
    parts with households (one part alone: its own draw; empty parts: a shared empty array)."""
    out = [_NO_DRAWS] * len(parts)
    live = [i for i, ids in enumerate(parts) if len(ids)]
    keys = s.people.cols["key"]
    if len(live) == 1:
        i = live[0]
        out[i] = keyed_uniform(keys[parts[i]], salts[i])
    elif live:
        lengths = [len(parts[i]) for i in live]
        u = keyed_uniform_parts(keys[np.concatenate([parts[i] for i in live])], lengths,
                                tuple(salts[i] for i in live))
        for i, n, end in zip(live, lengths, accumulate(lengths)):
            out[i] = u[end - n:end]
    return out


def depart(s: State, day: int, due: np.ndarray, u: np.ndarray, exits: _Exits) -> None:
    """Rejected households leave after the departure period (independent, forced, unsupervised):
    `due`, those whose period ends today, `u` their keyed draws (`SALT_DEPARTURE`) for the route."""
    p = s.people
    h = p.cols
    if len(due) == 0:
        return
    if h["stage"][due].tolist().count(_REJECTED) < len(due):   # (the usual case: all still rejected)
        rejected = h["stage"][due] == _REJECTED
        due, u = due[rejected], u[rejected]
    shares = s.params.chain.departure_shares
    c1 = shares["independent"]
    route = np.searchsorted((c1, c1 + shares["forced"]), u, side="right")
    independent, forced, unsupervised = _persons_by(p, due, route, 3)
    s.today.departed_independent += independent
    s.today.departed_forced += forced
    s.today.departed_unsupervised += unsupervised
    s.today.exits_departed += exits.leave(due, Stage.DEPARTED, old=_REJECTED)


def _persons_by(p, ids: np.ndarray, code: np.ndarray, n: int) -> list[int]:
    """Persons in the households `ids` per value of `code` (0 … n-1)."""
    return [int(x) for x in np.bincount(code, weights=p.cols["size"][ids], minlength=n).tolist()]


def rule_on_appeals(s: State, day: int, due: np.ndarray, u: np.ndarray, exits: _Exits) -> None:
    """The court rules. An asylum appeal upheld ends in a permit, dismissed in the departure
    period; a Dublin appeal upheld annuls the transfer (the claim is handled here), dismissed it
    changes nothing (the transfer was scheduled after the ruling). `due`: the rulings due today,
    `u` their keyed draws (`SALT_APPEAL_UPHELD`)."""
    if len(due) == 0:
        return
    p = s.people
    h = p.cols
    won = u < _upheld_by_track(s.params.chain.appeal_upheld_share)[h["track"][due]]
    stage = h["stage"][due]
    if stage.tolist().count(_APPEAL) == len(due):   # (the usual case: no Dublin appeal among them)
        dublin_won = due[:0]
        asylum_due, asylum_won = due, won
    else:
        asylum = stage == _APPEAL
        dublin_won = due[(stage == _DUBLIN) & won]
        asylum_due, asylum_won = due[asylum], won[asylum]
    if s.border_persons:
        _leave_border(s, asylum_due)
    granted = asylum_due[asylum_won]
    if len(granted):
        exits.flush()               # a permit may move the household (and is read with the move log)
        s.today.appeal_permits += grant(s, granted, day, old=_APPEAL)
    _start_departure(s, asylum_due[~asylum_won], day, old=_APPEAL)
    # (the stages before the rulings: those granted or dismissed were in appeal, never in the Dublin stage)
    if len(dublin_won):
        _to_regular(s, dublin_won, day, old=_DUBLIN)


def _upheld_by_track(values: Mapping[TrackName, float]) -> np.ndarray:
    """The share of appeals upheld, as an array indexed by `Track`: a procedure track's own, a
    track after the procedure tracks (family) the last procedure track's. Kept per set of values
    like `_by_track`. Read only."""
    def make() -> np.ndarray:
        shares = np.array([values[TRACK_KEYS[t]] for t in PROCEDURE_TRACKS])
        return shares[np.minimum(np.arange(len(Track)), len(shares) - 1)]

    return _kept(("upheld", *values.items()), make)


def border_deadlines(s: State, day: int, exits: _Exits) -> None:
    """Border procedures still open at the end of their deadline (12 weeks incl. appeal) end: the
    applicant is let in and the claim moves to the regular procedure (an appeal under way goes on
    there); they leave the border location."""
    due = s.border_deadline.pop(day)
    if len(due) == 0:
        return
    p = s.people
    h = p.cols
    st = h["stage"][due]
    due = due[(h["track"][due] == _BORDER) & _IN_BORDER_PROCEDURE[st]]
    if len(due) == 0:
        return
    _leave_border(s, due)
    s.today.border_late += p.persons_in(due)
    waiting = due[h["stage"][due] == Stage.PROCEDURE]
    s.procedure_persons[Track.BORDER] -= p.persons_in(waiting)
    _to_regular(s, waiting, day, old=_PROCEDURE)
    p.set_track(due, Track.REGULAR)
    at_border = due[s.locs.kind_in((Kind.BORDER,))[h["location"][due]]]
    exits.flush()
    s.needs_bed.push(find_beds(s, at_border, day, Reason.PROCEDURE_STEP))


def dublin_steps(s: State, day: int, due: list[np.ndarray], u: list[np.ndarray], exits: _Exits) -> None:
    """The Dublin chain, each step on its day: the other member state answers the claim (refused:
    the claim is handled here); the IND takes the transfer decision within two weeks of acceptance
    (under the Pact the right to reception then lapses for new cases; a share appeal, the court
    rules within a month); the transfer, absconding, or nothing until the final transfer date
    (six months after acceptance), when the Netherlands becomes responsible. `due`: the answers,
    transfer decisions and transfers due today, `u` their keyed draws (`SALT_DUBLIN_ACCEPT`,
    `SALT_APPEAL`, `SALT_TRANSFER`)."""
    h = s.people.cols
    ch = s.params.chain

    def in_dublin(i: int) -> tuple[np.ndarray, np.ndarray]:
        if len(due[i]) == 0:
            return due[i], u[i]
        if h["stage"][due[i]].tolist().count(_DUBLIN) == len(due[i]):
            return due[i], u[i]         # (the usual case: nobody left the Dublin stage meanwhile)
        still = h["stage"][due[i]] == _DUBLIN
        return due[i][still], u[i][still]

    replied, u_accept = in_dublin(0)
    if len(replied):
        accepted = u_accept < ch.dublin_acceptance_share
        if accepted.all():              # (none refused)
            accept = replied
        else:
            _to_regular(s, replied[~accepted], day, old=_DUBLIN)
            accept = replied[accepted]
        s.dublin_decision.schedule(accept, day + ch.dublin_decision_days)
        s.dublin_final.schedule(accept.copy(), day + ch.dublin_final_transfer_days)   # a calendar keeps its array
    decided, u_appeal = in_dublin(1)
    if len(decided):
        transfer_decisions(s, decided, day, u_appeal, exits)
    leaving, u_transfer = in_dublin(2)
    if len(leaving):
        # 0 transferred, 1 absconded, 2 stays until the final transfer date (`u < success`, then
        # `u < success + absconding`); the transferred leave first, then those who abscond
        route = np.searchsorted((ch.dublin_transfer_success, ch.dublin_transfer_success + ch.dublin_absconding_share),
                                u_transfer, side="right")
        n_transferred, n_gone, _ = np.bincount(route, minlength=3).tolist()
        if n_transferred + n_gone:
            out = leaving[np.argsort(route, kind="stable")[:n_transferred + n_gone]]
            s.today.exits_transferred += exits.leave(out[:n_transferred], Stage.TRANSFERRED, old=_DUBLIN)
            absconded = exits.leave(out[n_transferred:], Stage.DEPARTED, old=_DUBLIN)
            s.today.dublin_absconded += absconded
            s.today.departed_unsupervised += absconded
            s.today.exits_departed += absconded
    _dublin_deadlines(s, day)


def _dublin_deadlines(s: State, day: int) -> None:
    """Dublin claims still open on their final transfer date: the Netherlands becomes responsible."""
    expired = s.dublin_final.pop(day)
    if len(expired) == 0:
        return
    expired = expired[s.people.cols["stage"][expired] == _DUBLIN]
    if len(expired):
        s.today.dublin_deadline_passed += s.people.persons_in(expired)
        _to_regular(s, expired, day, old=_DUBLIN)


def transfer_decisions(s: State, ids: np.ndarray, day: int, u_appeal: np.ndarray, exits: _Exits) -> None:
    """The IND's transfer decision (a first decision). Under the Pact the right to reception
    lapses for new cases; the others may appeal (the transfer then waits for the ruling).
    `u_appeal`: the households' keyed draws for the appeal (`SALT_APPEAL`)."""
    p = s.people
    h = p.cols
    ch = s.params.chain
    s.today.decisions += p.persons_in(ids)
    _record_waits(s, Track.DUBLIN, ids, day)
    pact = s.sc.pact
    if pact is not None and pact.dublin_reception_ends_at_decision:
        new_rules = h["arrival_day"][ids] >= pact_day(s.sc)
        ended = exits.leave(ids[new_rules], Stage.DEPARTED, old=_DUBLIN)
        s.today.exits_departed += ended
        s.today.dublin_reception_ended += ended
        ids, u_appeal = ids[~new_rules], u_appeal[~new_rules]
    appeal = u_appeal < ch.appeal_share["dublin"]
    appealed = ids[appeal]
    s.today.appeals += p.persons_in(appealed)
    ruling = day + ch.appeal_days["dublin"]
    s.appeal_due.schedule(appealed, ruling)
    s.transfer_due.schedule(ids[appeal], max(day + ch.dublin_transfer_days, ruling))
    s.transfer_due.schedule(ids[~appeal], day + ch.dublin_transfer_days)


def lifecycle(s: State, day: int) -> None:
    """Planned locations open after their lead time; closing locations drain; ending contracts
    are renewed, or the location closes (replaced by a new site while still needed) and its
    residents move (`model.relocation.end_contracts`). Opening, closing when empty, contract ends
    and renewals are the locations' own (`s.actors.locations`)."""
    L, locations = s.locs, s.actors.locations
    locations.open_planned(L, day)
    drain_closing(s, day)
    ending = locations.contracts_ending(L, day)
    if len(ending) == 0:
        return
    life = L.life[ending]
    close_locations(s, ending[life == _CLOSING], day)   # a closing location whose contract runs out
    end_contracts(s, ending[life == _OPEN], day)


def drain_closing(s: State, day: int) -> None:
    """Scale-down: closing locations take nobody new. Under the standard policy COA moves their
    residents out (costliest locations first, within a daily budget); under `min_moves` they
    empty as residents leave the chain. An empty closing location closes (or returns to reserve)."""
    L = s.locs
    closing = np.flatnonzero(L.life == _CLOSING)
    if len(closing) == 0:
        return
    emptied = s.actors.locations.close_when_empty(L, closing, s.closing_to_reserve).tolist()
    s.closing_to_reserve.difference_update(emptied)
    s.consolidating.difference_update(emptied)
    busy = closing[L.occupancy[closing] > 0]
    budget = s.params.plan.closing_moves_per_day
    if len(busy) == 0 or budget < 1 or s.params.placement.policy == "min_moves":
        return
    h = s.people.cols
    residents = s.residents_of(busy)
    cost = L.cost_person_night[h["location"][residents]]
    residents = residents[np.argsort(-cost, kind="stable")]
    take = residents[np.cumsum(h["size"][residents]) <= budget]
    balancing = np.isin(h["location"][take], list(s.closing_to_reserve | s.consolidating))
    find_beds(s, take[balancing], day, Reason.CAPACITY_BALANCING)    # reserve released, consolidation
    find_beds(s, take[~balancing], day, Reason.LOCATION_CLOSING)

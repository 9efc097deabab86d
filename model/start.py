"""How a run starts: `new_state(world, seed)` makes a fresh `State` with the initial population in
place on day 0 (permit holders, people in procedure and people at registration), using the same
rules the days use (`model.rulebook`)."""

from __future__ import annotations

import copy

import numpy as np

from agents.applicants import Applicants, Flag, Stage, Track
from agents.keyed import SALT_APPEAL, keyed_uniform
from agents.moves import MoveLog
from agents.queues import FifoQueue
from model import rulebook
from model.params import RunParams
from model.inflow import draw_households, mean_household_size
from model.state import State, assign_track, draw_group, pact_day
from model.world import World


def new_state(world: World, seed: int | None = None) -> State:
    """A fresh run on `world` with the initial population in place (before day 0)."""
    sc = copy.deepcopy(world.scenario)   # the run's own (the rules never change it: they change s.params)
    seq = np.random.SeedSequence(sc.seed if seed is None else seed)
    *streams, answers = seq.spawn(4)     # a child does not depend on how many are spawned
    s_init = np.random.default_rng(streams[0])
    arrivals_key, homes_key = (int(x.generate_state(1, np.uint64)[0]) for x in streams[1:])
    locs = world.fresh_locations()
    s = State(sc=sc, params=RunParams.of(sc), world=world, people=Applicants(), locs=locs,
              munis=world.fresh_municipalities(), log=MoveLog(locations=locs, distance_km=world.network.distance_km),
              arrivals_key=arrivals_key, homes_key=homes_key, seed=sc.seed if seed is None else seed,
              managed=np.ones(locs.n, bool), answer_key=int(answers.generate_state(1, np.uint64)[0]))
    for e in sc.events:
        s.scheduled.setdefault((e.date - sc.start_date).days, []).append(e)
    _seed_population(s, s_init)
    return s


def _add_stock(s: State, rng: np.random.Generator) -> np.ndarray:
    """Draw the households of the initial stock (exactly `initial.entitled_persons` persons, all
    in procedure, without a bed) and add them; returns their ids. Its temporaries end with it."""
    ini, f = s.sc.initial, s.params.inflow
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
    ini = s.sc.initial
    if ini.entitled_persons == 0:
        rulebook.start_half_year(s, 0)
        return
    ids = _add_stock(s, rng)
    k = len(ids)
    # the newest arrivals are still at the registration location, in screening
    back = np.cumsum(s.people.cols["size"][ids[::-1]])
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
    recent = -rng.integers(0, s.params.chain.screening_days, size=len(central))
    s.people.backdate(central, recent)
    rulebook.settle_in_central(s, central, 0)
    s.screening_done.schedule(central, recent + s.params.chain.screening_days)
    s.people.set_track(permit, assign_track(s, permit))
    s.people.set_stage(permit, Stage.PERMIT, 0)
    decided = proc[:0]
    if ini.procedure_persons is not None:
        proc, decided = _waiting_and_decided(s, proc, ini.procedure_persons)
        _refused(s, decided, rng)
    rulebook.enter_procedure(s, proc, 0)
    _dublin_within_time_limits(s, proc)
    _accelerated_past_its_time(s, proc)
    if len(decided):
        proc = np.concatenate([proc, decided])
    s.needs_bed.push(rulebook.find_beds(s, np.concatenate([permit, proc]), 0, reason=0))
    rulebook.join_linking_line(s, permit)
    rulebook.start_half_year(s, 0)


def _waiting_and_decided(s: State, proc: np.ndarray, waiting_persons: int) -> tuple[np.ndarray, np.ndarray]:
    """`proc` (the initial stock in procedure, oldest arrival first) split into those still waiting
    for the IND — the most recent arrivals, as many households as fit in `waiting_persons`
    persons (as the registration location's share is taken) — and the older ones, decided before
    the start."""
    back = np.cumsum(s.people.cols["size"][proc[::-1]])
    n_wait = int(np.searchsorted(back, waiting_persons, side="right"))
    cut = len(proc) - n_wait
    return proc[cut:], proc[:cut]


def _dublin_within_time_limits(s: State, ids: np.ndarray) -> None:
    """The Dublin claimants among the initial stock in procedure (`ids`, oldest arrival first), as the
    IND's Dublin unit works: it determines the responsible member state within the time limits (seed
    002: "goed voorbereid op het binnen de termijnen vaststellen van de verantwoordelijke lidstaat").
    Their claim went out at the end of screening, the other member state answers `dublin_reply_days`
    later, and a transfer must follow within `dublin_final_transfer_days` of the acceptance. So a
    household that arrived longer ago than screening, answer and final transfer date together is past
    its final transfer date: the Netherlands is responsible and it waits in the regular IND line, in its
    order of arrival among the stock. The others have their claim out: the answer comes on its day (on
    day 1 when that day has passed; the Dublin chain goes on from there, `rulebook.dublin_steps`).
    (Before, every one of them waited in the Dublin line for a claim to be sent, up to two years after
    arrival: in `baseline` 5,886 persons, a Dublin decision time of 674 days over the run.)"""
    h = s.people.cols
    dublin = ids[(h["track"][ids] == Track.DUBLIN) & (h["stage"][ids] == Stage.PROCEDURE)]
    if len(dublin) == 0:
        return
    ch = s.params.chain
    answer = h["arrival_day"][dublin].astype(np.int64) + ch.screening_days + ch.dublin_reply_days
    expired = answer + ch.dublin_final_transfer_days <= 0
    late, claimed = dublin[expired], dublin[~expired]
    s.procedure_persons[Track.DUBLIN] -= s.people.persons_in(dublin)   # (their Dublin line entries go stale)
    s.people.set_stage(claimed, Stage.DUBLIN, 0)
    s.dublin_reply.schedule(claimed, np.maximum(answer[~expired], 1))
    _to_regular_line(s, late)


def _to_regular_line(s: State, ids: np.ndarray) -> None:
    """Households of the stock in procedure (`ids`) whose case is handled in the regular procedure:
    they join the regular lines, which hold only the stock so far, in the order of arrival (under a
    Pact that started before the run, the cases filed since in its own line, as `rulebook._push_ind`)."""
    if len(ids) == 0:
        return
    h = s.people.cols
    s.people.set_track(ids, Track.REGULAR)
    s.procedure_persons[Track.REGULAR] += s.people.persons_in(ids)
    stock = np.concatenate([s.ind[Track.REGULAR].peek(), s.ind_new[Track.REGULAR].peek(), ids])
    stock = stock[np.lexsort((stock, h["arrival_day"][stock]))]
    new = np.zeros(len(stock), bool) if s.sc.pact is None else h["arrival_day"][stock] >= pact_day(s.sc)
    s.ind[Track.REGULAR], s.ind_new[Track.REGULAR] = FifoQueue(), FifoQueue()
    s.ind[Track.REGULAR].push(stock[~new])
    s.ind_new[Track.REGULAR].push(stock[new])


def _accelerated_past_its_time(s: State, ids: np.ndarray) -> None:
    """The accelerated-track households among the initial stock in procedure (`ids`), as the
    accelerated procedure works: the IND decides within its administrative phase,
    `chain.accelerated_procedure_days` (28) after screening (seed 002, national strategy: "een
    administratieve fase van maximaal 28 dagen. In die fase doorloopt de vreemdeling een versnelde
    asielprocedure"). A household that arrived longer ago than screening and that phase together and
    still waits for its first decision was not decided in the accelerated procedure: its case is
    handled in the regular procedure, as the model does with a border case past its deadline
    (`rulebook.border_deadlines`), and it waits in the regular line in its order of arrival. The
    younger ones wait in the accelerated line, in their order.

    Why not decided and refused before the start, as `_refused` places the older stock when
    `initial.procedure_persons` is set: the stock is the persons in reception on the start date, and
    refused ones leave within an appeal and a departure period. Placed so, baseline's ~8,900 such
    persons left within about two months (its population 70,084 on day 0, 62,077 on day 60, and the
    plan's phase 1 never came on), where COA's whole outflow of asylum seekers who were not permit
    holders was 14,060 in all of 2024 (coa_capacity_and_targets.csv, row 17). (Before 6 December 2026
    they waited in the accelerated line as if just arrived, up to two years after arrival, for ~600
    days of its 15 decisions a day.) The stock holds no border case: none of its households applied
    at the border (`Flag.AT_BORDER`)."""
    h = s.people.cols
    ch = s.params.chain
    accelerated = ids[(h["track"][ids] == Track.ACCELERATED) & (h["stage"][ids] == Stage.PROCEDURE)]
    due = h["arrival_day"][accelerated].astype(np.int64) + ch.screening_days + ch.accelerated_procedure_days
    late = accelerated[due < 0]
    if len(late) == 0:
        return
    s.procedure_persons[Track.ACCELERATED] -= s.people.persons_in(late)
    _to_regular_line(s, late)
    for lines in (s.ind, s.ind_new):           # the accelerated lines keep those still on the track, in order
        waiting = lines[Track.ACCELERATED].peek()
        lines[Track.ACCELERATED] = FifoQueue()
        lines[Track.ACCELERATED].push(waiting[h["track"][waiting] == Track.ACCELERATED])


def _refused(s: State, ids: np.ndarray, rng: np.random.Generator) -> None:
    """Households of the initial stock decided before the start and still in reception (the permit
    holders are drawn apart): refused on the regular track, they appeal with the chain's appeal
    share (their keyed draw, as `rulebook.decide`) and the court rules at a uniform point of the
    appeal time, or they are in the departure period, at a uniform point of it."""
    if len(ids) == 0:
        return
    ch = s.params.chain
    appeal = keyed_uniform(s.people.cols["key"][ids], SALT_APPEAL) < ch.appeal_share["regular"]
    appealed, final = ids[appeal], ids[~appeal]
    s.people.set_stage(appealed, Stage.APPEAL, 0)
    s.appeal_due.schedule(appealed, rng.integers(1, ch.appeal_days["regular"] + 1, size=len(appealed)))
    s.people.set_stage(final, Stage.REJECTED, 0)
    s.departure_due.schedule(final, rng.integers(1, ch.departure_period_days + 1, size=len(final)))

"""Waiting lines served within a daily capacity (registration, the IND tracks, the vulnerability
assessment), and capacity that follows the work when several lines share one server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from agents.applicants import Flag
from agents.queues import FifoQueue
from model.state import State

_EMPTY = np.empty(0, np.int64)     # what an empty line serves (shared: an empty array cannot change)


def serve(s: State, queue, name: str, per_day: float, valid) -> np.ndarray:
    """Take households from the head of `queue` while their persons fit in today's capacity.

    Stale entries (`valid` false) are dropped on the way. Capacity left over because the next
    household did not fit carries to tomorrow; capacity left over for lack of work does not.
    """
    return _serve(s, queue, name, s.capacity_today(name, per_day), valid, count=False)[0]


# A window of at most this many households is walked in Python (its sizes read with one
# `tolist`) instead of summed and searched in arrays: fewer NumPy operations and no slower
_WALK = 64


def _serve(s: State, queue, name: str, cap: float, valid, count: bool = True) -> tuple[np.ndarray, int]:
    """`serve` with today's capacity `cap` given; returns the households served and their persons
    (without `count`, the persons only when some are left waiting: 0 when the line is emptied)."""
    if len(queue) == 0:                 # nothing waiting: no array work
        s.carry[name] = 0.0
        return _EMPTY, 0
    window = queue.peek(max(int(cap), 0) + 1)
    ok = valid(window)
    while not ok.all():             # drop the stale entries; the entries the window now reaches are checked too
        queue.keep_head(len(window), ok)
        window = queue.peek(max(int(cap), 0) + 1)
        if len(window) == 0:
            s.carry[name] = 0.0
            return _EMPTY, 0
        ok = valid(window)
    if len(window) <= _WALK:           # the persons served: a walk along the (few) sizes
        n = persons = 0
        for size in s.people.cols["size"][window].tolist():
            if persons + size > cap:
                break
            persons += size
            n += 1  # noqa: SIM113 (the households served: counted only while they fit)
    else:
        cum = s.people.cols["size"][window].cumsum()
        n = int(cum.searchsorted(cap, side="right"))
        persons = int(cum[n - 1]) if n and (count or n < len(queue)) else 0
    served = window if n == len(window) else window[:n]   # (a queue never writes what it dropped: no copy)
    queue.drop(n)
    s.carry[name] = cap - persons if len(queue) > 0 else 0.0
    return served, persons


def serve_priority(s: State, queue, name: str, per_day: float, valid, lookahead: int = 5) -> np.ndarray:
    """Like `serve`, but within the first `lookahead` days' worth of the line, households with
    minors, unaccompanied minors and people with special needs are served first."""
    cap = s.capacity_today(name, per_day)
    window = queue.peek(int(lookahead * max(cap, 1)) + 1).copy()
    ok = valid(window)
    if not ok.all():
        queue.keep_head(len(window), ok)
        window = window[ok]
    h = s.people.cols
    prio = (h["children"][window] > 0) | ((h["flags"][window] & (Flag.VULNERABLE | Flag.UNACCOMPANIED_MINOR)) > 0)
    order = np.concatenate([np.flatnonzero(prio), np.flatnonzero(~prio)])
    sizes = h["size"][window[order]]
    n = int(np.searchsorted(np.cumsum(sizes), cap, side="right"))
    served = np.zeros(len(window), bool)
    served[order[:n]] = True
    queue.keep_head(len(window), ~served)
    s.carry[name] = cap - int(sizes[:n].sum()) if len(queue) > 0 else 0.0
    return window[served]


@dataclass
class Line:
    """A waiting line with its own share of a server's daily capacity."""

    queue: FifoQueue
    name: str                          # key of its carried capacity in `State.carry`
    per_day: float                     # its own capacity today, persons
    valid: Callable[[np.ndarray], np.ndarray]
    priority: bool = False             # households with minors or special needs first
    lookahead: int = 30                # for `priority`: days' worth of the line looked through


def serve_lines(s: State, lines: Sequence[Line], spill: float = 1.0) -> tuple[list[np.ndarray], float]:
    """Serve each line at its own capacity; then the capacity a line leaves idle (nobody left
    waiting in it) goes to the lines that still have work, in order, the same day: no line waits
    while another line's capacity is idle. Returns what each line served and `spill` × the
    capacity still idle, for the caller to pass on (`pass_on`)."""
    served: list[list[np.ndarray]] = [[] for _ in lines]
    idle = 0.0
    for i, line in enumerate(lines):
        idle += _serve_one(s, line, line.per_day, served[i])
    idle = pass_on(s, lines, served, idle)
    return [joined(parts) for parts in served], spill * idle


def pass_on(s: State, lines: Sequence[Line], served: list[list[np.ndarray]], pool: float) -> float:
    """Give `pool` persons of capacity to the lines that still have work, in order, appending what
    each serves to `served`; the first line that cannot finish keeps the rest (it carries to
    tomorrow with that line). Returns the capacity still idle."""
    for i, line in enumerate(lines):
        if pool <= 0:
            break
        if len(line.queue):
            pool = _serve_one(s, line, pool, served[i])
    return pool


def _serve_one(s: State, line: Line, per_day: float, out: list[np.ndarray]) -> float:
    """Serve one line with `per_day` more capacity (plus what it carries); returns the capacity it
    leaves idle: all that is unused when its queue is now empty, else 0 (the rest carries)."""
    cap = s.capacity_today(line.name, per_day)
    if line.priority:
        ids = serve_priority(s, line.queue, line.name, per_day, line.valid, line.lookahead)
        persons = s.people.persons_in(ids) if len(line.queue) == 0 else 0
    else:
        ids, persons = _serve(s, line.queue, line.name, cap, line.valid)
    out.append(ids)
    return cap - persons if len(line.queue) == 0 else 0.0


def joined(parts: list[np.ndarray]) -> np.ndarray:
    """The household ids of `parts` one after another: the one part itself when there is one (no
    copy), an empty int64 array when there is none."""
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


def ramp_factor(points: Sequence, start: dt.date, day: int) -> float:
    """Factor of a dated ramp (`model.scenario.RampPoint`s) on run day `day`: linear between
    points, flat before the first and after the last; 1 without points."""
    at, factor = None, 1.0
    for p in points:            # (the arithmetic of `np.interp`, on Python floats: the same numbers)
        x = (p.date - start).days
        if day < x:
            if at is None:
                return float(p.factor)
            return (p.factor - factor) / (x - at) * (day - at) + factor
        at, factor = x, float(p.factor)
    return factor

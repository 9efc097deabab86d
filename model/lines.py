"""Waiting lines served within a daily capacity (registration, the IND tracks)."""

from __future__ import annotations

import numpy as np

from agents.applicants import Flag
from model.state import State


def serve(s: State, queue, name: str, per_day: float, valid) -> np.ndarray:
    """Take households from the head of `queue` while their persons fit in today's capacity.

    Stale entries (`valid` false) are dropped on the way. Capacity left over because the next
    household did not fit carries to tomorrow; capacity left over for lack of work does not.
    """
    cap = s.capacity_today(name, per_day)
    window = queue.peek(max(int(cap), 0) + 1)
    if len(window) == 0:
        s.carry[name] = 0.0
        return window
    ok = valid(window)
    if not ok.all():
        queue.keep_head(len(window), ok)
        window = queue.peek(max(int(cap), 0) + 1)
    cum = s.people._h["size"][window].cumsum()
    n = int(cum.searchsorted(cap, side="right"))
    served = window[:n].copy()
    queue.drop(n)
    used = int(cum[n - 1]) if n else 0
    s.carry[name] = cap - used if len(queue) > 0 else 0.0
    return served


def serve_priority(s: State, queue, name: str, per_day: float, valid, lookahead: int = 5) -> np.ndarray:
    """Like `serve`, but within the first `lookahead` days' worth of the line, households with
    minors, unaccompanied minors and people with special needs are served first."""
    cap = s.capacity_today(name, per_day)
    window = queue.peek(int(lookahead * max(cap, 1)) + 1).copy()
    ok = valid(window)
    if not ok.all():
        queue.keep_head(len(window), ok)
        window = window[ok]
    h = s.people._h
    prio = (h["children"][window] > 0) | ((h["flags"][window] & (Flag.VULNERABLE | Flag.UNACCOMPANIED_MINOR)) > 0)
    order = np.concatenate([np.flatnonzero(prio), np.flatnonzero(~prio)])
    sizes = h["size"][window[order]]
    n = int(np.searchsorted(np.cumsum(sizes), cap, side="right"))
    served = np.zeros(len(window), bool)
    served[order[:n]] = True
    queue.keep_head(len(window), ~served)
    s.carry[name] = cap - int(sizes[:n].sum()) if len(queue) > 0 else 0.0
    return window[served]

"""Waiting lines served within a day's capacity (model.lines), worked out by hand on small lines:
the walk along a few households' sizes and the arrays' search serve alike."""

from __future__ import annotations

import numpy as np
import pytest

from agents.applicants import Stage, Track
from agents.queues import FifoQueue
from model import lines
from model.lines import Line, serve, serve_lines
from model.simulate import prepare


def _households(s, sizes):
    n = len(sizes)
    return s.people.add(size=np.array(sizes), children=np.zeros(n, np.int64), key=np.arange(n, dtype=np.uint64),
                        group=np.zeros(n), track=np.full(n, Track.REGULAR), flags=np.zeros(n, np.uint8),
                        stage=Stage.WAITING, day=0)


def _line(ids) -> FifoQueue:
    q = FifoQueue()
    q.push(ids)
    return q


@pytest.mark.parametrize("walk", [64, 0])        # a few households walked in Python; or searched in arrays
def test_serve_takes_households_while_their_persons_fit_and_carries_the_rest(monkeypatch, walk):
    monkeypatch.setattr(lines, "_WALK", walk)
    s = prepare("baseline", days=5)
    ids = _households(s, [2, 3, 1, 4, 2])
    every = lambda w: np.ones(len(w), bool)    # noqa: E731
    q = _line(ids)
    # 7 persons: 2 + 3 + 1 = 6 fit, the 4 does not; 1 person carries to tomorrow
    assert serve(s, q, "t", 7, every).tolist() == ids[:3].tolist()
    assert s.carry["t"] == 1 and q.peek().tolist() == ids[3:].tolist()
    # tomorrow 5 + 1: 4 + 2 = 6, the line is empty: nothing carries
    assert serve(s, q, "t", 5, every).tolist() == ids[3:].tolist()
    assert s.carry["t"] == 0 and len(q) == 0
    # an empty line serves nothing, carries nothing
    assert len(serve(s, q, "t", 5, every)) == 0 and s.carry["t"] == 0
    # capacity below the first household: none served, all of it carries
    q = _line(ids)
    assert len(serve(s, q, "u", 1.5, every)) == 0 and s.carry["u"] == 1.5
    # a stale entry (the 3) is dropped on the way: 2 + 1 + 4 = 7
    q = _line(ids)
    stale = lambda w: w != ids[1]              # noqa: E731
    assert serve(s, q, "v", 7, stale).tolist() == [ids[0], ids[2], ids[3]]
    assert q.peek().tolist() == [ids[4]] and s.carry["v"] == 0
    # every entry stale: the line empties, nothing carries
    q = _line(ids)
    assert len(serve(s, q, "w", 3, lambda w: np.zeros(len(w), bool))) == 0 and len(q) == 0 and s.carry["w"] == 0


@pytest.mark.parametrize("walk", [64, 0])
def test_capacity_a_line_leaves_idle_goes_to_the_next_line_with_work(monkeypatch, walk):
    monkeypatch.setattr(lines, "_WALK", walk)
    s = prepare("baseline", days=5)
    every = lambda w: np.ones(len(w), bool)    # noqa: E731
    short = _households(s, [1, 2])             # 3 persons, 10 of capacity: 7 idle
    long = _households(s, [1] * 20)            # 20 persons, 5 of capacity
    a, b = Line(_line(short), "a", 10, every), Line(_line(long), "b", 5, every)
    served, idle = serve_lines(s, [a, b], spill=0.5)
    assert served[0].tolist() == short.tolist()
    assert served[1].tolist() == long[:12].tolist()            # its own 5, then the 7 left idle
    assert idle == 0 and s.carry["b"] == 0 and len(b.queue) == 8
    # both lines finish: what is still idle comes back, times the spill
    c = Line(_line(_households(s, [2])), "c", 4, every)
    d = Line(_line(_households(s, [1, 1])), "d", 3, every)
    served, idle = serve_lines(s, [c, d], spill=0.5)
    assert [len(x) for x in served] == [1, 2] and idle == 0.5 * (2 + 1)

import copy

import numpy as np
import pytest

from agents import applicants
from agents.applicants import Applicants, Stage, Track


def _add(p, sizes, children, stage=Stage.WAITING, day=0):
    k = len(sizes)
    return p.add(size=np.array(sizes), children=np.array(children), key=np.arange(k, dtype=np.uint64),
                 group=np.zeros(k), track=np.full(k, Track.REGULAR), flags=np.zeros(k, np.uint8),
                 stage=stage, day=day)


def test_households_occupy_contiguous_person_rows_with_minors_last():
    p = Applicants(capacity_households=1)  # forces growth
    ids = _add(p, [1, 3, 2], [0, 2, 1])
    assert list(ids) == [0, 1, 2]
    assert p.n_persons == 6
    assert list(p.household) == [0, 1, 1, 1, 2, 2]
    assert list(p.minor) == [False, False, True, True, False, True]
    assert list(p.members(np.array([2, 0]))) == [4, 5, 0]


def test_stage_counts_follow_every_change():
    p = Applicants()
    ids = _add(p, [1, 3, 2], [0, 0, 0])
    assert p.stage_persons[Stage.WAITING] == 6
    assert p.set_stage(ids[1:], Stage.PROCEDURE, day=4) == 5        # persons moved: 3 + 2
    assert p.set_stage(ids[2:], Stage.HOUSED, day=9) == 2
    assert p.set_stage(ids[:0], Stage.HOUSED, day=9) == 0
    assert p.stage_persons[Stage.WAITING] == 1
    assert p.stage_persons[Stage.PROCEDURE] == 3
    assert p.stage_persons[Stage.HOUSED] == 2
    assert p.entitled() == 4
    assert list(p.stage_day) == [0, 4, 9]


@pytest.mark.parametrize("few", [48, 0])     # counted in Python ints; or with NumPy
def test_households_change_to_stages_of_their_own_in_one_pass(monkeypatch, few):
    monkeypatch.setattr(applicants, "_FEW", few)
    p = Applicants()
    ids = _add(p, [1, 3, 2, 4], [0, 0, 0, 0], stage=Stage.PROCEDURE)
    p.set_stage(ids[3:], Stage.APPEAL, day=2)
    into = p.set_stages(ids, np.array([Stage.PERMIT, Stage.REJECTED, Stage.PERMIT, Stage.REJECTED], np.int8), day=5)
    assert into[Stage.PERMIT] == 3 and into[Stage.REJECTED] == 7 and sum(into) == 10   # 1 + 2; 3 + 4
    assert p.stage_persons[Stage.PROCEDURE] == 0 and p.stage_persons[Stage.APPEAL] == 0
    assert p.stage_persons[Stage.PERMIT] == 3 and p.stage_persons[Stage.REJECTED] == 7
    assert list(p.stage) == [Stage.PERMIT, Stage.REJECTED, Stage.PERMIT, Stage.REJECTED]
    assert list(p.stage_day) == [5, 5, 5, 5]
    assert p.set_stages(ids[:0], np.array([], np.int8), day=6) == [0] * len(Stage)


def test_state_per_person_is_under_100_bytes():
    p = Applicants()
    _add(p, np.full(50_000, 2), np.zeros(50_000))
    assert p.nbytes() / p.n_persons < 100


def test_column_views_follow_added_households_and_stay_out_of_the_state():
    p = Applicants(capacity_households=2)
    _add(p, [1, 3], [0, 1])
    size = p.cols["size"]
    assert p.cols["size"] is size and not size.flags.writeable     # made once, read-only
    p.set_stage(np.array([1]), Stage.PROCEDURE, day=3)
    assert list(p.cols["stage"]) == [Stage.WAITING, Stage.PROCEDURE]   # writes show through
    _add(p, [2, 2, 2], [0, 0, 0])                                   # grows the storage
    assert list(p.cols["size"]) == [1, 3, 2, 2, 2] and list(p.cols["children"]) == [0, 1, 0, 0, 0]
    assert "_views" not in p.__getstate__()                         # a snapshot never stores them
    q = copy.deepcopy(p)                                            # through __getstate__/__setstate__
    q.set_stage(np.array([0]), Stage.SCREENING, day=4)
    assert list(q.cols["stage"][:2]) == [Stage.SCREENING, Stage.PROCEDURE]   # its own views of its own columns
    assert list(p.cols["stage"][:2]) == [Stage.WAITING, Stage.PROCEDURE]


def test_stage_counts_of_many_households_as_of_a_few_and_read_only():
    """`set_stage` counts up to `_FEW` households in Python ints and more with NumPy: the same
    counts. Worked by hand: 40 households of 2 waiting and 20 of 1 in screening; all 60 go to the
    procedure (over `_FEW`), then 3 of them (one of 2, two of 1) to a permit."""
    from agents import applicants
    assert 3 <= applicants._FEW < 60
    p = Applicants()
    waiting = _add(p, [2] * 40, [0] * 40)
    screening = _add(p, [1] * 20, [0] * 20, stage=Stage.SCREENING)
    before = p.stage_persons
    assert before.tolist()[:3] == [80, 20, 0] and not before.flags.writeable
    assert p.set_stage(np.concatenate([waiting, screening]), Stage.PROCEDURE, day=3) == 100
    assert p.stage_persons.tolist()[:3] == [0, 0, 100] and before.tolist()[:3] == [80, 20, 0]
    assert p.set_stage(np.array([0, 40, 41]), Stage.PERMIT, day=5) == 4
    assert p.stage_persons.tolist() == [0, 0, 96, 0, 4, 0, 0, 0, 0, 0]
    assert p.entitled() == 100 and p.stage_persons is p.stage_persons   # made once until a change


def test_stage_changes_from_a_known_stage_count_as_when_read():
    """With `old` (the stage all of them are in, known to the caller) `set_stage` and `set_stages`
    count as when they read the stages: a few households (Python ints) and many (NumPy)."""
    from agents import applicants
    for k in (3, applicants._FEW + 1):
        sizes = [1 + i % 3 for i in range(k)]
        read, told = Applicants(), Applicants()
        for p in (read, told):
            _add(p, [2], [0])                                   # one that stays waiting
            _add(p, sizes, [0] * k, stage=Stage.PROCEDURE)
        ids = np.arange(1, k + 1)
        assert read.set_stage(ids[:2], Stage.DUBLIN, day=3) == told.set_stage(ids[:2], Stage.DUBLIN, day=3,
                                                                              old=Stage.PROCEDURE)
        rest = ids[2:]
        stages = np.where(rest % 2 == 0, Stage.PERMIT, Stage.REJECTED).astype(np.int8)
        assert read.set_stages(rest, stages, day=4) == told.set_stages(rest, stages, day=4, old=Stage.PROCEDURE)
        assert read.stage_persons.tolist() == told.stage_persons.tolist()
        assert read.stage_persons[Stage.PROCEDURE] == 0 and read.stage_persons[Stage.WAITING] == 2
        assert np.array_equal(read.cols["stage"], told.cols["stage"])


def test_stage_counts_of_a_state_saved_as_an_array_are_restored():
    """A state saved when the counts were an array (`stage_persons`) is read as today's."""
    p = Applicants()
    ids = _add(p, [1, 3, 2], [0, 0, 0])
    p.set_stage(ids[1:], Stage.PROCEDURE, day=4)
    old = p.__getstate__()
    old.pop("_stage_counts"), old.pop("_stage_array")
    old["stage_persons"] = np.array([1, 0, 5, 0, 0, 0, 0, 0, 0, 0], np.int64)
    q = Applicants.__new__(Applicants)
    q.__setstate__(old)
    assert q.stage_persons.tolist()[:3] == [1, 0, 5] and q.entitled() == 6
    q.set_stage(ids[:1], Stage.HOUSED, day=5)
    assert q.stage_persons.tolist()[:3] == [0, 0, 5] and q.stage_persons[Stage.HOUSED] == 1

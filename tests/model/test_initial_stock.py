"""The initial stock's stages (`initial.procedure_persons`), worked out by hand on small cases: only
the most recent arrivals wait for the IND; the older rest of the stock in procedure has been
refused and is in appeal or in the departure period, at a uniform point of it; without the key
everyone in procedure waits, as before."""

import numpy as np

from agents.applicants import Stage, Track
from agents.keyed import SALT_APPEAL, keyed_uniform
from model.scenario import validate_scenario
from model.simulate import prepare
from model.start import _refused, _waiting_and_decided
from tests.model.test_rules import _add, small


def test_the_most_recent_arrivals_wait_as_many_as_fit():
    s = prepare(small(), days=5)
    ids = _add(s, [3, 1, 2, 4, 1], stage=Stage.PROCEDURE)      # oldest arrival first
    # from the youngest: 1, then 4 (5 persons), then 2 (7): 5 persons fit the two youngest households
    waiting, decided = _waiting_and_decided(s, ids, 5)
    assert waiting.tolist() == ids[3:].tolist() and decided.tolist() == ids[:3].tolist()
    # 4 persons: the 4-person household does not fit, only the youngest waits
    waiting, decided = _waiting_and_decided(s, ids, 4)
    assert waiting.tolist() == ids[4:].tolist() and decided.tolist() == ids[:4].tolist()
    assert len(_waiting_and_decided(s, ids, 0)[0]) == 0
    assert _waiting_and_decided(s, ids, 100)[0].tolist() == ids.tolist()


def test_the_refused_appeal_by_their_keyed_draw_and_leave_within_the_appeal_or_departure_time():
    s = prepare(small(), days=300)
    ids = _add(s, [1] * 200, stage=Stage.PROCEDURE)
    _refused(s, ids, np.random.default_rng(1))
    ch = s.params.chain
    appeal = keyed_uniform(s.people.cols["key"][ids], SALT_APPEAL) < ch.appeal_share["regular"]
    stage = s.people.cols["stage"][ids]
    assert (stage[appeal] == Stage.APPEAL).all() and (stage[~appeal] == Stage.REJECTED).all()
    assert 0 < appeal.sum() < len(ids)
    rejected, appealed = ids[~appeal], ids[appeal]
    # the departure period (28 days) ends within it: days 1-28, spread over it
    due = {d: s.departure_due.pop(d) for d in range(0, ch.departure_period_days + 2)}
    when = {int(i): d for d, got in due.items() for i in got}
    assert set(when) == set(rejected.tolist())
    assert min(when.values()) >= 1 and max(when.values()) <= ch.departure_period_days
    assert len(set(when.values())) > 10
    # the court rules within the appeal time (days 1 to appeal_days)
    rulings = {d: s.appeal_due.pop(d) for d in range(0, ch.appeal_days["regular"] + 2)}
    when = {int(i): d for d, got in rulings.items() for i in got}
    assert set(when) == set(appealed.tolist())
    assert min(when.values()) >= 1 and max(when.values()) <= ch.appeal_days["regular"]


def stages(s):
    n = s.people.n
    stg, size = s.people.cols["stage"][:n], s.people.cols["size"][:n]
    return {Stage(k).name: int(size[stg == k].sum()) for k in np.unique(stg)}, stg, s.people.cols["arrival_day"][:n]


def test_a_stock_with_a_queue_keeps_only_the_queue_in_procedure():
    sc = small()
    sc.initial.entitled_persons, sc.initial.at_registration_persons = 40, 0
    sc.initial.permit_holder_share = 0.0
    sc.portfolio.places["regular"] = 100
    before = stages(prepare(validate_scenario(sc), seed=3, days=5))[0]
    assert before == {"PROCEDURE": 40}                  # without the key: all of it waits (the model before)
    sc.initial.procedure_persons = 10
    got, stg, arrival = stages(prepare(validate_scenario(sc), seed=3, days=5))
    # the youngest households up to 10 persons wait; households hold 1-5 persons
    assert 10 - 5 < got["PROCEDURE"] <= 10
    assert got["PROCEDURE"] + got.get("APPEAL", 0) + got.get("REJECTED", 0) == 40
    assert arrival[stg == Stage.PROCEDURE].min() >= arrival[stg != Stage.PROCEDURE].max()
    s = prepare(validate_scenario(sc), seed=3, days=5)
    assert s.procedure_persons.sum() == got["PROCEDURE"]   # the IND's lines hold only the queue


def dublin_stock(seed=3, **initial):
    """A small world whose stock in procedure (200 persons, arrived over two years) are all Dublin
    claimants."""
    sc = small(dublin_share=1.0)
    sc.initial.entitled_persons, sc.initial.at_registration_persons = 200, 0
    sc.initial.permit_holder_share = 0.0
    sc.portfolio.places["regular"] = 400
    for k, v in initial.items():
        setattr(sc.initial, k, v)
    return validate_scenario(sc)


def test_the_stock_s_dublin_claims_went_out_within_the_time_limits():
    """The IND's Dublin unit determines the responsible member state within the time limits (seed
    002): nobody of the initial stock waits for a Dublin claim to be sent. Those past their final
    transfer date are the Netherlands' (the regular line, in their order of arrival); the others
    have their claim out and get the answer on its day, on day 1 when it has passed."""
    s = prepare(dublin_stock(), seed=3, days=5)
    ch = s.params.chain
    n = s.people.n
    h = s.people.cols
    stage, track, arrival = h["stage"][:n], h["track"][:n], h["arrival_day"][:n].astype(int)
    assert not ((stage == Stage.PROCEDURE) & (track == Track.DUBLIN)).any()
    assert s.procedure_persons[Track.DUBLIN] == 0
    answer = arrival + ch.screening_days + ch.dublin_reply_days
    past = answer + ch.dublin_final_transfer_days <= 0
    assert 0 < past.sum() < n                                   # both kinds in a stock of two years
    assert ((stage[past] == Stage.PROCEDURE) & (track[past] == Track.REGULAR)).all()
    assert s.procedure_persons[Track.REGULAR] == int(h["size"][:n][past].sum())
    line = s.ind[Track.REGULAR].peek()
    assert sorted(line.tolist()) == np.flatnonzero(past).tolist()
    assert (np.diff(arrival[line]) >= 0).all()                  # oldest first
    claimed = np.flatnonzero(~past)
    assert (stage[claimed] == Stage.DUBLIN).all()
    due = {int(i): d for d in range(0, ch.screening_days + ch.dublin_reply_days + 2)
           for i in s.dublin_reply.pop(d)}
    assert due == {int(i): max(int(answer[i]), 1) for i in claimed}


def test_a_run_sends_no_dublin_claim_of_the_stock_late():
    """What a planner reads: the Dublin decision time (arrival to the transfer decision) of a run that
    starts with a stock stays within the chain's own times (screening, the answer, the transfer
    decision), not the two years over which the stock arrived."""
    from model.simulate import simulate
    sc = dublin_stock()
    res = simulate(sc, seed=3, days=120)
    ch = sc.chain
    longest = ch.screening_days + ch.dublin_reply_days + ch.dublin_final_transfer_days + ch.dublin_decision_days
    waits = res.daily["decision_days_p90_dublin"].values
    assert np.isfinite(waits).any()
    assert np.nanmax(waits) <= longest


def accelerated_stock(seed=3, **initial):
    """A small world whose stock in procedure (200 persons, arrived over the 120 days before the start)
    are all on the accelerated track (every group at or below the accelerated recognition line)."""
    sc = small(accelerated_recognition_max=1.0, dublin_share=0.0)
    sc.initial.entitled_persons, sc.initial.at_registration_persons = 200, 0
    sc.initial.permit_holder_share, sc.initial.stock_age_days = 0.0, 120
    sc.portfolio.places["regular"] = 400
    for k, v in initial.items():
        setattr(sc.initial, k, v)
    return validate_scenario(sc)


def test_the_stock_s_accelerated_cases_past_the_procedure_s_time_are_regular_cases():
    """The IND decides an accelerated case within its administrative phase of 28 days after screening
    (seed 002): a household of the stock that arrived longer ago (screening 7 + 28 days: on day -36 or
    before) and still waits was not decided in it; its case is handled in the regular procedure, in the
    regular line in its order of arrival. The younger ones wait in the accelerated line, oldest first."""
    s = prepare(accelerated_stock(), seed=3, days=5)
    ch = s.params.chain
    assert (ch.screening_days, ch.accelerated_procedure_days) == (7, 28)
    n = s.people.n
    h = s.people.cols
    stage, track, arrival, size = h["stage"][:n], h["track"][:n], h["arrival_day"][:n].astype(int), h["size"][:n]
    assert (stage == Stage.PROCEDURE).all()                      # nobody decided before the start
    late = arrival <= -36
    assert 0 < late.sum() < n                                    # both kinds in a stock of 120 days
    assert (track[late] == Track.REGULAR).all() and (track[~late] == Track.ACCELERATED).all()
    assert s.procedure_persons[Track.REGULAR] == int(size[late].sum())
    assert s.procedure_persons[Track.ACCELERATED] == int(size[~late].sum())
    for t, who in ((Track.REGULAR, late), (Track.ACCELERATED, ~late)):
        line = s.ind[t].peek()
        assert sorted(line.tolist()) == np.flatnonzero(who).tolist()
        assert (np.diff(arrival[line]) >= 0).all()               # oldest first


def test_a_run_decides_no_accelerated_case_of_the_stock_late():
    """What a planner reads: the accelerated decision time of a run that starts with a stock stays within
    the procedure's own time (screening and the 28 days) and the few days the line needs, not the
    months over which the stock arrived (the older ones are decided in the regular procedure)."""
    from model.simulate import simulate
    sc = accelerated_stock()
    res = simulate(sc, seed=3, days=60)
    waits = res.daily["decision_days_p90_accelerated"].values
    assert np.isfinite(waits).any()
    assert np.nanmax(waits) <= sc.chain.screening_days + sc.chain.accelerated_procedure_days + 7

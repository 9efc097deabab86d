"""The procedure chain on single households and small lines, with expected values worked out by
hand: IND capacity that follows the work, the border procedure (who enters, its capacity and its
deadline), appeals, the Dublin chain, the vulnerability assessment and decision times."""

import datetime as dt

import numpy as np
import pytest

from agents.applicants import Flag, Stage, Track
from agents.locations import Kind
from agents.moves import move
from model import rulebook
from model.lines import ramp_factor
from model.metrics import weighted_quantile
from model.scenario import RampPoint
from model.simulate import prepare
from model.state import assign_track
from tests.model.test_rules import small

NONE = {"regular": 0.0, "accelerated": 0.0, "border": 0.0, "dublin": 0.0}


def world(days=400, pact=None, decisions=None, border_places=10, **chain):
    """Groningen and Noord-Holland (Schiphol's border location of `border_places`), empty; no
    productivity ramp; IND capacity only where `decisions` says; nobody appeals unless said."""
    chain = {"decisions_per_day": {**NONE, **(decisions or {})}, "decision_capacity_ramp": [],
             "appeal_share": dict(NONE), "public_order_risk_share": 0.0, "dublin_share": 0.0, **chain}
    sc = small(**chain)
    sc.provinces = ["Groningen", "Noord-Holland"]
    sc.portfolio.places["border"] = border_places
    sc.portfolio.mean_location_places["border"] = max(border_places, 1)
    if pact is not None:
        from model.scenario import Pact
        sc.pact = Pact(start=sc.start_date + dt.timedelta(days=pact), dublin_reception_ends_at_decision=True,
                       new_procedure_share=0.5, priority_for_minors=False)
    return prepare(sc, days=days)


def add(s, sizes, *, stage=Stage.PROCEDURE, track=Track.REGULAR, arrival=0, group=2, flags=0, children=0, key0=500):
    """Households of `sizes`; group 2 is the low-recognition group (8 %), 0 the high (85 %)."""
    k = len(sizes)
    return s.people.add(size=np.array(sizes), children=np.full(k, children),
                        key=np.arange(key0, key0 + k, dtype=np.uint64),
                        group=np.full(k, group), track=np.full(k, track), flags=np.full(k, flags, np.uint8),
                        stage=stage, day=0, arrival_day=np.full(k, arrival))


def in_line(s, ids, track=Track.REGULAR):
    """Put households in procedure into their IND line (old or new by arrival), as enter_procedure does."""
    rulebook._push_ind(s, track, ids)
    s.procedure_persons[track] += s.people.persons_in(ids)


def decided(s, ids):
    return int((s.people.stage[ids] != Stage.PROCEDURE).sum())


# --- capacity follows the work ---------------------------------------------------------------

def test_old_line_empty_new_line_gets_the_whole_rate_that_day():
    # Pact from day 0 for arrivals on day >= 0; regular rate 4 a day, half for new cases first.
    # Old line empty: new gets 2 of its own + the 2 the old line leaves idle = 4 singles decided.
    # (no capacity from other tracks: this is the Pact's own sharing)
    s = world(pact=0, decisions={"regular": 4}, idle_capacity_shift=0.0)
    new = add(s, [1] * 6, arrival=0)
    in_line(s, new)
    rulebook.decide(s, 0)
    assert decided(s, new) == 4
    assert s.procedure_persons[Track.REGULAR] == 2


def test_new_line_empty_old_line_gets_the_whole_rate_and_both_share_when_both_wait():
    s = world(pact=0, decisions={"regular": 4}, idle_capacity_shift=0.0)
    old = add(s, [1] * 6, arrival=-10)            # filed before the Pact: old procedure
    in_line(s, old)
    rulebook.decide(s, 0)
    assert decided(s, old) == 4                  # 2 own + 2 idle from the empty new line
    new = add(s, [1] * 6, arrival=1, key0=900)
    in_line(s, new)
    rulebook.decide(s, 1)
    assert decided(s, old) == 6 and decided(s, new) == 2   # 2 each
    rulebook.decide(s, 2)                        # old line empty again: new gets all 4
    assert decided(s, new) == 6


def test_a_household_that_does_not_fit_keeps_the_rest_for_tomorrow_not_lost():
    # new line: a family of 3 at the head; its share is 2 + 2 idle from the empty old line = 4:
    # the 3 are decided, the next family of 3 does not fit in the remaining 1, which carries.
    s = world(pact=0, decisions={"regular": 4}, idle_capacity_shift=0.0)
    new = add(s, [3, 3], arrival=0)
    in_line(s, new)
    rulebook.decide(s, 0)
    assert decided(s, new) == 1
    assert s.carry["ind_new_regular"] == pytest.approx(1.0)
    rulebook.decide(s, 1)                         # 2 + 1 carried + 2 idle = 5 >= 3
    assert decided(s, new) == 2


def test_idle_capacity_of_one_track_goes_to_tracks_with_work():
    # accelerated 3 a day and nobody waiting there; regular 2 a day with 10 singles waiting.
    # Shift 1: regular decides 2 + 3 = 5; shift 0: only its own 2; shift 0.5: 2 + 1.5 (1 whole
    # person, 0.5 carried).
    for shift, expected in ((1.0, 5), (0.0, 2), (0.5, 3)):
        s = world(decisions={"regular": 2, "accelerated": 3}, idle_capacity_shift=shift)
        ids = add(s, [1] * 10, group=0)
        in_line(s, ids)
        rulebook.decide(s, 0)
        assert decided(s, ids) == expected, shift


def test_a_line_never_serves_a_household_that_left_it_beyond_the_first_look():
    # Border line (1 a day, no other capacity): five singles wait; the first four have since
    # moved to the regular procedure (their entries are stale). Day 0 looks at 1 + 1 = 2 entries
    # (both stale, dropped), then the next 2 (stale, dropped), then the fifth: decided. Before the
    # fix the second look was served unchecked: a regular case decided on the border line, and
    # the border count went to -1 (found by the property test on a generated Pact world).
    s = world(decisions={"border": 1}, idle_capacity_shift=0.0)
    ids = add(s, [1] * 5, track=Track.BORDER, group=0)
    in_line(s, ids, Track.BORDER)
    s.people.set_track(ids[:4], Track.REGULAR)
    s.procedure_persons[Track.BORDER] -= 4
    in_line(s, ids[:4], Track.REGULAR)
    rulebook.decide(s, 0)
    assert decided(s, ids[:4]) == 0
    assert decided(s, ids[4:]) == 1
    assert s.procedure_persons[Track.BORDER] == 0 and s.procedure_persons[Track.REGULAR] == 4
    assert len(s.ind[Track.BORDER]) == 0


def test_productivity_ramp_is_linear_between_dated_points_and_flat_outside():
    pts = [RampPoint(date=dt.date(2025, 1, 1), factor=1.0), RampPoint(date=dt.date(2028, 12, 31), factor=1.25)]
    start = dt.date(2025, 7, 1)
    # 1 Jan 2025 .. 1 Jul 2025 = 181 days of the 1,460 between the points
    assert ramp_factor(pts, start, 0) == pytest.approx(1 + 0.25 * 181 / 1460)
    assert ramp_factor(pts, start, (dt.date(2028, 12, 31) - start).days) == pytest.approx(1.25)
    assert ramp_factor(pts, start, 5000) == 1.25 and ramp_factor(pts, dt.date(2014, 1, 1), 0) == 1.0
    assert ramp_factor([], start, 10) == 1.0
    # a point may say when it became known, not after it applies
    assert RampPoint(date=dt.date(2020, 6, 1), factor=2.0, announced=dt.date(2020, 3, 31)).announced.month == 3
    with pytest.raises(ValueError, match="announced: 2020-07-01 is after the point's date 2020-06-01"):
        RampPoint(date=dt.date(2020, 6, 1), factor=2.0, announced=dt.date(2020, 7, 1))
    # and it scales the IND's rate: 4 a day x 1.25 = 5
    s = world(decisions={"regular": 4}, decision_capacity_ramp=[{"date": "2025-01-01", "factor": 1.25}])
    ids = add(s, [1] * 10, group=0)
    in_line(s, ids)
    rulebook.decide(s, 0)
    assert decided(s, ids) == 5


# --- the border procedure --------------------------------------------------------------------

AT_BORDER, UAM, VULN = Flag.AT_BORDER, Flag.UNACCOMPANIED_MINOR, Flag.VULNERABLE


@pytest.mark.parametrize("pact", [None, 0])
def test_only_border_arrivals_with_accelerated_grounds_enter_the_border_procedure(pact):
    s = world(pact=pact)
    B, A, R = Track.BORDER, Track.ACCELERATED, Track.REGULAR
    cases = [  # (flags, group, children, size) -> track under old rules, under the Pact
        ((AT_BORDER, 2, 0, 1), B, B),          # low recognition at Schiphol
        ((0, 2, 0, 1), A, A),                  # low recognition inland: accelerated, not border
        ((AT_BORDER, 0, 0, 1), R, R),          # high recognition at Schiphol: regular
        ((AT_BORDER | UAM, 2, 1, 1), A, A),    # unaccompanied minor, not flagged: exempt
        ((AT_BORDER, 2, 2, 4), A, B),          # family with children: exempt before the Pact only
        ((AT_BORDER | VULN, 2, 0, 1), A, A),   # special needs: not in the border procedure
    ]
    ids = np.concatenate([add(s, [size], stage=Stage.SCREENING, flags=f, group=g, children=c, key0=1000 + i)
                          for i, ((f, g, c, size), _, _) in enumerate(cases)])
    got = assign_track(s, ids)
    want = [old if pact is None else new for _, old, new in cases]
    assert list(got) == want


def test_a_public_order_risk_takes_an_unaccompanied_minor_into_the_border_procedure():
    s = world(pact=0, public_order_risk_share=1.0)     # everyone flagged
    uam = add(s, [1], stage=Stage.SCREENING, flags=AT_BORDER | UAM, children=1)
    high = add(s, [1], stage=Stage.SCREENING, flags=AT_BORDER, group=0, key0=700)
    inland = add(s, [1], stage=Stage.SCREENING, group=0, key0=800)
    # flagged: accelerated grounds under the Pact even at high recognition; at Schiphol the border procedure
    assert list(assign_track(s, np.concatenate([uam, high, inland]))) == \
        [Track.BORDER, Track.BORDER, Track.ACCELERATED]
    rulebook.enter_procedure(s, uam, 0)
    assert s.people.flags[uam[0]] & Flag.PUBLIC_ORDER


def test_border_procedure_holds_at_most_its_capacity_at_once():
    s = world(pact=0)
    assert s.sc.chain.border_procedure_capacity_persons == 211
    s.border_persons = 208                               # 3 places left
    ids = add(s, [2, 2, 1], stage=Stage.SCREENING, flags=AT_BORDER)
    rulebook.enter_procedure(s, ids, 5)
    # in order: 2 fits (210); then 2 + 2 = 4 > 3 and 5 > 3: the rest go to the accelerated procedure
    assert list(s.people.track[ids]) == [Track.BORDER, Track.ACCELERATED, Track.ACCELERATED]
    assert s.border_persons == 210 and s.today.border_diverted == 3
    assert s.procedure_persons[Track.BORDER] == 2 and s.procedure_persons[Track.ACCELERATED] == 3


def test_a_border_case_past_84_days_moves_to_the_regular_procedure_and_leaves_schiphol():
    s = world(pact=0)                                    # no IND capacity: nobody is decided
    border_loc = int(np.flatnonzero(s.locs.kind == Kind.BORDER)[0])
    ids = add(s, [2], stage=Stage.SCREENING, flags=AT_BORDER, arrival=0)
    move(s.people, s.locs, s.log, ids, border_loc, 0, 0)
    rulebook.enter_procedure(s, ids, 12)                 # end of screening on day 12
    assert s.people.track[ids[0]] == Track.BORDER and s.border_persons == 2
    for day in range(13, 84):                            # arrival + 84 = day 84: still in time
        rulebook.depart_and_transfer(s, day)
    assert s.people.track[ids[0]] == Track.BORDER and s.today.border_late == 0
    rulebook.depart_and_transfer(s, 84)                  # end of day 84: the deadline has passed
    assert s.people.track[ids[0]] == Track.REGULAR and s.people.stage[ids[0]] == Stage.PROCEDURE
    assert s.today.border_late == 2 and s.border_persons == 0
    assert s.procedure_persons[Track.BORDER] == 0 and s.procedure_persons[Track.REGULAR] == 2
    assert list(s.ind_new[Track.REGULAR].peek()) == [ids[0]]
    assert s.locs.kind[s.people.location[ids[0]]] != Kind.BORDER   # let in: a bed elsewhere


def test_border_appeal_that_outlasts_the_deadline_goes_on_in_the_regular_procedure():
    # arrival 0; decided (rejected: recognition 0) on day 60; appeal ruled 35 days later, day 95.
    # End of day 84: moved to the regular track, still in appeal. Day 95: dismissed -> departure
    # period -> leaves on day 95 + 28 = 123.
    s = world(pact=0, decisions={"border": 5}, appeal_share={**NONE, "border": 1.0},
              appeal_upheld_share={**NONE, "border": 0.0, "regular": 0.0})
    s.sc.groups[2].recognition = 0.0
    ids = add(s, [1], stage=Stage.SCREENING, flags=AT_BORDER, arrival=0)
    rulebook.enter_procedure(s, ids, 10)
    s.params.chain.decisions_per_day["border"] = 0           # the IND gets to it only on day 60
    for day in range(11, 60):
        rulebook.decide(s, day)
    s.params.chain.decisions_per_day["border"] = 5
    rulebook.decide(s, 60)
    assert s.people.stage[ids[0]] == Stage.APPEAL and s.border_persons == 1
    stages = {}
    for day in range(61, 130):
        rulebook.depart_and_transfer(s, day)
        stages[day] = (Stage(int(s.people.stage[ids[0]])), Track(int(s.people.track[ids[0]])))
    assert stages[83] == (Stage.APPEAL, Track.BORDER)
    assert stages[84] == (Stage.APPEAL, Track.REGULAR) and s.border_persons == 0
    assert stages[94] == (Stage.APPEAL, Track.REGULAR)
    assert stages[95] == (Stage.REJECTED, Track.REGULAR)
    assert stages[122][0] == Stage.REJECTED and stages[123][0] == Stage.DEPARTED


# --- appeals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("upheld,at_ruling", [(0.0, Stage.REJECTED), (1.0, Stage.PERMIT)])
def test_regular_appeal_day_by_day(upheld, at_ruling):
    # rejected on day 0 (recognition 0), appeals (share 1), court rules on day 100; dismissed:
    # 28 days of departure period, leaves on day 128; upheld: a permit on day 100.
    s = world(decisions={"regular": 5}, appeal_share={**NONE, "regular": 1.0}, appeal_days={
        "regular": 100, "accelerated": 35, "border": 35, "dublin": 37}, appeal_upheld_share={**NONE, "regular": upheld})
    s.sc.groups[0].recognition = 0.0
    ids = add(s, [3], group=0)
    in_line(s, ids)
    rulebook.decide(s, 0)
    assert s.people.stage[ids[0]] == Stage.APPEAL and s.today.appeals == 3 and s.today.rejections == 3
    seen = {}
    for day in range(1, 130):
        rulebook.depart_and_transfer(s, day)
        seen[day] = Stage(int(s.people.stage[ids[0]]))
    assert seen[99] == Stage.APPEAL and seen[100] == at_ruling
    if upheld:                                    # (the tally is not reset between days here)
        assert s.today.appeal_permits == 3 and seen[129] == Stage.PERMIT and s.today.permits == 0
    else:
        assert seen[127] == Stage.REJECTED and seen[128] == Stage.DEPARTED and s.today.exits_departed == 3


def test_rejections_on_two_tracks_the_same_day_appeal_on_each_tracks_own_day():
    # recognition 0: everyone decided on day 0 is rejected. Regular households all appeal (ruling
    # 100 days later, day 100), accelerated ones never do (departure period of 28 days: day 28).
    s = world(decisions={"regular": 5, "accelerated": 5}, appeal_share={**NONE, "regular": 1.0},
              appeal_days={"regular": 100, "accelerated": 35, "border": 35, "dublin": 37},
              departure_period_days=28)
    s.sc.groups[0].recognition = 0.0
    regular = add(s, [2, 1], group=0)
    accelerated = add(s, [3], group=0, track=Track.ACCELERATED, key0=600)
    in_line(s, regular)
    in_line(s, accelerated, Track.ACCELERATED)
    rulebook.decide(s, 0)
    assert list(s.people.stage[regular]) == [Stage.APPEAL] * 2 and s.people.stage[accelerated[0]] == Stage.REJECTED
    assert s.today.decisions == 6 and s.today.rejections == 6 and s.today.appeals == 3
    assert sorted(s.appeal_due.pop(100).tolist()) == sorted(regular.tolist())
    assert s.departure_due.pop(28).tolist() == accelerated.tolist()


# --- the Dublin chain ------------------------------------------------------------------------

def dublin_world(pact=None, **chain):
    base = {"dublin_reply_days": 30, "dublin_acceptance_share": 1.0, "dublin_decision_days": 14,
            "dublin_transfer_days": 60, "dublin_final_transfer_days": 183, "dublin_transfer_success": 1.0,
            "dublin_absconding_share": 0.0, "appeal_share": {**NONE, "dublin": 0.0},
            "appeal_days": {"regular": 180, "accelerated": 35, "border": 35, "dublin": 37},
            "appeal_upheld_share": {**NONE, "dublin": 0.0}}
    s = world(pact=pact, decisions={"dublin": 5}, **{**base, **chain})
    ids = add(s, [2], track=Track.DUBLIN, group=0, arrival=-20 if pact is None else 0)
    in_line(s, ids, Track.DUBLIN)
    return s, ids


def run_dublin(s, ids, days=260):
    """Claim sent on day 0, then the timed steps day by day: stage and track per day, tallies."""
    rulebook.decide(s, 0)
    stages, tallies = {0: (Stage(int(s.people.stage[ids[0]])), Track(int(s.people.track[ids[0]])))}, {}
    for day in range(1, days):
        s.today = type(s.today)()
        rulebook.depart_and_transfer(s, day)
        stages[day] = (Stage(int(s.people.stage[ids[0]])), Track(int(s.people.track[ids[0]])))
        tallies[day] = s.today
    return stages, tallies


def test_dublin_claim_acceptance_decision_appeal_and_transfer_day_by_day():
    # claim day 0 -> accepted day 30 -> transfer decision day 44 -> appeal ruled day 44 + 37 = 81
    # (dismissed) -> transfer on max(44 + 60, 81) = 104
    s, ids = dublin_world(appeal_share={**NONE, "dublin": 1.0})
    stages, tallies = run_dublin(s, ids)
    assert stages[0] == (Stage.DUBLIN, Track.DUBLIN) and s.procedure_persons[Track.DUBLIN] == 0
    assert tallies[44].decisions == 2 and tallies[44].appeals == 2
    assert sum(t.decisions for d, t in tallies.items() if d != 44) == 0
    assert stages[103] == (Stage.DUBLIN, Track.DUBLIN)
    assert stages[104][0] == Stage.TRANSFERRED and tallies[104].exits_transferred == 2
    # transfer 30 days after the decision, ruling 37 days after: the transfer waits for the ruling
    s, ids = dublin_world(appeal_share={**NONE, "dublin": 1.0}, dublin_transfer_days=30)
    stages, _ = run_dublin(s, ids)
    assert stages[80][0] == Stage.DUBLIN and stages[81][0] == Stage.TRANSFERRED


@pytest.mark.parametrize("chain,day,stage,tally", [
    ({"dublin_acceptance_share": 0.0}, 30, Stage.PROCEDURE, None),                 # refused: handled here
    ({"dublin_transfer_success": 0.0, "dublin_absconding_share": 1.0}, 104, Stage.DEPARTED, "dublin_absconded"),
    ({"dublin_transfer_success": 0.0}, 213, Stage.PROCEDURE, "dublin_deadline_passed"),   # 30 + 183
    ({"appeal_share": {**NONE, "dublin": 1.0}, "appeal_upheld_share": {**NONE, "dublin": 1.0}}, 81,
     Stage.PROCEDURE, None),
])
def test_dublin_outcomes_on_their_day(chain, day, stage, tally):
    s, ids = dublin_world(**chain)
    stages, tallies = run_dublin(s, ids)
    assert stages[day - 1][0] == Stage.DUBLIN
    assert stages[day][0] == stage
    if stage == Stage.PROCEDURE:          # the Netherlands is responsible: the regular procedure
        assert stages[day][1] == Track.REGULAR and list(s.ind[Track.REGULAR].peek()) == [ids[0]]
        assert s.procedure_persons[Track.REGULAR] == 2
    if tally:
        assert getattr(tallies[day], tally) == 2


def test_pact_reception_ends_at_the_transfer_decision():
    s, ids = dublin_world(pact=0)
    stages, tallies = run_dublin(s, ids)
    assert stages[43][0] == Stage.DUBLIN and stages[44][0] == Stage.DEPARTED
    assert tallies[44].dublin_reception_ended == 2 and tallies[44].exits_departed == 2


# --- the vulnerability assessment ------------------------------------------------------------

def test_vulnerability_assessment_late_on_a_small_line():
    # 2 persons a day from day 28, seven singles who arrived on day 0, deadline 30 days:
    # days 28, 29 and 30 two each (at most 30 days: in time); day 31 the last one (31 > 30: late).
    s = world(vulnerability_assessments_per_day=2.0, vulnerability_deadline_days=30)
    ids = add(s, [1] * 7, arrival=0)
    s.assessment.push(ids)
    served = {}
    for day in range(28, 33):
        s.today = type(s.today)()
        rulebook.assess_vulnerability(s, day)
        served[day] = (s.today.vulnerability_assessed, s.today.vulnerability_late)
    assert served == {28: (2, 0), 29: (2, 0), 30: (2, 0), 31: (1, 1), 32: (0, 0)}


def test_special_needs_found_at_assessment_move_from_emergency_to_a_regular_place():
    s = world(vulnerability_assessments_per_day=10.0)
    em = int(np.flatnonzero(s.locs.kind == Kind.EMERGENCY)[0])
    ids = add(s, [2, 2], arrival=0, group=0, flags=0)
    s.people.flags[ids[0]] |= Flag.VULNERABLE
    move(s.people, s.locs, s.log, ids, em, 0, 0)
    s.assessment.push(ids)
    rulebook.assess_vulnerability(s, 5)
    assert s.people.flags[ids[0]] & Flag.NEEDS_ASSESSED and not s.people.flags[ids[1]] & Flag.NEEDS_ASSESSED
    assert s.locs.kind[s.people.location[ids[0]]] in (Kind.PROCESS, Kind.REGULAR)
    assert s.people.location[ids[1]] == em


def test_first_applicants_join_the_assessment_line_at_the_end_of_screening_but_not_the_initial_stock():
    s = world()
    new = add(s, [1, 2], stage=Stage.SCREENING, arrival=3, group=0)
    old = add(s, [1], stage=Stage.SCREENING, arrival=-40, group=0, key0=900)
    rulebook.enter_procedure(s, np.concatenate([new, old]), 12)
    assert list(s.assessment.peek()) == list(new)


# --- decision times --------------------------------------------------------------------------

def test_weighted_quantile_counts_persons():
    # waits 5, 10, 20, 40 days for 3, 2, 4, 1 persons: cumulative 3, 5, 9, 10 of 10;
    # median: first reaching 5 -> 10 days; p90: first reaching 9 -> 20 days
    assert weighted_quantile(np.array([20, 5, 40, 10]), np.array([4, 3, 1, 2]), 0.5) == 10
    assert weighted_quantile(np.array([20, 5, 40, 10]), np.array([4, 3, 1, 2]), 0.9) == 20
    assert np.isnan(weighted_quantile(np.array([], int), np.array([], int), 0.5))


def test_decision_time_median_and_p90_per_track_in_daily_figures():
    # regular: households of 3, 2, 4, 1 persons who arrived on days 35, 30, 20, 0 are decided on
    # day 40: waits 5, 10, 20, 40 -> median 10, p90 20 (as above). Accelerated: nobody -> empty.
    s = world(decisions={"regular": 20})
    ids = np.concatenate([add(s, [n], arrival=a, group=0, key0=100 * i) for i, (n, a) in
                          enumerate([(3, 35), (2, 30), (4, 20), (1, 0)])])
    in_line(s, ids)
    rulebook.decide(s, 40)
    s.recorder.record(s, 40)
    x = s.recorder.scalars
    assert x["decision_days_median_regular"][40] == 10 and x["decision_days_p90_regular"][40] == 20
    assert np.isnan(x["decision_days_median_accelerated"][40])
    assert s.recorder.wait_persons[0, [5, 10, 20, 40]].tolist() == [3, 2, 4, 1]


# --- bookkeeping over a whole run ------------------------------------------------------------

def test_counters_equal_a_recount_through_a_run_with_many_border_arrivals():
    """The border-procedure and IND-backlog counters are kept incrementally; they must equal a
    recount over everyone on every day (many Schiphol arrivals, the Pact, appeals, Dublin)."""
    from model.scenario import load_scenario
    sc = load_scenario("pact-2026").model_copy(deep=True)
    sc.inflow.border_entry_share = 0.4
    sc.start_date = dt.date(2026, 3, 1)
    sc.pact.start = dt.date(2026, 4, 1)
    sc.initial.entitled_persons = 3000
    sc.initial.at_registration_persons = 200
    sc.chain.border_procedure_capacity_persons = 60   # reached often
    s = prepare(sc, days=260)
    h = s.people.cols
    for _ in range(260):
        rulebook.run_day(s)
        n = s.people.n
        st, tr, size = h["stage"][:n], h["track"][:n], h["size"][:n].astype(int)
        inside = (tr == Track.BORDER) & ((st == Stage.PROCEDURE) | (st == Stage.APPEAL))
        assert s.border_persons == size[inside].sum() <= 60
        for t in (Track.REGULAR, Track.ACCELERATED, Track.BORDER, Track.DUBLIN):
            assert s.procedure_persons[t] == size[(st == Stage.PROCEDURE) & (tr == t)].sum()
    assert s.recorder.scalars["border_diverted"].sum() > 0 and s.recorder.scalars["border_late"].sum() >= 0


def test_the_screening_and_sponsor_draws_in_one_pass_are_the_draws_made_apart():
    from agents.keyed import SALT_SPONSOR, SALTS_SPONSOR_CANDIDATES, keyed_uniforms
    from model.state import screening_and_sponsor_draws, screening_draws
    s = world(dublin_share=0.3, public_order_risk_share=0.4)
    keys = np.arange(1, 200, dtype=np.uint64) * np.uint64(7919)
    (dublin, risk), sponsor = screening_and_sponsor_draws(s.params.chain, keys)
    dublin_apart, risk_apart = screening_draws(s.params.chain, keys)
    assert (dublin == dublin_apart).all() and (risk == risk_apart).all()
    assert 0 < dublin.sum() < len(keys) and 0 < risk.sum() < len(keys)     # both outcomes occur
    # bit for bit: the reunion draw, the sponsor's municipality, then the sponsor candidates
    assert np.array_equal(sponsor[:2], keyed_uniforms(keys, (SALT_SPONSOR, SALT_SPONSOR + 100)))
    assert np.array_equal(sponsor[2:], keyed_uniforms(keys, SALTS_SPONSOR_CANDIDATES))


# --- family members whose sponsor has a home ---------------------------------------------------

def _family_at_screening_end(s, sizes, day=3):
    """Family households at the registration location, due to end screening on `day`."""
    ids = add(s, sizes, stage=Stage.SCREENING, track=Track.FAMILY, key0=9000)
    central = int(np.flatnonzero(s.locs.kind == Kind.CENTRAL)[0])
    move(s.people, s.locs, s.log, ids, central, 0, 0)
    s.screening_done.schedule(ids, np.full(len(ids), day))
    return ids


@pytest.mark.parametrize("in_reception, moves_in", [(0.0, 1.0), (0.0, 0.0), (0.3, 0.5)])
def test_family_members_whose_sponsor_has_a_home_move_in_and_leave_reception(in_reception, moves_in):
    from agents.keyed import SALT_SPONSOR, keyed_uniforms
    s = world(family_sponsor_in_reception_share=in_reception, family_moves_in_share=moves_in)
    ids = _family_at_screening_end(s, [1, 2, 3, 4] * 10)
    h = s.people.cols
    # by hand: the reunion draw u0 says where the sponsor is; [share, share + moves_in × (1 - share)) moves in
    u = keyed_uniforms(h["key"][ids], (SALT_SPONSOR, SALT_SPONSOR + 100))
    expect = (u[0] >= in_reception) & (u[0] < in_reception + moves_in * (1 - in_reception))
    persons = int(h["size"][ids][expect].sum())
    housed_before = s.munis.housed.sum()
    rulebook.end_screening(s, 3)
    moved = ids[h["stage"][ids] == Stage.HOUSED]
    assert np.array_equal(moved, ids[expect])
    assert (h["location"][moved] == -1).all() and (h["municipality"][moved] >= 0).all()
    assert s.today.family_moved_in == s.today.exits_housed == persons
    assert s.munis.housed.sum() - housed_before == persons           # counted in the targets (taakstelling)
    stay = ids[~expect]
    assert (h["stage"][stay] == Stage.PERMIT).all() and (h["location"][stay] >= 0).all()   # they keep a bed
    assert sorted(s.unlinked.peek().tolist()) == sorted(stay.tolist())   # only they wait to be linked
    if moves_in == 1.0:
        assert len(stay) == 0
    elif moves_in == 0.0:
        assert len(moved) == 0
    else:
        assert 0 < len(moved) < len(ids)


def test_the_sponsors_municipality_is_drawn_by_population_share():
    s = world(family_sponsor_in_reception_share=0.0, family_moves_in_share=1.0)
    m = s.munis
    u = np.array([0.0, m.share[0] - 1e-12, m.share[0], 0.999999999999])
    mun = s.actors.municipalities.take_in_family(m, u, np.array([1, 2, 3, 4]))
    assert mun.tolist() == [0, 0, 1, m.n - 1]
    assert m.housed[0] == 3 and m.housed[1] == 3 and m.housed[m.n - 1] == 4 and m.housed_total.sum() == 10


def test_the_days_exits_leave_their_beds_in_the_order_of_the_steps_around_a_permit():
    # day 10: two rejected households depart, an appeal is upheld (a permit: from the process
    # location to an azc) and four Dublin households' transfer is due (half transferred, half
    # abscond by their keyed draw). The move log lists the departures, then the permit's move,
    # then the transferred, then those who absconded, each in their order; beds are freed.
    from agents.keyed import SALT_TRANSFER, keyed_uniform
    from agents.moves import Reason
    s = world(dublin_transfer_success=0.5, dublin_absconding_share=0.5,
              appeal_upheld_share={**NONE, "regular": 1.0})
    L = s.locs
    process, emergency = int(L.of_kind(Kind.PROCESS)[0]), int(L.of_kind(Kind.EMERGENCY)[0])
    rejected = add(s, [1, 2], stage=Stage.REJECTED, key0=500)
    appeal = add(s, [1], stage=Stage.APPEAL, key0=600)
    dublin = add(s, [1, 1, 1, 1], stage=Stage.DUBLIN, track=Track.DUBLIN, key0=700)
    move(s.people, L, s.log, np.concatenate([rejected, appeal]), process, 0, Reason.INTAKE)
    move(s.people, L, s.log, dublin, emergency, 0, Reason.INTAKE)
    s.departure_due.schedule(rejected, 10)
    s.appeal_due.schedule(appeal, 10)
    s.transfer_due.schedule(dublin, 10)
    u = keyed_uniform(s.people.key[dublin], SALT_TRANSFER)
    transferred, absconded = dublin[u < 0.5], dublin[u >= 0.5]
    assert len(transferred) and len(absconded)        # (both kinds on this day, for these keys)
    before = s.log.n
    rulebook.depart_and_transfer(s, 10)
    rows = slice(before, s.log.n)
    assert list(s.log.household[rows]) == [*rejected, *appeal, *transferred, *absconded]
    exit_, step = Reason.EXIT, Reason.PROCEDURE_STEP
    assert list(s.log.reason[rows]) == [exit_, exit_, step] + [exit_] * 4
    assert list(s.log.destination[rows])[:2] == [-1, -1] and s.log.destination[before + 2] >= 0
    assert L.kind[s.people.location[appeal[0]]] == Kind.REGULAR
    assert L.occupancy[process] == 0 and L.occupancy[emergency] == 0
    assert list(s.people.stage[rejected]) == [Stage.DEPARTED] * 2 and s.people.stage[appeal[0]] == Stage.PERMIT
    assert (s.people.stage[transferred] == Stage.TRANSFERRED).all()
    assert (s.people.stage[absconded] == Stage.DEPARTED).all()
    assert s.today.exits_departed == 3 + len(absconded) and s.today.exits_transferred == len(transferred)


def test_households_entering_are_grouped_by_track_alike_few_or_many(monkeypatch):
    """`_by_track_with_persons` groups a few households on Python numbers and many with NumPy: the
    same order (each track's households in their order), bounds and persons per track."""
    s = world(days=5)
    ids = add(s, [1, 2, 3, 1, 4, 2, 1])
    track = np.array([Track.BORDER, Track.REGULAR, Track.DUBLIN, Track.REGULAR, Track.BORDER, Track.ACCELERATED,
                      Track.REGULAR], np.int8)
    few = rulebook._by_track_with_persons(s.people, ids, track)
    monkeypatch.setattr(rulebook, "_FEW_ENTERING", 0)
    many = rulebook._by_track_with_persons(s.people, ids, track)
    for got in (few, many):
        assert got[0].tolist() == ids[[1, 3, 6, 5, 0, 4, 2]].tolist()
        assert list(got[1]) == [0, 3, 4, 6, 7, 7] and list(got[2]) == [4, 2, 5, 3, 0]

"""Exercises on a small hand-made world (Groningen only; central 20, process 10, regular 10 and
emergency 10 places; plan off): roles' allowed decisions, the turn boundary and its order, injects
at a time and on a condition (once), requests, snapshot / rewind / fork bit-identical, replay from
the log, save and restore, and one-line errors for bad exercise files."""

from __future__ import annotations

import copy
import json
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import yaml

from agents.locations import Kind, Life
from experiments.exercise import savefile
from experiments.exercise.engine import ExerciseRun, indicators, replay
from experiments.exercise.msel import exercise_from_dict, exercise_from_text, library_names, load_exercise
from experiments.exercise.roles import lead_time_days
from model.scenario import SCENARIO_DIR, ScenarioError, _merge
from model.simulate import results_of
from tests.model.test_snapshot import _same_run
from tests.model.test_rules import SMALL


def small_scenario(**inflow) -> dict:
    base = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text())
    data = _merge(base, SMALL)
    data["inflow"].update(inflow)
    data["name"] = "small"
    return data


ROLES = [{"id": "lrt", "type": "national"}, {"id": "coa", "type": "coa"}, {"id": "ind", "type": "ind"},
         {"id": "prov-gr", "type": "province", "province": "Groningen"},
         {"id": "gem-gr", "type": "municipality", "province": "Groningen"}]


def exercise(**over) -> dict:
    data = {"name": "small-test", "title": "test", "synopsis": "a small world", "scenario": small_scenario(),
            "turn_days": 7, "turns": 6, "roles": ROLES, "objectives": [{"id": "beds", "text": "beds"}],
            "injects": []}
    data.update(over)
    return data


def run_of(**over) -> ExerciseRun:
    return ExerciseRun(*exercise_from_dict(exercise(**over)))


# -- roles and their decisions --------------------------------------------------------------------

def test_lead_times_come_from_the_plan():
    # baseline's plan: emergency requested via provinces (42 days) and via COA (21): the shortest, 21;
    # crisis via safety regions, 3; regular is never requested: the longest lead time the plan has, 42
    _, sc = exercise_from_dict(exercise())
    assert (lead_time_days(sc, "emergency"), lead_time_days(sc, "crisis"), lead_time_days(sc, "regular")) == (21, 3, 42)


@pytest.mark.parametrize("role, decision, refused", [
    ("coa", {"type": "open_places", "kind": "emergency", "places": 10}, None),
    ("coa", {"type": "raise_occupancy", "kind": "regular", "factor": 1.1}, None),
    ("coa", {"type": "request_regime", "regime": "crisis"}, "coa (COA) may not take 'request_regime'"),
    ("coa", {"type": "open_places", "kind": "crisis", "places": 10}, "kind: coa (COA) may open places only of"),
    ("ind", {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.5}, None),
    ("ind", {"type": "open_places", "kind": "emergency", "places": 10}, "may not take 'open_places'"),
    ("gem-gr", {"type": "open_places", "kind": "emergency", "places": 10}, None),
    ("gem-gr", {"type": "close_places", "kind": "emergency", "places": 10}, "may not take 'close_places'"),
    ("gem-gr", {"type": "open_places", "kind": "emergency", "places": 10, "province": "Drenthe"},
     "province: gem-gr decides only in Groningen"),
    ("prov-gr", {"type": "request_places", "kind": "emergency", "places": 50, "province": "Groningen"}, None),
    ("prov-gr", {"type": "request_places", "kind": "emergency", "places": 50, "province": "Drenthe"},
     "province: prov-gr decides only in Groningen"),
    ("lrt", {"type": "request_regime", "regime": "crisis"},
     "decision: regime: the scenario describes no crisis regime"),
    ("lrt", {"type": "request_places", "kind": "emergency", "places": 0, "province": "Groningen"}, "places"),
    ("nobody", {"type": "open_places", "kind": "emergency", "places": 10}, "role: 'nobody' is not a role"),
])
def test_each_role_may_take_its_own_decisions_and_no_others(role, decision, refused):
    run = run_of()
    if refused is None:
        run.submit(role, decision)
        assert len(run.pending(role)) == 1
    else:
        with pytest.raises(ScenarioError, match=refused.replace("(", r"\(").replace(")", r"\)")) as err:
            run.submit(role, decision)
        assert "\n" not in str(err.value)
        assert run.pending() == []


def test_decisions_act_at_the_turn_boundary_in_role_order():
    run = run_of()
    s = run.model.state
    n = s.locs.n
    run.submit("gem-gr", {"type": "open_places", "kind": "emergency", "places": 10, "why": "sports hall"})
    run.submit("coa", {"type": "close_places", "kind": "emergency", "places": 10, "why": "contract ends"})
    run.submit("ind", {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.5})
    assert s.locs.n == n and s.event_log == []           # nothing acts before the boundary
    run.advance()
    s = run.model.state
    # order: COA (rank 1), IND (2), municipalities (5), whatever the submission order
    assert [e["role"] for e in run.log if e["kind"] == "decision"] == ["coa", "ind", "gem-gr"]
    assert [e["why"] for e in run.log if e["kind"] == "decision"][::2] == ["contract ends", "sports hall"]
    # the one emergency location (10 places) closes; 10 new places open after 21 days (lead time)
    emergency = np.flatnonzero(s.locs.kind == Kind.EMERGENCY)
    assert [Life(x).name for x in s.locs.life[emergency]] == ["CLOSED", "PLANNED"]
    assert s.locs.capacity[emergency[1]] == 10 and s.locs.open_day[emergency[1]] == 21
    # IND: regular 50/day (baseline) gives half to dublin (10/day): 25 and 35
    # (the run's parameters, model.params; the scenario stays as loaded)
    assert s.params.chain.decisions_per_day["regular"] == 25 and s.params.chain.decisions_per_day["dublin"] == 35
    assert s.sc.chain.decisions_per_day["regular"] == 50
    for _ in range(3):                                     # day 28: the new places are open
        run.advance()
    assert Life(run.model.state.locs.life[emergency[1]]) == Life.OPEN


def test_raise_occupancy_lets_locations_take_more_up_to_their_maximum():
    run = run_of()
    run.submit("coa", {"type": "raise_occupancy", "kind": "regular", "factor": 1.5})
    run.advance()
    L = run.model.state.locs
    regular = np.flatnonzero(L.kind == Kind.REGULAR)
    # 10 places x 1.5 = 15, capped at the maximum 10 x 1.15 (max_occupancy_factor) = 11: 1 extra place
    assert L.extra[regular].tolist() == [1]


def test_a_time_inject_acts_before_its_day_and_a_condition_inject_fires_once():
    injects = [
        {"id": "slow", "title": "screening slows", "synopsis": "s", "at_day": 3,
         "effect": [{"action": "set", "parameter": "chain.screening_days", "value": 14}]},
        # an empty world: occupancy 0 < 0.5 holds every day; with days: 3 it fires after day 3
        {"id": "quiet", "title": "quiet", "synopsis": "q", "when": {"indicator": "occupancy", "below": 0.5, "days": 3},
         "effect": [{"action": "scale", "parameter": "chain.registration_capacity_per_day", "value": 2}],
         "role": "coa", "expected": {"decision": "open_places"}, "objective": "beds"},
        {"id": "never", "title": "never", "synopsis": "n", "when": {"indicator": "occupancy", "above": 0.5}},
        {"id": "spare", "title": "spare", "synopsis": "c", "contingency": True,
         "effect": [{"action": "close", "kind": "regular", "places": 10}]},
    ]
    run = run_of(injects=injects)
    run.advance()
    run.advance()
    fired = [(e["what"], e["day"]) for e in run.log if e["kind"] == "inject"]
    # 'quiet' held at the end of days 1, 2 and 3 (3 days simulated): it fires then, once; 'slow' fires
    # before the fourth day (at_day 3) is simulated: both act before the same day, the condition first
    assert fired == [("quiet", 3), ("screening slows", 3)]
    params = run.model.state.params
    assert params.chain.screening_days == 14
    assert params.chain.registration_capacity_per_day == 600      # 300 x 2 once (twice would be 1,200)
    run.fire("spare")
    assert Life(run.model.state.locs.life[run.model.state.locs.kind == Kind.REGULAR][0]) == Life.CLOSED
    with pytest.raises(ScenarioError, match="has fired already"):
        run.fire("spare")


def test_an_inject_due_on_a_turns_first_day_is_told_as_the_turn_opens():
    """An inject at day 0 is the tables' starting news: they read it before the first turn's decisions
    (it fired only when turn 1 was ended, after them). One due on turn 2's first day (day 7 with 7-day
    turns) is told with turn 1's results, acts before day 7, before turn 2's decisions, and a decision
    of turn 2 answers it in time; one due inside a turn still fires among its days."""
    from experiments.exercise import report

    def inject(id_, at_day):
        return {"id": id_, "title": id_, "synopsis": "s", "role": "coa", "objective": "beds", "at_day": at_day,
                "expected": {"decision": "open_places", "within_turns": 1},
                "effect": [{"action": "set", "parameter": "chain.screening_days", "value": 10 + at_day}]}

    run = run_of(injects=[inject("opening", 0), inject("second", 7), inject("midweek", 10)])
    told = [(e["what"], e["turn"], e["day"], e["answer_at"]) for e in run.log if e["kind"] == "inject"]
    assert told == [("opening", 1, 0, 1)]
    assert run.model.state.params.chain.screening_days == 10       # acts before day 0 is simulated
    run.submit("coa", {"type": "open_places", "kind": "emergency", "places": 10, "why": "the news"})
    run.advance()
    told = [(e["what"], e["turn"], e["day"], e["answer_at"]) for e in run.log if e["kind"] == "inject"]
    assert told == [("opening", 1, 0, 1), ("second", 2, 7, 2)]
    assert run.day == 7 and run.model.state.params.chain.screening_days == 17
    run.submit("coa", {"type": "open_places", "kind": "emergency", "places": 10, "why": "more news"})
    run.advance()
    assert [(e["what"], e["day"], e["answer_at"]) for e in run.log if e["kind"] == "inject"][2] == ("midweek", 10, 3)
    verdicts = {r["inject"]: r["status"] for r in report.assessment(run)[0]["rows"]}
    assert verdicts == {"opening": "met", "second": "met", "midweek": "open"}
    # replayed from its commands (how a save is restored), the day-0 inject fires again, once
    again = replay(run.exercise, run.scenario, run.commands)
    assert again.log == run.log and again.fingerprint() == run.fingerprint()


def test_requests_wait_for_a_played_role_and_are_answered_by_the_model_otherwise():
    run = run_of()
    run.submit("coa", {"type": "request_places", "kind": "emergency", "places": 100, "province": "Groningen"})
    run.advance()
    (q,) = run.open_requests("gem-gr")
    assert (q.number, q.places, q.by) == (1, 100, "coa")
    run.submit("gem-gr", {"type": "answer_request", "request": 1, "places": 40, "why": "one hall"})
    with pytest.raises(ScenarioError, match="at most the 100 places asked"):
        run.submit("gem-gr", {"type": "answer_request", "request": 1, "places": 400})
    run.advance()
    L = run.model.state.locs
    assert L.capacity[-1] == 40 and Life(L.life[-1]) == Life.PLANNED
    assert run.open_requests("gem-gr") == []
    # unanswered for a turn: the model answers (below)
    run.submit("lrt", {"type": "request_places", "kind": "emergency", "places": 100, "province": "Groningen"})
    run.advance()
    assert [e["kind"] for e in run.log if e["kind"] == "model"] == []
    run.advance()
    assert [e["what"].split(":")[0] for e in run.log if e["kind"] == "model"] == ["request 2 answered by the model"]


def test_two_players_of_one_table_answering_the_same_request_open_its_places_once():
    # two laptops at the municipalities' table both answer request 1 in the same turn: the first
    # answer opens its places, the second is refused at the boundary (it opened them again: 40 + 100
    # places for a request of 100)
    run = run_of()
    run.submit("coa", {"type": "request_places", "kind": "emergency", "places": 100, "province": "Groningen"})
    run.advance()
    m0 = run.model.state.locs.n
    run.submit("gem-gr", {"type": "answer_request", "request": 1, "places": 40, "why": "table A"})
    run.submit("gem-gr", {"type": "answer_request", "request": 1, "places": 100, "why": "table B"})
    run.advance()
    s = run.model.state
    assert s.locs.capacity[m0:s.locs.n].tolist() == [40]
    mine = [(e["kind"], e["why"], e["detail"]) for e in run.log if e["role"] == "gem-gr"]
    assert mine == [("decision", "table A", "40 emergency places opening in 21 days"),
                    ("refused", "table B", "request 1 is answered already (by a decision before this one); "
                                           "a request is answered once")]
    assert [e["what"] for e in run.log if e["role"] == "gem-gr"] == ["answer request 1: accept 40 of 100 places",
                                                                      "answer request 1: accept 100 places"]


def test_the_log_says_each_decision_in_the_planners_words():
    # the log, the report and the room showed a decision as the form's fields: "open places: places 10, kind
    # emergency", "reprioritise: from_track regular, to_track dublin, share 0.5"
    run = run_of(turns=2)
    for role, d in [("coa", {"type": "open_places", "kind": "emergency", "places": 1200}),
                    ("coa", {"type": "raise_occupancy", "kind": "regular", "factor": 1.2}),
                    ("coa", {"type": "close_places", "kind": "emergency", "places": 10, "province": "Groningen"}),
                    ("ind", {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.25}),
                    ("prov-gr", {"type": "request_places", "kind": "crisis", "places": 30, "province": "Groningen"})]:
        run.submit(role, d)
    run.advance()
    assert [e["what"] for e in run.log if e["kind"] in ("decision", "refused")] == [
        "open 1,200 emergency (noodopvang) places",
        "raise occupancy of regular centre (azc) places to 1.2 x normal",
        "close 10 emergency (noodopvang) places in Groningen",
        "move 25 % of the regular track's decisions a day to the dublin track",
        "request 30 crisis emergency (crisisnoodopvang) places in Groningen"]


def test_a_request_made_in_the_last_turn_is_answered_by_the_model_at_once():
    # a played role answers in the turn after a request; after the last turn there is none, and the
    # request stayed open for good (no answer, no places) though the model answers what is not
    # answered in time
    run = run_of()
    while run.turn < run.exercise.turns - 1:
        run.advance()
    run.submit("coa", {"type": "request_places", "kind": "emergency", "places": 100, "province": "Groningen"})
    run.advance()
    assert run.finished and run.open_requests("gem-gr") == []
    (answer,) = [e for e in run.log if e["kind"] == "model"]
    assert answer["what"].startswith("request 1 answered by the model") and answer["day"] == 35
    assert answer["detail"].startswith("no turn left for gem-gr to answer")


def willing(mean: float) -> dict:
    sc = small_scenario()
    sc["municipalities"].update(willingness_mean=mean, willingness_spread=0.0, load_weight=0.0)
    return sc


@pytest.mark.parametrize("mean, accepted", [(1.0, 100), (0.0, 0)])
def test_a_request_to_a_role_nobody_plays_gets_the_municipalities_answer_at_once(mean, accepted):
    # every municipality as willing as `mean` (no spread, no load pressure): 100 places in emergency
    # locations of 10 (the small world's size) are put to round(100 / 10) = 10 of Groningen's 10
    # municipalities, 10 each; all accept (chance 1) or none (chance 0)
    run = run_of(roles=ROLES[:2], scenario=willing(mean))
    m0 = run.model.state.locs.n
    run.submit("coa", {"type": "request_places", "kind": "emergency", "places": 100, "province": "Groningen"})
    run.advance()
    s = run.model.state
    new = slice(m0, s.locs.n)
    assert int(s.locs.capacity[new].sum()) == accepted
    assert len(set(s.locs.municipality[new].tolist())) == accepted // 10
    assert int(s.munis.accepted.sum()) == accepted // 10 and int(s.munis.refused.sum()) == 10 - accepted // 10
    assert [e["what"] for e in run.log if e["kind"] == "model"] == [
        f"request 1 answered by the model: {accepted} of 100 places"]


def _busy(run: ExerciseRun) -> None:
    run.submit("coa", {"type": "open_places", "kind": "emergency", "places": 20})
    run.submit("ind", {"type": "reprioritise", "from_track": "regular", "to_track": "accelerated", "share": 0.2})
    run.advance()


def test_rewind_restores_the_state_bit_identically_and_play_goes_on_the_same():
    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    run.advance()
    run.snapshot("t1")
    at_t1 = copy.deepcopy(run.model.state)
    _busy(run)
    run.advance()
    after = copy.deepcopy(run.model.state)
    log_after = copy.deepcopy(run.log)
    run.rewind("t1")
    assert run.turn == 1 and run.day == 7
    _same_run(run.model.state, at_t1)
    _busy(run)
    run.advance()
    _same_run(run.model.state, after)
    assert [e["what"] for e in run.log[-4:]] == [e["what"] for e in log_after[-4:]]
    assert [e["kind"] for e in run.set_aside][-1] == "turn"


def test_a_rewind_or_fork_undoes_an_inflow_level_changed_after_the_snapshot():
    """An inject that raises the yearly first applications gives the run its own inflow plan (a new
    world); a rewind to a snapshot from before it restored the state onto the world of the moment, so
    the raised inflow stayed and the inject, firing again, raised it once more (the browser test's
    surge came twice: 'Aanmeldcentrum vol' on day 9, not 23). A snapshot taken after it keeps it."""
    surge = {"id": "surge", "title": "surge", "synopsis": "s", "at_day": 3,
             "effect": [{"action": "scale", "parameter": "inflow.first_applications_per_year", "value": 5}]}
    straight = run_of(scenario=small_scenario(first_applications_per_year=3000), injects=[surge])
    run = run_of(scenario=small_scenario(first_applications_per_year=3000), injects=[surge])
    run.snapshot("before")
    run.advance()
    run.snapshot("after")
    run.rewind("before")
    for _ in range(2):
        run.advance()
        straight.advance()
    assert run.fingerprint() == straight.fingerprint()
    assert np.array_equal(run.model.state.world.inflow.first, straight.model.state.world.inflow.first)
    fork = run.fork("after")                     # the surge in force, as it was when "after" was taken
    assert np.array_equal(fork.model.state.world.inflow.first, straight.model.state.world.inflow.first)
    run.rewind("start of turn 1")
    assert run.model.state.world.inflow.first[3] == straight.model.state.world.inflow.first[3] / 5


def test_the_run_keeps_each_turns_start_to_rewind_to_without_a_snapshot_taken_by_hand():
    """A facilitator who wants turn 2 played again had to have taken a snapshot at its start: the run
    keeps one of every turn's start by itself ("start of turn 2"), bit-identical, with what the
    tables found then (injects told as the turn opened). After a rewind the names are the current
    line's: a later turn's start is taken again when play reaches it; a save replays the same."""
    news = {"id": "news", "title": "news", "synopsis": "s", "at_day": 7,
            "effect": [{"action": "set", "parameter": "chain.screening_days", "value": 12}]}
    run = run_of(scenario=small_scenario(first_applications_per_year=3000), injects=[news])
    assert run.all_snapshots() == ["start of turn 1"]
    prints = [run.fingerprint()]
    for _ in range(3):
        _busy(run)
        prints.append(run.fingerprint())
    run.snapshot("mine")
    assert run.all_snapshots() == [f"start of turn {t}" for t in (1, 2, 3, 4)] + ["mine"]
    at_turn_2 = [e for e in run.log if e["turn"] < 2 or (e["kind"] == "inject" and e["turn"] == 2)]
    run.rewind("start of turn 2")
    assert (run.turn, run.day, run.fingerprint()) == (1, 7, prints[1])
    assert run.log[:-1] == at_turn_2 and run.model.state.params.chain.screening_days == 12
    assert run.all_snapshots() == ["start of turn 1", "start of turn 2", "mine"]
    run.advance()                                           # turn 2 again, nobody deciding this time
    assert run.all_snapshots()[:3] == ["start of turn 1", "start of turn 2", "start of turn 3"]
    other = run.fingerprint()
    assert other != prints[2]
    run.rewind("mine")                                      # back to the play set aside: its turn starts too
    assert run.fingerprint() == prints[3] and run.all_snapshots()[:4] == [f"start of turn {t}" for t in (1, 2, 3, 4)]
    run.rewind("start of turn 3")
    assert run.fingerprint() == prints[2]
    fork = run.fork("start of turn 1")
    assert (fork.turn, fork.fingerprint()) == (0, prints[0]) and fork.all_snapshots() == ["start of turn 1"]
    again = savefile.from_dict(json.loads(json.dumps(savefile.to_dict(run))))
    assert again.fingerprint() == run.fingerprint() and again.log == run.log
    assert again.all_snapshots() == run.all_snapshots()
    with pytest.raises(ScenarioError, match="'start of turn 5' is the name of the snapshot the room takes by itself"):
        run.snapshot("start of turn 5")
    with pytest.raises(ScenarioError, match="no snapshot named 'start of turn 4'"):
        run.rewind("start of turn 4")


def test_snapshots_rewinds_and_forks_name_the_turn_the_log_and_the_room_are_in():
    # a snapshot taken before the first turn's decisions is in turn 1 (the log's "in turn", the room's "now
    # turn 1"); its detail said "turn 0", the room's status line "Turn 0" under "now turn 1"
    run = run_of()
    run.snapshot("a")
    assert (run.log[-1]["turn"], run.log[-1]["detail"]) == (1, "turn 1 of 6, day 0")
    run.advance()
    run.snapshot("b")
    assert (run.log[-1]["turn"], run.log[-1]["detail"]) == (2, "turn 2 of 6, day 7")
    for _ in range(5):
        run.advance()
    run.snapshot("end")
    assert run.log[-1]["detail"] == "all 6 turns played, day 42"
    run.rewind("b")
    assert (run.log[-1]["turn"], run.log[-1]["detail"][:18]) == (2, "turn 2 of 6, day 7")
    fork = run.fork("a")
    assert (fork.log[-1]["kind"], fork.log[-1]["turn"], fork.log[-1]["detail"]) == ("fork", 1, "turn 1 of 6, day 0")


def test_rewinding_to_a_snapshot_of_play_set_aside_brings_that_play_back_and_sets_aside_the_rewind():
    # the facilitator rewinds from turn 3 to turn 1, then changes their mind and rewinds to the
    # snapshot taken at turn 3: that play is the line of play again (it was shown both in the log and
    # under "set aside by rewinds", which "did not shape the figures"), and the first rewind with
    # what followed it is set aside (it was lost from both)
    from experiments.exercise import report

    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    run.advance()
    run.snapshot("t1")
    _busy(run)
    run.advance()
    run.snapshot("t3")
    line = copy.deepcopy(run.log)
    run.advance()
    run.rewind("t1")
    run.rewind("t3")
    assert run.log[:-1] == line and run.turn == 3
    assert not [e for e in run.set_aside if e in run.log]
    assert [e["what"] for e in run.set_aside] == ["turn 4 of 6 ended", "rewound to snapshot 't1'"]
    assert run.log[-1]["detail"] == ("turn 4 of 6, day 21; 1 log entries set aside, 5 set aside earlier back in "
                                     "play")
    assert report.render(run).count(" aside'>") == 2


def test_a_fork_goes_on_alone_and_the_original_is_untouched():
    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    run.advance()
    run.snapshot("t1")
    _busy(run)
    fork = run.fork("t1")
    assert fork.turn == 1 and run.turn == 2
    _busy(fork)
    _same_run(fork.model.state, run.model.state)
    fork.advance()
    assert fork.turn == 3 and run.turn == 2
    again = replay(fork.exercise, fork.scenario, fork.commands)
    assert again.log == fork.log and [e["kind"] for e in fork.log][:3] == ["turn", "snapshot", "fork"]
    _same_run(again.model.state, fork.model.state)


def test_replaying_the_log_gives_the_same_state():
    run = run_of(scenario=small_scenario(first_applications_per_year=3000),
                 injects=[{"id": "more", "title": "more", "synopsis": "m", "at_day": 9,
                           "effect": [{"action": "scale", "parameter": "inflow.first_applications_per_year",
                                       "value": 3}]}])
    run.advance()
    run.snapshot("a")
    _busy(run)
    run.rewind("a")
    run.submit("coa", {"type": "request_places", "kind": "emergency", "places": 100, "province": "Groningen"})
    run.adhoc("press", "a journalist calls", [{"action": "set", "parameter": "chain.screening_days", "value": 9}])
    run.advance()
    run.advance()
    again = replay(run.exercise, run.scenario, run.commands)
    _same_run(again.model.state, run.model.state)
    assert again.log == run.log and again.commands == run.commands
    assert results_of(again.model.state).daily.identical(results_of(run.model.state).daily)


def test_save_and_restore_mid_exercise(tmp_path):
    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    _busy(run)
    run.submit("gem-gr", {"type": "open_places", "kind": "regular", "places": 5, "why": "pending at save"})
    path = savefile.save(run, tmp_path / "x.exercise.json")
    back = savefile.load(path)
    _same_run(back.model.state, run.model.state)
    assert back.pending() == run.pending() and back.turn == 1
    back.advance()
    run.advance()
    _same_run(back.model.state, run.model.state)
    bad = json.loads(path.read_text())
    bad["format_version"] = 99
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(ScenarioError, match=r"^bad\.json: format_version 99: written by a newer noodplan "):
        savefile.load(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(ScenarioError, match=r"junk\.json: not a saved noodplan exercise"):
        savefile.load(tmp_path / "junk.json")


# -- exercise files --------------------------------------------------------------------------------

def test_the_library_loads():
    assert library_names() == ["force-majeure", "instrumentalisation", "mass-arrival-2022"]
    for name in library_names():
        ex, sc = load_exercise(name)
        assert sc.horizon_days >= ex.days and ex.injects and ex.objectives
        assert {r.type for r in ex.roles} == {"national", "coa", "ind", "province", "safety_region", "municipality"}


def test_a_library_synopsis_names_the_season_its_clock_shows():
    # the players read the synopsis beside the room's date (the scenario's start, 1 July 2025): the
    # force-majeure exercise began "Winter." and the instrumentalisation one "October." on 1 July
    months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december"]
    seasons = {"winter": (12, 1, 2), "spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11)}
    for name in library_names():
        ex, sc = load_exercise(name)
        month = sc.start_date.month
        words = re.findall(r"[a-z]+", ex.synopsis.lower())
        assert all(months.index(w) + 1 == month for w in words if w in months), name
        assert all(month in seasons[w] for w in words if w in seasons), name


def _play_2022(decisions: dict[int, list[tuple[str, dict]]]) -> tuple[list[float], list[str]]:
    """The library's mass-arrival-2022 played to its end with `decisions` (turn -> role, decision):
    persons without a bed at the end of each turn, and the injects that fired."""
    turns, fired = _play_2022_turns(decisions)
    return [t["unsheltered"] for t in turns], list(fired)


def _play_2022_turns(decisions: dict[int, list[tuple[str, dict]]]) -> tuple[list[dict], dict[str, int]]:
    """As `_play_2022`: the indicators at the end of each turn, and each fired inject's title with its day."""
    ex, sc = load_exercise("mass-arrival-2022")
    run = ExerciseRun(ex, sc)
    turns = []
    while not run.finished:
        for role, d in decisions.get(run.turn + 1, []):
            run.submit(role, d)
        run.advance()
        turns.append(indicators(run.model))
    return turns, {e["what"]: e["day"] for e in run.log if e["kind"] == "inject"}


def test_the_2022_exercise_shows_its_crisis_when_nobody_decides_and_players_can_prevent_it():
    """The exercise is the facilitator's line to measure a workshop against: with nobody deciding,
    Ter Apel fills and people sleep without a bed (the plan's ladder is off: in 2022 there was none,
    the players are the plan); emergency places asked for in the first turns, after "Instroom
    stijgt", open after their 21 days' lead time in time to keep everyone in a bed."""
    nobody, fired = _play_2022({})
    assert nobody[:4] == [0.0] * 4                             # turns 1-4: Ter Apel fills, nobody outside yet
    assert nobody[4] > 0                                       # turn 5: the first without a bed ...
    assert all(b > a > 0 for a, b in pairwise(nobody[5:]))   # ... and from turn 6 it only grows
    assert nobody[-1] > 2_000
    assert {"Ter Apel overvol", "Mensen zonder bed", "Veiligheidsregio gevraagd"} <= set(fired)
    places = {"type": "open_places", "kind": "emergency", "places": 4000}
    in_time, fired = _play_2022({2: [("coa", places)], 3: [("coa", places)], 5: [("coa", places)]})
    assert in_time == [0.0] * 12
    assert not {"Ter Apel overvol", "Mensen zonder bed"} & set(fired)


def test_the_facilitators_guide_shows_what_the_2022_exercise_does():
    """docs/exercises.md's table of mass-arrival-2022 with nobody deciding (Ter Apel's occupancy and
    the people without a bed at the end of the turns it shows), the days its injects fire, and what
    6,000 emergency places (COA, turn 5) and 1,000 crisis places (the safety region, turn 6) do, are
    what the exercise gives: a facilitator measures a workshop against them (they had drifted from
    the model: 391 for 388 people without a bed on turn 5, "Mensen zonder bed" on day 74 for 78; and
    COA may not open crisis places)."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "exercises.md").read_text()
    head = re.search(r"^\| turn \|(.*)\|$", text, re.M)
    occ = re.search(r"^\| Ter Apel occupancy \|(.*)\|$", text, re.M)
    outside = re.search(r"^\| people without a bed \|(.*)\|$", text, re.M)
    assert head and occ and outside
    shown = [int(c) for c in head.group(1).split("|")]
    turns, fired = _play_2022_turns({})
    assert [f"{round(100 * turns[t - 1]['central_occupancy'])} %" for t in shown] == \
        [c.strip() for c in occ.group(1).split("|")]
    assert [f"{turns[t - 1]['unsheltered']:,.0f}" for t in shown] == [c.strip() for c in outside.group(1).split("|")]
    days = re.search(r'"Ter Apel overvol" fires on day (\d+), "Mensen zonder bed" on day (\d+)', text)
    assert days and (fired["Ter Apel overvol"], fired["Mensen zonder bed"]) == (int(days[1]), int(days[2]))
    flat = " ".join(text.split())             # (the guide's lines are wrapped)
    said = re.search(r"6,000 on turn 5 and 1,000 crisis places on turn 6 \(the safety region\) clear the beds by "
                     r"turn 6 and keep everyone in a bed to the end", flat)
    assert said, "the guide's sentence on 6,000 and 1,000 places"
    turns, _ = _play_2022_turns({5: [("coa", {"type": "open_places", "kind": "emergency", "places": 6000})],
                                 6: [("vr-gr", {"type": "open_places", "kind": "crisis", "places": 1000,
                                                "province": "Groningen"})]})
    outside_by_turn = [t["unsheltered"] for t in turns]
    assert outside_by_turn[4] > 0 and outside_by_turn[5:] == [0.0] * 7


def test_a_turns_end_gives_the_registration_locations_occupancy_the_guide_and_the_injects_read():
    # `play`'s turn lines and the log gave the occupancy of all places (96 % on mass-arrival-2022's turn 1),
    # where the guide's table and the injects about Ter Apel read the registration location's (31 %); and
    # "unsheltered N", where the guide and the after-action report say "without a bed"
    run = run_of()
    run.advance()
    v = indicators(run.model)
    assert v["central_places"] > 0
    ended = next(e for e in run.log if e["kind"] == "turn")
    assert ended["detail"].startswith(f"occupancy {v['occupancy']:.0%}, "
                                      f"Ter Apel (registration) {v['central_occupancy']:.0%}, without a bed ")


@pytest.mark.parametrize("change, message", [
    ({"turns": 0}, "x.yaml: turns: Input should be greater than or equal to 1"),
    ({"roles": [{"id": "COA table", "type": "coa"}]},        # an id in words, not pydantic's regular expression
     "roles.0.id: must be lower-case letters, digits, '-' and '_', starting with a letter or digit, at most 40 "
     "characters (got 'COA table')"),
    ({"roles": [{"id": "p", "type": "province"}]}, "x.yaml: roles.0.province: a province role needs its province"),
    ({"roles": [{"id": "c", "type": "coa", "province": "Groningen"}]}, "roles.0.province: a coa role is national"),
    ({"roles": [{"id": "p", "type": "province", "province": "Atlantis"}]}, "roles.0.province: unknown province"),
    ({"roles": [{"id": "p", "type": "province", "province": "Drenthe"}]}, "'Drenthe' is outside this world"),
    ({"roles": [{"id": "c", "type": "mayor"}]}, "roles.0.type: Input should be"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 3, "role": "ind",
                   "expected": {"decision": "open_places"}}]}, "injects.0.expected.decision: ind may not take"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 99}]}, "injects.0.at_day: 99 is after the last"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s"}]}, "injects.0: give exactly one of at_day or when"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 1, "contingency": True}]},
     "a contingency inject has no at_day"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 1, "role": "boss"}]}, "injects.0.role: 'boss'"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 1, "role": "gem_gr"}]},
     "injects.0.role: 'gem_gr' is not one of the roles (did you mean 'gem-gr'?)"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 1, "objective": "bed"}]},
     "injects.0.objective: 'bed' is not one of the objectives (did you mean 'beds'?)"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 1, "objective": "flow"}]},
     "injects.0.objective: 'flow' is not one of the objectives (beds)"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 1,
                   "effect": [{"action": "set", "parameter": "chain.screening_days", "value": -1}]}]},
     "injects.0.effect.0"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 1,
                   "effect": [{"action": "scale", "parameter": "portfolio.seed", "value": 2}]}]},
     "injects.0.effect.0: parameter: 'portfolio.seed' is fixed when the world is built"),
    ({"injects": [{"id": "a", "title": "t", "synopsis": "s", "at_day": 1,
                   "effect": [{"action": "open", "kind": "regular", "places": 5, "date": "2025-01-01"}]}]},
     "injects.0.effect.0.date: an inject's effect has no date"),
    ({"scenario": "no-such-scenario"}, "x.yaml: scenario: no-such-scenario: no such scenario"),
    ({"colour": "red"}, "x.yaml: colour: unknown field"),
])
def test_a_bad_exercise_file_gets_one_line_naming_the_field(change, message):
    data = exercise(**change)
    text = yaml.safe_dump(data, sort_keys=False)
    with pytest.raises(ScenarioError) as err:
        exercise_from_text(text, "x.yaml")
    assert message in str(err.value), str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("at, said", [
    ("2025-07-22", "(got 2025-07-22: that is day 21)"),            # a YAML date, as the scenario's events are dated
    ("'2025-07-08'", "(got 2025-07-08: that is day 7)"),           # the same as text
    ("2025-06-30", "(got 2025-06-30: that is 1 day before the scenario's start, 2025-07-01)"),
])
def test_an_inject_timed_by_a_date_is_told_the_day_number_it_means(at, said):
    """A facilitator dates an inject as the scenario's events are dated: refused in one line that says
    `at_day` counts days from the exercise's first day and which day the date is (pydantic's "Input
    should be a valid integer (got datetime.date(2025, 7, 22))" before)."""
    text = yaml.safe_dump(exercise(injects=[{"id": "a", "title": "t", "synopsis": "s", "at_day": 7}]), sort_keys=False)
    assert "at_day: 7\n" in text
    with pytest.raises(ScenarioError) as err:
        exercise_from_text(text.replace("at_day: 7\n", f"at_day: {at}\n"), "x.yaml")
    assert str(err.value) == ("x.yaml: injects.0.at_day: a day number counted from the exercise's first day (day 0, "
                              f"the scenario's start), not a date {said}")


def test_an_exercise_file_is_read_under_the_scenario_contract():
    with pytest.raises(ScenarioError, match=r"x\.yaml: line 2 not valid YAML"):
        exercise_from_text("name: a\n  - b: [", "x.yaml")
    with pytest.raises(ScenarioError, match="key 'name' is given twice"):
        exercise_from_text("name: a\nname: b\n", "x.yaml")


@pytest.mark.parametrize("scenario, name", [
    ("{extends: baseline, provinces: [Zeeland], inflow: {first_applications_per_year: 90000}}",
     "baseline with changes: provinces, inflow"),
    ("{extends: baseline, name: zeeland-surge, provinces: [Zeeland]}", "zeeland-surge"),
    ("{extends: baseline, description: as it is}", "baseline")])
def test_an_exercise_on_a_changed_scenario_names_it_as_changed(scenario, name, tmp_path, capsys):
    # `{extends: baseline, …}` without a name took baseline's: the exercise said "on scenario 'baseline'"
    text = (f"name: e\ntitle: E\nsynopsis: S\nscenario: {scenario}\nturn_days: 2\nturns: 3\n"
            "roles:\n  - {id: coa, type: coa}\n")
    _, sc = exercise_from_text(text, "e.yaml")
    assert sc.name == name
    (tmp_path / "e.yaml").write_text(text)
    from experiments.cli import main
    assert main(["exercise", "validate", str(tmp_path / "e.yaml")]) == 0
    # one role, no injects: counted in the singular where it is one ("1 roles" before)
    assert f"valid exercise 'e' on scenario {name!r} (3 turns of 2 days, 1 role, 0 injects)" in capsys.readouterr().out


def test_the_national_table_asks_for_a_regime_and_it_comes_after_its_delay():
    sc = small_scenario()
    sc["regimes"] = [{"type": "crisis", "request_at_phase": 4, "authorisation_delay_days": 5,
                      "derogations": {"chain.registration_deadline_days": 28}}]
    run = run_of(scenario=sc)
    run.submit("lrt", {"type": "request_regime", "regime": "crisis", "why": "Ter Apel overfull"})
    run.advance()
    s = run.model.state
    # requested before day 0, authorised 5 days later (the plan never reaches phase 4 in an empty world)
    regime = [(e["day"], e["what"]) for e in s.event_log if "regime" in e["what"]]
    assert regime == [(0, "request_regime crisis"), (5, "crisis regime authorised and in force")]
    assert s.params.chain.registration_deadline_days == 28


def test_an_inject_asking_for_a_regime_says_what_the_model_did_with_the_request():
    # the facilitator fires "the cabinet asks Brussels" after the national table asked already: the log said
    # only that the inject fired, not that the regime was requested (or that nothing changed: asked already)
    sc = small_scenario()
    sc["regimes"] = [{"type": "crisis", "request_at_phase": 4, "authorisation_delay_days": 5}]
    ask = [{"id": "ask", "title": "EU", "synopsis": "ask Brussels", "contingency": True,
            "effect": [{"action": "request_regime", "regime": "crisis"}]}]
    run = run_of(scenario=sc, injects=ask)
    run.fire("ask")
    assert [(e["kind"], e["what"], e["detail"]) for e in run.log[-2:]] == [
        ("inject", "EU", "ask Brussels"),
        ("model", "inject ask: request_regime crisis", "requested; authorisation expected in 5 days")]
    again = run_of(scenario=sc, injects=ask)
    again.submit("lrt", {"type": "request_regime", "regime": "crisis"})
    again.advance()
    again.fire("ask")
    assert again.log[-1]["detail"] == "already requested or in force; nothing changed"


def test_a_second_reprioritisation_moves_a_share_of_todays_decisions():
    run = run_of()
    run.submit("ind", {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.5})
    run.advance()
    run.submit("ind", {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.5})
    assert run.panel("ind")["tracks"]["regular"]["decisions_per_day"] == 25
    run.advance()
    # regular 50, dublin 10 -> 25 and 35 -> half of today's 25 moves: 12.5 and 47.5 (from the scenario
    # as loaded it would be 25 and 35 again)
    per_day = run.model.state.params.chain.decisions_per_day
    assert (per_day["regular"], per_day["dublin"]) == (12.5, 47.5)


def test_a_version_1_save_file_is_migrated_and_restores_the_same_state(tmp_path):
    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    _busy(run)
    run.advance()
    v1 = savefile.to_dict(run)           # version 1 = version 2 without lessons learned
    v1["format_version"] = 1
    del v1["lessons"]
    (tmp_path / "v1.json").write_text(json.dumps(v1))
    back = savefile.load(tmp_path / "v1.json")
    _same_run(back.model.state, run.model.state)
    assert back.lessons == {} and back.log == run.log


def test_a_save_with_seats_is_format_4_a_format_3_save_loads_as_before_and_a_newer_one_is_refused(tmp_path):
    """The room's `seat` commands (a table leaving, freed, taken over, back) came with format 4: a noodplan
    before them says "written by a newer noodplan" of such a save, not "commands.N: unknown command 'seat'"
    (as it did of the saves format 3 held them in). A format-3 save (none in it) restores as before; one that
    holds a seat command is refused in one line, and so is a save of a format after this noodplan's."""
    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    _busy(run)
    run.seat("gem-gr", "taken_over", 6)          # turn 2, day 7: after 6 minutes without a sign of its page
    run.seat("coa", "left", others=1)
    run.advance()
    saved = json.loads(savefile.save(run, tmp_path / "x.json").read_text())
    assert saved["format_version"] == 4
    assert [c for c in saved["commands"] if c["op"] == "seat"] == [
        {"op": "seat", "role": "gem-gr", "change": "taken_over", "minutes": 6},
        {"op": "seat", "role": "coa", "change": "left", "others": 1}]
    back = savefile.load(tmp_path / "x.json")
    assert back.fingerprint() == run.fingerprint() and back.log == run.log and back.commands == run.commands
    assert [(e["turn"], e["day"], e["role"], e["what"]) for e in back.log if e["kind"] == "seat"] == [
        (2, 7, "gem-gr", "seat taken over by a new participant after 6 minutes away (no sign of its page)"),
        (2, 7, "coa", "left the room (Leave)")]

    # format 3, as saved before seats were logged: the same exercise without them restores to its state
    plain = run_of(scenario=small_scenario(first_applications_per_year=3000))
    _busy(plain)
    plain.advance()
    v3 = {**savefile.to_dict(plain), "format_version": 3}
    again = savefile.from_dict(v3, "v3.json")
    assert again.fingerprint() == plain.fingerprint() and again.log == plain.log and again.replay_note == ""
    assert savefile.to_dict(again)["format_version"] == 4          # saved again: today's format

    # a format-3 save with a seat command (edited, or written between the two changes): one line, its place named
    for version in (3, 2):
        with pytest.raises(ScenarioError) as caught:
            savefile.from_dict({**saved, "format_version": version}, "old.json")
        assert str(caught.value) == (f"old.json: commands.3: a 'seat' command in a save of format_version "
                                     f"{version}: 'seat' came with version 4 (a save with one says format_version 4 "
                                     "or later)")
    # a newer noodplan's save
    for version, said in ((5, "format_version 5: written by a newer noodplan (this one reads versions 1 to 4); "
                              "open it with that noodplan or a later one"),
                          (0, "format_version 0 is not one this noodplan reads (a whole number, 1 to 4)"),
                          ("4", "format_version '4' is not one this noodplan reads (a whole number, 1 to 4)"),
                          (True, "format_version True is not one this noodplan reads (a whole number, 1 to 4)")):
        with pytest.raises(ScenarioError) as caught:
            savefile.from_dict({**saved, "format_version": version}, "new.json")
        assert str(caught.value) == f"new.json: {said}"


def _first_day_injects() -> list[dict]:
    return [{"id": id_, "title": id_, "synopsis": "s", "role": "coa", "objective": "beds", "at_day": at_day,
             "expected": {"decision": "open_places", "within_turns": 1},
             "effect": [{"action": "set", "parameter": "chain.screening_days", "value": 10 + at_day}]}
            for id_, at_day in (("second", 7), ("third", 14))]


def test_a_save_played_before_first_day_injects_were_told_at_the_opening_replays_as_it_was_played(tmp_path):
    """Last month's workshop, saved by format 2, was played when an inject due on a turn's first day was
    told among that turn's days, after its decisions. Replayed by today's rule, COA's decision of turn 2
    (made before the inject reached the tables) became its answer and the verdict changed: another story.
    It is replayed, and goes on, by the rule it was played under, and the room and the report say so."""
    from experiments.exercise import report

    data = exercise(injects=_first_day_injects())
    decision = {"type": "open_places", "kind": "emergency", "places": 10, "why": "before any news"}
    commands = [{"op": "advance"}, {"op": "decide", "role": "coa", "decision": decision}, {"op": "advance"}]
    scenario = exercise_from_dict(data)[1].model_dump(mode="json")
    old = {"format": "noodplan-exercise", "format_version": 2, "code_version": "noodplan 0.1.0 (before)",
           "exercise": {**data, "scenario": scenario}, "commands": commands, "lessons": {}}
    (tmp_path / "workshop.json").write_text(json.dumps(old))
    back = savefile.load(tmp_path / "workshop.json")
    story = [(e["kind"], e["what"].split(":")[0], e["day"]) for e in back.log if e["kind"] in ("decision", "inject")]
    # as the tables had it
    assert story == [("decision", "open 10 emergency (noodopvang) places", 7), ("inject", "second", 7)]
    told = next(e for e in back.log if e["kind"] == "inject")
    assert told["answer_at"] == 3
    verdicts = {r["inject"]: r["status"] for r in report.assessment(back)[0]["rows"]}
    assert verdicts["second"] != "met"          # the decision came before the news: not its answer
    assert back.rule_note and "Injects on a turn's first day:" in report.render(back)
    assert back.replay_note == ""
    # it goes on by that rule: turn 3's first-day inject fires among its days, not as it opens
    assert "third" not in back.book.fired
    back.advance()
    assert back.book.fired["third"] == 14 and back.log[-1]["kind"] == "turn"
    # saved again: format 3, naming the rule; restored, the same state and story; a fork keeps the rule
    again = savefile.load(savefile.save(back, tmp_path / "again.json"))
    assert json.loads((tmp_path / "again.json").read_text())["first_day_injects"] == "after the turn's decisions"
    assert again.fingerprint() == back.fingerprint() and again.log == back.log and again.rule_note
    back.snapshot("s")
    assert not back.fork("s").opening_injects

    # the same commands played today: the inject is told as turn 2 opens, the decision answers it
    today = replay(*exercise_from_dict(data), commands)
    assert [(e["kind"], e["what"].split(":")[0]) for e in today.log if e["kind"] in ("decision", "inject")][:2] \
        == [("inject", "second"), ("decision", "open 10 emergency (noodopvang) places")]
    assert today.fingerprint() != back.fingerprint() or today.log != back.log
    saved = savefile.to_dict(today)
    assert saved["format_version"] == 4 and saved["first_day_injects"] == "as the turn opens"
    assert savefile.from_dict(saved).log == today.log and savefile.from_dict(saved).rule_note == ""
    # a format-2 file the noodplan with today's rule wrote is known by its fingerprint
    between = {**old, "fingerprint": today.fingerprint()}
    restored = savefile.from_dict(between, "between.json")
    assert restored.log == today.log and restored.rule_note == "" and restored.replay_note == ""
    with pytest.raises(ScenarioError, match=r"^x.json: first_day_injects: one of 'as the turn opens', "):
        savefile.from_dict({**saved, "first_day_injects": "soon"}, "x.json")
    # ... also when the earlier rule refuses one of its commands: the facilitator reopened on day 7 what the
    # inject told as turn 2 opened had closed (by the earlier rule that closure had not happened yet)
    data = exercise(injects=[_flood(at_day=7)])
    commands = [{"op": "advance"}, {"op": "adhoc", "title": "water gone", "synopsis": "w",
                                    "effect": [{"action": "reopen", "closure": "flood"}]}, {"op": "advance"}]
    today = replay(*exercise_from_dict(data), commands)
    between = {**{k: v for k, v in savefile.to_dict(today).items() if k != "first_day_injects"}, "format_version": 2}
    assert savefile.from_dict(between).fingerprint() == today.fingerprint()
    del between["fingerprint"]                  # nothing tells the rules apart: the earlier rule, which refuses
    with pytest.raises(ScenarioError, match=r"^s.json: commands.1: decision: closure: no closure with the id 'flood'"):
        savefile.from_dict(between, "s.json")


def test_a_save_that_replays_to_another_state_says_so_in_the_room_and_the_report(tmp_path):
    # a save holds the state's fingerprint; restored by code whose model changed since, the replay is in
    # another state than the tables saw. It is kept (the decisions are the workshop's record) with a note.
    from experiments.exercise import report

    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    _busy(run)
    run.advance()
    path = savefile.save(run, tmp_path / "x.exercise.json")
    saved = json.loads(path.read_text())
    assert saved["fingerprint"] == run.fingerprint()
    assert savefile.load(path).replay_note == ""                 # the same code: the same state, no note
    other = {**saved, "fingerprint": "00000000", "code_version": "noodplan 0.9 (abc)"}
    (tmp_path / "other.json").write_text(json.dumps(other))
    back = savefile.load(tmp_path / "other.json")
    _same_run(back.model.state, run.model.state)                 # replayed as today's code does
    assert back.replay_note.startswith("other.json was saved by noodplan 0.9 (abc) in state 00000000; "
                                       "replayed by ") and f"it is in state {run.fingerprint()}" in back.replay_note
    said = "Not the state it was saved in:"
    assert said in report.render(back) and said not in report.render(run)
    back.snapshot("s")                                           # a fork goes on from that state: it says so too
    run.snapshot("s")
    assert back.fork("s").replay_note == back.replay_note and run.fork("s").replay_note == ""
    del other["fingerprint"]                                     # the first saves had none: no check
    (tmp_path / "first.json").write_text(json.dumps(other))
    assert savefile.load(tmp_path / "first.json").replay_note == ""


@pytest.mark.parametrize("raw", [b"", b"  \n", "\n"])
def test_an_empty_save_is_told_empty(raw):
    # it read "not a saved noodplan exercise (Expecting value: line 1 column 1 (char 0))"
    with pytest.raises(ScenarioError, match=r"^w\.json: the file is empty: not a saved noodplan exercise \(a save "
                                            r"was cut off, or another file was given\)$"):
        savefile.from_bytes(raw, "w.json")


@pytest.mark.parametrize("text", ["", "\n  \n", "\ufeff"])
def test_an_empty_exercise_file_is_told_empty(text, tmp_path):
    # it read "an exercise is a mapping of fields", as for a list or a number
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^mine\.yaml: the file is empty; an exercise is a mapping of fields"):
        load_exercise(str(path))
    with pytest.raises(ScenarioError, match=r"^upload: the file is empty"):
        exercise_from_text(text, "upload")


def test_a_save_edited_after_it_was_saved_is_not_blamed_on_a_changed_model(tmp_path):
    # the same noodplan replays a save whose scenario was edited by hand (another seed): the state differs,
    # but the code that wrote it is the code that replays it; the note said "the model changed in between"
    # naming the same version twice
    from model.snapshot import code_version

    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    _busy(run)
    run.advance()
    saved = json.loads(savefile.save(run, tmp_path / "x.json").read_text())
    saved["exercise"]["scenario"]["seed"] = saved["exercise"]["scenario"]["seed"] + 1
    (tmp_path / "edited.json").write_text(json.dumps(saved))
    note = savefile.load(tmp_path / "edited.json").replay_note
    assert note.startswith(f"edited.json was saved by this noodplan ({code_version()}) in state "
                           f"{run.fingerprint()}, and replays to state ")
    assert "were changed after it was saved" in note and "the model changed" not in note


def test_the_report_holds_every_decision_the_assessment_and_the_lessons(tmp_path):
    from experiments.exercise import report

    injects = [{"id": "call", "title": "call for places", "synopsis": "s", "at_day": 2, "role": "coa",
                "expected": {"decision": "open_places", "within_turns": 1}, "objective": "beds"},
               {"id": "ask-ind", "title": "ask the IND", "synopsis": "s", "at_day": 3, "role": "ind",
                "expected": {"decision": "reprioritise", "within_turns": 1}, "objective": "beds"},
               {"id": "later", "title": "never comes", "synopsis": "s", "at_day": 40, "role": "coa",
                "expected": {"decision": "raise_occupancy"}, "objective": "beds"}]
    run = run_of(injects=injects)
    run.advance()                          # turn 1: both injects fire (days 2 and 3)
    run.submit("coa", {"type": "open_places", "kind": "emergency", "places": 10, "why": "answer <to> call"})
    run.advance()                          # turn 2: COA's decision at the first boundary after: met
    run.submit("ind", {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.1})
    run.advance()                          # turn 3: the IND's decision one boundary too late
    run.lesson("beds", "ask earlier")
    (obj,) = report.assessment(run)
    assert [(r["inject"], r["status"]) for r in obj["rows"]] == [("call", "met"), ("ask-ind", "late"),
                                                                 ("later", "not fired yet")]
    text = report.write(run, tmp_path / "aar.html").read_text()
    assert text.count("<tr class='k-decision'>") == 2
    assert "answer &lt;to&gt; call" in text and "ask earlier</textarea>" in text
    assert "<td>due on day 40 (turn 6)</td>" in text and "<b>not fired yet</b>" in text
    # an objective no inject tests says so (it showed a table of headers only)
    other = run_of(objectives=[{"id": "beds", "text": "beds"}, {"id": "flow", "text": "the chain moves"}],
                   injects=injects)
    text = report.render(other)
    assert text.count("<table class='obj'>") == 1
    flow = text[text.index("<h3>flow: the chain moves</h3>"):]
    assert flow.startswith("<h3>flow: the chain moves</h3><p class='meta'>No inject of this exercise tests this "
                           "objective: judge it from the key figures and the log.</p>")
    assert "data:image/png;base64," in text          # self-contained: nothing fetched or run
    assert "<script" not in text and "href=" not in text and "src='http" not in text


def test_the_report_says_what_came_of_each_decision_it_assesses():
    # a request for places was "met" with nothing beside it, though the municipalities may have accepted none:
    # the actual decisions now say what came of them (the log's outcome, a request's answer)
    from experiments.exercise import report

    injects = [{"id": "call", "title": "call for places", "synopsis": "s", "at_day": 0, "role": "prov-gr",
                "expected": {"decision": "request_places", "within_turns": 2}, "objective": "beds"},
               {"id": "open", "title": "open some", "synopsis": "s", "at_day": 0, "role": "coa",
                "expected": {"decision": "open_places", "within_turns": 1}, "objective": "beds"}]
    run = run_of(injects=injects, scenario=willing(1.0))
    run.submit("prov-gr", {"type": "request_places", "kind": "emergency", "places": 100, "province": "Groningen"})
    run.submit("coa", {"type": "open_places", "kind": "emergency", "places": 30})
    run.advance()                      # the request goes to gem-gr, played: it answers in the next turn

    def actual() -> list[str]:
        (obj,) = report.assessment(run)
        return [re.sub(r"<br>", " | ", report._actual(r["actual"], run.log)) for r in obj["rows"]]

    assert actual() == ["turn 1: request 100 emergency (noodopvang) places in Groningen → waiting for the answer "
                        "of gem-gr", "turn 1: open 30 emergency (noodopvang) places → 30 emergency places opening "
                        "in 21 days"]
    run.submit("gem-gr", {"type": "answer_request", "request": 1, "places": 40})
    run.submit("prov-gr", {"type": "request_places", "kind": "emergency", "places": 50, "province": "Groningen"})
    run.advance(["coa", "prov-gr"])    # nobody at gem-gr now: the model answers the second request at once
    assert actual()[0] == ("turn 1: request 100 emergency (noodopvang) places in Groningen → answered by gem-gr: "
                           "accept 40 of 100 places | turn 2: request 50 emergency (noodopvang) places in Groningen"
                           " → answered by the model: 50 of 50 places")
    assert "<td>request places</td>" in report.render(run)


def test_the_log_says_when_a_regime_asked_for_comes_into_force():
    # the national table asked for the crisis regime; its authorisation (3 days later here) was only in the
    # model's event log: the room's log, `play` and the report did not say when it applied
    sc = small_scenario()
    sc["regimes"] = [{"type": "crisis", "request_at_phase": 4, "authorisation_delay_days": 3,
                      "derogations": {"chain.registration_deadline_days": 28}}]
    run = run_of(scenario=sc)
    run.submit("lrt", {"type": "request_regime", "regime": "crisis", "why": "the chain is stuck"})
    run.advance()
    told = [(e["turn"], e["day"], e["kind"], e["what"]) for e in run.log if e["kind"] in ("decision", "model")]
    assert told == [(1, 0, "decision", "request the crisis regime"),
                    (1, 3, "model", "regime: crisis regime authorised and in force")]
    assert run.log[1]["date"] == str(run.model.state.world.dates[3])
    assert "chain.registration_deadline_days = 28" in run.log[1]["detail"]


def test_the_verdicts_count_the_boundaries_a_role_could_answer_at():
    """A facilitator fires a contingency inject while a turn is open and the table decides in that
    turn: its decision acts at that turn's boundary, after the inject, and is *met* (it was *not
    taken*: the decision shares the inject's turn number); a decision the table had submitted before
    the inject does not answer it. An inject whose boundaries are not all
    played is *open* in a report written mid-way, not *not taken*; one that fires among the last
    turn's days had no boundary to answer at."""
    from experiments.exercise import report

    def inject(id_, role, decision, within=1, **timing):
        return {"id": id_, "title": id_, "synopsis": "s", "role": role, "objective": "beds",
                "expected": {"decision": decision, "within_turns": within}, **timing}

    run = run_of(injects=[inject("council", "coa", "open_places", contingency=True),
                          inject("backlog", "ind", "reprioritise", within=2, at_day=8),
                          inject("last-call", "coa", "raise_occupancy", at_day=38)])

    def verdicts():
        return {r["inject"]: r["status"] for r in report.assessment(run)[0]["rows"]}

    run.advance()                                              # turn 1
    run.submit("coa", {"type": "open_places", "kind": "emergency", "places": 10, "why": "planned anyway"})
    run.fire("council")                                        # during turn 2, before its boundary
    run.submit("coa", {"type": "open_places", "kind": "emergency", "places": 10, "why": "replace them"})
    run.advance()                                              # turn 2: COA's decision; "backlog" on day 8
    assert verdicts() == {"council": "met", "backlog": "open", "last-call": "not fired yet"}
    (row,) = [r for r in report.assessment(run)[0]["rows"] if r["inject"] == "council"]
    assert [a["why"] for a in row["actual"]] == ["replace them"]
    run.advance()                                              # turn 3: the IND's first boundary, unused
    assert verdicts()["backlog"] == "open"
    while not run.finished:
        run.advance()                                          # "last-call" fires among turn 6's days
    assert verdicts() == {"council": "met", "backlog": "not taken", "last-call": "no turn left"}
    assert "<b>no turn left</b>" in report.render(run)


def test_a_report_written_mid_way_says_an_inject_still_to_come_is_not_fired_yet():
    """A facilitator writes the report at the break: an inject due in a later turn, or one nobody
    has fired yet, may still come (it read "not fired", as a report at the end says of one that never
    came); at the end the one never fired is "not fired"."""
    from experiments.exercise import report

    run = run_of(injects=[{"id": "late", "title": "late", "synopsis": "s", "role": "coa", "objective": "beds",
                           "at_day": 30, "expected": {"decision": "open_places"}},
                          {"id": "spare", "title": "spare", "synopsis": "s", "role": "coa", "objective": "beds",
                           "contingency": True, "expected": {"decision": "open_places"}}])

    def verdicts():
        return {r["inject"]: r["status"] for r in report.assessment(run)[0]["rows"]}

    run.advance()
    assert verdicts() == {"late": "not fired yet", "spare": "not fired yet"}
    assert "<td>due on day 30 (turn 5)</td>" in report.render(run)
    while not run.finished:
        run.advance()
    assert verdicts() == {"late": "not taken", "spare": "not fired"}


def test_every_turns_end_is_logged_on_its_last_day_as_the_turn_table_has_it():
    # turn N of 7 days simulates days 7(N-1) to 7N-1: its end is logged on day 7N-1, dated start + 7N-1, the
    # day the report's turn table gives its figures for (the log said day 7N, the next turn's first day, while
    # the table said 7N-1); the last turn's too (it was once dated a day early: the model's date stays on its
    # last day at the horizon), and the report says "to" that date
    import datetime as dt

    from experiments.exercise import report

    run = run_of()
    while not run.finished:
        run.advance()
    ends = [(e["day"], e["date"]) for e in run.log if e["kind"] == "turn"]
    start = run.scenario.start_date
    assert ends == [(7 * n - 1, str(start + dt.timedelta(days=7 * n - 1))) for n in range(1, 7)]
    assert [(r["day"], r["date"]) for r in report.turn_figures(run)] == ends
    assert run.date() == str(start + dt.timedelta(days=42))
    assert f"days 0 to 41 simulated: {start} to {start + dt.timedelta(days=41)}" in report.render(run)


def test_the_reports_figures_at_each_turns_end_are_the_runs_daily_figures():
    # the report showed its key figures only as a picture: a facilitator could not check a number
    # against the run's daily table. Its table of each turn's last day is that table's rows.
    from experiments.exercise import report

    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    for _ in range(3):
        _busy(run)
    daily = run.model.datacollector.get_model_vars_dataframe()
    rows = report.turn_figures(run)
    assert [(r["turn"], r["day"]) for r in rows] == [(1, 6), (2, 13), (3, 20)]
    for r in rows:
        for key in ("unsheltered", "occupancy_rate", "registration_backlog", "permit_holders_waiting"):
            assert r[key] == daily[key].iloc[r["day"]]
        assert r["plan_phase"] == daily["phase"].iloc[r["day"]] and r["date"] == str(daily["date"].iloc[r["day"]])[:10]
    html = report.render(run)
    last = rows[-1]
    assert (f"<tr><td>3</td><td>20</td><td>{last['date']}</td><td>{last['unsheltered']:,.0f}</td>"
            f"<td>{last['occupancy_rate']:.1%}</td>") in html


def test_the_report_shows_the_registration_locations_occupancy_as_the_injects_read_it():
    # Ter Apel filling up is what `mass-arrival-2022` is about and what its injects' conditions read
    # (`central_occupancy`), but the report's figure and table had no such figure: only the log's turn lines.
    # The small world's registration location has 20 places: its persons there / 20 on each turn's last day.
    from experiments.exercise import report

    run = run_of(scenario=small_scenario(first_applications_per_year=600))      # (not full: it varies)
    for _ in range(3):
        run.advance()
        assert report.turn_figures(run)[-1]["central_occupancy"] == indicators(run.model)["central_occupancy"]
    daily = run.model.datacollector.get_model_vars_dataframe()      # central_occupancy: persons (daily.csv)
    rows = report.turn_figures(run)
    assert [r["central_occupancy"] for r in rows] == [daily["central_occupancy"].iloc[r["day"]] / 20 for r in rows]
    assert len({r["central_occupancy"] for r in rows}) == 3
    html = report.render(run)
    assert "<th>registration location (aanmeldcentrum, Ter Apel): persons / places</th>" in html
    last = rows[-1]
    assert (f"<td>{last['occupancy_rate']:.1%}</td><td>{last['central_occupancy']:.1%}</td>"
            f"<td>{last['registration_backlog']:,.0f}</td>") in html


def test_the_report_gives_each_turns_moves_and_cost_summed_from_the_runs_daily_table():
    """The plan asks how often people (families) are moved and what reception costs: the report had
    neither. Each turn's row gives the persons moved and the cost over the turn's days, and a line the
    totals over every day simulated, each the sum of the run's daily table; after a rewind, of the line
    of play (the rewound days are not counted)."""
    from experiments.exercise import report

    run = run_of(scenario=small_scenario(first_applications_per_year=3000))
    for _ in range(3):
        _busy(run)
    run.snapshot("t3")
    _busy(run)
    run.rewind("t3")
    run.advance()
    table = results_of(run.model.state).daily                           # daily.csv's columns
    daily = {k: table[k].to_series() for k in ("moves", "cost_eur")}
    assert len(daily["moves"]) == 28 and daily["moves"].sum() > 0
    rows = report.turn_figures(run)
    assert [r["turn"] for r in rows] == [1, 2, 3, 4]
    for r in rows:
        days = slice(r["day"] - 6, r["day"] + 1)                  # the turn's seven days
        assert r["moves"] == daily["moves"].iloc[days].sum()
        assert r["cost_eur"] == pytest.approx(daily["cost_eur"].iloc[days].sum(), rel=1e-12)
    assert report.totals(run) == pytest.approx({"moves": daily["moves"].sum(), "cost_eur": daily["cost_eur"].sum()})
    html = report.render(run)
    last = rows[-1]
    assert f"<td>{last['moves']:,.0f}</td><td>{last['cost_eur'] / 1e6:,.2f}</td></tr>" in html
    assert (f"Over the 28 days simulated: {daily['moves'].sum():,.0f} person-moves between locations, reception "
            f"cost EUR {daily['cost_eur'].sum() / 1e6:,.2f} million.") in html


def test_reports_are_drawn_without_pyplot_so_two_facilitators_can_download_at_once(monkeypatch):
    # pyplot keeps one global figure manager, not safe across the server's threads; the report draws on
    # its own Figure. With pyplot made unimportable, two reports drawn at once equal one drawn alone.
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from experiments.exercise import report

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    run = run_of()
    run.advance()
    run.advance()
    alone = report._figure(run)
    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(report._figure, [run, run])) == [alone, alone]


def test_each_role_sees_its_own_panel():
    run = run_of()
    run.submit("ind", {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.5})
    run.advance()
    coa, ind, gem, lrt = (run.panel(r) for r in ("coa", "ind", "gem-gr", "lrt"))
    # the small world's open locations by kind: central 20, process 10, regular 10 places (its one
    # emergency location of 10 closed on day 0: under half full, consolidated)
    assert {k: v["places"] for k, v in coa["kinds"].items()} == {"central": 20, "process": 10, "regular": 10}
    assert ind["tracks"]["regular"]["decisions_per_day"] == 25 and ind["tracks"]["dublin"]["decisions_per_day"] == 35
    assert gem["province"]["name"] == "Groningen" and len(gem["locations"]) == 3
    assert set(gem["decisions"]) == {"open_places", "answer_request"}
    assert gem["decisions"]["open_places"]["kinds"]["emergency"]["lead_time_days"] == 21
    assert not {"kinds", "tracks", "locations", "province"} & set(lrt)


def test_a_regional_table_sees_the_places_its_planned_location_opens_with():
    # the municipalities open 30 emergency places; until they open (21 days) the province's table
    # listed the planned location with 0 places (its usable places today)
    run = run_of()
    run.submit("gem-gr", {"type": "open_places", "kind": "emergency", "places": 30})
    run.advance()
    (planned,) = [x for x in run.panel("gem-gr")["locations"] if x["state"] == "planned"]
    assert (planned["places"], planned["in_bed"], planned["opens_day"]) == (30, 0, 21)


def test_the_national_table_is_offered_the_regimes_its_scenario_describes():
    # the page offered crisis, instrumentalisation and force majeure to every national table, crisis
    # first: in two of the library's three exercises the default was refused when submitted
    for name, regime in (("mass-arrival-2022", "crisis"), ("instrumentalisation", "instrumentalisation"),
                         ("force-majeure", "force_majeure")):
        run = ExerciseRun(*load_exercise(name))
        assert run.panel("lrt")["decisions"]["request_regime"]["regimes"] == [regime]
        run.submit("lrt", {"type": "request_regime", "regime": regime})
    assert "request_regime" not in run.panel("coa")["decisions"]


def test_the_cost_a_player_is_shown_is_what_the_run_charges_for_full_places():
    # crisis places cost nothing of COA's (costs.per_resident_per_year crisis: 0) but 150 EUR per person a
    # night (crisis_per_person_night): the safety region's panel said EUR 0 per 100 places a day
    run = run_of(roles=[*ROLES, {"id": "vr-gr", "type": "safety_region", "province": "Groningen"}])
    kinds = run.panel("vr-gr")["decisions"]["open_places"]["kinds"]
    assert kinds["crisis"]["cost_per_100_places_per_day_eur"] == 15_000
    assert run.panel("coa")["decisions"]["open_places"]["kinds"]["emergency"][
        "cost_per_100_places_per_day_eur"] == round(69_400 / 365 * 100)
    run.submit("vr-gr", {"type": "open_places", "kind": "crisis", "places": 30})
    run.advance()
    s = run.model.state
    (new,) = np.flatnonzero((s.locs.kind == Kind.CRISIS) & (s.locs.capacity == 30))
    assert s.locs.cost_person_night[new] == 150    # what the run charges


def test_a_province_typed_on_the_page_is_answered_with_the_one_meant():
    # the player's page takes a province as typed text; 'groningen' was refused without a hint
    run = run_of()
    d = {"type": "request_places", "kind": "emergency", "places": 10}
    with pytest.raises(ScenarioError, match=r"'groningen' is not a province of this world \(did you mean "
                                            r"'Groningen'\?\)$"):
        run.submit("lrt", {**d, "province": "groningen"})
    with pytest.raises(ScenarioError, match=r"'Atlantis' is not a province of this world \(Groningen\)$"):
        run.submit("coa", {**d, "province": "Atlantis"})


def test_the_command_line(tmp_path, capsys):
    from experiments.cli import main

    assert main(["exercise", "list"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == library_names()
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(exercise(), sort_keys=False))
    assert main(["exercise", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid exercise 'small-test'" in out and "note:" not in out
    # an inject expecting a decision, due among the last turn's days (35-41 of 6 turns of 7) after its first
    # (told as the turn opens, answered at its boundary): nothing can answer it
    late = [{"id": i, "title": i, "synopsis": "s", "role": "coa", "at_day": day,
             "expected": {"decision": "open_places"}} for i, day in (("in-time", 35), ("last-call", 36))]
    (tmp_path / "late.yaml").write_text(yaml.safe_dump(exercise(injects=late), sort_keys=False))
    assert main(["exercise", "validate", str(tmp_path / "late.yaml")]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("note: last-call: due in the last turn (after day 35, "
                                                              "its first)")
    # a workshop longer than its scenario's horizon: the run goes on past it, and validate says so (it said nothing)
    short = {**small_scenario(), "horizon_days": 30}
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(exercise(scenario=short), sort_keys=False))
    assert main(["exercise", "validate", str(tmp_path / "long.yaml")]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "note: the exercise's 42 days run past the scenario's horizon (30 days, to 2025-07-30; from turn 5): the run "
        "goes on with the scenario's assumptions as they stand, without what it gives only up to its horizon")
    save, html = tmp_path / "s.json", tmp_path / "r.html"
    news = [{"id": "news", "title": "news", "synopsis": "told as turn 2 opens", "at_day": 7}]
    path.write_text(yaml.safe_dump(exercise(injects=news), sort_keys=False))
    assert main(["exercise", "play", str(path), "--turns", "2", "--save", str(save), "--report", str(html)]) == 0
    turns = [line for line in capsys.readouterr().out.splitlines() if line.startswith("turn ")]
    # each turn's line gives its figures (turn 1's gave the inject told as turn 2 opened)
    assert len(turns) == 2 and all("occupancy" in line and "told as" not in line for line in turns), turns
    assert savefile.load(save).turn == 2 and html.read_text().startswith("<!doctype html>")
    assert main(["exercise", "report", str(save), "--out", str(tmp_path / "again.html")]) == 0
    capsys.readouterr()
    for argv, message in ((["exercise", "validate", "nope"], "nope: no such exercise file"),
                          (["exercise", "play", str(path), "--turns", "7"], "--turns: 1 to 6 (got 7)"),
                          (["exercise", "report", str(path), "--out", "x.html"],     # (the exercise, not its save)
                           "small.yaml: an exercise, not a saved exercise (it has roles and injects)")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err


def test_every_inject_of_the_library_fires_when_nobody_decides():
    """Nobody deciding is the line a workshop is measured against: an inject that does not fire on it
    fires in no workshop whose tables improve on it (instrumentalisation's "Crisisnoodopvang nodig", over
    750 waiting for three days, never fired: the backlog is over 750 on two days only). Each time and
    condition inject of each library exercise fires; instrumentalisation as docs/exercises.md tells it."""
    from experiments.exercise.engine import series

    for name in library_names():
        ex, sc = load_exercise(name)
        run = ExerciseRun(ex, sc)
        for _ in range(ex.turns):
            run.advance()
        assert {j.id for j in ex.injects if not j.contingency} <= set(run.book.fired), (name, run.book.fired)
        if name == "instrumentalisation":
            told = {e["inject"]: (e["day"], e["turn"], e["answer_at"]) for e in run.log if e["kind"] == "inject"}
            assert told["central-full"] == (23, 4, 5) and told["crisis-places"] == (26, 4, 5)
            x = series(run)
            backlog, phase = x["registration_backlog"], x["plan_phase"]
            assert (backlog.max(), int(backlog.argmax()), x["unsheltered"].max()) == (801, 25, 23)
            assert [(d, int(phase[d])) for d in range(1, len(phase)) if phase[d] != phase[d - 1]] == [(8, 1), (32, 2)]


def test_play_notes_a_condition_inject_that_never_fired_with_nobody_deciding(tmp_path, capsys):
    from experiments.cli import main

    never = [{"id": "never", "title": "never full", "synopsis": "n", "when": {"indicator": "occupancy",
                                                                            "above": 0.5, "days": 2}},
             {"id": "quiet", "title": "quiet", "synopsis": "q", "when": {"indicator": "occupancy", "below": 0.5}},
             {"id": "spare", "title": "spare", "synopsis": "c", "contingency": True}]
    path = tmp_path / "never.yaml"
    path.write_text(yaml.safe_dump(exercise(injects=never), sort_keys=False))
    assert main(["exercise", "play", str(path)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]
    assert notes == ["note: inject never (never full) never fired with nobody deciding: occupancy was at or above "
                     "0.5 on at most 0 days in a row (2 needed); if the players are to meet it, its condition or the "
                     "exercise needs changing"]
    assert main(["exercise", "play", str(path), "--turns", "2"]) == 0       # not played to the end: no verdict
    assert "note:" not in capsys.readouterr().out


def test_play_says_what_an_injects_effect_did_to_places(tmp_path, capsys):
    # the log's model entry after an inject that closes places says what closed (whole locations: "100 places"
    # may be 10 or 673); `play` printed only "inject shut: close regular", without the places
    from experiments.cli import main

    shut = [{"id": "shut", "title": "shut", "synopsis": "a location of 100 places closes", "at_day": 3,
             "effect": [{"action": "close", "kind": "regular", "province": "Groningen", "places": 100}]}]
    path = tmp_path / "shut.yaml"
    path.write_text(yaml.safe_dump(exercise(injects=shut), sort_keys=False))
    assert main(["exercise", "play", str(path), "--turns", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["  day    3  inject  shut",
                         "  day    3  model   inject shut: close regular: 10 regular places in 1 location closed "
                         "(100 asked: no more were open in Groningen)"]


def test_play_prints_turns_injects_and_the_models_answers_in_the_order_of_their_days(tmp_path, capsys):
    # a facilitator reads `play` as a timeline: it printed every turn's line first and the injects after
    # them. Turns of 7 days from 2025-07-01: turn 1 ends on day 6 (07-07), turn 2 on day 13 (07-14); an
    # inject on day 3 comes before turn 1's end, one due on day 7 (turn 2's first) after it, one due on
    # day 10 between it and turn 2's end
    from experiments.cli import main

    shut = [{"id": "shut", "title": "shut", "synopsis": "s", "at_day": 3,
             "effect": [{"action": "close", "kind": "regular", "province": "Groningen", "places": 100}]},
            {"id": "news", "title": "news", "synopsis": "n", "at_day": 7},
            {"id": "later", "title": "later", "synopsis": "l", "at_day": 10}]
    path = tmp_path / "timeline.yaml"
    path.write_text(yaml.safe_dump(exercise(injects=shut), sort_keys=False))
    assert main(["exercise", "play", str(path), "--turns", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    heads = [line[:40] if line.startswith("turn") else line[:24] for line in lines]
    assert heads == ["  day    3  inject  shut", "  day    3  model   inje",
                     "turn   1  day    6  2025-07-07  occupanc",
                     "  day    7  inject  news", "  day   10  inject  late",
                     "turn   2  day   13  2025-07-14  occupanc"], lines


def test_a_condition_met_only_as_the_last_day_ends_is_not_fired_and_the_facilitator_is_told(tmp_path, capsys):
    """Conditions are followed on every day, the last one too, but one met only as the exercise's last day
    ends does not fire (no day is left for its effect, no turn to answer it): `play` and the report say so
    (it read 'at most 41 days in a row (42 needed)': the last day was not counted, and nothing said why)."""
    from experiments.cli import main
    from experiments.exercise.report import assessment, render

    low = {"indicator": "occupancy", "below": 0.5}          # holds every day in the small world (see above)
    injects = [{"id": "late", "title": "late", "synopsis": "l", "when": {**low, "days": 42}, "objective": "beds"},
               {"id": "in-time", "title": "in time", "synopsis": "t", "when": {**low, "days": 41}}]
    path = tmp_path / "late.yaml"
    path.write_text(yaml.safe_dump(exercise(injects=injects), sort_keys=False))       # 6 turns of 7 days: 42
    assert main(["exercise", "play", str(path), "--save", str(tmp_path / "s.json")]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]
    assert notes == ["note: inject late (late) never fired with nobody deciding: occupancy was below 0.5 on 42 days "
                     "in a row (42 needed) only as the exercise's last day ended; a condition met then is not fired "
                     "(no turn is left to answer it); if the players are to meet it, its condition or the exercise "
                     "needs changing"]
    run = run_of(injects=injects)
    for _ in range(6):
        run.advance()
    assert set(run.book.fired) == {"in-time"}
    [row] = assessment(run)[0]["rows"]
    assert row["status"] == "not fired" and "only as the exercise's last day ended" in row["note"]
    assert "only as the exercise&#x27;s last day ended" in render(run)


# -- a closure an inject makes, reopened by a later inject --------------------------------------------

def _flood(at_day: int | None = 1, **more) -> dict:
    timing = {"at_day": at_day} if at_day is not None else {"contingency": True}
    return {"id": "flood", "title": "flood", "synopsis": "f", **timing,
            "effect": [{"action": "close", "kind": "regular", "places": 10, "id": "flood"}], **more}


def _water_gone(at_day: int | None = 3, closure: str = "flood") -> dict:
    timing = {"at_day": at_day} if at_day is not None else {"contingency": True}
    return {"id": "water-gone", "title": "water gone", "synopsis": "w", **timing,
            "effect": [{"action": "reopen", "closure": closure}]}


def test_an_inject_reopens_what_an_earlier_injects_closure_closed():
    run = run_of(injects=[_flood(), _water_gone()])
    L = run.model.state.locs
    (azc,) = np.flatnonzero(L.kind == Kind.REGULAR)      # the small world's one azc: 10 places
    assert (L.capacity[azc], L.life[azc]) == (10, Life.OPEN)
    run.advance()                                         # a turn of 7 days: the flood on day 1, water gone on day 3
    assert (L.capacity[azc], L.life[azc]) == (10, Life.OPEN)
    log = [(e["day"], e["detail"]) for e in run.model.state.event_log if e["what"].endswith(" regular")]
    assert log == [(1, "10 regular places in 1 location closed"),
                   (3, "10 regular places in 1 location reopened (closed on 2025-07-02 by 'flood')")]


def test_a_reopen_fired_before_its_closure_is_refused_and_changes_nothing():
    run = run_of(injects=[_flood(at_day=None), _water_gone(at_day=None)])
    before = run.model.state.locs.life.copy()
    run.fire("water-gone")
    (fired,) = [e for e in run.log if e["kind"] == "inject"]
    assert fired["detail"].endswith("(effect refused: decision: closure: no closure with the id 'flood' has happened "
                                    "in this run (none so far))")
    assert np.array_equal(run.model.state.locs.life, before)


@pytest.mark.parametrize("injects, message", [
    ([_flood(at_day=3), _water_gone(at_day=3)],
     r"injects\.1\.effect\.0\.closure: 'flood' closes on day 3 \(injects\.0\.effect\.0\), the same day as this "
     r"reopening on day 3; a reopening comes on a later day than its closure"),
    ([_flood(at_day=5), _water_gone(at_day=3)],
     r"injects\.1\.effect\.0\.closure: 'flood' closes on day 5 \(injects\.0\.effect\.0\), after this reopening on "
     r"day 3; a reopening comes on a later day than its closure$"),
    ([_flood(), _water_gone(closure="flod")],
     r"injects\.1\.effect\.0\.closure: no close event or effect has the id 'flod' \(did you mean 'flood'\?\)"),
    ([_flood(), _water_gone(), {**_water_gone(at_day=5), "id": "again", "title": "water gone again"}],
     r"injects\.2\.effect\.0\.closure: 'flood' is reopened already by injects\.1\.effect\.0; a closure reopens once"),
    ([_flood(), {**_flood(at_day=2), "id": "flood-2", "title": "flood again"}],
     r"injects\.1\.effect\.0\.id: 'flood' already names injects\.0\.effect\.0; give each closure its own id"),
])
def test_an_exercise_whose_reopen_cannot_match_its_closure_is_refused_at_load(injects, message):
    with pytest.raises(ScenarioError, match=r"^exercise: " + message):
        exercise_from_dict(exercise(injects=injects))


def test_the_log_tells_what_an_injects_effect_did_to_places():
    """A library inject's synopsis says "an emergency location of 400 places closes"; the model closes whole
    locations (673 places in two, in instrumentalisation): the log said only the synopsis, so the tables
    and the report read 400. The model's own line follows the inject; parameters changed stay in its words."""
    injects = [{"id": "protest", "title": "protest", "synopsis": "a location of 5 places closes", "contingency": True,
                "effect": [{"action": "close", "kind": "regular", "places": 5}]},
               {"id": "slow", "title": "slow", "synopsis": "s", "at_day": 3,
                "effect": [{"action": "set", "parameter": "chain.screening_days", "value": 14}]}]
    run = run_of(injects=injects)
    run.fire("protest")
    run.advance()
    told = [(e["kind"], e["what"], e["detail"]) for e in run.log if e["kind"] in ("inject", "model")]
    assert told == [("inject", "protest", "a location of 5 places closes"),
                    ("model", "inject protest: close regular",
                     "10 regular places in 1 location closed (5 asked: whole locations close)"),
                    ("inject", "slow", "s")]


@pytest.mark.parametrize("over, line", [
    ({"roles": [*ROLES, {"id": "coa", "type": "coa"}]}, "roles.5.id: 'coa' is used twice (roles.1 has it)"),
    ({"objectives": [{"id": "beds", "text": "a"}, {"id": "beds", "text": "b"}]},
     "objectives.1.id: 'beds' is used twice (objectives.0 has it)"),
    ({"injects": [{"id": "x", "title": "a", "synopsis": "a", "contingency": True},
                  {"id": "x", "title": "b", "synopsis": "b", "contingency": True}]},
     "injects.1.id: 'x' is used twice (injects.0 has it)"),
])
def test_an_id_used_twice_is_named_where_it_comes_again_and_where_first(over, line):
    # a second role with the id of the first was named as roles.0 (the one the facilitator meant to keep);
    # objectives and injects named the second: all three now name the second and the first
    with pytest.raises(ScenarioError) as err:
        exercise_from_dict(exercise(**over), "e.yaml")
    assert str(err.value) == f"e.yaml: {line}"


def test_play_and_report_replace_a_file_only_with_force(tmp_path, capsys):
    # `exercise play NAME --save saved.exercise.json` (the docs' line) run after a workshop was saved to that
    # name replaced the workshop's record silently, and `exercise report --out` an earlier report: they ask for
    # --force now, as compare --out and schema --out do
    from experiments.cli import main

    path = tmp_path / "e.yaml"
    path.write_text(yaml.safe_dump(exercise(), sort_keys=False))
    save, html = tmp_path / "saved.exercise.json", tmp_path / "r.html"
    save.write_text("the workshop's save")
    html.write_text("an earlier report")
    for argv, line in (
            (["exercise", "play", str(path), "--turns", "1", "--save", str(save)],
             f"noodplan: --save: {save} already exists; use --force to replace it, or choose another file name"),
            (["exercise", "play", str(path), "--turns", "1", "--report", str(html)],
             f"noodplan: --report: {html} already exists; use --force to replace it, or choose another file name"),
            (["exercise", "play", str(path), "--turns", "1", "--force"],
             "noodplan: exercise play: --force: only with --save or --report (it lets play replace a file of "
             "earlier results)")):
        assert main(argv) == 2
        assert capsys.readouterr().err.splitlines() == [line]
    assert (save.read_text(), html.read_text()) == ("the workshop's save", "an earlier report")
    assert main(["exercise", "play", str(path), "--turns", "1", "--save", str(save), "--report", str(html),
                 "--force"]) == 0
    assert json.loads(save.read_text())["format"] == "noodplan-exercise" and html.read_text().startswith("<!doctype")
    html.write_text("an earlier report")
    assert main(["exercise", "report", str(save), "--out", str(html)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"noodplan: --out: {html} already exists; use --force to replace it, or choose another file name"]
    assert main(["exercise", "report", str(save), "--out", str(html), "--force"]) == 0
    assert html.read_text().startswith("<!doctype")


def test_ctrl_c_while_play_writes_its_report_keeps_the_save_and_the_old_report(tmp_path):
    # `exercise play --save --report --force`: the save written whole, then Ctrl+C as the report is written
    import signal
    import subprocess
    import sys
    import textwrap

    (tmp_path / "tiny.yaml").write_text("extends: baseline\nname: tiny\nprovinces: [Zeeland]\nhorizon_days: 20\n"
                                        "initial: {entitled_persons: 2000, at_registration_persons: 100}\n")
    (tmp_path / "e.yaml").write_text("name: e\ntitle: E\nsynopsis: S\nscenario: tiny.yaml\nturn_days: 2\nturns: 2\n"
                                     "roles:\n  - {id: coa, type: coa}\n")
    (tmp_path / "p.json").write_text("old save")
    (tmp_path / "p.html").write_text("old report")
    code = textwrap.dedent("""
        import os, signal, sys
        from experiments.exercise import report
        write = report.write
        def interrupted(*a, **k):
            os.kill(os.getpid(), signal.SIGINT)
            return write(*a, **k)
        report.write = interrupted
        from experiments.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    proc = subprocess.run([sys.executable, "-c", code, "exercise", "play", "e.yaml", "--save", "p.json", "--report",
                           "p.html", "--force"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == ("noodplan: interrupted; p.json was written whole before it and kept; nothing else was "
                           "written\n")
    assert json.loads((tmp_path / "p.json").read_text())["format"] == "noodplan-exercise"
    assert (tmp_path / "p.html").read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.yaml", "p.html", "p.json", "tiny.yaml"]

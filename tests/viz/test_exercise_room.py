"""Rooms without a browser: join codes, players bound to their role, the facilitator's key, isolation."""

from __future__ import annotations

import re

import pytest

from tests.experiments.test_exercise import ROLES, exercise, small_scenario
from viz.exercise_app import kind_facts_text
from viz.exercise_room import Room, RoomError, Rooms, new_code, normal_code
from experiments.exercise.engine import ExerciseRun
from experiments.exercise.msel import exercise_from_dict
from model.scenario import ScenarioError


def small_room(rooms: Rooms) -> tuple[Room, str]:
    """A room of the small test exercise (`tests.experiments.test_exercise.exercise`) and its facilitator key."""
    return rooms._add(ExerciseRun(*exercise_from_dict(exercise())), "small-test")


@pytest.fixture
def rooms() -> Rooms:
    """The rooms of a server of the test's own (not the process's `ROOMS`)."""
    return Rooms()


@pytest.fixture
def room_and_key(rooms: Rooms) -> tuple[Room, str]:
    return small_room(rooms)


@pytest.fixture
def room(room_and_key: tuple[Room, str]) -> Room:
    """A small room in `rooms`, waiting (not started)."""
    return room_and_key[0]


@pytest.fixture
def key(room_and_key: tuple[Room, str]) -> str:
    """`room`'s facilitator key."""
    return room_and_key[1]


@pytest.fixture
def render():
    """Draws a component in process as a browser tab would get it (`solara.render`); returns its render
    context, whose `find` first waits until no render is under way (`tests.viz.settle.steady`: a room's
    page is also redrawn by its own threads, the room's follower and the turn clock, and a `find` during
    such a render found nothing). Every page drawn is closed after the test."""
    solara = pytest.importorskip("solara")
    from tests.viz.settle import steady

    drawn = []

    def draw(element):
        _box, rc = solara.render(element, handle_error=False)
        drawn.append(rc)
        return steady(rc)

    yield draw
    for rc in drawn:
        rc.close()


def test_join_codes_carry_80_random_bits_and_are_read_as_typed():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    assert len(code.replace("-", "")) == 16                 # 16 base-32 characters x 5 bits = 80 bits
    assert normal_code(code.lower().replace("-", " ")) == code


def test_a_player_acts_only_as_the_role_it_joined_and_only_the_facilitator_steers(room, key):
    coa = room.join("coa")
    ind = room.join("ind")
    with pytest.raises(RoomError, match="the exercise is waiting"):
        room.submit(coa, {"type": "open_places", "kind": "emergency", "places": 10})
    room.start(key)
    room.submit(coa, {"type": "open_places", "kind": "emergency", "places": 10})
    # the IND's decision, sent with COA's token, is COA's: refused
    with pytest.raises(ScenarioError, match="coa \\(COA\\) may not take 'reprioritise'"):
        room.submit(coa, {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.5})
    room.submit(ind, {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.5})
    with pytest.raises(RoomError, match="not a player of this room"):
        room.submit("forged-token", {"type": "open_places", "kind": "emergency", "places": 10})
    for act in (lambda k: room.advance(k), lambda k: room.snapshot(k, "a"), lambda k: room.report_html(k)):
        with pytest.raises(RoomError, match="only the facilitator"):
            act(coa)
    assert [r for r, _ in room.run.pending()] == ["coa", "ind"]
    room.advance(key)
    assert [e["role"] for e in room.run.log if e["kind"] == "decision"] == ["coa", "ind"]


def test_rooms_are_isolated_and_a_fork_is_a_room_of_its_own(rooms):
    a, ka = small_room(rooms)
    b, kb = small_room(rooms)
    assert a.code != b.code and rooms.get(a.code.lower()) is a
    a.start(ka)
    a.submit(a.join("coa"), {"type": "open_places", "kind": "emergency", "places": 10})
    a.snapshot(ka, "t0")
    a.advance(ka)
    assert (a.run.day, b.run.day) == (7, 0) and b.run.log == [] and a.run.model is not b.run.model
    with pytest.raises(RoomError, match="only the facilitator"):
        a.advance(kb)
    c, kc = rooms.fork(a, ka, "t0")
    assert c.code not in (a.code, b.code) and c.run.day == 0 and len(rooms) == 3
    c.advance(kc)
    assert c.run.fingerprint() == a.run.fingerprint()
    with pytest.raises(RoomError, match="no room with this code"):
        rooms.get("AAAA-BBBB-CCCC-DDDD")


def test_a_saved_exercise_continues_in_a_new_room(rooms):
    a, ka = small_room(rooms)
    a.start(ka)
    a.submit(a.join("coa"), {"type": "open_places", "kind": "emergency", "places": 10, "why": "hall"})
    a.advance(ka)
    a.lesson(ka, "beds", "sooner")
    b, kb = rooms.restore(a.save_json(ka).encode())
    assert b.code != a.code and b.status == "paused" and kb != ka
    assert b.run.fingerprint() == a.run.fingerprint() and b.run.log == a.run.log and b.run.lessons == {"beds": "sooner"}
    with pytest.raises(ScenarioError, match=r"x\.json: not a saved noodplan exercise"):
        rooms.restore(b"{", "x.json")
    # an uploaded save never makes the server read its own files
    import json
    saved = json.loads(a.save_json(ka))
    for scenario in ("/etc/passwd", {"extends": "/etc/passwd"}):
        saved["exercise"]["scenario"] = scenario
        with pytest.raises(ScenarioError, match=r"x\.json: exercise: scenario: .*(not a built-in scenario)"):
            rooms.restore(json.dumps(saved).encode(), "x.json")


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_turn_clock_runs_while_the_room_runs_and_closes_the_turn_when_time_is_up(room, key):
    room.clock = clock = FakeClock()
    coa = room.join("coa")
    decision = {"type": "open_places", "kind": "emergency", "places": 10}
    assert room.time_left() is None                    # no limit until the facilitator sets one
    with pytest.raises(RoomError, match="only the facilitator"):
        room.set_turn_minutes(coa, 10)
    for bad in (-1, 241, float("nan"), "ten", True):
        with pytest.raises(RoomError, match="turn time: minutes must be a number from 0"):
            room.set_turn_minutes(key, bad)
    room.set_turn_minutes(key, 10)
    assert room.time_left() == 600                     # waiting: the clock stands full
    clock.now += 50
    assert room.time_left() == 600
    room.start(key)
    clock.now += 240                                   # 4 minutes into the turn: 6 left
    assert room.time_left() == 360
    room.pause(key)
    clock.now += 1000                                  # paused: the clock stands
    assert room.time_left() == 360
    room.start(key)
    clock.now += 359
    room.submit(coa, decision)                         # one second left: still taken
    clock.now += 1
    assert room.time_left() == 0
    with pytest.raises(RoomError, match="the turn's time is up"):
        room.submit(coa, decision)
    assert len(room.run.pending()) == 1
    room.advance(key)                                  # a new turn: the clock is full again and runs
    assert room.time_left() == 600 and room.status == "running"
    clock.now += 30
    assert room.time_left() == 570
    room.set_turn_minutes(key, 0)                      # no limit: submissions stay open however long
    clock.now += 10 ** 6
    assert room.time_left() is None
    room.submit(coa, decision)


def test_the_turn_clock_reads_in_minutes_and_seconds_rounded_up():
    from viz.exercise_app import clock_text

    assert clock_text(None, "running") == ""
    assert clock_text(600, "running") == "Time left this turn: 10:00"
    assert clock_text(59.2, "running") == "Time left this turn: 1:00"     # 59.2 s: the 60th second has begun
    assert clock_text(0.4, "running") == "Time left this turn: 0:01"
    assert clock_text(0.0, "running") == "Time is up: the facilitator ends the turn"
    assert clock_text(90, "paused") == "Time left this turn: 1:30 (clock stopped: paused)"


def test_the_turn_clock_redraws_when_its_shown_second_changes():
    from viz.exercise_app import CLOCK_LATE_S, next_redraw

    assert abs(next_redraw(29.4) - (0.4 + CLOCK_LATE_S)) < 1e-9   # shows 0:30 until 29.0, then 0:29
    assert abs(next_redraw(30.0) - 1.02) < 1e-9          # 0:30 shown until 29.0, a whole second on
    assert next_redraw(None) == 1.0 and next_redraw(0.0) == 1.0   # no limit, or time up: once a second


def test_a_player_withdraws_a_decision_from_the_page_while_decisions_are_taken(room, key, render):
    """A facilitator's pass: a player who submitted 5,000 places instead of 500 could not take it back
    (the room had `withdraw`, the page had no control for it); and the room took a withdrawal while
    paused, when no decision is taken."""
    v = pytest.importorskip("ipyvuetify")
    from viz.exercise_app import Player

    coa = room.join("coa")
    room.start(key)
    room.submit(coa, {"type": "open_places", "kind": "emergency", "places": 5000, "why": "typo"})
    room.submit(coa, {"type": "open_places", "kind": "emergency", "places": 500, "why": "sports hall"})
    rc = render(Player(room, coa, lambda: None))
    buttons = rc.find(v.Btn, class_="np-ex-withdraw")
    assert len(buttons) == 2 and "5,000" in str(buttons.widgets[0].children)
    first = buttons.widgets[0]
    first.click()
    assert [d.why for _, d in room.run.pending("coa")] == ["sports hall"]
    first.click()                          # a second click on the row just withdrawn takes nothing else
    assert [d.why for _, d in room.run.pending("coa")] == ["sports hall"]
    assert "no longer waiting" in str(rc.find(v.Alert).widget.children)
    room.pause(key)                            # (the room refuses by itself, whatever a page offers)
    with pytest.raises(RoomError, match="the exercise is paused"):
        room.withdraw(coa, 0)
    room.start(key)
    room.advance(key)
    assert [e["why"] for e in room.run.log if e["kind"] == "decision"] == ["sports hall"]


def test_a_facilitators_own_exercise_file_is_checked_offered_and_played_in_a_room(tmp_path, monkeypatch, capsys):
    """A facilitator writes an exercise from the guide's field table and serves it: `exercise serve
    --exercise FILE` checks it as `exercise validate` does and offers it on the start page beside the
    library (the room could make rooms of the library's exercises only); a bad file stops before a
    server starts, in one line."""
    import socket

    import yaml

    from viz import cli, exercise_room

    own = tmp_path / "drill.yaml"
    own.write_text(yaml.safe_dump(exercise(), sort_keys=False))
    started: list[dict] = []
    monkeypatch.setattr(cli, "_serve", lambda command, env, name, said: started.append(env) or 0)
    monkeypatch.chdir(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    assert cli.main(["exercise", "serve", "--port", port, "--exercise", "drill.yaml"]) == 0
    (env,) = started
    assert env[exercise_room.EXERCISE_FILES_ENV] == str(own)
    monkeypatch.setenv(exercise_room.EXERCISE_FILES_ENV, env[exercise_room.EXERCISE_FILES_ENV])
    assert exercise_room.offered()[-1] == str(own) and "mass-arrival-2022" in exercise_room.offered()
    room, key = Rooms().create(exercise_room.offered()[-1])
    assert room.exercise_name == "small-test"          # the downloads' name, not the path
    room.advance(key)
    assert room.run.turn == 1
    capsys.readouterr()
    own.write_text(own.read_text().replace("turn_days: 7", "turn_day: 7"))
    assert cli.main(["exercise", "serve", "--port", port, "--exercise", str(own)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["noodplan exercise serve: --exercise: drill.yaml: turn_day: unknown field (did you mean "
                   "'turn_days'?) [+1 more]"] and len(started) == 1


def test_a_snapshot_name_taken_already_is_refused_not_replaced(room, key):
    # the page's snapshot name starts as "t0": a facilitator who snapshots at turn 1 and again at
    # turn 3 without renaming replaced the first, and a rewind to "t0" went to turn 3
    room.advance(key)
    room.snapshot(key, "t0")
    room.advance(key)
    room.advance(key)
    with pytest.raises(RoomError, match="'t0' is taken already \\(turn 2 of 6\\); give this one another name"):
        room.snapshot(key, " t0 ")
    room.snapshot(key, "t3")
    room.rewind(key, "t0")
    assert room.run.turn == 1


def test_a_rewind_or_fork_to_the_exercises_end_leaves_the_room_finished(rooms, room, key):
    """The facilitator plays to the end, snapshots the end for the debrief, rewinds to replay a turn
    differently, then goes back to the end: the room is finished again (it stayed "running", with a
    turn clock running and no turn left: every decision and End turn refused by the model), and so
    is a room forked from the end; a room rewound from the end to a turn before it waits paused."""
    coa = room.join("coa")
    room.start(key)
    room.snapshot(key, "start")
    while not room.run.finished:
        room.advance(key)
    assert room.status == "finished"
    room.snapshot(key, "end")
    room.rewind(key, "start")
    assert (room.status, room.run.turn) == ("paused", 0)
    room.start(key)
    room.submit(coa, {"type": "open_places", "kind": "emergency", "places": 10, "why": "earlier this time"})
    room.advance(key)
    room.rewind(key, "end")
    assert (room.status, room.run.turn) == ("finished", 6)
    with pytest.raises(RoomError, match="the exercise is finished"):
        room.submit(coa, {"type": "open_places", "kind": "emergency", "places": 10})
    fork, _ = rooms.fork(room, key, "end")
    assert (fork.status, fork.run.finished) == ("finished", True)
    assert rooms.fork(room, key, "start")[0].status == "paused"


def test_a_finished_room_rewinds_to_a_turns_start_it_kept_by_itself(room, key):
    """At the debrief the tables want turn 3 again: nobody took a snapshot by hand, and the room
    offered nothing to rewind to. It keeps every turn's start: the room goes back to turn 3's start,
    paused, with the decisions the tables took in turn 3 set aside, and the list offers the turn
    starts of the line of play only."""
    coa = room.join("coa")
    room.start(key)
    prints = []
    while not room.run.finished:
        prints.append(room.run.fingerprint())
        room.submit(coa, {"type": "open_places", "kind": "emergency", "places": 10, "why": f"turn {room.run.turn + 1}"})
        room.advance(key)
    assert room.status == "finished"
    assert room.run.all_snapshots() == [f"start of turn {t}" for t in range(1, 7)]
    room.rewind(key, "start of turn 3")
    assert (room.status, room.run.turn, room.run.fingerprint()) == ("paused", 2, prints[2])
    assert [e["why"] for e in room.run.set_aside if e["kind"] == "decision"] == [f"turn {t}" for t in range(3, 7)]
    assert room.run.all_snapshots() == [f"start of turn {t}" for t in range(1, 4)]
    with pytest.raises(ScenarioError, match="the name of the snapshot the room takes by itself"):
        room.snapshot(key, "start of turn 4")


def test_a_double_click_on_end_turn_ends_one_turn(room, key):
    # the page passes the turns played it showed: the second click of a double click came with the
    # same number and ended the next turn too, before any table could decide in it
    token = room.join("coa")
    room.start(key)
    room.advance(key, 0)
    with pytest.raises(RoomError, match="turn 1 has ended already \\(now turn 2\\)"):
        room.advance(key, 0)
    assert room.run.turn == 1
    room.submit(token, {"type": "open_places", "kind": "emergency", "places": 10})
    room.advance(key, 1)
    assert room.run.turn == 2 and [e["role"] for e in room.run.log if e["kind"] == "decision"] == ["coa"]


def test_a_double_click_on_submit_takes_the_decision_once(room, key):
    # the second click of a double click came with the same decision (its `why` emptied by the first)
    # and nothing else had happened in the room: the same decision was taken twice (twice the places)
    token, other = room.join("coa"), room.join("coa")
    room.start(key)
    d = {"type": "open_places", "kind": "emergency", "places": 10}
    room.submit(token, {**d, "why": "a hall"})
    with pytest.raises(RoomError, match="taken already"):
        room.submit(token, d)
    room.submit(token, d)                 # once more, on purpose: taken
    room.submit(other, d)                 # another player's page at the same table
    room.submit(other, {**d, "places": 20})
    assert [x.places for _, x in room.run.pending("coa")] == [10, 10, 10, 20]


def test_a_kind_without_places_shows_no_places_not_999_percent():
    # with the registration location closed (a flood, a contract end) the indicators read 9.99 for its
    # occupancy (full, as the plan reads it) and NaN for a province without places: the page showed
    # "999.0%" and "nan%"
    import numpy as np

    from agents.locations import Kind, Life
    from viz.exercise_app import _figures, _rate

    run = ExerciseRun(*exercise_from_dict(exercise()))
    L = run.model.state.locs
    central = np.flatnonzero(L.kind == Kind.CENTRAL)
    assert dict(_figures(run))["central occupancy (Ter Apel)"].endswith("%")
    L.life[central] = Life.CLOSED
    assert dict(_figures(run))["central occupancy (Ter Apel)"] == "no places"
    assert _rate(float("nan"), 0, 0) == "no places" and _rate(0.5, 10, 0) == "50%"


def test_a_reloaded_tab_gets_back_only_the_seats_this_server_gave_it():
    """What a tab kept (`viz.exercise_app.seats_text`) brings a reloaded page back to its rooms and
    seat (`seats_back`); a room this server does not have (restarted since), a key or token it did not
    give, or text that is not what a tab keeps, gives nothing back."""
    from viz.exercise_app import seats_back, seats_text
    from viz.exercise_room import ROOMS

    room, key = small_room(ROOMS)
    other, other_key = small_room(ROOMS)
    token = room.join("coa")
    kept = seats_text([(room, key), (other, other_key)], 1, (room, token))
    assert seats_back(kept) == ([(room, key), (other, other_key)], 1, (room, token))
    forged = seats_text([(room, other_key)], 0, (other, token))          # the other room's key; a token of room
    assert seats_back(forged) == ([], None, None)
    gone = kept.replace(room.code, "AAAA-AAAA-AAAA-AAAA")                # a server restarted since
    assert seats_back(gone) == ([(other, other_key)], 0, None)
    left = seats_text([(room, key)], None, None)                          # the facilitator had left the room
    assert seats_back(left) == ([(room, key)], None, None)
    assert seats_back(seats_text([(room, key), (other, other_key)], 1, None).replace(other.code, "gone")) == \
        ([(room, key)], None, None)                                      # the room shown is gone: the start page
    for text in ("", "not json", "[1, 2]", '{"facilitator": 5, "player": "x", "current": true}', None):
        assert seats_back(text) == ([], None, None)


def test_a_request_to_a_role_no_table_plays_is_answered_at_once_and_a_table_that_leaves_plays_no_more(rooms, room, key):
    """Four tables for six roles: the municipalities' table is played, then leaves. A request to a role
    no table sits at waited a turn for an answer that could not come ("no answer within a turn": its
    places a turn late); now the model answers it at once, as for a role the exercise does not have.
    A table that leaves is no longer among the players (it stayed listed, its page's token still acted)."""
    import json

    prov, gem = room.join("prov-gr"), room.join("gem-gr")
    room.start(key)
    ask = {"type": "request_places", "kind": "emergency", "places": 20, "province": "Groningen", "why": "more"}
    room.submit(prov, ask)
    room.advance(key, 0)
    assert [q.number for q in room.run.open_requests("gem-gr")] == [1]        # a table plays it: it may answer
    room.leave(gem)
    assert "gem-gr" not in room.players.values()
    with pytest.raises(RoomError, match="not a player of this room"):
        room.submit(gem, {"type": "answer_request", "request": 1, "places": 20})
    room.submit(prov, ask)
    room.advance(key, 1)
    answers = [(e["what"].split(":")[0], e["detail"].split(";")[0]) for e in room.run.log if e["kind"] == "model"]
    assert answers == [("request 2 answered by the model", "no table plays gem-gr"),
                       ("request 1 answered by the model", "no answer within a turn")]
    assert room.run.open_requests("gem-gr") == []
    # the roster at each turn's end is in the save: restored, the same story and state
    saved = json.loads(room.save_json(key))
    assert [c.get("played") for c in saved["commands"] if c["op"] == "advance"] == [["gem-gr", "prov-gr"], ["prov-gr"]]
    back, _ = rooms.restore(json.dumps(saved))
    assert back.run.log == room.run.log and back.run.fingerprint() == room.run.fingerprint()
    saved["commands"][-1]["played"] = ["prov-gr", "nobody"]
    with pytest.raises(ScenarioError, match=r"^x\.json: commands\.\d+: played: 'nobody' is not a role of this"):
        rooms.restore(json.dumps(saved), "x.json")


def test_the_pages_leave_releases_the_seat_and_an_old_rule_save_says_so_to_the_facilitator(tmp_path, render):
    """On the page: a table that joins and clicks Leave is no longer in the room's players; a save played
    by the earlier rule for first-day injects (format 2) shows the facilitator which rule it goes on by."""
    import json

    import ipyvuetify as v

    from experiments.exercise import savefile
    from tests.experiments.test_exercise import _first_day_injects
    from viz import exercise_app
    from viz.exercise_room import ROOMS

    room, _key = small_room(ROOMS)
    rc = render(exercise_app.Page())
    rc.find(v.TextField, class_="np-ex-code").widget.v_model = room.code
    rc.find(v.Select, class_="np-ex-role").widget.v_model = "gem-gr"
    rc.find(v.Btn, class_="np-ex-join").widget.click()
    assert list(room.players.values()) == ["gem-gr"]
    rc.find(v.Btn, children=["Leave"]).widget.click()
    assert room.players == {}
    data = savefile.to_dict(ExerciseRun(*exercise_from_dict(exercise(injects=_first_day_injects()))))
    old = {**{k: v_ for k, v_ in data.items() if k != "first_day_injects"}, "format_version": 2}
    for saved, shown in ((old, True), (data, False)):
        back, back_key = ROOMS.restore(json.dumps(saved), "workshop.json")
        rc = render(exercise_app.Facilitator(back, back_key, lambda: None, lambda *a: None))
        notes = rc.find(v.Alert, class_="np-ex-rule-note").widgets
        assert len(notes) == shown
        assert not shown or "told after that turn's decisions" in notes[0].children[0]


def test_a_restored_room_plays_on_the_servers_shared_world_as_a_fresh_room_does(tmp_path, rooms):
    """A server with several rooms builds a scenario's world once (`viz.session.world_for`): a room restored
    from a save (or a second one restored from it) shares it with a fresh room of that exercise, and goes on
    exactly as the room it was saved from (it built a world of its own: memory and seconds per restore)."""
    import yaml

    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(exercise()))
    rooms = Rooms()
    a, ka = rooms.create(str(path))
    a.start(ka)
    a.submit(a.join("coa"), {"type": "open_places", "kind": "emergency", "places": 10, "why": "hall"})
    a.advance(ka)
    fresh, _ = rooms.create(str(path))
    b, kb = rooms.restore(a.save_json(ka))
    c, _ = rooms.restore(b.save_json(kb))
    def built(room: Room):      # (a run whose inflow level an event changed plays on its own copy of it)
        w = room.run.model.state.world
        return w.built or w

    world = built(a)
    assert built(fresh) is world and built(b) is world and built(c) is world
    # the restored room is the same run on that world: it plays on as the saved one does
    b.start(kb)
    a.advance(ka)
    b.advance(kb)
    assert b.run.fingerprint() == a.run.fingerprint() and b.run.log == a.run.log


def test_an_ad_hoc_inject_can_act_on_the_model_and_a_mistake_in_it_changes_nothing(rooms, room, key):
    # an unplanned event (a location lost) had to be written into the exercise file beforehand as a
    # contingency inject: the room's ad-hoc inject was a message only. Its effect is written as in a file.
    from agents.locations import Kind, Life

    room.start(key)
    before = (room.run.fingerprint(), len(room.run.commands), len(room.run.log))
    for effect, said in [
            ("{action: close, kind: emergency, province: Groningen, places: 10", "inject: effect: not in the "
             "exercise files' form at character"),
            ("close", "inject: effect: an event is a mapping of its fields"),
            ("{action: set, parameter: chain.nonsense, value: 3}", "inject: effect.0: parameter: unknown parameter "
             "'chain.nonsense'"),
            ("[{action: close, kind: emergency, places: 10}, {action: close, kind: emergency, province: Friesland, "
             "places: 5}]", "inject: effect.1: province")]:
        with pytest.raises(ScenarioError, match="^" + re.escape(said)):
            room.adhoc(key, "Brand", "een locatie brandt af", effect)
        assert (room.run.fingerprint(), len(room.run.commands), len(room.run.log)) == before   # nothing acted
    L = room.run.model.state.locs
    open_emergency = (L.kind == Kind.EMERGENCY) & (L.life == Life.OPEN)
    assert int(L.capacity[open_emergency].sum()) == 10                   # the small world's 10 emergency places
    room.adhoc(key, "Brand", "een locatie brandt af", "{action: close, kind: emergency, province: Groningen, "
                                                        "places: 10}")
    L = room.run.model.state.locs
    assert int(L.capacity[(L.kind == Kind.EMERGENCY) & (L.life == Life.OPEN)].sum()) == 0
    told = [(e["kind"], e["what"]) for e in room.run.log[-2:]]
    assert told[0] == ("inject", "Brand") and told[1][0] == "model"
    assert told[1][1].startswith("ad-hoc inject Brand: close emergency") and "10 emergency places" in \
        room.run.log[-1]["detail"]
    # a save replays it: the same state in the new room
    b, _ = rooms.restore(room.save_json(key).encode())
    assert b.run.fingerprint() == room.run.fingerprint() and b.run.log == room.run.log


def test_the_facilitators_page_sends_an_ad_hoc_inject_with_its_effect(room, key, render):
    v = pytest.importorskip("ipyvuetify")
    from viz import exercise_app

    room.start(key)
    rc = render(exercise_app.Facilitator(room, key, lambda: None, lambda *a: None))
    rc.find(v.TextField, label="Ad-hoc inject title").widget.v_model = "Stroomstoring"
    rc.find(v.TextField, label="Ad-hoc inject text").widget.v_model = "de noodopvang is onbruikbaar"
    rc.find(v.TextField, class_="np-ex-adhoc-effect").widget.v_model = "{action: close, kind: azc, places: 10}"
    rc.find(v.Btn, children=["Send ad-hoc inject"]).widget.click()
    assert "inject: effect.0: kind" in str(rc.find(v.Alert, class_="np-ex-error").widget.children)
    assert not [e for e in room.run.log if e["kind"] == "inject"]
    effect = rc.find(v.TextField, class_="np-ex-adhoc-effect").widget
    effect.v_model = "{action: close, kind: emergency, places: 10}"
    rc.find(v.Btn, children=["Send ad-hoc inject"]).widget.click()
    assert (room.run.log[0]["kind"], room.run.log[0]["what"]) == ("inject", "Stroomstoring")
    assert room.run.log[1]["what"] == "ad-hoc inject Stroomstoring: close emergency"


def test_a_players_tables_name_location_kinds_and_tracks_as_planners_do(room, render):
    # COA's and the IND's tables listed "central", "regular", "emergency" and "regular", "dublin": the
    # model's ids, not the chain's words (aanmeldcentrum, azc, noodopvang)
    v = pytest.importorskip("ipyvuetify")
    from viz.exercise_app import Player

    def first_column(token: str, cls: str) -> list[str]:
        rc = render(Player(room, token, lambda: None))
        body = rc.find(v.SimpleTable, class_=cls).widget.children[1]
        return [row.children[0].children[0] for row in body.children]

    assert first_column(room.join("coa"), "np-ex-kinds") == [      # (the small world's kinds)
        "Registration, Ter Apel (aanmeldcentrum)", "Process location (pol)", "Regular centre (azc)",
        "Emergency (noodopvang)"]
    assert first_column(room.join("ind"), "np-ex-tracks")[:2] == ["regular procedure",
                                                                  "accelerated procedure (versnelde procedure)"]


def test_the_decision_form_offers_decisions_kinds_tracks_and_regimes_in_the_planners_words(room, key, render):
    # the form's selects offered the model's ids ("open_places", "emergency", "regular"): the tables above
    # them named the same things in the chain's words. They offer those words now; what a decision carries
    # is the id underneath (a table picking "Emergency (noodopvang)" submits kind "emergency")
    v = pytest.importorskip("ipyvuetify")
    from viz.exercise_app import Player

    room.start(key)

    def offered(rc, cls: str) -> list[tuple[str, str]]:
        return [(i["value"], i["text"]) for i in rc.find(v.Select, class_=cls).widget.items]

    coa = room.join("coa")
    rc = render(Player(room, coa, lambda: None))
    assert offered(rc, "np-ex-decision") == [
        ("open_places", "Open places"), ("close_places", "Close places"),
        ("raise_occupancy", "Raise occupancy (bezettingsgraad omhoog)"),
        ("request_places", "Request places of a province (its municipalities, or its safety region for "
                           "crisis places)")]
    assert offered(rc, "np-ex-kind") == [
        ("process", "Process location (pol)"), ("regular", "Regular centre (azc)"),
        ("minors", "Unaccompanied minors (amv)"), ("accelerated", "Accelerated / sober"),
        ("emergency", "Emergency (noodopvang)")]
    rc.find(v.Select, class_="np-ex-kind").widget.v_model = "emergency"
    rc.find(v.Btn, class_="np-ex-submit").widget.click()
    assert [(d.type, d.kind) for _, d in room.run.pending("coa")] == [("open_places", "emergency")]
    rc.close()
    ind = room.join("ind")
    rc = render(Player(room, ind, lambda: None))
    assert offered(rc, "np-ex-decision") == [("reprioritise", "Move IND decisions a day from one track to "
                                                              "another")]
    tracks = [(i["value"], i["text"]) for i in rc.find(v.Select, label="From track").widget.items]
    assert tracks == [("regular", "regular procedure"),
                      ("accelerated", "accelerated procedure (versnelde procedure)"),
                      ("border", "border procedure (asielgrensprocedure)"), ("dublin", "Dublin")]
    rc.find(v.Select, label="To track").widget.v_model = "border"
    rc.find(v.Btn, class_="np-ex-submit").widget.click()
    assert [(d.from_track, d.to_track) for _, d in room.run.pending("ind")] == [("regular", "border")]


def test_the_facilitators_chart_is_the_reports_drawn_again_only_when_the_run_moves(monkeypatch, room, key, render):
    # the facilitator's room had only today's figures; the report had the days' figures. The room draws the
    # three the injects read (persons in reception, Ter Apel's occupancy, the phase) with the report's own
    # `chart`, and only when the run has moved (a turn played, an inject): a table's submit redraws the page
    # (the room's version) but not the chart
    solara = pytest.importorskip("solara")
    widgets = pytest.importorskip("ipywidgets")
    from experiments.exercise import report
    from viz import exercise_app

    coa = room.join("coa")
    room.start(key)
    drawn: list[int] = []
    real = report.chart
    monkeypatch.setattr(report, "chart", lambda run, plotted, **kw: drawn.append(run.day) or real(run, plotted, **kw))
    tick = solara.reactive(0)

    @solara.component
    def View():
        exercise_app.Chart(room, tick.value)

    rc = render(View())
    assert rc.find(widgets.Image).widgets == [] and drawn == []         # no day simulated: nothing to draw
    room.advance(key)
    tick.set(1)
    assert drawn == [7]
    png = rc.find(widgets.Image).widget.value
    assert png[1:4] == b"PNG"
    assert png == real(room.run, report.ROOM_FIGURES, width=8.0, panel=1.2, dpi=80, key_columns=4)
    room.submit(coa, {"type": "open_places", "kind": "emergency", "places": 10})
    tick.set(2)
    assert drawn == [7]                          # a decision waiting for the turn's end changes no figure
    room.advance(key)
    tick.set(3)
    assert drawn == [7, 14] and rc.find(widgets.Image).widget.value != png
    room.adhoc(key, "news", "told", "")
    tick.set(4)
    assert drawn == [7, 14, 14]                  # an inject is marked on the chart


def _held_back(rc, v, carrier_scope: str, held: dict[str, str], shown: list[str | None]) -> None:
    """What a busy server gets in the browser: each field in `held` (a TextField's class -> its text)
    has sent all but its last keys (ipywidgets holds a field's update back while the server has not
    answered the previous one); a click on the form's button then sends the texts the fields show
    first (`viz.field_carrier`, `shown` in the carrier's field order; None: a field not on the page)."""
    from viz.field_carrier import FieldCarrier

    for cls, text in held.items():
        rc.find(v.TextField, class_=cls).widget.v_model = text
    for carrier in rc.find(FieldCarrier, scope=carrier_scope).widgets:     # (none: the click acts on what it has)
        carrier.vue_carry({"texts": shown, "t": 0})


def test_the_facilitators_clicks_act_on_the_texts_the_fields_show_not_on_keys_held_back(room, key, render):
    # the What-if's race (`viz.field_carrier`) on the exercise forms: on a busy server "Set turn time"
    # set 2 minutes with 2.5 typed, "Snapshot" kept "t" with "t1" typed, the ad-hoc inject went out
    # with its title's last letters missing
    v = pytest.importorskip("ipyvuetify")
    from viz import exercise_app

    room.start(key)
    rc = render(exercise_app.Facilitator(room, key, lambda: None, lambda *a: None))
    _held_back(rc, v, ".np-ex-minutes-form", {"np-ex-minutes": "2"}, ["2.5"])
    rc.find(v.Btn, class_="np-ex-set-minutes").widget.click()
    assert room.turn_seconds == 150.0
    _held_back(rc, v, ".np-ex-minutes-form", {"np-ex-minutes": "3"}, ["3x"])     # not a number: said, not set
    rc.find(v.Btn, class_="np-ex-set-minutes").widget.click()
    assert room.turn_seconds == 150.0
    assert rc.find(v.Alert, class_="np-ex-error").widget.children == ["minutes per turn: a number (got '3x')"]
    _held_back(rc, v, ".np-ex-snapshot-form", {"np-ex-snap-name": "t"}, ["t1"])
    rc.find(v.Btn, class_="np-ex-snapshot").widget.click()
    assert "t1" in room.run.all_snapshots() and "t" not in room.run.all_snapshots()
    assert not rc.find(v.Alert, class_="np-ex-error").widgets                  # (the next click clears it)
    _held_back(rc, v, ".np-ex-adhoc-form", {"np-ex-adhoc-title": "Stroomstor", "np-ex-adhoc-text": "de nood",
                                            "np-ex-adhoc-effect": "{action: close, kind: emergency, places: 1"},
               ["Stroomstoring", "de noodopvang is onbruikbaar", "{action: close, kind: emergency, places: 10}"])
    rc.find(v.Btn, class_="np-ex-adhoc-send").widget.click()
    told = [(e["what"], e["detail"]) for e in room.run.log if e["kind"] == "inject"]
    assert told == [("Stroomstoring", "de noodopvang is onbruikbaar")]
    assert any(e["what"] == "ad-hoc inject Stroomstoring: close emergency" for e in room.run.log)


def test_a_players_submit_and_join_act_on_the_texts_the_fields_show_not_on_keys_held_back(render):
    v = pytest.importorskip("ipyvuetify")
    from viz import exercise_app
    from viz.exercise_room import ROOMS

    room, key = small_room(ROOMS)
    rc = render(exercise_app.Page())
    # the join code's last character held back
    _held_back(rc, v, ".np-ex-join-form", {"np-ex-code": room.code[:-1]}, [room.code])
    rc.find(v.Select, class_="np-ex-role").widget.v_model = "coa"
    rc.find(v.Btn, class_="np-ex-join").widget.click()
    assert list(room.players.values()) == ["coa"]
    rc.close()
    room.start(key)
    coa = room.join("coa")
    rc = render(exercise_app.Player(room, coa, lambda: None))
    rc.find(v.Textarea).widget.v_model = "sports ha"
    # the form's fields: places, factor, province, share, request, why (only places and why on the page)
    _held_back(rc, v, ".np-ex-decide", {"np-ex-places": "50"}, ["500", None, None, None, None, "sports hall"])
    rc.find(v.Btn, class_="np-ex-submit").widget.click()
    assert [(d.places, d.why) for _, d in room.run.pending("coa")] == [(500, "sports hall")]
    _held_back(rc, v, ".np-ex-decide", {"np-ex-places": "60"}, ["6o0", None, None, None, None, "typo"])
    rc.find(v.Btn, class_="np-ex-submit").widget.click()          # not a whole number: said, nothing taken
    assert len(room.run.pending("coa")) == 1
    assert rc.find(v.Alert, class_="np-ex-error").widget.children == ["places: a whole number (got '6o0')"]



def _ids(rc, v, *found) -> list[str]:
    """The widget (browser model) of each part of the page `found` names ((widget class, find's keywords))."""
    return [rc.find(cls, **kw).widget.model_id for cls, kw in found]


def test_a_forms_fields_stay_the_same_fields_when_a_line_or_table_comes_above_them(render):
    # a part of a page that moved among its siblings was made anew (reacton keys a part by its place): an
    # inject's table coming above a table's decision form made its fields anew, in the browser too, and a
    # why typed but not yet sent was lost (the decision went without it); an error line above the
    # facilitator's lessons did the same to a lesson, and drew the chart again; the line naming the room
    # above the join form made the role and Join anew as the code's last key came
    v = pytest.importorskip("ipyvuetify")
    import ipywidgets

    from viz import exercise_app
    from viz.exercise_room import ROOMS
    from viz.field_carrier import FieldCarrier

    room, key = small_room(ROOMS)
    room.start(key)
    table = render(exercise_app.Player(room, room.join("coa"), lambda: None))
    form = [(v.Textarea, {}), (v.TextField, {"class_": "np-ex-places"}), (v.Btn, {"class_": "np-ex-submit"}),
            (FieldCarrier, {"scope": ".np-ex-decide"})]
    before = _ids(table, v, *form)
    assert not table.find(v.SimpleTable, class_="np-ex-injects").widgets      # (no inject told yet)
    room.adhoc(key, "Brand in Arnhem", "een noodopvang brandt af")
    _until(lambda: table.find(v.SimpleTable, class_="np-ex-injects").widgets)
    assert _ids(table, v, *form) == before

    fac = render(exercise_app.Facilitator(room, key, lambda: None, lambda *a: None))
    parts = [(v.Textarea, {}), (v.Btn, {"class_": "np-ex-keep-lesson"}), (v.Btn, {"class_": "np-ex-save"}),
             (ipywidgets.Widget, {"class_": "np-ex-chart"})]
    before = _ids(fac, v, *parts)
    fac.find(v.Btn, class_="np-ex-fire").widget.click()          # no inject chosen: an error line comes
    assert fac.find(v.Alert, class_="np-ex-error").widgets
    assert _ids(fac, v, *parts) == before

    page = render(exercise_app.Page())
    join = [(v.Select, {"class_": "np-ex-role"}), (v.Btn, {"class_": "np-ex-join"})]
    before = _ids(page, v, *join)
    page.find(v.TextField, class_="np-ex-code").widget.v_model = room.code
    assert page.find(ipywidgets.Widget, class_="np-ex-code-room").widgets      # (the room named)
    assert _ids(page, v, *join) == before



def test_a_pages_own_threads_redraw_it_only_between_the_messages_of_its_browser(monkeypatch):
    # the room's follower, redrawing the facilitator's page while the server handled the message carrying
    # the ad-hoc inject's title, could read the title as empty and send that back over the title typed (the
    # likely cause of CI on f204df5 waiting for the inject: Send carried the empty title, refused). The
    # server handles a page's messages under the page's lock: its own threads now change it under that lock
    # too, and not once the page is closed.
    import threading

    from solara.server import kernel_context

    from viz.redraw import from_thread

    class Page:                     # a served page's context: its lock, and whether it is closed
        lock = threading.RLock()
        closed_event = threading.Event()

    monkeypatch.setattr(kernel_context, "has_current_context", lambda: True)
    monkeypatch.setattr(kernel_context, "get_current_context", lambda: Page)
    said: list[str] = []
    with Page.lock:                 # a message from the browser being handled
        follower = threading.Thread(target=from_thread, args=(lambda: said.append("redrawn"),))
        follower.start()
        follower.join(0.3)
        said.append("message handled")
    follower.join(10)
    assert said == ["message handled", "redrawn"]
    Page.closed_event.set()
    from_thread(lambda: said.append("drawn after the page closed"))
    assert said == ["message handled", "redrawn"]


def test_the_log_names_a_kind_in_the_words_of_the_tables_and_the_form():
    # the log and the report said "regular (azc)", the tables and the form "Regular centre (azc)": two words
    # for one kind. One source now (`experiments.kinds`), capitalised on the page
    from experiments.exercise import roles as R
    from experiments.exercise.engine import said
    from viz.labels import KIND_LABELS

    for kind in R.HOUSING_KINDS:
        words = KIND_LABELS[kind][:1].lower() + KIND_LABELS[kind][1:]
        assert said(R.OpenPlaces(type="open_places", kind=kind, places=10)) == f"open 10 {words} places"
    assert said(R.OpenPlaces(type="open_places", kind="regular", places=2000, province="Groningen")) \
        == "open 2,000 regular centre (azc) places in Groningen"

def test_the_roles_of_the_room_a_join_code_names_show_while_its_last_keys_are_held_back(render):
    # a table typing the join code on a busy server: the browser held the code's last keys back, the
    # server had the code without them and the role list stayed empty (nothing to choose) until it caught
    # up. The field's carrier sends the code at every key typed (`viz.field_carrier`, `typing`): the roles
    # of the room it names show at once, with the room's exercise, and the field is not set from it
    v = pytest.importorskip("ipyvuetify")
    from viz import exercise_app
    from viz.exercise_room import ROOMS
    from viz.field_carrier import FieldCarrier

    room, _key = small_room(ROOMS)
    rc = render(exercise_app.Page())
    code = rc.find(v.TextField, class_="np-ex-code").widget
    code.v_model = room.code[:-1].lower()                     # what the server has: all but the last key
    assert rc.find(v.Select, class_="np-ex-role").widget.items == []
    (carrier,) = rc.find(FieldCarrier, scope=".np-ex-join-form").widgets
    assert carrier.typing
    carrier.vue_typing_in({"texts": [room.code.lower()], "t": 0})    # the browser shows the whole code
    items = rc.find(v.Select, class_="np-ex-role").widget.items
    assert [i["value"] if isinstance(i, dict) else i for i in items] == [r.id for r in room.run.exercise.roles]
    assert code.v_model == room.code[:-1].lower()             # (not sent back to the field being typed in)
    said = rc.find(v.Html, class_="np-ex-code-room").widget.children
    assert said == [f"The room of the exercise {room.run.exercise.title}: choose your role"]
    carrier.vue_typing_in({"texts": ["AAAA"], "t": 1})         # typed over: no room, no roles
    assert rc.find(v.Select, class_="np-ex-role").widget.items == []
    assert not rc.find(v.Html, class_="np-ex-code-room").widgets


def test_a_double_click_on_submit_takes_the_decision_once_while_other_tables_submit(room, key):
    # at a turn's last minute every table submits: a double click on Submit whose two clicks came either side
    # of another table's submit took the decision twice (twice the places), the room having changed between
    # them. Another table's submit, withdrawal, join or leave is nothing this page acts on: refused once still
    coa, ind = room.join("coa"), room.join("ind")
    room.start(key)
    d = {"type": "open_places", "kind": "emergency", "places": 10}
    room.submit(coa, d)
    room.submit(ind, {"type": "reprioritise", "from_track": "regular", "to_track": "dublin", "share": 0.5})
    room.withdraw(ind, 0)
    room.leave(room.join("gem-gr"))
    with pytest.raises(RoomError, match="taken already"):
        room.submit(coa, d)
    room.submit(coa, d)                   # once more, on purpose: taken
    assert [x.places for _, x in room.run.pending("coa")] == [10, 10]
    # the table's own withdrawal, or the facilitator's steering, in between: the same decision again is meant
    room.withdraw(coa, 1)
    room.submit(coa, d)
    room.pause(key)
    room.start(key)
    room.submit(coa, d)
    assert [x.places for _, x in room.run.pending("coa")] == [10, 10, 10]


def test_the_pages_show_the_figures_of_a_days_end_not_of_a_day_half_simulated(room, key, monkeypatch):
    # a table's submit redraws every page (the room's version) just as the facilitator ends the turn: a page
    # read the key figures while the turn's first day was half simulated (the day's arrivals in, not yet
    # housed: "without a bed" jumped), the figures of no day. They are read under the run's lock now, so a
    # page drawn meanwhile shows them once the turn is played
    import threading

    from model import rulebook
    from viz.exercise_app import _figures

    room.start(key)
    half, gate = threading.Event(), threading.Event()
    relocate = rulebook.relocate

    def held(s, day):                     # the day's arrivals, registrations and housing done; its moves not
        half.set()
        gate.wait(60)
        return relocate(s, day)
    monkeypatch.setattr(rulebook, "relocate", held)
    ender = threading.Thread(target=room.advance, args=(key,))
    ender.start()
    read: list = []
    try:
        assert half.wait(60)
        reader = threading.Thread(target=lambda: read.append(_figures(room.run)))
        reader.start()
        reader.join(1.0)
        assert read == []                 # (it waits for the turn: its lock)
    finally:
        gate.set()
        ender.join(120)
    reader.join(60)
    assert room.run.day == 7 and read == [_figures(room.run)]


def _held_turn(monkeypatch, room: Room, key: str):
    """The facilitator ends the turn in a thread of its own, held on the turn's first day half simulated
    (the day's moves wait for the returned gate): the room's and the run's locks are held meanwhile.
    Returns (the ending thread, the gate)."""
    import threading

    from model import rulebook

    half, gate = threading.Event(), threading.Event()
    relocate = rulebook.relocate

    def held(s, day):
        half.set()
        gate.wait(60)
        return relocate(s, day)
    monkeypatch.setattr(rulebook, "relocate", held)
    ender = threading.Thread(target=room.advance, args=(key, room.run.turn))
    ender.start()
    assert half.wait(60)
    return ender, gate


def test_the_status_line_reads_turn_and_day_together_never_a_day_of_a_turn_being_played(room, key, monkeypatch,
                                                                                        render):
    # the status line read the turn and the day without the run's lock: a page redrawn as the turn ended
    # showed "turns played: 0 … day 3", a day of the turn being played. Read under the lock, it waits
    import threading

    import ipyvuetify as v

    from viz import exercise_app

    def shown(rc) -> tuple[str, str]:
        line = re.search(r"turns played: [^<]*", rc.find(v.VuetifyTemplate).widget.template)
        return (line.group(0) if line else ""), rc.find(v.Html, class_="np-ex-turn").widget.children[0]

    room.start(key)
    ender, gate = _held_turn(monkeypatch, room, key)
    drawn: list = []
    try:
        reader = threading.Thread(target=lambda: drawn.append(render(exercise_app.Status(room))))
        reader.start()
        reader.join(1.0)
        assert drawn == []                # (it waits for the turn: the run's lock)
    finally:
        gate.set()
        ender.join(120)
    reader.join(60)
    assert shown(drawn[0]) == (f"turns played: 1 of 6, now turn 2 · day 7 · {room.run.date_of(7)}",
                               "Turn 2 of 6, day 7")


def _joined_player(room: Room, role: str, render):
    """A player's page of `role` in `room` as a tab shows it after Join (`viz.exercise_app.Page`)."""
    import ipyvuetify as v

    from viz import exercise_app

    rc = render(exercise_app.Page())
    rc.find(v.TextField, class_="np-ex-code").widget.v_model = room.code
    rc.find(v.Select, class_="np-ex-role").widget.v_model = role
    rc.find(v.Btn, class_="np-ex-join").widget.click()
    return rc


def test_a_decision_clicked_as_the_turn_ends_is_refused_with_a_line_not_taken_into_the_next_turn(monkeypatch, render):
    # the table clicked Submit as the facilitator ended turn 1: the click waited for the turn's end and the
    # decision went into turn 2, the table told nothing. The page sends the turn it showed: refused, in words,
    # the form keeping the decision to submit again
    import threading

    import ipyvuetify as v

    from viz.exercise_room import ROOMS

    room, key = small_room(ROOMS)
    room.start(key)
    rc = _joined_player(room, "coa", render)
    rc.find(v.TextField, class_="np-ex-places").widget.v_model = 40
    rc.find(v.Textarea).widget.v_model = "a sports hall"
    ender, gate = _held_turn(monkeypatch, room, key)
    clicker = threading.Thread(target=rc.find(v.Btn, class_="np-ex-submit").widget.click)
    try:
        clicker.start()
        clicker.join(1.0)                 # (it waits for the turn's end: the room's lock)
        assert clicker.is_alive()
    finally:
        gate.set()
        ender.join(120)
    clicker.join(60)
    assert room.run.turn == 1 and room.run.pending("coa") == []
    assert [e for e in room.run.log if e["kind"] == "decision"] == []
    errors = rc.find(v.Alert, class_="np-ex-error").widgets
    assert [e.children[0] for e in errors] == ["decision: not taken: turn 1 ended before it reached the room "
                                              "(now turn 2: submit it again to take it in this turn)"]
    assert rc.find(v.Textarea).widget.v_model == "a sports hall"
    rc.find(v.Btn, class_="np-ex-submit").widget.click()          # again, in the turn it now shows: taken
    assert [(d.places, d.why) for _, d in room.run.pending("coa")] == [(40, "a sports hall")]


def test_a_refused_second_click_empties_the_why_field_as_the_accepted_first_did(render):
    # a double click: the first click took the decision and emptied the Why field; the second came with the
    # field's text as the browser still showed it (carried just before the click), was refused as taken
    # already, and the text stayed in the field, ready to go with the next decision
    import ipyvuetify as v

    from viz.exercise_room import ROOMS

    room, key = small_room(ROOMS)
    room.start(key)
    rc = _joined_player(room, "coa", render)
    why, submit = rc.find(v.Textarea).widget, rc.find(v.Btn, class_="np-ex-submit").widget
    why.v_model = "a sports hall"
    submit.click()
    assert why.v_model == "" and rc.find(v.Alert, class_="np-ex-error").widgets == []
    why.v_model = "a sports hall"                    # (the text the browser still showed, carried with the click)
    submit.click()
    assert "taken already" in rc.find(v.Alert, class_="np-ex-error").widget.children[0]
    assert why.v_model == ""
    assert [d.why for _, d in room.run.pending("coa")] == ["a sports hall"]
    # a decision refused for what it says keeps its why, to correct and submit again
    rc.find(v.TextField, class_="np-ex-places").widget.v_model = -5
    why.v_model = "too few"
    submit.click()
    assert "places" in rc.find(v.Alert, class_="np-ex-error").widget.children[0] and why.v_model == "too few"


def test_a_tab_closed_without_leave_takes_its_table_out_and_a_reloaded_tab_comes_back(render):
    # a table that closed its tab without clicking Leave stayed among the players for good: its role played,
    # a request to it waited a turn for an answer that could not come. Solara closes the page's render
    # context when the tab closes (its close beacon) or the kernel is culled: the table is out as after Leave
    import ipyvuetify as v

    from viz import exercise_app
    from viz.exercise_room import ROOMS

    room, key = small_room(ROOMS)
    room.start(key)
    prov = room.join("prov-gr")
    rc = _joined_player(room, "gem-gr", render)
    (token,) = [t for t, r in room.players.items() if r == "gem-gr"]
    kept = exercise_app.seats_text([], None, (room, token))          # what the tab keeps
    rc.close()
    assert sorted(room.players.values()) == ["prov-gr"] and room.gone() == ["gem-gr"]
    facilitator = render(exercise_app.Facilitator(room, key, lambda: None, lambda *a: None))
    assert facilitator.find(v.Alert, class_="np-ex-gone").widget.children[0] == \
        "Left without Leave (their page closed): gem-gr; no table plays this role now"
    room.submit(prov, {"type": "request_places", "kind": "emergency", "places": 20, "province": "Groningen"})
    room.advance(key, 0)
    answered = [e["detail"].split(";")[0] for e in room.run.log if e["kind"] == "model"]
    assert answered == ["no table plays gem-gr"]                     # at once, not a turn later
    # the same tab reloaded (its page closed, then drawn again from what the tab kept): back in its seat
    assert exercise_app.seats_back(kept)[2] == (room, token)
    assert room.players[token] == "gem-gr" and room.gone() == []
    # a reload whose new page opens before the old one closes: the table plays on throughout
    again = render(exercise_app.Player(room, token, lambda: None))
    rc2 = render(exercise_app.Player(room, token, lambda: None))
    again.close()
    assert room.players[token] == "gem-gr"
    rc2.close()
    assert token not in room.players and room.gone() == ["gem-gr"]
    # Leave is final: a tab that left does not come back on a reload
    room.come_back(token)
    room.leave(token)
    assert exercise_app.seats_back(kept)[2] is None and room.gone() == []


# -- seats whose page gives no sign of life, and who left, in the log ----------------------------------------

class Clock:
    """A room's clock a test moves by hand (seconds), instead of sleeping."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _clocked(room: Room) -> Clock:
    clock = Clock()
    room.clock = clock
    return clock


def _seat_log(room: Room) -> list[tuple]:
    return [(e["turn"], e["day"], e["role"], e["what"], e["detail"]) for e in room.run.log if e["kind"] == "seat"]


def test_a_seat_whose_page_gives_no_sign_for_two_minutes_is_away_and_its_own_again_when_heard(room, key):
    # a laptop gone flat or off the network sends no close signal: Solara keeps its page until the cull
    # (24 hours), so the seat stayed held and the facilitator could not tell. Its page's heartbeat stops
    from viz.exercise_room import AWAY_AFTER_S

    clock = _clocked(room)
    gem, prov = room.join("gem-gr"), room.join("prov-gr")
    assert AWAY_AFTER_S == 120.0
    clock.t += 90
    room.alive(prov)                                  # prov-gr's page beats; gem-gr's is silent
    clock.t += 29.9
    assert [(s.role, s.away) for s in room.seats()] == [("gem-gr", False), ("prov-gr", False)]
    version = room.version
    clock.t += 0.1                                    # 120 s without a sign of gem-gr's page
    room.look()
    assert [(s.role, s.away, s.minutes) for s in room.seats()] == [("gem-gr", True, 2), ("prov-gr", False, 0)]
    assert room.version == version + 1                # the pages redraw: the facilitator sees it away
    room.look()
    assert room.version == version + 1                # (once, not at every look)
    # away, the seat still plays its role: a request to it waits for its answer (the table may be back)
    room.start(key)
    room.submit(prov, {"type": "request_places", "kind": "emergency", "places": 20, "province": "Groningen"})
    room.advance(key, 0)
    assert [q.number for q in room.run.open_requests("gem-gr")] == [1]
    clock.t += 300                                    # its page is heard again before anyone took the seat
    room.alive(prov)
    room.alive(gem)
    assert [s.away for s in room.seats()] == [False, False] and room.version > version + 1
    room.submit(gem, {"type": "answer_request", "request": 1, "places": 20, "why": "back"})
    assert room.run.pending("gem-gr")[0][1].why == "back"
    assert _seat_log(room) == []                      # away and back: nobody left


def test_a_new_participant_joining_the_role_of_an_away_seat_takes_it_over_and_the_log_says_so():
    from viz.exercise_room import ROOMS, RoomError

    room, _key = small_room(ROOMS)             # (the server's rooms: a reloaded tab looks its seat up there)
    clock = _clocked(room)
    first = room.join("gem-gr")
    clock.t += 60
    second = room.join("gem-gr")                      # a second laptop at the table: both seats kept
    assert sorted(room.players) == sorted([first, second])
    clock.t += 90                                     # first: 150 s quiet (away); second: 90 s (here)
    room.alive(second)
    clock.t += 250                                    # first: 400 s quiet, 6 minutes 40
    new = room.join("gem-gr")                         # the table on another laptop
    assert sorted(room.players) == sorted([second, new]) and room.players[new] == "gem-gr"
    assert _seat_log(room) == [(1, 0, "gem-gr", "seat taken over by a new participant after 6 minutes away "
                                                "(no sign of its page)", "the new participant plays gem-gr on")]
    # the old laptop's page, heard again, has no seat: its page says why; a reload of it gets no seat back
    room.alive(first)
    assert first not in room.players
    with pytest.raises(RoomError, match=r"^room: your seat \(gem-gr\) was taken over by a new participant after 6 "
                                        r"minutes without a sign of this page; join again$"):
        room.come_back(first)
    with pytest.raises(RoomError, match="not a player of this room"):
        room.submit(first, {"type": "open_places", "kind": "emergency", "places": 10})
    pytest.importorskip("solara")
    from viz.exercise_app import ended_seat, seats_text

    assert ended_seat(seats_text([], None, (room, first))) == (      # the start page of its tab reloaded says why
        "Your seat (gem-gr) was taken over by a new participant after 6 minutes without a sign of this page: "
        "join again with the room's code to play on")
    assert ended_seat(seats_text([], None, (room, second))) == ended_seat("not json") == ""


def test_the_facilitator_frees_a_seat_away_and_its_role_is_then_played_by_nobody(room, key):
    from viz.exercise_room import RoomError

    clock = _clocked(room)
    gem, prov = room.join("gem-gr"), room.join("prov-gr")
    room.start(key)
    clock.t += 45
    room.alive(prov)
    with pytest.raises(RoomError, match=r"^free seat: the seat of gem-gr is not away \(its page was heard 45 s ago\); "
                                        r"a seat is freed after 2 minutes without a sign of its page$"):
        room.free(key, gem)
    clock.t += 150                                    # gem-gr: 195 s quiet; prov-gr heard 150 s ago: away too
    room.alive(prov)
    with pytest.raises(RoomError, match="only the facilitator"):
        room.free(prov, gem)                          # a player's token is not the facilitator's key
    room.free(key, gem)
    assert list(room.players.values()) == ["prov-gr"]
    assert _seat_log(room) == [(1, 0, "gem-gr", "seat freed by the facilitator after 3 minutes away (no sign of its "
                                                "page)", "no table plays gem-gr now: at a turn's end the model "
                                                "answers requests to it")]
    with pytest.raises(RoomError, match="no longer in the room"):
        room.free(key, gem)
    # freed, its role is played by nobody: a request to it is answered by the model at once
    room.submit(prov, {"type": "request_places", "kind": "emergency", "places": 20, "province": "Groningen"})
    room.advance(key, 0)
    answered = [e["detail"].split(";")[0] for e in room.run.log if e["kind"] == "model"]
    assert answered == ["no table plays gem-gr"]


def test_leaving_is_in_the_exercise_log_with_day_role_and_how_and_a_save_keeps_it(rooms, room, key):
    # a table that left (Leave, or its page closed for good) was nowhere in the exercise's log: the debrief
    # could not tell why a role's requests were answered by the model from a turn on
    import json

    from experiments.exercise import report

    clock = _clocked(room)
    a, b, c = room.join("gem-gr"), room.join("gem-gr"), room.join("coa")
    room.start(key)
    room.advance(key, 0)                              # day 7, turn 2
    room.leave(a)                                     # Leave: logged at once, another seat of its role plays on
    room.opened(b)
    room.closed(b)                                    # its tab closed: out of the room, but maybe a reload
    clock.t += 29
    room.look()
    assert len(_seat_log(room)) == 1                  # (a reload opens its page again within seconds)
    room.come_back(b)                                 # it was one: nothing to log
    room.opened(b)
    room.closed(b)
    clock.t += 30
    room.look()                                       # closed for good
    room.opened(c)
    room.closed(c)                                    # closed as the facilitator ends the turn: out of its
    room.advance(key, 1)                              # roster, so logged before it is played (day 7)
    room.come_back(c)                                 # (the tab restored afterwards: its seat back, logged)
    assert _seat_log(room) == [
        (2, 7, "gem-gr", "left the room (Leave)", "1 other seat of gem-gr plays on"),
        (2, 7, "gem-gr", "left without Leave (its page closed)",
         "no table plays gem-gr now: at a turn's end the model answers requests to it"),
        (2, 7, "coa", "left without Leave (its page closed)",
         "no table plays coa now: at a turn's end the model answers requests to it"),
        (3, 14, "coa", "back in its seat (its page opened again)", "a table plays coa again")]
    assert [c_.get("played") for c_ in room.run.commands if c_["op"] == "advance"] == [["coa", "gem-gr"], []]
    # in the report's log, and a save replays it (a save with a change no noodplan knows is refused in a line)
    html = report.render(room.run)
    assert html.count("<td>seat</td>") == 4 and "left the room (Leave)" in html
    saved = json.loads(room.save_json(key))
    back, _ = rooms.restore(json.dumps(saved))
    assert back.run.log == room.run.log and back.run.fingerprint() == room.run.fingerprint()
    i = next(i for i, c_ in enumerate(saved["commands"]) if c_["op"] == "seat")
    saved["commands"][i]["change"] = "vanished"
    with pytest.raises(ScenarioError, match=rf"^x\.json: commands\.{i}: change: one of left, closed, freed, "
                                            r"taken_over, back \(got 'vanished'\)$"):
        rooms.restore(json.dumps(saved), "x.json")
    for args, said in ((("nobody", "left"), "role: 'nobody' is not a role"), (("coa", "gone"), "seat: change: one of"),
                       (("coa", "freed", -1), "seat: minutes: a whole number of minutes away, 0 or more \\(got -1\\)"),
                       (("coa", "left", None, 1.5), "seat: others: a whole number of seats")):
        with pytest.raises(ScenarioError, match=said):
            room.run.seat(*args)                       # (the Python API: one line naming the argument)
    # after the last turn a table leaving changes nothing in the exercise: not logged
    for turn in range(2, room.run.exercise.turns):
        room.advance(key, turn)
    room.leave(c)
    assert len(_seat_log(room)) == 4


def _until(found, seconds: float = 30.0) -> None:
    """Until `found()` is true: a page follows its room's version twice a second (`exercise_app.POLL_S`)."""
    import time

    deadline = time.monotonic() + seconds
    while not found():
        assert time.monotonic() < deadline, "the page did not follow the room"
        time.sleep(0.05)


def test_a_players_page_says_it_is_there_and_learns_its_seat_was_freed(render):
    # the page's heartbeat is a message from the browser (rendering on the server says nothing about it);
    # the page of a seat freed while it was away says so when it is heard again, and leads back to the start
    import ipyvuetify as v

    from viz import exercise_app
    from viz.exercise_room import ROOMS

    room, key = small_room(ROOMS)
    clock = _clocked(room)
    rc = _joined_player(room, "gem-gr", render)
    assert len(room.players) == 1
    beat = rc.find(exercise_app.Heartbeat).widget
    assert beat.every_ms == 20_000
    clock.t += 200
    beat.vue_beat({})
    assert room.seats()[0].quiet_s == 0.0
    clock.t += 200
    facilitator = render(exercise_app.Facilitator(room, key, lambda: None, lambda *a: None))
    rows = facilitator.find(v.SimpleTable, class_="np-ex-seats").widget.children[1].children
    assert [[td.children[0] for td in row.children] for row in rows] == \
        [["gem-gr", "away (afwezig): no sign of its page for 3 minutes"]]
    facilitator.find(v.Btn, class_="np-ex-free").widget.click()
    assert room.players == {} and facilitator.find(v.Btn, class_="np-ex-free").widgets == []
    _until(lambda: rc.find(v.Alert, class_="np-ex-ended").widgets)    # (the page follows the room's version)
    assert rc.find(v.Alert, class_="np-ex-ended").widget.children[0] == \
        ("Your seat (gem-gr) was freed by the facilitator after 3 minutes without a sign of this page. Join again "
         "with the room's code to play on.")
    rc.find(v.Btn, class_="np-ex-ended-back").widget.click()
    rc.find(v.Btn, class_="np-ex-join").assert_single()              # the start page


def test_the_join_form_says_joining_takes_over_a_seat_away(render):
    import ipyvuetify as v

    from viz import exercise_app
    from viz.exercise_room import ROOMS

    room, _key = small_room(ROOMS)
    clock = _clocked(room)
    old = room.join("gem-gr")
    clock.t += 125
    rc = render(exercise_app.Page())
    rc.find(v.TextField, class_="np-ex-code").widget.v_model = room.code
    rc.find(v.Select, class_="np-ex-role").widget.v_model = "coa"
    assert rc.find(v.Html, class_="np-ex-takeover").widgets == []
    rc.find(v.Select, class_="np-ex-role").widget.v_model = "gem-gr"
    assert rc.find(v.Html, class_="np-ex-takeover").widget.children == \
        ["A seat of gem-gr is away (afwezig): no sign of its page for 2 minutes. Joining takes it over."]
    rc.find(v.Btn, class_="np-ex-join").widget.click()
    assert old not in room.players and list(room.players.values()) == ["gem-gr"]


def test_the_facilitator_sets_how_long_a_seat_may_be_quiet_before_it_is_away(tmp_path, monkeypatch, capsys):
    # `exercise serve --away-after SECONDS` (a hall of phones may want longer than 2 minutes); the pages beat at
    # least four times in it
    import socket

    from viz import cli, exercise_room

    started: list[dict] = []
    monkeypatch.setattr(cli, "_serve", lambda command, env, name, said: started.append(env) or 0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    assert cli.main(["exercise", "serve", "--port", port]) == 0
    assert cli.main(["exercise", "serve", "--port", port, "--away-after", "300"]) == 0
    assert [env[exercise_room.AWAY_ENV] for env in started] == ["120", "300"]
    for wrong, said in (("5", "must be 10 to 3,600 seconds (got 5)"), ("2m", "must be a whole number (got '2m')")):
        assert cli.main(["exercise", "serve", "--port", port, "--away-after", wrong]) == 2
        err = capsys.readouterr().err.strip()
        assert err == f"noodplan: exercise serve: argument --away-after: {said} (see --help)"
    monkeypatch.setenv(exercise_room.AWAY_ENV, "300")         # (the server's environment)
    room, key = small_room(Rooms())
    assert (room.away_s, room.heartbeat_s) == (300.0, 20.0)
    clock = _clocked(room)
    gem = room.join("gem-gr")
    clock.t += 299
    with pytest.raises(exercise_room.RoomError, match=r"a seat is freed after 5 minutes without a sign of its page$"):
        room.free(key, gem)
    clock.t += 1
    room.free(key, gem)
    monkeypatch.setenv(exercise_room.AWAY_ENV, "10")
    assert small_room(Rooms())[0].heartbeat_s == 2.5


def test_a_player_is_told_what_places_cost_full_and_while_empty():
    # the panel said only what 100 places cost a day when full; since a free place of an open location
    # is charged costs.vacant_place_share of a resident's cost, the line says what they cost empty too.
    # Emergency: 69,400 / 365 x 100 = 19,013.7 full, x 0.92 = 17,492.6 empty; crisis: the safety
    # regions' 150 a person a night full (15,000), and nothing of COA's empty (its resident cost is 0)
    roles = [*ROLES, {"id": "vr-gr", "type": "safety_region", "province": "Groningen"}]
    run = ExerciseRun(*exercise_from_dict(exercise(roles=roles)))
    emergency = run.panel("coa")["decisions"]["open_places"]["kinds"]["emergency"]
    assert kind_facts_text(emergency) == ("lead time 21 days · €19,014 per 100 places a day when full, "
                                          "€17,493 while empty")
    crisis = run.panel("vr-gr")["decisions"]["open_places"]["kinds"]["crisis"]
    assert kind_facts_text(crisis) == "lead time 3 days · €15,000 per 100 places a day when full, €0 while empty"
    # the share is the scenario's, not a number of the page's: at 0.5, 19,013.7 x 0.5 = 9,506.8
    sc = small_scenario()
    sc["costs"]["vacant_place_share"] = 0.5
    half = ExerciseRun(*exercise_from_dict(exercise(scenario=sc)))
    emergency = half.panel("coa")["decisions"]["open_places"]["kinds"]["emergency"]
    assert kind_facts_text(emergency).endswith("€19,014 per 100 places a day when full, €9,507 while empty")


def test_the_server_says_a_table_closed_its_page_and_came_back(room, capsys):
    # `noodplan exercise serve`'s terminal: these lines went nowhere (no handler, the root logger at WARNING)
    from viz.exercise_room import say_events

    say_events()
    say_events()                                      # called again: still one line per event
    a = room.join("coa")
    room.opened(a)
    room.closed(a)
    room.come_back(a)
    lines = capsys.readouterr().err.splitlines()
    assert [re.sub(r"^\d\d:\d\d:\d\d ", "", x) for x in lines] == [
        f"exercise room {room.code}: a table of coa closed its page without Leave; out of the room (its role no "
        f"longer played: the model answers its requests)",
        f"exercise room {room.code}: a table of coa is back (its page reloaded)"]
    assert all(re.match(r"^\d\d:\d\d:\d\d exercise room ", x) for x in lines)

"""Rooms without a browser: join codes, players bound to their role, the facilitator's key, isolation."""

from __future__ import annotations

import pytest

from tests.experiments.test_exercise import exercise
from viz.exercise_room import Room, RoomError, Rooms, new_code, normal_code
from experiments.exercise.engine import ExerciseRun
from experiments.exercise.msel import exercise_from_dict
from model.scenario import ScenarioError


def small_room(rooms: Rooms) -> tuple[Room, str]:
    return rooms._add(ExerciseRun(*exercise_from_dict(exercise())), "small-test")


def test_join_codes_carry_80_random_bits_and_are_read_as_typed():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    assert len(code.replace("-", "")) == 16                 # 16 base-32 characters x 5 bits = 80 bits
    assert normal_code(code.lower().replace("-", " ")) == code


def test_a_player_acts_only_as_the_role_it_joined_and_only_the_facilitator_steers():
    rooms = Rooms()
    room, key = small_room(rooms)
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


def test_rooms_are_isolated_and_a_fork_is_a_room_of_its_own():
    rooms = Rooms()
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


def test_a_saved_exercise_continues_in_a_new_room():
    rooms = Rooms()
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

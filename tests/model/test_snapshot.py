"""Snapshots: a run restored from a snapshot ends identical to the run that never stopped; the file
format is versioned and migrated; unknown types and foreign files are refused with one line."""

from __future__ import annotations

import copy
import json
import os
import re
import pickle
import threading
import zipfile
from unittest.mock import ANY

import numpy as np
import pytest

from agents.locations import Life
from agents.moves import Reason
from model import snapshot
from model.mesa_model import ReceptionModel
from model.rulebook import run_day
from model.scenario import builtin_names
from model.simulate import prepare, results_of, simulate
from model.snapshot import SnapshotError
from tests.model.same import same_results

SNAP_DAY, END_DAY = 100, 200   # day 100-200 holds plan phases, regimes and events in most scenarios


def _run(s, days: int):
    for _ in range(days):
        run_day(s)
    return s


def _same_run(a, b) -> None:
    """Everything a user can see of two states is the same: daily figures, every household, every
    location, the move log, the event log and the random streams' keys."""
    same_results(results_of(a), results_of(b))
    assert (a.arrivals_key, a.homes_key, a.answer_key) == (b.arrivals_key, b.homes_key, b.answer_key)


@pytest.mark.parametrize("name", builtin_names())
def test_restored_from_day_100_ends_identical_to_the_run_that_never_stopped(name, tmp_path):
    s = _run(prepare(name, days=END_DAY), SNAP_DAY)
    path = snapshot.save(s, tmp_path / f"{name}.snapshot")
    restored = snapshot.load(path).restore()          # the world is rebuilt from the header's scenario
    assert restored.day == SNAP_DAY and restored.world is not s.world
    _same_run(_run(s, END_DAY - SNAP_DAY), _run(restored, END_DAY - SNAP_DAY))


def test_a_restored_run_goes_on_beyond_its_horizon_as_a_longer_run_would():
    short = _run(prepare("mass-arrival", days=120), 120)
    longer = snapshot.capture(short).restore(horizon_days=180)
    assert longer.sc.horizon_days == 180 and longer.recorder.days == 180
    _same_run(_run(longer, 60), _run(prepare("mass-arrival", days=180), 180))


def test_one_snapshot_restored_many_times_checks_its_scenario_once_and_gives_each_caller_its_own(monkeypatch):
    """A prognosis restores one snapshot for each member: the header's scenario is validated once
    (it was a fifth of a prognosis-triggered run's time), and `snapshot.scenario` is the caller's own
    copy, so changing it changes neither the snapshot nor a later restore."""
    from model.scenario import Scenario

    s = _run(prepare("baseline", days=40), 20)
    snap = snapshot.capture(s)
    calls = []
    validate = Scenario.model_validate
    monkeypatch.setattr(Scenario, "model_validate", classmethod(lambda cls, *a, **k: calls.append(1)
                                                                 or validate(*a, **k)))
    mine = snap.scenario
    mine.inflow.first_applications_per_year = 1.0
    states = [snap.restore(s.world) for _ in range(3)]
    assert len(calls) == 1
    assert snap.scenario.inflow.first_applications_per_year == s.world.scenario.inflow.first_applications_per_year
    for r in states:
        _same_run(_run(r, 10), _run(snap.restore(s.world), 10))


@pytest.mark.parametrize("name", ["baseline", "mass-arrival"])
def test_a_state_pickled_or_deep_copied_mid_run_goes_on_as_the_unbroken_run(name):
    """Besides snapshots, a state travels by pickle (to a worker process) and `copy.deepcopy` (a
    branch): both copy a view apart from its array, so every view the day writes through must be
    made again on unpickling (the recorder's daily figures were left as stale copies: zeros)."""
    s = _run(prepare(name, seed=4, days=40), 15)
    copies = [pickle.loads(pickle.dumps(s)), copy.deepcopy(s)]
    for c in (s, *copies):
        _run(c, 25)
    for c in copies:
        _same_run(c, s)


def test_mesa_face_snapshot_rewinds_and_forks():
    m = ReceptionModel("mass-arrival", days=150)
    for _ in range(110):
        m.step()
    snap = m.snapshot()
    fork = ReceptionModel.restore(snap, world=m.state.world)
    assert fork.steps == 110 and fork.day == 110
    while m.running:
        m.step()
    while fork.running:
        fork.step()
    assert m.results().daily.identical(fork.results().daily)
    assert len(fork.location_agents) == len(m.location_agents)
    assert simulate("mass-arrival", days=150).daily.identical(fork.results().daily)


@pytest.mark.parametrize("given_world", ["rebuilt", "the run's own", "the built one"])
def test_a_yearly_inflow_level_changed_before_the_snapshot_is_kept(tmp_path, given_world):
    """A new yearly level gives the run its own copy of the world with its own inflow plan
    (`model.events._replan_inflow`); the snapshot referred to the world built from the scenario and
    restored the plan of before the change: inflow x 5 on day 3 came back as 1/5 of it."""
    m = ReceptionModel("baseline", days=60)
    for _ in range(3):
        m.step()
    built = m.state.world
    m.apply({"action": "scale", "parameter": "inflow.first_applications_per_year", "value": 5})
    assert m.state.world.built is built and m.state.world.inflow.first[10] == 5 * built.inflow.first[10]
    path = snapshot.save(m.state, tmp_path / "x5.snapshot")
    world = {"rebuilt": None, "the run's own": m.state.world, "the built one": built}[given_world]
    r = ReceptionModel.restore(path, world=world)
    assert np.array_equal(r.state.world.inflow.first, m.state.world.inflow.first)
    assert r.state.world.network is (built if world is not None else r.state.world.built).network   # referred to
    for _ in range(20):
        m.step()
        r.step()
    assert m.results().daily.identical(r.results().daily)


def test_shared_parts_stay_shared_and_views_stay_views():
    s = _run(prepare("baseline", days=20), 5)
    s.head_of_sizes = s.people._h["size"][:10]                   # a view of another field
    r = snapshot.capture(s).restore(world=s.world)
    assert r.plan is r.extensions[0]                               # one plan runtime, two names
    assert r.plan.plan is r.params.plan                            # the runtime reads the run's parameters
    assert r.log._distance is r.world.network.distance_km          # the world is referred to, not copied
    r.people._h["size"][0] = 99
    assert r.head_of_sizes[0] == 99 and s.head_of_sizes[0] != 99


def test_a_field_it_cannot_save_stops_capture_naming_the_field():
    s = _run(prepare("baseline", days=10), 2)
    s.lock = threading.Lock()
    with pytest.raises(SnapshotError, match=r"State\.lock: _thread\.lock is not a type a snapshot knows"):
        snapshot.capture(s)
    del s.lock
    s.extensions.append(lambda state, day: None)
    with pytest.raises(SnapshotError, match=r"State\.extensions\[1\].*<lambda>"):
        snapshot.capture(s)
    s.extensions.pop()
    s.scratch = np.array([object()])
    with pytest.raises(SnapshotError, match=r"State\.scratch: a NumPy array of Python objects"):
        snapshot.capture(s)


def test_fields_added_to_a_dataclass_since_the_snapshot_get_their_defaults():
    s = _run(prepare("baseline", days=10), 3)
    snap = snapshot.capture(s)
    state = snap.tree["state"]["v"]
    tally = next(v for k, v in state if k == "today")
    del tally["state"]["v"][[k for k, _ in tally["state"]["v"]].index("border_late")]   # as if added later
    r = snap.restore(world=s.world)
    assert r.today.border_late == 0
    del state[[k for k, _ in state].index("registration")]          # a field without a plain default
    r = snap.restore(world=s.world)
    assert len(r.registration) == 0                                  # default_factory: an empty line
    state.append(["tally_without_default", {"$": "obj", "id": 10 ** 6, "cls": "model.snapshot:Snapshot",
                                             "state": {"$": "dict", "id": 10 ** 6 + 1, "v": []}}])
    with pytest.raises(SnapshotError, match=r"Snapshot\.header is not in the snapshot and has no default"):
        snap.restore(world=s.world)


def test_a_snapshot_from_before_the_search_time_lets_everyone_linked_move_in():
    s = _run(prepare("baseline", days=10), 3)
    assert len(s.linked_h) > 0
    snap = snapshot.capture(s)
    state = snap.tree["state"]["v"]
    del state[[k for k, _ in state].index("linked_ready")]         # as saved before the field existed
    r = snap.restore(world=s.world)
    assert len(r.linked_ready) == len(r.linked_h) and (r.linked_ready == 0).all()


# --- the file format ---------------------------------------------------------------------------

def _write_zip(path, header: dict, snap: snapshot.Snapshot) -> None:
    """A snapshot file with `header` in place of `snap`'s own, its state and arrays as they are."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("header.json", json.dumps(header))
        z.writestr("state.json", json.dumps(snap.tree))
        for i, a in enumerate(snap.arrays):
            with z.open(f"arrays/{i}.npy", "w") as f:
                np.lib.format.write_array(f, a, allow_pickle=False)


def _write_v1(snap: snapshot.Snapshot, path) -> None:
    """What format version 1 (commit b1fec0c) wrote: header keys `version` and `code`, no world checks."""
    header = {k: v for k, v in snap.header.items() if k not in ("format_version", "code_version", "world_checks")}
    header["version"], header["code"] = 1, snap.header["code_version"]
    _write_zip(path, header, snap)


def test_a_version_1_file_is_migrated_and_restores_identically(tmp_path):
    s = _run(prepare("instrumentalisation", days=160), 100)
    _write_v1(snapshot.capture(s), tmp_path / "old.snapshot")
    snap = snapshot.load(tmp_path / "old.snapshot")
    assert snap.header["format_version"] == snapshot.FORMAT_VERSION == 5
    assert "version" not in snap.header and snap.header["code_version"].startswith("noodplan")
    assert snap.header["world_checks"] == {}
    _same_run(_run(s, 60), _run(snap.restore(), 60))


def _v2_generator(seed: int) -> dict:
    """A PCG64 generator as format version 2 wrote it into the state tree."""
    ids = 10 ** 6 + 10 * seed
    pcg = {"$": "dict", "id": ids + 2, "v": [["state", 1234567 * seed], ["inc", 7654321]]}
    state = {"$": "dict", "id": ids + 1, "v": [["bit_generator", "PCG64"], ["state", pcg], ["has_uint32", 0],
                                               ["uinteger", 0]]}
    return {"$": "rng", "id": ids, "bg": "PCG64", "state": state, "seq": None}


def test_a_version_2_file_with_generator_streams_restores_with_keys_from_them(tmp_path):
    """Version 2 saved the arrivals and homes streams as generators (before the streams were keyed
    by run and day): such a file restores, its keys made from the generators' states — the same
    keys on every load, other keys for other generator states — and the run goes on."""
    s = _run(prepare("baseline", days=40), 10)
    snap = snapshot.capture(s)
    fields = snap.tree["state"]["v"]
    names = [k for k, _ in fields]

    for old, new, seed in (("rng_arrivals", "arrivals_key", 1), ("rng_housing", "homes_key", 2)):
        fields[names.index(new)] = [old, _v2_generator(seed)]
    header = dict(snap.header, format_version=2)
    _write_zip(tmp_path / "v2.snapshot", header, snap)
    a, b = snapshot.load(tmp_path / "v2.snapshot").restore(), snapshot.load(tmp_path / "v2.snapshot").restore()
    assert a.arrivals_key == b.arrivals_key and a.homes_key == b.homes_key        # the same keys every load
    assert len({a.arrivals_key, a.homes_key, s.arrivals_key, s.homes_key}) == 4  # made from the generators
    _same_run(_run(a, 30), _run(b, 30))
    assert a.day == 40 and a.recorder.scalars["arrivals"][10:40].sum() > 0


def test_a_world_that_changed_since_the_snapshot_is_refused_naming_the_array(tmp_path):
    s = _run(prepare("baseline", days=10), 2)
    snap = snapshot.capture(s)
    assert "network.distance_km" in snap.header["world_checks"]
    snap.header["world_checks"]["network.distance_km"]["crc32"] ^= 1
    with pytest.raises(SnapshotError, match=r"the world differs at 'network.distance_km'"):
        snap.restore()


@pytest.mark.parametrize("content", [b"hello, not a snapshot\n", pickle.dumps({"a": 1}), b""])
def test_a_foreign_file_is_refused_in_one_line(tmp_path, content):
    path = tmp_path / "foreign.snapshot"
    path.write_bytes(content)
    with pytest.raises(SnapshotError, match="not a noodplan snapshot") as err:
        snapshot.load(path)
    assert "\n" not in str(err.value)


def test_a_zip_that_is_not_a_snapshot_or_from_a_newer_noodplan_is_refused(tmp_path):
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(SnapshotError, match=r"no header\.json"):
        snapshot.load(other)
    newer = tmp_path / "newer.snapshot"
    with zipfile.ZipFile(newer, "w") as z:
        z.writestr("header.json", json.dumps({"format": "noodplan-snapshot", "format_version": 99}))
        z.writestr("state.json", "{}")
    with pytest.raises(SnapshotError, match="format version 99; this noodplan reads versions 1 to 5"):
        snapshot.load(newer)


@pytest.mark.parametrize("edit, words", [
    # a version written as text was answered "snapshot format version '4'; this noodplan reads versions 1 to 5"
    (lambda h: h.update(format_version="4"), "crafted.snapshot: damaged snapshot (header format_version: must be a "
                                              "whole number, got '4')"),
    # an emptied scenario was blamed on the date ("not a real date, or the scenario's start_date is not")
    (lambda h: h.update(scenario={}), "crafted.snapshot: damaged snapshot (header scenario: has no start_date"),
    # a version-1 header without its `code` named no file
    (lambda h: (h.pop("format_version"), h.pop("code_version"), h.update(version=1)),
     "crafted.snapshot: damaged snapshot: version-1 header without 'code'"),
])
def test_an_edited_header_is_refused_naming_the_file_and_the_field(tmp_path, edit, words):
    good = snapshot.capture(_run(prepare("baseline", days=5), 1))
    header = copy.deepcopy(good.header)
    edit(header)
    path = tmp_path / "crafted.snapshot"
    snapshot.Snapshot(header, good.tree, list(good.arrays)).save(path)
    with pytest.raises(SnapshotError) as err:
        snapshot.load(path)
    assert str(err.value).startswith(words) and "\n" not in str(err.value), str(err.value)


def test_devices_pipes_folders_and_zip_bombs_are_refused_before_reading(tmp_path, monkeypatch):
    # /dev/zero was read until memory ran out (zipfile looks for the end of the archive), a named
    # pipe waited for a writer forever; a small archive may unpack to gigabytes
    for path, why in (("/dev/zero", "not a regular file"), (tmp_path, "is a folder")):
        with pytest.raises(SnapshotError, match=why):
            snapshot.load(path)
    os.mkfifo(tmp_path / "pipe.snapshot")
    with pytest.raises(SnapshotError, match="not a regular file"):
        snapshot.load(tmp_path / "pipe.snapshot")
    bomb = tmp_path / "bomb.snapshot"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("header.json", json.dumps({"format": "noodplan-snapshot", "format_version": 2}))
        z.writestr("state.json", "{}")
        z.writestr("arrays/0.npy", bytes(100_000))        # 100 kB of zeros packs into ~100 bytes
    assert bomb.stat().st_size < 2_000
    monkeypatch.setattr(snapshot, "MAX_SNAPSHOT_BYTES", 50_000)    # stands in for 4 GiB
    with pytest.raises(SnapshotError, match=r"bomb\.snapshot: unpacks to 100,\d{3} bytes; a snapshot is at most 50,0"):
        snapshot.load(bomb)


def _crafted(tmp_path, tree: dict, arrays=()) -> snapshot.Snapshot:
    s = _run(prepare("baseline", days=5), 1)
    good = snapshot.capture(s)
    path = tmp_path / "crafted.snapshot"
    snapshot.Snapshot(good.header, tree, list(arrays)).save(path)
    return snapshot.load(path)


@pytest.mark.parametrize("name", ["os:system", "builtins:eval", "subprocess:Popen", "model.state:np",
                                  "model.state:copy.deepcopy", "agents.keyed:keyed_uniform.__globals__"])
def test_no_code_outside_noodplan_is_named_or_run(tmp_path, name):
    snap = _crafted(tmp_path, {"$": "obj", "id": 0, "cls": name, "state": {"$": "dict", "id": 1, "v": []}})
    with pytest.raises(SnapshotError, match=r"refuses|does not exist|not a qualified"):
        snap.restore()
    snap = _crafted(tmp_path, {"$": "func", "name": name})
    with pytest.raises(SnapshotError, match=r"refuses|does not exist|not a qualified"):
        snap.restore()


def test_arrays_of_pickled_objects_and_views_outside_their_base_are_refused(tmp_path):
    s = _run(prepare("baseline", days=5), 1)
    good = snapshot.capture(s)
    path = tmp_path / "pickled.snapshot"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("header.json", json.dumps(good.header))
        z.writestr("state.json", json.dumps({"$": "nd", "id": 0, "a": 0}))
        with z.open("arrays/0.npy", "w") as f:
            np.lib.format.write_array(f, np.array([print], dtype=object), allow_pickle=True)
    with pytest.raises(SnapshotError, match="damaged snapshot"):
        snapshot.load(path)
    view = {"$": "view", "id": 1, "base": {"$": "nd", "id": 0, "a": 0}, "offset": 64, "shape": [100],
            "strides": [8], "dtype": "<i8", "ro": False}
    snap = _crafted(tmp_path, view, [np.zeros(10, np.int64)])
    with pytest.raises(SnapshotError, match="reaches outside its base"):
        snap.restore()


@pytest.fixture(scope="module")
def small_snapshot() -> snapshot.Snapshot:
    return snapshot.capture(_run(prepare("baseline", days=5), 1))


def _with_header(good: snapshot.Snapshot, path, **changes) -> None:
    _write_zip(path, {k: v for k, v in {**good.header, **changes}.items() if v is not _GONE}, good)


_GONE = object()


@pytest.mark.parametrize("changes, says", [
    # ended in a traceback (KeyError, ValueError, OverflowError) when the state was restored
    ({"scenario": _GONE}, "header scenario: missing"),
    ({"scenario": [1]}, "header scenario: not a mapping (got list)"),
    ({"horizon_days": "x"}, "header horizon_days: must be a whole number of days from 1 to 36,500 (got 'x')"),
    ({"day": 10 ** 30}, "header day: must be a whole number from 0 to horizon_days 5"),
    ({"day": -1}, "header day: must be a whole number from 0 to horizon_days 5 (got -1)"),
    # was restored and forecast from without a word
    ({"horizon_days": -5}, "header horizon_days: must be a whole number of days from 1 to 36,500 (got -5)"),
    ({"seed": -1}, "header seed: must be a whole number from 0 to 4,294,967,295 (got -1)"),
    ({"world_checks": _GONE}, "header world_checks: missing or not a mapping"),
    ({"date": "2025-02-30"}, "header date: not a real date"),
    ({"date": "2025-07-09"}, "header date: 2025-07-09 is not the scenario's start 2025-07-01 plus day 1"),
])
def test_a_damaged_header_is_refused_in_one_line_naming_the_field(tmp_path, small_snapshot, changes, says):
    path = tmp_path / "edited.snapshot"
    _with_header(small_snapshot, path, **changes)
    with pytest.raises(SnapshotError) as err:
        snapshot.load(path)
    assert str(err.value).startswith("edited.snapshot: damaged snapshot (") and says in str(err.value)
    assert "\n" not in str(err.value)


def test_a_state_tree_too_deep_or_not_a_state_is_refused(tmp_path, small_snapshot):
    deep = tmp_path / "deep.snapshot"
    with zipfile.ZipFile(deep, "w") as z:      # json.loads ended in a RecursionError
        z.writestr("header.json", json.dumps(small_snapshot.header))
        z.writestr("state.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(SnapshotError, match=r"deep\.snapshot: state\.json: nested too deeply to be a snapshot state"):
        snapshot.load(deep)
    recorder = next(v for k, v in small_snapshot.tree["state"]["v"] if k == "recorder")
    snap = snapshot.Snapshot(small_snapshot.header, recorder, small_snapshot.arrays)   # a Recorder at the root
    with pytest.raises(SnapshotError, match="damaged snapshot: its state is a Recorder, not a State"):
        snap.restore()


def test_an_invalid_scenario_in_the_header_is_named_by_its_field(small_snapshot):
    header = {**small_snapshot.header, "scenario": {**small_snapshot.header["scenario"], "horizon_days": -1}}
    with pytest.raises(SnapshotError, match=r"scenario: horizon_days: Input should be greater than or equal to 1"):
        _ = snapshot.Snapshot(header, small_snapshot.tree, small_snapshot.arrays).scenario


def test_a_recorder_saved_before_a_daily_figure_existed_keeps_each_figure_in_its_row():
    """A snapshot's recorder from a version without `family_moved_in` (added 4 December 2026): the
    figures it had stay under their names, the new one is blank (zero) for the days before."""
    from model.metrics import SCALARS, Recorder

    s = _run(prepare("baseline", days=20), 5)
    rec = s.recorder
    old = {k: v.copy() for k, v in rec.scalars.items() if k != "family_moved_in"}    # as an older version saved it
    state = dict(vars(rec), scalars=old, _table=np.array(list(old.values())))
    restored = Recorder.__new__(Recorder)
    restored.__setstate__(state)
    assert list(restored.scalars) == list(SCALARS)
    for k in old:
        assert np.array_equal(restored.scalars[k], old[k], equal_nan=True), k
    assert (restored.scalars["family_moved_in"] == 0).all()
    s.recorder = restored
    _run(s, 5)                                                  # the day's store writes each figure in its row
    assert restored.scalars["population"][9] == s.people.entitled()


def _saved_without(s, path, version: int, part: str, name: str, value: str) -> snapshot.Snapshot:
    """`s` saved at `path` as format `version` wrote it before the scenario field `part.name`
    existed (its value in the state tree as JSON, `value`), and loaded again."""
    snap = snapshot.capture(s)
    header = dict(snap.header, format_version=version)
    del header["scenario"][part][name]                                    # as saved before the field existed
    text = json.dumps(snap.tree).replace(f', ["{name}", {value}]', "")     # the field
    text = text.replace(f'"{name}", ', "")                                # its name in the fields set
    assert name not in text
    snap.tree = json.loads(text)
    _write_zip(path, header, snap)
    return snapshot.load(path)


def test_a_version_2_scenario_without_family_moves_in_restores_with_every_family_member_staying(tmp_path):
    s = _run(prepare("baseline", days=30), 5)
    r = _saved_without(s, tmp_path / "v2.snapshot", 2, "chain", "family_moves_in_share", "0.85").restore()
    assert r.params.chain.family_moves_in_share == 0.0 == r.sc.chain.family_moves_in_share
    assert _run(r, 20).recorder.scalars["family_moved_in"].sum() == 0      # the saved run's rule: all stay


def test_a_version_3_file_restores_without_the_family_location_rule_and_the_run_goes_on(tmp_path):
    """Version 3 was written before a family rejected for good moved to a family location: the run
    goes on without the rule (as the run that was saved); a new snapshot has the rule on."""
    s = _run(prepare("baseline", days=120), 5)
    assert s.params.placement.family_location_after_rejection is True
    r = _saved_without(s, tmp_path / "v3.snapshot", 3, "placement", "family_location_after_rejection", "true").restore()
    assert r.params.placement.family_location_after_rejection is False is r.sc.placement.family_location_after_rejection
    _run(r, 100)
    assert r.log.n > 0 and not (r.log.reason == Reason.FAMILY_LOCATION).any()     # the saved run's rule: nobody moves
    fresh = _run(snapshot.capture(s).restore(), 100)
    assert (fresh.log.reason == Reason.FAMILY_LOCATION).any()                     # today's snapshot: the rule holds


def test_a_version_3_file_saved_before_family_members_moved_in_gets_the_rule_of_its_run(tmp_path):
    """Format 3 was in use before `chain.family_moves_in_share` existed: such a file gets 0 (every
    family member stays in reception, as in the run that was saved) on its way to format 4."""
    s = _run(prepare("baseline", days=30), 5)
    r = _saved_without(s, tmp_path / "v3.snapshot", 3, "chain", "family_moves_in_share", "0.85").restore()
    assert r.params.chain.family_moves_in_share == 0.0 == r.sc.chain.family_moves_in_share
    assert _run(r, 20).recorder.scalars["family_moved_in"].sum() == 0


def test_a_version_4_file_restores_charging_occupied_beds_only_and_the_run_goes_on(tmp_path):
    """Version 4 was written before a free place of an open location was charged: the run goes on
    with `costs.vacant_place_share` 0 and no per-place cost at its locations (the saved run's rule:
    the cost of its occupied beds and reserve places); a new snapshot charges free places."""
    s = _run(prepare("baseline", days=30), 5)
    assert s.params.costs.vacant_place_share == 0.92
    snap = snapshot.capture(s)
    header = dict(snap.header, format_version=4)
    del header["scenario"]["costs"]["vacant_place_share"]                  # as saved before the field existed
    text = json.dumps(snap.tree).replace(', ["vacant_place_share", 0.92]', "").replace(', "vacant_place_share"]', "]")
    text = re.sub(r', \["cost_place_night", \{[^}]*\}\]', "", text)      # the locations' column
    assert "vacant_place_share" not in text and "cost_place_night" not in text
    snap.tree = json.loads(text)
    _write_zip(tmp_path / "v4.snapshot", header, snap)
    r = snapshot.load(tmp_path / "v4.snapshot").restore()
    assert r.params.costs.vacant_place_share == 0.0 == r.sc.costs.vacant_place_share
    assert (r.locs.cost_place_night == 0).all() and len(r.locs.cost_place_night) == r.locs.n
    _run(r, 10)
    L, day = r.locs, r.day - 1
    beds = float(L.occupancy @ L.cost_person_night) + int(L.capacity[L.life == Life.RESERVE].sum()) * 76.9
    assert r.recorder.scalars["cost_eur"][day] == pytest.approx(beds + r.front.cost_per_day_eur(day))
    fresh = _run(snapshot.capture(s).restore(), 10)
    assert fresh.recorder.scalars["cost_eur"][day] > r.recorder.scalars["cost_eur"][day]    # free places charged


def _rezip(path, edit) -> None:
    """`path` with its header.json edited by `edit` (a function of the header), every other part as saved."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    header = json.loads(parts["header.json"])
    edit(header)
    parts["header.json"] = json.dumps(header, indent=4, sort_keys=False).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


@pytest.mark.parametrize("edit", [
    lambda h: h.update(seed=h["seed"] + 1),                                       # another valid seed
    lambda h: h.update(horizon_days=6),                                           # another valid horizon
    lambda h: h.update(scenario={**h["scenario"], "name": "another"}),            # another valid scenario
])
def test_a_header_edited_into_another_valid_one_is_refused_by_its_digest(tmp_path, small_snapshot, edit):
    """`state_sha256` covers the state and arrays only: a header edited into another valid one (its
    scenario, seed, horizon) passed every field's check and was restored as if saved so (round 21b)."""
    path = small_snapshot.save(tmp_path / "edited.snapshot")
    assert snapshot.load(path).header == {**small_snapshot.header, "state_sha256": ANY, "header_sha256": ANY}
    _rezip(path, edit)
    with pytest.raises(SnapshotError) as err:
        snapshot.load(path)
    assert str(err.value) == ("edited.snapshot: damaged snapshot (header.json differs from what was saved: its "
                              "SHA-256 is not its header_sha256); save the snapshot again")


def test_a_header_digest_ignores_layout_and_a_file_without_one_reads_as_before(tmp_path, small_snapshot):
    path = small_snapshot.save(tmp_path / "s.snapshot")
    seed = small_snapshot.header["seed"]
    _rezip(path, lambda h: None)                       # re-indented, the same fields: still the header saved
    assert snapshot.load(path).header["seed"] == seed
    _rezip(path, lambda h: (h.pop("header_sha256"), h.update(seed=seed + 1)))   # saved before the header's digest
    assert snapshot.load(path).header["seed"] == seed + 1
    _rezip(path, lambda h: h.update(header_sha256=12))
    with pytest.raises(SnapshotError, match=r"s\.snapshot: damaged snapshot \(header header_sha256: not a SHA-256"):
        snapshot.load(path)


def _flipped(path, at: int, out) -> None:
    raw = bytearray(path.read_bytes())
    raw[at] ^= 0xF8
    out.write_bytes(bytes(raw))


def test_a_byte_flipped_in_a_zip_field_no_reader_reads_is_taken_and_one_in_a_part_refused(tmp_path, small_snapshot):
    """`fuzz_other --seed 21` took a snapshot with one byte flipped (round CL5): the second byte of the Zip64
    extra field's id in an array's local file header. zipfile reads a member's sizes from the central directory
    and only skips the local header's extra field (and never reads its time stamp), so the members read are
    the ones saved: taking the file is right. A byte of a member itself fails its CRC-32 (and the digest)."""
    import struct

    path = small_snapshot.save(tmp_path / "s.snapshot")
    saved = snapshot.load(path)
    with zipfile.ZipFile(path) as z:
        array, state = z.getinfo("arrays/0.npy"), z.getinfo("state.json")
    raw = path.read_bytes()
    h = array.header_offset
    name, extra = struct.unpack("<HH", raw[h + 26:h + 30])
    assert raw[h + 30 + name:h + 32 + name] == b"\x01\x00" and extra == 20      # the Zip64 extra field (id 1)
    for at in (h + 30 + name + 1, h + 10):          # its id's second byte; the local header's modification time
        _flipped(path, at, tmp_path / "f.snapshot")
        taken = snapshot.load(tmp_path / "f.snapshot")
        assert taken.tree == saved.tree and taken.header == saved.header
        assert [(a.dtype, a.shape, a.tobytes()) for a in taken.arrays] == \
            [(a.dtype, a.shape, a.tobytes()) for a in saved.arrays]          # bit for bit (NaN too)
    for info, what in ((state, "state.json"), (array, "arrays/0.npy")):
        h = info.header_offset
        name, extra = struct.unpack("<HH", raw[h + 26:h + 30])
        _flipped(path, h + 30 + name + extra + info.compress_size // 2, tmp_path / "f.snapshot")
        with pytest.raises(SnapshotError) as err:
            snapshot.load(tmp_path / "f.snapshot")
        assert str(err.value) == f"f.snapshot: damaged snapshot (Bad CRC-32 for file '{what}')"

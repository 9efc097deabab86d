"""The recorder's daily figures worked out by hand on small inputs (model.metrics.Recorder), and the
plan ladder's trigger tests at their bounds (model.plan.Ladder)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.applicants import Track
from model import metrics
from model.metrics import Recorder
from model.plan import Ladder
from model.scenario import Phase, Trigger
from model.simulate import prepare
from model.state import PROCEDURE_TRACKS


def _recorder() -> Recorder:
    return Recorder(prepare("baseline", days=3), 3)


@pytest.mark.parametrize("few", [256, 0])    # a day's few households in Python lists; or in arrays
def test_decision_times_of_several_tracks_in_one_pass(monkeypatch, few):
    monkeypatch.setattr(metrics, "_FEW_DECIDED", few)
    r = _recorder()
    # regular: days 10 (2 persons), 30 (1), 20 (3), in two batches; border: 5 (1), 7 (4)
    waits = [(Track.REGULAR, np.array([10, 30], np.int32), np.array([2, 1], np.int8)),
             (Track.BORDER, np.array([7, 5], np.int32), np.array([4, 1], np.int8)),
             (Track.REGULAR, np.array([20], np.int32), np.array([3], np.int8))]
    r._decision_times(waits, 1)
    x = r.scalars
    # regular sorted: 10 (2), 20 (3), 30 (1): cumulative 2, 5, 6 of 6; median reaches 3 at 20, p90 5.4 at 30
    assert x["decision_days_median_regular"][1] == 20 and x["decision_days_p90_regular"][1] == 30
    # border sorted: 5 (1), 7 (4): cumulative 1, 5; median reaches 2.5 at 7, p90 4.5 at 7
    assert x["decision_days_median_border"][1] == 7 and x["decision_days_p90_border"][1] == 7
    assert np.isnan(x["decision_days_median_accelerated"][1]) and np.isnan(x["decision_days_p90_dublin"][1])
    assert np.isnan(x["decision_days_median_regular"][0])
    reg, bor = PROCEDURE_TRACKS.index(Track.REGULAR), PROCEDURE_TRACKS.index(Track.BORDER)
    wp = r.wait_persons
    assert (wp[reg, [10, 20, 30]] == [2, 3, 1]).all() and (wp[bor, [5, 7]] == [1, 4]).all()
    assert wp.sum() == 11
    # a second day adds to the tally; a median exactly on a step: 1 and 1 person, half reached at the first
    r._decision_times([(Track.BORDER, np.array([7, 9]), np.array([1, 1]))], 2)
    assert wp[bor, 7] == 5 and wp[bor, 9] == 1
    assert x["decision_days_median_border"][2] == 7 and x["decision_days_p90_border"][2] == 9


def test_a_batch_of_several_tracks_is_read_as_its_runs():
    # decide's batch: 2 regular households, none on the border track, 1 accelerated; then a batch of one track
    runs = ((Track.REGULAR, 2), (Track.BORDER, 0), (Track.ACCELERATED, 1))
    waits = [(runs, np.array([4, 6, 9]), np.array([1, 2, 1])),
             (Track.BORDER, np.array([3]), np.array([5])),
             (Track.DUBLIN, np.array([], np.int64), np.array([], np.int64))]
    assert metrics._track_runs(waits) == [(Track.REGULAR, 2), (Track.ACCELERATED, 1), (Track.BORDER, 1)]


@pytest.mark.parametrize("few", [256, 0])    # a day's few households in Python lists; or in arrays
def test_a_batch_of_several_tracks_gives_the_figures_of_one_batch_per_track(monkeypatch, few):
    monkeypatch.setattr(metrics, "_FEW_DECIDED", few)
    joint, apart = _recorder(), _recorder()
    # regular: 10 days (2 persons), 30 (1): median 2 of 3 persons reached at 10, p90 3 at 30; border: 7 (4), 5 (1): 7, 7
    days, persons = np.array([10, 30, 7, 5], np.int32), np.array([2, 1, 4, 1], np.int8)
    joint._decision_times([(((Track.REGULAR, 2), (Track.BORDER, 2)), days, persons)], 1)
    apart._decision_times([(Track.REGULAR, days[:2], persons[:2]), (Track.BORDER, days[2:], persons[2:])], 1)
    assert np.array_equal(joint.wait_persons, apart.wait_persons)
    x = joint.scalars
    assert x["decision_days_median_regular"][1] == 10 and x["decision_days_p90_regular"][1] == 30
    assert x["decision_days_median_border"][1] == 7 and x["decision_days_p90_border"][1] == 7


@pytest.mark.parametrize("few", [256, 0])
def test_the_tally_of_days_waited_grows_track_by_track_as_before(monkeypatch, few):
    monkeypatch.setattr(metrics, "_FEW_DECIDED", few)
    r = _recorder()
    assert r.wait_persons.shape[1] == 1024
    # the first track to come needs 1500 days: 2048 columns; the next needs 2500: 4096 (not 2500)
    r._decision_times([(Track.REGULAR, np.array([1499]), np.array([1])),
                       (Track.ACCELERATED, np.array([2499]), np.array([2]))], 0)
    assert r.wait_persons.shape[1] == 4096
    assert r.wait_persons[PROCEDURE_TRACKS.index(Track.ACCELERATED), 2499] == 2
    assert r.scalars["decision_days_median_accelerated"][0] == 2499


def test_a_few_households_give_the_decision_figures_the_arrays_give():
    rng = np.random.default_rng(7)
    few, arrays = _recorder(), _recorder()                    # their tallies add up alike, day after day
    for _ in range(200):
        waits = [(int(rng.choice(PROCEDURE_TRACKS)), rng.integers(0, 60, n).astype(np.int32),
                  rng.integers(0, 4, n).astype(np.int16))          # 0 persons: a track may weigh none
                 for n in rng.integers(0, 6, rng.integers(1, 5))]
        got = few._few_decision_figures([b for b in waits if len(b[1])]) if any(len(b[1]) for b in waits) else ([], [])
        metrics._FEW_DECIDED, keep = -1, metrics._FEW_DECIDED
        try:
            want = arrays._decision_figures(waits)
        finally:
            metrics._FEW_DECIDED = keep
        assert dict(zip(*got)).keys() == dict(zip(*want)).keys()
        assert np.array_equal(np.array(got[1], float)[np.argsort(got[0])],
                              np.array(want[1], float)[np.argsort(want[0])], equal_nan=True)
        assert np.array_equal(few.wait_persons, arrays.wait_persons)


def test_the_day_counts_share_one_table_through_a_run_its_extension_and_an_old_snapshot():
    from model.rulebook import run_day
    from model.simulate import prepare

    s = prepare("baseline", days=4)
    r = s.recorder
    for _ in range(3):
        run_day(s)
    day = s.day - 1
    assert r.stage[day].tolist() == s.people.stage_persons.tolist()
    assert r.kind_occupancy[day].sum() == r.province_occupancy[day].sum() == s.locs.occupancy.sum()
    assert r.kind_capacity[day].sum() == r.province_capacity[day].sum() == s.locs.places().sum()
    assert r.track_backlog[day].tolist() == [s.procedure_persons[t] for t in PROCEDURE_TRACKS]
    # an older version's state: each count its own array; restored into one table, the counts kept
    old = {name: getattr(r, name).copy() for name in r._count_widths()}
    state = {k: v for k, v in vars(r).items() if k != "_counts"} | old
    restored = Recorder.__new__(Recorder)
    restored.__setstate__(state)
    for name, a in old.items():
        assert np.array_equal(getattr(restored, name), a)
        assert np.shares_memory(getattr(restored, name), restored._counts)
    # extended: longer, the days so far kept, and the next day's store lands in the public arrays
    r.extend(6)
    assert r.stage.shape == (6, len(old["stage"][0])) and np.array_equal(r.stage[:4], old["stage"])
    run_day(s)
    assert r.stage[s.day - 1].tolist() == s.people.stage_persons.tolist()


def test_window_sums_add_up_days_lo_to_hi():
    r = _recorder()
    r.scalars["arrivals"][:] = [3, 4, 5]
    r.scalars["exits_housed"][:] = [1, 0, 2]
    assert r.window_sums(("arrivals", "exits_housed"), 1, 3) == [9.0, 2.0]


def _ladder(trigger: Trigger) -> Ladder:
    return Ladder([Phase(name="p", activate=[trigger], deactivate=[Trigger(indicator="occupancy", below=-1.0)],
                         min_dwell_days=1)], 3)


def test_trigger_tests_at_their_bounds():
    below = _ladder(Trigger(indicator="unsheltered", below=1, days=1))
    below.update(0, {"unsheltered": np.array([0.0, 1.0, np.nan]), "occupancy": np.zeros(3)})
    assert below.phase.tolist() == [1, 0, 0]        # 0 < 1; 1 is not below 1; NaN is below nothing
    tiny = _ladder(Trigger(indicator="occupancy", below=5e-324, days=1))   # the smallest float above 0
    tiny.update(0, {"occupancy": np.array([0.0, 5e-324, -0.0])})
    assert tiny.phase.tolist() == [1, 0, 1]
    above = _ladder(Trigger(indicator="occupancy", above=0.95, days=1))
    above.update(0, {"occupancy": np.array([0.95, np.nextafter(0.95, 0), np.nan])})
    assert above.phase.tolist() == [1, 0, 0]


def test_a_ladder_saved_with_counts_as_arrays_goes_on_as_one_that_never_stopped():
    phase = Phase(name="p", activate=[Trigger(indicator="occupancy", above=0.95, days=2)],
                  deactivate=[Trigger(indicator="occupancy", below=0.9, days=2)], min_dwell_days=1)
    series = [0.96, 0.97, 0.8, 0.97, 0.85, 0.85, 0.85, 0.96, 0.96, 0.5, 0.5, 0.5]
    a, b = Ladder([phase], 1), Ladder([phase], 1)
    phases = []
    for day, v in enumerate(series):
        if day == 4:      # b as an older snapshot left it: counts in arrays, no row tests
            b._held, b._clear = np.array(b._held), np.array(b._clear)
            del b._tests
        a.update(day, {"occupancy": np.array([v])})
        b.update(day, {"occupancy": [v]})
        assert a.phase.tolist() == b.phase.tolist() and a._held == b._held and a._clear == b._clear
        phases.append(int(a.phase[0]))
    # up after two days above; down after two days below (the reason gone as long); the same again
    assert phases == [0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0]


def test_the_group_sums_by_kind_and_province_as_added_location_by_location_and_after_an_old_snapshot():
    """A day's sums over the locations, added up one location at a time in Python, against the
    recorder's; and a recorder saved when the groups were a 0/1 matrix records the next day alike."""
    import pickle

    from agents.locations import TEMPORARY_KINDS
    from model.rulebook import run_day

    s, twin = prepare("baseline", days=4), prepare("baseline", days=4)
    for _ in range(2):
        run_day(s)
        run_day(twin)
    L, r, day = s.locs, s.recorder, s.day - 1
    province = s.munis.province[L.municipality].tolist()
    places = L.places().tolist()
    for k in range(len(r.kind_occupancy[day])):
        assert r.kind_occupancy[day][k] == sum(o for o, kind in zip(L.occupancy.tolist(), L.kind.tolist()) if kind == k)
        assert r.kind_capacity[day][k] == sum(p for p, kind in zip(places, L.kind.tolist()) if kind == k)
    for p in range(r.n_prov):
        assert r.province_occupancy[day][p] == sum(o for o, q in zip(L.occupancy.tolist(), province) if q == p)
    scal = {name: row[day] for name, row in r.scalars.items()}
    assert scal["in_bed"] == L.occupancy.sum() and scal["capacity"] == sum(places)
    assert scal["children_in_emergency"] == sum(c for c, kind in zip(L.children.tolist(), L.kind.tolist())
                                                if kind in TEMPORARY_KINDS)
    # the twin's recorder as an older version saved it: its groups a matrix, no index
    state = {k: v for k, v in vars(twin.recorder).items() if k not in ("_group_index", "_groups_n")}
    state |= {"_group_matrix": np.zeros((3, 3), np.int64), "_groups_n": twin.locs.n}
    restored = Recorder.__new__(Recorder)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    assert "_group_matrix" not in vars(restored)
    twin.recorder = restored
    run_day(s)
    run_day(twin)
    assert np.array_equal(restored._counts[: s.day], r._counts[: s.day])
    assert np.array_equal(restored._table[:, : s.day], r._table[:, : s.day], equal_nan=True)

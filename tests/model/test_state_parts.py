"""State is put together from typed parts (model/state.py): every field has a real type and one part."""

import dataclasses
import typing

import numpy as np

import model.state as state_module
from model.metrics import Recorder
from model.plan import PlanRuntime
from model.regimes import RegimeRuntime
from model.relocation import RequestBook
from model.state import Calendars, Indexes, Lines, ProcedureBook, Runtimes, State

PARTS = (Lines, Calendars, ProcedureBook, Indexes, Runtimes)


def test_every_field_of_the_state_has_a_real_type():
    # the runtimes' types are imported by model/state.py only for type checking (they import the state)
    names = vars(state_module) | {"Recorder": Recorder, "PlanRuntime": PlanRuntime, "RegimeRuntime": RegimeRuntime,
                                  "RequestBook": RequestBook}
    hints = typing.get_type_hints(State, names)
    loose = [name for name, hint in hints.items() if hint in (object, typing.Any)]
    assert not loose, loose
    assert set(hints) == {f.name for f in dataclasses.fields(State)}


def test_each_part_field_belongs_to_one_part_and_the_state_adds_only_its_core():
    owners: dict[str, list[str]] = {}
    for part in PARTS:
        for f in dataclasses.fields(part):
            owners.setdefault(f.name, []).append(part.__name__)
    assert all(len(o) == 1 for o in owners.values())
    core = {f.name for f in dataclasses.fields(State)} - set(owners)
    assert core == {"sc", "params", "world", "people", "locs", "munis", "log", "arrivals_key", "homes_key",
                    "seed", "answer_key", "day", "today", "actors"}


def test_a_days_arrivals_and_homes_depend_on_the_runs_key_and_the_day_alone():
    """The streams are keyed by (run, day): a state that skipped days draws day d's households
    exactly as one that ran every day before it, and another key draws others."""
    from model.inflow import draw_households
    from model.state import day_rng

    def households(key, day):
        return draw_households(day_rng(key, day), 300.0, [0.5, 0.3, 0.2], 0.1, 0.05).key

    ran = [households(7, d) for d in range(5)]                       # days 0-4 in order
    assert np.array_equal(households(7, 4), ran[4])                  # day 4 alone: the same households
    assert not np.array_equal(households(8, 4), ran[4])              # another run's key: others
    assert not np.array_equal(ran[3], ran[4])                        # another day: others

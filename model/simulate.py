"""The headless face: `simulate(scenario, seed) -> Results`. No Mesa objects, no per-agent Python."""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path

from model.metrics import Recorder
from model.results import Results
from model.rulebook import run_day
from model.scenario import MAX_SEED, Scenario, ScenarioError, load_scenario, validate_scenario, whole_number
from model.start import new_state
from model.state import State
from model.world import World, build_world, difference, serves


def prepare(scenario: Scenario | str | Path, seed: int | None = None, days: int | None = None,
            world: World | None = None) -> State:
    """A state on day 0, with its recorder, ready to run `days` days (default: the horizon), on
    `world` when given (it must serve the scenario: `model.world.serves`). Raises ScenarioError,
    before building anything, for a scenario, seed, horizon or world a run cannot use."""
    sc = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    if days is not None and whole_number(days) is None:
        raise ScenarioError(f"days: a whole number of days or None (the scenario's horizon), not {days!r}")
    days = whole_number(days)
    sc = validate_scenario(sc, days)      # the object may have changed since it was loaded
    n = whole_number(seed)
    if seed is not None and (n is None or not 0 <= n <= MAX_SEED):
        raise ScenarioError(f"seed: must be a whole number from 0 to {MAX_SEED:,} (got {seed!r})")
    seed = n
    if world is not None and not isinstance(world, World):
        raise ScenarioError(f"world: a built World (model.world.build_world) or None, not {type(world).__name__}")
    if world is not None and not serves(world.scenario, sc):
        raise ScenarioError(f"world: the given world does not serve this scenario ({difference(world.scenario, sc)}); "
                            f"build one for it (model.world.build_world) or give none")
    w = world if world is not None else build_world(sc)
    s = new_state(w, seed)
    s.sc.horizon_days = sc.horizon_days
    s.recorder = Recorder(s, sc.horizon_days)
    for install in _extensions():
        install(s)
    return s


def _extensions() -> list[Callable[[State], None]]:
    """Rule sets that hook into the day (the plan, then the regimes) when the scenario asks."""
    from model import plan, regimes

    return [plan.install, regimes.install]


def results_of(s: State) -> Results:
    days = s.day
    seed = s.sc.seed if s.seed is None else s.seed
    recorder = typing.cast(Recorder, s.recorder)
    return Results(s.sc, seed, recorder.to_dataset(s, days), s.people, s.locs, s.log, list(s.event_log))


def simulate(scenario: Scenario | str | Path, seed: int | None = None, days: int | None = None,
             progress: Callable[[int, int], None] | None = None, world: World | None = None) -> Results:
    """Run a scenario headless. Same scenario and seed -> identical results."""
    if progress is not None and not callable(progress):
        raise ScenarioError(f"progress: a function of (day, horizon) or None, not {type(progress).__name__}")
    s = prepare(scenario, seed, days, world)
    horizon = s.sc.horizon_days
    for _ in range(horizon):
        run_day(s)
        if progress is not None:
            progress(s.day, horizon)
    return results_of(s)

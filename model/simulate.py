"""The headless face: `simulate(scenario, seed) -> Results`. No Mesa objects, no per-agent Python."""

from __future__ import annotations

import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from model.metrics import Recorder
from model.results import Results
from model.rulebook import run_day
from model.scenario import (MAX_DAYS, MAX_SEED, Scenario, ScenarioError, check_callback, load_scenario,
                            scenario_argument, shown, validate_scenario, whole_number)
from model.start import new_state
from model.state import State
from model.world import World, build_world, difference, serves


# what a run's seed may be given as (see `run_seed`)
SeedLike = int | np.integer | np.random.Generator | np.random.BitGenerator | np.random.SeedSequence


def run_seed(value: Any, where: str = "seed") -> int | None:
    """The run's seed, a whole number from 0 to MAX_SEED, from a seed argument: a whole number
    (Python's or NumPy's, or a float without a fraction), None (the scenario's own seed), or, as
    Mesa's `Model(rng=…)` takes, a numpy `Generator`, `BitGenerator` or `SeedSequence`, from which
    the seed is drawn once: a run's random streams are all spawned from one integer seed (so that
    runs can be paired on common random numbers), the same generator state gives the same run, and
    a Generator moves on by that draw, so one given to run after run gives each its own seed,
    reproducibly. Anything else raises one ScenarioError line naming `where`."""
    if value is None:
        return None
    if isinstance(value, np.random.Generator | np.random.BitGenerator | np.random.SeedSequence):
        return int(np.random.default_rng(value).integers(0, MAX_SEED, endpoint=True))
    n = whole_number(value)
    if n is None or not 0 <= n <= MAX_SEED:
        raise ScenarioError(f"{where}: a whole number from 0 to {MAX_SEED:,} (the run's seed), a numpy Generator "
                            f"or SeedSequence (the seed drawn from it once) or None (the scenario's seed), "
                            f"got {shown(value)}")
    return n


def scenario_named(where: str, value: Any) -> Scenario:
    """`model.scenario.scenario_argument` with the argument named in every refusal, a name or
    file that cannot be loaded too (`scenarios.1: stable-stok: no such scenario file or built-in
    name (did you mean 'stable-stock'?)`), for entry points with more than one scenario argument
    or that Mesa's tools call (batch_run, SolaraViz)."""
    try:
        return scenario_argument(where, value)
    except ScenarioError as err:
        text = str(err)
        if text.startswith(where):
            raise
        raise ScenarioError(f"{where}: {text.removeprefix('scenario: ')}") from None


def prepare(scenario: Scenario | str | Path, seed: SeedLike | None = None, days: int | None = None,
            world: World | None = None) -> State:
    """A state on day 0, with its recorder, ready to run `days` days (default: the horizon), on
    `world` when given (it must serve the scenario: `model.world.serves`); `seed` as `run_seed`
    reads it. Raises ScenarioError, before building anything, for a scenario, seed, horizon or
    world a run cannot use."""
    sc = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    n = whole_number(days)
    if days is not None and (n is None or not 1 <= n <= MAX_DAYS):     # named as given, not as horizon_days
        raise ScenarioError(f"days: a whole number of days from 1 to {MAX_DAYS:,} or None (the scenario's horizon), "
                            f"not {shown(days)}")
    days = n
    sc = validate_scenario(sc, days)      # the object may have changed since it was loaded
    seed = run_seed(seed)
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


def simulate(scenario: Scenario | str | Path, seed: SeedLike | None = None, days: int | None = None,
             progress: Callable[[int, int], None] | None = None, world: World | None = None) -> Results:
    """Run a scenario headless; same scenario and seed -> identical results (and identical to
    `ReceptionModel` stepped to the horizon).

    `scenario`: a Scenario, a built-in name (`noodplan scenarios`) or a scenario file; `seed`: the
    run's seed, a whole number from 0 to 2³²−1 (None: the scenario's own `seed`; a numpy Generator
    or SeedSequence: the seed is drawn from it once, see `run_seed`; `Results.seed` holds it);
    `days`: days to simulate from the scenario's start date (None: its `horizon_days`);
    `progress(day, horizon)`: called after each simulated day with the days done and the days in
    all; `world`: a built world to reuse (`model.world.build_world`; it must serve the scenario).
    Bad input raises one ScenarioError line naming the argument, before anything is built."""
    check_callback("progress", progress, "a function of (day, horizon)", 2)
    s = prepare(scenario, seed, days, world)
    horizon = s.sc.horizon_days
    for _ in range(horizon):
        run_day(s)
        if progress is not None:
            progress(s.day, horizon)
    return results_of(s)

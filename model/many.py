"""Many runs in one call: `simulate_many(scenarios, seeds) -> [Results]`, and how many fit in memory.

The contract (what a batched engine with a run axis must keep when it replaces the loop below):

* run i is the scenario `scenarios[i]` (or the one scenario), with `params[i]` applied when given
  (dotted paths, `model.scenario.with_changes`), on seed `seeds[i]` (None: the scenario's own),
  for `days` days (None: its horizon); its Results are **bit-identical to `simulate(scenario_i,
  seed_i, days)` alone**, whatever else is in the batch;
* the results come back in the order of the runs;
* each distinct world is built once and shared by the runs it serves (`model.world.serves`: the
  scenarios differ at most in seed and horizon; a world is built for the longest of them). A run
  never changes its world: it copies what it changes (`World.fresh_locations`, `_replan_inflow`);
* bad input is one ScenarioError line naming the argument and the run, before anything is built.

Today the runs of a batch run one after another (`simulate()` on the shared world): the shared
world is the only saving. Memory: `estimate()` gives a run's peak and kept bytes from the world
(persons it will hold × bytes per person, measured; see docs/performance.md, *Many runs*),
`batch_size()` how many runs fit in a budget (default: a share of the memory available now), and
refuses, in one line, a run that cannot fit at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.results import Results
from model.scenario import (MAX_SEED, Scenario, ScenarioError, check_callback, is_whole, validate_scenario,
                            whole_number, with_changes)
from model.simulate import scenario_named, simulate
from model.world import RUN_ONLY_FIELDS, World, build_world, difference, serves

ScenarioLike = Scenario | str | Path

# Bytes one run adds, measured with tracemalloc on a world built beforehand, for the second and
# third run in a process (the first also loads caches once, ~13 MB, shared by all later runs):
# baseline 60 and 730 days, mass-arrival-x2 730 days, eu-scale 365 days (docs/performance.md,
# *Many runs*). `persons` = initial stock + expected arrivals over the run's days (`estimate`);
# the constants bound every measured run from above.
PEAK_FIXED_BYTES = 3_500_000
PEAK_BYTES_PER_PERSON = 80
KEPT_FIXED_BYTES = 1_700_000
KEPT_BYTES_PER_PERSON = 45
BUDGET_SHARE = 0.5              # default budget: this share of the memory available (MemAvailable)


@dataclass(frozen=True)
class RunMemory:
    """Estimated bytes of one run: its peak while running, and what its Results keep afterwards."""

    persons: int                # initial stock + expected arrivals over the run's days
    peak: int
    kept: int


def estimate(world: World, days: int | None = None) -> RunMemory:
    """A run's bytes on `world` over `days` (None: the world's horizon): fixed + per person."""
    sc = world.scenario
    n = len(world.inflow.first) if days is None else min(days, len(world.inflow.first))
    persons = round(sc.initial.entitled_persons + float(world.inflow.first[:n].sum())
                    + float(world.inflow.family[:n].sum()))
    return RunMemory(persons, PEAK_FIXED_BYTES + PEAK_BYTES_PER_PERSON * persons,
                     KEPT_FIXED_BYTES + KEPT_BYTES_PER_PERSON * persons)


def available_bytes() -> int:
    """Memory available to new work now: MemAvailable of /proc/meminfo, else the physical memory."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def default_budget(share: float = BUDGET_SHARE, workers: int = 1) -> int:
    """Bytes a batch may take: `share` of the memory available now, split over `workers` processes."""
    return int(available_bytes() * share / max(workers, 1))


def size(n: float) -> str:
    """Bytes as a short readable figure (MB below a GB)."""
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def batch_size(per_run: int, budget: int | None = None, what: str = "a run") -> int:
    """How many runs of `per_run` peak bytes fit in `budget` bytes (None: `default_budget()`).
    Raises ScenarioError, one line naming both figures, when not even one fits."""
    if not is_whole(per_run) or per_run <= 0:
        raise ScenarioError(f"per_run: a positive whole number of bytes, not {per_run!r}")
    budget = default_budget() if budget is None else _budget(budget)
    fits = budget // per_run
    if fits < 1:
        raise ScenarioError(f"memory: {what} needs about {size(per_run)} at its peak (estimate), more than the "
                            f"budget of {size(budget)}; give a larger memory_budget or fewer days")
    return int(fits)


def _budget(value: Any) -> int:
    """A memory budget given in bytes: a positive whole number (`2e9` too, a float without a
    fraction); else one ScenarioError line."""
    n = whole_number(value)
    if n is None or n <= 0:
        raise ScenarioError(f"memory_budget: a positive whole number of bytes or None, not {value!r}")
    return n


def simulate_many[T](scenarios: ScenarioLike | Sequence[ScenarioLike], seeds: Sequence[int | None] | None = None,
                  params: Sequence[Mapping[str, Any]] | None = None, days: int | None = None,
                  progress: Callable[[int, int], None] | None = None, world: World | None = None,
                  same_world: bool = False, reduce: Callable[[Results], T] | None = None,
                  memory_budget: int | None = None) -> list[Any]:
    """Run R scenarios (see the module text); a list of R Results, or of `reduce(results)` when
    `reduce` is given (called as each run ends, so only a batch's Results are held at once).

    `scenarios`: one scenario (a Scenario, a built-in name or a file) for every run, or one per run;
    `seeds`: one per run, whole numbers from 0 to 2³²−1 (None in the list or for the argument: the
    scenario's own seed; a list, tuple, range, 1-d NumPy array or pandas column; to draw them from a
    numpy Generator, `rng.integers(0, 2**32, size=R)`);
    `params`: one mapping of dotted paths to values per run, applied to that run's scenario;
    the lists given must have the same length R ≥ 1. `days`: days every run simulates from its
    scenario's start date (None: each scenario's `horizon_days`). `world`: a built world every run must be
    served by; `same_world=True`: refuse runs that would need more than one world (a batch of
    the run-axis engine shares one). `progress(done, total)` counts run-days over the whole batch.
    `memory_budget`: bytes (None: `default_budget()`); a run that cannot fit is refused, and so is
    a list of R Results (no `reduce`) that cannot."""
    check_callback("progress", progress, "a function of (done, total) run-days", 2)
    check_callback("reduce", reduce, "a function of one run's Results", 1)
    runs = _runs(scenarios, seeds, params, days)
    if not isinstance(same_world, bool):
        raise ScenarioError(f"same_world: True or False, not {same_world!r}")
    if world is not None and not isinstance(world, World):
        raise ScenarioError(f"world: a built World (model.world.build_world) or None, not {type(world).__name__}")
    budget = default_budget() if memory_budget is None else _budget(memory_budget)
    worlds = _worlds([sc for sc, _ in runs], world, same_world)
    for w in {id(w): w for w in worlds}.values():
        runs_per_batch(w, max(sc.horizon_days for (sc, _), v in zip(runs, worlds, strict=True) if v is w), budget)
    if reduce is None:
        kept = sum(estimate(w, sc.horizon_days).kept for (sc, _), w in zip(runs, worlds, strict=True))
        peak = max(estimate(w, sc.horizon_days).peak for (sc, _), w in zip(runs, worlds, strict=True))
        if kept + peak > budget:
            raise ScenarioError(f"memory: the Results of {len(runs)} runs need about {size(kept + peak)} (estimate), "
                                f"more than the budget of {size(budget)}; pass reduce= to keep less of each run, "
                                f"or run fewer at a time")
    total = sum(sc.horizon_days for sc, _ in runs)
    out: list[Any] = []
    done = 0
    for (sc, seed), w in zip(runs, worlds, strict=True):
        tick = None
        if progress is not None:
            def tick(day: int, _horizon: int, base: int = done, cb: Callable[[int, int], None] = progress) -> None:
                cb(base + day, total)
        res = simulate(sc, seed, progress=tick, world=w)
        out.append(res if reduce is None else reduce(res))
        done += sc.horizon_days
    return out


def _runs(scenarios: Any, seeds: Any, params: Any, days: Any) -> list[tuple[Scenario, int | None]]:
    """The runs' validated scenarios and seeds, or one ScenarioError line."""
    lengths = {}
    scenarios, seeds, params = (_listed(scenarios), _listed(seeds), _listed(params))
    many = isinstance(scenarios, Sequence) and not isinstance(scenarios, str | bytes)
    if many:
        lengths["scenarios"] = len(scenarios)
    for name, value in (("seeds", seeds), ("params", params)):
        if value is None:
            continue
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
            hint = f" (e.g. [{value!r}])" if name == "seeds" and is_whole(value) else ""
            if name == "seeds" and isinstance(value, np.random.Generator):
                hint = " (draw them from it: rng.integers(0, 2**32, size=R))"
            raise ScenarioError(f"{name}: a list with one entry per run{hint}, not {type(value).__name__}")
        lengths[name] = len(value)
    if any(n == 0 for n in lengths.values()):
        raise ScenarioError(f"{next(k for k, n in lengths.items() if n == 0)}: no runs (an empty list)")
    if len(set(lengths.values())) > 1:
        raise ScenarioError("runs: " + ", ".join(f"{k} has {n}" for k, n in lengths.items())
                            + "; give one entry per run in each")
    r = next(iter(lengths.values()), 1)
    whole_days = whole_number(days)
    if days is not None and (whole_days is None or whole_days < 1):
        raise ScenarioError(f"days: a whole number of days ≥ 1 or None (the scenario's horizon), not {days!r}")
    seed_list = list(seeds) if seeds is not None else [None] * r
    for i, seed in enumerate(seed_list):
        n = whole_number(seed)
        if seed is not None and (n is None or not 0 <= n <= MAX_SEED):
            raise ScenarioError(f"seeds.{i}: must be a whole number from 0 to {MAX_SEED:,} (got {seed!r})")
        seed_list[i] = n
    loaded: dict[str, Scenario] = {}

    def load(x: Any, where: str) -> Scenario:
        if isinstance(x, str | Path):                  # a file or name read once for all its runs
            if str(x) not in loaded:
                loaded[str(x)] = scenario_named(where, x)
            return loaded[str(x)]
        return scenario_named(where, x)

    base = None if many else load(scenarios, "scenarios")
    out = []
    for i in range(r):
        sc = load(scenarios[i], f"scenarios.{i}") if many else base
        assert sc is not None
        if params is not None:
            sc = with_changes(sc, params[i], source=f"params.{i}")
        try:
            sc = validate_scenario(sc, whole_days)
        except ScenarioError as err:
            raise ScenarioError(f"run {i}: {err}") from None
        out.append((sc, seed_list[i]))
    return out


def _listed(value: Any) -> Any:
    """A NumPy array or a pandas column of one value per run (`np.arange(10)`, `df["scenario"]`) as
    a list; anything else as it is."""
    if getattr(value, "ndim", None) == 1 and hasattr(value, "tolist"):
        return value.tolist()
    return value


def _worlds(scenarios: list[Scenario], given: World | None, same_world: bool) -> list[World]:
    """The world of each run: `given`, or one built per group of scenarios that differ at most in
    seed and horizon (for the longest horizon of the group)."""
    if given is not None:
        for i, sc in enumerate(scenarios):
            if not serves(given.scenario, sc):
                raise ScenarioError(f"scenarios.{i}: the given world does not serve this run "
                                    f"({difference(given.scenario, sc)})")
        return [given] * len(scenarios)
    keys = [json.dumps(sc.model_dump(mode="json", exclude=set(RUN_ONLY_FIELDS)), sort_keys=True)
            for sc in scenarios]
    if same_world and len(set(keys)) > 1:
        i = next(i for i, k in enumerate(keys) if k != keys[0])
        raise ScenarioError(f"scenarios.{i}: needs a world of its own (against run 0: "
                            f"{difference(scenarios[0], scenarios[i])}), and same_world=True asks for one")
    built: dict[str, World] = {}
    for key in dict.fromkeys(keys):
        longest = max((sc for sc, k in zip(scenarios, keys, strict=True) if k == key), key=lambda s: s.horizon_days)
        built[key] = build_world(longest)
    return [built[k] for k in keys]


def split[T](items: Sequence[T], parts: int) -> list[list[T]]:
    """`items` in at most `parts` consecutive pieces of equal length (the last may be shorter): the
    runs each worker of a pool takes through `simulate_many`, in order."""
    n = len(items)
    if n == 0:
        return []
    length = -(-n // max(1, min(parts, n)))
    return [list(items[i:i + length]) for i in range(0, n, length)]


def runs_per_batch(world: World, days: int | None = None, budget: int | None = None) -> int:
    """How many runs on `world` (over `days`) fit in `budget` at once (`batch_size` of `estimate`)."""
    return batch_size(estimate(world, days).peak, budget,
                      f"a run of {world.scenario.name!r} ({days or len(world.inflow.first)} days)")


__all__ = ["RunMemory", "available_bytes", "batch_size", "default_budget", "estimate", "runs_per_batch",
           "simulate_many", "split"]

"""One browser session's model and what the screens read from it.

`Session` owns a `ReceptionModel` (never shared between sessions), the last valid scenario and a
lock, so the play loop (a background thread) and event handlers never step or read the model at
the same time. `Snapshot` is a cheap read of the days simulated so far, straight from the run's
recorder arrays (no xarray on the redraw path); `Session.results()` gives the full `Results` for
export.

The only model-side thing shared between sessions is the `World` template (`model.world`), which
the model layer copies for every run; it is cached per scenario (read-only).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agents.applicants import ENTITLED_STAGES, Stage
from agents.locations import KIND_NAMES, N_KINDS
from model.mesa_model import ReceptionModel
from model.scenario import Scenario, load_scenario
from model.world import World, build_world

_world_lock = threading.Lock()


_worlds: OrderedDict[str, World] = OrderedDict()
WORLD_CACHE_SIZE = 6


def world_for(sc: Scenario) -> World:
    """The (read-only) world template of a scenario, built once per process and scenario."""
    key = sc.model_dump_json()
    with _world_lock:
        if key in _worlds:
            _worlds.move_to_end(key)
            return _worlds[key]
        w = build_world(sc)
        _worlds[key] = w
        while len(_worlds) > WORLD_CACHE_SIZE:
            _worlds.popitem(last=False)
        return w


def build_model(sc: Scenario, seed: int | None = None) -> ReceptionModel:
    return ReceptionModel(sc, seed=seed, world=world_for(sc))


@dataclass
class Snapshot:
    """The days simulated so far (arrays of length `day`; views, do not modify)."""

    day: int
    horizon: int
    dates: np.ndarray                # datetime64[D] per simulated day (length horizon)
    x: dict[str, np.ndarray]         # daily scalar figures (model.metrics.SCALARS)
    stage: np.ndarray                # (day, stages) persons by stage
    kind_occupancy: np.ndarray       # (day, kinds) persons by location kind
    kind_capacity: np.ndarray        # (day, kinds) places by location kind
    phase: np.ndarray | None         # (day,) plan phase 0..4, None when the plan is not active
    regime: np.ndarray | None        # (day,) regime names ('' = none), None when not recorded
    province_phase: np.ndarray | None  # (day, provinces)

    @property
    def plan_active(self) -> bool:
        return self.phase is not None


class Session:
    """The model of one browser session, with stepping and background runs."""

    def __init__(self, scenario: Scenario | str = "baseline", seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
        self.seed = seed
        self.model = build_model(self.scenario, seed)
        self.generation = 0          # bumped by every reset: stale background runs stop

    # -- the run -------------------------------------------------------------------------
    @property
    def state(self):
        return self.model.state

    @property
    def day(self) -> int:
        return self.model.day

    @property
    def horizon(self) -> int:
        return self.model.horizon

    @property
    def done(self) -> bool:
        return self.model.day >= self.model.horizon

    def reset(self, scenario: Scenario | None = None) -> None:
        """Start again on day 0 (with a new scenario if given)."""
        with self.lock:
            if scenario is not None:
                self.scenario = scenario
            self.model = build_model(self.scenario, self.seed)
            self.generation += 1

    def step(self, days: int = 1) -> int:
        """Simulate up to `days` days; returns the days actually simulated."""
        with self.lock:
            n = max(0, min(days, self.horizon - self.day))
            for _ in range(n):
                self.model.step()
            return n

    def run(self, days: int, progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] = lambda: False, chunk: int = 5) -> int:
        """Simulate `days` days in chunks (for a background thread): reports progress after
        each chunk and stops early when `cancelled()` turns true or the session is reset."""
        gen = self.generation
        total = max(0, min(days, self.horizon - self.day))
        done = 0
        while done < total and not cancelled() and gen == self.generation:
            with self.lock:
                if gen != self.generation:
                    break
                done += self.step(min(chunk, total - done))
            if progress is not None:
                progress(done, total)
        return done

    def results(self):
        with self.lock:
            return self.model.results()

    # -- reading -------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        s = self.state
        rec = s.recorder
        d = s.day
        extra = getattr(rec, "extra", {}) or {}
        plan = getattr(s.sc, "plan", None)
        plan_on = "phase" in extra and plan is not None and bool(getattr(plan, "enabled", False))
        prov = getattr(rec, "province_phase", None)
        regime = extra.get("regime")
        return Snapshot(
            day=d, horizon=self.horizon,
            dates=np.asarray(s.world.dates, dtype="datetime64[D]"),
            x={k: v[:d] for k, v in rec.scalars.items()},
            stage=rec.stage[:d], kind_occupancy=rec.kind_occupancy[:d],
            kind_capacity=rec.kind_capacity[:d],
            phase=extra["phase"][:d] if plan_on else None,
            regime=regime[:d] if regime is not None else None,
            province_phase=prov[:d] if (plan_on and prov is not None) else None)

    def key_figures(self) -> dict[str, float]:
        """The figures on the cards, for the end of the last simulated day (or the start)."""
        s = self.state
        L = s.locs
        places = L.places()
        in_bed = int(L.occupancy.sum())
        population = int(s.people.entitled())
        x = s.recorder.scalars
        d = s.day
        kind_occ = np.bincount(L.kind, weights=L.occupancy, minlength=N_KINDS)
        temporary = kind_occ[KIND_NAMES.index("emergency")] + kind_occ[KIND_NAMES.index("crisis")]
        snap_phase = self.snapshot().phase
        return {
            "population": population,
            "in_bed": in_bed,
            "unsheltered": population - in_bed,
            "capacity": int(places.sum()),
            "occupancy_rate": in_bed / places.sum() if places.sum() else float("nan"),
            "permit_holders_waiting": int(s.people.stage_persons[Stage.PERMIT]),
            "in_emergency_share": temporary / in_bed if in_bed else 0.0,
            "registration_backlog": int(s.people.stage_persons[Stage.WAITING]),
            "moves_today": float(x["moves"][d - 1]) if d else 0.0,
            "cost_today_eur": float(x["cost_eur"][d - 1]) if d else 0.0,
            "cost_total_eur": float(x["cost_eur"][:d].sum()),
            "arrivals_total": float(x["arrivals"][:d].sum()),
            "phase": None if snap_phase is None else (int(snap_phase[-1]) if len(snap_phase) else 0),
        }


ENTITLED_STAGE_NAMES = [Stage(s).name.lower() for s in ENTITLED_STAGES]

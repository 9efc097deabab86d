"""One browser session's model and what the screens read from it.

`Session` owns a `ReceptionModel` (never shared between sessions), the last valid scenario, the
what-if decisions taken so far and a lock, so the player (a background thread) and event handlers
never step or read the model at the same time. `Snapshot` is a cheap read of the days simulated
so far, straight from the run's recorder arrays (no xarray on the redraw path); `Session.results()`
gives the full `Results` for export.

A run is fully described by its `RunRecord` (scenario, seed, decisions with their day, days
simulated): runs are deterministic, so a saved run is reopened by replaying it.

The only model-side thing shared between sessions is the `World` template (`model.world`), which
the model layer copies for every run; it is cached per scenario (read-only).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np
from pydantic import ValidationError

from agents.applicants import ENTITLED_STAGES, Stage
from agents.locations import KIND_NAMES, N_KINDS
from model.inputfile import parse_json
from model.mesa_model import ReceptionModel
from model.scenario import (MAX_SEED, Event, Scenario, ScenarioError, decode, from_dict, load_scenario,
                            validation_message, whole_argument)
from model.world import World, build_world
from viz.params import changed_name

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


class KeyFigures(TypedDict):
    """The figures on the cards (`Session.key_figures`): persons, places, EUR, or a share 0..1."""
    population: int                  # persons entitled to reception
    in_bed: int                      # persons in a bed
    unsheltered: int                 # entitled persons without a bed
    capacity: int                    # usable places
    occupancy_rate: float            # in_bed / capacity (nan without places)
    permit_holders_waiting: int      # persons with a permit waiting for a home
    in_emergency_share: float        # share of those in a bed who sleep in emergency or crisis places
    registration_backlog: int        # persons waiting to register
    moves_today: float               # moves on the last simulated day
    cost_today_eur: float
    cost_total_eur: float
    arrivals_total: float            # persons arrived so far
    phase: int | None                # the plan's phase on the last simulated day; None: plan not active


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
    track_backlog: np.ndarray        # (day, procedure tracks) persons waiting for an IND decision
    extra: ViewSeries              # what the dashboard records itself (children, regions)

    @property
    def plan_active(self) -> bool:
        return self.phase is not None


class ViewSeries:
    """Daily figures the model's recorder does not keep and the dashboard shows, recorded by the
    session after every simulated day from the counters the rules keep exact (a few small
    array operations a day, no pass over the population):

    * `children_in_bed` — minors in a reception bed at the end of the day (persons);
    * `children_moved` — minors moved between locations that day (persons);
    * `region_occupancy`, `region_capacity` — persons and usable places per safety region;
    * `plan_opened` — the locations the plan's requests and reserve activations delivered (kept
      after scale-down).
    """

    def __init__(self, model: ReceptionModel) -> None:
        s = model.state
        days = model.horizon
        self.n_regions = len(s.world.regions)
        self.children_in_bed = np.zeros(days, np.int64)
        self.children_moved = np.zeros(days, np.int64)
        self.region_occupancy = np.zeros((days, self.n_regions), np.int64)
        self.region_capacity = np.zeros((days, self.n_regions), np.int64)
        self._log_seen = s.log.n
        self.plan_opened: set[int] = set()
        self._requests_seen: set[tuple[int, int]] = set()

    def record(self, s, day: int) -> None:
        L, log = s.locs, s.log
        self.children_in_bed[day] = int(L.children.sum())
        if log.n > self._log_seen:
            rows = slice(self._log_seen, log.n)
            o, d = log.origin[rows], log.destination[rows]
            between = (o >= 0) & (d >= 0) & (o != d)
            kids = s.people.children[log.household[rows][between]]
            self.children_moved[day] = int(kids.sum())
            self._log_seen = log.n
        region = s.munis.region[L.municipality]
        self.region_occupancy[day] = np.bincount(region, weights=L.occupancy, minlength=self.n_regions)
        self.region_capacity[day] = np.bincount(region, weights=L.places(), minlength=self.n_regions)
        plan = getattr(s, "plan", None)
        if plan is not None:
            for done in plan.done.values():
                for d in done:
                    key = (id(d), len(d.locations))
                    if d.action.type in ("request_places", "activate_reserve") and key not in self._requests_seen:
                        self._requests_seen.add(key)
                        self.plan_opened.update(d.locations.tolist())


MAX_RUN_FILE_BYTES = 16 << 20      # a saved run: a scenario and its decisions (a long session's is < 1 MiB)
_RUN_FIELDS = ("noodplan_run", "name", "scenario", "seed", "day", "decisions")


def _whole(value, where: str, low: int, high: int, what: str = "") -> int:
    """`value` as a whole number from `low` to `high` (`whole_argument`; a JSON 3.0 is 3), or one
    ScenarioError line: never int()'s reading of text, a fraction, true/false, infinity or NaN."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return whole_argument(where, value, low, high, what)


@dataclass
class Decision:
    """A what-if change taken during a run: applied before day `day` was simulated."""

    day: int
    event: Event

    def to_dict(self) -> dict:
        return {"day": self.day, "event": self.event.model_dump(mode="json", exclude_defaults=True)}

    @classmethod
    def from_dict(cls, data: dict, where: str = "decision") -> Decision:
        """A saved decision ({day, event}); ScenarioError names the field (`where`: its place)."""
        if not isinstance(data, dict):
            raise ScenarioError(f"{where}: a mapping with day and event (got {type(data).__name__})")
        other = next((k for k in data if k not in ("day", "event")), None)
        if other is not None or "event" not in data or "day" not in data:
            raise ScenarioError(f"{where}: " + (f"{other}: not a field of a decision (day and event)"
                                                if other is not None else "a decision has a day and an event"))
        day = _whole(data["day"], f"{where}.day", 0, 10**9)   # the run's days: RunRecord.check
        try:
            return cls(day, Event.model_validate(data["event"]))
        except ValidationError as err:
            raise ScenarioError(validation_message(err, f"{where}.event")) from None


@dataclass
class RunRecord:
    """Everything that makes a run: replaying it gives the same run (same scenario and seed ->
    identical results). Saved as JSON (`to_json`) and reopened with `Session.replay`."""

    name: str
    scenario: dict                   # the scenario, as `model_dump(mode="json")`
    seed: int | None
    day: int                         # days simulated
    decisions: list[Decision] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"noodplan_run": 1, "name": self.name, "scenario": self.scenario, "seed": self.seed,
                           "day": self.day, "decisions": [d.to_dict() for d in self.decisions]}, indent=1)

    def check(self, horizon: int, source: str = "run") -> None:
        """One ScenarioError line for a record that cannot be replayed as it says: days simulated
        0 to the horizon, a 32-bit seed (or None), every decision on a day the run reached and had
        still to simulate (a decision taken on day d acts before day d; none at the horizon)."""
        _whole(self.day, f"{source}: day", 0, horizon, " (the days simulated)")
        if self.seed is not None:
            _whole(self.seed, f"{source}: seed", 0, MAX_SEED)
        last = min(self.day, horizon - 1)
        for k, d in enumerate(self.decisions):
            if not isinstance(d, Decision):
                raise ScenarioError(f"{source}: decisions.{k}: a Decision, not {type(d).__name__}")
            _whole(d.day, f"{source}: decisions.{k}.day", 0, last,
                   f" (a day the run reached: it simulated {self.day:,} of {horizon:,})")

    @classmethod
    def from_json(cls, text: str | bytes, source: str = "run file") -> RunRecord:
        """Read a saved run (its text, or an upload's bytes: UTF-8, at most MAX_RUN_FILE_BYTES);
        raises ScenarioError naming what is wrong."""
        if isinstance(text, bytes):
            if len(text) > MAX_RUN_FILE_BYTES:
                raise ScenarioError(f"{source}: more than {MAX_RUN_FILE_BYTES:,} bytes; not a noodplan run file")
            text = decode(text, source)
        return cls.from_data(parse_json(text, source, "a noodplan run file", ScenarioError), source)

    @classmethod
    def from_data(cls, data: Any, source: str = "run file") -> RunRecord:
        """A saved run already parsed from its JSON (`parse_json`: an upload is parsed once, to tell
        a run from a scenario and to read it); raises ScenarioError naming what is wrong."""
        version = data.get("noodplan_run") if isinstance(data, dict) else None
        if not isinstance(data, dict) or version != 1 or isinstance(version, bool):
            raise ScenarioError(f"{source}: not a noodplan run file (no 'noodplan_run: 1')")
        other = next((k for k in data if k not in _RUN_FIELDS), None)
        if other is not None:
            raise ScenarioError(f"{source}: {other}: not a field of a run file ({', '.join(_RUN_FIELDS)})")
        if not isinstance(data.get("scenario"), dict):
            raise ScenarioError(f"{source}: scenario: the run's scenario (a mapping of its fields) is missing")
        sc = from_dict(data["scenario"], f"{source}: scenario", builtin_parents=True)   # from a browser
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise ScenarioError(f"{source}: name: text (got {type(name).__name__})")
        saved = data.get("decisions", [])
        if not isinstance(saved, list):
            raise ScenarioError(f"{source}: decisions: a list of {{day, event}} (got {type(saved).__name__})")
        decisions = [Decision.from_dict(d, f"{source}: decisions.{k}") for k, d in enumerate(saved)]
        rec = cls(name or sc.name, sc.model_dump(mode="json"), data.get("seed"), data.get("day", 0), decisions)
        rec.check(sc.horizon_days, source)
        rec.day = int(rec.day)
        rec.seed = None if rec.seed is None else int(rec.seed)
        return rec


class Session:
    """The model of one browser session, with stepping, what-if decisions and replays."""

    def __init__(self, scenario: Scenario | str = "baseline", seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
        self.seed = seed
        self.generation = 0          # bumped by every reset: stale background work stops
        self._build()

    def _build(self) -> None:
        self.model = build_model(self.scenario, self.seed)
        self.series = ViewSeries(self.model)
        self.decisions: list[Decision] = []
        self.initial_log_rows = self.model.state.log.n   # bed changes of the initial stock (before day 0)

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

    @property
    def date(self):
        """The date of the next day to simulate (the run's 'today')."""
        return self.state.world.dates[min(self.day, self.horizon - 1)]

    def reset(self, scenario: Scenario | None = None) -> None:
        """Start again on day 0 (with a new scenario if given)."""
        with self.lock:
            if scenario is not None:
                self.scenario = scenario
            self._build()
            self.generation += 1

    def step(self, days: int = 1) -> int:
        """Simulate up to `days` days; returns the days actually simulated."""
        with self.lock:
            n = max(0, min(days, self.horizon - self.day))
            for _ in range(n):
                day = self.model.day
                self.model.step()
                self.series.record(self.state, day)
            return n

    def run(self, days: int, progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] = lambda: False, chunk: int = 5) -> int:
        """Simulate `days` days in chunks: reports progress after each chunk and stops early
        when `cancelled()` turns true or the session is reset."""
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

    def decide(self, event: Event) -> None:
        """A what-if change now (before the next day), logged as a decision; the run goes on."""
        with self.lock:
            if self.done:
                raise ScenarioError("decision: the run is at its horizon; reset it first")
            day = self.day
            event = event.model_copy(update={"date": self.date})
            self.model.apply(event)
            self.decisions.append(Decision(day, event))

    def record(self, name: str | None = None) -> RunRecord:
        with self.lock:
            return RunRecord(name or f"{self.scenario.name} after {self.day} days",
                             self.scenario.model_dump(mode="json"), self.seed, self.day, list(self.decisions))

    def replay(self, rec: RunRecord, progress: Callable[[int, int], None] | None = None) -> None:
        """Rebuild a saved run: same scenario and seed, the same decisions on the same days. It is
        rebuilt aside and takes the place of this session's run only once whole: a decision the run
        refuses on its day (an uploaded run file's) raises ScenarioError and leaves the run on screen
        as it was. (It was rebuilt in place: the page kept showing the run before while Step and Play
        went on from the refused decision's day of the uploaded one.)"""
        sc = from_dict(rec.scenario, rec.name)
        rec.check(sc.horizon_days, rec.name)      # before the run is rebuilt (a day < 0 never came)
        if rec.seed is not None and rec.seed != sc.seed:
            # the run's seed becomes its scenario's, as the seed input would make it: the page's
            # seed field, Apply and a later scenario then use the seeds they show (a seed kept
            # beside the scenario ran every later scenario with it, whatever the seed field said)
            sc = changed_name(sc, sc.model_copy(update={"seed": rec.seed}))
        new = Session(sc)
        todo = sorted(rec.decisions, key=lambda d: d.day)
        while True:
            while todo and todo[0].day == new.day:
                new.decide(todo.pop(0).event)
            if new.day >= rec.day:
                break
            new.step(min(rec.day, todo[0].day if todo else rec.day) - new.day)
            if progress is not None:
                progress(new.day, rec.day)
        with self.lock:
            self.scenario, self.seed = sc, None
            self.model, self.series, self.decisions = new.model, new.series, new.decisions
            self.initial_log_rows = new.initial_log_rows
            self.generation += 1

    def results(self):
        with self.lock:
            return self.model.results()

    # -- reading -------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self.lock:
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
                province_phase=prov[:d] if (plan_on and prov is not None) else None,
                track_backlog=rec.track_backlog[:d], extra=self.series)

    def key_figures(self) -> KeyFigures:
        """The figures on the cards, for the end of the last simulated day (or the start)."""
        with self.lock:
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

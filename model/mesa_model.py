"""The Mesa face: `ReceptionModel(mesa.Model)`, one `step()` = one day of the same rulebook.

Municipalities and locations are registered Mesa agents (views over their rows) and act through
their agent classes: the Mesa face hands `MunicipalityAgent` and `LocationAgent` to the rulebook
(`state.actors`), whose vectorised class methods are the municipalities' and locations' own rules
(the headless face runs the same methods from the array classes they inherit from). Applicants are
made on demand as `ApplicantAgent` views (`applicant`, `applicants`). A `mesa.DataCollector`
records daily.csv's figures after every step, and the municipalities' and locations' figures
when asked (`collect_agents=True`). Results are bit-identical to `simulate()` for the same
scenario and seed, because both run `model.rulebook.run_day` on the same state. See docs/mesa.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum
from functools import partial
import inspect
from operator import attrgetter
from pathlib import Path
from typing import Any, cast

import mesa
from mesa.experimental.scenarios import Scenario as MesaScenario
import numpy as np

from agents.applicants import Stage, Track
from agents.views import ApplicantAgent, ApplicantSet, LocationAgent, MunicipalityAgent
from model.events import apply_event, check_reopen
from model.metrics import DAILY_COLUMNS, SCALARS, WHOLE_NUMBERS, Recorder
from model.results import Results
from model.rulebook import run_day
from model.scenario import (MAX_DAYS, Event, Scenario, ScenarioError, check_decision, closest_name,
                            is_whole, shown, whole_number, with_changes)
from model.simulate import SeedLike, prepare, results_of, run_seed, scenario_named
from model.snapshot import Snapshot, capture, load
from model.state import Actors, State
from model.world import World

# agent-level figures collected when `collect_agents=True` (attributes of the agent views)
MUNICIPALITY_REPORTERS = {"housed_total": "housed_total", "waiting": "waiting", "backlog": "backlog",
                          "willingness": "willingness"}
LOCATION_REPORTERS = {"occupancy": "occupancy", "places": "places", "life": "life"}


def daily_figure(model: ReceptionModel, name: str) -> int | float | str:
    """Column `name` of daily.csv for the last simulated day, typed as daily.csv writes it (the
    model reporters of `ReceptionModel.datacollector`)."""
    s = model.state
    recorder = cast(Recorder, s.recorder)
    day = s.day - 1
    if name == "date":
        return str(s.world.dates[day])
    if name in SCALARS:
        value = recorder.scalars[name][day]
        return int(value) if name in WHOLE_NUMBERS else float(value)
    value = recorder.extra[name][day]
    return int(value) if name == "phase" else str(value)


class Collector(mesa.DataCollector):
    """Mesa's DataCollector, whose frames of what it does not collect stop with a one-line
    ScenarioError saying why (Mesa warns and returns an empty frame, or raises a bare Exception)."""

    def collect(self, model):
        """Mesa's collect, refused on day 0: the model reporters are the last simulated day's row of
        daily.csv, and before the first step there is none (a Mesa habit, collecting in `__init__`,
        made a row of zeros dated the horizon's last day)."""
        if isinstance(model, ReceptionModel) and model.day == 0:
            raise ScenarioError("datacollector: collect() on day 0, before any day is simulated: a row holds a "
                                "simulated day's figures (row i is day i, as in daily.csv), and step() collects "
                                "each day's")
        super().collect(model)

    def get_agenttype_vars_dataframe(self, agent_type):
        if agent_type not in self.agenttype_reporters:
            kept = ", ".join(t.__name__ for t in self.agenttype_reporters)
            name = getattr(agent_type, "__name__", repr(agent_type))
            raise ScenarioError(f"datacollector: {name}: no figures collected for this agent type; "
                                + (f"they are for {kept}" if kept else "make the model with collect_agents=True"))
        return super().get_agenttype_vars_dataframe(agent_type)

    def get_agent_vars_dataframe(self):
        raise ScenarioError("datacollector: no per-agent reporters; with collect_agents=True use "
                            "get_agenttype_vars_dataframe(MunicipalityAgent) or (LocationAgent)")

    def get_table_dataframe(self, table_name):
        if table_name not in self.tables:
            raise ScenarioError(f"datacollector: table {table_name!r}: no such table (this collector keeps none; "
                                f"get_model_vars_dataframe() holds daily.csv's figures)")
        return super().get_table_dataframe(table_name)


class NotAnAgentType(ScenarioError, KeyError):
    """A class asked of `agents_by_type` that the model holds no agents of: a KeyError, as Mesa's
    dict raises, with one line saying why (Mesa's says only the class)."""

    __str__ = BaseException.__str__        # the line as written, not quoted as KeyError's


class AgentsByType(dict):
    """Mesa's `agents_by_type` (agent class -> its AgentSet) that names a class it does not hold:
    applicants, who are made on demand, and a base class when the model was given a subclass."""

    def __missing__(self, key: Any) -> Any:
        name = getattr(key, "__name__", repr(key))
        if isinstance(key, type) and issubclass(key, ApplicantAgent):
            why = ("applicants are not registered agents (a run holds 100,000+ people); m.applicants(...) "
                   "makes them on demand, m.applicant(person) one")
        else:
            kept = ", ".join(t.__name__ for t in self)
            why = f"no agents of this class (Mesa keys them by their exact class: {kept})"
        raise NotAnAgentType(f"agents_by_type: {name}: {why}")


class RunScenario(MesaScenario):
    """Mesa's scenario object of a `ReceptionModel` (`m.scenario`): it holds the run's seed (`rng`)
    and no parameters of its own, for the run's parameters are ReceptionModel's keywords
    (`scenario`, `days`, dotted paths; the run's scenario is `m.config`). Mesa counts a scenario's
    parameters with `len`; with none, Mesa's tools that rebuild a model (SolaraViz's Reset) call
    ReceptionModel with the keywords they were given, as for a model without a scenario object,
    instead of replacing the `scenario` keyword (noodplan's scenario) with a Mesa one."""

    def __len__(self) -> int:
        return sum(1 for name in self.__dict__ if name != "rng")


class ReceptionModel(mesa.Model):
    """The national reception system as a Mesa model.

    `scenario`: a Scenario or a built-in name; `rng`: the run's integer seed (default: the
    scenario's; `seed=` is accepted as its older name), or a numpy Generator, BitGenerator or
    SeedSequence, from which the seed is drawn once (the same generator state, the same run);
    `days`: horizon (default: the scenario's); `world`: reuse a built world. Scenario parameters
    are set by dotted path, in `overrides` or as keyword arguments
    (``ReceptionModel(**{"housing.supply_persons_per_year": 15000})``, and so as `mesa.batch_run`
    parameters); an unknown one stops with a one-line ScenarioError.
    `collect_agents`: also collect the municipalities' and locations' figures every day (off by
    default: it costs a few milliseconds a day). `municipality_agent`, `location_agent`: agent
    classes to use, subclasses of `MunicipalityAgent` / `LocationAgent` that may override rules.
    `state`: go on from this state instead of a new one (a restored snapshot: see `restore`).
    """

    _default_schedule: Any   # Mesa's step schedule, a mesa.time.EventGenerator (see _restart_clock)

    def __init__(self, scenario: Scenario | str | Path = "baseline",
                 rng: SeedLike | None = None,
                 days: int | None = None,
                 world: World | None = None, *, overrides: Mapping[str, Any] | None = None,
                 collect_agents: bool = False, municipality_agent: type[MunicipalityAgent] = MunicipalityAgent,
                 location_agent: type[LocationAgent] = LocationAgent, state: State | None = None,
                 **parameters: Any) -> None:
        given_seed = parameters.pop("seed", None)
        if isinstance(scenario, MesaScenario):      # Mesa's way: Model(scenario=Scenario(rng=…, **parameters))
            scenario, rng, days, parameters = _from_mesa_scenario(scenario, rng, days, parameters)
        seed = _seed(rng, given_seed)
        if not isinstance(collect_agents, bool):
            raise ScenarioError(f"ReceptionModel: collect_agents: True or False, not {type(collect_agents).__name__} "
                                f"{shown(collect_agents)}")
        _check_class("municipality_agent", municipality_agent, MunicipalityAgent)
        _check_class("location_agent", location_agent, LocationAgent)
        if state is None:
            sc = scenario_named("ReceptionModel: scenario", scenario)
            if overrides is not None and not isinstance(overrides, Mapping):
                hint = (" (mesa.batch_run iterates over a parameter's values: put the mapping in a list, "
                        "\"overrides\": [{...}])" if isinstance(overrides, str) else "")
                raise ScenarioError(f"ReceptionModel: overrides: a mapping of dotted paths to values, not "
                                    f"{type(overrides).__name__}{hint}")
            _check_keywords(parameters)
            changes = {**(overrides or {}), **parameters}
            if days is not None and "horizon_days" in changes:     # one of them would be ignored
                raise ScenarioError("ReceptionModel: horizon_days: given with days= (both set the horizon); give one")
            sc = with_changes(sc, changes, "ReceptionModel")
            state = prepare(sc, seed, days, world)
        else:
            _check_kind("state", state, State, "a State (a restored snapshot: ReceptionModel.restore) or None")
            given = [name for name, value in (("rng", rng), ("seed", given_seed), ("days", days), ("world", world),
                                              ("overrides", overrides)) if value is not None] + sorted(parameters)
            if given:      # they would be ignored: the state holds its scenario, seed, horizon and world
                raise ScenarioError(f"ReceptionModel: {given[0]}: not with state= (the state holds its scenario, "
                                    f"seed, horizon and world; restore(snapshot, world, days) sets the last two)")
        super().__init__(scenario=RunScenario(rng=state.seed))
        self.state = state
        self.steps = state.day                 # a restored model goes on counting from its day
        if state.day:                          # and Mesa's clock with it: run_until(t) stops at day t
            self._restart_clock(state.day)
        self.config = state.sc
        state.actors = Actors(municipalities=municipality_agent, locations=location_agent)
        self._location_agent = location_agent
        self.municipality_agents = [municipality_agent(self, i) for i in range(state.munis.n)]
        self.location_agents: list[LocationAgent] = []
        self._add_location_agents()
        # attribute getters, not names: Mesa wraps a name in a local function, which does not pickle
        agent_reporters = ({municipality_agent: _getters(MUNICIPALITY_REPORTERS),
                            location_agent: _getters(LOCATION_REPORTERS)} if collect_agents else None)
        self.datacollector = Collector(
            model_reporters={name: partial(daily_figure, name=name) for name in DAILY_COLUMNS},
            agenttype_reporters=agent_reporters)
        self.running = True

    def _restart_clock(self, day: int) -> None:
        """Mesa's time at `day` (a model made on a restored state): its step schedule (one step a
        unit of time, from 1.0 on a new model) starts again at the next day, so that `time` is the
        day simulated and `run_until(t)` / `run_for(n)` step to day t / n days on, as on a model
        that was never stopped. (Mesa 3.5's internals, imported here so that only a restore
        depends on them.)"""
        from mesa.time import EventGenerator, Priority, Schedule

        self._default_schedule.stop()
        self.time = float(day)
        self._default_schedule = EventGenerator(self, self._do_step, Schedule(interval=1.0, start=day + 1.0),
                                                priority=Priority.HIGH).start()

    @property
    def agents_by_type(self) -> dict:
        """Mesa's agent class -> AgentSet of the registered agents (municipalities and locations);
        a class it holds none of raises a KeyError saying why (`AgentsByType`)."""
        return AgentsByType(super().agents_by_type)

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.state.day

    @property
    def date(self):
        return self.state.world.dates[min(self.state.day, len(self.state.world.dates) - 1)]

    @property
    def horizon(self) -> int:
        return self.state.sc.horizon_days

    def step(self) -> None:
        """Simulate one day and collect its figures; `running` turns False at the horizon."""
        if self.state.day >= self.horizon:
            self.running = False
            return
        run_day(self.state)
        self._add_location_agents()
        self.datacollector.collect(self)
        self.running = self.state.day < self.horizon

    def _add_location_agents(self) -> None:
        """An agent for every location opened since the last look (by the plan or an event)."""
        for j in range(len(self.location_agents), self.state.locs.n):
            self.location_agents.append(self._location_agent(self, j))

    def apply(self, event: Event | Mapping[str, Any]) -> None:
        """A decision taken now, between days (a what-if in the dashboard, a move in an exercise):
        `event` (an Event, or a mapping of its fields without a date) acts on the run before the next
        day is simulated, exactly as a scheduled event of that day would (`model.events.apply_event`;
        its date is not read), and is logged with source "decision". The scenario file is not changed.
        A decision the scenario would refuse as an event (a value out of its field's range, a province
        outside the world, …) raises ScenarioError and changes nothing (`model.scenario.check_decision`),
        as does a `reopen` of a closure this run has not made or has reopened (`model.events.check_reopen`)."""
        if self.state.day >= self.horizon:
            raise ScenarioError("apply: the run is at its horizon; no day is left for a decision")
        event = check_decision(self.state.params.scenario_now(self.state.sc), event)
        check_reopen(self.state, event)
        log = self.state.event_log
        apply_event(self.state, event, self.state.day)
        log[-1]["source"] = "decision"
        self._add_location_agents()

    def applicant(self, person: int) -> ApplicantAgent:
        """A live view of one person (row of the person arrays), with their path so far; a person
        who is not (yet) in the run stops with a one-line ScenarioError naming the valid rows."""
        n = self.state.people.n_persons
        if not is_whole(person) or not 0 <= person < n:
            raise ScenarioError(f"applicant: person {person!r}: no such person on day {self.state.day} "
                                f"(a whole number from 0 to {n - 1:,})")
        return ApplicantAgent.of(self, int(person))

    def applicants(self, stage: str | Iterable[str] | None = None, track: str | Iterable[str] | None = None,
                   municipality: int | str | Iterable[int | str] | None = None,
                   location: int | Iterable[int] | None = None, at_most: int | None = None) -> ApplicantSet:
        """The persons whose household matches every filter given, as `ApplicantAgent` views made
        now (in person order), in an `ApplicantSet` (a Mesa AgentSet). Each filter takes one value
        or several: `stage` and `track` by name ("permit", "regular"), `municipality` (the linked
        one, koppeling) by row, name or code, `location` (where they sleep; -1: no bed) by row.
        `at_most` caps the number of views made. Unknown names stop with a one-line error."""
        p = self.state.people
        h, n = p.cols, p.n
        keep = np.ones(n, bool)
        if stage is not None:
            keep &= np.isin(h["stage"][:n], _codes(stage, Stage, "stage"))
        if track is not None:
            keep &= np.isin(h["track"][:n], _codes(track, Track, "track"))
        if municipality is not None:
            rows = [self._municipality_row(m) for m in _values(municipality, "municipality")]
            keep &= np.isin(h["municipality"][:n], rows)
        if location is not None:
            keep &= np.isin(h["location"][:n], [_whole("location", j, -1, self.state.locs.n - 1)
                                                   for j in _values(location, "location")])
        if at_most is not None:
            _whole("at_most", at_most, 0)
        households = np.flatnonzero(keep)
        persons = p.members(households)
        of = np.repeat(households, h["size"][households].astype(np.int64))
        if at_most is not None:
            persons, of = persons[:at_most], of[:at_most]
        return ApplicantSet((ApplicantAgent(self, a, b) for a, b in zip(persons.tolist(), of.tolist())), self.random)

    def _municipality_row(self, m: int | str) -> int:
        munis = self.state.munis
        if isinstance(m, bool | np.bool_):
            raise ScenarioError(f"applicants: municipality: a row 0 … {munis.n - 1}, a name or a code, not {m!r}")
        if isinstance(m, (int, np.integer)) and 0 <= m < munis.n:
            return int(m)
        for names in (munis.names, munis.codes):
            if m in names:
                return names.index(m)
        raise ScenarioError(f"applicants: municipality: unknown {m!r} (a row 0 … {munis.n - 1}, a name or a code)")

    def results(self) -> Results:
        """Results of the days simulated so far."""
        return results_of(self.state)

    def snapshot(self) -> Snapshot:
        """The whole state now (`model.snapshot`): save it, or restore it to rewind or fork."""
        return capture(self.state)

    @classmethod
    def restore(cls, snapshot: Snapshot | str | Path, world: World | None = None,
                days: int | None = None, **kwargs: Any) -> ReceptionModel:
        """A model going on from a snapshot (or a snapshot file), on `world` when given; `days`
        lets it run to that many days in all, beyond the saved horizon. The data collector starts
        afresh (it holds the days from the restore on)."""
        if not isinstance(snapshot, Snapshot | str | Path):
            raise ScenarioError(f"ReceptionModel.restore: snapshot: a Snapshot or a snapshot file, not "
                                f"{type(snapshot).__name__}")
        _check_kind("world", world, World, "a built World (model.world.build_world) or None")
        n = whole_number(days)
        if days is not None and (n is None or not 1 <= n <= MAX_DAYS):
            raise ScenarioError(f"ReceptionModel.restore: days: a whole number from 1 to {MAX_DAYS:,} or None, "
                                f"not {days!r}")
        days = n
        snap = snapshot if isinstance(snapshot, Snapshot) else load(snapshot)
        saved = int(snap.header["horizon_days"])
        if days is not None and days < saved:      # Snapshot.restore only extends a horizon: it would be ignored
            raise ScenarioError(f"ReceptionModel.restore: days: at least the snapshot's horizon, {saved:,} (days lets "
                                f"a restored run go further; to stop earlier, step fewer days), not {days!r}")
        return cls(state=snap.restore(world, days), **kwargs)


def _getters(reporters: Mapping[str, str]) -> dict[str, attrgetter]:
    """Agent reporters reading the named attributes (as Mesa's reporters by name do), picklable."""
    return {name: attrgetter(attribute) for name, attribute in reporters.items()}


def _from_mesa_scenario(given: MesaScenario, rng: Any, days: Any,
                        parameters: dict[str, Any]) -> tuple[Any, Any, Any, dict[str, Any]]:
    """A Mesa Scenario given as `scenario` (Mesa 3.5's convention): its `rng` is the run's seed and
    its parameters are ReceptionModel's keywords (`scenario`: noodplan's scenario, default baseline;
    `days`; dotted paths); one given both ways is refused."""
    values = {name: value for name, value in given.__dict__.items() if name != "rng"}
    if given.rng is not None:
        if rng is not None and rng != given.rng:
            raise ScenarioError(f"ReceptionModel: rng: {rng!r} given with a Mesa Scenario of rng {given.rng!r}; "
                                f"give one")
        rng = given.rng
    for name in values:
        if name in parameters or (name == "days" and days is not None):
            raise ScenarioError(f"ReceptionModel: {name}: given both as a keyword and in the Mesa Scenario; give one")
    for name in ("world", "overrides", "collect_agents", "municipality_agent", "location_agent", "state", "seed"):
        if name in values:        # they are not the run's parameters (or `rng` holds them)
            raise ScenarioError(f"ReceptionModel: {name}: a keyword of ReceptionModel, not a parameter of a Mesa "
                                f"Scenario (which gives the seed as rng, scenario, days and dotted paths)")
    scenario = values.pop("scenario", "baseline")
    if isinstance(scenario, MesaScenario):
        raise ScenarioError("ReceptionModel: scenario: a Mesa Scenario's 'scenario' is noodplan's scenario "
                            "(a built-in name, a file or a Scenario), not another Mesa Scenario")
    days = values.pop("days", days)
    return scenario, rng, days, {**values, **parameters}


def _seed(rng: Any, seed: Any) -> int | None:
    """The run's seed from Mesa's `rng` keyword (or the older `seed`), as `model.simulate.run_seed`
    reads it: an integer, None for the scenario's own seed, or a numpy `Generator`, `BitGenerator`
    or `SeedSequence` (Mesa's `Model(rng=…)` takes them) from which the seed is drawn once, exactly
    as `simulate(seed=…)` draws it."""
    if rng is not None and seed is not None and rng is not seed and rng != seed:
        raise ScenarioError("ReceptionModel: give rng or seed, not both")
    return run_seed(rng if rng is not None else seed, "ReceptionModel: rng")


def _check_keywords(parameters: Mapping[str, Any]) -> None:
    """A keyword argument that is no scenario field but close to one of ReceptionModel's own
    (`colect_agents`, `day`): named as the keyword misspelt (else it would be read as a scenario
    path and answered with the scenario's fields)."""
    own = [p.name for p in inspect.signature(ReceptionModel.__init__).parameters.values()
           if p.name != "self" and p.kind is not p.VAR_KEYWORD]           # (`seed` is a scenario field)
    for name in parameters:
        if "." in name or name in Scenario.model_fields:
            continue
        meant = closest_name(name, [*own, *Scenario.model_fields])     # the closer of the two kinds
        if meant in own:
            raise ScenarioError(f"ReceptionModel: {name}: neither a keyword of ReceptionModel nor a scenario field "
                                f"(did you mean the keyword {meant!r}?)")


def _check_kind(name: str, value: Any, kind: type, wanted: str) -> None:
    """`value` (a keyword argument of ReceptionModel) is None or a `kind`; else one line naming it."""
    if value is not None and not isinstance(value, kind):
        raise ScenarioError(f"ReceptionModel: {name}: {wanted}, not {type(value).__name__} {shown(value)}")


def _check_class(name: str, value: Any, base: type) -> None:
    if not (isinstance(value, type) and issubclass(value, base)):
        raise ScenarioError(f"ReceptionModel: {name}: a subclass of {base.__name__} (the class, not an instance), "
                            f"not {type(value).__name__} {shown(value)}")


def _whole(field: str, value: Any, lo: int, hi: int | None = None) -> int:
    """A filter of `applicants` that must be a whole number from `lo` (to `hi`, when given)."""
    if not is_whole(value) or value < lo or (hi is not None and value > hi):
        upto = "" if hi is None else f" to {hi}"
        raise ScenarioError(f"applicants: {field}: a whole number from {lo}{upto}, not {value!r}")
    return int(value)


def _values(v: Any, field: str) -> list:
    """The values a filter of `applicants` names `field` holds: one, or several in a list."""
    if isinstance(v, (str, int, np.integer)):
        return [v]
    if isinstance(v, bytes | bytearray | Mapping) or not isinstance(v, Iterable):
        raise ScenarioError(f"applicants: {field}: one value or several, not {type(v).__name__} {shown(v)}")
    return list(v)


def _codes(v: Any, enum: type[IntEnum], field: str) -> list[int]:
    """Enum codes of names (or the enum members themselves)."""
    out = []
    names = ", ".join(e.name.lower() for e in enum)
    for x in _values(v, field):
        if isinstance(x, str):
            if x.upper() not in enum.__members__:
                raise ScenarioError(f"applicants: {field}: unknown {x!r} (one of {names})")
            x = enum[x.upper()]
        elif not is_whole(x) or x not in {e.value for e in enum}:
            raise ScenarioError(f"applicants: {field}: unknown {x!r} (one of {names})")
        out.append(int(x))
    return out

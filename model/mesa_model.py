"""The Mesa face: `ReceptionModel(mesa.Model)`, one `step()` = one day of the same rulebook.

Municipalities and locations are registered Mesa agents (views over their rows); applicants are
looked up on demand with `model.applicant(person)`. Results are bit-identical to `simulate()`
for the same scenario and seed, because both call `model.rulebook.run_day` on the same state.
"""

from __future__ import annotations

from pathlib import Path

import mesa

from agents.views import Applicant, LocationAgent, MunicipalityAgent
from model.events import apply_event
from model.results import Results
from model.rulebook import run_day
from model.scenario import Event, Scenario, check_decision
from model.simulate import prepare, results_of
from model.snapshot import Snapshot, capture, load
from model.state import State
from model.world import World


class ReceptionModel(mesa.Model):
    """The national reception system as a Mesa model.

    Parameters: `scenario` (a Scenario or a built-in name), `seed` (default: the scenario's),
    `days` (horizon; default: the scenario's), `world` (reuse a built world), `state` (go on
    from this state instead of a new one, e.g. a restored snapshot: see `restore`).
    """

    def __init__(self, scenario: Scenario | str = "baseline", seed: int | None = None,
                 days: int | None = None, world: World | None = None, state: State | None = None) -> None:
        self.state = state if state is not None else prepare(scenario, seed, days, world)
        super().__init__(rng=self.state.seed)
        self.steps = self.state.day
        self.config = self.state.sc
        self.municipality_agents = [MunicipalityAgent(self, i) for i in range(self.state.munis.n)]
        self.location_agents = [LocationAgent(self, j) for j in range(self.state.locs.n)]
        self.running = True

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
        """Simulate one day."""
        if self.state.day >= self.horizon:
            self.running = False
            return
        run_day(self.state)
        for j in range(len(self.location_agents), self.state.locs.n):  # locations opened today
            self.location_agents.append(LocationAgent(self, j))
        self.running = self.state.day < self.horizon

    def apply(self, event: Event) -> None:
        """A decision taken now, between days (a what-if in the dashboard, a move in an exercise):
        `event` acts on the run before the next day is simulated, exactly as a scheduled event of
        that day would (`model.events.apply_event`; its date is not read), and is logged with
        source "decision". The scenario file is not changed. A decision the scenario would refuse as
        an event (a value out of its field's range, a province outside the world, …) raises
        ScenarioError and changes nothing (`model.scenario.check_decision`)."""
        if self.state.day >= self.horizon:
            raise ValueError("apply: the run is at its horizon; no day is left for a decision")
        check_decision(self.state.sc, event)
        log = self.state.event_log
        apply_event(self.state, event, self.state.day)
        log[-1]["source"] = "decision"

    def applicant(self, person: int) -> Applicant:
        """A view of one person (row of the person arrays) with their path so far."""
        return Applicant.of(self.state, person)

    def results(self) -> Results:
        """Results of the days simulated so far."""
        return results_of(self.state)

    def snapshot(self) -> Snapshot:
        """The whole state now (`model.snapshot`): save it, or restore it to rewind or fork."""
        return capture(self.state)

    @classmethod
    def restore(cls, snapshot: Snapshot | str | Path, world: World | None = None,
                days: int | None = None) -> "ReceptionModel":
        """A model going on from a snapshot (or a snapshot file), on `world` when given; `days`
        lets it run to that many days in all, beyond the saved horizon."""
        snap = snapshot if isinstance(snapshot, Snapshot) else load(snapshot)
        return cls(state=snap.restore(world, days))

"""Mesa agents over the array populations: the arrays stay the single source of truth.

* `MunicipalityAgent` and `LocationAgent` are registered `mesa.Agent`s (a few hundred objects),
  one per row; their attributes read (and a few write) their row. Their behaviour is class-level
  and vectorised: they inherit the rules of `agents.municipalities.MunicipalityRules` and
  `agents.locations.LocationRules`, which act on all rows in one call, and the Mesa face hands
  these classes to the rulebook, so the rules a `ReceptionModel` day runs are theirs.
* `ApplicantAgent` is one person, made on demand and never registered (a run holds tens of
  thousands of people); `ApplicantSet` is a Mesa `AgentSet` that keeps such views alive.

A view finds its arrays through ``model.state`` (``people``, ``locs``, ``munis``, ``log``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from random import Random
from typing import Any

import mesa
from mesa.agentset import AgentSet
import numpy as np

from agents.applicants import Flag, Stage, Track
from agents.locations import Kind, Life, LocationRules
from agents.moves import Reason
from agents.municipalities import MunicipalityRules


class LocationAgent(LocationRules, mesa.Agent):
    """A reception location (row `index` of the location arrays)."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _locs(self):
        return self.model.state.locs

    name = property(lambda self: self._locs.names[self.index])
    kind = property(lambda self: Kind(int(self._locs.kind[self.index])).name.lower())
    life = property(lambda self: Life(int(self._locs.life[self.index])).name.lower())
    municipality = property(lambda self: int(self._locs.municipality[self.index]))
    occupancy = property(lambda self: int(self._locs.occupancy[self.index]))
    children = property(lambda self: int(self._locs.children[self.index]))
    contract_end_day = property(lambda self: int(self._locs.contract_end[self.index]))
    synthetic = property(lambda self: bool(self._locs.synthetic[self.index]))

    @property
    def places(self) -> int:
        """Usable places today (0 unless open)."""
        L = self._locs
        return int(L.capacity[self.index] + L.extra[self.index]) if L.life[self.index] == Life.OPEN else 0

    @property
    def capacity(self) -> int:
        """Normal places (persons)."""
        return int(self._locs.capacity[self.index])

    @capacity.setter
    def capacity(self, value: int) -> None:
        self._locs.capacity[self.index] = value


class MunicipalityAgent(MunicipalityRules, mesa.Agent):
    """A municipality (row `index` of the municipality arrays)."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _m(self):
        return self.model.state.munis

    code = property(lambda self: self._m.codes[self.index])
    name = property(lambda self: self._m.names[self.index])
    population = property(lambda self: int(self._m.population[self.index]))
    housing_target = property(lambda self: int(self._m.target[self.index]))
    housed_this_half_year = property(lambda self: int(self._m.housed[self.index]))
    housed_total = property(lambda self: int(self._m.housed_total[self.index]))
    waiting = property(lambda self: int(self._m.waiting[self.index]))   # linked, waiting for a home (persons)
    willingness = property(lambda self: float(self._m.willingness[self.index]))   # to host places, 0..1

    @property
    def backlog(self) -> int:
        """Persons still to house this half-year (target incl. carry-over minus housed)."""
        return int(self._m.target[self.index] - self._m.housed[self.index])

    @property
    def supply_factor(self) -> float:
        """Housing supply relative to the population key."""
        return float(self._m.supply_factor[self.index])

    @supply_factor.setter
    def supply_factor(self, value: float) -> None:
        self._m.supply_factor[self.index] = value


@dataclass(frozen=True)
class Step:
    """One entry of an applicant's path."""

    day: int
    origin: int        # location index, -1 = none
    destination: int   # location index, -1 = none
    reason: str
    km: float


class ApplicantAgent(mesa.Agent):
    """One person (row `person` of the person arrays), read live from their household's row.

    Made on demand and deliberately not registered with the model (`mesa.Agent.__init__` would
    add it to ``model.agents`` for good): it lives as long as you hold it or an `ApplicantSet`
    holding it. Read-only: households change only through the rules. `unique_id` is None.
    """

    def __init__(self, model: mesa.Model, person: int, household: int) -> None:
        self.model = model
        self.unique_id = None
        self.pos = None
        self.person = person
        self.household = household

    @classmethod
    def of(cls, model: mesa.Model, person: int) -> ApplicantAgent:
        """The view of one person; IndexError if there is no such person."""
        p = model.state.people
        if not 0 <= person < p.n_persons:
            raise IndexError(f"no person {person} (0 … {p.n_persons - 1})")
        return cls(model, int(person), int(p.household_of(person)))

    def __repr__(self) -> str:
        return f"ApplicantAgent(person={self.person}, household={self.household}, stage={self.stage!r})"

    def _row(self, name: str) -> int:
        return int(self.model.state.people._h[name][self.household])

    minor = property(lambda self: bool(self.model.state.people.is_minor(self.person)))
    household_size = property(lambda self: self._row("size"))
    children = property(lambda self: self._row("children"))
    unaccompanied_minor = property(lambda self: bool(self._row("flags") & Flag.UNACCOMPANIED_MINOR))
    vulnerable = property(lambda self: bool(self._row("flags") & Flag.VULNERABLE))
    group = property(lambda self: self._row("group"))
    track = property(lambda self: Track(self._row("track")).name.lower())
    stage = property(lambda self: Stage(self._row("stage")).name.lower())
    location = property(lambda self: self._row("location"))            # -1: no bed
    municipality = property(lambda self: self._row("municipality"))    # linked municipality, -1: none
    arrival_day = property(lambda self: self._row("arrival_day"))
    stage_since_day = property(lambda self: self._row("stage_day"))
    moves = property(lambda self: self._row("moves"))

    @property
    def path(self) -> tuple[Step, ...]:
        """The household's bed changes so far, in order, with their reasons (the move log)."""
        log = self.model.state.log
        rows = np.flatnonzero(log.household == self.household)
        days, km = log.days_of(rows), log.km_of(rows)
        return tuple(Step(int(days[i]), int(log.origin[r]), int(log.destination[r]),
                          Reason(int(log.reason[r])).name.lower(), float(km[i])) for i, r in enumerate(rows))


class ApplicantSet(AgentSet):
    """A Mesa `AgentSet` of applicant views that keeps its views alive.

    Mesa's AgentSet holds weak references (registered agents are kept alive by the model);
    views made on demand have no other owner, so this set holds them too. `select`, `groupby`,
    `sort`, `shuffle` and copies return `ApplicantSet`s; `get`, `agg`, `map`, `count` work as on
    any AgentSet. `set` fails: the views are read-only.
    """

    def __init__(self, agents: Iterable[ApplicantAgent], random: Random | None = None) -> None:
        self._views = list(agents)
        super().__init__(self._views, random)

    def _update(self, agents: Iterable[ApplicantAgent]) -> ApplicantSet:
        self._views = list(agents)
        return super()._update(self._views)

    def add(self, agent: ApplicantAgent) -> None:
        if agent not in self:
            self._views.append(agent)
        super().add(agent)

    def discard(self, agent: ApplicantAgent) -> None:
        if agent in self:
            self.remove(agent)

    def remove(self, agent: ApplicantAgent) -> None:
        super().remove(agent)
        self._views.remove(agent)

    def shuffle(self, inplace: bool = False) -> ApplicantSet:
        out = super().shuffle(inplace)
        return out if inplace else ApplicantSet(out, self.random)

    def sort(self, key: Callable[[ApplicantAgent], Any] | str, ascending: bool = False,
             inplace: bool = False) -> ApplicantSet:
        out = super().sort(key, ascending, inplace)
        return out if inplace else ApplicantSet(out, self.random)

"""Thin Mesa agent views over single rows of the array populations.

Municipalities and locations are registered `mesa.Agent`s (a few hundred objects) whose
attributes read and write their row; an `Applicant` view is made on demand for inspection, never
registered (a run holds tens of thousands of people). The arrays stay the single source of truth.
A view finds its arrays through ``model.state`` (``people``, ``locs``, ``munis``, ``log``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from agents.applicants import Flag, Stage, Track
from agents.locations import Kind, Life
from agents.moves import Reason


class LocationAgent(mesa.Agent):
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
    synthetic = property(lambda self: bool(self._locs.synthetic[self.index]))

    @property
    def places(self) -> int:
        """Usable places today (0 unless open)."""
        L = self._locs
        return int(L.capacity[self.index] + L.extra[self.index]) if L.life[self.index] == Life.OPEN else 0

    @property
    def capacity(self) -> int:
        return int(self._locs.capacity[self.index])

    @capacity.setter
    def capacity(self, value: int) -> None:
        self._locs.capacity[self.index] = value


class MunicipalityAgent(mesa.Agent):
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

    @property
    def backlog(self) -> int:
        """Persons still to house this half-year (target incl. carry-over minus housed)."""
        return int(self._m.target[self.index] - self._m.housed[self.index])

    @property
    def supply_factor(self) -> float:
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


@dataclass(frozen=True)
class Applicant:
    """A read-only view of one person: their household's state and path so far."""

    person: int
    household: int
    minor: bool
    household_size: int
    unaccompanied_minor: bool
    vulnerable: bool
    group: int
    track: str
    stage: str
    location: int
    municipality: int
    arrival_day: int
    stage_since_day: int
    moves: int
    path: tuple[Step, ...]

    @classmethod
    def of(cls, state, person: int) -> Applicant:
        p = state.people
        if not 0 <= person < p.n_persons:
            raise IndexError(f"no person {person} (0 … {p.n_persons - 1})")
        h = int(p.household_of(person))
        log = state.log
        rows = np.flatnonzero(log.household == h)
        days, km = log.days_of(rows), log.km_of(rows)
        path = tuple(Step(int(days[i]), int(log.origin[r]), int(log.destination[r]),
                          Reason(int(log.reason[r])).name.lower(), float(km[i])) for i, r in enumerate(rows))
        flags = int(p.flags[h])
        return cls(person=person, household=h, minor=bool(p.is_minor(person)), household_size=int(p.size[h]),
                   unaccompanied_minor=bool(flags & Flag.UNACCOMPANIED_MINOR),
                   vulnerable=bool(flags & Flag.VULNERABLE), group=int(p.group[h]),
                   track=Track(int(p.track[h])).name.lower(), stage=Stage(int(p.stage[h])).name.lower(),
                   location=int(p.location[h]), municipality=int(p.municipality[h]),
                   arrival_day=int(p.arrival_day[h]), stage_since_day=int(p.stage_day[h]),
                   moves=int(p.moves[h]), path=path)

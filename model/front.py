"""The front of the chain (aanmeldketen): registration capacity, onward placement and the
vulnerability assessments as they stand.

The chain registers `chain.registration_capacity_per_day` persons a day at the registration centre
(Ter Apel) and COA assesses `chain.vulnerability_assessments_per_day` for special reception needs
(kwetsbaarheidstoets). The plan's front ladder adds measures (`model.plan`): extra registration and
screening staff, extra assessment staff, a second registration site with its own registrations per
day (counted while it is open), and onward placement — after `after_days` at the registration
location, screening continues at a process location so the registration bed frees up (as with Budel
in 2022). The rules (`model.rulebook.register`, `move_on_from_registration`, `assess_vulnerability`)
read `FrontCapacity`; the plan adds and removes measures, so scale-down undoes exactly what it did.
The scenario is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.locations import Life
from agents.queues import Calendar


@dataclass
class FrontMeasure:
    """One measure of the plan at the front of the chain, in force from `start_day`."""

    start_day: int
    per_day: float = 0.0               # registrations per day added, persons
    assessments: float = 0.0           # vulnerability assessments per day added, persons
    site: int = -1                     # registration location it belongs to (counts only while open), -1: none
    after_days: int | None = None      # onward placement: days at the registration location first
    cost_per_day_eur: float = 0.0      # fixed cost per day while in force (staff, transport), EUR


@dataclass
class FrontCapacity:
    """The measures in force at the front of the chain, and the households due to move on."""

    measures: list[FrontMeasure] = field(default_factory=list)
    onward_due: Calendar = field(default_factory=Calendar)   # households to move on, by day
    swept: bool = True          # False until those already in screening are scheduled for onward placement

    def add(self, m: FrontMeasure) -> FrontMeasure:
        self.measures.append(m)
        if m.after_days is not None:
            self.swept = False
        return m

    def remove(self, m: FrontMeasure) -> None:
        self.measures = [x for x in self.measures if x is not m]

    def _in_force(self, day: int):
        return (m for m in self.measures if m.start_day <= day)

    def registration_per_day(self, s, day: int) -> float:
        """Persons that can be registered today: the chain's own capacity plus the plan's extra
        staff and the registrations of plan-opened sites that are open."""
        cap = s.params.chain.registration_capacity_per_day
        for m in self._in_force(day):
            if m.site < 0 or s.locs.life[m.site] == Life.OPEN:
                cap += m.per_day
        return cap

    def assessments_per_day(self, s, day: int) -> float:
        """Persons COA can assess for special reception needs today: the chain's own capacity plus
        the plan's extra assessment staff."""
        cap = s.params.chain.vulnerability_assessments_per_day
        for m in self._in_force(day):
            cap += m.assessments
        return cap

    def onward_after(self, day: int) -> int | None:
        """Days at the registration location before screening continues elsewhere (None: it
        stays there for all of screening)."""
        days = [m.after_days for m in self._in_force(day) if m.after_days is not None]
        return min(days) if days else None

    def cost_per_day_eur(self, day: int) -> float:
        return float(sum(m.cost_per_day_eur for m in self._in_force(day)))

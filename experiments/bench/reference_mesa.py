"""The comparator a Mesa user would otherwise write: one `mesa.Agent` per applicant.

It covers the chain subset arrival -> registration -> screening -> IND decision -> housing by a
municipality (permit) or departure (rejection), for single-person households on the regular
track, with the same inputs as noodplan (expected arrivals per day, capacities, recognition
rates, municipal housing targets and supply from the same scenario and world) but none of its
machinery: every applicant is an object with a `step()`, queues are Python lists of agents and
municipalities are plain Python records. Beds are not modelled (they do not change the flows).

Used only by `noodplan bench` and its tests: the statistical check (same aggregate statistics
as noodplan on `reference_scenario()`, an empty start) and the like-for-like speed comparison
(both models on `reference_scenario(days, scale, stock)`, the same stock waiting for a decision
on day 0).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from typing import Any

import mesa
import numpy as np

from model.scenario import Scenario, from_dict
from model.world import World

WAITING, SCREENING, PROCEDURE, PERMIT, REJECTED, HOUSED, DEPARTED = range(7)


def reference_scenario(days: int = 365, scale: float = 1.0, stock: int = 0) -> Scenario:
    """Baseline reduced to the subset both implementations model: singles, regular track only,
    no family reunification, nobody at the border, no Dublin, no appeals, no productivity ramp,
    no search time after the link (housed at the first round with a home), no contingency plan, and
    no moves between beds but placement (no own requests, consolidation or contract ends: the reference
    has no beds).

    `stock`: single applicants already waiting for an IND decision on the start date (regular
    procedure; noodplan seeds them through `initial.entitled_persons` with no permit holders and
    nobody at registration, the reference as agents in its IND line); 0, the default, is an
    empty system (the statistical check). `scale` multiplies everything that sets the flows:
    inflow, registration and decision capacities, reception places (noodplan's beds), housing
    targets and supply; at 1 the scenario is the baseline's. Used for timing at other sizes."""
    data: dict[str, Any] = {
        "extends": "baseline", "name": "reference-subset", "horizon_days": days,
        "initial": {"entitled_persons": int(stock), "permit_holder_share": 0.0, "at_registration_persons": 0},
        "inflow": {"first_applications_per_year": 22100 * scale, "family_reunification_per_year": 0,
                   "household_size_shares": [1.0], "family_household_size_shares": [1.0],
                   "unaccompanied_minor_share_of_singles": 0.0, "border_entry_share": 0.0, "shocks": []},
        "chain": {"dublin_share": 0.0, "accelerated_recognition_max": 0.0, "public_order_risk_share": 0.0,
                  "decision_capacity_ramp": [],
                  "appeal_share": {"regular": 0.0, "accelerated": 0.0, "border": 0.0, "dublin": 0.0},
                  "registration_capacity_per_day": 300 * scale,
                  "decisions_per_day": {"regular": 50 * scale, "accelerated": 0, "border": 0, "dublin": 0},
                  "family_sponsor_in_reception_share": 0.0},
        "housing": {"search_days": [0, 0]},
        "plan": {"enabled": False},
        # no moves between beds the reference has no counterpart of (it has no beds): no own requests, no
        # move to a family location after a rejection,
        # no consolidation of half-empty locations, every contract renewed at its end
        "placement": {"own_request_moves_per_year": 0.0, "consolidate_below_share": 0.0,
                      "family_location_after_rejection": False},
        "portfolio": {"renewal_probability": {k: 1.0 for k in ("central", "border", "process", "regular", "minors",
                                                               "accelerated", "emergency", "crisis")}},
    }
    if scale != 1.0:
        from model.data import housing_targets
        from model.scenario import load_scenario

        base = load_scenario("baseline")
        data["portfolio"]["places"] = {k: round(v * scale) for k, v in base.portfolio.places.items()}
        data["housing"] |= {
            "targets": {k: v * scale for k, v in {**housing_targets(base.country), **base.housing.targets}.items()},
            "default_target_per_half_year": base.housing.default_target_per_half_year * scale,
            "supply_persons_per_year": base.housing.supply_persons_per_year * scale}
    return from_dict(data, source="reference-subset")


def initial_stock(sc: Scenario) -> int:
    """Persons the scenario puts in the regular procedure on day 0, as noodplan seeds them;
    refuses an initial stock with permit holders or people at registration (not modelled here)."""
    ini = sc.initial
    if ini.entitled_persons and (ini.permit_holder_share > 0 or ini.at_registration_persons > 0):
        raise ValueError("the reference seeds an initial stock in procedure only: "
                         "use reference_scenario(stock=...) (no permit holders, nobody at registration)")
    return ini.entitled_persons


class Applicant(mesa.Agent):
    """One person in the chain."""

    def __init__(self, model: ReferenceModel, recognition: float) -> None:
        super().__init__(model)
        self.stage = WAITING
        self.arrival_day = model.day
        self.stage_day = model.day
        self.recognition = recognition
        self.municipality = -1

    def set_stage(self, stage: int) -> None:
        self.stage = stage
        self.stage_day = self.model.day

    def step(self) -> None:
        m = self.model
        if self.stage == SCREENING and m.day - self.stage_day >= m.screening_days:
            self.set_stage(PROCEDURE)
            m.ind_queue.append(self)
        elif self.stage == REJECTED and m.day - self.stage_day >= m.departure_days:
            self.set_stage(DEPARTED)
            m.tally["departed"] += 1
            self.remove()


class ReferenceModel(mesa.Model):
    """Arrivals, registration, screening, decisions, linking and weekly housing, agent by agent."""

    def __init__(self, scenario: Scenario, world: World, seed: int = 0, stock: int | None = None) -> None:
        """`stock`: applicants already waiting for an IND decision on day 0; by default the
        scenario's initial stock (`reference_scenario(stock=...)`), which must then all be in
        procedure, as noodplan seeds it (the statistical check starts empty)."""
        super().__init__(rng=seed)
        sc = scenario
        if stock is None:
            stock = initial_stock(sc)
        self.sc, self.world, self.day = sc, world, 0
        self.gen = np.random.default_rng(seed)
        self.screening_days = sc.chain.screening_days
        self.departure_days = sc.chain.departure_period_days
        self.registration_per_day = sc.chain.registration_capacity_per_day
        self.decisions_per_day = sc.chain.decisions_per_day["regular"]
        self.groups = [(g.share, g.recognition) for g in sc.groups]
        self.reg_queue: deque[Applicant] = deque()
        self.ind_queue: deque[Applicant] = deque()
        self.unlinked: deque[Applicant] = deque()
        m = world.municipalities
        self.share = list(m.share)
        self.supply = list(sc.housing.supply_persons_per_year / 52.0 * m.share * m.supply_factor)
        self.target = [0] * m.n
        self.housed_half = [0] * m.n
        self.linked: list[list[Applicant]] = [[] for _ in range(m.n)]
        self.carry = {"registration": 0.0, "decisions": 0.0}
        self.tally: dict[str, int] = {}
        self.history: list[dict[str, int]] = []
        self._start_half_year(0)
        for _ in range(stock):
            a = Applicant(self, self._recognition())
            a.set_stage(PROCEDURE)
            self.ind_queue.append(a)

    def _capacity(self, name: str, per_day: float, queue: deque[Applicant]) -> int:
        """How many to serve today: as noodplan's `serve` for singles, a fractional capacity
        carries to tomorrow while people are still waiting (no carry over an empty line)."""
        cap = per_day + self.carry[name]
        n = min(int(cap), len(queue))
        self.carry[name] = cap - n if len(queue) > n else 0.0
        return n

    def _recognition(self) -> float:
        u, acc = self.gen.random(), 0.0
        for share, r in self.groups:
            acc += share
            if u < acc:
                return r
        return self.groups[-1][1]

    def _start_half_year(self, day: int) -> None:
        from model.data import half_year

        date = self.world.dates[day]
        period = half_year(date)
        national = self.world.housing_targets.get(period, self.sc.housing.default_target_per_half_year)
        start = date.replace(month=1 if date.month <= 6 else 7, day=1)
        end = start.replace(month=7, day=1) if start.month == 1 else start.replace(year=start.year + 1, month=1)
        national = round(national * (end - date).days / (end - start).days)
        for i, sh in enumerate(self.share):
            carry = self.target[i] - self.housed_half[i]
            self.target[i] = round(national * sh) + carry
            self.housed_half[i] = 0

    def step(self) -> None:
        day, date = self.day, self.world.dates[self.day]
        self.tally = dict(arrivals=0, registered=0, decisions=0, permits=0, rejections=0, housed=0, departed=0)
        # arrivals
        for _ in range(self.gen.poisson(self.world.inflow.first[day])):
            self.reg_queue.append(Applicant(self, self._recognition()))
            self.tally["arrivals"] += 1
        # registration, first come first served
        for _ in range(self._capacity("registration", self.registration_per_day, self.reg_queue)):
            a = self.reg_queue.popleft()
            a.set_stage(SCREENING)
            self.tally["registered"] += 1
        # every applicant looks at its own clock (end of screening, end of departure period)
        self.agents.do("step")
        # IND decisions
        for _ in range(self._capacity("decisions", self.decisions_per_day, self.ind_queue)):
            a = self.ind_queue.popleft()
            self.tally["decisions"] += 1
            if self.gen.random() < a.recognition:
                a.set_stage(PERMIT)
                self.unlinked.append(a)
                self.tally["permits"] += 1
            else:
                a.set_stage(REJECTED)
                self.tally["rejections"] += 1
        # half-years, linking to municipalities with room in their target, weekly housing
        if day > 0 and date.day == 1 and date.month in (1, 7):
            self._start_half_year(day)
        if self.unlinked:
            quota = [max(self.target[i] - self.housed_half[i] - len(self.linked[i]), 0)
                     for i in range(len(self.target))]
            total = sum(quota)
            if total > 0:
                cum = np.cumsum(quota) / total
                while self.unlinked and total > 0:
                    a = self.unlinked.popleft()
                    i = min(int(np.searchsorted(cum, self.gen.random(), side="right")), len(quota) - 1)
                    a.municipality = i
                    self.linked[i].append(a)
                    total -= 1
        if date.weekday() == 0:
            for i, waiting in enumerate(self.linked):
                homes = self.gen.poisson(self.supply[i])
                while waiting and homes > 0:
                    a = waiting.pop(0)
                    a.set_stage(HOUSED)
                    self.housed_half[i] += 1
                    homes -= 1
                    self.tally["housed"] += 1
                    a.remove()
        self.history.append(self.tally)
        self.day += 1

    def population(self) -> int:
        return len(self.agents)


def run_reference(scenario: Scenario, world: World, seed: int = 0, days: int | None = None,
                  stock: int | None = None) -> ReferenceModel:
    m = ReferenceModel(scenario, world, seed, stock)
    for _ in range(days or scenario.horizon_days):
        m.step()
    return m


def monthly(history: list[dict[str, int]], start: dt.date) -> dict[str, np.ndarray]:
    """Sum daily tallies by calendar month."""
    months = np.array([(start + dt.timedelta(days=i)).month + 12 * (start + dt.timedelta(days=i)).year
                       for i in range(len(history))])
    _, idx = np.unique(months, return_inverse=True)
    return {k: np.bincount(idx, weights=[h[k] for h in history]) for k in history[0]}

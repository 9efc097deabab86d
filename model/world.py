"""The world a run starts from: municipalities, the regional network and the location portfolio.

`build_world(scenario)` reads the packaged data once; every run copies the mutable parts
(`fresh_locations`, `fresh_municipalities`) so one world serves many runs.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from dataclasses import dataclass, field

import numpy as np

from agents.locations import Locations
from agents.municipalities import Municipalities
from model import data
from model.inflow import InflowPlan, before_start, expected_inflow, year_before_mean
from model.network import RegionalNetwork, build_network
from model.portfolio import build_portfolio
from model.scenario import Scenario


@dataclass
class World:
    scenario: Scenario
    dates: list[dt.date]               # calendar date of each simulated day
    provinces: list[str]               # province names (index = province id)
    regions: list[str]                 # safety-region names (index = region id)
    municipalities: Municipalities     # template, copied per run
    locations: Locations               # template, copied per run
    location_province: np.ndarray      # province id per location
    network: RegionalNetwork
    inflow: InflowPlan
    housing_targets: dict[str, int]    # national target per half-year (published or scenario)
    first_before: np.ndarray           # expected first applicants per day, 1 January of the year before the
                                       # start to the day before it (the scenario's inflow source: `ind_budget`)
    built: World | None = field(default=None, repr=False, compare=False)
    # the world built from the scenario when this one is a run's own copy of it with a re-planned inflow
    # (`model.events._replan_inflow`); a snapshot refers to the built world and keeps what the copy changed

    @functools.cached_property
    def ind_budget(self) -> np.ndarray:
        """First applications per day the IND is budgeted to decide, per day of the world: in calendar
        year Y the mean expected first applicants per day of the year before (`inflow.first`, and
        `first_before` for the days before the start). Read under `chain.decision_capacity_rule:
        budget` (`model.rulebook.serve_ind`). The IND is a labour-capacity organisation financed on
        the multi-year production forecast (MPP), set each autumn for the next year's operational
        planning (Kamerstuk 19 637 nr. 2119, 2016; Aanhangsel Handelingen 2023-2024 nr. 1704; IND
        news 4 July 2022); hearing and deciding staff take 9-12 months to hire and train (IND news
        15 December 2021), so capacity follows the arrivals of the year before, not the backlog of
        the day (docs/forecast.md, *IND capacity that follows its budget*). Computed once per world
        (a world whose inflow is replaced, e.g. a forecast member's path, computes its own)."""
        return year_before_mean(self.dates, self.inflow.first, self.first_before)

    def fresh_locations(self) -> Locations:
        return copy.deepcopy(self.locations)

    def fresh_municipalities(self) -> Municipalities:
        return copy.deepcopy(self.municipalities)


def build_world(sc: Scenario, monthly_inflow: dict | None = None) -> World:
    table = data.municipalities(sc.country)
    keep = np.arange(len(table.codes))
    if sc.provinces:      # names checked when the scenario was loaded (model.scenario.check_runnable)
        keep = np.array([i for i, p in enumerate(table.province) if p in sc.provinces])
    codes = [table.codes[i] for i in keep]
    names = [table.names[i] for i in keep]
    prov_names = [table.province[i] for i in keep]
    reg_names = [table.region_name[i] for i in keep]
    provinces = sorted(set(prov_names))
    regions = sorted(set(reg_names))
    prov_idx = np.array([provinces.index(p) for p in prov_names])
    reg_idx = np.array([regions.index(r) for r in reg_names])
    population = table.population[keep]

    order, dist = data.distance_km(sc.country)
    pos = {c: i for i, c in enumerate(order)}
    sel = np.array([pos[c] for c in codes])
    dist = np.ascontiguousarray(dist[np.ix_(sel, sel)])
    network = build_network(codes, names, prov_idx, len(provinces), [table.region_code[i] for i in keep],
                            data.adjacency(sc.country), dist)

    rng = np.random.default_rng(sc.portfolio.seed + 1)
    ability = rng.lognormal(-0.5 * sc.housing.supply_spread ** 2, sc.housing.supply_spread, len(codes))
    mb = sc.municipalities
    willing = np.clip(rng.normal(mb.willingness_mean, mb.willingness_spread, len(codes)), 0.0, 1.0)
    key = population / table.population.sum()      # Spreidingswet key: population share (no SES correction)
    munis = Municipalities(codes, names, population, prov_idx, reg_idx, table.lat[keep], table.lon[keep],
                           supply_factor=ability, willingness=willing,
                           reception_target=mb.spreidingswet_places * key)
    locs = build_portfolio(sc, names, prov_names, reg_names, population)
    dates = [sc.start_date + dt.timedelta(days=i) for i in range(sc.horizon_days)]
    if monthly_inflow is None and sc.inflow.monthly_series:
        monthly_inflow = data.monthly_inflow(sc.country, sc.inflow.monthly_series)
    targets = {**data.housing_targets(sc.country), **{k: int(v) for k, v in sc.housing.targets.items()}}
    before = expected_inflow(sc, before_start(sc.start_date), monthly_inflow, names).first
    return World(sc, dates, provinces, regions, munis, locs, prov_idx[locs.municipality].astype(np.int16),
                 network, expected_inflow(sc, dates, monthly_inflow, names), targets, before)


RUN_ONLY_FIELDS = frozenset({"horizon_days", "seed"})   # scenario fields a world does not depend on


def serves(built: Scenario, wanted: Scenario) -> bool:
    """May a world built for `built` serve `wanted`? Only when they differ at most in seed and
    a shorter horizon (the world holds the portfolio, the network and the inflow plan)."""
    if built.horizon_days < wanted.horizon_days:
        return False
    return built.model_dump(exclude=set(RUN_ONLY_FIELDS)) == wanted.model_dump(exclude=set(RUN_ONLY_FIELDS))


def difference(a: Scenario, b: Scenario) -> str:
    """Why a world built for `a` does not serve `b`: the top-level sections in which the two
    scenarios differ (seed aside), as a short phrase."""
    da, db = a.model_dump(exclude={"seed"}), b.model_dump(exclude={"seed"})
    fields = [k for k in da if da[k] != db[k] and (k != "horizon_days" or b.horizon_days > a.horizon_days)]
    if fields == ["horizon_days"]:
        return f"horizon_days {b.horizon_days} is longer than the world's {a.horizon_days}"
    shown = ", ".join(fields[:4]) + (", …" if len(fields) > 4 else "")
    return f"{shown} {'differs' if len(fields) == 1 else 'differ'}" if fields else "no difference"

"""Shared pieces of the sweep tests (no tests here): a small real world, design files, and toy
models that worker processes can import by name."""

from __future__ import annotations

import os
import time
from pathlib import Path

import yaml

# A small northern world (Groningen, Drenthe, Friesland: ~10 % of the Dutch population) with
# tight capacity, so that beds run short and the plan climbs within a few weeks.
NORTH = {
    "extends": "baseline", "name": "north", "horizon_days": 40,
    "provinces": ["Groningen", "Drenthe", "Friesland"],
    "initial": {"entitled_persons": 5000, "permit_holder_share": 0.25, "at_registration_persons": 300},
    "inflow": {"first_applications_per_year": 9000, "family_reunification_per_year": 1500},
    "housing": {"supply_persons_per_year": 3000},
    "portfolio": {"places": {"central": 900, "border": 0, "process": 300, "regular": 2800, "minors": 200,
                             "accelerated": 200, "emergency": 700, "crisis": 0}, "reserve_places": 200,
                  "include_named_locations": False},
    "municipalities": {"spreidingswet_places": 9600},
}


def write_world(folder: Path) -> Path:
    path = folder / "north.yaml"
    path.write_text(yaml.safe_dump(NORTH), encoding="utf-8")
    return path


def write_design(folder: Path, **changes) -> Path:
    """A small design on the northern world: 4 LHS points x 2 seeds (8 runs of 40 days)."""
    write_world(folder)
    design = {
        "name": "north-test", "scenario": "north.yaml",
        "parameters": [
            {"path": "housing.supply_persons_per_year", "uniform": [1000, 6000], "name": "housing"},
            {"path": "plan.phases.2.activate.1.above", "values": [50, 400], "name": "noodopvang_at_unsheltered"},
        ],
        "sampler": {"method": "lhs", "samples": 4, "seed": 3},
        "replicates": 2,
        "outputs": {"kpis": ["unsheltered_person_nights", "peak_unsheltered", "max_phase", "cost_million_eur",
                             "moves_per_person"],
                    "daily": ["unsheltered", "phase"]},
    }
    design.update(changes)
    path = folder / "design.yaml"
    path.write_text(yaml.safe_dump(design, sort_keys=False), encoding="utf-8")
    return path


# ---- toy models: module-level, so worker processes import them by name ------------------------

class Linear:
    """y = 1 a + 2 b + 3 c (no noise). With a, b, c uniform on [0, 1] each has variance 1/12, so
    the Sobol indices are S_i = ST_i = w_i^2 / sum(w^2) = 1/14, 4/14, 9/14 (no interactions)."""

    kpis = ("y",)

    def __call__(self, values, seed):
        return {"y": values["a"] + 2 * values["b"] + 3 * values["c"]}, None


class Slow:
    """A toy run that takes `seconds` and returns its inputs: for interrupting sweeps mid-way."""

    kpis = ("y", "pid")

    def __init__(self, seconds: float = 0.2) -> None:
        self.seconds = seconds

    def __call__(self, values, seed):
        time.sleep(self.seconds)
        return {"y": values["a"] * 10 + seed, "pid": os.getpid()}, None


class Failing:
    """Raises for one value of `a` (below 0.25), like a run whose inputs make no sense."""

    kpis = ("y",)

    def __call__(self, values, seed):
        if values["a"] < 0.25:
            raise ValueError(f"a = {values['a']:.3f} is too small for this toy")
        return {"y": values["a"] + seed}, None


TOY_PARAMETERS = [   # real scenario paths (the design is checked against the scenario); the toys ignore them
    {"path": "housing.supply_spread", "uniform": [0, 1], "name": "a"},
    {"path": "inflow.vulnerable_share", "uniform": [0, 1], "name": "b"},
    {"path": "inflow.seasonality_amplitude", "uniform": [0, 1], "name": "c"},
]


def toy_design(**changes) -> dict:
    d = {"name": "toy", "scenario": "baseline", "parameters": TOY_PARAMETERS,
         "sampler": {"method": "lhs", "samples": 16, "seed": 1}}
    d.update(changes)
    return d


class Corner:
    """1 when a > 0.7 and b < 0.4 (a corner holding 0.3 x 0.4 = 12 % of the unit square), else 0:
    the box PRIM should find."""

    kpis = ("y",)

    def __call__(self, values, seed):
        return {"y": float(values["a"] > 0.7 and values["b"] < 0.4)}, None

"""Prognosis: an ensemble of runs ahead from one origin, and what planners (and the plan) read of it.

`prognose(start, days, members, seed)` runs `members` continuations of a start for `days` days
after its origin and returns their daily figures (`Prognosis`). Members differ in what is not
known at the origin:

* their random streams (arrivals, housing) are fresh, one spawned `SeedSequence` per member;
* from a state taken out of a run (`FromSnapshot`), the keys that decide each household's future
  (permit or not, departure route, transfer, link; `agents.keyed`) are redrawn: the run's own keys
  would carry its future into the forecast;
* from a scenario (`experiments.forecast.origins.FromScenario`, a start built from recorded
  figures), each member draws its own initial stock;
* with `inflow_multipliers`, each member's expected arrivals from the origin on are multiplied by
  its own path (inflow uncertainty).

Members see the same world (network, portfolio, inflow plan) otherwise. The result does not
depend on anything but the start, `days`, `members`, `seed` and the multipliers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from agents.locations import KIND_NAMES
from model.metrics import Recorder
from model.rulebook import run_day
from model.scenario import MAX_DAYS, MAX_SEED, ScenarioError, check_callback, shown, whole_argument
from model.snapshot import Snapshot
from model.state import STREAM_KEYS, State
from model.world import World

_INT63 = np.iinfo(np.int64).max


@runtime_checkable
class Start(Protocol):
    """Where the members of a prognosis start: a world, the day the forecast begins (`origin_day`,
    a day index of the world) and a state per member (on or before the origin day)."""

    world: World

    @property
    def origin_day(self) -> int: ...

    def member(self, world: World, seq: np.random.SeedSequence) -> State: ...


@dataclass
class FromSnapshot:
    """Members go on from a captured state (fresh streams, keys redrawn unless `rekey` is off).
    `policy` keeps the plan and the regimes acting in the members; without it the chain runs as
    it stands (what happens if nothing more is decided)."""

    snapshot: Snapshot
    world: World
    rekey: bool = True
    policy: bool = True
    mid_day: bool = False          # captured during its day (by the plan): members finish that day first

    @property
    def origin_day(self) -> int:
        return self.snapshot.day + self.mid_day

    def member(self, world: World, seq: np.random.SeedSequence) -> State:
        s = self.snapshot.restore(world)
        streams, keys = seq.spawn(2)
        reseed(s, streams)
        if self.rekey:
            rekey(s, np.random.default_rng(keys))
        if not self.policy:
            s.extensions = []
        if self.mid_day:                   # the day's rules have run; the day is recorded and closed
            if s.recorder is not None:
                s.recorder.record(s, s.day)
            s.day += 1
        return s


def reseed(s: State, seq: np.random.SeedSequence) -> None:
    """Fresh random streams: a new key for every stream of day draws of the state
    (`model.state.STREAM_KEYS`, by field name, so the result does not depend on the order fields
    were declared in)."""
    names = sorted(STREAM_KEYS)
    for name, child in zip(names, seq.spawn(len(names))):
        setattr(s, name, int(child.generate_state(1, np.uint64)[0]))


def rekey(s: State, rng: np.random.Generator) -> None:
    """New keys for every household, and a new stream of municipal answers: their future keyed
    draws become unknown again."""
    n = s.people.n
    s.people._h["key"][:n] = rng.integers(0, _INT63, size=n, dtype=np.int64).view(np.uint64)
    s.answer_key = int(rng.integers(0, _INT63))     # and the municipalities' answers to requests


def scaled_inflow(world: World, origin_day: int, multiplier: np.ndarray) -> World:
    """The world with its expected arrivals (first applicants and family members) multiplied by
    `multiplier[d]` on day `origin_day + d`; everything else shared."""
    inflow = world.inflow
    first, family = inflow.first.copy(), inflow.family.copy()
    end = min(len(first), origin_day + len(multiplier))
    first[origin_day:end] *= multiplier[: end - origin_day]
    family[origin_day:end] *= multiplier[: end - origin_day]
    return dataclasses.replace(world, inflow=dataclasses.replace(inflow, first=first, family=family))


@dataclass
class Prognosis:
    """Daily figures of each member from the origin on: arrays (member, day[, kind | province])."""

    origin_day: int
    dates: list                     # calendar date of each forecast day
    population: np.ndarray          # persons entitled to reception (in a bed or not)
    permit_holders: np.ndarray      # permit holders in reception waiting for a home
    unsheltered: np.ndarray         # entitled, without a bed
    occupancy_by_kind: np.ndarray   # persons in a bed, per location kind
    capacity_by_kind: np.ndarray    # usable places in open locations, per kind
    occupancy_by_province: np.ndarray
    capacity_by_province: np.ndarray
    provinces: list[str]
    kinds: list[str]

    @property
    def members(self) -> int:
        return self.population.shape[0]

    def places_needed(self, occupancy: float) -> dict[str, np.ndarray]:
        """Places needed to house everyone at `occupancy` (persons per place, e.g. 0.95): nationally
        (everyone entitled, in a bed or not), per kind and per province (those in a bed there),
        and for those without a bed (not attributed to a kind or province)."""
        if not 0 < occupancy <= 1:
            raise ValueError(f"occupancy: must be in (0, 1], got {occupancy}")
        return {"national": self.population / occupancy, "by_kind": self.occupancy_by_kind / occupancy,
                "by_province": self.occupancy_by_province / occupancy, "no_bed": self.unsheltered / occupancy}

    def shortfall(self, occupancy: float) -> np.ndarray:
        """Places needed nationally minus usable places, per member and day (persons; < 0: room)."""
        return self.population / occupancy - self.capacity_by_kind.sum(axis=2)


def band(values: np.ndarray, q: float | list[float]) -> np.ndarray:
    """Quantiles over members (axis 0) at the Weibull plotting position k/(n+1): for members and
    a truth drawn alike, the truth falls below the k-th of n members with chance k/(n+1), so a
    [5 %, 95 %] band covers it 90 % of the time whatever n (from n >= 19 on; with fewer members it
    is the range of the members, which covers (n-1)/(n+1))."""
    return np.quantile(values, q, axis=0, method="weibull")


FIGURES = ("population", "permit_holders", "unsheltered", "kind_occ", "kind_cap", "prov_occ", "prov_cap")

# One member's part of a prognosis: its seed sequence and its row of inflow multipliers (None: none)
MemberTask = tuple[np.random.SeedSequence, np.ndarray | None]
# How the members are run: given the start, the days and the tasks, each member's figures in order
# (default: one after another in this process; `experiments.forecast.ensemble` runs them on a pool)
RunMembers = Callable[[Start, int, list[MemberTask]], Iterator[dict[str, np.ndarray]]]


def run_member(start: Start, days: int, task: MemberTask) -> dict[str, np.ndarray]:
    """One member: the start's state for the member's seed (and inflow multipliers), run to `days`
    days after the origin; its daily figures from the origin on (`FIGURES`). Depends on nothing
    but its arguments, so members can run in any order or process."""
    seq, multiplier = task
    w, origin = start.world, start.origin_day
    end = origin + days
    world = w if multiplier is None else scaled_inflow(w, origin, multiplier)
    s = start.member(world, seq)
    s.sc.horizon_days = max(s.sc.horizon_days, end)
    r: Recorder = s.recorder         # type: ignore[assignment]   # State.recorder is untyped (model/state.py)
    r.extend(end)
    while s.day < end:
        run_day(s)
    x = r.scalars
    return {"population": x["population"][origin:end].copy(),
            "permit_holders": x["permit_holders_waiting"][origin:end].copy(),
            "unsheltered": x["unsheltered"][origin:end].copy(),
            "kind_occ": r.kind_occupancy[origin:end].copy(), "kind_cap": r.kind_capacity[origin:end].copy(),
            "prov_occ": r.province_occupancy[origin:end].copy(), "prov_cap": r.province_capacity[origin:end].copy()}


def one_after_another(start: Start, days: int, tasks: list[MemberTask]) -> Iterator[dict[str, np.ndarray]]:
    """Run the members in this process, in order."""
    return (run_member(start, days, task) for task in tasks)


def prognose(start: Start, days: int, members: int, seed: int,
             inflow_multipliers: np.ndarray | None = None,
             progress: Callable[[int, int], None] | None = None,
             run_members: RunMembers = one_after_another) -> Prognosis:
    """Run `members` members from `start` for `days` days after its origin.

    `inflow_multipliers` (member, day) scales each member's expected arrivals from the origin on
    (`scaled_inflow`). The world must cover the origin plus `days` (see `Snapshot.restore`'s
    `horizon_days` and `model.world.build_world`). `run_members` runs them (one after another
    here, or on a pool of processes: the result is the same, member for member)."""
    whole_argument("days", days, 1, MAX_DAYS)
    whole_argument("members", members, 1, 1_000_000)
    whole_argument("seed", seed, 0, MAX_SEED)
    if not isinstance(start, Start):
        raise ScenarioError(f"start: where the members start (a prognosis.Start: FromSnapshot, an origin's start), "
                            f"not {type(start).__name__} {shown(start)}")
    check_callback("progress", progress, "a function of (members done, members)", 2)
    w, origin = start.world, start.origin_day
    end = origin + days
    if end > len(w.dates):
        raise ScenarioError(f"days: the world covers {len(w.dates)} days, the prognosis needs {end}")
    if inflow_multipliers is not None:
        check_multipliers(inflow_multipliers, members)
    seqs = np.random.SeedSequence(seed).spawn(members)
    tasks: list[MemberTask] = [(seq, None if inflow_multipliers is None else inflow_multipliers[i])
                               for i, seq in enumerate(seqs)]
    figures: dict[str, list[np.ndarray]] = {k: [] for k in FIGURES}
    for i, got in enumerate(run_members(start, days, tasks)):
        for k in FIGURES:
            figures[k].append(got[k])
        if progress is not None:
            progress(i + 1, members)
    f = {k: np.array(v) for k, v in figures.items()}
    return Prognosis(origin, list(w.dates[origin:end]), f["population"], f["permit_holders"], f["unsheltered"],
                     f["kind_occ"], f["kind_cap"], f["prov_occ"], f["prov_cap"], list(w.provinces), list(KIND_NAMES))


def check_multipliers(m: object, members: int) -> None:
    """`inflow_multipliers` of `prognose`: a 2-d NumPy array of finite numbers of at least 0 (factors,
    no unit), one row per member; else one ScenarioError line."""
    if not isinstance(m, np.ndarray) or m.ndim != 2 or m.dtype.kind not in "iuf":
        raise ScenarioError(f"inflow_multipliers: a 2-d NumPy array of numbers (member, day), "
                            f"not {type(m).__name__} {shown(m)}")
    if m.shape[0] != members:
        raise ScenarioError(f"inflow_multipliers: one row per member ({members}), got {m.shape[0]}")
    if not (np.isfinite(m).all() and (m >= 0).all()):
        raise ScenarioError("inflow_multipliers: finite factors of at least 0 (got NaN, infinity or a negative)")


def recent_inflow(world: World, day: int, window_days: int, arrived_per_day: float) -> World:
    """The world with expected arrivals from `day + 1` on at `arrived_per_day` persons (what arrived
    per day over the last `window_days`), split between first applicants and family members as the
    inflow plan split them over that window: the persistence assumption, without knowledge of the
    plan's future (a shock scheduled later stays unknown)."""
    lo = max(0, day - window_days)
    inflow = world.inflow
    first, family = inflow.first.copy(), inflow.family.copy()
    f, g = float(first[lo:day + 1].mean()), float(family[lo:day + 1].mean())
    share = f / (f + g) if f + g > 0 else 1.0
    first[day + 1:] = arrived_per_day * share
    family[day + 1:] = arrived_per_day * (1 - share)
    return dataclasses.replace(world, inflow=dataclasses.replace(inflow, first=first, family=family))


def persons_ahead(s: State, day: int, days: int, members: int, window_days: int, quantile: float) -> float:
    """The plan's prognosis (`prognosis_shortfall`, model/plan.py): persons entitled to reception
    `days` days after today by `members` runs from the state as it is during day `day` (captured,
    so the run goes on untouched), at `quantile` over the members. Members have no plan or regimes
    (the chain as it stands), fresh streams and household keys from the run's seed and the day
    (deterministic), and arrivals at the rate of the last `window_days` days."""
    from model.snapshot import capture

    assert s.recorder is not None, "persons_ahead reads the run's recorded arrivals"
    x = s.recorder.scalars
    lo = max(0, day - window_days)
    arrived = float(x["arrivals"][lo:day].mean()) if day > lo else 0.0
    world = recent_inflow(s.world, day, window_days, arrived)
    start = FromSnapshot(capture(s), world, policy=False, mid_day=True)
    seed = int(np.random.SeedSequence([int(s.seed or 0), day, 0x50524F47]).generate_state(1)[0])
    p = prognose(start, days, members, seed)
    return float(band(p.population[:, -1], quantile))

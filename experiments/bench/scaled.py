"""What a run axis could buy at best: k runs' people in one world, timed against one run.

A batched engine (issue 15) would advance k runs of a scenario in one state: one set of NumPy
calls a day for all of them, but k times the people, lines, placements and locations. Its cost
is bounded from below by the cost of one run of a world that holds what the k runs hold
together — the same per-person work, the per-call work paid once — plus what the run axis adds
(per-run budgets, per-run orders), which this does not count. So `scaled(sc, k)` costing c times
one run of `sc` says a batch of k cannot cost less than about c times one run on today's rules.

`scaled(sc, k)` is a **synthetic** world (its name says so): the scenario with k times its
initial stock, inflow, chain capacities, housing targets and supply, Spreidingswet places and
reception places (location sizes kept, so k times the locations), the named locations left out
(they are single real places) and the contingency plan off (its actions are sized for one
country; k runs would each have their own plan).

    python -m experiments.bench.scaled --k 16 --days 365      # ratio, alternated, per-rule split
    python -m experiments.bench.scaled --plot docs/img/run-axis-bound.png --ks 1,4,16,64

The plot is the bench's cost per day against persons changing state that day, one series per k:
how a day's cost would grow with the transitions of a batch of k, at best.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from pathlib import Path

from experiments.bench.floor import count_day
from experiments.bench.measure import Setup, time_headless, time_per_day, time_per_rule
from experiments.bench.plot import plot_cost_per_day
from model.scenario import Scenario, ScenarioError, load_scenario, with_changes
from model.world import build_world


def scaled(sc: Scenario, k: int) -> Scenario:
    """`sc` with k times its people, flows, capacities and places, the plan off (synthetic)."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ScenarioError(f"k: {k!r} is not a whole number of at least 1 (how many runs' people)")
    targets = {**build_world(sc).housing_targets, **sc.housing.targets}
    c, h, p = sc.chain, sc.housing, sc.portfolio
    changes: dict[str, Any] = {
        "name": f"{sc.name}-x{k}-synthetic",
        "plan.enabled": False,
        "initial.entitled_persons": sc.initial.entitled_persons * k,
        "initial.at_registration_persons": sc.initial.at_registration_persons * k,
        "inflow.first_applications_per_year": sc.inflow.first_applications_per_year * k,
        "inflow.family_reunification_per_year": sc.inflow.family_reunification_per_year * k,
        "inflow.shocks": [{**s.model_dump(), "extra_persons_per_day": s.extra_persons_per_day * k}
                          for s in sc.inflow.shocks],
        "chain.registration_capacity_per_day": c.registration_capacity_per_day * k,
        "chain.decisions_per_day": {t: v * k for t, v in dict(c.decisions_per_day).items()},
        "chain.border_procedure_capacity_persons": c.border_procedure_capacity_persons * k,
        "chain.vulnerability_assessments_per_day": c.vulnerability_assessments_per_day * k,
        "chain.moves_up_per_day": c.moves_up_per_day * k,
        "housing.targets": {period: v * k for period, v in targets.items()},
        "housing.default_target_per_half_year": h.default_target_per_half_year * k,
        "housing.supply_persons_per_year": h.supply_persons_per_year * k,
        "portfolio.places": {kind: v * k for kind, v in dict(p.places).items()},
        "portfolio.reserve_places": p.reserve_places * k,
        "portfolio.include_named_locations": False,
        "municipalities.spreidingswet_places": sc.municipalities.spreidingswet_places * k,
    }
    return with_changes(sc, changes)


def _plan_off(scenario: str) -> Scenario:
    """The built-in `scenario` with its contingency plan off: the one run `scaled` is set against."""
    return with_changes(load_scenario(scenario), {"plan.enabled": False})


def compare(scenario: str = "baseline", k: int = 16, days: int = 365, rounds: int = 2,
            seed: int = 1) -> dict[str, Any]:
    """CPU seconds of one run of `scenario` (plan off) and of `scaled(scenario, k)`, alternated
    over `rounds`, with the ratio of each round and each rule's seconds (one more, timed run each)."""
    one = _plan_off(scenario)
    setups = {"one": Setup.of(one, days, seed), f"x{k}": Setup.of(scaled(one, k), days, seed)}
    cpu: dict[str, list[float]] = {name: [] for name in setups}
    for _ in range(rounds):
        for name, setup in setups.items():
            cpu[name].append(time_headless(setup, repeats=1).cpu_runs[0])
    ratios = [big / small for small, big in zip(cpu["one"], cpu[f"x{k}"])]
    rules = {name: time_per_rule(setup, repeats=1) for name, setup in setups.items()}
    return {"scenario": scenario, "k": k, "days": days, "cpu_s": cpu, "ratios": ratios, "rules_s": rules}


def per_day(scenario: str = "baseline", ks: tuple[int, ...] = (1, 4, 16, 64), days: int = 365,
            seed: int = 1) -> dict[int, tuple[Any, Any]]:
    """Per k: (persons changing state each day, CPU seconds each day) of `scaled(scenario, k)`, plan off."""
    one = _plan_off(scenario)
    out = {}
    for k in ks:
        setup = Setup.of(scaled(one, k), days, seed)
        out[k] = (count_day(setup, ops=False).transitions, time_per_day(setup, 1, time.process_time))
    return out


def plot(out: str | Path, scenario: str = "baseline", ks: tuple[int, ...] = (1, 4, 16, 64), days: int = 365) -> Path:
    """The cost-per-day plot of `per_day`, one series per k, written to `out` (PNG)."""
    series = per_day(scenario, ks, days)
    one = series[ks[0]][1].sum() / ks[0]          # seconds of one run's worth at the smallest k
    labels = {k: f"k = {k}: {secs.sum():.1f} s, a run {secs.sum() / one / k:.2f}× a lone run"
              for k, (_, secs) in series.items()}
    return plot_cost_per_day({labels[k]: v for k, v in series.items()}, out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m experiments.bench.scaled", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="baseline", help="built-in scenario (default: baseline)")
    ap.add_argument("--k", type=int, default=16, help="how many runs' people in one world (default: 16)")
    ap.add_argument("--days", type=int, default=365, help="days simulated (default: 365)")
    ap.add_argument("--rounds", type=int, default=2, help="alternated rounds (default: 2)")
    ap.add_argument("--plot", type=Path, default=None,
                    help="write the cost-per-day plot for --ks to this PNG instead (default: no plot)")
    ap.add_argument("--ks", default="1,4,16,64", help="with --plot: the k of each series (default: 1,4,16,64)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    if a.plot is not None:
        try:
            ks = tuple(int(k) for k in a.ks.split(","))
        except ValueError:
            ap.error(f"--ks: {a.ks!r} is not a list of whole numbers such as 1,4,16,64")
        print(f"wrote {plot(a.plot, a.scenario, ks, a.days)} ({time.perf_counter() - t0:.0f} s)")
        return
    r = compare(a.scenario, a.k, a.days, a.rounds)
    big = f"x{a.k}"
    for i, (small, large) in enumerate(zip(r["cpu_s"]["one"], r["cpu_s"][big])):
        print(f"round {i + 1}: one run {small:.2f} s CPU, {a.k} runs' people in one world {large:.2f} s "
              f"({large / small:.2f}×; per run {large / a.k:.3f} s)")
    print(f"per rule, seconds (one / x{a.k}):")
    names = sorted(r["rules_s"][big], key=lambda n: -r["rules_s"][big][n])
    for n in names:
        print(f"  {n:40s} {r['rules_s']['one'].get(n, 0.0):7.3f} {r['rules_s'][big][n]:7.3f}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()

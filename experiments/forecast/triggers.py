"""The plan's two look-ahead triggers compared on paired seeds: `forecast_shortfall` (recent net
inflow extrapolated) against `prognosis_shortfall` (the model's own ensemble, `model/prognosis.py`).

`with_indicator(sc, old, new)` is the scenario with every trigger on `old` reading `new` instead
(same bounds and days), so the two variants differ in nothing else; `compare_triggers` runs both
on the same seeds (`experiments.compare`: common random numbers) and reports when the plan's
phases begin, the nights without a bed and the cost.

    .venv/bin/python -m experiments.forecast.triggers [SCENARIO] [--runs N] [--workers N]
"""

from __future__ import annotations

from experiments.compare import Comparison, compare
from model.scenario import Scenario, ScenarioError, load_scenario


def with_indicator(sc: Scenario, old: str = "forecast_shortfall", new: str = "prognosis_shortfall") -> Scenario:
    """`sc` with every plan trigger on indicator `old` reading `new` (named `<name> (<new>)`)."""
    d = sc.model_dump()
    swapped = 0
    for phase in d["plan"]["phases"]:
        for t in (*phase["activate"], *phase["deactivate"]):
            if t["indicator"] == old:
                t["indicator"] = new
                swapped += 1
    if not swapped:
        raise ScenarioError(f"plan: no trigger of {sc.name!r} reads {old}")
    d["name"] = f"{sc.name} ({new})"
    return Scenario.model_validate(d)


def compare_triggers(scenario: Scenario | str = "mass-arrival", runs: int = 5, seed: int | None = None,
                     workers: int | None = None) -> Comparison:
    """A = the scenario as written (forecast_shortfall), B = with prognosis_shortfall; paired seeds."""
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    return compare(sc, with_indicator(sc), runs=runs, seed=seed, workers=workers)


def main(argv: list[str] | None = None) -> int:
    from experiments.cli import JOBS, RUNS, SEED, Parser   # the CLI's reading of options: one line, exit code 2

    ap = Parser(prog="python -m experiments.forecast.triggers", description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default="mass-arrival")
    ap.add_argument("--runs", type=RUNS, default=5, help="paired runs (seeds) (default: 5)")
    ap.add_argument("--seed", type=SEED, help="first seed (default: the scenario's)")
    ap.add_argument("--workers", type=JOBS, help="processes (default: all cores)")
    args = ap.parse_args(argv)
    try:
        print(compare_triggers(args.scenario, args.runs, args.seed, args.workers).table())
    except ScenarioError as e:
        ap.error(str(e).splitlines()[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The `noodplan` command line.

    noodplan run [SCENARIO] [--days N] [--seed S] [--out DIR]   run and summarise one scenario
    noodplan validate FILE                                       check a scenario file
    noodplan scenarios                                           list the built-in scenarios
    noodplan schema [--out FILE]                                 JSON Schema of scenario files
    noodplan backtest NAME [--seeds N] [--record FILE] [--out DIR]  run against the record
    noodplan calibrate [--budget N] [--seeds N] [--dry-run]      fit the free parameters (pre-2020)
    noodplan bench [--json FILE] [--plot FILE] [--history FILE] [--quick] [--instructions]
                                                                 speed and memory figures

Bad input stops with one line naming the field and the reason, and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

EXIT_BAD_INPUT = 2


def _progress(desc: str, total: int):
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="day", file=sys.stderr, leave=False,
               disable=not sys.stderr.isatty())

    def tick(done: int, horizon: int) -> None:
        bar.update(done - bar.n)
        if done >= horizon:
            bar.close()

    return tick


def cmd_run(args: argparse.Namespace) -> int:
    from model.scenario import load_scenario
    from model.simulate import simulate

    sc = load_scenario(args.scenario)
    days = args.days or sc.horizon_days
    t0 = time.perf_counter()
    res = simulate(sc, seed=args.seed, days=days, progress=_progress(f"Simulating {sc.name}", days))
    elapsed = time.perf_counter() - t0
    print(res.summary())
    print(f"  ({days} days simulated in {elapsed:.2f} s)")
    if args.out:
        paths = res.save(args.out)
        print("Wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from model.scenario import load_scenario

    sc = load_scenario(args.file)
    print(f"{args.file}: valid scenario {sc.name!r} ({sc.start_date} to {sc.end_date}, "
          f"{len(sc.events)} event{'' if len(sc.events) == 1 else 's'})")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from model.scenario import builtin_names, load_scenario

    for name in builtin_names():
        sc = load_scenario(name)
        first = " ".join(sc.description.split())
        print(f"{name:24s} {sc.start_date} +{sc.horizon_days}d  {first[:100]}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from model.scenario import json_schema

    text = json.dumps(json_schema(), indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"Wrote {args.out}")
    else:
        print(text)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from experiments.compare import compare

    if args.runs < 1:
        raise _Bad("--runs: must be at least 1")
    total = 2 * args.runs
    cmp = compare(args.a, args.b, runs=args.runs, seed=args.seed, days=args.days, workers=args.workers,
                  progress=_progress("Paired runs", total))
    print(cmp.table())
    if args.out:
        import pandas as pd

        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(cmp.rows()).to_csv(args.out, index=False)
        print(f"Wrote {args.out}")
    return 0


class _Bad(Exception):
    """A bad command-line value (one line, exit code 2)."""


def cmd_backtest(args: argparse.Namespace) -> int:
    from experiments.backtest import backtest
    from experiments.history import read_points, record_points
    from model.scenario import load_scenario

    if args.seeds < 1:
        raise _Bad("--seeds: must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        raise _Bad("--jobs: must be at least 1")
    sc = load_scenario(args.scenario)
    points = record_points(sc.start_date, sc.end_date, sc.country)
    if args.record:
        try:
            points += read_points(args.record)
        except ValueError as exc:
            raise _Bad(f"--record: {exc}") from None
    bt = backtest(sc, seeds=args.seeds, points=points, jobs=args.jobs)
    print(bt.report())
    paths = bt.write(args.out)
    print("Wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    import datetime as dt

    from experiments import calibrate as cal

    if args.budget < 1:
        raise _Bad("--budget: must be at least 1")
    if args.seeds < 1:
        raise _Bad("--seeds: must be at least 1")
    params = [p.strip() for p in args.params.split(",")] if args.params else None
    try:
        cal.by_name(params)
    except ValueError as exc:
        raise _Bad(f"--params: {exc}") from None
    t0 = time.perf_counter()
    tick = _progress("Calibrating", args.budget)
    fit = cal.calibrate(args.scenario, budget=args.budget, params=params, seeds=tuple(range(1, args.seeds + 1)),
                        jobs=args.jobs or min(args.seeds, 2),
                        progress=lambda n, best: tick(min(n, args.budget), args.budget))
    print(fit.table())
    print(f"  ({time.perf_counter() - t0:.0f} s)")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        print("Wrote " + ", ".join(str(p) for p in cal.write_report(fit, out)))
    if not args.dry_run:
        provenance = (f"noodplan calibrate {dt.date.today()}, record to {cal.CALIBRATION_END}, "
                      f"budget {args.budget}, {args.seeds} seeds")
        changed = cal.write_fitted(fit, args.into.split(","), provenance)
        print("Wrote the fitted values into " + ", ".join(str(p) for p in changed))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from experiments.bench import format_table, run_bench
    from experiments.bench.instructions import parse_cases
    from model.scenario import builtin_names

    try:
        cases = parse_cases(args.instructions) if args.instructions else []
    except ValueError as e:
        raise _Bad(str(e)) from None
    unknown = [name for name, _ in cases if name not in builtin_names()]
    if unknown:
        raise _Bad(f"--instructions: unknown scenario {unknown[0]!r} (see `noodplan scenarios`)")
    if cases and shutil.which("valgrind") is None:
        raise _Bad("--instructions: valgrind is not installed (apt install valgrind); run without it for the other figures")
    r = run_bench(repeats=args.repeats, quick=args.quick, eu=not args.no_eu, reference=not args.no_reference,
                  memory=not args.no_memory, plot=args.plot, instructions=cases,
                  log=lambda m: print(m, file=sys.stderr))
    print(format_table(r))
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=2, default=float) + "\n", encoding="utf-8")
        print(f"Wrote {args.json}")
    if args.plot:
        print(f"Wrote {args.plot}")
    if args.history:
        from experiments.bench.track import append_history, format_change, git_commit, history_line

        line = history_line(r, git_commit())
        try:   # the table and --json are out already: a bad history file loses nothing
            before = append_history(args.history, line)
        except (ValueError, OSError) as e:
            raise _Bad(f"--history: {e}") from None
        print(format_change(line, before))
        print(f"Appended to {args.history}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="noodplan", description="Agent-based simulator of the Dutch "
                                 "asylum reception chain and its contingency plan (noodplan).")
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario and print a summary")
    run.add_argument("scenario", nargs="?", default="baseline", help="built-in name or YAML file (default: baseline)")
    run.add_argument("--days", type=int, help="days to simulate (default: the scenario's horizon)")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument("--out", help="folder for daily.csv, daily.nc and moves.csv")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="check a scenario file")
    val.add_argument("file")
    val.set_defaults(func=cmd_validate)
    sub.add_parser("scenarios", help="list built-in scenarios").set_defaults(func=cmd_scenarios)
    cmp = sub.add_parser("compare", help="paired comparison of two scenarios on the same seeds")
    cmp.add_argument("a", help="scenario A (built-in name or YAML file)")
    cmp.add_argument("b", help="scenario B")
    cmp.add_argument("--runs", type=int, default=5, help="paired runs (seeds) (default: 5)")
    cmp.add_argument("--seed", type=int, help="first seed (default: A's seed)")
    cmp.add_argument("--days", type=int, help="days to simulate (default: each scenario's horizon)")
    cmp.add_argument("--workers", type=int, help="processes (default: all cores); results do not depend on it")
    cmp.add_argument("--out", help="write the table as CSV")
    cmp.set_defaults(func=cmd_compare)
    bt = sub.add_parser("backtest", help="compare a run with every recorded point in its period")
    bt.add_argument("scenario", help="built-in name (e.g. hindcast-2015) or YAML file")
    bt.add_argument("--seeds", type=int, default=8, help="replicate seeds 1..N (default: 8)")
    bt.add_argument("--jobs", type=int, help="processes (default: one per core); results do not depend on it")
    bt.add_argument("--record", help="CSV of further recorded points (columns date, quantity, value[, source])")
    bt.add_argument("--out", default="out/backtest", help="folder for the table (CSV) and plot (PNG)")
    bt.set_defaults(func=cmd_backtest)
    cal = sub.add_parser("calibrate", help="fit the free parameters to the record before June 2020")
    cal.add_argument("--scenario", default="hindcast-2015", help="scenario run from its start to June 2020")
    cal.add_argument("--budget", type=int, default=64, help="simulations for the search (default: 64)")
    cal.add_argument("--seeds", type=int, default=2, help="replicate seeds per evaluation (default: 2)")
    cal.add_argument("--params", help="comma-separated subset of the free parameters (default: all)")
    cal.add_argument("--jobs", type=int, help="processes (default: min(seeds, 2))")
    cal.add_argument("--into", default="hindcast-2015,hindcast-2020",
                     help="scenario files to write the fitted values into (default: both hindcasts)")
    cal.add_argument("--dry-run", action="store_true", help="report the fit without writing the scenario files")
    cal.add_argument("--out", help="folder for the fit's table (CSV) and profile plot (PNG)")
    cal.set_defaults(func=cmd_calibrate)
    sch = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    sch.add_argument("--out")
    sch.set_defaults(func=cmd_schema)
    bench = sub.add_parser("bench", help="speed and memory: baseline, Mesa face, NumPy floor, Mesa reference, EU scale")
    bench.add_argument("--repeats", type=int, default=5, help="timed runs per figure, median reported (default: 5)")
    bench.add_argument("--json", help="write all figures as JSON (for tracking over time)")
    bench.add_argument("--plot", help="PNG of time per day against transitions per day")
    bench.add_argument("--history", help="append the key figures to this JSON-lines file and show the "
                                         "change since the previous run on this machine")
    bench.add_argument("--quick", action="store_true", help="short horizons (smoke test; figures not comparable)")
    bench.add_argument("--no-eu", action="store_true", help="skip the EU-scale scenario")
    bench.add_argument("--no-reference", action="store_true", help="skip the one-agent-per-applicant Mesa reference")
    bench.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    bench.add_argument("--instructions", nargs="?", const="baseline:200", metavar="SCENARIO:DAYS,…",
                       help="also count the day loop's instructions with valgrind's callgrind (load-independent; "
                            "slow: ~1 min per 200 baseline days; default baseline:200)")
    bench.set_defaults(func=cmd_bench)
    from experiments.forecast.cli import register as register_forecast   # noodplan forecast (docs/forecast.md)
    register_forecast(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    from model.scenario import ScenarioError

    args = build_parser().parse_args(argv)
    if getattr(args, "days", None) is not None and args.days < 1:
        print("noodplan: --days: must be at least 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return args.func(args)
    except (ScenarioError, _Bad) as exc:
        print(f"noodplan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"noodplan: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())

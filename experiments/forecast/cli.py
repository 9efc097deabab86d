"""`noodplan forecast` and `noodplan backtest --rolling`: forecasts and the rolling-origin backtest.

    noodplan forecast [--from-run SCENARIO [--at DATE] [--seed S] | --from-snapshot FILE
                       | --from-record DATE [--base SCENARIO]] [--months 24] [--members 20]
                      [--inflow scenario|persistence] [--no-inflow-errors] [--inflow-errors centred|drift]
                      [--inflow-band LOW:HIGH] [--family-inflow follows|persistence] [--occupancy 0.95]
                      [--save-snapshot FILE] [--jobs N] [--out DIR] [--force]
    noodplan backtest --rolling [BASE] [--members 20] [--params refit|calibrated] [--origins FIRST..LAST]
                      [--targets rule|carried] [--ind-capacity budget|constant|budget-refit] [--recorded-inflow]
                      [--stock queue|procedure] [--inflow-errors centred|drift] [--family-inflow follows|persistence]
                      [--jobs N] [--out DIR] [--force]

`register(subparsers)` adds `forecast` to the `noodplan` parser and `rolling_options(parser)` the
rolling options to `backtest` (experiments/cli.py). Bad input stops with one line and exit code 2;
results are written whole or not at all, with a manifest (`experiments.outputs`). `backtest --rolling`
keeps each finished origin beside `--out` (`experiments.forecast.kept`): interrupted, the same command
resumes and computes only the origins missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from experiments.cli import EXIT_INTERRUPTED, JOBS, SEED, whole_arg, path_arg
from experiments.forecast import MAX_MEMBER_MONTHS, MAX_MEMBERS, MAX_MONTHS

EXIT_BAD_INPUT = 2


CENTRES = ("centred", "drift")  # experiments.forecast.inflow.CENTRES (not imported here: the parser loads light)
INFLOW_ERRORS_HELP = ("the members' inflow errors: the record's persistence errors shifted to a median of 0, so the "
                      "median member assumes persistence (centred), or as recorded, with the drift of the "
                      "years they come from (drift: the model before) (default: %(default)s)")

FAMILY_RULES = ("follows", "persistence")   # experiments.forecast.inflow.FAMILY_RULES (same reason)
FAMILY_RULE = "persistence"
FAMILY_HELP = ("(after the last month the record knows them): the mean of the last 12 known months (persistence, "
               "the default), or the first applications 18 months before them at the ratio of the last 12 known "
               "months (follows: the IND decides within 15 months and the family is applied for within 3; tried, "
               "not kept: docs/forecast.md)")


def _decimal(text: str) -> float:
    """An argparse type: a decimal number in ASCII (`float()` also reads full-width digits and '9_5')."""
    try:
        if not text.strip().isascii() or "_" in text:
            raise ValueError(text)
        return float(text)
    except ValueError:
        from model.scenario import written_otherwise

        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})" + (   # 0,9 or 90%: what to write
            f"; {hint}" if (hint := written_otherwise(text)) else "")) from None


class _Bad(ValueError):
    """A bad command-line value."""


MONTHS = whole_arg(1, MAX_MONTHS, " months")
MEMBERS = whole_arg(1, MAX_MEMBERS, " members")


def register(subparsers) -> None:
    """Add `forecast` to the `noodplan` subcommands."""
    fc = subparsers.add_parser("forecast", help="ensemble forecast 6/12/24 months ahead, or the rolling-origin "
                                                "backtest",
                               description="Forecast persons in reception, permit holders waiting and places needed "
                                           "6, 12 and 24 months ahead from a run, a snapshot or recorded figures "
                                           "(docs/forecast.md).")
    src = fc.add_mutually_exclusive_group()
    src.add_argument("--from-run", type=path_arg, metavar="SCENARIO",
                     help="run a scenario (built-in name or YAML file) and start "
                     "from its state (default: baseline, at the end of its horizon)")
    src.add_argument("--from-snapshot", type=path_arg, metavar="FILE", help="start from a snapshot file (default: "
                     "none: --from-run's default)")
    src.add_argument("--from-record", metavar="DATE", help="start from the recorded figures known on DATE (YYYY-MM-DD) "
                     "(default: none: --from-run's default)")
    fc.add_argument("--at", metavar="DATE", help="with --from-run: the date inside the run to start from (default: the "
                    "end of its horizon)")
    fc.add_argument("--seed", type=SEED, help="with --from-run: the run's seed (default: the scenario's)")
    fc.add_argument("--base", default="hindcast-2020", type=path_arg,
                    help="with --from-record: the scenario giving the chain's "
                    "parameters (default: %(default)s, fitted to the record before June 2020)")
    fc.add_argument("--months", type=MONTHS, default=24, help=f"months ahead, 1 to {MAX_MONTHS} (default: %(default)s)")
    fc.add_argument("--members", type=MEMBERS, default=20, help=f"ensemble members, 1 to {MAX_MEMBERS:,} "
                    f"(default: %(default)s; members x months at most {MAX_MEMBER_MONTHS:,})")
    fc.add_argument("--ensemble-seed", type=SEED, default=1, help="seed of the ensemble (default: %(default)s)")
    fc.add_argument("--inflow", choices=("scenario", "persistence"), help="arrivals after the origin: the scenario's "
                    "own, or the mean of the last known months (12; from records a window of 3, 6 or 12 months chosen "
                    "at the origin on the record known then) (default: scenario; persistence with --from-record)")
    fc.add_argument("--family-inflow", choices=FAMILY_RULES, help="with --from-record: family members after the "
                    "record " + FAMILY_HELP)
    fc.add_argument("--no-inflow-errors", action="store_true", help="no inflow uncertainty (the historical "
                    "persistence errors are drawn by default)")
    fc.add_argument("--inflow-errors", choices=CENTRES, default="centred", help=INFLOW_ERRORS_HELP)
    fc.add_argument("--inflow-band", metavar="LOW:HIGH", help="a planner's band of first applicants a year after "
                    "the origin, e.g. 30000:50000: the members spread evenly from LOW to HIGH, each on the assumed "
                    "arrivals times one factor (replaces the historical inflow errors) (default: none: the historical "
                    "inflow errors)")
    fc.add_argument("--occupancy", type=_decimal, default=0.95,
                    help="target occupancy for places needed: places needed are persons / it, 0.5 to 1 "
                         "(default: %(default)s)")
    fc.add_argument("--save-snapshot", type=path_arg, metavar="FILE",
                    help="with --from-run: also save the origin's state (default: none: not saved)")
    fc.add_argument("--jobs", type=JOBS, help="processes running the members (default: one per core); results do "
                    "not depend on it")
    fc.add_argument("--out", type=path_arg, help="output folder (default: out/forecast)")
    fc.add_argument("--force", action="store_true", help="replace a folder that holds earlier results")
    fc.set_defaults(func=cmd_forecast)


def rolling_options(bt) -> None:
    """Add `--rolling` and its options to the `backtest` parser."""
    bt.add_argument("--rolling", action="store_true", help="rolling-origin backtest of forecasts from every "
                    "half-year 2014-2020 (docs/forecast.md); SCENARIO, if given, supplies the chain's parameters "
                    "(default: hindcast-2015 with its calibrated values undone)")
    bt.add_argument("--members", type=MEMBERS, default=20, help=f"--rolling: ensemble members, 1 to "
                    f"{MAX_MEMBERS:,} (default: %(default)s)")
    bt.add_argument("--ensemble-seed", type=SEED, default=1,
                    help="--rolling: seed of the ensembles (default: %(default)s)")
    bt.add_argument("--params", choices=("refit", "calibrated"), default="refit",
                    help="--rolling: refit the IND capacity on the record before each origin (refit), or the "
                         "2020 calibration (calibrated: fitted on later figures, a reference, not a forecast) "
                         "(default: %(default)s)")
    bt.add_argument("--origins", help="--rolling: first..last half-year origin (default: 2014-01-01..2020-01-01)")
    bt.add_argument("--targets", choices=("rule", "carried"), default="rule", help="--rolling: housing targets of "
                    "half-years after the origin set from the permits before them (rule), or the last known "
                    "target carried forward (carried: the model before that rule) (default: %(default)s)")
    bt.add_argument("--ind-capacity", choices=("budget", "constant", "budget-refit"),
                    help="--rolling with --params refit: the IND decides a day the first applications a day of the "
                         "year before, each 1 January (chain.decision_capacity_rule: budget, on the record known on "
                         "the origin, then the assumed inflow), nothing fitted (budget, the default); one factor "
                         "refitted on the two years before the origin (constant, the model before); or the budget "
                         "times a refitted factor (budget-refit)")
    bt.add_argument("--stock", choices=("procedure", "queue"), default="procedure", help="--rolling: of the "
                    "recorded stock not permit holders nor at registration, all wait for the IND's first decision "
                    "(procedure); or only the IND's queue as its budget leaves it on the inflow known, "
                    "the rest in appeal or the departure period (queue: tried, not kept, docs/forecast.md) "
                    "(default: %(default)s)")
    bt.add_argument("--inflow-errors", choices=CENTRES, default="centred", help="--rolling: " + INFLOW_ERRORS_HELP)
    bt.add_argument("--family-inflow", choices=FAMILY_RULES, help="--rolling: family members after the record "
                    + FAMILY_HELP)
    bt.add_argument("--recorded-inflow", action="store_true", help="--rolling, a diagnostic: run on the inflow "
                    "that came (known only later), so what is left of the error is the chain's")


def _progress(desc: str, unit: str):
    from tqdm import tqdm

    bar = None

    def tick(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, disable=not sys.stderr.isatty())
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            bar = None

    return tick


ROLLING_ONLY = ("--members", "--ensemble-seed", "--params", "--origins", "--targets", "--ind-capacity",
                "--recorded-inflow", "--stock", "--inflow-errors", "--family-inflow")


def given_flags(args: argparse.Namespace, *flags: str) -> list[str]:
    """Those of `flags` written on the command line (`--flag` or `--flag=value`), in that order."""
    argv = getattr(args, "argv", [])
    return [f for f in flags if any(a == f or a.startswith(f + "=") for a in argv)]


def _date(text: str, flag: str) -> dt.date:
    """`flag`'s day, written YYYY-MM-DD; spaces around it (pasted, or `--origins "A .. B"`) are not part
    of it, as in a scenario file (they were refused: "'2019-01-01 ' is not a date written YYYY-MM-DD")."""
    from model.scenario import iso_date

    try:
        return iso_date(text.strip())
    except ValueError as e:
        raise _Bad(f"{flag}: {e}") from None


# The names the forecast's functions give their arguments in an error, and the option each comes from
# (None: the option being read)
_ARGUMENTS = {"origin": "--from-record", "months": "--months", "at": "--at", "seed": "--seed", "base": "--base",
              "band": "--inflow-band", "occupancy": "--occupancy", "scenario": None, "path": None}


@contextmanager
def _option(flag: str) -> Iterator[None]:
    """An error while reading `flag`'s value names the option: `--from-run: nosuch: no such scenario
    file ...`, `--from-record: no count ... on or before 1990-01-01` (the function's own name for its
    argument, `origin:`, becomes the option's); a message naming an option already stays as it is."""
    from model.scenario import ScenarioError
    from model.snapshot import SnapshotError

    try:
        yield
    except (ScenarioError, SnapshotError) as e:
        message = str(e)
        head, sep, rest = message.partition(": ")
        if head.startswith("--"):
            raise _Bad(message) from None
        if sep and head in _ARGUMENTS:
            raise _Bad(f"{_ARGUMENTS[head] or flag}: {rest}") from None
        raise _Bad(f"{flag}: {message}") from None


def cmd_forecast(args: argparse.Namespace) -> int:
    from model.scenario import ScenarioError
    from model.snapshot import SnapshotError

    try:
        return _forecast(args)
    except (_Bad, ScenarioError, SnapshotError) as e:
        print(f"noodplan: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _check(args: argparse.Namespace) -> None:
    if args.members * args.months > MAX_MEMBER_MONTHS:
        raise _Bad(f"--members x --months: at most {MAX_MEMBER_MONTHS:,} (got {args.members:,} x {args.months:,}); "
                   f"fewer members or a shorter horizon")
    if args.no_inflow_errors and given_flags(args, "--inflow-errors"):
        raise _Bad("--inflow-errors: goes without --no-inflow-errors (there are no errors to centre)")
    if args.inflow_band is not None:
        for flag in ("--inflow-errors", "--no-inflow-errors"):
            if given_flags(args, flag):
                raise _Bad(f"--inflow-band: goes without {flag} (the band replaces the historical inflow errors)")
    from experiments.forecast.ensemble import check_occupancy

    with _option("--occupancy"):            # the range run_forecast checks (one line: "--occupancy: ...")
        check_occupancy(args.occupancy)


def _forecast(args: argparse.Namespace) -> int:
    from experiments.forecast import origins
    from experiments.forecast.ensemble import inflow_errors_for, run_forecast
    from experiments.forecast.origins import horizon_days
    from experiments.forecast.write import write_forecast
    from model.prognosis import FromSnapshot
    from model.scenario import load_scenario

    from experiments import outputs

    _check(args)
    band = _band(args.inflow_band) if args.inflow_band is not None else None    # before the run to the origin
    out = args.out or "out/forecast"
    _reads(args)
    given = [f for f, v in (("--at", args.at), ("--seed", args.seed), ("--save-snapshot", args.save_snapshot))
             if v is not None]
    if given and (args.from_snapshot or args.from_record):
        raise _Bad(f"{given[0]}: goes with --from-run only (--at, --seed and --save-snapshot say where the run starts "
                   f"the forecast)")
    if not args.from_record and given_flags(args, "--base"):
        raise _Bad("--base: goes with --from-record only (a run or a snapshot brings its own scenario)")
    if args.family_inflow and not args.from_record:
        raise _Bad("--family-inflow: goes with --from-record only (a run or a snapshot brings its own arrivals)")
    date = _date(args.from_record, "--from-record") if args.from_record else None
    at = _date(args.at, "--at") if args.at else None
    source = args.from_run or "baseline"
    run_scenario = None                        # the scenario to run to the origin (--from-run NAME or FILE)
    if date is None and args.from_snapshot:
        if origins.is_run_folder(args.from_snapshot):
            raise _Bad(f"--from-snapshot: {args.from_snapshot} is a run's output folder, not a snapshot file; "
                       f"forecast from its end with --from-run {args.from_snapshot}")
        if not Path(args.from_snapshot).exists():
            from model.inputfile import windows_path

            hint = windows_path(args.from_snapshot)
            raise _Bad(f"--from-snapshot: {args.from_snapshot}: no such file" + (f" ({hint})" if hint else ""))
    elif date is None:
        with _option("--from-run"):
            if not Path(source).is_dir():
                run_scenario = load_scenario(source)
            elif args.seed is not None:
                raise _Bad("--seed: goes without a run's folder (its manifest gives the run's seed)")
    outputs.check_folder(out, args.force)     # (after the arguments' own checks: each is said first)
    if args.save_snapshot:
        outputs.check_file(args.save_snapshot, ".snapshot", "--save-snapshot")   # before the run to the origin
    if date is not None:
        inflow = args.inflow or "persistence"
        with _option("--base"):
            base = load_scenario(args.base)
        with _option("--from-record"):
            origin = origins.from_record(date, args.months, base, scenario_inflow=inflow == "scenario",
                                         family=args.family_inflow or FAMILY_RULE)
    elif args.from_snapshot:
        with _option("--from-snapshot"):
            origin = origins.from_snapshot_file(args.from_snapshot, args.months)
        inflow = args.inflow or "scenario"
    else:
        with _option("--from-run"):
            if run_scenario is None:       # a run's output folder (noodplan run ... --out DIR): its end
                origin = origins.from_run_folder(source, args.months, at, _progress("Running to the origin", "day"))
            else:
                origin = origins.from_run(run_scenario, args.months, at, args.seed,
                                          _progress("Running to the origin", "day"))
        inflow = args.inflow or "scenario"
        if args.save_snapshot:
            assert isinstance(origin.start, FromSnapshot), "a start from a run is a snapshot of it (from_run)"
            with outputs.file(args.save_snapshot, ".snapshot", "--save-snapshot") as tmp:
                origin.start.snapshot.save(tmp)
            print(f"Wrote {args.save_snapshot}")
    if band is not None:
        with _option("--inflow-band"):        # before the ensemble: arrivals to scale to the band
            band.multipliers(origin if inflow == "scenario" else origin.with_persistence(),
                             horizon_days(origin.date, args.months), 1)
    errors = None if args.no_inflow_errors or band else inflow_errors_for(origin, inflow, args.inflow_errors)
    f = run_forecast(origin, args.months, args.members, args.ensemble_seed, inflow, errors, args.occupancy,
                     _progress("Ensemble", "member"), jobs=args.jobs or os.cpu_count() or 1, band=band)
    print("\n".join(f.assumptions()))
    print(_summary(f))
    sc = origin.scenario
    about = {"command": outputs.command_line(args), "scenario": sc.name,
             "scenario_sha256": outputs.scenario_hash(sc), "origin": origin.date.isoformat(),
             "months": args.months, "members": args.members, "ensemble_seed": args.ensemble_seed, "inflow": inflow,
             "inflow_errors": "none" if errors is None else errors.centre, "target_occupancy": args.occupancy}
    if band is not None:
        about["inflow_band"] = [band.low, band.high]
    if (recorded := f.recorded_months()) is not None:     # the scenario's series holds arrivals after the origin
        about["inflow_recorded_after_origin"] = [f"{recorded[0]:%Y-%m}", f"{recorded[1]:%Y-%m}"]
    if args.from_record and inflow == "persistence":
        about["family_inflow"] = args.family_inflow or FAMILY_RULE
    if inflow == "persistence":
        choice = origin.persistence.choice
        about["inflow_window"] = choice.as_dict() if choice is not None else {
            "window_months": origin.persistence.window, "why": origin.persistence.basis}
    with outputs.folder(out, args.force, about) as tmp:
        names = [p.name for p in write_forecast(f, tmp).values()]
    print("Wrote " + ", ".join(str(Path(out) / n) for n in [*names, outputs.MANIFEST]))
    return 0


def _band(text: str):
    """`--inflow-band LOW:HIGH` (first applicants a year; thousands may be written 30,000 or 30_000),
    read as the dashboard reads its band (`ensemble.parse_band`)."""
    from experiments.forecast.ensemble import parse_band

    with _option("--inflow-band"):
        return parse_band(text)


def _summary(f) -> str:
    t = f.table()
    nat = t[t["breakdown"] == "national"]
    lines = [f"{'quantity':24s} {'months':>6s} {'date':>10s} {'median':>9s} {'50 % band':>20s} {'90 % band':>20s}"]
    for r in nat.itertuples():      # "to", not a dash: the bands of a shortfall run below zero
        lines.append(f"{r.quantity:24s} {r.horizon_months:6d} {r.date:>10s} {r.median:9,.0f} "
                     f"{r.p25:8,.0f} to {r.p75:<8,.0f} {r.p05:8,.0f} to {r.p95:<8,.0f}")
    if nat.empty:       # --months below 6: no report horizon, the daily bands only
        from experiments.forecast.inflow import HORIZONS

        lines = [f"No report horizon ({', '.join(map(str, HORIZONS))} months) within {f.months} "
                 f"month{'s' * (f.months != 1)}: "
                 f"the daily bands are in daily.csv"]
    return "\n".join(lines)


def _reads(args: argparse.Namespace) -> None:
    """What a forecast reads -- a run's folder or a scenario file (`--from-run`), a snapshot
    (`--from-snapshot`), a base scenario file (`--base`) -- is kept from its targets
    (`outputs.check_input`): `--from-run run --out run --force` replaced the run with the forecast."""
    from experiments import outputs

    source = args.from_run
    if source and Path(os.path.expanduser(source)).is_dir():
        outputs.check_input(source, "--from-run", "run folder")
    elif source and Path(os.path.expanduser(source)).is_file():
        outputs.check_scenario_input(source, "--from-run", "scenario file")
    if args.from_snapshot:
        outputs.check_input(args.from_snapshot, "--from-snapshot", "file")
    if getattr(args, "base", None):
        outputs.check_scenario_input(args.base, "--base")


def cmd_rolling(args: argparse.Namespace) -> int:
    """`noodplan backtest --rolling` (called by experiments/cli.py's backtest command)."""
    from experiments import outputs
    from experiments.forecast import rolling
    from experiments.forecast.kept import KeptOrigins
    from model.scenario import ScenarioError, load_scenario

    try:
        if args.seeds != 8 or args.record:
            raise _Bad(f"{'--seeds' if args.seeds != 8 else '--record'}: goes with a single scenario's backtest, "
                       f"not --rolling")
        first, last = rolling.FIRST_ORIGIN, rolling.LAST_ORIGIN
        if args.origins is not None:
            try:
                a, b = args.origins.split("..")
            except ValueError:
                raise _Bad("--origins: give FIRST..LAST, e.g. 2016-01-01..2019-07-01") from None
            first, last = _date(a, "--origins"), _date(b, "--origins")
        try:
            origins = rolling.half_year_origins(first, last)
        except ValueError as e:
            raise _Bad(f"--origins: {e}") from None
        if args.ind_capacity and args.params != "refit":
            raise _Bad(f"--ind-capacity: {args.ind_capacity} goes with --params refit")
        ind_capacity = args.ind_capacity or "budget"
        for flag in ("--inflow-errors", "--family-inflow"):
            if args.recorded_inflow and given_flags(args, flag):
                raise _Bad(f"{flag}: goes without --recorded-inflow (the recorded inflow is the inflow that came)")
        base = load_scenario(args.scenario or rolling.BASE)
    except (_Bad, ScenarioError) as e:
        print(f"noodplan: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out or "out/backtest-rolling"
    if args.scenario:
        outputs.check_scenario_input(args.scenario)
    outputs.check_folder(out, args.force)
    command = outputs.command_line(args)
    kept = KeptOrigins(out, args.force, "--out", command)
    try:
        bt = rolling.backtest(origins, members=args.members, params=args.params, seed=args.ensemble_seed,
                              jobs=args.jobs or 1, progress=_progress("Origins", "origin"), base=base,
                              inflow="recorded" if args.recorded_inflow else "persistence", targets=args.targets,
                              ind_capacity=ind_capacity, stock=args.stock, centre=args.inflow_errors,
                              family=args.family_inflow or FAMILY_RULE, kept=kept)
        about = {"command": command, "base": base.name,
                 "scenario_sha256": outputs.scenario_hash(base), "origins": [o.isoformat() for o in origins],
                 "members": args.members, "ensemble_seed": args.ensemble_seed, "params": args.params,
                 "targets": args.targets, "ind_capacity": ind_capacity if args.params == "refit" else "calibrated",
                 "stock": args.stock, "inflow_errors": "none" if args.recorded_inflow else args.inflow_errors,
                 "family_inflow": "recorded" if args.recorded_inflow else args.family_inflow or FAMILY_RULE}
        if kept.resumed:
            about["resumed"] = {"origins_kept_before": len(kept.resumed), "from": str(kept.folder)}
        with outputs.report_kept(lambda: print(bt.report())), outputs.folder(out, args.force, about) as tmp:
            names = [p.name for p in bt.write(tmp).values()]
    except KeyboardInterrupt:     # Ctrl+C or SIGTERM (`outputs.interruptible`): what is finished stays
        print(f"noodplan: interrupted; {_kept(kept, origins)}", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except outputs.OutputError as exc:      # a full disk while keeping an origin or writing the results
        if not kept.bound:                  # (origins kept of other settings, or damaged: before anything ran)
            raise
        raise outputs.OutputError(f"{exc}; {_kept(kept, origins)}") from None
    kept.remove()               # in --out now
    print(bt.report())
    print("Wrote " + ", ".join(str(Path(out) / n) for n in [*names, outputs.MANIFEST]))
    return 0


def _kept(kept, origins: list[dt.date]) -> str:
    """How many origins an interrupted rolling backtest keeps, and how to go on, in a few words."""
    n = len(kept.kept(origins)) if kept.bound else 0
    if not n:
        return f"none of the {len(origins)} origins is kept (none was finished and written); --out is as it was"
    left = len(origins) - n
    return (f"{n} of {len(origins)} origins are kept in {kept.folder}; run the same command to resume (it computes "
            f"only the {left} other{'s' * (left != 1)})" if left else
            f"all {n} origins are kept in {kept.folder}; run the same command to write the results from them")

"""The `noodplan` command line.

    noodplan run [SCENARIO] [--days N] [--seed S] [--out DIR] [--force]   run and summarise one scenario
    noodplan validate FILE                                       check a scenario file (all `run` checks)
    noodplan scenarios                                           list the built-in scenarios
    noodplan schema [--out FILE.json]                            JSON Schema of scenario files
    noodplan compare A B [--runs N] [--seed S] [--days N] [--workers N] [--out FILE.csv]
    noodplan backtest NAME [--seeds N] [--record FILE] [--out DIR] [--force]   run against the record
    noodplan backtest --rolling [--members N] [--origins A..B] [--jobs N]   forecasts from every half-year, scored
    noodplan calibrate [--budget N] [--seeds N] [--ind-capacity fixed|budget] [--dry-run] [--out DIR] [--force]
    noodplan bench [--json FILE] [--plot FILE] [--history FILE] [--quick] [--instructions]
                                                                 speed and memory figures

The input contract (docs/input-contract.md): bad input -- a scenario, an option, a target -- stops
before anything is computed with one line on stderr naming the file or option, the field and the
reason, and exit code 2. Results are whole or absent (docs/outputs.md, `experiments.outputs`):
Ctrl+C or SIGTERM ends with one line and exit code 130 and leaves the target as it was; a closed
pipe (`noodplan run | head`) ends quietly.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":      # `python -m experiments.cli`: started as the console command is, before the
    from experiments import entry   # imports below (a Ctrl+C while they load: one line, exit code 130)

    sys.exit(entry.main("experiments.cli"))

import argparse
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from experiments import outputs
from model.scenario import MAX_DAYS, MAX_JOBS, MAX_RUNS, MAX_SEED

if TYPE_CHECKING:                   # (the history module loads pandas: imported where the command runs)
    import datetime as dt

    from experiments.history import RecordPoint

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141          # 128 + SIGPIPE, as a shell reports a command that lost its reader
MAX_BUDGET = 100_000            # calibrate --budget
MAX_REPEATS = 1_000             # bench --repeats


class _Bad(Exception):
    """A bad command-line value (one line, exit code 2)."""


class _Version(argparse.Action):
    """`noodplan --version`: the package's version and the code's (`git describe` in a checkout),
    found only when asked (not on every parse)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        package, code = outputs.noodplan_version(), outputs.code_version()
        print(f"noodplan {package}" + (f" (code {code})" if code != package else ""))
        parser.exit(0)


class _StoreOnce(argparse._StoreAction):
    """An option that takes a value, given once: argparse keeps the last of `--days 5 --days 6`
    (or of `--out a --out b`, one of them maybe from a shell alias) without a word, so a command
    ran with a value the user may not have meant. Refused in one line naming both values."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        given = namespace.__dict__.setdefault(_GIVEN, {})
        if option_string is not None and self.dest in given:
            raise argparse.ArgumentError(self, f"given twice ({given[self.dest]} and {values}); give it once")
        if option_string is not None:
            given[self.dest] = values
        super().__call__(parser, namespace, values, option_string)


_GIVEN = "_noodplan_options_given"    # the namespace's record of the options given a value (_StoreOnce)


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (`noodplan: run: --days: …`), exit code 2.

    Abbreviated long options are refused (`--memb` is not taken for `--members`): an abbreviation
    could slip an option of another mode past the checks, and would change meaning when an option
    is added. Every subcommand parser is of this class (`add_subparsers(parser_class=…)`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)       # every option that takes a value, given once
        self.register("action", "store", _StoreOnce)

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        """Every value goes through here: an empty one (`--at ""`, `--origins ""`) is refused rather
        than read as 'not given' by the commands' `if args.x:` (which would run the default)."""
        if not arg_string.strip() and action.nargs not in (argparse.PARSER, argparse.REMAINDER):
            raise argparse.ArgumentError(action, "an empty value; give one, or leave the option out")
        return super()._get_value(action, arg_string)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """A value not among an option's choices (or a misspelt command, `noodplan forcast`) is
        answered with the one meant when it is close (`did_you_mean`), before argparse's list."""
        if action.choices is not None and value not in action.choices:
            from model.scenario import closest_name

            meant = closest_name(value, [str(c) for c in action.choices])
            if meant is not None:
                raise argparse.ArgumentError(action, f"invalid choice: {value!r} (did you mean {meant!r}?)")
        super()._check_value(action, value)

    def refuse_extras(self, parsed: argparse.Namespace, extras: list[str]) -> NoReturn:
        """Arguments no parser took, refused in one line naming the command they were given to and, for
        a misspelt option, the option meant (`noodplan run --dayz 5`: "run: unrecognized arguments:
        --dayz 5 (did you mean '--days'?)"). argparse reported them from the top parser, naming neither."""
        command = self._command_parser(parsed)
        command.error(f"unrecognized arguments: {' '.join(extras)}{command.option_meant(extras)}")

    def _command_parser(self, parsed: argparse.Namespace) -> Parser:
        """The parser of the (sub)command that `parsed` ran: this one's, or a subcommand's, deepest."""
        parser: Parser = self
        while True:
            chosen = [a.choices[getattr(parsed, a.dest)] for a in parser._actions
                      if isinstance(a, argparse._SubParsersAction) and isinstance(a.choices, dict)
                      and getattr(parsed, a.dest, None) in a.choices]
            if not chosen or not isinstance(chosen[0], Parser):
                return parser
            parser = chosen[0]

    def option_meant(self, extras: list[str]) -> str:
        """' (did you mean '--days'?)' for the first of `extras` that is an option close to one of
        this parser's, else ''."""
        from model.scenario import did_you_mean

        known = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
        for extra in extras:
            if extra.startswith("--") and (hint := did_you_mean(extra.split("=", 1)[0], known)):
                return hint
        return ""

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix("noodplan").strip()
        print(f"noodplan: {where + ': ' if where else ''}{message} (see --help)", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def whole_arg(lo: int, hi: int, unit: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number from lo to hi."""
    def parse(text: str) -> int:
        try:
            if not text.strip().lstrip("+-").isascii() or "_" in text:   # int() also reads '1_0' and full-width digits
                raise ValueError(text)
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if text.strip().startswith("-") and lo >= 0:    # `-0` is 0 to int(): a minus sign asked for less than 0
            raise argparse.ArgumentTypeError(f"must be {lo:,} to {hi:,}{unit}, without a minus sign "
                                             f"(got {text.strip()})")
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be {lo:,} to {hi:,}{unit} (got {value:,})")
        return value
    parse.__name__ = "whole number"
    return parse


def path_arg(text: str) -> str:
    """The argparse type of every argument that names a file or folder (a scenario file, `--out`,
    `--json`, a store, a saved exercise, …): `~` and `~user` expanded as the shell does, and left as
    written for a user the system does not know (`os.path.expanduser`). A path the shell did not
    expand (quoted, `"~/runs"`, or from a script) then means the same to every command; `analyze`,
    `sweep` and `exercise` took it as a folder named `~`."""
    return os.path.expanduser(text)


path_arg.__name__ = "path"
DAYS = whole_arg(1, MAX_DAYS, " days")
SEED = whole_arg(0, MAX_SEED)
RUNS = whole_arg(1, MAX_RUNS)
JOBS = whole_arg(1, MAX_JOBS, " processes")
PORT = whole_arg(1, 65_535)


def _progress(desc: str, total: int) -> Callable[[int, int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="day", file=sys.stderr, leave=False,
               disable=not sys.stderr.isatty())

    def tick(done: int, horizon: int) -> None:
        bar.update(done - bar.n)
        if done >= horizon:
            bar.close()

    return tick


def _scenario(name_or_path: str, days: int | None = None) -> Any:
    """A scenario loaded and checked as `simulate` will check it (with `--days` applied)."""
    from model.scenario import load_scenario, validate_scenario

    sc = load_scenario(name_or_path, days)
    return sc if days is None else validate_scenario(sc, days)


def _about(args: argparse.Namespace, sc: Any, **fields: Any) -> dict[str, Any]:
    """The manifest's description of a command's results: the command line and the scenario."""
    return {"command": outputs.command_line(args), "scenario": sc.name,
            "scenario_sha256": outputs.scenario_hash(sc), "start_date": str(sc.start_date), **fields}


def _reads_scenario(name_or_path: str, option: str = "scenario") -> None:
    """A scenario given as a file is read by the command: no target may be it, hold it or lie in it
    (`outputs.check_input`; a built-in scenario's name is no place)."""
    outputs.check_scenario_input(name_or_path, option)


def _force_needs(option: str, force: bool, *targets: str | None) -> None:
    """`--force` given without the option whose target it lets replace: it would be ignored."""
    if force and all(t is None for t in targets):
        raise _Bad(f"--force: only with {option} (it lets the command replace a file of earlier results)")


def cmd_run(args: argparse.Namespace) -> int:
    from model.simulate import simulate

    if args.force and args.out is None:       # it would be ignored: run writes no folder without --out
        raise _Bad("--force: only with --out (it lets run replace a folder of earlier results)")
    sc = _scenario(args.scenario, args.days)
    _reads_scenario(args.scenario)
    if args.out is not None:
        outputs.check_folder(args.out, args.force)
    days = sc.horizon_days
    seed = sc.seed if args.seed is None else args.seed
    t0 = time.perf_counter()
    res = simulate(sc, seed=seed, progress=_progress(f"Simulating {sc.name}", days))
    elapsed = time.perf_counter() - t0
    wrote = []
    summary = f"{res.summary()}\n  ({days} days simulated in {elapsed:.2f} s)"
    if args.out is not None:
        with outputs.report_kept(lambda: print(summary)), \
                outputs.folder(args.out, args.force, _about(args, sc, seed=seed, days=days)) as tmp:
            wrote = [Path(args.out) / p.name for p in res.save(tmp).values()] + [Path(args.out) / outputs.MANIFEST]
    print(summary)
    if wrote:
        print("Wrote " + ", ".join(str(p) for p in wrote))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    sc = _scenario(args.file)
    print(f"{args.file}: valid scenario {sc.name!r} ({sc.start_date} to {sc.end_date}, "
          f"{len(sc.events)} event{'' if len(sc.events) == 1 else 's'})")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from model.scenario import builtin_names, load_scenario

    for name in builtin_names():
        sc = load_scenario(name)
        print(f"{name:20s} from {sc.start_date}, {sc.horizon_days:>5,} days  {_cut(sc.description, 90)}")
    return 0


def _cut(text: str, width: int) -> str:
    """`text` on one line, at most `width` characters: cut at a word, with "…" when cut."""
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    return line[:width].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from model.scenario import json_schema

    _force_needs("--out", args.force, args.out)
    if args.out is not None:
        outputs.check_file(args.out, ".json", force=args.force)
    text = json.dumps(json_schema(), indent=2)
    if args.out is not None:
        outputs.write_text(args.out, text + "\n", ".json", force=args.force)
        print(f"Wrote {args.out}")
    else:
        print(text)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from experiments.compare import compare
    from model.scenario import ScenarioError

    _force_needs("--out", args.force, args.out)
    sa, sb = _scenario(args.a, args.days), _scenario(args.b, args.days)
    _reads_scenario(args.a)
    _reads_scenario(args.b)
    if args.out is not None:
        outputs.check_file(args.out, ".csv", force=args.force)
    try:
        cmp = compare(sa, sb, runs=args.runs, seed=args.seed, days=args.days, workers=args.workers,
                      progress=_progress("Paired runs", 2 * args.runs))
    except ScenarioError as e:      # an argument's check names the option it came from (`seed:` -> `--seed:`)
        head, sep, rest = str(e).partition(": ")
        raise (_Bad(f"--{head}: {rest}") if sep and head in ("runs", "seed", "days", "workers") else e) from None
    if args.out is not None:
        import pandas as pd

        with outputs.report_kept(lambda: print(cmp.table())), outputs.file(args.out, ".csv", force=args.force) as tmp:
            pd.DataFrame(cmp.rows()).to_csv(tmp, index=False)
    print(cmp.table())
    if args.out is not None:
        print(f"Wrote {args.out}")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from experiments.backtest import backtest
    from experiments.history import read_points, record_points

    if args.rolling:
        from experiments.forecast.cli import cmd_rolling

        return cmd_rolling(args)
    if args.scenario is None:
        raise _Bad("backtest: give a scenario (e.g. hindcast-2015), or --rolling")
    from experiments.forecast.cli import ROLLING_ONLY, given_flags

    rolling_only = given_flags(args, *ROLLING_ONLY)
    if rolling_only:
        raise _Bad(f"{rolling_only[0]}: goes with --rolling only")
    sc = _scenario(args.scenario)
    points = None           # without --record: the packaged record, as the API reads it (a period it does not
    if args.record:         # cover is run and its report says so)
        try:
            recorded = read_points(args.record, (sc.start_date, sc.end_date))
        except (ValueError, OSError) as exc:
            raise _Bad(f"--record: {exc}") from None
        packaged = record_points(sc.start_date, sc.end_date, sc.country)
        _record_adds_to(packaged, recorded, Path(args.record).name, sc.start_date)
        points = packaged + recorded
    _reads_scenario(args.scenario)
    if args.record:
        outputs.check_input(args.record, "--record", "file")
    out = args.out if args.out is not None else f"out/backtest/{sc.name}"
    outputs.check_folder(out, args.force)
    bt = backtest(sc, seeds=args.seeds, points=points, jobs=args.jobs)
    with outputs.report_kept(lambda: print(bt.report())), \
            outputs.folder(out, args.force, _about(args, sc, seeds=bt.seeds, days=sc.horizon_days)) as tmp:
        names = [p.name for p in bt.write(tmp).values()]
    print(bt.report())
    print("Wrote " + ", ".join(str(Path(out) / n) for n in [*names, outputs.MANIFEST]))
    return 0


def _record_adds_to(packaged: list[RecordPoint], recorded: list[RecordPoint], name: str, start: dt.date) -> None:
    """`backtest --record`'s points add figures to score to the packaged record: at least one after the
    run's start (a point on it is the initial condition, shown but not scored; with only such points the
    run scored the packaged record alone, or nothing), and none on a day and quantity the packaged
    record holds (both were scored: one day counted twice, against two recorded figures)."""
    known = {(p.date, p.quantity): p for p in packaged}
    twice = next((p for p in recorded if (p.date, p.quantity) in known), None)
    if twice is not None:
        k = known[twice.date, twice.quantity]
        raise _Bad(f"--record: {name}: {twice.quantity} on {twice.date} is in the packaged record already "
                   f"({k.value:,.0f}, {k.source}), which the backtest reads too: leave it out of the file (one day "
                   f"would be counted twice, against two figures)")
    if not any(p.date > start for p in recorded):     # (read_points keeps them inside the run)
        scored = sum(p.date > start for p in packaged)
        raise _Bad(f"--record: {name}: every point is on the run's start {start}, the initial condition, which is "
                   f"not scored" + (f"; the file adds nothing to score (the packaged record's "
                                    f"{f'{scored} points after it are' if scored > 1 else 'one point after it is'} "
                                    f"scored without it): give figures after "
                                    f"{start}, or leave --record out" if scored else
                                    f", and the packaged record has none after it: nothing would be scored; give "
                                    f"figures after {start}"))


def cmd_calibrate(args: argparse.Namespace) -> int:
    import datetime as dt

    from experiments import calibrate as cal
    from model.scenario import ScenarioError, load_scenario

    if args.dry_run and args.into is not None:    # it would be ignored: a dry run writes no scenario file
        raise _Bad("--into: not with --dry-run (a dry run writes the fitted values into no file)")
    if args.params is not None and not args.params.strip():
        raise _Bad("--params: give comma-separated parameter names, or leave the option out for all")
    params = [p.strip() for p in args.params.split(",")] if args.params else None
    try:
        cal.by_name(params)
    except ValueError as exc:
        raise _Bad(f"--params: {exc}") from None
    sc = _scenario(args.scenario)
    if Path(os.path.expanduser(args.scenario)).is_file():     # (rewritten on purpose by --into: the fitted values)
        outputs.check_scenario_input(args.scenario, "scenario", rewritten_by="--into")
    if args.ind_capacity == "budget":
        sc = cal.ind_budget(sc)
    seeds = tuple(range(1, args.seeds + 1))
    try:
        cal.problem(sc, params, seeds=seeds)
    except ValueError as exc:
        raise _Bad(f"--params: {exc}" if "does not act" in str(exc) else f"--scenario: {exc}") from None
    into_default = "hindcast-2020" if args.ind_capacity == "budget" else "hindcast-2015"
    into = [] if args.dry_run else [path_arg(f.strip()) for f in (args.into or into_default).split(",")]
    seen: dict[Path, str] = {}
    for f in into:
        try:
            path = cal.scenario_file(f)
            if path.resolve() in seen:
                raise _Bad(f"--into: {f!r} and {seen[path.resolve()]!r} are the same scenario file ({path}); "
                           "name each file once")
            seen[path.resolve()] = f
            load_scenario(path)
            cal.check_structure(sc, path)
        except (ScenarioError, ValueError) as exc:
            raise _Bad(f"--into: {exc}") from None
        outputs.check_file(path, path.suffix.lower() or ".yaml", "--into", in_code=True)   # packaged files too
    if args.out is not None:
        outputs.check_folder(args.out, args.force)
    t0 = time.perf_counter()
    tick = _progress("Calibrating", args.budget)
    fit = cal.calibrate(sc, budget=args.budget, params=params, seeds=seeds, profile_points=args.profile_points,
                        jobs=args.jobs or min(args.seeds, 2),
                        progress=lambda n, best: tick(min(n, args.budget), args.budget))
    changed = []
    with outputs.report_kept(lambda: print(fit.table())):     # the fitted values, should a file not take them
        if args.out is not None:
            about = _about(args, sc, seeds=list(seeds), budget=args.budget,
                           params=[e.param.name for e in fit.estimates])
            with outputs.folder(args.out, args.force, about) as tmp:
                names = [p.name for p in cal.write_report(fit, tmp)]
        if into:
            provenance = (f"noodplan calibrate {dt.date.today()}, record to {cal.CALIBRATION_END}, "
                          f"budget {args.budget}, {args.seeds} seeds"
                          + (", IND on its budget" if args.ind_capacity == "budget" else ""))
            changed = cal.write_fitted(fit, into, provenance)
    print(fit.table())
    print(f"  ({time.perf_counter() - t0:.0f} s)")
    if args.out is not None:
        print("Wrote " + ", ".join(str(Path(args.out) / n) for n in [*names, outputs.MANIFEST]))
    if changed:
        print("Wrote the fitted values into " + ", ".join(str(p) for p in changed))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import contextlib
    import json

    from experiments.bench import format_table, run_bench
    from experiments.bench.instructions import parse_cases
    from model.scenario import builtin_names

    try:
        cases = parse_cases(args.instructions) if args.instructions else []
    except ValueError as e:
        raise _Bad(str(e)) from None
    unknown = [name for name, _ in cases if name not in builtin_names()]
    if unknown:
        from model.scenario import did_you_mean

        raise _Bad(f"--instructions: unknown scenario {unknown[0]!r}{did_you_mean(unknown[0], builtin_names())} "
                   f"(see `noodplan scenarios`)")
    if args.by_rule and not cases:
        raise _Bad("--by-rule: counts instructions by rule of the day; give --instructions too "
                   "(e.g. --instructions baseline:200 --by-rule)")
    if cases and shutil.which("valgrind") is None:
        raise _Bad("--instructions: valgrind is not installed (apt install valgrind); "
                   "run without it for the other figures")
    _force_needs("--json or --plot", args.force, args.json, args.plot)
    if args.json is not None:
        outputs.check_file(args.json, ".json", "--json", force=args.force)
    if args.plot is not None:
        outputs.check_file(args.plot, ".png", "--plot", force=args.force)
    if args.history is not None:
        outputs.check_file(args.history, Path(args.history).suffix.lower() or ".jsonl", "--history")
        from experiments.bench.track import read_history

        try:      # a file that is not a history is refused before the benchmark's minutes
            kept = read_history(args.history)
        except ValueError as e:
            raise _Bad(f"--history: {e}") from None
        if not kept and Path(args.history).suffix.lower() != ".jsonl":    # a new or empty x.yaml became a history
            raise _Bad(f"--history: {args.history} holds no bench history line; a new history is a JSON-lines file "
                       f"(name it *.jsonl)")
    with contextlib.ExitStack() as stack:
        plot = str(stack.enter_context(outputs.file(args.plot, ".png", "--plot", args.force))) if args.plot else None
        r = run_bench(repeats=args.repeats, quick=args.quick, eu=not args.no_eu, reference=not args.no_reference,
                      memory=not args.no_memory, plot=plot, instructions=cases, soak=args.soak,
                      by_rule=args.by_rule, log=lambda m: print(m, file=sys.stderr))
        if plot is not None:
            r["plot"] = str(args.plot)
    print(format_table(r))
    if args.json:
        outputs.write_text(args.json, json.dumps(r, indent=2, default=float) + "\n", ".json", "--json", args.force)
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
    ap = Parser(prog="noodplan", description="Agent-based simulator of the Dutch "
                 "asylum reception chain and its contingency plan (noodplan).")
    ap.add_argument("--version", action=_Version, help="show noodplan's version and exit")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=Parser)
    force = "replace a folder that holds earlier results (entirely; never a folder of other files)"
    force_file = "replace the --out file if it exists (whole, once the new one is written)"
    run = sub.add_parser("run", help="run a scenario and print a summary")
    run.add_argument("scenario", nargs="?", default="baseline", type=path_arg,
                     help="built-in name or YAML file (default: %(default)s)")
    run.add_argument("--days", type=DAYS, help=f"days to simulate, 1 to {MAX_DAYS:,} (default: the scenario's horizon)")
    run.add_argument("--seed", type=SEED, help=f"random seed, 0 to {MAX_SEED:,} (default: the scenario's)")
    run.add_argument("--out", type=path_arg,
                     help="folder for daily.csv, daily.nc, moves.csv, events.csv and manifest.json (default: none: "
                          "the summary is printed and no file written)")
    run.add_argument("--force", action="store_true", help=force)
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="check a scenario file (everything `run` checks, without running)")
    val.add_argument("file", type=path_arg)
    val.set_defaults(func=cmd_validate)
    sub.add_parser("scenarios", help="list built-in scenarios").set_defaults(func=cmd_scenarios)
    cmp = sub.add_parser("compare", help="paired comparison of two scenarios on the same seeds")
    cmp.add_argument("a", type=path_arg, help="scenario A (built-in name or YAML file)")
    cmp.add_argument("b", type=path_arg, help="scenario B")
    cmp.add_argument("--runs", type=RUNS, default=5,
                     help=f"paired runs (seeds), 1 to {MAX_RUNS:,} (default: %(default)s)")
    cmp.add_argument("--seed", type=SEED, help="first seed (default: A's seed)")
    cmp.add_argument("--days", type=DAYS, help="days to simulate (default: each scenario's horizon)")
    cmp.add_argument("--workers", type=JOBS, help="processes (default: all cores); results do not depend on it")
    cmp.add_argument("--out", type=path_arg, help="write the table as CSV (a *.csv file) (default: none: the table is "
                                                  "printed only)")
    cmp.add_argument("--force", action="store_true", help=force_file)
    cmp.set_defaults(func=cmd_compare)
    bt = sub.add_parser("backtest", help="compare a run with every recorded point in its period")
    bt.add_argument("scenario", nargs="?", type=path_arg, help="built-in name (e.g. hindcast-2015) or YAML file "
                                                              "(needed unless --rolling)")
    bt.add_argument("--seeds", type=RUNS, default=8, help="replicate seeds 1..N (default: %(default)s)")
    bt.add_argument("--jobs", type=JOBS, help="processes (default: one per core); results do not depend on it")
    bt.add_argument("--record", type=path_arg,
                    help="CSV of further recorded points (columns date, quantity, value[, source]) (default: none: "
                         "the packaged record only)")
    bt.add_argument("--out", type=path_arg,
                    help="folder for the table (CSV), plot (PNG) and manifest (default: out/backtest/NAME)")
    bt.add_argument("--force", action="store_true", help=force)
    from experiments.forecast.cli import rolling_options   # --rolling (docs/forecast.md)
    rolling_options(bt)
    bt.set_defaults(func=cmd_backtest)
    cal = sub.add_parser("calibrate", help="fit the free parameters to the record before June 2020")
    cal.add_argument("--scenario", default="hindcast-2015", type=path_arg,
                     help="scenario run from its start to June 2020 (default: %(default)s)")
    cal.add_argument("--budget", type=whole_arg(1, MAX_BUDGET), default=64,
                     help="simulations for the search (default: %(default)s)")
    cal.add_argument("--seeds", type=RUNS, default=2, help="replicate seeds per evaluation (default: %(default)s)")
    cal.add_argument("--params", help="comma-separated subset of the free parameters (default: all that act)")
    cal.add_argument("--profile-points", type=whole_arg(3, 50), default=7,
                     help="points of each parameter's profile for its 90 %% interval (default: %(default)s)")
    cal.add_argument("--jobs", type=JOBS, help="processes (default: min(seeds, 2))")
    cal.add_argument("--ind-capacity", choices=("fixed", "budget"), default="fixed",
                     help="the IND's capacity in the fit: fixed (decisions per day and the 2016/2018 factors, "
                          "fitted) or budget (follows the first applications of the year before; nothing fitted) "
                          "(default: %(default)s)")
    cal.add_argument("--into", help="scenario files to write the fitted values into (default: the hindcast with the "
                                    "same IND rule: hindcast-2015 for fixed, hindcast-2020 for budget)")
    cal.add_argument("--dry-run", action="store_true", help="report the fit without writing the scenario files")
    cal.add_argument("--out", type=path_arg, help="folder for the fit's table (CSV), profile plot (PNG) and manifest "
                                                  "(default: none: the fit is printed and no folder written)")
    cal.add_argument("--force", action="store_true", help=force)
    cal.set_defaults(func=cmd_calibrate)
    sch = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    sch.add_argument("--out", type=path_arg, help="write it to this *.json file (default: none: it is printed)")
    sch.add_argument("--force", action="store_true", help=force_file)
    sch.set_defaults(func=cmd_schema)
    bench = sub.add_parser("bench", help="speed and memory: baseline, Mesa face, NumPy floor, Mesa reference, EU scale")
    bench.add_argument("--repeats", type=whole_arg(1, MAX_REPEATS), default=5,
                       help="timed runs per figure, median reported (default: %(default)s)")
    bench.add_argument("--json", type=path_arg, help="write all figures as JSON (for tracking over time) (default: "
                                                     "none: the table is printed only)")
    bench.add_argument("--plot", type=path_arg, help="PNG of time per day against transitions per day (default: none: "
                                                     "no plot)")
    bench.add_argument("--force", action="store_true", help="replace the --json and --plot files if they exist")
    bench.add_argument("--history", type=path_arg, help="append the key figures to this JSON-lines file and show the "
                                         "change since the previous run on this machine (default: none: no history "
                                         "kept)")
    bench.add_argument("--quick", action="store_true", help="short horizons (smoke test; figures not comparable)")
    bench.add_argument("--no-eu", action="store_true", help="skip the EU-scale scenario")
    bench.add_argument("--no-reference", action="store_true", help="skip the one-agent-per-applicant Mesa reference")
    bench.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    bench.add_argument("--instructions", nargs="?", const="baseline:200", metavar="SCENARIO:DAYS,…",
                       help="also count the day loop's instructions with valgrind's callgrind (load-independent; "
                            "slow: ~1 min per 200 baseline days; given alone: %(const)s; default: none: not "
                            "counted)")
    bench.add_argument("--by-rule", action="store_true",
                       help="with --instructions: also count the instructions inside each rule of the day, one "
                            "callgrind process per rule (slow: ~15 processes; default: off)")
    bench.add_argument("--soak", nargs="?", const=20, type=whole_arg(1, 100), metavar="YEARS",
                       help="also run stable-stock for YEARS years in a subprocess: memory and time per simulated "
                            "year, mass balance (experiments/bench/soak.py) (given alone: %(const)s years; default: "
                            "none: no soak)")
    bench.set_defaults(func=cmd_bench)
    from experiments.forecast.cli import register as register_forecast   # noodplan forecast (docs/forecast.md)
    register_forecast(sub)
    from experiments.exercise.cli import register as register_exercise   # noodplan exercise (docs/exercises.md)
    register_exercise(sub)
    from experiments.sweep.cli import register as register_sweeps   # sweep, analyze, bench --sweep
    register_sweeps(sub)
    return ap


def _say(message: str) -> None:
    print(f"noodplan: {' '.join(message.split())}", file=sys.stderr, flush=True)


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command under the contract: one line and exit code 2 for bad input, 130 for
    Ctrl+C or SIGTERM (targets untouched), quiet for a closed pipe."""
    from model.scenario import ScenarioError

    try:
        with outputs.interruptible():
            code = args.func(args)
            if code == EXIT_INTERRUPTED:      # said in its own line (a sweep: how far it got)
                outputs.interrupt_answered()
            sys.stdout.flush()
            return code
    except (ScenarioError, outputs.OutputError, _Bad) as exc:
        _say(str(exc))
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        outputs.quiet_broken_pipe()
        return EXIT_BROKEN_PIPE
    except OSError as exc:      # (results go through outputs, which names the option; this is any other file)
        _say(f"{exc.filename}: {outputs.reason(exc)}" if exc.filename else outputs.reason(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say(f"interrupted; {outputs.kept()}")
        return EXIT_INTERRUPTED


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace | int:
    """Parsed arguments, or the exit code of --help or a usage error (reported in one line)."""
    try:
        args, extras = parser.parse_known_args(argv)
        if extras and isinstance(parser, Parser):
            parser.refuse_extras(args, extras)
        if extras:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.__dict__.pop(_GIVEN, None)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(build_parser(), argv)
    return args if isinstance(args, int) else run_command(args)


"""`noodplan exercise`: the exercise library, checks, a scripted run, and the after-action report.

    noodplan exercise list
    noodplan exercise validate FILE|NAME
    noodplan exercise play FILE|NAME [--turns N] [--save FILE] [--report FILE]
    noodplan exercise report SAVED.json --out FILE.html
    noodplan exercise serve [--host 127.0.0.1] [--port 8766]     (the room: viz/cli.py adds it)

`play` runs an exercise with nobody deciding (the model's own behaviour plays every role): the
baseline a workshop is compared with. `register(subparsers)` adds the command to the `noodplan`
parser (experiments/cli.py). Bad input stops with one line and exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from experiments import outputs
from experiments.cli import whole_arg, path_arg
from experiments.exercise.msel import MAX_TURNS


def register(subparsers) -> argparse.ArgumentParser:
    """Add `exercise` to the `noodplan` subcommands; returns its parser (the UI adds `serve`)."""
    ex = subparsers.add_parser("exercise", help="exercise workshops: library, checks, runs, after-action reports",
                               description="Exercise workshops (docs/exercises.md): list the library, check an "
                                           "exercise file, play one without players, write an after-action report.")
    sub = ex.add_subparsers(dest="exercise_command", required=True, metavar="{list,validate,play,report,serve}")
    sub.add_parser("list", help="the exercises in the library").set_defaults(func=cmd_list)
    v = sub.add_parser("validate", help="check an exercise file (or a library name)")
    v.add_argument("file", type=path_arg)
    v.set_defaults(func=cmd_validate)
    p = sub.add_parser("play", help="play an exercise with nobody deciding (the model plays every role)")
    p.add_argument("file", type=path_arg)
    p.add_argument("--turns", type=whole_arg(1, MAX_TURNS), help="turns to play (default: all)")
    p.add_argument("--save", type=path_arg, metavar="FILE",
                   help="save the exercise (JSON) to restore or report on later (default: none: not saved)")
    p.add_argument("--report", type=path_arg, metavar="FILE", help="write the after-action report (HTML) (default: "
                   "none: not written)")
    p.add_argument("--force", action="store_true", help="replace the --save and --report files if they exist")
    p.set_defaults(func=cmd_play)
    r = sub.add_parser("report", help="the after-action report of a saved exercise")
    r.add_argument("saved", type=path_arg)
    r.add_argument("--out", type=path_arg, required=True, metavar="FILE", help="the HTML file to write")
    r.add_argument("--force", action="store_true", help="replace the --out file if it exists")
    r.set_defaults(func=cmd_report)
    return sub


def _count(n: int, noun: str) -> str:
    """`n noun`, the noun in the plural unless n is 1 ("1 role", "6 roles")."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def cmd_list(args: argparse.Namespace) -> int:
    from experiments.exercise.msel import library_names, load_exercise

    for name in library_names():
        ex, _ = load_exercise(name)
        print(f"{name:22s} {ex.turns:3d} turns x {ex.turn_days:3d} days  {_count(len(ex.roles), 'role')}  "
              f"{_count(len(ex.injects), 'inject'):>10s}  {ex.title}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from experiments.exercise.msel import load_exercise

    ex, sc = load_exercise(args.file)
    print(f"{args.file}: valid exercise {ex.name!r} on scenario {sc.name!r} ({_count(ex.turns, 'turn')} of "
          f"{_count(ex.turn_days, 'day')}, {_count(len(ex.roles), 'role')}, {_count(len(ex.injects), 'inject')})")
    # an inject due after a turn's first day fires while its day is simulated, after that turn's decisions:
    # one due among the last turn's later days leaves no turn boundary to answer at, so its expected
    # decision can only read "no turn left" (one due on the last turn's first day is told as it opens)
    last = (ex.turns - 1) * ex.turn_days
    late = [j.id for j in ex.injects if j.expected is not None and j.at_day is not None and j.at_day > last]
    if late:
        print(f"note: {', '.join(late)}: due in the last turn (after day {last}, its first), after its decisions; "
              "no turn is left to answer, so the report can only say 'no turn left' for what it expects")
    # the scenario's horizon is extended to the exercise's days; what the scenario gives only up to its
    # horizon (a series of recorded inflow, say) has ended by the later turns
    horizon = ex.scenario_horizon_days
    if horizon is not None and horizon < ex.days:
        end = sc.start_date + dt.timedelta(days=horizon - 1)
        print(f"note: the exercise's {ex.days:,} days run past the scenario's horizon ({horizon:,} days, to {end}; "
              f"from turn {horizon // ex.turn_days + 1}): the run goes on with the scenario's assumptions as "
              "they stand, without what it gives only up to its horizon")
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    from experiments.exercise import report, savefile
    from experiments.exercise.engine import ExerciseRun, unfired
    from experiments.exercise.msel import load_exercise
    from model.scenario import ScenarioError

    ex, sc = load_exercise(args.file)
    turns = ex.turns if args.turns is None else args.turns
    if not 1 <= turns <= ex.turns:
        raise ScenarioError(f"exercise play: --turns: 1 to {ex.turns} (got {turns})")
    if args.force and not (args.save or args.report):      # it would be ignored
        raise ScenarioError("exercise play: --force: only with --save or --report (it lets play replace a file "
                            "of earlier results)")
    # the targets before the turns are played; an existing one (a workshop's save, say) only with --force
    if args.save:
        outputs.check_file(args.save, ".json", "--save", force=args.force)
    if args.report:
        outputs.check_file(args.report, ".html", "--report", force=args.force)
    run = ExerciseRun(ex, sc)
    shown = 0
    for _ in range(turns):
        run.advance()
        for e in timeline(run.log[shown:]):
            print(e, flush=True)
        shown = len(run.log)
    if run.finished:            # nobody deciding is the line a workshop is measured against: it shows its crisis
        for j in ex.injects:    # (docs/exercises.md, "Try the exercise alone first")
            if j.id in run.book.fired or j.contingency or j.when is None:
                continue
            print(f"note: inject {j.id} ({j.title}) never fired with nobody deciding: {unfired(run, j)}; if the "
                  "players are to meet it, its condition or the exercise needs changing")
    if args.save:
        print(f"saved: {savefile.save(run, Path(args.save), force=args.force)}")
    if args.report:
        print(f"report: {report.write(run, Path(args.report), option='--report', force=args.force)}")
    return 0


def timeline(entries: list[dict]) -> list[str]:
    """Log entries as `play` prints them, in the order of their days (a facilitator reads them as a
    timeline): each turn's end with its figures on the turn's last day, the injects told and what the
    model did (places closed: whole locations) and why it refused, each on its day. Entries of one day
    keep the log's order; an inject told as the next turn opens follows the turn's end."""
    lines = []
    for e in sorted(entries, key=lambda e: e["day"]):       # (stable: one day's entries as logged)
        if e["kind"] == "turn":
            lines.append(f"turn {e['turn']:3d}  day {e['day']:4d}  {e['date']}  {e['detail']}")
        elif e["kind"] in ("inject", "model", "refused"):
            said = f": {e['detail']}" if e["kind"] != "inject" and e["detail"] else ""
            lines.append(f"  day {e['day']:4d}  {e['kind']:7s} {e['what']}{said}")
    return lines


def cmd_report(args: argparse.Namespace) -> int:
    from experiments.exercise import report, savefile

    outputs.check_file(args.out, ".html", force=args.force)
    run = savefile.load(args.saved)
    if run.replay_note:
        print(f"note: {run.replay_note}", file=sys.stderr)
    if run.rule_note:
        print(f"note: {args.saved}: {run.rule_note}", file=sys.stderr)
    print(f"report: {report.write(run, Path(args.out), force=args.force)}")
    return 0

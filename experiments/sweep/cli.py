"""`noodplan sweep` and `noodplan analyze` (registered on the main parser by `register()`), and
the `--sweep` flag of `noodplan bench`.

    noodplan sweep DESIGN.yaml --out STORE [--executor serial|processes|dask] [--workers N]
                   [--scheduler ADDRESS] [--batch-size N]      run (or resume) a sweep
    noodplan sweep --schema [--out FILE]                       JSON Schema of design files
    noodplan sweep --list                                      the packaged example designs
    noodplan analyze STORE [--out DIR] [--force] [--prim "KPI>VALUE"]   indices, PRIM boxes, plots, report
    noodplan bench --sweep [--quick] [--json FILE]              runs per hour per core, efficiency

The contract of every command (docs/outputs.md): a bad design or option stops with one line and
exit code 2 before any run starts; Ctrl-C or SIGTERM (`experiments.outputs.interruptible`, e.g. a
Slurm job at its walltime) ends with one line and exit code 130 -- for a sweep, after the batches
already written, and the same command resumes. Files and the analysis folder are written whole
(`experiments.outputs`); the store is written whole per batch (`experiments.sweep.store`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from experiments import outputs
from experiments.cli import MAX_JOBS, whole_arg, path_arg
from experiments.sweep.executors import MAX_DASK_WORKERS

EXIT_BAD_INPUT = 2
EXIT_STOPPED = 1
EXIT_INTERRUPTED = 130


def _bad(message: str) -> Exception:
    from experiments.sweep.design import DesignError

    return DesignError(message)


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.sweep.design import builtin_designs, json_schema, load_design

    _check_mode(args)
    if args.schema:
        text = json.dumps(json_schema(), indent=2)
        if args.out:
            outputs.write_text(args.out, text + "\n", ".json")
            print(f"Wrote {args.out}")
        else:
            print(text)
        return 0
    if args.list:
        from experiments.sweep.design import design_path

        for name in builtin_designs():
            d = load_design(name)
            print(f"{name:24s} {d.sampler.method:9s} {' '.join(d.description.split())[:90]}")
        print(f"(files in {design_path(builtin_designs()[0]).parent})" if builtin_designs() else "")
        return 0
    if not args.design:
        raise _bad("sweep: give a design file (or --schema, --list)")
    if not args.out:
        raise _bad("--out: required (the folder of the result store)")
    args.executor = args.executor or "processes"
    if args.scheduler and args.executor != "dask":
        raise _bad("--scheduler: only with --executor dask")
    if args.executor == "serial" and args.workers not in (None, 1):
        raise _bad("--workers: the serial executor has one worker")
    if args.executor == "processes" and (args.workers or 0) > MAX_JOBS:
        raise _bad(f"--workers: at most {MAX_JOBS} processes on this machine (got {args.workers:,}); "
                   f"more with --executor dask")
    load_design(args.design)                      # every check before any run starts
    outputs.check_writable(args.out)              # a folder it may not write in, before the runs (not replaced)
    if args.executor == "dask":
        _need("dask", "distributed")
    from experiments.sweep.executors import SchedulerLost, SchedulerUnreachable, WorkersKeepDying
    from experiments.sweep.sweep import run_sweep

    try:      # SIGTERM arrives as KeyboardInterrupt (run_command's `outputs.interruptible`)
        r = run_sweep(args.design, args.out, executor=args.executor, workers=args.workers,
                      scheduler=args.scheduler, batch_size=args.batch_size)
    except KeyboardInterrupt:
        after_bar = "\n" if sys.stderr.isatty() else ""      # end the progress bar's line, in a terminal only
        print(f"{after_bar}noodplan sweep: interrupted; {_state(args.out)}. Run the same command to resume.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except SchedulerUnreachable as exc:     # at the start: a resume would meet the same address
        print(f"noodplan sweep: {exc}; {_state(args.out)}. Is a scheduler running at that address (`dask scheduler` "
              f"prints it, as does your cluster's `scheduler_address`)? Then run the command again.", file=sys.stderr)
        return EXIT_STOPPED
    except (SchedulerLost, WorkersKeepDying) as exc:
        print(f"noodplan sweep: {exc}; {_state(args.out)}. Run the same command to resume.", file=sys.stderr)
        return EXIT_STOPPED
    except OSError as exc:      # the store's disk filled, or its folder became read-only: the batches written stay
        if isinstance(exc, BrokenPipeError):
            raise
        raise _bad(f"--out: could not write into {args.out} ({outputs.reason(exc)}); {_state(args.out)}. "
                   f"Make room (or make it writable) and run the same command to resume") from None
    rate = f", {r.computed / r.seconds * 3600:,.0f} runs/hour" if r.computed and r.seconds > 0 else ""
    runs = f"{r.computed} run{'s' if r.computed != 1 else ''}"
    print(f"{runs} computed in {r.seconds:.1f} s on {r.executor} ({_workers(r.workers)}{rate}); "
          f"{r.failed} failed; {_state(args.out)}")
    if r.failed:
        errors = r.store.runs().query("status == 'error'")["error"]
        print(f"  first error: {errors.iloc[0]}" if len(errors) else "")
    print(f"Wrote {Path(args.out) / 'runs.parquet'}" + (" and daily.zarr" if (Path(args.out) / "daily.zarr").exists()
                                                         else ""))
    return 0


RUN_OPTIONS = ("executor", "workers", "scheduler", "batch_size")     # options of a sweep's run only


def _check_mode(args: argparse.Namespace) -> None:
    """`--schema` and `--list` take none of the run's options (they would be ignored), nor each other;
    `--list` writes nothing (`--out`)."""
    modes = [m for m in ("schema", "list") if getattr(args, m)]
    if len(modes) == 2:
        raise _bad("--list: not with --schema (one at a time)")
    if modes:
        given = [o for o in RUN_OPTIONS if getattr(args, o) is not None]
        if given:
            raise _bad(f"--{given[0].replace('_', '-')}: not with --{modes[0]} (it sets how a sweep runs; "
                       f"--{modes[0]} runs none)")
        if modes[0] == "list" and args.out is not None:
            raise _bad("--out: not with --list (it prints the packaged designs; --schema --out writes the schema)")


def _workers(n: int) -> str:
    return f"{n} worker{'s' if n != 1 else ''}"


def _state(out: str) -> str:
    """How much of the sweep the store at `out` holds."""
    from experiments.sweep.store import Store, StoreError

    try:
        store = Store.open(out)
    except StoreError:
        return f"no store at {out} yet"
    return f"{len(store.done_ids())} of {store.manifest['planned']['runs']} runs in {store.path}"


def _need(*modules: str) -> None:
    import importlib

    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError:
            raise _bad(f"--executor: needs the {m!r} package (pip install -e '.[sweep]', or ./scripts/setup)") from None


def cmd_analyze(args: argparse.Namespace) -> int:
    from experiments.sweep.analyze import analyze, parse_condition
    from experiments.sweep.store import Store

    store = Store.open(args.store)
    if store.runs().empty:     # a sweep stopped before its first batch: a report of nothing
        raise _bad(f"{args.store}: no run of this store has finished yet ({len(store.plan()):,} planned); run the "
                   f"same sweep command to compute them, then analyze")
    extra = []
    for text in args.prim or []:
        try:
            extra.append(parse_condition(text))
        except ValueError as exc:
            raise _bad(f"--prim: {exc}") from None
        kpi = extra[-1].kpi
        if kpi not in store.kpis:
            from experiments.sweep.kpis import KPIS
            from model.scenario import did_you_mean

            hint = did_you_mean(kpi, store.kpis)
            if not hint and kpi in KPIS:
                hint = " (a KPI of noodplan that this store's design did not keep: outputs.kpis)"
            raise _bad(f"--prim: {text!r}: {kpi!r} is not a KPI of this store{hint or ''}; it keeps "
                       f"{', '.join(store.kpis)}")
    out = Path(args.out) if args.out else Path(args.store) / "analysis"
    # the store read: never the --out, nor inside it (--force would remove it with the folder); its analysis/ may be
    outputs.check_input(args.store, "store", "folder", inside_ok=True)
    outputs.check_folder(out, args.force)               # before anything is computed
    with outputs.folder(out, args.force, {"command": outputs.command_line(args),
                                          "store": str(store.path), "store_fingerprint": store.manifest["fingerprint"],
                                          "runs": len(store.done_ids())}) as tmp:
        report = analyze(store, tmp, prim=extra, plots=not args.no_plots)
    print(report.text)
    print("Wrote " + ", ".join(str(out / p.name) for p in report.files))
    return 0


def cmd_bench_sweep(args: argparse.Namespace) -> int:
    from experiments.bench.sweep import format_sweep_bench, sweep_bench

    ignored = [o for o, v in (("--plot", args.plot), ("--history", args.history), ("--no-eu", args.no_eu),
                              ("--no-reference", args.no_reference), ("--no-memory", args.no_memory),
                              ("--instructions", args.instructions), ("--soak", args.soak)) if v]
    if ignored:         # options of the model's benchmark: the sweep benchmark reads none of them
        raise _bad(f"{ignored[0]}: not with --sweep (the sweep benchmark takes --quick, --repeats and --json)")
    if args.force and not args.json:    # it would be ignored: --force lets --json replace an existing file
        raise _bad("--force: only with --json (it lets the command replace a file of earlier results)")
    if args.json:
        outputs.check_file(args.json, ".json", "--json", force=args.force)      # before the benchmark's minutes
    r = sweep_bench(quick=args.quick, repeats=args.repeats, log=lambda m: print(m, file=sys.stderr))
    print(format_sweep_bench(r))
    if args.json:
        outputs.write_text(args.json, json.dumps(r, indent=2, default=float) + "\n", ".json", "--json", args.force)
        print(f"Wrote {args.json}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `sweep` and `analyze` to the `noodplan` parser, and `--sweep` to its `bench`."""
    from experiments.sweep.design import MAX_SWEEP_RUNS

    sw = sub.add_parser("sweep", help="run (or resume) a sweep of many runs over a design into a result store")
    sw.add_argument("design", nargs="?", type=path_arg,
                    help="design file (YAML) or a packaged design's name (see --list) (needed unless --schema or "
                         "--list)")
    sw.add_argument("--out", type=path_arg,
                    help="folder of the result store (resumed when it exists; needed for a sweep); with --schema: a "
                         "file (default: none: the schema is printed)")
    sw.add_argument("--executor", choices=("serial", "processes", "dask"),
                    help="where the runs go (default: processes, all cores); results do not depend on it")
    sw.add_argument("--workers", type=whole_arg(1, MAX_DASK_WORKERS, " workers"),
                    help=f"worker processes, 1 to {MAX_JOBS} (default: all cores); with --scheduler, the workers to "
                         f"plan batches for, up to {MAX_DASK_WORKERS:,} (default: those connected at the start)")
    sw.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                                        "(default: a local cluster)")
    sw.add_argument("--batch-size", type=whole_arg(1, MAX_SWEEP_RUNS),
                    help="runs per task (default: about 16 tasks per worker, at most 50)")
    sw.add_argument("--schema", action="store_true", help="print the JSON Schema of design files")
    sw.add_argument("--list", action="store_true", help="list the packaged example designs")
    sw.set_defaults(func=cmd_sweep)
    an = sub.add_parser("analyze", help="sensitivity indices, PRIM scenario discovery, plots and a report of a store")
    an.add_argument("store", type=path_arg, help="folder of a sweep's result store")
    an.add_argument("--out", type=path_arg, help="folder for the report and plots (default: STORE/analysis)")
    an.add_argument("--prim", action="append", metavar="KPI>VALUE",
                    help="a condition for scenario discovery, e.g. 'peak_unsheltered>500' (repeatable; "
                         "adds to the design's analysis.prim) (default: none: the design's analysis.prim only)")
    an.add_argument("--force", action="store_true", help="replace the analysis folder when it holds an earlier "
                                                         "analysis (never a folder of other files)")
    an.add_argument("--no-plots", action="store_true", help="the report only")
    an.set_defaults(func=cmd_analyze)
    bench = sub.choices.get("bench")
    if bench is not None:                 # `noodplan bench --sweep`: the sweep machinery's figures
        bench.add_argument("--sweep", action="store_true",
                           help="runs per hour per core of a 200-run design on serial, processes and a 2-worker "
                                "Dask cluster; parallel efficiency; overhead over bare simulate()")
        plain = bench.get_default("func")
        bench.set_defaults(func=lambda a: cmd_bench_sweep(a) if a.sweep else plain(a))

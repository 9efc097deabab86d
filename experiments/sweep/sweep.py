"""Running a sweep: the plan of runs, what the store still misses, batches on an executor.

`run_sweep(design, out)` samples the design's points, pairs each with the replicate seeds (the
same seeds at every point: common random numbers), gives each run its id (hash of values and
seed), skips the runs the store already holds, groups the rest into batches (tasks of many runs:
a task costs a few milliseconds on Dask, a batch's write to the store about as much, so a task
of one run would waste little on noodplan's seconds-long runs but a lot on short ones; see
`default_batch_size`) and writes each batch whole as soon as it comes back.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from experiments import outputs
from experiments.sweep import executors
from experiments.sweep.design import UNIT_PREFIX, Design, design_path, load_design
from experiments.sweep.runner import Model, NoodplanModel, RunSpec
from experiments.sweep.samplers import sample, shared_whole_numbers
from experiments.sweep.store import Store, code_version, run_id

BATCHES_PER_WORKER = 16     # enough that the last batches leave workers idle for ~1/16 of the run
MAX_BATCH = 50              # a task's runs are lost together when its worker dies
LOG_EVERY_S = 60            # progress lines when stderr is not a terminal


@dataclass
class SweepResult:
    store: Store
    planned: int         # distinct runs in the plan
    already: int         # in the store before this command
    computed: int        # written by this command (including failed runs)
    failed: int          # runs of this command that raised (recorded with their error)
    seconds: float
    executor: str
    workers: int
    batch_size: int

    @property
    def complete(self) -> bool:
        return self.already + self.computed >= self.planned


def plan(design: Design) -> tuple[pd.DataFrame, list[RunSpec]]:
    """Every (sample point, replicate) with its seed and run id, and the distinct runs in plan
    order (a point's replicates next to each other, so a batch reuses the point's world)."""
    samples = sample(design)
    rows, runs, seen = [], [], set()
    for i, values in enumerate(samples.values):
        unit = {f"{UNIT_PREFIX}{k}": float(u) for k, u in zip(samples.labels, samples.unit[i])}
        for r, seed in enumerate(design.seeds):
            rid = run_id(design.base_hash, values, seed)
            rows.append({"sample": i, "replicate": r, "seed": seed, "run_id": rid, **values, **unit})
            if rid not in seen:
                seen.add(rid)
                runs.append(RunSpec(rid, seed, values))
    return pd.DataFrame(rows), runs


def default_batch_size(runs: int, workers: int) -> int:
    """Runs per task: about BATCHES_PER_WORKER tasks per worker (balance at the end, little lost
    when a worker dies), at most MAX_BATCH."""
    return max(1, min(MAX_BATCH, math.ceil(runs / (workers * BATCHES_PER_WORKER))))


def run_sweep(design: Design | str | Path, out: str | Path, executor: str = "processes", workers: int | None = None,
              scheduler: Any = None, batch_size: int | None = None, model: Model | None = None,
              progress: bool | None = None, on_batch: Callable[[int, int], None] | None = None,
              log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> SweepResult:
    """Run what the store at `out` still misses of the design, and consolidate the store.

    `model` replaces noodplan (any picklable `model(values, seed) -> (kpis, daily)`; its `kpis`
    attribute, when it has one, names the KPIs it returns); `progress` shows a bar on stderr
    (None: on a terminal, else a line a minute through `log`); `on_batch(done, total)` is called
    after each batch is written. Ctrl-C (KeyboardInterrupt) stops after the batches written so
    far and is raised again; `SchedulerLost` and `WorkersKeepDying` stop likewise."""
    check_arguments(out, executor, workers, scheduler, batch_size, model, progress, on_batch, log)
    text, source = "", ""
    if not isinstance(design, Design):
        source = str(design_path(design))
        design = load_design(design)
        text = design.source_text
    table, runs = plan(design)
    model = model or NoodplanModel(design)
    kpis = list(getattr(model, "kpis", None) or design.kpis)
    store = Store.create_or_open(out, design, table, kpis, design_text=text, design_file=source)
    with store.writing():
        changed = store.follow_labels(design, text, source)
        if changed:
            log(f"note: the design's {' and '.join(changed)} changed since {out} was started; the store takes "
                f"the new one (noodplan analyze reads it); the runs are the same")
        sessions = store.manifest["sessions"]
        now, files = code_version(), outputs.code_sha256()
        last = sessions[-1] if sessions else {"code_version": now, "code_sha256": files}
        if last.get("code_version") != now:
            log(f"note: {out} was last run with code {last.get('code_version')}; resuming with {now}")
        elif last.get("code_sha256", files) != files:       # a checkout edited since: `git describe` is the same
            log(f"note: {out} was last run with other code files (the same version {now}; files "
                f"{str(last.get('code_sha256'))[:12]}, now {files[:12]}); resuming with these")
        grown = store.grow(design, table, text, source)
        done = store.done_ids()
        todo = [r for r in runs if r.run_id not in done]
        if grown:
            added = " and ".join(f"{k} {a:,} -> {b:,}" for k, (a, b) in grown.items())
            log(f"note: the design adds to {out} ({added}); the store grows to {len(runs):,} runs, keeps the "
                f"{len(runs) - len(todo):,} it holds and computes only the {len(todo):,} added")
        if isinstance(model, NoodplanModel):   # its batches take a share of this machine's memory
            model.workers = 1 if executor == "serial" or scheduler else (workers or executors.cores())
        exe = executors.make(executor, model, workers, scheduler) if todo else None
        n_workers = exe.workers if exe else (workers or 1)
        size = batch_size or default_batch_size(len(todo), n_workers)
        tasks = [todo[i:i + size] for i in range(0, len(todo), size)]
        result = SweepResult(store, len(runs), len(runs) - len(todo), 0, 0, 0.0, executor, n_workers, size)
        points = table["sample"].nunique()
        log(f"sweep {design.name!r}: {len(runs)} run{'s' if len(runs) != 1 else ''} ({points} "
            f"point{'s' if points != 1 else ''} x "
            f"{design.replicates} seed{'s' if design.replicates != 1 else ''}); {result.already} in {out}; "
            + (f"computing {len(todo)} on {executor} ({n_workers} worker{'s' if n_workers != 1 else ''}, "
               f"batches of {size})" if todo
               else "nothing to compute"))
        if todo and not done:             # a new store: say now what its analysis will not give
            for note in [too_few_for_indices(design), *shared_whole_numbers(design)]:
                if note:
                    log(f"note: {note}")
        t0 = time.perf_counter()
        outcome = "complete"
        try:
            if exe is not None:
                _compute(exe, tasks, store, [p.label for p in design.parameters], kpis, result, len(todo),
                         progress, on_batch, log)
        except BaseException as exc:
            outcome = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"stopped: {exc}"
            raise
        finally:
            if exe is not None:
                with _no_interrupt():
                    exe.close()
                if getattr(exe, "note", ""):
                    log(exe.note)
            result.seconds = time.perf_counter() - t0
            store.log_session({"started": _iso(t0), "seconds": round(result.seconds, 3), "executor": executor,
                               "workers": n_workers, "batch_size": size, "computed": result.computed,
                               "failed": result.failed, "outcome": outcome, "code_version": now,
                               "code_sha256": files})
        with _no_interrupt():   # the views are rebuilt whole (seconds for a large store), then Ctrl-C is answered
            store.consolidate()
    return result


def too_few_for_indices(design: Design) -> str:
    """What `noodplan analyze` will not compute for a design of `lhs` or `sobol` points, told before
    the runs: RBD-FAST's indices from `RBD_MIN_POINTS` points only (PRIM and the plots from any); ""
    when there is nothing to say."""
    from experiments.sweep.analyze import RBD_MIN_POINTS

    points = design.points
    if design.sampler.method not in ("lhs", "sobol") or points >= RBD_MIN_POINTS:
        return ""
    grow = f"; raise samples to {RBD_MIN_POINTS} and this store grows" if design.sampler.method == "sobol" else ""
    return (f"{design.sampler.method} with {points} points: noodplan analyze will give PRIM boxes and plots, but "
            f"no sensitivity indices (RBD-FAST needs {RBD_MIN_POINTS} points; saltelli and morris designs give "
            f"indices from fewer){grow}")


def check_arguments(out, executor, workers, scheduler, batch_size, model, progress, on_batch, log) -> None:
    """`run_sweep`'s arguments, checked before the design is sampled or the store made: one
    ScenarioError line naming the argument (what the command's parser checks for its options)."""
    from experiments.sweep.design import MAX_SWEEP_RUNS
    from model.scenario import ScenarioError, whole_argument

    if not isinstance(out, str | Path) or not str(out).strip():
        raise ScenarioError(f"out: the result store's folder (a path), not {type(out).__name__} {out!r:.60}")
    executors.check(executor, workers, scheduler)
    if batch_size is not None:
        whole_argument("batch_size", batch_size, 1, MAX_SWEEP_RUNS, " runs")
    if progress is not None and not isinstance(progress, bool):
        raise ScenarioError(f"progress: True, False or None (on a terminal), not {type(progress).__name__} "
                            f"{progress!r:.60}")
    for name, f in (("model", model), ("on_batch", on_batch), ("log", log)):
        if (f is not None or name == "log") and not callable(f):
            raise ScenarioError(f"{name}: a function, not {type(f).__name__} {f!r:.60}")


def _compute(exe, tasks, store: Store, labels: list[str], kpis: list[str], result: SweepResult, total: int,
             progress: bool | None, on_batch, log: Callable[[str], None]) -> None:
    """Write each batch as it comes back; a progress bar on a terminal (runs done, failures, time
    left), a line every LOG_EVERY_S seconds otherwise (a cluster job's log) unless `progress` is False."""
    from tqdm import tqdm

    on_terminal = sys.stderr.isatty()
    t0 = last = time.monotonic()
    with tqdm(total=total, unit="run", file=sys.stderr, disable=not (on_terminal if progress is None else progress),
              desc="runs", dynamic_ncols=True) as bar:
        for task, outcomes in exe.run(tasks):
            with _no_interrupt():       # a computed batch is written whole, then Ctrl-C is answered
                store.write_batch(task, outcomes, labels, kpis)
            result.computed += len(task)
            result.failed += sum(not o.ok for o in outcomes)
            bar.update(len(task))
            bar.set_postfix_str(f"failed {result.failed}", refresh=False)
            now = time.monotonic()
            if bar.disable and progress is None and now - last >= LOG_EVERY_S:
                last = now
                left = (now - t0) / result.computed * (total - result.computed)
                log(f"{result.computed:,} of {total:,} runs, {result.failed:,} failed, {time_left(left)}")
            if on_batch is not None:
                on_batch(result.computed, total)


def time_left(seconds: float) -> str:
    """The progress line's estimate: 'under a minute left', 'about 7 min left', 'about 3 h 05 min left'
    (it said 'about 0 min left' in the last half minute and '185 min' for three hours)."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute left"
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60:02d} min left"


class _no_interrupt:
    """Let a step finish (a batch's write, the executor's clean-up) before Ctrl-C or SIGTERM takes
    effect: one that arrives meanwhile is noted and handed afterwards to the handler it was meant for
    (Python's, raising KeyboardInterrupt; the command's, which turns SIGTERM into one too). A signal
    without a Python handler (SIGTERM outside the command: it ends the process) is left alone, and
    outside the main thread (no signal handlers there) nothing is held."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self):
        self.pending: list[int] = []
        self.old: dict[int, Callable] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                handler = signal.getsignal(sig)
                if callable(handler):
                    self.old[sig] = handler
                    signal.signal(sig, self._defer)

    def _defer(self, signum, frame):
        self.pending.append(signum)

    def __exit__(self, kind, exc, tb):
        for sig, handler in self.old.items():
            signal.signal(sig, handler)
        if self.pending and kind is None:
            self.old[self.pending[0]](self.pending[0], None)


def _iso(t0: float) -> str:
    import datetime as dt

    return (dt.datetime.now() - dt.timedelta(seconds=time.perf_counter() - t0)).isoformat(timespec="seconds")

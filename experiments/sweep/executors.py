"""Where the batches run: in this process, on a pool of processes, or on a Dask cluster.

An executor takes a model (shipped to each worker once) and a list of tasks (batches of runs)
and yields each task with its outcomes as soon as it is done, in any order; the caller writes
them to the store. Results do not depend on the executor: every run is a pure function of its
scenario and seed.

* `serial`    — one after the other in this process;
* `processes` — a pool of worker processes on this machine (default: all cores). A worker that
  dies (killed, out of memory) breaks the pool; the pool is started again and the batches not
  yet done are sent again, until no batch completes across three restarts in a row;
* `dask`      — a Dask cluster: a `LocalCluster` of single-threaded worker processes by default,
  or an existing scheduler (`--scheduler tcp://host:8786`: a workstation, Slurm through
  dask-jobqueue, Kubernetes through the Dask operator; see docs/sweeps.md). Dask itself sends a
  killed worker's task to another worker (up to its `allowed-failures`, then the batch's runs are
  recorded as failed); a lost scheduler stops the sweep (`SchedulerLost`), and the same command
  resumes it.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Any
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from experiments.outputs import check_main_guard, forkserver, process_pool, stop_workers
from experiments.sweep.runner import Model, Outcome, RunSpec, describe, run_batch
from model.scenario import MAX_JOBS, ScenarioError, choice_argument, whole_argument

EXECUTORS = ("serial", "processes", "dask")
CONNECT_TIMEOUT = "20s"         # how long a Dask scheduler given by address may take to answer at the start
MAX_DASK_WORKERS = 10_000       # workers of a Dask cluster; processes on this machine: MAX_JOBS
Task = list[RunSpec]
Done = tuple[Task, list[Outcome]]


class SchedulerLost(RuntimeError):
    """The Dask scheduler went away mid-sweep; what was written is kept and a rerun resumes."""


class SchedulerUnreachable(SchedulerLost):
    """No Dask scheduler answered at the address given, at the start (a wrong address, or none
    running yet): nothing was sent; the store is as it was."""


class WorkersKeepDying(RuntimeError):
    """Worker processes died again and again without finishing a batch (out of memory?)."""


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:       # not on Linux
        return os.cpu_count() or 1


def failed(task: Task, why: str) -> list[Outcome]:
    """Every run of a task that could not run, with the reason."""
    return [Outcome(r.run_id, why) for r in task]


class Serial:
    name = "serial"
    workers = 1

    def __init__(self, model: Model) -> None:
        self.model = model

    def run(self, tasks: list[Task]) -> Iterator[Done]:
        for t in tasks:
            yield t, run_batch(self.model, t)

    def close(self) -> None:
        pass


# the model in a worker process of the pool, installed once by the pool's initializer
_installed: Model | None = None


def _install(model: Model) -> None:
    global _installed
    _installed = model
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the parent's to handle: it stops the pool


def _run_installed(task: Task) -> list[Outcome]:
    assert _installed is not None, "the pool's initializer (_install) gives each worker the model"
    return run_batch(_installed, task)


class Processes:
    """A pool of worker processes (forkserver: clean workers, no inherited threads)."""

    name = "processes"
    max_restarts = 3

    def __init__(self, model: Model, workers: int | None = None) -> None:
        self.model = model
        self.workers = workers or cores()
        self.pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        return process_pool(self.workers, "executor", "'processes'", _install, (self.model,), forkserver())

    def run(self, tasks: list[Task]) -> Iterator[Done]:
        pending = dict(enumerate(tasks))
        restarts = 0
        while pending:
            self.pool = self._start()
            futures = {self.pool.submit(_run_installed, t): i for i, t in pending.items()}
            try:
                todo = set(futures)
                while todo:
                    done, todo = wait(todo, return_when=FIRST_COMPLETED)
                    for f in done:
                        outcomes = f.result()          # BrokenProcessPool when a worker died
                        restarts = 0
                        yield pending.pop(futures[f]), outcomes
            except BrokenProcessPool:
                restarts += 1
                logging.getLogger(__name__).warning("a worker process died; restarting the pool "
                                                    "(%d batches to go)", len(pending))
                if restarts > self.max_restarts:
                    raise WorkersKeepDying(f"worker processes died {restarts} times in a row without finishing "
                                           f"a batch (out of memory?); {len(pending)} batches not run") from None
            finally:
                self._stop()

    def _stop(self) -> None:
        if self.pool is None:
            return
        stop_workers(self.pool)
        self.pool = None

    def close(self) -> None:
        self._stop()


# loggers of the client's event loop, quiet while the executor lives: a lost scheduler makes the client
# log tracebacks of its reconnection attempts, and a Ctrl-C while the main thread waits on a result
# made distributed's `sync` log its cancel callback's NameError ("cannot access free variable
# 'future'", a Dask bug) through tornado.application; the sweep reports both itself, in one line
QUIET = ("distributed.client", "distributed.utils", "distributed.comm", "tornado.application")


class _HeldCtrlC:
    """Hold Ctrl-C (SIGINT) while a local cluster starts: a Ctrl-C meanwhile is noted (`pending`) and
    answered once the cluster is up, by closing it and raising KeyboardInterrupt (the command's one
    line, exit code 130). Its worker processes do not see it: they are forked from a forkserver
    started with SIGINT ignored (`experiments.outputs.forkserver`), and keep ignoring it (the command stops the
    cluster itself). Before, the command ignored SIGINT while the cluster started (so that its
    spawned workers inherited the ignored signal): a Ctrl-C in those seconds was lost, and the sweep
    ran on to its end. In a thread other than the main one (no signal handlers there) it holds nothing."""

    pending = False

    SIGNALS = (signal.SIGINT, signal.SIGTERM)      # SIGTERM (a Slurm job at its walltime) likewise

    def __enter__(self) -> _HeldCtrlC:
        self.old: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            self.old = {sig: signal.signal(sig, self._note) for sig in self.SIGNALS}
        return self

    def _note(self, signum, frame) -> None:
        self.pending = True

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.old.items():
            signal.signal(sig, handler)
        self.old = {}


# How long a local cluster may take to close at the end of a sweep (under a second on a quiet machine). Past it
# the sweep goes on to record its session and rebuild the store's views: before, Dask's TimeoutError (an
# OSError) after 10 s on a loaded machine ended the command as a full disk ("could not write into STORE
# (TimeoutError) ... Make room"), exit 2, with every run computed and the views not rebuilt.
CLOSE_TIMEOUT_S = 60


class Dask:
    """A Dask cluster: a LocalCluster of `workers` single-threaded processes, or `scheduler` (an address, a
    cluster object, or the user's own `Client`, which is used as it is and left open)."""

    name = "dask"

    def __init__(self, model: Model, workers: int | None = None, scheduler: Any = None) -> None:
        from dask.distributed import Client

        # a lost scheduler makes the client log tracebacks of its reconnection attempts; the sweep
        # reports the loss itself, in one line
        self._levels = {n: logging.getLogger(n).level for n in QUIET}
        for n in QUIET:
            logging.getLogger(n).setLevel(logging.CRITICAL)
        self.cluster: Any = None
        self.client: Any = None
        self.scheduler: Any = None
        self._config: Any = None        # dask.config.set(...) for a local cluster, undone by close()
        self._held: _HeldCtrlC | None = None
        self._own_client = True
        self.note = ""                  # what the sweep says after close(), when there is something to say
        if _is_client(scheduler):           # the user's own Client: used as it is, and left open
            self.client, self._own_client = scheduler, False
            scheduler = self.client.scheduler.address
        elif scheduler:
            try:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                raise SchedulerUnreachable(f"--scheduler: cannot reach {scheduler} ({exc})") from None
        else:
            scheduler = self._start_local(workers)
        self.scheduler = scheduler
        self._connect(model, workers)

    def _start_local(self, workers: int | None) -> str:
        """A LocalCluster of `workers` single-threaded processes, forked from the forkserver (as the
        `processes` executor's: started with SIGINT ignored and the same modules preloaded), with
        Ctrl-C held while it starts (`_HeldCtrlC`); the model is sent in `_connect`."""
        import dask
        from dask.distributed import Client, LocalCluster

        try:
            forkserver()
        except BaseException:
            self.close()
            raise
        self._config = dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
        self._held = _HeldCtrlC().__enter__()
        # The scheduler's HTTP routes on a free port (on 8787 Dask warned when it was taken). The cluster's own
        # processes log nothing below CRITICAL: a worker whose heartbeat finds the scheduler closing (a Ctrl-C,
        # the end of a sweep on a busy machine) logged "Failed to communicate with scheduler during heartbeat"
        # with three chained tracebacks beside the command's one line (CI, 6 December 2026); a task's error
        # and a lost worker reach the sweep through their futures, and it reports them itself
        try:
            self.cluster = LocalCluster(n_workers=workers or cores(), threads_per_worker=1, processes=True,
                                        dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                        silence_logs=logging.CRITICAL)
            self.client = Client(self.cluster)
            return str(self.cluster.scheduler_address)
        except BaseException:
            self.close()
            raise

    def _connect(self, model: Model, workers: int | None) -> None:
        try:
            info = self.client.scheduler_info()
            connected = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
            self.workers = max(connected, workers or 0) or 1      # a cluster may still be growing: plan for `workers`
            self.model_future = self.client.scatter(model, broadcast=True, hash=False)
        except BaseException:
            self.close()
            raise
        if self._held is not None:
            self._held.__exit__()
            if self._held.pending:       # a Ctrl-C while the cluster started: answered now that it can be closed
                self.close()
                raise KeyboardInterrupt

    def run(self, tasks: list[Task]) -> Iterator[Done]:
        from dask.distributed import as_completed
        from distributed.scheduler import KilledWorker

        futures = {self.client.submit(run_batch, self.model_future, t, pure=False): i for i, t in enumerate(tasks)}
        try:
            for f in as_completed(futures):
                t = tasks[futures[f]]
                try:
                    yield t, f.result()
                except KilledWorker as exc:
                    yield t, failed(t, f"{describe(exc)} (its worker died again and again: out of memory?)")
                except Exception as exc:
                    if f.status == "cancelled" or _lost(exc):
                        raise SchedulerLost(f"lost the Dask scheduler at {self.scheduler} ({describe(exc)})") from None
                    yield t, failed(t, describe(exc))
        except OSError as exc:
            raise SchedulerLost(f"lost the Dask scheduler at {self.scheduler} ({describe(exc)})") from None
        finally:
            for f in futures:
                if not f.done():
                    f.cancel()

    def close(self) -> None:
        try:
            if self._own_client and self.client is not None:
                self.client.close(timeout=10)
        except Exception:
            pass
        finally:
            if self.cluster is not None:
                cluster, self.cluster = self.cluster, None
                try:
                    cluster.close(timeout=CLOSE_TIMEOUT_S)
                except TimeoutError:
                    self.note = (f"note: the local Dask cluster did not close within {CLOSE_TIMEOUT_S} s (a busy "
                                 f"machine?); its worker processes end with this process")
            if self._config is not None:
                self._config.__exit__(None, None, None)
                self._config = None
            if self._held is not None:
                self._held.__exit__()
            for name, level in self._levels.items():
                logging.getLogger(name).setLevel(level)


def _is_client(scheduler) -> bool:
    """Is `scheduler` a `dask.distributed.Client` (without importing Dask for the other executors)?"""
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(scheduler, distributed.Client)


def _lost(exc: BaseException) -> bool:
    from concurrent.futures import CancelledError

    return isinstance(exc, (CancelledError, OSError)) or type(exc).__name__ in ("FutureCancelledError",
                                                                                 "CommClosedError")


def check(name: str, workers: int | None = None, scheduler=None) -> None:
    """The executor's arguments as a caller gives them (`make`, `run_sweep`, `noodplan sweep`): a
    known name, `workers` None or 1 to MAX_JOBS processes (serial: 1; dask: up to MAX_DASK_WORKERS),
    `scheduler` only for dask, an address (text) or a Dask cluster object. One ScenarioError line
    naming the argument, before any executor or store is made."""
    choice_argument("executor", name, EXECUTORS)
    if workers is not None:
        hi = {"serial": 1, "processes": MAX_JOBS, "dask": MAX_DASK_WORKERS}[name]
        whole_argument("workers", workers, 1, hi, f" {'processes' if name != 'dask' else 'workers'} "
                                                  f"for the {name} executor")
    if scheduler is not None:
        if name != "dask":
            raise ScenarioError(f"scheduler: only with the dask executor (got executor {name!r})")
        if (not (isinstance(scheduler, str) and scheduler.strip()) and not hasattr(scheduler, "scheduler_address")
                and not _is_client(scheduler)):
            raise ScenarioError(f"scheduler: a Dask scheduler's address (tcp://host:8786), a Dask cluster object or a "
                                f"dask.distributed.Client, not {type(scheduler).__name__} {scheduler!r:.60}")
        if _is_client(scheduler) and scheduler.status != "running":
            raise ScenarioError(f"scheduler: the Dask Client is {scheduler.status}, not running")
    if name == "processes" or (name == "dask" and scheduler is None):      # both fork from the forkserver
        check_main_guard("executor", repr(name), "forkserver",
                         "executor='serial'", "the sweep", "docs/sweeps.md")


def make(name: str, model: Model, workers: int | None = None, scheduler: Any = None):
    """The executor named `name` ('serial', 'processes' or 'dask'); its arguments are checked first (`check`)."""
    check(name, workers, scheduler)
    if name == "serial":
        return Serial(model)
    if name == "processes":
        return Processes(model, workers)
    return Dask(model, workers, scheduler)

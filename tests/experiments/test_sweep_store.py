"""The sweep's store and executors: identical results on every executor, interruptions (Ctrl-C,
a killed worker, a lost scheduler) that leave whole runs only, reruns that compute only what is
missing, failed runs recorded while the sweep goes on."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from experiments.sweep import Store, StoreError, run_sweep
from experiments.sweep.design import design_from_dict, load_design
from experiments.sweep.executors import SchedulerLost
from model.scenario import load_scenario, with_changes
from model.simulate import simulate
from tests.experiments.test_sweep_support import Failing, Linear, Slow, toy_design, write_design

ROOT = Path(__file__).resolve().parents[2]
NOODPLAN = [sys.executable, "-c", "import sys; from viz.cli import main; sys.exit(main())"]


def _contents(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, xr.Dataset | None]:
    s = Store.open(path)
    daily = xr.open_zarr(path / "daily.zarr", consolidated=False).load() if (path / "daily.zarr").exists() else None
    return pd.read_parquet(path / "runs.parquet"), s.plan(), daily


def _assert_same_store(a: Path, b: Path) -> None:
    runs_a, plan_a, daily_a = _contents(a)
    runs_b, plan_b, daily_b = _contents(b)
    pd.testing.assert_frame_equal(runs_a, runs_b)
    pd.testing.assert_frame_equal(plan_a, plan_b)
    assert (daily_a is None) == (daily_b is None)
    if daily_a is not None:
        xr.testing.assert_identical(daily_a, daily_b)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small northern design run serially, in one go: what every other way must reproduce."""
    folder = tmp_path_factory.mktemp("reference")
    design = write_design(folder)
    r = run_sweep(design, folder / "store", executor="serial")
    assert r.complete and r.computed == 8 and r.failed == 0
    return design, folder / "store"


@pytest.mark.slow
def test_identical_store_on_serial_processes_and_dask(reference, tmp_path):
    design, serial = reference
    runs, _plan, daily = _contents(serial)
    # the world is real: beds run short, the plan climbs, runs differ by input and seed
    assert len(runs) == 8 and (runs["status"] == "ok").all() and runs["run_id"].is_unique
    assert runs["unsheltered_person_nights"].nunique() > 1 and runs["max_phase"].max() >= 2
    kpis = ["unsheltered_person_nights", "peak_unsheltered", "max_phase", "cost_million_eur", "moves_per_person"]
    assert len(runs[kpis].drop_duplicates()) == 8           # every run its own figures
    assert daily.sizes == {"run": 8, "day": 40} and list(daily["run"].values) == runs["run_id"].tolist()
    assert float(daily["unsheltered"].sum("day")[0]) == runs["unsheltered_person_nights"].iloc[0]
    # a stored run is the plain run: simulate() on its own, with a world of its own
    from experiments.sweep.kpis import compute
    from experiments.sweep.runner import NoodplanModel
    from model.simulate import simulate

    d = load_design(design)
    last = runs.iloc[-1]
    sc = NoodplanModel(d).scenario({"housing": last["housing"],
                                    "noodopvang_at_unsheltered": last["noodopvang_at_unsheltered"]})
    alone = compute(simulate(sc, seed=int(last["seed"])), d.kpis)
    assert alone == {k: last[k] for k in d.kpis}
    for executor in ("processes", "dask"):
        r = run_sweep(design, tmp_path / executor, executor=executor, workers=2, batch_size=3)
        assert r.workers == 2 and r.computed == 8
        _assert_same_store(serial, tmp_path / executor)


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_workers_are_forked_from_a_single_threaded_server_without_a_warning(reference, tmp_path, executor):
    """Python 3.12 warns of a fork() in a multi-threaded process (a lock held by another thread stays
    locked in the child). The workers are forked from the forkserver, whose preload (pandas, hence
    pyarrow) started jemalloc's background thread there: with warnings shown (PYTHONWARNINGS, a
    test run, a notebook) every worker's start printed 'This process ... is multi-threaded, use of
    fork() may lead to deadlocks in the child'. The server now starts without it; the store is the
    serial one, bit for bit."""
    design, serial = reference
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "always::DeprecationWarning"}
    env.pop("JE_ARROW_MALLOC_CONF", None)
    out = tmp_path / executor
    done = subprocess.run([*NOODPLAN, "sweep", str(design), "--out", str(out), "--executor", executor,
                           "--workers", "2", "--batch-size", "3"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "multi-threaded" not in done.stderr and "fork()" not in done.stderr, done.stderr
    _assert_same_store(serial, out)
    if executor == "processes":     # from a thread (a notebook's widget callback, a web app): the same server
        script = (f"import threading\nfrom experiments.sweep import run_sweep\n"
                  f"t = threading.Thread(target=run_sweep, args=({str(design)!r}, {str(tmp_path / 'thread')!r}),\n"
                  f"                     kwargs={{'executor': 'processes', 'workers': 2, 'batch_size': 3}})\n"
                  f"t.start(); t.join()\n")
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0 and "multi-threaded" not in done.stderr, done.stderr
        _assert_same_store(serial, tmp_path / "thread")


def test_a_local_dask_cluster_slow_to_close_does_not_end_the_sweep_as_a_full_disk(tmp_path, monkeypatch, capsys):
    """Under load a local cluster took more than the 10 s the sweep gave it to close: Dask's
    TimeoutError (an OSError) came out of the executor's clean-up, so every run was computed but the
    session was not recorded, the store's views were not rebuilt, and the command said
    "could not write into STORE (TimeoutError) ... Make room", exit 2. A close that times out is now
    a one-line note; the sweep ends as it should."""
    from distributed import LocalCluster

    from viz.cli import main

    real = LocalCluster.close

    def timed_out(self, timeout=None):
        real(self)                                      # closed (the test leaves nothing behind) ...
        raise TimeoutError(f"timed out after {timeout} s.")   # ... but later than it was given

    monkeypatch.setattr(LocalCluster, "close", timed_out)
    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 4, "seed": 1}))
    r = run_sweep(d, tmp_path / "api", executor="dask", workers=1, model=Linear())
    assert r.complete and r.computed == 4
    store = Store.open(tmp_path / "api")
    assert store.manifest["sessions"][-1]["outcome"] == "complete" and store.manifest["consolidated"]["parts"] == 4
    assert "note: the local Dask cluster did not close within 60 s" in capsys.readouterr().err
    design = tmp_path / "d.yaml"
    design.write_text("name: tiny\nscenario: stable-stock\nhorizon_days: 5\nparameters:\n"
                      "  - {path: housing.supply_persons_per_year, values: [15000, 30000]}\n"
                      "sampler: {method: grid}\noutputs: {kpis: [peak_population]}\n", encoding="utf-8")
    assert main(["sweep", str(design), "--out", str(tmp_path / "cli"), "--executor", "dask", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "2 runs computed" in captured.out and "could not write" not in captured.err, captured.err
    assert (tmp_path / "cli" / "runs.parquet").is_file()


def test_a_dask_users_own_client_runs_the_sweep_and_stays_open(reference, tmp_path):
    """A Dask user's first move: `run_sweep(..., executor="dask", scheduler=client)` with the Client
    they already have (here on a cluster of threads). The store equals the serial one, and the
    client is theirs: still running afterwards. A closed client is refused in one line."""
    from dask.distributed import Client, LocalCluster

    from model.scenario import ScenarioError

    design, serial = reference
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        r = run_sweep(design, tmp_path / "client", executor="dask", scheduler=client, batch_size=4)
        assert r.computed == 8 and client.status == "running"
        _assert_same_store(serial, tmp_path / "client")
    with pytest.raises(ScenarioError, match=r"^scheduler: the Dask Client is closed, not running$"):
        run_sweep(design, tmp_path / "closed", executor="dask", scheduler=client)
    assert not (tmp_path / "closed").exists()


def test_a_log_file_gets_a_progress_line_a_minute(tmp_path, monkeypatch):
    """Where stderr is not a terminal (a cluster job's log file) the sweep writes a progress line at
    most once a minute instead of a bar, through its `log`; `progress=False` writes none. The
    estimate said 'about 0 min left' in the last half minute and '185 min' for three hours."""
    import types

    import experiments.sweep.sweep as sweep_module
    from experiments.sweep.sweep import time_left

    clock = iter(range(0, 10_000, 40))          # 40 s of a busy machine per batch
    monkeypatch.setattr(sweep_module, "time", types.SimpleNamespace(monotonic=lambda: next(clock),
                                                                    perf_counter=time.perf_counter))
    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 4, "seed": 1}))
    said: list[str] = []
    run_sweep(d, tmp_path / "s", executor="serial", batch_size=1, model=Linear(), log=said.append)
    assert [x for x in said if " runs, " in x] == ["2 of 4 runs, 0 failed, about 1 min left",
                                                   "4 of 4 runs, 0 failed, under a minute left"]
    quiet: list[str] = []
    run_sweep(d, tmp_path / "q", executor="serial", batch_size=1, model=Linear(), log=quiet.append, progress=False)
    assert not [x for x in quiet if " runs, " in x]
    assert time_left(3 * 3600 + 5 * 60) == "about 3 h 05 min left" and time_left(7 * 60) == "about 7 min left"


def test_a_rerun_computes_only_what_is_missing(reference, tmp_path):
    design, serial = reference
    out = tmp_path / "store"

    def stop_after_three(done, total):
        if done == 3:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run_sweep(design, out, executor="serial", batch_size=1, on_batch=stop_after_three)
    store = Store.open(out)
    first = {p.name: p.stat().st_mtime_ns for p in store.part_dirs()}
    assert len(first) == 3 and len(store.done_ids()) == 3
    assert store.manifest["sessions"][-1]["outcome"] == "interrupted"
    assert (store.table()["status"] == "missing").sum() == 5
    r = run_sweep(design, out, executor="serial")
    assert (r.already, r.computed) == (3, 5)
    assert {p.name: p.stat().st_mtime_ns for p in store.part_dirs() if p.name in first} == first   # untouched
    _assert_same_store(serial, out)
    r = run_sweep(design, out, executor="serial")          # complete: nothing to compute
    assert (r.already, r.computed) == (8, 0)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_while_a_batch_is_written_keeps_the_batch(reference, tmp_path, monkeypatch, sig):
    """A Ctrl-C (or SIGTERM) that lands while a computed batch is written to the store (its daily
    figures to Zarr: about 20 ms of every batch, so a few per cent of a sweep of short runs on a
    pool) broke the write off: the batch was computed and lost, and Zarr's half-run write left
    "RuntimeWarning: coroutine 'StorePath.set_if_not_exists' was never awaited" lines after the
    command's one line (found by Ctrl-C on `noodplan sweep` with 2 workers). The batch is now
    written whole, then the interruption is answered as before."""
    import experiments.sweep.store as store_module
    from experiments import outputs

    design, serial = reference
    real = store_module._write_zarr
    writes = []

    def interrupted_write(daily, path, consolidated=False):
        writes.append(path)
        if len(writes) == 3:
            os.kill(os.getpid(), sig)         # arrives in the middle of the third batch's write
        return real(daily, path, consolidated)

    monkeypatch.setattr(store_module, "_write_zarr", interrupted_write)
    out = tmp_path / "store"
    with pytest.raises(KeyboardInterrupt), outputs.interruptible():   # the command's handlers (SIGTERM too)
        run_sweep(design, out, executor="serial", batch_size=1)
    store = Store.open(out)
    assert len(store.done_ids()) == 3                     # the batch being written when it came is kept
    assert store.manifest["sessions"][-1]["outcome"] == "interrupted"
    assert not list((out / "parts").glob(".tmp-*"))
    monkeypatch.setattr(store_module, "_write_zarr", real)
    assert run_sweep(design, out, executor="serial").computed == 5
    _assert_same_store(serial, out)


def test_ctrl_c_while_the_views_are_rebuilt_leaves_them_whole(reference, tmp_path, monkeypatch):
    """A Ctrl-C at the end of a sweep, while runs.parquet and daily.zarr are rebuilt from the parts,
    left the views marked stale (rebuilt by the next command) and, when it broke off Zarr's write,
    "coroutine ... was never awaited" RuntimeWarnings after the command's one line (found by sending
    SIGINT 20 ms into the rebuild of a 32-run store). The rebuild is now finished first."""
    import experiments.sweep.store as store_module
    from experiments import outputs

    design, serial = reference
    out = tmp_path / "store"
    shutil.copytree(serial, out)
    shutil.rmtree(out / "daily.zarr")
    real = store_module._write_zarr

    def interrupted_view(daily, path, consolidated=False):
        if consolidated:                      # the store's view, not a batch
            os.kill(os.getpid(), signal.SIGINT)
        return real(daily, path, consolidated)

    monkeypatch.setattr(store_module, "_write_zarr", interrupted_view)
    with pytest.raises(KeyboardInterrupt), outputs.interruptible():
        run_sweep(design, out, executor="serial")
    assert Store.open(out).manifest["consolidated"]["parts"] == len(Store.open(out).part_dirs())
    assert not [p.name for p in out.iterdir() if p.name.startswith(".daily")]
    _assert_same_store(serial, out)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT,        # what Ctrl-C sends
                                 signal.SIGTERM])      # a Slurm job at its walltime (docs/outputs.md: both 130)
def test_ctrl_c_then_the_same_command_resumes(reference, tmp_path, sig):
    design, serial = reference
    out = tmp_path / "store"
    cmd = [*NOODPLAN, "sweep", str(design), "--out", str(out), "--executor", "serial", "--batch-size", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "parts").glob("[0-9a-f]*"))) < 2:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    done = len(Store.open(out).done_ids())
    assert 2 <= done < 8
    assert f"interrupted; {done} of 8 runs in {out}. Run the same command to resume." in err
    assert err.count("interrupted") == 1, err       # not followed by run_command's generic line
    assert "\n\nnoodplan sweep: interrupted" not in "\n" + err, err   # no empty line first (stderr is no terminal)
    assert Store.open(out).manifest["sessions"][-1]["outcome"] == "interrupted"
    assert "Traceback" not in err
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{done} in {out}; computing {8 - done} on serial" in again.stderr
    assert f"{8 - done} run{'s' if 8 - done != 1 else ''} computed" in again.stdout     # "1 run", not "1 runs"
    _assert_same_store(serial, out)
    assert not list((out / "parts").glob(".tmp-*"))


def test_a_half_written_batch_is_not_a_run(reference, tmp_path):
    """A batch interrupted while being written is a temporary folder: not counted, cleaned up."""
    design, serial = reference
    out = tmp_path / "store"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(design, out, executor="serial", batch_size=4, on_batch=_stop)
    half = out / "parts" / ".tmp-0123456789abcdef-1-x"
    half.mkdir()
    (half / "runs.parquet").write_bytes(b"PAR1 half a file")
    assert len(Store.open(out).done_ids()) == 4
    run_sweep(design, out, executor="serial")
    assert not half.exists()
    _assert_same_store(serial, out)


def _stop(done, total):
    raise KeyboardInterrupt


def test_ctrl_c_while_a_batch_is_written_leaves_no_temporary_folder(reference, tmp_path, monkeypatch):
    # before, the batch's temporary folder stayed in parts/ until the next command on the store
    from experiments.sweep import store as store_module

    design, _ = reference

    def interrupted(outcomes, days):
        raise KeyboardInterrupt
    monkeypatch.setattr(store_module, "batch_daily", interrupted)
    out = tmp_path / "store"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(design, out, executor="serial", batch_size=4)
    assert list((out / "parts").iterdir()) == []


def test_the_store_and_each_session_record_the_code_hash_and_a_resume_on_edited_code_says_so(tmp_path,
                                                                                              monkeypatch):
    """A store made from a checkout with uncommitted changes recorded only `...-dirty`: resumed after
    another edit, the runs of both sessions looked like the same code's. Each session now records the
    hash of the code's files (as every manifest does), and a resume on other files says so."""
    from experiments import outputs
    from tests.experiments.test_sweep_support import Linear

    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 8, "seed": 1}))
    out = tmp_path / "s"

    def stop_after_four(done, total):
        if done == 4:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run_sweep(d, out, executor="serial", batch_size=2, model=Linear(), on_batch=stop_after_four)
    m = Store.open(out).manifest
    assert m["code_sha256"] == m["sessions"][0]["code_sha256"] == outputs.code_sha256()
    said: list[str] = []
    monkeypatch.setattr(outputs, "code_sha256", lambda root=None: "e" * 64)      # the files edited since
    r = run_sweep(d, out, executor="serial", model=Linear(), log=said.append)
    assert (r.already, r.computed) == (4, 4)
    assert said[0] == (f"note: {out} was last run with other code files (the same version {m['code_version']}; "
                       f"files {m['code_sha256'][:12]}, now eeeeeeeeeeee); resuming with these")
    assert [s["code_sha256"] for s in Store.open(out).manifest["sessions"]] == [m["code_sha256"], "e" * 64]


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path):
    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 16, "seed": 1}))
    r = run_sweep(d, tmp_path / "s", executor="serial", batch_size=5, model=Failing())
    runs = Store.open(tmp_path / "s").runs()
    bad = runs[runs["a"] < 0.25]
    # Latin hypercube: exactly one point in each sixteenth of a's range, so 4 below 0.25
    assert r.failed == len(bad) == 4 and r.computed == 16
    assert (bad["status"] == "error").all() and bad["y"].isna().all()
    assert bad["error"].str.fullmatch(r"ValueError: a = 0\.\d{3} is too small for this toy").all()
    good = runs[runs["a"] >= 0.25]
    assert (good["status"] == "ok").all() and (good["y"] == good["a"] + 1).all()
    again = run_sweep(d, tmp_path / "s", executor="serial", model=Failing())
    assert again.computed == 0                              # a failure is a result, not a gap


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_a_killed_worker_loses_no_run_and_duplicates_none(executor, tmp_path):
    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 24, "seed": 1}))
    out = tmp_path / "s"
    killed = []

    def kill_a_busy_worker(done, total):
        if not killed:
            pid = int(Store(out).runs()["pid"].iloc[0])     # a worker that has just finished a batch
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    r = run_sweep(d, out, executor=executor, workers=2, batch_size=2, model=Slow(0.15), on_batch=kill_a_busy_worker)
    runs = Store.open(out).runs()
    assert killed and r.computed == 24 and r.failed == 0
    assert len(runs) == 24 and runs["run_id"].is_unique and (runs["status"] == "ok").all()
    assert (runs["y"] == runs["a"] * 10 + 1).all()
    assert set(runs["pid"]) - set(killed)                   # other (or restarted) workers did the rest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_lost_scheduler_stops_the_sweep_and_a_rerun_completes_it(tmp_path):
    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}            # the toy model is imported from tests/
    # the scheduler binds a port of its own choosing and says which in its file (a port found free here could
    # be taken by another process before the scheduler bound it)
    where = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(where)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (where.exists() and where.read_text().strip().endswith("}")):
        assert scheduler.poll() is None and time.monotonic() < deadline, "the Dask scheduler did not start"
        time.sleep(0.1)
    address = json.loads(where.read_text())["address"]
    worker = subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 24, "seed": 1}))
    out = tmp_path / "s"

    def kill_the_scheduler(done, total):
        if done >= 4 and scheduler.poll() is None:
            scheduler.kill()
    try:
        with pytest.raises(SchedulerLost, match=f"lost the Dask scheduler at {address}"):
            run_sweep(d, out, executor="dask", scheduler=address, batch_size=2, model=Slow(0.2),
                      on_batch=kill_the_scheduler)
    finally:
        for p in (worker, scheduler):
            p.kill()
            p.wait(30)
    done = len(Store.open(out).done_ids())
    assert 4 <= done < 24
    assert Store.open(out).manifest["sessions"][-1]["outcome"].startswith("stopped: lost the Dask scheduler")
    r = run_sweep(d, out, executor="serial", model=Slow(0.0))
    runs = Store.open(out).runs()
    assert r.computed == 24 - done and len(runs) == 24 and runs["run_id"].is_unique
    assert (runs["y"] == runs["a"] * 10 + 1).all()


def test_a_store_belongs_to_one_sweep(reference, tmp_path, capsys):
    from experiments.cli import main

    design, serial = reference
    other = write_design(tmp_path, replicates=3, first_seed=2)
    assert main(["sweep", str(other), "--out", str(serial)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds another sweep ('north-test'); the design differs in first_seed (2 here, " \
           "1 in the store)" in err and "use a new --out" in err, err
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "x.txt").write_text("mine")
    with pytest.raises(StoreError, match="exists and is not a sweep store"):
        run_sweep(design, tmp_path / "notes", executor="serial")
    with Store.open(serial).writing(), pytest.raises(StoreError, match="is in use by another sweep"):
        run_sweep(design, serial, executor="serial")           # another sweep is writing to it
    # the same design with another name, description or analysis section is the same sweep
    d = load_design(design)
    renamed = d.model_copy(update={"name": "renamed", "description": "other words"})
    renamed._base_dir = d._base_dir
    assert renamed.fingerprint() == d.fingerprint()
    recorded = Store.open(serial).design()                  # as recorded: no scenario file needed
    assert recorded.base_hash == d.base_hash and recorded.fingerprint() == d.fingerprint()
    assert run_sweep(renamed, serial, executor="serial").computed == 0


def test_more_seeds_grow_a_finished_store_computing_only_the_new_runs(reference, tmp_path, capsys):
    # an analyst raising `replicates` of a finished sweep was refused ("holds another sweep"), so
    # every run was computed again in a new --out although the run ids are the same
    from viz.cli import main

    _design, reference = reference
    grown, fresh = tmp_path / "grown", tmp_path / "fresh"
    shutil.copytree(reference, grown)
    before = {p.name for p in (grown / "parts").iterdir()}
    three = write_design(tmp_path, replicates=3)
    assert main(["sweep", str(three), "--out", str(grown), "--executor", "serial"]) == 0
    err = capsys.readouterr().err
    assert f"note: the design adds to {grown} (replicates 2 -> 3); the store grows to 12 runs, keeps the 8 it " \
           "holds and computes only the 4 added" in err, err
    new_parts = [p for p in (grown / "parts").iterdir() if p.name not in before]
    computed = pd.concat([pd.read_parquet(p / "runs.parquet") for p in new_parts])
    assert len(computed) == 4 and set(computed["seed"]) == {3}          # the third seed's runs, nothing else
    m = Store.open(grown).manifest
    assert m["design"]["replicates"] == 3 and m["planned"]["runs"] == 12 and m["planned"]["replicates"] == 3
    assert m["grown"][0]["replicates"] == {"from": 2, "to": 3} and "replicates: 3" in m["design_text"]
    assert main(["sweep", str(three), "--out", str(fresh), "--executor", "serial"]) == 0
    capsys.readouterr()
    pd.testing.assert_frame_equal(Store.open(grown).table(), Store.open(fresh).table())
    _assert_same_store(grown, fresh)
    # analyze reads all twelve runs (three seeds a point)
    assert main(["analyze", str(grown), "--no-plots"]) == 0
    assert "4 points x 3 seed(s) = 12 runs" in (grown / "analysis" / "report.txt").read_text()
    # the same command again computes nothing; the design file as it was before the store grew is refused
    # as asking less of this sweep (it was "holds another sweep … use a new --out": the store's own
    # design, with its own runs), and with another change too as another sweep
    assert main(["sweep", str(three), "--out", str(grown), "--executor", "serial"]) == 0
    assert "nothing to compute" in capsys.readouterr().err
    before = (grown / "manifest.json").read_bytes()
    assert main(["sweep", str(write_design(tmp_path, replicates=2)), "--out", str(grown)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--out: {grown} holds more of this design than it asks: replicates 3 (here 2); " \
        f"a store is not made smaller: give the design as the store holds it (noodplan analyze {grown} reads every " \
        f"run), or a new --out" in err, err
    assert main(["sweep", str(write_design(tmp_path, replicates=2, first_seed=5)), "--out", str(grown)]) == 2
    assert "the design differs in first_seed (5 here, 1 in the store), replicates (2 here, 3 in the store)" in \
        capsys.readouterr().err
    assert (grown / "manifest.json").read_bytes() == before


def test_more_samples_grow_a_store_only_where_the_sampler_keeps_its_first_points(tmp_path):
    from tests.experiments.test_sweep_support import Linear

    class Counted(Linear):
        calls: ClassVar[list] = []

        def __call__(self, values, seed):
            self.calls.append((values["a"], seed))
            return super().__call__(values, seed)

    def design(method, samples, **changes):
        return design_from_dict(toy_design(sampler={"method": method, "samples": samples, "seed": 1}, **changes))

    for method, small, large in (("sobol", 4, 8), ("saltelli", 2, 4), ("morris", 2, 4)):
        store, fresh = tmp_path / method, tmp_path / f"{method}-fresh"
        run_sweep(design(method, small), store, executor="serial", model=Counted())
        Counted.calls.clear()
        logs: list[str] = []
        r = run_sweep(design(method, large), store, executor="serial", model=Counted(), log=logs.append)
        first = Store.open(store).plan()
        assert r.planned == len(first) and r.computed == r.planned - r.already == len(Counted.calls)
        assert r.already == run_sweep(design(method, small), tmp_path / f"{method}-small", executor="serial",
                                      model=Linear()).planned
        assert any(f"sampler.samples {small} -> {large}" in m for m in logs), logs
        run_sweep(design(method, large), fresh, executor="serial", model=Linear())
        pd.testing.assert_frame_equal(Store.open(store).table(), Store.open(fresh).table())
        assert Store.open(store).manifest["design"]["sampler"]["samples"] == large
    # a Latin hypercube is drawn for its size: its first points change, so it is another sweep
    run_sweep(design("lhs", 4), tmp_path / "lhs", executor="serial", model=Linear())
    with pytest.raises(StoreError, match=r"differs in sampler.samples \(8 here, 4 in the store: lhs's first 4 "
                                         r"points out of 8 are not the 4 it drew"):
        run_sweep(design("lhs", 8), tmp_path / "lhs", executor="serial", model=Linear())
    # anything else that differs is named, more seeds or not, and nothing is written
    manifest = (tmp_path / "sobol" / "manifest.json").read_bytes()
    for changes, says in (({"first_seed": 2, "replicates": 2}, "first_seed (2 here, 1 in the store)"),
                          ({"sampler": {"method": "sobol", "samples": 16, "seed": 2}},
                           "sampler.seed (2 here, 1 in the store)"),
                          ({"scenario": "stable-stock"}, 'scenario ("stable-stock" here, "baseline" in the store)'),
                          ({"outputs": {"kpis": ["peak_unsheltered"]}}, "outputs.kpis")):
        d = design_from_dict(toy_design(**{"sampler": {"method": "sobol", "samples": 8, "seed": 1}, **changes}))
        with pytest.raises(StoreError, match="differs in " + re.escape(says)):
            run_sweep(d, tmp_path / "sobol", executor="serial", model=Linear())
        assert (tmp_path / "sobol" / "manifest.json").read_bytes() == manifest


def test_a_growth_cut_between_its_two_renames_is_mended(tmp_path):
    # the plan is replaced before the manifest (signals held for both): a power cut between them left
    # the larger plan beside the smaller design; the next command on the store puts it right
    from tests.experiments.test_sweep_support import Linear

    small = design_from_dict(toy_design(sampler={"method": "sobol", "samples": 4, "seed": 1}, replicates=1))
    large = design_from_dict(toy_design(sampler={"method": "sobol", "samples": 4, "seed": 1}, replicates=2))
    store = tmp_path / "st"
    run_sweep(small, store, executor="serial", model=Linear())
    manifest = (store / "manifest.json").read_bytes()
    run_sweep(large, store, executor="serial", model=Linear())
    (store / "manifest.json").write_bytes(manifest)          # as if the manifest's rename never happened
    assert len(Store.open(store).plan()) == 8
    assert run_sweep(small, store, executor="serial", model=Linear()).computed == 0
    assert len(Store.open(store).plan()) == 4 and len(Store.open(store).table()) == 4
    (store / "manifest.json").write_bytes(manifest)
    assert run_sweep(large, store, executor="serial", model=Linear()).computed == 0    # its runs are there
    assert len(Store.open(store).table()) == 8 and Store.open(store).manifest["design"]["replicates"] == 2


def test_a_resume_with_another_analysis_section_takes_it(tmp_path):
    # a store resumed with the design's analysis section (or name, description) changed computes
    # nothing again, and now takes the new section: before, the manifest kept the first one and
    # `noodplan analyze` reported the conditions the analyst had replaced, without a word
    from experiments.sweep.analyze import analyze
    from tests.experiments.test_sweep_support import Linear

    def design(label, **changes):
        prim = [{"kpi": "peak_unsheltered", "above": 1, "label": label}]
        return design_from_dict(toy_design(sampler={"method": "lhs", "samples": 4, "seed": 1}, **changes,
                                           analysis={"prim": prim}))

    store = tmp_path / "st"
    assert run_sweep(design("old condition"), store, executor="serial", model=Linear()).computed == 4
    logs: list[str] = []
    r = run_sweep(design("new condition", name="toy-2"), store, executor="serial", model=Linear(), log=logs.append)
    assert r.computed == 0 and r.complete
    assert [t.label for t in Store.open(store).design().analysis.prim] == ["new condition"]
    assert Store.open(store).manifest["name"] == "toy-2"
    assert any("name and analysis changed" in m and "the runs are the same" in m for m in logs), logs
    text = analyze(Store.open(store), tmp_path / "an", plots=False).text
    assert "new condition" in text and "old condition" not in text
    logs.clear()
    run_sweep(design("new condition", name="toy-2"), store, executor="serial", model=Linear(), log=logs.append)
    assert not any("changed since" in m for m in logs)       # nothing changed: nothing said


def test_a_damaged_store_file_is_named_with_what_to_do(reference, tmp_path, capsys):
    # a store file cut short or overwritten (a full disk, an edit) ended analyze and sweep in a
    # pyarrow traceback
    from viz.cli import main

    _design, reference = reference
    for name, remedy in (("runs.parquet", "run the same sweep command: it rebuilds runs.parquet"),
                         ("plan.parquet", "run the same sweep command: it writes plan.parquet again")):
        store = tmp_path / name
        shutil.copytree(reference, store)
        (store / name).write_text("garbage")
        assert main(["analyze", str(store), "--no-plots"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{name}: damaged store file (" in err and remedy in err, err


_EDITS = {           # a manifest edited by hand or by a tool: a traceback (KeyError, TypeError, AttributeError)
    "days": ("20", "days: the longest run's days, 40 (a varied horizon_days'"),  # a run length of "20"
    "sessions": ({}, "sessions: a list of the sweep sessions"),
    "planned": ("x", "planned: the plan's samples, replicates, rows and runs"),
    "consolidated": ("yes", "consolidated: when the views were last rebuilt"),
    "kpis": ("peak_population", "kpis: a list of the key figures"),     # read as its letters
    "bases": ({}, "bases: the base scenarios"),
    "fingerprint": (None, "fingerprint: the design's fingerprint (text)"),
}


@pytest.mark.parametrize("field", [*_EDITS, "days-removed", "sessions-removed"])
@pytest.mark.parametrize("command", ["sweep", "analyze"])
def test_a_hand_edited_manifest_is_named_by_its_field(reference, tmp_path, capsys, field, command):
    import json

    from viz.cli import main

    design, reference = reference
    store = tmp_path / "store"
    shutil.copytree(reference, store)
    manifest = json.loads((store / "manifest.json").read_text())
    if field.endswith("-removed"):
        field = field.removesuffix("-removed")
        del manifest[field]
        says = f"manifest.json: damaged (no {field}); put back the manifest.json the sweep wrote"
    else:
        manifest[field] = _EDITS[field][0]
        says = f"manifest.json: damaged ({_EDITS[field][1]}"
    (store / "manifest.json").write_text(json.dumps(manifest))
    before = (store / "manifest.json").read_bytes()
    argv = (["sweep", str(design), "--out", str(store), "--executor", "serial"] if command == "sweep" else
            ["analyze", str(store), "--no-plots"])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err, err
    assert (store / "manifest.json").read_bytes() == before and not (store / "analysis").exists()


def test_a_half_copied_store_is_named_or_mended(reference, tmp_path, capsys):
    # a store copied without its parts folder -- as docs/sweeps.md offers for sharing a finished store
    # (manifest.json, plan.parquet, runs.parquet, daily.zarr) -- was "no run of this store has finished
    # yet" to analyze, and the sweep said "could not write into STORE (No such file or directory)"; a
    # part without its daily.zarr was left out of the consolidated daily figures silently; a plan.parquet
    # missing or cut short (the design's plan, made again by every sweep command) stopped the store
    from viz.cli import main

    design, reference = reference
    argv = ["sweep", str(design), "--out", str(tmp_path / "store"), "--executor", "serial"]
    store = tmp_path / "store"
    shutil.copytree(reference, store)
    shutil.rmtree(store / "parts")
    assert main(["analyze", str(reference), "--no-plots", "--out", str(tmp_path / "whole")]) == 0
    assert main(["analyze", str(store), "--no-plots", "--out", str(tmp_path / "shared")]) == 0
    assert (tmp_path / "shared" / "report.txt").read_text().split("\n", 3)[2:] == \
        (tmp_path / "whole" / "report.txt").read_text().split("\n", 3)[2:]     # (the store's name aside)
    assert '"runs": 8' in (tmp_path / "shared" / "manifest.json").read_text()
    capsys.readouterr()
    before = sorted(p.name for p in store.iterdir())
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--out: {store} is a copy of a store's views without its parts folder" in err, err
    assert sorted(p.name for p in store.iterdir()) == before
    (store / "runs.parquet").unlink()       # the runs given up: computed again
    assert main(argv) == 0
    _assert_same_store(reference, store)

    shutil.rmtree(store)
    shutil.copytree(reference, store)
    part = sorted((store / "parts").iterdir())[0]
    shutil.rmtree(part / "daily.zarr")
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith(f"noodplan: {part / 'daily.zarr'}: damaged store file (missing"), err
    assert f"remove {part} and run the same sweep command" in err, err
    shutil.rmtree(part)
    assert main(argv) == 0
    _assert_same_store(reference, store)

    for damage in ("removed", "cut short"):
        shutil.rmtree(store)
        shutil.copytree(reference, store)
        plan = store / "plan.parquet"
        plan.unlink() if damage == "removed" else plan.write_bytes((reference / "plan.parquet").read_bytes()[:100])
        assert main(argv) == 0, capsys.readouterr().err
        _assert_same_store(reference, store)


def test_a_store_without_a_finished_run_is_not_analysed(reference, tmp_path, capsys):
    # a sweep stopped before its first batch leaves its manifest and plan: analyze wrote an empty
    # report (no KPI, no index) and exited 0, as if the sweep had been analysed
    from viz.cli import main

    _design, reference = reference
    store = tmp_path / "store"
    shutil.copytree(reference, store)
    for path in [store / "parts", store / "daily.zarr", store / "runs.parquet"]:
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    before = sorted(p.name for p in store.iterdir())
    assert main(["analyze", str(store), "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no run of this store has finished yet" in err, err
    assert sorted(p.name for p in store.iterdir()) == before      # no analysis folder


def test_a_damaged_design_in_the_manifest_is_named_by_its_field(reference, tmp_path, capsys):
    # pydantic's whole report ("3 validation errors for Design name Input should be …") was cut into the line
    import json

    from viz.cli import main

    _design, reference = reference
    store = tmp_path / "store"
    shutil.copytree(reference, store)
    manifest = json.loads((store / "manifest.json").read_text())
    manifest["design"]["name"] = 5
    (store / "manifest.json").write_text(json.dumps(manifest))
    assert main(["analyze", str(store), "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "manifest.json: damaged design (name: Input should be a valid string (got 5))" in err, err


@pytest.mark.parametrize("damage", ["metadata", "chunk", "chunk-removed", "figure-removed", "empty-folder",
                                    "link-to-nothing"])
def test_a_damaged_daily_zarr_is_named_with_what_to_do(reference, tmp_path, capsys, damage):
    # a part's daily.zarr damaged ended the sweep command in a zarr/numcodecs/json traceback, or
    # (a figure's folder removed) was filled with NaN silently; following the advice restores the store.
    # A part's daily.zarr that is a link to nothing was "damaged store file (missing: …)": named as a link
    from viz.cli import main

    design, reference = reference
    store = tmp_path / "store"
    shutil.copytree(reference, store)
    part = sorted((store / "parts").iterdir())[0]
    zarr = part / "daily.zarr"
    if damage == "metadata":
        (zarr / "zarr.json").write_text("garbage")
    elif damage == "chunk":
        next(p for p in sorted((zarr / "phase").rglob("*")) if p.is_file() and p.name != "zarr.json").write_text("x")
    elif damage == "chunk-removed":     # read as NaN, like a failed run's row, until every chunk was written
        next(p for p in sorted((zarr / "phase").rglob("*")) if p.is_file() and p.name != "zarr.json").unlink()
    elif damage == "figure-removed":
        shutil.rmtree(zarr / "phase")
    elif damage == "link-to-nothing":   # (a store copied with its links, a disk not mounted)
        shutil.rmtree(zarr)
        zarr.symlink_to(tmp_path / "gone")
    else:
        shutil.rmtree(zarr)
        zarr.mkdir()
    argv = ["sweep", str(design), "--out", str(store), "--executor", "serial"]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()[-1]     # after the sweep's header ("8 in …; nothing to compute")
    assert err.startswith(f"noodplan: {zarr}: " + (f"a link to nothing (it points to {tmp_path / 'gone'}, which does "
                                                   f"not exist); " if damage == "link-to-nothing" else
                                                   "damaged store file (")), err
    assert f"remove {part} and run the same sweep command" in err, err
    shutil.rmtree(part)
    assert main(argv) == 0
    _assert_same_store(reference, store)


def test_a_disk_that_fills_mid_sweep_keeps_the_batches_and_the_same_command_resumes(reference, tmp_path, capsys,
                                                                                   monkeypatch):
    # before: "noodplan: : No space left on device" -- no store, no count, no word of resuming
    from experiments.cli import main
    from experiments.sweep import store as store_module

    design, serial = reference
    out = tmp_path / "store"
    write_batch, written = store_module.Store.write_batch, []

    def filling(self, *args):
        if len(written) == 2:
            raise OSError(28, "No space left on device")      # as pyarrow raises it: no file name
        written.append(write_batch(self, *args))
        return written[-1]
    monkeypatch.setattr(store_module.Store, "write_batch", filling)
    argv = ["sweep", str(design), "--out", str(out), "--executor", "serial", "--batch-size", "2"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.endswith(f"noodplan: --out: could not write into {out} (No space left on device); 4 of 8 runs in "
                        f"{out}. Make room (or make it writable) and run the same command to resume\n"), err
    assert err.count("noodplan:") == 1 and "Traceback" not in err
    monkeypatch.undo()
    assert main(argv) == 0
    assert "4 runs computed" in capsys.readouterr().out
    _assert_same_store(serial, out)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".lock"]   # no temporary file


def test_two_sweeps_that_make_one_store_at_once_share_it(reference, tmp_path, monkeypatch):
    # before, the second rename failed ("Directory not empty", naming a temporary folder) and left
    # its `.store.new-…` folder beside the store
    from experiments.sweep import store as store_module

    design, serial = reference
    out = tmp_path / "store"
    rename, raced = os.rename, []

    def racing(src, dst):
        if Path(dst) == out and not raced:
            raced.append(src)
            run_sweep(design, out, executor="serial")       # the other sweep makes the store first (and fills it)
        return rename(src, dst)
    monkeypatch.setattr(store_module.os, "rename", racing)
    r = run_sweep(design, out, executor="serial")
    assert raced and r.computed == 0 and r.already == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
    _assert_same_store(serial, out)


def _daily_toy(values, seed):
    return {"peak_population": values["a"] + seed}, {"population": np.full(5, values["a"] * 100 + seed)}


def test_the_daily_view_opens_in_xarray_as_documented_without_a_warning(tmp_path):
    """`xr.open_zarr(STORE / "daily.zarr")`, xarray's default, looks for consolidated metadata first:
    the view had none, and every opening printed xarray's RuntimeWarning ("Failed to open Zarr store
    with consolidated metadata, but successfully read with non-consolidated metadata …") to the
    analyst. The view now carries it, the sweep passes on no warning of Zarr's writing it, and the
    view opened so is the store's daily figures, also after the store grows (the view rewritten)."""
    import warnings

    design = design_from_dict(toy_design(replicates=1, horizon_days=5,
                                         outputs={"kpis": ["peak_population"], "daily": ["population"]}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = run_sweep(design, tmp_path / "s", executor="serial", model=_daily_toy, progress=False)
        assert r.complete and r.failed == 0
        view = xr.open_zarr(tmp_path / "s" / "daily.zarr").load()
        grown = design_from_dict(toy_design(replicates=2, horizon_days=5,
                                            outputs={"kpis": ["peak_population"], "daily": ["population"]}))
        run_sweep(grown, tmp_path / "s", executor="serial", model=_daily_toy, progress=False)
        again = xr.open_zarr(tmp_path / "s" / "daily.zarr").load()
    assert [str(w.message).splitlines()[0] for w in caught
            if "zarr" in str(w.message).lower() or "consolidated" in str(w.message).lower()] == []
    xr.testing.assert_identical(view, Store.open(tmp_path / "s").daily().sel(run=view["run"].values))
    assert again.sizes["run"] == 2 * view.sizes["run"]
    xr.testing.assert_identical(again, Store.open(tmp_path / "s").daily())


def test_the_daily_view_of_a_large_store_is_written_whatever_the_batch_size(tmp_path):
    """Over 256 runs, daily.zarr is written in chunks of 256 runs. The view kept the chunks of the
    first batch read back from parts/ (its encoding), so with batches of 3 (a 300-run sweep on 2
    workers gets 10) xarray refused the write at the end of the sweep ("would overlap multiple Dask
    chunks"): a traceback after every run was computed, and again on every rerun. With batches of 4 it
    was written in chunks of 4 runs (75 files per figure instead of 2)."""
    design = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 150, "seed": 1}, replicates=2,
                                         horizon_days=5, outputs={"kpis": ["peak_population"],
                                                                  "daily": ["population"]}))
    r = run_sweep(design, tmp_path / "s", executor="serial", batch_size=3, model=_daily_toy, progress=False)
    assert r.complete and r.computed == 300 and r.failed == 0
    view = xr.open_zarr(tmp_path / "s" / "daily.zarr", consolidated=False)
    assert view["population"].encoding["chunks"] == (256, 5)
    table = Store.open(tmp_path / "s").table().set_index("run_id").reindex(view["run"].values)
    assert len(table) == 300
    np.testing.assert_array_equal(view["population"].values, np.repeat(
        (table["a"] * 100 + table["seed"]).to_numpy()[:, None], 5, axis=1))     # each run's own series


def test_a_varied_horizon_longer_than_the_scenario_s_keeps_every_day(tmp_path):
    """The store's days were the base scenario's horizon (north: 40). A design varying horizon_days
    up to 50 with daily figures computed its first run, then stopped in a traceback while writing
    it ("could not broadcast input array from shape (50,) into shape (40,)"), and again on every
    rerun (and a horizon varied below the scenario's kept the scenario's days, all NaN past the
    runs'). The daily figures now have the longest run's days: each run's own series, NaN after its
    last day."""
    design = load_design(write_design(tmp_path, parameters=[
        {"path": "horizon_days", "values": [30, 50], "name": "days"}], sampler={"method": "grid"}, replicates=1))
    assert design.longest_days == 50
    shorter = load_design(write_design(tmp_path, parameters=[
        {"path": "horizon_days", "uniform": [10, 20], "name": "days"}], sampler={"method": "grid"}))
    assert shorter.longest_days == 20        # not north's 40: no run is longer than the varied horizon
    r = run_sweep(design, tmp_path / "s", executor="serial", progress=False)
    assert r.complete and r.computed == 2 and r.failed == 0
    store = Store.open(tmp_path / "s")
    assert store.manifest["days"] == 50
    daily = store.daily()
    assert daily.sizes == {"run": 2, "day": 50}
    for _, row in store.table().iterrows():
        alone = simulate(with_changes(load_scenario(tmp_path / "north.yaml"), {"horizon_days": int(row["days"])}),
                         seed=int(row["seed"]))
        series = daily["unsheltered"].sel(run=row["run_id"]).values
        np.testing.assert_array_equal(series[:int(row["days"])], alone.daily["unsheltered"].values)
        assert np.isnan(series[int(row["days"]):]).all()


@pytest.mark.slow
def test_ctrl_c_on_a_local_dask_cluster_is_answered_in_one_line_and_resumed(tmp_path):
    """Ctrl-C in a terminal reaches the whole process group: the command answered it (exit code 130,
    'interrupted; … Run the same command to resume'), but each worker of the LocalCluster, started
    with Python's handler, printed a 'Process Dask Worker process (from Nanny)' traceback ending in
    KeyboardInterrupt besides it. The workers now start with SIGINT ignored."""
    from tests.experiments.test_outputs import _child, _left

    design = write_design(tmp_path)
    argv = ("sweep", str(design), "--out", "store", "--executor", "dask", "--workers", "2", "--batch-size", "1")
    proc = _child(tmp_path, "", argv)
    deadline = time.monotonic() + 600              # a slow, busy machine: the moment is two parts written
    while time.monotonic() < deadline and len(list((tmp_path / "store" / "parts").glob("[0-9a-f]*"))) < 2:
        time.sleep(0.05)
    assert len(list((tmp_path / "store" / "parts").glob("[0-9a-f]*"))) >= 2, "no two parts written in 10 minutes"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.count("interrupted") == 1 and "Run the same command to resume" in err, err
    assert _left(proc.pid) == []
    done = len(Store.open(tmp_path / "store").done_ids())
    again = subprocess.run([sys.executable, "-m", "experiments.cli", *argv], cwd=tmp_path, capture_output=True,
                           text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert again.returncode == 0, again.stderr
    assert f"{8 - done} run{'s' if 8 - done != 1 else ''} computed" in again.stdout     # "1 run", not "1 runs"


@pytest.mark.slow
def test_ctrl_c_while_the_local_dask_cluster_starts_is_answered_in_one_line_and_resumed(tmp_path):
    """Ctrl-C in the seconds a LocalCluster takes to start (its workers already up) was lost: the
    command ignored SIGINT then, so that its spawned workers would inherit the ignored signal, and
    the sweep ran on to its end (exit code 0; docs said 'press it again'). The workers now fork from
    a forkserver that ignores it, and the command holds Ctrl-C while the cluster starts and answers
    it once it can close the cluster: exit code 130, one line, no worker's traceback, no process
    left, the store as made (no runs), and the same command computes every run."""
    from tests.experiments.test_outputs import _child, _left

    design = write_design(tmp_path)
    argv = ("sweep", str(design), "--out", "store", "--executor", "dask", "--workers", "2", "--batch-size", "1")
    body = """
        import os, signal
        from distributed import LocalCluster
        start = LocalCluster.__init__
        def started(self, *args, **kwargs):      # Ctrl-C to the whole group once the workers are up
            start(self, *args, **kwargs)
            os.killpg(0, signal.SIGINT)
        LocalCluster.__init__ = started
    """
    proc = _child(tmp_path, body, argv)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "Port" not in err, err
    assert err.count("interrupted") == 1 and "0 of 8 runs" in err and "Run the same command to resume" in err, err
    assert _left(proc.pid) == []
    assert Store.open(tmp_path / "store").done_ids() == set()
    again = subprocess.run([sys.executable, "-m", "experiments.cli", *argv], cwd=tmp_path, capture_output=True,
                           text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert again.returncode == 0, again.stderr
    assert "8 runs computed" in again.stdout


@pytest.mark.slow
def test_a_local_dask_cluster_beside_another_on_port_8787_starts_without_a_warning(tmp_path):
    """The scheduler of the sweep's LocalCluster serves its HTTP routes even without a dashboard, on
    port 8787 by default: with another cluster (or a workstation's scheduler, docs/sweeps.md) holding
    it, Dask printed "UserWarning: Port 8787 is already in use. Perhaps you already have a cluster
    running? Hosting the HTTP server on port … instead" to the analyst. It now takes a free port."""
    import warnings

    other = socket.socket()
    try:
        other.bind(("", 8787))
        other.listen()
    except OSError:                 # held already (another cluster on this machine): the case itself
        pass
    design = design_from_dict(toy_design(replicates=1, horizon_days=5,
                                         outputs={"kpis": ["peak_population"], "daily": ["population"]}))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = run_sweep(design, tmp_path / "s", executor="dask", workers=1, model=_daily_toy, progress=False)
    finally:
        other.close()
    assert r.complete and r.failed == 0
    assert [str(w.message) for w in caught if "already in use" in str(w.message)] == []


def test_a_scheduler_address_where_none_answers_says_to_check_it(tmp_path, monkeypatch, capsys):
    """`--scheduler` at an address where no scheduler runs (a typo, or the cluster not up yet): one line
    asking whether one runs there, exit code 1, the store as it was (made, no run). It said "Run the same
    command to resume", as for a scheduler lost mid-sweep, which would meet the same address."""
    pytest.importorskip("distributed")
    from experiments.cli import main
    from experiments.sweep import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")      # Dask retries a refused connection until then
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "s"
    assert main(["sweep", str(write_design(tmp_path)), "--out", str(out), "--executor", "dask",
                 "--scheduler", address]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"noodplan sweep: --scheduler: cannot reach {address} (")
    assert last.endswith(f"; 0 of 8 runs in {out}. Is a scheduler running at that address (`dask scheduler` prints "
                         f"it, as does your cluster's `scheduler_address`)? Then run the command again.")
    assert Store.open(out).done_ids() == set()

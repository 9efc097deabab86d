"""`noodplan bench --sweep`: what the sweep machinery costs and how it scales.

A 200-run design on the baseline (50 Latin-hypercube points of municipal housing supply x 4
seeds; 180 days per run by default rather than the full 730, to keep a repeat to a few minutes
on a shared 2-core machine) is run

* *bare*: a plain loop in this process, one world per point and `simulate()` per seed — the
  least any sweep could cost;
* through `run_sweep` on `serial`, `processes` with 2 workers and a local Dask cluster of 2
  single-threaded workers, each into a fresh store.

Also the costs batching saves: a no-op Dask task's round trip and a batch's write to the store.
Figures: runs per hour per core (wall time, from the call to the store's last write, including
starting the pool or cluster, and for the compute phase alone), the *overhead* of the sweep
(serial against bare: KPIs, store writes, validation; target ≤ 5 %), and the *parallel
efficiency* (runs per hour on 2 workers ÷ 2 × serial; target ≥ 85 %). Wall times on a shared
machine swing with the other users' load: every figure is repeated, the range is reported with
the load average around it, and the median is the verdict. CPU seconds (of this process and, in
the workers, of each run) do not swing with the load: the overhead is judged on them, and the
CPU a parallel sweep adds beside serial is reported as well (it misses the time workers wait).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:      # imported where used: the sweep machinery is loaded only when this bench runs
    from experiments.sweep.design import Design, Value
    from experiments.sweep.runner import DailySeries, KpiValues

TARGET_OVERHEAD = 0.05
TARGET_EFFICIENCY = 0.85


def bench_design(runs: int = 200, days: int = 180) -> Design:
    from experiments.sweep.design import design_from_dict

    return design_from_dict({
        "name": "bench-sweep", "scenario": "baseline", "horizon_days": days,
        "parameters": [{"name": "housing_supply", "path": "housing.supply_persons_per_year",
                        "uniform": [25000, 35000]}],
        "sampler": {"method": "lhs", "samples": max(2, runs // 4), "seed": 1}, "replicates": 4,   # MIN_SAMPLES
    }, "bench-sweep")


def time_bare(design: Design) -> tuple[float, float]:
    """Wall and CPU seconds for the design's runs as a plain loop: a world per point, simulate()
    per seed."""
    from experiments.sweep.runner import NoodplanModel
    from experiments.sweep.samplers import sample
    from model.simulate import simulate
    from model.world import build_world

    model = NoodplanModel(design)
    scenarios = [model.scenario(v) for v in sample(design).values]
    t0, c0 = time.perf_counter(), time.process_time()
    for sc in scenarios:
        world = build_world(sc)
        for seed in design.seeds:
            simulate(sc, seed=seed, world=world)
    return time.perf_counter() - t0, time.process_time() - c0


class CpuTimed:
    """noodplan with each run's CPU seconds (in its worker process) as an extra KPI, `cpu_s`: the
    work a run costs wherever it runs, which other users' load does not inflate."""

    def __init__(self, design: Design) -> None:
        from experiments.sweep.runner import NoodplanModel

        self.model = NoodplanModel(design)
        self.kpis = [*self.model.kpis, "cpu_s"]

    def __call__(self, values: dict[str, Value], seed: int) -> tuple[KpiValues, DailySeries | None]:
        c0 = time.process_time()
        kpis, daily = self.model(values, seed)
        return {**kpis, "cpu_s": time.process_time() - c0}, daily


def time_sweep(design: Design, executor: str, workers: int) -> dict[str, Any]:
    """One sweep into a fresh store: total and compute-phase seconds (and this process's CPU
    seconds, all of the work on `serial`)."""
    from experiments.sweep.sweep import run_sweep

    folder = Path(tempfile.mkdtemp(prefix="noodplan-bench-sweep-"))
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        r = run_sweep(design, folder / "store", executor=executor, workers=workers, progress=False,
                      log=lambda m: None, model=CpuTimed(design))
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        runs_cpu = float(r.store.runs()["cpu_s"].sum())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not r.complete or r.failed:
        raise RuntimeError(f"the benchmark's runs must all succeed: {r.failed} failed on {executor}")
    # CPU of the whole sweep: this process (client, store, Dask's scheduler in a local cluster,
    # the runs themselves on `serial`) plus the runs in worker processes
    work = cpu if executor == "serial" else cpu + runs_cpu
    return {"total_s": total, "compute_s": r.seconds, "cpu_s": work, "client_cpu_s": cpu, "runs_cpu_s": runs_cpu,
            "batch_size": r.batch_size, "workers": r.workers}


def _noop(x: int) -> int:
    return x


def task_costs(tasks: int = 400) -> dict[str, float]:
    """What batching saves: milliseconds per Dask task (no-op tasks through a 2-worker local
    cluster, submission to result) and per batch written to a store (8 runs of every KPI, Parquet)."""
    import logging

    import numpy as np
    from dask.distributed import Client, LocalCluster, as_completed

    from experiments.sweep.runner import Outcome
    from experiments.sweep.store import Store
    from experiments.sweep.sweep import plan

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        for f in as_completed([client.submit(_noop, i, pure=False) for i in range(20)]):   # warm
            f.result()
        t0 = time.perf_counter()
        for f in as_completed([client.submit(_noop, i, pure=False) for i in range(tasks)]):
            f.result()
        dask_ms = (time.perf_counter() - t0) / tasks * 1000
    design = bench_design(64, 10)
    table, runs = plan(design)
    folder = Path(tempfile.mkdtemp(prefix="noodplan-bench-store-"))
    try:
        store = Store.create_or_open(folder / "store", design, table, design.kpis)
        labels = [p.label for p in design.parameters]
        times = []
        for b in range(0, 64, 8):
            batch = runs[b:b + 8]
            outcomes = [Outcome(r.run_id, "", {k: float(np.float64(i)) for i, k in enumerate(design.kpis)})
                        for r in batch]
            t0 = time.perf_counter()
            store.write_batch(batch, outcomes, labels, design.kpis)
            times.append(time.perf_counter() - t0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"dask_task_ms": dask_ms, "store_batch_ms": statistics.median(times[1:]) * 1000}


def sweep_bench(quick: bool = False, repeats: int = 3, runs: int | None = None, days: int | None = None,
                log: Callable[[str], object] = print) -> dict[str, Any]:
    """Every figure, `repeats` times (the order of the variants rotates between repeats)."""
    runs = runs or (40 if quick else 200)
    days = days or (60 if quick else 180)
    from experiments.sweep.sweep import plan

    design = bench_design(runs, days)
    n = len(plan(design)[1])                             # runs in the design (points x seeds)
    variants = [("bare", None, 1), ("serial", "serial", 1), ("processes", "processes", 2), ("dask", "dask", 2)]
    raw: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in variants}
    time_bare(bench_design(4, 10))                       # imports and data caches warm before any timing
    time_sweep(bench_design(4, 10), "serial", 1)
    out_costs = task_costs(100 if quick else 400)
    log(f"sweep bench: {out_costs['dask_task_ms']:.1f} ms per Dask task, {out_costs['store_batch_ms']:.1f} ms "
        f"per batch written")
    for rep in range(repeats):
        order = variants[rep % len(variants):] + variants[:rep % len(variants)]
        for name, executor, workers in order:
            load0 = os.getloadavg()[0]
            m: dict[str, Any]
            if executor is None:
                t, c = time_bare(design)
                m = {"total_s": t, "compute_s": t, "cpu_s": c, "workers": 1}
            else:
                m = time_sweep(design, executor, workers)
            m["load"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
            raw[name].append(m)
            log(f"sweep bench {rep + 1}/{repeats}: {name:9s} {m['total_s']:7.1f} s total, "
                f"{m['compute_s']:7.1f} s computing (load {m['load'][0]:.1f} -> {m['load'][1]:.1f})")
    out: dict[str, Any] = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.node(),
           "cores": os.cpu_count(), "runs": n, "days": days, "full_horizon_days": 730, "repeats": repeats,
           "quick": quick, "raw": raw, "costs": out_costs,
           "targets": {"overhead": TARGET_OVERHEAD, "efficiency": TARGET_EFFICIENCY}}
    med = {k: {f: statistics.median(m[f] for m in v) for f in ("total_s", "compute_s")} for k, v in raw.items()}
    out["runs_per_hour_per_core"] = {k: {f: n / med[k][f] * 3600 / raw[k][0]["workers"] for f in med[k]}
                                     for k in raw}
    out["overhead"] = {f: med["serial"][f] / med["bare"][f] - 1 for f in ("total_s", "compute_s")}
    cpu = {k: statistics.median(m["cpu_s"] for m in v) for k, v in raw.items()}
    out["cpu_s"] = cpu
    out["overhead"]["cpu_s"] = cpu["serial"] / cpu["bare"] - 1          # steady under others' load
    out["efficiency"] = {k: {f: med["serial"][f] / (2 * med[k][f]) for f in ("total_s", "compute_s")}
                         for k in ("processes", "dask")}
    for k in ("processes", "dask"):      # the work a parallel sweep adds (not its idle time): serial / parallel CPU
        out["efficiency"][k]["cpu_s"] = cpu["serial"] / cpu[k]
    out["ranges"] = {k: {f: [min(m[f] for m in v), max(m[f] for m in v)] for f in ("total_s", "compute_s")}
                     for k, v in raw.items()}
    out["load_range"] = [min(min(m["load"]) for v in raw.values() for m in v),
                         max(max(m["load"]) for v in raw.values() for m in v)]
    return out


def format_sweep_bench(r: dict[str, Any]) -> str:
    """The figures as a plain-text table."""
    n, eff, ov = r["runs"], r["efficiency"], r["overhead"]
    lines = [f"Sweep benchmark: {n} runs of the baseline, {r['days']} days each (not the full "
             f"{r['full_horizon_days']}: the machine is shared), {r['repeats']} repeat(s); {r['cores']} cores, "
             f"load average "
             f"{r['load_range'][0]:.1f} to {r['load_range'][1]:.1f} during the runs",
             "  medians over the repeats, [range]; 'total' from the call to the last write (pool or cluster start "
             "included), 'compute' the runs alone",
             f"{'':22s} {'total s':>22s} {'compute s':>22s} {'runs/hour/core (total, compute)':>34s}"]
    for k, label in (("bare", "bare simulate() loop"), ("serial", "serial"), ("processes", "processes, 2 workers"),
                     ("dask", "dask, 2 workers")):
        rg, rate = r["ranges"][k], r["runs_per_hour_per_core"][k]
        med = {f: n * 3600 / r["raw"][k][0]["workers"] / rate[f] for f in rate}
        lines.append(f"{label:22s} {med['total_s']:7.1f} [{rg['total_s'][0]:.1f}-{rg['total_s'][1]:.1f}]"
                     f"{'':>3s} {med['compute_s']:7.1f} [{rg['compute_s'][0]:.1f}-{rg['compute_s'][1]:.1f}]"
                     f"{'':>3s} {rate['total_s']:>14,.0f} {rate['compute_s']:>10,.0f}")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"
    lines.append(f"overhead of the sweep over bare simulate(): {ov['cpu_s']:+.1%} CPU (serial, in this process), "
                 f"{ov['total_s']:+.1%} wall total, {ov['compute_s']:+.1%} wall compute "
                 f"(target ≤ {TARGET_OVERHEAD:.0%}, judged on CPU: {verdict(ov['cpu_s'] <= TARGET_OVERHEAD)})")
    for k in ("processes", "dask"):
        e = eff[k]
        lines.append(f"parallel efficiency, {k}: {e['total_s']:.0%} wall total, {e['compute_s']:.0%} wall compute "
                     f"(target ≥ {TARGET_EFFICIENCY:.0%}: {verdict(e['compute_s'] >= TARGET_EFFICIENCY)}); "
                     f"CPU: serial's work is {e['cpu_s']:.0%} of its")
    lines.append(f"CPU seconds for the {n} runs (median): " + ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_s"].items()))
    c = r["costs"]
    lines.append(f"per task on Dask {c['dask_task_ms']:.1f} ms, per batch written to the store "
                 f"{c['store_batch_ms']:.1f} ms (batches of {r['raw']['dask'][0]['batch_size']} runs here)")
    if r["quick"]:
        lines.append("(--quick: a smoke test; the figures are not comparable)")
    return "\n".join(lines)

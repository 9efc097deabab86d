"""The comparator: the one-agent-per-applicant Mesa reference (`reference_mesa.py`)
against noodplan, on the chain subset both model.

* `reference_check()`: the same aggregate statistics on the reduced scenario (sampling noise);
* `like_for_like()`: both models timed in this process on the same workload,
  ``reference_scenario(days, scale, stock)`` with the same stock waiting for a decision on day 0,
  the same seed and days, per person-day of each model's own population;
* `like_memory()`: the memory each model holds for that workload (a fresh subprocess each).

The reference (`reference_mesa.py`) is imported where it is used: it needs Mesa, which the rest of
the benchmark does not.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from experiments.bench.measure import Setup, time_headless, time_model

BASELINE_STOCK = 70_000        # the baseline's population: the like-for-like size of the verdict
LARGE_STOCK = 1_000_000        # the large like-for-like size (inflow and capacities scaled with it)


def reference_check(days: int = 365, seeds: tuple[int, ...] = (1, 2, 3)) -> dict[str, Any]:
    """Totals over `days` of noodplan and the Mesa reference on the reduced scenario, per seed,
    and the relative difference of their means (sampling noise: a few per cent)."""
    from experiments.bench import reference_mesa as ref_mesa
    from model.simulate import simulate
    from model.world import build_world

    sc = ref_mesa.reference_scenario(days)
    w = build_world(sc)
    keys = ("arrivals", "registered", "decisions", "permits", "rejections", "housed", "departed")
    ref: dict[str, list[int]] = {k: [] for k in keys}
    nood: dict[str, list[int]] = {k: [] for k in keys}
    for seed in seeds:
        m = ref_mesa.run_reference(sc, w, seed)
        for k in keys:
            ref[k].append(sum(h[k] for h in m.history))
        d = simulate(sc, seed=seed, world=w).daily
        got = dict(arrivals=d.arrivals, registered=d.registered, decisions=d.decisions, permits=d.permits,
                   rejections=d.rejections, housed=d.exits_housed, departed=d.exits_departed)
        for k in keys:
            nood[k].append(int(got[k].values.sum()))
    rel = {k: (np.mean(nood[k]) - np.mean(ref[k])) / max(np.mean(ref[k]), 1) for k in keys}
    return {"days": days, "seeds": list(seeds), "noodplan": nood, "reference": ref, "relative_difference": rel}


def like_for_like(stock: int, days: int, repeats: int = 3, reference_repeats: int | None = None,
                  seed: int = 1, memory: bool = False) -> dict[str, Any]:
    """noodplan and the Mesa reference on the same workload, timed in this process: the scenario
    `reference_scenario(days, scale, stock)` (scale = stock / 70,000, so flows and capacities are
    proportional to the stock), `stock` single applicants waiting for an IND decision on day 0,
    the same seed, the same `days`. Each model's person-days are its own population at the end
    of each day, summed; the speedup is the ratio of person-days per second (CPU time, wall
    beside it). noodplan is timed first, the reference after (its agents freed before anything
    else runs). `memory`: the memory each model holds, measured in a fresh subprocess."""
    from experiments.bench import reference_mesa as ref_mesa
    from model.world import build_world

    scale = stock / BASELINE_STOCK
    sc = ref_mesa.reference_scenario(days, scale, stock)
    w = build_world(sc)
    nood = time_headless(Setup(sc, w, days, seed), repeats)
    ref = time_model(lambda: ref_mesa.ReferenceModel(sc, w, seed=seed), days, reference_repeats or repeats)
    out: dict[str, Any] = {"scenario": sc.name, "stock": stock, "scale": scale, "days": days, "seed": seed,
           "workload": f"reference_scenario(days={days}, scale={scale:.4g}, stock={stock}): {stock:,} single "
                       f"applicants waiting for a decision on day 0, regular track, no plan; {days} days",
           "noodplan": nood.as_dict(), "reference": ref.as_dict(),
           "speedup_cpu": nood.cpu_person_days_per_s / ref.cpu_person_days_per_s,
           "speedup_wall": nood.person_days_per_s / ref.person_days_per_s}
    if memory:
        out["memory"] = {m: like_memory(m, stock, days) for m in ("noodplan", "reference")}
    return out


def like_memory_child(model: str, stock: int, days: int) -> None:
    """Run in a subprocess: build the like-for-like world, note the resident set, build `model`
    with `stock` applicants, run `days`, print one JSON line: the resident set the model holds
    (its growth over the world, after building and after the days, the larger) and the peak."""
    import json
    import os
    import resource

    from experiments.bench import reference_mesa as ref_mesa
    from model import rulebook
    from model.simulate import prepare
    from model.world import build_world

    def rss_now() -> int:
        """Resident set now, after handing freed heap back to the system (glibc), so that it
        counts what is alive rather than the high-water mark of temporaries."""
        import gc

        gc.collect()
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    sc = ref_mesa.reference_scenario(days, stock / BASELINE_STOCK, stock)
    w = build_world(sc)
    before = rss_now()
    if model == "reference":
        m = ref_mesa.ReferenceModel(sc, w, seed=1)
        built = rss_now()
        for _ in range(days):
            m.step()
        population = m.population()
    else:
        s = prepare(sc, 1, days, w)
        built = rss_now()
        for _ in range(days):
            rulebook.run_day(s)
        population = s.people.entitled()
    after = rss_now()
    held = max(built, after) - before
    print(json.dumps({"rss_before_model_bytes": before, "rss_after_build_bytes": built, "rss_after_days_bytes": after,
                      "process_peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "model_bytes": held, "bytes_per_applicant": held / max(stock, 1),
                      "population_at_end": population}))


def like_memory(model: str, stock: int, days: int) -> dict[str, Any]:
    """Memory of one like-for-like model (`noodplan` or `reference`) in a fresh subprocess: the
    growth of the resident set over imports and the world while the model is alive (so: the
    model, its agents or arrays), and the process's peak."""
    import json
    import subprocess

    code = ("from experiments.bench.reference import like_memory_child; "
            f"like_memory_child({model!r}, {stock!r}, {days!r})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

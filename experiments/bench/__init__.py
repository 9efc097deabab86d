"""`noodplan bench`: how fast the core is, and how close to what NumPy allows.

Measures, each as the median of repeated runs in this process (start-up never timed), in wall
and CPU time (CPU time is steadier on a shared machine, and the speed targets are judged on it):

* ``baseline`` two years headless: wall time, person-days per second, peak memory (subprocess)
  and time per rule of the day;
* the same run through ``ReceptionModel`` (the Mesa face), as a ratio to headless;
* the *floor*: as many NumPy operations per day (calls, and operators and indexing on arrays,
  counted exactly in a subprocess on rewritten code: `experiments.bench.opcount`) on arrays of
  the same sizes, doing no model work; the calls-only floor beside it, labelled;
* the *reference*: a plain Mesa model with one agent per applicant (``benchmarks/``), checked
  to give the same aggregate statistics on a reduced scenario, and compared like for like:
  noodplan and the reference each timed in this process on the same workload,
  ``reference_scenario(days, scale, stock)`` with the same stock of applicants waiting for a
  decision on day 0 over the same days, per person-day of each model's own population; at the
  baseline's population (70,000, the verdict) and at a large one (1,000,000, flows scaled);
  the old figure (the full baseline against the reference subset, different workloads) is
  kept beside it, labelled;
* ``mass-arrival-x2`` (when the library has it) and ``eu-scale`` (over a million people in
  reception, one year): time and peak memory.

`run_bench()` returns a JSON-ready dict; `format_table()` prints it.
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from experiments.bench.floor import count_day, time_floor
from experiments.bench.measure import (Setup, time_headless, time_mesa, time_model, time_per_day,
                                      time_per_rule)
from experiments.bench.memory import peak_memory

TARGETS = {
    "baseline_s": 0.3,             # two years headless, excluding start-up
    "baseline_over_floor": 3.0,
    "mesa_over_headless": 1.5,
    "speedup_over_reference": 100.0,
    "eu_scale_s": 10.0,            # one simulated year
    "eu_scale_peak_bytes": 1e9,
    "eu_scale_bytes_per_person": 100.0,
}

BASELINE_STOCK = 70_000        # the baseline's population: the like-for-like size of the verdict
LARGE_STOCK = 1_000_000        # the large like-for-like size (inflow and capacities scaled with it)


def _reference():
    """The Mesa reference model, `benchmarks/reference_mesa.py` beside the installed packages
    (the repository's `benchmarks/` is not installed, so the CLI may need its root on the path)."""
    try:
        from benchmarks import reference_mesa
    except ModuleNotFoundError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from benchmarks import reference_mesa
    return reference_mesa


def _scenario_exists(name: str) -> bool:
    from model.scenario import builtin_names

    return name in builtin_names()


def reference_check(days: int = 365, seeds: tuple[int, ...] = (1, 2, 3)) -> dict:
    """Totals over `days` of noodplan and the Mesa reference on the reduced scenario, per seed,
    and the relative difference of their means (sampling noise: a few per cent)."""
    from model.simulate import simulate
    from model.world import build_world

    ref_mesa = _reference()
    sc = ref_mesa.reference_scenario(days)
    w = build_world(sc)
    keys = ("arrivals", "registered", "decisions", "permits", "rejections", "housed", "departed")
    ref = {k: [] for k in keys}
    nood = {k: [] for k in keys}
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
                  seed: int = 1, memory: bool = False) -> dict:
    """noodplan and the Mesa reference on the same workload, timed in this process: the scenario
    `reference_scenario(days, scale, stock)` (scale = stock / 70,000, so flows and capacities are
    proportional to the stock), `stock` single applicants waiting for an IND decision on day 0,
    the same seed, the same `days`. Each model's person-days are its own population at the end
    of each day, summed; the speedup is the ratio of person-days per second (CPU time, wall
    beside it). noodplan is timed first, the reference after (its agents freed before anything
    else runs). `memory`: the memory each model holds, measured in a fresh subprocess."""
    from model.world import build_world

    ref_mesa = _reference()
    scale = stock / BASELINE_STOCK
    sc = ref_mesa.reference_scenario(days, scale, stock)
    w = build_world(sc)
    nood = time_headless(Setup(sc, w, days, seed), repeats)
    ref = time_model(lambda: ref_mesa.ReferenceModel(sc, w, seed=seed), days, reference_repeats or repeats)
    out = {"scenario": sc.name, "stock": stock, "scale": scale, "days": days, "seed": seed,
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

    ref_mesa = _reference()
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


def like_memory(model: str, stock: int, days: int) -> dict:
    """Memory of one like-for-like model (`noodplan` or `reference`) in a fresh subprocess: the
    growth of the resident set over imports and the world while the model is alive (so: the
    model, its agents or arrays), and the process's peak."""
    import json
    import subprocess

    root = str(Path(__file__).resolve().parents[2])
    code = (f"import sys; sys.path.insert(0, {root!r}); from experiments.bench import like_memory_child; "
            f"like_memory_child({model!r}, {stock!r}, {days!r})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_bench(repeats: int = 5, quick: bool = False, eu: bool = True, reference: bool = True,
              memory: bool = True, plot: str | None = None, log=print) -> dict:
    """All measurements; `quick` shortens horizons (for tests and smoke runs)."""
    days = 60 if quick else None
    out: dict = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.node(),
                 "python": platform.python_version(), "numpy": np.__version__, "quick": quick,
                 "repeats": repeats, "targets": TARGETS}
    log("baseline: building the world …")
    base = Setup.of("baseline", days)
    t = time_headless(base, repeats)
    out["baseline"] = t.as_dict()
    log(f"baseline: {t.median:.3f} s ({t.cpu_median:.3f} s CPU)")
    out["baseline"]["per_rule_s"] = time_per_rule(base, max(1, repeats // 2))
    counts = count_day(base)
    floor = statistics.median(time_floor(counts, repeats, ops=True))
    floor_cpu = statistics.median(time_floor(counts, repeats, clock=time.process_time, ops=True))
    calls_floor = statistics.median(time_floor(counts, repeats))
    calls_floor_cpu = statistics.median(time_floor(counts, repeats, clock=time.process_time))
    ops = counts.numpy_ops
    out["floor"] = {"median_s": floor, "cpu_median_s": floor_cpu,                 # all operations (the verdict)
                    "calls_median_s": calls_floor, "calls_cpu_median_s": calls_floor_cpu,   # calls only
                    "numpy_calls_per_day": float(counts.numpy_calls.mean()),
                    "numpy_ops_per_day": float(ops.mean()),
                    "ops_per_day_by_kind": {"call": float(counts.numpy_calls.mean()),
                                            **{k: float(v.mean()) for k, v in counts.ops.items() if k != "scalar_op"}},
                    "numpy_scalar_ops_per_day": float(counts.ops["scalar_op"].mean()),
                    "cpu_us_per_op": floor_cpu / max(float(ops.sum()), 1) * 1e6,
                    "counting": counts.counting,
                    "households_touched_per_day": float(counts.households_touched.mean()),
                    "transitions_per_day": float(counts.transitions.mean())}
    out["ratios"] = {"baseline_over_floor": t.median / floor, "baseline_over_floor_cpu": t.cpu_median / floor_cpu,
                     "baseline_over_calls_floor": t.median / calls_floor,
                     "baseline_over_calls_floor_cpu": t.cpu_median / calls_floor_cpu}
    log(f"floor: {floor_cpu:.3f} s CPU for {ops.mean():.0f} NumPy operations/day "
        f"({calls_floor_cpu:.3f} s CPU for the {counts.numpy_calls.mean():.0f} calls/day alone)")
    tm = time_mesa(base, repeats)
    out["mesa_face"] = tm.as_dict()
    out["ratios"]["mesa_over_headless"] = tm.median / t.median
    out["ratios"]["mesa_over_headless_cpu"] = tm.cpu_median / t.cpu_median
    log(f"Mesa face: {tm.median:.3f} s")
    if memory:
        out["baseline"]["memory"] = peak_memory("baseline", days)
    if reference:
        log("reference: statistics …")
        out["reference_check"] = reference_check(90 if quick else 365, (1,) if quick else (1, 2, 3))
        log(f"reference: like for like at {BASELINE_STOCK:,} applicants …")
        small = like_for_like(BASELINE_STOCK, 10 if quick else 30, repeats, 1 if quick else 3, memory=memory)
        large_stock = 200_000 if quick else LARGE_STOCK
        log(f"reference: like for like at {large_stock:,} applicants …")
        large = like_for_like(large_stock, 3 if quick else 10, 1 if quick else max(1, min(repeats, 3)),
                              1 if quick else 2, memory=memory)
        out["like_for_like"] = {"baseline_population": small, "large": large}
        rs = small["reference"]
        out["reference"] = {"days": small["days"], "stock": small["stock"],
                            "person_days_per_s": rs["person_days_per_s"],
                            "cpu_person_days_per_s": rs["cpu_person_days_per_s"],
                            "note": f"timed over {small['days']} days with {small['stock']:,} applicants "
                                    f"waiting for a decision (reference_scenario)"}
        # the verdict: like for like at the baseline's population (CPU time)
        out["ratios"]["speedup_over_reference"] = small["speedup_cpu"]
        out["ratios"]["speedup_over_reference_wall"] = small["speedup_wall"]
        out["ratios"]["speedup_over_reference_large"] = large["speedup_cpu"]
        out["ratios"]["speedup_over_reference_large_wall"] = large["speedup_wall"]
        # the old figure: noodplan's FULL baseline (all rules) against the reference subset per
        # person-day, different workloads; kept for comparison with earlier reports, not the verdict
        out["ratios"]["speedup_full_baseline_over_reference"] = t.person_days_per_s / rs["person_days_per_s"]
        out["ratios"]["speedup_full_baseline_over_reference_cpu"] = (
            t.cpu_person_days_per_s / rs["cpu_person_days_per_s"])
        log(f"reference: noodplan {small['speedup_cpu']:.1f}× at {small['stock']:,}, "
            f"{large['speedup_cpu']:.1f}× at {large['stock']:,} (CPU, like for like)")
    if _scenario_exists("mass-arrival-x2"):
        m2 = Setup.of("mass-arrival-x2", days)
        out["mass-arrival-x2"] = time_headless(m2, repeats).as_dict()
        log(f"mass-arrival-x2: {out['mass-arrival-x2']['median_s']:.3f} s")
    series = {"baseline": (counts.transitions, time_per_day(base, 3))}
    if eu and _scenario_exists("eu-scale"):
        log("eu-scale: building the world …")
        e = Setup.of("eu-scale", 30 if quick else None)
        te = time_headless(e, 1 if quick else max(1, min(repeats, 3)))
        out["eu-scale"] = te.as_dict()
        if memory:
            out["eu-scale"]["memory"] = peak_memory("eu-scale", 30 if quick else None)
        log(f"eu-scale: {te.median:.3f} s")
        if plot:
            series["eu-scale"] = (count_day(e, ops=False).transitions, time_per_day(e, 1))
    if plot:
        from experiments.bench.plot import plot_cost_per_day

        out["plot"] = str(plot_cost_per_day(series, plot))
        for label, (trans, secs) in series.items():
            ok = trans > 0
            slope = np.polyfit(np.log(trans[ok]), np.log(secs[ok]), 1)[0] if ok.sum() > 2 else float("nan")
            out.setdefault("cost_per_day", {})[label] = {
                "loglog_slope_time_vs_transitions": float(slope),
                "median_ms_per_day": float(np.median(secs) * 1e3),
                "median_transitions_per_day": float(np.median(trans))}
    out["verdict"] = _verdict(out)
    return out


def _verdict(r: dict) -> dict:
    ra = r["ratios"]
    v = {"baseline_s": r["baseline"]["cpu_median_s"] <= TARGETS["baseline_s"],
         "baseline_over_floor": ra["baseline_over_floor_cpu"] <= TARGETS["baseline_over_floor"],
         "mesa_over_headless": ra["mesa_over_headless_cpu"] <= TARGETS["mesa_over_headless"]}
    if "speedup_over_reference" in r["ratios"]:
        v["speedup_over_reference"] = r["ratios"]["speedup_over_reference"] >= TARGETS["speedup_over_reference"]
    if "eu-scale" in r:
        v["eu_scale_s"] = r["eu-scale"]["cpu_median_s"] <= TARGETS["eu_scale_s"]
        mem = r["eu-scale"].get("memory")
        if mem:
            v["eu_scale_peak_bytes"] = mem["process_peak_rss_bytes"] <= TARGETS["eu_scale_peak_bytes"]
            v["eu_scale_bytes_per_person"] = mem["bytes_per_person"] <= TARGETS["eu_scale_bytes_per_person"]
    return v


def format_table(r: dict) -> str:
    """The figures as a plain-text table."""
    b, ra, fl = r["baseline"], r["ratios"], r["floor"]
    ok = {True: "met", False: "NOT met"}
    v = r["verdict"]
    days = b["days"]
    rows = [("baseline headless", f"{b['cpu_median_s']:.3f} s CPU ({b['median_s']:.3f} s wall) for {days} days",
             f"{b['person_days_per_s'] / 1e6:.1f} M person-days/s", f"≤ {TARGETS['baseline_s']} s CPU: {ok[v['baseline_s']]}"),
            ("floor (NumPy operations)", f"{fl['cpu_median_s']:.3f} s CPU ({fl['median_s']:.3f} s wall)",
             f"{fl['numpy_ops_per_day']:.0f} ops/day (calls, operators, indexing)",
             f"run/floor {ra['baseline_over_floor_cpu']:.1f}× CPU, {ra['baseline_over_floor']:.1f}× wall "
             f"(≤ 3×: {ok[v['baseline_over_floor']]})"),
            ("  floor (NumPy calls only)", f"{fl['calls_cpu_median_s']:.3f} s CPU ({fl['calls_median_s']:.3f} s wall)",
             f"{fl['numpy_calls_per_day']:.0f} calls/day",
             f"run/floor {ra['baseline_over_calls_floor_cpu']:.1f}× CPU, {ra['baseline_over_calls_floor']:.1f}× wall "
             f"(not judged)"),
            ("Mesa face", f"{r['mesa_face']['cpu_median_s']:.3f} s CPU ({r['mesa_face']['median_s']:.3f} s wall)", "",
             f"{ra['mesa_over_headless_cpu']:.2f}× headless (≤ 1.5×: {ok[v['mesa_over_headless']]})")]
    if "like_for_like" in r:   # noodplan and the reference on the same scenario, stock and days
        ll = r["like_for_like"]
        small, large = ll["baseline_population"], ll["large"]
        for c in (small, large):
            n, f = c["noodplan"], c["reference"]
            judged = (f"≥ 100×: {ok[v['speedup_over_reference']]}; {large['speedup_cpu']:.0f}× at {large['stock']:,}"
                      if c is small else "not judged")
            rows.append((f"like for like, {c['stock']:,} applicants",
                         f"noodplan {n['cpu_person_days_per_s'] / 1e6:.1f} M vs reference "
                         f"{f['cpu_person_days_per_s'] / 1e6:.2f} M person-days/s CPU",
                         f"{c['days']} days: {c['speedup_cpu']:.1f}× CPU, {c['speedup_wall']:.1f}× wall", judged))
            mem = c.get("memory")
            if mem:
                nm, fm = mem["noodplan"], mem["reference"]
                rows.append((f"  memory, {c['stock']:,} applicants",
                             f"noodplan {nm['model_bytes'] / 1e6:.0f} MB vs reference {fm['model_bytes'] / 1e6:.0f} MB resident",
                             f"{nm['bytes_per_applicant']:.0f} vs {fm['bytes_per_applicant']:.0f} B/applicant", ""))
        rows.append(("old figure (different workloads)",
                     f"full baseline {b['person_days_per_s'] / 1e6:.1f} M vs reference "
                     f"{r['reference']['person_days_per_s'] / 1e6:.2f} M person-days/s wall",
                     f"{ra['speedup_full_baseline_over_reference']:.1f}× wall, "
                     f"{ra['speedup_full_baseline_over_reference_cpu']:.1f}× CPU", "not the verdict"))
    elif "reference" in r:
        rs = r["reference"]
        rows.append(("Mesa reference (1 agent/person)", f"{rs['person_days_per_s'] / 1e6:.2f} M person-days/s",
                     rs["note"], f"noodplan {ra['speedup_over_reference']:.0f}× faster "
                                 f"(≥ 100×: {ok[v['speedup_over_reference']]})"))
    if "mass-arrival-x2" in r:
        m = r["mass-arrival-x2"]
        rows.append(("mass-arrival-x2", f"{m['cpu_median_s']:.3f} s CPU ({m['median_s']:.3f} s wall) for {m['days']} days",
                     f"{m['person_days_per_s'] / 1e6:.1f} M person-days/s", ""))
    if "eu-scale" in r:
        e = r["eu-scale"]
        mem = e.get("memory", {})
        rows.append(("eu-scale", f"{e['cpu_median_s']:.2f} s CPU ({e['median_s']:.2f} s wall) for {e['days']} days",
                     f"{e['person_days_per_s'] / 1e6:.1f} M person-days/s",
                     f"≤ 10 s: {ok[v['eu_scale_s']]}"))
        if mem:
            rows.append(("eu-scale memory", f"peak RSS {mem['process_peak_rss_bytes'] / 1e6:.0f} MB",
                         f"traced {mem['traced_peak_bytes'] / 1e6:.0f} MB, {mem['bytes_per_person']:.0f} B/person "
                         f"in reception (peak {mem['peak_population']:,})",
                         f"≤ 1 GB: {ok[v['eu_scale_peak_bytes']]}; ≤ 100 B/person: {ok[v['eu_scale_bytes_per_person']]}"))
    if "memory" in b:
        mem = b["memory"]
        rows.append(("baseline memory", f"peak RSS {mem['process_peak_rss_bytes'] / 1e6:.0f} MB",
                     f"traced {mem['traced_peak_bytes'] / 1e6:.0f} MB, {mem['bytes_per_person']:.0f} B/person", ""))
    w = [max(len(x[i]) for x in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(row)).rstrip() for row in rows]
    if "like_for_like" in r:
        lines.append("")
        lines.append("like for like: both models on reference_scenario() (singles, regular track, no plan) with the "
                     "stated stock waiting for a decision on day 0 and flows scaled with it, the same seed and days, "
                     "each model's own person-days; the verdict is the CPU ratio at the baseline's population. "
                     "The old figure divides noodplan's full baseline (all rules, its whole horizon) by that reference.")
    lines.append("")
    lines.append("NumPy operations per day (baseline): " + ", ".join(
        f"{k} {n:.0f}" for k, n in fl["ops_per_day_by_kind"].items())
        + f"; NumPy-scalar operations {fl['numpy_scalar_ops_per_day']:.0f} (not replayed); "
          f"floor {fl['cpu_us_per_op']:.2f} µs CPU per operation")
    lines.append("")
    lines.append("time per rule of the day (baseline, whole run):")
    total = sum(b["per_rule_s"].values())
    for name, sec in sorted(b["per_rule_s"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name:24s} {sec:7.3f} s  {sec / total:5.1%}")
    if "reference_check" in r:
        c = r["reference_check"]
        lines.append("")
        lines.append(f"reference vs noodplan on the reduced scenario ({c['days']} days, seeds {c['seeds']}; mean totals):")
        for k, d in c["relative_difference"].items():
            lines.append(f"  {k:12s} noodplan {np.mean(c['noodplan'][k]):10.0f}  reference "
                         f"{np.mean(c['reference'][k]):10.0f}  ({d:+.1%})")
    if "cost_per_day" in r:
        lines.append("")
        for label, c in r["cost_per_day"].items():
            lines.append(f"cost per day, {label}: median {c['median_ms_per_day']:.2f} ms at "
                         f"{c['median_transitions_per_day']:.0f} transitions; log-log slope "
                         f"{c['loglog_slope_time_vs_transitions']:.2f}")
    return "\n".join(lines)

"""`noodplan bench`'s figures as a plain-text table (`format_table`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from experiments.bench.targets import TARGETS


def format_table(r: dict[str, Any]) -> str:
    """The figures as a plain-text table."""
    b, ra, fl = r["baseline"], r["ratios"], r["floor"]
    ok = {True: "met", False: "NOT met", None: "not judged (--quick)"}
    v = r["verdict"]
    days = b["days"]
    rows = [("baseline headless", f"{b['cpu_median_s']:.3f} s CPU ({b['median_s']:.3f} s wall) for {days} days",
             f"{b['person_days_per_s'] / 1e6:.1f} M person-days/s",
             f"≤ {TARGETS['baseline_s']} s CPU: {ok[v['baseline_s']]}"),
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
                             f"noodplan {nm['model_bytes'] / 1e6:.0f} MB vs reference "
                             f"{fm['model_bytes'] / 1e6:.0f} MB resident",
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
        rows.append(("mass-arrival-x2",
                     f"{m['cpu_median_s']:.3f} s CPU ({m['median_s']:.3f} s wall) for {m['days']} days",
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
                         f"≤ 1 GB: {ok[v['eu_scale_peak_bytes']]}; "
                         f"≤ 100 B/person: {ok[v['eu_scale_bytes_per_person']]}"))
    if "memory" in b:
        mem = b["memory"]
        rows.append(("baseline memory", f"peak RSS {mem['process_peak_rss_bytes'] / 1e6:.0f} MB",
                     f"traced {mem['traced_peak_bytes'] / 1e6:.0f} MB, {mem['bytes_per_person']:.0f} B/person", ""))
    for c in r.get("instructions", {}).values():
        if "error" in c:
            rows.append((f"instructions, {c['scenario']}", f"not counted: {c['error']}", "", ""))
            continue
        rows.append((f"instructions, {c['scenario']}", f"{c['millions']:,.0f} M for {c['days']} days (callgrind)",
                     f"{c['millions_per_day']:.2f} M/day", "load-independent"))
        day = c.get("by_rule_day") or c["millions_per_day"] * 1e3     # (the parts' whole, counted as they are)
        for part, k in sorted(c.get("by_rule", {}).items(), key=lambda item: -item[1]):
            rows.append((f"  inside {part}", f"{k:,.0f} k/day", f"{k / day:.1%} of the day", ""))
    if "soak" in r:
        from experiments.bench.soak import format_soak

        rows += format_soak(r["soak"])
    w = [max(len(x[i]) for x in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(row)).rstrip() for row in rows]
    if "like_for_like" in r:
        lines.append("")
        lines.append("like for like: both models on reference_scenario() (singles, regular track, no plan) with the "
                     "stated stock waiting for a decision on day 0 and flows scaled with it, the same seed and days, "
                     "each model's own person-days; the verdict is the CPU ratio at the baseline's population. "
                     "The old figure divides noodplan's full baseline (all rules, its whole horizon) "
                     "by that reference.")
    lines.append("")
    lines.append("NumPy operations per day (baseline): " + ", ".join(
        f"{k} {n:.0f}" for k, n in fl["ops_per_day_by_kind"].items())
        + f"; NumPy-scalar operations {fl['numpy_scalar_ops_per_day']:.0f} (not replayed); "
          f"floor {fl['cpu_us_per_op']:.2f} µs CPU per operation")
    lines.append("")
    by_rule = fl.get("ops_per_day_by_rule") or {}
    lines.append("time per rule of the day (baseline, whole run)" + (" and its NumPy operations a day:" if by_rule
                                                                      else ":"))
    total = sum(b["per_rule_s"].values())
    for name, sec in sorted(b["per_rule_s"].items(), key=lambda kv: -kv[1]):
        ops = f"  {by_rule[name]:7.0f} ops/day" if name in by_rule else ""
        lines.append(f"  {name:24s} {sec:7.3f} s  {sec / total:5.1%}{ops}")
    if "reference_check" in r:
        c = r["reference_check"]
        lines.append("")
        lines.append(f"reference vs noodplan on the reduced scenario ({c['days']} days, "
                     f"seeds {c['seeds']}; mean totals):")
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

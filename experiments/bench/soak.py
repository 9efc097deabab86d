"""The soak run: one long run (20 years of `stable-stock` by default) watched year by year.

A long run must stay steady in what it costs: CPU time per simulated year that does not grow
with the days (no queue or index that grows with them), a resident memory that grows only by
what a run keeps by design (one row per household that ever arrived, `Applicants`, one record
per bed change, the move log, and one row per location ever opened), and its bookkeeping exact
on the last day as on the first (mass balance; the per-stage counts equal a recount). Each year
also reports the locations ever made and open: passes over all location rows grow with them.
It runs in a fresh subprocess (`noodplan bench --soak [YEARS]`), so nothing earlier in the
process affects its memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np

DAYS_PER_YEAR = 365


def _rss_bytes() -> int:
    """The resident set now (Linux: /proc/self/statm), not the peak."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(scenario: str, years: int) -> None:
    """In the subprocess: run `years` years, print one JSON line of figures per year."""
    from agents.applicants import Stage
    from agents.locations import Life
    from experiments.bench.measure import recorder_of
    from model import rulebook
    from model.simulate import prepare

    s = prepare(scenario, days=years * DAYS_PER_YEAR)
    rec = recorder_of(s)
    record = sum(getattr(s.log, c).itemsize for c in ("day", "household", "origin", "destination", "reason", "km"))
    rows = []
    for year in range(years):
        t0 = time.process_time()
        for _ in range(DAYS_PER_YEAR):
            rulebook.run_day(s)
        cpu = time.process_time() - t0
        sc = rec.scalars
        end = s.day
        pop = sc["population"][:end]
        flows = (sc["arrivals"][:end] - sc["exits_housed"][:end] - sc["exits_departed"][:end]
                 - sc["exits_transferred"][:end])
        balance = int(np.abs(rec.initial_population + np.cumsum(flows) - pop).max())
        h = s.people
        recount = np.bincount(h.stage.astype(np.int64), weights=h.size, minlength=len(Stage)).astype(np.int64)
        rows.append({"year": year + 1, "cpu_s": cpu, "rss_bytes": _rss_bytes(),
                     "applicant_bytes": h.nbytes(), "move_log_bytes": s.log.n * record,
                     "households_ever": int(h.n), "moves_logged": int(s.log.n),
                     "locations_ever": int(s.locs.n), "locations_open": int((s.locs.life == Life.OPEN).sum()),
                     "population_end": int(pop[-1]), "mass_balance_max_error": balance,
                     "stage_counts_match": bool((recount == h.stage_persons).all())})
    print(json.dumps(rows))


def soak(scenario: str = "stable-stock", years: int = 20) -> dict[str, Any]:
    """Run the soak in a subprocess and summarise it: CPU time per year (first, last, and the
    slope over the years after the first, in % per year), resident memory growth per year beyond
    what the household rows and the move log explain, and the bookkeeping at the end."""
    code = f"from experiments.bench.soak import child; child({scenario!r}, {years!r})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    cpu = np.array([r["cpu_s"] for r in rows])
    rss = np.array([r["rss_bytes"] for r in rows], float)
    kept = np.array([r["applicant_bytes"] + r["move_log_bytes"] for r in rows], float)
    later = slice(1, None) if len(rows) > 2 else slice(None)      # year 1 warms caches up
    yrs = np.arange(len(rows))[later]
    per_year = lambda y: float(np.polyfit(yrs, y[later], 1)[0]) if len(yrs) > 1 else 0.0  # noqa: E731
    return {"scenario": scenario, "years": years, "per_year": rows,
            "cpu_s_first_year": float(cpu[0]), "cpu_s_last_year": float(cpu[-1]),
            "cpu_trend_pct_per_year": 100 * per_year(cpu) / float(np.median(cpu)),
            "rss_growth_bytes_per_year": per_year(rss),
            "kept_growth_bytes_per_year": per_year(kept),
            "unexplained_growth_bytes_per_year": per_year(rss - kept),
            "mass_balance_max_error": max(r["mass_balance_max_error"] for r in rows),
            "stage_counts_match": all(r["stage_counts_match"] for r in rows)}


def format_soak(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows for `format_table`."""
    return [(f"soak: {r['scenario']} {r['years']} years",
             f"{r['cpu_s_first_year']:.2f} s CPU in year 1, {r['cpu_s_last_year']:.2f} s in year {r['years']}",
             f"trend {r['cpu_trend_pct_per_year']:+.1f} %/year",
             f"mass balance error {r['mass_balance_max_error']}, stage counts "
             f"{'match' if r['stage_counts_match'] else 'DIFFER'}"),
            ("  soak memory",
             f"RSS +{r['rss_growth_bytes_per_year'] / 1e6:.1f} MB/year",
             f"rows and move log +{r['kept_growth_bytes_per_year'] / 1e6:.1f} MB/year",
             f"unexplained {r['unexplained_growth_bytes_per_year'] / 1e6:+.1f} MB/year")]

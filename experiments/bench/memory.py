"""Peak memory of one run, measured in a fresh subprocess so runs do not pollute each other."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def child(scenario: str, days: int | None) -> None:
    """Run in the subprocess: build, run the days under tracemalloc, print one JSON line."""
    import resource
    import tracemalloc

    from experiments.bench.measure import Setup, recorder_of
    from model import rulebook

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    st = Setup.of(scenario, days)
    s = st.fresh()
    _, setup_peak = tracemalloc.get_traced_memory()     # building the world, seeding the stock
    tracemalloc.reset_peak()
    for _ in range(st.days):
        rulebook.run_day(s)
    _, days_peak = tracemalloc.get_traced_memory()      # the day loop (prepare's arrays included)
    tracemalloc.stop()
    traced_peak = max(setup_peak, days_peak)
    pop = recorder_of(s).scalars["population"][: st.days]
    print(json.dumps({"traced_peak_bytes": traced_peak,
                      "traced_peak_setup_bytes": setup_peak, "traced_peak_days_bytes": days_peak,
                      "process_peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "rss_after_imports_bytes": rss_before,
                      "peak_population": int(pop.max()), "persons_ever": int(s.people.n_persons),
                      "bytes_per_person": traced_peak / max(int(pop.max()), 1)}))


def peak_memory(scenario: str, days: int | None = None) -> dict[str, Any]:
    """Peak memory of `scenario` over `days`: traced NumPy/Python allocations (tracemalloc, from
    building the world to the last day; per person: over the peak number of people in
    reception) and the subprocess's peak resident set size (interpreter and libraries included).
    The traced peak is also given for the setup (world and initial stock) and the day loop apart."""
    code = f"from experiments.bench.memory import child; child({scenario!r}, {days!r})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

"""Sweeps: many runs of noodplan over a design, on one machine or a Dask cluster, into a
resumable store, and their analysis (sensitivity, scenario discovery). See docs/sweeps.md.

    design.py     the design file (YAML, validated; JSON Schema)
    samplers.py   sample points: grid, Latin hypercube, Sobol, Saltelli, Morris
    kpis.py       key figures of a run (an extensible registry)
    runner.py     one run, one batch of runs, noodplan as a model (worker side)
    executors.py  serial, processes, Dask
    store.py      the result store (Parquet, Zarr, manifest), atomic per batch
    sweep.py      run_sweep(): plan, what is missing, batches, progress
    analyze.py    Sobol / Morris / delta indices (SALib), PRIM (EMA Workbench), report
    plots.py      the analysis' PNG figures
    ema.py        noodplan as an EMA Workbench model
    cli.py        `noodplan sweep` and `noodplan analyze`
"""

from __future__ import annotations

import importlib

_WHERE = {"Design": "design", "DesignError": "design", "load_design": "design", "Store": "store",
          "StoreError": "store", "SweepResult": "sweep", "plan": "sweep", "run_sweep": "sweep",
          "analyze": "analyze"}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """Imported on first use, so that `noodplan --help` does not load SciPy, pandas or Dask."""
    if name in _WHERE:
        return getattr(importlib.import_module(f"experiments.sweep.{_WHERE[name]}"), name)
    raise AttributeError(name)

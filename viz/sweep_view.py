"""A sweep's result store in the dashboard, read-only: what was run, its KPI table, the
sensitivity of each KPI to the inputs, the chosen KPI against every input, and the report and
PRIM boxes of `noodplan analyze` when the store has them (docs/sweeps.md).

    SweepView(store="out/plan-thresholds")      # one store
    SweepPanel(folder)                          # the dashboard's Sweeps tab: pick a store, then SweepView

The folder opened first is `noodplan ui --sweep STORE` (the environment's NOODPLAN_UI_SWEEP).

Nothing is written to the store; the sensitivity indices are computed here (as `noodplan
analyze` would) when the page opens a store, and again when the store changes while it is shown
(a sweep still running adds its batches, `noodplan analyze` writes its report): the view looks
at the store's modification times every STORE_CHECK_S seconds (`store_stamp`, a few stat calls).
"""

from __future__ import annotations

import functools
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import solara

from viz import workers
from viz.components import TypedText
from viz.figures import png_bytes
from viz.redraw import from_thread


DEFAULT_STORE = os.environ.get("NOODPLAN_UI_SWEEP", "")
SEARCH_ROOT = "out"          # where `noodplan sweep --out` stores usually are (README, docs/sweeps.md)
STORE_CHECK_S = 2.0          # seconds between two looks at the shown store's modification times


def store_stamp(path: str | Path) -> tuple[int | None, ...]:
    """When the store at `path` last changed, as the modification times (ns; None: absent) of what a
    sweep or `noodplan analyze` writes: manifest.json (each session), parts/ (a batch is renamed into
    it), runs.parquet (rebuilt at the end), the analysis folder and its report. Five stat calls, no read."""
    base = Path(path)
    stamps: list[int | None] = []
    for p in (base / "manifest.json", base / "parts", base / "runs.parquet", base / "analysis",
              base / "analysis" / "report.txt"):
        try:
            stamps.append(p.stat().st_mtime_ns)
        except OSError:
            stamps.append(None)
    return tuple(stamps)


def stores_under(root: str | Path | None = None, depth: int = 2) -> list[str]:
    """The sweep stores in `root` (default SEARCH_ROOT) and its subfolders down to `depth` levels,
    sorted by path: the folders whose manifest.json says it is a sweep store (only manifests are read)."""
    from experiments.sweep.store import FORMAT

    found, level = [], [Path(SEARCH_ROOT if root is None else root)]
    for _ in range(depth):
        level = [d for f in level if f.is_dir() for d in sorted(f.iterdir()) if d.is_dir()]
        for d in level:
            try:
                if json.loads((d / "manifest.json").read_text(encoding="utf-8")).get("format") == FORMAT:
                    found.append(str(d))
            except (OSError, ValueError, AttributeError):
                continue
    return sorted(found)


@dataclass
class Opened:
    store: object              # experiments.sweep.Store
    design: object             # experiments.sweep.Design
    table: pd.DataFrame        # one row per (point, seed)
    kpis: list[str]
    sensitivity: list          # experiments.sweep.analyze.Sensitivity per KPI
    summary: str


def open_store(path: str) -> Opened:
    """Read a store and compute what the view shows; raises StoreError for a folder that is not one."""
    from experiments.sweep.analyze import sensitivity
    from experiments.sweep.store import Store

    store = Store.open(path)
    design = store.design()
    table, plan = store.table(), store.plan()
    kpis = [k for k in store.kpis if k in table.columns]
    status = table["status"].value_counts()
    summary = (f"{design.name}: {design.sampler.method} design, {table['sample'].nunique()} points x "
               f"{design.replicates} seed(s); {status.get('ok', 0)} runs ok, {status.get('error', 0)} failed, "
               f"{status.get('missing', 0)} missing")
    return Opened(store, design, table, kpis, [sensitivity(design, plan, table, k) for k in kpis], summary)


def _png(fig) -> bytes | None:
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    try:
        return png_bytes(fig)
    finally:
        plt.close(fig)


def _image(png: bytes | None, empty: str):
    if png is None:
        return solara.Info(empty)
    return widgets.Image.element(value=png, format="png", layout=widgets.Layout(max_width="100%"))


@solara.component
def SweepView(store: str):
    """The store at `store` (a folder made by `noodplan sweep`), read-only."""
    from experiments.sweep import plots
    from experiments.sweep.store import StoreError

    # the store as it was when last read: a store that a running sweep still writes is read again when it
    # changed (read once per folder, the view showed the runs of the moment it was opened until a reload)
    unchanged: tuple[int | None, ...] | None = None      # (the store as first read)
    stamp, set_stamp = solara.use_state(unchanged)

    def load():
        read = store_stamp(store)             # before the read: a change during it is seen as one after it
        try:
            return open_store(store), "", read
        except StoreError as exc:
            return None, str(exc), read
    opened, error, read = solara.use_memo(load, [store, stamp])

    def watch():
        stop = threading.Event()

        def look() -> None:
            seen = read
            while not stop.wait(STORE_CHECK_S):
                now = store_stamp(store)
                if now != seen and not stop.is_set():
                    seen = now
                    # between the browser's messages (`viz.redraw`): the redraw reads the KPI chosen
                    from_thread(functools.partial(show, now))

        def show(stamp: tuple[int | None, ...]) -> None:
            if not stop.is_set():             # (the tab closed while the page's lock was held)
                set_stamp(stamp)
        workers.start(look, "noodplan-sweep-watch", stop)
        return stop.set           # the tab closes or another store is opened: stop looking
    solara.use_effect(watch, [store])
    kpi, set_kpi = solara.use_state(None)
    kpis = opened.kpis if opened is not None else []
    chosen = kpi if kpi in kpis else (kpis[0] if kpis else None)
    sens_png = solara.use_memo(lambda: _png(plots.sensitivity_figure(opened.sensitivity)) if opened else None,
                               [store, stamp])
    scatter_png = solara.use_memo(
        lambda: _png(plots.scatter_inputs(opened.design, opened.table, [chosen])) if chosen else None,
        [store, stamp, chosen])
    if opened is None:
        solara.Error(error)
        return
    report = Path(store) / "analysis" / "report.txt"
    boxes = sorted((Path(store) / "analysis").glob("prim_*_box.png"))
    with solara.Column(classes=["np-sweep"]):
        solara.v.Html(tag="h3", children=[f"Sweep {opened.summary}"], class_="np-sweep-summary")
        labels = [p.label for p in opened.design.parameters]
        shown = ["sample", "replicate", "seed", *labels, "status", *opened.kpis]
        solara.Markdown("**KPIs per run** (one row per point and seed)")
        solara.DataFrame(opened.table[[c for c in shown if c in opened.table.columns]], items_per_page=15)
        solara.Markdown("**Sensitivity of each KPI to the inputs**")
        _image(sens_png, "No sensitivity to show: no KPI varies, or the design has too few points "
                         "(see `noodplan analyze`).")
        if opened.kpis:
            solara.Select(label="KPI against the inputs", values=opened.kpis, value=chosen, on_value=set_kpi)
            _image(scatter_png, f"{chosen} does not vary over the sweep.")
        if report.exists():
            solara.Markdown("**Report of `noodplan analyze`**")
            solara.v.Html(tag="pre", children=[report.read_text(encoding="utf-8")], class_="np-sweep-report")
            for b in boxes:
                _image(b.read_bytes(), "")


@solara.component
def SweepPanel(folder: solara.Reactive[str]):
    """The dashboard's Sweeps tab: a store's folder (typed, or one found under `out/`), then its
    SweepView. `folder` belongs to the page, so the choice survives switching tabs."""
    found = solara.use_memo(stores_under, [])

    def pick(path: str | None) -> None:
        if path is not None:          # (nothing picked: the typed folder stays)
            folder.set(path)

    with solara.Column(classes=["np-sweep-panel"]):
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
            if found:
                solara.Select(label="Sweep stores in out/", values=found,
                              value=folder.value if folder.value in found else None, on_value=pick)
            TypedText("Result store (the folder of noodplan sweep --out)", folder, take_on_leave=True)
        if folder.value.strip():
            SweepView(store=folder.value.strip())
        else:
            solara.Info("Open the folder of a sweep's result store (`noodplan sweep DESIGN --out STORE`, "
                        "docs/sweeps.md) to see its KPI table and sensitivity plots. Read-only.")

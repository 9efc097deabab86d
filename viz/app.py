"""The noodplan dashboard page (`solara run viz.app`, or `noodplan ui`).

Isolation: every browser session gets its own `Session` (and with it its own `ReceptionModel`)
inside `Page` with `use_memo`; nothing mutable is shared. To keep the first page quick, the
process keeps one *spare* kit (a fresh session with its map and charts drawn for day 0) built in
the background: the next page takes it — it is handed to exactly one page and never reused —
and a new spare is built behind it. Read-only things are shared: the map geometry, the world
templates and the drawn backgrounds.
"""

from __future__ import annotations

import os
import queue
import threading

import solara
import solara.lab

from viz import components as c
from viz.figures import ChartsCanvas, MapCanvas
from viz.session import Session

DEFAULT_SCENARIO = os.environ.get("NOODPLAN_UI_SCENARIO", "baseline")

_spare: queue.Queue = queue.Queue(maxsize=1)
_refilling = threading.Lock()


def new_kit(name: str = DEFAULT_SCENARIO) -> tuple[Session, MapCanvas, ChartsCanvas]:
    """A fresh session with its own map and charts, drawn for day 0."""
    session = Session(name)
    m, ch = MapCanvas(session), ChartsCanvas(session)
    for canvas in (m, ch):
        canvas.update(session)
        canvas.png()
    return session, m, ch


def _refill() -> None:
    if not _refilling.acquire(blocking=False):
        return

    def work() -> None:
        try:
            if _spare.empty():
                _spare.put_nowait(new_kit())
        except Exception:
            pass
        finally:
            _refilling.release()
    threading.Thread(target=work, name="noodplan-spare", daemon=True).start()


def take_kit() -> tuple[Session, MapCanvas, ChartsCanvas]:
    """The spare kit if one is ready (then a new spare is started), else a new kit."""
    try:
        kit = _spare.get_nowait()
    except queue.Empty:
        kit = new_kit()
    _refill()
    return kit


_refill()   # at server start


@solara.component
def Dashboard(session: Session, first_map: MapCanvas | None = None, first_charts: ChartsCanvas | None = None):
    # a plain reactive (not use_reactive): only the parts that read it redraw after each day
    version = solara.use_memo(lambda: solara.reactive(0), [])
    playing = solara.use_reactive(False)
    running = solara.use_reactive(False)
    progress = solara.use_reactive(0.0)
    speed = solara.use_reactive("5 days/s")
    selection = solara.use_reactive(None)
    comparison = solara.use_reactive(None)
    tab = solara.use_reactive(0)
    gen = session.generation
    map_canvas = solara.use_memo(lambda: first_map if gen == 0 and first_map else MapCanvas(session), [gen])
    charts_canvas = solara.use_memo(lambda: first_charts if gen == 0 and first_charts else ChartsCanvas(session),
                                    [gen])

    Runner(session, version, playing, running, progress, speed)

    def on_reset():
        playing.set(False)
        running.set(False)
        selection.set(None)

    solara.Title("noodplan — reception chain simulator")
    with solara.Row(style={"align-items": "baseline", "padding": "6px 12px", "background": "#0b3d91",
                           "color": "white"}, classes=["np-header"]):
        solara.Text("noodplan", style={"font-size": "20px", "font-weight": "bold"})
        solara.Text("asylum reception chain simulator — contingency plan (noodplan verhoogde instroom)",
                    style={"font-size": "13px"})
    with solara.Columns([3, 9], style={"padding": "8px"}):
        with solara.Card("Scenario", classes=["np-scenario-card"]):
            c.ScenarioPanel(session, version, on_reset=on_reset)
        Live(session, version, playing, running, progress, speed, selection, comparison, tab,
             map_canvas, charts_canvas)


@solara.component
def Runner(session, version, playing, running, progress, speed):
    """The play loop and the long run, each in a background thread; renders nothing (its own
    state changes then re-render only this component, not the dashboard)."""
    gen = session.generation
    solara.use_thread(lambda cancel: c.play_loop(session, version, playing, c.SPEEDS[speed.value], cancel),
                      dependencies=[playing.value, speed.value, gen], intrusive_cancel=False)
    solara.use_thread(lambda cancel: c.long_run(session, version, running, progress, cancel),
                      dependencies=[running.value, gen], intrusive_cancel=False)


@solara.component
def Live(session, version, playing, running, progress, speed, selection, comparison, tab,
         map_canvas, charts_canvas):
    """Everything that changes with the simulated day; the only reader of `version`."""
    tick = version.value
    with solara.Column():
        c.RunControls(session, version, playing, running, progress, speed, tick=tick)
        with solara.lab.Tabs(value=tab, lazy=True):
            with solara.lab.Tab("Run"), solara.Column(gap="8px"):
                c.Cards(session, tick=tick)
                with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
                    with solara.Column(style={"flex": "0 0 auto"}):
                        c.MapView(session, selection, map_canvas, tick=tick)
                        c.SelectionFacts(session, selection, tick=tick)
                    with solara.Column(style={"flex": "1 1 460px", "min-width": "0"}):
                        c.Charts(session, charts_canvas, tick=tick)
                        c.EventLog(session, tick=tick)
            with solara.lab.Tab("Inspect"):
                c.InspectPanel(session, selection, tick=tick)
            with solara.lab.Tab("Compare"):
                c.ComparePanel(session, comparison)
            with solara.lab.Tab("Export"):
                c.ExportPanel(session, map_canvas, charts_canvas, comparison, tick=tick)


@solara.component
def Page():
    # One model per browser session: built here, never at module level.
    session, first_map, first_charts = solara.use_memo(take_kit, [])
    Dashboard(session, first_map, first_charts)

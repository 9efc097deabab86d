"""The noodplan dashboard page (`solara run viz.app`, or `noodplan ui`).

Isolation: the `Session` (and with it the `ReceptionModel`) is created inside `Page` with
`use_memo`, so every browser session has its own model; nothing mutable lives at module level.
Only read-only things are shared by the process: the map geometry and the world templates,
which `prewarm` starts building when the server imports this module.
"""

from __future__ import annotations

import os

import solara
import solara.lab

from viz import components as c
from viz.figures import ChartsCanvas, MapCanvas
from viz.session import Session, prewarm

DEFAULT_SCENARIO = os.environ.get("NOODPLAN_UI_SCENARIO", "baseline")
_prewarm = prewarm(DEFAULT_SCENARIO)


@solara.component
def Dashboard(session: Session):
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
    map_canvas = solara.use_memo(lambda: MapCanvas(session), [gen])
    charts_canvas = solara.use_memo(lambda: ChartsCanvas(session), [gen])

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
            with solara.lab.Tab("Run"):
                with solara.Column(gap="8px"):
                    c.Cards(session, tick=tick)
                    with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
                        with solara.Column(style={"flex": "0 0 auto"}):
                            c.MapView(session, selection, map_canvas, tick=tick)
                            c.SelectionFacts(session, selection, tick=tick)
                        with solara.Column(style={"flex": "1 1 560px", "min-width": "0"}):
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
    session = solara.use_memo(lambda: Session(DEFAULT_SCENARIO), [])
    Dashboard(session)

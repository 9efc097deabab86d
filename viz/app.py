"""The noodplan dashboard page (`solara run viz.app`, or `noodplan ui`).

Isolation: every browser page gets its own `Session` (and with it its own `ReceptionModel`)
inside `Page` with `use_memo`; nothing mutable is shared between pages. What a browser saves
(scenarios, runs) is kept per browser session (`viz.store`), so a reload finds it again. To keep
the first page quick, the process keeps one *spare* kit (a fresh session with its map drawn for
day 0) built in the background: the next page takes it — it is handed to exactly one page and
never reused — and a new spare is built behind it. Read-only things are shared: the map
geometry, the world templates and the drawn backgrounds.

Playing runs in the page's `Player` thread (`viz.player`): it simulates the days that are due
and asks for a new frame only when the last one has been drawn.
"""

from __future__ import annotations

import os
import queue
import threading

import reacton.core
import solara
from solara.alias import rv as v

from model.scenario import ScenarioError, load_scenario
from viz import components as c
from viz import forecast as fc
from viz import panels, redraw, trace
from viz.figures import MapCanvas
from viz.player import Player
from viz.reload_guard import ReloadGuard
from viz.scenario_panel import Saved, ScenarioPanel, WhatIf
from viz.session import Session
from viz.store import store_for
from viz.sweep_view import DEFAULT_STORE, SweepPanel

FALLBACK_SCENARIO = "baseline"
DEFAULT_SCENARIO = os.environ.get("NOODPLAN_UI_SCENARIO", FALLBACK_SCENARIO)

trace.install()     # NOODPLAN_UI_TRACE=1: the clicks and answers on stderr (`viz.trace`)

_spare: queue.Queue = queue.Queue(maxsize=1)
_refilling = threading.Lock()


def startup_scenario() -> tuple[str, str]:
    """The scenario to open with, and a notice when the one asked for (`noodplan ui --scenario`)
    cannot be used: then the page opens the baseline and says why, instead of failing."""
    try:
        load_scenario(DEFAULT_SCENARIO)
    except ScenarioError as exc:
        return FALLBACK_SCENARIO, (f"The scenario asked for at start could not be opened — {exc}. "
                                   f"Showing {FALLBACK_SCENARIO}.")
    return DEFAULT_SCENARIO, ""


def new_kit(name: str | None = None) -> tuple[Session, MapCanvas]:
    """A fresh session with its own map, drawn for day 0."""
    session = Session(name or startup_scenario()[0])
    m = MapCanvas(session)
    m.update(session)
    m.png()
    return session, m


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
    # not a daemon: the interpreter waits for a kit being built (under a second) before it shuts down; a daemon
    # thread still inside pydantic-core's validation when it does is killed mid-call (SIGABRT "exception not
    # rethrown", or SIGSEGV): 5 of 8 scripts that imported this module and exited a second later crashed so,
    # and a server stopped (or failing to bind its port) in its first seconds
    threading.Thread(target=work, name="noodplan-spare", daemon=False).start()


def take_kit() -> tuple[Session, MapCanvas]:
    """The spare kit if one is ready (then a new spare is started), else a new kit."""
    try:
        kit = _spare.get_nowait()
    except queue.Empty:
        kit = new_kit()
    _refill()
    return kit


_refill()   # at server start


@solara.component
def Dashboard(session: Session, first_map: MapCanvas | None = None, store=None, notice: str = ""):
    # plain reactives (not use_reactive): only the parts that read them redraw
    version = solara.use_memo(lambda: solara.reactive(0), [])      # frame number
    run_id = solara.use_memo(lambda: solara.reactive(0), [])       # bumped when the run is replaced
    at_end = solara.use_memo(lambda: solara.reactive(session.done), [])   # the run is at its horizon
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("5 days/s")
    selection = solara.use_reactive(None)
    comparison = solara.use_reactive(None)
    compare_form = solara.use_memo(lambda: panels.CompareForm.new(comparison), [])
    prognosis = solara.use_reactive(None)
    forecast_form = solara.use_memo(lambda: fc.ForecastForm.new(prognosis), [])
    tab = solara.use_reactive(0)
    sweep = solara.use_reactive(DEFAULT_STORE)       # the folder of the sweep store the Sweeps tab shows
    store = store if store is not None else store_for("local")
    rid = run_id.value
    map_canvas = solara.use_memo(lambda: first_map if rid == 0 and first_map else MapCanvas(session), [rid])
    region_canvas = solara.use_memo(lambda: MapCanvas(session), [rid])
    # the player asks for a frame only while no render of this page is under way (`viz.player`)
    render_context = reacton.core.get_render_context()
    render_lock = render_context.thread_lock
    # ... and draws it under the lock the server handles the browser's messages under (`viz.redraw`)
    player = solara.use_memo(lambda: Player(session.step, version.set, on_stop=lambda: playing.set(False),
                                            rendering=render_lock.locked, page_lock=redraw.page_lock(),
                                            together=lambda: render_context), [])

    def stop_playing():
        """Stop the player and wait for it; it then draws nothing more (the caller draws the page)."""
        player.pause()
        player.join()

    def show_new_run() -> None:
        """Draw the run that replaced the last one, in one update: its number, its first frame and the end
        of a Play (whose player, waited for, drew nothing more) set as one batch of the page's render
        context. Set one after the other, each setter drew the page, and the drawing between them showed
        the new scenario's name with the old run's day (day 197 of the run played, for the seconds the next
        drawing took on a busy machine)."""
        with render_context:          # (renders once, when the batch ends)
            playing.set(False)
            selection.set(None)
            run_id.set(run_id.value + 1)
            version.set(version.value + 1)

    def reset_to(sc=None):
        stop_playing()
        session.reset(sc)
        show_new_run()

    def replay(rec, keep=None):
        """Replay `rec` in place of the run; `keep(rec)` once it replayed, before the page redraws
        (an uploaded run file is then in the saved list the redraw shows)."""
        stop_playing()
        session.replay(rec)
        if keep is not None:
            keep(rec)
        show_new_run()

    def close_page():
        stop_playing()
        compare_form.job.abandon()
        forecast_form.job.abandon()

    solara.use_effect(lambda: close_page, [])        # the page closes: stop its player, comparison and forecast
    solara.Title("noodplan — reception chain simulator")
    solara.Style(CSS)
    with solara.Row(style={"align-items": "baseline", "padding": "6px 12px", "background": "#0b3d91",
                           "color": "white", "flex-wrap": "wrap"}, classes=["np-header"]):
        solara.Text("noodplan", style={"font-size": "20px", "font-weight": "bold"})
        solara.Text("asylum reception chain simulator — contingency plan (noodplan verhoogde instroom)",
                    style={"font-size": "14px"})
    with solara.Row(style={"padding": "8px", "align-items": "flex-start"}, classes=["np-body"]):
        with solara.Column(style={"flex": "0 1 340px", "min-width": "280px"}, classes=["np-left"]):
            with solara.Card("Scenario", classes=["np-scenario-card"]):
                ScenarioPanel(session, run_id, store, reset_to, replay, notice)
            with solara.Card("What if …", classes=["np-whatif-card"]):
                WhatIf(session, version, run_id, at_end)
            with solara.Card("Saved in this browser", classes=["np-saved-card"]):
                Saved(session, store, run_id, reset_to, replay)
        Live(session, player, version, run_id, playing, speed, selection, comparison, compare_form, tab,
             map_canvas, region_canvas, store, reset_to, sweep, prognosis, forecast_form, at_end)


@solara.component
def Live(session, player, version, run_id, playing, speed, selection, comparison, compare_form, tab, map_canvas,
         region_canvas, store, reset_to, sweep, prognosis, forecast_form, at_end):
    """Everything that changes with the simulated day; the only reader of `version`. It tells the
    left column when the run reaches its horizon or leaves it (`at_end`: set only when it changes,
    so the left column redraws then and not at every frame)."""
    tick = version.value
    rid = run_id.value
    # the frame is on its way to the browser once the render is done: the player may send the next
    solara.use_effect(lambda: player.frames.drawn(tick), [tick])
    trace.debug("render frame %d", tick)
    solara.use_effect(lambda: at_end.set(session.done), [tick, rid])
    # The Run tab stays in the page while another tab is shown, holding the frame it showed last: it was
    # lazy like the others, so coming back to it built every card, the map, the decision log and the
    # Plotly time line anew on the server and in the browser (4-22 s during the fastest Play with a core
    # kept busy). Now the browser shows it again at once and the next render sends one frame's update.
    entries = len(session.state.event_log) + 100_000 * session.generation
    run_seen = solara.use_ref((tick, entries))
    if tab.value == 0:
        run_seen.current = (tick, entries)
    run_tick, run_entries = run_seen.current
    # The Regions tab likewise stays in the page once opened, holding the frame it showed last, so a
    # second visit sends one frame's update instead of its table, map and small multiples anew (the
    # Plotly figure alone some 0.2 s of CPU and half of its ~400 widget properties). A new run drops it
    # while hidden (it is built anew on the next visit, where the browser can size its plots).
    regions_seen = solara.use_ref((-1, -1))         # (frame, run) the Regions tab showed last; -1: not open
    if tab.value == 1:
        regions_seen.current = (tick, session.generation)
    elif regions_seen.current[1] != session.generation:
        regions_seen.current = (-1, -1)
    regions_tick, regions_run = regions_seen.current
    # The Export tab stays in the page once opened, holding the frame it showed last (while hidden it is not
    # drawn at every frame): a download still being prepared when the planner goes to another tab (a
    # briefing waits for its comparison run, a map of 1600 px is drawn) comes as a download does in a browser.
    # Drawn only while shown, the tab's downloads went with it, and a briefing asked for never came.
    export_seen = solara.use_ref(-1)                # the frame the Export tab showed last; -1: not open yet
    if tab.value == EXPORT:
        export_seen.current = tick
    export_tick = export_seen.current

    def show_tab(index: int | None) -> None:
        if index is not None:
            tab.set(index)

    with solara.Column(style={"flex": "1 1 600px", "min-width": "0"}, classes=["np-live"]):
        ReloadGuard.element(dirty=session.day > 0 or bool(session.decisions))
        c.RunControls(session, player, playing, speed, version, lambda: reset_to(None), tick=tick)
        # The tab items are children of the tabs themselves, so the browser switches between them on the
        # click (Vuetify's tabs hold their items), not once the server has answered the click.
        with v.Tabs(v_model=tab.value, on_v_model=show_tab, show_arrows=True,
                    children=[v.Tab(children=[name]) for name in TABS]):
            v.TabsSlider()
            with v.TabItem(value=0):
                RunTab(session, selection, map_canvas, tick=run_tick, entries=run_entries)
            # the other tabs are drawn only while shown (what they keep lives in the page: a comparison's or
            # forecast's job and choices, the sweep folder)
            with v.TabItem(value=1):
                if regions_run >= 0:
                    panels.RegionsPanel(session, selection, region_canvas, tick=regions_tick, shown=tab.value == 1)
            for i in range(2, len(TABS)):
                with v.TabItem(value=i):
                    if i == EXPORT:
                        if export_tick >= 0:
                            panels.ExportPanel(session, map_canvas, comparison, tick=export_tick)
                    elif tab.value == i:
                        TabContent(i, session, selection, store, comparison, run_id, compare_form, prognosis,
                                   forecast_form, sweep, tick)

TABS = ("Run", "Regions", "Inspect", "Compare", "Forecast", "Export", "Sweeps")
EXPORT = TABS.index("Export")


@solara.component
def RunTab(session, selection, map_canvas, tick: int, entries: int):
    """The Run tab: rendered only when its frame (`tick`) or the log (`entries`) changed, which while
    another tab is shown they do not (`Live` holds them)."""
    with solara.Column(gap="8px") as main:
        c.Cards(session, tick=tick)
        c.Timeline(session, tick=tick)
        with solara.Row(gap="8px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Column(style={"flex": "0 0 auto", "max-width": "100%"}):
                c.MapView(session, selection, map_canvas, tick=tick)
                panels.SelectionFacts(session, selection, tick=tick)
            with solara.Column(style={"flex": "1 1 480px", "min-width": "0"}):
                c.DecisionLog(session, entries=entries)
    return main


def TabContent(i, session, selection, store, comparison, run_id, compare_form, prognosis, forecast_form, sweep,
               tick):
    """The content of tab `i` other than Run, Regions and Export (put into the tab item being built)."""
    if i == 2:
        panels.InspectPanel(session, selection, tick=tick)
    elif i == 3:
        panels.ComparePanel(session, store, comparison, run_id, compare_form)
    elif i == 4:
        fc.ForecastPanel(session, prognosis, run_id, forecast_form)
    else:
        SweepPanel(sweep)


# Layout: nothing wider than the window, and Solara's "made with" badge off the content.
CSS = """
html, body { overflow-x: hidden; }
.v-application--wrap { min-width: 0 !important; overflow-x: hidden; }
.np-body { max-width: 100vw; box-sizing: border-box; flex-wrap: wrap; }
.np-left .v-card { overflow: visible; }
.np-scenario .v-input { margin-bottom: 6px; }
.np-scenario .v-messages { min-height: 14px; line-height: 1.25; }
.np-scenario .v-text-field__details { margin-bottom: 2px; }
.np-live .v-window, .np-live .v-tabs-items { overflow: visible; }
.np-charts .js-plotly-plot, .np-region-multiples .js-plotly-plot, .np-compare-plot .js-plotly-plot,
.np-forecast-plot .js-plotly-plot { max-width: 100%; }
.np-eventlog td, .np-region-table td, .np-path td { font-size: 13px; }
div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
"""


@solara.component
def Page():
    # One model per page: built here, never at module level.
    _, notice = solara.use_memo(startup_scenario, [])
    session, first_map = solara.use_memo(take_kit, [])
    try:
        sid = solara.get_session_id()
    except Exception:
        sid = "local"
    Dashboard(session, first_map, store_for(sid), notice)

"""The Run tab's parts as Solara components; `viz.app` puts the page together.

Every component gets the page's `Session` (one per browser session). The player (`viz.player`)
or a button changes the `version` reactive after the model changed; only `viz.app.Live` reads it
and hands it down as `tick`, so one render pass redraws everything. Drawings are memoised on
`tick`: made once per frame, not once per render.
"""

from __future__ import annotations

import html

import numpy as np
import solara
from plotly.graph_objs._figurewidget import FigureWidget
from reacton.core import Ref
from solara.alias import rv as v
from solara.components.input import use_change

from viz import counterfactual, decisions, export, planner, plots
from viz.figures import MapCanvas
from viz.labels import MAP_LEVELS, MAP_METRICS, phase_names, run_position
from viz.mapwidget import MapWidget, data_url
from viz.player import FASTEST, SPEEDS, Player
from viz.session import Session

CARD_STYLE = "min-width: 170px; flex: 1 1 170px; max-width: 260px"


def html_table(head: list[str], rows: list[list], cls: str):
    """A plain table as one widget: the markup of Vuetify's dense `SimpleTable`, so it looks the
    same as `table()`, but the page has one widget to keep up to date instead of one per cell
    (Solara reconciles every widget of the page on every render)."""
    cells = lambda tag, r: "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in r)  # noqa: E731
    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    return solara.widgets.HTML.element(
        tag="div", attributes={"class": f"v-data-table v-data-table--dense theme--light {cls}"},
        unsafe_innerHTML=f'<div class="v-data-table__wrapper"><table><thead><tr>{cells("th", head)}</tr></thead>'
                         f"<tbody>{body}</tbody></table></div>")


def table(head: list[str], rows: list[list], cls: str, on_row=None, selected: int | None = None):
    """A plain table; `on_row(i)` makes rows clickable."""
    body = []
    for i, r in enumerate(rows):
        tr = v.Html(tag="tr", children=[v.Html(tag="td", children=[str(c)]) for c in r],
                    class_="np-selected" if i == selected else "",
                    style_="cursor: pointer" + ("; background: #fff3c4" if i == selected else "") if on_row else "")
        if on_row is not None:
            v.use_event(tr, "click", lambda *_, i=i: on_row(i))
        body.append(tr)
    return v.SimpleTable(dense=True, class_=cls, children=[
        v.Html(tag="thead", children=[v.Html(tag="tr", children=[v.Html(tag="th", children=[h]) for h in head])]),
        v.Html(tag="tbody", children=body)])


@solara.component
def TypedText(label: str, value: solara.Reactive[str], take_on_leave: bool = False, classes: list[str] | None = None,
              style: str = ""):
    """A text field whose widget holds, at every render, the text the browser shows.

    The browser sends a field's text as it is typed (ipyvue syncs `v_model` on every key). Solara's
    `InputText` takes it only on focus-out or Enter, and every render of the page (each frame of a
    Play, a Step) sets every widget's properties again: a text typed and not yet taken went back to
    the value taken last (5,000 places typed during Play showed 1,000 at the next frame, and Open
    places opened 1,000). Here the typed text is the field's state. `value` takes it on every key
    (it is read when a button is pressed), or with `take_on_leave` on focus-out or Enter (a folder,
    opened only once it is typed whole); a new `value` set elsewhere replaces the typed text.

    The state holds the text with the value it was typed on; a state keyed by the value was found
    again when the value came back, holding the text typed while it was the value (4,000 typed, then
    2,000, then 4,000 again showed 2,000 and sent it back to the browser, under the fingers of a
    planner typing during Play). Every key renders the field, so that its element holds
    the text the browser shows (a render of the page sets each widget's properties from its element)."""
    typed, set_typed = solara.use_state((value.value, value.value))      # (value typed on, text)
    text = typed[1] if typed[0] == value.value else value.value

    def on_typed(new: str | None) -> None:
        new = new or ""
        if take_on_leave:
            set_typed((value.value, new))
        else:
            set_typed((new, new))
            value.set(new)

    field = v.TextField(label=label, v_model=text, on_v_model=on_typed, hide_details="auto",
                        class_=" ".join(classes or []), style_=style)
    use_change(field, lambda text: value.set(text or ""), enabled=take_on_leave)
    return field


# ---------------------------------------------------------------------------------------------
# Run controls
# ---------------------------------------------------------------------------------------------

@solara.component
def RunControls(session: Session, player: Player, playing: solara.Reactive[bool], speed: solara.Reactive[str],
                version: solara.Reactive[int], on_reset, tick: int = 0):
    def step(n):
        session.step(n)
        version.set(version.value + 1)

    def play(name: str | None = None):
        if name is not None:
            speed.set(name)
        player.play(SPEEDS[speed.value])
        playing.set(True)

    def pause():
        # returns at once: the player stops before its next day, shows it, then says it stopped
        # (`on_stop` sets `playing`), so the day on screen is the day the run stopped on
        player.pause()

    def set_speed(name: str):
        speed.set(name)
        player.set_speed(SPEEDS[name])

    busy = playing.value
    with solara.Row(gap="6px", style={"align-items": "center", "flex-wrap": "wrap"}, classes=["np-controls"]):
        if busy:
            solara.Button("Pause", icon_name="mdi-pause", on_click=pause, color="warning", classes=["np-pause"])
        else:
            solara.Button("Play", icon_name="mdi-play", on_click=lambda: play(), color="primary",
                          disabled=session.done, classes=["np-play"])
        solara.Button("Step a day", on_click=lambda: step(1), disabled=busy or session.done, classes=["np-step-day"])
        solara.Button("Step a week", on_click=lambda: step(7), disabled=busy or session.done, classes=["np-step-week"])
        solara.Button("Run to the end", icon_name="mdi-fast-forward", on_click=lambda: play(FASTEST),
                      disabled=busy or session.done, classes=["np-run-end"])
        solara.Button("Reset", icon_name="mdi-restore", on_click=on_reset, text=True, classes=["np-reset"])
        solara.Select("Speed", values=list(SPEEDS), value=speed.value, on_value=set_speed, dense=True,
                      style={"max-width": "190px"}, classes=["np-speed"])
        solara.Text(run_position(session.day, session.horizon, session.state.world.dates), classes=["np-day"])
    # The progress bar of the fastest speed is always in the page, hidden at other speeds: a row that came
    # and went made the browser draw the controls above it anew, and a Pause clicked at that moment (after
    # a change of speed during Play) was lost: the button pressed was not the one released.
    fastest = busy and speed.value == FASTEST
    with solara.Row(style={"align-items": "center", "display": "flex" if fastest else "none"}, classes=["np-progress"]):
        solara.ProgressLinear(value=100 * session.day / max(session.horizon, 1) if fastest else 0, style={"flex": "1"})
        solara.Text(f"{session.day / max(session.horizon, 1):.0%}" if fastest else "")
    # the same for the player's error: its box stays in the page, the message comes and goes inside it
    with solara.Div(classes=["np-play-error-box"]):
        if player.error is not None:
            solara.Error(f"The run stopped: {type(player.error).__name__}: {player.error}", classes=["np-play-error"])


# ---------------------------------------------------------------------------------------------
# Cards
# ---------------------------------------------------------------------------------------------

def _card(title: str, value: str, sub: str = "", key: str = "", spark: str = "", trend: str = "",
          worse: bool | None = None) -> str:
    """One card as HTML: the markup of an outlined Vuetify card (`v.Card(outlined=True)`)."""
    e = html.escape
    parts = [f'<div class="v-card v-card--outlined v-sheet theme--light np-card np-card-{key} pa-2" '
             f'style="{CARD_STYLE}">',
             f'<div style="font-size: 13px; color: #444; min-height: 34px">{e(title)}</div>',
             f'<div class="np-card-value" style="font-size: 22px; font-weight: 600">{e(value)}</div>']
    if spark:
        parts.append(f'<div class="np-spark">{spark}</div>')
    if trend:
        colour = "#b00020" if worse else "#1b7837"
        parts.append(f'<div class="np-trend" style="font-size: 12px; color: {colour}">{e(trend)}</div>')
    if sub:
        parts.append(f'<div style="font-size: 12px; color: #666">{e(sub)}</div>')
    return "".join(parts) + "</div>"


@solara.component
def Cards(session: Session, tick: int = 0):
    """The cards in a row, drawn as one widget (the markup of a `solara.Row` of outlined cards):
    a frame updates one property instead of some fifty widgets."""
    gen = session.generation
    follower = solara.use_memo(lambda: counterfactual.follow(session.scenario, session.seed), [gen])
    snap = session.snapshot()
    follower.ask(snap.day)                    # the counterfactual goes as far as this run (and a lead)
    cf_cost = follower.cost_upto(snap.day)
    # while it is behind, wait for it to reach the run's day (read live: a playing run moves on),
    # then draw again; no thread while it is ahead
    solara.use_thread(lambda cancel: follower.wait(lambda: session.day, cancel=cancel),
                      dependencies=[follower, cf_cost is not None], intrusive_cancel=False)
    note = counterfactual.note(session.scenario) if cf_cost is not None else (
        f"stable-stock run failed: {follower.error}" if follower.error else "stable-stock run: computing…")
    k = session.key_figures()
    names = phase_names(session.scenario)
    figs = solara.use_memo(lambda: planner.planner_series(snap, cf_cost, note), [tick, gen, cf_cost is not None])
    phase = k["phase"]
    # when each phase triggered and scaled down, at a glance (the log and the time line have the why)
    ph_trend, ph_worse, ph_story = planner.phase_story(snap)
    cards = [_card("In reception (entitled)", f"{k['population']:,}", f"{k['in_bed']:,} in a bed", "population"),
             _card("Occupancy (bezettingsgraad)", f"{k['occupancy_rate']:.1%}", f"{k['capacity']:,} usable places",
                   "occupancy"),
             _card("Plan phase (noodplan)", "plan not active" if phase is None else f"{phase}",
                   "" if phase is None else "; ".join(t for t in (names.get(phase, ""), ph_story) if t), "phase",
                   trend=ph_trend, worse=ph_worse)]
    cards += [_card(f.title, f.value, f.sub, f.key, planner.sparkline_svg(f.series), f.trend, f.worse) for f in figs]
    return solara.widgets.HTML.element(
        tag="div", unsafe_innerHTML="".join(cards),
        attributes={"class": "v-sheet theme--light elevation-0 d-flex ma-0 np-cards",
                    "style": "flex-direction: row; align-items: stretch; justify-content: start; column-gap: 8px; "
                             "flex-wrap: wrap"})


# ---------------------------------------------------------------------------------------------
# Map
# ---------------------------------------------------------------------------------------------

@solara.component
def MapView(session: Session, selection: solara.Reactive, canvas: MapCanvas, tick: int = 0,
            metric: solara.Reactive | None = None, level: solara.Reactive | None = None,
            metrics: list[str] | None = None):
    own_metric = solara.use_reactive("occupancy")
    own_level = solara.use_reactive("municipalities")
    metric = own_metric if metric is None else metric
    level = own_level if level is None else level
    show_locs = solara.use_reactive(True)
    sel = selection.value
    unit_sel = sel if sel and sel[0] != "location" else None

    def draw():
        with session.lock:
            canvas.update(session, metric.value, level.value, unit_sel, show_locs.value)
            return data_url(canvas.png()), canvas.markers(session)

    src, markers = solara.use_memo(draw, [tick, metric.value, level.value, unit_sel, show_locs.value,
                                          session.generation])

    def on_click(c):
        if not c:
            return
        if c.get("kind") == "location":
            selection.set(("location", int(c["i"])))
        else:
            hit = canvas.hit(session, float(c["fx"]), float(c["fy"]), level.value)
            if hit is not None:
                selection.set(hit)

    # a fixed width: changing the colouring never moves what stands next to the map
    with solara.Column(gap="4px", classes=["np-mapview"], style={"width": "460px", "max-width": "100%"}):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Select("Colour by", values=metrics or list(MAP_METRICS), value=metric, dense=True,
                          style={"width": "210px"}, classes=["np-map-metric"])
            solara.Select("Level", values=list(MAP_LEVELS), value=level, dense=True, style={"width": "170px"},
                          classes=["np-map-level"])
            solara.Checkbox(label="locations", value=show_locs)
        MapWidget.element(src=src, markers=markers, on_clicked=on_click)
        label, unit = MAP_METRICS[metric.value]
        solara.Text(f"{label}: {unit}. Click the map or a location marker to select it.",
                    style={"font-size": "12px"}, classes=["np-map-legend"])


# ---------------------------------------------------------------------------------------------
# The time line (Plotly)
# ---------------------------------------------------------------------------------------------

@solara.component
def Timeline(session: Session, tick: int = 0):
    """The run so far with the plan's decisions marked; hover, zoom and legend toggles (Plotly)."""
    gen = session.generation
    tl = solara.use_memo(lambda: plots.Timeline(session.snapshot(), phase_names(session.scenario)), [gen])
    with solara.Div(classes=["np-charts"], style={"min-width": "0", "width": "100%"}):
        _TimelineFigure(session, tl, tick)


@solara.component
def _TimelineFigure(session: Session, tl: plots.Timeline, tick: int):
    """Like Solara's `FigurePlotly`, but the figure is built once per run and each frame only
    replaces its traces' data, in one message (and the marks when decisions were added)."""
    element = FigureWidget.element()
    # the figure's Timeline and its marks' key (`Timeline.marks_key`) as last sent; None before the first frame
    built: Ref[tuple[plots.Timeline, tuple | None] | None] = solara.use_ref(None)

    def update():
        fw = solara.get_widget(element)
        snap = session.snapshot()
        with session.lock:
            rows = decisions.rows(session.state.event_log)
        if built.current is None or built.current[0] is not tl:
            fig = tl.figure()
            fw.data = []
            fw.layout = fig.layout
            fw.add_traces(fig.data)
            built.current = (tl, None)
        # one restyle of every trace (a third of the time of updating trace after trace)
        data = tl.trace_data(snap, rows)
        props = sorted({k for d in data for k in d})
        fw.plotly_restyle({k: [d.get(k) for d in data] for k in props}, list(range(len(data))))
        key = tl.marks_key(snap, rows)
        if key != built.current[1]:
            with fw.batch_update():
                fw.layout.shapes, fw.layout.annotations = tl.marks(snap, rows)
            built.current = (tl, key)

    solara.use_effect(update, [tick, tl])
    return element


# ---------------------------------------------------------------------------------------------
# The plan's decisions: the whole log, filterable, exported
# ---------------------------------------------------------------------------------------------

@solara.component
def DecisionLog(session: Session, entries: int = 0):
    """Re-renders only when the log grew (`entries`), not every day."""
    kinds = solara.use_reactive(list(decisions.KINDS))
    where = solara.use_reactive("everywhere")
    text = solara.use_reactive("")
    page = solara.use_reactive(0)
    with session.lock:
        log = list(session.state.event_log)
    all_rows = solara.use_memo(lambda: decisions.rows(log), [entries, session.generation])

    def refilter(reactive: solara.Reactive, value) -> None:
        """A new filter value shows the first page again."""
        reactive.set(value)
        page.set(0)

    places = ["everywhere", *sorted({r.where for r in all_rows})]
    shown = decisions.matching(all_rows, kinds.value, None if where.value == "everywhere" else where.value, text.value)
    shown = shown[::-1]                                  # newest first
    per_page = 15
    pages = max(1, int(np.ceil(len(shown) / per_page)))
    p = min(page.value, pages - 1)
    plan_on = bool(getattr(getattr(session.scenario, "plan", None), "enabled", False))
    # the export's function is made once and reads what the filter shows when the download runs: a download
    # asked for is dropped when its function changes (`solara.FileDownload`), and a new one at every drawing
    # of the log dropped an export clicked during Play as the plan logged a decision
    shown_now = solara.use_ref(shown)
    shown_now.current = shown
    log_csv = solara.use_memo(lambda: (lambda: decisions.to_csv(shown_now.current[::-1])), [])
    with solara.Column(gap="4px", classes=["np-decisions"]):
        solara.Text(f"The plan's decisions and events: {len(shown)} of {len(all_rows)} entries"
                    + ("" if plan_on else " (plan not active)") + ", newest first",
                    style={"font-weight": "bold"}, classes=["np-eventlog-title"])
        with solara.Row(gap="6px", style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.SelectMultiple("Kinds", values=kinds.value, all_values=list(decisions.KINDS),
                                  on_value=lambda x: refilter(kinds, x), dense=True,
                                  style={"width": "300px"}, classes=["np-log-kinds"])
            solara.Select("Where", values=places, value=where.value if where.value in places else "everywhere",
                          on_value=lambda x: refilter(where, x), dense=True, style={"width": "200px"},
                          classes=["np-log-where"])
            solara.InputText("Contains", value=text.value, on_value=lambda x: refilter(text, x),
                             continuous_update=True, classes=["np-log-text"])
            solara.FileDownload(log_csv,
                                filename=f"{export.file_stem(session.scenario.name)}-decisions.csv",
                                label="Export (CSV)", mime_type="text/csv")
        if shown:
            rows = shown[p * per_page:(p + 1) * per_page]
            html_table(["day", "date", "kind", "where", "what", "why / asked and delivered"],
                       [[f"{r.day:,}", r.date, r.kind, r.where, r.what, r.why] for r in rows], "np-eventlog")
            if pages > 1:
                with solara.Row(style={"align-items": "center"}):
                    solara.Button("Newer", on_click=lambda: page.set(max(p - 1, 0)), disabled=p == 0, text=True,
                                  classes=["np-log-newer"])
                    solara.Text(f"page {p + 1} of {pages}", classes=["np-log-page"])
                    solara.Button("Older", on_click=lambda: page.set(min(p + 1, pages - 1)), disabled=p >= pages - 1,
                                  text=True, classes=["np-log-older"])
        else:
            solara.Text("Nothing yet." if not all_rows else "No entry matches the filter.",
                        classes=["np-eventlog-empty"])

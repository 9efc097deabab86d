"""The dashboard's parts as Solara components; `viz.app.Page` puts them together.

Every component gets the page's `Session` (one per browser session). The page bumps a `version`
reactive after the model changed; only `viz.app.Live` reads it and hands it down as `tick`, so
one render pass redraws everything (several subscribers would each cause a pass). Drawings are
memoised on `tick`: made once per simulated day, not once per render.
"""

from __future__ import annotations

import math
import threading
import time

from solara.alias import rv as v
import ipywidgets as widgets
import solara

from model.scenario import MAX_FILE_BYTES, ScenarioError, builtin_names, from_yaml_text, load_scenario
from viz import compare as cmp
from viz import export, inspect, params
from viz.figures import ChartsCanvas, MapCanvas, compare_figure, png_bytes
from viz.labels import MAP_METRICS, phase_names
from viz.mapwidget import MapWidget, data_url
from viz.session import Session

SPEEDS = {"1 day/s": 1.0, "5 days/s": 5.0, "20 days/s": 20.0, "as fast as possible": math.inf}


def _bump(version: solara.Reactive[int]) -> None:
    version.set(version.value + 1)


# ---------------------------------------------------------------------------------------------
# Scenario
# ---------------------------------------------------------------------------------------------

@solara.component
def ScenarioPanel(session: Session, version: solara.Reactive[int], on_reset=None):
    """Pick a built-in scenario, upload YAML, or change the key parameters (then Apply)."""
    gen = session.generation
    draft, set_draft = solara.use_state(params.current_values(session.scenario))
    upload_error, set_upload_error = solara.use_state("")
    builtin_error, set_builtin_error = solara.use_state("")
    sc = session.scenario
    plist = params.params_for(sc)
    _, errors = solara.use_memo(lambda: params.apply(sc, draft), [gen, tuple(sorted(draft.items()))])
    changed = draft != params.current_values(sc)

    def reset_to(new_sc):
        session.reset(new_sc)
        set_draft(params.current_values(new_sc))
        if on_reset:
            on_reset()
        _bump(version)

    def pick(name):
        try:
            new = load_scenario(name)
        except ScenarioError as exc:
            set_builtin_error(str(exc))
            return
        set_builtin_error("")
        set_upload_error("")
        reset_to(new)

    def on_file(info):
        raw = info["file_obj"].read(MAX_FILE_BYTES + 1)     # the loader refuses more, and non-UTF-8
        try:
            new = from_yaml_text(raw, source=info["name"])
        except ScenarioError as exc:
            set_upload_error(str(exc))
            return
        set_upload_error("")
        reset_to(new)

    def apply_():
        new, _errors = params.apply(sc, draft)
        if new is not None:
            reset_to(new)

    def set_value(key, text):
        set_draft({**draft, key: text})

    with solara.Column(gap="6px", classes=["np-scenario"]):
        solara.Text(f"Active scenario: {sc.name} — {sc.start_date} + {sc.horizon_days} days, seed {sc.seed}",
                    classes=["np-active-scenario"])
        names = builtin_names()
        solara.Select("Built-in scenario", values=names, value=sc.name if sc.name in names else None,
                      on_value=pick, classes=["np-builtin"])
        if builtin_error:
            solara.Error(builtin_error, classes=["np-builtin-error"])
        solara.FileDrop(label="Drop a scenario YAML file here (or click to choose one)", on_file=on_file)
        if upload_error:
            solara.Error(upload_error, classes=["np-upload-error"])
        group = None
        for p in plist:
            if p.group != group:
                group = p.group
                solara.Text(group, classes=["np-group"], style={"font-weight": "bold", "margin-top": "6px"})
            msg = errors.get(p.key, "")
            v.TextField(label=p.label, v_model=draft.get(p.key, ""), suffix=p.unit, hint=f"range {p.hint}",
                        persistent_hint=True, dense=True, error_messages=[msg] if msg else [],
                        class_=f"np-param np-param-{p.key.replace('.', '-')}",
                        on_v_model=lambda text, key=p.key: set_value(key, text))
        if errors.get(""):
            solara.Error(errors[""], classes=["np-param-error"])
        with solara.Row():
            solara.Button("Apply (restarts the run)", on_click=apply_, color="primary",
                          disabled=bool(errors) or not changed, classes=["np-apply"])
            solara.Button("Undo changes", on_click=lambda: set_draft(params.current_values(sc)),
                          disabled=not changed, text=True)
        if errors:
            solara.Text("Invalid input: the run keeps the last valid scenario.", classes=["np-keep-note"],
                        style={"color": "#b00020"})


# ---------------------------------------------------------------------------------------------
# Run controls, cards, map, charts
# ---------------------------------------------------------------------------------------------

@solara.component
def RunControls(session: Session, version: solara.Reactive[int], playing: solara.Reactive[bool],
                running: solara.Reactive[bool], progress: solara.Reactive[float], speed: solara.Reactive[str],
                tick: int = 0):
    busy = playing.value or running.value

    def step(n):
        session.step(n)
        _bump(version)

    def pause():
        with session.lock:
            playing.set(False)

    def reset():
        playing.set(False)
        running.set(False)
        session.reset()
        _bump(version)

    with solara.Row(gap="6px", style={"align-items": "center", "flex-wrap": "wrap"}, classes=["np-controls"]):
        if playing.value:
            solara.Button("Pause", icon_name="mdi-pause", on_click=pause, color="warning",
                          classes=["np-pause"])
        else:
            solara.Button("Play", icon_name="mdi-play", on_click=lambda: playing.set(True), color="primary",
                          disabled=running.value or session.done, classes=["np-play"])
        solara.Button("Step a day", on_click=lambda: step(1), disabled=busy or session.done, classes=["np-step-day"])
        solara.Button("Step a week", on_click=lambda: step(7), disabled=busy or session.done, classes=["np-step-week"])
        solara.Button("Run to the end", icon_name="mdi-fast-forward", on_click=lambda: running.set(True),
                      disabled=busy or session.done, classes=["np-run-end"])
        solara.Button("Reset", icon_name="mdi-restore", on_click=reset, text=True, classes=["np-reset"])
        solara.Select("Speed", values=list(SPEEDS), value=speed, dense=True, style={"max-width": "190px"})
        today = session.model.date if session.day else session.state.world.dates[0]
        solara.Text(f"Day {session.day} of {session.horizon} — {today}", classes=["np-day"])
    if running.value:
        with solara.Row(style={"align-items": "center"}, classes=["np-progress"]):
            solara.ProgressLinear(value=progress.value * 100, style={"flex": "1"})
            solara.Text(f"{progress.value:.0%}")
            solara.Button("Cancel", on_click=lambda: running.set(False), color="error", text=True,
                          classes=["np-cancel"])


def _card(title: str, value: str, sub: str = "", key: str = ""):
    with v.Card(class_=f"np-card np-card-{key} pa-2", outlined=True, style_="min-width: 120px; flex: 1"):
        v.Html(tag="div", children=[title], style_="font-size: 12px; color: #555")
        v.Html(tag="div", children=[value], class_="np-card-value", style_="font-size: 22px; font-weight: 600")
        if sub:
            v.Html(tag="div", children=[sub], style_="font-size: 11px; color: #777")


@solara.component
def Cards(session: Session, tick: int = 0):
    k = session.key_figures()
    names = phase_names(session.scenario)
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}, classes=["np-cards"]):
        _card("In reception (entitled)", f"{k['population']:,}", f"{k['in_bed']:,} in a bed", "population")
        _card("Occupancy (bezettingsgraad)", f"{k['occupancy_rate']:.1%}", f"{k['capacity']:,} usable places",
              "occupancy")
        _card("Unsheltered tonight", f"{k['unsheltered']:,}", "entitled, no bed", "unsheltered")
        _card("Permit holders waiting (vergunninghouders)", f"{k['permit_holders_waiting']:,}",
              f"{k['in_emergency_share']:.0%} of residents in noodopvang", "permit")
        _card("Moves today (verhuisbewegingen)", f"{k['moves_today']:,.0f}",
              f"{k['arrivals_total']:,.0f} arrivals so far", "moves")
        _card("Cost", f"EUR {k['cost_today_eur'] / 1e6:,.1f} M/day", f"EUR {k['cost_total_eur'] / 1e9:,.2f} bn so far",
              "cost")
        phase = k["phase"]
        _card("Plan phase (noodplan)", "plan not active" if phase is None else f"{phase}",
              "" if phase is None else names.get(phase, ""), "phase")


@solara.component
def MapView(session: Session, selection: solara.Reactive[tuple | None], canvas: MapCanvas, tick: int = 0):
    metric = solara.use_reactive("occupancy")
    level = solara.use_reactive("municipalities")
    show_locs = solara.use_reactive(True)
    sel = selection.value
    sel_m = sel[1] if sel and sel[0] == "municipality" else None

    def draw():
        canvas.update(session, metric.value, level.value, sel_m, show_locs.value)
        return data_url(canvas.png()), canvas.markers(session)

    src, markers = solara.use_memo(draw, [tick, metric.value, level.value, sel_m, show_locs.value,
                                          session.generation])

    def on_click(c):
        if not c:
            return
        if c.get("kind") == "location":
            selection.set(("location", int(c["i"])))
        else:
            hit = canvas.hit(session, float(c["fx"]), float(c["fy"]))
            if hit is not None:
                selection.set(hit)

    with solara.Column(gap="4px", classes=["np-mapview"]):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Select("Colour by", values=list(MAP_METRICS), value=metric, dense=True,
                          style={"max-width": "160px"}, classes=["np-map-metric"])
            solara.Select("Level", values=["municipalities", "provinces"], value=level, dense=True,
                          style={"max-width": "160px"})
            solara.Checkbox(label="locations", value=show_locs)
        MapWidget.element(src=src, markers=markers, on_clicked=on_click)
        solara.Text(f"{MAP_METRICS[metric.value][0]}: {MAP_METRICS[metric.value][1]}. "
                    "Click a municipality or a location marker to inspect it.", style={"font-size": "12px"})


@solara.component
def Charts(session: Session, canvas: ChartsCanvas, tick: int = 0):
    def draw():
        canvas.update(session)
        return canvas.png()

    png = solara.use_memo(draw, [tick, session.generation])
    with solara.Div(classes=["np-charts"]):
        widgets.Image.element(value=png, format="png", layout=widgets.Layout(max_width="100%"))


@solara.component
def EventLog(session: Session, tick: int = 0):
    log = list(getattr(session.state, "event_log", []) or [])
    if not log:
        plan_on = getattr(getattr(session.scenario, "plan", None), "enabled", False)
        solara.Text("Plan and events log: nothing yet." if plan_on else "Plan and events log: plan not active.",
                    classes=["np-eventlog-empty"])
        return
    rows = log[-12:][::-1]
    cols = [c for c in ("date", "source", "where", "what", "detail") if c in rows[0]]
    with solara.Details(f"Plan and events log ({len(log)} entries, newest first)", expand=False):
        v.SimpleTable(dense=True, class_="np-eventlog", children=[
            v.Html(tag="thead", children=[v.Html(tag="tr", children=[v.Html(tag="th", children=[c]) for c in cols])]),
            v.Html(tag="tbody", children=[v.Html(tag="tr", children=[v.Html(tag="td", children=[str(r.get(c, ""))])
                                                                       for c in cols]) for r in rows])])


# ---------------------------------------------------------------------------------------------
# Inspect
# ---------------------------------------------------------------------------------------------

def _facts_table(rows, cls: str):
    v.SimpleTable(dense=True, class_=cls, children=[v.Html(tag="tbody", children=[
        v.Html(tag="tr", children=[v.Html(tag="th", children=[k], style_="text-align: left; width: 45%"),
                                   v.Html(tag="td", children=[val])]) for k, val in rows])])


@solara.component
def SelectionFacts(session: Session, selection: solara.Reactive[tuple | None], tick: int = 0):
    sel = selection.value
    if sel is None:
        solara.Text("Nothing selected: click the map or pick a municipality or location.", classes=["np-nothing"])
        return
    kind, idx = sel
    if kind == "municipality" and 0 <= idx < session.state.munis.n:
        _facts_table(inspect.municipality_facts(session, idx), "np-facts np-facts-municipality")
    elif kind == "location" and 0 <= idx < session.state.locs.n:
        _facts_table(inspect.location_facts(session, idx), "np-facts np-facts-location")


@solara.component
def InspectPanel(session: Session, selection: solara.Reactive[tuple | None], tick: int = 0):
    s = session.state
    muni_names = sorted(s.munis.names)
    loc_names = sorted(set(s.locs.names))
    sel = selection.value
    person_text, set_person_text = solara.use_state("")
    person_error, set_person_error = solara.use_state("")

    def pick_muni(name):
        selection.set(("municipality", s.munis.names.index(name)))

    def pick_loc(name):
        selection.set(("location", s.locs.names.index(name)))

    with solara.Columns([1, 1]):
        with solara.Column():
            solara.Select("Municipality (gemeente)", values=muni_names,
                          value=s.munis.names[sel[1]] if sel and sel[0] == "municipality" else None,
                          on_value=pick_muni, classes=["np-pick-municipality"])
            solara.Select("Location", values=loc_names,
                          value=s.locs.names[sel[1]] if sel and sel[0] == "location" else None,
                          on_value=pick_loc, classes=["np-pick-location"])
            SelectionFacts(session, selection, tick)
        with solara.Column():
            solara.Text("One applicant's path", style={"font-weight": "bold"})
            with solara.Row(style={"align-items": "center"}):
                v.TextField(label="Person number", v_model=person_text, dense=True,
                            hint=f"0 – {max(s.people.n_persons - 1, 0):,}", persistent_hint=True,
                            error_messages=[person_error] if person_error else [], class_="np-person",
                            on_v_model=lambda t: (set_person_text(t), set_person_error("")))

                def random_person():
                    set_person_text(str(inspect.sample_person(session, rng_seed=session.day + len(person_text))))
                    set_person_error("")
                solara.Button("Someone in reception", on_click=random_person, text=True, classes=["np-random-person"])
            if person_text.strip():
                try:
                    person = int(person_text.strip())
                    facts, path = inspect.applicant_facts(session, person)
                except (ValueError, IndexError) as exc:
                    solara.Error(f"person: {exc}", classes=["np-person-error"])
                else:
                    _facts_table(facts, "np-facts np-facts-applicant")
                    solara.Text(f"Path: {len(path)} bed change(s)", style={"font-weight": "bold"})
                    cols = ["date", "from", "to", "reason", "km"]
                    v.SimpleTable(dense=True, class_="np-path", children=[
                        v.Html(tag="thead", children=[
                            v.Html(tag="tr", children=[v.Html(tag="th", children=[c]) for c in cols])]),
                        v.Html(tag="tbody", children=[v.Html(tag="tr", children=[v.Html(tag="td", children=[str(r[c])])
                                                                                   for c in cols]) for r in path])])


# ---------------------------------------------------------------------------------------------
# Compare
# ---------------------------------------------------------------------------------------------

@solara.component
def ComparePanel(session: Session, result: solara.Reactive):
    plan_on = getattr(getattr(session.scenario, "plan", None), "enabled", False)
    changes = solara.use_reactive("plan: {enabled: false}\n" if plan_on
                                  else "housing: {supply_persons_per_year: 40000}\n")
    seeds_text = solara.use_reactive("1, 2, 3")
    days_text = solara.use_reactive(str(min(365, session.horizon)))
    label_b = solara.use_reactive("B")
    job = solara.use_reactive(0)        # > 0: a comparison is running
    progress = solara.use_reactive(0.0)
    error = solara.use_reactive("")

    def check():
        try:
            b = cmp.variant(session.scenario, changes.value)
            seeds = cmp.parse_seeds(seeds_text.value)
            days = int(days_text.value)
            if not 1 <= days <= session.horizon:
                raise ScenarioError(f"days: 1 to {session.horizon} (got {days})")
            return b, seeds, days, ""
        except ValueError as exc:   # ScenarioError is a ValueError
            return None, None, None, str(exc)

    b, seeds, days, problem = check()
    res = result.value
    png = solara.use_memo(lambda: png_bytes(compare_figure(res)) if res is not None else None, [res])

    def work(cancel: threading.Event):
        if job.value == 0 or b is None:
            return
        last = [0.0]

        def tick(f):
            if f - last[0] >= 0.02:
                last[0] = f
                progress.set(f)
        res = cmp.compare(session.scenario, b, seeds, days, progress=tick, cancelled=cancel.is_set,
                          label_b=label_b.value)
        if res is not None and not cancel.is_set():
            result.set(res)
            job.set(0)

    solara.use_thread(work, dependencies=[job.value], intrusive_cancel=False)

    with solara.Column(classes=["np-compare"]):
        solara.Text(f"Variant A: the active scenario ({session.scenario.name}). Variant B: A with these changes "
                    "(YAML, same fields as a scenario file). Both run on the same seeds.")
        v.Textarea(label="Changes for variant B", v_model=changes.value, on_v_model=changes.set, rows=3,
                   auto_grow=True, class_="np-variant-b", error_messages=[problem] if problem else [])
        with solara.Row():
            solara.InputText("Label of B", value=label_b)
            solara.InputText("Seeds", value=seeds_text)
            solara.InputText("Days", value=days_text)
        with solara.Row():
            solara.Button("Run comparison", on_click=lambda: (progress.set(0.0), job.set(job.value + 1)),
                          disabled=bool(problem) or job.value > 0, color="primary", classes=["np-compare-run"])
            if job.value > 0:
                solara.ProgressLinear(value=progress.value * 100, style={"flex": "1"})
                solara.Button("Cancel", on_click=lambda: job.set(0), color="error", text=True)
        if error.value:
            solara.Error(error.value)
        if res is not None:
            rows = res.table()
            v.SimpleTable(dense=True, class_="np-compare-table", children=[
                v.Html(tag="thead", children=[
                    v.Html(tag="tr", children=[v.Html(tag="th", children=[c]) for c in rows[0]])]),
                v.Html(tag="tbody", children=[v.Html(tag="tr", children=[v.Html(tag="td", children=[r[c]]) for c in r])
                                              for r in rows])])
            with solara.Div(classes=["np-compare-plot"]):
                widgets.Image.element(value=png, format="png", layout=widgets.Layout(max_width="100%"))


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------

@solara.component
def ExportPanel(session: Session, map_canvas: MapCanvas, charts_canvas: ChartsCanvas,
                comparison: solara.Reactive, tick: int = 0):
    key = (tick, session.generation)
    name = session.scenario.name
    day = session.day
    csv = solara.use_memo(lambda: (lambda: export.daily_csv(session.results())), [key])
    nc = solara.use_memo(lambda: (lambda: export.daily_netcdf(session.results())), [key])
    yml = solara.use_memo(lambda: (lambda: export.scenario_yaml(session.scenario)), [key])
    map_png = solara.use_memo(lambda: (lambda: map_canvas.png()), [key])
    charts_png = solara.use_memo(lambda: (lambda: charts_canvas.png()), [key])
    with solara.Column(classes=["np-export"]):
        solara.Text(f"Scenario {name}, {day} day(s) simulated."
                    + ("" if day else " Run some days first to export figures."))
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(csv, filename=f"{name}-daily.csv", label="Daily figures (CSV)", mime_type="text/csv")
            solara.FileDownload(nc, filename=f"{name}-daily.nc", label="Daily figures (NetCDF)",
                                mime_type="application/x-netcdf")
            solara.FileDownload(yml, filename=f"{name}.yaml", label="Scenario (YAML)", mime_type="application/x-yaml")
            solara.FileDownload(map_png, filename=f"{name}-map-day{day}.png", label="Map (PNG)", mime_type="image/png")
            solara.FileDownload(charts_png, filename=f"{name}-charts-day{day}.png", label="Time series (PNG)",
                                mime_type="image/png")
            res = comparison.value
            if res is not None:
                solara.FileDownload(lambda: png_bytes(compare_figure(res)), filename=f"{name}-comparison.png",
                                    label="Comparison (PNG)", mime_type="image/png")


def play_loop(session: Session, version: solara.Reactive[int], playing: solara.Reactive[bool],
              speed: float, cancel: threading.Event) -> None:
    """Step and redraw until paused, cancelled or at the horizon; `speed` in days per second."""
    while True:
        t0 = time.perf_counter()
        with session.lock:   # Pause takes the lock too: no day is stepped after it returns
            if cancel.is_set() or not playing.value or session.done:
                break
            session.step(1)
        _bump(version)       # redraws in this thread
        if math.isfinite(speed):
            wait = 1.0 / speed - (time.perf_counter() - t0)
            if wait > 0:
                cancel.wait(wait)
    if session.done and playing.value:
        playing.set(False)


def long_run(session: Session, version: solara.Reactive[int], running: solara.Reactive[bool],
             progress: solara.Reactive[float], cancel: threading.Event) -> None:
    """Run to the horizon in the background, with progress; the map redraws at the end."""
    if not running.value:
        return
    progress.set(0.0)
    last = [0.0]

    def tick(done, total):
        f = done / total if total else 1.0
        if f - last[0] >= 0.01 or done == total:
            last[0] = f
            progress.set(f)
    session.run(session.horizon, progress=tick, cancelled=cancel.is_set, chunk=5)
    _bump(version)
    if not cancel.is_set():
        running.set(False)

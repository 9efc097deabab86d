"""The Regions, Inspect, Compare and Export tabs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import solara
from plotly.graph_objs._figurewidget import FigureWidget
from reacton.core import Ref
from solara.alias import rv as v

from model.scenario import Scenario, ScenarioError, builtin_names, load_scenario
from viz import briefing, compare as cmp, decisions, export, inspect, plots, regions
from viz.background import BackgroundJob, JobControls
from viz.components import MapView, table
from viz.field_carrier import FieldCarrier
from viz.figures import COMPARE_FIGURES, MapCanvas, compare_figure, png_bytes
from viz.session import Session
from viz.store import Store

_UNIT_KIND = {"provinces": "province", "safety regions": "region"}


# ---------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------

def _fmt(v: float, pct: bool = False) -> str:
    if v is None or not np.isfinite(v):
        return "–"
    return f"{v:.0%}" if pct else f"{v:.2f}"


@solara.component
def RegionsPanel(session: Session, selection: solara.Reactive, canvas: MapCanvas, tick: int = 0, shown: bool = True):
    """Per province or safety region: a table, small multiples and the map, selecting together.

    The page keeps this panel while another tab is shown (`shown` False, `tick` the frame it showed
    last). A unit selected meanwhile (on the Run tab's map) marks the table and the map at once; the
    small multiples, whose figure is built anew for it, follow on the next visit (a Plotly figure
    built in a hidden tab has no width to lay itself out by)."""
    level = solara.use_reactive("provinces")
    figure = solara.use_reactive("occupancy")
    rows, total = solara.use_memo(lambda: regions.table(session, level.value), [tick, level.value, session.generation])
    sel = selection.value
    kind = _UNIT_KIND[level.value]
    selected = sel[1] if sel and sel[0] == kind else None
    drawn_for = solara.use_ref(selected)           # the unit the small multiples mark
    if shown:
        drawn_for.current = selected

    def pick_row(i: int):
        selection.set((kind, i))

    with solara.Columns([5, 7], classes=["np-regions"]):
        with solara.Column():
            MapView(session, selection, canvas, tick, metric=figure, level=level,
                    metrics=list(regions.FIGURES))
            SelectionFacts(session, selection, tick)
        with solara.Column(style={"min-width": "0"}):
            head = [regions.LEVELS[level.value], "persons", "usable places", "occupancy", "Spreidingswet target",
                    "load vs key", "phase", "places asked", "places delivered"]
            body = [[r.name, f"{r.persons:,}", f"{r.places:,}", _fmt(r.occupancy, True), f"{r.target:,.0f}",
                     _fmt(r.load), "–" if r.phase is None else r.phase,
                     regions.asked_cell(r, total), f"{r.delivered:,}"] for r in rows]
            body.append(["Netherlands", f"{total['persons']:,}", f"{total['places']:,}",
                         _fmt(total["persons"] / total["places"] if total["places"] else np.nan, True),
                         f"{total['target']:,.0f}",
                         _fmt(total["persons"] / total["target"] if total["target"] else np.nan),
                         "", f"{total['asked']:,}", f"{total['delivered']:,}"])
            table(head, body, "np-region-table", on_row=lambda i: i < len(rows) and pick_row(i), selected=selected)
            solara.Text("Load against the Spreidingswet key: persons hosted ÷ the unit's target places (the 96,000 "
                        "places keyed to population); 1 = it hosts exactly its share. Places asked per unit only "
                        "when the plan runs per province; national requests are in the Netherlands row.",
                        style={"font-size": "12px"})
            if session.day and figure.value in MULTIPLES:
                with solara.Div(classes=["np-region-multiples"]):
                    RegionMultiples(session, level.value, figure.value, drawn_for.current, tick)
            elif not session.day:
                solara.Text("Run some days to see the regions over time.")


MULTIPLES = ("occupancy", "load", "phase")     # the figures with small multiples (a daily series per unit)


@solara.component
def RegionMultiples(session: Session, level: str, figure: str, selected: int | None, tick: int):
    """The small multiples of `figure` per unit of `level`. Built once for a level, figure, selected
    unit and run; each frame then replaces only the traces' values, in one message
    (`plots.regions_trace_values`). The figure was built anew every frame (Plotly's layout
    machinery: some 0.3 s of CPU a frame for the 12 provinces), which made a frame of the Regions
    tab cost 3.6 times one of the Run tab during Play (CPU 174 vs 48 ms, 28 vs 7 widget properties)."""
    key = (level, figure, selected, session.generation)
    # a new widget for a new build (a click: another level, figure or unit, a new run): the browser's
    # axis ranges of the figure before do not carry over
    element = FigureWidget.element().key(f"np-region-multiples-{key}")
    built: Ref[tuple | None] = solara.use_ref(None)     # what the figure on screen was built for

    def update():
        fw = solara.get_widget(element)
        snap = session.snapshot()
        names, values = regions.series(session, snap, level, figure)
        if built.current != key:
            label, unit = regions.FIGURES[figure]
            fig = plots.regions_figure(names, snap.dates, values, label, unit, None if figure == "phase" else 1.0,
                                       names[selected] if selected is not None and selected < len(names) else None,
                                       cols=4 if len(names) <= 12 else 5)
            with fw.batch_update():
                fw.data = []
                fw.layout = fig.layout
            fw.add_traces(fig.data)
            built.current = key
            return
        fw.plotly_restyle(plots.regions_trace_values(values, len(names)), list(range(len(names))))

    solara.use_effect(update, [tick, level, figure, selected, session.generation])
    return element


# ---------------------------------------------------------------------------------------------
# Inspect
# ---------------------------------------------------------------------------------------------

def _facts_table(rows, cls: str):
    v.SimpleTable(dense=True, class_=cls, children=[v.Html(tag="tbody", children=[
        v.Html(tag="tr", children=[v.Html(tag="th", children=[k], style_="text-align: left; width: 45%"),
                                   v.Html(tag="td", children=[val])]) for k, val in rows])])


@solara.component
def SelectionFacts(session: Session, selection: solara.Reactive, tick: int = 0):
    sel = selection.value
    if sel is None:
        solara.Text("Nothing selected: click the map or pick a municipality or location.", classes=["np-nothing"])
        return
    kind, idx = sel
    with session.lock:
        if kind == "municipality" and 0 <= idx < session.state.munis.n:
            _facts_table(inspect.municipality_facts(session, idx), "np-facts np-facts-municipality")
        elif kind == "location" and 0 <= idx < session.state.locs.n:
            _facts_table(inspect.location_facts(session, idx), "np-facts np-facts-location")
        elif kind in ("province", "region"):
            level = "provinces" if kind == "province" else "safety regions"
            rows, _ = regions.table(session, level)
            if 0 <= idx < len(rows):
                r = rows[idx]
                _facts_table([(regions.LEVELS[level], r.name), ("Persons in reception", f"{r.persons:,}"),
                              ("Usable places", f"{r.places:,}"), ("Occupancy", _fmt(r.occupancy, True)),
                              ("Load against the Spreidingswet key", _fmt(r.load)),
                              ("Plan phase", "plan not active" if r.phase is None else str(r.phase)),
                              ("Places delivered by the plan", f"{r.delivered:,}")], f"np-facts np-facts-{kind}")


@solara.component
def InspectPanel(session: Session, selection: solara.Reactive, tick: int = 0):
    s = session.state
    muni_names = sorted(s.munis.names)
    loc_names = sorted(set(s.locs.names))
    sel = selection.value
    person_text, set_person_text = solara.use_state("")

    def pick_muni(name):
        selection.set(("municipality", s.munis.names.index(name)))

    def pick_loc(name):
        selection.set(("location", s.locs.names.index(name)))

    n_persons = s.people.n_persons
    with solara.Columns([1, 1]):
        with solara.Column():
            solara.Select("Municipality (gemeente)", values=muni_names,
                          value=s.munis.names[sel[1]] if sel and sel[0] == "municipality" else None,
                          on_value=pick_muni, classes=["np-pick-municipality"])
            solara.Select("Location", values=loc_names,
                          value=s.locs.names[sel[1]] if sel and sel[0] == "location" and sel[1] < s.locs.n else None,
                          on_value=pick_loc, classes=["np-pick-location"])
            SelectionFacts(session, selection, tick)
        with solara.Column():
            solara.Text("One applicant's path", style={"font-weight": "bold"})
            text = person_text.strip()
            problem = ""
            person = None
            if text:
                try:
                    person = cmp.parse_whole(text, "person", 0, max(n_persons - 1, 0))
                except ScenarioError as exc:
                    problem = str(exc)
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                v.TextField(label="Person number", v_model=person_text, dense=True,
                            hint=f"0 – {max(n_persons - 1, 0):,}", persistent_hint=True,
                            error_messages=[problem] if problem else [], class_="np-person",
                            on_v_model=set_person_text)

                def random_person():
                    set_person_text(str(inspect.sample_person(session, rng_seed=session.day + len(person_text))))
                solara.Button("Someone in reception", on_click=random_person, text=True, classes=["np-random-person"])
            if person is not None:
                with session.lock:
                    facts, path = inspect.applicant_facts(session, person)
                _facts_table(facts, "np-facts np-facts-applicant")
                solara.Text(f"Path: {len(path)} bed change(s)", style={"font-weight": "bold"})
                table(["date", "from", "to", "reason", "km"], [[r[c] for c in ("date", "from", "to", "reason", "km")]
                                                               for r in path], "np-path")


# ---------------------------------------------------------------------------------------------
# Compare
# ---------------------------------------------------------------------------------------------

ACTIVE = "the active scenario"
CHANGED = "A with changes (YAML below)"


@dataclass
class CompareForm:
    """The Compare tab's choices and its comparison under way, owned by the page: opening another
    tab (which unmounts this one) loses neither the choices nor a running comparison."""

    a_name: solara.Reactive[str]
    b_name: solara.Reactive[str]
    changes: solara.Reactive[str]          # YAML: B as A with changes
    seeds_text: solara.Reactive[str]
    days_text: solara.Reactive[str | None]     # the days typed; None: not typed, the default (`default_days`)
    job: BackgroundJob

    @classmethod
    def new(cls, result: solara.Reactive) -> CompareForm:
        return cls(solara.reactive(ACTIVE), solara.reactive(CHANGED), solara.reactive("plan: {enabled: false}\n"),
                   solara.reactive("1, 2, 3"), solara.reactive(None), BackgroundJob(result.set))


def default_days(horizon: int) -> int:
    """The days a comparison runs unless the planner types others: a year, or the horizon of the shorter of
    A and B when that is shorter (it follows the scenarios: an Apply with a horizon of 90 days makes it 90;
    a default fixed when the page opened stayed 365 and the field showed an error until edited)."""
    return min(365, horizon)


@dataclass
class CompareChoice:
    """What the Compare tab's choices say, read from the form as it stands (`compare_choice`)."""

    problems: dict[str, str]             # field -> what is wrong with it
    a: Scenario | None
    b: Scenario | None
    seeds: list[int] | None
    days: int | None
    days_text: str                       # what the days field shows: the text typed, or the default
    label_a: str
    label_b: str


def compare_choice(session: Session, store: Store, form: CompareForm) -> CompareChoice:
    """The two variants, seeds and days the form's texts say now (its reactives' values): read at each
    render, and again when the button is clicked (a render of another thread may not have drawn the last
    text typed yet; the button's handler of the last render held the choices before it)."""
    a_name, b_name, changes, seeds_text, days_text = (form.a_name, form.b_name, form.changes, form.seeds_text,
                                                      form.days_text)

    def scenario(name: str) -> Scenario:
        if name == ACTIVE:
            return session.scenario
        if name in store.scenarios:
            return store.scenarios[name]
        return load_scenario(name)

    problems: dict[str, str] = {}
    a: Scenario | None = None
    b: Scenario | None = None
    try:
        a = scenario(a_name.value)
    except ScenarioError as exc:
        problems["a"] = str(exc)
    if a is not None:
        try:
            b = (cmp.variant(a, changes.value, dict(store.scenarios)) if b_name.value == CHANGED
                 else scenario(b_name.value))
        except ScenarioError as exc:
            problems["b"] = str(exc)
    seeds: list[int] | None
    try:
        seeds = cmp.parse_seeds(seeds_text.value)
    except ScenarioError as exc:
        problems["seeds"], seeds = str(exc), None
    horizon = min(a.horizon_days if a else session.horizon, b.horizon_days if b else session.horizon)
    days: int | None
    shown = days_text.value if days_text.value is not None else str(default_days(horizon))
    try:
        days = cmp.parse_days(shown, horizon)
    except ScenarioError as exc:
        problems["days"], days = str(exc), None
    label_a = session.scenario.name if a_name.value == ACTIVE else a_name.value
    label_b = (f"{label_a} with changes" if b_name.value == CHANGED else
               (session.scenario.name if b_name.value == ACTIVE else b_name.value))
    return CompareChoice(problems, a, b, seeds, days, shown, label_a, label_b)


@solara.component
def ComparePanel(session: Session, store: Store, result: solara.Reactive, run_id: solara.Reactive[int],
                 form: CompareForm):
    """Any two scenarios (built-in, saved or the active one) on the same seeds."""
    _ = run_id.value
    names = [ACTIVE] + builtin_names() + [n for n in store.scenarios if n not in builtin_names()]
    a_name, b_name, changes, seeds_text, days_text = (form.a_name, form.b_name, form.changes, form.seeds_text,
                                                      form.days_text)
    job = form.job
    choice = compare_choice(session, store, form)
    problems, seeds, days, label_a, label_b = (choice.problems, choice.seeds, choice.days, choice.label_a,
                                               choice.label_b)
    res = result.value
    if res is not None and (res.label_a, res.label_b) != (label_a, label_b):
        res = None            # the choice changed: an old result is not shown under new names
    fig = solara.use_memo(lambda: None if res is None else plots.compare_figure(
        res, [n for n in COMPARE_FIGURES if n[0] in res.a[0].daily]), [res])

    def run():
        now = compare_choice(session, store, form)      # what the fields say now (carried with the click)
        if now.problems or now.a is None or now.b is None or now.seeds is None or now.days is None:
            return                      # (the button is disabled then)
        a, b, seeds, days = now.a, now.b, now.seeds, now.days
        job.start(lambda tick, cancelled: cmp.compare(a, b, seeds, days, progress=tick, cancelled=cancelled,
                                                      label_b=now.label_b, label_a=now.label_a))

    def carried(data: dict) -> None:
        # the texts the browser showed when the button was clicked, sent just before the click: a click reached
        # a busy server before the last keys typed (`viz.field_carrier`)
        seeds, days, change = (list(data.get("texts") or []) + [None] * 3)[:3]
        if isinstance(seeds, str):
            seeds_text.set(seeds)
        # the default shown is not a value typed: it goes on following the horizon
        if isinstance(days, str) and (days_text.value is not None
                                      or days != compare_choice(session, store, form).days_text):
            days_text.set(days)
        if isinstance(change, str):
            changes.set(change)

    def err(key):
        return [problems[key]] if key in problems else []

    with solara.Column(classes=["np-compare"]):
        FieldCarrier.element(scope=".np-compare", buttons=".np-compare-run",
                             fields=[".np-compare-seeds input", ".np-compare-days input", ".np-variant-b textarea"],
                             on_carried=carried)
        solara.Text("Pick any two scenarios (built-in, saved or the active one), or B as A with changes. Both run "
                    "headless on the same seeds (common random numbers), so differences come from the scenarios.")
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Select("Variant A", values=names, value=a_name, classes=["np-compare-a"], style={"width": "260px"})
            solara.Select("Variant B", values=[CHANGED, *names], value=b_name, classes=["np-compare-b"],
                          style={"width": "260px"})
        # the parts that come and go sit in boxes that stay, so the fields below keep their place: a field
        # that moved was drawn anew, and text typed into the old one just before was lost
        with solara.Div():
            if problems.get("a"):
                solara.Error(problems["a"], classes=["np-compare-a-error"])
        with solara.Div():
            if b_name.value == CHANGED:
                v.Textarea(label="Changes for variant B (YAML; `extends: NAME` starts from another scenario)",
                           v_model=changes.value, on_v_model=changes.set, rows=3, auto_grow=True,
                           class_="np-variant-b", error_messages=err("b"))
            elif problems.get("b"):
                solara.Error(problems["b"], classes=["np-compare-b-error"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            v.TextField(label="Seeds", v_model=seeds_text.value, on_v_model=seeds_text.set, dense=True,
                        error_messages=err("seeds"), class_="np-compare-seeds", style_="max-width: 240px")
            v.TextField(label="Days", v_model=choice.days_text, on_v_model=days_text.set, dense=True,
                        error_messages=err("days"), class_="np-compare-days", style_="max-width: 160px")
        plan = (f"{2 * len(seeds)} runs of {days} days (A and B on {len(seeds)} seed{'s' if len(seeds) != 1 else ''})"
                if not problems and seeds is not None else None)
        JobControls(job, "Run comparison", run, bool(problems), plan, "np-compare", "comparison")
        if res is not None:
            rows = res.table()
            table(list(rows[0]), [list(r.values()) for r in rows], "np-compare-table")
            with solara.Div(classes=["np-compare-plot"]):
                solara.FigurePlotly(fig)


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------

@solara.component
def ExportPanel(session: Session, map_canvas: MapCanvas, comparison: solara.Reactive, tick: int = 0):
    name = export.file_stem(session.scenario.name)
    day = session.day
    # (days computed, days needed) while a briefing waits for the comparison run
    waiting: solara.Reactive[tuple[int, int] | None] = solara.use_reactive(None)
    # the days simulated that a download of a day's figures read, while it is drawn and after: its file is
    # named by them, not by the day the page shows when the file comes (a Play moves on while a briefing is
    # drawn: a briefing of "End of day 250" was named `…-end-of-day400.html`)
    read_at: solara.Reactive[dict[str, tuple[int, int]]] = solara.use_reactive({})    # key -> (run, days)

    def made_of(key: str, days: int) -> None:
        read_at.set({**read_at.value, key: (session.generation, days)})

    def make_downloads():
        """The downloads' functions, made once: a download asked for is dropped when its function
        changes (`solara.FileDownload`), which a new function at every frame of a playing run did."""
        def brief() -> bytes:
            try:
                return briefing.briefing(session, on_wait=lambda done, need: waiting.set((done, need)),
                                         on_read=lambda days: made_of("brief", days)).encode("utf-8")
            finally:
                waiting.set(None)

        def timeline() -> bytes:
            with session.lock:
                rows = decisions.rows(session.state.event_log)
                snap = session.snapshot()
            made_of("timeline", snap.day)
            from viz.labels import phase_names
            return briefing.timeline_png(snap, rows, phase_names(session.scenario))

        def map_png() -> bytes:
            with session.lock:
                days, png = session.day, briefing.map_png(session)
            made_of("map", days)
            return png

        return {"brief": brief, "timeline": timeline, "map": map_png,
                "csv": lambda: export.daily_csv(session.results()),
                "nc": lambda: export.daily_netcdf(session.results()),
                "decisions": lambda: decisions.to_csv(decisions.rows(list(session.state.event_log))),
                "yaml": lambda: export.scenario_yaml(session.scenario),
                "run": lambda: session.record().to_json().encode("utf-8")}

    get = solara.use_memo(make_downloads, [session])     # (one session per page: made once)

    def of_day(key: str) -> str:
        """The day in the file name of download `key`: the day its figures were read, once read (else today)."""
        run, days = read_at.value.get(key, (session.generation, day))
        return export.day_tag(days if run == session.generation else day)
    res = comparison.value
    compared = solara.use_memo(lambda: (lambda: png_bytes(compare_figure(res), dpi=200)), [res])
    with solara.Column(classes=["np-export"]):
        solara.Text(f"Scenario {session.scenario.name}, {day} day(s) simulated."
                    + ("" if day else " Run some days first to export figures."))
        with solara.Div():        # always there: the downloads after it keep their place (and state)
            if waiting.value is not None:
                done, need = waiting.value
                solara.Info(f"Briefing: waiting for the comparison run with the stable stock (day {done} of {need}); "
                            "the briefing follows when it is there." if done < need else
                            "Briefing: the comparison run is there; drawing the briefing …",
                            classes=["np-briefing-wait"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(get["brief"], filename=f"{name}-briefing-{of_day('brief')}.html",
                                label="Briefing (HTML)", mime_type="text/html")
            solara.FileDownload(get["csv"], filename=f"{name}-daily.csv",
                                label="Daily figures (CSV)", mime_type="text/csv")
            solara.FileDownload(get["nc"], filename=f"{name}-daily.nc",
                                label="Daily figures (NetCDF)", mime_type="application/x-netcdf")
            solara.FileDownload(get["decisions"],
                                filename=f"{name}-decisions.csv", label="Decisions (CSV)", mime_type="text/csv")
            solara.FileDownload(get["yaml"], filename=f"{name}.yaml",
                                label="Scenario (YAML)", mime_type="application/x-yaml")
            solara.FileDownload(get["run"], filename=f"{name}-run.json",
                                label="Run (JSON, reopens it)", mime_type="application/json")
            solara.FileDownload(get["map"], filename=f"{name}-map-{of_day('map')}.png", label="Map (PNG, 1600 px)",
                                mime_type="image/png")
            solara.FileDownload(get["timeline"], filename=f"{name}-timeline-{of_day('timeline')}.png",
                                label="Time line (PNG, 1920 px)", mime_type="image/png")
            if res is not None:
                solara.FileDownload(compared, filename=f"{name}-comparison.png",
                                    label="Comparison (PNG)", mime_type="image/png")

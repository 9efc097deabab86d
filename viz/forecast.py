"""The Forecast tab: an ensemble forecast from the run as it stands today.

What `noodplan forecast --from-run` answers, asked from the dashboard: how many people will be in
reception in 6, 12 and 24 months, how many permit holders will still wait for a home, how many
places that takes at the target occupancy — and how sure. The run's state is captured as it is
(decisions taken in the dashboard included) and the members go on from it
(`experiments.forecast.ensemble.run_forecast`, docs/forecast.md): each with fresh random streams and
redrawn household keys, and by default its own inflow path drawn from the record's errors of
persistence — or, given a planner's band of first applicants a year (`--inflow-band LOW:HIGH` on the
command line, read by the same `parse_band`), arrivals spread evenly over the band instead. The run
itself is not touched. The forecast runs in the page's background (it takes
about a second per member-year) and can be cancelled between members.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import solara
from solara.alias import rv as v

from experiments.forecast.ensemble import (BAND_MEMBERS, Forecast, InflowBand, inflow_errors_for, parse_band,
                                          run_forecast)
from experiments.forecast.labels import percent
from experiments.forecast.origins import from_state_snapshot
from model.scenario import ScenarioError
from model.snapshot import capture
from viz import plots
from viz.background import BackgroundJob, JobControls
from viz.compare import parse_whole
from viz.components import table
from viz.field_carrier import FieldCarrier
from viz.session import Session

MONTHS = (6, 12, 24)
MAX_MEMBERS = 100                     # a dashboard forecast: ~1 s per member-year on one core
OCCUPANCY = 0.95                      # target occupancy for places needed (`noodplan forecast --occupancy`)
INFLOWS = {"the scenario's own arrivals": "scenario",
           "persistence: the run's arrivals of the last 12 months (or since it began) go on": "persistence"}
QUANTITY_LABELS = {"persons_in_reception": "Persons in reception",
                   "permit_holders_waiting": "Permit holders waiting for a home",
                   "places_needed": "Places needed",
                   "capacity": "Places (usable, open)",
                   "shortfall": "Shortfall (places needed − places; < 0: room)"}


class Cancelled(Exception):
    """The planner cancelled the forecast (between two members)."""


@dataclass
class DashboardForecast:
    """A forecast made from the dashboard's run, and where in the run it started."""

    forecast: Forecast
    day: int                                   # the run's day it started from
    generation: int                            # the session's run (a reset starts another)
    history: tuple[np.ndarray, dict[str, np.ndarray]]   # the run before the origin: dates, figures


def parse_members(text: str) -> int:
    """Members from the form's text: a whole number 2..MAX_MEMBERS (one line naming the field otherwise)."""
    return parse_whole(text, "members", 2, MAX_MEMBERS, "bands need at least two members, and a larger ensemble "
                       "belongs on the command line (noodplan forecast)")


def parse_inflow_band(text: str) -> InflowBand | None:
    """The band field: empty for none, else LOW:HIGH first applicants a year, read as
    `noodplan forecast --inflow-band` reads it (`parse_band`; one line naming the field otherwise)."""
    if not str(text).strip():
        return None
    try:
        return parse_band(text)
    except ScenarioError as exc:
        raise ScenarioError(f"inflow band: {str(exc).removeprefix('band: ')}") from None


def band_words(band: InflowBand) -> str:
    return f"arrivals scaled to a band of {band.low:,.0f} to {band.high:,.0f} first applicants a year"


def forecast_from(session: Session, months: int, members: int, inflow: str, uncertainty: bool, occupancy: float,
                  progress: Callable[[float], None] = lambda f: None,
                  cancelled: Callable[[], bool] = lambda: False,
                  band: InflowBand | None = None) -> DashboardForecast | None:
    """Capture the session's run as it stands and forecast `months` ahead from it (None when
    cancelled); `band`, a planner's band of inflow, replaces the inflow uncertainty."""
    with session.lock:             # the player steps under the same lock: the state is one day's whole
        snap = capture(session.state)
        day, generation = session.day, session.generation
        rec = session.state.recorder
        history = (np.asarray(session.state.world.dates[:day]),
                   {"persons_in_reception": rec.scalars["population"][:day].copy(),
                    "permit_holders_waiting": rec.scalars["permit_holders_waiting"][:day].copy()})
        name, seed = session.scenario.name, session.state.seed
    origin = from_state_snapshot(snap, months,
                                 f"the dashboard's run of {name!r} (seed {seed}) after {day:,} days simulated")
    errors = inflow_errors_for(origin, inflow) if uncertainty and band is None else None

    def tick(done: int, total: int) -> None:
        if cancelled():
            raise Cancelled
        progress(done / total)
    try:
        f = run_forecast(origin, months, members, seed=1, inflow=inflow, errors=errors, occupancy=occupancy,
                         progress=tick, band=band)
    except Cancelled:
        return None
    return DashboardForecast(f, day, generation, history)


@dataclass
class ForecastForm:
    """The Forecast tab's choices and its forecast under way, owned by the page (opening another
    tab unmounts the panel; neither the choices nor a running forecast are lost)."""

    months: solara.Reactive[int]
    members_text: solara.Reactive[str]
    inflow: solara.Reactive[str]               # a key of INFLOWS
    uncertainty: solara.Reactive[bool]
    job: BackgroundJob
    band_text: solara.Reactive[str]            # LOW:HIGH first applicants a year, or empty: none

    @classmethod
    def new(cls, result: solara.Reactive) -> ForecastForm:
        return cls(solara.reactive(12), solara.reactive("20"), solara.reactive(next(iter(INFLOWS))),
                   solara.reactive(True), BackgroundJob(result.set), solara.reactive(""))


def band_labels(members: int) -> tuple[str, str]:
    """The names of the inner (25-75 %) and outer (5-95 %) band of an ensemble of `members`: below
    BAND_MEMBERS the outer band is the members' range (it holds a new outcome (n-1)/(n+1) of the time,
    not 90 %), and below 3 members so is the inner one (`Forecast.assumptions` says the same)."""
    whole = f"range of the {members} members"
    return ("50 % band" if members >= 3 else whole, "90 % band" if members >= BAND_MEMBERS else whole)


def rows(f: Forecast) -> list[list[str]]:
    """The national figures at each report horizon: median and bands, in the planners' words."""
    t = f.table()
    nat = t[t["breakdown"] == "national"]
    return [[QUANTITY_LABELS.get(r.quantity, r.quantity), str(r.horizon_months), r.date, f"{r.median:,.0f}",
             f"{r.p25:,.0f} to {r.p75:,.0f}", f"{r.p05:,.0f} to {r.p95:,.0f}"] for r in nat.itertuples()]


def province_rows(f: Forecast, months: int) -> list[list[str]]:
    """Per province at `months` ahead (those in a bed there): places needed (median and 90 % band),
    places, and places needed minus places (medians; > 0: the province runs short) — most pressed first."""
    t = f.table()
    prov = t[(t["breakdown"] == "province") & (t["horizon_months"] == months)].set_index(["quantity", "name"])
    out = []
    for name in prov.loc["places_needed"].index:
        need, cap = prov.loc[("places_needed", name)], prov.loc[("capacity", name)]
        out.append((need["median"] - cap["median"],
                    [name, f"{need['median']:,.0f}", f"{need['p05']:,.0f} to {need['p95']:,.0f}",
                     f"{cap['median']:,.0f}", f"{need['median'] - cap['median']:+,.0f}"]))
    return [row for _, row in sorted(out, key=lambda x: -x[0])]


@solara.component
def ForecastPanel(session: Session, result: solara.Reactive, run_id: solara.Reactive[int], form: ForecastForm):
    """Forecast from today: the form, the fan chart and the 6/12/24-month table."""
    _ = run_id.value
    job = form.job
    problems: dict[str, str] = {}
    try:
        members = parse_members(form.members_text.value)
    except ScenarioError as exc:
        problems["members"], members = str(exc), 0
    try:
        band = parse_inflow_band(form.band_text.value)
    except ScenarioError as exc:
        problems["band"], band = str(exc), None
    res: DashboardForecast | None = result.value
    if res is not None and res.generation != session.generation:
        res = None                             # the run was reset or replaced: its forecast no longer applies
    fig = solara.use_memo(lambda: None if res is None else plots.forecast_figure(
        res.forecast.daily_bands(), res.history, band_labels(res.forecast.members)), [res])

    def run():
        # what the fields say now (carried with the click): a render of another thread may not have drawn the
        # last text typed yet, and this handler of the last render held the members and band before it
        try:
            members_now = parse_members(form.members_text.value)
            band_now = parse_inflow_band(form.band_text.value)
        except ScenarioError:
            return                             # (the button is disabled then)
        months, inflow, uncertainty = form.months.value, INFLOWS[form.inflow.value], form.uncertainty.value
        job.start(lambda tick, cancelled: forecast_from(session, months, members_now, inflow, uncertainty, OCCUPANCY,
                                                        tick, cancelled, band_now))

    def carried(data: dict) -> None:
        # the texts the browser showed when the button was clicked, sent just before the click: a click reached a
        # busy server before the last keys typed (`viz.field_carrier`)
        for field, text in zip((form.members_text, form.band_text), data.get("texts") or [], strict=False):
            if isinstance(text, str):
                field.set(text)

    with solara.Column(classes=["np-forecast"]):
        FieldCarrier.element(scope=".np-forecast", buttons=".np-forecast-run",
                             fields=[".np-forecast-members input", ".np-forecast-band input"], on_carried=carried)
        solara.Text("Forecast from today: an ensemble of runs that go on from the run as it stands now (your "
                    "decisions included; the run itself is not touched). Members differ in what is not known "
                    "today: arrivals, decisions, departures and homes, and with inflow uncertainty each member's "
                    "arrivals follow their own path drawn from the record's forecast errors. "
                    "How to read it: docs/forecast.md.")
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.ToggleButtonsSingle(value=form.months, values=list(MONTHS), classes=["np-forecast-months"])
            solara.Text("months ahead", style={"align-self": "center"})
            v.TextField(label="Members", v_model=form.members_text.value, on_v_model=form.members_text.set, dense=True,
                        error_messages=[problems["members"]] if "members" in problems else [],
                        class_="np-forecast-members", style_="max-width: 320px")
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Select("Arrivals after today", values=list(INFLOWS), value=form.inflow,
                          classes=["np-forecast-inflow"], style={"width": "380px"})
            solara.Checkbox(label="inflow uncertainty (the record's errors of persistence)"
                            + ("; the band replaces it" if band is not None else ""), value=form.uncertainty,
                            disabled=band is not None)
        with solara.Row(style={"flex-wrap": "wrap"}):
            v.TextField(label="Inflow band: first applicants a year, LOW:HIGH (empty: none)",
                        v_model=form.band_text.value, on_v_model=form.band_text.set, dense=True,
                        placeholder="e.g. 30000:50000",
                        hint="the members' arrivals spread evenly over the band (noodplan forecast --inflow-band); "
                             "levels to look across, not a probability",
                        error_messages=[problems["band"]] if "band" in problems else [],
                        class_="np-forecast-band", style_="max-width: 520px")
        plan = (None if problems else f"{members} members of {form.months.value} months (about "
                f"{max(1, round(members * form.months.value / 12 * 1.2))} s)")
        JobControls(job, f"Forecast from day {session.day}", run, bool(problems), plan, "np-forecast", "forecast")
        if res is not None:
            f = res.forecast
            moved = f" (the run has now simulated {session.day:,} days)" if session.day != res.day else ""
            solara.Text(f"From day {res.day}, {f.origin.date}{moved}: {f.members} members, {f.months} months, "
                        f"places needed at {percent(f.occupancy)} occupancy"
                        + ("" if f.band is None else f"; {band_words(f.band)}") + ".",
                        classes=["np-forecast-origin"])
            if f.horizon_dates():
                inner, outer = band_labels(f.members)
                table(["figure", "months", "date", "median", inner, outer], rows(f), "np-forecast-table")
                last = max(f.horizon_dates())
                with solara.Details(f"By province, at {last} months (places needed for those in a bed there; "
                                    f"people without a bed are in no province)"):
                    table(["province", "places needed", outer, "places", "needed − places"],
                          province_rows(f, last), "np-forecast-provinces")
            with solara.Div(classes=["np-forecast-plot"]):
                solara.FigurePlotly(fig)
            with solara.Details("What this forecast assumed"):
                solara.Markdown("\n".join(f"* {line}" for line in f.assumptions()))

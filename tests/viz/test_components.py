"""The dashboard's components rendered without a browser (solara.render), plus its helpers."""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
import pytest
import xarray as xr

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")
widgets = pytest.importorskip("ipywidgets")

from model.scenario import ScenarioError, from_yaml_text, load_scenario  # noqa: E402
from viz import app, compare, export, geo, inspect, params  # noqa: E402
from viz.figures import ChartsCanvas, MapCanvas, nice_ceiling  # noqa: E402
from viz.mapwidget import MapWidget  # noqa: E402
from viz.session import Session  # noqa: E402


def day_text(rc) -> str:
    return rc.find(v.Html, class_="np-day").widget.children[0]


@pytest.fixture
def page():
    _box, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def test_page_steps_and_redraws(page):
    assert day_text(page).startswith("Day 0 of 730")
    map_before = page.find(MapWidget).widget.src
    charts_before = page.find(widgets.Image).widget.value
    assert map_before.startswith("data:image/png;base64,") and charts_before[:4] == b"\x89PNG"
    page.find(v.Btn, children=["Step a week"]).widget.click()
    assert day_text(page).startswith("Day 7 of 730")
    assert page.find(MapWidget).widget.src != map_before
    assert page.find(widgets.Image).widget.value != charts_before
    page.find(v.Btn, children=["Step a day"]).widget.click()
    assert day_text(page).startswith("Day 8 of 730")
    values = [w.children[0] for w in page.find(v.Html, class_="np-card-value").widgets]
    assert len(values) == 7 and all(values)


def test_map_click_selects_a_municipality_and_a_location(page):
    m = page.find(MapWidget).widget
    assert len(m.markers) > 100 and "places" in m.markers[0]["t"]
    m.clicked = {"kind": "location", "i": 0, "t": 1}
    page.find(v.SimpleTable, class_="np-facts np-facts-location").assert_single()
    hit = None
    for fx in np.linspace(0.4, 0.8, 9):        # a point on land, away from markers
        for fy in np.linspace(0.3, 0.7, 9):
            m.clicked = {"kind": "point", "fx": float(fx), "fy": float(fy), "t": float(fx + fy)}
            if page.find(v.SimpleTable, class_="np-facts np-facts-municipality").widgets:
                hit = (fx, fy)
                break
        if hit:
            break
    assert hit is not None


def test_invalid_parameter_shows_the_schema_message_and_keeps_the_scenario(page):
    field = page.find(v.TextField, class_="np-param np-param-inflow-first_applications_per_year").widget
    field.v_model = "-5"
    field = page.find(v.TextField, class_="np-param np-param-inflow-first_applications_per_year").widget
    assert field.error_messages == [
        "parameters: inflow.first_applications_per_year: Input should be greater than or equal to 0 (got -5)"]
    assert page.find(v.Btn, children=["Apply (restarts the run)"]).widget.disabled
    assert "baseline" in page.find(v.Html, class_="np-active-scenario").widget.children[0]
    field.v_model = "44200"
    page.find(v.Btn, children=["Apply (restarts the run)"]).widget.click()
    assert day_text(page).startswith("Day 0 of 730")


def test_two_pages_have_their_own_models():
    _, a = solara.render(app.Page(), handle_error=False)
    _, b = solara.render(app.Page(), handle_error=False)
    try:
        a.find(v.Btn, children=["Step a week"]).widget.click()
        assert day_text(a).startswith("Day 7")
        assert day_text(b).startswith("Day 0")
    finally:
        a.close()
        b.close()


def test_phase_timeline_says_when_the_plan_is_off():
    sc = load_scenario("baseline")
    assert sc.plan.enabled
    off = sc.model_copy(update={"plan": sc.plan.model_copy(update={"enabled": False})})
    s = Session(off)
    s.step(3)
    snap = s.snapshot()
    assert snap.phase is None
    c = ChartsCanvas(s)
    c.update(s)
    assert c.plan_text.get_text() == "plan not active"
    on = Session(sc)
    on.step(3)
    assert on.snapshot().phase is not None and len(on.snapshot().phase) == 3


# -- helpers ---------------------------------------------------------------------------------

def test_params_round_trip_and_errors():
    sc = load_scenario("baseline")
    values = params.current_values(sc)
    same, errors = params.apply(sc, values)
    assert errors == {} and same.model_dump() == sc.model_dump()
    _, errors = params.apply(sc, {**values, "seed": "x"})
    assert errors == {"seed": "parameters: seed: not a number (got 'x')"}
    shocked, errors = params.apply(sc, {**values, "shock.extra": "300", "shock.start_day": "10", "shock.days": "20"})
    assert errors == {}
    s0 = shocked.inflow.shocks[0]
    assert s0.extra_persons_per_day == 300 and (s0.end - s0.start).days == 19
    assert all(p.hint for p in params.params_for(sc))


def test_session_background_run_reports_progress_and_cancels():
    s = Session("baseline")
    seen = []
    stop = threading.Event()

    def progress(done, total):
        seen.append(done)
        if done >= 20:
            stop.set()
    done = s.run(100, progress=progress, cancelled=stop.is_set, chunk=5)
    assert done == 20 and s.day == 20 and seen == [5, 10, 15, 20]
    s.reset()
    assert s.day == 0


def test_map_geometry_is_shared_and_read_only():
    shapes = geo.municipalities()
    assert len(shapes.keys) == 342 and geo.municipalities() is shapes
    r = geo.raster()
    assert not r.labels.flags.writeable
    assert set(np.unique(r.labels)) >= set(range(0, 342, 50))
    s = Session("baseline")
    m = MapCanvas(s)
    for metric in ("occupancy", "load", "housing", "phase"):
        for level in ("municipalities", "provinces"):
            m.update(s, metric, level, selected_municipality=0)
            assert m.png()[:4] == b"\x89PNG"


def test_inspect_and_export():
    s = Session("baseline")
    s.step(10)
    assert inspect.municipality_facts(s, 0)[0][1].endswith("(GM0014)")
    assert inspect.location_facts(s, 0)[1][0] == "Kind"
    _facts, path = inspect.applicant_facts(s, inspect.sample_person(s))
    assert path and path[0]["reason"].startswith("intake")
    with pytest.raises(IndexError):
        inspect.applicant_facts(s, 10**9)
    res = s.results()
    # the downloads hold what the session computed: the same table, the same Dataset, the same scenario
    csv = export.daily_csv(res)
    assert csv.startswith(b"date,arrivals,")
    frame = pd.read_csv(io.BytesIO(csv), keep_default_na=False)
    assert len(frame) == 10
    pd.testing.assert_frame_equal(frame, res.daily_frame(), check_dtype=False)
    nc = export.daily_netcdf(res)
    assert nc[:4] == b"\x89HDF"
    with xr.open_dataset(io.BytesIO(nc), engine="h5netcdf") as ds:
        for name in ("population", "in_bed", "cost_eur", "occupancy_by_kind"):
            np.testing.assert_array_equal(ds[name].values, res.daily[name].values)
    assert from_yaml_text(export.scenario_yaml(s.scenario), "export.yaml") == s.scenario


def test_compare_on_common_seeds():
    sc = load_scenario("baseline")
    b = compare.variant(sc, "housing: {supply_persons_per_year: 60000}")
    with pytest.raises(ScenarioError, match=r"variant B: housing\.supply_persons_per_year"):
        compare.variant(sc, "housing: {supply_persons_per_year: -1}")
    assert compare.parse_seeds("1, 2 3") == [1, 2, 3]
    res = compare.compare(sc, b, [1, 2], days=20)
    assert [r.seed for r in res.a] == [1, 2]
    rows = {r["figure"]: r for r in res.table()}
    assert rows["Arrivals (persons)"]["A"] == rows["Arrivals (persons)"]["B"]   # same arrivals on the same seeds


def test_nice_ceiling():
    assert [nice_ceiling(x) for x in (0.3, 1, 7, 11, 149, 70_000)] == pytest.approx([0.3, 1, 8, 15, 150, 80_000])


def test_redraw_reuses_the_cached_background():
    s = Session("baseline")
    m, c = MapCanvas(s), ChartsCanvas(s)
    for _ in range(3):
        s.step(1)
        m.update(s)
        c.update(s)
        assert m.png()[:4] == c.png()[:4] == b"\x89PNG"
    assert m.blit.background is not None and c.blit.background is not None

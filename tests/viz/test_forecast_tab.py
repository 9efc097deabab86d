"""The Forecast tab's inflow band (`noodplan forecast --inflow-band LOW:HIGH` in the dashboard):
offered as the tab offers its other options, read as the command reads it, named in what the tab
says it assumed; a bad band is one line under the field, and the forecast shown stays."""

from __future__ import annotations

import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")
pytest.importorskip("plotly")

from model.scenario import ScenarioError  # noqa: E402
from tests.viz.test_components import _open_tab, _wait, click  # noqa: E402
from viz import forecast as fc  # noqa: E402



def _uncertainty(rc):
    """The forecast's inflow uncertainty box (the Run tab, kept in the page, has the map's 'locations' box)."""
    (w,) = [w for w in rc.find(v.Checkbox).widgets if w.label.startswith("inflow uncertainty")]
    return w

def test_the_band_field_reads_a_band_as_the_command_line_does():
    assert fc.parse_inflow_band("") is None and fc.parse_inflow_band("  ") is None        # empty: no band
    band = fc.parse_inflow_band(" 30,000:50,000 ")
    assert (band.low, band.high) == (30000, 50000)
    for text, says in (("x:y", "LOW:HIGH first applicants a year, e.g. 30000:50000 (got 'x:y')"),
                       ("30000", "LOW:HIGH"), ("3,0000:50000", "LOW:HIGH"),
                       ("50000:30000", "low (50,000) is above high (30,000)"),
                       ("0:20000000", "high: first applicants a year, 0 to 10,000,000")):
        with pytest.raises(ScenarioError) as exc:
            fc.parse_inflow_band(text)
        assert str(exc.value).startswith("inflow band: ") and says in str(exc.value) and "\n" not in str(exc.value)


def _cells(page) -> list[str]:
    return [w.children[0] for w in page.find(v.SimpleTable, class_="np-forecast-table").find(v.Html, tag="td").widgets]


def test_a_forecast_over_a_band_says_so_and_a_bad_band_keeps_the_forecast_shown(page):
    click(page, "Step a week")
    _open_tab(page, "Forecast")
    page.find(v.TextField, label="Members").widget.v_model = "2"
    page.find(v.BtnToggle, class_="np-forecast-months").widget.v_model = 0      # 6 months
    band = page.find(v.TextField, class_="np-forecast-band").widget
    uncertainty = _uncertainty(page)
    assert band.v_model == "" and uncertainty.v_model and not uncertainty.disabled
    band.v_model = "20,000:40,000"
    assert band.error_messages == [] and _uncertainty(page).disabled          # the band replaces it
    page.find(v.Btn, class_="np-forecast-run").widget.click()
    _wait(lambda: bool(page.find(v.SimpleTable, class_="np-forecast-table").widgets), 120)
    origin = page.find(v.Html, class_="np-forecast-origin").widget.children[0]
    assert origin.startswith("From day 7, 2025-07-08: 2 members, 6 months") and \
        origin.endswith("; arrivals scaled to a band of 20,000 to 40,000 first applicants a year."), origin
    assumed = " ".join(c.template for w in page.find(v.ExpansionPanelContent).widgets      # "What this
                       for c in w.children if hasattr(c, "template"))                         # forecast assumed"
    assert "Inflow band (--inflow-band): first applicants a year over the forecast spread evenly from 20,000 to " \
           "40,000 over the 2 members" in assumed and "Inflow uncertainty" not in assumed
    # 2 members: both bands are the members' range (not a 50 % or 90 % band), in the table and the chart
    head = [w.children[0] for w in page.find(v.SimpleTable, class_="np-forecast-table").find(v.Html, tag="th").widgets]
    assert head == ["figure", "months", "date", "median", "range of the 2 members", "range of the 2 members"], head
    from plotly.graph_objs._figurewidget import FigureWidget
    legend = {t.name for w in page.find(FigureWidget).widgets for t in w.data if t.showlegend}
    assert "range of the 2 members" in legend and not any("%" in str(n) for n in legend), legend
    shown = _cells(page)
    # a bad band: one line under the field, no forecast to start, the forecast shown stays
    for text, says in (("x:y", "inflow band: LOW:HIGH first applicants a year, e.g. 30000:50000 (got 'x:y')"),
                       ("40000:20000", "inflow band: low (40,000) is above high (20,000); give LOW:HIGH")):
        band.v_model = text
        assert band.error_messages == [says]
        assert page.find(v.Btn, class_="np-forecast-run").widget.disabled
        assert _cells(page) == shown and page.find(v.Alert).widgets == []
    band.v_model = ""                                     # no band: the uncertainty is offered again
    assert band.error_messages == [] and not _uncertainty(page).disabled
    assert not page.find(v.Btn, class_="np-forecast-run").widget.disabled


def test_a_band_is_named_90_or_50_percent_only_when_the_ensemble_has_the_members_for_it():
    """The Forecast tab's table and fan chart said "90 % band" for any ensemble; with fewer than 19
    members the outer band is the members' range (it holds a new outcome (n-1)/(n+1) of the time:
    with 5 members 67 %), and with 2 the inner one too."""
    from experiments.forecast.ensemble import BAND_MEMBERS

    assert fc.band_labels(2) == ("range of the 2 members", "range of the 2 members")
    assert fc.band_labels(5) == ("50 % band", "range of the 5 members")
    assert fc.band_labels(BAND_MEMBERS - 1) == ("50 % band", f"range of the {BAND_MEMBERS - 1} members")
    assert fc.band_labels(BAND_MEMBERS) == fc.band_labels(100) == ("50 % band", "90 % band")

"""The dashboard in Debian's chromium, with the network blocked except 127.0.0.1.

Screenshots for docs/ui.md: `UPDATE_UI_SCREENSHOTS=1 pytest -m browser tests/viz` writes them to
docs/img/ui-*.png (otherwise they go to the tests' tmp folders).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.viz.conftest import DOCS_IMG
from tests.viz.vuetify import choose
from viz.labels import days_in_position

pytestmark = pytest.mark.browser

# Chromium returns null from DataTransferItem.webkitGetAsEntry() for a script-built DataTransfer,
# and the drop zone only takes entries with .isFile: a test-only shim (see the UI recipe).
WEBKIT_ENTRY_SHIM = """
(() => {
  const orig = DataTransferItem.prototype.webkitGetAsEntry;
  DataTransferItem.prototype.webkitGetAsEntry = function () {
    const entry = orig.call(this);
    if (entry) return entry;
    const f = this.getAsFile();
    return f ? {isFile: true, isDirectory: false, name: f.name, file: (ok) => ok(f)} : null;
  };
})();
"""


def day_of(page) -> int:
    return days_in_position(page.locator(".np-day").inner_text())


def wait_day(page, n: int, timeout: int = 60_000) -> None:
    page.wait_for_function(
        "n => { const e = document.querySelector('.np-day'); "
        "const m = e && e.textContent.match(/([\\d,]+) of [\\d,]+ days simulated/); "
        "return m && parseInt(m[1].replace(/,/g, '')) >= n; }",
        arg=n, timeout=timeout)


def steady_day(page, quiet_ms: int = 500, timeout_s: float = 30) -> int:
    """The day shown once it has stayed the same for `quiet_ms` (at most `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    day = day_of(page)
    while time.monotonic() < deadline:
        page.wait_for_timeout(quiet_ms)
        now = day_of(page)
        if now == day:
            return day
        day = now
    raise AssertionError(f"the day shown was still changing after {timeout_s:.0f} s")


def at_least(page, selector: str, n: int, timeout: int = 30_000) -> None:
    """Wait until the page holds at least `n` elements `selector`: a part of the page (a chart's traces,
    the markers, the cards) is drawn after the part a test waited for, the more so on a busy machine.
    Fail saying how many there are."""
    try:
        page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[selector, n],
                               timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"{page.locator(selector).count()} of {selector} after {timeout // 1000} s, "
                             f"not at least {n}") from None


def shot(page, name: str, tmp_dir) -> None:
    """The user guide's screenshot: written to docs/img when UPDATE_UI_SCREENSHOTS=1 (or when it
    is missing), else to the test's tmp folder, so a test run leaves the work tree clean."""
    target = DOCS_IMG / f"ui-{name}.png"
    if not (os.environ.get("UPDATE_UI_SCREENSHOTS") == "1" or not target.exists()):
        target = tmp_dir / target.name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 20_000


FITS = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


def test_page_loads_offline_with_interactive_charts(ui_server, make_page, tmp_path):
    op = make_page()
    page = op.page
    ready = op.open(ui_server)
    print(f"\n[ui] first page ready in {ready:.2f} s")
    assert day_of(page) == 0
    map_src = page.locator("img.np-map-img").get_attribute("src")
    page.locator(".np-step-week").click()
    wait_day(page, 7)
    page.wait_for_function("old => document.querySelector('img.np-map-img').src !== old", arg=map_src)
    # Plotly, drawn by plotly.js served by the app itself: hover shows values
    plot = page.locator(".np-charts .js-plotly-plot")
    box = plot.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.5)
    page.wait_for_function("() => [...document.querySelectorAll('.np-charts .hoverlayer')]"
                           ".some(h => h.textContent.length > 0)", timeout=30_000)   # the hover label
    at_least(page, ".np-charts .legendtext", 10)                      # legend entries to toggle
    expect(page.locator(".np-card-value")).to_have_count(9, timeout=30_000)
    at_least(page, ".np-spark svg", 5)                                # sparklines on the planner's cards
    at_least(page, ".np-marker[title]", 101)
    shot(page, "run", tmp_path)
    op.assert_offline_clean()


def test_a_request_to_another_host_is_blocked_and_the_servers_own_go_out(ui_server, make_page):
    """What the tests call offline: the page's requests to any host but the test's server are blocked and
    recorded (another address on 127.x included), its own go out (matched in the browser's driver, the
    rule is a regular expression run there)."""
    op = make_page()
    op.page.goto(ui_server)
    op.page.locator(".np-day").wait_for(timeout=120_000)
    status = op.page.evaluate("""async urls => { const out = [];
        for (const u of urls) { try { out.push((await fetch(u)).status); } catch (e) { out.push('blocked'); } }
        return out; }""", [ui_server, "http://example.org/tile.png", "http://127.0.0.10:1/x", "https://127.0.0.1.nip.io/"])
    assert status == [200, "blocked", "blocked", "blocked"]
    assert op.blocked == ["http://example.org/tile.png", "http://127.0.0.10:1/x", "https://127.0.0.1.nip.io/"]


@pytest.mark.parametrize("speed", ["1 day/s", "5 days/s", "20 days/s", "as fast as possible"])
def test_play_at_every_speed_and_pause(ui_server, make_page, speed):
    """Bug 1: at 20 days/s the day stayed 0, Pause did nothing, then 'Too many renders'. Each speed
    plays, shows progress and pauses; the fastest with a core kept busy by another process."""
    op = make_page()
    page = op.page
    op.open(ui_server)
    choose(page, "Speed", speed)
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if speed == "as fast as possible" else None
    try:
        page.locator(".np-play").click()
        target = {"1 day/s": 2, "5 days/s": 6, "20 days/s": 25, "as fast as possible": 40}[speed]
        wait_day(page, target, timeout=60_000)
        page.locator(".np-pause").click(timeout=30_000, no_wait_after=True)
        page.locator(".np-play").wait_for(timeout=30_000)
        # the last frame's day may reach the browser just after its Play button (one render, several
        # messages): the day the run stopped on is the one that then stays
        stopped = steady_day(page)
        page.wait_for_timeout(1_200)
        assert day_of(page) == stopped, "pause did not stop the run"
        assert "Too many renders" not in page.locator("body").inner_text()
    finally:
        if spin is not None:
            spin.kill()
            spin.wait()
    op.assert_offline_clean()


def test_layout_fits_the_window(ui_server, make_page, tmp_path):
    """Bug 8: 12 px horizontal scroll at every size, buttons cut off, charts jumping under the map."""
    op = make_page()
    page = op.page
    op.open(ui_server)
    for width in (1600, 1280, 1024):
        page.set_viewport_size({"width": width, "height": 1000})
        try:                                     # laid out again for the width (not a fixed time)
            page.wait_for_function(FITS, timeout=30_000)
        except PlaywrightTimeout:
            raise AssertionError(f"horizontal scroll at {width} px") from None
        card = page.locator(".np-scenario-card").bounding_box()
        for cls in (".np-apply", ".np-undo"):
            b = page.locator(cls).bounding_box()
            assert b["x"] >= card["x"] and b["x"] + b["width"] <= card["x"] + card["width"] + 1, (width, cls)
    page.set_viewport_size({"width": 1600, "height": 1300})
    page.wait_for_function(FITS, timeout=30_000)
    where = """() => { const o = document.querySelector(".np-live").getBoundingClientRect();
        return [".np-charts", ".np-decisions"].map(s => { const r = document.querySelector(s).getBoundingClientRect();
                                                          return [r.left - o.left, r.top - o.top]; }); }"""
    before = page.evaluate(where)
    old_map = page.locator("img.np-map-img").get_attribute("src")
    choose(page, "Colour by", "load")
    # the map drawn anew in the new colours: only then can what stands next to it have moved
    page.wait_for_function("old => document.querySelector('img.np-map-img').src !== old", arg=old_map,
                           timeout=30_000)
    page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
    after = page.evaluate(where)
    assert np.allclose(before, after, atol=2), "what stands next to the map moved"
    assert page.locator("text=This website runs on").count() == 0 or \
        not page.locator("text=This website runs on").first.is_visible()
    op.assert_offline_clean()


def test_region_table_and_map_select_together(ui_server, make_page, tmp_path):
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-step-week").click()
    wait_day(page, 7)
    page.get_by_role("tab", name="Regions").click()
    table = page.locator(".np-region-table")
    table.wait_for(timeout=30_000)
    expect(table.locator("tbody tr")).to_have_count(13, timeout=30_000)   # 12 provinces and the nation
    assert "Spreidingswet" in table.locator("thead").inner_text()
    map_img = page.locator(".np-regions img.np-map-img")
    old = map_img.get_attribute("src")
    table.locator("tbody tr").nth(2).click()
    page.wait_for_function("old => document.querySelector('.np-regions img.np-map-img').src !== old", arg=old)
    name = table.locator("tbody tr").nth(2).locator("td").first.inner_text()
    selected = page.locator(".np-region-table tbody tr.np-selected")
    selected.wait_for(timeout=30_000)
    assert selected.locator("td").first.inner_text() == name
    # the shown one: the Run tab, kept in the page while hidden, shows the selected province's facts too
    page.locator(".np-facts-province:visible").wait_for(timeout=30_000)
    page.locator(".np-region-multiples .js-plotly-plot").wait_for(timeout=30_000)
    shot(page, "regions", tmp_path)
    # a frame replaces only the small multiples' values (round 6): the browser's panels then run to the new day
    page.locator(".np-step-week").click()
    wait_day(page, 14)
    page.wait_for_function("() => { const p = document.querySelector('.np-region-multiples .js-plotly-plot'); "
                           "return p && p.data.length === 12 && p.data.every((t) => t.y.length === 14) && "
                           "p._fullLayout.xaxis.range[1] >= '2025-07-14'; }", timeout=30_000)
    # the tab stays in the page (round 7): after a week on the Run tab the same plot, at its width, runs on
    width = page.evaluate("() => document.querySelector('.np-region-multiples .js-plotly-plot')._fullLayout.width")
    page.evaluate("() => { document.querySelector('.np-region-multiples .js-plotly-plot').dataset.kept = '1'; }")
    page.get_by_role("tab", name="Run").click()
    page.locator(".np-step-week").click()
    wait_day(page, 21)
    page.get_by_role("tab", name="Regions").click()
    page.wait_for_function("w => { const p = document.querySelector('.np-region-multiples .js-plotly-plot'); "
                           "return p && p.dataset.kept === '1' && p.data.every((t) => t.y.length === 21) && "
                           "p._fullLayout.width === w; }", arg=width, timeout=30_000)
    page.locator(".np-cards").wait_for(state="hidden", timeout=30_000)   # the tabs' transition over: one Level
    choose(page, "Level", "safety regions")
    page.wait_for_function("() => document.querySelectorAll('.np-region-table tbody tr').length === 26")
    op.assert_offline_clean()


def test_ab_of_two_builtins(ui_server, make_page, tmp_path):
    """Bug 4: two built-ins could not be compared; `extends:` as B read +0 everywhere."""
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.get_by_role("tab", name="Compare").click()
    choose(page, "Variant A", "baseline")
    choose(page, "Variant B", "flex-only")
    page.get_by_label("Days", exact=True).fill("30")
    page.get_by_label("Seeds", exact=True).fill("1, 2")
    # what will run, as the server read the fields (a busy server can take a click before a typed value)
    page.locator(".np-compare-plan", has_text="4 runs of 30 days (A and B on 2 seeds)").wait_for(timeout=30_000)
    page.locator(".np-compare-run").click()
    table = page.locator(".np-compare-table")
    try:
        page.locator(".np-compare-table, .np-compare-error").first.wait_for(timeout=180_000)
    except PlaywrightTimeout:
        raise AssertionError("no comparison after 180 s; the tab shows: "
                             + page.locator(".np-compare").inner_text()) from None
    assert page.locator(".np-compare-error").count() == 0, page.locator(".np-compare-error").inner_text()
    cost = table.locator("tr", has_text="Cost (EUR million)").inner_text()
    assert not cost.rstrip().endswith("+0"), cost
    page.locator(".np-compare-plot .js-plotly-plot").wait_for(timeout=30_000)
    at_least(page, ".np-compare-plot .js-plotly-plot path.js-fill", 1)      # bands: two seeds
    page.get_by_label("Days", exact=True).fill("abc")
    page.get_by_text("days: a whole number from 1 to 730 (got 'abc')").wait_for(timeout=30_000)
    shot(page, "compare", tmp_path)
    op.assert_offline_clean()


def test_forecast_from_today_draws_its_fan_chart_offline(ui_server, make_page, tmp_path):
    """The planner's question from the dashboard: places needed in 6 months, and how sure."""
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-step-week").click()
    wait_day(page, 7)
    page.get_by_role("tab", name="Forecast").click()
    page.get_by_label("Members", exact=True).fill("3")
    page.locator(".np-forecast-months button", has_text="6").click()
    # what will run, as the server read the fields (a busy server can take a click before a typed value)
    page.locator(".np-forecast-plan", has_text="3 members of 6 months").wait_for(timeout=30_000)
    page.locator(".np-forecast-run").click()
    try:
        page.locator(".np-forecast-table, .np-forecast-error").first.wait_for(timeout=180_000)
    except PlaywrightTimeout:
        raise AssertionError("no forecast after 180 s; the tab shows: "
                             + page.locator(".np-forecast").inner_text()) from None
    assert page.locator(".np-forecast-error").count() == 0, page.locator(".np-forecast-error").inner_text()
    assert page.locator(".np-forecast-table").get_by_role("cell", name="Places needed", exact=True).count() == 1
    page.locator(".np-forecast-plot .js-plotly-plot").wait_for(timeout=30_000)
    at_least(page, ".np-forecast-plot .js-plotly-plot path.js-fill", 6)     # two bands a panel
    assert day_of(page) == 7                                                 # the run itself did not move
    shot(page, "forecast", tmp_path)
    op.assert_offline_clean()


def test_briefing_opens_and_holds_the_decision_time_line(ui_server, make_page, tmp_path, browser):
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-step-week").click()
    wait_day(page, 7)
    page.locator(".np-whatif-places input").fill("1500")
    page.locator(".np-whatif-open").click()
    page.locator(".np-whatif-done").wait_for(timeout=30_000)
    page.locator(".np-step-week").click()
    wait_day(page, 14)
    page.get_by_role("tab", name="Export").click()
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Briefing (HTML)").click()
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    other = browser.new_context()
    try:
        brief = other.new_page()
        brief.route("**/*", lambda r: r.abort() if not r.request.url.startswith("data:") else r.continue_())
        brief.set_content(html)
        timeline = brief.locator("table.decision-timeline")
        assert "what-if: open 1,500 emergency places now" in timeline.inner_text()
        widths = brief.evaluate("() => [...document.images].map(i => i.naturalWidth)")
        assert len(widths) == 3 and min(widths) >= 1600
        assert brief.locator("table.regional-table tbody tr").count() == 13
    finally:
        other.close()
    op.assert_offline_clean()



def test_a_briefing_asked_for_comes_after_leaving_the_export_tab(ui_server, make_page):
    """A planner asks for the briefing and goes back to the Run tab before it is drawn: it comes all the
    same (the Export tab, hidden, stays in the page: its download's part in the browser with it)."""
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-step-week").click()
    wait_day(page, 7)
    page.get_by_role("tab", name="Export").click()
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Briefing (HTML)").click()
        page.get_by_role("tab", name="Run").click()
        page.locator(".np-step-day").click()
    assert dl.value.suggested_filename.endswith(".html")
    assert "End of day" in Path(dl.value.path()).read_text(encoding="utf-8")
    op.assert_offline_clean()

def test_reload_warns_before_losing_the_run(ui_server, make_page):
    """Bug 10: reload discarded the run without a word."""
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-step-day").click()
    wait_day(page, 1)
    page.locator(".np-reload-guard[data-dirty='yes']").wait_for(state="attached", timeout=30_000)
    dialogs = []

    def on_dialog(d):
        dialogs.append(d.type)
        d.dismiss()          # stay on the page
    page.on("dialog", on_dialog)
    with contextlib.suppress(Exception):
        page.reload(timeout=3_000)
    # the dialog comes when the page's unload handler has run: on a busy machine after the reload gave up
    deadline = time.monotonic() + 60
    while not dialogs and time.monotonic() < deadline:
        page.wait_for_timeout(100)          # (Playwright hands events over while it waits)
    assert dialogs == ["beforeunload"]
    assert day_of(page) == 1


def test_file_zone_opens_the_chooser_and_bad_files_show_the_schema_message(ui_server, make_page, tmp_path):
    """Bug 3: 'click to choose one' opened nothing."""
    op = make_page()
    op.context.add_init_script(WEBKIT_ENTRY_SHIM)
    page = op.page
    op.open(ui_server)
    active = page.locator(".np-active-scenario").inner_text()
    bad = "extends: baseline\nname: broken\ninflow: {first_applications_per_year: -5}\n"
    with page.expect_file_chooser(timeout=30_000) as chooser:
        page.locator(".np-file-drop").click()
    chooser.value.set_files(files=[{"name": "broken.yaml", "mimeType": "application/x-yaml",
                                    "buffer": bad.encode()}])
    err = page.locator(".np-upload-error")
    err.wait_for(timeout=15_000)
    assert "broken.yaml: inflow.first_applications_per_year" in err.inner_text()
    assert page.locator(".np-active-scenario").inner_text() == active   # the last valid scenario stays
    good = "extends: baseline\nname: my-variant\nhousing: {supply_persons_per_year: 50000}\n"
    dt = page.evaluate_handle("""([name, text]) => { const dt = new DataTransfer();
        dt.items.add(new File([text], name, {type: 'application/x-yaml'})); return dt; }""", ["mine.yaml", good])
    page.dispatch_event(".np-file-drop", "drop", {"dataTransfer": dt})
    page.get_by_text("Active scenario: my-variant").wait_for(timeout=30_000)
    field = page.locator(".np-param-horizon_days input")
    field.fill("0")
    msg = page.locator(".np-param-horizon_days .v-messages__message", has_text="horizon_days")
    msg.wait_for(timeout=30_000)
    assert "must be at least 1" in msg.inner_text()
    # (the button is a part of its own: it can be drawn disabled after the message)
    expect(page.locator(".np-apply"), "Apply stays enabled with horizon_days 0").to_be_disabled(timeout=30_000)
    shot(page, "scenario-error", tmp_path)
    op.assert_offline_clean()


def test_click_map_and_look_up_an_applicant(ui_server, make_page, tmp_path):
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-step-week").click()
    wait_day(page, 7)
    page.locator("img.np-map-img").first.scroll_into_view_if_needed()
    box = page.locator("img.np-map-img").first.bounding_box()
    facts = page.locator(".np-facts-municipality")
    found = False
    for fx in np.linspace(0.45, 0.75, 7):            # land in the middle of the country, off the markers
        for fy in np.linspace(0.35, 0.7, 8):
            x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
            if page.evaluate("([x, y]) => document.elementFromPoint(x, y).classList.contains('np-map-img')", [x, y]):
                page.mouse.click(x, y)
                try:
                    facts.wait_for(timeout=3_000)
                    found = True
                    break
                except Exception:
                    continue
        if found:
            break
    facts.wait_for(timeout=30_000)
    assert "Inhabitants" in facts.inner_text()
    page.get_by_role("tab", name="Inspect").click()
    page.locator(".np-random-person").click()
    page.locator(".np-path").wait_for(timeout=30_000)
    shot(page, "inspect", tmp_path)
    op.assert_offline_clean()


def test_two_sessions_are_independent(ui_server, make_page):
    a, b = make_page(), make_page()
    a.open(ui_server)
    b.open(ui_server)
    a.page.locator(".np-step-week").click()
    wait_day(a.page, 7)
    b.page.wait_for_timeout(500)
    assert day_of(b.page) == 0
    b.page.locator(".np-step-day").click()
    wait_day(b.page, 1)
    a.page.wait_for_timeout(300)
    assert day_of(a.page) == 7 and day_of(b.page) == 1
    a.assert_offline_clean()
    b.assert_offline_clean()


def test_what_is_typed_during_play_stays_and_is_used(ui_server, make_page):
    """A planner types 4,000 into What if's Places while the run plays at 5 days a second: each
    frame put the field back to 1,000 (the text was taken only on leaving the field), so the field
    jumped back under the fingers and Open places opened 1,000. Typed key by key, as a person does."""
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-play").click()
    wait_day(page, 2, timeout=60_000)
    field = page.locator(".np-whatif-places input")
    field.click()
    field.press("Control+a")
    field.press_sequentially("4000", delay=150)
    start = day_of(page)
    wait_day(page, start + 10, timeout=60_000)               # several frames drawn meanwhile
    assert field.input_value() == "4000"
    page.locator(".np-whatif-open").click()
    done = page.locator(".np-whatif-done")
    done.wait_for(timeout=30_000)
    assert "what-if: open 4,000 emergency places now" in done.inner_text()
    page.locator(".np-pause").click(timeout=30_000, no_wait_after=True)
    page.locator(".np-play").wait_for(timeout=30_000)
    op.assert_offline_clean()


def test_a_run_file_over_1_mib_renamed_txt_reopens_with_the_runs_figures(ui_server, make_page):
    """Round 4: the drop zone chose its size limit by the file's name, so a 2 MB run file a browser
    saved as `run.json.txt` was refused ("a scenario is at most 1,048,576 bytes") before a byte was
    read, though the file is read by what it holds. The limit now goes by the file's first bytes, read
    through the browser's chunked transfer before the rest. After the upload the cards show the run's
    own figures (Results of the same scenario, seed and days)."""
    from viz.session import Session

    s = Session("baseline")
    s.step(9)
    res = s.results().daily
    text = s.record("a long session").to_json()
    big = (text[:-1] + " " * 2_000_000 + "}").encode()          # JSON: blanks are allowed between tokens
    assert len(big) > 2_000_000
    op = make_page()
    op.context.add_init_script(WEBKIT_ENTRY_SHIM)
    page = op.page
    op.open(ui_server)
    with page.expect_file_chooser(timeout=30_000) as chooser:
        page.locator(".np-file-drop").click()
    chooser.value.set_files(files=[{"name": "run.json.txt", "mimeType": "text/plain", "buffer": big}])
    wait_day(page, 9, timeout=120_000)
    assert page.locator(".np-upload-error").count() == 0
    assert day_of(page) == 9
    want = {"population": f"{int(res['population'].values[-1]):,}",
            "occupancy": f"{float(res['occupancy_rate'].values[-1]):.1%}",
            "unsheltered": f"{int(res['unsheltered'].values[-1]):,}"}
    cards = ("() => Object.fromEntries(['population', 'occupancy', 'unsheltered'].map(k => [k, "
             "(document.querySelector('.np-card-' + k + ' .np-card-value')?.innerText || '').trim()]))")
    try:        # (the cards are parts of their own: drawn after the day, the more so on a busy machine)
        page.wait_for_function(f"want => JSON.stringify(({cards})()) === JSON.stringify(want)", arg=want,
                               timeout=60_000)
    except PlaywrightTimeout:
        raise AssertionError(f"the cards show {page.evaluate(cards)}, not the run's {want}") from None
    page.get_by_text("a long session").first.wait_for(timeout=30_000)      # kept in the saved list
    op.assert_offline_clean()


# The controls a planner clicks during Play, and a MutationObserver that records every removal from the page
# of an element holding one of them (the browser drawing it anew).
WATCH_CONTROLS = """
() => {
  const sel = '.np-controls button, .np-controls .np-speed, .np-whatif button, .np-whatif input, ' +
              '.np-scenario .np-apply, .np-saved button, .v-tab';
  window.__npControls = [...document.querySelectorAll(sel)];
  window.__npReplaced = [];
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.removedNodes) {
      if (n.nodeType !== 1) continue;
      const hit = window.__npControls.find((c) => n === c || n.contains(c));
      if (hit) window.__npReplaced.push(hit.className || hit.tagName);
    }
  }).observe(document.body, {childList: true, subtree: true});
}
"""


def test_every_control_answers_during_the_fastest_play_with_a_core_kept_busy(ui_server, make_page):
    """Round 4, a planner at the fastest speed on a loaded laptop (one core kept busy by another
    process): no frozen page, and every control answers within a few seconds while the run plays —
    the Regions tab and back, the speed, a What-if decision, Pause. Each is timed until the page
    shows its answer (a condition with a generous deadline); the bound asserted is `answer_s`."""
    answer_s = 15.0            # "a few seconds" on a 2-core machine shared with the browser and a spinner
    op = make_page()
    page = op.page
    op.open(ui_server)
    # ten years, not two: the fastest Play ran baseline's 730 days to the end while the page was
    # driven at a load average of 11-16, and the What-if then said 'the run is at its horizon'
    horizon = page.locator(".np-param-horizon_days input")
    horizon.fill("3650")
    page.locator(".np-apply:not([disabled])").click(timeout=60_000)
    page.locator(".np-active-scenario", has_text="+ 3650 days").wait_for(timeout=60_000)
    choose(page, "Speed", "as fast as possible")
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    took: dict[str, float] = {}

    def timed(name, act, shown):
        t0 = time.monotonic()
        act()
        try:
            shown()
        except PlaywrightTimeout as exc:        # say what the page showed instead
            raise AssertionError(f"{name}: no answer after {time.monotonic() - t0:.0f} s; the page showed "
                                 f"{page.locator('.np-day').inner_text()!r}, What-if: "
                                 f"{page.locator('.np-whatif').inner_text()!r}; controls drawn anew: "
                                 f"{page.evaluate('() => window.__npReplaced')}") from exc
        took[name] = time.monotonic() - t0

    page.evaluate(WATCH_CONTROLS)
    try:
        page.locator(".np-play").click()
        wait_day(page, 20, timeout=120_000)
        # a refused What-if during Play: its error row comes (and goes with the decision below)
        places = page.locator(".np-whatif-places input")
        places.click()
        places.press("Control+a")
        places.press_sequentially("12,5", delay=50)
        page.locator(".np-whatif-open").click()
        page.locator(".np-whatif-error").wait_for(timeout=60_000)
        timed("regions tab", lambda: page.get_by_role("tab", name="Regions").click(),
              lambda: page.locator(".np-region-table").wait_for(timeout=60_000))
        timed("run tab", lambda: page.get_by_role("tab", name="Run").click(),
              lambda: page.locator(".np-cards").wait_for(timeout=60_000))
        field = page.locator(".np-whatif-inflow input")
        field.click()
        field.press("Control+a")
        field.press_sequentially("90000", delay=50)
        # clicked at once: the click must not overtake the last keys (`viz.field_carrier`; it did in 4
        # of 5 runs before, deciding 'first applications 9 a year')
        timed("what-if", lambda: page.locator(".np-whatif-inflow-apply").click(),
              lambda: page.locator(".np-whatif-done", has_text="90,000").wait_for(timeout=60_000))
        timed("speed", lambda: choose(page, "Speed", "5 days/s"), lambda: None)
        timed("pause", lambda: page.locator(".np-pause").click(timeout=60_000, no_wait_after=True),
              lambda: page.locator(".np-play").wait_for(timeout=60_000))
        stopped = steady_day(page)
        assert "Too many renders" not in page.locator("body").inner_text()
        timed("step", lambda: page.locator(".np-step-day").click(), lambda: wait_day(page, stopped + 1))
    finally:
        spin.kill()
        spin.wait()
    print("\n[ui] answered in", {k: round(v, 2) for k, v in took.items()})
    assert all(v < answer_s for v in took.values()), took
    # the controls are the elements they were when the page opened: not one was drawn anew by the frames,
    # the tab switches, or the What-if's error and answer coming and going beside them (round 5: the
    # What-if's answer was a row that came and went; round 4: the progress row, which lost a Pause)
    watched = page.evaluate("() => ({replaced: window.__npReplaced, gone: window.__npControls"
                            ".filter((e) => !e.isConnected).map((e) => e.className), n: window.__npControls.length})")
    assert watched["n"] >= 12 and watched["replaced"] == [] and watched["gone"] == [], watched
    op.assert_offline_clean()


def test_apply_save_and_forecast_act_on_the_text_a_field_shows_while_its_last_keys_are_held_back(ui_server,
                                                                                                make_page):
    """The What-if's race on the dashboard's other forms: the browser holds a field's last keys back while
    the server has not answered the one before, and sends a click at once, so on a busy server Apply
    restarted the run with seed 9 when 97 was typed, Save run kept the run under the name typed before the
    last keys, and the forecast ran 2 members when 3 were typed. Each click now sends the texts its fields
    show first (`viz.field_carrier`); the page's value updates are held back here as a busy server has them."""
    from tests.viz.test_exercise_browser import HOLD_BACK, held_back

    op = make_page()
    page = op.page
    op.open(ui_server)
    page.evaluate(HOLD_BACK)
    page.get_by_label("Random seed").fill("9")                       # typed and answered: Apply is enabled
    page.locator(".np-apply:not([disabled])").wait_for(timeout=60_000)
    held_back(page, "Random seed", "97", ".np-apply", ".np-active-scenario", "seed 97")
    held_back(page, "Name", "for the minister", ".np-save-run", ".np-save-msg-box", "'for the minister'")
    page.locator(".np-step-day").click()
    wait_day(page, 1)
    page.get_by_role("tab", name="Forecast").click()
    page.locator(".np-forecast-months button", has_text="6").click()
    page.get_by_label("Members").fill("2")
    page.locator(".np-forecast-plan", has_text="2 members of 6 months").wait_for(timeout=60_000)
    held_back(page, "Members", "3", ".np-forecast-run", ".np-forecast", "3 members, 6 months")
    op.assert_offline_clean()

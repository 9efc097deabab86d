"""The dashboard in Debian's chromium, with the network blocked except 127.0.0.1.

Screenshots for docs/ui.md: `UPDATE_UI_SCREENSHOTS=1 pytest -m browser tests/viz` writes them to
docs/img/ui-*.png (otherwise they go to the tests' tmp folders).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from tests.viz.conftest import DOCS_IMG

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Chromium returns null from DataTransferItem.webkitGetAsEntry() for a script-built DataTransfer,
# and Solara's FileDrop only takes entries with .isFile: a test-only shim (see the UI recipe).
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
    return int(re.match(r"Day (\d+)", page.locator(".np-day").inner_text()).group(1))


def wait_day(page, n: int, timeout: int = 30_000) -> None:
    page.wait_for_function(
        "n => { const e = document.querySelector('.np-day'); return e && parseInt(e.textContent.slice(4)) >= n; }",
        arg=n, timeout=timeout)


def shot(page, name: str, tmp_dir) -> None:
    """The user guide's screenshot: written to docs/img when UPDATE_UI_SCREENSHOTS=1 (or when it
    is missing), else to the test's tmp folder, so a test run leaves the work tree clean."""
    target = DOCS_IMG / f"ui-{name}.png"
    if not (os.environ.get("UPDATE_UI_SCREENSHOTS") == "1" or not target.exists()):
        target = tmp_dir / target.name
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 20_000


def test_page_loads_offline_and_a_run_advances(ui_server, make_page, tmp_path):
    op = make_page()
    page = op.page
    ready = op.open(ui_server)
    print(f"\n[ui] first page ready in {ready:.2f} s")
    assert day_of(page) == 0
    map_src = page.locator("img.np-map-img").get_attribute("src")
    charts_src = page.locator(".np-charts img").get_attribute("src")
    charts_png = page.locator(".np-charts img").screenshot()

    page.locator(".np-step-week").click()
    wait_day(page, 7)
    page.wait_for_function("old => document.querySelector('.np-charts img').src !== old", arg=charts_src)
    assert page.locator("img.np-map-img").get_attribute("src") != map_src
    assert page.locator(".np-charts img").screenshot() != charts_png, "the plots did not change"

    page.locator(".np-play").click()
    wait_day(page, 20)
    page.locator(".np-pause").click()
    page.locator(".np-play").wait_for()
    stopped = day_of(page)
    page.wait_for_timeout(600)
    assert day_of(page) == stopped, "pause did not stop the run"
    # the map renders: a full picture, hover targets with tooltips for the locations
    box = page.locator("img.np-map-img").bounding_box()
    assert box["width"] > 300 and box["height"] > 400
    assert page.locator(".np-marker[title]").count() > 100
    assert "places" in page.locator(".np-marker").first.get_attribute("title")
    assert page.locator(".np-card-value").count() >= 6
    shot(page, "run", tmp_path)
    op.assert_offline_clean()


def test_click_map_and_look_up_an_applicant(ui_server, make_page, tmp_path):
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-step-week").click()
    wait_day(page, 7)
    box = page.locator("img.np-map-img").bounding_box()
    facts = page.locator(".np-facts-municipality")
    for fx in np.linspace(0.45, 0.75, 7):            # land in the middle of the country, off the markers
        for fy in np.linspace(0.35, 0.7, 8):
            x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
            if page.evaluate("([x, y]) => document.elementFromPoint(x, y).classList.contains('np-map-img')", [x, y]):
                page.mouse.click(x, y)
                try:
                    facts.wait_for(timeout=3_000)
                    break
                except Exception:  # sea or outside the country: try the next point
                    continue
        else:
            continue
        break
    facts.wait_for(timeout=10_000)
    assert "Inhabitants" in facts.inner_text()
    page.locator(".np-marker").first.click()
    page.locator(".np-facts-location").wait_for(timeout=10_000)
    page.get_by_role("tab", name="Inspect").click()
    page.locator(".np-random-person").click()
    page.locator(".np-path").wait_for(timeout=10_000)
    assert "intake" in page.locator(".np-path").inner_text()
    shot(page, "inspect", tmp_path)
    op.assert_offline_clean()


def test_bad_upload_and_bad_input_show_the_schema_message(ui_server, make_page, tmp_path):
    op = make_page()
    op.context.add_init_script(WEBKIT_ENTRY_SHIM)
    page = op.page
    op.open(ui_server)
    active = page.locator(".np-active-scenario").inner_text()
    bad = "extends: baseline\nname: broken\ninflow: {first_applications_per_year: -5}\n"
    dt = page.evaluate_handle("""([name, text]) => { const dt = new DataTransfer();
        dt.items.add(new File([text], name, {type: 'application/x-yaml'})); return dt; }""", ["broken.yaml", bad])
    page.dispatch_event(".solara-file-drop", "drop", {"dataTransfer": dt})
    err = page.locator(".np-upload-error")
    err.wait_for(timeout=10_000)
    assert "broken.yaml: inflow.first_applications_per_year" in err.inner_text()
    assert page.locator(".np-active-scenario").inner_text() == active   # the last valid scenario stays

    field = page.locator(".np-param-horizon_days input")
    field.fill("0")
    msg = page.locator(".np-param-horizon_days .v-messages__message", has_text="horizon_days")
    msg.wait_for(timeout=10_000)           # replaces the range hint once the kernel has checked it
    assert "horizon_days" in msg.inner_text() and "greater than or equal to 1" in msg.inner_text()
    assert page.locator(".np-apply").is_disabled()
    shot(page, "scenario-error", tmp_path)
    op.assert_offline_clean()


def test_two_sessions_are_independent(ui_server, make_page):
    a, b = make_page(), make_page()
    a.open(ui_server)
    b.open(ui_server)
    a.page.locator(".np-step-week").click()
    wait_day(a.page, 7)
    a.page.locator(".np-step-day").click()
    wait_day(a.page, 8)
    b.page.wait_for_timeout(500)
    assert day_of(b.page) == 0
    b.page.locator(".np-step-day").click()
    wait_day(b.page, 1)
    a.page.wait_for_timeout(300)
    assert day_of(a.page) == 8 and day_of(b.page) == 1
    a.assert_offline_clean()
    b.assert_offline_clean()


def test_background_run_compare_and_export(ui_server, make_page, tmp_path):
    op = make_page()
    page = op.page
    op.open(ui_server)
    page.locator(".np-run-end").click()
    wait_day(page, 730, timeout=120_000)
    page.locator(".np-play").wait_for()
    assert day_of(page) == 730
    page.get_by_role("tab", name="Compare").click()
    page.get_by_label("Days").fill("60")
    page.get_by_label("Seeds").fill("1, 2")
    page.locator(".np-compare-run").click()
    page.locator(".np-compare-table").wait_for(timeout=120_000)
    page.locator(".np-compare-plot img").wait_for()
    shot(page, "compare", tmp_path)
    page.get_by_role("tab", name="Export").click()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Daily figures (CSV)").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.startswith("date,arrivals,") and len(text.splitlines()) == 731
    op.assert_offline_clean()

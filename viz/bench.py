"""How fast the dashboard is: `python -m viz.bench [--days N] [--scenario NAME] [--browser]`.

* day + redraw: one simulated day, then everything the Run tab shows redrawn, measured two ways:
  the drawing path alone (step, map, time line data, cards, tooltips) and a real Solara render of
  the page after a "Step a day" click (widgets updated, as a browser session would get them);
* a two-year Play at the fastest speed through the page's player (frames drawn by real renders).
* first page ready (with --browser): a `noodplan ui` server and Debian's chromium, offline;
  from navigation until the day, the map and the charts are shown; and a day + redraw as the
  browser sees it (click "Step a day" until the new charts image arrives).
Medians over N days (after a short warm-up). This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time


def drawing_path(scenario: str, days: int) -> list[float]:
    from viz import decisions, planner, plots
    from viz.figures import MapCanvas
    from viz.labels import phase_names
    from viz.session import Session

    s = Session(scenario)
    m = MapCanvas(s)
    tl = plots.Timeline(s.snapshot(), phase_names(s.scenario))
    out = []
    for i in range(days + 5):
        t0 = time.perf_counter()
        s.step(1)
        m.update(s)
        m.png()
        m.markers(s)
        snap = s.snapshot()
        tl.trace_data(snap, decisions.rows(s.state.event_log))
        planner.planner_series(snap)
        s.key_figures()
        if i >= 5:
            out.append(time.perf_counter() - t0)
    return out


def fastest_play(scenario: str) -> tuple[float, int]:
    """Seconds for a whole Play at 'as fast as possible' through the page, and frames shown."""
    import os

    os.environ["NOODPLAN_UI_SCENARIO"] = scenario
    import ipyvuetify as v
    import solara

    from viz import app

    _, rc = solara.render(app.Page(), handle_error=False)
    try:
        rc.find(v.Select, label="Speed").widget.v_model = "as fast as possible"
        day = lambda: int(rc.find(v.Html, class_="np-day").widget.children[0].split()[1])  # noqa: E731
        frames = []
        t0 = time.perf_counter()
        rc.find(v.Btn, class_="np-play").widget.click()
        while day() < 730 or rc.find(v.Btn, class_="np-pause").widgets:
            frames.append(day())
            time.sleep(0.05)
        return time.perf_counter() - t0, len(set(frames))
    finally:
        rc.close()


def page_render(scenario: str, days: int) -> list[float]:
    import os

    os.environ["NOODPLAN_UI_SCENARIO"] = scenario
    import ipyvuetify as v
    import solara

    from viz import app

    _, rc = solara.render(app.Page(), handle_error=False)
    try:
        out = []
        for i in range(days + 5):
            btn = rc.find(v.Btn, children=["Step a day"]).widget   # found before the clock starts
            t0 = time.perf_counter()
            btn.click()
            if i >= 5:
                out.append(time.perf_counter() - t0)
        return out
    finally:
        rc.close()


def first_page(runs: int, clicks: int = 20) -> tuple[list[float], list[float]]:
    import tempfile
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from tests.viz.conftest import CHROMIUM_ARGS, OfflinePage, chromium_path, run_server

    out, steps = [], []
    with run_server(Path(tempfile.mkdtemp())) as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for k in range(runs):
            op = OfflinePage(b)
            out.append(op.open(url))
            if k == 0:   # click "Step a day" until the browser shows the new day, map and charts
                page = op.page
                for _ in range(clicks):
                    old = page.locator("img.np-map-img").first.get_attribute("src")
                    t0 = time.perf_counter()
                    page.locator(".np-step-day").click()
                    page.wait_for_function("old => document.querySelector('img.np-map-img').src !== old", arg=old)
                    steps.append(time.perf_counter() - t0)
            op.assert_offline_clean()
            op.close()
        b.close()
    return out, steps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m viz.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--browser", action="store_true", help="also time the first page in chromium")
    ap.add_argument("--runs", type=int, default=5, help="page loads with --browser")
    args = ap.parse_args(argv)
    ms = lambda xs: f"median {statistics.median(xs) * 1e3:.1f} ms, p90 {sorted(xs)[int(0.9 * len(xs))] * 1e3:.1f} ms"  # noqa: E731
    drawing, page = ms(drawing_path(args.scenario, args.days)), ms(page_render(args.scenario, args.days))
    print(f"{args.scenario}: day + redraw, drawing path ({args.days} days): {drawing}")
    print(f"{args.scenario}: day + redraw, Solara page render ({args.days} days): {page}")
    secs, frames = fastest_play(args.scenario)
    print(f"{args.scenario}: two-year Play at the fastest speed: {secs:.1f} s, {frames} distinct days shown")
    if args.browser:
        t, steps = first_page(args.runs)
        print(f"first page ready ({args.runs} loads): median {statistics.median(t):.2f} s, "
              f"max {max(t):.2f} s ({', '.join(f'{x:.2f}' for x in t)})")
        print(f"{args.scenario}: day + redraw in chromium, click to new map ({len(steps)} clicks): {ms(steps)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

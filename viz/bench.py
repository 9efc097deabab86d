"""How fast the dashboard is: `python -m viz.bench [--days N] [--scenario NAME] [--browser]`.

* day + redraw: one simulated day, then everything the Run tab shows redrawn, measured two ways:
  the drawing path alone (step, map, charts, cards, tooltips) and a real Solara render of the
  page after a "Step a day" click (widgets updated, as a browser session would get them).
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
    from viz.figures import ChartsCanvas, MapCanvas
    from viz.session import Session

    s = Session(scenario)
    m, c = MapCanvas(s), ChartsCanvas(s)
    out = []
    for i in range(days + 5):
        t0 = time.perf_counter()
        s.step(1)
        m.update(s)
        m.png()
        m.markers(s)
        c.update(s)
        c.png()
        s.key_figures()
        if i >= 5:
            out.append(time.perf_counter() - t0)
    return out


def page_render(scenario: str, days: int) -> list[float]:
    import os

    os.environ["NOODPLAN_UI_SCENARIO"] = scenario
    import ipyvuetify as v
    import solara

    from viz import app

    _, rc = solara.render(app.Page(), handle_error=False)
    try:
        btn = rc.find(v.Btn, children=["Step a day"]).widget
        out = []
        for i in range(days + 5):
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
                    old = page.locator(".np-charts img").get_attribute("src")
                    t0 = time.perf_counter()
                    page.locator(".np-step-day").click()
                    page.wait_for_function("old => document.querySelector('.np-charts img').src !== old", arg=old)
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
    if args.browser:
        t, steps = first_page(args.runs)
        print(f"first page ready ({args.runs} loads): median {statistics.median(t):.2f} s, "
              f"max {max(t):.2f} s ({', '.join(f'{x:.2f}' for x in t)})")
        print(f"{args.scenario}: day + redraw in chromium, click to new charts ({len(steps)} clicks): {ms(steps)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

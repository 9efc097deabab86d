"""How fast the dashboard is: `python -m viz.bench [--days N] [--scenario NAME] [--browser]`.

* day + redraw: one simulated day, then everything the Run tab shows redrawn, measured two ways:
  the drawing path alone (step, map, time line data, cards, tooltips) and a real Solara render of
  the page after a "Step a day" click (widgets updated, as a browser session would get them), once
  the page's background work is done (the stable-stock counterfactual, the spare session), and
  also while it still runs (the first seconds after a page opens); with the widget updates per
  click, which do not depend on the machine's load: widget properties changed (what is sent to
  the browser) and widgets reconciled by Solara's renderer (reacton);
* a two-year Play at the fastest speed through the page's player (frames drawn by real renders),
  once the page's background work is done, with the frames drawn and the CPU time per thread.
* first page ready (with --browser): a `noodplan ui` server and Debian's chromium, offline;
  from navigation until the day, the map and the charts are shown; and a day + redraw as the
  browser sees it (click "Step a day" until the new charts image arrives).
Medians over N days (after a short warm-up). This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass

from viz.labels import days_in_position


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


@dataclass
class Play:
    """A two-year Play at 'as fast as possible' through the page: `seconds` from the click until the
    player stopped and drew its last day; `frames` drawn by real renders; `days` simulated; `cpu`
    seconds of CPU time per thread meanwhile (the play thread simulates and renders, the
    counterfactual's thread runs the stable stock alongside, MainThread is the bench waiting)."""
    seconds: float
    frames: int
    days: int
    cpu: dict[str, float]


def thread_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds of every thread of this process so far, by native id: (name, seconds).
    Read from /proc (Linux); elsewhere the whole process as one entry."""
    import os
    import threading

    names = {t.native_id: t.name for t in threading.enumerate()}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return {0: ("process", time.process_time())}
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:               # the thread ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(tid)] = (names.get(int(tid), "other"), (int(fields[11]) + int(fields[12])) / tick)
    return out


def fastest_play(scenario: str) -> Play:
    """A whole Play at 'as fast as possible' through the page, once its background work is done.
    The bench waits on the page's player thread (not by looking through the page's widgets, which
    cost some 8 ms of CPU a look and competed with the Play it timed)."""
    import os

    os.environ["NOODPLAN_UI_SCENARIO"] = scenario
    import ipyvuetify as v
    import solara

    from viz import app
    from viz.player import Player

    players: list[Player] = []

    class Watched(Player):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            players.append(self)

    app.Player = Watched              # type: ignore[misc]  # the page's player, seen by the bench
    try:
        _, rc = solara.render(app.Page(), handle_error=False)
    finally:
        app.Player = Player           # type: ignore[misc]
    try:
        while not background_done():     # the counterfactual and the next spare session
            time.sleep(0.05)
        rc.find(v.Select, label="Speed").widget.v_model = "as fast as possible"
        (player,) = players
        play = rc.find(v.Btn, class_="np-play").widget
        before = thread_cpu()
        last = dict(before)          # each thread's last reading (a thread that ended keeps its own)
        t0 = time.perf_counter()
        play.click()

        def look() -> None:
            for tid, (name, c) in thread_cpu().items():
                last[tid] = (last[tid][0] if tid in last and name == "other" else name, c)

        while not player.ended:
            look()
            time.sleep(0.02)
        seconds = time.perf_counter() - t0
        look()
        cpu: dict[str, float] = {}
        for tid, (name, c) in last.items():
            cpu[name] = cpu.get(name, 0.0) + c - before.get(tid, (name, 0.0))[1]
        return Play(seconds, player.frames.shown, player.days_played, cpu)
    finally:
        rc.close()


@dataclass
class WidgetUpdates:
    """What a render touched: `sent` widget properties changed (each one a message to the
    browser), `reconciled` widgets whose properties Solara's renderer (reacton) set again, and
    `wire_bytes` of the messages to the browser, serialised as Solara's server does."""
    sent: int = 0
    reconciled: int = 0
    wire_bytes: int = 0


@contextlib.contextmanager
def count_widget_updates() -> Iterator[WidgetUpdates]:
    """Count widget updates while the block runs (this thread and others). Without a browser
    widget messages go nowhere; here each changed property is also serialised as the server would
    put it on the websocket (`Widget.get_state`, then `solara.server.kernel.json_dumps`), so that
    cost is part of what is timed."""
    import ipywidgets
    import reacton.core
    from ipywidgets.widgets.widget import _remove_buffers
    from solara.server.kernel import json_dumps

    n = WidgetUpdates()
    notify, update = ipywidgets.Widget.notify_change, reacton.core.Element._update_widget

    def counted_notify(self, change):
        if change["name"] in self.keys:
            n.sent += 1
            state, paths, buffers = _remove_buffers(self.get_state(key=change["name"]))
            n.wire_bytes += len(json_dumps({"method": "update", "state": state, "buffer_paths": paths}))
            n.wire_bytes += sum(memoryview(b).nbytes for b in buffers)
        return notify(self, change)

    def counted_update(self, *args, **kwargs):
        n.reconciled += 1
        return update(self, *args, **kwargs)

    # patching the methods is the point here: counted while the block runs, restored after it
    ipywidgets.Widget.notify_change = counted_notify
    reacton.core.Element._update_widget = counted_update  # type: ignore[method-assign]  # see above
    try:
        yield n
    finally:
        ipywidgets.Widget.notify_change = notify
        reacton.core.Element._update_widget = update  # type: ignore[method-assign]  # restored


def background_done() -> bool:
    """The page's background work is over: the stable-stock counterfactuals and the spare session."""
    from viz import app, counterfactual

    return counterfactual.idle() and not app._refilling.locked()


@dataclass
class Click:
    seconds: float             # wall clock, click until the page shows the new day (render done)
    cpu_seconds: float         # CPU time of the process meanwhile (less sensitive to other jobs)
    updates: WidgetUpdates


def step_clicks(rc, days: int, warmup: int = 5) -> list[Click]:
    """Click "Step a day" `days` times (after `warmup` clicks) on a rendered page; each click is
    timed until the page shows the new day and no render is under way. (A render asked for while
    another thread renders is left to that thread, e.g. the one that brought a background result.)"""
    import ipyvuetify as v

    day = lambda: days_in_position(rc.find(v.Html, class_="np-day").widget.children[0])  # noqa: E731
    out = []
    for i in range(days + warmup):
        btn = rc.find(v.Btn, children=["Step a day"]).widget   # found before the clock starts
        expected = day() + 1
        with count_widget_updates() as n:
            c0, t0 = time.process_time(), time.perf_counter()
            btn.click()
            while day() != expected or rc.thread_lock.locked():
                time.sleep(0.0002)
            t, c = time.perf_counter() - t0, time.process_time() - c0
        if i >= warmup:
            out.append(Click(t, c, n))
    return out


def page_render(scenario: str, days: int) -> tuple[list[Click], list[Click]]:
    """Step clicks on a freshly opened page while its background work runs (at most `days`), then
    `days` clicks once it is done."""
    import os

    os.environ["NOODPLAN_UI_SCENARIO"] = scenario
    import solara

    from viz import app

    _, rc = solara.render(app.Page(), handle_error=False)
    try:
        busy: list[Click] = []
        while not background_done() and len(busy) < days:
            busy += step_clicks(rc, 1, warmup=0)
        while not background_done():
            time.sleep(0.05)
        return busy, step_clicks(rc, days)
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
    import os

    ap = argparse.ArgumentParser(prog="python -m viz.bench", description=__doc__.split("\n")[0], allow_abbrev=False)
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--browser", action="store_true", help="also time the first page in chromium")
    ap.add_argument("--runs", type=int, default=5, help="page loads with --browser")
    args = ap.parse_args(argv)
    load_at_start = os.getloadavg()[0]
    ms = lambda xs: f"median {statistics.median(xs) * 1e3:.1f} ms, p90 {sorted(xs)[int(0.9 * len(xs))] * 1e3:.1f} ms"  # noqa: E731
    drawing = drawing_path(args.scenario, args.days)
    print(f"{args.scenario}: day + redraw, drawing path ({args.days} days): {ms(drawing)}")
    busy, page = page_render(args.scenario, args.days)
    print(f"{args.scenario}: day + redraw, Solara page render ({args.days} days): {ms([c.seconds for c in page])} "
          f"(CPU {ms([c.cpu_seconds for c in page])}); widget updates per click: "
          f"{statistics.median(c.updates.sent for c in page):.0f} properties sent, "
          f"{statistics.median(c.updates.reconciled for c in page):.0f} widgets reconciled, "
          f"{statistics.median(c.updates.wire_bytes for c in page) / 1e3:.0f} kB to the browser")
    if busy:
        print(f"{args.scenario}: the same while the page's background work runs ({len(busy)} days): "
              f"{ms([c.seconds for c in busy])} (CPU {ms([c.cpu_seconds for c in busy])})")
    else:
        print(f"{args.scenario}: no click while the page's background work ran (the counterfactual and the "
              "spare session were done before the first click)")
    play = fastest_play(args.scenario)
    cpu = ", ".join(f"{k} {c:.2f}" for k, c in sorted(play.cpu.items(), key=lambda x: -x[1]) if c >= 0.01)
    print(f"{args.scenario}: Play at the fastest speed: {play.seconds:.1f} s for {play.days} days, "
          f"{play.frames} frames drawn; CPU s by thread: {cpu} (total {sum(play.cpu.values()):.2f})")
    print(f"load average (1 min): {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    if args.browser:
        t, steps = first_page(args.runs)
        print(f"first page ready ({args.runs} loads): median {statistics.median(t):.2f} s, "
              f"max {max(t):.2f} s ({', '.join(f'{x:.2f}' for x in t)})")
        print(f"{args.scenario}: day + redraw in chromium, click to new map ({len(steps)} clicks): {ms(steps)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

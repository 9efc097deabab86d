"""A briefing to take to a meeting: one self-contained HTML file (no scripts, no links out).

It holds the scenario, the planner's key figures, the plan's decision time line, the regional
table and the main charts as PNG images embedded in the file (base64), drawn by matplotlib at
slide resolution (1920 × 1080 px for the charts, 1600 px wide for the map), so it opens
offline in any browser and prints. (No PDF: the maintained HTML-to-PDF libraries need system
libraries this project does not install; the browser's "Print to PDF" gives one from the HTML.)

The cost against the stable stock needs the counterfactual run (`viz.counterfactual`) as far as
the run: `briefing` waits for it (up to `WAIT_S`, saying how far it got through `on_wait`), and a
briefing made without it says so in words — still running (day N of M) or failed — instead of a
cost card that reads as a comparison. Every figure in a briefing is of one day: what it reads of
the live run is read under the session's lock, at the day of its snapshot.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from viz import planner, regions
from viz.decisions import MARKED_KINDS, DecisionRow
from viz.figures import MapCanvas, png_bytes
from viz.labels import phase_names, run_position
from viz.plots import GROUP_COLOURS, KIND_GROUPS, MARK_COLOURS, STAGE_COLOURS, trailing_mean
from viz.labels import STAGE_LABELS
from viz.session import ENTITLED_STAGE_NAMES, Session, Snapshot
from model.scenario import Scenario
from agents.locations import KIND_NAMES

WAIT_S = 120.0             # how long an export waits for the comparison run before going without it
SLIDE_IN = (16.0, 9.0)
SLIDE_DPI = 120            # 16 x 9 in at 120 dpi = 1920 x 1080 px
MAP_PX = 1600


def _img(png: bytes, alt: str) -> str:
    return (f'<img alt="{html.escape(alt)}" style="max-width:100%" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">')


def timeline_png(snap: Snapshot, decisions: list[DecisionRow], names: dict[int, str]) -> bytes:
    """The run's six panels with the decisions marked (numbered as in the decision table)."""
    return png_bytes(timeline_figure(snap, decisions, names))


def timeline_figure(snap: Snapshot, decisions: list[DecisionRow], names: dict[int, str]) -> Figure:
    """The figure of `timeline_png`."""
    fig = Figure(figsize=SLIDE_IN, dpi=SLIDE_DPI)
    FigureCanvasAgg(fig)
    axs = fig.subplots(3, 2, sharex=True).ravel()
    fig.subplots_adjust(left=0.06, right=0.99, top=0.95, bottom=0.1, hspace=0.35, wspace=0.12)
    d = snap.day
    t = snap.dates[:d].astype("datetime64[s]").astype(object)
    titles = ["Persons in reception by stage", "Occupancy by kind of location, and usable places",
              "Without a bed tonight (persons)", "Plan phase (key below), regimes shaded, decisions numbered",
              "Moves between locations (persons/day, 7-day mean)", "Cost of reception (EUR million/day)"]
    for ax, title in zip(axs, titles):
        ax.set_title(title, fontsize=13, loc="left")
        ax.tick_params(labelsize=11)
        ax.grid(alpha=0.3)
    for k, (name, c) in enumerate(zip(ENTITLED_STAGE_NAMES, STAGE_COLOURS)):
        axs[0].plot(t, snap.stage[:, k], color=c, lw=1.6, label=STAGE_LABELS[name])
    axs[0].legend(fontsize=9, ncol=2, frameon=False, loc="upper left")
    for (g, ks), c in zip(KIND_GROUPS.items(), GROUP_COLOURS):
        axs[1].plot(t, snap.kind_occupancy[:, [KIND_NAMES.index(k) for k in ks]].sum(axis=1), color=c, lw=1.6, label=g)
    axs[1].plot(t, snap.x["capacity"], color="black", ls="--", lw=1.2, label="usable places")
    axs[1].legend(fontsize=9, ncol=2, frameon=False, loc="upper left")
    axs[2].plot(t, snap.x["unsheltered"], color="#b2182b", lw=1.6)
    if snap.phase is not None:
        axs[3].step(t, snap.phase, where="post", color="#f47c3c", lw=2)
        axs[3].set_ylim(-0.3, PHASE_TOP)
        axs[3].set_yticks(range(5), [str(i) for i in range(5)], fontsize=11)
        fig.text(0.06, 0.03, "Plan phase: " + " · ".join(f"{i} {names.get(i, '')}" for i in range(5)),
                 fontsize=10, color="#333", ha="left", va="bottom")
    else:
        axs[3].text(0.5, 0.5, "plan not active", transform=axs[3].transAxes, ha="center", fontsize=14, color="#666")
    if snap.regime is not None and d:
        on = snap.regime != ""
        edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
        for a, b in zip(edges[::2], edges[1::2]):
            axs[3].axvspan(t[a], t[min(b, d - 1)], color="#6a3d9a", alpha=0.15, lw=0)
    mv = snap.x["moves"]
    axs[4].plot(t, trailing_mean(mv, 7), color="#08306b", lw=1.6)
    axs[5].plot(t, snap.x["cost_eur"] / 1e6, color="#4d4d4d", lw=1.6)
    marked = [r for r in decisions if r.kind in MARKED_KINDS and r.day < d]
    # one collection of dotted lines per kind and panel (an axvline each was 6 artists a decision:
    # some 1,700 for a two-year run, most of the briefing's drawing time)
    at = mdates.date2num(snap.dates[:d].astype("datetime64[s]").astype(object)) if d else np.empty(0)
    for kind in MARKED_KINDS:
        xs = [at[r.day] for r in marked if r.kind == kind]
        if xs:
            for ax in axs:
                ax.vlines(xs, 0, 1, transform=ax.get_xaxis_transform(), colors=MARK_COLOURS[kind], lw=0.8,
                          linestyles=":", alpha=0.8)
    if snap.phase is not None and marked:
        _number_decisions(fig, axs[3], at, marked, len(snap.dates))
    if d:
        axs[-1].set_xlim(t[0], snap.dates[-1].astype("datetime64[s]").astype(object))
    return fig


PHASE_TOP = 6.3                 # the phase panel's top: phases 0-4, the decisions' numbers above them
NUMBER_ROWS = (4.55, 4.97, 5.39, 5.81)   # heights of the rows of decision numbers
NUMBER_PT = 9


def _number_decisions(fig: Figure, ax, at: np.ndarray, marked: list[DecisionRow], days: int) -> None:
    """The decisions' numbers (those of the briefing's table) above the phase panel, one label per
    day ("12-15": the decisions 12 to 15 of that day), each put in the lowest of a few rows where it
    does not touch its neighbour; a label with no room is left out, and a line under the figure says
    how many (their dotted lines are drawn, their rows are in the table). One number for each
    decision over 278 decisions of a two-year run was an unreadable band."""
    by_day: dict[int, list[int]] = {}
    for i, r in enumerate(marked, start=1):
        by_day.setdefault(r.day, []).append(i)
    pos = ax.get_position()
    px_per_day = pos.width * fig.get_figwidth() * fig.dpi / max(days - 1, 1)
    char_px = 0.62 * NUMBER_PT / 72 * fig.dpi
    right_edge = [-np.inf] * len(NUMBER_ROWS)          # the pixel where each row's last label ends
    left_out = 0
    for day, nums in by_day.items():
        label = str(nums[0]) if len(nums) == 1 else f"{nums[0]}-{nums[-1]}"
        centre = day * px_per_day
        half = (len(label) * char_px + 6) / 2
        row = next((k for k, end in enumerate(right_edge) if centre - half >= end), None)
        if row is None or centre - half < -2 * char_px:
            left_out += len(nums)
            continue
        right_edge[row] = centre + half
        ax.text(at[day], NUMBER_ROWS[row], label, fontsize=NUMBER_PT, ha="center", va="center",
                color=MARK_COLOURS[marked[nums[0] - 1].kind], weight="bold")
    if left_out:
        fig.text(0.06, 0.006, f"{left_out} decision number{'s' * (left_out != 1)} left out where they would "
                 "overlap (dotted lines drawn; every decision is in the table)", fontsize=10, color="#333",
                 ha="left", va="bottom")


def regions_png(session: Session, snap: Snapshot, level: str = "provinces") -> bytes:
    """Occupancy per unit, small multiples (one panel per unit), at slide resolution."""
    names, occ = regions.series(session, snap, level, "occupancy")
    _, load = regions.series(session, snap, level, "load")
    n = len(names)
    cols = 4 if n <= 12 else 5
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=SLIDE_IN, dpi=SLIDE_DPI)
    FigureCanvasAgg(fig)
    axs = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    fig.subplots_adjust(left=0.05, right=0.99, top=0.9, bottom=0.06, hspace=0.45, wspace=0.08)
    fig.suptitle(f"Per {level[:-1]}: occupancy (persons per usable place, blue) and load against the "
                 "Spreidingswet key (persons ÷ target places, red)", fontsize=13)
    t = snap.dates[:snap.day].astype("datetime64[s]").astype(object)
    for i, ax in enumerate(axs):
        if i >= n:
            ax.set_visible(False)
            continue
        ax.plot(t, occ[:, i], color="#0b3d91", lw=1.4)
        ax.plot(t, load[:, i], color="#b2182b", lw=1.2)
        ax.axhline(1.0, color="#888", lw=0.8, ls="--")
        ax.set_title(names[i], fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    return png_bytes(fig)


def map_png(session: Session, metric: str = "occupancy") -> bytes:
    canvas = MapCanvas(session, width_px=MAP_PX - 20)
    canvas.update(session, metric, "municipalities")
    return canvas.png()


def _table(head: list[str], rows: list[list[str]], cls: str) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


CSS = """
body{font-family:Roboto,Arial,sans-serif;font-size:15px;margin:24px auto;max-width:1700px;color:#222}
h1{color:#0b3d91;font-size:26px} h2{color:#0b3d91;font-size:20px;margin-top:28px;border-bottom:2px solid #0b3d91}
table{border-collapse:collapse;font-size:13px;margin:8px 0} td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#eef2f9} .cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #ccc;border-radius:6px;padding:8px 12px;min-width:190px}
.card .v{font-size:24px;font-weight:600} .card .s{font-size:12px;color:#555}
.worse{color:#b00020} .better{color:#1b7837}
@media print{h2{page-break-before:always}}
"""


def briefing(session: Session, level: str = "provinces", timeout: float = WAIT_S,
             on_wait: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
             on_read: Callable[[int], None] | None = None) -> str:
    """The briefing of the session's run so far, with its cost against the stable stock: waits for
    the counterfactual to reach the run's day, at most `timeout` seconds, calling `on_wait(days
    computed, days needed)` while it does (and once more with the two equal when it is there).
    After the timeout, or when the counterfactual failed or `cancel` is set, the briefing says in
    words that the comparison is not in it and why. `on_read(days simulated)` is called once the run
    is read, before the briefing is drawn (a playing run moves on meanwhile)."""

    from viz import counterfactual

    follower = counterfactual.follow(session.scenario, session.seed)
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        follower.ask(session.day)
        late = (time.monotonic() >= deadline or follower.error is not None
                or (cancel is not None and cancel.is_set()))
        if late or follower.covers(session.day):
            seen = _read(session, level)            # the run as it stands (it may have moved on)
            if on_read is not None:
                on_read(seen.snap.day)
            cost = follower.cost_upto(seen.snap.day)
            if cost is not None:
                if waited and on_wait is not None:
                    on_wait(seen.snap.day, seen.snap.day)     # there: the briefing is drawn now
                return _html(seen, cost, counterfactual.note(session.scenario), level)
            if late:
                done = follower.progress()[0]
                why = (f"the comparison run failed ({follower.error})" if follower.error is not None else
                       f"the comparison run was still running (day {done} of {seen.snap.day}) when this "
                       "briefing was made")
                return _html(seen, None, f"not against the stable stock: {why}", level)
        waited = True
        if on_wait is not None:
            on_wait(follower.progress()[0], session.day)
        follower.wait(lambda: session.day, timeout=min(0.5, max(0.01, deadline - time.monotonic())), cancel=cancel)


@dataclass
class _Seen:
    """What a briefing reads of the live run, all of one day."""
    session: Session
    sc: Scenario
    seed: int | None
    snap: Snapshot
    log: list
    k: dict
    rows: list
    total: dict
    map_png: bytes
    position: str
    what_if: list


def _read(session: Session, level: str) -> _Seen:
    with session.lock:                 # one day throughout: the run does not move while this is read
        snap = session.snapshot()
        rows, total = regions.table(session, level)
        return _Seen(session, session.scenario, session.seed, snap, list(session.state.event_log),
                     dict(session.key_figures()), rows, total, map_png(session),
                     run_position(snap.day, snap.horizon, session.state.world.dates), list(session.decisions))


def briefing_html(session: Session, counterfactual_cost: np.ndarray | None = None, cf_note: str = "",
                  level: str = "provinces") -> str:
    """The briefing of the session's run so far, given the counterfactual's daily cost (None:
    without the comparison, `cf_note` saying why)."""
    return _html(_read(session, level), counterfactual_cost, cf_note, level)


def _html(seen: _Seen, counterfactual_cost: np.ndarray | None, cf_note: str, level: str) -> str:
    from viz.decisions import rows as decision_rows

    session, snap, k, rows, total = seen.session, seen.snap, seen.k, seen.rows, seen.total
    log, map_image, position, what_if = seen.log, seen.map_png, seen.position, seen.what_if
    decisions = decision_rows(log)
    sc = seen.sc
    names = phase_names(sc)
    cards = planner.planner_series(snap, counterfactual_cost, cf_note)
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Briefing — {html.escape(sc.name)}"
             f"</title><style>{CSS}</style></head><body>",
             f"<h1>Briefing: {html.escape(sc.name)} — {html.escape(position)}</h1>",
             f"<p>{html.escape(sc.description or '')}</p>",
             f"<p>Start {sc.start_date}, horizon {sc.horizon_days} days, "
             f"seed {seen.seed if seen.seed is not None else sc.seed}; "
             f"made by noodplan on {dt.date.today()} from a simulation (synthetic location portfolio): "
             "figures describe the model's run, not observations.</p>"]
    if what_if:
        parts.append("<p>What-if decisions taken during the run: " + "; ".join(
            html.escape(f"before day {d.day}: {_decided(d.event)}") for d in what_if) + "</p>")
    parts.append("<h2>Key figures</h2><div class='cards'>")
    basics = [("In reception (entitled)", f"{k['population']:,}", f"{k['in_bed']:,} in a bed"),
              ("Occupancy", f"{k['occupancy_rate']:.1%}", f"{k['capacity']:,} usable places"),
              ("Plan phase", "plan not active" if k["phase"] is None else str(k["phase"]),
               "" if k["phase"] is None else names.get(k["phase"], ""))]
    for title, value, sub in basics:
        parts.append(f"<div class='card'><div>{html.escape(title)}</div><div class='v'>{html.escape(value)}</div>"
                     f"<div class='s'>{html.escape(sub)}</div></div>")
    for c in cards:
        cls = "" if c.worse is None else ("worse" if c.worse else "better")
        parts.append(f"<div class='card'><div>{html.escape(c.title)}</div><div class='v'>{html.escape(c.value)}</div>"
                     f"<div class='s'>{html.escape(c.sub)}</div>"
                     f"<div class='s {cls}'>{html.escape(c.trend)}</div></div>")
    parts.append("</div>")
    if counterfactual_cost is None:
        parts.append(f"<p class='comparison-missing'><b>Cost of reception so far, {html.escape(cf_note)}.</b> "
                     "This briefing does not compare the cost with the stable-stock portfolio.</p>")
    parts.append("<h2>The plan's decisions on the time line</h2>")
    parts.append(_img(timeline_png(snap, decisions, names), "time series with the plan's decisions marked"))
    marked = [r for r in decisions if r.kind in MARKED_KINDS and r.day < snap.day]
    parts.append(_table(["#", "date", "kind", "where", "what", "why / asked and delivered"],
                        [[str(i), r.date, r.kind, r.where, r.what, r.why] for i, r in enumerate(marked, start=1)],
                        "decision-timeline") if marked else "<p class='decision-timeline'>No decisions yet.</p>")
    parts.append(f"<h2>Regions: per {level[:-1]}</h2>")
    parts.append(_table([regions.LEVELS[level], "persons", "usable places", "occupancy", "Spreidingswet target",
                         "load vs key", "phase", "places asked", "places delivered"],
                        [[r.name, f"{r.persons:,}", f"{r.places:,}", _pct(r.occupancy), f"{r.target:,.0f}",
                          _num(r.load), "–" if r.phase is None else str(r.phase),
                          regions.asked_cell(r, total), f"{r.delivered:,}"] for r in rows]
                        + [["Netherlands", f"{total['persons']:,}", f"{total['places']:,}",
                            _pct(total['persons'] / total['places'] if total['places'] else float('nan')),
                            f"{total['target']:,.0f}",
                            _num(total['persons'] / total['target'] if total['target'] else float('nan')),
                            "", f"{total['asked']:,}", f"{total['delivered']:,}"]], "regional-table"))
    parts.append(_img(regions_png(session, snap, level), "occupancy and load per unit"))
    parts.append("<h2>Map: occupancy per municipality</h2>")
    parts.append(_img(map_image, "map of occupancy per municipality"))
    parts.append("</body></html>")
    return "\n".join(parts)


def _decided(e) -> str:
    """A what-if decision in the words the page said it in (its label: "what-if: open 2,000 emergency places
    in 14 days"), or, without one, what it set or opened ("set inflow.first_applications_per_year 30000.0"
    was the raw event)."""
    if e.label:
        return e.label.removeprefix("what-if: ")
    amount = e.value if e.value is not None else e.places
    return " ".join(str(x) for x in (e.action, e.parameter or e.kind, amount) if x is not None)


def _pct(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:.0%}"


def _num(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:.2f}"

"""The after-action report: one self-contained HTML file (figures embedded as PNG, no scripts, no links).

It holds the key figures over time with every decision and inject on the time line, expected
against actual decisions per objective (`assessment`), the whole log (every decision with who,
when, what and why; every inject; the model's answers; refusals; rewinds, with what a rewind set
aside), and the lessons learned (what was written in the room, and empty fields to write more).
"""

from __future__ import annotations

import base64
import html
import importlib
import io
import re
from pathlib import Path
from typing import Any

import numpy as np

from experiments import outputs
from experiments.exercise.engine import ExerciseRun, series, unfired

FIGURES = (("unsheltered", "persons without a bed"), ("occupancy_rate", "occupancy (persons in a bed / usable places)"),
           ("central_occupancy", "registration location (aanmeldcentrum, Ter Apel): persons / places"),
           ("registration_backlog", "waiting for registration, persons"),
           ("permit_holders_waiting", "permit holders waiting for a home, persons"), ("plan_phase", "plan phase (0-4)"))
# what the facilitator's room plots (`chart`): persons in reception, Ter Apel's occupancy and the plan's
# phase, the figures the library's injects read
ROOM_FIGURES = (("population", "persons in reception (entitled to a bed, in one or not)"), FIGURES[2], FIGURES[5])
# figures of each day's flow (the run's daily `moves` and `cost_eur`): drawn per day, and summed over each turn's
# days in the table (their value on a turn's last day says nothing of the turn)
FLOWS = (("moves", "persons moved between locations (verhuisbewegingen), a day"),
         ("cost_eur", "reception cost, EUR million a day"))
INJECT_LABEL_CHARS = 28        # an inject's title on the figure: what the top panel's height holds (fontsize 6.5)
KEY_DROP_PT = 26               # a key below the chart: this far under the bottom axis (its ticks and label), points
LESSON_LINE_CHARS = 60          # characters a lessons field's line holds at least (printed on A4, portrait)
ROLE_COLOURS = ("#0b3d91", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def assessment(run: ExerciseRun) -> list[dict]:
    """Per objective: each inject that tests it, the decision expected of its role, and the decisions
    that role submitted after it and took at the turn boundaries after it (an inject the facilitator
    fires while a turn is open is answered at that turn's boundary, by decisions submitted after it;
    one due at a day or on a condition, at the next turn's: the log entry's `answer_at`). An expected
    decision is *met* when the role took a decision of that type at one of the `within_turns`
    boundaries from there, *late* when only later, *not taken* when never; *open* while those
    boundaries are not all played (a report mid-way), *no turn left* when the exercise ended before
    the first of them; an inject that never fired is *not fired* (*not fired yet* in a report written
    before the last turn was played: it may still come, and `due` gives the day and turn of one due
    at a day; a condition inject not fired by the end has a `note`: how near its condition came, or that
    it was met only as the last day ended, when none fires)."""
    ex = run.exercise
    log = run.log
    decisions = [e for e in log if e["kind"] == "decision"]
    out = []
    for obj in ex.objectives:
        rows = []
        for j in ex.injects:
            if j.objective != obj.id:
                continue
            fired = next((e for e in log if e["kind"] == "inject" and e.get("inject") == j.id), None)
            # a report written mid-way: an inject still to come is not yet fired (the facilitator may still
            # fire a contingency one); one due at a day says when
            row: dict[str, Any] = {"inject": j.id, "title": j.title, "role": j.role, "fired": fired,
                                   "expected": j.expected.decision if j.expected else None, "actual": [],
                                   "status": "not fired" if run.finished else "not fired yet",
                                   "due": None if run.finished or j.at_day is None
                                   else (j.at_day, j.at_day // ex.turn_days + 1)}
            if fired is None and run.finished and j.when is not None:
                row["note"] = unfired(run, j)       # how near its condition came (or met only on the last day)
            if fired is not None:
                first = fired["answer_at"]
                mine = [e for e in decisions if e["role"] == j.role and e["turn"] >= first
                        and e["submitted"] > fired["submitted_before"]]
                row["actual"] = mine
                if j.expected is None:
                    row["status"] = "no decision expected"
                else:
                    last = first + j.expected.within_turns - 1      # the window's last boundary
                    right = [e for e in mine if e["decision"]["type"] == j.expected.decision]
                    in_time = [e for e in right if e["turn"] <= last]
                    played = run.turn >= last or (run.finished and run.turn >= first)   # a boundary to answer at
                    row["status"] = ("met" if in_time else "late" if right else "not taken" if played
                                     else "no turn left" if run.finished else "open")
            rows.append(row)
        out.append({"id": obj.id, "text": obj.text, "rows": rows})
    return out


def load_matplotlib() -> None:
    """Import matplotlib's figure and Agg canvas (imported on first use: the command line does not pay for
    it unless it writes a report). A server imports it when it starts (`viz.exercise_app`): the import is
    about half the CPU of a first report (~0.7 s of ~1.5 s), which a facilitator would otherwise wait for.
    The report draws on its own `Figure` and canvas, not through pyplot, whose global figure manager is
    not safe when two facilitators download a report at the same time (server threads)."""
    for module in ("matplotlib.figure", "matplotlib.lines", "matplotlib.ticker", "matplotlib.transforms",
                   "matplotlib.backends.backend_agg"):
        importlib.import_module(module)


def _figure(run: ExerciseRun) -> str:
    """The report's figure: the key figures and flows over the days played (`chart`, printed on one A4
    page); a PNG as a data URI."""
    return "data:image/png;base64," + base64.b64encode(chart(run)).decode()


def chart(run: ExerciseRun, plotted: tuple[tuple[str, str], ...] = FIGURES + FLOWS, width: float = 11.0,
          panel: float = 1.55, dpi: float = 110, key_columns: int = 0) -> bytes:
    """Figures `plotted` (series key, label) over the days played, one panel each, `panel` inches high
    (the top one 1.6 times: it carries the injects' titles) and `width` inches wide, with decisions
    (solid, per role) and injects (dashed) marked; a PNG. The report draws its figures and flows with
    it, the facilitator's room the three its injects read most (`ROOM_FIGURES`). The key to the marks
    stands in one row above the top panel (`key_columns` 0: as wide as the report's page), or below the
    chart in rows of `key_columns` (a narrower chart: one row ran into the top panel's title)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    x = series(run)
    days = np.arange(len(x["dates"]))
    roles = [r.id for r in run.exercise.roles]
    fig = Figure(figsize=(width, panel * len(plotted)), dpi=dpi)
    FigureCanvasAgg(fig)
    # (the top panel taller: it carries the injects' titles)
    axes = fig.subplots(len(plotted), 1, sharex=True, gridspec_kw={"height_ratios": [1.6] + [1] * (len(plotted) - 1)})
    for ax, (key, label) in zip(axes, plotted):
        y = x[key] / 1e6 if key == "cost_eur" else x[key]       # (as labelled)
        ax.plot(days, y, color="#333", lw=1.2)
        ax.set_title(label, loc="left", fontsize=9)
        ax.grid(alpha=0.3)
        _scale(ax, key, y)
        for e in run.log:
            if e["kind"] == "decision":
                ax.axvline(e["day"], color=ROLE_COLOURS[roles.index(e["role"]) % len(ROLE_COLOURS)], lw=1, alpha=0.8)
            elif e["kind"] == "inject":
                ax.axvline(e["day"], color="#999", lw=1, ls="--")
    # the injects named along their lines at the top (a dashed line alone does not say which news it was)
    # (those on one day in one label, cut to what the panel's height holds)
    told: dict[int, list[str]] = {}
    for e in run.log:
        if e["kind"] == "inject":
            told.setdefault(e["day"], []).append(e["what"])
    for day, titles in told.items():
        label = " / ".join(titles)
        label = label if len(label) <= INJECT_LABEL_CHARS else label[:INJECT_LABEL_CHARS - 1].rstrip() + "…"
        axes[0].annotate(label, (day, 1), xycoords=("data", "axes fraction"), xytext=(2, -2),
                         textcoords="offset points", rotation=90, fontsize=6.5, color="#555", va="top",
                         annotation_clip=True, clip_on=True).set_in_layout(False)
    axes[-1].set_xlabel("simulated day of the exercise")
    handles = [Line2D([], [], color=ROLE_COLOURS[i % len(ROLE_COLOURS)], label=f"decision: {r}")
               for i, r in enumerate(roles)] + [Line2D([], [], color="#999", ls="--", label="inject")]
    if key_columns:
        from matplotlib.transforms import ScaledTranslation

        under = axes[-1].transAxes + ScaledTranslation(0, -KEY_DROP_PT / 72, fig.dpi_scale_trans)
        axes[-1].legend(handles=handles, fontsize=7, ncol=key_columns, loc="upper center", bbox_to_anchor=(0.5, 0),
                        bbox_transform=under, frameon=False, borderaxespad=0.2)
    else:
        axes[0].legend(handles=handles, fontsize=7, ncol=len(handles), loc="lower right", bbox_to_anchor=(1, 1),
                       frameon=False, borderaxespad=0.2)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _scale(ax, key: str, y: np.ndarray) -> None:
    """A panel's axis as a planner reads it: shares in per cent with full (100 %) drawn and in view, the
    plan's phases 0-4 as whole steps, counts and costs from 0 (a figure that stayed 0 is a flat line on 0,
    not one between -0.05 and 0.05)."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    seen = len(y) and not np.all(np.isnan(y))
    top = float(np.nanmax(y)) if seen else 0.0
    if key.endswith("occupancy") or key == "occupancy_rate":
        low = float(np.nanmin(y)) if seen else 0.0
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.axhline(1.0, color="#b42318", lw=0.8, ls=":")
        ax.set_ylim(max(0.0, min(low, 0.9) - 0.02), max(1.0, top) + 0.02)
    elif key == "plan_phase":
        ax.set_ylim(-0.2, 4.2)
        ax.set_yticks(range(5))
    else:
        ax.set_ylim(0, top * 1.08 if top > 0 else 1)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=key != "cost_eur"))


def _share(value: float) -> str:
    return "no places" if np.isnan(value) else f"{value:.1%}"


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def turn_figures(run: ExerciseRun) -> list[dict]:
    """The plotted key figures on the last day of each turn played, and the flows (`FLOWS`: persons
    moved, cost) summed over the turn's days (the daily series the figure draws, `engine.series`), so
    every figure in the report can be checked against the run's daily table."""
    x = series(run)
    out = []
    for e in run.log:
        if e["kind"] == "turn":                               # (logged on the turn's last day)
            d = e["day"]
            first = d + 1 - run.exercise.turn_days              # every turn simulates turn_days days
            out.append({"turn": e["turn"], "day": d, "date": str(x["dates"][d]),
                        **{key: float(x[key][d]) for key, _ in FIGURES},
                        **{key: float(x[key][first:d + 1].sum()) for key, _ in FLOWS}})
    return out


def totals(run: ExerciseRun) -> dict[str, float]:
    """The flows (`FLOWS`) summed over every day simulated on the current line of play."""
    x = series(run)
    return {key: float(x[key].sum()) for key, _ in FLOWS}


def _turn_table(run: ExerciseRun) -> str:
    heads = "".join(f"<th>{_e(label)}</th>" for _, label in FIGURES)
    rows = "".join(
        f"<tr><td>{r['turn']}</td><td>{r['day']}</td><td>{r['date']}</td>"
        + "".join(f"<td>{_share(r[key])}</td>" if key.endswith("_occupancy") or key == "occupancy_rate"
                  else f"<td>{r[key]:,.0f}</td>" for key, _ in FIGURES)
        + f"<td>{r['moves']:,.0f}</td><td>{r['cost_eur'] / 1e6:,.2f}</td></tr>" for r in turn_figures(run))
    total = totals(run)
    return ("<p>At the end of each turn (the last day it simulated; the figures above, day by day, are the run's "
            "daily figures), and the persons moved and the cost over the turn's days:</p><table class='turns'>"
            f"<thead><tr><th>turn</th><th>day</th><th>date</th>{heads}<th>persons moved in the turn</th>"
            f"<th>cost in the turn, EUR million</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p class='totals'>Over the {run.day:,} days simulated: {total['moves']:,.0f} person-moves between "
            f"locations, reception cost EUR {total['cost_eur'] / 1e6:,.2f} million.</p>")


def _simulated(run: ExerciseRun) -> str:
    """The days simulated, as dates: the first and the last (not the next one to simulate)."""
    if run.day == 0:
        return "no day simulated yet"
    first, last = run.model.state.world.dates[0], run.model.state.world.dates[run.day - 1]
    return f"days 0 to {run.day - 1} simulated: {first} to {last}"


def _fired(entry: dict | None, due: tuple[int, int] | None = None) -> str:
    """When an inject fired and the first turn boundary that answers it (or when it is due)."""
    if entry is None:
        return "—" if due is None else f"due on day {due[0]} (turn {due[1]})"
    return f"day {entry['day']} (turn {entry['turn']}); answered from the boundary of turn {entry['answer_at']}"


def outcome(decision: dict, log: list[dict]) -> str:
    """What came of a decision, as the log has it: what the model did ("2,000 emergency places opening in
    21 days"), or for a request for places its answer, by the table asked or by the model ("answered by the
    model: 0 of 3,000 places"; a request met is not yet places); empty while a request waits for its answer."""
    asked = re.match(r"request (\d+) to ", decision["detail"] or "")
    if decision["decision"]["type"] != "request_places" or asked is None:
        return decision["detail"] or ""
    n = asked.group(1)
    for e in log:
        if e["kind"] == "model" and e["what"].startswith(f"request {n} answered by the model:"):
            return "answered by the model:" + e["what"].split(":", 1)[1]
        if e["kind"] == "decision" and e["what"].startswith(f"answer request {n}:"):
            return f"answered by {e['role']}:" + e["what"].split(":", 1)[1]
    return f"waiting for the answer of {decision['detail'].split(' to ', 1)[1]}"


def _actual(decisions: list[dict], log: list[dict]) -> str:
    """The decisions a role took after an inject, each with what came of it."""
    return "<br>".join(_e(f"turn {a['turn']}: {a['what']}" + (f" → {o}" if (o := outcome(a, log)) else ""))
                       for a in decisions) or "—"


def _lesson_field(name: str, text: str, least: int) -> str:
    """A lessons-learned field holding `text`, with rows for all of it (at least `least`): a field
    prints as the rows it has, so a lesson longer than them was cut off in the printed report (a
    browser that sizes a field to its text, `field-sizing: content`, does so also as it is typed)."""
    rows = sum(max(1, -(-len(line) // LESSON_LINE_CHARS)) for line in text.split("\n")) if text else 0
    return f"<textarea name='{_e(name)}' rows='{max(least, rows + 1)}'>{_e(text)}</textarea>"


def _log_table(entries: list[dict], aside: bool = False) -> str:
    rows = "".join(
        f"<tr class='k-{_e(e['kind'])}{' aside' if aside else ''}'>"
        f"<td>{e['turn']}</td><td>{e['day']}</td><td>{_e(e['date'])}</td>"
        f"<td>{_e(e['kind'])}</td><td>{_e(e['role'] or '')}</td><td>{_e(e['what'])}</td>"
        f"<td>{_e(e['why'])}</td><td>{_e(e['detail'])}</td></tr>" for e in entries)
    return ("<table class='log'><thead><tr><th>turn</th><th>day</th><th>date</th><th>kind</th><th>role</th>"
            f"<th>what</th><th>why</th><th>detail</th></tr></thead><tbody>{rows}</tbody></table>")


def render(run: ExerciseRun, lessons: dict[str, str] | None = None) -> str:
    """The report as one HTML string."""
    lessons = lessons if lessons is not None else getattr(run, "lessons", {})
    with run.lock:
        ex = run.exercise
        figure = _figure(run)
        parts = [f"<h1>{_e(ex.title)}</h1>",
                 f"<p class='meta'>After-action report · exercise <b>{_e(ex.name)}</b> · scenario "
                 f"{_e(run.scenario.name)} · {run.turn} of {ex.turns} turns of {ex.turn_days} days played "
                 f"({_simulated(run)})</p>",
                 *([f"<p class='meta'><b>Not the state it was saved in:</b> {_e(run.replay_note)}</p>"]
                   if run.replay_note else []),
                 *([f"<p class='meta'><b>Injects on a turn's first day:</b> {_e(run.rule_note)}</p>"]
                   if run.rule_note else []),
                 f"<p>{_e(ex.synopsis)}</p>",
                 "<h2>Roles</h2><ul>" + "".join(f"<li><b>{_e(r.id)}</b>: {_e(r.title)}</li>" for r in ex.roles)
                 + "</ul>",
                 "<h2>Key figures over time</h2>",
                 f"<img alt='key figures with decisions and injects on the time line' src='{figure}'>",
                 _turn_table(run),
                 "<h2>Expected and actual decisions per objective</h2>"]
        for obj in assessment(run):
            rows = "".join(
                f"<tr class='s-{_e(r['status']).replace(' ', '-')}'><td>{_e(r['title'])}</td>"
                f"<td>{_fired(r['fired'], r['due'])}{'<br>' + _e(r['note']) if r.get('note') else ''}</td>"
                f"<td>{_e(r['role'])}</td>"
                f"<td>{_e((r['expected'] or '—').replace('_', ' '))}</td>"
                f"<td>{_actual(r['actual'], run.log)}</td>"
                f"<td><b>{_e(r['status'])}</b></td></tr>" for r in obj["rows"])
            table = ("<table class='obj'><thead><tr><th>inject</th><th>fired</th><th>role</th><th>expected</th>"
                     f"<th>actual decisions of the role after it</th><th>status</th></tr></thead><tbody>{rows}"
                     "</tbody></table>" if rows else
                     "<p class='meta'>No inject of this exercise tests this objective: judge it from the key "
                     "figures and the log.</p>")        # (an empty table's headers read as a table gone missing)
            parts.append(f"<h3>{_e(obj['id'])}: {_e(obj['text'])}</h3>{table}"
                         f"<p><label>Lessons learned ({_e(obj['id'])})<br>"
                         + _lesson_field(f"lesson-{obj['id']}", lessons.get(obj["id"], ""), 3) + "</label></p>")
        parts.append("<h2>Lessons learned (general)</h2><p>" + _lesson_field("lesson-general",
                                                                             lessons.get("general", ""), 5) + "</p>")
        parts.append("<h2>Log</h2>" + _log_table(run.log))
        if run.set_aside:
            parts.append("<h2>Set aside by rewinds</h2><p>Play that was rewound; it did not shape the figures "
                         "above.</p>" + _log_table(run.set_aside, aside=True))
        return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                f"<title>After-action report: {_e(ex.title)}</title><style>{CSS}</style></head><body>"
                + "".join(parts) + "</body></html>")


def write(run: ExerciseRun, path: str | Path, lessons: dict[str, str] | None = None, option: str = "--out",
          force: bool | None = None) -> Path:
    """Write the report, a *.html (whole or not at all: `experiments.outputs.write_text`); `force` as
    `outputs.check_file`'s (False: an existing file is not replaced)."""
    return outputs.write_text(path, render(run, lessons), ".html", option, force)


CSS = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 24px auto; color: #222; }
h1 { color: #0b3d91; } img { max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-bottom: 8px; }
td, th { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #eef; } .meta { color: #555; }
tr.k-decision td { background: #f3f7ff; } tr.k-inject td { background: #fff7e6; }
tr.k-refused td { background: #fdecea; } tr.s-met td:last-child { color: #1a7f37; }
tr.s-not-taken td:last-child, tr.s-late td:last-child { color: #b42318; }
textarea { width: 100%; box-sizing: border-box; font: inherit; field-sizing: content; min-height: 3.5em; }
thead { display: table-header-group; }
@page { size: A4; margin: 12mm; }
@media print {
  body { max-width: none; margin: 0; font-size: 12px; }
  table { font-size: 10px; } img { break-inside: avoid; }
  tr, textarea { break-inside: avoid; } h1, h2, h3 { break-after: avoid; }
  textarea { resize: none; }
}
"""

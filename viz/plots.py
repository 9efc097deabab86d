"""Interactive charts (Plotly, shown with Solara's `FigurePlotly`): hover values, zoom, legend
toggles. plotly.js comes with the `plotly` package (its Jupyter extension, served by the app
itself), so nothing loads from a CDN.

* `timeline_figure` — the run so far: persons by stage, occupancy by kind against places,
  people without a bed, the plan's phase with regimes shaded, moves and cost; the plan's
  decisions are marked on every panel (hover a marker on the phase panel for what and why);
* `regions_figure` — small multiples, one panel per province or safety region;
* `compare_figure` — two variants over several seeds: mean with a band (lowest to highest seed),
  and the difference B − A with its band.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from agents.locations import KIND_NAMES
from viz.decisions import MARKED_KINDS as MARKED
from viz.decisions import DecisionRow
from viz.labels import STAGE_LABELS
from viz.session import ENTITLED_STAGE_NAMES, Snapshot

FONT = dict(family="Roboto, Arial, sans-serif", size=13)
DAY_MS = 86_400_000          # a day on a date axis
KIND_GROUPS = {
    "Registration & process": ["central", "border", "process"],
    "Regular (azc, amv, sober)": ["regular", "minors", "accelerated"],
    "Emergency (noodopvang)": ["emergency"],
    "Crisis (crisisnoodopvang)": ["crisis"],
}
GROUP_COLOURS = ["#6a3d9a", "#33a02c", "#ff7f00", "#e31a1c"]
STAGE_COLOURS = ["#a6cee3", "#6a3d9a", "#1f78b4", "#fdbf6f", "#33a02c", "#fb9a99", "#b15928"]
MARK_COLOURS = {"phase": "#d95f02", "request": "#1b9e77", "regime": "#7570b3", "decision": "#e7298a",
                "event": "#666666", "action": "#a6761d"}
_KIND_IDX = [[KIND_NAMES.index(k) for k in ks] for ks in KIND_GROUPS.values()]
PANELS = ["Persons in reception by stage", "Occupancy by kind of location, and places",
          "Without a bed tonight (persons)", "Plan phase (noodplan) and regimes — hover a marker for the decision",
          "Moves between locations (persons/day)", "Cost of reception (EUR million/day)"]


def iso(dates) -> np.ndarray:
    """Dates as ISO strings: what the browser gets (the widget channel does not take date objects)."""
    return np.datetime_as_string(np.asarray(dates, dtype="datetime64[D]"))


def _layout(fig: go.Figure, height: int) -> None:
    fig.update_layout(height=height, margin=dict(l=60, r=20, t=40, b=130), font=FONT, hovermode="x unified",
                      hoverdistance=-1, plot_bgcolor="white",
                      legend=dict(font=dict(size=12), groupclick="toggleitem", orientation="h", y=-0.06,
                                  yanchor="top"), template="plotly_white",
                      uirevision="keep")   # zoom and legend toggles survive the daily update



def trailing_mean(x, days: int) -> np.ndarray:
    """The mean of each day and the `days` - 1 before it; over the days there are at the start (dividing
    the first six days' moves by 7 read low)."""
    x = np.asarray(x, float)
    c = np.cumsum(x)
    out = c.copy()
    out[days:] -= c[:-days]
    return out / np.minimum(np.arange(1, len(x) + 1), days)

class Timeline:
    """The six panels of the run so far, with the plan's decisions marked.

    `figure()` builds the whole figure once (layout, axes, every trace, empty); each frame then
    only replaces the traces' data (`trace_data`) and, when decisions or regimes were added, the
    marks (`marks`): Plotly's layout machinery is far too slow to rebuild a figure every frame.
    The daily traces have no x data: they start on the first date (`x0`) and step a day (`dx`),
    so a frame sends only their values, as float arrays, which the widget sends to the browser as
    binary buffers (date strings and integer arrays would go as JSON lists: some 300 kB a frame in
    the second year). Plotly shows the same.
    """

    def __init__(self, snap: Snapshot, phase_names: dict[int, str], height: int = 900) -> None:
        self.dates = iso(snap.dates)
        self.plan_active = snap.phase is not None
        self.phase_names = phase_names
        self.height = height

    def figure(self) -> go.Figure:
        fig = make_subplots(rows=3, cols=2, shared_xaxes=True, subplot_titles=PANELS, vertical_spacing=0.09,
                            horizontal_spacing=0.08)
        for k, (name, colour) in enumerate(zip(ENTITLED_STAGE_NAMES, STAGE_COLOURS)):
            fig.add_trace(go.Scatter(name=STAGE_LABELS[name], line=dict(color=colour, width=1.6), legendgroup="stage",
                                     legendgrouptitle_text="Stage" if k == 0 else None), 1, 1)
        for k, (group, colour) in enumerate(zip(KIND_GROUPS, GROUP_COLOURS)):
            fig.add_trace(go.Scatter(name=group, line=dict(color=colour, width=1.6), legendgroup="kind",
                                     legendgrouptitle_text="Persons by kind" if k == 0 else None), 1, 2)
        fig.add_trace(go.Scatter(name="usable places (all)", legendgroup="kind",
                                 line=dict(color="black", width=1.2, dash="dash")), 1, 2)
        fig.add_trace(go.Scatter(name="persons in a bed (all)", legendgroup="kind", line=dict(color="grey", width=1.2)),
                      1, 2)
        fig.add_trace(go.Scatter(name="without a bed", showlegend=False, line=dict(color="#b2182b", width=1.6)), 2, 1)
        fig.add_trace(go.Scatter(name="plan phase", showlegend=False, line_shape="hv",
                                 line=dict(color="#f47c3c", width=2),
                                 hovertemplate="phase %{y}: %{customdata}<extra></extra>"), 2, 2)
        for kind in MARKED:
            fig.add_trace(go.Scatter(mode="markers", name=f"{kind}s", legendgroup="decisions",
                                     legendgrouptitle_text="Decisions" if kind == MARKED[0] else None,
                                     marker=dict(color=MARK_COLOURS[kind], size=9, symbol="diamond"),
                                     hoverinfo="text"), 2, 2)
        fig.add_trace(go.Scatter(name="moves per day", legendgroup="moves", legendgrouptitle_text="Moves",
                                 line=dict(color="#1f78b4", width=0.8), opacity=0.6), 3, 1)
        fig.add_trace(go.Scatter(name="7-day mean", legendgroup="moves", line=dict(color="#08306b", width=1.6)), 3, 1)
        fig.add_trace(go.Scatter(name="cost", showlegend=False, line=dict(color="#4d4d4d", width=1.6),
                                 hovertemplate="EUR %{y:.2f} M<extra></extra>"), 3, 2)
        if len(self.dates):                          # every trace but the decisions' markers is daily
            fig.update_traces(x0=self.dates[0], dx=DAY_MS, selector=lambda t: t.mode != "markers")
        fig.update_yaxes(range=[-0.3, 4.6], tickvals=list(range(5)), showticklabels=self.plan_active, row=2, col=2)
        if len(self.dates):
            fig.update_xaxes(range=[self.dates[0], self.dates[-1]])
        _layout(fig, self.height)
        self.titles = list(fig.layout.annotations)
        return fig

    def trace_data(self, snap: Snapshot, decisions: list[DecisionRow]) -> list[dict]:
        """New data of every trace, in the order of `figure()`."""
        d = snap.day
        f = lambda y: np.asarray(y, dtype=np.float64)  # noqa: E731
        out: list[dict[str, object]] = [dict(y=f(snap.stage[:, k])) for k in range(len(ENTITLED_STAGE_NAMES))]
        out += [dict(y=f(snap.kind_occupancy[:, idx].sum(axis=1))) for idx in _KIND_IDX]
        out += [dict(y=f(snap.x[k])) for k in ("capacity", "in_bed", "unsheltered")]
        if snap.phase is not None:
            out.append(dict(y=f(snap.phase), customdata=[self.phase_names.get(int(p), "") for p in snap.phase]))
        else:
            out.append(dict(y=f([]), customdata=[]))
        marked = [r for r in decisions if r.kind in MARKED and 0 <= r.day < d]
        for kind in MARKED:
            rows = [r for r in marked if r.kind == kind]
            out.append(dict(x=[self.dates[r.day] for r in rows], y=[4.35 - 0.25 * MARKED.index(kind)] * len(rows),
                            hovertext=[f"{r.date} — {r.where}: {r.what}" + (f"<br>{r.why}" if r.why else "")
                                       for r in rows]))
        mv = f(snap.x["moves"])
        out.append(dict(y=mv))
        out.append(dict(y=trailing_mean(mv, 7)))
        out.append(dict(y=f(snap.x["cost_eur"]) / 1e6))
        return out

    def marks(self, snap: Snapshot, decisions: list[DecisionRow]) -> tuple[list[dict], list[dict]]:
        """Shapes and annotations: a dotted line on both columns on the day of each decision,
        regimes shaded on the phase panel, and 'plan not active' when it is not."""
        shapes, notes = [], [a.to_plotly_json() for a in self.titles]
        if not self.plan_active:
            notes.append(dict(text="plan not active", xref="x4 domain", yref="y4 domain", x=0.5, y=0.5,
                              showarrow=False, font=dict(size=15, color="#666666")))
        marked = [r for r in decisions if r.kind in MARKED and 0 <= r.day < snap.day]
        for day in sorted({r.day for r in marked}):
            kinds = {r.kind for r in marked if r.day == day}
            colour = next(MARK_COLOURS[k] for k in MARKED if k in kinds)
            for xref in ("x", "x2"):          # both columns (each column shares its x-axis)
                shapes.append(dict(type="line", xref=xref, yref="paper", x0=self.dates[day], x1=self.dates[day],
                                   y0=0, y1=1, line=dict(color=colour, width=0.8, dash="dot"), opacity=0.6))
        if snap.regime is not None and snap.day:
            on = snap.regime != ""
            edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
            for a, b in zip(edges[::2], edges[1::2]):
                x0, x1 = self.dates[a], self.dates[min(b, len(self.dates) - 1)]
                shapes.append(dict(type="rect", xref="x4", yref="y4 domain", x0=x0, x1=x1, y0=0, y1=1,
                                   fillcolor="#6a3d9a", opacity=0.12, line_width=0, layer="below"))
                notes.append(dict(xref="x4", yref="y4 domain", x=x0, y=1, xanchor="left", yanchor="top",
                                  showarrow=False, text=f"regime: {snap.regime[a]}",
                                  font=dict(size=11, color="#6a3d9a")))
        return shapes, notes

    @staticmethod
    def marks_key(snap: Snapshot, decisions: list[DecisionRow]) -> tuple:
        """Changes when the marks do (a new decision day, a regime starting or ending)."""
        on = () if snap.regime is None else tuple(np.flatnonzero(np.diff(np.r_[0, (snap.regime != "").astype(int), 0])))
        return (sum(1 for r in decisions if r.kind in MARKED and r.day < snap.day), on)


def timeline_figure(snap: Snapshot, decisions: list[DecisionRow], phase_names: dict[int, str],
                    height: int = 860) -> go.Figure:
    """The whole time line as one figure (for export and tests)."""
    tl = Timeline(snap, phase_names, height)
    fig = tl.figure()
    for trace, data in zip(fig.data, tl.trace_data(snap, decisions)):
        trace.update(data)
    shapes, notes = tl.marks(snap, decisions)
    fig.layout.shapes, fig.layout.annotations = shapes, notes
    return fig


def regions_figure(names: list[str], dates: np.ndarray, values: np.ndarray, title: str, unit: str,
                   reference: float | None = None, selected: str | None = None, cols: int = 4) -> go.Figure:
    """Small multiples: one panel per unit (rows of `values` are the days simulated, columns units),
    from the first of the run's `dates`, a day a value.

    Like the time line (`Timeline`), the traces have no x data: they start on the first date (`x0`)
    and step a day (`dx`), so a frame of a playing run replaces only their values
    (`regions_trace_values`, one restyle) instead of building the figure anew."""
    n = len(names)
    rows = max(1, int(np.ceil(n / cols)))
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True, shared_yaxes=True, subplot_titles=names,
                        vertical_spacing=0.5 / max(rows, 1) if rows > 1 else 0.1, horizontal_spacing=0.03)
    x = iso(dates)
    ys = regions_trace_values(values, n)["y"]
    traces = [go.Scatter(y=ys[i], name=name, showlegend=False,
                         line=dict(color="#b2182b" if name == selected else "#0b3d91",
                                   width=2.2 if name == selected else 1.4),
                         hovertemplate=f"{name}: %{{y:.2f}} {unit}<extra></extra>") for i, name in enumerate(names)]
    fig.add_traces(traces, rows=[i // cols + 1 for i in range(n)], cols=[i % cols + 1 for i in range(n)])
    if len(x):
        fig.update_traces(x0=x[0], dx=DAY_MS)
    fig.update_xaxes(type="date")          # (no x data to tell the axis's type by; its range follows the days)
    # the reference line of each panel, as add_hline(row=, col=) draws it, in one go: add_hline took 0.1 s a
    # panel (it looks through every subplot each time), 1.4 of the 1.9 s CPU of this figure
    if reference is not None:
        line = dict(color="#888888", width=0.8, dash="dash")
        fig.update_layout(shapes=[dict(type="line", xref=f"x{'' if i == 0 else i + 1} domain", x0=0, x1=1,
                                       yref=f"y{'' if i == 0 else i + 1}", y0=reference, y1=reference, line=line)
                                  for i in range(n)])
    fig.update_layout(title=dict(text=f"{title} ({unit})", font=dict(size=15)))
    for ann in fig.layout.annotations:
        ann.font = dict(size=12)
    _layout(fig, 150 * rows + 80)
    fig.update_layout(hovermode="closest")
    return fig


def regions_trace_values(values: np.ndarray, n: int) -> dict[str, list[np.ndarray]]:
    """The small multiples' new data, for one restyle of their `n` traces: each unit's daily values
    as float arrays (sent to the browser as binary buffers)."""
    values = np.asarray(values, dtype=np.float64)
    return {"y": [np.ascontiguousarray(values[:, i]) if len(values) else np.zeros(0) for i in range(n)]}


def compare_figure(comparison, names: list[tuple[str, str, float]]) -> go.Figure:
    """A and B: mean over seeds with a band from the lowest to the highest seed; and B − A."""
    dates_a = comparison.a[0].daily["date"].values
    dates_b = comparison.b[0].daily["date"].values
    same_dates = len(dates_a) == len(dates_b) and bool((dates_a == dates_b).all())
    x = iso(dates_a) if same_dates else np.arange(len(dates_a))
    many = len(comparison.seeds) > 1
    fig = make_subplots(rows=len(names), cols=2, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[t for _, label, _ in names
                                        for t in (f"{label} — mean of {len(comparison.seeds)} seed(s)"
                                                  + (", band: lowest to highest" if many else ""),
                                                  f"{label}: B − A")])
    for row, (name, _label, scale) in enumerate(names, start=1):
        a = np.array([r.daily[name].values for r in comparison.a], float) * scale
        b = np.array([r.daily[name].values for r in comparison.b], float) * scale
        for arr, label, colour, fill in ((a, f"A: {comparison.label_a}", "#1f78b4", "rgba(31,120,180,0.18)"),
                                         (b, f"B: {comparison.label_b}", "#e31a1c", "rgba(227,26,28,0.18)")):
            _band(fig, x, arr, label, colour, fill, row, 1, first=row == 1)
        _band(fig, x, b - a, "B − A", "black", "rgba(0,0,0,0.12)", row, 2, first=row == 1)
        fig.add_hline(y=0, line=dict(color="#444444", width=0.6), row=row, col=2)
    _layout(fig, 230 * len(names) + 80)
    if not same_dates:
        fig.update_xaxes(title_text="day of the run (the variants start on different dates)", row=len(names))
    return fig


def _band(fig, x, arr, label, colour, fill, row, col, first: bool) -> None:
    if len(arr) > 1:
        fig.add_trace(go.Scatter(x=x, y=arr.max(0), line=dict(width=0), showlegend=False, hoverinfo="skip",
                                 legendgroup=label), row, col)
        fig.add_trace(go.Scatter(x=x, y=arr.min(0), line=dict(width=0), fill="tonexty", fillcolor=fill,
                                 showlegend=False, hoverinfo="skip", legendgroup=label), row, col)
    fig.add_trace(go.Scatter(x=x, y=arr.mean(0), name=label, line=dict(color=colour, width=1.6),
                             legendgroup=label, showlegend=first), row, col)


FORECAST_PANELS = (("persons_in_reception", "Persons in reception (entitled, in a bed or not)", "#1f78b4",
                    "rgba(31,120,180,"),
                   ("places_needed", "Places needed at the target occupancy, and places", "#e31a1c",
                    "rgba(227,26,28,"),
                   ("permit_holders_waiting", "Permit holders waiting for a home (vergunninghouders)", "#33a02c",
                    "rgba(51,160,44,"))


def forecast_figure(bands, history: tuple[np.ndarray, dict[str, np.ndarray]] | None = None,
                    labels: tuple[str, str] = ("50 % band", "90 % band")) -> go.Figure:
    """A fan chart per quantity: the members' median with the 50 % band (25-75 %, darker) and the
    90 % band (5-95 %, lighter) from the origin on; places (usable, median of the members) beside
    the places needed; `history` (dates, figures by quantity) draws the run before the origin.
    `bands`: `Forecast.daily_bands()` (columns `<quantity>_p05` … `_p95`, `date`). `labels`: the
    inner and outer band's names (`viz.forecast.band_labels`: a small ensemble's are its range)."""
    fig = make_subplots(rows=len(FORECAST_PANELS), cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=[title for _, title, _, _ in FORECAST_PANELS])
    x = bands["date"].to_numpy()
    for row, (name, _title, colour, fill) in enumerate(FORECAST_PANELS, start=1):
        first = row == 1
        for lo, hi, alpha, label in (("p05", "p95", "0.15)", labels[1]), ("p25", "p75", "0.35)", labels[0])):
            fig.add_trace(go.Scatter(x=x, y=bands[f"{name}_{hi}"], line=dict(width=0), showlegend=False,
                                     hoverinfo="skip", legendgroup=f"{name}-{label}"), row, 1)
            fig.add_trace(go.Scatter(x=x, y=bands[f"{name}_{lo}"], line=dict(width=0), fill="tonexty",
                                     fillcolor=fill + alpha, name=label, legendgroup=f"{name}-{label}",
                                     showlegend=first, hovertemplate=f"{label} %{{y:,.0f}}<extra></extra>"), row, 1)
        fig.add_trace(go.Scatter(x=x, y=bands[f"{name}_p50"], name="median of the members",
                                 line=dict(color=colour, width=1.8), showlegend=first,
                                 hovertemplate="median %{y:,.0f}<extra></extra>"), row, 1)
        if name == "places_needed" and "capacity_p50" in bands:
            fig.add_trace(go.Scatter(x=x, y=bands["capacity_p50"], name="places (median)",
                                     line=dict(color="#444444", width=1.4, dash="dash"),
                                     hovertemplate="places %{y:,.0f}<extra></extra>"), row, 1)
        if history is not None and name in history[1]:
            fig.add_trace(go.Scatter(x=iso(history[0]), y=history[1][name], name="the run so far",
                                     line=dict(color="#000000", width=1.2), showlegend=first,
                                     hovertemplate="run %{y:,.0f}<extra></extra>"), row, 1)
    _layout(fig, 250 * len(FORECAST_PANELS) + 80)
    return fig

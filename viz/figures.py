"""Matplotlib drawings for the dashboard: the map, the time series and the comparison.

Redraw follows the work: each session keeps its own `MapCanvas` and `ChartsCanvas` (figures are
not thread-safe, so never shared) whose artists are made once and only get new data each day;
the projected geometry they draw comes from `viz.geo`, cached once per process. PNG bytes are
encoded with a fast zlib level, which keeps a day's redraw well below 100 ms.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize
from matplotlib.figure import Figure
from PIL import Image

from agents.locations import KIND_NAMES, Life
from viz import geo
from viz.labels import KIND_LABELS, MAP_METRICS, STAGE_LABELS, phase_names
from viz.session import ENTITLED_STAGE_NAMES, Session, Snapshot

PHASE_COLOURS = ["#e8f0e8", "#fff3b0", "#ffc870", "#f47c3c", "#b2182b"]
PHASE_CMAP = ListedColormap(PHASE_COLOURS)
PHASE_NORM = BoundaryNorm(np.arange(-0.5, 5.5), 5)
NO_DATA = (0.88, 0.88, 0.88, 1.0)
KIND_COLOURS = {"central": "#6a3d9a", "border": "#cab2d6", "process": "#1f78b4", "regular": "#33a02c",
                "minors": "#b2df8a", "accelerated": "#a6cee3", "emergency": "#ff7f00", "crisis": "#e31a1c"}
KIND_RGBA = np.array([matplotlib.colors.to_rgba(KIND_COLOURS[k]) for k in KIND_NAMES])


def encode_png(canvas: FigureCanvasAgg) -> bytes:
    img = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


_BACKGROUNDS: OrderedDict = OrderedDict()   # key -> background pixels, shared read-only by sessions
_BACKGROUNDS_LOCK = threading.Lock()


class Blit:
    """Redraw only what changes: the static parts are drawn once into a cached background;
    the `dynamic` artists are drawn over it every time. `invalidate()` after static changes.

    With a `key` (a function giving a hashable description of everything static), backgrounds
    are also shared between sessions: a new session with the same layout skips its first full
    draw. Only pixels are shared; every session keeps its own figure."""

    def __init__(self, fig: Figure, dynamic: list, paint=None, key=None) -> None:
        self.fig = fig
        self.paint = paint            # optional: writes pixels into the RGBA buffer before the artists
        self.key = key
        self.dynamic = list(dynamic)
        for a in self.dynamic:
            a.set_animated(True)
        self.background = None

    def invalidate(self) -> None:
        self.background = None

    def png(self) -> bytes:
        canvas = self.fig.canvas
        if self.background is None:
            key = self.key() if self.key is not None else None
            with _BACKGROUNDS_LOCK:
                shared = _BACKGROUNDS.get(key) if key is not None else None
            if shared is not None:
                canvas.get_renderer()
                self.background = shared
                canvas.restore_region(shared)
            else:
                canvas.draw()
                self.background = canvas.copy_from_bbox(self.fig.bbox)
                if key is not None:
                    with _BACKGROUNDS_LOCK:
                        _BACKGROUNDS[key] = self.background
                        while len(_BACKGROUNDS) > 32:
                            _BACKGROUNDS.popitem(last=False)
        else:
            canvas.restore_region(self.background)
        if self.paint is not None:
            self.paint(np.asarray(canvas.buffer_rgba()))
        for a in self.dynamic:
            if a.get_visible():
                self.fig.draw_artist(a)
        return encode_png(canvas)


def png_bytes(fig: Figure, dpi: float | None = None) -> bytes:
    """Render a figure to PNG quickly (Agg + zlib level 1)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    if dpi is not None and dpi != fig.dpi:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()
    canvas.draw()
    img = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Figures on the map
# ---------------------------------------------------------------------------------------------

def municipal_values(session: Session, metric: str) -> np.ndarray:
    """The chosen figure per municipality (NaN = no data, e.g. no location there)."""
    s = session.state
    L, M = s.locs, s.munis
    n = M.n
    if metric == "occupancy":
        places = L.places()
        occ = np.bincount(L.municipality, weights=L.occupancy, minlength=n)
        cap = np.bincount(L.municipality, weights=places, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cap > 0, occ / np.maximum(cap, 1), np.where(occ > 0, 2.0, np.nan))
    if metric == "load":
        occ = np.bincount(L.municipality, weights=L.occupancy, minlength=n)
        fair = M.population / M.population.sum() * max(occ.sum(), 1)
        return occ / fair
    if metric == "housing":
        return (M.target - M.housed) / np.maximum(M.population, 1) * 1e4
    if metric == "phase":
        snap = session.snapshot()
        if snap.phase is None:
            return np.full(n, np.nan)
        if snap.province_phase is not None and len(snap.province_phase):
            return snap.province_phase[-1][M.province].astype(float)
        return np.full(n, float(snap.phase[-1]) if len(snap.phase) else 0.0)
    raise ValueError(f"unknown map figure {metric!r}")


def province_values(session: Session, metric: str, muni_values: np.ndarray) -> np.ndarray:
    """The chosen figure per province (index = the world's province order)."""
    s = session.state
    M, L = s.munis, s.locs
    n_prov = len(s.world.provinces)
    if metric == "occupancy":
        places = L.places()
        prov = M.province[L.municipality]
        occ = np.bincount(prov, weights=L.occupancy, minlength=n_prov)
        cap = np.bincount(prov, weights=places, minlength=n_prov)
        return np.where(cap > 0, occ / np.maximum(cap, 1), np.nan)
    if metric == "load":
        occ = np.bincount(M.province[L.municipality], weights=L.occupancy, minlength=n_prov)
        pop = np.bincount(M.province, weights=M.population, minlength=n_prov)
        return occ / (pop / pop.sum() * max(occ.sum(), 1))
    if metric == "housing":
        backlog = np.bincount(M.province, weights=M.target - M.housed, minlength=n_prov)
        pop = np.bincount(M.province, weights=M.population, minlength=n_prov)
        return backlog / np.maximum(pop, 1) * 1e4
    if metric == "phase":
        out = np.full(n_prov, np.nan)
        for p in range(n_prov):
            v = muni_values[M.province == p]
            out[p] = v[0] if len(v) else np.nan
        return out
    raise ValueError(metric)


def _norm_cmap(metric: str):
    if metric == "occupancy":
        return Normalize(0.5, 1.2), matplotlib.colormaps["RdYlGn_r"]
    if metric == "load":
        return Normalize(0, 3), matplotlib.colormaps["PuRd"]
    if metric == "housing":
        return Normalize(0, 15), matplotlib.colormaps["YlOrBr"]
    return PHASE_NORM, PHASE_CMAP


class MapCanvas:
    """The Netherlands: municipalities or provinces coloured by a figure, locations as markers.

    The polygons are rasterised once per process into a label image (`geo.raster`), so a
    day's map is a palette lookup plus the markers, drawn over a cached background (blitting).
    """

    def __init__(self, session: Session) -> None:
        s = session.state
        self.shapes = geo.municipalities(s.sc.country)
        self.r = geo.raster(s.sc.country)
        # feature -> row of the model's arrays (the world may be restricted to some provinces)
        code_row = {c: i for i, c in enumerate(s.munis.codes)}
        self.m_row = np.array([code_row.get(k, -1) for k in self.shapes.keys])
        self.f_prov = np.where(self.m_row >= 0, s.munis.province[np.maximum(self.m_row, 0)], -1)
        r = self.r
        W, H = r.fig_px
        self.fig = Figure(figsize=(W / r.dpi, H / r.dpi), dpi=r.dpi)
        FigureCanvasAgg(self.fig)
        ax = self.ax = self.fig.add_axes(r.axes_rect)
        ax.set_axis_off()
        ax.set_xlim(*r.xlim)
        ax.set_ylim(*r.ylim)
        self.rgba = np.full((*r.labels.shape, 4), 255, np.uint8)   # the painted map, in pixels
        self.origin = (round(H - (r.axes_rect[1] + r.axes_rect[3]) * H), round(r.axes_rect[0] * W))
        self.loc_xy = np.empty((0, 2))
        self.scatter = ax.scatter(np.empty(0), np.empty(0), s=np.empty(0), facecolors="#ff7f00",
                                  edgecolors="black", linewidths=0.6, zorder=5,
                                  alpha=0.85)
        from matplotlib.lines import Line2D
        handles = [Line2D([], [], marker="o", ls="", color=KIND_COLOURS[k], markeredgecolor="black", markersize=5,
                          label=KIND_LABELS[k].split(" (")[0]) for k in ("central", "process", "regular", "minors",
                                                                         "accelerated", "emergency", "crisis")]
        self.legend = ax.legend(handles=handles, loc="upper left", fontsize=6.5, frameon=False, title="Locations",
                  title_fontsize=7, borderaxespad=0.2)
        self.title = self.fig.text(0.02, 0.985, "", fontsize=10, va="top", weight="bold")
        self.subtitle = self.fig.text(0.02, 0.955, "", fontsize=8, va="top")
        self.cax = self.fig.add_axes((0.1, 0.095, 0.8, 0.02))
        self.cbar_key = None
        self.fig.text(0.02, 0.008, "Markers: reception locations (synthetic portfolio, model/portfolio.py), "
                      "area ~ persons present. Grey: no data.", fontsize=7, color="#555555")
        self.blit = Blit(self.fig, [self.scatter, self.legend, self.title, self.subtitle],
                         paint=self._paint, key=lambda: ("map", s.sc.country, self.cbar_key))
        self._shown = np.empty(0, np.int64)

    def _colorbar(self, metric: str, norm, cmap) -> None:
        if self.cbar_key == metric:
            return
        self.cax.clear()
        from matplotlib.cm import ScalarMappable
        label, unit = MAP_METRICS[metric]
        cb = self.fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=self.cax, orientation="horizontal")
        cb.ax.tick_params(labelsize=7)
        if metric == "phase":
            cb.set_ticks(range(5))
        cb.set_label(f"{label}: {unit}", fontsize=7)
        self.cbar_key = metric
        self.blit.invalidate()

    def update(self, session: Session, metric: str = "occupancy", level: str = "municipalities",
               selected_municipality: int | None = None, show_locations: bool = True) -> None:
        s = session.state
        r = self.r
        norm, cmap = _norm_cmap(metric)
        mv = municipal_values(session, metric)
        if level == "provinces":
            pv = province_values(session, metric, mv)
            vals = np.where(self.f_prov >= 0, pv[np.maximum(self.f_prov, 0)], np.nan)
        else:
            vals = np.where(self.m_row >= 0, mv[np.maximum(self.m_row, 0)], np.nan)
        pal = np.empty((len(vals) + 1, 4), np.uint8)
        pal[:-1] = (cmap(norm(np.nan_to_num(vals))) * 255).astype(np.uint8)
        pal[:-1][np.isnan(vals)] = (np.array(NO_DATA) * 255).astype(np.uint8)
        pal[-1] = (255, 255, 255, 255)                     # sea and abroad
        rgba = pal[r.labels]
        if level != "provinces":
            rgba[r.muni_border] = (255, 255, 255, 255)
        rgba[r.province_border] = (60, 60, 60, 255)
        if selected_municipality is not None and 0 <= selected_municipality < s.munis.n:
            feat = self.shapes.index().get(s.munis.codes[selected_municipality])
            if feat is not None:
                rgba[geo.outline(r.labels == feat)] = (11, 61, 145, 255)
        self.rgba = rgba
        self._colorbar(metric, norm, cmap)
        L = s.locs
        if len(self.loc_xy) != L.n:
            self.loc_xy = geo.location_positions(s.munis.lon, s.munis.lat, L.municipality)
        show = (L.life == Life.OPEN) | (L.occupancy > 0)
        self.scatter.set_visible(show_locations)
        self.scatter.set_offsets(self.loc_xy[show])
        self.scatter.set_sizes(4 + 0.15 * L.occupancy[show])
        self.scatter.set_facecolors(KIND_RGBA[L.kind[show]])
        self._shown = np.flatnonzero(show) if show_locations else np.empty(0, np.int64)
        label, _ = MAP_METRICS[metric]
        self.title.set_text(f"{label} — {'provinces' if level == 'provinces' else 'municipalities'}")
        date = session.model.date if session.day else s.world.dates[0]
        note = " — plan not active" if metric == "phase" and not session.snapshot().plan_active else ""
        self.subtitle.set_text(f"{date} (day {session.day} of {session.horizon}){note}")

    def _paint(self, buf: np.ndarray) -> None:
        y, x = self.origin
        h, w = self.rgba.shape[:2]
        buf[y:y + h, x:x + w] = self.rgba

    def png(self) -> bytes:
        return self.blit.png()

    # -- clicks and tooltips -------------------------------------------------------------
    def _to_pixels(self, xy: np.ndarray) -> np.ndarray:
        """Map coordinates -> image pixels (origin top-left)."""
        disp = self.ax.transData.transform(xy)
        h = self.fig.bbox.height
        return np.column_stack([disp[:, 0], h - disp[:, 1]])

    def markers(self, session: Session) -> list[dict]:
        """Hover targets for the locations shown: position in % of the image and a tooltip."""
        if not len(self._shown):
            return []
        L = session.state.locs
        px = self._to_pixels(self.loc_xy[self._shown])
        w, h = self.fig.bbox.width, self.fig.bbox.height
        out = []
        # stable from day to day (normal places, not persons present), so the list is only sent
        # to the browser again when locations open or close; the figures are one click away
        for (x, y), j in zip(px, self._shown):
            r = float(np.sqrt(4 + 0.15 * L.capacity[j]) / 2 + 2)
            out.append({"i": int(j), "x": round(100 * x / w, 2), "y": round(100 * y / h, 2), "r": round(r, 1),
                        "t": f"{L.names[j]} — {KIND_LABELS[KIND_NAMES[L.kind[j]]]}, "
                             f"{int(L.capacity[j]):,} normal places (click for its figures)"})
        return out

    def hit(self, session: Session, fx: float, fy: float) -> tuple[str, int] | None:
        """What lies under a click at (fx, fy), fractions of the image from the top-left:
        ('location', index) when on a marker, else ('municipality', row), else None."""
        w, h = self.fig.bbox.width, self.fig.bbox.height
        px, py = fx * w, fy * h
        shown = self._shown
        if len(shown):
            mp = self._to_pixels(self.loc_xy[shown])
            d = np.hypot(mp[:, 0] - px, mp[:, 1] - py)
            k = int(np.argmin(d))
            cap = session.state.locs.capacity[shown[k]]
            if d[k] <= np.sqrt(4 + 0.15 * cap) / 2 + 2:
                return ("location", int(shown[k]))
        x, y = self.ax.transData.inverted().transform((px, h - py))
        feat = geo.feature_at(self.shapes, x, y)
        if feat is None or self.m_row[feat] < 0:
            return None
        return ("municipality", int(self.m_row[feat]))


# ---------------------------------------------------------------------------------------------
# Time series
# ---------------------------------------------------------------------------------------------

KIND_GROUPS = {
    "Registration & process": ["central", "border", "process"],
    "Regular (azc, amv, sober)": ["regular", "minors", "accelerated"],
    "Emergency (noodopvang)": ["emergency"],
    "Crisis (crisisnoodopvang)": ["crisis"],
}
GROUP_COLOURS = ["#6a3d9a", "#33a02c", "#ff7f00", "#e31a1c"]
STAGE_COLOURS = ["#a6cee3", "#6a3d9a", "#1f78b4", "#33a02c", "#fb9a99", "#b15928"]


class ChartsCanvas:
    """Six small panels of the days so far; artists made once, data replaced every day."""

    DPI = 80

    def __init__(self, session: Session) -> None:
        self.fig = Figure(figsize=(9.0, 6.6), dpi=self.DPI)
        FigureCanvasAgg(self.fig)
        axs = self.fig.subplots(3, 2, sharex=True)
        self.fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.07, hspace=0.42, wspace=0.2)
        self.axes = axs.ravel()
        dates = np.asarray(session.state.world.dates, dtype="datetime64[D]")
        self.t = mdates.date2num(dates.astype("datetime64[s]").astype(object)) if len(dates) else np.zeros(0)
        titles = ["Persons in reception by stage", "Occupancy by location kind (persons) and places",
                  "Unsheltered: entitled, no bed tonight (persons)", "Plan phase (noodplan) and regime",
                  "Moves between locations (verhuisbewegingen), persons/day", "Cost of reception, EUR million/day"]
        for ax, title in zip(self.axes, titles):
            ax.set_title(title, fontsize=8.5, loc="left")
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, lw=0.5)
            if len(self.t):
                ax.set_xlim(self.t[0], self.t[-1])
        ticks, labels = date_ticks(dates)        # fixed ticks: no date locator work on redraw
        for ax in self.axes:
            ax.set_xticks(ticks, labels if ax in self.axes[-2:] else [""] * len(ticks))
        a = self.axes
        self.stage_lines = [a[0].plot([], [], lw=1.3, color=c, label=STAGE_LABELS[n])[0]
                            for n, c in zip(ENTITLED_STAGE_NAMES, STAGE_COLOURS)]
        a[0].legend(fontsize=6, loc="upper left", ncol=2, frameon=False)
        self.kind_lines = [a[1].plot([], [], lw=1.3, color=c, label=g)[0]
                           for g, c in zip(KIND_GROUPS, GROUP_COLOURS)]
        self.cap_line = a[1].plot([], [], lw=1.0, ls="--", color="black", label="usable places (all)")[0]
        self.bed_line = a[1].plot([], [], lw=1.0, color="grey", label="persons in a bed (all)")[0]
        a[1].legend(fontsize=6, loc="upper left", ncol=2, frameon=False)
        self.kind_idx = [[KIND_NAMES.index(k) for k in ks] for ks in KIND_GROUPS.values()]
        self.unsh_line = a[2].plot([], [], lw=1.3, color="#b2182b")[0]
        self.phase_line = a[3].step([], [], where="post", lw=1.6, color="#f47c3c", label="phase")[0]
        a[3].set_ylim(-0.3, 4.5)
        a[3].set_yticks(range(5))
        self.plan_text = a[3].text(0.5, 0.5, "", transform=a[3].transAxes, ha="center", va="center",
                                   fontsize=10, color="#666666")
        self.regime_spans = []
        self.moves_line = a[4].plot([], [], lw=0.8, color="#1f78b4", alpha=0.6, label="per day")[0]
        self.moves_avg = a[4].plot([], [], lw=1.5, color="#08306b", label="7-day mean")[0]
        a[4].legend(fontsize=6, loc="upper left", frameon=False)
        self.cost_line = a[5].plot([], [], lw=1.3, color="#4d4d4d")[0]
        self.phase_names = phase_names(session.scenario)
        self._regime_key = None
        dynamic = [*self.stage_lines, *self.kind_lines, self.cap_line, self.bed_line, self.unsh_line,
                   self.phase_line, self.plan_text, self.moves_line, self.moves_avg, self.cost_line]
        layout = session.scenario.model_dump_json()
        self.blit = Blit(self.fig, dynamic, key=lambda: ("charts", layout, self._regime_key,
                                                         tuple(ax.get_ylim() for ax in self.axes)))

    def _top(self, ax, *arrays, floor: float = 1.0, headroom: float = 1.05) -> None:
        """Keep the y-axis on a 'nice' ceiling so it (and the cached background) rarely changes."""
        top = max([floor] + [float(np.nanmax(a)) for a in arrays if len(a)])
        ceiling = nice_ceiling(top * headroom)
        if ax.get_ylim() != (0, ceiling):
            ax.set_ylim(0, ceiling)
            self.blit.invalidate()

    def update(self, session: Session, snap: Snapshot | None = None) -> None:
        snap = snap or session.snapshot()
        d = snap.day
        t = self.t[:d]
        for line, k in zip(self.stage_lines, range(len(ENTITLED_STAGE_NAMES))):
            line.set_data(t, snap.stage[:, k] if d else [])
        self._top(self.axes[0], *(snap.stage[:, k] for k in range(len(ENTITLED_STAGE_NAMES))) if d else [],
                  headroom=1.6)
        groups = [snap.kind_occupancy[:, idx].sum(axis=1) for idx in self.kind_idx] if d else []
        for line, g in zip(self.kind_lines, groups or [[]] * 4):
            line.set_data(t, g)
        self.cap_line.set_data(t, snap.x["capacity"])
        self.bed_line.set_data(t, snap.x["in_bed"])
        self._top(self.axes[1], snap.x["capacity"], snap.x["in_bed"], headroom=1.6)
        self.unsh_line.set_data(t, snap.x["unsheltered"])
        self._top(self.axes[2], snap.x["unsheltered"], floor=10)
        if snap.phase is None:
            self.phase_line.set_data([], [])
            self.plan_text.set_text("plan not active")
        else:
            self.phase_line.set_data(t, snap.phase)
            self.plan_text.set_text("" if d else "plan active, no days yet")
            self.axes[3].set_yticks(range(5), [f"{i}" for i in range(5)])
        on = (snap.regime != "") if (snap.regime is not None and d) else np.zeros(0, bool)
        key = tuple(np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0])))
        if key != self._regime_key:     # regime periods are part of the background
            self._regime_key = key
            self.blit.invalidate()
            for sp in self.regime_spans:
                sp.remove()
            self.regime_spans = []
            if on.any():
                edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
                for a, b in zip(edges[::2], edges[1::2]):
                    self.regime_spans.append(self.axes[3].axvspan(
                        self.t[a], self.t[min(b, len(self.t) - 1)], color="#6a3d9a", alpha=0.15, lw=0))
        if on.any():
            self.plan_text.set_text(f"regime: {snap.regime[on][-1]}")
            self.plan_text.set_position((0.02, 0.9))
            self.plan_text.set_ha("left")
        mv = snap.x["moves"]
        self.moves_line.set_data(t, mv)
        avg = np.convolve(mv, np.ones(7) / 7, mode="full")[:d] if d else mv
        self.moves_avg.set_data(t, avg)
        self._top(self.axes[4], mv, headroom=1.4)
        cost = snap.x["cost_eur"] / 1e6
        self.cost_line.set_data(t, cost)
        self._top(self.axes[5], cost)

    def png(self) -> bytes:
        return self.blit.png()


def date_ticks(dates: np.ndarray, most: int = 7) -> tuple[list[float], list[str]]:
    """Tick positions (matplotlib date numbers) on the first of a month, every k months."""
    if not len(dates):
        return [], []
    months = np.unique(dates.astype("datetime64[M]"))
    firsts = months.astype("datetime64[D]")
    firsts = firsts[(firsts >= dates[0]) & (firsts <= dates[-1])]
    step = max(1, int(np.ceil(len(firsts) / most)))
    for k in (1, 2, 3, 4, 6, 12, 24, 36, 60):
        if k >= step:
            step = k
            break
    firsts = firsts[[int(str(f)[5:7]) % step == 1 % step for f in firsts]] if step > 1 else firsts
    pos = mdates.date2num(firsts.astype("datetime64[s]").astype(object))
    labels = [str(f)[:7] if str(f)[5:7] == "01" or i == 0 else str(f)[5:7] for i, f in enumerate(firsts)]
    return list(pos), labels


def nice_ceiling(v: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 × 10^k at or above v."""
    if v <= 0:
        return 1.0
    k = 10 ** np.floor(np.log10(v))
    for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        if m * k >= v - 1e-12:
            return float(m * k)
    return float(10 * k)


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------

COMPARE_FIGURES = [
    ("population", "Persons in reception", 1.0),
    ("unsheltered", "Unsheltered (persons)", 1.0),
    ("occupancy_rate", "Occupancy (bezettingsgraad)", 1.0),
    ("moves", "Moves per day (persons)", 1.0),
    ("cost_eur", "Cost (EUR million/day)", 1e-6),
    ("phase", "Plan phase", 1.0),
]


def compare_figure(comparison) -> Figure:
    """Variant A and B (mean over seeds) side by side, and B − A per seed."""
    names = [n for n in COMPARE_FIGURES if n[0] in comparison.a[0].daily]
    fig = Figure(figsize=(9.0, 2.0 * len(names) + 0.5), dpi=80)
    FigureCanvasAgg(fig)
    axs = fig.subplots(len(names), 2, sharex=True, squeeze=False)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.05, hspace=0.5, wspace=0.2)
    dates = comparison.a[0].daily["date"].values
    for row, (name, label, scale) in enumerate(names):
        a = np.array([r.daily[name].values for r in comparison.a], float) * scale
        b = np.array([r.daily[name].values for r in comparison.b], float) * scale
        ax = axs[row, 0]
        ax.plot(dates, a.mean(0), color="#1f78b4", lw=1.3, label=f"A: {comparison.label_a}")
        ax.plot(dates, b.mean(0), color="#e31a1c", lw=1.3, label=f"B: {comparison.label_b}")
        ax.set_title(f"{label} — mean of {len(comparison.seeds)} seed(s)", fontsize=8.5, loc="left")
        if row == 0:
            ax.legend(fontsize=7, frameon=False)
        ax = axs[row, 1]
        for k in range(len(b)):
            ax.plot(dates, b[k] - a[k], color="#999999", lw=0.7)
        ax.plot(dates, (b - a).mean(0), color="black", lw=1.4)
        ax.axhline(0, color="#444444", lw=0.6)
        ax.set_title(f"Difference B − A (grey: per seed {', '.join(map(str, comparison.seeds))})",
                     fontsize=8.5, loc="left")
        for ax in axs[row]:
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, lw=0.5)
    return fig

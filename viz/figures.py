"""Matplotlib drawings for the dashboard: the map and the comparison as PNG (the interactive
charts are Plotly, `viz.plots`).

Redraw follows the work: each session keeps its own `MapCanvas` (figures are not thread-safe, so
never shared) whose artists are made once and only get new data each day; the projected geometry
it draws comes from `viz.geo`, cached once per process. The map's PNG is written directly
(`encode_png`: unfiltered rows, zlib level 1), which keeps a day's redraw well below 100 ms.
"""

from __future__ import annotations

import io
import struct
import threading
import zlib
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize
from matplotlib.figure import Figure
from PIL import Image

from agents.locations import KIND_NAMES, Life
from viz import geo
from viz.labels import KIND_LABELS, MAP_LEVELS, MAP_METRICS, short_position
from viz.session import Session

# phases in blues: apart from the markers' kinds (emergency orange, crisis red) drawn over them
PHASE_COLOURS = ["#f0f0f0", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]
PHASE_CMAP = ListedColormap(PHASE_COLOURS)
PHASE_NORM = BoundaryNorm(np.arange(-0.5, 5.5), 5)
NO_DATA = (0.88, 0.88, 0.88, 1.0)
KIND_COLOURS = {"central": "#6a3d9a", "border": "#cab2d6", "process": "#1f78b4", "regular": "#33a02c",
                "minors": "#b2df8a", "accelerated": "#a6cee3", "emergency": "#ff7f00", "crisis": "#e31a1c"}
KIND_RGBA = np.array([matplotlib.colors.to_rgba(KIND_COLOURS[k]) for k in KIND_NAMES])


def encode_png(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as PNG, without its alpha channel (the figures are opaque), written directly:
    rows unfiltered, zlib level 1. The map's flat colours compress well without PNG's row
    filters: some 3 ms and 84 kB a frame, where Pillow (level 1) takes 7.5 ms for 92 kB."""
    w, h = canvas.get_width_height()
    rgba = np.asarray(canvas.buffer_rgba())
    rows = np.empty((h, 1 + 3 * w), np.uint8)
    rows[:, 0] = 0                                          # filter type of each row: none
    rows[:, 1:] = rgba[:, :, :3].reshape(h, 3 * w)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8 bits, RGB, deflate, no filter, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + chunk(b"IEND", b""))


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
        self.canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        self.paint = paint            # optional: writes pixels into the RGBA buffer before the artists
        self.key = key
        self.dynamic = list(dynamic)
        for a in self.dynamic:
            a.set_animated(True)
        self.background = None

    def invalidate(self) -> None:
        self.background = None

    def png(self) -> bytes:
        canvas = self.canvas
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

def _unit_of_muni(session: Session, level: str) -> np.ndarray | None:
    M = session.state.munis
    return {"provinces": M.province, "safety regions": M.region}.get(level)


def unit_values(session: Session, metric: str, level: str = "municipalities") -> np.ndarray:
    """The chosen figure per municipality, province or safety region (NaN = no data)."""
    s = session.state
    L, M = s.locs, s.munis
    unit = _unit_of_muni(session, level)
    of = (lambda a: a) if unit is None else (lambda a: unit[a])
    n = M.n if unit is None else int(unit.max()) + 1
    loc_unit = of(L.municipality)
    if metric == "occupancy":
        occ = np.bincount(loc_unit, weights=L.occupancy, minlength=n)
        cap = np.bincount(loc_unit, weights=L.places(), minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cap > 0, occ / np.maximum(cap, 1), np.where(occ > 0, 2.0, np.nan))
    if metric == "load":
        occ = np.bincount(loc_unit, weights=L.occupancy, minlength=n)
        target = M.reception_target if unit is None else np.bincount(unit, weights=M.reception_target, minlength=n)
        return np.divide(occ, target, out=np.full(n, np.nan), where=target > 0)
    if metric == "housing":
        backlog = M.target - M.housed if unit is None else np.bincount(unit, weights=M.target - M.housed, minlength=n)
        pop = M.population if unit is None else np.bincount(unit, weights=M.population, minlength=n)
        return backlog / np.maximum(pop, 1) * 1e4
    if metric == "delivered":
        opened = np.fromiter(session.series.plan_opened, np.int64, len(session.series.plan_opened))
        places = np.bincount(loc_unit[opened], weights=L.capacity[opened], minlength=n)
        pop = M.population if unit is None else np.bincount(unit, weights=M.population, minlength=n)
        return places / np.maximum(pop, 1) * 1e4
    if metric == "phase":
        snap = session.snapshot()
        if snap.phase is None:
            return np.full(n, np.nan)
        if snap.province_phase is not None and len(snap.province_phase):
            prov = snap.province_phase[-1]
        else:
            prov = np.full(len(s.world.provinces), int(snap.phase[-1]) if len(snap.phase) else 0)
        per_muni = np.asarray(prov)[M.province].astype(float)
        if unit is None:
            return per_muni
        out = np.zeros(n)
        np.maximum.at(out, unit, per_muni)
        return out
    raise ValueError(f"unknown map figure {metric!r}")


def _norm_cmap(metric: str):
    if metric == "occupancy":
        return Normalize(0.5, 1.2), matplotlib.colormaps["RdYlGn_r"]
    if metric == "load":
        return Normalize(0, 2), matplotlib.colormaps["PuRd"]
    if metric == "housing":
        return Normalize(0, 15), matplotlib.colormaps["YlOrBr"]
    if metric == "delivered":
        return Normalize(0, 20), matplotlib.colormaps["Greens"]
    return PHASE_NORM, PHASE_CMAP


_UNIT_BORDERS: dict = {}


def _unit_border(r, f_unit: np.ndarray) -> np.ndarray:
    """Pixels on the border between two units (cached per raster and grouping)."""
    key = (id(r), f_unit.tobytes())
    got = _UNIT_BORDERS.get(key)
    if got is None:
        e = geo.edges(np.append(f_unit, -1)[r.labels])
        e |= np.roll(e, 1, axis=1)
        got = _UNIT_BORDERS[key] = e
    return got


class MapCanvas:
    """The Netherlands: municipalities, provinces or safety regions coloured by a figure, with the
    reception locations as markers.

    The polygons are rasterised once per process into a label image (`geo.raster`), so a
    day's map is a palette lookup plus the markers, drawn over a cached background (blitting).
    """

    def __init__(self, session: Session, width_px: int | None = None) -> None:
        s = session.state
        self.shapes = geo.municipalities(s.sc.country)
        self.r = geo.raster(s.sc.country) if width_px is None else geo.raster(s.sc.country, width_px)
        self.scale = self.r.fig_px[0] / geo.raster(s.sc.country).fig_px[0]
        # feature -> row of the model's arrays (the world may be restricted to some provinces)
        code_row = {c: i for i, c in enumerate(s.munis.codes)}
        self.m_row = np.array([code_row.get(k, -1) for k in self.shapes.keys])
        self.f_unit = {"municipalities": self.m_row,
                       "provinces": np.where(self.m_row >= 0, s.munis.province[np.maximum(self.m_row, 0)], -1),
                       "safety regions": np.where(self.m_row >= 0, s.munis.region[np.maximum(self.m_row, 0)], -1)}
        r = self.r
        W, H = r.fig_px
        k = self.scale
        self.fig = Figure(figsize=(W / r.dpi, H / r.dpi), dpi=r.dpi)
        FigureCanvasAgg(self.fig)
        ax = self.ax = self.fig.add_axes(r.axes_rect)
        ax.set_axis_off()
        ax.set_xlim(*r.xlim)
        ax.set_ylim(*r.ylim)
        self.rgba = np.full((*r.labels.shape, 4), 255, np.uint8)   # the painted map, in pixels
        # pixels the day paints: land and the borders; the sea stays the background's, where the
        # legend of the locations is drawn (painting the sea white hid it)
        self.land = (r.labels >= 0) | r.province_border
        self.painted = self.land
        self.origin = (round(H - (r.axes_rect[1] + r.axes_rect[3]) * H), round(r.axes_rect[0] * W))
        self.loc_xy = np.empty((0, 2))
        # a white rim keeps every marker visible on any colour of the map below it
        self.scatter = ax.scatter(np.empty(0), np.empty(0), s=np.empty(0), facecolors="#ff7f00",
                                  edgecolors="white", linewidths=0.9 * k, zorder=5)
        from matplotlib.lines import Line2D
        handles = [Line2D([], [], marker="o", ls="", color=KIND_COLOURS[kd], markeredgecolor="white",
                          markersize=6 * k, label=KIND_LABELS[kd].split(" (")[0])
                   for kd in ("central", "process", "regular", "minors", "accelerated", "emergency", "crisis")]
        self.legend = ax.legend(handles=handles, loc="upper left", fontsize=7 * k, frameon=False, title="Locations",
                                title_fontsize=7.5 * k, borderaxespad=0.2)
        self.title = self.fig.text(0.02, 0.985, "", fontsize=10 * k, va="top", weight="bold")
        self.subtitle = self.fig.text(0.02, 0.955, "", fontsize=8.5 * k, va="top")
        self.cax = self.fig.add_axes((0.06, 0.12, 0.88, 0.018))
        self.cbar_key: str | None = None      # the metric the colour bar shows
        self.footer = self.fig.text(0.02, 0.008, "Markers: reception locations (synthetic portfolio), area ~ persons\n"
                                    "present; placed at their municipality's centre. Grey: no data.",
                                    fontsize=7 * k, color="#555555", va="bottom")
        # the legend and the title (drawing text is slow: the title changes only with the colouring)
        # are background; the markers and the date change every day
        self.blit = Blit(self.fig, [self.scatter, self.subtitle], paint=self._paint,
                         key=lambda: ("map", s.sc.country, W, self.cbar_key, self.title.get_text()))
        self._shown = np.empty(0, np.int64)
        self._markers_key: tuple | None = None     # what `_markers` was made for (locations shown, run)
        self._markers: list[dict] = []

    def _colorbar(self, metric: str, norm, cmap) -> None:
        if self.cbar_key == metric:
            return
        self.cax.clear()
        from matplotlib.cm import ScalarMappable
        label, unit = MAP_METRICS[metric]
        cb = self.fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=self.cax, orientation="horizontal",
                               extend="neither" if metric == "phase" else "max")
        cb.ax.tick_params(labelsize=7.5 * self.scale)
        if metric == "phase":
            cb.set_ticks(range(5))
        cb.set_label(f"{label}\n{unit}", fontsize=8 * self.scale)
        self.cbar_key = metric
        self.blit.invalidate()

    def update(self, session: Session, metric: str = "occupancy", level: str = "municipalities",
               selected: tuple | int | None = None, show_locations: bool = True) -> None:
        """Colour by `metric` at `level`; outline `selected` (('municipality'|'province'|'region', i)
        or a municipality row)."""
        s = session.state
        r = self.r
        norm, cmap = _norm_cmap(metric)
        f_unit = self.f_unit[level]
        v = unit_values(session, metric, level)
        vals = np.where(f_unit >= 0, v[np.maximum(f_unit, 0)], np.nan)
        pal = np.empty((len(vals) + 1, 4), np.uint8)
        pal[:-1] = (cmap(norm(np.nan_to_num(vals))) * 255).astype(np.uint8)
        pal[:-1][np.isnan(vals)] = (np.array(NO_DATA) * 255).astype(np.uint8)
        pal[-1] = (255, 255, 255, 255)                     # sea and abroad
        rgba = pal[r.labels]
        if level == "municipalities":
            rgba[r.muni_border] = (255, 255, 255, 255)
        elif level == "safety regions":
            rgba[_unit_border(r, f_unit)] = (110, 110, 110, 255)
        rgba[r.province_border] = (60, 60, 60, 255)
        painted = self.land
        if isinstance(selected, (int, np.integer)):
            selected = ("municipality", int(selected))
        if selected is not None and selected[0] in ("municipality", "province", "region"):
            grouping = {"municipality": "municipalities", "province": "provinces", "region": "safety regions"}
            f_sel = self.f_unit[grouping[selected[0]]]
            feats = np.flatnonzero(f_sel == selected[1])
            if len(feats):
                ring = geo.outline(np.isin(r.labels, feats))
                rgba[ring] = (11, 61, 145, 255)
                painted = self.land | ring
        self.rgba = rgba
        self.painted = painted
        self._colorbar(metric, norm, cmap)
        L = s.locs
        if len(self.loc_xy) != L.n:
            self.loc_xy = geo.location_positions(s.munis.lon, s.munis.lat, L.municipality)
        show = (L.life == Life.OPEN) | (L.occupancy > 0)
        self.scatter.set_visible(show_locations)
        self.scatter.set_offsets(self.loc_xy[show])
        self.scatter.set_sizes((4 + 0.15 * L.occupancy[show]) * self.scale ** 2)
        self.scatter.set_facecolor(KIND_RGBA[L.kind[show]])
        self._shown = np.flatnonzero(show) if show_locations else np.empty(0, np.int64)
        label, _ = MAP_METRICS[metric]
        title = f"{label} — {MAP_LEVELS[level]}"
        if title != self.title.get_text():
            self.title.set_text(title)
            self.blit.invalidate()
        note = " — plan not active" if metric == "phase" and not session.snapshot().plan_active else ""
        self.subtitle.set_text(short_position(session.day, session.horizon, session.state.world.dates) + note)

    def _paint(self, buf: np.ndarray) -> None:
        y, x = self.origin
        h, w = self.rgba.shape[:2]
        # a pixel as one uint32: a masked copy of 1 value per pixel, not 4
        np.copyto(buf[y:y + h, x:x + w].view(np.uint32)[..., 0], self.rgba.view(np.uint32)[..., 0], where=self.painted)

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
        key = (self._shown.tobytes(), session.generation)
        if self._markers_key == key:
            return self._markers
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
        self._markers_key, self._markers = key, out
        return out

    def hit(self, session: Session, fx: float, fy: float, level: str = "municipalities") -> tuple[str, int] | None:
        """What lies under a click at (fx, fy), fractions of the image from the top-left:
        ('location', index) when on a marker, else the unit of `level` ('municipality',
        'province' or 'region', its index), else None."""
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
        kind = {"municipalities": "municipality", "provinces": "province", "safety regions": "region"}[level]
        return (kind, int(self.f_unit[level][feat]))


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

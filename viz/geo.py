"""Map geometry from the packaged GeoJSON: projected once per process, shared read-only.

No tiles and no web map: municipalities (CBS 2023, property `gm_code`) and provinces (property
`province`) are drawn as polygons by matplotlib. Coordinates are projected with a plain
equirectangular projection scaled by cos(52.2°), which is close enough for the Netherlands.
Everything here is immutable after loading, so every session may share it; models may not.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.path import Path as MplPath

import model

DATA = Path(model.__file__).parent / "data"
COS_LAT = float(np.cos(np.radians(52.2)))


def project(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Map coordinates (x east, y north, in 'latitude degrees') of longitude/latitude."""
    return np.asarray(lon, float) * COS_LAT, np.asarray(lat, float)


@dataclass(frozen=True)
class Shapes:
    """Projected outer rings of one layer: `rings[i]` belongs to feature `owner[i]`."""

    keys: tuple[str, ...]              # feature key (gm_code or province name) per feature
    names: tuple[str, ...]
    rings: tuple[np.ndarray, ...]      # (k, 2) float arrays, read-only
    owner: np.ndarray                  # feature index per ring
    paths: tuple[MplPath, ...]         # per ring, for hit tests
    bounds: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax

    def index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.keys)}


def _load(path: Path, key: str, name: str) -> Shapes:
    gj = json.loads(path.read_text(encoding="utf-8"))
    keys, names, rings, owner = [], [], [], []
    for i, f in enumerate(gj["features"]):
        props, geom = f["properties"], f["geometry"]
        keys.append(str(props[key]))
        names.append(str(props.get(name, props[key])))
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            ring = np.asarray(poly[0], float)          # outer ring; holes are not drawn
            x, y = project(ring[:, 0], ring[:, 1])
            xy = np.column_stack([x, y])
            xy.setflags(write=False)
            rings.append(xy)
            owner.append(i)
    allxy = np.concatenate(rings)
    owner_arr = np.asarray(owner, np.int64)
    owner_arr.setflags(write=False)
    return Shapes(tuple(keys), tuple(names), tuple(rings), owner_arr,
                  tuple(MplPath(r) for r in rings),
                  (float(allxy[:, 0].min()), float(allxy[:, 0].max()),
                   float(allxy[:, 1].min()), float(allxy[:, 1].max())))


@functools.cache
def municipalities(country: str = "nl") -> Shapes:
    """Municipal polygons (342 for the Netherlands, 2023 boundaries), keyed by gm_code."""
    return _load(DATA / country / "gemeenten_2023_simplified.geojson", "gm_code", "name")


@functools.cache
def provinces(country: str = "nl") -> Shapes:
    """Province polygons (12), keyed by province name."""
    return _load(DATA / country / "provincies_simplified.geojson", "province", "province")


def feature_at(shapes: Shapes, x: float, y: float) -> int | None:
    """Index of the feature whose polygon contains the map point (x, y), or None."""
    for ring, path in zip(range(len(shapes.paths)), shapes.paths):
        if path.contains_point((x, y)):
            return int(shapes.owner[ring])
    return None


def location_positions(munis_lon: np.ndarray, munis_lat: np.ndarray,
                       municipality: np.ndarray) -> np.ndarray:
    """Map positions of locations: their municipality's centroid, fanned out on a small spiral
    when a municipality holds several (the portfolio has no addresses). Deterministic."""
    mx, my = project(munis_lon, munis_lat)
    municipality = np.asarray(municipality, np.int64)
    pos = np.column_stack([mx[municipality], my[municipality]]).astype(float)
    order = np.argsort(municipality, kind="stable")
    m_sorted = municipality[order]
    first = np.searchsorted(m_sorted, m_sorted, side="left")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - first
    angle = rank * 2.39996  # golden angle
    r = 0.035 * np.sqrt(rank)
    pos[:, 0] += r * np.cos(angle)
    pos[:, 1] += r * np.sin(angle)
    return pos


@dataclass(frozen=True)
class Raster:
    """The municipal polygons rasterised once: `labels[y, x]` = feature index (-1 = none).

    Drawing a day's map is then a palette lookup `palette[labels]`; borders are precomputed
    pixel masks. `fig_px`, `axes_rect`, `xlim`, `ylim` give the figure layout the raster fits.
    """

    labels: np.ndarray
    muni_border: np.ndarray
    province_border: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    fig_px: tuple[int, int]
    axes_rect: tuple[float, float, float, float]
    dpi: int


def edges(lab: np.ndarray) -> np.ndarray:
    """Pixels whose right or lower neighbour has another value."""
    m = np.zeros(lab.shape, bool)
    m[:, :-1] |= lab[:, :-1] != lab[:, 1:]
    m[:-1, :] |= lab[:-1, :] != lab[1:, :]
    return m


def outline(mask: np.ndarray) -> np.ndarray:
    """A two-pixel outline around a region mask."""
    e = edges(mask.astype(np.int8)) & True
    out = e.copy()
    out[1:, :] |= e[:-1, :]
    out[:, 1:] |= e[:, :-1]
    return out


@functools.cache
def raster(country: str = "nl", width_px: int = 420, dpi: int = 80) -> Raster:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    shapes = municipalities(country)
    x0, x1, y0, y1 = shapes.bounds
    pad = 0.04
    xlim = (x0 - pad, x1 + pad)
    h_data = (y1 - y0) + 2 * pad
    height_px = round(width_px * h_data / (xlim[1] - xlim[0]))
    ylim = (y0 - pad, y0 - pad + h_data)
    # label image: each feature filled with a colour that encodes its index, no antialiasing
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    codes = shapes.owner + 1
    cols = np.column_stack([(codes % 256) / 255, (codes // 256) / 255, np.zeros(len(codes)), np.ones(len(codes))])
    ax.add_collection(PolyCollection(shapes.rings, facecolors=cols, edgecolors="none", linewidths=0,
                                     antialiased=False))
    fig.patch.set_facecolor((0, 0, 0, 1))
    canvas.draw()
    buf = np.asarray(canvas.buffer_rgba())[:, :, :3].astype(np.int64)
    labels = buf[:, :, 0] + 256 * buf[:, :, 1] - 1
    labels[labels >= len(shapes.keys)] = -1
    labels = labels.astype(np.int32)
    # province of each feature, from the province property of the municipal GeoJSON
    gj = json.loads((DATA / country / "gemeenten_2023_simplified.geojson").read_text(encoding="utf-8"))
    provs = sorted({f["properties"]["province"] for f in gj["features"]})
    f_prov = np.array([provs.index(f["properties"]["province"]) for f in gj["features"]] + [-1])
    muni_border = edges(labels)
    province_border = edges(f_prov[labels])
    province_border |= np.roll(province_border, 1, axis=1)
    for a in (labels, muni_border, province_border):
        a.setflags(write=False)
    k = width_px / 420                       # margins (title, colour bar, footer) grow with the map
    fig_w, top, bottom = width_px + int(20 * k), int(50 * k), int(110 * k)
    fig_h = height_px + top + bottom
    rect = (int(10 * k) / fig_w, bottom / fig_h, width_px / fig_w, height_px / fig_h)
    return Raster(labels, muni_border, province_border, xlim, ylim, (fig_w, fig_h), rect, dpi)

"""Loaders for the packaged real data in `model/data/<country>/` (sources in its SOURCES.md).

Every loader returns plain arrays or small tables and caches nothing mutable.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.scenario import KindName

DATA_DIR = Path(__file__).parent / "data"


def _rows(country: str, name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / country / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class MunicipalityTable:
    codes: list[str]
    names: list[str]
    province: list[str]
    region_code: list[str]
    region_name: list[str]
    population: np.ndarray
    lat: np.ndarray
    lon: np.ndarray


@functools.cache
def municipalities(country: str = "nl") -> MunicipalityTable:
    """All municipalities (CBS 2023) with province, safety region, population and centroid."""
    base = _rows(country, "gemeenten_2023.csv")
    regions = {r["gm_code"]: r for r in _rows(country, "gemeente_regios_2023.csv")}
    return MunicipalityTable(
        codes=[r["gm_code"] for r in base],
        names=[r["name"] for r in base],
        province=[r["province"] for r in base],
        region_code=[regions[r["gm_code"]]["vr_code"] for r in base],
        region_name=[regions[r["gm_code"]]["vr_name"] for r in base],
        population=np.array([int(r["population_2023"]) for r in base], np.int64),
        lat=np.array([float(r["centroid_lat"]) for r in base]),
        lon=np.array([float(r["centroid_lon"]) for r in base]),
    )


@functools.cache
def distance_km(country: str = "nl") -> tuple[list[str], np.ndarray]:
    """Great-circle distances between municipal centroids (km), with the code order."""
    with open(DATA_DIR / country / "gemeente_distance_km_2023.csv", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)[1:]
        mat = np.array([[float(x) for x in row[1:]] for row in reader], np.float32)
    mat.setflags(write=False)
    return header, mat


def adjacency(country: str = "nl") -> list[tuple[str, str, float]]:
    """Shared-border pairs (code a, code b, overlap km2 of 150 m buffers)."""
    return [(r["gm_code_a"], r["gm_code_b"], float(r["overlap_km2_of_150m_buffers"]))
            for r in _rows(country, "gemeente_adjacency_2023.csv")]


def provincial_targets(country: str = "nl", version: str = "opgave_1jan2024_total_77100") -> dict[str, int]:
    """Places per province in a published distribution (complete for the 1 Jan 2024 version)."""
    return {r["province"]: int(r["places_incl_amv"]) for r in _rows(country, "provincial_reception_targets.csv")
            if r["target_version"] == version}


_KIND_OF_TYPE: list[tuple[str, KindName]] = [
    (r"registration", "central"), (r"crisis", "crisis"), (r"emergency|temporary|winter|night|waiting", "emergency"),
    (r"regular", "regular"),
]


@dataclass(frozen=True)
class NamedLocation:
    name: str
    municipality: str
    kind: KindName
    places: int
    reference_date: str
    source_url: str
    note: str


def named_locations(country: str = "nl") -> list[NamedLocation]:
    """Locations named with capacity in news and COA pages (not a register)."""
    out = []
    for r in _rows(country, "coa_locations_partial_from_news.csv"):
        kind = next(k for pat, k in _KIND_OF_TYPE if re.search(pat, r["type"]))
        out.append(NamedLocation(r["location"], r["municipality"], kind, int(r["capacity"]),
                                 r["reference_date"], r["source_url"], r["note"]))
    return out


def housing_targets(country: str = "nl") -> dict[str, int]:
    """National half-yearly housing targets by period ('2025H2' -> persons), as published."""
    return {r["period"]: int(r["national_target_permit_holders_to_house"])
            for r in _rows(country, "huisvestingstaakstelling_nl.csv")}


@dataclass(frozen=True)
class TargetRevision:
    """When a half-year's published target (`data.housing_targets`) became known: `published`, the
    day its source is dated (None: not stated; set before its half-year, as targets are), and
    `earlier`, the figure in force before it where the source says it replaced one (persons)."""

    published: dt.date | None
    earlier: int | None


def housing_target_revisions(country: str = "nl") -> dict[str, TargetRevision]:
    """Per half-year of `huisvestingstaakstelling_nl.csv`: when its target was published and the
    figure it replaced (`TargetRevision`)."""
    return {r["period"]: TargetRevision(dt.date.fromisoformat(r["published"]) if r["published"] else None,
                                        int(r["earlier_target"]) if r["earlier_target"] else None)
            for r in _rows(country, "huisvestingstaakstelling_nl.csv")}


def _num(text: str) -> float | None:
    text = text.strip().lstrip("~")
    return float(text) if text else None


def occupancy_record(country: str = "nl") -> list[tuple[dt.date, int, int | None]]:
    """Recorded persons in COA reception (date, persons, permit holders or None)."""
    out = []
    for r in _rows(country, "coa_occupancy_nl.csv"):
        ph = _num(r["permit_holders_in_reception"])
        out.append((dt.date.fromisoformat(r["date"]), int(float(r["persons_in_coa_reception"])),
                    None if ph is None else int(ph)))
    return out


def relocation_record(country: str = "nl") -> dict[tuple[str, str], float]:
    """The published record of moves (verhuisbewegingen): (period, metric) -> value, from
    `relocation_moves_nl.csv` (units, populations and sources in the file)."""
    return {(r["period"], r["metric"]): float(r["value"]) for r in _rows(country, "relocation_moves_nl.csv")}


def emergency_contracts(country: str = "nl") -> list[dict[str, str]]:
    """Short contracts of emergency locations in the news record (`emergency_contracts_nl.csv`):
    opened, first end, first term in days, outcome at the first end, later end, source."""
    return _rows(country, "emergency_contracts_nl.csv")


def monthly_series_names(country: str = "nl") -> list[str]:
    """Names of the packaged monthly inflow series (files `inflow_monthly_*.csv`)."""
    return sorted(p.stem for p in (DATA_DIR / country).glob("inflow_monthly_*.csv"))


@functools.cache
def monthly_inflow(country: str, name: str) -> dict[tuple[int, int], tuple[float, float]]:
    """A packaged monthly inflow series: (year, month) -> (first applicants, family members),
    persons in that month. See SOURCES.md for how each series is made."""
    return {(int(r["year"]), int(r["month"])): (float(r["first_applications"]), float(r["nareizigers"]))
            for r in _rows(country, f"{name}.csv")}


def half_year(date: dt.date) -> str:
    return f"{date.year}H{1 if date.month <= 6 else 2}"

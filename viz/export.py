"""Downloads: daily figures as CSV and NetCDF, the scenario as YAML (plots come as PNG bytes)."""

from __future__ import annotations

import re

from model.results import netcdf_bytes
from model.scenario import Scenario, to_yaml


def file_stem(name: str) -> str:
    """A scenario's name as the start of a download's file name: letters, digits, '.', '_' and '-'
    only, runs of anything else one '-' ("baseline (changed)" -> "baseline-changed"; a name typed in
    a scenario file may hold spaces, slashes or quotes), never empty."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "noodplan"


def day_tag(days_simulated: int) -> str:
    """The day a download's figures are of, in its file name, counted as the page counts it (days by
    their index, as the model, daily.csv and the decision log do): after 7 days simulated the page
    says "End of day 6", and the file is `…-end-of-day6`; before any day, `…-start`."""
    return "start" if days_simulated <= 0 else f"end-of-day{days_simulated - 1}"


def daily_csv(results) -> bytes:
    return results.daily_frame().to_csv(index=False).encode("utf-8")


def daily_netcdf(results) -> bytes:
    """Made in memory (no temporary file: a full temporary folder cannot break it; `write_netcdf`)."""
    return netcdf_bytes(results.daily)


def scenario_yaml(sc: Scenario) -> bytes:
    return to_yaml(sc).encode("utf-8")

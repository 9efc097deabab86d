"""Downloads: daily figures as CSV and NetCDF, the scenario as YAML (plots come as PNG bytes)."""

from __future__ import annotations

from model.results import netcdf_bytes
from model.scenario import Scenario, to_yaml


def daily_csv(results) -> bytes:
    return results.daily_frame().to_csv(index=False).encode("utf-8")


def daily_netcdf(results) -> bytes:
    """Made in memory (no temporary file: a full temporary folder cannot break it; `write_netcdf`)."""
    return netcdf_bytes(results.daily)


def scenario_yaml(sc: Scenario) -> bytes:
    return to_yaml(sc).encode("utf-8")

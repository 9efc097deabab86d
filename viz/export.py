"""Downloads: daily figures as CSV and NetCDF, the scenario as YAML (plots come as PNG bytes)."""

from __future__ import annotations

import os
import tempfile

from model.scenario import Scenario, to_yaml


def daily_csv(results) -> bytes:
    return results.daily_frame().to_csv(index=False).encode("utf-8")


def daily_netcdf(results) -> bytes:
    fd, path = tempfile.mkstemp(suffix=".nc")
    os.close(fd)
    try:
        results.daily.to_netcdf(path, engine="h5netcdf")
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)


def scenario_yaml(sc: Scenario) -> bytes:
    return to_yaml(sc).encode("utf-8")

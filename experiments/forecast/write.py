"""The files of a forecast (the command writes them into `experiments.outputs.folder`, whole or not
at all, with `manifest.json`):

    assumptions.txt   what the forecast assumed, in words
    forecast.csv      bands at 6/12/24 months: quantity, breakdown (national, kind, province, no bed),
                      name, horizon_months, date, p05, p25, median, p75, p95, members
    daily.csv         national figures every day (the fan chart's numbers)
    forecast.nc       every member's daily figures (NetCDF), the assumptions in its attributes
    fan.png           the fan chart
"""

from __future__ import annotations

from pathlib import Path

from experiments.forecast.ensemble import Forecast
from experiments.forecast.fanchart import plot
from model.results import write_netcdf

FILES = ("assumptions.txt", "forecast.csv", "daily.csv", "forecast.nc", "fan.png")


def write_forecast(f: Forecast, folder: str | Path) -> dict[str, Path]:
    """Write the forecast's files into `folder` (an existing, empty folder)."""
    folder = Path(folder)
    (folder / "assumptions.txt").write_text("\n".join(f.assumptions()) + "\n", encoding="utf-8")
    f.table().to_csv(folder / "forecast.csv", index=False, float_format="%.1f")
    f.daily_bands().to_csv(folder / "daily.csv", index=False, float_format="%.1f")
    write_netcdf(f.dataset(), folder / "forecast.nc")
    plot(f, folder / "fan.png")
    return {name: folder / name for name in FILES}

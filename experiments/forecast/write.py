"""The files of a forecast, written whole or not at all (`publish.atomic_folder`):

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
from experiments.forecast.publish import atomic_folder

FILES = ("assumptions.txt", "forecast.csv", "daily.csv", "forecast.nc", "fan.png")


def write_forecast(f: Forecast, out: str | Path) -> dict[str, Path]:
    """Write the forecast's files into folder `out` (replacing it whole)."""
    out = Path(out)
    with atomic_folder(out) as tmp:
        (tmp / "assumptions.txt").write_text("\n".join(f.assumptions()) + "\n", encoding="utf-8")
        f.table().to_csv(tmp / "forecast.csv", index=False, float_format="%.1f")
        f.daily_bands().to_csv(tmp / "daily.csv", index=False, float_format="%.1f")
        f.dataset().to_netcdf(tmp / "forecast.nc", engine="h5netcdf")
        plot(f, tmp / "fan.png")
    return {name: out / name for name in FILES}

"""Forecasts: ensembles 6/12/24 months ahead from a run, a snapshot or recorded figures, and the
rolling-origin backtest that measures their skill against simple benchmarks (docs/forecast.md).

    record.py     the packaged record as known on an origin (refuses later figures)
    inflow.py     persistence inflow and its historical errors; inflow paths
    origins.py    where a forecast starts (a run, a snapshot file, recorded figures)
    ensemble.py   the ensemble and its bands (`run_forecast`, `Forecast`)
    fanchart.py   the fan chart
    publish.py    writing a folder whole or not at all
    write.py      the forecast's files
    baselines.py  persistence, seasonal naive and linear trend on the irregular record
    refit.py      the per-origin refit (only figures before the origin)
    rolling.py    the rolling-origin backtest
    cli.py        `noodplan forecast` (register(subparsers))
"""

"""Forecasts: ensembles 6/12/24 months ahead from a run, a snapshot or recorded figures, and the
rolling-origin backtest that measures their skill against simple benchmarks (docs/forecast.md).

    record.py     the packaged record as known on an origin (refuses later figures)
    inflow.py     persistence inflow and its historical errors; inflow paths
    origins.py    where a forecast starts (a run, a snapshot file, recorded figures)
    ensemble.py   the ensemble and its bands (`run_forecast`, `Forecast`)
    fanchart.py   the fan chart
    write.py      the forecast's files
    baselines.py  persistence, seasonal naive and linear trend on the irregular record
    refit.py      the per-origin refit (only figures before the origin)
    rolling.py    the rolling-origin backtest
    triggers.py   the plan's forecast_shortfall and prognosis_shortfall triggers compared (paired seeds)
    cli.py        `noodplan forecast` and `noodplan backtest --rolling`
"""

# The ranges of a forecast's arguments, on the command line and in the API (docs/input-contract.md);
# here, not in cli.py, so that the modules below it check them too and the parser still loads light.
MAX_MONTHS = 600                # months ahead: 50 years (the world of a run and its forecast fits MAX_DAYS)
MAX_MEMBERS = 1_000             # ensemble members
MAX_MEMBER_MONTHS = 40_000      # members x months: the members' daily figures kept (~40 values a member-day,
                                # 8 bytes each: about 400 MB), and hours of computing
MIN_OCCUPANCY = 0.5             # target occupancy for places needed: at least half full (as the portfolio's
                                # `replace_at_occupancy`); below, places needed run to many times the persons
                                # and, near 0, beyond any float (inf, then empty cells in the CSVs)

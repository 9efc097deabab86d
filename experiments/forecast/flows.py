"""Where a rolling-backtest forecast's persons come from: the chain's flows from one origin.

`flows(origin, months, members)` starts like the rolling backtest (`rolling.origin_scenario`,
`origins.from_record`: the record known on the origin, the IND on its budget) and runs `members`
members without inflow errors — on persistence, or (`inflow="recorded"`, known only later) on the
inflow that came — and sums, per member, the flows of the months after the origin (arrivals, IND
decisions, permits, refusals, housed, departures by route, Dublin transfers) with the stocks at the
origin and at the end (persons, permit holders, the IND's queue). The table in docs/forecast.md,
*Structure before tuning: the stock in procedure at the start*, was made with it:

    python -m experiments.forecast.flows 2017-01-01 12 3 [persistence|recorded] [procedure|queue]
"""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import pandas as pd

from experiments.forecast.origins import from_record, horizon_days
from experiments.forecast.record import RecordAsOf
from experiments.forecast.refit import ample
from experiments.forecast.rolling import BASE, MONTHS, RECORDED_SERIES, origin_scenario
from model.rulebook import run_day
from model.scenario import load_scenario

FLOWS = ("arrivals", "decisions", "permits", "appeal_permits", "rejections", "appeals", "exits_housed",
         "exits_departed", "departed_independent", "departed_forced", "departed_unsupervised", "exits_transferred")
STOCKS = ("population", "permit_holders_waiting", "ind_backlog")


def flows(origin: dt.date, months: int = 12, members: int = 3, inflow: str = "persistence",
          stock: str = "procedure", seed: int = 1) -> pd.DataFrame:
    """One row per member: each flow summed over the `months` after `origin`, and each stock at the
    end of the day before the origin (`*_start`) and at the end of the last day (`*_end`)."""
    if inflow not in ("persistence", "recorded"):
        raise ValueError(f"inflow: {inflow!r} (choose persistence or recorded)")
    rec = RecordAsOf(origin)
    sc, _, _ = origin_scenario(origin, "refit", load_scenario(BASE))
    sc = ample(sc, max(p.value for p in rec.points("population")))
    if inflow == "recorded":
        sc = sc.model_copy(deep=True)
        sc.inflow.monthly_series = RECORDED_SERIES
        o = from_record(origin, MONTHS, sc, record=rec, scenario_inflow=True, stock=stock)
    else:
        o = from_record(origin, MONTHS, sc, record=rec, stock=stock).with_persistence()
    first = o.start.origin_day
    end = first + horizon_days(origin, months)
    rows = []
    for seq in np.random.SeedSequence(seed).spawn(members):
        s = o.start.member(o.world, seq)
        s.sc.horizon_days = max(s.sc.horizon_days, end)
        r = s.recorder
        assert r is not None                      # a member always records
        r.extend(end)
        while s.day < end:
            run_day(s)
        x = r.scalars
        row = {k: float(x[k][first:end].sum()) for k in FLOWS}
        for k in STOCKS:
            row[f"{k}_start"] = float(x[k][first - 1]) if first > 0 else float("nan")
            row[f"{k}_end"] = float(x[k][end - 1])
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str]) -> None:
    origin = dt.date.fromisoformat(argv[0])
    months, members = (int(argv[1]), int(argv[2])) if len(argv) > 2 else (12, 3)
    inflow = argv[3] if len(argv) > 3 else "persistence"
    stock = argv[4] if len(argv) > 4 else "procedure"
    df = flows(origin, months, members, inflow, stock)
    print(df.agg(["mean", "min", "max"]).T.round(0).to_string())


if __name__ == "__main__":
    main(sys.argv[1:])

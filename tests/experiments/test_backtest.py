"""The backtest reports the right errors: a hand-made case, and the command end to end."""

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from experiments.backtest import compare, score
from experiments.history import RecordPoint
from model.scenario import load_scenario


def _hand_made():
    sc = load_scenario("hindcast-2020").model_copy(update={"horizon_days": 30})
    d0 = sc.start_date
    days = 30
    # three seeds; medians: population 110 on day 10, 180 on day 20; permit holders 40 on day 20
    pop = np.array([np.full(days, v) for v in (100.0, 110.0, 130.0)])
    pop[:, 20] = [170, 180, 185]
    ph = np.array([np.full(days, v) for v in (35.0, 40.0, 60.0)])
    zeros = np.zeros((3, days))
    series = {"population": pop, "permit_holders": ph, "emergency": zeros, "crisis": zeros, "unsheltered": zeros}
    points = [RecordPoint(d0, "population", 27305, "start"),
              RecordPoint(d0 + dt.timedelta(days=10), "population", 100, "hand"),
              RecordPoint(d0 + dt.timedelta(days=20), "population", 200, "hand"),
              RecordPoint(d0 + dt.timedelta(days=20), "permit_holders", 50, "hand")]
    return compare(sc, [1, 2, 3], series, points)


def test_hand_made_case_errors_mape_and_flee_ard():
    bt = _hand_made()
    t = bt.table
    assert list(t["sim_median"]) == [110, 110, 180, 40]
    assert list(t["error"]) == [110 - 27305, 10, -20, -10]
    assert list(t["scored"]) == [False, True, True, True]          # the start is the initial condition
    assert t["abs_pct_error"].iloc[1:].tolist() == pytest.approx([10.0, 10.0, 20.0])
    assert t["sim_p05"].iloc[1] == pytest.approx(101.0) and t["sim_p95"].iloc[1] == pytest.approx(128.0)
    s = bt.summary
    assert s["points"] == 3
    assert s["mape"] == pytest.approx((0.1 + 0.1 + 0.2) / 3)
    assert s["mape_population"] == pytest.approx(0.1)
    # Flee's ARD: day 10: |110-100|/100 = 0.1; day 20: (|40-50| + |140-150|)/200 = 0.1
    assert s["ard"] == pytest.approx(0.1)
    text = bt.report()
    assert "(MAPE) 13.3%" in text and "(ARD) 0.100" in text and "not scored" in text
    assert text.splitlines()[2].startswith("2020-06-01  persons in reception    27,305")   # words, not column names


def test_score_without_points_is_nan():
    s = score(pd.DataFrame(columns=["date", "quantity", "recorded", "sim_median", "scored"]).astype({"scored": bool}))
    assert s["points"] == 0 and np.isnan(s["mape"])


def test_writes_csv_and_png(tmp_path):
    paths = _hand_made().write(tmp_path)
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    back = pd.read_csv(paths["csv"])
    assert list(back["error"]) == [110 - 27305, 10, -20, -10]


def _cli(*args):
    # a command that hangs fails the test (named) instead of holding the run until CI's own limit
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_backtest_command_scores_a_record_file(tmp_path):
    sc = tmp_path / "short.yaml"
    sc.write_text("extends: hindcast-2020\nname: short\nhorizon_days: 20\n")
    rec = tmp_path / "rec.csv"
    rec.write_text("date,quantity,value,source\n2020-06-15,population,27000,hand\n2020-06-15,permit_holders,~6000,hand\n")
    r = _cli("backtest", str(sc), "--seeds", "2", "--jobs", "1", "--record", str(rec), "--out", str(tmp_path / "bt"))
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "bt" / "backtest-short.csv")
    assert len(t) == 4 and t["scored"].sum() == 2               # start snapshot (2 figures) + 2 hand-made
    scored = t[t["scored"]]
    ape = (scored["sim_median"] - scored["recorded"]).abs() / scored["recorded"]
    assert f"(MAPE) {ape.mean():.1%}" in r.stdout
    assert (tmp_path / "bt" / "backtest-short.png").exists()


@pytest.mark.parametrize("args, message", [
    (["backtest", "hindcast-2020", "--seeds", "0"], "--seeds: must be 1 to 10,000 (got 0)"),
    (["backtest", "no-such-scenario"], "no-such-scenario: no such scenario"),
    (["calibrate", "--budget", "0"], "--budget: must be 1 to 100,000 (got 0)"),
    (["calibrate", "--params", "ind_decisions,warp_speed"], "--params: unknown parameter 'warp_speed'"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, message):
    r = _cli(*args)
    assert r.returncode == 2
    assert message in r.stderr and r.stderr.count("\n") == 1


def test_bad_record_file_is_one_line(tmp_path):
    rec = tmp_path / "rec.csv"
    rec.write_text("date,quantity,value\n2020-13-01,population,5\n")
    r = _cli("backtest", "hindcast-2020", "--seeds", "1", "--record", str(rec), "--out", str(tmp_path))
    assert r.returncode == 2 and "--record: rec.csv: line 2: date must be a day written YYYY-MM-DD" in r.stderr
    assert r.stderr.count("\n") == 1


def test_a_record_saved_by_a_dutch_spreadsheet_reads_as_meant(tmp_path):
    # Excel with Dutch settings saves ';' between columns, a decimal comma and dates day-month-year; such a file
    # was refused ("columns separated by ';'? use ','"). Read as the same points a file written here holds.
    from experiments.history import read_points

    dutch = tmp_path / "dutch.csv"
    dutch.write_bytes(b"sep=;\r\ndate;quantity;value;source\r\n5-7-2025;population;2.100,5;COA, week 27\r\n"
                      b"06-07-2025;permit_holders;~300,25;COA\r\n")
    plain = tmp_path / "plain.csv"
    plain.write_text("date,quantity,value,source\n2025-07-05,population,2100.5,\"COA, week 27\"\n"
                     "2025-07-06,permit_holders,~300.25,COA\n")
    assert read_points(dutch) == read_points(plain) == [
        RecordPoint(dt.date(2025, 7, 5), "population", 2100.5, "COA, week 27"),
        RecordPoint(dt.date(2025, 7, 6), "permit_holders", 300.25, "COA", approx=True)]
    dutch.write_bytes(b"date;quantity;value\n5-7-2025;population;2,100\n")
    with pytest.raises(ValueError, match=r"dutch.csv: line 2: value '2,100': with ';' between columns the comma is a "
                                         r"decimal comma, so it reads as 2.1 persons; write 2100 if 2100 persons"):
        read_points(dutch)

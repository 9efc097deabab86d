"""The benchmark machinery works (never asserts timings) and the Mesa reference agrees with
noodplan on the chain subset they share."""

import sys

import numpy as np
import pytest

from agents.applicants import Stage
from experiments.bench import reference_mesa
from experiments.bench.reference_mesa import ReferenceModel, reference_scenario, run_reference
from experiments.bench import format_table, like_for_like, run_bench
from experiments.bench import floor as floor_mod
from experiments.bench import opcount
from experiments.bench import reference as reference_mod
from experiments.bench.floor import count_day, time_floor
from experiments.bench.measure import Setup, rule_names, time_per_rule
from model.simulate import prepare, simulate
from model.world import build_world


def test_reference_gives_the_same_aggregate_statistics_as_noodplan():
    sc = reference_scenario(days=120)
    w = build_world(sc)
    ref = {k: [] for k in ("arrivals", "decisions", "permits", "rejections", "housed", "departed")}
    nood = {k: [] for k in ref}
    for seed in (1, 2):
        hist = run_reference(sc, w, seed).history
        for k in ref:
            ref[k].append(sum(h[k] for h in hist))
        d = simulate(sc, seed=seed, world=w).daily
        got = dict(arrivals=d.arrivals, decisions=d.decisions, permits=d.permits, rejections=d.rejections,
                   housed=d.exits_housed, departed=d.exits_departed)
        for k in ref:
            nood[k].append(float(got[k].sum()))
    for k in ref:   # within sampling noise (a few per cent over 120 days)
        assert abs(np.mean(nood[k]) - np.mean(ref[k])) <= 0.08 * np.mean(ref[k]) + 30, k


def test_reference_scenario_seeds_the_same_stock_in_procedure_in_both_models():
    """The like-for-like workload: `stock` singles waiting for a decision on day 0 in both models,
    served at the same (scaled) decision capacity, fractions carried as noodplan carries them."""
    stock, scale = 3_000, 3.31       # 165.5 decisions a day: the fraction carries
    sc = reference_scenario(days=5, scale=scale, stock=stock)
    w = build_world(sc)
    s = prepare(sc, 1, 5, w)
    assert s.people.entitled() == stock == s.people.stage_persons[Stage.PROCEDURE]
    m = ReferenceModel(sc, w, seed=1)
    assert m.population() == stock == len(m.ind_queue)
    assert sc.chain.decisions_per_day["regular"] == 50 * scale
    base_places = sum(reference_scenario(5).portfolio.places.values())
    assert sum(sc.portfolio.places.values()) == pytest.approx(scale * base_places, abs=10)
    for _ in range(5):
        m.step()
    d = simulate(sc, seed=1, world=w).daily
    got = [h["decisions"] for h in m.history]
    assert got == [int(x) for x in d.decisions.values] and set(got) == {165, 166}
    mixed = sc.model_copy(update={"initial": sc.initial.model_copy(update={"permit_holder_share": 0.5})})
    with pytest.raises(ValueError):      # a stock with permit holders is not the reference's workload
        ReferenceModel(mixed, w)


def test_like_for_like_times_both_models_on_the_same_scenario_and_days(monkeypatch):
    """Structure, never timings: one scenario, one horizon, one stock for both models."""
    seen = {}
    headless = reference_mod.time_headless

    def spy_headless(setup, repeats=5):
        seen["noodplan"] = (setup.scenario, setup.days, setup.world)
        return headless(setup, repeats)

    class SpyReference(ReferenceModel):
        def __init__(self, scenario, world, seed=0, stock=None):
            seen["reference"] = (scenario, world, stock)
            super().__init__(scenario, world, seed, stock)

    monkeypatch.setattr(reference_mod, "time_headless", spy_headless)
    monkeypatch.setattr(reference_mesa, "ReferenceModel", SpyReference)
    r = like_for_like(2_000, days=4, repeats=1, reference_repeats=1)
    sc, days, w = seen["noodplan"]
    assert seen["reference"] == (sc, w, None)        # the very same scenario and world, stock from it
    assert days == sc.horizon_days == 4 == r["days"] == r["noodplan"]["days"] == r["reference"]["days"]
    assert sc.initial.entitled_persons == 2_000 == r["stock"] and r["scale"] == pytest.approx(2_000 / 70_000)
    # each model's own person-days: about the stock for each day (a few arrivals, few exits)
    for k in ("noodplan", "reference"):
        assert 4 * 2_000 <= r[k]["person_days"] <= 4 * 2_000 * 1.1, k
    assert r["speedup_cpu"] > 0 and r["speedup_wall"] > 0


@pytest.mark.slow
def test_counts_and_floor_and_rule_breakdown_cover_the_day():
    st = Setup.of("baseline", days=10)
    c = count_day(st)
    assert len(c.numpy_calls) == 10 and (c.numpy_calls > 0).all() and (c.transitions > 0).all()
    # operators and indexing counted in the subprocess, on a run identical to this one
    assert c.counting["identical_to_normal_run"] and c.counting["modules_rewritten"] >= 10
    assert set(c.ops) == set(opcount.CATEGORIES) and all(len(v) == 10 for v in c.ops.values())
    assert (c.ops["operator"] > 0).all() and (c.ops["gather"] > 0).all()
    assert (c.numpy_ops > c.numpy_calls).all()
    # the operations per rule of the day add up to the counting run's (run_day itself does no NumPy
    # work; this process's calls may be a few fewer when earlier tests filled module-level caches)
    assert set(rule_names()) | {"metrics.record"} <= set(c.ops_per_rule)
    counted = sum(int(c.ops[k].sum()) for k in opcount.ARRAY_CATEGORIES) + c.counting["numpy_calls"]
    assert sum(c.ops_per_rule.values()) * 10 == pytest.approx(counted)
    assert c.ops_per_rule["end_screening"] > 0 and c.ops_per_rule["metrics.record"] > 0
    assert len(time_floor(c, repeats=1)) == 1 and len(time_floor(c, repeats=1, ops=True)) == 1
    per = time_per_rule(st, repeats=1)
    assert {"arrive", "decide", "metrics.record"} <= set(per) and set(rule_names()) <= set(per)


def test_the_operations_floor_of_a_count_without_operations_is_refused_in_one_line():
    """A count made with `count_day(..., ops=False)` has no operations to replay: `time_floor(...,
    ops=True)` says so (it failed with "'NoneType' object is not subscriptable"); its calls floor
    still runs. Two days, 3 and 0 calls, 2 and 0 households touched: no model run needed."""
    c = floor_mod.DayCounts(numpy_calls=np.array([3, 0]), households_touched=np.array([2, 0]),
                            transitions=np.array([2, 0]), n_locations=4)
    with pytest.raises(ValueError, match="operations were not counted"):
        time_floor(c, repeats=1, ops=True)
    with pytest.raises(ValueError, match="operations were not counted"):
        _ = c.numpy_ops
    assert len(time_floor(c, repeats=2)) == 2


def test_call_counting_without_a_free_monitoring_tool_is_refused_in_one_line(monkeypatch):
    """Every sys.monitoring tool id it may use taken (by a profiler or debugger): a clear error,
    not a bare StopIteration; nothing was registered, so leaving is harmless."""
    monkeypatch.setattr(sys.monitoring, "get_tool", lambda tool_id: "someone else")
    counter = opcount.CallCounter()
    with pytest.raises(RuntimeError, match=r"no free sys\.monitoring tool id"):
        counter.__enter__()
    counter.__exit__(None, None, None)


CALLS_SAMPLE = """
import numpy as np


def calls(a, g):
    w = np.where(a > 1.0, a, 0.0)  # NumPy function 1 (the comparison is an operator, not a call)
    c = np.cumsum(w)               # NumPy function 2
    np.add.at(c, [0, 1], 1.0)      # ufunc method 3 (a method of np.add)
    s = a.sum()                    # array method 4: the CALL event gives the unbound ndarray.sum
    i = c.astype(np.int64)         # array method 5
    d = g.integers(0, 3, 2)        # generator method 6
    f = a.max                      # a bound method, taken as a value ...
    m = f()                        # ... and called: 7
    n = len(a) + int(s) + sorted([2, 1])[0]   # Python builtins: not counted
    return w, c, s, i, d, m, n
"""


def test_call_counter_counts_numpy_functions_and_array_methods_exactly(tmp_path):
    """Three NumPy functions (one a ufunc method), three methods (two of an array, one of a random
    generator) called as methods, one bound method called later: 7 calls; builtins not counted.
    (The counter before issue 15's fix saw 4: `a.sum()` and `c.astype()` compiled to method calls,
    and `np.add.at` is a method of the ufunc, reach the CALL event as unbound method descriptors.)
    Counting changes nothing: the results are those of an uncounted run."""
    code = compile(CALLS_SAMPLE, str(tmp_path / "sample.py"), "exec")
    ns: dict = {}
    exec(code, ns)

    def run():
        return ns["calls"](np.arange(5.0), np.random.default_rng(7))

    plain = run()
    with opcount.CallCounter(dirs=(str(tmp_path) + "/",)) as cc:
        counted = run()
    assert cc.n == 7
    for x, y in zip(plain, counted, strict=True):
        assert type(x) is type(y) and np.array_equal(x, y)
    with opcount.CallCounter() as cc:             # the caller is not model code: nothing counted
        run()
    assert cc.n == 0


def test_is_numpy_knows_methods_in_both_forms():
    a = np.arange(3)
    for yes in (np.where, np.add, np.add.at, np.ndarray.sum, a.sum, np.int64.item, np.int64(1).item,
                np.random.Generator.integers, np.random.default_rng(0).integers, np.ufunc.reduce):
        assert opcount.is_numpy(yes), yes
    for no in (len, sorted, list.append, [].append, dict.get, str.join, int.bit_length, lambda x: x):
        assert not opcount.is_numpy(no), no


def test_rules_are_restored_after_timing_and_results_unchanged():
    a = simulate("baseline", days=15)
    time_per_rule(Setup.of("baseline", days=5), repeats=1)
    b = simulate("baseline", days=15)
    assert a.daily.identical(b.daily)


@pytest.mark.slow
def test_bench_quick_runs_end_to_end(tmp_path):
    r = run_bench(repeats=1, quick=True, eu=False, memory=False, plot=str(tmp_path / "cost.png"),
                  log=lambda m: None)
    assert (tmp_path / "cost.png").exists()
    assert "baseline headless" in format_table(r)
    assert set(r["verdict"]) >= {"baseline_s", "baseline_over_floor", "mesa_over_headless", "speedup_over_reference"}
    # 60 days against a 730-day target: not judged
    assert r["verdict"]["baseline_s"] is None and "not judged (--quick)" in format_table(r)
    ll = r["like_for_like"]
    assert ll["baseline_population"]["stock"] == 70_000 and ll["large"]["stock"] > 70_000
    assert r["ratios"]["speedup_over_reference"] == ll["baseline_population"]["speedup_cpu"]
    assert "speedup_full_baseline_over_reference" in r["ratios"] and "like for like" in format_table(r)


def test_day_loop_under_pytest_benchmark(benchmark):
    """pytest-benchmark face (a short horizon; timings are reported, never asserted)."""
    st = Setup.of("baseline", days=20)
    from model import rulebook

    def run():
        s = st.fresh()
        for _ in range(st.days):
            rulebook.run_day(s)
        return s

    s = benchmark.pedantic(run, rounds=3, iterations=1)
    assert s.day == 20


SAMPLE = """
from __future__ import annotations
import numpy as np

class Box:
    arr: dict[str, int]          # annotations are never rewritten

    def __init__(self, a):
        self.arr = a


def sample(a, idx, n, box, calls):
    k = n * 2 + 1                 # Python ints: nothing
    lst = [1, 2, 3]
    lst[0] += 1                   # list: nothing
    d = {"x": a}
    d["y"] = 3                    # dict store: nothing
    ok = 0 <= k < 100             # Python chained comparison: nothing
    b = a + 1                     # operator 1
    m = b < 3                     # operator 2
    c = ~m                        # operator 3
    g = a[idx]                    # gather 1
    v = a[1:n]                    # view 1
    e = a[0]                      # element 1
    e2 = e + 1                    # NumPy scalar op 1 (not an array operation)
    a[idx] = 0                    # scatter 1
    a[1:3] = 5                    # slice store 1
    a[0] = 7                      # element store 1
    d["x"][idx] += 2              # gather 2, operator 4, scatter 2 (the dict look-up: nothing)

    def nxt():
        calls.append(1)
        return idx

    a[nxt()] -= 1                 # index evaluated once: gather 3, operator 5, scatter 3
    box.arr += 1                  # in place on an attribute: operator 6
    x = y = a[2:4]                # view 2 (once, bound twice)
    p, a[5] = 1, 9                # element store 2
    t = 3 in a                    # operator 7
    w = (z := a * 2) - 1          # operators 8 and 9 (walrus)
    f = lambda u: u * u           # lambda body: operator 10 when called
    q = f(a)
    one = np.ones(1)
    ch = one < 2 * one < 3 * one  # chain on arrays: operators 11-14 (2*, 3*, two comparisons)
    sc = 3 < 2 < calls.append(0)  # short-circuits: the last operand never evaluated
    s = a.sum()                   # a call, not counted here (the CALL count sees it)
    return k, lst, ok, b, m, c, g, v, e, e2, x is y, p, t, w, z, q, ch, sc, s, d["y"]
"""

EXPECTED = {"operator": 14, "gather": 3, "view": 2, "element": 1, "scatter": 3, "slice_store": 1,
            "element_store": 2, "scalar_op": 1}


def _run_sample(ns):
    a = np.arange(10.0)
    box = ns["Box"](np.zeros(3, np.int64))
    calls = []
    r = ns["sample"](a, np.array([1, 2]), 5, box, calls)
    return r, a, box.arr, calls


def test_rewriter_counts_array_operators_and_indexing_exactly_and_changes_nothing():
    plain = {}
    exec(compile(SAMPLE, "<plain>", "exec"), plain)
    ns = opcount.load_source(SAMPLE)
    opcount.reset()
    got = _run_sample(ns)
    counts = opcount.snapshot()
    want = _run_sample(plain)
    assert counts == EXPECTED, counts
    r, a, arr, calls = got
    r0, a0, arr0, calls0 = want
    assert calls == calls0 == [1]                       # the index of `a[nxt()] -= 1` evaluated once
    assert np.array_equal(a, a0) and np.array_equal(arr, arr0) and arr.dtype == np.int64
    for x, y in zip(r, r0, strict=True):
        assert type(x) is type(y) and np.array_equal(x, y)
    assert ns["Box"].__annotations__ == {"arr": "dict[str, int]"}


@pytest.mark.slow
def test_counting_run_never_leaks_into_this_process_and_mismatch_is_caught(monkeypatch):
    from model import rulebook

    c = count_day(Setup.of("baseline", days=3))
    assert c.counting["identical_to_normal_run"]
    assert opcount.HELPERS not in vars(rulebook)
    assert not any(isinstance(getattr(getattr(m, "__spec__", None), "loader", None), opcount._Loader)
                   for m in list(sys.modules.values()))
    real = floor_mod.recorder_digest
    monkeypatch.setattr(floor_mod, "recorder_digest", lambda rec: {**real(rec), "scalars.population": "x"})
    with pytest.raises(RuntimeError, match="differs from the normal run"):
        count_day(Setup.of("baseline", days=3))


def _result(baseline_s, eu_bytes, quick=False, machine="m1"):
    return {"when": "2026-11-30T10:00:00", "machine": machine, "quick": quick,
            "baseline": {"cpu_median_s": baseline_s}, "ratios": {"speedup_over_reference": 20.0},
            "eu-scale": {"cpu_median_s": 3.0, "memory": {"bytes_per_person": eu_bytes,
                                                          "process_peak_rss_bytes": 450e6}}}


def test_history_appends_key_figures_and_compares_with_the_previous_run_on_the_same_machine(tmp_path):
    from experiments.bench.track import append_history, format_change, history_line, read_history

    hist = tmp_path / "bench.jsonl"
    first = history_line(_result(1.0, 110.0), "aaa")
    assert first["baseline_cpu_s"] == 1.0 and first["eu_scale_peak_rss_mb"] == 450.0
    assert first["floor_cpu_s"] is None                     # figures a run did not measure stay empty
    assert append_history(hist, first) is None
    assert append_history(hist, history_line(_result(9.0, 1.0, machine="other"), "bbb")) is None
    assert append_history(hist, history_line(_result(0.5, 110.0, quick=True), "ccc")) is None
    now = history_line(_result(0.8, 82.5), "ddd")
    before = append_history(hist, now)
    assert before["commit"] == "aaa"                        # same machine, same quick flag
    assert [h["commit"] for h in read_history(hist)] == ["aaa", "bbb", "ccc", "ddd"]
    text = format_change(now, before)
    assert "baseline_cpu_s" in text and "-20.0%" in text and "better" in text
    assert "eu_scale_bytes_per_person" in text and "-25.0%" in text
    assert "speedup_over_reference" in text and "same" in text


def test_a_history_that_cannot_be_written_is_left_as_it_was(tmp_path, monkeypatch):
    """The history is rewritten whole: a full disk at the moment of writing leaves the earlier
    lines as they were and no half line (which would stop the next read) nor a temporary file."""
    import errno

    from experiments import outputs
    from experiments.bench.track import append_history, history_line, read_history

    hist = tmp_path / "bench.jsonl"
    append_history(hist, history_line(_result(1.0, 110.0), "aaa"))
    before = hist.read_bytes()

    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(outputs.os, "replace", full)
    full_disk = r"^--history: could not write .*bench\.jsonl \(No space left on device\)"
    with pytest.raises(outputs.OutputError, match=full_disk):
        append_history(hist, history_line(_result(0.8, 82.5), "bbb"))
    assert hist.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["bench.jsonl"]
    monkeypatch.undo()
    append_history(hist, history_line(_result(0.8, 82.5), "bbb"))
    assert [h["commit"] for h in read_history(hist)] == ["aaa", "bbb"]


def test_a_history_file_that_is_not_json_lines_is_named_in_one_line(tmp_path):
    from experiments.bench.track import read_history

    bad = tmp_path / "notes.txt"
    good = '{"when": "2026-12-01T10:00:00", "commit": "a", "machine": "m", "quick": false, "baseline_cpu_s": 1.5}'
    bad.write_text(good + '\nthis is not json\n')
    with pytest.raises(ValueError, match=r"notes.txt: line 2 is not JSON"):
        read_history(bad)


@pytest.mark.parametrize(("lines", "why"), [
    ('{"a": NaN}', "line 1 .* \\(no 'when', 'commit', 'machine', 'quick'\\)"),
    ('{"scenario": "baseline", "seed": 1, "status": "ok"}', "line 1 .* \\(no 'when', 'commit', 'machine', 'quick'\\)"),
    ('[1, 2, 3]', "line 1 .* \\(an array, not a JSON object\\)"),
    ('"text"', "line 1 .* \\(text, not a JSON object\\)"),
    ('{"when": null, "commit": null, "machine": "m", "quick": false}\n'
     '{"when": null, "commit": null, "machine": "m", "quick": "no"}',
     "line 2 .* \\('quick' is \"no\", not true or false\\)"),
    ('{"when": null, "commit": null, "machine": 7, "quick": false}', "line 1 .* \\('machine' is 7, not text\\)"),
    ('{"when": null, "commit": null, "machine": "m", "quick": false, "baseline_cpu_s": "1.2"}',
     "line 1 .* \\('baseline_cpu_s' is \"1.2\", not a number\\)"),
])
def test_a_json_lines_file_that_is_not_a_bench_history_is_refused_in_one_line(tmp_path, lines, why, monkeypatch,
                                                                             capsys):
    """`bench --history FILE` read any JSON lines as a history: another JSON-lines file (a log, a
    sweep's, `{"a": NaN}`) passed, and the benchmark's line was appended to it after its minutes (a
    key figure written as text ended the comparison in a TypeError). A line that is not one the
    bench writes is now refused, naming the file, the line and what is wrong, before the benchmark;
    the file is left as it was."""
    import experiments.bench as bench
    from experiments.bench.track import read_history
    from experiments.cli import main

    hist = tmp_path / "other.jsonl"
    hist.write_text(lines + "\n", encoding="utf-8")
    before = hist.read_bytes()
    with pytest.raises(ValueError, match=why):
        read_history(hist)
    ran = []
    monkeypatch.setattr(bench, "run_bench", lambda **kw: ran.append(1) or _result(1.0, 90.0))
    monkeypatch.setattr(bench, "format_table", lambda r: "TABLE")
    assert main(["bench", "--history", str(hist)]) == 2
    err = capsys.readouterr().err
    assert not ran and hist.read_bytes() == before
    assert err.startswith(f"noodplan: --history: {hist}: line ") and err.count("\n") == 1, err
    assert "is this a bench history file?" in err


def test_an_empty_or_missing_history_starts_one(tmp_path, monkeypatch, capsys):
    import experiments.bench as bench
    from experiments.bench.track import read_history
    from experiments.cli import main

    monkeypatch.setattr(bench, "run_bench", lambda **kw: _result(1.0, 90.0))
    monkeypatch.setattr(bench, "format_table", lambda r: "TABLE")
    empty, missing = tmp_path / "empty.jsonl", tmp_path / "missing.jsonl"
    empty.write_text("\n", encoding="utf-8")
    for hist in (empty, missing):
        assert main(["bench", "--history", str(hist)]) == 0
        assert "first comparable run" in capsys.readouterr().out
        assert [h["baseline_cpu_s"] for h in read_history(hist)] == [1.0]


def test_bench_cli_refuses_a_bad_history_file_before_the_benchmark(tmp_path, monkeypatch, capsys):
    import experiments.bench as bench
    from experiments.cli import main

    ran = []
    monkeypatch.setattr(bench, "run_bench", lambda **kw: ran.append(1) or _result(1.0, 90.0))
    monkeypatch.setattr(bench, "format_table", lambda r: "TABLE")
    bad = tmp_path / "history.txt"
    bad.write_text("not json\n")
    out = tmp_path / "bench.json"
    assert main(["bench", "--json", str(out), "--history", str(bad)]) == 2
    printed = capsys.readouterr()
    assert not ran and not out.exists() and printed.out == ""       # refused before the benchmark's minutes
    assert printed.err.strip().startswith("noodplan: --history: ") and printed.err.count("\n") == 1
    assert "line 1 is not JSON" in printed.err
    good = tmp_path / "history.jsonl"
    assert main(["bench", "--history", str(good)]) == 0
    assert main(["bench", "--history", str(good)]) == 0
    assert "change since" in capsys.readouterr().out and len(good.read_text().splitlines()) == 2


def test_instruction_cases_and_callgrind_summary_are_read_or_named_in_one_line(capsys, monkeypatch):
    from experiments.bench.instructions import collected, parse_cases
    from experiments.cli import main

    assert parse_cases("baseline:200, eu-scale:365") == [("baseline", 200), ("eu-scale", 365)]
    for bad in ("baseline", "baseline:0", "baseline:x", ":5"):
        with pytest.raises(ValueError, match="SCENARIO:DAYS"):
            parse_cases(bad)
    assert collected("==7== Events    : Ir\n==7== Collected : 1634012345\n==7==\n==7== I   refs:") == 1634012345
    with pytest.raises(RuntimeError, match="no 'Collected' line"):
        collected("valgrind: command failed\n")
    assert main(["bench", "--instructions", "nowhere:10"]) == 2
    assert "unknown scenario 'nowhere'" in capsys.readouterr().err
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert main(["bench", "--instructions"]) == 2
    assert "valgrind is not installed" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(__import__("shutil").which("valgrind") is None, reason="valgrind is not installed")
def test_instructions_count_the_day_loop_only():
    from experiments.bench.instructions import count_instructions

    got = count_instructions("baseline", 3, log=lambda m: None)
    # a baseline day executes some millions of instructions; imports and the world (billions) cancel out
    assert got["days"] == 3 and 1 < got["millions_per_day"] < 100


def test_by_rule_needs_instructions_in_one_line(capsys):
    from experiments.cli import main

    assert main(["bench", "--by-rule"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--by-rule" in err and "give --instructions too" in err


def test_the_parts_counted_by_rule_are_the_day_s_rules_in_order_then_extensions_and_recorder():
    from experiments.bench.instructions import counted_parts

    parts = counted_parts()
    assert parts[:4] == ["apply_events", "arrive", "register", "end_screening"]
    assert parts[-3:] == ["relocate", "extensions", "recorder"] and len(parts) == len(set(parts)) == 14


@pytest.mark.slow
@pytest.mark.skipif(__import__("shutil").which("valgrind") is None, reason="valgrind is not installed")
def test_instructions_by_rule_are_each_rule_s_own(monkeypatch):
    import experiments.bench.instructions as instructions

    # two rules and the whole day (three callgrind processes, not fifteen: the suite stays short)
    monkeypatch.setattr(instructions, "counted_parts", lambda: ["arrive", "recorder"])
    got = instructions.count_by_rule("baseline", 2, log=lambda m: None)
    parts, day = got["thousands_per_day"], got["whole_day_thousands"]
    # each rule counts only inside itself: both have work on a baseline day, and together they are a
    # part of the day (measured over 2 days: arrive 4.8 M, the recorder 3.2 M, the day 26.9 M)
    assert set(parts) == {"arrive", "recorder"} and parts["arrive"] > 100 and parts["recorder"] > 100
    assert parts["arrive"] + parts["recorder"] < 0.6 * day


@pytest.mark.slow
def test_a_failed_instruction_count_is_reported_and_the_timings_are_kept(monkeypatch):
    import experiments.bench.instructions as instructions

    def killed(name, days, log):
        raise RuntimeError(f"instruction count of {name} failed: Killed")

    monkeypatch.setattr(instructions, "count_instructions", killed)
    r = run_bench(repeats=1, quick=True, eu=False, reference=False, memory=False,
                  instructions=[("baseline", 5)], log=lambda m: None)
    assert r["baseline"]["cpu_median_s"] > 0
    assert r["instructions"]["baseline:5"] == {"scenario": "baseline", "days": 5,
                                               "error": "instruction count of baseline failed: Killed"}
    assert "not counted: instruction count of baseline failed: Killed" in format_table(r)
    r["instructions"]["baseline:5"] = {"scenario": "baseline", "days": 5, "millions": 50.0, "millions_per_day": 10.0,
                                       "by_rule": {"arrive": 1000.0, "end_screening": 2500.0}, "by_rule_day": 10_000.0}
    table = format_table(r)
    assert "10.00 M/day" in table and table.index("inside end_screening") < table.index("inside arrive")
    assert "2,500 k/day" in table and "25.0% of the day" in table and "10.0% of the day" in table


@pytest.mark.slow
def test_soak_reports_every_year_and_keeps_the_books():
    from experiments.bench.soak import format_soak, soak

    r = soak(years=2)
    assert [row["year"] for row in r["per_year"]] == [1, 2]
    assert r["mass_balance_max_error"] == 0 and r["stage_counts_match"]
    first, second = r["per_year"]
    assert second["households_ever"] > first["households_ever"] and second["moves_logged"] > first["moves_logged"]
    assert "soak: stable-stock 2 years" in format_soak(r)[0][0]

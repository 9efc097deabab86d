"""The paired comparison's key figures read from the event log."""

from types import SimpleNamespace

import pytest

from experiments.compare import KEY_FIGURES, _municipal_places
from model.plan import PlanRuntime
from model.scenario import Action
from model.simulate import prepare


def _event(what, detail, source="plan", day=3):
    return {"day": day, "date": "2022-01-04", "source": source, "where": "national", "what": what, "detail": detail}


def test_municipal_places_add_what_was_delivered_via_the_provinces():
    events = [
        _event("request emergency places via provinces", "asked 1,000, delivered 750 (75%), opening in 21 days"),
        _event("request crisis places via provinces", "asked 200, delivered 0 (0%), opening in 3 days"),
        _event("request emergency places via coa", "asked 500, delivered 500 (100%), opening in 21 days"),
        _event("request emergency places via provinces", "delivered 9,999", source="decision"),
    ]
    # 750 + 0 via the provinces; the COA contract and the non-plan line do not count
    assert _municipal_places(SimpleNamespace(events=events)) == 750.0
    figure = KEY_FIGURES["municipal_places"][2]
    assert figure(SimpleNamespace(events=events), {}) == 750.0


def test_a_request_line_without_its_delivered_places_is_named():
    events = [_event("request emergency places via provinces", "asked 1,000", day=12)]
    with pytest.raises(ValueError, match="day 12: 'request emergency places via provinces' does not say"):
        _municipal_places(SimpleNamespace(events=events))


def test_municipal_places_read_the_plans_own_line():
    """The figure parses model.plan's wording: a request via the provinces on a real state."""
    s = prepare("baseline", days=10)
    s.plan = PlanRuntime(s, s.sc.plan)
    a = Action(type="request_places", kind="emergency", places=5000, via="provinces", lead_time_days=30)
    done = s.plan._do_request_places(s, 0, -1, a)
    delivered = int(s.locs.capacity[done.locations].sum())
    assert delivered > 0
    assert _municipal_places(SimpleNamespace(events=s.event_log)) == delivered


_SPAWNED = '''import json, multiprocessing, sys
from experiments.compare import compare
{guard}{indent}multiprocessing.set_start_method(sys.argv[1])
{indent}c = compare("tiny.yaml", "tiny.yaml", runs=2, days=3, seed=4, workers=int(sys.argv[2]))
{indent}print(json.dumps(c.rows()))
'''


def test_compare_from_a_scripts_top_level_under_spawn_is_refused_in_one_line(tmp_path):
    """`compare(...)` at a script's top level, without `if __name__ == "__main__":`, under the spawn
    and forkserver start methods (macOS; Python 3.14's default on Linux): each worker ran the script
    again, which died of it (the start method set twice), and the script ended in a traceback ending
    "BrokenProcessPool: A process in the process pool was terminated abruptly". Now it is refused in
    one line naming the script's line and what to do, before any run; the same call under the guard
    runs, and gives what one process gives (2 runs each of a tiny scenario, 3 days)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.bad_inputs.cases import TINY

    method = "spawn"            # forkserver reruns the script too: the sweep's test (test_sweep_docs.py)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    (tmp_path / "top.py").write_text(_SPAWNED.format(guard="", indent=""), encoding="utf-8")
    (tmp_path / "guarded.py").write_text(_SPAWNED.format(guard='if __name__ == "__main__":\n', indent="    "),
                                         encoding="utf-8")

    def run(script: str, workers: int) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, script, method, str(workers)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)

    top = run("top.py", 2)
    last = top.stderr.strip().splitlines()[-1]
    assert top.returncode == 1 and last == (
        f"model.scenario.ScenarioError: workers: compare starts worker processes, and each runs the main script "
        f"again on start ({method}): top.py:4 calls this outside `if __name__ == \"__main__\":`, so every worker "
        f"would start compare again; put the script's calls under it, or use workers=1"), top.stderr
    assert "BrokenProcessPool" not in top.stderr and top.stdout == ""
    alone = run("top.py", 1)                    # one process starts no worker: nothing to refuse
    guarded = run("guarded.py", 2)
    assert alone.returncode == 0 and guarded.returncode == 0, alone.stderr + guarded.stderr
    assert json.loads(guarded.stdout) == json.loads(alone.stdout)


def test_the_table_cuts_no_label_unit_or_scenario_name():
    """`noodplan compare`'s table once cut labels at 36 characters and units and names at 14
    ("moves to a family location after a r", "per person-yea", "day (end: neve")."""
    import numpy as np

    from experiments.compare import Comparison

    values = {k: np.array([1.0, 3.0]) for k in KEY_FIGURES}
    table = Comparison("stable-stock", "a-much-longer-variant-name", [1, 2], values,
                       {k: v + 2 for k, v in values.items()}).table()
    lines = table.splitlines()
    assert lines[0] == "Paired comparison on 2 seed(s) 1…2 (A = stable-stock, B = a-much-longer-variant-name)"
    assert lines[1].split() == ["key", "figure", "unit", "stable-stock", "a-much-longer-variant-name", "B", "-", "A",
                                "95%", "CI"]
    assert len({len(line) for line in lines[1:3]}) == 1                    # the rule is as wide as the head
    for (label, unit, _), line in zip(KEY_FIGURES.values(), lines[3:], strict=True):
        assert line.startswith(label) and f" {unit} " in line
        assert line.split()[-5:] == ["2", "4", "2", "[2,", "2]"]           # means 2 and 4, B - A = 2 on both seeds
    assert "moves to a family location after a rejection" in table
    assert "day from the start (never: the days run)" in table

"""The process pools of compare, backtest, forecast and calibrate (`experiments.outputs.process_pool`):
one start method for all, the forkserver the sweep's executors use, except for a script that calls
the API at its top level without `if __name__ == "__main__":` (fork, which does not run it again)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bad_inputs.cases import TINY

ROOT = Path(__file__).resolve().parents[2]
WARN = "multi-threaded"     # Python 3.12: "This process (pid=…) is multi-threaded, use of fork() may lead to …"


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "always::DeprecationWarning"}
    env.pop("JE_ARROW_MALLOC_CONF", None)
    return env


@pytest.fixture
def tiny(tmp_path) -> Path:
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    return tmp_path


def _cli(folder: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.cli", *argv], cwd=folder, env=_env(),
                          capture_output=True, text=True, timeout=300)


def test_compare_and_forecast_workers_start_without_a_fork_of_a_multi_threaded_process(tiny):
    """`noodplan compare --workers 2` and `noodplan forecast --jobs 2` forked their workers from the
    command's own process, which holds threads by then (pyarrow's jemalloc thread, from pandas):
    with warnings on, each worker's start printed "DeprecationWarning: This process (pid=…) is
    multi-threaded, use of fork() may lead to deadlocks in the child" -- a real risk: a lock another
    thread held at the fork stays locked in the child for ever. They now fork from the sweep's
    single-threaded forkserver; the figures are those of one process, to the byte."""
    args = ("compare", "tiny.yaml", "tiny.yaml", "--runs", "2", "--days", "3")
    one, two = _cli(tiny, *args, "--workers", "1"), _cli(tiny, *args, "--workers", "2")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert WARN not in two.stderr and "Traceback" not in two.stderr, two.stderr
    assert two.stdout == one.stdout
    fc = ("forecast", "--from-run", "tiny.yaml", "--months", "1", "--members", "3")
    one = _cli(tiny, *fc, "--jobs", "1", "--out", "one")
    two = _cli(tiny, *fc, "--jobs", "2", "--out", "two")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert WARN not in two.stderr and "Traceback" not in two.stderr, two.stderr
    for name in ("forecast.csv", "daily.csv", "forecast.nc"):
        assert (tiny / "two" / name).read_bytes() == (tiny / "one" / name).read_bytes(), name


_SCRIPT = '''import json, threading, time
from experiments.compare import compare
from experiments.outputs import pool_context
{guard}{indent}threading.Thread(target=time.sleep, args=(30,), daemon=True).start()   # a thread of the user's own
{indent}print(pool_context().get_start_method())
{indent}c = compare("tiny.yaml", "tiny.yaml", runs=2, days=3, seed=4, workers=2)
{indent}print(json.dumps(c.rows()))
'''


def test_the_api_forks_from_the_forkserver_and_a_script_without_a_main_guard_still_runs(tiny):
    """The Python API: a guarded script (a notebook alike) that holds a thread of its own gets its
    workers from the forkserver, without the warning; a script that calls `compare(..., workers=2)` at
    its top level, outside `if __name__ == "__main__":`, is not refused (the forkserver would run it
    again in every worker): its workers are forked, as before. Both give the same rows."""
    (tiny / "top.py").write_text(_SCRIPT.format(guard="", indent=""), encoding="utf-8")
    (tiny / "guarded.py").write_text(_SCRIPT.format(guard='if __name__ == "__main__":\n', indent="    "),
                                     encoding="utf-8")
    runs = {s: subprocess.run([sys.executable, s], cwd=tiny, env=_env(), capture_output=True, text=True,
                              timeout=300) for s in ("top.py", "guarded.py")}
    for done in runs.values():
        assert done.returncode == 0, done.stderr
    top, guarded = (runs[s].stdout.splitlines() for s in ("top.py", "guarded.py"))
    assert guarded[0] == "forkserver" and WARN not in runs["guarded.py"].stderr, runs["guarded.py"].stderr
    assert top[0] == "fork"
    assert json.loads(top[1]) == json.loads(guarded[1])


def test_a_start_method_fixed_by_a_lock_is_not_taken_for_the_users_choice(monkeypatch):
    """Any `multiprocessing.Lock()` fixes the default start method ('fork' on Linux): tqdm's progress
    bar makes one, and the forecast's workers were then forked from the command. 'fork' set so is not
    a choice; 'spawn' set by the user is."""
    import multiprocessing

    from experiments import outputs

    started = []
    monkeypatch.setattr(outputs, "forkserver", lambda: started.append(1) or multiprocessing.get_context("forkserver"))
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "fork")
    assert outputs.pool_context().get_start_method() == "forkserver" and started == [1]
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "forkserver")
    assert outputs.pool_context().get_start_method() == "forkserver" and started == [1, 1]   # ours, preloaded
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "spawn")
    assert outputs.pool_context().get_start_method() == "spawn" and started == [1, 1]

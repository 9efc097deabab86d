"""Ctrl+C (SIGINT to the command's process group, as a terminal sends it) in the middle of every
long command, through the console command users type (`viz.entry`): exit code 130, one line on
stderr, no traceback, and the targets as they were -- absent, never half-written, no temporary
folder or file left (docs/outputs.md, *Whole or absent*). Start-up, writing and resuming are tested
where each is made (tests/experiments/test_outputs.py, test_rolling_resume.py, test_sweep_store.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.atomic import PARTIAL
from tests.bad_inputs.cases import TINY

ROOT = Path(__file__).resolve().parents[2]
DESIGN = """\
name: small
scenario: tiny.yaml
parameters:
  - {name: housing_supply, path: housing.supply_persons_per_year, uniform: [15000, 45000], levels: 3}
sampler: {method: grid}
replicates: 20
outputs: {kpis: [permit_holders_end, peak_population]}
"""

# each command with the targets it would write; all compute for seconds after their first simulated day
COMMANDS = {
    "compare": (["compare", "baseline", "baseline", "--runs", "10", "--out", "t.csv"], ["t.csv"]),
    "backtest": (["backtest", "hindcast-2015", "--seeds", "2", "--out", "bt"], ["bt"]),
    "rolling": (["backtest", "--rolling", "--members", "1", "--origins", "2019-07-01..2020-01-01", "--out", "r"],
                ["r", "r.origins"]),
    "calibrate": (["calibrate", "--budget", "8", "--seeds", "1", "--dry-run", "--out", "c"], ["c"]),
    "forecast": (["forecast", "--from-record", "2020-01-01", "--members", "8", "--out", "f"], ["f"]),
    "sweep": (["sweep", "d.yaml", "--out", "st", "--executor", "serial"], []),
    "bench": (["bench", "--quick", "--json", "b.json"], ["b.json"]),
    "run": (["run", "baseline", "--days", "3650", "--out", "out"], ["out"]),
}

# The sign that a command is computing, not still importing: the model's first simulated day done, in
# the command's process or in any worker it started (a forkserver's worker is a new Python, which runs
# `sitecustomize` too). Each process that finishes a day creates the file named in STARTED_ENV.
STARTED_ENV = "NOODPLAN_TEST_STARTED"
SITECUSTOMIZE = f'''\
import os

if os.environ.get("{STARTED_ENV}"):
    from model import rulebook

    _run_day = rulebook.run_day

    def run_day(s):
        _run_day(s)
        if rulebook.run_day is run_day:       # once per process
            rulebook.run_day = _run_day
            open(os.environ["{STARTED_ENV}"], "a").close()

    rulebook.run_day = run_day
'''
START_TIMEOUT_S = 300       # a busy CI machine; the wait ends as soon as a day is done


def _wait_until_computing(p: subprocess.Popen, started: Path) -> None:
    """Poll until `started` exists (a day simulated); fail with the command's output if it ends first."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not started.exists():
        assert p.poll() is None, p.communicate()           # ended before computing a day
        assert time.monotonic() < deadline, f"no simulated day in {START_TIMEOUT_S} s"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COMMANDS))
def test_ctrl_c_mid_run_is_one_line_exit_130_and_nothing_written(tmp_path, tmp_path_factory, name):
    argv, targets = COMMANDS[name]
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "d.yaml").write_text(DESIGN)
    hook = tmp_path_factory.mktemp("started-sign")          # outside the command's folder, whose files are checked
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    started = hook / "started"
    cmd = [sys.executable, "-c", "import sys; from viz.entry import main; sys.exit(main())", *argv]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]), STARTED_ENV: str(started)}
    # a session of its own, Ctrl+C's default restored (a shell without job control starts it ignored)
    p = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_until_computing(p, started)
    assert p.poll() is None, p.communicate()         # still computing: the signal comes mid-run
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    said = [line for line in err.splitlines() if line.startswith("noodplan")]
    assert p.returncode == 130 and "Traceback" not in err and "Exception ignored" not in err, err
    assert len(said) == 1 and "interrupted" in said[0], err
    left = sorted(q.name for q in tmp_path.iterdir())
    assert not [n for n in left if PARTIAL in n or n in targets], left          # untouched: nothing half-written
    if name == "sweep" and (tmp_path / "st").exists():                        # a store: resumable, whole batches
        assert (tmp_path / "st" / "manifest.json").is_file() and "Run the same command to resume" in said[0]


@pytest.mark.parametrize("start", [
    "from viz import entry; sys.exit(entry.main())",                                  # the console command
    "import runpy; runpy.run_module('experiments.cli', run_name='__main__')",          # python -m experiments.cli
])
def test_ctrl_c_while_either_entry_starts_is_one_line_exit_130_before_anything_runs(tmp_path, start):
    """Both ways in hold a Ctrl+C from their first line until the command answers it (`experiments.entry`);
    `python -m experiments.cli` had no hold: a Ctrl+C in its first 0.3 s (its imports) ended in a traceback,
    and one just after them ran the command (round 21b). The signal comes as the hold begins."""
    (tmp_path / "tiny.yaml").write_text(TINY)
    code = "\n".join([
        "import os, signal, sys",
        "from experiments import outputs",
        "hold = outputs.hold_interrupts",
        "def hold_then_ctrl_c(noted=()):",
        "    hold(noted)",
        "    os.kill(os.getpid(), signal.SIGINT)",
        "outputs.hold_interrupts = hold_then_ctrl_c",
        "sys.argv[1:] = ['run', 'tiny.yaml', '--days', '3', '--out', 'out']",
        start,
    ])
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)},
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert (p.returncode, p.stdout) == (130, ""), (p.returncode, p.stdout, p.stderr)
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("noodplan: interrupted"), p.stderr
    assert not (tmp_path / "out").exists()

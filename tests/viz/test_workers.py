"""The dashboard's threads end with the process that runs them (`viz.workers`): told to stop at the
interpreter's exit and waited for, so a server stopped while a Play or a page's job runs exits cleanly;
a Cancel ends a page's job at its next day."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from tests.viz import conftest
from viz import workers
from viz.background import BackgroundJob


@pytest.fixture(autouse=True)
def own_threads(monkeypatch):
    """The threads of this test only (not those other tests of the process left running)."""
    monkeypatch.setattr(workers, "_live", {})


def test_stop_all_tells_each_thread_to_stop_and_waits_for_it():
    steps: list[int] = []
    stop = threading.Event()

    def work() -> None:
        while not stop.wait(0.01):
            steps.append(1)
        time.sleep(0.2)                 # a last step after the stop (a day being finished)
        steps.append(2)
    t = workers.start(work, "test-worker", stop)
    assert t.daemon and t.name == "test-worker" and t in workers.running()
    assert workers.stop_all(grace_s=5) == []
    assert stop.is_set() and not t.is_alive() and steps[-1] == 2     # waited for its last step
    assert t not in workers.running()


def test_a_thread_that_does_not_stop_is_left_after_the_grace():
    stop, release = threading.Event(), threading.Event()
    t = workers.start(release.wait, "test-stuck", stop)
    began = time.monotonic()
    try:
        assert workers.stop_all(grace_s=0.3) == [t]
        assert 0.3 <= time.monotonic() - began < 3
    finally:
        release.set()
        t.join(5)
    assert workers.running() == []


def test_a_cancelled_job_ends_at_its_next_progress_report_without_a_result_or_error():
    """A comparison reports its progress every simulated day: Cancel ends it there, not when the run
    in progress ends (a two-year eu-scale run takes minutes)."""
    results: list[object] = []
    reports = threading.Event()
    days: list[int] = []

    def work(progress, cancelled) -> str:
        for day in range(100_000):
            days.append(day)
            progress(day / 100_000)
            reports.set()
            time.sleep(0.001)
        return "done"
    job = BackgroundJob(results.append)
    job.start(work)
    assert reports.wait(10)
    job.cancel()
    for t in workers.running():
        t.join(5)
    assert not workers.running()
    assert results == [] and job.error.value == "" and not job.running.value
    assert len(days) < 100_000


# each thread of the UI, busy where a kill at the interpreter's exit aborts the process: a page's job validating
# scenarios (pydantic-core) and a fast Play stepping and drawing the map (matplotlib)
_BUSY_UI = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
from model.scenario import load_scenario
from viz.app import take_kit
from viz.background import BackgroundJob
from viz.player import Player

def validating(progress, cancelled):
    i = 0
    while True:
        load_scenario("mass-arrival")
        i += 1
        progress(min(0.99, i / 1000))

BackgroundJob(lambda out: None).start(validating)
session, canvas = take_kit()

def step(n):
    load_scenario("baseline")
    return n

def show(frame):
    canvas.update(session)
    canvas.png()

Player(step, show).play(float("inf"))
time.sleep(float(sys.argv[1]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.5, 2.0])
def test_a_process_that_ends_while_the_ui_threads_work_exits_cleanly(after):
    """The interpreter ends while a page's job and a Play run (a server stopped by Ctrl+C mid-Play): it
    exits 0. Before, their daemon threads were killed mid-call: SIGABRT in 4 of 4 such exits."""
    done = subprocess.run([sys.executable, "-c", _BUSY_UI, str(after)], cwd=conftest.ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]

"""Results are whole or absent (experiments/outputs.py, docs/outputs.md).

A target folder holds one complete run (with a manifest whose hashes match its files) or what it
held before: never a mix of two runs, never a half-written set, never a temporary folder left
behind, whether the command finished, was refused, or was stopped by Ctrl+C or SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments import cli, outputs
from tests.bad_inputs.cases import TINY
from tests.bad_inputs.measure import snapshot

CLOSE_EVENT = "events: [{date: 2025-07-02, action: close, kind: emergency, places: 100, label: contract ends}]\n"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _this_checkout(monkeypatch):
    """The commands started here import this checkout's code whatever folder they start in: with a
    relative PYTHONPATH (or none) they imported the installed noodplan's, another checkout's code."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "with-event.yaml").write_text("extends: tiny.yaml\nname: with-event\n" + CLOSE_EVENT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _manifest_matches(out: Path) -> dict:
    m = json.loads((out / outputs.MANIFEST).read_text())
    on_disk = {p.name for p in out.iterdir()} - {outputs.MANIFEST}
    assert set(m["files"]) == on_disk
    for name, entry in m["files"].items():
        assert entry["sha256"] == outputs.sha256(out / name) and entry["bytes"] == (out / name).stat().st_size
    return m


def test_a_second_run_is_refused_and_force_replaces_everything(folder, capsys):
    out = folder / "out"
    assert cli.main(["run", "with-event.yaml", "--days", "3", "--out", "out"]) == 0
    closures = [d for d in pd.read_csv(out / "events.csv")["detail"] if d.startswith("contract ends: ")]
    assert len(closures) == 1 and "closed" in closures[0]
    m = _manifest_matches(out)
    assert m["scenario"] == "with-event" and m["days"] == 3 and m["seed"] == 20250701
    assert len(m["scenario_sha256"]) == 64 and m["code_version"]
    before = snapshot(out)
    capsys.readouterr()
    assert cli.main(["run", "tiny.yaml", "--days", "3", "--out", "out"]) == 2
    assert "already holds" in capsys.readouterr().err and snapshot(out) == before
    # --force: the new run replaces the old one entirely; no stale events.csv row survives
    assert cli.main(["run", "tiny.yaml", "--days", "4", "--seed", "5", "--out", "out", "--force"]) == 0
    assert not any(d.startswith("contract ends") for d in pd.read_csv(out / "events.csv")["detail"])
    assert len(pd.read_csv(out / "daily.csv")) == 4
    m2 = _manifest_matches(out)
    assert m2["scenario"] == "tiny" and m2["seed"] == 5
    # the same code's files: the same hash in both runs' manifests, the one this noodplan computes
    assert m["code_sha256"] == m2["code_sha256"] == outputs.code_sha256()
    assert len(m2["code_sha256"]) == 64 and m2["code_version"] == m["code_version"]
    assert sorted(p.name for p in folder.iterdir()) == ["out", "tiny.yaml", "with-event.yaml"]   # no temp left


def test_the_code_hash_changes_with_a_model_source_file_and_only_with_the_code(tmp_path):
    """`git describe --dirty` says only "dirty" for an edited checkout, and nothing without git (an
    installed package): a manifest's `code_sha256` is a hash of the code's files themselves. On a
    copy of agents/, model/ and experiments/ it is the hash this noodplan records; an edit of a model
    source file changes it, undoing the edit gives it back, and a cache or a file of another package
    (viz/) does not count."""
    root = Path(outputs.__file__).resolve().parents[1]
    copy = tmp_path / "code"
    for package in outputs.CODE_PACKAGES:
        shutil.copytree(root / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    own = outputs.code_sha256()
    assert outputs.code_sha256(copy) == own and len(own) == 64
    rulebook = copy / "model" / "rulebook.py"
    text = rulebook.read_bytes()
    rulebook.write_bytes(text + b"# an uncommitted edit\n")
    edited = outputs.code_sha256(copy)
    assert edited != own
    rulebook.write_bytes(text)
    assert outputs.code_sha256(copy) == own
    (copy / "model" / "__pycache__").mkdir()
    (copy / "model" / "__pycache__" / "rulebook.cpython-312.pyc").write_bytes(b"compiled")
    (copy / "viz").mkdir()
    (copy / "viz" / "app.py").write_text("shown, not computed\n")
    assert outputs.code_sha256(copy) == own
    (copy / "model" / "rulebook.py").rename(copy / "model" / "rules.py")    # a file renamed is other code
    assert outputs.code_sha256(copy) not in (own, edited)


def test_force_never_deletes_files_noodplan_did_not_write(folder, capsys):
    (folder / "out").mkdir()
    (folder / "out" / "thesis.docx").write_text("years of work")
    assert cli.main(["run", "tiny.yaml", "--days", "2", "--out", "out", "--force"]) == 2
    assert "did not write (thesis.docx)" in capsys.readouterr().err
    assert (folder / "out" / "thesis.docx").read_text() == "years of work"
    with pytest.raises(outputs.OutputError, match="working folder"):
        outputs.check_folder(".", force=True)


def test_an_exception_while_writing_leaves_the_target_as_it_was(folder):
    out = folder / "out"
    out.mkdir()
    (out / "daily.csv").write_text("old")
    with pytest.raises(RuntimeError), outputs.folder(out, force=True) as tmp:
        (tmp / "daily.csv").write_text("new")
        raise RuntimeError("disk full")
    assert (out / "daily.csv").read_text() == "old"
    assert sorted(p.name for p in folder.iterdir()) == ["out", "tiny.yaml", "with-event.yaml"]
    with pytest.raises(KeyboardInterrupt), outputs.file(folder / "t.csv", ".csv") as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert not (folder / "t.csv").exists() and len(list(folder.iterdir())) == 3


def test_files_need_their_suffix_and_an_existing_folder(folder):
    with pytest.raises(outputs.OutputError, match=r"must be a \.csv file"):
        outputs.check_file("tiny.yaml", ".csv")           # a slip would overwrite the scenario
    with pytest.raises(outputs.OutputError, match="does not exist"):
        outputs.check_file("nowhere/t.csv", ".csv")
    assert outputs.write_text("schema.json", "{}\n", ".json").read_text() == "{}\n"


def _child(folder: Path, body: str,
           argv: tuple[str, ...] = ("run", "tiny.yaml", "--days", "6", "--out", "out", "--force")) -> subprocess.Popen:
    """`noodplan run` (or `argv`) in a subprocess, with `body` (Python) run first to arrange the
    interruption. It leads a process group and session of its own, as a terminal's foreground job
    does: `os.killpg` signals it with all its workers, and `_left` finds workers it left behind."""
    code = textwrap.dedent(body) + "\nimport sys\nfrom experiments.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    # Ctrl+C's default restored: a shell without job control (CI, `pytest &`) starts it ignored
    return subprocess.Popen([sys.executable, "-c", code, *argv], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _left(session: int, wait: float = 30) -> list[str]:
    """The processes still alive in `session` (a command's, after it ended: its workers), given up
    to `wait` seconds to go (a worker told to stop may take a moment)."""
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
                state, _ppid, _pgrp, sid = text[text.rindex(")") + 2:].split()[:4]
                if int(sid) == session and state != "Z":
                    command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    alive.append(f"{text[:text.rindex(')') + 1]} {command[:200]}")
            except OSError:         # gone meanwhile
                continue
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _old_results(folder: Path) -> dict:
    out = folder / "out"
    out.mkdir()
    (out / "daily.csv").write_text("date,arrivals\n2020-01-01,1\n")
    (out / "events.csv").write_text("day,what\n0,old\n")
    return snapshot(folder)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_writing_leaves_the_old_results_and_no_temporary_folder(folder, signum):
    before = _old_results(folder)
    # Results.save writes daily.csv, then the signal arrives, then it would go on writing
    proc = _child(folder, f"""
        import os
        from model import results
        save = results.Results.save
        def interrupted(self, out):
            self.daily_frame().to_csv(os.path.join(out, "daily.csv"), index=False)
            os.kill(os.getpid(), {int(signum)})
            return save(self, out)
        results.Results.save = interrupted
    """)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and err.startswith("noodplan: interrupted") and "Traceback" not in err
    assert snapshot(folder) == before


def test_ctrl_c_from_outside_mid_run(folder):
    before = _old_results(folder)
    # the run stops at day 3 until interrupted, so the signal surely comes mid-run
    proc = _child(folder, """
        import sys, time
        from experiments import cli
        def progress(desc, total):
            def tick(done, horizon):
                if done == 3:
                    print("day 3", file=sys.stderr, flush=True)
                    time.sleep(60)
            return tick
        cli._progress = progress
    """)
    assert proc.stderr.readline() == "day 3\n"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.count("\n") == 1 and "interrupted" in err
    assert snapshot(folder) == before


def test_a_ctrl_c_a_library_swallowed_still_stops_the_command(folder):
    before = _old_results(folder)
    # Python reports a KeyboardInterrupt raised in a weakref callback or __del__ as "ignored" and
    # goes on; here a stand-in swallows it while the results are written: before, the run went on
    # to put them in place and exit 0
    proc = _child(folder, """
        import os, signal
        from model import results
        save = results.Results.save
        def swallowing(self, out):
            try:
                os.kill(os.getpid(), signal.SIGINT)
            except KeyboardInterrupt:
                pass
            return save(self, out)
        results.Results.save = swallowing
    """)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.count("\n") == 1 and err.startswith("noodplan: interrupted"), err
    assert snapshot(folder) == before


def test_a_ctrl_c_while_the_command_starts_is_answered_in_one_line(folder):
    before = _old_results(folder)
    # the console command (viz.entry) holds a Ctrl+C during its imports; it arrives here right after
    # the hold begins, and the command must stop before computing, without a traceback from an import
    code = textwrap.dedent("""
        import os, signal, sys
        from experiments import outputs
        hold = outputs.hold_interrupts
        def hold_then_ctrl_c(noted=()):
            hold(noted)
            os.kill(os.getpid(), signal.SIGINT)
        outputs.hold_interrupts = hold_then_ctrl_c
        from viz import entry
        sys.argv[1:] = ["run", "tiny.yaml", "--days", "6", "--out", "out", "--force"]
        sys.exit(entry.main())
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.returncode == 130 and proc.stderr.startswith("noodplan: interrupted"), proc.stderr
    assert proc.stderr.count("\n") == 1 and "Scenario" not in proc.stdout
    assert snapshot(folder) == before


def test_a_closed_pipe_ends_quietly(folder):
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "run", "tiny.yaml", "--days", "2"], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                       # like `| head` that has read enough
    err = proc.communicate(timeout=120)[1].decode()
    assert err == "" and proc.returncode == cli.EXIT_BROKEN_PIPE
    shell = subprocess.run(f"{sys.executable} -m experiments.cli run tiny.yaml --days 2 | head -n 1",
                           shell=True, cwd=folder, capture_output=True, text=True, timeout=120)
    assert shell.stdout.startswith("Scenario 'tiny'") and shell.stderr == ""


def test_interrupted_workers_stop_with_the_pool():
    with pytest.raises(KeyboardInterrupt), outputs.worker_pool(2) as pool:
        pool.submit(os.getpid).result()
        processes = list(pool._processes.values())
        raise KeyboardInterrupt
    # the pool's own manager thread reaps the workers too: a join here can return in the moment
    # between its waitpid and its record of the exit code, so wait on the exit codes themselves
    deadline = time.monotonic() + 60
    while any(p.exitcode is None for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(p.exitcode is not None for p in processes)   # stopped (terminated, or told to exit)


def test_a_ctrl_c_while_a_worker_starts_is_answered_once_it_has_started(monkeypatch):
    # The forkserver's child reads the worker's description from a pipe the command writes after it
    # connected; a Ctrl+C in between (here: sent at that moment) left it half-sent, and the child printed
    # "_pickle.UnpicklingError: pickle data was truncated" (or "EOFError: Ran out of input") with its
    # traceback after the command's one line (`forecast --jobs 2`, SIGTERM a few seconds in).
    from multiprocessing import forkserver, process

    connect, start = forkserver.connect_to_new_process, process.BaseProcess.start
    asked: list = []

    def connect_then_ctrl_c(fds):
        sentinel_and_pipe = connect(fds)
        os.kill(os.getpid(), signal.SIGINT)
        return sentinel_and_pipe

    def recorded_start(self):
        asked.append(self)
        start(self)

    monkeypatch.setattr(outputs, "pool_context", outputs.forkserver)   # as a command's (a test before may set spawn)
    with pytest.raises(KeyboardInterrupt), outputs.interruptible(), outputs.worker_pool(1) as pool:
        monkeypatch.setattr(forkserver, "connect_to_new_process", connect_then_ctrl_c)   # the pool's worker only
        monkeypatch.setattr(process.BaseProcess, "start", recorded_start)
        pool.submit(os.getpid)
        time.sleep(5)                       # (before, the KeyboardInterrupt came in the submit)
    monkeypatch.undo()
    assert len(asked) == 1
    worker = asked[0]
    assert worker._popen is not None, "the worker was not started whole"
    worker.join(60)
    assert worker.exitcode in (0, -signal.SIGTERM)   # done, or stopped with the pool; 1: its traceback


# `compare --workers 2` whose first piece comes back at once while the other keeps its worker busy:
# when the progress line says so, one worker waits for work and the other is mid-run. The workers come
# from the forkserver, not forked from the command: the task they run is written in a module of its own
# on sys.path (which they are given), as they cannot import what the command's `-c` defined
ONE_WORKER_IDLE = """
    import pathlib, sys, tempfile
    from experiments import cli, compare
    where = tempfile.mkdtemp()
    pathlib.Path(where, "one_idle.py").write_text(
        "import time\\nfrom experiments import compare\\n"
        "def figures(job):\\n"
        "    sc, seeds, days = job\\n"
        "    if sc.name == 'tiny':\\n"
        "        return [dict.fromkeys(compare.KEY_FIGURES, 0.0) for _ in seeds]\\n"
        "    time.sleep(60)\\n")
    sys.path.insert(0, where)
    from one_idle import figures
    compare._figures = figures
    def progress(desc, total):
        return lambda done, horizon: print("one piece back", file=sys.stderr, flush=True)
    cli._progress = progress
"""


@pytest.mark.parametrize(("signum", "to_group"), [(signal.SIGINT, True),     # Ctrl+C in a terminal
                                                  (signal.SIGTERM, True),    # kill -TERM -PGID, a batch system
                                                  (signal.SIGTERM, False)])  # kill PID
def test_a_signal_stops_the_workers_quietly(folder, signum, to_group):
    # before, a forked worker kept the command's SIGTERM handler: the pool's terminate() (or a
    # SIGTERM to the group) raised KeyboardInterrupt in a waiting worker, which printed its traceback
    (folder / "table.csv").write_text("figure,a,b\nold,1,2\n")
    before = snapshot(folder)
    proc = _child(folder, ONE_WORKER_IDLE, ("compare", "tiny.yaml", "with-event.yaml", "--runs", "1", "--days", "6",
                                            "--workers", "2", "--out", "table.csv", "--force"))
    assert proc.stderr.readline() == "one piece back\n"
    (os.killpg if to_group else os.kill)(proc.pid, signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and err.startswith("noodplan: interrupted") and "Traceback" not in err, err
    assert _left(proc.pid) == []
    assert snapshot(folder) == before
    again = subprocess.run([sys.executable, "-m", "experiments.cli", "compare", "tiny.yaml", "with-event.yaml",
                            "--runs", "1", "--days", "3", "--workers", "2"], cwd=folder, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0 and again.stderr == "", again.stderr


def test_a_worker_forked_before_its_initializer_ends_quietly_on_sigterm():
    # the moment between a worker's fork and its initializer (`ignore_interrupts`): it still has the
    # command's handler, which now ends it by the signal instead of raising KeyboardInterrupt in it
    code = textwrap.dedent("""
        import os, signal, time
        from experiments import outputs
        with outputs.interruptible():
            ready, told = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.write(told, b"!")      # (a signal in the instant right after fork is lost: CPython clears it)
                time.sleep(60)
                os._exit(0)
            os.read(ready, 1)
            os.kill(pid, signal.SIGTERM)
            _, status = os.waitpid(pid, 0)
            print(os.WTERMSIG(status) if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout == f"{int(signal.SIGTERM)}\n"


# `bench`'s operation count runs in a subprocess while the bench goes on; here it takes a minute
SLOW_COUNT = """
    import subprocess, sys, tempfile
    from experiments.bench import opcount
    def start(self, scenario, days, seed):
        self._job = tempfile.mkstemp(prefix="noodplan-opcount-", suffix=".json", dir=".")[1]
        self._p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
    opcount.Counting.__init__ = start
    result = opcount.Counting.result
    def waiting(self):
        print("waiting for the count", file=sys.stderr, flush=True)
        return result(self)
    opcount.Counting.result = waiting
"""


def test_a_sigterm_while_bench_waits_for_its_subprocess_ends_that_too(folder):
    # before, a SIGTERM to the command alone while it waited for the count left the count running
    (folder / "bench.json").write_text("{}\n")
    before = snapshot(folder)
    proc = _child(folder, SLOW_COUNT, ("bench", "--quick", "--repeats", "1", "--no-eu", "--no-reference",
                                       "--no-memory", "--json", "bench.json", "--force"))
    lines = []
    while not lines or lines[-1] not in ("waiting for the count\n", ""):
        lines.append(proc.stderr.readline())
    assert lines[-1] == "waiting for the count\n", lines
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.startswith("noodplan: interrupted") and err.count("\n") == 1, err
    assert _left(proc.pid, wait=10) == []
    assert snapshot(folder) == before                   # bench.json as it was, the count's job file gone


def test_ctrl_c_while_a_sweeps_workers_start_is_answered_once(folder):
    # the processes executor's forkserver imports its preload (about a second) before the first
    # worker starts; a Ctrl+C to the process group meanwhile printed a KeyboardInterrupt traceback
    # from that import besides the command's own line (exit code 130): the server ignores it now.
    # The preload here goes on only once the Ctrl+C is sent (the file `go`): a preload that slept 3 s
    # let a slow machine send it after the workers had started, which is another moment to test
    from tests.experiments.test_sweep_support import write_design

    design = write_design(folder)
    (folder / "slow_preload.py").write_text("import os, sys, time\nprint('preloading', file=sys.stderr, flush=True)\n"
                                            "deadline = time.monotonic() + 300\n"
                                            "while not os.path.exists('go') and time.monotonic() < deadline:\n"
                                            "    time.sleep(0.05)\n")
    argv = ("sweep", str(design), "--out", "store", "--executor", "processes", "--workers", "2", "--batch-size", "2")
    proc = _child(folder, """
        from experiments import outputs
        outputs.PRELOAD = [*outputs.PRELOAD, "slow_preload"]
    """, argv)
    while (line := proc.stderr.readline()) not in ("preloading\n", ""):
        pass
    assert line == "preloading\n"
    try:
        os.killpg(proc.pid, signal.SIGINT)
    finally:
        (folder / "go").touch()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.count("interrupted") == 1 and "Run the same command to resume" in err, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert _left(proc.pid) == []
    assert not list((folder / "store" / "parts").glob(".tmp-*"))
    again = subprocess.run([sys.executable, "-m", "experiments.cli", *argv], cwd=folder, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "8 runs computed" in again.stdout


# ---- a disk that fills, two commands at once -----------------------------------------------------

def _full_after(limit: int):
    """A child's set-up: files it writes stop at `limit` bytes (EFBIG), as a disk that fills does."""
    import resource

    def setup():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # the error, not the signal that ends the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return setup


def test_a_disk_that_fills_while_writing_is_one_line_and_the_summary_is_kept(folder):
    # before: daily.nc filled the disk inside HDF5, which printed ~200 lines of "Exception ignored …
    # Can't decrement id ref count" and ended in a segmentation fault, leaving its temporary folder;
    # a write error a library gave without a file name was "noodplan: : No space left on device"
    before = _old_results(folder)
    proc = subprocess.run([sys.executable, "-m", "experiments.cli", "run", "tiny.yaml", "--days", "60", "--out", "out",
                           "--force"], cwd=folder, capture_output=True, text=True, timeout=120,
                          preexec_fn=_full_after(60_000))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.count("\n") == 1, proc.stderr[-2000:]
    assert proc.stderr.startswith("noodplan: --out: could not write out (File too large); it is as it was")
    assert "what was computed is printed above" in proc.stderr
    assert proc.stdout.startswith("Scenario 'tiny'") and "(60 days simulated in" in proc.stdout   # not lost
    assert snapshot(folder) == before                   # the old results, and no temporary folder


def test_a_write_error_names_the_option_and_the_target(folder, capsys, monkeypatch):
    from model import results

    def full(self, out):
        (Path(out) / "daily.csv").write_text("half")
        raise OSError(28, "No space left on device")      # as pandas and h5py raise it: no file name
    monkeypatch.setattr(results.Results, "save", full)
    assert cli.main(["run", "tiny.yaml", "--days", "3", "--out", "out"]) == 2
    out, err = capsys.readouterr()
    assert err == ("noodplan: --out: could not write out (No space left on device); it is as it was, and no "
                   "temporary file is left; what was computed is printed above\n")
    assert out.startswith("Scenario 'tiny'")
    assert sorted(p.name for p in folder.iterdir()) == ["tiny.yaml", "with-event.yaml"]


# run stops at day 3 until the file `go` appears
WAIT_FOR_GO = """
    import os, sys, time
    from experiments import cli
    def progress(desc, total):
        def tick(done, horizon):
            if done == 3:
                print("day 3", file=sys.stderr, flush=True)
                while not os.path.exists("go"):
                    time.sleep(0.05)
        return tick
    cli._progress = progress
"""


def test_a_second_command_into_the_same_folder_is_refused_at_its_start(folder, capsys):
    # before, both computed: the later to finish lost its results ("already holds …") or, when both
    # wrote at once, replaced the other's without --force
    first = _child(folder, WAIT_FOR_GO, ("run", "tiny.yaml", "--days", "5", "--seed", "1", "--out", "out"))
    try:
        assert first.stderr.readline() == "day 3\n"
        assert cli.main(["run", "tiny.yaml", "--days", "3", "--seed", "2", "--out", "out"]) == 2
        _, err = capsys.readouterr()
        assert err.startswith(f"noodplan: --out: out is being written by another noodplan command (process "
                              f"{first.pid}, since ")
        assert err.endswith("; wait for it to end, or choose another folder\n") and err.count("\n") == 1
        assert cli.main(["compare", "tiny.yaml", "tiny.yaml", "--runs", "1", "--days", "2", "--workers", "1",
                         "--out", "out.csv"]) == 0            # another target: not held
    finally:
        (folder / "go").touch()
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert _manifest_matches(folder / "out")["seed"] == 1          # the first command's results, whole
    # let go when the command ended: the same folder is free again (with --force, as it holds results)
    assert cli.main(["run", "tiny.yaml", "--days", "3", "--seed", "2", "--out", "out", "--force"]) == 0
    assert _manifest_matches(folder / "out")["seed"] == 2
    assert outputs._held == {}                          # this process holds nothing after its commands


def test_a_lock_is_let_go_when_its_command_is_killed(folder):
    proc = _child(folder, WAIT_FOR_GO, ("run", "tiny.yaml", "--days", "5", "--out", "out"))
    assert proc.stderr.readline() == "day 3\n"
    proc.kill()
    proc.wait(timeout=60)
    assert cli.main(["run", "tiny.yaml", "--days", "3", "--out", "out"]) == 0


def test_a_signal_after_the_command_is_done_leaves_its_exit_code(folder):
    # `timeout -s INT 8 noodplan analyze st --out an8` ended with exit status 130 and nothing on
    # stderr though the analysis was complete: the Ctrl+C came while Python shut down, after the
    # command had returned, when Python had put the signals' handlers back to the default. A module
    # torn down last sends the signal here, at that moment.
    code = textwrap.dedent("""
        import os, signal, sys, time
        class Late:
            def __del__(self):
                os.kill(os.getpid(), signal.{sig})
                time.sleep(0.2)
        sys.modules["zz_late"] = type(sys)("zz_late")
        sys.modules["zz_late"].late = Late()
        from viz import entry
        sys.argv[1:] = ["run", "tiny.yaml", "--days", "2", "--out", "out"]
        sys.exit(entry.main())
    """)
    for sig in ("SIGINT", "SIGTERM"):
        shutil.rmtree(folder / "out", ignore_errors=True)
        proc = subprocess.run([sys.executable, "-c", code.replace("{sig}", sig)], cwd=folder, capture_output=True,
                              text=True, timeout=120, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        assert proc.returncode == 0 and proc.stderr == "", (sig, proc.returncode, proc.stderr)
        assert (folder / "out" / "manifest.json").exists()


def test_a_signal_after_a_result_is_written_says_it_was_kept(folder):
    # interrupted after its folder was put in place, a command said "unfinished results were not
    # written (their targets are as they were)": the folder was there, whole
    proc = _child(folder, """
        import contextlib, os, signal
        from experiments import outputs
        folder = outputs.folder
        @contextlib.contextmanager
        def then_ctrl_c(*args, **kwargs):
            with folder(*args, **kwargs) as tmp:
                yield tmp
            os.kill(os.getpid(), signal.SIGINT)
        outputs.folder = then_ctrl_c
    """, argv=("run", "tiny.yaml", "--days", "2", "--out", "out"))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.count("\n") == 1, err
    assert err == "noodplan: interrupted; out was written whole before it and kept; nothing else was written\n"
    assert (folder / "out" / "manifest.json").exists()


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_an_out_that_links_to_a_folder_is_written_through_the_link(folder, tmp_path_factory):
    """out/ linked to a folder on another disk: the results go into that folder (the link kept),
    whole, the temporary folder beside it; --force replaces them there. Before, the link was
    replaced by a folder of its own and the linked folder left behind (emptied with --force)."""
    disk = tmp_path_factory.mktemp("disk")
    (disk / "runs").mkdir()
    (folder / "out").symlink_to(disk / "runs")
    assert cli.main(["run", "tiny.yaml", "--days", "2", "--out", "out"]) == 0
    assert (folder / "out").is_symlink() and os.readlink(folder / "out") == str(disk / "runs")
    first = _tree(disk / "runs")
    assert set(first) == {"daily.csv", "daily.nc", "moves.csv", "events.csv", outputs.MANIFEST}
    _manifest_matches(disk / "runs")
    assert cli.main(["run", "tiny.yaml", "--days", "2", "--out", "out"]) == 2     # results there: --force needed
    assert cli.main(["run", "tiny.yaml", "--days", "3", "--out", "out", "--force"]) == 0
    assert (folder / "out").is_symlink() and os.readlink(folder / "out") == str(disk / "runs")
    assert json.loads((disk / "runs" / outputs.MANIFEST).read_text())["days"] == 3
    assert sorted(p.name for p in disk.iterdir()) == ["runs"]        # no temporary folder left beside it
    assert sorted(p.name for p in folder.iterdir()) == ["out", "tiny.yaml", "with-event.yaml"]


PARENT = {"res/run/manifest.json": b"{}", "res/run/parent.yaml": TINY.encode()}


@pytest.mark.parametrize(("argv", "files", "says"), [
    # the run forecast from, replaced by the forecast
    (["forecast", "--from-run", "out", "--out", "out", "--force"], {}, "--out: out is the --from-run run folder out"),
    (["forecast", "--from-run", "out/run", "--out", "out", "--force"], {},
     "--out: out holds the --from-run run folder"),
    (["forecast", "--from-run", "out", "--out", "out/fc"], {}, "--out: out/fc is inside the --from-run run folder"),
    (["forecast", "--from-run", "out", "--save-snapshot", "out/o.snapshot", "--out", "fc"], {},
     "--save-snapshot: out/o.snapshot is inside the --from-run run folder out"),
    (["forecast", "--from-snapshot", "res/o.snapshot", "--out", "res", "--force"], {"res/o.snapshot": b"x"},
     "--out: res holds the --from-snapshot file res/o.snapshot"),
    # a record named like a result, inside the folder --force would replace
    (["backtest", "tiny.yaml", "--record", "bt/backtest-mine.csv", "--out", "bt", "--force"],
     {"bt/backtest-mine.csv": b"date,quantity,value\n2025-07-05,population,2000\n"},
     "--out: bt holds the --record file bt/backtest-mine.csv"),
    (["run", "res/tiny.yaml", "--out", "res", "--force"], {"res/tiny.yaml": TINY.encode()},
     "--out: res holds the scenario file res/tiny.yaml"),
    (["compare", "tiny.yaml", "with-event.yaml", "--runs", "1", "--out", "tiny.yaml"], {},
     "--out: tiny.yaml is the scenario file tiny.yaml"),
    # a file the scenario `extends`, kept in an earlier run's folder (a folder of results --force replaces)
    (["run", "variant.yaml", "--out", "res", "--force"], {**PARENT, "variant.yaml": b"extends: res/run/parent.yaml\n"},
     "--out: res holds the scenario file's parent (extends: in variant.yaml) "),
    (["backtest", "mine/variant.yaml", "--out", "res", "--force"],        # two files up the chain, each relative to
     {**PARENT, "mine/variant.yaml": b"extends: mid.yaml\n",              # the file that names it
      "mine/mid.yaml": b"extends: ../res/run/parent.yaml\nname: mid\n"},
     "--out: res holds the scenario file's parent (extends: in variant.yaml) "),
    (["calibrate", "--scenario", "variant.yaml", "--out", "res/run", "--force"],
     {**PARENT, "res/run/parent.yaml": b"extends: hindcast-2015\n", "variant.yaml": b"extends: res/run/parent.yaml\n"},
     "--out: res/run holds the scenario file's parent (extends: in variant.yaml) "),
])
def test_an_out_over_what_the_command_reads_is_refused_before_anything_runs(folder, capsys, argv, files, says):
    """A target that is, holds or lies inside an input of the same command is one line, exit code
    2, before anything is computed, and every file is as it was. Before, `forecast --from-run out
    --out out --force` ran the forecast and replaced the run it came from, and `run variant.yaml --out
    res --force` (variant.yaml extending res/run/parent.yaml) replaced the parent with the run."""
    assert cli.main(["run", "tiny.yaml", "--days", "2", "--out", "out"]) == 0
    (folder / "out" / "run").mkdir()
    (folder / "out" / "run" / outputs.MANIFEST).write_text("{}")
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    before = _tree(folder)
    capsys.readouterr()
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"noodplan: {says}") and err.count("\n") == 1, err
    assert out == ""                                 # no summary, no "Wrote": refused before the run
    assert _tree(folder) == before


def test_calibrate_may_write_its_fitted_values_into_the_scenario_it_reads(folder):
    """`calibrate S --into S` rewrites the scenario it read, as meant: not refused as an input;
    its --out folder still may not hold it."""
    (folder / "cal").mkdir()
    (folder / "cal" / "s.yaml").write_text(TINY)
    try:
        outputs.check_input("cal/s.yaml", "scenario", "file", rewritten_by="--into")
        outputs.check_file("cal/s.yaml", ".yaml", "--into")
        with pytest.raises(outputs.OutputError, match=r"^--out: cal holds the scenario file cal/s\.yaml, which"):
            outputs.check_folder("cal", True)
    finally:
        outputs.release()


def test_a_file_target_that_links_to_a_file_is_written_through_the_link(folder, tmp_path_factory):
    """`schema --out s.json --force` with s.json a link to a file elsewhere: the file it points to is
    replaced whole (its temporary file beside it), the link kept. Before, the link was replaced by a
    file of its own and the linked file left as it was."""
    disk = tmp_path_factory.mktemp("disk")
    (disk / "s.json").write_text("old")
    (folder / "s.json").symlink_to(disk / "s.json")
    assert cli.main(["schema", "--out", "s.json"]) == 2                  # exists: --force needed
    assert cli.main(["schema", "--out", "s.json", "--force"]) == 0
    assert (folder / "s.json").is_symlink() and json.loads((disk / "s.json").read_text())["title"]
    assert sorted(p.name for p in disk.iterdir()) == ["s.json"]
    text = (disk / "s.json").read_text()
    outputs.replace_text(folder / "s.json", text + " ")                 # calibrate --into's rewrite
    assert (folder / "s.json").is_symlink() and (disk / "s.json").read_text() == text + " "


def test_analyze_never_writes_over_the_store_it_reads(folder, capsys):
    """`analyze out/store --out out --force`: out held only the store, a folder with a manifest.json,
    so --force took it for earlier results and replaced it with the analysis: the sweep was lost.
    Refused now, before anything is computed; the store's own analysis/ folder is still its default."""
    from experiments.sweep.sweep import run_sweep
    from tests.experiments.test_sweep_support import write_design

    (folder / "out").mkdir()
    assert run_sweep(write_design(folder), folder / "out" / "store", executor="serial").complete
    before = _tree(folder / "out")
    capsys.readouterr()
    assert cli.main(["analyze", "out/store", "--out", "out", "--force", "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert err == ("noodplan: --out: out holds the store folder out/store, which the command reads; the results "
                   "would replace it with the folder: choose another folder\n"), err
    assert cli.main(["analyze", "out/store", "--out", "out/store", "--force", "--no-plots"]) == 2
    assert _tree(folder / "out") == before
    assert cli.main(["analyze", "out/store", "--no-plots"]) == 0
    assert (folder / "out" / "store" / "analysis" / "report.txt").is_file()


def _as_a_user(folder: Path, argv: list[str]) -> subprocess.CompletedProcess:
    """The command as a user bound by file permissions: root without the capabilities that pass
    them by (`setpriv`), since the tests may run as root, who reads and writes whatever the modes say."""
    cmd = [sys.executable, "-m", "experiments.cli", *argv]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root without setpriv: file permissions cannot bind the command")
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


@pytest.mark.parametrize(("argv", "says"), [
    # an empty folder the user may not write in: refused before the run (was: the run, then "could not write")
    (["run", "tiny.yaml", "--days", "2", "--out", "ro"], "--out: cannot write in ro (Permission denied)"),
    (["backtest", "tiny.yaml", "--out", "ro"], "--out: cannot write in ro (Permission denied)"),
    # a sweep's store in it: was removed and made again, writable, and the runs went in (round 21b)
    (["sweep", "discovery", "--out", "ro"], "--out: cannot write in ro (Permission denied)"),
    # behind a folder the user may not open (was "noodplan: closed/out: Permission denied", no option named)
    (["run", "tiny.yaml", "--days", "2", "--out", "closed/out"],
     "--out: cannot reach closed/out (Permission denied): a folder on its way may not be opened; choose another "
     "place"),
    (["schema", "--out", "closed/s.json"],
     "--out: cannot reach closed/s.json (Permission denied): a folder on its way may not be opened; choose another "
     "place"),
    # a snapshot the user may not read (was "not a noodplan snapshot (not a ZIP archive)")
    (["forecast", "--from-snapshot", "secret.snapshot", "--out", "fc"],
     "--from-snapshot: secret.snapshot: cannot be read (Permission denied)"),
])
def test_places_the_user_may_not_read_or_write_are_one_line_before_anything_runs(folder, argv, says):
    (folder / "ro").mkdir(mode=0o555)
    (folder / "closed").mkdir(mode=0)
    (folder / "secret.snapshot").write_bytes(b"PK\x05\x06" + bytes(18))
    (folder / "secret.snapshot").chmod(0)
    try:
        before = sorted(p.name for p in folder.iterdir())
        p = _as_a_user(folder, argv)
        assert (p.returncode, p.stderr) == (2, f"noodplan: {says}\n")
        assert p.stdout == ""                                  # nothing computed, nothing printed
        assert sorted(p.name for p in folder.iterdir()) == before and not any((folder / "ro").iterdir())
    finally:
        (folder / "closed").chmod(0o755)


@pytest.mark.parametrize(("argv", "says"), [
    (["schema", "--out", "~no-such-user-cl3/s.json"], "--out: folder ~no-such-user-cl3 does not exist"),
    (["run", "~no-such-user-cl3/s.yaml"], "~no-such-user-cl3/s.yaml: no such scenario file or built-in name"),
    (["run", "v.yaml", "--out", "o"], "v.yaml: extends ~no-such-user-cl3/p.yaml: no such scenario file"),
    (["forecast", "--from-run", "~no-such-user-cl3/run", "--out", "o"], "--from-run: ~no-such-user-cl3/run: no such"),
])
def test_a_home_folder_of_no_user_is_left_as_written_as_the_shell_does(folder, capsys, argv, says):
    """`~name/…` for a user the system does not know is taken as written (the shell's way), so it is
    one line like any missing file; Path.expanduser raised RuntimeError ("Could not determine home
    directory"), a traceback from every command that takes a path."""
    (folder / "v.yaml").write_text("extends: ~no-such-user-cl3/p.yaml\n")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"noodplan: {says}") and err.count("\n") == 1, err


def test_every_command_takes_a_path_from_the_home_folder_as_the_shell_would(folder, monkeypatch, capsys):
    """`~/…` given past the shell (quoted, or from a script) is the home folder for every command
    (`cli.path_arg`); `sweep`, `analyze` and `exercise` took `~` as a folder of that name in the
    working folder (round 21b)."""
    home = folder / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (home / "tiny.yaml").write_text(TINY)
    (home / "d.yaml").write_text("name: small\nscenario: tiny.yaml\nparameters:\n  - {name: housing_supply, path: "
                                 "housing.supply_persons_per_year, uniform: [15000, 45000], levels: 2}\n"
                                 "sampler: {method: grid}\nreplicates: 1\noutputs: {kpis: [peak_population]}\n")
    assert cli.main(["sweep", "~/d.yaml", "--out", "~/st", "--executor", "serial"]) == 0
    assert cli.main(["analyze", "~/st", "--out", "~/an", "--no-plots"]) == 0
    assert cli.main(["exercise", "validate", "~/tiny.yaml"]) == 2          # a scenario, not an exercise: read
    assert capsys.readouterr().err.endswith("(an exercise names its scenario under `scenario:`)\n")    # found
    assert cli.main(["exercise", "play", "mass-arrival-2022", "--turns", "1", "--save", "~/s.json"]) == 0
    assert cli.main(["exercise", "report", "~/s.json", "--out", "~/r.html"]) == 0
    assert (home / "st" / "manifest.json").is_file() and (home / "an" / outputs.MANIFEST).is_file()
    assert (home / "s.json").is_file() and (home / "r.html").is_file()
    assert not (folder / "~").exists()                                     # nothing under a folder named ~


def _parsers(parser):
    """`parser` and every subcommand's parser under it, each once."""
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _parsers(sub)


def test_every_option_with_a_default_says_it_in_help():
    """`--help` says every option's default as argparse fills it in (`%(default)s`), so it cannot
    drift from the code: `calibrate --ind-capacity` defaulted to `fixed` without a word (round 21b)."""
    from viz import cli as viz_cli

    silent = []
    for parser in _parsers(viz_cli.build_parser()):
        formatter = parser._get_formatter()
        for action in parser._actions:
            if action.default in (None, False, "==SUPPRESS==") or action.help in (None, "==SUPPRESS=="):
                continue
            said = formatter._expand_help(action)
            if "%(default)s" not in action.help or f"default: {action.default}" not in said:
                silent.append(f"{parser.prog} {'/'.join(action.option_strings) or action.dest}: {said!r}")
    assert not silent, "\n".join(silent)


def test_every_option_without_a_default_says_what_leaving_it_out_means():
    """An option whose default is None (and a positional that may be left out) says in words what leaving it
    out means, never argparse's `None`: `run --out` did not say that then no file is written, `forecast --at`
    not that the run's end is the origin (round 22b, CL5). An option that may be given alone says the value it
    then takes apart from its default: `bench --instructions` said `default baseline:200`, its value given
    alone; left out, nothing is counted."""
    import argparse

    from viz import cli as viz_cli

    silent = []
    for parser in _parsers(viz_cli.build_parser()):
        formatter = parser._get_formatter()
        for action in parser._actions:
            if action.default is not None or action.nargs == 0 or action.required \
                    or action.help in (None, argparse.SUPPRESS) \
                    or isinstance(action, argparse._SubParsersAction | argparse._HelpAction) \
                    or (not action.option_strings and action.nargs != "?"):     # a positional always given
                continue
            said = formatter._expand_help(action)
            where = f"{parser.prog} {'/'.join(action.option_strings) or action.dest}: {said!r}"
            if "None" in said or not any(words in said for words in ("(default: ", "; default: ", "needed unless",
                                                                      "the default)")):
                silent.append(where)
            if action.const is not None and f"given alone: {action.const}" not in said:
                silent.append(f"{where} (given alone: {action.const} not said)")
    assert not silent, "\n".join(silent)


def test_a_bench_history_of_another_name_that_holds_bench_lines_is_still_taken(folder, monkeypatch, capsys):
    """A history is refused only when it holds no bench line and is not a new `*.jsonl` (round 21b): one kept
    under another name (`h.json`) goes on taking lines."""
    import experiments.bench as bench
    from experiments.bench.track import history_line, read_history

    result = {"when": "2026-12-06T16:00:00", "machine": "m", "quick": True}
    monkeypatch.setattr(bench, "run_bench", lambda **kw: result)
    monkeypatch.setattr(bench, "format_table", lambda r: "TABLE")
    (folder / "h.json").write_text(json.dumps(history_line(result, "abc")) + "\n")
    assert cli.main(["bench", "--quick", "--history", "h.json"]) == 0
    assert len(read_history(folder / "h.json")) == 2 and "Appended to h.json" in capsys.readouterr().out

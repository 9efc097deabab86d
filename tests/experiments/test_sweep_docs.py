"""docs/sweeps.md travels with the code: every KPI is listed, and the cluster examples (which
cannot run here: no Slurm, no Kubernetes) build — the Slurm configuration makes a SLURMCluster
and its batch script, the Kubernetes manifest's commands parse with Dask's command line."""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from experiments.sweep.kpis import KPIS
from tests.experiments.test_sweep_support import write_design

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8")


def _block(name: str) -> str:
    """The fenced block after `<!-- config: NAME -->` (or `<!-- example: NAME -->`)."""
    m = re.search(rf"<!-- (?:config|example): {name} -->\n```\w*\n(.*?)```", DOC, re.S)
    assert m, name
    return m.group(1)


def test_every_kpi_is_in_the_sweeps_page():
    missing = [k for k in KPIS if f"| `{k}` |" not in DOC]
    assert not missing, f"add to the KPI table of docs/sweeps.md: {missing}"


def test_readme_links_the_sweeps_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/sweeps.md" in readme and "noodplan sweep" in readme


def test_the_slurm_example_builds_a_cluster_and_its_batch_script():
    pytest.importorskip("dask_jobqueue")
    from dask_jobqueue import SLURMCluster

    cfg = yaml.safe_load(_block("slurm"))
    cluster = SLURMCluster(**cfg)           # starts a local scheduler; submits nothing until scale()
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in ("#SBATCH -p normal", "#SBATCH -A proj123", "#SBATCH --cpus-per-task=32", "#SBATCH -t 04:00:00",
                 "#SBATCH --exclusive", "cd /home/me/noodplan"):
        assert line in script, line
    worker = next(x for x in script.splitlines() if "dask_worker" in x)
    assert worker.startswith("/home/me/noodplan/.venv/bin/python -m distributed.cli.dask_worker tcp://")
    assert "--nthreads 1" in worker and "--nworkers 32" in worker and "--local-directory $TMPDIR" in worker
    launcher = re.search(r"```python\n(# run_on_slurm.py.*?)```", DOC, re.S).group(1)
    ast.parse(launcher)
    assert "SLURMCluster(**yaml.safe_load(open(\"slurm-cluster.yaml\")))" in launcher


def _parses(command, args: list[str]) -> dict:
    return command.make_context(command.name or "dask", list(args)).params


def test_the_kubernetes_manifest_is_a_dask_cluster_whose_commands_parse():
    from distributed.cli.dask_scheduler import main as scheduler_cli
    from distributed.cli.dask_worker import main as worker_cli

    m = yaml.safe_load(_block("kubernetes"))
    assert (m["apiVersion"], m["kind"]) == ("kubernetes.dask.org/v1", "DaskCluster")
    worker = m["spec"]["worker"]["spec"]["containers"][0]
    scheduler = m["spec"]["scheduler"]["spec"]["containers"][0]
    assert worker["image"] == scheduler["image"]
    assert worker["args"][0] == "dask-worker" and scheduler["args"][0] == "dask-scheduler"
    w = _parses(worker_cli, worker["args"][1:])
    assert w["nthreads"] == 1 and w["name"] == "$(DASK_WORKER_NAME)"
    s = _parses(scheduler_cli, scheduler["args"][1:])
    service = m["spec"]["scheduler"]["service"]
    comm = next(p for p in service["ports"] if p["name"] == "tcp-comm")
    assert int(s["port"]) == comm["port"] == next(p["containerPort"] for p in scheduler["ports"]
                                                  if p["name"] == "tcp-comm")
    assert service["selector"]["dask.org/cluster-name"] == m["metadata"]["name"]
    assert f"svc/{m['metadata']['name']}-scheduler 8786:8786" in DOC


def test_the_workstation_commands_parse():
    from distributed.cli.dask_scheduler import main as scheduler_cli
    from distributed.cli.dask_worker import main as worker_cli

    lines = [shlex.split(x.rstrip(" &")) for x in _block("workstation-worker").splitlines() if x.strip()]
    sched = next(x for x in lines if x[:2] == [".venv/bin/dask", "scheduler"])
    assert _parses(scheduler_cli, sched[2:])["port"] == "8786"
    work = next(x for x in lines if x[:2] == [".venv/bin/dask", "worker"])
    p = _parses(worker_cli, work[2:])
    assert p["scheduler"] == "tcp://workstation:8786" and p["nthreads"] == 1 and p["n_workers"] == "32"
    sweep = next(x for x in lines if x[0] == ".venv/bin/noodplan")
    from experiments.cli import build_parser

    args = build_parser().parse_args(sweep[1:])
    assert (args.executor, args.scheduler) == ("dask", "tcp://workstation:8786")


def test_the_design_file_example_loads(tmp_path):
    """The page's annotated design (every kind of parameter) passes `load_design`'s checks as written."""
    from experiments.sweep import load_design

    text = re.search(r"## The design file\n\n```yaml\n(.*?)```", DOC, re.S).group(1)
    (tmp_path / "design.yaml").write_text(text, encoding="utf-8")
    design = load_design(tmp_path / "design.yaml")
    assert design.name == "housing-x-ind" and len(design.parameters) == 5


def test_the_python_example_runs_as_a_script_and_unguarded_is_refused_in_one_line(tmp_path):
    """The page's Python example, saved as a script (on a small design) and run: a pool of
    processes whose workers run the script again on start. Without its `if __name__ ==
    "__main__":` each worker started the sweep again and died of it (the store is locked), and the
    sweep stopped after four pool restarts with "out of memory?"; now such a call is refused
    before the store is made, in one line saying what to do."""
    code = _block("python-api")
    assert 'run_sweep("experiments/designs/plan-thresholds.yaml", "out/pt", executor="processes")' in code
    design = write_design(tmp_path, sampler={"method": "lhs", "samples": 2, "seed": 3}, replicates=1, horizon_days=10)
    code = code.replace("experiments/designs/plan-thresholds.yaml", design.name)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    (tmp_path / "sweep.py").write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, "sweep.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out/pt/analysis/report.txt").is_file() and "2 ok, 0 failed" in done.stdout
    assert "[2 rows x" in done.stdout and "(run, day)" in done.stdout        # the table and the daily figures
    lines = code.replace("out/pt", "out/unguarded").splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("if __name__"))
    unguarded = [*lines[:at], *(x[4:] for x in lines[at + 1:])]          # the same calls at the top level
    (tmp_path / "unguarded.py").write_text("\n".join(unguarded) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "unguarded.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1 and last.startswith("model.scenario.ScenarioError: executor: 'processes' starts "
                                                    "worker processes"), done.stderr
    assert f"unguarded.py:{at + 1} calls this outside `if __name__" in last
    assert not (tmp_path / "out" / "unguarded").exists()                 # refused before the store is made


def test_the_salib_example_runs_on_a_store(tmp_path, monkeypatch, capsys):
    """The page's SALib example, on a small saltelli store of a toy (y = a + 2b + 3c): the report's
    total indices, and PAWN's medians, one per parameter, c first."""
    from experiments.sweep import run_sweep
    from experiments.sweep.design import design_from_dict
    from tests.experiments.test_sweep_support import Linear, toy_design

    code = _block("salib")
    assert 'salib_inputs(Store.open("out/pt"), "peak_unsheltered")' in code
    d = design_from_dict(toy_design(sampler={"method": "saltelli", "samples": 16, "seed": 1}))
    run_sweep(d, tmp_path / "out" / "pt", executor="serial", model=Linear())
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace('"peak_unsheltered"', '"y"'), "sweeps.md", "exec"), {})
    st, pw = [[float(v) for v in re.findall(r"[-\d.e]+", line)] for line in capsys.readouterr().out.splitlines()]
    assert len(st) == len(pw) == 3 and st[2] > st[1] > st[0] > 0 and pw[2] > pw[0] > 0


def test_the_dask_example_runs_as_a_script(tmp_path):
    """The page's Dask example as a script: `client.map` of a function returning KPIs, then the
    same Client given to `run_sweep` (on a 2-run design of 10 days in place of housing-x-ind)."""
    pytest.importorskip("distributed")
    code = _block("dask")
    assert 'run_sweep("experiments/designs/housing-x-ind.yaml", "out/hxi", executor="dask", scheduler=client)' in code
    design = write_design(tmp_path, sampler={"method": "lhs", "samples": 2, "seed": 3}, replicates=1, horizon_days=10)
    code = code.replace("experiments/designs/housing-x-ind.yaml", design.name).replace("days=30", "days=10")
    (tmp_path / "dask_example.py").write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "dask_example.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    first = ast.literal_eval(done.stdout.splitlines()[0])
    assert [sorted(k) for k in first] == [["cost_million_eur", "peak_population"]] * 2 and first[0] != first[1]
    assert "2 runs (2 points x 1 seed)" in done.stderr and (tmp_path / "out/hxi/runs.parquet").is_file()

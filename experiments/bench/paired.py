"""Paired seeds, one version of the model against another: do the key figures agree?

A change that restructures the rules for speed may change results (who gets a contested bed first,
the order of the move log) but must not change what the model says: over many seeds the key
figures of the two versions should agree within their sampling error. Each version runs the same
scenarios on the same seeds and saves its key figures (`run`, one JSON file per version, made in a
checkout of that version); `diff` pairs the files seed by seed and reports, per key figure, the mean
difference (B − A) with its 95 % confidence interval (Student's t over the paired differences, as
`noodplan compare`) and whether 0 lies inside.

    # in a checkout of main (or with PYTHONPATH pointing at one), then on the branch:
    python experiments/bench/paired.py run --out out/paired-main.json
    python experiments/bench/paired.py run --out out/paired-branch.json
    python experiments/bench/paired.py diff out/paired-main.json out/paired-branch.json

Run as a file, the script imports `model` and `experiments` from wherever `sys.path` finds them
first, so `PYTHONPATH=/path/to/main-checkout python experiments/bench/paired.py run …` measures
main with this script; the file records which `model` package it ran.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SCENARIOS = ("baseline", "mass-arrival")
# the key figures compared (keys of experiments.compare.KEY_FIGURES), and one more: persons in
# reception on the last day
FIGURES = ("population_end", "peak_population", "unsheltered_person_nights", "peak_unsheltered",
           "moves_per_person_year", "moves_per_person", "permit_holders_end", "cost_million_eur",
           "days_emergency_phase", "day_phase_2", "day_phase_3", "registered_late")


def key_figures_of(scenario: str, seed: int, days: int | None = None) -> dict[str, float]:
    """The compared figures of one run of `scenario` on `seed` (over `days`; None: its own horizon)."""
    from experiments.compare import key_figures
    from model.simulate import simulate

    res = simulate(scenario, seed=seed, days=days)
    out = key_figures(res)
    out["population_end"] = float(res.daily["population"].values[-1])
    return {k: out[k] for k in FIGURES}


def run(scenarios: tuple[str, ...], seeds: list[int], out: Path, label: str | None = None) -> None:
    """Run every scenario on every seed in this interpreter; write the figures to `out` (with `label`,
    by default the checkout's commit)."""
    import model

    root = Path(model.__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() if label is None else label
    got: dict[str, dict[str, list[float]]] = {}
    t0 = time.process_time()
    for name in scenarios:
        rows = [key_figures_of(name, seed) for seed in seeds]
        got[name] = {k: [r[k] for r in rows] for k in FIGURES}
        print(f"{name}: {len(seeds)} seeds, {time.process_time() - t0:.0f} s CPU so far", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"model": str(root), "commit": commit, "seeds": seeds, "figures": got}, indent=1))


def diff(a_path: Path, b_path: Path) -> str:
    """A markdown table: per scenario and figure, mean of A, mean of B, B − A with its 95 % CI."""
    from experiments.compare import paired_ci, readable as _fmt   # here, not at the top: `run` may measure
    # a checkout of another version, whose experiments.compare need not have them
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    if a["seeds"] != b["seeds"]:
        raise SystemExit("paired: the two files ran different seeds; pairing needs the same ones")
    lines = [f"A = {a['commit']}, B = {b['commit']}, {len(a['seeds'])} paired seeds "
             f"{a['seeds'][0]}…{a['seeds'][-1]}", "",
             "| scenario | key figure | A mean | B mean | B − A | 95 % CI | 0 inside |",
             "|---|---|---:|---:|---:|---|:-:|"]
    for name in a["figures"]:
        for k in FIGURES:
            va, vb = np.array(a["figures"][name][k]), np.array(b["figures"][name][k])
            mean, half = paired_ci(vb - va)
            inside = "yes" if mean - half <= 0 <= mean + half else "**no**"
            lines.append(f"| {name} | {k} | {_fmt(va.mean())} | {_fmt(vb.mean())} | {_fmt(mean)} | "
                         f"[{_fmt(mean - half)}, {_fmt(mean + half)}] | {inside} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from experiments.cli import RUNS, Parser   # the CLI's reading of a count: one line, exit code 2

    ap = Parser(prog="python -m experiments.bench.paired", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=Parser)
    r = sub.add_parser("run", help="key figures of this checkout on paired seeds")
    r.add_argument("--scenarios", default=",".join(SCENARIOS))
    r.add_argument("--seeds", type=RUNS, default=30, help="number of seeds, 1..N (default: 30)")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--label", help="name of this version in the table (default: its git commit)")
    d = sub.add_parser("diff", help="paired differences B − A with 95 %% CIs")
    d.add_argument("a", type=Path)
    d.add_argument("b", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "run":
        run(tuple(args.scenarios.split(",")), list(range(1, args.seeds + 1)), args.out, args.label)
    else:
        print(diff(args.a, args.b))


if __name__ == "__main__":
    main()

"""A generative fuzzer of the Python API's arguments (the API sweep): a Mesa or notebook user's first moves.

Every public entry (`ENTRIES`) is called with valid arguments on a tiny world (cases.TINY: baseline,
Zeeland, 20 days) except ONE, replaced by a wrong value (`WRONG`): a wrong type (text, a float with
a fraction, true/false, None, a list, a mapping, a NumPy scalar or array, a Generator, a path to
nothing, a folder), out of range (negative, 0, huge, NaN, infinity) or a wrong length (an empty
list, three items). A seeded `random.Random` picks the calls (and the magnitudes of the numbers),
so a call is reproduced by its entry, argument and kind.

Outcomes: `refused` (a ValueError -- ScenarioError, SnapshotError, DesignError, ... -- of one line
naming the argument); `accepted` (the call went on: returned, or reached the computation the
fuzzer stops at, `Computed`), fine when the argument takes that kind of value (`Arg.ok`); and the
findings: `traceback` (another exception), `lines` (several lines), `vague` (a line not naming the
argument), `hang` (more than HANG_SECONDS of CPU), `accepted-bad` (a kind the argument never takes).

    .venv/bin/python -m tests.bad_inputs.fuzz_api                    # every argument x every kind
    .venv/bin/python -m tests.bad_inputs.fuzz_api --per-arg 4 --seed 7 [-k simulate] [--show 20]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import random
import resource
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

from tests.bad_inputs.cases import DESIGN, TINY

HANG_SECONDS = 20
FINDINGS = ("traceback", "lines", "vague", "hang", "accepted-bad")

# the kinds of wrong value; NUMBER kinds are a whole number's wrong values, PATHS a file's
KINDS = ("text", "fraction", "bool", "none", "list", "dict", "np-int", "np-array", "generator",
         "missing-path", "folder", "negative", "zero", "huge", "nan", "inf", "empty", "triple")
WHOLE = frozenset({"np-int"})                          # a whole number, as NumPy writes it: taken where an int is
SEED = frozenset({"none", "np-int", "zero", "generator"})
PATH = frozenset({"none", "folder", "text", "missing-path"})   # a folder only read when a path is extended
CODES = frozenset({"none", "empty", "np-int", "zero", "list", "np-array", "triple"})   # rows or codes, one or several


class Computed(Exception):
    """The call got past its argument checks and went on to compute (the fuzzer stops it there)."""


class Hang(BaseException):
    """The call ran longer than HANG_SECONDS of CPU."""


def wrong(kind: str, r: random.Random, folder: Path) -> Any:
    """A wrong value of `kind` (numbers drawn from `r`)."""
    return {"text": lambda: r.choice(["x", "3", "", "baseline ", "1e3"]),
            "fraction": lambda: r.choice([2.5, 0.5, 1.25]),
            "bool": lambda: r.choice([True, False, np.bool_(True)]),
            "none": lambda: None,
            "list": lambda: [r.randint(1, 9), r.randint(1, 9)],
            "dict": lambda: {"a": r.randint(1, 9)},
            "np-int": lambda: np.int64(r.randint(2, 9)),
            "np-array": lambda: np.array([r.randint(1, 9), r.randint(1, 9)]),
            "generator": lambda: np.random.default_rng(r.randint(0, 99)),
            "missing-path": lambda: folder / "no-such" / f"x{r.randint(0, 99)}.yaml",
            "folder": lambda: folder,
            "negative": lambda: -r.choice([1, 3, 2 ** 31]),
            "zero": lambda: 0,
            "huge": lambda: r.choice([10 ** 12, 2 ** 63, 10 ** 30]),
            "nan": lambda: r.choice([float("nan"), np.float64("nan")]),
            "inf": lambda: r.choice([float("inf"), -float("inf"), np.float64("inf")]),
            "empty": lambda: [],
            "triple": lambda: (1, 2, 3)}[kind]()


@dataclass(frozen=True)
class Arg:
    name: str
    ok: frozenset[str] = frozenset()      # kinds this argument takes (accepted = fine)
    says: tuple[str, ...] = ()            # other words that name it in a message (default: its name)


@dataclass(frozen=True)
class Entry:
    name: str
    call: Callable[[Any, dict], Any]      # (world, the keywords) -> result
    base: Callable[[Any], dict]           # the valid keywords
    args: tuple[Arg, ...]
    stop_at: tuple[str, ...] = ()         # what to replace by Computed (the heavy work past the checks)


class World:
    """What the calls share: a tiny scenario, its world, a run, a model, a snapshot and files (built once)."""

    def __init__(self, folder: Path) -> None:
        from model.mesa_model import ReceptionModel
        from model.scenario import from_yaml_text
        from model.simulate import simulate
        from model.world import build_world
        self.folder = folder
        (folder / "tiny.yaml").write_text(TINY)
        (folder / "design.yaml").write_text(DESIGN)
        self.scenario = from_yaml_text(TINY, builtin_parents=True)
        self.world = build_world(self.scenario)
        self.results = simulate(self.scenario, seed=1, world=self.world)
        self.model = ReceptionModel(self.scenario, rng=1, world=self.world)
        self.model.step()
        self.snapshot = self.model.snapshot()
        self.snapshot_file = self.snapshot.save(folder / "s.snap")

    def fresh_model(self):
        from model.mesa_model import ReceptionModel
        m = ReceptionModel(self.scenario, rng=1, world=self.world)
        m.step()
        return m


def _entries() -> list[Entry]:
    from experiments.backtest import backtest
    from experiments.compare import compare
    from experiments.exercise import savefile
    from experiments.exercise.msel import load_exercise
    from experiments.forecast import origins
    from experiments.forecast.ensemble import run_forecast
    from experiments.sweep.design import load_design
    from experiments.sweep.sweep import run_sweep
    from model import prognosis, snapshot
    from model.many import simulate_many
    from model.mesa_model import ReceptionModel
    from model.scenario import from_dict, from_yaml_text, load_scenario, with_changes
    from model.simulate import prepare, simulate

    scenario = Arg("scenario", frozenset())
    seed = Arg("seed", SEED)
    days = Arg("days", WHOLE | {"none"})
    progress = Arg("progress", frozenset({"none"}))
    world = Arg("world", frozenset({"none"}))
    path = Arg("path", frozenset(), ("file", "path", "folder", "snapshot"))

    def sc(w):
        return {"scenario": w.scenario, "world": w.world}

    def tiny_path(w):
        return {"scenario": str(w.folder / "tiny.yaml")}

    return [
        Entry("simulate", lambda w, k: simulate(**k), lambda w: sc(w) | {"seed": 1, "days": 5},
              (scenario, seed, days, progress, world)),
        Entry("prepare", lambda w, k: prepare(**k), lambda w: sc(w) | {"seed": 1, "days": 5},
              (scenario, seed, days, world)),
        Entry("simulate_many", lambda w, k: simulate_many(**k),
              lambda w: {"scenarios": w.scenario, "seeds": [1, 2], "days": 3, "world": w.world},
              (Arg("scenarios"), Arg("seeds", frozenset({"none", "np-array", "list", "triple"})), days, progress,
               Arg("params", frozenset({"none"})), Arg("same_world", frozenset({"bool"})),
               Arg("reduce", frozenset({"none"})), Arg("memory_budget", frozenset({"none", "huge", "np-int"})))),
        Entry("ReceptionModel", lambda w, k: ReceptionModel(**k), lambda w: sc(w) | {"rng": 1, "days": 3},
              (scenario, Arg("rng", SEED), days, world,
               Arg("overrides", frozenset({"none", "empty"}), ("unknown field",)),
               Arg("collect_agents", frozenset({"bool"})), Arg("municipality_agent"), Arg("location_agent"),
               Arg("state", frozenset({"none"})))),
        Entry("ReceptionModel.apply", lambda w, k: w.fresh_model().apply(**k),
              lambda w: {"event": {"type": "ramp_up", "track": "regular"}},
              (Arg("event", frozenset(), ("decision",)),)),
        Entry("ReceptionModel.applicant", lambda w, k: w.model.applicant(**k), lambda w: {"person": 0},
              (Arg("person", frozenset({"np-int", "zero"})),)),
        Entry("ReceptionModel.applicants", lambda w, k: w.model.applicants(**k), lambda w: {},
              (Arg("stage", CODES), Arg("track", CODES),
               Arg("municipality", CODES),
               Arg("location", CODES | {"negative"}),      # -1: no bed
               Arg("at_most", frozenset({"none", "np-int", "zero", "huge"})))),
        Entry("ReceptionModel.restore", lambda w, k: ReceptionModel.restore(**k),
              lambda w: {"snapshot": w.snapshot, "world": w.world, "days": 25},
              (Arg("snapshot", frozenset(), ("snapshot", "file")), world, Arg("days", WHOLE | {"none", "huge"}))),
        Entry("Results.churn", lambda w, k: w.results.churn(**k), lambda w: {},
              (Arg("period", frozenset({"none", "list"})),
               Arg("kinds", frozenset({"none", "empty", "np-array", "triple"})))),
        Entry("Results.moves_before", lambda w, k: w.results.moves_before(**k), lambda w: {"day": 10, "days": 5},
              (Arg("day", WHOLE | {"zero"}), Arg("days", WHOLE | {"huge"}), Arg("children_only", frozenset({"bool"})))),
        Entry("Results.moves_per_person", lambda w, k: w.results.moves_per_person(**k), lambda w: {},
              (Arg("children_only", frozenset({"bool"})),)),
        Entry("Results.save", lambda w, k: w.results.save(**k), lambda w: {"out": w.folder / "out"},
              (Arg("out", frozenset({"missing-path", "text", "folder"})),)),
        Entry("load_scenario", lambda w, k: load_scenario(**k), lambda w: {"name_or_path": "baseline", "days": 5},
              (Arg("name_or_path", frozenset(), ("scenario", "file", "path", "folder")), days)),
        Entry("from_dict", lambda w, k: from_dict(**k), lambda w: {"data": {"extends": "baseline"}},
              (Arg("data", frozenset(), ("scenario",)), Arg("source", frozenset({"text"})),
               Arg("folder", PATH), Arg("builtin_parents", frozenset({"bool"})))),
        Entry("from_yaml_text", lambda w, k: from_yaml_text(**k), lambda w: {"text": TINY, "builtin_parents": True},
              (Arg("text", frozenset(), ("text", "upload")), Arg("source", frozenset({"text"})),
               Arg("folder", PATH), Arg("builtin_parents", frozenset({"bool"})))),
        Entry("with_changes", lambda w, k: with_changes(**k),
              lambda w: {"scenario": w.scenario, "changes": {"horizon_days": 10}},
              (scenario, Arg("changes", frozenset({"empty", "dict"}), ("changes", "overrides")),
               Arg("source", frozenset({"text"})))),
        Entry("snapshot.load", lambda w, k: snapshot.load(**k), lambda w: {"path": w.snapshot_file}, (path,)),
        Entry("snapshot.capture", lambda w, k: snapshot.capture(**k), lambda w: {"s": w.model.state},
              (Arg("s", frozenset(), ("state",)),)),
        Entry("Snapshot.save", lambda w, k: w.snapshot.save(**k), lambda w: {"path": w.folder / "t.snap"},
              (Arg("path", frozenset({"text", "missing-path"}), ("file", "path", "folder")),)),
        Entry("prognosis.prognose", lambda w, k: prognosis.prognose(**k),
              lambda w: {"start": prognosis.FromSnapshot(w.snapshot, w.world), "days": 3, "members": 2, "seed": 1},
              (Arg("start"), Arg("days", WHOLE), Arg("members", WHOLE), Arg("seed", WHOLE | {"zero"}),
               Arg("inflow_multipliers", frozenset({"none"})), progress)),
        Entry("compare", lambda w, k: compare(**k),
              lambda w: {"a": w.scenario, "b": w.scenario, "runs": 2, "seed": 1, "days": 3},
              (Arg("a"), Arg("b"), Arg("runs", WHOLE), Arg("seed", WHOLE | {"none", "zero"}), days,
               Arg("workers", WHOLE | {"none"}), progress), stop_at=("experiments.compare.simulate_many",)),
        Entry("backtest", lambda w, k: backtest(**k), lambda w: {"scenario": w.scenario, "seeds": 2},
              (scenario, Arg("seeds", WHOLE | {"list", "triple"}), Arg("points", frozenset({"none"})),
               Arg("jobs", WHOLE | {"none"})), stop_at=("experiments.backtest.replicates",)),
        Entry("run_forecast", lambda w, k: run_forecast(**k),
              lambda w: {"origin": origins.from_run(w.scenario, months=1), "months": 1, "members": 2},
              (Arg("origin"), Arg("months", WHOLE), Arg("members", WHOLE), Arg("seed", WHOLE | {"zero"}),
               Arg("inflow"), Arg("errors", frozenset({"none"})), Arg("occupancy"), progress,
               Arg("jobs", WHOLE), Arg("band", frozenset({"none"}))), stop_at=("model.prognosis.prognose",)),
        Entry("from_run", lambda w, k: origins.from_run(**k), lambda w: {"scenario": w.scenario, "months": 1},
              (scenario, Arg("months", WHOLE), Arg("at", frozenset({"none"})), Arg("seed", SEED - {"generator"}),
               progress)),
        Entry("from_record", lambda w, k: origins.from_record(**k),
              lambda w: {"origin": __import__("datetime").date(2023, 1, 1), "months": 1},
              (Arg("origin"), Arg("months", WHOLE), Arg("base"), Arg("record", frozenset({"none"})),
               Arg("scenario_inflow", frozenset({"bool"})), Arg("keep_events", frozenset({"bool"})),
               Arg("targets"), Arg("stock"), Arg("family")),
              stop_at=("experiments.forecast.origins.build_world",)),
        Entry("load_design", lambda w, k: load_design(**k), lambda w: {"name_or_path": w.folder / "design.yaml"},
              (Arg("name_or_path", frozenset(), ("design", "file", "path", "folder")),)),
        Entry("run_sweep", lambda w, k: run_sweep(**k),
              lambda w: {"design": w.folder / "design.yaml", "out": w.folder / f"store{random.random()}",
                         "executor": "serial", "log": lambda m: None},
              (Arg("design", frozenset(), ("design", "file", "path", "folder")),
               Arg("out", frozenset({"missing-path", "text"})), Arg("executor"), Arg("workers", WHOLE | {"none"}),
               Arg("scheduler", frozenset({"none"})), Arg("batch_size", WHOLE | {"none", "huge"}),
               Arg("model", frozenset({"none"})), Arg("progress", frozenset({"none", "bool"})),
               Arg("on_batch", frozenset({"none"})), Arg("log")),
              stop_at=("experiments.sweep.sweep.executors.make",)),
        Entry("load_exercise", lambda w, k: load_exercise(**k), lambda w: {"name_or_path": "force-majeure"},
              (Arg("name_or_path", frozenset(), ("exercise", "file", "path", "folder")),)),
        Entry("savefile.load", lambda w, k: savefile.load(**k), lambda w: {"path": w.folder / "x.json"},
              (Arg("path", frozenset(), ("file", "path", "folder", "saved")),)),
    ]


@dataclass
class Outcome:
    outcome: str
    detail: str = ""


@contextlib.contextmanager
def _cpu_limit(seconds: float) -> Iterator[None]:
    def on_alarm(signum, frame):
        raise Hang()
    old = signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def _computed(*a, **k):
    raise Computed()


def run_one(entry: Entry, arg: Arg, kind: str, value: Any, w: World) -> Outcome:
    """Call `entry` with `arg` set to `value` and classify what happened."""
    import traceback
    kwargs = entry.base(w) | {arg.name: value}
    try:
        with contextlib.ExitStack() as stack:
            for target in entry.stop_at:
                stack.enter_context(mock.patch(target, _computed))
            stack.enter_context(_cpu_limit(HANG_SECONDS))
            entry.call(w, kwargs)
    except Computed:
        pass
    except Hang:
        return Outcome("hang", f"more than {HANG_SECONDS} s of CPU")
    except ValueError as e:
        text = str(e)
        if "\n" in text.strip():
            return Outcome("lines", text)
        names = (arg.name,) + arg.says + ((str(value),) if isinstance(value, str | Path) and str(value) else ())
        if not any(n.lower() in text.lower() for n in names):
            return Outcome("vague", f"{type(e).__name__}: {text}")
        return Outcome("refused", text)
    except Exception as e:      # any other exception is the finding
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return Outcome("traceback", f"{type(e).__name__}: {str(e)[:200]} (at {Path(tb.filename).name}:{tb.lineno})")
    return Outcome("accepted" if kind in arg.ok else "accepted-bad", "")


def fuzz(per_arg: int | None = None, seed: int = 1, only: str = "") -> list[tuple[str, str, str, Outcome]]:
    """(entry, argument, kind, outcome) for every argument of every entry: all kinds, or `per_arg`
    kinds drawn by `seed`."""
    r = random.Random(seed)
    out = []
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):     # a relative path lands here
        folder = Path(tmp)
        w = World(folder)
        for entry in _entries():
            if only and only not in entry.name:
                continue
            for arg in entry.args:
                kinds = list(KINDS) if per_arg is None else r.sample(KINDS, per_arg)
                for kind in kinds:
                    value = wrong(kind, r, folder / "empty-folder" if kind == "folder" else folder)
                    if kind == "folder":
                        value.mkdir(exist_ok=True)
                    out.append((entry.name, arg.name, kind, run_one(entry, arg, kind, value, w)))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--per-arg", type=int, default=None, help=f"kinds per argument (default: all {len(KINDS)})")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-k", default="", help="only entries whose name holds this")
    p.add_argument("--show", type=int, default=50, help="findings to print")
    a = p.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    rows = fuzz(a.per_arg, a.seed, a.k)
    table = collections.Counter((e, o.outcome) for e, _a, _k, o in rows)
    for e in dict.fromkeys(e for e, *_ in rows):
        counts = {o: n for (e2, o), n in table.items() if e2 == e}
        print(f"{e:28} " + "  ".join(f"{o} {n}" for o, n in sorted(counts.items())))
    findings = [(e, ar, k, o) for e, ar, k, o in rows if o.outcome in FINDINGS]
    total = collections.Counter(o.outcome for *_x, o in rows)
    print(f"\n{len(rows)} calls: " + ", ".join(f"{o} {n}" for o, n in sorted(total.items())))
    for e, ar, k, o in findings[: a.show]:
        print(f"FINDING {e}({ar}=<{k}>): {o.outcome}: {o.detail[:300]}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

"""The stable-stock counterfactual of a run: the same scenario and seed with the portfolio of the
built-in `stable-stock` scenario (about 41,000 regular places on long, renewed contracts), run
headless in the background, so the cost card can say what the run costs against it.

With `baseline` (which `stable-stock` extends) the counterfactual *is* `stable-stock` on the same
seed; with other scenarios it keeps their inflow, plan and events and swaps only what
`stable-stock` changes, so the difference comes from the portfolio, not from the arrivals.

The counterfactual runs only as far as the runs that show it need (`Follower.ask(day)`: the
day a page's run has reached, plus `LEAD` days so that stepping and playing find it there), in
chunks of `CHUNK` days, one counterfactual at a time, the most recently asked first. It used to
run the whole horizon at once: a year of `eu-scale` (1.27 million people) before the card could
show anything, competing with Play all the while. A day's cost depends on the days before it
only (the run is stepped exactly as `simulate()` steps it), so the figures are those of the full
run, day for day.

At most `LIVE_STATES` counterfactuals keep their run's state live (a baseline run is some 11 MB,
eu-scale's 55 MB after 100 days). One let go beyond that is *parked*: its state captured as a
snapshot (`model.snapshot`) with its arrays compressed (zlib level 1: baseline's 8.3 MB of arrays
after 500 days become 2.3 MB in 0.1 s of CPU, eu-scale's 54 MB after 100 days 12.6 MB in 0.4 s), and
restored (0.06 and 0.15 s) when it is asked for more, so it goes on from the day it reached instead of
simulating again from day 0 (1.3 s of CPU for baseline's 500 days, 2.3 s for eu-scale's 100).
Parked snapshots are kept within `PARKED_BYTES`, the least recently asked dropped first; the
costs of the days computed (a float a day) are kept with the counterfactual in any case.
"""

from __future__ import annotations

import io
import threading
import time
import zlib
from collections import OrderedDict

import numpy as np
import yaml

from model import snapshot
from model.metrics import Recorder
from model.rulebook import run_day
from model.scenario import SCENARIO_DIR, Scenario
from model.simulate import prepare
from viz import workers
from viz.compare import variant
from viz.session import world_for

NAME = "stable-stock"
_OWN_KEYS = ("extends", "name", "description")
LEAD = 90              # days the counterfactual runs ahead of the furthest day asked
CHUNK = 15             # days simulated between two looks at what is asked
CACHE_SIZE = 8         # counterfactuals kept (their costs: a float per day)
LIVE_STATES = 2        # of which at most this many keep their run's state live to go on from
PARKED_BYTES = 128 << 20   # the others' states, parked (compressed snapshots), within this many bytes

_followers: OrderedDict[tuple, Follower] = OrderedDict()     # least recently asked first
_lock = threading.Lock()
_changed = threading.Condition(_lock)                        # a follower moved on, or was asked for more
_worker: threading.Thread | None = None
_quit = threading.Event()                                    # set at the interpreter's exit (`viz.workers`)


def stable_stock_changes() -> dict:
    """What `stable-stock.yaml` changes (its own fields, without extends/name/description)."""
    data = yaml.safe_load((SCENARIO_DIR / f"{NAME}.yaml").read_text(encoding="utf-8")) or {}
    return {k: v for k, v in data.items() if k not in _OWN_KEYS}


def counterfactual_of(sc: Scenario) -> Scenario:
    """The scenario with the stable-stock portfolio (same horizon, seed, inflow, plan, events)."""
    cf = variant(sc, yaml.safe_dump(stable_stock_changes()))
    return cf.model_copy(update={"name": f"{sc.name} with the stable stock"})


def note(sc: Scenario) -> str:
    if sc.name == NAME:
        return "this run is the stable stock itself"
    return "against the same run with the stable-stock portfolio (same seed)"


def _start(sc: Scenario, seed: int | None):
    """The counterfactual's state on day 0 (as `simulate()` prepares it)."""
    cf = counterfactual_of(sc)
    return prepare(cf, seed, world=world_for(cf))


class Parked:
    """A run's state let go from memory, to go on from later: a snapshot with its arrays compressed."""

    def __init__(self, state) -> None:
        snap = snapshot.capture(state)
        self.world = state.world
        self.day = snap.day
        self.header, self.tree = snap.header, snap.tree
        self.arrays = [zlib.compress(_npy(a), 1) for a in snap.arrays]
        self.nbytes = sum(len(z) for z in self.arrays)

    def restore(self):
        """The state as it was parked (bit for bit: it goes on exactly as the run never let go)."""
        arrays = [np.lib.format.read_array(io.BytesIO(zlib.decompress(z)), allow_pickle=False) for z in self.arrays]
        return snapshot.Snapshot(self.header, self.tree, arrays).restore(world=self.world)


def _npy(a: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, a, allow_pickle=False)
    return out.getvalue()


def _advance(state, days: int) -> np.ndarray:
    """Simulate `days` more days of `state`; their daily cost (EUR)."""
    start = state.day
    for _ in range(days):
        run_day(state)
    recorder: Recorder = state.recorder
    return recorder.scalars["cost_eur"][start:state.day].copy()


class Follower:
    """One scenario and seed's counterfactual, computed as far as asked (`ask`). Its daily cost
    of the days computed so far: `cost_upto(day)`; `wait(day)` blocks until they are there."""

    def __init__(self, sc: Scenario, seed: int | None) -> None:
        self.sc, self.seed = sc, seed
        self.key = (sc.model_dump_json(), seed)     # its place among the kept (`follow`)
        self.horizon = sc.horizon_days
        self.cost = np.zeros(self.horizon)
        self.days = 0                   # days whose cost is known
        self.wanted = 0                 # days asked for (with the lead)
        self.error: BaseException | None = None
        self._state = None              # the run, to go on from (None: not started, parked or let go)
        self._parked: Parked | None = None  # the run let go from memory, to go on from (`Parked`)
        self.simulated = 0              # days simulated for it in all (a day simulated twice counts twice)

    def ask(self, day: int) -> None:
        """A run that shows this counterfactual has reached `day`: have `day` + LEAD days ready."""
        with _lock:
            _keep(self)                 # (back among the kept if it was let go while a page held it)
            want = min(self.horizon, max(day, 0) + LEAD)
            if want > self.wanted:
                self.wanted = want
                _wake()

    def progress(self) -> tuple[int, int]:
        """(days computed, days asked for): where the counterfactual stands, for a page to say."""
        with _lock:
            return self.days, self.wanted

    def covers(self, day: int) -> bool:
        return self.days >= min(day, self.horizon)

    def cost_upto(self, day: int) -> np.ndarray | None:
        """The daily cost of days 0 .. day - 1, or None while they are not computed yet."""
        with _lock:
            return self.cost[:day].copy() if self.covers(day) else None

    def wait(self, day, timeout: float | None = None, cancel: threading.Event | None = None) -> bool:
        """Block until the days up to `day` (a number, or a function giving it: a run that moves on)
        are computed (True), or the run failed, `cancel` is set or `timeout` passed (False)."""
        target = day if callable(day) else (lambda: day)
        deadline = None if timeout is None else time.monotonic() + timeout
        with _lock:
            while not self.covers(target()):
                if self.error is not None or (cancel is not None and cancel.is_set()):
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                _changed.wait(0.25 if left is None else min(left, 0.25))
            return True


def follow(sc: Scenario, seed: int | None) -> Follower:
    """The counterfactual of `sc` and `seed` (one per process for a scenario and seed; the
    CACHE_SIZE most recently asked are kept). Ask it for days with `Follower.ask`."""
    f = Follower(sc, seed)
    with _lock:
        f = _followers.get(f.key, f)
        _keep(f)
        return f


def _keep(f: Follower) -> None:
    """(Under _lock.) `f` is the most recently asked of the kept; the least recently asked beyond
    CACHE_SIZE are let go."""
    _followers[f.key] = f
    _followers.move_to_end(f.key)
    while len(_followers) > CACHE_SIZE:
        _, gone = _followers.popitem(last=False)
        gone._state = gone._parked = None   # (a page holding it keeps its costs)


def idle() -> bool:
    """No counterfactual has days asked for and not computed (the bench waits for this)."""
    with _lock:
        return _next() is None


def _wake() -> None:
    """(Under _lock.) Start the worker if it is not running; tell it something changed."""
    global _worker
    _changed.notify_all()
    if _worker is None or not _worker.is_alive():
        _worker = workers.start(_work, "noodplan-counterfactual", _quit)


def _next() -> Follower | None:
    """(Under _lock.) The most recently asked counterfactual with days still to compute."""
    for f in reversed(_followers.values()):
        if f.error is None and f.days < f.wanted:
            return f
    return None


def _work() -> None:
    """Compute the asked days, a chunk at a time, the most recently asked counterfactual first:
    a planner who looks through the scenario list asks for one per scenario, and the one on screen
    now goes on next, not after those passed by. Beyond LIVE_STATES live states, the least recently
    asked are parked (`Parked`) and go on from where they were when asked again."""
    global _worker
    while True:
        with _lock:
            f = _next()
            if f is None or _quit.is_set():
                _worker = None
                return
            live = [g for g in _followers.values() if g._state is not None and g is not f]
            park = [(g, g._state) for g in live[:max(0, len(live) - (LIVE_STATES - 1))]]
            for g, _ in park:
                g._state = None
            state, parked = f._state, f._parked       # taken by the worker while it runs the chunk
            f._state = f._parked = None
        for g, st in park:                            # (outside the lock: a page's asks do not wait)
            try:
                p: Parked | None = Parked(st)
            except Exception:                         # not parked: it starts again from day 0 when asked
                p = None
            with _lock:
                if _followers.get(g.key) is g:
                    g._parked = p
                    _trim_parked()
        try:
            if state is None:
                state = parked.restore() if parked is not None else _start(f.sc, f.seed)
            with _lock:
                at = state.day
                n = min(CHUNK, f.wanted - at)
            cost = _advance(state, n)
        except BaseException as exc:      # the card shows it ("stable-stock run failed: …")
            with _lock:
                f.error = exc
                _changed.notify_all()
            continue
        with _lock:
            f.cost[at:at + n] = cost
            f.days = max(f.days, at + n)
            f.simulated += n
            f._state = state if state.day < f.horizon and _followers.get(f.key) is f else None
            _changed.notify_all()


def _trim_parked() -> None:
    """(Under _lock.) Parked states within PARKED_BYTES: the least recently asked dropped first."""
    parked = [g for g in _followers.values() if g._parked is not None]
    total = sum(g._parked.nbytes for g in parked if g._parked is not None)
    for g in parked:
        if total <= PARKED_BYTES:
            break
        total -= g._parked.nbytes if g._parked is not None else 0
        g._parked = None

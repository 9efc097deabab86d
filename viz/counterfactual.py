"""The stable-stock counterfactual of a run: the same scenario and seed with the portfolio of the
built-in `stable-stock` scenario (about 41,000 regular places on long, renewed contracts), run
headless in the background once per process and cached, so the cost card can say what the run
costs against it.

With `baseline` (which `stable-stock` extends) the counterfactual *is* `stable-stock` on the same
seed; with other scenarios it keeps their inflow, plan and events and swaps only what
`stable-stock` changes, so the difference comes from the portfolio, not from the arrivals.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future

import numpy as np
import yaml

from model.scenario import SCENARIO_DIR, Scenario
from model.simulate import simulate
from viz.compare import variant
from viz.session import world_for

NAME = "stable-stock"
_OWN_KEYS = ("extends", "name", "description")
_cache: OrderedDict[tuple, Future] = OrderedDict()
_waiting: OrderedDict[tuple, tuple[Future, Scenario, int | None]] = OrderedDict()   # asked, not started
_worker: threading.Thread | None = None
_lock = threading.Lock()
CACHE_SIZE = 8


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


def _run(sc: Scenario, seed: int | None) -> np.ndarray:
    cf = counterfactual_of(sc)
    return simulate(cf, seed=seed, world=world_for(cf)).daily["cost_eur"].values.copy()


def cost_future(sc: Scenario, seed: int | None) -> Future:
    """Daily cost (EUR) of the counterfactual over the whole horizon, computed at most once per
    process for a scenario and seed (a future: `.result()` waits, `.done()` asks).

    One run at a time, the most recently asked first: a planner who looks through the scenario
    list asks for one counterfactual per scenario, and the one on screen now is computed next, not
    after those of the scenarios passed by (first come, first served it waited behind them: behind
    eu-scale's and hindcast-2015's, minutes). A run asked for no more leaves the cache unstarted."""
    global _worker
    key = (sc.model_dump_json(), seed)
    with _lock:
        fut = _cache.get(key)
        if fut is None:
            fut = _cache[key] = Future()
            _waiting[key] = (fut, sc, seed)
            while len(_cache) > CACHE_SIZE:
                old, _ = _cache.popitem(last=False)
                gone = _waiting.pop(old, None)
                if gone is not None:
                    gone[0].cancel()
        else:
            _cache.move_to_end(key)
            if key in _waiting:
                _waiting.move_to_end(key)
        if _waiting and (_worker is None or not _worker.is_alive()):
            _worker = threading.Thread(target=_work, name="noodplan-counterfactual", daemon=True)
            _worker.start()
        return fut


def _work() -> None:
    """Run the waiting counterfactuals, newest first, until none waits."""
    global _worker
    while True:
        with _lock:
            if not _waiting:
                _worker = None
                return
            _, (fut, sc, seed) = _waiting.popitem(last=True)
        if not fut.set_running_or_notify_cancel():
            continue
        try:
            fut.set_result(_run(sc, seed))
        except BaseException as exc:   # the card shows it ("stable-stock run failed: …")
            fut.set_exception(exc)

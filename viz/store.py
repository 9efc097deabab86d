"""Named scenarios and runs saved in the browser session (and as files).

A browser keeps its Solara session (a cookie) across reloads and tabs, so what is saved here is
found again after a reload. The store lives in the server's memory, one per browser session; it
holds scenarios (validated `Scenario` objects) and runs (`RunRecord`: reopened by replaying,
which gives the same run). Files: a scenario saves as YAML, a run as JSON.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from model.scenario import Scenario
from viz.session import RunRecord

MAX_ITEMS = 50          # per kind and browser session


@dataclass
class Store:
    scenarios: OrderedDict[str, Scenario] = field(default_factory=OrderedDict)
    runs: OrderedDict[str, RunRecord] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def save_scenario(self, name: str, sc: Scenario) -> str:
        name = name.strip() or sc.name
        with self.lock:
            self.scenarios[name] = sc.model_copy(update={"name": name})
            self.scenarios.move_to_end(name)
            while len(self.scenarios) > MAX_ITEMS:
                self.scenarios.popitem(last=False)
        return name

    def save_run(self, rec: RunRecord) -> str:
        with self.lock:
            self.runs[rec.name] = rec
            self.runs.move_to_end(rec.name)
            while len(self.runs) > MAX_ITEMS:
                self.runs.popitem(last=False)
        return rec.name


_stores: OrderedDict[str, Store] = OrderedDict()
_lock = threading.Lock()
MAX_SESSIONS = 200


def store_for(session_id: str) -> Store:
    """The store of one browser session (made on first use; the oldest go when there are many)."""
    with _lock:
        st = _stores.get(session_id)
        if st is None:
            st = _stores[session_id] = Store()
            while len(_stores) > MAX_SESSIONS:
                _stores.popitem(last=False)
        _stores.move_to_end(session_id)
        return st

"""The dashboard's own threads (Play, a page's long job, the counterfactual, the pages' pollers), and how
they end when the server does.

Each runs on a daemon thread that ends soon after its stop event is set. A daemon thread still running
when the interpreter shuts down is killed wherever it is, and killed inside some extensions it takes
the process with it: measured, a thread validating scenarios (pydantic-core) killed so ended the process
by SIGABRT ("FATAL: exception not rethrown") in 4 of 4 exits, one drawing the map (matplotlib) by SIGSEGV
in 2 of 4 — a server stopped by Ctrl+C while a Play or a comparison ran could end so. `start` keeps
every such thread with its stop event; at the interpreter's exit (`atexit`, which runs while the threads
still run normally) `stop_all` sets the events and waits for the threads, `EXIT_GRACE_S` for all of them
together. A thread that does not end by then is left as before (it is a daemon: the exit never hangs).
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from typing import Any

EXIT_GRACE_S = 10.0      # seconds the interpreter's exit waits, in all, for the threads told to stop

_live: dict[threading.Thread, threading.Event] = {}
_lock = threading.Lock()


def start(target: Callable[..., Any], name: str, stop: threading.Event, args: tuple = ()) -> threading.Thread:
    """Run `target(*args)` on a daemon thread called `name`, which must end soon after `stop` is set
    (it checks it between its steps); the thread is told to stop at the interpreter's exit."""
    def run() -> None:
        try:
            target(*args)
        finally:
            with _lock:
                _live.pop(threading.current_thread(), None)
    thread = threading.Thread(target=run, name=name, daemon=True)
    with _lock:
        _live[thread] = stop
    thread.start()
    return thread


def running() -> list[threading.Thread]:
    """The threads started here that have not ended."""
    with _lock:
        return [t for t in _live if t.is_alive()]


def stop_all(grace_s: float = EXIT_GRACE_S) -> list[threading.Thread]:
    """Tell every thread started here to stop and wait for them, `grace_s` seconds for all together;
    returns those still running then."""
    with _lock:
        live = list(_live.items())
    for _, stop in live:
        stop.set()
    deadline = time.monotonic() + grace_s
    for thread, _ in live:
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    return running()


atexit.register(stop_all)

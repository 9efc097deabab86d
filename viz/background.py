"""A page's long computation (a comparison, a forecast) run off the render thread, owned by the page, not
by a tab; `JobControls` is its start button, progress, Cancel and error in a panel.

The dashboard's tabs are lazy: opening another tab unmounts the panel that was shown, and a thread
tied to that panel (`solara.use_thread`) is cancelled with it, its result lost without a word. A
`BackgroundJob` lives as long as the page. A click starts it; it reports progress (0..1), then hands
its result to `on_result`, or keeps the error in words, each in a reactive that the panel reads
whenever it is shown. A failure is never silent: the panel shows it, the server log has the traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import solara

from viz import workers
from viz.redraw import from_thread

log = logging.getLogger(__name__)

PROGRESS_STEP = 0.05      # report progress in steps of 5 % (each report redraws the panel)

# work(progress, cancelled) -> result, or None when cancelled
Work = Callable[[Callable[[float], None], Callable[[], bool]], Any]


class JobCancelled(Exception):
    """Raised by a job's progress report once the job is cancelled (Cancel, the page closing or the
    server stopping), so a long run ends at its next day, not at the end of the run it is in."""


class BackgroundJob:
    """One computation at a time: `start(work)`, `cancel()`; `running`, `progress` and `error`
    are reactives (error: "" when none)."""

    def __init__(self, on_result: Callable[[Any], None]) -> None:
        self.on_result = on_result
        self.running = solara.reactive(False)
        self.progress = solara.reactive(0.0)
        self.error = solara.reactive("")
        self._cancel = threading.Event()

    def start(self, work: Work) -> None:
        """Run `work` in a thread of its own; a second start while one runs is ignored."""
        if self.running.value:
            return
        cancel = self._cancel = threading.Event()
        self.error.set("")
        self.progress.set(0.0)
        self.running.set(True)
        workers.start(self._run, "noodplan-job", cancel, (work, cancel))

    def cancel(self) -> None:
        """Stop at the next point the work asks; returns at once (the result, if any, is dropped)."""
        self._cancel.set()
        self.running.set(False)

    def abandon(self) -> None:
        """The page is closing: stop at the next point the work asks, without redrawing anything."""
        self._cancel.set()

    def _run(self, work: Work, cancel: threading.Event) -> None:
        """Run `work`; its progress, result and error reach the page between the messages of its browser
        (`viz.redraw.from_thread`): the result redraws the panel, which then read the fields' texts from
        before a message that set one, and sent them back over the text typed (the seeds of the next
        comparison typed while one ran). A Cancel handled meanwhile drops what comes after it."""
        last = [0.0]

        def tick(f: float) -> None:
            if cancel.is_set():
                raise JobCancelled
            if f - last[0] >= PROGRESS_STEP:
                last[0] = f
                from_thread(lambda: None if cancel.is_set() else self.progress.set(f))
        try:
            out = work(tick, cancel.is_set)
        except JobCancelled:
            return
        except Exception as exc:   # shown in the panel; the traceback goes to the server log
            log.exception("background job failed")
            said = str(exc) or type(exc).__name__      # (`exc` is unbound once the except block ends)

            def failed() -> None:
                if not cancel.is_set():
                    self.error.set(said)
                    self.running.set(False)
            from_thread(failed)
            return

        def done() -> None:
            if not cancel.is_set():
                if out is not None:
                    self.on_result(out)
                self.running.set(False)
        from_thread(done)


@solara.component
def JobControls(job: BackgroundJob, label: str, on_click: Callable[[], None], disabled: bool, plan: str | None,
                cls: str, what: str):
    """A panel's start button for `job` (class `<cls>-run`), what it will run (`<cls>-plan`, when
    known), while it runs a progress bar and Cancel, and after a failure the error in red
    (`<cls>-error`: "The <what> stopped: …")."""
    running = job.running.value
    # The progress bar and Cancel are always in the row, hidden while nothing runs, and the error sits in a box
    # that stays: parts that came and went beside the button made the browser draw the row anew (as the
    # progress row of the fastest Play did, where a Pause was lost).
    hidden = {} if running else {"display": "none"}
    with solara.Row():
        solara.Button(label, on_click=on_click, disabled=disabled or running, color="primary", classes=[f"{cls}-run"])
        solara.Text(plan or "", classes=[f"{cls}-plan"] if plan is not None else [],
                    style={"align-self": "center", "color": "#555"})
        solara.ProgressLinear(value=job.progress.value * 100 if running else 0, style={"flex": "1", **hidden})
        solara.Button("Cancel", on_click=job.cancel, color="error", text=True, disabled=not running,
                      style=hidden, classes=[f"{cls}-cancel"])
    with solara.Div(classes=[f"{cls}-error-box"]):
        if job.error.value:
            solara.Error(f"The {what} stopped: {job.error.value}", classes=[f"{cls}-error"])

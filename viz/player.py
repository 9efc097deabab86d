"""Play a session day after day in its own thread, showing at most one frame per finished render.

Why a thread of its own, and why frames: simulating a day takes a few milliseconds, drawing it
(map, charts, cards) and sending it to the browser a hundred or more. So the player simulates
the days that are due at the chosen speed and *skips frames, not days*: it asks for a new frame
only when the previous one has been drawn (`Frames`), and never changes reactive state while a
render is under way. A render asked for by the player runs in the player's thread (Solara renders
in the thread that changes state when it can take the render lock), so the thread that handles the
browser's clicks is never blocked by it, and Pause — a plain `threading.Event` — stops the run
before its next day at every speed, including "as fast as possible".

At the fastest speed the days between two frames are counted in the player thread's CPU time
(`FRAME_BUDGET_S`), not on the clock. With a clock budget a loaded machine (other processes on
the cores, the counterfactual holding the interpreter) put fewer days into each frame, so a Play
drew more frames, each a render of 70-100 ms of CPU, and loaded the machine further (a two-year
Play of `baseline` on half a core: 30 frames instead of 15). Now a Play draws the same frames at
any load; `MAX_FRAME_GAP_S` still shows a frame at least once a second.

The player asks for a frame only while no render of the page is under way (`rendering`, the page's
render lock). A state change made while another thread renders is left to that thread, which renders
it after its own and looks for more before it lets go: a frame asked for during the render of a click
(a tab, a What-if) was rendered by the thread that handles the browser's messages, and on a loaded
machine, where a render took longer than the player's frame (and a frame not drawn after
`STALE_FRAME_S` was asked for again), that thread rendered frame after frame for as long as the Play
lasted and read no message from the browser meanwhile: a What-if clicked after a tab switch was never
answered (`viz.trace` showed no `in` line after the tab's, 5 of 9 runs at a load of 8-16). Now that
thread renders its click and at most one frame asked for in the instant before its render began.

A frame is drawn under the page's lock (`page_lock`, the lock the server handles the browser's messages
under; `viz.redraw`). Drawn outside it, a frame that read the What-if's field just before a key arrived
sent the text from before it back over the text typed, and a click at that moment carried it (90000
typed, "first applications 9,000 a year" decided, 7 December). A frame due waits for the lock at most
`LOCK_WAIT_S`, else it is skipped and the player simulates on: a message being handled goes first (taken
only when free at once, the lock was found free only after Pause on a machine where messages came one
after the other: no frame for 18 s). The last frame (Pause, the horizon) waits for the lock, unless a
handler waits for the player (Play, Reset, Apply join it while holding the lock): that handler draws the
page itself.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol

from viz import trace, workers

SPEEDS = {"1 day/s": 1.0, "5 days/s": 5.0, "20 days/s": 20.0, "as fast as possible": math.inf}
FASTEST = "as fast as possible"
FRAME_BUDGET_S = 0.25      # at the fastest speed: simulate this much of the thread's CPU time between frames
MAX_FRAME_GAP_S = 1.0      # ... or this long on the clock, whichever comes first
MIN_FRAME_S = 1 / 30       # never more than 30 frames a second
STALE_FRAME_S = 2.0        # a frame not drawn after this long is given up (e.g. a closed tab)
LOCK_WAIT_S = 0.1          # a frame due waits this long for the page's lock, else is skipped


class Frames:
    """One frame at a time: `due()` says whether a new frame may be asked for (the last one was
    drawn, or given up); the page calls `drawn(n)` when it has rendered frame `n`."""

    def __init__(self) -> None:
        self.asked = 0                 # number of the last frame asked for
        self.shown = 0                 # number of the last frame drawn
        self._asked_at = 0.0

    def due(self, now: float) -> bool:
        if now - self._asked_at < MIN_FRAME_S:
            return False
        return self.shown >= self.asked or now - self._asked_at > STALE_FRAME_S

    def ask(self, now: float) -> int:
        self.asked += 1
        self._asked_at = now
        return self.asked

    def drawn(self, n: int) -> None:
        self.shown = max(self.shown, n)


class PageLock(Protocol):
    """The lock a page's browser messages are handled under (`threading.RLock`)."""

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...

    def release(self) -> None: ...


class Player:
    """Runs `step(n)` (which simulates n days, returning the days simulated) at `speed` days per
    second in a background thread; `show(frame)` asks for frame number `frame` to be drawn.

    `play()` starts (or changes speed), `pause()` stops before the next day and returns at once;
    when the thread stops (paused, at the horizon, or an error) it shows its last day and then
    calls `on_stop()`. While `rendering()` is true or `page_lock` is held it asks for no frame (it goes
    on simulating); its last frame and `on_stop()` wait for `page_lock`, and are drawn as one update
    inside `together()` (the page's render context: one drawing instead of two after Pause).
    """

    def __init__(self, step: Callable[[int], int], show: Callable[[int], None],
                 on_stop: Callable[[], None] | None = None, rendering: Callable[[], bool] | None = None,
                 page_lock: PageLock | None = None,
                 together: Callable[[], AbstractContextManager[object]] | None = None) -> None:
        self.step = step
        self.show = show
        self.on_stop = on_stop
        self.rendering = rendering or (lambda: False)    # a render of the page is under way (any thread)
        self.page_lock: PageLock = page_lock if page_lock is not None else threading.RLock()
        self.together = together or nullcontext     # the last frame and `on_stop` drawn as one update
        self.frames = Frames()
        self.speed = 5.0
        self._stop = threading.Event()
        self._joined = threading.Event()     # a handler waits for this run's thread to end
        self._thread: threading.Thread | None = None
        self.days_played = 0
        self.error: BaseException | None = None

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    @property
    def ended(self) -> bool:
        """A Play was started and its thread has ended (paused, or the run at its horizon)."""
        return self._thread is not None and not self._thread.is_alive()

    def set_speed(self, speed: float) -> None:
        """Change the speed (days per second, math.inf = as fast as possible) while playing."""
        self.speed = float(speed)

    def play(self, speed: float | None = None) -> None:
        if speed is not None:
            self.set_speed(speed)
        if self.playing:
            return
        self.join()                      # a paused thread finishes its day before a new one starts
        self._stop = threading.Event()
        self._joined = threading.Event()
        self.error = None
        self._thread = workers.start(self._run, "noodplan-play", self._stop, (self._stop, self._joined))

    def pause(self) -> None:
        """Stop before the next day; returns at once (the thread shows its last frame and ends)."""
        self._stop.set()

    def join(self, timeout: float | None = 5.0) -> None:
        """Wait for the thread to end; it then neither draws its last frame nor calls `on_stop()` (the
        caller, a handler that may hold the page's lock, draws the page itself)."""
        t = self._thread
        if t is not None and t is not threading.current_thread():
            self._joined.set()
            t.join(timeout)

    def _run(self, stop: threading.Event, joined: threading.Event) -> None:
        try:
            self._play(stop)
        except BaseException as exc:
            self.error = exc
        finally:
            stop.set()
            self._stopped(joined)

    def _play(self, stop: threading.Event) -> None:
        """Simulate the days due, asking for a frame when one is due and the page is free, until
        Pause or the horizon."""
        next_due = time.perf_counter()
        while not stop.is_set():
            speed = self.speed
            now = time.perf_counter()
            if math.isfinite(speed):
                if now < next_due:
                    stop.wait(min(next_due - now, 0.05))
                    continue
                # every day that is due, one at a time (Pause is honoured between days);
                # after a long frame the player catches up by at most one second of days
                due = min(1 + int((now - next_due) * speed), max(1, int(speed)))
                next_due = max(next_due, now - 1.0) + due / speed
                deadline = math.inf
                cpu_deadline = math.inf
            else:
                due = 1 << 30
                deadline = now + MAX_FRAME_GAP_S
                cpu_deadline = time.thread_time() + FRAME_BUDGET_S
                next_due = now
            for _ in range(due):
                if stop.is_set():
                    return
                if self.step(1) == 0:
                    return
                self.days_played += 1
                if time.thread_time() >= cpu_deadline or time.perf_counter() >= deadline:
                    break
            now = time.perf_counter()
            if self.frames.due(now) and not self.rendering() and self.page_lock.acquire(timeout=LOCK_WAIT_S):
                try:
                    self._frame(now)
                finally:
                    self.page_lock.release()

    def _stopped(self, joined: threading.Event) -> None:
        """Draw the day the run stopped on and say it stopped, under the page's lock; not when a handler
        waits for this thread (it draws the page itself)."""
        while not self.page_lock.acquire(timeout=0.05):
            if joined.is_set():
                return
        try:
            if joined.is_set():
                return
            with self.together():
                if self.error is None:
                    self._frame(time.perf_counter())
                if self.on_stop is not None and self._thread is threading.current_thread():
                    self.on_stop()
        finally:
            self.page_lock.release()

    def _frame(self, now: float) -> None:
        frame = self.frames.ask(now)
        trace.debug("frame %d asked", frame)
        self.show(frame)
        trace.debug("frame %d shown", frame)

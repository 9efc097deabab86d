"""Reading a page rendered in process only once no other thread is rendering it.

A page is rendered by whichever thread changes its state: a click in the test's thread, but also
the player's thread (a frame, its last render after Pause or at the horizon), a comparison's or a
forecast's job (its progress, its result) and the counterfactual's follower (the cost card once it
has caught up). A render holds reacton's render lock; a click that comes meanwhile only marks the
page for a render that the thread holding the lock then does after its own. So right after a click
the page may still show the state before it, for as long as a render of another thread takes — on a
busy CI machine, seconds (CI once saw the What-if buttons still disabled after Reset).

`settled(rc)` waits until no render is under way or asked for; `steady(rc)` makes every `rc.find`
wait so first, so a test reads what its last click made. It only looks: it never takes the render
lock (a render asked for by another thread while the lock is held is left to the holder, which
would then be the test).
"""

from __future__ import annotations

import time

SETTLE_S = 120.0        # generous: a render of the whole page on a loaded machine takes seconds
QUIET_S = 0.02          # no render under way or asked for, seen twice this far apart


def _busy(rc) -> bool:
    return bool(rc._is_rendering or rc._rerender_needed or rc.thread_lock.locked())


def settled(rc, seconds: float = SETTLE_S) -> None:
    """Until no render of `rc` is under way or asked for (seen twice in a row)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _busy(rc):
            time.sleep(QUIET_S)
            if not _busy(rc):
                return
        time.sleep(0.01)
    raise AssertionError(f"the page was still rendering after {seconds:.0f} s")


def steady(rc):
    """`rc` with a `find` that first waits until the page has settled; returns `rc`."""
    find = rc.find

    def settled_find(*args, **kwargs):
        settled(rc)
        return find(*args, **kwargs)

    rc.find = settled_find
    return rc

"""Changes a page's own threads make to it, made between the messages of its browser.

The server handles each message from a page's browser (a key typed, a click) under the page's lock:
it sets the field's widget, then its handler sets the value the page is drawn from. A thread of the
page (the exercise room's follower, a comparison or forecast finishing, the sweep store's watch) that
redraws the page meanwhile reads the value from before the message and sends it back to the browser
over the text typed. `from_thread` makes such a change under that same lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def from_thread(change: Callable[[], None]) -> None:
    """Run `change`, a page's own thread setting a value that redraws the page, under the page's lock:
    the one the server holds while it handles a message from the browser. The redraw then never runs
    while a message sets a field, so it never reads a field's text from before the message and sends it
    back over the text typed (the exercise room's follower, redrawing the facilitator's page while the
    ad-hoc inject's title "Brand in Arnhem" arrived, could read it as empty and send the empty text to the
    page; a click on Send then carried it, refused for want of a title). Outside a served page (`solara.render` in
    tests, a thread started outside a page) there is no lock to take. A page closed meanwhile is not drawn.

    Never call it where the page's handlers wait for the calling thread (a join, an event waited on under
    the lock): the thread would wait for the lock the handler holds while the handler waits for it. The
    dashboard's player is such a thread (`Player.play` joins the last one from the click's handler): it
    waits for `page_lock()` only briefly, and gives up its last frame when a handler waits for it."""
    from solara.server import kernel_context

    if not kernel_context.has_current_context():
        change()
        return
    context = kernel_context.get_current_context()
    with context.lock:
        if not context.closed_event.is_set():
            change()


def page_lock() -> threading.RLock | None:
    """The lock the server handles the current page's browser messages under (None outside a served
    page). The dashboard's player draws its frames under it, a frame skipped when it is held (`viz.player`)."""
    from solara.server import kernel_context

    if not kernel_context.has_current_context():
        return None
    return kernel_context.get_current_context().lock

"""A debug trace of what the browser asks and what the server answers, to find a click that goes
unanswered on a loaded machine. Off by default; `NOODPLAN_UI_TRACE=1 noodplan ui` turns it on.

With the trace on, the server writes one line to stderr (logger `noodplan.ui`, level DEBUG) with the
time in milliseconds and the thread's name for
* every message from the browser to a widget as it arrives (`in`): a click or another event with the
  widget's classes, a field's new text (`update`), a template's call (`custom`);
* a handler of the page as it starts and ends (`handler`, `done`; `viz.scenario_panel.WhatIf`);
* every update the server sends to a widget of the page's own classes (`np-…`) (`out`: its class and
  the properties sent), which is the answer the browser then shows;
* the player's frames: asked for (`frame`) and drawn (`drawn`).

The lines of one click read in order: `in … click` (the websocket's thread), `handler`, `done`, then
the `out` of the answer, in the thread that rendered it (the websocket's or, during Play, the
player's). A click with no `in` line never reached the server; one with `in` and no `handler` was
lost in the widget layer; one with `done` and no `out` was rendered by nobody.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

log = logging.getLogger("noodplan.ui")
ENV = "NOODPLAN_UI_TRACE"
_installed = False


def enabled() -> bool:
    """Whether the trace is asked for (NOODPLAN_UI_TRACE set to anything but '', 0, no, false)."""
    return os.environ.get(ENV, "").strip().lower() not in ("", "0", "no", "false")


def debug(what: str, *args) -> None:
    """One trace line (nothing when the trace is off): `what % args` with the time and thread."""
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%.1f %s " + what, time.monotonic() * 1e3, threading.current_thread().name, *args)


def _classes(widget) -> str:
    return str(getattr(widget, "class_", None) or type(widget).__name__)


def install() -> None:
    """Turn the trace on when asked for (`enabled`): a handler on stderr, and the widget layer's
    message in and out logged. Call before the page's widgets are made; harmless when called again."""
    global _installed
    if _installed or not enabled():
        return
    _installed = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("noodplan.ui %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False

    import ipywidgets

    receive, send = ipywidgets.Widget._handle_msg, ipywidgets.Widget._send

    def traced_receive(self, msg):
        data = msg.get("content", {}).get("data", {})
        method = data.get("method")
        if method == "custom":
            content = data.get("content") or {}
            debug("in %s %s %s", _classes(self), content.get("event", "custom"), str(content.get("data", ""))[:80])
        elif method == "update":
            debug("in %s update %s", _classes(self), str(data.get("state", ""))[:80])
        return receive(self, msg)

    def traced_send(self, msg, buffers=None):
        if msg.get("method") == "update" and "np-" in _classes(self):
            debug("out %s %s", _classes(self), ",".join(msg.get("state", {})))
        return send(self, msg, buffers)

    # the trace is the point: wrapped while the server runs with NOODPLAN_UI_TRACE, never otherwise
    ipywidgets.Widget._handle_msg = traced_receive
    ipywidgets.Widget._send = traced_send


def page() -> str:
    """The served page's kernel id, for a trace line ("-" outside a served page): a tab keeps one id
    while it lives (a reconnect keeps it too), a reload gets a new one."""
    from solara.server import kernel_context

    return kernel_context.get_current_context().id if kernel_context.has_current_context() else "-"

"""A drop zone that also opens the file chooser when clicked (Solara's `FileDrop` only takes
drops). Same protocol as Solara's zone (`solara.components.file_drop.FileDropZone`): the browser
sends the file in chunks when the server reads it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import solara
from solara.components.file_drop import FileDropZone


class FilePickZone(FileDropZone):
    template_file = (__file__, "file_pick.vue")


@solara.component
def FilePick(label: str, on_file: Callable[[dict], None]):
    """`on_file({"name", "size", "data"})` is called (in a thread) with the whole file."""
    file_info, set_file_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    zone = FilePickZone.element(label=label, on_file_info=set_file_info, multiple=False)

    def wire():
        if not file_info:
            return
        real = solara.get_widget(zone)
        real.version += 1
        real.reset_stats()
        set_wired(real.get_files())

    solara.use_effect(wire, [file_info])

    def read(cancel: threading.Event):
        if wired:
            f = wired[0]
            on_file({"name": f["name"], "size": f["size"], "data": f["file_obj"].read()})

    result = solara.use_thread(read, [wired])
    if result.error:
        raise result.error
    return zone

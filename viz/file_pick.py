"""A drop zone that also opens the file chooser when clicked (Solara's `FileDrop` only takes
drops). Same protocol as Solara's zone (`solara.components.file_drop.FileDropZone`): the browser
sends the file in chunks when the server reads it — so a file that is too large is refused by its
size, before a byte of it is sent, or, when the limit depends on what the file holds, after its
first bytes only (`deliver`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import solara
from solara.components.file_drop import FileDropZone

log = logging.getLogger(__name__)

# check(name, size) -> None to read the file, or the one line saying why it is not read
Check = Callable[[str, int], str | None]
# check_start(name, size, start) -> the same, given also the file's first START_BYTES bytes
StartCheck = Callable[[str, int, bytes], str | None]
START_BYTES = 4096


class FilePickZone(FileDropZone):
    template_file = (__file__, "file_pick.vue")


def deliver(f: dict, on_file: Callable[[dict], None], check: Check | None, on_refused: Callable[[str], None],
            check_start: StartCheck | None = None) -> None:
    """Hand the picked file `f` (Solara's {"name", "size", "file_obj"}) to `on_file` whole, unless
    `check` refuses it by its name and size (then the file is never read), or `check_start` by its
    name, size and first START_BYTES bytes (then nothing more is read): `on_refused(message)`. A 2 GB
    file dropped by mistake is not carried to the server and held in its memory first. A transfer
    that fails (the browser went away, another file was dropped meanwhile) is one line too."""
    name, size = str(f["name"]), int(f["size"])
    problem = check(name, size) if check is not None else None
    if problem:
        on_refused(problem)
        return
    try:
        data = b""
        if check_start is not None:
            data = f["file_obj"].read(min(size, START_BYTES)) or b""
            problem = check_start(name, size, data)
            if problem:
                on_refused(problem)
                return
        data += f["file_obj"].read()
    except Exception as exc:       # ipyvuetify's reader: a timeout, a file replaced under it
        log.warning("reading the upload %r failed", name, exc_info=True)
        on_refused(f"{name}: the file could not be read from the browser ({type(exc).__name__}); choose it again")
        return
    on_file({"name": name, "size": size, "data": data})


@solara.component
def FilePick(label: str, on_file: Callable[[dict], None], check: Check | None = None,
             on_refused: Callable[[str], None] | None = None, check_start: StartCheck | None = None):
    """`on_file({"name", "size", "data"})` is called (in a thread) with the whole file; a file that
    `check(name, size)` or `check_start(name, size, its first bytes)` refuses, or that cannot be read,
    goes to `on_refused(message)` instead."""
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

    def refused(message: str) -> None:
        if on_refused is None:
            raise ValueError(message)
        on_refused(message)

    def read(cancel: threading.Event):
        if wired:
            deliver(wired[0], on_file, check, refused, check_start)

    result = solara.use_thread(read, [wired])
    if result.error:
        raise result.error
    return zone

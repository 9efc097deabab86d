"""How a command starts and ends: Ctrl+C during start-up is held, not raised, and one after the
command's work is done does not take its exit code. Shared by the `noodplan` console command
(`viz.entry`, `pyproject.toml`: the experiments' commands plus `ui`) and `python -m
experiments.cli` (the same commands without the UI), which had none of it: a Ctrl+C in its first
0.3 s ended in a traceback from whichever import it hit.

Importing the command's modules takes about half a second; a Ctrl+C in that time would end in a
traceback from whichever import it hit, or be swallowed ("Exception ignored in …") while the
command went on to run and write its results. So the signal is only noted from the first line on
(`experiments.outputs.hold_interrupts` once that module is loaded) until the command answers it
(`outputs.interruptible`): one line and exit code 130, before anything is computed or written.
(Python's own start-up, before this module runs, is the only time left uncovered: ~0.05 s.)

When the command has returned, its results are in place and its lines printed. Python then shuts
down (threads joined, `atexit`, modules torn down: up to a few tenths of a second after an
analysis), and near its end it puts every signal handled in Python back to the default, so a
Ctrl+C or SIGTERM there killed the process: exit status 130 or 143 with nothing on stderr, though
the work was done (`timeout -s INT 8 noodplan analyze …`). Now a signal after the command ends the
process at once with the command's own code (`_done`), and the last `atexit` function ignores both
signals for the teardown that follows it (`_quiet_teardown`).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import signal
import sys

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def main(command: str) -> int:
    """Run the command line of module `command` (its `main()`, reading `sys.argv`: "viz.cli" or
    "experiments.cli") under the start-up and shutdown protection; returns its exit code. Only this
    module and the standard library's are loaded before the signals are held."""
    noted: list[int] = []
    for sig in _SIGNALS:
        signal.signal(sig, lambda signum, _frame: noted.append(signum))
    atexit.register(_quiet_teardown)        # registered first, so called last
    from experiments import outputs

    outputs.hold_interrupts(noted)
    code = int(importlib.import_module(command).main())
    _done(code)
    return code


def _done(code: int) -> None:
    """The command's work is done: what it printed is flushed, and a Ctrl+C or SIGTERM from now on
    ends the process with `code` at once (a shutdown that hangs can still be stopped)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    for sig in _SIGNALS:
        signal.signal(sig, lambda _signum, _frame: os._exit(code))


def _quiet_teardown() -> None:
    """Ignore Ctrl+C and SIGTERM for the rest of the shutdown: Python puts a signal handled in
    Python back to the default after the `atexit` functions, and a signal then killed the process
    (ignored ones it leaves alone)."""
    for sig in _SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


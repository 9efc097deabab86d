"""The `noodplan` console command (`pyproject.toml`): Ctrl+C during start-up is held, not raised.

Importing the command's modules takes about half a second; a Ctrl+C in that time would end in a
traceback from whichever import it hit, or be swallowed ("Exception ignored in …") while the
command went on to run and write its results. So the signal is only noted from the first line on
(`experiments.outputs.hold_interrupts` once that module is loaded) until the command answers it
(`outputs.interruptible`): one line and exit code 130, before anything is computed or written.
(Python's own start-up, before this module runs, is the only time left uncovered: ~0.05 s.)
"""

from __future__ import annotations

import signal
import sys


def main() -> int:
    noted: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: noted.append(signum))
    from experiments import outputs

    outputs.hold_interrupts(noted)
    from viz import cli

    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
